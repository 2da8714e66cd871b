/*
 * cmd_registry.c: govsec init, import, export and the record verbs
 * (unit|app|outsourcer|person|grant add|list|show|rm). Flags of "add" come
 * from the registry's field tables, so every field has a flag of its name.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "registry/registry.h"

int
cmd_init(struct cli *c, int argc, char **argv)
{
	if (cli_parse(argc, argv, NULL, NULL, 0, "govsec init") < 0)
		return EXIT_USAGE;
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	printf("store '%s' is at schema version %d\n",
	       config_store_path(&c->cfg, c->db), store_version(c->st));
	return 0;
}

int
cmd_import(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	struct buf b = BUF_INIT(REG_IMPORT_MAX);
	struct reg_counts counts;
	struct err e;
	const char *src;
	int rc = EXIT_USAGE;

	if (cli_parse(argc, argv, NULL, pos, 1, "govsec import FILE.json") !=
	    1) {
		cli_error("usage: govsec import FILE.json ('-' for stdin)");
		return EXIT_USAGE;
	}
	src = pos[0];
	if (buf_read_file(&b, strcmp(src, "-") ? src : "/dev/stdin", &e) < 0) {
		cli_error("%s", e.msg);
		goto out;
	}
	if (cli_store(c) < 0)
		goto out;
	if (reg_import(c->st, b.data, b.len, strcmp(src, "-") ? src : "stdin",
		       c->actor, &counts, &e) < 0) {
		cli_error("%s (nothing imported)", e.msg);
		goto out;
	}
	if (cli_json(c)) {
		printf("{");
		for (int i = 0; i < reg_nentities; i++)
			printf("%s\"%s\":%lld", i ? "," : "",
			       reg_entities[i]->plural, counts.n[i]);
		printf("}\n");
	} else {
		printf("imported");
		for (int i = 0; i < reg_nentities; i++)
			printf("%s %lld %s", i ? "," : "", counts.n[i],
			       reg_entities[i]->plural);
		printf("\n");
	}
	rc = 0;
out:
	buf_cleanup(&b);
	return rc;
}

int
cmd_schema(struct cli *c, int argc, char **argv)
{
	json_t *s;

	if (cli_parse(argc, argv, NULL, NULL, 0, "govsec schema") < 0)
		return EXIT_USAGE;
	s = reg_schema();
	json_dumpf(s, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("\n");
	json_decref(s);
	return 0;
}

int
cmd_export(struct cli *c, int argc, char **argv)
{
	const char *outpath = NULL;
	const struct opt opts[] = {{"output", 1, &outpath, NULL},
				   {NULL, 0, NULL, NULL}};
	struct err e;
	FILE *out = stdout;
	char tmp[4200];
	int rc = 0;

	if (cli_parse(argc, argv, opts, NULL, 0,
		      "govsec export [--output FILE]") < 0)
		return EXIT_USAGE;
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (outpath != NULL) {
		/* Write beside the target and rename: never half a file. */
		if (str_fmt(tmp, sizeof(tmp), "%s.tmp", outpath) < 0 ||
		    (out = fopen(tmp, "w")) == NULL) {
			cli_error("cannot write '%s'", outpath);
			return EXIT_USAGE;
		}
	}
	if (reg_export(c->st, out, &e) < 0) {
		cli_error("%s", e.msg);
		rc = EXIT_USAGE;
	}
	if (outpath != NULL) {
		if (fclose(out) != 0 && rc == 0) {
			cli_error("cannot write '%s'", outpath);
			rc = EXIT_USAGE;
		}
		if (rc == 0 && rename(tmp, outpath) < 0) {
			cli_error("cannot rename '%s' to '%s'", tmp, outpath);
			rc = EXIT_USAGE;
		}
		if (rc != 0)
			remove(tmp);
	}
	return rc;
}

/* Turns one flag value into JSON by the field's type; NULL if it can't. */
static json_t *
flag_value(const struct field *f, const char *v, struct err *e)
{
	long long n;
	json_t *j;

	switch (f->type) {
	case F_BOOL:
		if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
		    !strcmp(v, "1"))
			return json_true();
		if (!strcasecmp(v, "false") || !strcasecmp(v, "no") ||
		    !strcmp(v, "0"))
			return json_false();
		err_set(e, "--%s: expected true or false, not '%s'", f->name,
			v);
		return NULL;
	case F_INT:
		if (str_to_ll(v, -(1LL << 52), 1LL << 52, &n) < 0) {
			err_set(e, "--%s: '%s' is not an integer", f->name, v);
			return NULL;
		}
		return json_integer(n);
	case F_STRLIST:
		if (v[0] != '[') {
			json_t *arr = json_array();
			const char *p = v;

			while (*p != '\0') {
				size_t len = strcspn(p, ",");

				json_array_append_new(arr,
						      json_stringn(p, len));
				p += len;
				if (*p == ',')
					p++;
			}
			return arr;
		}
		/* a JSON array: as for F_OBJLIST */
		__attribute__((fallthrough));
	case F_OBJLIST:
		j = json_loads(v, 0, NULL);
		if (!json_is_array(j)) {
			json_decref(j);
			err_set(e, "--%s: expected a JSON array", f->name);
			return NULL;
		}
		return j;
	default:
		return json_string(v);
	}
}

static int
record_add(struct cli *c, const struct entity *ent, int argc, char **argv)
{
	json_t *obj = json_object();
	struct err e;
	int created, rc = EXIT_USAGE;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *val;
		char name[128];
		const struct field *f;
		json_t *v;
		size_t n;

		if (!str_starts(a, "--")) {
			cli_error("unexpected argument '%s'; fields are given "
				  "as --FIELD VALUE",
				  a);
			goto out;
		}
		a += 2;
		n = strcspn(a, "=");
		if (n >= sizeof(name)) {
			cli_error("option name too long");
			goto out;
		}
		memcpy(name, a, n);
		name[n] = '\0';
		if (a[n] == '=')
			val = a + n + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			cli_error("option '--%s' needs a value", name);
			goto out;
		}
		if (strcmp(name, "json") == 0) {
			json_error_t je;
			json_t *base =
			    json_loads(val, JSON_REJECT_DUPLICATES, &je);

			if (!json_is_object(base)) {
				cli_error("--json: %s", base ? "expected an "
							       "object"
							     : je.text);
				json_decref(base);
				goto out;
			}
			json_object_update(obj, base);
			json_decref(base);
			continue;
		}
		f = reg_field(ent, name);
		if (f == NULL) {
			cli_error("%s has no field '%s' (see govsec %s add "
				  "--help)",
				  ent->name, name, ent->name);
			goto out;
		}
		v = flag_value(f, val, &e);
		if (v == NULL) {
			cli_error("%s", e.msg);
			goto out;
		}
		reg_set_path(obj, name, v);
	}
	if (cli_store(c) < 0)
		goto out;
	if (reg_put(c->st, ent, obj, "$", c->actor, REG_AUDIT, &created, &e) <
	    0) {
		cli_error("%s", e.msg);
		goto out;
	}
	printf("%s %s '%s'\n", created ? "added" : "updated", ent->name,
	       reg_key(ent, obj));
	rc = 0;
out:
	json_decref(obj);
	return rc;
}

static void
add_help(const struct entity *ent)
{
	static const char *types[] = {"TEXT",	    "true|false", "N",
				      "YYYY-MM-DD", "RFC3339",	  "CHOICE",
				      "A,B,...",    "JSON-ARRAY"};

	printf("usage: govsec %s add --FIELD VALUE ... [--json OBJECT]\n"
	       "fields:\n",
	       ent->name);
	for (int i = 0; i < ent->nfields; i++) {
		const struct field *f = &ent->fields[i];

		printf("  --%-32s %s", f->name, types[f->type]);
		if (f->type == F_ENUM) {
			printf(" (");
			for (int k = 0; f->choices[k] != NULL; k++)
				printf("%s%s", k ? "|" : "", f->choices[k]);
			printf(")");
		}
		printf("%s\n", f->flags & F_REQUIRED ? "  required" : "");
	}
}

int
cmd_record_help(int argc, char **argv)
{
	const struct entity *ent = reg_entity(argv[0]);

	if (strcmp(argv[0], "app") == 0)
		ent = reg_entity("applications");
	if (ent == NULL || argc < 2 || strcmp(argv[1], "add") != 0)
		return -1;
	add_help(ent);
	return 0;
}

struct lister {
	const struct entity *ent;
	int json;
	json_t *all;
};

static int
list_one(void *arg, json_t *obj)
{
	struct lister *l = arg;
	const char *key = reg_key(l->ent, obj);

	if (l->json) {
		json_array_append(l->all, obj);
		return 0;
	}
	printf("%s", key);
	for (int i = 0; i < l->ent->nfields; i++) {
		const struct field *f = &l->ent->fields[i];
		const char *v;

		if (f->flags & F_KEY)
			continue;
		if (strcmp(f->name, "name") != 0 && f->type != F_ENUM &&
		    strcmp(f->name, "unit") != 0)
			continue;
		v = json_string_value(json_object_get(obj, f->name));
		printf("\t%s", v ? v : "-");
	}
	printf("\n");
	return 0;
}

int
cmd_record(struct cli *c, int argc, char **argv)
{
	const struct entity *ent = reg_entity(argv[0]);
	const char *verb = argc > 1 ? argv[1] : "";
	struct err e;

	if (strcmp(argv[0], "app") == 0)
		ent = reg_entity("applications");
	if (ent == NULL)
		return EXIT_USAGE;
	if (!strcmp(verb, "add"))
		return record_add(c, ent, argc, argv);
	if (!strcmp(verb, "list")) {
		const char *unit = NULL;
		const struct opt opts[] = {{"unit", 1, &unit, NULL},
					   {NULL, 0, NULL, NULL}};
		struct lister l = {ent, cli_json(c), json_array()};
		const char *col = NULL;
		int rc = 0;

		if (cli_parse(argc - 1, argv + 1, opts, NULL, 0,
			      "govsec KIND list [--unit USCC]") < 0) {
			json_decref(l.all);
			return EXIT_USAGE;
		}
		if (unit != NULL)
			col = reg_field(ent, "unit") ? "unit" : "parent";
		if (cli_store(c) < 0 ||
		    reg_each(c->st, ent, col, unit, list_one, &l, &e) < 0) {
			if (c->st != NULL)
				cli_error("%s", e.msg);
			rc = EXIT_USAGE;
		} else if (l.json) {
			json_dumpf(l.all, stdout,
				   JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			printf("\n");
		}
		json_decref(l.all);
		return rc;
	}
	if ((!strcmp(verb, "show") || !strcmp(verb, "rm")) && argc == 3) {
		json_t *obj;

		if (cli_store(c) < 0)
			return EXIT_USAGE;
		if (!strcmp(verb, "rm")) {
			if (reg_rm(c->st, ent, argv[2], c->actor, &e) < 0) {
				cli_error("%s", e.msg);
				return EXIT_USAGE;
			}
			printf("removed %s '%s'\n", ent->name, argv[2]);
			return 0;
		}
		obj = reg_get(c->st, ent, argv[2]);
		if (obj == NULL) {
			cli_error("%s '%s' is not registered", ent->name,
				  argv[2]);
			return EXIT_FINDINGS;
		}
		json_dumpf(obj, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
		json_decref(obj);
		return 0;
	}
	cli_error("usage: govsec %s add|list|show KEY|rm KEY", argv[0]);
	return EXIT_USAGE;
}
