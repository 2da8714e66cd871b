/*
 * test_domain.c: unit tests of domain.c (SITE-2, SITE-3): Chinese and
 * ASCII names in both forms, the suffix classes, registrable domains, and
 * refused input with exact messages. A-labels below were computed with an
 * independent Punycode encoder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "registry/registry.h"

struct good {
	const char *in;
	const char *alabel;
	const char *ulabel;
	const char *registrable;
	enum domain_suffix suffix;
	int is_idn;
};

static const struct good goods[] = {
    {"江门.政务", "xn--9sw099f.xn--zfr164b", "江门.政务",
     "xn--9sw099f.xn--zfr164b", DOMAIN_ORGAN, 1},
    {"中国政府网.政务", "xn--fiqs8sirgfmhq98a.xn--zfr164b", "中国政府网.政务",
     "xn--fiqs8sirgfmhq98a.xn--zfr164b", DOMAIN_ORGAN, 1},
    {"www.江门市人民政府.政务", "www.xn--gmq658ainal6so7ikna541v.xn--zfr164b",
     "www.江门市人民政府.政务", "xn--gmq658ainal6so7ikna541v.xn--zfr164b",
     DOMAIN_ORGAN, 1},
    {"北京大学.公益", "xn--1lq90ic7fzpc.xn--55qw42g", "北京大学.公益",
     "xn--1lq90ic7fzpc.xn--55qw42g", DOMAIN_INSTITUTION, 1},
    {"www.gov.cn", "www.gov.cn", "www.gov.cn", "www.gov.cn", DOMAIN_ORGAN, 0},
    {"www.beijing.gov.cn", "www.beijing.gov.cn", "www.beijing.gov.cn",
     "beijing.gov.cn", DOMAIN_ORGAN, 0},
    {"www.pku.edu.cn", "www.pku.edu.cn", "www.pku.edu.cn", "pku.edu.cn",
     DOMAIN_INSTITUTION, 0},
    {"www.example.com.cn", "www.example.com.cn", "www.example.com.cn",
     "example.com.cn", DOMAIN_INSTITUTION, 0},
    {"example.cn", "example.cn", "example.cn", "example.cn", DOMAIN_INSTITUTION,
     0},
    {"example.com", "example.com", "example.com", "example.com", DOMAIN_OTHER,
     0},
    {"www.example.co.uk", "www.example.co.uk", "www.example.co.uk",
     "example.co.uk", DOMAIN_OTHER, 0},
    /* Not organ names, though "gov.cn" or "cn" appear in them. */
    {"gov.cn.example.com", "gov.cn.example.com", "gov.cn.example.com",
     "example.com", DOMAIN_OTHER, 0},
    {"examplegov.cn", "examplegov.cn", "examplegov.cn", "examplegov.cn",
     DOMAIN_INSTITUTION, 0},
    {"example.cnn", "example.cnn", "example.cnn", "example.cnn", DOMAIN_OTHER,
     0},
    /* .中国 is neither of the suffixes SITE-3 names. */
    {"www.中国", "www.xn--fiqs8s", "www.中国", "www.xn--fiqs8s", DOMAIN_OTHER,
     1},
    /* Case folding, both forms. */
    {"WWW.GOV.CN", "www.gov.cn", "www.gov.cn", "www.gov.cn", DOMAIN_ORGAN, 0},
    {"www.XN--ZFR164B", "www.xn--zfr164b", "www.政务", "www.xn--zfr164b",
     DOMAIN_ORGAN, 1},
    {"XN--9SW099F.XN--ZFR164B", "xn--9sw099f.xn--zfr164b", "江门.政务",
     "xn--9sw099f.xn--zfr164b", DOMAIN_ORGAN, 1},
    {"xn--1lq90ic7fzpc.xn--55qw42g", "xn--1lq90ic7fzpc.xn--55qw42g",
     "北京大学.公益", "xn--1lq90ic7fzpc.xn--55qw42g", DOMAIN_INSTITUTION, 1},
    /* Mixed forms. */
    {"江门.xn--zfr164b", "xn--9sw099f.xn--zfr164b", "江门.政务",
     "xn--9sw099f.xn--zfr164b", DOMAIN_ORGAN, 1},
    /* Ideographic, full-width and half-width full stops separate labels. */
    {"江门。政务", "xn--9sw099f.xn--zfr164b", "江门.政务",
     "xn--9sw099f.xn--zfr164b", DOMAIN_ORGAN, 1},
    {"江门．政务", "xn--9sw099f.xn--zfr164b", "江门.政务",
     "xn--9sw099f.xn--zfr164b", DOMAIN_ORGAN, 1},
    {"江门｡政务", "xn--9sw099f.xn--zfr164b", "江门.政务",
     "xn--9sw099f.xn--zfr164b", DOMAIN_ORGAN, 1},
    {"ｗｗｗ．ｇｏｖ．ｃｎ", "www.gov.cn", "www.gov.cn", "www.gov.cn",
     DOMAIN_ORGAN, 0},
    /* One trailing dot, ASCII or ideographic. */
    {"www.gov.cn.", "www.gov.cn", "www.gov.cn", "www.gov.cn", DOMAIN_ORGAN, 0},
    {"江门.政务。", "xn--9sw099f.xn--zfr164b", "江门.政务",
     "xn--9sw099f.xn--zfr164b", DOMAIN_ORGAN, 1},
    /* Deeper names under the new TLDs: the last two labels register. */
    {"a.b.江门.政务", "a.b.xn--9sw099f.xn--zfr164b", "a.b.江门.政务",
     "xn--9sw099f.xn--zfr164b", DOMAIN_ORGAN, 1},
    /* IDNA2008 non-transitional: ß stays ß. */
    {"faß.de", "xn--fa-hia.de", "faß.de", "xn--fa-hia.de", DOMAIN_OTHER, 1},
    {"Bücher.de", "xn--bcher-kva.de", "bücher.de", "xn--bcher-kva.de",
     DOMAIN_OTHER, 1},
    {"a-b.example.com", "a-b.example.com", "a-b.example.com", "example.com",
     DOMAIN_OTHER, 0},
    {"123.example.com", "123.example.com", "123.example.com", "example.com",
     DOMAIN_OTHER, 0},
};

struct bad {
	const char *in;
	const char *msg;
};

static const struct bad bads[] = {
    {"", "domain name is empty"},
    {".", "domain name '.' has no labels"},
    {"。", "domain name '。' has no labels"},
    {"www.gov.cn..", "domain name 'www.gov.cn..' has an empty label"},
    {".www.gov.cn", "domain name '.www.gov.cn' has an empty label"},
    {"a..b.cn", "domain name 'a..b.cn' has an empty label"},
    {"江门。。政务", "domain name '江门。。政务' has an empty label"},
    {"1.2.3.4", "'1.2.3.4' is an IP address, not a domain name"},
    {"1.2.3.4.", "'1.2.3.4.' is an IP address, not a domain name"},
    {"::1", "'::1' is an IP address, not a domain name"},
    {"[2001:db8::1]", "'[2001:db8::1]' is an IP address, not a domain name"},
    {"１.２.３.４", "'１.２.３.４' is an IP address, not a domain name"},
    {"0x7f.1", "'0x7f.1' is an IP address, not a domain name"},
    {"127.1", "'127.1' is an IP address, not a domain name"},
    {"example.123", "top-level label '123' of 'example.123' is all digits"},
    {"a_b.gov.cn", "label 'a_b' has invalid character '_'"},
    {"a b.gov.cn", "label 'a b' has invalid character ' '"},
    {"www.gov.cn:80", "label 'cn:80' has invalid character ':'"},
    {"user@example.com", "label 'user@example' has invalid character '@'"},
    {"http://www.gov.cn", "label 'http://www' has invalid character ':'"},
    {"-a.gov.cn",
     "label '-a' is not valid: string start/ends with forbidden hyphen"},
    {"a-.gov.cn",
     "label 'a-' is not valid: string start/ends with forbidden hyphen"},
    {"ab--cd.gov.cn",
     "label 'ab--cd' is not valid: string contains forbidden two hyphens "
     "pattern"},
    {"xn--abc.gov.cn",
     "label 'xn--abc' is not a valid A-label: domain label has character "
     "forbidden in non-transitional mode (TR46)"},
    {"a\xe2\x80\x8d"
     "b.com",
     "label 'a\xe2\x80\x8d"
     "b' is not valid: string contains a forbidden context-j character"},
    {"a⒈com.cn",
     "label 'a⒈com' is not valid: string contains a disallowed character"},
    {"gov.cn", "'gov.cn' is a public suffix, not a registrable name"},
    {"GOV.CN", "'GOV.CN' is a public suffix, not a registrable name"},
    {"cn", "'cn' is a public suffix, not a registrable name"},
    {"政务", "'政务' is a public suffix, not a registrable name"},
    {"XN--ZFR164B", "'XN--ZFR164B' is a public suffix, not a registrable "
		    "name"},
    {"公益", "'公益' is a public suffix, not a registrable name"},
    {"localhost", "'localhost' is a public suffix, not a registrable name"},
    {"\xff.cn", "domain name is not valid UTF-8 or has control characters"},
    {"\xe6\xb1.cn", "domain name is not valid UTF-8 or has control characters"},
    {"www\t.gov.cn",
     "domain name is not valid UTF-8 or has control characters"},
    {"www\n.gov.cn",
     "domain name is not valid UTF-8 or has control characters"},
};

static void
test_good(void **state)
{
	struct domain_info d;
	struct err why;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(goods); i++) {
		const struct good *g = &goods[i];

		why.msg[0] = '\0';
		if (domain_parse(g->in, &d, &why) != 0)
			fail_msg("'%s': %s", g->in, why.msg);
		assert_string_equal(d.alabel, g->alabel);
		assert_string_equal(d.ulabel, g->ulabel);
		assert_string_equal(d.registrable, g->registrable);
		assert_int_equal(d.suffix, g->suffix);
		assert_int_equal(d.is_idn, g->is_idn);
	}
}

static void
test_bad(void **state)
{
	struct domain_info d;
	struct err why;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		why.msg[0] = '\0';
		if (domain_parse(bads[i].in, &d, &why) != -1)
			fail_msg("'%s' was accepted", bads[i].in);
		assert_string_equal(why.msg, bads[i].msg);
	}
}

/* Appends n copies of s to b. */
static void
add_n(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(buf_addstr(b, s), 0);
}

static void
test_lengths(void **state)
{
	struct buf b = BUF_INIT(4096);
	struct domain_info d;
	struct err why;
	const char *a63 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			  "aaaaaaaaaaaaaaaaa";

	(void)state;
	/* 63 bytes is the longest label. */
	assert_int_equal(strlen(a63), 63);
	add_n(&b, a63, 1);
	add_n(&b, ".cn", 1);
	assert_int_equal(domain_parse(b.data, &d, &why), 0);
	assert_string_equal(d.alabel, b.data);
	buf_reset(&b);
	add_n(&b, a63, 1);
	add_n(&b, "a.cn", 1);
	assert_int_equal(domain_parse(b.data, &d, &why), -1);
	assert_string_equal(
	    why.msg, "label 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "aaaaaaaaaaaaaaaaaa' is longer than 63 bytes");

	/* 3 x (63 + 1) + 58 + 3 = 253 bytes fits; one more byte does not. */
	buf_reset(&b);
	for (int i = 0; i < 3; i++) {
		add_n(&b, a63, 1);
		add_n(&b, ".", 1);
	}
	add_n(&b, "b", 58);
	add_n(&b, ".cn", 1);
	assert_int_equal(b.len, 253);
	assert_int_equal(domain_parse(b.data, &d, &why), 0);
	assert_int_equal(strlen(d.alabel), 253);
	assert_int_equal(d.suffix, DOMAIN_INSTITUTION);
	buf_reset(&b);
	for (int i = 0; i < 3; i++) {
		add_n(&b, a63, 1);
		add_n(&b, ".", 1);
	}
	add_n(&b, "b", 59);
	add_n(&b, ".cn", 1);
	assert_int_equal(domain_parse(b.data, &d, &why), -1);
	assert_string_equal(
	    why.msg, "domain name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "aaaaaaaaaaaaaaaaaaaaaaaaa....' is longer than 253 "
		     "bytes");

	/* Over 1024 bytes is refused before anything else. */
	buf_reset(&b);
	add_n(&b, "a", 1025);
	assert_int_equal(domain_parse(b.data, &d, &why), -1);
	assert_string_equal(why.msg, "domain name is longer than 1024 bytes");
	buf_reset(&b);
	add_n(&b, "a", 1024);
	assert_int_equal(domain_parse(b.data, &d, &why), -1);
	assert_string_equal(
	    why.msg, "label 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "aaaaaaaaaaaaaaaaaa...' is longer than 63 bytes");
	buf_cleanup(&b);
}

/* A long Chinese label: its A-label must stay within 63 bytes. */
static void
test_long_idn(void **state)
{
	struct buf b = BUF_INIT(4096);
	struct domain_info d;
	struct err why;

	(void)state;
	/* 20 x 政 (60 bytes of UTF-8) make a short A-label: accepted. */
	add_n(&b, "政", 20);
	add_n(&b, ".cn", 1);
	assert_int_equal(domain_parse(b.data, &d, &why), 0);
	assert_true(strlen(d.alabel) <= 63 + 3);
	assert_int_equal(d.is_idn, 1);
	/* 60 characters alternating make an A-label over 63 bytes. */
	buf_reset(&b);
	add_n(&b, "江门", 30);
	add_n(&b, ".cn", 1);
	assert_int_equal(domain_parse(b.data, &d, &why), -1);
	assert_true(strstr(why.msg, "is longer than 63 bytes") != NULL);
	buf_cleanup(&b);
}

/* Parsing the A-label or U-label form again gives the same result. */
static void
test_round_trip(void **state)
{
	struct domain_info d, again;
	struct err why;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(goods); i++) {
		assert_int_equal(domain_parse(goods[i].in, &d, &why), 0);
		assert_int_equal(domain_parse(d.alabel, &again, &why), 0);
		assert_memory_equal(&d, &again, sizeof(d));
		assert_int_equal(domain_parse(d.ulabel, &again, &why), 0);
		assert_memory_equal(&d, &again, sizeof(d));
	}
}

/* A failure leaves out untouched and why may be NULL. */
static void
test_no_half_results(void **state)
{
	struct domain_info d;
	struct err why;

	(void)state;
	memset(&d, 0x5a, sizeof(d));
	assert_int_equal(domain_parse("a..b", &d, &why), -1);
	for (size_t i = 0; i < sizeof(d); i++)
		assert_int_equal(((unsigned char *)&d)[i], 0x5a);
	assert_int_equal(domain_parse(NULL, &d, &why), -1);
	assert_string_equal(why.msg, "no domain name given");
	assert_int_equal(domain_parse("a..b", &d, NULL), -1);
	assert_int_equal(domain_parse("www.gov.cn", &d, NULL), 0);
}

static void
test_suffix_name(void **state)
{
	(void)state;
	assert_string_equal(domain_suffix_name(DOMAIN_ORGAN), "organ");
	assert_string_equal(domain_suffix_name(DOMAIN_INSTITUTION),
			    "institution");
	assert_string_equal(domain_suffix_name(DOMAIN_OTHER), "other");
	assert_string_equal(domain_suffix_name((enum domain_suffix)42),
			    "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_long_idn),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_no_half_results),
	    cmocka_unit_test(test_suffix_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
