/*
 * cases.h: the public face of the counterfeit cases (CF-1..3): scan hits
 * (cf_hits, written by the matcher) and public complaints become cases
 * that move new -> confirming -> counterfeit | genuine | not_government
 * -> takedown_requested -> taken_down -> referred, every step recorded
 * with who and when in the case's history and the audit chain; the
 * takedown outputs (RPZ zone, nftables set, blocklists, notices) written
 * from the cases decided counterfeit; the warning page. Complaints,
 * challenges and tracking codes come from anyone and are untrusted; the
 * store and the configuration are trusted.
 */
#ifndef GOVSEC_CF_CASES_H
#define GOVSEC_CF_CASES_H

#include <jansson.h>

#include "base/base.h"
#include "store/store.h"

#define CF_ID_MAX	 48	     /* bytes of a case id with its NUL */
#define CF_CANDIDATE_MAX 512	     /* bytes of a candidate (name, package) */
#define CF_NOTE_MAX	 4000	     /* bytes of a note or a description */
#define CF_ADDRESSES_MAX 64	     /* addresses one step may record */
#define CF_TRACKING_MAX	 40	     /* bytes of a tracking code with its NUL */
#define CF_CHALLENGE_MAX 64	     /* bytes of a challenge with its NUL */
#define CF_NONCE_MAX	 64	     /* bytes of a nonce */
#define CF_CONTACT_MAX	 200	     /* bytes of a complainant's contact */
#define CF_COMPLAINT_MAX (16 * 1024) /* bytes of a complaint's JSON */
#define CF_POW_BITS	 20	     /* [complaints] pow_bits default */
#define CF_POW_SECONDS	 600	     /* a challenge lives so long */
#define CF_LIST_MAX	 1000	     /* rows of a listing at most */

/* cases.c */
enum cf_state {
	CF_NEW,
	CF_CONFIRMING,
	CF_COUNTERFEIT,
	CF_GENUINE,
	CF_NOT_GOVERNMENT,
	CF_TAKEDOWN_REQUESTED,
	CF_TAKEN_DOWN,
	CF_REFERRED,
	CF__STATES
};
/* "new", "confirming", ...; and back (-1 if unknown). */
const char *cf_state_name(enum cf_state s);
int cf_state_parse(const char *s);
/* 1 if a case in state s is decided counterfeit (is to be stopped). */
int cf_state_stopped(enum cf_state s);
/* 1 if a case in state s is still open (not genuine, not_government,
 * not referred). */
int cf_state_open(enum cf_state s);

/* What a new case is about (cf_case_open). */
struct cf_subject {
	const char *kind;      /* "domain", "app" or "account" */
	const char *candidate; /* domain (either form), app, account name */
	const char *platform;  /* account's platform or app store, or NULL */
	const char *unit;      /* the unit it imitates (USCC) or NULL */
	const char *protected_name; /* what it imitates, or NULL */
	const char *source;	    /* "scan", "complaint" or "manual" */
	const char *note;	    /* why it was opened, or NULL */
};
/*
 * Normalises s->candidate for its kind into out (n bytes): a domain (or a
 * URL's host) as its A-label form, lower case; an app or account name as
 * given, trimmed, without control characters. 0, or -1 with e naming what
 * is wrong (an empty, too long or invalid name, a bare public suffix).
 */
int cf_candidate_norm(const char *kind, const char *candidate, char *out,
		      size_t n, struct err *e);
/*
 * Opens a case for s, or finds the open case of the same kind and
 * candidate (*created 0): either way its id in id. Inside the caller's
 * transaction when there is one, else its own; audited (cf.case.open)
 * with actor. 0, or -1 with e naming the bad field.
 */
int cf_case_open(struct store *st, const struct cf_subject *s,
		 const char *actor, char id[CF_ID_MAX], int *created,
		 struct err *e);
/* Opens (or joins) the case of hit hit_id and marks the hit taken; -1
 * with e if there is no such hit or it has a case already. */
int cf_case_open_hit(struct store *st, const char *hit_id, const char *actor,
		     char id[CF_ID_MAX], struct err *e);
/* The same for every hit without a case; *n cases touched. 0 or -1. */
int cf_case_open_hits(struct store *st, const char *actor, long long *n,
		      struct err *e);

/* One step of a case (cf_case_step). */
enum cf_action {
	CFA_CONFIRM,  /* new -> confirming */
	CFA_DECIDE,   /* confirming -> decision */
	CFA_TAKEDOWN, /* counterfeit -> takedown_requested */
	CFA_DONE,     /* takedown_requested -> taken_down */
	CFA_REFER,    /* taken_down -> referred, with the referral */
	CFA_NOTE,     /* an observation; the state stays */
	CFA__COUNT
};
const char *cf_action_name(enum cf_action a);
int cf_action_parse(const char *s); /* -1 if unknown */
struct cf_step {
	enum cf_action action;
	const char *decision;  /* CFA_DECIDE: counterfeit, genuine, ... */
	const char *note;      /* what was observed or why; may be NULL */
	const char *addresses; /* IPv4/IPv6 addresses or prefixes, comma
				* separated, that the candidate uses */
	const char *agency;    /* CFA_REFER: the public security organ */
	const char *reference; /* CFA_REFER: its reference, or NULL */
	const char *unit;      /* the registered unit it imitates, found
				* out on the way (any step but refer), or
				* NULL to leave it */
};
/*
 * Takes case id one step (no state may be skipped or taken twice; a
 * decision needs a note) and records it in the history with actor, the
 * time and what was observed, and in the audit chain (cf.case.ACTION),
 * in one transaction. The referral keeps its evidence bundle (the case,
 * its history, hits and complaints without contacts) and the bundle's
 * SM3 digest, which its audit record names. 0, or -1 with e saying why
 * (no such case, a step not allowed from its state, a bad field).
 */
int cf_case_step(struct store *st, const char *id, const struct cf_step *s,
		 const char *actor, struct err *e);
/*
 * A case as JSON (new reference): its fields, history, hits, complaints
 * (contacts opened with k when k is given, else left out) and referral
 * with its bundle. NULL with e set if there is no such case.
 */
json_t *cf_case_json(struct store *st, const char *id,
		     const struct secret_key *k, struct err *e);
/* Cases, newest first, in state (NULL: all), at most limit
 * (CF_LIST_MAX): a JSON array (new reference) or NULL with e set. */
json_t *cf_case_list(struct store *st, const char *state, long long limit,
		     struct err *e);
/* Hits, newest first; only those without a case if unassigned. */
json_t *cf_hit_list(struct store *st, int unassigned, long long limit,
		    struct err *e);
/* Scans, newest first. */
json_t *cf_scan_list(struct store *st, long long limit, struct err *e);

/* complaint.c */
/* A complaint as it arrives (cf_complaint_parse); strings are within
 * their limits, UTF-8 without controls (description: line breaks too). */
struct cf_complaint_in {
	char kind[16];
	char target[CF_CANDIDATE_MAX];
	char platform[128];
	char description[CF_NOTE_MAX + 1];
	char contact[CF_CONTACT_MAX + 1];
	char lang[8]; /* "zh" or "en" */
	char challenge[CF_CHALLENGE_MAX];
	char nonce[CF_NONCE_MAX + 1];
};
/*
 * Parses a complaint's JSON body (n bytes, at most CF_COMPLAINT_MAX): an
 * object of kind ("domain", "app", "account"), target, description,
 * platform, contact, lang, challenge and nonce, nothing else, each a
 * string within its limit. 0, or -1 with e naming the field ("$.kind:
 * ...").
 */
int cf_complaint_parse(const char *body, size_t n, struct cf_complaint_in *out,
		       struct err *e);
/* Issues a challenge of bits leading zero bits (8..32) that lives
 * seconds: its text into challenge and its end into *expires (expired
 * ones are removed). 0 or -1 with e. */
int cf_pow_issue(struct store *st, int bits, int seconds,
		 char challenge[CF_CHALLENGE_MAX], time_t *expires,
		 struct err *e);
/* 1 if SHA-256 of challenge, ":" and nonce starts with bits zero bits. */
int cf_pow_solved(const char *challenge, const char *nonce, int bits);
/* Redeems a solved challenge once: 1, 0 if it was never issued, is used,
 * has expired or is not solved (e says which), -1 on a store error. */
int cf_pow_redeem(struct store *st, const char *challenge, const char *nonce,
		  struct err *e);
/*
 * Takes in a parsed complaint whose challenge was redeemed: opens (or
 * joins) the case of its target, keeps the complaint with its contact
 * sealed under k (context "cf_complaints.contact:ID") and writes a new
 * tracking code (unguessable; only its SHA-256 is kept) into tracking.
 * Audited as cf.complaint by "public". 0, or -1 with e.
 */
int cf_complaint_submit(struct store *st, const struct secret_key *k,
			const struct cf_complaint_in *in,
			char tracking[CF_TRACKING_MAX], struct err *e);
/* What the complainant may see of the complaint with that tracking code:
 * kind, target, state, dates (no contact, no notes, no names), or NULL
 * if there is none. */
json_t *cf_complaint_track(struct store *st, const char *tracking);
/* Complaints, newest first, contacts opened with k (NULL: left out);
 * _of: those of case id, oldest first. */
json_t *cf_complaint_list(struct store *st, const struct secret_key *k,
			  long long limit, struct err *e);
json_t *cf_complaint_list_of(struct store *st, const char *id,
			     const struct secret_key *k, struct err *e);
/* The form page (lang "zh" or "en") and the tracking page of code (NULL:
 * its empty form); the status to answer (200, 404). */
int cf_complaint_page(struct buf *out, const char *lang);
int cf_track_page(struct store *st, const char *code, const char *lang,
		  struct buf *out);
/* The script of the form page (solves the challenge). */
const char *cf_complaint_js(void);

/* takedown.c */
struct cf_takedown_opts {
	const char *zone;	  /* the RPZ's name, "rpz.govsec." */
	const char *warning_host; /* CNAME target; NULL or "": NXDOMAIN */
	int ttl;		  /* seconds (300) */
};
void cf_takedown_opts_init(struct cf_takedown_opts *o);
struct cf_takedown_result {
	long long serial; /* the zone's serial */
	int changed;	  /* the outputs changed (and were written) */
	long long domains, addresses, apps, accounts;
	long long refused; /* names never stopped (genuine, suffixes) */
};
/*
 * Writes the takedown outputs into dir from the cases decided
 * counterfeit: govsec.rpz (the RPZ zone, A-labels, each name and its
 * subdomains to NXDOMAIN or a CNAME to the warning host), govsec-cf.nft
 * (nftables sets govsec_cf_v4 and _v6), domains.txt, addresses.txt,
 * apps.txt, accounts.txt and a notice per app or account case
 * (notice-ID.json, notice-ID.html). A name of the registry, a parent of
 * one or a public suffix is never stopped (counted as refused). Each file
 * is replaced atomically; the serial goes up only when the content
 * changes (kept in the store). 0, or -1 with e set (nothing half-written
 * is left under a final name).
 */
int cf_takedown_write(struct store *st, const char *dir,
		      const struct cf_takedown_opts *o,
		      struct cf_takedown_result *r, struct err *e);
/* The notice for the platform of app or account case id, as JSON (html
 * 0) or a printable bilingual page (html 1), appended to out. 0 or -1. */
int cf_takedown_notice(struct store *st, const char *id, int html,
		       struct buf *out, struct err *e);
/* What is stopped now: domains, addresses, apps, accounts (new ref). */
json_t *cf_takedown_json(struct store *st, struct err *e);
/*
 * The warning page for host (the name a browser asked for; NULL: a
 * generic page) in both languages, lang first: 200 if host is a stopped
 * name (or NULL), else 404 with a page saying nothing is known of it.
 */
int cf_warning_page(struct store *st, const char *host, const char *lang,
		    struct buf *out);

#endif
