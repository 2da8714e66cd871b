/*
 * journal.h: the mail-flow record as one flat value (what flow.c writes
 * into the store) and govsec-milter's journal of accepted messages
 * (journal.c): the record of an accepted message is appended to a local
 * file before Postfix gets the answer and committed to the store in
 * batches by the milter's writer thread; at start-up what the journal
 * still holds is committed first. docs/mail.md ("Mail-flow records")
 * says what this promises.
 */
#ifndef GOVSEC_MAIL_JOURNAL_H
#define GOVSEC_MAIL_JOURNAL_H

#include "mail/mail.h"

#define MAIL_JOURNAL_LINE_MAX (1 << 20) /* bytes of one journal line */
#define MAIL_FLOW_ROLES_MAX   (2 * MAIL_RCPT_MAX + 1)

/* One address of a record and its roles: 1 sender, 2 recipient, 4
 * original recipient (ORCPT), or'ed. */
struct mail_flow_role {
	const char *addr;
	int roles;
};

/* One mail-flow record, every text bounded (milter.c) and NUL-free;
 * message_id NULL when the message had none. */
struct mail_flow_rec {
	const char *id;
	long long at;
	const char *hop, *queue_id, *client, *sender, *message_id;
	const char *rcpts; /* "addr addr(orcpt) +N more" */
	const char *signals, *decision, *reason;
	int score;
	struct mail_flow_role roles[MAIL_FLOW_ROLES_MAX];
	size_t nroles;
};

/* flow.c */
/* A record id for time at: its 8 hex digits, then 8 of random bytes (rnd,
 * or drawn here when NULL). 0, or -1 with e set (no random bytes). */
int mail_flow_id(time_t at, const unsigned char *rnd, char id[33],
		 struct err *e);
/* Fills r from m and v at time at with the record id id; r points into
 * m, v, id and rcpts (scratch: the recipients' text). */
void mail_flow_make(const struct mail_msg *m, const struct mail_verdict *v,
		    time_t at, const char *id, struct buf *rcpts,
		    struct mail_flow_rec *r);
/*
 * Inserts r's rows inside the caller's transaction. With replay, a record
 * whose id is already stored is left as it is (1 returned). 0, 1, or -1
 * with e set.
 */
int mail_flow_put(struct store *st, const struct mail_flow_rec *r, int replay,
		  struct err *e);

/* journal.c */
/*
 * Appends r as one line to out: tab-separated fields, each with bytes
 * below 0x21, '%' and 0x7f written as %XX, ending in '\n'.
 */
void mail_journal_format(const struct mail_flow_rec *r, struct buf *out);
/*
 * Parses one line of mail_journal_format() (n bytes, without the '\n'),
 * decoding it in place: r points into line. 0, or -1 with e naming what
 * is wrong (field count, an id, number, decision or escape that is bad).
 */
int mail_journal_parse(char *line, size_t n, struct mail_flow_rec *r,
		       struct err *e);

/*
 * The journal: two files, path.0 and path.1 (mode 0600): appends go to
 * the active one; the writer switches before it commits what it took, and
 * empties the other after the commit, so a file is never emptied while
 * it holds an uncommitted record.
 */
struct mail_journal {
	char path[2][1024];
	int fd[2];
	int active;
};

/* Opens (creates) both files. 0, or -1 with e set. */
int mail_journal_open(struct mail_journal *j, const char *path, struct err *e);
void mail_journal_close(struct mail_journal *j);
/* Appends one formatted line (len bytes) to the active file with one
 * write. 0, or -1 with e set (the caller must not accept the message). */
int mail_journal_append(struct mail_journal *j, const char *line, size_t len,
			struct err *e);
/* Makes the other file active; returns the index of the one that was. */
int mail_journal_switch(struct mail_journal *j);
/* Empties file i (its records are in the store). 0 or -1 with e set. */
int mail_journal_clear(struct mail_journal *j, int i, struct err *e);
/*
 * Start-up: commits every complete line of both files to st (records
 * already stored are skipped; a last line without its '\n' was never
 * acknowledged to the MTA and is dropped), then empties them. Returns the
 * number of records added, or -1 with e set (the files are kept: a line
 * that does not parse names its file and line).
 */
long long mail_journal_replay(struct mail_journal *j, struct store *st,
			      struct err *e);

#endif
