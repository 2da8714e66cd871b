/*
 * mproto.h: the MTA side of a milter conversation as govsec-milter speaks
 * it (Sendmail's milter protocol, version 6, as Postfix and miltertest
 * send it), without libmilter: mproto_feed() takes the bytes one
 * connection sent, in any pieces, and appends the answers to send back.
 * What govsec-milter asks for at negotiation (mproto.c: no HELO, end of
 * headers, body or unknown commands; no answer at connect, MAIL, RCPT and
 * each header; only the macros it reads) leaves two answers per message:
 * at DATA, where the outbound hop can accept a message the main smtpd
 * already judged (handoff.h: Postfix's cleanup then runs no milter for
 * it), and at its end. Everything the MTA sends is untrusted: every
 * packet is bounded (MPROTO_PACKET_MAX) and checked; a bad one ends the
 * connection (Postfix then applies milter_default_action).
 */
#ifndef GOVSEC_MAIL_MPROTO_H
#define GOVSEC_MAIL_MPROTO_H

#include <libmilter/mfapi.h>

#include "mail/mail.h"

#define MPROTO_PACKET_MAX (1 << 20) /* bytes of one packet, at most */

/* What govsec-milter asks for at negotiation (bench/mail's floor milter
 * asks the same through libmilter): no answer at connect, MAIL, RCPT and
 * each header; an answer at DATA; no HELO, end of headers, body or
 * unknown commands; the quarantine action and its own macro lists. */
#define MPROTO_NR (SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR)
#define MPROTO_STEPS                                                           \
	(SMFIP_NOBODY | SMFIP_NOHELO | SMFIP_NOEOH | SMFIP_NOUNKNOWN)
#define MPROTO_ACTIONS (SMFIF_QUARANTINE | SMFIF_SETSYMLIST)
/* The macros read, per stage; "{none}" is a name Postfix does not define:
 * it sends no macro there (an empty list would keep its default). */
struct mproto_macros {
	int stage;
	const char *macros;
};
/* clang-format off */
#define MPROTO_MACROS {                                                        \
	{SMFIM_CONNECT, "{daemon_name}"}, {SMFIM_HELO, "{none}"},              \
	{SMFIM_ENVFROM, "{none}"}, {SMFIM_ENVRCPT, "{none}"},                  \
	{SMFIM_DATA, "i"}, {SMFIM_EOH, "{none}"}, {SMFIM_EOM, "i"}}
/* clang-format on */

/* What the end of a message gets (the eom callback fills it). */
struct mproto_verdict {
	enum mail_action action;
	int tempfail;	/* answer 451 4.3.0 with text instead */
	char text[512]; /* reject (550 5.7.1) or tempfail text */
	char why[160];	/* quarantine reason */
};

struct mproto {
	int negotiated;
	unsigned long actions, steps, noreply; /* agreed */
	char qid[32];			       /* macro i, last seen */
	struct mail_msg m;
	/* called for each RCPT (argv: the address, then ESMTP parameters),
	 * at DATA (NULL, or returns 1 to accept the message there: Postfix
	 * then sends neither its headers nor its end; 0 to go on) and at
	 * the end of a message; arg is theirs */
	void (*rcpt)(void *arg, struct mail_msg *m, char **argv);
	int (*data)(void *arg, struct mail_msg *m);
	void (*eom)(void *arg, struct mail_msg *m, struct mproto_verdict *v);
	void *arg;
};

void mproto_init(struct mproto *p);
void mproto_cleanup(struct mproto *p);
/*
 * Processes the whole packets at in (n bytes), appending the answers to
 * out; *used gets how many bytes were taken (a packet cut short waits for
 * the rest). Returns 0 to go on, 1 when the MTA said QUIT (send out, then
 * close), -1 when the bytes are not the milter protocol (e names what;
 * close).
 */
int mproto_feed(struct mproto *p, const unsigned char *in, size_t n,
		size_t *used, struct buf *out, struct err *e);

#endif
