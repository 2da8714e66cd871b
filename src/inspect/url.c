/*
 * url.c: URL resolution and parts over libcurl's URL API (RFC 3986
 * resolution, IDN hosts to A-labels). Inputs are untrusted page text;
 * anything that is not an http(s) URL of bounded length is refused.
 * Resolution first tries a fast path by concatenation for plain links
 * against a plain base (what libcurl would produce, byte for byte, proved
 * by a differential unit test); anything unusual goes to libcurl.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "inspect/inspect.h"
#include "registry/registry.h"

#define URL_MAX 8192

static CURLU *
parse(const char *url)
{
	CURLU *h = curl_url();

	if (h == NULL)
		return NULL;
	if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK) {
		curl_url_cleanup(h);
		return NULL;
	}
	return h;
}

/* Longest URL the fast path builds; longer ones go to libcurl. */
#define FAST_MAX 4096

/*
 * Length of a canonical authority at s: a lower-case host of LDH labels
 * (or a dotted quad without leading zeros when the last label starts with
 * a digit, as libcurl rewrites other IPv4 forms) and an optional port
 * 1-65535 without leading zeros, ending at '/', '?', '#' or the end; 0 if
 * anything else (userinfo, IPv6, upper case, IDN, "%", "_", empty labels).
 */
static size_t
fast_authority(const char *s)
{
	size_t i = 0, label = 0, labels = 0, last = 0;

	for (;; i++) {
		char ch = s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-') {
			if (label == 0)
				last = i;
			if (++label > 63 || i >= 253)
				return 0;
			continue;
		}
		if (label == 0 || s[i - 1] == '-' || s[last] == '-')
			return 0;
		labels++;
		label = 0;
		if (ch != '.')
			break;
	}
	if (s[last] >= '0' && s[last] <= '9') {
		/* must be a dotted quad libcurl keeps as it is */
		const char *q = s;

		if (labels != 4)
			return 0;
		for (int k = 0; k < 4; k++) {
			long v = 0;
			size_t d = 0;

			while (q[d] >= '0' && q[d] <= '9' && d < 4)
				v = v * 10 + (q[d++] - '0');
			if (d == 0 || d > 3 || v > 255 ||
			    (d > 1 && q[0] == '0') ||
			    (k < 3 ? q[d] != '.' : q + d != s + i))
				return 0;
			q += d + 1;
		}
	}
	if (s[i] == ':') {
		long v = 0;
		size_t d = 0;

		i++;
		while (s[i + d] >= '0' && s[i + d] <= '9' && d < 6)
			v = v * 10 + (s[i + d++] - '0');
		if (d == 0 || d > 5 || s[i] == '0' || v > 65535)
			return 0;
		i += d;
	}
	if (s[i] != '\0' && s[i] != '/' && s[i] != '?' && s[i] != '#')
		return 0;
	return i;
}

/* 1 for the bytes libcurl passes through unchanged in a path, query or
 * fragment: unreserved, sub-delims, ':', '@', '/' ('?', '#' and '%' are
 * dealt with by the caller). */
static int
fast_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') ||
	       (ch != '\0' && strchr("-._~!$&'()*+,;=:@/", ch) != NULL);
}

/*
 * Checks the path, query and fragment s[0..n): plain bytes, "%XX" (not an
 * encoded dot), no "." or ".." segment in the path, no empty query or
 * fragment, no second '#'. *path gets the offset of the end of the path,
 * *query that of the end of the query. 0 if plain, -1 if not.
 */
static int
fast_tail(const char *s, size_t n, size_t *path, size_t *query)
{
	size_t i, seg = 0;
	int part = 0; /* 0 path, 1 query, 2 fragment */

	*path = *query = n;
	for (i = 0; i <= n; i++) {
		char ch = i < n ? s[i] : '\0';

		if (part == 0 &&
		    (ch == '/' || ch == '?' || ch == '#' || ch == '\0')) {
			size_t len = i - seg;

			if ((len == 1 && s[seg] == '.') ||
			    (len == 2 && s[seg] == '.' && s[seg + 1] == '.'))
				return -1;
			seg = i + 1;
		}
		if (ch == '\0')
			break;
		if (ch == '?' && part == 0) {
			*path = i;
			part = 1;
		} else if (ch == '#' && part < 2) {
			if (part == 0)
				*path = i;
			*query = i;
			part = 2;
		} else if (ch == '%') {
			if (i + 2 >= n || hex_value(s[i + 1]) < 0 ||
			    hex_value(s[i + 2]) < 0 ||
			    (s[i + 1] == '2' && (s[i + 2] | 0x20) == 'e'))
				return -1;
			i += 2;
			continue;
		} else if (!(fast_char(ch) || (ch == '?' && part > 0))) {
			return -1;
		}
		/* an empty query or fragment: libcurl drops the separator */
		if ((ch == '?' || ch == '#') && (i + 1 == n || s[i + 1] == '#'))
			return -1;
	}
	return 0;
}

/* An absolute http(s) URL split where the fast path needs it. */
struct fast_url {
	size_t origin; /* end of "scheme://host[:port]" */
	size_t path;   /* end of the path */
	size_t query;  /* end of the query */
	size_t len;
};

/* Splits u[0..n) if it is a plain absolute http(s) URL; 0 or -1. */
static int
fast_split(const char *u, size_t n, struct fast_url *f)
{
	size_t s, a;

	if (strncmp(u, "http://", 7) == 0)
		s = 7;
	else if (strncmp(u, "https://", 8) == 0)
		s = 8;
	else
		return -1;
	if (n > FAST_MAX || (a = fast_authority(u + s)) == 0)
		return -1;
	f->origin = s + a;
	f->len = n;
	if (fast_tail(u + f->origin, n - f->origin, &f->path, &f->query) < 0)
		return -1;
	f->path += f->origin;
	f->query += f->origin;
	return 0;
}

/* Heap copy of a[0..na) followed by b[0..nb). */
static char *
fast_join(const char *a, size_t na, const char *b, size_t nb)
{
	char *out = xmalloc(na + nb + 1);

	memcpy(out, a, na);
	memcpy(out + na, b, nb);
	out[na + nb] = '\0';
	return out;
}

/*
 * The fast path of url_resolve for the cleaned ref[0..n): 1 when it has
 * decided (*out the URL, or NULL for a scheme libcurl refuses), 0 when
 * libcurl must. Takes only a base that is itself plain, without fragment.
 */
static int
fast_resolve(const char *base, const char *ref, size_t n, char **out)
{
	struct fast_url b, r;
	size_t k = strcspn(ref, ":/?#"), dir, tp, tq;
	int dots = 0;

	*out = NULL;
	if (ref[k] == ':') {
		if (strncmp(ref, "mailto:", 7) == 0 ||
		    strncmp(ref, "javascript:", 11) == 0 ||
		    strncmp(ref, "tel:", 4) == 0)
			return 1;
		if (base != NULL && (strlen(base) > FAST_MAX ||
				     fast_split(base, strlen(base), &b) < 0 ||
				     b.path == b.origin || b.query != b.len))
			return 0;
		if (fast_split(ref, n, &r) < 0)
			return 0;
		if (r.path == r.origin) {
			/* "http://host?q": libcurl adds the root path */
			*out = xmalloc(n + 2);
			memcpy(*out, ref, r.origin);
			(*out)[r.origin] = '/';
			memcpy(*out + r.origin + 1, ref + r.origin,
			       n - r.origin + 1);
		} else {
			*out = fast_join(ref, n, "", 0);
		}
		return 1;
	}
	if (base == NULL || strlen(base) > FAST_MAX ||
	    fast_split(base, strlen(base), &b) < 0 || b.path == b.origin ||
	    b.query != b.len)
		return 0;
	for (dir = b.path; base[dir - 1] != '/'; dir--)
		;
	/* leading "./" and "../": each takes a non-empty segment off the
	 * base's directory, never the root (libcurl agrees on these) */
	if (ref[0] == '.' && ref[1] == '/') {
		ref += 2;
		n -= 2;
		dots = 1;
	}
	while (ref[0] == '.' && ref[1] == '.' && ref[2] == '/') {
		size_t j = dir - 1; /* the '/' ending the directory */

		if (j == b.origin)
			return 0;
		while (base[j - 1] != '/')
			j--;
		if (j == dir - 1)
			return 0;
		dir = j;
		ref += 3;
		n -= 3;
		dots = 1;
	}
	if (n > FAST_MAX || (ref[0] == '/' && ref[1] == '/') ||
	    fast_tail(ref, n, &tp, &tq) < 0)
		return 0;
	if (dots && (ref[0] == '/' || ref[0] == '?' || ref[0] == '#'))
		return 0; /* ".//x", "./?q" and the like */
	for (size_t i = b.origin + 1; dots && i < b.path; i++)
		if (base[i] == '/' && base[i - 1] == '/')
			return 0; /* libcurl pops empty segments its way */
	if (dots)
		*out = fast_join(base, dir, ref, n);
	else if (n == 0)
		*out = fast_join(base, b.len, "", 0);
	else if (ref[0] == '/')
		*out = fast_join(base, b.origin, ref, n);
	else if (ref[0] == '?')
		*out = fast_join(base, b.path, ref, n);
	else if (ref[0] == '#')
		/* libcurl 7.88 resolves "#f" against the base's directory,
		 * later ones may not: whatever it does, it does it */
		return 0;
	else
		*out = fast_join(base, dir, ref, n);
	return 1;
}

/*
 * Trims ref as browsers do (spaces around, tabs and newlines inside) into
 * clean (URL_MAX + 1 bytes); its length, or -1 if too long.
 */
static long
clean_ref(const char *ref, char *clean)
{
	size_t n = 0;

	while (isspace((unsigned char)*ref))
		ref++;
	for (const char *p = ref; *p != '\0'; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			continue;
		if (n >= URL_MAX)
			return -1;
		clean[n++] = *p;
	}
	while (n > 0 && isspace((unsigned char)clean[n - 1]))
		n--;
	clean[n] = '\0';
	return (long)n;
}

/* url_resolve through libcurl for the cleaned ref[0..n). */
static char *
slow_resolve(const char *base, const char *clean, size_t n, long *frag)
{
	char *out = NULL, *host = NULL, *scheme = NULL;
	CURLU *h;

	if (n == 0 && base == NULL)
		return NULL;
	h = base != NULL ? parse(base) : curl_url();
	if (h == NULL)
		return NULL;
	/* a same-document reference ("#f") is the base with that fragment
	 * (RFC 3986 5.2.2); libcurl 7.88 resolves it against the base's
	 * directory instead */
	if (base != NULL && n > 1 && clean[0] == '#') {
		if (curl_url_set(h, CURLUPART_FRAGMENT, clean + 1,
				 CURLU_URLENCODE) != CURLUE_OK)
			goto done;
	} else if (curl_url_set(h, CURLUPART_URL, n ? clean : base,
				CURLU_URLENCODE) != CURLUE_OK)
		goto done;
	if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		goto done;
	if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host[0] == '\0')
		goto done;
	{
		int lower = 1, idn = 0;

		for (char *p = host; *p; p++) {
			if (isupper((unsigned char)*p))
				lower = 0;
			if ((unsigned char)*p >= 0x80)
				idn = 1;
		}
		if (idn) {
			/* IDNA2008 (libidn2) through the registry's parser */
			struct domain_info di;

			if (domain_parse(host, &di, NULL) < 0 ||
			    curl_url_set(h, CURLUPART_HOST, di.alabel, 0) !=
				CURLUE_OK)
				goto done;
		} else if (!lower) {
			for (char *p = host; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			if (curl_url_set(h, CURLUPART_HOST, host, 0) !=
			    CURLUE_OK)
				goto done;
		}
	}
	if (curl_url_get(h, CURLUPART_URL, &out, 0) != CURLUE_OK) {
		out = NULL;
		goto done;
	}
	if (strlen(out) > URL_MAX) {
		curl_free(out);
		out = NULL;
		goto done;
	}
	{
		char *copy = xstrdup(out);
		char *hash = strchr(copy, '#');

		curl_free(out);
		out = copy;
		if (frag != NULL && hash != NULL)
			*frag = hash - copy;
	}
done:
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(h);
	return out;
}

char *
url_resolve(const char *base, const char *ref, long *frag)
{
	char clean[URL_MAX + 1], *out;
	long n;

	if (frag != NULL)
		*frag = -1;
	if ((n = clean_ref(ref, clean)) < 0)
		return NULL;
	if (fast_resolve(base, clean, (size_t)n, &out)) {
		char *hash = out != NULL ? strchr(out, '#') : NULL;

		if (frag != NULL && hash != NULL)
			*frag = hash - out;
		return out;
	}
	return slow_resolve(base, clean, (size_t)n, frag);
}

char *
url_resolve_slow(const char *base, const char *ref, long *frag)
{
	char clean[URL_MAX + 1];
	long n;

	if (frag != NULL)
		*frag = -1;
	if ((n = clean_ref(ref, clean)) < 0)
		return NULL;
	return slow_resolve(base, clean, (size_t)n, frag);
}

static char *
part(const char *url, CURLUPart what, unsigned flags)
{
	CURLU *h = parse(url);
	char *v = NULL, *copy = NULL;

	if (h == NULL)
		return NULL;
	if (curl_url_get(h, what, &v, flags) == CURLUE_OK && v != NULL)
		copy = xstrdup(v);
	curl_free(v);
	curl_url_cleanup(h);
	return copy;
}

char *
url_host(const char *url)
{
	return part(url, CURLUPART_HOST, 0);
}

char *
url_path(const char *url)
{
	char *path = part(url, CURLUPART_PATH, 0);
	char *q = part(url, CURLUPART_QUERY, 0);
	struct buf b = BUF_INIT(2 * URL_MAX);

	buf_addstr(&b, path && *path ? path : "/");
	if (q != NULL) {
		buf_addch(&b, '?');
		buf_addstr(&b, q);
	}
	free(path);
	free(q);
	return buf_detach(&b, NULL);
}

int
url_port(const char *url)
{
	char *p = part(url, CURLUPART_PORT, CURLU_DEFAULT_PORT);
	long long v = 0;

	if (p == NULL || str_to_ll(p, 1, 65535, &v) < 0)
		v = 0;
	free(p);
	return (int)v;
}

char *
url_query_param(const char *url, const char *name)
{
	const char *q = strchr(url, '?');
	size_t ln = strlen(name);

	if (q == NULL)
		return NULL;
	q++;
	while (*q != '\0' && *q != '#') {
		size_t n = strcspn(q, "&#");

		if (n > ln && strncmp(q, name, ln) == 0 && q[ln] == '=') {
			struct buf b = BUF_INIT(URL_MAX);

			for (size_t i = ln + 1; i < n; i++) {
				int hi, lo;

				if (q[i] == '%' && i + 2 < n &&
				    (hi = hex_value(q[i + 1])) >= 0 &&
				    (lo = hex_value(q[i + 2])) >= 0) {
					if (buf_addch(&b,
						      (char)(hi * 16 + lo)) < 0)
						break;
					i += 2;
				} else if (buf_addch(&b,
						     q[i] == '+' ? ' ' : q[i]) <
					   0) {
					break;
				}
			}
			if (b.data == NULL || memchr(b.data, '\0', b.len)) {
				buf_cleanup(&b);
				return NULL;
			}
			return buf_detach(&b, NULL);
		}
		q += n;
		if (*q == '&')
			q++;
	}
	return NULL;
}

int
url_frag_route(const char *frag)
{
	return frag[0] == '\0' || frag[0] == '/' || frag[0] == '!';
}

int
url_not_page(const char *url)
{
	/* files portals link to as attachments, photos and media */
	static const char *const ext[] = {
	    "jpg",  "jpeg", "png",  "gif",  "bmp",   "webp", "svg",  "ico",
	    "tif",  "tiff", "heic", "pdf",  "ofd",   "doc",  "docx", "xls",
	    "xlsx", "ppt",  "pptx", "wps",  "et",    "dps",  "odt",  "ods",
	    "odp",  "rtf",  "csv",  "zip",  "rar",   "7z",   "gz",   "tgz",
	    "bz2",  "xz",   "tar",  "mp3",  "mp4",   "m4a",  "wav",  "ogg",
	    "webm", "avi",  "mov",  "wmv",  "flv",   "mkv",  "exe",  "msi",
	    "apk",  "dmg",  "iso",  "woff", "woff2", "ttf",  "otf",  "eot"};
	const char *p = strstr(url, "://"), *end, *dot;
	size_t n;

	if (p == NULL)
		return 0;
	p += 3;
	p += strcspn(p, "/?#");
	end = p + strcspn(p, "?#");
	for (dot = end; dot > p && dot[-1] != '.' && dot[-1] != '/'; dot--)
		;
	if (dot == p || dot[-1] != '.')
		return 0;
	n = (size_t)(end - dot);
	for (size_t i = 0; i < ARRAY_SIZE(ext); i++)
		if (strlen(ext[i]) == n && strncasecmp(dot, ext[i], n) == 0)
			return 1;
	return 0;
}
