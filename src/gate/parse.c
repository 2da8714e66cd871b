/*
 * parse.c: the gate's parsers of request data: cookies, X-Original-URL,
 * X-Forwarded-For and login form bodies. Everything here is untrusted and
 * bounded; a malformed input is an error, never a guess.
 */
#include <stddef.h>
#include <string.h>

#include "gate/gate.h"

#define HDR_MAX 8192

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
gate_cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = header;

	if (header == NULL || strlen(header) > HDR_MAX || outlen == 0)
		return -1;
	while (*p) {
		const char *end, *eq;

		while (*p == ' ' || *p == '\t')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    !memcmp(p, name, nlen)) {
			size_t vlen = (size_t)(end - eq - 1);

			while (vlen > 0 &&
			       (eq[vlen] == ' ' || eq[vlen] == '\t'))
				vlen--;
			if (vlen >= outlen)
				return -1;
			for (size_t i = 0; i < vlen; i++) {
				unsigned char c = (unsigned char)eq[1 + i];

				/* RFC 6265 cookie-octet */
				if (c < 0x21 || c > 0x7e || c == '"' ||
				    c == ',' || c == '\\')
					return -1;
			}
			memcpy(out, eq + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p = *end ? end + 1 : end;
	}
	return -1;
}

int
gate_url_parse(const char *url, struct gate_url *u)
{
	const char *p, *h, *hend, *q;
	size_t o = 0, hl;

	/* all but the long path, which is written with its NUL below */
	memset(u, 0, offsetof(struct gate_url, path));
	u->path[0] = '\0';
	if (url == NULL || strlen(url) > HDR_MAX)
		return -1;
	if (str_starts(url, "https://")) {
		str_copy(u->scheme, "https", sizeof(u->scheme));
		h = url + 8;
	} else if (str_starts(url, "http://")) {
		str_copy(u->scheme, "http", sizeof(u->scheme));
		h = url + 7;
	} else
		return -1;
	hend = h + strcspn(h, "/?#");
	hl = (size_t)(hend - h);
	if (hl == 0 || hl >= sizeof(u->hostport))
		return -1;
	memcpy(u->hostport, h, hl);
	for (size_t i = 0; i < hl; i++) {
		char c = u->hostport[i];

		if (c >= 'A' && c <= 'Z')
			u->hostport[i] = c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      strchr(".-:[]", c) != NULL))
			return -1;
	}
	if (u->hostport[0] == '[') {
		const char *rb = strchr(u->hostport, ']');

		if (rb == NULL || (rb[1] != '\0' && rb[1] != ':'))
			return -1;
		hl = (size_t)(rb - u->hostport + 1);
	} else {
		const char *colon = strchr(u->hostport, ':');

		hl = colon != NULL ? (size_t)(colon - u->hostport)
				   : strlen(u->hostport);
	}
	if (hl == 0 || hl >= sizeof(u->host))
		return -1;
	memcpy(u->host, u->hostport, hl);
	p = hend;
	if (*p != '/') {
		u->path[o++] = '/';
		if (*p == '\0' || *p == '?' || *p == '#') {
			u->path[o] = '\0';
			return 0;
		}
	}
	q = p + strcspn(p, "?#");
	for (; p < q; p++) {
		int c = (unsigned char)*p;

		if (c == '%') {
			int a = hexval(p[1]), b = a >= 0 ? hexval(p[2]) : -1;

			if (a < 0 || b < 0)
				return -1;
			c = a * 16 + b;
			p += 2;
			if (c == '/' || c == '\\')
				return -1;
		}
		if (c < 0x20 || c == 0x7f)
			return -1;
		if (o + 1 >= sizeof(u->path))
			return -1;
		u->path[o++] = (char)c;
	}
	u->path[o] = '\0';
	/* no dot segments: "/./", "/../", trailing "/." or "/.." */
	for (const char *s = u->path; (s = strstr(s, "/.")) != NULL; s++)
		if (s[2] == '/' || s[2] == '\0' ||
		    (s[2] == '.' && (s[3] == '/' || s[3] == '\0')))
			return -1;
	if (strstr(u->path, "//") != NULL)
		return -1;
	return 0;
}

int
gate_peer_trusted(const struct gate_trie *proxies, const char *peer)
{
	unsigned char a[16];

	if (peer == NULL)
		return 0;
	if (!strcmp(peer, GATE_PEER_UNIX))
		return 1;
	return proxies != NULL && gate_addr_parse(peer, a) == 0 &&
	       gate_trie_lookup(proxies, a) > 0;
}

int
gate_client_addr(const struct gate_trie *proxies, const char *peer,
		 const char *xff, char *out, size_t outlen)
{
	unsigned char a[16];
	const char *end;

	if (peer == NULL)
		return -1;
	if (!strcmp(peer, GATE_PEER_UNIX)) {
		if (xff == NULL)
			return -1;
	} else if (gate_addr_parse(peer, a) < 0 ||
		   str_copy(out, peer, outlen) < 0)
		return -1;
	else if (xff == NULL || !gate_peer_trusted(proxies, peer))
		return 0;
	if (strlen(xff) > HDR_MAX)
		return -1;
	end = xff + strlen(xff);
	for (;;) {
		const char *start = end;
		char ip[64];
		size_t n;

		while (start > xff && start[-1] != ',')
			start--;
		n = (size_t)(end - start);
		while (n > 0 && (*start == ' ' || *start == '\t')) {
			start++;
			n--;
		}
		while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(ip))
			return -1;
		memcpy(ip, start, n);
		ip[n] = '\0';
		if (gate_addr_parse(ip, a) < 0 || str_copy(out, ip, outlen) < 0)
			return -1;
		if (proxies == NULL || gate_trie_lookup(proxies, a) <= 0)
			return 0;
		/* a trusted proxy: look one hop further left */
		while (start > xff && start[-1] != ',')
			start--;
		if (start == xff)
			return 0; /* all trusted: the leftmost */
		end = start - 1;
	}
}

int
gate_form_get(const char *body, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = body;

	if (body == NULL || outlen == 0)
		return -1;
	while (*p) {
		const char *end = p + strcspn(p, "&");

		if ((size_t)(end - p) > nlen && p[nlen] == '=' &&
		    !strncmp(p, name, nlen)) {
			size_t o = 0;

			for (const char *s = p + nlen + 1; s < end; s++) {
				int c = (unsigned char)*s;

				if (c == '+')
					c = ' ';
				else if (c == '%') {
					int a = hexval(s[1]);
					int b = a >= 0 ? hexval(s[2]) : -1;

					if (a < 0 || b < 0)
						return -1;
					c = a * 16 + b;
					s += 2;
				}
				if (c == 0 || o + 1 >= outlen)
					return -1;
				out[o++] = (char)c;
			}
			out[o] = '\0';
			return 0;
		}
		p = *end ? end + 1 : end;
	}
	return -1;
}
