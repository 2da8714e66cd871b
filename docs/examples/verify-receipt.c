/*
 * verify-receipt.c: a platform operator's offline check of a govsec
 * verification receipt (docs/ecert.md). It needs nothing from govsec:
 * OpenSSL 3 and jansson only.
 *
 *   cc -o verify-receipt verify-receipt.c -lcrypto -ljansson
 *   ./verify-receipt ROOT.pem < receipt.json
 *
 * ROOT.pem is the root CA certificate the operator pinned once (from
 * GET /v1/ca, compared with the fingerprint the establishment department
 * publishes). The program checks that the receipt's signer certificate
 * was issued by that root and signs receipts, then the SM2 signature of
 * the receipt's bytes, both with SM3 and the distinguishing ID
 * 1234567812345678 (GM/T 0009), and prints the claims. Exit 0 when the
 * receipt is genuine, 1 when it is not, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define DISTID "1234567812345678"

/* base64url without padding into out; its length or -1. */
static long
b64url(const char *s, unsigned char *out, size_t max)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
				"rstuvwxyz0123456789-_";
	unsigned v = 0;
	int bits = 0;
	size_t n = 0;

	for (; *s != '\0'; s++) {
		const char *p = strchr(a, *s);

		if (p == NULL)
			return -1;
		v = (v << 6) | (unsigned)(p - a);
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (n >= max)
				return -1;
			out[n++] = (unsigned char)(v >> bits);
			v &= (1u << bits) - 1;
		}
	}
	return (long)n;
}

static int
fail(const char *why)
{
	fprintf(stderr, "receipt NOT genuine: %s\n", why);
	return 1;
}

int
main(int argc, char **argv)
{
	static unsigned char body[65536], sig[256];
	json_error_t jerr;
	json_t *resp, *claims;
	const char *rb, *sb, *signer;
	ASN1_OCTET_STRING *id;
	EVP_MD_CTX *m;
	EVP_PKEY_CTX *pc = NULL;
	X509 *root, *cert;
	BIO *b;
	FILE *f;
	long n, sn;
	int ok;

	if (argc != 2) {
		fprintf(stderr, "usage: verify-receipt ROOT.pem < receipt\n");
		return 2;
	}
	if ((f = fopen(argv[1], "r")) == NULL ||
	    (root = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
		fprintf(stderr, "verify-receipt: cannot read %s\n", argv[1]);
		return 2;
	}
	fclose(f);
	if ((resp = json_loadf(stdin, 0, &jerr)) == NULL)
		return fail("not JSON");
	rb = json_string_value(json_object_get(resp, "receipt"));
	sb = json_string_value(json_object_get(resp, "signature"));
	signer = json_string_value(json_object_get(resp, "signer"));
	if (rb == NULL || sb == NULL || signer == NULL)
		return fail("receipt, signature or signer missing");
	/* 1. the signer certificate: issued by the pinned root, in time */
	b = BIO_new_mem_buf(signer, -1);
	cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (cert == NULL)
		return fail("the signer is not a certificate");
	id = ASN1_OCTET_STRING_new();
	ASN1_OCTET_STRING_set(id, (const unsigned char *)DISTID, 16);
	X509_set0_distinguishing_id(cert, id);
	if (X509_NAME_cmp(X509_get_issuer_name(cert),
			  X509_get_subject_name(root)) != 0 ||
	    X509_verify(cert, X509_get0_pubkey(root)) != 1)
		return fail("the signer certificate is not the root's");
	if (X509_cmp_time(X509_get0_notAfter(cert), NULL) < 0 ||
	    X509_cmp_time(X509_get0_notBefore(cert), NULL) > 0)
		return fail("the signer certificate is out of its validity");
	/* 2. the signature of the receipt's bytes */
	if ((n = b64url(rb, body, sizeof(body) - 1)) < 0 ||
	    (sn = b64url(sb, sig, sizeof(sig))) < 0)
		return fail("receipt or signature is not base64url");
	body[n] = '\0';
	m = EVP_MD_CTX_new();
	ok = EVP_DigestVerifyInit(m, &pc, EVP_sm3(), NULL,
				  X509_get0_pubkey(cert)) == 1 &&
	     EVP_PKEY_CTX_set1_id(pc, DISTID, 16) > 0 &&
	     EVP_DigestVerify(m, sig, (size_t)sn, body, (size_t)n) == 1;
	EVP_MD_CTX_free(m);
	if (!ok)
		return fail("the signature does not match the receipt");
	/* 3. the claims, read only now */
	if ((claims = json_loads((const char *)body, 0, &jerr)) == NULL)
		return fail("the signed receipt is not JSON");
	printf("genuine receipt\n");
	json_dumpf(claims, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(claims);
	json_decref(resp);
	X509_free(cert);
	X509_free(root);
	return 0;
}
