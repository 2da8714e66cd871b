/*
 * cmd_validate.c: the validators that stand alone: govsec uscc, domain and
 * name check. Exit 0 all valid, 1 some invalid, 2 usage error.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "registry/registry.h"

static const char *
uscc_class_name(enum uscc_class k)
{
	return k == USCC_ORGAN	       ? "organ"
	       : k == USCC_INSTITUTION ? "public institution"
				       : "other";
}

int
cmd_uscc(struct cli *c, int argc, char **argv)
{
	const char *pos[256];
	int n, bad = 0;
	json_t *arr = json_array();

	n = cli_parse(argc, argv, NULL, pos, 256, "govsec uscc CODE...");
	if (n <= 0) {
		if (n == 0)
			cli_error("usage: govsec uscc CODE...");
		json_decref(arr);
		return EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		struct err why, warn;
		int ok;

		why.msg[0] = warn.msg[0] = '\0';
		ok = uscc_check(pos[i], &why, &warn) == 0;
		bad += !ok;
		if (cli_json(c)) {
			json_t *o =
			    json_pack("{s:s,s:b}", "code", pos[i], "valid", ok);

			if (ok)
				json_object_set_new(o, "class",
						    json_string(uscc_class_name(
							uscc_class(pos[i]))));
			else
				json_object_set_new(o, "reason",
						    json_string(why.msg));
			if (warn.msg[0] != '\0')
				json_object_set_new(o, "warning",
						    json_string(warn.msg));
			json_array_append_new(arr, o);
		} else if (ok) {
			printf("%s: valid (%s, region %.6s)%s%s\n", pos[i],
			       uscc_class_name(uscc_class(pos[i])), pos[i] + 2,
			       warn.msg[0] ? "; warning: " : "", warn.msg);
		} else {
			printf("%s: invalid: %s\n", pos[i], why.msg);
		}
	}
	if (cli_json(c)) {
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
	}
	json_decref(arr);
	return bad ? EXIT_FINDINGS : 0;
}

int
cmd_domain(struct cli *c, int argc, char **argv)
{
	const char *pos[256];
	int n, bad = 0;
	json_t *arr = json_array();

	n = cli_parse(argc, argv, NULL, pos, 256, "govsec domain NAME...");
	if (n <= 0) {
		if (n == 0)
			cli_error("usage: govsec domain NAME...");
		json_decref(arr);
		return EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		struct domain_info di;
		struct err why;

		if (domain_parse(pos[i], &di, &why) < 0) {
			bad++;
			if (cli_json(c))
				json_array_append_new(
				    arr,
				    json_pack("{s:s,s:b,s:s}", "name", pos[i],
					      "valid", 0, "reason", why.msg));
			else
				printf("%s: invalid: %s\n", pos[i], why.msg);
			continue;
		}
		if (cli_json(c))
			json_array_append_new(
			    arr,
			    json_pack("{s:s,s:b,s:s,s:s,s:s,s:s}", "name",
				      pos[i], "valid", 1, "alabel", di.alabel,
				      "ulabel", di.ulabel, "suffix",
				      domain_suffix_name(di.suffix),
				      "registrable", di.registrable));
		else
			printf("%s: A-label %s, U-label %s, suffix %s, "
			       "registrable domain %s\n",
			       pos[i], di.alabel, di.ulabel,
			       domain_suffix_name(di.suffix), di.registrable);
	}
	if (cli_json(c)) {
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
	}
	json_decref(arr);
	return bad ? EXIT_FINDINGS : 0;
}

int
cmd_name(struct cli *c, int argc, char **argv)
{
	const char *unit = NULL, *pos[2];
	const struct opt opts[] = {{"unit", 1, &unit, NULL},
				   {NULL, 0, NULL, NULL}};
	const char *usage = "govsec name check NAME --unit USCC";
	struct name_unit nu;
	enum name_verdict v;
	struct err why;
	json_t *u;
	int n;

	if (argc > 1 &&
	    (!strcmp(argv[1], "apply") || !strcmp(argv[1], "list") ||
	     !strcmp(argv[1], "approve") || !strcmp(argv[1], "reject")))
		return cmd_name_decide(c, argc, argv);
	n = cli_parse(argc, argv, opts, pos, 2, usage);
	if (n != 2 || strcmp(pos[0], "check") != 0 || unit == NULL) {
		if (n >= 0)
			cli_error("usage: %s", usage);
		return EXIT_USAGE;
	}
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	u = reg_get(c->st, reg_entity("unit"), unit);
	if (u == NULL) {
		cli_error("unit '%s' is not registered", unit);
		return EXIT_USAGE;
	}
	nu.name = json_string_value(json_object_get(u, "name"));
	nu.short_name = json_string_value(json_object_get(u, "short_name"));
	nu.region_name = json_string_value(json_object_get(u, "region_name"));
	why.msg[0] = '\0';
	v = name_check(pos[1], &nu, &why);
	if (cli_json(c)) {
		json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "name", pos[1],
				      "requirement", "NAME-1", "verdict",
				      name_verdict_str(v), "reason", why.msg);

		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
		json_decref(o);
	} else {
		printf("%s: %s (NAME-1): %s\n", pos[1], name_verdict_str(v),
		       why.msg);
	}
	json_decref(u);
	return v == NAME_FAIL ? EXIT_FINDINGS : 0;
}
