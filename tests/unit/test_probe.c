/*
 * test_probe.c: unit tests of GOVWEB-1 availability probing without any
 * network: the weekly verdict with the 5 % veto, targets that are not URLs
 * or host names, names the test map refuses (never reaching DNS), storing
 * and pruning results, the portals to probe, and the [probe] settings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"
#include "testutil.h"

/* probe_verdict over a week whose days all hold n probes, failed of all */
static int
week(long n, long failed)
{
	long day[PROBE_DAYS];

	for (int i = 0; i < PROBE_DAYS; i++)
		day[i] = n;
	return probe_verdict(day, failed);
}

static void
test_verdict(void **state)
{
	long day[PROBE_DAYS] = {20, 20, 20, 20, 20, 20, 20};

	(void)state;
	assert_int_equal(week(0, 0), -1);
	assert_int_equal(week(19, 0), -1);
	assert_int_equal(week(19, 19 * 7), -1);
	assert_int_equal(week(20, 0), 1);
	assert_int_equal(week(20, 7), 0);   /* exactly 5 % */
	assert_int_equal(week(20, 6), 1);   /* 4.29 % */
	assert_int_equal(week(21, 7), 1);   /* 4.76 % */
	assert_int_equal(week(100, 35), 0); /* 5 % */
	assert_int_equal(week(100, 34), 1);
	assert_int_equal(week(1000000, 349999), 1);
	assert_int_equal(week(1000000, 350000), 0);
	assert_int_equal(week(20, 140), 0);
	/* the indicator: at least 20 a day, every day of the week; many
	 * probes on six days do not make up for one short day */
	assert_int_equal(probe_verdict(day, 0), 1);
	day[3] = 19;
	assert_int_equal(probe_verdict(day, 0), -1);
	day[3] = 20;
	day[6] = 0;
	assert_int_equal(probe_verdict(day, 0), -1);
	for (int i = 0; i < PROBE_DAYS - 1; i++)
		day[i] = 1000;
	assert_int_equal(probe_verdict(day, 0), -1);
}

static void
test_bad_targets(void **state)
{
	struct probe_opts o;
	struct probe_result r;
	struct err e;

	(void)state;
	probe_opts_init(&o);
	assert_int_equal(o.timeout, 15);
	assert_int_equal(o.allow_private, 0);
	assert_int_equal(probe_run("", &o, &r, &e), -1);
	assert_int_equal(probe_run("/etc/passwd", &o, &r, &e), -1);
	assert_int_equal(probe_run("a.gov.cn/x", &o, &r, &e), -1);
	assert_int_equal(probe_run("user@a.gov.cn", &o, &r, &e), -1);
	assert_int_equal(probe_run("https://", &o, &r, &e), -1);
	assert_string_equal(e.msg, "'https://' is not an http(s) URL");
}

static void
test_map_refuses(void **state)
{
	struct probe_opts o;
	struct probe_result r;
	struct err e;

	(void)state;
	probe_opts_init(&o);
	o.resolve = "*=none";
	o.timeout = 2;
	assert_int_equal(probe_run("www.a.gov.cn", &o, &r, &e), 0);
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.url, "https://www.a.gov.cn/");
	assert_string_equal(r.error, "https: the name does not resolve; "
				     "http: the name does not resolve");
	assert_true(r.ms < 1000);
	assert_int_equal(strlen(r.at), 20);
	assert_int_equal(probe_run("http://www.a.gov.cn/x", &o, &r, &e), 0);
	assert_string_equal(r.url, "http://www.a.gov.cn/x");
	assert_string_equal(r.error, "the name does not resolve");
}

static int
count(struct store *st, const char *where)
{
	char sql[256];

	str_fmt(sql, sizeof(sql), "SELECT count(*) FROM probe_results %s",
		where);
	return (int)store_query_int(st, sql, NULL, 0, -1);
}

static void
test_store(void **state)
{
	char dir[512], path[600], old[32];
	struct probe_result r;
	struct probe_target *t;
	struct store *st;
	size_t n;
	struct err e;

	(void)state;
	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "probe"), 0);
	str_fmt(path, sizeof(path), "%s/g.db", dir);
	st = store_open(tu_store(path), &e);
	assert_non_null(st);
	assert_int_equal(store_migrate(st, &e), 0);
	assert_true(store_version(st) >= 4);
	assert_int_equal(
	    store_exec(
		st,
		"INSERT INTO units (uscc, name, kind, level, region, "
		"updated) VALUES ('U', 'u', 'administrative', "
		"'county', '440700', 'x');"
		"INSERT INTO apps (id, unit, type, name, status, "
		"updated) VALUES ('p1', 'U', 'portal', 'p', 'live', "
		"'x'), ('p2', 'U', 'portal', 'q', 'closed', 'x'), "
		"('m1', 'U', 'mini', 'm', 'live', 'x'), ('p3', 'U', "
		"'portal', 'r', NULL, 'x');"
		"INSERT INTO domains (name, app, unicode, lang, main, suffix) "
		"VALUES ('b.gov.cn', 'p1', "
		"'b.gov.cn', 'en', 0, 1), ('a.gov.cn', 'p1', "
		"'a.gov.cn', 'en', 1, 1), ('c.gov.cn', 'p2', "
		"'c.gov.cn', 'en', 1, 1), ('d.gov.cn', 'p3', "
		"'d.gov.cn', 'en', 1, 1);",
		NULL, 0, &e),
	    0);
	/* live portals, main domain first; a named app of any status */
	assert_int_equal(probe_targets(st, NULL, &t, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].app, "p1");
	assert_string_equal(t[0].host, "a.gov.cn");
	assert_string_equal(t[1].app, "p3");
	probe_targets_free(t, n);
	assert_int_equal(probe_targets(st, "p2", &t, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].host, "c.gov.cn");
	probe_targets_free(t, n);
	assert_int_equal(probe_targets(st, "none", &t, &n, &e), 0);
	assert_int_equal(n, 0);
	probe_targets_free(t, n);

	/* saving prunes the app's results older than 400 days */
	memset(&r, 0, sizeof(r));
	time_fmt(time_now() - (PROBE_KEEP_DAYS + 1) * 86400L, old, sizeof(old));
	str_copy(r.at, old, sizeof(r.at));
	str_copy(r.url, "https://a.gov.cn/", sizeof(r.url));
	assert_int_equal(probe_save(st, "p1", &r, &e), 0);
	assert_int_equal(count(st, ""), 0); /* too old to keep at all */
	{
		struct store_val v[1] = {SV_TEXT(old)};

		assert_int_equal(
		    store_exec(st,
			       "INSERT INTO probe_results (app, at, url, ok, "
			       "ms) VALUES ('p1', ?1, 'u', 0, 1), (NULL, ?1, "
			       "'u', 0, 1), ('p3', ?1, 'u', 0, 1)",
			       v, 1, &e),
		    0);
	}
	assert_int_equal(count(st, ""), 3);
	time_fmt(time_now(), r.at, sizeof(r.at));
	r.ok = 1;
	r.status = 200;
	r.ms = 12;
	assert_int_equal(probe_save(st, "p1", &r, &e), 0);
	assert_int_equal(count(st, "WHERE app = 'p1'"), 1);
	assert_int_equal(count(st, "WHERE app IS NULL"), 1);
	assert_int_equal(count(st, "WHERE app = 'p3'"), 1); /* not yet */
	assert_int_equal(probe_save(st, NULL, &r, &e), 0);
	assert_int_equal(count(st, "WHERE app IS NULL"), 1);
	assert_int_equal(count(st, "WHERE app IS NULL AND status = 200 AND "
				   "error IS NULL AND ms = 12"),
			 1);
	store_free(st);
	tu_rmdir(dir);
}

/* A store named name in dir at the migrations before version upto (none:
 * 0), probes stored before migration 30 or after it (a raw row each),
 * then migrated to the newest. */
static struct store *
store_at(const char *dir, const char *name, int upto, int before30, int after30)
{
	char path[700];
	struct store *st;
	struct err e;
	const char *raw = "INSERT INTO probe_results (app, at, url, ok, ms) "
			  "VALUES (NULL, '2024-07-01T04:00:00Z', 'u', 1, 5)";

	str_fmt(path, sizeof(path), "%s/%s.db", dir, name);
	st = store_open(tu_store(path), &e);
	assert_non_null(st);
	assert_int_equal(store_begin(st, &e), 0);
	for (int i = 0; i < store_nmigrations; i++) {
		const struct migration *m = &store_migrations[i];
		struct store_val v[1] = {SV_INT(m->version)};

		if (m->version >= upto)
			break;
		if (m->version == 30 && before30)
			assert_int_equal(store_exec(st, raw, NULL, 0, &e), 0);
		if (store_exec(st, m->sql, NULL, 0, &e) < 0 ||
		    store_exec(st,
			       "INSERT INTO schema_version (version, applied) "
			       "VALUES (?, 'then')",
			       v, 1, &e) < 0)
			fail_msg("migration %d: %s", m->version, e.msg);
	}
	if (after30)
		assert_int_equal(store_exec(st, raw, NULL, 0, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
	if (store_migrate(st, &e) < 0)
		fail_msg("migrate %s: %s", name, e.msg);
	/* the marker of migration 30 is no row of the summaries */
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM probe_sums "
					 "WHERE app = ''",
					 NULL, 0, -1),
			 0);
	return st;
}

/* Whether the summaries of the probes are complete (migration 34 moved
 * that out of probe_sums): kept by migration, by govsec store copy, and
 * set by probe_sums_build. */
static void
test_sums_complete(void **state)
{
	char dir[512];
	struct store *old, *marked, *young, *fr, *to1, *to2;
	struct err e;
	long long napps = -1;

	(void)state;
	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "probesums"), 0);
	/* probes before migration 30: not complete, also after 34 */
	old = store_at(dir, "old", 34, 1, 0);
	assert_int_equal(probe_sums_complete(old), 0);
	/* probes only after it (migration 30's marker): complete */
	marked = store_at(dir, "marked", 34, 0, 1);
	assert_int_equal(probe_sums_complete(marked), 1);
	young = store_at(dir, "young", 34, 0, 0);
	assert_int_equal(probe_sums_complete(young), 1);
	/* a new store is complete and holds no rows of its own */
	fr = store_at(dir, "fresh", 0, 0, 0);
	assert_int_equal(probe_sums_complete(fr), 1);
	assert_int_equal(
	    store_query_int(fr, "SELECT count(*) FROM settings", NULL, 0, -1),
	    0);
	assert_int_equal(
	    store_query_int(fr, "SELECT count(*) FROM probe_sums", NULL, 0, -1),
	    0);

	/* govsec store copy keeps the state, either way */
	to1 = store_at(dir, "to1", 0, 0, 0);
	if (store_copy(old, to1, 0, &e) < 0)
		fail_msg("copy old: %s", e.msg);
	assert_int_equal(probe_sums_complete(to1), 0);
	assert_int_equal(store_query_int(to1,
					 "SELECT count(*) FROM probe_results",
					 NULL, 0, -1),
			 1);
	to2 = store_at(dir, "to2", 0, 0, 0);
	if (store_copy(marked, to2, 0, &e) < 0)
		fail_msg("copy marked: %s", e.msg);
	assert_int_equal(probe_sums_complete(to2), 1);

	/* summing them up (govsec summarize) makes the copy complete */
	assert_int_equal(store_begin(to1, &e), 0);
	assert_int_equal(probe_sums_build(to1, &napps, &e), 0);
	assert_int_equal(store_commit(to1, &e), 0);
	assert_int_equal(napps, 0); /* the one probe is of no portal */
	assert_int_equal(probe_sums_complete(to1), 1);
	assert_int_equal(probe_sums_complete(old), 0);

	struct store *all[] = {old, marked, young, fr, to1, to2};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		store_free(all[i]);
	tu_rmdir(dir);
}

static void
test_config(void **state)
{
	char dir[512], path[600];
	struct config c;
	struct err e;
	FILE *f;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.probe_enabled, 0);
	assert_int_equal(c.probe_per_day, 20);
	assert_int_equal(c.probe_timeout, 15);
	assert_int_equal(c.probe_allow_private, 0);
	assert_string_equal(c.probe_resolve, "");
	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "probeconf"), 0);
	str_fmt(path, sizeof(path), "%s/govsec.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[probe]\nenabled = yes\nper_day = 96\ntimeout = 10\n"
	      "allow_private = yes\nresolve = *=127.0.0.1\n",
	      f);
	fclose(f);
	assert_int_equal(config_load(&c, path, &e), 0);
	assert_int_equal(c.probe_enabled, 1);
	assert_int_equal(c.probe_per_day, 96);
	assert_int_equal(c.probe_timeout, 10);
	assert_int_equal(c.probe_allow_private, 1);
	assert_string_equal(c.probe_resolve, "*=127.0.0.1");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[probe]\nper_day = 86401\n", f);
	fclose(f);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, &e), -1);
	assert_non_null(strstr(e.msg, "bad value '86401' for [probe] per_day"));
	tu_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verdict),
	    cmocka_unit_test(test_bad_targets),
	    cmocka_unit_test(test_map_refuses),
	    cmocka_unit_test(test_store),
	    cmocka_unit_test(test_sums_complete),
	    cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
