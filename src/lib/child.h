/*
 * child.h - running a helper program from a long-lived one: the PATH
 * search without a shell, and a bounded wait.
 *
 * child_exec_path runs in a forked child: it execs ARGV[0], or each PATH
 * entry / ARGV[0] like execvp, but never falls back to /bin/sh on
 * ENOEXEC, and returns only on failure (errno set). It does not allocate.
 * child_wait reaps PID within TIMEOUT seconds (0: no limit), polling
 * waitpid(WNOHANG) with a short, growing sleep instead of SIGCHLD or
 * SIGALRM, which belong to the calling program; past the deadline it
 * kills the child with SIGKILL and reaps it. Used by checkpw.c, qhpsi.c.
 * Nothing exits; not for signal handlers.
 */
#ifndef CHILD_H
#define CHILD_H

#include <stdbool.h>
#include <sys/types.h>

/* child_exec_path: execs ARGV; returns only on failure */
void child_exec_path(char *const argv[]);
/* child_wait: true with *WSTAT when PID ended by itself in time; false
 * with errno ETIMEDOUT when it was killed at the deadline, else the
 * waitpid error */
bool child_wait(pid_t pid, unsigned timeout, int *wstat);

#endif
