/*
 * audit.c: the chained audit log. A record's link is, for records written
 * with the store's key (keyed = 1),
 *   HMAC-SM3(K, "govsec-audit/2;" prev ";" n:seq ";" n:at ";" n:actor ";"
 *            n:action ";" n:object ";" n:before ";" n:after ";")
 * with K = secret_derive(key file, "govsec audit chain"), n the byte
 * length and "-;" for NULL; older records (keyed = 0) keep
 *   SM3(prev || len:seq; len:at; ... len:after;)
 * hex encoded. The first record's prev is the anchor (64 zeros, or the
 * link of the last pruned record). A plain record after a keyed one is a
 * rewrite. Heads go to a file outside the store (heads.c). Reads records
 * that may have been tampered with: treats every column as untrusted,
 * down to a NUL byte inside a field.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "audit/audit.h"

#define ZERO_HASH                                                              \
	"0000000000000000000000000000000000000000000000000000000000000000"

/* The keys and heads settings of this process: set once by audit_init
 * before threads start; the last head written is kept under lock. */
static struct {
	int set;
	unsigned char chain[SM3_LEN], heads[SM3_LEN];
	char heads_path[4096];
	int syslog, seconds;
	pthread_mutex_t lock;
	int last_known;
	long long last_seq;
	time_t last_at;
} K = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* NULL: the system clock (audit_now) */
static time_t (*audit_clock)(void);

time_t
audit_now(void)
{
	return audit_clock != NULL ? audit_clock() : time(NULL);
}

void
audit_set_clock(time_t (*fn)(void))
{
	audit_clock = fn;
}

int
audit_init_key(const struct secret_key *k, const char *heads, int syslog,
	       int seconds)
{
	audit_cleanup();
	if (secret_derive(k, "govsec audit chain", K.chain) < 0 ||
	    secret_derive(k, "govsec audit heads", K.heads) < 0 ||
	    str_copy(K.heads_path, heads, sizeof(K.heads_path)) < 0) {
		audit_cleanup();
		return -1;
	}
	K.syslog = syslog;
	K.seconds = seconds > 0 ? seconds : 60;
	K.set = 1;
	return 0;
}

int
audit_init(const struct config *c, const char *store_path, struct store *st,
	   struct err *e)
{
	struct secret_key k;
	char heads[4096];
	const char *path = store_path;
	/* a new key for a keyed chain would only make it unverifiable */
	int create = store_query_int(st,
				     "SELECT count(*) FROM audit WHERE keyed "
				     "= 1",
				     NULL, 0, 1) == 0;
	int rc;

	memset(&k, 0, sizeof(k));
	/* a second try: another process may have created it meanwhile */
	if (secret_key_for_store(&k, c, store_path, create, e) < 0 &&
	    (!create || secret_key_for_store(&k, c, store_path, 0, e) < 0)) {
		if (!create)
			err_prefix(e, "the audit chain is keyed: the store's "
				      "key file is needed (copy it with the "
				      "store)");
		return -1;
	}
	if (str_starts(path, "sqlite:"))
		path += 7;
	heads[0] = '\0';
	if (!strcmp(c->audit_heads, "none"))
		heads[0] = '\0';
	else if (c->audit_heads[0] != '\0')
		str_copy(heads, c->audit_heads, sizeof(heads));
	else if (!str_starts(path, "postgres") &&
		 str_fmt(heads, sizeof(heads), "%s.heads", path) < 0) {
		err_set(e, "the audit heads path is too long");
		secret_key_wipe(&k);
		return -1;
	}
	rc = audit_init_key(&k, heads, c->audit_syslog, c->audit_heads_seconds);
	secret_key_wipe(&k);
	if (rc < 0)
		err_set(e, "cannot derive the audit keys");
	return rc;
}

void
audit_cleanup(void)
{
	pthread_mutex_lock(&K.lock);
	OPENSSL_cleanse(K.chain, sizeof(K.chain));
	OPENSSL_cleanse(K.heads, sizeof(K.heads));
	K.set = 0;
	K.heads_path[0] = '\0';
	K.last_known = 0;
	K.last_seq = 0;
	K.last_at = 0;
	pthread_mutex_unlock(&K.lock);
}

void
audit_digest(const void *data, size_t n, char out[AUDIT_HASH_HEX])
{
	unsigned char md[SM3_LEN];

	if (sm3_digest(data, n, md) < 0)
		fatal("SM3 is not available in this OpenSSL");
	hex_encode(md, SM3_LEN, out);
}

/* A field as stored: its bytes (which may hold a NUL) or NULL. */
struct fld {
	const char *s;
	size_t n;
};

static struct fld
fld_of(const char *s)
{
	struct fld f = {s, s != NULL ? strlen(s) : 0};

	return f;
}

/*
 * The link of a record: f[0] is seq, f[1..6] at, actor, action, object,
 * before, after. Plain links hash what strlen() sees, as they always did;
 * verify refuses a field with a NUL byte before it gets here. 0, or -1
 * for a keyed record without the key.
 */
static int
record_link(int keyed, const char *prev, const struct fld f[7],
	    char out[AUDIT_HASH_HEX])
{
	struct buf b = BUF_INIT(1 << 22);
	unsigned char md[SM3_LEN];
	int rc = 0;

	if (keyed)
		buf_printf(&b, "govsec-audit/2;%s;", prev);
	else
		buf_addstr(&b, prev);
	for (int i = 0; i < 7; i++) {
		if (f[i].s == NULL)
			buf_addstr(&b, "-;");
		else if (keyed) {
			buf_printf(&b, "%zu:", f[i].n);
			buf_add(&b, f[i].s, f[i].n);
			buf_addch(&b, ';');
		} else
			buf_printf(&b, "%zu:%s;", strlen(f[i].s), f[i].s);
	}
	if (!keyed)
		audit_digest(b.data, b.len, out);
	else if (!K.set || hmac_sm3(K.chain, SM3_LEN, b.data, b.len, md) < 0)
		rc = -1;
	else
		hex_encode(md, SM3_LEN, out);
	buf_cleanup(&b);
	return rc;
}

struct head {
	long long seq;
	char hash[AUDIT_HASH_HEX];
	int found;
	int keyed;
};

static int
head_row(void *arg, struct store_row *r)
{
	struct head *h = arg;
	const char *hash = store_row_text(r, 1);

	h->seq = store_row_int(r, 0);
	str_copy(h->hash, hash ? hash : "", sizeof(h->hash));
	h->found = 1;
	if (store_row_count(r) > 2)
		h->keyed = (int)store_row_int(r, 2);
	return 1;
}

int
audit_append(struct store *st, const char *actor, const char *action,
	     const char *object, const char *before, const char *after,
	     struct err *e)
{
	return audit_append_at(st, audit_now(), actor, action, object, before,
			       after, e);
}

int
audit_commit(struct store *st, const char *actor, const char *action,
	     const char *object, const char *before, const char *after,
	     struct err *e)
{
	if (audit_append(st, actor, action, object, before, after, e) < 0 ||
	    store_commit(st, e) < 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

int
audit_append_at(struct store *st, time_t when, const char *actor,
		const char *action, const char *object, const char *before,
		const char *after, struct err *e)
{
	struct head h = {0, ZERO_HASH, 0, 0};
	char at[32], seqs[32], hash[AUDIT_HASH_HEX];
	struct store_val v[10];
	struct fld f[7];

	if (store_begin(st, e) < 0)
		return -1;
	/* one appender at a time over every connection and govsecd on the
	 * store: two reading the same head would fork the chain */
	if (store_lock(st, "govsec.audit", e) < 0)
		goto fail;
	if (store_query(st,
			"SELECT seq, hash, keyed FROM audit ORDER BY seq DESC "
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
	if (h.keyed && !K.set) {
		err_set(e, "the audit chain is keyed but this process has not "
			   "loaded the store's key file");
		goto fail;
	}
	time_fmt(when, at, sizeof(at));
	str_fmt(seqs, sizeof(seqs), "%lld", h.seq + 1);
	f[0] = fld_of(seqs);
	f[1] = fld_of(at);
	f[2] = fld_of(actor);
	f[3] = fld_of(action);
	f[4] = fld_of(object);
	f[5] = fld_of(before);
	f[6] = fld_of(after);
	if (record_link(K.set, h.hash, f, hash) < 0) {
		err_set(e, "cannot compute the audit link");
		goto fail;
	}
	v[0] = SV_INT(h.seq + 1);
	v[1] = SV_TEXT(at);
	v[2] = SV_TEXT(actor);
	v[3] = SV_TEXT(action);
	v[4] = SV_TEXT(object);
	v[5] = SV_TEXT(before);
	v[6] = SV_TEXT(after);
	v[7] = SV_TEXT(h.hash);
	v[8] = SV_TEXT(hash);
	v[9] = SV_INT(K.set);
	if (store_exec(st,
		       "INSERT INTO audit(seq, at, actor, action, object, "
		       "before, after, prev, hash, keyed) VALUES "
		       "(?,?,?,?,?,?,?,?,?,?)",
		       v, 10, e) < 0)
		goto fail;
	return store_commit(st, e);
fail:
	store_rollback(st);
	return -1;
}

int
audit_checkpoint(struct store *st, int force, struct err *e)
{
	struct head h = {0, "", 0, 0};
	char at[32];
	time_t now;
	int rc = 0;

	if (!K.set || (K.heads_path[0] == '\0' && !K.syslog))
		return 0;
	pthread_mutex_lock(&K.lock);
	if (!K.last_known && K.heads_path[0] != '\0' &&
	    heads_last(K.heads_path, K.heads, &K.last_seq, &K.last_at) < 0) {
		/* an unreadable last line: write a fresh head now */
		K.last_seq = 0;
		K.last_at = 0;
	}
	K.last_known = 1;
	if (store_query(st,
			"SELECT seq, hash FROM audit ORDER BY seq DESC "
			"LIMIT 1",
			NULL, 0, head_row, &h, e) < 0) {
		rc = -1;
		goto out;
	}
	now = audit_now();
	if (!h.found || h.seq <= K.last_seq)
		goto out;
	if (!force && K.last_seq != 0 &&
	    h.seq - K.last_seq < AUDIT_HEAD_RECORDS &&
	    now - K.last_at < K.seconds)
		goto out;
	time_fmt(now, at, sizeof(at));
	if (K.heads_path[0] != '\0' &&
	    heads_append(K.heads_path, K.heads, h.seq, h.hash, at, e) < 0) {
		rc = -1;
		goto out;
	}
	if (K.syslog)
		heads_syslog(h.seq, h.hash, at);
	K.last_seq = h.seq;
	K.last_at = now;
out:
	pthread_mutex_unlock(&K.lock);
	return rc;
}

int
audit_anchor_parse(const char *s, long long *seq, char hash[AUDIT_HASH_HEX])
{
	const char *colon = s != NULL ? strchr(s, ':') : NULL;
	char seqbuf[32];

	if (colon == NULL || (size_t)(colon - s) >= sizeof(seqbuf) ||
	    strlen(colon + 1) != 64 ||
	    strspn(colon + 1, "0123456789abcdef") != 64)
		return -1;
	memcpy(seqbuf, s, (size_t)(colon - s));
	seqbuf[colon - s] = '\0';
	if (str_to_ll(seqbuf, 1, 1LL << 62, seq) < 0)
		return -1;
	memcpy(hash, colon + 1, AUDIT_HASH_HEX);
	return 0;
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
	int seen_keyed;
	long long nokey; /* a keyed record met without the key */
	const struct heads *h;
	size_t hi; /* next head to compare */
};

static const char *
col(struct store_row *r, int i)
{
	return store_row_text(r, i);
}

static const char *const col_names[] = {"seq",	  "at",	    "actor",
					"action", "object", "before",
					"after",  "prev",   "hash"};

static int bad(struct walk *w, long long seq, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

static int
bad(struct walk *w, long long seq, const char *fmt, ...)
{
	va_list ap;

	w->v->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(w->v->reason, sizeof(w->v->reason), fmt, ap);
	va_end(ap);
	return 1;
}

/* Compares the record with the heads written for it. */
static int
check_heads(struct walk *w, long long seq, const char *hash)
{
	const struct heads *h = w->h;

	if (h == NULL)
		return 0;
	while (w->hi < h->n && h->v[w->hi].seq < seq)
		w->hi++;
	for (; w->hi < h->n && h->v[w->hi].seq == seq; w->hi++)
		if (strcmp(h->v[w->hi].hash, hash) != 0)
			return bad(w, seq,
				   "record %lld differs from the head written "
				   "for it at %s (the chain was rewritten)",
				   seq, h->v[w->hi].at);
	return 0;
}

static int
walk_row(void *arg, struct store_row *r)
{
	struct walk *w = arg;
	struct audit_verdict *v = w->v;
	long long seq = store_row_int(r, 0);
	const char *prev = col(r, 7), *hash = col(r, 8);
	int keyed = (int)store_row_int(r, 9);
	char want[AUDIT_HASH_HEX], seqs[32];
	struct fld f[7];

	if (seq != w->expect) {
		if (seq > w->expect)
			return bad(w, seq,
				   "record %lld follows record %lld: record "
				   "%lld is missing (removed)",
				   seq, w->expect - 1, w->expect);
		return bad(w, seq, "record %lld is out of order", seq);
	}
	if (prev == NULL || hash == NULL || col(r, 1) == NULL ||
	    col(r, 2) == NULL || col(r, 3) == NULL || col(r, 4) == NULL)
		return bad(w, seq,
			   "record %lld has empty required fields "
			   "(edited)",
			   seq);
	/* prev and hash are compared whole below */
	for (int i = 1; i < 7; i++)
		if (col(r, i) != NULL &&
		    store_row_bytes(r, i) != strlen(col(r, i)))
			return bad(w, seq,
				   "record %lld has a NUL byte in its %s "
				   "(edited)",
				   seq, col_names[i]);
	if (keyed != 0 && keyed != 1)
		return bad(w, seq, "record %lld has a bad link kind (edited)",
			   seq);
	if (!keyed && w->seen_keyed)
		return bad(w, seq,
			   "record %lld has a plain SM3 link after keyed "
			   "records (rewritten without the key)",
			   seq);
	if (strcmp(prev, w->prev) != 0)
		return bad(w, seq,
			   "record %lld does not link to the record before "
			   "it (removed, reordered or edited)",
			   seq);
	str_fmt(seqs, sizeof(seqs), "%lld", seq);
	f[0] = fld_of(seqs);
	for (int i = 1; i < 7; i++) {
		f[i].s = col(r, i);
		f[i].n = f[i].s != NULL ? store_row_bytes(r, i) : 0;
	}
	if (record_link(keyed, prev, f, want) < 0) {
		w->nokey = seq;
		return 1;
	}
	if (strlen(hash) != 64 || !ct_equal(want, hash, AUDIT_HASH_HEX))
		return bad(w, seq,
			   keyed ? "record %lld does not match its keyed link "
				   "(edited, or another key file)"
				 : "record %lld does not match its hash "
				   "(edited)",
			   seq);
	if (w->anchor_seq == seq) {
		if (strcmp(w->anchor_hash, hash) != 0)
			return bad(w, seq,
				   "record %lld differs from the anchor given",
				   seq);
		w->anchor_seen = 1;
	}
	if (check_heads(w, seq, hash))
		return 1;
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

		if (time_parse(col(r, 1), &at) == 0 && at > w->now + 300)
			return bad(w, seq,
				   "record %lld is dated %s, in the future "
				   "(edited, or written with a wrong clock)",
				   seq, col(r, 1));
	}
	str_copy(w->prev, hash, sizeof(w->prev));
	v->checked++;
	if (keyed) {
		v->keyed++;
		w->seen_keyed = 1;
	} else
		v->plain++;
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
	struct heads h;
	char *ahash, *aseq;
	long long start = 0;
	int rc = -1;

	memset(v, 0, sizeof(*v));
	memset(&w, 0, sizeof(w));
	memset(&h, 0, sizeof(h));
	/* Heads first: one written while we walk names committed records
	 * the walk may not see, never the other way round. */
	if (K.set && K.heads_path[0] != '\0') {
		if (heads_load(&h, K.heads_path, K.heads, e) < 0)
			return -1;
		str_copy(v->heads_file, K.heads_path, sizeof(v->heads_file));
		v->heads = (long long)h.n;
		if (h.n > 0) {
			v->heads_seq = h.v[h.n - 1].seq;
			str_copy(v->heads_at, h.v[h.n - 1].at,
				 sizeof(v->heads_at));
		}
		w.h = &h;
	}
	ahash = store_setting_get(st, "audit.anchor_hash");
	aseq = store_setting_get(st, "audit.anchor_seq");
	w.v = v;
	str_copy(w.prev, ahash ? ahash : ZERO_HASH, sizeof(w.prev));
	if (aseq != NULL && str_to_ll(aseq, 0, 1LL << 62, &start) < 0)
		start = -1;
	free(ahash);
	free(aseq);
	if (h.bad_line > 0) {
		v->bad_seq = -1;
		str_fmt(v->reason, sizeof(v->reason),
			"line %lld of the heads file '%s' was not written "
			"with this store's key (edited or forged)",
			h.bad_line, K.heads_path);
		rc = 1;
		goto out;
	}
	if (start < 0) {
		v->bad_seq = 1;
		str_copy(v->reason, "the audit anchor setting is corrupt",
			 sizeof(v->reason));
		rc = 1;
		goto out;
	}
	w.expect = start + 1;
	w.start = start;
	str_copy(w.start_hash, w.prev, sizeof(w.start_hash));
	w.now = time(NULL); /* the real "now", whatever wrote the records */
	w.anchor_seq = anchor_seq;
	w.anchor_hash = anchor_hash;
	str_copy(v->head, w.prev, sizeof(v->head));
	v->head_seq = start;
	if (store_query(st,
			"SELECT seq, at, actor, action, object, before, after, "
			"prev, hash, keyed FROM audit ORDER BY seq",
			NULL, 0, walk_row, &w, e) < 0)
		goto out;
	if (w.nokey > 0) {
		err_set(e,
			"record %lld is keyed (HMAC-SM3) but the store's key "
			"file is not loaded",
			w.nokey);
		goto out;
	}
	rc = 1;
	if (v->bad_seq != 0)
		goto out;
	if (start > 0 && !w.prune_seen) {
		v->bad_seq = start + 1;
		str_fmt(v->reason, sizeof(v->reason),
			"records 1 to %lld are gone but no prune record in the "
			"chain accounts for them (removed)",
			start);
		goto out;
	}
	/* An anchor older than the retained records was pruned away, which
	 * the prune record in the chain says; only a newer one must be seen. */
	if (anchor_seq > start && !w.anchor_seen) {
		v->bad_seq = anchor_seq;
		str_fmt(v->reason, sizeof(v->reason),
			"record %lld given as anchor is missing (the log was "
			"cut short)",
			anchor_seq);
		goto out;
	}
	if (h.n > 0 && h.v[h.n - 1].seq > v->head_seq) {
		v->bad_seq = v->head_seq + 1;
		str_fmt(v->reason, sizeof(v->reason),
			"the chain ends at record %lld but a head at record "
			"%lld was written at %s (records were cut off the "
			"end)",
			v->head_seq, h.v[h.n - 1].seq, h.v[h.n - 1].at);
		goto out;
	}
	rc = 0;
out:
	heads_cleanup(&h);
	return rc;
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
	json_object_set_new(o, "keyed", json_boolean(store_row_int(r, 9)));
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
			   "after, prev, hash, keyed FROM audit WHERE at >= ? "
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
	struct head last = {0, "", 0, 0};
	struct store_val v[1];
	long long n;

	time_fmt(audit_now() - (time_t)audit_retention(st) * 86400, cutoff,
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
				 "before, after, prev, hash, keyed FROM audit "
				 "WHERE seq < ? ORDER BY seq DESC"
			       : "SELECT seq, at, actor, action, object, "
				 "before, after, prev, hash, keyed FROM audit "
				 "WHERE seq < ? ORDER BY seq DESC LIMIT ?",
			   v, keep != NULL ? 1 : 2, page_row, &p, e);
}
