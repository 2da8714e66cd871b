/*
 * report.c: the inspection's findings (the same fields as govsec check:
 * rule, requirement, status, object, evidence, fix), among them the footer
 * marks of every page (GOVWEB-3) and the columns' freshness (GOVWEB-2),
 * and its reports: text, JSON (the contract for scripts), SARIF, JUnit and
 * HTML. Text and HTML are for the webmaster: what was read (HTML pages and
 * URLs counted as other link checkers count them), a summary, broken links
 * first, outbound links without a prompt grouped by host, then marks,
 * freshness and the rest. Everything written is escaped for its format;
 * page-derived strings are untrusted.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inspect/inspect.h"

static void add(struct insp_result *r, const char *rule, const char *req,
		const char *status, const char *object, const char *fix,
		const char *fmt, ...) PRINTF_LIKE(7, 8);

static void
add(struct insp_result *r, const char *rule, const char *req,
    const char *status, const char *object, const char *fix, const char *fmt,
    ...)
{
	struct insp_finding *f;
	struct buf b = BUF_INIT(4096);
	va_list ap;

	if (r->nfindings == r->capfindings) {
		r->capfindings = r->capfindings ? r->capfindings * 2 : 32;
		r->findings = xrealloc(r->findings,
				       r->capfindings * sizeof(*r->findings));
	}
	f = &r->findings[r->nfindings++];
	f->rule = rule;
	f->requirement = req;
	f->status = status;
	f->object = xstrdup(object ? object : "");
	f->fix = xstrdup(strcmp(status, "pass") == 0 || fix == NULL ? "" : fix);
	va_start(ap, fmt);
	if (buf_vprintf(&b, fmt, ap) < 0)
		buf_addstr(&b, "(evidence too long)");
	va_end(ap);
	f->evidence = buf_detach(&b, NULL);
}

static const char *
first_page(const struct insp_result *r, const struct insp_link *l)
{
	return l->nfound > 0 ? r->pages[l->found_on[0]] : r->start;
}

/* Appends to b what the site's other pages lack among the marks bits:
 * "; WHAT on N of M other pages: URL, URL, URL and K more". */
static void
other_pages(struct buf *b, const struct insp_marks *m, unsigned bits)
{
	static const char *const what[MARK__N] = {
	    "no SiteIDCode in the head or the footer",
	    ("a SiteIDCode that differs from the homepage's or between "
	     "head and footer"), /* parenthesized: one element */
	    "no ICP filing number",
	    "no public-security filing number",
	    "the public-security filing number without its link",
	    "no \"find errors\" entrance"};

	for (int k = 0; k < MARK__N; k++) {
		if (!(bits & (1u << k)) || m->missing[k] == 0)
			continue;
		buf_printf(b, "; %s on %ld of %ld other pages: ", what[k],
			   m->missing[k], m->pages);
		for (long i = 0; i < MARK_EXAMPLES && i < m->missing[k]; i++) {
			char q[204];

			buf_printf(b, "%s%s", i > 0 ? ", " : "",
				   str_quote(m->missing_on[k][i], q, 200));
		}
		if (m->missing[k] > MARK_EXAMPLES)
			buf_printf(b, " and %ld more",
				   m->missing[k] - MARK_EXAMPLES);
	}
}

/*
 * One GOVWEB-3 finding over every page: fails when the homepage lacks the
 * mark (home_fail says how, else NULL) or any other page does (the marks
 * bits); home_ok says what the homepage shows.
 */
static void
mark_finding(struct insp_result *r, const char *rule, unsigned bits,
	     const char *fix, const char *home_fail, const char *home_ok)
{
	const struct insp_marks *m = &r->marks;
	struct buf b = BUF_INIT(4096);
	long other = 0;

	for (int k = 0; k < MARK__N; k++)
		if (bits & (1u << k))
			other += m->missing[k];
	if (home_fail != NULL)
		buf_addstr(&b, home_fail);
	else if (other > 0)
		buf_printf(&b, "%s on the homepage", home_ok);
	else if (m->pages > 0)
		buf_printf(&b, "%s on the homepage and all %ld other pages",
			   home_ok, m->pages);
	else
		buf_addstr(&b, home_ok);
	other_pages(&b, m, bits);
	add(r, rule, "GOVWEB-3",
	    home_fail != NULL || other > 0 ? "fail" : "pass", r->start, fix,
	    "%s", b.data ? b.data : "");
	buf_cleanup(&b);
}

/* The footer marks on the homepage and on every other page (GOVWEB-3). */
static void
footer_findings(struct insp_result *r)
{
	const struct insp_marks *m = &r->marks;
	struct buf fail = BUF_INIT(8192), ok = BUF_INIT(8192);

	if (m->site_id_meta == NULL)
		buf_printf(&fail, "no <meta name=\"SiteIDCode\">%s%s",
			   m->site_id_footer ? "; the footer shows " : "",
			   m->site_id_footer ? m->site_id_footer : "");
	else if (m->site_id_footer == NULL)
		buf_printf(&fail,
			   "SiteIDCode %s in the head but no 网站标识码 in "
			   "the footer",
			   m->site_id_meta);
	else if (strcmp(m->site_id_meta, m->site_id_footer) != 0)
		buf_printf(&fail,
			   "inconsistent: SiteIDCode %s in the head, %s in "
			   "the footer",
			   m->site_id_meta, m->site_id_footer);
	else
		buf_printf(&ok, "SiteIDCode %s in the head and the footer",
			   m->site_id_meta);
	mark_finding(
	    r, "inspect.footer-site-id",
	    1u << MARK_SITE_ID | 1u << MARK_SITE_ID_DIFF,
	    "show the same website identification code in <meta "
	    "name=\"SiteIDCode\" content=\"CODE\"> and as 网站标识码 in "
	    "the footer of every page",
	    fail.len ? fail.data : NULL, ok.data ? ok.data : "");
	buf_reset(&fail);
	buf_reset(&ok);
	if (m->icp == NULL)
		buf_addstr(&fail, "no ICP filing number (ICP备) in the footer");
	else
		buf_printf(&ok, "ICP filing %s", m->icp);
	mark_finding(r, "inspect.footer-icp", 1u << MARK_ICP,
		     "show the ICP filing number in the footer of every page",
		     fail.len ? fail.data : NULL, ok.data ? ok.data : "");
	buf_reset(&fail);
	buf_reset(&ok);
	if (m->psb == NULL)
		buf_addstr(&fail,
			   "no public-security filing number in the footer");
	else if (m->psb_link == NULL)
		buf_printf(&fail, "public-security filing %s without its link",
			   m->psb);
	else
		buf_printf(&ok, "public-security filing %s linked to %.500s",
			   m->psb, m->psb_link);
	mark_finding(
	    r, "inspect.footer-psb", 1u << MARK_PSB | 1u << MARK_PSB_LINK,
	    "show the public-security filing number (公网安备) with its "
	    "link to beian.mps.gov.cn in the footer of every page",
	    fail.len ? fail.data : NULL, ok.data ? ok.data : "");
	mark_finding(r, "inspect.footer-find-errors", 1u << MARK_FIND_ERRORS,
		     "link the \"find errors on government websites\" "
		     "entrance (我为政府网站找错) in the footer of every page",
		     m->find_errors ? NULL
				    : "no \"find errors\" entrance on the "
				      "homepage",
		     "the \"find errors\" entrance is linked");
	buf_cleanup(&fail);
	buf_cleanup(&ok);
}

#define COL_LIST 8 /* stale and empty columns named in the evidence */

/* GOVWEB-2's columns: stale news or notice columns, stale columns of any
 * kind and empty columns, each with its limit. */
static void
column_findings(struct insp_result *r)
{
	struct insp_counts n;
	struct buf b = BUF_INIT(8192), st = BUF_INIT(4096), em = BUF_INIT(3072);
	long news = 0, notices = 0, other = 0, typed = 0, stale = 0, empty = 0;
	int fail;

	if (r->ncolumns == 0) {
		insp_counts(r, &n);
		add(r, "inspect.columns", "GOVWEB-2", "unknown", r->start,
		    "link the site's columns (news, notices, policies) from "
		    "the homepage",
		    "no column (a list page linked from the homepage) among "
		    "%ld pages",
		    n.html_pages);
		return;
	}
	for (size_t i = 0; i < r->ncolumns; i++) {
		const struct insp_column *c = &r->columns[i];
		char q[204];

		news += strcmp(c->kind, "news") == 0;
		notices += strcmp(c->kind, "notice") == 0;
		other += strcmp(c->kind, "other") == 0;
		if (strcmp(c->status, "empty") == 0) {
			if (empty++ < COL_LIST)
				buf_printf(&em, "%s%s <%s>",
					   empty > 1 ? ", " : "", c->name,
					   str_quote(c->url, q, 200));
			continue;
		}
		if (strcmp(c->status, "stale") != 0)
			continue;
		typed += strcmp(c->kind, "other") != 0;
		if (stale++ < COL_LIST)
			buf_printf(&st,
				   "%s%s <%s> %s, newest %s (%d days, limit "
				   "%d)",
				   stale > 1 ? ", " : "", c->name,
				   str_quote(c->url, q, 200), c->kind,
				   c->newest, c->age_days, c->limit_days);
	}
	fail = typed >= COL_FAIL_TYPED || stale >= COL_FAIL_STALE ||
	       empty >= COL_FAIL_EMPTY;
	buf_printf(&b,
		   "%zu column%s (%ld news, %ld notices/policies, %ld other): "
		   "%ld stale news or notice columns (%d or more fail), %ld "
		   "stale in all (%d or more fail), %ld empty (%d or more "
		   "fail)",
		   r->ncolumns, r->ncolumns == 1 ? "" : "s", news, notices,
		   other, typed, COL_FAIL_TYPED, stale, COL_FAIL_STALE, empty,
		   COL_FAIL_EMPTY);
	if (stale > 0)
		buf_printf(&b, "; stale: %s", st.data ? st.data : "");
	if (stale > COL_LIST)
		buf_printf(&b, " and %ld more", stale - COL_LIST);
	if (empty > 0)
		buf_printf(&b, "; empty: %s", em.data ? em.data : "");
	if (empty > COL_LIST)
		buf_printf(&b, " and %ld more", empty - COL_LIST);
	add(r, "inspect.columns", "GOVWEB-2", fail ? "fail" : "pass", r->start,
	    "update the stale columns (news at least every two weeks, notices "
	    "and policies every six months) and fill or remove the empty "
	    "ones",
	    "%s", b.data ? b.data : "");
	buf_cleanup(&b);
	buf_cleanup(&st);
	buf_cleanup(&em);
}

/* LOGO-1: each govsec badge seen, judged against the register of online
 * logos (marks_badges): one finding per badge, on the page showing it. */
static void
badge_findings(struct insp_result *r)
{
	for (size_t i = 0; i < r->nbadges; i++) {
		const struct insp_badge *b = &r->badges[i];
		const struct insp_logo *l = &b->logo;
		const char *who = l->unit_name[0] ? l->unit_name : l->unit;

		if (!strcmp(b->verdict, "valid"))
			add(r, "inspect.badge", "LOGO-1", "pass", b->page, NULL,
			    "govsec badge %s on %s: issued to %s (%s) for %s, "
			    "valid",
			    b->id, b->page, who, l->unit, l->domains);
		else if (!strcmp(b->verdict, "copied"))
			add(r, "inspect.badge", "LOGO-1", "fail", b->page,
			    "take down the badge copied from another site; "
			    "show the site's own online logo (govsec logo "
			    "issue APP)",
			    "govsec badge %s on %s belongs to %s (%s), issued "
			    "for %s, not for %s: a badge copied from another "
			    "site",
			    b->id, b->page, who, l->unit, l->domains,
			    r->host ? r->host : "");
		else if (!strcmp(b->verdict, "other_unit"))
			add(r, "inspect.badge", "LOGO-1", "fail", b->page,
			    "show the online logo issued to the unit that runs "
			    "the site, or correct the registry",
			    "govsec badge %s on %s was issued to %s (%s), but "
			    "the registry gives %s to unit %s",
			    b->id, b->page, who, l->unit,
			    r->host ? r->host : "", l->site_unit);
		else if (!strcmp(b->verdict, "revoked"))
			add(r, "inspect.badge", "LOGO-1", "fail", b->page,
			    "take down the revoked badge; apply for a new "
			    "online logo",
			    "govsec badge %s on %s was revoked on %s (issued "
			    "to %s (%s) for %s)",
			    b->id, b->page, l->revoked, who, l->unit,
			    l->domains);
		else if (!strcmp(b->verdict, "unknown"))
			add(r, "inspect.badge", "LOGO-1", "fail", b->page,
			    "take down the badge: no online logo has its id",
			    "govsec badge %s on %s is not in the register of "
			    "online logos (unknown id): not genuine",
			    b->id, b->page);
		else
			add(r, "inspect.badge", "LOGO-1", "unknown", b->page,
			    "inspect with the store (without --no-store) to "
			    "check the badge against the register",
			    "govsec badge %s found on %s; could not check "
			    "whose "
			    "it is: the inspection ran without the register "
			    "of online logos",
			    b->id, b->page);
	}
}

void
insp_findings(struct insp_result *r)
{
	struct insp_marks *m = &r->marks;
	long broken = 0, abnormal = 0, unprompted = 0, outbound = 0,
	     blocked = 0;
	struct map ext;
	struct insp_counts c;

	for (size_t i = 0; i < r->nfindings; i++) {
		free(r->findings[i].object);
		free(r->findings[i].evidence);
		free(r->findings[i].fix);
	}
	r->nfindings = 0;
	map_init(&ext);
	for (size_t i = 0; i < r->nlinks; i++) {
		const struct insp_link *l = &r->links[i];
		const char *page = first_page(r, l);
		int more = l->nfound + l->more_found - 1;

		if (!l->internal && l->cls != NULL &&
		    strcmp(l->reason, "not_http") != 0) {
			char *h = url_host(l->url);

			if (h != NULL)
				map_put(&ext, h, 1, NULL);
			free(h);
		}
		if (l->abnormal &&
		    (l->status == INSP_BROKEN || l->status == INSP_OK)) {
			abnormal++;
			add(r, "inspect.abnormal-links", "LINK-4", "fail",
			    l->url,
			    "check the target and remove or replace the link "
			    "on the pages that carry it",
			    "abnormal link (%s%s%s) found on %s%s%.0d%s",
			    l->reason, l->detail ? ": " : "",
			    l->detail ? l->detail : "", page,
			    more > 0 ? " and " : "", more > 0 ? more : 0,
			    more > 0 ? " more pages" : "");
		} else if (l->status == INSP_BROKEN) {
			broken++;
			add(r, "inspect.link-list", "LINK-2", "fail", l->url,
			    "fix or remove the link on the pages that carry "
			    "it",
			    "broken link (%s%s%s%s%s) found on %s%s%.0d%s",
			    l->reason, l->detail ? ": " : "",
			    l->detail ? l->detail : "",
			    l->final ? ", after redirects to " : "",
			    l->final ? l->final : "", page,
			    more > 0 ? " and " : "", more > 0 ? more : 0,
			    more > 0 ? " more pages" : "");
		} else if (l->status == INSP_BLOCKED) {
			blocked++;
			add(r, "inspect.link-list", "LINK-2", "unknown", l->url,
			    "check the link by hand or allow the inspector "
			    "through the site's protection",
			    "blocked, not verified (%s) found on %s", l->reason,
			    page);
		}
		if (l->prompt != NULL) {
			outbound++;
			if (strcmp(l->prompt, "none") == 0) {
				unprompted++;
				add(r, "inspect.leave-prompt", "LINK-3", "fail",
				    l->url,
				    "send the link through the leave-site "
				    "page (govsec leave-link URL) or warn "
				    "before outbound clicks",
				    "%s links to the non-government site %s "
				    "(class %s) without a leave-site prompt",
				    l->unprompted_on ? l->unprompted_on : page,
				    l->url, l->cls ? l->cls : "other");
			}
		}
	}
	insp_counts(r, &c);
	if (broken == 0 && blocked == 0)
		add(r, "inspect.link-list", "LINK-2", "pass", r->start, NULL,
		    "%ld URLs checked on %ld pages, none broken",
		    c.urls_checked, c.html_pages);
	if (abnormal == 0)
		add(r, "inspect.abnormal-links", "LINK-4", "pass", r->start,
		    NULL, "no abnormal link among %ld URLs checked",
		    c.urls_checked);
	if (unprompted == 0)
		add(r, "inspect.leave-prompt", "LINK-3", "pass", r->start, NULL,
		    "%ld outbound links to non-government sites, all with a "
		    "prompt",
		    outbound);
	add(r, "inspect.link-relevance", "LINK-1", "unknown", r->start,
	    "review the external hosts (govsec links list --external)",
	    "%zu external hosts are linked; whether their content relates "
	    "to the unit's functions needs a person",
	    ext.len);
	map_cleanup(&ext);
	badge_findings(r);

	if (!m->fetched) {
		add(r, "inspect.logo", "LOGO-1", "unknown", r->start,
		    "make the homepage reachable",
		    "the homepage could not be read");
		add(r, "inspect.footer-marks", "GOVWEB-3", "unknown", r->start,
		    "make the homepage reachable",
		    "the homepage could not be read");
		add(r, "inspect.freshness", "GOVWEB-2", "unknown", r->start,
		    "make the homepage reachable",
		    "the homepage could not be read");
		return;
	}
	if (!m->logo)
		add(r, "inspect.logo", "LOGO-1", "fail", r->start,
		    "place the online logo (the Party/government site logo "
		    "link) in the middle of the homepage footer",
		    m->logo_any ? "the logo is on the homepage but not in its "
				  "footer"
				: "no online logo on the homepage");
	else if (strcmp(m->logo_centred, "yes") == 0)
		add(r, "inspect.logo", "LOGO-1", "pass", r->start, NULL,
		    "logo in the footer, centred (confidence %s): %s",
		    m->logo_confidence, m->logo_evidence);
	else
		add(r, "inspect.logo", "LOGO-1", "fail", r->start,
		    "centre the logo horizontally in the footer "
		    "(text-align:center on its container)",
		    "logo in the footer but not centred (confidence %s): %s",
		    m->logo_confidence, m->logo_evidence);

	footer_findings(r);
	if (m->newest[0] == '\0')
		add(r, "inspect.freshness", "GOVWEB-2", "unknown", r->start,
		    "date the homepage's news and notices",
		    "no dated item on the homepage");
	else if (m->age_days > 14)
		add(r, "inspect.freshness", "GOVWEB-2", "fail", r->start,
		    "update the homepage (news at least every two weeks)",
		    "the homepage's newest dated item is %s, %d days before "
		    "the inspection (more than 14)",
		    m->newest, m->age_days);
	else
		add(r, "inspect.freshness", "GOVWEB-2", "pass", r->start, NULL,
		    "the homepage's newest dated item is %s (%d days old)",
		    m->newest, m->age_days);
	column_findings(r);
	if (!m->https)
		add(r, "inspect.https", "SEC-1", "fail", r->start,
		    "serve the site over HTTPS with a valid certificate",
		    "the homepage is not served over HTTPS with a valid "
		    "certificate");
	else
		add(r, "inspect.https", "SEC-1", "pass", r->start, NULL,
		    "HTTPS with a valid certificate");
	if (m->https && !m->hsts)
		add(r, "inspect.hsts", "SEC-1", "fail", r->start,
		    "send Strict-Transport-Security",
		    "no Strict-Transport-Security header on the homepage");
	else if (m->https)
		add(r, "inspect.hsts", "SEC-1", "pass", r->start, NULL,
		    "Strict-Transport-Security is sent");
}

int
insp_format_parse(const char *s)
{
	static const char *const n[] = {"text", "json", "sarif", "junit",
					"html"};

	for (int i = 0; i < (int)ARRAY_SIZE(n); i++)
		if (strcmp(s, n[i]) == 0)
			return i;
	return -1;
}

static json_t *
jstr(const char *s)
{
	char *clean;
	json_t *v;

	if (s == NULL)
		return json_null();
	if (str_utf8_valid(s, strlen(s)))
		return json_string(s);
	clean = str_utf8_sanitize(s);
	v = json_string(clean);
	free(clean);
	return v;
}

static json_t *
finding_json(const struct insp_finding *f)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "rule", f->rule,
			 "requirement", f->requirement, "status", f->status,
			 "object", jstr(f->object), "evidence",
			 jstr(f->evidence), "fix", jstr(f->fix));
}

static json_t *
link_json(const struct insp_result *r, const struct insp_link *l)
{
	json_t *o = json_object(), *fo = json_array();

	for (int k = 0; k < l->nfound && k < 20; k++)
		json_array_append_new(fo, jstr(r->pages[l->found_on[k]]));
	json_object_set_new(o, "url", jstr(l->url));
	json_object_set_new(o, "found_on", fo);
	json_object_set_new(o, "found_on_count",
			    json_integer(l->nfound + l->more_found));
	json_object_set_new(o, "status",
			    json_string(insp_status_str(l->status)));
	json_object_set_new(o, "reason", jstr(l->reason));
	json_object_set_new(o, "class", jstr(l->cls ? l->cls : "other"));
	json_object_set_new(o, "kind", jstr(l->kind));
	json_object_set_new(o, "internal", json_boolean(l->internal));
	if (l->http)
		json_object_set_new(o, "http", json_integer(l->http));
	if (l->detail)
		json_object_set_new(o, "detail", jstr(l->detail));
	if (l->final) {
		json_t *ch = json_array();
		const char *p = l->chain ? l->chain : "";

		while (*p != '\0') {
			size_t n = strcspn(p, "\n");
			char *hop = xmalloc(n + 1);

			memcpy(hop, p, n);
			hop[n] = '\0';
			json_array_append_new(ch, jstr(hop));
			free(hop);
			p += n + (p[n] == '\n');
		}
		json_array_append_new(ch, jstr(l->final));
		json_object_set_new(o, "final", jstr(l->final));
		json_object_set_new(o, "redirects", ch);
	}
	if (l->prompt)
		json_object_set_new(o, "prompt", json_string(l->prompt));
	if (l->flags & XL_BESTEFFORT)
		json_object_set_new(o, "best_effort", json_true());
	if (l->abnormal)
		json_object_set_new(o, "abnormal", json_true());
	if (l->fingerprint[0])
		json_object_set_new(o, "fingerprint",
				    json_string(l->fingerprint));
	return o;
}

static json_t *
marks_json(const struct insp_result *r)
{
	const struct insp_marks *m = &r->marks;

	return json_pack(
	    "{s:b, s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:s, s:s, s:o, s:b, "
	    "s:b, s:s, s:o, s:I, s:I}",
	    "homepage", m->fetched, "site_id_meta", jstr(m->site_id_meta),
	    "site_id_footer", jstr(m->site_id_footer), "icp", jstr(m->icp),
	    "psb", jstr(m->psb), "psb_link", jstr(m->psb_link), "find_errors",
	    m->find_errors, "logo", m->logo, "logo_centred",
	    m->logo_centred ? m->logo_centred : "unknown", "logo_confidence",
	    m->logo_confidence ? m->logo_confidence : "low", "logo_evidence",
	    jstr(m->logo_evidence), "https", m->https, "hsts", m->hsts, "aaaa",
	    m->aaaa ? m->aaaa : "unknown", "newest_date",
	    m->newest[0] ? json_string(m->newest) : json_null(),
	    "pages_checked", (json_int_t)m->pages, "pages_missing_marks",
	    (json_int_t)m->pages_incomplete);
}

json_t *
insp_findings_json(const struct insp_result *r)
{
	json_t *finds = json_array();

	for (size_t i = 0; i < r->nfindings; i++)
		json_array_append_new(finds, finding_json(&r->findings[i]));
	return finds;
}

/* The govsec badges seen: [{id, page, url, verdict, and when found in the
 * register: unit, unit_name, app, domains, revoked}]. */
static json_t *
badges_json(const struct insp_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nbadges; i++) {
		const struct insp_badge *b = &r->badges[i];
		json_t *o =
		    json_pack("{s:s, s:s, s:s, s:s}", "id", b->id, "page",
			      b->page, "url", b->url, "verdict", b->verdict);

		if (b->logo.unit[0] != '\0')
			json_object_update_new(
			    o, json_pack("{s:s, s:s, s:s, s:s, s:s?}", "unit",
					 b->logo.unit, "unit_name",
					 b->logo.unit_name, "app", b->logo.app,
					 "domains", b->logo.domains, "revoked",
					 b->logo.revoked[0] ? b->logo.revoked
							    : NULL));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
insp_marks_json(const struct insp_result *r)
{
	return marks_json(r);
}

json_t *
insp_columns_json(const struct insp_result *r)
{
	json_t *cols = json_array();

	for (size_t i = 0; i < r->ncolumns; i++) {
		const struct insp_column *c = &r->columns[i];

		json_array_append_new(
		    cols,
		    json_pack(
			"{s:o, s:o, s:s, s:i, s:o, s:o, s:i, s:s}", "url",
			jstr(c->url), "name", jstr(c->name), "kind", c->kind,
			"items", c->items, "newest",
			c->newest[0] ? json_string(c->newest) : json_null(),
			"age_days",
			c->age_days >= 0 ? json_integer(c->age_days)
					 : json_null(),
			"limit_days", c->limit_days, "status", c->status));
	}
	return cols;
}

static json_t *hosts_json(const struct insp_result *r);

/* Everything but the links (the head of the JSON report). */
static json_t *
head_json(const struct insp_result *r)
{
	json_t *root = json_object(), *stats;
	long count[4] = {0};
	struct insp_counts c;

	for (size_t i = 0; i < r->nlinks; i++)
		count[r->links[i].status]++;
	json_object_set_new(root, "start", jstr(r->start));
	json_object_set_new(root, "started", json_string(r->started));
	json_object_set_new(root, "finished", json_string(r->finished));
	insp_counts(r, &c);
	stats = json_pack(
	    "{s:I, s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:b, s:I, "
	    "s:I, s:i, s:i}",
	    "pages", (json_int_t)r->npages, "links", (json_int_t)r->nlinks,
	    "requests", (json_int_t)r->requests, "bytes", (json_int_t)r->bytes,
	    "seconds", r->seconds, "ok", (json_int_t)count[0], "broken",
	    (json_int_t)count[1], "blocked", (json_int_t)count[2], "skipped",
	    (json_int_t)count[3], "time_limit", r->time_limit_hit,
	    "connections", (json_int_t)r->connections, "http2",
	    (json_int_t)r->http2, "max_concurrency", r->max_running,
	    "max_per_host", r->max_per_host);
	json_object_update_new(
	    stats,
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		      "html_pages", (json_int_t)c.html_pages, "stylesheets",
		      (json_int_t)c.stylesheets, "urls", (json_int_t)c.urls,
		      "urls_checked", (json_int_t)c.urls_checked,
		      "urls_skipped", (json_int_t)c.urls_skipped, "urls_broken",
		      (json_int_t)c.urls_broken, "fragments",
		      (json_int_t)c.fragments, "fragments_broken",
		      (json_int_t)c.fragments_broken, "occurrences",
		      (json_int_t)c.occurrences, "unprompted",
		      (json_int_t)c.unprompted));
	json_object_set_new(root, "stats", stats);
	json_object_set_new(root, "unprompted_hosts", hosts_json(r));
	json_object_set_new(root, "marks", marks_json(r));
	json_object_set_new(root, "columns", insp_columns_json(r));
	json_object_set_new(root, "badges", badges_json(r));
	json_object_set_new(root, "findings", insp_findings_json(r));
	return root;
}

json_t *
insp_json(const struct insp_result *r)
{
	json_t *root = head_json(r), *links = json_array();

	for (size_t i = 0; i < r->nlinks; i++)
		json_array_append_new(links, link_json(r, &r->links[i]));
	json_object_set_new(root, "links", links);
	return root;
}

/* One link object, written directly (the report's hot loop); pages: the
 * pages as JSON strings. */
static void
put_link(FILE *out, char *const *pages, const struct insp_link *l)
{
	fputs("{\"url\":", out);
	str_json_put(out, l->url);
	fputs(",\"found_on\":[", out);
	for (int k = 0; k < l->nfound && k < 20; k++) {
		if (k > 0)
			putc(',', out);
		fputs(pages[l->found_on[k]], out);
	}
	fprintf(out, "],\"found_on_count\":%d,\"status\":\"%s\",\"reason\":",
		l->nfound + l->more_found, insp_status_str(l->status));
	str_json_put(out, l->reason);
	fputs(",\"class\":", out);
	str_json_put(out, l->cls ? l->cls : "other");
	fputs(",\"kind\":", out);
	str_json_put(out, l->kind);
	fprintf(out, ",\"internal\":%s", l->internal ? "true" : "false");
	if (l->http)
		fprintf(out, ",\"http\":%d", l->http);
	if (l->detail) {
		fputs(",\"detail\":", out);
		str_json_put(out, l->detail);
	}
	if (l->final) {
		const char *p = l->chain ? l->chain : "";

		fputs(",\"final\":", out);
		str_json_put(out, l->final);
		fputs(",\"redirects\":[", out);
		while (*p != '\0') {
			size_t n = strcspn(p, "\n");
			char *hop = xmalloc(n + 1);

			memcpy(hop, p, n);
			hop[n] = '\0';
			str_json_put(out, hop);
			putc(',', out);
			free(hop);
			p += n + (p[n] == '\n');
		}
		str_json_put(out, l->final);
		putc(']', out);
	}
	if (l->prompt)
		fprintf(out, ",\"prompt\":\"%s\"", l->prompt);
	if (l->flags & XL_BESTEFFORT)
		fputs(",\"best_effort\":true", out);
	if (l->abnormal)
		fputs(",\"abnormal\":true", out);
	if (l->fingerprint[0])
		fprintf(out, ",\"fingerprint\":\"%s\"", l->fingerprint);
	putc('}', out);
}

/* r's pages as JSON strings: an array into *all (both free()), or NULL. */
static char **
page_strings(const struct insp_result *r, char **all)
{
	size_t len = 0, *off = xcalloc(r->npages + 1, sizeof(size_t));
	char **pages;
	FILE *m;

	*all = NULL;
	if ((m = open_memstream(all, &len)) == NULL)
		goto fail;
	for (size_t i = 0; i < r->npages; i++) {
		long at = ftell(m);

		if (at < 0) {
			fclose(m);
			goto fail;
		}
		off[i] = (size_t)at;
		str_json_put(m, r->pages[i]);
		putc('\0', m);
	}
	if (fclose(m) != 0)
		goto fail;
	pages = xcalloc(r->npages + 1, sizeof(char *));
	for (size_t i = 0; i < r->npages; i++)
		pages[i] = *all + off[i];
	free(off);
	return pages;
fail:
	free(off);
	free(*all);
	*all = NULL;
	return NULL;
}

/* The JSON report streamed: the head through jansson, links directly. */
static int
json_stream(const struct insp_result *r, FILE *out)
{
	json_t *head = head_json(r);
	char *s = json_dumps(head, JSON_COMPACT);
	char **pages, *all = NULL;
	size_t n;

	json_decref(head);
	if (s == NULL)
		return -1;
	n = strlen(s);
	/* "{...}" -> "{...,"links":[" */
	fwrite(s, 1, n - 1, out);
	free(s);
	fputs(",\"links\":[", out);
	/* a page is named in the found_on of many links: escape it once */
	if ((pages = page_strings(r, &all)) == NULL)
		return -1;
	for (size_t i = 0; i < r->nlinks; i++) {
		if (i > 0)
			putc(',', out);
		put_link(out, pages, &r->links[i]);
	}
	free(pages);
	free(all);
	fputs("]}\n", out);
	return ferror(out) ? -1 : 0;
}

static void
xml_esc(FILE *out, const char *s)
{
	char *clean = str_utf8_sanitize(s ? s : "");

	for (const char *p = clean; *p; p++) {
		switch (*p) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fputc(*p, out);
		}
	}
	free(clean);
}

static void
text_safe(FILE *out, const char *s)
{
	char *clean = str_utf8_sanitize(s ? s : "");

	fputs(clean, out);
	free(clean);
}

/* ---- what the readable reports count and group ---- */

/* Length of url without its fragment. */
static size_t
nofrag_len(const char *url)
{
	return strcspn(url, "#");
}

/* The report's link sections. */
enum link_sec { LS_BROKEN, LS_ABNORMAL, LS_BLOCKED };

static int
in_section(const struct insp_link *l, enum link_sec s)
{
	int abnormal =
	    l->abnormal && (l->status == INSP_BROKEN || l->status == INSP_OK);

	switch (s) {
	case LS_BROKEN:
		return !abnormal && l->status == INSP_BROKEN;
	case LS_ABNORMAL:
		return abnormal;
	case LS_BLOCKED:
		return l->status == INSP_BLOCKED;
	}
	return 0;
}

/* An outbound link to a non-government site without a leave-site prompt
 * (LINK-3). */
static int
unprompted(const struct insp_link *l)
{
	return l->prompt != NULL && strcmp(l->prompt, "none") == 0;
}

void
insp_counts(const struct insp_result *r, struct insp_counts *c)
{
	struct map pages, urls;
	unsigned char *st = xcalloc(r->nlinks + 1, 1);
	struct map hosts;

	memset(c, 0, sizeof(*c));
	map_init(&pages);
	map_init(&urls);
	map_init(&hosts);
	for (size_t i = 0; i < r->npages; i++)
		map_put(&pages, r->pages[i], 1, NULL);
	for (size_t i = 0; i < r->nlinks; i++) {
		const struct insp_link *l = &r->links[i];
		size_t n = nofrag_len(l->url);
		int frag = l->url[n] == '#';
		char *u = xmalloc(n + 1);
		long long at = (long long)c->urls, one;

		memcpy(u, l->url, n);
		u[n] = '\0';
		if (map_put(&urls, u, at, &at) == 0)
			c->urls++;
		free(u);
		/* 1: some link to it was not skipped, 2: broken itself */
		if (l->status != INSP_SKIPPED)
			st[at] |= 1;
		if (l->status == INSP_BROKEN &&
		    strcmp(l->reason, "fragment_missing") != 0)
			st[at] |= 2;
		c->fragments += frag;
		c->fragments_broken += frag && l->status == INSP_BROKEN &&
				       !strcmp(l->reason, "fragment_missing");
		c->occurrences += l->nfound + l->more_found;
		if (l->internal && !frag && !strcmp(l->kind, "css") &&
		    map_get(&pages, l->url, &one) == 0)
			c->stylesheets++;
		c->broken += in_section(l, LS_BROKEN);
		c->abnormal += in_section(l, LS_ABNORMAL);
		c->blocked += in_section(l, LS_BLOCKED);
		if (unprompted(l)) {
			char *h = url_host(l->url);

			c->unprompted++;
			if (h != NULL && map_put(&hosts, h, 1, NULL) == 0)
				c->unprompted_hosts++;
			free(h);
		}
	}
	for (long i = 0; i < c->urls; i++) {
		c->urls_checked += (st[i] & 1) != 0;
		c->urls_broken += (st[i] & 2) != 0;
	}
	c->urls_skipped = c->urls - c->urls_checked;
	c->html_pages = (long)r->npages - c->stylesheets;
	free(st);
	map_cleanup(&pages);
	map_cleanup(&urls);
	map_cleanup(&hosts);
}

#define HOST_EXAMPLES 3 /* links named per host without a prompt */

/* Outbound links without a leave-site prompt to one host. */
struct host_group {
	char *host;
	long links;
	long long occurrences;
	const struct insp_link *ex[HOST_EXAMPLES];
	int nex;
};

static int
host_cmp(const void *a, const void *b)
{
	const struct host_group *x = a, *y = b;

	if (x->links != y->links)
		return x->links > y->links ? -1 : 1;
	return strcmp(x->host, y->host);
}

/* The LINK-3 failures grouped by target host, most links first (then by
 * host name); *n gets how many. Free with hosts_free. */
static struct host_group *
unprompted_hosts(const struct insp_result *r, size_t *n)
{
	struct host_group *g = NULL;
	size_t cap = 0;
	struct map at;

	*n = 0;
	map_init(&at);
	for (size_t i = 0; i < r->nlinks; i++) {
		const struct insp_link *l = &r->links[i];
		char *h;
		long long k = (long long)*n;

		if (!unprompted(l))
			continue;
		if ((h = url_host(l->url)) == NULL)
			h = xstrdup("");
		if (map_put(&at, h, k, &k) == 0) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				g = xrealloc(g, cap * sizeof(*g));
			}
			memset(&g[*n], 0, sizeof(*g));
			g[(*n)++].host = h;
		} else
			free(h);
		g[k].links++;
		g[k].occurrences += l->nfound + l->more_found;
		if (g[k].nex < HOST_EXAMPLES)
			g[k].ex[g[k].nex++] = l;
	}
	map_cleanup(&at);
	if (*n > 1)
		qsort(g, *n, sizeof(*g), host_cmp);
	return g;
}

static void
hosts_free(struct host_group *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i].host);
	free(g);
}

/* [{host, links, occurrences, examples: [{url, page}]}], as the text
 * report's LINK-3 table. */
static json_t *
hosts_json(const struct insp_result *r)
{
	size_t n;
	struct host_group *g = unprompted_hosts(r, &n);
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *ex = json_array();

		for (int k = 0; k < g[i].nex; k++) {
			const struct insp_link *l = g[i].ex[k];

			json_array_append_new(
			    ex, json_pack(
				    "{s:o, s:o}", "url", jstr(l->url), "page",
				    jstr(l->unprompted_on ? l->unprompted_on
							  : first_page(r, l))));
		}
		json_array_append_new(
		    a,
		    json_pack("{s:o, s:I, s:I, s:o}", "host", jstr(g[i].host),
			      "links", (json_int_t)g[i].links, "occurrences",
			      (json_int_t)g[i].occurrences, "examples", ex));
	}
	hosts_free(g, n);
	return a;
}

static int
pages_cmp(const void *a, const void *b)
{
	const struct insp_link *x = *(const struct insp_link *const *)a;
	const struct insp_link *y = *(const struct insp_link *const *)b;
	int nx = x->nfound + x->more_found, ny = y->nfound + y->more_found;

	if (nx != ny)
		return nx > ny ? -1 : 1;
	return strcmp(x->url, y->url);
}

/* The links of section s, on the most pages first (then by URL); a heap
 * array (free()) of *n. */
static const struct insp_link **
section_links(const struct insp_result *r, enum link_sec s, size_t *n)
{
	const struct insp_link **v = xcalloc(r->nlinks + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < r->nlinks; i++)
		if (in_section(&r->links[i], s))
			v[(*n)++] = &r->links[i];
	if (*n > 1)
		qsort(v, *n, sizeof(*v), pages_cmp);
	return v;
}

/* The sections of the findings not rendered from the links. */
enum find_sec { FS_LINKS, FS_MARKS, FS_FRESH, FS_OTHER };

static enum find_sec
finding_section(const struct insp_finding *f)
{
	if (!strcmp(f->rule, "inspect.link-list") ||
	    !strcmp(f->rule, "inspect.abnormal-links") ||
	    !strcmp(f->rule, "inspect.leave-prompt"))
		return FS_LINKS;
	if (!strcmp(f->rule, "inspect.logo") ||
	    !strcmp(f->rule, "inspect.badge") ||
	    !strncmp(f->rule, "inspect.footer-", 15))
		return FS_MARKS;
	if (!strcmp(f->rule, "inspect.freshness") ||
	    !strcmp(f->rule, "inspect.columns"))
		return FS_FRESH;
	return FS_OTHER;
}

static const char *const link_sec_title[] = {
    "broken links", "abnormal links (LINK-4)", "not verified (blocked)"};
static const char *const find_sec_title[] = {
    "", "marks (LOGO-1, GOVWEB-3)", "freshness (GOVWEB-2)", "other findings"};

/* The first line of the text and HTML reports: what was read. */
static void
counts_line(struct buf *b, const struct insp_result *r,
	    const struct insp_counts *c)
{
	buf_printf(b,
		   "%ld pages (and %ld stylesheets), %ld URLs (%ld checked, "
		   "%ld skipped), %ld links with a fragment (%ld broken), "
		   "%lld link occurrences; %lld requests over %lld "
		   "connections in %.1f s%s",
		   c->html_pages, c->stylesheets, c->urls, c->urls_checked,
		   c->urls_skipped, c->fragments, c->fragments_broken,
		   c->occurrences, r->requests, r->connections, r->seconds,
		   r->time_limit_hit ? " (time limit reached)" : "");
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The summary line: what needs doing, first, then the requirements that
 * fail (sorted). */
static void
summary_line(struct buf *b, const struct insp_result *r,
	     const struct insp_counts *c, long fails, long unknown)
{
	struct map seen;
	char **req;

	buf_printf(b,
		   "%ld broken, %ld abnormal, %ld not verified; %ld "
		   "outbound links to %ld hosts without a leave-site "
		   "prompt; %ld failing, %ld unknown findings",
		   c->broken, c->abnormal, c->blocked, c->unprompted,
		   c->unprompted_hosts, fails, unknown);
	map_init(&seen);
	for (size_t i = 0; i < r->nfindings; i++)
		if (!strcmp(r->findings[i].status, "fail"))
			map_put(&seen, r->findings[i].requirement, 1, NULL);
	req = xcalloc(seen.len + 1, sizeof(*req));
	for (size_t i = 0, n = 0; i < seen.cap; i++)
		if (seen.keys[i] != NULL)
			req[n++] = seen.keys[i];
	qsort(req, seen.len, sizeof(*req), str_cmp);
	for (size_t i = 0; i < seen.len; i++)
		buf_printf(b, "%s%s", i ? ", " : "; failing: ", req[i]);
	free(req);
	map_cleanup(&seen);
}

static void
text_link(FILE *out, const struct insp_result *r, const struct insp_link *l)
{
	int n = l->nfound + l->more_found;

	fprintf(out, "  %5d  ", n);
	text_safe(out, l->url);
	fputs("\n         ", out);
	text_safe(out, l->reason[0] ? l->reason : insp_status_str(l->status));
	if (l->detail) {
		fputs(": ", out);
		text_safe(out, l->detail);
	}
	if (l->final) {
		fputs(", after redirects to ", out);
		text_safe(out, l->final);
	}
	fputs("; on ", out);
	text_safe(out, first_page(r, l));
	if (n > 1)
		fprintf(out, " and %d more page%s", n - 1, n > 2 ? "s" : "");
	fputc('\n', out);
}

static void
text_finding(FILE *out, const struct insp_finding *x)
{
	fprintf(out, "%-7s %-8s %s ", x->status, x->requirement, x->rule);
	text_safe(out, x->object);
	fputs("\n        ", out);
	text_safe(out, x->evidence);
	if (*x->fix) {
		fputs("\n        fix: ", out);
		text_safe(out, x->fix);
	}
	fputc('\n', out);
}

/* The text report: counts and summary, then the sections. */
static void
text_report(const struct insp_result *r, const struct insp_counts *c,
	    long fails, long unknown, FILE *out)
{
	struct buf b = BUF_INIT(8192);
	struct host_group *g;
	size_t ng;

	fputs("inspected ", out);
	text_safe(out, r->start);
	fputs(": ", out);
	counts_line(&b, r, c);
	buf_addstr(&b, "\nsummary: ");
	summary_line(&b, r, c, fails, unknown);
	fputs(b.data ? b.data : "", out);
	buf_cleanup(&b);
	fputs("\n", out);
	for (int s = LS_BROKEN; s <= LS_BLOCKED; s++) {
		size_t n;
		const struct insp_link **v = section_links(r, s, &n);

		fprintf(out, "\n%s: %zu%s\n", link_sec_title[s], n,
			n ? " (pages, link, reason)" : "");
		for (size_t i = 0; i < n; i++)
			text_link(out, r, v[i]);
		free(v);
	}
	g = unprompted_hosts(r, &ng);
	fprintf(out,
		"\noutbound links without a leave-site prompt (LINK-3): %ld "
		"links to %zu hosts\n",
		c->unprompted, ng);
	if (ng > 0)
		fputs("  links  times  host: examples (link on page)\n", out);
	for (size_t i = 0; i < ng; i++) {
		fprintf(out, "  %5ld  %5lld  ", g[i].links, g[i].occurrences);
		text_safe(out, g[i].host);
		fputc(':', out);
		for (int k = 0; k < g[i].nex; k++) {
			const struct insp_link *l = g[i].ex[k];

			fputs(k ? ",\n                " : " ", out);
			text_safe(out, l->url);
			fputs(" on ", out);
			text_safe(out, l->unprompted_on ? l->unprompted_on
							: first_page(r, l));
		}
		if (g[i].links > g[i].nex)
			fprintf(out, " and %ld more", g[i].links - g[i].nex);
		fputc('\n', out);
	}
	hosts_free(g, ng);
	for (int s = FS_MARKS; s <= FS_OTHER; s++) {
		fprintf(out, "\n%s\n", find_sec_title[s]);
		for (size_t i = 0; i < r->nfindings; i++)
			if ((int)finding_section(&r->findings[i]) == s)
				text_finding(out, &r->findings[i]);
	}
	fprintf(out, "\n%ld failing, %ld unknown findings\n", fails, unknown);
}

static void
html_findings(FILE *out, const struct insp_result *r, enum find_sec s)
{
	fputs("<table><tr><th>status<th>requirement<th>rule<th>object"
	      "<th>evidence<th>fix</tr>\n",
	      out);
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct insp_finding *x = &r->findings[i];

		if (finding_section(x) != s)
			continue;
		fprintf(out, "<tr class=\"%s\"><td>%s<td>%s<td>%s<td>",
			x->status, x->status, x->requirement, x->rule);
		xml_esc(out, x->object);
		fputs("<td>", out);
		xml_esc(out, x->evidence);
		fputs("<td>", out);
		xml_esc(out, x->fix);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void
html_link_section(FILE *out, const struct insp_result *r, enum link_sec s)
{
	static const char *const id[] = {"broken", "abnormal", "blocked"};
	size_t n;
	const struct insp_link **v = section_links(r, s, &n);

	fprintf(out, "<section id=\"%s\"><h2>%s (%zu)</h2>\n", id[s],
		link_sec_title[s], n);
	if (n == 0)
		fputs("<p>none</p>\n", out);
	else
		fputs("<table><tr><th>link<th>reason<th>pages<th>found on"
		      "</tr>\n",
		      out);
	for (size_t i = 0; i < n; i++) {
		const struct insp_link *l = v[i];

		fputs("<tr><td>", out);
		xml_esc(out, l->url);
		fputs("<td>", out);
		xml_esc(out,
			l->reason[0] ? l->reason : insp_status_str(l->status));
		if (l->detail) {
			fputs(": ", out);
			xml_esc(out, l->detail);
		}
		if (l->final) {
			fputs(", after redirects to ", out);
			xml_esc(out, l->final);
		}
		fprintf(out, "<td class=\"n\">%d<td>",
			l->nfound + l->more_found);
		for (int k = 0; k < l->nfound && k < HOST_EXAMPLES; k++) {
			fputs(k ? "<br>" : "", out);
			xml_esc(out, r->pages[l->found_on[k]]);
		}
		fputs("</tr>\n", out);
	}
	if (n > 0)
		fputs("</table>\n", out);
	fputs("</section>\n", out);
	free(v);
}

/* The HTML report: a summary, then one section each for broken, abnormal
 * and blocked links, prompts, marks, freshness and the other findings. */
static void
html_report(const struct insp_result *r, const struct insp_counts *c,
	    long fails, long unknown, FILE *out)
{
	struct buf b = BUF_INIT(8192);
	struct host_group *g;
	size_t ng;

	fputs("<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">"
	      "<title>govsec inspection</title><style>body{font-family:"
	      "sans-serif;margin:1em 2em}table{border-collapse:collapse}"
	      "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;"
	      "vertical-align:top}td.n{text-align:right}tr.fail td:first-child"
	      "{color:#b00}tr.unknown td:first-child{color:#a60}</style>"
	      "<h1>Inspection of ",
	      out);
	xml_esc(out, r->start);
	fputs("</h1>\n<section id=\"summary\"><h2>Summary</h2><p>", out);
	summary_line(&b, r, c, fails, unknown);
	xml_esc(out, b.data);
	buf_reset(&b);
	fputs("</p><p>", out);
	counts_line(&b, r, c);
	xml_esc(out, b.data);
	buf_cleanup(&b);
	fprintf(out,
		"</p><table>"
		"<tr><th>pages<td class=\"n\">%ld"
		"<tr><th>stylesheets<td class=\"n\">%ld"
		"<tr><th>URLs checked<td class=\"n\">%ld"
		"<tr><th>URLs skipped<td class=\"n\">%ld"
		"<tr><th>links with a fragment<td class=\"n\">%ld"
		"<tr><th><a href=\"#broken\">broken</a><td class=\"n\">%ld"
		"<tr><th><a href=\"#abnormal\">abnormal</a><td class=\"n\">%ld"
		"<tr><th><a href=\"#blocked\">not verified</a>"
		"<td class=\"n\">%ld"
		"<tr><th><a href=\"#prompts\">outbound links without a "
		"prompt</a><td class=\"n\">%ld (%ld hosts)"
		"<tr><th>failing findings<td class=\"n\">%ld"
		"<tr><th>unknown findings<td class=\"n\">%ld</table>"
		"</section>\n",
		c->html_pages, c->stylesheets, c->urls_checked, c->urls_skipped,
		c->fragments, c->broken, c->abnormal, c->blocked, c->unprompted,
		c->unprompted_hosts, fails, unknown);
	for (int s = LS_BROKEN; s <= LS_BLOCKED; s++)
		html_link_section(out, r, s);
	g = unprompted_hosts(r, &ng);
	fprintf(out,
		"<section id=\"prompts\"><h2>Outbound links without a "
		"leave-site prompt (LINK-3): %ld links to %zu hosts</h2>\n",
		c->unprompted, ng);
	if (ng > 0)
		fputs("<table><tr><th>host<th>links<th>times<th>examples "
		      "(link on page)</tr>\n",
		      out);
	for (size_t i = 0; i < ng; i++) {
		fputs("<tr><td>", out);
		xml_esc(out, g[i].host);
		fprintf(out, "<td class=\"n\">%ld<td class=\"n\">%lld<td>",
			g[i].links, g[i].occurrences);
		for (int k = 0; k < g[i].nex; k++) {
			const struct insp_link *l = g[i].ex[k];

			fputs(k ? "<br>" : "", out);
			xml_esc(out, l->url);
			fputs(" on ", out);
			xml_esc(out, l->unprompted_on ? l->unprompted_on
						      : first_page(r, l));
		}
		if (g[i].links > g[i].nex)
			fprintf(out, "<br>and %ld more", g[i].links - g[i].nex);
		fputs("</tr>\n", out);
	}
	fputs(ng > 0 ? "</table></section>\n" : "<p>none</p></section>\n", out);
	hosts_free(g, ng);
	fputs("<section id=\"marks\"><h2>Marks (LOGO-1, GOVWEB-3)</h2>\n", out);
	html_findings(out, r, FS_MARKS);
	fputs("</section>\n<section id=\"freshness\"><h2>Freshness "
	      "(GOVWEB-2)</h2>\n",
	      out);
	html_findings(out, r, FS_FRESH);
	if (r->ncolumns > 0) {
		fputs("<table><tr><th>column<th>kind<th>dated items<th>newest"
		      "<th>age (days)<th>limit<th>status</tr>\n",
		      out);
		for (size_t i = 0; i < r->ncolumns; i++) {
			const struct insp_column *k = &r->columns[i];

			fputs("<tr><td>", out);
			xml_esc(out, k->name);
			fputs(" ", out);
			xml_esc(out, k->url);
			fprintf(out,
				"<td>%s<td class=\"n\">%d<td>%s<td "
				"class=\"n\">%d<td class=\"n\">%d<td>%s</tr>\n",
				k->kind, k->items, k->newest, k->age_days,
				k->limit_days, k->status);
		}
		fputs("</table>\n", out);
	}
	fputs("</section>\n<section id=\"other\"><h2>Other findings</h2>\n",
	      out);
	html_findings(out, r, FS_OTHER);
	fputs("</section></html>\n", out);
}

int
insp_report(const struct insp_result *r, enum insp_format f, FILE *out)
{
	long fails = 0, unknown = 0;
	struct insp_counts c;

	if (f == IF_TEXT || f == IF_HTML)
		insp_counts(r, &c);
	for (size_t i = 0; i < r->nfindings; i++) {
		fails += strcmp(r->findings[i].status, "fail") == 0;
		unknown += strcmp(r->findings[i].status, "unknown") == 0;
	}
	switch (f) {
	case IF_JSON:
		if (json_stream(r, out) < 0)
			return -1;
		break;
	case IF_TEXT:
		text_report(r, &c, fails, unknown, out);
		break;
	case IF_SARIF: {
		json_t *results = json_array(), *root;
		int rc;

		for (size_t i = 0; i < r->nfindings; i++) {
			const struct insp_finding *x = &r->findings[i];

			if (strcmp(x->status, "pass") == 0)
				continue;
			json_array_append_new(
			    results,
			    json_pack("{s:s, s:s, s:{s:o}, s:[{s:{s:{s:o}}}], "
				      "s:{s:s}}",
				      "ruleId", x->rule, "level",
				      strcmp(x->status, "fail") == 0 ? "error"
								     : "note",
				      "message", "text", jstr(x->evidence),
				      "locations", "physicalLocation",
				      "artifactLocation", "uri",
				      jstr(x->object), "properties",
				      "requirement", x->requirement));
		}
		root = json_pack(
		    "{s:s, s:s, s:[{s:{s:{s:s, s:s}}, s:o}]}", "$schema",
		    "https://json.schemastore.org/sarif-2.1.0.json", "version",
		    "2.1.0", "runs", "tool", "driver", "name", "govsec-inspect",
		    "version", GOVSEC_VERSION, "results", results);
		rc = json_dumpf(root, out, JSON_INDENT(1) | JSON_ENSURE_ASCII);
		json_decref(root);
		fputc('\n', out);
		if (rc < 0)
			return -1;
		break;
	}
	case IF_JUNIT:
		fprintf(out,
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<testsuite name=\"govsec-inspect\" tests=\"%zu\" "
			"failures=\"%ld\" skipped=\"%ld\">\n",
			r->nfindings, fails, unknown);
		for (size_t i = 0; i < r->nfindings; i++) {
			const struct insp_finding *x = &r->findings[i];

			fprintf(out, "<testcase classname=\"%s %s\" name=\"",
				x->requirement, x->rule);
			xml_esc(out, x->object);
			fputs("\">", out);
			if (strcmp(x->status, "fail") == 0) {
				fputs("<failure message=\"", out);
				xml_esc(out, x->evidence);
				fputs("\"/>", out);
			} else if (strcmp(x->status, "unknown") == 0) {
				fputs("<skipped message=\"", out);
				xml_esc(out, x->evidence);
				fputs("\"/>", out);
			}
			fputs("</testcase>\n", out);
		}
		fputs("</testsuite>\n", out);
		break;
	case IF_HTML:
		html_report(r, &c, fails, unknown, out);
		break;
	}
	return ferror(out) ? -1 : 0;
}
