/*
 * test_inspect.c: unit tests of src/inspect's parsers and judges, which
 * read untrusted bytes: CSS url() and centring rules, robots.txt, the
 * leave-site prompt detector, URL resolution (relative, IDN, fragments),
 * the SSRF address test, keyword classification and simhash, the HTML
 * extractor fed one byte at a time, the parser threads (order, drops,
 * tampering judged there), signed leave-site links and page, SPA routes,
 * links to files that are not pages, the verdicts of name lookups, and
 * the reports' counts, order and grouping.
 */
#define _GNU_SOURCE /* EAI_NODATA */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "inspect/inspect.h"

struct urls {
	char got[16][256];
	int n;
};

static void
collect(void *arg, const char *u)
{
	struct urls *x = arg;

	if (x->n < 16)
		str_copy(x->got[x->n++], u, sizeof(x->got[0]));
}

static void
test_css_urls(void **state)
{
	const char *css = "a{background:url( \"/a.png\" )} /* url(/no.png) */\n"
			  "b{background:URL('/b.png')}c{x:url(/c.png)}"
			  "@import \"/d.css\";e{x:myurl(/no2.png)}"
			  "f{x:url('/unterminated";
	struct urls x = {0};

	(void)state;
	css_scan_urls(css, strlen(css), collect, &x);
	assert_int_equal(x.n, 4);
	assert_string_equal(x.got[0], "/a.png");
	assert_string_equal(x.got[1], "/b.png");
	assert_string_equal(x.got[2], "/c.png");
	assert_string_equal(x.got[3], "/d.css");
}

static void
test_css_centring(void **state)
{
	struct map m;
	long long v;
	const char *css = ".foot, #logo { text-align: center }"
			  "@media screen { div.left { float:left } }"
			  ".box{margin:0 auto}.flex{display:flex;"
			  "justify-content:center}";

	(void)state;
	assert_int_equal(css_decl_flags("text-align:center", 17), CSS_CENTER);
	assert_int_equal(css_decl_flags("text-align: right; color: red", 29),
			 CSS_LEFTRIGHT);
	assert_int_equal(css_decl_flags("margin: 10px auto 0", 19),
			 CSS_AUTOMARGIN);
	assert_int_equal(css_decl_flags("color:red", 9), 0);
	map_init(&m);
	css_collect_rules(css, strlen(css), &m);
	assert_int_equal(map_get(&m, ".foot", &v), 0);
	assert_int_equal(v, CSS_CENTER);
	assert_int_equal(map_get(&m, "#logo", &v), 0);
	assert_int_equal(map_get(&m, ".left", &v), 0);
	assert_int_equal(v, CSS_LEFTRIGHT);
	assert_int_equal(map_get(&m, ".box", &v), 0);
	assert_int_equal(v, CSS_AUTOMARGIN);
	assert_int_equal(map_get(&m, ".flex", &v), 0);
	assert_int_equal(v, CSS_FLEXCENTER);
	map_cleanup(&m);
}

static void
test_robots(void **state)
{
	const char *txt = "User-agent: other\nDisallow: /\n\n"
			  "User-agent: *\nDisallow: /private/\n"
			  "Allow: /private/open\nDisallow: /*.pdf$\n"
			  "Disallow: /tmp # comment\n";
	const char *mine = "User-agent: *\nDisallow: /\n\n"
			   "User-agent: govsec\nDisallow: /x\n";
	struct robots *r = robots_parse(txt, strlen(txt), "govsec");

	(void)state;
	assert_true(robots_allowed(r, "/"));
	assert_false(robots_allowed(r, "/private/a.html"));
	assert_true(robots_allowed(r, "/private/open/a.html"));
	assert_false(robots_allowed(r, "/doc/a.pdf"));
	assert_true(robots_allowed(r, "/doc/a.pdf?x=1"));
	assert_false(robots_allowed(r, "/tmp"));
	robots_free(r);
	r = robots_parse(mine, strlen(mine), "govsec");
	assert_true(robots_allowed(r, "/a"));
	assert_false(robots_allowed(r, "/x/y"));
	robots_free(r);
	r = robots_parse("", 0, "govsec");
	assert_true(robots_allowed(r, "/anything"));
	robots_free(r);
}

static void
test_prompt(void **state)
{
	const char *global =
	    "document.addEventListener('click', function (e) {"
	    " var a = e.target.closest('a');"
	    " if (a.hostname !== location.hostname) {"
	    "  if (!confirm('leaving')) e.preventDefault(); } });";
	const char *tracker = "document.addEventListener('click', track);";

	(void)state;
	assert_true(prompt_global(prompt_scan_script(global, strlen(global))));
	assert_false(
	    prompt_global(prompt_scan_script(tracker, strlen(tracker))));
	assert_true(prompt_onclick("return confirm('您即将离开本网站')"));
	assert_true(prompt_onclick("leaveSite(this)"));
	assert_false(prompt_onclick("track('nav')"));
	assert_true(prompt_known_script("/js/outlink.min.js"));
	assert_false(prompt_known_script("/js/jquery.js"));
}

static void
test_url_resolve(void **state)
{
	long frag;
	char *u;

	(void)state;
	u = url_resolve("http://www.Example.gov.cn/a/b.html", "../c.html#x",
			&frag);
	assert_string_equal(u, "http://www.example.gov.cn/c.html#x");
	assert_int_equal(frag, 32);
	free(u);
	/* a same-document reference is the page itself with the fragment
	 * (RFC 3986 5.2.2), not the page's directory (libcurl 7.88) */
	u = url_resolve("http://h.gov.cn/a/b.html", "#part", &frag);
	assert_string_equal(u, "http://h.gov.cn/a/b.html#part");
	assert_int_equal(frag, 24);
	free(u);
	u = url_resolve("http://h.gov.cn/a/b.html?q=1#old", "#new", &frag);
	assert_string_equal(u, "http://h.gov.cn/a/b.html?q=1#new");
	free(u);
	u = url_resolve("http://a.gov.cn/", "http://江门市人民政府.政务/",
			&frag);
	assert_non_null(u);
	assert_true(str_starts(u, "http://xn--"));
	assert_int_equal(frag, -1);
	free(u);
	u = url_resolve("http://a.gov.cn/x", "  /y?q=1 ", NULL);
	assert_string_equal(u, "http://a.gov.cn/y?q=1");
	free(u);
	assert_null(url_resolve("http://a.gov.cn/", "ftp://x/", NULL));
	assert_null(url_resolve("http://a.gov.cn/", "javascript:x()", NULL));
	u = url_query_param("http://a/leave?to=http%3A%2F%2Fb%2F&sig=ab", "to");
	assert_string_equal(u, "http://b/");
	free(u);
	assert_null(url_query_param("http://a/?x=1", "to"));
}

static void
test_addr_private(void **state)
{
	static const char *const priv[] = {
	    "127.0.0.1",       "10.1.2.3",   "172.16.0.1", "192.168.1.1",
	    "169.254.169.254", "100.64.0.1", "0.0.0.0"};
	static const char *const priv6[] = {"::1", "fe80::1", "fd00::1",
					    "::ffff:127.0.0.1", "::"};
	struct sockaddr_in in;
	struct sockaddr_in6 in6;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	for (size_t i = 0; i < ARRAY_SIZE(priv); i++) {
		assert_int_equal(inet_pton(AF_INET, priv[i], &in.sin_addr), 1);
		assert_true(addr_private(&in));
	}
	inet_pton(AF_INET, "202.96.128.86", &in.sin_addr);
	assert_false(addr_private(&in));
	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	for (size_t i = 0; i < ARRAY_SIZE(priv6); i++) {
		assert_int_equal(inet_pton(AF_INET6, priv6[i], &in6.sin6_addr),
				 1);
		assert_true(addr_private(&in6));
	}
	inet_pton(AF_INET6, "2400:3200::1", &in6.sin6_addr);
	assert_false(addr_private(&in6));
}

static void
test_words(void **state)
{
	struct err e;
	struct insp_words *w = words_load(GOVSEC_DATADIR "/inspect", &e);
	const char *casino = "<h1>澳门娱乐城</h1> 真人荷官 在线投注 百家乐";
	const char *news = "市政府召开常务会议，研究部署安全生产工作";
	const char *sale = "This Domain Is For Sale";
	int hits;

	(void)state;
	assert_non_null(w);
	assert_string_equal(words_classify(w, casino, strlen(casino), &hits),
			    "gambling_content");
	assert_true(hits >= 3);
	assert_null(words_classify(w, news, strlen(news), &hits));
	assert_string_equal(words_classify(w, sale, strlen(sale), &hits),
			    "parked_domain");
	assert_true(words_government(w, "bszs.conac.cn"));
	assert_false(words_government(w, "notconac.cn"));
	words_free(w);
	assert_null(words_load("/nonexistent", &e));
	assert_true(strstr(e.msg, "/nonexistent/parked.txt") != NULL);
	assert_int_equal(simhash_distance(simhash(news, strlen(news)),
					  simhash(news, strlen(news))),
			 0);
	assert_true(simhash_distance(simhash(news, strlen(news)),
				     simhash(casino, strlen(casino))) > 10);
}

static void
test_extract_bytewise(void **state)
{
	const char *html =
	    "<html><head><meta name=siteidcode content=\"1100000001\">"
	    "<meta http-equiv=refresh content=\"5; url='/next.html'\">"
	    "<base href=\"/base/\"><style>.x{background:url(/s.png)}</style>"
	    "<link rel=stylesheet href=a.css><link rel=preconnect "
	    "href=//cdn></head><body><a id=top href=\"p.html\" "
	    "onclick=\"return confirm('x')\">p</a><a name=duty></a>"
	    "<img src=i.png srcset=\"i2.png 2x, i3.png 3x\">"
	    "<iframe src=f.html></iframe><form action=/search></form>"
	    "<div style=\"background:url('/d.png')\"></div>"
	    "<script>window.open('http://pop.example.com/')</script>"
	    "<div class=\"footer\" style=\"text-align:center\">"
	    "<a href=\"http://bszs.conac.cn/x\"><img src=red.png></a>"
	    "网站标识码：1100000001 <a href=\"https://zfwzzc.www.gov.cn/\">"
	    "找错</a></div></body></html>";
	static const char *const want[][2] = {
	    {"/next.html", "meta-refresh"},
	    {"/s.png", "css-url"},
	    {"a.css", "css"},
	    {"p.html", "a"},
	    {"i.png", "img"},
	    {"i2.png", "img"},
	    {"i3.png", "img"},
	    {"f.html", "iframe"},
	    {"/search", "form"},
	    {"/d.png", "css-url"},
	    {"http://pop.example.com/", "script-literal"},
	    {"http://bszs.conac.cn/x", "a"},
	    {"red.png", "img"},
	    {"https://zfwzzc.www.gov.cn/", "a"}};
	struct extract *x = extract_new(NULL, "utf-8");
	struct xpage *p;
	long long v;

	(void)state;
	for (size_t i = 0; html[i] != '\0'; i++)
		extract_feed(x, html + i, 1);
	p = extract_finish(x);
	assert_int_equal(p->nlinks, ARRAY_SIZE(want));
	/* order differs for the style block (seen at its end): compare
	 * as sets */
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		int found = 0;

		for (size_t k = 0; k < p->nlinks; k++)
			if (!strcmp(p->links[k].url, want[i][0]) &&
			    !strcmp(p->links[k].kind, want[i][1]))
				found = 1;
		assert_true(found);
	}
	for (size_t k = 0; k < p->nlinks; k++) {
		if (!strcmp(p->links[k].url, "p.html"))
			assert_true(p->links[k].flags & XL_ONCLICK);
		if (!strcmp(p->links[k].url, "http://bszs.conac.cn/x"))
			assert_true(p->links[k].flags & XL_LOGO &&
				    p->links[k].flags & XL_FOOTER);
		if (!strcmp(p->links[k].url, "https://zfwzzc.www.gov.cn/"))
			assert_true(p->links[k].flags & XL_FINDERR);
	}
	assert_string_equal(p->site_id, "1100000001");
	assert_string_equal(p->base, "/base/");
	assert_int_equal(map_get(&p->ids, "top", &v), 0);
	assert_int_equal(map_get(&p->ids, "duty", &v), 0);
	assert_true(p->logo_found && p->logo_in_footer);
	assert_true(p->logo_inline & CSS_CENTER);
	assert_non_null(strstr(p->footer.data, "网站标识码：1100000001"));
	extract_free(x);
}

static void
test_extract_hostile(void **state)
{
	struct extract *x = extract_new(NULL, NULL);
	struct buf b = BUF_INIT(8 << 20);
	struct xpage *p;

	(void)state;
	/* deep nesting and invalid bytes end parsing, never the process */
	for (int i = 0; i < 100000; i++)
		buf_addstr(&b, "<div>");
	buf_addstr(&b, "\xff\xfe<a href=\"/deep\">x</a>");
	extract_feed(x, b.data, b.len);
	p = extract_finish(x);
	assert_true(p->nlinks <= 1);
	extract_free(x);
	buf_cleanup(&b);
}

static atomic_int wakes;

static void
count_wake(void *arg)
{
	(void)arg;
	atomic_fetch_add(&wakes, 1);
}

/* The next finished page of p, waiting up to 10 s for it. */
static struct extract *
collect_wait(struct xpool *p, void **tag)
{
	struct extract *x;

	for (int i = 0; i < 10000; i++) {
		xpool_kick(p);
		if ((x = xpool_collect(p, tag)) != NULL)
			return x;
		usleep(1000);
	}
	return NULL;
}

static void
test_xpool(void **state)
{
	static char tags[8];
	const char *html = "<p>澳门赌场 百家乐 真人荷官 在线投注 葡京</p>"
			   "<a href=\"/a\">a</a><img src=/i.png>";
	struct err e;
	struct insp_words *w = words_load(GOVSEC_DATADIR "/inspect", &e);
	struct xpool *p = xpool_new(2, count_wake, NULL, &e);
	struct xtask *t[8];
	struct extract *x;
	void *tag;
	int seen[8] = {0};

	(void)state;
	assert_non_null(w);
	assert_non_null(p);
	/* pages fed a byte at a time, interleaved: each in its own order */
	for (int k = 0; k < 6; k++) {
		x = extract_new(NULL, "utf-8");
		extract_keep(x, XK_TEXT);
		if (k == 0)
			extract_judge(x, w);
		t[k] = xpool_start(p, x, &tags[k]);
	}
	for (size_t i = 0; html[i] != '\0'; i++)
		for (int k = 0; k < 6; k++)
			xpool_feed(p, t[k], html + i, 1);
	/* dropped before its end, after its end, and after being finished */
	xpool_drop(p, t[1]);
	for (int k = 2; k < 6; k++)
		xpool_finish(p, t[k]);
	xpool_drop(p, t[2]);
	xpool_finish(p, t[0]);
	for (int n = 0; n < 4; n++) {
		struct xpage *pg;

		x = collect_wait(p, &tag);
		assert_non_null(x);
		pg = extract_finish(x); /* again: the same page */
		assert_int_equal(pg->nlinks, 2);
		assert_string_equal(pg->links[0].url, "/a");
		assert_string_equal(pg->links[1].url, "/i.png");
		assert_true((char *)tag == &tags[0] || (char *)tag >= &tags[3]);
		if ((char *)tag == &tags[0]) {
			assert_string_equal(pg->tampered, "gambling");
			assert_true(pg->tampered_hits >= WORDS_OWN_NEED);
		} else {
			assert_null(pg->tampered); /* not asked to judge */
		}
		seen[(char *)tag - tags]++;
		xpool_release(p, x);
	}
	assert_true(seen[0] == 1 && seen[3] == 1 && seen[4] == 1 &&
		    seen[5] == 1);
	assert_true(atomic_load(&wakes) >= 1);
	/* finished and never collected, or never fed: freed with p */
	t[6] = xpool_start(p, extract_new(NULL, NULL), &tags[6]);
	xpool_feed(p, t[6], html, strlen(html));
	xpool_finish(p, t[6]);
	t[7] = xpool_start(p, extract_new(NULL, NULL), &tags[7]);
	xpool_finish(p, t[7]);
	xpool_kick(p);
	xpool_free(p);
	xpool_free(NULL);
	words_free(w);
}

static void
test_leave(void **state)
{
	const unsigned char key[] = "0123456789abcdef0123";
	struct buf link = BUF_INIT(8192), pagebuf = BUF_INIT(65536);
	struct err e;
	const char *q;

	(void)state;
	assert_int_equal(leave_link("https://www.a.gov.cn/",
				    "http://shop.example.com/?a=1&b=<x>", key,
				    20, &link, &e),
			 0);
	assert_true(str_starts(link.data,
			       "https://www.a.gov.cn/leave?to=http%3A%2F%2F"
			       "shop.example.com%2F%3Fa%3D1%26b%3D%3Cx%3E"
			       "&sig="));
	q = strchr(link.data, '?') + 1;
	assert_int_equal(leave_page(q, key, 20, &pagebuf), 200);
	assert_non_null(strstr(pagebuf.data, "即将离开"));
	assert_non_null(strstr(pagebuf.data, "Disclaimer"));
	assert_non_null(strstr(pagebuf.data, "href=\"http://shop.example.com/"
					     "?a=1&amp;b=&lt;x&gt;\""));
	/* another key, a changed target, no signature: nothing linked */
	buf_reset(&pagebuf);
	assert_int_equal(
	    leave_page(q,
		       (const unsigned char *)(const unsigned char
						   *)"another key, 20 bytes",
		       20, &pagebuf),
	    403);
	assert_null(strstr(pagebuf.data, "href=\"http"));
	buf_reset(&pagebuf);
	assert_int_equal(leave_page("to=http%3A%2F%2Fevil.example%2F&sig="
				    "00000000000000000000000000000000000000"
				    "00000000000000000000000000",
				    key, 20, &pagebuf),
			 403);
	buf_reset(&pagebuf);
	assert_int_equal(
	    leave_page("to=http%3A%2F%2Fevil.example%2F", key, 20, &pagebuf),
	    400);
	buf_reset(&pagebuf);
	assert_int_equal(
	    leave_page("to=javascript%3Aalert(1)&sig=00", key, 20, &pagebuf),
	    400);
	assert_int_equal(
	    leave_link("", "javascript:alert(1)", key, 20, &link, &e), -1);
	assert_int_equal(leave_link("", "http://x/", key, 8, &link, &e), -1);
	buf_cleanup(&link);
	buf_cleanup(&pagebuf);
}

static void
test_words_own_and_columns(void **state)
{
	struct err e;
	struct insp_words *w = words_load(GOVSEC_DATADIR "/inspect", &e);
	/* four terms: news about a crackdown; five: a spam block */
	const char *news = "破获网络赌场案件，以六合彩、老虎机为幌子诱骗下注";
	const char *spam = "澳门赌场 百家乐 真人荷官 在线投注 葡京";
	const char *porn = "色情 裸聊 一夜情 无码 AV在线";
	int hits;

	(void)state;
	assert_non_null(w);
	assert_null(words_tampered(w, news, strlen(news), &hits));
	assert_string_equal(words_classify(w, news, strlen(news), &hits),
			    "gambling_content");
	assert_int_equal(hits, 4);
	assert_string_equal(words_tampered(w, spam, strlen(spam), &hits),
			    "gambling");
	assert_int_equal(hits, 6); /* 澳门赌场 and 赌场 */
	assert_string_equal(words_tampered(w, porn, strlen(porn), &hits),
			    "pornography");
	assert_string_equal(words_column(w, "通知公告"), "notice");
	assert_string_equal(words_column(w, "新闻公告"), "news");
	assert_string_equal(words_column(w, "政策解读"), "notice");
	assert_string_equal(words_column(w, "News Center"), "news");
	assert_null(words_column(w, "机构概况"));
	assert_null(words_column(w, ""));
	words_free(w);
}

static struct xpage *
parse(struct extract **x, const char *html)
{
	*x = extract_new(NULL, "utf-8");
	extract_keep(*x, XK_TEXT | XK_LAYOUT);
	extract_feed(*x, html, strlen(html));
	return extract_finish(*x);
}

#define FOOT                                                                      \
	"<div class=foot>网站标识码：1100000001 京ICP备12345678号 <a "   \
	"href=\"http://www.beian.gov.cn/r?c=1\">京公网安备 "                 \
	"11010502000001号</a> <a href=\"https://zfwzzc.www.gov.cn/\">找错</a>" \
	"</div>"

static void
test_marks(void **state)
{
	struct extract *x, *y;
	struct xpage *p;
	struct marks home, m;

	(void)state;
	p = parse(&x, "<meta name=SiteIDCode content=1100000001><body>"
		      "<p>正文</p>" FOOT "</body>");
	marks_read(p, &home);
	assert_string_equal(home.site_id_meta, "1100000001");
	assert_string_equal(home.site_id_footer, "1100000001");
	assert_string_equal(home.icp, "京ICP备12345678号");
	assert_string_equal(home.psb, "京公网安备 11010502000001号");
	assert_string_equal(home.psb_link, "http://www.beian.gov.cn/r?c=1");
	assert_true(home.find_errors);
	assert_int_equal(marks_missing(NULL, &home), 0);
	/* another page: another code, no ICP, an unlinked filing number,
	 * no entrance */
	p = parse(&y, "<meta name=SiteIDCode content=1100000002><body><div "
		      "id=footer>网站标识码：1100000002 京公网安备 "
		      "11010502000001号</div></body>");
	marks_read(p, &m);
	assert_int_equal(marks_missing(&home, &m),
			 1u << MARK_SITE_ID_DIFF | 1u << MARK_ICP |
			     1u << MARK_PSB_LINK | 1u << MARK_FIND_ERRORS);
	/* alone, its code is consistent */
	assert_false(marks_missing(NULL, &m) & (1u << MARK_SITE_ID_DIFF));
	marks_cleanup(&m);
	marks_cleanup(&home);
	extract_free(x);
	extract_free(y);
}

static void
test_marks_dates(void **state)
{
	char newest[11];
	time_t now;

	(void)state;
	assert_int_equal(time_parse("2024-07-01T12:00:00Z", &now), 0);
	assert_int_equal(marks_dates("2024-06-01 2024/06/30 2024.6.3 "
				     "2024年6月9日 2024年06月10日 2024-07-02 "
				     "2024-07-03 12024-01-01 2024-13-01",
				     now, newest),
			 5);
	/* tomorrow counts (time zones), the day after does not */
	assert_string_equal(newest, "2024-07-02");
	assert_int_equal(marks_dates("no date", now, newest), 0);
	assert_string_equal(newest, "");
	assert_int_equal(marks_age("2024-06-17", now), 14);
	assert_int_equal(marks_age("", now), -1);
}

static void
test_marks_column(void **state)
{
	struct err e;
	struct insp_words *w = words_load(GOVSEC_DATADIR "/inspect", &e);
	struct extract *x;
	struct xpage *p;
	struct insp_column col;
	time_t now;

	(void)state;
	assert_int_equal(time_parse("2024-07-01T12:00:00Z", &now), 0);
	p = parse(&x, "<title>图片新闻_某市人民政府</title><body><ul><li>a "
		      "2024-06-30</li><li>b 2024-06-01</li></ul></body>");
	/* "more" links: the title names it */
	assert_int_equal(
	    marks_column(w, "http://a.gov.cn/tpxw/", " 更多 >> ", p, now, &col),
	    1);
	assert_string_equal(col.name, "图片新闻");
	assert_string_equal(col.kind, "news");
	assert_string_equal(col.status, "fresh");
	assert_int_equal(col.items, 2);
	assert_string_equal(col.newest, "2024-06-30");
	assert_int_equal(col.limit_days, COL_NEWS_DAYS);
	marks_column_free(&col);
	/* the link text wins; dates older than the limit */
	assert_int_equal(marks_column(w, "http://a.gov.cn/x/",
				      "\xe3\x80\x80政策\n文件 ", p, now, &col),
			 1);
	assert_string_equal(col.name, "政策 文件");
	assert_string_equal(col.kind, "notice");
	assert_string_equal(col.status, "fresh");
	marks_column_free(&col);
	/* an article's long link text, the homepage again */
	assert_int_equal(marks_column(w, "http://a.gov.cn/a.html",
				      "关于做好政府信息公开工作的通知", p, now,
				      &col),
			 0);
	assert_int_equal(marks_column(w, "http://a.gov.cn/index.html?x", "新闻",
				      p, now, &col),
			 0);
	extract_free(x);
	/* unnamed: a list of five dated items is a column, fewer are not */
	p = parse(&x, "<title>人事信息</title><body>2023-01-01 2023-01-02 "
		      "2023-01-03 2023-01-04</body>");
	assert_int_equal(
	    marks_column(w, "http://a.gov.cn/rs/", "人事信息", p, now, &col),
	    0);
	extract_free(x);
	p = parse(&x, "<title>人事信息</title><body>2023-01-01 2023-01-02 "
		      "2023-01-03 2023-01-04 2023-01-05</body>");
	assert_int_equal(
	    marks_column(w, "http://a.gov.cn/rs/", "人事信息", p, now, &col),
	    1);
	assert_string_equal(col.kind, "other");
	assert_string_equal(col.status, "stale");
	assert_int_equal(col.age_days, 543);
	marks_column_free(&col);
	extract_free(x);
	/* named but without a dated item: empty */
	p = parse(&x, "<title>x</title><body><h2>新闻发布</h2></body>");
	assert_int_equal(
	    marks_column(w, "http://a.gov.cn/f/", "", p, now, &col), 1);
	assert_string_equal(col.name, "新闻发布");
	assert_string_equal(col.status, "empty");
	assert_int_equal(col.age_days, -1);
	marks_column_free(&col);
	extract_free(x);
	words_free(w);
}

/* The status of inspect.columns for columns of (kind, status). */
static const char *
columns_status(const char *const (*cols)[2], size_t n)
{
	struct insp_result *r = xcalloc(1, sizeof(*r));
	static char got[16];

	arena_init(&r->a);
	r->start = xstrdup("http://www.a.gov.cn/");
	r->marks.fetched = 1;
	r->columns = xcalloc(n + 1, sizeof(*r->columns));
	for (size_t i = 0; i < n; i++) {
		char url[64];

		str_fmt(url, sizeof(url), "http://www.a.gov.cn/%zu/", i);
		r->columns[i].url = xstrdup(url);
		r->columns[i].name = xstrdup("栏目");
		r->columns[i].kind = cols[i][0];
		r->columns[i].status = cols[i][1];
		str_copy(r->columns[i].newest, "2024-01-01", 11);
		r->columns[i].limit_days = COL_NEWS_DAYS;
	}
	r->ncolumns = r->capcolumns = n;
	insp_findings(r);
	got[0] = '\0';
	for (size_t i = 0; i < r->nfindings; i++)
		if (!strcmp(r->findings[i].rule, "inspect.columns"))
			str_copy(got, r->findings[i].status, sizeof(got));
	insp_result_free(r);
	return got;
}

static void
test_column_limits(void **state)
{
	const char *const typed4[][2] = {
	    {"news", "stale"},	 {"notice", "stale"}, {"news", "stale"},
	    {"notice", "stale"}, {"other", "stale"},  {"news", "fresh"},
	    {"news", "empty"}};
	const char *const typed5[][2] = {{"news", "stale"},
					 {"notice", "stale"},
					 {"news", "stale"},
					 {"notice", "stale"},
					 {"news", "stale"}};
	const char *const other[][2] = {{"other", "stale"}, {"other", "stale"},
					{"other", "stale"}, {"other", "stale"},
					{"other", "stale"}, {"other", "stale"},
					{"other", "stale"}, {"other", "stale"},
					{"other", "stale"}, {"other", "stale"}};
	const char *const empty[][2] = {{"news", "empty"},   {"news", "empty"},
					{"notice", "empty"}, {"news", "empty"},
					{"news", "empty"},   {"news", "fresh"}};

	(void)state;
	assert_string_equal(columns_status(typed4, ARRAY_SIZE(typed4)), "pass");
	assert_string_equal(columns_status(typed5, ARRAY_SIZE(typed5)), "fail");
	assert_string_equal(columns_status(other, ARRAY_SIZE(other) - 1),
			    "pass");
	assert_string_equal(columns_status(other, ARRAY_SIZE(other)), "fail");
	assert_string_equal(columns_status(empty, ARRAY_SIZE(empty) - 2),
			    "pass");
	assert_string_equal(columns_status(empty, ARRAY_SIZE(empty)), "fail");
	assert_string_equal(columns_status(empty, 0), "unknown");
}

static void
test_sched_slot(void **state)
{
	(void)state;
	/* FNV-1a 64 of the host name modulo the interval (ms): the same in
	 * tests/e2e/test_schedule.py */
	assert_true(sched_slot_ms("www.c.gov.cn", 12000) == 144);
	assert_true(sched_slot_ms("www.b.gov.cn", 12000) == 1469);
	assert_true(sched_slot_ms("www.a.gov.cn", 12000) == 10086);
	assert_true(sched_slot_ms("", 12000) ==
		    (double)(0xcbf29ce484222325ull % 12000));
	for (int i = 0; i < 100; i++) {
		char host[32];
		double at;

		str_fmt(host, sizeof(host), "www.%d.gov.cn", i);
		at = sched_slot_ms(host, 86400000.0);
		assert_true(at >= 0 && at < 86400000.0);
		assert_true(at == sched_slot_ms(host, 86400000.0));
	}
	assert_true(sched_slot_ms("www.a.gov.cn", 0) == 0);
}

/* Issue 10: SPA routes, files that are not pages, lookups' verdicts. */
static void
test_frag_route_not_page_dns(void **state)
{
	(void)state;
	assert_true(url_frag_route(""));
	assert_true(url_frag_route("/press"));
	assert_true(url_frag_route("/"));
	assert_true(url_frag_route("!/news/1"));
	assert_false(url_frag_route("content"));
	assert_false(url_frag_route("kapitel1"));
	assert_false(url_frag_route("a/b"));

	assert_true(url_not_page("http://h/a/photo.JPG"));
	assert_true(url_not_page("https://h/files/report.pdf?v=2#page=3"));
	assert_true(url_not_page("http://h/x.docx"));
	assert_true(url_not_page("http://h/x.tar.gz"));
	assert_false(url_not_page("http://h/"));
	assert_false(url_not_page("http://h/index.html"));
	assert_false(url_not_page("http://h/news/"));
	assert_false(url_not_page("http://h/get.php?file=a.pdf"));
	assert_false(url_not_page("http://h.pdf/"));
	assert_false(url_not_page("http://h/pdf"));
	assert_false(url_not_page("http://h/a.pdf/view"));

	assert_null(dns_reason(0));
	assert_string_equal(dns_reason(EAI_NONAME), "dns_failure");
	assert_string_equal(dns_reason(EAI_NODATA), "dns_failure");
	assert_string_equal(dns_reason(EAI_AGAIN), "dns_unresolved");
	assert_string_equal(dns_reason(EAI_FAIL), "dns_unresolved");
	assert_string_equal(dns_reason(EAI_SYSTEM), "dns_unresolved");
	assert_string_equal(dns_reason(EAI_MEMORY), "dns_unresolved");
}

/* ---- the readable reports (report.c): counts, order, grouping ---- */

/* Adds a link to r found on the pages listed (page indexes, -1 ends). */
static struct insp_link *
report_link(struct insp_result *r, const char *url, const char *kind,
	    enum insp_status st, const char *reason, int internal,
	    const char *prompt, ...)
{
	struct insp_link *l;
	va_list ap;
	int p;

	if (r->nlinks == r->caplinks) {
		r->caplinks = r->caplinks ? r->caplinks * 2 : 32;
		r->links = xrealloc(r->links, r->caplinks * sizeof(*r->links));
	}
	l = &r->links[r->nlinks++];
	memset(l, 0, sizeof(*l));
	l->url = xstrdup(url);
	l->kind = kind;
	l->status = st;
	l->reason = reason;
	l->internal = internal;
	l->prompt = prompt;
	l->cls = internal ? "organ" : "other";
	l->capfound = 8;
	l->found_on = xcalloc(8, sizeof(int));
	va_start(ap, prompt);
	while ((p = va_arg(ap, int)) >= 0)
		l->found_on[l->nfound++] = p;
	va_end(ap);
	return l;
}

/* A result of two HTML pages and a stylesheet with broken, abnormal,
 * blocked, skipped, fragment and unprompted outbound links. */
static struct insp_result *
report_site(void)
{
	struct insp_result *r = xcalloc(1, sizeof(*r));
	static const char *const pages[] = {"http://www.a.gov.cn/",
					    "http://www.a.gov.cn/b.html",
					    "http://www.a.gov.cn/site.css"};

	arena_init(&r->a);
	r->start = xstrdup("http://www.a.gov.cn/");
	r->marks.fetched = 1;
	r->pages = xcalloc(4, sizeof(char *));
	for (int i = 0; i < 3; i++)
		r->pages[r->npages++] = xstrdup(pages[i]);
	r->cappages = 4;
	report_link(r, "http://www.a.gov.cn/", "start", INSP_OK, "", 1, NULL,
		    -1);
	report_link(r, "http://www.a.gov.cn/site.css", "css", INSP_OK, "", 1,
		    NULL, 0, 1, -1);
	report_link(r, "http://www.a.gov.cn/b.html", "a", INSP_OK, "", 1, NULL,
		    0, -1);
	report_link(r, "http://www.a.gov.cn/b.html#top", "a", INSP_OK, "", 1,
		    NULL, 0, 1, -1);
	report_link(r, "http://www.a.gov.cn/gone.png", "img", INSP_BROKEN,
		    "http_404", 1, NULL, 1, -1);
	report_link(r, "http://www.a.gov.cn/b.html#nope", "a", INSP_BROKEN,
		    "fragment_missing", 1, NULL, 0, -1);
	report_link(r, "http://www.a.gov.cn/missing.html", "a", INSP_BROKEN,
		    "http_404", 1, NULL, 0, 1, -1);
	report_link(r, "http://www.a.gov.cn/limited", "a", INSP_BLOCKED,
		    "rate_limited", 1, NULL, 0, -1);
	report_link(r, "http://www.a.gov.cn/moved", "a", INSP_OK,
		    "cross_domain_redirect", 1, NULL, 0, -1)
	    ->abnormal = 1;
	report_link(r, "mailto:web@a.gov.cn", "a", INSP_SKIPPED, "not_http", 0,
		    NULL, 0, -1);
	/* outbound: four links to x.example.com and one to y.example.org
	 * without a prompt; z.example.net asks first */
	report_link(r, "http://y.example.org/", "a", INSP_SKIPPED,
		    "external_off", 0, "none", 0, -1);
	for (int i = 1; i <= 4; i++) {
		char url[64];

		str_fmt(url, sizeof(url), "http://x.example.com/%d", i);
		report_link(r, url, "a", INSP_SKIPPED, "external_off", 0,
			    "none", 1, i < 3 ? 0 : -1, -1);
	}
	report_link(r, "http://z.example.net/", "a", INSP_SKIPPED,
		    "external_off", 0, "script", 0, -1);
	r->requests = 9;
	r->connections = 2;
	insp_findings(r);
	return r;
}

/* r's report in format f, as a heap string. */
static char *
report_of(const struct insp_result *r, enum insp_format f)
{
	char *s = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&s, &n);

	assert_non_null(m);
	assert_int_equal(insp_report(r, f, m), 0);
	fclose(m);
	return s;
}

/* a occurs in s, before b (when b is not NULL). */
static void
assert_before(const char *s, const char *a, const char *b)
{
	const char *x = strstr(s, a), *y = b ? strstr(s, b) : NULL;

	if (x == NULL)
		fail_msg("'%s' is not in the report", a);
	if (b != NULL && (y == NULL || y < x))
		fail_msg("'%s' is not after '%s'", b, a);
}

static void
test_report_counts(void **state)
{
	struct insp_result *r = report_site();
	struct insp_counts c;

	(void)state;
	insp_counts(r, &c);
	assert_int_equal(c.html_pages, 2);
	assert_int_equal(c.stylesheets, 1);
	/* start, site.css, b.html, gone.png, missing.html, limited, moved,
	 * mailto, y, x/1..4, z: b.html#top and #nope are b.html */
	assert_int_equal(c.urls, 14);
	assert_int_equal(c.urls_skipped, 7);
	assert_int_equal(c.urls_checked, 7);
	assert_int_equal(c.urls_broken, 2);
	assert_int_equal(c.fragments, 2);
	assert_int_equal(c.fragments_broken, 1);
	/* page-link pairs: 0+2+1+2+1+1+2+1+1+1+1 +2+2+1+1 +1 */
	assert_int_equal(c.occurrences, 20);
	assert_int_equal(c.broken, 3);
	assert_int_equal(c.abnormal, 1);
	assert_int_equal(c.blocked, 1);
	assert_int_equal(c.unprompted, 5);
	assert_int_equal(c.unprompted_hosts, 2);
	insp_result_free(r);
}

static void
test_report_text_and_html(void **state)
{
	struct insp_result *r = report_site();
	char *t = report_of(r, IF_TEXT), *h, *j;
	json_t *d, *hosts;
	json_error_t je;

	(void)state;
	assert_before(t,
		      "inspected http://www.a.gov.cn/: 2 pages (and 1 "
		      "stylesheets), 14 URLs (7 checked, 7 skipped), 2 links "
		      "with a fragment (1 broken), 20 link occurrences; 9 "
		      "requests over 2 connections",
		      NULL);
	assert_before(t,
		      "\nsummary: 3 broken, 1 abnormal, 1 not verified; 5 "
		      "outbound links to 2 hosts without a leave-site prompt;",
		      "; failing: GOVWEB-3, LINK-2, LINK-3, LINK-4, LOGO-1, "
		      "SEC-1\n");
	/* broken first, the link on most pages first, then by URL */
	assert_before(t, "\nbroken links: 3",
		      "  2  http://www.a.gov.cn/"
		      "missing.html\n");
	assert_before(t, "missing.html\n", "b.html#nope\n");
	assert_before(t, "b.html#nope\n", "gone.png\n");
	assert_before(t, "gone.png\n", "\nabnormal links (LINK-4): 1");
	assert_before(t, "\nabnormal links (LINK-4): 1", "/moved\n");
	assert_before(t, "/moved\n", "\nnot verified (blocked): 1");
	assert_before(t, "\nnot verified (blocked): 1", "/limited\n");
	/* one row per host, most links first, three examples */
	assert_before(
	    t,
	    "\noutbound links without a leave-site prompt (LINK-3): "
	    "5 links to 2 hosts\n",
	    "      4      6  x.example.com: http://x.example.com/1 on "
	    "http://www.a.gov.cn/b.html");
	assert_before(t,
		      "x.example.com/3 on http://www.a.gov.cn/b.html and 1 "
		      "more\n",
		      "      1      1  y.example.org: http://y.example.org/ on "
		      "http://www.a.gov.cn/\n");
	assert_null(strstr(t, "x.example.com/4"));
	assert_null(strstr(t, "z.example.net"));
	assert_before(t, "y.example.org/ on", "\nmarks (LOGO-1, GOVWEB-3)\n");
	assert_before(t, "\nmarks (LOGO-1, GOVWEB-3)\n",
		      "\nfreshness (GOVWEB-2)\n");
	assert_before(t, "\nfreshness (GOVWEB-2)\n", "\nother findings\n");
	assert_before(t, "\nother findings\n",
		      "fail    SEC-1    inspect.https");
	assert_before(t, "failing, ", NULL);
	h = report_of(r, IF_HTML);
	assert_before(h, "<section id=\"summary\">", "<section id=\"broken\">");
	assert_before(h, "<section id=\"broken\">",
		      "<section id=\"abnormal\">");
	assert_before(h, "<section id=\"abnormal\">",
		      "<section id=\"blocked\">");
	assert_before(h, "<section id=\"blocked\">",
		      "<section id=\"prompts\">");
	assert_before(h, "<section id=\"prompts\">", "<section id=\"marks\">");
	assert_before(h, "<section id=\"marks\">",
		      "<section id=\"freshness\">");
	assert_before(h, "<section id=\"freshness\">",
		      "<section id=\"other\">");
	assert_before(h,
		      "<tr><td>x.example.com<td class=\"n\">4<td class=\"n\">6",
		      "<tr><td>y.example.org<td class=\"n\">1");
	assert_before(h, "<th>pages<td class=\"n\">2<", NULL);
	j = report_of(r, IF_JSON);
	d = json_loads(j, 0, &je);
	assert_non_null(d);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(d, "stats"), "html_pages")),
			 2);
	/* the old fields stay */
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(d, "stats"), "pages")),
			 3);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(d, "stats"), "links")),
			 16);
	hosts = json_object_get(d, "unprompted_hosts");
	assert_int_equal(json_array_size(hosts), 2);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(hosts, 0), "host")),
			    "x.example.com");
	assert_int_equal(json_array_size(json_object_get(
			     json_array_get(hosts, 0), "examples")),
			 3);
	json_decref(d);
	free(j);
	free(h);
	free(t);
	insp_result_free(r);
}

/* One pair through url_resolve and url_resolve_slow: 0 if the same. */
static int
same_resolution(const char *base, const char *ref)
{
	long f1 = -2, f2 = -2;
	char *a = url_resolve(base, ref, &f1);
	char *b = url_resolve_slow(base, ref, &f2);
	int same = (a == NULL && b == NULL) ||
		   (a != NULL && b != NULL && strcmp(a, b) == 0);

	if (!same || f1 != f2)
		print_error("url_resolve(\"%s\", \"%s\"): fast \"%s\" (%ld), "
			    "libcurl \"%s\" (%ld)\n",
			    base ? base : "(null)", ref, a ? a : "(null)", f1,
			    b ? b : "(null)", f2);
	free(a);
	free(b);
	return same && f1 == f2 ? 0 : -1;
}

static void
test_url_resolve_fast(void **state)
{
	static const char *const bases[] = {
	    NULL,
	    "http://a.gov.cn/",
	    "http://a.gov.cn/x/y.html",
	    "https://www.helsingborg.se/a/b/?p=1",
	    "https://www.helsingborg.se/a/b/c?p=1&q=/x/y",
	    "http://127.0.0.1:8080/a/b",
	    "http://127.0.0.1/",
	    "http://10.0.0.255:65535/a/",
	    "http://h:80/a",
	    "https://h:443/a/",
	    "http://h:0/a",
	    "http://h:080/a",
	    "http://Example.COM/a",
	    "HTTP://a.gov.cn/a",
	    "http://a.gov.cn/a/b.html#frag",
	    "http://a.gov.cn/a#/b?c",
	    "http://a.gov.cn",
	    "http://a.gov.cn?x=1",
	    "http://a.gov.cn#x",
	    "http://u@a.gov.cn/",
	    "http://[::1]/a",
	    "http://a.gov.cn/a/./b",
	    "http://a.gov.cn/a/b/..",
	    "http://a.gov.cn/a%20b/c",
	    "http://a.gov.cn/%41/b",
	    "http://a.gov.cn/%2e%2E/b",
	    "http://a.gov.cn/a b/c",
	    "http://江门.政务/a",
	    "http://a.gov.cn/a/b?",
	    "http://1.2.3/a",
	    "http://0x7f.0.0.1/",
	    "http://01.2.3.4/",
	    "http://a.gov.cn.:81/x",
	    "http://a-b.c_d.se/x",
	    "http://a.gov.cn/a//b/c",
	    "http://xn--fiqs8s.xn--fiqz9s/a/b",
	    "ftp://x/y",
	    "mailto:x@y",
	    "/relative/base",
	    "",
	    "http://127.0.0.1:8080/a/b/c/d/index.html",
	    "http://127.0.0.1:8080/a/b/c/d/",
	    "https://h.se/a/b/c/d/e/f/g?x=1",
	    "http://h.se/a//b/c/d",
	    "http://h.se//a/b",
	    "http://h.se/a/b//",
	};
	static const char *const refs[] = {
	    "",
	    "../",
	    "./",
	    "..",
	    ".",
	    "../../x",
	    "./a",
	    "a/./b",
	    "a/../b",
	    "//host/x",
	    "//Host:81/x",
	    "?q",
	    "?",
	    "#f",
	    "#",
	    "#f?g",
	    "#/a/b",
	    "?q#f",
	    "?q#",
	    "?#f",
	    "%41",
	    "%2e%2e/x",
	    "%2E",
	    "%2e",
	    "a%20b",
	    "%zz",
	    "%4",
	    "%",
	    "a b",
	    " a ",
	    "\ta\nb\r",
	    " \t/x\n",
	    "/x y",
	    "/x\\y",
	    "\\x",
	    "\\\\h\\x",
	    "http://江门市人民政府.政务/",
	    "http://ÅÄÖ.se/",
	    "/ä",
	    "ä",
	    "?ä",
	    "#ä",
	    "HTTP://a.gov.cn/",
	    "http://A.gov.cn/x",
	    "Http://a/",
	    "http://a.gov.cn",
	    "http://a.gov.cn?x",
	    "http://a.gov.cn#x",
	    "http://a.gov.cn?",
	    "http://a.gov.cn#",
	    "http://a.gov.cn:80/",
	    "http://a.gov.cn:443/",
	    "https://a.gov.cn:443/",
	    "https://a.gov.cn:80",
	    "http://a.gov.cn:0/",
	    "http://a.gov.cn:1/",
	    "http://a.gov.cn:65535/",
	    "http://a.gov.cn:65536/",
	    "http://a.gov.cn:08080/",
	    "http://a.gov.cn:8080/x",
	    "http://a.gov.cn:/x",
	    "http://a.gov.cn:99999999999/",
	    "http://u:p@a.gov.cn/",
	    "http://@a.gov.cn/",
	    "http://[::1]:8080/",
	    "http://127.0.0.1/",
	    "http://127.0.0.1:8080",
	    "http://127.1/",
	    "http://0177.0.0.1/",
	    "http://0x7f.0.0.1/",
	    "http://256.0.0.1/",
	    "http://1.2.3.4.5/",
	    "http://1.2.3.04/",
	    "http://a.b.c.1/",
	    "http://a.1b/",
	    "http://1a.b/",
	    "http://a..b/",
	    "http://.a/",
	    "http://a./",
	    "http://-a.b/",
	    "http://a-.b/",
	    "http://a_b.c/",
	    "http://a%41.b/",
	    "http://xn--fiqs8s.xn--fiqz9s/",
	    "javascript:",
	    "javascript:void(0)",
	    "JavaScript:x",
	    "mailto:a@b.c",
	    "MAILTO:x",
	    "mailto:",
	    "tel:+46",
	    "tel:",
	    "data:x",
	    "ftp://x/",
	    "file:///etc/passwd",
	    "x:y",
	    "1a:b",
	    "a:b/c",
	    "/a:b",
	    "a/b:c",
	    "./a:b",
	    "/",
	    "/x",
	    "/x/",
	    "/x?y=1&z=2",
	    "/x#y",
	    "/x?#",
	    "/x?a#",
	    "/x??",
	    "/x?a?b",
	    "/x#a#b",
	    "/x#a?b",
	    "/x?a/../b",
	    "/x#a/./b",
	    "/x/../y",
	    "/x/./y",
	    "/./x",
	    "/../x",
	    "/x/..",
	    "/x/.",
	    "/x/.y",
	    "/x/..y",
	    "/x/y.",
	    "/x/y..",
	    "/.",
	    "/..",
	    "/%C3%A4",
	    "/%c3%a4",
	    "/%2F",
	    "/a;b=c",
	    "/a,b",
	    "/~u/",
	    "/a'b",
	    "/a(b)",
	    "/a*b",
	    "/a+b",
	    "/a!b",
	    "/a$b",
	    "/a=b",
	    "/a@b",
	    "/a\"b",
	    "/a<b>",
	    "/a`b",
	    "/a{b}",
	    "/a|b",
	    "/a^b",
	    "/a[b]",
	    "/a\x7f"
	    "b",
	    "/a\x01"
	    "b",
	    "x",
	    "x/y",
	    "x?y",
	    "x#y",
	    "index.html",
	    "a//b",
	    "//",
	    "///x",
	    "http:x",
	    "http:/x",
	    "http:///x",
	    "https:",
	    "http://",
	    "http://?",
	    "http://a.gov.cn/x?",
	    "http://a.gov.cn/x#",
	    "http://a.gov.cn/./x",
	    "http://a.gov.cn/x/../y",
	    "http://a.gov.cn/%2e/y",
	    "https://www.helsingborg.se/uppleva-och-gora/?s=1#main",
	    "http://a.gov.cn//x",
	    "http://a.gov.cn/x y",
	    "http://a.gov.cn/é",
	    "http://a.gov.cn/a?b=c d",
	    "http://a.gov.cn/a#b c",
	    /* leading dot segments, as in mirrored sites */
	    "../x",
	    "../../x",
	    "../../../x",
	    "../../../../x",
	    "./x",
	    "./../x",
	    "././x",
	    "../.././x",
	    "../",
	    "../../",
	    "./",
	    ".././",
	    "../..",
	    "..//x",
	    ".//x",
	    "./?q",
	    "./#f",
	    "../?q",
	    "../#f",
	    "../x/../y",
	    "../x/./y",
	    "../.x",
	    "../..x",
	    "..x",
	    ".x",
	    "../index.html#id_1",
	    "../../a/b/index.html?x=1#y",
	    "./index.html",
	    "../%2e/x",
	    "..\\x",
	    "../x y",
	    "../ä",
	    ".../x",
	    "../:x",
	    "./a:b",
	};
	static const char *const pieces[] = {
	    "a",	  "b",
	    "/",	  "//",
	    ".",	  "..",
	    "./",	  "../",
	    "?",	  "#",
	    "%41",	  "%2e",
	    "%",	  "x=1",
	    "&",	  "é",
	    " ",	  "\t",
	    ":",	  "@",
	    "A",	  "-",
	    "_",	  "~",
	    "\\",	  "http://",
	    "https://",	  "h.se",
	    "H.SE",	  ":8080",
	    "mailto:",	  "javascript:",
	    "'",	  "+",
	    "127.0.0.1",  ":80",
	    "index.html", "%C3%A5",
	    ";",	  "=",
	    "\n",	  "Z",
	    "../",	  "../../",
	    "./",	  "../../../../",
	    ".",
	};
	/* plain pieces, mostly taken by the fast path */
	static const char *const plain[] = {
	    "a",   "news", "/",	  "index.html", "?id=1",  "&x=2",  "-",
	    "_",   "~",	   "%41", "%C3%A5",	"A",	  "Z",	   "0",
	    "9",   ";",	   "=",	  "+",		"'",	  "(",	   ")",
	    "!",   "$",	   "*",	  ",",		"@",	  ":",	   "/sv/",
	    "..x", ".x",   "../", "./",		"../../", "#id_1", "?a=b",
	};
	char ref[256], longref[8192 + 64];
	unsigned seed = 12345;
	int bad = 0, runs = 0;

	(void)state;
	for (size_t bi = 0; bi < ARRAY_SIZE(bases); bi++) {
		for (size_t ri = 0; ri < ARRAY_SIZE(refs); ri++, runs++)
			bad += same_resolution(bases[bi], refs[ri]) < 0;
		/* generated: one to six pieces, alone and after a base path */
		for (int g = 0; g < 120; g++, runs++) {
			size_t len = 0;
			int np;

			seed = seed * 1103515245u + 12345u;
			np = 1 + (int)((seed >> 16) % 6);
			ref[0] = '\0';
			if (g % 3 == 1) {
				len = strlen("/news/");
				memcpy(ref, "/news/", len + 1);
			} else if (g % 3 == 2) {
				len = strlen("https://h.se/");
				memcpy(ref, "https://h.se/", len + 1);
			}
			for (int k = 0; k < np; k++) {
				const char *p;
				size_t pl;

				seed = seed * 1103515245u + 12345u;
				p = pieces[(seed >> 16) % ARRAY_SIZE(pieces)];
				pl = strlen(p);
				if (len + pl >= sizeof(ref))
					break;
				memcpy(ref + len, p, pl + 1);
				len += pl;
			}
			bad += same_resolution(bases[bi], ref) < 0;
		}
		for (int g = 0; g < 150; g++, runs++) {
			static const char *const lead[] = {
			    "",
			    "/",
			    "http://h.se/",
			    "https://b.a.se:8443/",
			    "?",
			    "http://127.0.0.1:8080",
			    "../",
			    "./",
			    "../../../"};
			size_t len;
			int np;

			seed = seed * 1103515245u + 12345u;
			np = 1 + (int)((seed >> 16) % 6);
			len = strlen(lead[g % ARRAY_SIZE(lead)]);
			memcpy(ref, lead[g % ARRAY_SIZE(lead)], len + 1);
			for (int k = 0; k < np; k++) {
				const char *p;
				size_t pl;

				seed = seed * 1103515245u + 12345u;
				p = plain[(seed >> 16) % ARRAY_SIZE(plain)];
				pl = strlen(p);
				memcpy(ref + len, p, pl + 1);
				len += pl;
			}
			bad += same_resolution(bases[bi], ref) < 0;
		}
	}
	/* long: about the fast path's limit and libcurl's */
	for (size_t want = 4000; want <= 8192 + 40; want += 97) {
		size_t len = 0;

		memcpy(longref, "/", 2);
		len = 1;
		while (len < want) {
			longref[len] =
			    (char)(len % 50 == 49 ? '/' : 'a' + len % 26);
			len++;
		}
		longref[len] = '\0';
		bad += same_resolution("http://a.gov.cn/x/", longref) < 0;
		bad += same_resolution("http://a.gov.cn/x/", longref + 1) < 0;
		runs += 2;
	}
	print_message("url_resolve: %d pairs, %d differ\n", runs, bad);
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_css_urls),
	    cmocka_unit_test(test_css_centring),
	    cmocka_unit_test(test_robots),
	    cmocka_unit_test(test_prompt),
	    cmocka_unit_test(test_url_resolve),
	    cmocka_unit_test(test_url_resolve_fast),
	    cmocka_unit_test(test_addr_private),
	    cmocka_unit_test(test_words),
	    cmocka_unit_test(test_extract_bytewise),
	    cmocka_unit_test(test_extract_hostile),
	    cmocka_unit_test(test_xpool),
	    cmocka_unit_test(test_leave),
	    cmocka_unit_test(test_words_own_and_columns),
	    cmocka_unit_test(test_marks),
	    cmocka_unit_test(test_marks_dates),
	    cmocka_unit_test(test_marks_column),
	    cmocka_unit_test(test_column_limits),
	    cmocka_unit_test(test_sched_slot),
	    cmocka_unit_test(test_frag_route_not_page_dns),
	    cmocka_unit_test(test_report_counts),
	    cmocka_unit_test(test_report_text_and_html),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
