/*
 * cdbx.c - reading cdb files. See cdbx.h.
 *
 * Our own reader of D. J. Bernstein's public cdb format, so that the
 * programs built as static musl binaries (doc/PERFORMANCE.md) need no
 * tinycdb; tinycdb remains the writer (cdbxmake.c) and the reference.
 * The format: a 2048-byte header of 256 (pos, len) pairs, each a 32-bit
 * little-endian number; table i (pos, len) holds len slots of (hash, pos)
 * pairs; a record at pos is klen, dlen, key, data. A key's hash is
 * h = 5381, h = (h * 33) ^ c per byte; it lives in table h % 256, and
 * the search starts at slot (h / 256) % len and goes on, wrapping around,
 * until a slot with pos 0 (not found) or after len slots. Reads use
 * pread, and every position and length is checked against the file's
 * size, so a corrupt or truncated file is CDBX_ERROR (errno EPROTO),
 * never an out-of-bounds read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdbx.h"

#define CDB_HEADER 2048

struct cdbx {
	int fd;
	uint64_t size;
};

static uint32_t
unpack(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint32_t
cdb_hash(const unsigned char *key, size_t len)
{
	uint32_t h = 5381;
	size_t i;

	for (i = 0; i < len; i++)
		h = ((h << 5) + h) ^ key[i];
	return h;
}

/* readat: reads exactly LEN bytes at POS; false (EPROTO past the end of
 * the file, or the read error) otherwise */
static bool
readat(const struct cdbx *db, void *buf, size_t len, uint64_t pos)
{
	unsigned char *p = buf;
	ssize_t r;

	if (pos > db->size || len > db->size - pos) {
		errno = EPROTO;
		return false;
	}
	while (len > 0) {
		r = pread(db->fd, p, len, (off_t)pos);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EPROTO;
			return false;
		}
		p += r;
		pos += (uint64_t)r;
		len -= (size_t)r;
	}
	return true;
}

struct cdbx *
cdbx_open(const char *path)
{
	struct cdbx *db;
	struct stat st;
	int saved;

	if ((db = malloc(sizeof *db)) == NULL)
		return NULL;
	db->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (db->fd == -1)
		goto fail;
	if (fstat(db->fd, &st) == -1)
		goto fail_close;
	/* as tinycdb: shorter than the header, or past 4 GB, is corrupt */
	if (st.st_size < CDB_HEADER || (uint64_t)st.st_size > 0xffffffffULL) {
		errno = EPROTO;
		goto fail_close;
	}
	db->size = (uint64_t)st.st_size;
	return db;
fail_close:
	saved = errno;
	close(db->fd);
	errno = saved;
fail:
	saved = errno;
	free(db);
	errno = saved;
	return NULL;
}

/* key_matches: the record at POS has key KEY (KLEN bytes); sets *DPOS
 * and *DLEN to its data. 1 match, 0 other key, -1 error */
static int
key_matches(const struct cdbx *db, uint64_t pos, const unsigned char *key,
	    size_t klen, uint64_t *dpos, uint32_t *dlen)
{
	unsigned char head[8], buf[256];
	uint64_t kpos;
	uint32_t rklen;
	size_t n, done;

	if (!readat(db, head, sizeof head, pos))
		return -1;
	rklen = unpack(head);
	*dlen = unpack(head + 4);
	kpos = pos + 8;
	/* the record must lie inside the file even when the key differs */
	if (kpos + rklen + *dlen > db->size) {
		errno = EPROTO;
		return -1;
	}
	*dpos = kpos + rklen;
	if (rklen != klen)
		return 0;
	for (done = 0; done < klen; done += n) {
		n = klen - done < sizeof buf ? klen - done : sizeof buf;
		if (!readat(db, buf, n, kpos + done))
			return -1;
		if (memcmp(buf, key + done, n) != 0)
			return 0;
	}
	return 1;
}

enum cdbx_status
cdbx_find(struct cdbx *db, const void *key, size_t klen, struct strbuf *out)
{
	unsigned char entry[8];
	uint32_t h, tpos, tlen, slot, i, dlen;
	uint64_t spos, dpos;
	int m;

	if (klen > 0xffffffffUL) {
		errno = EINVAL;
		return CDBX_ERROR;
	}
	h = cdb_hash(key, klen);
	if (!readat(db, entry, sizeof entry, (uint64_t)(h & 255) * 8))
		return CDBX_ERROR;
	tpos = unpack(entry);
	tlen = unpack(entry + 4);
	if (tlen == 0)
		return CDBX_NOTFOUND;
	if (tpos < CDB_HEADER || (uint64_t)tpos + (uint64_t)tlen * 8 > db->size) {
		errno = EPROTO;
		return CDBX_ERROR;
	}
	slot = (h >> 8) % tlen;
	for (i = 0; i < tlen; i++) {
		spos = (uint64_t)tpos + (uint64_t)slot * 8;
		if (!readat(db, entry, sizeof entry, spos))
			return CDBX_ERROR;
		if (unpack(entry + 4) == 0)
			return CDBX_NOTFOUND;
		if (unpack(entry) == h) {
			m = key_matches(db, unpack(entry + 4), key, klen,
					&dpos, &dlen);
			if (m == -1)
				return CDBX_ERROR;
			if (m == 1)
				goto found;
		}
		if (++slot == tlen)
			slot = 0;
	}
	return CDBX_NOTFOUND;
found:
	if (dlen > CDBX_MAX_VALUE) {
		errno = EFBIG;
		return CDBX_ERROR;
	}
	out->len = 0;
	if (!strbuf_reserve(out, dlen))
		return CDBX_ERROR;
	if (!readat(db, out->data, dlen, dpos))
		return CDBX_ERROR;
	out->len = dlen;
	out->data[dlen] = '\0';
	return CDBX_FOUND;
}

void
cdbx_close(struct cdbx *db)
{
	if (db == NULL)
		return;
	close(db->fd);
	free(db);
}

enum cdbx_status
cdbx_lookup(const char *path, const void *key, size_t klen,
    struct strbuf *out, bool missing_ok)
{
	enum cdbx_status st;
	struct cdbx *db;

	db = cdbx_open(path);
	if (db == NULL)
		return (errno == ENOENT && missing_ok) ? CDBX_NOTFOUND
						       : CDBX_ERROR;
	st = cdbx_find(db, key, klen, out);
	cdbx_close(db);
	return st;
}
