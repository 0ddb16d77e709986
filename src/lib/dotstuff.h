/*
 * dotstuff.h - turning a queued message into an SMTP DATA body (the
 * client side; smtpdata.h is the server side's decoder).
 *
 * The queue holds messages as they were given: usually LF line ends, but a
 * bare CR, a CR LF or a missing final line end can all occur. On the wire
 * every line must end in CR LF and every line starting with '.' must get
 * one more '.' (RFC 5321 4.5.2). The encoder first splits lines at every
 * CR LF, bare LF and bare CR, and then stuffs dots, so no byte sequence in
 * the message can put "CR LF . CR LF" on the wire before the real end
 * (no outbound SMTP smuggling). A missing final line end is added rather
 * than refusing the message. The output is owned by the caller. Nothing
 * here exits.
 */
#ifndef DOTSTUFF_H
#define DOTSTUFF_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

struct dotstuff_info {
	size_t size;	/* octets with CR LF line ends, before stuffing:
			   the SIZE= value of RFC 1870 */
	bool eightbit;	/* a byte >= 0x80 occurs: BODY=8BITMIME */
};

/* dotstuff_encode: appends the DATA body of MSG, ending with ".\r\n", to
 * OUT and describes it in INFO; false on ENOMEM or EOVERFLOW */
bool dotstuff_encode(struct strbuf *out, const char *msg, size_t len,
    struct dotstuff_info *info);

#endif
