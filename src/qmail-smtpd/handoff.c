/*
 * handoff.c - the plain build of qmail-smtpd and its hand-off to the full
 * build (doc/PERFORMANCE.md, doc/qmail-smtpd.8).
 *
 * tcpserver execs qmail-smtpd for every connection. Linked with glibc,
 * OpenSSL and libidn2 that exec costs ~1 ms of CPU on a VM that traps
 * CPUID; a static musl binary ~0.2 ms. So when musl-gcc is there, the
 * Makefile builds bin/qmail-smtpd from this same source with SMTPD_PLAIN
 * defined, without OpenSSL and libidn2, and bin/qmail-smtpd-tls as the
 * full build. The plain build execs the full one, same pid, same
 * environment, same arguments:
 *   - at start, before the greeting, when the session needs the full
 *     build from its first byte: SMTPS, or a DNS check (MFDNSCHECK, SPF),
 *     which must use glibc's resolver;
 *   - at STARTTLS, right after its "220 ready for TLS", with
 *     SMTPD_HANDOFF=starttls: the full build skips the greeting and does
 *     the handshake at once. Only the counters that bound a client
 *     (protocol errors, invalid recipients, AUTH failures) cross over:
 *     RFC 3207 4.2 has the server forget everything else anyway, and
 *     whatever the client pipelined behind STARTTLS dies with the plain
 *     process's input buffer (CVE-2011-0411), never reaching the TLS
 *     session.
 * A non-ASCII domain (SMTPUTF8) needs libidn2: the plain build's
 * idn_domain_to_ascii runs the full build as a helper
 * (SMTPD_HANDOFF=idn, the domain on fd 0, the A-label on fd 1), so the
 * answer is libidn2's. Without SMTPD_PLAIN (the full build, or the only
 * build without musl) this file holds the receiving side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auto.h"
#include "idn.h"
#include "smtpd.h"

#define HANDOFF_VAR  "SMTPD_HANDOFF"
#define IDN_MAX      1024 /* longer than any domain a command can hold */

#ifdef SMTPD_PLAIN
#include "dns.h"
#include "tls.h"

static char **saved_argv;

static char *
full_path(void)
{
	struct strbuf sb = STRBUF_INIT;

	if (!strbuf_appends(&sb, auto_qmail) ||
	    !strbuf_appends(&sb, "/bin/qmail-smtpd-tls"))
		die_nomem();
	return sb.data;
}

/* exec_full: becomes the full build; false (errno set) if exec failed */
static bool
exec_full(const char *handoff)
{
	char *path = full_path();

	if (handoff != NULL && setenv(HANDOFF_VAR, handoff, 1) == -1)
		return false;
	execv(path, saved_argv);
	free(path);
	return false;
}

bool
smtpd_handoff(struct smtpd *s, char **argv)
{
	saved_argv = argv;
	/* a DNS check from the start, or implicit TLS: the full build */
	if (s->smtps || s->mfdnscheck != NULL || s->spf > 0) {
		exec_full(NULL);
		warn("unable to run qmail-smtpd-tls: %s", strerror(errno));
		smtpd_die_temp(s, "421 unable to start (#4.3.0)", "Handoff");
	}
	return false;
}

void
smtpd_handoff_starttls(struct smtpd *s)
{
	char arg[96];

	(void)snprintf(arg, sizeof arg, "starttls %u %lu %lu", s->errors,
	    s->invalid_rcpts, s->authfails);
	exec_full(arg);
	/* the client is starting a handshake: no plaintext reply fits */
	warn("unable to run qmail-smtpd-tls: %s", strerror(errno));
	smtpd_log(s, "Reject", "TLS", "Handoff_Failed", NULL);
	_exit(0);
}

void
smtpd_handoff_helper(void)
{
}

/* never reached: smtpd_handoff ran the full build for SMTPS */
void
smtpd_smtps(struct smtpd *s)
{
	smtpd_die_temp(s, "421 unable to start (#4.3.0)", "Handoff");
}

/*
 * No resolver in the plain build: smtpd_handoff gives every session with
 * a DNS check (MFDNSCHECK, SPF) to the full build, so these never run;
 * if a new check forgot that, it fails temporarily and says why.
 */
static enum dns_status
no_dns(void)
{
	warn("DNS lookup in the plain build: list the check in "
	     "smtpd_handoff (handoff.c)");
	return DNS_SOFT;
}

enum dns_status
dns_mx_addrs(const char *domain, struct dns_peers *out)
{
	(void)domain;
	(void)out;
	return no_dns();
}

enum dns_status
dns_txt(const char *name, struct strlist *out)
{
	(void)name;
	(void)out;
	return no_dns();
}

enum dns_status
dns_addrs(const char *name, int type, struct ipaddr *out, size_t max,
    size_t *n)
{
	(void)name;
	(void)type;
	(void)out;
	(void)max;
	*n = 0;
	return no_dns();
}

enum dns_status
dns_mx_names(const char *domain, struct strlist *out)
{
	(void)domain;
	(void)out;
	return no_dns();
}

enum dns_status
dns_ptr(const struct ipaddr *ip, struct strlist *out)
{
	(void)ip;
	(void)out;
	return no_dns();
}

/* the plain build never has a TLS session to close */
void
tls_close(struct tls *t)
{
	(void)t;
}

bool
idn_domain_to_ascii(const char *domain, struct strbuf *out)
{
	char buf[IDN_MAX + 1], *path, *argv[2];
	int in[2], res[2], wstat;
	size_t len = strlen(domain), got = 0;
	ssize_t r;
	pid_t pid;

	if (!idn_utf8_valid(domain, len) || len > IDN_MAX)
		return false;
	if (pipe(in) == -1)
		return false;
	if (pipe(res) == -1) {
		close(in[0]);
		close(in[1]);
		return false;
	}
	path = full_path();
	pid = fork();
	if (pid == 0) {
		if (dup2(in[0], 0) == -1 || dup2(res[1], 1) == -1)
			_exit(111);
		close(in[0]);
		close(in[1]);
		close(res[0]);
		close(res[1]);
		argv[0] = path;
		argv[1] = NULL;
		if (setenv(HANDOFF_VAR, "idn", 1) == 0)
			execv(path, argv);
		_exit(111);
	}
	free(path);
	close(in[0]);
	close(res[1]);
	if (pid != -1)
		(void)fd_write_all(in[1], domain, len);
	close(in[1]);
	while (pid != -1 && got < sizeof buf) {
		r = read(res[0], buf + got, sizeof buf - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(res[0]);
	if (pid == -1)
		return false;
	while (waitpid(pid, &wstat, 0) == -1)
		if (errno != EINTR)
			return false;
	if (!WIFEXITED(wstat) || WEXITSTATUS(wstat) != 0 || got == 0 ||
	    got > IDN_MAX || memchr(buf, '\0', got) != NULL)
		return false;
	return strbuf_copy(out, buf, got);
}

#else /* the full build */

/* counter: the next number of a hand-off argument; false if malformed */
static bool
counter(const char **p, unsigned long *n)
{
	char *end;

	if (**p != ' ' || (*p)[1] < '0' || (*p)[1] > '9')
		return false;
	errno = 0;
	*n = strtoul(*p + 1, &end, 10);
	if (errno != 0)
		return false;
	*p = end;
	return true;
}

bool
smtpd_handoff(struct smtpd *s, char **argv)
{
	const char *v = getenv(HANDOFF_VAR), *p;
	unsigned long errors, invalid, authfails;

	(void)argv;
	if (v == NULL)
		return false;
	p = v + strlen("starttls");
	if (strncmp(v, "starttls", strlen("starttls")) != 0 ||
	    !counter(&p, &errors) || !counter(&p, &invalid) ||
	    !counter(&p, &authfails) || *p != '\0' ||
	    errors >= SMTPD_ERRORS_MAX)
		smtpd_die_temp(s, "421 bad hand-off (#4.3.0)", "Handoff");
	/* children (qmail-queue, checkpassword) must not see it */
	if (unsetenv(HANDOFF_VAR) == -1)
		smtpd_die_temp(s, "421 bad hand-off (#4.3.0)", "Handoff");
	s->errors = (unsigned)errors;
	s->invalid_rcpts = invalid;
	s->authfails = authfails;
	smtpd_starttls_resume(s);
	return true;
}

void
smtpd_handoff_helper(void)
{
	struct strbuf out = STRBUF_INIT;
	const char *v = getenv(HANDOFF_VAR);
	char buf[IDN_MAX + 1];
	size_t got = 0;
	ssize_t r;

	if (v == NULL || strcmp(v, "idn") != 0)
		return;
	while (got < IDN_MAX) {
		r = read(0, buf + got, IDN_MAX - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			_exit(111);
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	if (got == 0 || strlen(buf) != got)
		_exit(100);
	if (!idn_domain_to_ascii(buf, &out))
		_exit(100);
	_exit(fd_write_all(1, out.data, out.len) ? 0 : 111);
}

#endif
