/*
 * totp.c: one-time passwords (RFC 4226 HOTP, RFC 6238 TOTP) with OpenSSL's
 * HMAC, base32 for the shared secrets (sealed at rest under the store's
 * key file), the otpauth:// enrolment URI and its QR code (libqrencode),
 * and one-time recovery codes kept as SM3 digests. Codes typed by users
 * are untrusted; sealed secrets are checked before they are opened.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <qrencode.h>

#include "audit/audit.h"
#include "gate/gate.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* Hex SM3 of a recovery code, what the store keeps. */
static void
recovery_digest(const char *code, char out[AUDIT_HASH_HEX])
{
	audit_digest(code, strlen(code), out);
}

int
gate_hotp(const unsigned char *key, size_t keylen, uint64_t counter, int digits,
	  const char *alg)
{
	unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	const EVP_MD *md = EVP_sha1();
	uint32_t bin, mod = 1;
	int off;

	if (alg != NULL && !strcmp(alg, "SHA256"))
		md = EVP_sha256();
	else if (alg != NULL && !strcmp(alg, "SHA512"))
		md = EVP_sha512();
	for (int i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	if (digits < 6 || digits > 8 ||
	    HMAC(md, key, (int)keylen, msg, sizeof(msg), mac, &maclen) ==
		NULL ||
	    maclen < 20)
		return -1;
	off = mac[maclen - 1] & 0x0f;
	bin = ((uint32_t)(mac[off] & 0x7f) << 24) |
	      ((uint32_t)mac[off + 1] << 16) | ((uint32_t)mac[off + 2] << 8) |
	      (uint32_t)mac[off + 3];
	for (int i = 0; i < digits; i++)
		mod *= 10;
	return (int)(bin % mod);
}

int
gate_base32_encode(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) {
		if (o + 1 >= outlen)
			return -1;
		out[o++] = b32[(acc << (5 - bits)) & 31];
	}
	out[o] = '\0';
	return (int)o;
}

int
gate_base32_decode(const char *in, unsigned char *out, size_t outlen)
{
	uint32_t acc = 0;
	size_t o = 0;
	int bits = 0;

	for (const char *p = in; *p; p++) {
		const char *q;
		char c = *p;

		if (c == '=' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		q = c != '\0' ? strchr(b32, c) : NULL;
		if (q == NULL)
			return -1;
		acc = (acc << 5) | (uint32_t)(q - b32);
		bits += 5;
		if (bits >= 8) {
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)((acc >> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return (int)o;
}

int
gate_totp_check(const char *secret_b32, const char *code, time_t t,
		long long *last)
{
	unsigned char key[64];
	long long want;
	int keylen, ok = 0;

	if (code == NULL || strlen(code) != 6 ||
	    strspn(code, "0123456789") != 6 ||
	    str_to_ll(code, 0, 999999, &want) < 0)
		return 0;
	keylen = gate_base32_decode(secret_b32, key, sizeof(key));
	if (keylen < 10 || t < GATE_TOTP_STEP)
		return 0;
	for (int d = -1; d <= 1; d++) {
		long long ctr = (long long)(t / GATE_TOTP_STEP) + d;
		int got =
		    gate_hotp(key, (size_t)keylen, (uint64_t)ctr, 6, "SHA1");

		/* Every step is computed: the time does not depend on which
		 * one matched. */
		if (got >= 0 && ctr > *last && got == want && !ok) {
			*last = ctr;
			ok = 1;
		}
	}
	OPENSSL_cleanse(key, sizeof(key));
	return ok;
}

int
gate_totp_uri(struct buf *b, const char *issuer, const char *account,
	      const char *secret_b32)
{
	if (buf_addstr(b, "otpauth://totp/") < 0 ||
	    buf_add_pct(b, issuer) < 0 || buf_addstr(b, ":") < 0 ||
	    buf_add_pct(b, account) < 0 ||
	    buf_printf(b, "?secret=%s&issuer=", secret_b32) < 0 ||
	    buf_add_pct(b, issuer) < 0 ||
	    buf_addstr(b, "&algorithm=SHA1&digits=6&period=30") < 0)
		return -1;
	return 0;
}

int
gate_totp_secret(char secret_b32[40])
{
	unsigned char key[GATE_TOTP_SECRET_LEN];
	int rc = 0;

	if (rand_bytes(key, sizeof(key)) < 0 ||
	    gate_base32_encode(key, sizeof(key), secret_b32, 40) < 0)
		rc = -1;
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int
gate_qr_svg(struct buf *b, const char *text, const char *label)
{
	struct buf path = BUF_INIT(256 * 1024);
	int w, rc;

	if (qr_path(&path, text, &w) < 0) {
		buf_cleanup(&path);
		return -1;
	}
	rc = buf_printf(b,
			"<svg xmlns=\"http://www.w3.org/2000/svg\" "
			"viewBox=\"-4 -4 %d %d\" width=\"%d\" height=\"%d\" "
			"role=\"img\" aria-label=\"",
			w + 8, w + 8, 4 * (w + 8), 4 * (w + 8));
	if (rc == 0)
		rc = buf_add_html(b, label);
	if (rc == 0)
		rc = buf_addstr(b, "\"><rect x=\"-4\" y=\"-4\" width=\"100%\" "
				   "height=\"100%\" fill=\"#fff\"/><path "
				   "fill=\"#000\" d=\"");
	if (rc == 0)
		rc = buf_add(b, path.data, path.len);
	if (rc == 0)
		rc = buf_addstr(b, "\"/></svg>");
	buf_cleanup(&path);
	return rc;
}

int
gate_qr_text(struct buf *b, const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int w, rc = 0;

	if (q == NULL)
		return -1;
	w = q->width;
	/* Two module rows per text line, a quiet zone of 2 modules. */
	for (int y = -2; y < w + 2 && rc == 0; y += 2) {
		for (int x = -2; x < w + 2 && rc == 0; x++) {
			int top = y >= 0 && y < w && x >= 0 && x < w &&
				  (q->data[y * w + x] & 1);
			int bot = y + 1 >= 0 && y + 1 < w && x >= 0 && x < w &&
				  (q->data[(y + 1) * w + x] & 1);

			/* dark modules as spaces on a light block terminal */
			if (top && bot)
				rc = buf_addstr(b, " ");
			else if (top)
				rc = buf_addstr(b, "\xe2\x96\x84");
			else if (bot)
				rc = buf_addstr(b, "\xe2\x96\x80");
			else
				rc = buf_addstr(b, "\xe2\x96\x88");
		}
		if (rc == 0)
			rc = buf_addch(b, '\n');
	}
	QRcode_free(q);
	return rc;
}

int
gate_totp_check_sealed(const struct secret_key *k, const char *context,
		       const char *sealed, const char *code, time_t t,
		       long long *last, struct err *e)
{
	struct buf b = BUF_INIT(256);
	int ok;

	if (!secret_is_sealed(sealed)) {
		err_set(e,
			"'%s' is stored in clear; govsecd seals it when it "
			"starts",
			context);
		return -1;
	}
	if (secret_open(k, context, sealed, &b, e) < 0 ||
	    buf_addch(&b, '\0') < 0) {
		if (b.data != NULL)
			OPENSSL_cleanse(b.data, b.len);
		buf_cleanup(&b);
		err_prefix(e, "cannot open '%s'", context);
		return -1;
	}
	ok = gate_totp_check(b.data, code, t, last);
	OPENSSL_cleanse(b.data, b.len);
	buf_cleanup(&b);
	return ok;
}

int
gate_recovery_new(char rec[GATE_RECOVERY_N][10], char **digests)
{
	static const char alnum[] = "abcdefghjkmnpqrstuvwxyz23456789";
	unsigned char rnd[GATE_RECOVERY_N * 8];
	json_t *codes;
	int rc = -1;

	*digests = NULL;
	if (rand_bytes(rnd, sizeof(rnd)) < 0)
		return -1;
	codes = json_array();
	for (int i = 0; i < GATE_RECOVERY_N; i++) {
		char d[AUDIT_HASH_HEX];

		for (int k = 0, o = 0; k < 8; k++, o++) {
			if (k == 4)
				rec[i][o++] = '-';
			rec[i][o] = alnum[rnd[i * 8 + k] % (sizeof(alnum) - 1)];
		}
		rec[i][9] = '\0';
		recovery_digest(rec[i], d);
		json_array_append_new(codes, json_string(d));
	}
	*digests = json_dumps(codes, JSON_COMPACT);
	if (*digests != NULL)
		rc = 0;
	OPENSSL_cleanse(rnd, sizeof(rnd));
	json_decref(codes);
	return rc;
}

int
gate_totp_seal(const struct secret_key *k, const char *context,
	       const char *name, const char *secret_b32,
	       char rec[GATE_RECOVERY_N][10], char **sealed, char **digests,
	       struct err *e)
{
	*digests = NULL;
	*sealed = secret_seal(k, context, secret_b32, strlen(secret_b32));
	if (*sealed == NULL) {
		err_set(e, "cannot seal the TOTP secret of '%.80s'", name);
		return -1;
	}
	if (gate_recovery_new(rec, digests) < 0) {
		err_set(e, "cannot make recovery codes");
		free(*sealed);
		*sealed = NULL;
		return -1;
	}
	return 0;
}

int
gate_recovery_spend(const char *digests, const char *code, char **rest)
{
	char d[AUDIT_HASH_HEX];
	json_t *j, *x;
	size_t i, n = strlen(code);
	int ok = 0;

	*rest = NULL;
	if (digests == NULL || n != 9)
		return 0;
	recovery_digest(code, d);
	j = json_loads(digests, 0, NULL);
	json_array_foreach(j, i, x)
	{
		const char *s = json_string_value(x);

		if (s != NULL && strlen(s) == strlen(d) &&
		    ct_equal(s, d, strlen(d))) {
			json_array_remove(j, i);
			*rest = json_dumps(j, JSON_COMPACT);
			ok = *rest != NULL;
			break;
		}
	}
	json_decref(j);
	return ok;
}
