/*
 * test_naming.c: unit tests of naming.c (NAME-1): online names that start
 * with the unit's name or short name pass, region + function names go to
 * review, anything else fails with a reason; exact reasons are checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "registry/registry.h"

static const struct name_unit jiangmen = {"江门市人民政府", "江门市政府",
					  "江门市"};
static const struct name_unit pku = {"北京大学", "北大", "北京市"};
static const struct name_unit mof = {"Ministry of Finance", "MOF", NULL};
static const struct name_unit bare = {"江门市人民政府", NULL, NULL};
static const struct name_unit blank = {"江门市人民政府", "", "  "};

struct name_case {
	const char *online;
	const struct name_unit *unit;
	enum name_verdict verdict;
	const char *reason;
};

static const struct name_case cases[] = {
    /* The full name first. */
    {"江门市人民政府", &jiangmen, NAME_PASS,
     "online name '江门市人民政府' starts with the unit name "
     "'江门市人民政府'"},
    {"江门市人民政府门户网站", &jiangmen, NAME_PASS,
     "online name '江门市人民政府门户网站' starts with the unit name "
     "'江门市人民政府'"},
    /* Spaces (ASCII, no-break, ideographic) are ignored on both sides. */
    {" 江门市 人民政府\xe3\x80\x80门户网站", &jiangmen, NAME_PASS,
     "online name ' 江门市 人民政府\xe3\x80\x80门户网站' starts with the "
     "unit name '江门市人民政府'"},
    {"江门市\xc2\xa0人民政府", &jiangmen, NAME_PASS,
     "online name '江门市\xc2\xa0人民政府' starts with the unit name "
     "'江门市人民政府'"},
    /* The short name first. */
    {"江门市政府网", &jiangmen, NAME_PASS,
     "online name '江门市政府网' starts with the unit short name "
     "'江门市政府'"},
    {"北大招生网", &pku, NAME_PASS,
     "online name '北大招生网' starts with the unit short name '北大'"},
    {"北京大学图书馆", &pku, NAME_PASS,
     "online name '北京大学图书馆' starts with the unit name '北京大学'"},
    /* ASCII case folded, spaces ignored. */
    {"ministry of finance portal", &mof, NAME_PASS,
     "online name 'ministry of finance portal' starts with the unit name "
     "'Ministry of Finance'"},
    {"MinistryOfFinance", &mof, NAME_PASS,
     "online name 'MinistryOfFinance' starts with the unit name "
     "'Ministry of Finance'"},
    {"Mof News", &mof, NAME_PASS,
     "online name 'Mof News' starts with the unit short name 'MOF'"},
    /* Region + function name: review. */
    {"江门市政务服务网", &jiangmen, NAME_REVIEW,
     "online name '江门市政务服务网' is region name '江门市' plus a function "
     "name: the unit name '江门市人民政府' must be shown prominently"},
    {"江门市 12345", &jiangmen, NAME_REVIEW,
     "online name '江门市 12345' is region name '江门市' plus a function "
     "name: the unit name '江门市人民政府' must be shown prominently"},
    {"北京市高校招生网", &pku, NAME_REVIEW,
     "online name '北京市高校招生网' is region name '北京市' plus a "
     "function name: the unit name '北京大学' must be shown prominently"},
    /* The region name alone is no function name. */
    {"江门市", &jiangmen, NAME_FAIL,
     "online name '江门市' starts with neither the unit name "
     "'江门市人民政府' nor its short name '江门市政府'"},
    {"江门市 \xe3\x80\x80", &jiangmen, NAME_FAIL,
     "online name '江门市 \xe3\x80\x80' starts with neither the unit name "
     "'江门市人民政府' nor its short name '江门市政府'"},
    /* Other names fail. */
    /* The region name without its administrative suffix counts too. */
    {"江门发布", &jiangmen, NAME_REVIEW,
     "online name '江门发布' is region name '江门市' plus a function "
     "name: the unit name '江门市人民政府' must be shown prominently"},
    {"江门", &jiangmen, NAME_FAIL,
     "online name '江门' starts with neither the unit name "
     "'江门市人民政府' nor its short name '江门市政府'"},
    {"人民政府江门市", &jiangmen, NAME_FAIL,
     "online name '人民政府江门市' starts with neither the unit name "
     "'江门市人民政府' nor its short name '江门市政府'"},
    {"广州市人民政府", &jiangmen, NAME_FAIL,
     "online name '广州市人民政府' starts with neither the unit name "
     "'江门市人民政府' nor its short name '江门市政府'"},
    /* A prefix of the unit name is not the unit name. */
    {"江门市人民", &bare, NAME_FAIL,
     "online name '江门市人民' does not start with the unit name "
     "'江门市人民政府'"},
    /* Empty short and region names are ignored, not matched. */
    {"江门市政务服务网", &blank, NAME_FAIL,
     "online name '江门市政务服务网' does not start with the unit name "
     "'江门市人民政府'"},
    /* Full-width Latin letters are not folded: NFC-free exact match. */
    {"ＭＯＦ", &mof, NAME_FAIL,
     "online name 'ＭＯＦ' starts with neither the unit name "
     "'Ministry of Finance' nor its short name 'MOF'"},
    /* Bad online names. */
    {"", &jiangmen, NAME_FAIL, "online name is empty"},
    {"  \xe3\x80\x80 ", &jiangmen, NAME_FAIL, "online name is empty"},
    {NULL, &jiangmen, NAME_FAIL, "online name is empty"},
    {"江门\xff市人民政府", &jiangmen, NAME_FAIL,
     "online name is not valid UTF-8 or has control characters"},
    {"\xe6\xb1", &jiangmen, NAME_FAIL,
     "online name is not valid UTF-8 or has control characters"},
    {"江门市人民政府\x01", &jiangmen, NAME_FAIL,
     "online name is not valid UTF-8 or has control characters"},
    /* A unit without a name cannot pass anything. */
    {"江门市人民政府", NULL, NAME_FAIL, "the unit has no name to compare with"},
};

static void
test_cases(void **state)
{
	struct err reason;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct name_case *c = &cases[i];
		enum name_verdict v;

		reason.msg[0] = '\0';
		v = name_check(c->online, c->unit, &reason);
		if (v != c->verdict)
			fail_msg("'%s': %s, expected %s (%s)",
				 c->online ? c->online : "(null)",
				 name_verdict_str(v),
				 name_verdict_str(c->verdict), reason.msg);
		assert_string_equal(reason.msg, c->reason);
	}
}

static void
test_bad_unit(void **state)
{
	struct name_unit u = {"", NULL, NULL};
	struct err reason;

	(void)state;
	assert_int_equal(name_check("江门市人民政府", &u, &reason), NAME_FAIL);
	assert_string_equal(reason.msg, "the unit has no name to compare with");
	u.name = NULL;
	assert_int_equal(name_check("江门市人民政府", &u, &reason), NAME_FAIL);
	assert_string_equal(reason.msg, "the unit has no name to compare with");
	u.name = "江门市人民政府";
	u.short_name = "\xff";
	assert_int_equal(name_check("江门市人民政府", &u, &reason), NAME_FAIL);
	assert_string_equal(reason.msg, "the unit's names are not valid UTF-8");
}

static void
test_long_names(void **state)
{
	struct buf b = BUF_INIT(4096);
	struct name_unit u = {NULL, NULL, "江门市"};
	struct err reason;

	(void)state;
	for (int i = 0; i < 100; i++)
		assert_int_equal(buf_addstr(&b, "江"), 0);
	u.name = b.data;
	assert_int_equal(name_check(b.data, &u, &reason), NAME_PASS);
	/* Reasons quote at most 96 bytes, cut between characters. */
	assert_true(strlen(reason.msg) < sizeof(reason.msg) - 1);
	assert_true(strstr(reason.msg, "江...'") != NULL);
	assert_int_equal(name_check("江门市x", &u, &reason), NAME_REVIEW);
	buf_cleanup(&b);
}

static void
test_null_reason(void **state)
{
	(void)state;
	assert_int_equal(name_check("江门市人民政府网", &jiangmen, NULL),
			 NAME_PASS);
	assert_int_equal(name_check("江门市网", &jiangmen, NULL), NAME_REVIEW);
	assert_int_equal(name_check("网", &jiangmen, NULL), NAME_FAIL);
	assert_int_equal(name_check(NULL, NULL, NULL), NAME_FAIL);
}

static void
test_verdict_str(void **state)
{
	(void)state;
	assert_string_equal(name_verdict_str(NAME_PASS), "pass");
	assert_string_equal(name_verdict_str(NAME_REVIEW), "review");
	assert_string_equal(name_verdict_str(NAME_FAIL), "fail");
	assert_string_equal(name_verdict_str((enum name_verdict)7), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_bad_unit),
	    cmocka_unit_test(test_long_names),
	    cmocka_unit_test(test_null_reason),
	    cmocka_unit_test(test_verdict_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
