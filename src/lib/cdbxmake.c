/*
 * cdbxmake.c - writing cdb files with tinycdb. See cdbx.h.
 *
 * The only file that includes tinycdb's header: tinycdb stays the writer
 * (and the reference for the format); cdbx.c reads cdb files with its own
 * small reader so that programs built against musl need no libcdb
 * (doc/differences.md, doc/PERFORMANCE.md).
 */
#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdbx.h"

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
