/*
 * milter.c: judges whether a message leaving for outside addresses is an
 * automatic forwarding (MAIL-1), from what the MTA told the milter: the
 * envelope, the ORCPT parameter and a few headers. Everything here is
 * untrusted input from the network, bounded by the MAIL_* limits of
 * mail.h; nothing here talks to libmilter or the store (milter_glue.c and
 * flow.c do), so the unit tests and the fuzz harness drive it directly.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mail.h"

/* Default weights (docs/mail.md): a signal that only a forwarder makes
 * stops a message alone; Delivered-To alone does not (a list manager or a
 * user's manual redirect may keep it). */
static const struct {
	const char *name;
	int weight;
} signals[MAIL_SIG_COUNT] = {
    [MAIL_SIG_SIEVE] = {"sieve-redirect", 100},
    [MAIL_SIG_EXCHANGE] = {"exchange-inbox-rule", 100},
    [MAIL_SIG_FORWARDED] = {"x-forwarded", 60},
    [MAIL_SIG_DELIVERED_TO] = {"delivered-to-local", 40},
    [MAIL_SIG_SRS] = {"srs-sender", 60},
    [MAIL_SIG_FOREIGN_FROM] = {"foreign-sender", 60},
    [MAIL_SIG_ORCPT] = {"orcpt-local", 60},
};

#define DEFAULT_THRESHOLD 50

const char *
mail_signal_name(enum mail_signal s)
{
	return (unsigned)s < MAIL_SIG_COUNT ? signals[s].name : "?";
}

static const char *const actions[] = {"accept", "reject", "quarantine",
				      "discard"};

const char *
mail_action_name(enum mail_action a)
{
	return (unsigned)a < ARRAY_SIZE(actions) ? actions[a] : "?";
}

int
mail_action_parse(const char *s, enum mail_action *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (!strcmp(s, actions[i])) {
			*a = (enum mail_action)i;
			return 0;
		}
	return -1;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int
mail_addr_norm(const char *s, char out[MAIL_ADDR_MAX])
{
	size_t a = 0, b = strlen(s), n, at = 0;
	int quoted = 0, have_at = 0;

	out[0] = '\0';
	while (a < b && is_space((unsigned char)s[a]))
		a++;
	while (b > a && is_space((unsigned char)s[b - 1]))
		b--;
	if (a < b && s[a] == '<') {
		if (s[b - 1] != '>' || b - a < 2)
			return -1;
		a++;
		b--;
	}
	if (a < b && s[a] == '@') {
		/* a source route "@x,@y:" is obsolete syntax: dropped */
		while (a < b && s[a] != ':')
			a++;
		if (a == b)
			return -1;
		a++;
	}
	if (a == b)
		return 0; /* the null address */
	n = b - a;
	if (n >= MAIL_ADDR_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[a + i];

		if (c < 0x20 || c == 0x7f)
			goto bad;
		if (c == '"' && (i == 0 || s[a + i - 1] != '\\'))
			quoted = !quoted;
		if (!quoted && (c == ' ' || c == '<' || c == '>' || c == ',' ||
				c == '(' || c == ')'))
			goto bad;
		if (!quoted && c == '@') {
			if (have_at)
				goto bad; /* one unquoted '@' only */
			at = i;
			have_at = 1;
		}
		out[i] = lower((char)c);
	}
	out[n] = '\0';
	if (quoted || !have_at || at == 0 || at + 1 == n)
		goto bad;
	/* "a@b." is "a@b" */
	if (out[n - 1] == '.') {
		out[--n] = '\0';
		if (at + 1 == n || out[n - 1] == '.')
			goto bad;
	}
	return 0;
bad:
	out[0] = '\0';
	return -1;
}

const char *
mail_addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : "";
}

int
mail_orcpt_decode(const char *value, char out[MAIL_ADDR_MAX])
{
	char raw[MAIL_ADDR_MAX];
	size_t n = 0;
	const char *p;

	out[0] = '\0';
	if (strncasecmp(value, "rfc822;", 7) != 0)
		return -1;
	for (p = value + 7; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		int hi, lo;

		if (n + 1 >= sizeof(raw))
			return -1;
		if (c == '+') {
			/* xtext: "+" and two upper-case hex digits */
			hi = hex_value((unsigned char)p[1]);
			lo = hi < 0 ? -1 : hex_value((unsigned char)p[2]);
			if (hi < 0 || lo < 0 || (p[1] >= 'a' && p[1] <= 'f') ||
			    (p[2] >= 'a' && p[2] <= 'f'))
				return -1;
			raw[n++] = (char)(hi * 16 + lo);
			p += 2;
		} else if (c < 33 || c > 126 || c == '=') {
			return -1;
		} else {
			raw[n++] = (char)c;
		}
	}
	raw[n] = '\0';
	if (memchr(raw, '\0', n) != NULL)
		return -1;
	if (mail_addr_norm(raw, out) < 0 || out[0] == '\0')
		return -1;
	return 0;
}

/* Hands one candidate token (n bytes at s) to fn if it is an address. */
static int
header_candidate(const char *s, size_t n,
		 void (*fn)(void *arg, const char *addr), void *arg)
{
	char tok[MAIL_ADDR_MAX], addr[MAIL_ADDR_MAX];

	if (n == 0 || n >= sizeof(tok) || memchr(s, '@', n) == NULL)
		return 0;
	memcpy(tok, s, n);
	tok[n] = '\0';
	if (mail_addr_norm(tok, addr) < 0 || addr[0] == '\0')
		return 0;
	fn(arg, addr);
	return 1;
}

size_t
mail_header_addrs(const char *value, size_t n, size_t max,
		  void (*fn)(void *arg, const char *addr), void *arg)
{
	size_t i = 0, found = 0;

	while (i < n && found < max) {
		char c = value[i];

		if (c == '(') {
			/* a comment, nested, with quoted pairs */
			int depth = 0;

			for (; i < n; i++) {
				if (value[i] == '\\' && i + 1 < n)
					i++;
				else if (value[i] == '(')
					depth++;
				else if (value[i] == ')' && --depth == 0)
					break;
			}
			i++;
		} else if (c == '"') {
			/* a display name */
			for (i++; i < n && value[i] != '"'; i++)
				if (value[i] == '\\' && i + 1 < n)
					i++;
			i++;
		} else if (c == '<') {
			size_t j = i + 1;

			while (j < n && value[j] != '>' && value[j] != '<')
				j++;
			if (j < n && value[j] == '>')
				found += (size_t)header_candidate(
				    value + i + 1, j - i - 1, fn, arg);
			i = j < n && value[j] == '>' ? j + 1 : j;
		} else if (is_space((unsigned char)c) || c == ',' || c == ';' ||
			   c == ':' || c == '>' || c == ')') {
			i++;
		} else {
			size_t j = i;

			/* (a NUL byte is a separator too: strchr finds it) */
			while (j < n && !is_space((unsigned char)value[j]) &&
			       strchr(",;<>()\"", value[j]) == NULL)
				j++;
			if (j == i) {
				i++; /* a NUL: skipped */
				continue;
			}
			/* "group:" and display-name words are skipped */
			if (!(j < n && value[j] == ':'))
				found += (size_t)header_candidate(
				    value + i, j - i, fn, arg);
			i = j;
		}
	}
	return found;
}

void
mail_policy_init(struct mail_policy *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < MAIL_SIG_COUNT; i++)
		p->weight[i] = signals[i].weight;
	p->threshold = DEFAULT_THRESHOLD;
	p->action = MAIL_REJECT;
	str_copy(p->hop, "govsec-outbound", sizeof(p->hop));
}

void
mail_policy_cleanup(struct mail_policy *p)
{
	for (size_t i = 0; i < p->ndomains; i++)
		free(p->domains[i]);
	free(p->domains);
	free(p->exc);
	memset(p, 0, sizeof(*p));
}

/* 1 if s is a plausible domain name: LDH labels and dots. */
static int
domain_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.' ||
	    strstr(s, "..") != NULL)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '.'))
			return 0;
	return 1;
}

int
mail_policy_set_weights(struct mail_policy *p, const char *list, struct err *e)
{
	const char *s = list;

	while (*s != '\0') {
		char item[64], *eq;
		size_t n = strcspn(s, ", \t");
		long long w;
		int i;

		if (n == 0) {
			s++;
			continue;
		}
		if (n >= sizeof(item)) {
			err_set(e, "'%.32s...' is too long for NAME=WEIGHT", s);
			return -1;
		}
		memcpy(item, s, n);
		item[n] = '\0';
		s += n;
		eq = strchr(item, '=');
		if (eq == NULL) {
			err_set(e, "'%s' is not NAME=WEIGHT", item);
			return -1;
		}
		*eq = '\0';
		for (i = 0; i < MAIL_SIG_COUNT; i++)
			if (!strcmp(item, signals[i].name))
				break;
		if (i == MAIL_SIG_COUNT) {
			err_set(
			    e,
			    "unknown signal '%s' (sieve-redirect, "
			    "exchange-inbox-rule, x-forwarded, "
			    "delivered-to-local, srs-sender, foreign-sender, "
			    "orcpt-local)",
			    item);
			return -1;
		}
		if (str_to_ll(eq + 1, 0, 1000, &w) < 0) {
			err_set(e, "weight of %s '%s' is not 0 to 1000", item,
				eq + 1);
			return -1;
		}
		p->weight[i] = (int)w;
	}
	return 0;
}

int
mail_policy_add_domains(struct mail_policy *p, const char *list, struct err *e)
{
	const char *s = list;

	while (*s != '\0') {
		char d[256];
		size_t n = strcspn(s, ", \t");

		if (n == 0) {
			s++;
			continue;
		}
		if (n >= sizeof(d)) {
			err_set(e, "local domain '%.32s...' is too long", s);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			d[i] = lower(s[i]);
		d[n] = '\0';
		if (!domain_ok(d)) {
			err_set(e, "'%s' is not a domain name (A-labels)", d);
			return -1;
		}
		s += n;
		if (mail_policy_local(p, d) && p->ndomains > 0) {
			/* already covered; keep an exact twin out */
			int dup = 0;

			for (size_t i = 0; i < p->ndomains; i++)
				dup |= !strcmp(p->domains[i], d);
			if (dup)
				continue;
		}
		if (p->ndomains >= MAIL_DOMAINS_MAX) {
			err_set(e, "more than %d local domains",
				MAIL_DOMAINS_MAX);
			return -1;
		}
		p->domains = xrealloc(p->domains,
				      (p->ndomains + 1) * sizeof(*p->domains));
		p->domains[p->ndomains++] = xstrdup(d);
	}
	return 0;
}

int
mail_policy_local(const struct mail_policy *p, const char *domain)
{
	size_t n = strlen(domain);

	for (size_t i = 0; i < p->ndomains; i++) {
		const char *d = p->domains[i];
		size_t k = strlen(d);

		if (n == k && !strcasecmp(domain, d))
			return 1;
		if (n > k && domain[n - k - 1] == '.' &&
		    !strcasecmp(domain + n - k, d))
			return 1;
	}
	return 0;
}

int
mail_policy_add_exception(struct mail_policy *p, const char *addr, time_t until,
			  struct err *e)
{
	char norm[MAIL_ADDR_MAX];

	if (addr[0] == '@') {
		char d[256];

		if (str_copy(d, addr + 1, sizeof(d)) < 0)
			goto bad;
		for (char *c = d; *c != '\0'; c++)
			*c = lower(*c);
		if (!domain_ok(d))
			goto bad;
		str_fmt(norm, sizeof(norm), "@%s", d);
	} else if (mail_addr_norm(addr, norm) < 0 || norm[0] == '\0') {
		goto bad;
	}
	if (p->nexc >= MAIL_EXC_MAX) {
		err_set(e, "more than %d forwarding exceptions", MAIL_EXC_MAX);
		return -1;
	}
	p->exc = xrealloc(p->exc, (p->nexc + 1) * sizeof(*p->exc));
	str_copy(p->exc[p->nexc].addr, norm, sizeof(p->exc[0].addr));
	p->exc[p->nexc++].until = until;
	return 0;
bad:
	err_set(e, "'%.64s' is not an address or @domain", addr);
	return -1;
}

int
mail_policy_add_exceptions(struct mail_policy *p, const char *list,
			   struct err *e)
{
	const char *s = list;

	while (*s != '\0') {
		char item[MAIL_ADDR_MAX + 64], *sp;
		size_t n = strcspn(s, ",");
		time_t until;

		if (n >= sizeof(item)) {
			err_set(e, "exception '%.32s...' is too long", s);
			return -1;
		}
		memcpy(item, s, n);
		item[n] = '\0';
		s += n + (s[n] == ',');
		sp = item;
		while (is_space((unsigned char)*sp))
			sp++;
		if (*sp == '\0')
			continue;
		{
			char *u = sp + strcspn(sp, " \t");

			if (*u == '\0') {
				err_set(e,
					"exception '%s' has no end date "
					"(ADDRESS YYYY-MM-DD)",
					sp);
				return -1;
			}
			*u++ = '\0';
			while (is_space((unsigned char)*u))
				u++;
			for (size_t k = strlen(u);
			     k > 0 && is_space((unsigned char)u[k - 1]); k--)
				u[k - 1] = '\0';
			if (time_parse(u, &until) < 0) {
				err_set(e,
					"exception '%s': '%s' is not a date "
					"or RFC 3339 time",
					sp, u);
				return -1;
			}
			if (time_is_date(u))
				until += 86400; /* through that day */
		}
		if (mail_policy_add_exception(p, sp, until, e) < 0)
			return -1;
	}
	return 0;
}

void
mail_msg_init(struct mail_msg *m)
{
	memset(m, 0, sizeof(*m));
}

void
mail_msg_cleanup(struct mail_msg *m)
{
	free(m->rcpt);
	memset(m, 0, sizeof(*m));
}

void
mail_msg_reset(struct mail_msg *m)
{
	struct mail_rcpt *rcpt = m->rcpt;
	size_t cap = m->rcpt_cap;

	/* everything from the sender on belongs to one message */
	memset((char *)m + offsetof(struct mail_msg, sender), 0,
	       sizeof(*m) - offsetof(struct mail_msg, sender));
	m->rcpt = rcpt;
	m->rcpt_cap = cap;
	m->queue_id[0] = '\0';
}

void
mail_msg_sender(struct mail_msg *m, const char *from, char *const *params)
{
	m->sender_bad = mail_addr_norm(from, m->sender) < 0;
	for (size_t i = 0; params != NULL && params[i] != NULL && i < 16; i++)
		if (!strcasecmp(params[i], "SMTPUTF8"))
			m->smtputf8 = 1;
}

int
mail_msg_rcpt(struct mail_msg *m, const struct mail_policy *p, const char *to,
	      char *const *params)
{
	struct mail_rcpt *r;
	char addr[MAIL_ADDR_MAX];

	if (mail_addr_norm(to, addr) < 0 || addr[0] == '\0') {
		m->rcpt_bad++;
		return -1;
	}
	if (m->nrcpt >= MAIL_RCPT_MAX) {
		m->rcpt_dropped++;
		return 0;
	}
	if (m->nrcpt == m->rcpt_cap) {
		m->rcpt_cap = m->rcpt_cap ? 2 * m->rcpt_cap : 4;
		m->rcpt = xrealloc(m->rcpt, m->rcpt_cap * sizeof(*m->rcpt));
	}
	r = &m->rcpt[m->nrcpt++];
	memset(r, 0, sizeof(*r));
	str_copy(r->addr, addr, sizeof(r->addr));
	r->external = !mail_policy_local(p, mail_addr_domain(addr));
	for (size_t i = 0; params != NULL && params[i] != NULL && i < 16; i++)
		if (strncasecmp(params[i], "ORCPT=", 6) == 0 &&
		    mail_orcpt_decode(params[i] + 6, r->orcpt) < 0)
			r->orcpt[0] = '\0';
	return 0;
}

struct addr_list {
	char (*v)[MAIL_ADDR_MAX];
	size_t *n;
};

static void
addr_list_put(void *arg, const char *addr)
{
	struct addr_list *l = arg;

	if (*l->n < MAIL_HDR_ADDRS)
		str_copy(l->v[(*l->n)++], addr, MAIL_ADDR_MAX);
}

/* Header values are read up to this many bytes (the rest is ignored). */
#define HDR_VALUE_MAX 4096

void
mail_msg_header(struct mail_msg *m, const char *name, const char *value)
{
	size_t n = strnlen(value, HDR_VALUE_MAX);
	struct addr_list l;

	m->headers++;
	if (!strcasecmp(name, "Message-ID")) {
		size_t a = 0;

		if (m->message_id[0] != '\0')
			return; /* the first one counts */
		while (a < n && is_space((unsigned char)value[a]))
			a++;
		while (n > a && is_space((unsigned char)value[n - 1]))
			n--;
		if (n > a && value[a] == '<' && value[n - 1] == '>') {
			a++;
			n--;
		}
		if (n - a > MAIL_MSGID_MAX)
			n = a + MAIL_MSGID_MAX;
		memcpy(m->message_id, value + a, n - a);
		m->message_id[n - a] = '\0';
		/* stored and printed: no control characters */
		for (char *c = m->message_id; *c != '\0'; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		str_utf8_trim(m->message_id, strlen(m->message_id));
	} else if (!strcasecmp(name, "X-Sieve-Redirected-From")) {
		/* present is enough; the address says who redirected */
		l.v = m->sieve_from;
		l.n = &m->nsieve_from;
		if (mail_header_addrs(value, n, MAIL_HDR_ADDRS, addr_list_put,
				      &l) == 0 &&
		    m->nsieve_from < MAIL_HDR_ADDRS)
			str_copy(m->sieve_from[m->nsieve_from++], "?",
				 MAIL_ADDR_MAX);
	} else if (!strcasecmp(name, "X-MS-Exchange-Inbox-Rules-Loop")) {
		m->exchange_loop = 1;
	} else if (!strcasecmp(name, "X-Forwarded-For") ||
		   !strcasecmp(name, "X-Forwarded-To")) {
		m->forwarded_hdr = 1;
		l.v = m->forwarded;
		l.n = &m->nforwarded;
		mail_header_addrs(value, n, MAIL_HDR_ADDRS, addr_list_put, &l);
	} else if (!strcasecmp(name, "Delivered-To")) {
		l.v = m->delivered_to;
		l.n = &m->ndelivered_to;
		mail_header_addrs(value, n, MAIL_HDR_ADDRS, addr_list_put, &l);
	}
}

static int
exc_match(const struct mail_exception *x, const char *addr)
{
	if (addr[0] == '\0')
		return 0;
	if (x->addr[0] == '@')
		return !strcmp(x->addr + 1, mail_addr_domain(addr));
	return !strcmp(x->addr, addr);
}

/* The exception (unexpired at now) that covers addr, or NULL. */
static const struct mail_exception *
exc_find(const struct mail_policy *p, const char *addr, time_t now)
{
	for (size_t i = 0; i < p->nexc; i++)
		if (p->exc[i].until > now && exc_match(&p->exc[i], addr))
			return &p->exc[i];
	return NULL;
}

/* An exception covering the message: one for a local source of it (the
 * sender, an original recipient, who redirected or was delivered it), or
 * one for each external recipient. */
static const struct mail_exception *
exc_cover(const struct mail_policy *p, const struct mail_msg *m, time_t now)
{
	const struct mail_exception *x = NULL;
	size_t i;

	if (p->nexc == 0)
		return NULL;
	if (m->sender[0] != '\0' &&
	    mail_policy_local(p, mail_addr_domain(m->sender)) &&
	    (x = exc_find(p, m->sender, now)) != NULL)
		return x;
	for (i = 0; i < m->nrcpt; i++)
		if (m->rcpt[i].external && m->rcpt[i].orcpt[0] != '\0' &&
		    (x = exc_find(p, m->rcpt[i].orcpt, now)) != NULL)
			return x;
	for (i = 0; i < m->nsieve_from; i++)
		if ((x = exc_find(p, m->sieve_from[i], now)) != NULL)
			return x;
	for (i = 0; i < m->ndelivered_to; i++)
		if (mail_policy_local(p,
				      mail_addr_domain(m->delivered_to[i])) &&
		    (x = exc_find(p, m->delivered_to[i], now)) != NULL)
			return x;
	for (i = 0; i < m->nrcpt; i++) {
		const struct mail_exception *y;

		if (!m->rcpt[i].external)
			continue;
		if ((y = exc_find(p, m->rcpt[i].addr, now)) == NULL)
			return NULL;
		x = y;
	}
	return x;
}

static void
add_name(struct mail_verdict *v, enum mail_signal s)
{
	size_t n = strlen(v->names);

	if (v->signals & (1u << s))
		return;
	v->signals |= 1u << s;
	str_fmt(v->names + n, sizeof(v->names) - n, "%s%s", n ? "," : "",
		mail_signal_name(s));
}

void
mail_judge(const struct mail_policy *p, const struct mail_msg *m, time_t now,
	   struct mail_verdict *v)
{
	const struct mail_exception *x;
	const char *sd = mail_addr_domain(m->sender);
	int external = 0, sender_local;
	size_t i;

	memset(v, 0, sizeof(*v));
	v->action = MAIL_ACCEPT;
	for (i = 0; i < m->nrcpt; i++)
		external |= m->rcpt[i].external;
	if (!external) {
		str_copy(v->reason, "no outside recipient", sizeof(v->reason));
		return;
	}
	sender_local =
	    m->sender[0] != '\0' && !m->sender_bad && mail_policy_local(p, sd);
	if (m->nsieve_from > 0)
		add_name(v, MAIL_SIG_SIEVE);
	if (m->exchange_loop)
		add_name(v, MAIL_SIG_EXCHANGE);
	if (m->forwarded_hdr)
		add_name(v, MAIL_SIG_FORWARDED);
	for (i = 0; i < m->ndelivered_to; i++)
		if (mail_policy_local(p, mail_addr_domain(m->delivered_to[i])))
			add_name(v, MAIL_SIG_DELIVERED_TO);
	if (m->sender[0] != '\0' && (strncmp(m->sender, "srs0=", 5) == 0 ||
				     strncmp(m->sender, "srs1=", 5) == 0))
		add_name(v, MAIL_SIG_SRS);
	if ((m->sender[0] != '\0' || m->sender_bad) && !sender_local)
		add_name(v, MAIL_SIG_FOREIGN_FROM);
	for (i = 0; i < m->nrcpt; i++)
		if (m->rcpt[i].external && m->rcpt[i].orcpt[0] != '\0' &&
		    strcmp(m->rcpt[i].orcpt, m->rcpt[i].addr) != 0 &&
		    mail_policy_local(p, mail_addr_domain(m->rcpt[i].orcpt)))
			add_name(v, MAIL_SIG_ORCPT);
	for (int s = 0; s < MAIL_SIG_COUNT; s++)
		if (v->signals & (1u << s))
			v->score += p->weight[s];
	if (v->score < p->threshold) {
		str_fmt(v->reason, sizeof(v->reason),
			"score %d below the threshold %d", v->score,
			p->threshold);
		return;
	}
	if ((x = exc_cover(p, m, now)) != NULL) {
		char until[32];

		time_fmt(x->until, until, sizeof(until));
		str_copy(v->exception, x->addr, sizeof(v->exception));
		str_fmt(v->reason, sizeof(v->reason),
			"forwarding (score %d) allowed by the exception for "
			"%s until %s",
			v->score, x->addr, until);
		return;
	}
	v->action = p->action;
	if (v->action == MAIL_REJECT && p->hop[0] != '\0' &&
	    !strcmp(m->hop, p->hop) && !sender_local && m->sender[0] != '\0') {
		/* our own MTA would bounce it to the outside sender */
		v->action = MAIL_QUARANTINE;
		str_fmt(v->reason, sizeof(v->reason),
			"automatic forwarding (score %d); held, not rejected: "
			"on the outbound hop a reject would bounce to the "
			"outside sender",
			v->score);
		return;
	}
	str_fmt(v->reason, sizeof(v->reason),
		"automatic forwarding to an outside address (score %d)",
		v->score);
}

const char *
mail_reject_text(int utf8)
{
	/* RFC 5321 replies are ASCII unless the client asked for SMTPUTF8
	 * (RFC 6531); Dovecot's client takes a stray UTF-8 byte for a
	 * temporary failure and would retry for ever */
	if (utf8)
		return "Automatic forwarding of mail to outside addresses is "
		       "not allowed (MAIL-1) / "
		       "不允许将邮件自动转发到外部地址";
	return "Automatic forwarding of mail to outside addresses is not "
	       "allowed (MAIL-1) / Bu yunxu jiang youjian zidong zhuanfa dao "
	       "waibu dizhi";
}
