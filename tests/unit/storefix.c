/* storefix.c: the unit tests' store fixture (storefix.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "audit/audit.h"
#include "store/store.h"
#include "storefix.h"
#include "testutil.h"

char sf_dir[4096];
char sf_path[8192];
static int count;

int
sf_setup(void **state)
{
	(void)state;
	if (tu_mkdtemp(sf_dir, sizeof(sf_dir), "store") < 0)
		return -1;
	return setenv("GOVSEC_NOW", SF_NOW, 1);
}

int
sf_teardown(void **state)
{
	(void)state;
	tu_rmdir(sf_dir);
	unsetenv("GOVSEC_NOW");
	return 0;
}

struct store *
sf_new_store(void)
{
	struct err e;
	struct store *st;

	if (str_fmt(sf_path, sizeof(sf_path), "%s/db%d.sqlite", sf_dir,
		    ++count) < 0)
		fail_msg("store path too long");
	st = store_open(tu_store(sf_path), &e);
	if (st == NULL)
		fail_msg("store_open: %s", e.msg);
	if (store_migrate(st, &e) < 0) {
		store_free(st);
		fail_msg("store_migrate: %s", e.msg);
	}
	return st;
}

int
sf_open(void **state)
{
	*state = sf_new_store();
	setenv("GOVSEC_NOW", SF_NOW, 1);
	audit_set_clock(time_now);
	return 0;
}

int
sf_close(void **state)
{
	store_free(*state);
	*state = NULL;
	setenv("GOVSEC_NOW", SF_NOW, 1);
	audit_set_clock(NULL);
	audit_cleanup(); /* the next test starts unkeyed */
	return 0;
}
