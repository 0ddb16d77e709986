/* t_pwhelper.c - pwhelper_lookup's three outcomes: answered by a real
 * helper, unusable (no helper, a local part too long), and stuck (a
 * helper that never answers: the caller must not wait for ever); and
 * pwhelper_ask's wait in ms and its NOWAIT: a full socket is stuck at
 * once, without blocking (qmail-lspawn's root side relies on it). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "monotonic.h"
#include "pwhelper.h"
#include "tap.h"

int
main(void)
{
	struct strbuf text = STRBUF_INIT;
	char longname[PWHELPER_LOCAL_MAX + 2];
	int sv[2], sock, code = -1, n;
	long long t1;
	time_t t0;

	sock = pwhelper_start(getuid(), getgid());
	ok(sock != -1, "the helper starts");
	is_num(pwhelper_lookup(sock, "root", 5, &code, &text),
	    PWHELPER_ANSWERED, "a real helper answers");
	ok(code >= 0 && code <= 255, "with a code (%d)", code);
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	is_num(pwhelper_lookup(sock, longname, 5, &code, &text),
	    PWHELPER_UNUSABLE, "a local part over PWHELPER_LOCAL_MAX");
	close(sock); /* the helper sees end of file and exits */
	while (wait(NULL) > 0)
		;

	ok(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair");
	t0 = time(NULL);
	is_num(pwhelper_lookup(sv[0], "user", 1, &code, &text), PWHELPER_STUCK,
	    "no answer: stuck");
	ok(time(NULL) - t0 <= 3, "after about the timeout");
	t1 = monotonic_ms();
	is_num(pwhelper_ask(sv[0], "user", 100, false, &code, &text),
	    PWHELPER_STUCK, "ask, no answer in 100 ms: stuck");
	t1 = monotonic_ms() - t1;
	ok(t1 >= 90 && t1 < 2000, "after about 100 ms (%lld)", t1);
	/* a helper far behind: its socket is full */
	for (n = 0; n < 100000; n++)
		if (fdpass_sendf(sv[0], "x", 1, NULL, 0, MSG_DONTWAIT) != 1)
			break;
	ok(n < 100000 && errno == EAGAIN, "the socket fills (%d)", n);
	t1 = monotonic_ms();
	is_num(pwhelper_ask(sv[0], "user", 5000, true, &code, &text),
	    PWHELPER_STUCK, "nowait on a full socket: stuck");
	ok(monotonic_ms() - t1 < 1000, "at once, not after the wait");
	close(sv[1]);
	is_num(pwhelper_lookup(sv[0], "user", 1, &code, &text),
	    PWHELPER_UNUSABLE, "no helper: unusable");
	close(sv[0]);
	strbuf_free(&text);
	return done_testing();
}
