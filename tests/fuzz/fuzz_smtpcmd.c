/* fuzz_smtpcmd.c - the SMTP command line path of qmail-smtpd: split the
 * line, then parse a MAIL/RCPT path and the MAIL parameters. */
#include <stddef.h>
#include <stdint.h>

#include "smtpaddr.h"
#include "smtpcmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	struct smtpaddr a = SMTPADDR_INIT;
	struct smtpcmd_mailparams mp;
	size_t arg, alen, pre, rest;
	enum smtpcmd cmd;

	if (smtpcmd_parse(line, size, &cmd, &arg, &alen) != SMTPCMD_OK)
		return 0;
	if (cmd != SMTPCMD_MAIL && cmd != SMTPCMD_RCPT)
		return 0;
	pre = smtpcmd_prefix(line + arg, alen,
	    cmd == SMTPCMD_MAIL ? "FROM:" : "TO:");
	if (pre == 0)
		return 0;
	if (smtpaddr_parse(&a, line + arg + pre, alen - pre, size & 1,
		&rest) == SMTPADDR_OK) {
		if (rest > alen - pre || a.addr.data[a.addr.len] != '\0')
			__builtin_trap();
		(void)smtpcmd_mail_params(line + arg + pre + rest,
		    alen - pre - rest, &mp);
	}
	smtpaddr_free(&a);
	return 0;
}
