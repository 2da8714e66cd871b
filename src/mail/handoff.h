/*
 * handoff.h: what the main smtpd's conversation leaves for the outbound
 * hop's, inside one govsec-milter (docs/mail.md, "Two conversations a
 * message"). When the main smtpd accepts a message for outside
 * recipients after judging its headers, its envelope (the sender and the
 * outside recipients), Message-ID and record id are put here; when the
 * hop sees the same envelope, unexpanded, with no envelope signal, it
 * takes the entry at DATA and accepts the message there, with the
 * Message-ID of the entry: Postfix's cleanup then has no milter to run
 * for the hop (no re-reading of the queued message, no header events, no
 * end-of-message answer). Only an envelope that matches exactly one
 * entry is taken; none, or two messages with the same envelope waiting
 * at once, and the hop judges the message with its headers as before.
 * Entries are kept HANDOFF_TTL seconds at most, HANDOFF_MAX at once (the
 * oldest is overwritten). Thread-safe.
 */
#ifndef GOVSEC_MAIL_HANDOFF_H
#define GOVSEC_MAIL_HANDOFF_H

#include <pthread.h>

#include "mail/mail.h"

#define HANDOFF_MAX 4096 /* entries at once */
#define HANDOFF_TTL 600	 /* seconds an entry waits for the hop */

struct handoff_ent {
	unsigned long long hash; /* of key; 0: a free slot */
	time_t at;
	char *key;   /* "sender\nrcpt\nrcpt" (sorted, no duplicates) */
	char *msgid; /* "" when the message had none */
	char flow[33];
};

struct mail_handoff {
	pthread_mutex_t mu;
	struct handoff_ent ent[HANDOFF_MAX];
	size_t next; /* the slot written next (the oldest) */
};

void mail_handoff_init(struct mail_handoff *h);
void mail_handoff_cleanup(struct mail_handoff *h);
/*
 * The envelope key of m into out: the sender, then the recipients (all of
 * them, or with outside_only those marked external), sorted, duplicates
 * dropped, separated by '\n'. 0, or -1 when m cannot have one: recipients
 * past MAIL_RCPT_MAX were dropped, a recipient did not parse, or none is
 * left.
 */
int mail_handoff_key(const struct mail_msg *m, int outside_only,
		     struct buf *out);
/* Adds an entry for the main smtpd's accepted message m (record id flow)
 * at time now, when it has outside recipients. */
void mail_handoff_put(struct mail_handoff *h, const struct mail_msg *m,
		      const char *flow, time_t now);
/*
 * The hop's message m at DATA: 1 when exactly one live entry has m's
 * envelope (all of m's recipients) — it is removed, msgid
 * (MAIL_MSGID_MAX + 1 bytes) and flow (33) get its Message-ID and record
 * id; 0 when none or more than one (nothing removed).
 */
int mail_handoff_take(struct mail_handoff *h, const struct mail_msg *m,
		      time_t now, char *msgid, char flow[33]);
/* The hop judged m with its headers at time now: removes an entry with
 * m's envelope and Message-ID, if any (so that it does not make later messages
 * with the same envelope ambiguous). */
void mail_handoff_drop(struct mail_handoff *h, const struct mail_msg *m,
		       time_t now);

#endif
