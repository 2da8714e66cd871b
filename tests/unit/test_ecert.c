/*
 * test_ecert.c: unit tests of src/ecert (CERT-1, GMCRYPTO-1): the SM3, SM4
 * and SM2 published vectors (GB/T 32905-2016 A.1, A.2; GB/T 32907-2016
 * A.1, A.2; GB/T 32918.2-2016 A.2 with Z_A and e), SM2 signatures bound
 * to the distinguishing ID, and the CA: a three-level
 * chain verified by govsec's own verifier, and what it refuses (a
 * certificate signed with the empty ID, another CA's, a changed one, an
 * expired or revoked one, one the register does not hold).
 */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ecert/ecert.h"
#include "registry/registry.h"
#include "testutil.h"

#define UNIT "11440000MB2C92290G"

static void
test_sm3_sm4_vectors(void **state)
{
	unsigned char md[32], out[32], key[16], pt[16];
	unsigned int n = 0;
	char hex[65];
	int l1 = 0, l2 = 0;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	static const unsigned char k[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
					    0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98,
					    0x76, 0x54, 0x32, 0x10};

	(void)state;
	assert_int_equal(EVP_Digest("abc", 3, md, &n, EVP_sm3(), NULL), 1);
	hex_encode(md, 32, hex);
	assert_string_equal(hex, "66c7f0f462eeedd9d1f2d46bdc10e4e2"
				 "4167c4875cf2f7a2297da02b8f4ba8e0");
	/* GB/T 32905 A.2: "abcd" 16 times (512 bits, two blocks padded) */
	assert_int_equal(EVP_Digest("abcdabcdabcdabcdabcdabcdabcdabcd"
				    "abcdabcdabcdabcdabcdabcdabcdabcd",
				    64, md, &n, EVP_sm3(), NULL),
			 1);
	hex_encode(md, 32, hex);
	assert_string_equal(hex, "debe9ff92275b8a138604889c18e5a4d"
				 "6fdb70e5387e5765293dcba39c0c5732");
	/* GB/T 32907 A.1: key = plaintext = 0123456789abcdeffedcba9876543210 */
	memcpy(key, k, 16);
	memcpy(pt, k, 16);
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_sm4_ecb(), NULL, key, NULL),
			 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_int_equal(EVP_EncryptUpdate(c, out, &l1, pt, 16), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, out + l1, &l2), 1);
	assert_int_equal(l1 + l2, 16);
	hex_encode(out, 16, hex);
	assert_string_equal(hex, "681edf34d206965e86b3e94f536e4246");
	/* GB/T 32907 A.2: the same plaintext encrypted 1,000,000 times */
	for (int i = 1; i < 1000000; i++) {
		memcpy(pt, out, 16);
		assert_int_equal(EVP_EncryptUpdate(c, out, &l1, pt, 16), 1);
	}
	hex_encode(out, 16, hex);
	assert_string_equal(hex, "595298c7c6fd271f0402f804c33d3f66");
	EVP_CIPHER_CTX_free(c);
}

/* Verifies with no ID set: what OpenSSL 3.0 does unless told. */
static int
verify_empty_id(EVP_PKEY *k, const char *data, const unsigned char *sig,
		size_t n)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	int ok = EVP_DigestVerifyInit(m, NULL, EVP_sm3(), NULL, k) == 1 &&
		 EVP_DigestVerify(m, sig, n, (const unsigned char *)data,
				  strlen(data)) == 1;

	EVP_MD_CTX_free(m);
	return ok;
}

/* Bytes of a hex string into out (n bytes); spaces are skipped. */
static void
unhex(const char *h, unsigned char *out, size_t n)
{
	char clean[512];
	size_t k = 0;

	for (; *h != '\0' && k + 1 < sizeof(clean); h++)
		if (*h != ' ')
			clean[k++] = *h;
	clean[k] = '\0';
	assert_int_equal(k, 2 * n);
	assert_int_equal(hex_decode(clean, out, n), 0);
}

/* DER of the signature (r, s), each 32 bytes big-endian. */
static size_t
sig_der(const unsigned char r[32], const unsigned char s[32],
	unsigned char **der)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	int n;

	assert_non_null(sig);
	assert_int_equal(
	    ECDSA_SIG_set0(sig, BN_bin2bn(r, 32, NULL), BN_bin2bn(s, 32, NULL)),
	    1);
	*der = NULL;
	n = i2d_ECDSA_SIG(sig, der);
	ECDSA_SIG_free(sig);
	assert_true(n > 0);
	return (size_t)n;
}

/*
 * SM2 on an explicit curve y^2 = x^3 + ax + b over Fp with base point G
 * of order n (GB/T 32918.2 6.1, 7.1), by OpenSSL's EC arithmetic: 3.0's
 * SM2 key type takes no curve but the recommended one, so the standard's
 * example curve is computed here. Signs e with the given k into r, s (d,
 * k given) and verifies (r, s) over e with the public point (x_A, y_A);
 * returns the verification's verdict.
 */
struct sm2_curve {
	EC_GROUP *grp;
	BIGNUM *n;
	BN_CTX *bn;
};

static void
curve_init(struct sm2_curve *c, const unsigned char *p, const unsigned char *a,
	   const unsigned char *b, const unsigned char *g65,
	   const unsigned char *n)
{
	BIGNUM *bp = BN_bin2bn(p, 32, NULL), *ba = BN_bin2bn(a, 32, NULL),
	       *bb = BN_bin2bn(b, 32, NULL);
	EC_POINT *g;

	c->bn = BN_CTX_new();
	c->n = BN_bin2bn(n, 32, NULL);
	c->grp = EC_GROUP_new_curve_GFp(bp, ba, bb, c->bn);
	assert_non_null(c->grp);
	g = EC_POINT_new(c->grp);
	assert_int_equal(EC_POINT_oct2point(c->grp, g, g65, 65, c->bn), 1);
	assert_int_equal(
	    EC_GROUP_set_generator(c->grp, g, c->n, BN_value_one()), 1);
	EC_POINT_free(g);
	BN_free(bp);
	BN_free(ba);
	BN_free(bb);
}

static void
curve_cleanup(struct sm2_curve *c)
{
	EC_GROUP_free(c->grp);
	BN_free(c->n);
	BN_CTX_free(c->bn);
}

/* x of [k]G + [l]P (P NULL: [k]G) as a BIGNUM. */
static BIGNUM *
curve_x(struct sm2_curve *c, const BIGNUM *k, const EC_POINT *pt,
	const BIGNUM *l)
{
	EC_POINT *r = EC_POINT_new(c->grp);
	BIGNUM *x = BN_new();

	assert_int_equal(EC_POINT_mul(c->grp, r, k, pt, l, c->bn), 1);
	assert_int_equal(
	    EC_POINT_get_affine_coordinates(c->grp, r, x, NULL, c->bn), 1);
	EC_POINT_free(r);
	return x;
}

/* 7.2: r = (e + x1) mod n with (x1, y1) = [k]G; s = (1 + d)^-1 (k - rd). */
static void
curve_sign(struct sm2_curve *c, const unsigned char e[32],
	   const unsigned char d[32], const unsigned char k[32],
	   unsigned char r[32], unsigned char s[32])
{
	BIGNUM *be = BN_bin2bn(e, 32, NULL), *bd = BN_bin2bn(d, 32, NULL),
	       *bk = BN_bin2bn(k, 32, NULL), *br = BN_new(), *bs = BN_new(),
	       *t = BN_new(), *x1 = curve_x(c, bk, NULL, NULL);

	assert_int_equal(BN_mod_add(br, be, x1, c->n, c->bn), 1);
	assert_int_equal(BN_mod_mul(t, br, bd, c->n, c->bn), 1);
	assert_int_equal(BN_mod_sub(bs, bk, t, c->n, c->bn), 1);
	assert_int_equal(BN_add(t, bd, BN_value_one()), 1);
	assert_non_null(BN_mod_inverse(t, t, c->n, c->bn));
	assert_int_equal(BN_mod_mul(bs, bs, t, c->n, c->bn), 1);
	assert_int_equal(BN_bn2binpad(br, r, 32), 32);
	assert_int_equal(BN_bn2binpad(bs, s, 32), 32);
	BN_free(be);
	BN_free(bd);
	BN_free(bk);
	BN_free(br);
	BN_free(bs);
	BN_free(t);
	BN_free(x1);
}

/* 7.3 (B5-B7): t = (r + s) mod n; (x1, y1) = [s]G + [t]P_A;
 * R = (e + x1) mod n; valid if R = r (r, s in [1, n-1]). */
static int
curve_verify(struct sm2_curve *c, const unsigned char e[32],
	     const unsigned char pub65[65], const unsigned char r[32],
	     const unsigned char s[32])
{
	BIGNUM *be = BN_bin2bn(e, 32, NULL), *br = BN_bin2bn(r, 32, NULL),
	       *bs = BN_bin2bn(s, 32, NULL), *t = BN_new(), *x1, *rr = BN_new();
	EC_POINT *pa = EC_POINT_new(c->grp);
	int ok;

	assert_int_equal(EC_POINT_oct2point(c->grp, pa, pub65, 65, c->bn), 1);
	assert_int_equal(BN_mod_add(t, br, bs, c->n, c->bn), 1);
	x1 = curve_x(c, bs, pa, t);
	assert_int_equal(BN_mod_add(rr, be, x1, c->n, c->bn), 1);
	ok = !BN_is_zero(br) && BN_cmp(br, c->n) < 0 && !BN_is_zero(bs) &&
	     BN_cmp(bs, c->n) < 0 && !BN_is_zero(t) && BN_cmp(rr, br) == 0;
	BN_free(be);
	BN_free(br);
	BN_free(bs);
	BN_free(t);
	BN_free(x1);
	BN_free(rr);
	EC_POINT_free(pa);
	return ok;
}

/* Verifies sig over msg with the ID (NULL: none set), as a GM client. */
static int
verify_with_id(EVP_PKEY *k, const char *id, const char *msg,
	       const unsigned char *sig, size_t n)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k, NULL);
	int ok;

	if (id != NULL)
		assert_true(EVP_PKEY_CTX_set1_id(pc, id, strlen(id)) > 0);
	EVP_MD_CTX_set_pkey_ctx(m, pc);
	ok = EVP_DigestVerifyInit(m, NULL, EVP_sm3(), NULL, k) == 1 &&
	     EVP_DigestVerify(m, sig, n, (const unsigned char *)msg,
			      strlen(msg)) == 1;
	EVP_MD_CTX_free(m);
	EVP_PKEY_CTX_free(pc);
	return ok;
}

/*
 * GB/T 32918.2-2016 (GM/T 0003.2-2012) A.2: the signature example over
 * the example curve Fp-256, ID "ALICE123@YAHOO.COM", message "message
 * digest", k fixed. OpenSSL cannot sign with a given k nor take an SM2
 * key on another curve than the recommended one, so Z_A and e = SM3(Z_A ||
 * M) are computed as the standard defines them and compared with the
 * published values, and the signature is made from d_A and k and checked
 * by the standard's steps on OpenSSL's EC arithmetic. Then the recommended
 * curve's example with the default ID 1234567812345678 (same message, d =
 * 3945208F..., k = 59276E27...) through govsec's own sm2_verify.
 */
static void
test_sm2_vectors(void **state)
{
	unsigned char p[32], a[32], b[32], n[32], g[65], pub[65], r[32], s[32],
	    za[32], e[32], d[32], kk[32], buf[256], md[32], md65[65],
	    *der = NULL;
	static const char id[] = "ALICE123@YAHOO.COM", msg[] = "message digest";
	struct sm2_curve cv;
	unsigned int mdn = 0;
	size_t dn, k = 0;
	EVP_PKEY *key;

	(void)state;
	unhex("8542D69E 4C044F18 E8B92435 BF6FF7DE 45728391 5C45517D "
	      "722EDB8B 08F1DFC3",
	      p, 32);
	unhex("787968B4 FA32C3FD 2417842E 73BBFEFF 2F3C848B 6831D7E0 "
	      "EC65228B 3937E498",
	      a, 32);
	unhex("63E4C6D3 B23B0C84 9CF84241 484BFE48 F61D59A5 B16BA06E "
	      "6E12D1DA 27C5249A",
	      b, 32);
	unhex("04 421DEBD6 1B62EAB6 746434EB C3CC315E 32220B3B ADD50BDC "
	      "4C4E6C14 7FEDD43D 0680512B CBB42C07 D47349D2 153B70C4 "
	      "E5D7FDFC BFA36EA1 A85841B9 E46E09A2",
	      g, 65);
	unhex("8542D69E 4C044F18 E8B92435 BF6FF7DD 29772063 0485628D "
	      "5AE74EE7 C32E79B7",
	      n, 32);
	unhex("04 0AE4C779 8AA0F119 471BEE11 825BE462 02BB79E2 A5844495 "
	      "E97C04FF 4DF2548A 7C0240F8 8F1CD4E1 6352A73C 17B7F16F "
	      "07353E53 A176D684 A9FE0C6B B798E857",
	      pub, 65);
	unhex("F4A38489 E32B45B6 F876E3AC 2168CA39 2362DC8F 23459C1D "
	      "1146FC3D BFB7BC9A",
	      za, 32);
	unhex("B524F552 CD82B8B0 28476E00 5C377FB1 9A87E6FC 682D48BB "
	      "5D42E3D9 B9EFFE76",
	      e, 32);
	unhex("128B2FA8 BD433C6C 068C8D80 3DFF7979 2A519A55 171B1B65 "
	      "0C23661D 15897263",
	      d, 32);
	unhex("6CB28D99 385C175C 94F94E93 4817663F C176D925 DD72B727 "
	      "260DBAAE 1FB2F96F",
	      kk, 32);
	unhex("40F1EC59 F793D9F4 9E09DCEF 49130D41 94F79FB1 EED2CAA5 "
	      "5BACDB49 C4E755D1",
	      r, 32);
	unhex("6FC6DAC3 2C5D5CF1 0C77DFB2 0F7C2EB6 67A45787 2FB09EC5 "
	      "6327A67E C7DEEBE7",
	      s, 32);
	/* Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) */
	buf[k++] = (unsigned char)((8 * strlen(id)) >> 8);
	buf[k++] = (unsigned char)(8 * strlen(id));
	memcpy(buf + k, id, strlen(id));
	k += strlen(id);
	memcpy(buf + k, a, 32);
	memcpy(buf + k + 32, b, 32);
	memcpy(buf + k + 64, g + 1, 64);
	memcpy(buf + k + 128, pub + 1, 64);
	k += 192;
	assert_int_equal(EVP_Digest(buf, k, md, &mdn, EVP_sm3(), NULL), 1);
	assert_memory_equal(md, za, 32);
	/* e = SM3(Z_A || M) */
	memcpy(buf, za, 32);
	memcpy(buf + 32, msg, strlen(msg));
	assert_int_equal(
	    EVP_Digest(buf, 32 + strlen(msg), md, &mdn, EVP_sm3(), NULL), 1);
	assert_memory_equal(md, e, 32);
	/* P_A = [d_A]G; (r, s) from d_A and the fixed k; and it verifies,
	 * but not over another e nor as (r, s + 1) */
	curve_init(&cv, p, a, b, g, n);
	{
		BIGNUM *bd = BN_bin2bn(d, 32, NULL);
		EC_POINT *pa = EC_POINT_new(cv.grp);

		assert_int_equal(
		    EC_POINT_mul(cv.grp, pa, bd, NULL, NULL, cv.bn), 1);
		assert_int_equal(EC_POINT_point2oct(
				     cv.grp, pa, POINT_CONVERSION_UNCOMPRESSED,
				     md65, 65, cv.bn),
				 65);
		assert_memory_equal(md65, pub, 65);
		EC_POINT_free(pa);
		BN_free(bd);
	}
	curve_sign(&cv, e, d, kk, md65, md65 + 32);
	assert_memory_equal(md65, r, 32);
	assert_memory_equal(md65 + 32, s, 32);
	assert_true(curve_verify(&cv, e, pub, r, s));
	md[31] = e[31] ^ 1;
	memcpy(md, e, 31);
	assert_false(curve_verify(&cv, md, pub, r, s));
	memcpy(md, s, 32);
	md[31] ^= 1;
	assert_false(curve_verify(&cv, e, pub, r, md));
	curve_cleanup(&cv);

	/* the recommended curve, the default ID, through sm2_verify */
	unhex("04 09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 "
	      "6BB08FF3 56F35020 CCEA490C E26775A5 2DC6EA71 8CC1AA60 "
	      "0AED05FB F35E084A 6632F607 2DA9AD13",
	      pub, 65);
	unhex("F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 "
	      "43AC7EAC EEE720B3",
	      r, 32);
	unhex("B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 "
	      "840B69C4 85BBC1AA",
	      s, 32);
	{
		OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
		OSSL_PARAM *params;

		key = NULL;
		OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						SN_sm2, 0);
		OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
						 pub, 65);
		params = OSSL_PARAM_BLD_to_param(bld);
		assert_int_equal(EVP_PKEY_fromdata_init(c), 1);
		assert_int_equal(
		    EVP_PKEY_fromdata(c, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
		OSSL_PARAM_free(params);
		OSSL_PARAM_BLD_free(bld);
		EVP_PKEY_CTX_free(c);
	}
	dn = sig_der(r, s, &der);
	assert_true(sm2_verify(key, msg, strlen(msg), der, dn));
	assert_true(verify_with_id(key, "1234567812345678", msg, der, dn));
	assert_false(verify_with_id(key, id, msg, der, dn));
	assert_false(verify_empty_id(key, msg, der, dn));
	der[dn - 1] ^= 1;
	assert_false(sm2_verify(key, msg, strlen(msg), der, dn));
	OPENSSL_free(der);
	EVP_PKEY_free(key);
}

static void
test_sm2_distid(void **state)
{
	EVP_PKEY *k = sm2_keygen();
	unsigned char *sig = NULL;
	size_t n = 0;
	const char *msg = "message digest";

	(void)state;
	assert_non_null(k);
	assert_true(sm2_is(k));
	assert_int_equal(sm2_sign(k, msg, strlen(msg), &sig, &n), 0);
	assert_true(sm2_verify(k, msg, strlen(msg), sig, n));
	assert_false(sm2_verify(k, "message digesT", 14, sig, n));
	/* bound to the ID: the empty ID does not verify it */
	assert_false(verify_empty_id(k, msg, sig, n));
	free(sig);
	EVP_PKEY_free(k);
}

struct fixture {
	char dir[512], db[600], kek[600], keyout[600];
	struct store *st;
	struct secret_key key;
	struct ecert_ca ca;
};

static struct fixture *
setup_ca(const char *name)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e;
	struct store_val v[1] = {SV_TEXT(UNIT)};

	assert_int_equal(tu_mkdtemp(f->dir, sizeof(f->dir), name), 0);
	snprintf(f->db, sizeof(f->db), "%s/s.db", f->dir);
	snprintf(f->kek, sizeof(f->kek), "%s/kek", f->dir);
	snprintf(f->keyout, sizeof(f->keyout), "%s/unit.key", f->dir);
	assert_non_null(f->st = store_open(tu_store(f->db), &e));
	assert_int_equal(store_migrate(f->st, &e), 0);
	assert_int_equal(
	    store_exec(f->st,
		       "INSERT INTO units (uscc, name, kind, level, region, "
		       "updated) VALUES (?, '广东省政务服务和数据管理局', "
		       "'administrative', 'provincial', '440000', "
		       "'2026-01-01')",
		       v, 1, &e),
	    0);
	assert_int_equal(secret_key_create(f->kek, &e), 0);
	assert_int_equal(secret_key_load(&f->key, f->kek, &e), 0);
	if (ecert_ca_init(f->st, &f->key, "测试编办", "test", &e) < 0)
		fail_msg("ca init: %s", e.msg);
	assert_int_equal(ecert_ca_load(f->st, &f->key, &f->ca, &e), 0);
	return f;
}

static void
teardown_ca(struct fixture *f)
{
	ecert_ca_free(&f->ca);
	store_free(f->st);
	tu_rmdir(f->dir);
	free(f);
}

static void
issue(struct fixture *f, struct ecert_rec *r)
{
	struct ecert_issue in = {UNIT, NULL, 0, f->keyout, 0};
	char pass[33];
	struct err e;

	unlink(f->keyout);
	if (ecert_issue(f->st, &f->ca, &in, "test", r, pass, &e) < 0)
		fail_msg("issue: %s", e.msg);
	assert_int_equal((int)strlen(pass), 32);
}

static enum ecert_status
check(struct fixture *f, const char *pem, time_t at)
{
	struct ecert_verdict v;

	ecert_verify(f->st, &f->ca, pem, strlen(pem), at, &v);
	return v.status;
}

static void
test_chain_and_refusals(void **state)
{
	struct fixture *f = setup_ca("test_ecert"), *g;
	struct ecert_rec r;
	struct err e;
	X509 *x, *y;
	char *pem;
	time_t now = time_now();

	(void)state;
	issue(f, &r);
	assert_int_equal(check(f, r.pem, now), ECERT_VALID);
	/* unit <- issuing <- root, each with the ID */
	x = sm2_cert_read(r.pem, strlen(r.pem));
	assert_non_null(x);
	assert_true(sm2_cert_signed_by(x, f->ca.issuing));
	assert_true(sm2_cert_signed_by(f->ca.issuing, f->ca.root));
	assert_false(sm2_cert_signed_by(x, f->ca.root));
	/* the same certificate signed by the issuing key with the empty ID
	 * (what OpenSSL 3.0 does unless told) is refused */
	y = X509_dup(x);
	assert_true(X509_sign(y, f->ca.issuing_key, EVP_sm3()) > 0);
	pem = sm2_cert_pem(y);
	assert_int_equal(check(f, pem, now), ECERT_BAD_SIGNATURE);
	free(pem);
	X509_free(y);
	/* changed after signing: one byte of the subject's name (广 -> 庀) */
	{
		unsigned char *der = NULL, *hit;
		const unsigned char *p;
		int n = i2d_X509(x, &der);
		size_t off;

		hit = memmem(der, (size_t)n,
			     "\xe5\xb9\xbf\xe4\xb8\x9c\xe7\x9c\x81\xe6", 10);
		assert_non_null(hit); /* the subject's O, after the issuer */
		off = (size_t)(hit - der);
		der[off + 2] ^= 0x3e;
		p = der;
		assert_non_null(y = d2i_X509(NULL, &p, n));
		pem = sm2_cert_pem(y);
		assert_int_equal(check(f, pem, now), ECERT_BAD_SIGNATURE);
		free(pem);
		X509_free(y);
		OPENSSL_free(der);
	}
	/* validity */
	assert_int_equal(check(f, r.pem, now + 3 * 365 * 86400L),
			 ECERT_EXPIRED);
	assert_int_equal(check(f, r.pem, now - 86400), ECERT_NOT_YET_VALID);
	/* not a certificate */
	assert_int_equal(check(f, "-----BEGIN CERTIFICATE-----\nAAAA\n", now),
			 ECERT_MALFORMED);
	/* another CA's certificate, though its names are the same */
	g = setup_ca("test_ecert_other");
	assert_int_equal(check(g, r.pem, now), ECERT_BAD_SIGNATURE);
	teardown_ca(g);
	/* revoked: the verdict and the CRL */
	assert_int_equal(
	    ecert_revoke(f->st, &f->ca, r.serial, "bogus", "t", &e), -1);
	assert_non_null(strstr(e.msg, "unknown revocation reason"));
	assert_int_equal(
	    ecert_revoke(f->st, &f->ca, r.serial, "keyCompromise", "t", &e), 0);
	assert_int_equal(check(f, r.pem, now), ECERT_REVOKED);
	assert_int_equal(
	    ecert_revoke(f->st, &f->ca, r.serial, "keyCompromise", "t", &e),
	    -1);
	pem = ecert_crl_latest(f->st);
	assert_non_null(pem);
	{
		BIO *b = BIO_new_mem_buf(pem, -1);
		X509_CRL *crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
		STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);

		assert_non_null(crl);
		assert_int_equal(sk_X509_REVOKED_num(revs), 1);
		assert_int_equal(
		    ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(
					 sk_X509_REVOKED_value(revs, 0)),
				     X509_get0_serialNumber(x)),
		    0);
		X509_CRL_free(crl);
		BIO_free(b);
	}
	free(pem);
	X509_free(x);
	ecert_rec_cleanup(&r);
	teardown_ca(f);
}

static void
test_refusals(void **state)
{
	struct fixture *f = setup_ca("test_ecert_refuse");
	struct ecert_issue in = {"11440000MB2C92290G", NULL, 0, NULL, 0};
	struct ecert_rec r;
	char pass[33];
	struct err e;

	(void)state;
	/* neither a request nor a place for the key */
	assert_int_equal(ecert_issue(f->st, &f->ca, &in, "t", &r, pass, &e),
			 -1);
	assert_non_null(strstr(e.msg, "--csr"));
	/* not in the registry */
	in.unit = "11440000MB2C92291E";
	in.key_out = f->keyout;
	assert_int_equal(ecert_issue(f->st, &f->ca, &in, "t", &r, pass, &e),
			 -1);
	assert_non_null(strstr(e.msg, "not in the registry"));
	/* a second CA */
	assert_int_equal(ecert_ca_init(f->st, &f->key, "再一个", "t", &e), -1);
	assert_non_null(strstr(e.msg, "exists already"));
	/* a request signed with the empty ID */
	{
		EVP_PKEY *k = sm2_keygen();
		X509_REQ *q = X509_REQ_new();
		BIO *b = BIO_new(BIO_s_mem());
		char *data = NULL;
		long n;

		X509_REQ_set_pubkey(q, k);
		assert_true(X509_REQ_sign(q, k, EVP_sm3()) > 0);
		PEM_write_bio_X509_REQ(b, q);
		n = BIO_get_mem_data(b, &data);
		in.unit = UNIT;
		in.key_out = NULL;
		in.csr_pem = data;
		in.csr_len = (size_t)n;
		assert_int_equal(
		    ecert_issue(f->st, &f->ca, &in, "t", &r, pass, &e), -1);
		assert_non_null(strstr(e.msg, "distinguishing ID"));
		BIO_free(b);
		X509_REQ_free(q);
		EVP_PKEY_free(k);
	}
	/* nothing was issued by any of these */
	assert_int_equal(store_query_int(f->st,
					 "SELECT COUNT(*) FROM ecert_certs",
					 NULL, 0, -1),
			 0);
	teardown_ca(f);
}

/* ---- the transparency log --------------------------------------------- */

/* The leaves of RFC 6962's test vectors (certificate-transparency). */
static const struct {
	const char *data;
	size_t n;
} rfc_leaves[] = {
    {"", 0},
    {"\x00", 1},
    {"\x10", 1},
    {"\x20\x21", 2},
    {"\x30\x31", 2},
    {"\x40\x41\x42\x43", 4},
    {"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
    {"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16},
};

/* The roots of the first 1..8 leaves, as published. */
static const char *const rfc_roots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* A tree in memory: every complete aligned subtree's hash. */
#define MEM_MAX 512
struct memtree {
	enum tlog_alg alg;
	size_t n;
	unsigned char node[10][MEM_MAX][TLOG_HASH];
};

static int
mem_node(void *arg, int level, uint64_t idx, unsigned char out[TLOG_HASH])
{
	struct memtree *t = arg;

	if (level >= 10 || idx >= MEM_MAX || ((idx + 1) << level) > t->n)
		return -1;
	memcpy(out, t->node[level][idx], TLOG_HASH);
	return 0;
}

static void
mem_add(struct memtree *t, const void *data, size_t n)
{
	uint64_t j = t->n;
	int level = 0;

	tlog_leaf_hash(t->alg, data, n, t->node[0][j]);
	for (; j & 1; j >>= 1, level++)
		tlog_node_hash(t->alg, t->node[level][j - 1], t->node[level][j],
			       t->node[level + 1][j >> 1]);
	t->n++;
}

static void
path_is(unsigned char (*path)[TLOG_HASH], size_t len, const char *const *hex,
	size_t n)
{
	char h[65];

	assert_int_equal(len, n);
	for (size_t i = 0; i < n; i++) {
		hex_encode(path[i], TLOG_HASH, h);
		assert_string_equal(h, hex[i]);
	}
}

static void
test_tlog_rfc6962_vectors(void **state)
{
	static struct memtree t;
	struct tlog_src s = {mem_node, &t, TLOG_SHA256};
	unsigned char root[TLOG_HASH], path[TLOG_PATH_MAX][TLOG_HASH];
	char hex[65];
	size_t len;
	static const char *const incl0[] = {
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"};
	static const char *const incl5[] = {
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"};
	static const char *const cons6[] = {
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"};
	static const char *const cons2[] = {
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"};

	(void)state;
	memset(&t, 0, sizeof(t));
	t.alg = TLOG_SHA256;
	assert_int_equal(tlog_root(&s, 0, root), 0);
	hex_encode(root, TLOG_HASH, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
				 "934ca495991b7852b855");
	for (size_t i = 0; i < ARRAY_SIZE(rfc_leaves); i++) {
		mem_add(&t, rfc_leaves[i].data, rfc_leaves[i].n);
		assert_int_equal(tlog_root(&s, i + 1, root), 0);
		hex_encode(root, TLOG_HASH, hex);
		assert_string_equal(hex, rfc_roots[i]);
	}
	assert_int_equal(tlog_inclusion(&s, 0, 8, path, &len), 0);
	path_is(path, len, incl0, 3);
	assert_int_equal(tlog_inclusion(&s, 5, 8, path, &len), 0);
	path_is(path, len, incl5, 3);
	assert_int_equal(tlog_consistency(&s, 1, 8, path, &len), 0);
	path_is(path, len, incl0, 3);
	assert_int_equal(tlog_consistency(&s, 6, 8, path, &len), 0);
	path_is(path, len, cons6, 3);
	assert_int_equal(tlog_consistency(&s, 2, 5, path, &len), 0);
	path_is(path, len, cons2, 2);
	assert_int_equal(tlog_inclusion(&s, 8, 8, path, &len), -1);
	assert_int_equal(tlog_consistency(&s, 0, 8, path, &len), -1);
	assert_int_equal(tlog_consistency(&s, 9, 8, path, &len), -1);
}

/* Every proof of every size up to 60 verifies, and fails changed. */
static void
test_tlog_proofs_verify(void **state)
{
	static struct memtree t;
	struct tlog_src s = {mem_node, &t, TLOG_SM3};
	unsigned char roots[61][TLOG_HASH], leaf[TLOG_HASH];
	unsigned char path[TLOG_PATH_MAX][TLOG_HASH];
	char data[16];
	size_t len;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.alg = TLOG_SM3;
	for (int i = 0; i < 60; i++) {
		snprintf(data, sizeof(data), "entry %d", i);
		mem_add(&t, data, strlen(data));
		assert_int_equal(tlog_root(&s, (uint64_t)i + 1, roots[i + 1]),
				 0);
	}
	for (uint64_t n = 1; n <= 60; n++) {
		for (uint64_t m = 0; m < n; m++) {
			snprintf(data, sizeof(data), "entry %d", (int)m);
			tlog_leaf_hash(TLOG_SM3, data, strlen(data), leaf);
			assert_int_equal(tlog_inclusion(&s, m, n, path, &len),
					 0);
			assert_true(tlog_verify_inclusion(
			    TLOG_SM3, m, n, leaf,
			    (const unsigned char(*)[TLOG_HASH])path, len,
			    roots[n]));
			/* another index, a changed hash */
			if ((m ^ 1) < n)
				assert_false(tlog_verify_inclusion(
				    TLOG_SM3, m ^ 1, n, leaf,
				    (const unsigned char(*)[TLOG_HASH])path,
				    len, roots[n]));
			if (len > 0) {
				path[len - 1][5] ^= 1;
				assert_false(tlog_verify_inclusion(
				    TLOG_SM3, m, n, leaf,
				    (const unsigned char(*)[TLOG_HASH])path,
				    len, roots[n]));
			}
			if (m == 0)
				continue;
			assert_int_equal(tlog_consistency(&s, m, n, path, &len),
					 0);
			assert_true(tlog_verify_consistency(
			    TLOG_SM3, m, n, roots[m], roots[n],
			    (const unsigned char(*)[TLOG_HASH])path, len));
			if (m < n)
				assert_false(tlog_verify_consistency(
				    TLOG_SM3, m, n, roots[m], roots[n - 1],
				    (const unsigned char(*)[TLOG_HASH])path,
				    len));
			if (len > 0) {
				path[0][0] ^= 0x80;
				assert_false(tlog_verify_consistency(
				    TLOG_SM3, m, n, roots[m], roots[n],
				    (const unsigned char(*)[TLOG_HASH])path,
				    len));
			}
		}
	}
}

/* The store's log agrees with the tree in memory, entry by entry. */
static void
test_tlog_store(void **state)
{
	struct fixture *f = setup_ca("test_tlog");
	static struct memtree t;
	struct tlog_src s = {mem_node, &t, TLOG_SM3}, ss;
	unsigned char a[TLOG_HASH], b[TLOG_HASH];
	char entry[64];
	struct err e;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.alg = TLOG_SM3;
	/* ca init logged one entry: take it over */
	{
		char *first = store_query_text(
		    f->st, "SELECT entry FROM tlog_entries WHERE idx = 0", NULL,
		    0);

		assert_non_null(first);
		assert_non_null(strstr(first, "\"type\":\"ca.init\""));
		mem_add(&t, first, strlen(first));
		free(first);
	}
	tlog_store_src(f->st, &ss);
	for (int i = 1; i < 100; i++) {
		snprintf(entry, sizeof(entry), "{\"n\":%d}", i);
		assert_int_equal(store_begin(f->st, &e), 0);
		assert_int_equal(tlog_append(f->st, "test", entry, &e), i);
		assert_int_equal(store_commit(f->st, &e), 0);
		mem_add(&t, entry, strlen(entry));
		assert_int_equal(tlog_root(&ss, (uint64_t)i + 1, a), 0);
		assert_int_equal(tlog_root(&s, (uint64_t)i + 1, b), 0);
		assert_memory_equal(a, b, TLOG_HASH);
	}
	assert_int_equal(tlog_size(f->st), 100);
	/* a writer over the existing log (its frontier read from the store)
	 * in one transaction, past several batches of rows, then a rollback
	 * that leaves the log as it was, then a last single append */
	for (int round = 0; round < 2; round++) {
		struct tlog_writer *w;

		assert_int_equal(store_begin(f->st, &e), 0);
		assert_non_null(w = tlog_writer_new(f->st, &e));
		for (int i = 100; i < 433; i++) {
			snprintf(entry, sizeof(entry), "{\"w\":%d,\"r\":%d}", i,
				 round);
			assert_int_equal(
			    tlog_writer_append(w, "test", entry, &e), i);
			if (round == 1)
				mem_add(&t, entry, strlen(entry));
		}
		assert_int_equal(tlog_writer_flush(w, &e), 0);
		tlog_writer_free(w);
		if (round == 0) {
			store_rollback(f->st);
			assert_int_equal(tlog_size(f->st), 100);
			continue;
		}
		assert_int_equal(store_commit(f->st, &e), 0);
	}
	assert_int_equal(tlog_append(f->st, "test", "{\"last\":1}", &e), 433);
	mem_add(&t, "{\"last\":1}", strlen("{\"last\":1}"));
	for (uint64_t n = 101; n <= 434; n += 37) {
		assert_int_equal(tlog_root(&ss, n, a), 0);
		assert_int_equal(tlog_root(&s, n, b), 0);
		assert_memory_equal(a, b, TLOG_HASH);
	}
	assert_int_equal(tlog_root(&ss, 434, a), 0);
	assert_int_equal(tlog_root(&s, 434, b), 0);
	assert_memory_equal(a, b, TLOG_HASH);
	assert_int_equal(tlog_audit(f->st, &e), 0);
	teardown_ca(f);
}

/* ---- online names ------------------------------------------------------ */

static void
same_key(const char *a, const char *b, int same)
{
	char ka[1024], kb[1024];
	struct err e;

	if (ecert_name_key(a, ka, sizeof(ka), &e) < 0 ||
	    ecert_name_key(b, kb, sizeof(kb), &e) < 0)
		fail_msg("name key: %s", e.msg);
	if (same != !strcmp(ka, kb))
		fail_msg("'%s' and '%s' should %sbe confusable (keys '%s', "
			 "'%s')",
			 a, b, same ? "" : "not ", ka, kb);
}

static void
test_name_keys(void **state)
{
	char k[1024];
	struct err e;

	(void)state;
	same_key("广东政务", "广东政務", 1); /* traditional */
	same_key("广东省政务服务网", "廣東省政務服務網", 1);
	same_key("江门市人民政府", "江门市入民政府", 1); /* 人/入 */
	same_key("己", "已", 1);
	same_key("未来", "末来", 1);
	same_key("天河", "夭河", 1);
	same_key("士兵", "土兵", 1);
	same_key("戍边", "戌边", 1);
	same_key("ABC政务", "ＡＢＣ政务", 1); /* full width */
	same_key("abc政务", "ABC政务", 1);    /* case */
	same_key("江门 发布", "江门发布", 1); /* spaces */
	same_key("江门·发布", "江门发布", 1); /* punctuation */
	same_key("paypal", "pаypal", 1);      /* Cyrillic a */
	/* innocent neighbours are not confused */
	same_key("江门市人民政府", "江门市人民政协", 0);
	same_key("广东政务", "广西政务", 0);
	same_key("台山发布", "开平发布", 0);
	assert_true(ecert_name_mixed("江门市人民政府о"));
	assert_false(ecert_name_mixed("江门市人民政府APP"));
	assert_false(ecert_name_mixed("广东省政务服务网"));
	/* keys stay UTF-8: no byte of 户 (E6 88 B7) is taken for the
	 * punctuation · (C2 B7) */
	assert_int_equal(ecert_name_key("广东省政务服务和数据管理局门户网站", k,
					sizeof(k), &e),
			 0);
	assert_true(str_utf8_wellformed(k, strlen(k)));
	same_key("门户网站", "门户·网站", 1);
	assert_int_equal(ecert_name_key("", k, sizeof(k), &e), -1);
	assert_int_equal(ecert_name_key("\xe6\xb1", k, sizeof(k), &e), -1);
}

/*
 * Seed Q5: the domains of e-mail systems are online names. An e-mail
 * domain confusable with a domain of another unit's approved name
 * (jiangrnen.gov.cn / jiangmen.gov.cn), or a Chinese e-mail domain that
 * fails NAME-1, refuses the application; an innocent one passes.
 */
static void
test_name_mail_domains(void **state)
{
	struct fixture *f = setup_ca("test_mail_domains");
	static const char reg[] =
	    "{\"units\": [{\"uscc\": \"11440700007250010K\", \"name\": "
	    "\"江门市人民政府\", \"kind\": \"administrative\", \"level\": "
	    "\"prefecture\", \"region\": \"440700\", \"region_name\": "
	    "\"江门市\"}],"
	    " \"applications\": ["
	    "{\"id\": \"jm-web\", \"unit\": \"11440700007250010K\", "
	    "\"type\": \"portal\", \"name\": \"江门市人民政府门户网站\", "
	    "\"domains\": [{\"name\": \"jiangmen.gov.cn\", \"main\": true}]},"
	    "{\"id\": \"gd-mail\", \"unit\": \"" UNIT "\", \"type\": "
	    "\"email\", \"name\": \"广东省政务服务和数据管理局电子邮件系统\", "
	    "\"domains\": [{\"name\": \"jiangrnen.gov.cn\"}]},"
	    "{\"id\": \"gd-mail2\", \"unit\": \"" UNIT "\", \"type\": "
	    "\"email\", \"name\": \"广东省政务服务和数据管理局邮件\", "
	    "\"domains\": [{\"name\": \"gdzwfw.gov.cn\"}]},"
	    "{\"id\": \"gd-mail3\", \"unit\": \"" UNIT "\", \"type\": "
	    "\"email\", \"name\": \"广东省政务服务和数据管理局新邮件\", "
	    "\"domains\": [{\"name\": \"台山发布.政务\"}]}]}";
	struct ecert_name_conflict c;
	struct reg_counts n;
	long long id;
	struct err e;

	(void)state;
	if (reg_import(f->st, reg, strlen(reg), "test", "test", &n, &e) < 0)
		fail_msg("import: %s", e.msg);
	/* before any approval: nothing to be confused with */
	assert_int_equal(ecert_name_apply(f->st, UNIT, "gd-mail",
					  "广东省政务服务和数据管理局电子邮件"
					  "系统",
					  "test", &id, &c, &e),
			 0);
	/* 江门's portal name approved: its domain is protected */
	assert_int_equal(ecert_name_apply(f->st, "11440700007250010K", "jm-web",
					  "江门市人民政府门户网站", "test", &id,
					  &c, &e),
			 0);
	assert_int_equal(ecert_name_decide(f->st, id, 1, NULL, "test", &e), 0);
	assert_int_equal(ecert_name_apply(f->st, UNIT, "gd-mail",
					  "广东省政务服务和数据管理局电子邮件"
					  "系统",
					  "test", &id, &c, &e),
			 1);
	assert_non_null(strstr(c.why, "'jiangrnen.gov.cn' is confusable with "
				      "'jiangmen.gov.cn'"));
	assert_non_null(strstr(c.why, "11440700007250010K"));
	/* the unit's own name covers all its e-mail systems */
	assert_int_equal(ecert_name_apply(f->st, UNIT, NULL,
					  "广东省政务服务和数据管理局", "test",
					  &id, &c, &e),
			 1);
	/* an innocent e-mail domain passes */
	assert_int_equal(ecert_name_apply(f->st, UNIT, "gd-mail2",
					  "广东省政务服务和数据管理局邮件",
					  "test", &id, &c, &e),
			 0);
	/* a Chinese e-mail domain is judged by NAME-1 */
	assert_int_equal(ecert_name_apply(f->st, UNIT, "gd-mail3",
					  "广东省政务服务和数据管理局新邮件",
					  "test", &id, &c, &e),
			 1);
	assert_non_null(
	    strstr(c.why, "e-mail domain '台山发布.政务' (NAME-1)"));
	teardown_ca(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sm3_sm4_vectors),
	    cmocka_unit_test(test_sm2_distid),
	    cmocka_unit_test(test_sm2_vectors),
	    cmocka_unit_test(test_chain_and_refusals),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_tlog_rfc6962_vectors),
	    cmocka_unit_test(test_tlog_proofs_verify),
	    cmocka_unit_test(test_tlog_store),
	    cmocka_unit_test(test_name_keys),
	    cmocka_unit_test(test_name_mail_domains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
