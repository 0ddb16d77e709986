/* t_users.c - unit tests for users/assign parsing and users/cdb lookup
 * (src/lib/users.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdbx.h"
#include "strbuf.h"
#include "tap.h"
#include "users.h"

static char dir[] = "/tmp/t_users.XXXXXX";

struct rec {
	struct strbuf all; /* key \x01 value \x02 ... for comparing */
	size_t n;
};

static bool
collect(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct rec *r = ctx;
	size_t i;

	for (i = 0; i < klen; i++)
		strbuf_appendc(&r->all, key[i] ? key[i] : '0');
	strbuf_appendc(&r->all, '=');
	for (i = 0; i < vlen; i++)
		strbuf_appendc(&r->all, val[i] ? val[i] : '0');
	strbuf_appendc(&r->all, ';');
	r->n++;
	return true;
}

static void
test_parse(void)
{
	static const struct {
		const char *name, *text;
		enum users_parse_status st;
		const char *want; /* records, NUL shown as 0 */
		size_t line;
	} cases[] = {
	    {"exact", "=john:john:100:101:/home/john:::\n.\n", USERS_PARSE_OK,
	     "!john0=john010001010/home/john00;=;", 0},
	    {"prefix", "+john-:john:100:101:/home/john:-::\n.\n",
	     USERS_PARSE_OK, "!john-=john010001010/home/john0-0;=-;", 0},
	    {"lower-cased keys, wildchars once",
	     "+A-:u:1:2:/h:-:a-:\n+B-:u:1:2:/h:-:b-:\n+:u:1:2:/h:-::\n"
	     "=Zeke:u:1:2:/h:-:zeke:\n.\n",
	     USERS_PARSE_OK,
	     "!a-=u01020/h0-0a-;!b-=u01020/h0-0b-;!=u01020/h0-0;"
	     "!zeke0=u01020/h0-0zeke;=-;",
	     0},
	    {"text after the seventh colon is ignored",
	     "=x:u:1:2:/h:::junk:more\n.\n", USERS_PARSE_OK,
	     "!x0=u01020/h00;=;", 0},
	    {"text after the dot is ignored", "=x:u:1:2:/h:::\n.\ngarbage",
	     USERS_PARSE_OK, "!x0=u01020/h00;=;", 0},
	    {"empty file", "", USERS_PARSE_SYNTAX, "", 1},
	    {"only the dot", ".\n", USERS_PARSE_OK, "=;", 0},
	    {"no final dot", "=x:u:1:2:/h:::\n", USERS_PARSE_SYNTAX,
	     "!x0=u01020/h00;", 2},
	    {"no newline on last line", "=x:u:1:2:/h:::", USERS_PARSE_SYNTAX,
	     "", 1},
	    {"bad first char", "-x:u:1:2:/h:::\n.\n", USERS_PARSE_SYNTAX, "",
	     1},
	    {"blank line", "\n.\n", USERS_PARSE_SYNTAX, "", 1},
	    {"too few fields", "=x:u:1:2:/h::\n.\n", USERS_PARSE_SYNTAX, "", 1},
	    {"uid not a number", "=x:u:a:2:/h:::\n.\n", USERS_PARSE_SYNTAX, "",
	     1},
	    {"uid 0", "=x:root:0:0:/root:::\n.\n", USERS_PARSE_SYNTAX, "", 1},
	    {"relative home", "=x:u:1:2:h:::\n.\n", USERS_PARSE_SYNTAX, "", 1},
	    {"empty user", "=x::1:2:/h:::\n.\n", USERS_PARSE_SYNTAX, "", 1},
	    {"second line bad", "=x:u:1:2:/h:::\n=y:u:1\n.\n",
	     USERS_PARSE_SYNTAX, "!x0=u01020/h00;", 2},
	};
	size_t i, line;
	const char *why;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rec r = {STRBUF_INIT, 0};
		enum users_parse_status st;

		st = users_parse(cases[i].text, strlen(cases[i].text), collect,
				 &r, &line, &why);
		strbuf_terminate(&r.all);
		is_num(st, cases[i].st, cases[i].name);
		is_str(r.all.data, cases[i].want, cases[i].name);
		if (cases[i].st == USERS_PARSE_SYNTAX) {
			is_num((long long)line, (long long)cases[i].line,
			       cases[i].name);
			ok(why != NULL, "%s: a reason", cases[i].name);
		}
		strbuf_free(&r.all);
	}
	{
		const char nul[] = "=x:u:1:2:/h:::\0\n.\n";

		is_num(users_parse(nul, sizeof nul - 1, collect,
				   &(struct rec){STRBUF_INIT, 0}, &line, &why),
		       USERS_PARSE_SYNTAX, "NUL in a line");
	}
}

static bool
add(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
	return cdbx_make_add(ctx, key, klen, val, vlen);
}

static const char *
build(const char *assign)
{
	static char path[256];
	struct cdbx_make *mk;
	const char *why;
	size_t line;

	snprintf(path, sizeof path, "%s/cdb", dir);
	mk = cdbx_make_start(path);
	if (mk == NULL ||
	    users_parse(assign, strlen(assign), add, mk, &line, &why) !=
		USERS_PARSE_OK ||
	    !cdbx_make_finish(mk)) {
		printf("Bail out! cannot build %s\n", path);
		exit(1);
	}
	return path;
}

static void
test_lookup(void)
{
	static const char assign[] = "=zeke:john:100:101:/home/john:-:zeke:\n"
				     "=john:john:100:101:/home/john:::\n"
				     "+john-:john:100:101:/home/john:-::\n"
				     "+virt-:v:200:201:/var/v:-:d-:\n"
				     "+virt-sub-:s:300:301:/var/s:-:e-:\n"
				     "+:alias:7:8:/var/alias:-::\n"
				     ".\n";
	static const struct {
		const char *local;
		enum users_status st;
		const char *user, *home, *dash, *ext;
		long uid;
	} cases[] = {
	    {"zeke", USERS_FOUND, "john", "/home/john", "-", "zeke", 100},
	    {"ZEKE", USERS_FOUND, "john", "/home/john", "-", "zeke", 100},
	    {"john", USERS_FOUND, "john", "/home/john", "", "", 100},
	    {"john-test", USERS_FOUND, "john", "/home/john", "-", "test", 100},
	    {"John-Test", USERS_FOUND, "john", "/home/john", "-", "Test", 100},
	    {"virt-bob", USERS_FOUND, "v", "/var/v", "-", "d-bob", 200},
	    {"virt-sub-bob", USERS_FOUND, "s", "/var/s", "-", "e-bob", 300},
	    {"virt-subbob", USERS_FOUND, "v", "/var/v", "-", "d-subbob", 200},
	    {"virt-", USERS_FOUND, "v", "/var/v", "-", "d-", 200},
	    {"zeke-x", USERS_FOUND, "alias", "/var/alias", "-", "zeke-x", 7},
	    {"nobody", USERS_FOUND, "alias", "/var/alias", "-", "nobody", 7},
	};
	struct users_entry e = USERS_ENTRY_INIT;
	struct cdbx *db;
	size_t i;

	db = cdbx_open(build(assign));
	ok(db != NULL, "open users/cdb");
	for (i = 0; db && i < sizeof cases / sizeof cases[0]; i++) {
		const char *n = cases[i].local;

		is_num(users_lookup(db, n, &e), cases[i].st, n);
		is_str(e.user, cases[i].user, n);
		is_num(e.uid, cases[i].uid, n);
		is_str(e.home, cases[i].home, n);
		is_str(e.dash, cases[i].dash, n);
		is_str(e.ext, cases[i].ext, n);
	}
	cdbx_close(db);

	db = cdbx_open(build("=john:john:100:101:/home/john:::\n.\n"));
	is_num(users_lookup(db, "johnny", &e), USERS_NOTFOUND,
	       "no + lines: prefixes are not tried");
	is_num(users_lookup(db, "john-x", &e), USERS_NOTFOUND, "= is exact");
	cdbx_close(db);
	users_entry_free(&e);
}

static void
test_corrupt(void)
{
	static char path[256];
	struct users_entry e = USERS_ENTRY_INIT;
	struct cdbx_make *mk;
	struct cdbx *db;

	/* a valid cdb without the wildchars key is not a users/cdb */
	snprintf(path, sizeof path, "%s/other", dir);
	mk = cdbx_make_start(path);
	cdbx_make_add(mk, "!x", 2, "y", 1);
	cdbx_make_finish(mk);
	db = cdbx_open(path);
	is_num(users_lookup(db, "x", &e), USERS_ERROR, "no wildchars key");
	cdbx_close(db);

	/* a record with too few fields */
	mk = cdbx_make_start(path);
	cdbx_make_add(mk, "", 0, "", 0);
	{
		static const char shortrec[] = "u\0001\0002";

		cdbx_make_add(mk, "!x\0", 3, shortrec, sizeof shortrec - 1);
	}
	cdbx_make_finish(mk);
	db = cdbx_open(path);
	is_num(users_lookup(db, "x", &e), USERS_ERROR, "short record");
	cdbx_close(db);
	users_entry_free(&e);
}

static void
test_decode(void)
{
	struct users_entry e = USERS_ENTRY_INIT;
	static const char good[] = "u\0001\0002\0/h\0-\0ext";

	ok(users_decode(&e, good, sizeof good), "six fields");
	is_str(e.ext, "ext", "ext");
	ok(!users_decode(&e, good, sizeof good - 1), "last \\0 missing");
	{
		static const char garbage[] = "u\0x\0002\0/h\0-\0e";
		static const char seven[] = "u\0001\0002\0/h\0-\0e\0f";

		ok(!users_decode(&e, garbage, sizeof garbage), "uid garbage");
		ok(!users_decode(&e, seven, sizeof seven), "seven fields");
	}
	users_entry_free(&e);
}

static void
cleanup(void)
{
	static const char *const names[] = {"cdb", "cdb.tmp", "other",
					    "other.tmp"};
	char path[256];
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 2;
	test_parse();
	test_lookup();
	test_corrupt();
	test_decode();
	cleanup();
	return done_testing();
}
