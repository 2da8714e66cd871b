/*
 * parse.c: the gate's parsers of request data: cookies, X-Original-URL,
 * X-Forwarded-For and login form bodies. Everything here is untrusted and
 * bounded; a malformed input is an error, never a guess.
 */
#include <stddef.h>
#include <string.h>

#include "gate/gate.h"

#define HDR_MAX 8192

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

/*
 * 1 if no segment of the decoded path is one a back-end may take for
 * another: an empty one inside the path ("//"), or one that is empty or
 * only dots once a ";parameter" is cut off ("..;x" is ".." to Tomcat and
 * Spring, "/;x/" is "//"). A trailing empty segment ("/a/") is fine.
 */
static int
path_segments_ok(const char *path)
{
	const char *s = path + 1; /* after the leading '/' */

	for (;;) {
		size_t n = strcspn(s, "/"), base = strcspn(s, ";/");

		if (n == 0)
			return s[0] == '\0';
		if (base == 0 || strspn(s, ".") >= base)
			return 0;
		if (s[n] == '\0')
			return 1;
		s += n + 1;
	}
}

/*
 * The host of a Host value or URL authority ("host[:port]", "[v6][:port]")
 * as the gate judges it: lower case, without the port and without one
 * trailing dot ("App.Example.cn.:443" is "app.example.cn"). 0, or -1 if
 * malformed (other bytes than letters, digits, ".-:[]", an empty label).
 */
static int
host_norm(const char *in, char *out, size_t outlen)
{
	size_t n, end, k;

	if (in[0] == '[') {
		const char *rb = strchr(in, ']');

		if (rb == NULL)
			return -1;
		n = end = (size_t)(rb - in + 1);
	} else {
		n = end = strcspn(in, ":");
		/* nginx's $host drops the dot too */
		if (n > 1 && in[n - 1] == '.')
			n--;
		if (n == 0 || in[0] == '.' || in[n - 1] == '.' ||
		    strcspn(in, "[]") < n)
			return -1;
	}
	/* then nothing, or a port of at most 5 digits */
	k = in[end] == ':' ? strspn(in + end + 1, "0123456789") : 0;
	if ((in[end] != '\0' && in[end] != ':') || k > 5 ||
	    (in[end] == ':' && in[end + 1 + k] != '\0'))
		return -1;
	if (n == 0 || n >= outlen)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      strchr(".-:[]", c) != NULL) ||
		    (c == '.' && i > 0 && in[i - 1] == '.'))
			return -1;
		out[i] = c;
	}
	out[n] = '\0';
	return 0;
}

int
gate_host_same(const char *a, const char *b)
{
	char na[256], nb[256];

	return a != NULL && b != NULL && strlen(a) < 300 && strlen(b) < 300 &&
	       host_norm(a, na, sizeof(na)) == 0 &&
	       host_norm(b, nb, sizeof(nb)) == 0 && !strcmp(na, nb);
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
	u->hostport[hl] = '\0';
	if (host_norm(u->hostport, u->host, sizeof(u->host)) < 0)
		return -1;
	for (size_t i = 0; i < hl; i++)
		if (u->hostport[i] >= 'A' && u->hostport[i] <= 'Z')
			u->hostport[i] = (char)(u->hostport[i] - 'A' + 'a');
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
			int a = hex_value(p[1]),
			    b = a >= 0 ? hex_value(p[2]) : -1;

			if (a < 0 || b < 0)
				return -1;
			c = a * 16 + b;
			p += 2;
			if (c == '/' || c == '\\')
				return -1;
		}
		/* raw too: IIS and others take it for '/' */
		if (c < 0x20 || c == 0x7f || c == '\\')
			return -1;
		if (o + 1 >= sizeof(u->path))
			return -1;
		u->path[o++] = (char)c;
	}
	u->path[o] = '\0';
	return path_segments_ok(u->path) ? 0 : -1;
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
					int a = hex_value(s[1]);
					int b = a >= 0 ? hex_value(s[2]) : -1;

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
