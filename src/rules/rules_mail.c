/*
 * rules_mail.c: rules of "E-mail" in REQUIREMENTS.md (MAIL-1, MAIL-2) as
 * declared in the registry for e-mail systems.
 */
#include <string.h>

#include "rules/internal.h"

static void
mail_flag(struct check_ctx *c, int which)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		int v = which ? a->autodl : a->autofwd;
		const char *what = which ? "automatic attachment download"
					 : "automatic forwarding";

		if (a->kind != APP_EMAIL || !app_open(a) ||
		    !check_wants(c, a->unit))
			continue;
		if (v == 0)
			check_emit_app(c, a, ST_PASS, NULL, "%s is off", what);
		else if (v == 1)
			check_emit_app(c, a, ST_FAIL,
				       which ? "turn automatic attachment "
					       "download off"
					     : "turn automatic forwarding off "
					       "(and enforce it with "
					       "govsec-milter)",
				       "%s is on", what);
		else
			check_emit_app(c, a, ST_UNKNOWN,
				       which ? "declare "
					       "'mail.attachment_autodownload'"
					     : "declare 'mail.auto_forward'",
				       "whether %s is on is not declared",
				       what);
	}
}

void
rule_mail_forward(struct check_ctx *c)
{
	mail_flag(c, 0);
}

void
rule_mail_attachments(struct check_ctx *c)
{
	mail_flag(c, 1);
}
