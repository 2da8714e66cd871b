/*
 * test_regex.c: the cost bound on policy path regexes (src/gate/regex.c):
 * the paths administrators write pass, repetitions of repetitions, deep
 * nests of x+ and huge intervals are refused before regcomp (the fuzzer's
 * slash and 130 stars took minutes), and a policy with one is refused
 * with a message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "gate/gate.h"

static void
test_regex_cheap(void **state)
{
	static const char *const ok[] = {
	    "^/admin(/|$)",
	    "^/api/v[0-9]+/",
	    "\\.(css|js|png|jpe?g|gif|svg|woff2?)$",
	    "^/public/",
	    "^/(news|notice)/[0-9]{4}/[0-9]{2}/",
	    "[*+?]{2}",	    /* members of a bracket, not repetitions */
	    "\\*\\*\\+",    /* escaped */
	    "[[:alpha:]]+", /* a class inside a bracket */
	    "[]a]*",
	    "(a+)+",
	    "((((((((a+)+)+)+)+)+)+)+)+",
	    "a{1,255}",
	    "(a{1,64}){1,64}",
	    ".*",
	    "",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (regex_bounded(ok[i]) != 0)
			fail_msg("'%s' refused", ok[i]);
}

static void
test_regex_costly(void **state)
{
	static const char *const bad[] = {
	    "^/**health$",
	    "a+++",
	    "a*?",
	    "a{2}*",
	    "(x)*{3}",
	    "a{1,256}",
	    "a{1,4096}",
	    "(a{1,64}){1,65}",
	    "a{,5000}",
	    "a{5000,}",
	    "a{1,32767}",
	    "(a{1,100}){1,100}",
	    "((a{1,20}){1,20}){1,20}",
	    "(((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+",
	    ("((((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))"
	     ")))))"), /* 34 groups deep */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (regex_bounded(bad[i]) != -1)
			fail_msg("'%s' not refused", bad[i]);
}

/* Long, cheap: 1024 bytes of plain atoms add up, not multiply. */
static void
test_regex_long(void **state)
{
	char re[GATE_REGEX_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(re) - 1; i += 4)
		memcpy(re + i, "(a+)", 4);
	re[sizeof(re) - 1] = '\0';
	assert_int_equal(regex_bounded(re), 0);
}

static void
test_policy_refuses(void **state)
{
	static const char doc[] =
	    "{\"version\":1,\"rules\":[{\"name\":\"health\","
	    "\"path\":\"^/*********************************health$\","
	    "\"action\":\"bypass\"}]}";
	struct gate_policy *p;
	struct err e;

	(void)state;
	e.msg[0] = '\0';
	p = gate_policy_parse(doc, strlen(doc), &e);
	assert_null(p);
	assert_non_null(strstr(e.msg, "'path' repeats too much"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_regex_cheap),
	    cmocka_unit_test(test_regex_costly),
	    cmocka_unit_test(test_regex_long),
	    cmocka_unit_test(test_policy_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
