/* map.c: string -> integer hash map with open addressing (FNV-1a); each
 * slot keeps its key's hash, so a probe compares strings only when the
 * hashes agree. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static size_t
hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

void
map_init(struct map *m)
{
	memset(m, 0, sizeof(*m));
}

void
map_cleanup(struct map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	memset(m, 0, sizeof(*m));
}

static size_t
slot(const struct map *m, const char *key, size_t h)
{
	size_t i = h & (m->cap - 1);

	while (m->keys[i] != NULL &&
	       (m->hashes[i] != h || strcmp(m->keys[i], key) != 0))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void
grow(struct map *m)
{
	struct map n;

	n.cap = m->cap ? m->cap * 2 : 64;
	n.len = m->len;
	n.keys = xcalloc(n.cap, sizeof(char *));
	n.vals = xcalloc(n.cap, sizeof(long long));
	n.hashes = xcalloc(n.cap, sizeof(size_t));
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i] != NULL) {
			size_t j = m->hashes[i] & (n.cap - 1);

			/* the keys are distinct: the first free slot */
			while (n.keys[j] != NULL)
				j = (j + 1) & (n.cap - 1);
			n.keys[j] = m->keys[i];
			n.vals[j] = m->vals[i];
			n.hashes[j] = m->hashes[i];
		}
	}
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	*m = n;
}

int
map_put(struct map *m, const char *key, long long val, long long *old)
{
	size_t i, h = hash(key);

	if ((m->len + 1) * 4 >= m->cap * 3)
		grow(m);
	i = slot(m, key, h);
	if (m->keys[i] != NULL) {
		if (old != NULL)
			*old = m->vals[i];
		return 1;
	}
	m->keys[i] = xstrdup(key);
	m->vals[i] = val;
	m->hashes[i] = h;
	m->len++;
	return 0;
}

int
map_get(const struct map *m, const char *key, long long *val)
{
	size_t i;

	if (m->cap == 0)
		return -1;
	i = slot(m, key, hash(key));
	if (m->keys[i] == NULL)
		return -1;
	*val = m->vals[i];
	return 0;
}
