/*
 * audit.c: the hash-chained audit log. Record hash =
 * SM3(prev || len:seq || len:at || len:actor || len:action || len:object ||
 * len:before || len:after), hex encoded; the first record's prev is the
 * anchor (64 zeros, or the hash of the last pruned record). Reads records
 * that may have been tampered with: treats every column as untrusted.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit/audit.h"

#define ZERO_HASH                                                              \
	"0000000000000000000000000000000000000000000000000000000000000000"

void
audit_digest(const void *data, size_t n, char out[AUDIT_HASH_HEX])
{
	unsigned char md[SM3_LEN];

	if (sm3_digest(data, n, md) < 0)
		fatal("SM3 is not available in this OpenSSL");
	hex_encode(md, SM3_LEN, out);
}

static int
add_field(struct buf *b, const char *s)
{
	if (s == NULL)
		return buf_addstr(b, "-;");
	return buf_printf(b, "%zu:%s;", strlen(s), s);
}

static void
record_hash(const char *prev, long long seq, const char *at, const char *actor,
	    const char *action, const char *object, const char *before,
	    const char *after, char out[AUDIT_HASH_HEX])
{
	struct buf b = BUF_INIT(1 << 20);
	char seqs[32];

	str_fmt(seqs, sizeof(seqs), "%lld", seq);
	buf_addstr(&b, prev);
	add_field(&b, seqs);
	add_field(&b, at);
	add_field(&b, actor);
	add_field(&b, action);
	add_field(&b, object);
	add_field(&b, before);
	add_field(&b, after);
	audit_digest(b.data, b.len, out);
	buf_cleanup(&b);
}

struct head {
	long long seq;
	char hash[AUDIT_HASH_HEX];
	int found;
};

static int
head_row(void *arg, struct store_row *r)
{
	struct head *h = arg;
	const char *hash = store_row_text(r, 1);

	h->seq = store_row_int(r, 0);
	str_copy(h->hash, hash ? hash : "", sizeof(h->hash));
	h->found = 1;
	return 1;
}

int
audit_append(struct store *st, const char *actor, const char *action,
	     const char *object, const char *before, const char *after,
	     struct err *e)
{
	struct head h = {0, ZERO_HASH, 0};
	char at[32], hash[AUDIT_HASH_HEX];
	struct store_val v[9];

	if (store_begin(st, e) < 0)
		return -1;
	if (store_query(st,
			"SELECT seq, hash FROM audit ORDER BY seq DESC "
			"LIMIT 1",
			NULL, 0, head_row, &h, e) < 0)
		goto fail;
	if (!h.found) {
		char *anchor = store_setting_get(st, "audit.anchor_hash");
		char *aseq = store_setting_get(st, "audit.anchor_seq");
		long long n = 0;

		if (anchor != NULL)
			str_copy(h.hash, anchor, sizeof(h.hash));
		if (aseq != NULL && str_to_ll(aseq, 0, 1LL << 62, &n) == 0)
			h.seq = n;
		free(anchor);
		free(aseq);
	}
	time_fmt(time_now(), at, sizeof(at));
	record_hash(h.hash, h.seq + 1, at, actor, action, object, before, after,
		    hash);
	v[0] = SV_INT(h.seq + 1);
	v[1] = SV_TEXT(at);
	v[2] = SV_TEXT(actor);
	v[3] = SV_TEXT(action);
	v[4] = SV_TEXT(object);
	v[5] = SV_TEXT(before);
	v[6] = SV_TEXT(after);
	v[7] = SV_TEXT(h.hash);
	v[8] = SV_TEXT(hash);
	if (store_exec(st,
		       "INSERT INTO audit(seq, at, actor, action, object, "
		       "before, after, prev, hash) VALUES (?,?,?,?,?,?,?,?,?)",
		       v, 9, e) < 0)
		goto fail;
	return store_commit(st, e);
fail:
	store_rollback(st);
	return -1;
}

struct walk {
	struct audit_verdict *v;
	long long expect;
	char prev[AUDIT_HASH_HEX];
	long long anchor_seq;
	const char *anchor_hash;
	int anchor_seen;
	long long start; /* records up to start were pruned */
	char start_hash[AUDIT_HASH_HEX];
	int prune_seen; /* a prune record in the chain covers start */
	time_t now;
};

static const char *
col(struct store_row *r, int i)
{
	return store_row_text(r, i);
}

static int
walk_row(void *arg, struct store_row *r)
{
	struct walk *w = arg;
	struct audit_verdict *v = w->v;
	long long seq = store_row_int(r, 0);
	const char *prev = col(r, 7), *hash = col(r, 8);
	char want[AUDIT_HASH_HEX];

	if (seq != w->expect) {
		v->bad_seq = seq;
		if (seq > w->expect)
			str_fmt(v->reason, sizeof(v->reason),
				"record %lld follows record %lld: record "
				"%lld is missing (removed)",
				seq, w->expect - 1, w->expect);
		else
			str_fmt(v->reason, sizeof(v->reason),
				"record %lld is out of order", seq);
		return 1;
	}
	if (prev == NULL || hash == NULL || col(r, 1) == NULL ||
	    col(r, 2) == NULL || col(r, 3) == NULL || col(r, 4) == NULL) {
		v->bad_seq = seq;
		str_fmt(v->reason, sizeof(v->reason),
			"record %lld has empty required fields (edited)", seq);
		return 1;
	}
	if (strcmp(prev, w->prev) != 0) {
		v->bad_seq = seq;
		str_fmt(v->reason, sizeof(v->reason),
			"record %lld does not link to the record before it "
			"(removed, reordered or edited)",
			seq);
		return 1;
	}
	record_hash(prev, seq, col(r, 1), col(r, 2), col(r, 3), col(r, 4),
		    col(r, 5), col(r, 6), want);
	if (strlen(hash) != 64 || !ct_equal(want, hash, AUDIT_HASH_HEX)) {
		v->bad_seq = seq;
		str_fmt(v->reason, sizeof(v->reason),
			"record %lld does not match its hash (edited)", seq);
		return 1;
	}
	if (w->anchor_seq == seq) {
		if (strcmp(w->anchor_hash, hash) != 0) {
			v->bad_seq = seq;
			str_fmt(v->reason, sizeof(v->reason),
				"record %lld differs from the anchor given",
				seq);
			return 1;
		}
		w->anchor_seen = 1;
	}
	/* The chain itself must say how it came to start after record 1. */
	if (w->start > 0 && strcmp(col(r, 3), "audit.prune") == 0 &&
	    col(r, 5) != NULL && strcmp(col(r, 5), w->start_hash) == 0) {
		char want_obj[64];

		str_fmt(want_obj, sizeof(want_obj), "seq<=%lld ", w->start);
		if (str_starts(col(r, 4), want_obj))
			w->prune_seen = 1;
	}
	{
		time_t at;

		if (time_parse(col(r, 1), &at) == 0 && at > w->now + 300) {
			v->bad_seq = seq;
			str_fmt(v->reason, sizeof(v->reason),
				"record %lld is dated %s, in the future "
				"(edited, or written with a wrong clock)",
				seq, col(r, 1));
			return 1;
		}
	}
	str_copy(w->prev, hash, sizeof(w->prev));
	v->checked++;
	v->head_seq = seq;
	str_copy(v->head, hash, sizeof(v->head));
	w->expect = seq + 1;
	return 0;
}

int
audit_verify(struct store *st, long long anchor_seq, const char *anchor_hash,
	     struct audit_verdict *v, struct err *e)
{
	struct walk w;
	char *ahash = store_setting_get(st, "audit.anchor_hash");
	char *aseq = store_setting_get(st, "audit.anchor_seq");
	long long start = 0;

	memset(v, 0, sizeof(*v));
	memset(&w, 0, sizeof(w));
	w.v = v;
	str_copy(w.prev, ahash ? ahash : ZERO_HASH, sizeof(w.prev));
	if (aseq != NULL && str_to_ll(aseq, 0, 1LL << 62, &start) < 0)
		start = -1;
	free(ahash);
	free(aseq);
	if (start < 0) {
		v->bad_seq = 1;
		str_copy(v->reason, "the audit anchor setting is corrupt",
			 sizeof(v->reason));
		return 1;
	}
	w.expect = start + 1;
	w.start = start;
	str_copy(w.start_hash, w.prev, sizeof(w.start_hash));
	w.now = time(NULL);
	w.anchor_seq = anchor_seq;
	w.anchor_hash = anchor_hash;
	str_copy(v->head, w.prev, sizeof(v->head));
	v->head_seq = start;
	if (store_query(st,
			"SELECT seq, at, actor, action, object, before, after, "
			"prev, hash FROM audit ORDER BY rowid",
			NULL, 0, walk_row, &w, e) < 0)
		return -1;
	if (v->bad_seq != 0)
		return 1;
	if (start > 0 && !w.prune_seen) {
		v->bad_seq = start + 1;
		str_fmt(v->reason, sizeof(v->reason),
			"records 1 to %lld are gone but no prune record in the "
			"chain accounts for them (removed)",
			start);
		return 1;
	}
	/* An anchor older than the retained records was pruned away, which
	 * the prune record in the chain says; only a newer one must be seen. */
	if (anchor_seq > start && !w.anchor_seen) {
		v->bad_seq = anchor_seq;
		str_fmt(v->reason, sizeof(v->reason),
			"record %lld given as anchor is missing (the log was "
			"cut short)",
			anchor_seq);
		return 1;
	}
	return 0;
}

static int
export_row(void *arg, struct store_row *r)
{
	static const char *names[] = {"seq",	"at",	  "actor",
				      "action", "object", "before",
				      "after",	"prev",	  "hash"};
	FILE *out = arg;
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "seq", json_integer(store_row_int(r, 0)));
	for (int i = 1; i < 9; i++) {
		const char *t = store_row_text(r, i);

		/* A tampered field may not be UTF-8: keep it, marked. */
		json_t *v = t ? json_string(t) : json_null();

		if (v == NULL) {
			char *clean = str_utf8_sanitize(t);

			v = json_string(clean);
			free(clean);
		}
		json_object_set_new(o, names[i], v);
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return -1;
	fprintf(out, "%s\n", s);
	free(s);
	return 0;
}

int
audit_export(struct store *st, const char *since, FILE *out, struct err *e)
{
	char from[32] = "";
	struct store_val v[1];
	time_t t;

	/* Records carry UTC times: compare instants, not spellings. */
	if (since != NULL) {
		if (time_parse(since, &t) < 0) {
			err_set(e, "'%s' is not a date or RFC 3339 time",
				since);
			return -1;
		}
		time_fmt(t, from, sizeof(from));
	}
	v[0] = SV_TEXT(from);
	return store_query(st,
			   "SELECT seq, at, actor, action, object, before, "
			   "after, prev, hash FROM audit WHERE at >= ? "
			   "ORDER BY seq",
			   v, 1, export_row, out, e);
}

int
audit_retention(struct store *st)
{
	char *s = store_setting_get(st, "audit.retention_days");
	long long n = AUDIT_MIN_RETENTION;

	if (s != NULL && str_to_ll(s, 1, 36500, &n) < 0)
		n = AUDIT_MIN_RETENTION;
	free(s);
	return (int)n;
}

int
audit_set_retention(struct store *st, int days, int force, const char *actor,
		    struct err *e)
{
	char s[32], before[32];

	if (days < 1 || days > 36500) {
		err_set(e, "retention '%d' days is out of range (1..36500)",
			days);
		return -1;
	}
	if (days < AUDIT_MIN_RETENTION && !force) {
		err_set(e,
			"retention of %d days is below the 365 days SEC-5 "
			"requires; add --force to do it anyway",
			days);
		return -1;
	}
	str_fmt(before, sizeof(before), "%d", audit_retention(st));
	str_fmt(s, sizeof(s), "%d", days);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_setting_set(st, "audit.retention_days", s, e) < 0 ||
	    audit_append(st, actor, "audit.retention", s, before, s, e) < 0) {
		store_rollback(st);
		return -1;
	}
	if (store_commit(st, e) < 0)
		return -1;
	return days < AUDIT_MIN_RETENTION ? 1 : 0;
}

long long
audit_prune(struct store *st, const char *actor, struct err *e)
{
	char cutoff[32], seqs[32], what[64];
	struct head last = {0, "", 0};
	struct store_val v[1];
	long long n;

	time_fmt(time_now() - (time_t)audit_retention(st) * 86400, cutoff,
		 sizeof(cutoff));
	v[0] = SV_TEXT(cutoff);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_query(st,
			"SELECT seq, hash FROM audit WHERE at < ? "
			"ORDER BY seq DESC LIMIT 1",
			v, 1, head_row, &last, e) < 0)
		goto fail;
	if (!last.found) {
		store_rollback(st);
		return 0;
	}
	str_fmt(seqs, sizeof(seqs), "%lld", last.seq);
	n = store_query_int(st, "SELECT count(*) FROM audit WHERE seq <= ?",
			    (struct store_val[]){SV_INT(last.seq)}, 1, 0);
	if (store_exec(st, "DELETE FROM audit WHERE seq <= ?",
		       (struct store_val[]){SV_INT(last.seq)}, 1, e) < 0 ||
	    store_setting_set(st, "audit.anchor_seq", seqs, e) < 0 ||
	    store_setting_set(st, "audit.anchor_hash", last.hash, e) < 0)
		goto fail;
	/* The chain records the new start, so that verify can tell a prune
	 * from records cut off the front. */
	str_fmt(what, sizeof(what), "seq<=%lld before %s", last.seq, cutoff);
	if (audit_append(st, actor, "audit.prune", what, last.hash, NULL, e) <
	    0)
		goto fail;
	if (store_commit(st, e) < 0)
		return -1;
	return n;
fail:
	store_rollback(st);
	return -1;
}

struct page {
	long long left;
	int (*keep)(void *arg, const char *object);
	void *keep_arg;
	store_row_fn fn;
	void *arg;
};

static int
page_row(void *arg, struct store_row *row)
{
	struct page *p = arg;
	int rc;

	if (p->keep != NULL && !p->keep(p->keep_arg, store_row_text(row, 4)))
		return 0;
	rc = p->fn(p->arg, row);
	if (rc != 0)
		return rc;
	return --p->left > 0 ? 0 : 1;
}

int
audit_page(struct store *st, long long before, long long limit,
	   int (*keep)(void *arg, const char *object), void *keep_arg,
	   store_row_fn fn, void *arg, struct err *e)
{
	struct page p = {limit, keep, keep_arg, fn, arg};
	struct store_val v[2] = {SV_INT(before), SV_INT(limit)};

	if (limit <= 0)
		return 0;
	/* With a filter, rows are read until limit of them are kept. */
	return store_query(st,
			   keep != NULL
			       ? "SELECT seq, at, actor, action, object, "
				 "before, after, prev, hash FROM audit WHERE "
				 "seq < ? ORDER BY seq DESC"
			       : "SELECT seq, at, actor, action, object, "
				 "before, after, prev, hash FROM audit WHERE "
				 "seq < ? ORDER BY seq DESC LIMIT ?",
			   v, keep != NULL ? 1 : 2, page_row, &p, e);
}
