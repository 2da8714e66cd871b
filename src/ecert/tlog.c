/*
 * tlog.c: the transparency log of the e-certificate authority: every
 * issuance and revocation (and, as they come, name decisions and logos)
 * is a leaf of an RFC 6962 Merkle tree, so anyone holding a signed tree
 * head can check that an entry is in the log (inclusion proof) and that
 * a later head extends an earlier one (consistency proof) without trusting
 * the log's operator. The hash is SM3 (GMCRYPTO-1); a SHA-256 mode exists
 * so that RFC 6962's published vectors test the same code.
 *
 * The store keeps each leaf and the hash of every complete subtree of 2^k
 * leaves aligned on a multiple of 2^k (tlog_nodes): a root or a proof over
 * n leaves then reads O(log n) rows, whatever n. Appends go through a
 * writer that keeps the tree's right frontier in memory and writes rows
 * in batches. Trusts the store; reads no outside input.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "audit/audit.h"
#include "ecert/ecert.h"

/*
 * The digest, fetched once per process (OpenSSL 3's EVP_sm3() would fetch
 * it again at every init), and one context per thread, freed when the
 * thread ends: a log append is two hashes, and a fetch or an allocation
 * costs more than either.
 */
static EVP_MD *md_fetched[2];
static pthread_key_t md_ctx_key;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void
md_ctx_free(void *c)
{
	EVP_MD_CTX_free(c);
}

static void
md_fetch(void)
{
	if (pthread_key_create(&md_ctx_key, md_ctx_free) != 0)
		fatal("tlog: cannot make a thread key");
	md_fetched[0] = EVP_MD_fetch(NULL, "SM3", NULL);
	md_fetched[1] = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (md_fetched[0] == NULL || md_fetched[1] == NULL)
		fatal("tlog: OpenSSL has no SM3 or SHA-256");
}

static const EVP_MD *
md(enum tlog_alg alg)
{
	pthread_once(&md_once, md_fetch);
	return md_fetched[alg == TLOG_SHA256];
}

static void
hash2(enum tlog_alg alg, unsigned char prefix, const void *a, size_t an,
      const void *b, size_t bn, unsigned char out[TLOG_HASH])
{
	const EVP_MD *m = md(alg);
	EVP_MD_CTX *c = pthread_getspecific(md_ctx_key);
	unsigned int len = 0;

	if (c == NULL) {
		if ((c = EVP_MD_CTX_new()) == NULL ||
		    pthread_setspecific(md_ctx_key, c) != 0)
			fatal("tlog: out of memory");
	}
	if (EVP_DigestInit_ex(c, m, NULL) != 1 ||
	    EVP_DigestUpdate(c, &prefix, 1) != 1 ||
	    (an > 0 && EVP_DigestUpdate(c, a, an) != 1) ||
	    (bn > 0 && EVP_DigestUpdate(c, b, bn) != 1) ||
	    EVP_DigestFinal_ex(c, out, &len) != 1 || len != TLOG_HASH)
		fatal("tlog: the digest failed");
}

void
tlog_leaf_hash(enum tlog_alg alg, const void *data, size_t n,
	       unsigned char out[TLOG_HASH])
{
	hash2(alg, 0x00, data, n, NULL, 0, out);
}

void
tlog_node_hash(enum tlog_alg alg, const unsigned char l[TLOG_HASH],
	       const unsigned char r[TLOG_HASH], unsigned char out[TLOG_HASH])
{
	hash2(alg, 0x01, l, TLOG_HASH, r, TLOG_HASH, out);
}

/* The largest power of two smaller than n (n >= 2). */
static uint64_t
split(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

/* MTH(D[lo:hi]), hi > lo; a complete aligned subtree is one read. */
static int
mth(const struct tlog_src *s, uint64_t lo, uint64_t hi,
    unsigned char out[TLOG_HASH])
{
	uint64_t n = hi - lo, k;
	unsigned char l[TLOG_HASH], r[TLOG_HASH];
	int level = 0;

	if ((n & (n - 1)) == 0 && lo % n == 0) {
		while ((1ull << level) < n)
			level++;
		return s->node(s->arg, level, lo >> level, out);
	}
	k = split(n);
	if (mth(s, lo, lo + k, l) < 0 || mth(s, lo + k, hi, r) < 0)
		return -1;
	tlog_node_hash(s->alg, l, r, out);
	return 0;
}

int
tlog_root(const struct tlog_src *s, uint64_t n, unsigned char out[TLOG_HASH])
{
	if (n == 0) {
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		unsigned int len = 0;

		EVP_DigestInit_ex(c, md(s->alg), NULL);
		EVP_DigestFinal_ex(c, out, &len);
		EVP_MD_CTX_free(c);
		return 0;
	}
	return mth(s, 0, n, out);
}

static int
push(unsigned char (*path)[TLOG_HASH], size_t *len,
     const unsigned char h[TLOG_HASH])
{
	if (*len >= TLOG_PATH_MAX)
		return -1;
	memcpy(path[(*len)++], h, TLOG_HASH);
	return 0;
}

/* PATH(m, D[lo:hi]) of RFC 6962 2.1.1, appended to path. */
static int
incl(const struct tlog_src *s, uint64_t m, uint64_t lo, uint64_t hi,
     unsigned char (*path)[TLOG_HASH], size_t *len)
{
	unsigned char h[TLOG_HASH];
	uint64_t k;

	if (hi - lo <= 1)
		return 0;
	k = split(hi - lo);
	if (m < lo + k) {
		if (incl(s, m, lo, lo + k, path, len) < 0 ||
		    mth(s, lo + k, hi, h) < 0)
			return -1;
	} else if (incl(s, m, lo + k, hi, path, len) < 0 ||
		   mth(s, lo, lo + k, h) < 0) {
		return -1;
	}
	return push(path, len, h);
}

int
tlog_inclusion(const struct tlog_src *s, uint64_t m, uint64_t n,
	       unsigned char (*path)[TLOG_HASH], size_t *len)
{
	*len = 0;
	if (m >= n)
		return -1;
	return incl(s, m, 0, n, path, len);
}

/* SUBPROOF(m, D[lo:hi], b) of RFC 6962 2.1.2, appended to path. */
static int
subproof(const struct tlog_src *s, uint64_t m, uint64_t lo, uint64_t hi, int b,
	 unsigned char (*path)[TLOG_HASH], size_t *len)
{
	unsigned char h[TLOG_HASH];
	uint64_t n = hi - lo, k;

	if (m == n) {
		if (b)
			return 0;
		return mth(s, lo, hi, h) < 0 ? -1 : push(path, len, h);
	}
	k = split(n);
	if (m <= k) {
		if (subproof(s, m, lo, lo + k, b, path, len) < 0 ||
		    mth(s, lo + k, hi, h) < 0)
			return -1;
	} else if (subproof(s, m - k, lo + k, hi, 0, path, len) < 0 ||
		   mth(s, lo, lo + k, h) < 0) {
		return -1;
	}
	return push(path, len, h);
}

int
tlog_consistency(const struct tlog_src *s, uint64_t m, uint64_t n,
		 unsigned char (*path)[TLOG_HASH], size_t *len)
{
	*len = 0;
	if (m == 0 || m > n)
		return -1;
	return subproof(s, m, 0, n, 1, path, len);
}

int
tlog_verify_inclusion(enum tlog_alg alg, uint64_t m, uint64_t n,
		      const unsigned char leaf[TLOG_HASH],
		      const unsigned char (*path)[TLOG_HASH], size_t len,
		      const unsigned char root[TLOG_HASH])
{
	/* RFC 9162 2.1.3.2 */
	uint64_t fn = m, sn = n - 1;
	unsigned char r[TLOG_HASH];

	if (m >= n)
		return 0;
	memcpy(r, leaf, TLOG_HASH);
	for (size_t i = 0; i < len; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			tlog_node_hash(alg, path[i], r, r);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			tlog_node_hash(alg, r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(r, root, TLOG_HASH) == 0;
}

int
tlog_verify_consistency(enum tlog_alg alg, uint64_t m, uint64_t n,
			const unsigned char first[TLOG_HASH],
			const unsigned char second[TLOG_HASH],
			const unsigned char (*path)[TLOG_HASH], size_t len)
{
	/* RFC 9162 2.1.4.2 */
	unsigned char fr[TLOG_HASH], sr[TLOG_HASH];
	uint64_t fn = m - 1, sn = n - 1;
	size_t i = 0;

	if (m == 0 || m > n)
		return 0;
	if (m == n)
		return len == 0 && memcmp(first, second, TLOG_HASH) == 0;
	/* m a power of two: the first root is the proof's implied start */
	if ((m & (m - 1)) == 0) {
		memcpy(fr, first, TLOG_HASH);
		memcpy(sr, first, TLOG_HASH);
	} else {
		if (len == 0)
			return 0;
		memcpy(fr, path[0], TLOG_HASH);
		memcpy(sr, path[0], TLOG_HASH);
		i = 1;
	}
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < len; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			tlog_node_hash(alg, path[i], fr, fr);
			tlog_node_hash(alg, path[i], sr, sr);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			tlog_node_hash(alg, sr, path[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(fr, first, TLOG_HASH) == 0 &&
	       memcmp(sr, second, TLOG_HASH) == 0;
}

/* ---- the store's log ---------------------------------------------------- */

struct node_q {
	unsigned char *out;
	int found;
};

static int
node_row(void *arg, struct store_row *r)
{
	struct node_q *q = arg;
	const char *h = store_row_text(r, 0);

	if (h != NULL && strlen(h) == 2 * TLOG_HASH &&
	    hex_decode(h, q->out, TLOG_HASH) == 0)
		q->found = 1;
	return 1;
}

static int
store_node(void *arg, int level, uint64_t idx, unsigned char out[TLOG_HASH])
{
	struct store_val v[2] = {SV_INT(level), SV_INT((long long)idx)};
	struct node_q q = {out, 0};

	if (store_query(arg,
			"SELECT hash FROM tlog_nodes WHERE level = ? AND "
			"idx = ?",
			v, 2, node_row, &q, NULL) < 0 ||
	    !q.found)
		return -1;
	return 0;
}

void
tlog_store_src(struct store *st, struct tlog_src *s)
{
	s->node = store_node;
	s->arg = st;
	s->alg = TLOG_SM3;
}

long long
tlog_size(struct store *st)
{
	/* the primary key's maximum: O(log n), where COUNT(*) reads all */
	return store_query_int(st,
			       "SELECT COALESCE(MAX(idx) + 1, 0) FROM "
			       "tlog_entries",
			       NULL, 0, 0);
}

/*
 * The writer. The tree's right frontier (for each level, the hash of the
 * complete subtree the next leaf's path joins) is read from the store when
 * first needed and then kept, so an append reads nothing; rows wait in
 * memory and go out in multi-row INSERTs of TLOG_BATCH rows (portable SQL;
 * the statements stay the same, so the store's cache keeps them prepared).
 */
#define TLOG_BATCH 32

struct tlog_row {
	long long idx;
	int level;
	char at[32], hash[2 * TLOG_HASH + 1];
	char *kind, *entry; /* entries only */
};

struct tlog_writer {
	struct store *st;
	long long n; /* the size, pending rows included */
	unsigned char frontier[64][TLOG_HASH];
	unsigned char have[64];
	struct tlog_row ent[TLOG_BATCH], nod[TLOG_BATCH];
	int nent, nnod;
	time_t at_t;
	char at[32];
};

struct tlog_writer *
tlog_writer_new(struct store *st, struct err *e)
{
	struct tlog_writer *w;
	long long n = tlog_size(st);

	if (n < 0) {
		err_set(e, "cannot read the transparency log's size");
		return NULL;
	}
	w = xcalloc(1, sizeof(*w));
	w->st = st;
	w->n = n;
	w->at_t = -1;
	return w;
}

static void
rows_clear(struct tlog_row *r, int n)
{
	for (int i = 0; i < n; i++) {
		free(r[i].kind);
		free(r[i].entry);
		r[i].kind = r[i].entry = NULL;
	}
}

void
tlog_writer_free(struct tlog_writer *w)
{
	if (w == NULL)
		return;
	rows_clear(w->ent, w->nent);
	free(w);
}

/* "INSERT ... VALUES (?, ...), ..." for rows of cols columns. */
static void
insert_sql(struct buf *b, const char *head, int rows, int cols)
{
	buf_addstr(b, head);
	for (int i = 0; i < rows; i++) {
		buf_addstr(b, i ? ", (" : " VALUES (");
		for (int j = 0; j < cols; j++)
			buf_addstr(b, j ? ", ?" : "?");
		buf_addch(b, ')');
	}
}

/* Writes rows [0, n) of one kind: full batches as one statement, the rest
 * one row at a time (two statements in all, each prepared once). */
static int
flush_rows(struct store *st, struct tlog_row *r, int n, int entries,
	   struct err *e)
{
	static const char *const head[2] = {
	    "INSERT INTO tlog_nodes (level, idx, hash)",
	    "INSERT INTO tlog_entries (idx, at, kind, entry)"};
	int cols = entries ? 4 : 3, step = n == TLOG_BATCH ? TLOG_BATCH : 1;
	struct store_val v[TLOG_BATCH * 4];
	struct buf sql;
	int rc = 0;

	buf_init(&sql, 8192);
	insert_sql(&sql, head[entries], step, cols);
	for (int i = 0; i < n && rc == 0; i += step) {
		int k = 0;

		for (int j = i; j < i + step; j++) {
			v[k++] = SV_INT(entries ? r[j].idx : r[j].level);
			if (entries) {
				v[k++] = SV_TEXT(r[j].at);
				v[k++] = SV_TEXT(r[j].kind);
				v[k++] = SV_TEXT(r[j].entry);
			} else {
				v[k++] = SV_INT(r[j].idx);
				v[k++] = SV_TEXT(r[j].hash);
			}
		}
		rc = store_exec(st, sql.data, v, k, e);
	}
	buf_cleanup(&sql);
	return rc;
}

int
tlog_writer_flush(struct tlog_writer *w, struct err *e)
{
	int rc = 0;

	/* entries first: a node never refers to an entry not yet written */
	if (w->nent > 0)
		rc = flush_rows(w->st, w->ent, w->nent, 1, e);
	if (rc == 0 && w->nnod > 0)
		rc = flush_rows(w->st, w->nod, w->nnod, 0, e);
	rows_clear(w->ent, w->nent);
	w->nent = w->nnod = 0;
	return rc;
}

static int
add_node(struct tlog_writer *w, int level, uint64_t idx,
	 const unsigned char h[TLOG_HASH], struct err *e)
{
	struct tlog_row *r;

	if (w->nnod == TLOG_BATCH && tlog_writer_flush(w, e) < 0)
		return -1;
	r = &w->nod[w->nnod++];
	r->level = level;
	r->idx = (long long)idx;
	hex_encode(h, TLOG_HASH, r->hash);
	return 0;
}

long long
tlog_writer_append(struct tlog_writer *w, const char *kind, const char *entry,
		   struct err *e)
{
	long long n = w->n;
	unsigned char h[TLOG_HASH];
	struct tlog_row *r;
	time_t now = time_now();
	uint64_t j;
	int level;

	if (w->nent == TLOG_BATCH && tlog_writer_flush(w, e) < 0)
		return -1;
	if (now != w->at_t) {
		time_fmt(now, w->at, sizeof(w->at));
		w->at_t = now;
	}
	r = &w->ent[w->nent++];
	r->idx = n;
	memcpy(r->at, w->at, sizeof(r->at));
	r->kind = xstrdup(kind);
	r->entry = xstrdup(entry);
	tlog_leaf_hash(TLOG_SM3, entry, strlen(entry), h);
	if (add_node(w, 0, (uint64_t)n, h, e) < 0)
		return -1;
	/* each subtree this leaf completes, its left half on the frontier */
	for (j = (uint64_t)n, level = 0; j & 1; j >>= 1, level++) {
		if (!w->have[level] &&
		    store_node(w->st, level, j - 1, w->frontier[level]) < 0) {
			err_set(e,
				"the transparency log is missing node "
				"(%d, %llu)",
				level, (unsigned long long)(j - 1));
			return -1;
		}
		w->have[level] = 0;
		tlog_node_hash(TLOG_SM3, w->frontier[level], h, h);
		if (add_node(w, level + 1, j >> 1, h, e) < 0)
			return -1;
	}
	memcpy(w->frontier[level], h, TLOG_HASH);
	w->have[level] = 1;
	w->n = n + 1;
	return n;
}

long long
tlog_append(struct store *st, const char *kind, const char *entry,
	    struct err *e)
{
	struct tlog_writer *w = tlog_writer_new(st, e);
	long long n;

	if (w == NULL)
		return -1;
	n = tlog_writer_append(w, kind, entry, e);
	if (n >= 0 && tlog_writer_flush(w, e) < 0)
		n = -1;
	tlog_writer_free(w);
	return n;
}

char *
tlog_head(struct store *st, const struct ecert_ca *ca, struct err *e)
{
	struct tlog_src s;
	unsigned char root[TLOG_HASH], *sig = NULL;
	char hex[2 * TLOG_HASH + 1], at[32], *body = NULL, *b64 = NULL,
					     *txt = NULL;
	long long n = tlog_size(st);
	size_t siglen = 0;
	json_t *o;

	tlog_store_src(st, &s);
	if (tlog_root(&s, (uint64_t)n, root) < 0) {
		err_set(e, "the transparency log is missing nodes");
		return NULL;
	}
	hex_encode(root, TLOG_HASH, hex);
	time_fmt(time_now(), at, sizeof(at));
	o = json_pack("{s:s, s:I, s:s, s:s}", "hash", "sm3", "size",
		      (json_int_t)n, "root", hex, "at", at);
	body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (body == NULL) {
		err_set(e, "cannot encode the tree head");
		return NULL;
	}
	if (ca != NULL && ca->receipt_key != NULL) {
		if (sm2_sign(ca->receipt_key, body, strlen(body), &sig,
			     &siglen) < 0) {
			free(body);
			err_set(e, "cannot sign the tree head");
			return NULL;
		}
		b64 = xmalloc(siglen / 3 * 4 + 5);
		b64url_encode(sig, siglen, b64, siglen / 3 * 4 + 5);
	}
	o = json_pack("{s:s, s:s?}", "head", body, "signature", b64);
	txt = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	free(body);
	free(b64);
	free(sig);
	return txt;
}

/* Hex of each hash of a path, as a JSON array. */
static json_t *
path_json(unsigned char (*path)[TLOG_HASH], size_t len)
{
	json_t *a = json_array();
	char hex[2 * TLOG_HASH + 1];

	for (size_t i = 0; i < len; i++) {
		hex_encode(path[i], TLOG_HASH, hex);
		json_array_append_new(a, json_string(hex));
	}
	return a;
}

json_t *
tlog_proof_json(struct store *st, long long m, long long n, struct err *e)
{
	struct tlog_src s;
	unsigned char path[TLOG_PATH_MAX][TLOG_HASH], leaf[TLOG_HASH];
	char hex[2 * TLOG_HASH + 1];
	long long size = tlog_size(st);
	size_t len;

	tlog_store_src(st, &s);
	if (n < 1 || n > size || m < 0 || m >= n) {
		err_set(e,
			"index %lld and size %lld: the log holds %lld "
			"entries (0 <= index < size <= %lld)",
			m, n, size, size);
		return NULL;
	}
	if (tlog_inclusion(&s, (uint64_t)m, (uint64_t)n, path, &len) < 0 ||
	    s.node(s.arg, 0, (uint64_t)m, leaf) < 0) {
		err_set(e, "the transparency log is missing nodes");
		return NULL;
	}
	hex_encode(leaf, TLOG_HASH, hex);
	return json_pack("{s:I, s:I, s:s, s:o}", "index", (json_int_t)m, "size",
			 (json_int_t)n, "leaf_hash", hex, "path",
			 path_json(path, len));
}

json_t *
tlog_consistency_json(struct store *st, long long m, long long n, struct err *e)
{
	struct tlog_src s;
	unsigned char path[TLOG_PATH_MAX][TLOG_HASH];
	long long size = tlog_size(st);
	size_t len;

	tlog_store_src(st, &s);
	if (m < 1 || m > n || n > size) {
		err_set(e,
			"sizes %lld and %lld: the log holds %lld entries "
			"(1 <= first <= second <= %lld)",
			m, n, size, size);
		return NULL;
	}
	if (tlog_consistency(&s, (uint64_t)m, (uint64_t)n, path, &len) < 0) {
		err_set(e, "the transparency log is missing nodes");
		return NULL;
	}
	return json_pack("{s:I, s:I, s:o}", "first", (json_int_t)m, "second",
			 (json_int_t)n, "path", path_json(path, len));
}

static int
entry_row(void *arg, struct store_row *r)
{
	json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:s}", "index",
					     (json_int_t)store_row_int(r, 0),
					     "at", store_row_text(r, 1), "kind",
					     store_row_text(r, 2), "entry",
					     store_row_text(r, 3)));
	return 0;
}

json_t *
tlog_entries_json(struct store *st, long long start, long long count,
		  struct err *e)
{
	struct store_val v[2] = {SV_INT(start), SV_INT(start + count)};
	json_t *a = json_array();

	if (start < 0 || count < 1 || count > TLOG_ENTRIES_MAX) {
		json_decref(a);
		err_set(e, "start >= 0 and 1 <= count <= %d", TLOG_ENTRIES_MAX);
		return NULL;
	}
	if (store_query(st,
			"SELECT idx, at, kind, entry FROM tlog_entries WHERE "
			"idx >= ? AND idx < ? ORDER BY idx",
			v, 2, entry_row, a, e) < 0) {
		json_decref(a);
		return NULL;
	}
	return json_pack("{s:o}", "entries", a);
}

struct audit_ctx {
	struct store *st;
	long long n, bad;
	struct err *e;
};

/* Recomputes leaf n from its entry and each subtree it completes. */
static int
audit_row(void *arg, struct store_row *r)
{
	struct audit_ctx *a = arg;
	const char *entry = store_row_text(r, 1);
	unsigned char h[TLOG_HASH], stored[TLOG_HASH], l[TLOG_HASH];
	uint64_t j;
	int level;

	if (store_row_int(r, 0) != a->n) {
		err_set(a->e, "entry %lld is missing", a->n);
		a->bad = 1;
		return 1;
	}
	tlog_leaf_hash(TLOG_SM3, entry, strlen(entry), h);
	for (j = (uint64_t)a->n, level = 0;; j >>= 1, level++) {
		if (store_node(a->st, level, j, stored) < 0 ||
		    memcmp(stored, h, TLOG_HASH) != 0) {
			err_set(a->e,
				"entry %lld: the log's hash of its subtree "
				"(level %d) does not match the entries",
				a->n, level);
			a->bad = 1;
			return 1;
		}
		if (!(j & 1))
			break;
		if (store_node(a->st, level, j - 1, l) < 0) {
			a->bad = 1;
			return 1;
		}
		tlog_node_hash(TLOG_SM3, l, h, h);
	}
	a->n++;
	return 0;
}

int
tlog_audit(struct store *st, struct err *e)
{
	struct audit_ctx a = {st, 0, 0, e};

	if (store_query(st, "SELECT idx, entry FROM tlog_entries ORDER BY idx",
			NULL, 0, audit_row, &a, e) < 0)
		return -1;
	if (a.bad)
		return 1;
	if (store_query_int(st,
			    "SELECT COUNT(*) FROM tlog_nodes WHERE "
			    "level = 0",
			    NULL, 0, -1) != a.n) {
		err_set(e, "the log has leaves without entries");
		return 1;
	}
	return 0;
}
