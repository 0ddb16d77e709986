/*
 * qmail-tcpto - prints queue/lock/tcpto, the addresses whose connects
 * timed out lately (qmail-remote skips those with two or more).
 *
 * One line per address with a count: "ADDR timed out N seconds ago;
 * # recent timeouts: K", as qmail's qmail-tcpto says it. Exit 0; 111 when
 * the file cannot be read or is malformed (tcpto.h gives the format; a
 * missing file is an empty table). See doc/qmail-tcpto.8.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "auto.h"
#include "die.h"
#include "strbuf.h"
#include "tcpto.h"

int
main(int argc, char **argv)
{
	static struct tcpto t;
	struct strbuf path = STRBUF_INIT;
	char text[IPADDR_STRLEN];
	uint64_t now;
	size_t i;

	(void)argv;
	die_init("qmail-tcpto");
	if (argc > 1)
		die_perm("usage: qmail-tcpto");
	xstrbuf_appends(&path, auto_queue);
	xstrbuf_appends(&path, "/lock/tcpto");
	if (!tcpto_read(&t, path.data)) {
		if (errno == EPROTO)
			die_temp("%s is malformed (qmail-tcpok clears it)",
			    path.data);
		die_temp_sys("cannot read %s", path.data);
	}
	now = (uint64_t)time(NULL);
	for (i = 0; i < t.len; i++) {
		const struct tcpto_entry *e = &t.slot[i];

		if (e->addr.family == 0 || e->errors == 0)
			continue;
		if (inet_ntop(e->addr.family, e->addr.bytes, text,
			sizeof text) == NULL)
			continue;
		printf("%s timed out %llu seconds ago; # recent timeouts: %u\n",
		    text,
		    (unsigned long long)(now >= e->when ? now - e->when : 0),
		    e->errors);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		die_temp_sys("cannot write");
	return 0;
}
