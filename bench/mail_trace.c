/*
 * mail_trace.c: the in-process half of bench/mail's trace figure, built
 * only for the benchmark (CMake target bench_mail_trace, not installed):
 * opens the store and runs mail_flow_trace() (what `govsec mail trace`
 * calls) for one query RUNS times, printing the rows found and the median
 * and worst microseconds per lookup, without the process start-up that the
 * CLI figure includes.
 *
 * Usage: bench_mail_trace DB RUNS [--address A] [--message-id M]
 *                          [--since EPOCH] [--until EPOCH]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/mail.h"

static int
count_row(void *arg, struct store_row *r)
{
	(void)r;
	(*(long long *)arg)++;
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct mail_trace_q q = {NULL, NULL, 0, 0, 100};
	struct store *st;
	struct err e;
	long long runs, rows = 0, v;
	double *us, first;

	if (argc < 3 || str_to_ll(argv[2], 1, 100000, &runs) < 0) {
		fprintf(stderr, "usage: bench_mail_trace DB RUNS [--address A] "
				"[--message-id M] [--since T] [--until T]\n");
		return 2;
	}
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--address"))
			q.address = argv[i + 1];
		else if (!strcmp(argv[i], "--message-id"))
			q.message_id = argv[i + 1];
		else if (str_to_ll(argv[i + 1], 0, 1LL << 40, &v) == 0 &&
			 !strcmp(argv[i], "--since"))
			q.since = (time_t)v;
		else if (str_to_ll(argv[i + 1], 0, 1LL << 40, &v) == 0 &&
			 !strcmp(argv[i], "--until"))
			q.until = (time_t)v;
		else
			return 2;
	}
	st = store_open(argv[1], &e);
	if (st == NULL) {
		fprintf(stderr, "bench_mail_trace: %s\n", e.msg);
		return 1;
	}
	us = xcalloc((size_t)runs, sizeof(*us));
	for (long long i = 0; i < runs; i++) {
		struct timespec a, b;

		rows = 0;
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (mail_flow_trace(st, &q, count_row, &rows, &e) < 0) {
			fprintf(stderr, "bench_mail_trace: %s\n", e.msg);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		us[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 +
			(double)(b.tv_nsec - a.tv_nsec) / 1e3;
	}
	first = us[0]; /* the cold lookup */
	qsort(us, (size_t)runs, sizeof(*us), cmp);
	printf("rows %lld first_us %.1f median_us %.1f max_us %.1f\n", rows,
	       first, us[runs / 2], us[runs - 1]);
	free(us);
	store_free(st);
	return 0;
}
