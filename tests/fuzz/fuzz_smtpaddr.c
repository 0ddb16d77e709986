/* fuzz_smtpaddr.c - the envelope path parser on arbitrary bytes: never a
 * crash, never a control character or an over-long part in the output. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smtpaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpaddr a = SMTPADDR_INIT;
	size_t rest, i;
	int utf8;

	for (utf8 = 0; utf8 < 2; utf8++) {
		if (smtpaddr_parse(&a, (const char *)data, size, utf8, &rest) !=
		    SMTPADDR_OK)
			continue;
		if (rest > size || a.at > a.addr.len)
			__builtin_trap();
		for (i = 0; i < a.addr.len; i++)
			if ((unsigned char)a.addr.data[i] < ' ' ||
			    a.addr.data[i] == 127 ||
			    (!utf8 && (unsigned char)a.addr.data[i] >= 0x80))
				__builtin_trap();
		if (a.at > SMTPADDR_LOCAL_MAX ||
		    strlen(smtpaddr_domain(&a)) > SMTPADDR_DOMAIN_MAX)
			__builtin_trap();
	}
	smtpaddr_free(&a);
	return 0;
}
