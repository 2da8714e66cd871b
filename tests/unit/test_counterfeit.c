/*
 * test_counterfeit.c: unit tests of src/counterfeit: the matcher per
 * dnstwist fuzzer class, the Chinese cases (traditional forms, Han
 * look-alikes, full-width, pinyin with government tokens), gov-suffix
 * impersonation, apps signed by another certificate, accounts on a
 * platform where the unit registered none, genuine names never flagged,
 * and the feed parsers' records and errors (file:line).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counterfeit/counterfeit.h"

#define CERT_A                                                                 \
	"aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11"
#define CERT_B                                                                 \
	"bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22"

static struct cf_set *set;

static int
setup(void **state)
{
	struct err e;

	(void)state;
	set = cf_set_new();
	assert_int_equal(cf_regions_load(set, NULL, &e), 0);
	assert_int_equal(cf_set_add_domain(set, "www.jiangmen.gov.cn", "U1",
					   "jm-portal", &e),
			 0);
	assert_int_equal(cf_set_add_domain(set, "江门市人民政府.政务", "U1",
					   "jm-portal", &e),
			 0);
	assert_int_equal(
	    cf_set_add_domain(set, "www.cnts.gov.cn", "U2", "ts-portal", &e),
	    0);
	assert_int_equal(
	    cf_set_add_domain(set, "www.yanan.gov.cn", "U3", NULL, &e), 0);
	assert_int_equal(
	    cf_set_add_domain(set, "www.wyu.edu.cn", "U4", NULL, &e), 0);
	assert_int_equal(cf_set_add_domain(set, "raohe.cn", "U5", NULL, &e), 0);
	assert_int_equal(cf_set_add_name(set, "江门市人民政府", "unit name",
					 "U1", NULL, NULL, &e),
			 0);
	assert_int_equal(cf_set_add_name(set, "台山市人民政府", "unit name",
					 "U2", NULL, NULL, &e),
			 0);
	assert_int_equal(cf_set_add_name(set, "江门发布", "account", "U1",
					 "jm-wechat", "微信公众平台", &e),
			 0);
	assert_int_equal(cf_set_add_name(set, "江门易办事", "app name", "U1",
					 "jm-app", NULL, &e),
			 0);
	assert_int_equal(cf_set_add_app(set, "江门易办事",
					"cn.gov.jiangmen.ybs", CERT_A, "U1",
					"jm-app", &e),
			 0);
	assert_int_equal(cf_set_add_region(set, "610600", "U3", &e), 0);
	assert_int_equal(cf_set_add_region(set, "440700", "U1", &e), 0);
	assert_int_equal(cf_set_seal(set, &e), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	cf_set_free(set);
	return 0;
}

/* The best hit of a domain, or NULL; its class in *cls. */
static const struct cf_hit *
best(const char *name)
{
	static struct cf_hit h[CF_HITS_MAX];
	char norm[512];
	int n = cf_match_domain(set, name, h, CF_HITS_MAX, norm, sizeof(norm));

	return n > 0 ? &h[0] : NULL;
}

struct dcase {
	const char *candidate;
	const char *cls;       /* expected class of the best hit */
	const char *protected; /* expected protected thing */
};

static void
check_cases(const struct dcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cf_hit *h = best(c[i].candidate);

		if (h == NULL)
			fail_msg("'%s' was not flagged", c[i].candidate);
		if (strcmp(h->cls, c[i].cls) != 0 ||
		    strcmp(h->p->text, c[i].protected) != 0)
			fail_msg("'%s': %s -> %s (%s), expected %s -> %s",
				 c[i].candidate, h->cls, h->p->text, h->reason,
				 c[i].cls, c[i].protected);
		assert_true(h->score > 0 && h->score <= 100);
		assert_true(h->reason[0] != '\0');
	}
}

/* One case per dnstwist fuzzer class, on jiangmen.gov.cn. */
static void
test_fuzzer_classes(void **state)
{
	static const struct dcase c[] = {
	    {"jiangmena.gov.cn", "addition", "jiangmen.gov.cn"},
	    {"jiangmen1.gov.cn", "addition", "jiangmen.gov.cn"},
	    {"jiangmgn.gov.cn", "bitsquatting", "jiangmen.gov.cn"},
	    {"jiangrnen.gov.cn", "homoglyph", "jiangmen.gov.cn"},
	    {"j1angmen.gov.cn", "homoglyph", "jiangmen.gov.cn"},
	    {"jiangmen.gov.cn.xn--80a", NULL, NULL}, /* skipped below */
	    {"jiang-men.gov.cn", "hyphenation", "jiangmen.gov.cn"},
	    {"jiangmwen.gov.cn", "insertion", "jiangmen.gov.cn"},
	    {"jiangen.gov.cn", "omission", "jiangmen.gov.cn"},
	    {"jiangmeen.gov.cn", "repetition", "jiangmen.gov.cn"},
	    {"jiangmrn.gov.cn", "replacement", "jiangmen.gov.cn"},
	    {"jiang.men.gov.cn", "subdomain", "jiangmen.gov.cn"},
	    /* he.cn is a public suffix: the split falls on it */
	    {"rao.he.cn", "subdomain", "raohe.cn"},
	    {"jaingmen.gov.cn", "transposition", "jiangmen.gov.cn"},
	    {"jiangmon.gov.cn", "vowel-swap", "jiangmen.gov.cn"},
	    {"jiangmen.com", "tld-swap", "jiangmen.gov.cn"},
	    {"jiangmen.cn", "tld-swap", "jiangmen.gov.cn"},
	    {"jiangmengov.cn", "gov-suffix", "jiangmen.gov.cn"},
	    {"jiangmen-login.com", "various", "jiangmen.gov.cn"},
	    {"wwwjiangmen.cn", "various", "jiangmen.gov.cn"},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++)
		if (c[i].cls != NULL)
			check_cases(&c[i], 1);
}

/* IDN homoglyphs: Cyrillic and accented letters (dnstwist's cyrillic
 * and homoglyph classes in Unicode). */
static void
test_idn_homoglyphs(void **state)
{
	static const struct dcase c[] = {
	    /* jiangmеn with a Cyrillic е */
	    {"jiangm\xd0\xb5n.gov.cn", "homoglyph", "jiangmen.gov.cn"},
	    /* jiàngmen */
	    {"ji\xc3\xa0ngmen.com", "homoglyph", "jiangmen.gov.cn"},
	    /* all Cyrillic look-alikes: јіапgмеп is not it, but сnts is */
	    {"\xd1\x81nts.gov.cn", "homoglyph", "cnts.gov.cn"},
	};
	(void)state;
	check_cases(c, ARRAY_SIZE(c));
}

/* Chinese names in domains: traditional, look-alike, full-width. */
static void
test_chinese_domains(void **state)
{
	static const struct dcase c[] = {
	    /* traditional 門 */
	    {"江門市人民政府.com", "idn-name", "江门市人民政府.政务"},
	    /* the same characters under another suffix */
	    {"江门市人民政府.com", "idn-name", "江门市人民政府.政务"},
	    /* Han look-alike: 入 for 人 */
	    {"江门市入民政府.中国", "idn-name", "江门市人民政府.政务"},
	    /* full-width letters are mapped by IDNA first */
	    {"ｊｉａｎｇｍｅｎ.com", "tld-swap", "jiangmen.gov.cn"},
	    /* one character changed */
	    {"江门市人民政付.com", "idn-near", "江门市人民政府"},
	    /* a region's name with a government word */
	    {"延安政务.com", "idn-name", "延安政务"},
	};
	(void)state;
	check_cases(c, ARRAY_SIZE(c));
}

/* Government-suffix tricks and region pinyin with zf/gov/zw. */
static void
test_gov_suffix(void **state)
{
	static const struct dcase c[] = {
	    {"jiangmen.gov.cn.x.top", "gov-suffix", "jiangmen.gov.cn"},
	    {"www.jiangmen.gov.cn.login.example.com", "gov-suffix",
	     "jiangmen.gov.cn"},
	    {"gov.cn.x.top", "gov-suffix", "gov.cn"},
	    {"jiangmen-gov.cn", "gov-suffix", "jiangmen.gov.cn"},
	    {"jiangmen-gov-cn.top", "gov-suffix", "jiangmen.gov.cn"},
	    {"gov-jiangmen.com", "gov-suffix", "jiangmen.gov.cn"},
	    {"yananzw.cn", "gov-suffix", "yanan.gov.cn"},
	    {"yazf.cn", "region-gov", "延安市"},
	    {"zwyanan.com", "gov-suffix", "yanan.gov.cn"},
	    {"jmzw.cn", "region-gov", "江门市"},
	    {"jiangmenzhengfu.com", "gov-suffix", "jiangmen.gov.cn"},
	};
	(void)state;
	check_cases(c, ARRAY_SIZE(c));
}

/* Region pinyin with a government token, for a region whose unit has no
 * domain of that spelling. */
static void
test_region_pinyin(void **state)
{
	struct cf_set *s = cf_set_new();
	struct err e;
	static struct cf_hit h[CF_HITS_MAX];
	int n;

	(void)state;
	assert_int_equal(cf_regions_load(s, NULL, &e), 0);
	assert_int_equal(cf_set_add_region(s, "610600", "U3", &e), 0);
	assert_int_equal(cf_set_seal(s, &e), 0);
	n = cf_match_domain(s, "yananzw.cn", h, CF_HITS_MAX, NULL, 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].cls, "region-gov");
	assert_string_equal(h[0].p->text, "延安市");
	assert_string_equal(h[0].p->unit, "U3");
	assert_int_equal(cf_match_domain(s, "yanan-gov.cn", h, 4, NULL, 0), 1);
	/* pinyin alone is a place name, not an impersonation */
	assert_int_equal(cf_match_domain(s, "yanan.com", h, 4, NULL, 0), 0);
	assert_int_equal(cf_set_add_region(s, "999999", NULL, &e), -1);
	cf_set_free(s);
}

/* The registry's own names are never flagged, nor unrelated ones. */
static void
test_genuine(void **state)
{
	static const char *const ok[] = {
	    "jiangmen.gov.cn",
	    "www.jiangmen.gov.cn",
	    "mail.jiangmen.gov.cn",
	    "JIANGMEN.GOV.CN.",
	    "江门市人民政府.政务",
	    "www.江门市人民政府.政务",
	    "xn--gmq658ainal6so7ikna541v.xn--zfr164b",
	    "cnts.gov.cn",
	    "wyu.edu.cn",
	    "yanan.gov.cn",
	    "example.com",
	    "baidu.com",
	    "shenzhen.gov.cn",
	    "qq.com"};
	static struct cf_hit h[CF_HITS_MAX];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		int n = cf_match_domain(set, ok[i], h, CF_HITS_MAX, NULL, 0);

		if (n != 0)
			fail_msg("'%s' flagged: %s (%s)", ok[i], h[0].cls,
				 h[0].reason);
	}
	assert_int_equal(cf_match_domain(set, "not a domain", h, 4, NULL, 0),
			 -1);
	assert_int_equal(cf_match_domain(set, "192.0.2.1", h, 4, NULL, 0), -1);
}

static void
test_apps(void **state)
{
	static struct cf_hit h[CF_HITS_MAX];
	struct cf_listing genuine = {"江门易办事",
				     "cn.gov.jiangmen.ybs",
				     "江门市人民政府",
				     CERT_A,
				     "应用宝",
				     NULL,
				     NULL};
	struct cf_listing resigned = {"江门易办事", "cn.gov.jiangmen.ybs",
				      "someone",    CERT_B,
				      "快快下载站", NULL,
				      NULL};
	struct cf_listing lookalike = {
	    "江門易辦事", "com.fake.ybs", "x", CERT_B, "store", NULL, NULL};
	struct cf_listing dev = {"便民服务", "com.fake.bm", "江门市人民政府",
				 CERT_B,     "store",	    NULL,
				 NULL};
	struct cf_listing other = {
	    "天气预报", "com.weather", "天气公司", CERT_B, "store", NULL, NULL};
	int n;

	(void)state;
	assert_int_equal(cf_match_app(set, &genuine, h, 4), 0);
	/* colons and upper case in the digest are the same digest */
	genuine.cert = "AA:11:AA:11:AA:11:AA:11:AA:11:AA:11:AA:11:AA:11:AA:11:"
		       "AA:11:AA:11:AA:11:AA:11:AA:11:AA:11:AA:11";
	assert_int_equal(cf_match_app(set, &genuine, h, 4), 0);
	n = cf_match_app(set, &resigned, h, 4);
	assert_true(n >= 1);
	assert_string_equal(h[0].cls, "app-cert");
	assert_int_equal(h[0].score, 95);
	n = cf_match_app(set, &lookalike, h, 4);
	assert_true(n >= 1);
	assert_string_equal(h[0].cls, "app-name");
	assert_string_equal(h[0].p->text, "江门易办事");
	n = cf_match_app(set, &dev, h, 4);
	assert_true(n >= 1);
	assert_string_equal(h[0].cls, "app-developer");
	assert_string_equal(h[0].p->text, "江门市人民政府");
	assert_int_equal(cf_match_app(set, &other, h, 4), 0);
}

static void
test_accounts(void **state)
{
	static struct cf_hit h[CF_HITS_MAX];
	struct cf_listing reg = {.platform = "微信公众平台",
				 .name = "江门发布"};
	struct cf_listing elsewhere = {.platform = "微博", .name = "江门发布"};
	struct cf_listing unitname = {.platform = "抖音",
				      .name = "江门市人民政府官方"};
	struct cf_listing trad = {.platform = "抖音", .name = "台山市人民政府"};
	struct cf_listing other = {.platform = "抖音", .name = "江门美食"};
	struct cf_listing region = {.platform = "抖音", .name = "延安政务"};
	int n;

	(void)state;
	assert_int_equal(cf_match_account(set, &reg, h, 4), 0);
	n = cf_match_account(set, &elsewhere, h, 4);
	assert_true(n >= 1);
	assert_string_equal(h[0].cls, "account");
	assert_non_null(strstr(h[0].reason, "微信公众平台"));
	n = cf_match_account(set, &unitname, h, 4);
	assert_true(n >= 1);
	assert_string_equal(h[0].p->text, "江门市人民政府");
	n = cf_match_account(set, &trad, h, 4);
	assert_true(n >= 1);
	assert_string_equal(h[0].p->text, "台山市人民政府");
	assert_int_equal(cf_match_account(set, &other, h, 4), 0);
	n = cf_match_account(set, &region, h, 4);
	assert_true(n >= 1);
	assert_string_equal(h[0].p->text, "延安政务");
	assert_string_equal(h[0].p->unit, "U3");
}

static void
test_fold_osa(void **state)
{
	char a[64], b[64];

	(void)state;
	cf_fold("jiangmen", a, sizeof(a));
	cf_fold("j1angrnen", b, sizeof(b));
	assert_string_equal(a, b);
	cf_fold("clinic", a, sizeof(a));
	cf_fold("dinic", b, sizeof(b));
	assert_string_equal(a, b);
	assert_int_equal(cf_osa("abcd", 4, "abdc", 4, 1), 1);
	assert_int_equal(cf_osa("abcd", 4, "abcd", 4, 1), 0);
	assert_int_equal(cf_osa("abcd", 4, "xbcy", 4, 1), 2);
	assert_int_equal(cf_osa("abc", 3, "abcd", 4, 1), 1);
}

/* Feed parsing: records of each kind and errors with file:line. */
struct collect {
	char got[2048];
	int n;
};

static int
collect(void *arg, const struct cf_record *r, struct err *e)
{
	struct collect *c = arg;
	size_t l = strlen(c->got);

	(void)e;
	snprintf(c->got + l, sizeof(c->got) - l, "%s%s", c->n ? "|" : "",
		 r->domain	? r->domain
		 : r->item.name ? r->item.name
				: r->item.package);
	c->n++;
	return 0;
}

static int
feed(enum cf_kind k, const char *text, struct collect *c, struct err *e)
{
	struct cf_feed f;
	char *copy = strdup(text);
	FILE *in = fmemopen(copy, strlen(text), "r");
	int rc;

	memset(c, 0, sizeof(*c));
	cf_feed_init(&f, k, "feed.txt");
	rc = cf_feed_read(&f, in, collect, c, e);
	fclose(in);
	free(copy);
	return rc;
}

static void
test_feeds(void **state)
{
	struct collect c;
	struct err e;

	(void)state;
	assert_int_equal(
	    feed(CF_DOMAIN, "# list\nexample.com\n\nExample.ORG.\n", &c, &e),
	    0);
	assert_string_equal(c.got, "example.com|Example.ORG");
	/* a zone file: $ORIGIN, relative names, repeated owners */
	assert_int_equal(
	    feed(CF_AUTO,
		 "$ORIGIN top.\n$TTL 3600\n@ IN SOA a. b. 1 2 3 "
		 "4 5\njiangmen-gov IN NS ns1.x.\njiangmen-gov IN "
		 "NS ns2.x.\n  IN A 192.0.2.1 ; same owner\nabc.top. "
		 "IN NS ns.x.\n",
		 &c, &e),
	    0);
	assert_string_equal(c.got, "top|jiangmen-gov.top|abc.top");
	assert_int_equal(
	    feed(CF_AUTO,
		 "{\"message_type\":\"heartbeat\"}\n{\"message_type\":"
		 "\"certificate_update\",\"data\":{\"leaf_cert\":{\"all_"
		 "domains\":[\"*.a.com\",\"b.org\"]}}}\n",
		 &c, &e),
	    0);
	assert_string_equal(c.got, "a.com|b.org");
	assert_int_equal(feed(CF_AUTO,
			      "{\"name\":\"x\",\"package\":\"p\",\"developer\":"
			      "\"d\",\"cert_sha256\":\"c\",\"store\":\"s\"}\n",
			      &c, &e),
			 0);
	assert_string_equal(c.got, "x");
	assert_int_equal(
	    feed(CF_AUTO,
		 "{\"platform\":\"weibo\",\"name\":\"n\",\"owner\":\"o\"}\n",
		 &c, &e),
	    0);
	assert_string_equal(c.got, "n");
	/* errors name the file and the line */
	assert_int_equal(
	    feed(CF_APP, "{\"name\":\"x\"}\n{\"name\":1}\n", &c, &e), -1);
	assert_string_equal(e.msg, "feed.txt:2: \"name\" is not a string");
	assert_int_equal(feed(CF_ACCOUNT, "\n{\"name\":\"x\"}\n", &c, &e), -1);
	assert_string_equal(e.msg,
			    "feed.txt:2: an account needs \"platform\" and "
			    "\"name\"");
	assert_int_equal(feed(CF_CT, "{\"data\":{}}\n", &c, &e), -1);
	assert_string_equal(e.msg,
			    "feed.txt:1: no data.leaf_cert.all_domains array");
	assert_int_equal(feed(CF_APP, "{oops\n", &c, &e), -1);
	assert_true(strncmp(e.msg, "feed.txt:1: not JSON", 20) == 0);
	assert_int_equal(feed(CF_DOMAIN, "a.com\n\xff\xfe\n", &c, &e), -1);
	assert_string_equal(e.msg, "feed.txt:2: not UTF-8");
	{
		static char big[CF_LINE_MAX + 100];

		memset(big, 'a', sizeof(big) - 2);
		big[sizeof(big) - 2] = '\n';
		assert_int_equal(feed(CF_DOMAIN, big, &c, &e), -1);
		assert_string_equal(e.msg, "feed.txt:1: line too long");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fuzzer_classes),
	    cmocka_unit_test(test_idn_homoglyphs),
	    cmocka_unit_test(test_chinese_domains),
	    cmocka_unit_test(test_gov_suffix),
	    cmocka_unit_test(test_region_pinyin),
	    cmocka_unit_test(test_genuine),
	    cmocka_unit_test(test_apps),
	    cmocka_unit_test(test_accounts),
	    cmocka_unit_test(test_fold_osa),
	    cmocka_unit_test(test_feeds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
