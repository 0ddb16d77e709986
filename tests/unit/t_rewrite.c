/* t_rewrite.c - unit tests for recipient routing (src/lib/rewrite.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rewrite.h"
#include "tap.h"

struct rcase {
	const char *name, *addr;
	enum rewrite_route route;
	const char *want;
};

static void
lines(struct strlist *sl, const char *const *v)
{
	strlist_free(sl);
	for (; *v; v++)
		strlist_pushs(sl, *v);
}

static void
run(const struct rewrite *rw, const struct rcase *c, size_t n)
{
	struct strbuf out = STRBUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		enum rewrite_route r =
		    rewrite_addr(rw, c[i].addr, strlen(c[i].addr), &out);
		is_num(r, c[i].route, c[i].name);
		strbuf_terminate(&out);
		is_str(out.data, c[i].want, c[i].name);
	}
	strbuf_free(&out);
}

/* seed 002 ("Power of the virtualdomains File"), line by line */
static void
test_seed_002(void)
{
	static const char *const vd[] = {"example.com:foo",
					 ".example.com:foo-bar",
					 "two.example.com:baz",
					 "waldo@domain.com:qux",
					 "domain.com:",
					 ":garply",
					 NULL};
	static const char *const loc[] = {"host.example", NULL};
	static const struct rcase cases[] = {
	    {"seed 1: example.com:foo", "user@example.com", REWRITE_LOCAL,
	     "foo-user@example.com"},
	    {"seed 2: .example.com:foo-bar", "user@something.example.com",
	     REWRITE_LOCAL, "foo-bar-user@something.example.com"},
	    {"seed 3: two.example.com beats .example.com",
	     "user@two.example.com", REWRITE_LOCAL, "baz-user@two.example.com"},
	    {"seed 4: waldo@domain.com:qux", "waldo@domain.com", REWRITE_LOCAL,
	     "qux-waldo@domain.com"},
	    /* qmail's rule for an empty prefix: an exception to
	     * virtualdomains, so the catch-all does not take it; the
	     * address is routed as if virtualdomains did not exist
	     * (remote unless control/locals lists domain.com) */
	    {"seed 5: domain.com: is an exception", "other@domain.com",
	     REWRITE_REMOTE, "other@domain.com"},
	    {"seed 6: :garply catches the rest", "someone@somewhere.org",
	     REWRITE_LOCAL, "garply-someone@somewhere.org"},
	    {"deeper below .example.com", "u@a.b.example.com", REWRITE_LOCAL,
	     "foo-bar-u@a.b.example.com"},
	    {"below two.example.com is .example.com", "u@x.two.example.com",
	     REWRITE_LOCAL, "foo-bar-u@x.two.example.com"},
	    {"case-insensitive match, case kept", "User@Example.COM",
	     REWRITE_LOCAL, "foo-User@Example.COM"},
	    {"locals first", "joe@host.example", REWRITE_LOCAL,
	     "joe@host.example"},
	    {"locals case-insensitive", "joe@HOST.example", REWRITE_LOCAL,
	     "joe@HOST.example"},
	    {"no @: envnoathost, then locals", "joe", REWRITE_LOCAL,
	     "joe@host.example"},
	    {"not the domain of waldo", "waldo@sub.domain.com", REWRITE_LOCAL,
	     "garply-waldo@sub.domain.com"},
	};
	struct rewrite rw;
	struct strlist sl = STRLIST_INIT;

	rewrite_init(&rw);
	lines(&sl, vd);
	ok(rewrite_set_vdoms(&rw, &sl), "set virtualdomains");
	lines(&sl, loc);
	ok(rewrite_set_locals(&rw, &sl), "set locals");
	ok(rewrite_set_envnoathost(&rw, "host.example"), "set envnoathost");
	run(&rw, cases, sizeof cases / sizeof cases[0]);

	/* bounces show the address before the prefix was added */
	is_str(rewrite_strip_vdom(&rw, "foo-user@example.com"),
	       "user@example.com", "strip foo-");
	is_str(rewrite_strip_vdom(&rw, "foo-bar-user@something.example.com"),
	       "user@something.example.com", "strip foo-bar-");
	is_str(rewrite_strip_vdom(&rw, "garply-x@somewhere.org"),
	       "x@somewhere.org", "strip catch-all prefix");
	is_str(rewrite_strip_vdom(&rw, "qux-waldo@domain.com"),
	       "qux-waldo@domain.com", "exception domain: kept, as qmail");
	is_str(rewrite_strip_vdom(&rw, "other-user@example.com"),
	       "other-user@example.com", "prefix does not match: kept");
	is_str(rewrite_strip_vdom(&rw, "nodomain"), "nodomain", "no @");
	strlist_free(&sl);
	rewrite_free(&rw);
}

static void
test_rules(void)
{
	static const char *const vd[] = {"v.example:pre",
					 "v.example:last",
					 "# comment lines never reach here",
					 "nocolon.example",
					 "x@w.example:",
					 "w.example:wpre",
					 NULL};
	static const char *const ph[] = {"relay.example", NULL};
	static const struct rcase cases[] = {
	    {"last duplicate wins", "a@v.example", REWRITE_LOCAL,
	     "last-a@v.example"},
	    {"line without colon ignored", "a@nocolon.example", REWRITE_REMOTE,
	     "a@nocolon.example"},
	    {"user exception beats domain", "x@w.example", REWRITE_REMOTE,
	     "x@w.example"},
	    {"domain rule for others", "y@w.example", REWRITE_LOCAL,
	     "wpre-y@w.example"},
	    {"no catch-all: remote", "a@else.example", REWRITE_REMOTE,
	     "a@else.example"},
	    {"percenthack", "u%v.example@relay.example", REWRITE_LOCAL,
	     "last-u@v.example"},
	    {"percenthack twice",
	     "u%remote.example%relay.example@"
	     "relay.example",
	     REWRITE_REMOTE, "u@remote.example"},
	    {"percent kept elsewhere", "u%v.example@other.example",
	     REWRITE_REMOTE, "u%v.example@other.example"},
	    {"percenthack without %", "u@relay.example", REWRITE_REMOTE,
	     "u@relay.example"},
	    {"empty address", "", REWRITE_REMOTE, "@envnoathost"},
	    {"last @ is the domain", "a@b@v.example", REWRITE_LOCAL,
	     "last-a@b@v.example"},
	};
	struct rewrite rw;
	struct strlist sl = STRLIST_INIT;

	rewrite_init(&rw);
	lines(&sl, vd);
	rewrite_set_vdoms(&rw, &sl);
	lines(&sl, ph);
	rewrite_set_percenthack(&rw, &sl);
	rewrite_set_envnoathost(&rw, "envnoathost");
	run(&rw, cases, sizeof cases / sizeof cases[0]);
	strlist_free(&sl);
	rewrite_free(&rw);
}

static void
test_verp(void)
{
	static const struct {
		const char *name, *sender, *recip, *want;
	} cases[] = {
	    {"plain sender", "a@b.example", "r@c.example", "a@b.example"},
	    {"VERP", "owner-@list.example-@[]", "joe@c.example",
	     "owner-joe=c.example@list.example"},
	    {"VERP, recipient without @", "owner-@list.example-@[]", "joe",
	     "owner-@list.example-@[]"},
	    {"empty", "", "r@c.example", ""},
	};
	struct strbuf out = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		out.len = 0;
		ok(rewrite_verp_sender(&out, cases[i].sender, cases[i].recip),
		   "%s: ok", cases[i].name);
		strbuf_terminate(&out);
		is_str(out.data, cases[i].want, cases[i].name);
	}
	strbuf_free(&out);
}

static void
put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/control/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void
test_load(void)
{
	char dir[] = "/tmp/t_rewrite.XXXXXX", path[256];
	struct strbuf out = STRBUF_INIT;
	const char *failed;
	struct rewrite rw;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/control", dir);
	mkdir(path, 0755);

	rewrite_init(&rw);
	is_num(rewrite_load(&rw, dir, &failed), CTL_OK, "no files at all");
	is_num(rewrite_addr(&rw, "a", 1, &out), REWRITE_REMOTE,
	       "no me: nothing is local");
	strbuf_terminate(&out);
	is_str(out.data, "a@envnoathost", "envnoathost's own default");
	rewrite_free(&rw);

	put(dir, "me", "me.example\n");
	put(dir, "virtualdomains", "# comment\nv.example:vu\n\n");
	rewrite_init(&rw);
	is_num(rewrite_load(&rw, dir, &failed), CTL_OK, "me only");
	is_num(rewrite_addr(&rw, "a", 1, &out), REWRITE_LOCAL,
	       "locals and envnoathost default to me");
	strbuf_terminate(&out);
	is_str(out.data, "a@me.example", "a@me");
	is_num(rewrite_addr(&rw, "b@v.example", 11, &out), REWRITE_LOCAL,
	       "virtualdomains read");
	rewrite_free(&rw);

	put(dir, "locals", "other.example\n");
	rewrite_init(&rw);
	rewrite_load(&rw, dir, &failed);
	is_num(rewrite_addr(&rw, "a@me.example", 12, &out), REWRITE_REMOTE,
	       "a locals file replaces the default");
	rewrite_free(&rw);

	snprintf(path, sizeof path, "%s/control/virtualdomains", dir);
	unlink(path);
	mkdir(path, 0755);
	rewrite_init(&rw);
	is_num(rewrite_load(&rw, dir, &failed), CTL_ERROR,
	       "unreadable virtualdomains is an error");
	is_str(failed, "control/virtualdomains", "which file failed");
	rewrite_free(&rw);
	rmdir(path);

	{
		snprintf(path, sizeof path, "%s/control/me", dir);
		unlink(path);
		snprintf(path, sizeof path, "%s/control/locals", dir);
		unlink(path);
		snprintf(path, sizeof path, "%s/control", dir);
		rmdir(path);
		rmdir(dir);
	}
	strbuf_free(&out);
}

int
main(void)
{
	test_seed_002();
	test_rules();
	test_verp();
	test_load();
	return done_testing();
}
