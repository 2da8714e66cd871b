/*
 * test_extract.c: the limits the HTML extractor (src/inspect/extract.c)
 * promises in inspect.h: a title, a first heading and a link text hold at
 * most XP_TEXT_MAX - 1 bytes, so that they fit XP_TEXT_MAX with the NUL;
 * a page ended without a last chunk (extract_finish); and a page yields
 * the same links, title, text and marks however the network cut it
 * (pages in tests/unit/data/chunks/, cut at every byte offset and at
 * random multi-chunk cuts with a fixed seed); and html5lib's tokenizer
 * cases for raw-text end tags (tests/unit/data/html5lib/) as style text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inspect/inspect.h"

#define CHUNKS_DIR   GOVSEC_DATADIR "/../tests/unit/data/chunks"
#define HTML5LIB_DIR GOVSEC_DATADIR "/../tests/unit/data/html5lib"
#define HTML5LIB     HTML5LIB_DIR "/rawtext.test"

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

/* What a page yields, as text: two equal digests are the same page. */
static void
digest(struct buf *d, const struct xpage *p)
{
	struct marks m;

	buf_reset(d);
	buf_printf(d, "title=%s\nheading=%s\nmeta=%s\nbase=%s\nsite_id=%s\n",
		   p->title, p->heading, p->meta, p->base ? p->base : "-",
		   p->site_id ? p->site_id : "-");
	for (size_t i = 0; i < p->nlinks; i++)
		buf_printf(d, "link %s %s %u %s\n", p->links[i].kind,
			   p->links[i].url, p->links[i].flags,
			   p->links[i].text ? p->links[i].text : "-");
	buf_printf(d, "script_flags=%u known_prompt=%d ids=%zu truncated=%d\n",
		   p->script_flags, p->known_prompt, p->ids.len, p->truncated);
	buf_printf(d, "logo=%d %u %d %s\n", p->logo_found, p->logo_inline,
		   p->logo_in_footer,
		   p->logo_selectors ? p->logo_selectors : "-");
	marks_read(p, &m);
	buf_printf(d, "marks=%s|%s|%s|%s|%s|%d\n",
		   m.site_id_meta ? m.site_id_meta : "-",
		   m.site_id_footer ? m.site_id_footer : "-",
		   m.icp ? m.icp : "-", m.psb ? m.psb : "-",
		   m.psb_link ? m.psb_link : "-", m.find_errors);
	marks_cleanup(&m);
	buf_addstr(d, "text=");
	buf_add(d, p->text.data, p->text.len);
	buf_addstr(d, "\nfooter=");
	buf_add(d, p->footer.data, p->footer.len);
	buf_addstr(d, "\ncss=");
	buf_add(d, p->css.data, p->css.len);
}

/*
 * Parses data (n bytes) cut before each of the ncut offsets (ascending,
 * within 1..n-1) into d; the last piece goes with the end (as xpool does)
 * or, with finish, is fed and the page finished without data.
 */
static void
parse_cut(struct buf *d, const char *charset, const char *data, size_t n,
	  const size_t *cut, size_t ncut, int finish)
{
	struct extract *x = extract_new("logo", charset);
	size_t off = 0;

	extract_keep(x, XK_TEXT | XK_LAYOUT);
	for (size_t i = 0; i < ncut; i++) {
		extract_feed(x, data + off, cut[i] - off);
		off = cut[i];
	}
	if (finish) {
		extract_feed(x, data + off, n - off);
		digest(d, extract_finish(x));
	} else {
		digest(d, extract_end(x, data + off, n - off));
	}
	extract_free(x);
}

/* Returns 1 if digests a and b differ; prints where for the first few
 * (bad: how many differed before). */
static int
differs(const char *file, const struct buf *a, const struct buf *b,
	const size_t *cut, size_t ncut, size_t bad)
{
	size_t i = 0, line = 0;

	if (a->len == b->len && memcmp(a->data, b->data, a->len) == 0)
		return 0;
	if (bad >= 4)
		return 1;
	while (i < a->len && i < b->len && a->data[i] == b->data[i])
		i++;
	while (line < i && a->data[i - line - 1] != '\n')
		line++;
	print_message("%s cut at", file);
	for (size_t k = 0; k < ncut && k < 8; k++)
		print_message(" %zu", cut[k]);
	print_message("%s: whole \"%.60s\" cut \"%.60s\"\n",
		      ncut > 8 ? " ..." : "", a->data + i - line,
		      b->data + i - line);
	return 1;
}

static uint32_t
next_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/*
 * Each page cut in two at every byte offset (the last piece with the end,
 * and fed whole before extract_finish), then in 3..40 pieces at random
 * offsets (fixed seed): every parse yields what the one-chunk parse does.
 */
static void
test_chunk_boundaries(void **state)
{
	static const struct {
		const char *file, *charset, *title;
	} pages[] = {{"portal.html", "utf-8", "某某市人民政府门户网站 & 首页"},
		     {"portal.html", NULL, "某某市人民政府门户网站 & 首页"},
		     {"messy.html", NULL, "Messy 中 page"},
		     /* no charset anywhere: UTF-8, as its bytes are */
		     {"nocharset.html", NULL, "没有声明字符集的页面"},
		     {"nocharset.html", "utf-8", "没有声明字符集的页面"},
		     {"gbk.html", NULL, "GBK 编码的页面"},
		     {"gbk.html", "gbk", "GBK 编码的页面"}};
	struct buf whole = BUF_INIT(8 << 20), cut = BUF_INIT(8 << 20);
	uint32_t seed = 20261206;
	size_t total = 0;

	(void)state;
	for (size_t pi = 0; pi < ARRAY_SIZE(pages); pi++) {
		char path[512];
		struct buf in = BUF_INIT(1 << 20);
		struct err e;
		size_t bad = 0, at[40];

		assert_true(snprintf(path, sizeof(path), "%s/%s", CHUNKS_DIR,
				     pages[pi].file) < (int)sizeof(path));
		assert_int_equal(buf_read_file(&in, path, &e), 0);
		assert_true(in.len > 512);
		parse_cut(&whole, pages[pi].charset, in.data, in.len, NULL, 0,
			  0);
		assert_non_null(strstr(whole.data, "link a "));
		/* the page read right in the first place */
		assert_true(
		    pages[pi].title == NULL ||
		    str_starts(whole.data + strlen("title="), pages[pi].title));
		for (size_t i = 1; i < in.len; i++) {
			at[0] = i;
			parse_cut(&cut, pages[pi].charset, in.data, in.len, at,
				  1, 0);
			bad +=
			    differs(pages[pi].file, &whole, &cut, at, 1, bad);
			parse_cut(&cut, pages[pi].charset, in.data, in.len, at,
				  1, 1);
			bad +=
			    differs(pages[pi].file, &whole, &cut, at, 1, bad);
		}
		for (int r = 0; r < 400; r++) {
			size_t k = 2 + next_rand(&seed) % (ARRAY_SIZE(at) - 2);
			size_t nc = 0;

			/* k random offsets, ascending, distinct */
			for (size_t j = 0; j < k; j++)
				at[j] = 1 + next_rand(&seed) % (in.len - 1);
			for (size_t j = 1; j < k; j++)
				for (size_t l = j; l > 0 && at[l - 1] > at[l];
				     l--) {
					size_t t = at[l];

					at[l] = at[l - 1];
					at[l - 1] = t;
				}
			for (size_t j = 0; j < k; j++)
				if (nc == 0 || at[j] != at[nc - 1])
					at[nc++] = at[j];
			parse_cut(&cut, pages[pi].charset, in.data, in.len, at,
				  nc, r & 1);
			bad +=
			    differs(pages[pi].file, &whole, &cut, at, nc, bad);
		}
		if (bad > 0)
			print_message("%s (charset %s): %zu parses differ\n",
				      pages[pi].file,
				      pages[pi].charset ? pages[pi].charset
							: "none",
				      bad);
		total += bad;
		buf_cleanup(&in);
	}
	assert_int_equal(total, 0);
	buf_cleanup(&whole);
	buf_cleanup(&cut);
}

/*
 * A title and a link text longer than their maximum, of 3-byte characters,
 * cut at every byte: the same bytes kept (what fits up to a character,
 * nothing after), whatever pieces the text came in.
 */
static void
test_cut_limits(void **state)
{
	struct buf page = BUF_INIT(1 << 16);
	struct buf whole = BUF_INIT(1 << 20), cut = BUF_INIT(1 << 20);
	struct extract *x;
	struct xpage *p;
	size_t bad = 0;

	(void)state;
	buf_addstr(&page, "<title>");
	for (int i = 0; i < 200; i++)
		buf_addstr(&page, i % 7 ? "中" : "a");
	buf_addstr(&page, "</title><a href=/a>");
	for (int i = 0; i < 200; i++)
		buf_addstr(&page, i % 5 ? "文" : "b");
	buf_addstr(&page, "</a><a href=/b>x</a>");
	x = extract_new(NULL, "utf-8");
	p = extract_end(x, page.data, page.len);
	/* cut short at a character: 511 bytes hold 170 of 3 bytes and 1 */
	assert_true(strlen(p->title) > XP_TEXT_MAX - 4 &&
		    strlen(p->title) < XP_TEXT_MAX);
	assert_int_equal(p->nlinks, 2);
	extract_free(x);
	parse_cut(&whole, "utf-8", page.data, page.len, NULL, 0, 0);
	for (size_t k = 1; k < page.len; k++) {
		parse_cut(&cut, "utf-8", page.data, page.len, &k, 1, k & 1);
		bad += differs("limits", &whole, &cut, &k, 1, bad);
	}
	assert_int_equal(bad, 0);
	buf_cleanup(&page);
	buf_cleanup(&whole);
	buf_cleanup(&cut);
}

/* s with "xmp" (any case) renamed "style" and "xm" not before "p"
 * "styl": the html5lib cases' last start tag made style; into b. */
static void
as_style(struct buf *b, const char *s)
{
	buf_reset(b);
	while (*s != '\0') {
		if (strncasecmp(s, "xmp", 3) == 0) {
			buf_addstr(b, s[0] == 'X' ? "STYLE" : "style");
			s += 3;
		} else if (strncasecmp(s, "xm", 2) == 0) {
			buf_addstr(b, s[0] == 'X' ? "STYL" : "styl");
			s += 2;
		} else {
			buf_addch(b, *s++);
		}
	}
}

/*
 * html5lib's raw-text cases as a <style> element's content: the style text
 * is the Character tokens before the element's end tag, whole and cut at
 * every byte, all of them as the HTML Standard says.
 */
static void
test_html5lib_rawtext(void **state)
{
	struct buf in = BUF_INIT(1 << 20), page = BUF_INIT(1 << 16);
	struct buf body = BUF_INIT(1 << 16);
	struct buf whole = BUF_INIT(1 << 20), cut = BUF_INIT(1 << 20);
	struct err e;
	json_t *root, *tests;
	size_t i, checked = 0;

	(void)state;
	assert_int_equal(buf_read_file(&in, HTML5LIB, &e), 0);
	root = json_loads(in.data, 0, NULL);
	assert_non_null(root);
	tests = json_object_get(root, "tests");
	assert_true(json_array_size(tests) > 0);
	for (i = 0; i < json_array_size(tests); i++) {
		json_t *t = json_array_get(tests, i), *out;
		const char *input =
		    json_string_value(json_object_get(t, "input"));
		struct buf want = BUF_INIT(1 << 16);
		struct xpage *p;
		struct extract *x;
		size_t k, bad = 0;

		assert_non_null(input);
		/* the Character tokens before the first end tag */
		out = json_object_get(t, "output");
		for (k = 0; k < json_array_size(out); k++) {
			json_t *tok = json_array_get(out, k);
			const char *type =
			    json_string_value(json_array_get(tok, 0));

			if (type == NULL || strcmp(type, "Character") != 0)
				break;
			buf_addstr(&want,
				   json_string_value(json_array_get(tok, 1)));
		}
		as_style(&body, input);
		buf_reset(&page);
		buf_addstr(&page, "<html><head><style>");
		buf_add(&page, body.data, body.len);
		as_style(&body, want.data ? want.data : "");
		x = extract_new(NULL, "utf-8");
		p = extract_end(x, page.data, page.len);
		/* a style block's text and a newline, if any */
		if (body.len == 0)
			assert_int_equal(p->css.len, 0);
		else if (p->css.len != body.len + 1 ||
			 memcmp(p->css.data, body.data, body.len) != 0) {
			print_message("html5lib \"%s\": style text "
				      "\"%.*s\", want \"%s\"\n",
				      input, (int)p->css.len,
				      p->css.data ? p->css.data : "",
				      body.data);
			fail();
		}
		checked++;
		extract_free(x);
		parse_cut(&whole, "utf-8", page.data, page.len, NULL, 0, 0);
		for (k = 1; k < page.len; k++) {
			parse_cut(&cut, "utf-8", page.data, page.len, &k, 1,
				  k & 1);
			bad += differs("html5lib", &whole, &cut, &k, 1, bad);
		}
		assert_int_equal(bad, 0);
		buf_cleanup(&want);
	}
	assert_int_equal(checked, json_array_size(tests));
	json_decref(root);
	buf_cleanup(&in);
	buf_cleanup(&page);
	buf_cleanup(&body);
	buf_cleanup(&whole);
	buf_cleanup(&cut);
}

/* html5lib's tokenizer cases (tests/unit/data/html5lib/, README.md there
 * says which files and why the others are not used). */
static const char *const tok_files[] = {"test1.test",
					"test2.test",
					"test3.test",
					"test4.test",
					"entities.test",
					"numericEntities.test",
					"contentModelFlags.test",
					"escapeFlag.test",
					"domjs.test",
					"unicodeChars.test"};

/* htok's tokens as html5lib writes them; Character tokens merged */
struct toks {
	json_t *out;
	struct buf chars;
};

static void
toks_flush(struct toks *k)
{
	if (k->chars.len > 0)
		json_array_append_new(k->out,
				      json_pack("[s, s%]", "Character",
						k->chars.data, k->chars.len));
	buf_reset(&k->chars);
}

static void
tok_text(void *arg, const char *s, size_t n)
{
	struct toks *k = arg;

	assert_int_equal(buf_add(&k->chars, s, n), 0);
}

static int
tok_start(void *arg, const char *name, const char **atts, int selfclose)
{
	struct toks *k = arg;
	json_t *a = json_object(), *t;

	toks_flush(k);
	for (int i = 0; atts[i] != NULL; i += 2)
		json_object_set_new(a, atts[i], json_string(atts[i + 1]));
	t = json_pack("[s, s, o]", "StartTag", name, a);
	if (selfclose)
		json_array_append_new(t, json_true());
	json_array_append_new(k->out, t);
	return HTOK_DATA;
}

static void
tok_end(void *arg, const char *name)
{
	struct toks *k = arg;

	toks_flush(k);
	json_array_append_new(k->out, json_pack("[s, s]", "EndTag", name));
}

/* want's output without Comment and DOCTYPE tokens (htok drops them),
 * Character tokens merged. */
static json_t *
tok_want(json_t *want)
{
	json_t *out = json_array();
	struct buf chars = BUF_INIT(1 << 20);
	size_t i;
	json_t *t;

	json_array_foreach(want, i, t)
	{
		const char *type = json_string_value(json_array_get(t, 0));

		if (strcmp(type, "Comment") == 0 ||
		    strcmp(type, "DOCTYPE") == 0)
			continue;
		if (strcmp(type, "Character") == 0) {
			json_t *v = json_array_get(t, 1);

			assert_int_equal(buf_add(&chars, json_string_value(v),
						 json_string_length(v)),
					 0);
			continue;
		}
		if (chars.len > 0)
			json_array_append_new(out,
					      json_pack("[s, s%]", "Character",
							chars.data, chars.len));
		buf_reset(&chars);
		json_array_append(out, t);
	}
	if (chars.len > 0)
		json_array_append_new(out, json_pack("[s, s%]", "Character",
						     chars.data, chars.len));
	buf_cleanup(&chars);
	return out;
}

/* The tokens of input (n bytes) from state with last, fed cut at cut
 * (0: whole). */
static json_t *
tokenize(const char *input, size_t n, int state, const char *last, size_t cut)
{
	static const struct htok_cb cb = {tok_text, tok_start, tok_end, NULL};
	struct toks k = {json_array(), BUF_INIT(1 << 20)};
	struct htok *t = htok_new(&cb, &k);

	htok_state(t, state, last);
	htok_cdata(t, 0); /* no foreign content */
	if (cut > 0 && cut < n) {
		htok_feed(t, input, cut);
		htok_feed(t, input + cut, n - cut);
	} else {
		htok_feed(t, input, n);
	}
	htok_end(t);
	toks_flush(&k);
	htok_free(t);
	buf_cleanup(&k.chars);
	return k.out;
}

static int
state_of(const char *name)
{
	static const struct {
		const char *name;
		int state;
	} states[] = {{"Data state", HTOK_DATA},
		      {"PLAINTEXT state", HTOK_PLAINTEXT},
		      {"RCDATA state", HTOK_RCDATA},
		      {"RAWTEXT state", HTOK_RAWTEXT},
		      {"Script data state", HTOK_SCRIPT},
		      {"CDATA section state", HTOK_CDATA}};

	for (size_t i = 0; i < ARRAY_SIZE(states); i++)
		if (strcmp(name, states[i].name) == 0)
			return states[i].state;
	fail_msg("unknown state \"%s\"", name);
	return -1;
}

/*
 * Each case in each initial state it names: htok's tokens (comments and
 * DOCTYPEs aside) are the ones html5lib lists, whole and cut at every
 * byte.
 */
static void
test_html5lib_tokenizer(void **state)
{
	size_t runs = 0, bad = 0;

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(tok_files); f++) {
		char path[512];
		json_error_t je;
		json_t *root, *tests, *c;
		size_t i;

		assert_true(snprintf(path, sizeof(path), "%s/%s", HTML5LIB_DIR,
				     tok_files[f]) < (int)sizeof(path));
		root = json_load_file(path, JSON_ALLOW_NUL, &je);
		if (root == NULL)
			fail_msg("%s: %s", path, je.text);
		tests = json_object_get(root, "tests");
		assert_true(json_array_size(tests) > 0);
		json_array_foreach(tests, i, c)
		{
			json_t *in = json_object_get(c, "input");
			json_t *states = json_object_get(c, "initialStates");
			const char *last = json_string_value(
			    json_object_get(c, "lastStartTag"));
			json_t *want, *got;
			size_t si, n = json_string_length(in);
			const char *input = json_string_value(in);

			if (json_is_true(json_object_get(c, "doubleEscaped")))
				continue; /* lone surrogates: not UTF-8 */
			want = tok_want(json_object_get(c, "output"));
			for (si = 0;
			     si < (states ? json_array_size(states) : 1);
			     si++) {
				int st = states
					     ? state_of(json_string_value(
						   json_array_get(states, si)))
					     : HTOK_DATA;
				int ok = 1;

				for (size_t cut = 0; cut < n || cut == 0;
				     cut++) {
					got = tokenize(input, n, st, last, cut);
					ok = json_equal(got, want);
					if (!ok && bad++ < 40) {
						char *g = json_dumps(got, 0);
						char *w = json_dumps(want, 0);

						print_message(
						    "%s \"%s\" (state %d, "
						    "cut %zu): got %s want "
						    "%s\n",
						    tok_files[f],
						    json_string_value(
							json_object_get(
							    c, "description")),
						    st, cut, g, w);
						free(g);
						free(w);
					}
					json_decref(got);
					if (!ok)
						break;
				}
				runs++;
			}
			json_decref(want);
		}
		json_decref(root);
	}
	assert_int_equal(bad, 0);
	assert_true(runs > 2800);
}

/* ahoc_each's hits as (start, pattern) pairs of size_t into b */
static void
hit_add(void *arg, size_t pat, size_t at)
{
	size_t h[2] = {at, pat};

	assert_int_equal(buf_add(arg, h, sizeof(h)), 0);
}

static int
hit_cmp(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* Every start of each pattern in s, naively. */
static void
naive_hits(struct buf *b, const char *const *pats, size_t npat, const char *s,
	   size_t n, int icase)
{
	buf_reset(b);
	for (size_t at = 0; at < n; at++)
		for (size_t p = 0; p < npat; p++) {
			size_t k = strlen(pats[p]);

			if (at + k <= n &&
			    (icase ? strncasecmp(s + at, pats[p], k)
				   : strncmp(s + at, pats[p], k)) == 0)
				hit_add(b, p, at);
		}
}

/*
 * The one-pass search (ahoc.c) finds what a search for each pattern
 * finds: overlapping patterns, one inside another, UTF-8, ASCII case
 * ignored or not; random text over the patterns' letters (fixed seed).
 */
static void
test_ahoc(void **state)
{
	static const char *const pats[] = {"he",  "she",  "his",  "hers", "a",
					   "aaa", "离开", "Host", "sh"};
	static const char letters[] = "heSHisrAa\xe7\xa6\xbb\xe5\xbc\x80o";
	struct buf got = BUF_INIT(1 << 20), want = BUF_INIT(1 << 20);
	uint32_t seed = 7;
	unsigned flags[ARRAY_SIZE(pats)];
	size_t total = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(pats); i++)
		flags[i] = 1u << i;
	for (int icase = 0; icase < 2; icase++) {
		struct ahoc *a = ahoc_new(pats, flags, ARRAY_SIZE(pats), icase);

		for (int r = 0; r < 300; r++) {
			char s[200];
			size_t n = next_rand(&seed) % sizeof(s), nh;
			unsigned f = 0;

			for (size_t i = 0; i < n; i++)
				s[i] = letters[next_rand(&seed) %
					       (sizeof(letters) - 1)];
			naive_hits(&want, pats, ARRAY_SIZE(pats), s, n, icase);
			buf_reset(&got);
			ahoc_each(a, s, n, hit_add, &got);
			assert_int_equal(got.len, want.len);
			nh = got.len / (2 * sizeof(size_t));
			if (nh > 0) {
				qsort(got.data, nh, 2 * sizeof(size_t),
				      hit_cmp);
				qsort(want.data, nh, 2 * sizeof(size_t),
				      hit_cmp);
				assert_memory_equal(got.data, want.data,
						    got.len);
			}
			for (size_t h = 0; h < nh; h++)
				f |= flags[(
				    (size_t *)(void *)want.data)[2 * h + 1]];
			assert_int_equal(ahoc_flags(a, s, n, ~0u), f);
			total += nh;
		}
		ahoc_free(a);
	}
	assert_true(total > 1000); /* the text does hold the patterns */
	/* "HOST" is found only with ASCII case ignored */
	{
		struct ahoc *a = ahoc_new(pats, flags, ARRAY_SIZE(pats), 0);

		assert_int_equal(ahoc_flags(a, "HOST", 4, ~0u), 0);
		assert_int_equal(ahoc_flags(a, "Host", 4, ~0u), 1u << 7);
		ahoc_free(a);
	}
	buf_cleanup(&got);
	buf_cleanup(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_title_bound),
	    cmocka_unit_test(test_link_text_bound),
	    cmocka_unit_test(test_finish_without_data),
	    cmocka_unit_test(test_chunk_boundaries),
	    cmocka_unit_test(test_cut_limits),
	    cmocka_unit_test(test_html5lib_rawtext),
	    cmocka_unit_test(test_html5lib_tokenizer),
	    cmocka_unit_test(test_ahoc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
