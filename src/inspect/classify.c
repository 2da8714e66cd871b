/*
 * classify.c: what fetched content says about a link (LINK-4): parked or
 * for-sale pages and gambling or pornographic content by editable keyword
 * lists (data/inspect/ text files, Chinese and English terms), also on the
 * site's own pages (tampering), the kind of a column (GOVWEB-2: news or
 * notices/policies) by its name, and a simhash content fingerprint. Reads
 * untrusted page text.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inspect/inspect.h"

#define W_TERMS	  2000
#define W_TERMLEN 128
#define W_SCAN	  (256u << 10)
#define W_HASH	  4096 /* buckets of the first three bytes of a term */
#define W_NAME	  4096 /* bytes of a column name looked at */

enum { W_PARKED, W_GAMBLING, W_PORN, W_GOVHOSTS, W_NEWS, W_NOTICES, W__N };
static const char *const w_files[W__N] = {
    "parked.txt",	    "gambling.txt",	"porn.txt",
    "government-hosts.txt", "columns-news.txt", "columns-notices.txt"};
static const char *const w_reasons[W__N] = {
    "parked_domain", "gambling_content", "porn_content", NULL, NULL, NULL};
/* distinct terms needed before a page is called so */
static const int w_need[W__N] = {1, 3, 3, 0, 0, 0};

struct insp_words {
	char *terms[W__N][W_TERMS];
	int n[W__N];
	/* content terms (parked, gambling, porn) of three bytes or more by
	 * the hash of those bytes: id = list * W_TERMS + index, chained */
	int head[W_HASH];
	int next[W__N * W_TERMS];
	int nshort; /* content terms shorter than three bytes */
	/* the first two bytes of those chained terms, a bit per pair: where
	 * none starts, the text is passed over without hashing */
	unsigned char pair[65536 / 8];
	/* text bytes as the lists were lowered (ASCII only, the C locale),
	 * NUL read as a space */
	unsigned char lower[256];
};

static unsigned
w_hash(const unsigned char *p)
{
	return ((unsigned)p[0] * 961u + (unsigned)p[1] * 31u + p[2]) &
	       (W_HASH - 1);
}

static int
load_list(struct insp_words *w, int k, const char *path, struct err *e)
{
	struct buf b = BUF_INIT(1 << 20);
	const char *p;

	if (buf_read_file(&b, path, e) < 0)
		return -1;
	p = b.data ? b.data : "";
	while (*p != '\0') {
		size_t n = strcspn(p, "\r\n");
		const char *s = p;

		p += n;
		while (*p == '\r' || *p == '\n')
			p++;
		while (n > 0 && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		while (n > 0 && isspace((unsigned char)s[n - 1]))
			n--;
		if (n == 0 || *s == '#')
			continue;
		if (n >= W_TERMLEN || w->n[k] >= W_TERMS) {
			err_set(e, "'%s': term too long or too many terms",
				path);
			buf_cleanup(&b);
			return -1;
		}
		w->terms[k][w->n[k]] = xmalloc(n + 1);
		for (size_t i = 0; i < n; i++)
			w->terms[k][w->n[k]][i] =
			    (char)tolower((unsigned char)s[i]);
		w->terms[k][w->n[k]++][n] = '\0';
	}
	buf_cleanup(&b);
	return 0;
}

struct insp_words *
words_load(const char *dir, struct err *e)
{
	struct insp_words *w = xcalloc(1, sizeof(*w));

	for (int k = 0; k < W__N; k++) {
		char path[4096];

		if (str_fmt(path, sizeof(path), "%s/%s", dir, w_files[k]) < 0 ||
		    load_list(w, k, path, e) < 0) {
			words_free(w);
			return NULL;
		}
	}
	for (int i = 0; i < W_HASH; i++)
		w->head[i] = -1;
	for (int ch = 0; ch < 256; ch++)
		w->lower[ch] =
		    (unsigned char)(ch == '\0'		     ? ' '
				    : ch >= 'A' && ch <= 'Z' ? ch | 0x20
							     : ch);
	for (int k = W_PARKED; k <= W_PORN; k++)
		for (int i = 0; i < w->n[k]; i++) {
			const unsigned char *t =
			    (const unsigned char *)w->terms[k][i];
			int id = k * W_TERMS + i;

			if (strlen(w->terms[k][i]) < 3) {
				w->nshort++;
				continue;
			}
			w->next[id] = w->head[w_hash(t)];
			w->head[w_hash(t)] = id;
			w->pair[((unsigned)t[0] << 8 | t[1]) >> 3] |=
			    (unsigned char)(1u << (t[1] & 7));
		}
	return w;
}

void
words_free(struct insp_words *w)
{
	if (w == NULL)
		return;
	for (int k = 0; k < W__N; k++)
		for (int i = 0; i < w->n[k]; i++)
			free(w->terms[k][i]);
	free(w);
}

/*
 * Counts the distinct content terms of each list in text (at most W_SCAN
 * bytes, compared in lower case) into hits[W_PARKED..W_PORN], in one pass
 * over the text whatever the number of terms.
 */
static void
scan(const struct insp_words *w, const char *text, size_t n, int hits[W__N])
{
	unsigned char seen[(W__N * W_TERMS + 7) / 8];
	unsigned char *low;

	memset(seen, 0, sizeof(seen));
	for (int k = 0; k < W__N; k++)
		hits[k] = 0;
	if (n > W_SCAN)
		n = W_SCAN;
	low = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		low[i] = w->lower[(unsigned char)text[i]];
	low[n] = '\0';
	for (size_t i = 0; i + 3 <= n; i++) {
		unsigned pr = (unsigned)low[i] << 8 | low[i + 1];

		if (!(w->pair[pr >> 3] & (1u << (pr & 7))))
			continue;
		for (int id = w->head[w_hash(low + i)]; id >= 0;
		     id = w->next[id]) {
			const char *t = w->terms[id / W_TERMS][id % W_TERMS];
			size_t k = strlen(t);

			if (seen[id / 8] & (1u << (id % 8)) || k > n - i ||
			    memcmp(low + i, t, k) != 0)
				continue;
			seen[id / 8] |= (unsigned char)(1u << (id % 8));
			hits[id / W_TERMS]++;
		}
	}
	for (int k = W_PARKED; k <= W_PORN && w->nshort > 0; k++)
		for (int i = 0; i < w->n[k]; i++)
			if (strlen(w->terms[k][i]) < 3 &&
			    strstr((char *)low, w->terms[k][i]) != NULL)
				hits[k]++;
	free(low);
}

/*
 * The first list of order[0..norder) with at least need distinct terms in
 * text, *hits set to how many; -1 (*hits 0) when none.
 */
static int
decide(const struct insp_words *w, const char *text, size_t n, const int *order,
       int norder, int need, int *hits)
{
	int h[W__N];

	*hits = 0;
	if (w == NULL || n == 0)
		return -1;
	scan(w, text, n, h);
	for (int i = 0; i < norder; i++)
		if (h[order[i]] >= (need > 0 ? need : w_need[order[i]])) {
			*hits = h[order[i]];
			return order[i];
		}
	return -1;
}

const char *
words_classify(const struct insp_words *w, const char *text, size_t n,
	       int *hits)
{
	/* gambling and porn outrank parking: a parked page selling the
	 * domain is less harmful than one turned into a casino */
	static const int order[] = {W_PORN, W_GAMBLING, W_PARKED};
	int k = decide(w, text, n, order, 3, 0, hits);

	return k >= 0 ? w_reasons[k] : NULL;
}

const char *
words_tampered(const struct insp_words *w, const char *text, size_t n,
	       int *hits)
{
	static const int order[] = {W_PORN, W_GAMBLING};
	int k = decide(w, text, n, order, 2, WORDS_OWN_NEED, hits);

	return k == W_PORN	 ? "pornography"
	       : k == W_GAMBLING ? "gambling"
				 : NULL;
}

const char *
words_page_tampered(const struct insp_words *w, const struct xpage *p,
		    int *hits)
{
	const char *text = p->text.data ? p->text.data : "", *what;
	size_t n = p->text.len;
	struct buf all = BUF_INIT(strlen(p->meta) + p->text.len + 2);

	if (p->meta[0] != '\0') {
		/* meta first: words_tampered looks at the first 256 KiB */
		buf_addstr(&all, p->meta);
		buf_addch(&all, '\n');
		buf_add(&all, text, n);
		text = all.data;
		n = all.len;
	}
	what = words_tampered(w, text, n, hits);
	buf_cleanup(&all);
	return what;
}

const char *
words_column(const struct insp_words *w, const char *name)
{
	static const char *const kinds[] = {"news", "notice"};
	const char *best = NULL, *kind = NULL;
	char low[W_NAME + 1];
	size_t n;

	if (w == NULL || name == NULL)
		return NULL;
	n = strlen(name);
	if (n > W_NAME)
		n = W_NAME;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[n] = '\0';
	/* the term that comes first names the kind: 通知公告 is a notice
	 * column, 新闻公告 a news column */
	for (int k = W_NEWS; k <= W_NOTICES; k++)
		for (int i = 0; i < w->n[k]; i++) {
			const char *p = strstr(low, w->terms[k][i]);

			if (p != NULL && (best == NULL || p < best)) {
				best = p;
				kind = kinds[k - W_NEWS];
			}
		}
	return kind;
}

int
words_government(const struct insp_words *w, const char *host)
{
	size_t n = strlen(host);

	if (w == NULL)
		return 0;
	for (int i = 0; i < w->n[W_GOVHOSTS]; i++) {
		const char *t = w->terms[W_GOVHOSTS][i];
		size_t k = strlen(t);

		if (n == k ? strcasecmp(host, t) == 0
			   : n > k && host[n - k - 1] == '.' &&
				 strcasecmp(host + n - k, t) == 0)
			return 1;
	}
	return 0;
}

uint64_t
simhash(const char *text, size_t n)
{
	int v[64] = {0};
	uint64_t out = 0;
	uint32_t win = 0;
	size_t got = 0;

	if (n > W_SCAN)
		n = W_SCAN;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		uint64_t h;

		if (isspace(c))
			continue;
		win = (win << 8) | c;
		if (++got < 4)
			continue;
		/* splitmix64 of the 4-gram */
		h = win + 0x9e3779b97f4a7c15ull;
		h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
		h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
		h ^= h >> 31;
		for (int b = 0; b < 64; b++)
			v[b] += (h >> b) & 1 ? 1 : -1;
	}
	for (int b = 0; b < 64; b++)
		if (v[b] > 0)
			out |= 1ull << b;
	return out;
}

int
simhash_distance(uint64_t a, uint64_t b)
{
	return __builtin_popcountll(a ^ b);
}
