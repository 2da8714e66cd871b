/*
 * mailaudit.c: the e-mail configuration auditor of mailaudit.h. Each
 * reader below takes one product's files as its documentation describes
 * them (postconf(5), aliases(5), virtual(5), master(5); Dovecot's
 * configuration syntax; Pigeonhole's settings; Roundcube's
 * config.inc.php) and adds findings; nothing is executed or written.
 */
#include <dirent.h>
#include <stdlib.h>
#include <glob.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "mail/mailaudit.h"
#include "mail/sieve.h"
#include "rules/rules.h"

#define EXPAND_DEPTH  10 /* $name within $name within ... */
#define INCLUDE_DEPTH 8	 /* !include, :include: nesting */

/* ---- findings ---- */

static char *zh_or_null(struct arena *ar, const char *fmt, va_list ap)
    VPRINTF_LIKE(2);

static char *
zh_or_null(struct arena *ar, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT(4096);
	char *s = NULL;

	if (zh_vformat(&b, fmt, ap) == 0 && b.data != NULL)
		s = arena_strdup(ar, b.data);
	buf_cleanup(&b);
	return s;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* Adds a finding; fmt is a catalogue format of src/rules/zh.c (its
 * Chinese is found there) and fix a catalogue phrase. */
static void PRINTF_LIKE(7, 8)
    add(struct mail_audit *a, const char *req, int fail, const char *code,
	const char *file, int line, const char *fmt, ...)
{
	struct mail_finding *f;
	const char *fix = NULL;
	va_list ap;
	char text[1024];

	if (a->nf == a->capf) {
		struct mail_finding *nv;

		a->capf = a->capf ? a->capf * 2 : 16;
		nv = arena_alloc(&a->arena, a->capf * sizeof(*nv));
		if (a->nf > 0)
			memcpy(nv, a->f, a->nf * sizeof(*nv));
		a->f = nv;
	}
	f = &a->f[a->nf++];
	f->req = req;
	f->fail = fail;
	f->code = code;
	f->file = arena_strdup(&a->arena, file != NULL ? file : "");
	f->line = line;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	f->text = arena_strdup(&a->arena, text);
	va_start(ap, fmt);
	f->text_zh = zh_or_null(&a->arena, fmt, ap);
	va_end(ap);
	/* the fix is the code's */
	static const struct {
		const char *code, *fix;
	} fixes[] = {
	    {"postfix.forward_path", "set an empty forward_path in main.cf"},
	    {"postfix.alias_external",
	     "remove the outside address from the alias map"},
	    {"postfix.alias_program",
	     "remove the program delivery from the alias map, or have it "
	     "checked"},
	    {"postfix.virtual_external",
	     "remove the outside address from the virtual alias map"},
	    {"postfix.no_milter",
	     "route outside mail through the inspection hop with "
	     "govsec-milter (docs/deploy/postfix.md)"},
	    {"postfix.milter_smtpd_only",
	     "route outside mail through the inspection hop with "
	     "govsec-milter (docs/deploy/postfix.md)"},
	    {"postfix.milter_accept", "set milter_default_action = tempfail"},
	    {"postfix.unreadable", "make the file readable to the audit"},
	    {"dovecot.unreadable", "make the file readable to the audit"},
	    {"dovecot.sieve_redirects",
	     "set sieve_max_redirects = 0 in Dovecot's plugin section"},
	    {"dovecot.sieve_program",
	     "remove vnd.dovecot.pipe and vnd.dovecot.execute from the Sieve "
	     "extensions"},
	    {"dovecot.submission_host",
	     "set submission_host to the Postfix inspection hop"},
	    {"sieve.redirect_external",
	     "remove the redirect from the user's Sieve script"},
	    {"sieve.redirect_dynamic",
	     "remove the redirect from the user's Sieve script"},
	    {"sieve.notify_external",
	     "remove the notification from the user's Sieve script"},
	    {"sieve.program", "remove the program call from the Sieve script"},
	    {"sieve.unreadable", "correct the script or remove it"},
	    {"roundcube.forward_ui", "add 'redirect' and 'redirect_copy' to "
				     "managesieve_disabled_actions"},
	    {"roundcube.forward_plugin", "disable the forwarding plugin"},
	    {"roundcube.show_images", "set show_images = 0 in Roundcube"},
	    {"roundcube.inline_images",
	     "set inline_images = false in Roundcube"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(fixes); i++)
		if (strcmp(fixes[i].code, code) == 0)
			fix = fixes[i].fix;
	f->fix = arena_strdup(&a->arena, fix != NULL ? fix : "");
	f->fix_zh = fix != NULL && zh_lookup(fix) != NULL
			? arena_strdup(&a->arena, zh_lookup(fix))
			: NULL;
}
#pragma GCC diagnostic pop

static void
push(struct arena *ar, const char ***v, size_t *n, size_t *cap, const char *s)
{
	if (*n == *cap) {
		const char **nv;

		*cap = *cap ? *cap * 2 : 16;
		nv = arena_alloc(ar, *cap * sizeof(*nv));
		if (*n > 0)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
	}
	(*v)[(*n)++] = s;
}

/* Reads path whole (at most MAIL_AUDIT_MAX_FILE) as a source. */
static int
read_source(struct mail_audit *a, const char *path, struct buf *b,
	    struct err *e)
{
	buf_init(b, MAIL_AUDIT_MAX_FILE);
	if (a->nsources >= MAIL_AUDIT_MAX_FILES) {
		err_set(e, "%s: more than %d files in one audit", path,
			MAIL_AUDIT_MAX_FILES);
		return -1;
	}
	if (buf_read_file(b, path, e) < 0)
		return -1;
	push(&a->arena, &a->sources, &a->nsources, &a->capsources,
	     arena_strdup(&a->arena, path));
	return 0;
}

/* ---- domains and addresses ---- */

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static void
add_local(struct mail_audit *a, const char *d)
{
	char *s;
	size_t n;

	while (*d == '.' || *d == '@')
		d++;
	if (*d == '\0' || strchr(d, '$') != NULL || strchr(d, ':') != NULL ||
	    strchr(d, '/') != NULL)
		return;
	s = arena_strdup(&a->arena, d);
	lower(s);
	n = strlen(s);
	if (n > 0 && s[n - 1] == '.')
		s[n - 1] = '\0';
	for (size_t i = 0; i < a->nlocal; i++)
		if (strcmp(a->local[i], s) == 0)
			return;
	push(&a->arena, &a->local, &a->nlocal, &a->caplocal, s);
}

int
mail_audit_external(const struct mail_audit *a, const char *addr)
{
	const char *at = strrchr(addr, '@');
	char d[256];
	size_t n;

	if (at == NULL)
		return 0; /* a local user */
	if (str_copy(d, at + 1, sizeof(d)) < 0)
		return 1;
	lower(d);
	n = strlen(d);
	if (n > 0 && d[n - 1] == '.')
		d[n - 1] = '\0';
	if (d[0] == '[')
		return 1; /* an address literal is somewhere else */
	for (size_t i = 0; i < a->nlocal; i++)
		if (strcmp(a->local[i], d) == 0)
			return 0;
	return 1;
}

/* Strips <...>, quotes and white space around one address in place. */
static char *
bare_address(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '"')
		s++;
	n = strlen(s);
	while (n > 0 && strchr(" \t\r\n\"", s[n - 1]) != NULL)
		s[--n] = '\0';
	if (*s == '<' && n > 1 && s[n - 1] == '>') {
		s[n - 1] = '\0';
		s++;
	}
	return s;
}

/*
 * The next line at *cur, cut in place (*cur moves past it; NULL at the
 * end), without its leading and trailing white space; *indented says it
 * began with white space (a continuation in Postfix's files).
 */
static char *
next_line(char **cur, int *lineno, int *indented)
{
	char *line = *cur, *nl, *t;
	size_t n;

	if (line == NULL)
		return NULL;
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	*cur = nl != NULL ? nl + 1 : NULL;
	(*lineno)++;
	for (t = line; *t == ' ' || *t == '\t'; t++)
		;
	*indented = t != line;
	n = strlen(t);
	while (n > 0 && strchr(" \t\r", t[n - 1]) != NULL)
		t[--n] = '\0';
	return t;
}

/* ---- Postfix ---- */

struct pf_param {
	const char *name, *value;
	int line;
};

struct postfix {
	const char *dir, *main_cf;
	struct pf_param *p;
	size_t n, cap;
};

static const char *
pf_raw(const struct postfix *pf, const char *name)
{
	for (size_t i = pf->n; i-- > 0;) /* the last setting wins */
		if (strcmp(pf->p[i].name, name) == 0)
			return pf->p[i].value;
	return NULL;
}

static int
pf_line(const struct postfix *pf, const char *name)
{
	for (size_t i = pf->n; i-- > 0;)
		if (strcmp(pf->p[i].name, name) == 0)
			return pf->p[i].line;
	return 0;
}

/* Postfix's compiled-in defaults for the parameters read here. */
static const char *
pf_default(const char *name)
{
	static const char *const d[][2] = {
	    {"forward_path",
	     "$home/.forward${recipient_delimiter}${extension}, "
	     "$home/.forward"},
	    {"local_transport", "local:$myhostname"},
	    {"alias_maps", "hash:/etc/aliases, nis:mail.aliases"},
	    {"mydestination", "$myhostname, localhost.$mydomain, localhost"},
	    {"virtual_alias_domains", "$virtual_alias_maps"},
	    {"milter_default_action", "tempfail"},
	    {"config_directory", NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(d); i++)
		if (strcmp(d[i][0], name) == 0)
			return d[i][1];
	return NULL;
}

/* name's value with $name, ${name} and $(name) expanded. */
static void
pf_expand(const struct postfix *pf, const char *s, struct buf *out, int depth)
{
	while (*s != '\0') {
		char name[128];
		size_t n = 0;
		const char *v, *q;

		if (*s != '$') {
			buf_addch(out, *s++);
			continue;
		}
		q = s + 1;
		if (*q == '{' || *q == '(') {
			char close = *q == '{' ? '}' : ')';

			q++;
			while (*q != '\0' && *q != close && *q != ':' &&
			       n + 1 < sizeof(name))
				name[n++] = *q++;
			while (*q != '\0' && *q != close)
				q++; /* ${name?value} forms: name only */
			if (*q == close)
				q++;
		} else {
			while ((*q == '_' || (*q >= 'a' && *q <= 'z') ||
				(*q >= '0' && *q <= '9')) &&
			       n + 1 < sizeof(name))
				name[n++] = *q++;
		}
		name[n] = '\0';
		if (n == 0) {
			buf_addch(out, *s++);
			continue;
		}
		s = q;
		if (strcmp(name, "config_directory") == 0) {
			buf_addstr(out, pf->dir);
			continue;
		}
		v = pf_raw(pf, name);
		if (v == NULL)
			v = pf_default(name);
		if (v != NULL && depth < EXPAND_DEPTH)
			pf_expand(pf, v, out, depth + 1);
	}
}

/* The expanded value of name (its default when unset) in b; NULL if
 * neither. */
static const char *
pf_get(const struct postfix *pf, const char *name, struct buf *b)
{
	const char *v = pf_raw(pf, name);

	buf_reset(b);
	if (v == NULL)
		v = pf_default(name);
	if (v == NULL)
		return NULL;
	pf_expand(pf, v, b, 0);
	return b->data != NULL ? b->data : "";
}

/* Splits a Postfix list (commas and white space) into items in place. */
static size_t
split_list(char *s, char **items, size_t max)
{
	size_t n = 0;

	for (char *t = strtok(s, ", \t\r\n"); t != NULL && n < max;
	     t = strtok(NULL, ", \t\r\n"))
		items[n++] = t;
	return n;
}

/* Reads key = value lines with continuation (main.cf, postconf(5)). */
static int
read_main_cf(struct mail_audit *a, struct postfix *pf, struct err *e)
{
	struct buf b;
	int lineno = 0, cur = -1, ind;

	if (read_source(a, pf->main_cf, &b, e) < 0) {
		buf_cleanup(&b);
		return -1;
	}
	for (char *line = b.data, *t, *eq, *name, *val;
	     (t = next_line(&line, &lineno, &ind)) != NULL;) {
		size_t n;

		if (*t == '#' || *t == '\0')
			continue;
		if (ind) { /* a continuation */
			if (cur >= 0)
				pf->p[cur].value = arena_printf(
				    &a->arena, "%s %s", pf->p[cur].value, t);
			continue;
		}
		if ((eq = strchr(t, '=')) == NULL)
			continue; /* Postfix warns and ignores such a line */
		*eq = '\0';
		name = t;
		n = strlen(name);
		while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
			name[--n] = '\0';
		val = eq + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		if (pf->n == pf->cap) {
			struct pf_param *nv;

			pf->cap = pf->cap ? pf->cap * 2 : 64;
			nv = arena_alloc(&a->arena, pf->cap * sizeof(*nv));
			if (pf->n > 0)
				memcpy(nv, pf->p, pf->n * sizeof(*nv));
			pf->p = nv;
		}
		pf->p[pf->n].name = arena_strdup(&a->arena, name);
		pf->p[pf->n].value = arena_strdup(&a->arena, val);
		pf->p[pf->n].line = lineno;
		cur = (int)pf->n++;
	}
	buf_cleanup(&b);
	return 0;
}

/* The text source of a map "type:name" Postfix reads from a file, or NULL
 * (a type read from elsewhere: nis, ldap, mysql, ...). *regex: the map's
 * keys are patterns, its values after them. */
static const char *
map_source(struct arena *ar, const char *map, int *regex)
{
	static const char *const keyed[] = {"hash", "btree", "lmdb",	"cdb",
					    "dbm",  "sdbm",  "texthash"};
	const char *colon = strchr(map, ':');
	size_t tn;

	*regex = 0;
	if (colon == NULL)
		return map[0] == '/' ? map : NULL; /* default type */
	tn = (size_t)(colon - map);
	for (size_t i = 0; i < ARRAY_SIZE(keyed); i++)
		if (strlen(keyed[i]) == tn && strncmp(map, keyed[i], tn) == 0)
			return arena_strdup(ar, colon + 1);
	if ((tn == 6 && strncmp(map, "regexp", 6) == 0) ||
	    (tn == 4 && strncmp(map, "pcre", 4) == 0)) {
		*regex = 1;
		return arena_strdup(ar, colon + 1);
	}
	return NULL;
}

enum map_kind { MAP_ALIASES, MAP_VIRTUAL, MAP_DOMAINS };

static void check_targets(struct mail_audit *a, enum map_kind kind,
			  const char *key, char *targets, const char *file,
			  int line, int depth);

/* :include:/file of aliases(5): more targets, one or more a line. */
static void
read_include(struct mail_audit *a, const char *key, const char *path, int depth)
{
	struct buf b;
	struct err e;
	char *line;
	int lineno = 0, ind;

	if (depth > INCLUDE_DEPTH)
		return;
	if (read_source(a, path, &b, &e) < 0) {
		add(a, "MAIL-1", 0, "postfix.unreadable", path, 0,
		    "the alias include file could not be read: %s", e.msg);
		buf_cleanup(&b);
		return;
	}
	for (char *cur = b.data;
	     (line = next_line(&cur, &lineno, &ind)) != NULL;)
		if (*line != '#' && *line != '\0')
			check_targets(a, MAP_ALIASES, key, line, path, lineno,
				      depth + 1);
	buf_cleanup(&b);
}

static void
check_targets(struct mail_audit *a, enum map_kind kind, const char *key,
	      char *targets, const char *file, int line, int depth)
{
	char *save = NULL;

	for (char *t = strtok_r(targets, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		char *addr = bare_address(t);

		if (*addr == '\0')
			continue;
		if (kind == MAP_ALIASES && *addr == '|') {
			add(a, "MAIL-1", 0, "postfix.alias_program", file, line,
			    "alias '%s' hands mail to a program (%s), which "
			    "can send it anywhere",
			    key, addr + 1);
		} else if (kind == MAP_ALIASES &&
			   strncasecmp(addr, ":include:", 9) == 0) {
			read_include(a, key, addr + 9, depth);
		} else if (*addr == '/') {
			continue; /* delivery to a file */
		} else if (mail_audit_external(a, addr)) {
			if (kind == MAP_ALIASES)
				add(a, "MAIL-1", 1, "postfix.alias_external",
				    file, line,
				    "alias '%s' forwards to the outside "
				    "address %s",
				    key, addr);
			else
				add(a, "MAIL-1", 1, "postfix.virtual_external",
				    file, line,
				    "virtual alias '%s' forwards to the "
				    "outside "
				    "address %s",
				    key, addr);
		}
	}
}

/* One whole entry of a map: its key, then its targets. */
static void
map_entry(struct mail_audit *a, struct buf *entry, enum map_kind kind,
	  int regex, const char *path, int line)
{
	char *s = entry->data, *sep, *key;

	if (entry->len == 0)
		return;
	if (kind == MAP_ALIASES) {
		sep = strchr(s, ':');
	} else if (regex && *s == '/') {
		sep = strchr(s + 1, '/');
		sep = sep != NULL ? strpbrk(sep, " \t") : NULL;
	} else {
		sep = strpbrk(s, " \t");
	}
	if (sep != NULL) {
		*sep = '\0';
		key = bare_address(s);
		if (kind != MAP_DOMAINS)
			check_targets(a, kind, key, sep + 1, path, line, 0);
		else if (strchr(key, '@') == NULL && !regex)
			add_local(a, key);
	}
	buf_reset(entry);
}

/*
 * Reads one map source: aliases(5) ("key: targets", continuation lines
 * start with white space) or a Postfix table ("key value", virtual(5));
 * for MAP_DOMAINS its keys that are domain names become local domains.
 */
static void
read_map(struct mail_audit *a, const char *map, enum map_kind kind)
{
	struct buf b, entry = BUF_INIT(1 << 20);
	struct err e;
	int regex, lineno = 0, entry_line = 0, ind;
	const char *path = map_source(&a->arena, map, &regex);

	if (path == NULL)
		return; /* not a file: nis, ldap, sql... (docs/mail.md) */
	if (read_source(a, path, &b, &e) < 0) {
		add(a, "MAIL-1", 0, "postfix.unreadable", path, 0,
		    "the map could not be read: %s", e.msg);
		buf_cleanup(&b);
		return;
	}
	for (char *line = b.data, *t;
	     (t = next_line(&line, &lineno, &ind)) != NULL;) {
		if (*t == '\0' || *t == '#')
			continue;
		if (!ind) { /* a new entry */
			map_entry(a, &entry, kind, regex, path, entry_line);
			entry_line = lineno;
		} else {
			buf_addch(&entry, ' ');
		}
		buf_addstr(&entry, t);
	}
	map_entry(a, &entry, kind, regex, path, entry_line);
	buf_cleanup(&entry);
	buf_cleanup(&b);
}

/* Calls read_map for every map of list parameter name. */
static void
read_maps(struct mail_audit *a, const struct postfix *pf, const char *name,
	  enum map_kind kind, int domains_too)
{
	struct buf v = BUF_INIT(1 << 16);
	char *items[64];
	size_t n;

	if (pf_get(pf, name, &v) == NULL || v.data == NULL) {
		buf_cleanup(&v);
		return;
	}
	n = split_list(v.data, items, ARRAY_SIZE(items));
	for (size_t i = 0; i < n; i++) {
		if (domains_too && strchr(items[i], ':') == NULL &&
		    items[i][0] != '/')
			add_local(a, items[i]);
		else
			read_map(a, items[i], kind);
	}
	buf_cleanup(&v);
}

/* 1 if value v names govsec-milter (o->milter, or "govsec"). */
static int
names_milter(const char *v, const char *milter)
{
	if (v == NULL)
		return 0;
	return strstr(v, milter != NULL && *milter != '\0' ? milter
							   : "govsec") != NULL;
}

/*
 * master.cf (master(5)): services whose "-o smtpd_milters=..." name
 * govsec-milter. *hop: such a service that is not the public "smtp inet"
 * listener (the inspection hop of docs/deploy); *any: any at all.
 */
static void
read_master_cf(struct mail_audit *a, const struct postfix *pf,
	       const char *milter, int *hop, int *any)
{
	char path[PATH_MAX];
	struct buf b;
	struct err e;
	char service[128] = "", type[16] = "";
	int lineno = 0, ind;

	*hop = *any = 0;
	if (str_fmt(path, sizeof(path), "%s/master.cf", pf->dir) < 0 ||
	    access(path, R_OK) != 0)
		return;
	if (read_source(a, path, &b, &e) < 0) {
		buf_cleanup(&b);
		return;
	}
	for (char *cur = b.data, *line;
	     (line = next_line(&cur, &lineno, &ind)) != NULL;) {
		const char *o = strstr(line, "smtpd_milters=");

		if (*line == '#' || *line == '\0')
			continue;
		/* a service line names the service; "-o" lines follow it */
		if (!ind && sscanf(line, "%127s %15s", service, type) != 2)
			service[0] = type[0] = '\0';
		if (o != NULL && names_milter(o, milter)) {
			*any = 1;
			if (!(strcmp(type, "inet") == 0 &&
			      (strcmp(service, "smtp") == 0 ||
			       strcmp(service, "25") == 0)))
				*hop = 1;
		}
	}
	buf_cleanup(&b);
}

static int
audit_postfix(struct mail_audit *a, const struct mail_audit_opts *o,
	      struct err *e)
{
	struct postfix pf = {0};
	struct buf v = BUF_INIT(1 << 16);
	char main_cf[PATH_MAX];
	int hop, any, line;

	pf.dir = o->postfix_dir;
	if (str_fmt(main_cf, sizeof(main_cf), "%s/main.cf", pf.dir) < 0) {
		err_set(e, "%s: path too long", pf.dir);
		return -1;
	}
	pf.main_cf = main_cf;
	if (read_main_cf(a, &pf, e) < 0)
		return -1;
	a->postfix = 1;
	/* the local domains first: every target is judged against them */
	read_maps(a, &pf, "mydestination", MAP_DOMAINS, 1);
	read_maps(a, &pf, "virtual_mailbox_domains", MAP_DOMAINS, 1);
	read_maps(a, &pf, "virtual_alias_domains", MAP_DOMAINS, 1);
	if (pf_get(&pf, "myhostname", &v) != NULL)
		add_local(a, v.data);
	/* local(8) reads aliases and .forward when it is the local
	 * transport (postconf(5) local_transport, forward_path) */
	pf_get(&pf, "local_transport", &v);
	if (v.data != NULL && strncmp(v.data, "local", 5) == 0 &&
	    (v.data[5] == '\0' || v.data[5] == ':')) {
		const char *fp = pf_raw(&pf, "forward_path");
		size_t k = fp != NULL ? strspn(fp, " \t") : 0;

		if (fp == NULL || fp[k] != '\0')
			add(a, "MAIL-1", 1, "postfix.forward_path", main_cf,
			    pf_line(&pf, "forward_path"),
			    "local(8) follows users' .forward files "
			    "(forward_path is '%s')",
			    fp != NULL ? fp : pf_default("forward_path"));
		read_maps(a, &pf, "alias_maps", MAP_ALIASES, 0);
	}
	read_maps(a, &pf, "virtual_alias_maps", MAP_VIRTUAL, 0);
	/* govsec-milter where it sees the final envelope */
	read_master_cf(a, &pf, o->milter, &hop, &any);
	if (!any && (names_milter(pf_raw(&pf, "smtpd_milters"), o->milter) ||
		     names_milter(pf_raw(&pf, "non_smtpd_milters"), o->milter)))
		any = 1;
	if (!any)
		add(a, "MAIL-1", 0, "postfix.no_milter", main_cf, 0,
		    "govsec-milter is not in Postfix's path: nothing stops "
		    "forwarding when the mail is sent");
	else if (!hop)
		add(a, "MAIL-1", 0, "postfix.milter_smtpd_only", main_cf,
		    pf_line(&pf, "smtpd_milters"),
		    "govsec-milter sees mail only where it arrives: "
		    "forwarding by aliases, .forward and virtual aliases "
		    "happens after it");
	pf_get(&pf, "milter_default_action", &v);
	line = pf_line(&pf, "milter_default_action");
	if (any && v.data != NULL && strcmp(v.data, "accept") == 0)
		add(a, "MAIL-1", 0, "postfix.milter_accept", main_cf, line,
		    "milter_default_action is 'accept': mail passes unchecked "
		    "while govsec-milter is down");
	buf_cleanup(&v);
	return 0;
}

/* ---- Sieve ---- */

struct sieve_walk_ctx {
	struct mail_audit *a;
	const char *file;
};

static int
sieve_cmd(void *arg, const struct sieve_node *c)
{
	struct sieve_walk_ctx *w = arg;
	const struct sieve_arg *target = NULL;

	/* the last string argument is the address or method (RFC 5228
	 * 4.2 redirect; RFC 5435 notify's method; vnd.dovecot.pipe) */
	for (size_t i = 0; i < c->nargs; i++)
		if (c->args[i].type == SIEVE_STRINGS)
			target = &c->args[i];
	if (strcmp(c->name, "redirect") == 0 && target != NULL) {
		for (size_t i = 0; i < target->nstrs; i++) {
			const struct sieve_string *s = &target->strs[i];
			char addr[1024];

			/* Pigeonhole takes the address of a text: block
			 * without its line end */
			str_copy(addr, s->s, sizeof(addr));
			addr[strcspn(addr, "\r\n")] = '\0';
			if (s->dynamic)
				add(w->a, "MAIL-1", 1, "sieve.redirect_dynamic",
				    w->file, c->line,
				    "the Sieve script redirects mail to an "
				    "address known only when it runs (%s)",
				    addr);
			else if (mail_audit_external(w->a, addr))
				add(w->a, "MAIL-1", 1,
				    "sieve.redirect_external", w->file, c->line,
				    "the Sieve script redirects mail to the "
				    "outside address %s",
				    addr);
		}
	} else if (strcmp(c->name, "notify") == 0 && target != NULL) {
		const char *m = target->strs[0].s;

		if (strncasecmp(m, "mailto:", 7) == 0 &&
		    (target->strs[0].dynamic ||
		     mail_audit_external(w->a, m + 7)))
			add(w->a, "MAIL-1", 0, "sieve.notify_external", w->file,
			    c->line,
			    "the Sieve script sends notifications to the "
			    "outside address %s",
			    m + 7);
	} else if (strcmp(c->name, "pipe") == 0 ||
		   strcmp(c->name, "execute") == 0) {
		add(w->a, "MAIL-1", 0, "sieve.program", w->file, c->line,
		    "the Sieve script hands mail to a program (%s)",
		    target != NULL ? target->strs[0].s : c->name);
	}
	return 0;
}

static void
audit_script(struct mail_audit *a, const char *path)
{
	struct sieve_script s;
	struct sieve_walk_ctx w = {a, path};
	struct buf b;
	struct err e;

	if (read_source(a, path, &b, &e) < 0) {
		add(a, "MAIL-1", 0, "sieve.unreadable", path, 0,
		    "the Sieve script could not be read: %s", e.msg);
	} else if (sieve_parse(&s, b.data != NULL ? b.data : "", b.len, &e) <
		   0) {
		/* Pigeonhole does not run a script it cannot compile */
		add(a, "MAIL-1", 0, "sieve.unreadable", path, 0,
		    "the Sieve script could not be read: %s", e.msg);
		sieve_free(&s);
	} else {
		a->sieve = 1;
		sieve_walk(&s, sieve_cmd, &w);
		sieve_free(&s);
	}
	buf_cleanup(&b);
}

/* A script, or every *.sieve under a directory, in name order. */
static void
audit_sieve_path(struct mail_audit *a, const char *path, int depth)
{
	struct stat st;
	struct dirent **de;
	int n;

	if (stat(path, &st) != 0 || depth > INCLUDE_DEPTH)
		return;
	if (!S_ISDIR(st.st_mode)) {
		audit_script(a, path);
		return;
	}
	a->sieve = 1;
	if ((n = scandir(path, &de, NULL, alphasort)) < 0)
		return;
	for (int i = 0; i < n; i++) {
		char sub[PATH_MAX];
		const char *name = de[i]->d_name;

		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
		    str_fmt(sub, sizeof(sub), "%s/%s", path, name) >= 0 &&
		    lstat(sub, &st) == 0 && !S_ISLNK(st.st_mode)) {
			if (S_ISDIR(st.st_mode))
				audit_sieve_path(a, sub, depth + 1);
			else if (str_ends(name, ".sieve"))
				audit_script(a, sub);
		}
		free(de[i]);
	}
	free(de);
}

/* ---- Dovecot ---- */

struct dovecot {
	const char *max_redirects, *extensions, *submission_host;
	const char *file_max;
	int line_max;
	int sieve_plugin;
	const char *scripts[16]; /* sieve_before/after/default: absolute */
	size_t nscripts;
};

static int read_dovecot(struct mail_audit *a, struct dovecot *dc,
			const char *path, int depth, struct err *e);

static void
dovecot_include(struct mail_audit *a, struct dovecot *dc, const char *from,
		const char *pat, int depth, int must)
{
	char full[PATH_MAX];
	glob_t g;
	struct err e;

	if (pat[0] == '/') {
		str_copy(full, pat, sizeof(full));
	} else {
		const char *slash = strrchr(from, '/');
		int n = slash != NULL ? (int)(slash - from) : 1;

		if (str_fmt(full, sizeof(full), "%.*s/%s", n,
			    slash != NULL ? from : ".", pat) < 0)
			return;
	}
	if (glob(full, 0, NULL, &g) != 0) {
		if (must)
			add(a, "MAIL-1", 0, "dovecot.unreadable", from, 0,
			    "the Dovecot configuration could not be read: %s",
			    full);
		return;
	}
	for (size_t i = 0; i < g.gl_pathc; i++)
		if (read_dovecot(a, dc, g.gl_pathv[i], depth + 1, &e) < 0)
			add(a, "MAIL-1", 0, "dovecot.unreadable", g.gl_pathv[i],
			    0,
			    "the Dovecot configuration could not be read: %s",
			    e.msg);
	globfree(&g);
}

/*
 * Dovecot's configuration: "key = value", "section [name] {", "}",
 * "!include[_try] glob"; the settings read here are the top level's and
 * those of the plugin { } and protocol lmtp|lda { } sections.
 */
static int
read_dovecot(struct mail_audit *a, struct dovecot *dc, const char *path,
	     int depth, struct err *e)
{
	struct buf b;
	char stack[SIEVE_MAX_DEPTH][32];
	int top = 0, lineno = 0, ind;

	if (depth > INCLUDE_DEPTH)
		return 0;
	if (read_source(a, path, &b, e) < 0) {
		buf_cleanup(&b);
		return -1;
	}
	path = a->sources[a->nsources - 1];
	for (char *line = b.data, *t, *eq;
	     (t = next_line(&line, &lineno, &ind)) != NULL;) {
		size_t n = strlen(t);

		if (*t == '#' || *t == '\0')
			continue;
		if (strncmp(t, "!include_try ", 13) == 0) {
			dovecot_include(a, dc, path, t + 13, depth, 0);
			continue;
		}
		if (strncmp(t, "!include ", 9) == 0) {
			dovecot_include(a, dc, path, t + 9, depth, 1);
			continue;
		}
		if (strcmp(t, "}") == 0) {
			if (top > 0)
				top--;
			continue;
		}
		eq = strchr(t, '=');
		if (n > 0 && t[n - 1] == '{' && (eq == NULL)) {
			if (top < SIEVE_MAX_DEPTH) {
				char sec[32] = "";
				char name[32] = "";

				sscanf(t, "%31s %31s", sec, name);
				if (strcmp(sec, "protocol") == 0)
					str_fmt(stack[top], sizeof(stack[top]),
						"protocol %s", name);
				else
					str_copy(stack[top], sec,
						 sizeof(stack[top]));
			}
			top++;
			continue;
		}
		if (eq == NULL)
			continue;
		{
			char *key = t, *val = eq + 1;
			size_t kn;
			const char *sec = top > 0 && top <= SIEVE_MAX_DEPTH
					      ? stack[top - 1]
					      : "";

			*eq = '\0';
			kn = strlen(key);
			while (kn > 0 &&
			       (key[kn - 1] == ' ' || key[kn - 1] == '\t'))
				key[--kn] = '\0';
			while (*val == ' ' || *val == '\t')
				val++;
			if (strcmp(key, "mail_plugins") == 0 &&
			    (top == 0 || strcmp(sec, "protocol lmtp") == 0 ||
			     strcmp(sec, "protocol lda") == 0))
				dc->sieve_plugin |=
				    strstr(val, "sieve") != NULL;
			else if (strcmp(key, "submission_host") == 0 &&
				 top == 0)
				dc->submission_host =
				    arena_strdup(&a->arena, val);
			else if (strcmp(sec, "plugin") != 0)
				continue;
			else if (strcmp(key, "sieve_max_redirects") == 0) {
				dc->max_redirects =
				    arena_strdup(&a->arena, val);
				dc->file_max = path;
				dc->line_max = lineno;
			} else if (strcmp(key, "sieve_extensions") == 0 ||
				   strcmp(key, "sieve_global_extensions") ==
				       0) {
				dc->extensions =
				    dc->extensions != NULL
					? arena_printf(&a->arena, "%s %s",
						       dc->extensions, val)
					: arena_strdup(&a->arena, val);
			} else if ((str_starts(key, "sieve_before") ||
				    str_starts(key, "sieve_after") ||
				    strcmp(key, "sieve_default") == 0) &&
				   val[0] == '/' &&
				   dc->nscripts < ARRAY_SIZE(dc->scripts)) {
				char *v = arena_strdup(&a->arena, val);

				v[strcspn(v, ";")] = '\0'; /* ;name=... */
				dc->scripts[dc->nscripts++] = v;
			}
		}
	}
	buf_cleanup(&b);
	return 0;
}

static int
audit_dovecot(struct mail_audit *a, const char *conf, struct err *e)
{
	struct dovecot dc = {0};

	if (read_dovecot(a, &dc, conf, 0, e) < 0)
		return -1;
	a->dovecot = 1;
	for (size_t i = 0; i < dc.nscripts; i++)
		audit_sieve_path(a, dc.scripts[i], 0);
	if (!dc.sieve_plugin)
		return 0; /* no Sieve at delivery: nothing redirects */
	if (dc.max_redirects == NULL || strcmp(dc.max_redirects, "0") != 0)
		add(a, "MAIL-1", 1, "dovecot.sieve_redirects",
		    dc.file_max != NULL ? dc.file_max : conf, dc.line_max,
		    "Pigeonhole lets a Sieve script redirect each message "
		    "%s times (sieve_max_redirects)",
		    dc.max_redirects != NULL ? dc.max_redirects : "4");
	if (dc.extensions != NULL &&
	    (strstr(dc.extensions, "vnd.dovecot.pipe") != NULL ||
	     strstr(dc.extensions, "vnd.dovecot.execute") != NULL))
		add(a, "MAIL-1", 0, "dovecot.sieve_program", conf, 0,
		    "Sieve scripts may hand mail to programs (%s)",
		    dc.extensions);
	if (dc.submission_host == NULL || dc.submission_host[0] == '\0')
		add(a, "MAIL-1", 0, "dovecot.submission_host", conf, 0,
		    "Dovecot sends Sieve's mail with sendmail_path, not "
		    "submission_host: a refusal by govsec-milter becomes a "
		    "bounce");
	return 0;
}

/* ---- Roundcube ---- */

/* The value of $config['key'] in config.inc.php as written (or NULL),
 * with its line. */
static const char *
rc_value(struct arena *ar, const char *php, const char *key, int *line)
{
	char pat[96];
	const char *p, *found = NULL;
	int depth = 0;
	char q = 0;
	const char *v;
	size_t n = 0;

	/* the last assignment wins, as in PHP */
	for (int k = 0; k < 2; k++) {
		str_fmt(pat, sizeof(pat), "['%s']", key);
		for (p = strstr(php, pat); p != NULL; p = strstr(p + 1, pat))
			found = p + strlen(pat);
		if (found != NULL)
			break;
		str_fmt(pat, sizeof(pat), "[\"%s\"]", key);
	}
	if (found == NULL)
		return NULL;
	*line = 1;
	for (const char *s = php; s < found; s++)
		*line += *s == '\n';
	while (*found == ' ' || *found == '\t')
		found++;
	if (*found != '=')
		return NULL;
	v = ++found;
	for (; v[n] != '\0'; n++) {
		char c = v[n];

		if (q != 0) {
			if (c == '\\' && v[n + 1] != '\0')
				n++;
			else if (c == q)
				q = 0;
		} else if (c == '\'' || c == '"') {
			q = c;
		} else if (c == '(' || c == '[') {
			depth++;
		} else if (c == ')' || c == ']') {
			depth--;
		} else if (c == ';' && depth <= 0) {
			break;
		}
	}
	{
		char *s = arena_alloc(ar, n + 1);

		memcpy(s, v, n);
		return bare_address(s); /* trims */
	}
}

static int
rc_truthy(const char *v, int def)
{
	if (v == NULL)
		return def;
	if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0 ||
	    strcmp(v, "''") == 0 || strcasecmp(v, "null") == 0)
		return 0;
	return 1;
}

static int
audit_roundcube(struct mail_audit *a, const char *path, struct err *e)
{
	struct buf b;
	const char *php, *plugins, *dis, *v;
	int line = 0;

	if (read_source(a, path, &b, e) < 0) {
		buf_cleanup(&b);
		return -1;
	}
	a->roundcube = 1;
	php = b.data != NULL ? b.data : "";
	plugins = rc_value(&a->arena, php, "plugins", &line);
	if (plugins != NULL && strstr(plugins, "'managesieve'") != NULL) {
		int pl = line;

		dis = rc_value(&a->arena, php, "managesieve_disabled_actions",
			       &line);
		if (dis == NULL || strstr(dis, "'redirect'") == NULL ||
		    strstr(dis, "'redirect_copy'") == NULL)
			add(a, "MAIL-1", 0, "roundcube.forward_ui", path,
			    dis != NULL ? line : pl,
			    "Roundcube's managesieve plugin lets users set up "
			    "redirects");
	}
	if (plugins != NULL) {
		char *copy = arena_strdup(&a->arena, plugins), *save = NULL;

		lower(copy);

		for (char *t = strtok_r(copy, "'\", ()[]\t\r\n", &save);
		     t != NULL; t = strtok_r(NULL, "'\", ()[]\t\r\n", &save))
			if (strstr(t, "forward") != NULL)
				add(a, "MAIL-1", 0, "roundcube.forward_plugin",
				    path, line,
				    "Roundcube has the forwarding plugin %s",
				    t);
	}
	/* show_images: 0 never, 1 from known senders, 2 always, 3 from
	 * trusted senders (Roundcube's defaults.inc.php) */
	v = rc_value(&a->arena, php, "show_images", &line);
	if (v != NULL && strcmp(v, "0") != 0)
		add(a, "MAIL-2", strcmp(v, "2") == 0, "roundcube.show_images",
		    path, line,
		    "Roundcube loads remote content of messages without asking "
		    "(show_images = %s)",
		    v);
	v = rc_value(&a->arena, php, "inline_images", &line);
	if (rc_truthy(v, 1)) /* on unless turned off */
		add(a, "MAIL-2", 1, "roundcube.inline_images", path,
		    v != NULL ? line : 0,
		    "Roundcube downloads and shows attached images without "
		    "asking (inline_images)");
	buf_cleanup(&b);
	return 0;
}

/* ---- the audit ---- */

int
mail_audit_run(struct mail_audit *a, const struct mail_audit_opts *o,
	       struct err *e)
{
	memset(a, 0, sizeof(*a));
	arena_init(&a->arena);
	for (size_t i = 0; i < o->ndomains; i++)
		add_local(a, o->domains[i]);
	if (o->postfix_dir != NULL && audit_postfix(a, o, e) < 0)
		return -1;
	if (o->dovecot_conf != NULL && audit_dovecot(a, o->dovecot_conf, e) < 0)
		return -1;
	for (size_t i = 0; i < o->nsieve; i++) {
		struct stat st;

		if (stat(o->sieve[i], &st) != 0) {
			err_set(e, "%s: no such file or directory",
				o->sieve[i]);
			return -1;
		}
		audit_sieve_path(a, o->sieve[i], 0);
	}
	if (o->roundcube != NULL && audit_roundcube(a, o->roundcube, e) < 0)
		return -1;
	return 0;
}

void
mail_audit_free(struct mail_audit *a)
{
	arena_cleanup(&a->arena);
	memset(a, 0, sizeof(*a));
}

size_t
mail_audit_fails(const struct mail_audit *a, const char *req)
{
	size_t n = 0;

	for (size_t i = 0; i < a->nf; i++)
		n += a->f[i].fail && strcmp(a->f[i].req, req) == 0;
	return n;
}

static json_t *
strings(const char *const *v, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_string(v[i]));
	return arr;
}

json_t *
mail_audit_json(const struct mail_audit *a)
{
	json_t *covered = json_array(), *f = json_array();

	if (a->postfix)
		json_array_append_new(covered, json_string("postfix"));
	if (a->dovecot)
		json_array_append_new(covered, json_string("dovecot"));
	if (a->sieve)
		json_array_append_new(covered, json_string("sieve"));
	if (a->roundcube)
		json_array_append_new(covered, json_string("roundcube"));
	for (size_t i = 0; i < a->nf; i++) {
		const struct mail_finding *x = &a->f[i];

		json_array_append_new(
		    f, json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:s?,s:s,s:s?}",
				 "requirement", x->req, "level",
				 x->fail ? "fail" : "warn", "code", x->code,
				 "file", x->file, "line", x->line, "text",
				 x->text, "text_zh", x->text_zh, "fix", x->fix,
				 "fix_zh", x->fix_zh));
	}
	return json_pack("{s:o,s:o,s:o,s:o}", "covered", covered, "sources",
			 strings(a->sources, a->nsources), "local_domains",
			 strings(a->local, a->nlocal), "findings", f);
}

int
mail_audit_record(struct store *st, const char *app, const struct mail_audit *a,
		  const char *actor, char id[33], struct err *e)
{
	unsigned char r[16];
	json_t *j;
	char *doc, digest[AUDIT_HASH_HEX], object[160];
	long long kind;
	int rc = -1;

	if (store_begin(st, e) < 0)
		return -1;
	kind = store_query_int(st,
			       "SELECT count(*) FROM apps WHERE id = ? "
			       "AND type = 'email'",
			       (struct store_val[]){SV_TEXT(app)}, 1, -1);
	if (kind != 1) {
		err_set(e,
			"application %s: not an e-mail system of the "
			"registry",
			app);
		store_rollback(st);
		return -1;
	}
	if (rand_bytes(r, sizeof(r)) < 0) {
		err_set(e, "no random bytes");
		store_rollback(st);
		return -1;
	}
	hex_encode(r, sizeof(r), id);
	j = mail_audit_json(a);
	doc = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (doc == NULL) {
		err_set(e, "out of memory");
		store_rollback(st);
		return -1;
	}
	{
		/* the order of recording, exact with several writers (a
		 * lock on PostgreSQL; SQLite's writers exclude each other) */
		long long seq;
		struct store_val v[10];

		if (store_lock(st, "govsec.mail_audits", e) < 0) {
			store_rollback(st);
			goto out;
		}
		seq = store_query_int(
		    st, "SELECT coalesce(max(seq), 0) + 1 FROM mail_audits",
		    NULL, 0, 1);
		v[0] = SV_TEXT(id);
		v[1] = SV_TEXT(app);
		v[2] = SV_INT(audit_now());
		v[3] = SV_TEXT(actor);
		v[4] = SV_INT(a->postfix);
		v[5] = SV_INT(a->roundcube);
		v[6] = SV_INT((long long)mail_audit_fails(a, "MAIL-1"));
		v[7] = SV_INT((long long)mail_audit_fails(a, "MAIL-2"));
		v[8] = SV_TEXT(doc);
		v[9] = SV_INT(seq);
		if (store_exec(st,
			       "INSERT INTO mail_audits (id, app, at, by_actor,"
			       " forwarding_read, attachments_read,"
			       " mail1_fails, mail2_fails, report, seq) VALUES"
			       " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       v, 10, e) < 0) {
			store_rollback(st);
			goto out;
		}
	}
	audit_digest(doc, strlen(doc), digest);
	str_fmt(object, sizeof(object), "mail-audit:%s:%s", app, id);
	rc = audit_commit(st, actor, "mail.audit", object, NULL, digest, e);
out:
	free(doc);
	return rc;
}
