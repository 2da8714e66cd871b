/*
 * rules_ecert.c: the e-certificate chapter judged from what govsec's own
 * certificate authority and verification service hold (src/ecert;
 * REQUIREMENTS.md CERT-1, NAME-2, APP-2, AUTH-5). E-certificates, online
 * names and logos were first used in pilot areas (interp. Q4-Q6): a unit
 * not marked `ecert_pilot` in the registry is not bound by them. Where the
 * service saw nothing, the rules say `unknown` and leave the question to
 * a person's attestation; evidence is the store's tables, read at the
 * evaluation time.
 */
#include <string.h>

#include "rules/internal.h"

#define EVIDENCE_DAYS 365 /* verifications older than a year do not count */

static int
pilot(struct check_ctx *c, const struct m_unit *u, const char *what)
{
	if (u->pilot == 1)
		return 1;
	check_emit(
	    c, ST_NA, "unit", u->uscc, u->uscc, NULL,
	    "not in an e-certificate pilot area ('ecert_pilot'): %s bind "
	    "units of pilot areas only (interp. Q4-Q6)",
	    what);
	return 0;
}

struct certs {
	int valid, revoked, expired;
	char serial[48], until[32], revoked_at[32], rserial[48];
};

static int
cert_row(void *arg, struct store_row *r)
{
	struct certs *k = arg;
	const char *revoked = store_row_text(r, 2);
	int live = (int)store_row_int(r, 3);

	if (revoked != NULL) {
		k->revoked++;
		str_copy(k->rserial, store_row_text(r, 0), sizeof(k->rserial));
		str_copy(k->revoked_at, revoked, sizeof(k->revoked_at));
	} else if (!live) {
		k->expired++;
	} else if (k->valid++ == 0) {
		str_copy(k->serial, store_row_text(r, 0), sizeof(k->serial));
		str_copy(k->until, store_row_text(r, 1), sizeof(k->until));
	}
	return 0;
}

/* CERT-1: a pilot unit holds a valid certificate, and platforms are not
 * shown a revoked one. */
void
rule_ecert_certificate(struct check_ctx *c)
{
	char now[32], since[32];

	time_fmt(c->now, now, sizeof(now));
	time_fmt(c->now - (time_t)EVIDENCE_DAYS * 86400, since, sizeof(since));
	for (size_t i = 0; i < c->m->nunits; i++) {
		const struct m_unit *u = &c->m->units[i];
		struct certs k;
		struct store_val v[3] = {SV_TEXT(now), SV_TEXT(now),
					 SV_TEXT(u->uscc)};
		struct store_val w[2] = {SV_TEXT(u->uscc), SV_TEXT(since)};
		long long shown;

		if (!check_wants(c, u->uscc) ||
		    !pilot(c, u, "electronic certificates"))
			continue;
		memset(&k, 0, sizeof(k));
		if (store_query(c->st,
				"SELECT serial, not_after, revoked, "
				"CASE WHEN not_before <= ? AND not_after > ? "
				"THEN 1 ELSE 0 END FROM ecert_certs WHERE "
				"unit = ? ORDER BY not_after DESC",
				v, 3, cert_row, &k, NULL) < 0)
			continue;
		shown =
		    store_query_int(c->st,
				    "SELECT COUNT(*) FROM ecert_verifications "
				    "WHERE unit = ? AND status = 'revoked' "
				    "AND at >= ?",
				    w, 2, 0);
		if (shown > 0)
			check_emit(c, ST_FAIL, "unit", u->uscc, u->uscc,
				   "use the unit's valid certificate; have the "
				   "revoked one withdrawn from every platform",
				   "platform operators were shown a revoked "
				   "certificate of the unit %lld times in the "
				   "last year",
				   shown);
		else if (k.valid > 0)
			check_emit(c, ST_PASS, "unit", u->uscc, u->uscc, NULL,
				   "certificate %s is valid until %s", k.serial,
				   k.until);
		else if (k.revoked > 0)
			check_emit(c, ST_FAIL, "unit", u->uscc, u->uscc,
				   "issue the unit a new certificate "
				   "(govsec cert issue)",
				   "no valid certificate: %s was revoked on %s",
				   k.rserial, k.revoked_at);
		else if (k.expired > 0)
			check_emit(c, ST_FAIL, "unit", u->uscc, u->uscc,
				   "issue the unit a new certificate "
				   "(govsec cert issue)",
				   "no valid certificate: %d expired",
				   k.expired);
		else
			check_emit(c, ST_FAIL, "unit", u->uscc, u->uscc,
				   "issue the unit its certificate "
				   "(govsec cert issue)",
				   "no electronic certificate has been issued "
				   "to the unit");
	}
}

struct name_state {
	int approved, pending, rejected;
	char reason[256];
};

static int
name_row(void *arg, struct store_row *r)
{
	struct name_state *n = arg;
	const char *st = store_row_text(r, 0);

	if (!strcmp(st, "approved"))
		n->approved++;
	else if (!strcmp(st, "pending"))
		n->pending++;
	else {
		n->rejected++;
		str_copy(n->reason, store_row_text(r, 1), sizeof(n->reason));
	}
	return 0;
}

/* NAME-2: an application's name is an approved online name of its unit
 * (of the application itself, or of the unit). */
void
rule_ecert_name_approved(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		struct name_state n;
		struct store_val v[3];

		if (!app_open(c, a) || a->u == NULL || !check_wants(c, a->unit))
			continue;
		if (a->u->pilot != 1) {
			check_emit_app(c, a, ST_NA, NULL,
				       "not in an e-certificate pilot area "
				       "('ecert_pilot'): online names bind "
				       "units of pilot areas only (interp. "
				       "Q4-Q6)");
			continue;
		}
		memset(&n, 0, sizeof(n));
		v[0] = SV_TEXT(a->unit);
		v[1] = SV_TEXT(a->name);
		v[2] = SV_TEXT(a->id);
		if (store_query(c->st,
				"SELECT state, reason FROM ecert_names WHERE "
				"unit = ? AND name = ? AND (app IS NULL OR "
				"app = ?)",
				v, 3, name_row, &n, NULL) < 0)
			continue;
		if (n.approved > 0)
			check_emit_app(c, a, ST_PASS, NULL,
				       "online name '%s' is approved", a->name);
		else if (n.pending > 0)
			check_emit_app(c, a, ST_UNKNOWN,
				       "have the establishment department "
				       "decide the application",
				       "online name '%s' awaits the "
				       "establishment department's decision",
				       a->name);
		else if (n.rejected > 0)
			check_emit_app(c, a, ST_FAIL,
				       "rename the application and apply again "
				       "(govsec name apply)",
				       "online name '%s' was rejected: %s",
				       a->name, n.reason);
		else
			check_emit_app(c, a, ST_FAIL,
				       "apply for the online name (govsec name "
				       "apply NAME --unit USCC --app ID)",
				       "online name '%s' is not approved: no "
				       "application was made",
				       a->name);
	}
}

/* APP-2: the unit proved its identity to platform operators through the
 * verification service (apps, mini programs and accounts it runs on
 * platforms). */
void
rule_ecert_platforms(struct check_ctx *c)
{
	char since[32];

	time_fmt(c->now - (time_t)EVIDENCE_DAYS * 86400, since, sizeof(since));
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		struct store_val v[2] = {SV_TEXT(a->unit), SV_TEXT(since)};
		long long n;

		if (!app_open(c, a) || a->u == NULL || !check_wants(c, a->unit) ||
		    (a->kind != APP_APP && a->kind != APP_MINI &&
		     a->kind != APP_ACCOUNT))
			continue;
		if (a->u->pilot != 1) {
			check_emit_app(
			    c, a, ST_NA, NULL,
			    "not in an e-certificate pilot area "
			    "('ecert_pilot'): proof by e-certificate "
			    "binds units of pilot areas only (interp. "
			    "Q4-Q6)");
			continue;
		}
		n = store_query_int(c->st,
				    "SELECT COUNT(DISTINCT operator) FROM "
				    "ecert_verifications WHERE unit = ? AND "
				    "status = 'valid' AND at >= ?",
				    v, 2, 0);
		if (n > 0)
			check_emit_app(c, a, ST_PASS, NULL,
				       "%lld platform operators verified the "
				       "unit's certificate through the service "
				       "in the last year",
				       n);
		else
			check_emit_app(
			    c, a, ST_UNKNOWN,
			    "have the platform verify the unit's "
			    "certificate through the verification "
			    "service, or attest how the unit proved "
			    "itself (govsec attest APP-2)",
			    "no platform operator verified the unit "
			    "through the service in the last year: "
			    "how the unit proved its identity to the "
			    "platform is not known");
	}
}

/* AUTH-5 (encouraged): the unit authenticated with its certificate's key
 * (a signed challenge); never a failure. */
void
rule_ecert_auth(struct check_ctx *c)
{
	char since[32];

	time_fmt(c->now - (time_t)EVIDENCE_DAYS * 86400, since, sizeof(since));
	for (size_t i = 0; i < c->m->nunits; i++) {
		const struct m_unit *u = &c->m->units[i];
		struct store_val v[2] = {SV_TEXT(u->uscc), SV_TEXT(since)};
		long long n;

		if (!check_wants(c, u->uscc) ||
		    !pilot(c, u, "authentication with e-certificates"))
			continue;
		n = store_query_int(c->st,
				    "SELECT COUNT(*) FROM ecert_verifications "
				    "WHERE unit = ? AND method = 'challenge' "
				    "AND status = 'valid' AND at >= ?",
				    v, 2, 0);
		if (n > 0)
			check_emit(c, ST_PASS, "unit", u->uscc, u->uscc, NULL,
				   "the unit authenticated with its "
				   "certificate's key %lld times in the last "
				   "year",
				   n);
		else
			check_emit(
			    c, ST_NA, "unit", u->uscc, u->uscc, NULL,
			    "encouraged, not required: the unit has not "
			    "authenticated with its certificate's key in "
			    "the last year");
	}
}

struct logos {
	int valid, revoked, other; /* other: valid, not for the domain */
	char id[17], issued[32], domains[256], rid[17], rat[32];
};

static int
logo_row(void *arg, struct store_row *r)
{
	struct logos *k = arg;
	const char *revoked = store_row_text(r, 3);
	int covers = (int)store_row_int(r, 4);

	if (revoked != NULL) {
		k->revoked++;
		str_copy(k->rid, store_row_text(r, 0), sizeof(k->rid));
		str_copy(k->rat, revoked, sizeof(k->rat));
	} else if (!covers) {
		k->other++;
		str_copy(k->domains, store_row_text(r, 2), sizeof(k->domains));
	} else if (k->valid++ == 0) {
		str_copy(k->id, store_row_text(r, 0), sizeof(k->id));
		str_copy(k->issued, store_row_text(r, 1), sizeof(k->issued));
	}
	return 0;
}

/* LOGO-1 from the register of online logos: an application of a pilot
 * unit (not its e-mail) holds a valid logo, issued for its main domain
 * when it has one. Whether the portal shows it: observe.logo. */
void
rule_ecert_logo(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		const char *dom = NULL;
		char quoted[300] = "";
		struct logos k;
		struct store_val v[3];

		if (!app_open(c, a) || a->u == NULL || a->kind == APP_EMAIL ||
		    !check_wants(c, a->unit))
			continue;
		if (a->u->pilot != 1) {
			check_emit_app(c, a, ST_NA, NULL,
				       "not in an e-certificate pilot area "
				       "('ecert_pilot'): online logos bind "
				       "units of pilot areas only (interp. "
				       "Q4-Q6)");
			continue;
		}
		for (int d = 0; d < a->ndomains; d++)
			if (dom == NULL || a->domains[d].main)
				dom = a->domains[d].name;
		/* the domains are a JSON array of strings: "name" quoted */
		if (dom != NULL)
			str_fmt(quoted, sizeof(quoted), "%%\"%s\"%%", dom);
		memset(&k, 0, sizeof(k));
		v[0] = SV_TEXT(quoted);
		v[1] = SV_TEXT(quoted);
		v[2] = SV_TEXT(a->id);
		if (store_query(c->st,
				"SELECT id, issued, domains, revoked, CASE "
				"WHEN ? = '' OR domains LIKE ? THEN 1 ELSE 0 "
				"END FROM ecert_logos WHERE app = ? ORDER BY "
				"issued DESC, id",
				v, 3, logo_row, &k, NULL) < 0)
			continue;
		if (k.valid > 0)
			check_emit_app(c, a, ST_PASS, NULL,
				       "online logo %s issued on %s", k.id,
				       k.issued);
		else if (k.other > 0)
			check_emit_app(c, a, ST_FAIL,
				       "issue the application a new online "
				       "logo for its domains (govsec logo "
				       "issue APP) and revoke the old one",
				       "the application's online logo was "
				       "issued for %s, not for its domain %s",
				       k.domains, dom);
		else if (k.revoked > 0)
			check_emit_app(c, a, ST_FAIL,
				       "issue the application a new online "
				       "logo (govsec logo issue APP)",
				       "no valid online logo: %s was revoked "
				       "on %s",
				       k.rid, k.rat);
		else
			check_emit_app(c, a, ST_FAIL,
				       "once its online name is approved, "
				       "issue the application its online logo "
				       "(govsec logo issue APP)",
				       "no online logo has been issued to the "
				       "application");
	}
}
