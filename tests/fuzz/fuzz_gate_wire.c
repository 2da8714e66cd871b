/*
 * fuzz_gate_wire.c: libFuzzer harness for wire_parse(), the gate
 * listener's HTTP/1.1 request-head parser. Input is any bytes as they
 * come off a connection, possibly several pipelined requests. A head is
 * either incomplete (0), refused with an HTTP status, or parsed into
 * fields that hold what the parser promises; the rest of the bytes are
 * parsed again as the next request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gate/wire.h"

#include "fuzz.h"

static int
lower_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((*s >= 'A' && *s <= 'Z') || (unsigned char)*s <= ' ' ||
		    *s == ':' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	size_t off = 0;

	CHECK(buf != NULL);
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (int round = 0; round < 8 && off < size; round++) {
		struct wire_req rq;
		int n = wire_parse(buf + off, size - off, &rq);

		if (n == 0) {
			CHECK(size - off < WIRE_HEAD_MAX);
			break;
		}
		if (n < 0) {
			CHECK(n == -400 || n == -413 || n == -431 ||
			      n == -501 || n == -505);
			break;
		}
		CHECK((size_t)n <= size - off && n <= WIRE_HEAD_MAX);
		CHECK(rq.method[0] >= 'A' && rq.method[0] <= 'Z');
		CHECK(rq.path[0] == '/' && strchr(rq.path, '?') == NULL);
		CHECK(rq.query != NULL && rq.minor >= 0 && rq.minor <= 9);
		CHECK(rq.content_length >= -1 &&
		      rq.content_length <= WIRE_BODY_MAX);
		CHECK(rq.nhdr >= 0 && rq.nhdr <= WIRE_HEADERS_MAX);
		for (int i = 0, hosts = 0; i < rq.nhdr; i++) {
			CHECK(lower_token(rq.name[i]));
			for (const char *c = rq.value[i]; *c != '\0'; c++)
				CHECK(
				    *c == '\t' ||
				    ((unsigned char)*c >= 0x20 && *c != 0x7f));
			CHECK(wire_header(&rq, rq.name[i]) != NULL);
			hosts += !strcmp(rq.name[i], "host");
			CHECK(hosts <= 1);
		}
		/* no NUL in a head taken (one would have cut it short) */
		CHECK(memchr(data + off, '\0', (size_t)n) == NULL);
		CHECK(wire_header(&rq, "transfer-encoding") == NULL);
		off += (size_t)n;
		if (rq.content_length > 0)
			off += (size_t)rq.content_length; /* the body */
	}
	free(buf);
	return 0;
}
