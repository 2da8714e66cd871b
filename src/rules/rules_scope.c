/*
 * rules_scope.c: "Scope" in REQUIREMENTS.md (SCOPE-1): a unit recorded as
 * a Party or government organ or as a public institution must carry a
 * credit code of that class (GB 32100-2015: "11" organs, "12" public
 * institutions, both registered by an establishment department); an
 * enterprise's code ("91...") recorded as an organ is a finding, not a
 * unit in scope, and so is a mass organization whose code was issued by
 * market regulation (first character 9: enterprises, individual
 * businesses, cooperatives). The import accepts such a unit (it is a
 * claim to judge, not malformed data; docs/registry.md). Decided from
 * registry data; trusts the store.
 */
#include <string.h>

#include "registry/registry.h"
#include "rules/internal.h"

void
rule_scope_unit_kind(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->nunits; i++) {
		const struct m_unit *u = &c->m->units[i];
		enum uscc_class cls = uscc_class(u->uscc);
		const char *want = NULL;

		if (!check_wants(c, u->uscc))
			continue;
		if (unit_is_organ(u) && cls != USCC_ORGAN)
			want = "an organ's (11...)";
		else if (unit_is_institution(u) && cls != USCC_INSTITUTION)
			want = "a public institution's (12...)";
		else if (strcmp(u->kind, "mass") == 0 && u->uscc[0] == '9')
			want = "a mass organization's (registered by an "
			       "establishment department, civil affairs or a "
			       "trade union, never by market regulation: 9...)";
		if (want != NULL)
			check_emit(
			    c, ST_FAIL, "unit", u->uscc, u->uscc,
			    "correct the unit's kind or its credit code; "
			    "a unit that is neither an organ nor a "
			    "public institution is outside the "
			    "regulation's scope",
			    "unit '%s' (%s) is recorded as kind '%s' but "
			    "its credit code is not %s",
			    u->uscc, u->name, u->kind, want);
		else
			check_emit(c, ST_PASS, "unit", u->uscc, u->uscc, NULL,
				   "kind '%s' agrees with the credit code",
				   u->kind);
	}
}
