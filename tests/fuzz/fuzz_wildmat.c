/* fuzz_wildmat.c - wildmat and the badmailfrom matcher: the input is
 * "pattern\ntext"; lines before the last one also serve as a control
 * file for policy_badmailfrom. Must terminate quickly on any input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "policy.h"
#include "wildmat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strlist lines = STRLIST_INIT;
	struct policy_sender ps;
	char *buf, *nl;
	char form;

	if (size > 4096 || (buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	nl = strchr(buf, '\n');
	if (nl != NULL) {
		*nl = '\0';
		(void)wildmat(buf, nl + 1);
		*nl = '\n';
	}
	if (ctl_split_lines(&lines, buf, strlen(buf)) && lines.len > 0) {
		ps.sender = lines.items[lines.len - 1];
		ps.remotehost = lines.items[0];
		ps.relayclient = size & 1;
		(void)policy_badmailfrom(&lines, &ps, &form);
		(void)policy_list_match(&lines, ps.sender);
		(void)policy_rcpthosts(&lines, ps.sender);
	}
	strlist_free(&lines);
	free(buf);
	return 0;
}
