/*
 * extract.c: link and fact extraction from one untrusted HTML page with
 * libxml2's HTML push parser (SAX), fed as data arrives: links of every
 * kind, ids and anchor names (fragments), the text, footer text, title and
 * first heading, SiteIDCode, meta keywords and description, inline script
 * and style facts, link texts and where the site logo sits. Bounded: 20000
 * links, 20000 ids, 256 open elements tracked, buffers with maxima. A
 * chunk that ends inside a possible end tag of a raw-text element ("<",
 * "</", "</s" ... "</script") is not handed to libxml2 whole: 2.9.14's
 * push parser would read that start of an end tag as script or style text
 * and everything up to the next "</script>" with it; nor one that ends
 * inside a UTF-8 sequence (see safe_len). The few bytes are held back and
 * go first with the next chunk. With no charset given, the first 64 KiB
 * go to libxml2 at once (see begin). So a page yields the same links,
 * text and marks wherever the network cuts it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>

#include "inspect/inspect.h"

/* X_ANCHORTX, X_TITLE: bytes of a link text, of <title> and of the first
 * heading, XP_TEXT_MAX with the NUL */
#define X_LINKS	   20000
#define X_IDS	   20000
#define X_STACK	   256
#define X_SCRIPT   (1u << 20)
#define X_ANCHORTX (XP_TEXT_MAX - 1)
#define X_TITLE	   (XP_TEXT_MAX - 1)
#define X_META	   4096	       /* bytes of meta keywords and description */
#define X_TAIL	   16	       /* held back bytes: 2 + 3 + "</textarea" */
#define X_CHUNK	   (1u << 20)  /* bytes handed to libxml2 at once */
#define X_HEAD	   (64u << 10) /* first bytes, with no charset given */

struct xelem {
	unsigned footer : 1, script : 1, style : 1, anchor : 1, title : 1,
	    heading : 1;
	unsigned inline_flags;
	char *sel; /* ".a .b #c" or NULL */
};

struct extract {
	htmlParserCtxtPtr ctx; /* from the first byte to the end */
	int started;
	char tail[X_TAIL]; /* the end of the last chunk, not parsed yet */
	size_t ntail;
	struct buf head; /* X_HEAD: the first bytes, not parsed yet */
	char charset[64];
	const struct insp_words *words; /* judge tampering at the end */
	struct arena a;
	struct xpage p;
	size_t caplinks;
	struct xelem *stack; /* X_STACK, made with the parser */
	int depth;  /* may exceed X_STACK; entries beyond are not kept */
	int footer; /* open footer elements */
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
};

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

/* The elements start_el acts on. */
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
	T_FOOTER
};

/* libxml2 hands element names in lower case; most (li, div, p, span)
 * are told apart by their first byte. */
static enum xtag
tag_of(const char *t)
{
	static const struct {
		const char *name;
		enum xtag tag;
	} tags[] = {
	    {"a", T_A},		  {"area", T_AREA},	{"audio", T_MEDIA},
	    {"base", T_BASE},	  {"center", T_CENTER}, {"embed", T_MEDIA},
	    {"footer", T_FOOTER}, {"form", T_FORM},	{"frame", T_FRAME},
	    {"iframe", T_FRAME},  {"img", T_IMG},	{"link", T_LINK},
	    {"meta", T_META},	  {"script", T_SCRIPT}, {"source", T_MEDIA},
	    {"style", T_STYLE},	  {"title", T_TITLE},	{"video", T_MEDIA}};

	if (t[0] == '\0' || strchr("abcefilmstv", t[0]) == NULL)
		return T_OTHER;
	for (size_t i = 0; i < ARRAY_SIZE(tags); i++)
		if (tags[i].name[0] == t[0] && strcmp(tags[i].name, t) == 0)
			return tags[i].tag;
	return T_OTHER;
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

static const char *
attr(const xmlChar **atts, const char *name)
{
	if (atts == NULL)
		return NULL;
	for (int i = 0; atts[i] != NULL; i += 2)
		if (strcasecmp((const char *)atts[i], name) == 0)
			return atts[i + 1] ? (const char *)atts[i + 1] : "";
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

/* marks: url_marks(u) */
static int
logo_url(struct extract *x, const char *u, unsigned marks)
{
	return u != NULL &&
	       ((marks & U_LOGO) || (x->logo_pattern && *x->logo_pattern &&
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
meta(struct extract *x, const xmlChar **atts)
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

static void
start_el(void *ctx, const xmlChar *xname, const xmlChar **atts)
{
	struct extract *x = ctx;
	const char *name = (const char *)xname;
	enum xtag tag = tag_of(name);
	const char *id = NULL, *cls = NULL, *style = NULL, *align = NULL;
	struct xelem el;
	const char *v;

	/* one pass for the attributes every element is asked about */
	for (int i = 0; atts != NULL && atts[i] != NULL; i += 2) {
		const char *k = (const char *)atts[i];
		const char *val = atts[i + 1] ? (const char *)atts[i + 1] : "";

		switch (k[0] | 0x20) {
		case 'i':
			if (id == NULL && strcasecmp(k, "id") == 0)
				id = val;
			break;
		case 'c':
			if (cls == NULL && strcasecmp(k, "class") == 0)
				cls = val;
			break;
		case 's':
			if (style == NULL && strcasecmp(k, "style") == 0)
				style = val;
			break;
		case 'a':
			if (align == NULL && strcasecmp(k, "align") == 0)
				align = val;
			break;
		}
	}
	long li;

	memset(&el, 0, sizeof(el));
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
		break;
	case T_STYLE:
		el.style = 1;
		x->in_style++;
		buf_reset(&x->styleblk);
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
	if (x->depth < X_STACK)
		x->stack[x->depth] = el;
	x->depth++;
}

/* Literal URLs in window.open('...') and location = '...' (best effort). */
static void
script_literals(struct extract *x, const char *s, size_t n)
{
	static const char *const calls[] = {
	    "window.open(", "location.href=",	"location.href =",  "location=",
	    "location =",   "location.assign(", "location.replace("};

	for (size_t i = 0; i < ARRAY_SIZE(calls); i++) {
		size_t k = strlen(calls[i]);

		for (size_t p = 0; p + k < n; p++) {
			size_t q;
			char quote, u[4097];

			if (memcmp(s + p, calls[i], k) != 0)
				continue;
			q = p + k;
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

static void
end_el(void *ctx, const xmlChar *xname)
{
	struct extract *x = ctx;

	(void)xname;
	if (x->depth <= 0)
		return;
	x->depth--;
	if (x->depth >= X_STACK)
		return;
	{
		struct xelem *el = &x->stack[x->depth];

		if (el->footer && x->footer > 0) {
			x->footer--;
			buf_addch(&x->p.footer, '\n');
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
				buf_add(&x->p.css, x->styleblk.data,
					x->styleblk.len);
				buf_addch(&x->p.css, '\n');
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
chars(void *ctx, const xmlChar *ch, int len)
{
	struct extract *x = ctx;
	size_t n = len > 0 ? (size_t)len : 0;

	if (x->in_script) {
		buf_add(&x->script, ch, n);
		return;
	}
	if (x->in_style) {
		buf_add(&x->styleblk, ch, n);
		return;
	}
	if (x->keep & XK_TEXT) {
		buf_add(&x->p.text, ch, n);
		if (x->footer > 0)
			buf_add(&x->p.footer, ch, n);
		if (x->in_title > 0)
			buf_add(&x->title, ch, n);
		else if (x->in_heading > 0)
			buf_add(&x->heading, ch, n);
	}
	if (x->anchor >= 0 && buf_add(&x->anchor_text, ch, n) < 0)
		x->anchor_long = 1;
}

static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* The parser, made with the first bytes (on the thread that parses). */
static void
start(struct extract *x)
{
	htmlSAXHandler sax;

	x->started = 1;
	/* entries are written when pushed, read only below the depth */
	x->stack = xmalloc(X_STACK * sizeof(*x->stack));
	memset(&sax, 0, sizeof(sax));
	sax.startElement = start_el;
	sax.endElement = end_el;
	sax.characters = chars;
	sax.cdataBlock = chars;
	sax.warning = quiet;
	sax.error = quiet;
	x->ctx = htmlCreatePushParserCtxt(&sax, x, NULL, 0, NULL,
					  XML_CHAR_ENCODING_NONE);
	if (x->ctx == NULL)
		return;
	htmlCtxtUseOptions(x->ctx, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
				       HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	if (x->charset[0] != '\0') {
		xmlCharEncodingHandlerPtr h =
		    xmlFindCharEncodingHandler(x->charset);

		if (h != NULL)
			xmlSwitchToEncoding(x->ctx, h);
	}
}

/* The parser is not needed once the page is finished. */
static void
stop(struct extract *x)
{
	if (x->ctx == NULL)
		return;
	if (x->ctx->myDoc != NULL)
		xmlFreeDoc(x->ctx->myDoc);
	htmlFreeParserCtxt(x->ctx);
	x->ctx = NULL;
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
	buf_init(&x->head, X_HEAD);
	x->keep = XK_TEXT | XK_LAYOUT;
	x->anchor = -1;
	x->logo_pattern = logo_pattern;
	/* a name longer than any encoding's is not one */
	if (charset != NULL &&
	    str_copy(x->charset, charset, sizeof(x->charset)) < 0)
		x->charset[0] = '\0';
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

/* n, or less to leave out a UTF-8 sequence cut short at the end of p. */
static size_t
utf8_whole(const char *p, size_t n)
{
	size_t i = n;
	unsigned c;

	while (i > 0 && n - i < 3 && ((unsigned char)p[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0)
		return n;
	c = (unsigned char)p[i - 1];
	if (c >= 0xc0 && n - (i - 1) < (c >= 0xf0 ? 4u : c >= 0xe0 ? 3u : 2u))
		return i - 1;
	return n;
}

/* n, or less to leave out a last "<" that may begin a raw-text end tag. */
static size_t
tag_whole(const char *p, size_t n)
{
	static const char *const names[] = {"script", "style", "textarea",
					    "title"};
	size_t from = n > X_TAIL - 1 ? n - (X_TAIL - 1) : 0;
	size_t lt = n, k;

	for (size_t i = n; i > from; i--)
		if (p[i - 1] == '<') {
			lt = i - 1;
			break;
		}
	if (lt == n || lt + 1 == n)
		return lt; /* no "<" near the end, or "<" last */
	if (p[lt + 1] != '/')
		return n;
	k = n - lt - 2; /* bytes of the name so far */
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (k <= strlen(names[i]) &&
		    strncasecmp(p + lt + 2, names[i], k) == 0)
			return lt;
	return n;
}

/*
 * Where p (n bytes, more to come) can be cut: 2 bytes before the end at
 * the latest, and before a last "<" that may begin an end tag of a
 * raw-text element ("<", "</", "</s", ... "</script", any case) and
 * before a UTF-8 sequence cut short. libxml2 reads a page it has no
 * decoder for as UTF-8, and a cut sequence in script text as an encoding
 * error: it switches the rest of the page to ISO-8859-1. A raw text that
 * begins with "</" puts it in its end-tag state, where a page that ends
 * with one byte left is ended without closing its elements. What is held
 * back is shorter than X_TAIL (2 + 3 + 10 bytes).
 */
static size_t
safe_len(const char *p, size_t n)
{
	return n < 2 ? 0 : tag_whole(p, utf8_whole(p, n - 2));
}

/*
 * Hands data (n bytes, may be NULL when 0) to libxml2 after the bytes held
 * back, holding back again what safe_len says; with terminate, everything
 * and the end of the document.
 */
static void
push(struct extract *x, const char *data, size_t n, int terminate)
{
	if (x->ntail > 0) {
		/* the held bytes with what follows them */
		char join[2 * X_TAIL];
		size_t m = n < X_TAIL ? n : X_TAIL, total, k;

		memcpy(join, x->tail, x->ntail);
		if (m > 0)
			memcpy(join + x->ntail, data, m);
		total = x->ntail + m;
		if (m == n) {
			k = terminate ? total : safe_len(join, total);
			x->ntail = total - k;
			memmove(x->tail, join + k, x->ntail);
			if (k > 0 || terminate)
				htmlParseChunk(x->ctx, join, (int)k, terminate);
			return;
		}
		/* X_TAIL bytes of data follow: a new tail starts in them */
		k = safe_len(join, total);
		htmlParseChunk(x->ctx, join, (int)k, 0);
		data += k - x->ntail;
		n -= k - x->ntail;
		x->ntail = 0;
	}
	for (;;) {
		size_t k = n > X_CHUNK ? X_CHUNK : n;
		int last = k == n;

		if (!(last && terminate))
			k = safe_len(data, k);
		if (last && !terminate) {
			x->ntail = n - k;
			memcpy(x->tail, data + k, x->ntail);
		}
		if (k > 0 || (last && terminate))
			htmlParseChunk(x->ctx, data, (int)k, last && terminate);
		if (last)
			return;
		data += k;
		n -= k;
	}
}

/*
 * Makes the parser and hands it the page's first bytes once they are
 * known: with a charset given, the first ones; else the first X_HEAD
 * (or the whole page, with end). libxml2 with no charset guesses one at
 * the first non-ASCII byte from the bytes it holds (a meta http-equiv
 * charset, else ISO-8859-1): holding the same bytes however the page was
 * cut, it guesses the same. Consumes what it takes of *data and *n;
 * 0 when the parser has started, -1 while the first bytes are kept.
 */
static int
begin(struct extract *x, const char **data, size_t *n, int end)
{
	size_t k;

	if (x->charset[0] == '\0') {
		k = X_HEAD - x->head.len;
		if (k > *n)
			k = *n;
		if (k == 0 || buf_add(&x->head, *data, k) == 0) {
			if (k > 0) { /* *data is NULL with no bytes */
				*data += k;
				*n -= k;
			}
			if (x->head.len < X_HEAD && !end)
				return -1;
		}
	}
	start(x);
	if (x->ctx != NULL && x->head.len > 0)
		push(x, x->head.data, x->head.len, end && *n == 0);
	buf_cleanup(&x->head);
	return 0;
}

void
extract_feed(struct extract *x, const char *data, size_t n)
{
	if (x->finished || n == 0)
		return;
	if (!x->started && begin(x, &data, &n, 0) < 0)
		return;
	if (x->ctx != NULL && n > 0)
		push(x, data, n, 0);
}

struct xpage *
extract_end(struct extract *x, const char *data, size_t n)
{
	if (x->finished)
		return &x->p;
	if (!x->started) {
		int pushed = x->head.len + n > 0;

		(void)begin(x, &data, &n, 1);
		if (pushed && n == 0)
			goto parsed; /* all of it went with the first bytes */
	}
	/* the last bytes with the end: libxml2 then does not look ahead
	 * for the rest of each tag and text before parsing it */
	if (x->ctx != NULL)
		push(x, data, n, 1);
parsed:
	stop(x);
	x->finished = 1;
	x->p.title = x->title.data ? x->title.data : "";
	x->p.heading = x->heading.data ? x->heading.data : "";
	x->p.meta = x->meta.data ? x->meta.data : "";
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
	stop(x);
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
	buf_cleanup(&x->head);
	arena_cleanup(&x->a);
	free(x);
}
