/*
 * marks.c: what one parsed page of the inspected site says for GOVWEB-2
 * and GOVWEB-3: its footer marks (site identification code in the footer
 * and in <meta name="SiteIDCode">, ICP filing, public-security filing and
 * its link, the "find errors" entrance), how they differ from the
 * homepage's, its dated items, and whether a page linked from the homepage
 * is a column (栏目) and of which kind; and the govsec badges (LOGO-1) among
 * the site's links, judged against the register of online logos. Reads the
 * extractor's bounded copies of untrusted page text and untrusted URLs;
 * every string kept is a bounded heap copy.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

#define M_NAME 64 /* bytes of a column name kept */

/* The code after marker in text: skips separators, takes [A-Za-z0-9]. */
static char *
code_after(const char *text, const char *marker, size_t minlen, size_t maxlen)
{
	const char *p = text ? strstr(text, marker) : NULL;

	while (p != NULL) {
		const char *q = p + strlen(marker);
		size_t skip = 0, n = 0;

		while (*q != '\0' && !isalnum((unsigned char)*q) && skip < 16 &&
		       *q != '\n') {
			q++;
			skip++;
		}
		while (isalnum((unsigned char)q[n]) && n <= maxlen)
			n++;
		if (n >= minlen && n <= maxlen) {
			char *out = xmalloc(n + 1);

			memcpy(out, q, n);
			out[n] = '\0';
			return out;
		}
		p = strstr(p + 1, marker);
	}
	return NULL;
}

/* "京ICP备12345678号-1" or "京公网安备 11010502000001号" around marker. */
static char *
filing(const char *text, const char *marker)
{
	const char *p = text ? strstr(text, marker) : NULL;
	const char *s, *e;
	struct buf b = BUF_INIT(256);

	if (p == NULL)
		return NULL;
	s = p;
	/* the province abbreviation: one UTF-8 character before */
	if (s - text >= 3 && ((unsigned char)s[-3] & 0xf0) == 0xe0)
		s -= 3;
	e = p + strlen(marker);
	while (*e == ' ' || *e == ':')
		e++;
	if (!isdigit((unsigned char)*e))
		return NULL;
	while (isdigit((unsigned char)*e))
		e++;
	if (str_starts(e, "号"))
		e += strlen("号");
	if (*e == '-' && isdigit((unsigned char)e[1])) {
		e++;
		while (isdigit((unsigned char)*e))
			e++;
	}
	if (buf_add(&b, s, (size_t)(e - s)) < 0) {
		buf_cleanup(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

void
marks_read(const struct xpage *p, struct marks *m)
{
	const char *foot = p->footer.len > 0 ? p->footer.data : p->text.data;

	memset(m, 0, sizeof(*m));
	m->site_id_meta = p->site_id ? xstrdup(p->site_id) : NULL;
	m->site_id_footer = code_after(foot, "网站标识码", 10, 10);
	if (m->site_id_footer == NULL)
		m->site_id_footer = code_after(foot, "标识码", 10, 10);
	m->icp = filing(foot, "ICP备");
	if (m->icp == NULL)
		m->icp = filing(foot, "ICP证");
	m->psb = filing(foot, "公网安备");
	m->find_errors = foot && strstr(foot, "我为政府网站找错") != NULL;
	for (size_t i = 0; i < p->nlinks; i++) {
		if (p->links[i].flags & XL_FINDERR)
			m->find_errors = 1;
		if ((p->links[i].flags & XL_PSB) && m->psb_link == NULL &&
		    strlen(p->links[i].url) < 4096)
			m->psb_link = xstrdup(p->links[i].url);
	}
}

void
marks_cleanup(struct marks *m)
{
	free(m->site_id_meta);
	free(m->site_id_footer);
	free(m->icp);
	free(m->psb);
	free(m->psb_link);
	memset(m, 0, sizeof(*m));
}

unsigned
marks_missing(const struct marks *home, const struct marks *m)
{
	unsigned miss = 0;
	const char *code = home != NULL && home->site_id_meta != NULL
			       ? home->site_id_meta
			       : NULL;

	if (m->site_id_meta == NULL || m->site_id_footer == NULL)
		miss |= 1u << MARK_SITE_ID;
	else if (strcmp(m->site_id_meta, m->site_id_footer) != 0 ||
		 (code != NULL && strcmp(m->site_id_meta, code) != 0))
		miss |= 1u << MARK_SITE_ID_DIFF;
	if (m->icp == NULL)
		miss |= 1u << MARK_ICP;
	if (m->psb == NULL)
		miss |= 1u << MARK_PSB;
	else if (m->psb_link == NULL)
		miss |= 1u << MARK_PSB_LINK;
	if (!m->find_errors)
		miss |= 1u << MARK_FIND_ERRORS;
	return miss;
}

/* Reads n digits at p into *v; 0 or -1. */
static int
digits(const char *p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	return 0;
}

int
marks_dates(const char *text, time_t now, char newest[11])
{
	char best[11] = "", d[11], limit[11];
	int count = 0;

	time_fmt_date(now + 86400, limit, sizeof(limit));
	for (const char *p = text ? text : ""; *p != '\0'; p++) {
		int y, m = 0, day = 0;
		const char *q = p + 4;

		if (!isdigit((unsigned char)*p) ||
		    (p > text && isdigit((unsigned char)p[-1])) ||
		    digits(p, 4, &y) < 0 || y < 1990 || y > 2100)
			continue;
		if (*q == '-' || *q == '/' || *q == '.') {
			char sep = *q;

			if (digits(q + 1, 2, &m) < 0 || q[3] != sep ||
			    digits(q + 4, 2, &day) < 0 ||
			    isdigit((unsigned char)q[6]))
				continue;
		} else if (str_starts(q, "年")) {
			q += strlen("年");
			if (digits(q, 2, &m) == 0)
				q += 2;
			else if (digits(q, 1, &m) == 0)
				q += 1;
			else
				continue;
			if (!str_starts(q, "月"))
				continue;
			q += strlen("月");
			if (digits(q, 2, &day) == 0)
				q += 2;
			else if (digits(q, 1, &day) < 0)
				continue;
			else
				q += 1;
			if (!str_starts(q, "日"))
				continue;
		} else {
			continue;
		}
		if (str_fmt(d, sizeof(d), "%04d-%02d-%02d", y, m, day) < 0 ||
		    !time_is_date(d) || strcmp(d, limit) > 0)
			continue;
		count++;
		if (strcmp(d, best) > 0)
			memcpy(best, d, sizeof(best));
	}
	memcpy(newest, best, 11);
	return count;
}

int
marks_age(const char *date, time_t now)
{
	time_t t;

	if (date[0] == '\0' || time_parse(date, &t) < 0)
		return -1;
	return t >= now ? 0 : (int)((now - t) / 86400);
}

/* 1 at a run of white space (ASCII, U+00A0, U+3000); *n its bytes. */
static int
space_at(const char *s, size_t *n)
{
	if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\f') {
		*n = 1;
		return 1;
	}
	if (str_starts(s, "\xc2\xa0")) {
		*n = 2;
		return 1;
	}
	if (str_starts(s, "\xe3\x80\x80")) {
		*n = 3;
		return 1;
	}
	return 0;
}

/* s with white space runs made one space and trimmed, into out (size n,
 * cut at a character boundary). */
static void
squeeze(const char *s, char *out, size_t n)
{
	size_t o = 0, k;
	int gap = 0;

	for (; s != NULL && *s != '\0'; s++) {
		if (space_at(s, &k)) {
			gap = o > 0;
			s += k - 1;
			continue;
		}
		if (o + 1 + (size_t)gap >= n) {
			out[o] = '\0';
			str_utf8_trim(out, o); /* cut: at a character */
			return;
		}
		if (gap)
			out[o++] = ' ';
		gap = 0;
		out[o++] = *s;
	}
	out[o] = '\0';
}

/* The first segment of a title ("要闻动态_某市人民政府" -> "要闻动态") that
 * names a column kind, else the first segment; into out. */
static const char *
title_part(const struct insp_words *w, const char *title, char *out, size_t n,
	   const char **kind)
{
	static const char *const seps[] = {"_", "|", " - ", "－",
					   "—", "-", "｜"};
	char t[XP_TEXT_MAX];
	char *p = t;

	squeeze(title, t, sizeof(t));
	*kind = NULL;
	out[0] = '\0';
	while (*p != '\0') {
		size_t len = strlen(p), best = len, sk = 0;

		for (size_t i = 0; i < ARRAY_SIZE(seps); i++) {
			char *q = strstr(p, seps[i]);

			if (q != NULL && (size_t)(q - p) < best) {
				best = (size_t)(q - p);
				sk = strlen(seps[i]);
			}
		}
		{
			char seg[XP_TEXT_MAX];

			memcpy(seg, p, best);
			seg[best] = '\0';
			squeeze(seg, seg, sizeof(seg));
			if (out[0] == '\0' && seg[0] != '\0')
				str_copy(out, seg, n);
			if (seg[0] != '\0' &&
			    (*kind = words_column(w, seg)) != NULL) {
				str_copy(out, seg, n);
				return out;
			}
		}
		p += best + sk;
	}
	return out;
}

/* "/", "/index.html" and the like: the homepage again. */
static int
root_page(const char *url)
{
	static const char *const names[] = {"/",
					    "/index.html",
					    "/index.htm",
					    "/index.shtml",
					    "/index.php",
					    "/index.jsp",
					    "/default.htm",
					    "/default.html",
					    "/default.aspx",
					    "/index.aspx"};
	char *path = url_path(url);
	int root = 0;

	if (path == NULL)
		return 0;
	path[strcspn(path, "?#")] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcasecmp(path, names[i]) == 0)
			root = 1;
	free(path);
	return root;
}

/* A link text that says "more" rather than naming the column. */
static int
generic_text(const char *s)
{
	static const char *const words[] = {"更多", "more", "查看", ">>", "»"};

	if (str_utf8_len(s) < 2)
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		const char *p = s;

		for (; *p != '\0'; p++)
			if (strncasecmp(p, words[i], strlen(words[i])) == 0)
				return 1;
	}
	return 0;
}

int
marks_column(const struct insp_words *w, const char *url, const char *linktext,
	     const struct xpage *p, time_t now, struct insp_column *col)
{
	char text[XP_TEXT_MAX], part[M_NAME], head[M_NAME], nm[M_NAME];
	const char *kind, *tkind, *name = NULL;

	memset(col, 0, sizeof(*col));
	squeeze(linktext, text, sizeof(text));
	if (root_page(url) || str_utf8_len(text) > COL_NAME_CHARS)
		return 0;
	title_part(w, p->title, part, sizeof(part), &tkind);
	squeeze(p->heading, head, sizeof(head));
	/* the homepage's link text names the column best, then the title,
	 * then the page's first heading */
	if ((kind = words_column(w, text)) != NULL)
		name = text;
	else if ((kind = tkind) != NULL)
		name = part;
	else if ((kind = words_column(w, head)) != NULL)
		name = head;
	col->items = marks_dates(p->text.data, now, col->newest);
	if (kind == NULL) {
		/* unnamed: a column only when it lists dated items */
		if (col->items < COL_LIST_ITEMS)
			return 0;
		kind = "other";
	}
	if (name == NULL)
		name = !generic_text(text) ? text : part[0] ? part : head;
	str_copy(nm, name, sizeof(nm));
	col->url = xstrdup(url);
	col->name = xstrdup(nm[0] != '\0' ? nm : url);
	col->kind = kind;
	col->limit_days =
	    strcmp(kind, "news") == 0 ? COL_NEWS_DAYS : COL_NOTICE_DAYS;
	col->age_days = marks_age(col->newest, now);
	if (col->items == 0)
		col->status = "empty";
	else if (col->age_days > col->limit_days)
		col->status = "stale";
	else
		col->status = "fresh";
	return 1;
}

void
marks_column_free(struct insp_column *col)
{
	free(col->url);
	free(col->name);
	memset(col, 0, sizeof(*col));
}

/* ---- govsec badges (LOGO-1) ---- */

#define BADGE_URL_MAX 4096

/* Length of the scheme prefix "http://" or "https://" of u (case
 * ignored), else 0. */
static size_t
web_scheme(const char *u)
{
	if (strncasecmp(u, "https://", 8) == 0)
		return 8;
	if (strncasecmp(u, "http://", 7) == 0)
		return 7;
	return 0;
}

/* The authority of u after its scheme (n bytes), with a default port
 * (":80", ":443") cut off: *len. -1 if it holds userinfo or is empty. */
static int
authority(const char *a, size_t *len)
{
	size_t n = strcspn(a, "/?#");

	if (n == 0 || memchr(a, '@', n) != NULL || memchr(a, '\\', n) != NULL)
		return -1;
	if (n > 4 && memcmp(a + n - 4, ":443", 4) == 0)
		n -= 4;
	else if (n > 3 && memcmp(a + n - 3, ":80", 3) == 0)
		n -= 3;
	*len = n;
	return 0;
}

/* 1 if url is base's "/v1/logo/ID[.svg|.png]" (base NUL-ended). */
static int
badge_at(const char *url, const char *base, char id[17])
{
	size_t su = web_scheme(url), sb = web_scheme(base), au, ab;
	const char *p, *bpath;

	if (su == 0 || sb == 0 || authority(url + su, &au) < 0 ||
	    authority(base + sb, &ab) < 0)
		return 0;
	if (au != ab || strncasecmp(url + su, base + sb, ab) != 0)
		return 0;
	bpath = base + sb + strcspn(base + sb, "/?#");
	p = url + su + strcspn(url + su, "/?#");
	if (strncmp(p, bpath, strlen(bpath)) != 0)
		return 0;
	p += strlen(bpath);
	if (strncmp(p, "/v1/logo/", 9) != 0)
		return 0;
	p += 9;
	for (int i = 0; i < 16; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		      (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	memcpy(id, p, 16);
	id[16] = '\0';
	p += 16;
	if (strncmp(p, ".svg", 4) == 0 || strncmp(p, ".png", 4) == 0)
		p += 4;
	return *p == '\0' || *p == '?' || *p == '#';
}

int
marks_badge_id(const char *url, const char *bases, char id[17])
{
	const char *b = bases;
	char one[1024];

	id[0] = '\0';
	if (url == NULL || bases == NULL ||
	    strnlen(url, BADGE_URL_MAX + 1) > BADGE_URL_MAX)
		return 0;
	while (*b != '\0') {
		size_t n = strcspn(b, " ");

		if (n > 0 && n < sizeof(one)) {
			size_t k = n;

			memcpy(one, b, k);
			one[k] = '\0';
			while (k > 0 && one[k - 1] == '/')
				one[--k] = '\0';
			if (badge_at(url, one, id))
				return 1;
		}
		b += n;
		while (*b == ' ')
			b++;
	}
	id[0] = '\0';
	return 0;
}

/* 1 if host is one of the space-separated names of list (case and a
 * trailing dot ignored). */
static int
host_listed(const char *list, const char *host)
{
	size_t h = strlen(host);

	while (h > 0 && host[h - 1] == '.')
		h--;
	while (*list != '\0') {
		size_t n = strcspn(list, " ");
		size_t m = n;

		while (m > 0 && list[m - 1] == '.')
			m--;
		if (m == h && h > 0 && strncasecmp(list, host, h) == 0)
			return 1;
		list += n;
		while (*list == ' ')
			list++;
	}
	return 0;
}

const char *
marks_badge_verdict(const struct insp_logo *l, const char *host)
{
	if (l->revoked[0] != '\0')
		return "revoked";
	if (host == NULL || !host_listed(l->domains, host))
		return "copied";
	if (l->site_unit[0] != '\0' && strcmp(l->site_unit, l->unit) != 0)
		return "other_unit";
	return "valid";
}

void
marks_badges_free(struct insp_result *r)
{
	for (size_t i = 0; i < r->nbadges; i++) {
		free(r->badges[i].page);
		free(r->badges[i].url);
	}
	free(r->badges);
	r->badges = NULL;
	r->nbadges = 0;
}

void
marks_badges(struct insp_result *r, const struct insp_opts *o)
{
	marks_badges_free(r);
	if (o->badge_bases == NULL || o->badge_bases[0] == '\0')
		return;
	for (size_t i = 0; i < r->nlinks; i++) {
		const struct insp_link *l = &r->links[i];
		struct insp_badge *b = NULL;
		char id[17];
		int rc;

		if (l->nfound == 0 || l->kind == NULL ||
		    (strcmp(l->kind, "a") != 0 &&
		     strcmp(l->kind, "area") != 0 &&
		     strcmp(l->kind, "img") != 0) ||
		    !marks_badge_id(l->url, o->badge_bases, id))
			continue;
		for (size_t k = 0; k < r->nbadges && b == NULL; k++)
			if (strcmp(r->badges[k].id, id) == 0)
				b = &r->badges[k];
		if (b != NULL || r->nbadges >= INSP_BADGES_MAX)
			continue;
		if (r->nbadges == 0)
			r->badges = xcalloc(INSP_BADGES_MAX, sizeof(*b));
		b = &r->badges[r->nbadges++];
		memcpy(b->id, id, sizeof(b->id));
		b->page = xstrdup(r->pages[l->found_on[0]]);
		b->url = xstrdup(l->url);
		if (o->logo == NULL) {
			b->verdict = "unchecked";
			continue;
		}
		memset(&b->logo, 0, sizeof(b->logo));
		rc = o->logo(o->logo_arg, id, r->host, &b->logo);
		if (rc < 0)
			b->verdict = "unchecked";
		else if (rc > 0)
			b->verdict = "unknown";
		else
			b->verdict = marks_badge_verdict(&b->logo, r->host);
	}
}
