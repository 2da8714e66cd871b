/*
 * test_gate_db.c: unit tests of the gate's administration in the store
 * (src/gate/db.c): disabling, enabling, deleting a user and setting its
 * password end its sessions in the same transaction and are audited;
 * devices are withdrawn and deleted; a user's pending devices are capped,
 * the oldest replaced. Each test gets a fresh migrated on-disk store in a
 * temporary directory under $GOVSEC_TEST_TMP (or /tmp).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate.h"

static char tmpdir[4096];
static int dbcount;

static int
make_tmpdir(void **state)
{
	(void)state;
	return tu_mkdtemp(tmpdir, sizeof(tmpdir), "test_gate_db");
}

static int
remove_tmpdir(void **state)
{
	(void)state;
	tu_rmdir(tmpdir);
	return 0;
}

/* A fresh store with users "ann" and "ben", each with a live session. */
static int
open_store(void **state)
{
	char path[8192];
	struct err e;
	struct store *st;

	if (str_fmt(path, sizeof(path), "%s/db%d.sqlite", tmpdir, ++dbcount) <
	    0)
		return -1;
	st = store_open(tu_store(path), &e);
	if (st == NULL || store_migrate(st, &e) < 0 ||
	    gate_db_user_add(st, "ann", "Ann", "staff", "ann password 1",
			     "test", &e) < 0 ||
	    gate_db_user_add(st, "ben", NULL, "", "ben password 1", "test",
			     &e) < 0 ||
	    store_exec(st,
		       "INSERT INTO gate_sessions(token_hash, user, level, "
		       "created, seen) VALUES ('a1', 'ann', 1, 1, 1), "
		       "('a2', 'ann', 2, 1, 1), ('b1', 'ben', 1, 1, 1)",
		       NULL, 0, &e) < 0) {
		fprintf(stderr, "open_store: %s\n", e.msg);
		store_free(st);
		return -1;
	}
	*state = st;
	return 0;
}

static int
close_store(void **state)
{
	store_free(*state);
	return 0;
}

static long long
count(struct store *st, const char *sql, const char *arg)
{
	struct store_val v[1] = {SV_TEXT(arg)};

	return store_query_int(st, sql, v, arg != NULL ? 1 : 0, -1);
}

static long long
live_sessions(struct store *st, const char *user)
{
	return count(st,
		     "SELECT count(*) FROM gate_sessions WHERE user = ? AND "
		     "revoked = 0",
		     user);
}

/* The after text of the newest audit record of action, "" if none. */
static char *
audit_after(struct store *st, const char *action)
{
	struct store_val v[1] = {SV_TEXT(action)};
	char *s =
	    store_query_text(st,
			     "SELECT coalesce(after, '') FROM audit WHERE "
			     "action = ? ORDER BY seq DESC LIMIT 1",
			     v, 1);

	return s != NULL ? s : xstrdup("");
}

static void
test_disable_enable(void **state)
{
	struct store *st = *state;
	struct err e;
	char *after;

	assert_int_equal(gate_db_user_disable(st, "ann", 1, "test", &e), 0);
	assert_int_equal(
	    count(st, "SELECT disabled FROM gate_users WHERE name = ?", "ann"),
	    1);
	/* her sessions are revoked with it, ben's are not */
	assert_int_equal(live_sessions(st, "ann"), 0);
	assert_int_equal(live_sessions(st, "ben"), 1);
	after = audit_after(st, "gate.user.disable");
	assert_string_equal(after, "2 sessions ended");
	free(after);
	assert_int_equal(gate_db_user_disable(st, "ann", 0, "test", &e), 0);
	assert_int_equal(
	    count(st, "SELECT disabled FROM gate_users WHERE name = ?", "ann"),
	    0);
	assert_int_equal(count(st,
			       "SELECT count(*) FROM audit WHERE action = ?",
			       "gate.user.enable"),
			 1);
	assert_int_equal(gate_db_user_disable(st, "nobody", 1, "test", &e), -1);
	assert_string_equal(e.msg, "no gate user 'nobody'");
	assert_int_equal(gate_db_user_disable(st, "a'b", 1, "test", &e), -1);
	assert_string_equal(e.msg, "no gate user 'a'b'");
}

static void
test_delete(void **state)
{
	struct store *st = *state;
	struct err e;

	assert_int_equal(gate_db_device_register(st, "d1", "ann", "00", NULL, 1,
						 "127.0.0.1", "gate", &e),
			 0);
	assert_int_equal(store_exec(st,
				    "INSERT INTO gate_failures(key, failures, "
				    "first) VALUES ('user:ann', 3, 1)",
				    NULL, 0, &e),
			 0);
	assert_int_equal(gate_db_user_delete(st, "ann", "test", &e), 0);
	assert_int_equal(
	    count(st, "SELECT count(*) FROM gate_users WHERE name = ?", "ann"),
	    0);
	assert_int_equal(
	    count(st, "SELECT count(*) FROM gate_devices WHERE user = ?",
		  "ann"),
	    0);
	assert_int_equal(
	    count(st, "SELECT count(*) FROM gate_failures WHERE key = ?",
		  "user:ann"),
	    0);
	assert_int_equal(live_sessions(st, "ann"), 0);
	assert_int_equal(live_sessions(st, "ben"), 1);
	assert_int_equal(gate_db_user_delete(st, "ann", "test", &e), -1);
	assert_string_equal(e.msg, "no gate user 'ann'");
	/* the name can be used again, from scratch */
	assert_int_equal(
	    gate_db_user_add(st, "ann", NULL, "", "new password 1", "test", &e),
	    0);
}

static void
test_password(void **state)
{
	struct store *st = *state;
	struct store_val v[1] = {SV_TEXT("ann")};
	struct err e;
	char *hash;

	assert_int_equal(store_exec(st,
				    "INSERT INTO gate_failures(key, failures, "
				    "first, locked_until) VALUES ('user:ann', "
				    "5, 1, 99999999999)",
				    NULL, 0, &e),
			 0);
	assert_int_equal(gate_db_user_password(st, "ann", "short", "test", &e),
			 -1);
	assert_string_equal(e.msg,
			    "password for 'ann' must be 8 to 1024 bytes");
	assert_int_equal(live_sessions(st, "ann"), 2);
	assert_int_equal(
	    gate_db_user_password(st, "ann", "a new password", "test", &e), 0);
	hash = store_query_text(
	    st, "SELECT password FROM gate_users WHERE name = ?", v, 1);
	assert_non_null(hash);
	assert_true(password_verify(hash, "a new password"));
	assert_false(password_verify(hash, "ann password 1"));
	free(hash);
	assert_int_equal(live_sessions(st, "ann"), 0);
	assert_int_equal(live_sessions(st, "ben"), 1);
	assert_int_equal(
	    count(st, "SELECT count(*) FROM gate_failures WHERE key = ?",
		  "user:ann"),
	    0);
	assert_int_equal(
	    gate_db_user_password(st, "nobody", "a new password", "test", &e),
	    -1);
	assert_string_equal(e.msg, "no gate user 'nobody'");
}

static void
test_pending_devices_capped(void **state)
{
	struct store *st = *state;
	struct err e;
	char id[8];

	/* an approved device does not count against the cap */
	assert_int_equal(gate_db_device_register(st, "ok", "ann", "00", NULL, 2,
						 "127.0.0.1", "gate", &e),
			 0);
	assert_int_equal(gate_db_device_approve(st, "ok", "test", &e), 0);
	for (int i = 0; i < GATE_DEVICES_PENDING_MAX + 2; i++) {
		/* p9 first, p5 last: in the same second, the names would
		 * order them the other way round */
		str_fmt(id, sizeof(id), "p%d", 9 - i);
		assert_int_equal(
		    store_exec(st,
			       "INSERT INTO gate_sessions(token_hash, user, "
			       "device, level, created, seen) VALUES ('s' || "
			       "?1, 'ann', ?1, 1, 1, 1)",
			       (struct store_val[]){SV_TEXT(id)}, 1, &e),
		    0);
		assert_int_equal(gate_db_device_register(st, id, "ann", "00",
							 "UA", 1, "127.0.0.1",
							 "gate", &e),
				 0);
	}
	assert_int_equal(count(st,
			       "SELECT count(*) FROM gate_devices WHERE user = "
			       "? AND approved = 0",
			       "ann"),
			 GATE_DEVICES_PENDING_MAX);
	/* the oldest went, with their sessions; the approved one stays */
	assert_int_equal(
	    count(st, "SELECT count(*) FROM gate_devices WHERE id = ?", "p9"),
	    0);
	assert_int_equal(
	    count(st, "SELECT count(*) FROM gate_devices WHERE id = ?", "p8"),
	    0);
	assert_int_equal(
	    count(st, "SELECT count(*) FROM gate_devices WHERE id = ?", "ok"),
	    1);
	assert_int_equal(count(st,
			       "SELECT revoked FROM gate_sessions WHERE device "
			       "= ?",
			       "p9"),
			 1);
	assert_int_equal(count(st,
			       "SELECT revoked FROM gate_sessions WHERE device "
			       "= ?",
			       "p5"),
			 0);
	assert_int_equal(
	    count(st, "SELECT factors FROM gate_devices WHERE id = ?", "p5"),
	    1);
	assert_int_equal(count(st,
			       "SELECT count(*) FROM gate_devices WHERE id = "
			       "? AND address = '127.0.0.1'",
			       "p5"),
			 1);
	/* another user's pending devices are not touched */
	assert_int_equal(gate_db_device_register(st, "b0", "ben", "00", NULL, 1,
						 "127.0.0.1", "gate", &e),
			 0);
	assert_int_equal(count(st,
			       "SELECT count(*) FROM gate_devices WHERE user = "
			       "? AND approved = 0",
			       "ann"),
			 GATE_DEVICES_PENDING_MAX);
}

static void
test_device_unapprove_delete(void **state)
{
	struct store *st = *state;
	struct err e;

	assert_int_equal(gate_db_device_register(st, "d1", "ann", "00", NULL, 2,
						 "127.0.0.1", "gate", &e),
			 0);
	assert_int_equal(store_exec(st,
				    "UPDATE gate_sessions SET device = 'd1' "
				    "WHERE token_hash = 'a1'",
				    NULL, 0, &e),
			 0);
	assert_int_equal(gate_db_device_approve(st, "d1", "test", &e), 0);
	assert_int_equal(gate_db_device_unapprove(st, "d1", "test", &e), 0);
	assert_int_equal(
	    count(st,
		  "SELECT count(*) FROM gate_devices WHERE id = ? AND approved "
		  "= 0 AND approved_by IS NULL AND approved_at IS NULL",
		  "d1"),
	    1);
	assert_int_equal(gate_db_device_unapprove(st, "nope", "test", &e), -1);
	assert_string_equal(e.msg, "no gate device 'nope'");
	assert_int_equal(gate_db_device_delete(st, "d1", "test", &e), 0);
	assert_int_equal(
	    count(st, "SELECT count(*) FROM gate_devices WHERE id = ?", "d1"),
	    0);
	/* the session made on it ends, the other one of ann's does not */
	assert_int_equal(live_sessions(st, "ann"), 1);
	assert_int_equal(gate_db_device_delete(st, "d1", "test", &e), -1);
	assert_string_equal(e.msg, "no gate device 'd1'");
	assert_int_equal(count(st,
			       "SELECT count(*) FROM audit WHERE action IN "
			       "('gate.device.unapprove', "
			       "'gate.device.delete') AND object = ?",
			       "gate device 'd1'"),
			 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_disable_enable, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_delete, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_password, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_pending_devices_capped,
					    open_store, close_store),
	    cmocka_unit_test_setup_teardown(test_device_unapprove_delete,
					    open_store, close_store),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
