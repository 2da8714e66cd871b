/*
 * test_mail.c: unit tests of src/mail: address, ORCPT and header address
 * parsing; each forwarding signal alone and in the cases that must pass
 * (a mailing list, an auto-reply, a colleague forwarding by hand, mail
 * that stays inside, inbound mail that others forwarded to us); the
 * outbound hop's hold instead of a reject; exceptions with expiry; and the
 * mail-flow records in a real store, SQLite or PostgreSQL (unit.pg):
 * trace by address, Message-ID and time; pruning after the retention;
 * audit records of stops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "mail/mail.h"
#include "storefix.h"

#define NOW 1719792000 /* 2024-07-01T00:00:00Z */

static void
norm_ok(const char *in, const char *want)
{
	char out[MAIL_ADDR_MAX];

	if (mail_addr_norm(in, out) != 0)
		fail_msg("'%s' refused", in);
	assert_string_equal(out, want);
}

static void
norm_bad(const char *in)
{
	char out[MAIL_ADDR_MAX];

	if (mail_addr_norm(in, out) != -1)
		fail_msg("'%s' accepted as '%s'", in, out);
}

static void
test_addr_norm(void **state)
{
	char longaddr[MAIL_ADDR_MAX + 8];

	(void)state;
	norm_ok("<Alice@Gov.TEST>", "alice@gov.test");
	norm_ok("  alice@gov.test  ", "alice@gov.test");
	norm_ok("<>", "");
	norm_ok("", "");
	norm_ok("<@relay.example:bob@x.test>", "bob@x.test");
	norm_ok("\"a b\"@x.test", "\"a b\"@x.test");
	norm_ok("\"a@b\"@x.test", "\"a@b\"@x.test");
	norm_ok("bob@x.test.", "bob@x.test");
	norm_bad("<bob@x.test");
	norm_bad("bob");
	norm_bad("@x.test");
	norm_bad("bob@");
	norm_bad("a b@x.test");
	norm_bad("bob@x.test\r\nRCPT TO:<c@d>");
	norm_bad("\"open@x.test");
	norm_bad("<@relay.example>");
	memset(longaddr, 'a', sizeof(longaddr) - 1);
	longaddr[sizeof(longaddr) - 1] = '\0';
	longaddr[10] = '@';
	norm_bad(longaddr);
}

static void
test_orcpt(void **state)
{
	char out[MAIL_ADDR_MAX];

	(void)state;
	assert_int_equal(mail_orcpt_decode("rfc822;Alice@gov.test", out), 0);
	assert_string_equal(out, "alice@gov.test");
	assert_int_equal(mail_orcpt_decode("RFC822;a+2Bb@gov.test", out), 0);
	assert_string_equal(out, "a+b@gov.test");
	assert_int_equal(mail_orcpt_decode("rfc822;a+3Db@gov.test", out), 0);
	assert_string_equal(out, "a=b@gov.test");
	/* lower-case hex, a cut escape, '=', another type, a NUL */
	assert_int_equal(mail_orcpt_decode("rfc822;a+2bb@gov.test", out), -1);
	assert_int_equal(mail_orcpt_decode("rfc822;a@gov.test+2", out), -1);
	assert_int_equal(mail_orcpt_decode("rfc822;a=b@gov.test", out), -1);
	assert_int_equal(mail_orcpt_decode("utf-8;a@gov.test", out), -1);
	assert_int_equal(mail_orcpt_decode("rfc822;a+00@gov.test", out), -1);
	assert_int_equal(mail_orcpt_decode("rfc822;", out), -1);
}

struct seen {
	char v[8][MAIL_ADDR_MAX];
	size_t n;
};

static void
put(void *arg, const char *addr)
{
	struct seen *s = arg;

	if (s->n < 8)
		str_copy(s->v[s->n++], addr, MAIL_ADDR_MAX);
}

static void
test_header_addrs(void **state)
{
	const char *h = "\"Doe, John\" <John@X.test>, (comment a@b.test) "
			"c@d.test, group: e@f.test; <bad address>";
	struct seen s = {0};

	(void)state;
	assert_int_equal(mail_header_addrs(h, strlen(h), 8, put, &s), 3);
	assert_string_equal(s.v[0], "john@x.test");
	assert_string_equal(s.v[1], "c@d.test");
	assert_string_equal(s.v[2], "e@f.test");
	memset(&s, 0, sizeof(s));
	h = "a@b.test c@d.test e@f.test";
	assert_int_equal(mail_header_addrs(h, strlen(h), 2, put, &s), 2);
	/* an unterminated comment or bracket ends the value */
	memset(&s, 0, sizeof(s));
	h = "(a@b.test <c@d.test";
	assert_int_equal(mail_header_addrs(h, strlen(h), 8, put, &s), 0);
	h = "<c@d.test";
	assert_int_equal(mail_header_addrs(h, strlen(h), 8, put, &s), 0);
}

static void
policy(struct mail_policy *p)
{
	struct err e;

	mail_policy_init(p);
	if (mail_policy_add_domains(p, "gov.test, Staff.Other.test", &e) < 0)
		fail_msg("%s", e.msg);
}

/* A message: sender, then recipients "addr" or "addr|orcpt", then NULL. */
static void
msg(struct mail_msg *m, const struct mail_policy *p, const char *hop,
    const char *from, ...)
{
	va_list ap;
	const char *r;

	mail_msg_init(m);
	str_copy(m->hop, hop, sizeof(m->hop));
	mail_msg_sender(m, from, NULL);
	va_start(ap, from);
	while ((r = va_arg(ap, const char *)) != NULL) {
		char addr[MAIL_ADDR_MAX], param[MAIL_ADDR_MAX + 16];
		char *params[2] = {NULL, NULL};
		const char *bar = strchr(r, '|');

		str_copy(addr, r, sizeof(addr));
		if (bar != NULL) {
			addr[bar - r] = '\0';
			str_fmt(param, sizeof(param), "ORCPT=rfc822;%s",
				bar + 1);
			params[0] = param;
		}
		assert_int_equal(mail_msg_rcpt(m, p, addr, params), 0);
	}
	va_end(ap);
}

static void
judge(const struct mail_policy *p, const struct mail_msg *m,
      enum mail_action want, const char *names)
{
	struct mail_verdict v;

	mail_judge(p, m, NOW, &v);
	if (v.action != want || strcmp(v.names, names) != 0)
		fail_msg("got %s '%s' (score %d, %s), want %s '%s'",
			 mail_action_name(v.action), v.names, v.score, v.reason,
			 mail_action_name(want), names);
}

static void
test_each_signal(void **state)
{
	struct mail_policy p;
	struct mail_msg m;
	struct err e;
	char *utf8[] = {"SMTPUTF8", NULL};

	(void)state;
	policy(&p);
	/* Pigeonhole's header alone */
	msg(&m, &p, "mx", "<alice@gov.test>", "<x@out.test>", NULL);
	mail_msg_header(&m, "X-Sieve-Redirected-From", "alice@gov.test");
	judge(&p, &m, MAIL_REJECT, "sieve-redirect");
	mail_msg_cleanup(&m);
	/* Exchange's inbox-rule loop header alone */
	msg(&m, &p, "mx", "<alice@gov.test>", "<x@out.test>", NULL);
	mail_msg_header(&m, "x-ms-exchange-inbox-rules-loop", "alice@gov.test");
	judge(&p, &m, MAIL_REJECT, "exchange-inbox-rule");
	mail_msg_cleanup(&m);
	/* Gmail's X-Forwarded-To alone */
	msg(&m, &p, "mx", "<alice@gov.test>", "<x@out.test>", NULL);
	mail_msg_header(&m, "X-Forwarded-To", "x@out.test");
	judge(&p, &m, MAIL_REJECT, "x-forwarded");
	mail_msg_cleanup(&m);
	/* an SRS sender of ours */
	msg(&m, &p, "mx", "<SRS0=HHH=TT=out2.test=bob@gov.test>",
	    "<x@out.test>", NULL);
	judge(&p, &m, MAIL_REJECT, "srs-sender");
	mail_msg_cleanup(&m);
	/* a foreign sender leaving for outside; a subdomain is local */
	msg(&m, &p, "mx", "<bob@out2.test>", "<x@out.test>", NULL);
	judge(&p, &m, MAIL_REJECT, "foreign-sender");
	mail_msg_cleanup(&m);
	msg(&m, &p, "mx", "<bob@a.staff.other.test>", "<x@out.test>", NULL);
	judge(&p, &m, MAIL_ACCEPT, "");
	mail_msg_cleanup(&m);
	/* ORCPT local while RCPT external */
	msg(&m, &p, "mx", "<bob@gov.test>", "<x@out.test>|alice@gov.test",
	    NULL);
	judge(&p, &m, MAIL_REJECT, "orcpt-local");
	mail_msg_cleanup(&m);
	/* Delivered-To local alone stays below the threshold */
	msg(&m, &p, "mx", "<bob@gov.test>", "<x@out.test>", NULL);
	mail_msg_header(&m, "Delivered-To", "alice@gov.test");
	judge(&p, &m, MAIL_ACCEPT, "delivered-to-local");
	/* a lower threshold makes it count */
	p.threshold = 40;
	judge(&p, &m, MAIL_REJECT, "delivered-to-local");
	p.threshold = 50;
	/* so does a heavier weight ([milter] weights); a weight of 0 turns a
	 * signal off; unknown names and bad weights are refused */
	assert_int_equal(
	    mail_policy_set_weights(&p, "delivered-to-local=50", &e), 0);
	judge(&p, &m, MAIL_REJECT, "delivered-to-local");
	assert_int_equal(mail_policy_set_weights(
			     &p, " delivered-to-local=0,sieve-redirect=0", &e),
			 0);
	judge(&p, &m, MAIL_ACCEPT, "delivered-to-local");
	assert_int_equal(p.weight[MAIL_SIG_SIEVE], 0);
	assert_int_equal(p.weight[MAIL_SIG_ORCPT], 60);
	assert_int_equal(mail_policy_set_weights(&p, "sieve=100", &e), -1);
	assert_non_null(strstr(e.msg, "unknown signal 'sieve'"));
	assert_int_equal(mail_policy_set_weights(&p, "srs-sender=1001", &e),
			 -1);
	assert_int_equal(mail_policy_set_weights(&p, "srs-sender", &e), -1);
	assert_int_equal(mail_policy_set_weights(&p, "srs-sender=-1", &e), -1);
	assert_int_equal(p.weight[MAIL_SIG_SRS], 60);
	mail_msg_cleanup(&m);
	/* the reject text: ASCII unless SMTPUTF8 */
	assert_null(strstr(mail_reject_text(0), "\xe8"));
	for (const char *c = mail_reject_text(0); *c != '\0'; c++)
		assert_true((unsigned char)*c < 0x80);
	assert_non_null(strstr(mail_reject_text(1), "转发"));
	mail_msg_init(&m);
	mail_msg_sender(&m, "<a@gov.test>", utf8);
	assert_int_equal(m.smtputf8, 1);
	mail_msg_cleanup(&m);
	mail_policy_cleanup(&p);
}

static void
test_false_positives(void **state)
{
	struct mail_policy p;
	struct mail_msg m;

	(void)state;
	policy(&p);
	/* a list manager's distribution: local sender, List-Id, the list's
	 * Delivered-To kept, recipients as themselves */
	msg(&m, &p, "govsec-outbound", "<staff-bounces@gov.test>",
	    "<member@out.test>|member@out.test", "<alice@gov.test>", NULL);
	mail_msg_header(&m, "List-Id", "<staff.gov.test>");
	mail_msg_header(&m, "Delivered-To", "staff@gov.test");
	judge(&p, &m, MAIL_ACCEPT, "delivered-to-local");
	mail_msg_cleanup(&m);
	/* a vacation auto-reply: null sender */
	msg(&m, &p, "govsec-outbound", "<>", "<x@out.test>", NULL);
	mail_msg_header(&m, "Auto-Submitted", "auto-replied (vacation)");
	mail_msg_header(&m, "In-Reply-To", "<1@out.test>");
	judge(&p, &m, MAIL_ACCEPT, "");
	mail_msg_cleanup(&m);
	/* a colleague forwarding by hand from a mail client */
	msg(&m, &p, "mx", "<alice@gov.test>", "<x@out.test>|x@out.test", NULL);
	mail_msg_header(&m, "Subject", "Fwd: minutes");
	mail_msg_header(&m, "From", "Alice <alice@gov.test>");
	judge(&p, &m, MAIL_ACCEPT, "");
	mail_msg_cleanup(&m);
	/* forwarding signals on mail that stays inside */
	msg(&m, &p, "mx", "<x@out.test>", "<bob@gov.test>|alice@gov.test",
	    NULL);
	mail_msg_header(&m, "X-Sieve-Redirected-From", "alice@gov.test");
	judge(&p, &m, MAIL_ACCEPT, "");
	mail_msg_cleanup(&m);
	/* inbound mail someone outside forwarded to us */
	msg(&m, &p, "mx", "<SRS0=x=y=out.test=a@out2.test>", "<bob@gov.test>",
	    NULL);
	mail_msg_header(&m, "X-Forwarded-To", "bob@gov.test");
	judge(&p, &m, MAIL_ACCEPT, "");
	mail_msg_cleanup(&m);
	/* a Delivered-To of an outside mailbox is no local signal */
	msg(&m, &p, "mx", "<alice@gov.test>", "<x@out.test>", NULL);
	mail_msg_header(&m, "Delivered-To", "x@out.test");
	judge(&p, &m, MAIL_ACCEPT, "");
	mail_msg_cleanup(&m);
	mail_policy_cleanup(&p);
}

static void
test_hop_and_actions(void **state)
{
	struct mail_policy p;
	struct mail_msg m;

	(void)state;
	policy(&p);
	/* .forward on the hop: outside sender -> held, never bounced */
	msg(&m, &p, "govsec-outbound", "<x@out.test>",
	    "<y@out.test>|alice@gov.test", NULL);
	mail_msg_header(&m, "Delivered-To", "alice@gov.test");
	judge(&p, &m, MAIL_QUARANTINE,
	      "delivered-to-local,foreign-sender,orcpt-local");
	mail_msg_cleanup(&m);
	/* the same from a local sender is rejected (the bounce stays in) */
	msg(&m, &p, "govsec-outbound", "<bob@gov.test>",
	    "<y@out.test>|alice@gov.test", NULL);
	judge(&p, &m, MAIL_REJECT, "orcpt-local");
	mail_msg_cleanup(&m);
	/* on another hop, a reject stays a reject */
	msg(&m, &p, "mx", "<x@out.test>", "<y@out.test>|alice@gov.test", NULL);
	judge(&p, &m, MAIL_REJECT, "foreign-sender,orcpt-local");
	p.action = MAIL_DISCARD;
	judge(&p, &m, MAIL_DISCARD, "foreign-sender,orcpt-local");
	p.action = MAIL_QUARANTINE;
	judge(&p, &m, MAIL_QUARANTINE, "foreign-sender,orcpt-local");
	mail_msg_cleanup(&m);
	/* an address that does not parse is no local sender */
	msg(&m, &p, "mx", "<bad address>", "<y@out.test>", NULL);
	assert_int_equal(m.sender_bad, 1);
	judge(&p, &m, MAIL_QUARANTINE, "foreign-sender");
	mail_msg_cleanup(&m);
	mail_policy_cleanup(&p);
}

static void
test_exceptions(void **state)
{
	struct mail_policy p;
	struct mail_msg m;
	struct mail_verdict v;
	struct err e;

	(void)state;
	policy(&p);
	assert_int_equal(mail_policy_add_exceptions(
			     &p,
			     "alice@gov.test 2024-07-01, @partner.test "
			     "2024-08-01, old@gov.test 2024-06-30",
			     &e),
			 0);
	assert_int_equal(p.nexc, 3);
	/* through the end of the day given */
	assert_int_equal(p.exc[0].until, NOW + 86400);
	/* alice's own mail may be forwarded */
	msg(&m, &p, "govsec-outbound", "<x@out.test>",
	    "<y@out.test>|alice@gov.test", NULL);
	mail_judge(&p, &m, NOW, &v);
	assert_int_equal(v.action, MAIL_ACCEPT);
	assert_string_equal(v.exception, "alice@gov.test");
	/* ... until the exception ends */
	mail_judge(&p, &m, NOW + 86400, &v);
	assert_int_equal(v.action, MAIL_QUARANTINE);
	mail_msg_cleanup(&m);
	/* an expired one is no exception */
	msg(&m, &p, "mx", "<old@gov.test>", "<y@out.test>|old@gov.test", NULL);
	mail_msg_header(&m, "X-Sieve-Redirected-From", "old@gov.test");
	judge(&p, &m, MAIL_REJECT, "sieve-redirect,orcpt-local");
	mail_msg_cleanup(&m);
	/* a destination domain covers only if every outside recipient is
	 * covered */
	msg(&m, &p, "mx", "<bob@gov.test>", "<a@partner.test>|bob2@gov.test",
	    NULL);
	mail_judge(&p, &m, NOW, &v);
	assert_int_equal(v.action, MAIL_ACCEPT);
	assert_string_equal(v.exception, "@partner.test");
	mail_msg_cleanup(&m);
	msg(&m, &p, "mx", "<bob@gov.test>", "<a@partner.test>|bob2@gov.test",
	    "<c@out.test>|bob2@gov.test", NULL);
	judge(&p, &m, MAIL_REJECT, "orcpt-local");
	mail_msg_cleanup(&m);
	/* bad entries are named */
	assert_int_equal(mail_policy_add_exceptions(&p, "x@y.test", &e), -1);
	assert_non_null(strstr(e.msg, "no end date"));
	assert_int_equal(
	    mail_policy_add_exceptions(&p, "x@y.test tomorrow", &e), -1);
	assert_non_null(strstr(e.msg, "'tomorrow'"));
	assert_int_equal(
	    mail_policy_add_exceptions(&p, "nobody 2024-07-01", &e), -1);
	assert_int_equal(mail_policy_add_domains(&p, "bad_domain", &e), -1);
	mail_policy_cleanup(&p);
}

/* -- the store ----------------------------------------------------------- */

struct rows {
	char id[8][40];
	char decision[8][16];
	char rcpts[8][200];
	int n;
};

static int
row(void *arg, struct store_row *r)
{
	struct rows *x = arg;

	if (x->n < 8) {
		str_copy(x->id[x->n], store_row_text(r, 0), sizeof(x->id[0]));
		str_copy(x->rcpts[x->n], store_row_text(r, 7),
			 sizeof(x->rcpts[0]));
		str_copy(x->decision[x->n], store_row_text(r, 10),
			 sizeof(x->decision[0]));
	}
	x->n++;
	return 0;
}

static struct rows
trace(struct store *st, const char *addr, const char *mid, time_t since,
      time_t until)
{
	struct mail_trace_q q = {addr, mid, since, until, 100};
	struct rows x;
	struct err e;

	memset(&x, 0, sizeof(x));
	if (mail_flow_trace(st, &q, row, &x, &e) < 0)
		fail_msg("trace: %s", e.msg);
	return x;
}

static void
record(struct store *st, struct mail_policy *p, struct mail_msg *m, time_t at,
       char id[33])
{
	struct mail_verdict v;
	struct err e;

	mail_judge(p, m, at, &v);
	if (mail_flow_record(st, m, &v, at, id, &e) < 0)
		fail_msg("record: %s", e.msg);
}

static void
test_flow_records(void **state)
{
	struct store *st = *state;
	struct mail_policy p;
	struct mail_msg m;
	struct rows x;
	struct err e;
	char id1[33], id2[33], id3[33];

	policy(&p);
	/* a held .forward, an ordinary reply, one to self */
	msg(&m, &p, "govsec-outbound", "<x@out.test>",
	    "<y@out.test>|alice@gov.test", NULL);
	mail_msg_header(&m, "Message-ID", " <m1@out.test> ");
	record(st, &p, &m, NOW - 100, id1);
	mail_msg_cleanup(&m);
	msg(&m, &p, "mx", "<alice@gov.test>", "<x@out.test>", NULL);
	mail_msg_header(&m, "Message-ID", "<m2@gov.test>");
	record(st, &p, &m, NOW - 50, id2);
	mail_msg_cleanup(&m);
	msg(&m, &p, "mx", "<alice@gov.test>", "<Alice@gov.test>", NULL);
	record(st, &p, &m, NOW, id3);
	mail_msg_cleanup(&m);
	assert_int_equal(strlen(id1), 16);
	assert_true(strcmp(id1, id2) < 0); /* ids sort by time */

	x = trace(st, "ALICE@gov.test", NULL, 0, 0);
	assert_int_equal(x.n, 3); /* once per message, newest first */
	assert_string_equal(x.id[0], id3);
	assert_string_equal(x.id[2], id1);
	assert_string_equal(x.rcpts[2], "y@out.test(alice@gov.test)");
	assert_string_equal(x.decision[2], "quarantine");
	x = trace(st, "y@out.test", NULL, 0, 0);
	assert_int_equal(x.n, 1);
	x = trace(st, NULL, "<m1@out.test>", 0, 0);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.id[0], id1);
	x = trace(st, "x@out.test", "m2@gov.test", 0, 0);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.id[0], id2);
	x = trace(st, NULL, NULL, NOW - 60, NOW - 10);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.id[0], id2);
	x = trace(st, "alice@gov.test", NULL, NOW - 60, 0);
	assert_int_equal(x.n, 2);
	{
		struct mail_trace_q q = {"not an address", NULL, 0, 0, 10};

		assert_int_equal(mail_flow_trace(st, &q, row, &x, &e), -1);
		assert_non_null(strstr(e.msg, "not a mail address"));
	}
	/* the stop is in the audit chain, the accepts are not */
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM audit WHERE "
					 "actor = 'milter' AND action = "
					 "'mail.quarantine'",
					 NULL, 0, -1),
			 1);
	assert_int_equal(
	    store_query_int(st, "SELECT count(*) FROM audit", NULL, 0, -1), 1);

	/* pruning: nothing within a year; everything after it */
	assert_int_equal(mail_flow_prune(st, 365, "test", &e), 0);
	setenv("GOVSEC_NOW", "2025-06-30T23:58:00Z", 1);
	assert_int_equal(mail_flow_prune(st, 30, "test", &e), 0); /* >= 365 */
	setenv("GOVSEC_NOW", "2025-07-01T00:01:00Z", 1);
	assert_int_equal(mail_flow_prune(st, 365, "test", &e), 3);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM mail_flow_addr",
					 NULL, 0, -1),
			 0);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM audit WHERE "
					 "action = 'mail.prune'",
					 NULL, 0, -1),
			 1);
	mail_policy_cleanup(&p);
}

static int
exc_row(void *arg, struct store_row *r)
{
	struct rows *x = arg;

	if (x->n < 8)
		str_copy(x->id[x->n], store_row_text(r, 0), sizeof(x->id[0]));
	x->n++;
	return 0;
}

static void
test_store_exceptions(void **state)
{
	struct store *st = *state;
	struct mail_policy p;
	struct rows x = {0};
	struct err e;

	assert_int_equal(mail_exc_add(st, "Alice@Gov.test", NOW + 3600,
				      "travel", "test", &e),
			 0);
	assert_int_equal(
	    mail_exc_add(st, "@Partner.test", NOW - 1, "ended", "test", &e), 0);
	assert_int_equal(
	    mail_exc_add(st, "not an address", NOW + 1, "x", "test", &e), -1);
	/* replacing keeps one row */
	assert_int_equal(mail_exc_add(st, "alice@gov.test", NOW + 7200,
				      "longer", "test", &e),
			 0);
	assert_int_equal(mail_exc_list(st, exc_row, &x, &e), 0);
	assert_int_equal(x.n, 2);
	assert_string_equal(x.id[0], "@partner.test");
	assert_string_equal(x.id[1], "alice@gov.test");
	/* the policy takes the unexpired ones and the registry's domains */
	assert_int_equal(store_exec(st,
				    "INSERT INTO units (uscc, name, kind, "
				    "level, region, updated) VALUES "
				    "('U', 'u', 'organ', 'county', '110000', "
				    "'2024')",
				    NULL, 0, &e),
			 0);
	assert_int_equal(store_exec(st,
				    "INSERT INTO apps (id, unit, type, name, "
				    "updated) VALUES ('A', 'U', 'mail', 'm', "
				    "'2024')",
				    NULL, 0, &e),
			 0);
	assert_int_equal(store_exec(st,
				    "INSERT INTO domains (name, app, unicode, "
				    "lang, main, suffix) VALUES "
				    "('mail.reg.test', 'A', 'mail.reg.test', "
				    "'en', 1, 0)",
				    NULL, 0, &e),
			 0);
	mail_policy_init(&p);
	assert_int_equal(mail_policy_load_store(&p, st, NOW, &e), 0);
	assert_int_equal(p.nexc, 1);
	assert_string_equal(p.exc[0].addr, "alice@gov.test");
	assert_int_equal(p.ndomains, 1);
	assert_true(mail_policy_local(&p, "x.mail.reg.test"));
	mail_policy_cleanup(&p);
	assert_int_equal(mail_exc_rm(st, "ALICE@gov.test", "test", &e), 0);
	assert_int_equal(mail_exc_rm(st, "alice@gov.test", "test", &e), 1);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM audit WHERE "
					 "action LIKE 'mail.exception.%'",
					 NULL, 0, -1),
			 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_norm),
	    cmocka_unit_test(test_orcpt),
	    cmocka_unit_test(test_header_addrs),
	    cmocka_unit_test(test_each_signal),
	    cmocka_unit_test(test_false_positives),
	    cmocka_unit_test(test_hop_and_actions),
	    cmocka_unit_test(test_exceptions),
	    SF_TEST(test_flow_records),
	    SF_TEST(test_store_exceptions),
	};

	return cmocka_run_group_tests(tests, sf_setup, sf_teardown);
}
