/*
 * test_cf.c: unit tests of the counterfeit cases (src/counterfeit): the
 * proof of work (solved, single use, expiring, forged), the complaint
 * parser's limits, candidate normalisation, the state machine, the
 * takedown outputs (refusals, serial only on change) and the rules CF-1..3
 * over hits, scans, complaints and cases written through the store API,
 * with GOVSEC_NOW and check_opts.now fixing the clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counterfeit/cases.h"
#include "registry/registry.h"
#include "rules/rules.h"
#include "testutil.h"

#define GOV "11440700007250010K"

static char tmpdir[4096];
static int dbn;

static int
setup(void **state)
{
	char path[4300];
	struct err e;
	struct store *st;
	struct reg_counts rc;
	const char *reg =
	    "{\"units\":[{\"uscc\":\"" GOV "\",\"name\":\"江门市人民政府\","
	    "\"kind\":\"administrative\",\"level\":\"prefecture\","
	    "\"region\":\"440700\"}],\"applications\":[{\"id\":\"p\","
	    "\"unit\":\"" GOV "\",\"type\":\"portal\",\"name\":\"江门市人民政"
	    "府门户网站\",\"domains\":[{\"name\":\"www.jiangmen.gov.cn\","
	    "\"lang\":\"en\",\"main\":true}]}]}";

	setenv("GOVSEC_NOW", "2026-01-10T00:00:00Z", 1);
	if (tmpdir[0] == '\0' &&
	    tu_mkdtemp(tmpdir, sizeof(tmpdir), "test_cf") < 0)
		return -1;
	str_fmt(path, sizeof(path), "%s/db%d.sqlite", tmpdir, ++dbn);
	st = store_open(path, &e);
	if (st == NULL || store_migrate(st, &e) < 0 ||
	    reg_import(st, reg, strlen(reg), "t.json", "tester", &rc, &e) !=
		0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	*state = st;
	return 0;
}

static int
teardown(void **state)
{
	store_free(*state);
	return 0;
}

static void
now(const char *t)
{
	setenv("GOVSEC_NOW", t, 1);
}

/* ---- proof of work --------------------------------------------------------
 */

static const char *
solve(const char *ch, int bits)
{
	static char nonce[32];

	for (unsigned n = 0;; n++) {
		str_fmt(nonce, sizeof(nonce), "%x", n);
		if (cf_pow_solved(ch, nonce, bits))
			return nonce;
	}
}

static void
test_pow(void **state)
{
	struct store *st = *state;
	char ch[CF_CHALLENGE_MAX], n[32];
	time_t exp;
	struct err e;
	int hard = 0;

	assert_int_equal(cf_pow_issue(st, 7, 600, ch, &exp, &e), -1);
	assert_int_equal(cf_pow_issue(st, 10, 600, ch, &exp, &e), 0);
	assert_true(str_starts(ch, "10."));
	str_copy(n, solve(ch, 10), sizeof(n));
	/* a nonce that does not solve it is refused and costs nothing */
	for (unsigned k = 0; !hard; k++) {
		char other[32];

		str_fmt(other, sizeof(other), "%x", k);
		if (!cf_pow_solved(ch, other, 10)) {
			assert_int_equal(cf_pow_redeem(st, ch, other, &e), 0);
			assert_non_null(strstr(e.msg, "does not solve"));
			hard = 1;
		}
	}
	assert_int_equal(cf_pow_redeem(st, ch, n, &e), 1);
	/* single use */
	assert_int_equal(cf_pow_redeem(st, ch, n, &e), 0);
	/* forged: never issued */
	assert_int_equal(
	    cf_pow_redeem(st, "10.forged", solve("10.forged", 10), &e), 0);
	/* expired */
	assert_int_equal(cf_pow_issue(st, 8, 60, ch, &exp, &e), 0);
	str_copy(n, solve(ch, 8), sizeof(n));
	now("2026-01-10T00:01:01Z");
	assert_int_equal(cf_pow_redeem(st, ch, n, &e), 0);
	assert_non_null(strstr(e.msg, "expired"));
}

/* ---- the complaint parser --------------------------------------------------
 */

static int
parse(const char *json, struct cf_complaint_in *in, struct err *e)
{
	return cf_complaint_parse(json, strlen(json), in, e);
}

static void
test_complaint_parse(void **state)
{
	struct cf_complaint_in in;
	struct err e;
	char big[CF_COMPLAINT_MAX + 64];

	(void)state;
	assert_int_equal(
	    parse("{\"kind\":\"domain\",\"target\":\"a.top\",\"challenge\":"
		  "\"c\",\"nonce\":\"0f\",\"contact\":\"x@y\"}",
		  &in, &e),
	    0);
	assert_string_equal(in.lang, "zh");
	assert_string_equal(in.contact, "x@y");
	assert_int_equal(parse("{\"kind\":\"domain\",\"target\":\"a\",\"x\":1,"
			       "\"challenge\":\"c\",\"nonce\":\"0\"}",
			       &in, &e),
			 -1);
	assert_string_equal(e.msg, "$.x: unknown field");
	assert_int_equal(parse("{\"kind\":\"account\",\"target\":\"a\","
			       "\"challenge\":\"c\",\"nonce\":\"0\"}",
			       &in, &e),
			 -1);
	assert_non_null(strstr(e.msg, "$.platform"));
	assert_int_equal(parse("{\"kind\":\"domain\",\"target\":\"a\\nb\","
			       "\"challenge\":\"c\",\"nonce\":\"0\"}",
			       &in, &e),
			 -1);
	assert_int_equal(parse("{\"kind\":\"domain\",\"target\":\"a\\u0000b\","
			       "\"challenge\":\"c\",\"nonce\":\"0\"}",
			       &in, &e),
			 -1);
	assert_int_equal(parse("{\"kind\":\"domain\",\"target\":\"a\","
			       "\"challenge\":\"c\",\"nonce\":\"xyz\"}",
			       &in, &e),
			 -1);
	assert_int_equal(parse("[1]", &in, &e), -1);
	assert_int_equal(
	    parse("{\"kind\":\"domain\",\"kind\":\"app\"}", &in, &e), -1);
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	assert_int_equal(parse(big, &in, &e), -1);
	assert_non_null(strstr(e.msg, "over"));
}

static void
test_candidate(void **state)
{
	char out[CF_CANDIDATE_MAX];
	struct err e;

	(void)state;
	assert_int_equal(
	    cf_candidate_norm("domain",
			      "https://u:p@WWW.Jiangmen-Gov.top:8443"
			      "/a?b#c",
			      out, sizeof(out), &e),
	    0);
	assert_string_equal(out, "www.jiangmen-gov.top");
	assert_int_equal(
	    cf_candidate_norm("domain", "江门政府.中国", out, sizeof(out), &e),
	    0);
	assert_true(str_starts(out, "xn--"));
	assert_int_equal(
	    cf_candidate_norm("domain", "gov.cn", out, sizeof(out), &e), -1);
	assert_int_equal(cf_candidate_norm("domain", "", out, sizeof(out), &e),
			 -1);
	assert_int_equal(cf_candidate_norm("virus", "x", out, sizeof(out), &e),
			 -1);
	assert_int_equal(
	    cf_candidate_norm("app", "  江门通 ", out, sizeof(out), &e), 0);
	assert_string_equal(out, "江门通");
}

/* ---- cases and takedown
 * ------------------------------------------------------ */

static void
open_decided(struct store *st, const char *cand, const char *decision,
	     char id[CF_ID_MAX])
{
	struct cf_subject s = {"domain", cand, NULL, GOV, NULL, "manual", NULL};
	struct cf_step step = {CFA_CONFIRM, NULL, NULL, NULL, NULL, NULL, NULL};
	struct err e;
	int created;

	if (cf_case_open(st, &s, "tester", id, &created, &e) < 0 ||
	    cf_case_step(st, id, &step, "tester", &e) < 0)
		fail_msg("%s", e.msg);
	if (decision == NULL)
		return;
	step.action = CFA_DECIDE;
	step.decision = decision;
	step.note = "checked";
	if (cf_case_step(st, id, &step, "tester", &e) < 0)
		fail_msg("%s", e.msg);
}

static void
test_steps(void **state)
{
	struct store *st = *state;
	struct cf_subject s = {"domain", "a.top",  NULL, NULL,
			       NULL,	 "manual", NULL};
	struct cf_step step;
	char id[CF_ID_MAX], id2[CF_ID_MAX];
	struct err e;
	int created;

	assert_int_equal(cf_case_open(st, &s, "t", id, &created, &e), 0);
	assert_int_equal(created, 1);
	assert_int_equal(cf_case_open(st, &s, "t", id2, &created, &e), 0);
	assert_int_equal(created, 0);
	assert_string_equal(id, id2);
	memset(&step, 0, sizeof(step));
	for (int a = CFA_DECIDE; a <= CFA_REFER; a++) {
		step.action = (enum cf_action)a;
		step.decision = "counterfeit";
		step.note = "n";
		step.agency = "police";
		assert_int_equal(cf_case_step(st, id, &step, "t", &e), -1);
	}
	step.action = CFA_CONFIRM;
	assert_int_equal(cf_case_step(st, id, &step, "t", &e), 0);
	step.action = CFA_DECIDE;
	step.decision = "genuine";
	assert_int_equal(cf_case_step(st, id, &step, "t", &e), 0);
	/* closed: a new report opens a new case */
	assert_int_equal(cf_case_open(st, &s, "t", id2, &created, &e), 0);
	assert_int_equal(created, 1);
	assert_string_not_equal(id, id2);
	step.action = CFA_TAKEDOWN;
	assert_int_equal(cf_case_step(st, id, &step, "t", &e), -1);
	assert_non_null(strstr(e.msg, "genuine"));
}

static int
file_has(const char *dir, const char *name, const char *what)
{
	char path[4300];
	struct buf b = BUF_INIT(1 << 20);
	struct err e;
	int rc;

	str_fmt(path, sizeof(path), "%s/%s", dir, name);
	if (buf_read_file(&b, path, &e) < 0)
		fail_msg("%s", e.msg);
	rc = b.data != NULL && strstr(b.data, what) != NULL;
	buf_cleanup(&b);
	return rc;
}

static void
test_takedown(void **state)
{
	struct store *st = *state;
	struct cf_takedown_opts o;
	struct cf_takedown_result r;
	char id[CF_ID_MAX], dir[4096];
	struct err e;

	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "td"), 0);
	cf_takedown_opts_init(&o);
	open_decided(st, "jiangmen-gov.top", "counterfeit", id);
	open_decided(st, "www.jiangmen.gov.cn", "counterfeit", id);
	open_decided(st, "jiangmen.gov.cn", "counterfeit", id);
	open_decided(st, "warn.example.org", "counterfeit", id);
	open_decided(st, "other.top", "genuine", id);
	open_decided(st, "pending.top", NULL, id);
	o.warning_host = "warn.example.org";
	assert_int_equal(cf_takedown_write(st, dir, &o, &r, &e), 0);
	assert_int_equal(r.changed, 1);
	assert_int_equal(r.domains, 1);
	assert_int_equal(r.refused, 3);
	assert_true(file_has(dir, "govsec.rpz",
			     "jiangmen-gov.top\tCNAME\twarn.example.org.\n"
			     "*.jiangmen-gov.top\tCNAME\twarn.example.org.\n"));
	assert_false(file_has(dir, "govsec.rpz", "gov.cn"));
	assert_false(file_has(dir, "govsec.rpz", "other.top"));
	assert_false(file_has(dir, "govsec.rpz", "pending.top"));
	assert_true(file_has(dir, "domains.txt", "jiangmen-gov.top\n"));
	assert_int_equal(r.serial, 1);
	assert_int_equal(cf_takedown_write(st, dir, &o, &r, &e), 0);
	assert_int_equal(r.changed, 0);
	assert_int_equal(r.serial, 1);
	o.warning_host = NULL;
	assert_int_equal(cf_takedown_write(st, dir, &o, &r, &e), 0);
	assert_int_equal(r.changed, 1);
	assert_int_equal(r.serial, 2);
	assert_true(
	    file_has(dir, "govsec.rpz", "jiangmen-gov.top\tCNAME\t.\n"));
	tu_rmdir(dir);
}

/* ---- rules CF-1..3
 * ------------------------------------------------------------ */

struct seen {
	char rule[32], object[128], evidence[512];
	enum fstatus st;
};
static struct seen seen[64];
static size_t nseen;

static void
collect(void *arg, const struct finding *f)
{
	(void)arg;
	if (!str_starts(f->rule, "cf.") || nseen == ARRAY_SIZE(seen))
		return;
	str_copy(seen[nseen].rule, f->rule, sizeof(seen[0].rule));
	str_copy(seen[nseen].object, f->object, sizeof(seen[0].object));
	str_copy(seen[nseen].evidence, f->evidence, sizeof(seen[0].evidence));
	seen[nseen].st = f->status;
	assert_non_null(f->evidence_zh); /* every text has its Chinese */
	nseen++;
}

static const struct seen *
finding(const char *rule, const char *object)
{
	for (size_t i = 0; i < nseen; i++)
		if (!strcmp(seen[i].rule, rule) &&
		    !strcmp(seen[i].object, object))
			return &seen[i];
	fail_msg("no %s finding for %s", rule, object);
	return NULL;
}

static void
check_at(struct store *st, const char *at, struct check_summary *sum)
{
	struct check_opts o;
	struct check_sink sink = {collect, NULL, 0, NULL, NULL};
	struct err e;

	check_opts_init(&o);
	assert_int_equal(time_parse(at, &o.now), 0);
	nseen = 0;
	if (check_run(st, &o, &sink, sum, &e) < 0)
		fail_msg("%s", e.msg);
}

static const char *
req_verdict(const struct check_summary *sum, const char *id)
{
	for (size_t i = 0; i < sum->nreq; i++)
		if (!strcmp(sum->req[i].id, id))
			return sum->req[i].verdict;
	return "?";
}

static void
scan(struct store *st, const char *id, const char *feed, const char *at,
     const char *error)
{
	time_t t;
	struct store_val v[5];
	struct err e;

	assert_int_equal(time_parse(at, &t), 0);
	v[0] = SV_TEXT(id);
	v[1] = SV_TEXT(feed);
	v[2] = SV_INT(t);
	v[3] = SV_INT(t + 60);
	v[4] = SV_TEXT(error);
	if (store_exec(
		st,
		"INSERT INTO cf_scans(id, feed, kind, started, finished, "
		"error) VALUES (?,?,'domain',?,?,?)",
		v, 5, &e) < 0)
		fail_msg("%s", e.msg);
}

static void
test_rules(void **state)
{
	struct store *st = *state;
	struct check_summary sum;
	struct cf_complaint_in in;
	struct secret_key k = {{0}, 1};
	char late[CF_ID_MAX], fresh[CF_ID_MAX], stop_late[CF_ID_MAX],
	    stop_ok[CF_ID_MAX], tr[CF_TRACKING_MAX], ccase[CF_ID_MAX];
	struct cf_step step = {CFA_TAKEDOWN, NULL, NULL, NULL,
			       NULL,	     NULL, NULL};
	struct err e;
	struct cf_subject s = {"domain", "late.top", NULL, GOV,
			       NULL,	 "scan",     NULL};
	json_t *track;
	int created;

	/* nothing recorded: nothing judged */
	check_at(st, "2026-02-01T00:00:00Z", &sum);
	assert_int_equal(nseen, 0);
	assert_string_equal(req_verdict(&sum, "CF-1"), "not_applicable");

	scan(st, "s1", "newly-registered", "2026-01-30T00:00:00Z", NULL);
	scan(st, "s2", "ct-log", "2026-01-20T00:00:00Z", NULL);
	scan(st, "s3", "ct-log", "2026-01-31T12:00:00Z", "connection refused");
	scan(st, "s4", "broken", "2026-01-31T00:00:00Z", "no such file");

	now("2026-01-10T00:00:00Z");
	assert_int_equal(cf_case_open(st, &s, "t", late, &created, &e), 0);
	s.candidate = "fresh.top";
	now("2026-01-25T00:00:00Z");
	assert_int_equal(cf_case_open(st, &s, "t", fresh, &created, &e), 0);
	now("2026-01-10T00:00:00Z");
	open_decided(st, "stop-late.top", "counterfeit", stop_late);
	now("2026-01-29T00:00:00Z");
	open_decided(st, "stop-ok.top", "counterfeit", stop_ok);
	step.action = CFA_TAKEDOWN;
	assert_int_equal(cf_case_step(st, stop_ok, &step, "t", &e), 0);
	step.action = CFA_DONE;
	assert_int_equal(cf_case_step(st, stop_ok, &step, "t", &e), 0);
	/* a complaint left unexamined */
	memset(&in, 0, sizeof(in));
	str_copy(in.kind, "domain", sizeof(in.kind));
	str_copy(in.target, "complained.top", sizeof(in.target));
	str_copy(in.contact, "13800000000", sizeof(in.contact));
	str_copy(in.lang, "zh", sizeof(in.lang));
	now("2026-01-20T00:00:00Z");
	assert_int_equal(cf_complaint_submit(st, &k, &in, tr, &e), 0);
	track = cf_complaint_track(st, tr);
	assert_non_null(track);
	assert_null(json_object_get(track, "contact"));
	json_decref(track);
	assert_null(cf_complaint_track(st, "Tnot-a-code"));
	(void)ccase;

	check_at(st, "2026-02-01T00:00:00Z", &sum);
	assert_int_equal(finding("cf.scans", "cf-feed:newly-registered")->st,
			 ST_PASS);
	/* the last try failed: the success before it is too old */
	assert_int_equal(finding("cf.scans", "cf-feed:ct-log")->st, ST_FAIL);
	assert_non_null(strstr(finding("cf.scans", "cf-feed:ct-log")->evidence,
			       "more than 48 hours"));
	assert_int_equal(finding("cf.scans", "cf-feed:broken")->st, ST_FAIL);
	assert_int_equal(finding("cf.confirmed", late)->st, ST_FAIL);
	assert_int_equal(finding("cf.confirmed", fresh)->st, ST_PASS);
	assert_int_equal(finding("cf.confirmed", stop_late)->st, ST_PASS);
	assert_int_equal(finding("cf.stopped", stop_late)->st, ST_FAIL);
	assert_int_equal(finding("cf.stopped", stop_ok)->st, ST_PASS);
	assert_int_equal(nseen, 3 + 5 + 2 + 1);
	for (size_t i = 0; i < nseen; i++)
		if (!strcmp(seen[i].rule, "cf.complaints"))
			assert_int_equal(seen[i].st, ST_FAIL);
	assert_string_equal(req_verdict(&sum, "CF-1"), "fail");
	assert_string_equal(req_verdict(&sum, "CF-2"), "fail");
	assert_string_equal(req_verdict(&sum, "CF-3"), "fail");
	/* within the deadlines, everything passes */
	check_at(st, "2026-01-20T00:00:01Z", &sum);
	assert_int_equal(finding("cf.confirmed", late)->st, ST_PASS);
	assert_int_equal(finding("cf.stopped", stop_late)->st, ST_FAIL);
}

/* The settings of cases, complaints and takedown, and bad values named. */
static void
test_config(void **state)
{
	char path[4300];
	struct config c;
	struct err e;
	FILE *f;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.cf_pow_bits, CF_POW_BITS);
	assert_string_equal(c.td_zone, "rpz.govsec.");
	assert_int_equal(c.cf_confirm_days, CHECK_CF_CONFIRM_DAYS);
	str_fmt(path, sizeof(path), "%s/g.conf", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[takedown]\ndir = /var/lib/govsec/td\nwarning_host = warn."
	      "example.gov.cn\nreload = unbound-control reload\nttl = 60\n"
	      "[complaints]\npow_bits = 22\nper_hour = 4\n"
	      "[check]\ncf_takedown_days = 2\n",
	      f);
	fclose(f);
	assert_int_equal(config_load(&c, path, &e), 0);
	assert_string_equal(c.td_warning_host, "warn.example.gov.cn");
	assert_int_equal(c.cf_pow_bits, 22);
	assert_int_equal(c.cf_per_hour, 4);
	assert_int_equal(c.cf_takedown_days, 2);
	assert_int_equal(c.td_ttl, 60);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[complaints]\npow_bits = 40\n", f);
	fclose(f);
	assert_int_equal(config_load(&c, path, &e), -1);
	assert_non_null(strstr(e.msg, "[complaints] pow_bits"));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[takedown]\nwarning_host = a b\n", f);
	fclose(f);
	assert_int_equal(config_load(&c, path, &e), -1);
	assert_non_null(strstr(e.msg, "[takedown] warning_host"));
	remove(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pow, setup, teardown),
	    cmocka_unit_test(test_complaint_parse),
	    cmocka_unit_test(test_candidate),
	    cmocka_unit_test_setup_teardown(test_steps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_takedown, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
	    cmocka_unit_test(test_config),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (tmpdir[0] != '\0')
		tu_rmdir(tmpdir);
	return rc;
}
