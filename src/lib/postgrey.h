/*
 * postgrey.h - the client side of the Postfix policy delegation protocol
 * (postfix SMTPD_POLICY_README), as qmail-smtpd's POSTGREY uses it to ask
 * a greylisting server such as postgrey (s/qmail 4's qmail-postgrey).
 *
 * A request is "name=value" lines ending with an empty line; the answer
 * is "action=..." and an empty line. Values that came from a peer are
 * made safe (control characters become '?', at most POSTGREY_VALUE_MAX
 * bytes) so they cannot inject attributes. DEFER_IF_PERMIT, DEFER,
 * DEFER_IF_REJECT and 4xx actions mean "greylisted"; every other action
 * (DUNNO, PREPEND ..., OK, REJECT, 5xx) lets the recipient pass: this
 * client only greylists. Nothing here exits; not for signal handlers.
 */
#ifndef POSTGREY_H
#define POSTGREY_H

#include <stdbool.h>
#include <stddef.h>

#include "ipaddr.h"
#include "strbuf.h"

#define POSTGREY_PORT      10023
#define POSTGREY_VALUE_MAX 512
#define POSTGREY_REPLY_MAX 1024

struct postgrey_query {
	const char *client_address, *client_name, *helo_name;
	const char *sender, *recipient, *protocol_name;
	unsigned long recipient_count;
};

enum postgrey_action {
	POSTGREY_PASS,       /* DUNNO and anything but a deferral */
	POSTGREY_GREYLISTED, /* DEFER_IF_PERMIT, DEFER..., 4xx */
	POSTGREY_ERROR       /* no usable answer */
};

/* postgrey_parse_spec: "ip[%netid][;port]" (the port defaults to
 * POSTGREY_PORT); false when malformed */
bool postgrey_parse_spec(const char *spec, struct ipaddr *ip, unsigned *port);
/* postgrey_request: the request text for Q into OUT; false on ENOMEM */
bool postgrey_request(struct strbuf *out, const struct postgrey_query *q);
/* postgrey_parse_reply: the action in the answer BUF of LEN bytes;
 * POSTGREY_ERROR unless it holds "action=" and ends with an empty line */
enum postgrey_action postgrey_parse_reply(const char *buf, size_t len);
/* postgrey_ask: sends Q to IP:PORT and reads the answer within TIMEOUT
 * seconds; POSTGREY_ERROR when the server is unreachable or silent */
enum postgrey_action postgrey_ask(const struct ipaddr *ip, unsigned port,
    const struct postgrey_query *q, unsigned timeout);

#endif
