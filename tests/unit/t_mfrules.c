/* t_mfrules.c - control/mailfromrules: source parsing, the right-anchored
 * sender lists and s/qmail's key order, against a table-backed fake cdb. */
#include <string.h>

#include "mfrules.h"
#include "tap.h"

static const struct {
	const char *list, *sender;
	bool want;
} lists[] = {
    {"", "a@b.example", true},
    {"@example.com", "u@example.com", true},
    {"@example.com", "u@sub.example.com", false},
    {"example.com", "u@sub.example.com", true},
    {"u@example.com", "u@example.com", true},
    {"u@example.com", "v@example.com", false},
    {"a@x.example,@example.com", "z@example.com", true},
    {"a@x.example,@example.com", "a@x.example", true},
    {"a@x.example,@example.com", "b@x.example", false},
    {"@example.com", "com", false},
};

static const struct {
	const char *line;
	bool ok;
	const char *keys, *value; /* keys joined by ' ' */
} parses[] = {
    {"Alice&Alice@Example.com,@example.org", true, "alice",
	"alice@example.com,@example.org"},
    {"10.0.1-3.&@lan.example", true, "10.0.1. 10.0.2. 10.0.3.", "@lan.example"},
    {"10.0.250-300.&@x", true,
	"10.0.250. 10.0.251. 10.0.252. 10.0.253. 10.0.254. 10.0.255.", "@x"},
    {"=.example.net&", true, "=.example.net", ""},
    {"=&@example.net", true, "=", "@example.net"},
    {"bob@=host-1.example&b@example.com", true, "bob@=host-1.example",
	"b@example.com"},
    {"2001:db8:1:&@v6.example   ", true, "2001:db8:1:", "@v6.example"},
    {"# comment", true, "", ""},
    {"", true, "", ""},
    {"no-ampersand", false, NULL, NULL},
    {"&@x.example", false, NULL, NULL},
    {"k&a,,b", false, NULL, NULL},
    {"k&,a", false, NULL, NULL},
    {"k&a,", false, NULL, NULL},
    {"k&a b", false, NULL, NULL},
    {"10.0.5-3.&@x", false, NULL, NULL},
    {"10.0.a-3.&@x", false, NULL, NULL},
};

/* the fake cdb: key -> value */
static const char *const db[][2] = {
    {"alice", "alice@example.com"},
    {"alice@10.1.1.1", "@special.example"},
    {"10.9.9.9", "@exact.example"},
    {"=mx.partner.example", "@partner.example"},
    {"10.2.", "@net2.example"},
    {"10.2.3.", "@net23.example"},
    {"2001:db8:1:", "@v6.example"},
    {"=.hosts.example", "@hosts.example"},
    {"=", "@anyhost.example"},
    {"10.7.", ""},
};

static int
lookup(void *ctx, const char *key, size_t len, struct strbuf *out)
{
	size_t i;

	(void)ctx;
	if (len == 6 && memcmp(key, "10.66.", 6) == 0)
		return -1;
	for (i = 0; i < sizeof db / sizeof db[0]; i++)
		if (strlen(db[i][0]) == len && memcmp(db[i][0], key, len) == 0)
			return strbuf_copys(out, db[i][1]) ? 1 : -1;
	return 0;
}

static const struct {
	const char *ip, *host, *info, *sender;
	enum mfrules_result want;
} checks[] = {
    {"10.1.1.1", NULL, "alice", "Alice@Example.com", MFRULES_ALLOW},
    {"10.1.1.1", NULL, "alice", "x@special.example", MFRULES_ALLOW},
    {"10.1.1.2", NULL, "alice", "x@special.example", MFRULES_DENY},
    {"10.1.1.2", NULL, NULL, "", MFRULES_ALLOW},
    {"10.9.9.9", NULL, NULL, "u@exact.example", MFRULES_ALLOW},
    {"10.9.9.9", NULL, NULL, "u@other.example", MFRULES_DENY},
    {"10.5.5.5", "mx.partner.example", NULL, "u@partner.example",
	MFRULES_ALLOW},
    {"10.5.5.5", "mx.hosts.example", NULL, "u@hosts.example", MFRULES_ALLOW},
    {"10.5.5.5", "a.b.hosts.example", NULL, "u@hosts.example", MFRULES_ALLOW},
    {"10.5.5.5", "mx.other.example", NULL, "u@anyhost.example", MFRULES_ALLOW},
    {"10.5.5.5", "unknown", NULL, "u@anyhost.example", MFRULES_DENY},
    {"10.2.3.4", NULL, NULL, "u@net23.example", MFRULES_ALLOW},
    {"10.2.3.4", NULL, NULL, "u@net2.example", MFRULES_ALLOW},
    {"10.2.4.4", NULL, NULL, "u@net23.example", MFRULES_DENY},
    {"::ffff:10.2.4.4", NULL, NULL, "u@net2.example", MFRULES_ALLOW},
    {"2001:db8:1:2::5", NULL, NULL, "u@v6.example", MFRULES_ALLOW},
    {"2001:db8:2::5", NULL, NULL, "u@v6.example", MFRULES_DENY},
    {"10.7.1.1", NULL, NULL, "anyone@anywhere.example", MFRULES_ALLOW},
    {"10.66.1.1", NULL, NULL, "u@x.example", MFRULES_ERROR},
};

int
main(void)
{
	size_t i, k;

	for (i = 0; i < sizeof lists / sizeof lists[0]; i++)
		ok(mfrules_list_allows(lists[i].list, strlen(lists[i].list),
		       lists[i].sender) == lists[i].want,
		    "list '%s' sender %s", lists[i].list, lists[i].sender);
	for (i = 0; i < sizeof parses / sizeof parses[0]; i++) {
		struct strlist keys = STRLIST_INIT;
		struct strbuf val = STRBUF_INIT, joined = STRBUF_INIT;
		const char *why = NULL;
		bool r = mfrules_parse(parses[i].line, &keys, &val, &why);

		if (!ok(r == parses[i].ok, "parse '%s'", parses[i].line))
			printf("#   why: %s\n", why ? why : "-");
		if (r && parses[i].ok) {
			for (k = 0; k < keys.len; k++) {
				if (k > 0)
					(void)strbuf_appendc(&joined, ' ');
				(void)strbuf_appends(&joined, keys.items[k]);
			}
			(void)strbuf_terminate(&joined);
			is_str(joined.data, parses[i].keys, "keys");
			is_str(
			    val.data ? val.data : "", parses[i].value, "value");
		}
		strlist_free(&keys);
		strbuf_free(&val);
		strbuf_free(&joined);
	}
	for (i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		struct mfrules_client c = {
		    checks[i].ip, checks[i].host, checks[i].info};

		is_num(mfrules_check(lookup, NULL, &c, checks[i].sender),
		    checks[i].want, checks[i].sender);
	}
	return done_testing();
}
