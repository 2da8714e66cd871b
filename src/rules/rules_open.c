/*
 * rules_open.c: rules of "Opening and construction" in REQUIREMENTS.md:
 * SITE-1..4, APP-1, APP-3 and NAME-1, decided from registry data. SITE-4
 * (interp. Q7) binds the departments of county-level Party and government
 * organs (a county-level organ whose parent is county-level too) and
 * township organs; public institutions and mass organizations at those
 * levels are not bound.
 */
#include <string.h>
#include <strings.h>

#include "registry/registry.h"
#include "rules/internal.h"

static int
is_portal(const struct m_app *a)
{
	return a->kind == APP_PORTAL;
}

void
rule_site_one_portal(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];

		if (!is_portal(a) || !app_open(c, a) || !check_wants(c, a->unit))
			continue;
		if (a->u != NULL && a->u->portals > 1) {
			struct buf ids = BUF_INIT(4096);

			/* evidence names them: built when it will be read */
			for (size_t k = 0;
			     check_emits(c, ST_FAIL) && k < c->m->napps; k++) {
				const struct m_app *b = &c->m->apps[k];

				if (is_portal(b) && app_open(c, b) && b->u == a->u)
					buf_printf(&ids, "%s'%s' (%s)",
						   ids.len ? ", " : "", b->id,
						   b->status);
			}
			check_emit_app(c, a, ST_FAIL,
				       "close all but one portal website, or "
				       "make the others columns of the one",
				       "unit '%s' has %d portal websites: %s",
				       a->unit, a->u->portals,
				       ids.data ? ids.data : "");
			buf_cleanup(&ids);
		} else if (a->filed == 1)
			check_emit_app(c, a, ST_PASS, NULL,
				       "the unit's only portal; opening "
				       "reviewed and filed");
		else if (a->filed == 0)
			check_emit_app(
			    c, a, ST_FAIL,
			    "complete the opening review and filing "
			    "(开办审核和备案) with the establishment "
			    "department",
			    "portal '%s' was opened without review "
			    "and filing",
			    a->name);
		else
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare 'filed' for the application",
				       "whether the opening was reviewed and "
				       "filed is not declared");
	}
}

void
rule_site_domains(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		struct buf names = BUF_INIT(4096);
		int mains = 0;

		if (!is_portal(a) || !app_open(c, a) || !check_wants(c, a->unit))
			continue;
		for (int k = 0; k < a->ndomains; k++)
			mains += a->domains[k].main;
		/* The list is evidence only: built when it will be read. */
		if (check_emits(c, (a->ndomains > 1 && mains == 0) || mains > 1
				       ? ST_FAIL
				       : ST_PASS))
			for (int k = 0; k < a->ndomains; k++)
				buf_printf(&names, "%s%s (%s%s)", k ? ", " : "",
					   a->domains[k].unicode,
					   a->domains[k].lang,
					   a->domains[k].main ? ", main" : "");
		if (a->ndomains == 0)
			check_emit_app(c, a, ST_FAIL,
				       "register the portal's domain names",
				       "the portal has no domain name "
				       "registered");
		else if (a->ndomains > 1 && mains == 0)
			check_emit_app(c, a, ST_FAIL,
				       "designate one domain as the main "
				       "domain ('main': true)",
				       "%d domains and none designated main: "
				       "%s",
				       a->ndomains, names.data);
		else if (mains > 1)
			check_emit_app(c, a, ST_FAIL,
				       "designate one domain only as the main "
				       "domain",
				       "%d domains are designated main: %s",
				       mains, names.data);
		else
			check_emit_app(c, a, ST_PASS, NULL, "domains: %s",
				       names.data);
		buf_cleanup(&names);
	}
}

void
rule_site_suffix(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		int organ = unit_is_organ(a->u), bad = 0;
		int inst = unit_is_institution(a->u);

		if (!app_open(c, a) || a->ndomains == 0 || a->u == NULL ||
		    !check_wants(c, a->unit))
			continue;
		for (int k = 0; k < a->ndomains && !bad; k++) {
			const char *d = a->domains[k].unicode;
			enum domain_suffix sfx =
			    (enum domain_suffix)a->domains[k].suffix;

			if (organ && sfx != DOMAIN_ORGAN) {
				bad = 1;
				check_emit_app(
				    c, a, ST_FAIL,
				    "move the service to a domain under "
				    ".gov.cn or .政务",
				    "domain '%s' has a suffix of class '%s'; a "
				    "Party or government organ must use "
				    ".gov.cn or .政务",
				    d, domain_suffix_name(sfx));
			} else if (inst && sfx != DOMAIN_INSTITUTION) {
				bad = 1;
				check_emit_app(
				    c, a, ST_FAIL,
				    sfx == DOMAIN_ORGAN
					? "public institutions may not use "
					  "organ suffixes: move to .cn or .公益"
					: "move the service to a domain under "
					  ".cn or .公益",
				    "domain '%s' has a suffix of class '%s'; a "
				    "public institution must use .cn or .公益",
				    d, domain_suffix_name(sfx));
			} else if (!organ && !inst && sfx == DOMAIN_ORGAN) {
				bad = 1;
				check_emit_app(
				    c, a, ST_FAIL,
				    "only Party and government organs may use "
				    ".gov.cn or .政务: move to another domain",
				    "domain '%s' has the organ suffix, but the "
				    "unit is a %s, not an organ",
				    d, a->u->kind);
			}
		}
		if (!bad)
			check_emit_app(c, a, ST_PASS, NULL,
				       "all %d domains carry %s suffix",
				       a->ndomains,
				       organ  ? "the organ (.gov.cn/.政务)"
				       : inst ? "the institution (.cn/.公益)"
					      : "a non-organ");
	}
}

void
rule_site_county(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		const struct m_unit *u = a->u;

		if (!is_portal(a) || !app_open(c, a) || u == NULL ||
		    !check_wants(c, a->unit))
			continue;
		/* Q7 binds Party and government organs only: a county
		 * hospital or a township school may run its own site. */
		if (!unit_is_organ(u))
			check_emit_app(
			    c, a, ST_PASS, NULL,
			    "'%s' (kind %s) is not a Party or government "
			    "organ: SITE-4 does not bind it",
			    u->name, u->kind);
		else if (strcmp(u->level, "township") == 0)
			check_emit_app(c, a, ST_FAIL,
				       "close the site and open a page or "
				       "column on the county platform",
				       "township unit '%s' runs its own "
				       "website",
				       u->name);
		else if (strcmp(u->level, "county") == 0 && u->up != NULL &&
			 strcmp(u->up->level, "county") == 0)
			check_emit_app(c, a, ST_FAIL,
				       "close the site and open a page or "
				       "column on the county's platform",
				       "county-level department '%s' (under "
				       "'%s') runs its own website",
				       u->name, u->up->name);
		else if (strcmp(u->level, "county") == 0 && u->up == NULL)
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare the unit's 'parent' (the "
				       "prefecture for a county's own organs, "
				       "the county organ for a department)",
				       "county-level organ '%s' has no parent "
				       "declared: whether it is a county's own "
				       "organ or one of its departments cannot "
				       "be told",
				       u->name);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "%s-level unit may run its own website",
				       u->level);
	}
}

void
rule_app_platforms(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		struct buf bad = BUF_INIT(4096), all = BUF_INIT(4096);
		json_t *list, *p;
		size_t k;
		int nbad = 0;

		if ((a->kind != APP_APP && a->kind != APP_MINI) ||
		    !app_open(c, a) || !check_wants(c, a->unit))
			continue;
		list = check_json_list(a->platforms);
		if (list == NULL || json_array_size(list) == 0) {
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare the distribution platforms "
				       "('platforms')",
				       "distribution platforms not declared");
			json_decref(list);
			continue;
		}
		json_array_foreach(list, k, p)
		{
			const char *name = json_string_value(p);

			if (check_emits(c, ST_PASS))
				buf_printf(&all, "%s%s", k ? ", " : "", name);
			if (!platforms_registered(name))
				buf_printf(&bad, "%s'%s'", nbad++ ? ", " : "",
					   name);
		}
		if (nbad > 0)
			check_emit_app(c, a, ST_FAIL,
				       "withdraw the app from unregistered "
				       "platforms; distribute only on "
				       "registered ones or the unit's own site",
				       "distributed on %d unregistered "
				       "platform%s: %s",
				       nbad, nbad > 1 ? "s" : "", bad.data);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "all platforms registered: %s",
				       all.data);
		buf_cleanup(&bad);
		buf_cleanup(&all);
		json_decref(list);
	}
}

/* Login channels that exist only inside one vendor's platform. */
static int
platform_bound(const char *ch)
{
	static const char *const bound[] = {
	    "wechat",	"weixin",   "微信",   "alipay", "支付宝",
	    "qq",	"weibo",    "微博",   "douyin", "抖音",
	    "dingtalk", "钉钉",	    "taobao", "淘宝",	"baidu",
	    "百度",	"kuaishou", "快手",   NULL};

	for (int i = 0; bound[i] != NULL; i++)
		if (strcasecmp(ch, bound[i]) == 0)
			return 1;
	return 0;
}

void
rule_app_not_bound(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		struct buf all = BUF_INIT(4096);
		json_t *list, *p;
		size_t k;
		int nbound = 0;

		if (a->kind == APP_ACCOUNT || a->kind == APP_EMAIL ||
		    !app_open(c, a) || !check_wants(c, a->unit))
			continue;
		list = check_json_list(a->login_channels);
		if (list == NULL) {
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare the login channels "
				       "('login_channels')",
				       "login channels not declared");
			continue;
		}
		json_array_foreach(list, k, p) nbound +=
		    platform_bound(json_string_value(p));
		if (check_emits(c, (size_t)nbound == json_array_size(list) &&
					   nbound > 0
				       ? ST_FAIL
				       : ST_PASS))
			json_array_foreach(list, k, p) buf_printf(
			    &all, "%s%s", k ? ", " : "", json_string_value(p));
		if (json_array_size(list) == 0)
			check_emit_app(c, a, ST_PASS, NULL,
				       "no login required");
		else if ((size_t)nbound == json_array_size(list))
			check_emit_app(c, a, ST_FAIL,
				       "add a login that needs no third-party "
				       "platform (password, SMS code, "
				       "e-certificate or the national identity "
				       "service)",
				       "the only ways in are platform logins "
				       "(%s): people without that platform "
				       "cannot use the service",
				       all.data);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "login channels: %s", all.data);
		buf_cleanup(&all);
		json_decref(list);
	}
}

void
rule_name_unit_first(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		struct name_unit nu;
		struct err why;
		enum name_verdict v;

		if (!app_open(c, a) || a->u == NULL || !check_wants(c, a->unit))
			continue;
		nu.name = a->u->name;
		nu.short_name = a->u->short_name;
		nu.region_name = a->u->region_name;
		why.msg[0] = '\0';
		v = name_check(a->name, &nu, &why);
		if (v == NAME_PASS)
			check_emit_app(c, a, ST_PASS, NULL, "'%s': %s", a->name,
				       why.msg);
		else if (v == NAME_REVIEW)
			check_emit_app(c, a, ST_UNKNOWN,
				       "make sure the unit's name is shown "
				       "prominently, or rename the application "
				       "to start with the unit's name",
				       "'%s': %s", a->name, why.msg);
		else
			check_emit_app(
			    c, a, ST_FAIL,
			    "rename the application to start with "
			    "the unit's name or standard short name, "
			    "approved by the establishment "
			    "department (NAME-2)",
			    "'%s': %s", a->name, why.msg);
	}
}
