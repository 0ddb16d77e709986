/* t_tcpto.c - unit tests for the queue/lock/tcpto format and qmail's
 * timeout bookkeeping (src/lib/tcpto.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipaddr.h"
#include "tap.h"
#include "tcpto.h"

static void
record(unsigned char *r, int fam, int errors, uint64_t when,
    const char *addr)
{
	struct ipaddr ip;
	int j;

	memset(r, 0, TCPTO_RECLEN);
	r[0] = (unsigned char)fam;
	r[1] = (unsigned char)errors;
	for (j = 7; j >= 0; j--, when >>= 8)
		r[8 + j] = (unsigned char)(when & 0xff);
	if (addr != NULL && ipaddr_parse(&ip, addr))
		memcpy(r + 16, ip.bytes, fam == 4 ? 4 : 16);
}

static void
test_parse(void)
{
	unsigned char buf[TCPTO_MAXLEN + TCPTO_RECLEN];
	struct tcpto t;
	struct ipaddr a4, a6;
	static const struct {
		const char *name;
		size_t len;	   /* bytes of buf used */
		int patch_at;	   /* -1: none */
		unsigned char val; /* byte written at patch_at */
		int ok;
	} cases[] = {
		{ "empty file", 0, -1, 0, 1 },
		{ "two records", 64, -1, 0, 1 },
		{ "three with a free slot", 96, -1, 0, 1 },
		{ "partial record", 63, -1, 0, 0 },
		{ "one byte", 1, -1, 0, 0 },
		{ "bad family", 64, 0, 5, 0 },
		{ "too many errors", 64, 1, 11, 0 },
		{ "reserved byte set", 64, 3, 1, 0 },
		{ "IPv4 padding set", 64, 25, 1, 0 },
		{ "free slot not zero", 96, 64 + 9, 1, 0 },
		{ "over the limit", TCPTO_MAXLEN + TCPTO_RECLEN, -1, 0, 0 },
		{ "at the limit", TCPTO_MAXLEN, -1, 0, 1 },
	};
	size_t i;

	ok(ipaddr_parse(&a4, "192.0.2.7") && ipaddr_parse(&a6, "2001:db8::7"),
	    "addresses");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(buf, 0, sizeof buf);
		record(buf, 4, 2, 1000, "192.0.2.7");
		record(buf + 32, 6, 10, 0x123456789aULL, "2001:db8::7");
		if (cases[i].patch_at >= 0)
			buf[cases[i].patch_at] = cases[i].val;
		is_num(tcpto_parse(&t, buf, cases[i].len), cases[i].ok,
		    cases[i].name);
	}
	ok(tcpto_parse(&t, buf, 64), "parse two");
	is_num(t.len, 2, "two slots");
	is_num(tcpto_errors(&t, &a4), 2, "IPv4 count");
	is_num(tcpto_errors(&t, &a6), 10, "IPv6 count");
	is_num((long long)t.slot[1].when, 0x123456789aLL, "64-bit time");
	{
		unsigned char out[TCPTO_MAXLEN];
		size_t n = tcpto_format(&t, out);

		ok(n == 64 && memcmp(out, buf, 64) == 0, "format round trip");
	}
}

static void
test_note(void)
{
	struct tcpto t;
	struct ipaddr a, b;
	static const struct {
		const char *name;
		int timedout;
		uint64_t at;
		int changed;
		unsigned errors;
		int blocked_at_3000; /* blocked when asked at time 3000 + at */
	} steps[] = {
		/* qmail: one timeout does not block; a second one 120 s or
		 * more later does; closer ones count once; success clears */
		{ "first timeout", 1, 1000, 1, 1, 0 },
		{ "burst counts once", 1, 1050, 0, 1, 0 },
		{ "second timeout", 1, 1200, 1, 2, 1 },
		{ "third timeout", 1, 1400, 1, 3, 1 },
		{ "success clears", 0, 1500, 1, 0, 0 },
		{ "success again: no change", 0, 1600, 0, 0, 0 },
	};
	size_t i;
	char name[80];

	memset(&t, 0, sizeof t);
	ok(ipaddr_parse(&a, "192.0.2.1") && ipaddr_parse(&b, "::1"),
	    "addresses");
	ok(!tcpto_note(&t, &b, false, 10), "success of unknown: no change");
	is_num(t.len, 0, "nothing recorded");
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		is_num(tcpto_note(&t, &a, steps[i].timedout, steps[i].at),
		    steps[i].changed, steps[i].name);
		is_num(tcpto_errors(&t, &a), steps[i].errors, steps[i].name);
		snprintf(name, sizeof name, "%s: blocked", steps[i].name);
		is_num(tcpto_blocked(&t, &a, steps[i].at + 3000, TCPTO_WINDOW),
		    steps[i].blocked_at_3000, name);
	}
	(void)tcpto_note(&t, &a, true, 10000);
	(void)tcpto_note(&t, &a, true, 10200);
	ok(tcpto_blocked(&t, &a, 10200 + TCPTO_WINDOW - 1, TCPTO_WINDOW),
	    "blocked inside the window");
	ok(!tcpto_blocked(&t, &a, 10200 + TCPTO_WINDOW, TCPTO_WINDOW),
	    "free after the window");
	ok(!tcpto_blocked(&t, &a, 9000, TCPTO_WINDOW),
	    "a time in the future blocks nothing");
	for (i = 0; i < 15; i++)
		(void)tcpto_note(&t, &a, true, 20000 + 200 * i);
	is_num(tcpto_errors(&t, &a), TCPTO_MAXERR, "count capped");
}

static void
test_full(void)
{
	struct tcpto t;
	struct ipaddr ip;
	char text[32];
	size_t i;

	memset(&t, 0, sizeof t);
	for (i = 0; i < TCPTO_SLOTS + 1; i++) {
		snprintf(text, sizeof text, "10.0.%zu.%zu", i / 200, i % 200);
		ok(ipaddr_parse(&ip, text), "parse %s", text);
		(void)tcpto_note(&t, &ip, true, 1000 + i);
	}
	is_num(t.len, TCPTO_SLOTS, "table bounded");
	ok(ipaddr_parse(&ip, "10.0.0.0"), "oldest");
	is_num(tcpto_errors(&t, &ip), 0, "oldest evicted");
	ok(ipaddr_parse(&ip, "10.0.0.64"), "newest");
	is_num(tcpto_errors(&t, &ip), 1, "newest kept");
}

static void
test_file(void)
{
	char path[] = "/tmp/t_tcpto.XXXXXX";
	struct tcpto t;
	struct ipaddr ip;
	int fd = mkstemp(path);

	ok(fd >= 0, "temp file");
	ok(ipaddr_parse(&ip, "192.0.2.9"), "address");
	ok(write(fd, "garbage", 7) == 7, "malformed content");
	ok(!tcpto_read(&t, path), "malformed file refused");
	ok(tcpto_update(path, &ip, true, 5000), "update replaces it");
	ok(tcpto_read(&t, path) && tcpto_errors(&t, &ip) == 1,
	    "one timeout recorded");
	ok(tcpto_update(path, &ip, true, 5200), "second");
	ok(tcpto_read(&t, path) && tcpto_blocked(&t, &ip, 5300, TCPTO_WINDOW),
	    "blocked");
	ok(tcpto_clear(path), "clear");
	ok(tcpto_read(&t, path) && t.len == 0, "empty after clear");
	close(fd);
	unlink(path);
	ok(tcpto_read(&t, path) && t.len == 0, "missing file is empty");
	ok(!tcpto_update(path, &ip, true, 1), "update needs the file");
}

/* leaves non-zero bytes where tcpto_update's locals will be */
static void __attribute__((noinline))
dirty_stack(void)
{
	volatile unsigned char junk[16384];
	size_t i;

	for (i = 0; i < sizeof junk; i++)
		junk[i] = 0xff;
}

/* a read error (here ESPIPE: pread on a FIFO) is an error; the table was
 * once used uninitialized, and its garbage length walked off the array */
static void
test_read_error(void)
{
	char dir[] = "/tmp/t_tcpto.XXXXXX", path[64];
	struct ipaddr ip;

	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof path, "%s/fifo", dir);
	ok(mkfifo(path, 0600) == 0, "fifo");
	ok(ipaddr_parse(&ip, "192.0.2.9"), "address");
	dirty_stack();
	ok(!tcpto_update(path, &ip, true, 5000), "unreadable file: error");
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	test_parse();
	test_note();
	test_full();
	test_file();
	test_read_error();
	return done_testing();
}
