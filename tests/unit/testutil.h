/* testutil.h: what the unit tests share: scratch directories, and the
 * store a test opens (SQLite, or PostgreSQL under GOVSEC_TEST_STORE). */
#ifndef GOVSEC_TESTUTIL_H
#define GOVSEC_TESTUTIL_H

#include <stddef.h>

/* Makes a fresh directory $GOVSEC_TEST_TMP/<name>.XXXXXX (else under /tmp)
 * and writes its path into dir (n bytes). Returns 0 or -1. */
int tu_mkdtemp(char *dir, size_t n, const char *name);
/* Removes dir and the files in it (tests make no subdirectories). */
void tu_rmdir(const char *dir);

/*
 * The store URI a test opens for the database file path: path itself, or,
 * when GOVSEC_TEST_STORE names a PostgreSQL database (tests/e2e/
 * pgserver.py sets it), a schema of its own in that database for path (the
 * same schema each time path is given, made on first use), so every test
 * starts from an empty store on either backend. The string stays valid
 * for the next 7 calls.
 */
const char *tu_store(const char *path);
/* 1 when the tests run on PostgreSQL (GOVSEC_TEST_STORE set). */
int tu_store_pg(void);

#endif
