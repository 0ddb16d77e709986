/* t_iobuf.c - unit tests for bounded line reading (src/lib/iobuf.c). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "iobuf.h"
#include "tap.h"

/* feeds TEXT through a pipe and reads lines of at most MAX bytes */
static void
check_lines(const char *name, const char *text, size_t max,
    const int *want_status, const char *const *want_line, size_t n)
{
	char buf[16]; /* small on purpose: lines cross buffer refills */
	struct strbuf line = STRBUF_INIT;
	struct iobuf in;
	int fds[2];
	size_t i;

	if (pipe(fds) != 0)
		return;
	if (write(fds[1], text, strlen(text)) < 0)
		return;
	close(fds[1]);
	iobuf_init(&in, fds[0], buf, sizeof buf, 5);
	for (i = 0; i < n; i++) {
		line.len = 0;
		strbuf_terminate(&line);
		is_num(iobuf_getline(&in, &line, max, '\n'), want_status[i],
		    name);
		is_str(line.data, want_line[i], name);
	}
	close(fds[0]);
	strbuf_free(&line);
}

static void
test_getline(void)
{
	{
		static const int st[] = { IO_OK, IO_OK, IO_EOF };
		static const char *const ln[] = { "a\n", "bcd\n", "" };
		check_lines("two lines", "a\nbcd\n", 100, st, ln, 3);
	}
	{
		static const int st[] = { IO_OK, IO_EOF };
		static const char *const ln[] = { "x\n", "partial" };
		check_lines("partial last line", "x\npartial", 100, st, ln, 2);
	}
	{
		static const int st[] = { IO_TOOLONG, IO_TOOLONG, IO_OK };
		static const char *const ln[] = { "01234", "56789", "\n" };
		check_lines("too long line is cut at max", "0123456789\n", 5,
		    st, ln, 3);
	}
	{
		static const int st[] = { IO_OK, IO_OK };
		static const char *const ln[] = {
			"0123456789012345678901234567890123456789\n", "z\n"
		};
		check_lines("line longer than the buffer",
		    "0123456789012345678901234567890123456789\nz\n", 1000, st,
		    ln, 2);
	}
}

static void
test_timeout(void)
{
	struct strbuf line = STRBUF_INIT;
	struct iobuf in;
	char buf[64];
	int fds[2];

	if (pipe(fds) != 0)
		return;
	iobuf_init(&in, fds[0], buf, sizeof buf, 1);
	is_num(iobuf_getline(&in, &line, 100, '\n'), IO_TIMEOUT,
	    "silent peer times out");
	close(fds[0]);
	close(fds[1]);
	strbuf_free(&line);
}

static void
test_write(void)
{
	struct iobuf out;
	char buf[4], got[64];
	int fds[2];
	ssize_t n;

	if (pipe(fds) != 0)
		return;
	iobuf_init(&out, fds[1], buf, sizeof buf, 5);
	ok(iobuf_puts(&out, "hello, ") && iobuf_puts(&out, "world") &&
		iobuf_flush(&out),
	    "writes through a tiny buffer");
	close(fds[1]);
	n = read(fds[0], got, sizeof got - 1);
	got[n > 0 ? n : 0] = '\0';
	is_str(got, "hello, world", "all bytes arrive in order");
	close(fds[0]);
}

/* fd_read_all: exactly N bytes across writes, false at end of file, and
 * false after the timeout when nothing comes */
static void
test_read_all(void)
{
	char buf[8];
	int p[2];

	if (pipe(p) == -1)
		return;
	(void)!write(p[1], "ab", 2);
	(void)!write(p[1], "cde", 3);
	ok(fd_read_all(p[0], buf, 5, 1) && memcmp(buf, "abcde", 5) == 0,
	    "five bytes from two writes");
	ok(!fd_read_all(p[0], buf, 1, 1), "nothing within the timeout");
	(void)!write(p[1], "f", 1);
	close(p[1]);
	ok(!fd_read_all(p[0], buf, 2, 0), "end of file before the second");
	close(p[0]);
}

int
main(void)
{
	test_read_all();
	test_getline();
	test_timeout();
	test_write();
	return done_testing();
}
