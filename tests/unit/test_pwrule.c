/*
 * test_pwrule.c: unit tests of src/base/pwrule.c, the console's password
 * rules (MLPS-3): each rule refused with a message naming it, and the
 * edges (the minimum length in characters, not bytes; the passphrase
 * length; the name in any case).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/base.h"

static void
refused(const char *name, const char *pw, int min, const char *what)
{
	struct err e;

	e.msg[0] = '\0';
	assert_int_equal(pwrule_check(name, pw, min, &e), -1);
	if (strstr(e.msg, what) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", pw, e.msg, what);
	/* the password itself is never in the message */
	assert_null(strstr(e.msg, pw));
}

static void
test_rules(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(pwrule_check("li", "Abcdefgh-123", 12, &e), 0);
	refused("li", "Abcdefg-123", 12, "too short: it needs at least 12");
	/* characters, not bytes: 11 Chinese characters are too short; 16
	 * make a passphrase */
	refused("li", "政务应用安全管理规定第", 12, "too short");
	assert_int_equal(
	    pwrule_check("li", "政务应用安全管理规定第八条款要求", 12, &e), 0);
	/* two classes: too simple below 16 characters, a passphrase from 16 */
	refused("li", "abcdefghij12345", 12, "too simple");
	assert_int_equal(pwrule_check("li", "abcdefghij123456", 12, &e), 0);
	refused("zhang", "Welcome-ZHANG-2026", 12, "must not contain the user");
	refused("zhang", "my zhang passphrase", 12, "user name");
	refused("li", "Abcdefgh-123", 20, "at least 20");
	refused("li",
		"Abc\xff"
		"defgh-1234",
		12, "UTF-8");
	assert_int_equal(pwrule_check("li", NULL, 12, &e), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
