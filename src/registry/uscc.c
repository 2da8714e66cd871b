/*
 * uscc.c: validates unified social credit codes (GB 32100-2015, CERT-1,
 * GOVWEB-4): alphabet, registration authority and category, region, the
 * check character, and (as a warning only) the embedded GB 11714
 * organization code check digit. The code is untrusted input; nothing is
 * allocated.
 */
#include <string.h>

#include "registry/registry.h"

/* The code alphabet: 0-9 and A-Z without I, O, S, V, Z; index = value. */
static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
#define RADIX 31

/* Weights of positions 1..17: 3^(i-1) mod 31. */
static const int weights[USCC_LEN - 1] = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
};

/*
 * Registration authorities ([0]) and the unit categories ([1]) each may
 * register (GB 32100-2015 table 1 and its later additions, A and N).
 */
static const struct authority {
	char code;
	const char *name;
	const char *categories;
} authorities[] = {
    {'1', "机构编制", "1239"},	   {'2', "外交", "19"},
    {'3', "司法行政", "123459"},   {'4', "文化", "19"},
    {'5', "民政", "1239"},	   {'6', "旅游", "129"},
    {'7', "宗教", "129"},	   {'8', "工会", "19"},
    {'9', "工商/市场监管", "123"}, {'A', "中央军委改革和编制办公室", "19"},
    {'N', "农业", "1239"},	   {'Y', "其他", "1"},
};

/*
 * First two digits of a GB/T 2260 region code: provinces, plus "10" for
 * units registered at the central level (region 100000).
 */
static const char *const provinces[] = {
    "10", "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33",
    "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51",
    "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
};

/* GB 11714 weights over the first 8 characters of the organization code. */
static const int org_weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};

/* The value of c in the code alphabet, or -1. */
static int
char_value(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(alphabet, c);
	if (p == NULL)
		return -1;
	return (int)(p - alphabet);
}

char
uscc_check_char(const char *first17)
{
	int sum = 0, v, c;

	if (first17 == NULL)
		return 0;
	for (int i = 0; i < USCC_LEN - 1; i++) {
		/* Stops at a NUL too: char_value('\0') is -1. */
		v = char_value(first17[i]);
		if (v < 0)
			return 0;
		sum += v * weights[i];
	}
	c = RADIX - sum % RADIX;
	if (c == RADIX)
		c = 0;
	return alphabet[c];
}

enum uscc_class
uscc_class(const char *code)
{
	if (code == NULL)
		return USCC_OTHER;
	if (code[0] == '1' && code[1] == '1')
		return USCC_ORGAN;
	if (code[0] == '1' && code[1] == '2')
		return USCC_INSTITUTION;
	return USCC_OTHER;
}

static const struct authority *
find_authority(char c)
{
	for (size_t i = 0; i < ARRAY_SIZE(authorities); i++)
		if (authorities[i].code == c)
			return &authorities[i];
	return NULL;
}

/* Appends one remark to warn, separating remarks with "; ". */
static void
warn_add(struct err *warn, const char *remark)
{
	size_t len;

	if (warn == NULL)
		return;
	len = strlen(warn->msg);
	if (len == 0)
		str_copy(warn->msg, remark, sizeof(warn->msg));
	else
		str_fmt(warn->msg + len, sizeof(warn->msg) - len, "; %s",
			remark);
}

/* GB 11714 value of an organization code character (0-9, A-Z), or -1. */
static int
org_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return -1;
}

/* Checks the organization code [8..16]; a mismatch is only a warning. */
static void
check_org_code(const char *code, struct err *warn)
{
	const char *org = code + 8;
	char expect, remark[128];
	int sum = 0, c9;

	for (int i = 0; i < 8; i++)
		sum += org_value(org[i]) * org_weights[i];
	c9 = 11 - sum % 11;
	if (c9 == 10)
		expect = 'X';
	else if (c9 == 11)
		expect = '0';
	else
		expect = (char)('0' + c9);
	if (org[8] == expect)
		return;
	str_fmt(remark, sizeof(remark),
		"organization code check digit is '%c', expected '%c' "
		"(GB 11714)",
		org[8], expect);
	warn_add(warn, remark);
}

/* Checks the region code [2..7]: six digits; an unknown province warns. */
static int
check_region(const char *code, struct err *why, struct err *warn)
{
	char region[7], remark[128];

	memcpy(region, code + 2, 6);
	region[6] = '\0';
	for (int i = 0; i < 6; i++) {
		if (region[i] < '0' || region[i] > '9') {
			err_set(why,
				"region code '%s' (characters 3-8) is not six "
				"digits",
				region);
			return -1;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(provinces); i++)
		if (memcmp(region, provinces[i], 2) == 0)
			return 0;
	str_fmt(remark, sizeof(remark),
		"region code '%s' does not start with a known province code",
		region);
	warn_add(warn, remark);
	return 0;
}

/* Checks that code is 18 printable ASCII characters in upper case. */
static int
check_shape(const char *code, struct err *why)
{
	size_t len = strlen(code);
	char upper[USCC_LEN + 1];

	if (len == 0) {
		err_set(why, "unified social credit code is empty");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)code[i];

		/* All before i is ASCII, so i + 1 is a character position. */
		if (c >= 0x80) {
			err_set(why,
				"character %zu is not ASCII: the code uses "
				"half-width digits and upper-case letters",
				i + 1);
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			err_set(why, "character %zu is a control character",
				i + 1);
			return -1;
		}
	}
	if (len != USCC_LEN) {
		err_set(why,
			"unified social credit code '%.40s%s' has %zu "
			"characters, expected 18",
			code, len > 40 ? "..." : "", len);
		return -1;
	}
	for (size_t i = 0; i < USCC_LEN; i++) {
		if (code[i] >= 'a' && code[i] <= 'z') {
			for (size_t j = 0; j < USCC_LEN; j++) {
				char c = code[j];

				if (c >= 'a' && c <= 'z')
					c = (char)(c - 'a' + 'A');
				upper[j] = c;
			}
			upper[USCC_LEN] = '\0';
			err_set(why,
				"character %zu '%c' is lower case: use upper "
				"case, '%s'",
				i + 1, code[i], upper);
			return -1;
		}
	}
	for (size_t i = 0; i < USCC_LEN; i++) {
		if (char_value(code[i]) < 0) {
			err_set(why,
				"character %zu '%c' is not allowed: the code "
				"uses 0-9 and A-Z without I, O, S, V, Z",
				i + 1, code[i]);
			return -1;
		}
	}
	return 0;
}

int
uscc_check(const char *code, struct err *why, struct err *warn)
{
	const struct authority *auth;
	char expect;

	if (warn != NULL)
		warn->msg[0] = '\0';
	if (code == NULL) {
		err_set(why, "no unified social credit code given");
		return -1;
	}
	if (check_shape(code, why) < 0)
		return -1;
	auth = find_authority(code[0]);
	if (auth == NULL) {
		err_set(why, "registration authority code '%c' is unknown",
			code[0]);
		return -1;
	}
	if (strchr(auth->categories, code[1]) == NULL) {
		err_set(why,
			"category code '%c' is not valid for registration "
			"authority '%c' (%s)",
			code[1], code[0], auth->name);
		return -1;
	}
	if (check_region(code, why, warn) < 0)
		return -1;
	expect = uscc_check_char(code);
	if (code[USCC_LEN - 1] != expect) {
		err_set(why, "check character is '%c', expected '%c'",
			code[USCC_LEN - 1], expect);
		return -1;
	}
	check_org_code(code, warn);
	return 0;
}
