/*
 * fuzz_cf_complaint.c: libFuzzer harness for cf_complaint_parse(), the
 * parser of a complaint's JSON from anyone on the public listener, and
 * cf_candidate_norm() over what it accepts. Input is any bytes; it checks
 * that an accepted complaint has a known kind, fields within their limits
 * and free of control characters, that a normalised domain is lower case
 * ASCII, and that every refusal names the field in one line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "counterfeit/cases.h"

#include "fuzz.h"

static void
check_text(const char *s, size_t max, int lines)
{
	size_t n = strnlen(s, max + 1);

	CHECK(n <= max);
	CHECK(str_utf8_valid(s, n));
	CHECK(lines || strpbrk(s, "\t\r\n") == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_complaint_in *in = xcalloc(1, sizeof(*in));
	char out[CF_CANDIDATE_MAX];
	struct err e;

	e.msg[0] = '\0';
	if (cf_complaint_parse((const char *)data, size, in, &e) < 0) {
		CHECK(e.msg[0] != '\0');
		CHECK(strchr(e.msg, '\n') == NULL);
		CHECK(str_utf8_valid(e.msg, strlen(e.msg)));
		CHECK(in->kind[0] == '\0'); /* nothing half-filled */
		free(in);
		return 0;
	}
	CHECK(!strcmp(in->kind, "domain") || !strcmp(in->kind, "app") ||
	      !strcmp(in->kind, "account"));
	CHECK(!strcmp(in->lang, "zh") || !strcmp(in->lang, "en"));
	CHECK(in->target[0] != '\0' && in->challenge[0] != '\0');
	check_text(in->target, sizeof(in->target) - 1, 0);
	check_text(in->platform, sizeof(in->platform) - 1, 0);
	check_text(in->description, sizeof(in->description) - 1, 1);
	check_text(in->contact, sizeof(in->contact) - 1, 0);
	CHECK(strspn(in->nonce, "0123456789abcdefABCDEF") == strlen(in->nonce));
	if (cf_candidate_norm(in->kind, in->target, out, sizeof(out), &e) ==
		0 &&
	    !strcmp(in->kind, "domain")) {
		for (const char *p = out; *p != '\0'; p++)
			CHECK((*p >= 'a' && *p <= 'z') ||
			      (*p >= '0' && *p <= '9') || *p == '-' ||
			      *p == '.');
	}
	/* what is not solved is never taken */
	CHECK(!cf_pow_solved(in->challenge, in->nonce, 256) ||
	      in->challenge[0] == '\0');
	free(in);
	return 0;
}
