/*
 * fuzz_insp_badge.c: libFuzzer harness for the recognition of govsec
 * badge URLs in a portal's links (marks_badge_id, LOGO-1): the input's
 * first line is the list of base URLs, the rest the URL. Checks that a
 * recognised badge has an id of 16 lower-case hex digits that follows
 * "/v1/logo/" in the URL, that an unrecognised one leaves the id empty,
 * and that the verdict on a logo naming the URL's text as its domains is
 * one of the defined ones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl;
	char *bases, *url, id[17];
	struct insp_logo l;
	const char *v;
	size_t nb;

	if (size > 16384)
		return 0;
	nl = memchr(data, '\n', size);
	nb = nl != NULL ? (size_t)(nl - (const char *)data) : 0;
	bases = xmalloc(nb + 1);
	memcpy(bases, data, nb);
	bases[nb] = '\0';
	url = xmalloc(size - nb + 1);
	memcpy(url, data + nb + (nl != NULL), size - nb - (nl != NULL));
	url[size - nb - (nl != NULL)] = '\0';
	if (marks_badge_id(url, bases, id)) {
		char tail[9 + 17];

		CHECK(strlen(id) == 16);
		CHECK(strspn(id, "0123456789abcdef") == 16);
		memcpy(tail, "/v1/logo/", 9);
		memcpy(tail + 9, id, 17);
		CHECK(strstr(url, tail) != NULL);
		CHECK(strncasecmp(url, "http", 4) == 0);
		CHECK(strchr(bases, '/') != NULL);
	} else {
		CHECK(id[0] == '\0');
	}
	memset(&l, 0, sizeof(l));
	str_copy(l.unit, "11440000MB2C92290G", sizeof(l.unit));
	str_copy(l.domains, bases, sizeof(l.domains));
	v = marks_badge_verdict(&l, url);
	CHECK(!strcmp(v, "valid") || !strcmp(v, "copied"));
	free(bases);
	free(url);
	return 0;
}
