/*
 * mproto.c: the milter protocol for govsec-milter (mproto.h). A packet is
 * a 4-byte length (network order, counting the command byte), a command
 * byte and its data; strings in the data end in NUL. The constants are
 * libmilter's (mfapi.h, mfdef.h), so the protocol is the one Postfix and
 * miltertest speak to libmilter milters. Fuzzed:
 * tests/fuzz/fuzz_mail_mproto.c.
 */
#include <string.h>

#include "mail/mproto.h"

#define ARGS_MAX 64 /* strings of one MAIL or RCPT (address, parameters) */
#define VERSION	 6

void
mproto_init(struct mproto *p)
{
	memset(p, 0, sizeof(*p));
	mail_msg_init(&p->m);
}

void
mproto_cleanup(struct mproto *p)
{
	mail_msg_cleanup(&p->m);
}

static void
put32(struct buf *out, unsigned long v)
{
	char b[4] = {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};

	buf_add(out, b, 4);
}

static unsigned long
get32(const unsigned char *b)
{
	return (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 |
	       (unsigned long)b[2] << 8 | b[3];
}

/* One answer: command c with len bytes of data. */
static void
answer(struct buf *out, char c, const char *data, size_t len)
{
	put32(out, len + 1);
	buf_addch(out, c);
	if (len > 0)
		buf_add(out, data, len);
}

/* Splits data (n bytes, NUL-terminated by the caller at n) into its
 * NUL-terminated strings; how many, or -1 past max or when the last one
 * is not terminated inside the packet. */
static int
strings(char *data, size_t n, char **v, int max)
{
	int k = 0;

	for (size_t i = 0; i < n;) {
		size_t len = strnlen(data + i, n - i);

		if (i + len >= n || k == max)
			return -1;
		v[k++] = data + i;
		i += len + 1;
	}
	return k;
}

static void
macro_set(struct mproto *p, const char *name, const char *value)
{
	if (!strcmp(name, "{daemon_name}") || !strcmp(name, "daemon_name"))
		str_copy(p->m.hop, value, sizeof(p->m.hop));
	else if (!strcmp(name, "i") || !strcmp(name, "{i}"))
		str_copy(p->qid, value, sizeof(p->qid));
}

static void
negotiate(struct mproto *p, const unsigned char *d, struct buf *out)
{
	unsigned long version = get32(d), actions = get32(d + 4),
		      steps = get32(d + 8);
	static const struct mproto_macros lists[] = MPROTO_MACROS;
	struct buf reply = BUF_INIT(1024);

	p->actions = MPROTO_ACTIONS & actions;
	p->steps = (MPROTO_STEPS | MPROTO_NR) & steps;
	p->noreply = p->steps & MPROTO_NR;
	p->negotiated = 1;
	put32(&reply, version < VERSION ? version : VERSION);
	put32(&reply, p->actions);
	put32(&reply, p->steps);
	if (p->actions & SMFIF_SETSYMLIST)
		for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
			put32(&reply, (unsigned long)lists[i].stage);
			buf_add(&reply, lists[i].macros,
				strlen(lists[i].macros) + 1);
		}
	answer(out, SMFIC_OPTNEG, reply.data, reply.len);
	buf_cleanup(&reply);
}

/* The end of the message: the verdict of the eom callback as libmilter
 * sent it for smfi_setreply + SMFIS_REJECT / SMFIS_TEMPFAIL,
 * smfi_quarantine + SMFIS_ACCEPT, SMFIS_DISCARD and SMFIS_ACCEPT. */
static void
end_of_message(struct mproto *p, struct buf *out)
{
	struct mproto_verdict v;
	char line[600];

	memset(&v, 0, sizeof(v));
	str_copy(p->m.queue_id, p->qid, sizeof(p->m.queue_id));
	p->eom(p->arg, &p->m, &v);
	if (v.tempfail) {
		str_fmt(line, sizeof(line), "451 4.3.0 %s", v.text);
		answer(out, SMFIR_REPLYCODE, line, strlen(line) + 1);
		return;
	}
	switch (v.action) {
	case MAIL_REJECT:
		str_fmt(line, sizeof(line), "550 5.7.1 %s", v.text);
		answer(out, SMFIR_REPLYCODE, line, strlen(line) + 1);
		return;
	case MAIL_QUARANTINE:
		answer(out, SMFIR_QUARANTINE, v.why, strlen(v.why) + 1);
		answer(out, SMFIR_ACCEPT, NULL, 0);
		return;
	case MAIL_DISCARD:
		answer(out, SMFIR_DISCARD, NULL, 0);
		return;
	case MAIL_ACCEPT:
		break;
	}
	answer(out, SMFIR_ACCEPT, NULL, 0);
}

/* The stages not judged and their no-reply flags. */
static const struct {
	char cmd;
	unsigned long nr;
} unjudged[] = {
    {SMFIC_HELO, SMFIP_NR_HELO},
    {SMFIC_EOH, SMFIP_NR_EOH},
    {SMFIC_BODY, SMFIP_NR_BODY},
    {SMFIC_UNKNOWN, SMFIP_NR_UNKN},
};

/* An answer where the MTA waits for one: unless no reply was agreed. */
static void
go_on(const struct mproto *p, unsigned long nr, struct buf *out)
{
	if (!(p->noreply & nr))
		answer(out, SMFIR_CONTINUE, NULL, 0);
}

/* One packet: command c, data d of n bytes (NUL at d[n]). 0, 1 (quit) or
 * -1 with e set. */
static int
packet(struct mproto *p, char c, char *d, size_t n, struct buf *out,
       struct err *e)
{
	char *v[ARGS_MAX + 1];
	int k;

	if (!p->negotiated && c != SMFIC_OPTNEG && c != SMFIC_QUIT) {
		err_set(e, "command '%c' before the negotiation", c);
		return -1;
	}
	switch (c) {
	case SMFIC_OPTNEG:
		if (n < 12) {
			err_set(e, "a negotiation of %zu bytes", n);
			return -1;
		}
		negotiate(p, (const unsigned char *)d, out);
		return 0;
	case SMFIC_MACRO:
		if (n < 1 || (k = strings(d + 1, n - 1, v, ARGS_MAX)) < 0 ||
		    k % 2 != 0) {
			err_set(e, "macros that are not name/value pairs");
			return -1;
		}
		for (int i = 0; i < k; i += 2)
			macro_set(p, v[i], v[i + 1]);
		return 0;
	case SMFIC_CONNECT: {
		size_t hl = strnlen(d, n);
		const char *host = d, *addr = NULL;

		if (hl >= n) {
			err_set(e, "a connect without a host name");
			return -1;
		}
		/* family, then (unless unknown) a port and the address */
		if (hl + 1 < n && d[hl + 1] != SMFIA_UNKNOWN) {
			if (hl + 4 >= n ||
			    strnlen(d + hl + 4, n - hl - 4) >= n - hl - 4) {
				err_set(e, "a connect without an address");
				return -1;
			}
			addr = d + hl + 4;
		}
		str_copy(p->m.client, addr != NULL ? addr : host,
			 sizeof(p->m.client));
		go_on(p, SMFIP_NR_CONN, out);
		return 0;
	}
	case SMFIC_MAIL:
		if ((k = strings(d, n, v, ARGS_MAX)) < 1) {
			err_set(e, "a MAIL without an address");
			return -1;
		}
		v[k] = NULL;
		mail_msg_reset(&p->m);
		mail_msg_sender(&p->m, v[0], k > 1 ? v + 1 : NULL);
		go_on(p, SMFIP_NR_MAIL, out);
		return 0;
	case SMFIC_RCPT:
		if ((k = strings(d, n, v, ARGS_MAX)) < 1) {
			err_set(e, "a RCPT without an address");
			return -1;
		}
		v[k] = NULL;
		p->rcpt(p->arg, &p->m, v);
		go_on(p, SMFIP_NR_RCPT, out);
		return 0;
	case SMFIC_HEADER:
		if ((k = strings(d, n, v, 2)) != 2) {
			err_set(e, "a header that is not a name and a value");
			return -1;
		}
		mail_msg_header(&p->m, v[0], v[1]);
		go_on(p, SMFIP_NR_HDR, out);
		return 0;
	case SMFIC_DATA:
		/* every recipient is in: the hop may decide here */
		str_copy(p->m.queue_id, p->qid, sizeof(p->m.queue_id));
		if (p->data != NULL && p->data(p->arg, &p->m) == 1)
			answer(out, SMFIR_ACCEPT, NULL, 0);
		else
			go_on(p, SMFIP_NR_DATA, out);
		return 0;
	case SMFIC_HELO:
	case SMFIC_EOH:
	case SMFIC_BODY:
	case SMFIC_UNKNOWN:
		/* asked not to be sent; answered if sent anyway */
		for (size_t i = 0; i < ARRAY_SIZE(unjudged); i++)
			if (unjudged[i].cmd == c)
				go_on(p, unjudged[i].nr, out);
		return 0;
	case SMFIC_BODYEOB:
		end_of_message(p, out);
		return 0;
	case SMFIC_ABORT:
		mail_msg_reset(&p->m);
		return 0;
	case SMFIC_QUIT_NC: /* the same connection, a new SMTP session */
		mail_msg_cleanup(&p->m);
		mail_msg_init(&p->m);
		p->negotiated = 0;
		p->qid[0] = '\0';
		return 0;
	case SMFIC_QUIT:
		return 1;
	}
	err_set(e, "unknown command 0x%02x", (unsigned char)c);
	return -1;
}

int
mproto_feed(struct mproto *p, const unsigned char *in, size_t n, size_t *used,
	    struct buf *out, struct err *e)
{
	struct buf data = BUF_INIT(MPROTO_PACKET_MAX + 1);
	size_t off = 0;
	int rc = 0;

	while (rc == 0 && n - off >= 5) {
		unsigned long len = get32(in + off);

		if (len < 1 || len > MPROTO_PACKET_MAX) {
			err_set(e, "a packet of %lu bytes", len);
			rc = -1;
			break;
		}
		if (n - off - 4 < len)
			break; /* the rest comes later */
		buf_reset(&data);
		/* a copy, NUL-terminated: strings end inside it */
		if (buf_add(&data, in + off + 5, len - 1) < 0) {
			err_set(e, "no memory for a packet");
			rc = -1;
			break;
		}
		if (data.data == NULL)
			buf_addch(&data, 0), data.len = 0;
		rc = packet(p, (char)in[off + 4], data.data, len - 1, out, e);
		off += 4 + len;
	}
	*used = off;
	buf_cleanup(&data);
	return rc;
}
