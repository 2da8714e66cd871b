/*
 * test_registry.c: unit tests of src/registry records and documents:
 * reg_parse field validation with exact JSON-path messages, reg_put
 * (insert, replace, audit, cross-field rules, domains), reg_get,
 * reg_each, reg_rm refusing referenced records, reg_import (all or nothing,
 * messages naming source:line and path, duplicates, sections, references
 * in any order), reg_export (export | import | export is stable) and the
 * scopes of console accounts (scope_*: trees, regions, scoped writes). JSON
 * in this file is written with single quotes, turned into double quotes by
 * J()/Q(). Every test gets a fresh on-disk store in a temporary directory
 * under $GOVSEC_TEST_TMP (or /tmp), removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "registry/registry.h"
#include "storefix.h"

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

static json_t *
J(const char *sq)
{
	char *s = Q(sq);
	json_error_t je;
	json_t *v = json_loads(s, JSON_DECODE_ANY, &je);

	if (v == NULL)
		fail_msg("bad test JSON: %s: %s", je.text, s);
	free(s);
	return v;
}

static const struct entity *
E(const char *name)
{
	const struct entity *ent = reg_entity(name);

	if (ent == NULL)
		fail_msg("no entity '%s'", name);
	return ent;
}

static long long
rows(struct store *st, const char *table)
{
	char q[128];

	str_fmt(q, sizeof(q), "SELECT count(*) FROM %s", table);
	return store_query_int(st, q, NULL, 0, -1);
}

/* Every registry table and the audit log are empty. */
static void
assert_empty(struct store *st)
{
	static const char *const tables[] = {"units",	"outsourcers", "apps",
					     "domains", "people",      "grants",
					     "audit"};

	for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
		if (rows(st, tables[i]) != 0)
			fail_msg("table %s has %lld rows", tables[i],
				 rows(st, tables[i]));
}

/* Test data: real codes (data/demo.json), checked by uscc_check. */
#define GOV  "11440700007250010K" /* 江门市人民政府, organ */
#define BB   "11440700007250029G" /* 江门市委编办, organ */
#define GA   "11440700007250037B" /* 江门市公安局, organ */
#define HOSP "12440700456000017U" /* 江门市中心医院, institution */
#define UNI  "12440700456000025N" /* 五邑大学, institution */

#define U_GOV                                                                              \
	"{'uscc':'" GOV "','name':'江门市人民政府','short_name':'江门市政府'," \
	"'kind':'administrative','level':'prefecture','region':'440700',"                  \
	"'region_name':'江门市'}"
#define U_GA                                                                    \
	"{'uscc':'" GA "','name':'江门市公安局','kind':'administrative'," \
	"'level':'prefecture','region':'440700','parent':'" GOV "'}"
#define U_HOSP                                                                    \
	"{'uscc':'" HOSP "','name':'江门市中心医院','kind':'institution'," \
	"'level':'prefecture','region':'440700'}"
#define A_PORTAL                                                                   \
	"{'id':'jm-portal','unit':'" GOV "','type':'portal',"                      \
	"'name':'江门市人民政府门户网站','status':'live','filed':true," \
	"'domains':[{'name':'www.jiangmen.gov.cn','lang':'en','main':true},"       \
	"{'name':'江门市人民政府.政务','lang':'zh'}]}"

/* reg_parse */

static void
parse_ok(const char *ent, const char *sq)
{
	json_t *o = J(sq);
	struct err e;

	e.msg[0] = '\0';
	if (reg_parse(E(ent), o, "$.x[0]", &e) != 0)
		fail_msg("reg_parse refused %s: %s", sq, e.msg);
	json_decref(o);
}

static void
parse_err(const char *ent, const char *path, const char *sq, const char *msg)
{
	json_t *o = J(sq);
	struct err e;

	e.msg[0] = '\0';
	if (reg_parse(E(ent), o, path, &e) != -1)
		fail_msg("reg_parse accepted %s (expected \"%s\")", sq, msg);
	assert_string_equal(e.msg, msg);
	json_decref(o);
}

static void
test_parse_valid(void **state)
{
	(void)state;
	parse_ok("unit", U_GOV);
	parse_ok("units", U_GA);
	parse_ok("unit", U_HOSP);
	parse_ok("unit", "{'uscc':'" BB "','name':'编办','kind':'party',"
			 "'level':'prefecture','region':'440700',"
			 "'establishment':true,'short_name':null}");
	parse_ok("outsourcer",
		 "{'id':'os-1','name':'广东云智信息技术有限公司',"
		 "'uscc':'91440700MA4UK0019L','unit':'" GOV "',"
		 "'security_duties':true,'subcontract_consent':false}");
	parse_ok(
	    "app",
	    "{'id':'a.b_c-1','unit':'" GOV "','type':'email','name':'邮件',"
	    "'status':'planned','filed':false,"
	    "'domains':[{'name':'mail.jiangmen.gov.cn'}],"
	    "'platforms':['own-website'],'login_channels':[],"
	    "'mlps_level':5,'critical_infrastructure':true,"
	    "'important_business':false,'last_assessment':'2024-02-29',"
	    "'last_upgrade':'2024-01-01','staff_functions':true,"
	    "'personal_safety':true,'outsourcer':'os-1',"
	    "'security':{'mfa':true,'idle_timeout_minutes':0,"
	    "'lockout_threshold':1000,'device_binding':false,"
	    "'ip_segments':['10.0.0.0/8','2001:db8::/32','1.2.3.4/32'],"
	    "'device_restriction':true,'overseas_access':true,"
	    "'overseas_whitelist':[{'account':'zhang','device':'d1',"
	    "'from':'2024-11-20T00:00:00+08:00',"
	    "'until':'2024-12-05T23:59:59Z','reason':'出访'}],"
	    "'log_retention_days':36500,'log_backup':true},"
	    "'mail':{'auto_forward':false,'attachment_autodownload':true}}");
	parse_ok("app", "{'id':'x','unit':'" GOV "','type':'app','name':'n',"
			"'security':{}}");
	parse_ok("person", "{'id':'p1','name':'张伟','unit':'" GOV "',"
			   "'kind':'outsourced','outsourcer':'os-1'}");
	parse_ok("grant", "{'id':'g1','person':'p1','app':'x','scope':'s',"
			  "'privilege':'highest_admin','expires':'2027-06-30',"
			  "'active':true,'authorized_by':'李四'}");
}

static void
test_parse_unknown_fields(void **state)
{
	(void)state;
	parse_err("unit", "$.units[0]",
		  "{'uscc':'" GOV
		  "','name':'n','kind':'party','level':'county',"
		  "'region':'440700','foo':1}",
		  "$.units[0].foo: unknown field");
	parse_err("app", "$.applications[3]",
		  "{'id':'a','unit':'" GOV "','type':'app','name':'n',"
		  "'security':{'mfa':true,'foo':1}}",
		  "$.applications[3].security.foo: unknown field");
	parse_err("app", "$.applications[0]",
		  "{'id':'a','unit':'" GOV "','type':'app','name':'n',"
		  "'mail':{'forward':true}}",
		  "$.applications[0].mail.forward: unknown field");
	parse_err("app", "$.applications[0]",
		  "{'id':'a','unit':'" GOV "','type':'app','name':'n',"
		  "'security':true}",
		  "$.applications[0].security: expected an object");
	parse_err("app", "$.applications[0]",
		  "{'id':'a','unit':'" GOV "','type':'portal','name':'n',"
		  "'domains':[{'name':'www.a.gov.cn'},{'name':'b.gov.cn',"
		  "'primary':true}]}",
		  "$.applications[0].domains[1].primary: unknown field");
	parse_err("app", "$.applications[0]",
		  "{'id':'a','unit':'" GOV "','type':'app','name':'n',"
		  "'security':{'overseas_whitelist':[{'who':'x',"
		  "'from':'2024-01-01T00:00:00Z','until':'2024-01-02T00:00:00Z'"
		  "}]}}",
		  "$.applications[0].security.overseas_whitelist[0].who: "
		  "unknown field");
	/* Field names are case sensitive. */
	parse_err("unit", "$.units[0]",
		  "{'USCC':'" GOV
		  "','name':'n','kind':'party','level':'county',"
		  "'region':'440700'}",
		  "$.units[0].USCC: unknown field");
	/* A field of another entity. */
	parse_err("person", "$.people[0]",
		  "{'id':'p','name':'n','unit':'" GOV "','kind':'staff',"
		  "'privilege':'read'}",
		  "$.people[0].privilege: unknown field");
}

/* "security.mfa" spelled as one key is not the field security.mfa: it
 * must be refused, not accepted and silently dropped. */
static void
test_parse_dotted_key(void **state)
{
	struct store *st = *state;
	json_t *o;
	struct err e;

	parse_err("app", "$.applications[0]",
		  "{'id':'a','unit':'" GOV "','type':'app','name':'n',"
		  "'security.mfa':'yes'}",
		  "$.applications[0].security.mfa: unknown field");
	/* Whatever the message, it must not be stored as if absent. */
	o = J("{'uscc':'" GOV "','name':'n','kind':'party','level':'county',"
	      "'region':'440700'}");
	assert_int_equal(reg_put(st, E("unit"), o, "$", "t", 0, NULL, &e), 0);
	json_decref(o);
	o = J("{'id':'a','unit':'" GOV "','type':'app','name':'n',"
	      "'security.mfa':true}");
	if (reg_put(st, E("app"), o, "$.applications[0]", "t", 0, NULL, &e) ==
	    0)
		fail_msg("'security.mfa' as a key was accepted and dropped");
	json_decref(o);
}

static void
test_parse_required(void **state)
{
	(void)state;
	parse_err("unit", "$.units[2]",
		  "{'uscc':'" GOV "','kind':'party','level':'county',"
		  "'region':'440700'}",
		  "$.units[2].name: missing required field");
	parse_err("unit", "$.units[0]",
		  "{'name':'n','kind':'party','level':'county',"
		  "'region':'440700'}",
		  "$.units[0].uscc: missing required field");
	parse_err("unit", "$.units[0]",
		  "{'uscc':'" GOV "','name':null,'kind':'party',"
		  "'level':'county','region':'440700'}",
		  "$.units[0].name: missing required field");
	parse_err("app", "$.applications[0]",
		  "{'id':'a','unit':'" GOV "','name':'n'}",
		  "$.applications[0].type: missing required field");
	parse_err("app", "$.applications[0]",
		  "{'id':'a','unit':'" GOV "','type':'portal','name':'n',"
		  "'domains':[{'lang':'en'}]}",
		  "$.applications[0].domains[0].name: missing required field");
	parse_err("app", "$.applications[0]",
		  "{'id':'a','unit':'" GOV "','type':'app','name':'n',"
		  "'security':{'overseas_whitelist':[{'account':'x',"
		  "'from':'2024-01-01T00:00:00Z'}]}}",
		  "$.applications[0].security.overseas_whitelist[0].until: "
		  "missing required field");
	parse_err("grant", "$.grants[0]", "{'id':'g','person':'p','scope':'s'}",
		  "$.grants[0].privilege: missing required field");
	parse_err("unit", "$.units[0]", "[]",
		  "$.units[0]: expected an object (a unit)");
	parse_err("app", "$.applications[0]", "'text'",
		  "$.applications[0]: expected an object (a app)");
	parse_err("app", "$.applications[0]",
		  "{'id':'a','unit':'" GOV "','type':'portal','name':'n',"
		  "'domains':['www.a.gov.cn']}",
		  "$.applications[0].domains[0]: expected an object (a "
		  "domain)");
}

static void
test_parse_types(void **state)
{
#define APP(extra)                                                             \
	"{'id':'a','unit':'" GOV "','type':'app','name':'n'," extra "}"
	(void)state;
	parse_err("app", "$.a[0]", APP("'filed':'yes'"),
		  "$.a[0].filed: expected true or false");
	parse_err("app", "$.a[0]", APP("'filed':1"),
		  "$.a[0].filed: expected true or false");
	parse_err("app", "$.a[0]",
		  APP("'security':{'mfa':null,'log_backup':0}"),
		  "$.a[0].security.log_backup: expected true or false");
	parse_err("app", "$.a[0]", APP("'mlps_level':6"),
		  "$.a[0].mlps_level: expected an integer from 1 to 5");
	parse_err("app", "$.a[0]", APP("'mlps_level':0"),
		  "$.a[0].mlps_level: expected an integer from 1 to 5");
	parse_err("app", "$.a[0]", APP("'mlps_level':3.0"),
		  "$.a[0].mlps_level: expected an integer from 1 to 5");
	parse_err("app", "$.a[0]", APP("'mlps_level':'3'"),
		  "$.a[0].mlps_level: expected an integer from 1 to 5");
	parse_err("app", "$.a[0]",
		  APP("'security':{'idle_timeout_minutes':-1}"),
		  "$.a[0].security.idle_timeout_minutes: expected an integer "
		  "from 0 to 10080");
	parse_err("app", "$.a[0]",
		  APP("'security':{'log_retention_days':36501}"),
		  "$.a[0].security.log_retention_days: expected an integer "
		  "from 0 to 36500");
	parse_err("app", "$.a[0]",
		  APP("'security':{'lockout_threshold':9223372036854775807}"),
		  "$.a[0].security.lockout_threshold: expected an integer "
		  "from 0 to 1000");
	parse_err("app", "$.a[0]", APP("'status':'open'"),
		  "$.a[0].status: expected one of live, planned, closed");
	parse_err("app", "$.a[0]", APP("'status':'Live'"),
		  "$.a[0].status: expected one of live, planned, closed");
	parse_err("app", "$.a[0]", APP("'status':1"),
		  "$.a[0].status: expected one of live, planned, closed");
	parse_err("unit", "$.u[0]",
		  "{'uscc':'" GOV "','name':'n','kind':'ngo','level':'county',"
		  "'region':'440700'}",
		  "$.u[0].kind: expected one of party, npc, administrative, "
		  "cppcc, supervisory, judicial, procuratorial, mass, "
		  "institution");
	parse_err("grant", "$.g[0]",
		  "{'id':'g','person':'p','scope':'s','privilege':'root'}",
		  "$.g[0].privilege: expected one of read, operate, admin, "
		  "highest_admin");
	parse_err("app", "$.a[0]", APP("'last_assessment':'2024-02-30'"),
		  "$.a[0].last_assessment: expected a date as YYYY-MM-DD");
	parse_err("app", "$.a[0]",
		  APP("'last_assessment':'2024-07-01T00:00:00Z'"),
		  "$.a[0].last_assessment: expected a date as YYYY-MM-DD");
	parse_err("app", "$.a[0]", APP("'last_upgrade':20240701"),
		  "$.a[0].last_upgrade: expected a date as YYYY-MM-DD");
	parse_err("grant", "$.g[0]",
		  "{'id':'g','person':'p','scope':'s','privilege':'read',"
		  "'expires':'2023-02-29'}",
		  "$.g[0].expires: expected a date as YYYY-MM-DD");
	parse_err("app", "$.a[0]",
		  APP("'security':{'overseas_whitelist':[{'account':'x',"
		      "'from':'2024-01-01T25:00:00Z',"
		      "'until':'2024-01-02T00:00:00Z'}]}"),
		  "$.a[0].security.overseas_whitelist[0].from: expected an RFC "
		  "3339 time such as 2025-03-01T09:00:00+08:00");
	parse_err("app", "$.a[0]", APP("'platforms':'huawei'"),
		  "$.a[0].platforms: expected an array");
	parse_err("app", "$.a[0]", APP("'platforms':['huawei',7]"),
		  "$.a[0].platforms[1]: expected a string");
	parse_err("app", "$.a[0]", APP("'login_channels':['password','']"),
		  "$.a[0].login_channels[1]: must not be empty");
	parse_err("app", "$.a[0]", APP("'domains':{'name':'a.gov.cn'}"),
		  "$.a[0].domains: expected an array");
	parse_err("app", "$.a[0]", APP("'name':''"),
		  "$.a[0].name: must not be empty");
	parse_err("app", "$.a[0]", APP("'name':['n']"),
		  "$.a[0].name: expected a string");
	parse_err(
	    "app", "$.a[0]", APP("'name':'a\\u0007b'"),
	    "$.a[0].name: contains a NUL, line break or control character");
	parse_err(
	    "app", "$.a[0]", APP("'name':'a\\u007fb'"),
	    "$.a[0].name: contains a NUL, line break or control character");
	/* Values are one line: they are quoted in messages and reports. */
	parse_err(
	    "app", "$.a[0]", APP("'name':'a\\tb'"),
	    "$.a[0].name: contains a NUL, line break or control character");
	parse_err(
	    "app", "$.a[0]", APP("'name':'a\\nb'"),
	    "$.a[0].name: contains a NUL, line break or control character");
#undef APP
}

/*
 * F_TIME fields are RFC 3339 date-times ("format": "date-time" in the
 * generated JSON Schema, which must not disagree with the importer): a
 * bare date is not one.
 */
static void
test_parse_time_is_date_time(void **state)
{
	(void)state;
	parse_err("app", "$.a[0]",
		  "{'id':'a','unit':'" GOV "','type':'app','name':'n',"
		  "'security':{'overseas_whitelist':[{'account':'x',"
		  "'from':'2024-01-01','until':'2024-01-02T00:00:00Z'}]}}",
		  "$.a[0].security.overseas_whitelist[0].from: expected an RFC "
		  "3339 time such as 2025-03-01T09:00:00+08:00");
}

static void
test_parse_limits(void **state)
{
	char name[1100];
	json_t *o, *list;
	struct err e;

	(void)state;
	/* 1024 bytes is the longest string, counted in bytes. */
	memset(name, 'a', 1024);
	name[1024] = '\0';
	o = J("{'id':'a','unit':'" GOV "','type':'app'}");
	json_object_set_new(o, "name", json_string(name));
	assert_int_equal(reg_parse(E("app"), o, "$.a[0]", &e), 0);
	name[1024] = 'a';
	name[1025] = '\0';
	json_object_set_new(o, "name", json_string(name));
	assert_int_equal(reg_parse(E("app"), o, "$.a[0]", &e), -1);
	assert_string_equal(e.msg, "$.a[0].name: longer than 1024 bytes");
	/* 342 three-byte characters are 1026 bytes. */
	{
		struct buf b = BUF_INIT(2048);

		for (int i = 0; i < 342; i++)
			assert_int_equal(buf_addstr(&b, "江"), 0);
		json_object_set_new(o, "name", json_string(b.data));
		buf_cleanup(&b);
	}
	assert_int_equal(reg_parse(E("app"), o, "$.a[0]", &e), -1);
	assert_string_equal(e.msg, "$.a[0].name: longer than 1024 bytes");
	/* An embedded NUL. */
	json_object_set_new(o, "name", json_stringn("a\0b", 3));
	assert_int_equal(reg_parse(E("app"), o, "$.a[0]", &e), -1);
	assert_string_equal(
	    e.msg,
	    "$.a[0].name: contains a NUL, line break or control character");
	json_object_set_new(o, "name", json_string("n"));

	/* 256 list items at most. */
	list = json_array();
	for (int i = 0; i < 256; i++)
		json_array_append_new(list, json_string("own-website"));
	json_object_set_new(o, "platforms", list);
	assert_int_equal(reg_parse(E("app"), o, "$.a[0]", &e), 0);
	json_array_append_new(list, json_string("own-website"));
	assert_int_equal(reg_parse(E("app"), o, "$.a[0]", &e), -1);
	assert_string_equal(e.msg, "$.a[0].platforms: more than 256 items");
	json_decref(o);

	/* An id of 64 bytes, not 65. */
	memset(name, 'i', 64);
	name[64] = '\0';
	o = J("{'unit':'" GOV "','type':'app','name':'n'}");
	json_object_set_new(o, "id", json_string(name));
	assert_int_equal(reg_parse(E("app"), o, "$.a[0]", &e), 0);
	name[64] = 'i';
	name[65] = '\0';
	json_object_set_new(o, "id", json_string(name));
	assert_int_equal(reg_parse(E("app"), o, "$.a[0]", &e), -1);
	assert_true(str_starts(e.msg, "$.a[0].id: id 'iiii"));
	assert_true(str_ends(e.msg, "' must be 1 to 64 characters from A-Z "
				    "a-z 0-9 '.' '_' '-'"));
	json_decref(o);
}

/*
 * A message stays informative when the value it quotes is long: the path
 * and the start of the explanation survive (cut at the buffer, if need
 * be), never the path alone.
 */
static void
test_parse_long_value_message(void **state)
{
	char name[700], prefix[64];
	json_t *o, *doms;
	struct err e;

	(void)state;
	memset(name, 'a', 600);
	memcpy(name + 600, ".gov.cn", 8);
	o = J("{'id':'a','unit':'" GOV "','type':'portal','name':'n'}");
	doms = json_array();
	json_array_append_new(doms, json_pack("{s:s}", "name", name));
	json_object_set_new(o, "domains", doms);
	assert_int_equal(reg_parse(E("app"), o, "$.applications[0]", &e), -1);
	if (!str_starts(e.msg, "$.applications[0].domains[0].name: domain "
			       "'aaaa"))
		fail_msg("message: \"%s\"", e.msg);
	json_decref(o);

	memset(name, '1', 600);
	name[600] = '\0';
	o = J("{'name':'n','kind':'party','level':'county',"
	      "'region':'440700'}");
	json_object_set_new(o, "uscc", json_string(name));
	assert_int_equal(reg_parse(E("unit"), o, "$.units[12]", &e), -1);
	str_fmt(prefix, sizeof(prefix), "$.units[12].uscc: credit code '111");
	if (!str_starts(e.msg, prefix))
		fail_msg("message: \"%s\"", e.msg);
	json_decref(o);
}

static void
test_parse_checks(void **state)
{
#define UNIT(code, region)                                                     \
	"{'uscc':'" code "','name':'n','kind':'party','level':'county',"       \
	"'region':'" region "'}"
#define APP(extra)                                                             \
	"{'id':'a','unit':'" GOV "','type':'app','name':'n'," extra "}"
	struct err why;
	char msg[1024];

	(void)state;
	/* The credit code's own message follows. */
	assert_int_equal(uscc_check("11440700007250010A", &why, NULL), -1);
	assert_true(str_fmt(msg, sizeof(msg),
			    "$.u[0].uscc: credit code '11440700007250010A' is "
			    "not valid: %s",
			    why.msg) > 0);
	parse_err("unit", "$.u[0]", UNIT("11440700007250010A", "440700"), msg);
	assert_int_equal(uscc_check("1144070000725001", &why, NULL), -1);
	assert_true(str_fmt(msg, sizeof(msg),
			    "$.u[0].uscc: credit code '1144070000725001' is "
			    "not valid: %s",
			    why.msg) > 0);
	parse_err("unit", "$.u[0]", UNIT("1144070000725001", "440700"), msg);
	parse_err("unit", "$.u[0]", UNIT(GOV, "44070"),
		  "$.u[0].region: region code '44070' is not 6 digits");
	parse_err("unit", "$.u[0]", UNIT(GOV, "44070a"),
		  "$.u[0].region: region code '44070a' is not 6 digits");
	parse_err("unit", "$.u[0]", UNIT(GOV, "4407000"),
		  "$.u[0].region: region code '4407000' is not 6 digits");
	parse_err("unit", "$.u[0]",
		  "{'uscc':'" GOV
		  "','name':'n','kind':'party','level':'county',"
		  "'region':'440700','parent':'11440700007250010A'}",
		  "$.u[0].parent: credit code '11440700007250010A' is not "
		  "valid: check character is 'A', expected 'K'");
	parse_err("app", "$.a[0]",
		  "{'id':'a b','unit':'" GOV "','type':'app','name':'n'}",
		  "$.a[0].id: id 'a b' must be 1 to 64 characters from A-Z "
		  "a-z 0-9 '.' '_' '-'");
	parse_err("app", "$.a[0]",
		  "{'id':'门户','unit':'" GOV "','type':'app','name':'n'}",
		  "$.a[0].id: id '门户' must be 1 to 64 characters from A-Z "
		  "a-z 0-9 '.' '_' '-'");
	parse_err("grant", "$.g[0]",
		  "{'id':'g','person':'p/1','scope':'s','privilege':'read'}",
		  "$.g[0].person: id 'p/1' must be 1 to 64 characters from "
		  "A-Z a-z 0-9 '.' '_' '-'");
	parse_err("app", "$.a[0]", APP("'domains':[{'name':'gov.cn'}]"),
		  "$.a[0].domains[0].name: domain 'gov.cn' is not valid: "
		  "'gov.cn' is a public suffix, not a registrable name");
	parse_err("app", "$.a[0]", APP("'domains':[{'name':'10.1.2.3'}]"),
		  "$.a[0].domains[0].name: domain '10.1.2.3' is not valid: "
		  "'10.1.2.3' is an IP address, not a domain name");
	parse_err("app", "$.a[0]",
		  APP("'domains':[{'name':'www.a.gov.cn','lang':'fr'}]"),
		  "$.a[0].domains[0].lang: expected one of zh, en");
	parse_err("app", "$.a[0]",
		  APP("'security':{'ip_segments':['10.0.0.0/33']}"),
		  "$.a[0].security.ip_segments[0]: '10.0.0.0/33' is not an IP "
		  "segment in CIDR form (e.g. 10.1.0.0/16)");
	parse_err("app", "$.a[0]",
		  APP("'security':{'ip_segments':['10.0.0.0/8','10.0.0.0']}"),
		  "$.a[0].security.ip_segments[1]: '10.0.0.0' is not an IP "
		  "segment in CIDR form (e.g. 10.1.0.0/16)");
	parse_err("app", "$.a[0]",
		  APP("'security':{'ip_segments':['10.0.0.256/24']}"),
		  "$.a[0].security.ip_segments[0]: '10.0.0.256/24' is not an "
		  "IP segment in CIDR form (e.g. 10.1.0.0/16)");
	parse_err("app", "$.a[0]",
		  APP("'security':{'ip_segments':['2001:db8::/129']}"),
		  "$.a[0].security.ip_segments[0]: '2001:db8::/129' is not an "
		  "IP segment in CIDR form (e.g. 10.1.0.0/16)");
	parse_err("app", "$.a[0]",
		  APP("'security':{'ip_segments':['10.0.0.0/-1']}"),
		  "$.a[0].security.ip_segments[0]: '10.0.0.0/-1' is not an IP "
		  "segment in CIDR form (e.g. 10.1.0.0/16)");
	parse_err("app", "$.a[0]",
		  APP("'security':{'ip_segments':['10.0.0.0/']}"),
		  "$.a[0].security.ip_segments[0]: '10.0.0.0/' is not an IP "
		  "segment in CIDR form (e.g. 10.1.0.0/16)");
	parse_ok("app", APP("'security':{'ip_segments':['0.0.0.0/0','::/0',"
			    "'2001:db8:4407::/48']}"));
#undef UNIT
#undef APP
}

/* reg_put, reg_get */

static void
put_ok(struct store *st, const char *ent, const char *sq, int *created)
{
	json_t *o = J(sq);
	struct err e;

	e.msg[0] = '\0';
	if (reg_put(st, E(ent), o, "$", "tester", REG_AUDIT, created, &e) != 0)
		fail_msg("reg_put refused %s: %s", sq, e.msg);
	json_decref(o);
}

static void
put_err(struct store *st, const char *ent, const char *path, const char *sq,
	const char *msg)
{
	json_t *o = J(sq);
	struct err e;

	e.msg[0] = '\0';
	if (reg_put(st, E(ent), o, path, "tester", REG_AUDIT, NULL, &e) != -1)
		fail_msg("reg_put accepted %s (expected \"%s\")", sq, msg);
	assert_string_equal(e.msg, msg);
	json_decref(o);
}

static char *
audit_col(struct store *st, const char *col, long long seq)
{
	char q[128];
	struct store_val v[1] = {SV_INT(seq)};

	str_fmt(q, sizeof(q), "SELECT %s FROM audit WHERE seq = ?", col);
	return store_query_text(st, q, v, 1);
}

static void
assert_audit(struct store *st, long long seq, const char *action,
	     const char *object)
{
	char *a = audit_col(st, "action", seq),
	     *o = audit_col(st, "object", seq);

	if (a == NULL || o == NULL)
		fail_msg("no audit record %lld", seq);
	assert_string_equal(a, action);
	assert_string_equal(o, object);
	free(a);
	free(o);
}

static void
test_put_get_replace(void **state)
{
	struct store *st = *state;
	json_t *want, *got;
	int created = -1;
	char *s, digest[AUDIT_HASH_HEX], *canon;

	put_ok(st, "unit", U_GOV, &created);
	assert_int_equal(created, 1);
	got = reg_get(st, E("unit"), GOV);
	assert_non_null(got);
	want = J(U_GOV);
	if (!json_equal(got, want))
		fail_msg("reg_get: %s", reg_canonical(got));
	/* Audit: "unit.add" with the digest of the canonical record. */
	assert_int_equal(rows(st, "audit"), 1);
	assert_audit(st, 1, "unit.add", "unit:" GOV);
	s = audit_col(st, "actor", 1);
	assert_string_equal(s, "tester");
	free(s);
	assert_null(audit_col(st, "before", 1));
	canon = reg_canonical(want);
	audit_digest(canon, strlen(canon), digest);
	s = audit_col(st, "after", 1);
	assert_string_equal(s, digest);
	free(s);
	json_decref(got);

	/* Replaced whole: short_name and region_name are gone. */
	put_ok(st, "unit",
	       "{'uscc':'" GOV "','name':'江门市人民政府办公室',"
	       "'kind':'administrative','level':'prefecture','region':'440700',"
	       "'establishment':false}",
	       &created);
	assert_int_equal(created, 0);
	got = reg_get(st, E("unit"), GOV);
	{
		char *c = reg_canonical(got);

		assert_string_equal(c,
				    "{\"establishment\":false,\"kind\":"
				    "\"administrative\",\"level\":"
				    "\"prefecture\",\"name\":\"江门市人民政府"
				    "办公室\",\"region\":\"440700\","
				    "\"uscc\":\"" GOV "\"}");
		free(c);
	}
	json_decref(got);
	assert_int_equal(rows(st, "units"), 1);
	assert_audit(st, 2, "unit.update", "unit:" GOV);
	s = audit_col(st, "before", 2);
	assert_string_equal(s, digest);
	free(s);
	free(canon);
	json_decref(want);

	/* Nested groups come back nested; lists as lists. */
	put_ok(st, "app",
	       "{'id':'jm-app','unit':'" GOV
	       "','type':'app','name':'江门易办事',"
	       "'platforms':['华为应用市场','own-website'],"
	       "'security':{'mfa':false,'idle_timeout_minutes':120,"
	       "'ip_segments':['10.44.0.0/16']},'mail':{'auto_forward':true}}",
	       &created);
	assert_int_equal(created, 1);
	got = reg_get(st, E("app"), "jm-app");
	want =
	    J("{'id':'jm-app','unit':'" GOV "','type':'app',"
	      "'name':'江门易办事','platforms':['华为应用市场','own-website'],"
	      "'security':{'mfa':false,'idle_timeout_minutes':120,"
	      "'ip_segments':['10.44.0.0/16']},'mail':{'auto_forward':true}}");
	if (!json_equal(got, want))
		fail_msg("reg_get: %s", reg_canonical(got));
	json_decref(got);
	json_decref(want);
	assert_audit(st, 3, "app.add", "app:jm-app");

	/* Not there. */
	assert_null(reg_get(st, E("unit"), HOSP));
	assert_null(reg_get(st, E("unit"), NULL));
	assert_null(reg_get(st, E("grant"), "jm-app"));

	/* Without REG_AUDIT nothing is logged; created may be NULL. */
	{
		json_t *o = J(U_HOSP);
		struct err e;

		assert_int_equal(
		    reg_put(st, E("unit"), o, "$", "t", 0, NULL, &e), 0);
		json_decref(o);
		assert_int_equal(rows(st, "audit"), 3);
		assert_int_equal(rows(st, "units"), 2);
	}
}

static void
test_put_cross_field(void **state)
{
	struct store *st = *state;

	put_err(st, "unit", "$.units[0]",
		"{'uscc':'" GOV "','name':'n','kind':'party','level':'county',"
		"'region':'440700','parent':'" GOV "'}",
		"$.units[0].parent: unit '" GOV "' cannot be its own parent");
	put_err(st, "unit", "$.units[1]",
		"{'uscc':'" HOSP "','name':'n','kind':'administrative',"
		"'level':'county','region':'440700'}",
		"$.units[1].kind: credit code '" HOSP "' is a public "
		"institution's (starts with 12) but kind is 'administrative'");
	put_err(st, "unit", "$.units[1]",
		"{'uscc':'" GOV "','name':'n','kind':'institution',"
		"'level':'county','region':'440700'}",
		"$.units[1].kind: credit code '" GOV "' is an organ's (starts "
		"with 11) but kind is 'institution'");
	put_ok(st, "unit", U_GOV, NULL);
	put_err(st, "person", "$.people[0]",
		"{'id':'p1','name':'n','unit':'" GOV "','kind':'outsourced'}",
		"$.people[0].outsourcer: an outsourced person needs the id of "
		"the outsourcing unit");
	put_ok(st, "outsourcer", "{'id':'os-1','name':'云智','unit':'" GOV "'}",
	       NULL);
	put_err(st, "person", "$.people[0]",
		"{'id':'p1','name':'n','unit':'" GOV "','kind':'staff',"
		"'outsourcer':'os-1'}",
		"$.people[0].outsourcer: in-house staff cannot belong to "
		"outsourcing unit 'os-1'");
	assert_int_equal(rows(st, "people"), 0);
	assert_int_equal(rows(st, "units"), 1);
	assert_int_equal(rows(st, "audit"), 2);
}

static void
test_put_refs(void **state)
{
	struct store *st = *state;
	json_t *o;
	struct err e;

	put_err(st, "app", "$.applications[0]",
		"{'id':'a','unit':'" GOV "','type':'app','name':'n'}",
		"$.applications[0].unit: unit '" GOV "' is not registered");
	put_err(st, "unit", "$.units[0]", U_GA,
		"$.units[0].parent: unit '" GOV "' is not registered");
	put_ok(st, "unit", U_GOV, NULL);
	put_err(st, "app", "$.applications[0]",
		"{'id':'a','unit':'" GOV "','type':'app','name':'n',"
		"'outsourcer':'os-9'}",
		"$.applications[0].outsourcer: outsourcer 'os-9' is not "
		"registered");
	put_err(st, "person", "$.people[0]",
		"{'id':'p','name':'n','unit':'" GOV "','kind':'outsourced',"
		"'outsourcer':'os-9'}",
		"$.people[0].outsourcer: outsourcer 'os-9' is not registered");
	put_err(st, "grant", "$.grants[0]",
		"{'id':'g','person':'p','scope':'s','privilege':'read'}",
		"$.grants[0].person: person 'p' is not registered");
	put_ok(st, "unit", U_GA, NULL);
	put_ok(st, "person",
	       "{'id':'p','name':'n','unit':'" GOV "','kind':'staff'}", NULL);
	put_err(st, "grant", "$.grants[0]",
		"{'id':'g','person':'p','app':'a','scope':'s',"
		"'privilege':'read'}",
		"$.grants[0].app: app 'a' is not registered");
	put_ok(st, "grant",
	       "{'id':'g','person':'p','scope':'s','privilege':'read'}", NULL);

	/* REG_DEFER_REFS leaves them for reg_check_refs. */
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(
	    store_exec(st, "PRAGMA defer_foreign_keys = ON", NULL, 0, &e), 0);
	o = J("{'id':'a','unit':'" HOSP "','type':'app','name':'n'}");
	assert_int_equal(
	    reg_put(st, E("app"), o, "$", "t", REG_DEFER_REFS, NULL, &e), 0);
	json_decref(o);
	{
		const struct entity *ent = NULL;
		const struct field *f = NULL;
		char key[128], target[128];

		assert_int_equal(reg_check_refs(st, &ent, key, sizeof(key), &f,
						target, sizeof(target), &e),
				 1);
		assert_string_equal(ent->name, "app");
		assert_string_equal(key, "a");
		assert_string_equal(f->name, "unit");
		assert_string_equal(target, HOSP);
	}
	store_rollback(st);
	{
		const struct entity *ent = NULL;
		const struct field *f = NULL;
		char key[128], target[128];

		assert_int_equal(reg_check_refs(st, &ent, key, sizeof(key), &f,
						target, sizeof(target), &e),
				 0);
	}
}

/* SITE-1 is the self-examination's to judge: a second portal of a unit,
 * live, planned or with the default status, is recorded as it is. */
static void
test_put_second_portal(void **state)
{
	struct store *st = *state;

	put_ok(st, "unit", U_GOV, NULL);
	put_ok(st, "app", A_PORTAL, NULL);
	put_ok(st, "app",
	       "{'id':'jm-portal-2','unit':'" GOV "','type':'portal',"
	       "'name':'n','status':'live'}",
	       NULL);
	put_ok(st, "app",
	       "{'id':'jm-portal-3','unit':'" GOV "','type':'portal',"
	       "'name':'n','status':'planned'}",
	       NULL);
	put_ok(st, "app",
	       "{'id':'jm-portal-4','unit':'" GOV "','type':'portal',"
	       "'name':'n'}",
	       NULL);
	assert_int_equal(rows(st, "apps"), 4);
}

struct domrow {
	char text[16][160];
	int n;
};

static int
dom_row(void *arg, struct store_row *r)
{
	struct domrow *d = arg;

	if (d->n < 16)
		str_fmt(d->text[d->n], sizeof(d->text[0]), "%s|%s|%s|%s|%lld",
			store_row_text(r, 0), store_row_text(r, 1),
			store_row_text(r, 2), store_row_text(r, 3),
			store_row_int(r, 4));
	d->n++;
	return 0;
}

static void
test_put_domains(void **state)
{
	struct store *st = *state;
	struct domrow d;
	struct err e;

	put_ok(st, "unit", U_GOV, NULL);
	put_ok(st, "unit", U_GA, NULL);
	put_ok(st, "app", A_PORTAL, NULL);
	memset(&d, 0, sizeof(d));
	assert_int_equal(store_query(st,
				     "SELECT name, app, unicode, lang, main "
				     "FROM domains ORDER BY name",
				     NULL, 0, dom_row, &d, &e),
			 0);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.text[0], "www.jiangmen.gov.cn|jm-portal|"
				       "www.jiangmen.gov.cn|en|1");
	assert_string_equal(d.text[1],
			    "xn--gmq658ainal6so7ikna541v.xn--zfr164b|"
			    "jm-portal|江门市人民政府.政务|zh|0");

	/* Registered to another application, in any spelling. */
	put_err(st, "app", "$.applications[1]",
		"{'id':'ga-portal','unit':'" GA "','type':'portal','name':'n',"
		"'domains':[{'name':'gaj.jiangmen.gov.cn'},"
		"{'name':'WWW.Jiangmen.GOV.cn.'}]}",
		"$.applications[1].domains[1]: 'WWW.Jiangmen.GOV.cn.' is "
		"already registered to application 'jm-portal'");
	put_err(
	    st, "app", "$.applications[1]",
	    "{'id':'ga-portal','unit':'" GA "','type':'portal','name':'n',"
	    "'domains':[{'name':'xn--gmq658ainal6so7ikna541v.xn--zfr164b'}]}",
	    "$.applications[1].domains[0]: "
	    "'xn--gmq658ainal6so7ikna541v.xn--zfr164b' is already registered "
	    "to application 'jm-portal'");
	/* Twice in one application. */
	put_err(st, "app", "$.applications[1]",
		"{'id':'ga-portal','unit':'" GA "','type':'portal','name':'n',"
		"'domains':[{'name':'gaj.jiangmen.gov.cn'},"
		"{'name':'GAJ.jiangmen.gov.cn'}]}",
		"$.applications[1].domains[1]: 'GAJ.jiangmen.gov.cn' is "
		"listed twice");
	assert_int_equal(rows(st, "apps"), 1);
	assert_int_equal(rows(st, "domains"), 2);
	/* Two main domains are recorded: SITE-2 reports them. */
	put_ok(st, "app",
	       "{'id':'ga-portal','unit':'" GA "','type':'portal','name':'n',"
	       "'domains':[{'name':'gaj.jiangmen.gov.cn','main':true},"
	       "{'name':'ga.jiangmen.gov.cn','main':true}]}",
	       NULL);
	assert_int_equal(rows(st, "domains"), 4);

	/* Language defaults: IDN zh, else en. */
	put_ok(st, "app",
	       "{'id':'ga-portal','unit':'" GA "','type':'portal','name':'n',"
	       "'domains':[{'name':'江门市公安局.政务'},"
	       "{'name':'GAJ.jiangmen.gov.cn','main':true}]}",
	       NULL);
	memset(&d, 0, sizeof(d));
	assert_int_equal(store_query(st,
				     "SELECT name, app, unicode, lang, main "
				     "FROM domains WHERE app = 'ga-portal' "
				     "ORDER BY name",
				     NULL, 0, dom_row, &d, &e),
			 0);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.text[0],
			    "gaj.jiangmen.gov.cn|ga-portal|gaj.jiangmen.gov.cn|"
			    "en|1");
	assert_true(str_ends(d.text[1], "|ga-portal|江门市公安局.政务|zh|0"));

	/* Replacing the application replaces its domains; the freed name
	 * can go to another application. */
	put_ok(st, "app",
	       "{'id':'jm-portal','unit':'" GOV "','type':'portal','name':'n',"
	       "'domains':[{'name':'www.jiangmen.gov.cn'}]}",
	       NULL);
	assert_int_equal(rows(st, "domains"), 3);
	put_ok(st, "app",
	       "{'id':'jm-mail','unit':'" GOV "','type':'email','name':'n',"
	       "'domains':[{'name':'江门市人民政府.政务'}]}",
	       NULL);
	assert_int_equal(rows(st, "domains"), 4);
}

/*
 * Registration rules hold against another writer (a second process: the
 * CLI next to the daemon). Here a second connection registers, in one
 * thread, an application that conflicts with one the main connection
 * writes meanwhile; the thread's checks run while the main connection
 * holds the write lock. Whatever the order, one of the two must be
 * refused.
 */
struct racer {
	const char *doc; /* single-quoted JSON of the application */
	int rc;
	char msg[512];
};

static void *
race_put(void *arg)
{
	struct racer *r = arg;
	struct err e;
	struct store *st = store_open(tu_store(sf_path), &e);
	char *text = Q(r->doc);
	json_t *o = json_loads(text, 0, NULL);

	r->rc = -2;
	e.msg[0] = '\0';
	if (st != NULL && o != NULL)
		r->rc = reg_put(st, reg_entity("app"), o, "$", "racer",
				REG_AUDIT, NULL, &e);
	str_copy(r->msg, e.msg, sizeof(r->msg));
	json_decref(o);
	free(text);
	store_free(st);
	return NULL;
}

/* Runs first in a thread and second on st; returns second's reg_put. */
static int
race(struct store *st, struct racer *first, const char *second)
{
	pthread_t t;
	struct err e;
	json_t *o = J(second);
	int rc;

	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(pthread_create(&t, NULL, race_put, first), 0);
	usleep(300 * 1000); /* the thread checks, then waits for the lock */
	rc = reg_put(st, E("app"), o, "$", "main", REG_AUDIT, NULL, &e);
	if (store_commit(st, &e) < 0)
		rc = -1;
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_not_equal(first->rc, -2);
	json_decref(o);
	return rc;
}

static void
test_put_race_domain(void **state)
{
	struct store *st = *state;
	struct racer r = {"{'id':'a1','unit':'" GOV "','type':'email',"
			  "'name':'n','domains':[{'name':'mail.jiangmen.gov.cn'"
			  "}]}",
			  0, ""};
	int rc;

	put_ok(st, "unit", U_GOV, NULL);
	put_ok(st, "unit", U_GA, NULL);
	rc = race(st, &r,
		  "{'id':'a2','unit':'" GA "','type':'email','name':'n',"
		  "'domains':[{'name':'mail.jiangmen.gov.cn'}]}");
	if (rc == 0 && r.rc == 0)
		fail_msg("one domain registered to two applications by two "
			 "writers");
	/* Every application owns the domains it lists. */
	assert_int_equal(
	    store_query_int(st,
			    "SELECT count(*) FROM apps a WHERE "
			    "coalesce(json_array_length(a.domains),"
			    " 0) <> (SELECT count(*) FROM domains "
			    "d WHERE d.app = a.id)",
			    NULL, 0, -1),
	    0);
}

/* reg_each */

struct keys {
	char text[512];
	int n, fail_at;
};

static int
each_key(void *arg, json_t *obj)
{
	struct keys *k = arg;
	const char *id = json_string_value(json_object_get(obj, "id"));

	if (id == NULL)
		id = json_string_value(json_object_get(obj, "uscc"));
	str_fmt(k->text + strlen(k->text), sizeof(k->text) - strlen(k->text),
		"%s%s", k->n ? "," : "", id);
	k->n++;
	return k->n == k->fail_at ? -1 : 0;
}

static void
test_each(void **state)
{
	struct store *st = *state;
	struct keys k;
	struct err e;

	put_ok(st, "unit", U_HOSP, NULL);
	put_ok(st, "unit", U_GOV, NULL);
	put_ok(st, "unit", U_GA, NULL);
	put_ok(st, "app", "{'id':'c','unit':'" GOV "','type':'app','name':'n'}",
	       NULL);
	put_ok(st, "app", "{'id':'a','unit':'" GA "','type':'app','name':'n'}",
	       NULL);
	put_ok(st, "app",
	       "{'id':'b','unit':'" GOV "','type':'app','name':'n',"
	       "'security':{'mfa':true}}",
	       NULL);

	memset(&k, 0, sizeof(k));
	assert_int_equal(reg_each(st, E("units"), NULL, NULL, each_key, &k, &e),
			 0);
	assert_string_equal(k.text, GOV "," GA "," HOSP);
	memset(&k, 0, sizeof(k));
	assert_int_equal(reg_each(st, E("app"), NULL, NULL, each_key, &k, &e),
			 0);
	assert_string_equal(k.text, "a,b,c");
	memset(&k, 0, sizeof(k));
	assert_int_equal(reg_each(st, E("app"), "unit", GOV, each_key, &k, &e),
			 0);
	assert_string_equal(k.text, "b,c");
	memset(&k, 0, sizeof(k));
	assert_int_equal(reg_each(st, E("app"), "unit", HOSP, each_key, &k, &e),
			 0);
	assert_int_equal(k.n, 0);
	memset(&k, 0, sizeof(k));
	assert_int_equal(reg_each(st, E("app"), "foo", GOV, each_key, &k, &e),
			 -1);
	assert_string_equal(e.msg, "cannot filter applications by 'foo'");
	memset(&k, 0, sizeof(k));
	k.fail_at = 2;
	assert_int_equal(reg_each(st, E("app"), NULL, NULL, each_key, &k, &e),
			 -1);
	assert_int_equal(k.n, 2);
	memset(&k, 0, sizeof(k));
	assert_int_equal(
	    reg_each(st, E("grants"), NULL, NULL, each_key, &k, &e), 0);
	assert_int_equal(k.n, 0);
}

/* reg_rm */

static void
rm_err(struct store *st, const char *ent, const char *key, const char *msg)
{
	struct err e;

	e.msg[0] = '\0';
	if (reg_rm(st, E(ent), key, "tester", &e) != -1)
		fail_msg("reg_rm removed %s '%s'", ent, key);
	assert_string_equal(e.msg, msg);
}

static void
rm_ok(struct store *st, const char *ent, const char *key)
{
	struct err e;

	if (reg_rm(st, E(ent), key, "tester", &e) != 0)
		fail_msg("reg_rm %s '%s': %s", ent, key, e.msg);
}

static void
test_rm(void **state)
{
	struct store *st = *state;
	long long n;
	char *s;

	put_ok(st, "unit", U_GOV, NULL);
	put_ok(st, "unit", U_GA, NULL);
	put_ok(st, "outsourcer", "{'id':'os-1','name':'云智','unit':'" GA "'}",
	       NULL);
	put_ok(st, "app", A_PORTAL, NULL);
	put_ok(st, "person",
	       "{'id':'p1','name':'刘洋','unit':'" GA "','kind':'outsourced',"
	       "'outsourcer':'os-1'}",
	       NULL);
	put_ok(st, "grant",
	       "{'id':'g1','person':'p1','app':'jm-portal','scope':'s',"
	       "'privilege':'operate'}",
	       NULL);
	n = rows(st, "audit");

	rm_err(st, "unit", HOSP, "unit '" HOSP "' is not registered");
	rm_err(st, "grant", "g9", "grant 'g9' is not registered");
	rm_err(st, "unit", GOV,
	       "unit '" GOV "' is still referred to by unit '" GA "' (field "
	       "parent); remove or change that first");
	rm_err(st, "unit", GA,
	       "unit '" GA "' is still referred to by outsourcer 'os-1' (field "
	       "unit); remove or change that first");
	rm_err(st, "outsourcer", "os-1",
	       "outsourcer 'os-1' is still referred to by person 'p1' (field "
	       "outsourcer); remove or change that first");
	rm_err(st, "app", "jm-portal",
	       "app 'jm-portal' is still referred to by grant 'g1' (field "
	       "app); remove or change that first");
	rm_err(st, "person", "p1",
	       "person 'p1' is still referred to by grant 'g1' (field "
	       "person); remove or change that first");
	assert_int_equal(rows(st, "audit"), n);

	rm_ok(st, "grant", "g1");
	assert_int_equal(rows(st, "grants"), 0);
	assert_audit(st, n + 1, "grant.rm", "grant:g1");
	assert_null(audit_col(st, "after", n + 1));
	s = audit_col(st, "before", n + 1);
	assert_non_null(s);
	assert_int_equal(strlen(s), 64);
	free(s);
	/* Removing an application removes its domains. */
	assert_int_equal(rows(st, "domains"), 2);
	rm_ok(st, "app", "jm-portal");
	assert_int_equal(rows(st, "domains"), 0);
	rm_ok(st, "person", "p1");
	rm_ok(st, "outsourcer", "os-1");
	rm_err(st, "unit", GOV,
	       "unit '" GOV "' is still referred to by unit '" GA "' (field "
	       "parent); remove or change that first");
	rm_ok(st, "unit", GA);
	rm_ok(st, "unit", GOV);
	assert_int_equal(rows(st, "units"), 0);
	assert_int_equal(rows(st, "audit"), n + 6);
	assert_audit(st, n + 6, "unit.rm", "unit:" GOV);
}

/* reg_import */

/* Imports the single-quoted document sq as source "t.json". */
static int
import(struct store *st, const char *sq, struct reg_counts *c, struct err *e)
{
	char *text = Q(sq);
	int rc;

	e->msg[0] = '\0';
	rc = reg_import(st, text, strlen(text), "t.json", "tester", c, e);
	free(text);
	return rc;
}

static void
import_ok(struct store *st, const char *sq, struct reg_counts *c)
{
	struct err e;

	if (import(st, sq, c, &e) != 0)
		fail_msg("import failed: %s", e.msg);
}

/* got: said, without the column after "FILE:LINE" when want has none. */
static void
strip_column(const char *said, const char *want, char *got, size_t n)
{
	const char *a = strchr(said, ':'), *b, *c;
	const char *wa = strchr(want, ':'), *wb;

	str_copy(got, said, n);
	if (a == NULL || (b = strchr(a + 1, ':')) == NULL ||
	    (c = strchr(b + 1, ':')) == NULL || wa == NULL ||
	    (wb = strchr(wa + 1, ':')) == NULL)
		return;
	/* want "t.json:5: x" has a space after its second colon */
	if (wb[1] != ' ' || strspn(b + 1, "0123456789") != (size_t)(c - b - 1))
		return;
	str_fmt(got, n, "%.*s%s", (int)(b - said), said, c);
}

/* A failing import into an empty store: exact message, nothing kept. */
static void
import_err(struct store *st, const char *sq, const char *msg)
{
	struct reg_counts c;
	struct err e;

	char got[sizeof(e.msg)];

	if (import(st, sq, &c, &e) != -1)
		fail_msg("import accepted: %s", sq);
	/* "t.json:LINE:COL: ..." (the field's column) is compared as
	 * "t.json:LINE: ..." unless msg gives the column too; columns are
	 * tested in tests/e2e/data/import-bad */
	strip_column(e.msg, msg, got, sizeof(got));
	if (strcmp(got, msg) != 0)
		fail_msg("import of:\n%s\nsaid:\n  %s\nexpected:\n  %s", sq,
			 e.msg, msg);
	assert_empty(st);
}

#define NL "\n"

static const char *const doc_full =
    "{" NL						  /* 1 */
    "  'format': 'govsec-registry/1'," NL		  /* 2 */
    "  'units': [" NL					  /* 3 */
    "    " U_GOV "," NL					  /* 4 */
    "    " U_GA "," NL					  /* 5 */
    "    " U_HOSP NL					  /* 6 */
    "  ]," NL						  /* 7 */
    "  'outsourcers': [" NL				  /* 8 */
    "    {'id':'os-1','name':'云智','unit':'" GOV "'," NL /* 9 */
    "     'security_duties':true}" NL			  /* 10 */
    "  ]," NL						  /* 11 */
    "  'applications': [" NL				  /* 12 */
    "    " A_PORTAL "," NL				  /* 13 */
    "    {'id':'jm-app','unit':'" GOV "','type':'app','name':'易办事',"
    "'outsourcer':'os-1'}" NL /* 14 */
    "  ]," NL		      /* 15 */
    "  'people': [" NL	      /* 16 */
    "    {'id':'p1','name':'张伟','unit':'" GOV "','kind':'staff'}," NL
    "    {'id':'p2','name':'刘洋','unit':'" GOV "','kind':'outsourced',"
    "'outsourcer':'os-1'}" NL /* 18 */
    "  ]," NL		      /* 19 */
    "  'grants': [" NL	      /* 20 */
    "    {'id':'g1','person':'p2','app':'jm-app','scope':'s',"
    "'privilege':'operate','expires':'2025-06-30','active':true}" NL
    "  ]" NL /* 22 */
    "}" NL;

static void
test_import_ok(void **state)
{
	struct store *st = *state;
	struct reg_counts c;
	char *text = Q(doc_full), digest[AUDIT_HASH_HEX], *s;

	import_ok(st, doc_full, &c);
	assert_int_equal(c.n[0], 3);
	assert_int_equal(c.n[1], 1);
	assert_int_equal(c.n[2], 2);
	assert_int_equal(c.n[3], 2);
	assert_int_equal(c.n[4], 1);
	assert_int_equal(rows(st, "units"), 3);
	assert_int_equal(rows(st, "outsourcers"), 1);
	assert_int_equal(rows(st, "apps"), 2);
	assert_int_equal(rows(st, "domains"), 2);
	assert_int_equal(rows(st, "people"), 2);
	assert_int_equal(rows(st, "grants"), 1);
	/* One audit record naming the source with the document's digest. */
	assert_int_equal(rows(st, "audit"), 1);
	assert_audit(st, 1, "registry.import", "t.json");
	audit_digest(text, strlen(text), digest);
	s = audit_col(st, "after", 1);
	assert_string_equal(s, digest);
	free(s);
	s = audit_col(st, "actor", 1);
	assert_string_equal(s, "tester");
	free(s);
	free(text);

	/* Again: every record replaced, none added. */
	import_ok(st, doc_full, &c);
	assert_int_equal(c.n[0], 3);
	assert_int_equal(rows(st, "units"), 3);
	assert_int_equal(rows(st, "apps"), 2);
	assert_int_equal(rows(st, "domains"), 2);
	assert_int_equal(rows(st, "audit"), 2);

	/* An empty document and empty sections. */
	import_ok(st, "{}", &c);
	for (int i = 0; i < 8; i++)
		assert_int_equal(c.n[i], 0);
	import_ok(st,
		  " \n\t{ 'units' : [ ] , 'grants':[], '$schema': "
		  "'https://x/y.json' } \r\n",
		  &c);
	assert_int_equal(rows(st, "units"), 3);
	assert_int_equal(rows(st, "audit"), 4);
}

static void
test_import_any_order(void **state)
{
	struct store *st = *state;
	struct reg_counts c;

	/* Sections in reverse order; a child unit before its parent. */
	import_ok(st,
		  "{'grants':[{'id':'g1','person':'p2','app':'jm-app',"
		  "'scope':'s','privilege':'read'}],"
		  "'people':[{'id':'p2','name':'n','unit':'" GOV "',"
		  "'kind':'outsourced','outsourcer':'os-1'}],"
		  "'applications':[{'id':'jm-app','unit':'" GA "','type':'app',"
		  "'name':'n','outsourcer':'os-1'}],"
		  "'outsourcers':[{'id':'os-1','name':'n','unit':'" GA "'}],"
		  "'units':[" U_GA "," U_GOV "]}",
		  &c);
	assert_int_equal(c.n[0], 2);
	assert_int_equal(c.n[4], 1);
	assert_int_equal(rows(st, "grants"), 1);
}

static void
test_import_errors(void **state)
{
	struct store *st = *state;

	/* Document shape. */
	import_err(st, "", "t.json:1: expected '{' to open the document");
	import_err(st, "[]", "t.json:1: expected '{' to open the document");
	import_err(st, NL NL "x",
		   "t.json:3: expected '{' to open the document");
	import_err(st, "{} x", "t.json:1: unexpected text after the document");
	import_err(st, "{}" NL "{}",
		   "t.json:2: unexpected text after the document");
	import_err(st, "{'units':[]",
		   "t.json:1: expected ',' or '}' after a "
		   "section");
	import_err(st, "{'units':[]}}",
		   "t.json:1: unexpected text after the document");
	import_err(st, "{'units'}",
		   "t.json:1: expected ':' after the section "
		   "name");
	import_err(st, "{units:[]}",
		   "t.json:1: expected a section name in "
		   "double quotes");
	import_err(st, "{'un\\u0069ts':[]}", "t.json:1: bad section name");
	import_err(st, "{" NL " 'units':{}}",
		   "t.json:2: expected '[' to open the list");
	import_err(st, "{'units':[" U_GOV " " U_GA "]}",
		   "t.json:1: expected ',' or ']' after a record");
	/* Sections. */
	import_err(st, "{" NL "  'unit': []" NL "}",
		   "t.json:2: $.unit: unknown section (expected units, "
		   "outsourcers, applications, people or grants)");
	import_err(st, "{" NL "  'units': []," NL "  'units': []" NL "}",
		   "t.json:3: $.units: section given twice");
	import_err(st, "{" NL "  'format': 'govsec-registry/2'" NL "}",
		   "t.json:2: $.format: expected \"govsec-registry/1\"");
	import_err(st, "{'format': 1}",
		   "t.json:1: $.format: expected \"govsec-registry/1\"");
	/* Records: the record's line and its path. */
	import_err(st,
		   "{" NL "  'units': [" NL "    " U_GOV "," NL
		   "    {'uscc':'" GA "','name':'n','kind':'party',"
		   "'level':'county','region':'440700','foo':1}" NL "  ]" NL
		   "}",
		   "t.json:4: $.units[1].foo: unknown field");
	import_err(st,
		   "{" NL "  'units': [" U_GOV "]," NL "  'applications': [" NL
		   "    {'id':'a','unit':'" GOV "','type':'app','name':'n'," NL
		   "     'security': {'mfa': 'yes'}}" NL "  ]" NL "}",
		   "t.json:5: $.applications[0].security.mfa: expected true or "
		   "false");
	import_err(st, "{'units':[7]}",
		   "t.json:1: $.units[0]: expected an object (a unit)");
	import_err(st, "{'units':[[]]}",
		   "t.json:1: $.units[0]: expected an object (a unit)");
	import_err(st, "{'units':[" U_GOV ",]}",
		   "t.json:1: $.units[1]: unexpected token near ']'");
	/* A syntax error inside a record: the error's own line. */
	import_err(st,
		   "{" NL "  'units': [" NL "    {'uscc': '" GOV "'," NL
		   "     'name': }" NL "  ]" NL "}",
		   "t.json:4: $.units[0]: unexpected token near '}'");
	/* Duplicate keys in an object; a record listed twice. */
	import_err(st,
		   "{" NL "  'units': [" NL "    {'uscc':'" GOV
		   "','name':'a','name':'b','kind':'party',"
		   "'level':'county','region':'440700'}" NL "  ]" NL "}",
		   "t.json:3: $.units[0]: duplicate object key near "
		   "'\"name\"'");
	import_err(st,
		   "{" NL "  'units': [" NL "    " U_GOV "," NL "    " U_GA
		   "," NL "    " U_GOV NL "  ]" NL "}",
		   "t.json:5: $.units[2]: unit '" GOV "' is listed twice (also "
		   "at $.units[0])");
	/* Values. */
	import_err(
	    st,
	    "{'units': [{'uscc':'11440700007250010A','name':'n',"
	    "'kind':'party','level':'county','region':'440700'}]}",
	    "t.json:1: $.units[0].uscc: credit code '11440700007250010A' "
	    "is not valid: check character is 'A', expected 'K'");
	/* A domain registered twice. */
	import_err(st,
		   "{" NL "  'units': [" U_GOV "," U_GA "]," NL
		   "  'applications': [" NL "    " A_PORTAL "," NL
		   "    {'id':'ga','unit':'" GA "','type':'portal','name':'n',"
		   "'domains':[{'name':'www.jiangmen.gov.cn'}]}" NL "  ]" NL
		   "}",
		   "t.json:5: $.applications[1].domains[0]: "
		   "'www.jiangmen.gov.cn' is already registered to application "
		   "'jm-portal'");
	/* Cross-field rules. */
	import_err(st,
		   "{'units': [{'uscc':'" HOSP "','name':'n','kind':'party',"
		   "'level':'county','region':'440700'}]}",
		   "t.json:1: $.units[0].kind: credit code '" HOSP "' is a "
		   "public institution's (starts with 12) but kind is 'party'");
}

/* A reference left dangling at the end names file, line and path
 * (docs/registry.md: "bad.json:14: $.applications[2].unit: ..."). */
static void
test_import_dangling(void **state)
{
	struct store *st = *state;

	import_err(st,
		   "{" NL "  'units': [" U_GOV "]," NL "  'applications': [" NL
		   "    {'id':'a','unit':'" GOV "','type':'app','name':'n'}," NL
		   "    {'id':'b','unit':'" HOSP "','type':'app','name':'n'}" NL
		   "  ]" NL "}",
		   "t.json:5: $.applications[1].unit: unit '" HOSP "' is not "
		   "registered");
}

static void
test_import_dangling_path(void **state)
{
	struct store *st = *state;
	struct reg_counts c;
	struct err e;

	/* Whatever the line, the path and the target are named. */
	assert_int_equal(import(st,
				"{'units':[" U_GOV
				"],'people':[{'id':'p','name':'n',"
				"'unit':'" GOV
				"','kind':'outsourced','outsourcer':'os-x'}]}",
				&c, &e),
			 -1);
	assert_true(str_starts(e.msg, "t.json:"));
	assert_true(str_ends(e.msg, "$.people[0].outsourcer: outsourcer "
				    "'os-x' is not registered"));
	assert_empty(st);
}

/* The secondary indexes of the registry's tables (those of CREATE INDEX). */
static long long
registry_indexes(struct store *st)
{
	if (strcmp(store_backend(st), "sqlite") == 0)
		return store_query_int(
		    st,
		    "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
		    "AND sql IS NOT NULL AND tbl_name IN ('units', "
		    "'outsourcers', 'apps', 'domains', 'people', 'grants')",
		    NULL, 0, -1);
	return store_query_int(
	    st,
	    "SELECT count(*) FROM pg_indexes WHERE schemaname = "
	    "current_schema() AND tablename IN ('units', 'outsourcers', "
	    "'apps', 'domains', 'people', 'grants') AND indexdef NOT LIKE "
	    "'CREATE UNIQUE%'",
	    NULL, 0, -1);
}

/*
 * An import into a new store (its indexes built at the end, its references
 * resolved against the document): a forward reference is fine; the first
 * record to fail is blamed, a key listed twice before a broken rule of the
 * same record; a failure keeps the indexes and nothing else.
 */
static void
test_import_new_store(void **state)
{
	struct store *st = *state;
	struct reg_counts c;
	long long ix = registry_indexes(st);

	assert_true(ix >= 5);
	/* GA's parent comes after it. */
	import_err(st,
		   "{'units':[" U_GA ",{'uscc':'" HOSP "','name':'h',"
		   "'kind':'institution','level':'county','region':'440700',"
		   "'parent':'" HOSP "'}]}",
		   "t.json:1: $.units[1].parent: unit '" HOSP
		   "' cannot be its own parent");
	assert_int_equal(registry_indexes(st), ix);
	import_err(st,
		   "{'units':[" U_GOV "," U_HOSP ",{'uscc':'" GOV
		   "','name':'g','kind':'institution','level':'county',"
		   "'region':'440700'}]}",
		   "t.json:1: $.units[2]: unit '" GOV
		   "' is listed twice (also at $.units[0])");
	import_err(st, "{'units':[" U_GA "," U_HOSP "]}",
		   "t.json:1: $.units[0].parent: unit '" GOV
		   "' is not registered");
	import_err(st,
		   "{'units':[" U_GOV "],'applications':[" A_PORTAL
		   ",{'id':'x','unit':'" GOV "','type':'app','name':'x',"
		   "'domains':[{'name':'WWW.jiangmen.gov.cn'}]}]}",
		   "t.json:1: $.applications[1].domains[0]: "
		   "'WWW.jiangmen.gov.cn' is already registered to "
		   "application 'jm-portal'");
	assert_int_equal(registry_indexes(st), ix);
	import_ok(st, "{'units':[" U_GA "," U_HOSP "," U_GOV "]}", &c);
	assert_int_equal(c.n[0], 3);
	assert_int_equal(registry_indexes(st), ix);
	/* The store is no longer new: what it holds stays as it was. */
	{
		struct err e;

		assert_int_equal(import(st,
					"{'units':[" U_GOV "],'grants':[{'id':"
					"'g','person':'p9','scope':'s',"
					"'privilege':'read'}]}",
					&c, &e),
				 -1);
		assert_true(str_ends(e.msg, "$.grants[0].person: person 'p9' "
					    "is not registered"));
		assert_int_equal(rows(st, "units"), 3);
		assert_int_equal(rows(st, "grants"), 0);
		assert_int_equal(registry_indexes(st), ix);
	}
}

/*
 * A message is one line of text: untrusted bytes quoted from the document
 * (here a section name) must not bring newlines, terminal escapes or
 * invalid UTF-8 into it.
 */
static void
test_import_message_one_line(void **state)
{
	static const char *const docs[] = {
	    "{\n  \"a\nb\": []\n}",
	    "{\"\x1b[2J\x1b[31mgrants\": []}",
	    "{\"units\xff\": []}",
	    "{\"\r\": 1}",
	    /* values quoted by the field checks */
	    "{\"units\": [{\"uscc\": \"12\\nX\", \"name\": \"n\", "
	    "\"kind\": \"party\", \"level\": \"county\", \"region\": "
	    "\"440700\"}]}",
	    "{\"units\": [{\"uscc\": \"" GOV "\", \"name\": \"n\", "
	    "\"kind\": \"party\", \"level\": \"county\", \"region\": "
	    "\"44\\r0700\"}]}",
	    "{\"grants\": [{\"id\": \"g\\n1\", \"person\": \"p\", "
	    "\"scope\": \"s\", \"privilege\": \"read\"}]}",
	    "{\"applications\": [{\"id\": \"a\", \"unit\": \"" GOV "\", "
	    "\"type\": \"app\", \"name\": \"n\", \"security\": "
	    "{\"ip_segments\": [\"10.0.0.0/8\\n\"]}}]}",
	};
	struct store *st = *state;
	struct reg_counts c;
	struct err e;

	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		e.msg[0] = '\0';
		assert_int_equal(reg_import(st, docs[i], strlen(docs[i]),
					    "t.json", "t", &c, &e),
				 -1);
		assert_true(str_starts(e.msg, "t.json:"));
		for (const char *p = e.msg; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				fail_msg("doc %zu: control character 0x%02x in "
					 "\"%s\"",
					 i, (unsigned char)*p, e.msg);
		if (!str_utf8_valid(e.msg, strlen(e.msg)))
			fail_msg("doc %zu: message is not UTF-8: \"%s\"", i,
				 e.msg);
	}
	assert_empty(st);
}

/* All or nothing over existing data. */
static void
test_import_keeps_old_on_error(void **state)
{
	struct store *st = *state;
	struct reg_counts c;
	struct err e;
	json_t *before, *after;
	char *exp1, *exp2;
	size_t n1, n2;
	FILE *f;

	import_ok(st, doc_full, &c);
	before = reg_get(st, E("unit"), GOV);
	f = open_memstream(&exp1, &n1);
	assert_int_equal(reg_export(st, f, &e), 0);
	fclose(f);
	/* Replaces a unit, adds one, then fails on the last record. */
	assert_int_equal(
	    import(st,
		   "{'units':[{'uscc':'" GOV "','name':'改名','kind':'party',"
		   "'level':'county','region':'440700'}," U_GOV "]}",
		   &c, &e),
	    -1);
	assert_int_equal(import(st,
				"{'units':[{'uscc':'" GOV "','name':'改名',"
				"'kind':'party','level':'county',"
				"'region':'440700'},{'uscc':'" UNI "',"
				"'name':'五邑大学','kind':'institution',"
				"'level':'prefecture','region':'440700'}],"
				"'grants':[{'id':'g1','person':'nobody',"
				"'scope':'s','privilege':'read'}]}",
				&c, &e),
			 -1);
	assert_true(str_ends(e.msg, "$.grants[0].person: person 'nobody' is "
				    "not registered"));
	after = reg_get(st, E("unit"), GOV);
	assert_true(json_equal(before, after));
	assert_null(reg_get(st, E("unit"), UNI));
	f = open_memstream(&exp2, &n2);
	assert_int_equal(reg_export(st, f, &e), 0);
	fclose(f);
	assert_string_equal(exp1, exp2);
	assert_int_equal(rows(st, "audit"), 1);
	json_decref(before);
	json_decref(after);
	free(exp1);
	free(exp2);
}

/* The store is usable after a failed import (no transaction left open). */
static void
test_import_after_failure(void **state)
{
	struct store *st = *state;
	struct reg_counts c;
	struct err e;

	assert_int_equal(import(st, "{'units':[{}]}", &c, &e), -1);
	assert_int_equal(import(st, "{'units':[" U_GOV "],'x':1}", &c, &e), -1);
	import_ok(st, "{'units':[" U_GOV "]}", &c);
	assert_int_equal(rows(st, "units"), 1);
	put_ok(st, "unit", U_GA, NULL);
	assert_int_equal(rows(st, "units"), 2);
}

static void
test_import_limits(void **state)
{
	struct store *st = *state;
	struct buf b = BUF_INIT(1 << 20);
	struct reg_counts c;
	struct err e;

	/* A record over 256 KiB. */
	assert_int_equal(buf_addstr(&b, "{\n\"units\": [\n{\"uscc\":\"" GOV
					"\",\"name\":\""),
			 0);
	for (int i = 0; i < 300000; i++)
		assert_int_equal(buf_addch(&b, 'a'), 0);
	assert_int_equal(buf_addstr(&b, "\"}]}"), 0);
	assert_int_equal(reg_import(st, b.data, b.len, "big.json", "t", &c, &e),
			 -1);
	assert_string_equal(e.msg, "big.json:3:1: $.units[0]: record larger "
				   "than 262144 bytes");
	assert_empty(st);
	buf_cleanup(&b);
	/* Over the document limit (the length alone decides). */
	assert_int_equal(
	    reg_import(st, "{}", REG_IMPORT_MAX + 1, "huge.json", "t", &c, &e),
	    -1);
	assert_string_equal(e.msg, "huge.json: larger than the import limit "
				   "of 1073741824 bytes");
}

/* "records in a section in any order": moving a domain from one
 * application to another works whichever comes first. */
static void
test_import_domain_moves(void **state)
{
	struct store *st = *state;
	struct reg_counts c;
	struct err e;

	import_ok(st,
		  "{'units':[" U_GOV "],'applications':["
		  "{'id':'a','unit':'" GOV "','type':'app','name':'n'},"
		  "{'id':'b','unit':'" GOV "','type':'email','name':'n',"
		  "'domains':[{'name':'mail.jiangmen.gov.cn'}]}]}",
		  &c);
	/* The export order (by id): a, then b. */
	if (import(st,
		   "{'applications':["
		   "{'id':'a','unit':'" GOV "','type':'app','name':'n',"
		   "'domains':[{'name':'mail.jiangmen.gov.cn'}]},"
		   "{'id':'b','unit':'" GOV "','type':'email','name':'n'}]}",
		   &c, &e) != 0)
		fail_msg("moving a domain to an earlier record: %s", e.msg);
	assert_int_equal(rows(st, "domains"), 1);
}

/*
 * Documents longer than the importer's queue of parsed records: all of
 * them land, or none, whether the bad record is early (the writer fails
 * while the scanner runs ahead) or late (the scanner fails after the
 * writer has written thousands).
 */
static char *
people_doc(int n, int bad_at, const char *bad)
{
	struct buf b = BUF_INIT(8 << 20);

	assert_int_equal(buf_addstr(&b, "{\"units\": [{\"uscc\": \"" GOV
					"\", \"name\": \"n\", \"kind\": "
					"\"party\", \"level\": \"county\", "
					"\"region\": \"440700\"}],\n"
					"\"people\": [\n"),
			 0);
	for (int i = 0; i < n; i++) {
		if (i == bad_at)
			assert_int_equal(
			    buf_printf(&b, "%s%s\n", i ? "," : "", bad), 0);
		else
			assert_int_equal(
			    buf_printf(&b,
				       "%s{\"id\": \"p%05d\", \"name\": "
				       "\"n\", \"unit\": \"" GOV "\", "
				       "\"kind\": \"staff\"}\n",
				       i ? "," : "", i),
			    0);
	}
	assert_int_equal(buf_addstr(&b, "]}\n"), 0);
	return buf_detach(&b, NULL);
}

static void
test_import_many(void **state)
{
	struct store *st = *state;
	struct reg_counts c;
	struct err e;
	char *doc;

	/* Good: 5000 records. */
	doc = people_doc(5000, -1, NULL);
	assert_int_equal(
	    reg_import(st, doc, strlen(doc), "t.json", "t", &c, &e), 0);
	free(doc);
	assert_int_equal(c.n[0], 1);
	assert_int_equal(c.n[3], 5000);
	assert_int_equal(rows(st, "people"), 5000);
	assert_int_equal(rows(st, "audit"), 1);
	{
		struct err e2;

		assert_int_equal(store_exec(st,
					    "DELETE FROM people; DELETE FROM "
					    "units; DELETE FROM audit;",
					    NULL, 0, &e2),
				 0);
	}
	/* The writer fails early: a record listed twice (line 5 is p00003,
	 * the second record named p00001). */
	doc = people_doc(5000, 3,
			 "{\"id\": \"p00001\", \"name\": \"n\", "
			 "\"unit\": \"" GOV "\", \"kind\": \"staff\"}");
	assert_int_equal(
	    reg_import(st, doc, strlen(doc), "t.json", "t", &c, &e), -1);
	free(doc);
	assert_string_equal(e.msg, "t.json:6:2: $.people[3]: person 'p00001' "
				   "is listed twice (also at $.people[1])");
	assert_empty(st);
	/* A reference failure found by the writer, late. */
	doc = people_doc(5000, 4000,
			 "{\"id\": \"x\", \"name\": \"n\", \"unit\": "
			 "\"" GOV "\", \"kind\": \"outsourced\"}");
	assert_int_equal(
	    reg_import(st, doc, strlen(doc), "t.json", "t", &c, &e), -1);
	free(doc);
	assert_string_equal(e.msg, "t.json:4003:77: $.people[4000].outsourcer: "
				   "an outsourced person needs the id of the "
				   "outsourcing unit");
	assert_empty(st);
	/* The scanner fails late, after the writer has written. */
	doc = people_doc(5000, 4999, "{\"id\": ");
	assert_int_equal(
	    reg_import(st, doc, strlen(doc), "t.json", "t", &c, &e), -1);
	free(doc);
	if (!str_starts(e.msg, "t.json:5003:1: $.people[4999]: "))
		fail_msg("\"%s\"", e.msg);
	assert_empty(st);
	for (int i = 0; i < 8; i++)
		assert_int_equal(c.n[i], 0);
}

/* SITE-1 and domains are judged on the import's end state. */
static void
test_import_end_state(void **state)
{
	struct store *st = *state;
	struct reg_counts c;
	struct err e;

	import_ok(st,
		  "{'units':[" U_GOV "," U_GA "],'applications':["
		  "{'id':'p-old','unit':'" GOV "','type':'portal','name':'n',"
		  "'domains':[{'name':'www.jiangmen.gov.cn'}]},"
		  "{'id':'m','unit':'" GOV "','type':'email','name':'n',"
		  "'domains':[{'name':'mail.jiangmen.gov.cn'}]}]}",
		  &c);
	/* A new portal listed before the old one is closed. */
	if (import(st,
		   "{'applications':["
		   "{'id':'p-new','unit':'" GOV "','type':'portal','name':'n',"
		   "'domains':[{'name':'www.jiangmen.gov.cn'}]},"
		   "{'id':'p-old','unit':'" GOV "','type':'portal','name':'n',"
		   "'status':'closed'}]}",
		   &c, &e) != 0)
		fail_msg("portal replaced in one import: %s", e.msg);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM domains WHERE "
					 "app = 'p-new'",
					 NULL, 0, -1),
			 1);
	/* Two applications swap their domains. */
	if (import(st,
		   "{'applications':["
		   "{'id':'m','unit':'" GOV "','type':'email','name':'n',"
		   "'domains':[{'name':'www.jiangmen.gov.cn'}]},"
		   "{'id':'p-new','unit':'" GOV "','type':'portal','name':'n',"
		   "'domains':[{'name':'mail.jiangmen.gov.cn'}]}]}",
		   &c, &e) != 0)
		fail_msg("domains swapped in one import: %s", e.msg);
	/* A second live portal that stays is recorded (SITE-1 judges). */
	if (import(st,
		   "{" NL "'applications':[" NL "{'id':'p-ga','unit':'" GA
		   "','type':'portal','name':'n'}," NL
		   "{'id':'p-old','unit':'" GOV "','type':'portal','name':'n'}"
		   "]}",
		   &c, &e) != 0)
		fail_msg("second live portal refused: %s", e.msg);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM apps WHERE unit "
					 "= '" GOV "' AND type = 'portal' AND "
					 "coalesce(status, 'live') = 'live'",
					 NULL, 0, -1),
			 2);
	/* A domain taken from an application the document leaves alone. */
	assert_int_equal(
	    import(st,
		   "{" NL "'applications':[" NL "{'id':'ga','unit':'" GA
		   "','type':'email','name':'n'," NL
		   "'domains':[{'name':'MAIL.jiangmen.gov.cn'}]}]}",
		   &c, &e),
	    -1);
	/* the line of the domains field itself (issue 9 item 6) */
	assert_string_equal(e.msg, "t.json:4:1: $.applications[0].domains: "
				   "'mail.jiangmen.gov.cn' is already "
				   "registered to application 'p-new'");
	assert_int_equal(rows(st, "apps"), 4);
	assert_int_equal(rows(st, "audit"), 4);
}

/* The same, with the losing application's domain written in another
 * spelling (upper case, trailing dot): still a message with a line. */
static void
test_import_end_state_spelling(void **state)
{
	struct store *st = *state;
	struct reg_counts c;
	struct err e;

	import_ok(st,
		  "{'units':[" U_GOV "," U_GA "],'applications':["
		  "{'id':'m','unit':'" GOV "','type':'email','name':'n',"
		  "'domains':[{'name':'MAIL.Jiangmen.gov.cn.'}]}]}",
		  &c);
	assert_int_equal(
	    import(st,
		   "{" NL "'applications':[" NL "{'id':'ga','unit':'" GA
		   "','type':'email','name':'n',"
		   "'domains':[{'name':'mail.jiangmen.gov.cn'}]}]}",
		   &c, &e),
	    -1);
	if (!str_starts(e.msg, "t.json:3:66: $.applications[0]"))
		fail_msg("message without line and path: \"%s\"", e.msg);
	assert_non_null(strstr(e.msg, "'m'"));
}

/* platforms.c: the APP-1 list of registered distribution platforms. */

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
test_platforms(void **state)
{
	char good[8300], bad[8300], msg[9000];
	struct err e;

	(void)state;
	/* The shipped list: names and aliases, ASCII case folded. */
	assert_int_equal(platforms_load(NULL, &e), 0);
	assert_int_equal(platforms_registered("华为应用市场"), 1);
	assert_int_equal(platforms_registered("HUAWEI"), 1);
	assert_int_equal(platforms_registered("Own-Website"), 1);
	assert_int_equal(platforms_registered("快快下载站"), 0);
	assert_int_equal(platforms_registered(""), 0);

	str_fmt(good, sizeof(good), "%s/platforms-good.json", sf_dir);
	write_text(good, "{\"platforms\": [{\"name\": \"自建商店\", "
			 "\"aliases\": [\"ours\", 7]}]}");
	assert_int_equal(platforms_load(good, &e), 0);
	assert_int_equal(platforms_registered("自建商店"), 1);
	assert_int_equal(platforms_registered("OURS"), 1);
	assert_int_equal(platforms_registered("华为应用市场"), 0);
	assert_int_equal(platforms_registered("own-website"), 1);

	/* A file that fails leaves the list in force untouched. */
	str_fmt(bad, sizeof(bad), "%s/platforms-bad.json", sf_dir);
	write_text(bad, "{\"platforms\": [{\"name\": \"甲\"}, "
			"{\"title\": \"乙\"}]}");
	assert_int_equal(platforms_load(bad, &e), -1);
	str_fmt(msg, sizeof(msg), "%s: $.platforms[1].name: expected a string",
		bad);
	assert_string_equal(e.msg, msg);
	if (platforms_registered("自建商店") != 1 ||
	    platforms_registered("甲") != 0)
		fail_msg("a failed platforms_load replaced the list in force "
			 "with part of the bad file");
	write_text(bad, "{\"platforms\": {}}");
	assert_int_equal(platforms_load(bad, &e), -1);
	str_fmt(msg, sizeof(msg),
		"%s: $.platforms: expected an array of at most 1024", bad);
	assert_string_equal(e.msg, msg);
	write_text(bad, "{\"platforms\": [");
	assert_int_equal(platforms_load(bad, &e), -1);
	assert_true(str_starts(e.msg, bad));
	assert_int_equal(platforms_registered("自建商店"), 1);
	assert_int_equal(platforms_load(NULL, &e), 0);
}

/* An empty list is a list: nothing but the unit's own site (also when it
 * is the first list loaded, as govsecd does with [registry] platforms). */
static void
test_platforms_empty_list(void **state)
{
	char empty[8300];
	struct err e;

	(void)state;
	str_fmt(empty, sizeof(empty), "%s/platforms-empty.json", sf_dir);
	write_text(empty, "{\"platforms\": []}");
	assert_int_equal(platforms_load(empty, &e), 0);
	if (platforms_registered("华为应用市场") != 0)
		fail_msg("an empty platform list was replaced by another");
	assert_int_equal(platforms_registered("own-website"), 1);

	/* Back to the shipped list for the other tests. */
	assert_int_equal(platforms_load(NULL, &e), 0);
	assert_int_equal(platforms_registered("华为应用市场"), 1);
}

/* reg_export */

static char *
export_text(struct store *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct err e;

	assert_non_null(f);
	if (reg_export(st, f, &e) < 0)
		fail_msg("reg_export: %s", e.msg);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void
test_export_exact(void **state)
{
	struct store *st = *state;
	struct reg_counts c;
	char *text;

	text = export_text(st);
	assert_string_equal(text, "{\n"
				  "  \"format\": \"govsec-registry/1\",\n"
				  "  \"units\": [],\n"
				  "  \"outsourcers\": [],\n"
				  "  \"applications\": [],\n"
				  "  \"people\": [],\n"
				  "  \"grants\": []\n"
				  "}\n");
	free(text);
	import_ok(st,
		  "{'applications':[{'mail':{'auto_forward':false},"
		  "'security':{'idle_timeout_minutes':15,'mfa':true},"
		  "'name':'门户','type':'portal','unit':'" GOV "','id':'p',"
		  "'filed':true,'mlps_level':3,'outsourcer':'os',"
		  "'domains':[{'main':true,'name':'WWW.jiangmen.gov.cn'}]}],"
		  "'outsourcers':[{'unit':'" GOV "','name':'云智','id':'os'}],"
		  "'units':[" U_HOSP "," U_GOV "]}",
		  &c);
	text = export_text(st);
	assert_string_equal(
	    text,
	    "{\n"
	    "  \"format\": \"govsec-registry/1\",\n"
	    "  \"units\": [\n"
	    "    {\"uscc\":\"" GOV "\",\"name\":\"江门市人民政府\","
	    "\"short_name\":\"江门市政府\",\"kind\":\"administrative\","
	    "\"level\":\"prefecture\",\"region\":\"440700\","
	    "\"region_name\":\"江门市\"},\n"
	    "    {\"uscc\":\"" HOSP "\",\"name\":\"江门市中心医院\","
	    "\"kind\":\"institution\",\"level\":\"prefecture\","
	    "\"region\":\"440700\"}\n"
	    "  ],\n"
	    "  \"outsourcers\": [\n"
	    "    {\"id\":\"os\",\"name\":\"云智\",\"unit\":\"" GOV "\"}\n"
	    "  ],\n"
	    "  \"applications\": [\n"
	    "    {\"id\":\"p\",\"unit\":\"" GOV "\",\"type\":\"portal\","
	    "\"name\":\"门户\",\"filed\":true,\"domains\":[{\"main\":true,"
	    "\"name\":\"WWW.jiangmen.gov.cn\"}],\"mlps_level\":3,"
	    "\"outsourcer\":\"os\",\"security\":{\"mfa\":true,"
	    "\"idle_timeout_minutes\":15},\"mail\":{\"auto_forward\":false}}\n"
	    "  ],\n"
	    "  \"people\": [],\n"
	    "  \"grants\": []\n"
	    "}\n");
	free(text);
}

/* export | import (fresh store) | export gives the same bytes. */
static void
roundtrip(const char *text, size_t len)
{
	struct store *a = sf_new_store(), *b = sf_new_store();
	struct reg_counts c1, c2;
	struct err e;
	char *x1, *x2, *x3;

	if (reg_import(a, text, len, "in.json", "t", &c1, &e) != 0)
		fail_msg("import: %s", e.msg);
	x1 = export_text(a);
	if (reg_import(b, x1, strlen(x1), "x1.json", "t", &c2, &e) != 0)
		fail_msg("reimport: %s", e.msg);
	assert_memory_equal(&c1, &c2, sizeof(c1));
	x2 = export_text(b);
	assert_string_equal(x1, x2);
	/* Importing the export over the same data changes nothing. */
	if (reg_import(b, x2, strlen(x2), "x2.json", "t", &c2, &e) != 0)
		fail_msg("re-reimport: %s", e.msg);
	x3 = export_text(b);
	assert_string_equal(x1, x3);
	free(x1);
	free(x2);
	free(x3);
	store_free(a);
	store_free(b);
}

static void
test_export_roundtrip(void **state)
{
	char *text = Q(doc_full);

	(void)state;
	roundtrip(text, strlen(text));
	free(text);
	text = Q("{'units':[" U_GOV "," U_GA "," U_HOSP "],"
		 "'applications':[{'id':'x','unit':'" HOSP "','type':'portal',"
		 "'name':'医院 \\\"网站\\\" \\\\ \\u00e9\\ud83d\\ude00',"
		 "'domains':[{'name':'五邑大学.公益'},{'name':'www.jmszxyy.cn',"
		 "'main':true,'lang':'en'}],"
		 "'security':{'overseas_access':true,'overseas_whitelist':["
		 "{'account':'z','from':'2024-11-20T00:00:00+08:00',"
		 "'until':'2024-12-05T23:59:59+08:00','reason':'出访'}],"
		 "'ip_segments':['10.0.0.0/8','2001:db8::/32']},"
		 "'platforms':['own-website','华为应用市场'],"
		 "'login_channels':[]}]}");
	roundtrip(text, strlen(text));
	free(text);
}

static void
test_export_roundtrip_demo(void **state)
{
	struct buf b = BUF_INIT(REG_RECORD_MAX * 16);
	struct err e;

	(void)state;
	if (buf_read_file(&b, GOVSEC_DATADIR "/demo.json", &e) < 0)
		fail_msg("%s", e.msg);
	roundtrip(b.data, b.len);
	buf_cleanup(&b);
}

/*
 * A large import into a new store (megabytes of rows, which PostgreSQL
 * sends in COPYs while the document is still read) is all or nothing
 * with the message SQLite gives, wherever the failure is found: by the
 * writer late, by the scanner at the end, or once the document is read (a
 * reference); a good one gives the same export as a SQLite store.
 */
static void
test_import_large(void **state)
{
	struct store *st = *state, *sq;
	struct reg_counts c;
	struct err e;
	char *doc, *x1, *x2, path[4200];

	doc = people_doc(40000, 39000,
			 "{\"id\": \"p00001\", \"name\": \"n\", "
			 "\"unit\": \"" GOV "\", \"kind\": \"staff\"}");
	assert_int_equal(
	    reg_import(st, doc, strlen(doc), "t.json", "t", &c, &e), -1);
	free(doc);
	assert_string_equal(e.msg, "t.json:39003:2: $.people[39000]: person "
				   "'p00001' is listed twice (also at "
				   "$.people[1])");
	assert_empty(st);
	doc = people_doc(40000, 39999, "{\"id\": ");
	assert_int_equal(
	    reg_import(st, doc, strlen(doc), "t.json", "t", &c, &e), -1);
	free(doc);
	if (!str_starts(e.msg, "t.json:40003:1: $.people[39999]: "))
		fail_msg("\"%s\"", e.msg);
	assert_empty(st);
	doc = people_doc(40000, 39000,
			 "{\"id\": \"x\", \"name\": \"n\", \"unit\": \"" GOV
			 "\", \"kind\": \"outsourced\", \"outsourcer\": "
			 "\"os-x\"}");
	assert_int_equal(
	    reg_import(st, doc, strlen(doc), "t.json", "t", &c, &e), -1);
	if (!str_starts(e.msg, "t.json:39003:") ||
	    !str_ends(e.msg, ": $.people[39000].outsourcer: outsourcer "
			     "'os-x' is not registered"))
		fail_msg("\"%s\"", e.msg);
	assert_empty(st);

	/* the same document with the outsourcer it names */
	{
		char *p = strstr(doc, "\"people\": [");
		struct buf b = BUF_INIT(16 << 20);

		assert_non_null(p);
		assert_int_equal(buf_add(&b, doc, (size_t)(p - doc)), 0);
		assert_int_equal(buf_addstr(&b, "\"outsourcers\": [{\"id\": "
						"\"os-x\", \"name\": \"云智 "
						"\\\\N \\\\\", \"unit\": "
						"\"" GOV "\"}],\n"),
				 0);
		assert_int_equal(buf_addstr(&b, p), 0);
		free(doc);
		doc = buf_detach(&b, NULL);
	}
	if (reg_import(st, doc, strlen(doc), "t.json", "t", &c, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(rows(st, "people"), 40000);
	str_fmt(path, sizeof(path), "%s/large-sqlite.db", sf_dir);
	sq = store_open(path, &e);
	assert_non_null(sq);
	assert_int_equal(store_migrate(sq, &e), 0);
	if (reg_import(sq, doc, strlen(doc), "t.json", "t", &c, &e) < 0)
		fail_msg("%s", e.msg);
	x1 = export_text(st);
	x2 = export_text(sq);
	assert_string_equal(x1, x2);
	free(x1);
	free(x2);
	free(doc);
	store_free(sq);
}

/* scope.c */

#define TS   "11440781007251013E" /* 台山市人民政府, below GOV */
#define TSJY "114407810072510219" /* 台山市教育局, below TS */
#define U_TS                                                                       \
	"{'uscc':'" TS "','name':'台山市人民政府','kind':'administrative'," \
	"'level':'county','region':'440781','parent':'" GOV "'}"
#define U_TSJY                                                                    \
	"{'uscc':'" TSJY "','name':'台山市教育局','kind':'administrative'," \
	"'level':'county','region':'440781','parent':'" TS "'}"

static void
test_scope_set(void **state)
{
	struct scope sc;
	struct err e;

	(void)state;
	scope_init(&sc);
	assert_int_equal(scope_set(&sc, NULL, NULL, &e), 0);
	assert_int_equal(sc.kind, SCOPE_ALL);
	assert_int_equal(scope_set(&sc, GOV, NULL, &e), 0);
	assert_int_equal(sc.kind, SCOPE_UNIT);
	assert_string_equal(sc.code, GOV);
	/* trailing "00" pairs of a 6-digit code are dropped */
	assert_int_equal(scope_set(&sc, NULL, "440700", &e), 0);
	assert_int_equal(sc.kind, SCOPE_REGION);
	assert_string_equal(sc.code, "4407");
	assert_int_equal(scope_set(&sc, NULL, "440000", &e), 0);
	assert_string_equal(sc.code, "44");
	assert_int_equal(scope_set(&sc, NULL, "440781", &e), 0);
	assert_string_equal(sc.code, "440781");
	assert_int_equal(scope_set(&sc, NULL, "4407", &e), 0);
	assert_string_equal(sc.code, "4407");
	assert_int_equal(scope_set(&sc, NULL, "000000", &e), -1);
	assert_string_equal(e.msg, "region '000000' is no region; leave the "
				   "scope out to cover all units");
	assert_int_equal(scope_set(&sc, NULL, "44070", &e), -1);
	assert_string_equal(e.msg, "region '44070' must be a GB/T 2260 code "
				   "(6 digits) or its prefix of 2 or 4 digits");
	assert_int_equal(scope_set(&sc, NULL, "44%", &e), -1);
	assert_int_equal(scope_set(&sc, "11440700007250010A", NULL, &e), -1);
	assert_int_equal(scope_set(&sc, GOV, "4407", &e), -1);
	assert_string_equal(e.msg, "a scope is a unit or a region, not both");
	scope_cleanup(&sc);
}

static int
scope_key(void *arg, json_t *obj)
{
	struct buf *b = arg;
	const char *k = json_string_value(json_object_get(obj, "uscc"));

	if (k == NULL)
		k = json_string_value(json_object_get(obj, "id"));
	buf_printf(b, "%s%s", b->len ? " " : "", k);
	return 0;
}

/* The keys of ent's records in sc, space-separated, into out. */
static void
scoped_keys(struct store *st, struct scope *sc, const char *ent, char *out,
	    size_t n)
{
	struct buf b = BUF_INIT(4096);
	struct err e;

	if (reg_each_in(st, E(ent), sc, NULL, NULL, scope_key, &b, &e) < 0)
		fail_msg("reg_each_in: %s", e.msg);
	str_copy(out, b.data ? b.data : "", n);
	buf_cleanup(&b);
}

static void
test_scope_load(void **state)
{
	struct store *st = *state;
	struct scope sc;
	struct err e;
	char keys[1024];

	put_ok(st, "unit", U_GOV, NULL);
	put_ok(st, "unit", U_GA, NULL);
	put_ok(st, "unit", U_TS, NULL);
	put_ok(st, "unit", U_TSJY, NULL);
	put_ok(st, "unit", U_HOSP, NULL);
	put_ok(st, "app", A_PORTAL, NULL);
	put_ok(st, "person",
	       "{'id':'p1','name':'n','unit':'" TSJY "','kind':'staff'}", NULL);
	put_ok(st, "person",
	       "{'id':'p2','name':'n','unit':'" GA "','kind':'staff'}", NULL);
	put_ok(st, "grant",
	       "{'id':'g1','person':'p1','scope':'s','privilege':'read'}",
	       NULL);
	scope_init(&sc);
	/* a unit and the tree below it */
	assert_int_equal(scope_set(&sc, TS, NULL, &e), 0);
	assert_int_equal(scope_load(st, &sc, &e), 0);
	assert_true(scope_has(&sc, TS) && scope_has(&sc, TSJY));
	assert_false(scope_has(&sc, GOV) || scope_has(&sc, GA));
	scoped_keys(st, &sc, "units", keys, sizeof(keys));
	assert_string_equal(keys, TS " " TSJY);
	scoped_keys(st, &sc, "people", keys, sizeof(keys));
	assert_string_equal(keys, "p1");
	scoped_keys(st, &sc, "grants", keys, sizeof(keys));
	assert_string_equal(keys, "g1");
	scoped_keys(st, &sc, "applications", keys, sizeof(keys));
	assert_string_equal(keys, "");
	assert_int_equal(scope_count(st, &sc, E("units")), 2);
	assert_int_equal(scope_count(st, &sc, E("grants")), 1);
	assert_int_equal(scope_objects(st, &sc, &e), 0);
	assert_true(scope_audit_object(&sc, "person:p1"));
	assert_true(scope_audit_object(&sc, "finding:name.unit-first@" TS));
	assert_false(scope_audit_object(&sc, "person:p2"));
	assert_false(scope_audit_object(&sc, "p1"));
	assert_false(scope_audit_object(&sc, "app:jm-portal"));
	assert_false(scope_host(st, &sc, "www.jiangmen.gov.cn"));
	/* the top of the registry covers it all */
	assert_int_equal(scope_set(&sc, GOV, NULL, &e), 0);
	assert_int_equal(scope_load(st, &sc, &e), 0);
	assert_true(scope_has(&sc, TSJY) && scope_has(&sc, GA));
	assert_false(scope_has(&sc, HOSP));
	assert_true(scope_host(st, &sc, "www.jiangmen.gov.cn"));
	assert_true(scope_object(st, &sc, "jm-portal"));
	assert_false(scope_object(st, &sc, HOSP));
	/* a region: by the units' region codes */
	assert_int_equal(scope_set(&sc, NULL, "440781", &e), 0);
	assert_int_equal(scope_load(st, &sc, &e), 0);
	scoped_keys(st, &sc, "units", keys, sizeof(keys));
	assert_string_equal(keys, TS " " TSJY);
	assert_int_equal(scope_set(&sc, NULL, "440700", &e), 0);
	assert_int_equal(scope_load(st, &sc, &e), 0);
	assert_int_equal(scope_count(st, &sc, E("units")), 5);
	assert_int_equal(scope_set(&sc, NULL, "110000", &e), 0);
	assert_int_equal(scope_load(st, &sc, &e), 0);
	assert_int_equal(scope_count(st, &sc, E("units")), 0);
	scope_cleanup(&sc);
}

static void
scope_put_err(struct store *st, struct scope *sc, const char *ent,
	      const char *sq, const char *msg)
{
	json_t *o = J(sq);
	long long n = rows(st, "audit");
	struct err e;

	e.msg[0] = '\0';
	if (scope_put(st, sc, E(ent), o, "$", "tester", NULL, &e) != -1)
		fail_msg("scope_put accepted %s (expected \"%s\")", sq, msg);
	assert_string_equal(e.msg, msg);
	assert_int_equal(rows(st, "audit"), n);
	json_decref(o);
}

#define DS "1144078100725103X1" /* 台山市斗山镇人民政府 */

static void
test_scope_put(void **state)
{
	struct store *st = *state;
	struct scope sc;
	struct err e;
	json_t *o;
	int created = -1;

	put_ok(st, "unit", U_GOV, NULL);
	put_ok(st, "unit", U_GA, NULL);
	put_ok(st, "unit", U_TS, NULL);
	put_ok(st, "unit", U_TSJY, NULL);
	put_ok(st, "person",
	       "{'id':'p2','name':'n','unit':'" GA "','kind':'staff'}", NULL);
	scope_init(&sc);
	assert_int_equal(scope_set(&sc, TS, NULL, &e), 0);
	assert_int_equal(scope_load(st, &sc, &e), 0);
	/* the scope's own unit may hang below any parent */
	o = J(U_TS);
	assert_int_equal(
	    scope_put(st, &sc, E("unit"), o, "$", "t", &created, &e), 0);
	assert_int_equal(created, 0);
	json_decref(o);
	/* a new unit below it */
	o = J("{'uscc':'" DS "','name':'n','kind':'administrative',"
	      "'level':'township','region':'440781','parent':'" TSJY "'}");
	assert_int_equal(
	    scope_put(st, &sc, E("unit"), o, "$", "t", &created, &e), 0);
	assert_int_equal(created, 1);
	json_decref(o);
	/* its parent stays: not another, not none */
	scope_put_err(st, &sc, "unit",
		      "{'uscc':'" TS "','name':'n','kind':'administrative',"
		      "'level':'county','region':'440781','parent':'" GA "'}",
		      "$: unit '" TS "' is outside the scope of this account");
	scope_put_err(st, &sc, "unit",
		      "{'uscc':'" TS "','name':'n','kind':'administrative',"
		      "'level':'county','region':'440781'}",
		      "$: unit '" TS "' is outside the scope of this account");
	/* a unit below it may not move out, nor below itself */
	scope_put_err(st, &sc, "unit",
		      "{'uscc':'" TSJY "','name':'n','kind':'administrative',"
		      "'level':'county','region':'440781','parent':'" GA "'}",
		      "$: unit '" TSJY "' is outside the scope of this "
		      "account");
	scope_put_err(st, &sc, "unit",
		      "{'uscc':'" TSJY "','name':'n','kind':'administrative',"
		      "'level':'county','region':'440781','parent':'" DS "'}",
		      "$: unit '" TSJY "' is outside the scope of this "
		      "account");
	/* nor may a record out of scope change, or a new one go there */
	scope_put_err(st, &sc, "unit", U_GA,
		      "unit '" GA "' is outside the scope of this account");
	scope_put_err(st, &sc, "person",
		      "{'id':'p2','name':'n','unit':'" TS "','kind':'staff'}",
		      "person 'p2' is outside the scope of this account");
	scope_put_err(st, &sc, "person",
		      "{'id':'p3','name':'n','unit':'" GA "','kind':'staff'}",
		      "$.unit: unit '" GA "' is outside the scope of this "
		      "account");
	scope_put_err(
	    st, &sc, "grant",
	    "{'id':'g2','person':'p2','scope':'s','privilege':'read'}",
	    "$.person: person 'p2' is outside the scope of this "
	    "account");
	/* validation comes first */
	scope_put_err(st, &sc, "person", "{'id':'p3'}",
		      "$.name: missing required field");
	/* removal (of what the scope held when it was loaded) */
	assert_int_equal(scope_load(st, &sc, &e), 0);
	assert_int_equal(scope_rm(st, &sc, E("unit"), GA, "t", &e), -1);
	assert_string_equal(e.msg, "unit '" GA
				   "' is outside the scope of this account");
	assert_int_equal(scope_rm(st, &sc, E("unit"), DS, "t", &e), 0);
	put_ok(st, "person",
	       "{'id':'p2','name':'n','unit':'" TSJY "','kind':'staff'}", NULL);
	assert_int_equal(scope_rm(st, &sc, E("unit"), TS, "t", &e), -1);
	assert_string_equal(e.msg,
			    "unit '" TS "' is the scope of this account; "
			    "only an account of a wider scope may "
			    "remove it");
	assert_null(scope_get(st, &sc, E("unit"), GA));
	o = scope_get(st, &sc, E("unit"), TSJY);
	assert_non_null(o);
	json_decref(o);
	/* a region scope judges a unit by its region, a new parent by the
	 * scope too, and refuses a loop */
	assert_int_equal(scope_set(&sc, NULL, "440781", &e), 0);
	assert_int_equal(scope_load(st, &sc, &e), 0);
	scope_put_err(st, &sc, "unit",
		      "{'uscc':'" TSJY "','name':'n','kind':'administrative',"
		      "'level':'county','region':'440781','parent':'" GOV "'}",
		      "$: unit '" TSJY "' is outside the scope of this "
		      "account");
	o = J("{'uscc':'" DS "','name':'n','kind':'administrative',"
	      "'level':'township','region':'440781','parent':'" TSJY "'}");
	assert_int_equal(
	    scope_put(st, &sc, E("unit"), o, "$", "t", &created, &e), 0);
	json_decref(o);
	assert_int_equal(scope_load(st, &sc, &e), 0);
	scope_put_err(st, &sc, "unit",
		      "{'uscc':'" TS "','name':'n','kind':'administrative',"
		      "'level':'county','region':'440781','parent':'" DS "'}",
		      "$: unit '" TS "' is outside the scope of this account");
	assert_int_equal(scope_rm(st, &sc, E("unit"), DS, "t", &e), 0);
	scope_put_err(st, &sc, "unit",
		      "{'uscc':'" DS "','name':'n','kind':'administrative',"
		      "'level':'township','region':'440700','parent':'" TS "'}",
		      "$: unit '" DS "' is outside the scope of this account");
	o = J("{'uscc':'" DS "','name':'n','kind':'administrative',"
	      "'level':'township','region':'440781','parent':'" TS "'}");
	assert_int_equal(
	    scope_put(st, &sc, E("unit"), o, "$", "t", &created, &e), 0);
	json_decref(o);
	scope_cleanup(&sc);
}

int
main(void)
{
#define T(f) SF_TEST(f)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_valid),
	    cmocka_unit_test(test_parse_unknown_fields),
	    T(test_parse_dotted_key),
	    cmocka_unit_test(test_parse_required),
	    cmocka_unit_test(test_parse_types),
	    cmocka_unit_test(test_parse_time_is_date_time),
	    cmocka_unit_test(test_parse_limits),
	    cmocka_unit_test(test_parse_checks),
	    cmocka_unit_test(test_parse_long_value_message),
	    T(test_put_get_replace),
	    T(test_put_cross_field),
	    T(test_put_refs),
	    T(test_put_second_portal),
	    T(test_put_domains),
	    T(test_put_race_domain),
	    T(test_each),
	    T(test_rm),
	    T(test_import_ok),
	    T(test_import_any_order),
	    T(test_import_errors),
	    T(test_import_dangling),
	    T(test_import_message_one_line),
	    T(test_import_dangling_path),
	    T(test_import_new_store),
	    T(test_import_keeps_old_on_error),
	    T(test_import_after_failure),
	    T(test_import_limits),
	    T(test_import_domain_moves),
	    T(test_import_many),
	    T(test_import_end_state),
	    T(test_import_end_state_spelling),
	    /* First to load a platform list in this process. */
	    cmocka_unit_test(test_platforms_empty_list),
	    cmocka_unit_test(test_platforms),
	    T(test_export_exact),
	    T(test_export_roundtrip),
	    cmocka_unit_test(test_export_roundtrip_demo),
	    T(test_import_large),
	    cmocka_unit_test(test_scope_set),
	    T(test_scope_load),
	    T(test_scope_put),
	};
#undef T

	return cmocka_run_group_tests(tests, sf_setup, sf_teardown);
}
