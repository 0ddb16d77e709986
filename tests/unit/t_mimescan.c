/* t_mimescan.c - BADMIMETYPE/BADLOADERTYPE scanning against a table,
 * fed whole and byte by byte. */
#include <stdio.h>
#include <string.h>

#include "mimescan.h"
#include "tap.h"

/* listed: "TVqQAAMAA" (an MZ executable) and loader "TVqQA", "TVpQA" */
static int
lookup(void *ctx, enum mimescan_kind kind, const char *key, size_t len)
{
	(void)ctx;
	if (kind == MIMESCAN_KIND_TYPE)
		return len == 9 && memcmp(key, "TVqQAAMAA", 9) == 0;
	if (len == 5 && memcmp(key, "TERRO", 5) == 0)
		return -1;
	return len == 5 &&
	    (memcmp(key, "TVqQA", 5) == 0 || memcmp(key, "TVpQA", 5) == 0);
}

#define HDR "Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n"
#define PART(cte, body)                                                        \
	"--b\nContent-Type: application/octet-stream\n" cte "\n\n" body        \
	"\n--b--\n"
#define B64 "Content-Transfer-Encoding: base64"

static const struct {
	const char *name;
	unsigned flags;
	const char *msg;
	enum mimescan_verdict want;
	const char *found;
} cases[] = {
    {"plain text", 7, "Subject: x\n\nTVqQAAMAAAAEAAAA\n", MIMESCAN_OK, ""},
    {"listed magic", MIMESCAN_TYPE,
	HDR PART(B64, "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAA"),
	MIMESCAN_BADTYPE, "TVqQAAMAA"},
    {"header case and blanks", MIMESCAN_TYPE,
	HDR PART("content-transfer-encoding:\tBASE64", "TVqQAAMAAAAEAAAA"),
	MIMESCAN_BADTYPE, "TVqQAAMAA"},
    {"harmless magic", MIMESCAN_TYPE, HDR PART(B64, "iVBORw0KGgoAAAANSUhEUgAA"),
	MIMESCAN_OK, ""},
    {"quoted-printable is not base64", MIMESCAN_TYPE,
	HDR PART(
	    "Content-Transfer-Encoding: quoted-printable", "TVqQAAMAAAAEAAAA"),
	MIMESCAN_OK, ""},
    {"only the first line of a block", MIMESCAN_TYPE,
	HDR PART(B64, "iVBORw0KGgoAAAANSUhEUgAA\nTVqQAAMAAAAEAAAA"),
	MIMESCAN_OK, ""},
    {"single part message", MIMESCAN_TYPE,
	"Subject: x\n" B64 "\n\nTVqQAAMAAAAEAAAA\n", MIMESCAN_BADTYPE,
	"TVqQAAMAA"},
    {"type check off", 0, HDR PART(B64, "TVqQAAMAAAAEAAAA"), MIMESCAN_OK, ""},
    {"blank in base64 refused", MIMESCAN_SPACE,
	HDR PART(B64, "iVBORw0KGgoAAAAN SUhEUgAA"), MIMESCAN_BADTYPE,
	"iVBORw0KG"},
    {"tab in a later line", MIMESCAN_SPACE,
	HDR PART(B64, "iVBORw0KGgoAAAANSUhEUgAA\nAAAA\tAAAA"), MIMESCAN_BADTYPE,
	"AAAA\tAAAA"},
    {"blank outside base64 fine", MIMESCAN_SPACE,
	"Subject: a b\n\nhello world\n", MIMESCAN_OK, ""},
    {"loader in the middle", MIMESCAN_LOADER,
	HDR PART(B64, "iVBORw0KGgoAAAAN\nAAAAAATVpQAAAAAAAA"),
	MIMESCAN_BADLOADER, "TVpQA"},
    {"loader after the block", MIMESCAN_LOADER,
	HDR PART(B64, "iVBORw0KGgoAAAAN") "\nTVpQAAAAAAAA\n", MIMESCAN_OK, ""},
    {"lookup error", MIMESCAN_LOADER,
	HDR PART(B64, "iVBORw0KGgoAAAAN\nTERROAAAAAAA"), MIMESCAN_ERROR,
	"TERRO"},
    {"loader char differs", MIMESCAN_LOADER,
	HDR PART(B64, "iVBORw0KGgoAAAAN\nAAAAAAVVpQAAAAAA"), MIMESCAN_OK, ""},
};

static void
run(size_t i, bool bytewise)
{
	struct mimescan m;
	const char *p = cases[i].msg;
	size_t n = strlen(p), k;
	char name[128];

	mimescan_init(&m, cases[i].flags, 'T', lookup, NULL);
	if (bytewise)
		for (k = 0; k < n; k++)
			mimescan_feed(&m, p + k, 1);
	else
		mimescan_feed(&m, p, n);
	snprintf(name, sizeof name, "%s%s", cases[i].name,
	    bytewise ? " (bytewise)" : "");
	is_num(m.verdict, cases[i].want, name);
	is_str(m.found, cases[i].found, name);
}

int
main(void)
{
	static char big[MIMESCAN_LINE_MAX * 3 + 64];
	struct mimescan m;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run(i, false);
		run(i, true);
	}
	/* a line longer than the buffer: its start is still checked and the
	   following lines are seen as lines */
	strcpy(big, "Subject: x\n" B64 "\n\n");
	memset(big + strlen(big), 'A', MIMESCAN_LINE_MAX * 2);
	strcat(big, "\nTVqQAAAA\n");
	mimescan_init(&m, MIMESCAN_LOADER, 'T', lookup, NULL);
	mimescan_feed(&m, big, strlen(big));
	is_num(m.verdict, MIMESCAN_BADLOADER, "after an overlong line");
	return done_testing();
}
