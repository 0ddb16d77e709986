/*
 * iobuf.c - buffered, bounded, timed I/O. See iobuf.h.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "iobuf.h"

static ssize_t
plain_read(void *ctx, void *buf, size_t len)
{
	struct iobuf *io = ctx;

	if (!fd_wait(io->fd, false, io->timeout))
		return -1;
	return read(io->fd, buf, len);
}

static ssize_t
plain_write(void *ctx, const void *buf, size_t len)
{
	struct iobuf *io = ctx;

	if (!fd_wait(io->fd, true, io->timeout))
		return -1;
	return write(io->fd, buf, len);
}

/* a regular file is always ready: no poll before each read or write */
static ssize_t
file_read(void *ctx, void *buf, size_t len)
{
	return read(((struct iobuf *)ctx)->fd, buf, len);
}

static ssize_t
file_write(void *ctx, const void *buf, size_t len)
{
	return write(((struct iobuf *)ctx)->fd, buf, len);
}

bool
fd_wait(int fd, bool write, int timeout)
{
	struct pollfd p;
	int r;

	p.fd = fd;
	p.events = write ? POLLOUT : POLLIN;
	for (;;) {
		r = poll(&p, 1, timeout > 0 ? timeout * 1000 : -1);
		if (r > 0)
			return true;
		if (r == 0) {
			errno = ETIMEDOUT;
			return false;
		}
		if (errno != EINTR)
			return false;
	}
}

void
iobuf_init(struct iobuf *io, int fd, char *buf, size_t size, int timeout)
{
	io->fd = fd;
	io->buf = buf;
	io->size = size;
	io->pos = io->len = 0;
	io->timeout = timeout;
	io->read_fn = plain_read;
	io->write_fn = plain_write;
	io->ctx = io;
}

void
iobuf_init_file(struct iobuf *io, int fd, char *buf, size_t size)
{
	iobuf_init(io, fd, buf, size, 0);
	io->read_fn = file_read;
	io->write_fn = file_write;
}

ssize_t
iobuf_fill(struct iobuf *in)
{
	ssize_t r;

	if (in->pos == in->len)
		in->pos = in->len = 0;
	if (in->len == in->size) {
		if (in->pos == 0) {
			errno = ENOBUFS;
			return -1;
		}
		memmove(in->buf, in->buf + in->pos, in->len - in->pos);
		in->len -= in->pos;
		in->pos = 0;
	}
	do
		r = in->read_fn(in->ctx, in->buf + in->len, in->size - in->len);
	while (r == -1 && errno == EINTR);
	if (r > 0)
		in->len += (size_t)r;
	return r;
}

ssize_t
iobuf_read(struct iobuf *in, void *dst, size_t n)
{
	size_t have;
	ssize_t r;

	if (in->pos == in->len) {
		r = iobuf_fill(in);
		if (r <= 0)
			return r;
	}
	have = in->len - in->pos;
	if (n > have)
		n = have;
	memcpy(dst, in->buf + in->pos, n);
	in->pos += n;
	return (ssize_t)n;
}

int
iobuf_peek(struct iobuf *in)
{
	ssize_t r;

	if (in->pos == in->len) {
		r = iobuf_fill(in);
		if (r == 0)
			return -1;
		if (r < 0)
			return -2;
	}
	return (unsigned char)in->buf[in->pos];
}

int
iobuf_getc(struct iobuf *in)
{
	int c = iobuf_peek(in);

	if (c >= 0)
		in->pos++;
	return c;
}

enum io_status
iobuf_getline(struct iobuf *in, struct strbuf *line, size_t max, char delim)
{
	size_t got = 0, avail, take;
	const char *end;
	ssize_t r;

	for (;;) {
		if (in->pos == in->len) {
			r = iobuf_fill(in);
			if (r == 0)
				return IO_EOF;
			if (r < 0)
				return errno == ETIMEDOUT ? IO_TIMEOUT : IO_ERR;
		}
		avail = in->len - in->pos;
		end = memchr(in->buf + in->pos, delim, avail);
		take = end ? (size_t)(end - (in->buf + in->pos)) + 1 : avail;
		if (take > max - got)
			take = max - got;
		if (!strbuf_append(line, in->buf + in->pos, take))
			return IO_ERR;
		in->pos += take;
		got += take;
		if (take && in->buf[in->pos - 1] == delim)
			return IO_OK;
		if (got >= max)
			return IO_TOOLONG;
	}
}

size_t
iobuf_buffered(const struct iobuf *in)
{
	return in->len - in->pos;
}

void
iobuf_discard(struct iobuf *in)
{
	in->pos = in->len = 0;
}

bool
iobuf_flush(struct iobuf *out)
{
	size_t done = 0;
	ssize_t w;

	while (done < out->len) {
		w = out->write_fn(out->ctx, out->buf + done, out->len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			/* keep what was not written, so a retry is possible */
			memmove(out->buf, out->buf + done, out->len - done);
			out->len -= done;
			return false;
		}
		if (w == 0) {
			errno = EPIPE;
			return false;
		}
		done += (size_t)w;
	}
	out->len = 0;
	return true;
}

bool
iobuf_put(struct iobuf *out, const void *p, size_t n)
{
	const char *s = p;
	size_t room;

	while (n) {
		if (out->len == out->size && !iobuf_flush(out))
			return false;
		room = out->size - out->len;
		if (room > n)
			room = n;
		memcpy(out->buf + out->len, s, room);
		out->len += room;
		s += room;
		n -= room;
	}
	return true;
}

bool
iobuf_puts(struct iobuf *out, const char *s)
{
	return iobuf_put(out, s, strlen(s));
}

bool
fd_read_all(int fd, void *p, size_t n, int timeout)
{
	char *s = p;
	ssize_t r;

	while (n) {
		if (timeout > 0 && !fd_wait(fd, false, timeout))
			return false;
		r = read(fd, s, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		s += r;
		n -= (size_t)r;
	}
	return true;
}

bool
fd_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n) {
		w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		s += w;
		n -= (size_t)w;
	}
	return true;
}
