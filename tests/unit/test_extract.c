/*
 * test_extract.c: the limits the HTML extractor (src/inspect/extract.c)
 * promises in inspect.h: a title, a first heading and a link text hold at
 * most XP_TEXT_MAX - 1 bytes, so that they fit XP_TEXT_MAX with the NUL;
 * and a page ended without a last chunk (extract_finish).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "inspect/inspect.h"

/* "<tag>" n letters "</tag>" parsed as a page; the page (free x). */
static struct xpage *
page_with(struct extract **x, const char *open, const char *close, size_t n)
{
	struct buf b = BUF_INIT(1 << 16);
	struct xpage *p;

	buf_addstr(&b, "<html><head>");
	buf_addstr(&b, open);
	for (size_t i = 0; i < n; i++)
		buf_addch(&b, (char)('a' + i % 26));
	buf_addstr(&b, close);
	buf_addstr(&b, "</body></html>");
	*x = extract_new(NULL, "utf-8");
	extract_keep(*x, XK_TEXT | XK_LAYOUT);
	p = extract_end(*x, b.data, b.len);
	buf_cleanup(&b);
	return p;
}

static void
test_title_bound(void **state)
{
	struct extract *x;
	struct xpage *p;

	(void)state;
	/* the longest title kept: XP_TEXT_MAX - 1 bytes */
	p = page_with(&x, "<title>", "</title></head><body>", XP_TEXT_MAX - 1);
	assert_int_equal(strlen(p->title), XP_TEXT_MAX - 1);
	extract_free(x);
	/* one byte more is not kept whole (it used to be: 512 bytes) */
	p = page_with(&x, "<title>", "</title></head><body>", XP_TEXT_MAX);
	assert_true(strlen(p->title) < XP_TEXT_MAX);
	extract_free(x);
	p = page_with(&x, "</head><body><h1>", "</h1>", XP_TEXT_MAX);
	assert_true(strlen(p->heading) < XP_TEXT_MAX);
	extract_free(x);
	p = page_with(&x, "</head><body><h2>", "</h2>", XP_TEXT_MAX - 1);
	assert_int_equal(strlen(p->heading), XP_TEXT_MAX - 1);
	extract_free(x);
}

static void
test_link_text_bound(void **state)
{
	struct extract *x;
	struct xpage *p;

	(void)state;
	p = page_with(&x, "</head><body><a href=/a>", "</a>", XP_TEXT_MAX - 1);
	assert_int_equal(p->nlinks, 1);
	assert_non_null(p->links[0].text);
	assert_int_equal(strlen(p->links[0].text), XP_TEXT_MAX - 1);
	extract_free(x);
	p = page_with(&x, "</head><body><a href=/a>", "</a>", XP_TEXT_MAX);
	assert_int_equal(p->nlinks, 1);
	assert_true(p->links[0].text == NULL ||
		    strlen(p->links[0].text) < XP_TEXT_MAX);
	extract_free(x);
}

/* Fed in pieces, ended with no last bytes: the page is whole. */
static void
test_finish_without_data(void **state)
{
	static const char html[] = "<title>t</title><a href=/x>x</a>";
	struct extract *x = extract_new(NULL, NULL);
	struct xpage *p;

	(void)state;
	extract_keep(x, XK_TEXT | XK_LAYOUT);
	extract_feed(x, html, 10);
	extract_feed(x, html + 10, sizeof(html) - 11);
	p = extract_finish(x);
	assert_string_equal(p->title, "t");
	assert_int_equal(p->nlinks, 1);
	assert_ptr_equal(extract_finish(x), p);
	extract_free(x);
	/* nothing fed at all */
	x = extract_new(NULL, NULL);
	p = extract_finish(x);
	assert_int_equal(p->nlinks, 0);
	assert_string_equal(p->title, "");
	extract_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_title_bound),
	    cmocka_unit_test(test_link_text_bound),
	    cmocka_unit_test(test_finish_without_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
