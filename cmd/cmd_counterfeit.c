/*
 * cmd_counterfeit.c: govsec counterfeit SUBCOMMAND: the counterfeit
 * monitor (CF-1..3, issue 12). Here: scan (feeds against the protected
 * set) and protect (show the protected set; register app packages and
 * certificates). Cases, complaints and takedowns live in cmd_cfcase.c and
 * are reached through the table below. The work is in src/counterfeit.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "counterfeit/counterfeit.h"
#include "audit/audit.h"

#define SCAN_USAGE                                                             \
	"govsec counterfeit scan [--kind domain|ct|app|account] [--all] "      \
	"[--regions FILE] FEED..."
#define PROTECT_USAGE                                                          \
	"govsec counterfeit protect list [--what domain|name|region|app]\n"    \
	"govsec counterfeit protect add-app APP --package NAME --cert SHA256"

static void
print_hit(json_t *h)
{
	const char *unit = json_string_value(json_object_get(h, "unit"));

	printf("%3d %-14s %s -> %s%s%s%s: %s\n",
	       (int)json_integer_value(json_object_get(h, "score")),
	       json_string_value(json_object_get(h, "class")),
	       json_string_value(json_object_get(h, "candidate")),
	       json_string_value(json_object_get(h, "protected")),
	       unit ? " [" : "", unit ? unit : "", unit ? "]" : "",
	       json_string_value(json_object_get(h, "reason")));
}

static int
cf_scan_cmd(struct cli *c, int argc, char **argv)
{
	const char *pos[256], *kind_s = NULL, *regions = NULL;
	int all = 0, npos, kind = CF_AUTO, rc = 0, found = 0;
	const struct opt opts[] = {{"kind", 1, &kind_s, NULL},
				   {"all", 0, NULL, &all},
				   {"regions", 1, &regions, NULL},
				   {"format", 1, &c->format, NULL},
				   {NULL, 0, NULL, NULL}};
	struct cf_set *set = NULL;
	json_t *out = json_array();
	struct err e;

	npos =
	    cli_parse(argc, argv, opts, pos, (int)ARRAY_SIZE(pos), SCAN_USAGE);
	if (npos < 0)
		goto usage;
	if (npos == 0) {
		cli_error("no feed given\nusage: %s", SCAN_USAGE);
		goto usage;
	}
	if (kind_s != NULL &&
	    ((kind = cf_kind_parse(kind_s)) < 0 || kind == CF_AUTO)) {
		cli_error("unknown feed kind '%s' (domain, ct, app, account)",
			  kind_s);
		goto usage;
	}
	if (regions == NULL && c->cfg.cf_regions[0] != '\0')
		regions = c->cfg.cf_regions;
	if (cli_store(c) < 0) {
		json_decref(out);
		return EXIT_USAGE;
	}
	set = cf_set_new();
	if (cf_set_load(set, c->st, regions, &e) < 0) {
		cli_error("%s", e.msg);
		rc = EXIT_USAGE;
		goto done;
	}
	for (int i = 0; i < npos; i++) {
		struct cf_scan_result r;
		size_t k;
		json_t *h;

		if (cf_scan_file(c->st, set, pos[i], (enum cf_kind)kind, NULL,
				 all, &r, &e) < 0) {
			cli_error("%s", e.msg);
			cf_scan_result_cleanup(&r);
			rc = EXIT_USAGE;
			continue;
		}
		found |= r.fresh > 0;
		if (cli_json(c)) {
			json_array_append_new(
			    out,
			    json_pack("{s:s, s:s, s:I, s:I, s:I, s:O}", "scan",
				      r.id, "feed", pos[i], "candidates",
				      (json_int_t)r.candidates, "hits",
				      (json_int_t)r.hits, "new",
				      (json_int_t)r.fresh, "report", r.report));
		} else {
			json_array_foreach(r.report, k, h) print_hit(h);
			printf("%s: %lld candidates, %lld hits, %lld new "
			       "(scan %s)\n",
			       pos[i], r.candidates, r.hits, r.fresh, r.id);
		}
		cf_scan_result_cleanup(&r);
	}
	if (cli_json(c)) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	if (rc == 0 && found)
		rc = EXIT_FINDINGS;
done:
	json_decref(out);
	cf_set_free(set);
	cli_store_close(c);
	return rc;
usage:
	json_decref(out);
	return EXIT_USAGE;
}

static const char *const pkind_names[] = {"domain", "name", "region", "app"};

static int
cf_protect_cmd(struct cli *c, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	struct err e;
	int rc = 0;

	if (!strcmp(sub, "list")) {
		const char *what = NULL, *regions = NULL;
		const struct opt opts[] = {{"what", 1, &what, NULL},
					   {"regions", 1, &regions, NULL},
					   {"format", 1, &c->format, NULL},
					   {NULL, 0, NULL, NULL}};
		struct cf_set *set;
		json_t *a = json_array();

		if (cli_parse(argc - 1, argv + 1, opts, NULL, 0,
			      PROTECT_USAGE) < 0) {
			json_decref(a);
			return EXIT_USAGE;
		}
		if (cli_store(c) < 0) {
			json_decref(a);
			return EXIT_USAGE;
		}
		set = cf_set_new();
		if (cf_set_load(set, c->st, regions, &e) < 0) {
			cli_error("%s", e.msg);
			rc = EXIT_USAGE;
		}
		for (size_t i = 0; rc == 0 && i < set->n; i++) {
			const struct cf_prot *p = &set->items[i];

			if (what != NULL && strcmp(what, pkind_names[p->kind]))
				continue;
			if (cli_json(c))
				json_array_append_new(
				    a, json_pack("{s:s, s:s, s:s, s:s?, s:s?, "
						 "s:s?, s:s?, s:s?}",
						 "kind", pkind_names[p->kind],
						 "what", p->what, "text",
						 p->text, "unit", p->unit,
						 "app", p->app, "key", p->brand,
						 "suffix", p->suffix,
						 "platform", p->platform));
			else
				printf("%-7s %-12s %s  (%s)%s%s\n",
				       pkind_names[p->kind], p->what, p->text,
				       p->brand, p->unit ? "  " : "",
				       p->unit ? p->unit : "");
		}
		if (rc == 0 && cli_json(c)) {
			json_dumpf(a, stdout, JSON_INDENT(2));
			putchar('\n');
		}
		json_decref(a);
		cf_set_free(set);
		cli_store_close(c);
		return rc;
	}
	if (!strcmp(sub, "add-app")) {
		const char *pos[1] = {NULL}, *package = NULL, *cert = NULL;
		const struct opt opts[] = {{"package", 1, &package, NULL},
					   {"cert", 1, &cert, NULL},
					   {NULL, 0, NULL, NULL}};
		char obj[128], dig[AUDIT_HASH_HEX];

		if (cli_parse(argc - 1, argv + 1, opts, pos, 1,
			      PROTECT_USAGE) != 1 ||
		    package == NULL || cert == NULL) {
			cli_error("usage: %s", PROTECT_USAGE);
			return EXIT_USAGE;
		}
		if (cli_store(c) < 0)
			return EXIT_USAGE;
		str_fmt(obj, sizeof(obj), "app:%s", pos[0]);
		audit_digest(package, strlen(package), dig);
		if (store_begin(c->st, &e) < 0 ||
		    cf_app_id_add(c->st, pos[0], package, cert, c->actor, &e) <
			0 ||
		    audit_append(c->st, c->actor, "counterfeit.app_id", obj,
				 NULL, dig, &e) < 0 ||
		    store_commit(c->st, &e) < 0) {
			store_rollback(c->st);
			cli_error("%s", e.msg);
			rc = EXIT_USAGE;
		}
		cli_store_close(c);
		return rc;
	}
	cli_error("unknown subcommand 'protect %s'\nusage: %s", sub,
		  PROTECT_USAGE);
	return EXIT_USAGE;
}

/*
 * The subcommands; each gets the arguments from its own name on.
 */
static const struct {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
} subcommands[] = {
    {"scan", cf_scan_cmd}, {"protect", cf_protect_cmd},
    /* cases, complaints and takedowns (cmd_cfcase.c) */
    {"case", cmd_cfcase},
    {"complaint", cmd_cfcase},
    {"hits", cmd_cfcase},
    {"takedown", cmd_cfcase},
};

int
cmd_counterfeit(struct cli *c, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (!strcmp(sub, subcommands[i].name))
			return subcommands[i].fn(c, argc - 1, argv + 1);
	cli_error("unknown subcommand 'counterfeit %s' (try govsec counterfeit "
		  "--help)",
		  sub);
	return EXIT_USAGE;
}
