/*
 * fuzz_mail_flow.c: libFuzzer harness for mail_flow_domains(), which
 * `govsec check` (MAIL-3) runs over the sender and recipients of every
 * mail-flow record it reads: text that came from SMTP clients through
 * govsec-milter. Input is any bytes (up to the first NUL). Every domain
 * handed out lies inside the text right after an '@', is not empty and
 * holds no space or '@'; there are at most as many as the text has '@'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"

#include "fuzz.h"

struct seen {
	const char *text;
	size_t len, calls;
};

static void
domain(void *arg, const char *dom, size_t n)
{
	struct seen *s = arg;

	CHECK(n > 0);
	CHECK(dom > s->text && dom + n <= s->text + s->len);
	CHECK(dom[-1] == '@');
	CHECK(memchr(dom, ' ', n) == NULL);
	CHECK(memchr(dom, '@', n) == NULL);
	s->calls++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = {0};
	size_t ats = 0;
	char *t;

	if (size > 64 * 1024)
		return 0;
	t = xmalloc(size + 1);
	memcpy(t, data, size);
	t[size] = '\0';
	s.text = t;
	s.len = strlen(t);
	for (size_t i = 0; i < s.len; i++)
		ats += t[i] == '@';
	CHECK(mail_flow_domains(t, domain, &s) == s.calls);
	CHECK(s.calls <= ats);
	CHECK(mail_flow_domains(NULL, domain, &s) == 0);
	free(t);
	return 0;
}
