/*
 * b64.c: base64url without padding (RFC 4648 section 5), the one encoding
 * of binary values in govsec's text: sealed secrets, WebAuthn, e-certificate
 * receipts. Decoding accepts the canonical form only.
 */
#include <stdint.h>

#include "base/base.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
b64url_encode(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	size_t o = 0, need;

	if (n > ((size_t)INT32_MAX / 4) * 3)
		return -1;
	need = n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
	if (outlen < need + 1)
		return -1;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = n - i;

		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		if (left > 1)
			out[o++] = b64url[(v >> 6) & 63];
		if (left > 2)
			out[o++] = b64url[v & 63];
	}
	out[o] = '\0';
	return (int)o;
}

static int
b64url_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int
b64url_decode(const char *in, size_t n, unsigned char *out, size_t outlen)
{
	uint32_t acc = 0;
	size_t o = 0;
	int bits = 0;

	if (n % 4 == 1 || n > (size_t)INT32_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64url_val(in[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* The bits left over must be zero: one encoding per byte string. */
	if (acc != 0)
		return -1;
	return (int)o;
}
