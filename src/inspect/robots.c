/*
 * robots.c: robots.txt (RFC 9309) for one user agent: the group naming the
 * agent, else the "*" group; longest match wins, Allow wins a tie; '*' and
 * '$' patterns. Reads an untrusted file with bounded work.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

#define ROBOTS_MAX   (512u << 10)
#define ROBOTS_RULES 2000
#define ROBOTS_LINE  2048

struct rrule {
	char *pat;
	int allow;
};

struct robots {
	struct rrule rules[ROBOTS_RULES];
	int n;
};

static int
agent_match(const char *v, const char *agent)
{
	size_t n = strlen(agent);

	if (strcmp(v, "*") == 0)
		return 1;
	for (size_t i = 0; v[i] != '\0'; i++)
		if (strncasecmp(v + i, agent, n) == 0)
			return 2;
	return 0;
}

struct robots *
robots_parse(const char *text, size_t n, const char *agent)
{
	struct robots *r = xcalloc(1, sizeof(*r));
	/* rules of the best group so far: 2 named, 1 star */
	struct rrule *star = xcalloc(ROBOTS_RULES, sizeof(*star));
	struct rrule *named = xcalloc(ROBOTS_RULES, sizeof(*named));
	int nstar = 0, nnamed = 0, in_star = 0, in_named = 0, ua_run = 0;
	size_t i = 0;

	if (n > ROBOTS_MAX)
		n = ROBOTS_MAX;
	while (i < n) {
		char line[ROBOTS_LINE], *key, *val, *c;
		size_t o = 0;

		while (i < n && text[i] != '\n' && text[i] != '\r') {
			if (o + 1 < sizeof(line) && text[i] != '\0')
				line[o++] = text[i];
			i++;
		}
		while (i < n && (text[i] == '\n' || text[i] == '\r'))
			i++;
		line[o] = '\0';
		if ((c = strchr(line, '#')) != NULL)
			*c = '\0';
		if ((c = strchr(line, ':')) == NULL)
			continue;
		*c = '\0';
		key = line;
		val = c + 1;
		while (isspace((unsigned char)*key))
			key++;
		for (c = key + strlen(key);
		     c > key && isspace((unsigned char)c[-1]);)
			*--c = '\0';
		while (isspace((unsigned char)*val))
			val++;
		for (c = val + strlen(val);
		     c > val && isspace((unsigned char)c[-1]);)
			*--c = '\0';
		if (strcasecmp(key, "user-agent") == 0) {
			int m = agent_match(val, agent);

			if (!ua_run) {
				in_star = in_named = 0;
				ua_run = 1;
			}
			if (m == 1)
				in_star = 1;
			else if (m == 2)
				in_named = 1;
			continue;
		}
		ua_run = 0;
		if (strcasecmp(key, "allow") != 0 &&
		    strcasecmp(key, "disallow") != 0)
			continue;
		if (*val == '\0')
			continue; /* "Disallow:" allows everything */
		if (in_named && nnamed < ROBOTS_RULES) {
			named[nnamed].pat = xstrdup(val);
			named[nnamed++].allow =
			    tolower((unsigned char)*key) == 'a';
		}
		if (in_star && nstar < ROBOTS_RULES) {
			star[nstar].pat = xstrdup(val);
			star[nstar++].allow =
			    tolower((unsigned char)*key) == 'a';
		}
	}
	if (nnamed > 0) {
		memcpy(r->rules, named, sizeof(*named) * (size_t)nnamed);
		r->n = nnamed;
		for (int k = 0; k < nstar; k++)
			free(star[k].pat);
	} else {
		memcpy(r->rules, star, sizeof(*star) * (size_t)nstar);
		r->n = nstar;
	}
	free(star);
	free(named);
	return r;
}

void
robots_free(struct robots *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < r->n; i++)
		free(r->rules[i].pat);
	free(r);
}

/*
 * 1 if pattern p matches a prefix of s ('*' any run, '$' at the end anchors).
 * The classic star-backtracking matcher: O(len(p) * len(s)) at worst.
 */
static int
match(const char *p, const char *s)
{
	const char *star = NULL, *ss = NULL;

	for (;;) {
		if (*p == '$' && p[1] == '\0') {
			if (*s == '\0')
				return 1;
		} else if (*p == '\0') {
			return 1; /* a prefix match */
		} else if (*p == '*') {
			star = ++p;
			ss = s;
			continue;
		} else if (*s != '\0' && *p == *s) {
			p++;
			s++;
			continue;
		}
		if (star == NULL || *ss == '\0')
			return 0;
		p = star;
		s = ++ss;
	}
}

int
robots_allowed(const struct robots *r, const char *path)
{
	size_t best = 0;
	int allow = 1, any = 0;

	if (r == NULL)
		return 1;
	for (int i = 0; i < r->n; i++) {
		size_t len = strlen(r->rules[i].pat);

		if (!match(r->rules[i].pat, path))
			continue;
		if (!any || len > best || (len == best && r->rules[i].allow)) {
			best = len;
			allow = r->rules[i].allow;
			any = 1;
		}
	}
	return allow;
}
