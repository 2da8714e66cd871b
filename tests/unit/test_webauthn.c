/*
 * test_webauthn.c: unit tests of src/gate/webauthn.c and cbor.c. The test
 * plays the authenticator and the browser with OpenSSL (P-256, Ed25519
 * and RSA-2048 keys, its own CBOR encoder, self-signed attestation
 * certificates), then checks that wa_register_verify and wa_assert_verify
 * accept what is right and refuse each tampering with the reason named.
 * Published vectors captured from real browsers and authenticators (the
 * SimpleWebAuthn project's tests) check the module independently.
 *
 * With WA_CORPUS_DIR set, the program instead writes the seed corpus of
 * tests/fuzz/fuzz_webauthn.c into that directory (write_corpus), and
 * runs no tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gate/webauthn.h"

#define ORIGIN "https://gate.example.gov.cn"
#define RP_ID  "gate.example.gov.cn"

#define F_UP 0x01
#define F_UV 0x04
#define F_BE 0x08
#define F_BS 0x10
#define F_AT 0x40
#define F_ED 0x80

/* The challenge the "portal" issued: the fuzz harness uses the same. */
static unsigned char chal[32];

static void
chal_init(void)
{
	for (size_t i = 0; i < sizeof(chal); i++)
		chal[i] = (unsigned char)i;
}

static void
expect_msg(const struct err *e, const char *want)
{
	if (strstr(e->msg, want) == NULL)
		fail_msg("error '%s' does not say '%s'", e->msg, want);
}

/* ---- encoders of the test's own, independent of the code under test ---- */

/* Decodes base64 or base64url, padded or not, with OpenSSL. */
static size_t
unb64(const char *s, unsigned char *out, size_t max)
{
	static char t[8192];
	size_t n = 0;
	int len, pad = 0;

	for (; *s != '\0'; s++) {
		assert_true(n < sizeof(t) - 4);
		if (*s == '=')
			continue;
		t[n++] = *s == '-' ? '+' : *s == '_' ? '/' : *s;
	}
	while (n % 4 != 0) {
		t[n++] = '=';
		pad++;
	}
	assert_true(n / 4 * 3 <= max);
	len = EVP_DecodeBlock(out, (unsigned char *)t, (int)n);
	assert_true(len >= pad);
	return (size_t)(len - pad);
}

/* base64url without padding, with OpenSSL. */
static void
b64u(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	int len;

	assert_true(outlen >= (n + 2) / 3 * 4 + 1);
	len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	assert_true(len >= 0);
	for (int i = 0; i < len; i++) {
		char c = out[i];

		if (c == '=')
			break;
		out[o++] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	out[o] = '\0';
}

static void
put(struct buf *b, const void *p, size_t n)
{
	if (n > 0)
		assert_int_equal(buf_add(b, p, n), 0);
}

static void
cb_head(struct buf *b, int major, uint64_t v)
{
	unsigned char h[5];
	size_t n;

	if (v < 24) {
		h[0] = (unsigned char)(major << 5 | (int)v);
		n = 1;
	} else if (v < 0x100) {
		h[0] = (unsigned char)(major << 5 | 24);
		h[1] = (unsigned char)v;
		n = 2;
	} else if (v < 0x10000) {
		h[0] = (unsigned char)(major << 5 | 25);
		h[1] = (unsigned char)(v >> 8);
		h[2] = (unsigned char)v;
		n = 3;
	} else {
		h[0] = (unsigned char)(major << 5 | 26);
		for (int i = 0; i < 4; i++)
			h[1 + i] = (unsigned char)(v >> (24 - 8 * i));
		n = 5;
	}
	put(b, h, n);
}

static void
cb_int(struct buf *b, int64_t v)
{
	if (v >= 0)
		cb_head(b, 0, (uint64_t)v);
	else
		cb_head(b, 1, (uint64_t)(-1 - v));
}

static void
cb_bytes(struct buf *b, const void *p, size_t n)
{
	cb_head(b, 2, n);
	put(b, p, n);
}

static void
cb_text(struct buf *b, const char *s)
{
	cb_head(b, 3, strlen(s));
	put(b, s, strlen(s));
}

static const unsigned char *
U(const struct buf *b)
{
	return (const unsigned char *)b->data;
}

/* ---- the test authenticator -------------------------------------------- */

struct authn {
	EVP_PKEY *pk;
	int alg;
	unsigned char id[1100];
	unsigned char aaguid[16];
};

static EVP_PKEY *
key_new(int alg)
{
	EVP_PKEY *pk = alg == WA_ALG_ES256 ? EVP_EC_gen("P-256")
		       : alg == WA_ALG_EDDSA
			   ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
			   : EVP_RSA_gen(2048);

	assert_non_null(pk);
	return pk;
}

static void
authn_init(struct authn *a, int alg)
{
	memset(a, 0, sizeof(*a));
	a->pk = key_new(alg);
	a->alg = alg;
	for (size_t i = 0; i < sizeof(a->id); i++)
		a->id[i] = (unsigned char)(i * 7 + 3);
	for (size_t i = 0; i < sizeof(a->aaguid); i++)
		a->aaguid[i] = (unsigned char)(0xa0 + i);
}

static void
bn_bytes(EVP_PKEY *pk, const char *name, unsigned char *out, size_t *n)
{
	BIGNUM *bn = NULL;

	assert_int_equal(EVP_PKEY_get_bn_param(pk, name, &bn), 1);
	*n = (size_t)BN_bn2bin(bn, out);
	BN_free(bn);
}

/* The COSE_Key of pk, announcing alg; bad_point spoils an EC y. */
static void
cose_of(struct buf *b, EVP_PKEY *pk, int alg, int bad_point)
{
	unsigned char pt[600];
	size_t n = 0, m = 0;

	if (EVP_PKEY_is_a(pk, "EC")) {
		assert_int_equal(
		    EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY,
						    pt, sizeof(pt), &n),
		    1);
		assert_int_equal(n, 65);
		if (bad_point)
			pt[64] ^= 1;
		cb_head(b, 5, 5);
		cb_int(b, 1);
		cb_int(b, 2); /* kty EC2 */
		cb_int(b, 3);
		cb_int(b, alg);
		cb_int(b, -1);
		cb_int(b, 1); /* P-256 */
		cb_int(b, -2);
		cb_bytes(b, pt + 1, 32);
		cb_int(b, -3);
		cb_bytes(b, pt + 33, 32);
	} else if (EVP_PKEY_is_a(pk, "ED25519")) {
		n = sizeof(pt);
		assert_int_equal(EVP_PKEY_get_raw_public_key(pk, pt, &n), 1);
		cb_head(b, 5, 4);
		cb_int(b, 1);
		cb_int(b, 1); /* kty OKP */
		cb_int(b, 3);
		cb_int(b, alg);
		cb_int(b, -1);
		cb_int(b, 6); /* Ed25519 */
		cb_int(b, -2);
		cb_bytes(b, pt, n);
	} else {
		unsigned char ex[8];

		bn_bytes(pk, OSSL_PKEY_PARAM_RSA_N, pt, &n);
		bn_bytes(pk, OSSL_PKEY_PARAM_RSA_E, ex, &m);
		cb_head(b, 5, 4);
		cb_int(b, 1);
		cb_int(b, 3); /* kty RSA */
		cb_int(b, 3);
		cb_int(b, alg);
		cb_int(b, -1);
		cb_bytes(b, pt, n);
		cb_int(b, -2);
		cb_bytes(b, ex, m);
	}
}

/* Signs authData || SHA-256(clientDataJSON) as an authenticator does. */
static size_t
sign(EVP_PKEY *pk, int alg, const struct buf *ad, const struct buf *cdj,
     unsigned char *sig, size_t max)
{
	struct buf msg = BUF_INIT(1 << 20);
	unsigned char h[32];
	unsigned int hlen = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t len = max;

	assert_int_equal(
	    EVP_Digest(cdj->data, cdj->len, h, &hlen, EVP_sha256(), NULL), 1);
	put(&msg, ad->data, ad->len);
	put(&msg, h, sizeof(h));
	assert_non_null(md);
	assert_int_equal(
	    EVP_DigestSignInit(
		md, NULL, alg == WA_ALG_EDDSA ? NULL : EVP_sha256(), NULL, pk),
	    1);
	assert_int_equal(EVP_DigestSign(md, sig, &len, U(&msg), msg.len), 1);
	EVP_MD_CTX_free(md);
	buf_cleanup(&msg);
	return len;
}

/* A self-signed attestation certificate for key. */
static X509 *
att_cert(EVP_PKEY *key, const char *ou, const unsigned char *aaguid, int ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();

	assert_non_null(x);
	assert_non_null(n);
	assert_non_null(bc);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC,
				   (const unsigned char *)"CN", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
				   (const unsigned char *)"govsec test", -1, -1,
				   0);
	X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC,
				   (const unsigned char *)ou, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)"test batch", -1, -1,
				   0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_NAME_free(n);
	assert_int_equal(X509_set_pubkey(x, key), 1);
	bc->ca = ca ? 0xff : 0;
	assert_int_equal(X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1,
					   X509V3_ADD_DEFAULT),
			 1);
	BASIC_CONSTRAINTS_free(bc);
	if (aaguid != NULL) {
		unsigned char v[18] = {0x04, 16};
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		ASN1_OBJECT *o = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
		X509_EXTENSION *ext;

		memcpy(v + 2, aaguid, 16);
		assert_int_equal(ASN1_OCTET_STRING_set(os, v, sizeof(v)), 1);
		ext = X509_EXTENSION_create_by_OBJ(NULL, o, 0, os);
		assert_non_null(ext);
		assert_int_equal(X509_add_ext(x, ext, -1), 1);
		X509_EXTENSION_free(ext);
		ASN1_OBJECT_free(o);
		ASN1_OCTET_STRING_free(os);
	}
	assert_true(
	    X509_sign(x, key,
		      EVP_PKEY_is_a(key, "ED25519") ? NULL : EVP_sha256()) > 0);
	return x;
}

/* ---- registrations ------------------------------------------------------ */

enum stmt { ST_NONE, ST_SELF, ST_X5C, ST_JUNK };

/* A registration as browser and authenticator would make it, with knobs
 * for each tampering. reg_default() gives a valid one. */
struct reg {
	const char *type, *origin, *cdj_extra;
	const unsigned char *ch;
	size_t ch_len;
	const char *rp_id;
	unsigned int flags;
	uint32_t count;
	int cose_alg, bad_point;
	size_t id_len;
	int ext; /* 1 extensions with ED, 2 ED without, 3 without ED */
	const char *fmt;
	enum stmt stmt;
	EVP_PKEY *att_key; /* ST_SELF: NULL = the credential key */
	int att_alg;	   /* 0: the credential's */
	X509 *cert;
	int bad_sig;
};

static void
reg_default(struct reg *r, const struct authn *a)
{
	memset(r, 0, sizeof(*r));
	r->type = "webauthn.create";
	r->origin = ORIGIN;
	r->cdj_extra = ",\"crossOrigin\":false";
	r->ch = chal;
	r->ch_len = sizeof(chal);
	r->rp_id = RP_ID;
	r->flags = F_UP | F_UV | F_AT;
	r->cose_alg = a->alg;
	r->id_len = 32;
	r->fmt = "none";
	r->stmt = ST_NONE;
}

static void
cdj_make(struct buf *cdj, const char *type, const unsigned char *ch,
	 size_t ch_len, const char *origin, const char *extra)
{
	char c64[128];

	b64u(ch, ch_len, c64, sizeof(c64));
	assert_true(buf_printf(cdj,
			       "{\"type\":\"%s\",\"challenge\":\"%s\","
			       "\"origin\":\"%s\"%s}",
			       type, c64, origin, extra) >= 0);
}

static void
authdata_head(struct buf *ad, const char *rp_id, unsigned int flags,
	      uint32_t count)
{
	unsigned char h[32], c[4];
	unsigned int hlen = 0;

	assert_int_equal(
	    EVP_Digest(rp_id, strlen(rp_id), h, &hlen, EVP_sha256(), NULL), 1);
	put(ad, h, sizeof(h));
	put(ad, (unsigned char[]){(unsigned char)flags}, 1);
	for (int i = 0; i < 4; i++)
		c[i] = (unsigned char)(count >> (24 - 8 * i));
	put(ad, c, sizeof(c));
}

static void
reg_build(const struct reg *r, const struct authn *a, struct buf *cdj,
	  struct buf *att)
{
	struct buf ad = BUF_INIT(1 << 20);
	unsigned char sig[1024];
	size_t sig_len = 0;
	unsigned int flags = r->flags;
	int att_alg = r->att_alg != 0 ? r->att_alg : a->alg;

	cdj_make(cdj, r->type, r->ch, r->ch_len, r->origin, r->cdj_extra);
	if (r->ext == 1 || r->ext == 2)
		flags |= F_ED;
	authdata_head(&ad, r->rp_id, flags, r->count);
	if (flags & F_AT) {
		put(&ad, a->aaguid, 16);
		put(&ad,
		    (unsigned char[]){(unsigned char)(r->id_len >> 8),
				      (unsigned char)r->id_len},
		    2);
		put(&ad, a->id, r->id_len);
		cose_of(&ad, a->pk, r->cose_alg, r->bad_point);
	}
	if (r->ext == 1 || r->ext == 3) {
		cb_head(&ad, 5, 1);
		cb_text(&ad, "credProtect");
		cb_int(&ad, 2);
	}
	if (r->stmt == ST_SELF || r->stmt == ST_X5C) {
		sig_len = sign(r->att_key != NULL ? r->att_key : a->pk, att_alg,
			       &ad, cdj, sig, sizeof(sig));
		if (r->bad_sig)
			sig[sig_len / 2] ^= 0x01;
	}
	cb_head(att, 5, 3);
	cb_text(att, "fmt");
	cb_text(att, r->fmt);
	cb_text(att, "attStmt");
	switch (r->stmt) {
	case ST_NONE:
		cb_head(att, 5, 0);
		break;
	case ST_JUNK:
		cb_head(att, 5, 1);
		cb_text(att, "alg");
		cb_int(att, -7);
		break;
	case ST_SELF:
	case ST_X5C: {
		unsigned char der[4096], *p = der;
		int len;

		cb_head(att, 5, r->stmt == ST_SELF ? 2 : 3);
		cb_text(att, "alg");
		cb_int(att, att_alg);
		cb_text(att, "sig");
		cb_bytes(att, sig, sig_len);
		if (r->stmt == ST_X5C) {
			len = i2d_X509(r->cert, NULL);
			assert_true(len > 0 && (size_t)len <= sizeof(der));
			assert_int_equal(i2d_X509(r->cert, &p), len);
			cb_text(att, "x5c");
			cb_head(att, 4, 1);
			cb_bytes(att, der, (size_t)len);
		}
		break;
	}
	}
	cb_text(att, "authData");
	cb_bytes(att, ad.data, ad.len);
	buf_cleanup(&ad);
}

/* Builds r and verifies it against the portal's expectations. */
static int
reg_run(const struct reg *r, const struct authn *a, bool uv,
	struct wa_credential *out, struct err *e)
{
	struct buf cdj = BUF_INIT(1 << 20), att = BUF_INIT(1 << 20);
	int rc;

	reg_build(r, a, &cdj, &att);
	rc = wa_register_verify(U(&cdj), cdj.len, U(&att), att.len, chal,
				sizeof(chal), ORIGIN, RP_ID, uv, out, e);
	buf_cleanup(&cdj);
	buf_cleanup(&att);
	return rc;
}

static void
reg_ok(const struct reg *r, const struct authn *a, bool uv,
       struct wa_credential *out)
{
	struct err e = {{0}};

	if (reg_run(r, a, uv, out, &e) != 0)
		fail_msg("registration refused: %s", e.msg);
}

static void
reg_fails(const struct reg *r, const struct authn *a, bool uv, const char *want)
{
	struct wa_credential c;
	struct err e = {{0}};

	memset(&c, 0x5a, sizeof(c));
	assert_int_equal(reg_run(r, a, uv, &c, &e), -1);
	expect_msg(&e, want);
	assert_int_equal(c.id_len, (size_t)0x5a5a5a5a5a5a5a5aULL);
}

/* ---- assertions --------------------------------------------------------- */

struct asr {
	const char *type, *origin;
	const unsigned char *ch;
	size_t ch_len;
	const char *rp_id;
	unsigned int flags;
	uint32_t count;
	int bad_sig;
	EVP_PKEY *signer; /* NULL: the credential key */
};

static void
asr_default(struct asr *s, uint32_t count)
{
	memset(s, 0, sizeof(*s));
	s->type = "webauthn.get";
	s->origin = ORIGIN;
	s->ch = chal;
	s->ch_len = sizeof(chal);
	s->rp_id = RP_ID;
	s->flags = F_UP | F_UV;
	s->count = count;
}

static void
asr_build(const struct asr *s, const struct authn *a, struct buf *cdj,
	  struct buf *ad, unsigned char *sig, size_t *sig_len)
{
	cdj_make(cdj, s->type, s->ch, s->ch_len, s->origin,
		 ",\"crossOrigin\":false");
	authdata_head(ad, s->rp_id, s->flags, s->count);
	*sig_len = sign(s->signer != NULL ? s->signer : a->pk, a->alg, ad, cdj,
			sig, 1024);
	if (s->bad_sig)
		sig[*sig_len - 3] ^= 0x10;
}

static int
asr_run(const struct asr *s, const struct authn *a,
	const struct wa_credential *cred, bool uv, uint32_t *nc, struct err *e)
{
	struct buf cdj = BUF_INIT(1 << 20), ad = BUF_INIT(1 << 20);
	unsigned char sig[1024];
	size_t sig_len;
	int rc;

	asr_build(s, a, &cdj, &ad, sig, &sig_len);
	rc = wa_assert_verify(U(&cdj), cdj.len, U(&ad), ad.len, sig, sig_len,
			      chal, sizeof(chal), ORIGIN, RP_ID, uv, cred, nc,
			      e);
	buf_cleanup(&cdj);
	buf_cleanup(&ad);
	return rc;
}

static void
asr_fails(const struct asr *s, const struct authn *a,
	  const struct wa_credential *cred, bool uv, const char *want)
{
	struct err e = {{0}};
	uint32_t nc = 0xdeadbeef;

	assert_int_equal(asr_run(s, a, cred, uv, &nc, &e), -1);
	expect_msg(&e, want);
	assert_int_equal(nc, 0xdeadbeef);
}

/* ---- base64url and CBOR ------------------------------------------------- */

static void
test_b64url(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
	    /* RFC 4648 section 10, without padding */
	    {"", ""},
	    {"f", "Zg"},
	    {"fo", "Zm8"},
	    {"foo", "Zm9v"},
	    {"foob", "Zm9vYg"},
	    {"fooba", "Zm9vYmE"},
	    {"foobar", "Zm9vYmFy"},
	};
	static const char *bad[] = {"Zg==", "Zm9v+",  "Zm9/", "Z",
				    "Zh",   "Zm9",    "Zm 9", "Zm9v\n",
				    "Zg=",  "Zm-w_A="};
	static const unsigned char url[] = {0xfb, 0xff, 0xbf};
	unsigned char d[64];
	char s[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		size_t n = strlen(v[i].in);

		assert_int_equal(
		    b64url_encode((const unsigned char *)v[i].in, n, s,
				     sizeof(s)),
		    (int)strlen(v[i].out));
		assert_string_equal(s, v[i].out);
		assert_int_equal(
		    b64url_decode(v[i].out, strlen(v[i].out), d, sizeof(d)),
		    (int)n);
		assert_memory_equal(d, v[i].in, n);
	}
	/* the URL alphabet: '-' and '_' where base64 has '+' and '/' */
	assert_int_equal(b64url_encode(url, 3, s, sizeof(s)), 4);
	assert_string_equal(s, "-_-_");
	assert_int_equal(b64url_decode("-_-_", 4, d, sizeof(d)), 3);
	assert_memory_equal(d, url, 3);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (b64url_decode(bad[i], strlen(bad[i]), d, sizeof(d)) !=
		    -1)
			fail_msg("'%s' decoded", bad[i]);
	/* limits: "Zm9vYmFy" is 6 bytes; "foobar" needs 9 characters */
	assert_int_equal(b64url_decode("Zm9vYmFy", 8, d, 5), -1);
	assert_int_equal(b64url_decode("Zm9vYmFy", 8, d, 6), 6);
	assert_int_equal(
	    b64url_encode((const unsigned char *)"foobar", 6, s, 8), -1);
	assert_int_equal(
	    b64url_encode((const unsigned char *)"foobar", 6, s, 9), 8);
	/* the length given is what counts, not a NUL */
	assert_int_equal(b64url_decode("Zm9vYmFy", 4, d, sizeof(d)), 3);
}

static int
dec(const unsigned char *p, size_t n, struct cbor_item *it)
{
	return cbor_decode(p, n, it);
}
#define DEC(it, ...)                                                           \
	dec((const unsigned char[]){__VA_ARGS__},                              \
	    sizeof((const unsigned char[]){__VA_ARGS__}), (it))

static void
test_cbor(void **state)
{
	struct cbor_item it, v;
	struct cbor_iter iter;
	unsigned char deep[40];
	int64_t x;

	(void)state;
	assert_int_equal(DEC(&it, 0x17), 0);
	assert_int_equal(it.type, CBOR_UINT);
	assert_int_equal(it.arg, 23);
	assert_int_equal(DEC(&it, 0x19, 0x01, 0x00, 0xff), 0);
	assert_int_equal(it.arg, 256);
	assert_int_equal(it.size, 3); /* the 0xff after is not its */
	assert_int_equal(DEC(&it, 0x38, 0x63), 0);
	assert_int_equal(cbor_int(&it, &x), 0);
	assert_int_equal(x, -100);
	assert_int_equal(DEC(&it, 0x3b, 0x80, 0, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(cbor_int(&it, &x), -1); /* below INT64_MIN */
	assert_int_equal(
	    DEC(&it, 0x1b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 0);
	assert_int_equal(cbor_int(&it, &x), 0);
	assert_true(x == INT64_MAX);
	assert_int_equal(DEC(&it, 0x42, 0x01, 0x02), 0);
	assert_int_equal(it.type, CBOR_BYTES);
	assert_int_equal(it.len, 2);
	assert_int_equal(it.str[1], 0x02);
	assert_int_equal(cbor_int(&it, &x), -1);
	assert_int_equal(DEC(&it, 0x62, 0xc3, 0xa9), 0); /* "é" */
	assert_int_equal(it.type, CBOR_TEXT);
	assert_int_equal(DEC(&it, 0xf4), 0);
	assert_int_equal(it.type, CBOR_SIMPLE);
	assert_int_equal(DEC(&it, 0xf9, 0x3c, 0x00), 0);
	assert_int_equal(it.type, CBOR_FLOAT);
	assert_int_equal(DEC(&it, 0xfb, 0, 0, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(it.size, 9);

	/* refused: truncation, lengths past the end, indefinite lengths,
	 * tags, reserved and unassigned encodings, bad UTF-8 */
	assert_int_equal(cbor_decode((const unsigned char *)"", 0, &it), -1);
	assert_int_equal(DEC(&it, 0x19, 0x01), -1);
	assert_int_equal(DEC(&it, 0x43, 0x01, 0x02), -1);
	assert_int_equal(DEC(&it, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			     0xff, 0xff, 0x00),
			 -1);
	assert_int_equal(DEC(&it, 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			     0xff, 0xff, 0x00),
			 -1);
	assert_int_equal(DEC(&it, 0xbb, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff,
			     0xff, 0xff, 0x00, 0x00),
			 -1);
	assert_int_equal(DEC(&it, 0xa2, 0x01, 0x02, 0x03), -1);
	assert_int_equal(DEC(&it, 0x5f, 0x41, 0x00, 0xff), -1);
	assert_int_equal(DEC(&it, 0x9f, 0x01, 0xff), -1);
	assert_int_equal(DEC(&it, 0xbf, 0x01, 0x02, 0xff), -1);
	assert_int_equal(DEC(&it, 0xc0, 0x61, 0x61), -1);
	assert_int_equal(DEC(&it, 0xd8, 0x18, 0x41, 0x00), -1);
	assert_int_equal(DEC(&it, 0x1c), -1);
	assert_int_equal(DEC(&it, 0x1f), -1);
	assert_int_equal(DEC(&it, 0xf0), -1);
	assert_int_equal(DEC(&it, 0xf8, 0x20), -1);
	assert_int_equal(DEC(&it, 0xff), -1);
	assert_int_equal(DEC(&it, 0xfa, 0x00, 0x00), -1);
	assert_int_equal(DEC(&it, 0x62, 0xc3, 0x28), -1);
	assert_int_equal(DEC(&it, 0x62, 0xc0, 0x80), -1);	/* overlong */
	assert_int_equal(DEC(&it, 0x63, 0xed, 0xa0, 0x80), -1); /* surrogate */
	assert_int_equal(DEC(&it, 0x64, 0xf4, 0x90, 0x80, 0x80), -1);

	/* nesting: 16 arrays around an integer is the limit */
	memset(deep, 0x81, sizeof(deep));
	deep[16] = 0x01;
	assert_int_equal(cbor_decode(deep, 17, &it), 0);
	deep[16] = 0x81;
	deep[17] = 0x01;
	assert_int_equal(cbor_decode(deep, 18, &it), -1);
	assert_int_equal(cbor_decode(deep, sizeof(deep), &it), -1);

	/* walking and looking up */
	assert_int_equal(DEC(&it, 0x83, 0x01, 0x61, 0x61, 0x81, 0x02), 0);
	assert_int_equal(it.type, CBOR_ARRAY);
	assert_int_equal(cbor_iter_init(&iter, &it), 0);
	assert_int_equal(cbor_iter_next(&iter, &v), 1);
	assert_int_equal(v.type, CBOR_UINT);
	assert_int_equal(cbor_iter_next(&iter, &v), 1);
	assert_int_equal(v.type, CBOR_TEXT);
	assert_int_equal(cbor_iter_next(&iter, &v), 1);
	assert_int_equal(v.type, CBOR_ARRAY);
	assert_int_equal(cbor_iter_next(&iter, &v), 0);
	assert_int_equal(cbor_map_str(&it, "a", &v), -1); /* not a map */
	assert_int_equal(DEC(&it, 0xa3, 0x63, 'f', 'm', 't', 0x01, 0x21, 0x02,
			     0x41, 0x00, 0xf6),
			 0);
	assert_int_equal(cbor_map_str(&it, "fmt", &v), 1);
	assert_int_equal(v.arg, 1);
	assert_int_equal(cbor_map_int(&it, -2, &v), 1);
	assert_int_equal(v.arg, 2);
	assert_int_equal(cbor_map_str(&it, "fm", &v), 0);
	assert_int_equal(cbor_map_int(&it, 2, &v), 0);
	assert_int_equal(DEC(&it, 0xa2, 0x61, 'a', 0x01, 0x61, 'a', 0x02), 0);
	assert_int_equal(cbor_map_str(&it, "a", &v), -1); /* twice */
	assert_int_equal(DEC(&it, 0xa2, 0x01, 0x01, 0x01, 0x02), 0);
	assert_int_equal(cbor_map_int(&it, 1, &v), -1);
}

static void
test_challenge(void **state)
{
	unsigned char a[64], b[64];

	(void)state;
	assert_int_equal(wa_challenge(a, 15), -1);
	assert_int_equal(wa_challenge(a, 65), -1);
	assert_int_equal(wa_challenge(a, 16), 0);
	assert_int_equal(wa_challenge(a, 64), 0);
	assert_int_equal(wa_challenge(b, 64), 0);
	assert_memory_not_equal(a, b, 64);
}

/* ---- registration ------------------------------------------------------- */

static void
check_cred(const struct wa_credential *c, const struct authn *a,
	   const char *fmt)
{
	unsigned char der[WA_MAX_PUBKEY], *p = der;
	int len = i2d_PUBKEY(a->pk, &p);

	assert_int_equal(c->id_len, 32);
	assert_memory_equal(c->id, a->id, 32);
	assert_int_equal(c->alg, a->alg);
	assert_true(len > 0);
	assert_int_equal(c->pubkey_len, (size_t)len);
	assert_memory_equal(c->pubkey, der, (size_t)len);
	assert_memory_equal(c->aaguid, a->aaguid, 16);
	assert_string_equal(c->fmt, fmt);
}

/* Every algorithm, attestation none and packed self attestation, and
 * then a login with the credential registered. */
static void
test_register_and_login(void **state)
{
	static const int algs[] = {WA_ALG_ES256, WA_ALG_EDDSA, WA_ALG_RS256};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
		struct authn a;
		struct reg r;
		struct asr s;
		struct wa_credential c;
		struct err e = {{0}};
		uint32_t nc = 0;

		authn_init(&a, algs[i]);
		reg_default(&r, &a);
		reg_ok(&r, &a, true, &c);
		check_cred(&c, &a, "none");
		assert_true(c.user_verified);
		assert_int_equal(c.sign_count, 0);

		reg_default(&r, &a);
		r.fmt = "packed";
		r.stmt = ST_SELF;
		r.count = 5;
		r.flags = F_UP | F_AT | F_BE | F_BS;
		reg_ok(&r, &a, false, &c);
		check_cred(&c, &a, "packed");
		assert_false(c.user_verified);
		assert_true(c.backup_eligible);
		assert_true(c.backed_up);
		assert_int_equal(c.sign_count, 5);

		asr_default(&s, 6);
		if (asr_run(&s, &a, &c, true, &nc, &e) != 0)
			fail_msg("alg %d: login refused: %s", algs[i], e.msg);
		assert_int_equal(nc, 6);
		/* the same count again is a replay or a clone */
		c.sign_count = nc;
		asr_fails(&s, &a, &c, true, "sign count did not increase");
		s.bad_sig = 1;
		s.count = 7;
		asr_fails(&s, &a, &c, true, "signature does not verify");
		EVP_PKEY_free(a.pk);
	}
}

static void
test_register_refusals(void **state)
{
	static const unsigned char other[32] = {1};
	struct authn a, b;
	struct reg r;
	struct wa_credential c;
	struct buf cdj = BUF_INIT(1 << 20), att = BUF_INIT(1 << 20);
	struct err e = {{0}};
	char big[5000];

	(void)state;
	authn_init(&a, WA_ALG_ES256);
	authn_init(&b, WA_ALG_ES256);

	/* clientDataJSON */
	reg_default(&r, &a);
	r.ch = other;
	reg_fails(&r, &a, false, "clientDataJSON: challenge does not match");
	reg_default(&r, &a);
	r.ch_len = 31;
	reg_fails(&r, &a, false, "clientDataJSON: challenge does not match");
	reg_default(&r, &a);
	r.origin = "https://gate.example.gov.cn.evil.example";
	reg_fails(&r, &a, false,
		  "clientDataJSON: origin "
		  "'https://gate.example.gov.cn.evil.example' does not match");
	reg_default(&r, &a);
	r.origin = "http://gate.example.gov.cn";
	reg_fails(&r, &a, false, "does not match");
	reg_default(&r, &a);
	r.type = "webauthn.get";
	reg_fails(&r, &a, false,
		  "clientDataJSON: type is not 'webauthn.create'");
	reg_default(&r, &a);
	r.cdj_extra = ",\"crossOrigin\":true";
	reg_fails(&r, &a, false, "crossOrigin");
	reg_default(&r, &a);
	r.cdj_extra = ",\"crossOrigin\":\"no\"";
	reg_fails(&r, &a, false, "crossOrigin");
	reg_default(&r, &a);
	r.cdj_extra =
	    ",\"tokenBinding\":{\"status\":\"present\",\"id\":\"AA\"}";
	reg_fails(&r, &a, false, "token binding");
	reg_default(&r, &a);
	r.cdj_extra = ",\"type\":\"webauthn.create\"";
	reg_fails(&r, &a, false, "clientDataJSON: not a JSON object");
	reg_default(&r, &a);
	memset(big, 'x', sizeof(big));
	memcpy(big, ",\"pad\":\"", 8);
	memcpy(big + sizeof(big) - 2, "\"", 2);
	r.cdj_extra = big;
	reg_fails(&r, &a, false, "clientDataJSON: size");
	/* what a browser may add is fine */
	reg_default(&r, &a);
	r.cdj_extra = ",\"crossOrigin\":false,\"tokenBinding\":{\"status\":"
		      "\"supported\"},\"other_keys_can_be_added_here\":\"x\"";
	reg_ok(&r, &a, true, &c);

	/* authenticator data */
	reg_default(&r, &a);
	r.rp_id = "example.gov.cn";
	reg_fails(&r, &a, false,
		  "authenticatorData: rp id hash does not "
		  "match");
	reg_default(&r, &a);
	r.flags = F_UV | F_AT;
	reg_fails(&r, &a, false, "user not present");
	reg_default(&r, &a);
	r.flags = F_UP | F_AT;
	reg_fails(&r, &a, true, "user not verified");
	reg_ok(&r, &a, false, &c);
	reg_default(&r, &a);
	r.flags = F_UP | F_UV;
	reg_fails(&r, &a, false, "AT flag clear");
	reg_default(&r, &a);
	r.id_len = 1024;
	reg_fails(&r, &a, false, "credential id length 1024");
	reg_default(&r, &a);
	r.id_len = 0;
	reg_fails(&r, &a, false, "credential id length 0");
	reg_default(&r, &a);
	r.id_len = 1023;
	reg_ok(&r, &a, false, &c);
	assert_int_equal(c.id_len, 1023);
	assert_memory_equal(c.id, a.id, 1023);
	reg_default(&r, &a);
	r.ext = 1;
	reg_ok(&r, &a, false, &c);
	r.ext = 2;
	reg_fails(&r, &a, false, "extensions are not a CBOR map");
	r.ext = 3;
	reg_fails(&r, &a, false, "authenticatorData: 14 trailing bytes");

	/* the credential key */
	reg_default(&r, &a);
	r.cose_alg = -35; /* ES384 */
	reg_fails(&r, &a, false, "COSE key: unsupported alg -35");
	reg_default(&r, &a);
	r.cose_alg = -37; /* PS256 */
	reg_fails(&r, &a, false, "COSE key: unsupported alg -37");
	reg_default(&r, &a);
	r.cose_alg = WA_ALG_RS256;
	reg_fails(&r, &a, false, "COSE key: kty 2 does not go with alg -257");
	reg_default(&r, &a);
	r.bad_point = 1;
	reg_fails(&r, &a, false, "COSE key: not a valid P-256 public key");

	/* attestation statements */
	reg_default(&r, &a);
	r.fmt = "tpm";
	reg_fails(&r, &a, false,
		  "attestationObject: unsupported attestation format 'tpm'");
	r.fmt = "fido-u2f";
	reg_fails(&r, &a, false, "format 'fido-u2f'");
	reg_default(&r, &a);
	r.stmt = ST_JUNK;
	reg_fails(&r, &a, false, "attStmt: not empty for format 'none'");
	reg_default(&r, &a);
	r.fmt = "packed";
	r.stmt = ST_SELF;
	r.bad_sig = 1;
	reg_fails(&r, &a, false, "self attestation signature does not verify");
	reg_default(&r, &a);
	r.fmt = "packed";
	r.stmt = ST_SELF;
	r.att_key = b.pk; /* signed by another key */
	reg_fails(&r, &a, false, "self attestation signature does not verify");
	reg_default(&r, &a);
	r.fmt = "packed";
	r.stmt = ST_NONE; /* packed without alg and sig */
	reg_fails(&r, &a, false, "packed alg or sig missing");
	reg_default(&r, &a);
	r.fmt = "packed";
	r.stmt = ST_SELF;
	r.att_key = key_new(WA_ALG_RS256);
	r.att_alg = WA_ALG_RS256;
	reg_fails(&r, &a, false,
		  "self attestation alg -257 is not the "
		  "credential's -7");
	EVP_PKEY_free(r.att_key);

	/* the CBOR of the attestation object */
	reg_default(&r, &a);
	reg_build(&r, &a, &cdj, &att);
	assert_int_equal(wa_register_verify(U(&cdj), cdj.len, U(&att), att.len,
					    chal, sizeof(chal), ORIGIN, RP_ID,
					    false, &c, &e),
			 0);
	for (size_t cut = 0; cut < att.len; cut += cut < 40 ? 1 : 17) {
		assert_int_equal(wa_register_verify(U(&cdj), cdj.len, U(&att),
						    cut, chal, sizeof(chal),
						    ORIGIN, RP_ID, false, &c,
						    &e),
				 -1);
	}
	assert_int_equal(wa_register_verify(U(&cdj), cdj.len, U(&att),
					    att.len - 1, chal, sizeof(chal),
					    ORIGIN, RP_ID, false, &c, &e),
			 -1);
	expect_msg(&e, "attestationObject: not a well-formed CBOR map");
	put(&att, "\0", 1);
	assert_int_equal(wa_register_verify(U(&cdj), cdj.len, U(&att), att.len,
					    chal, sizeof(chal), ORIGIN, RP_ID,
					    false, &c, &e),
			 -1);
	expect_msg(&e, "attestationObject: 1 trailing bytes");
	/* an indefinite-length map, as a lax encoder might write */
	att.data[0] = (char)0xbf;
	att.data[att.len - 1] = (char)0xff;
	assert_int_equal(wa_register_verify(U(&cdj), cdj.len, U(&att), att.len,
					    chal, sizeof(chal), ORIGIN, RP_ID,
					    false, &c, &e),
			 -1);
	expect_msg(&e, "not a well-formed CBOR map");
	/* the caller's side: a challenge too short or absent */
	assert_int_equal(wa_register_verify(U(&cdj), cdj.len, U(&att), att.len,
					    chal, 8, ORIGIN, RP_ID, false, &c,
					    &e),
			 -1);
	assert_int_equal(wa_register_verify(U(&cdj), cdj.len, U(&att), att.len,
					    NULL, 0, ORIGIN, RP_ID, false, &c,
					    &e),
			 -1);
	assert_int_equal(wa_register_verify(NULL, 0, NULL, 0, chal,
					    sizeof(chal), ORIGIN, RP_ID, false,
					    &c, &e),
			 -1);
	buf_cleanup(&cdj);
	buf_cleanup(&att);
	EVP_PKEY_free(a.pk);
	EVP_PKEY_free(b.pk);
}

/* Packed attestation with a certificate (x5c). */
static void
test_register_x5c(void **state)
{
	static const unsigned char wrong[16] = {0xee};
	static const int algs[] = {WA_ALG_ES256, WA_ALG_RS256, WA_ALG_EDDSA};
	struct authn a;
	struct reg r;
	struct wa_credential c;
	EVP_PKEY *ak, *other;

	(void)state;
	authn_init(&a, WA_ALG_ES256);
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
		ak = key_new(algs[i]);
		reg_default(&r, &a);
		r.fmt = "packed";
		r.stmt = ST_X5C;
		r.att_key = ak;
		r.att_alg = algs[i];
		r.cert = att_cert(ak, "Authenticator Attestation", a.aaguid, 0);
		reg_ok(&r, &a, true, &c);
		check_cred(&c, &a, "packed");
		r.bad_sig = 1;
		reg_fails(&r, &a, false,
			  "attStmt: attestation signature does not verify");
		X509_free(r.cert);
		EVP_PKEY_free(ak);
	}

	ak = key_new(WA_ALG_ES256);
	other = key_new(WA_ALG_ES256);
	reg_default(&r, &a);
	r.fmt = "packed";
	r.stmt = ST_X5C;
	r.att_key = ak;
	r.att_alg = WA_ALG_ES256;
	/* no AAGUID extension is allowed */
	r.cert = att_cert(ak, "Authenticator Attestation", NULL, 0);
	reg_ok(&r, &a, true, &c);
	X509_free(r.cert);
	r.cert = att_cert(ak, "Authenticator Attestation", wrong, 0);
	reg_fails(&r, &a, false, "AAGUID does not match");
	X509_free(r.cert);
	r.cert = att_cert(ak, "Sales", a.aaguid, 0);
	reg_fails(&r, &a, false,
		  "subject OU is not 'Authenticator "
		  "Attestation'");
	X509_free(r.cert);
	r.cert = att_cert(ak, "Authenticator Attestation", a.aaguid, 1);
	reg_fails(&r, &a, false, "x5c certificate is a CA");
	X509_free(r.cert);
	/* a certificate for one key, a signature by another */
	r.cert = att_cert(other, "Authenticator Attestation", a.aaguid, 0);
	reg_fails(&r, &a, false, "attestation signature does not verify");
	/* an alg that does not go with the certificate's key */
	r.att_key = key_new(WA_ALG_RS256);
	r.att_alg = WA_ALG_RS256;
	reg_fails(&r, &a, false, "key does not go with alg -257");
	EVP_PKEY_free(r.att_key);
	X509_free(r.cert);
	EVP_PKEY_free(ak);
	EVP_PKEY_free(other);
	EVP_PKEY_free(a.pk);
}

/* ---- assertions --------------------------------------------------------- */

static void
test_assert_refusals(void **state)
{
	static const unsigned char other[32] = {9};
	struct authn a, b;
	struct reg r;
	struct asr s;
	struct wa_credential c, c2;
	struct buf cdj = BUF_INIT(1 << 20), ad = BUF_INIT(1 << 20);
	unsigned char sig[1024];
	size_t sig_len;
	struct err e = {{0}};
	uint32_t nc = 0;

	(void)state;
	authn_init(&a, WA_ALG_ES256);
	authn_init(&b, WA_ALG_ES256);
	reg_default(&r, &a);
	reg_ok(&r, &a, false, &c);
	assert_int_equal(c.sign_count, 0);

	/* an authenticator without a counter: both zero is fine */
	asr_default(&s, 0);
	assert_int_equal(asr_run(&s, &a, &c, false, &nc, &e), 0);
	assert_int_equal(nc, 0);
	/* the stored count 10 and the authenticator's 0, 9, 10: clones */
	c.sign_count = 10;
	asr_fails(&s, &a, &c, false,
		  "sign count did not increase (cloned "
		  "authenticator?)");
	s.count = 9;
	asr_fails(&s, &a, &c, false, "sign count did not increase");
	s.count = 10;
	asr_fails(&s, &a, &c, false, "sign count did not increase");
	s.count = 0xffffffff;
	assert_int_equal(asr_run(&s, &a, &c, false, &nc, &e), 0);
	assert_int_equal(nc, 0xffffffff);

	asr_default(&s, 11);
	s.ch = other;
	asr_fails(&s, &a, &c, false,
		  "clientDataJSON: challenge does not "
		  "match");
	asr_default(&s, 11);
	s.type = "webauthn.create";
	asr_fails(&s, &a, &c, false, "type is not 'webauthn.get'");
	asr_default(&s, 11);
	s.origin = "https://evil.example";
	asr_fails(&s, &a, &c, false, "origin 'https://evil.example' does not");
	asr_default(&s, 11);
	s.rp_id = "evil.example";
	asr_fails(&s, &a, &c, false, "rp id hash does not match");
	asr_default(&s, 11);
	s.flags = F_UV;
	asr_fails(&s, &a, &c, false, "user not present");
	asr_default(&s, 11);
	s.flags = F_UP;
	asr_fails(&s, &a, &c, true, "user not verified");
	assert_int_equal(asr_run(&s, &a, &c, false, &nc, &e), 0);
	asr_default(&s, 11);
	s.bad_sig = 1;
	asr_fails(&s, &a, &c, false, "assertion: signature does not verify");
	asr_default(&s, 11);
	s.signer = b.pk;
	asr_fails(&s, &a, &c, false, "assertion: signature does not verify");
	/* a stored alg that does not go with the stored key */
	c2 = c;
	c2.alg = WA_ALG_RS256;
	asr_default(&s, 11);
	asr_fails(&s, &a, &c2, false, "signature does not verify");
	c2 = c;
	c2.pubkey_len = 0;
	asr_fails(&s, &a, &c2, false, "no stored credential key");
	c2 = c;
	c2.pubkey[0] ^= 0xff;
	asr_fails(&s, &a, &c2, false, "stored credential key does not parse");

	/* a signature over other client data (the same authData) */
	asr_default(&s, 11);
	asr_build(&s, &a, &cdj, &ad, sig, &sig_len);
	assert_int_equal(wa_assert_verify(U(&cdj), cdj.len, U(&ad), ad.len, sig,
					  sig_len, chal, sizeof(chal), ORIGIN,
					  RP_ID, false, &c, &nc, &e),
			 0);
	buf_reset(&cdj);
	cdj_make(&cdj, "webauthn.get", chal, sizeof(chal), ORIGIN,
		 ",\"crossOrigin\":false,\"x\":1");
	assert_int_equal(wa_assert_verify(U(&cdj), cdj.len, U(&ad), ad.len, sig,
					  sig_len, chal, sizeof(chal), ORIGIN,
					  RP_ID, false, &c, &nc, &e),
			 -1);
	expect_msg(&e, "signature does not verify");
	buf_reset(&cdj);
	cdj_make(&cdj, "webauthn.get", chal, sizeof(chal), ORIGIN,
		 ",\"crossOrigin\":false");
	/* short, long and odd authenticator data */
	assert_int_equal(wa_assert_verify(U(&cdj), cdj.len, U(&ad), 36, sig,
					  sig_len, chal, sizeof(chal), ORIGIN,
					  RP_ID, false, &c, &nc, &e),
			 -1);
	expect_msg(&e, "authenticatorData: too short (36 bytes)");
	put(&ad, "\xa0", 1);
	assert_int_equal(wa_assert_verify(U(&cdj), cdj.len, U(&ad), ad.len, sig,
					  sig_len, chal, sizeof(chal), ORIGIN,
					  RP_ID, false, &c, &nc, &e),
			 -1);
	expect_msg(&e, "authenticatorData: 1 trailing bytes");
	ad.data[32] |= F_ED; /* now the 0xa0 is an empty extensions map */
	assert_int_equal(wa_assert_verify(U(&cdj), cdj.len, U(&ad), ad.len, sig,
					  sig_len, chal, sizeof(chal), ORIGIN,
					  RP_ID, false, &c, &nc, &e),
			 -1);
	expect_msg(&e, "signature does not verify");
	ad.data[32] = F_UP | F_AT;
	assert_int_equal(wa_assert_verify(U(&cdj), cdj.len, U(&ad), 37, sig,
					  sig_len, chal, sizeof(chal), ORIGIN,
					  RP_ID, false, &c, &nc, &e),
			 -1);
	expect_msg(&e, "attested credential data truncated");
	assert_int_equal(wa_assert_verify(U(&cdj), cdj.len, U(&ad), ad.len,
					  NULL, 0, chal, sizeof(chal), ORIGIN,
					  RP_ID, false, &c, &nc, &e),
			 -1);
	buf_cleanup(&cdj);
	buf_cleanup(&ad);
	EVP_PKEY_free(a.pk);
	EVP_PKEY_free(b.pk);
}

/* ---- published vectors -------------------------------------------------- */

/*
 * Captured from browsers and authenticators by the SimpleWebAuthn
 * project (github.com/MasterKale/SimpleWebAuthn, MIT licence),
 * packages/server/src/{registration,authentication}/ *.test.ts: their
 * bytes are copied here as they are published (base64url).
 */
struct vec {
	const char *name, *att, *cdj, *challenge, *origin, *rp_id;
	bool challenge_b64; /* challenge is base64url, not the raw text */
	const char *fmt;
	int alg;
	uint32_t count;
	const char *cose; /* expected key (COSE, base64url); EC2 only */
};

static const struct vec reg_vectors[] = {
    {"packed self attestation (ES256)",
     "o2NmbXRmcGFja2VkZ2F0dFN0bXSiY2FsZyZjc2lnWEcwRQIhANvrPZMUFrl_rvlg"
     "Rqz6lCPlF6B4y885FYUCCrhrzAYXAiAb4dQKXbP3IimsTTadkwXQlrRVdxzlbmPX"
     "t847-Oh6r2hhdXRoRGF0YVjhPdxHEOnAiLIp26idVjIguzn3Ipr_RlsKZWsa-5qK"
     "-KBFXsOO-a3OAAI1vMYKZIsLJfHwVQMAXQGE4WNXLCDWOCa2x8hpqk5dZy_xdc4w"
     "Bd4UgCJ4M_JAHI7oJgDDVb8WUcKqRB_mzRxwCL9vdTl-ZKPXg3_-Zrt1Adgb7EnK"
     "9ivqaTOKMDqRrKsIObWYJaqpsSJtUKUBAgMmIAEhWCBKMVVaivqCBpqqAxMjuCo5"
     "jMeUdh3jDOC0EF4fLBNNTyJYILc7rqDDeX1pwCLrl3ZX7IThrtZNwKQVLQyfHior"
     "qP-n",
     "eyJjaGFsbGVuZ2UiOiJjelpRU1dKQ2JsQlFibkpIVGxOQ2VFNWtkRVJ5VkRkVmNs"
     "WlpTa3M1U0UwIiwib3JpZ2luIjoiaHR0cHM6Ly9kZXYuZG9udG5lZWRhLnB3Iiwi"
     "dHlwZSI6IndlYmF1dGhuLmNyZWF0ZSJ9",
     "s6PIbBnPPnrGNSBxNdtDrT7UrVYJK9HM", "https://dev.dontneeda.pw",
     "dev.dontneeda.pw", false, "packed", WA_ALG_ES256, 1589874425,
     "pQECAyYgASFYIEoxVVqK-oIGmqoDEyO4KjmMx5R2HeMM4LQQXh8sE01PIlggtzuu"
     "oMN5fWnAIuuXdlfshOGu1k3ApBUtDJ8eKiuo_6c"},
    {"packed x5c attestation (YubiKey certificate, ES256)",
     "o2NmbXRmcGFja2VkZ2F0dFN0bXSjY2FsZyZjc2lnWEcwRQIhAIMt_hGMtdgpIVIw"
     "MOeKKw0IkUUFkXSY8arKh3Q0c5QQAiB9Sv9JavAEmppeH_XkZjB7TFM3jfxsgl97"
     "iIkvuJOUImN4NWOBWQLBMIICvTCCAaWgAwIBAgIEKudiYzANBgkqhkiG9w0BAQsF"
     "ADAuMSwwKgYDVQQDEyNZdWJpY28gVTJGIFJvb3QgQ0EgU2VyaWFsIDQ1NzIwMDYz"
     "MTAgFw0xNDA4MDEwMDAwMDBaGA8yMDUwMDkwNDAwMDAwMFowbjELMAkGA1UEBhMC"
     "U0UxEjAQBgNVBAoMCVl1YmljbyBBQjEiMCAGA1UECwwZQXV0aGVudGljYXRvciBB"
     "dHRlc3RhdGlvbjEnMCUGA1UEAwweWXViaWNvIFUyRiBFRSBTZXJpYWwgNzE5ODA3"
     "MDc1MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEKgOGXmBD2Z4R_xCqJVRXhL8J"
     "r45rHjsyFykhb1USGozZENOZ3cdovf5Ke8fj2rxi5tJGn_VnW4_6iQzKdIaeP6Ns"
     "MGowIgYJKwYBBAGCxAoCBBUxLjMuNi4xLjQuMS40MTQ4Mi4xLjEwEwYLKwYBBAGC"
     "5RwCAQEEBAMCBDAwIQYLKwYBBAGC5RwBAQQEEgQQbUS6m_bsLkm5MAyP6SDLczAM"
     "BgNVHRMBAf8EAjAAMA0GCSqGSIb3DQEBCwUAA4IBAQByV9A83MPhFWmEkNb4Dvlb"
     "Uwcjc9nmRzJjKxHc3HeK7GvVkm0H4XucVDB4jeMvTke0WHb_jFUiApvpOHh5VyMx"
     "5ydwFoKKcRs5x0_WwSWL0eTZ5WbVcHkDR9pSNcA_D_5AsUKOBcbpF5nkdVRxaQHu"
     "uIuwV4k1iK2IqtMNcU8vL6w21U261xCcWwJ6sMq4zzVO8QCKCQhsoIaWrwz828GD"
     "mPzfAjFsJiLJXuYivdHACkeJ5KHMt0mjVLpfJ2BCML7_rgbmvwL7wBW80VHfNdcK"
     "mKjkLcpEiPzwcQQhiN_qHV90t-p4iyr5xRSpurlP5zic2hlRkLKxMH2_kRjhqSn4"
     "aGF1dGhEYXRhWMQ93EcQ6cCIsinbqJ1WMiC7Ofcimv9GWwplaxr7mor4oEEAAAAc"
     "bUS6m_bsLkm5MAyP6SDLcwBA4rrvMciHCkdLQ2HghazIp1sMc8TmV8W8RgoX-x8t"
     "qV_1AmlqWACqUK8mBGLandr-htduQKPzgb2yWxOFV56TlqUBAgMmIAEhWCBsJbGA"
     "jckW-AA_XMk8OnB-VUvrs35ZpjtVJXRhnvXiGiJYIL2ncyg_KesCi44GH8UcZXYw"
     "jBkVdGMjNd6LFmyiD6xf",
     "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiZEc5MFlXeHNl"
     "VlZ1YVhGMVpWWmhiSFZsUlhabGNubFVhVzFsIiwib3JpZ2luIjoiaHR0cHM6Ly9k"
     "ZXYuZG9udG5lZWRhLnB3In0=",
     "totallyUniqueValueEveryTime", "https://dev.dontneeda.pw",
     "dev.dontneeda.pw", false, "packed", WA_ALG_ES256, 28,
     "pQECAyYgASFYIGwlsYCNyRb4AD9cyTw6cH5VS-uzflmmO1UldGGe9eIaIlggvadz"
     "KD8p6wKLjgYfxRxldjCMGRV0YyM13osWbKIPrF8"},
    {"packed x5c attestation (Chrome virtual authenticator, ES256)",
     "o2NmbXRmcGFja2VkZ2F0dFN0bXSjY2FsZyZjc2lnWEcwRQIhANUrPJzUYX7JGbo4"
     "yN_qsQ_2c7xw6br2U1y_OxNcFd1cAiAo6f7LtQ67viVKxs7TLo9nj6nxgxqwEaOp"
     "zQhGtdXbqGN4NWOBWQHgMIIB3DCCAYCgAwIBAgIBATANBgkqhkiG9w0BAQsFADBg"
     "MQswCQYDVQQGEwJVUzERMA8GA1UECgwIQ2hyb21pdW0xIjAgBgNVBAsMGUF1dGhl"
     "bnRpY2F0b3IgQXR0ZXN0YXRpb24xGjAYBgNVBAMMEUJhdGNoIENlcnRpZmljYXRl"
     "MB4XDTE3MDcxNDAyNDAwMFoXDTQxMDMyNjAzNDIzNFowYDELMAkGA1UEBhMCVVMx"
     "ETAPBgNVBAoMCENocm9taXVtMSIwIAYDVQQLDBlBdXRoZW50aWNhdG9yIEF0dGVz"
     "dGF0aW9uMRowGAYDVQQDDBFCYXRjaCBDZXJ0aWZpY2F0ZTBZMBMGByqGSM49AgEG"
     "CCqGSM49AwEHA0IABI1hfmXJUI5kvMVnOsgqZ5naPBRGaCwljEY__99Y39L6Pmw3"
     "i1PXlcSk3_tBme3Xhi8jq68CA7S4kRugVpmU4QGjKDAmMBMGCysGAQQBguUcAgEB"
     "BAQDAgUgMA8GA1UdEwEB_wQFMAMBAQAwDQYJKoZIhvcNAQELBQADRwAwRAIgK8W8"
     "2BY7-iHUcd5mSfWX4R-uGdOk49XKTkV3L6ilUPQCIEs68ZEr_yAjG39UwNexAVLB"
     "fbxkDdkLZlMtBvUsV27PaGF1dGhEYXRhWKQ93EcQ6cCIsinbqJ1WMiC7Ofcimv9G"
     "Wwplaxr7mor4oEUAAAABAQIDBAUGBwgBAgMEBQYHCAAg5Hwc78jGjXrzOS8Mke9K"
     "hFZEtX54iYD-UEBKgvMXM66lAQIDJiABIVgghBdEOBTvUm-jPaYY0wvvO_HzCupm"
     "yS7YQzagxtn1T5IiWCDwJ5XQ_SzKoiV64TXfdsTrnxFoNljUCzJOJhwrDyhkRA",
     "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiOUdJczBRUUJu"
     "YTE2eWN3NHN0U25BcWgyQWI2QWlIN1NTMF9YbTR5SjF6ayIsIm9yaWdpbiI6Imh0"
     "dHBzOi8vZGV2LmRvbnRuZWVkYS5wdyIsImNyb3NzT3JpZ2luIjpmYWxzZX0",
     "9GIs0QQBna16ycw4stSnAqh2Ab6AiH7SS0_Xm4yJ1zk", "https://dev.dontneeda.pw",
     "dev.dontneeda.pw", true, "packed", WA_ALG_ES256, 1, NULL},
    {"none attestation (Firefox for Android, ES256)",
     "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVjFPdxHEOnAiLIp26idVjIguzn3"
     "Ipr_RlsKZWsa-5qK-KBFAAAAAAAAAAAAAAAAAAAAAAAAAAAAQQHSlyRHIdWleVqO"
     "24-6ix7JFWODqDWo_arvEz3Se5EgIFHkcVjZ4F5XDSBreIHsWRilRnKmaaqlqK3V"
     "2_4XtYs2pQECAyYgASFYID5PQTZQQg6haZFQWFzqfAOyQ_ENsMH8xxQ4GRiNPsqr"
     "IlggU8IVUOV8qpgk_Jh-OTaLuZL52KdX1fTht07X4DiQPow",
     "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiYUVWalkxQlhk"
     "WHBwVURBd1NEQndOV2Q0YURKZmRUVmZVRU0wVG1WWloyUSIsIm9yaWdpbiI6Imh0"
     "dHBzOlwvXC9kZXYuZG9udG5lZWRhLnB3IiwiYW5kcm9pZFBhY2thZ2VOYW1lIjoi"
     "b3JnLm1vemlsbGEuZmlyZWZveCJ9",
     "hEccPWuziP00H0p5gxh2_u5_PC4NeYgd", "https://dev.dontneeda.pw",
     "dev.dontneeda.pw", false, "none", WA_ALG_ES256, 0,
     "pQECAyYgASFYID5PQTZQQg6haZFQWFzqfAOyQ_ENsMH8xxQ4GRiNPsqrIlggU8IV"
     "UOV8qpgk_Jh-OTaLuZL52KdX1fTht07X4DiQPow"},
    {"none attestation (RS256)",
     "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVkBZz3cRxDpwIiyKduonVYyILs5"
     "9yKa_0ZbCmVrGvuaivigRQAAAABgKLAXsdRMArSzr82vyWuyACCQZe_hElYt5dHD"
     "xh_dPbYrcar8YZ4O_04piYAcubRiWqQBAwM5AQAgWQEA8X6V649G2vwB99CSf_lu"
     "wR0jj7oDg_GhA3TQSnNYIwfQJldxT5dmi9H8IjjCrTP28iNuKl29hc3Mowux1FZB"
     "0bc5AEJ2oV3JCOMGP9NZKGmOosF7iBN2GtGY7Nomcs-ruBv2mxp1nTm6mv5B8XNw"
     "h0e18uTA5AJCsl-k6lNLYB2XBIQ3fy2-TjSQ8IOMLypWQbWWBJXzLmepaJ6EWe6k"
     "f_NaxpA2chWsaekZcr8xG6OIo3iGh0Mpags_qBZtN4n2TDn0R2LheLk4yQ0R_oOA"
     "VtX963Yuw0x5NYSZyMNSMi_1RSEPTYn5AILmIzQskglDaWJYtnjKz4QLuXWCRRYy"
     "DSFDAQAB",
     "eyJjaGFsbGVuZ2UiOiJwWVozVlgyeWI4ZFM5eXBsTnhKQ2hpWGhQR0JrOGdaelRB"
     "eUoyaVU1eDFrIiwiY2xpZW50RXh0ZW5zaW9ucyI6e30sImhhc2hBbGdvcml0aG0i"
     "OiJTSEEtMjU2Iiwib3JpZ2luIjoiaHR0cHM6Ly9kZXYuZG9udG5lZWRhLnB3Iiwi"
     "dHlwZSI6IndlYmF1dGhuLmNyZWF0ZSJ9",
     "pYZ3VX2yb8dS9yplNxJChiXhPGBk8gZzTAyJ2iU5x1k", "https://dev.dontneeda.pw",
     "dev.dontneeda.pw", true, "none", WA_ALG_RS256, 0, NULL},
};

static size_t
vec_challenge(const struct vec *v, unsigned char *out, size_t max)
{
	size_t n = strlen(v->challenge);

	if (v->challenge_b64)
		return unb64(v->challenge, out, max);
	assert_true(n <= max);
	memcpy(out, v->challenge, n);
	return n;
}

/* The DER SPKI of the EC2 COSE key c (base64url): the fixed P-256 SPKI
 * prefix, then 04 || x || y from their fixed places in the COSE map. */
static size_t
spki_of_cose(const char *c, unsigned char *der)
{
	static const unsigned char prefix[] = {
	    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
	    0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
	    0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};
	unsigned char cose[128];

	assert_int_equal(unb64(c, cose, sizeof(cose)), 77);
	assert_int_equal(cose[8], 0x58);  /* -2: bytes(32) at 10 */
	assert_int_equal(cose[43], 0x58); /* -3: bytes(32) at 45 */
	memcpy(der, prefix, sizeof(prefix));
	memcpy(der + sizeof(prefix), cose + 10, 32);
	memcpy(der + sizeof(prefix) + 32, cose + 45, 32);
	return sizeof(prefix) + 64;
}

static void
test_published_registrations(void **state)
{
	static unsigned char att[4096], cdj[1024], ch[64], der[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(reg_vectors); i++) {
		const struct vec *v = &reg_vectors[i];
		size_t an = unb64(v->att, att, sizeof(att));
		size_t cn = unb64(v->cdj, cdj, sizeof(cdj));
		size_t chn = vec_challenge(v, ch, sizeof(ch));
		struct wa_credential c;
		struct err e = {{0}};

		if (wa_register_verify(cdj, cn, att, an, ch, chn, v->origin,
				       v->rp_id, false, &c, &e) != 0)
			fail_msg("%s: %s", v->name, e.msg);
		assert_string_equal(c.fmt, v->fmt);
		assert_int_equal(c.alg, v->alg);
		assert_int_equal(c.sign_count, v->count);
		if (v->cose != NULL) {
			size_t dn = spki_of_cose(v->cose, der);

			assert_int_equal(c.pubkey_len, dn);
			assert_memory_equal(c.pubkey, der, dn);
		}
		/* and refused for another site, challenge or attestation */
		assert_int_equal(wa_register_verify(cdj, cn, att, an, ch, chn,
						    v->origin, "dontneeda.pw",
						    false, &c, &e),
				 -1);
		expect_msg(&e, "rp id hash does not match");
		ch[0] ^= 1;
		assert_int_equal(wa_register_verify(cdj, cn, att, an, ch, chn,
						    v->origin, v->rp_id, false,
						    &c, &e),
				 -1);
		expect_msg(&e, "challenge does not match");
		ch[0] ^= 1;
		if (strcmp(v->fmt, "packed") == 0) {
			/* the last byte of sig: attStmt starts with alg,
			 * then "sig" as bytes(n) at 30, the n bytes at 32 */
			assert_int_equal(att[30], 0x58);
			att[32 + att[31] - 1] ^= 1;
			assert_int_equal(wa_register_verify(cdj, cn, att, an,
							    ch, chn, v->origin,
							    v->rp_id, false, &c,
							    &e),
					 -1);
			expect_msg(&e, "signature does not verify");
		}
	}
}

static void
test_published_assertions(void **state)
{
	static const struct {
		const char *ad, *cdj, *sig, *challenge, *cose;
		uint32_t stored, count;
	} v[] = {
	    {"PdxHEOnAiLIp26idVjIguzn3Ipr_RlsKZWsa-5qK-KABAAAAkA==",
	     "eyJjaGFsbGVuZ2UiOiJkRzkwWVd4c2VWVnVhWEYxWlZaaGJIVmxSWFps"
	     "Y25sVWFXMWwiLCJjbGllbnRFeHRlbnNpb25zIjp7fSwiaGFzaEFsZ29y"
	     "aXRobSI6IlNIQS0yNTYiLCJvcmlnaW4iOiJodHRwczovL2Rldi5kb250"
	     "bmVlZGEucHciLCJ0eXBlIjoid2ViYXV0aG4uZ2V0In0=",
	     "MEUCIQDYXBOpCWSWq2Ll4558GJKD2RoWg958lvJSB_GdeokxogIgWuEV"
	     "Q7ee6AswQY0OsuQ6y8Ks6jhd45bDx92wjXKs900=",
	     "totallyUniqueValueEveryTime",
	     "pQECAyYgASFYIIheFp-u6GvFT2LNGovf3ZrT0iFVBsA_76rRysxRG9A1"
	     "Ilgg8WGeA6hPmnab0HAViUYVRkwTNcN77QBf_RR0dv3lIvQ",
	     143, 144},
	    {"PdxHEOnAiLIp26idVjIguzn3Ipr_RlsKZWsa-5qK-KABAAAAAA",
	     "eyJjaGFsbGVuZ2UiOiJkRzkwWVd4c2VWVnVhWEYxWlZaaGJIVmxSWFps"
	     "Y25sQmMzTmxjblJwYjI0IiwiY2xpZW50RXh0ZW5zaW9ucyI6e30sImhh"
	     "c2hBbGdvcml0aG0iOiJTSEEtMjU2Iiwib3JpZ2luIjoiaHR0cHM6Ly9k"
	     "ZXYuZG9udG5lZWRhLnB3IiwidHlwZSI6IndlYmF1dGhuLmdldCJ9",
	     "MEQCIBu6M-DGzu1O8iocGHEj0UaAZm0HmxTeRIE6-nS3_CPjAiBDsmIz"
	     "y5sacYwwzgpXqfwRt_2vl5yiQZ_OAqWJQBGVsQ",
	     "totallyUniqueValueEveryAssertion",
	     "pQECAyYgASFYIGmaxR4mBbukc2QhtW2ldhAAd555r-ljlGQN8MbcTnPP"
	     "Ilgg9CyUlE-0AB2fbzZbNgBvJuRa7r6o2jPphOmtyNPR_kY",
	     0, 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		unsigned char ad[64], cdj[1024], sig[128];
		size_t an = unb64(v[i].ad, ad, sizeof(ad));
		size_t cn = unb64(v[i].cdj, cdj, sizeof(cdj));
		size_t sn = unb64(v[i].sig, sig, sizeof(sig));
		const unsigned char *ch = (const unsigned char *)v[i].challenge;
		size_t chn = strlen(v[i].challenge);
		struct wa_credential c;
		struct err e = {{0}};
		uint32_t nc = 1;

		memset(&c, 0, sizeof(c));
		c.alg = WA_ALG_ES256;
		c.pubkey_len = spki_of_cose(v[i].cose, c.pubkey);
		c.sign_count = v[i].stored;
		if (wa_assert_verify(cdj, cn, ad, an, sig, sn, ch, chn,
				     "https://dev.dontneeda.pw",
				     "dev.dontneeda.pw", false, &c, &nc,
				     &e) != 0)
			fail_msg("vector %zu: %s", i, e.msg);
		assert_int_equal(nc, v[i].count);
		/* UP only: refused when UV is required */
		assert_int_equal(
		    wa_assert_verify(cdj, cn, ad, an, sig, sn, ch, chn,
				     "https://dev.dontneeda.pw",
				     "dev.dontneeda.pw", true, &c, &nc, &e),
		    -1);
		expect_msg(&e, "user not verified");
		/* replayed once the new count is stored */
		c.sign_count = v[i].count + 1;
		assert_int_equal(
		    wa_assert_verify(cdj, cn, ad, an, sig, sn, ch, chn,
				     "https://dev.dontneeda.pw",
				     "dev.dontneeda.pw", false, &c, &nc, &e),
		    -1);
		expect_msg(&e, "sign count did not increase");
		c.sign_count = v[i].stored;
		sig[sn - 1] ^= 1;
		assert_int_equal(
		    wa_assert_verify(cdj, cn, ad, an, sig, sn, ch, chn,
				     "https://dev.dontneeda.pw",
				     "dev.dontneeda.pw", false, &c, &nc, &e),
		    -1);
		expect_msg(&e, "signature does not verify");
	}
}

/* ---- the fuzz corpus ---------------------------------------------------- */

static void
write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	assert_true(str_fmt(path, sizeof(path), "%s/%s", dir, name) > 0);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Seeds for fuzz_webauthn (which expects chal, ORIGIN and RP_ID): valid
 * attestation objects of each kind, broken ones and bare authData. */
static void
write_corpus(void **state)
{
	const char *dir = getenv("WA_CORPUS_DIR");
	static const int algs[] = {WA_ALG_ES256, WA_ALG_EDDSA, WA_ALG_RS256};
	static const char *names[] = {"es256", "ed25519", "rs256"};
	struct authn a;
	struct reg r;
	struct asr s;
	struct buf cdj = BUF_INIT(1 << 20), att = BUF_INIT(1 << 20);
	struct buf ad = BUF_INIT(1 << 20);
	unsigned char sig[1024];
	size_t sig_len;
	char name[64];
	EVP_PKEY *ak;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
		authn_init(&a, algs[i]);
		reg_default(&r, &a);
		r.fmt = i == 0 ? "none" : "packed";
		r.stmt = i == 0 ? ST_NONE : ST_SELF;
		r.ext = i == 1;
		reg_build(&r, &a, &cdj, &att);
		assert_true(str_fmt(name, sizeof(name), "att-%s-%s", r.fmt,
				    names[i]) > 0);
		write_file(dir, name, att.data, att.len);
		if (i == 0) {
			write_file(dir, "att-truncated", att.data, att.len - 9);
			put(&att, "\x00", 1);
			write_file(dir, "att-trailing", att.data, att.len);
			att.data[0] = (char)0xbf;
			att.data[att.len - 1] = (char)0xff;
			write_file(dir, "att-indefinite", att.data, att.len);
		}
		buf_reset(&cdj);
		buf_reset(&att);
		asr_default(&s, 1);
		asr_build(&s, &a, &cdj, &ad, sig, &sig_len);
		assert_true(
		    str_fmt(name, sizeof(name), "authdata-%s", names[i]) > 0);
		write_file(dir, name, ad.data, ad.len);
		buf_reset(&cdj);
		buf_reset(&ad);
		EVP_PKEY_free(a.pk);
	}
	authn_init(&a, WA_ALG_ES256);
	ak = key_new(WA_ALG_ES256);
	reg_default(&r, &a);
	r.fmt = "packed";
	r.stmt = ST_X5C;
	r.att_key = ak;
	r.cert = att_cert(ak, "Authenticator Attestation", a.aaguid, 0);
	reg_build(&r, &a, &cdj, &att);
	write_file(dir, "att-packed-x5c", att.data, att.len);
	buf_reset(&cdj);
	buf_reset(&att);
	r.fmt = "tpm";
	r.stmt = ST_NONE;
	reg_build(&r, &a, &cdj, &att);
	write_file(dir, "att-tpm", att.data, att.len);
	write_file(dir, "cdj-create", cdj.data, cdj.len);
	X509_free(r.cert);
	EVP_PKEY_free(ak);
	EVP_PKEY_free(a.pk);
	buf_cleanup(&cdj);
	buf_cleanup(&att);
	buf_cleanup(&ad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_b64url),
	    cmocka_unit_test(test_cbor),
	    cmocka_unit_test(test_challenge),
	    cmocka_unit_test(test_register_and_login),
	    cmocka_unit_test(test_register_refusals),
	    cmocka_unit_test(test_register_x5c),
	    cmocka_unit_test(test_assert_refusals),
	    cmocka_unit_test(test_published_registrations),
	    cmocka_unit_test(test_published_assertions),
	};
	const struct CMUnitTest corpus[] = {cmocka_unit_test(write_corpus)};
	const char *dir = getenv("WA_CORPUS_DIR");

	chal_init();
	if (dir != NULL && dir[0] != '\0')
		return cmocka_run_group_tests(corpus, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
