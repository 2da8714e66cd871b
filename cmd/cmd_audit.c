/*
 * cmd_audit.c: govsec audit verify | export | head | retention | prune.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "cli.h"

static int
audit_verify_cmd(struct cli *c, int argc, char **argv)
{
	const char *anchor = NULL;
	const struct opt opts[] = {{"anchor", 1, &anchor, NULL},
				   {NULL, 0, NULL, NULL}};
	struct audit_verdict v;
	long long aseq = 0;
	const char *ahash = NULL;
	char seqbuf[32];
	struct err e;
	int rc;

	if (cli_parse(argc, argv, opts, NULL, 0,
		      "govsec audit verify [--anchor SEQ:HASH]") < 0)
		return EXIT_USAGE;
	if (anchor != NULL) {
		const char *colon = strchr(anchor, ':');

		if (colon == NULL ||
		    (size_t)(colon - anchor) >= sizeof(seqbuf) ||
		    strlen(colon + 1) != 64)
			goto bad_anchor;
		memcpy(seqbuf, anchor, (size_t)(colon - anchor));
		seqbuf[colon - anchor] = '\0';
		if (str_to_ll(seqbuf, 1, 1LL << 62, &aseq) < 0)
			goto bad_anchor;
		ahash = colon + 1;
	}
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	rc = audit_verify(c->st, aseq, ahash, &v, &e);
	if (rc < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (cli_json(c)) {
		if (rc == 0)
			printf(
			    "{\"ok\":true,\"checked\":%lld,\"head_seq\":%lld,"
			    "\"head\":\"%s\"}\n",
			    v.checked, v.head_seq, v.head);
		else
			printf(
			    "{\"ok\":false,\"bad_seq\":%lld,\"reason\":\"%s\"}"
			    "\n",
			    v.bad_seq, v.reason);
	} else if (rc == 0) {
		printf("audit chain OK: %lld records, head %lld:%s\n",
		       v.checked, v.head_seq, v.head);
	} else {
		printf("audit chain BROKEN at record %lld: %s\n", v.bad_seq,
		       v.reason);
	}
	return rc == 0 ? 0 : EXIT_FINDINGS;
bad_anchor:
	cli_error("--anchor: expected SEQ:HASH as printed by 'govsec audit "
		  "head'");
	return EXIT_USAGE;
}

int
cmd_audit(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	struct err e;

	if (!strcmp(verb, "verify"))
		return audit_verify_cmd(c, argc - 1, argv + 1);
	if (!strcmp(verb, "export")) {
		const char *since = NULL;
		const struct opt opts[] = {{"since", 1, &since, NULL},
					   {NULL, 0, NULL, NULL}};
		time_t t;

		if (cli_parse(argc - 1, argv + 1, opts, NULL, 0,
			      "govsec audit export [--since DATE]") < 0)
			return EXIT_USAGE;
		if (since != NULL && time_parse(since, &t) < 0) {
			cli_error("--since: '%s' is not a date", since);
			return EXIT_USAGE;
		}
		if (cli_store(c) < 0)
			return EXIT_USAGE;
		if (audit_export(c->st, since, stdout, &e) < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (!strcmp(verb, "head") && argc == 2) {
		struct audit_verdict v;

		if (cli_store(c) < 0)
			return EXIT_USAGE;
		switch (audit_verify(c->st, 0, NULL, &v, &e)) {
		case 0:
			printf("%lld:%s\n", v.head_seq, v.head);
			return 0;
		case 1:
			/* An anchor saved from a broken chain would hide what
			 * came after the break. */
			cli_error(
			    "the audit chain is broken at record %lld: %s; "
			    "no head to anchor",
			    v.bad_seq, v.reason);
			return EXIT_FINDINGS;
		default:
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
	}
	if (!strcmp(verb, "retention")) {
		const char *pos[1];
		int force = 0, n;
		const struct opt opts[] = {{"force", 0, NULL, &force},
					   {NULL, 0, NULL, NULL}};
		long long days;

		n = cli_parse(argc - 1, argv + 1, opts, pos, 1,
			      "govsec audit retention [DAYS [--force]]");
		if (n < 0)
			return EXIT_USAGE;
		if (cli_store(c) < 0)
			return EXIT_USAGE;
		if (n == 0) {
			printf("%d days\n", audit_retention(c->st));
			return 0;
		}
		if (str_to_ll(pos[0], 1, 36500, &days) < 0) {
			cli_error("retention '%s' is not a number of days "
				  "(1..36500)",
				  pos[0]);
			return EXIT_USAGE;
		}
		n = audit_set_retention(c->st, (int)days, force, c->actor, &e);
		if (n < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		if (n > 0)
			fprintf(stderr,
				"govsec: WARNING: audit retention set to %lld "
				"days, below the 365 days SEC-5 requires; "
				"this store no longer meets SEC-5\n",
				days);
		printf("audit retention: %lld days\n", days);
		return 0;
	}
	if (!strcmp(verb, "prune") && argc == 2) {
		long long n;

		if (cli_store(c) < 0)
			return EXIT_USAGE;
		n = audit_prune(c->st, c->actor, &e);
		if (n < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		printf("pruned %lld records older than %d days\n", n,
		       audit_retention(c->st));
		return 0;
	}
	cli_error("usage: govsec audit verify [--anchor SEQ:HASH] | export "
		  "[--since DATE] | head | retention [DAYS [--force]] | prune");
	return EXIT_USAGE;
}
