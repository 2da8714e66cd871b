/*
 * scope.c: the unit scope of a console account (issue 8, item 13): which
 * units it covers (one unit and its subordinates, computed with a recursive
 * query over units.parent, or the units of a region code prefix), the SQL
 * condition that keeps a part's rows to them, and the scoped reads and
 * writes of registry records. Scope codes, keys and records handed in are
 * untrusted; the store is trusted.
 */
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"

/*
 * The credit codes in scope as a subquery with one parameter: a unit and
 * every unit below it (UNION, not UNION ALL, so a cycle in the tree ends),
 * or the units whose region starts with the prefix. Both are portable SQL
 * (WITH RECURSIVE, LIKE on digits only).
 */
#define TREE_SQL                                                               \
	"(WITH RECURSIVE scope_tree(u) AS (SELECT CAST(? AS TEXT) UNION "      \
	"SELECT c.uscc FROM units c JOIN scope_tree t ON c.parent = t.u) "     \
	"SELECT u FROM scope_tree)"
#define REGION_SQL                                                             \
	"(SELECT uscc FROM units WHERE region LIKE (CAST(? AS TEXT) || '%'))"

void
scope_init(struct scope *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->kind = SCOPE_ALL;
	map_init(&sc->units);
	map_init(&sc->objects);
}

void
scope_cleanup(struct scope *sc)
{
	map_cleanup(&sc->units);
	map_cleanup(&sc->objects);
	scope_init(sc);
}

const char *
scope_kind_name(enum scope_kind k)
{
	switch (k) {
	case SCOPE_UNIT:
		return "unit";
	case SCOPE_REGION:
		return "region";
	default:
		return "all";
	}
}

int
scope_set(struct scope *sc, const char *unit, const char *region, struct err *e)
{
	struct err why;
	size_t n;

	sc->kind = SCOPE_ALL;
	sc->code[0] = '\0';
	if (unit != NULL && region != NULL) {
		err_set(e, "a scope is a unit or a region, not both");
		return -1;
	}
	if (unit != NULL) {
		if (uscc_check(unit, &why, NULL) < 0) {
			err_set(e, "credit code '%s' is not valid: %s", unit,
				why.msg);
			return -1;
		}
		str_copy(sc->code, unit, sizeof(sc->code));
		sc->kind = SCOPE_UNIT;
		return 0;
	}
	if (region == NULL)
		return 0;
	n = strlen(region);
	if ((n != 2 && n != 4 && n != SCOPE_REGION_DIGITS) ||
	    strspn(region, "0123456789") != n) {
		err_set(e,
			"region '%s' must be a GB/T 2260 code (6 digits) or "
			"its prefix of 2 or 4 digits",
			region);
		return -1;
	}
	memcpy(sc->code, region, n);
	sc->code[n] = '\0';
	/* "440700" is the city 4407 with all its counties. */
	while (n > 2 && sc->code[n - 1] == '0' && sc->code[n - 2] == '0')
		sc->code[n -= 2] = '\0';
	if (strcmp(sc->code, "00") == 0) {
		err_set(e,
			"region '%s' is no region; leave the scope out to "
			"cover all units",
			region);
		return -1;
	}
	sc->kind = SCOPE_REGION;
	return 0;
}

/* The subquery of the credit codes in scope; its parameter is the code. */
static const char *
units_sql(const struct scope *sc, struct store_val *v)
{
	*v = SV_TEXT(sc->code);
	return sc->kind == SCOPE_UNIT ? TREE_SQL : REGION_SQL;
}

static int
put_row(void *arg, struct store_row *row)
{
	const char *s = store_row_text(row, 0);

	if (s != NULL)
		map_put(arg, s, 1, NULL);
	return 0;
}

int
scope_load(struct store *st, struct scope *sc, struct err *e)
{
	struct store_val v[1];
	const char *sub;
	char sql[512];

	map_cleanup(&sc->units);
	map_init(&sc->units);
	if (sc->kind == SCOPE_ALL)
		return 0;
	sub = units_sql(sc, v);
	/* Only registered units: a scope's unit may have been removed. */
	str_fmt(sql, sizeof(sql), "SELECT uscc FROM units WHERE uscc IN %s",
		sub);
	return store_query(st, sql, v, 1, put_row, &sc->units, e);
}

int
scope_has(const struct scope *sc, const char *uscc)
{
	long long one;

	if (sc == NULL || sc->kind == SCOPE_ALL)
		return 1;
	return uscc != NULL && map_get(&sc->units, uscc, &one) == 0;
}

/* ent's condition: its owner column, or a grant's person's unit. */
int
scope_where(const struct scope *sc, const struct entity *ent, struct buf *sql,
	    struct store_val *v)
{
	const char *sub;

	if (sc == NULL || sc->kind == SCOPE_ALL)
		return 0;
	sub = units_sql(sc, v);
	if (strcmp(ent->name, "unit") == 0)
		buf_printf(sql, "uscc IN %s", sub);
	else if (reg_field(ent, "unit") != NULL)
		buf_printf(sql, "unit IN %s", sub);
	else
		buf_printf(sql,
			   "person IN (SELECT id FROM people WHERE unit IN "
			   "%s)",
			   sub);
	return 1;
}

long long
scope_count(struct store *st, const struct scope *sc, const struct entity *ent)
{
	struct buf sql = BUF_INIT(4096);
	struct store_val v[1];
	int nv = 0;
	long long n;

	buf_printf(&sql, "SELECT count(*) FROM %s", ent->table);
	if (sc != NULL && sc->kind != SCOPE_ALL) {
		buf_addstr(&sql, " WHERE ");
		nv = scope_where(sc, ent, &sql, v);
	}
	n = store_query_int(st, sql.data, v, nv, -1);
	buf_cleanup(&sql);
	return n;
}

/* The unit a stored record belongs to (heap), or NULL if none. */
static char *
owner_of(struct store *st, const struct entity *ent, json_t *obj)
{
	const char *s;
	struct store_val v[1];

	if (strcmp(ent->name, "unit") == 0)
		s = json_string_value(json_object_get(obj, "uscc"));
	else if (reg_field(ent, "unit") != NULL)
		s = json_string_value(json_object_get(obj, "unit"));
	else {
		v[0] =
		    SV_TEXT(json_string_value(json_object_get(obj, "person")));
		if (v[0].s == NULL)
			return NULL;
		return store_query_text(
		    st, "SELECT unit FROM people WHERE id = ?", v, 1);
	}
	return s != NULL ? xstrdup(s) : NULL;
}

int
scope_record(struct store *st, const struct scope *sc, const struct entity *ent,
	     json_t *obj)
{
	char *unit;
	int ok;

	if (sc == NULL || sc->kind == SCOPE_ALL)
		return 1;
	if (obj == NULL)
		return 0;
	unit = owner_of(st, ent, obj);
	ok = scope_has(sc, unit);
	free(unit);
	return ok;
}

int
scope_object(struct store *st, const struct scope *sc, const char *key)
{
	for (int i = 0; i < reg_nentities; i++) {
		json_t *o = reg_get(st, reg_entities[i], key);
		int ok;

		if (o == NULL)
			continue;
		ok = scope_record(st, sc, reg_entities[i], o);
		json_decref(o);
		if (ok)
			return 1;
	}
	return 0;
}

int
scope_host(struct store *st, const struct scope *sc, const char *host)
{
	struct store_val v[1] = {SV_TEXT(host)};
	char *unit;
	int ok;

	if (sc == NULL || sc->kind == SCOPE_ALL)
		return 1;
	if (host == NULL)
		return 0;
	unit = store_query_text(st,
				"SELECT a.unit FROM domains d JOIN apps a ON "
				"a.id = d.app WHERE d.name = ?",
				v, 1);
	ok = scope_has(sc, unit);
	free(unit);
	return ok;
}

struct objects {
	struct map *m;
	const char *kind;
};

static int
object_row(void *arg, struct store_row *row)
{
	struct objects *o = arg;
	const char *key = store_row_text(row, 0);
	char name[256];

	if (key == NULL)
		return 0;
	if (str_fmt(name, sizeof(name), "%s:%s", o->kind, key) >= 0)
		map_put(o->m, name, 1, NULL);
	/* findings name the record by its key alone */
	map_put(o->m, key, 1, NULL);
	return 0;
}

int
scope_objects(struct store *st, struct scope *sc, struct err *e)
{
	map_cleanup(&sc->objects);
	map_init(&sc->objects);
	if (sc->kind == SCOPE_ALL)
		return 0;
	for (int i = 0; i < reg_nentities; i++) {
		const struct entity *ent = reg_entities[i];
		struct objects o = {&sc->objects, ent->name};
		struct buf sql = BUF_INIT(4096);
		struct store_val v[1];
		const char *keycol = NULL;
		int nv, rc;

		for (int j = 0; j < ent->nfields; j++)
			if (ent->fields[j].flags & F_KEY)
				keycol = ent->fields[j].column;
		buf_printf(&sql, "SELECT %s FROM %s WHERE ", keycol,
			   ent->table);
		nv = scope_where(sc, ent, &sql, v);
		rc = store_query(st, sql.data, v, nv, object_row, &o, e);
		buf_cleanup(&sql);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
scope_audit_object(const struct scope *sc, const char *object)
{
	const char *at;
	long long one;

	if (sc == NULL || sc->kind == SCOPE_ALL)
		return 1;
	if (object == NULL)
		return 0;
	if (str_starts(object, "finding:")) {
		at = strrchr(object, '@');
		return at != NULL && map_get(&sc->objects, at + 1, &one) == 0;
	}
	/* "unit:USCC"; a bare key never names an audit object */
	return strchr(object, ':') != NULL &&
	       map_get(&sc->objects, object, &one) == 0;
}

json_t *
scope_get(struct store *st, const struct scope *sc, const struct entity *ent,
	  const char *key)
{
	json_t *o = reg_get(st, ent, key);

	if (o != NULL && !scope_record(st, sc, ent, o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void
outside(struct err *e, const struct entity *ent, const char *key)
{
	err_set(e, "%s '%s' is outside the scope of this account", ent->name,
		key ? key : "");
}

/* 1 if unit is in the tree below top (or is top): a parent there would
 * cut a loop off the scope's tree. */
static int
below(struct store *st, const char *unit, const char *top)
{
	struct store_val v[2] = {SV_TEXT(unit), SV_TEXT(top)};

	return store_query_int(st,
			       "SELECT count(*) FROM units WHERE uscc = ? "
			       "AND uscc IN " TREE_SQL,
			       v, 2, 1) != 0;
}

static int check_unit(struct store *st, const struct scope *sc, json_t *obj,
		      json_t *old, const char *key, const char *path,
		      struct err *e);
static int check_refs(struct store *st, const struct scope *sc,
		      const struct entity *ent, json_t *obj, const char *path,
		      struct err *e);

/* 0 if obj, as it would be written, stays in scope with all it refers
 * to; -1 with e set if not. */
static int
check_put(struct store *st, const struct scope *sc, const struct entity *ent,
	  json_t *obj, const char *path, struct err *e)
{
	const char *key = reg_key(ent, obj);
	json_t *old = reg_get(st, ent, key);
	int rc;

	if (old != NULL && !scope_record(st, sc, ent, old)) {
		json_decref(old);
		outside(e, ent, key);
		return -1;
	}
	if (strcmp(ent->name, "unit") == 0)
		rc = check_unit(st, sc, obj, old, key, path, e);
	else
		rc = check_refs(st, sc, ent, obj, path, e);
	json_decref(old);
	return rc;
}

/*
 * A unit stays in scope: for a unit scope, it is the scope's unit or hangs
 * below a unit in scope; for a region scope, its region is in the region.
 * Its parent changes only to a unit in scope and never to one below itself
 * (a loop): a scoped account cannot move a unit into, out of or away from
 * a tree another account's scope covers.
 */
static int
check_unit(struct store *st, const struct scope *sc, json_t *obj, json_t *old,
	   const char *key, const char *path, struct err *e)
{
	const char *parent = json_string_value(json_object_get(obj, "parent"));
	const char *region = json_string_value(json_object_get(obj, "region"));
	const char *was = json_string_value(json_object_get(old, "parent"));
	int same = parent == NULL ? was == NULL
				  : was != NULL && strcmp(parent, was) == 0;
	int ok;

	if (sc->kind == SCOPE_UNIT)
		ok = strcmp(key, sc->code) == 0 ||
		     (parent != NULL && scope_has(sc, parent));
	else
		ok = region != NULL && str_starts(region, sc->code);
	if (ok && !same)
		ok = parent != NULL && scope_has(sc, parent) &&
		     !below(st, parent, key);
	if (!ok) {
		outside(e, reg_entity("unit"), key);
		err_prefix(e, "%s", path);
		return -1;
	}
	return 0;
}

/* Every record obj refers to (its unit, person, application, outsourcer)
 * is in scope. */
static int
check_refs(struct store *st, const struct scope *sc, const struct entity *ent,
	   json_t *obj, const char *path, struct err *e)
{
	for (int i = 0; i < ent->nfields; i++) {
		const struct field *f = &ent->fields[i];
		const char *target =
		    json_string_value(json_object_get(obj, f->name));
		const struct entity *to;
		json_t *t;
		int ok;

		if (f->ref == NULL || target == NULL)
			continue;
		to = reg_entity(f->ref);
		if (strcmp(to->name, "unit") == 0) {
			ok = scope_has(sc, target);
		} else {
			/* An absent target is reg_put's to report. */
			if ((t = reg_get(st, to, target)) == NULL)
				continue;
			ok = scope_record(st, sc, to, t);
			json_decref(t);
		}
		if (!ok) {
			outside(e, to, target);
			err_prefix(e, "%s.%s", path, f->name);
			return -1;
		}
	}
	return 0;
}

int
scope_put(struct store *st, const struct scope *sc, const struct entity *ent,
	  json_t *obj, const char *path, const char *actor, int *created,
	  struct err *e)
{
	if (sc == NULL || sc->kind == SCOPE_ALL)
		return reg_put(st, ent, obj, path, actor, REG_AUDIT, created,
			       e);
	/* Validated first: the scope check reads fields by their type. */
	if (reg_parse(ent, obj, path, e) < 0)
		return -1;
	if (store_begin(st, e) < 0)
		return -1;
	if (check_put(st, sc, ent, obj, path, e) < 0 ||
	    reg_put(st, ent, obj, path, actor, REG_AUDIT | REG_VALIDATED,
		    created, e) < 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, e);
}

int
scope_rm(struct store *st, const struct scope *sc, const struct entity *ent,
	 const char *key, const char *actor, struct err *e)
{
	json_t *old;

	if (sc == NULL || sc->kind == SCOPE_ALL)
		return reg_rm(st, ent, key, actor, e);
	if (store_begin(st, e) < 0)
		return -1;
	old = reg_get(st, ent, key);
	if (old != NULL && !scope_record(st, sc, ent, old)) {
		json_decref(old);
		outside(e, ent, key);
		goto fail;
	}
	json_decref(old);
	/* The unit an account is scoped to is not its to remove. */
	if (sc->kind == SCOPE_UNIT && strcmp(ent->name, "unit") == 0 &&
	    strcmp(key, sc->code) == 0) {
		err_set(e,
			"unit '%s' is the scope of this account; only an "
			"account of a wider scope may remove it",
			key);
		goto fail;
	}
	if (reg_rm(st, ent, key, actor, e) < 0)
		goto fail;
	return store_commit(st, e);
fail:
	store_rollback(st);
	return -1;
}
