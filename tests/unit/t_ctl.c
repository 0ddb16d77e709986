/* t_ctl.c - unit tests for the control file reader (src/lib/ctl.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "tap.h"

static char dir[] = "/tmp/t_ctl.XXXXXX";

static const char *
put(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static const char *
putn(const char *name, const char *text, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	fwrite(text, 1, len, f);
	fclose(f);
	return path;
}

static void
test_line(void)
{
	static const struct {
		const char *name, *text, *want;
	} cases[] = {
		{ "plain", "host.example\n", "host.example" },
		{ "no newline", "host.example", "host.example" },
		{ "trailing blanks", "host.example \t\r\nsecond\n",
		    "host.example" },
		{ "empty file", "", "" },
		{ "leading kept", "  x\n", "  x" },
	};
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		is_num(ctl_read_line(&sb, put("f", cases[i].text)), CTL_OK,
		    cases[i].name);
		is_str(sb.data, cases[i].want, cases[i].name);
	}
	is_num(ctl_read_line(&sb, "/nonexistent/control/me"), CTL_MISSING,
	    "missing file");
	is_num(ctl_read_line(&sb, dir), CTL_ERROR, "a directory is an error");
	is_num(ctl_read_line(&sb, putn("z", "a\0b\n", 4)), CTL_ERROR,
	    "a NUL in the first line is an error");
	is_num(ctl_read_line(&sb, putn("z", "ab\n\0\n", 5)), CTL_OK,
	    "a NUL after the first line does not matter");
	strbuf_free(&sb);
}

static void
test_lines(void)
{
	struct strlist sl = STRLIST_INIT;

	is_num(ctl_read_lines(&sl, put("l", "a.example\n\n# comment\n"
						 "b.example  \n\t\nc")),
	    CTL_OK, "read list");
	is_num((long long)sl.len, 3, "three entries");
	is_str(sl.items[0], "a.example", "first");
	is_str(sl.items[1], "b.example", "blanks stripped");
	is_str(sl.items[2], "c", "last line without newline");
	strlist_free(&sl);
	is_num(ctl_read_lines(&sl, putn("z", "ok\nbad\0line\n", 13)), CTL_ERROR,
	    "a NUL in a list line is an error");
	strlist_free(&sl);
}

static void
test_ulong(void)
{
	static const struct {
		const char *text;
		int want;
		unsigned long value;
	} cases[] = {
		{ "10\n", CTL_OK, 10 },
		{ "  20  \n", CTL_OK, 20 },
		{ "0\n", CTL_ERROR, 0 },	/* below min */
		{ "100001\n", CTL_ERROR, 0 },	/* above max */
		{ "12abc\n", CTL_ERROR, 0 },
		{ "\n", CTL_ERROR, 0 },
		{ "99999999999999999999999\n", CTL_ERROR, 0 },
	};
	unsigned long n;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = 0;
		is_num(ctl_read_ulong(&n, put("n", cases[i].text), 1, 100000),
		    cases[i].want, cases[i].text);
		if (cases[i].want == CTL_OK)
			is_num((long long)n, (long long)cases[i].value,
			    "value");
	}
}

static void
test_keys(void)
{
	static const char text[] =
	    "Example.COM:one\n:default\n.example.com:two\n";
	struct strlist sl = STRLIST_INIT;
	const char *value;
	size_t keylen;

	ok(ctl_split_key("a.example:relay:25", &value, &keylen) &&
		keylen == 9 && strcmp(value, "relay:25") == 0,
	    "split at the first colon");
	ok(!ctl_split_key("no colon", &value, &keylen), "no colon, no key");
	ctl_split_lines(&sl, text, sizeof text - 1);
	is_str(ctl_find_key(&sl, "example.com", 11), "one", "case ignored");
	is_str(ctl_find_key(&sl, "", 0), "default", "empty key");
	is_str(ctl_find_key(&sl, ".example.com", 12), "two", "dot key");
	ok(ctl_find_key(&sl, "example.co", 10) == NULL,
	    "a prefix of a key is not the key");
	is_str(ctl_find_domain(&sl, "example.com"), "one", "domain itself");
	is_str(ctl_find_domain(&sl, "mx.EXAMPLE.com"), "two",
	    "then its .suffix");
	ok(ctl_find_domain(&sl, "example.org") == NULL,
	    "no default from the search itself");
	strlist_free(&sl);
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(dir) == NULL)
		return 2;
	test_line();
	test_lines();
	test_ulong();
	test_keys();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 2;
	return done_testing();
}
