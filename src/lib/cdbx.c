/*
 * cdbx.c - tinycdb wrapper. See cdbx.h.
 */
#include <cdb.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdbx.h"

struct cdbx {
	int fd;
	struct cdb cdb;
};

struct cdbx *
cdbx_open(const char *path)
{
	struct cdbx *db;
	int saved;

	if ((db = malloc(sizeof *db)) == NULL)
		return NULL;
	db->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (db->fd == -1)
		goto fail;
	if (cdb_init(&db->cdb, db->fd) != 0) {
		errno = EPROTO;
		close(db->fd);
		goto fail;
	}
	return db;
fail:
	saved = errno;
	free(db);
	errno = saved;
	return NULL;
}

enum cdbx_status
cdbx_find(struct cdbx *db, const void *key, size_t klen, struct strbuf *out)
{
	unsigned vlen;
	int r;

	if (klen > 0xffffffffUL) {
		errno = EINVAL;
		return CDBX_ERROR;
	}
	r = cdb_find(&db->cdb, key, (unsigned)klen);
	if (r == 0)
		return CDBX_NOTFOUND;
	if (r < 0) {
		errno = EPROTO;
		return CDBX_ERROR;
	}
	vlen = cdb_datalen(&db->cdb);
	if (vlen > CDBX_MAX_VALUE) {
		errno = EFBIG;
		return CDBX_ERROR;
	}
	out->len = 0;
	if (!strbuf_reserve(out, vlen))
		return CDBX_ERROR;
	if (cdb_read(&db->cdb, out->data, vlen, cdb_datapos(&db->cdb)) != 0) {
		errno = EPROTO;
		return CDBX_ERROR;
	}
	out->len = vlen;
	out->data[vlen] = '\0';
	return CDBX_FOUND;
}

void
cdbx_close(struct cdbx *db)
{
	if (db == NULL)
		return;
	cdb_free(&db->cdb);
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

struct cdbx_make {
	struct cdb_make cm;
	int fd;
	char *path;
	char *tmp;
};

struct cdbx_make *
cdbx_make_start(const char *path)
{
	struct cdbx_make *mk;
	size_t n = strlen(path);

	if ((mk = calloc(1, sizeof *mk)) == NULL)
		return NULL;
	mk->path = strdup(path);
	mk->tmp = malloc(n + 5);
	if (mk->path == NULL || mk->tmp == NULL)
		goto fail;
	memcpy(mk->tmp, path, n);
	memcpy(mk->tmp + n, ".tmp", 5);
	mk->fd = open(mk->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (mk->fd == -1)
		goto fail;
	if (cdb_make_start(&mk->cm, mk->fd) != 0) {
		close(mk->fd);
		unlink(mk->tmp);
		goto fail;
	}
	return mk;
fail:
	free(mk->path);
	free(mk->tmp);
	free(mk);
	return NULL;
}

bool
cdbx_make_add(struct cdbx_make *mk, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	if (klen > CDBX_MAX_VALUE || vlen > CDBX_MAX_VALUE) {
		errno = EFBIG;
		return false;
	}
	return cdb_make_add(&mk->cm, key, (unsigned)klen, val,
		   (unsigned)vlen) == 0;
}

static void
make_free(struct cdbx_make *mk)
{
	free(mk->path);
	free(mk->tmp);
	free(mk);
}

bool
cdbx_make_finish(struct cdbx_make *mk)
{
	int saved;

	if (cdb_make_finish(&mk->cm) != 0 || fsync(mk->fd) != 0)
		goto fail;
	if (close(mk->fd) != 0) {
		mk->fd = -1;
		goto fail;
	}
	mk->fd = -1;
	if (rename(mk->tmp, mk->path) != 0)
		goto fail;
	make_free(mk);
	return true;
fail:
	saved = errno;
	if (mk->fd != -1)
		close(mk->fd);
	unlink(mk->tmp);
	make_free(mk);
	errno = saved;
	return false;
}

void
cdbx_make_abort(struct cdbx_make *mk)
{
	if (mk == NULL)
		return;
	close(mk->fd);
	unlink(mk->tmp);
	make_free(mk);
}
