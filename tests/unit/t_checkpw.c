/* t_checkpw.c - unit tests for running checkpassword programs
 * (src/lib/checkpw.c): exit code classes, the data on fd 3, stdin and
 * stdout on /dev/null, PATH lookup without a shell, and the timeout. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpw.h"
#include "tap.h"

static void
test_codes(void)
{
	static const struct {
		const char *script;
		enum checkpw_result want;
		int code;
	} cases[] = {
		{ "exit 0", CHECKPW_OK, 0 },
		{ "exit 1", CHECKPW_BAD, 1 },
		{ "exit 2", CHECKPW_MISUSE, 2 },
		{ "exit 111", CHECKPW_TEMP, 111 },
		{ "exit 7", CHECKPW_TEMP, 7 },
		{ "kill -9 $$", CHECKPW_TEMP, -1 },
		/* the data must be on fd 3 and end there */
		{ "test \"$(od -An -c <&3 | tr -d ' \\n')\" = "
		  "'u\\0p\\0'", CHECKPW_OK, 0 },
		/* stdin and stdout are /dev/null, not the caller's */
		{ "test \"$(readlink /proc/self/fd/0)\" = /dev/null && "
		  "test \"$(readlink /proc/$$/fd/1)\" = /dev/null",
		    CHECKPW_OK, 0 },
		/* ignored SIGPIPE is not inherited (bit 13 of SigIgn; other
		 * bits depend on how the test itself was started) */
		{ "test $(( 0x$(awk '/^SigIgn/{print $2}' /proc/self/status)"
		  " & 0x1000 )) -eq 0",
		    CHECKPW_OK, 0 },
	};
	size_t i;
	int code;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *argv[] = { "/bin/sh", "-c", (char *)cases[i].script,
			NULL };

		is_num(checkpw_run(argv, "u\0p\0", 4, 10, &code),
		    cases[i].want, cases[i].script);
		is_num(code, cases[i].code, "exit code");
	}
}

static void
test_misc(void)
{
	char big[CHECKPW_MAX + 1];
	char *t[] = { "true", NULL }, *f[] = { "false", NULL };
	char *none[] = { "no-such-program-qmtest", NULL };
	char *empty[] = { NULL };
	char *slow[] = { "/bin/sleep", "10", NULL };
	char dir[] = "/tmp/t_checkpw.XXXXXX", script[300];
	char *noshebang[] = { script, NULL };
	time_t start;
	int code, fd;

	memset(big, 'x', sizeof big);
	is_num(checkpw_run(t, "", 0, 10, &code), CHECKPW_OK,
	    "name found in PATH");
	is_num(checkpw_run(f, "", 0, 10, &code), CHECKPW_BAD, "false is 1");
	is_num(checkpw_run(none, "", 0, 10, &code), CHECKPW_TEMP,
	    "missing program");
	is_num(code, 111, "missing program exits 111");
	errno = 0;
	is_num(checkpw_run(empty, "", 0, 10, &code), CHECKPW_MISUSE,
	    "empty argv");
	ok(errno == EINVAL, "EINVAL");
	is_num(checkpw_run(t, big, sizeof big, 10, &code), CHECKPW_MISUSE,
	    "513 bytes refused");
	is_num(checkpw_run(t, big, CHECKPW_MAX, 10, &code), CHECKPW_OK,
	    "512 bytes accepted");
	start = time(NULL);
	is_num(checkpw_run(slow, "", 0, 1, &code), CHECKPW_TEMP, "timeout");
	ok(errno == ETIMEDOUT && code == -1, "ETIMEDOUT");
	ok(time(NULL) - start < 5, "killed after the timeout");

	/* a file without #! is not handed to /bin/sh as execvp would */
	if (mkdtemp(dir) == NULL)
		return;
	snprintf(script, sizeof script, "%s/noshebang", dir);
	fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd >= 0) {
		ok(write(fd, "exit 0\n", 7) == 7, "write script");
		close(fd);
	}
	is_num(checkpw_run(noshebang, "", 0, 10, &code), CHECKPW_TEMP,
	    "no shell fallback");
	unlink(script);
	rmdir(dir);
	is_num(checkpw_class(0), CHECKPW_OK, "class 0");
	is_num(checkpw_class(100), CHECKPW_TEMP, "class 100");
}

int
main(void)
{
	/* fd 3 must be taken in the parent too: close it to test the case
	 * where the pipe itself lands on 3 */
	close(3);
	/* as qmail-smtpd does; the child must not inherit it */
	signal(SIGPIPE, SIG_IGN);
	test_codes();
	test_misc();
	return done_testing();
}
