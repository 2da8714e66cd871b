/*
 * model.c: loads the registry from the store into compact arrays for the
 * rules (one pass per table, strings in one arena). Trusts the store's
 * contents to have passed the registry's validation.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rules/internal.h"

/* Grows arr (big_alloc memory) to hold one more than n. */
#define GROW(arr, n, cap)                                                      \
	do {                                                                   \
		if ((n) == (cap)) {                                            \
			size_t old_ = (cap) * sizeof(*(arr));                  \
			(cap) = (cap) ? (cap)*2 : 256;                         \
			(arr) =                                                \
			    big_realloc((arr), old_, (cap) * sizeof(*(arr)));  \
		}                                                              \
	} while (0)

/* Where a thread's strings go: packed into big chunks (huge pages where
 * the kernel gives them), each starting with the link to the one before;
 * longer strings into its arena (aligned to 16 bytes each). */
struct pool {
	struct arena *a;
	void **chunks; /* the newest chunk (model_free unmaps them) */
	char *next;
	size_t left;
};

struct loader {
	struct model *m;
	struct pool *pool;
};

#define POOL_CHUNK (4u << 20)

static char *
s(struct loader *l, struct store_row *r, int col)
{
	const char *t = store_row_text(r, col);
	struct pool *pl = l->pool;
	size_t n;
	char *p;

	if (t == NULL)
		return NULL;
	n = strlen(t) + 1;
	if (n > POOL_CHUNK / 64)
		return arena_strdup(pl->a, t);
	if (n > pl->left) {
		void **c = big_alloc(POOL_CHUNK);

		*c = *pl->chunks;
		*pl->chunks = c;
		pl->next = (char *)(c + 1);
		pl->left = POOL_CHUNK - sizeof(*c);
	}
	p = memcpy(pl->next, t, n);
	pl->next += n;
	pl->left -= n;
	return p;
}

/* Unmaps a pool's chunks. */
static void
chunks_free(void *head)
{
	while (head != NULL) {
		void *next = *(void **)head;

		big_free(head, POOL_CHUNK);
		head = next;
	}
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

	GROW(m->units, m->nunits, m->capunits);
	u = &m->units[m->nunits];
	memset(u, 0, sizeof(*u));
	u->uscc = s(l, r, 0);
	u->name = s(l, r, 1);
	u->short_name = s(l, r, 2);
	u->kind = s(l, r, 3);
	u->level = s(l, r, 4);
	u->region_name = s(l, r, 5);
	u->parent = s(l, r, 6);
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

	GROW(m->apps, m->napps, m->capapps);
	a = &m->apps[m->napps];
	memset(a, 0, sizeof(*a));
	a->id = s(l, r, c++);
	a->unit = s(l, r, c++);
	a->type = s(l, r, c++);
	a->name = s(l, r, c++);
	a->status = s(l, r, c++);
	a->filed = i(r, c++);
	a->platforms = s(l, r, c++);
	a->login_channels = s(l, r, c++);
	a->mlps = i(r, c++);
	a->critical = i(r, c++);
	a->important = i(r, c++);
	a->last_assessment = s(l, r, c++);
	a->last_upgrade = s(l, r, c++);
	a->staff = i(r, c++);
	a->personal = i(r, c++);
	a->outsourcer = s(l, r, c++);
	a->mfa = i(r, c++);
	a->idle = i(r, c++);
	a->lockout = i(r, c++);
	a->devbind = i(r, c++);
	a->ip_segments = s(l, r, c++);
	a->devrestrict = i(r, c++);
	a->overseas = i(r, c++);
	a->whitelist = s(l, r, c++);
	a->retention = i(r, c++);
	a->backup = i(r, c++);
	a->autofwd = i(r, c++);
	a->autodl = i(r, c++);
	a->opened = s(l, r, c++); /* SUP-1 */
	m->napps++;
	return 0;
}

static int
domain_row(void *arg, struct store_row *r)
{
	struct loader *l = arg;
	struct model *m = l->m;
	const char *app = store_row_text(r, 0);
	struct m_app *a;
	struct m_domain *d;

	a = model_app(m, app);
	if (a == NULL)
		return 0;
	d = arena_alloc(l->pool->a, sizeof(*d) * (size_t)(a->ndomains + 1));
	if (a->ndomains > 0)
		memcpy(d, a->domains, sizeof(*d) * (size_t)a->ndomains);
	a->domains = d;
	{
		struct m_domain nd;
		int k = a->ndomains++;

		nd.name = s(l, r, 1);
		nd.unicode = s(l, r, 2);
		nd.lang = s(l, r, 3);
		nd.main = (int)store_row_int(r, 4);
		nd.suffix = (int)store_row_int(r, 5);
		nd.registered_until = s(l, r, 6);
		nd.cancelled = s(l, r, 7);
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

	GROW(m->outsourcers, m->noutsourcers, m->capoutsourcers);
	o = &m->outsourcers[m->noutsourcers++];
	o->id = s(l, r, 0);
	o->name = s(l, r, 1);
	o->unit = s(l, r, 2);
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

	GROW(m->people, m->npeople, m->cappeople);
	p = &m->people[m->npeople];
	p->id = s(l, r, 0);
	p->name = s(l, r, 1);
	p->unit = s(l, r, 2);
	p->kind = s(l, r, 3);
	p->outsourcer = s(l, r, 4);
	m->npeople++;
	return 0;
}

static int
grant_row(void *arg, struct store_row *r)
{
	struct loader *l = arg;
	struct model *m = l->m;
	struct m_grant *g;

	GROW(m->grants, m->ngrants, m->capgrants);
	g = &m->grants[m->ngrants++];
	g->id = s(l, r, 0);
	g->person = s(l, r, 1);
	g->app = s(l, r, 2);
	g->scope = s(l, r, 3);
	g->privilege = s(l, r, 4);
	g->expires = s(l, r, 5);
	g->active = i(r, 6);
	g->authorized_by = s(l, r, 7);
	g->authorizer = s(l, r, 8);
	g->needed = s(l, r, 9);
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

	GROW(m->acks, m->nacks, m->capacks);
	k = &m->acks[m->nacks];
	key = arena_printf(&m->a, "%s\t%s", store_row_text(r, 0),
			   store_row_text(r, 1));
	k->owner = s(l, r, 2);
	k->due = s(l, r, 3);
	k->note = s(l, r, 4);
	k->object = s(l, r, 1);
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

	GROW(m->attests, m->nattests, m->capattests);
	t = &m->attests[m->nattests++];
	t->requirement = s(l, r, 0);
	t->object = s(l, r, 1);
	t->verdict = s(l, r, 2);
	t->evidence = s(l, r, 3);
	t->reviewer = s(l, r, 4);
	t->date = s(l, r, 5);
	t->expires = s(l, r, 6);
	t->unit = s(l, r, 7);
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

/* The applications and their domains, read on the store st of their
 * loader (the second thread's when there is one), sorted and indexed. */
struct apps_load {
	struct loader l;
	struct store *st;
	struct err e;
	int rc;
};

static void *
apps_load(void *arg)
{
	struct apps_load *al = arg;
	struct model *m = al->l.m;

	al->rc = -1;
	if (store_query(
		al->st,
		"SELECT id, unit, type, name, coalesce(status, 'live'), "
		"filed, platforms, "
		"login_channels, mlps_level, critical, important_business, "
		"last_assessment, last_upgrade, staff_functions, "
		"personal_safety, outsourcer, mfa, idle_timeout, "
		"lockout_threshold, device_binding, ip_segments, "
		"device_restriction, overseas_access, overseas_whitelist, "
		"log_retention_days, log_backup, auto_forward, "
		"attachment_autodownload, opened FROM apps",
		NULL, 0, app_row, &al->l, &al->e) < 0)
		return NULL;
	/* Read in table order (sequential), then sorted by key here: an
	 * ORDER BY on a text key walks the index and fetches rows at random. */
	sort_by(m->apps, m->napps, sizeof(*m->apps), by_app_id);
	sidx_build(&m->app_idx, m->apps, m->napps, sizeof(*m->apps),
		   offsetof(struct m_app, id));
	for (size_t k = 0; k < m->napps; k++) {
		struct m_app *a = &m->apps[k];

		a->open = strcmp(a->status, "closed") != 0;
		a->live = strcmp(a->status, "live") == 0;
		a->kind = app_kind_of(a->type);
	}
	if (store_query(al->st,
			"SELECT app, name, unicode, lang, main, suffix, "
			"registered_until, cancelled FROM domains",
			NULL, 0, domain_row, &al->l, &al->e) < 0)
		return NULL;
	al->rc = 0;
	return NULL;
}

/* The units of applications [from, to) (a thread's share). */
struct units_link {
	struct model *m;
	size_t from, to;
};

static void *
link_units(void *arg)
{
	struct units_link *ul = arg;

	for (size_t k = ul->from; k < ul->to; k++)
		ul->m->apps[k].u = model_unit(ul->m, ul->m->apps[k].unit);
	return NULL;
}

int
model_load(struct model *m, struct store *st, struct store *twin,
	   void (*meanwhile)(void *arg), void *arg, struct err *e)
{
	struct pool pool = {NULL, NULL, NULL, 0}, pool2 = {NULL, NULL, NULL, 0};
	struct loader l = {m, &pool};
	struct apps_load al;
	struct units_link ul;
	pthread_t th;
	int started = 0, rc = -1;

	memset(m, 0, sizeof(*m));
	arena_init(&m->a);
	arena_init(&m->a2);
	map_init(&m->ack_idx);
	pool.a = &m->a;
	pool.chunks = &m->chunks;
	pool2.a = &m->a2;
	pool2.chunks = &m->chunks2;
	memset(&al, 0, sizeof(al));
	al.l.m = m;
	al.l.pool = &pool2;
	al.st = twin != NULL ? twin : st;
	/* the applications on the second connection meanwhile */
	if (twin != NULL)
		started = pthread_create(&th, NULL, apps_load, &al) == 0;
	if (!started)
		al.st = st;
	if (store_query(st,
			"SELECT uscc, name, short_name, kind, level, "
			"region_name, parent, establishment, ecert_pilot FROM "
			"units",
			NULL, 0, unit_row, &l, e) < 0)
		goto out;
	if (store_query(st,
			"SELECT id, name, unit, security_duties, "
			"subcontract_consent FROM outsourcers",
			NULL, 0, outsourcer_row, &l, e) < 0)
		goto out;
	if (store_query(st,
			"SELECT id, name, unit, kind, outsourcer FROM people",
			NULL, 0, person_row, &l, e) < 0)
		goto out;
	if (store_query(st,
			"SELECT id, person, app, scope, privilege, expires, "
			"active, authorized_by, authorizer, needed_privilege "
			"FROM grants",
			NULL, 0, grant_row, &l, e) < 0)
		goto out;
	if (store_query(st,
			"SELECT rule, object, owner, due, note FROM "
			"finding_acks",
			NULL, 0, ack_row, &l, e) < 0)
		goto out;
	if (store_query(st,
			"SELECT requirement, object, verdict, evidence, "
			"reviewer, attested, expires, unit FROM attestations "
			"WHERE revoked IS NULL ORDER BY id",
			NULL, 0, attest_row, &l, e) < 0)
		goto out;
	sort_by(m->units, m->nunits, sizeof(*m->units), by_uscc);
	sort_by(m->outsourcers, m->noutsourcers, sizeof(*m->outsourcers),
		by_outsourcer_id);
	sort_by(m->people, m->npeople, sizeof(*m->people), by_person_id);
	sort_by(m->grants, m->ngrants, sizeof(*m->grants), by_grant_id);
	sidx_build(&m->unit_idx, m->units, m->nunits, sizeof(*m->units),
		   offsetof(struct m_unit, uscc));
	sidx_build(&m->person_idx, m->people, m->npeople, sizeof(*m->people),
		   offsetof(struct m_person, id));
	sidx_build(&m->outsourcer_idx, m->outsourcers, m->noutsourcers,
		   sizeof(*m->outsourcers), offsetof(struct m_outsourcer, id));
	for (size_t k = 0; k < m->nunits; k++)
		m->units[k].up = model_unit(m, m->units[k].parent);
	rc = 0;
	if (started && meanwhile != NULL)
		meanwhile(arg);
out:
	if (started)
		pthread_join(th, NULL);
	else if (rc == 0)
		apps_load(&al);
	if (rc < 0)
		return -1;
	if (al.rc < 0) {
		*e = al.e;
		return -1;
	}
	/* Links: units of apps (the second half on a second thread if
	 * there was one), grants, portals per unit. */
	ul.m = m;
	ul.from = m->napps / 2;
	ul.to = m->napps;
	started =
	    twin != NULL && pthread_create(&th, NULL, link_units, &ul) == 0;
	if (!started)
		ul.from = 0;
	for (size_t k = 0; k < ul.from; k++)
		m->apps[k].u = model_unit(m, m->apps[k].unit);
	for (size_t k = 0; k < m->ngrants; k++) {
		struct m_grant *g = &m->grants[k];
		const struct m_app *a = model_app(m, g->app);

		g->p = model_person(m, g->person);
		g->owner = a != NULL ? a->unit : g->p ? g->p->unit : NULL;
	}
	link_registry(m);
	if (started)
		pthread_join(th, NULL);
	else
		link_units(&ul);
	for (size_t k = 0; k < m->napps; k++) {
		const struct m_app *a = &m->apps[k];

		if (a->u != NULL && a->kind == APP_PORTAL && a->open)
			a->u->portals++;
	}
	return 0;
}

void
model_free(struct model *m)
{
	big_free(m->units, m->capunits * sizeof(*m->units));
	big_free(m->apps, m->capapps * sizeof(*m->apps));
	big_free(m->outsourcers, m->capoutsourcers * sizeof(*m->outsourcers));
	big_free(m->people, m->cappeople * sizeof(*m->people));
	big_free(m->grants, m->capgrants * sizeof(*m->grants));
	big_free(m->acks, m->capacks * sizeof(*m->acks));
	big_free(m->attests, m->capattests * sizeof(*m->attests));
	chunks_free(m->chunks);
	chunks_free(m->chunks2);
	map_cleanup(&m->ack_idx);
	sidx_cleanup(&m->unit_idx);
	sidx_cleanup(&m->app_idx);
	sidx_cleanup(&m->person_idx);
	sidx_cleanup(&m->outsourcer_idx);
	arena_cleanup(&m->a);
	arena_cleanup(&m->a2);
	memset(m, 0, sizeof(*m));
}
