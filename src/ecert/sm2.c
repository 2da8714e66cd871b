/*
 * sm2.c: SM2 with SM3 and the GM/T 0009 distinguishing ID on every
 * signature made and checked, and keys kept sealed or handed over
 * encrypted. OpenSSL 3.0 applies no ID unless told (an empty one), so
 * every signing context and every certificate or request checked here is
 * given ECERT_DISTID first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "ecert/ecert.h"

EVP_PKEY *
sm2_keygen(void)
{
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);

	if (c == NULL || EVP_PKEY_keygen_init(c) <= 0 ||
	    EVP_PKEY_keygen(c, &pkey) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(c);
	return pkey;
}

int
sm2_is(const EVP_PKEY *pkey)
{
	return pkey != NULL && EVP_PKEY_is_a(pkey, "SM2");
}

EVP_MD_CTX *
sm2_sign_ctx(EVP_PKEY *pkey)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *p = NULL;

	if (m == NULL ||
	    EVP_DigestSignInit(m, &p, EVP_sm3(), NULL, pkey) != 1 ||
	    (sm2_is(pkey) &&
	     EVP_PKEY_CTX_set1_id(p, ECERT_DISTID, ECERT_DISTID_LEN) <= 0)) {
		EVP_MD_CTX_free(m);
		return NULL;
	}
	return m;
}

int
sm2_sign(EVP_PKEY *pkey, const void *data, size_t n, unsigned char **sig,
	 size_t *siglen)
{
	EVP_MD_CTX *m = sm2_sign_ctx(pkey);
	size_t len = 0;
	int rc = -1;

	*sig = NULL;
	if (m == NULL || EVP_DigestSign(m, NULL, &len, data, n) != 1)
		goto done;
	*sig = xmalloc(len);
	if (EVP_DigestSign(m, *sig, &len, data, n) != 1) {
		free(*sig);
		*sig = NULL;
		goto done;
	}
	*siglen = len;
	rc = 0;
done:
	EVP_MD_CTX_free(m);
	return rc;
}

int
sm2_verify(EVP_PKEY *pkey, const void *data, size_t n, const unsigned char *sig,
	   size_t siglen)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *p = NULL;
	int ok = 0;

	if (m != NULL &&
	    EVP_DigestVerifyInit(m, &p, EVP_sm3(), NULL, pkey) == 1 &&
	    (!sm2_is(pkey) ||
	     EVP_PKEY_CTX_set1_id(p, ECERT_DISTID, ECERT_DISTID_LEN) > 0))
		ok = EVP_DigestVerify(m, sig, siglen, data, n) == 1;
	EVP_MD_CTX_free(m);
	return ok;
}

static ASN1_OCTET_STRING *
distid(void)
{
	ASN1_OCTET_STRING *d = ASN1_OCTET_STRING_new();

	if (d != NULL &&
	    ASN1_OCTET_STRING_set(d, (const unsigned char *)ECERT_DISTID,
				  ECERT_DISTID_LEN) != 1) {
		ASN1_OCTET_STRING_free(d);
		d = NULL;
	}
	return d;
}

int
sm2_cert_id(X509 *x)
{
	ASN1_OCTET_STRING *d = distid();

	if (d == NULL)
		return -1;
	X509_set0_distinguishing_id(x, d);
	return 0;
}

int
sm2_req_id(X509_REQ *r)
{
	ASN1_OCTET_STRING *d = distid();

	if (d == NULL)
		return -1;
	X509_REQ_set0_distinguishing_id(r, d);
	return 0;
}

int
sm2_cert_signed_by(X509 *x, X509 *issuer)
{
	EVP_PKEY *k = X509_get0_pubkey(issuer);

	if (k == NULL || sm2_cert_id(x) < 0)
		return 0;
	return X509_verify(x, k) == 1;
}

char *
sm2_cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *s = NULL;
	long n;

	if (b != NULL && PEM_write_bio_X509(b, x) == 1 &&
	    (n = BIO_get_mem_data(b, &p)) > 0) {
		s = xmalloc((size_t)n + 1);
		memcpy(s, p, (size_t)n);
		s[n] = '\0';
	}
	BIO_free(b);
	return s;
}

X509 *
sm2_cert_read(const char *data, size_t n)
{
	BIO *b;
	X509 *x = NULL;
	const unsigned char *p = (const unsigned char *)data;

	if (n > 64 * 1024 || n > INT32_MAX)
		return NULL;
	while (n > 0 && (*data == ' ' || *data == '\t' || *data == '\r' ||
			 *data == '\n')) {
		data++;
		n--;
	}
	p = (const unsigned char *)data;
	if (n < 10 || memcmp(data, "-----BEGIN", 10) != 0)
		return d2i_X509(NULL, &p, (long)n);
	if ((b = BIO_new_mem_buf(data, (int)n)) == NULL)
		return NULL;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	return x;
}

char *
sm2_key_seal(EVP_PKEY *pkey, const struct secret_key *kek, const char *context,
	     struct err *e)
{
	unsigned char *der = NULL;
	int n = i2d_PrivateKey(pkey, &der);
	char *s = NULL;

	if (n <= 0 || (size_t)n > SECRET_PLAIN_MAX) {
		err_set(e, "cannot encode the private key of %s", context);
		return NULL;
	}
	if ((s = secret_seal(kek, context, der, (size_t)n)) == NULL)
		err_set(e, "cannot seal the private key of %s", context);
	OPENSSL_clear_free(der, (size_t)n);
	return s;
}

EVP_PKEY *
sm2_key_open(const char *sealed, const struct secret_key *kek,
	     const char *context, struct err *e)
{
	struct buf b = BUF_INIT(SECRET_PLAIN_MAX);
	const unsigned char *p;
	EVP_PKEY *k = NULL;

	if (secret_open(kek, context, sealed, &b, e) < 0)
		goto done;
	p = (const unsigned char *)b.data;
	k = d2i_AutoPrivateKey(NULL, &p, (long)b.len);
	if (k == NULL || !sm2_is(k)) {
		EVP_PKEY_free(k);
		k = NULL;
		err_set(e, "the private key of %s is not an SM2 key", context);
	}
done:
	if (b.data != NULL)
		OPENSSL_cleanse(b.data, b.len);
	buf_cleanup(&b);
	return k;
}

int
sm2_key_handover(EVP_PKEY *pkey, const char *path, char pass[33], struct err *e)
{
	unsigned char raw[16];
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	X509_ALGOR *pbe = NULL;
	X509_SIG *enc = NULL;
	BIO *b = NULL;
	FILE *f = NULL;
	int fd = -1, rc = -1;

	if (rand_bytes(raw, sizeof(raw)) < 0) {
		err_set(e, "no random bytes for the passphrase");
		return -1;
	}
	hex_encode(raw, sizeof(raw), pass);
	OPENSSL_cleanse(raw, sizeof(raw));
	if ((p8 = EVP_PKEY2PKCS8(pkey)) == NULL ||
	    (pbe = PKCS5_pbe2_set_iv(EVP_sm4_cbc(), 100000, NULL, 0, NULL,
				     NID_hmacWithSHA256)) == NULL ||
	    (enc = PKCS8_set0_pbe(pass, 32, p8, pbe)) == NULL) {
		err_set(e, "cannot encrypt the private key");
		goto done;
	}
	pbe = NULL; /* owned by enc now */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		err_set(e, "'%s': cannot create the key file (%s)", path,
			strerror(errno));
		goto done;
	}
	if ((f = fdopen(fd, "w")) == NULL ||
	    (b = BIO_new_fp(f, BIO_NOCLOSE)) == NULL ||
	    PEM_write_bio_PKCS8(b, enc) != 1 || BIO_flush(b) != 1 ||
	    fflush(f) != 0 || fsync(fd) != 0) {
		err_set(e, "'%s': cannot write the key file", path);
		goto done;
	}
	rc = 0;
done:
	BIO_free(b);
	if (f != NULL)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	if (rc < 0 && fd >= 0)
		unlink(path);
	X509_SIG_free(enc);
	X509_ALGOR_free(pbe);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return rc;
}

void
sm2_cert_digest(X509 *x, char out[65])
{
	unsigned char *der = NULL;
	unsigned char md[32];
	unsigned int mdlen = 0;
	int n = i2d_X509(x, &der);

	out[0] = '\0';
	if (n > 0 && EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sm3(), NULL) &&
	    mdlen == 32)
		hex_encode(md, 32, out);
	OPENSSL_free(der);
}
