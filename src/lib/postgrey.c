/*
 * postgrey.c - Postfix policy protocol client; see postgrey.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "postgrey.h"

bool
postgrey_parse_spec(const char *spec, struct ipaddr *ip, unsigned *port)
{
	char host[IPADDR_STRLEN];
	const char *semi = strrchr(spec, ';');
	size_t n = semi ? (size_t)(semi - spec) : strlen(spec);
	unsigned long p = POSTGREY_PORT;

	if (n == 0 || n >= sizeof host)
		return false;
	memcpy(host, spec, n);
	host[n] = '\0';
	if (semi != NULL) {
		const char *d = semi + 1;

		if (*d == '\0')
			return false;
		for (p = 0; *d; d++) {
			if (*d < '0' || *d > '9' || p > 65535)
				return false;
			p = p * 10 + (unsigned long)(*d - '0');
		}
		if (p == 0 || p > 65535)
			return false;
	}
	if (!ipaddr_parse(ip, host))
		return false;
	*port = (unsigned)p;
	return true;
}

static bool
attr(struct strbuf *out, const char *name, const char *value)
{
	size_t i;

	if (!strbuf_appends(out, name) || !strbuf_appendc(out, '='))
		return false;
	for (i = 0; value != NULL && value[i] != '\0' && i < POSTGREY_VALUE_MAX;
	     i++) {
		unsigned char c = (unsigned char)value[i];

		if (!strbuf_appendc(out, c < ' ' || c == 127 ? '?' : (char)c))
			return false;
	}
	return strbuf_appendc(out, '\n');
}

bool
postgrey_request(struct strbuf *out, const struct postgrey_query *q)
{
	out->len = 0;
	return attr(out, "request", "smtpd_access_policy") &&
	       attr(out, "protocol_state", "RCPT") &&
	       attr(out, "protocol_name", q->protocol_name) &&
	       attr(out, "client_address", q->client_address) &&
	       attr(out, "client_name", q->client_name) &&
	       attr(out, "reverse_client_name", q->client_name) &&
	       attr(out, "helo_name", q->helo_name) &&
	       attr(out, "sender", q->sender) &&
	       attr(out, "recipient", q->recipient) &&
	       strbuf_printf(
		   out, "recipient_count=%lu\n", q->recipient_count) &&
	       attr(out, "queue_id", "") && attr(out, "instance", "") &&
	       attr(out, "size", "0") && strbuf_appendc(out, '\n');
}

enum postgrey_action
postgrey_parse_reply(const char *buf, size_t len)
{
	const char *line = buf, *end = buf + len, *nl, *a = NULL;
	size_t alen = 0;

	for (; line < end; line = nl + 1) {
		size_t n;

		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			return POSTGREY_ERROR; /* incomplete */
		n = (size_t)(nl - line);
		if (n == 0)
			break; /* the empty line ends the answer */
		if (n > 7 && strncasecmp(line, "action=", 7) == 0 &&
		    a == NULL) {
			a = line + 7;
			alen = n - 7;
		}
	}
	if (line >= end || a == NULL)
		return POSTGREY_ERROR;
	if ((alen >= 5 && strncasecmp(a, "DEFER", 5) == 0) ||
	    (alen >= 3 && a[0] == '4' && a[1] >= '0' && a[1] <= '9' &&
		a[2] >= '0' && a[2] <= '9'))
		return POSTGREY_GREYLISTED;
	return POSTGREY_PASS;
}

/* wait_fd: poll FD for EVENTS until DEADLINE; false on timeout/error */
static bool
wait_fd(int fd, short events, time_t deadline)
{
	struct pollfd p = {fd, events, 0};

	for (;;) {
		time_t now = time(NULL);
		int r;

		if (now >= deadline)
			return false;
		r = poll(&p, 1, (int)(deadline - now) * 1000);
		if (r > 0)
			return true;
		if (r == 0 || errno != EINTR)
			return false;
	}
}

enum postgrey_action
postgrey_ask(const struct ipaddr *ip, unsigned port,
    const struct postgrey_query *q, unsigned timeout)
{
	struct sockaddr_storage ss;
	struct strbuf req = STRBUF_INIT;
	char buf[POSTGREY_REPLY_MAX];
	size_t got = 0, sent = 0;
	time_t deadline = time(NULL) + (time_t)(timeout ? timeout : 1);
	enum postgrey_action act = POSTGREY_ERROR;
	socklen_t sl = ipaddr_sockaddr(ip, port, &ss);
	int fd, err = 0;
	socklen_t el = sizeof err;
	ssize_t r;

	if (!postgrey_request(&req, q))
		return POSTGREY_ERROR;
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		goto out;
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1) {
		if (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, deadline) ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1 ||
		    err != 0)
			goto out;
	}
	while (sent < req.len) {
		if (!wait_fd(fd, POLLOUT, deadline))
			goto out;
		r = send(fd, req.data + sent, req.len - sent, MSG_NOSIGNAL);
		if (r < 0 && errno != EINTR && errno != EAGAIN)
			goto out;
		if (r > 0)
			sent += (size_t)r;
	}
	while (got < sizeof buf) {
		if (!wait_fd(fd, POLLIN, deadline))
			goto out;
		r = read(fd, buf + got, sizeof buf - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if ((got == 1 && buf[0] == '\n') ||
		    (got >= 2 && buf[got - 1] == '\n' && buf[got - 2] == '\n'))
			break;
	}
	act = postgrey_parse_reply(buf, got);
out:
	if (fd != -1)
		(void)close(fd);
	strbuf_free(&req);
	return act;
}
