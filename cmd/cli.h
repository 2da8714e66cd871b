/*
 * cli.h: what the govsec command files share: the process state (one
 * struct, STYLE 4), option parsing and the store opener. Exit statuses:
 * 0 success / compliant, 1 findings or invalid input values found,
 * 2 usage error or bad input.
 */
#ifndef GOVSEC_CLI_H
#define GOVSEC_CLI_H

#include "base/base.h"
#include "store/store.h"

#define EXIT_FINDINGS	1
#define EXIT_USAGE	2
#define EXIT_INCOMPLETE 3 /* govsec check: nothing fails, not all judged */

struct cli {
	struct config cfg;
	const char *db;	    /* --db */
	const char *format; /* --format (text unless given) */
	char actor[128];    /* who the audit log names */
	struct store *st;
	struct secret_key key; /* the store's key file, once cli_key ran */
};

struct opt {
	const char *name; /* long name without "--" */
	int has_arg;	  /* 1: takes a value */
	const char **val; /* where the value goes (has_arg) */
	int *flag;	  /* set to 1 when given (!has_arg) */
};

/*
 * Parses argv (after the verb) against opts; positional arguments are
 * collected into pos (at most maxpos). Repeated list options are not
 * supported: the last wins. Returns the count of positional arguments or
 * -1 after printing a usage error naming the option.
 */
int cli_parse(int argc, char **argv, const struct opt *opts, const char **pos,
	      int maxpos, const char *usage);
/* Opens and migrates the store and loads its key for the audit chain
 * (audit_init); prints the error and returns -1. */
int cli_store(struct cli *c);
/* Writes the audit head (audit_checkpoint) and closes the store. */
void cli_store_close(struct cli *c);
/*
 * Opens the store (cli_store) and loads its key file into c->key once
 * (store_key_open), sealing TOTP secrets an older govsec left in clear.
 * Prints the error and returns -1.
 */
int cli_key(struct cli *c);
/* Prints "govsec: <msg>" to stderr. */
void cli_error(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* 1 if --format json was asked for. */
int cli_json(const struct cli *c);

/* Verb handlers: return the process exit status. */
int cmd_init(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_schema(struct cli *c, int argc, char **argv);
int cmd_record(struct cli *c, int argc, char **argv); /* unit, app, ... */
/* "govsec KIND add --help": the fields on stdout, 0; otherwise -1. */
int cmd_record_help(int argc, char **argv);
int cmd_uscc(struct cli *c, int argc, char **argv);
int cmd_domain(struct cli *c, int argc, char **argv);
int cmd_name(struct cli *c, int argc, char **argv);
int cmd_check(struct cli *c, int argc, char **argv);
int cmd_summarize(struct cli *c, int argc, char **argv);
int cmd_ack(struct cli *c, int argc, char **argv);
int cmd_attest(struct cli *c, int argc, char **argv);
int cmd_rules(struct cli *c, int argc, char **argv);
int cmd_audit(struct cli *c, int argc, char **argv);
int cmd_user(struct cli *c, int argc, char **argv);
int cmd_store(struct cli *c, int argc, char **argv); /* cmd_store.c */
int cmd_inspect(struct cli *c, int argc, char **argv);
int cmd_links(struct cli *c, int argc, char **argv);
int cmd_leave_link(struct cli *c, int argc, char **argv);
int cmd_probe(struct cli *c, int argc, char **argv);
int cmd_gate(struct cli *c, int argc, char **argv); /* cmd_gate.c */
int cmd_ca(struct cli *c, int argc, char **argv);   /* cmd_ecert.c */
int cmd_cert(struct cli *c, int argc, char **argv);
/* cmd_counterfeit.c: scan, protect; cases etc. via its subcommand table */
int cmd_counterfeit(struct cli *c, int argc, char **argv);
int cmd_operator(struct cli *c, int argc, char **argv);
int cmd_tlog(struct cli *c, int argc, char **argv);
int cmd_logo(struct cli *c, int argc, char **argv);
int cmd_mail(struct cli *c, int argc, char **argv); /* cmd_mail.c */
/* mail audit (cmd_mailaudit.c), from cmd_mail */
int cmd_mail_audit(struct cli *c, int argc, char **argv);
/* counterfeit case|complaint|hits|takedown (cmd_cfcase.c), from
 * cmd_counterfeit with argv from the subcommand's name on */
int cmd_cfcase(struct cli *c, int argc, char **argv);
/* name apply|list|approve|reject (cmd_ecert.c), from cmd_name */
int cmd_name_decide(struct cli *c, int argc, char **argv);

#endif
