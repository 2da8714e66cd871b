/*
 * govsec-milter.c: the Postfix milter that stops automatic forwarding of
 * mail to outside addresses (MAIL-1) and records every message it sees
 * (MAIL-3). A thin main over src/mail: reads govsec.conf ([milter], the
 * store), then runs libmilter in the foreground (systemd supervises it).
 * With -n it only checks the configuration and prints the policy. -j
 * names the journal of accepted messages' records (src/mail/journal.h):
 * by default next to an SQLite store, "<store>.milter-journal.0" and
 * ".1"; a PostgreSQL store needs -j (a local file).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail/mail.h"

static int
usage(int asked)
{
	fputs("usage: govsec-milter [-hn] [-c config] [-d database] "
	      "[-j journal]\n",
	      asked ? stdout : stderr);
	return asked ? 0 : 2;
}

int
main(int argc, char **argv)
{
	const char *conf = getenv("GOVSEC_CONF"), *db = NULL, *journal = NULL;
	char jpath[1024];
	struct milter_opts o;
	struct config cfg;
	struct err e;
	int opt, check = 0;

	while ((opt = getopt(argc, argv, "c:d:hj:n")) != -1) {
		switch (opt) {
		case 'c':
			conf = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'j':
			journal = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			return usage(1);
		default:
			return usage(0);
		}
	}
	if (optind != argc)
		return usage(0);
	config_defaults(&cfg);
	if (conf != NULL && *conf != '\0' && config_load(&cfg, conf, &e) < 0) {
		fprintf(stderr, "govsec-milter: %s\n", e.msg);
		return 2;
	}
	if (check) {
		struct mail_policy p;
		struct store *st = store_open(config_store_path(&cfg, db), &e);

		if (st == NULL || store_migrate(st, &e) < 0 ||
		    milter_policy(&cfg, st, &p, &e) < 0) {
			fprintf(stderr, "govsec-milter: %s\n", e.msg);
			store_free(st);
			return 2;
		}
		printf("configuration OK: listen %s, action %s, threshold %d, "
		       "outbound hop '%s', %zu local domains, %zu exceptions\n",
		       cfg.milter_listen, mail_action_name(p.action),
		       p.threshold, p.hop, p.ndomains, p.nexc);
		mail_policy_cleanup(&p);
		store_free(st);
		return 0;
	}
	o.cfg = &cfg;
	o.store_path = config_store_path(&cfg, db);
	if (journal == NULL) {
		if (str_starts(o.store_path, "postgres") ||
		    str_fmt(jpath, sizeof(jpath), "%s.milter-journal",
			    o.store_path) < 0) {
			fputs("govsec-milter: name the journal with -j (a "
			      "local path: the store is not a file)\n",
			      stderr);
			return 2;
		}
		journal = jpath;
	}
	o.journal_path = journal;
	if (milter_run(&o, &e) != 0) {
		fprintf(stderr, "govsec-milter: %s\n", e.msg);
		return 1;
	}
	return 0;
}
