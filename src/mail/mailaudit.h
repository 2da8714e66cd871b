/*
 * mailaudit.h: `govsec mail audit`, the configuration auditor of a unit's
 * e-mail system (REQUIREMENTS.md MAIL-1, MAIL-2; interp. Q15). It reads
 * what Postfix, Dovecot with Pigeonhole, users' Sieve scripts and
 * Roundcube are configured to do, and names each way mail could be
 * forwarded automatically or attachments and remote content fetched
 * without the user asking. A recorded audit is the evidence `govsec
 * check` judges MAIL-1 and MAIL-2 from (src/rules/rules_mail.c), in place
 * of the registry's declared flags alone. docs/mail.md lists every
 * finding.
 */
#ifndef GOVSEC_MAILAUDIT_H
#define GOVSEC_MAILAUDIT_H

#include <jansson.h>

#include "base/base.h"
#include "store/store.h"

#define MAIL_AUDIT_MAX_FILE  (8 * 1024 * 1024) /* one configuration file */
#define MAIL_AUDIT_MAX_FILES 100000	       /* files read in one audit */

struct mail_finding {
	const char *req;  /* "MAIL-1" or "MAIL-2" */
	int fail;	  /* 1: the requirement is not met; 0: worth a look */
	const char *code; /* stable name, e.g. "postfix.forward_path" */
	char *file;	  /* where, with line (0: the file as a whole) */
	int line;
	char *text, *text_zh; /* what was found */
	char *fix, *fix_zh;
};

struct mail_audit_opts {
	const char *postfix_dir;  /* holds main.cf (and master.cf) */
	const char *dovecot_conf; /* dovecot.conf (its !include too) */
	const char *const *sieve; /* scripts or directories of them */
	size_t nsieve;
	const char *roundcube;	    /* config.inc.php */
	const char *const *domains; /* local domains besides Postfix's own */
	size_t ndomains;
	const char *milter; /* how Postfix names govsec-milter; NULL:
			       anything naming "govsec" */
};

struct mail_audit {
	struct arena arena;
	struct mail_finding *f;
	size_t nf, capf;
	const char **sources; /* files read */
	size_t nsources, capsources;
	const char **local; /* the local domains used, lower case */
	size_t nlocal, caplocal;
	/* what was read: forwarding is judged only when Postfix was, and
	 * attachments only when Roundcube was */
	int postfix, dovecot, sieve, roundcube;
};

/*
 * Audits what o names. Returns 0 (findings in a), or -1 with e set when a
 * named file cannot be read at all (a missing main.cf, say); a script
 * that does not parse is a finding, not an error.
 */
int mail_audit_run(struct mail_audit *a, const struct mail_audit_opts *o,
		   struct err *e);
void mail_audit_free(struct mail_audit *a);
/* Counts of failing findings of req ("MAIL-1", "MAIL-2"). */
size_t mail_audit_fails(const struct mail_audit *a, const char *req);
/* {covered:[...], sources:[...], local_domains:[...], findings:[...]} */
json_t *mail_audit_json(const struct mail_audit *a);
/*
 * Records the audit as the evidence of application app (an e-mail
 * system of the registry) with its audit record; id receives its id.
 * 0, or -1 with e set (unknown application: nothing written).
 */
int mail_audit_record(struct store *st, const char *app,
		      const struct mail_audit *a, const char *actor,
		      char id[33], struct err *e);

/* Is address addr (user@domain, or a bare local part) outside the local
 * domains of a? 1 outside, 0 local. */
int mail_audit_external(const struct mail_audit *a, const char *addr);

#endif
