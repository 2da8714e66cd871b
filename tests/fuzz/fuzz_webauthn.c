/*
 * fuzz_webauthn.c: libFuzzer harness for src/gate/webauthn.c and cbor.c.
 * Each input is tried as a CBOR item, as an attestationObject (with a
 * fixed valid clientDataJSON, so the whole registration path is reached),
 * as an assertion's authenticatorData, as clientDataJSON and as base64url
 * text. What is accepted must keep the promises of webauthn.h: lengths in
 * bounds, a public key that parses, items inside the input, base64url
 * that round-trips. The seed corpus (tests/fuzz/corpus/webauthn/) was
 * written by test_webauthn with WA_CORPUS_DIR set, for the challenge,
 * origin and RP ID below.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "gate/webauthn.h"

#include "fuzz.h"

#define ORIGIN "https://gate.example.gov.cn"
#define RP_ID  "gate.example.gov.cn"

/* What test_webauthn's browser sends for the challenge 00 01 .. 1f. */
static const char cdj_create[] =
    "{\"type\":\"webauthn.create\",\"challenge\":"
    "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\",\"origin\":\"" ORIGIN
    "\",\"crossOrigin\":false}";
static const char cdj_get[] =
    "{\"type\":\"webauthn.get\",\"challenge\":"
    "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\",\"origin\":\"" ORIGIN
    "\",\"crossOrigin\":false}";

/* DER SPKI of the P-256 base point, a valid key nobody signs with here. */
static const unsigned char spki_g[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
    0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
    0x42, 0x00, 0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8,
    0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d,
    0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f,
    0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c,
    0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb,
    0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};

/* Walks an item's elements and looks a few keys up, as webauthn.c does. */
static void
walk(const struct cbor_item *it, const uint8_t *data, size_t size)
{
	struct cbor_iter i;
	struct cbor_item v;
	int64_t x;
	int rc;

	CHECK(it->size >= 1);
	if (it->str != NULL)
		CHECK(it->str >= data && it->str + it->len <= data + size);
	(void)cbor_int(it, &x);
	if (cbor_iter_init(&i, it) < 0)
		return;
	while ((rc = cbor_iter_next(&i, &v)) == 1)
		walk(&v, data, size);
	CHECK(rc == 0); /* a decoded container never fails to walk */
	(void)cbor_map_str(it, "fmt", &v);
	(void)cbor_map_int(it, -1, &v);
}

static void
check_cred(const struct wa_credential *c)
{
	const unsigned char *p = c->pubkey;
	EVP_PKEY *pk;

	CHECK(c->id_len >= 1 && c->id_len <= WA_MAX_CRED_ID);
	CHECK(c->pubkey_len >= 1 && c->pubkey_len <= WA_MAX_PUBKEY);
	CHECK(memchr(c->fmt, '\0', sizeof(c->fmt)) != NULL);
	CHECK(c->alg == WA_ALG_ES256 || c->alg == WA_ALG_EDDSA ||
	      c->alg == WA_ALG_RS256);
	pk = d2i_PUBKEY(NULL, &p, (long)c->pubkey_len);
	CHECK(pk != NULL && p == c->pubkey + c->pubkey_len);
	EVP_PKEY_free(pk);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char ad37[37] = {0};
	unsigned char ch[32], sig[72], *dec;
	struct wa_credential *c;
	struct cbor_item it;
	struct err e;
	uint32_t nc = 0;
	char *enc;
	int n;

	for (size_t i = 0; i < sizeof(ch); i++)
		ch[i] = (unsigned char)i;
	memset(sig, 0x30, sizeof(sig));
	c = calloc(1, sizeof(*c));
	CHECK(c != NULL);

	if (cbor_decode(data, size, &it) == 0) {
		CHECK(it.size <= size);
		walk(&it, data, size);
	}

	if (wa_register_verify((const unsigned char *)cdj_create,
			       strlen(cdj_create), data, size, ch, sizeof(ch),
			       ORIGIN, RP_ID, false, c, &e) == 0)
		check_cred(c);

	memset(c, 0, sizeof(*c));
	memcpy(c->pubkey, spki_g, sizeof(spki_g));
	c->pubkey_len = sizeof(spki_g);
	c->alg = WA_ALG_ES256;
	/* as authenticatorData, then as clientDataJSON */
	CHECK(wa_assert_verify((const unsigned char *)cdj_get, strlen(cdj_get),
			       data, size, sig, sizeof(sig), ch, sizeof(ch),
			       ORIGIN, RP_ID, false, c, &nc, &e) == -1);
	CHECK(wa_assert_verify(data, size, ad37, sizeof(ad37), sig, sizeof(sig),
			       ch, sizeof(ch), ORIGIN, RP_ID, false, c, &nc,
			       &e) == -1);

	/* base64url: decoding is canonical, encoding round-trips */
	dec = malloc(size + 1);
	CHECK(dec != NULL);
	n = b64url_decode((const char *)data, size, dec, size + 1);
	if (n >= 0) {
		enc = malloc(size + 1);
		CHECK(enc != NULL);
		CHECK(b64url_encode(dec, (size_t)n, enc, size + 1) ==
		      (int)size);
		CHECK(memcmp(enc, data, size) == 0);
		free(enc);
	}
	free(dec);
	if (size <= 3 * 4096) {
		size_t elen = size / 3 * 4 + 4;

		enc = malloc(elen);
		dec = malloc(size + 1);
		CHECK(enc != NULL && dec != NULL);
		n = b64url_encode(data, size, enc, elen);
		CHECK(n >= 0);
		CHECK(b64url_decode(enc, (size_t)n, dec, size + 1) ==
		      (int)size);
		CHECK(size == 0 || memcmp(dec, data, size) == 0);
		free(enc);
		free(dec);
	}
	free(c);
	return 0;
}
