/*
 * cmd_gate.c: govsec gate ...: the access gateway's policy (import,
 * export, test), users (add, disable, delete, new password), TOTP
 * enrolment, devices (approval and its withdrawal), sessions and lockouts,
 * over src/gate and the store. Policy files and arguments are checked by
 * src/gate; passwords come from standard input only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "gate/gate.h"

static const char usage_text[] =
    "govsec gate import FILE | export | test [--user U] [--ip IP] "
    "[--device D] [--time T] [--url URL] [--method M] [--groups G] "
    "[--geoip MMDB] [--geoip-csv CSV] [--format json] | user add NAME "
    "[--groups G] [--display NAME] (password on stdin) | user list | user "
    "disable|enable|delete NAME | user passwd NAME (password on stdin) | "
    "totp NAME | invite NAME [--hours N] | bind NAME | unbind NAME | "
    "devices | approve ID | unapprove ID | device-rm ID | revoke USER | "
    "sessions | revoke-session ID | keys | key-rm ID | lockouts | unlock "
    "USER|ADDRESS | stats";

static int
usage(void)
{
	cli_error("usage: %s", usage_text);
	return EXIT_USAGE;
}

static int
gate_import(struct cli *c, int argc, char **argv)
{
	struct buf b = BUF_INIT(GATE_POLICY_MAX);
	const char *pos[1];
	struct err e;
	int rc;

	if (cli_parse(argc, argv, NULL, pos, 1, usage_text) != 1)
		return EXIT_USAGE;
	if (!strcmp(pos[0], "-")) {
		char chunk[4096];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
			if (buf_add(&b, chunk, n) < 0) {
				cli_error("policy larger than %d bytes",
					  GATE_POLICY_MAX);
				buf_cleanup(&b);
				return EXIT_USAGE;
			}
		if (b.data == NULL)
			buf_add(&b, "", 0);
	} else if (buf_read_file(&b, pos[0], &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (cli_store(c) < 0) {
		buf_cleanup(&b);
		return EXIT_USAGE;
	}
	rc = gate_db_policy_save(c->st, b.data, b.len, c->actor, &e);
	buf_cleanup(&b);
	if (rc < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	printf("gate policy saved\n");
	return 0;
}

static int
gate_export(struct cli *c, int argc, char **argv)
{
	char *doc;

	if (argc != 1)
		return usage();
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	doc = gate_db_policy_doc(c->st);
	printf("%s\n", doc != NULL ? doc : "{}");
	free(doc);
	return 0;
}

static const char *
decision_name(const struct gate_decision *d)
{
	if (d->action == GATE_BYPASS)
		return "allow";
	return gate_action_name(d->action);
}

static int
gate_test(struct cli *c, int argc, char **argv)
{
	const char *user = NULL, *ip = NULL, *device = NULL, *when = NULL,
		   *url = NULL, *method = "GET", *groups = NULL,
		   *mmdb = c->cfg.gate_geoip, *csv = c->cfg.gate_geoip_csv,
		   *fmt = c->format;
	const struct opt opts[] = {
	    {"user", 1, &user, NULL},	  {"ip", 1, &ip, NULL},
	    {"device", 1, &device, NULL}, {"time", 1, &when, NULL},
	    {"url", 1, &url, NULL},	  {"method", 1, &method, NULL},
	    {"groups", 1, &groups, NULL}, {"geoip", 1, &mmdb, NULL},
	    {"geoip-csv", 1, &csv, NULL}, {"format", 1, &fmt, NULL},
	    {NULL, 0, NULL, NULL}};
	struct gate_policy *p;
	struct gate_geo *geo;
	struct gate_input in;
	struct gate_decision d;
	struct gate_url *u = NULL;
	char *stored_groups = NULL, cc[3];
	struct err e;
	int rc = EXIT_USAGE;

	if (cli_parse(argc, argv, opts, NULL, 0, usage_text) != 0)
		return EXIT_USAGE;
	if (strcmp(fmt, "json") != 0 && strcmp(fmt, "text") != 0) {
		cli_error("--format must be text or json");
		return EXIT_USAGE;
	}
	memset(&in, 0, sizeof(in));
	in.now = time_now();
	if (when != NULL && time_parse(when, &in.now) < 0) {
		cli_error("--time '%s' is not RFC 3339 or YYYY-MM-DD", when);
		return EXIT_USAGE;
	}
	if (ip != NULL) {
		unsigned char a[16];

		if (gate_addr_parse(ip, a) < 0) {
			cli_error("--ip '%s' is not an IP address", ip);
			return EXIT_USAGE;
		}
		in.ip = ip;
	}
	if (url != NULL) {
		u = xcalloc(1, sizeof(*u));
		if (gate_url_parse(url, u) < 0) {
			cli_error("--url '%s' is not an http(s) URL without "
				  "dot segments",
				  url);
			goto out;
		}
		in.host = u->host;
		in.path = u->path;
	}
	in.method = method;
	in.user = user;
	in.device = device;
	if (cli_store(c) < 0)
		goto out;
	if (user != NULL && groups == NULL) {
		struct store_val v[1] = {SV_TEXT(user)};

		stored_groups = store_query_text(
		    c->st, "SELECT groups FROM gate_users WHERE name = ?", v,
		    1);
	}
	in.groups = groups != NULL ? groups : stored_groups;
	p = gate_db_policy(c->st, &e);
	if (p == NULL) {
		cli_error("%s", e.msg);
		goto out;
	}
	geo = gate_geo_open(mmdb, csv, &e);
	if (geo == NULL) {
		cli_error("%s", e.msg);
		gate_policy_free(p);
		goto out;
	}
	gate_policy_decide(p, geo, &in, &d);
	gate_geo_country(geo, in.ip, cc);
	if (!strcmp(fmt, "json")) {
		json_t *o = json_pack(
		    "{s:s, s:s, s:i, s:s, s:s, s:b, s:b, s:s?}", "decision",
		    decision_name(&d), "rule", d.rule_name, "index", d.rule,
		    "action", gate_action_name(d.action), "reason", d.reason,
		    "need_user", d.need_user, "background", d.background,
		    "country", cc[0] ? cc : NULL);
		char *s = o != NULL ? json_dumps(o, JSON_PRESERVE_ORDER) : NULL;

		printf("%s\n", s != NULL ? s : "{}");
		free(s);
		json_decref(o);
	} else
		printf("decision: %s\nrule: %s\nreason: %s\n",
		       decision_name(&d), d.rule_name, d.reason);
	gate_geo_free(geo);
	gate_policy_free(p);
	rc = 0;
out:
	free(stored_groups);
	free(u);
	return rc;
}

/*
 * One row, tab-separated. A column named *_time holds Unix seconds shown
 * as UTC (computed here, not in SQL: the store's two backends have no
 * date function in common); invited_until the same after "invited until",
 * or nothing when NULL.
 */
static int
print_row(void *arg, struct store_row *r)
{
	int n = store_row_count(r);

	(void)arg;
	for (int i = 0; i < n; i++) {
		const char *s = store_row_text(r, i),
			   *name = store_row_name(r, i);
		size_t len = strlen(name);
		char t[32];

		if (!strcmp(name, "invited_until") ||
		    (len > 5 && !strcmp(name + len - 5, "_time"))) {
			if (s != NULL)
				time_fmt((time_t)store_row_int(r, i), t,
					 sizeof(t));
			printf("%s%s%s", i ? "\t" : "",
			       s != NULL && name[0] == 'i' ? "invited until "
							   : "",
			       s != NULL ? t : "");
			continue;
		}
		printf("%s%s", i ? "\t" : "", s != NULL ? s : "-");
	}
	printf("\n");
	return 0;
}

static int
query_print(struct cli *c, const char *sql, const struct store_val *v, int nv)
{
	struct err e;

	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (store_query(c->st, sql, v, nv, print_row, NULL, &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	return 0;
}

/* gate user disable|enable|delete NAME: the account's sessions end at
 * once (the gate drops them within a second) except for enable. */
static int
gate_user_change(struct cli *c, const char *verb, const char *name)
{
	struct err e;
	int rc;

	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (!strcmp(verb, "delete"))
		rc = gate_db_user_delete(c->st, name, c->actor, &e);
	else
		rc = gate_db_user_disable(c->st, name, !strcmp(verb, "disable"),
					  c->actor, &e);
	if (rc < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	printf("gate user '%s' %sd\n", name, verb);
	return 0;
}

static int
gate_user(struct cli *c, int argc, char **argv)
{
	const char *groups = "", *display = NULL, *pos[1];
	const struct opt opts[] = {{"groups", 1, &groups, NULL},
				   {"display", 1, &display, NULL},
				   {NULL, 0, NULL, NULL}};
	char pw[1100];
	struct err e;
	int rc;

	if (argc == 2 && !strcmp(argv[1], "list"))
		return query_print(c,
				   "SELECT name, groups, coalesce(display, "
				   "''), CASE WHEN totp_secret IS NULL THEN "
				   "'password' ELSE 'password+totp' END, "
				   "CASE WHEN bound <> 0 THEN 'bound' ELSE "
				   "'unbound' END, CASE WHEN totp_secret "
				   "IS NULL AND enrol_until > ? THEN "
				   "enrol_until END AS invited_until, "
				   "CASE WHEN disabled <> 0 THEN 'disabled' "
				   "ELSE 'enabled' END FROM gate_users "
				   "ORDER BY name",
				   (struct store_val[]){SV_INT(time_now())}, 1);
	if (argc == 3 &&
	    (!strcmp(argv[1], "disable") || !strcmp(argv[1], "enable") ||
	     !strcmp(argv[1], "delete")))
		return gate_user_change(c, argv[1], argv[2]);
	if (argc < 2 ||
	    (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "passwd") != 0) ||
	    cli_parse(argc - 1, argv + 1, !strcmp(argv[1], "add") ? opts : NULL,
		      pos, 1, usage_text) != 1)
		return usage();
	if (fgets(pw, sizeof(pw), stdin) == NULL) {
		cli_error("no password on standard input");
		return EXIT_USAGE;
	}
	pw[strcspn(pw, "\r\n")] = '\0';
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (!strcmp(argv[1], "add"))
		rc = gate_db_user_add(c->st, pos[0], display, groups, pw,
				      c->actor, &e);
	else
		rc = gate_db_user_password(c->st, pos[0], pw, c->actor, &e);
	explicit_bzero(pw, sizeof(pw));
	if (rc < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "add"))
		printf("gate user '%s' saved\n", pos[0]);
	else
		printf("password of gate user '%s' set; its sessions end\n",
		       pos[0]);
	return 0;
}

static int
gate_totp(struct cli *c, const char *name)
{
	char secret[40], rec[10][10];
	struct buf uri = BUF_INIT(1024), qr = BUF_INIT(64 * 1024);
	struct err e;

	if (cli_key(c) < 0)
		return EXIT_USAGE;
	if (gate_totp_secret(secret) < 0) {
		cli_error("cannot make a TOTP secret");
		return EXIT_USAGE;
	}
	if (gate_db_totp_set(c->st, &c->key, name, secret, 0, rec, c->actor,
			     &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (gate_totp_uri(&uri, "govsec", name, secret) < 0 ||
	    gate_qr_text(&qr, uri.data) < 0) {
		cli_error("cannot encode the enrolment URI");
		return EXIT_USAGE;
	}
	printf("secret: %s\nuri: %s\n\n%s\nrecovery codes (each works once; "
	       "keep them offline):\n",
	       secret, uri.data, qr.data);
	for (int i = 0; i < 10; i++)
		printf("  %s\n", rec[i]);
	explicit_bzero(secret, sizeof(secret));
	buf_cleanup(&uri);
	buf_cleanup(&qr);
	return 0;
}

/* gate invite NAME [--hours N]: lets the user set up TOTP at the portal's
 * next login within N hours (72; 0 withdraws the invitation). */
static int
gate_invite(struct cli *c, int argc, char **argv)
{
	const char *hours = "72", *pos[1];
	const struct opt opts[] = {{"hours", 1, &hours, NULL},
				   {NULL, 0, NULL, NULL}};
	long long h;
	struct err e;

	if (cli_parse(argc, argv, opts, pos, 1, usage_text) != 1)
		return EXIT_USAGE;
	if (str_to_ll(hours, 0, 720, &h) < 0) {
		cli_error("--hours '%s' is not a number of hours from 0 to 720",
			  hours);
		return EXIT_USAGE;
	}
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (gate_db_invite(c->st, pos[0], h > 0 ? time_now() + h * 3600 : 0,
			   c->actor, &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (h > 0)
		printf("'%s' may set up a second factor at the gate's login "
		       "page within %lld hours\n",
		       pos[0], h);
	else
		printf("invitation of '%s' withdrawn\n", pos[0]);
	return 0;
}

int
cmd_gate(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	struct err e;
	int rc = 0;

	if (!strcmp(verb, "import"))
		return gate_import(c, argc - 1, argv + 1);
	if (!strcmp(verb, "export"))
		return gate_export(c, argc - 1, argv + 1);
	if (!strcmp(verb, "test"))
		return gate_test(c, argc - 1, argv + 1);
	if (!strcmp(verb, "user"))
		return gate_user(c, argc - 1, argv + 1);
	if (!strcmp(verb, "invite"))
		return gate_invite(c, argc - 1, argv + 1);
	if (!strcmp(verb, "devices") && argc == 2)
		return query_print(c,
				   "SELECT id, user, CASE WHEN approved <> 0 "
				   "THEN 'approved' ELSE 'pending' END, "
				   "created, CASE WHEN factors > 1 THEN "
				   "'2 factors' ELSE '1 factor' END, "
				   "coalesce(address, '-'), coalesce(label, "
				   "'') FROM gate_devices ORDER BY created",
				   NULL, 0);
	if (!strcmp(verb, "lockouts") && argc == 2)
		return query_print(c,
				   "SELECT key, failures, locked_until FROM "
				   "gate_failures ORDER BY key",
				   NULL, 0);
	if (!strcmp(verb, "sessions") && argc == 2) {
		struct buf sql = BUF_INIT(4096);
		struct store_val now = SV_INT(time_now());

		buf_printf(&sql,
			   "SELECT id, user, device, factors || ' factor(s)', "
			   "created AS created_time, seen AS seen_time, state "
			   "FROM (%s) AS s",
			   gate_db_sessions_sql);
		rc = query_print(c, sql.data, &now, 1);
		buf_cleanup(&sql);
		return rc;
	}
	if (!strcmp(verb, "keys") && argc == 2)
		return query_print(c,
				   "SELECT id, user, CASE alg WHEN -7 THEN "
				   "'ES256' WHEN -8 THEN 'EdDSA' WHEN -257 "
				   "THEN 'RS256' ELSE alg END, coalesce(label, "
				   "''), created, coalesce(last_used, 'never') "
				   "FROM gate_webauthn ORDER BY user, created",
				   NULL, 0);
	if (!strcmp(verb, "stats") && argc == 2)
		return query_print(c,
				   "SELECT rule, allows, denies FROM "
				   "gate_rule_stats ORDER BY rule",
				   NULL, 0);
	if (argc != 3)
		return usage();
	if (!strcmp(verb, "totp"))
		return gate_totp(c, argv[2]);
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (!strcmp(verb, "bind") || !strcmp(verb, "unbind"))
		rc = gate_db_user_bind(c->st, argv[2], !strcmp(verb, "bind"),
				       c->actor, &e);
	else if (!strcmp(verb, "approve"))
		rc = gate_db_device_approve(c->st, argv[2], c->actor, &e);
	else if (!strcmp(verb, "unapprove"))
		rc = gate_db_device_unapprove(c->st, argv[2], c->actor, &e);
	else if (!strcmp(verb, "device-rm"))
		rc = gate_db_device_delete(c->st, argv[2], c->actor, &e);
	else if (!strcmp(verb, "revoke"))
		rc = gate_db_revoke(c->st, argv[2], c->actor, &e);
	else if (!strcmp(verb, "key-rm"))
		rc = gate_db_key_remove(c->st, argv[2], c->actor, &e);
	else if (!strcmp(verb, "revoke-session"))
		rc = gate_db_session_revoke(c->st, argv[2], c->actor, &e);
	else if (!strcmp(verb, "unlock"))
		rc = gate_db_unlock(c->st, argv[2], c->actor, &e);
	else
		return usage();
	if (rc < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	printf("done\n");
	return 0;
}
