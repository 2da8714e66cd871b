/*
 * crypto.c: random bytes, SM3 digests, constant-time comparison and argon2id
 * password hashing (OpenSSL 3 and libargon2). Passwords are wiped from the
 * stack buffers used here; callers wipe their own copies.
 */
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/base.h"

/* argon2id parameters: 64 MiB would be right for a busy login portal with
 * few logins; the console uses 19 MiB, t=2 (OWASP's minimum for argon2id). */
#define PW_T_COST  2
#define PW_M_COST  19456
#define PW_PAR	   1
#define PW_SALTLEN 16
#define PW_HASHLEN 32

int
rand_bytes(void *out, size_t n)
{
	return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

void
hex_encode(const void *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = in;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *in, void *out, size_t n)
{
	unsigned char *p = out;

	for (size_t i = 0; i < n; i++) {
		int hi = hex_value(in[2 * i]),
		    lo = hi < 0 ? -1 : hex_value(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		p[i] = (unsigned char)(hi << 4 | lo);
	}
	return in[2 * n] == '\0' ? 0 : -1;
}

int
sm3_digest(const void *data, size_t n, unsigned char out[SM3_LEN])
{
	unsigned int len = 0;

	if (EVP_Digest(data, n, out, &len, EVP_sm3(), NULL) != 1 ||
	    len != SM3_LEN)
		return -1;
	return 0;
}

int
ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

char *
password_hash(const char *password)
{
	unsigned char salt[PW_SALTLEN];
	size_t len;
	char *out;

	if (rand_bytes(salt, sizeof(salt)) < 0)
		return NULL;
	len = argon2_encodedlen(PW_T_COST, PW_M_COST, PW_PAR, PW_SALTLEN,
				PW_HASHLEN, Argon2_id);
	out = xmalloc(len);
	if (argon2id_hash_encoded(PW_T_COST, PW_M_COST, PW_PAR, password,
				  strlen(password), salt, sizeof(salt),
				  PW_HASHLEN, out, len) != ARGON2_OK) {
		free(out);
		return NULL;
	}
	return out;
}

int
password_verify(const char *encoded, const char *password)
{
	if (encoded == NULL || strncmp(encoded, "$argon2id$", 10) != 0)
		return 0;
	return argon2id_verify(encoded, password, strlen(password)) ==
	       ARGON2_OK;
}
