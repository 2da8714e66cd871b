/*
 * rules_sup.c: "Counterfeits, supervision" (SUP-1): new applications
 * comply from the day they open; applications in use when the Regulations
 * took effect (2024-07-01) finish rectification by 2024-12-31 (interp.
 * Q17). Past its deadline a live application that still fails any check
 * fails SUP-1, whatever its acknowledgements say: they are shown, not
 * counted as rectification. Before it, acknowledged findings past their
 * own due date fail. Runs after every other rule, over the failure and
 * undecided counts they left on each application: an application whose
 * checks could not all be decided is not passed. Trusts the store.
 */
#include <string.h>

#include "rules/internal.h"

#define SUP_EFFECTIVE "2024-07-01" /* the Regulations take effect */
#define SUP_DEADLINE  "2024-12-31" /* rectification of those in use */

/* The day by which a must comply: its opening day if it opened on or
 * after the effective date, else SUP_DEADLINE; NULL if that cannot be
 * told (opening not declared while the deadline is still ahead). */
static const char *
deadline(const struct check_ctx *c, const struct m_app *a)
{
	if (a->opened != NULL && strcmp(a->opened, SUP_EFFECTIVE) >= 0)
		return a->opened;
	if (a->opened != NULL || strcmp(c->today, SUP_DEADLINE) > 0)
		return SUP_DEADLINE;
	return NULL;
}

/* 1 if a's deadline has passed: a new application complies on its
 * opening day, one in use by the end of the deadline day. */
static int
past(const struct check_ctx *c, const char *due)
{
	int d = strcmp(c->today, due);

	return strcmp(due, SUP_DEADLINE) == 0 ? d > 0 : d >= 0;
}

#define LATE_FIX                                                               \
	"rectify the failures reported under their own requirements now; "     \
	"an acknowledgement does not extend the deadline"

/* The finding of a live application failing checks past its deadline
 * (isnew: its deadline was its opening day); its acknowledgements are
 * shown, never counted as rectification. */
static void
late(struct check_ctx *c, struct m_app *a, int isnew)
{
	const char *opened = a->opened ? a->opened : "date not declared";

	if (isnew && a->nacks > 0)
		check_emit_app(c, a, ST_FAIL, LATE_FIX,
			       "a new application, opened %s, must comply "
			       "from that day; %d requirement checks fail; "
			       "%d findings acknowledged, due by %s at the "
			       "latest (an acknowledgement is not a "
			       "rectification)",
			       opened, a->fails, a->nacks, a->ack_due);
	else if (isnew)
		check_emit_app(c, a, ST_FAIL, LATE_FIX,
			       "a new application, opened %s, must comply "
			       "from that day; %d requirement checks fail",
			       opened, a->fails);
	else if (a->nacks > 0)
		check_emit_app(c, a, ST_FAIL, LATE_FIX,
			       "in use before the Regulations took effect "
			       "(opened %s); %d requirement checks still fail "
			       "after the rectification deadline %s; %d "
			       "findings acknowledged, due by %s at the latest "
			       "(an acknowledgement is not a rectification)",
			       opened, a->fails, SUP_DEADLINE, a->nacks,
			       a->ack_due);
	else
		check_emit_app(c, a, ST_FAIL, LATE_FIX,
			       "in use before the Regulations took effect "
			       "(opened %s); %d requirement checks still fail "
			       "after the rectification deadline %s",
			       opened, a->fails, SUP_DEADLINE);
}

void
rule_sup_rectified(struct check_ctx *c)
{
	for (size_t i = c->apps_from; i < c->apps_to; i++) {
		struct m_app *a = &c->m->apps[i];
		const char *due = deadline(c, a);

		if (!app_open(c, a) || !check_wants(c, a->unit))
			continue;
		if (strcmp(a->status, "planned") == 0 && a->fails > 0)
			check_emit_app(c, a, ST_FAIL,
				       "fix the failing requirements before "
				       "the application opens",
				       "a new application must comply from the "
				       "start; %d requirement checks fail",
				       a->fails);
		else if (a->live && a->fails > 0 && due != NULL && past(c, due))
			late(c, a, strcmp(due, SUP_DEADLINE) != 0);
		else if (a->overdue > 0)
			check_emit_app(c, a, ST_FAIL,
				       "finish the rectification or agree a "
				       "new due date",
				       "%d acknowledged findings are past "
				       "their rectification due date",
				       a->overdue);
		else if (a->unknowns > 0)
			check_emit_app(
			    c, a, ST_UNKNOWN,
			    "observe or attest what could not be "
			    "decided (govsec check --status unknown)",
			    "%d requirement checks of the "
			    "application could not be decided",
			    a->unknowns);
		else if (a->live && a->fails > 0 && due == NULL)
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare the application's opening date "
				       "('opened')",
				       "%d requirement checks fail and the "
				       "opening date is not declared: a new "
				       "application must already comply, one "
				       "in use by %s",
				       a->fails, SUP_DEADLINE);
		else if (a->fails > 0)
			check_emit_app(c, a, ST_PASS, NULL,
				       "in rectification until %s; %d open "
				       "findings are reported under their own "
				       "requirements",
				       due, a->fails);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "self-examined; no failing checks");
	}
}
