/*
 * cmd_cfcase.c: govsec counterfeit case|complaint|hits|takedown: the
 * counterfeit cases (open, confirm, decide, take down, refer), the
 * complaints and hits behind them, and the takedown outputs. A small
 * table of subcommands; options are checked here, the work is in
 * src/counterfeit (cases.h). Exit status 2 for bad input, including a
 * step the case's state does not allow.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "counterfeit/cases.h"

#define CASE_USAGE                                                             \
	"govsec counterfeit case list [--state STATE] [--limit N]\n"           \
	"govsec counterfeit case show ID\n"                                    \
	"govsec counterfeit case open --hit ID | --hits | --kind "             \
	"domain|app|account --candidate NAME [--platform P] [--unit USCC] "    \
	"[--note TEXT]\n"                                                      \
	"govsec counterfeit case confirm|note|takedown|done ID [--note TEXT] " \
	"[--address IP,...] [--unit USCC]\n"                                   \
	"govsec counterfeit case decide ID --decision "                        \
	"counterfeit|genuine|not_government --note TEXT [--address IP,...]\n"  \
	"govsec counterfeit case refer ID --agency NAME [--reference REF] "    \
	"[--note TEXT]"

static void
print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s != NULL)
		puts(s);
	free(s);
}

static const char *
jget(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "-";
}

static int
case_list(struct cli *c, int argc, char **argv)
{
	const char *state = NULL, *limit = NULL;
	const struct opt opts[] = {{"state", 1, &state, NULL},
				   {"limit", 1, &limit, NULL},
				   {"format", 1, &c->format, NULL},
				   {NULL, 0, NULL, NULL}};
	long long n = CF_LIST_MAX;
	struct err e;
	json_t *arr, *o;
	size_t i;

	if (cli_parse(argc, argv, opts, NULL, 0, CASE_USAGE) < 0 ||
	    (limit != NULL && str_to_ll(limit, 1, CF_LIST_MAX, &n) < 0)) {
		if (limit != NULL)
			cli_error("--limit: a number from 1 to %d",
				  CF_LIST_MAX);
		return EXIT_USAGE;
	}
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if ((arr = cf_case_list(c->st, state, n, &e)) == NULL) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (cli_json(c))
		print_json(arr);
	else
		json_array_foreach(arr, i, o) printf(
		    "%-21s %-18s %-7s %s%s%s\n", jget(o, "id"),
		    jget(o, "state"), jget(o, "kind"), jget(o, "candidate"),
		    json_is_string(json_object_get(o, "unit_name")) ? "  ~ "
								    : "",
		    json_is_string(json_object_get(o, "unit_name"))
			? jget(o, "unit_name")
			: "");
	json_decref(arr);
	return 0;
}

static int
case_show(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	const struct opt opts[] = {{"format", 1, &c->format, NULL},
				   {NULL, 0, NULL, NULL}};
	json_t *o, *h;
	struct err e;
	size_t i;

	if (cli_parse(argc, argv, opts, pos, 1, CASE_USAGE) != 1)
		return EXIT_USAGE;
	if (cli_key(c) < 0)
		return EXIT_USAGE;
	if ((o = cf_case_json(c->st, pos[0], &c->key, &e)) == NULL) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (cli_json(c)) {
		print_json(o);
		json_decref(o);
		return 0;
	}
	printf("case      %s\nstate     %s\nkind      %s\ncandidate %s\n",
	       jget(o, "id"), jget(o, "state"), jget(o, "kind"),
	       jget(o, "candidate"));
	if (json_is_string(json_object_get(o, "platform")))
		printf("platform  %s\n", jget(o, "platform"));
	printf("imitates  %s %s\nsource    %s\nopened    %s by %s\n",
	       jget(o, "unit"), jget(o, "unit_name"), jget(o, "source"),
	       jget(o, "opened"), jget(o, "opened_by"));
	printf("history:\n");
	json_array_foreach(json_object_get(o, "history"), i, h)
	{
		printf("  %s %-8s -> %-18s %s", jget(h, "at"),
		       jget(h, "action"), jget(h, "state"), jget(h, "actor"));
		if (json_is_string(json_object_get(h, "note")))
			printf(": %s", jget(h, "note"));
		putchar('\n');
	}
	printf("hits: %zu, complaints: %zu%s\n",
	       json_array_size(json_object_get(o, "hits")),
	       json_array_size(json_object_get(o, "complaints")),
	       json_is_object(json_object_get(o, "referral"))
		   ? ", referred (see --format json)"
		   : "");
	json_decref(o);
	return 0;
}

static int
case_open(struct cli *c, int argc, char **argv)
{
	const char *hit = NULL, *kind = NULL, *cand = NULL, *platform = NULL,
		   *unit = NULL, *note = NULL;
	int all = 0, created = 0;
	const struct opt opts[] = {
	    {"hit", 1, &hit, NULL},	      {"hits", 0, NULL, &all},
	    {"kind", 1, &kind, NULL},	      {"candidate", 1, &cand, NULL},
	    {"platform", 1, &platform, NULL}, {"unit", 1, &unit, NULL},
	    {"note", 1, &note, NULL},	      {NULL, 0, NULL, NULL}};
	char id[CF_ID_MAX];
	struct err e;

	if (cli_parse(argc, argv, opts, NULL, 0, CASE_USAGE) < 0)
		return EXIT_USAGE;
	if ((hit != NULL) + all + (kind != NULL || cand != NULL) != 1 ||
	    ((kind != NULL || cand != NULL) &&
	     (kind == NULL || cand == NULL))) {
		cli_error("give one of --hit ID, --hits or --kind with "
			  "--candidate\nusage: %s",
			  CASE_USAGE);
		return EXIT_USAGE;
	}
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (all) {
		long long n;

		if (cf_case_open_hits(c->st, c->actor, &n, &e) < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		printf("%lld hits taken into cases\n", n);
		return 0;
	}
	if (hit != NULL) {
		if (cf_case_open_hit(c->st, hit, c->actor, id, &e) < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
	} else {
		struct cf_subject s = {kind, cand,     platform, unit,
				       NULL, "manual", note};

		if (cf_case_open(c->st, &s, c->actor, id, &created, &e) < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		if (!created)
			fprintf(stderr, "govsec: joined the open case %s\n",
				id);
	}
	puts(id);
	return 0;
}

static int
case_step(struct cli *c, enum cf_action a, int argc, char **argv)
{
	const char *pos[1], *note = NULL, *addr = NULL, *decision = NULL,
			    *agency = NULL, *ref = NULL, *unit = NULL;
	const struct opt opts[] = {
	    {"note", 1, &note, NULL},	  {"unit", 1, &unit, NULL},
	    {"address", 1, &addr, NULL},  {"decision", 1, &decision, NULL},
	    {"agency", 1, &agency, NULL}, {"reference", 1, &ref, NULL},
	    {NULL, 0, NULL, NULL}};
	struct cf_step s;
	struct err e;

	if (cli_parse(argc, argv, opts, pos, 1, CASE_USAGE) != 1)
		return EXIT_USAGE;
	if ((decision != NULL) != (a == CFA_DECIDE) ||
	    ((agency != NULL || ref != NULL) && a != CFA_REFER)) {
		cli_error("--decision goes with decide, --agency and "
			  "--reference with refer\nusage: %s",
			  CASE_USAGE);
		return EXIT_USAGE;
	}
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	memset(&s, 0, sizeof(s));
	s.action = a;
	s.note = note;
	s.addresses = addr;
	s.decision = decision;
	s.agency = agency;
	s.reference = ref;
	s.unit = unit;
	if (cf_case_step(c->st, pos[0], &s, c->actor, &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	return 0;
}

static int
case_cmd(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	int a;

	if (!strcmp(verb, "list"))
		return case_list(c, argc - 1, argv + 1);
	if (!strcmp(verb, "show"))
		return case_show(c, argc - 1, argv + 1);
	if (!strcmp(verb, "open"))
		return case_open(c, argc - 1, argv + 1);
	if ((a = cf_action_parse(verb)) >= 0)
		return case_step(c, (enum cf_action)a, argc - 1, argv + 1);
	cli_error("unknown case command '%s'\nusage: %s", verb, CASE_USAGE);
	return EXIT_USAGE;
}

static int
complaint_cmd(struct cli *c, int argc, char **argv)
{
	const struct opt opts[] = {{"format", 1, &c->format, NULL},
				   {NULL, 0, NULL, NULL}};
	json_t *arr, *o;
	struct err e;
	size_t i;

	if (argc < 2 || strcmp(argv[1], "list") != 0 ||
	    cli_parse(argc - 1, argv + 1, opts, NULL, 0,
		      "govsec counterfeit complaint list") < 0) {
		cli_error("usage: govsec counterfeit complaint list");
		return EXIT_USAGE;
	}
	if (cli_key(c) < 0)
		return EXIT_USAGE;
	if ((arr = cf_complaint_list(c->st, &c->key, CF_LIST_MAX, &e)) ==
	    NULL) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (cli_json(c))
		print_json(arr);
	else
		json_array_foreach(arr, i, o)
		    printf("%-21s %s %-7s %-21s %s\n", jget(o, "id"),
			   jget(o, "received"), jget(o, "kind"),
			   jget(o, "case_id"), jget(o, "target"));
	json_decref(arr);
	return 0;
}

static int
hits_cmd(struct cli *c, int argc, char **argv)
{
	int unassigned = 0;
	const struct opt opts[] = {{"unassigned", 0, NULL, &unassigned},
				   {"format", 1, &c->format, NULL},
				   {NULL, 0, NULL, NULL}};
	json_t *arr, *o;
	struct err e;
	size_t i;

	if (cli_parse(argc, argv, opts, NULL, 0,
		      "govsec counterfeit hits [--unassigned]") < 0)
		return EXIT_USAGE;
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if ((arr = cf_hit_list(c->st, unassigned, CF_LIST_MAX, &e)) == NULL) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (cli_json(c))
		print_json(arr);
	else
		json_array_foreach(arr, i, o) printf(
		    "%-16s %3lld %-7s %-30s ~ %s  %s  [%s]\n", jget(o, "id"),
		    (long long)json_integer_value(json_object_get(o, "score")),
		    jget(o, "kind"), jget(o, "candidate"), jget(o, "protected"),
		    jget(o, "reason"), jget(o, "case_id"));
	json_decref(arr);
	return 0;
}

#define TAKEDOWN_USAGE                                                         \
	"govsec counterfeit takedown write DIR [--warning-host HOST] "         \
	"[--zone NAME] [--ttl S]\n"                                            \
	"govsec counterfeit takedown show\n"                                   \
	"govsec counterfeit takedown notice ID [--html]"

static int
takedown_cmd(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "", *pos[1], *host = NULL,
		   *zone = NULL, *ttl = NULL;
	int html = 0;
	const struct opt opts[] = {
	    {"warning-host", 1, &host, NULL}, {"zone", 1, &zone, NULL},
	    {"ttl", 1, &ttl, NULL},	      {"html", 0, NULL, &html},
	    {"format", 1, &c->format, NULL},  {NULL, 0, NULL, NULL}};
	struct cf_takedown_opts o;
	struct cf_takedown_result r;
	struct err e;
	int n;

	n = cli_parse(argc - 1, argv + 1, opts, pos, 1, TAKEDOWN_USAGE);
	if (n < 0)
		return EXIT_USAGE;
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (!strcmp(verb, "write") && n == 1 && !html) {
		long long t = c->cfg.td_ttl;

		cf_takedown_opts_init(&o);
		o.zone = zone ? zone : c->cfg.td_zone;
		o.warning_host = host ? host : c->cfg.td_warning_host;
		if (ttl != NULL && str_to_ll(ttl, 0, 86400, &t) < 0) {
			cli_error("--ttl: seconds from 0 to 86400");
			return EXIT_USAGE;
		}
		o.ttl = (int)t;
		if (cf_takedown_write(c->st, pos[0], &o, &r, &e) < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		printf("serial %lld%s: %lld domains, %lld addresses, %lld "
		       "apps, %lld accounts stopped; %lld refused\n",
		       r.serial, r.changed ? " (changed)" : "", r.domains,
		       r.addresses, r.apps, r.accounts, r.refused);
		return 0;
	}
	if (!strcmp(verb, "show") && n == 0) {
		json_t *j = cf_takedown_json(c->st, &e);

		if (j == NULL) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		print_json(j);
		json_decref(j);
		return 0;
	}
	if (!strcmp(verb, "notice") && n == 1) {
		struct buf b = BUF_INIT(1 << 20);

		if (cf_takedown_notice(c->st, pos[0], html, &b, &e) < 0) {
			buf_cleanup(&b);
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		fputs(b.data, stdout);
		buf_cleanup(&b);
		return 0;
	}
	cli_error("usage: %s", TAKEDOWN_USAGE);
	return EXIT_USAGE;
}

/* The subcommands of govsec counterfeit kept here (the matcher's scan
 * lives in its own file; the lead merges both tables). */
static const struct {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
} subs[] = {
    {"case", case_cmd},
    {"complaint", complaint_cmd},
    {"hits", hits_cmd},
    {"takedown", takedown_cmd},
};

int
cmd_cfcase(struct cli *c, int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "";

	/* argv from the subcommand's name on (cmd_counterfeit's table) */
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (!strcmp(subs[i].name, sub))
			return subs[i].fn(c, argc, argv);
	cli_error("unknown counterfeit command '%s' (case, complaint, hits, "
		  "takedown)",
		  sub);
	return EXIT_USAGE;
}
