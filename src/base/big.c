/*
 * big.c: memory for large arrays filled once (govsec check's model of
 * 100,000 units): mapped whole, with transparent huge pages asked for where
 * the kernel offers them (madvise mode), so that filling 100 MB costs a
 * fault per 2 MB rather than one per 4 KB page. Zeroed, like all fresh
 * mappings. Out of memory is fatal, as for xmalloc.
 */
#define _GNU_SOURCE /* mremap */
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include "base/base.h"

#define BIG_HUGE (2u << 20)

static size_t
big_round(size_t n)
{
	return n == 0 ? BIG_HUGE : (n + BIG_HUGE - 1) / BIG_HUGE * BIG_HUGE;
}

void *
big_alloc(size_t n)
{
	size_t len = big_round(n);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fatal("out of memory (%zu bytes)", len);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, len, MADV_HUGEPAGE); /* advice: may be refused */
#endif
	return p;
}

void *
big_realloc(void *p, size_t old, size_t n)
{
	void *q;

	if (p == NULL)
		return big_alloc(n);
	if (big_round(n) == big_round(old))
		return p;
	q = mremap(p, big_round(old), big_round(n), MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		fatal("out of memory (%zu bytes)", big_round(n));
	return q;
}

void
big_free(void *p, size_t n)
{
	if (p != NULL)
		munmap(p, big_round(n));
}

#define BIG_SMALL ((size_t)1 << 20)

void *
big_grow(void *p, size_t old, size_t n)
{
	void *q;

	if (n < BIG_SMALL)
		return xrealloc(p, n);
	if (old >= BIG_SMALL)
		return big_realloc(p, old, n);
	q = big_alloc(n);
	if (old > 0)
		memcpy(q, p, old);
	free(p);
	return q;
}

void *
big_zalloc(size_t n)
{
	return n < BIG_SMALL ? xcalloc(1, n) : big_alloc(n);
}

void
big_grow_free(void *p, size_t n)
{
	if (n < BIG_SMALL)
		free(p);
	else
		big_free(p, n);
}
