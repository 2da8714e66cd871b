/*
 * cbor.c: a strict, allocation-free CBOR (RFC 8949) decoder for what
 * WebAuthn sends: attestation objects, COSE keys and authenticator
 * extensions. Its input is untrusted: every length is checked against the
 * bytes that remain, nesting is bounded and nothing is allocated, so the
 * work done is linear in the input times CBOR_MAX_DEPTH at most.
 */
#include <string.h>

#include "gate/webauthn.h"

static int
decode(const unsigned char *p, size_t n, int depth, struct cbor_item *it)
{
	unsigned int major, ai;
	uint64_t arg = 0;
	size_t off = 1;

	if (n < 1 || depth > CBOR_MAX_DEPTH)
		return -1;
	major = p[0] >> 5;
	ai = p[0] & 0x1f;
	if (ai < 24) {
		arg = ai;
	} else if (ai <= 27) {
		size_t w = (size_t)1 << (ai - 24);

		if (n - 1 < w)
			return -1;
		for (size_t i = 0; i < w; i++)
			arg = (arg << 8) | p[1 + i];
		off += w;
	} else {
		return -1; /* 28..30 reserved, 31 indefinite length */
	}
	memset(it, 0, sizeof(*it));
	it->arg = arg;
	switch (major) {
	case 0:
	case 1:
		it->type = major == 0 ? CBOR_UINT : CBOR_NINT;
		it->size = off;
		return 0;
	case 2:
	case 3:
		if (arg > n - off)
			return -1;
		it->type = major == 2 ? CBOR_BYTES : CBOR_TEXT;
		it->str = p + off;
		it->len = (size_t)arg;
		it->size = off + (size_t)arg;
		if (major == 3 && !str_utf8_wellformed(it->str, it->len))
			return -1;
		return 0;
	case 4:
	case 5: {
		uint64_t elems;
		size_t q = off;

		/* Every element takes a byte at least: a count past the
		 * bytes left is refused before any loop runs. */
		if (arg > n - off || (major == 5 && arg > (n - off) / 2))
			return -1;
		elems = major == 5 ? 2 * arg : arg;
		for (uint64_t k = 0; k < elems; k++) {
			struct cbor_item sub;

			if (decode(p + q, n - q, depth + 1, &sub) < 0)
				return -1;
			q += sub.size;
		}
		it->type = major == 4 ? CBOR_ARRAY : CBOR_MAP;
		it->str = p + off;
		it->len = q - off;
		it->size = q;
		return 0;
	}
	case 6:
		return -1; /* tags: WebAuthn uses none */
	default:
		if (ai >= 20 && ai <= 23) {
			it->type = CBOR_SIMPLE;
		} else if (ai >= 25 && ai <= 27) {
			it->type = CBOR_FLOAT;
			it->str = p + 1;
			it->len = off - 1;
			it->arg = 0;
		} else {
			return -1; /* unassigned simple values, ai 24 */
		}
		it->size = off;
		return 0;
	}
}

int
cbor_decode(const unsigned char *p, size_t n, struct cbor_item *it)
{
	if (p == NULL)
		return -1;
	return decode(p, n, 0, it);
}

int
cbor_iter_init(struct cbor_iter *i, const struct cbor_item *c)
{
	if (c->type != CBOR_ARRAY && c->type != CBOR_MAP)
		return -1;
	i->p = c->str;
	i->n = c->len;
	i->left = c->type == CBOR_MAP ? 2 * c->arg : c->arg;
	return 0;
}

int
cbor_iter_next(struct cbor_iter *i, struct cbor_item *it)
{
	if (i->left == 0)
		return 0;
	/* The container was checked whole by cbor_decode; nested items are
	 * decoded again here, one level down, with the same limits. */
	if (cbor_decode(i->p, i->n, it) < 0)
		return -1;
	i->p += it->size;
	i->n -= it->size;
	i->left--;
	return 1;
}

/* Finds the entry whose key satisfies match (1 found, 0 absent, -1 twice
 * or malformed). */
static int
map_find(const struct cbor_item *map,
	 int (*match)(const struct cbor_item *, const void *), const void *arg,
	 struct cbor_item *val)
{
	struct cbor_iter i;
	struct cbor_item k, v;
	int found = 0, rc;

	if (map->type != CBOR_MAP || cbor_iter_init(&i, map) < 0)
		return -1;
	while ((rc = cbor_iter_next(&i, &k)) == 1) {
		if (cbor_iter_next(&i, &v) != 1)
			return -1;
		if (!match(&k, arg))
			continue;
		if (found)
			return -1;
		found = 1;
		*val = v;
	}
	return rc < 0 ? -1 : found;
}

static int
match_str(const struct cbor_item *k, const void *arg)
{
	const char *key = arg;
	size_t n = strlen(key);

	return k->type == CBOR_TEXT && k->len == n &&
	       memcmp(k->str, key, n) == 0;
}

static int
match_int(const struct cbor_item *k, const void *arg)
{
	int64_t v;

	return cbor_int(k, &v) == 0 && v == *(const int64_t *)arg;
}

int
cbor_map_str(const struct cbor_item *map, const char *key,
	     struct cbor_item *val)
{
	return map_find(map, match_str, key, val);
}

int
cbor_map_int(const struct cbor_item *map, int64_t key, struct cbor_item *val)
{
	return map_find(map, match_int, &key, val);
}

int
cbor_int(const struct cbor_item *it, int64_t *v)
{
	if ((it->type != CBOR_UINT && it->type != CBOR_NINT) ||
	    it->arg > (uint64_t)INT64_MAX)
		return -1;
	*v = it->type == CBOR_UINT ? (int64_t)it->arg : -1 - (int64_t)it->arg;
	return 0;
}
