/*
 * internal.h: what the files of src/rules share and nobody else sees: the
 * in-memory model of the registry and the rule context. Integer fields
 * hold -1 where the registry has no value ("not declared").
 */
#ifndef GOVSEC_RULES_INTERNAL_H
#define GOVSEC_RULES_INTERNAL_H

#include <jansson.h>

#include "rules/rules.h"

struct m_unit {
	char *uscc, *name, *short_name, *kind, *level, *region_name, *parent;
	int establishment;
	int pilot; /* in an e-certificate pilot area (1), else 0 or -1 */
	struct m_unit *up;	    /* parent unit, NULL if none or unknown */
	int portals;		    /* live portals */
	long long tally[ST__COUNT]; /* findings counted for o->tally */
};

struct m_domain {
	char *name, *unicode, *lang;
	int main;
	int suffix; /* enum domain_suffix, stored at registration */
	/* LINK-4: registration expiry and cancellation, NULL if none */
	char *registered_until, *cancelled;
};

enum app_kind { APP_PORTAL, APP_APP, APP_MINI, APP_ACCOUNT, APP_EMAIL };

struct m_app {
	char *id, *unit, *type, *name, *status;
	enum app_kind kind;
	int open, live; /* status is not "closed"; status is "live" */
	char *platforms, *login_channels, *ip_segments, *whitelist; /* JSON */
	char *last_assessment, *last_upgrade, *outsourcer;
	int filed, mlps, critical, important, staff, personal;
	int mfa, idle, lockout, devbind, devrestrict, overseas;
	int retention, backup, autofwd, autodl;
	struct m_unit *u;
	struct m_domain *domains;
	int ndomains;
	int fails;    /* failing findings so far (for SUP-1) */
	int unknowns; /* undecided findings so far (for SUP-1) */
	int overdue;  /* acknowledged failures past their due date */
	/* SUP-1: opening date (NULL: not declared); acknowledgements of
	 * its findings and the latest due date among them */
	char *opened;
	int nacks;
	const char *ack_due;
};

struct m_outsourcer {
	char *id, *name, *unit;
	int duties, consent;
};

struct m_person {
	char *id, *name, *unit, *kind, *outsourcer;
};

struct m_grant {
	char *id, *person, *app, *scope, *privilege, *expires, *authorized_by;
	int active;
	struct m_person *p;
	/* OUT-3: the person who authorised it (the 'authorizer' field, else
	 * 'authorized_by' naming a registered person's id or name), NULL if
	 * unknown; OUT-4: the privilege its scope needs, NULL if undeclared */
	char *authorizer, *needed;
	struct m_person *auth;
	const char *owner; /* unit whose system it opens: the application's
			    * owner, else the person's own unit */
};

struct m_ack {
	char *owner, *due, *note;
	char *object; /* the finding's object (SUP-1 shows its acks) */
};

/* A person's attestation (govsec attest), unrevoked; dates YYYY-MM-DD. */
struct m_attest {
	char *requirement, *object, *verdict, *evidence, *reviewer, *date,
	    *expires, *unit;
};

struct model {
	struct arena a;
	struct arena a2;	/* model.c: the second thread's strings */
	void *chunks, *chunks2; /* model.c: the strings of both, packed */
	struct m_unit *units;
	struct m_app *apps;
	struct m_outsourcer *outsourcers;
	struct m_person *people;
	struct m_grant *grants;
	struct m_ack *acks;
	struct m_attest *attests; /* oldest first */
	size_t nunits, napps, noutsourcers, npeople, ngrants, nacks, nattests;
	/* what the arrays (big_alloc) hold */
	size_t capunits, capapps, capoutsourcers, cappeople, capgrants, capacks,
	    capattests;
	struct map ack_idx; /* key: rule \t object */
	/* the arrays above by their keys (model.c) */
	struct sidx unit_idx, app_idx, person_idx, outsourcer_idx;
};

/* model.c */
/* Loads the model from st, the applications and domains from twin on a
 * second thread meanwhile if twin is not NULL (the same snapshot: see
 * store_begin_read_twin), then also calls meanwhile(arg) (if not NULL)
 * on this thread while that one works. 0, or -1 with e set; model_free
 * either way. */
int model_load(struct model *m, struct store *st, struct store *twin,
	       void (*meanwhile)(void *arg), void *arg, struct err *e);
void model_free(struct model *m);
struct m_unit *model_unit(struct model *m, const char *uscc);
struct m_app *model_app(struct model *m, const char *id);
struct m_outsourcer *model_outsourcer(struct model *m, const char *id);

/* check.c: the context a rule runs in */
struct rule_def;
struct check_ctx {
	struct model *m;
	const struct check_opts *o;
	const struct rule_def *rule;
	const struct check_sink *sink;
	struct check_summary *sum;
	char today[11];
	time_t now; /* the evaluation time (check_opts.now or the clock) */
	struct buf ev;
	struct buf ev_zh, fix_zh;	/* the Chinese of the finding (zh.c) */
	const struct m_unit *last_unit; /* the unit of the last finding */
	struct store *st; /* for evidence in other parts' tables (gate) */
	/* newest inspection run per host, loaded once per check */
	struct map insp_latest;
	int insp_loaded;
	/* rules_link.c: inspection runs and probes read once per check */
	struct link_cache *link;
	/* rules_gate.c: the gate's evidence read once per check */
	struct gate_cache *gate;
	struct check_req *req; /* the requirement being judged */
	struct map att_idx;    /* requirement \t object -> newest attestation */
	/* the date of the observation the next findings come from (set by
	 * a rule around its check_emit calls), NULL: registry data */
	const char *obs;
	/* a requirement judged by attestations where its rule has no
	 * evidence (MAIL-3): the objects the rule judged ("REQ\tobject"),
	 * whose attestations emit_v applied already, and "REQ" once it
	 * judged every unit in scope (rule_attested then skips them) */
	struct map judged;
	/* by application index: 1 hides an open application from app_open
	 * (the gate's rules, rules_gate.c); NULL: none hidden */
	const char *hidden;
	/* a second thread's context (check.c): what it emits is recorded
	 * for the first thread to hand on in rule order, and what it counts
	 * by unit and by application is kept apart until merged */
	struct check_rec *rec;
	long long (*utally)[ST__COUNT]; /* by unit index; NULL: the units' */
	/* by application index: what check_emit_app counted for o->tally,
	 * added to the units' counts by check_fold (NULL: no tally) */
	unsigned (*atally)[ST__COUNT];
	struct app_count *acount; /* by app index; NULL: the apps' */
	/* the applications SUP-1 goes through: [apps_from, apps_to) */
	size_t apps_from, apps_to;
};

/* What check_emit_app counts for an application (struct m_app's). */
struct app_count {
	int fails, unknowns, overdue;
};

struct rule_def {
	const char *id, *requirement, *title, *title_zh;
	void (*run)(struct check_ctx *c);
};

/* 1 if a finding of status st reaches the sink (evidence that nobody
 * reads need not be built). */
int check_emits(const struct check_ctx *c, enum fstatus st);
/* 1 if objects of unit should be examined (the --unit filter). */
int check_wants(struct check_ctx *c, const char *unit);
/* Emits a finding for object (of type otype: "unit", "grant", ...);
 * evidence formatted; fix kept only for non-pass. */
void check_emit(struct check_ctx *c, enum fstatus st, const char *otype,
		const char *object, const char *unit, const char *fix,
		const char *fmt, ...) PRINTF_LIKE(7, 8);
/* Same, for an application (counts its failures and undecided findings
 * for SUP-1). */
void check_emit_app(struct check_ctx *c, struct m_app *a, enum fstatus st,
		    const char *fix, const char *fmt, ...) PRINTF_LIKE(5, 6);
/* 1 if the application is live (not planned or closed). */
int app_live(const struct m_app *a);
/* 1 if the application is live or planned (not closed), and not hidden
 * from the rule running in c (c->hidden). */
int app_open(const struct check_ctx *c, const struct m_app *a);
/* Parses a JSON list column (NULL, or a new array). */
json_t *check_json_list(const char *text);
/* 1 if the unit is an organ (not a public institution). */
int unit_is_organ(const struct m_unit *u);
/* 1 if the unit is a public institution. */
int unit_is_institution(const struct m_unit *u);

/* Rule functions, one file per chapter of REQUIREMENTS.md. */
void rule_scope_unit_kind(struct check_ctx *c);	    /* SCOPE-1 */
void rule_site_one_portal(struct check_ctx *c);	    /* SITE-1 */
void rule_site_domains(struct check_ctx *c);	    /* SITE-2 */
void rule_site_suffix(struct check_ctx *c);	    /* SITE-3 */
void rule_site_county(struct check_ctx *c);	    /* SITE-4 */
void rule_app_platforms(struct check_ctx *c);	    /* APP-1 */
void rule_app_not_bound(struct check_ctx *c);	    /* APP-3 */
void rule_name_unit_first(struct check_ctx *c);	    /* NAME-1 */
void rule_link_observed(struct check_ctx *c);	    /* LINK-*, LOGO-1, GOVWEB */
void rule_sec_mlps(struct check_ctx *c);	    /* SEC-1 */
void rule_sec_assessment(struct check_ctx *c);	    /* SEC-2 */
void rule_sec_staff_access(struct check_ctx *c);    /* SEC-3 */
void rule_sec_overseas(struct check_ctx *c);	    /* SEC-4 */
void rule_sec_logs(struct check_ctx *c);	    /* SEC-5 */
void rule_out_contract(struct check_ctx *c);	    /* OUT-1 */
void rule_out_subcontract(struct check_ctx *c);	    /* OUT-2 */
void rule_out_highest_admin(struct check_ctx *c);   /* OUT-3 */
void rule_out_least_privilege(struct check_ctx *c); /* OUT-4 */
void rule_auth_mfa(struct check_ctx *c);	    /* AUTH-1 */
void rule_auth_idle(struct check_ctx *c);	    /* AUTH-2 */
void rule_auth_lockout(struct check_ctx *c);	    /* AUTH-3 */
void rule_auth_device(struct check_ctx *c);	    /* AUTH-4 */
void rule_mail_forward(struct check_ctx *c);	    /* MAIL-1 */
void rule_mail_attachments(struct check_ctx *c);    /* MAIL-2 */
void rule_mail_flow(struct check_ctx *c);	    /* MAIL-3 */
void rule_sup_rectified(struct check_ctx *c);	    /* SUP-1 */
void rule_link_domain_expiry(struct check_ctx *c);  /* LINK-4 */
void rule_ecert_certificate(struct check_ctx *c);   /* CERT-1 */
void rule_ecert_name_approved(struct check_ctx *c); /* NAME-2 */
void rule_ecert_platforms(struct check_ctx *c);	    /* APP-2 */
void rule_ecert_auth(struct check_ctx *c);	    /* AUTH-5 */
void rule_ecert_logo(struct check_ctx *c);	    /* LOGO-1 */
/* rules_link.c: frees what the observation rules kept for the check */
void check_link_free(struct check_ctx *c);
/* rules_link.c: for a whole check, reads the newest inspection run of
 * every host, summed up, into c (else the first observation rule does);
 * needs only c's options, store and insp_latest, not the model. */
void check_link_preload(struct check_ctx *c);
void rule_cf_scans(struct check_ctx *c);      /* CF-1 */
void rule_cf_complaints(struct check_ctx *c); /* CF-1 */
void rule_cf_confirmed(struct check_ctx *c);  /* CF-2 */
void rule_cf_stopped(struct check_ctx *c);    /* CF-3 */
/* check.c: the attestations of a requirement no rule examines */
void rule_attested(struct check_ctx *c);
/* rules_gate.c: the same requirements judged from the gate's evidence for
 * applications it protects; each then runs the declaration rule above for
 * the other applications. */
void rule_gate_staff_access(struct check_ctx *c); /* SEC-3 */
void rule_gate_overseas(struct check_ctx *c);	  /* SEC-4 */
void rule_gate_mfa(struct check_ctx *c);	  /* AUTH-1 */
void rule_gate_idle(struct check_ctx *c);	  /* AUTH-2 */
void rule_gate_lockout(struct check_ctx *c);	  /* AUTH-3 */
void rule_gate_device(struct check_ctx *c);	  /* AUTH-4 */
/* Days a whitelist entry is open, started days counted (SEC-4: the gate's
 * and the declared entries are held to [check] whitelist_max_days). */
long long whitelist_days(time_t from, time_t until);

/* rules_gate.c: frees what the gate rules kept for the check */
void check_gate_free(struct check_ctx *c);

#endif
