/*
 * cmd_inspect.c: govsec inspect URL (the portal inspector), govsec links
 * list | diff (the link list, LINK-2) and govsec leave-link URL (LINK-3's
 * signed leave-site links). Options are checked here; the work is in
 * src/inspect.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "inspect/inspect.h"

static int
num_opt(const char *name, const char *v, long long min, long long max,
	long long *out)
{
	if (v == NULL)
		return 0;
	if (str_to_ll(v, min, max, out) < 0) {
		cli_error("--%s: '%s' is not a number in %lld..%lld", name, v,
			  min, max);
		return -1;
	}
	return 0;
}

/* The progress line on a terminal's stderr, rewritten in place. */
static void
tty_progress(void *arg, const struct insp_progress *p)
{
	(void)arg;
	fprintf(stderr,
		"\r\033[Kinspect: %zu page(s), %zu of %zu link(s) checked, "
		"%.1f page(s)/s",
		p->pages, p->checked, p->links,
		p->seconds > 0 ? p->pages / p->seconds : 0.0);
	fflush(stderr);
}

int
cmd_inspect(struct cli *c, int argc, char **argv)
{
	const char *pos[1], *pages = NULL, *depth = NULL, *bytes = NULL,
			    *seconds = NULL, *timeout = NULL, *conc = NULL,
			    *perhost = NULL, *delay = NULL, *retries = NULL,
			    *resolve = NULL, *inter = NULL, *logo = NULL,
			    *output = NULL, *datadir = NULL, *cacert = NULL;
	int allow_private = 0, no_robots = 0, no_external = 0, no_store = 0;
	const struct opt opts[] = {{"format", 1, &c->format, NULL},
				   {"allow-private", 0, NULL, &allow_private},
				   {"no-robots", 0, NULL, &no_robots},
				   {"no-external", 0, NULL, &no_external},
				   {"no-store", 0, NULL, &no_store},
				   {"max-pages", 1, &pages, NULL},
				   {"max-depth", 1, &depth, NULL},
				   {"max-bytes", 1, &bytes, NULL},
				   {"max-seconds", 1, &seconds, NULL},
				   {"timeout", 1, &timeout, NULL},
				   {"concurrency", 1, &conc, NULL},
				   {"per-host", 1, &perhost, NULL},
				   {"delay", 1, &delay, NULL},
				   {"retries", 1, &retries, NULL},
				   {"resolve", 1, &resolve, NULL},
				   {"interstitial", 1, &inter, NULL},
				   {"logo", 1, &logo, NULL},
				   {"data", 1, &datadir, NULL},
				   {"cacert", 1, &cacert, NULL},
				   {"output", 1, &output, NULL},
				   {NULL, 0, NULL, NULL}};
	const char *usage =
	    "govsec inspect URL [--format text|json|sarif|junit|html] "
	    "[--allow-private] [--no-robots] [--no-external] [--no-store] "
	    "[--max-pages N] [--max-depth N] [--max-bytes N] [--max-seconds N]"
	    " [--timeout S] [--concurrency N] [--per-host N] [--delay MS] "
	    "[--retries N] [--resolve HOST=ADDR,...] [--interstitial "
	    "PREFIX,...] [--logo SUBSTRING] [--cacert FILE] [--output FILE]";
	struct insp_opts o;
	struct insp_result *r;
	struct insp_prev *prev = NULL;
	struct map reg;
	long long v;
	struct err e;
	char bases[sizeof(c->cfg.ecert_url) + sizeof(c->cfg.badge_urls)];
	int fmt, rc = 0, fails = 0;
	FILE *out = stdout;

	if (cli_parse(argc, argv, opts, pos, 1, usage) != 1) {
		cli_error("usage: %s", usage);
		return EXIT_USAGE;
	}
	fmt = insp_format_parse(c->format);
	if (fmt < 0) {
		cli_error("unknown format '%s' (text, json, sarif, junit or "
			  "html)",
			  c->format);
		return EXIT_USAGE;
	}
	insp_opts_init(&o);
	o.allow_private = allow_private;
	o.robots = !no_robots;
	o.external = !no_external;
#define NUM(name, var, min, max, field)                                        \
	do {                                                                   \
		if ((var) != NULL) {                                           \
			if (num_opt(name, var, min, max, &v) < 0)              \
				return EXIT_USAGE;                             \
			o.field = v;                                           \
		}                                                              \
	} while (0)
	NUM("max-pages", pages, 1, 10000000, max_pages);
	NUM("max-depth", depth, 0, 1000, max_depth);
	NUM("max-bytes", bytes, 1024, 1LL << 32, max_bytes);
	NUM("max-seconds", seconds, 1, 7 * 86400, max_seconds);
	NUM("timeout", timeout, 1, 600, timeout);
	NUM("concurrency", conc, 1, 1024, concurrency);
	NUM("per-host", perhost, 1, 1024, per_host);
	NUM("delay", delay, 0, 60000, delay_ms);
	NUM("retries", retries, 0, 10, retries);
#undef NUM
	o.resolve = resolve;
	o.interstitials = inter;
	o.logo_pattern = logo;
	o.cacert = cacert;
	/* govsec badges of this service's public listener (LOGO-1) */
	str_fmt(bases, sizeof(bases), "%s %s", c->cfg.ecert_url,
		c->cfg.badge_urls);
	o.badge_bases = bases;
	if (datadir != NULL)
		o.datadir = datadir;
	map_init(&reg);
	if (!no_store) {
		char *host;

		if (cli_store(c) < 0)
			return EXIT_USAGE;
		if (insp_registered(c->st, &reg, &e) < 0) {
			cli_error("%s", e.msg);
			map_cleanup(&reg);
			return EXIT_USAGE;
		}
		o.registered = &reg;
		o.logo = insp_logo_lookup;
		o.logo_arg = c->st;
		host = url_host(pos[0]);
		if (host != NULL) {
			prev = insp_prev_load(c->st, host);
			o.prev = insp_prev_lookup;
			o.prev_arg = prev;
		}
		free(host);
	}
	/* never into the report: stderr, and only when a person watches */
	if (isatty(STDERR_FILENO))
		o.progress = tty_progress;
	r = insp_run(pos[0], &o, &e);
	if (o.progress != NULL)
		fputs("\r\033[K", stderr);
	insp_prev_free(prev);
	if (r == NULL) {
		cli_error("%s", e.msg);
		map_cleanup(&reg);
		return EXIT_USAGE;
	}
	if (!no_store && insp_store_save(c->st, r, &e) < 0) {
		cli_error("cannot keep the link list: %s", e.msg);
		rc = EXIT_USAGE;
	}
	if (output != NULL && (out = fopen(output, "w")) == NULL) {
		cli_error("cannot write '%s'", output);
		rc = EXIT_USAGE;
		out = NULL;
	}
	if (out != NULL && (insp_report(r, (enum insp_format)fmt, out) < 0 ||
			    (out != stdout && fclose(out) != 0))) {
		cli_error("cannot write the report");
		rc = EXIT_USAGE;
	}
	for (size_t i = 0; i < r->nfindings; i++)
		fails += strcmp(r->findings[i].status, "fail") == 0;
	insp_result_free(r);
	map_cleanup(&reg);
	if (rc != 0)
		return rc;
	return fails > 0 ? EXIT_FINDINGS : 0;
}

/* ---- govsec links ---- */

struct list_ctx {
	int json;
	json_t *arr;
};

static int
list_row(void *arg, struct store_row *r)
{
	struct list_ctx *l = arg;
	const char *fo = store_row_text(r, 6);
	json_t *found = json_loads(fo ? fo : "[]", 0, NULL);

	if (l->json) {
		json_array_append_new(
		    l->arr,
		    json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:s?, s:o, s:s, s:s, "
			"s:b}",
			"host", store_row_text(r, 0), "url",
			store_row_text(r, 1), "status", store_row_text(r, 2),
			"reason", store_row_text(r, 3), "class",
			store_row_text(r, 4), "prompt", store_row_text(r, 5),
			"found_on", found ? found : json_array(), "first_seen",
			store_row_text(r, 7), "last_checked",
			store_row_text(r, 8), "internal",
			(int)store_row_int(r, 9)));
		return 0;
	}
	printf("%-8s %-22s %-11s %-12s %s\t%s\n", store_row_text(r, 2),
	       *store_row_text(r, 3) ? store_row_text(r, 3) : "-",
	       store_row_text(r, 4),
	       store_row_text(r, 5) ? store_row_text(r, 5) : "-",
	       store_row_text(r, 1),
	       json_array_size(found) > 0
		   ? json_string_value(json_array_get(found, 0))
		   : "");
	json_decref(found);
	return 0;
}

static int
links_list(struct cli *c, int argc, char **argv)
{
	const char *host = NULL, *status = NULL;
	int external = 0;
	const struct opt opts[] = {{"host", 1, &host, NULL},
				   {"status", 1, &status, NULL},
				   {"external", 0, NULL, &external},
				   {"format", 1, &c->format, NULL},
				   {NULL, 0, NULL, NULL}};
	struct list_ctx l = {cli_json(c), NULL};
	struct store_val v[3];
	struct err e;

	if (cli_parse(argc, argv, opts, NULL, 0,
		      "govsec links list [--host HOST] [--status "
		      "ok|broken|blocked|skipped] [--external]") < 0)
		return EXIT_USAGE;
	v[0] = SV_TEXT(host);
	v[1] = SV_TEXT(status);
	v[2] = SV_INT(external);
	l.json = cli_json(c);
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	l.arr = json_array();
	if (store_query(
		c->st,
		"SELECT r.host, l.url, l.status, l.reason, l.class, l.prompt, "
		"l.found_on, l.first_seen, l.last_checked, l.internal "
		"FROM insp_links l JOIN insp_runs r ON r.id = l.run "
		"WHERE r.id IN (SELECT max(id) FROM insp_runs GROUP BY host) "
		"AND (?1 IS NULL OR r.host = ?1) AND (?2 IS NULL OR l.status = "
		"?2) AND (?3 = 0 OR l.internal = 0) ORDER BY r.host, l.url",
		v, 3, list_row, &l, &e) < 0) {
		json_decref(l.arr);
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (l.json) {
		json_dumpf(l.arr, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
		putchar('\n');
	}
	json_decref(l.arr);
	return 0;
}

static int
links_diff(struct cli *c, int argc, char **argv)
{
	const char *host = NULL;
	const struct opt opts[] = {{"host", 1, &host, NULL},
				   {"format", 1, &c->format, NULL},
				   {NULL, 0, NULL, NULL}};
	static const char *const titles[3] = {"new broken since last run",
					      "changed targets",
					      "new external hosts"};
	static const char *const keys[3] = {"new_broken", "changed",
					    "new_external_hosts"};
	long long run;
	json_t *root;
	struct err e;

	if (cli_parse(argc, argv, opts, NULL, 0,
		      "govsec links diff --host HOST") < 0)
		return EXIT_USAGE;
	if (host == NULL) {
		cli_error("usage: govsec links diff --host HOST");
		return EXIT_USAGE;
	}
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	{
		struct store_val v[1] = {SV_TEXT(host)};

		run = store_query_int(
		    c->st, "SELECT max(id) FROM insp_runs WHERE host = ?", v, 1,
		    0);
	}
	if (run <= 0) {
		cli_error("host '%s' has not been inspected", host);
		return EXIT_USAGE;
	}
	root = insp_diff(c->st, run, &e);
	if (root == NULL) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (cli_json(c)) {
		json_dumpf(root, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(root);
		return 0;
	}
	for (int k = 0; k < 3; k++) {
		json_t *arr = json_object_get(root, keys[k]), *o;
		size_t i;

		printf("%s: %zu\n", titles[k], json_array_size(arr));
		json_array_foreach(arr, i, o)
		{
			const char *a = json_string_value(
			    json_object_get(o, k == 2 ? "host" : "url"));
			const char *b = json_string_value(
			    json_object_get(o, k == 0	? "reason"
					       : k == 1 ? "what"
							: "host"));

			printf("  %s", a ? a : "");
			if (k != 2)
				printf("\t%s", b ? b : "");
			putchar('\n');
		}
	}
	json_decref(root);
	return 0;
}

int
cmd_links(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";

	if (strcmp(verb, "list") == 0)
		return links_list(c, argc - 1, argv + 1);
	if (strcmp(verb, "diff") == 0)
		return links_diff(c, argc - 1, argv + 1);
	cli_error("usage: govsec links list | diff");
	return EXIT_USAGE;
}

int
cmd_leave_link(struct cli *c, int argc, char **argv)
{
	const char *pos[1], *keyfile = getenv("GOVSEC_LEAVE_KEY"), *base = "";
	const struct opt opts[] = {{"key", 1, &keyfile, NULL},
				   {"base", 1, &base, NULL},
				   {NULL, 0, NULL, NULL}};
	struct buf key, out = BUF_INIT(16384);
	struct err e;
	int rc = 0;

	(void)c;
	if (cli_parse(argc, argv, opts, pos, 1,
		      "govsec leave-link URL --key FILE [--base "
		      "https://portal.example.gov.cn]") != 1 ||
	    keyfile == NULL) {
		cli_error("usage: govsec leave-link URL --key FILE [--base "
			  "URL] (or GOVSEC_LEAVE_KEY=FILE)");
		return EXIT_USAGE;
	}
	if (leave_key_load(keyfile, &key, &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (leave_link(base, pos[0], (const unsigned char *)key.data, key.len,
		       &out, &e) < 0) {
		cli_error("%s", e.msg);
		rc = EXIT_USAGE;
	} else {
		printf("%s\n", out.data);
	}
	buf_cleanup(&out);
	if (key.data != NULL)
		memset(key.data, 0, key.len);
	buf_cleanup(&key);
	return rc;
}
