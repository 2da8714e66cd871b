/*
 * store_impl.h: what src/store's backends share and callers never see: a
 * row handed to a callback is a backend's cursor behind a table of
 * accessors, so store_row_* work on either backend.
 */
#ifndef GOVSEC_STORE_IMPL_H
#define GOVSEC_STORE_IMPL_H

#include <stddef.h>

#include "store/store.h"

struct store_row_ops {
	int (*count)(const struct store_row *r);
	const char *(*text)(const struct store_row *r, int col);
	long long (*integer)(const struct store_row *r, int col);
	int (*null)(const struct store_row *r, int col);
	size_t (*bytes)(const struct store_row *r, int col);
	const char *(*name)(const struct store_row *r, int col);
};

struct store_row {
	const struct store_row_ops *ops;
	void *cur; /* the backend's statement or result */
	int row;   /* the row of a result held whole (PostgreSQL) */
};

/* store.c: 1 if sql holds more than one statement (a migration). */
int store_many_statements(const char *sql);
/* store.c: 1 if s is a plain name of a table or column (a-z, 0-9, _; at
 * most 63 bytes), which may be put into SQL as it is. */
int store_plain_name(const char *s);

#endif
