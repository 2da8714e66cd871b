/*
 * test_rules.c: unit tests of src/rules (SUP-1 self-examination): one test
 * per rule of check.c's table over small registries imported from JSON
 * written here, asserting the exact status and a distinctive part of the
 * evidence for pass, fail, not_applicable and unknown; acknowledgements
 * and overdue findings; the unit filter; check_opts.now fixing "today" (so
 * nothing depends on the real date). JSON is written with single quotes,
 * turned into double quotes before import. Every test gets a fresh on-disk
 * store in a temporary directory under $GOVSEC_TEST_TMP (or /tmp), removed
 * at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "mail/mail.h"
#include "inspect/inspect.h"
#include "registry/registry.h"
#include "rules/rules.h"

static char tmpdir[4096];
static int dbcount;

static int
make_tmpdir(void **state)
{
	(void)state;
	if (tu_mkdtemp(tmpdir, sizeof(tmpdir), "test_rules") < 0)
		return -1;
	/* Audit timestamps only; "today" comes from check_opts.now. */
	setenv("GOVSEC_NOW", "2024-07-01T04:00:00Z", 1);
	unsetenv("GOVSEC_PLATFORMS");
	return 0;
}

static int
remove_tmpdir(void **state)
{
	(void)state;
	tu_rmdir(tmpdir);
	return 0;
}

/* Findings of the last run, copied out of the sink. */
struct fnd {
	char rule[48], req[16], object[80], otype[16], unit[24];
	enum fstatus status;
	char evidence[1024], fix[512], owner[64], due[16];
	char evidence_zh[1024], fix_zh[512];
	int overdue;
};
static struct fnd *found;
static size_t nfound, capfound;
static struct check_summary sum;

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
	if (st == NULL || store_migrate(st, &e) < 0) {
		fprintf(stderr, "store: %s\n", e.msg);
		store_free(st);
		return -1;
	}
	nfound = 0;
	*state = st;
	return 0;
}

static int
close_store(void **state)
{
	store_free(*state);
	*state = NULL;
	free(found);
	found = NULL;
	nfound = capfound = 0;
	return 0;
}

static void
copy(char *dst, const char *src, size_t n)
{
	str_copy(dst, src != NULL ? src : "", n);
}

static void
collect(void *arg, const struct finding *f)
{
	struct fnd *x;

	(void)arg;
	if (nfound == capfound) {
		capfound = capfound ? capfound * 2 : 64;
		found = xrealloc(found, capfound * sizeof(*found));
	}
	x = &found[nfound++];
	memset(x, 0, sizeof(*x));
	copy(x->rule, f->rule, sizeof(x->rule));
	copy(x->req, f->requirement, sizeof(x->req));
	copy(x->object, f->object, sizeof(x->object));
	copy(x->otype, f->object_type, sizeof(x->otype));
	copy(x->unit, f->unit, sizeof(x->unit));
	copy(x->evidence, f->evidence, sizeof(x->evidence));
	copy(x->evidence_zh, f->evidence_zh, sizeof(x->evidence_zh));
	copy(x->fix_zh, f->fix_zh, sizeof(x->fix_zh));
	copy(x->fix, f->fix, sizeof(x->fix));
	copy(x->owner, f->owner, sizeof(x->owner));
	copy(x->due, f->due, sizeof(x->due));
	x->status = f->status;
	x->overdue = f->overdue;
	assert_non_null(f->title);
	assert_non_null(f->title_zh);
}

/* Single quotes to double quotes (test data has no apostrophes). */
static char *
Q(const char *sq)
{
	char *s = xstrdup(sq);

	for (char *p = s; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

static void
load(struct store *st, const char *sq)
{
	char *text = Q(sq);
	struct reg_counts c;
	struct err e;

	if (reg_import(st, text, strlen(text), "t.json", "tester", &c, &e) != 0)
		fail_msg("import: %s\n%s", e.msg, text);
	free(text);
}

static time_t
when(const char *s)
{
	time_t t;

	if (time_parse(s, &t) < 0)
		fail_msg("bad time '%s'", s);
	return t;
}

/* Runs every rule at time now (RFC 3339) with opts o (NULL: defaults). */
static void
run_opts(struct store *st, const char *now, struct check_opts *o)
{
	struct check_opts def;
	struct check_sink sink = {collect, NULL, 0, NULL, NULL};
	struct err e;
	long long n[ST__COUNT] = {0};

	if (o == NULL) {
		check_opts_init(&def);
		o = &def;
	}
	o->now = when(now);
	nfound = 0;
	if (check_run(st, o, &sink, &sum, &e) != 0)
		fail_msg("check_run: %s", e.msg);
	/* The summary counts what was emitted. */
	for (size_t i = 0; i < nfound; i++)
		n[found[i].status]++;
	for (int s = 0; s < ST__COUNT; s++)
		assert_int_equal(sum.count[s], n[s]);
}

static void
run(struct store *st)
{
	run_opts(st, "2024-07-01T04:00:00Z", NULL);
}

static const char *
status_name(enum fstatus s)
{
	return check_status_str(s);
}

/* The one finding of rule for object; fails if none or several. */
static const struct fnd *
get(const char *rule, const char *object)
{
	const struct fnd *hit = NULL;

	for (size_t i = 0; i < nfound; i++) {
		if (strcmp(found[i].rule, rule) != 0 ||
		    strcmp(found[i].object, object) != 0)
			continue;
		if (hit != NULL)
			fail_msg("%s has two findings for '%s'", rule, object);
		hit = &found[i];
	}
	if (hit == NULL)
		fail_msg("%s has no finding for '%s'", rule, object);
	return hit;
}

static void
expect_f(const char *rule, const char *object, enum fstatus st,
	 const char *evidence)
{
	const struct fnd *f = get(rule, object);

	if (f->status != st || strstr(f->evidence, evidence) == NULL)
		fail_msg("%s '%s': %s \"%s\"; expected %s with \"%s\"", rule,
			 object, status_name(f->status), f->evidence,
			 status_name(st), evidence);
	/* A fix is given exactly when something is to be done. */
	if (st == ST_PASS || st == ST_NA)
		assert_string_equal(f->fix, "");
	else if (f->fix[0] == '\0')
		fail_msg("%s '%s': %s without a fix", rule, object,
			 status_name(st));
}

/* Same with the exact evidence. */
static void
expect_exact(const char *rule, const char *object, enum fstatus st,
	     const char *evidence)
{
	const struct fnd *f = get(rule, object);

	if (f->status != st || strcmp(f->evidence, evidence) != 0)
		fail_msg("%s '%s': %s \"%s\"; expected %s with exactly \"%s\"",
			 rule, object, status_name(f->status), f->evidence,
			 status_name(st), evidence);
}

static void
expect_none(const char *rule, const char *object)
{
	for (size_t i = 0; i < nfound; i++)
		if (strcmp(found[i].rule, rule) == 0 &&
		    strcmp(found[i].object, object) == 0)
			fail_msg("%s: unexpected finding for '%s': %s \"%s\"",
				 rule, object, status_name(found[i].status),
				 found[i].evidence);
}

static size_t
count_rule(const char *rule)
{
	size_t n = 0;

	for (size_t i = 0; i < nfound; i++)
		n += strcmp(found[i].rule, rule) == 0;
	return n;
}

/* Test data: real codes (data/demo.json). */
#define GOV  "11440700007250010K" /* 江门市人民政府, prefecture organ */
#define GA   "11440700007250037B" /* 江门市公安局, prefecture organ */
#define EDU  "114407000072500456" /* 江门市教育局, prefecture organ */
#define TS   "11440781007251013E" /* 台山市人民政府, county */
#define TSJY "114407810072510219" /* 台山市教育局, county department */
#define TOWN "1144078100725103X1" /* 台山市斗山镇人民政府, township */
#define HOSP "12440700456000017U" /* 江门市中心医院, institution */
#define UNI  "12440700456000025N" /* 五邑大学, institution */
#define LIB  "12440700456000033H" /* 江门市图书馆, institution */

#define UNITS                                                                              \
	"'units':["                                                                        \
	"{'uscc':'" GOV "','name':'江门市人民政府','short_name':'江门市政府'," \
	"'kind':'administrative','level':'prefecture','region':'440700',"                  \
	"'region_name':'江门市'},"                                                      \
	"{'uscc':'" GA "','name':'江门市公安局','kind':'administrative',"            \
	"'level':'prefecture','region':'440700','region_name':'江门市',"                \
	"'parent':'" GOV "'},"                                                             \
	"{'uscc':'" EDU "','name':'江门市教育局','kind':'administrative',"           \
	"'level':'prefecture','region':'440700','region_name':'江门市',"                \
	"'parent':'" GOV "'},"                                                             \
	"{'uscc':'" TS "','name':'台山市人民政府','short_name':'台山市政府',"  \
	"'kind':'administrative','level':'county','region':'440781',"                      \
	"'region_name':'台山市','parent':'" GOV "'},"                                      \
	"{'uscc':'" TSJY "','name':'台山市教育局','kind':'administrative',"          \
	"'level':'county','region':'440781','region_name':'台山市',"                    \
	"'parent':'" TS "'},"                                                              \
	"{'uscc':'" TOWN "','name':'台山市斗山镇人民政府',"                      \
	"'kind':'administrative','level':'township','region':'440781',"                    \
	"'region_name':'台山市斗山镇','parent':'" TS "'},"                                 \
	"{'uscc':'" HOSP "','name':'江门市中心医院','kind':'institution',"          \
	"'level':'prefecture','region':'440700','region_name':'江门市'},"               \
	"{'uscc':'" UNI "','name':'五邑大学','kind':'institution',"                    \
	"'level':'prefecture','region':'440700','region_name':'江门市'},"               \
	"{'uscc':'" LIB "','name':'江门市图书馆','kind':'institution',"              \
	"'level':'prefecture','region':'440700','region_name':'江门市'}]"

/* Loads UNITS plus the given applications (a JSON list body). */
static void
load_apps(struct store *st, const char *apps)
{
	struct buf b = BUF_INIT(1 << 20);

	assert_int_equal(
	    buf_printf(&b, "{" UNITS ",'applications':[%s]}", apps), 0);
	load(st, b.data);
	buf_cleanup(&b);
}

/* SITE-1 site.one-portal */

static void
test_site_one_portal(void **state)
{
	struct store *st = *state;
	struct err e;

	load_apps(st,
		  "{'id':'p-gov','unit':'" GOV "','type':'portal','name':'n',"
		  "'filed':true},"
		  "{'id':'p-ga','unit':'" GA "','type':'portal','name':'门户',"
		  "'filed':false},"
		  "{'id':'p-edu','unit':'" EDU "','type':'portal','name':'n'},"
		  "{'id':'p-hosp','unit':'" HOSP "','type':'portal','name':'n',"
		  "'status':'closed','filed':false},"
		  "{'id':'p-uni','unit':'" UNI "','type':'portal','name':'n',"
		  "'status':'planned','filed':true},"
		  "{'id':'a-gov','unit':'" GOV "','type':'app','name':'n'}");
	run(st);
	expect_f("site.one-portal", "p-gov", ST_PASS,
		 "the unit's only portal; opening reviewed and filed");
	expect_f("site.one-portal", "p-ga", ST_FAIL,
		 "portal '门户' was opened without review and filing");
	expect_f("site.one-portal", "p-edu", ST_UNKNOWN,
		 "whether the opening was reviewed and filed is not declared");
	expect_f("site.one-portal", "p-uni", ST_PASS, "");
	expect_none("site.one-portal", "p-hosp");
	expect_none("site.one-portal", "a-gov");
	{
		const struct fnd *f = get("site.one-portal", "p-gov");

		assert_string_equal(f->req, "SITE-1");
		assert_string_equal(f->otype, "application");
		assert_string_equal(f->unit, GOV);
	}

	/* Two portals (only possible around the registry's own check). */
	assert_int_equal(
	    store_exec(st, "DROP INDEX IF EXISTS apps_one_portal", NULL, 0, &e),
	    0);
	assert_int_equal(store_exec(st,
				    "INSERT INTO apps(id, unit, type, name, "
				    "status, filed, updated) VALUES ('p-gov2', "
				    "'" GOV "', 'portal', 'n', 'live', 1, 'x')",
				    NULL, 0, &e),
			 0);
	run(st);
	expect_f("site.one-portal", "p-gov", ST_FAIL,
		 "unit '" GOV "' has 2 portal websites");
	expect_f("site.one-portal", "p-gov2", ST_FAIL,
		 "unit '" GOV "' has 2 portal websites");
}

/* SITE-2 site.domains */

static void
test_site_domains(void **state)
{
	struct store *st = *state;

	load_apps(st,
		  "{'id':'p-gov','unit':'" GOV "','type':'portal','name':'n',"
		  "'domains':[{'name':'江门市人民政府.政务'},"
		  "{'name':'www.jiangmen.gov.cn','main':true}]},"
		  "{'id':'p-ga','unit':'" GA "','type':'portal','name':'n'},"
		  "{'id':'p-edu','unit':'" EDU "','type':'portal','name':'n',"
		  "'domains':[{'name':'www.jmedu.gov.cn'},"
		  "{'name':'jyj.jiangmen.gov.cn'}]},"
		  "{'id':'p-ts','unit':'" TS "','type':'portal','name':'n',"
		  "'domains':[{'name':'www.cnts.gov.cn'}]},"
		  "{'id':'m-gov','unit':'" GOV "','type':'email','name':'n'}");
	run(st);
	expect_exact("site.domains", "p-gov", ST_PASS,
		     "domains: www.jiangmen.gov.cn (en, main), "
		     "江门市人民政府.政务 (zh)");
	expect_f("site.domains", "p-ga", ST_FAIL,
		 "the portal has no domain name registered");
	expect_f("site.domains", "p-edu", ST_FAIL,
		 "2 domains and none designated main: ");
	expect_f("site.domains", "p-ts", ST_PASS,
		 "domains: www.cnts.gov.cn (en)");
	expect_none("site.domains", "m-gov");
}

/* SITE-3 site.suffix */

static void
test_site_suffix(void **state)
{
	struct store *st = *state;
	const struct fnd *f;

	load_apps(st,
		  "{'id':'p-gov','unit':'" GOV "','type':'portal','name':'n',"
		  "'domains':[{'name':'www.jiangmen.gov.cn','main':true},"
		  "{'name':'江门市人民政府.政务'}]},"
		  "{'id':'p-edu','unit':'" EDU "','type':'portal','name':'n',"
		  "'domains':[{'name':'www.jmedu.com'}]},"
		  "{'id':'p-ga','unit':'" GA "','type':'portal','name':'n',"
		  "'domains':[{'name':'gaj.jiangmen.gov.cn','main':true},"
		  "{'name':'www.jmga.cn'}]},"
		  "{'id':'p-hosp','unit':'" HOSP "','type':'portal','name':'n',"
		  "'domains':[{'name':'www.jmszxyy.gov.cn'}]},"
		  "{'id':'p-uni','unit':'" UNI "','type':'portal','name':'n',"
		  "'domains':[{'name':'www.wyu.edu.cn','main':true},"
		  "{'name':'五邑大学.公益'}]},"
		  "{'id':'p-lib','unit':'" LIB "','type':'portal','name':'n',"
		  "'domains':[{'name':'www.jmlib.com'}]},"
		  "{'id':'a-lib','unit':'" LIB "','type':'app','name':'n'}");
	run(st);
	expect_f("site.suffix", "p-gov", ST_PASS,
		 "all 2 domains carry the organ (.gov.cn/.政务) suffix");
	expect_f("site.suffix", "p-edu", ST_FAIL,
		 "domain 'www.jmedu.com' has a suffix of class 'other'; a "
		 "Party or government organ must use .gov.cn or .政务");
	/* An organ on a plain .cn domain. */
	expect_f("site.suffix", "p-ga", ST_FAIL,
		 "domain 'www.jmga.cn' has a suffix of class 'institution'");
	/* Institutions may not use the organ suffixes. */
	expect_f("site.suffix", "p-hosp", ST_FAIL,
		 "domain 'www.jmszxyy.gov.cn' has a suffix of class 'organ'; a "
		 "public institution must use .cn or .公益");
	f = get("site.suffix", "p-hosp");
	assert_string_equal(f->fix, "public institutions may not use organ "
				    "suffixes: move to .cn or .公益");
	expect_f("site.suffix", "p-uni", ST_PASS,
		 "all 2 domains carry the institution (.cn/.公益) suffix");
	expect_f("site.suffix", "p-lib", ST_FAIL,
		 "domain 'www.jmlib.com' has a suffix of class 'other'; a "
		 "public institution must use .cn or .公益");
	f = get("site.suffix", "p-lib");
	assert_string_equal(f->fix,
			    "move the service to a domain under .cn or .公益");
	expect_none("site.suffix", "a-lib");
}

/* SITE-4 site.county-pages */

static void
test_site_county(void **state)
{
	struct store *st = *state;

	load_apps(
	    st, "{'id':'p-town','unit':'" TOWN "','type':'portal','name':'n'},"
		"{'id':'p-tsjy','unit':'" TSJY "','type':'portal','name':'n'},"
		"{'id':'p-ts','unit':'" TS "','type':'portal','name':'n'},"
		"{'id':'p-gov','unit':'" GOV "','type':'portal','name':'n'},"
		"{'id':'a-town','unit':'" TOWN "','type':'app','name':'n'}");
	run(st);
	expect_f("site.county-pages", "p-town", ST_FAIL,
		 "township unit '台山市斗山镇人民政府' runs its own website");
	expect_f("site.county-pages", "p-tsjy", ST_FAIL,
		 "county-level department '台山市教育局' (under "
		 "'台山市人民政府') runs its own website");
	expect_f("site.county-pages", "p-ts", ST_PASS,
		 "county-level unit may run its own website");
	expect_f("site.county-pages", "p-gov", ST_PASS,
		 "prefecture-level unit may run its own website");
	expect_none("site.county-pages", "a-town");
}

/* APP-1 app.platforms */

static void
test_app_platforms(void **state)
{
	struct store *st = *state;

	load_apps(st,
		  "{'id':'a-ok','unit':'" GOV "','type':'app','name':'n',"
		  "'platforms':['华为应用市场','own-website']},"
		  "{'id':'a-alias','unit':'" GOV "','type':'app','name':'n',"
		  "'platforms':['HUAWEI','App Store']},"
		  "{'id':'a-bad','unit':'" GOV "','type':'app','name':'n',"
		  "'platforms':['华为应用市场','快快下载站']},"
		  "{'id':'a-bad2','unit':'" GOV "','type':'app','name':'n',"
		  "'platforms':['x-store','y-store']},"
		  "{'id':'a-none','unit':'" GOV "','type':'app','name':'n'},"
		  "{'id':'a-empty','unit':'" GOV "','type':'app','name':'n',"
		  "'platforms':[]},"
		  "{'id':'mini','unit':'" GOV "','type':'miniprogram',"
		  "'name':'n','platforms':['微信小程序平台']},"
		  "{'id':'acct','unit':'" GOV "','type':'account','name':'n',"
		  "'platforms':['微信公众平台']},"
		  "{'id':'a-closed','unit':'" GOV "','type':'app','name':'n',"
		  "'status':'closed','platforms':['x-store']}");
	run(st);
	expect_exact("app.platforms", "a-ok", ST_PASS,
		     "all platforms registered: 华为应用市场, own-website");
	expect_f("app.platforms", "a-alias", ST_PASS,
		 "all platforms registered: HUAWEI, App Store");
	expect_exact("app.platforms", "a-bad", ST_FAIL,
		     "distributed on 1 unregistered platform: '快快下载站'");
	expect_exact("app.platforms", "a-bad2", ST_FAIL,
		     "distributed on 2 unregistered platforms: 'x-store', "
		     "'y-store'");
	expect_f("app.platforms", "a-none", ST_UNKNOWN,
		 "distribution platforms not declared");
	expect_f("app.platforms", "a-empty", ST_UNKNOWN,
		 "distribution platforms not declared");
	expect_f("app.platforms", "mini", ST_PASS, "微信小程序平台");
	expect_none("app.platforms", "acct");
	expect_none("app.platforms", "a-closed");
}

/* APP-3 app.not-bound */

static void
test_app_not_bound(void **state)
{
	struct store *st = *state;

	load_apps(st,
		  "{'id':'a-wx','unit':'" GOV "','type':'app','name':'n',"
		  "'login_channels':['wechat']},"
		  "{'id':'a-two','unit':'" GOV "','type':'miniprogram',"
		  "'name':'n','login_channels':['WeChat','支付宝']},"
		  "{'id':'a-mix','unit':'" GOV "','type':'app','name':'n',"
		  "'login_channels':['password','wechat']},"
		  "{'id':'a-open','unit':'" GOV "','type':'portal','name':'n',"
		  "'login_channels':[]},"
		  "{'id':'a-undecl','unit':'" GOV "','type':'app','name':'n'},"
		  "{'id':'acct','unit':'" GOV "','type':'account','name':'n',"
		  "'login_channels':['wechat']},"
		  "{'id':'mail','unit':'" GOV "','type':'email','name':'n',"
		  "'login_channels':['wechat']}");
	run(st);
	expect_exact("app.not-bound", "a-wx", ST_FAIL,
		     "the only ways in are platform logins (wechat): people "
		     "without that platform cannot use the service");
	expect_f("app.not-bound", "a-two", ST_FAIL,
		 "the only ways in are platform logins (WeChat, 支付宝)");
	expect_exact("app.not-bound", "a-mix", ST_PASS,
		     "login channels: password, wechat");
	expect_exact("app.not-bound", "a-open", ST_PASS, "no login required");
	expect_f("app.not-bound", "a-undecl", ST_UNKNOWN,
		 "login channels not declared");
	expect_none("app.not-bound", "acct");
	expect_none("app.not-bound", "mail");
}

/* NAME-1 name.unit-first */

static void
test_name_unit_first(void **state)
{
	struct store *st = *state;

	load_apps(st, "{'id':'n-full','unit':'" GOV "','type':'portal',"
		      "'name':'江门市人民政府门户网站'},"
		      "{'id':'n-short','unit':'" GOV "','type':'app',"
		      "'name':'江门市政府 移动端'},"
		      "{'id':'n-region','unit':'" GOV "','type':'app',"
		      "'name':'江门市便民服务'},"
		      "{'id':'n-bad','unit':'" GOV "','type':'app',"
		      "'name':'便民服务平台'},"
		      "{'id':'n-bad2','unit':'" GA "','type':'account',"
		      "'name':'平安侨乡'},"
		      "{'id':'n-closed','unit':'" GOV "','type':'app',"
		      "'name':'便民','status':'closed'}");
	run(st);
	expect_exact("name.unit-first", "n-full", ST_PASS,
		     "'江门市人民政府门户网站': online name "
		     "'江门市人民政府门户网站' starts with the unit name "
		     "'江门市人民政府'");
	expect_f("name.unit-first", "n-short", ST_PASS,
		 "starts with the unit short name '江门市政府'");
	expect_f("name.unit-first", "n-region", ST_UNKNOWN,
		 "is region name '江门市' plus a function name: the unit name "
		 "'江门市人民政府' must be shown prominently");
	expect_f("name.unit-first", "n-bad", ST_FAIL,
		 "online name '便民服务平台' starts with neither the unit name "
		 "'江门市人民政府' nor its short name '江门市政府'");
	expect_f("name.unit-first", "n-bad2", ST_FAIL,
		 "online name '平安侨乡' does not start with the unit name "
		 "'江门市公安局'");
	expect_none("name.unit-first", "n-closed");
}

/* LINK-1..4, LOGO-1, GOVWEB-1..3: need observation: unknown. */

static void
observed(struct store *st, const char *rule, const char *req)
{
	char ev[256], fix[256];
	const struct fnd *f;

	load_apps(st,
		  "{'id':'p-gov','unit':'" GOV "','type':'portal','name':'n',"
		  "'domains':[{'name':'a.jiangmen.gov.cn'},"
		  "{'name':'www.jiangmen.gov.cn','main':true}]},"
		  "{'id':'p-ga','unit':'" GA "','type':'portal','name':'n'},"
		  "{'id':'p-edu','unit':'" EDU "','type':'portal','name':'n',"
		  "'status':'planned','domains':[{'name':'www.jmedu.gov.cn'}]},"
		  "{'id':'a-gov','unit':'" GOV "','type':'app','name':'n'}");
	run(st);
	str_fmt(ev, sizeof(ev),
		"%s has not been observed: no inspection of "
		"https://www.jiangmen.gov.cn/ is recorded",
		req);
	expect_exact(rule, "p-gov", ST_UNKNOWN, ev);
	f = get(rule, "p-gov");
	str_fmt(fix, sizeof(fix),
		"observe the site with: govsec inspect "
		"https://www.jiangmen.gov.cn/");
	assert_string_equal(f->fix, fix);
	assert_string_equal(f->req, req);
	str_fmt(ev, sizeof(ev),
		"%s has not been observed: the portal has no domain to "
		"inspect",
		req);
	expect_exact(rule, "p-ga", ST_UNKNOWN, ev);
	expect_none(rule, "p-edu");
	expect_none(rule, "a-gov");
	assert_int_equal(count_rule(rule), 2);
}

#define OBSERVED(fn, rule, req)                                                \
	static void fn(void **state)                                           \
	{                                                                      \
		observed(*state, rule, req);                                   \
	}
OBSERVED(test_link_relevance, "observe.link-relevance", "LINK-1")
OBSERVED(test_link_list, "observe.link-list", "LINK-2")
OBSERVED(test_leave_prompt, "observe.leave-prompt", "LINK-3")
OBSERVED(test_abnormal_links, "observe.abnormal-links", "LINK-4")
OBSERVED(test_logo, "observe.logo", "LOGO-1")

/* GOVWEB-1 from the probes of the 7 days before "now" (2024-07-01T04:00Z):
 * unknown until each day has 20 probes, then fail at a 5 % failure ratio
 * (the veto). */
static void
probes(struct store *st, const char *app, const char *at, int n, int ok)
{
	struct store_val v[3] = {SV_TEXT(app), SV_TEXT(at), SV_INT(ok)};
	struct err e;

	for (int i = 0; i < n; i++)
		if (store_exec(st,
			       "INSERT INTO probe_results (app, at, url, ok, "
			       "ms) VALUES (?, ?, 'https://x/', ?, 5)",
			       v, 3, &e) < 0)
			fail_msg("probe row: %s", e.msg);
	/* rows written behind govsec's back: summed up as govsec
	 * summarize does */
	if (check_summarize(st, NULL, NULL, &e) < 0)
		fail_msg("summarize: %s", e.msg);
}

static void
test_availability(void **state)
{
	struct store *st = *state;
	const char *rule = "observe.availability";

	load_apps(st,
		  "{'id':'p-gov','unit':'" GOV "','type':'portal','name':'n',"
		  "'domains':[{'name':'www.jiangmen.gov.cn','main':true}]},"
		  "{'id':'p-ga','unit':'" GA "','type':'portal','name':'n'},"
		  "{'id':'p-edu','unit':'" EDU "','type':'portal','name':'n',"
		  "'status':'planned','domains':[{'name':'www.jmedu.gov.cn'}]},"
		  "{'id':'a-gov','unit':'" GOV "','type':'app','name':'n'}");
	run(st);
	expect_exact(rule, "p-gov", ST_UNKNOWN,
		     "not enough probes: 0 in the last 7 days, per day 0, 0, "
		     "0, 0, 0, 0, 0 (oldest first); at least 20 each day are "
		     "needed; govsecd [probe] enabled");
	assert_non_null(strstr(get(rule, "p-gov")->fix, "[probe] enabled"));
	expect_f(rule, "p-ga", ST_UNKNOWN, "not enough probes: 0");
	expect_none(rule, "p-edu");
	expect_none(rule, "a-gov");
	assert_int_equal(count_rule(rule), 2);
	/* outside the week: a second too early, after "now" */
	probes(st, "p-gov", "2024-06-24T03:59:59Z", 30, 0);
	probes(st, "p-gov", "2024-07-01T04:00:01Z", 30, 0);
	/* six days of 20 (each day starts at 04:00Z): not yet a week */
	for (int d = 0; d < 6; d++) {
		char at[32];

		str_fmt(at, sizeof(at), "2024-06-%02dT04:00:00Z", 24 + d);
		probes(st, "p-gov", at, 20, 1);
	}
	run(st);
	expect_exact(rule, "p-gov", ST_UNKNOWN,
		     "not enough probes: 120 in the last 7 days, per day 20, "
		     "20, 20, 20, 20, 20, 0 (oldest first); at least 20 each "
		     "day are needed; govsecd [probe] enabled");
	probes(st, "p-gov", "2024-06-30T04:00:00Z", 19, 1);
	run(st);
	expect_f(rule, "p-gov", ST_UNKNOWN,
		 "not enough probes: 139 in the last 7 days, per day 20, 20, "
		 "20, 20, 20, 20, 19 (oldest first)");
	/* the last day ends at "now", included */
	probes(st, "p-gov", "2024-07-01T04:00:00Z", 1, 0);
	run(st);
	expect_exact(rule, "p-gov", ST_PASS,
		     "1 of 140 probes failed in the last 7 days (0.7 %)");
	probes(st, "p-gov", "2024-06-27T12:00:00Z", 6, 0);
	run(st);
	expect_exact(rule, "p-gov", ST_PASS,
		     "7 of 146 probes failed in the last 7 days (4.8 %)");
	probes(st, "p-gov", "2024-06-27T12:00:00Z", 1, 0);
	run(st);
	expect_exact(rule, "p-gov", ST_FAIL,
		     "8 of 147 probes failed in the last 7 days (5.4 %), the "
		     "veto is 5 %");
	/* a bad day alone is no week: no verdict yet */
	probes(st, "p-ga", "2024-06-30T12:00:00Z", 25, 0);
	run(st);
	expect_f(rule, "p-ga", ST_UNKNOWN,
		 "not enough probes: 25 in the last 7 days, per day 0, 0, 0, "
		 "0, 0, 0, 25 (oldest first)");
}
/* The summaries a whole check reads (migration 30) follow the evidence
 * written through govsec: a probe saved after a check changes the next
 * check exactly as the raw rows do (a check of one unit reads
 * probe_results itself); an inspection run without sums is summed up from
 * its findings, and govsec summarize gives the same verdict from sums. */
static void
test_summaries_follow_evidence(void **state)
{
	struct store *st = *state;
	const char *rule = "observe.availability";
	struct probe_result r;
	struct check_opts o;
	char now[32], ev[256];
	time_t t = time_now() - 7200; /* not on a round second of the day */
	struct err e;
	long long runs = -1, apps = -1;

	time_fmt(t, now, sizeof(now));
	load_apps(st,
		  "{'id':'p-gov','unit':'" GOV "','type':'portal','name':'n',"
		  "'domains':[{'name':'www.jiangmen.gov.cn','main':true}]}");
	memset(&r, 0, sizeof(r));
	str_copy(r.url, "https://www.jiangmen.gov.cn/", sizeof(r.url));
	r.ok = 1;
	/* 20 up each day of the week, and two outside it */
	for (int d = 0; d < 7; d++)
		for (int k = 0; k < 20; k++) {
			time_fmt(t - d * 86400L - 1 - k * 600L, r.at,
				 sizeof(r.at));
			assert_int_equal(probe_save(st, "p-gov", &r, &e), 0);
		}
	time_fmt(t + 1, r.at, sizeof(r.at));
	assert_int_equal(probe_save(st, "p-gov", &r, &e), 0);
	time_fmt(t - 7 * 86400L - 1, r.at, sizeof(r.at));
	assert_int_equal(probe_save(st, "p-gov", &r, &e), 0);
	run_opts(st, now, NULL);
	expect_exact(rule, "p-gov", ST_PASS,
		     "0 of 140 probes failed in the last 7 days (0.0 %)");
	/* after that check: eight down, one exactly at the start of the
	 * week (in it), one at "now" (in it) */
	r.ok = 0;
	for (int k = 0; k < 6; k++) {
		time_fmt(t - 30 - k, r.at, sizeof(r.at));
		assert_int_equal(probe_save(st, "p-gov", &r, &e), 0);
	}
	time_fmt(t - 7 * 86400L, r.at, sizeof(r.at));
	assert_int_equal(probe_save(st, "p-gov", &r, &e), 0);
	str_copy(r.at, now, sizeof(r.at));
	assert_int_equal(probe_save(st, "p-gov", &r, &e), 0);
	str_copy(ev,
		 "8 of 148 probes failed in the last 7 days (5.4 %), the "
		 "veto is 5 %",
		 sizeof(ev));
	run_opts(st, now, NULL);
	expect_exact(rule, "p-gov", ST_FAIL, ev);
	/* the raw rows say the same */
	check_opts_init(&o);
	o.unit = GOV;
	run_opts(st, now, &o);
	expect_exact(rule, "p-gov", ST_FAIL, ev);
	/* and the whole check read the summary: without the raw rows
	 * (removed behind govsec's back) it still sees them */
	assert_int_equal(
	    store_exec(st, "DELETE FROM probe_results", NULL, 0, &e), 0);
	run_opts(st, now, NULL);
	expect_exact(rule, "p-gov", ST_FAIL, ev);
	check_opts_init(&o);
	o.unit = GOV;
	run_opts(st, now, &o);
	expect_f(rule, "p-gov", ST_UNKNOWN, "not enough probes: 0 ");
	/* govsec summarize makes them from the rows again */
	assert_int_equal(check_summarize(st, &runs, &apps, &e), 0);
	assert_int_equal(runs, 0);
	assert_int_equal(apps, 0);
	run_opts(st, now, NULL);
	expect_f(rule, "p-gov", ST_UNKNOWN, "not enough probes: 0 ");

	/* inspection: a run stored without sums (behind govsec's back) is
	 * summed up from its findings */
	rule = "observe.link-list";
	assert_int_equal(
	    store_exec(
		st,
		"INSERT INTO insp_runs (host, start, started, "
		"finished, pages, links, broken, blocked, marks, "
		"findings) VALUES ('www.jiangmen.gov.cn', "
		"'https://www.jiangmen.gov.cn/', ?, ?, 1, 2, 1, 0, "
		"'{}', '[{\"rule\":\"inspect.link-list\",\"requirement\""
		":\"LINK-2\",\"status\":\"fail\",\"object\":\"https:"
		"//www.jiangmen.gov.cn/x\",\"evidence\":\"HTTP 404\"}]')",
		(struct store_val[]){SV_TEXT(now), SV_TEXT(now)}, 2, &e),
	    0);
	str_fmt(ev, sizeof(ev),
		"1 broken links on https://www.jiangmen.gov.cn/ (inspected "
		"%s): https://www.jiangmen.gov.cn/x (HTTP 404)",
		now);
	run_opts(st, now, NULL);
	expect_exact(rule, "p-gov", ST_FAIL, ev);
	assert_int_equal(check_summarize(st, &runs, &apps, &e), 0);
	assert_int_equal(runs, 1);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM insp_run_sums",
					 NULL, 0, -1),
			 1);
	/* from the sums now: the findings no longer matter */
	assert_int_equal(
	    store_exec(st, "UPDATE insp_runs SET findings = '[]'", NULL, 0, &e),
	    0);
	run_opts(st, now, NULL);
	expect_exact(rule, "p-gov", ST_FAIL, ev);
	/* sums of another version are summed up from the findings again */
	assert_int_equal(store_exec(st,
				    "UPDATE insp_run_sums SET sums = 's0 P'",
				    NULL, 0, &e),
			 0);
	run_opts(st, now, NULL);
	expect_f(rule, "p-gov", ST_PASS, "no findings");
}

OBSERVED(test_freshness, "observe.freshness", "GOVWEB-2")
OBSERVED(test_footer_marks, "observe.footer-marks", "GOVWEB-3")

/* SEC-1 sec.mlps-level3 */

static void
test_sec_mlps(void **state)
{
	struct store *st = *state;

	load_apps(st,
		  "{'id':'p-gov','unit':'" GOV "','type':'portal','name':'n',"
		  "'mlps_level':3},"
		  "{'id':'p-ga','unit':'" GA "','type':'portal','name':'n',"
		  "'mlps_level':2},"
		  "{'id':'p-edu','unit':'" EDU "','type':'portal','name':'n'},"
		  "{'id':'p-ts','unit':'" TS "','type':'portal','name':'n',"
		  "'mlps_level':2},"
		  "{'id':'p-tsjy','unit':'" TSJY "','type':'portal',"
		  "'name':'n'},"
		  "{'id':'p-hosp','unit':'" HOSP "','type':'portal','name':'n',"
		  "'mlps_level':2},"
		  "{'id':'m-ts','unit':'" TS "','type':'email','name':'n',"
		  "'mlps_level':2},"
		  "{'id':'a-cii','unit':'" TS "','type':'app','name':'n',"
		  "'critical_infrastructure':true,'mlps_level':4},"
		  "{'id':'a-imp','unit':'" TS "','type':'app','name':'n',"
		  "'important_business':true,'mlps_level':1},"
		  "{'id':'a-closed','unit':'" GOV "','type':'email','name':'n',"
		  "'status':'closed'}");
	run(st);
	expect_exact("sec.mlps-level3", "p-gov", ST_PASS,
		     "level 3 protected; level 3 is required because it is the "
		     "portal of an organ at prefecture level or above");
	expect_exact("sec.mlps-level3", "p-ga", ST_FAIL,
		     "protected at level 2, but level 3 is required because it "
		     "is the portal of an organ at prefecture level or above");
	expect_exact("sec.mlps-level3", "p-edu", ST_UNKNOWN,
		     "level 3 is required because it is the portal of an organ "
		     "at prefecture level or above; no level is declared");
	expect_exact("sec.mlps-level3", "p-ts", ST_NA,
		     "level 3 is not required; declared level 2");
	expect_exact("sec.mlps-level3", "p-hosp", ST_NA,
		     "level 3 is not required; declared level 2");
	expect_f("sec.mlps-level3", "m-ts", ST_FAIL,
		 "because it is an Internet e-mail system");
	expect_exact("sec.mlps-level3", "a-cii", ST_PASS,
		     "level 4 protected; level 3 is required because it is "
		     "critical information infrastructure");
	expect_f("sec.mlps-level3", "a-imp", ST_FAIL,
		 "protected at level 1, but level 3 is required because it "
		 "carries important business applications");
	expect_none("sec.mlps-level3", "a-closed");
}

/* Not applicable and nothing declared: the evidence says just that. */
static void
test_sec_mlps_na_undeclared(void **state)
{
	struct store *st = *state;

	load_apps(st, "{'id':'p-tsjy','unit':'" TSJY "','type':'portal',"
		      "'name':'n'}");
	run(st);
	expect_exact("sec.mlps-level3", "p-tsjy", ST_NA,
		     "level 3 is not required");
}

/* SEC-2 sec.assessment */

static void
test_sec_assessment(void **state)
{
	struct store *st = *state;

	load_apps(st,
		  "{'id':'a-ok','unit':'" GOV "','type':'app','name':'n',"
		  "'last_assessment':'2024-01-01'},"
		  "{'id':'a-365','unit':'" GOV "','type':'app','name':'n',"
		  "'last_assessment':'2023-07-02'},"
		  "{'id':'a-old','unit':'" GOV "','type':'app','name':'n',"
		  "'last_assessment':'2023-06-30'},"
		  "{'id':'a-upg','unit':'" GOV "','type':'app','name':'n',"
		  "'last_assessment':'2024-01-01','last_upgrade':'2024-03-01'},"
		  "{'id':'a-upg-same','unit':'" GOV "','type':'app','name':'n',"
		  "'last_assessment':'2024-03-01','last_upgrade':'2024-03-01'},"
		  "{'id':'a-none','unit':'" GOV "','type':'app','name':'n'},"
		  "{'id':'a-closed','unit':'" GOV "','type':'app','name':'n',"
		  "'status':'closed'}");
	run(st);
	expect_exact("sec.assessment", "a-ok", ST_PASS,
		     "last security assessment on 2024-01-01 (182 days ago)");
	expect_exact("sec.assessment", "a-365", ST_PASS,
		     "last security assessment on 2023-07-02 (365 days ago)");
	expect_exact("sec.assessment", "a-old", ST_FAIL,
		     "last security assessment on 2023-06-30, 367 days ago "
		     "(more than a year)");
	expect_exact(
	    "sec.assessment", "a-upg", ST_FAIL,
	    "upgraded on 2024-03-01 after the last security assessment "
	    "on 2024-01-01");
	expect_f("sec.assessment", "a-upg-same", ST_PASS,
		 "last security assessment on 2024-03-01");
	expect_f("sec.assessment", "a-none", ST_UNKNOWN,
		 "no security assessment is recorded");
	expect_none("sec.assessment", "a-closed");

	/* "today" is check_opts.now: a year later the first one fails. */
	run_opts(st, "2025-01-02T04:00:00Z", NULL);
	expect_exact("sec.assessment", "a-ok", ST_FAIL,
		     "last security assessment on 2024-01-01, 367 days ago "
		     "(more than a year)");
}

/* "At least once a year" is a calendar year: across 29 February an
 * assessment exactly one year old (366 days) still passes. */
static void
test_sec_assessment_leap_year(void **state)
{
	struct store *st = *state;

	load_apps(st,
		  "{'id':'a-year','unit':'" GOV "','type':'app','name':'n',"
		  "'last_assessment':'2023-07-01'},"
		  "{'id':'a-older','unit':'" GOV "','type':'app','name':'n',"
		  "'last_assessment':'2023-06-30'}");
	run(st);
	expect_f("sec.assessment", "a-year", ST_PASS,
		 "last security assessment on 2023-07-01");
	expect_f("sec.assessment", "a-older", ST_FAIL,
		 "last security assessment on 2023-06-30");
}

/* An assessment on 29 February is due on 28 February a year later. */
static void
test_sec_assessment_feb29(void **state)
{
	struct store *st = *state;

	load_apps(st, "{'id':'a','unit':'" GOV "','type':'app','name':'n',"
		      "'last_assessment':'2024-02-29'}");
	run_opts(st, "2025-02-28T04:00:00Z", NULL);
	expect_f("sec.assessment", "a", ST_PASS,
		 "last security assessment on 2024-02-29 (365 days ago)");
	run_opts(st, "2025-03-01T04:00:00Z", NULL);
	expect_exact("sec.assessment", "a", ST_FAIL,
		     "last security assessment on 2024-02-29, 366 days ago "
		     "(more than a year)");
}

/* SEC-3 sec.staff-access */

static void
test_sec_staff_access(void **state)
{
	struct store *st = *state;

	load_apps(st,
		  "{'id':'s-no','unit':'" GOV "','type':'app','name':'n',"
		  "'staff_functions':false},"
		  "{'id':'s-undecl','unit':'" GOV "','type':'app','name':'n'},"
		  "{'id':'s-all','unit':'" GOV "','type':'app','name':'n',"
		  "'staff_functions':true,'security':{'ip_segments':"
		  "['10.44.0.0/16','0.0.0.0/0']}},"
		  "{'id':'s-all6','unit':'" GOV "','type':'app','name':'n',"
		  "'staff_functions':true,'security':{'ip_segments':['::/0']}},"
		  "{'id':'s-ip','unit':'" GOV "','type':'app','name':'n',"
		  "'staff_functions':true,'security':{'ip_segments':"
		  "['10.44.0.0/16','2001:db8:4407::/48']}},"
		  "{'id':'s-ipdev','unit':'" GOV "','type':'app','name':'n',"
		  "'staff_functions':true,'security':{'ip_segments':"
		  "['10.44.0.0/16'],'device_restriction':true}},"
		  "{'id':'s-dev','unit':'" GOV "','type':'app','name':'n',"
		  "'staff_functions':true,'security':{"
		  "'device_restriction':true}},"
		  "{'id':'s-nothing','unit':'" GOV "','type':'app','name':'n',"
		  "'staff_functions':true},"
		  "{'id':'s-open','unit':'" GOV "','type':'app','name':'n',"
		  "'staff_functions':true,'security':{"
		  "'device_restriction':false}},"
		  "{'id':'s-open2','unit':'" GOV "','type':'app','name':'n',"
		  "'staff_functions':true,'security':{'ip_segments':[],"
		  "'device_restriction':false}},"
		  "{'id':'mail','unit':'" GOV "','type':'email','name':'n',"
		  "'security':{'ip_segments':['10.44.0.0/16']}}");
	run(st);
	expect_f("sec.staff-access", "s-no", ST_NA,
		 "no functions for unit staff");
	expect_f("sec.staff-access", "s-undecl", ST_UNKNOWN,
		 "whether it has functions for unit staff is not declared");
	expect_exact("sec.staff-access", "s-all", ST_FAIL,
		     "IP segments include a catch-all /0 (10.44.0.0/16, "
		     "0.0.0.0/0), which restricts nothing");
	expect_f("sec.staff-access", "s-all6", ST_FAIL, "catch-all /0 (::/0)");
	expect_exact("sec.staff-access", "s-ip", ST_PASS,
		     "staff access limited to 10.44.0.0/16, "
		     "2001:db8:4407::/48");
	expect_exact("sec.staff-access", "s-ipdev", ST_PASS,
		     "staff access limited to 10.44.0.0/16 and to registered "
		     "devices");
	expect_exact("sec.staff-access", "s-dev", ST_PASS,
		     "staff access limited to registered devices");
	expect_f("sec.staff-access", "s-nothing", ST_UNKNOWN,
		 "no IP segment or device restriction is declared");
	expect_f("sec.staff-access", "s-open", ST_FAIL,
		 "staff functions are reachable from any address and any "
		 "device");
	expect_f("sec.staff-access", "s-open2", ST_FAIL,
		 "staff functions are reachable from any address and any "
		 "device");
	/* E-mail is always in scope (SEC-3 names it). */
	expect_f("sec.staff-access", "mail", ST_PASS,
		 "staff access limited to 10.44.0.0/16");
}

/* A catch-all is one however its prefix length is written. */
static void
test_sec_staff_access_catch_all_spelling(void **state)
{
	struct store *st = *state;
	char *text = Q("{" UNITS ",'applications':["
		       "{'id':'s4','unit':'" GOV "','type':'app','name':'n',"
		       "'staff_functions':true,'security':{'ip_segments':"
		       "['0.0.0.0/00']}},"
		       "{'id':'s6','unit':'" GOV "','type':'app','name':'n',"
		       "'staff_functions':true,'security':{'ip_segments':"
		       "['::/000']}}]}");
	struct reg_counts c;
	struct err e;

	/* The registry takes the spelling (it is a valid prefix); the rule
	 * must then call it a catch-all. */
	if (reg_import(st, text, strlen(text), "t.json", "t", &c, &e) != 0)
		fail_msg("import: %s", e.msg);
	free(text);
	run(st);
	expect_f("sec.staff-access", "s4", ST_FAIL, "catch-all");
	expect_f("sec.staff-access", "s6", ST_FAIL, "catch-all");
}

/* SEC-4 sec.overseas */

static void
test_sec_overseas(void **state)
{
	struct store *st = *state;

	load_apps(
	    st,
	    "{'id':'o-closed','unit':'" GOV "','type':'app','name':'n',"
	    "'staff_functions':true,'security':{'overseas_access':false}},"
	    "{'id':'o-undecl','unit':'" GOV "','type':'app','name':'n',"
	    "'staff_functions':true},"
	    "{'id':'o-open','unit':'" GOV "','type':'app','name':'n',"
	    "'staff_functions':true,'security':{'overseas_access':true}},"
	    "{'id':'o-empty','unit':'" GOV "','type':'email','name':'n',"
	    "'security':{'overseas_access':true,'overseas_whitelist':[]}},"
	    "{'id':'o-anon','unit':'" GOV "','type':'app','name':'n',"
	    "'staff_functions':true,'security':{'overseas_access':true,"
	    "'overseas_whitelist':[{'from':'2024-06-01T00:00:00Z',"
	    "'until':'2024-08-01T00:00:00Z'}]}},"
	    "{'id':'o-back','unit':'" GOV "','type':'app','name':'n',"
	    "'staff_functions':true,'security':{'overseas_access':true,"
	    "'overseas_whitelist':[{'account':'zhang',"
	    "'from':'2024-08-01T00:00:00Z','until':'2024-06-01T00:00:00Z'}]}},"
	    "{'id':'o-ok','unit':'" GOV "','type':'app','name':'n',"
	    "'staff_functions':true,'security':{'overseas_access':true,"
	    "'overseas_whitelist':[{'account':'zhang','device':'JM-017',"
	    "'from':'2024-06-30T08:00:00+08:00',"
	    "'until':'2024-07-02T00:00:00+08:00','reason':'出访'},"
	    "{'device':'JM-018','from':'2024-01-01T00:00:00Z',"
	    "'until':'2024-01-10T00:00:00Z'}]}},"
	    "{'id':'o-nostaff','unit':'" GOV "','type':'app','name':'n',"
	    "'staff_functions':false,'security':{'overseas_access':true}}");
	run(st);
	expect_f("sec.overseas", "o-closed", ST_PASS,
		 "overseas access is closed");
	expect_f("sec.overseas", "o-undecl", ST_UNKNOWN,
		 "whether overseas access is open is not declared");
	expect_f("sec.overseas", "o-open", ST_FAIL,
		 "overseas access is open without a whitelist");
	expect_f("sec.overseas", "o-empty", ST_FAIL,
		 "overseas access is open without a whitelist");
	expect_f("sec.overseas", "o-anon", ST_FAIL,
		 "whitelist entry 0 names no account and no device");
	expect_exact("sec.overseas", "o-back", ST_FAIL,
		     "whitelist entry 0 ends (2024-06-01T00:00:00Z) before it "
		     "starts (2024-08-01T00:00:00Z)");
	expect_exact("sec.overseas", "o-ok", ST_PASS,
		     "overseas access by whitelist only: 2 entries, 1 open "
		     "now");
	expect_none("sec.overseas", "o-nostaff");
	/* "now" is check_opts.now: later, no window is open. */
	run_opts(st, "2024-07-02T04:00:00Z", NULL);
	expect_exact("sec.overseas", "o-ok", ST_PASS,
		     "overseas access by whitelist only: 2 entries, 0 open "
		     "now");
}

/* SEC-5 sec.log-retention */

static void
test_sec_logs(void **state)
{
	struct store *st = *state;

	load_apps(
	    st, "{'id':'l-180','unit':'" GOV "','type':'app','name':'n',"
		"'security':{'log_retention_days':180,'log_backup':true}},"
		"{'id':'l-364','unit':'" GOV "','type':'app','name':'n',"
		"'security':{'log_retention_days':364}},"
		"{'id':'l-ok','unit':'" GOV "','type':'app','name':'n',"
		"'security':{'log_retention_days':365,'log_backup':true}},"
		"{'id':'l-nobak','unit':'" GOV "','type':'app','name':'n',"
		"'security':{'log_retention_days':400,'log_backup':false}},"
		"{'id':'l-bakundecl','unit':'" GOV "','type':'app','name':'n',"
		"'security':{'log_retention_days':365}},"
		"{'id':'l-undecl','unit':'" GOV "','type':'app','name':'n'},"
		"{'id':'l-closed','unit':'" GOV "','type':'app','name':'n',"
		"'status':'closed','security':{'log_retention_days':1}}");
	run(st);
	expect_exact("sec.log-retention", "l-180", ST_FAIL,
		     "logs are kept 180 days, less than a year");
	expect_f("sec.log-retention", "l-364", ST_FAIL,
		 "logs are kept 364 days, less than a year");
	expect_exact("sec.log-retention", "l-ok", ST_PASS,
		     "logs kept 365 days and backed up");
	expect_exact("sec.log-retention", "l-nobak", ST_FAIL,
		     "logs are kept 400 days but not backed up");
	expect_f("sec.log-retention", "l-bakundecl", ST_UNKNOWN,
		 "logs are kept 365 days; backup is not declared");
	expect_f("sec.log-retention", "l-undecl", ST_UNKNOWN,
		 "log retention is not declared");
	expect_none("sec.log-retention", "l-closed");
}

/* OUT-1 out.contract and OUT-2 out.no-subcontract */

#define OUTSOURCERS                                                            \
	"'outsourcers':["                                                      \
	"{'id':'os-good','name':'云智','unit':'" GOV "',"                      \
	"'security_duties':true,'subcontract_consent':true},"                  \
	"{'id':'os-bad','name':'快达','unit':'" HOSP "',"                      \
	"'security_duties':false,'subcontract_consent':false},"                \
	"{'id':'os-undecl','name':'某公司','unit':'" GA "'}]"

static void
test_out_contract(void **state)
{
	struct store *st = *state;
	const struct fnd *f;

	load(st, "{" UNITS "," OUTSOURCERS "}");
	run(st);
	expect_exact("out.contract", "os-good", ST_PASS,
		     "the contract with '云智' fixes its security duties");
	expect_exact("out.contract", "os-bad", ST_FAIL,
		     "the contract with '快达' fixes no security duties");
	expect_exact("out.contract", "os-undecl", ST_UNKNOWN,
		     "whether the contract with '某公司' fixes security duties "
		     "is not declared");
	f = get("out.contract", "os-bad");
	assert_string_equal(f->otype, "outsourcer");
	assert_string_equal(f->unit, HOSP);
	assert_string_equal(f->req, "OUT-1");
}

static void
test_out_subcontract(void **state)
{
	struct store *st = *state;

	load(st, "{" UNITS "," OUTSOURCERS "}");
	run(st);
	expect_exact("out.no-subcontract", "os-good", ST_PASS,
		     "'云智' may subcontract only with the unit's consent");
	expect_exact("out.no-subcontract", "os-bad", ST_FAIL,
		     "'快达' may subcontract without the unit's consent");
	expect_exact("out.no-subcontract", "os-undecl", ST_UNKNOWN,
		     "whether '某公司' needs consent to subcontract is not "
		     "declared");
}

/* OUT-3 out.highest-admin and OUT-4 out.least-privilege */

#define PEOPLE_GRANTS(grants)                                                  \
	"{" UNITS "," OUTSOURCERS ","                                          \
	"'applications':[{'id':'p-gov','unit':'" GOV "','type':'portal',"      \
	"'name':'n'}],"                                                        \
	"'people':[{'id':'p-staff','name':'张伟','unit':'" GOV "',"            \
	"'kind':'staff'},"                                                     \
	"{'id':'p-out','name':'刘洋','unit':'" GOV "','kind':'outsourced',"    \
	"'outsourcer':'os-good'},"                                             \
	"{'id':'p-out-ga','name':'王强','unit':'" GA "',"                      \
	"'kind':'outsourced','outsourcer':'os-undecl'}],"                      \
	"'grants':[" grants "]}"

static void
test_out_highest_admin(void **state)
{
	struct store *st = *state;

	load(st, PEOPLE_GRANTS(
		     "{'id':'g-staff','person':'p-staff','app':'p-gov',"
		     "'scope':'服务器','privilege':'highest_admin'},"
		     "{'id':'g-out','person':'p-out','scope':'数据库',"
		     "'privilege':'highest_admin','active':true},"
		     "{'id':'g-auth','person':'p-out-ga','scope':'机房',"
		     "'privilege':'highest_admin','authorized_by':'李局长'},"
		     "{'id':'g-off','person':'p-out','scope':'s',"
		     "'privilege':'highest_admin','active':false},"
		     "{'id':'g-admin','person':'p-out','scope':'s',"
		     "'privilege':'admin','expires':'2025-01-01'}"));
	run(st);
	expect_exact("out.highest-admin", "g-staff", ST_PASS,
		     "highest admin rights on '服务器' held by in-house staff "
		     "'p-staff'");
	expect_exact(
	    "out.highest-admin", "g-out", ST_FAIL,
	    "outsourced 'p-out' holds highest admin rights on '数据库' "
	    "without authorization");
	/* free text naming no registered person: who it is is unknown */
	expect_exact("out.highest-admin", "g-auth", ST_UNKNOWN,
		     "outsourced 'p-out-ga' holds highest admin rights on "
		     "'机房', authorized by '李局长', who is no registered "
		     "person: whether the authoriser is of the unit cannot be "
		     "told");
	expect_none("out.highest-admin", "g-off");
	expect_none("out.highest-admin", "g-admin");
	{
		const struct fnd *f = get("out.highest-admin", "g-auth");

		assert_string_equal(f->otype, "grant");
		assert_string_equal(f->unit, GA);
	}
}

static void
test_out_least_privilege(void **state)
{
	struct store *st = *state;

	load(st,
	     PEOPLE_GRANTS("{'id':'g-expired','person':'p-out','scope':'运维',"
			   "'privilege':'operate','expires':'2024-06-30',"
			   "'active':true},"
			   "{'id':'g-noexp','person':'p-out','scope':'测试',"
			   "'privilege':'read'},"
			   "{'id':'g-off','person':'p-out','scope':'s',"
			   "'privilege':'admin','expires':'2020-01-01',"
			   "'active':false},"
			   "{'id':'g-today','person':'p-out-ga','scope':'s',"
			   "'privilege':'read','expires':'2024-07-01',"
			   "'needed_privilege':'read'},"
			   "{'id':'g-later','person':'p-out','scope':'s',"
			   "'privilege':'read','expires':'2025-06-30',"
			   "'needed_privilege':'operate'},"
			   "{'id':'g-staff','person':'p-staff','scope':'s',"
			   "'privilege':'admin'}"));
	run(st);
	expect_exact("out.least-privilege", "g-expired", ST_FAIL,
		     "grant of '运维' (operate) to outsourced 'p-out' expired "
		     "on 2024-06-30 but is still active");
	expect_exact("out.least-privilege", "g-noexp", ST_FAIL,
		     "grant of '测试' (read) to outsourced 'p-out' has no "
		     "expiry");
	expect_exact("out.least-privilege", "g-off", ST_PASS,
		     "grant of 's' to outsourced 'p-out' has been withdrawn");
	expect_exact("out.least-privilege", "g-today", ST_PASS,
		     "grant of 's' (read, as its scope needs) to outsourced "
		     "'p-out-ga' expires on 2024-07-01");
	expect_f("out.least-privilege", "g-later", ST_PASS,
		 "expires on 2025-06-30");
	expect_none("out.least-privilege", "g-staff");
	/* A day later, g-today has expired. */
	run_opts(st, "2024-07-02T04:00:00Z", NULL);
	expect_f("out.least-privilege", "g-today", ST_FAIL,
		 "expired on 2024-07-01 but is still active");
}

/* Dates are calendar dates in China (UTC+8): at 04:00 Beijing time on
 * 1 July (20:00 UTC on 30 June) a grant that expired on 30 June has
 * expired. */
static void
test_out_least_privilege_beijing_date(void **state)
{
	struct store *st = *state;

	load(st, PEOPLE_GRANTS("{'id':'g-expired','person':'p-out',"
			       "'scope':'s','privilege':'read',"
			       "'expires':'2024-06-30'}"));
	run_opts(st, "2024-07-01T04:00:00+08:00", NULL);
	expect_f("out.least-privilege", "g-expired", ST_FAIL,
		 "expired on 2024-06-30 but is still active");
}

/* Highest admin rights on a unit's system held by staff of another unit
 * are not "the unit's own staff" (OUT-3); the finding is the owning
 * unit's. */
static void
test_out_highest_admin_other_unit(void **state)
{
	struct store *st = *state;
	struct check_opts o;

	load(st, "{" UNITS ",'applications':[{'id':'p-gov','unit':'" GOV "',"
		 "'type':'portal','name':'n'}],"
		 "'people':[{'id':'p-ga','name':'王','unit':'" GA "',"
		 "'kind':'staff'}],"
		 "'grants':[{'id':'g-x','person':'p-ga','app':'p-gov',"
		 "'scope':'服务器','privilege':'highest_admin'},"
		 "{'id':'g-own','person':'p-ga','scope':'机房',"
		 "'privilege':'highest_admin'}]}");
	run(st);
	expect_exact(
	    "out.highest-admin", "g-x", ST_FAIL,
	    "highest admin rights on '服务器' are held by 'p-ga', staff "
	    "of another unit (" GA ")");
	assert_string_equal(get("out.highest-admin", "g-x")->unit, GOV);
	expect_f("out.highest-admin", "g-own", ST_PASS,
		 "held by in-house staff 'p-ga'");
	assert_string_equal(get("out.highest-admin", "g-own")->unit, GA);
	check_opts_init(&o);
	o.unit = GA;
	run_opts(st, "2024-07-01T04:00:00Z", &o);
	expect_none("out.highest-admin", "g-x");
	get("out.highest-admin", "g-own");
}

/* AUTH-1..4 */

#define AUTH_APPS                                                              \
	"{'id':'x-na','unit':'" GOV "','type':'app','name':'n',"               \
	"'personal_safety':false,'security':{'mfa':false}},"                   \
	"{'id':'x-undecl','unit':'" GOV "','type':'app','name':'n'},"          \
	"{'id':'x-acct','unit':'" GOV "','type':'account','name':'n',"         \
	"'personal_safety':true},"                                             \
	"{'id':'x-closed','unit':'" GOV "','type':'app','name':'n',"           \
	"'status':'closed','personal_safety':true},"                           \
	"{'id':'x-good','unit':'" GOV "','type':'email','name':'n',"           \
	"'personal_safety':true,'security':{'mfa':true,"                       \
	"'idle_timeout_minutes':30,'lockout_threshold':10,"                    \
	"'device_binding':true}},"                                             \
	"{'id':'x-bad','unit':'" GOV "','type':'app','name':'n',"              \
	"'personal_safety':true,'security':{'mfa':false,"                      \
	"'idle_timeout_minutes':120,'lockout_threshold':20,"                   \
	"'device_binding':false}},"                                            \
	"{'id':'x-zero','unit':'" GOV "','type':'portal','name':'n',"          \
	"'personal_safety':true,'security':{'idle_timeout_minutes':0,"         \
	"'lockout_threshold':0}},"                                             \
	"{'id':'x-blank','unit':'" GOV "','type':'miniprogram','name':'n',"    \
	"'personal_safety':true}"

static void
auth_common(const char *rule)
{
	expect_exact(rule, "x-na", ST_NA,
		     "does not touch personal or property safety or the public "
		     "interest");
	expect_exact(rule, "x-undecl", ST_UNKNOWN,
		     "whether it touches personal or property safety is not "
		     "declared");
	expect_none(rule, "x-acct");
	expect_none(rule, "x-closed");
}

static void
test_auth_mfa(void **state)
{
	struct store *st = *state;

	load_apps(st, AUTH_APPS);
	run(st);
	auth_common("auth.mfa");
	expect_exact("auth.mfa", "x-good", ST_PASS,
		     "logins use two or more factors");
	expect_exact("auth.mfa", "x-bad", ST_FAIL,
		     "logins use a single factor");
	expect_exact("auth.mfa", "x-blank", ST_UNKNOWN,
		     "multi-factor login is not declared");
}

static void
test_auth_idle(void **state)
{
	struct store *st = *state;
	struct check_opts o;

	load_apps(st, AUTH_APPS);
	run(st);
	auth_common("auth.idle-timeout");
	expect_exact("auth.idle-timeout", "x-good", ST_PASS,
		     "sessions end after 30 idle minutes");
	expect_exact("auth.idle-timeout", "x-bad", ST_FAIL,
		     "idle timeout of 120 minutes is longer than the 30-minute "
		     "limit");
	expect_exact("auth.idle-timeout", "x-zero", ST_FAIL,
		     "sessions never time out");
	expect_exact("auth.idle-timeout", "x-blank", ST_UNKNOWN,
		     "idle timeout is not declared");
	/* The limit is an option. */
	check_opts_init(&o);
	o.idle_max_minutes = 120;
	run_opts(st, "2024-07-01T04:00:00Z", &o);
	expect_exact("auth.idle-timeout", "x-bad", ST_PASS,
		     "sessions end after 120 idle minutes");
	o.idle_max_minutes = 20;
	run_opts(st, "2024-07-01T04:00:00Z", &o);
	expect_exact("auth.idle-timeout", "x-good", ST_FAIL,
		     "idle timeout of 30 minutes is longer than the 20-minute "
		     "limit");
}

static void
test_auth_lockout(void **state)
{
	struct store *st = *state;
	struct check_opts o;

	load_apps(st, AUTH_APPS);
	run(st);
	auth_common("auth.lockout");
	expect_exact("auth.lockout", "x-good", ST_PASS,
		     "accounts lock after 10 failed logins");
	expect_exact("auth.lockout", "x-bad", ST_FAIL,
		     "lockout after 20 failures allows more guessing than the "
		     "limit of 10");
	expect_exact("auth.lockout", "x-zero", ST_FAIL,
		     "failed logins are never locked out");
	expect_exact("auth.lockout", "x-blank", ST_UNKNOWN,
		     "login lockout is not declared");
	check_opts_init(&o);
	o.lockout_max = 20;
	run_opts(st, "2024-07-01T04:00:00Z", &o);
	expect_exact("auth.lockout", "x-bad", ST_PASS,
		     "accounts lock after 20 failed logins");
}

static void
test_auth_device(void **state)
{
	struct store *st = *state;

	load_apps(st, AUTH_APPS);
	run(st);
	auth_common("auth.device-binding");
	expect_exact("auth.device-binding", "x-good", ST_PASS,
		     "accounts can be bound to devices");
	expect_exact("auth.device-binding", "x-bad", ST_FAIL,
		     "accounts are not bound to devices");
	expect_exact("auth.device-binding", "x-blank", ST_UNKNOWN,
		     "device binding is not declared");
}

/* MAIL-1 and MAIL-2 */

#define MAIL_APPS                                                              \
	"{'id':'m-on','unit':'" GOV "','type':'email','name':'n',"             \
	"'mail':{'auto_forward':true,'attachment_autodownload':true}},"        \
	"{'id':'m-off','unit':'" GA "','type':'email','name':'n',"             \
	"'mail':{'auto_forward':false,'attachment_autodownload':false}},"      \
	"{'id':'m-undecl','unit':'" EDU "','type':'email','name':'n'},"        \
	"{'id':'m-closed','unit':'" TS "','type':'email','name':'n',"          \
	"'status':'closed','mail':{'auto_forward':true}},"                     \
	"{'id':'a-notmail','unit':'" GOV "','type':'app','name':'n',"          \
	"'mail':{'auto_forward':true}}"

static void
test_mail_forward(void **state)
{
	struct store *st = *state;

	load_apps(st, MAIL_APPS);
	run(st);
	expect_exact("mail.no-auto-forward", "m-on", ST_FAIL,
		     "automatic forwarding is on");
	expect_exact("mail.no-auto-forward", "m-off", ST_PASS,
		     "automatic forwarding is off (declared; no govsec mail "
		     "audit recorded)");
	expect_exact("mail.no-auto-forward", "m-undecl", ST_UNKNOWN,
		     "whether automatic forwarding is on is not declared");
	expect_none("mail.no-auto-forward", "m-closed");
	expect_none("mail.no-auto-forward", "a-notmail");
}

static void
test_mail_attachments(void **state)
{
	struct store *st = *state;

	load_apps(st, MAIL_APPS);
	run(st);
	expect_exact("mail.no-attachment-download", "m-on", ST_FAIL,
		     "automatic attachment download is on");
	expect_exact(
	    "mail.no-attachment-download", "m-off", ST_PASS,
	    "automatic attachment download is off (declared; no govsec "
	    "mail audit recorded)");
	expect_exact("mail.no-attachment-download", "m-undecl", ST_UNKNOWN,
		     "whether automatic attachment download is on is not "
		     "declared");
	expect_none("mail.no-attachment-download", "m-closed");
}

/* Records a mail audit of app (what govsec mail audit stores) at time at,
 * with Postfix (and Roundcube) read as given. */
static void
put_mail_audit(struct store *st, const char *id, const char *app, long long at,
	       int pf, int rc, int f1, int f2, const char *doc)
{
	struct err e;
	long long seq = store_query_int(
	    st, "SELECT coalesce(max(seq), 0) + 1 FROM mail_audits", NULL, 0,
	    1);
	struct store_val v[] = {SV_TEXT(id), SV_TEXT(app), SV_INT(at),
				SV_INT(pf),  SV_INT(rc),   SV_INT(f1),
				SV_INT(f2),  SV_TEXT(doc), SV_INT(seq)};

	assert_int_equal(
	    store_exec(st,
		       "INSERT INTO mail_audits (id, app, at,"
		       " by_actor, forwarding_read,"
		       " attachments_read, mail1_fails, mail2_fails,"
		       " report, seq) VALUES (?, ?, ?, 'test', ?, ?, ?,"
		       " ?, ?, ?)",
		       v, 9, &e),
	    0);
}

/* MAIL-1 and MAIL-2 judged from recorded audits: the newest within a
 * year counts, over the declaration. */
static void
test_mail_audited(void **state)
{
	struct store *st = *state;
	long long now = 1719806400; /* GOVSEC_NOW, 2024-07-01T04:00:00Z */
	const char *bad =
	    "{\"findings\":[{\"requirement\":\"MAIL-1\",\"level\":\"warn\","
	    "\"file\":\"/etc/postfix/main.cf\",\"line\":0,\"text\":\"w\","
	    "\"fix\":\"x\"},{\"requirement\":\"MAIL-1\",\"level\":\"fail\","
	    "\"file\":\"/etc/aliases\",\"line\":7,\"text\":\"alias 'boss' "
	    "forwards to the outside address b@qq.com\",\"fix\":\"remove the "
	    "outside address from the alias map\"}]}";

	load_apps(st, MAIL_APPS);
	/* m-off declares forwarding off, but the audit found an alias */
	put_mail_audit(st, "a1", "m-off", now - 86400, 1, 0, 1, 0, bad);
	/* m-on: an old clean audit and a newer one without Postfix read */
	put_mail_audit(st, "a2", "m-on", now - 400 * 86400LL, 1, 1, 0, 0,
		       "{\"findings\":[]}");
	put_mail_audit(st, "a3", "m-on", now - 3600, 0, 1, 0, 0,
		       "{\"findings\":[]}");
	/* m-undecl: audited clean for both, after a bad audit */
	put_mail_audit(st, "a5", "m-undecl", now - 9000, 1, 1, 3, 3, bad);
	put_mail_audit(st, "a4", "m-undecl", now - 7200, 1, 1, 0, 0,
		       "{\"findings\":[]}");
	run(st);
	expect_f("mail.no-auto-forward", "m-off", ST_FAIL,
		 "found 1 way(s) of automatic forwarding: "
		 "/etc/aliases:7: alias 'boss' forwards to the outside "
		 "address b@qq.com");
	/* the newest audit read no Postfix; the older is out of date:
	 * the declaration decides */
	expect_exact("mail.no-auto-forward", "m-on", ST_FAIL,
		     "automatic forwarding is on");
	expect_f("mail.no-auto-forward", "m-undecl", ST_PASS,
		 "found no way of automatic forwarding");
	expect_f("mail.no-attachment-download", "m-undecl", ST_PASS,
		 "found no way of automatic attachment download");
	expect_exact(
	    "mail.no-attachment-download", "m-off", ST_PASS,
	    "automatic attachment download is off (declared; no govsec "
	    "mail audit recorded)");
}

/* SUP-1 sup.rectified, acknowledgements */

/* An account that passes every rule that looks at it. */
#define CLEAN_ACCOUNT(id, status)                                              \
	"{'id':'" id "','unit':'" GOV "','type':'account',"                    \
	"'name':'江门市人民政府发布','status':'" status "',"                   \
	"'last_assessment':'2024-06-01','staff_functions':false,"              \
	"'security':{'log_retention_days':365,'log_backup':true}}"

static size_t
fails_of(const char *object)
{
	size_t n = 0;

	for (size_t i = 0; i < nfound; i++)
		n += found[i].status == ST_FAIL &&
		     strcmp(found[i].object, object) == 0 &&
		     strcmp(found[i].rule, "sup.rectified") != 0;
	return n;
}

static void
test_sup_rectified(void **state)
{
	struct store *st = *state;
	char ev[256];

	load_apps(
	    st,
	    CLEAN_ACCOUNT("c-live", "live") "," CLEAN_ACCOUNT(
		"c-planned",
		"planned") ","
			   "{'id':'b-planned','unit':'" GOV
			   "','type':'account',"
			   "'name':'江门市人民政府发布','status':'planned',"
			   "'last_assessment':'2024-06-01',"
			   "'staff_functions':false,'security':{"
			   "'log_retention_days':180,'log_backup':true}},"
			   "{'id':'b-live','unit':'" GOV "','type':'account',"
			   "'name':'江门市人民政府发布','status':'live',"
			   "'opened':'2020-03-01',"
			   "'last_assessment':'2022-06-01',"
			   "'staff_functions':false,'security':{"
			   "'log_retention_days':180,'log_backup':true}},"
			   "{'id':'b-closed','unit':'" GOV "','type':'account',"
			   "'name':'n','status':'closed'}");
	run(st);
	assert_int_equal(fails_of("c-live"), 0);
	expect_exact("sup.rectified", "c-live", ST_PASS,
		     "self-examined; no failing checks");
	expect_exact("sup.rectified", "c-planned", ST_PASS,
		     "self-examined; no failing checks");
	/* A planned application with a failure fails SUP-1. */
	assert_int_equal(fails_of("b-planned"), 1);
	expect_exact("sup.rectified", "b-planned", ST_FAIL,
		     "a new application must comply from the start; 1 "
		     "requirement checks fail");
	/* One in use reports its failures under their own rules. */
	assert_int_equal(fails_of("b-live"), 2);
	str_fmt(ev, sizeof(ev),
		"in rectification until 2024-12-31; 2 open findings are "
		"reported under their own requirements");
	expect_exact("sup.rectified", "b-live", ST_PASS, ev);
	expect_none("sup.rectified", "b-closed");
	/* SUP-1 comes last. */
	assert_string_equal(found[nfound - 1].rule, "sup.rectified");
}

/* Records an attestation as govsec attest would, dated date. */
static void
attest(struct store *st, const char *req, const char *object,
       const char *verdict, const char *date, const char *expires)
{
	struct store_val v[5] = {SV_TEXT(req), SV_TEXT(object),
				 SV_TEXT(verdict), SV_TEXT(date),
				 SV_TEXT(expires)};
	struct err e;

	if (store_exec(st,
		       "INSERT INTO attestations(requirement, object, unit, "
		       "verdict, evidence, reviewer, attested, expires, actor) "
		       "VALUES (?, ?, '" GOV "', ?, '审阅记录', '李娜', ?, ?, "
		       "'tester')",
		       v, 5, &e) != 0)
		fail_msg("attest: %s", e.msg);
}

static const struct check_req *
req_of(const char *id)
{
	for (size_t i = 0; i < sum.nreq; i++)
		if (strcmp(sum.req[i].id, id) == 0)
			return &sum.req[i];
	fail_msg("requirement %s is not in the summary", id);
	return NULL;
}

/* An attestation decides what a rule could not and a person's fail
 * overrides a rule's pass; a rule's fail stands; an expired attestation
 * or one made after the evaluation date counts as not judged. */
static void
test_attestation_precedence(void **state)
{
	struct store *st = *state;

	load_apps(
	    st, CLEAN_ACCOUNT(
		    "c-live",
		    "live") ","
			    "{'id':'b-live','unit':'" GOV "','type':'account',"
			    "'name':'江门市人民政府发布','status':'live',"
			    "'last_assessment':'2022-06-01',"
			    "'staff_functions':false,'security':{"
			    "'log_retention_days':180,'log_backup':true}}");
	run(st);
	assert_int_equal(get("sec.assessment", "b-live")->status, ST_FAIL);
	assert_int_equal(get("sec.log-retention", "c-live")->status, ST_PASS);
	assert_int_equal(check_verdict(&sum), V_FAILING);
	assert_string_equal(req_of("CONTENT-1")->verdict, "not_judged");
	assert_string_equal(req_of("SEC-2")->judged_by, "rule");
	attest(st, "SEC-2", "b-live", "pass", "2024-06-01", "2025-05-31");
	attest(st, "SEC-5", "c-live", "fail", "2024-06-01", "2025-05-31");
	attest(st, "SEC-2", "c-live", "fail", "2024-06-01", "2024-06-30");
	attest(st, "NAME-1", "c-live", "fail", "2024-07-02", "2025-06-30");
	attest(st, "CONTENT-1", GOV, "pass", "2024-06-01", "2025-05-31");
	attest(st, "CONTENT-1", "gone", "pass", "2024-06-01", "2025-05-31");
	run(st);
	expect_none("attest.content-1", "gone"); /* removed since */
	expect_f("sec.assessment", "b-live", ST_FAIL, "2022-06-01");
	expect_f("sec.log-retention", "c-live", ST_FAIL,
		 "attested by 李娜 on 2024-06-01, expires 2025-05-31: "
		 "审阅记录; ");
	/* expired, and made after the evaluation date: not judged */
	assert_int_equal(get("sec.assessment", "c-live")->status, ST_PASS);
	assert_int_equal(get("name.unit-first", "c-live")->status, ST_PASS);
	assert_int_equal(req_of("NAME-1")->attested, 0);
	assert_int_equal(req_of("SEC-2")->attested, 0);
	expect_f("attest.content-1", GOV, ST_PASS, "attested by 李娜");
	assert_string_equal(get("attest.content-1", GOV)->otype, "unit");
	/* one unit attested, the others not: not judged for the whole */
	assert_string_equal(req_of("CONTENT-1")->verdict, "not_judged");
	assert_string_equal(req_of("CONTENT-1")->judged_by, "attestation");
	assert_true(req_of("CONTENT-1")->unjudged_units > 0);
	assert_int_equal(req_of("SEC-5")->attested, 1);
	{
		struct check_opts o;

		check_opts_init(&o);
		o.unit = GOV;
		run_opts(st, "2024-07-01T04:00:00Z", &o);
		assert_string_equal(req_of("CONTENT-1")->verdict, "pass");
		assert_int_equal(req_of("CONTENT-1")->unjudged_units, 0);
	}
	/* not on its date yet, then expired */
	run_opts(st, "2024-05-31T04:00:00Z", NULL);
	assert_int_equal(get("sec.log-retention", "c-live")->status, ST_PASS);
	run_opts(st, "2025-06-01T04:00:00Z", NULL);
	assert_int_equal(get("sec.log-retention", "c-live")->status, ST_PASS);
	assert_string_equal(req_of("CONTENT-1")->verdict, "not_judged");
}

/* Nothing registered, nothing observed: incomplete, never compliant. */
static void
test_verdict_of_an_empty_registry(void **state)
{
	struct store *st = *state;

	run(st);
	assert_int_equal(nfound, 0);
	assert_int_equal(check_verdict(&sum), V_INCOMPLETE);
	assert_string_equal(check_verdict_str(check_verdict(&sum)),
			    "incomplete");
	assert_int_equal(sum.nreq, 49);
	/* 7: APP-2 and NAME-2 have rules now (rules_ecert.c) */
	assert_int_equal(sum.not_judged, 7);
	assert_string_equal(req_of("SITE-1")->verdict, "not_applicable");
	assert_string_equal(req_of("SUP-2")->judged_by, "none");
	/* CF-1..3 have rules (rules_cf.c): nothing recorded, nothing to
	 * judge here (test_cf.c has the rest) */
	assert_string_equal(req_of("CF-2")->verdict, "not_applicable");
}

static void
ack(struct store *st, const char *rule, const char *object, const char *due)
{
	struct err e;

	if (check_ack(st, rule, object, "王科长", due, "整改中", "tester",
		      &e) != 0)
		fail_msg("check_ack: %s", e.msg);
}

static void
test_ack_overdue(void **state)
{
	struct store *st = *state;
	const struct fnd *f;

	load_apps(st,
		  "{'id':'l-late','unit':'" GOV "','type':'account','name':'n',"
		  "'security':{'log_retention_days':180,'log_backup':true}},"
		  "{'id':'l-today','unit':'" GOV "','type':'account',"
		  "'name':'n','security':{'log_retention_days':180,"
		  "'log_backup':true}},"
		  "{'id':'l-fixed','unit':'" GOV "','type':'account',"
		  "'name':'n','security':{'log_retention_days':365,"
		  "'log_backup':true}}");
	ack(st, "sec.log-retention", "l-late", "2024-06-30");
	ack(st, "sec.log-retention", "l-today", "2024-07-01");
	ack(st, "sec.log-retention", "l-fixed", "2024-01-01");
	run(st);
	f = get("sec.log-retention", "l-late");
	assert_int_equal(f->status, ST_FAIL);
	assert_int_equal(f->overdue, 1);
	assert_string_equal(f->owner, "王科长");
	assert_string_equal(f->due, "2024-06-30");
	f = get("sec.log-retention", "l-today");
	assert_int_equal(f->overdue, 0);
	assert_string_equal(f->due, "2024-07-01");
	/* Passing now: not overdue, whatever the date. */
	f = get("sec.log-retention", "l-fixed");
	assert_int_equal(f->status, ST_PASS);
	assert_int_equal(f->overdue, 0);
	assert_int_equal(sum.overdue, 1);
	/* Other rules' findings of the same object carry no ack. */
	f = get("sec.assessment", "l-late");
	assert_string_equal(f->owner, "");
	assert_int_equal(f->overdue, 0);
	expect_exact("sup.rectified", "l-late", ST_FAIL,
		     "1 acknowledged findings are past their rectification due "
		     "date");
	/* Not past due, but checks of it are undecided: SUP-1 cannot pass
	 * on inputs nobody could judge. */
	expect_f("sup.rectified", "l-today", ST_UNKNOWN,
		 "3 requirement checks of the application could not be "
		 "decided");

	/* A new due date (ack again) clears it. */
	ack(st, "sec.log-retention", "l-late", "2024-12-31");
	run(st);
	assert_int_equal(get("sec.log-retention", "l-late")->overdue, 0);
	assert_int_equal(sum.overdue, 0);
	/* And the day after the new date it is overdue again. */
	run_opts(st, "2025-01-01T04:00:00Z", NULL);
	assert_int_equal(get("sec.log-retention", "l-late")->overdue, 1);
	assert_int_equal(get("sec.log-retention", "l-today")->overdue, 1);
	assert_int_equal(sum.overdue, 2);
}

static void
test_ack_errors(void **state)
{
	struct store *st = *state;
	struct err e;
	char *s;

	assert_int_equal(
	    check_ack(st, "sec.nope", "x", "o", "2024-07-01", NULL, "t", &e),
	    -1);
	assert_string_equal(
	    e.msg, "rule 'sec.nope' does not exist (see govsec rules)");
	assert_int_equal(check_ack(st, "sec.log-retention", "x", "o",
				   "2024-02-30", NULL, "t", &e),
			 -1);
	assert_string_equal(e.msg, "due date '2024-02-30' is not a date as "
				   "YYYY-MM-DD");
	assert_int_equal(check_ack(st, "sec.log-retention", "x", "o",
				   "2024-07-01T00:00:00Z", NULL, "t", &e),
			 -1);
	assert_int_equal(check_ack(st, "sec.log-retention", "x", "",
				   "2024-07-01", NULL, "t", &e),
			 -1);
	assert_string_equal(e.msg, "owner, object or note is empty, too long "
				   "or not valid UTF-8");
	assert_int_equal(check_ack(st, "sec.log-retention", "x", "a\x01",
				   "2024-07-01", NULL, "t", &e),
			 -1);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM finding_acks",
					 NULL, 0, -1),
			 0);
	assert_int_equal(
	    store_query_int(st, "SELECT count(*) FROM audit", NULL, 0, -1), 0);
	/* Only a registered object can be acknowledged. */
	assert_int_equal(check_ack(st, "sec.log-retention", "x", "o",
				   "2024-07-01", NULL, "alice", &e),
			 -1);
	assert_int_equal(
	    store_exec(st,
		       "INSERT INTO units(uscc, name, kind, level, "
		       "region, updated) VALUES ('x', 'n', 'party', "
		       "'central', '100000', 't')",
		       NULL, 0, &e),
	    0);
	/* A good one is stored and audited. */
	assert_int_equal(check_ack(st, "sec.log-retention", "x", "o",
				   "2024-07-01", NULL, "alice", &e),
			 0);
	s = store_query_text(st, "SELECT object FROM audit", NULL, 0);
	assert_string_equal(s, "finding:sec.log-retention@x");
	free(s);
	s = store_query_text(st, "SELECT action FROM audit", NULL, 0);
	assert_string_equal(s, "finding.ack");
	free(s);
}

/* The --unit filter */

static void
test_unit_filter(void **state)
{
	struct store *st = *state;
	struct check_opts o;
	struct check_sink sink = {collect, NULL, 0, NULL, NULL};
	struct err e;
	size_t n;

	load(st, PEOPLE_GRANTS("{'id':'g1','person':'p-out','scope':'s',"
			       "'privilege':'read'},"
			       "{'id':'g2','person':'p-out-ga','scope':'s',"
			       "'privilege':'read'}"));
	{
		char *text = Q("{'applications':[{'id':'m-ga','unit':'" GA "',"
			       "'type':'email','name':'n'}]}");
		struct reg_counts c;

		assert_int_equal(
		    reg_import(st, text, strlen(text), "t2.json", "t", &c, &e),
		    0);
		free(text);
	}
	run(st);
	n = nfound;
	check_opts_init(&o);
	o.unit = GA;
	run_opts(st, "2024-07-01T04:00:00Z", &o);
	assert_true(nfound > 0);
	assert_true(nfound < n);
	for (size_t i = 0; i < nfound; i++)
		if (strcmp(found[i].unit, GA) != 0)
			fail_msg("--unit %s let through %s '%s' of unit '%s'",
				 GA, found[i].rule, found[i].object,
				 found[i].unit);
	get("out.contract", "os-undecl");
	get("out.least-privilege", "g2");
	get("mail.no-auto-forward", "m-ga");
	expect_none("out.least-privilege", "g1");
	expect_none("site.one-portal", "p-gov");

	/* A unit that is not registered is an error. */
	o.unit = UNI "X";
	assert_int_equal(check_run(st, &o, &sink, &sum, &e), -1);
	assert_string_equal(e.msg, "unit '" UNI "X' is not registered");
	o.unit = "11440700007250029G";
	assert_int_equal(check_run(st, &o, &sink, &sum, &e), -1);
	assert_string_equal(e.msg,
			    "unit '11440700007250029G' is not registered");
}

/* MAIL-3 mail.flow-records: govsec-milter's mail-flow records */

#define NOW3 1719806400LL /* 2024-07-01T04:00:00Z, the runs' time */
#define DAY  86400LL

/* A mail-flow record as govsec-milter writes it (src/mail/flow.c). */
static void
put_flow(struct store *st, const char *id, long long at, const char *sender,
	 const char *rcpts)
{
	struct store_val v[] = {SV_TEXT(id), SV_INT(at), SV_TEXT(sender),
				SV_TEXT(rcpts)};
	struct err e;

	if (store_exec(st,
		       "INSERT INTO mail_flow (id, at, hop, queue_id, client,"
		       " sender, message_id, rcpts, signals, score, decision,"
		       " reason) VALUES (?, ?, 'smtpd', 'Q1', '127.0.0.1', ?,"
		       " NULL, ?, '', 0, 'accept', '')",
		       v, 4, &e) != 0)
		fail_msg("mail_flow: %s", e.msg);
}

/* An audit record of action at time at (a stop, a prune). */
static void
put_audit(struct store *st, long long at, const char *action,
	  const char *object, const char *after)
{
	struct err e;

	if (store_begin(st, &e) != 0 ||
	    audit_append_at(st, (time_t)at, "milter", action, object, NULL,
			    after, &e) != 0 ||
	    store_commit(st, &e) != 0)
		fail_msg("audit: %s", e.msg);
}

/* Each MAIL-3 finding has its Chinese, and a fix where one is due. */
static void
expect_zh(const char *object)
{
	const struct fnd *f = get("mail.flow-records", object);

	if (f->evidence_zh[0] == '\0')
		fail_msg("'%s': no Chinese for \"%s\"", object, f->evidence);
	if (f->status != ST_PASS && f->fix_zh[0] == '\0')
		fail_msg("'%s': no Chinese for the fix \"%s\"", object, f->fix);
}

#define FLOW_APPS                                                               \
	"{'id':'f-ok','unit':'" GOV "','type':'email','name':'江门邮件',"   \
	"'domains':[{'name':'mail.jm.gov.cn','main':true}]},"                   \
	"{'id':'f-stale','unit':'" GA "','type':'email','name':'公安邮件'," \
	"'domains':[{'name':'ga.jm.gov.cn','main':true}]},"                     \
	"{'id':'f-none','unit':'" EDU "','type':'email','name':'教育邮件'," \
	"'domains':[{'name':'edu.jm.gov.cn','main':true}]},"                    \
	"{'id':'f-orcpt','unit':'" TS "','type':'email','name':'台山邮件'," \
	"'domains':[{'name':'ts.gov.cn','main':true}]},"                        \
	"{'id':'f-closed','unit':'" TS "','type':'email','name':'n',"           \
	"'status':'closed','domains':[{'name':'old.ts.gov.cn'}]},"              \
	"{'id':'f-planned','unit':'" TS "','type':'email','name':'n',"          \
	"'status':'planned','domains':[{'name':'new.ts.gov.cn'}]},"             \
	"{'id':'f-portal','unit':'" GOV "','type':'portal','name':'n',"         \
	"'domains':[{'name':'www.jm.gov.cn','main':true}]}"

/* Recorded lately passes, the mail host's domain counts (mail.jm.gov.cn:
 * jm.gov.cn), so do original recipients; records that stopped fail; a
 * domain never recorded is unknown, left to a person's attestation. */
static void
test_mail_flow(void **state)
{
	struct store *st = *state;
	struct check_opts o;

	load_apps(st, FLOW_APPS);
	put_flow(st, "f1", NOW3 - 400 * DAY, "a@other.cn", "b@other.cn");
	put_flow(st, "f2", NOW3 - 10 * DAY, "bob@ga.jm.gov.cn", "y@out.test");
	put_flow(st, "f3", NOW3 - 7200, "z@out.test",
		 "x@out.test(bob@ts.gov.cn) +2 more");
	put_flow(st, "f4", NOW3 - 3600, "alice@jm.gov.cn", "x@out.test");
	put_flow(st, "f5", NOW3 - 60, "c@www.jm.gov.cn", "c@old.ts.gov.cn");
	run(st);
	expect_exact(
	    "mail.flow-records", "f-ok", ST_PASS,
	    "govsec-milter records the mail of '江门邮件' (jm.gov.cn): "
	    "last record 2024-07-01T03:00:00Z; records since "
	    "2023-05-28T04:00:00Z, kept 365 days (SEC-5: 365)");
	expect_exact("mail.flow-records", "f-stale", ST_FAIL,
		     "govsec-milter has recorded no mail of '公安邮件' "
		     "(ga.jm.gov.cn) since 2024-06-21T04:00:00Z, more than 3 "
		     "days ago ([check] mail_flow_stale_days): the milter is "
		     "down or the mail bypasses it");
	expect_f("mail.flow-records", "f-orcpt", ST_PASS,
		 "'台山邮件' (ts.gov.cn): last record 2024-07-01T02:00:00Z");
	expect_exact(
	    "mail.flow-records", "f-none", ST_UNKNOWN,
	    "govsec-milter has recorded no mail of '教育邮件' (domains "
	    "edu.jm.gov.cn) since 2023-05-28T04:00:00Z");
	expect_none("mail.flow-records", "f-closed");
	expect_none("mail.flow-records", "f-planned");
	expect_none("mail.flow-records", "f-portal");
	expect_zh("f-ok");
	expect_zh("f-stale");
	expect_zh("f-none");
	assert_string_equal(req_of("MAIL-3")->verdict, "fail");
	assert_string_equal(req_of("MAIL-3")->judged_by, "observation");
	/* the window is [check] mail_flow_stale_days */
	check_opts_init(&o);
	o.mail_flow_stale_days = 11;
	run_opts(st, "2024-07-01T04:00:00Z", &o);
	expect_f("mail.flow-records", "f-stale", ST_PASS,
		 "'公安邮件' (ga.jm.gov.cn): last record 2024-06-21T04:00:00Z");
	assert_string_equal(req_of("MAIL-3")->verdict, "unknown");
	/* a person's verdict decides the application without records, once
	 * (not again as an attestation of its own) */
	attest(st, "MAIL-3", "f-none", "pass", "2024-06-01", "2025-05-31");
	run_opts(st, "2024-07-01T04:00:00Z", &o);
	expect_f("mail.flow-records", "f-none", ST_PASS, "李娜");
	expect_none("attest.mail-3", "f-none");
	assert_string_equal(req_of("MAIL-3")->verdict, "pass");
	assert_int_equal(req_of("MAIL-3")->attested, 1);
}

/* Records are kept as long as SEC-5's logs: max(365, the declared log
 * retention) days, by the pruning and in fact. */
static void
test_mail_flow_retention(void **state)
{
	struct store *st = *state;
	struct err e;

	load_apps(st,
		  "{'id':'f-400','unit':'" GOV "','type':'email','name':'n4',"
		  "'domains':[{'name':'jm.gov.cn','main':true}],"
		  "'security':{'log_retention_days':400}},"
		  "{'id':'f-365','unit':'" GA "','type':'email','name':'n3',"
		  "'domains':[{'name':'ga.jm.gov.cn','main':true}]}");
	put_flow(st, "g1", NOW3 - 10 * DAY, "a@jm.gov.cn", "b@ga.jm.gov.cn");
	put_flow(st, "g2", NOW3 - 3600, "a@jm.gov.cn", "b@ga.jm.gov.cn");
	run(st);
	/* the milter started 10 days ago: nothing is missing yet */
	expect_exact("mail.flow-records", "f-365", ST_PASS,
		     "govsec-milter records the mail of 'n3' (ga.jm.gov.cn): "
		     "last record 2024-07-01T03:00:00Z; records since "
		     "2024-06-21T04:00:00Z (less than the 365 days SEC-5 "
		     "keeps: the milter started then), kept 365 days");
	/* but the pruning would delete them after 365 days, not 400 */
	expect_exact("mail.flow-records", "f-400", ST_FAIL,
		     "mail of 'n4' (jm.gov.cn) is recorded until "
		     "2024-07-01T03:00:00Z, but govsec mail prune keeps the "
		     "records 365 days, fewer than the 400 days the logs are "
		     "kept (SEC-5)");
	expect_zh("f-400");
	assert_int_equal(
	    store_setting_set(st, "audit.retention_days", "400", &e), 0);
	run(st);
	expect_f("mail.flow-records", "f-400", ST_PASS,
		 "(less than the 400 days SEC-5 keeps: the milter started "
		 "then), kept 400 days");
	/* a prune that kept 365 days, 5 days ago: records of 370 days gone */
	put_audit(st, NOW3 - 5 * DAY, "mail.prune", "mail_flow",
		  "removed=12 days=365");
	run(st);
	expect_f("mail.flow-records", "f-400", ST_FAIL,
		 "but the prune of 2024-06-26T04:00:00Z kept only 365 days, "
		 "fewer than the 400 days the logs are kept (SEC-5)");
	expect_zh("f-400");
	expect_f("mail.flow-records", "f-365", ST_PASS, "kept 400 days");
	/* a stop older than any retention says nothing */
	put_audit(st, NOW3 - 500 * DAY, "mail.reject", "mail:0aaaaaaa11111111",
		  "hop=smtpd");
	run(st);
	expect_f("mail.flow-records", "f-365", ST_PASS, "kept 400 days");
	/* a stop 100 days ago whose record is gone: deleted by hand */
	put_audit(st, NOW3 - 100 * DAY, "mail.quarantine",
		  "mail:0bbbbbbb22222222", "hop=smtpd");
	run(st);
	expect_exact("mail.flow-records", "f-365", ST_FAIL,
		     "mail of 'n3' (ga.jm.gov.cn) is recorded until "
		     "2024-07-01T03:00:00Z, but the records start at "
		     "2024-06-21T04:00:00Z: the record of a stop the audit "
		     "chain holds from 2024-03-23T04:00:00Z is gone, though "
		     "younger than the 365 days the logs are kept (SEC-5)");
	expect_zh("f-365");
	expect_f("mail.flow-records", "f-400", ST_FAIL,
		 "younger than the 400 days");
}

/* The records are read newest first a page (5000) at a time: a domain
 * recorded behind 6000 newer records of the same second is found. */
static void
test_mail_flow_pages(void **state)
{
	struct store *st = *state;
	struct err e;
	char id[32];

	load_apps(st, FLOW_APPS);
	assert_int_equal(store_begin(st, &e), 0);
	for (int i = 0; i < 6000; i++) {
		str_fmt(id, sizeof(id), "p%05d", i);
		put_flow(st, id, NOW3 - 100, "a@other.cn", "b@other.cn");
	}
	assert_int_equal(store_commit(st, &e), 0);
	put_flow(st, "q1", NOW3 - 200, "a@ga.jm.gov.cn", "b@other.cn");
	put_flow(st, "q2", NOW3 - 300, "a@jm.gov.cn", "b@other.cn");
	run(st);
	expect_f("mail.flow-records", "f-stale", ST_PASS,
		 "(ga.jm.gov.cn): last record 2024-07-01T03:56:40Z");
	expect_f("mail.flow-records", "f-ok", ST_PASS,
		 "(jm.gov.cn): last record 2024-07-01T03:55:00Z");
	expect_f("mail.flow-records", "f-none", ST_UNKNOWN,
		 "(domains edu.jm.gov.cn) since 2024-07-01T03:55:00Z");
	/* one domain of each group found is enough: the reading stops */
	{
		const char *doms[] = {"mail.ga.jm.gov.cn", "ga.jm.gov.cn",
				      "ga.jm.gov.cn", "jm.gov.cn"};
		const size_t groups[] = {0, 0, 2, 2};
		struct mail_flow_ev ev;

		assert_int_equal(mail_flow_evidence(st, doms, groups, 4,
						    NOW3 - 400 * DAY, 100000,
						    &ev, &e),
				 0);
		assert_int_equal(ev.scanned, 6001);
		assert_int_equal(ev.seen[0], 0);
		assert_int_equal(ev.seen[1], NOW3 - 200);
		assert_int_equal(ev.seen[2], NOW3 - 200);
		assert_int_equal(ev.seen[3], 0);
		assert_int_equal(ev.first, NOW3 - 300);
		assert_int_equal(ev.last, NOW3 - 100);
		mail_flow_ev_cleanup(&ev);
		/* each its own group: read to the oldest for the first */
		assert_int_equal(mail_flow_evidence(st, doms, NULL, 4,
						    NOW3 - 400 * DAY, 100000,
						    &ev, &e),
				 0);
		assert_int_equal(ev.scanned, 6002);
		assert_int_equal(ev.seen[0], 0);
		assert_int_equal(ev.seen[3], NOW3 - 300);
		assert_int_equal(ev.read_all, 1);
		mail_flow_ev_cleanup(&ev);
		/* at most max_rows */
		assert_int_equal(mail_flow_evidence(st, doms, NULL, 4,
						    NOW3 - 400 * DAY, 5000, &ev,
						    &e),
				 0);
		assert_int_equal(ev.scanned, 5000);
		assert_int_equal(ev.read_all, 0);
		assert_int_equal(ev.seen[1], 0);
		mail_flow_ev_cleanup(&ev);
	}
}

/* No record at all: the rule says nothing and MAIL-3 is judged by
 * attestations as before (not judged without them). */
static void
test_mail_flow_no_records(void **state)
{
	struct store *st = *state;

	load_apps(st, FLOW_APPS);
	run(st);
	assert_int_equal(count_rule("mail.flow-records"), 0);
	assert_string_equal(req_of("MAIL-3")->verdict, "not_judged");
	assert_string_equal(req_of("MAIL-3")->judged_by, "none");
	attest(st, "MAIL-3", GOV, "fail", "2024-06-01", "2025-05-31");
	run(st);
	expect_f("attest.mail-3", GOV, ST_FAIL, "李娜");
	assert_string_equal(req_of("MAIL-3")->verdict, "fail");
}

/* The runner: rule table, order, statuses, sink filter, empty registry. */

static void
test_rule_table(void **state)
{
	size_t n;
	const struct rule_info *r = check_rules(&n);
	struct check_opts o;

	(void)state;
	assert_int_equal(n, 43); /* 4 of CF-1..3: rules_cf.c */
	assert_string_equal(r[0].id, "scope.unit-kind");
	assert_string_equal(r[0].requirement, "SCOPE-1");
	assert_string_equal(r[1].id, "site.one-portal");
	assert_string_equal(r[n - 1].id, "sup.rectified");
	assert_string_equal(r[n - 1].requirement, "SUP-1");
	for (size_t i = 0; i < n; i++) {
		assert_non_null(r[i].title);
		assert_non_null(r[i].title_zh);
		for (size_t j = 0; j < i; j++)
			if (strcmp(r[i].id, r[j].id) == 0)
				fail_msg("rule id '%s' twice", r[i].id);
	}
	assert_string_equal(check_status_str(ST_PASS), "pass");
	assert_string_equal(check_status_str(ST_FAIL), "fail");
	assert_string_equal(check_status_str(ST_NA), "not_applicable");
	assert_string_equal(check_status_str(ST_UNKNOWN), "unknown");
	assert_int_equal(check_status_parse("pass"), ST_PASS);
	assert_int_equal(check_status_parse("fail"), ST_FAIL);
	assert_int_equal(check_status_parse("not_applicable"), ST_NA);
	assert_int_equal(check_status_parse("na"), ST_NA);
	assert_int_equal(check_status_parse("unknown"), ST_UNKNOWN);
	assert_int_equal(check_status_parse("PASS"), -1);
	assert_int_equal(check_status_parse(""), -1);
	check_opts_init(&o);
	assert_null(o.unit);
	assert_int_equal(o.now, 0);
	assert_int_equal(o.idle_max_minutes, CHECK_IDLE_MAX);
	assert_int_equal(o.lockout_max, CHECK_LOCKOUT_MAX);
}

static void
test_run_order_and_filter(void **state)
{
	struct store *st = *state;
	size_t n, last = 0;
	const struct rule_info *r = check_rules(&n);
	struct check_sink sink = {collect, NULL, 1u << ST_FAIL, NULL, NULL};
	struct check_opts o;
	struct check_summary all;
	struct err e;

	/* Empty registry: nothing to say. */
	run(st);
	assert_int_equal(nfound, 0);
	assert_int_equal(sum.count[ST_PASS] + sum.count[ST_FAIL] +
			     sum.count[ST_NA] + sum.count[ST_UNKNOWN],
			 0);
	{
		struct buf b = BUF_INIT(1 << 20);

		assert_int_equal(
		    buf_printf(&b, "{%s,%s,'applications':[%s,%s]}", UNITS,
			       OUTSOURCERS, AUTH_APPS, MAIL_APPS),
		    0);
		load(st, b.data);
		buf_cleanup(&b);
	}
	run(st);
	all = sum;
	/* Findings come in rule order, each naming its requirement. */
	for (size_t i = 0; i < nfound; i++) {
		size_t k;

		for (k = 0; k < n; k++)
			if (strcmp(r[k].id, found[i].rule) == 0)
				break;
		if (k == n)
			fail_msg("unknown rule '%s'", found[i].rule);
		assert_string_equal(found[i].req, r[k].requirement);
		if (k < last)
			fail_msg("'%s' after '%s'", r[k].id, r[last].id);
		last = k;
	}
	/* A sink that wants failures only gets them; the summary still
	 * counts all. */
	check_opts_init(&o);
	o.now = when("2024-07-01T04:00:00Z");
	nfound = 0;
	assert_int_equal(check_run(st, &o, &sink, &sum, &e), 0);
	assert_memory_equal(&sum, &all, sizeof(sum));
	assert_int_equal(nfound, all.count[ST_FAIL]);
	for (size_t i = 0; i < nfound; i++)
		assert_int_equal(found[i].status, ST_FAIL);
	/* No sink at all. */
	assert_int_equal(check_run(st, &o, NULL, &sum, &e), 0);
	assert_memory_equal(&sum, &all, sizeof(sum));
}

/* Imports the demo registry (data/demo.json). */
static void
load_demo(struct store *st)
{
	struct buf b = BUF_INIT(1 << 22);
	struct reg_counts c;
	struct err e;

	if (buf_read_file(&b, GOVSEC_DATADIR "/demo.json", &e) < 0)
		fail_msg("%s", e.msg);
	if (reg_import(st, b.data, b.len, "demo.json", "t", &c, &e) != 0)
		fail_msg("demo import: %s", e.msg);
	buf_cleanup(&b);
}

/* The demo registry runs, and a few of its known findings. */
static void
test_demo(void **state)
{
	struct store *st = *state;

	load_demo(st);
	run_opts(st, "2026-11-26T04:00:00Z", NULL);
	assert_true(nfound > 100);
	expect_f("site.suffix", "jm-jy-portal", ST_FAIL,
		 "domain 'www.jmedu.com' has a suffix of class 'other'");
	expect_f("site.suffix", "jmlib-portal", ST_FAIL,
		 "domain 'www.jmlib.gov.cn' has a suffix of class 'organ'");
	expect_f("sec.log-retention", "jmyy-portal", ST_FAIL,
		 "logs are kept 180 days, less than a year");
	expect_f("auth.idle-timeout", "jm-app", ST_FAIL,
		 "idle timeout of 120 minutes is longer than the 30-minute "
		 "limit");
	expect_f("mail.no-auto-forward", "jm-mail", ST_FAIL,
		 "automatic forwarding is on");
	expect_f("out.least-privilege", "g-app-dev", ST_FAIL,
		 "expired on 2025-06-30 but is still active");
	expect_f("site.county-pages", "ts-jy-portal", ST_FAIL,
		 "county-level department '台山市教育局'");
}

/*
 * A whole check on two threads (check_opts.threads 2: the inspection and
 * probe rules on a second connection reading the same snapshot, their
 * findings handed on in rule order) gives what one thread gives: the
 * same findings in the same order, the same counts by requirement and by
 * unit, and the same SUP-1 verdicts, which read what the rules of both
 * threads counted per application (here an overdue acknowledgement of a
 * finding of the second thread's). The demo registry with an inspection
 * of every portal (one failing), probes and an acknowledgement.
 */
struct run_copy {
	struct fnd *f;
	size_t n;
	struct check_summary sum;
	char *units;
};

static void
run_threads(struct store *st, int threads, unsigned want, struct run_copy *out)
{
	struct check_opts o;
	struct check_sink sink = {collect, NULL, want, NULL, NULL};
	struct report_units *ru = report_units_new();
	json_t *j;
	struct err e;

	check_opts_init(&o);
	o.now = when("2026-11-26T04:00:00Z");
	o.threads = threads;
	report_units_opts(ru, &o);
	nfound = 0;
	if (check_run(st, &o, &sink, &out->sum, &e) != 0)
		fail_msg("check_run: %s", e.msg);
	out->n = nfound;
	out->f = xmalloc((nfound + 1) * sizeof(*found));
	if (nfound > 0)
		memcpy(out->f, found, nfound * sizeof(*found));
	j = report_units_json(ru);
	out->units = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	report_units_free(ru);
}

static void
same_runs(const struct run_copy *a, const struct run_copy *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		if (memcmp(&a->f[i], &b->f[i], sizeof(a->f[i])) != 0)
			fail_msg("finding %zu: %s %s (%s) and %s %s (%s)", i,
				 a->f[i].rule, a->f[i].object, a->f[i].evidence,
				 b->f[i].rule, b->f[i].object,
				 b->f[i].evidence);
	for (int k = 0; k < ST__COUNT; k++)
		assert_int_equal(a->sum.count[k], b->sum.count[k]);
	assert_int_equal(a->sum.overdue, b->sum.overdue);
	assert_int_equal(a->sum.not_judged, b->sum.not_judged);
	assert_int_equal(a->sum.nreq, b->sum.nreq);
	for (size_t i = 0; i < a->sum.nreq; i++) {
		const struct check_req *x = &a->sum.req[i], *y = &b->sum.req[i];

		assert_string_equal(x->id, y->id);
		for (int k = 0; k < ST__COUNT; k++)
			assert_int_equal(x->count[k], y->count[k]);
		assert_string_equal(x->verdict, y->verdict);
		assert_string_equal(x->judged_by, y->judged_by);
		assert_string_equal(x->observed, y->observed);
		assert_int_equal(x->attested, y->attested);
		assert_int_equal(x->unjudged_units, y->unjudged_units);
	}
	assert_string_equal(a->units, b->units);
}

static void
run_copy_free(struct run_copy *r)
{
	free(r->f);
	free(r->units);
}

/* The whole report (format f, statuses want) of a check on threads
 * threads, its findings written to their file stage bytes at a time,
 * past 3 KiB to a file on disk, the report 5 pieces a call (stage 0: the
 * defaults). Written to a file
 * (writev), or to memory (stdio) if mem_out. */
static char *
report_threads(struct store *st, int threads, enum report_format f,
	       unsigned want, size_t stage, int mem_out)
{
	struct check_opts o;
	struct check_summary rs;
	struct check_sink sink;
	struct report *r;
	char *text = NULL;
	size_t len = 0;
	FILE *out = mem_out ? open_memstream(&text, &len) : tmpfile();
	struct err e;

	assert_non_null(out);
	check_opts_init(&o);
	o.now = when("2026-11-26T04:00:00Z");
	o.threads = threads;
	r = report_new(f, out, want, NULL);
	if (stage > 0)
		report_hold_sizes(r, stage, 3 * 1024, 5);
	report_opts(r, &o);
	sink = report_sink(r);
	if (check_run(st, &o, &sink, &rs, &e) != 0)
		fail_msg("check_run: %s", e.msg);
	assert_int_equal(report_finish(r, &rs), 0);
	if (!mem_out) {
		long n = ftell(out);

		assert_true(n > 0);
		text = xmalloc((size_t)n + 1);
		rewind(out);
		assert_int_equal(fread(text, 1, (size_t)n, out), (size_t)n);
		text[n] = '\0';
	}
	assert_int_equal(fclose(out), 0);
	return text;
}

static void
test_two_threads(void **state)
{
	struct store *st = *state;
	struct run_copy one, two;
	const unsigned wants[] = {0, 1u << ST_FAIL,
				  1u << ST_FAIL | 1u << ST_UNKNOWN,
				  1u << ST_UNKNOWN};
	struct err e;

	load_demo(st);
	/* an inspection of every portal's domains, the first one's failing
	 * LINK-2 and acknowledged with a due date long past */
	assert_int_equal(
	    store_exec(
		st,
		"INSERT INTO insp_runs (host, start, started, finished, "
		"pages, links, broken, blocked, marks, findings) SELECT "
		"d.name, 'https://' || d.name || '/', "
		"'2026-11-20T01:00:00Z', '2026-11-20T01:05:00Z', 1, 2, 1, "
		"0, '{}', CASE WHEN d.app = 'jm-portal' THEN '[{\"rule\":"
		"\"inspect.link-list\",\"requirement\":\"LINK-2\",\"status\""
		":\"fail\",\"object\":\"https://x/\",\"evidence\":\"HTTP "
		"404\"}]' ELSE '[{\"rule\":\"inspect.footer\",\"requirement"
		"\":\"GOVWEB-3\",\"status\":\"pass\",\"evidence\":\"marks"
		"\"}]' END FROM domains d JOIN apps a ON a.id = d.app WHERE "
		"a.type = 'portal'",
		NULL, 0, &e),
	    0);
	assert_int_equal(check_ack(st, "observe.link-list", "jm-portal", "张三",
				   "2026-01-31", NULL, "tester", &e),
			 0);
	probes(st, "jm-portal", "2026-11-25T10:00:00Z", 30, 0);
	probes(st, "ts-portal", "2026-11-25T10:00:00Z", 30, 1);
	for (size_t i = 0; i < ARRAY_SIZE(wants); i++) {
		run_threads(st, 1, wants[i], &one);
		run_threads(st, 2, wants[i], &two);
		same_runs(&one, &two);
		run_copy_free(&two);
		/* the second thread's rules were run, its finding counted
		 * for SUP-1 */
		if (i == 0) {
			expect_f("observe.link-list", "jm-portal", ST_FAIL,
				 "1 broken links");
			assert_true(
			    get("observe.link-list", "jm-portal")->overdue);
			expect_f("sup.rectified", "jm-portal", ST_FAIL,
				 "1 requirement checks still fail");
		}
		run_copy_free(&one);
	}
	/* The reports take the second thread's findings in branches, joined
	 * at the end (JSON and SARIF: what each wrote, appended): the same
	 * bytes as one thread's, also
	 * with findings written to their files 1 KiB at a time, past 3 KiB
	 * in files on disk, the report 5 pieces a call, and through stdio. */
	for (size_t i = 0; i < ARRAY_SIZE(wants); i++)
		for (int f = REPORT_TEXT; f <= REPORT_HTML; f++) {
			enum report_format rf = (enum report_format)f;
			unsigned want =
			    wants[i] ? wants[i] : (1u << ST__COUNT) - 1;
			char *a = report_threads(st, 1, rf, want, 0, 1),
			     *b = report_threads(st, 2, rf, want, 0, 0),
			     *c = report_threads(st, 2, rf, want, 1024, 0),
			     *d = report_threads(st, 1, rf, want, 1024, 1);

			assert_non_null(strstr(a, "jm-portal"));
			assert_true(strlen(a) > 3 * 1024);
			assert_string_equal(a, b);
			assert_string_equal(a, c);
			assert_string_equal(a, d);
			free(a);
			free(b);
			free(c);
			free(d);
		}
}

/* The twin (store_begin_read_twin) reads the snapshot of the connection
 * it was made for: a commit after both began is seen by neither, and by
 * both transactions begun after it. None where the store cannot. */
static void
test_read_twin(void **state)
{
	struct store *st = *state, *twin = NULL, *other;
	char path[8192];
	const char *q = "SELECT count(*) FROM settings";
	long long n0;
	struct err e;

	assert_int_equal(store_begin_read_twin(st, &twin, &e), 0);
	if (strcmp(store_backend(st), "sqlite") != 0) {
		assert_null(twin); /* PostgreSQL: one connection */
		store_commit(st, NULL);
		return;
	}
	assert_non_null(twin);
	n0 = store_query_int(st, q, NULL, 0, -1);
	assert_int_equal(store_query_int(twin, q, NULL, 0, -1), n0);
	str_fmt(path, sizeof(path), "%s/db%d.sqlite", tmpdir, dbcount);
	other = store_open(path, &e);
	assert_non_null(other);
	assert_int_equal(store_setting_set(other, "test.twin", "1", &e), 0);
	assert_int_equal(store_query_int(other, q, NULL, 0, -1), n0 + 1);
	assert_int_equal(store_query_int(st, q, NULL, 0, -1), n0);
	assert_int_equal(store_query_int(twin, q, NULL, 0, -1), n0);
	assert_int_equal(store_commit(twin, &e), 0);
	store_free(twin);
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(store_query_int(st, q, NULL, 0, -1), n0 + 1);
	/* inside a transaction already: no twin, the transaction nests */
	assert_int_equal(store_begin_read(st, &e), 0);
	assert_int_equal(store_begin_read_twin(st, &twin, &e), 0);
	assert_null(twin);
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
	store_free(other);
}

/*
 * The registry's own rules (issue 9 item 4): SUP-1's deadline and opening
 * date, SITE-4 for organs only, SCOPE-1's registration authority, OUT-3's
 * authoriser, OUT-4's far expiry and scope, LINK-4's domain registration.
 */

#define RREG_WJJ "11440781007251056U" /* 台山市卫生健康局, county dept */
#define RREG_TSYY                                                              \
	"12440781456000113F" /* 台山市人民医院, county institution      \
			      */
#define RREG_WSY  "12440781456000201X" /* 斗山镇卫生院, township inst. */
#define RREG_ENT  "91440781MA4UK0035L" /* an enterprise */
#define RREG_ENT2 "91440781MA4UK01158" /* another enterprise */
#define RREG_ASSN "51440781MJK000057M" /* a social organization */

/* A live account opened on op, assessed on as, keeping logs days days. */
#define RREG_ACCOUNT(id, op, as, days)                                         \
	"{'id':'" id "','unit':'" GOV "','type':'account',"                    \
	"'name':'江门市人民政府发布','status':'live','opened':'" op "',"       \
	"'last_assessment':'" as "','staff_functions':false,"                  \
	"'security':{'log_retention_days':" days ",'log_backup':true}}"

/* Loads the records of list (n JSON objects) into section of a document
 * with head (the units, say) before it. */
static void
rreg_load(struct store *st, const char *head, const char *section,
	  const char *const *list, size_t n)
{
	struct buf b = BUF_INIT(1 << 20);

	buf_printf(&b, "{%s%s'%s':[", head, *head ? "," : "", section);
	for (size_t k = 0; k < n; k++)
		buf_printf(&b, "%s%s", k ? "," : "", list[k]);
	assert_int_equal(buf_addstr(&b, "]}"), 0);
	load(st, b.data);
	buf_cleanup(&b);
}

static void
test_rreg_sup_deadline(void **state)
{
	struct store *st = *state;
	static const char *const apps[] = {
	    RREG_ACCOUNT("s-inuse", "2020-03-01", "2024-06-01", "180"),
	    RREG_ACCOUNT("s-new", "2024-09-01", "2024-08-20", "180"),
	    "{'id':'s-undecl','unit':'" GOV "','type':'account',"
	    "'name':'江门市人民政府发布','status':'live',"
	    "'last_assessment':'2024-06-01','staff_functions':false,"
	    "'security':{'log_retention_days':180,'log_backup':true}}",
	    RREG_ACCOUNT("s-2025", "2025-06-01", "2025-05-20", "365"),
	};

	rreg_load(st, UNITS, "applications", apps, ARRAY_SIZE(apps));
	/* Before the deadline: one in use is being rectified, a new one
	 * must already comply, an undated one cannot be told. */
	run_opts(st, "2024-10-01T04:00:00Z", NULL);
	assert_int_equal(fails_of("s-inuse"), 1);
	expect_exact("sup.rectified", "s-inuse", ST_PASS,
		     "in rectification until 2024-12-31; 1 open findings are "
		     "reported under their own requirements");
	expect_exact("sup.rectified", "s-new", ST_FAIL,
		     "a new application, opened 2024-09-01, must comply from "
		     "that day; 1 requirement checks fail");
	expect_f("sup.rectified", "s-undecl", ST_UNKNOWN,
		 "the opening date is not declared");
	/* The deadline day itself is still in time. */
	run_opts(st, "2024-12-31T04:00:00Z", NULL);
	expect_f("sup.rectified", "s-inuse", ST_PASS, "in rectification");
	/* After it, an acknowledgement with a later due date is shown but
	 * does not make the failure compliance. */
	ack(st, "sec.log-retention", "s-inuse", "2025-06-30");
	run_opts(st, "2025-01-01T04:00:00Z", NULL);
	assert_int_equal(get("sec.log-retention", "s-inuse")->overdue, 0);
	expect_exact("sup.rectified", "s-inuse", ST_FAIL,
		     "in use before the Regulations took effect (opened "
		     "2020-03-01); 1 requirement checks still fail after the "
		     "rectification deadline 2024-12-31; 1 findings "
		     "acknowledged, due by 2025-06-30 at the latest (an "
		     "acknowledgement is not a rectification)");
	expect_exact("sup.rectified", "s-undecl", ST_FAIL,
		     "in use before the Regulations took effect (opened date "
		     "not declared); 1 requirement checks still fail after the "
		     "rectification deadline 2024-12-31");
	/* Opened 2025-06 and compliant: not a finding. */
	run_opts(st, "2025-12-01T04:00:00Z", NULL);
	assert_int_equal(fails_of("s-2025"), 0);
	expect_exact("sup.rectified", "s-2025", ST_PASS,
		     "self-examined; no failing checks");
}

#define RREG_UNITS                                                                  \
	"'units':["                                                                 \
	"{'uscc':'" GOV "','name':'江门市人民政府','kind':'administrative'," \
	"'level':'prefecture','region':'440700','region_name':'江门市'},"        \
	"{'uscc':'" TS "','name':'台山市人民政府','kind':'administrative',"  \
	"'level':'county','region':'440781','region_name':'台山市',"             \
	"'parent':'" GOV "'},"                                                      \
	"{'uscc':'" TOWN "','name':'台山市斗山镇人民政府',"               \
	"'kind':'administrative','level':'township','region':'440781',"             \
	"'parent':'" TS "'},"                                                       \
	"{'uscc':'" RREG_WJJ "','name':'台山市卫生健康局',"                 \
	"'kind':'administrative','level':'county','region':'440781',"               \
	"'parent':'" TS "'},"                                                       \
	"{'uscc':'" RREG_TSYY "','name':'台山市人民医院',"                   \
	"'kind':'institution','level':'county','region':'440781',"                  \
	"'parent':'" RREG_WJJ "'},"                                                 \
	"{'uscc':'" RREG_WSY "','name':'台山市斗山镇卫生院',"              \
	"'kind':'institution','level':'township','region':'440781',"                \
	"'parent':'" TOWN "'},"                                                     \
	"{'uscc':'" RREG_ENT "','name':'台山市某科技有限公司',"           \
	"'kind':'administrative','level':'county','region':'440781'},"              \
	"{'uscc':'" RREG_ENT2 "','name':'台山市某咨询有限公司',"          \
	"'kind':'mass','level':'county','region':'440781'},"                        \
	"{'uscc':'" RREG_ASSN "','name':'台山市某协会','kind':'mass',"        \
	"'level':'county','region':'440781'}]"

#define RREG_PORTAL(id, unit, host)                                            \
	"{'id':'" id "','unit':'" unit "','type':'portal','name':'n',"         \
	"'domains':[{'name':'" host "','main':true}]}"

static void
test_rreg_site_county_organs(void **state)
{
	struct store *st = *state;
	static const char *const apps[] = {
	    RREG_PORTAL("p-ts", TS, "www.cnts.gov.cn"),
	    RREG_PORTAL("p-wjj", RREG_WJJ, "wjj.cnts.gov.cn"),
	    RREG_PORTAL("p-town", TOWN, "ds.cnts.gov.cn"),
	    RREG_PORTAL("p-hosp", RREG_TSYY, "www.tsrmyy.cn"),
	    RREG_PORTAL("p-wsy", RREG_WSY, "www.dswsy.cn"),
	};

	rreg_load(st, RREG_UNITS, "applications", apps, ARRAY_SIZE(apps));
	run(st);
	expect_f("site.county-pages", "p-wjj", ST_FAIL,
		 "county-level department '台山市卫生健康局'");
	expect_f("site.county-pages", "p-town", ST_FAIL,
		 "township unit '台山市斗山镇人民政府'");
	expect_f("site.county-pages", "p-ts", ST_PASS,
		 "county-level unit may run its own website");
	/* A county hospital and a township health centre are no organs. */
	expect_exact("site.county-pages", "p-hosp", ST_PASS,
		     "'台山市人民医院' (kind institution) is not a Party or "
		     "government organ: SITE-4 does not bind it");
	expect_f("site.county-pages", "p-wsy", ST_PASS,
		 "SITE-4 does not bind it");
	/* A county-level organ without a parent: government or department?
	 * (the enterprise recorded as an organ, RREG_ENT, has none) */
	load(st, "{'applications':[" RREG_PORTAL("p-ent", RREG_ENT,
						 "www.ent.gov.cn") "]}");
	run(st);
	expect_f("site.county-pages", "p-ent", ST_UNKNOWN,
		 "has no parent declared");
}

static void
test_rreg_scope_authority(void **state)
{
	struct store *st = *state;

	/* The import takes an enterprise recorded as an organ: a claim to
	 * judge, not malformed data. */
	load(st, "{" RREG_UNITS "}");
	run(st);
	expect_exact("scope.unit-kind", RREG_ENT, ST_FAIL,
		     "unit '" RREG_ENT
		     "' (台山市某科技有限公司) is recorded as "
		     "kind 'administrative' but its credit code is not an "
		     "organ's (11...)");
	expect_f("scope.unit-kind", RREG_ENT2, ST_FAIL,
		 "never by market regulation: 9...");
	expect_f("scope.unit-kind", RREG_ASSN, ST_PASS, "kind 'mass'");
	expect_f("scope.unit-kind", RREG_TSYY, ST_PASS, "kind 'institution'");
	expect_f("scope.unit-kind", RREG_WJJ, ST_PASS, "kind 'administrative'");
}

#define RREG_PEOPLE(grants)                                                    \
	"{" UNITS "," OUTSOURCERS ","                                          \
	"'applications':[{'id':'p-gov','unit':'" GOV "','type':'portal',"      \
	"'name':'n'}],"                                                        \
	"'people':[{'id':'p-staff','name':'张伟','unit':'" GOV "',"            \
	"'kind':'staff'},"                                                     \
	"{'id':'p-ga-staff','name':'赵敏','unit':'" GA "','kind':'staff'},"    \
	"{'id':'p-out','name':'刘洋','unit':'" GOV "','kind':'outsourced',"    \
	"'outsourcer':'os-good'},"                                             \
	"{'id':'p-out2','name':'陈晨','unit':'" GOV "','kind':'outsourced',"   \
	"'outsourcer':'os-good'}],"                                            \
	"'grants':[" grants "]}"

#define RREG_ROOT(id, by)                                                      \
	"{'id':'" id "','person':'p-out','app':'p-gov','scope':'数据库',"   \
	"'privilege':'highest_admin','expires':'2025-06-30'," by "}"

static void
test_rreg_out_authoriser(void **state)
{
	struct store *st = *state;
	static const char *const grants[] = {
	    RREG_ROOT("g-self", "'authorizer':'p-out'"),
	    RREG_ROOT("g-self-name", "'authorized_by':'刘洋'"),
	    RREG_ROOT("g-colleague", "'authorizer':'p-out2'"),
	    RREG_ROOT("g-other-unit", "'authorizer':'p-ga-staff'"),
	    RREG_ROOT(
		"g-official",
		"'authorizer':'p-staff','authorized_by':'2024-05-08 批复'"),
	    RREG_ROOT("g-official-name", "'authorized_by':'张伟'"),
	    RREG_ROOT("g-company", "'authorized_by':'云智公司项目部'"),
	};
	struct buf list = BUF_INIT(1 << 16), b = BUF_INIT(1 << 20);

	for (size_t k = 0; k < ARRAY_SIZE(grants); k++)
		buf_printf(&list, "%s%s", k ? "," : "", grants[k]);
	assert_int_equal(buf_printf(&b, RREG_PEOPLE("%s"), list.data), 0);
	load(st, b.data);
	buf_cleanup(&list);
	buf_cleanup(&b);
	run(st);
	expect_exact(
	    "out.highest-admin", "g-self", ST_FAIL,
	    "outsourced 'p-out' holds highest admin rights on '数据库' "
	    "on the authority of 'p-out', the grantee itself");
	expect_f("out.highest-admin", "g-self-name", ST_FAIL,
		 "the grantee itself");
	expect_exact(
	    "out.highest-admin", "g-colleague", ST_FAIL,
	    "outsourced 'p-out' holds highest admin rights on '数据库' "
	    "on the authority of 'p-out2' (陈晨), staff of outsourcing "
	    "unit 'os-good', not of the unit");
	expect_f("out.highest-admin", "g-other-unit", ST_FAIL,
		 "'p-ga-staff' (赵敏), staff of another unit (" GA ")");
	expect_f("out.highest-admin", "g-company", ST_FAIL,
		 "which names its own outsourcing unit '云智'");
	/* A unit official, by id or by name, is the authoriser wanted. */
	expect_exact(
	    "out.highest-admin", "g-official", ST_PASS,
	    "outsourced 'p-out' holds highest admin rights on '数据库', "
	    "authorized by 'p-staff' (张伟), staff of the unit");
	expect_f("out.highest-admin", "g-official-name", ST_PASS,
		 "authorized by 'p-staff' (张伟), staff of the unit");
}

static void
test_rreg_out_expiry_scope(void **state)
{
	struct store *st = *state;

	load(st, RREG_PEOPLE(
		     "{'id':'g-2099','person':'p-out','scope':'运维',"
		     "'privilege':'operate','expires':'2099-12-31',"
		     "'needed_privilege':'operate'},"
		     "{'id':'g-3y','person':'p-out','scope':'运维',"
		     "'privilege':'operate','expires':'2027-06-30',"
		     "'needed_privilege':'operate'},"
		     "{'id':'g-off-2099','person':'p-out','scope':'运维',"
		     "'privilege':'operate','expires':'2099-12-31',"
		     "'active':false},"
		     "{'id':'g-staff-2099','person':'p-staff','scope':'运维',"
		     "'privilege':'admin','expires':'2099-12-31'},"
		     "{'id':'g-too-much','person':'p-out','scope':'内容发布',"
		     "'privilege':'admin','expires':'2025-06-30',"
		     "'needed_privilege':'operate'},"
		     "{'id':'g-less','person':'p-out','scope':'日志审计',"
		     "'privilege':'read','expires':'2025-06-30',"
		     "'needed_privilege':'operate'},"
		     "{'id':'g-undecl','person':'p-out','scope':'巡检',"
		     "'privilege':'read','expires':'2025-06-30'}"));
	run(st);
	expect_exact("out.least-privilege", "g-2099", ST_FAIL,
		     "grant of '运维' (operate) to outsourced 'p-out' expires "
		     "on 2099-12-31, 27576 days away: an expiry more than "
		     "1098 days ahead is no expiry");
	expect_f("out.least-privilege", "g-3y", ST_PASS, "as its scope needs");
	expect_f("out.least-privilege", "g-off-2099", ST_PASS,
		 "has been withdrawn");
	expect_none("out.least-privilege", "g-staff-2099");
	expect_exact("out.least-privilege", "g-too-much", ST_FAIL,
		     "grant of '内容发布' to outsourced 'p-out' gives admin, "
		     "but its scope needs only operate");
	expect_f("out.least-privilege", "g-less", ST_PASS,
		 "as its scope needs");
	expect_f("out.least-privilege", "g-undecl", ST_UNKNOWN,
		 "whether read is the least privilege its scope needs is not "
		 "declared");
}

#define RREG_SITE(id, status, doms)                                            \
	"{'id':'" id "','unit':'" GOV "','type':'portal','name':'n',"          \
	"'status':'" status "','domains':[" doms "]}"

static void
test_rreg_link_domain_expiry(void **state)
{
	struct store *st = *state;
	static const char *const apps[] = {
	    RREG_SITE("d-lapsed", "live",
		      "{'name':'www.jiangmen.gov.cn','main':true,"
		      "'registered_until':'2028-01-01'},"
		      "{'name':'江门市人民政府.政务',"
		      "'registered_until':'2026-10-31'}"),
	    RREG_SITE("d-soon", "planned",
		      "{'name':'soon.jiangmen.gov.cn','main':true,"
		      "'registered_until':'2026-12-10'}"),
	    RREG_SITE("d-ok", "live",
		      "{'name':'ok.jiangmen.gov.cn','main':true,"
		      "'registered_until':'2026-12-27'}"),
	    RREG_SITE("d-closed", "closed",
		      "{'name':'expo.jiangmen.gov.cn','main':true,"
		      "'registered_until':'2024-05-01'}"),
	    RREG_SITE("d-cancelled", "closed",
		      "{'name':'old.jiangmen.gov.cn','main':true,"
		      "'registered_until':'2025-05-01',"
		      "'cancelled':'2025-04-01'}"),
	    RREG_SITE("d-undecl", "live",
		      "{'name':'new.jiangmen.gov.cn','main':true}"),
	    RREG_SITE("d-none", "live", ""),
	};
	static const char *const renewed[] = {
	    RREG_SITE("d-soon", "live",
		      "{'name':'soon.jiangmen.gov.cn','main':true,"
		      "'registered_until':'2027-12-10'}"),
	};

	rreg_load(st, UNITS, "applications", apps, ARRAY_SIZE(apps));
	run_opts(st, "2026-11-26T04:00:00Z", NULL);
	expect_exact(
	    "link.domain-expiry", "d-lapsed", ST_FAIL,
	    "the registration of domain '江门市人民政府.政务' lapsed on "
	    "2026-10-31 and the domain was neither renewed nor "
	    "cancelled: anyone may register it");
	expect_exact("link.domain-expiry", "d-soon", ST_FAIL,
		     "the registration of domain 'soon.jiangmen.gov.cn' lapses "
		     "on 2026-12-10, in 14 days, and is not renewed");
	expect_f("link.domain-expiry", "d-ok", ST_PASS,
		 "1 domains registered beyond the next 30 days, 0 cancelled");
	/* A closed site's domain is the one left to lapse. */
	expect_f("link.domain-expiry", "d-closed", ST_FAIL,
		 "lapsed on 2024-05-01");
	expect_none("sup.rectified", "d-closed");
	expect_f("link.domain-expiry", "d-cancelled", ST_PASS, "1 cancelled");
	expect_f("link.domain-expiry", "d-undecl", ST_UNKNOWN,
		 "registration expiry of domain 'new.jiangmen.gov.cn' is not "
		 "declared");
	expect_none("link.domain-expiry", "d-none");
	/* Renewed: the finding ends. */
	rreg_load(st, UNITS, "applications", renewed, ARRAY_SIZE(renewed));
	run_opts(st, "2026-11-26T04:00:00Z", NULL);
	expect_f("link.domain-expiry", "d-soon", ST_PASS,
		 "1 domains registered beyond the next 30 days");
}

/* ---- judged by the effect (issue 9): SEC-3 coverage, SEC-4 limit,
 * AUTH-1 shadowing and second factors, gate evidence window and age ---- */

/* SEC-3: declared segments are judged by what they add up to. */
static void
test_sec3_coverage(void **state)
{
	struct store *st = *state;
	struct check_opts o;

	load_apps(
	    st,
	    "{'id':'halves','unit':'" GOV "','type':'app',"
	    "'name':'n','staff_functions':true,"
	    "'security':{'ip_segments':['0.0.0.0/1','128.0.0.0/1']}}"
	    ",{'id':'halves6','unit':'" GOV "','type':'app',"
	    "'name':'n','staff_functions':true,"
	    "'security':{'ip_segments':['::/1','8000::/1']}}"
	    ",{'id':'split6','unit':'" GOV "','type':'app',"
	    "'name':'n','staff_functions':true,"
	    "'security':{'ip_segments':['2000::/3','4000::/2','8000::/1']}}"
	    ",{'id':'overlap','unit':'" GOV "','type':'app',"
	    "'name':'n','staff_functions':true,"
	    "'security':{'ip_segments':['128.0.0.0/1','0.0.0.0/2','64.0.0.0/"
	    "2']}}"
	    ",{'id':'mapped','unit':'" GOV "','type':'app',"
	    "'name':'n','staff_functions':true,"
	    "'security':{'ip_segments':['::ffff:0.0.0.0/96']}}"
	    ",{'id':'hostbits','unit':'" GOV "','type':'app',"
	    "'name':'n','staff_functions':true,"
	    "'security':{'ip_segments':['0.0.0.1/1','128.0.0.1/1']}}"
	    ",{'id':'small','unit':'" GOV "','type':'app',"
	    "'name':'n','staff_functions':true,"
	    "'security':{'ip_segments':['202.96.0.0/16','202.98.0.0/16']}}"
	    ",{'id':'lan','unit':'" GOV "','type':'app',"
	    "'name':'n','staff_functions':true,'security':{'ip_segments':"
	    "['10.0.0.0/8','172.16.0.0/12','192.168.0.0/16','fc00::/7']}}"
	    ",{'id':'v6own','unit':'" GOV "','type':'app',"
	    "'name':'n','staff_functions':true,"
	    "'security':{'ip_segments':['10.44.0.0/16','2001:db8:4407::/48']}}"
	    ",{'id':'wide6','unit':'" GOV "','type':'app',"
	    "'name':'n','staff_functions':true,"
	    "'security':{'ip_segments':['2001:db8::/32','2001:db9::/32']}}");
	run(st);
	expect_exact(
	    "sec.staff-access", "halves", ST_FAIL,
	    "IP segments (0.0.0.0/1, 128.0.0.0/1) together cover as "
	    "many public IPv4 addresses as a /0, more than a /8 ([check] "
	    "max_segment_prefix4)");
	/* ::/1 holds ::ffff:0:0/96, all of IPv4 */
	expect_f("sec.staff-access", "halves6", ST_FAIL,
		 "cover as many public IPv4 addresses as a /0, more than a /8");
	expect_f(
	    "sec.staff-access", "split6", ST_FAIL,
	    "cover as many public IPv6 addresses as a /0, more than a /32");
	expect_f("sec.staff-access", "overlap", ST_FAIL,
		 "cover as many public IPv4 addresses as a /0");
	expect_f("sec.staff-access", "mapped", ST_FAIL,
		 "cover as many public IPv4 addresses as a /0");
	expect_f("sec.staff-access", "hostbits", ST_FAIL,
		 "cover as many public IPv4 addresses as a /0");
	expect_f(
	    "sec.staff-access", "wide6", ST_FAIL,
	    "cover as many public IPv6 addresses as a /31, more than a /32");
	/* two small segments are small together */
	expect_exact("sec.staff-access", "small", ST_PASS,
		     "staff access limited to 202.96.0.0/16, 202.98.0.0/16");
	/* internal ranges are no exposure to the Internet, however wide */
	expect_f("sec.staff-access", "lan", ST_PASS, "staff access limited");
	expect_f("sec.staff-access", "v6own", ST_PASS, "staff access limited");
	/* the limit is the operator's: [check] max_segment_prefix4/6 */
	check_opts_init(&o);
	o.segment_prefix4 = 16;
	o.segment_prefix6 = 30;
	run_opts(st, "2024-07-01T04:00:00Z", &o);
	expect_f("sec.staff-access", "small", ST_FAIL,
		 "as many public IPv4 addresses as a /15, more than a /16");
	expect_f("sec.staff-access", "wide6", ST_PASS, "staff access limited");
}

/* SEC-4: declared whitelist entries are held to the gate's limit. */
static void
test_sec4_declared_limit(void **state)
{
	struct store *st = *state;
	struct check_opts o;

#define WL(id, from, until)                                                    \
	"{'id':'" id "','unit':'" GOV "','type':'app','name':'n',"             \
	"'staff_functions':true,'security':{'overseas_access':true,"           \
	"'overseas_whitelist':[{'account':'zhang','from':'" from "',"          \
	"'until':'" until "'}]}}"
	load_apps(
	    st,
	    WL("year", "2024-06-01T00:00:00Z", "2025-06-01T00:00:00Z") "," WL(
		"ninety", "2024-06-01T00:00:00Z",
		"2024-08-30T00:00:00Z") "," WL("over", "2023-01-01T00:00:00Z",
					       "2024-01-01T00:00:00Z"));
#undef WL
	run(st);
	expect_exact("sec.overseas", "year", ST_FAIL,
		     "whitelist entry 0 (2024-06-01T00:00:00Z to "
		     "2025-06-01T00:00:00Z) opens overseas access for 365 "
		     "days, more than 90 ([check] whitelist_max_days)");
	expect_f("sec.overseas", "ninety", ST_PASS,
		 "overseas access by whitelist only: 1 entries, 1 open now");
	/* an entry that has ended opens nothing any more */
	expect_f("sec.overseas", "over", ST_PASS,
		 "overseas access by whitelist only: 1 entries, 0 open now");
	check_opts_init(&o);
	o.whitelist_max_days = 365;
	run_opts(st, "2024-07-01T04:00:00Z", &o);
	expect_f("sec.overseas", "year", ST_PASS, "1 open now");
}

/* The gate's evidence: a policy, decisions per rule and day, users and
 * the time it last reported; for the e-mail system at oa.jiangmen.gov.cn
 * ("now" is 2024-07-01T04:00:00Z). */
static void
gate_users(struct store *st, const char *sql)
{
	struct err e;

	if (store_exec(st, sql, NULL, 0, &e) < 0)
		fail_msg("gate users: %s", e.msg);
}

static void
gate_ev(struct store *st, const char *policy, const char *decided_day,
	const char *reported)
{
	char *doc = Q(policy);
	struct store_val v[1];
	struct err e;
	json_t *j = json_loads(doc, 0, NULL), *r;
	size_t i;

	assert_non_null(j);
	v[0] = SV_TEXT(doc);
	if (store_exec(st, "DELETE FROM gate_policy", NULL, 0, &e) < 0 ||
	    store_exec(st, "DELETE FROM gate_rule_days", NULL, 0, &e) < 0 ||
	    store_exec(st,
		       "INSERT INTO gate_policy(id, doc, serial, updated) "
		       "VALUES (1, ?, 1, '2024-06-01T00:00:00Z')",
		       v, 1, &e) < 0 ||
	    store_setting_set(st, "gate.started", "2024-06-01T00:00:00Z", &e) <
		0 ||
	    store_setting_set(st, "gate.reported", reported, &e) < 0 ||
	    store_setting_set(st, "gate.session_idle", "900", &e) < 0 ||
	    store_setting_set(st, "gate.login_attempts", "5", &e) < 0)
		fail_msg("gate evidence: %s", e.msg);
	json_array_foreach(json_object_get(j, "rules"), i, r)
	{
		struct store_val w[2] = {
		    SV_TEXT(json_string_value(json_object_get(r, "name"))),
		    SV_TEXT(decided_day)};

		if (store_exec(st,
			       "INSERT INTO gate_rule_days(rule, day, allows, "
			       "denies) VALUES (?, ?, 3, 1)",
			       w, 2, &e) < 0)
			fail_msg("gate decisions: %s", e.msg);
	}
	json_decref(j);
	free(doc);
}

#define OA_APP                                                                 \
	"{'id':'oa','unit':'" GOV "','type':'email','name':'n',"               \
	"'personal_safety':true,'domains':[{'name':'oa.jiangmen.gov.cn',"      \
	"'main':true}]}"
#define OA_HOSTS "'hosts':['oa.jiangmen.gov.cn']"
#define OA_NETS                                                                \
	"'networks':{'office':['10.44.0.0/16','2001:db8:4407::/48'],"          \
	"'halves':['0.0.0.0/1','128.0.0.0/1','::/1','8000::/1'],"              \
	"'almost':['0.0.0.0/0','!10.0.0.0/8']}"
#define ALICE_BOB                                                              \
	"INSERT INTO gate_users(name, groups, password, totp_secret, "         \
	"updated, disabled) VALUES ('alice', '', 'x', 'S', '', 0), "           \
	"('bob', '', 'x', NULL, '', 0), ('carol', '', 'x', NULL, '', 1)"

/* SEC-3 from the gate: a rule's networks judged by what they admit. */
static void
test_gate_sec3_coverage(void **state)
{
	struct store *st = *state;

	load_apps(st, OA_APP);
	gate_ev(st,
		"{" OA_NETS ",'rules':["
		"{'name':'own'," OA_HOSTS ",'networks':['office'],"
		"'action':'two_factor'},"
		"{'name':'split'," OA_HOSTS ",'networks':['halves'],"
		"'action':'two_factor'},"
		"{'name':'carved'," OA_HOSTS ",'networks':['almost'],"
		"'action':'two_factor'}]}",
		"2024-06-30", "2024-07-01T03:59:00Z");
	run(st);
	expect_exact(
	    "sec.staff-access", "oa", ST_FAIL,
	    "gate rules 'split' (any address), 'carved' (as many "
	    "public IPv4 addresses as a /0) admit any device from more "
	    "public addresses than an IPv4 /8 or an IPv6 /32 ([check] "
	    "max_segment_prefix4, max_segment_prefix6)");
	/* the unit's own segments alone pass */
	gate_ev(st,
		"{" OA_NETS ",'rules':[{'name':'own'," OA_HOSTS
		",'networks':['office'],'action':'two_factor'},"
		"{'name':'split'," OA_HOSTS ",'networks':['halves'],"
		"'devices':['approved'],'action':'two_factor'}]}",
		"2024-06-30", "2024-07-01T03:59:00Z");
	run(st);
	expect_f("sec.staff-access", "oa", ST_PASS, "the gate enforces");
}

/* AUTH-1: a two_factor rule counts only when no earlier rule lets the
 * same requests in with less, and only for users with a second factor. */
static void
test_gate_auth1_shadowing(void **state)
{
	struct store *st = *state;

	load_apps(st, OA_APP);
	gate_users(st, ALICE_BOB);
	/* an earlier bypass for the whole host */
	gate_ev(st,
		"{'rules':[{'name':'open'," OA_HOSTS ",'action':'bypass'},"
		"{'name':'staff'," OA_HOSTS ",'action':'two_factor'}]}",
		"2024-06-30", "2024-07-01T03:59:00Z");
	run(st);
	expect_exact("auth.mfa", "oa", ST_FAIL,
		     "gate rules 'staff' (by 'open') ask for two factors, but "
		     "an earlier rule lets the same requests in with less");
	/* a path written to match everything is no condition */
	gate_ev(st,
		"{'rules':[{'name':'open'," OA_HOSTS ",'path':'^/.*',"
		"'action':'bypass'},{'name':'staff'," OA_HOSTS
		",'path':'^/admin/','action':'two_factor'}]}",
		"2024-06-30", "2024-07-01T03:59:00Z");
	run(st);
	expect_f("auth.mfa", "oa", ST_FAIL, "(by 'open')");
	/* wider networks and more methods shadow too */
	gate_ev(st,
		"{" OA_NETS ",'rules':[{'name':'open'," OA_HOSTS
		",'networks':['halves'],'methods':['GET','POST'],"
		"'action':'bypass'},{'name':'staff'," OA_HOSTS
		",'networks':['office'],'methods':['GET'],"
		"'action':'two_factor'}]}",
		"2024-06-30", "2024-07-01T03:59:00Z");
	run(st);
	expect_f("auth.mfa", "oa", ST_FAIL, "'staff' (by 'open')");
	/* narrower ones do not: POST from the office needs two factors */
	gate_ev(st,
		"{" OA_NETS ",'rules':[{'name':'open'," OA_HOSTS
		",'networks':['halves'],'methods':['GET'],"
		"'action':'bypass'},{'name':'staff'," OA_HOSTS
		",'networks':['office'],'action':'two_factor'}]}",
		"2024-06-30", "2024-07-01T03:59:00Z");
	run(st);
	expect_f("auth.mfa", "oa", ST_PASS, "on 1 rules");
	gate_ev(st,
		"{" OA_NETS ",'rules':[{'name':'open'," OA_HOSTS
		",'networks':['office'],'action':'bypass'},{'name':'staff'"
		"," OA_HOSTS ",'networks':['halves'],'action':'two_factor'}]}",
		"2024-06-30", "2024-07-01T03:59:00Z");
	run(st);
	expect_f("auth.mfa", "oa", ST_PASS, "on 1 rules");
	/* a bypass for another path does not shadow */
	gate_ev(st,
		"{'rules':[{'name':'health'," OA_HOSTS ",'path':'^/health$',"
		"'action':'bypass'},{'name':'staff'," OA_HOSTS
		",'action':'two_factor'}]}",
		"2024-06-30", "2024-07-01T03:59:00Z");
	run(st);
	expect_exact("auth.mfa", "oa", ST_PASS,
		     "the gate enforces two factors (password and TOTP or a "
		     "security key) on 1 rules; 1 users have a second factor; "
		     "without one (they cannot pass these rules): bob");
	/* nobody has a second factor: two factors count for nobody */
	gate_users(st, "UPDATE gate_users SET totp_secret = NULL");
	run(st);
	expect_exact("auth.mfa", "oa", ST_FAIL,
		     "no enabled gate user has a second factor: the 1 "
		     "two_factor rules count for nobody");
	/* a security key is a second factor too */
	gate_users(st, "INSERT INTO gate_webauthn(id, user, alg, pubkey, "
		       "sign_count, created) VALUES ('k1', 'bob', -7, 'p', 0, "
		       "'2024-06-01T00:00:00Z')");
	run(st);
	expect_f("auth.mfa", "oa", ST_PASS,
		 "without one (they cannot pass "
		 "these rules): alice");
}

/* Gate evidence is recent: decisions of the last [check]
 * gate_window_days, and stale when the gate has not reported lately. */
static void
test_gate_window_and_age(void **state)
{
	static const char *const gate_rules[] = {
	    "sec.staff-access",	 "sec.overseas", "auth.mfa",
	    "auth.idle-timeout", "auth.lockout", "auth.device-binding"};
	const char *policy = "{" OA_NETS ",'rules':[{'name':'staff'," OA_HOSTS
			     ",'networks':['office'],'countries':['CN'],"
			     "'devices':['approved'],'action':'two_factor'}]}";
	struct store *st = *state;
	struct check_opts o;
	char ev[256];

	load_apps(st, OA_APP);
	gate_users(st, ALICE_BOB);
	gate_ev(st, policy, "2024-06-30", "2024-07-01T03:59:00Z");
	run(st);
	for (size_t i = 0; i < ARRAY_SIZE(gate_rules); i++)
		expect_f(gate_rules[i], "oa", ST_PASS, "");
	/* silent for more than an hour: stale, unknown */
	gate_ev(st, policy, "2024-06-30", "2024-07-01T02:59:59Z");
	run(st);
	for (size_t i = 0; i < ARRAY_SIZE(gate_rules); i++)
		expect_exact(gate_rules[i], "oa", ST_UNKNOWN,
			     "the gate protects it, but last reported at "
			     "2024-07-01T02:59:59Z, more than 60 minutes ago "
			     "([check] gate_stale_minutes)");
	check_opts_init(&o);
	o.gate_stale_minutes = 120;
	run_opts(st, "2024-07-01T04:00:00Z", &o);
	expect_f("auth.mfa", "oa", ST_PASS, "the gate enforces");
	/* decisions 30 days ago and older are not the gate's present: the
	 * declarations judge (none here) */
	gate_ev(st, policy, "2024-06-01", "2024-07-01T03:59:00Z");
	run(st);
	str_fmt(ev, sizeof(ev), "%s", get("auth.mfa", "oa")->evidence);
	if (strstr(ev, "gate") != NULL)
		fail_msg("old decisions judged as the gate's: %s", ev);
	gate_ev(st, policy, "2024-06-02", "2024-07-01T03:59:00Z");
	run(st);
	expect_f("auth.mfa", "oa", ST_PASS, "the gate enforces");
	o.gate_stale_minutes = 60;
	o.gate_window_days = 7;
	run_opts(st, "2024-07-01T04:00:00Z", &o);
	str_fmt(ev, sizeof(ev), "%s", get("auth.mfa", "oa")->evidence);
	if (strstr(ev, "gate") != NULL)
		fail_msg("decisions outside 7 days judged: %s", ev);
}

/* SEC-4 from the gate: an entry is as long as its window's dates let it
 * be open. */
static void
test_gate_sec4_window_dates(void **state)
{
	struct store *st = *state;
#define TRIP(window)                                                           \
	"{'rules':[{'name':'abroad'," OA_HOSTS ",'whitelist':true,"            \
	"'action':'two_factor'}],'whitelist':[{'name':'trip',"                 \
	"'user':'alice','from':'2024-06-01T00:00:00Z',"                        \
	"'until':'2025-06-01T00:00:00Z'" window "}]}"

	load_apps(st, OA_APP);
	gate_ev(st, TRIP(""), "2024-06-30", "2024-07-01T03:59:00Z");
	run(st);
	expect_f("sec.overseas", "oa", ST_FAIL,
		 "1 whitelist entry 'trip' (365 days) opens overseas access "
		 "for more than 90 days");
	gate_ev(st, TRIP(",'window':'2024-07-01..2024-07-14 Europe/Berlin'"),
		"2024-06-30", "2024-07-01T03:59:00Z");
	run(st);
	expect_f("sec.overseas", "oa", ST_PASS, "time-limited whitelist");
#undef TRIP
}

/* SEC-4 from the gate: networks that cannot be overseas, by the
 * addresses they admit however they are written. */
static void
test_gate_sec4_internal(void **state)
{
	struct store *st = *state;

	load_apps(st, OA_APP);
	gate_ev(st,
		"{'networks':{'lan':['10.0.0.0/9','10.128.0.0/9',"
		"'::ffff:192.168.0.0/112','0.0.0.0/0','!0.0.0.0/1',"
		"'!128.0.0.0/1']},'rules':[{'name':'staff'," OA_HOSTS
		",'networks':['lan'],'action':'two_factor'}]}",
		"2024-06-30", "2024-07-01T03:59:00Z");
	run(st);
	expect_f("sec.overseas", "oa", ST_PASS, "the gate enforces");
	gate_ev(st,
		"{'networks':{'lan':['10.0.0.0/8','11.0.0.0/32']},"
		"'rules':[{'name':'staff'," OA_HOSTS
		",'networks':['lan'],'action':'two_factor'}]}",
		"2024-06-30", "2024-07-01T03:59:00Z");
	run(st);
	expect_exact("sec.overseas", "oa", ST_FAIL,
		     "gate rules 'staff' admit overseas addresses without a "
		     "whitelist");
}

/* [check] settings of these rules, read from govsec.conf. */
static void
test_check_config(void **state)
{
	char path[8192];
	struct config cfg;
	struct check_opts o;
	struct err e;
	FILE *f;

	(void)state;
	config_defaults(&cfg);
	check_opts_config(&o, &cfg);
	assert_int_equal(o.segment_prefix4, 8);
	assert_int_equal(o.segment_prefix6, 32);
	assert_int_equal(o.gate_window_days, 30);
	assert_int_equal(o.gate_stale_minutes, 60);
	assert_int_equal(o.whitelist_max_days, 90);
	assert_int_equal(o.mail_flow_stale_days, 3);
	str_fmt(path, sizeof(path), "%s/check.conf", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[check]\nmax_segment_prefix4 = 16\nmax_segment_prefix6 = 48\n"
	      "gate_window_days = 7\ngate_stale_minutes = 1440\n"
	      "mail_flow_stale_days = 14\n",
	      f);
	fclose(f);
	assert_int_equal(config_load(&cfg, path, &e), 0);
	check_opts_config(&o, &cfg);
	assert_int_equal(o.segment_prefix4, 16);
	assert_int_equal(o.segment_prefix6, 48);
	assert_int_equal(o.gate_window_days, 7);
	assert_int_equal(o.gate_stale_minutes, 1440);
	assert_int_equal(o.mail_flow_stale_days, 14);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[check]\nmax_segment_prefix4 = 33\n", f);
	fclose(f);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, &e), -1);
	assert_non_null(
	    strstr(e.msg, "bad value '33' for [check] max_segment_prefix4"));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[check]\nmail_flow_stale_days = 0\n", f);
	fclose(f);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, &e), -1);
	assert_non_null(
	    strstr(e.msg, "bad value '0' for [check] mail_flow_stale_days"));
	unlink(path);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, open_store, close_store)
	const struct CMUnitTest tests[] = {
	    T(test_site_one_portal),
	    T(test_site_domains),
	    T(test_site_suffix),
	    T(test_site_county),
	    T(test_app_platforms),
	    T(test_app_not_bound),
	    T(test_name_unit_first),
	    T(test_link_relevance),
	    T(test_link_list),
	    T(test_leave_prompt),
	    T(test_abnormal_links),
	    T(test_logo),
	    T(test_availability),
	    T(test_summaries_follow_evidence),
	    T(test_freshness),
	    T(test_footer_marks),
	    T(test_sec_mlps),
	    T(test_sec_mlps_na_undeclared),
	    T(test_sec_assessment),
	    T(test_sec_assessment_leap_year),
	    T(test_sec_assessment_feb29),
	    T(test_sec_staff_access),
	    T(test_sec_staff_access_catch_all_spelling),
	    T(test_sec_overseas),
	    T(test_sec_logs),
	    T(test_out_contract),
	    T(test_out_subcontract),
	    T(test_out_highest_admin),
	    T(test_out_least_privilege),
	    T(test_out_least_privilege_beijing_date),
	    T(test_out_highest_admin_other_unit),
	    T(test_auth_mfa),
	    T(test_auth_idle),
	    T(test_auth_lockout),
	    T(test_auth_device),
	    T(test_mail_forward),
	    T(test_mail_attachments),
	    T(test_mail_audited),
	    T(test_mail_flow),
	    T(test_mail_flow_retention),
	    T(test_mail_flow_no_records),
	    T(test_mail_flow_pages),
	    T(test_sup_rectified),
	    T(test_attestation_precedence),
	    T(test_verdict_of_an_empty_registry),
	    T(test_ack_overdue),
	    T(test_ack_errors),
	    T(test_unit_filter),
	    cmocka_unit_test(test_rule_table),
	    T(test_run_order_and_filter),
	    T(test_demo),
	    T(test_two_threads),
	    T(test_read_twin),
	    T(test_rreg_sup_deadline),
	    T(test_rreg_site_county_organs),
	    T(test_rreg_scope_authority),
	    T(test_rreg_out_authoriser),
	    T(test_rreg_out_expiry_scope),
	    T(test_rreg_link_domain_expiry),
	    T(test_sec3_coverage),
	    T(test_sec4_declared_limit),
	    T(test_gate_sec3_coverage),
	    T(test_gate_auth1_shadowing),
	    T(test_gate_window_and_age),
	    T(test_gate_sec4_window_dates),
	    T(test_gate_sec4_internal),
	    cmocka_unit_test(test_check_config),
	};
#undef T

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
