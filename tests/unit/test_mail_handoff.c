/*
 * test_mail_handoff.c: unit tests of src/mail/handoff.c, what the main
 * smtpd's conversation leaves for the outbound hop's: the envelope key
 * (sorted, without duplicates, outside recipients of the main message,
 * none for an envelope with a bad or dropped recipient); a take finds
 * only the one live entry with the same envelope (not a part of it, not
 * two waiting at once, not one past HANDOFF_TTL) and removes it; a drop
 * by Message-ID clears the way; the ring overwrites its oldest entry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "mail/handoff.h"

static struct mail_policy pol;
static const time_t T0 = 1796560000;

/* m: sender, then recipients, NULL-terminated; Message-ID mid */
static void
msg(struct mail_msg *m, const char *mid, const char *sender, ...)
{
	va_list ap;
	const char *r;

	mail_msg_init(m);
	mail_msg_sender(m, sender, NULL);
	va_start(ap, sender);
	while ((r = va_arg(ap, const char *)) != NULL)
		(void)mail_msg_rcpt(m, &pol, r, NULL);
	va_end(ap);
	str_copy(m->message_id, mid, sizeof(m->message_id));
}

static void
test_key(void **state)
{
	struct mail_msg m;
	struct buf k = BUF_INIT(1 << 20);

	(void)state;
	msg(&m, "<1@a>", "<alice@gov.test>", "<y@out.test>", "<bob@gov.test>",
	    "<x@Out.test>", "<y@out.test>", NULL);
	assert_int_equal(mail_handoff_key(&m, 1, &k), 0);
	assert_string_equal(k.data, "alice@gov.test\nx@out.test\ny@out.test");
	assert_int_equal(mail_handoff_key(&m, 0, &k), 0);
	assert_string_equal(k.data, "alice@gov.test\nbob@gov.test\nx@out.test\n"
				    "y@out.test");
	/* a recipient that did not parse: no key (the hop judges) */
	assert_int_equal(mail_msg_rcpt(&m, &pol, "<no at sign>", NULL), -1);
	assert_int_equal(mail_handoff_key(&m, 0, &k), -1);
	mail_msg_cleanup(&m);
	/* only local recipients: nothing for the hop */
	msg(&m, "<1@a>", "<alice@gov.test>", "<bob@gov.test>", NULL);
	assert_int_equal(mail_handoff_key(&m, 1, &k), -1);
	mail_msg_cleanup(&m);
	/* a sender that did not parse */
	msg(&m, "<1@a>", "<bad", "<x@out.test>", NULL);
	assert_int_equal(mail_handoff_key(&m, 0, &k), -1);
	mail_msg_cleanup(&m);
	buf_cleanup(&k);
}

static void
test_take_one(void **state)
{
	static struct mail_handoff h;
	struct mail_msg main, hop, part;
	char mid[MAIL_MSGID_MAX + 1], flow[33];

	(void)state;
	mail_handoff_init(&h);
	msg(&main, "<m1@gov.test>", "<alice@gov.test>", "<bob@gov.test>",
	    "<x@out.test>", "<y@out.test>", NULL);
	msg(&hop, "", "<alice@gov.test>", "<y@out.test>", "<x@out.test>", NULL);
	msg(&part, "", "<alice@gov.test>", "<y@out.test>", NULL);
	mail_handoff_put(&h, &main, "flow1", T0);
	/* a part of the envelope is not the message */
	assert_int_equal(mail_handoff_take(&h, &part, T0 + 1, mid, flow), 0);
	assert_int_equal(mail_handoff_take(&h, &hop, T0 + 1, mid, flow), 1);
	assert_string_equal(mid, "<m1@gov.test>");
	assert_string_equal(flow, "flow1");
	/* taken: not twice */
	assert_int_equal(mail_handoff_take(&h, &hop, T0 + 1, mid, flow), 0);
	/* too late */
	mail_handoff_put(&h, &main, "flow2", T0);
	assert_int_equal(
	    mail_handoff_take(&h, &hop, T0 + HANDOFF_TTL + 1, mid, flow), 0);
	assert_int_equal(mail_handoff_take(&h, &hop, T0 + 2, mid, flow), 0);
	mail_msg_cleanup(&main);
	mail_msg_cleanup(&hop);
	mail_msg_cleanup(&part);
	mail_handoff_cleanup(&h);
}

static void
test_ambiguous(void **state)
{
	static struct mail_handoff h;
	struct mail_msg m1, m2, hop;
	char mid[MAIL_MSGID_MAX + 1], flow[33];

	(void)state;
	mail_handoff_init(&h);
	msg(&m1, "<m1@gov.test>", "<alice@gov.test>", "<x@out.test>", NULL);
	msg(&m2, "<m2@gov.test>", "<alice@gov.test>", "<x@out.test>", NULL);
	msg(&hop, "", "<alice@gov.test>", "<x@out.test>", NULL);
	mail_handoff_put(&h, &m1, "f1", T0);
	mail_handoff_put(&h, &m2, "f2", T0);
	/* two messages with the same envelope wait: neither is taken */
	assert_int_equal(mail_handoff_take(&h, &hop, T0, mid, flow), 0);
	/* the hop judged m1 with its headers: m2 is the one left */
	str_copy(hop.message_id, "<m1@gov.test>", sizeof(hop.message_id));
	mail_handoff_drop(&h, &hop, T0);
	hop.message_id[0] = '\0';
	assert_int_equal(mail_handoff_take(&h, &hop, T0, mid, flow), 1);
	assert_string_equal(mid, "<m2@gov.test>");
	assert_string_equal(flow, "f2");
	mail_msg_cleanup(&m1);
	mail_msg_cleanup(&m2);
	mail_msg_cleanup(&hop);
	mail_handoff_cleanup(&h);
}

static void
test_ring(void **state)
{
	static struct mail_handoff h;
	struct mail_msg m;
	char mid[MAIL_MSGID_MAX + 1], flow[33], to[64];

	(void)state;
	mail_handoff_init(&h);
	for (int i = 0; i <= HANDOFF_MAX; i++) {
		str_fmt(to, sizeof(to), "<x%d@out.test>", i);
		msg(&m, "<m@gov.test>", "<alice@gov.test>", to, NULL);
		mail_handoff_put(&h, &m, "f", T0);
		mail_msg_cleanup(&m);
	}
	/* the first was overwritten by the last; the second is there */
	msg(&m, "", "<alice@gov.test>", "<x0@out.test>", NULL);
	assert_int_equal(mail_handoff_take(&h, &m, T0, mid, flow), 0);
	mail_msg_cleanup(&m);
	msg(&m, "", "<alice@gov.test>", "<x1@out.test>", NULL);
	assert_int_equal(mail_handoff_take(&h, &m, T0, mid, flow), 1);
	mail_msg_cleanup(&m);
	mail_handoff_cleanup(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key),
	    cmocka_unit_test(test_take_one),
	    cmocka_unit_test(test_ambiguous),
	    cmocka_unit_test(test_ring),
	};
	struct err e;

	mail_policy_init(&pol);
	if (mail_policy_add_domains(&pol, "gov.test", &e) < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
