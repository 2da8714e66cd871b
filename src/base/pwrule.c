/*
 * pwrule.c: the password rules of MLPS level 3 (GB/T 22239-2019 8.1.4.1
 * a, complexity): a length, a mix of character classes or a long
 * passphrase, and not the account's own name. The password and name are
 * untrusted; they are never copied or logged.
 */
#include <string.h>

#include "base/base.h"

/* 1 if hay contains needle, ASCII letters compared without case. */
static int
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return 0;
	for (; *hay != '\0'; hay++) {
		size_t i;

		for (i = 0; i < n && hay[i] != '\0'; i++) {
			char a = hay[i], b = needle[i];

			if (a >= 'A' && a <= 'Z')
				a = (char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z')
				b = (char)(b - 'A' + 'a');
			if (a != b)
				break;
		}
		if (i == n)
			return 1;
	}
	return 0;
}

int
pwrule_check(const char *name, const char *pw, int min_len, struct err *e)
{
	int lower = 0, upper = 0, digit = 0, other = 0, classes;
	size_t n, chars;

	n = pw != NULL ? strlen(pw) : 0;
	if (pw == NULL || n > PWRULE_MAX_BYTES || !str_utf8_valid(pw, n)) {
		err_set(e,
			"password for '%s' must be UTF-8 text of at most %d "
			"bytes",
			name, PWRULE_MAX_BYTES);
		return -1;
	}
	chars = str_utf8_len(pw);
	if (chars < (size_t)min_len) {
		err_set(e,
			"password for '%s' is too short: it needs at least %d "
			"characters",
			name, min_len);
		return -1;
	}
	for (const char *p = pw; *p != '\0'; p++) {
		if (*p >= 'a' && *p <= 'z')
			lower = 1;
		else if (*p >= 'A' && *p <= 'Z')
			upper = 1;
		else if (*p >= '0' && *p <= '9')
			digit = 1;
		else
			other = 1;
	}
	classes = lower + upper + digit + other;
	if (classes < PWRULE_CLASSES && chars < PWRULE_PASSPHRASE) {
		err_set(e,
			"password for '%s' is too simple: it needs %d of lower "
			"case, upper case, digits and other characters, or %d "
			"characters or more",
			name, PWRULE_CLASSES, PWRULE_PASSPHRASE);
		return -1;
	}
	if (contains_nocase(pw, name)) {
		err_set(e, "password for '%s' must not contain the user name",
			name);
		return -1;
	}
	return 0;
}
