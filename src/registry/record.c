/*
 * record.c: the one path every registry record takes, driven by the field
 * tables of entity.c: JSON validation (untrusted input), conversion to and
 * from store rows, writes with audit records, reads, removal.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "registry/registry.h"

/* Per-entity SQL built once from the field table. */
struct sqlset {
	const struct entity *ent;
	char *insert, *select, *select_key, *delete;
	const char *keycol;
};
static struct sqlset sqlsets[8];

static const char *
key_column(const struct entity *ent)
{
	for (int i = 0; i < ent->nfields; i++)
		if (ent->fields[i].flags & F_KEY)
			return ent->fields[i].column;
	return NULL;
}

static void sql_build(struct sqlset *s, const struct entity *ent);

static void
sql_init(void)
{
	if ((size_t)reg_nentities > ARRAY_SIZE(sqlsets))
		fatal("too many registry entities");
	for (int i = 0; i < reg_nentities; i++)
		sql_build(&sqlsets[i], reg_entities[i]);
}

/* The statements of ent, built once for all entities (thread-safe). */
static const struct sqlset *
sql_for(const struct entity *ent)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, sql_init);
	for (size_t i = 0; i < ARRAY_SIZE(sqlsets); i++)
		if (sqlsets[i].ent == ent)
			return &sqlsets[i];
	fatal("'%s' is not a registry entity", ent->name);
}

static void
sql_build(struct sqlset *s, const struct entity *ent)
{
	struct buf cols = BUF_INIT(8192), b = BUF_INIT(16384);
	int n = 0;

	s->ent = ent;
	s->keycol = key_column(ent);
	for (int i = 0; i < ent->nfields; i++) {
		buf_printf(&cols, "%s%s", n++ ? ", " : "",
			   ent->fields[i].column);
	}
	buf_printf(&b, "INSERT INTO %s(%s, updated) VALUES (", ent->table,
		   cols.data);
	for (int i = 0; i <= ent->nfields; i++)
		buf_addstr(&b, i ? ", ?" : "?");
	buf_printf(&b, ") ON CONFLICT(%s) DO UPDATE SET ", s->keycol);
	for (int i = 0; i < ent->nfields; i++)
		buf_printf(&b, "%s = excluded.%s, ", ent->fields[i].column,
			   ent->fields[i].column);
	buf_addstr(&b, "updated = excluded.updated");
	s->insert = buf_detach(&b, NULL);
	buf_printf(&b, "SELECT %s FROM %s", cols.data, ent->table);
	s->select = buf_detach(&b, NULL);
	buf_printf(&b, "SELECT %s FROM %s WHERE %s = ?", cols.data, ent->table,
		   s->keycol);
	s->select_key = buf_detach(&b, NULL);
	buf_printf(&b, "DELETE FROM %s WHERE %s = ?", ent->table, s->keycol);
	s->delete = buf_detach(&b, NULL);
	buf_cleanup(&cols);
}

/* Looks up "a.b" in nested objects. */
static json_t *
jget(json_t *obj, const char *name)
{
	const char *dot = strchr(name, '.');
	char head[64];

	if (dot == NULL)
		return json_object_get(obj, name);
	if ((size_t)(dot - name) >= sizeof(head))
		return NULL;
	memcpy(head, name, (size_t)(dot - name));
	head[dot - name] = '\0';
	return jget(json_object_get(obj, head), dot + 1);
}

void
reg_set_path(json_t *obj, const char *name, json_t *val)
{
	const char *dot = strchr(name, '.');
	char head[64];
	json_t *sub;

	if (dot == NULL || (size_t)(dot - name) >= sizeof(head)) {
		json_object_set_new(obj, name, val);
		return;
	}
	memcpy(head, name, (size_t)(dot - name));
	head[dot - name] = '\0';
	sub = json_object_get(obj, head);
	if (!json_is_object(sub)) {
		sub = json_object();
		json_object_set_new(obj, head, sub);
	}
	reg_set_path(sub, dot + 1, val);
}

/* 1 if some field of ent nests under prefix ("security"). */
static int
is_group(const struct entity *ent, const char *prefix)
{
	size_t n = strlen(prefix);

	for (int i = 0; i < ent->nfields; i++)
		if (strncmp(ent->fields[i].name, prefix, n) == 0 &&
		    ent->fields[i].name[n] == '.')
			return 1;
	return 0;
}

/*
 * A JSON path built only when an error needs it: a chain of steps, each
 * ".name", "[idx]" or (at the root) a literal prefix such as "$.units[3]".
 */
struct lpath {
	const struct lpath *up;
	const char *name;
	long idx; /* -1: ".name"; >= 0: "[idx]"; -2: literal name */
};

static void
lp_render(const struct lpath *lp, struct buf *b)
{
	if (lp == NULL)
		return;
	lp_render(lp->up, b);
	if (lp->idx == -2)
		buf_addstr(b, lp->name);
	else if (lp->idx == -1)
		buf_printf(b, ".%s", lp->name);
	else
		buf_printf(b, "[%ld]", lp->idx);
}

/* Sets e to "<path>: <message>". */
static void PRINTF_LIKE(3, 4)
    fail_at(struct err *e, const struct lpath *lp, const char *fmt, ...)
{
	struct buf b = BUF_INIT(8192);
	va_list ap;

	lp_render(lp, &b);
	buf_addstr(&b, ": ");
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	/* A message longer than e holds is cut, never lost. */
	str_copy(e->msg, b.data ? b.data : "", sizeof(e->msg));
	buf_cleanup(&b);
}

static int
check_string(const struct field *f, json_t *v, const struct lpath *lp,
	     struct err *e)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	long long max = f->max ? f->max : (long long)REG_STRING_MAX;

	if (s == NULL) {
		fail_at(e, lp, "expected a string");
		return -1;
	}
	if (n == 0) {
		fail_at(e, lp, "must not be empty");
		return -1;
	}
	if ((long long)n > max) {
		fail_at(e, lp, "longer than %lld bytes", max);
		return -1;
	}
	/* One line: values are quoted in messages and reports. */
	if (strlen(s) != n || !str_utf8_valid(s, n) || strpbrk(s, "\t\r\n")) {
		fail_at(e, lp,
			"contains a NUL, line break or control character");
		return -1;
	}
	if (f->check != NULL && f->check(s, e) < 0) {
		struct err inner = *e;

		fail_at(e, lp, "%s", inner.msg);
		return -1;
	}
	return 0;
}

static int parse_shape(const struct entity *ent, json_t *obj,
		       const struct lpath *lp, json_t **xs, struct err *e);

static int
check_value(const struct field *f, json_t *v, const struct lpath *lp,
	    struct err *e)
{
	size_t i;
	json_t *item;
	time_t t;

	switch (f->type) {
	case F_STRING:
		return check_string(f, v, lp, e);
	case F_BOOL:
		if (!json_is_boolean(v)) {
			fail_at(e, lp, "expected true or false");
			return -1;
		}
		return 0;
	case F_INT:
		if (!json_is_integer(v) || json_integer_value(v) < f->min ||
		    json_integer_value(v) > f->max) {
			fail_at(e, lp, "expected an integer from %lld to %lld",
				f->min, f->max);
			return -1;
		}
		return 0;
	case F_DATE:
		if (!json_is_string(v) || !time_is_date(json_string_value(v))) {
			fail_at(e, lp, "expected a date as YYYY-MM-DD");
			return -1;
		}
		return 0;
	case F_TIME:
		/* A time, not a bare date (which time_parse also takes). */
		if (!json_is_string(v) || json_string_length(v) <= 10 ||
		    time_parse(json_string_value(v), &t) < 0) {
			fail_at(e, lp,
				"expected an RFC 3339 time such as "
				"2025-03-01T09:00:00+08:00");
			return -1;
		}
		return 0;
	case F_ENUM:
		if (json_is_string(v))
			for (int k = 0; f->choices[k] != NULL; k++)
				if (strcmp(f->choices[k],
					   json_string_value(v)) == 0)
					return 0;
		{
			struct buf b = BUF_INIT(1024);

			for (int k = 0; f->choices[k] != NULL; k++)
				buf_printf(&b, "%s%s", k ? ", " : "",
					   f->choices[k]);
			fail_at(e, lp, "expected one of %s", b.data);
			buf_cleanup(&b);
		}
		return -1;
	case F_STRLIST:
	case F_OBJLIST:
		if (!json_is_array(v)) {
			fail_at(e, lp, "expected an array");
			return -1;
		}
		if (json_array_size(v) > REG_LIST_MAX) {
			fail_at(e, lp, "more than %d items", REG_LIST_MAX);
			return -1;
		}
		json_array_foreach(v, i, item)
		{
			struct lpath sub = {lp, NULL, (long)i};

			if (f->type == F_STRLIST
				? check_string(f, item, &sub, e)
				: parse_shape(f->sub, item, &sub, NULL, e))
				return -1;
		}
		return 0;
	}
	return -1;
}

/* Checks obj as a ent; xs (may be NULL) receives each field's value. */
static int
parse_shape(const struct entity *ent, json_t *obj, const struct lpath *lp,
	    json_t **xs, struct err *e)
{
	const char *key;
	json_t *v, *sv;

	if (!json_is_object(obj)) {
		fail_at(e, lp, "expected an object (a %s)", ent->name);
		return -1;
	}
	json_object_foreach(obj, key, v)
	{
		struct lpath kp = {lp, key, -1};

		/* "a.b" names a field only as b inside object a. */
		if (strchr(key, '.') == NULL && reg_field(ent, key) != NULL)
			continue;
		if (strchr(key, '.') != NULL || !is_group(ent, key)) {
			fail_at(e, &kp, "unknown field");
			return -1;
		}
		if (!json_is_object(v)) {
			fail_at(e, &kp, "expected an object");
			return -1;
		}
		{
			const char *sk;

			json_object_foreach(v, sk, sv)
			{
				char full[128];
				struct lpath sp = {&kp, sk, -1};
				size_t kn = strlen(key), sn = strlen(sk);

				/* "key.sk" (too long: no such field) */
				if (kn + 1 + sn >= sizeof(full))
					sn = 0;
				memcpy(full, key, kn);
				full[kn] = '.';
				memcpy(full + kn + 1, sk, sn);
				full[kn + 1 + sn] = '\0';
				if (sn == 0 || reg_field(ent, full) == NULL) {
					fail_at(e, &sp, "unknown field");
					return -1;
				}
			}
		}
	}
	for (int i = 0; i < ent->nfields; i++) {
		const struct field *f = &ent->fields[i];
		struct lpath fp = {lp, f->name, -1};

		v = jget(obj, f->name);
		if (xs != NULL)
			xs[i] = v;
		if (v == NULL || json_is_null(v)) {
			if (f->flags & F_REQUIRED) {
				fail_at(e, &fp, "missing required field");
				return -1;
			}
			continue;
		}
		if (check_value(f, v, &fp, e) < 0)
			return -1;
	}
	return 0;
}

int
reg_parse(const struct entity *ent, json_t *obj, const char *path,
	  struct err *e)
{
	struct lpath root = {NULL, path, -2};

	return parse_shape(ent, obj, &root, NULL, e);
}

char *
reg_canonical(json_t *obj)
{
	return json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
}

static int
dump_to_buf(const char *text, size_t n, void *arg)
{
	return buf_add(arg, text, n);
}

/* A record's lists as JSON text, at most (a valid record's are far
 * smaller: REG_LIST_MAX items of bounded strings). */
#define LISTS_MAX (64 << 20)

/* Binds the record's fields (x[i], field i's value or NULL) as store
 * values; the lists' JSON text in one heap block, *lists. 0, or -1 if
 * the lists are larger than LISTS_MAX. */
static int
bind_fields(const struct entity *ent, json_t *const *xs, struct store_val *v,
	    char **lists)
{
	struct buf b = BUF_INIT(LISTS_MAX);
	size_t at[REG_FIELDS_MAX];
	int rc = 0;

	for (int i = 0; i < ent->nfields; i++) {
		const struct field *f = &ent->fields[i];
		json_t *x = xs[i];

		if (x == NULL || json_is_null(x)) {
			v[i] = SV_NULL;
			continue;
		}
		switch (f->type) {
		case F_BOOL:
			v[i] = SV_INT(json_is_true(x));
			break;
		case F_INT:
			v[i] = SV_INT(json_integer_value(x));
			break;
		case F_STRLIST:
		case F_OBJLIST:
			/* placed once the block stops moving */
			at[i] = b.len;
			if (json_dump_callback(x, dump_to_buf, &b,
					       JSON_COMPACT |
						   JSON_PRESERVE_ORDER) < 0 ||
			    buf_add(&b, "", 1) < 0)
				rc = -1;
			v[i] = SV_NULL;
			v[i].type = SV_TEXT_T;
			break;
		default:
			v[i] = SV_TEXT(json_string_value(x));
			break;
		}
	}
	*lists = buf_detach(&b, NULL);
	for (int i = 0; i < ent->nfields; i++)
		if (v[i].type == SV_TEXT_T && v[i].s == NULL)
			v[i].s = *lists + at[i];
	return rc;
}

static json_t *
row_to_json(const struct entity *ent, struct store_row *r)
{
	json_t *o = json_object();

	for (int i = 0; i < ent->nfields; i++) {
		const struct field *f = &ent->fields[i];
		json_t *v;

		if (store_row_null(r, i))
			continue;
		switch (f->type) {
		case F_BOOL:
			v = json_boolean(store_row_int(r, i));
			break;
		case F_INT:
			v = json_integer(store_row_int(r, i));
			break;
		case F_STRLIST:
		case F_OBJLIST:
			v = json_loads(store_row_text(r, i), 0, NULL);
			if (v == NULL)
				v = json_array();
			break;
		default:
			v = json_string(store_row_text(r, i));
			break;
		}
		reg_set_path(o, f->name, v);
	}
	return o;
}

struct one {
	const struct entity *ent;
	json_t *obj;
};

static int
one_row(void *arg, struct store_row *r)
{
	struct one *o = arg;

	o->obj = row_to_json(o->ent, r);
	return 1;
}

json_t *
reg_get(struct store *st, const struct entity *ent, const char *key)
{
	struct one o = {ent, NULL};
	struct store_val v[1] = {SV_TEXT(key)};

	if (key == NULL)
		return NULL;
	if (store_query(st, sql_for(ent)->select_key, v, 1, one_row, &o, NULL) <
	    0) {
		json_decref(o.obj);
		return NULL;
	}
	return o.obj;
}

struct each {
	const struct entity *ent;
	int (*fn)(void *arg, json_t *obj);
	void *arg;
};

static int
each_row(void *arg, struct store_row *r)
{
	struct each *ea = arg;
	json_t *o = row_to_json(ea->ent, r);
	int rc = ea->fn(ea->arg, o);

	json_decref(o);
	return rc < 0 ? -1 : 0;
}

int
reg_each(struct store *st, const struct entity *ent, const char *where_col,
	 const char *where_val, int (*fn)(void *arg, json_t *obj), void *arg,
	 struct err *e)
{
	return reg_each_in(st, ent, NULL, where_col, where_val, fn, arg, e);
}

int
reg_each_in(struct store *st, const struct entity *ent, const struct scope *sc,
	    const char *where_col, const char *where_val,
	    int (*fn)(void *arg, json_t *obj), void *arg, struct err *e)
{
	const struct sqlset *s = sql_for(ent);
	struct each ea = {ent, fn, arg};
	struct buf sql = BUF_INIT(16384);
	struct store_val v[2] = {SV_TEXT(where_val), SV_NULL};
	int nv = where_col ? 1 : 0, rc;

	buf_addstr(&sql, s->select);
	if (where_col != NULL) {
		if (reg_field(ent, where_col) == NULL ||
		    reg_field(ent, where_col)->column == NULL) {
			err_set(e, "cannot filter %s by '%s'", ent->plural,
				where_col);
			buf_cleanup(&sql);
			return -1;
		}
		buf_printf(&sql, " WHERE %s = ?",
			   reg_field(ent, where_col)->column);
	}
	if (sc != NULL && sc->kind != SCOPE_ALL) {
		buf_addstr(&sql, nv ? " AND " : " WHERE ");
		nv += scope_where(sc, ent, &sql, &v[nv]);
	}
	buf_printf(&sql, " ORDER BY %s", s->keycol);
	if (e != NULL)
		e->msg[0] = '\0';
	rc = store_query(st, sql.data, v, nv, each_row, &ea, e);
	buf_cleanup(&sql);
	return rc;
}

static const struct entity *
entity_named(const char *name)
{
	return reg_entity(name);
}

static int
ref_exists(struct store *st, const struct field *f, const char *target)
{
	const struct entity *to = entity_named(f->ref);
	struct store_val v[1] = {SV_TEXT(target)};
	char sql[256];

	str_fmt(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s = ?",
		to->table, key_column(to));
	return store_query_int(st, sql, v, 1, 0) > 0;
}

static void
digest_of(json_t *obj, char out[AUDIT_HASH_HEX])
{
	char *s = reg_canonical(obj);

	audit_digest(s, strlen(s), out);
	free(s);
}

/* Puts path before a message of a cross-field rule: "$.x[1]" and
 * ".domains[0]: ..." join without a separator, anything else with ": ". */
static void
join_path(struct err *e, const char *path)
{
	char msg[sizeof(e->msg)];

	str_copy(msg, e->msg, sizeof(msg));
	if (msg[0] == '.')
		err_set(e, "%s%s", path, msg);
	else
		err_set(e, "%s: %s", path, msg);
}

/* reg_row_make with each field's value looked up already (xs) */
static int
row_make(const struct entity *ent, json_t *const *xs, struct reg_row *row,
	 const char *path, struct err *e)
{
	row->updated[0] = '\0';
	if (bind_fields(ent, xs, row->v, &row->lists) < 0) {
		err_set(e, "%s: lists longer than %d bytes", path, LISTS_MAX);
		reg_row_free(row);
		return -1;
	}
	return 0;
}

int
reg_row_make(const struct entity *ent, json_t *obj, struct reg_row *row,
	     const char *path, struct err *e)
{
	json_t *xs[REG_FIELDS_MAX];

	if (ent->nfields >= REG_FIELDS_MAX)
		fatal("'%s' has too many fields", ent->name);
	for (int i = 0; i < ent->nfields; i++)
		xs[i] = jget(obj, ent->fields[i].name);
	return row_make(ent, xs, row, path, e);
}

int
reg_parse_row(const struct entity *ent, json_t *obj, const char *path,
	      struct reg_row *row, struct err *e)
{
	struct lpath root = {NULL, path, -2};
	json_t *xs[REG_FIELDS_MAX];

	if (ent->nfields >= REG_FIELDS_MAX)
		fatal("'%s' has too many fields", ent->name);
	if (parse_shape(ent, obj, &root, xs, e) < 0)
		return -1;
	return row_make(ent, xs, row, path, e);
}

void
reg_row_free(struct reg_row *row)
{
	free(row->lists);
	row->lists = NULL;
}

int
reg_validate(const struct entity *ent, json_t *obj, const char *path,
	     unsigned flags, struct err *e)
{
	if ((flags & REG_DEFER_REFS) == 0)
		fatal("reg_validate without a store defers references");
	if (ent->validate != NULL && ent->validate(NULL, obj, flags, e) < 0) {
		join_path(e, path);
		return -1;
	}
	return 0;
}

int
reg_put(struct store *st, const struct entity *ent, json_t *obj,
	const char *path, const char *actor, unsigned flags, int *created,
	struct err *e)
{
	struct reg_row row;
	int rc;

	if (!(flags & REG_VALIDATED) && reg_parse(ent, obj, path, e) < 0)
		return -1;
	if (reg_row_make(ent, obj, &row, path, e) < 0)
		return -1;
	rc = reg_put_row(st, ent, obj, &row, path, actor, flags, created, e);
	reg_row_free(&row);
	return rc;
}

int
reg_put_row(struct store *st, const struct entity *ent, json_t *obj,
	    struct reg_row *row, const char *path, const char *actor,
	    unsigned flags, int *created, struct err *e)
{
	const struct sqlset *s = sql_for(ent);
	char before[AUDIT_HASH_HEX], after[AUDIT_HASH_HEX];
	json_t *old = NULL;
	const char *key;
	int rc = -1;

	/* Checks against other records run under the write lock, so two
	 * writers cannot both pass them. */
	if (store_begin(st, e) < 0)
		return -1;
	if (!(flags & REG_RULES_DONE) && ent->validate != NULL &&
	    ent->validate(st, obj, flags, e) < 0) {
		join_path(e, path);
		goto fail;
	}
	for (int i = 0; i < ent->nfields; i++) {
		const struct field *f = &ent->fields[i];
		/* a reference is a string field: bound as its text */
		const char *target =
		    row->v[i].type == SV_TEXT_T ? row->v[i].s : NULL;

		if (f->ref == NULL || target == NULL ||
		    (flags & REG_DEFER_REFS) || ref_exists(st, f, target))
			continue;
		err_set(e, "%s.%s: %s '%s' is not registered", path, f->name,
			f->ref, target);
		goto fail;
	}
	key = reg_key(ent, obj);
	if ((flags & REG_AUDIT) || created != NULL)
		old = reg_get(st, ent, key);
	if (created != NULL)
		*created = old == NULL;
	if (row->updated[0] == '\0')
		time_fmt(time_now(), row->updated, sizeof(row->updated));
	row->v[ent->nfields] = SV_TEXT(row->updated);
	rc = store_exec(st, s->insert, row->v, ent->nfields + 1, e);
	if (rc < 0) {
		err_prefix(e, "%s", path);
		goto fail;
	}
	rc = -1;
	if (ent->after_put != NULL && ent->after_put(st, obj, flags, e) < 0) {
		err_prefix(e, "%s", path);
		goto fail;
	}
	if (flags & REG_AUDIT) {
		char object[256], action[64];

		if (old != NULL)
			digest_of(old, before);
		digest_of(obj, after);
		str_fmt(object, sizeof(object), "%s:%s", ent->name, key);
		str_fmt(action, sizeof(action), "%s.%s", ent->name,
			old ? "update" : "add");
		if (audit_append(st, actor, action, object, old ? before : NULL,
				 after, e) < 0)
			goto fail;
	}
	json_decref(old);
	return store_commit(st, e);
fail:
	json_decref(old);
	store_rollback(st);
	return -1;
}

int
reg_rm(struct store *st, const struct entity *ent, const char *key,
       const char *actor, struct err *e)
{
	const struct sqlset *s = sql_for(ent);
	char before[AUDIT_HASH_HEX], object[256], action[64];
	struct store_val v[1] = {SV_TEXT(key)};
	json_t *old;

	if (store_begin(st, e) < 0)
		return -1;
	old = reg_get(st, ent, key);
	if (old == NULL) {
		err_set(e, "%s '%s' is not registered", ent->name, key);
		goto fail;
	}
	/* Say who still refers to it rather than a bare constraint error. */
	for (int i = 0; i < reg_nentities; i++) {
		const struct entity *o = reg_entities[i];

		for (int j = 0; j < o->nfields; j++) {
			const struct field *f = &o->fields[j];
			char sql[256], *who;

			if (f->ref == NULL || strcmp(f->ref, ent->name) != 0)
				continue;
			str_fmt(sql, sizeof(sql),
				"SELECT %s FROM %s WHERE %s = ? LIMIT 1",
				key_column(o), o->table, f->column);
			who = store_query_text(st, sql, v, 1);
			if (who != NULL) {
				err_set(e,
					"%s '%s' is still referred to by %s "
					"'%s' (field %s); remove or change "
					"that first",
					ent->name, key, o->name, who, f->name);
				free(who);
				goto fail;
			}
		}
	}
	if (store_exec(st, s->delete, v, 1, e) < 0)
		goto fail;
	digest_of(old, before);
	str_fmt(object, sizeof(object), "%s:%s", ent->name, key);
	str_fmt(action, sizeof(action), "%s.rm", ent->name);
	if (audit_append(st, actor, action, object, before, NULL, e) < 0)
		goto fail;
	json_decref(old);
	return store_commit(st, e);
fail:
	json_decref(old);
	store_rollback(st);
	return -1;
}

struct dangling {
	char *key, *target;
};

static int
dangling_row(void *arg, struct store_row *r)
{
	struct dangling *d = arg;

	d->key = xstrdup(store_row_text(r, 0));
	d->target = xstrdup(store_row_text(r, 1));
	return 1;
}

int
reg_check_refs(struct store *st, const struct entity **entp, char *key,
	       size_t keylen, const struct field **fieldp, char *target,
	       size_t targetlen, struct err *e)
{
	for (int i = 0; i < reg_nentities; i++) {
		const struct entity *ent = reg_entities[i];

		for (int j = 0; j < ent->nfields; j++) {
			const struct field *f = &ent->fields[j];
			const struct entity *to;
			struct dangling d = {NULL, NULL};
			char sql[512];

			if (f->ref == NULL)
				continue;
			to = entity_named(f->ref);
			str_fmt(sql, sizeof(sql),
				"SELECT a.%s, a.%s FROM %s a WHERE a.%s IS NOT "
				"NULL AND NOT EXISTS (SELECT 1 FROM %s b "
				"WHERE b.%s = a.%s) LIMIT 1",
				key_column(ent), f->column, ent->table,
				f->column, to->table, key_column(to),
				f->column);
			if (store_query(st, sql, NULL, 0, dangling_row, &d, e) <
			    0)
				return -1;
			if (d.key != NULL) {
				*entp = ent;
				*fieldp = f;
				str_copy(key, d.key, keylen);
				str_copy(target, d.target, targetlen);
				free(d.key);
				free(d.target);
				return 1;
			}
		}
	}
	return 0;
}
