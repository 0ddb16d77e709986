/* t_header.c - unit tests for header parsing (src/lib/header.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "tap.h"

/*
 * Feeds TEXT line by line; returns the fields joined by '|', then "#END"
 * (empty separator), "#BODY:<line>" (first body line) or "#EOF", or
 * "#ERR <reason>".
 */
static void
run(struct strbuf *out, const char *text, size_t len)
{
	struct header h = HEADER_INIT;
	struct strbuf field = STRBUF_INIT;
	enum header_status st = HEADER_MORE;
	size_t pos = 0, n;
	const char *nl;

	strbuf_copys(out, "");
	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
		st = header_line(&h, text + pos, n, &field);
		if (st == HEADER_FIELD) {
			strbuf_append(out, field.data, field.len);
			strbuf_appendc(out, '|');
		}
		if (st == HEADER_ERROR || st == HEADER_END)
			break;
		pos += n;
	}
	if (st == HEADER_ERROR) {
		strbuf_printf(out, "#ERR %s", header_strerror(h.error));
	} else {
		if (header_finish(&h, &field)) {
			strbuf_append(out, field.data, field.len);
			strbuf_appendc(out, '|');
		}
		if (st != HEADER_END)
			strbuf_appends(out, "#EOF");
		else if (h.body_line) {
			strbuf_appends(out, "#BODY:");
			strbuf_append(out, text + pos, n);
		} else
			strbuf_appends(out, "#END");
	}
	strbuf_terminate(out);
	strbuf_free(&field);
	header_free(&h);
}

static void
test_fields(void)
{
	static const struct {
		const char *name, *in, *want;
	} cases[] = {
		{ "one field", "Subject: hi\n\nbody\n", "Subject: hi\n|#END" },
		{ "two fields", "To: a\nFrom: b\n\n",
		    "To: a\n|From: b\n|#END" },
		{ "folded", "To: a,\n b,\n\tc\nX: y\n\n",
		    "To: a,\n b,\n\tc\n|X: y\n|#END" },
		{ "crlf separator", "A: b\r\n\r\nbody", "A: b\r\n|#END" },
		{ "eof in header", "A: b\nC: d", "A: b\n|C: d\n|#EOF" },
		{ "empty input", "", "#EOF" },
		{ "only separator", "\nbody\n", "#END" },
		{ "no header", "hello world\nmore\n",
		    "#BODY:hello world\n" },
		{ "body after field", "A: b\nnot a field\n",
		    "A: b\n|#BODY:not a field\n" },
		{ "continuation first", " indented\n", "#BODY: indented\n" },
		{ "space before colon", "Subject : x\n\n", "Subject : x\n|#END" },
		{ "empty name", ": x\n\n", "#BODY:: x\n" },
		{ "space in name", "Sub ject: x\n\n", "#BODY:Sub ject: x\n" },
		{ "8-bit name", "S\xc3\xbc: x\n\n", "#BODY:S\xc3\xbc: x\n" },
		{ "mbox line", "From joe@x Mon Jan 1 00:00:00 2024\nA: b\n\n",
		    "MBOX-Line: From joe@x Mon Jan 1 00:00:00 2024\n|"
		    "A: b\n|#END" },
		{ "empty value", "X-Empty:\n\n", "X-Empty:\n|#END" },
		{ "8-bit value", "Subject: \xc3\xa9t\xc3\xa9\n\n",
		    "Subject: \xc3\xa9t\xc3\xa9\n|#END" },
	};
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run(&sb, cases[i].in, strlen(cases[i].in));
		is_str(sb.data, cases[i].want, cases[i].name);
	}
	run(&sb, "A: b\0c\n\n", 8);
	is_str(sb.data, "#ERR NUL byte in the header", "NUL in field");
	run(&sb, "A: b\n c\0\n\n", 10);
	is_str(sb.data, "#ERR NUL byte in the header", "NUL in continuation");
	run(&sb, "hello\0world\n", 12);
	is_str(sb.data, "#BODY:hello", "NUL in a body line is the body's");
	strbuf_free(&sb);
}

static void
test_limits(void)
{
	struct strbuf sb = STRBUF_INIT, in = STRBUF_INIT;
	struct header h = HEADER_INIT;
	struct strbuf out = STRBUF_INIT;
	enum header_status st = HEADER_MORE;
	char *line = malloc(HEADER_LINE_MAX + 2);
	size_t i;

	memset(line, 'x', HEADER_LINE_MAX + 2);
	memcpy(line, "X-Long: ", 8);
	line[HEADER_LINE_MAX - 1] = '\n';
	is_num(header_line(&h, line, HEADER_LINE_MAX, &out), HEADER_MORE,
	    "line of HEADER_LINE_MAX bytes");
	header_free(&h);
	h = (struct header)HEADER_INIT;
	line[HEADER_LINE_MAX] = '\n';
	is_num(header_line(&h, line, HEADER_LINE_MAX + 1, &out),
	    HEADER_ERROR, "line of HEADER_LINE_MAX + 1 bytes");
	is_num(h.error, HEADER_ERR_LINE, "line error");
	header_free(&h);

	/* one field folded past HEADER_FIELD_MAX */
	h = (struct header)HEADER_INIT;
	header_line(&h, "X-Fold: a\n", 10, &out);
	memset(line, 'y', 1000);
	line[0] = ' ';
	line[999] = '\n';
	for (i = 0; i < 100 && st != HEADER_ERROR; i++)
		st = header_line(&h, line, 1000, &out);
	is_num(st, HEADER_ERROR, "folded field too long");
	is_num(h.error, HEADER_ERR_FIELD, "field error");
	header_free(&h);

	/* many fields past HEADER_MAX */
	h = (struct header)HEADER_INIT;
	memcpy(line, "X-Many: ", 8);
	st = HEADER_MORE;
	for (i = 0; i < 2000 && st != HEADER_ERROR; i++)
		st = header_line(&h, line, 1000, &out);
	is_num(st, HEADER_ERROR, "header too large");
	is_num(h.error, HEADER_ERR_SIZE, "size error");
	is_num(header_line(&h, "A: b\n", 5, &out), HEADER_ERROR,
	    "errors are sticky");
	header_free(&h);

	h = (struct header)HEADER_INIT;
	header_line(&h, "\n", 1, &out);
	is_num(header_line(&h, "A: b\n", 5, &out), HEADER_END,
	    "nothing after the end");
	header_free(&h);

	free(line);
	strbuf_free(&sb);
	strbuf_free(&in);
	strbuf_free(&out);
}

static void
test_names(void)
{
	static const struct {
		const char *field, *name;
		int want;
	} cases[] = {
		{ "To: a\n", "to", 1 },
		{ "TO: a\n", "to", 1 },
		{ "To : a\n", "to", 1 },
		{ "To\t: a\n", "to", 1 },
		{ "Tox: a\n", "to", 0 },
		{ "T: a\n", "to", 0 },
		{ "Resent-To: a\n", "resent-to", 1 },
		{ "Resent_To: a\n", "resent-to", 0 },
		{ "Cc", "cc", 0 },
		{ "Message-ID: <x>\n", "message-id", 1 },
		{ "Message-Id: <x>\n", "message-id", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char label[64];

		snprintf(label, sizeof label, "%s is %.*s", cases[i].name,
		    (int)strcspn(cases[i].field, "\n"), cases[i].field);
		is_num(header_name_is(cases[i].field, strlen(cases[i].field),
			   cases[i].name),
		    cases[i].want, label);
	}
	is_num((long long)header_value("To: a\n", 6), 3, "value offset");
	is_num((long long)header_value("To : a\n", 7), 4, "value offset 2");
	ok(header_field_valid("X:", 2), "minimal field");
	ok(!header_field_valid("X", 1), "no colon");
	ok(!header_field_valid(" X: y", 5), "leading blank");
	ok(!header_field_valid("X\x7f: y", 5), "DEL in name");
}

int
main(void)
{
	test_fields();
	test_limits();
	test_names();
	return done_testing();
}
