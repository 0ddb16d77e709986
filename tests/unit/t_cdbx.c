/* t_cdbx.c - the tinycdb wrapper: atomic make, lookups, bad files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cdbx.h"
#include "tap.h"

int
main(void)
{
	char dir[] = "/tmp/t_cdbx.XXXXXX", path[256], tmp[300];
	struct strbuf val = STRBUF_INIT;
	struct cdbx_make *mk;
	struct cdbx *db;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof path, "%s/db.cdb", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);

	mk = cdbx_make_start(path);
	ok(mk != NULL, "make start");
	ok(cdbx_make_add(mk, "alpha", 5, "one", 3), "add alpha");
	ok(cdbx_make_add(mk, "b\0ta", 4, "two\0bytes", 9), "add binary key");
	ok(access(path, F_OK) != 0, "nothing at PATH before finish");
	ok(cdbx_make_finish(mk), "finish");
	ok(access(tmp, F_OK) != 0, "temporary file renamed away");

	db = cdbx_open(path);
	ok(db != NULL, "open");
	is_num(cdbx_find(db, "alpha", 5, &val), CDBX_FOUND, "find alpha");
	is_str(val.data, "one", "value of alpha");
	is_num(cdbx_find(db, "b\0ta", 4, &val), CDBX_FOUND, "find binary");
	is_num((long long)val.len, 9, "binary value length");
	is_num(cdbx_find(db, "gamma", 5, &val), CDBX_NOTFOUND, "not found");
	cdbx_close(db);

	is_num(cdbx_lookup("/nonexistent.cdb", "k", 1, &val, true),
	    CDBX_NOTFOUND, "missing file allowed");
	is_num(cdbx_lookup("/nonexistent.cdb", "k", 1, &val, false),
	    CDBX_ERROR, "missing file not allowed");

	/* a truncated file must be an error, not a silent miss */
	f = fopen(path, "w");
	fputs("garbage", f);
	fclose(f);
	is_num(cdbx_lookup(path, "alpha", 5, &val, false), CDBX_ERROR,
	    "corrupt cdb is an error");

	mk = cdbx_make_start(path);
	cdbx_make_add(mk, "x", 1, "y", 1);
	cdbx_make_abort(mk);
	ok(access(tmp, F_OK) != 0, "abort removes the temporary file");

	unlink(path);
	rmdir(dir);
	strbuf_free(&val);
	return done_testing();
}
