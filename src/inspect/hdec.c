/*
 * hdec.c: the bytes of an untrusted page to UTF-8 for the tokenizer
 * (htok.c), fed in chunks cut anywhere. The charset: the one given (from
 * Content-Type); else a byte-order mark, a meta charset in the first 64
 * KiB, UTF-8 if those bytes are UTF-8, else GB18030 (the HTML Standard's
 * default for a Chinese locale): the first 64 KiB are held until known,
 * so the choice does not depend on the cuts. GBK and GB2312 are read as
 * GB18030, ISO-8859-1 and ASCII as windows-1252, as the Standard says;
 * stateless charsets only (iconv), others as UTF-8. A bad byte becomes
 * U+FFFD (each maximal bad part of UTF-8, as the Standard's decoder); a
 * sequence cut by a chunk's end waits for the next chunk. Bounded: 64 KiB
 * held, 16 KiB decoded at once.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

#define HDEC_HEAD (64u << 10) /* first bytes, with no charset given */
#define HDEC_CONV (16u << 10) /* bytes decoded at once */

struct hdec {
	void (*out)(void *arg, const char *s, size_t n);
	void *arg;
	char charset[64];      /* given, or "" */
	int started;	       /* the decoder is chosen */
	struct buf head;       /* HDEC_HEAD: the first bytes, not decoded yet */
	iconv_t cd;	       /* a decoder to UTF-8, or (iconv_t)-1: UTF-8 */
	struct buf in;	       /* a cut sequence iconv has not taken yet */
	unsigned char pend[4]; /* a UTF-8 sequence cut by a chunk's end */
	size_t npend, need;
	unsigned char lo, hi; /* its second byte's range */
};

/* The charset named in the first meta element that names one, into cs. */
static int
meta_charset(const char *p, size_t n, char *cs, size_t size)
{
	const char *end = p + n;

	for (const char *m = p; (m = memchr(m, '<', (size_t)(end - m))); m++) {
		const char *gt, *c;
		size_t k;

		if (end - m < 6 || strncasecmp(m + 1, "meta", 4) != 0 ||
		    !(isspace((unsigned char)m[5]) || m[5] == '/'))
			continue;
		gt = memchr(m, '>', (size_t)(end - m));
		if (gt == NULL)
			return -1;
		for (c = m; c + 7 <= gt; c++)
			if (strncasecmp(c, "charset", 7) == 0)
				break;
		if (c + 7 > gt)
			continue;
		c += 7;
		while (c < gt && isspace((unsigned char)*c))
			c++;
		if (c >= gt || *c != '=')
			continue;
		c++;
		while (c < gt &&
		       (isspace((unsigned char)*c) || *c == '"' || *c == '\''))
			c++;
		for (k = 0; c + k < gt && k + 1 < size &&
			    (isalnum((unsigned char)c[k]) ||
			     strchr("-_.:", c[k]) != NULL);
		     k++)
			cs[k] = c[k];
		cs[k] = '\0';
		if (k > 0)
			return 0;
	}
	return -1;
}

/* The length of UTF-8 sequence lead c (0: not one) and its second
 * byte's range. */
static size_t
utf8_lead(unsigned c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
		return 4;
	}
	return 0;
}

/* 1 if p (n bytes) is UTF-8, but for a sequence cut by its end. */
static int
utf8_valid(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;

	for (size_t i = 0; i < n;) {
		unsigned char lo, hi;
		size_t len;

		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((len = utf8_lead(u[i], &lo, &hi)) == 0)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if (i + k >= n)
				return 1;
			if (u[i + k] < (k == 1 ? lo : 0x80) ||
			    u[i + k] > (k == 1 ? hi : 0xbf))
				return 0;
		}
		i += len;
	}
	return 1;
}

static const char fffd[] = "\xef\xbf\xbd";

/* UTF-8 to the tokenizer, a bad sequence (each maximal part) as U+FFFD. */
static void
utf8_feed(struct hdec *d, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, from;

	while (d->npend > 0 && i < n) {
		unsigned char b = u[i];

		if (d->npend < sizeof(d->pend) &&
		    b >= (d->npend == 1 ? d->lo : 0x80) &&
		    b <= (d->npend == 1 ? d->hi : 0xbf)) {
			d->pend[d->npend++] = b;
			i++;
			if (d->npend == d->need) {
				d->out(d->arg, (const char *)d->pend, d->npend);
				d->npend = 0;
			}
		} else {
			d->out(d->arg, fffd, 3);
			d->npend = 0;
		}
	}
	from = i;
	while (i < n) {
		unsigned char lo, hi;
		size_t len, k;

		/* ASCII, eight bytes at a time */
		while (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, u + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		while (i < n && u[i] < 0x80)
			i++;
		if (i >= n)
			break;
		len = utf8_lead(u[i], &lo, &hi);
		for (k = 1; k < len && i + k < n; k++)
			if (u[i + k] < (k == 1 ? lo : 0x80) ||
			    u[i + k] > (k == 1 ? hi : 0xbf))
				break;
		if (len > 0 && k == len) {
			i += len;
			continue;
		}
		d->out(d->arg, s + from, i - from);
		if (len > 0 && i + k == n) {
			/* cut by the chunk's end: finished by the next */
			memcpy(d->pend, u + i, k);
			d->npend = k;
			d->need = len;
			d->lo = lo;
			d->hi = hi;
			i = from = n;
			break;
		}
		d->out(d->arg, fffd, 3);
		i += len > 0 ? k : 1;
		from = i;
	}
	d->out(d->arg, s + from, n - from);
}

/* Converts *in (*left bytes) to UTF-8 for the tokenizer, a bad byte as
 * U+FFFD; stops at a sequence cut by the end, unless end. */
static void
conv_run(struct hdec *d, char **in, size_t *left, int end)
{
	char out[HDEC_CONV];

	while (*left > 0) {
		char *o = out;
		size_t oleft = sizeof(out);
		size_t r = iconv(d->cd, in, left, &o, &oleft);
		int err = r == (size_t)-1 ? errno : 0;

		d->out(d->arg, out, sizeof(out) - oleft);
		if (err == 0 || err == E2BIG)
			continue;
		if (err == EINVAL && !end)
			return;
		d->out(d->arg, fffd, 3);
		(*in)++;
		(*left)--;
	}
}

/*
 * Bytes in the page's charset to UTF-8 and on to the tokenizer. A
 * sequence cut by a chunk's end waits in d->in and is finished a byte at
 * a time from the next chunk; with end, what is left goes as U+FFFD.
 */
static void
conv_feed(struct hdec *d, const char *s, size_t n, int end)
{
	char *p;
	size_t left;

	while (d->in.len > 0 && (n > 0 || end)) {
		if (n > 0) {
			buf_addch(&d->in, *s++);
			n--;
		}
		p = d->in.data;
		left = d->in.len;
		conv_run(d, &p, &left, end && n == 0);
		memmove(d->in.data, p, left);
		d->in.len = left;
		if (n == 0)
			break;
	}
	if (n > 0) {
		memcpy(&p, &s, sizeof(p)); /* iconv does not write it */
		left = n;
		conv_run(d, &p, &left, end);
		if (left > 0)
			buf_add(&d->in, p, left);
	}
}

static void
decode(struct hdec *d, const char *s, size_t n)
{
	if (d->cd != (iconv_t)-1)
		conv_feed(d, s, n, 0);
	else
		utf8_feed(d, s, n);
}

/* The decoder for charset cs; UTF-8 for one iconv does not know. */
static void
use_charset(struct hdec *d, const char *cs)
{
	static const struct {
		const char *name, *as;
	} alias[] = {{"gb2312", "GB18030"},	     {"gbk", "GB18030"},
		     {"x-gbk", "GB18030"},	     {"gb_2312-80", "GB18030"},
		     {"iso-8859-1", "WINDOWS-1252"}, {"latin1", "WINDOWS-1252"},
		     {"us-ascii", "WINDOWS-1252"},   {"ascii", "WINDOWS-1252"}};

	/* stateless single and multi-byte charsets only: no UTF-7 or
	 * ISO-2022 (the Standard reads those as errors too) */
	static const char *const known[] = {
	    "GB18030", "big5",	   "big5-hkscs", "shift_jis", "sjis",
	    "euc-jp",  "euc-kr",   "koi8-r",	 "koi8-u",    "windows-874",
	    "tis-620", "utf-16le", "utf-16be"};
	int ok = 0;

	d->cd = (iconv_t)-1;
	if (strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(alias); i++)
		if (strcasecmp(cs, alias[i].name) == 0)
			cs = alias[i].as;
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		ok |= strcasecmp(cs, known[i]) == 0;
	ok |= strncasecmp(cs, "iso-8859-", 9) == 0 ||
	      strncasecmp(cs, "windows-125", 11) == 0 ||
	      strncasecmp(cs, "cp125", 5) == 0;
	if (ok)
		d->cd = iconv_open("UTF-8", cs);
}

/*
 * Chooses the decoder once the first bytes are known: with a charset
 * given, at once; else from the first HDEC_HEAD bytes (or the whole page,
 * with end). Consumes what it takes of *data and *n; 0 when chosen, -1
 * while the first bytes are kept.
 */
static int
choose(struct hdec *d, const char **data, size_t *n, int end)
{
	size_t k;
	const char *h;
	char cs[64];

	if (d->charset[0] == '\0') {
		k = HDEC_HEAD - d->head.len;
		if (k > *n)
			k = *n;
		if (k > 0 && buf_add(&d->head, *data, k) == 0) {
			*data += k;
			*n -= k;
		}
		if (d->head.len < HDEC_HEAD && !end)
			return -1;
	}
	d->started = 1;
	h = d->head.data ? d->head.data : "";
	k = d->head.len;
	if (d->charset[0] != '\0') {
		use_charset(d, d->charset);
	} else if (k >= 3 && memcmp(h, "\xef\xbb\xbf", 3) == 0) {
		d->cd = (iconv_t)-1;
		h += 3;
		k -= 3;
	} else if (k >= 2 && (memcmp(h, "\xfe\xff", 2) == 0 ||
			      memcmp(h, "\xff\xfe", 2) == 0)) {
		d->cd = iconv_open("UTF-8",
				   h[0] == '\xfe' ? "UTF-16BE" : "UTF-16LE");
		h += 2;
		k -= 2;
	} else if (meta_charset(h, k, cs, sizeof(cs)) == 0) {
		use_charset(d, cs);
	} else {
		use_charset(d, utf8_valid(h, k) ? "utf-8" : "GB18030");
	}
	if (k > 0)
		decode(d, h, k);
	buf_cleanup(&d->head);
	return 0;
}

struct hdec *
hdec_new(const char *charset, void (*out)(void *arg, const char *s, size_t n),
	 void *arg)
{
	struct hdec *d = xcalloc(1, sizeof(*d));

	d->out = out;
	d->arg = arg;
	d->cd = (iconv_t)-1;
	buf_init(&d->head, HDEC_HEAD);
	buf_init(&d->in, 64);
	/* a name longer than any encoding's is not one */
	if (charset != NULL &&
	    str_copy(d->charset, charset, sizeof(d->charset)) < 0)
		d->charset[0] = '\0';
	return d;
}

void
hdec_feed(struct hdec *d, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (!d->started && choose(d, &s, &n, 0) < 0)
		return;
	if (n > 0)
		decode(d, s, n);
}

void
hdec_end(struct hdec *d)
{
	const char *s = NULL;
	size_t n = 0;

	if (!d->started)
		(void)choose(d, &s, &n, 1);
	/* a sequence cut by the end of the page */
	if (d->cd != (iconv_t)-1) {
		conv_feed(d, NULL, 0, 1);
	} else if (d->npend > 0) {
		d->out(d->arg, fffd, 3);
		d->npend = 0;
	}
}

void
hdec_free(struct hdec *d)
{
	if (d == NULL)
		return;
	if (d->cd != (iconv_t)-1)
		iconv_close(d->cd);
	buf_cleanup(&d->head);
	buf_cleanup(&d->in);
	free(d);
}
