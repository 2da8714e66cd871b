/*
 * crawl_int.h: what the files of the crawler (crawl.c, hostq.c, page.c,
 * frag.c) share: the crawler's state, its hosts, targets and transfers. Not
 * part of the public face of src/inspect (inspect.h); nothing outside the
 * crawler includes it.
 */
#ifndef GOVSEC_INSPECT_CRAWL_INT_H
#define GOVSEC_INSPECT_CRAWL_INT_H

#include <curl/curl.h>

#include "inspect/inspect.h"

#define FOUND_MAX     1000
#define CONTENT_MAX   (256u << 10)
#define CSSFILE_MAX   (2u << 20)
#define ROBOTS_BODY   (512u << 10)
#define DRAIN_MAX     (256u << 10) /* unneeded bodies read to the end */
#define EXTPAGE_MAX   (2u << 20)   /* another site's page parsed for ids */
#define DNS_RUNNING   32	   /* lookups at once */
#define DNS_NOTE_MIN  3		   /* unresolved hosts that make a note */
#define PARSE_BACKLOG 4 /* pages waiting for a parser per transfer slot */

enum want { W_HEAD, W_GET, W_PARSE, W_CSS, W_CONTENT };

struct host {
	char *key;  /* host:port */
	char *name; /* host */
	int port;
	int active;
	double next_ok;
	int robots; /* 0 not needed or ready, 1 pending */
	struct robots *rb;
	int *q;
	size_t qhead, qlen, qcap;
	int listed; /* in c->ready */
	const char *cls;
	int government;
	char *addr; /* from the resolve map; "none" refuses */
	char *ip;   /* its address part */
	int cport;  /* its port part, 0 if none */
	/* the crawler's own lookup (dns.c): names without a resolve map
	 * entry that are not address literals */
	enum { HD_NONE, HD_UNKNOWN, HD_PENDING, HD_OK, HD_BAD } dns;
	struct dns_lookup *lookup;
	char *dns_addrs;     /* what it found, for CURLOPT_RESOLVE */
	const char *dns_why; /* dns_reason() when HD_BAD */
	double dns_t0;	     /* when the lookup started */
};

struct target {
	char *url;
	int host;
	enum want want;
	unsigned internal : 1, queued : 1, started : 1, done : 1, home : 1,
	    homecss : 1, nav : 1, ids_cut : 1;
	int depth;
	enum insp_status status;
	const char *reason;
	char *detail;
	int http;
	char *final;
	char *chain;
	char fp[17];
	char *etag, *lastmod;
	int page; /* index into r->pages, -1 */
	struct map *ids;
	int abnormal;
	char *coltext; /* the homepage's link text: a column candidate */
};

struct job {
	struct crawler *c;
	int target; /* -1: robots.txt of host */
	int host;
	CURL *e;
	int head;
	char *url;
	int hops, attempt;
	struct buf chain;
	struct extract *x; /* the page, the crawl thread's (after parsing) */
	struct xtask *xt;  /* the page while a parser thread has it */
	CURLcode rc;	   /* the transfer's end, kept while parsing */
	struct buf body;
	long status;
	char ctype[128];
	char *location;
	long retry_after;
	char etag[256], lastmod[128];
	int bot, hsts, refused, stopped, too_large;
	int cut;	/* a page cut at EXTPAGE_MAX or max_bytes */
	long long clen; /* Content-Length, -1 if none */
	long long bytes;
	struct curl_slist *resolve, *headers;
	double not_before;
	struct job *next, *prev; /* in c->active while transferring, then
				  * in c->parsing until parsed */
	char errbuf[CURL_ERROR_SIZE];
};

struct crawler {
	const struct insp_opts *o;
	struct insp_result *r;
	CURLM *multi;
	struct target *t;
	size_t nt, capt;
	struct map tmap, lmap, hmap;
	int *ltarget;
	long *lfrag;
	struct host *h;
	size_t nh, caph;
	int *ready; /* hosts with queued targets */
	size_t nready, capready;
	struct job **delayed;
	size_t ndelayed, capdelayed;
	CURL **handles; /* easy handles to reuse */
	size_t nhandles, caphandles;
	struct job *active;
	int running;
	struct xpool *pool;  /* parser threads */
	struct job *parsing; /* transferred, the parser not done yet */
	int nparsing;
	int site; /* host index of the start URL */
	struct insp_words *words;
	double t0;
	size_t checked;	    /* targets done, for o->progress */
	double progress_at; /* when o->progress was last called */
	int pages;
	struct map cssrules;
	/* homepage facts for the marks */
	struct marks home_marks;
	char home_newest[11];
	char *home_logo_chain;
	unsigned home_logo_inline;
	int home_logo, home_logo_footer, home_seen;
	int home_hsts, home_https;
	char **inter;
	int ninter;
	const char *fast_base; /* the base whose origin is below */
	size_t fast_olen;      /* length of "scheme://host[:port]" */
	char *last_origin;     /* "scheme://authority" of the last host_get */
	size_t last_olen;
	int last_host;
	int *dnswait; /* hosts whose lookup runs */
	int ndns, capdns;
	int dns_bad, dns_unresolved; /* hosts by verdict */
};

/* crawl.c */
/* Seconds on the monotonic clock. */
double crawl_now(void);

/* hostq.c */
/* The host of url (new or known by "host:port"), -1 if it has none; URLs of
 * one origin (as written) ask URL parsing once. */
int hostq_host(struct crawler *c, const char *url);
/* Appends target ti to host hi's queue (and hi to c->ready). */
void hostq_push(struct crawler *c, int hi, int ti);
/* Ends target t with a status, a reason code and a detail (copied, may be
 * NULL). */
void hostq_finish(struct crawler *c, struct target *t, enum insp_status st,
		  const char *reason, const char *detail);
/* The target of url (no fragment), *created set when new; -1 if url has no
 * host. */
int hostq_target(struct crawler *c, const char *url, int *created);
/* Queues target ti with fetch w at depth; upgrades one not yet started;
 * an external target with external checking off is skipped. */
void hostq_want(struct crawler *c, int ti, enum want w, int depth);

/* page.c */
/* The link of url (with its fragment at frag, -1 if none), *created set
 * when new. */
int page_link_get(struct crawler *c, const char *url, long frag,
		  const char *kind, int *created);
/* Judges the parsed page of j (j->x) for target t: links, marks, columns,
 * tampering. c->t may move: t is not valid afterwards. */
void page_done(struct crawler *c, struct job *j, struct target *t);
/* The CSS file of j (its body): url()s as links, rules of the homepage's
 * CSS kept for the logo. */
void page_css(struct crawler *c, struct job *j);
/* After the crawl: the homepage's marks, logo and HTTPS facts into
 * c->r->marks (home: the start target). */
void page_home_marks(struct crawler *c, struct target *home);

/* dns.c */
/* A lookup of name on its own thread; wake(arg) is called from it when
 * done (under its lock: never after dns_abandon returned). NULL if no
 * thread starts. */
struct dns_lookup *dns_start(const char *name, void (*wake)(void *arg),
			     void *arg);
/* 1 when d is done: *rc gets getaddrinfo's answer, *addrs the addresses
 * for CURLOPT_RESOLVE (heap, NULL if none) and d is freed; 0 while it
 * runs. */
int dns_done(struct dns_lookup *d, int *rc, char **addrs);
/* Gives d up (its thread frees it when done); NULL is a no-op. */
void dns_abandon(struct dns_lookup *d);
/* 1 while host hi must wait for its lookup (started when none ran and
 * fewer than DNS_RUNNING run), 0 when its fetches may start. */
int dns_host_wait(struct crawler *c, int hi);
/* Takes the verdicts of the lookups that ended (or ran longer than the
 * request timeout: given up, dns_unresolved). */
void dns_poll(struct crawler *c);
/* Ends target t whose host h does not resolve: broken (dns_failure) or
 * blocked (dns_unresolved). */
void dns_finish(struct crawler *c, struct target *t, const struct host *h);
/* After the crawl: when DNS_NOTE_MIN names got no answer, the detail of
 * their links says how many. */
void dns_note(struct crawler *c);

/* frag.c */
/* Keeps the ids and anchor names of the parsed page of j (j->x), a page
 * of another site, for the fragments of the links to target t. */
void frag_ids(struct crawler *c, struct job *j, struct target *t);
/* After the crawl: links whose fragment names no id or anchor of their
 * parsed target page become broken (fragment_missing). */
void frag_check(struct crawler *c);

#endif
