/* t_dotqmail.c - unit tests for .qmail lookup and line classification
 * (src/lib/dotqmail.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dotqmail.h"
#include "tap.h"

static char dir[] = "/tmp/t_dotqmail.XXXXXX";

static void
test_classify(void)
{
	static const struct {
		const char *line;
		enum dq_type type;
		const char *arg;
	} cases[] = {
	    {"", DQ_BLANK, ""},
	    {"# comment", DQ_COMMENT, "# comment"},
	    {"#", DQ_COMMENT, "#"},
	    {"|preline procmail", DQ_PROGRAM, "preline procmail"},
	    {"|", DQ_PROGRAM, ""},
	    {"./Maildir/", DQ_MAILDIR, "./Maildir/"},
	    {"/var/mail/x/", DQ_MAILDIR, "/var/mail/x/"},
	    {"./Mailbox", DQ_MBOX, "./Mailbox"},
	    {"/var/spool/mail/joe", DQ_MBOX, "/var/spool/mail/joe"},
	    {".", DQ_MBOX, "."},
	    {"&joe@example.com", DQ_FORWARD, "joe@example.com"},
	    {"&joe", DQ_FORWARD, "joe"},
	    {"joe@example.com", DQ_FORWARD, "joe@example.com"},
	    {" joe@example.com", DQ_FORWARD, " joe@example.com"},
	    {"+list", DQ_LIST, "list"},
	    {"+listx", DQ_IGNORE, "listx"},
	    {"+", DQ_IGNORE, ""},
	};
	size_t i, off;
	enum dq_type t;
	char name[128];

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *l = cases[i].line;

		t = dotqmail_classify(l, strlen(l), &off);
		snprintf(name, sizeof name, "classify '%s'", l);
		is_num(t, cases[i].type, name);
		is_str(l + off, cases[i].arg, name);
	}
}

static void
test_parse(void)
{
	char text[] = "# hi\t\n./Maildir/  \n|prog arg \t\n\n&fwd@x\nlast";
	char blank[] = "\n./Maildir/\n";
	char spaces[] = "   \n";
	struct dotqmail dq = DOTQMAIL_INIT;

	is_num(dotqmail_parse(&dq, text, sizeof text - 1), DQ_PARSE_OK,
	       "parse");
	is_num((long long)dq.n, 6, "six lines");
	if (dq.n == 6) {
		is_num(dq.lines[0].type, DQ_COMMENT, "comment");
		is_num(dq.lines[1].type, DQ_MAILDIR, "maildir, blanks cut");
		is_str(dq.lines[1].arg, "./Maildir/", "maildir arg");
		is_num(dq.lines[2].type, DQ_PROGRAM, "program");
		is_str(dq.lines[2].arg, "prog arg", "program arg");
		is_num((long long)dq.lines[2].len, 8, "program len");
		is_num(dq.lines[3].type, DQ_BLANK, "blank later is fine");
		is_str(dq.lines[4].arg, "fwd@x", "forward arg");
		is_str(dq.lines[5].arg, "last", "no final newline");
	}
	dotqmail_free(&dq);
	is_num(dotqmail_parse(&dq, blank, sizeof blank - 1),
	       DQ_PARSE_BLANK_FIRST, "blank first line");
	is_num(dotqmail_parse(&dq, spaces, sizeof spaces - 1),
	       DQ_PARSE_BLANK_FIRST, "blanks-only first line");
	is_num(dotqmail_parse(&dq, text, 0), DQ_PARSE_OK, "empty file");
	is_num((long long)dq.n, 0, "no lines");
	dotqmail_free(&dq);
}

static void
test_candidates(void)
{
	/* dash, ext, then the names in order; "*" marks a -default name,
	 * followed by its DEFAULT */
	static const struct {
		const char *dash, *ext, *want;
	} cases[] = {
	    {"", "", ".qmail .qmaildefault*"},
	    {"-", "", ".qmail- .qmail-default*"},
	    {"-", "a", ".qmail-a .qmail-default*a"},
	    {"-", "a-", ".qmail-a- .qmail-a-default* .qmail-default*a-"},
	    {"-", "a-b", ".qmail-a-b .qmail-a-default*b .qmail-default*a-b"},
	    {"-", "a-b-",
	     ".qmail-a-b- .qmail-a-b-default* "
	     ".qmail-a-default*b- .qmail-default*a-b-"},
	    {"-", "a-b-c",
	     ".qmail-a-b-c .qmail-a-b-default*c "
	     ".qmail-a-default*b-c .qmail-default*a-b-c"},
	    {"-", "Foo.Bar-X",
	     ".qmail-foo:bar-x .qmail-foo:bar-default*X "
	     ".qmail-default*Foo.Bar-X"},
	    {"-", "x-default",
	     ".qmail-x-default*default "
	     ".qmail-x-default*default "
	     ".qmail-default*x-default"},
	    {"-", "zeke", ".qmail-zeke .qmail-default*zeke"},
	};
	struct dq_candidates c = DQ_CANDIDATES_INIT;
	struct strbuf got = STRBUF_INIT;
	size_t i, j;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		xstrbuf_copys(&got, "");
		ok(dotqmail_candidates(&c, cases[i].dash, cases[i].ext),
		   "candidates %s", cases[i].ext);
		for (j = 0; j < c.n; j++) {
			if (j)
				xstrbuf_appendc(&got, ' ');
			xstrbuf_appends(&got, c.items[j].name);
			if (c.items[j].is_default) {
				xstrbuf_appendc(&got, '*');
				xstrbuf_appends(&got,
						cases[i].ext +
						    c.items[j].default_off);
			}
		}
		is_str(got.data, cases[i].want, cases[i].ext);
		dotqmail_candidates_free(&c);
	}
	strbuf_free(&got);
}

static void
put(const char *name, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd != -1) {
		if (write(fd, "./Maildir/\n", 11) != 11)
			ok(0, "write %s", name);
		close(fd);
	}
	chmod(path, mode);
}

static void
test_find(void)
{
	struct dq_candidates c = DQ_CANDIDATES_INIT;
	bool x = false;
	size_t which = 99;
	char path[256];
	int dfd, fd = -1;

	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	dotqmail_candidates(&c, "-", "a-b");
	is_num(dotqmail_find(dfd, &c, &fd, &x, &which), DQ_NONE, "none");
	put(".qmail-default", 0644);
	is_num(dotqmail_find(dfd, &c, &fd, &x, &which), DQ_FOUND, "default");
	is_num((long long)which, 2, "the third name");
	ok(!x, "not executable");
	close(fd);
	snprintf(path, sizeof path, "%s/.qmail-a-default", dir);
	mkdir(path, 0755);
	is_num(dotqmail_find(dfd, &c, &fd, &x, &which), DQ_FOUND,
	       "a directory is skipped");
	is_num((long long)which, 2, "still the third name");
	close(fd);
	put(".qmail-a-b", 0744);
	is_num(dotqmail_find(dfd, &c, &fd, &x, &which), DQ_FOUND, "exact");
	is_num((long long)which, 0, "the first name");
	ok(x, "executable: forward only");
	close(fd);
	put(".qmail-a-b", 0646);
	is_num(dotqmail_find(dfd, &c, &fd, &x, &which), DQ_WRITABLE,
	       "world-writable");
	is_num(dotqmail_exists(dfd, "-", "A-B", ""), 1, "exists");
	is_num(dotqmail_exists(dfd, "-", "a-b", "-owner"), 0, "owner absent");
	dotqmail_candidates_free(&c);
	close(dfd);
	unlink(path);
	rmdir(path);
	snprintf(path, sizeof path, "%s/.qmail-a-b", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/.qmail-default", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 2;
	test_classify();
	test_parse();
	test_candidates();
	test_find();
	return done_testing();
}
