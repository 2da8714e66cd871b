/*
 * model.c: loads the registry from the store into compact arrays for the
 * rules (one pass per table, strings in one arena). Trusts the store's
 * contents to have passed the registry's validation.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rules/internal.h"

#define GROW(arr, n, cap)                                                      \
	do {                                                                   \
		if ((n) == (cap)) {                                            \
			(cap) = (cap) ? (cap)*2 : 256;                         \
			(arr) = xrealloc((arr), (cap) * sizeof(*(arr)));       \
		}                                                              \
	} while (0)

struct loader {
	struct model *m;
	size_t cap;
};

#define POOL_BLOCK (64 * 1024)

static char *
s(struct model *m, struct store_row *r, int col)
{
	const char *t = store_row_text(r, col);
	size_t n;
	char *p;

	if (t == NULL)
		return NULL;
	n = strlen(t) + 1;
	if (n > POOL_BLOCK / 8)
		return arena_strdup(&m->a, t);
	if (n > m->pool_left) {
		/* filled at once: no need to zero it first */
		m->pool = arena_alloc_raw(&m->a, POOL_BLOCK);
		m->pool_left = POOL_BLOCK;
	}
	p = memcpy(m->pool, t, n);
	m->pool += n;
	m->pool_left -= n;
	return p;
}

static int
i(struct store_row *r, int col)
{
	return store_row_null(r, col) ? -1 : (int)store_row_int(r, col);
}

static int
unit_row(void *arg, struct store_row *r)
{
	struct loader *l = arg;
	struct model *m = l->m;
	struct m_unit *u;

	GROW(m->units, m->nunits, l->cap);
	u = &m->units[m->nunits];
	memset(u, 0, sizeof(*u));
	u->uscc = s(m, r, 0);
	u->name = s(m, r, 1);
	u->short_name = s(m, r, 2);
	u->kind = s(m, r, 3);
	u->level = s(m, r, 4);
	u->region_name = s(m, r, 5);
	u->parent = s(m, r, 6);
	u->establishment = i(r, 7);
	u->pilot = i(r, 8);
	m->nunits++;
	return 0;
}

static int
app_row(void *arg, struct store_row *r)
{
	struct loader *l = arg;
	struct model *m = l->m;
	struct m_app *a;
	int c = 0;

	GROW(m->apps, m->napps, l->cap);
	a = &m->apps[m->napps];
	memset(a, 0, sizeof(*a));
	a->id = s(m, r, c++);
	a->unit = s(m, r, c++);
	a->type = s(m, r, c++);
	a->name = s(m, r, c++);
	a->status = s(m, r, c++);
	a->filed = i(r, c++);
	a->platforms = s(m, r, c++);
	a->login_channels = s(m, r, c++);
	a->mlps = i(r, c++);
	a->critical = i(r, c++);
	a->important = i(r, c++);
	a->last_assessment = s(m, r, c++);
	a->last_upgrade = s(m, r, c++);
	a->staff = i(r, c++);
	a->personal = i(r, c++);
	a->outsourcer = s(m, r, c++);
	a->mfa = i(r, c++);
	a->idle = i(r, c++);
	a->lockout = i(r, c++);
	a->devbind = i(r, c++);
	a->ip_segments = s(m, r, c++);
	a->devrestrict = i(r, c++);
	a->overseas = i(r, c++);
	a->whitelist = s(m, r, c++);
	a->retention = i(r, c++);
	a->backup = i(r, c++);
	a->autofwd = i(r, c++);
	a->autodl = i(r, c++);
	a->opened = s(m, r, c++); /* SUP-1 */
	m->napps++;
	return 0;
}

struct dom_loader {
	struct model *m;
};

static int
domain_row(void *arg, struct store_row *r)
{
	struct dom_loader *l = arg;
	struct model *m = l->m;
	const char *app = store_row_text(r, 0);
	struct m_app *a;
	struct m_domain *d;

	a = model_app(m, app);
	if (a == NULL)
		return 0;
	d = arena_alloc(&m->a, sizeof(*d) * (size_t)(a->ndomains + 1));
	if (a->ndomains > 0)
		memcpy(d, a->domains, sizeof(*d) * (size_t)a->ndomains);
	a->domains = d;
	{
		struct m_domain nd;
		int k = a->ndomains++;

		nd.name = s(m, r, 1);
		nd.unicode = s(m, r, 2);
		nd.lang = s(m, r, 3);
		nd.main = (int)store_row_int(r, 4);
		nd.suffix = (int)store_row_int(r, 5);
		nd.registered_until = s(m, r, 6);
		nd.cancelled = s(m, r, 7);
		/* A few per application: keep main first, then by name. */
		while (k > 0 && (nd.main > d[k - 1].main ||
				 (nd.main == d[k - 1].main &&
				  strcmp(nd.name, d[k - 1].name) < 0))) {
			d[k] = d[k - 1];
			k--;
		}
		d[k] = nd;
	}
	return 0;
}

static int
outsourcer_row(void *arg, struct store_row *r)
{
	struct loader *l = arg;
	struct model *m = l->m;
	struct m_outsourcer *o;

	GROW(m->outsourcers, m->noutsourcers, l->cap);
	o = &m->outsourcers[m->noutsourcers++];
	o->id = s(m, r, 0);
	o->name = s(m, r, 1);
	o->unit = s(m, r, 2);
	o->duties = i(r, 3);
	o->consent = i(r, 4);
	return 0;
}

static int
person_row(void *arg, struct store_row *r)
{
	struct loader *l = arg;
	struct model *m = l->m;
	struct m_person *p;

	GROW(m->people, m->npeople, l->cap);
	p = &m->people[m->npeople];
	p->id = s(m, r, 0);
	p->name = s(m, r, 1);
	p->unit = s(m, r, 2);
	p->kind = s(m, r, 3);
	p->outsourcer = s(m, r, 4);
	m->npeople++;
	return 0;
}

static int
grant_row(void *arg, struct store_row *r)
{
	struct loader *l = arg;
	struct model *m = l->m;
	struct m_grant *g;

	GROW(m->grants, m->ngrants, l->cap);
	g = &m->grants[m->ngrants++];
	g->id = s(m, r, 0);
	g->person = s(m, r, 1);
	g->app = s(m, r, 2);
	g->scope = s(m, r, 3);
	g->privilege = s(m, r, 4);
	g->expires = s(m, r, 5);
	g->active = i(r, 6);
	g->authorized_by = s(m, r, 7);
	g->authorizer = s(m, r, 8);
	g->needed = s(m, r, 9);
	g->auth = NULL;
	return 0;
}

static int
ack_row(void *arg, struct store_row *r)
{
	struct loader *l = arg;
	struct model *m = l->m;
	struct m_ack *k;
	char *key;

	GROW(m->acks, m->nacks, l->cap);
	k = &m->acks[m->nacks];
	key = arena_printf(&m->a, "%s\t%s", store_row_text(r, 0),
			   store_row_text(r, 1));
	k->owner = s(m, r, 2);
	k->due = s(m, r, 3);
	k->note = s(m, r, 4);
	k->object = s(m, r, 1);
	map_put(&m->ack_idx, key, (long long)m->nacks, NULL);
	m->nacks++;
	return 0;
}

static int
attest_row(void *arg, struct store_row *r)
{
	struct loader *l = arg;
	struct model *m = l->m;
	struct m_attest *t;

	GROW(m->attests, m->nattests, l->cap);
	t = &m->attests[m->nattests++];
	t->requirement = s(m, r, 0);
	t->object = s(m, r, 1);
	t->verdict = s(m, r, 2);
	t->evidence = s(m, r, 3);
	t->reviewer = s(m, r, 4);
	t->date = s(m, r, 5);
	t->expires = s(m, r, 6);
	t->unit = s(m, r, 7);
	return 0;
}

static enum app_kind
app_kind_of(const char *type)
{
	static const char *const names[] = {"portal", "app", "miniprogram",
					    "account", "email"};

	for (size_t k = 0; k < ARRAY_SIZE(names); k++)
		if (strcmp(type, names[k]) == 0)
			return (enum app_kind)k;
	return APP_APP;
}

/* qsort, but an empty array may be NULL, and one in order already (a
 * table read in its key's order, as an import writes it) is left as it
 * is: the keys are unique, so any sort gives the same order. */
static void
sort_by(void *base, size_t n, size_t size,
	int (*cmp)(const void *, const void *))
{
	size_t k;

	for (k = 1; k < n; k++)
		if (cmp((char *)base + (k - 1) * size,
			(char *)base + k * size) > 0)
			break;
	if (k < n)
		qsort(base, n, size, cmp);
}

#define BY_KEY(name, type, field)                                              \
	static int name(const void *a, const void *b)                          \
	{                                                                      \
		return strcmp(((const type *)a)->field,                        \
			      ((const type *)b)->field);                       \
	}
BY_KEY(by_uscc, struct m_unit, uscc)
BY_KEY(by_app_id, struct m_app, id)
BY_KEY(by_outsourcer_id, struct m_outsourcer, id)
BY_KEY(by_person_id, struct m_person, id)
BY_KEY(by_grant_id, struct m_grant, id)

/* The arrays are sorted by key (model_load) and indexed by it. */
#define FIND(arr, idx, key)                                                    \
	do {                                                                   \
		long at_ = sidx_find(&(idx), (key));                           \
		return at_ < 0 ? NULL : &(arr)[at_];                           \
	} while (0)

struct m_unit *
model_unit(struct model *m, const char *uscc)
{
	FIND(m->units, m->unit_idx, uscc);
}

struct m_app *
model_app(struct model *m, const char *id)
{
	FIND(m->apps, m->app_idx, id);
}

static struct m_person *
model_person(struct model *m, const char *id)
{
	FIND(m->people, m->person_idx, id);
}

struct m_outsourcer *
model_outsourcer(struct model *m, const char *id)
{
	FIND(m->outsourcers, m->outsourcer_idx, id);
}

/*
 * The registry's own rules (SUP-1, OUT-3): each application's
 * acknowledgements, and each grant's authoriser: the 'authorizer' field,
 * else 'authorized_by' when it is a registered person's id or the name of
 * exactly one registered person (free text, e.g. an approval's reference,
 * names nobody).
 */
static void
link_registry(struct model *m)
{
	for (size_t k = 0; k < m->nacks; k++) {
		struct m_app *a = model_app(m, m->acks[k].object);

		if (a == NULL)
			continue;
		a->nacks++;
		if (a->ack_due == NULL ||
		    strcmp(m->acks[k].due, a->ack_due) > 0)
			a->ack_due = m->acks[k].due;
	}
	/* a person's name -> index; names two people have, apart */
	struct map byname, twice;
	int named = 0;

	map_init(&byname);
	map_init(&twice);
	for (size_t k = 0; k < m->ngrants; k++) {
		struct m_grant *g = &m->grants[k];
		const char *who =
		    g->authorizer != NULL ? g->authorizer : g->authorized_by;
		struct m_person *p;
		long long j, j2;

		if (strcmp(g->privilege, "highest_admin") != 0)
			continue; /* only OUT-3 asks */
		p = model_person(m, who);
		if (p == NULL && g->authorizer == NULL && who != NULL) {
			if (!named) { /* once, only if some grant needs it */
				for (size_t i = 0; i < m->npeople; i++)
					if (m->people[i].name != NULL &&
					    map_put(&byname, m->people[i].name,
						    (long long)i, NULL) == 1)
						map_put(&twice,
							m->people[i].name, 1,
							NULL);
				named = 1;
			}
			if (map_get(&byname, who, &j) == 0 &&
			    map_get(&twice, who, &j2) < 0)
				g->auth = &m->people[j];
		}
		if (p != NULL)
			g->auth = p;
	}
	map_cleanup(&byname);
	map_cleanup(&twice);
}

int
model_load(struct model *m, struct store *st, struct err *e)
{
	struct loader l = {m, 0};
	struct dom_loader dl;

	memset(m, 0, sizeof(*m));
	arena_init(&m->a);
	map_init(&m->ack_idx);
	if (store_query(st,
			"SELECT uscc, name, short_name, kind, level, "
			"region_name, parent, establishment, ecert_pilot FROM "
			"units",
			NULL, 0, unit_row, &l, e) < 0)
		return -1;
	l.cap = 0;
	if (store_query(
		st,
		"SELECT id, unit, type, name, coalesce(status, 'live'), "
		"filed, platforms, "
		"login_channels, mlps_level, critical, important_business, "
		"last_assessment, last_upgrade, staff_functions, "
		"personal_safety, outsourcer, mfa, idle_timeout, "
		"lockout_threshold, device_binding, ip_segments, "
		"device_restriction, overseas_access, overseas_whitelist, "
		"log_retention_days, log_backup, auto_forward, "
		"attachment_autodownload, opened FROM apps",
		NULL, 0, app_row, &l, e) < 0)
		return -1;
	l.cap = 0;
	if (store_query(st,
			"SELECT id, name, unit, security_duties, "
			"subcontract_consent FROM outsourcers",
			NULL, 0, outsourcer_row, &l, e) < 0)
		return -1;
	l.cap = 0;
	if (store_query(st,
			"SELECT id, name, unit, kind, outsourcer FROM people",
			NULL, 0, person_row, &l, e) < 0)
		return -1;
	l.cap = 0;
	if (store_query(st,
			"SELECT id, person, app, scope, privilege, expires, "
			"active, authorized_by, authorizer, needed_privilege "
			"FROM grants",
			NULL, 0, grant_row, &l, e) < 0)
		return -1;
	l.cap = 0;
	if (store_query(st,
			"SELECT rule, object, owner, due, note FROM "
			"finding_acks",
			NULL, 0, ack_row, &l, e) < 0)
		return -1;
	l.cap = 0;
	if (store_query(st,
			"SELECT requirement, object, verdict, evidence, "
			"reviewer, attested, expires, unit FROM attestations "
			"WHERE revoked IS NULL ORDER BY id",
			NULL, 0, attest_row, &l, e) < 0)
		return -1;
	/* Read in table order (sequential), then sorted by key here: an
	 * ORDER BY on a text key walks the index and fetches rows at random. */
	sort_by(m->units, m->nunits, sizeof(*m->units), by_uscc);
	sort_by(m->apps, m->napps, sizeof(*m->apps), by_app_id);
	sort_by(m->outsourcers, m->noutsourcers, sizeof(*m->outsourcers),
		by_outsourcer_id);
	sort_by(m->people, m->npeople, sizeof(*m->people), by_person_id);
	sort_by(m->grants, m->ngrants, sizeof(*m->grants), by_grant_id);
	sidx_build(&m->unit_idx, m->units, m->nunits, sizeof(*m->units),
		   offsetof(struct m_unit, uscc));
	sidx_build(&m->app_idx, m->apps, m->napps, sizeof(*m->apps),
		   offsetof(struct m_app, id));
	sidx_build(&m->person_idx, m->people, m->npeople, sizeof(*m->people),
		   offsetof(struct m_person, id));
	sidx_build(&m->outsourcer_idx, m->outsourcers, m->noutsourcers,
		   sizeof(*m->outsourcers), offsetof(struct m_outsourcer, id));
	/* Links: parents, units of apps, portals per unit, domains. */
	for (size_t k = 0; k < m->nunits; k++)
		m->units[k].up = model_unit(m, m->units[k].parent);
	dl.m = m;
	for (size_t k = 0; k < m->napps; k++) {
		struct m_app *a = &m->apps[k];

		a->u = model_unit(m, a->unit);
		a->open = strcmp(a->status, "closed") != 0;
		a->live = strcmp(a->status, "live") == 0;
		a->kind = app_kind_of(a->type);
		if (a->u != NULL && a->kind == APP_PORTAL && a->open)
			a->u->portals++;
	}
	for (size_t k = 0; k < m->ngrants; k++) {
		struct m_grant *g = &m->grants[k];
		const struct m_app *a = model_app(m, g->app);

		g->p = model_person(m, g->person);
		g->owner = a != NULL ? a->unit : g->p ? g->p->unit : NULL;
	}
	link_registry(m);
	if (store_query(st,
			"SELECT app, name, unicode, lang, main, suffix, "
			"registered_until, cancelled FROM domains",
			NULL, 0, domain_row, &dl, e) < 0)
		return -1;
	return 0;
}

void
model_free(struct model *m)
{
	free(m->units);
	free(m->apps);
	free(m->outsourcers);
	free(m->people);
	free(m->grants);
	free(m->acks);
	free(m->attests);
	map_cleanup(&m->ack_idx);
	sidx_cleanup(&m->unit_idx);
	sidx_cleanup(&m->app_idx);
	sidx_cleanup(&m->person_idx);
	sidx_cleanup(&m->outsourcer_idx);
	arena_cleanup(&m->a);
	memset(m, 0, sizeof(*m));
}
