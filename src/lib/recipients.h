/*
 * recipients.h - s/qmail's control/recipients: which local addresses exist
 * (qmail-smtpd(8), RECIPIENTS).
 *
 * Each line of control/recipients is one of
 *   !domain          accept every address of DOMAIN (wildcard domain)
 *   !*               accept any address whose domain no earlier line named
 *   [@]domain:path   look the address up in the cdb PATH ("@": DOMAIN
 *   [@]domain|prog   exactly; without it DOMAIN and its subdomains), or
 *                    run the checkpassword-style PROG ARGS with
 *                    "address\0\0\0" on fd 3 (0 = exists, 111 = temporary,
 *                    anything else = no)
 *   *:path  *|prog   the same for every domain
 *   path             legacy: a cdb for the domains no earlier line named
 * Lines are tried in order and the first positive answer wins. The cdb is
 * fastforward-compatible: key ":" + the lower-cased address, any value
 * (qmail-recipients(8) builds it from users/recipients). An address
 * without '@' is looked up as address@localhost; for an address with the
 * VERP break ('-') in its local part, "prefix-@domain" is tried too.
 * A named cdb that is missing or unreadable, and a program that fails
 * temporarily, make the answer temporary: never a 550 by accident.
 * Nothing here exits; programs run through checkpw_run. Not for signal
 * handlers.
 */
#ifndef RECIPIENTS_H
#define RECIPIENTS_H

#include <stdbool.h>

#include "strbuf.h"

enum recipients_result {
	RECIPIENTS_NOTFOUND, /* no line accepted the address: 550 / 450 */
	RECIPIENTS_CDB, /* found in a cdb */
	RECIPIENTS_PAM, /* a program said yes */
	RECIPIENTS_WILD, /* a "!domain" line */
	RECIPIENTS_PASS, /* "!*": no line is responsible */
	RECIPIENTS_TEMP /* a cdb or program failed: 451 */
};

#define RECIPIENTS_BREAK    '-'
#define RECIPIENTS_ARGS_MAX 16

/* recipients_check: decides ADDR (as given in RCPT, any case) against
 * LINES (control/recipients, not lower-cased); TIMEOUT bounds each
 * program (seconds, 0: none). RECIPIENTS_TEMP sets errno when a cdb was
 * the cause. No lines at all is RECIPIENTS_PASS. */
enum recipients_result recipients_check(
    const struct strlist *lines, const char *addr, unsigned timeout);
/* recipients_name: the log condition ("Recipients_Cdb", ...) */
const char *recipients_name(enum recipients_result r);

#endif
