/*
 * log.c - qmail-send's log, in qmail's line format, on fd 0.
 *
 * A line is built with log_begin/log_add.../log_end and written with one
 * write(2), so that lines from one qmail-send never interleave. Text that
 * came from outside (addresses, delivery reports) goes through
 * log_addsafe, which turns '%' and bytes outside '!'..'~' into '_' as
 * qmail does, so one delivery can never forge a log line. Write errors
 * are ignored: there is nobody to tell.
 */
#include <string.h>
#include <unistd.h>

#include "send.h"

#define LOG_LINE_MAX 8192

static char line[LOG_LINE_MAX + 1];
static size_t linelen;

void
log_begin(void)
{
	linelen = 0;
}

static void
put(const char *s, size_t n, bool safe)
{
	size_t i;

	for (i = 0; i < n && linelen < LOG_LINE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (safe && (c < 33 || c > 126 || c == '%'))
			c = '_';
		line[linelen++] = (char)c;
	}
}

void
log_add(const char *s)
{
	put(s, strlen(s), false);
}

void
log_addsafe(const char *s)
{
	put(s, strlen(s), true);
}

void
log_addnum(unsigned long n)
{
	char buf[24];
	size_t i = sizeof buf;

	do
		buf[--i] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	put(buf + i, sizeof buf - i, false);
}

void
log_end(void)
{
	const char *p = line;
	size_t n;
	ssize_t w;

	line[linelen++] = '\n';
	n = linelen;
	while (n) {
		w = write(0, p, n);
		if (w <= 0)
			break;
		p += w;
		n -= (size_t)w;
	}
	linelen = 0;
}

void
log_str(const char *s)
{
	log_begin();
	log_add(s);
	log_end();
}

void
log_status(const struct send *st)
{
	log_begin();
	log_add("status: local ");
	log_addnum(st->chan[CHAN_LOCAL].used);
	log_add("/");
	log_addnum(st->chan[CHAN_LOCAL].concurrency);
	log_add(" remote ");
	log_addnum(st->chan[CHAN_REMOTE].used);
	log_add("/");
	log_addnum(st->chan[CHAN_REMOTE].concurrency);
	if (st->flag_exit)
		log_add(" exitasap");
	log_end();
}
