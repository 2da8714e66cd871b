/*
 * fuzz_gate_pfpolicy.c: libFuzzer harness for the Postfix policy request
 * parser of the gate (src/gate/pfpolicy.c), which reads what Postfix's
 * smtpd sends over [gate] postfix_policy. Any bytes (the server cuts a
 * request at its empty line and bounds it at 16 KiB): a request is either
 * refused, or names no user, or a user and a client address that parses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gate/internal.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *user, *ip;
	unsigned char addr[16];
	char *req;

	if (size > 16 << 10)
		return 0;
	req = xmalloc(size + 1);
	memcpy(req, data, size);
	req[size] = '\0';
	if (gate_pf_parse(req, &user, &ip) == 0) {
		CHECK(user == NULL || *user != '\0');
		CHECK(user == NULL ||
		      (ip != NULL && gate_addr_parse(ip, addr) == 0));
		CHECK(user == NULL || strchr(user, '\n') == NULL);
	}
	free(req);
	return 0;
}
