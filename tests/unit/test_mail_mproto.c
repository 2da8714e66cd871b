/*
 * test_mail_mproto.c: unit tests of govsec-milter's milter protocol
 * (src/mail/mproto.c): the negotiation asks for no answers before the end
 * of a message and lists the macros read; packets cut into pieces of any
 * size give the same answers; the end of a message answers the verdict
 * as libmilter did (550 5.7.1 with the text, quarantine then accept,
 * discard, 451 4.3.0); DATA is answered (accept when the data callback
 * takes the message there, continue otherwise) with the queue ID of its
 * macros; macros give the hop and queue ID; bad packets end the
 * connection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "mail/mproto.h"

static struct mail_policy pol;

/* 1 if the n bytes at needle are inside b */
static int
has(const struct buf *b, const char *needle, size_t n)
{
	for (size_t i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, needle, n) == 0)
			return 1;
	return 0;
}
static char seen_hop[64], seen_qid[32];
static int force_tempfail;

static void
on_rcpt(void *arg, struct mail_msg *m, char **argv)
{
	(void)arg;
	assert_int_equal(mail_msg_rcpt(m, &pol, argv[0], argv + 1), 0);
}

static void
on_eom(void *arg, struct mail_msg *m, struct mproto_verdict *v)
{
	struct mail_verdict mv;

	(void)arg;
	str_copy(seen_hop, m->hop, sizeof(seen_hop));
	str_copy(seen_qid, m->queue_id, sizeof(seen_qid));
	mail_judge(&pol, m, 1719792000, &mv);
	v->action = mv.action;
	v->tempfail = force_tempfail;
	str_copy(v->text, force_tempfail ? "later" : "no forwarding",
		 sizeof(v->text));
	str_copy(v->why, "held", sizeof(v->why));
}

/* takes the message at DATA on the hop */
static int
on_data(void *arg, struct mail_msg *m)
{
	(void)arg;
	str_copy(seen_qid, m->queue_id, sizeof(seen_qid));
	return !strcmp(m->hop, "govsec-outbound");
}

static void
pk(struct buf *b, char c, const char *d, size_t n)
{
	unsigned char len[4] = {
	    (unsigned char)((n + 1) >> 24), (unsigned char)((n + 1) >> 16),
	    (unsigned char)((n + 1) >> 8), (unsigned char)(n + 1)};

	buf_add(b, len, 4);
	buf_addch(b, c);
	buf_add(b, d, n);
}

#define PK(b, c, lit) pk(b, c, lit, sizeof(lit) - 1)

static void
negotiation(struct buf *b)
{
	const char neg[12] = {0, 0,	     0, 6,    0,	  0,
			      1, (char)0xff, 0, 0x1f, (char)0xff, (char)0xff};

	pk(b, SMFIC_OPTNEG, neg, sizeof(neg));
}

static void
message(struct buf *b, const char *hop, const char *sender, const char *hdr)
{
	char d[128];
	int n = str_fmt(d, sizeof(d), "C{daemon_name}%c%s%c", 0, hop, 0);

	pk(b, SMFIC_MACRO, d, (size_t)n);
	PK(b, SMFIC_CONNECT,
	   "localhost\0"
	   "4\0\x19"
	   "127.0.0.1\0");
	PK(b, SMFIC_MACRO, "M");
	n = str_fmt(d, sizeof(d), "%s%c", sender, 0);
	pk(b, SMFIC_MAIL, d, (size_t)n);
	PK(b, SMFIC_RCPT, "<x@out.test>\0");
	n = str_fmt(d, sizeof(d), "%s%c%s%c", hdr, 0, "alice@gov.test", 0);
	pk(b, SMFIC_HEADER, d, (size_t)n);
	PK(b, SMFIC_MACRO,
	   "Ei\0"
	   "QID7\0");
	PK(b, SMFIC_BODYEOB, "");
}

/* Feeds in pieces of step bytes; the answers. */
static void
feed(const struct buf *in, size_t step, struct buf *out, int want_rc)
{
	struct mproto p;
	struct buf pending = BUF_INIT(1 << 20);
	struct err e;
	int rc = 0;

	mproto_init(&p);
	p.rcpt = on_rcpt;
	p.data = on_data;
	p.eom = on_eom;
	for (size_t off = 0; off < in->len && rc == 0; off += step) {
		size_t n = in->len - off < step ? in->len - off : step, used;

		buf_add(&pending, in->data + off, n);
		rc = mproto_feed(&p, (const unsigned char *)pending.data,
				 pending.len, &used, out, &e);
		memmove(pending.data, pending.data + used, pending.len - used);
		pending.len -= used;
	}
	assert_int_equal(rc, want_rc);
	mproto_cleanup(&p);
	buf_cleanup(&pending);
}

static void
test_negotiation(void **state)
{
	struct buf in = BUF_INIT(1 << 20), out = BUF_INIT(1 << 20);
	unsigned long steps;

	(void)state;
	negotiation(&in);
	feed(&in, 1, &out, 0);
	assert_true(out.len > 17);
	assert_int_equal(out.data[4], SMFIC_OPTNEG);
	assert_int_equal(out.data[8], 6);
	steps = (unsigned long)(unsigned char)out.data[13] << 24 |
		(unsigned long)(unsigned char)out.data[14] << 16 |
		(unsigned long)(unsigned char)out.data[15] << 8 |
		(unsigned char)out.data[16];
	assert_int_equal(steps &
			     (SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
			      SMFIP_NR_HDR | SMFIP_NOEOH | SMFIP_NOBODY),
			 SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
			     SMFIP_NR_HDR | SMFIP_NOEOH | SMFIP_NOBODY);
	/* DATA is sent, and answered */
	assert_int_equal(steps & (SMFIP_NODATA | SMFIP_NR_DATA), 0);
	assert_true(has(&out, "{daemon_name}", 14));
	buf_cleanup(&in);
	buf_cleanup(&out);
}

static void
test_verdicts_in_pieces(void **state)
{
	struct buf in = BUF_INIT(1 << 20), out = BUF_INIT(1 << 20);
	static const char reject[] = "550 5.7.1 no forwarding";

	(void)state;
	negotiation(&in);
	message(&in, "mx.gov.test", "<alice@gov.test>",
		"X-Sieve-Redirected-From");
	for (size_t step = 1; step < 40; step += 7) {
		buf_reset(&out);
		feed(&in, step, &out, 0);
		/* the negotiation, then one answer only: the reject */
		assert_true(has(&out, reject, sizeof(reject)));
		assert_int_equal(out.data[out.len - sizeof(reject) - 1], 'y');
		assert_string_equal(seen_hop, "mx.gov.test");
		assert_string_equal(seen_qid, "QID7");
	}
	/* on the hop: held, then accepted */
	buf_reset(&in);
	buf_reset(&out);
	negotiation(&in);
	message(&in, "govsec-outbound", "<x2@out.test>",
		"X-Sieve-Redirected-From");
	PK(&in, SMFIC_QUIT, "");
	feed(&in, 5, &out, 1);
	assert_memory_equal(out.data + out.len - 15, "\0\0\0\6qheld\0\0\0\0\1a",
			    15);
	/* nothing forwarded: accepted; a record that failed: 451 */
	buf_reset(&in);
	buf_reset(&out);
	negotiation(&in);
	message(&in, "mx.gov.test", "<alice@gov.test>", "Subject");
	feed(&in, 3, &out, 0);
	assert_memory_equal(out.data + out.len - 5, "\0\0\0\1a", 5);
	buf_reset(&out);
	force_tempfail = 1;
	feed(&in, 3, &out, 0);
	force_tempfail = 0;
	assert_true(has(&out, "y451 4.3.0 later", 17));
	buf_cleanup(&in);
	buf_cleanup(&out);
}

/* A message up to DATA on hop; the answers to it. */
static void
to_data(const char *hop, struct buf *out)
{
	struct buf in = BUF_INIT(1 << 20);
	char d[128];
	int n;

	negotiation(&in);
	n = str_fmt(d, sizeof(d), "C{daemon_name}%c%s%c", 0, hop, 0);
	pk(&in, SMFIC_MACRO, d, (size_t)n);
	PK(&in, SMFIC_CONNECT, "localhost\0U");
	PK(&in, SMFIC_MAIL, "<alice@gov.test>\0");
	PK(&in, SMFIC_RCPT, "<x@out.test>\0");
	PK(&in, SMFIC_MACRO,
	   "Ti\0"
	   "QID9\0");
	PK(&in, SMFIC_DATA, "");
	buf_reset(out);
	seen_qid[0] = '\0';
	feed(&in, 3, out, 0);
	assert_string_equal(seen_qid, "QID9");
	buf_cleanup(&in);
}

static void
test_data(void **state)
{
	struct buf out = BUF_INIT(1 << 20);

	(void)state;
	/* taken at DATA: accepted there (Postfix sends no more of it) */
	to_data("govsec-outbound", &out);
	assert_memory_equal(out.data + out.len - 5, "\0\0\0\1a", 5);
	/* not taken: continue, the end of the message decides */
	to_data("mx.gov.test", &out);
	assert_memory_equal(out.data + out.len - 5, "\0\0\0\1c", 5);
	buf_cleanup(&out);
}

static void
test_bad_packets(void **state)
{
	struct buf in = BUF_INIT(1 << 20), out = BUF_INIT(1 << 20);

	(void)state;
	PK(&in, SMFIC_MAIL, "<a@b>\0"); /* before the negotiation */
	feed(&in, 100, &out, -1);
	buf_reset(&in);
	negotiation(&in);
	buf_add(&in,
		"\x7f\xff\xff\xff"
		"M",
		5); /* too long */
	feed(&in, 100, &out, -1);
	buf_reset(&in);
	negotiation(&in);
	PK(&in, SMFIC_HEADER, "Subject\0no end"); /* unterminated */
	feed(&in, 100, &out, -1);
	buf_reset(&in);
	negotiation(&in);
	PK(&in, 'Z', "");
	feed(&in, 100, &out, -1);
	buf_cleanup(&in);
	buf_cleanup(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_negotiation),
	    cmocka_unit_test(test_verdicts_in_pieces),
	    cmocka_unit_test(test_data),
	    cmocka_unit_test(test_bad_packets),
	};
	struct err e;

	mail_policy_init(&pol);
	if (mail_policy_add_domains(&pol, "gov.test", &e) < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
