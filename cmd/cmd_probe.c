/*
 * cmd_probe.c: govsec probe [--app ID | URL]: one availability probe now
 * (GOVWEB-1) of a portal, a URL or every live portal, printed and stored
 * in probe_results like govsecd's scheduled probes. Options are checked
 * here; the work is in src/inspect/probe.c.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "inspect/inspect.h"

/* The registered application that owns target's host, or NULL (heap). */
static char *
owner(struct cli *c, const char *target)
{
	char *host =
	    str_starts(target, "http://") || str_starts(target, "https://")
		? url_host(target)
		: xstrdup(target);
	struct store_val v[1] = {SV_TEXT(host)};
	char *app;

	if (host == NULL)
		return NULL;
	app = store_query_text(c->st, "SELECT app FROM domains WHERE name = ?",
			       v, 1);
	free(host);
	return app;
}

static void
print(const char *app, const struct probe_result *r, json_t *arr)
{
	if (arr != NULL) {
		json_array_append_new(
		    arr, json_pack("{s:s?, s:s, s:s, s:b, s:i, s:s, s:I}",
				   "app", app, "at", r->at, "url", r->url, "ok",
				   r->ok, "status", r->status, "error",
				   r->error, "ms", (json_int_t)r->ms));
		return;
	}
	printf("%-4s %3d %6ld ms  %s", r->ok ? "up" : "down", r->status, r->ms,
	       r->url);
	if (app != NULL)
		printf("  [%s]", app);
	if (r->error[0] != '\0')
		printf("  %s", r->error);
	putchar('\n');
}

int
cmd_probe(struct cli *c, int argc, char **argv)
{
	const char *pos[1] = {NULL}, *app = NULL, *timeout = NULL,
		   *resolve = NULL, *cacert = NULL;
	int allow_private = 0, no_store = 0, npos, rc = 0;
	const struct opt opts[] = {{"app", 1, &app, NULL},
				   {"allow-private", 0, NULL, &allow_private},
				   {"timeout", 1, &timeout, NULL},
				   {"resolve", 1, &resolve, NULL},
				   {"cacert", 1, &cacert, NULL},
				   {"no-store", 0, NULL, &no_store},
				   {"format", 1, &c->format, NULL},
				   {NULL, 0, NULL, NULL}};
	const char *usage =
	    "govsec probe [--app ID | URL | HOST] [--allow-private] "
	    "[--timeout S] [--resolve HOST=ADDR,...] [--cacert FILE] "
	    "[--no-store] [--format text|json]";
	struct probe_target *t = NULL, one;
	struct probe_opts o;
	size_t n = 0;
	json_t *arr = NULL;
	long long v;
	struct err e;

	npos = cli_parse(argc, argv, opts, pos, 1, usage);
	if (npos < 0 || (npos == 1 && app != NULL)) {
		cli_error("usage: %s", usage);
		return EXIT_USAGE;
	}
	probe_opts_init(&o);
	o.timeout = c->cfg.probe_timeout;
	o.allow_private = allow_private || c->cfg.probe_allow_private;
	o.resolve = resolve != NULL ? resolve : c->cfg.probe_resolve;
	o.cacert = cacert;
	if (timeout != NULL) {
		if (str_to_ll(timeout, 1, 120, &v) < 0) {
			cli_error("--timeout: '%s' is not a number in 1..120",
				  timeout);
			return EXIT_USAGE;
		}
		o.timeout = (int)v;
	}
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (npos == 1) {
		one.app = owner(c, pos[0]);
		one.host = xstrdup(pos[0]);
		t = xmalloc(sizeof(*t));
		t[0] = one;
		n = 1;
	} else if (probe_targets(c->st, app, &t, &n, &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	} else if (n == 0) {
		if (app != NULL) {
			cli_error("application '%s' is not registered or has "
				  "no domain",
				  app);
			return EXIT_USAGE;
		}
		fprintf(stderr, "govsec: no live portal with a domain to "
				"probe\n");
	}
	if (cli_json(c))
		arr = json_array();
	for (size_t k = 0; k < n; k++) {
		struct probe_result r;

		if (probe_run(t[k].host, &o, &r, &e) < 0) {
			cli_error("%s", e.msg);
			rc = EXIT_USAGE;
			break;
		}
		if (!no_store && probe_save(c->st, t[k].app, &r, &e) < 0) {
			cli_error("cannot store the result: %s", e.msg);
			rc = EXIT_USAGE;
		}
		print(t[k].app, &r, arr);
		if (!r.ok && rc == 0)
			rc = EXIT_FINDINGS;
	}
	if (arr != NULL) {
		json_dumpf(arr, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(arr);
	}
	probe_targets_free(t, n);
	return rc;
}
