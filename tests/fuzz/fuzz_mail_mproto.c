/*
 * fuzz_mail_mproto.c: libFuzzer harness for govsec-milter's side of the
 * milter protocol (src/mail/mproto.c): the input is what an MTA sends on
 * one connection; the first byte says where it is cut into two reads.
 * Each message is judged as govsec-milter judges it, and handed over from
 * the main smtpd to the hop as govsec-milter hands it (handoff.c: put at
 * an accepted end, taken at the hop's DATA). Checks that the
 * bytes taken never exceed those given, that what is left is less than a
 * whole packet, and that every answer is a well-formed packet with one of
 * the answers govsec-milter gives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/handoff.h"
#include "mail/mproto.h"

#include "fuzz.h"

static struct mail_policy pol;
static struct mail_handoff handoff;
static const time_t NOW = 1719792000;

static void
on_rcpt(void *arg, struct mail_msg *m, char **argv)
{
	(void)arg;
	CHECK(argv[0] != NULL);
	(void)mail_msg_rcpt(m, &pol, argv[0], argv + 1);
}

static void
on_eom(void *arg, struct mail_msg *m, struct mproto_verdict *v)
{
	struct mail_verdict mv;

	(void)arg;
	mail_judge(&pol, m, NOW, &mv);
	v->action = mv.action;
	if (strcmp(m->hop, pol.hop) != 0 && mv.action == MAIL_ACCEPT)
		mail_handoff_put(&handoff, m, "flow", NOW);
	else
		mail_handoff_drop(&handoff, m, NOW);
	str_copy(v->text, mail_reject_text(m->smtputf8), sizeof(v->text));
	str_copy(v->why, mv.names, sizeof(v->why));
}

static int
on_data(void *arg, struct mail_msg *m)
{
	struct mail_verdict mv;
	char flow[33];

	(void)arg;
	if (strcmp(m->hop, pol.hop) != 0)
		return 0;
	mail_judge(&pol, m, NOW, &mv);
	if (mv.action != MAIL_ACCEPT || mv.signals != 0 ||
	    !mail_handoff_take(&handoff, m, NOW, m->message_id, flow))
		return 0;
	CHECK(strcmp(flow, "flow") == 0);
	return 1;
}

static void
check_answers(const struct buf *out)
{
	size_t off = 0;

	while (off < out->len) {
		unsigned long len;

		CHECK(out->len - off >= 5);
		len = (unsigned long)(unsigned char)out->data[off] << 24 |
		      (unsigned long)(unsigned char)out->data[off + 1] << 16 |
		      (unsigned long)(unsigned char)out->data[off + 2] << 8 |
		      (unsigned char)out->data[off + 3];
		CHECK(len >= 1 && out->len - off - 4 >= len);
		CHECK(strchr("Ocayqd", out->data[off + 4]) != NULL);
		off += 4 + len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct buf out = BUF_INIT((size_t)64 << 20);
	struct mproto p;
	struct err e;
	size_t cut, used = 0, used2 = 0;
	int rc;

	if (!ready) {
		mail_policy_init(&pol);
		CHECK(mail_policy_add_domains(&pol, "gov.test", &e) == 0);
		str_copy(pol.hop, "govsec-outbound", sizeof(pol.hop));
		mail_handoff_init(&handoff);
		ready = 1;
	}
	if (size < 1 || size > 200000)
		return 0;
	cut = data[0] * (size - 1) / 255;
	data++, size--;
	mproto_init(&p);
	p.rcpt = on_rcpt;
	p.data = on_data;
	p.eom = on_eom;
	rc = mproto_feed(&p, data, cut, &used, &out, &e);
	CHECK(used <= cut);
	if (rc == 0) {
		/* the rest of the first read comes again with the second */
		rc =
		    mproto_feed(&p, data + used, size - used, &used2, &out, &e);
		CHECK(used2 <= size - used);
		if (rc == 0 && size - used - used2 >= 5) {
			const uint8_t *r = data + used + used2;
			unsigned long len = (unsigned long)r[0] << 24 |
					    (unsigned long)r[1] << 16 |
					    (unsigned long)r[2] << 8 | r[3];

			CHECK(len >= 1 && len <= MPROTO_PACKET_MAX &&
			      size - used - used2 - 4 < len);
		}
	}
	check_answers(&out);
	mproto_cleanup(&p);
	buf_cleanup(&out);
	return 0;
}
