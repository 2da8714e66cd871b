/*
 * test_badge.c: govsec's online logo badges (LOGO-1) on both sides: the
 * PNG badge (src/ecert/logo.c) is a valid PNG that libpng reads back
 * (chunk CRCs and the zlib stream checked by libpng), 720 x 240, with the
 * QR code of the verification URL module for module, the category's
 * colour, and the same bytes every time; and the inspector's recognition
 * of badge URLs (src/inspect/marks.c), hostile and malformed ones
 * included, its verdicts, and the badges collected from a result's links.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "ecert/ecert.h"
#include "inspect/inspect.h"
#include "testutil.h"

#define ID   "0123456789abcdef"
#define BASE "https://verify.gdbb.gov.cn"

static void
sample_logo(struct ecert_logo *l, const char *category)
{
	memset(l, 0, sizeof(*l));
	str_copy(l->id, ID, sizeof(l->id));
	str_copy(l->unit, "11440000MB2C92290G", sizeof(l->unit));
	str_copy(l->category, category, sizeof(l->category));
	str_copy(l->unit_name, "广东省政务服务和数据管理局",
		 sizeof(l->unit_name));
	l->domains = xstrdup("[\"www.gdzwfw.gov.cn\",\"gdzwfw.gov.cn\"]");
	l->found = 1;
}

/* The badge read back by libpng as RGB: *w x *h pixels (free *px). */
static void
read_png(const struct buf *b, unsigned char **px, unsigned *w, unsigned *h)
{
	png_image img;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	assert_true(png_image_begin_read_from_memory(&img, b->data, b->len));
	img.format = PNG_FORMAT_RGB;
	*px = xmalloc(PNG_IMAGE_SIZE(img));
	assert_true(png_image_finish_read(&img, NULL, *px, 0, NULL));
	*w = img.width;
	*h = img.height;
}

static void
test_png_badge(void **state)
{
	struct ecert_logo l;
	struct buf a = BUF_INIT(512 * 1024), b = BUF_INIT(512 * 1024);
	unsigned char *px, *mods;
	unsigned w, h;
	int qw, k, ox, dark = 0;

	(void)state;
	sample_logo(&l, "organ");
	assert_int_equal(ecert_logo_png(&l, BASE, &a), 0);
	assert_int_equal(ecert_logo_png(&l, BASE, &b), 0);
	/* deterministic: the same logo gives the same bytes */
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	assert_memory_equal(a.data, "\x89PNG\r\n\x1a\n", 8);
	assert_memory_equal(a.data + 12, "IHDR", 4);
	assert_memory_equal(a.data + a.len - 8, "IEND", 4);
	read_png(&a, &px, &w, &h);
	assert_int_equal(w, 720);
	assert_int_equal(h, 240);
	/* the frame is the category's red, the background white */
	assert_int_equal(px[0], 0xc8);
	assert_int_equal(px[1], 0x16);
	assert_int_equal(px[2], 0x1d);
	assert_int_equal(px[3 * (10 * 720 + 10)], 0xff);
	/* the QR code, module for module, carries BASE/v1/logo/ID */
	assert_int_equal(qr_modules(BASE "/v1/logo/" ID, &mods, &qw), 0);
	k = 208 / (qw + 4);
	ox = 16 + (208 - qw * k) / 2;
	for (int y = 0; y < qw; y++)
		for (int x = 0; x < qw; x++) {
			size_t at = 3 * ((size_t)(ox + y * k + k / 2) * 720 +
					 (size_t)(ox + x * k + k / 2));

			assert_int_equal(px[at] == 0, mods[y * qw + x] != 0);
			dark += mods[y * qw + x];
		}
	assert_true(dark > qw); /* not an empty code */
	free(mods);
	free(px);
	/* another base, another code; an institution's blue */
	buf_reset(&b);
	assert_int_equal(ecert_logo_png(&l, "http://other.example", &b), 0);
	assert_true(a.len != b.len || memcmp(a.data, b.data, a.len) != 0);
	ecert_logo_cleanup(&l);
	sample_logo(&l, "institution");
	buf_reset(&b);
	assert_int_equal(ecert_logo_png(&l, BASE, &b), 0);
	read_png(&b, &px, &w, &h);
	assert_int_equal(px[0], 0x1d);
	assert_int_equal(px[1], 0x5f);
	assert_int_equal(px[2], 0xb5);
	free(px);
	/* a base too long for a QR code: an error, nothing appended */
	{
		char *huge = xmalloc(3001);
		size_t len = b.len;

		memset(huge, 'a', 3000);
		huge[3000] = '\0';
		memcpy(huge, "https://", 8);
		assert_int_equal(ecert_logo_png(&l, huge, &b), -1);
		assert_int_equal(b.len, len);
		free(huge);
	}
	/* a changed byte is caught by the PNG's checks */
	b.data[b.len / 2] ^= 0x20;
	{
		png_image img;
		unsigned char *out;
		int ok;

		memset(&img, 0, sizeof(img));
		img.version = PNG_IMAGE_VERSION;
		ok = png_image_begin_read_from_memory(&img, b.data, b.len);
		if (ok) {
			img.format = PNG_FORMAT_RGB;
			out = xmalloc(PNG_IMAGE_SIZE(img));
			ok = png_image_finish_read(&img, NULL, out, 0, NULL);
			free(out);
		}
		png_image_free(&img);
		assert_false(ok);
	}
	ecert_logo_cleanup(&l);
	buf_cleanup(&a);
	buf_cleanup(&b);
}

static void
test_badge_urls(void **state)
{
	static const struct {
		const char *url;
		const char *id; /* NULL: not a badge */
	} cases[] = {
	    {BASE "/v1/logo/" ID, ID},
	    {BASE "/v1/logo/" ID ".svg", ID},
	    {BASE "/v1/logo/" ID ".png", ID},
	    {BASE "/v1/logo/" ID "?utm=x", ID},
	    {BASE "/v1/logo/" ID ".png#top", ID},
	    {"http://verify.gdbb.gov.cn/v1/logo/" ID, ID}, /* http: the same */
	    {"HTTPS://VERIFY.gdbb.GOV.CN/v1/logo/" ID, ID},
	    {"https://verify.gdbb.gov.cn:443/v1/logo/" ID, ID},
	    {"https://old.gdbb.gov.cn/govsec/v1/logo/" ID, ID},
	    /* hostile or malformed */
	    {"https://verify.gdbb.gov.cn.evil.com/v1/logo/" ID, NULL},
	    {"https://verify.gdbb.gov.cn@evil.com/v1/logo/" ID, NULL},
	    {"https://evil.com@verify.gdbb.gov.cn/v1/logo/" ID, NULL},
	    {"https://evil.com/v1/logo/" ID, NULL},
	    {"https://evil.com/" BASE "/v1/logo/" ID, NULL},
	    {"https://evil.com/?u=" BASE "/v1/logo/" ID, NULL},
	    {"https://verify.gdbb.gov.cn:8443/v1/logo/" ID, NULL},
	    {"https://xverify.gdbb.gov.cn/v1/logo/" ID, NULL},
	    {"https://verify.gdbb.gov.cn\\@evil.com/v1/logo/" ID, NULL},
	    {BASE "/v1/Logo/" ID, NULL},
	    {BASE "/v1/logo/0123456789ABCDEF", NULL},
	    {BASE "/v1/logo/0123456789abcde", NULL},
	    {BASE "/v1/logo/" ID "0", NULL},
	    {BASE "/v1/logo/" ID ".svgz", NULL},
	    {BASE "/v1/logo/" ID "/../x", NULL},
	    {BASE "/v1/logo/%30123456789abcdef", NULL},
	    {BASE "/x/v1/logo/" ID, NULL},
	    {BASE "//v1/logo/" ID, NULL},
	    {"https://old.gdbb.gov.cn/v1/logo/" ID, NULL}, /* base has a path */
	    {"https://old.gdbb.gov.cn/govsecx/v1/logo/" ID, NULL},
	    {"ftp://verify.gdbb.gov.cn/v1/logo/" ID, NULL},
	    {"javascript:'" BASE "/v1/logo/" ID "'", NULL},
	    {"/v1/logo/" ID, NULL},
	    {"https:///v1/logo/" ID, NULL},
	    {"", NULL},
	    {BASE, NULL},
	    {BASE "/v1/logo/", NULL},
	};
	const char *bases = BASE " https://old.gdbb.gov.cn/govsec/";
	char id[17], *huge;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int got = marks_badge_id(cases[i].url, bases, id);

		if (got != (cases[i].id != NULL))
			fail_msg("'%s': %s", cases[i].url,
				 got ? "taken for a badge" : "not recognised");
		if (got)
			assert_string_equal(id, cases[i].id);
		else
			assert_string_equal(id, "");
	}
	/* no base, an empty one, a base that is not a web URL */
	assert_false(marks_badge_id(BASE "/v1/logo/" ID, "", id));
	assert_false(marks_badge_id(BASE "/v1/logo/" ID, NULL, id));
	assert_false(marks_badge_id(BASE "/v1/logo/" ID, "   ", id));
	assert_false(marks_badge_id("x/v1/logo/" ID, "x", id));
	assert_false(marks_badge_id(NULL, bases, id));
	/* a URL beyond 4096 bytes is not looked at */
	huge = xmalloc(5000);
	memset(huge, 'a', 4999);
	huge[4999] = '\0';
	memcpy(huge, BASE "/v1/logo/" ID "?", strlen(BASE "/v1/logo/" ID "?"));
	assert_false(marks_badge_id(huge, bases, id));
	free(huge);
}

static void
test_badge_verdicts(void **state)
{
	struct insp_logo l;

	(void)state;
	memset(&l, 0, sizeof(l));
	str_copy(l.unit, "11440000MB2C92290G", sizeof(l.unit));
	str_copy(l.domains, "www.gdzwfw.gov.cn gdzwfw.gov.cn",
		 sizeof(l.domains));
	assert_string_equal(marks_badge_verdict(&l, "www.gdzwfw.gov.cn"),
			    "valid");
	assert_string_equal(marks_badge_verdict(&l, "GDZWFW.gov.cn."), "valid");
	assert_string_equal(marks_badge_verdict(&l, "www.other.gov.cn"),
			    "copied");
	assert_string_equal(marks_badge_verdict(&l, "gdzwfw.gov"), "copied");
	assert_string_equal(marks_badge_verdict(&l, "w.gdzwfw.gov.cn"),
			    "copied");
	assert_string_equal(marks_badge_verdict(&l, ""), "copied");
	str_copy(l.site_unit, "11440000MB2C92290G", sizeof(l.site_unit));
	assert_string_equal(marks_badge_verdict(&l, "gdzwfw.gov.cn"), "valid");
	str_copy(l.site_unit, "11440700007250010K", sizeof(l.site_unit));
	assert_string_equal(marks_badge_verdict(&l, "gdzwfw.gov.cn"),
			    "other_unit");
	str_copy(l.revoked, "2026-12-01T00:00:00Z", sizeof(l.revoked));
	assert_string_equal(marks_badge_verdict(&l, "gdzwfw.gov.cn"),
			    "revoked");
}

/* The register of the test: one logo of www.a.gov.cn, one revoked. */
static int
fake_register(void *arg, const char *id, const char *host, struct insp_logo *l)
{
	(void)arg;
	(void)host;
	memset(l, 0, sizeof(*l));
	if (strcmp(id, "aaaaaaaaaaaaaaaa") != 0 &&
	    strcmp(id, "bbbbbbbbbbbbbbbb") != 0)
		return 1;
	str_copy(l->unit, "11440000MB2C92290G", sizeof(l->unit));
	str_copy(l->unit_name, "甲单位", sizeof(l->unit_name));
	str_copy(l->domains, "www.a.gov.cn", sizeof(l->domains));
	if (id[0] == 'b')
		str_copy(l->revoked, "2026-12-01T00:00:00Z",
			 sizeof(l->revoked));
	return 0;
}

static void
add_link(struct insp_result *r, const char *url, const char *kind, int page)
{
	struct insp_link *l = &r->links[r->nlinks++];

	memset(l, 0, sizeof(*l));
	l->url = xstrdup(url);
	l->kind = kind;
	l->reason = "";
	l->cls = "other";
	l->found_on = xmalloc(sizeof(int));
	l->found_on[0] = page;
	l->nfound = l->capfound = 1;
}

static void
test_badges_collected(void **state)
{
	struct insp_result *r = xcalloc(1, sizeof(*r));
	struct insp_opts o;

	(void)state;
	r->host = xstrdup("www.b.gov.cn");
	r->start = xstrdup("http://www.b.gov.cn/");
	r->pages = xcalloc(2, sizeof(char *));
	r->pages[0] = xstrdup("http://www.b.gov.cn/");
	r->pages[1] = xstrdup("http://www.b.gov.cn/about.html");
	r->npages = r->cappages = 2;
	r->links = xcalloc(8, sizeof(*r->links));
	r->caplinks = 8;
	add_link(r, BASE "/v1/logo/aaaaaaaaaaaaaaaa", "a", 0);
	add_link(r, BASE "/v1/logo/aaaaaaaaaaaaaaaa.png", "img", 0);
	add_link(r, BASE "/v1/logo/bbbbbbbbbbbbbbbb.svg", "img", 1);
	add_link(r, BASE "/v1/logo/cccccccccccccccc", "area", 1);
	add_link(r, BASE "/v1/logo/dddddddddddddddd", "script", 1);
	add_link(r, "https://www.conac.cn/", "a", 0);
	insp_opts_init(&o);
	o.badge_bases = BASE;
	marks_badges(r, &o); /* no register: found, not checked */
	assert_int_equal(r->nbadges, 3);
	assert_string_equal(r->badges[0].verdict, "unchecked");
	o.logo = fake_register;
	marks_badges(r, &o);
	assert_int_equal(r->nbadges, 3);
	assert_string_equal(r->badges[0].id, "aaaaaaaaaaaaaaaa");
	assert_string_equal(r->badges[0].page, "http://www.b.gov.cn/");
	assert_string_equal(r->badges[0].verdict, "copied");
	assert_string_equal(r->badges[0].logo.unit_name, "甲单位");
	assert_string_equal(r->badges[1].verdict, "revoked");
	assert_string_equal(r->badges[1].page,
			    "http://www.b.gov.cn/about.html");
	assert_string_equal(r->badges[2].verdict, "unknown");
	insp_findings(r);
	{
		int fails = 0;

		for (size_t i = 0; i < r->nfindings; i++)
			if (!strcmp(r->findings[i].rule, "inspect.badge")) {
				assert_string_equal(r->findings[i].status,
						    "fail");
				fails++;
			}
		assert_int_equal(fails, 3);
	}
	/* the site of the badge: valid */
	free(r->host);
	r->host = xstrdup("www.a.gov.cn");
	marks_badges(r, &o);
	assert_string_equal(r->badges[0].verdict, "valid");
	/* without bases, nothing is a badge */
	o.badge_bases = NULL;
	marks_badges(r, &o);
	assert_int_equal(r->nbadges, 0);
	insp_result_free(r);
}

/* A badge in the footer is the logo whose placement LOGO-1 judges. */
static void
test_badge_is_the_logo(void **state)
{
	static const char page[] =
	    "<html><body><p>x</p><div class=\"footer\" "
	    "style=\"text-align:center\"><a href=\"" BASE "/v1/logo/" ID
	    "\"><img src=\"" BASE "/v1/logo/" ID
	    ".png\" alt=\"网站标识\"></a></div></body></html>";
	struct extract *x = extract_new(NULL, "utf-8");
	struct xpage *p;
	int flagged = 0;

	(void)state;
	p = extract_end(x, page, sizeof(page) - 1);
	assert_true(p->logo_found);
	assert_true(p->logo_in_footer);
	for (size_t i = 0; i < p->nlinks; i++)
		flagged += (p->links[i].flags & XL_LOGO) != 0;
	assert_true(flagged >= 1);
	extract_free(x);
}

/* [ecert] public_url and badge_urls: web URLs only, normalised. */
static void
test_config_urls(void **state)
{
	static const char *const bad[] = {
	    "public_url = ftp://verify.gdbb.gov.cn",
	    "public_url = https://",
	    "public_url = https:///x",
	    "public_url = verify.gdbb.gov.cn",
	    "public_url = https://a.gov.cn https://b.gov.cn",
	    "public_url = https://u@verify.gdbb.gov.cn",
	    "public_url = https://verify.gdbb.gov.cn/?x=1",
	    "public_url = https://verify.gdbb.gov.cn/#x",
	    "public_url = https://verify.gdbb.gov.cn/\"><script>",
	    "badge_urls = https://a.gov.cn, javascript:alert(1)",
	};
	char dir[512], path[600];
	struct config c;
	struct err e;
	FILE *f;

	(void)state;
	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "badgeconf"), 0);
	str_fmt(path, sizeof(path), "%s/govsec.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[ecert]\npublic_url = https://verify.gdbb.gov.cn/\n"
	      "badge_urls = http://old.gdbb.gov.cn/govsec/, "
	      "https://v2.gdbb.gov.cn:8443\n",
	      f);
	fclose(f);
	config_defaults(&c);
	assert_string_equal(c.ecert_url, "");
	assert_int_equal(config_load(&c, path, &e), 0);
	assert_string_equal(c.ecert_url, "https://verify.gdbb.gov.cn");
	assert_string_equal(c.badge_urls, "http://old.gdbb.gov.cn/govsec "
					  "https://v2.gdbb.gov.cn:8443");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "[ecert]\n%s\n", bad[i]);
		fclose(f);
		config_defaults(&c);
		if (config_load(&c, path, &e) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(strstr(e.msg, "bad value"));
	}
	tu_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_png_badge),
	    cmocka_unit_test(test_badge_urls),
	    cmocka_unit_test(test_badge_verdicts),
	    cmocka_unit_test(test_badges_collected),
	    cmocka_unit_test(test_badge_is_the_logo),
	    cmocka_unit_test(test_config_urls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
