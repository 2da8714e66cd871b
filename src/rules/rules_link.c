/*
 * rules_link.c: "Information and link security" (LINK-1..4), LOGO-1 and
 * GOVWEB-1..3 need observation of the live site; until the inspector has
 * observed a portal they report "unknown" with the command that observes.
 */
#include <string.h>

#include "rules/internal.h"

void
rule_link_observed(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		const char *host = NULL;
		char fix[512];

		if (a->kind != APP_PORTAL || !app_live(a) ||
		    !check_wants(c, a->unit))
			continue;
		for (int k = 0; k < a->ndomains; k++)
			if (host == NULL || a->domains[k].main)
				host = a->domains[k].name;
		str_fmt(fix, sizeof(fix),
			"observe the site with: govsec inspect https://%s/",
			host ? host : "");
		if (host != NULL)
			check_emit_app(
			    c, a, ST_UNKNOWN, fix,
			    "%s has not been observed: no inspection "
			    "of https://%s/ is recorded",
			    c->rule->requirement, host);
		else
			check_emit_app(c, a, ST_UNKNOWN,
				       "register the portal's domain, then run "
				       "govsec inspect on it",
				       "%s has not been observed: the portal "
				       "has no domain to inspect",
				       c->rule->requirement);
	}
}
