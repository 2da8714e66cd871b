/*
 * audit.h: the public face of src/audit, the tamper-evident audit log
 * (SEC-5, MON-1). Records form a chain: each record's link covers its
 * fields and the previous record's link, so an edited, removed or
 * reordered record breaks the chain at that point. Links are HMAC-SM3
 * under a key derived from the store's key file (records from before the
 * key keep their plain SM3 links), and heads of the chain are written
 * outside the store (heads.c), so that cutting the tail or rewriting the
 * chain is found without anyone saving a head (docs/audit.md).
 */
#ifndef GOVSEC_AUDIT_H
#define GOVSEC_AUDIT_H

#include <stdio.h>

#include "base/base.h"
#include "store/store.h"

#define AUDIT_HASH_HEX	    (2 * SM3_LEN + 1)
#define AUDIT_MIN_RETENTION 365 /* days, SEC-5 */
#define AUDIT_HEAD_RECORDS  100 /* a head at least every so many records */

/* audit.c */
/*
 * Loads the key file of the store st at store_path (secret_key_for_store;
 * created when missing, unless st already holds keyed records), derives
 * the chain and heads keys and takes the heads settings of c: from then
 * on this process appends keyed records and checkpoints heads. Process
 * glue calls it once, before any thread. 0, or -1 with e set.
 */
int audit_init(const struct config *c, const char *store_path, struct store *st,
	       struct err *e);
/*
 * The same with a key at hand (tests): heads is the heads file ("" for
 * none), syslog whether heads also go to syslog, seconds the longest time
 * between heads. 0, or -1 if k is unset.
 */
int audit_init_key(const struct secret_key *k, const char *heads, int syslog,
		   int seconds);
/* Forgets the keys (wiped); appends are plain SM3 again. */
void audit_cleanup(void);
/*
 * Appends one record. before/after are hex digests of the object's state
 * (NULL when it did not exist / no longer exists). Runs inside the caller's
 * transaction when there is one, so the change and its record land together.
 * Keyed when audit_init ran; refused without the key once the chain is
 * keyed. Returns 0, or -1 with e set.
 */
int audit_append(struct store *st, const char *actor, const char *action,
		 const char *object, const char *before, const char *after,
		 struct err *e);
/*
 * Ends the caller's transaction on st: appends the record as audit_append
 * does and commits the change with it; if either fails, rolls the
 * transaction back. Returns 0, or -1 with e set.
 */
int audit_commit(struct store *st, const char *actor, const char *action,
		 const char *object, const char *before, const char *after,
		 struct err *e);
/*
 * The time of audit records, heads and the retention cutoff: the system
 * clock, never GOVSEC_NOW (time_now), so that no environment variable moves
 * the dates of the record. audit_set_clock(fn) replaces it with fn (NULL:
 * the system clock again); for unit tests only, before threads start.
 */
time_t audit_now(void);
void audit_set_clock(time_t (*fn)(void));
/* The same for an event that happened at time at (the writer's queue). */
int audit_append_at(struct store *st, time_t at, const char *actor,
		    const char *action, const char *object, const char *before,
		    const char *after, struct err *e);
/* Hex SM3 digest of n bytes into out[AUDIT_HASH_HEX]. */
void audit_digest(const void *data, size_t n, char out[AUDIT_HASH_HEX]);
/*
 * Writes the committed head of the chain to the heads file (and syslog)
 * if it moved since the last head and force is set, or AUDIT_HEAD_RECORDS
 * records or the configured seconds have passed. Call it outside any
 * transaction (a head must never name a record that may be rolled back).
 * 0 (also when there is nothing to do or no key), or -1 with e set.
 */
int audit_checkpoint(struct store *st, int force, struct err *e);

struct audit_verdict {
	long long checked; /* records checked */
	long long bad_seq; /* first bad record's seq, 0 if the chain is sound */
	char reason[256];  /* why it is bad */
	long long head_seq; /* last record */
	char head[AUDIT_HASH_HEX];
	long long keyed, plain; /* records with HMAC-SM3 / plain SM3 links */
	char heads_file[256];	/* the heads file read, "" if none */
	long long heads;	/* heads read from it */
	long long heads_seq;	/* the newest head's record, 0 if none */
	char heads_at[32];	/* when it was written */
};
/*
 * Walks the chain from its anchor (the first retained record) and reports
 * the first record that does not fit, checking keyed links with the key
 * and every record against the heads file read first (a head beyond the
 * chain's end means the tail was cut; a head that differs, rewriting). If
 * anchor_seq > 0 the chain must still contain that record with hash
 * anchor_hash (an anchor the operator saved). Returns 0 if sound, 1 if
 * tampered, -1 on error (also: keyed records but no key loaded).
 */
int audit_verify(struct store *st, long long anchor_seq,
		 const char *anchor_hash, struct audit_verdict *v,
		 struct err *e);
/*
 * Calls fn for the records with seq < before, newest first, at most limit
 * of those that keep accepts by their object (keep NULL: all). Columns:
 * seq, at, actor, action, object, before, after, prev, hash, keyed.
 * Returns 0, or -1 with e set.
 */
int audit_page(struct store *st, long long before, long long limit,
	       int (*keep)(void *arg, const char *object), void *keep_arg,
	       store_row_fn fn, void *arg, struct err *e);
/* Parses "SEQ:HASH" (as `govsec audit head` prints); 0 or -1. */
int audit_anchor_parse(const char *s, long long *seq,
		       char hash[AUDIT_HASH_HEX]);
/* Writes records with at >= since (NULL: all) as JSON Lines. */
int audit_export(struct store *st, const char *since, FILE *out, struct err *e);
/* Retention in days (default 365). */
int audit_retention(struct store *st);
/* Sets retention; below 365 needs force and returns 1 (warn loudly). */
int audit_set_retention(struct store *st, int days, int force,
			const char *actor, struct err *e);
/* Deletes records older than the retention, keeping the chain verifiable
 * (the new first record's predecessor hash is kept as the anchor). Returns
 * the number of records removed or -1. */
long long audit_prune(struct store *st, const char *actor, struct err *e);

/* heads.c */
struct heads_entry {
	long long seq;
	char hash[AUDIT_HASH_HEX];
	char at[32];
};
struct heads {
	struct heads_entry *v; /* sorted by seq */
	size_t n, cap;
	int missing;	    /* no file */
	long long bad_line; /* first line without a valid MAC, 0 if none */
};
/* Appends "SEQ HASH AT MAC" to path (O_APPEND, created 0600); 0 or -1. */
int heads_append(const char *path, const unsigned char key[SM3_LEN],
		 long long seq, const char *hash, const char *at,
		 struct err *e);
/* Sends the head to syslog (LOG_AUTHPRIV). */
void heads_syslog(long long seq, const char *hash, const char *at);
/*
 * Reads every line of path whose MAC matches into h (heads_cleanup() it);
 * the first other line is noted in h->bad_line. A missing file sets
 * h->missing. 0, or -1 with e set if the file cannot be read.
 */
int heads_load(struct heads *h, const char *path,
	       const unsigned char key[SM3_LEN], struct err *e);
void heads_cleanup(struct heads *h);
/* The last line's record and time (0 and 0 without a file); -1 if it
 * cannot be read or is not valid. */
int heads_last(const char *path, const unsigned char key[SM3_LEN],
	       long long *seq, time_t *at);

/* auditq.c */
/*
 * The audit writer of govsecd: a bounded queue of records written by one
 * thread over its own store connection, in batches of one transaction, so
 * that a request never waits for the store. When the queue is full a
 * producer waits briefly, then spills the record to a file the writer
 * replays; a failed write is retried and logged; stopping drains the
 * queue (what cannot be written is spilled). One writer per process.
 */
struct auditq;
/*
 * Starts the writer on store_path (its own connection) with room for cap
 * records, spilling to spill, and counting failed logins for unknown
 * names over windows of window seconds. NULL with e set on failure.
 */
struct auditq *auditq_start(const char *store_path, const char *spill,
			    size_t cap, int window, struct err *e);
/* Stops the writer after writing everything queued; NULL is a no-op. */
void auditq_stop(struct auditq *q);
/*
 * Queues one record for the running writer (strings are copied). Never
 * blocks for more than a few milliseconds. 0, or -1 when no writer runs
 * (then the caller appends it itself).
 */
int auditq_put(const char *actor, const char *action, const char *object,
	       const char *before, const char *after);
/*
 * Counts a failed login for an unknown name from source under action:
 * one record per (action, source) and window says how many there were
 * between which times. 0, or -1 when no writer runs.
 */
int auditq_count(const char *actor, const char *action, const char *source);
/* Records queued and not yet written (for tests and metrics). */
long long auditq_pending(void);

#endif
