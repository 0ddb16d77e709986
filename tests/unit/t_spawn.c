/* t_spawn.c - unit tests for the spawner protocol parser and reply text
 * limits (src/lib/spawner.c). */
#include <stdio.h>
#include <string.h>

#include "spawner.h"
#include "tap.h"

static void
test_parse(void)
{
	static const struct {
		const char *name;
		const char *buf;
		size_t len;
		int want;
		unsigned slot;
		size_t used;
	} cases[] = {
	    {"complete", "\x01\x02mess/1/2\0a@b\0c@d\0", 19, 1, 258, 19},
	    {"trailing bytes stay", "\x00\x05m\0\0r\0\x00", 8, 1, 5, 7},
	    {"empty", "", 0, 0, 0, 0},
	    {"one byte", "\x01", 1, 0, 0, 0},
	    {"no fields yet", "\x01\x02", 2, 0, 0, 0},
	    {"two fields", "\x01\x02m\0s\0", 6, 0, 0, 0},
	    {"third unterminated", "\x01\x02m\0s\0r", 7, 0, 0, 0},
	    {"slot 65535", "\xff\xffm\0s\0r\0", 8, 1, 65535, 8},
	};
	struct spawn_request req;
	size_t i, used;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		used = 0;
		is_num(spawn_parse(cases[i].buf, cases[i].len, &req, &used),
		       cases[i].want, cases[i].name);
		if (cases[i].want == 1) {
			is_num(req.slot, cases[i].slot, cases[i].name);
			is_num((long long)used, (long long)cases[i].used,
			       cases[i].name);
		}
	}
	{
		static char big[3 * SPAWN_FIELD_MAX + 16];
		size_t n;

		/* fields of exactly SPAWN_FIELD_MAX bytes are fine */
		memset(big, 'x', sizeof big);
		big[0] = 0;
		big[1] = 1;
		n = 2 + SPAWN_FIELD_MAX;
		big[n++] = '\0';
		big[n++] = '\0';
		memset(big + n, 'r', SPAWN_FIELD_MAX);
		n += SPAWN_FIELD_MAX;
		big[n++] = '\0';
		is_num(spawn_parse(big, n, &req, &used), 1, "longest fields");
		is_num((long long)strlen(req.message), SPAWN_FIELD_MAX,
		       "message length");
		/* one more byte without a NUL is malformed */
		memset(big + 2, 'x', SPAWN_FIELD_MAX + 1);
		is_num(spawn_parse(big, 2 + SPAWN_FIELD_MAX, &req, &used), 0,
		       "limit reached: wait");
		is_num(spawn_parse(big, 3 + SPAWN_FIELD_MAX, &req, &used), -1,
		       "field too long");
	}
}

static void
test_text(void)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	xstrbuf_copys(&sb, "Kdid 0+0+1\n");
	spawn_finish_text(&sb, false);
	is_str(sb.data, "Kdid 0+0+1\n", "short text kept");
	strbuf_copy(&sb, "Dab\0cd", 6);
	spawn_finish_text(&sb, false);
	is_num((long long)sb.len, 3, "cut at NUL");
	xstrbuf_copys(&sb, "Z");
	for (i = 0; i < 5000; i++)
		xstrbuf_appendc(&sb, 'x');
	spawn_finish_text(&sb, false);
	is_num((long long)sb.len, 1 + SPAWN_TEXT_MAX, "long text cut");
	ok(memcmp(sb.data + sb.len - 4, "x...", 4) == 0, "and marked");
	xstrbuf_copys(&sb, "Kshort");
	spawn_finish_text(&sb, true);
	is_str(sb.data, "Kshort...", "truncated output marked");
	strbuf_free(&sb);
}

int
main(void)
{
	test_parse();
	test_text();
	return done_testing();
}
