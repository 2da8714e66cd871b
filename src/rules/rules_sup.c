/*
 * rules_sup.c: "Counterfeits, supervision" (SUP-1): new applications
 * comply from the start; applications in use finish rectification on time
 * (acknowledged findings past their due date). Runs after every other rule,
 * over the failure and undecided counts they left on each application: an
 * application whose checks could not all be decided is not passed.
 */
#include <string.h>

#include "rules/internal.h"

void
rule_sup_rectified(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];

		if (!app_open(a) || !check_wants(c, a->unit))
			continue;
		if (strcmp(a->status, "planned") == 0 && a->fails > 0)
			check_emit_app(c, a, ST_FAIL,
				       "fix the failing requirements before "
				       "the application opens",
				       "a new application must comply from the "
				       "start; %d requirement checks fail",
				       a->fails);
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
		else if (a->fails > 0)
			check_emit_app(c, a, ST_PASS, NULL,
				       "self-examined; %d open findings are "
				       "reported under their own requirements, "
				       "none past an agreed due date",
				       a->fails);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "self-examined; no failing checks");
	}
}
