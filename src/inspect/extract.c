/*
 * extract.c: link and fact extraction from one untrusted HTML page, fed
 * as data arrives: links of every kind, ids and anchor names (fragments),
 * the text, footer text, title and first heading, SiteIDCode, meta
 * keywords and description, inline script and style facts, link texts
 * and where the site logo sits. The bytes are decoded to UTF-8 by
 * hdec.c, tokenized by htok.c and built here into a light tree: an
 * element stack with the HTML Standard's implied end tags for p, li,
 * dd/dt, a, option, table rows and cells, and its scopes for end tags.
 * Every step keeps its state between chunks, so a page yields the same
 * links, text and marks wherever the network cuts it. Bounded: 20000
 * links, 20000 ids, 256 open elements tracked, buffers with maxima.
 */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

/* X_ANCHORTX, X_TITLE: bytes of a link text, of <title> and of the first
 * heading, XP_TEXT_MAX with the NUL */
#define X_LINKS	   20000
#define X_IDS	   20000
#define X_STACK	   256
#define X_SCRIPT   (1u << 20)
#define X_ANCHORTX (XP_TEXT_MAX - 1)
#define X_TITLE	   (XP_TEXT_MAX - 1)
#define X_META	   4096 /* bytes of meta keywords and description */

/* The elements the extractor and the tree act on. */
enum xtag {
	T_OTHER,
	T_A,
	T_AREA,
	T_IMG,
	T_LINK,
	T_SCRIPT,
	T_STYLE,
	T_FRAME,
	T_FORM,
	T_META,
	T_BASE,
	T_MEDIA,
	T_TITLE,
	T_CENTER,
	T_FOOTER,
	T_P,
	T_LI,
	T_DDT,
	T_H,
	T_TR,
	T_CELL,
	T_OPTION,
	T_OPTGROUP,
	T_FOREIGN,
	T_BODY,
	T_COUNT
};

#define F_VOID	  1  /* no content, no end tag */
#define F_SPECIAL 2  /* the Standard's "special" category */
#define F_PCLOSE  4  /* its start tag closes an open p */
#define F_SCOPE	  8  /* a boundary of the Standard's "in scope" */
#define F_FORMAT  16 /* a formatting element */

struct xtagdef {
	const char *name;
	unsigned char tag, flags, raw; /* enum xtag, F_*, HTOK_* */
};

/* sorted by name */
static const struct xtagdef tagdefs[] = {
    {"a", T_A, F_FORMAT, HTOK_DATA},
    {"address", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"applet", T_OTHER, F_SPECIAL | F_SCOPE, HTOK_DATA},
    {"area", T_AREA, F_SPECIAL | F_VOID, HTOK_DATA},
    {"article", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"aside", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"audio", T_MEDIA, 0, HTOK_DATA},
    {"b", T_OTHER, F_FORMAT, HTOK_DATA},
    {"base", T_BASE, F_SPECIAL | F_VOID, HTOK_DATA},
    {"basefont", T_OTHER, F_SPECIAL | F_VOID, HTOK_DATA},
    {"bgsound", T_OTHER, F_SPECIAL | F_VOID, HTOK_DATA},
    {"big", T_OTHER, F_FORMAT, HTOK_DATA},
    {"blockquote", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"body", T_BODY, F_SPECIAL, HTOK_DATA},
    {"br", T_OTHER, F_SPECIAL | F_VOID, HTOK_DATA},
    {"button", T_OTHER, F_SPECIAL | F_SCOPE, HTOK_DATA},
    {"caption", T_OTHER, F_SPECIAL | F_SCOPE, HTOK_DATA},
    {"center", T_CENTER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"code", T_OTHER, F_FORMAT, HTOK_DATA},
    {"col", T_OTHER, F_SPECIAL | F_VOID, HTOK_DATA},
    {"dd", T_DDT, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"details", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"dialog", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"dir", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"div", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"dl", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"dt", T_DDT, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"em", T_OTHER, F_FORMAT, HTOK_DATA},
    {"embed", T_MEDIA, F_SPECIAL | F_VOID, HTOK_DATA},
    {"fieldset", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"figcaption", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"figure", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"font", T_OTHER, F_FORMAT, HTOK_DATA},
    {"footer", T_FOOTER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"form", T_FORM, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"frame", T_FRAME, F_SPECIAL | F_VOID, HTOK_DATA},
    {"h1", T_H, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"h2", T_H, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"h3", T_H, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"h4", T_H, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"h5", T_H, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"h6", T_H, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"header", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"hgroup", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"hr", T_OTHER, F_SPECIAL | F_VOID | F_PCLOSE, HTOK_DATA},
    {"html", T_BODY, F_SPECIAL | F_SCOPE, HTOK_DATA},
    {"i", T_OTHER, F_FORMAT, HTOK_DATA},
    {"iframe", T_FRAME, F_SPECIAL, HTOK_RAWTEXT},
    {"img", T_IMG, F_SPECIAL | F_VOID, HTOK_DATA},
    {"input", T_OTHER, F_SPECIAL | F_VOID, HTOK_DATA},
    {"keygen", T_OTHER, F_SPECIAL | F_VOID, HTOK_DATA},
    {"li", T_LI, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"link", T_LINK, F_SPECIAL | F_VOID, HTOK_DATA},
    {"listing", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"main", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"marquee", T_OTHER, F_SPECIAL | F_SCOPE, HTOK_DATA},
    {"math", T_FOREIGN, F_SCOPE, HTOK_DATA},
    {"menu", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"meta", T_META, F_SPECIAL | F_VOID, HTOK_DATA},
    {"nav", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"nobr", T_OTHER, F_FORMAT, HTOK_DATA},
    {"noembed", T_OTHER, F_SPECIAL, HTOK_RAWTEXT},
    {"noframes", T_OTHER, F_SPECIAL, HTOK_RAWTEXT},
    {"object", T_OTHER, F_SPECIAL | F_SCOPE, HTOK_DATA},
    {"ol", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"optgroup", T_OPTGROUP, 0, HTOK_DATA},
    {"option", T_OPTION, 0, HTOK_DATA},
    {"p", T_P, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"param", T_OTHER, F_SPECIAL | F_VOID, HTOK_DATA},
    {"plaintext", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_PLAINTEXT},
    {"pre", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"s", T_OTHER, F_FORMAT, HTOK_DATA},
    {"script", T_SCRIPT, F_SPECIAL, HTOK_SCRIPT},
    {"search", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"section", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"select", T_OTHER, F_SPECIAL, HTOK_DATA},
    {"small", T_OTHER, F_FORMAT, HTOK_DATA},
    {"source", T_MEDIA, F_SPECIAL | F_VOID, HTOK_DATA},
    {"strike", T_OTHER, F_FORMAT, HTOK_DATA},
    {"strong", T_OTHER, F_FORMAT, HTOK_DATA},
    {"style", T_STYLE, F_SPECIAL, HTOK_RAWTEXT},
    {"summary", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"svg", T_FOREIGN, F_SCOPE, HTOK_DATA},
    {"table", T_OTHER, F_SPECIAL | F_SCOPE | F_PCLOSE, HTOK_DATA},
    {"tbody", T_OTHER, F_SPECIAL, HTOK_DATA},
    {"td", T_CELL, F_SPECIAL | F_SCOPE, HTOK_DATA},
    {"template", T_OTHER, F_SPECIAL | F_SCOPE, HTOK_DATA},
    {"textarea", T_OTHER, F_SPECIAL, HTOK_RCDATA},
    {"tfoot", T_OTHER, F_SPECIAL, HTOK_DATA},
    {"th", T_CELL, F_SPECIAL | F_SCOPE, HTOK_DATA},
    {"thead", T_OTHER, F_SPECIAL, HTOK_DATA},
    {"title", T_TITLE, F_SPECIAL, HTOK_RCDATA},
    {"tr", T_TR, F_SPECIAL, HTOK_DATA},
    {"track", T_OTHER, F_SPECIAL | F_VOID, HTOK_DATA},
    {"tt", T_OTHER, F_FORMAT, HTOK_DATA},
    {"u", T_OTHER, F_FORMAT, HTOK_DATA},
    {"ul", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_DATA},
    {"video", T_MEDIA, 0, HTOK_DATA},
    {"wbr", T_OTHER, F_SPECIAL | F_VOID, HTOK_DATA},
    {"xmp", T_OTHER, F_SPECIAL | F_PCLOSE, HTOK_RAWTEXT},
};

struct xelem {
	unsigned footer : 1, script : 1, style : 1, anchor : 1, title : 1,
	    heading : 1;
	unsigned char tag, flags; /* enum xtag, F_* */
	uint32_t hname;		  /* name_hash of its name */
	unsigned inline_flags;
	char *sel; /* ".a .b #c" or NULL */
};

struct extract {
	struct hdec *d;			/* the bytes to UTF-8 */
	struct htok *t;			/* UTF-8 to tokens */
	const struct insp_words *words; /* judge tampering at the end */
	struct arena a;
	struct xpage p;
	size_t caplinks;
	struct xelem *stack; /* X_STACK */
	int depth;	     /* elements in stack */
	int over;	     /* open elements past X_STACK, not kept */
	int foreign;	     /* open svg and math elements */
	int open[T_COUNT];   /* open elements in stack by tag */
	int footer;	     /* open footer elements */
	int in_script, in_style;
	struct buf script;
	struct buf styleblk;
	long anchor; /* link index of the open <a>, -1 */
	struct buf anchor_text;
	int anchor_long; /* the anchor's text went past X_ANCHORTX */
	int in_title, in_heading;
	struct buf title, heading, meta;
	const char *logo_pattern;
	struct buf chain;
	int finished;
	unsigned keep; /* XK_* */
	unsigned full; /* B_*: buffers that reached their maximum */
};

/* The text buffers cap_add fills. */
#define B_TEXT	  1
#define B_FOOTER  2
#define B_TITLE	  4
#define B_HEADING 8
#define B_ANCHOR  16
#define B_SCRIPT  32
#define B_STYLE	  64
#define B_CSS	  128

/*
 * Adds s (n bytes of UTF-8) to b, buffer B_* which; past b's maximum,
 * what fits up to a character's start and nothing after it: b holds the
 * same bytes however the text came in pieces. 0, or -1 once full.
 */
static int
cap_add(struct extract *x, unsigned which, struct buf *b, const char *s,
	size_t n)
{
	size_t k;

	if (x->full & which)
		return -1;
	if (buf_add(b, s, n) == 0)
		return 0;
	k = b->max - b->len; /* < n */
	while (k > 0 && k < n && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	if (k > 0)
		(void)buf_add(b, s, k);
	x->full |= which;
	return -1;
}

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* tagdefs by name_hash: open addressing, index + 1 (0: empty) */
#define X_TAGSLOTS 512
static unsigned char tagslot[X_TAGSLOTS];
static pthread_once_t tagslot_once = PTHREAD_ONCE_INIT;

static void
tagslot_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(tagdefs); i++) {
		uint32_t k = name_hash(tagdefs[i].name) % X_TAGSLOTS;

		while (tagslot[k] != 0)
			k = (k + 1) % X_TAGSLOTS;
		tagslot[k] = (unsigned char)(i + 1);
	}
}

/* What the tree knows of an element (h: name_hash(name)), or NULL. */
static const struct xtagdef *
tagdef(const char *name, uint32_t h)
{
	uint32_t k = h % X_TAGSLOTS;

	pthread_once(&tagslot_once, tagslot_init);
	for (; tagslot[k] != 0; k = (k + 1) % X_TAGSLOTS) {
		const struct xtagdef *d = &tagdefs[tagslot[k] - 1];

		if (strcmp(d->name, name) == 0)
			return d;
	}
	return NULL;
}

static int
icontains(const char *s, const char *lit)
{
	size_t k = strlen(lit);
	int first = (unsigned char)lit[0];

	/* lit is lower case: test the first byte before comparing */
	for (; *s != '\0'; s++)
		if (((unsigned char)*s | 0x20) == first &&
		    strncasecmp(s, lit, k) == 0)
			return 1;
	return 0;
}

#define U_LOGO	  1 /* the Party/government site logo (conac.cn, dzjg) */
#define U_PSB	  2 /* the public-security filing site */
#define U_FINDERR 4 /* the "find errors" entrance */

/* What a URL names, ASCII case ignored, in one pass over it. */
static unsigned
url_marks(const char *u)
{
	static const struct {
		const char *lit; /* lower case */
		unsigned flag;
	} lits[] = {{"conac.cn", U_LOGO},	 {"dzjg", U_LOGO},
		    {"beian.mps.gov.cn", U_PSB}, {"beian.gov.cn", U_PSB},
		    {"zfwzzc", U_FINDERR},	 {"pucha.kaipuyun", U_FINDERR}};
	unsigned f = 0;

	for (; *u != '\0'; u++) {
		int ch = (unsigned char)*u | 0x20;

		if (ch != 'b' && ch != 'c' && ch != 'd' && ch != 'p' &&
		    ch != 'z')
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(lits); i++)
			if (lits[i].lit[0] == ch &&
			    strncasecmp(u, lits[i].lit, strlen(lits[i].lit)) ==
				0)
				f |= lits[i].flag;
	}
	return f;
}

/* names lower case, values never NULL (htok) */
static const char *
attr(const char **atts, const char *name)
{
	for (int i = 0; atts[i] != NULL; i += 2)
		if (strcmp(atts[i], name) == 0)
			return atts[i + 1];
	return NULL;
}

static long
add_link(struct extract *x, const char *url, const char *kind, unsigned flags)
{
	struct xlink *l;

	while (isspace((unsigned char)*url))
		url++;
	if (*url == '\0' || strlen(url) > 8192)
		return -1;
	if (x->p.nlinks >= X_LINKS) {
		x->p.truncated = 1;
		return -1;
	}
	if (x->p.nlinks == x->caplinks) {
		x->caplinks = x->caplinks ? x->caplinks * 2 : 64;
		x->p.links =
		    xrealloc(x->p.links, x->caplinks * sizeof(*x->p.links));
	}
	l = &x->p.links[x->p.nlinks];
	l->url = arena_strdup(&x->a, url);
	l->kind = kind;
	l->flags = flags | (x->footer > 0 ? XL_FOOTER : 0);
	l->text = NULL;
	return (long)x->p.nlinks++;
}

static void
css_link(void *arg, const char *url)
{
	add_link(arg, url, "css-url", 0);
}

static void
add_id(struct extract *x, const char *v)
{
	if (v == NULL || *v == '\0' || strlen(v) > 1024)
		return;
	if (x->p.ids.len >= X_IDS) {
		x->p.truncated = 1;
		return;
	}
	map_put(&x->p.ids, v, 1, NULL);
}

static int
is_footer(enum xtag tag, const char *id, const char *cls)
{
	static const char *const words[] = {"footer",	 "foot", "bottom",
					    "copyright", "dibu", "banquan"};

	if (tag == T_FOOTER)
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if ((id && icontains(id, words[i])) ||
		    (cls && icontains(cls, words[i])))
			return 1;
	return 0;
}

/* ".a .b #c" for an element's classes and id, or NULL. */
static char *
selectors(struct extract *x, const char *id, const char *cls)
{
	struct buf b = BUF_INIT(1024);
	char *s;

	if (cls != NULL) {
		const char *p = cls;

		while (*p != '\0') {
			size_t n;

			while (isspace((unsigned char)*p))
				p++;
			n = strcspn(p, " \t\r\n\f");
			if (n > 0 && n < 100) {
				buf_addch(&b, '.');
				buf_add(&b, p, n);
				buf_addch(&b, ' ');
			}
			p += n;
		}
	}
	if (id != NULL && *id != '\0' && strlen(id) < 100 &&
	    !strpbrk(id, " \t\r\n")) {
		buf_addch(&b, '#');
		buf_addstr(&b, id);
	}
	if (b.len == 0) {
		buf_cleanup(&b);
		return NULL;
	}
	s = arena_strdup(&x->a, b.data);
	buf_cleanup(&b);
	return s;
}

/* Records where the logo sits: "FLAGS:SELECTORS|..." innermost first. */
static void
record_logo(struct extract *x)
{
	int top = x->depth < X_STACK ? x->depth : X_STACK;

	if (x->p.logo_found)
		return;
	x->p.logo_found = 1;
	x->p.logo_in_footer = x->footer > 0;
	buf_reset(&x->chain);
	for (int i = top - 1; i >= 0; i--) {
		struct xelem *el = &x->stack[i];

		if (x->p.logo_inline == 0 &&
		    (el->inline_flags & (CSS_CENTER | CSS_LEFTRIGHT |
					 CSS_FLEXCENTER | CSS_AUTOMARGIN)))
			x->p.logo_inline = el->inline_flags;
		buf_printf(&x->chain, "%u:%s|", el->inline_flags,
			   el->sel ? el->sel : "");
	}
	x->p.logo_selectors =
	    arena_strdup(&x->a, x->chain.data ? x->chain.data : "");
}

/* marks: url_marks(u); a govsec badge's verification page or image
 * ("/v1/logo/") is placed like the logo (whose it is: marks_badges) */
static int
logo_url(struct extract *x, const char *u, unsigned marks)
{
	return u != NULL &&
	       ((marks & U_LOGO) || strstr(u, "/v1/logo/") != NULL ||
		(x->logo_pattern && *x->logo_pattern &&
		 strstr(u, x->logo_pattern)));
}

static void
srcset(struct extract *x, const char *v)
{
	const char *p = v;

	while (*p != '\0') {
		char u[4097];
		size_t n;

		while (isspace((unsigned char)*p) || *p == ',')
			p++;
		n = strcspn(p, " \t\r\n,");
		if (n > 0 && n < sizeof(u)) {
			memcpy(u, p, n);
			u[n] = '\0';
			add_link(x, u, "img", 0);
		}
		p += n;
		while (*p != '\0' && *p != ',')
			p++;
	}
}

static void
meta(struct extract *x, const char **atts)
{
	const char *name = attr(atts, "name");
	const char *equiv = attr(atts, "http-equiv");
	const char *content = attr(atts, "content");

	if (content == NULL)
		return;
	if (name != NULL && strcasecmp(name, "SiteIDCode") == 0 &&
	    x->p.site_id == NULL && strlen(content) < 256)
		x->p.site_id = arena_strdup(&x->a, content);
	if (name != NULL && (x->keep & XK_TEXT) &&
	    (strcasecmp(name, "keywords") == 0 ||
	     strcasecmp(name, "description") == 0) &&
	    buf_addstr(&x->meta, content) == 0)
		buf_addch(&x->meta, '\n');
	if (equiv != NULL && strcasecmp(equiv, "refresh") == 0) {
		const char *u = strchr(content, ';');

		if (u == NULL)
			u = strchr(content, ',');
		if (u == NULL)
			return;
		u++;
		while (isspace((unsigned char)*u))
			u++;
		if (strncasecmp(u, "url", 3) == 0) {
			u += 3;
			while (isspace((unsigned char)*u))
				u++;
			if (*u == '=')
				u++;
		}
		{
			char v[4097];
			size_t n;

			while (isspace((unsigned char)*u) || *u == '\'' ||
			       *u == '"')
				u++;
			n = strcspn(u, "'\"");
			if (n == 0 || n >= sizeof(v))
				return;
			memcpy(v, u, n);
			v[n] = '\0';
			add_link(x, v, "meta-refresh", 0);
		}
	}
}

/* Opens element name (d: tagdef(name)) and acts on it. */
static void
start_el(struct extract *x, const char *name, uint32_t h,
	 const struct xtagdef *d, const char **atts)
{
	enum xtag tag = d != NULL ? (enum xtag)d->tag : T_OTHER;
	const char *id = NULL, *cls = NULL, *style = NULL, *align = NULL;
	struct xelem el;
	const char *v;
	long li;

	/* one pass for the attributes every element is asked about */
	for (int i = 0; atts[i] != NULL; i += 2) {
		const char *k = atts[i];

		if (strcmp(k, "id") == 0)
			id = atts[i + 1];
		else if (strcmp(k, "class") == 0)
			cls = atts[i + 1];
		else if (strcmp(k, "style") == 0)
			style = atts[i + 1];
		else if (strcmp(k, "align") == 0)
			align = atts[i + 1];
	}
	memset(&el, 0, sizeof(el));
	el.tag = (unsigned char)tag;
	el.flags = d != NULL ? d->flags : 0;
	el.hname = h;
	if (x->foreign > 0 && tag != T_FOREIGN) {
		/* svg and math children: no HTML element semantics */
		el.tag = T_OTHER;
		el.flags = 0;
	}
	if (style != NULL)
		css_scan_urls(style, strlen(style), css_link, x);
	if (x->depth >= X_STACK) {
		x->p.truncated = 1;
	} else if (x->keep & XK_TEXT) {
		if (is_footer(tag, id, cls)) {
			el.footer = 1;
			x->footer++;
		}
		if (tag == T_TITLE && x->title.len == 0) {
			el.title = 1;
			x->in_title++;
		} else if (name[0] == 'h' && name[1] >= '1' && name[1] <= '3' &&
			   name[2] == '\0' && x->heading.len == 0) {
			el.heading = 1;
			x->in_heading++;
		}
	}
	if (x->depth < X_STACK && (x->keep & XK_LAYOUT)) {
		/* layout facts, for the homepage's marks only */
		if (style != NULL)
			el.inline_flags |= css_decl_flags(style, strlen(style));
		if (align != NULL) {
			if (strcasecmp(align, "center") == 0 ||
			    strcasecmp(align, "middle") == 0)
				el.inline_flags |= CSS_CENTER;
			else if (strcasecmp(align, "left") == 0 ||
				 strcasecmp(align, "right") == 0)
				el.inline_flags |= CSS_LEFTRIGHT;
		}
		if (tag == T_CENTER)
			el.inline_flags |= CSS_CENTER;
		el.sel = selectors(x, id, cls);
	}
	add_id(x, id);

	switch (tag) {
	case T_A:
	case T_AREA: {
		const char *onclick = attr(atts, "onclick");
		unsigned f = 0;

		add_id(x, attr(atts, "name"));
		v = attr(atts, "href");
		if (onclick != NULL && prompt_onclick(onclick))
			f |= XL_ONCLICK;
		li = v ? add_link(x, v, tag == T_A ? "a" : "area", f) : -1;
		if (li >= 0) {
			unsigned m = url_marks(v);

			if (logo_url(x, v, m)) {
				x->p.links[li].flags |= XL_LOGO;
				record_logo(x);
			}
			if (m & U_PSB)
				x->p.links[li].flags |= XL_PSB;
			if (m & U_FINDERR)
				x->p.links[li].flags |= XL_FINDERR;
		}
		if (tag == T_A) {
			el.anchor = 1;
			x->anchor = li;
			x->anchor_long = 0;
			buf_reset(&x->anchor_text);
			x->full &= ~(unsigned)B_ANCHOR;
		}
		break;
	}
	case T_IMG: {
		const char *alt = attr(atts, "alt");
		const char *src = attr(atts, "src");

		if (src != NULL)
			add_link(x, src, "img", 0);
		if ((v = attr(atts, "srcset")) != NULL)
			srcset(x, v);
		if ((src != NULL && logo_url(x, src, url_marks(src))) ||
		    (alt != NULL && (strstr(alt, "党政机关") != NULL))) {
			/* the <img> itself is part of the chain */
			record_logo(x);
			if (x->anchor >= 0)
				x->p.links[x->anchor].flags |= XL_LOGO;
		}
		if (alt != NULL && strstr(alt, "找错") != NULL &&
		    x->anchor >= 0)
			x->p.links[x->anchor].flags |= XL_FINDERR;
		break;
	}
	case T_LINK: {
		const char *rel = attr(atts, "rel");

		v = attr(atts, "href");
		if (v != NULL && !(rel && (icontains(rel, "preconnect") ||
					   icontains(rel, "dns-prefetch"))))
			add_link(x, v,
				 rel && icontains(rel, "stylesheet") ? "css"
								     : "link",
				 0);
		break;
	}
	case T_SCRIPT:
		v = attr(atts, "src");
		if (v != NULL) {
			add_link(x, v, "script", 0);
			if (prompt_known_script(v))
				x->p.known_prompt = 1;
		}
		el.script = 1;
		x->in_script++;
		buf_reset(&x->script);
		x->full &= ~(unsigned)B_SCRIPT;
		break;
	case T_STYLE:
		el.style = 1;
		x->in_style++;
		buf_reset(&x->styleblk);
		x->full &= ~(unsigned)B_STYLE;
		break;
	case T_FRAME:
		if ((v = attr(atts, "src")) != NULL)
			add_link(x, v, "iframe", 0);
		break;
	case T_FORM:
		if ((v = attr(atts, "action")) != NULL && *v != '\0')
			add_link(x, v, "form", 0);
		break;
	case T_META:
		meta(x, atts);
		break;
	case T_BASE:
		if ((v = attr(atts, "href")) != NULL && x->p.base == NULL &&
		    strlen(v) < 8192)
			x->p.base = arena_strdup(&x->a, v);
		break;
	case T_MEDIA:
		if ((v = attr(atts, "src")) != NULL)
			add_link(x, v, "media", 0);
		if ((v = attr(atts, "srcset")) != NULL)
			srcset(x, v);
		break;
	default:
		break;
	}
	if (x->depth < X_STACK) {
		x->stack[x->depth++] = el;
		x->open[el.tag]++;
		if (tag == T_FOREIGN)
			x->foreign++;
	} else {
		x->over++;
	}
}

/* Literal URLs in window.open('...') and location = '...' (best effort),
 * each call's in turn; memmem finds the calls. */
static void
script_literals(struct extract *x, const char *s, size_t n)
{
	static const char *const calls[] = {
	    "window.open(", "location.href=",	"location.href =",  "location=",
	    "location =",   "location.assign(", "location.replace("};

	for (size_t i = 0; i < ARRAY_SIZE(calls); i++) {
		size_t k = strlen(calls[i]);
		const char *m;

		for (size_t p = 0; p + k < n; p = (size_t)(m - s) + 1) {
			size_t q;
			char quote, u[4097];

			m = memmem(s + p, n - p, calls[i], k);
			if (m == NULL || (size_t)(m - s) + k >= n)
				break;
			q = (size_t)(m - s) + k;
			while (q < n && isspace((unsigned char)s[q]))
				q++;
			if (q >= n || (s[q] != '\'' && s[q] != '"'))
				continue;
			quote = s[q++];
			{
				size_t e = q;

				while (e < n && s[e] != quote && s[e] != '\n')
					e++;
				if (e >= n || s[e] != quote || e == q ||
				    e - q >= sizeof(u))
					continue;
				memcpy(u, s + q, e - q);
				u[e - q] = '\0';
			}
			if (strncmp(u, "http", 4) == 0 || u[0] == '/')
				add_link(x, u, "script-literal", XL_BESTEFFORT);
		}
	}
}

/* Closes the innermost open element. */
static void
end_el(struct extract *x)
{
	if (x->over > 0) {
		x->over--;
		return;
	}
	if (x->depth <= 0)
		return;
	x->depth--;
	{
		struct xelem *el = &x->stack[x->depth];

		x->open[el->tag]--;
		if (el->tag == T_FOREIGN && x->foreign > 0)
			x->foreign--;

		if (el->footer && x->footer > 0) {
			x->footer--;
			(void)cap_add(x, B_FOOTER, &x->p.footer, "\n", 1);
		}
		if (el->script && x->in_script > 0) {
			x->in_script--;
			if (x->script.len > 0) {
				x->p.script_flags |= prompt_scan_script(
				    x->script.data, x->script.len);
				script_literals(x, x->script.data,
						x->script.len);
			}
		}
		if (el->style && x->in_style > 0) {
			x->in_style--;
			if (x->styleblk.len > 0) {
				css_scan_urls(x->styleblk.data, x->styleblk.len,
					      css_link, x);
				(void)cap_add(x, B_CSS, &x->p.css,
					      x->styleblk.data,
					      x->styleblk.len);
				(void)cap_add(x, B_CSS, &x->p.css, "\n", 1);
			}
		}
		if (el->title && x->in_title > 0)
			x->in_title--;
		if (el->heading && x->in_heading > 0)
			x->in_heading--;
		if (el->anchor) {
			if (x->anchor >= 0 && x->anchor_text.data != NULL &&
			    strstr(x->anchor_text.data, "找错") != NULL)
				x->p.links[x->anchor].flags |= XL_FINDERR;
			if (x->anchor >= 0 && (x->keep & XK_LAYOUT) &&
			    !x->anchor_long)
				x->p.links[x->anchor].text = arena_strdup(
				    &x->a, x->anchor_text.data
					       ? x->anchor_text.data
					       : "");
			x->anchor = -1;
		}
	}
}

static void
chars(void *arg, const char *ch, size_t n)
{
	struct extract *x = arg;
	const char *z;

	/* NUL in data: the tree builder drops it */
	while (x->in_script == 0 && x->in_style == 0 &&
	       (z = memchr(ch, '\0', n)) != NULL) {
		chars(x, ch, (size_t)(z - ch));
		n -= (size_t)(z - ch) + 1;
		ch = z + 1;
	}

	if (x->in_script) {
		(void)cap_add(x, B_SCRIPT, &x->script, ch, n);
		return;
	}
	if (x->in_style) {
		(void)cap_add(x, B_STYLE, &x->styleblk, ch, n);
		return;
	}
	if (x->keep & XK_TEXT) {
		(void)cap_add(x, B_TEXT, &x->p.text, ch, n);
		if (x->footer > 0)
			(void)cap_add(x, B_FOOTER, &x->p.footer, ch, n);
		if (x->in_title > 0)
			(void)cap_add(x, B_TITLE, &x->title, ch, n);
		else if (x->in_heading > 0)
			(void)cap_add(x, B_HEADING, &x->heading, ch, n);
	}
	if (x->anchor >= 0 && cap_add(x, B_ANCHOR, &x->anchor_text, ch, n) < 0)
		x->anchor_long = 1;
}

/* Closes open elements down to and with stack entry k. */
static void
close_to(struct extract *x, int k)
{
	while (x->over > 0)
		end_el(x);
	while (x->depth > k)
		end_el(x);
}

/*
 * The innermost open element with tag (T_*, or hash h if tag is
 * T_OTHER) above a boundary: an element with a flag in stop; -1 if none.
 */
static int
open_el(struct extract *x, int tag, uint32_t h, unsigned stop)
{
	if (tag != T_OTHER && x->open[tag] == 0)
		return -1;
	for (int i = x->depth - 1; i >= 0; i--) {
		const struct xelem *el = &x->stack[i];

		if (tag != T_OTHER ? el->tag == tag : el->hname == h)
			return i;
		if (el->flags & stop)
			return -1;
	}
	return -1;
}

/* The end tags a start tag implies (the HTML Standard, "in body"). */
static void
implied_ends(struct extract *x, const struct xtagdef *d)
{
	int k;

	if (d == NULL)
		return;
	if ((d->flags & F_PCLOSE) && (k = open_el(x, T_P, 0, F_SCOPE)) >= 0)
		close_to(x, k);
	switch (d->tag) {
	case T_A:
		if ((k = open_el(x, T_A, 0, F_SCOPE)) >= 0)
			close_to(x, k);
		break;
	case T_LI:
		if ((k = open_el(x, T_LI, 0, F_SCOPE)) >= 0 &&
		    open_el(x, T_OTHER, name_hash("ul"), F_SCOPE) < k &&
		    open_el(x, T_OTHER, name_hash("ol"), F_SCOPE) < k)
			close_to(x, k);
		break;
	case T_DDT:
		if ((k = open_el(x, T_DDT, 0, F_SCOPE)) >= 0 &&
		    open_el(x, T_OTHER, name_hash("dl"), F_SCOPE) < k)
			close_to(x, k);
		break;
	case T_H:
		if (x->depth > 0 && x->over == 0 &&
		    x->stack[x->depth - 1].tag == T_H)
			close_to(x, x->depth - 1);
		break;
	case T_OPTGROUP:
	case T_OPTION:
		if (x->depth > 0 && x->over == 0 &&
		    x->stack[x->depth - 1].tag == T_OPTION)
			close_to(x, x->depth - 1);
		if (d->tag == T_OPTGROUP && x->depth > 0 && x->over == 0 &&
		    x->stack[x->depth - 1].tag == T_OPTGROUP)
			close_to(x, x->depth - 1);
		break;
	case T_TR:
		if ((k = open_el(x, T_TR, 0, F_SCOPE)) >= 0)
			close_to(x, k);
		break;
	case T_CELL:
		if ((k = open_el(x, T_CELL, 0, F_SCOPE & ~0u)) >= 0 &&
		    open_el(x, T_TR, 0, F_SCOPE) < k)
			close_to(x, k);
		break;
	default:
		break;
	}
}

static int
tok_start(void *arg, const char *name, const char **atts, int selfclose)
{
	struct extract *x = arg;
	uint32_t h = name_hash(name);
	const struct xtagdef *d = x->foreign > 0 && strcmp(name, "svg") != 0 &&
					  strcmp(name, "math") != 0
				      ? NULL
				      : tagdef(name, h);
	int raw = d != NULL ? d->raw : HTOK_DATA;

	if (x->foreign == 0)
		implied_ends(x, d);
	else if ((name[0] == 'a' && name[1] == '\0') ||
		 strcmp(name, "img") == 0)
		d = tagdef(name, h); /* links in svg: an a, an image */
	start_el(x, name, h, d, atts);
	if ((d != NULL && (d->flags & F_VOID)) || (selfclose && x->foreign > 0))
		end_el(x);
	htok_cdata(x->t, x->foreign > 0);
	/* svg and math content is not raw text */
	return x->foreign > 0 ? HTOK_DATA : raw;
}

static void
tok_end(void *arg, const char *name)
{
	struct extract *x = arg;
	uint32_t h = name_hash(name);
	const struct xtagdef *d = tagdef(name, h);
	int k;

	if (x->over > 0) {
		end_el(x);
		return;
	}
	if (x->foreign > 0) {
		/* down to the innermost svg or math element */
		for (k = x->depth - 1; k >= 0; k--) {
			if (x->stack[k].hname == h)
				break;
			if (x->stack[k].tag == T_FOREIGN) {
				k = -1;
				break;
			}
		}
		if (k >= 0) {
			close_to(x, k);
			htok_cdata(x->t, x->foreign > 0);
			return;
		}
	}
	if (d != NULL && d->tag == T_BODY)
		return; /* </body>, </html>: the rest is still the body */
	if (d != NULL && d->tag == T_H)
		k = open_el(x, T_H, 0, F_SCOPE);
	else if (d != NULL && (d->flags & (F_SPECIAL | F_FORMAT | F_SCOPE)))
		k = open_el(x, T_OTHER, h, F_SCOPE);
	else
		k = open_el(x, T_OTHER, h, F_SPECIAL | F_SCOPE);
	if (k >= 0)
		close_to(x, k);
	htok_cdata(x->t, x->foreign > 0);
}

/* The attributes start_el asks about; the others are not kept. */
static int
tok_want(void *arg, const char *name, size_t n)
{
	static const char *const names[] = {
	    "id",      "class",	  "style",  "align",	 "href",
	    "name",    "alt",	  "src",    "rel",	 "action",
	    "content", "onclick", "srcset", "http-equiv"};

	(void)arg;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i][0] == name[0] && strlen(names[i]) == n &&
		    memcmp(names[i], name, n) == 0)
			return 1;
	return 0;
}

static const struct htok_cb tok_cb = {chars, tok_start, tok_end, tok_want};

/* Decoded bytes to the tokenizer. */
static void
tok_feed(void *arg, const char *s, size_t n)
{
	struct extract *x = arg;

	htok_feed(x->t, s, n);
}

struct extract *
extract_new(const char *logo_pattern, const char *charset)
{
	struct extract *x = xcalloc(1, sizeof(*x));

	arena_init(&x->a);
	map_init(&x->p.ids);
	buf_init(&x->p.footer, 64 << 10);
	buf_init(&x->p.text, 256 << 10);
	buf_init(&x->p.css, 1 << 20);
	buf_init(&x->script, X_SCRIPT);
	buf_init(&x->styleblk, 1 << 20);
	buf_init(&x->anchor_text, X_ANCHORTX);
	buf_init(&x->title, X_TITLE);
	buf_init(&x->heading, X_TITLE);
	buf_init(&x->meta, X_META);
	buf_init(&x->chain, 16 << 10);
	x->keep = XK_TEXT | XK_LAYOUT;
	x->anchor = -1;
	x->logo_pattern = logo_pattern;
	x->stack = xmalloc(X_STACK * sizeof(*x->stack));
	x->t = htok_new(&tok_cb, x);
	x->d = hdec_new(charset, tok_feed, x);
	return x;
}

void
extract_keep(struct extract *x, unsigned what)
{
	x->keep = what;
}

void
extract_judge(struct extract *x, const struct insp_words *w)
{
	x->words = w;
}

void
extract_feed(struct extract *x, const char *data, size_t n)
{
	if (x->finished || n == 0)
		return;
	hdec_feed(x->d, data, n);
}

struct xpage *
extract_end(struct extract *x, const char *data, size_t n)
{
	if (x->finished)
		return &x->p;
	hdec_feed(x->d, data, n);
	hdec_end(x->d);
	htok_end(x->t);
	close_to(x, 0);
	x->finished = 1;
	x->p.title = x->title.data ? x->title.data : "";
	x->p.heading = x->heading.data ? x->heading.data : "";
	x->p.meta = x->meta.data ? x->meta.data : "";
	if (htok_cut(x->t))
		x->p.truncated = 1;
	if (x->words != NULL)
		x->p.tampered =
		    words_page_tampered(x->words, &x->p, &x->p.tampered_hits);
	return &x->p;
}

struct xpage *
extract_finish(struct extract *x)
{
	return extract_end(x, NULL, 0);
}

void
extract_free(struct extract *x)
{
	if (x == NULL)
		return;
	hdec_free(x->d);
	htok_free(x->t);
	free(x->stack);
	free(x->p.links);
	map_cleanup(&x->p.ids);
	buf_cleanup(&x->p.footer);
	buf_cleanup(&x->p.text);
	buf_cleanup(&x->p.css);
	buf_cleanup(&x->script);
	buf_cleanup(&x->styleblk);
	buf_cleanup(&x->anchor_text);
	buf_cleanup(&x->title);
	buf_cleanup(&x->heading);
	buf_cleanup(&x->meta);
	buf_cleanup(&x->chain);
	arena_cleanup(&x->a);
	free(x);
}
