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

/*
 * One line per verb: its name, handler, the line "govsec --help" shows and
 * the usage "govsec VERB [SUB] --help" prints (one line per form). The
 * dispatcher answers --help and -h for every verb and subcommand here, so
 * no handler parses them; a handler whose help says more (record add lists
 * its fields) gives it as more_help.
 */
struct command {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *help;
	const char *usage;
	int (*more_help)(int argc, char **argv);
};

#define RECORD_USAGE(k)                                                        \
	"govsec " k " add --FIELD VALUE ... [--json OBJECT]\n"                 \
	"govsec " k " list [--unit USCC]\n"                                    \
	"govsec " k " show KEY\n"                                              \
	"govsec " k " rm KEY\n"

static const struct command commands[] = {
    {"init", cmd_init, "create or upgrade the store", "govsec init\n", NULL},
    {"import", cmd_import, "import a registry JSON document (all or nothing)",
     "govsec import FILE.json ('-' for stdin)\n", NULL},
    {"export", cmd_export, "write the registry as JSON (import format)",
     "govsec export [--output FILE]\n", NULL},
    {"schema", cmd_schema, "print the JSON Schema of the import format",
     "govsec schema\n", NULL},
    {"unit", cmd_record, "units: add | list | show | rm", RECORD_USAGE("unit"),
     cmd_record_help},
    {"app", cmd_record, "applications: add | list | show | rm",
     RECORD_USAGE("app"), cmd_record_help},
    {"outsourcer", cmd_record, "outsourcing units: add | list | show | rm",
     RECORD_USAGE("outsourcer"), cmd_record_help},
    {"person", cmd_record, "people: add | list | show | rm",
     RECORD_USAGE("person"), cmd_record_help},
    {"grant", cmd_record, "grants: add | list | show | rm",
     RECORD_USAGE("grant"), cmd_record_help},
    {"uscc", cmd_uscc, "validate unified social credit codes",
     "govsec uscc CODE...\n", NULL},
    {"domain", cmd_domain, "classify domain names (IDNA2008, suffix)",
     "govsec domain NAME...\n", NULL},
    {"name", cmd_name,
     "online names: check (NAME-1) | apply | list | approve | reject",
     "govsec name check NAME --unit USCC\n"
     "govsec name apply NAME --unit USCC [--app ID]\n"
     "govsec name list [--unit USCC] [--state pending|approved|rejected]\n"
     "govsec name approve ID\n"
     "govsec name reject ID --reason TEXT\n",
     NULL},
    {"check", cmd_check, "run the self-examination",
     "govsec check [--unit USCC] [--format text|json|sarif|html]\n"
     "             [--status fail,unknown,...|all] [--all] [--lang zh|en]\n"
     "             [--now DATE] [--output FILE]\n",
     NULL},
    {"summarize", cmd_summarize,
     "sum up evidence written without its summaries (check reads them)",
     "govsec summarize\n", NULL},
    {"ack", cmd_ack, "acknowledge a finding with owner and due date",
     "govsec ack RULE OBJECT --owner NAME --due YYYY-MM-DD [--note TEXT]\n",
     NULL},
    {"attest", cmd_attest,
     "record a person's verdict on a requirement: REQ | list | revoke",
     "govsec attest REQ-ID --object ID --verdict pass|fail --evidence TEXT\n"
     "              --reviewer NAME [--expires YYYY-MM-DD]\n"
     "govsec attest list [--object ID]\n"
     "govsec attest revoke ID\n",
     NULL},
    {"rules", cmd_rules, "list the self-examination rules", "govsec rules\n",
     NULL},
    {"audit", cmd_audit,
     "audit log: verify | export | head | retention | prune",
     "govsec audit verify [--anchor SEQ:HASH]\n"
     "govsec audit export [--since DATE]\n"
     "govsec audit head\n"
     "govsec audit retention [DAYS [--force]]\n"
     "govsec audit prune\n",
     NULL},
    {"store", cmd_store, "move a store between backends: copy",
     "govsec store copy FROM TO [--key FILE] [--quiet]\n", NULL},
    {"user", cmd_user, "console users: add | scope | list | passwd | totp",
     "govsec user add NAME [--role admin|operator|auditor|viewer]\n"
     "                [--unit USCC | --region CODE] < password\n"
     "govsec user scope NAME --unit USCC | --region CODE | --all\n"
     "govsec user list\n"
     "govsec user passwd NAME [--temporary] < password\n"
     "govsec user totp NAME\n",
     NULL},
    {"inspect", cmd_inspect, "inspect a portal: links, prompts, marks",
     "govsec inspect URL [--format text|json|sarif|junit|html]\n"
     "               [--allow-private] [--no-robots] [--no-external]\n"
     "               [--no-store] [--max-pages N] [--max-depth N]\n"
     "               [--max-bytes N] [--max-seconds N] [--timeout S]\n"
     "               [--concurrency N] [--per-host N] [--delay MS]\n"
     "               [--retries N] [--resolve HOST=ADDR,...]\n"
     "               [--interstitial PREFIX,...] [--logo SUBSTRING]\n"
     "               [--cacert FILE] [--output FILE]\n",
     NULL},
    {"links", cmd_links, "the link list: list | diff",
     "govsec links list [--host HOST] [--status ok|broken|blocked|skipped]\n"
     "                  [--external]\n"
     "govsec links diff --host HOST\n",
     NULL},
    {"probe", cmd_probe, "probe portals' availability now (GOVWEB-1)",
     "govsec probe [--app ID | URL | HOST] [--allow-private] [--timeout S]\n"
     "             [--resolve HOST=ADDR,...] [--cacert FILE] [--no-store]\n"
     "             [--format text|json]\n",
     NULL},
    {"leave-link", cmd_leave_link, "print a signed leave-site link",
     "govsec leave-link URL --key FILE [--base URL]"
     " (or GOVSEC_LEAVE_KEY=FILE)\n",
     NULL},
    {"ca", cmd_ca, "e-certificate authority: init | show | chain",
     "govsec ca init --org NAME\n"
     "govsec ca show\n"
     "govsec ca chain\n",
     NULL},
    {"cert", cmd_cert,
     "unit e-certificates: issue | list | show | verify | revoke | crl",
     "govsec cert issue UNIT (--csr FILE | --key-out FILE) [--days N]\n"
     "govsec cert list [UNIT]\n"
     "govsec cert show SERIAL [--format text|json|pem]\n"
     "govsec cert verify FILE [--at TIME]\n"
     "govsec cert revoke SERIAL [--reason R]\n"
     "govsec cert crl [--sign]\n",
     NULL},
    {"operator", cmd_operator,
     "verification-service operators: add | key | list | disable | "
     "key-revoke",
     "govsec operator add NAME [--rate PER_MINUTE]\n"
     "govsec operator key NAME\n"
     "govsec operator list\n"
     "govsec operator disable NAME\n"
     "govsec operator key-revoke KEYID\n",
     NULL},
    {"logo", cmd_logo, "online logos: issue | list | svg | revoke",
     "govsec logo issue APP\n"
     "govsec logo list [UNIT]\n"
     "govsec logo svg ID [--base URL]\n"
     "govsec logo revoke ID --reason TEXT\n",
     NULL},
    {"tlog", cmd_tlog,
     "transparency log: head | entries | prove | consistency | audit | "
     "monitor",
     "govsec tlog head\n"
     "govsec tlog entries [--start N] [--count N]\n"
     "govsec tlog prove INDEX [--size N]\n"
     "govsec tlog consistency FIRST [SECOND]\n"
     "govsec tlog audit\n"
     "govsec tlog monitor URL --root FILE --state FILE\n",
     NULL},
    {"counterfeit", cmd_counterfeit,
     "counterfeits: scan | protect | case | complaint | hits | takedown",
     "govsec counterfeit scan [--kind domain|ct|app|account] [--all]\n"
     "                        [--regions FILE] FEED...\n"
     "govsec counterfeit protect list [--what domain|name|region|app]\n"
     "govsec counterfeit protect add-app APP --package NAME --cert SHA256\n"
     "govsec counterfeit case list [--state STATE] [--limit N]\n"
     "govsec counterfeit case show ID\n"
     "govsec counterfeit case open --hit ID | --hits | --kind KIND "
     "--candidate NAME\n"
     "                             [--platform P] [--unit USCC] "
     "[--note TEXT]\n"
     "govsec counterfeit case confirm|note|takedown|done ID [--note TEXT]\n"
     "                             [--address IP,...] [--unit USCC]\n"
     "govsec counterfeit case decide ID --decision "
     "counterfeit|genuine|not_government\n"
     "                             --note TEXT [--address IP,...]\n"
     "govsec counterfeit case refer ID --agency NAME [--reference REF]\n"
     "govsec counterfeit complaint list\n"
     "govsec counterfeit hits [--unassigned]\n"
     "govsec counterfeit takedown write DIR [--warning-host HOST] "
     "[--zone NAME]\n"
     "                             [--ttl S]\n"
     "govsec counterfeit takedown show\n"
     "govsec counterfeit takedown notice ID [--html]\n",
     NULL},
    {"gate", cmd_gate,
     "access gateway: import | export | test | user | totp | devices | ...",
     "govsec gate import FILE\n"
     "govsec gate export\n"
     "govsec gate test [--user U] [--ip IP] [--device D] [--time T]\n"
     "                 [--url URL] [--method M] [--groups G] [--geoip MMDB]\n"
     "                 [--geoip-csv CSV] [--format text|json]\n"
     "govsec gate user add NAME [--groups G] [--display NAME] < password\n"
     "govsec gate user list\n"
     "govsec gate user disable|enable|delete NAME\n"
     "govsec gate user passwd NAME < password\n"
     "govsec gate totp NAME\n"
     "govsec gate invite NAME [--hours N]\n"
     "govsec gate bind NAME | unbind NAME\n"
     "govsec gate devices | approve ID | unapprove ID | device-rm ID\n"
     "govsec gate revoke USER\n"
     "govsec gate sessions | revoke-session ID\n"
     "govsec gate keys | key-rm ID\n"
     "govsec gate lockouts | unlock USER|ADDRESS\n"
     "govsec gate stats\n"
     "govsec gate sessions-fill N --user U\n",
     NULL},
    {"mail", cmd_mail,
     "e-mail: mail-flow records, forwarding exceptions, configuration audit",
     "govsec mail trace [--address A] [--message-id M] [--since T]\n"
     "                  [--until T] [--limit N] [--json]\n"
     "govsec mail except add ADDRESS|@DOMAIN --until DATE --reason TEXT\n"
     "govsec mail except list\n"
     "govsec mail except rm ADDRESS|@DOMAIN\n"
     "govsec mail prune\n"
     "govsec mail audit [--app APP] [--postfix DIR] [--dovecot FILE]\n"
     "                  [--roundcube FILE] [--domain D,D...] [--milter NAME]\n"
     "                  [--lang zh|en] [--format text|json] [SIEVE...]\n",
     NULL},
};

/*
 * 1 if the arguments after the verb ask for help: "--help" or "-h" before
 * a "--". The verb's handler never sees them.
 */
static int
wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	}
	return 0;
}

/* "govsec VERB ... --help": the verb's usage on stdout, exit 0. */
static int
command_help(const struct command *cmd, int argc, char **argv)
{
	const char *u = cmd->usage;

	if (cmd->more_help != NULL && cmd->more_help(argc, argv) == 0)
		return 0;
	fputs("usage: ", stdout);
	while (*u != '\0') {
		size_t n = strcspn(u, "\n");

		printf("%s%.*s\n", u == cmd->usage ? "" : "       ", (int)n, u);
		u += n + (u[n] == '\n');
	}
	return 0;
}

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
		if (wants_help(argc - i, argv + i))
			return command_help(&commands[k], argc - i, argv + i);
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
