/*
 * cmd_user.c: govsec user add | scope | list | passwd | totp: console
 * accounts and their scope (a unit and its subordinates, or a region;
 * none: all units). Passwords are read from standard input (one line),
 * never from the command line; a TOTP secret is printed once and stored
 * sealed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "gate/gate.h"
#include "http/http.h"

/* One line from standard input, without echo on a terminal. */
static int
read_password(char *pw, size_t n)
{
	struct termios t, quiet;
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t) == 0;
	char *got;
	size_t len;

	if (tty) {
		fprintf(stderr, "password: ");
		quiet = t;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	got = fgets(pw, (int)n, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
		fputc('\n', stderr);
	}
	if (got == NULL) {
		cli_error("no password on standard input");
		return -1;
	}
	len = strcspn(pw, "\r\n");
	if (pw[len] == '\0' && !feof(stdin)) {
		OPENSSL_cleanse(pw, n);
		cli_error("password longer than %zu bytes", n - 2);
		return -1;
	}
	pw[len] = '\0';
	return 0;
}

static int
user_row(void *arg, struct store_row *r)
{
	(void)arg;
	if (!store_row_null(r, 2))
		printf("%s\t%s\tunit:%s\n", store_row_text(r, 0),
		       store_row_text(r, 1), store_row_text(r, 2));
	else if (!store_row_null(r, 3))
		printf("%s\t%s\tregion:%s\n", store_row_text(r, 0),
		       store_row_text(r, 1), store_row_text(r, 3));
	else
		printf("%s\t%s\tall\n", store_row_text(r, 0),
		       store_row_text(r, 1));
	return 0;
}

/* user passwd NAME [--temporary]: a new password (stdin) under the
 * password rules; a temporary one must be changed at the next login. */
static int
user_passwd(struct cli *c, int argc, char **argv)
{
	const char *pos[1], *name;
	int temporary = 0;
	const struct opt opts[] = {{"temporary", 0, NULL, &temporary},
				   {NULL, 0, NULL, NULL}};
	char pw[1024];
	struct err e;
	int rc;

	if (cli_parse(argc, argv, opts, pos, 1,
		      "govsec user passwd NAME [--temporary] < password") != 1)
		return EXIT_USAGE;
	name = pos[0];
	if (read_password(pw, sizeof(pw)) < 0)
		return EXIT_USAGE;
	rc = cli_store(c);
	if (rc == 0)
		rc = http_user_passwd(c->st, &c->cfg, name, pw, NULL, c->actor,
				      &e);
	if (rc == 0 && temporary)
		rc = http_user_expire(c->st, name, c->actor, &e);
	OPENSSL_cleanse(pw, sizeof(pw));
	if (rc < 0) {
		if (c->st != NULL)
			cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	printf("password of console user '%s' changed%s\n", name,
	       temporary ? " (to be changed at the next login)" : "");
	return 0;
}

/* user totp NAME: enrols (again) a TOTP second factor for the console. */
static int
user_totp(struct cli *c, const char *name)
{
	char secret[40], rec[10][10];
	struct buf uri = BUF_INIT(1024), qr = BUF_INIT(64 * 1024);
	struct err e;
	int rc = EXIT_USAGE;

	if (cli_key(c) < 0)
		return EXIT_USAGE;
	if (http_user_totp(c->st, &c->key, name, secret, rec, c->actor, &e) <
	    0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (gate_totp_uri(&uri, "govsec console", name, secret) < 0 ||
	    gate_qr_text(&qr, uri.data) < 0) {
		cli_error("cannot encode the enrolment URI");
		goto out;
	}
	printf("secret: %s\nuri: %s\n\n%s\nrecovery codes (each works once; "
	       "keep them offline):\n",
	       secret, uri.data, qr.data);
	for (int i = 0; i < 10; i++)
		printf("  %s\n", rec[i]);
	rc = 0;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(rec, sizeof(rec));
	buf_cleanup(&uri);
	buf_cleanup(&qr);
	return rc;
}

int
cmd_user(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	struct err e;

	if (!strcmp(verb, "add")) {
		const char *role = "admin", *unit = NULL, *region = NULL;
		const char *pos[1];
		const struct opt opts[] = {{"role", 1, &role, NULL},
					   {"unit", 1, &unit, NULL},
					   {"region", 1, &region, NULL},
					   {NULL, 0, NULL, NULL}};
		char pw[1024];
		int rc;

		if (cli_parse(
			argc - 1, argv + 1, opts, pos, 1,
			"govsec user add NAME [--role "
			"admin|operator|auditor|viewer|issuer] [--unit USCC | "
			"--region CODE] < password") != 1) {
			cli_error("usage: govsec user add NAME [--role "
				  "admin|operator|auditor|viewer|issuer] "
				  "[--unit USCC "
				  "| --region CODE] (password on stdin)");
			return EXIT_USAGE;
		}
		if (unit != NULL && region != NULL) {
			cli_error("--unit and --region exclude each other");
			return EXIT_USAGE;
		}
		if (read_password(pw, sizeof(pw)) < 0)
			return EXIT_USAGE;
		if (pwrule_check(pos[0], pw, c->cfg.password_min_length, &e) <
		    0) {
			OPENSSL_cleanse(pw, sizeof(pw));
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		if (cli_store(c) < 0)
			return EXIT_USAGE;
		/* One transaction: never an account without its scope. */
		rc = store_begin(c->st, &e);
		if (rc == 0 &&
		    (http_user_add(c->st, pos[0], pw, role, c->actor, &e) < 0 ||
		     ((unit != NULL || region != NULL) &&
		      http_user_scope(c->st, pos[0], unit, region, c->actor,
				      &e) < 0))) {
			store_rollback(c->st);
			rc = -1;
		}
		if (rc == 0)
			rc = store_commit(c->st, &e);
		OPENSSL_cleanse(pw, sizeof(pw));
		if (rc < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		printf("console user '%s' (%s) saved\n", pos[0], role);
		return 0;
	}
	if (!strcmp(verb, "scope")) {
		const char *unit = NULL, *region = NULL, *pos[1];
		int all = 0;
		const struct opt opts[] = {{"unit", 1, &unit, NULL},
					   {"region", 1, &region, NULL},
					   {"all", 0, NULL, &all},
					   {NULL, 0, NULL, NULL}};

		if (cli_parse(argc - 1, argv + 1, opts, pos, 1,
			      "govsec user scope NAME --unit USCC | --region "
			      "CODE | --all") != 1 ||
		    (unit != NULL) + (region != NULL) + all != 1) {
			cli_error("usage: govsec user scope NAME --unit USCC | "
				  "--region CODE | --all");
			return EXIT_USAGE;
		}
		if (cli_store(c) < 0)
			return EXIT_USAGE;
		if (http_user_scope(c->st, pos[0], unit, region, c->actor, &e) <
		    0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		if (unit != NULL)
			printf("console user '%s' now covers unit %s and the "
			       "units below it\n",
			       pos[0], unit);
		else if (region != NULL)
			printf("console user '%s' now covers region %s\n",
			       pos[0], region);
		else
			printf("console user '%s' now covers all units\n",
			       pos[0]);
		return 0;
	}
	if (!strcmp(verb, "list") && argc == 2) {
		if (cli_store(c) < 0)
			return EXIT_USAGE;
		if (store_query(c->st,
				"SELECT name, role, scope_unit, scope_region "
				"FROM console_users ORDER BY name",
				NULL, 0, user_row, NULL, &e) < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (!strcmp(verb, "passwd"))
		return user_passwd(c, argc - 1, argv + 1);
	if (!strcmp(verb, "totp") && argc == 3)
		return user_totp(c, argv[2]);
	cli_error("usage: govsec user add NAME [--role ROLE] [--unit USCC | "
		  "--region CODE] | scope NAME --unit USCC | --region CODE | "
		  "--all | list | passwd NAME [--temporary] | totp NAME");
	return EXIT_USAGE;
}
