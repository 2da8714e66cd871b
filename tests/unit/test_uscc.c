/*
 * test_uscc.c: unit tests of uscc.c (GB 32100-2015 codes, CERT-1,
 * GOVWEB-4) against published codes, codes built by hand with independently
 * computed check characters, and malformed input with exact messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "registry/registry.h"

/*
 * Published codes whose check characters (GB 32100 and GB 11714) were
 * verified by an independent implementation: two central organs and a
 * university (classes 11 and 12) and four enterprises (class 91).
 */
static const char *const published[] = {
    "11100000000013127D", "11100000MB0143028R", "111000000000131433",
    "12100000400000624D", "914403001922038216", "9144030071526726XG",
    "91330100716105852F", "91110108551385082Q",
};

/* Built by hand, one per authority and category family; all checks hold. */
static const char *const built[] = {
    "12440700MB2C000058", "11440700MB2D12349M", "51440100MJ000000XM",
    "N2440700MA5D2F3H8D", "A1100000MB1234562N", "Y1110000MA0000007H",
    "31440100MD0000120B", "92440700MA4W000118", "93440700MA4W0002XW",
    "21100000MB0000019K",
};

/* Runs uscc_check on a code expected to fail with exactly msg. */
static void
expect_fail(const char *code, const char *msg)
{
	struct err why, warn;

	memset(&why, 0, sizeof(why));
	assert_int_equal(uscc_check(code, &why, &warn), -1);
	assert_string_equal(why.msg, msg);
}

static void
test_published(void **state)
{
	struct err why, warn;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(published); i++) {
		why.msg[0] = '\0';
		assert_int_equal(uscc_check(published[i], &why, &warn), 0);
		assert_string_equal(warn.msg, "");
		assert_int_equal(uscc_check_char(published[i]),
				 published[i][17]);
	}
}

static void
test_built(void **state)
{
	struct err why, warn;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(built); i++) {
		assert_int_equal(uscc_check(built[i], &why, &warn), 0);
		assert_string_equal(warn.msg, "");
	}
}

static void
test_check_char(void **state)
{
	(void)state;
	assert_int_equal(uscc_check_char("11100000000013127"), 'D');
	assert_int_equal(uscc_check_char("91440300192203821"), '6');
	assert_int_equal(uscc_check_char("9144030071526726X"), 'G');
	/* Only the first 17 characters count. */
	assert_int_equal(uscc_check_char("11100000000013127Z"), 'D');
	assert_int_equal(uscc_check_char("51440100500000000"), '1');
	/* Sum mod 31 == 0 gives check value 31, written '0'. */
	assert_int_equal(uscc_check_char("00000000000000000"), '0');
	assert_int_equal(uscc_check_char("12440700123456783"), '0');
	/* Check value 30, the last character of the alphabet. */
	assert_int_equal(uscc_check_char("1244070012345678D"), 'Y');
	assert_int_equal(uscc_check_char("1110000000001312"), 0);
	assert_int_equal(uscc_check_char(""), 0);
	assert_int_equal(uscc_check_char(NULL), 0);
	assert_int_equal(uscc_check_char("1110000000001312I"), 0);
	assert_int_equal(uscc_check_char("1110000000001312o"), 0);
}

static void
test_class(void **state)
{
	(void)state;
	assert_int_equal(uscc_class("11100000000013127D"), USCC_ORGAN);
	assert_int_equal(uscc_class("12100000400000624D"), USCC_INSTITUTION);
	assert_int_equal(uscc_class("914403001922038216"), USCC_OTHER);
	assert_int_equal(uscc_class("13100000000000000"), USCC_OTHER);
	assert_int_equal(uscc_class("1"), USCC_OTHER);
	assert_int_equal(uscc_class(""), USCC_OTHER);
	assert_int_equal(uscc_class(NULL), USCC_OTHER);
}

static void
test_wrong_check(void **state)
{
	(void)state;
	expect_fail("11100000000013127Y",
		    "check character is 'Y', expected 'D'");
	expect_fail("12100000400000624K",
		    "check character is 'K', expected 'D'");
	expect_fail("914403001922038210",
		    "check character is '0', expected '6'");
	/* Two swapped characters. */
	expect_fail("11100000000013172D",
		    "check character is 'D', expected '3'");
}

static void
test_length(void **state)
{
	(void)state;
	expect_fail("", "unified social credit code is empty");
	expect_fail(NULL, "no unified social credit code given");
	expect_fail("11100000000013127",
		    "unified social credit code '11100000000013127' has 17 "
		    "characters, expected 18");
	expect_fail("11100000000013127DD",
		    "unified social credit code '11100000000013127DD' has 19 "
		    "characters, expected 18");
	expect_fail(" 11100000000013127D",
		    "unified social credit code ' 11100000000013127D' has 19 "
		    "characters, expected 18");
	expect_fail("1111111111111111111111111111111111111111111111111",
		    "unified social credit code "
		    "'1111111111111111111111111111111111111111...' has 49 "
		    "characters, expected 18");
}

static void
test_not_ascii(void **state)
{
	(void)state;
	/* A full-width digit: 17 characters but 20 bytes. */
	expect_fail("11100000000013127\xef\xbc\xa4",
		    "character 18 is not ASCII: the code uses half-width "
		    "digits and upper-case letters");
	expect_fail("\xe4\xb8\xad", "character 1 is not ASCII: the code uses "
				    "half-width digits and upper-case letters");
	expect_fail("111\xff", "character 4 is not ASCII: the code uses "
			       "half-width digits and upper-case letters");
	expect_fail("1110000000001312\t7D",
		    "character 17 is a control character");
}

static void
test_lower_case(void **state)
{
	(void)state;
	expect_fail("9144030071526726xg",
		    "character 17 'x' is lower case: use upper case, "
		    "'9144030071526726XG'");
	expect_fail("11100000000013127d",
		    "character 18 'd' is lower case: use upper case, "
		    "'11100000000013127D'");
	expect_fail("n2440700ma5d2f3h8d",
		    "character 1 'n' is lower case: use upper case, "
		    "'N2440700MA5D2F3H8D'");
}

static void
test_alphabet(void **state)
{
	(void)state;
	expect_fail("11100000000O13127D",
		    "character 12 'O' is not allowed: the code uses 0-9 and "
		    "A-Z without I, O, S, V, Z");
	expect_fail("111000000000131I7D",
		    "character 16 'I' is not allowed: the code uses 0-9 and "
		    "A-Z without I, O, S, V, Z");
	expect_fail("11100000000013127Z",
		    "character 18 'Z' is not allowed: the code uses 0-9 and "
		    "A-Z without I, O, S, V, Z");
	expect_fail("11100000-00013127D",
		    "character 9 '-' is not allowed: the code uses 0-9 and "
		    "A-Z without I, O, S, V, Z");
}

static void
test_authority_category(void **state)
{
	(void)state;
	expect_fail("B1100000000013127D",
		    "registration authority code 'B' is unknown");
	expect_fail("0110000000001312XX",
		    "registration authority code '0' is unknown");
	expect_fail("14100000000013127D",
		    "category code '4' is not valid for registration "
		    "authority '1' (机构编制)");
	expect_fail("94440300192203821X",
		    "category code '4' is not valid for registration "
		    "authority '9' (工商/市场监管)");
	expect_fail("Y2110000MA0000007H",
		    "category code '2' is not valid for registration "
		    "authority 'Y' (其他)");
	expect_fail("A3100000MB1234562N",
		    "category code '3' is not valid for registration "
		    "authority 'A' (中央军委改革和编制办公室)");
}

static void
test_region(void **state)
{
	struct err why, warn;

	(void)state;
	expect_fail("11A00000000013127D",
		    "region code 'A00000' (characters 3-8) is not six digits");
	expect_fail("1110000X000013127D",
		    "region code '10000X' (characters 3-8) is not six digits");
	/* An unknown province is only a warning. */
	assert_int_equal(uscc_check("11990000MB0000000J", &why, &warn), 0);
	assert_string_equal(warn.msg, "region code '990000' does not start "
				      "with a known province code");
}

static void
test_org_code_warns(void **state)
{
	struct err why, warn;

	(void)state;
	assert_int_equal(uscc_check("11100000000013128G", &why, &warn), 0);
	assert_string_equal(warn.msg, "organization code check digit is '8', "
				      "expected '7' (GB 11714)");
	/* Both remarks, in the order found. */
	assert_int_equal(uscc_check("11990000000013128B", &why, &warn), 0);
	assert_string_equal(warn.msg,
			    "region code '990000' does not start with a known "
			    "province code; organization code check digit is "
			    "'8', expected '7' (GB 11714)");
	/* warn is cleared on each call. */
	assert_int_equal(uscc_check("11100000000013127D", &why, &warn), 0);
	assert_string_equal(warn.msg, "");
}

static void
test_null_outputs(void **state)
{
	(void)state;
	assert_int_equal(uscc_check("11100000000013127D", NULL, NULL), 0);
	assert_int_equal(uscc_check("11100000000013128G", NULL, NULL), 0);
	assert_int_equal(uscc_check("11100000000013127Y", NULL, NULL), -1);
	assert_int_equal(uscc_check(NULL, NULL, NULL), -1);
}

/* Every single-character change of a valid code is caught. */
static void
test_single_errors(void **state)
{
	static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	char code[USCC_LEN + 1];

	(void)state;
	for (size_t pos = 0; pos < USCC_LEN; pos++) {
		for (size_t k = 0; k < sizeof(alphabet) - 1; k++) {
			memcpy(code, "11100000000013127D", sizeof(code));
			if (code[pos] == alphabet[k])
				continue;
			code[pos] = alphabet[k];
			assert_int_equal(uscc_check(code, NULL, NULL), -1);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_published),
	    cmocka_unit_test(test_built),
	    cmocka_unit_test(test_check_char),
	    cmocka_unit_test(test_class),
	    cmocka_unit_test(test_wrong_check),
	    cmocka_unit_test(test_length),
	    cmocka_unit_test(test_not_ascii),
	    cmocka_unit_test(test_lower_case),
	    cmocka_unit_test(test_alphabet),
	    cmocka_unit_test(test_authority_category),
	    cmocka_unit_test(test_region),
	    cmocka_unit_test(test_org_code_warns),
	    cmocka_unit_test(test_null_outputs),
	    cmocka_unit_test(test_single_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
