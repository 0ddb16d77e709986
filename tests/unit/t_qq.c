/* t_qq.c - qmail-queue exit code table, queue path names and the
 * trigger's bytes. */
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

/* every byte a writer of lock/trigger can send: 0x80 + S names todo/S
 * for S below the split (at most 128 of them), everything else asks for
 * all of them */
static void
test_trigger(void)
{
	unsigned long s, named = 0, id;
	bool good = true, fits = auto_split <= QUEUE_TRIGGER_DIRS;
	int b;

	for (b = 0; b < 256; b++) {
		bool dir = queue_trigger_dir((unsigned char)b, &s);

		if (dir)
			named++;
		if (dir != (fits && b >= 0x80 &&
			       (unsigned long)b - 0x80 < auto_split) ||
		    (dir && s != (unsigned long)b - 0x80))
			good = false;
	}
	ok(good, "each byte 0x80 + S names todo/S, others none");
	is_num(named, fits ? auto_split : 0, "bytes that name one");
	ok(!queue_trigger_dir('\n', &s) && !queue_trigger_dir(0, &s),
	    "an admin's echo and qmail's byte name none");
	good = true;
	for (id = 1; id < 1000; id++) {
		unsigned char byte = queue_trigger_byte(id);

		if (fits ? !queue_trigger_dir(byte, &s) || s != queue_split(id)
			 : byte != 0)
			good = false;
	}
	ok(good, "a message's byte names its todo/ directory");
}

int
main(void)
{
	test_codes();
	test_paths();
	test_trigger();
	return done_testing();
}
