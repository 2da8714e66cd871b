/*
 * storefix.h: the store fixture of the unit tests that need a store
 * (test_audit, test_mail, test_registry; storefix.c is compiled into each
 * by CMakeLists.txt): a scratch directory for the group of tests, and a
 * fresh migrated store for each test, on SQLite or, when GOVSEC_TEST_STORE
 * names a PostgreSQL database (ctest -R unit.pg), a schema of its own
 * there (testutil.h's tu_store). The group runs at GOVSEC_NOW = SF_NOW,
 * also the audit chain's clock in a test with a store (audit_set_clock);
 * a test may move it, the next starts at SF_NOW again.
 */
#ifndef GOVSEC_STOREFIX_H
#define GOVSEC_STOREFIX_H

struct store;

#define SF_NOW "2024-07-01T00:00:00Z"

/* The group's scratch directory, and the path given to tu_store for the
 * last store made (a file beside it may be named after it). */
extern char sf_dir[4096];
extern char sf_path[8192];

/* cmocka group setup and teardown: the scratch directory and SF_NOW. */
int sf_setup(void **state);
int sf_teardown(void **state);
/* A new migrated store in sf_dir (sf_path names it); fails the test if it
 * cannot be made. */
struct store *sf_new_store(void);
/* cmocka test setup and teardown: *state a new store; at the end it is
 * closed, the clock is SF_NOW again and the audit writer unkeyed. */
int sf_open(void **state);
int sf_close(void **state);

/* A test run with a store in *state. */
#define SF_TEST(f) cmocka_unit_test_setup_teardown(f, sf_open, sf_close)

#endif
