/*
 * protect.c: the protected set (issue 12, item 1): what counterfeits
 * imitate, derived from the registry (trusted): unit names and short
 * names, application names, domains in A- and U-label form, application
 * packages with their signing-certificate digests (cf_app_ids, since the
 * registry's application record has no such fields), public accounts by
 * platform, approved online names (ecert_names) and the regions of the
 * units (GB/T 2260, data/gbt2260.tsv, in Chinese and pinyin). The region
 * table is a data file we ship; a bad line in it is an error.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "counterfeit/counterfeit.h"
#include "ecert/ecert.h"
#include "registry/registry.h"

struct cf_set *
cf_set_new(void)
{
	struct cf_set *s = xcalloc(1, sizeof(*s));

	arena_init(&s->arena);
	map_init(&s->genuine);
	map_init(&s->domains);
	return s;
}

void cf_index_free(struct cf_index *ix); /* match.c */

void
cf_set_free(struct cf_set *s)
{
	if (s == NULL)
		return;
	cf_index_free(s->ix);
	arena_cleanup(&s->arena);
	map_cleanup(&s->genuine);
	map_cleanup(&s->domains);
	free(s->items);
	free(s->regions);
	free(s);
}

static char *
dup(struct cf_set *s, const char *v)
{
	return v == NULL ? NULL : arena_strdup(&s->arena, v);
}

static struct cf_prot *
add(struct cf_set *s, enum cf_pkind kind, const char *text, const char *what,
    const char *unit, const char *app)
{
	struct cf_prot *p;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->items = xrealloc(s->items, s->cap * sizeof(*s->items));
	}
	p = &s->items[s->n++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->text = dup(s, text);
	p->what = what;
	p->unit = dup(s, unit);
	p->app = dup(s, app);
	return p;
}

static void
genuine(struct cf_set *s, const char *prefix, const char *a, const char *b)
{
	char k[1024];

	if (str_fmt(k, sizeof(k), "%s%s%s%s", prefix, a, b ? "|" : "",
		    b ? b : "") >= 0)
		map_put(&s->genuine, k, 1, NULL);
}

int
cf_set_add_domain(struct cf_set *s, const char *domain, const char *unit,
		  const char *app, struct err *e)
{
	struct domain_info di, rd;
	struct cf_prot *p;
	size_t rl;
	char brand[DOMAIN_MAX], key[CF_NAME_MAX], u[DOMAIN_MAX * 4];

	if (domain_parse(domain, &di, e) < 0)
		return -1;
	genuine(s, "d:", di.registrable, NULL);
	/* the registrable domain as a reader sees it (U-labels) */
	if (domain_parse(di.registrable, &rd, e) < 0)
		return -1;
	/* one item per registrable domain: its own (or www.) record's unit
	 * and application name it */
	{
		long long at;
		char www[DOMAIN_MAX + 8];

		if (map_get(&s->domains, rd.ulabel, &at) == 0) {
			struct cf_prot *q = &s->items[at];

			str_fmt(www, sizeof(www), "www.%s", di.registrable);
			if (!strcmp(di.alabel, di.registrable) ||
			    !strcmp(di.alabel, www)) {
				q->unit = dup(s, unit);
				q->app = dup(s, app);
			}
			return 0;
		}
		map_put(&s->domains, rd.ulabel, (long long)s->n, NULL);
	}
	/* the brand: the label left of the public suffix */
	rl = strcspn(di.registrable, ".");
	memcpy(brand, di.registrable, rl);
	brand[rl] = '\0';
	p = add(s, CF_P_DOMAIN, rd.ulabel, "domain", unit, app);
	p->suffix = dup(s, di.registrable + rl + (di.registrable[rl] == '.'));
	if (!str_starts(brand, "xn--")) {
		p->brand = dup(s, brand);
		return 0;
	}
	/* an IDN brand is matched by the name key of its U-label */
	str_copy(u, rd.ulabel, sizeof(u));
	u[strcspn(u, ".")] = '\0';
	if (ecert_name_key(u, key, sizeof(key), e) < 0) {
		s->n--;
		return -1;
	}
	p->brand = dup(s, key);
	p->what = "domain (IDN)";
	/* the name it spells is protected as a name too */
	cf_set_add_name(s, u, "domain name", unit, app, NULL, NULL);
	return 0;
}

int
cf_set_add_name(struct cf_set *s, const char *name, const char *what,
		const char *unit, const char *app, const char *platform,
		struct err *e)
{
	char key[CF_NAME_MAX];
	struct cf_prot *p;

	if (ecert_name_key(name, key, sizeof(key), e) < 0)
		return -1;
	if (key[0] == '\0') {
		err_set(e, "name '%s' has nothing left to compare", name);
		return -1;
	}
	p = add(s, CF_P_NAME, name, what, unit, app);
	p->brand = dup(s, key);
	if (platform != NULL) {
		char pl[128];

		str_copy(pl, platform, sizeof(pl));
		for (char *c = pl; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		p->platform = dup(s, pl);
		genuine(s, "c:", pl, key);
	}
	return 0;
}

/* Lower-case hex of 64 digits (colons allowed between bytes), or -1. */
static int
norm_cert(const char *in, char *out, size_t n)
{
	size_t o = 0;

	for (; *in; in++) {
		if (*in == ':')
			continue;
		if (!isxdigit((unsigned char)*in) || o + 1 >= n)
			return -1;
		out[o++] = (char)tolower((unsigned char)*in);
	}
	out[o] = '\0';
	return o == 64 ? 0 : -1;
}

int
cf_set_add_app(struct cf_set *s, const char *name, const char *package,
	       const char *cert, const char *unit, const char *app,
	       struct err *e)
{
	char c[80];
	struct cf_prot *p;

	if (package == NULL || package[0] == '\0' ||
	    strlen(package) > CF_NAME_MAX) {
		err_set(e, "a package name is 1 to %d bytes", CF_NAME_MAX);
		return -1;
	}
	if (cert != NULL && norm_cert(cert, c, sizeof(c)) < 0) {
		err_set(e,
			"certificate digest '%s' is not SHA-256 in hex (64 "
			"digits)",
			cert);
		return -1;
	}
	p = add(s, CF_P_APP, name != NULL ? name : package, "app package", unit,
		app);
	p->package = dup(s, package);
	p->brand = p->package;
	genuine(s, "p:", package, NULL);
	if (cert != NULL)
		genuine(s, "a:", package, c);
	return 0;
}

static int
region_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cf_region *)a)->code,
		      ((const struct cf_region *)b)->code);
}

int
cf_regions_load(struct cf_set *s, const char *path, struct err *e)
{
	FILE *f;
	char line[512];
	long long ln = 0;
	size_t cap = 0;

	if (path == NULL)
		path = GOVSEC_DATADIR "/gbt2260.tsv";
	if ((f = fopen(path, "r")) == NULL) {
		err_set(e, "cannot open region table '%s'", path);
		return -1;
	}
	free(s->regions);
	s->regions = NULL;
	s->nregions = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *fld[5], *p = line;
		struct cf_region *r;
		int i;

		ln++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			err_set(e, "%s:%lld: line too long", path, ln);
			goto fail;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		for (i = 0; i < 5 && p != NULL; i++) {
			fld[i] = p;
			p = strchr(p, '\t');
			if (p != NULL)
				*p++ = '\0';
		}
		if (i != 5 || p != NULL || strlen(fld[0]) != 6 ||
		    strspn(fld[0], "0123456789") != 6) {
			err_set(e,
				"%s:%lld: expected code, name, core, pinyin "
				"and initials separated by tabs",
				path, ln);
			goto fail;
		}
		if (s->nregions == cap) {
			cap = cap ? cap * 2 : 4096;
			s->regions =
			    xrealloc(s->regions, cap * sizeof(*s->regions));
		}
		r = &s->regions[s->nregions];
		if (str_copy(r->code, fld[0], sizeof(r->code)) < 0 ||
		    str_copy(r->name, fld[1], sizeof(r->name)) < 0 ||
		    str_copy(r->core, fld[2], sizeof(r->core)) < 0 ||
		    str_copy(r->pinyin, fld[3], sizeof(r->pinyin)) < 0 ||
		    str_copy(r->initials, fld[4], sizeof(r->initials)) < 0) {
			err_set(e, "%s:%lld: a field is too long", path, ln);
			goto fail;
		}
		s->nregions++;
	}
	fclose(f);
	qsort(s->regions, s->nregions, sizeof(*s->regions), region_cmp);
	return 0;
fail:
	fclose(f);
	return -1;
}

const struct cf_region *
cf_region_get(const struct cf_set *s, const char *code)
{
	struct cf_region k;

	if (s->regions == NULL || str_copy(k.code, code, sizeof(k.code)) < 0)
		return NULL;
	return bsearch(&k, s->regions, s->nregions, sizeof(k), region_cmp);
}

int
cf_set_add_region(struct cf_set *s, const char *code, const char *unit,
		  struct err *e)
{
	const struct cf_region *r = cf_region_get(s, code);
	struct cf_prot *p;

	if (r == NULL) {
		err_set(e, "region code '%s' is not in the region table", code);
		return -1;
	}
	/* each region once; the first unit named keeps it */
	for (size_t i = s->n; i-- > 0;)
		if (s->items[i].kind == CF_P_REGION &&
		    !strcmp(s->items[i].text, r->name))
			return 0;
	p = add(s, CF_P_REGION, r->name, "region", unit, NULL);
	p->brand = dup(s, r->pinyin);
	p->suffix = dup(s, r->initials);
	/* the region's name with a government word (延安政务, 江门市政府):
	 * what an account or an IDN calls itself to pass for the region's
	 * government */
	{
		static const char *const gov[] = {"政务", "政府", "发布",
						  "政务服务"};

		for (size_t i = 0; i < ARRAY_SIZE(gov); i++) {
			char n[160];

			str_fmt(n, sizeof(n), "%s%s", r->core, gov[i]);
			cf_set_add_name(s, n, "region name", unit, NULL, NULL,
					NULL);
			str_fmt(n, sizeof(n), "%s%s", r->name, gov[i]);
			cf_set_add_name(s, n, "region name", unit, NULL, NULL,
					NULL);
		}
	}
	return 0;
}

/* ---- loading from the store ---- */

struct loader {
	struct cf_set *s;
	struct store *st;
	struct err *e;
};

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int
unit_cb(void *arg, json_t *u)
{
	struct loader *l = arg;
	const char *uscc = jstr(u, "uscc"), *region = jstr(u, "region");
	const char *sn = jstr(u, "short_name");
	char code[7];

	cf_set_add_name(l->s, jstr(u, "name"), "unit name", uscc, NULL, NULL,
			NULL);
	if (sn != NULL && sn[0] != '\0')
		cf_set_add_name(l->s, sn, "short name", uscc, NULL, NULL, NULL);
	if (region == NULL || strlen(region) != 6)
		return 0;
	/* the unit's region, then the prefecture and province above */
	cf_set_add_region(l->s, region, uscc, NULL);
	str_fmt(code, sizeof(code), "%.4s00", region);
	if (strcmp(code, region))
		cf_set_add_region(l->s, code, NULL, NULL);
	str_fmt(code, sizeof(code), "%.2s0000", region);
	if (strcmp(code, region))
		cf_set_add_region(l->s, code, NULL, NULL);
	return 0;
}

static int
app_cb(void *arg, json_t *a)
{
	struct loader *l = arg;
	const char *id = jstr(a, "id"), *unit = jstr(a, "unit");
	const char *type = jstr(a, "type"), *name = jstr(a, "name");
	json_t *doms = json_object_get(a, "domains"), *d;
	size_t i;

	json_array_foreach(doms, i, d)
	{
		struct err e;

		if (cf_set_add_domain(l->s, jstr(d, "name"), unit, id, &e) < 0)
			log_warn("counterfeit: application '%s': %s", id,
				 e.msg);
	}
	if (type != NULL && !strcmp(type, "account")) {
		json_t *pl = json_object_get(a, "platforms"), *p;

		json_array_foreach(pl, i, p)
		    cf_set_add_name(l->s, name, "account", unit, id,
				    json_string_value(p), NULL);
		if (json_array_size(pl) == 0)
			cf_set_add_name(l->s, name, "account", unit, id, NULL,
					NULL);
	} else if (name != NULL) {
		cf_set_add_name(l->s, name, "app name", unit, id, NULL, NULL);
	}
	return 0;
}

static int
appid_row(void *arg, struct store_row *r)
{
	struct loader *l = arg;
	struct err e;

	if (cf_set_add_app(l->s, store_row_text(r, 3), store_row_text(r, 1),
			   store_row_text(r, 2), store_row_text(r, 4),
			   store_row_text(r, 0), &e) < 0)
		log_warn("counterfeit: application '%s': %s",
			 store_row_text(r, 0), e.msg);
	return 0;
}

static int
online_row(void *arg, struct store_row *r)
{
	struct loader *l = arg;

	cf_set_add_name(l->s, store_row_text(r, 0), "online name",
			store_row_text(r, 1), store_row_text(r, 2), NULL, NULL);
	return 0;
}

int
cf_set_load(struct cf_set *s, struct store *st, const char *regions_path,
	    struct err *e)
{
	struct loader l = {s, st, e};

	if (cf_regions_load(s, regions_path, e) < 0)
		return -1;
	if (reg_each(st, reg_entity("unit"), NULL, NULL, unit_cb, &l, e) < 0 ||
	    reg_each(st, reg_entity("app"), NULL, NULL, app_cb, &l, e) < 0)
		return -1;
	if (store_query(st,
			"SELECT c.app, c.package, c.cert, a.name, a.unit FROM "
			"cf_app_ids c JOIN apps a ON a.id = c.app ORDER BY "
			"c.app, c.package, c.cert",
			NULL, 0, appid_row, &l, e) < 0)
		return -1;
	if (store_query(st,
			"SELECT name, unit, app FROM ecert_names WHERE state = "
			"'approved' ORDER BY id",
			NULL, 0, online_row, &l, e) < 0)
		return -1;
	return cf_set_seal(s, e);
}

int
cf_app_id_add(struct store *st, const char *app, const char *package,
	      const char *cert, const char *actor, struct err *e)
{
	struct store_val v[4];
	char c[80];

	(void)actor;
	if (package == NULL || package[0] == '\0' ||
	    strlen(package) > CF_NAME_MAX ||
	    strspn(package, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
			    "XYZ0123456789._-") != strlen(package)) {
		err_set(e,
			"package '%s' is not a package name (letters, "
			"digits, '.', '_', '-')",
			package ? package : "");
		return -1;
	}
	if (cert == NULL || norm_cert(cert, c, sizeof(c)) < 0) {
		err_set(e,
			"certificate digest '%s' is not SHA-256 in hex (64 "
			"digits)",
			cert ? cert : "");
		return -1;
	}
	v[0] = SV_TEXT(app);
	if (store_query_int(st, "SELECT COUNT(*) FROM apps WHERE id = ?", v, 1,
			    0) == 0) {
		err_set(e, "application '%s' is not registered", app);
		return -1;
	}
	v[1] = SV_TEXT(package);
	v[2] = SV_TEXT(c);
	v[3] = SV_INT(time_now());
	return store_exec(st,
			  "INSERT INTO cf_app_ids (app, package, cert, added) "
			  "VALUES (?, ?, ?, ?) ON CONFLICT (app, package, "
			  "cert) DO NOTHING",
			  v, 4, e);
}

static int
appids_json_row(void *arg, struct store_row *r)
{
	json_array_append_new(arg, json_pack("{s:s, s:s, s:s}", "app",
					     store_row_text(r, 0), "package",
					     store_row_text(r, 1), "cert",
					     store_row_text(r, 2)));
	return 0;
}

json_t *
cf_app_ids_json(struct store *st, struct err *e)
{
	json_t *a = json_array();

	if (store_query(st,
			"SELECT app, package, cert FROM cf_app_ids ORDER BY "
			"app, package, cert",
			NULL, 0, appids_json_row, a, e) < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}
