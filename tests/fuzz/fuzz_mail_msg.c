/*
 * fuzz_mail_msg.c: libFuzzer harness for a whole message as govsec-milter
 * sees it. Input lines: the first is MAIL FROM, then "RCPT addr [param
 * ...]" lines and "Name: value" headers, in any order. Checks that the
 * judgement is consistent: accept whenever no recipient is outside, a
 * score that is the sum of the named signals' weights, names that match
 * the bits, and a stop only from the threshold on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_policy p;
	struct mail_msg m;
	struct mail_verdict v;
	struct err e;
	char *s, *line, *next;
	int first = 1, external = 0, sum = 0;

	if (size > 65536)
		return 0;
	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	mail_policy_init(&p);
	CHECK(mail_policy_add_domains(&p, "gov.test staff.gov.test", &e) == 0);
	CHECK(mail_policy_add_exceptions(&p, "ok@gov.test 2030-01-01", &e) ==
	      0);
	mail_msg_init(&m);
	str_copy(m.hop, "govsec-outbound", sizeof(m.hop));
	for (line = s; line != NULL; line = next) {
		char *params[8] = {NULL}, *colon;
		int np = 0;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (first) {
			mail_msg_sender(&m, line, NULL);
			first = 0;
		} else if (strncmp(line, "RCPT ", 5) == 0) {
			char *sp = line + 5;

			/* "RCPT addr p1 p2 ...": space separated */
			while ((sp = strchr(sp, ' ')) != NULL && np < 7) {
				*sp++ = '\0';
				params[np++] = sp;
			}
			mail_msg_rcpt(&m, &p, line + 5, params);
		} else if ((colon = strchr(line, ':')) != NULL) {
			*colon = '\0';
			mail_msg_header(&m, line, colon + 1);
		}
	}
	mail_judge(&p, &m, 1719792000, &v);
	for (size_t i = 0; i < m.nrcpt; i++)
		external |= m.rcpt[i].external;
	CHECK(m.nrcpt <= MAIL_RCPT_MAX);
	CHECK(strlen(m.message_id) <= MAIL_MSGID_MAX);
	if (!external)
		CHECK(v.action == MAIL_ACCEPT && v.signals == 0);
	for (int k = 0; k < MAIL_SIG_COUNT; k++)
		if (v.signals & (1u << k)) {
			sum += p.weight[k];
			CHECK(strstr(v.names, mail_signal_name(k)) != NULL);
		}
	CHECK(sum == v.score);
	CHECK((v.signals == 0) == (v.names[0] == '\0'));
	if (v.action != MAIL_ACCEPT)
		CHECK(v.score >= p.threshold && v.exception[0] == '\0');
	CHECK(v.reason[0] != '\0');
	mail_msg_cleanup(&m);
	mail_policy_cleanup(&p);
	free(s);
	return 0;
}
