/* cmd_cli.c: option parsing, errors, the store and key opener for the CLI. */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "cli.h"
#include "gate/gate.h"

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("govsec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_json(const struct cli *c)
{
	return strcmp(c->format, "json") == 0;
}

int
cli_parse(int argc, char **argv, const struct opt *opts, const char **pos,
	  int maxpos, const char *usage)
{
	int npos = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct opt *o = NULL;
		const char *val = NULL;
		size_t n;

		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++) {
				if (npos >= maxpos)
					goto toomany;
				pos[npos++] = argv[i];
			}
			break;
		}
		if (a[0] != '-' || a[1] != '-' || a[2] == '\0') {
			if (a[0] == '-' && a[1] != '\0') {
				cli_error("unknown option '%s'\nusage: %s", a,
					  usage);
				return -1;
			}
			if (npos >= maxpos)
				goto toomany;
			pos[npos++] = a;
			continue;
		}
		a += 2;
		n = strcspn(a, "=");
		for (int k = 0; opts != NULL && opts[k].name != NULL; k++)
			if (strlen(opts[k].name) == n &&
			    strncmp(opts[k].name, a, n) == 0)
				o = &opts[k];
		if (o == NULL) {
			cli_error("unknown option '--%.*s'\nusage: %s", (int)n,
				  a, usage);
			return -1;
		}
		if (a[n] == '=')
			val = a + n + 1;
		if (o->has_arg) {
			if (val == NULL) {
				if (i + 1 >= argc) {
					cli_error("option '--%s' needs a "
						  "value\nusage: %s",
						  o->name, usage);
					return -1;
				}
				val = argv[++i];
			}
			*o->val = val;
		} else {
			if (val != NULL) {
				cli_error("option '--%s' takes no value",
					  o->name);
				return -1;
			}
			*o->flag = 1;
		}
	}
	return npos;
toomany:
	cli_error("too many arguments\nusage: %s", usage);
	return -1;
}

int
cli_store(struct cli *c)
{
	const char *path = config_store_path(&c->cfg, c->db);
	struct err e;

	if (c->st != NULL)
		return 0;
	c->st = store_open(path, &e);
	if (c->st == NULL) {
		cli_error("%s", e.msg);
		return -1;
	}
	if (store_migrate(c->st, &e) < 0 ||
	    audit_init(&c->cfg, path, c->st, &e) < 0) {
		cli_error("'%s': %s", path, e.msg);
		store_free(c->st);
		c->st = NULL;
		return -1;
	}
	return 0;
}

void
cli_store_close(struct cli *c)
{
	struct err e;

	if (c->st == NULL)
		return;
	/* what this command appended gets a head outside the store now */
	if (audit_checkpoint(c->st, 1, &e) < 0)
		cli_error("audit head: %s", e.msg);
	store_free(c->st);
	c->st = NULL;
	audit_cleanup();
}

int
cli_key(struct cli *c)
{
	const char *path = config_store_path(&c->cfg, c->db);
	struct err e;

	if (cli_store(c) < 0)
		return -1;
	if (c->key.set)
		return 0;
	if (store_key_open(c->st, &c->cfg, path, &c->key, &e) < 0 ||
	    gate_db_seal_secrets(c->st, &c->key, &e) < 0) {
		secret_key_wipe(&c->key);
		cli_error("%s", e.msg);
		return -1;
	}
	return 0;
}
