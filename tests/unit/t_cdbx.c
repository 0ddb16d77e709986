/* t_cdbx.c - cdb files: atomic make (tinycdb), our reader, bad files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	char key[32], want[32];
	FILE *f;
	int i, bad;

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

	/* our reader against tinycdb's writer: many keys, so that tables
	 * fill up and searches wrap around and skip other keys' slots */
	mk = cdbx_make_start(path);
	for (i = 0; i < 3000; i++) {
		snprintf(key, sizeof key, "key-%d", i);
		snprintf(want, sizeof want, "value %d", i * 7);
		cdbx_make_add(mk, key, strlen(key), want, strlen(want));
	}
	cdbx_make_add(mk, "", 0, "empty key", 9);
	ok(cdbx_make_finish(mk), "finish 3000 keys");
	db = cdbx_open(path);
	for (i = 0, bad = 0; i < 3000; i++) {
		snprintf(key, sizeof key, "key-%d", i);
		snprintf(want, sizeof want, "value %d", i * 7);
		if (cdbx_find(db, key, strlen(key), &val) != CDBX_FOUND ||
		    strcmp(val.data, want) != 0)
			bad++;
		snprintf(key, sizeof key, "nokey-%d", i);
		if (cdbx_find(db, key, strlen(key), &val) != CDBX_NOTFOUND)
			bad++;
	}
	is_num(bad, 0, "3000 keys found, 3000 others not");
	is_num(cdbx_find(db, "", 0, &val), CDBX_FOUND, "empty key");
	is_str(val.data, "empty key", "value of the empty key");
	cdbx_close(db);

	/* a table pointer past the end of the file is an error */
	f = fopen(path, "r+");
	for (i = 0; i < 256; i++) {
		fseek(f, (long)i * 8, SEEK_SET);
		fputc(0xff, f);
		fputc(0xff, f);
		fputc(0xff, f);
		fputc(0x7f, f);
	}
	fclose(f);
	is_num(cdbx_lookup(path, "key-1", 5, &val, false), CDBX_ERROR,
	    "table past the end is an error");

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
