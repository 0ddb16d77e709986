/* t_strbuf.c - unit tests for strbuf and strlist (src/lib/strbuf.c). */
#include <errno.h>
#include <stdint.h>

#include "strbuf.h"
#include "tap.h"

static void
test_append(void)
{
	static const struct {
		const char *name;
		const char *parts[4];
		const char *want;
	} cases[] = {
		{ "empty", { NULL }, "" },
		{ "one", { "abc", NULL }, "abc" },
		{ "three", { "a", "", "bc", NULL }, "abc" },
		{ "grow past 64", { "0123456789012345678901234567890123456789",
		      "0123456789012345678901234567890123456789", NULL },
		    "01234567890123456789012345678901234567890123456789012345"
		    "678901234567890123456789" },
	};
	size_t i, j;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_terminate(&sb);
		for (j = 0; cases[i].parts[j]; j++)
			strbuf_appends(&sb, cases[i].parts[j]);
		is_str(sb.data, cases[i].want, cases[i].name);
		is_num((long long)sb.len, (long long)strlen(cases[i].want),
		    cases[i].name);
		strbuf_free(&sb);
	}
}

static void
test_ulong(void)
{
	static const struct {
		unsigned long n;
		const char *want;
	} cases[] = { { 0, "0" }, { 7, "7" }, { 1234567890UL, "1234567890" },
		{ 18446744073709551615UL, "18446744073709551615" } };
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_append_ulong(&sb, cases[i].n);
		is_str(sb.data, cases[i].want, "append_ulong");
		strbuf_free(&sb);
	}
}

static void
test_overflow(void)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_appends(&sb, "x");
	errno = 0;
	ok(!strbuf_reserve(&sb, SIZE_MAX), "reserve SIZE_MAX fails");
	is_num(errno, EOVERFLOW, "errno EOVERFLOW");
	ok(!strbuf_reserve(&sb, SIZE_MAX - 1), "reserve SIZE_MAX-1 fails");
	is_str(sb.data, "x", "buffer unchanged after overflow");
	strbuf_free(&sb);
}

static void
test_binary(void)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_append(&sb, "a\0b", 3);
	is_num((long long)sb.len, 3, "NUL kept in length");
	ok(sb.data[3] == '\0', "terminated after binary data");
	strbuf_truncate(&sb, 1);
	is_str(sb.data, "a", "truncate");
	strbuf_copys(&sb, "HeLLo");
	strbuf_lower(&sb);
	is_str(sb.data, "hello", "lower");
	strbuf_printf(&sb, "-%d-%s", 42, "z");
	is_str(sb.data, "hello-42-z", "printf appends");
	strbuf_free(&sb);
}

static void
test_strlist(void)
{
	struct strlist sl = STRLIST_INIT;
	char name[32];
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "item%d", i);
		strlist_pushs(&sl, name);
	}
	is_num((long long)sl.len, 100, "strlist holds 100");
	is_str(sl.items[99], "item99", "strlist last item");
	strlist_push(&sl, "ab\0cd", 2);
	is_str(sl.items[100], "ab", "strlist_push copies LEN bytes");
	strlist_free(&sl);
	is_num((long long)sl.len, 0, "strlist_free empties");
}

int
main(void)
{
	test_append();
	test_ulong();
	test_overflow();
	test_binary();
	test_strlist();
	return done_testing();
}
