/*
 * fuzz_insp_extract.c: libFuzzer harness for the HTML extractor (any bytes
 * as a page, fed in chunks whose sizes come from the input) and the URL
 * resolution of what it finds. Checks that every link is a NUL-terminated
 * string of bounded length with a known kind and that resolved URLs are
 * http(s).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract *x;
	struct xpage *p;
	size_t off = 0, step;

	if (size > (1u << 20))
		return 0;
	x = extract_new(size > 0 && data[0] & 1 ? "logo" : NULL,
			size > 0 && data[0] & 2 ? "utf-8" : NULL);
	step = size > 1 ? (size_t)data[1] % 64 + 1 : 1;
	while (off < size) {
		size_t n = size - off < step ? size - off : step;

		extract_feed(x, (const char *)data + off, n);
		off += n;
	}
	p = extract_finish(x);
	CHECK(p->nlinks <= 20000);
	for (size_t i = 0; i < p->nlinks; i++) {
		char *u;

		CHECK(p->links[i].url != NULL && p->links[i].kind != NULL);
		CHECK(strlen(p->links[i].url) <= 8192);
		u = url_resolve("http://www.example.gov.cn/a/b.html",
				p->links[i].url, NULL);
		CHECK(u == NULL || str_starts(u, "http://") ||
		      str_starts(u, "https://"));
		free(u);
	}
	CHECK(p->footer.len <= p->footer.max && p->text.len <= p->text.max);
	extract_free(x);
	return 0;
}
