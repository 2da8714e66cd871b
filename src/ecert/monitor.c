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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

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
	long long size;
	unsigned char root[TLOG_HASH];
	struct frontier f;
};

static int
state_load(const char *path, struct mstate *s, struct err *e)
{
	json_error_t je;
	json_t *o, *a, *v;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (access(path, F_OK) < 0)
		return 0; /* the first run */
	if ((o = json_load_file(path, 0, &je)) == NULL) {
		err_set(e, "'%s': line %d: %s", path, je.line, je.text);
		return -1;
	}
	s->size = json_integer_value(json_object_get(o, "size"));
	a = json_object_get(o, "frontier");
	if (s->size < 0 || hex32(json_object_get(o, "root"), s->root) < 0 ||
	    !json_is_array(a) || json_array_size(a) > FRONTIER_MAX) {
		json_decref(o);
		err_set(e, "'%s': not a monitor's state", path);
		return -1;
	}
	json_array_foreach(a, i, v)
	{
		if (hex32(json_object_get(v, "hash"), s->f.h[i]) < 0) {
			json_decref(o);
			err_set(e, "'%s': not a monitor's state", path);
			return -1;
		}
		s->f.level[i] =
		    (int)json_integer_value(json_object_get(v, "level"));
	}
	s->f.n = (int)json_array_size(a);
	json_decref(o);
	return 0;
}

static int
state_save(const char *path, const struct mstate *s, struct err *e)
{
	char tmp[4200], hex[2 * TLOG_HASH + 1];
	json_t *o, *a = json_array();
	int rc;

	for (int i = 0; i < s->f.n; i++) {
		hex_encode(s->f.h[i], TLOG_HASH, hex);
		json_array_append_new(a, json_pack("{s:i, s:s}", "level",
						   s->f.level[i], "hash", hex));
	}
	hex_encode(s->root, TLOG_HASH, hex);
	o = json_pack("{s:I, s:s, s:o}", "size", (json_int_t)s->size, "root",
		      hex, "frontier", a);
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

/* Checks the signed head; fills size and root. 0, 1 (bad), -1. */
static int
head_check(const char *base, X509 *receipt, struct buf *b, long long *size,
	   unsigned char root[TLOG_HASH], struct err *e)
{
	json_t *o = NULL, *h = NULL;
	const char *body, *sig;
	unsigned char raw[160];
	int n, rc = 1;

	if (fetch(base, "/v1/tlog/head", b, e) < 0)
		return -1;
	if ((o = json_loads(b->data, 0, NULL)) == NULL ||
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

int
tlog_monitor(const char *base, const char *root_pem, const char *state,
	     FILE *out, struct err *e)
{
	struct buf b = BUF_INIT(FETCH_MAX), pinned = BUF_INIT(64 * 1024);
	X509 *chain[4] = {NULL, NULL, NULL, NULL}, *root = NULL;
	unsigned char hroot[TLOG_HASH], mine[TLOG_HASH], leaf[TLOG_HASH];
	char d1[65], d2[65], q[128];
	struct mstate s;
	long long size = 0, at;
	int n = 0, rc = -1;

	if (state_load(state, &s, e) < 0 ||
	    buf_read_file(&pinned, root_pem, e) < 0)
		goto done;
	if ((root = sm2_cert_read(pinned.data, pinned.len)) == NULL) {
		err_set(e, "'%s': not a certificate", root_pem);
		goto done;
	}
	if (fetch(base, "/v1/ca", &b, e) < 0)
		goto done;
	n = read_chain(b.data, chain);
	rc = 1;
	if (n != 3) {
		err_set(e, "/v1/ca does not hold the issuing, receipt and root "
			   "certificates");
		goto done;
	}
	sm2_cert_digest(chain[2], d1);
	sm2_cert_digest(root, d2);
	if (strcmp(d1, d2) != 0 || !sm2_cert_signed_by(chain[1], root)) {
		err_set(e, "the log's root is not the pinned root (or its "
			   "receipt certificate is not the root's)");
		goto done;
	}
	if ((rc = head_check(base, chain[1], &b, &size, hroot, e)) != 0)
		goto done;
	rc = 1;
	if (size < s.size) {
		err_set(e, "the log shrank from %lld to %lld entries", s.size,
			size);
		goto done;
	}
	if (size - s.size > RUN_ENTRIES) {
		err_set(e, "%lld new entries: more than one run checks (%d)",
			size - s.size, RUN_ENTRIES);
		goto done;
	}
	/* the log's own proof that it only grew */
	if (s.size > 0) {
		unsigned char path[TLOG_PATH_MAX][TLOG_HASH];
		json_t *o, *p, *v;
		size_t len = 0, i;
		int ok;

		str_fmt(q, sizeof(q),
			"/v1/tlog/consistency?first=%lld&second=%lld", s.size,
			size);
		if (fetch(base, q, &b, e) < 0) {
			rc = -1;
			goto done;
		}
		o = json_loads(b.data, 0, NULL);
		p = json_object_get(o, "path");
		ok = json_is_array(p) && json_array_size(p) <= TLOG_PATH_MAX;
		json_array_foreach(p, i, v) ok =
		    ok && hex32(v, path[len++]) == 0;
		ok = ok &&
		     tlog_verify_consistency(
			 TLOG_SM3, (uint64_t)s.size, (uint64_t)size, s.root,
			 hroot, (const unsigned char(*)[TLOG_HASH])path, len);
		json_decref(o);
		if (!ok) {
			err_set(e,
				"the consistency proof from %lld to %lld "
				"entries does not hold: the log was "
				"rewritten",
				s.size, size);
			goto done;
		}
	}
	/* the new entries, appended to what was seen, must give the root */
	for (at = s.size; at < size;) {
		json_t *o, *a, *v;
		size_t i;

		str_fmt(q, sizeof(q), "/v1/tlog/entries?start=%lld&count=%d",
			at, TLOG_ENTRIES_MAX);
		if (fetch(base, q, &b, e) < 0) {
			rc = -1;
			goto done;
		}
		o = json_loads(b.data, 0, NULL);
		a = json_object_get(o, "entries");
		if (!json_is_array(a) || json_array_size(a) == 0) {
			json_decref(o);
			err_set(e, "entries from %lld are missing", at);
			goto done;
		}
		json_array_foreach(a, i, v)
		{
			const char *en =
			    json_string_value(json_object_get(v, "entry"));

			if (at >= size)
				break;
			if (en == NULL || json_integer_value(json_object_get(
					      v, "index")) != at) {
				json_decref(o);
				err_set(e, "entry %lld is missing", at);
				goto done;
			}
			tlog_leaf_hash(TLOG_SM3, en, strlen(en), leaf);
			frontier_add(&s.f, leaf);
			if (out != NULL)
				fprintf(out, "%lld %s\n", at, en);
			at++;
		}
		json_decref(o);
	}
	if (size > 0) {
		frontier_root(&s.f, mine);
		if (memcmp(mine, hroot, TLOG_HASH) != 0) {
			err_set(e,
				"the head's root does not match the log's "
				"%lld entries",
				size);
			goto done;
		}
	}
	s.size = size;
	memcpy(s.root, hroot, TLOG_HASH);
	rc = state_save(state, &s, e) < 0 ? -1 : 0;
done:
	for (int i = 0; i < 4; i++)
		X509_free(chain[i]);
	X509_free(root);
	buf_cleanup(&b);
	buf_cleanup(&pinned);
	return rc;
}
