/*
 * rules.h: the public face of src/rules, the self-examination (SUP-1): one
 * rule per requirement that registry data can decide, run over an
 * in-memory model of the registry, findings streamed to a sink (so memory
 * does not grow with their number), and report writers (text, JSON, SARIF,
 * HTML). Reads only the store; trusts its contents as validated on entry.
 */
#ifndef GOVSEC_RULES_H
#define GOVSEC_RULES_H

#include <stdio.h>

#include <jansson.h>

#include "base/base.h"
#include "store/store.h"

enum fstatus { ST_PASS, ST_FAIL, ST_NA, ST_UNKNOWN, ST__COUNT };

struct finding {
	const char *rule;	 /* stable rule id, e.g. "site.suffix" */
	const char *requirement; /* REQUIREMENTS.md id, e.g. "SITE-3" */
	const char *title;	 /* what the rule checks, English */
	const char *title_zh;	 /* the same in Chinese */
	enum fstatus status;
	const char *object;	 /* the unit's credit code or the record's id */
	const char *object_type; /* "unit", "application", "grant", ... */
	const char *unit;	 /* the unit it belongs to (uscc) */
	const char *unit_name;	 /* that unit's name, NULL if unknown */
	const char *evidence;	 /* what was seen */
	const char *fix;	 /* how to fix (empty on pass) */
	/* the same in Chinese (zh.c), NULL where the catalogue has none */
	const char *evidence_zh, *fix_zh;
	/* acknowledgement (rectification tracking), NULL if none */
	const char *owner, *due, *note;
	int overdue; /* acknowledged, due date passed, still failing */
	/* how the status was reached: "rule" (registry data), "observation"
	 * (inspection, probes, gate evidence; observed is its date),
	 * "attestation" (a person's, below) or "none" (unknown) */
	const char *judged_by, *observed;
	/* the attestation that decided it, NULL if none */
	const char *reviewer, *attested, *expires;
	/* the unit's place among the run's registered units (0, 1, ..., the
	 * same for each of its findings), -1 if none or unregistered */
	long unit_ix;
};

/* Receives each finding; the pointers are valid only during the call. */
struct check_sink {
	void (*emit)(void *arg, const struct finding *f);
	void *arg;
	unsigned want; /* statuses emitted (bit 1 << status); 0: all. The
			* others are only counted, so no evidence is built. */
	/* Optional, for a sink that can take findings from several threads:
	 * branch(arg) gives a new arg for emit that holds findings apart (one
	 * thread's); join(arg, branch) then puts them after those arg has,
	 * in their order, and frees branch. Both in arg's thread. */
	void *(*branch)(void *arg);
	void (*join)(void *arg, void *branch);
};

struct check_opts {
	const char *unit; /* only this unit's objects (NULL: all) */
	/* only findings of these units (NULL: all; none of no unit) */
	const struct map *units;
	time_t now;		/* evaluation time (0: time_now()) */
	int idle_max_minutes;	/* AUTH-2 longest acceptable idle timeout */
	int lockout_max;	/* AUTH-3 most failures before lockout */
	int whitelist_max_days; /* SEC-4 longest whitelist entry */
	/* SEC-3: declared or enforced segments may cover at most as many
	 * addresses as one /segment_prefix4 (IPv4) and /segment_prefix6 */
	int segment_prefix4, segment_prefix6;
	/* gate evidence: decisions of the last gate_window_days count; a
	 * gate silent for more than gate_stale_minutes is stale (unknown) */
	int gate_window_days, gate_stale_minutes;
	/* CF-1..3: a feed scanned every cf_scan_hours, a complaint examined
	 * within cf_answer_days, a suspect decided within cf_confirm_days,
	 * a counterfeit taken down within cf_takedown_days */
	int cf_scan_hours, cf_answer_days, cf_confirm_days, cf_takedown_days;
	/* MAIL-3: an e-mail system's newest mail-flow record is at most
	 * mail_flow_stale_days old */
	int mail_flow_stale_days;
	/* If set, called for every finding in scope, emitted or not, with
	 * its unit (its place as in struct finding, uscc and name; -1 and
	 * NULL if none): counts by unit without building the evidence of
	 * findings nobody reads. The findings of a registered unit are
	 * counted with the unit and handed over at the end of the run,
	 * through tally_n (n of them at once) if set. */
	void (*tally)(void *arg, long unit_ix, const char *unit,
		      const char *unit_name, enum fstatus st);
	void (*tally_n)(void *arg, long unit_ix, const char *unit,
			const char *unit_name, enum fstatus st, long long n);
	void *tally_arg;
	/* 1: the sink shows no Chinese (evidence_zh and fix_zh stay NULL,
	 * not built; report_opts sets it) */
	int no_zh;
	/* threads: 0 (the default) runs a whole check on two threads where
	 * the store can give a second connection the same snapshot (SQLite)
	 * and the sink branches (struct check_sink) or takes only failures
	 * and undecided findings (their order kept: the second thread's are
	 * handed on after the first's); 1 runs it on one thread; 2 on two
	 * wherever the store can */
	int threads;
};
/* Dates in the registry (expiry, due, assessment) are Beijing dates:
 * "today" is the date in Asia/Shanghai, which keeps UTC+8 all year. */
#define CHECK_UTC_OFFSET  (8 * 3600)
#define CHECK_IDLE_MAX	  30
#define CHECK_LOCKOUT_MAX 10

/*
 * How one requirement of the catalogue (REQUIREMENTS.md) was judged in a
 * run: its verdict ("pass", "fail", "not_applicable", "unknown" or
 * "not_judged": no rule examines it and no person attested it), by what
 * ("rule", "observation", "attestation" or "none"), the findings' counts
 * and the date of the newest observation ("" if none).
 */
struct check_req {
	const char *id, *title, *title_zh;
	const char *verdict, *judged_by;
	const char *note; /* how it is judged where no rule does, or NULL */
	long long count[ST__COUNT];
	long long attested; /* findings decided by an attestation */
	/* no rule examines it: units in scope nobody attested it for */
	long long unjudged_units;
	char observed[32];
};
#define CHECK_REQ_MAX 64

/* The overall verdict: compliant only when nothing in scope fails, nothing
 * is unknown and every requirement was judged. */
enum check_verdict { V_COMPLIANT, V_FAILING, V_INCOMPLETE };

/* What the examination covered, and when. */
struct check_scope {
	char at[32];   /* the evaluation time, RFC 3339 UTC */
	char date[11]; /* its date in Beijing (the date of the examination) */
	char unit[64]; /* check_opts.unit, "" for all */
	int scoped;    /* kept to an account's units (check_opts.units) */
	long long units, apps; /* units and open applications examined */
	size_t rules;	       /* rules run */
};

struct check_summary {
	struct check_scope scope;
	long long count[ST__COUNT];
	long long overdue;
	long long not_judged; /* requirements nobody judged */
	size_t nreq;
	struct check_req req[CHECK_REQ_MAX]; /* catalogue order */
};

/* check.c */
/* Sets defaults in o. */
void check_opts_init(struct check_opts *o);
/* The defaults, then the [check] thresholds of cfg. */
struct config;
void check_opts_config(struct check_opts *o, const struct config *cfg);
/*
 * Loads the registry and runs every rule, calling sink for each finding in
 * rule order. Fills sum. Returns 0, or -1 with e set (e.g. unknown unit).
 */
int check_run(struct store *st, const struct check_opts *o,
	      const struct check_sink *sink, struct check_summary *sum,
	      struct err *e);
/* rules_link.c: the evidence summaries check reads (migration 30). */
/* An inspection run's findings (JSON text) summed up per requirement as
 * check reads them (table insp_run_sums): heap text. */
char *check_run_sums(const char *findings);
/* Writes the sums of every run without them and makes every
 * application's probe row again (probesum.c), in one transaction; the
 * counts of each when not NULL. 0, or -1 with e set and nothing written. */
int check_summarize(struct store *st, long long *nruns, long long *napps,
		    struct err *e);
/* The overall verdict of a run, and its name ("compliant", "failing",
 * "incomplete"). */
enum check_verdict check_verdict(const struct check_summary *sum);
const char *check_verdict_str(enum check_verdict v);
/* "pass", "fail", "not_applicable", "unknown"; and the reverse (-1). */
const char *check_status_str(enum fstatus s);
int check_status_parse(const char *s);
/* Records an acknowledgement of a finding with owner and due date
 * (YYYY-MM-DD), audited. */
int check_ack(struct store *st, const char *rule, const char *object,
	      const char *owner, const char *due, const char *note,
	      const char *actor, struct err *e);

/* The rule table, for listings and docs. */
struct rule_info {
	const char *id, *requirement, *title, *title_zh;
};
const struct rule_info *check_rules(size_t *n);

/* 1 if a person may attest requirement id: it is in the catalogue and is
 * judged by rules or by nobody (not enforced on entry, not a department's
 * duty). */
int check_attestable(const char *id);

/* attest.c */
struct attest_rec {
	long long id;
	const char *requirement, *object, *unit, *verdict, *evidence, *reviewer,
	    *attested, *expires, *actor, *revoked;
};
/*
 * Records a person's verdict ("pass" or "fail") on requirement for object
 * (an application, grant, outsourcing unit or unit), dated today, expiring
 * on in->expires (YYYY-MM-DD, today to a year from today; NULL: a year
 * from today); in->id, unit, attested, actor and revoked are ignored.
 * Audited (attest.add) in the same transaction. Sets *id; 0, or -1 with e
 * naming the field that is wrong.
 */
int attest_add(struct store *st, const struct attest_rec *in, const char *actor,
	       long long *id, struct err *e);
/* Calls fn for each attestation, newest first, revoked and expired ones
 * too: of object (NULL: all), of units in the map (NULL: all). The record's
 * strings are valid during the call. fn returns 0 to go on. */
int attest_each(struct store *st, const char *object, const struct map *units,
		int (*fn)(void *, const struct attest_rec *), void *arg,
		struct err *e);
/* Revokes attestation id (of a unit in units, NULL: any), audited
 * (attest.revoke); -1 with e if it does not exist, is revoked already or
 * is out of scope. */
int attest_revoke(struct store *st, long long id, const struct map *units,
		  const char *actor, struct err *e);
/* An attestation as a JSON object (new reference). */
json_t *attest_json(const struct attest_rec *a);

/* zh.c: the Chinese of the rules' evidence and fix texts */
struct zh_entry {
	const char *en, *zh; /* a format or phrase and its Chinese */
};
/* The catalogue (for tests), in no particular order. */
const struct zh_entry *zh_table(size_t *n);
/* The Chinese of English format or phrase en, or NULL if none (or if its
 * conversions differ from the English's). */
const char *zh_lookup(const char *en);
/* The argument types of fmt's conversions in order ("s", "i", "l", "L",
 * "z", "f", "*" for a star) in out; -1 for a conversion zh.c does not
 * format (%n, %p, positional) or if out (n bytes) is too small. */
int zh_conversions(const char *fmt, char *out, size_t n);
/* Appends to b the Chinese of fmt formatted with ap (fixed phrases among
 * the %s arguments translated too); -1 if the catalogue has no entry for
 * fmt (nothing appended) or b is full. */
int zh_vformat(struct buf *b, const char *fmt, va_list ap) VPRINTF_LIKE(2);
/* Appends the Chinese of text s: a phrase of the catalogue, or text
 * formatted from one of its formats (a fix a rule built with str_fmt);
 * -1 if none matches. */
int zh_text(struct buf *b, const char *s);

/* report.c */
enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_SARIF, REPORT_HTML };
int report_format_parse(const char *s); /* -1 if unknown */
struct report;
/* A writer streaming findings to out; statuses selects which findings are
 * written (bit 1 << status), the summary always covers all. */
struct report *report_new(enum report_format f, FILE *out, unsigned statuses,
			  const char *lang);
struct check_sink report_sink(struct report *r);
/* Lets r count every finding by unit, emitted or not (o->tally), and
 * tells check_run whether r shows Chinese (o->no_zh): call before
 * check_run, else a unit's counts are of the findings written. */
void report_opts(struct report *r, struct check_opts *o);
/* For tests: text and HTML write findings to their file stage bytes at
 * a time, at most mem bytes of them to memory in each thread's branch (the
 * rest to a temporary file; before the first finding only), and write the
 * report out in at most pieces pieces a system call (at most 512). */
void report_hold_sizes(struct report *r, size_t stage, long long mem,
		       int pieces);
/* A finding and a summary as JSON objects (new references), with the
 * field names of the --format json contract. */
json_t *report_finding_json(const struct finding *f);
json_t *report_summary_json(const struct check_summary *sum);
/* Every requirement of the catalogue with how it was judged, as a JSON
 * array (new reference) of objects id, title, title_zh, verdict,
 * judged_by, observed, attested, note and the status counts. */
json_t *report_requirements_json(const struct check_summary *sum);
/* What the run examined (struct check_scope) as a JSON object (new
 * reference): date, at, unit, scoped, units, applications, rules,
 * requirements. */
json_t *report_scope_json(const struct check_summary *sum);
/*
 * Counts of findings by unit, the groups of the text and HTML reports:
 * report_units_opts sets o->tally so that check_run counts into u;
 * report_units_json gives them (new reference) in report order, the
 * units with most failures first, then most undecided, then by name: an
 * array of objects unit, name and the status counts.
 */
struct report_units;
struct report_units *report_units_new(void);
void report_units_free(struct report_units *u);
void report_units_count(void *arg, long unit_ix, const char *unit,
			const char *name, enum fstatus st);
void report_units_opts(struct report_units *u, struct check_opts *o);
json_t *report_units_json(struct report_units *u);
/* Writes what is held and the summary (text and HTML: the whole report,
 * summary first), then frees r. */
int report_finish(struct report *r, const struct check_summary *sum);

#endif
