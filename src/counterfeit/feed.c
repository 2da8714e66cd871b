/*
 * feed.c: feeds of candidates (issue 12, item 2), each read as a stream
 * of lines (docs/counterfeit.md, "Feeds"): domain lists and zone files,
 * certificate-transparency entries as JSON lines in certstream's shape
 * (data.leaf_cert.all_domains), app listings and account listings as
 * JSON lines. Every byte is untrusted: lines and fields have limits, and
 * an error names the file and line.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "counterfeit/counterfeit.h"

static const char *const kind_names[] = {"auto", "domain", "ct", "app",
					 "account"};

const char *
cf_kind_name(enum cf_kind k)
{
	return (unsigned)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

int
cf_kind_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (!strcmp(s, kind_names[i]))
			return (int)i;
	return -1;
}

const char *
cf_hit_kind(enum cf_kind k)
{
	return k == CF_APP ? "app" : k == CF_ACCOUNT ? "account" : "domain";
}

void
cf_feed_init(struct cf_feed *f, enum cf_kind kind, const char *source)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->source = source != NULL ? source : "-";
}

static int
fail(struct cf_feed *f, struct err *e, const char *what)
{
	err_set(e, "%s:%lld: %s", f->source, f->line, what);
	return -1;
}

/* A zone-file or list line: the owner name (first field). */
static int
domain_line(struct cf_feed *f, char *s, cf_record_fn fn, void *arg,
	    struct err *e)
{
	struct cf_record r = {CF_DOMAIN, NULL, {0}};
	char name[512], *p;
	size_t n;
	int cont = (s[0] == ' ' || s[0] == '\t');

	/* comments (';' zone files, '#' lists) and blank lines */
	if ((p = strchr(s, ';')) != NULL)
		*p = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '#' || *s == '\0' || *s == '\r')
		return 0;
	/* a line that starts with blanks continues the previous owner */
	if (cont)
		return 0;
	n = strcspn(s, " \t\r");
	if (s[0] == '$') {
		if (n == 7 && !strncmp(s, "$ORIGIN", 7)) {
			char *o = s + n;

			o += strspn(o, " \t");
			o[strcspn(o, " \t\r")] = '\0';
			if (str_copy(f->origin, o, sizeof(f->origin)) < 0)
				return fail(f, e, "$ORIGIN is too long");
			if (f->origin[0] != '\0' &&
			    f->origin[strlen(f->origin) - 1] == '.')
				f->origin[strlen(f->origin) - 1] = '\0';
		}
		return 0; /* $TTL, $INCLUDE (never followed) ... */
	}
	if (n >= 256)
		return fail(f, e, "a name is longer than 255 bytes");
	if (n == 1 && s[0] == '@') {
		if (f->origin[0] == '\0')
			return fail(f, e, "'@' without $ORIGIN");
		str_copy(name, f->origin, sizeof(name));
	} else if (s[n - 1] == '.' || f->origin[0] == '\0') {
		memcpy(name, s, n);
		name[n] = '\0';
		if (n > 1 && name[n - 1] == '.')
			name[n - 1] = '\0';
	} else if (str_fmt(name, sizeof(name), "%.*s.%s", (int)n, s,
			   f->origin) < 0) {
		return fail(f, e, "a name is longer than 255 bytes");
	}
	/* a zone repeats the owner for each record: once is enough */
	if (!strcmp(name, f->last))
		return 0;
	str_copy(f->last, name, sizeof(f->last));
	r.domain = name;
	return fn(arg, &r, e);
}

static const char *
field(json_t *o, const char *k, struct cf_feed *f, struct err *e, int *bad)
{
	json_t *v = json_object_get(o, k);
	const char *s;

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		char m[128];

		str_fmt(m, sizeof(m), "\"%s\" is not a string", k);
		fail(f, e, m);
		*bad = 1;
		return NULL;
	}
	s = json_string_value(v);
	if (json_string_length(v) > CF_FIELD_MAX ||
	    strlen(s) != json_string_length(v)) {
		char m[128];

		str_fmt(m, sizeof(m),
			"\"%s\" is longer than %d bytes or holds a NUL", k,
			CF_FIELD_MAX);
		fail(f, e, m);
		*bad = 1;
		return NULL;
	}
	return s;
}

static int
json_line(struct cf_feed *f, const char *line, size_t n, cf_record_fn fn,
	  void *arg, struct err *e)
{
	json_error_t je;
	json_t *o;
	int rc = 0, bad = 0;
	struct cf_record r;

	o = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		char m[256];

		str_fmt(m, sizeof(m), "not JSON: %s (column %d)", je.text,
			je.column);
		return fail(f, e, m);
	}
	if (!json_is_object(o)) {
		json_decref(o);
		return fail(f, e, "a line must be one JSON object");
	}
	memset(&r, 0, sizeof(r));
	r.kind = f->kind;
	if (f->kind == CF_CT) {
		json_t *names = json_object_get(
		    json_object_get(json_object_get(o, "data"), "leaf_cert"),
		    "all_domains");
		json_t *mt = json_object_get(o, "message_type");
		size_t i;
		json_t *v;

		/* heartbeats and other messages carry no certificate */
		if (json_is_string(mt) &&
		    strcmp(json_string_value(mt), "certificate_update") != 0)
			goto done;
		if (!json_is_array(names)) {
			rc = fail(f, e, "no data.leaf_cert.all_domains array");
			goto done;
		}
		if (json_array_size(names) > CF_CT_NAMES_MAX) {
			rc = fail(f, e, "more than 1000 names in one entry");
			goto done;
		}
		json_array_foreach(names, i, v)
		{
			const char *d = json_string_value(v);

			if (d == NULL || json_string_length(v) > 255 ||
			    strlen(d) != json_string_length(v)) {
				rc = fail(f, e,
					  "all_domains holds something that "
					  "is not a name");
				goto done;
			}
			/* a wildcard names its parent */
			if (str_starts(d, "*."))
				d += 2;
			r.domain = d;
			if ((rc = fn(arg, &r, e)) < 0)
				goto done;
		}
		goto done;
	}
	if (f->kind == CF_APP) {
		r.item.name = field(o, "name", f, e, &bad);
		r.item.package = field(o, "package", f, e, &bad);
		r.item.developer = field(o, "developer", f, e, &bad);
		r.item.cert = field(o, "cert_sha256", f, e, &bad);
		r.item.store = field(o, "store", f, e, &bad);
		if (!bad && r.item.name == NULL && r.item.package == NULL)
			rc = fail(f, e, "an app needs \"name\" or \"package\"");
	} else {
		r.item.platform = field(o, "platform", f, e, &bad);
		r.item.name = field(o, "name", f, e, &bad);
		r.item.owner = field(o, "owner", f, e, &bad);
		if (!bad && (r.item.name == NULL || r.item.platform == NULL))
			rc = fail(f, e,
				  "an account needs \"platform\" and \"name\"");
	}
	if (bad)
		rc = -1;
	if (rc == 0)
		rc = fn(arg, &r, e);
done:
	json_decref(o);
	return rc;
}

/* The kind of a feed by its first line. */
static enum cf_kind
guess(const char *line, size_t n)
{
	json_t *o;
	enum cf_kind k = CF_DOMAIN;

	if (n == 0 || line[0] != '{')
		return CF_DOMAIN;
	o = json_loadb(line, n, 0, NULL);
	if (json_object_get(o, "data") != NULL ||
	    json_object_get(o, "message_type") != NULL)
		k = CF_CT;
	else if (json_object_get(o, "platform") != NULL)
		k = CF_ACCOUNT;
	else
		k = CF_APP;
	json_decref(o);
	return k;
}

int
cf_feed_line(struct cf_feed *f, const char *line, size_t n, cf_record_fn fn,
	     void *arg, struct err *e)
{
	char buf[CF_LINE_MAX + 1];

	f->line++;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (memchr(line, '\0', n) != NULL)
		return fail(f, e, "a NUL byte");
	if (!str_utf8_valid(line, n))
		return fail(f, e, "not UTF-8");
	if (f->kind == CF_AUTO) {
		size_t sp = 0;

		while (sp < n && (line[sp] == ' ' || line[sp] == '\t'))
			sp++;
		if (sp == n || line[sp] == '#' || line[sp] == ';')
			return 0;
		f->kind = guess(line + sp, n - sp);
	}
	if (n > (f->kind == CF_CT ? CF_CT_LINE_MAX : CF_LINE_MAX))
		return fail(f, e, "line too long");
	if (f->kind == CF_DOMAIN) {
		memcpy(buf, line, n);
		buf[n] = '\0';
		return domain_line(f, buf, fn, arg, e);
	}
	{
		size_t sp = 0;

		while (sp < n && isspace((unsigned char)line[sp]))
			sp++;
		if (sp == n)
			return 0;
	}
	return json_line(f, line, n, fn, arg, e);
}

int
cf_feed_read(struct cf_feed *f, FILE *in, cf_record_fn fn, void *arg,
	     struct err *e)
{
	size_t cap = 65536, len = 0, max = CF_CT_LINE_MAX + 2;
	char *b = xmalloc(cap);
	int c, rc = 0;

	/* a bounded line reader: a line past the limit is an error */
	while ((c = getc_unlocked(in)) != EOF) {
		if (c != '\n') {
			if (len + 1 >= cap) {
				if (cap >= max) {
					f->line++;
					rc = fail(f, e, "line too long");
					goto out;
				}
				cap *= 2;
				b = xrealloc(b, cap);
			}
			b[len++] = (char)c;
			continue;
		}
		if ((rc = cf_feed_line(f, b, len, fn, arg, e)) < 0)
			goto out;
		len = 0;
	}
	if (ferror(in)) {
		rc = fail(f, e, "read error");
		goto out;
	}
	if (len > 0)
		rc = cf_feed_line(f, b, len, fn, arg, e);
out:
	free(b);
	return rc;
}
