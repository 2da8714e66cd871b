/*
 * mail_floor_milter.c: bench/mail's "milter floor", a libmilter milter
 * that does nothing. It asks Postfix for the stages every milter that
 * reads headers needs (connect, MAIL, RCPT, headers, end of message; no
 * body, HELO, DATA, end of headers or unknown commands) with
 * govsec-milter's macros and no-answer flags, and accepts every message
 * at its end, recording nothing: one answer a message on each smtpd.
 * What Postfix with this milter loses against Postfix without one is the
 * cost of two full milter conversations a message (both sides: Postfix's
 * milter client, cleanup's reading of the queued message, libmilter).
 * govsec-milter also answers at DATA, where the outbound hop usually
 * accepts the message (src/mail/handoff.h), so that its second
 * conversation costs Postfix less than the floor's. Usage:
 * bench_mail_floor_milter inet:PORT@127.0.0.1
 */
#include <stdio.h>
#include <stdlib.h>

#include "mail/mproto.h"

/* the SMFIP_NR_* flags agreed (the same for every session of one MTA) */
static unsigned long noreply;

static sfsistat
go_on(unsigned long stage)
{
	return (noreply & stage) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
f_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)ctx, (void)host, (void)sa;
	return go_on(SMFIP_NR_CONN);
}

static sfsistat
f_mail(SMFICTX *ctx, char **argv)
{
	(void)ctx, (void)argv;
	return go_on(SMFIP_NR_MAIL);
}

static sfsistat
f_rcpt(SMFICTX *ctx, char **argv)
{
	(void)ctx, (void)argv;
	return go_on(SMFIP_NR_RCPT);
}

static sfsistat
f_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx, (void)name, (void)value;
	return go_on(SMFIP_NR_HDR);
}

static sfsistat
f_ctx(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat
f_eom(SMFICTX *ctx)
{
	/* what govsec-milter reads at the end of a message */
	(void)smfi_getsymval(ctx, "i");
	return SMFIS_ACCEPT;
}

/* govsec-milter's negotiation (src/mail/mproto.h), without DATA: the floor
 * answers once a message, at its end, on both smtpds (govsec-milter
 * answers at DATA too, and on the hop usually only there) */
static sfsistat
f_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
	    unsigned long f3, unsigned long *pf0, unsigned long *pf1,
	    unsigned long *pf2, unsigned long *pf3)
{
	static const struct mproto_macros macros[] = MPROTO_MACROS;

	(void)f2, (void)f3;
	*pf0 = MPROTO_ACTIONS & f0;
	*pf1 = (MPROTO_STEPS | SMFIP_NODATA | MPROTO_NR) & f1;
	*pf2 = 0;
	*pf3 = 0;
	noreply = *pf1 & MPROTO_NR;
	if (f0 & SMFIF_SETSYMLIST)
		for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]);
		     i++) {
			char list[32];

			snprintf(list, sizeof(list), "%s", macros[i].macros);
			(void)smfi_setsymlist(ctx, macros[i].stage, list);
		}
	return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
	struct smfiDesc desc = {
	    .xxfi_name = "govsec-floor",
	    .xxfi_version = SMFI_VERSION,
	    .xxfi_flags = SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
	    .xxfi_connect = f_connect,
	    .xxfi_envfrom = f_mail,
	    .xxfi_envrcpt = f_rcpt,
	    .xxfi_header = f_header,
	    .xxfi_eom = f_eom,
	    .xxfi_abort = f_ctx,
	    .xxfi_close = f_ctx,
	    .xxfi_negotiate = f_negotiate,
	};

	if (argc != 2) {
		fputs(
		    "usage: bench_mail_floor_milter inet:PORT@HOST|unix:PATH\n",
		    stderr);
		return 2;
	}
	if (smfi_register(desc) != MI_SUCCESS ||
	    smfi_setconn(argv[1]) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr,
			"bench_mail_floor_milter: cannot listen on %s\n",
			argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
