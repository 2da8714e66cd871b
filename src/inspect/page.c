/*
 * page.c: judgement of a parsed page of the crawl: its links (resolved,
 * queued, LINK-3 prompts, interstitials), footer marks on every page
 * (GOVWEB-3), columns linked from the homepage (GOVWEB-2), tampering
 * (LINK-4), CSS files' url()s, and the homepage's marks and logo centring.
 * Works on what extract.c made of untrusted pages.
 */
#include <ctype.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "inspect/crawl_int.h"

static int
is_interstitial(struct crawler *c, const char *url)
{
	for (int i = 0; i < c->ninter; i++)
		if (str_starts(url, c->inter[i]))
			return 1;
	return strstr(url, "/leave?to=") != NULL;
}

int
page_link_get(struct crawler *c, const char *url, long frag, const char *kind,
	      int *created)
{
	long long idx;
	struct insp_result *r = c->r;
	struct insp_link *l;

	*created = 0;
	if (map_get(&c->lmap, url, &idx) == 0)
		return (int)idx;
	if (r->nlinks == r->caplinks) {
		r->caplinks = r->caplinks ? r->caplinks * 2 : 256;
		r->links = xrealloc(r->links, r->caplinks * sizeof(*r->links));
		c->ltarget = xrealloc(c->ltarget, r->caplinks * sizeof(int));
		c->lfrag = xrealloc(c->lfrag, r->caplinks * sizeof(long));
	}
	l = &r->links[r->nlinks];
	memset(l, 0, sizeof(*l));
	l->url = xstrdup(url);
	l->kind = kind;
	l->reason = "";
	c->ltarget[r->nlinks] = -1;
	c->lfrag[r->nlinks] = frag;
	map_put(&c->lmap, url, (long long)r->nlinks, NULL);
	*created = 1;
	return (int)r->nlinks++;
}

static void
found_on(struct insp_link *l, int page)
{
	if (l->nfound > 0 && l->found_on[l->nfound - 1] == page)
		return;
	for (int i = 0; i < l->nfound && l->nfound < 16; i++)
		if (l->found_on[i] == page)
			return;
	if (l->nfound >= FOUND_MAX) {
		l->more_found++;
		return;
	}
	if (l->nfound == l->capfound) {
		l->capfound = l->capfound ? l->capfound * 2 : 4;
		l->found_on =
		    xrealloc(l->found_on, (size_t)l->capfound * sizeof(int));
	}
	l->found_on[l->nfound++] = page;
}

static const char *const rank[] = {"interstitial", "script", "none"};

static void
set_prompt(struct crawler *c, struct insp_link *l, const char *p, int page)
{
	int old = -1, now = 0;

	for (int i = 0; i < 3; i++) {
		if (l->prompt && strcmp(l->prompt, rank[i]) == 0)
			old = i;
		if (strcmp(p, rank[i]) == 0)
			now = i;
	}
	if (now > old)
		l->prompt = rank[now];
	if (now == 2 && l->unprompted_on == NULL)
		l->unprompted_on = xstrdup(c->r->pages[page]);
}

static int
navigational(const char *kind)
{
	return !strcmp(kind, "a") || !strcmp(kind, "area") ||
	       !strcmp(kind, "script-literal") || !strcmp(kind, "form");
}

/*
 * Resolves "/path" of plain characters against the origin of base by
 * concatenation: what libcurl would produce, without parsing base again
 * for each of a page's links. NULL when the slow path is needed.
 */
static char *
fast_resolve(struct crawler *c, const char *base, const char *ref)
{
	size_t n;
	char *out;

	if (base != c->fast_base || ref[0] != '/' || ref[1] == '/')
		return NULL;
	for (n = 1; ref[n] != '\0'; n++) {
		char ch = ref[n];

		if (n > 2048 ||
		    !(isalnum((unsigned char)ch) || ch == '/' || ch == '-' ||
		      ch == '_' || ch == '~' || ch == '.') ||
		    ((ch == '.' || ch == '/') && ref[n - 1] == '/'))
			return NULL;
	}
	out = xmalloc(c->fast_olen + n + 1);
	memcpy(out, base, c->fast_olen);
	memcpy(out + c->fast_olen, ref, n + 1);
	return out;
}

/* One link of a parsed page. */
static void
page_link(struct crawler *c, int page, int depth, const char *base,
	  const struct xlink *xl, int global_prompt, int home)
{
	char *abs, *nofrag;
	long frag;
	int li, ti, created;
	struct insp_link *l;
	struct target *t;
	enum want w;
	const char *raw = xl->url;

	if (!strcmp(raw, "#"))
		return;
	/* a scheme starts with a letter ("/p/1.html" has none) */
	if (isalpha((unsigned char)raw[0]) &&
	    (!strncasecmp(raw, "javascript:", 11) ||
	     !strncasecmp(raw, "data:", 5) || !strncasecmp(raw, "about:", 6)))
		return;
	if (isalpha((unsigned char)raw[0]) &&
	    (!strncasecmp(raw, "mailto:", 7) || !strncasecmp(raw, "tel:", 4) ||
	     !strncasecmp(raw, "ftp:", 4) || !strncasecmp(raw, "sms:", 4))) {
		li = page_link_get(c, raw, -1, xl->kind, &created);
		l = &c->r->links[li];
		found_on(l, page);
		if (created) {
			l->status = INSP_SKIPPED;
			l->reason = "not_http";
			l->cls = "other";
		}
		return;
	}
	frag = -1;
	abs = fast_resolve(c, base, raw);
	if (abs == NULL)
		abs = url_resolve(base, raw, &frag);
	if (abs == NULL)
		return;
	li = page_link_get(c, abs, frag, xl->kind, &created);
	l = &c->r->links[li];
	l->flags |= xl->flags;
	found_on(l, page);
	if (c->ltarget[li] < 0) {
		nofrag = frag >= 0 ? xstrdup(abs) : abs;
		if (frag >= 0)
			nofrag[frag] = '\0';
		ti = hostq_target(c, nofrag, &created);
		if (nofrag != abs)
			free(nofrag);
		if (ti < 0) {
			l->status = INSP_SKIPPED;
			l->reason = "bad_url";
			l->cls = "other";
			free(abs);
			return;
		}
		c->ltarget[li] = ti;
	}
	ti = c->ltarget[li];
	t = &c->t[ti];
	if (t->internal) {
		if (!strcmp(xl->kind, "css"))
			w = W_CSS;
		else if ((!strcmp(xl->kind, "a") || !strcmp(xl->kind, "area") ||
			  !strcmp(xl->kind, "iframe") ||
			  !strcmp(xl->kind, "meta-refresh") ||
			  !strcmp(xl->kind, "script-literal")) &&
			 depth + 1 <= c->o->max_depth && !url_not_page(t->url))
			w = W_PARSE;
		else
			w = W_HEAD;
		if (home && w == W_CSS)
			t->homecss = 1;
	} else {
		w = (navigational(xl->kind) || !strcmp(xl->kind, "iframe") ||
		     !strcmp(xl->kind, "meta-refresh")) &&
			    !url_not_page(t->url)
			? W_CONTENT
			: W_HEAD;
	}
	hostq_want(c, ti, w, depth + 1);
	if (t->internal &&
	    (!strcmp(xl->kind, "a") || !strcmp(xl->kind, "area"))) {
		t->nav = 1; /* a page readers reach: GOVWEB-3 marks */
		if (home && w == W_PARSE && xl->text != NULL &&
		    t->coltext == NULL)
			t->coltext = xstrdup(xl->text);
	}
	/* LINK-3: outbound links to non-government destinations */
	if (navigational(xl->kind) && !t->internal &&
	    !c->h[t->host].government) {
		const char *p = "none";

		if (xl->flags & XL_ONCLICK)
			p = "script";
		else if (global_prompt)
			p = "script";
		set_prompt(c, l, p, page);
	} else if (navigational(xl->kind) && is_interstitial(c, abs)) {
		static const char *const params[] = {"to", "url", "target",
						     "u"};
		char *dest = NULL;

		for (size_t i = 0; i < ARRAY_SIZE(params) && dest == NULL; i++)
			dest = url_query_param(abs, params[i]);
		if (dest != NULL) {
			struct xlink d = {dest, xl->kind, xl->flags, NULL};
			char *dabs = url_resolve(NULL, dest, NULL);

			if (dabs != NULL) {
				int dli, dcreated;

				page_link(c, page, depth, base, &d, 1, 0);
				dli = page_link_get(c, dabs, -1, xl->kind,
						    &dcreated);
				if (c->r->links[dli].prompt != NULL &&
				    strcmp(c->r->links[dli].prompt, "none"))
					c->r->links[dli].prompt =
					    "interstitial";
				else if (c->r->links[dli].prompt == NULL)
					(void)0;
				free(dabs);
			}
			free(dest);
		}
	}
	free(abs);
}

/* GOVWEB-3: the footer marks of a page other than the homepage. */
static void
page_marks(struct crawler *c, int page, const struct xpage *p)
{
	struct insp_marks *hm = &c->r->marks;
	struct marks m;
	unsigned miss;

	marks_read(p, &m);
	miss = marks_missing(c->home_seen ? &c->home_marks : NULL, &m);
	marks_cleanup(&m);
	hm->pages++;
	if (miss != 0)
		hm->pages_incomplete++;
	for (int k = 0; k < MARK__N; k++) {
		if (!(miss & (1u << k)))
			continue;
		if (hm->missing[k] < MARK_EXAMPLES)
			hm->missing_on[k][hm->missing[k]] =
			    xstrdup(c->r->pages[page]);
		hm->missing[k]++;
	}
}

/* GOVWEB-2: a page the homepage links to, when it is a column. */
static void
page_column(struct crawler *c, const struct target *t, const struct xpage *p)
{
	struct insp_result *r = c->r;
	struct insp_column col;

	if (!marks_column(c->words, t->url, t->coltext, p, time_now(), &col))
		return;
	if (r->ncolumns == r->capcolumns) {
		r->capcolumns = r->capcolumns ? r->capcolumns * 2 : 16;
		r->columns =
		    xrealloc(r->columns, r->capcolumns * sizeof(*r->columns));
	}
	r->columns[r->ncolumns++] = col;
}

/* LINK-4: gambling or porn on the site's own page (defaced, hijacked, or
 * spam put into its text, title or meta keywords and description). */
static void
page_tampered(struct crawler *c, struct target *t, const struct xpage *p)
{
	char detail[300];

	/* judged by the parser thread (extract_judge) */
	if (p->tampered == NULL)
		return;
	str_fmt(detail, sizeof(detail),
		"%d %s terms on the site's own page: defaced or hijacked",
		p->tampered_hits, p->tampered);
	hostq_finish(c, t, INSP_BROKEN, "tampered_content", detail);
	t->abnormal = 1;
}

void
page_done(struct crawler *c, struct job *j, struct target *t)
{
	struct xpage *p = extract_finish(j->x);
	struct insp_result *r = c->r;
	char *base = NULL;
	const char *final = j->url;
	int page, global;

	if (r->npages == r->cappages) {
		r->cappages = r->cappages ? r->cappages * 2 : 64;
		r->pages = xrealloc(r->pages, r->cappages * sizeof(char *));
	}
	page = (int)r->npages;
	r->pages[r->npages++] = xstrdup(t->url);
	t->page = page;
	c->pages++;
	if (p->base != NULL)
		base = url_resolve(final, p->base, NULL);
	global = prompt_global(p->script_flags) || p->known_prompt;
	/* ids for fragments */
	/* ids for fragments: the page's map is handed over */
	t->ids = xcalloc(1, sizeof(*t->ids));
	*t->ids = p->ids;
	map_init(&p->ids);
	t->ids_cut = j->cut != 0;
	if (t->home) {
		c->home_seen = 1;
		marks_read(p, &c->home_marks);
		marks_dates(p->text.data, time_now(), c->home_newest);
		if (p->logo_found) {
			c->home_logo = 1;
			c->home_logo_footer = p->logo_in_footer;
			c->home_logo_inline = p->logo_inline;
			c->home_logo_chain =
			    xstrdup(p->logo_selectors ? p->logo_selectors : "");
		}
		css_collect_rules(p->css.data ? p->css.data : "", p->css.len,
				  &c->cssrules);
	} else if (t->nav) {
		page_marks(c, page, p);
	}
	if (t->coltext != NULL && !t->home)
		page_column(c, t, p);
	page_tampered(c, t, p);
	/* page_link grows c->t: t is not valid after the first call */
	if (c->pages <= c->o->max_pages) {
		int depth = t->depth, home = t->home;
		const char *b = base ? base : final;
		const char *slash = strstr(b, "://");

		slash = slash != NULL ? strchr(slash + 3, '/') : NULL;
		c->fast_base = slash != NULL ? b : NULL;
		c->fast_olen = slash != NULL ? (size_t)(slash - b) : 0;

		for (size_t i = 0; i < p->nlinks; i++)
			page_link(c, page, depth, b, &p->links[i], global,
				  home);
		c->fast_base = NULL;
	}
	free(base);
}

static void
css_url(void *arg, const char *u)
{
	struct {
		struct crawler *c;
		int page;
		const char *base;
	} *a = arg;
	struct xlink xl;

	xl.url = xstrdup(u);
	xl.kind = "css-url";
	xl.flags = 0;
	xl.text = NULL;
	page_link(a->c, a->page, 0, a->base, &xl, 0, 0);
	free(xl.url);
}

/* A CSS file (j's body) counts as a page that links: its url()s are
 * links, and the homepage's rules are kept for the logo. */
void
page_css(struct crawler *c, struct job *j)
{
	struct {
		struct crawler *c;
		int page;
		const char *base;
	} a = {c, -1, j->url};
	struct insp_result *r = c->r;
	struct target *t = &c->t[j->target];

	if (r->npages == r->cappages) {
		r->cappages = r->cappages ? r->cappages * 2 : 64;
		r->pages = xrealloc(r->pages, r->cappages * sizeof(char *));
	}
	a.page = (int)r->npages;
	r->pages[r->npages++] = xstrdup(t->url);
	css_scan_urls(j->body.data, j->body.len, css_url, &a);
	t = &c->t[j->target];
	if (t->homecss)
		css_collect_rules(j->body.data, j->body.len, &c->cssrules);
}

static void
logo_centring(struct crawler *c, struct insp_marks *m)
{
	const char *p = c->home_logo_chain;
	struct buf ev = BUF_INIT(1024);
	int level = 0;

	m->logo_centred = "no";
	m->logo_confidence = "low";
	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, "|");
		char lv[1024], *colon, *tok, *save = NULL;
		long long f = 0;
		unsigned inl, css = 0;

		if (n >= sizeof(lv))
			break;
		memcpy(lv, p, n);
		lv[n] = '\0';
		p += n + (p[n] == '|');
		colon = strchr(lv, ':');
		if (colon == NULL)
			break;
		*colon = '\0';
		if (str_to_ll(lv, 0, 255, &f) < 0)
			f = 0;
		inl = (unsigned)f;
		/* tokens ".a", "#b" of this level */
		for (tok = colon + 1; *tok != '\0';) {
			size_t k = strcspn(tok, " ");
			char key[128];
			long long v;

			if (k > 0 && k < sizeof(key)) {
				memcpy(key, tok, k);
				key[k] = '\0';
				if (map_get(&c->cssrules, key, &v) == 0)
					css |= (unsigned)v;
			}
			tok += k;
			while (*tok == ' ')
				tok++;
		}
		(void)save;
		if ((inl | css) & CSS_CENTER) {
			m->logo_centred = "yes";
			m->logo_confidence =
			    inl & CSS_CENTER ? "high" : "medium";
			buf_printf(&ev,
				   "text-align:center from %s on the "
				   "logo's ancestor %d (%s)",
				   inl & CSS_CENTER ? "inline style or markup"
						    : "a CSS rule",
				   level, colon[1] ? colon + 1 : "no class");
			break;
		}
		if ((inl | css) & CSS_LEFTRIGHT) {
			m->logo_centred = "no";
			m->logo_confidence =
			    inl & CSS_LEFTRIGHT ? "high" : "medium";
			buf_printf(&ev,
				   "left or right alignment (text-align "
				   "or float) from %s on the logo's "
				   "ancestor %d (%s)",
				   inl & CSS_LEFTRIGHT ? "inline style or "
							 "markup"
						       : "a CSS rule",
				   level, colon[1] ? colon + 1 : "no class");
			break;
		}
		if ((inl | css) & (CSS_FLEXCENTER | CSS_AUTOMARGIN)) {
			m->logo_centred = "yes";
			m->logo_confidence = "low";
			buf_printf(&ev,
				   "a centred box (auto margins or flex) "
				   "on the logo's ancestor %d",
				   level);
			break;
		}
		level++;
	}
	if (ev.len == 0)
		buf_addstr(&ev, "no centring found in markup, inline style "
				"or the homepage's CSS");
	m->logo_evidence = buf_detach(&ev, NULL);
}

void
page_home_marks(struct crawler *c, struct target *home)
{
	struct insp_marks *m = &c->r->marks;
	struct host *h = &c->h[home->host];

	m->fetched = c->home_seen;
	/* the homepage's marks are handed over */
	m->site_id_meta = c->home_marks.site_id_meta;
	m->site_id_footer = c->home_marks.site_id_footer;
	m->icp = c->home_marks.icp;
	m->psb = c->home_marks.psb;
	m->psb_link = c->home_marks.psb_link;
	m->find_errors = c->home_marks.find_errors;
	memset(&c->home_marks, 0, sizeof(c->home_marks));
	m->logo_any = c->home_logo;
	m->logo = c->home_logo && c->home_logo_footer;
	m->logo_centred = "unknown";
	m->logo_confidence = "low";
	if (c->home_logo)
		logo_centring(c, m);
	memcpy(m->newest, c->home_newest, sizeof(m->newest));
	if (m->newest[0] != '\0')
		m->age_days = marks_age(m->newest, time_now());
	/* a tampered homepage is broken but was served */
	m->https = c->home_https && (home->status == INSP_OK || c->home_seen);
	m->hsts = m->https && c->home_hsts;
	if (h->addr != NULL) {
		m->aaaa =
		    h->ip != NULL && strchr(h->ip, ':') != NULL ? "yes" : "no";
	} else {
		struct addrinfo hints, *res = NULL;

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_INET6;
		hints.ai_socktype = SOCK_STREAM;
		m->aaaa = getaddrinfo(h->name, NULL, &hints, &res) == 0 ? "yes"
									: "no";
		if (res != NULL)
			freeaddrinfo(res);
	}
}
