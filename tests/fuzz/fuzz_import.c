/*
 * fuzz_import.c: libFuzzer harness for reg_import(), the importer of
 * untrusted registry documents. Input is any bytes, imported into one
 * on-disk store (created once in a temporary directory under
 * $GOVSEC_TEST_TMP or /tmp, removed at exit) that is empty before each
 * input. It checks the importer's promises: a failure leaves nothing behind
 * (no record, no audit record, no open transaction) and says why in one
 * line naming the source; a success stores exactly the records it counts,
 * appends one audit record, and export | import (fresh store) | export
 * gives the same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "registry/registry.h"

#include "fuzz.h"

#define INPUT_MAX (1 << 20)

static struct store *st;
static char dir[4096], db[8192];

/* The tables an import writes, in reg_entities[] order, then the rest. */
static const char *const tables[] = {"units",  "outsourcers", "apps", "people",
				     "grants", "domains",     "audit"};

static void
remove_store(void)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char path[8300];

	store_free(st);
	st = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (str_fmt(path, sizeof(path), "%s%s", db, suffixes[i]) >= 0)
			unlink(path);
	rmdir(dir);
}

static void
init(void)
{
	const char *base = getenv("GOVSEC_TEST_TMP");
	struct err e;

	if (st != NULL)
		return;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (mkdir(base, 0700) < 0 && errno != EEXIST)
		base = "/tmp";
	if (str_fmt(dir, sizeof(dir), "%s/fuzz_import.XXXXXX", base) < 0 ||
	    mkdtemp(dir) == NULL ||
	    str_fmt(db, sizeof(db), "%s/store.db", dir) < 0) {
		fprintf(stderr, "fuzz_import: cannot make a temporary "
				"directory\n");
		abort();
	}
	st = store_open(db, &e);
	if (st == NULL || store_migrate(st, &e) < 0) {
		fprintf(stderr, "fuzz_import: store: %s\n", e.msg);
		abort();
	}
	/* Audit timestamps: fixed, so runs are reproducible. */
	setenv("GOVSEC_NOW", "2024-07-01T00:00:00Z", 1);
	atexit(remove_store);
}

static long long
rows(const char *table)
{
	char sql[128];

	CHECK(str_fmt(sql, sizeof(sql), "SELECT count(*) FROM %s", table) > 0);
	return store_query_int(st, sql, NULL, 0, -1);
}

/* Empties the registry and the audit log (outside any transaction). */
static void
clear(void)
{
	struct err e;

	if (store_exec(st,
		       "DELETE FROM grants; DELETE FROM people; "
		       "DELETE FROM domains; DELETE FROM apps; "
		       "DELETE FROM outsourcers; DELETE FROM units; "
		       "DELETE FROM audit;",
		       NULL, 0, &e) < 0) {
		fprintf(stderr, "fuzz_import: clear: %s\n", e.msg);
		abort();
	}
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
		CHECK(rows(tables[i]) == 0);
}

/* No transaction was left open: SQLite accepts a new one. */
static void
check_no_transaction(void)
{
	struct err e;

	CHECK(store_exec(st, "BEGIN", NULL, 0, &e) == 0);
	CHECK(store_exec(st, "COMMIT", NULL, 0, &e) == 0);
}

/* A message is one non-empty line naming the source first. */
static void
check_message(const char *msg)
{
	size_t n = strlen(msg);

	CHECK(n > 0);
	CHECK(str_starts(msg, "fuzz:"));
	CHECK(strchr(msg, '\n') == NULL);
}

static char *
export_text(size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	struct err e;

	CHECK(f != NULL);
	if (reg_export(st, f, &e) < 0) {
		fprintf(stderr, "fuzz_import: export: %s\n", e.msg);
		abort();
	}
	CHECK(fclose(f) == 0);
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reg_counts c, again;
	struct audit_verdict v;
	struct err e;
	char *x1, *x2;
	size_t n1, n2;
	int rc;

	if (size > INPUT_MAX)
		return 0;
	init();
	e.msg[0] = '\0';
	rc = reg_import(st, (const char *)data, size, "fuzz", "fuzz", &c, &e);
	CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		/* All or nothing: nothing. */
		check_message(e.msg);
		for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
			CHECK(rows(tables[i]) == 0);
		for (size_t i = 0; i < ARRAY_SIZE(c.n); i++)
			CHECK(c.n[i] == 0);
		check_no_transaction();
		return 0;
	}
	check_no_transaction();
	/* Into an empty store every counted record is a row. */
	for (int i = 0; i < reg_nentities; i++)
		CHECK(rows(tables[i]) == c.n[i]);
	CHECK(rows("audit") == 1);
	CHECK(audit_verify(st, 0, NULL, &v, &e) == 0);

	/* export | import | export is stable. */
	x1 = export_text(&n1);
	clear();
	if (reg_import(st, x1, n1, "fuzz-export", "fuzz", &again, &e) != 0) {
		fprintf(stderr,
			"fuzz_import: the export does not import again: "
			"%s\n%s\n",
			e.msg, x1);
		abort();
	}
	CHECK(memcmp(&c, &again, sizeof(c)) == 0);
	x2 = export_text(&n2);
	if (n1 != n2 || memcmp(x1, x2, n1) != 0) {
		fprintf(stderr, "fuzz_import: export changed:\n%s\n%s\n", x1,
			x2);
		abort();
	}
	free(x1);
	free(x2);
	clear();
	return 0;
}
