/*
 * fuzz_http_head.c: libFuzzer harness for the door's judgement of a
 * request head (http_door_head_check, src/http/door.c), the first code to
 * read the bytes of a console or public client. The input is the start of
 * a request, in a buffer of exactly its size, so a read past it is caught
 * under ASan. A head judged good must keep the promises of http.h.
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = malloc(size ? size : 1);
	const char *end, *eol;
	int rc;

	CHECK(b != NULL);
	memcpy(b, data, size);
	rc = http_door_head_check(b, size);
	CHECK(rc == 0 || rc == 1 || rc == 400 || rc == 414 || rc == 431 ||
	      rc == 505);
	if (rc == 1) {
		end = memmem(b, size, "\r\n\r\n", 4);
		CHECK(end != NULL && end - b + 4 <= 32 * 1024);
		eol = memmem(b, size, "\r\n", 2);
		CHECK(eol - b >= 12); /* "M / HTTP/1.1" */
		CHECK(memcmp(eol - 8, "HTTP/1.1", 8) == 0 ||
		      memcmp(eol - 8, "HTTP/1.0", 8) == 0);
		for (const char *p = b; p < end; p++)
			CHECK(*p != '\0' && (*p != '\n' || p[-1] == '\r'));
	}
	if (rc == 0)
		CHECK(memmem(b, size, "\r\n\r\n", 4) == NULL);
	free(b);
	return 0;
}
