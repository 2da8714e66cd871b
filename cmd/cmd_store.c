/*
 * cmd_store.c: govsec store copy FROM TO: moves a whole store between
 * backends (a SQLite file and a PostgreSQL database, either way) without
 * loss, then verifies the audit chain on both sides and compares their
 * heads. Reads the two URIs and an optional key file path from the
 * command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "cli.h"

#define STORE_USAGE "govsec store copy FROM TO [--key FILE] [--quiet]"

static int
is_pg(const char *uri)
{
	return str_starts(uri, "postgresql:") || str_starts(uri, "postgres:");
}

/* The key file a store's secrets and keyed audit links are under: the
 * one given, else [store] key, else beside a SQLite file. */
static int
key_path(const struct cli *c, const char *given, const char *uri, char *out,
	 size_t n)
{
	if (given != NULL)
		return str_copy(out, given, n);
	if (c->cfg.store_key[0] != '\0')
		return str_copy(out, c->cfg.store_key, n);
	if (is_pg(uri))
		return -1;
	if (str_starts(uri, "sqlite:"))
		uri += 7;
	return str_fmt(out, n, "%s.key", uri);
}

/* Copies the key file src to dst (made private, never over one). */
static int
copy_key(const char *src, const char *dst, struct err *e)
{
	struct buf b = BUF_INIT(65536);
	int fd, rc = -1;

	if (buf_read_file(&b, src, e) < 0)
		return -1;
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_set(e, "cannot create key file '%s': %s", dst,
			strerror(errno));
		goto out;
	}
	if (write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) < 0) {
		err_set(e, "cannot write key file '%s': %s", dst,
			strerror(errno));
		close(fd);
		unlink(dst);
		goto out;
	}
	close(fd);
	rc = 0;
out:
	buf_cleanup(&b);
	return rc;
}

/* Verifies uri's audit chain under the key file key; 0 with v filled. */
static int
verify(struct cli *c, const char *uri, const char *key, struct store *st,
       struct audit_verdict *v)
{
	struct config cfg = c->cfg;
	struct err e;
	int rc;

	str_copy(cfg.store_key, key, sizeof(cfg.store_key));
	str_copy(cfg.audit_heads, "none", sizeof(cfg.audit_heads));
	if (audit_init(&cfg, uri, st, &e) < 0) {
		cli_error("'%s': %s", uri, e.msg);
		return -1;
	}
	rc = audit_verify(st, 0, NULL, v, &e);
	audit_cleanup();
	if (rc < 0) {
		cli_error("'%s': %s", uri, e.msg);
		return -1;
	}
	if (rc > 0) {
		cli_error("'%s': the audit chain is broken at record %lld: %s",
			  uri, v->bad_seq, v->reason);
		return -1;
	}
	return 0;
}

static int
store_copy_cmd(struct cli *c, int argc, char **argv)
{
	const char *pos[2], *key = NULL;
	int quiet = 0;
	const struct opt opts[] = {{"key", 1, &key, NULL},
				   {"quiet", 0, NULL, &quiet},
				   {NULL, 0, NULL, NULL}};
	char from_key[4096], to_key[4096];
	struct store *from = NULL, *to = NULL;
	struct audit_verdict vf, vt;
	struct err e;
	int rc = EXIT_USAGE;

	if (cli_parse(argc, argv, opts, pos, 2, STORE_USAGE) != 2) {
		cli_error("usage: %s", STORE_USAGE);
		return EXIT_USAGE;
	}
	if (strcmp(pos[0], pos[1]) == 0) {
		cli_error("'%s': a store cannot be copied onto itself", pos[0]);
		return EXIT_USAGE;
	}
	if (key_path(c, key, pos[0], from_key, sizeof(from_key)) < 0) {
		cli_error("'%s': which key file is the store's? (--key FILE "
			  "or [store] key)",
			  pos[0]);
		return EXIT_USAGE;
	}
	/* a SQLite target keeps the key beside it, as it would have made */
	if (key_path(c, NULL, pos[1], to_key, sizeof(to_key)) < 0)
		str_copy(to_key, from_key, sizeof(to_key));
	from = store_open(pos[0], &e);
	if (from == NULL) {
		cli_error("%s", e.msg);
		goto out;
	}
	to = store_open(pos[1], &e);
	if (to == NULL) {
		cli_error("%s", e.msg);
		goto out;
	}
	if (store_copy(from, to, !quiet, &e) < 0) {
		cli_error("copy from '%s' to '%s': %s (nothing was written)",
			  pos[0], pos[1], e.msg);
		goto out;
	}
	if (strcmp(from_key, to_key) != 0 && access(to_key, F_OK) < 0 &&
	    access(from_key, F_OK) == 0 && copy_key(from_key, to_key, &e) < 0) {
		cli_error("%s", e.msg);
		goto out;
	}
	/* the same chain, sound on both sides, ending at the same head */
	if (access(from_key, F_OK) < 0)
		str_copy(from_key, "", sizeof(from_key));
	if (verify(c, pos[0], from_key, from, &vf) < 0 ||
	    verify(c, pos[1], to_key, to, &vt) < 0) {
		rc = EXIT_FINDINGS;
		goto out;
	}
	if (vf.checked != vt.checked || vf.head_seq != vt.head_seq ||
	    strcmp(vf.head, vt.head) != 0) {
		cli_error("the audit chains differ: %lld records ending at "
			  "%lld:%s, against %lld ending at %lld:%s",
			  vf.checked, vf.head_seq, vf.head, vt.checked,
			  vt.head_seq, vt.head);
		rc = EXIT_FINDINGS;
		goto out;
	}
	printf("copied '%s' to '%s'; audit chain verified on both sides: "
	       "%lld records, head %lld:%s\n",
	       pos[0], pos[1], vt.checked, vt.head_seq, vt.head);
	if (is_pg(pos[1]) || strcmp(from_key, to_key) == 0)
		printf("the store's key file is '%s' (set [store] key to it)\n",
		       to_key);
	rc = 0;
out:
	store_free(from);
	store_free(to);
	return rc;
}

int
cmd_store(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";

	if (!strcmp(verb, "copy"))
		return store_copy_cmd(c, argc - 1, argv + 1);
	cli_error("usage: %s", STORE_USAGE);
	return EXIT_USAGE;
}
