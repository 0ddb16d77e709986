/* t_pwhelper.c - pwhelper_lookup's three outcomes: answered by a real
 * helper, unusable (no helper, a local part too long), and stuck (a
 * helper that never answers: the caller must not wait for ever). */
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pwhelper.h"
#include "tap.h"

int
main(void)
{
	struct strbuf text = STRBUF_INIT;
	char longname[PWHELPER_LOCAL_MAX + 2];
	int sv[2], sock, code = -1;
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
	close(sv[1]);
	is_num(pwhelper_lookup(sv[0], "user", 1, &code, &text),
	    PWHELPER_UNUSABLE, "no helper: unusable");
	close(sv[0]);
	strbuf_free(&text);
	return done_testing();
}
