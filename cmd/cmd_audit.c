/*
 * cmd_audit.c: govsec audit verify | export | head | retention | prune.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "cli.h"

/* The lines after "audit chain OK": how the records are linked and which
 * heads they were checked against. */
static void
verify_details(const struct audit_verdict *v)
{
	printf("  %lld keyed (HMAC-SM3), %lld older with plain SM3 links\n",
	       v->keyed, v->plain);
	if (v->heads_file[0] == '\0')
		printf("  no heads file: a cut tail is found only with "
		       "--anchor\n");
	else if (v->heads == 0)
		printf("  no heads in '%s' yet: a cut tail cannot be found\n",
		       v->heads_file);
	else
		printf("  checked against %lld heads in '%s', the newest for "
		       "record %lld written at %s\n",
		       v->heads, v->heads_file, v->heads_seq, v->heads_at);
}

static void
verify_json(int rc, const struct audit_verdict *v)
{
	if (rc == 0)
		printf("{\"ok\":true,\"checked\":%lld,\"head_seq\":%lld,"
		       "\"head\":\"%s\",",
		       v->checked, v->head_seq, v->head);
	else {
		printf("{\"ok\":false,\"bad_seq\":%lld,\"reason\":",
		       v->bad_seq);
		str_json_put(stdout, v->reason);
		putchar(',');
	}
	printf("\"keyed\":%lld,\"plain\":%lld,\"heads\":%lld,"
	       "\"heads_seq\":%lld,\"heads_file\":",
	       v->keyed, v->plain, v->heads, v->heads_seq);
	str_json_put(stdout, v->heads_file[0] ? v->heads_file : NULL);
	puts("}");
}

static int
audit_verify_cmd(struct cli *c, int argc, char **argv)
{
	const char *anchor = NULL;
	const struct opt opts[] = {{"anchor", 1, &anchor, NULL},
				   {NULL, 0, NULL, NULL}};
	struct audit_verdict v;
	long long aseq = 0;
	char ahash[AUDIT_HASH_HEX];
	struct err e;
	int rc;

	if (cli_parse(argc, argv, opts, NULL, 0,
		      "govsec audit verify [--anchor SEQ:HASH]") < 0)
		return EXIT_USAGE;
	if (anchor != NULL && audit_anchor_parse(anchor, &aseq, ahash) < 0) {
		cli_error("--anchor: expected SEQ:HASH as printed by 'govsec "
			  "audit head'");
		return EXIT_USAGE;
	}
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	rc = audit_verify(c->st, aseq, anchor != NULL ? ahash : NULL, &v, &e);
	if (rc < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (cli_json(c))
		verify_json(rc, &v);
	else if (rc == 0) {
		printf("audit chain OK: %lld records, head %lld:%s\n",
		       v.checked, v.head_seq, v.head);
		verify_details(&v);
	} else if (v.bad_seq > 0)
		printf("audit chain BROKEN at record %lld: %s\n", v.bad_seq,
		       v.reason);
	else
		printf("audit chain BROKEN: %s\n", v.reason);
	return rc == 0 ? 0 : EXIT_FINDINGS;
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
