/*
 * mail.h: the public face of src/mail, what stops automatic forwarding of
 * mail to the outside (MAIL-1) and records how mail circulated (MAIL-3).
 * milter.c judges one message from what an MTA told the milter (envelope,
 * ESMTP parameters, headers: all untrusted, bounded here); milter_glue.c
 * speaks libmilter to Postfix; flow.c keeps the mail-flow records and the
 * forwarding exceptions in the store. docs/mail.md says what each signal
 * means and where a milter sees it.
 */
#ifndef GOVSEC_MAIL_H
#define GOVSEC_MAIL_H

#include "base/base.h"
#include "store/store.h"

#define MAIL_ADDR_MAX	 320  /* bytes of an address (RFC 5321: 64 + 1 + 255) */
#define MAIL_RCPT_MAX	 256  /* recipients of one message judged */
#define MAIL_HDR_ADDRS	 16   /* addresses kept per signal header */
#define MAIL_MSGID_MAX	 998  /* bytes of a Message-ID kept */
#define MAIL_DOMAINS_MAX 4096 /* local domains */
#define MAIL_EXC_MAX	 4096 /* forwarding exceptions */
#define MAIL_SIGNALS_MAX 256  /* bytes of the signal names of a verdict */

enum mail_action {
	MAIL_ACCEPT,
	MAIL_REJECT,
	MAIL_QUARANTINE,
	MAIL_DISCARD,
};

/* The signals, each a bit of mail_verdict.signals (docs/mail.md). */
enum mail_signal {
	MAIL_SIG_SIEVE,	       /* X-Sieve-Redirected-From (Pigeonhole) */
	MAIL_SIG_EXCHANGE,     /* X-MS-Exchange-Inbox-Rules-Loop */
	MAIL_SIG_FORWARDED,    /* X-Forwarded-For / X-Forwarded-To (Gmail) */
	MAIL_SIG_DELIVERED_TO, /* Delivered-To: a local address (local(8)) */
	MAIL_SIG_SRS,	       /* SRS0= / SRS1= envelope sender */
	MAIL_SIG_FOREIGN_FROM, /* foreign envelope sender leaving for outside */
	MAIL_SIG_ORCPT,	       /* ORCPT local while RCPT is external */
	MAIL_SIG_COUNT
};

/* A forwarding exception: addr is an address or "@domain"; until is the
 * first second it no longer applies. */
struct mail_exception {
	char addr[MAIL_ADDR_MAX];
	time_t until;
};

/*
 * What the milter applies: local domains (lower case, ASCII/A-labels; a
 * subdomain of one is local too), the weight of each signal, the score from
 * which a message is a forwarding attempt, what to do with one, the daemon
 * name of the outbound inspection hop and the exceptions. Built by
 * mail_policy_*; immutable while messages are judged (reload = build a new
 * one and swap).
 */
struct mail_policy {
	char **domains;
	size_t ndomains;
	int weight[MAIL_SIG_COUNT];
	int threshold;
	enum mail_action action;
	char hop[64]; /* [milter] outbound_hop: daemon name of the hop */
	struct mail_exception *exc;
	size_t nexc;
};

struct mail_rcpt {
	char addr[MAIL_ADDR_MAX];  /* normalized RCPT TO */
	char orcpt[MAIL_ADDR_MAX]; /* normalized ORCPT rfc822 address, "" */
	int external;		   /* addr's domain is not local */
};

/* One message as the milter saw it. Fill with mail_msg_* calls. */
struct mail_msg {
	char hop[64];		    /* {daemon_name}, "" if unknown */
	char client[64];	    /* client address */
	char queue_id[32];	    /* {i} */
	char sender[MAIL_ADDR_MAX]; /* normalized MAIL FROM, "" = null */
	int sender_bad;		    /* MAIL FROM did not parse */
	int smtputf8;		    /* MAIL FROM had SMTPUTF8 */
	struct mail_rcpt *rcpt;
	size_t nrcpt, rcpt_cap;
	size_t rcpt_dropped; /* recipients past MAIL_RCPT_MAX */
	size_t rcpt_bad;     /* recipients that did not parse */
	char message_id[MAIL_MSGID_MAX + 1];
	/* addresses named by signal headers (normalized) */
	char sieve_from[MAIL_HDR_ADDRS][MAIL_ADDR_MAX];
	size_t nsieve_from;
	char delivered_to[MAIL_HDR_ADDRS][MAIL_ADDR_MAX];
	size_t ndelivered_to;
	char forwarded[MAIL_HDR_ADDRS][MAIL_ADDR_MAX];
	size_t nforwarded;
	int exchange_loop; /* X-MS-Exchange-Inbox-Rules-Loop seen */
	int forwarded_hdr; /* X-Forwarded-For/To seen */
	size_t headers;	   /* headers seen */
};

struct mail_verdict {
	enum mail_action action;
	int score;
	unsigned signals;	       /* bits (1u << enum mail_signal) */
	char names[MAIL_SIGNALS_MAX];  /* "sieve-redirect,orcpt-local" or "" */
	char reason[256];	       /* one line: why this action */
	char exception[MAIL_ADDR_MAX]; /* the exception that let it pass */
};

/* milter.c */
/* The name of a signal ("sieve-redirect", ...) and of an action. */
const char *mail_signal_name(enum mail_signal s);
const char *mail_action_name(enum mail_action a);
/* Parses "accept|reject|quarantine|discard"; 0 or -1. */
int mail_action_parse(const char *s, enum mail_action *a);
/*
 * Normalizes an address as an MTA passes it ("<a@B.example>", "a@b",
 * with or without the angle brackets and surrounding space; "<>" is the
 * null address) into out (MAIL_ADDR_MAX bytes): the local part as given
 * (quotes kept), "@", the domain in lower case. A source route
 * ("<@x:a@b>") is dropped. Returns 0 (out "" for the null address), or -1
 * if s is not one address of at most MAIL_ADDR_MAX - 1 bytes (control
 * characters, no "@" or an empty part).
 */
int mail_addr_norm(const char *s, char out[MAIL_ADDR_MAX]);
/* The domain of a normalized address (after the last '@'), "" if none. */
const char *mail_addr_domain(const char *addr);
/*
 * Decodes an ORCPT parameter value ("rfc822;a+2Bb@example", RFC 3461
 * xtext) into a normalized address in out. 0, or -1 if it is not an
 * rfc822 address type, the xtext is malformed or the address is bad.
 */
int mail_orcpt_decode(const char *value, char out[MAIL_ADDR_MAX]);
/*
 * Calls fn for each address in a header value (n bytes, untrusted): an
 * address list ("Name <a@b>, c@d") or addresses separated by white space
 * (X-Forwarded-For), comments and quoted display names skipped. At most
 * max addresses; returns how many were passed to fn.
 */
size_t mail_header_addrs(const char *value, size_t n, size_t max,
			 void (*fn)(void *arg, const char *addr), void *arg);

/* A fresh policy with the default weights, threshold and action. */
void mail_policy_init(struct mail_policy *p);
void mail_policy_cleanup(struct mail_policy *p);
/* Sets signal weights from "NAME=WEIGHT" items separated by commas or
 * blanks ([milter] weights; names as mail_signal_name gives, weights 0 to
 * 1000; signals not named keep their default). 0, or -1 with e set. */
int mail_policy_set_weights(struct mail_policy *p, const char *list,
			    struct err *e);
/* Adds local domain(s): a comma or space separated list; lower-cased,
 * duplicates ignored. 0, or -1 with e naming the bad name. */
int mail_policy_add_domains(struct mail_policy *p, const char *list,
			    struct err *e);
/* 1 if domain (any case) is one of the local domains or under one. */
int mail_policy_local(const struct mail_policy *p, const char *domain);
/* Adds an exception; 0, or -1 with e set (bad address, too many). */
int mail_policy_add_exception(struct mail_policy *p, const char *addr,
			      time_t until, struct err *e);
/*
 * Parses [milter] exceptions: "addr until, addr until" where until is a
 * date (YYYY-MM-DD, exclusive: the day it ends) or RFC 3339 time. 0, or
 * -1 with e naming the bad entry.
 */
int mail_policy_add_exceptions(struct mail_policy *p, const char *list,
			       struct err *e);

void mail_msg_init(struct mail_msg *m);
void mail_msg_cleanup(struct mail_msg *m);
/* Forgets the message but keeps the connection's hop and client. */
void mail_msg_reset(struct mail_msg *m);
/* MAIL FROM as given with its ESMTP parameters (NULL-terminated; may be
 * NULL); a bad address is kept as bad (judged foreign). */
void mail_msg_sender(struct mail_msg *m, const char *from, char *const *params);
/* RCPT TO with its ESMTP parameters (NULL-terminated; may be NULL). 0, or
 * -1 if the address does not parse (the caller may refuse it). */
int mail_msg_rcpt(struct mail_msg *m, const struct mail_policy *p,
		  const char *to, char *const *params);
/* One header (name and value as received, untrusted). */
void mail_msg_header(struct mail_msg *m, const char *name, const char *value);
/*
 * Judges m under p at time now: which signals fire for the external
 * recipients, their score, and the action: accept when nothing goes
 * outside, the score is below the threshold, or an exception covers it;
 * otherwise p->action, except that a reject on the outbound hop would
 * make our own MTA bounce the message to a sender outside, so there it
 * becomes a quarantine (docs/mail.md).
 */
void mail_judge(const struct mail_policy *p, const struct mail_msg *m,
		time_t now, struct mail_verdict *v);
/* The bilingual text of a 550 5.7.1 reject: English and Chinese when the
 * client asked for SMTPUTF8 (utf8), else English and pinyin (SMTP replies
 * are ASCII). One line. */
const char *mail_reject_text(int utf8);

/* flow.c */
/*
 * Stores one mail-flow record: m's envelope, Message-ID, hop and v's
 * signals and decision, at time at, in one transaction with an audit
 * record when the action is not accept (actor "milter", action
 * "mail.reject" / "mail.quarantine" / "mail.discard"). id (33 bytes)
 * gets the record's id. 0, or -1 with e set (nothing written).
 */
int mail_flow_record(struct store *st, const struct mail_msg *m,
		     const struct mail_verdict *v, time_t at, char id[33],
		     struct err *e);
/*
 * The rows of mail_flow_record() without the transaction and the audit
 * record, inside the caller's transaction (the milter commits a batch of
 * accepted messages at once); rcpts is scratch space (the recipients'
 * text is left in it). 0, or -1 with e set.
 */
int mail_flow_insert(struct store *st, const struct mail_msg *m,
		     const struct mail_verdict *v, time_t at, char id[33],
		     struct buf *rcpts, struct err *e);
struct mail_trace_q {
	const char *address;	/* sender, recipient or original recipient */
	const char *message_id; /* exact, angle brackets optional */
	time_t since, until;	/* 0: open */
	long long limit;	/* rows at most (1..100000) */
};
/*
 * Calls fn per record matching q, newest first. Columns: id, at, hop,
 * queue_id, client, sender, message_id, rcpts (space separated, each
 * "addr" or "addr(orig)"), signals, score, decision, reason. 0 or -1.
 */
int mail_flow_trace(struct store *st, const struct mail_trace_q *q,
		    store_row_fn fn, void *arg, struct err *e);
/*
 * Deletes records older than days (never fewer than SEC-5's
 * AUDIT_MIN_RETENTION), 10000 per transaction until none is left, with
 * an audit record naming how many. Returns the number deleted, or -1.
 */
long long mail_flow_prune(struct store *st, int days, const char *actor,
			  struct err *e);
/* Exceptions in the store: add (replaces one for the same address), list
 * (columns: address, until, reason, created, created_by), remove (1 if
 * there was none), each audited as actor. */
int mail_exc_add(struct store *st, const char *addr, time_t until,
		 const char *reason, const char *actor, struct err *e);
int mail_exc_list(struct store *st, store_row_fn fn, void *arg, struct err *e);
int mail_exc_rm(struct store *st, const char *addr, const char *actor,
		struct err *e);
/* Adds the store's unexpired exceptions and the registry's domains (as
 * local) to p. 0 or -1. */
int mail_policy_load_store(struct mail_policy *p, struct store *st, time_t now,
			   struct err *e);
/* What the records say of MAIL-3 (`govsec check`, src/rules/rules_mail.c). */
struct mail_flow_ev {
	time_t first, last; /* the oldest and the newest record; 0: none */
	time_t *seen;	    /* per domain: its newest record, 0: none read */
	long long scanned;  /* records read looking for the domains */
	time_t read_back;   /* the oldest of them */
	int read_all;	    /* 0: stopped after max_rows, domains unfound */
	int keep_days;	    /* what the pruning keeps (audit retention) */
	/* the mail.prune since horizon that removed the youngest records:
	 * when, and the days it kept; 0: none */
	time_t prune_at;
	int prune_days;
	/* the newest stop in the audit chain since horizon whose record is
	 * gone without a prune (older than the oldest record); 0: none */
	time_t stop_at;
	char stop_id[40];
};
/*
 * Fills ev for the domains (lower case, ASCII or UTF-8 as addresses are
 * recorded; one may stand more than once): seen[i] is the newest record
 * whose envelope sender, recipient or original recipient is at
 * domains[i] (exactly, no subdomains), found reading records newest first
 * until a domain of every group is found (group[i] < ndomains: the group
 * of domains[i]; NULL: each its own), the oldest is read, or max_rows
 * were read. Audit records older than horizon are not read. 0, or -1
 * with e set (ev cleaned up). mail_flow_ev_cleanup frees ev->seen.
 */
int mail_flow_evidence(struct store *st, const char *const *domains,
		       const size_t *group, size_t ndomains, time_t horizon,
		       long long max_rows, struct mail_flow_ev *ev,
		       struct err *e);
void mail_flow_ev_cleanup(struct mail_flow_ev *ev);
/*
 * Calls fn with the domain (after the last '@'; n bytes, not terminated)
 * of each address in text, a record's sender or recipients as
 * mail_flow_trace() gives them: addresses separated by spaces, each
 * maybe followed by its original recipient in parentheses ("a@b
 * c@d(orig@e) +2 more"); words without a domain are skipped. text may be
 * NULL. Returns how many calls.
 */
size_t mail_flow_domains(const char *text,
			 void (*fn)(void *arg, const char *dom, size_t n),
			 void *arg);

/* milter_glue.c */
struct milter_opts {
	const struct config *cfg;
	const char *store_path;
	const char *journal_path; /* files path.0, path.1 (journal.h) */
};
/*
 * Runs the milter on [milter] listen until SIGTERM/SIGINT (libmilter's
 * smfi_main). Returns the exit status (0, or 1 after a logged error).
 */
int milter_run(const struct milter_opts *o, struct err *e);
/* Builds the policy of the config (and the store, if st): 0 or -1. */
int milter_policy(const struct config *c, struct store *st,
		  struct mail_policy *p, struct err *e);

#endif
