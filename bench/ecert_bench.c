/*
 * ecert_bench.c: the measurements behind bench/ecert (issue 11's goals),
 * built only for the benchmark (CMake target bench_ecert, not installed):
 *
 *   receipts  offline receipt checks a second on one core: base64url
 *             decoding, the SM2 signature (SM3, the ID) and the JSON of a
 *             receipt made by govsec's own service code
 *   append    transparency-log entries appended a second, in transactions
 *             of 10,000 through a tlog_writer (as a batch issuance does)
 *   append1   the same with one tlog_append call per entry (the writer
 *             made and flushed for each: what a single issuance costs)
 *   proof     microseconds per inclusion proof read from a store of N
 *             leaves (the tree's nodes written directly, N default 10^7)
 *
 * Usage: bench_ecert receipts SECONDS | append N | append1 N | proof N DIR
 * Prints one line "name value unit" per figure; bench/ecert compares
 * them with `openssl speed` and the goals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ecert/ecert.h"

static double
cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
die(const char *what, const struct err *e)
{
	fprintf(stderr, "bench_ecert: %s: %s\n", what, e ? e->msg : "failed");
	exit(2);
}

static struct store *
fresh_store(const char *dir, const char *name)
{
	char path[4200];
	struct store *st;
	struct err e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	if ((st = store_open(path, &e)) == NULL || store_migrate(st, &e) < 0)
		die("store", &e);
	return st;
}

static void
bench_receipts(double seconds)
{
	char dir[] = "/tmp/bench_ecert.XXXXXX", kek[64];
	struct store_val v[1] = {SV_TEXT("11440000MB2C92290G")};
	struct ecert_caller who = {"000000000000", "bench", 60};
	struct ecert_verdict vd;
	struct secret_key k = {0};
	struct ecert_ca ca;
	struct store *st;
	struct err e;
	json_t *resp;
	char *txt;
	const char *rb, *sb;
	unsigned char body[4096], sig[160];
	long n = 0;
	double t0;

	if (mkdtemp(dir) == NULL)
		die("mkdtemp", NULL);
	st = fresh_store(dir, "r.db");
	snprintf(kek, sizeof(kek), "%s/kek", dir);
	if (store_exec(st,
		       "INSERT INTO units (uscc, name, kind, level, region, "
		       "updated) VALUES (?, '广东省政务服务和数据管理局', "
		       "'administrative', 'provincial', '440000', "
		       "'2026-01-01')",
		       v, 1, &e) < 0 ||
	    secret_key_create(kek, &e) < 0 ||
	    secret_key_load(&k, kek, &e) < 0 ||
	    ecert_ca_init(st, &k, "基准编办", "bench", &e) < 0 ||
	    ecert_ca_load(st, &k, &ca, &e) < 0)
		die("ca", &e);
	memset(&vd, 0, sizeof(vd));
	vd.status = ECERT_VALID;
	strcpy(vd.unit, "11440000MB2C92290G");
	strcpy(vd.name, "广东省政务服务和数据管理局");
	strcpy(vd.serial, "5E592BC300C50BB19DE43E9CBA39DA9E");
	if ((txt = ecert_receipt(st, &ca, &vd, "certificate", &who, &e)) ==
	    NULL)
		die("receipt", &e);
	resp = json_loads(txt, 0, NULL);
	rb = json_string_value(json_object_get(resp, "receipt"));
	sb = json_string_value(json_object_get(resp, "signature"));
	t0 = now_s();
	do {
		/* what a platform does per receipt, its signer already
		 * checked against the pinned root and cached */
		int bn = b64url_decode(rb, strlen(rb), body, sizeof(body) - 1);
		int sn = b64url_decode(sb, strlen(sb), sig, sizeof(sig));
		json_t *claims;

		if (bn < 0 || sn < 0 ||
		    !sm2_verify(X509_get0_pubkey(ca.receipt), body, (size_t)bn,
				sig, (size_t)sn))
			die("verify", NULL);
		body[bn] = '\0';
		if ((claims = json_loads((const char *)body, 0, NULL)) == NULL)
			die("claims", NULL);
		json_decref(claims);
		n++;
	} while (n % 64 != 0 || now_s() - t0 < seconds);
	printf("receipts %.0f per_second\n", (double)n / (now_s() - t0));
	json_decref(resp);
	free(txt);
	ecert_ca_free(&ca);
	store_free(st);
	secret_key_wipe(&k);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_ecert: cannot remove %s\n", dir);
	}
}

/* Appends total entries in transactions of 10,000: through one
 * tlog_writer per transaction (batch), or one tlog_append each (single). */
static void
bench_append(long total, int batch)
{
	char dir[] = "/tmp/bench_ecert.XXXXXX", entry[256], cmd[128];
	struct tlog_writer *w = NULL;
	struct store *st;
	struct err e;
	double t0, c0;
	long long rc;

	if (mkdtemp(dir) == NULL)
		die("mkdtemp", NULL);
	st = fresh_store(dir, "a.db");
	t0 = now_s();
	c0 = cpu_s();
	for (long i = 0; i < total;) {
		if (store_begin(st, &e) < 0 ||
		    (batch && (w = tlog_writer_new(st, &e)) == NULL))
			die("begin", &e);
		for (long j = 0; j < 10000 && i < total; j++, i++) {
			snprintf(
			    entry, sizeof(entry),
			    "{\"at\":\"2026-12-06T00:00:00Z\",\"serial\":"
			    "\"%032lX\",\"sm3\":\"%064lx\",\"type\":"
			    "\"cert.issue\",\"uscc\":\"11440000MB2C92290G\"}",
			    i, i);
			rc = batch ? tlog_writer_append(w, "cert.issue", entry,
							&e)
				   : tlog_append(st, "cert.issue", entry, &e);
			if (rc != i)
				die("append", &e);
		}
		if ((batch && tlog_writer_flush(w, &e) < 0) ||
		    store_commit(st, &e) < 0)
			die("commit", &e);
		tlog_writer_free(w);
		w = NULL;
	}
	printf("%s %.0f per_second %.0f per_cpu_second\n",
	       batch ? "append" : "append1", (double)total / (now_s() - t0),
	       (double)total / (cpu_s() - c0));
	if (tlog_audit(st, &e) != 0)
		die("audit after the appends", &e);
	store_free(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_ecert: cannot remove %s\n", dir);
}

/* Writes n leaves' worth of entries and nodes directly (random hashes):
 * a proof's cost depends on the rows it reads, not on what they hold. */
static void
fill(struct store *st, long n)
{
	struct store_val v[1];
	struct err e;
	char sql[512];

	if (store_begin(st, &e) < 0)
		die("begin", &e);
	v[0] = SV_INT(n);
	if (store_exec(
		st,
		"WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 "
		"FROM c WHERE x + 1 < ?) INSERT INTO tlog_entries "
		"SELECT x, '2026-12-06T00:00:00Z', 'bench', 'e' || x "
		"FROM c",
		v, 1, &e) < 0)
		die("entries", &e);
	for (int level = 0; (n >> level) > 0; level++) {
		v[0] = SV_INT(n >> level);
		snprintf(sql, sizeof(sql),
			 "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT "
			 "x + 1 FROM c WHERE x + 1 < ?) INSERT INTO tlog_nodes "
			 "SELECT %d, x, lower(hex(randomblob(32))) FROM c",
			 level);
		if (store_exec(st, sql, v, 1, &e) < 0)
			die("nodes", &e);
	}
	if (store_commit(st, &e) < 0)
		die("commit", &e);
}

static void
bench_proof(long n, const char *dir)
{
	struct store *st;
	struct err e;
	char path[4200];
	struct stat sb;
	long rounds = 2000;
	double t0;

	snprintf(path, sizeof(path), "%s/proof-%ld.db", dir, n);
	if (stat(path, &sb) == 0 && (st = store_open(path, &e)) != NULL &&
	    tlog_size(st) == n) {
		fprintf(stderr, "bench_ecert: reusing %s\n", path);
	} else {
		st = fresh_store(dir, strrchr(path, '/') + 1);
		t0 = now_s();
		fill(st, n);
		fprintf(stderr, "bench_ecert: %ld leaves written in %.1f s\n",
			n, now_s() - t0);
	}
	srand(1);
	t0 = now_s();
	for (long i = 0; i < rounds; i++) {
		long m = (long)(((double)rand() / RAND_MAX) * (double)(n - 1));
		json_t *o = tlog_proof_json(st, m, n, &e);

		if (o == NULL)
			die("proof", &e);
		json_decref(o);
	}
	printf("proof %.1f microseconds %ld leaves\n",
	       (now_s() - t0) / (double)rounds * 1e6, n);
	store_free(st);
}

int
main(int argc, char **argv)
{
	struct rusage ru;

	if (argc >= 3 && !strcmp(argv[1], "receipts"))
		bench_receipts(atof(argv[2]));
	else if (argc >= 3 && !strcmp(argv[1], "append"))
		bench_append(atol(argv[2]), 1);
	else if (argc >= 3 && !strcmp(argv[1], "append1"))
		bench_append(atol(argv[2]), 0);
	else if (argc >= 4 && !strcmp(argv[1], "proof"))
		bench_proof(atol(argv[2]), argv[3]);
	else {
		fprintf(stderr, "usage: bench_ecert receipts SECONDS | append "
				"N | append1 N | proof N DIR\n");
		return 2;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("rss %ld kilobytes\n", ru.ru_maxrss);
	return 0;
}
