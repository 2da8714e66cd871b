/*
 * sidx.c: an index of records by a string key each holds (open addressing
 * over the records' own keys, nothing copied): a lookup hashes the key once
 * and compares strings only where the hashes agree, instead of a binary
 * search's strcmp at every step. Trusts its keys to be NUL-terminated.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* FNV-1a, folded to 32 bits (the slot keeps it beside the record). */
static uint32_t
sidx_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

static const char *
key_at(const struct sidx *x, size_t i)
{
	const char *const *k =
	    (const void *)((const char *)x->base + i * x->stride + x->off);

	return *k;
}

void
sidx_build(struct sidx *x, const void *base, size_t n, size_t stride,
	   size_t off)
{
	memset(x, 0, sizeof(*x));
	x->base = base;
	x->stride = stride;
	x->off = off;
	if (n == 0 || n >= UINT32_MAX)
		return;
	/* at most half full */
	for (x->cap = 16; x->cap < 2 * n; x->cap *= 2)
		;
	x->slots = big_alloc(x->cap * sizeof(*x->slots)); /* zeroed */
	for (size_t i = 0; i < n; i++) {
		const char *k = key_at(x, i);
		uint32_t h;
		size_t j;

		if (k == NULL)
			continue;
		h = sidx_hash(k);
		for (j = h & (x->cap - 1); x->slots[j] != 0;
		     j = (j + 1) & (x->cap - 1))
			if ((uint32_t)(x->slots[j] >> 32) == h &&
			    strcmp(key_at(x, (uint32_t)x->slots[j] - 1), k) ==
				0)
				break; /* the first of equal keys stays */
		if (x->slots[j] == 0)
			x->slots[j] = (uint64_t)h << 32 | (uint64_t)(i + 1);
	}
}

long
sidx_find(const struct sidx *x, const char *key)
{
	uint32_t h;

	if (key == NULL || x->cap == 0)
		return -1;
	h = sidx_hash(key);
	for (size_t j = h & (x->cap - 1); x->slots[j] != 0;
	     j = (j + 1) & (x->cap - 1)) {
		size_t i = (uint32_t)x->slots[j] - 1;

		if ((uint32_t)(x->slots[j] >> 32) == h &&
		    strcmp(key_at(x, i), key) == 0)
			return (long)i;
	}
	return -1;
}

void
sidx_cleanup(struct sidx *x)
{
	if (x->slots != NULL)
		big_free(x->slots, x->cap * sizeof(*x->slots));
	memset(x, 0, sizeof(*x));
}
