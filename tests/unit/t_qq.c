/* t_qq.c - qmail-queue exit code table and queue path names. */
#include "qq.h"
#include "queue.h"
#include "auto.h"
#include "tap.h"

static void
test_codes(void)
{
	static const struct {
		int code;
		enum qq_class class;
		const char *status;
	} cases[] = {
		{ 0, QQ_OK, "2.0.0" },
		{ 11, QQ_PERM, "5.1.3" },
		{ 31, QQ_PERM, "5.3.0" },
		{ 25, QQ_PERM, "5.3.0" }, /* unlisted 11-40: permanent */
		{ 51, QQ_TEMP, "4.3.0" },
		{ 53, QQ_TEMP, "4.3.0" },
		{ 91, QQ_TEMP, "4.3.0" },
		{ 115, QQ_PERM, "5.1.3" },
		{ 120, QQ_TEMP, "4.3.0" },
		{ 1, QQ_TEMP, "4.3.0" }, /* unknown: temporary */
		{ 255, QQ_TEMP, "4.3.0" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct qq_code *c = qq_lookup(cases[i].code);
		is_num(c->class, cases[i].class, "class");
		is_str(c->status, cases[i].status, "status");
	}
}

static void
test_paths(void)
{
	struct strbuf sb = STRBUF_INIT;
	char want[64];
	unsigned long id;

	queue_path(&sb, "mess", 12345);
	snprintf(want, sizeof want, "mess/%lu/12345", 12345 % auto_split);
	is_str(sb.data, want, "mess path");
	queue_path(&sb, "todo", 1);
	snprintf(want, sizeof want, "todo/%lu/1", 1 % auto_split);
	is_str(sb.data, want, "path replaces old contents");
	ok(queue_parse_id("4711", &id) && id == 4711, "parse id");
	ok(!queue_parse_id("0", &id), "id 0 is invalid");
	ok(!queue_parse_id("12a", &id), "garbage id");
	ok(!queue_parse_id("", &id), "empty id");
	ok(!queue_parse_id("99999999999999999999999", &id), "overflow id");
	strbuf_free(&sb);
}

int
main(void)
{
	test_codes();
	test_paths();
	return done_testing();
}
