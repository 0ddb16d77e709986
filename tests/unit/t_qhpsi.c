/* t_qhpsi.c - the QHPSI command line (table) and the scanner's exit code
 * contract, with small sh scripts as scanners. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qhpsi.h"
#include "strbuf.h"
#include "tap.h"

static const struct {
	const char *spec, *a1, *a2;
	bool ok;
	const char *argv; /* joined by ' ', FILE for the message */
} setups[] = {
    {"/bin/scan", NULL, NULL, true, "/bin/scan FILE"},
    {"/bin/scan", "-v", "--x", true, "/bin/scan FILE -v --x"},
    {"clamdscan %s --quiet", NULL, NULL, true, "clamdscan FILE --quiet"},
    {"clamdscan  --fdpass\t%s", "a", NULL, true, "clamdscan --fdpass FILE a"},
    {"scan -a -b", NULL, NULL, true, "scan FILE -a -b"},
    {"", NULL, NULL, false, NULL},
    {"   ", NULL, NULL, false, NULL},
    {"%s scan", NULL, NULL, false, NULL},
    {"scan %s %s", NULL, NULL, false, NULL},
};

/* run: the verdict of a scan by SCRIPT (run with /bin/sh, or directly as
 * a file without "#!" when NOSHEBANG) of MSG; -1 when the test's own
 * setup failed, so that a broken setup never passes as QHPSI_ERROR */
static int
run_as(const char *script, const char *msg, unsigned long min,
    unsigned timeout, bool noshebang, int *status)
{
	char path[] = "/tmp/t_qhpsi.XXXXXX", spec[256];
	struct qhpsi q;
	const char *args[3] = {NULL, NULL, NULL};
	enum qhpsi_verdict v;
	FILE *f;
	int fd;

	/* the scanner: sh SCRIPT, with the file as $1 and stdin */
	*status = -2;
	(void)snprintf(spec, sizeof spec, "%s/tmp/t_qhpsi.sh %%s",
	    noshebang ? "" : "/bin/sh ");
	if ((f = fopen("/tmp/t_qhpsi.sh", "w")) == NULL)
		return -1;
	fprintf(f, "%s\n", script);
	fclose(f);
	if (chmod("/tmp/t_qhpsi.sh", 0755) == -1)
		return -1;
	if ((fd = mkstemp(path)) == -1)
		return -1;
	if (write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg))
		return -1;
	if (!qhpsi_setup(&q, spec, args))
		return -1;
	q.minsize = min;
	v = qhpsi_scan(&q, fd, path, (off_t)strlen(msg), timeout, status);
	qhpsi_free(&q);
	close(fd);
	unlink(path);
	unlink("/tmp/t_qhpsi.sh");
	return (int)v;
}

static int
run(const char *script, const char *msg, unsigned long min, int *status)
{
	return run_as(script, msg, min, 5, false, status);
}

int
main(void)
{
	size_t i, k;
	int status;

	for (i = 0; i < sizeof setups / sizeof setups[0]; i++) {
		const char *args[3] = {setups[i].a1, setups[i].a2, NULL};
		struct qhpsi q;
		struct strbuf j = STRBUF_INIT;
		bool r = qhpsi_setup(&q, setups[i].spec, args);

		ok(r == setups[i].ok, "setup '%s'", setups[i].spec);
		if (!r || !setups[i].ok)
			continue;
		for (k = 0; q.argv[k] != NULL; k++) {
			if (k > 0)
				(void)strbuf_appendc(&j, ' ');
			(void)strbuf_appends(
			    &j, k == q.file_arg ? "FILE" : q.argv[k]);
		}
		is_str(j.data, setups[i].argv, "argv");
		strbuf_free(&j);
		qhpsi_free(&q);
	}
	is_num(run("exit 0", "clean\n", 0, &status), QHPSI_CLEAN, "exit 0");
	is_num(run("exit 1", "x\n", 0, &status), QHPSI_VIRUS, "exit 1");
	is_num(run("exit 3", "x\n", 0, &status), QHPSI_ERROR, "exit 3");
	is_num(status, 3, "status reported");
	is_num(run("kill -9 $$", "x\n", 0, &status), QHPSI_ERROR, "crash");
	is_num(status, -1, "no status for a crash");
	{
		time_t t0 = time(NULL);

		/* a scanner deaf to SIGALRM is killed at the deadline */
		is_num(run_as("trap '' ALRM; exec sleep 30", "x\n", 0, 1, false,
			   &status),
		    QHPSI_ERROR, "a stuck scanner is a failure");
		ok(time(NULL) - t0 < 10, "and is killed at its timeout");
	}
	/* exit 1 would be "virus": a file without #! must not reach a
	 * shell (execvp would run it with /bin/sh) */
	is_num(run_as("exit 1", "x\n", 0, 5, true, &status), QHPSI_ERROR,
	    "no shell for a scanner without #!");
	/* the file argument and stdin both hold the message */
	is_num(run("grep -q EICAR \"$1\" && grep -q EICAR && exit 1; exit 0",
		   "a\nEICAR\n", 0, &status),
	    QHPSI_VIRUS, "file and stdin");
	is_num(run("exit 1", "tiny\n", 100, &status), QHPSI_SKIPPED,
	    "below QHPSIMINSIZE");
	return done_testing();
}
