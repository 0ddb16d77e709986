/* t_mbox.c - unit tests for mbox delivery (src/lib/mbox.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbox.h"
#include "tap.h"

static char dir[] = "/tmp/t_mbox.XXXXXX";

static void
test_quote(void)
{
	static const struct {
		const char *line;
		int want;
	} cases[] = {
	    {"From me\n", 1}, {">From me\n", 1}, {">>From ", 1},  {"From", 0},
	    {"From\n", 0},    {" From x", 0},    {"from x\n", 0}, {">", 0},
	    {"", 0},          {"Fromage\n", 0},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (!is_num(
			mbox_needs_quote(cases[i].line, strlen(cases[i].line)),
			cases[i].want, "quote table"))
			printf("#  line %zu\n", i);
}

static void
test_fromline(void)
{
	struct strbuf sb = STRBUF_INIT;

	mbox_fromline(&sb, "a b\tc@d", 0);
	is_str(sb.data, "From a-b-c@d Thu Jan 01 00:00:00 1970\n", "blanks");
	sb.len = 0;
	mbox_fromline(&sb, "", 1700000000);
	is_str(sb.data, "From MAILER-DAEMON Tue Nov 14 22:13:20 2023\n",
	       "bounce");
	strbuf_free(&sb);
}

static void
test_deliver(void)
{
	static const char msg[] = "Subject: t\n\nFrom here\n>From there\nend";
	char path[256], buf[512];
	int mfd, fd;
	ssize_t n;

	snprintf(path, sizeof path, "%s/msg", dir);
	mfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(write(mfd, msg, sizeof msg - 1) == sizeof msg - 1, "message");
	unlink(path);
	lseek(mfd, 0, SEEK_SET);
	snprintf(path, sizeof path, "%s/mbox", dir);
	is_num(mbox_deliver(path, mfd, "HEAD\n", 5, 1), MBOX_OK, "deliver");
	lseek(mfd, 0, SEEK_SET);
	is_num(mbox_deliver(path, mfd, "HEAD\n", 5, 1), MBOX_OK, "append");
	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf,
	       "HEAD\nSubject: t\n\n>From here\n>>From there\nend\n\n"
	       "HEAD\nSubject: t\n\n>From here\n>>From there\nend\n\n",
	       "quoted, terminated, appended");
	close(fd);
	unlink(path);
	is_num(mbox_deliver("/nonexistent/mbox", mfd, "", 0, 1), MBOX_OPEN,
	       "cannot open");
	close(mfd);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 2;
	test_quote();
	test_fromline();
	test_deliver();
	rmdir(dir);
	return done_testing();
}
