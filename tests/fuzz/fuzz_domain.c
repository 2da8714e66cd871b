/*
 * fuzz_domain.c: libFuzzer harness for domain_parse(). Input is any bytes;
 * it checks the shape of every accepted name (LDH A-labels within DNS
 * limits, registrable domain a suffix, class matching the suffix) and that
 * both forms of a parsed name parse again to the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"

#include "fuzz.h"

/* A message is one line of valid UTF-8 without a trailing period. */
static void
check_message(const char *msg)
{
	size_t n = strlen(msg);

	CHECK(n > 0);
	CHECK(str_utf8_valid(msg, n));
	CHECK(strchr(msg, '\n') == NULL);
	CHECK(msg[n - 1] != '.');
}

/* Lower-case LDH labels of 1..63 bytes, 253 bytes at most in all. */
static void
check_alabel(const char *a)
{
	size_t n = strlen(a), start = 0;

	CHECK(n > 0 && n <= 253);
	for (size_t i = 0; i <= n; i++) {
		if (a[i] == '.' || a[i] == '\0') {
			CHECK(i > start && i - start <= 63);
			CHECK(a[start] != '-' && a[i - 1] != '-');
			start = i + 1;
			continue;
		}
		CHECK((a[i] >= 'a' && a[i] <= 'z') ||
		      (a[i] >= '0' && a[i] <= '9') || a[i] == '-');
	}
}

static int
same(const struct domain_info *x, const struct domain_info *y)
{
	return strcmp(x->alabel, y->alabel) == 0 &&
	       strcmp(x->ulabel, y->ulabel) == 0 &&
	       strcmp(x->registrable, y->registrable) == 0 &&
	       x->suffix == y->suffix && x->is_idn == y->is_idn;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct domain_info d, again;
	struct err why;
	char *name;
	size_t n, r;
	int rc;

	if (size > 2048)
		return 0;
	name = xmalloc(size + 1);
	memcpy(name, data, size);
	name[size] = '\0';

	why.msg[0] = '\0';
	rc = domain_parse(name, &d, &why);
	CHECK(rc == 0 || rc == -1);
	if (rc == -1) {
		check_message(why.msg);
		goto done;
	}
	check_alabel(d.alabel);
	CHECK(str_utf8_valid(d.ulabel, strlen(d.ulabel)));
	n = strlen(d.alabel);
	r = strlen(d.registrable);
	CHECK(r > 0 && r <= n && str_ends(d.alabel, d.registrable));
	CHECK(r == n || d.alabel[n - r - 1] == '.');
	CHECK(d.is_idn == (str_starts(d.alabel, "xn--") ||
			   strstr(d.alabel, ".xn--") != NULL));
	if (str_ends(d.alabel, ".gov.cn") || str_ends(d.alabel, ".xn--zfr164b"))
		CHECK(d.suffix == DOMAIN_ORGAN);
	else if (str_ends(d.alabel, ".cn") ||
		 str_ends(d.alabel, ".xn--55qw42g"))
		CHECK(d.suffix == DOMAIN_INSTITUTION);
	else
		CHECK(d.suffix == DOMAIN_OTHER);

	/* Both forms parse again to the same result. */
	CHECK(domain_parse(d.alabel, &again, NULL) == 0);
	CHECK(same(&d, &again));
	CHECK(domain_parse(d.ulabel, &again, NULL) == 0);
	CHECK(same(&d, &again));
done:
	free(name);
	return 0;
}
