/*
 * fuzz_insp_extract.c: libFuzzer harness for the HTML extractor (any bytes
 * as a page, fed in chunks whose sizes come from the input), the URL
 * resolution of what it finds, and what marks.c reads from the page (footer
 * marks, dated items, the column judgement). Checks that every link is a
 * NUL-terminated string of bounded length with a known kind, that resolved
 * URLs are http(s), that titles, link texts and column names stay within
 * their limits, and that the page cut in chunks yields the same links,
 * title, heading, text and marks as the page parsed in one chunk, whatever
 * the bytes (bad UTF-8, NUL, GBK, any meta charset): every state of the
 * decoder, tokenizer and tree lives between chunks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

#include "fuzz.h"

static struct insp_words *words;

static struct extract *
extractor(const uint8_t *data, size_t size)
{
	struct extract *x;

	x = extract_new(size > 0 && data[0] & 1 ? "logo" : NULL,
			size == 0      ? NULL
			: data[0] & 16 ? "gbk"
			: data[0] & 2  ? "utf-8"
				       : NULL);
	if (size > 0 && data[0] & 4)
		extract_keep(x, data[0] & 8 ? XK_TEXT : 0);
	return x;
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The page in one chunk (w) and in pieces (p) are the same page. */
static void
check_same(const struct xpage *w, const struct xpage *p)
{
	struct marks mw, mp;

	CHECK(w->nlinks == p->nlinks);
	for (size_t i = 0; i < p->nlinks; i++) {
		CHECK(strcmp(w->links[i].url, p->links[i].url) == 0);
		CHECK(strcmp(w->links[i].kind, p->links[i].kind) == 0);
		CHECK(w->links[i].flags == p->links[i].flags);
		CHECK(same(w->links[i].text, p->links[i].text));
	}
	CHECK(strcmp(w->title, p->title) == 0);
	CHECK(strcmp(w->heading, p->heading) == 0);
	CHECK(w->text.len == p->text.len &&
	      (p->text.len == 0 ||
	       memcmp(w->text.data, p->text.data, p->text.len) == 0));
	marks_read(w, &mw);
	marks_read(p, &mp);
	CHECK(same(mw.site_id_meta, mp.site_id_meta));
	CHECK(same(mw.site_id_footer, mp.site_id_footer));
	CHECK(same(mw.icp, mp.icp) && same(mw.psb, mp.psb));
	CHECK(same(mw.psb_link, mp.psb_link));
	CHECK(mw.find_errors == mp.find_errors);
	marks_cleanup(&mw);
	marks_cleanup(&mp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract *x, *whole;
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
	x = extractor(data, size);
	step = size > 1 ? (size_t)data[1] % 64 + 1 : 1;
	/* a first cut anywhere, then chunks of step bytes */
	if (size > 3) {
		off = ((size_t)data[2] | (size_t)data[3] << 8) % size;
		extract_feed(x, (const char *)data, off);
	}
	while (off < size) {
		size_t n = size - off < step ? size - off : step;

		extract_feed(x, (const char *)data + off, n);
		off += n;
	}
	p = extract_finish(x);
	whole = extractor(data, size);
	check_same(extract_end(whole, (const char *)data, size), p);
	extract_free(whole);
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
