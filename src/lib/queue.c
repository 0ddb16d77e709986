/*
 * queue.c - queue path names. See queue.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "auto.h"
#include "ctl.h"
#include "queue.h"

unsigned long
queue_split(unsigned long id)
{
	return id % (auto_split ? auto_split : 1);
}

bool
queue_path(struct strbuf *out, const char *dir, unsigned long id)
{
	out->len = 0;
	return strbuf_appends(out, dir) && strbuf_appendc(out, '/') &&
	    strbuf_append_ulong(out, queue_split(id)) &&
	    strbuf_appendc(out, '/') && strbuf_append_ulong(out, id);
}

bool
queue_parse_id(const char *s, unsigned long *id)
{
	return scan_ulong(s, id) && *id != 0;
}

#define TRIGGER_DIR (256 - QUEUE_TRIGGER_DIRS) /* a hint: TRIGGER_DIR + S */

unsigned char
queue_trigger_byte(unsigned long id)
{
	unsigned long split = auto_split ? auto_split : 1;

	if (split > QUEUE_TRIGGER_DIRS)
		return 0;
	return (unsigned char)(TRIGGER_DIR + queue_split(id));
}

bool
queue_trigger_dir(unsigned char b, unsigned long *s)
{
	unsigned long split = auto_split ? auto_split : 1;

	if (split > QUEUE_TRIGGER_DIRS || b < TRIGGER_DIR ||
	    (unsigned long)(b - TRIGGER_DIR) >= split)
		return false;
	*s = (unsigned long)(b - TRIGGER_DIR);
	return true;
}

bool
queue_head_put(struct iobuf *out, const char *sender, size_t len,
	       time_t birth)
{
	char num[FMT_ULONG + 1];
	size_t n = fmt_ulong(num, (unsigned long)birth);

	num[n++] = '\0';
	return iobuf_put(out, "F", 1) && iobuf_put(out, sender, len) &&
	       iobuf_put(out, "\0B", 2) && iobuf_put(out, num, n);
}

/* take_address: "F<addr>\0" becomes <addr>, NUL-terminated */
static void
take_address(struct strbuf *rec)
{
	memmove(rec->data, rec->data + 1, rec->len - 1);
	strbuf_truncate(rec, rec->len - 2);
}

int
queue_head_read(struct iobuf *in, struct strbuf *sender, time_t *birth,
		size_t *used)
{
	struct strbuf rec = STRBUF_INIT;
	unsigned long b;
	int c = iobuf_peek(in), ret = -1;

	if (c == -2)
		return -1;
	if (c != 'F')
		return 0;
	sender->len = 0;
	errno = EINVAL;
	if (iobuf_getline(in, sender, 1 + QUEUE_SENDER_MAX + 1, '\0') != IO_OK ||
	    iobuf_getline(in, &rec, 1 + 20 + 1, '\0') != IO_OK ||
	    rec.data[0] != 'B' || !scan_ulong(rec.data + 1, &b) ||
	    (time_t)b < 0)
		goto out;
	*used = sender->len + rec.len;
	take_address(sender);
	*birth = (time_t)b;
	ret = 1;
out:
	strbuf_free(&rec);
	return ret;
}

int
queue_head_of(unsigned long id, struct strbuf *path, struct strbuf *sender,
	      time_t *birth)
{
	static const char *const chan[] = {"local", "remote"};
	struct iobuf in;
	char buf[1100];
	size_t used;
	int c, fd, r;

	for (c = 0; c < 2; c++) {
		if (!queue_path(path, chan[c], id))
			return -1;
		fd = open(path->data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1) {
			if (errno == ENOENT)
				continue;
			return -1;
		}
		iobuf_init_file(&in, fd, buf, sizeof buf);
		r = queue_head_read(&in, sender, birth, &used);
		close(fd);
		return r;
	}
	return 0;
}

int
queue_info_read(unsigned long id, struct strbuf *path, struct strbuf *sender,
		time_t *birth)
{
	struct iobuf in;
	struct stat st;
	char buf[256];
	int fd, ret = -1;

	if (!queue_path(path, "info", id))
		return -1;
	if ((fd = open(path->data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	iobuf_init_file(&in, fd, buf, sizeof buf);
	sender->len = 0;
	if (fstat(fd, &st) == 0) {
		errno = EINVAL;
		if (iobuf_getline(&in, sender, QUEUE_INFO_MAX, '\0') == IO_OK &&
		    sender->data[0] == 'F') {
			take_address(sender);
			*birth = st.st_mtime;
			ret = 1;
		}
	}
	close(fd);
	return ret;
}

int
queue_sender_of(unsigned long id, struct strbuf *path, struct strbuf *sender,
		time_t *birth)
{
	int r = queue_head_of(id, path, sender, birth);

	return r != 0 ? r : queue_info_read(id, path, sender, birth);
}
