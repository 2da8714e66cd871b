/*
 * fuzz_mail_addr.c: libFuzzer harness for the address parsers of
 * src/mail that read what an SMTP client or a header says:
 * mail_addr_norm(), mail_orcpt_decode() and mail_header_addrs(). Input is
 * any bytes. A normalized address is bounded, has an '@' with both sides
 * non-empty, no control character and no upper-case ASCII, and normalizes
 * to itself again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"

#include "fuzz.h"

static void
check_addr(const char *a)
{
	char again[MAIL_ADDR_MAX];
	size_t n = strlen(a);

	CHECK(n > 0 && n < MAIL_ADDR_MAX);
	CHECK(strchr(a, '@') != NULL);
	CHECK(a[0] != '@' && a[n - 1] != '@');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];

		CHECK(c >= 0x20 && c != 0x7f);
		CHECK(!(c >= 'A' && c <= 'Z'));
	}
	CHECK(mail_addr_norm(a, again) == 0);
	CHECK(strcmp(a, again) == 0);
}

static void
seen(void *arg, const char *addr)
{
	size_t *n = arg;

	check_addr(addr);
	(*n)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[MAIL_ADDR_MAX], *s;
	size_t n = 0, got;

	if (size > 8192)
		return 0;
	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (mail_addr_norm(s, out) == 0) {
		if (out[0] != '\0')
			check_addr(out);
	} else {
		CHECK(out[0] == '\0');
	}
	if (mail_orcpt_decode(s, out) == 0)
		check_addr(out);
	else
		CHECK(out[0] == '\0');
	/* the header reader gets the bytes as they are, NULs included */
	got = mail_header_addrs((const char *)data, size, 5, seen, &n);
	CHECK(got == n && got <= 5);
	free(s);
	return 0;
}
