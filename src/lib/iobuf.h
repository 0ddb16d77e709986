/*
 * iobuf.h - buffered, bounded, timed I/O on a file descriptor.
 *
 * The caller supplies the buffer memory and keeps it alive as long as the
 * iobuf. Reads wait at most `timeout` seconds each (0 = wait forever), with
 * poll(); writes likewise. EINTR is retried. A transport hook (read_fn,
 * write_fn, ctx) lets TLS replace the plain fd calls without changing any
 * caller; the hooks follow read(2)/write(2) conventions.
 *
 * Return conventions: iobuf_getline returns an enum io_status; the other
 * functions return bool (false: errno is set, ETIMEDOUT on a timeout) or a
 * byte count as read(2) does. Nothing here exits, nothing is safe in a
 * signal handler.
 */
#ifndef IOBUF_H
#define IOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

enum io_status { IO_OK, IO_EOF, IO_TOOLONG, IO_TIMEOUT, IO_ERR };

struct iobuf {
	int fd;
	char *buf;
	size_t size;
	size_t pos; /* reading: next unread byte */
	size_t len; /* reading: end of data; writing: bytes pending */
	int timeout;
	ssize_t (*read_fn)(void *ctx, void *buf, size_t len);
	ssize_t (*write_fn)(void *ctx, const void *buf, size_t len);
	void *ctx;
};

/* iobuf_init: sets up BUF of SIZE bytes on FD with a per-call TIMEOUT */
void iobuf_init(struct iobuf *io, int fd, char *buf, size_t size,
    int timeout);
/* iobuf_init_file: the same for a regular file, which is always ready: no
 * poll(2) before each read or write, no timeout */
void iobuf_init_file(struct iobuf *io, int fd, char *buf, size_t size);
/* iobuf_fill: reads more data; returns bytes read, 0 at EOF, -1 on error */
ssize_t iobuf_fill(struct iobuf *in);
/* iobuf_read: returns up to N buffered-or-fresh bytes, 0 at EOF, -1 error */
ssize_t iobuf_read(struct iobuf *in, void *dst, size_t n);
/* iobuf_peek: returns the next byte without taking it, as iobuf_getc */
int iobuf_peek(struct iobuf *in);
/* iobuf_getc: returns one byte as unsigned char, -1 at EOF, -2 on error */
int iobuf_getc(struct iobuf *in);
/*
 * iobuf_getline: appends to LINE up to and including DELIM. IO_TOOLONG when
 * MAX bytes came without DELIM (LINE then holds MAX bytes; the rest of the
 * line is still unread). IO_EOF when the input ended: LINE holds any partial
 * line and line->len tells whether there was one.
 */
enum io_status iobuf_getline(struct iobuf *in, struct strbuf *line,
    size_t max, char delim);
/* iobuf_buffered: returns how many unread bytes are buffered */
size_t iobuf_buffered(const struct iobuf *in);
/* iobuf_discard: forgets buffered input (STARTTLS, CVE-2011-0411) */
void iobuf_discard(struct iobuf *in);

/* iobuf_put: queues N bytes, flushing as needed; false on write error */
bool iobuf_put(struct iobuf *out, const void *p, size_t n);
bool iobuf_puts(struct iobuf *out, const char *s);
/* iobuf_flush: writes everything pending; false on error or timeout */
bool iobuf_flush(struct iobuf *out);

/* fd_write_all: writes all of P to FD, retrying EINTR; false on error */
bool fd_write_all(int fd, const void *p, size_t n);
/* fd_read_all: reads exactly N bytes from FD into P, retrying EINTR and
 * waiting at most TIMEOUT seconds for each part (0: as long as read
 * blocks); false on end of file, error or timeout */
bool fd_read_all(int fd, void *p, size_t n, int timeout);
/* fd_wait: waits for FD to be readable (WRITE false) or writable, at most
 * TIMEOUT seconds (0 = forever); false with errno ETIMEDOUT on timeout */
bool fd_wait(int fd, bool write, int timeout);

#endif
