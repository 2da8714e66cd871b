/*
 * cmd_check.c: govsec check (the self-examination), ack, attest and rules.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "inspect/inspect.h"
#include "registry/registry.h"
#include "rules/rules.h"

static int
parse_statuses(const char *list, unsigned *out)
{
	char item[32];
	const char *p = list;

	*out = 0;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		int st;

		if (n >= sizeof(item))
			return -1;
		memcpy(item, p, n);
		item[n] = '\0';
		if (strcmp(item, "all") == 0)
			*out |= (1u << ST__COUNT) - 1;
		else if ((st = check_status_parse(item)) < 0)
			return -1;
		else
			*out |= 1u << st;
		p += n + (p[n] == ',');
	}
	return *out ? 0 : -1;
}

int
cmd_summarize(struct cli *c, int argc, char **argv)
{
	long long runs = 0, apps = 0;
	struct err e;

	if (cli_parse(argc, argv, NULL, NULL, 0, "govsec summarize") < 0)
		return EXIT_USAGE;
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (check_summarize(c->st, &runs, &apps, &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	printf("summed up %lld inspection runs; the probes of %lld "
	       "applications\n",
	       runs, apps);
	return 0;
}

int
cmd_check(struct cli *c, int argc, char **argv)
{
	const char *unit = NULL, *status = NULL, *lang = NULL, *now = NULL,
		   *output = NULL;
	int all = 0;
	const struct opt opts[] = {
	    {"unit", 1, &unit, NULL},	     {"status", 1, &status, NULL},
	    {"lang", 1, &lang, NULL},	     {"all", 0, NULL, &all},
	    {"format", 1, &c->format, NULL}, {"now", 1, &now, NULL},
	    {"output", 1, &output, NULL},    {NULL, 0, NULL, NULL}};
	const char *usage = "govsec check [--unit USCC] [--format "
			    "text|json|sarif|html] [--status fail,unknown,...|"
			    "all] [--all] [--lang zh|en] [--output FILE]";
	struct check_opts o;
	struct check_summary sum;
	struct check_sink sink;
	struct report *r;
	unsigned statuses;
	struct err e;
	int fmt;
	FILE *out = stdout;
	char tmp[4200];

	if (cli_parse(argc, argv, opts, NULL, 0, usage) < 0)
		return EXIT_USAGE;
	fmt = report_format_parse(c->format);
	if (fmt < 0) {
		cli_error("unknown format '%s' (text, json, sarif or html)",
			  c->format);
		return EXIT_USAGE;
	}
	/* Text shows what needs action; machine formats carry everything. */
	statuses =
	    fmt == REPORT_TEXT && !all ? 1u << ST_FAIL : (1u << ST__COUNT) - 1;
	if (status != NULL && parse_statuses(status, &statuses) < 0) {
		cli_error("--status: expected a list of pass, fail, "
			  "not_applicable, unknown or all");
		return EXIT_USAGE;
	}
	check_opts_config(&o, &c->cfg);
	o.unit = unit;
	if (now != NULL && time_parse(now, &o.now) < 0) {
		cli_error("--now: '%s' is not a date or RFC 3339 time", now);
		return EXIT_USAGE;
	}
	if (lang == NULL) {
		const char *env = getenv("LANG");

		lang = env != NULL && str_starts(env, "zh") ? "zh" : "en";
	}
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	/* What can fail is checked before a report starts: no half report
	 * that reads as "compliant". */
	if (platforms_ready(&e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (unit != NULL &&
	    store_query_int(c->st, "SELECT count(*) FROM units WHERE uscc = ?",
			    (struct store_val[]){SV_TEXT(unit)}, 1, 0) == 0) {
		cli_error("unit '%s' is not registered", unit);
		return EXIT_USAGE;
	}
	if (output != NULL &&
	    (str_fmt(tmp, sizeof(tmp), "%s.tmp", output) < 0 ||
	     (out = fopen(tmp, "w")) == NULL)) {
		cli_error("cannot write '%s'", output);
		return EXIT_USAGE;
	}
	/* Once, for a store made before the summaries (migration 30): a
	 * whole check reads them from now on. */
	if (unit == NULL && !probe_sums_complete(c->st) &&
	    check_summarize(c->st, NULL, NULL, &e) < 0) {
		cli_error("%s", e.msg);
		if (out != stdout) {
			fclose(out);
			remove(tmp);
		}
		return EXIT_USAGE;
	}
	r = report_new((enum report_format)fmt, out, statuses, lang);
	report_opts(r, &o);
	sink = report_sink(r);
	if (check_run(c->st, &o, &sink, &sum, &e) < 0) {
		report_finish(r, &sum);
		if (out != stdout) {
			fclose(out);
			remove(tmp);
		}
		cli_error("%s (the report is incomplete)", e.msg);
		return EXIT_USAGE;
	}
	report_finish(r, &sum);
	{
		struct store_val v[5] = {
		    SV_INT(sum.count[ST_PASS]), SV_INT(sum.count[ST_FAIL]),
		    SV_INT(sum.count[ST_NA]), SV_INT(sum.count[ST_UNKNOWN])};
		char at[32];

		time_fmt(time_now(), at, sizeof(at));
		v[4] = SV_TEXT(at);
		store_exec(c->st,
			   "INSERT INTO check_runs(pass, fail, not_applicable, "
			   "unknown, at) VALUES (?,?,?,?,?)",
			   v, 5, NULL);
	}
	if (out != stdout && (fclose(out) != 0 || rename(tmp, output) < 0)) {
		remove(tmp);
		cli_error("cannot write '%s'", output);
		return EXIT_USAGE;
	}
	switch (check_verdict(&sum)) {
	case V_FAILING:
		return EXIT_FINDINGS;
	case V_INCOMPLETE:
		return EXIT_INCOMPLETE;
	default:
		return 0;
	}
}

int
cmd_ack(struct cli *c, int argc, char **argv)
{
	const char *owner = NULL, *due = NULL, *note = NULL, *pos[2];
	const struct opt opts[] = {{"owner", 1, &owner, NULL},
				   {"due", 1, &due, NULL},
				   {"note", 1, &note, NULL},
				   {NULL, 0, NULL, NULL}};
	const char *usage = "govsec ack RULE OBJECT --owner NAME --due "
			    "YYYY-MM-DD [--note TEXT]";
	struct err e;

	if (cli_parse(argc, argv, opts, pos, 2, usage) != 2 || owner == NULL ||
	    due == NULL) {
		cli_error("usage: %s", usage);
		return EXIT_USAGE;
	}
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (check_ack(c->st, pos[0], pos[1], owner, due, note, c->actor, &e) <
	    0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	printf("acknowledged %s on %s: owner %s, due %s\n", pos[0], pos[1],
	       owner, due);
	return 0;
}

static int
attest_print(void *arg, const struct attest_rec *a)
{
	struct cli *c = arg;
	char today[11];

	if (cli_json(c)) {
		json_t *o = attest_json(a);

		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		putchar('\n');
		return 0;
	}
	time_fmt_date(time_now() + CHECK_UTC_OFFSET, today, sizeof(today));
	printf("%lld  %-9s %s %s: attested by %s on %s, expires %s%s\n"
	       "      %s\n",
	       a->id, a->requirement, a->object, a->verdict, a->reviewer,
	       a->attested, a->expires,
	       a->revoked != NULL	       ? " (revoked)"
	       : strcmp(a->expires, today) < 0 ? " (expired)"
					       : "",
	       a->evidence);
	return 0;
}

int
cmd_attest(struct cli *c, int argc, char **argv)
{
	const char *object = NULL, *pos[2];
	struct attest_rec in;
	const struct opt opts[] = {{"object", 1, &object, NULL},
				   {"verdict", 1, &in.verdict, NULL},
				   {"evidence", 1, &in.evidence, NULL},
				   {"reviewer", 1, &in.reviewer, NULL},
				   {"expires", 1, &in.expires, NULL},
				   {NULL, 0, NULL, NULL}};
	const char *usage =
	    "govsec attest REQ-ID --object ID --verdict pass|fail --evidence "
	    "TEXT --reviewer NAME [--expires YYYY-MM-DD] | attest list "
	    "[--object ID] | attest revoke ID";
	struct err e;
	long long id;
	int n;

	memset(&in, 0, sizeof(in));
	if ((n = cli_parse(argc, argv, opts, pos, 2, usage)) < 1) {
		if (n == 0)
			cli_error("usage: %s", usage);
		return EXIT_USAGE;
	}
	if (strcmp(pos[0], "list") == 0 && n == 1) {
		if (cli_store(c) < 0)
			return EXIT_USAGE;
		if (attest_each(c->st, object, NULL, attest_print, c, &e) < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (strcmp(pos[0], "revoke") == 0 && n == 2) {
		if (str_to_ll(pos[1], 1, LLONG_MAX, &id) < 0) {
			cli_error("attestation '%s' is not a number", pos[1]);
			return EXIT_USAGE;
		}
		if (cli_store(c) < 0)
			return EXIT_USAGE;
		if (attest_revoke(c->st, id, NULL, c->actor, &e) < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		printf("revoked attestation %lld\n", id);
		return 0;
	}
	if (n != 1 || object == NULL || in.verdict == NULL ||
	    in.evidence == NULL || in.reviewer == NULL) {
		cli_error("usage: %s", usage);
		return EXIT_USAGE;
	}
	in.requirement = pos[0];
	in.object = object;
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (attest_add(c->st, &in, c->actor, &id, &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	printf("attestation %lld: %s of %s attested %s by %s\n", id,
	       in.requirement, object, in.verdict, in.reviewer);
	return 0;
}

int
cmd_rules(struct cli *c, int argc, char **argv)
{
	const struct rule_info *ri;
	size_t n;

	if (cli_parse(argc, argv, NULL, NULL, 0, "govsec rules") < 0)
		return EXIT_USAGE;
	ri = check_rules(&n);
	for (size_t i = 0; i < n; i++) {
		if (cli_json(c))
			printf("%s{\"id\":\"%s\",\"requirement\":\"%s\"}",
			       i ? "," : "[", ri[i].id, ri[i].requirement);
		else
			printf("%-28s %-9s %s / %s\n", ri[i].id,
			       ri[i].requirement, ri[i].title, ri[i].title_zh);
	}
	if (cli_json(c))
		printf("]\n");
	return 0;
}
