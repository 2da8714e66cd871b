/*
 * match.c: the matcher (issue 12, item 3) and its index. A candidate
 * (untrusted: a domain from a feed, an app listing, an account) is
 * compared only with the protected things the index says are plausible:
 *
 *   - domains: the brand (the label left of the public suffix) under
 *     its exact key, each of its single-character deletions (a deletion
 *     neighbourhood: one edit either way meets in it, so addition,
 *     omission, insertion, repetition, replacement, bitsquatting,
 *     hyphenation, vowel-swap and transposition all land there) and its
 *     visual fold (homoglyphs); a candidate looks up its own label, its
 *     deletions, its fold, the labels joined (subdomain), the label with
 *     a government or suffix token taken off (xx-gov.cn, jiangmengov.cn,
 *     yananzw.cn) and a gov.cn written inside the name (gov.cn.x.top);
 *   - names: the key of src/ecert/names.c (NFKC, OpenCC t2s, Han
 *     look-alikes, UTS 39 skeleton) exactly, its deletions per character,
 *     and every substring of a candidate's key of a protected key's
 *     length (names inside longer names);
 *   - packages exactly.
 * Each probe is one hash lookup in a sorted table with a directory, so
 * the work per candidate does not grow with the protected set. What the
 * index finds is verified (distance, fold or key equality) before it is
 * a hit; every hit carries its class, a reason and a score.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>
#include <libpsl.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "counterfeit/counterfeit.h"
#include "ecert/ecert.h"
#include "registry/registry.h"

/* What an index entry holds. */
enum tag {
	T_BRAND = 1, /* a domain brand (ASCII, or the key of an IDN) */
	T_DEL,	     /* a single-character deletion of an ASCII brand */
	T_FOLD,	     /* the visual fold of an ASCII brand */
	T_FOLD1,     /* ... its second variant (fold_variant) */
	T_NAME,	     /* a name key */
	T_NAMEDEL,   /* a name key less one character */
	T_REGION,    /* a region's pinyin */
	T_REGINI,    /* a region's pinyin initials */
	T_PKG,	     /* a package name */
};

struct entry {
	uint64_t h;
	uint32_t item;
};

struct cf_index {
	struct entry *e;
	size_t n, cap;
	uint32_t *dir; /* first entry of each top-bits bucket; n + 1 */
	unsigned bits;
	unsigned char lens[CF_NAME_MAX]; /* name key lengths present */
};

static uint64_t
hash(enum tag t, const char *s, size_t n)
{
	uint64_t h =
	    0xcbf29ce484222325ull ^ ((uint64_t)t * 0x9e3779b97f4a7c15ull);

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	/* a final mix so the top bits (the directory) spread well */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static void
put(struct cf_index *ix, enum tag t, const char *s, size_t n, size_t item)
{
	if (n == 0)
		return;
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 4096;
		ix->e = xrealloc(ix->e, ix->cap * sizeof(*ix->e));
	}
	ix->e[ix->n].h = hash(t, s, n);
	ix->e[ix->n].item = (uint32_t)item;
	ix->n++;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

void cf_index_free(struct cf_index *ix);
void
cf_index_free(struct cf_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->e);
	free(ix->dir);
	free(ix);
}

/* Calls fn for each item under (t, s); stops when fn returns nonzero. */
static void
lookup(const struct cf_index *ix, enum tag t, const char *s, size_t n,
       void (*fn)(void *arg, uint32_t item), void *arg)
{
	uint64_t h;
	size_t i, end;

	if (ix == NULL || ix->n == 0 || n == 0)
		return;
	h = hash(t, s, n);
	i = ix->dir[h >> (64 - ix->bits)];
	end = ix->dir[(h >> (64 - ix->bits)) + 1];
	for (; i < end && ix->e[i].h <= h; i++)
		if (ix->e[i].h == h)
			fn(arg, ix->e[i].item);
}

/* ---- folds and distances ---- */

/*
 * Variant 0 reads "cl" as d, variant 1 reads "lc" as k: the two overlap
 * ("clc"), so each is indexed and looked up under both.
 */
static void
fold_variant(const char *in, char *out, size_t n, int variant)
{
	static const char *const contract[2][6][2] = {
	    {{"lb", "b"},
	     {"lh", "h"},
	     {"lk", "k"},
	     {"bl", "b"},
	     {"cl", "b"},
	     {NULL, NULL}},
	    {{"lb", "b"},
	     {"lh", "h"},
	     {"lk", "k"},
	     {"lc", "k"},
	     {"bl", "b"},
	     {NULL, NULL}},
	};
	size_t o = 0;
	int changed;

	if (n == 0)
		return;
	for (; *in != '\0' && o + 2 < n; in++) {
		char c = (char)tolower((unsigned char)*in);

		switch (c) {
		case '0':
			c = 'o';
			break;
		case '1':
		case 'i':
			c = 'l';
			break;
		case '8':
			c = '3';
			break;
		case '9':
			c = '6';
			break;
		case 'd':
			c = 'b';
			break;
		case 'e':
			c = 'c';
			break;
		case 'q':
			c = 'g';
			break;
		case 'r':
		case 'm':
			c = 'n'; /* and rn, nn, rr: runs collapse below */
			break;
		case 'w':
			c = 'v'; /* and vv */
			break;
		default:
			break;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	/* multi-letter look-alikes, to a fixed point */
	do {
		changed = 0;
		for (size_t k = 0; contract[variant][k][0] != NULL; k++) {
			const char *const *c = contract[variant][k];
			char *p;

			while ((p = strstr(out, c[0])) != NULL) {
				p[0] = c[1][0];
				memmove(p + 1, p + 2, strlen(p + 2) + 1);
				changed = 1;
			}
		}
	} while (changed);
	/* runs of n (m, rn, nn, rr) and of v (w, vv) collapse */
	o = 0;
	for (size_t i = 0; out[i] != '\0'; i++)
		if (o == 0 || out[o - 1] != out[i] ||
		    (out[i] != 'n' && out[i] != 'v'))
			out[o++] = out[i];
	out[o] = '\0';
}

void
cf_fold(const char *in, char *out, size_t n)
{
	fold_variant(in, out, n, 0);
}

int
cf_osa(const char *a, size_t an, const char *b, size_t bn, int limit)
{
	int d[3][66], *p2 = d[0], *p1 = d[1], *cur = d[2];

	if (an > 64 || bn > 64)
		return limit + 1;
	if ((an > bn ? an - bn : bn - an) > (size_t)limit)
		return limit + 1;
	for (size_t j = 0; j <= bn; j++)
		p1[j] = (int)j;
	for (size_t i = 1; i <= an; i++) {
		int best;

		cur[0] = (int)i;
		best = cur[0];
		for (size_t j = 1; j <= bn; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = p1[j] + 1;

			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (p1[j - 1] + cost < v)
				v = p1[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && p2[j - 2] + 1 < v)
				v = p2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
		{
			int *t = p2;

			p2 = p1;
			p1 = cur;
			cur = t;
		}
	}
	return p1[bn];
}

/* ---- building ---- */

static size_t
utf8_next(const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

	for (size_t i = 1; i < len; i++)
		if (s[i] == '\0')
			return i;
	return len;
}

static void
put_deletions(struct cf_index *ix, enum tag t, const char *s, size_t item,
	      int utf8)
{
	size_t n = strlen(s);
	char buf[CF_NAME_MAX];

	if (n >= sizeof(buf))
		return;
	for (size_t i = 0; i < n;) {
		size_t l = utf8 ? utf8_next(s + i) : 1;

		memcpy(buf, s, i);
		memcpy(buf + i, s + i + l, n - i - l);
		put(ix, t, buf, n - l, item);
		i += l;
	}
}

int
cf_set_seal(struct cf_set *s, struct err *e)
{
	struct cf_index *ix = xcalloc(1, sizeof(*ix));
	size_t buckets;

	(void)e;
	cf_index_free(s->ix);
	for (size_t i = 0; i < s->n; i++) {
		const struct cf_prot *p = &s->items[i];
		char f[CF_NAME_MAX];
		size_t bl = strlen(p->brand);

		switch (p->kind) {
		case CF_P_DOMAIN:
			put(ix, T_BRAND, p->brand, bl, i);
			if (!strcmp(p->what, "domain")) {
				/* ASCII brands: deletions and fold */
				if (bl >= 3)
					put_deletions(ix, T_DEL, p->brand, i,
						      0);
				for (int v = 0; v < 2; v++) {
					fold_variant(p->brand, f, sizeof(f), v);
					put(ix, v ? T_FOLD1 : T_FOLD, f,
					    strlen(f), i);
				}
			}
			break;
		case CF_P_NAME:
			put(ix, T_NAME, p->brand, bl, i);
			if (bl < sizeof(ix->lens))
				ix->lens[bl] = 1;
			if (str_utf8_len(p->brand) >= 4)
				put_deletions(ix, T_NAMEDEL, p->brand, i, 1);
			break;
		case CF_P_REGION:
			put(ix, T_REGION, p->brand, bl, i);
			put(ix, T_REGINI, p->suffix, strlen(p->suffix), i);
			break;
		case CF_P_APP:
			put(ix, T_PKG, p->package, strlen(p->package), i);
			break;
		}
	}
	qsort(ix->e, ix->n, sizeof(*ix->e), entry_cmp);
	for (ix->bits = 4; ((size_t)1 << ix->bits) < ix->n && ix->bits < 28;
	     ix->bits++)
		;
	buckets = (size_t)1 << ix->bits;
	ix->dir = xcalloc(buckets + 1, sizeof(*ix->dir));
	{
		size_t j = 0;

		for (size_t b = 0; b <= buckets; b++) {
			while (j < ix->n && (ix->e[j].h >> (64 - ix->bits)) < b)
				j++;
			ix->dir[b] = (uint32_t)j;
		}
	}
	s->ix = ix;
	return 0;
}

/* ---- hits ---- */

struct hits {
	const struct cf_set *s;
	struct cf_hit *out;
	int n, max;
	/* the view being judged (for the callbacks) */
	const char *view;
	size_t vlen;
	const char *vsuffix; /* the candidate's public suffix */
	int subdomain;	     /* the view joins labels */
	uint32_t seen[64];
	int nseen;
};

static void hit(struct hits *h, const struct cf_prot *p, const char *cls,
		int score, const char *fmt, ...) PRINTF_LIKE(5, 6);

static void
hit(struct hits *h, const struct cf_prot *p, const char *cls, int score,
    const char *fmt, ...)
{
	va_list ap;
	struct cf_hit *x = NULL;
	int i;

	if (score > 100)
		score = 100;
	for (i = 0; i < h->n; i++)
		if (h->out[i].p == p)
			break;
	if (i < h->n) {
		if (h->out[i].score >= score)
			return;
		x = &h->out[i];
	} else if (h->n < h->max) {
		x = &h->out[h->n++];
	} else {
		/* replace the weakest if this one is stronger */
		int w = 0;

		for (i = 1; i < h->n; i++)
			if (h->out[i].score < h->out[w].score)
				w = i;
		if (h->out[w].score >= score)
			return;
		x = &h->out[w];
	}
	x->p = p;
	x->score = score;
	str_copy(x->cls, cls, sizeof(x->cls));
	va_start(ap, fmt);
	vsnprintf(x->reason, sizeof(x->reason), fmt, ap);
	va_end(ap);
}

static int
str_utf8_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static int
is_vowel(char c)
{
	return c != '\0' && strchr("aeiou", c) != NULL;
}

/* The dnstwist class of a one-edit difference from brand b to view v. */
static const char *
edit_class(const char *b, size_t bn, const char *v, size_t vn)
{
	size_t i = 0;

	while (i < bn && i < vn && b[i] == v[i])
		i++;
	if (vn == bn + 1) {
		if (i == bn)
			return "addition";
		if (v[i] == '-')
			return "hyphenation";
		if ((i > 0 && v[i] == v[i - 1]) || v[i] == b[i])
			return "repetition";
		return "insertion";
	}
	if (vn + 1 == bn)
		return "omission";
	if (i + 1 < bn && b[i] == v[i + 1] && b[i + 1] == v[i])
		return "transposition";
	if (is_vowel(b[i]) && is_vowel(v[i]))
		return "vowel-swap";
	{
		unsigned x = (unsigned char)b[i] ^ (unsigned char)v[i];

		if ((x & (x - 1)) == 0)
			return "bitsquatting";
	}
	{
		char fb[4] = {b[i], 0}, fv[4] = {v[i], 0}, ob[8], ov[8];

		cf_fold(fb, ob, sizeof(ob));
		cf_fold(fv, ov, sizeof(ov));
		if (!strcmp(ob, ov))
			return "homoglyph";
	}
	return "replacement";
}

/* Score of a near miss by the brand's length: short brands are common
 * strings, long ones are not. */
static int
near_score(size_t bn)
{
	if (bn <= 3)
		return 35;
	if (bn <= 4)
		return 50;
	if (bn <= 7)
		return 70;
	return 80;
}

static void
on_exact(void *arg, uint32_t item)
{
	struct hits *h = arg;
	const struct cf_prot *p = &h->s->items[item];

	if (p->kind != CF_P_DOMAIN || strlen(p->brand) != h->vlen ||
	    memcmp(p->brand, h->view, h->vlen) != 0)
		return;
	if (h->subdomain)
		hit(h, p, "subdomain", 80, "'%.*s' is %s's name split by dots",
		    (int)h->vlen, h->view, p->text);
	else if (strcmp(p->suffix, h->vsuffix) != 0)
		hit(h, p, "tld-swap", strlen(p->brand) <= 3 ? 45 : 80,
		    "the name of %s under another suffix ('.%s')", p->text,
		    h->vsuffix);
}

static void
on_near(void *arg, uint32_t item)
{
	struct hits *h = arg;
	const struct cf_prot *p = &h->s->items[item];
	size_t bn;

	if (p->kind != CF_P_DOMAIN)
		return;
	for (int i = 0; i < h->nseen; i++)
		if (h->seen[i] == item)
			return;
	if (h->nseen < (int)ARRAY_SIZE(h->seen))
		h->seen[h->nseen++] = item;
	bn = strlen(p->brand);
	if (cf_osa(p->brand, bn, h->view, h->vlen, 1) == 1) {
		const char *cls = edit_class(p->brand, bn, h->view, h->vlen);
		/* under another suffix it is two changes, and chance
		 * collisions of short words across suffixes are common */
		int other = strcmp(p->suffix, h->vsuffix) != 0;

		/* ... so only for brands long enough to be distinctive (no
		 * dnstwist class changes brand and suffix at once) */
		if (other && bn < 8)
			return;
		hit(h, p, cls, near_score(bn) - (other ? 20 : 0),
		    "one character from %s (%s): '%.*s' for '%s'%s%s%s",
		    p->text, cls, (int)h->vlen, h->view, p->brand,
		    other ? ", under '." : "", other ? h->vsuffix : "",
		    other ? "'" : "");
	}
}

struct foldarg {
	struct hits *h;
	const char *fold;
	const char *cls;
	int variant;
};

static void
on_fold(void *arg, uint32_t item)
{
	struct foldarg *fa = arg;
	struct hits *h = fa->h;
	const struct cf_prot *p = &h->s->items[item];
	char f[CF_NAME_MAX];
	size_t bn;

	if (p->kind != CF_P_DOMAIN)
		return;
	fold_variant(p->brand, f, sizeof(f), fa->variant);
	if (strcmp(f, fa->fold) != 0)
		return;
	/* the same brand or one edit from it: on_exact and on_near judge
	 * it (an ASCII-ified IDN is a homoglyph whatever the distance) */
	if (fa->cls == NULL &&
	    cf_osa(p->brand, strlen(p->brand), h->view, h->vlen, 1) <= 1)
		return;
	/* short brands fold onto many other short strings */
	bn = strlen(p->brand);
	hit(h, p, fa->cls ? fa->cls : "homoglyph",
	    bn <= 4   ? 50
	    : bn <= 5 ? 70
		      : 90,
	    "looks like %s: '%.*s' reads as '%s'", p->text, (int)h->vlen,
	    h->view, p->brand);
}

/* Government and suffix tokens written into a label, and lure words. */
static const char *const gov_tokens[] = {
    "gov-cn", "govcn", "gov",	  "zf",	     "zw",
    "zfw",    "rmzf",  "zhengfu", "zhengwu", "renminzhengfu",
    "gongan", "gaj",   "shuiwu",  "sbj",     NULL};
static const char *const other_tokens[] = {
    "com",    "net",	  "org",     "edu",    "cn",   "www",	 "login",
    "verify", "secure",	  "service", "online", "app",  "portal", "pay",
    "home",   "official", "gw",	     "web",    "site", "wx",	 NULL};

struct tokarg {
	struct hits *h;
	const char *token;
	int gov;
	const char *x;
	size_t xn;
};

static void
on_token_brand(void *arg, uint32_t item)
{
	struct tokarg *t = arg;
	const struct cf_prot *p = &t->h->s->items[item];

	if (p->kind != CF_P_DOMAIN || strlen(p->brand) != t->xn ||
	    memcmp(p->brand, t->x, t->xn) != 0)
		return;
	if (t->gov)
		hit(t->h, p, "gov-suffix", 90,
		    "the name of %s with the government token '%s' written "
		    "into it",
		    p->text, t->token);
	else
		hit(t->h, p, "various", t->xn <= 4 ? 45 : 70,
		    "the name of %s with '%s' added", p->text, t->token);
}

static void
on_token_region(void *arg, uint32_t item)
{
	struct tokarg *t = arg;
	const struct cf_prot *p = &t->h->s->items[item];
	int full;

	if (p->kind != CF_P_REGION)
		return;
	full = strlen(p->brand) == t->xn && !memcmp(p->brand, t->x, t->xn);
	if (!full &&
	    !(strlen(p->suffix) == t->xn && !memcmp(p->suffix, t->x, t->xn)))
		return;
	hit(t->h, p, "region-gov", full ? 85 : 65,
	    "the %s of %s with the government token '%s'",
	    full ? "pinyin" : "pinyin initials", p->text, t->token);
}

/* Tries view = X + token, token + X (with or without '-'). */
static void
tokens(struct hits *h, const char *v, size_t vn, const char *const *toks,
       int gov)
{
	for (int k = 0; toks[k] != NULL; k++) {
		size_t tn = strlen(toks[k]);
		struct tokarg t = {h, toks[k], gov, NULL, 0};

		if (vn <= tn + 1)
			continue;
		for (int side = 0; side < 2; side++) {
			const char *x;
			size_t xn;

			if (side == 0 && !memcmp(v + vn - tn, toks[k], tn)) {
				x = v;
				xn = vn - tn;
				if (x[xn - 1] == '-')
					xn--;
			} else if (side == 1 && !memcmp(v, toks[k], tn)) {
				x = v + tn;
				xn = vn - tn;
				if (x[0] == '-')
					x++, xn--;
			} else {
				continue;
			}
			if (xn == 0)
				continue;
			t.x = x;
			t.xn = xn;
			lookup(h->s->ix, T_BRAND, x, xn, on_token_brand, &t);
			if (gov) {
				lookup(h->s->ix, T_REGION, x, xn,
				       on_token_region, &t);
				lookup(h->s->ix, T_REGINI, x, xn,
				       on_token_region, &t);
			}
		}
	}
}

/* Judges one ASCII view of a candidate. */
static void
view(struct hits *h, const char *v, size_t vn, int subdomain,
     const char *fold_cls)
{
	char buf[CF_NAME_MAX], f[CF_NAME_MAX];
	struct foldarg fa = {h, f, fold_cls, 0};

	if (vn == 0 || vn >= 64)
		return;
	h->view = v;
	h->vlen = vn;
	h->subdomain = subdomain;
	h->nseen = 0;
	lookup(h->s->ix, T_BRAND, v, vn, on_exact, h);
	/* one edit: the view against brands and their deletions, each of
	 * the view's deletions against brands and their deletions */
	lookup(h->s->ix, T_BRAND, v, vn, on_near, h);
	lookup(h->s->ix, T_DEL, v, vn, on_near, h);
	for (size_t i = 0; i < vn; i++) {
		memcpy(buf, v, i);
		memcpy(buf + i, v + i + 1, vn - i - 1);
		lookup(h->s->ix, T_BRAND, buf, vn - 1, on_near, h);
		lookup(h->s->ix, T_DEL, buf, vn - 1, on_near, h);
	}
	memcpy(buf, v, vn);
	buf[vn] = '\0';
	for (fa.variant = 0; fa.variant < 2; fa.variant++) {
		fold_variant(buf, f, sizeof(f), fa.variant);
		lookup(h->s->ix, fa.variant ? T_FOLD1 : T_FOLD, f, strlen(f),
		       on_fold, &fa);
	}
	tokens(h, v, vn, gov_tokens, 1);
	tokens(h, v, vn, other_tokens, 0);
}

/* ---- IDN candidates: skeleton and Latin-ASCII ---- */

static pthread_once_t icu_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t icu_lock = PTHREAD_MUTEX_INITIALIZER;
static USpoofChecker *spoof;
static UTransliterator *to_ascii;

/*
 * After the UTS 39 skeleton: marks removed, then letters that neither the
 * skeleton nor Latin-ASCII take to ASCII (small capitals, schwa, IPA
 * letters that dnstwist and phishers use), then Latin-ASCII.
 */
static const char fold_rules[] =
    "::NFD; ::[:Nonspacing Mark:] Remove; ::NFC;"
    "\u1D00>a; \u0259>a; \u0251>a; \u0299>b; \u0185>b; \u0253>b;"
    "\u1D04>c; \u0188>c; \u1D05>d; \u0257>d; \u0256>d; \u1D07>e;"
    "\u0247>e; \u0192>f; \u0262>g; \u0261>g; \u029C>h; \u0266>h;"
    "\u2C68>h; \u026A>i; \u0269>i; \u0268>i; \u029D>j; \u0249>j;"
    "\u1D0B>k; \u2C6A>k; \u029F>l; \u026B>l; \u1D0D>m; \u0271>m;"
    "\u0274>n; \uA791>n; \u1D0F>o; \u1D18>p; \u01BF>p; \u01A5>p;"
    "\u02A0>q; \u0280>r; \u027C>r; \u027D>r; \u027E>r; \u024D>r;"
    "\uA731>s; \u0282>s; \u1D1B>t; \u01AB>t; \u1D1C>u; \u0289>u;"
    "\u1D20>v; \u2C71>v; \u2C74>v; \u1D8C>v; \u1D21>w; \u2C73>w;"
    "\u028F>y; \u01B4>y; \u024F>y; \u1EFF>y; \u1D22>z; \u0290>z;"
    "\u01B6>z; \u2C6C>z; \u01BB>2; \u01BD>5;"
    /* Cyrillic letters that read as Latin ones */
    "\u0430>a; \u044C>b; \u0441>c; \u0501>d; \u0435>e; \u050D>g;"
    "\u04BB>h; \u0456>i; \u0458>j; \u043A>k; \u04CF>l; \u043C>m;"
    "\u043E>o; \u0440>p; \u051B>q; \u0455>s; \u0442>t; \u0475>v;"
    "\u051D>w; \u0445>x; \u0443>y;"
    "::Latin-ASCII; ::Lower;";

static void
icu_init(void)
{
	UErrorCode ue = U_ZERO_ERROR;
	UChar rules[2048];
	int32_t rn;
	UParseError pe;

	spoof = uspoof_open(&ue);
	if (U_FAILURE(ue))
		spoof = NULL;
	ue = U_ZERO_ERROR;
	u_strFromUTF8(rules, (int32_t)ARRAY_SIZE(rules), &rn, fold_rules, -1,
		      &ue);
	to_ascii = utrans_openU(u"govsec-fold", -1, UTRANS_FORWARD, rules, rn,
				&pe, &ue);
	if (U_FAILURE(ue))
		to_ascii = NULL;
}

/* Runs the fold rules over s (UTF-8) into out; 0 or -1. */
static int
fold_rules_run(const char *s, char *out, size_t n)
{
	UErrorCode ue = U_ZERO_ERROR;
	UChar b[512];
	int32_t bl, lim;

	u_strFromUTF8(b, (int32_t)ARRAY_SIZE(b), &bl, s, -1, &ue);
	lim = bl;
	utrans_transUChars(to_ascii, b, &bl, (int32_t)ARRAY_SIZE(b), 0, &lim,
			   &ue);
	u_strToUTF8(out, (int32_t)n, NULL, b, bl, &ue);
	return U_SUCCESS(ue) ? 0 : -1;
}

/*
 * The ASCII a Latin or Cyrillic look-alike label reads as, or -1: the
 * fold rules (small capitals and the like to letters), the UTS 39
 * skeleton (Cyrillic and Greek look-alikes), the fold rules again.
 */
static int
idn_ascii(const char *u, char *out, size_t n)
{
	UErrorCode ue = U_ZERO_ERROR;
	char pre[512], sk[512];
	int32_t skl;
	int rc = -1;

	pthread_once(&icu_once, icu_init);
	if (spoof == NULL || to_ascii == NULL)
		return -1;
	pthread_mutex_lock(&icu_lock);
	if (fold_rules_run(u, pre, sizeof(pre)) == 0) {
		skl = uspoof_getSkeletonUTF8(spoof, 0, pre, -1, sk,
					     (int32_t)sizeof(sk), &ue);
		if (U_SUCCESS(ue) && skl < (int32_t)sizeof(sk))
			rc = fold_rules_run(sk, out, n);
	}
	pthread_mutex_unlock(&icu_lock);
	for (const char *p = out; rc == 0 && *p; p++)
		if ((unsigned char)*p >= 0x80)
			rc = -1;
	return rc;
}

struct namearg {
	struct hits *h;
	const char *key;
	size_t kn;
	const char *shown;
	int near, inside;
	const struct cf_listing *l;
	int account;
};

static void
on_idn_name(void *arg, uint32_t item)
{
	struct namearg *na = arg;
	const struct cf_prot *p = &na->h->s->items[item];
	size_t bn = strlen(p->brand);

	if (p->kind != CF_P_NAME && p->kind != CF_P_DOMAIN)
		return;
	if (!na->near &&
	    (bn != na->kn || memcmp(p->brand, na->key, na->kn) != 0))
		return;
	if (na->near && (bn == na->kn && !memcmp(p->brand, na->key, bn)))
		return;
	if (na->near)
		hit(na->h, p, "idn-near", 70,
		    "the Chinese name '%s' is one character from %s", na->shown,
		    p->text);
	else if (p->kind == CF_P_DOMAIN && !str_utf8_ascii(p->brand))
		hit(na->h, p, "idn-name", 92,
		    "'%s' reads as %s (full-width, traditional or look-alike "
		    "characters, or another suffix)",
		    na->shown, p->text);
	else if (p->kind == CF_P_DOMAIN)
		hit(na->h, p, "homoglyph", 90,
		    "'%s' looks like %s (Unicode look-alike letters)",
		    na->shown, p->text);
	else
		hit(na->h, p, "idn-name", 90,
		    "the Chinese name '%s' reads as %s (full-width, "
		    "traditional or look-alike characters)",
		    na->shown, p->text);
}

/* ---- domains ---- */

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl;

static void
psl_init(void)
{
	psl = psl_builtin();
}

/* Lower-cases an ASCII host name into out; -1 if it has other bytes. */
static int
ascii_host(const char *in, char *out, size_t n)
{
	size_t i, o = 0;

	for (i = 0; in[i] != '\0'; i++) {
		char c = (char)tolower((unsigned char)in[i]);

		if (o + 1 >= n ||
		    !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return -1;
		out[o++] = c;
	}
	if (o > 0 && out[o - 1] == '.')
		o--;
	out[o] = '\0';
	return o == 0 || out[0] == '.' || strstr(out, "..") != NULL ? -1 : 0;
}

/* A gov.cn (or .政务) written inside a name under another suffix. */
static void
gov_inside(struct hits *h, const char *a, const char *reg)
{
	static const char *const sfx[] = {".gov.cn.", ".xn--zfr164b.", NULL};
	static const struct cf_prot gov = {CF_P_DOMAIN, "gov.cn", "suffix",
					   NULL,	NULL,	  "gov",
					   "cn",	NULL,	  NULL};
	static const struct cf_prot zw = {CF_P_DOMAIN, "政务", "suffix",
					  NULL,	       NULL,   "xn--zfr164b",
					  "",	       NULL,   NULL};
	char d[DOMAIN_MAX + 2];
	size_t regoff;

	/* with a leading dot, so a name may start with the suffix */
	if (str_fmt(d, sizeof(d), ".%s", a) < 0)
		return;
	regoff = strlen(d) - strlen(reg);
	for (int k = 0; sfx[k] != NULL; k++) {
		const char *p = strstr(d, sfx[k]), *lbl;
		int before = h->n;
		size_t bn;

		/* only in front of the registrable domain */
		if (p == NULL || (size_t)(p - d) + strlen(sfx[k]) > regoff + 1)
			continue;
		/* the label before it, if any, is the brand it claims */
		lbl = p;
		while (lbl > d + 1 && lbl[-1] != '.')
			lbl--;
		bn = (size_t)(p - lbl);
		if (bn > 0) {
			struct tokarg t = {h, sfx[k] + 1, 1, lbl, bn};

			lookup(h->s->ix, T_BRAND, lbl, bn, on_token_brand, &t);
		}
		if (h->n == before) {
			hit(h, k == 0 ? &gov : &zw, "gov-suffix", 75,
			    "'%s' is written inside a name under another "
			    "suffix ('%s')",
			    k == 0 ? "gov.cn" : "政务", reg);
			continue;
		}
		for (int i = before; i < h->n; i++) {
			h->out[i].score = 95;
			str_copy(h->out[i].cls, "gov-suffix",
				 sizeof(h->out[i].cls));
			snprintf(h->out[i].reason, sizeof(h->out[i].reason),
				 "%s written in front of another domain "
				 "('%s')",
				 h->out[i].p->text, reg);
		}
	}
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct cf_hit *x = a, *y = b;

	if (x->score != y->score)
		return y->score - x->score;
	return strcmp(x->p->text, y->p->text);
}

static int
genuine_has(const struct cf_set *s, const char *prefix, const char *a,
	    const char *b)
{
	char k[1024];

	long long v;

	if (str_fmt(k, sizeof(k), "%s%s%s%s", prefix, a, b ? "|" : "",
		    b ? b : "") < 0)
		return 0;
	return map_get(&s->genuine, k, &v) == 0;
}

int
cf_match_domain(const struct cf_set *s, const char *name, struct cf_hit *out,
		int max, char *norm, size_t n)
{
	struct hits h;
	char a[DOMAIN_MAX + 2], lab[DOMAIN_MAX];
	const char *reg, *dot;
	char regbuf[DOMAIN_MAX];

	memset(&h, 0, sizeof(h));
	h.s = s;
	h.out = out;
	h.max = max;
	if (strlen(name) > 1024)
		return -1;
	pthread_once(&psl_once, psl_init);
	if (ascii_host(name, a, sizeof(a)) == 0) {
		/* A-labels are taken as they are (even those IDNA2008 would
		 * refuse: a feed may hold them, a reader still sees them) */
		reg = psl_registrable_domain(psl, a);
		if (reg == NULL || str_copy(regbuf, reg, sizeof(regbuf)) < 0)
			return -1;
	} else {
		struct domain_info di;

		if (domain_parse(name, &di, NULL) < 0)
			return -1;
		str_copy(a, di.alabel, sizeof(a));
		str_copy(regbuf, di.registrable, sizeof(regbuf));
	}
	reg = regbuf;
	/* an address is not a name */
	{
		const char *last = strrchr(reg, '.');

		last = last != NULL ? last + 1 : reg;
		if (strspn(last, "0123456789") == strlen(last))
			return -1;
	}
	if (norm != NULL)
		str_copy(norm, a, n);
	if (genuine_has(s, "d:", reg, NULL))
		return 0;
	/* the registrable label, its suffix and the labels before it */
	dot = strchr(reg, '.');
	if (dot == NULL)
		return -1;
	h.vsuffix = dot + 1;
	memcpy(lab, reg, (size_t)(dot - reg));
	lab[dot - reg] = '\0';
	gov_inside(&h, a, reg);
	if (str_starts(lab, "xn--")) {
		char *u = NULL, key[CF_NAME_MAX], asc[CF_NAME_MAX];

		if (idn2_to_unicode_8z8z(lab, &u, 0) == IDN2_OK &&
		    str_utf8_valid(u, strlen(u))) {
			if (ecert_name_key(u, key, sizeof(key), NULL) == 0 &&
			    key[0] != '\0') {
				struct namearg na = {&h, key, strlen(key), u,
						     0,	 0,   NULL,	   0};

				lookup(s->ix, T_BRAND, key, na.kn, on_idn_name,
				       &na);
				lookup(s->ix, T_NAME, key, na.kn, on_idn_name,
				       &na);
				na.near = 1;
				lookup(s->ix, T_NAMEDEL, key, na.kn,
				       on_idn_name, &na);
				for (size_t i = 0; i < na.kn;) {
					char d[CF_NAME_MAX];
					size_t l1 = utf8_next(key + i);

					memcpy(d, key, i);
					memcpy(d + i, key + i + l1,
					       na.kn - i - l1);
					lookup(s->ix, T_NAME, d, na.kn - l1,
					       on_idn_name, &na);
					lookup(s->ix, T_NAMEDEL, d, na.kn - l1,
					       on_idn_name, &na);
					i += l1;
				}
			}
			if (idn_ascii(u, asc, sizeof(asc)) == 0)
				view(&h, asc, strlen(asc), 0, "homoglyph");
		}
		free(u);
	} else {
		view(&h, lab, strlen(lab), 0, NULL);
	}
	/* the brand joined to the first label of a suffix of two or more
	 * (rao.he.cn for raohe.cn: he.cn is a public suffix) */
	if (strchr(h.vsuffix, '.') != NULL && !str_starts(lab, "xn--")) {
		char j[DOMAIN_MAX];
		size_t sl = strcspn(h.vsuffix, ".");
		const char *keep = h.vsuffix;

		if (str_fmt(j, sizeof(j), "%s%.*s", lab, (int)sl, h.vsuffix) >
			0 &&
		    strlen(j) < 64) {
			h.vsuffix = keep + sl + 1;
			h.view = j;
			h.vlen = strlen(j);
			h.subdomain = 1;
			lookup(s->ix, T_BRAND, j, h.vlen, on_exact, &h);
			h.vsuffix = keep;
		}
	}
	/* labels in front joined to the brand (subdomain) */
	if (strlen(a) > strlen(reg) && !str_starts(lab, "xn--")) {
		char j[DOMAIN_MAX];
		size_t o = 0, end = strlen(a) - strlen(dot);

		for (size_t i = 0; i < end && o + 1 < sizeof(j); i++)
			if (a[i] != '.')
				j[o++] = a[i];
		j[o] = '\0';
		if (o < 64 && !str_starts(a, "www."))
			view(&h, j, o, 1, NULL);
	}
	qsort(out, (size_t)h.n, sizeof(*out), hit_cmp);
	return h.n;
}

/* ---- apps and accounts ---- */

static void
on_name(void *arg, uint32_t item)
{
	struct namearg *na = arg;
	const struct cf_prot *p = &na->h->s->items[item];
	const struct cf_listing *l = na->l;
	size_t bn = strlen(p->brand);
	int score;
	const char *plat = l->platform ? l->platform : "";

	if (p->kind != CF_P_NAME)
		return;
	if (!na->near && !na->inside &&
	    (bn != na->kn || memcmp(p->brand, na->key, bn) != 0))
		return;
	if (na->inside && str_utf8_len(p->brand) < 4)
		return;
	score = na->near ? 75 : na->inside ? 70 : 85;
	/* a region's name with a government word is a weaker claim than a
	 * registered name */
	if (!strcmp(p->what, "region name"))
		score -= 5;
	if (na->account) {
		if (p->platform != NULL && strcmp(p->what, "account") == 0)
			hit(na->h, p, "account", score,
			    "account '%s' on '%s' bears the name of %s, "
			    "registered by its unit on '%s' only",
			    na->shown, plat, p->text, p->platform);
		else
			hit(na->h, p, "account", score,
			    "account '%s' on '%s' bears the %s %s, whose unit "
			    "registered no such account there",
			    na->shown, plat, p->what, p->text);
	} else {
		hit(na->h, p, "app-name", score,
		    "app '%s' (package '%s') bears the %s %s but is not a "
		    "registered package and certificate of it",
		    na->shown, l->package ? l->package : "", p->what, p->text);
	}
}

/* Name lookups: exact, one character off, and protected names inside. */
static void
names(struct hits *h, const char *shown, const struct cf_listing *l,
      int account)
{
	char key[CF_NAME_MAX], trunc[CF_NAME_MAX];
	struct namearg na = {h, key, 0, shown, 0, 0, l, account};
	size_t kn;

	if (shown == NULL || shown[0] == '\0')
		return;
	/* keys are made of at most 64 characters */
	str_copy(trunc, shown, sizeof(trunc));
	if (!str_utf8_valid(trunc, strlen(trunc)))
		return;
	while (str_utf8_len(trunc) > 64) {
		size_t e = strlen(trunc);

		while (e > 0 && ((unsigned char)trunc[e - 1] & 0xc0) == 0x80)
			e--;
		trunc[e > 0 ? e - 1 : 0] = '\0';
	}
	if (ecert_name_key(trunc, key, sizeof(key), NULL) < 0 || key[0] == '\0')
		return;
	kn = na.kn = strlen(key);
	if (account && l->platform != NULL) {
		char pl[128];

		str_copy(pl, l->platform, sizeof(pl));
		for (char *c = pl; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (genuine_has(h->s, "c:", pl, key))
			return;
	}
	lookup(h->s->ix, T_NAME, key, kn, on_name, &na);
	na.near = 1;
	lookup(h->s->ix, T_NAMEDEL, key, kn, on_name, &na);
	for (size_t i = 0; i < kn;) {
		char buf[CF_NAME_MAX];
		size_t l1 = utf8_next(key + i);

		memcpy(buf, key, i);
		memcpy(buf + i, key + i + l1, kn - i - l1);
		lookup(h->s->ix, T_NAME, buf, kn - l1, on_name, &na);
		if (str_utf8_len(key) >= 4)
			lookup(h->s->ix, T_NAMEDEL, buf, kn - l1, on_name, &na);
		i += l1;
	}
	na.near = 0;
	na.inside = 1;
	for (size_t i = 0; i < kn; i += utf8_next(key + i))
		for (size_t len = 1; i + len <= kn && len < CF_NAME_MAX; len++)
			if (h->s->ix->lens[len] && len < kn &&
			    (i + len == kn ||
			     ((unsigned char)key[i + len] & 0xc0) != 0x80))
				lookup(h->s->ix, T_NAME, key + i, len, on_name,
				       &na);
}

static void
on_pkg(void *arg, uint32_t item)
{
	struct namearg *na = arg;
	const struct cf_prot *p = &na->h->s->items[item];

	if (p->kind != CF_P_APP || strcmp(p->package, na->key) != 0)
		return;
	hit(na->h, p, "app-cert", 95,
	    "package '%s' is registered to %s but this one is signed by "
	    "another certificate (%s)",
	    p->package, p->app ? p->app : p->text,
	    na->l->cert && na->l->cert[0] ? na->l->cert : "none given");
}

int
cf_match_app(const struct cf_set *s, const struct cf_listing *l,
	     struct cf_hit *out, int max)
{
	struct hits h;
	char c[80] = "";

	memset(&h, 0, sizeof(h));
	h.s = s;
	h.out = out;
	h.max = max;
	if (l->cert != NULL) {
		size_t o = 0;

		for (const char *p = l->cert; *p && o + 1 < sizeof(c); p++)
			if (*p != ':')
				c[o++] = (char)tolower((unsigned char)*p);
		c[o] = '\0';
	}
	if (l->package != NULL && l->package[0] != '\0') {
		if (genuine_has(s, "a:", l->package, c))
			return 0;
		if (genuine_has(s, "p:", l->package, NULL)) {
			struct namearg na = {
			    &h, l->package, strlen(l->package), l->name, 0, 0,
			    l,	0};

			lookup(s->ix, T_PKG, l->package, strlen(l->package),
			       on_pkg, &na);
		}
	}
	names(&h, l->name, l, 0);
	if (l->developer != NULL) {
		int before = h.n;

		names(&h, l->developer, l, 0);
		for (int i = before; i < h.n; i++) {
			str_copy(h.out[i].cls, "app-developer",
				 sizeof(h.out[i].cls));
			snprintf(h.out[i].reason, sizeof(h.out[i].reason),
				 "app '%s' is published by '%s', which bears "
				 "the %s %s",
				 l->name ? l->name : "", l->developer,
				 h.out[i].p->what, h.out[i].p->text);
		}
	}
	qsort(out, (size_t)h.n, sizeof(*out), hit_cmp);
	return h.n;
}

int
cf_match_account(const struct cf_set *s, const struct cf_listing *l,
		 struct cf_hit *out, int max)
{
	struct hits h;

	memset(&h, 0, sizeof(h));
	h.s = s;
	h.out = out;
	h.max = max;
	names(&h, l->name, l, 1);
	if (l->owner != NULL && h.n == 0) {
		names(&h, l->owner, l, 1);
		for (int i = 0; i < h.n; i++)
			snprintf(h.out[i].reason, sizeof(h.out[i].reason),
				 "account '%s' on '%s' is owned by '%s', "
				 "which bears the %s %s",
				 l->name ? l->name : "",
				 l->platform ? l->platform : "", l->owner,
				 h.out[i].p->what, h.out[i].p->text);
	}
	qsort(out, (size_t)h.n, sizeof(*out), hit_cmp);
	return h.n;
}
