/*
 * service.c: the verification service for platform operators (AUTH-5,
 * APP-2; seed Q4): app stores and public-account platforms check a unit's
 * identity here instead of asking for bank-account data or official
 * letters. Operators are registered by an administrator and hold API keys
 * (only a digest is stored); a unit proves itself by its certificate or
 * by signing a single-use challenge with its certificate's key; the
 * answer is a receipt signed by the receipt key (SM2, SM3, the ID) that a
 * platform checks offline and may cache. What the HTTP side adds (rate
 * limits, the audit of each call) is in src/http/api_ecert.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "audit/audit.h"
#include "ecert/ecert.h"

#define OPERATOR_NAME_MAX 100

static void
sm3_hex(const void *data, size_t n, char out[65])
{
	audit_digest(data, n, out);
}

int
ecert_operator_add(struct store *st, const char *name, int rate,
		   const char *actor, struct err *e)
{
	struct store_val v[4];
	char at[32], obj[160];

	if (name == NULL || !str_utf8_valid(name, strlen(name)) ||
	    str_utf8_len(name) < 2 || str_utf8_len(name) > OPERATOR_NAME_MAX ||
	    strchr(name, '\n') != NULL) {
		err_set(e, "an operator's name is 2 to %d characters of UTF-8",
			OPERATOR_NAME_MAX);
		return -1;
	}
	if (rate < 1 || rate > 100000) {
		err_set(e, "--rate: verifications a minute from 1 to 100000");
		return -1;
	}
	if (store_begin(st, e) < 0)
		return -1;
	v[0] = SV_TEXT(name);
	if (store_query_int(st,
			    "SELECT COUNT(*) FROM ecert_operators WHERE "
			    "name = ?",
			    v, 1, 0) > 0) {
		store_rollback(st);
		err_set(e, "operator '%s' exists already", name);
		return -1;
	}
	time_fmt(time_now(), at, sizeof(at));
	v[1] = SV_INT(rate);
	v[2] = SV_TEXT(at);
	v[3] = SV_TEXT(actor);
	str_fmt(obj, sizeof(obj), "operator:%s", name);
	if (store_exec(st,
		       "INSERT INTO ecert_operators (name, rate, created, "
		       "created_by) VALUES (?, ?, ?, ?)",
		       v, 4, e) < 0) {
		store_rollback(st);
		return -1;
	}
	return audit_commit(st, actor, "ecert.operator_add", obj, NULL, NULL,
			    e);
}

int
ecert_operator_key(struct store *st, const char *name, const char *actor,
		   char key[ECERT_KEY_MAX], struct err *e)
{
	unsigned char raw[32], idraw[6];
	char id[13], secret[48], digest[65], at[32], obj[160];
	struct store_val v[4];

	if (store_begin(st, e) < 0)
		return -1;
	v[0] = SV_TEXT(name);
	if (store_query_int(st,
			    "SELECT COUNT(*) FROM ecert_operators WHERE "
			    "name = ? AND disabled IS NULL",
			    v, 1, 0) == 0) {
		store_rollback(st);
		err_set(e, "no enabled operator '%s' (govsec operator add)",
			name);
		return -1;
	}
	if (rand_bytes(raw, sizeof(raw)) < 0 ||
	    rand_bytes(idraw, sizeof(idraw)) < 0) {
		store_rollback(st);
		err_set(e, "no random bytes for the key");
		return -1;
	}
	hex_encode(idraw, sizeof(idraw), id);
	b64url_encode(raw, sizeof(raw), secret, sizeof(secret));
	OPENSSL_cleanse(raw, sizeof(raw));
	sm3_hex(secret, strlen(secret), digest);
	time_fmt(time_now(), at, sizeof(at));
	v[0] = SV_TEXT(id);
	v[1] = SV_TEXT(name);
	v[2] = SV_TEXT(digest);
	v[3] = SV_TEXT(at);
	str_fmt(obj, sizeof(obj), "operator:%s", name);
	if (store_exec(st,
		       "INSERT INTO ecert_keys (id, operator, digest, created) "
		       "VALUES (?, ?, ?, ?)",
		       v, 4, e) < 0) {
		store_rollback(st);
		return -1;
	}
	/* the record names the key by its id, never its secret */
	if (audit_commit(st, actor, "ecert.key_add", obj, NULL, id, e) < 0)
		return -1;
	str_fmt(key, ECERT_KEY_MAX, "gsk_%s_%s", id, secret);
	OPENSSL_cleanse(secret, sizeof(secret));
	return 0;
}

int
ecert_key_revoke(struct store *st, const char *id, const char *actor,
		 struct err *e)
{
	struct store_val v[2];
	char at[32], obj[64];

	time_fmt(time_now(), at, sizeof(at));
	v[0] = SV_TEXT(at);
	v[1] = SV_TEXT(id);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_exec(st,
		       "UPDATE ecert_keys SET revoked = ? WHERE id = ? AND "
		       "revoked IS NULL",
		       v, 2, e) < 0)
		goto fail;
	if (store_changes(st) == 0) {
		err_set(e, "no live key '%s'", id);
		goto fail;
	}
	str_fmt(obj, sizeof(obj), "operator-key:%s", id);
	return audit_commit(st, actor, "ecert.key_revoke", obj, NULL, NULL, e);
fail:
	store_rollback(st);
	return -1;
}

int
ecert_operator_disable(struct store *st, const char *name, const char *actor,
		       struct err *e)
{
	struct store_val v[2];
	char at[32], obj[160];

	time_fmt(time_now(), at, sizeof(at));
	v[0] = SV_TEXT(at);
	v[1] = SV_TEXT(name);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_exec(st,
		       "UPDATE ecert_operators SET disabled = ? WHERE name = ? "
		       "AND disabled IS NULL",
		       v, 2, e) < 0)
		goto fail;
	if (store_changes(st) == 0) {
		err_set(e, "no enabled operator '%s'", name);
		goto fail;
	}
	str_fmt(obj, sizeof(obj), "operator:%s", name);
	return audit_commit(st, actor, "ecert.operator_disable", obj, NULL,
			    NULL, e);
fail:
	store_rollback(st);
	return -1;
}

static int
op_row(void *arg, struct store_row *r)
{
	json_t *arr = arg;
	json_t *o = json_pack(
	    "{s:s, s:I, s:s, s:s?, s:[]}", "name", store_row_text(r, 0), "rate",
	    (json_int_t)store_row_int(r, 1), "created", store_row_text(r, 2),
	    "disabled", store_row_text(r, 3), "keys");

	json_array_append_new(arr, o);
	return 0;
}

static int
key_row(void *arg, struct store_row *r)
{
	json_t *arr = arg;
	const char *op = store_row_text(r, 0);

	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);

		if (strcmp(json_string_value(json_object_get(o, "name")), op))
			continue;
		json_array_append_new(json_object_get(o, "keys"),
				      json_pack("{s:s, s:s, s:s?}", "id",
						store_row_text(r, 1), "created",
						store_row_text(r, 2), "revoked",
						store_row_text(r, 3)));
	}
	return 0;
}

json_t *
ecert_operators_json(struct store *st, struct err *e)
{
	json_t *arr = json_array();

	if (store_query(st,
			"SELECT name, rate, created, disabled FROM "
			"ecert_operators ORDER BY name",
			NULL, 0, op_row, arr, e) < 0 ||
	    store_query(st,
			"SELECT operator, id, created, revoked FROM ecert_keys "
			"ORDER BY created, id",
			NULL, 0, key_row, arr, e) < 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

struct auth_row {
	char digest[65], operator[128];
	int rate, found;
};

static int
auth_row(void *arg, struct store_row *r)
{
	struct auth_row *a = arg;

	a->found = 1;
	str_copy(a->digest, store_row_text(r, 0), sizeof(a->digest));
	str_copy(a->operator, store_row_text(r, 1), sizeof(a->operator));
	a->rate = (int)store_row_int(r, 2);
	return 1;
}

int
ecert_key_auth(struct store *st, const char *authorization,
	       struct ecert_caller *out, struct err *e)
{
	const char *tok, *sep;
	char id[16], digest[65];
	struct auth_row a = {0};
	struct store_val v[1];
	size_t idlen;

	memset(out, 0, sizeof(*out));
	if (authorization == NULL ||
	    strncasecmp(authorization, "Bearer ", 7) != 0)
		return 0;
	tok = authorization + 7;
	if (strlen(tok) >= ECERT_KEY_MAX || !str_starts(tok, "gsk_") ||
	    (sep = strchr(tok + 4, '_')) == NULL)
		return 0;
	idlen = (size_t)(sep - tok - 4);
	if (idlen != 12)
		return 0;
	memcpy(id, tok + 4, idlen);
	id[idlen] = '\0';
	v[0] = SV_TEXT(id);
	if (store_query(st,
			"SELECT k.digest, o.name, o.rate FROM ecert_keys k "
			"JOIN ecert_operators o ON o.name = k.operator "
			"WHERE k.id = ? AND k.revoked IS NULL AND "
			"o.disabled IS NULL",
			v, 1, auth_row, &a, e) < 0)
		return -1;
	sm3_hex(sep + 1, strlen(sep + 1), digest);
	/* the digest is made whether or not the id exists */
	if (!a.found || !ct_equal(digest, a.digest, 64))
		return 0;
	str_copy(out->key_id, id, sizeof(out->key_id));
	str_copy(out->operator, a.operator, sizeof(out->operator));
	out->rate = a.rate;
	return 1;
}

int
ecert_challenge_new(struct store *st, const struct ecert_caller *who,
		    const char *unit, char out[48], char expires[32],
		    struct err *e)
{
	unsigned char raw[32];
	char digest[65];
	struct store_val v[4];
	time_t now = time_now();

	v[0] = SV_TEXT(unit);
	if (store_query_int(st, "SELECT COUNT(*) FROM units WHERE uscc = ?", v,
			    1, 0) == 0) {
		err_set(e, "unit '%s' is not in the registry", unit);
		return 0;
	}
	if (rand_bytes(raw, sizeof(raw)) < 0) {
		err_set(e, "no random bytes for the challenge");
		return -1;
	}
	b64url_encode(raw, sizeof(raw), out, 48);
	sm3_hex(out, strlen(out), digest);
	time_fmt(now + ECERT_CHALLENGE_S, expires, 32);
	v[0] = SV_TEXT(digest);
	v[1] = SV_TEXT(who->key_id);
	v[2] = SV_TEXT(unit);
	v[3] = SV_INT(now + ECERT_CHALLENGE_S);
	/* expired challenges go as new ones come */
	{
		struct store_val old[1] = {SV_INT(now)};

		if (store_exec(st,
			       "DELETE FROM ecert_challenges WHERE expires < ?",
			       old, 1, e) < 0)
			return -1;
	}
	if (store_exec(st,
		       "INSERT INTO ecert_challenges (digest, key_id, unit, "
		       "expires) VALUES (?, ?, ?, ?)",
		       v, 4, e) < 0)
		return -1;
	return 1;
}

struct chal_ctx {
	const struct ecert_ca *ca;
	struct store *st;
	const char *challenge;
	const unsigned char *sig;
	size_t siglen;
	struct ecert_verdict *v;
	int matched;
};

/* One of the unit's certificates: does its key verify the signature? */
static int
chal_cert(void *arg, const struct ecert_rec *r)
{
	struct chal_ctx *c = arg;
	X509 *x = sm2_cert_read(r->pem, strlen(r->pem));
	struct ecert_verdict v;
	int ok;

	if (x == NULL)
		return 0;
	ok = sm2_verify(X509_get0_pubkey(x), c->challenge, strlen(c->challenge),
			c->sig, c->siglen);
	X509_free(x);
	if (!ok)
		return 0;
	ecert_verify(c->st, c->ca, r->pem, strlen(r->pem), time_now(), &v);
	/* the valid one wins over a revoked or expired one with the key */
	if (!c->matched || v.status == ECERT_VALID)
		*c->v = v;
	c->matched = 1;
	return v.status == ECERT_VALID ? 1 : 0;
}

int
ecert_challenge_verify(struct store *st, const struct ecert_ca *ca,
		       const struct ecert_caller *who, const char *unit,
		       const char *challenge, const unsigned char *sig,
		       size_t siglen, struct ecert_verdict *v, int *status,
		       struct err *e)
{
	char digest[65];
	struct store_val q[4];
	struct chal_ctx c = {ca, st, challenge, sig, siglen, v, 0};

	memset(v, 0, sizeof(*v));
	*status = 500;
	if (strlen(challenge) > 64) {
		*status = 404;
		err_set(e, "no such challenge");
		return -1;
	}
	sm3_hex(challenge, strlen(challenge), digest);
	q[0] = SV_TEXT(digest);
	q[1] = SV_TEXT(who->key_id);
	q[2] = SV_TEXT(unit);
	q[3] = SV_INT(time_now());
	/* used up now, whatever follows: a challenge proves once */
	if (store_exec(st,
		       "DELETE FROM ecert_challenges WHERE digest = ? AND "
		       "key_id = ? AND unit = ? AND expires >= ?",
		       q, 4, e) < 0)
		return -1;
	if (store_changes(st) != 1) {
		*status = 404;
		err_set(e,
			"no such challenge for unit '%s' and this key (it "
			"was used, has expired or was never issued)",
			unit);
		return -1;
	}
	if (ecert_each(st, unit, chal_cert, &c, e) < 0)
		return -1;
	if (!c.matched) {
		*status = 422;
		err_set(e,
			"the signature was not made with the key of any "
			"certificate of unit '%s' (SM2 with SM3 and the "
			"distinguishing ID " ECERT_DISTID ")",
			unit);
		return -1;
	}
	return 0;
}

char *
ecert_receipt(struct store *st, const struct ecert_ca *ca,
	      const struct ecert_verdict *v, const char *method,
	      const struct ecert_caller *who, struct err *e)
{
	json_t *r, *out;
	struct store_val q[1] = {SV_TEXT(v->unit)};
	char *kind = NULL, *level = NULL, *body = NULL, *txt = NULL, at[32];
	char *sigb64 = NULL, *bodyb64 = NULL, *signer = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0, n;
	struct ecert_rec rec = {0};
	int have = 0;

	if (ca->receipt_key == NULL) {
		err_set(e, "the receipt key is not loaded");
		return NULL;
	}
	kind =
	    store_query_text(st, "SELECT kind FROM units WHERE uscc = ?", q, 1);
	level = store_query_text(st, "SELECT level FROM units WHERE uscc = ?",
				 q, 1);
	if (v->serial[0] != '\0')
		have = ecert_get(st, v->serial, &rec, e) == 0;
	time_fmt(time_now(), at, sizeof(at));
	r = json_pack("{s:i, s:s, s:s, s:s?, s:s?, s:[], s:[], s:{s:s, s:s, "
		      "s:s?, s:s?, s:s?}, s:s, s:s, s:s}",
		      "version", 1, "uscc", v->unit, "name", v->name, "kind",
		      kind, "level", level, "online_names", "logo_ids",
		      "certificate", "status", ecert_status_str(v->status),
		      "serial", v->serial, "not_before",
		      have ? rec.not_before : NULL, "not_after",
		      have ? rec.not_after : NULL, "revoked",
		      have && rec.revoked[0] ? rec.revoked : NULL, "method",
		      method, "operator", who->operator, "verified_at", at);
	ecert_rec_cleanup(&rec);
	free(kind);
	free(level);
	/* the unit's approved online names, in the order approved */
	if (r != NULL) {
		json_t *names = ecert_names_json(st, v->unit, "approved", e),
		       *nm;
		size_t i;

		json_array_foreach(names, i, nm)
		    json_array_append(json_object_get(r, "online_names"),
				      json_object_get(nm, "name"));
		json_decref(names);
		names = ecert_logos_json(st, v->unit, 1, e);
		json_array_foreach(names, i, nm) json_array_append(
		    json_object_get(r, "logo_ids"), json_object_get(nm, "id"));
		json_decref(names);
	}
	if (r == NULL ||
	    (body = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		err_set(e, "cannot encode the receipt");
		goto done;
	}
	if (sm2_sign(ca->receipt_key, body, strlen(body), &sig, &siglen) < 0) {
		err_set(e, "cannot sign the receipt");
		goto done;
	}
	/* what the self-examination reads (APP-2, AUTH-5, CERT-1) */
	{
		struct store_val w[6] = {
		    SV_TEXT(v->unit),	SV_TEXT(who->operator),
		    SV_TEXT(method),	SV_TEXT(ecert_status_str(v->status)),
		    SV_TEXT(v->serial), SV_TEXT(at)};

		if (store_exec(st,
			       "INSERT INTO ecert_verifications (unit, "
			       "operator, method, status, serial, at) VALUES "
			       "(?, ?, ?, ?, ?, ?)",
			       w, 6, e) < 0)
			goto done;
	}
	n = strlen(body);
	bodyb64 = xmalloc(n / 3 * 4 + 5);
	sigb64 = xmalloc(siglen / 3 * 4 + 5);
	b64url_encode((const unsigned char *)body, n, bodyb64, n / 3 * 4 + 5);
	b64url_encode(sig, siglen, sigb64, siglen / 3 * 4 + 5);
	signer = sm2_cert_pem(ca->receipt);
	/* the claims travel only inside the signed bytes: a platform reads
	 * them after checking the signature, never beside it */
	out = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "receipt", bodyb64,
			"signature", sigb64, "alg", "SM2-with-SM3", "distid",
			ECERT_DISTID, "signer", signer);
	txt = json_dumps(out, JSON_INDENT(2));
	json_decref(out);
	if (txt == NULL)
		err_set(e, "cannot encode the receipt");
done:
	json_decref(r);
	free(body);
	free(sig);
	free(bodyb64);
	free(sigb64);
	free(signer);
	return txt;
}
