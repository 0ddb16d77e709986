/*
 * qhpsi.c - running the QHPSI scanner; see qhpsi.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "qhpsi.h"

bool
qhpsi_setup(struct qhpsi *q, const char *spec, const char *const args[3])
{
	size_t n = strlen(spec), words = 0, i;
	bool have_file = false;
	char *p, *save = NULL;

	memset(q, 0, sizeof *q);
	q->virus_rc = 1;
	if (n == 0 || n > 4096) {
		errno = EINVAL;
		return false;
	}
	if ((q->buf = strdup(spec)) == NULL ||
	    (q->argv = calloc(QHPSI_ARGS_MAX + 2, sizeof *q->argv)) == NULL) {
		qhpsi_free(q);
		errno = ENOMEM;
		return false;
	}
	for (p = strtok_r(q->buf, " \t", &save); p != NULL;
	     p = strtok_r(NULL, " \t", &save)) {
		if (words >= QHPSI_ARGS_MAX - 4)
			goto bad;
		if (strcmp(p, "%s") == 0) {
			if (have_file)
				goto bad;
			have_file = true;
			q->file_arg = words;
		}
		q->argv[words++] = p;
	}
	if (words == 0 || (have_file && q->file_arg == 0))
		goto bad;
	if (!have_file) {
		/* s/qmail 3: program file [ARG1 ARG2 ARG3] */
		static char file_marker[] = "%s";

		memmove(
		    q->argv + 2, q->argv + 1, (words - 1) * sizeof *q->argv);
		q->argv[1] = file_marker;
		q->file_arg = 1;
		words++;
	}
	for (i = 0; i < 3; i++)
		if (args[i] != NULL && args[i][0] != '\0')
			q->argv[words++] = (char *)args[i];
	q->argv[words] = NULL;
	return true;
bad:
	qhpsi_free(q);
	errno = EINVAL;
	return false;
}

enum qhpsi_verdict
qhpsi_scan(const struct qhpsi *q, int fd, const char *path, off_t size,
    unsigned timeout, int *status)
{
	char *argv[QHPSI_ARGS_MAX + 2];
	pid_t pid;
	int ws;
	size_t i;

	*status = -1;
	if ((q->minsize && (unsigned long)size < q->minsize) ||
	    (q->maxsize && (unsigned long)size > q->maxsize))
		return QHPSI_SKIPPED;
	for (i = 0; q->argv[i] != NULL; i++)
		argv[i] = i == q->file_arg ? (char *)path : q->argv[i];
	argv[i] = NULL;
	if (lseek(fd, 0, SEEK_SET) == -1)
		return QHPSI_ERROR;
	switch (pid = fork()) {
	case -1:
		return QHPSI_ERROR;
	case 0:
		/* the message on 0; 1 is the SMTP client: the log instead */
		if (dup2(fd, 0) == -1 || dup2(2, 1) == -1)
			_exit(127);
		if (fd > 2)
			(void)close(fd);
		(void)signal(SIGPIPE, SIG_DFL);
		child_exec_path(argv); /* no shell, whatever the file is */
		_exit(127);
	}
	/* past TIMEOUT the scanner is killed, whatever it does with
	 * signals */
	if (!child_wait(pid, timeout, &ws) || !WIFEXITED(ws))
		return QHPSI_ERROR;
	*status = WEXITSTATUS(ws);
	if (*status == q->virus_rc && *status != 0)
		return QHPSI_VIRUS;
	return *status == 0 ? QHPSI_CLEAN : QHPSI_ERROR;
}

void
qhpsi_free(struct qhpsi *q)
{
	free(q->argv);
	free(q->buf);
	q->argv = NULL;
	q->buf = NULL;
}
