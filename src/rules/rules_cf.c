/*
 * rules_cf.c: "Counterfeits" (CF-1..3), judged from what the counterfeit
 * monitor recorded: every feed scanned in the last [check] cf_scan_hours
 * (feeds seen in the last 90 days), every complaint examined (its case
 * out of "new") within cf_answer_days, every suspect decided within
 * cf_confirm_days of its case's opening, every counterfeit taken down
 * within cf_takedown_days of the decision. Nothing recorded, nothing
 * judged (the requirement is then not applicable here). Findings belong
 * to the unit a case imitates, if known. Trusts the store.
 */
#include <string.h>

#include "rules/internal.h"

#define DAY	  86400LL
#define FEED_DAYS 90  /* a feed scanned within so many days is in use */
#define KEEP_DAYS 365 /* closed complaints and cases judged so long */

static void
date_of(time_t t, char out[11])
{
	time_fmt_date(t + CHECK_UTC_OFFSET, out, 11);
}

/* ---- CF-1: scans ----------------------------------------------------------
 */

static int
scan_row(void *arg, struct store_row *r)
{
	struct check_ctx *c = arg;
	const char *feed = store_row_text(r, 0);
	long long ok = store_row_null(r, 1) ? 0 : store_row_int(r, 1);
	long long last = store_row_int(r, 2);
	const char *err = store_row_text(r, 3);
	long long hours = c->o->cf_scan_hours;
	char obj[600], when[32], date[11];

	if (feed == NULL)
		return 0;
	str_fmt(obj, sizeof(obj), "cf-feed:%s", feed);
	date_of((time_t)last, date);
	c->obs = date;
	if (ok == 0)
		check_emit(c, ST_FAIL, "feed", obj, NULL,
			   "find why the scans of the feed fail and run one "
			   "(govsec counterfeit scan)",
			   "feed '%s' has no successful scan (last error: %s)",
			   feed, err != NULL ? err : "none recorded");
	else if (c->now - ok > hours * 3600) {
		time_fmt((time_t)ok, when, sizeof(when));
		check_emit(c, ST_FAIL, "feed", obj, NULL,
			   "scan the feed on schedule (govsecd's scheduled "
			   "scans, or govsec counterfeit scan)",
			   "feed '%s' last scanned %s, more than %lld hours "
			   "ago",
			   feed, when, hours);
	} else {
		time_fmt((time_t)ok, when, sizeof(when));
		check_emit(c, ST_PASS, "feed", obj, NULL, NULL,
			   "feed '%s' scanned %s, within %lld hours", feed,
			   when, hours);
	}
	c->obs = NULL;
	return 0;
}

void
rule_cf_scans(struct check_ctx *c)
{
	struct store_val v[1] = {SV_INT(c->now - FEED_DAYS * DAY)};
	struct err e;

	if (c->o->unit != NULL)
		return; /* no unit's: a department's duty */
	if (store_query(c->st,
			"SELECT feed, max(CASE WHEN error IS NULL THEN "
			"finished END), max(started), max(error) FROM cf_scans "
			"GROUP BY feed HAVING max(started) >= ? ORDER BY feed",
			v, 1, scan_row, c, &e) < 0)
		log_error("cf.scans: %s", e.msg);
}

/* ---- CF-1: complaints -----------------------------------------------------
 */

static int
complaint_row(void *arg, struct store_row *r)
{
	struct check_ctx *c = arg;
	const char *id = store_row_text(r, 0), *state = store_row_text(r, 2);
	const char *unit = store_row_text(r, 4);
	long long received = store_row_int(r, 1);
	long long examined = store_row_null(r, 3) ? 0 : store_row_int(r, 3);
	long long days = c->o->cf_answer_days;
	char rec[11], due[11], ex[11];

	if (!check_wants(c, unit))
		return 0;
	date_of((time_t)received, rec);
	date_of((time_t)(received + days * DAY), due);
	if (strcmp(state, "new") != 0) {
		if (examined < received)
			examined = received; /* joined a case under way */
		date_of((time_t)examined, ex);
		check_emit(c, ST_PASS, "complaint", id, unit, NULL,
			   "complaint received %s, examined %s", rec, ex);
	} else if (c->now > received + days * DAY)
		check_emit(c, ST_FAIL, "complaint", id, unit,
			   "examine the complaint's case now (govsec "
			   "counterfeit case confirm)",
			   "complaint received %s not examined after %lld "
			   "days (deadline %lld days)",
			   rec, (long long)((c->now - received) / DAY), days);
	else
		check_emit(c, ST_PASS, "complaint", id, unit, NULL,
			   "complaint received %s, to be examined by %s", rec,
			   due);
	return 0;
}

void
rule_cf_complaints(struct check_ctx *c)
{
	struct store_val v[1] = {SV_INT(c->now - KEEP_DAYS * DAY)};
	struct err e;

	if (store_query(c->st,
			"SELECT p.id, p.received, c.state, coalesce("
			"c.confirming, c.decided), c.unit FROM cf_complaints p "
			"JOIN cf_cases c ON c.id = p.case_id WHERE c.state = "
			"'new' OR p.received >= ? ORDER BY p.received, p.id",
			v, 1, complaint_row, c, &e) < 0)
		log_error("cf.complaints: %s", e.msg);
}

/* ---- CF-2 and CF-3: cases -------------------------------------------------
 */

struct case_ctx {
	struct check_ctx *c;
	int stop; /* CF-3 */
};

static int
case_row(void *arg, struct store_row *r)
{
	struct case_ctx *x = arg;
	struct check_ctx *c = x->c;
	const char *id = store_row_text(r, 0), *kind = store_row_text(r, 1),
		   *cand = store_row_text(r, 2), *state = store_row_text(r, 3),
		   *unit = store_row_text(r, 4);
	long long opened = store_row_int(r, 5);
	long long decided = store_row_null(r, 6) ? 0 : store_row_int(r, 6);
	long long down = store_row_null(r, 7) ? 0 : store_row_int(r, 7);
	char d1[11], d2[11];

	if (!check_wants(c, unit))
		return 0;
	if (!x->stop) {
		long long days = c->o->cf_confirm_days;

		date_of((time_t)opened, d1);
		if (decided != 0) {
			date_of((time_t)decided, d2);
			check_emit(c, ST_PASS, "case", id, unit, NULL,
				   "suspect %s '%s' opened %s, decided %s on "
				   "%s",
				   kind, cand, d1, state, d2);
		} else if (c->now > opened + days * DAY)
			check_emit(
			    c, ST_FAIL, "case", id, unit,
			    "confirm with the registry whether a unit "
			    "operates it and record the decision "
			    "(govsec counterfeit case decide)",
			    "suspect %s '%s' opened %s is still %s after "
			    "%lld days (deadline %lld days)",
			    kind, cand, d1, state,
			    (long long)((c->now - opened) / DAY), days);
		else {
			date_of((time_t)(opened + days * DAY), d2);
			check_emit(c, ST_PASS, "case", id, unit, NULL,
				   "suspect %s '%s' opened %s, to be decided "
				   "by %s",
				   kind, cand, d1, d2);
		}
		return 0;
	}
	date_of((time_t)decided, d1);
	if (down != 0) {
		date_of((time_t)down, d2);
		check_emit(c, ST_PASS, "case", id, unit, NULL,
			   "counterfeit %s '%s' decided %s, taken down %s",
			   kind, cand, d1, d2);
	} else if (c->now > decided + c->o->cf_takedown_days * DAY)
		check_emit(c, ST_FAIL, "case", id, unit,
			   "stop it (govsec counterfeit takedown write, the "
			   "platform's notice), then record it (govsec "
			   "counterfeit case done)",
			   "counterfeit %s '%s' decided %s is %s, not taken "
			   "down after %lld days (deadline %lld days)",
			   kind, cand, d1, state,
			   (long long)((c->now - decided) / DAY),
			   (long long)c->o->cf_takedown_days);
	else {
		date_of((time_t)(decided + c->o->cf_takedown_days * DAY), d2);
		check_emit(c, ST_PASS, "case", id, unit, NULL,
			   "counterfeit %s '%s' decided %s, to be taken down "
			   "by %s",
			   kind, cand, d1, d2);
	}
	return 0;
}

void
rule_cf_confirmed(struct check_ctx *c)
{
	struct case_ctx x = {c, 0};
	struct store_val v[1] = {SV_INT(c->now - KEEP_DAYS * DAY)};
	struct err e;

	if (store_query(c->st,
			"SELECT id, kind, candidate, state, unit, opened, "
			"decided, taken_down FROM cf_cases WHERE state IN "
			"('new', 'confirming') OR decided >= ? ORDER BY "
			"opened, id",
			v, 1, case_row, &x, &e) < 0)
		log_error("cf.confirmed: %s", e.msg);
}

void
rule_cf_stopped(struct check_ctx *c)
{
	struct case_ctx x = {c, 1};
	struct store_val v[1] = {SV_INT(c->now - KEEP_DAYS * DAY)};
	struct err e;

	if (store_query(c->st,
			"SELECT id, kind, candidate, state, unit, opened, "
			"decided, taken_down FROM cf_cases WHERE state IN "
			"('counterfeit', 'takedown_requested') OR (state IN "
			"('taken_down', 'referred') AND decided >= ?) ORDER "
			"BY decided, id",
			v, 1, case_row, &x, &e) < 0)
		log_error("cf.stopped: %s", e.msg);
}
