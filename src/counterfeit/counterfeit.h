/*
 * counterfeit.h: the public face of src/counterfeit, the monitor for
 * counterfeit government sites, apps and accounts (CF-1; issue 12): the
 * protected set derived from the registry (protect.c), feeds of
 * candidates read as streams (feed.c), the matcher and its index
 * (match.c) and scans that store hits and report what is new (scan.c).
 * Cases, complaints and takedowns build on the hits (cfcase.c and the
 * files beside it). Feeds are untrusted; the registry is trusted.
 */
#ifndef GOVSEC_COUNTERFEIT_H
#define GOVSEC_COUNTERFEIT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "base/base.h"
#include "store/store.h"

/* Limits (docs/counterfeit.md, "Feeds"). */
#define CF_LINE_MAX 8192 /* bytes of a domain, app or account line */
#define CF_CT_LINE_MAX                                                         \
	(1024 * 1024)	     /* bytes of a certificate-transparency line */
#define CF_CT_NAMES_MAX 1000 /* all_domains of one CT entry */
#define CF_FIELD_MAX	1024 /* bytes of one JSON field */
#define CF_HITS_MAX	4    /* hits kept per candidate (best first) */
#define CF_NAME_MAX	256  /* bytes of a name or key kept */

/* protect.c */
/*
 * One protected thing: a registry domain, a name (unit, short name,
 * application, public account, approved online name), a region of a
 * unit, or an application package with its signing certificate.
 */
enum cf_pkind { CF_P_DOMAIN, CF_P_NAME, CF_P_REGION, CF_P_APP };
struct cf_prot {
	enum cf_pkind kind;
	const char *text;     /* shown, and stored as cf_hits.protected */
	const char *what;     /* "domain", "unit name", "short name", ... */
	const char *unit;     /* its unit's credit code, or NULL */
	const char *app;      /* its application's id, or NULL */
	const char *brand;    /* what the index holds (see match.c) */
	const char *suffix;   /* domains: public suffix; regions: initials */
	const char *package;  /* CF_P_APP: the package name, or NULL */
	const char *platform; /* names of accounts: the platform, or NULL */
};
/* A GB/T 2260 region (data/gbt2260.tsv). */
struct cf_region {
	char code[7];
	char name[64];	   /* 延安市 */
	char core[64];	   /* 延安 */
	char pinyin[64];   /* yanan */
	char initials[16]; /* ya */
};
struct cf_index;
/*
 * The protected set: items in an arena, the genuine things (registry
 * domains, registered package+certificate pairs, registered accounts) in
 * maps, the region table, and once sealed the index. Build it with the
 * cf_set_add_* calls or cf_set_load, then cf_set_seal; a sealed set is
 * read-only and may be shared by threads.
 */
struct cf_set {
	struct arena arena;
	struct cf_prot *items;
	size_t n, cap;
	struct map genuine; /* "d:" registrable A-label, "a:" package|cert,
			       "p:" package, "c:" platform|name key */
	struct map domains; /* registrable U-label form -> item index */
	struct cf_region *regions;
	size_t nregions;
	struct cf_index *ix;
};
struct cf_set *cf_set_new(void);
void cf_set_free(struct cf_set *s); /* NULL is a no-op */
/*
 * Adds a registry domain (either form; it and its subdomains are genuine
 * from then on), a name (what says which: "unit name", "short name",
 * "app name", "account", "online name"; platform only for accounts), an
 * application package signed by a certificate (cert: SHA-256 hex, any
 * case; NULL for "any") or a region (by GB/T 2260 code, with the unit
 * whose region it is). unit and app may be NULL. 0, or -1 with e set
 * (a domain that does not parse, a name with no key, an unknown code).
 */
int cf_set_add_domain(struct cf_set *s, const char *domain, const char *unit,
		      const char *app, struct err *e);
int cf_set_add_name(struct cf_set *s, const char *name, const char *what,
		    const char *unit, const char *app, const char *platform,
		    struct err *e);
int cf_set_add_app(struct cf_set *s, const char *name, const char *package,
		   const char *cert, const char *unit, const char *app,
		   struct err *e);
int cf_set_add_region(struct cf_set *s, const char *code, const char *unit,
		      struct err *e);
/* Loads the region table (path NULL: the shipped data/gbt2260.tsv); a
 * line that is not "code TAB name TAB core TAB pinyin TAB initials" is
 * an error naming file and line. 0 or -1. */
int cf_regions_load(struct cf_set *s, const char *path, struct err *e);
const struct cf_region *cf_region_get(const struct cf_set *s, const char *code);
/*
 * Loads the whole protected set from the store: every unit (name, short
 * name, its region and the prefecture and province above it), every
 * application (name; domains; packages and certificates of
 * cf_app_ids; accounts by platform) and every approved online name, then
 * seals it. Regions come from regions_path (NULL: shipped). 0 or -1.
 */
int cf_set_load(struct cf_set *s, struct store *st, const char *regions_path,
		struct err *e);
/* Registers a package and certificate of an application (cf_app_ids,
 * migration 28) after checking the application exists; 0 or -1. */
int cf_app_id_add(struct store *st, const char *app, const char *package,
		  const char *cert, const char *actor, struct err *e);
json_t *cf_app_ids_json(struct store *st, struct err *e);

/* match.c */
/*
 * Builds the index over s's items (see docs/counterfeit.md, "Index"):
 * exact keys and deletion neighbourhoods of domain brands, their visual
 * folds, name keys, region pinyin and packages. 0, or -1 with e set.
 */
int cf_set_seal(struct cf_set *s, struct err *e);
struct cf_hit {
	const struct cf_prot *p;
	char cls[24];	  /* fuzzer class: "omission", "gov-suffix", ... */
	char reason[384]; /* one line, English */
	int score;	  /* 0-100 */
};
/*
 * Judges a candidate domain (untrusted, either form). norm (n bytes)
 * receives its lower-case A-label form. Returns the number of hits
 * written to out (at most max, best first; 0 for no hit or a genuine
 * domain), or -1 if the candidate is not a domain name at all.
 */
int cf_match_domain(const struct cf_set *s, const char *name,
		    struct cf_hit *out, int max, char *norm, size_t n);
/* A candidate app listing or account (fields untrusted, may be NULL). */
struct cf_listing {
	const char *name, *package, *developer, *cert, *store; /* apps */
	const char *platform, *owner;			       /* accounts */
};
int cf_match_app(const struct cf_set *s, const struct cf_listing *l,
		 struct cf_hit *out, int max);
int cf_match_account(const struct cf_set *s, const struct cf_listing *l,
		     struct cf_hit *out, int max);
/* Damerau (optimal string alignment) distance of two byte strings,
 * stopping early above limit (returns limit + 1). */
int cf_osa(const char *a, size_t an, const char *b, size_t bn, int limit);
/* The visual fold of an ASCII label (docs/counterfeit.md): look-alike
 * letters and digits mapped to one, "rn" to "m" ... into out. */
void cf_fold(const char *in, char *out, size_t n);

/* feed.c */
enum cf_kind { CF_AUTO, CF_DOMAIN, CF_CT, CF_APP, CF_ACCOUNT };
const char *cf_kind_name(enum cf_kind k); /* "domain", "ct", ... */
/* By name ("domain", "ct", "app", "account"); -1 if unknown. */
int cf_kind_parse(const char *s);
/* The hit kind of a feed kind: "domain" (domain, ct), "app", "account". */
const char *cf_hit_kind(enum cf_kind k);
struct cf_record {
	enum cf_kind kind;
	const char *domain;	/* CF_DOMAIN, CF_CT */
	struct cf_listing item; /* CF_APP, CF_ACCOUNT */
};
typedef int (*cf_record_fn)(void *arg, const struct cf_record *r,
			    struct err *e);
/* The state of one feed being read: its kind (CF_AUTO until the first
 * line tells), the zone's $ORIGIN and the previous owner name. */
struct cf_feed {
	enum cf_kind kind;
	const char *source; /* file name, for messages */
	long long line;
	char origin[256];
	char last[256];
};
void cf_feed_init(struct cf_feed *f, enum cf_kind kind, const char *source);
/*
 * Parses one line (n bytes, no newline; untrusted) and calls fn for each
 * record in it (a CT entry gives one per name). Blank and comment lines
 * give none. Returns 0, or -1 with e set as "source:line: what" (fn's
 * own errors are passed on).
 */
int cf_feed_line(struct cf_feed *f, const char *line, size_t n, cf_record_fn fn,
		 void *arg, struct err *e);
/* Reads in to its end, line by line within the limits; 0 or -1. */
int cf_feed_read(struct cf_feed *f, FILE *in, cf_record_fn fn, void *arg,
		 struct err *e);

/* scan.c */
struct cf_scan_result {
	char id[64];
	long long candidates, hits, fresh;
	json_t *report; /* the hits new in this scan (or all, see all) */
};
/*
 * Scans one feed file against s and stores the scan (cf_scans) and its
 * hits (cf_hits, upserted by kind, candidate and protected: first_seen
 * kept, last_seen and scan updated) in one transaction. id NULL makes a
 * fresh id. r->report lists the hits first seen in this scan (with all,
 * every hit of the scan). On bad input nothing of the hits is written,
 * the scan is stored with its error and -1 returned with e set.
 */
int cf_scan_file(struct store *st, const struct cf_set *s, const char *path,
		 enum cf_kind kind, const char *id, int all,
		 struct cf_scan_result *r, struct err *e);
void cf_scan_result_cleanup(struct cf_scan_result *r);
/* 1 if a scan with that id has been stored, 0 if not, -1 on error. */
int cf_scan_done(struct store *st, const char *id);
/*
 * govsecd's scheduled scans: every interval, each regular file of
 * [counterfeit] feed_dir not scanned before (its id hashes name, size
 * and modification time) is scanned once, with a protected set loaded
 * afresh for the round. NULL with e set on failure to start.
 */
struct config;
struct cf_sched;
struct cf_sched *cf_sched_start(const struct config *cfg,
				const char *store_path, struct err *e);
void cf_sched_stop(struct cf_sched *x); /* NULL is a no-op */
/* One round over dir now (the scheduler's, also for tests); the number
 * of files scanned, or -1 if the directory cannot be read. */
int cf_scan_dir(struct store *st, const char *dir, const char *regions,
		struct err *e);

#endif
