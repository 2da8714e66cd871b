/*
 * monitor.c: checking a transparency log one does not control, over its
 * public routes (/v1/ca, /v1/tlog/head, /v1/tlog/entries,
 * /v1/tlog/consistency). The monitor pins the log's root certificate,
 * keeps the compact range of the log it has seen (the hashes of the
 * complete subtrees along its right edge) in a state file, and on each
 * run: checks the head's signature by the receipt certificate the root
 * issued, that the log did not shrink, the consistency proof from the
 * size it saw to the new one, and that the new entries, appended to its
 * compact range, give exactly the head's root. Anything else is reported.
 * `govsec tlog monitor` keeps its state in a file; govsecd ([ecert]
 * monitor) in the store, with what it saw, and reports failures to the
 * audit chain and the log. Everything the log answers is untrusted (the
 * readers below, fuzzed by tests/fuzz/fuzz_tlog_monitor.c); a body is
 * FETCH_MAX bytes at most.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "audit/audit.h"
#include "ecert/ecert.h"

#define FETCH_MAX    (4 << 20)
#define RUN_ENTRIES  200000 /* entries checked in one run at most */
#define FRONTIER_MAX 64

struct frontier {
	int n;
	int level[FRONTIER_MAX];
	unsigned char h[FRONTIER_MAX][TLOG_HASH];
};

static void
frontier_add(struct frontier *f, const unsigned char leaf[TLOG_HASH])
{
	int lv = 0;
	unsigned char h[TLOG_HASH];

	memcpy(h, leaf, TLOG_HASH);
	while (f->n > 0 && f->level[f->n - 1] == lv) {
		tlog_node_hash(TLOG_SM3, f->h[f->n - 1], h, h);
		f->n--;
		lv++;
	}
	f->level[f->n] = lv;
	memcpy(f->h[f->n++], h, TLOG_HASH);
}

static void
frontier_root(const struct frontier *f, unsigned char out[TLOG_HASH])
{
	memcpy(out, f->h[f->n - 1], TLOG_HASH);
	for (int i = f->n - 2; i >= 0; i--)
		tlog_node_hash(TLOG_SM3, f->h[i], out, out);
}

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	return buf_add(b, p, size * n) < 0 ? 0 : size * n;
}

/* GET base + path into b; 0, or -1 with e naming the URL. */
static int
fetch(const char *base, const char *path, struct buf *b, struct err *e)
{
	CURL *c = curl_easy_init();
	char url[2048];
	long status = 0;
	CURLcode rc;

	buf_reset(b);
	if (c == NULL || str_fmt(url, sizeof(url), "%s%s", base, path) < 0) {
		curl_easy_cleanup(c);
		err_set(e, "cannot fetch '%s%s'", base, path);
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK || status != 200) {
		err_set(e, "'%s': %s", url,
			rc != CURLE_OK ? curl_easy_strerror(rc) : "not 200 OK");
		return -1;
	}
	return 0;
}

/* The certificates of a PEM chain, in order (at most 4). */
static int
read_chain(const char *pem, X509 *out[4])
{
	const char *p = pem;
	int n = 0;

	while (n < 4 &&
	       (p = strstr(p, "-----BEGIN CERTIFICATE-----")) != NULL) {
		const char *end = strstr(p, "-----END CERTIFICATE-----");

		if (end == NULL)
			break;
		end += strlen("-----END CERTIFICATE-----");
		if ((out[n] = sm2_cert_read(p, (size_t)(end - p))) == NULL)
			break;
		n++;
		p = end;
	}
	return n;
}

static int
hex32(json_t *v, unsigned char out[TLOG_HASH])
{
	const char *s = json_string_value(v);

	return s != NULL && strlen(s) == 2 * TLOG_HASH &&
		       hex_decode(s, out, TLOG_HASH) == 0
		   ? 0
		   : -1;
}

struct mstate {
	char pin[65]; /* SM3 digest of the pinned root, "" = pin on first use */
	long long size;
	unsigned char root[TLOG_HASH];
	struct frontier f;
};

static json_t *
state_json(const struct mstate *s)
{
	char hex[2 * TLOG_HASH + 1];
	json_t *a = json_array();

	for (int i = 0; i < s->f.n; i++) {
		hex_encode(s->f.h[i], TLOG_HASH, hex);
		json_array_append_new(a, json_pack("{s:i, s:s}", "level",
						   s->f.level[i], "hash", hex));
	}
	hex_encode(s->root, TLOG_HASH, hex);
	return json_pack("{s:s, s:I, s:s, s:o}", "pin", s->pin, "size",
			 (json_int_t)s->size, "root", hex, "frontier", a);
}

/* s from its JSON (what state_json made); 0 or -1. */
static int
state_from(json_t *o, struct mstate *s)
{
	json_t *a = json_object_get(o, "frontier"), *v;
	const char *pin = json_string_value(json_object_get(o, "pin"));
	size_t i;

	memset(s, 0, sizeof(*s));
	s->size = json_integer_value(json_object_get(o, "size"));
	if (pin != NULL && (strlen(pin) >= sizeof(s->pin) ||
			    str_copy(s->pin, pin, sizeof(s->pin)) < 0))
		return -1;
	if (s->size < 0 || hex32(json_object_get(o, "root"), s->root) < 0 ||
	    !json_is_array(a) || json_array_size(a) > FRONTIER_MAX)
		return -1;
	json_array_foreach(a, i, v)
	{
		json_int_t lv = json_integer_value(json_object_get(v, "level"));

		if (hex32(json_object_get(v, "hash"), s->f.h[i]) < 0 ||
		    lv < 0 || lv >= 64)
			return -1;
		s->f.level[i] = (int)lv;
	}
	s->f.n = (int)json_array_size(a);
	return 0;
}

static int
state_load(const char *path, struct mstate *s, struct err *e)
{
	json_error_t je;
	json_t *o;
	int rc;

	memset(s, 0, sizeof(*s));
	if (access(path, F_OK) < 0)
		return 0; /* the first run */
	if ((o = json_load_file(path, 0, &je)) == NULL) {
		err_set(e, "'%s': line %d: %s", path, je.line, je.text);
		return -1;
	}
	rc = state_from(o, s);
	json_decref(o);
	if (rc < 0)
		err_set(e, "'%s': not a monitor's state", path);
	return rc;
}

static int
state_save(const char *path, const struct mstate *s, struct err *e)
{
	char tmp[4200];
	json_t *o = state_json(s);
	int rc;

	rc = str_fmt(tmp, sizeof(tmp), "%s.tmp", path) < 0 ||
		     json_dump_file(o, tmp, JSON_INDENT(2)) < 0 ||
		     rename(tmp, path) < 0
		 ? -1
		 : 0;
	json_decref(o);
	if (rc < 0)
		err_set(e, "'%s': cannot write the monitor's state", path);
	return rc;
}

/* The signed head in text: fills size and root; 0, or 1 with e. */
static int
read_head(const char *text, X509 *receipt, long long *size,
	  unsigned char root[TLOG_HASH], struct err *e)
{
	json_t *o = NULL, *h = NULL;
	const char *body, *sig;
	unsigned char raw[160];
	int n, rc = 1;

	if ((o = json_loads(text, 0, NULL)) == NULL ||
	    (body = json_string_value(json_object_get(o, "head"))) == NULL ||
	    (sig = json_string_value(json_object_get(o, "signature"))) ==
		NULL) {
		err_set(e, "the tree head is not signed JSON");
		goto done;
	}
	n = b64url_decode(sig, strlen(sig), raw, sizeof(raw));
	if (n <= 0 || !sm2_verify(X509_get0_pubkey(receipt), body, strlen(body),
				  raw, (size_t)n)) {
		err_set(e, "the tree head's signature does not verify with the "
			   "receipt certificate");
		goto done;
	}
	if ((h = json_loads(body, 0, NULL)) == NULL ||
	    hex32(json_object_get(h, "root"), root) < 0 ||
	    (*size = json_integer_value(json_object_get(h, "size"))) < 0) {
		err_set(e, "the tree head is malformed");
		goto done;
	}
	rc = 0;
done:
	json_decref(h);
	json_decref(o);
	return rc;
}

/* A proof's "path" in text into path (room for TLOG_PATH_MAX); 0 or -1. */
static int
read_path(const char *text, unsigned char (*path)[TLOG_HASH], size_t *len)
{
	json_t *o = json_loads(text, 0, NULL), *p = json_object_get(o, "path"),
	       *v;
	int ok = json_is_array(p) && json_array_size(p) <= TLOG_PATH_MAX;
	size_t i;

	*len = 0;
	json_array_foreach(p, i, v)
	{
		if (!ok || hex32(v, path[*len]) < 0) {
			ok = 0;
			break;
		}
		(*len)++;
	}
	json_decref(o);
	return ok ? 0 : -1;
}

/* A page of entries in text from index *at (below size), each appended
 * to the compact range f and printed to out (may be NULL); *at moves on.
 * 0, or 1 with e. */
static int
read_entries(const char *text, long long *at, long long size,
	     struct frontier *f, FILE *out, struct err *e)
{
	json_t *o = json_loads(text, 0, NULL),
	       *a = json_object_get(o, "entries"), *v;
	unsigned char leaf[TLOG_HASH];
	size_t i;

	if (!json_is_array(a) || json_array_size(a) == 0) {
		json_decref(o);
		err_set(e, "entries from %lld are missing", *at);
		return 1;
	}
	json_array_foreach(a, i, v)
	{
		const char *en = json_string_value(json_object_get(v, "entry"));

		if (*at >= size)
			break;
		if (en == NULL ||
		    json_integer_value(json_object_get(v, "index")) != *at ||
		    f->n >= FRONTIER_MAX) {
			json_decref(o);
			err_set(e, "entry %lld is missing", *at);
			return 1;
		}
		tlog_leaf_hash(TLOG_SM3, en, strlen(en), leaf);
		frontier_add(f, leaf);
		if (out != NULL)
			fprintf(out, "%lld %s\n", *at, en);
		(*at)++;
	}
	json_decref(o);
	return 0;
}

int
tlog_monitor_read(const char *what, const char *text, X509 *receipt,
		  struct err *e)
{
	unsigned char path[TLOG_PATH_MAX][TLOG_HASH], root[TLOG_HASH];
	struct frontier f = {0};
	X509 *chain[4] = {NULL, NULL, NULL, NULL};
	long long size = 0, at = 0;
	size_t len;
	int rc;

	if (!strcmp(what, "ca")) {
		rc = read_chain(text, chain) == 3 ? 0 : 1;
		for (int i = 0; i < 4; i++)
			X509_free(chain[i]);
		return rc;
	}
	if (!strcmp(what, "head"))
		return read_head(text, receipt, &size, root, e);
	if (!strcmp(what, "path"))
		return read_path(text, path, &len) < 0 ? 1 : 0;
	if (!strcmp(what, "entries"))
		return read_entries(text, &at, RUN_ENTRIES, &f, NULL, e);
	err_set(e, "no reader '%s'", what);
	return -1;
}

/* What one check saw: the head (when it got one) and what went wrong. */
struct seen {
	int have_head;
	long long size;
	unsigned char root[TLOG_HASH];
	const char
	    *kind; /* "ok", "unreachable", "inconsistent", "split_view" */
};

/*
 * One check of the log at base against what s holds (updated when the
 * log holds): the root pinned by digest (or pinned now if s has none),
 * the head's signature, no shrinking, no other root for the same size (a
 * split view), the consistency proof, the new entries giving the root.
 * 0, 1 (the log does not hold) or -1 (not checked); e says why.
 */
static int
check(const char *base, struct mstate *s, FILE *out, struct seen *sn,
      struct err *e)
{
	struct buf b = BUF_INIT(FETCH_MAX);
	X509 *chain[4] = {NULL, NULL, NULL, NULL};
	unsigned char hroot[TLOG_HASH], mine[TLOG_HASH];
	struct frontier f = s->f;
	char d1[65], q[128];
	long long size = 0, at;
	int n = 0, rc = -1;

	memset(sn, 0, sizeof(*sn));
	sn->kind = "unreachable";
	if (fetch(base, "/v1/ca", &b, e) < 0)
		goto done;
	n = read_chain(b.data, chain);
	rc = 1;
	sn->kind = "inconsistent";
	if (n != 3) {
		err_set(e, "/v1/ca does not hold the issuing, receipt and root "
			   "certificates");
		goto done;
	}
	sm2_cert_digest(chain[2], d1);
	if ((s->pin[0] != '\0' && strcmp(d1, s->pin) != 0) ||
	    !sm2_cert_signed_by(chain[2], chain[2]) ||
	    !sm2_cert_signed_by(chain[1], chain[2])) {
		err_set(e, "the log's root is not the pinned root (or its "
			   "receipt certificate is not the root's)");
		goto done;
	}
	if (fetch(base, "/v1/tlog/head", &b, e) < 0) {
		rc = -1;
		sn->kind = "unreachable";
		goto done;
	}
	if ((rc = read_head(b.data, chain[1], &size, hroot, e)) != 0)
		goto done;
	sn->have_head = 1;
	sn->size = size;
	memcpy(sn->root, hroot, TLOG_HASH);
	rc = 1;
	if (size < s->size) {
		err_set(e, "the log shrank from %lld to %lld entries", s->size,
			size);
		goto done;
	}
	if (s->size > 0 && size == s->size &&
	    memcmp(hroot, s->root, TLOG_HASH) != 0) {
		sn->kind = "split_view";
		err_set(e,
			"the log shows another root for the %lld entries it "
			"showed before: two views of one log",
			size);
		goto done;
	}
	if (size - s->size > RUN_ENTRIES) {
		err_set(e, "%lld new entries: more than one run checks (%d)",
			size - s->size, RUN_ENTRIES);
		rc = -1;
		sn->kind = "unreachable";
		goto done;
	}
	/* the log's own proof that it only grew */
	if (s->size > 0 && size > s->size) {
		unsigned char path[TLOG_PATH_MAX][TLOG_HASH];
		size_t len = 0;
		int ok;

		str_fmt(q, sizeof(q),
			"/v1/tlog/consistency?first=%lld&second=%lld", s->size,
			size);
		if (fetch(base, q, &b, e) < 0) {
			rc = -1;
			sn->kind = "unreachable";
			goto done;
		}
		ok = read_path(b.data, path, &len) == 0 &&
		     tlog_verify_consistency(
			 TLOG_SM3, (uint64_t)s->size, (uint64_t)size, s->root,
			 hroot, (const unsigned char(*)[TLOG_HASH])path, len);
		if (!ok) {
			err_set(e,
				"the consistency proof from %lld to %lld "
				"entries does not hold: the log was "
				"rewritten",
				s->size, size);
			goto done;
		}
	}
	/* the new entries, appended to what was seen, must give the root */
	for (at = s->size; at < size;) {
		str_fmt(q, sizeof(q), "/v1/tlog/entries?start=%lld&count=%d",
			at, TLOG_ENTRIES_MAX);
		if (fetch(base, q, &b, e) < 0) {
			rc = -1;
			sn->kind = "unreachable";
			goto done;
		}
		if (read_entries(b.data, &at, size, &f, out, e) != 0)
			goto done;
	}
	if (size > 0) {
		frontier_root(&f, mine);
		if (memcmp(mine, hroot, TLOG_HASH) != 0) {
			err_set(e,
				"the head's root does not match the log's "
				"%lld entries",
				size);
			goto done;
		}
	}
	memcpy(s->pin, d1, sizeof(s->pin));
	s->size = size;
	memcpy(s->root, hroot, TLOG_HASH);
	s->f = f;
	sn->kind = "ok";
	rc = 0;
done:
	for (int i = 0; i < 4; i++)
		X509_free(chain[i]);
	buf_cleanup(&b);
	return rc;
}

int
tlog_monitor(const char *base, const char *root_pem, const char *state,
	     FILE *out, struct err *e)
{
	struct buf pinned = BUF_INIT(64 * 1024);
	struct mstate s;
	struct seen sn;
	X509 *root = NULL;
	int rc = -1;

	if (state_load(state, &s, e) < 0 ||
	    buf_read_file(&pinned, root_pem, e) < 0)
		goto done;
	if ((root = sm2_cert_read(pinned.data, pinned.len)) == NULL) {
		err_set(e, "'%s': not a certificate", root_pem);
		goto done;
	}
	sm2_cert_digest(root, s.pin);
	if ((rc = check(base, &s, out, &sn, e)) == 0)
		rc = state_save(state, &s, e) < 0 ? -1 : 0;
done:
	X509_free(root);
	buf_cleanup(&pinned);
	return rc;
}

/* ---- govsecd's monitor ([ecert] monitor) ------------------------------- */

/* "URL [ROOT.pem]" into url and root ("" if none); 0 or -1 with e. */
static int
monitor_line(const char *line, char url[1025], char root[4097], struct err *e)
{
	const char *sp = strchr(line, ' ');
	size_t n = sp != NULL ? (size_t)(sp - line) : strlen(line);

	root[0] = '\0';
	if (n == 0 || n > 1024 ||
	    (strncmp(line, "http://", 7) != 0 &&
	     strncmp(line, "https://", 8) != 0)) {
		err_set(e,
			"[ecert] monitor '%s': not \"http(s)://HOST:PORT "
			"[ROOT.pem]\"",
			line);
		return -1;
	}
	memcpy(url, line, n);
	url[n] = '\0';
	while (n > 1 && url[n - 1] == '/')
		url[--n] = '\0';
	if (sp != NULL) {
		while (*sp == ' ')
			sp++;
		if (*sp != '\0' && str_copy(root, sp, 4097) < 0) {
			err_set(e,
				"[ecert] monitor '%s': the root's path is "
				"too long",
				url);
			return -1;
		}
	}
	return 0;
}

/* The pinned root's digest from the file root; 0 or -1 with e. */
static int
root_digest(const char *root, char out[65], struct err *e)
{
	struct buf b = BUF_INIT(64 * 1024);
	X509 *x = NULL;
	int rc = -1;

	if (buf_read_file(&b, root, e) < 0)
		goto done;
	if ((x = sm2_cert_read(b.data, b.len)) == NULL) {
		err_set(e, "'%s': not a certificate", root);
		goto done;
	}
	sm2_cert_digest(x, out);
	rc = 0;
done:
	X509_free(x);
	buf_cleanup(&b);
	return rc;
}

int
tlog_monitor_conf_check(const char *lines, struct err *e)
{
	char url[1025], root[4097], d[65], line[5200];
	const char *p = lines;
	int n = 0;

	while (*p != '\0') {
		size_t len = strcspn(p, "\n");

		if (len >= sizeof(line) || ++n > TLOG_MONITOR_MAX) {
			err_set(e, "[ecert] monitor: at most %d logs",
				TLOG_MONITOR_MAX);
			return -1;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		if (monitor_line(line, url, root, e) < 0 ||
		    (root[0] != '\0' && root_digest(root, d, e) < 0))
			return -1;
		p += len + (p[len] == '\n');
	}
	return 0;
}

struct mrow {
	int found;
	char pin[65], status[32], message[512];
	struct mstate s;
};

static int
mrow_read(void *arg, struct store_row *r)
{
	struct mrow *m = arg;
	const char *st = store_row_text(r, 1);
	json_t *o = st != NULL ? json_loads(st, 0, NULL) : NULL;

	m->found = 1;
	if (o == NULL || state_from(o, &m->s) < 0)
		memset(&m->s, 0, sizeof(m->s)); /* start again */
	json_decref(o);
	str_copy(m->pin, store_row_text(r, 0) ? store_row_text(r, 0) : "",
		 sizeof(m->pin));
	str_copy(m->status, store_row_text(r, 2) ? store_row_text(r, 2) : "",
		 sizeof(m->status));
	str_copy(m->message, store_row_text(r, 3) ? store_row_text(r, 3) : "",
		 sizeof(m->message));
	return 1;
}

/* Records one check of url in the store, the audit chain and the log. */
static int
monitor_record(struct store *st, const char *url, const struct mrow *old,
	       const struct mstate *s, const struct seen *sn,
	       const char *message, struct err *e)
{
	char at[32], hex[2 * TLOG_HASH + 1], obj[1100], action[64],
	    digest[AUDIT_HASH_HEX];
	int changed = !old->found || strcmp(old->status, sn->kind) != 0 ||
		      strcmp(old->message, message) != 0 ||
		      (sn->have_head && sn->size != old->s.size);
	json_t *o = state_json(s);
	char *txt = json_dumps(o, JSON_COMPACT);
	struct store_val v[6];
	int rc = -1;

	json_decref(o);
	time_fmt(time_now(), at, sizeof(at));
	hex_encode(sn->root, TLOG_HASH, hex);
	if (store_begin(st, e) < 0)
		goto done;
	v[0] = SV_TEXT(url);
	v[1] = SV_TEXT(s->pin);
	v[2] = SV_TEXT(txt);
	v[3] = SV_TEXT(at);
	v[4] = SV_TEXT(sn->kind);
	v[5] = SV_TEXT(message);
	if (store_exec(st,
		       "INSERT INTO tlog_monitors (url, pin, state, checked, "
		       "status, message) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
		       "(url) DO UPDATE SET pin = excluded.pin, state = "
		       "excluded.state, checked = excluded.checked, status = "
		       "excluded.status, message = excluded.message",
		       v, 6, e) < 0)
		goto fail;
	if (changed) {
		struct store_val w[6] = {SV_TEXT(url),
					 SV_TEXT(at),
					 sn->have_head ? SV_INT(sn->size)
						       : SV_NULL,
					 SV_TEXT(sn->have_head ? hex : NULL),
					 SV_TEXT(sn->kind),
					 SV_TEXT(message)};

		if (store_exec(st,
			       "INSERT INTO tlog_monitor_seen (url, at, size, "
			       "root, status, message) VALUES (?, ?, ?, ?, ?, "
			       "?)",
			       w, 6, e) < 0)
			goto fail;
	}
	/* the audit chain: each failure as it starts or changes, the first
	 * pin, and the return to a log that holds */
	action[0] = '\0';
	if (strcmp(sn->kind, "ok") != 0 && changed)
		str_fmt(action, sizeof(action), "tlog.monitor_%s", sn->kind);
	else if (strcmp(sn->kind, "ok") == 0 && !old->found)
		str_copy(action, "tlog.monitor_pin", sizeof(action));
	else if (strcmp(sn->kind, "ok") == 0 && strcmp(old->status, "ok") != 0)
		str_copy(action, "tlog.monitor_ok", sizeof(action));
	if (action[0] == '\0') {
		rc = store_commit(st, e);
		goto done;
	}
	str_fmt(obj, sizeof(obj), "tlog-monitor:%s", url);
	audit_digest(message, strlen(message), digest);
	rc = audit_commit(st, "system", action, obj, NULL, digest, e);
	goto done;
fail:
	store_rollback(st);
done:
	free(txt);
	return rc;
}

int
tlog_monitor_store(struct store *st, const char *line, struct err *e)
{
	char url[1025], root[4097], msg[sizeof(e->msg)];
	struct store_val v[1];
	struct mrow old;
	struct mstate s;
	struct seen sn;
	struct err re;
	int rc;

	memset(&old, 0, sizeof(old));
	v[0] = SV_TEXT(url);
	if (monitor_line(line, url, root, e) < 0 ||
	    store_query(st,
			"SELECT pin, state, status, message FROM "
			"tlog_monitors WHERE url = ?",
			v, 1, mrow_read, &old, e) < 0) {
		log_warn("tlog monitor: %s", e->msg);
		return -1;
	}
	s = old.s;
	str_copy(s.pin, old.pin, sizeof(s.pin));
	/* a root file given pins that root, whatever was pinned first */
	if (root[0] != '\0' && root_digest(root, s.pin, e) < 0) {
		log_warn("tlog monitor: '%s': %s", url, e->msg);
		return -1;
	}
	rc = check(url, &s, NULL, &sn, e);
	if (rc == 0)
		str_fmt(msg, sizeof(msg), "%lld entries", s.size);
	else
		str_copy(msg, e->msg, sizeof(msg));
	if (rc != 0) {
		/* keep the last good state; pin what was pinned */
		char pin[65];

		memcpy(pin, s.pin, sizeof(pin));
		s = old.s;
		memcpy(s.pin, pin, sizeof(pin));
	}
	if (monitor_record(st, url, &old, &s, &sn, msg, &re) < 0)
		log_warn("tlog monitor: '%s': cannot record the check: %s", url,
			 re.msg);
	if (rc != 0)
		log_warn("tlog monitor: '%s': %s: %s", url, sn.kind, msg);
	else if (!old.found || strcmp(old.status, "ok") != 0 ||
		 old.s.size != s.size)
		log_info("tlog monitor: '%s': holds, %lld entries", url,
			 s.size);
	return rc;
}

void
tlog_monitor_round(struct store *st, const char *lines, int (*stopping)(void *),
		   void *arg)
{
	char line[5200];
	const char *p = lines;
	struct err e;

	while (*p != '\0' && !stopping(arg)) {
		size_t len = strcspn(p, "\n");

		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			tlog_monitor_store(st, line, &e); /* it logs */
		}
		p += len + (p[len] == '\n');
	}
}
