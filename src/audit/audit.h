/*
 * audit.h: the public face of src/audit, the tamper-evident audit log
 * (SEC-5, MON-1). Records form a hash chain with SM3: each record's hash
 * covers its fields and the previous record's hash, so an edited, removed or
 * reordered record breaks the chain at that point.
 */
#ifndef GOVSEC_AUDIT_H
#define GOVSEC_AUDIT_H

#include <stdio.h>

#include "base/base.h"
#include "store/store.h"

#define AUDIT_HASH_HEX	    (2 * SM3_LEN + 1)
#define AUDIT_MIN_RETENTION 365 /* days, SEC-5 */

/* audit.c */
/*
 * Appends one record. before/after are hex digests of the object's state
 * (NULL when it did not exist / no longer exists). Runs inside the caller's
 * transaction when there is one, so the change and its record land together.
 * Returns 0, or -1 with e set.
 */
int audit_append(struct store *st, const char *actor, const char *action,
		 const char *object, const char *before, const char *after,
		 struct err *e);
/* Hex SM3 digest of n bytes into out[AUDIT_HASH_HEX]. */
void audit_digest(const void *data, size_t n, char out[AUDIT_HASH_HEX]);

struct audit_verdict {
	long long checked; /* records checked */
	long long bad_seq; /* first bad record's seq, 0 if the chain is sound */
	char reason[256];  /* why it is bad */
	long long head_seq; /* last record */
	char head[AUDIT_HASH_HEX];
};
/*
 * Walks the chain from its anchor (the first retained record) and reports
 * the first record that does not fit. If anchor_seq > 0 the chain must still
 * contain that record with hash anchor_hash (detects a cut-off tail).
 * Returns 0 if sound, 1 if tampered, -1 on error.
 */
int audit_verify(struct store *st, long long anchor_seq,
		 const char *anchor_hash, struct audit_verdict *v,
		 struct err *e);
/*
 * Calls fn for the records with seq < before, newest first, at most limit
 * of those that keep accepts by their object (keep NULL: all). Columns:
 * seq, at, actor, action, object, before, after, prev, hash. Returns 0, or
 * -1 with e set.
 */
int audit_page(struct store *st, long long before, long long limit,
	       int (*keep)(void *arg, const char *object), void *keep_arg,
	       store_row_fn fn, void *arg, struct err *e);
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

#endif
