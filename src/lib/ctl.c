/*
 * ctl.c - control file reader. See ctl.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"

enum ctl_status
ctl_read_file(struct strbuf *out, const char *path)
{
	char chunk[8192];
	struct stat st;
	ssize_t r;
	int fd;

	out->len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return errno == ENOENT ? CTL_MISSING : CTL_ERROR;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > CTL_MAX_BYTES)
		goto fail;
	for (;;) {
		r = read(fd, chunk, sizeof chunk);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (out->len + (size_t)r > CTL_MAX_BYTES ||
		    !strbuf_append(out, chunk, (size_t)r))
			goto fail;
	}
	close(fd);
	if (!strbuf_terminate(out))
		return CTL_ERROR;
	return CTL_OK;
fail:
	close(fd);
	return CTL_ERROR;
}

static size_t
strip_blanks(const char *s, size_t len)
{
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
			  s[len - 1] == '\r'))
		len--;
	return len;
}

enum ctl_status
ctl_read_line(struct strbuf *out, const char *path)
{
	enum ctl_status st;
	const char *nl;

	st = ctl_read_file(out, path);
	if (st != CTL_OK)
		return st;
	nl = memchr(out->data, '\n', out->len);
	strbuf_truncate(out, strip_blanks(out->data,
				 nl ? (size_t)(nl - out->data) : out->len));
	if (memchr(out->data, '\0', out->len) != NULL)
		return CTL_ERROR; /* a NUL would silently cut the value */
	return CTL_OK;
}

bool
ctl_split_lines(struct strlist *out, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t kept = strip_blanks(p, n);
		if (kept && p[0] != '#') {
			/* a NUL would silently cut the line short */
			if (memchr(p, '\0', kept) != NULL) {
				errno = EINVAL;
				return false;
			}
			if (!strlist_push(out, p, kept))
				return false;
		}
		p += n + 1;
	}
	return true;
}

enum ctl_status
ctl_read_lines(struct strlist *out, const char *path)
{
	struct strbuf text = STRBUF_INIT;
	enum ctl_status st;

	st = ctl_read_file(&text, path);
	if (st == CTL_OK && !ctl_split_lines(out, text.data, text.len))
		st = CTL_ERROR;
	strbuf_free(&text);
	return st;
}

bool
ctl_split_key(const char *line, const char **value, size_t *keylen)
{
	const char *colon = strchr(line, ':');

	if (colon == NULL)
		return false;
	*keylen = (size_t)(colon - line);
	*value = colon + 1;
	return true;
}

const char *
ctl_find_key(const struct strlist *lines, const char *key, size_t keylen)
{
	const char *value;
	size_t i, len;

	for (i = 0; i < lines->len; i++)
		if (ctl_split_key(lines->items[i], &value, &len) &&
		    len == keylen &&
		    strncasecmp(lines->items[i], key, keylen) == 0)
			return value;
	return NULL;
}

const char *
ctl_find_domain(const struct strlist *lines, const char *domain)
{
	size_t len = strlen(domain), i;
	const char *value;

	for (i = 0; i < len; i++)
		if ((i == 0 || domain[i] == '.') &&
		    (value = ctl_find_key(lines, domain + i, len - i)) != NULL)
			return value;
	return NULL;
}

bool
scan_ulong(const char *s, unsigned long *out)
{
	unsigned long n = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (__builtin_mul_overflow(n, 10, &n) ||
		    __builtin_add_overflow(n, (unsigned long)(*s - '0'), &n))
			return false;
	}
	*out = n;
	return true;
}

enum ctl_status
ctl_read_ulong(unsigned long *out, const char *path, unsigned long min,
    unsigned long max)
{
	struct strbuf line = STRBUF_INIT;
	enum ctl_status st;
	unsigned long n;
	size_t start = 0;

	st = ctl_read_line(&line, path);
	if (st == CTL_OK) {
		while (start < line.len &&
		    (line.data[start] == ' ' || line.data[start] == '\t'))
			start++;
		if (!scan_ulong(line.data + start, &n) || n < min || n > max)
			st = CTL_ERROR;
		else
			*out = n;
	}
	strbuf_free(&line);
	return st;
}
