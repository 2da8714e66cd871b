/*
 * url.c: URL resolution and parts over libcurl's URL API (RFC 3986
 * resolution, IDN hosts to A-labels). Inputs are untrusted page text;
 * anything that is not an http(s) URL of bounded length is refused.
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

char *
url_resolve(const char *base, const char *ref, long *frag)
{
	char clean[URL_MAX + 1], *out = NULL, *host = NULL, *scheme = NULL;
	size_t n = 0;
	CURLU *h;

	if (frag != NULL)
		*frag = -1;
	while (isspace((unsigned char)*ref))
		ref++;
	/* drop tabs and newlines inside, as browsers do */
	for (const char *p = ref; *p != '\0'; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			continue;
		if (n >= URL_MAX)
			return NULL;
		clean[n++] = *p;
	}
	while (n > 0 && isspace((unsigned char)clean[n - 1]))
		n--;
	clean[n] = '\0';
	if (n == 0 && base == NULL)
		return NULL;
	h = base != NULL ? parse(base) : curl_url();
	if (h == NULL)
		return NULL;
	if (curl_url_set(h, CURLUPART_URL, n ? clean : base, CURLU_URLENCODE) !=
	    CURLUE_OK)
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
