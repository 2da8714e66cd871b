/*
 * inspect.h: the public face of src/inspect, the portal inspector (LINK-1..4,
 * LOGO-1, GOVWEB-3): a crawler on the libcurl multi interface, link
 * extraction with an HTML5 streaming tokenizer on parser threads, robots.txt,
 * CSS url() scanning, leave-site prompt detection, abnormal-link
 * classification, footer marks, reports, the link list in the store and the
 * signed leave-site page. Everything fetched from the network is untrusted.
 */
#ifndef GOVSEC_INSPECT_H
#define GOVSEC_INSPECT_H

#include <stdint.h>
#include <stdio.h>

#include "base/base.h"
#include "store/store.h"

/* css.c */
/*
 * Calls fn for each url(...) and @import "..." target in CSS text of n
 * bytes (at most 4 MiB looked at; at most 10000 calls). The URL handed
 * over is unquoted and trimmed, at most 4096 bytes (longer ones are
 * dropped), valid only during the call.
 */
typedef void (*css_url_fn)(void *arg, const char *url);
void css_scan_urls(const char *css, size_t n, css_url_fn fn, void *arg);
/* Centring facts of a declaration block (or style attribute). */
#define CSS_CENTER     1 /* text-align:center */
#define CSS_AUTOMARGIN 2 /* margin auto on both sides */
#define CSS_FLEXCENTER 4 /* justify-content:center */
#define CSS_LEFTRIGHT  8 /* text-align:left/right, float:left/right */
unsigned css_decl_flags(const char *decls, size_t n);
/*
 * Collects rules "SELECTOR { DECLS }" of css whose last simple selector has
 * a class or id into m (key "." class or "#" id, value: CSS_* flags or-ed).
 * At most 4 MiB and 20000 rules are looked at.
 */
void css_collect_rules(const char *css, size_t n, struct map *m);

/* robots.c */
/* robots.txt rules for one user agent (the group for "govsec", else "*"). */
struct robots;
/* Parses text of n bytes (at most 512 KiB used); never fails (an empty or
 * unusable file allows everything). Free with robots_free. */
struct robots *robots_parse(const char *text, size_t n, const char *agent);
void robots_free(struct robots *r);
/* 1 if path (path and query of a URL, starting with '/') may be fetched:
 * the longest matching rule wins, Allow wins a tie; '*' and '$' work. */
int robots_allowed(const struct robots *r, const char *path);

/* prompt.c */
/* What a script says about outbound clicks (LINK-3). */
#define PROMPT_CONFIRM 1 /* calls confirm()/prompt() or shows leaving text */
#define PROMPT_HANDLER 2 /* registers a click handler */
#define PROMPT_HOST    4 /* compares host names */
#define PROMPT_WORDING 8 /* "leaving for a non-government site" text */
/* Flags seen in script text of n bytes (at most 1 MiB looked at). A page
 * warns globally when (HANDLER and HOST and (CONFIRM or WORDING)). */
unsigned prompt_scan_script(const char *js, size_t n);
/* 1 if an onclick attribute asks before leaving (confirm/prompt or a
 * leave-site function). */
int prompt_onclick(const char *attr);
/* 1 if a script's src names a known leave-site prompt script. */
int prompt_known_script(const char *src);
/* 1 if flags from prompt_scan_script mean a global leave-site prompt. */
int prompt_global(unsigned flags);

/* ahoc.c */
/*
 * Patterns (n, NUL-ended, at most 2047 bytes in all) searched for in one
 * pass; with icase, ASCII case is ignored. flags[i] is pattern i's.
 */
struct ahoc;
struct ahoc *ahoc_new(const char *const *pats, const unsigned *flags, size_t n,
		      int icase);
void ahoc_free(struct ahoc *a);
/* The flags of the patterns in s (n bytes); stops once all are found. */
unsigned ahoc_flags(const struct ahoc *a, const char *s, size_t n,
		    unsigned all);
/* Calls hit with each pattern found in s and where it starts, in the
 * order they end. */
void ahoc_each(const struct ahoc *a, const char *s, size_t n,
	       void (*hit)(void *arg, size_t pat, size_t at), void *arg);

/* hdec.c */
/*
 * A page's bytes to UTF-8, fed in chunks cut anywhere, handed to out as
 * they are decoded: the same bytes wherever the page is cut. charset
 * (from Content-Type, may be NULL: sniffed from the first 64 KiB, which
 * are held until then). hdec_end hands what is held and a cut sequence.
 */
struct hdec;
struct hdec *hdec_new(const char *charset,
		      void (*out)(void *arg, const char *s, size_t n),
		      void *arg);
void hdec_feed(struct hdec *d, const char *s, size_t n);
void hdec_end(struct hdec *d);
void hdec_free(struct hdec *d);

/* htok.c */
/*
 * A streaming HTML tokenizer (the HTML Standard's, section 13.2.5) over
 * untrusted UTF-8 fed in chunks cut anywhere: the same tokens wherever a
 * page is cut. Callbacks: text (decoded; a NUL in data is
 * passed on, as the Standard's tokenizer does), start (name
 * lower case; atts name, value pairs, NULL-ended, the attributes want
 * accepted, first of a name only; returns the tokenizer's next state,
 * HTOK_DATA or a raw-text state for the element), end, want (NULL: keep
 * every attribute). Names are cut to 63 bytes, 64 attributes a tag,
 * 1 MiB of values a tag (htok_cut then says 1).
 */
#define HTOK_DATA      0
#define HTOK_RCDATA    1
#define HTOK_RAWTEXT   2
#define HTOK_SCRIPT    3
#define HTOK_PLAINTEXT 4
#define HTOK_CDATA     5
struct htok_cb {
	void (*text)(void *arg, const char *s, size_t n);
	int (*start)(void *arg, const char *name, const char **atts,
		     int selfclose);
	void (*end)(void *arg, const char *name);
	int (*want)(void *arg, const char *name, size_t n);
};
struct htok;
struct htok *htok_new(const struct htok_cb *cb, void *arg);
void htok_free(struct htok *t);
/* Sets the state (HTOK_*) and the last start tag's name (may be NULL),
 * as a tree builder or a test does. */
void htok_state(struct htok *t, int state, const char *last);
/* on: "<![CDATA[" opens a CDATA section (foreign content), else it is a
 * bogus comment. */
void htok_cdata(struct htok *t, int on);
void htok_feed(struct htok *t, const char *s, size_t n);
/* The end of the input: what a cut tag, reference or "</" left. */
void htok_end(struct htok *t);
int htok_cut(const struct htok *t);
/* The first of p[i..n) that is a, b, c or d (a byte each), else n; eight
 * bytes at a time. */
size_t htok_find4(const char *p, size_t i, size_t n, int a, int b, int c,
		  int d);

/* extract.c */
/* Bytes (with the NUL) of a link text, a title and a first heading. */
#define XP_TEXT_MAX 512
/* One link found in a page, as written (not yet resolved). */
#define XL_FOOTER     1	 /* inside the page footer */
#define XL_ONCLICK    2	 /* its onclick asks before leaving */
#define XL_BESTEFFORT 4	 /* a literal URL found in script */
#define XL_LOGO	      8	 /* the Party/government site logo link or image */
#define XL_FINDERR    16 /* the "find errors" entrance */
#define XL_PSB	      32 /* a public-security filing link */
struct xlink {
	char *url;
	const char *kind; /* "a", "img", "css", "script", "iframe", ... */
	unsigned flags;
	char *text; /* an <a>'s text (XK_LAYOUT, at most 511 bytes), or NULL */
};
/* What one HTML page yields. Strings are in the extractor's arena. */
struct xpage {
	struct xlink *links;
	size_t nlinks;
	char *base;	       /* <base href>, NULL if none */
	char *site_id;	       /* <meta name="SiteIDCode"> content */
	struct buf footer;     /* footer text (64 KiB) */
	struct buf text;       /* body text sample (256 KiB) */
	const char *title;     /* <title> text (511 bytes), "" (XK_TEXT) */
	const char *heading;   /* the first h1..h3 with text, "" (XK_TEXT) */
	const char *meta;      /* meta keywords and description (4 KiB) */
	struct buf css;	       /* <style> blocks (1 MiB) */
	unsigned script_flags; /* prompt_scan_script over inline scripts */
	int known_prompt;      /* a known prompt script is included */
	struct map ids;	       /* id and a/name values */
	/* the logo's ancestors, innermost first: inline facts and selectors */
	int logo_found;
	unsigned logo_inline; /* CSS_* flags from style/align/center */
	char *logo_selectors; /* ".a .b #c" of the ancestors */
	int logo_in_footer;
	int truncated; /* link or element limits reached */
	/* with extract_judge: words_page_tampered's answer, its term count */
	const char *tampered;
	int tampered_hits;
};
struct extract;
/*
 * A new extractor; logo_pattern (may be NULL) also marks the logo; charset
 * (from Content-Type, may be NULL) overrides the detection (a byte-order
 * mark, a meta charset, UTF-8, else GB18030).
 */
struct extract *extract_new(const char *logo_pattern, const char *charset);
/* What is kept besides links, ids and SiteIDCode (default both); call
 * before feeding. XK_TEXT: text, footer text, title, first heading, meta
 * keywords and description (every page of the site: marks, columns,
 * tampering); XK_LAYOUT: the logo's position and link texts (the
 * homepage). */
#define XK_TEXT	  1
#define XK_LAYOUT 2
void extract_keep(struct extract *x, unsigned what);
/* Also judge the page for tampering when it is finished (words must
 * outlive x): xpage.tampered and tampered_hits. */
struct insp_words;
void extract_judge(struct extract *x, const struct insp_words *w);
/* Feeds n bytes as they arrive (the tokenizer is made with the first
 * ones). Never fails: broken HTML is recovered as HTML5 does. Every state
 * is kept between calls (a cut UTF-8 sequence, tag, reference), and with
 * no charset given the first 64 KiB are kept until they are all there:
 * the page is the same however it is cut. */
void extract_feed(struct extract *x, const char *data, size_t n);
/* Ends the document; the page (title, heading and
 * meta included) stays valid until extract_free. Again: the same page. */
struct xpage *extract_finish(struct extract *x);
/* Feeds the last n bytes and ends the document in one step; as
 * extract_finish. */
struct xpage *extract_end(struct extract *x, const char *data, size_t n);
void extract_free(struct extract *x);

/* xpool.c */
/*
 * Parser threads: each page's extractor is bound to one thread, which
 * feeds it the page's bytes in the order they were queued (the last chunk
 * with the end: extract_end), finishes it and hands it back. Only the
 * thread that created the pool calls these.
 */
/* bytes queued in all before feeding waits (besides one chunk held back
 * per page) */
#define XPOOL_QUEUED (1u << 20)
struct xpool;
struct xtask;
/* Parser threads for this machine: online CPUs - 1, at least 1, at most 8. */
int xpool_threads(void);
/*
 * Starts n parser threads (1..8). wake(arg) is called from a parser thread
 * when a finished page waits to be collected and none did before (libcurl's
 * curl_multi_wakeup fits). NULL with e set if no thread starts.
 */
struct xpool *xpool_new(int n, void (*wake)(void *arg), void *arg,
			struct err *e);
/* Stops the threads and frees p with the pages finished but not collected.
 * Every task must have been finished or dropped. NULL is a no-op. */
void xpool_free(struct xpool *p);
/* Hands x (from extract_new, not yet fed) to the least busy thread; from
 * now on only that thread touches x until xpool_collect returns it (or it
 * is dropped). tag is the caller's and comes back with the page. */
struct xtask *xpool_start(struct xpool *p, struct extract *x, void *tag);
/* Queues a copy of n bytes of t's page; waits while XPOOL_QUEUED bytes are
 * queued. Ignored after xpool_finish. Queued work (chunks, ends, releases)
 * starts at the next xpool_kick, or when the queue is full: one wake-up
 * of a thread for a batch, not one per chunk. */
void xpool_feed(struct xpool *p, struct xtask *t, const char *data, size_t n);
/* Ends t's page: once parsed and finished (extract_finish), it is handed
 * back by xpool_collect. t is the pool's until then. */
void xpool_finish(struct xpool *p, struct xtask *t);
/* The page of t is not wanted (before or after xpool_finish, never after
 * xpool_collect): the pool frees t and its extractor. NULL is a no-op. */
void xpool_drop(struct xpool *p, struct xtask *t);
/* A finished page, in the order the threads finished them: its extractor
 * (the caller's now: xpool_release or extract_free) with *tag set, or NULL
 * when none is ready. Never waits. */
struct extract *xpool_collect(struct xpool *p, void **tag);
/* Frees x on a parser thread, where its parse allocated (NULL: no-op). */
void xpool_release(struct xpool *p, struct extract *x);
/* Wakes the threads that have queued work. */
void xpool_kick(struct xpool *p);

/* classify.c */
/* Keyword lists (data/inspect/NAME.txt: one term per line, '#' comments). */
struct insp_words;
/* Loads the lists from dir; NULL with e set if a file cannot be read. */
struct insp_words *words_load(const char *dir, struct err *e);
void words_free(struct insp_words *w);
/* Reason code for text (parked_domain, gambling_content, porn_content) or
 * NULL; *hits gets the distinct terms seen. At most 256 KiB are looked at,
 * in one pass whatever the number of terms. */
const char *words_classify(const struct insp_words *w, const char *text,
			   size_t n, int *hits);
/* Distinct gambling or porn terms that make one of the site's own pages a
 * tampered (defaced or hijacked) page: more than for an outbound target,
 * so that a page reporting on a crackdown is not one. */
#define WORDS_OWN_NEED 5
/* "gambling" or "pornography" when text of one of the site's own pages has
 * WORDS_OWN_NEED distinct terms of that list (*hits: how many), else NULL. */
const char *words_tampered(const struct insp_words *w, const char *text,
			   size_t n, int *hits);
/* words_tampered over a page's meta keywords and description, then its
 * text. */
const char *words_page_tampered(const struct insp_words *w,
				const struct xpage *p, int *hits);
/* The kind of a column by its name (columns-news.txt, columns-notices.txt;
 * the term found first decides): "news", "notice" or NULL. At most 4 KiB
 * of name are looked at. */
const char *words_column(const struct insp_words *w, const char *name);
/* 1 if host is or is under a name of the government-hosts list. */
int words_government(const struct insp_words *w, const char *host);
/* 64-bit simhash of text (byte 4-grams of its words). */
uint64_t simhash(const char *text, size_t n);
int simhash_distance(uint64_t a, uint64_t b);

/* addr.c */
/*
 * 1 if the address (a struct sockaddr of any family) is not a public
 * unicast address: private, loopback, link-local, CGNAT, benchmarking,
 * documentation, multicast, reserved, or an IPv6 form that embeds such an
 * IPv4 (mapped, translated, compatible, NAT64 64:ff9b::/96, 6to4,
 * Teredo's server or client), or local-use NAT64 64:ff9b:1::/48;
 * 0 if public. Any family but IPv4 and IPv6 is 1. The SSRF guard of the
 * crawler and the probe.
 */
int addr_private(const void *sa);

/* marks.c */
/* A govsec online logo as its register holds it (insp_opts.logo). */
struct insp_logo {
	char unit[32];	     /* the unit's credit code */
	char unit_name[256]; /* its name, "" if unknown */
	char app[128];	     /* the application it was issued to */
	char revoked[32];    /* when it was revoked, "" while valid */
	char domains[1024];  /* the hosts it was issued for, space-separated */
	char site_unit[32];  /* the unit the registry gives the inspected
			      * host, "" when no application has it */
};
/* One govsec badge seen on the site's pages (a, area, img). */
#define INSP_BADGES_MAX 64 /* distinct ids kept per inspection */
struct insp_badge {
	char id[17];
	char *page; /* the first page showing it (heap) */
	char *url;  /* the URL naming it there (heap) */
	/* valid; copied (issued for other hosts), other_unit (the host is
	 * registered to another unit), revoked, unknown (no such logo);
	 * unchecked (no register) */
	const char *verdict;
	struct insp_logo logo; /* when found in the register */
};
/*
 * The logo id of a govsec badge URL (absolute, at most 4096 bytes): one
 * of bases (space-separated "http(s)://host[:port][/path]", no trailing
 * '/'), then "/v1/logo/", 16 lower-case hex digits, optionally ".svg" or
 * ".png", then the end, a query or a fragment. http and https are one
 * service; host names without case, a default port as none; userinfo
 * never matches. 1 with id set (NUL-ended), else 0.
 */
int marks_badge_id(const char *url, const char *bases, char id[17]);
/* The verdict (struct insp_badge) on a badge of the register's logo l
 * shown on host (A-label). */
const char *marks_badge_verdict(const struct insp_logo *l, const char *host);
/* r's badges from its links, judged with o->logo; frees any earlier. */
struct insp_result;
struct insp_opts;
void marks_badges(struct insp_result *r, const struct insp_opts *o);
void marks_badges_free(struct insp_result *r);

/* The footer marks of one page (GOVWEB-3): heap strings or NULL. */
struct marks {
	char *site_id_meta;   /* <meta name="SiteIDCode"> */
	char *site_id_footer; /* the 10 characters after 网站标识码 */
	char *icp;	      /* "京ICP备12345678号-1" */
	char *psb;	      /* "京公网安备 11010502000001号" */
	char *psb_link;	      /* a link to beian.mps.gov.cn / beian.gov.cn */
	int find_errors;      /* the "find errors" entrance is linked */
};
/* Reads p's marks from its footer text (the whole text when the page has
 * no footer) and links into m; free with marks_cleanup. */
void marks_read(const struct xpage *p, struct marks *m);
void marks_cleanup(struct marks *m);
/* What a page lacks, as bits 1 << MARK_*: the site identification code in
 * the head or the footer, a code that differs between them or from the
 * homepage's (home, may be NULL), the ICP number, the public-security
 * number, its link, the "find errors" entrance. */
enum insp_mark {
	MARK_SITE_ID,
	MARK_SITE_ID_DIFF,
	MARK_ICP,
	MARK_PSB,
	MARK_PSB_LINK,
	MARK_FIND_ERRORS,
	MARK__N
};
unsigned marks_missing(const struct marks *home, const struct marks *m);
/*
 * Dated items of text (YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYY年M月D日;
 * not after now + 1 day): returns how many, the newest into newest ("" if
 * none).
 */
int marks_dates(const char *text, time_t now, char newest[11]);
/* Whole days from date ("YYYY-MM-DD") to now, -1 when date is "". */
int marks_age(const char *date, time_t now);
/* GOVWEB-2 column limits: days without a new item before a column is
 * stale, and the counts that fail the site. */
#define COL_NEWS_DAYS	14  /* news columns: two weeks */
#define COL_NOTICE_DAYS 183 /* notices/policies and other columns */
#define COL_LIST_ITEMS	5   /* dated items that make an unnamed page a list */
#define COL_NAME_CHARS	12  /* longer link texts are articles, not columns */
#define COL_FAIL_TYPED	5   /* stale news or notice columns */
#define COL_FAIL_STALE	10  /* stale columns of any kind */
#define COL_FAIL_EMPTY	5   /* columns without a dated item */
/* A column (栏目) of the site: a list page linked from the homepage. */
struct insp_column {
	char *url, *name;   /* name: link text, title part or heading */
	const char *kind;   /* news, notice, other */
	int items;	    /* dated items on the page */
	char newest[11];    /* newest date, "" if none */
	int age_days;	    /* days from it to the inspection, -1 if none */
	int limit_days;	    /* COL_NEWS_DAYS or COL_NOTICE_DAYS */
	const char *status; /* fresh, stale, empty */
};
/*
 * Whether page p at url, linked from the homepage with linktext, is a
 * column: the link text is at most COL_NAME_CHARS characters and the link
 * text, title or first heading names a news or notice column (words_column),
 * or the page lists at least COL_LIST_ITEMS dated items (kind other); the
 * homepage again (/, /index.html, ...) never is. 1 with col filled (free
 * with marks_column_free), else 0.
 */
int marks_column(const struct insp_words *w, const char *url,
		 const char *linktext, const struct xpage *p, time_t now,
		 struct insp_column *col);
void marks_column_free(struct insp_column *col);

/* crawl.c */
/* How far an inspection has got, for a progress line or view. */
struct insp_progress {
	size_t pages;	/* pages fetched and parsed */
	size_t links;	/* distinct links found so far */
	size_t checked; /* links whose check has ended */
	double seconds; /* since the start */
};

struct insp_opts {
	int allow_private;	   /* reach private/loopback targets (0) */
	int robots;		   /* honour robots.txt (1) */
	int max_pages;		   /* pages parsed (10000) */
	int max_depth;		   /* link depth from the start (32) */
	long long max_bytes;	   /* bytes per response (8 MiB) */
	int max_seconds;	   /* whole inspection (1800) */
	int timeout;		   /* seconds per request (15) */
	int concurrency;	   /* transfers at once (16) */
	int per_host;		   /* transfers at once per host (8) */
	int delay_ms;		   /* between request starts per host (0) */
	int retries;		   /* on network errors and 5xx (2) */
	int max_redirects;	   /* per link (10) */
	int max_retry_after;	   /* longest Retry-After honoured, s (10) */
	int external;		   /* check links off the site (1) */
	const char *resolve;	   /* "host=addr,*=addr,host=none": test map */
	const char *datadir;	   /* keyword lists (GOVSEC_DATADIR/inspect) */
	const char *interstitials; /* comma list of URL prefixes */
	const char *logo_pattern;  /* a configured logo URL substring */
	/* govsec badges (LOGO-1): the base URLs of the logo verification
	 * pages recognised, space-separated ([ecert] public_url and
	 * badge_urls; NULL: none), and the register of online logos that
	 * judges them (NULL: badges are found but not checked) */
	const char *badge_bases;
	int (*logo)(void *arg, const char *id, const char *host,
		    struct insp_logo *l);
	void *logo_arg;
	const char *user_agent;
	const char *cacert; /* CA bundle file instead of the system's */
	/* registered domains (A-label host or registrable domain -> 1) */
	const struct map *registered;
	/* previous results per URL, for ETag and fingerprint comparison */
	int (*prev)(void *arg, const char *url, char **etag, char **lastmod,
		    char **fingerprint);
	void *prev_arg;
	/* nonzero from cancel ends the crawl within 0.2 s, every transfer
	 * aborted; the result is then partial (may be NULL) */
	int (*cancel)(void *arg);
	void *cancel_arg;
	/* called from the fetch loop at most four times a second, and once
	 * when the crawl ends (may be NULL) */
	void (*progress)(void *arg, const struct insp_progress *p);
	void *progress_arg;
};
void insp_opts_init(struct insp_opts *o);

enum insp_status { INSP_OK, INSP_BROKEN, INSP_BLOCKED, INSP_SKIPPED };
const char *insp_status_str(enum insp_status s);

/* One link as written (resolved to absolute), with its check result. */
struct insp_link {
	char *url;
	const char *kind;
	unsigned flags; /* XL_* seen on any occurrence */
	enum insp_status status;
	const char *reason;  /* reason code, "" when ok */
	char *detail;	     /* one line, may be NULL */
	int http;	     /* last HTTP status, 0 if none */
	char *final;	     /* URL after redirects, NULL if none */
	char *chain;	     /* redirect chain, "\n"-separated, NULL if none */
	const char *cls;     /* organ, institution, registered, other */
	int internal;	     /* on the inspected site */
	int government;	     /* organ suffix or registered */
	const char *prompt;  /* outbound non-government: interstitial, script,
			      * none; NULL otherwise */
	char *unprompted_on; /* first page without a prompt */
	int *found_on;	     /* page indexes (into insp_result.pages) */
	int nfound, capfound, more_found;
	char fingerprint[17]; /* simhash hex of content, "" if none */
	char *etag, *lastmod;
	int abnormal; /* a LINK-4 reason */
};

struct insp_finding {
	const char *rule, *requirement, *status;
	char *object, *evidence, *fix;
};

#define MARK_EXAMPLES 3
struct insp_marks {
	int fetched;		     /* the homepage was parsed */
	char *site_id_meta;	     /* NULL if missing */
	char *site_id_footer;	     /* NULL if missing */
	char *icp;		     /* "京ICP备12345678号" or NULL */
	char *psb;		     /* public-security filing number or NULL */
	char *psb_link;		     /* its link or NULL */
	int find_errors;	     /* the entrance is linked */
	int logo;		     /* the logo is in the footer */
	int logo_any;		     /* the logo is on the page */
	const char *logo_centred;    /* yes, no, unknown */
	const char *logo_confidence; /* high, medium, low */
	char *logo_evidence;
	int https, hsts, hsts_seen_header;
	char newest[11];  /* newest date on the homepage (GOVWEB-2), "" none */
	int age_days;	  /* days from it to the inspection */
	const char *aaaa; /* yes, no, unknown */
	/* GOVWEB-3 on the site's other pages reached by links (a, area):
	 * how many were read, how many lack a mark, and per mark how many
	 * and the first MARK_EXAMPLES of them (URLs) */
	long pages;
	long pages_incomplete;
	long missing[MARK__N];
	char *missing_on[MARK__N][MARK_EXAMPLES];
};

struct insp_result {
	char *start; /* the start URL, normalised */
	char *host;  /* its host (A-label) */
	char started[32], finished[32];
	char **pages; /* parsed pages */
	size_t npages, cappages;
	struct insp_link *links;
	size_t nlinks, caplinks;
	struct insp_finding *findings;
	size_t nfindings, capfindings;
	struct insp_marks marks;
	struct insp_column *columns; /* GOVWEB-2, in the order found */
	size_t ncolumns, capcolumns;
	long long requests, bytes;
	long long connections; /* new connections opened (reuse: << requests) */
	long long http2;       /* responses over HTTP/2 */
	int dns_hosts;	       /* host names looked up */
	int dns_unresolved;    /* of them, the resolver gave no answer */
	int max_running, max_per_host; /* highest concurrency seen */
	double seconds;
	int time_limit_hit;
	struct arena a;
	struct insp_badge *badges; /* govsec badges seen (LOGO-1), by id */
	size_t nbadges;
};

/*
 * Inspects the site at url (http or https) with o: crawls its pages,
 * checks every link, detects prompts and footer marks, and derives the
 * findings. Returns the result (free with insp_result_free), or NULL with
 * e set when url is unusable or the crawler cannot start. Failures of
 * single fetches are results, not errors.
 */
struct insp_result *insp_run(const char *url, const struct insp_opts *o,
			     struct err *e);
void insp_result_free(struct insp_result *r);
/* Recomputes r's findings (after store comparison changed links). */
void insp_findings(struct insp_result *r);

/* dns.c */
/* The reason code of a link whose host name getaddrinfo answered with
 * gai_rc: NULL (0: found), "dns_failure" when the name's servers said it
 * does not exist or has no address (EAI_NONAME, EAI_NODATA: the link is
 * broken), "dns_unresolved" when the resolver gave no answer (EAI_AGAIN:
 * timeout, SERVFAIL, refused; EAI_FAIL and any other: the link is blocked,
 * not verified). */
const char *dns_reason(int gai_rc);

/* url.c */
/*
 * Resolves ref against base into a heap URL (free()), host lower-cased
 * and IDN host names in A-label form; NULL if ref is not an http(s) URL or
 * longer than 8 KiB. *frag (may be NULL) gets the offset of '#' or -1.
 */
char *url_resolve(const char *base, const char *ref, long *frag);
/* url_resolve always through libcurl, without the fast path of plain
 * links (for the test that proves the two the same). */
char *url_resolve_slow(const char *base, const char *ref, long *frag);
/* Heap copy of the host of an absolute URL, NULL if none. */
char *url_host(const char *url);
/* Heap copy of path and query ("/a?b"), "/" if empty. */
char *url_path(const char *url);
/* Port of the URL (explicit or by scheme). */
int url_port(const char *url);
/* Heap copy of the value of query parameter name (decoded), or NULL. */
char *url_query_param(const char *url, const char *name);
/* 1 if frag (the text after '#') names no element: empty, or a route of
 * a single-page application ("/path", "!path"). */
int url_frag_route(const char *frag);
/* 1 if the last path segment of an absolute URL has the extension of a
 * file that is not a page (images, PDF and Office documents, archives,
 * media, fonts): a check needs only its status (HEAD). */
int url_not_page(const char *url);

/* report.c */
enum insp_format { IF_TEXT, IF_JSON, IF_SARIF, IF_JUNIT, IF_HTML };
int insp_format_parse(const char *s); /* -1 if unknown */
/* Writes r to out in format f; 0 or -1 on a write error. */
int insp_report(const struct insp_result *r, enum insp_format f, FILE *out);
/* The result as JSON (links, marks, findings); caller json_decref()s. */
struct json_t;
struct json_t *insp_json(const struct insp_result *r);
/* Just the marks object, the findings array or the columns array
 * ({url, name, kind, items, newest, age_days, limit_days, status}); new
 * references. */
struct json_t *insp_marks_json(const struct insp_result *r);
struct json_t *insp_findings_json(const struct insp_result *r);
struct json_t *insp_columns_json(const struct insp_result *r);
/*
 * What a report counts (stats in JSON, the first lines of text and HTML).
 * Pages are HTML pages: r->npages less the stylesheets read (internal
 * links of kind css that were read as pages). URLs are counted as
 * linkinator and linkchecker count links: distinct URLs with the
 * fragment cut off, skipped ones included; links with a fragment and
 * occurrences (page-link pairs, found_on_count) are counted apart.
 */
struct insp_counts {
	long html_pages, stylesheets;
	long urls;	   /* distinct URLs without fragment */
	long urls_checked; /* of them, some link to it was not skipped */
	long urls_skipped; /* every link to it was skipped */
	long urls_broken;  /* broken for a reason other than its fragment */
	long fragments;	   /* distinct links with a fragment */
	long fragments_broken;	/* fragment_missing */
	long long occurrences;	/* page-link pairs */
	long broken, abnormal, blocked; /* the report's link sections */
	long unprompted, unprompted_hosts; /* LINK-3 links, their hosts */
};
void insp_counts(const struct insp_result *r, struct insp_counts *c);

/* store.c (the link list, LINK-2) */
/*
 * Saves r as a new inspection run in one transaction: the run, its links
 * (first seen carried over from earlier runs of the host), findings and
 * columns (insp_columns).
 * Marks content_changed links (fingerprint distance since the last run)
 * before saving; returns the run id or -1 with e set.
 */
long long insp_store_save(struct store *st, struct insp_result *r,
			  struct err *e);
/* The prev callback of insp_opts over the latest run of host (arg: a
 * struct insp_prev from insp_prev_load). */
struct insp_prev;
struct insp_prev *insp_prev_load(struct store *st, const char *host);
void insp_prev_free(struct insp_prev *p);
int insp_prev_lookup(void *arg, const char *url, char **etag, char **lastmod,
		     char **fingerprint);
/* Registered domains of the registry (alabel -> 1) into m. */
int insp_registered(struct store *st, struct map *m, struct err *e);
/* The logo callback of insp_opts over the store's register of online
 * logos (arg: the struct store). */
int insp_logo_lookup(void *arg, const char *id, const char *host,
		     struct insp_logo *l);
/*
 * The changes of inspection run since the previous run of its host (the
 * first run is compared with nothing): {"host", "run", "previous" (0 if
 * none), "new_broken": [{url, reason, found_on}], "changed": [{url,
 * before, after, what: target|content|fingerprint}], "new_external_hosts":
 * [{host}]}. A new reference (json_decref), or NULL with e set when run
 * does not exist or the store fails. Used by `govsec links diff` and the
 * console.
 */
struct json_t *insp_diff(struct store *st, long long run, struct err *e);
/* The host inspection run was of (free()), or NULL if there is no such
 * run. */
char *insp_run_host(struct store *st, long long run);

/* leave.c (LINK-3's unified prompt page) */
#define LEAVE_KEY_MIN 16
/*
 * Writes base + "/leave?to=" + escaped url + "&sig=" + HMAC-SHA256(key,
 * url) in hex into out. url must be an absolute http(s) URL of at most
 * 4 KiB. 0, or -1 with e set.
 */
int leave_link(const char *base, const char *url, const unsigned char *key,
	       size_t keylen, struct buf *out, struct err *e);
/* Reads a key file (at least LEAVE_KEY_MIN bytes, at most 4 KiB). */
int leave_key_load(const char *path, struct buf *key, struct err *e);
/*
 * Renders the leave-site page for a request's query string (to, sig) into
 * out (HTML, Chinese and English, with the disclaimer). Returns the HTTP
 * status: 200 with the page when the signature is right, 400 or 403 with a
 * page that links nowhere otherwise. Never an open redirect.
 */
int leave_page(const char *query, const unsigned char *key, size_t keylen,
	       struct buf *out);
/* The same for already decoded parameters (either may be NULL), for a
 * server whose router decodes the query (govsecd's http_query). */
int leave_render(const char *to, const char *sig, const unsigned char *key,
		 size_t keylen, struct buf *out);

/* probe.c (GOVWEB-1: availability) */
#define PROBE_DAYS	   7   /* GOVWEB-1 judges a week ... */
#define PROBE_MIN_DAY	   20  /* ... of at least 20 probes each day */
#define PROBE_VETO_PERCENT 5   /* failure ratio that fails GOVWEB-1 */
#define PROBE_KEEP_DAYS	   400 /* results older than this are pruned */
struct probe_opts {
	int timeout;	     /* seconds for the whole probe, hard (15) */
	int allow_private;   /* reach private/loopback targets (0) */
	int max_redirects;   /* followed by hand, each hop guarded (10) */
	const char *resolve; /* test map as insp_opts.resolve, NULL = DNS */
	const char *cacert;  /* CA bundle file instead of the system's */
	const char *user_agent;
	/* nonzero from cancel aborts a probe at once (may be NULL) */
	int (*cancel)(void *arg);
	void *cancel_arg;
};
void probe_opts_init(struct probe_opts *o);
struct probe_result {
	char at[32];	 /* RFC 3339 UTC start */
	char url[2048];	 /* the URL that answered, else the first tried */
	int ok;		 /* up: a 2xx or 3xx answer at the end */
	int status;	 /* last HTTP status, 0 if none */
	char error[512]; /* why down, or a note when up (http only); "" */
	long ms;	 /* elapsed */
	int aborted;	 /* stopped by cancel: not a measurement */
};
/*
 * Probes target: a URL (exactly that, redirects followed), or a host name
 * (https://HOST/ first; when https gets no HTTP answer at all, http://HOST/,
 * which counts as up with a note). Never takes longer than o->timeout
 * seconds. Fills r and returns 0 (down is a result); -1 with e set when
 * target is not a URL or host name.
 */
int probe_run(const char *target, const struct probe_opts *o,
	      struct probe_result *r, struct err *e);
/* Stores r for app (may be NULL: not a registered portal) in table
 * probe_results and prunes app's results older than PROBE_KEEP_DAYS. */
int probe_save(struct store *st, const char *app, const struct probe_result *r,
	       struct err *e);
/* probesum.c: each application's recent probes in one row of probe_sums
 * (what `govsec check` reads for GOVWEB-1): every probe not older than
 * PROBE_SUM_DAYS before the application's newest. */
#define PROBE_SUM_DAYS 10
/* 1 if the rows hold every probe: unless the setting probe_sums.incomplete
 * says otherwise (migration 34: probes stored before the summaries), until
 * probe_sums_build. */
int probe_sums_complete(struct store *st);
/* Adds one probe of app (NULL: nothing to do) to its row, inside the
 * caller's write transaction. 0, or -1 with e set. */
int probe_sum_add(struct store *st, const char *app, const char *at, int ok,
		  struct err *e);
/* Makes every row again from probe_results and marks them complete, inside
 * the caller's write transaction; *napps rows written. 0 or -1. */
int probe_sums_build(struct store *st, long long *napps, struct err *e);
/* The next probe of a row's text at *p (advanced): its time (len bytes,
 * not NUL-terminated) and *ok; NULL at the end. */
const char *probe_sum_next(const char **p, int *ok, size_t *len);
/* The GOVWEB-1 verdict over a week (the 2019 indicator: at least 20
 * probes a day for a week, failures of 5 % or more veto): day[] holds the
 * probes of each of the PROBE_DAYS days; 1 pass, 0 fail (failed / all >=
 * 5 %), -1 unknown (a day with fewer than PROBE_MIN_DAY probes). */
int probe_verdict(const long day[PROBE_DAYS], long failed);
/* A portal to probe: the application and its main domain (A-label). */
struct probe_target {
	char *app, *host;
};
/* Live portals with a domain (app NULL), or just app (any type or status)
 * into a heap array; free with probe_targets_free. 0, or -1 with e set. */
int probe_targets(struct store *st, const char *app, struct probe_target **out,
		  size_t *n, struct err *e);
void probe_targets_free(struct probe_target *t, size_t n);
struct sched_item;
/* The live portals (probe_targets) as the items of a scheduler's jobs:
 * name the main domain and data the application (by_host), or the other
 * way round. 0, or -1 with e set. */
int probe_target_items(struct store *st, int by_host, struct sched_item **items,
		       size_t *n, struct err *e);
/*
 * govsecd's scheduler (sched_work_start, its own store connections) that
 * probes every live portal cfg->probe_per_day times a day, spread over
 * each interval, each portal's probe a job (kind "probe") claimed by one
 * of the govsecd on the store, storing every result and logging a summary
 * of this instance's probes once an interval. NULL with e set if it
 * cannot start.
 */
struct probe_sched;
struct probe_sched *probe_sched_start(const struct config *cfg,
				      const char *store_path, struct err *e);
/* Stops the thread promptly (a running probe is aborted) and frees s;
 * NULL is a no-op. */
void probe_sched_stop(struct probe_sched *s);

/* schedule.c (govsecd's periodic work: the prober and inspections) */
/*
 * A thread with its own store connection (opened on store_path and
 * migrated) that calls round(s, st, arg) first_ms after the start and then
 * every interval_ms (from the start of the previous round), on every
 * instance. round should poll sched_stopping(s) and return soon once it
 * is nonzero. NULL with e set if it cannot start; arg stays the caller's.
 */
struct sched;
struct sched *
sched_start(const char *store_path, double first_ms, double interval_ms,
	    void (*round)(struct sched *s, struct store *st, void *arg),
	    void *arg, struct err *e);
/* One piece of claimed work: a job's name and what it needs (heap). */
struct sched_item {
	char *name, *data;
};
void sched_items_free(struct sched_item *it, size_t n);
/*
 * Work claimed as jobs (store_jobs.c) by every govsecd on the store, each
 * job by one instance at a time: the jobs of kind are the items list
 * gives (asked at the start and every interval, at most every 30 s; a new
 * item's job is first due first_ms after the start, or after it appears,
 * plus offset(name, k, n, interval_ms), its k-th place of n), each due
 * once every interval_ms at that offset; a job whose slot passed while
 * other work ran is due at once. run(s, st, arg, job) does one job and
 * returns 0 when done (or failed: tried again at its next slot), 1 when
 * stopped before the end (sched_stopping(s) nonzero: a stop, or the
 * lease was lost), nothing stored. The lease (lease_ms, at least 2 s) is
 * renewed every third of it by a heartbeat thread with its own
 * connection; another instance takes a job whose lease ended over. st is
 * fenced while run runs (store_fence): each write transaction on it
 * fails, rolled back, once another instance has taken the job over (an
 * instance that stalled past its lease stores nothing), and run must
 * write its results through st only.
 */
struct sched_work {
	const char *kind; /* sched_jobs.kind, at most 63 bytes */
	double first_ms, interval_ms, lease_ms;
	int (*list)(struct sched *s, struct store *st, void *arg,
		    struct sched_item **items, size_t *n);
	/* NULL: every job at offset 0 */
	double (*offset)(const char *name, size_t k, size_t n,
			 double interval_ms);
	int (*run)(struct sched *s, struct store *st, void *arg,
		   const struct store_job *j);
	void *arg;
	/* 1: run's first write transaction on st stores the whole result
	 * (an inspection run, a probe): it moves the job to its next slot
	 * too, so that a stall between it and the job's end never makes
	 * another instance do the work again */
	int save_ends;
};
struct sched *sched_work_start(const char *store_path,
			       const struct sched_work *w, struct err *e);
/*
 * round(s, st, arg) once every interval_ms across every govsecd on the
 * store (the first first_ms after the first start): a sched_work of one
 * job ("round") of kind. A round cut short by a stop is left to another
 * instance.
 */
struct sched *
sched_start_once(const char *store_path, const char *kind, double first_ms,
		 double interval_ms, double lease_ms,
		 void (*round)(struct sched *s, struct store *st, void *arg),
		 void *arg, struct err *e);
/* Asks the thread to stop, waits for it and frees s; NULL is a no-op. */
void sched_stop(struct sched *s);
/* Nonzero once a stop is asked or the lease of the job held is lost
 * (arg: the struct sched; usable as the cancel callback of insp_opts and
 * probe_opts). */
int sched_stopping(void *arg);
/* Nonzero if the job being done has lost its lease. */
int sched_lost(struct sched *s);
/* This process's id as the owner of jobs: "HOST:PID:START" (START in
 * epoch seconds); the same for every thread, made once. */
const char *sched_instance(void);
/* Waits until the monotonic time at (ms, as sched_now_ms); 1 if asked to
 * stop, 0 when the time has come. */
int sched_wait(struct sched *s, double at);
double sched_now_ms(void);
/* Where key (a host name) starts in a round of interval_ms: the FNV-1a
 * 64-bit hash of key modulo the interval, in whole ms; stable from round
 * to round and from run to run. */
double sched_slot_ms(const char *key, double interval_ms);
#define INSP_SCHED_FIRST_MS 5000 /* first round after govsecd starts */
/*
 * govsecd's scheduled inspections: every cfg->insp_interval_hours (or
 * insp_interval_seconds; first round after INSP_SCHED_FIRST_MS) inspects
 * https://DOMAIN/ of every live portal's main domain, one site at a time
 * on this instance, each at sched_slot_ms(DOMAIN) into the round (in that
 * order; a slot that passed while another site ran starts at once), each
 * site a job (kind "inspect") claimed by one of the govsecd on the store
 * (sched_work_start), with the [inspect] limits, stores each run as
 * `govsec inspect` does and logs one line per round and per site. A crawl
 * running at stop, or whose lease was lost, is aborted and not stored, a
 * wait for a slot ends. NULL with e set if it cannot start.
 */
struct insp_sched;
struct insp_sched *insp_sched_start(const struct config *cfg,
				    const char *store_path, struct err *e);
/* Stops promptly and frees x; NULL is a no-op. */
void insp_sched_stop(struct insp_sched *x);

/* jobs.c (inspections started from the console) */
/* The [inspect] settings that scheduled and console-started runs share. */
struct insp_settings {
	int max_pages, max_seconds, concurrency, allow_private;
	char resolve[1024], cacert[1024];
	char badges[2600]; /* [ecert] public_url and badge_urls */
};
void insp_settings_load(struct insp_settings *set, const struct config *cfg);
/* Initialises o (insp_opts_init) with set's limits; o points into set,
 * which must outlive it. */
void insp_settings_opts(const struct insp_settings *set, struct insp_opts *o);
/*
 * Inspects https://HOST/ with o, the registry and the host's previous
 * results loaded from st into o, and stores the run unless o->cancel asks
 * to stop by the end. Returns the stored run's id; 0 when cancelled
 * (nothing stored); -1 with e set. *res, if res is not NULL, gets the
 * result (NULL when none) for the caller to free with insp_result_free.
 */
long long insp_site_run(struct store *st, const char *host, struct insp_opts *o,
			struct insp_result **res, struct err *e);

#define INSP_JOBS_MAX  4  /* inspections started from the console at once */
#define INSP_JOBS_KEEP 64 /* jobs remembered, running or ended */

/* One inspection started from the console, as last seen. */
struct insp_job {
	long long id;
	char app[128], host[256], actor[128];
	const char *state; /* running, finished, cancelled, failed */
	char started[32], finished[32]; /* RFC 3339, finished "" if running */
	size_t pages, links, checked;	/* as insp_progress */
	double seconds;
	long long run; /* the stored run once finished, else 0 */
	char error[256];
};

/*
 * The console's inspections: each on its own thread and store connection
 * (store_path), with the [inspect] limits of cfg, at most INSP_JOBS_MAX at
 * once and one per application; the last INSP_JOBS_KEEP are remembered
 * (the runs themselves are in the store). Free with insp_jobs_free.
 */
struct insp_jobs;
struct insp_jobs *insp_jobs_new(const struct config *cfg,
				const char *store_path);
/* Cancels every running job, waits for them and frees x (NULL ok). */
void insp_jobs_free(struct insp_jobs *x);
enum insp_job_start {
	INSP_JOB_STARTED,
	INSP_JOB_BUSY, /* this application's inspection is running */
	INSP_JOB_FULL, /* INSP_JOBS_MAX are running */
	INSP_JOB_ERROR /* e set */
};
/* Starts inspecting https://host/ for app on behalf of actor; the job as
 * started in *out. */
enum insp_job_start insp_jobs_start(struct insp_jobs *x, const char *app,
				    const char *host, const char *actor,
				    struct insp_job *out, struct err *e);
/* The job id as it is now into *out; -1 if there is none. */
int insp_jobs_get(struct insp_jobs *x, long long id, struct insp_job *out);
/* Up to max jobs, newest first, into out; their count. */
size_t insp_jobs_list(struct insp_jobs *x, struct insp_job *out, size_t max);
/* Asks job id to stop (it ends as cancelled within a fraction of a
 * second); 0, 1 if it had already ended, -1 if there is none. */
int insp_jobs_cancel(struct insp_jobs *x, long long id);

#endif
