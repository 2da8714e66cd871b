/*
 * rate.c: token buckets for the public listener's callers (an operator's
 * API key, a client address): one fixed table per limit, the least
 * recently used bucket given to a new caller when the table is full.
 * Keys come from requests (untrusted): only copied (truncated to the
 * bucket's size) and compared. Not locked: callers hold ctx->lock.
 */
#include <string.h>
#include <time.h>

#include "http/http.h"

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
http_rate_take(struct http_bucket *tab, size_t n, const char *key, int cap,
	       long long period_ms)
{
	struct http_bucket *b = NULL, *oldest = &tab[0];
	long long t = now_ms();
	double per_ms = (double)cap / (double)period_ms;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(tab[i].key, key) == 0) {
			b = &tab[i];
			break;
		}
		if (tab[i].last_ms < oldest->last_ms)
			oldest = &tab[i];
	}
	if (b == NULL) {
		b = oldest;
		str_copy(b->key, key, sizeof(b->key));
		b->tokens = cap;
		b->last_ms = t;
	}
	b->tokens += (double)(t - b->last_ms) * per_ms;
	if (b->tokens > cap)
		b->tokens = cap;
	b->last_ms = t;
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return 0;
	}
	return (int)((1.0 - b->tokens) / per_ms / 1000.0) + 1;
}
