/*
 * govsec.c: the command line. One table of verbs (git's git.c style);
 * global options are read here, everything else in cmd_<part>.c over the
 * library. Nothing a test needs lives here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <unistd.h>

#include "cli.h"
#include "registry/registry.h"

struct command {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
    {"init", cmd_init, "create or upgrade the store"},
    {"import", cmd_import, "import a registry JSON document (all or nothing)"},
    {"export", cmd_export, "write the registry as JSON (import format)"},
    {"schema", cmd_schema, "print the JSON Schema of the import format"},
    {"unit", cmd_record, "units: add | list | show | rm"},
    {"app", cmd_record, "applications: add | list | show | rm"},
    {"outsourcer", cmd_record, "outsourcing units: add | list | show | rm"},
    {"person", cmd_record, "people: add | list | show | rm"},
    {"grant", cmd_record, "grants: add | list | show | rm"},
    {"uscc", cmd_uscc, "validate unified social credit codes"},
    {"domain", cmd_domain, "classify domain names (IDNA2008, suffix)"},
    {"name", cmd_name, "name check NAME --unit CODE: NAME-1 verdict"},
    {"check", cmd_check, "run the self-examination"},
    {"ack", cmd_ack, "acknowledge a finding with owner and due date"},
    {"attest", cmd_attest,
     "record a person's verdict on a requirement: REQ | list | revoke"},
    {"rules", cmd_rules, "list the self-examination rules"},
    {"audit", cmd_audit,
     "audit log: verify | export | head | retention | prune"},
    {"user", cmd_user, "console users: add | scope | list | passwd | totp"},
    {"inspect", cmd_inspect, "inspect a portal: links, prompts, marks"},
    {"links", cmd_links, "the link list: list | diff"},
    {"probe", cmd_probe, "probe portals' availability now (GOVWEB-1)"},
    {"leave-link", cmd_leave_link, "print a signed leave-site link"},
    {"ca", cmd_ca, "e-certificate authority: init | show | chain"},
    {"cert", cmd_cert,
     "unit e-certificates: issue | list | show | verify | revoke | crl"},
    {"operator", cmd_operator,
     "verification-service operators: add | key | list | disable | "
     "key-revoke"},
    {"tlog", cmd_tlog,
     "transparency log: head | entries | prove | consistency | audit | "
     "monitor"},
    {"gate", cmd_gate,
     "access gateway: import | export | test | user | totp | devices | ..."},
};

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: govsec [--db PATH] [-c CONFIG] [--format text|json] "
		"COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-11s %s\n", commands[i].name,
			commands[i].help);
	fprintf(out, "\nexit status: 0 ok, 1 findings or invalid values, "
		     "2 usage error or bad input, 3 check incomplete\n");
}

int
main(int argc, char **argv)
{
	struct cli c;
	const char *conf = getenv("GOVSEC_CONF");
	const char *user = getenv("SUDO_USER");
	struct err e;
	int i, rc;

	memset(&c, 0, sizeof(c));
	config_defaults(&c.cfg);
	c.format = "text";
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if ((!strcmp(a, "--db") || !strcmp(a, "-c") ||
		     !strcmp(a, "--config") || !strcmp(a, "--format")) &&
		    i + 1 < argc) {
			if (!strcmp(a, "--db"))
				c.db = argv[++i];
			else if (!strcmp(a, "--format"))
				c.format = argv[++i];
			else
				conf = argv[++i];
		} else if (str_starts(a, "--db=")) {
			c.db = a + 5;
		} else if (str_starts(a, "--format=")) {
			c.format = a + 9;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("govsec %s\n", GOVSEC_VERSION);
			return 0;
		} else {
			cli_error("unknown option '%s'", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (conf != NULL && *conf != '\0' &&
	    config_load(&c.cfg, conf, &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* The audit names who ran the command: the account, not what the
	 * environment claims; behind sudo, the user who called sudo. */
	{
		struct passwd *pw = getpwuid(getuid());

		if (getuid() != 0 || user == NULL)
			user = pw != NULL ? pw->pw_name : NULL;
		if (user != NULL)
			str_fmt(c.actor, sizeof(c.actor), "cli:%s", user);
		else
			str_fmt(c.actor, sizeof(c.actor), "cli:uid%u",
				(unsigned)getuid());
	}
	if (c.cfg.platforms[0] != '\0' &&
	    platforms_load(c.cfg.platforms, &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	for (size_t k = 0; k < ARRAY_SIZE(commands); k++) {
		if (strcmp(commands[k].name, argv[i]) != 0)
			continue;
		rc = commands[k].fn(&c, argc - i, argv + i);
		cli_store_close(&c);
		secret_key_wipe(&c.key);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			cli_error("cannot write the output");
			return EXIT_USAGE;
		}
		return rc;
	}
	cli_error("'%s' is not a govsec command; see 'govsec --help'", argv[i]);
	return EXIT_USAGE;
}
