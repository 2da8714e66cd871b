/*
 * webauthn.c: WebAuthn Level 2 relying-party checks for the gate's login
 * portal: registrations (attestation "none" and "packed") and assertions,
 * with OpenSSL 3 for keys and signatures and jansson for clientDataJSON.
 * Everything from the browser is untrusted and bounded before it is
 * parsed; the expected challenge, origin, RP ID and stored credential are
 * trusted. Attestation certificates are NOT checked against any root: a
 * "packed" statement with x5c proves only that the holder of that
 * certificate's key signed this registration, not who made the key.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gate/webauthn.h"

/* authenticatorData flags (WebAuthn section 6.1) */
#define FLAG_UP 0x01
#define FLAG_UV 0x04
#define FLAG_BE 0x08
#define FLAG_BS 0x10
#define FLAG_AT 0x40
#define FLAG_ED 0x80

#define AD_MIN	   37			     /* rpIdHash, flags, signCount */
#define X5C_MAX	   8			     /* certificates in a packed x5c */
#define AAGUID_OID "1.3.6.1.4.1.45724.1.1.4" /* id-fido-gen-ce-aaguid */

/* COSE key labels and values (RFC 9052, RFC 9053) */
#define COSE_KTY     1
#define COSE_ALG     3
#define COSE_CRV     (-1) /* EC2, OKP; RSA: n */
#define COSE_X	     (-2) /* EC2, OKP; RSA: e */
#define COSE_Y	     (-3)
#define KTY_OKP	     1
#define KTY_EC2	     2
#define KTY_RSA	     3
#define CRV_P256     1
#define CRV_ED25519  6
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 4096

int
wa_challenge(unsigned char *out, size_t n)
{
	if (n < WA_MIN_CHALLENGE || n > WA_MAX_CHALLENGE)
		return -1;
	return rand_bytes(out, n);
}

/* ---- clientDataJSON ------------------------------------------------------ */

/* Copies the printable ASCII of s (at most 64 bytes) into out[68] for an
 * error message; anything else becomes '?'. */
static const char *
quote(const char *s, char *out)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < 64; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (s[i] != '\0') {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

/*
 * Checks clientDataJSON (WebAuthn 7.1 steps 5-12, 7.2 steps 10-16) and
 * writes its SHA-256 into hash. 0 or -1 with e set.
 */
static int
check_client_data(const unsigned char *cdj, size_t len, const char *type,
		  const unsigned char *challenge, size_t ch_len,
		  const char *origin, unsigned char hash[32], struct err *e)
{
	char want[WA_MAX_CHALLENGE * 4 / 3 + 4], q[68];
	json_error_t je;
	json_t *root = NULL, *v, *tb;
	const char *s;
	int wlen, rc = -1;
	unsigned int hlen = 0;

	if (cdj == NULL || len == 0 || len > WA_MAX_CLIENT_DATA) {
		err_set(e, "clientDataJSON: size %zu is not in 1..%d", len,
			WA_MAX_CLIENT_DATA);
		return -1;
	}
	if (challenge == NULL || ch_len < WA_MIN_CHALLENGE ||
	    ch_len > WA_MAX_CHALLENGE || origin == NULL) {
		err_set(e, "webauthn: expected challenge or origin missing");
		return -1;
	}
	root = json_loadb((const char *)cdj, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL || !json_is_object(root)) {
		err_set(e, "clientDataJSON: not a JSON object");
		goto fail;
	}
	v = json_object_get(root, "type");
	if (!json_is_string(v) || strcmp(json_string_value(v), type) != 0) {
		err_set(e, "clientDataJSON: type is not '%s'", type);
		goto fail;
	}
	wlen = b64url_encode(challenge, ch_len, want, sizeof(want));
	v = json_object_get(root, "challenge");
	if (wlen < 0 || !json_is_string(v) ||
	    json_string_length(v) != (size_t)wlen ||
	    CRYPTO_memcmp(json_string_value(v), want, (size_t)wlen) != 0) {
		err_set(e, "clientDataJSON: challenge does not match");
		goto fail;
	}
	v = json_object_get(root, "origin");
	if (!json_is_string(v)) {
		err_set(e, "clientDataJSON: origin missing");
		goto fail;
	}
	s = json_string_value(v);
	if (json_string_length(v) != strlen(origin) || strcmp(s, origin) != 0) {
		err_set(e, "clientDataJSON: origin '%s' does not match",
			quote(s, q));
		goto fail;
	}
	v = json_object_get(root, "crossOrigin");
	if (v != NULL && !json_is_false(v)) {
		err_set(e, "clientDataJSON: crossOrigin is not false");
		goto fail;
	}
	/* Token binding is not used by the gate: a client that says it
	 * used one is refused rather than left unchecked. */
	tb = json_object_get(root, "tokenBinding");
	if (tb != NULL) {
		v = json_object_get(tb, "status");
		if (!json_is_object(tb) || !json_is_string(v)) {
			err_set(e, "clientDataJSON: malformed tokenBinding");
			goto fail;
		}
		if (strcmp(json_string_value(v), "present") == 0) {
			err_set(e, "clientDataJSON: token binding is not "
				   "supported");
			goto fail;
		}
	}
	if (EVP_Digest(cdj, len, hash, &hlen, EVP_sha256(), NULL) != 1 ||
	    hlen != 32) {
		err_set(e, "webauthn: SHA-256 failed");
		goto fail;
	}
	rc = 0;
fail:
	json_decref(root);
	return rc;
}

/* ---- authenticatorData --------------------------------------------------- */

struct authdata {
	const unsigned char *rp_hash; /* 32 bytes */
	unsigned char flags;
	uint32_t count;
	const unsigned char *aaguid; /* with AT: 16 bytes */
	const unsigned char *cred_id;
	size_t cred_id_len;
	struct cbor_item cose; /* with AT: the credential public key */
};

/* Splits authenticator data (WebAuthn 6.1); 0 or -1 with e set. */
static int
parse_authdata(const unsigned char *p, size_t n, struct authdata *ad,
	       struct err *e)
{
	size_t off = AD_MIN;

	memset(ad, 0, sizeof(*ad));
	if (p == NULL || n < AD_MIN) {
		err_set(e, "authenticatorData: too short (%zu bytes)", n);
		return -1;
	}
	ad->rp_hash = p;
	ad->flags = p[32];
	ad->count = (uint32_t)p[33] << 24 | (uint32_t)p[34] << 16 |
		    (uint32_t)p[35] << 8 | (uint32_t)p[36];
	if (ad->flags & FLAG_AT) {
		if (n - off < 18) {
			err_set(e, "authenticatorData: attested credential "
				   "data truncated");
			return -1;
		}
		ad->aaguid = p + off;
		off += 16;
		ad->cred_id_len = (size_t)p[off] << 8 | p[off + 1];
		off += 2;
		if (ad->cred_id_len == 0 || ad->cred_id_len > WA_MAX_CRED_ID) {
			err_set(e,
				"authenticatorData: credential id length %zu "
				"is not in 1..%d",
				ad->cred_id_len, WA_MAX_CRED_ID);
			return -1;
		}
		if (ad->cred_id_len > n - off) {
			err_set(e, "authenticatorData: credential id "
				   "truncated");
			return -1;
		}
		ad->cred_id = p + off;
		off += ad->cred_id_len;
		if (cbor_decode(p + off, n - off, &ad->cose) < 0 ||
		    ad->cose.type != CBOR_MAP) {
			err_set(e, "authenticatorData: credential public key "
				   "is not a CBOR map");
			return -1;
		}
		off += ad->cose.size;
	}
	if (ad->flags & FLAG_ED) {
		struct cbor_item ext;

		if (cbor_decode(p + off, n - off, &ext) < 0 ||
		    ext.type != CBOR_MAP) {
			err_set(e, "authenticatorData: extensions are not a "
				   "CBOR map");
			return -1;
		}
		off += ext.size;
	}
	if (off != n) {
		err_set(e, "authenticatorData: %zu trailing bytes", n - off);
		return -1;
	}
	return 0;
}

/* Checks rpIdHash, UP and UV (WebAuthn 7.1 steps 13-15, 7.2 steps
 * 17-19); 0 or -1 with e set. */
static int
check_authdata(const struct authdata *ad, const char *rp_id, bool require_uv,
	       struct err *e)
{
	unsigned char h[32];
	unsigned int hlen = 0;

	if (rp_id == NULL || rp_id[0] == '\0') {
		err_set(e, "webauthn: rp id missing");
		return -1;
	}
	if (EVP_Digest(rp_id, strlen(rp_id), h, &hlen, EVP_sha256(), NULL) !=
		1 ||
	    hlen != 32) {
		err_set(e, "webauthn: SHA-256 failed");
		return -1;
	}
	if (CRYPTO_memcmp(h, ad->rp_hash, 32) != 0) {
		err_set(e, "authenticatorData: rp id hash does not match '%s'",
			rp_id);
		return -1;
	}
	if (!(ad->flags & FLAG_UP)) {
		err_set(e, "authenticatorData: user not present (UP flag "
			   "clear)");
		return -1;
	}
	if (require_uv && !(ad->flags & FLAG_UV)) {
		err_set(e, "authenticatorData: user not verified (UV flag "
			   "clear)");
		return -1;
	}
	return 0;
}

/* ---- keys and signatures ------------------------------------------------- */

/* Builds a key from OSSL_PARAMs of the named type and checks it (EC: a
 * point on the curve; RSA: SP 800-56B, so an odd e of at least 65537 and
 * an odd n without small factors); NULL if OpenSSL refuses it. */
static EVP_PKEY *
pkey_from(const char *type, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY_CTX *chk = NULL;
	EVP_PKEY *pk = NULL;

	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto fail;
	chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	if (chk == NULL || EVP_PKEY_public_check(chk) != 1) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
fail:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static EVP_PKEY *
pkey_p256(const unsigned char *x, const unsigned char *y)
{
	char group[] = "prime256v1";
	unsigned char pt[65];
	OSSL_PARAM params[3];

	pt[0] = 0x04; /* uncompressed point */
	memcpy(pt + 1, x, 32);
	memcpy(pt + 33, y, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						      pt, sizeof(pt));
	params[2] = OSSL_PARAM_construct_end();
	return pkey_from("EC", params);
}

static EVP_PKEY *
pkey_rsa(const struct cbor_item *n, const struct cbor_item *ex)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	BIGNUM *bn = BN_bin2bn(n->str, (int)n->len, NULL);
	BIGNUM *be = BN_bin2bn(ex->str, (int)ex->len, NULL);
	EVP_PKEY *pk = NULL;

	if (bld != NULL && bn != NULL && be != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) == 1 &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL)
		pk = pkey_from("RSA", params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return pk;
}

/* 1 if pk is the kind of key alg signs with. */
static int
pkey_fits(EVP_PKEY *pk, int alg)
{
	char group[32];
	size_t glen = 0;
	int bits = EVP_PKEY_get_bits(pk);

	switch (alg) {
	case WA_ALG_ES256:
		return EVP_PKEY_is_a(pk, "EC") &&
		       EVP_PKEY_get_utf8_string_param(
			   pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
			   &glen) == 1 &&
		       strcmp(group, "prime256v1") == 0;
	case WA_ALG_EDDSA:
		return EVP_PKEY_is_a(pk, "ED25519");
	case WA_ALG_RS256:
		return EVP_PKEY_is_a(pk, "RSA") && bits >= RSA_MIN_BITS &&
		       bits <= RSA_MAX_BITS;
	default:
		return 0;
	}
}

/* A byte string of exactly n bytes (n == 0: 1..max bytes) at label l of
 * the COSE key k; 0 or -1. */
static int
cose_bytes(const struct cbor_item *k, int64_t l, size_t n, size_t max,
	   struct cbor_item *v)
{
	if (cbor_map_int(k, l, v) != 1 || v->type != CBOR_BYTES)
		return -1;
	if (n != 0)
		return v->len == n ? 0 : -1;
	return v->len >= 1 && v->len <= max ? 0 : -1;
}

/*
 * Turns the COSE_Key cose into a checked public key and its COSE alg
 * (WebAuthn 6.5.1.1; RFC 9053 section 7, RFC 8230 for RSA). Only the
 * three supported pairings of kty, alg and curve are accepted.
 */
static EVP_PKEY *
cose_key(const struct cbor_item *cose, int *alg, struct err *e)
{
	struct cbor_item v, x, y;
	int64_t kty, a, crv;
	EVP_PKEY *pk = NULL;

	if (cbor_map_int(cose, COSE_KTY, &v) != 1 || cbor_int(&v, &kty) < 0 ||
	    cbor_map_int(cose, COSE_ALG, &v) != 1 || cbor_int(&v, &a) < 0) {
		err_set(e, "COSE key: kty or alg missing or malformed");
		return NULL;
	}
	if (a != WA_ALG_ES256 && a != WA_ALG_EDDSA && a != WA_ALG_RS256) {
		err_set(e, "COSE key: unsupported alg %lld", (long long)a);
		return NULL;
	}
	if ((a == WA_ALG_ES256 && kty != KTY_EC2) ||
	    (a == WA_ALG_EDDSA && kty != KTY_OKP) ||
	    (a == WA_ALG_RS256 && kty != KTY_RSA)) {
		err_set(e, "COSE key: kty %lld does not go with alg %lld",
			(long long)kty, (long long)a);
		return NULL;
	}
	if (kty != KTY_RSA &&
	    (cbor_map_int(cose, COSE_CRV, &v) != 1 || cbor_int(&v, &crv) < 0 ||
	     crv != (kty == KTY_EC2 ? CRV_P256 : CRV_ED25519))) {
		err_set(e, "COSE key: unsupported curve");
		return NULL;
	}
	switch (kty) {
	case KTY_EC2:
		if (cose_bytes(cose, COSE_X, 32, 0, &x) < 0 ||
		    cose_bytes(cose, COSE_Y, 32, 0, &y) < 0) {
			err_set(e, "COSE key: EC2 x or y malformed");
			return NULL;
		}
		pk = pkey_p256(x.str, y.str);
		break;
	case KTY_OKP:
		if (cose_bytes(cose, COSE_X, 32, 0, &x) < 0) {
			err_set(e, "COSE key: OKP x malformed");
			return NULL;
		}
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x.str,
						 x.len);
		break;
	default:
		if (cose_bytes(cose, COSE_CRV, 0, RSA_MAX_BITS / 8, &x) < 0 ||
		    cose_bytes(cose, COSE_X, 0, 8, &y) < 0) {
			err_set(e, "COSE key: RSA n or e malformed");
			return NULL;
		}
		pk = pkey_rsa(&x, &y);
		break;
	}
	ERR_clear_error();
	if (pk == NULL || !pkey_fits(pk, (int)a)) {
		EVP_PKEY_free(pk);
		err_set(e, "COSE key: not a valid %s public key",
			a == WA_ALG_ES256   ? "P-256"
			: a == WA_ALG_EDDSA ? "Ed25519"
					    : "RSA-2048..4096");
		return NULL;
	}
	*alg = (int)a;
	return pk;
}

/*
 * 1 if sig is alg's signature by pk over authData || clientDataHash, 0 if
 * not (or pk is not alg's kind of key).
 */
static int
verify_sig(EVP_PKEY *pk, int alg, const unsigned char *ad, size_t ad_len,
	   const unsigned char hash[32], const unsigned char *sig,
	   size_t sig_len)
{
	EVP_MD_CTX *md = NULL;
	unsigned char *msg;
	int ok = 0;

	if (!pkey_fits(pk, alg) || sig == NULL || sig_len == 0 ||
	    sig_len > WA_MAX_SIG)
		return 0;
	msg = xmalloc(ad_len + 32);
	memcpy(msg, ad, ad_len);
	memcpy(msg + ad_len, hash, 32);
	md = EVP_MD_CTX_new();
	/* Ed25519 hashes internally (no digest); ES256 signatures are DER,
	 * which OpenSSL requires in its one canonical form. */
	if (md != NULL &&
	    EVP_DigestVerifyInit(md, NULL,
				 alg == WA_ALG_EDDSA ? NULL : EVP_sha256(),
				 NULL, pk) == 1 &&
	    EVP_DigestVerify(md, sig, sig_len, msg, ad_len + 32) == 1)
		ok = 1;
	EVP_MD_CTX_free(md);
	free(msg);
	ERR_clear_error();
	return ok;
}

/* ---- attestation statements ---------------------------------------------- */

/*
 * Checks the form of a packed attestation certificate (WebAuthn 8.2.1):
 * version 3, subject OU "Authenticator Attestation", not a CA, and if it
 * carries the FIDO AAGUID extension, that it is not critical and equals
 * the AAGUID in authData. 0 or -1 with e set.
 */
static int
check_att_cert(X509 *x, const unsigned char aaguid[16], struct err *e)
{
	static const char ou[] = "Authenticator Attestation";
	const X509_NAME *subj = X509_get_subject_name(x);
	const X509_NAME_ENTRY *ne;
	const ASN1_STRING *s;
	BASIC_CONSTRAINTS *bc;
	ASN1_OBJECT *oid;
	int i, crit = 0, rc = -1;

	if (X509_get_version(x) != X509_VERSION_3) {
		err_set(e, "attStmt: x5c certificate is not version 3");
		return -1;
	}
	i = X509_NAME_get_index_by_NID(subj, NID_organizationalUnitName, -1);
	ne = i >= 0 ? X509_NAME_get_entry(subj, i) : NULL;
	s = ne != NULL ? X509_NAME_ENTRY_get_data(ne) : NULL;
	if (s == NULL || ASN1_STRING_length(s) != (int)strlen(ou) ||
	    memcmp(ASN1_STRING_get0_data(s), ou, strlen(ou)) != 0) {
		err_set(e, "attStmt: x5c certificate subject OU is not '%s'",
			ou);
		return -1;
	}
	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	if (bc == NULL && crit != -1) {
		err_set(e, "attStmt: x5c certificate basic constraints "
			   "malformed");
		return -1;
	}
	if (bc != NULL && bc->ca) {
		BASIC_CONSTRAINTS_free(bc);
		err_set(e, "attStmt: x5c certificate is a CA");
		return -1;
	}
	BASIC_CONSTRAINTS_free(bc);
	oid = OBJ_txt2obj(AAGUID_OID, 1);
	if (oid == NULL) {
		err_set(e, "webauthn: OpenSSL object failed");
		return -1;
	}
	i = X509_get_ext_by_OBJ(x, oid, -1);
	if (i >= 0) {
		X509_EXTENSION *ext = X509_get_ext(x, i);
		const ASN1_OCTET_STRING *d = X509_EXTENSION_get_data(ext);
		const unsigned char *p = ASN1_STRING_get0_data(d);

		/* The extension's value is itself an OCTET STRING of 16. */
		if (X509_EXTENSION_get_critical(ext) ||
		    X509_get_ext_by_OBJ(x, oid, i) >= 0 ||
		    ASN1_STRING_length(d) != 18 || p[0] != 0x04 || p[1] != 16 ||
		    CRYPTO_memcmp(p + 2, aaguid, 16) != 0) {
			err_set(e, "attStmt: x5c certificate AAGUID does not "
				   "match authenticatorData");
			goto fail;
		}
	}
	rc = 0;
fail:
	ASN1_OBJECT_free(oid);
	ERR_clear_error();
	return rc;
}

/*
 * Verifies a "packed" attestation statement (WebAuthn 8.2): self
 * attestation with the credential key, or a signature by the leaf of
 * x5c. The chain in x5c is not validated against any root (the gate has
 * no trust store for authenticator vendors), so this proves the statement
 * is consistent, not that the authenticator is of a known make.
 */
static int
check_packed(const struct cbor_item *st, const struct authdata *ad,
	     const unsigned char *auth, size_t auth_len,
	     const unsigned char hash[32], EVP_PKEY *cred_key, int cred_alg,
	     struct err *e)
{
	struct cbor_item v, sig, x5c, leaf;
	struct cbor_iter it;
	int64_t alg;
	EVP_PKEY *pk;
	X509 *x = NULL;
	const unsigned char *p;
	int rc, n = 0;

	if (cbor_map_str(st, "alg", &v) != 1 || cbor_int(&v, &alg) < 0 ||
	    cbor_map_str(st, "sig", &sig) != 1 || sig.type != CBOR_BYTES) {
		err_set(e, "attStmt: packed alg or sig missing or malformed");
		return -1;
	}
	if (cbor_map_str(st, "ecdaaKeyId", &v) != 0) {
		err_set(e, "attStmt: ECDAA attestation is not supported");
		return -1;
	}
	memset(&leaf, 0, sizeof(leaf));
	rc = cbor_map_str(st, "x5c", &x5c);
	if (rc < 0) {
		err_set(e, "attStmt: malformed x5c");
		return -1;
	}
	if (rc == 0) {
		if (alg != cred_alg) {
			err_set(e,
				"attStmt: self attestation alg %lld is not "
				"the credential's %d",
				(long long)alg, cred_alg);
			return -1;
		}
		if (!verify_sig(cred_key, cred_alg, auth, auth_len, hash,
				sig.str, sig.len)) {
			err_set(e, "attStmt: self attestation signature does "
				   "not verify");
			return -1;
		}
		return 0;
	}
	if (alg != WA_ALG_ES256 && alg != WA_ALG_EDDSA && alg != WA_ALG_RS256) {
		err_set(e, "attStmt: unsupported alg %lld", (long long)alg);
		return -1;
	}
	if (x5c.type != CBOR_ARRAY || x5c.arg < 1 || x5c.arg > X5C_MAX ||
	    cbor_iter_init(&it, &x5c) < 0) {
		err_set(e, "attStmt: x5c is not 1..%d certificates", X5C_MAX);
		return -1;
	}
	while ((rc = cbor_iter_next(&it, &v)) == 1) {
		if (v.type != CBOR_BYTES || v.len == 0 ||
		    v.len > (size_t)INT32_MAX) {
			err_set(e, "attStmt: x5c holds a non-certificate");
			return -1;
		}
		if (n++ == 0)
			leaf = v;
	}
	if (rc < 0 || n == 0) {
		err_set(e, "attStmt: malformed x5c");
		return -1;
	}
	p = leaf.str;
	x = d2i_X509(NULL, &p, (long)leaf.len);
	if (x == NULL || p != leaf.str + leaf.len) {
		X509_free(x);
		ERR_clear_error();
		err_set(e, "attStmt: x5c certificate does not parse");
		return -1;
	}
	rc = -1;
	if (check_att_cert(x, ad->aaguid, e) < 0)
		goto fail;
	pk = X509_get0_pubkey(x);
	if (pk == NULL || !pkey_fits(pk, (int)alg)) {
		err_set(e, "attStmt: x5c key does not go with alg %lld",
			(long long)alg);
		goto fail;
	}
	if (!verify_sig(pk, (int)alg, auth, auth_len, hash, sig.str, sig.len)) {
		err_set(e, "attStmt: attestation signature does not verify");
		goto fail;
	}
	rc = 0;
fail:
	X509_free(x);
	ERR_clear_error();
	return rc;
}

/* ---- registration and assertion ------------------------------------------ */

int
wa_register_verify(const unsigned char *client_data_json, size_t cdj_len,
		   const unsigned char *att_obj, size_t att_len,
		   const unsigned char *challenge, size_t ch_len,
		   const char *origin, const char *rp_id, bool require_uv,
		   struct wa_credential *out, struct err *e)
{
	struct wa_credential c;
	struct cbor_item top, fmt, st, auth;
	struct authdata ad;
	unsigned char hash[32], *der;
	EVP_PKEY *pk = NULL;
	int alg = 0, len, rc = -1;

	memset(&c, 0, sizeof(c));
	if (out == NULL) {
		err_set(e, "webauthn: no place for the credential");
		return -1;
	}
	if (check_client_data(client_data_json, cdj_len, "webauthn.create",
			      challenge, ch_len, origin, hash, e) < 0)
		return -1;
	if (att_obj == NULL || att_len == 0 || att_len > WA_MAX_ATT_OBJ) {
		err_set(e, "attestationObject: size %zu is not in 1..%d",
			att_len, WA_MAX_ATT_OBJ);
		return -1;
	}
	if (cbor_decode(att_obj, att_len, &top) < 0 || top.type != CBOR_MAP) {
		err_set(e, "attestationObject: not a well-formed CBOR map");
		return -1;
	}
	if (top.size != att_len) {
		err_set(e, "attestationObject: %zu trailing bytes",
			att_len - top.size);
		return -1;
	}
	if (cbor_map_str(&top, "fmt", &fmt) != 1 || fmt.type != CBOR_TEXT ||
	    cbor_map_str(&top, "attStmt", &st) != 1 || st.type != CBOR_MAP ||
	    cbor_map_str(&top, "authData", &auth) != 1 ||
	    auth.type != CBOR_BYTES) {
		err_set(e, "attestationObject: fmt, attStmt or authData "
			   "missing or malformed");
		return -1;
	}
	if (parse_authdata(auth.str, auth.len, &ad, e) < 0 ||
	    check_authdata(&ad, rp_id, require_uv, e) < 0)
		return -1;
	if (!(ad.flags & FLAG_AT)) {
		err_set(e, "authenticatorData: no attested credential data "
			   "(AT flag clear)");
		return -1;
	}
	pk = cose_key(&ad.cose, &alg, e);
	if (pk == NULL)
		return -1;
	if (fmt.len == 4 && memcmp(fmt.str, "none", 4) == 0) {
		if (st.arg != 0) {
			err_set(e, "attStmt: not empty for format 'none'");
			goto fail;
		}
	} else if (fmt.len == 6 && memcmp(fmt.str, "packed", 6) == 0) {
		if (check_packed(&st, &ad, auth.str, auth.len, hash, pk, alg,
				 e) < 0)
			goto fail;
	} else {
		char name[16], q[68];

		if (fmt.len >= sizeof(name))
			name[0] = '\0';
		else {
			memcpy(name, fmt.str, fmt.len);
			name[fmt.len] = '\0';
		}
		err_set(e,
			"attestationObject: unsupported attestation format "
			"'%s'",
			quote(name, q));
		goto fail;
	}
	len = i2d_PUBKEY(pk, NULL);
	if (len <= 0 || (size_t)len > sizeof(c.pubkey)) {
		err_set(e, "COSE key: public key does not fit %d bytes",
			WA_MAX_PUBKEY);
		goto fail;
	}
	der = c.pubkey;
	if (i2d_PUBKEY(pk, &der) != len) {
		err_set(e, "webauthn: DER encoding failed");
		goto fail;
	}
	c.pubkey_len = (size_t)len;
	memcpy(c.id, ad.cred_id, ad.cred_id_len);
	c.id_len = ad.cred_id_len;
	c.alg = alg;
	c.sign_count = ad.count;
	memcpy(c.aaguid, ad.aaguid, 16);
	c.user_verified = (ad.flags & FLAG_UV) != 0;
	c.backup_eligible = (ad.flags & FLAG_BE) != 0;
	c.backed_up = (ad.flags & FLAG_BS) != 0;
	memcpy(c.fmt, fmt.str, fmt.len);
	*out = c;
	rc = 0;
fail:
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return rc;
}

int
wa_assert_verify(const unsigned char *client_data_json, size_t cdj_len,
		 const unsigned char *auth_data, size_t ad_len,
		 const unsigned char *sig, size_t sig_len,
		 const unsigned char *challenge, size_t ch_len,
		 const char *origin, const char *rp_id, bool require_uv,
		 const struct wa_credential *cred, uint32_t *new_count,
		 struct err *e)
{
	struct authdata ad;
	unsigned char hash[32];
	const unsigned char *p;
	EVP_PKEY *pk;
	int ok;

	if (new_count == NULL || cred == NULL || cred->pubkey_len == 0 ||
	    cred->pubkey_len > sizeof(cred->pubkey)) {
		err_set(e, "webauthn: no stored credential key");
		return -1;
	}
	if (check_client_data(client_data_json, cdj_len, "webauthn.get",
			      challenge, ch_len, origin, hash, e) < 0)
		return -1;
	if (ad_len > WA_MAX_AUTH_DATA) {
		err_set(e, "authenticatorData: size %zu is over %d", ad_len,
			WA_MAX_AUTH_DATA);
		return -1;
	}
	if (parse_authdata(auth_data, ad_len, &ad, e) < 0 ||
	    check_authdata(&ad, rp_id, require_uv, e) < 0)
		return -1;
	if (ad.flags & FLAG_AT) {
		err_set(e, "authenticatorData: unexpected attested credential "
			   "data in an assertion");
		return -1;
	}
	p = cred->pubkey;
	pk = d2i_PUBKEY(NULL, &p, (long)cred->pubkey_len);
	if (pk == NULL || p != cred->pubkey + cred->pubkey_len) {
		EVP_PKEY_free(pk);
		ERR_clear_error();
		err_set(e, "webauthn: stored credential key does not parse");
		return -1;
	}
	ok = verify_sig(pk, cred->alg, auth_data, ad_len, hash, sig, sig_len);
	EVP_PKEY_free(pk);
	if (!ok) {
		err_set(e, "assertion: signature does not verify");
		return -1;
	}
	/* WebAuthn 7.2 step 21: a counter that does not grow means two
	 * authenticators hold the key (or one was reset); both zero means
	 * the authenticator keeps no counter. */
	if ((ad.count != 0 || cred->sign_count != 0) &&
	    ad.count <= cred->sign_count) {
		err_set(e, "assertion: sign count did not increase (cloned "
			   "authenticator?)");
		return -1;
	}
	*new_count = ad.count;
	return 0;
}
