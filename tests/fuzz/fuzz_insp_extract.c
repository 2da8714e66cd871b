/*
 * fuzz_insp_extract.c: libFuzzer harness for the HTML extractor (any bytes
 * as a page, fed in chunks whose sizes come from the input), the URL
 * resolution of what it finds, and what marks.c reads from the page (footer
 * marks, dated items, the column judgement). Checks that every link is a
 * NUL-terminated string of bounded length with a known kind, that resolved
 * URLs are http(s) and that titles, link texts and column names stay
 * within their limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

#include "fuzz.h"

static struct insp_words *words;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract *x;
	struct xpage *p;
	size_t off = 0, step;
	struct marks m;
	struct insp_column col;
	char newest[11];

	if (size > (1u << 20))
		return 0;
	if (words == NULL) {
		struct err e;

		words = words_load(GOVSEC_DATADIR "/inspect", &e);
		CHECK(words != NULL);
	}
	x = extract_new(size > 0 && data[0] & 1 ? "logo" : NULL,
			size > 0 && data[0] & 2 ? "utf-8" : NULL);
	if (size > 0 && data[0] & 4)
		extract_keep(x, data[0] & 8 ? XK_TEXT : 0);
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
	CHECK(strlen(p->title) < XP_TEXT_MAX &&
	      strlen(p->heading) < XP_TEXT_MAX);
	marks_read(p, &m);
	(void)marks_missing(NULL, &m);
	marks_cleanup(&m);
	CHECK(marks_dates(p->text.data, 1700000000, newest) >= 0);
	for (size_t i = 0; i < p->nlinks && i < 8; i++) {
		CHECK(p->links[i].text == NULL ||
		      strlen(p->links[i].text) < XP_TEXT_MAX);
		if (marks_column(words, "http://www.example.gov.cn/c/",
				 p->links[i].text, p, 1700000000, &col)) {
			CHECK(strlen(col.name) < 64);
			marks_column_free(&col);
		}
	}
	extract_free(x);
	return 0;
}
