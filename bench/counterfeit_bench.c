/*
 * counterfeit_bench.c: the matcher alone, for bench/counterfeit: loads the
 * protected set from a store (as govsec counterfeit scan does), then
 * matches every line of a domain feed with THREADS threads (each a slice
 * of the file), storing nothing. Prints one JSON line: protected items,
 * candidates, candidates with a hit, hits, seconds to load and to match.
 * With MISSED=FILE in the environment (one thread), the candidates
 * without a hit are written to FILE (for the recall against dnstwist).
 * Usage: bench_counterfeit STORE FEED [THREADS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "counterfeit/counterfeit.h"

struct slice {
	const struct cf_set *set;
	FILE *missed;
	char *data;
	size_t from, to;
	long long cand, flagged, hits;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *
run(void *arg)
{
	struct slice *s = arg;
	struct cf_hit h[CF_HITS_MAX];
	size_t i = s->from;

	while (i < s->to) {
		char *nl = memchr(s->data + i, '\n', s->to - i);
		size_t end = nl ? (size_t)(nl - s->data) : s->to;
		char line[1100];
		int n;

		if (end - i < sizeof(line)) {
			memcpy(line, s->data + i, end - i);
			line[end - i] = '\0';
			n = cf_match_domain(s->set, line, h, CF_HITS_MAX, NULL,
					    0);
			s->cand++;
			if (n > 0) {
				s->flagged++;
				s->hits += n;
			} else if (s->missed != NULL) {
				fprintf(s->missed, "%s\n", line);
			}
		}
		i = end + 1;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct store *st;
	struct cf_set *set;
	struct err e;
	struct stat sb;
	FILE *f;
	char *data;
	int threads = argc > 3 ? atoi(argv[3]) : 1;
	struct slice sl[16];
	pthread_t t[16];
	double t0, t1, t2;
	long long cand = 0, flagged = 0, hits = 0;

	if (argc < 3 || threads < 1 || threads > 16) {
		fprintf(stderr,
			"usage: bench_counterfeit STORE FEED [THREADS]\n");
		return 2;
	}
	t0 = now();
	if ((st = store_open(argv[1], &e)) == NULL) {
		fprintf(stderr, "%s\n", e.msg);
		return 2;
	}
	set = cf_set_new();
	if (cf_set_load(set, st, NULL, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 2;
	}
	t1 = now();
	if ((f = fopen(argv[2], "r")) == NULL || fstat(fileno(f), &sb) < 0)
		return 2;
	data = xmalloc((size_t)sb.st_size + 1);
	if (fread(data, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size)
		return 2;
	fclose(f);
	t0 = t1 - t0; /* the load */
	t1 = now();   /* reading the file is not matching */
	for (int i = 0; i < threads; i++) {
		size_t from = (size_t)sb.st_size * i / threads;
		size_t to = (size_t)sb.st_size * (i + 1) / threads;

		while (from > 0 && from < (size_t)sb.st_size &&
		       data[from - 1] != '\n')
			from++;
		while (to < (size_t)sb.st_size && data[to - 1] != '\n')
			to++;
		sl[i] = (struct slice){set, NULL, data, from, to, 0, 0, 0};
		if (getenv("MISSED") != NULL && threads == 1)
			sl[i].missed = fopen(getenv("MISSED"), "w");
		pthread_create(&t[i], NULL, run, &sl[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		cand += sl[i].cand;
		flagged += sl[i].flagged;
		hits += sl[i].hits;
		if (sl[i].missed != NULL)
			fclose(sl[i].missed);
	}
	t2 = now();
	printf("{\"protected\": %zu, \"candidates\": %lld, \"flagged\": %lld, "
	       "\"hits\": %lld, \"load_s\": %.2f, \"match_s\": %.2f, "
	       "\"threads\": %d}\n",
	       set->n, cand, flagged, hits, t0, t2 - t1, threads);
	cf_set_free(set);
	store_free(st);
	free(data);
	return 0;
}
