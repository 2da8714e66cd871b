/*
 * import.c: the registry document, in and out. Import reads an untrusted
 * document of up to REG_IMPORT_MAX bytes one record at a time (so memory
 * stays at one record plus the text), all in one transaction; export writes
 * the canonical form, one record per line.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "registry/registry.h"

#define FORMAT_NAME "govsec-registry/1"

struct reader {
	const char *text;
	size_t len, pos;
	long line;	 /* line of pos, 1-based */
	size_t line_pos; /* position up to which line is counted */
	const char *source;
};

static long
line_at(struct reader *r, size_t pos)
{
	for (; r->line_pos < pos && r->line_pos < r->len; r->line_pos++)
		if (r->text[r->line_pos] == '\n')
			r->line++;
	return r->line;
}

static void
skip_ws(struct reader *r)
{
	while (r->pos < r->len &&
	       (r->text[r->pos] == ' ' || r->text[r->pos] == '\t' ||
		r->text[r->pos] == '\n' || r->text[r->pos] == '\r'))
		r->pos++;
}

static int
expect(struct reader *r, char c, const char *what, struct err *e)
{
	skip_ws(r);
	if (r->pos >= r->len || r->text[r->pos] != c) {
		err_set(e, "%s:%ld: expected %s", r->source, line_at(r, r->pos),
			what);
		return -1;
	}
	r->pos++;
	return 0;
}

/* Reads a plain section name ("units"): no escapes needed or allowed. */
static int
read_name(struct reader *r, char *out, size_t n, struct err *e)
{
	size_t start;

	if (expect(r, '"', "a section name in double quotes", e) < 0)
		return -1;
	start = r->pos;
	while (r->pos < r->len && r->text[r->pos] != '"' &&
	       r->text[r->pos] != '\\' && r->pos - start < n - 1)
		r->pos++;
	if (r->pos >= r->len || r->text[r->pos] != '"') {
		err_set(e, "%s:%ld: bad section name", r->source,
			line_at(r, start));
		return -1;
	}
	memcpy(out, r->text + start, r->pos - start);
	out[r->pos - start] = '\0';
	r->pos++;
	return 0;
}

/* Parses one JSON value at pos (a record object, or any value with any). */
static json_t *
read_value(struct reader *r, int any, struct err *e)
{
	json_error_t je;
	json_t *v;
	size_t limit = r->len - r->pos;
	long line;

	skip_ws(r);
	line = line_at(r, r->pos);
	if (!any && limit > REG_RECORD_MAX)
		limit = REG_RECORD_MAX;
	v = json_loadb(r->text + r->pos, limit,
		       JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES |
			   (any ? JSON_DECODE_ANY : 0),
		       &je);
	if (v == NULL) {
		if (!any && limit == REG_RECORD_MAX && je.position >= 0 &&
		    (size_t)je.position >= limit - 1)
			err_set(e, "%s:%ld: record larger than %d bytes",
				r->source, line, REG_RECORD_MAX);
		else
			err_set(e, "%s:%ld: %s", r->source, line + je.line - 1,
				je.text);
		return NULL;
	}
	r->pos += (size_t)je.position;
	return v;
}

static int
read_section(struct store *st, struct reader *r, const struct entity *ent,
	     struct map *keys, const char *actor, long long *count,
	     struct err *e)
{
	long long idx = 0;

	if (expect(r, '[', "'[' to open the list", e) < 0)
		return -1;
	skip_ws(r);
	if (r->pos < r->len && r->text[r->pos] == ']') {
		r->pos++;
		return 0;
	}
	for (;; idx++) {
		char path[128];
		long line;
		json_t *obj;
		const char *key;
		long long first;

		skip_ws(r);
		line = line_at(r, r->pos);
		obj = read_value(r, 0, e);
		if (obj == NULL)
			return -1;
		str_fmt(path, sizeof(path), "$.%s[%lld]", ent->plural, idx);
		if (reg_put(st, ent, obj, path, actor, REG_DEFER_REFS, NULL,
			    e) < 0) {
			json_decref(obj);
			err_prefix(e, "%s:%ld", r->source, line);
			return -1;
		}
		key = reg_key(ent, obj);
		if (map_put(keys, key, idx, &first) == 1) {
			err_set(e,
				"%s:%ld: %s: %s '%s' is listed twice (also at "
				"$.%s[%lld])",
				r->source, line, path, ent->name, key,
				ent->plural, first);
			json_decref(obj);
			return -1;
		}
		json_decref(obj);
		(*count)++;
		skip_ws(r);
		if (r->pos < r->len && r->text[r->pos] == ',') {
			r->pos++;
			continue;
		}
		return expect(r, ']', "',' or ']' after a record", e);
	}
}

int
reg_import(struct store *st, const char *text, size_t len, const char *source,
	   const char *actor, struct reg_counts *c, struct err *e)
{
	struct reader r = {text, len, 0, 1, 0, source};
	struct map keys[8];
	int seen[8] = {0};
	char digest[AUDIT_HASH_HEX];
	int rc = -1;

	memset(c, 0, sizeof(*c));
	for (int i = 0; i < reg_nentities; i++)
		map_init(&keys[i]);
	if (len > REG_IMPORT_MAX) {
		err_set(e, "%s: larger than the import limit of %llu bytes",
			source, (unsigned long long)REG_IMPORT_MAX);
		goto out;
	}
	if (store_begin(st, e) < 0)
		goto out;
	if (store_exec(st, "PRAGMA defer_foreign_keys = ON", NULL, 0, e) < 0)
		goto fail;
	if (expect(&r, '{', "'{' to open the document", e) < 0)
		goto fail;
	skip_ws(&r);
	if (r.pos < r.len && r.text[r.pos] == '}') {
		r.pos++;
		goto done;
	}
	for (;;) {
		char name[64];
		int idx = -1;

		if (read_name(&r, name, sizeof(name), e) < 0 ||
		    expect(&r, ':', "':' after the section name", e) < 0)
			goto fail;
		for (int i = 0; i < reg_nentities; i++)
			if (strcmp(reg_entities[i]->plural, name) == 0)
				idx = i;
		if (idx < 0) {
			json_t *v;
			long line = line_at(&r, r.pos);

			if (strcmp(name, "format") != 0 &&
			    strcmp(name, "$schema") != 0) {
				err_set(
				    e,
				    "%s:%ld: $.%s: unknown section (expected "
				    "units, outsourcers, applications, "
				    "people or grants)",
				    source, line, name);
				goto fail;
			}
			v = read_value(&r, 1, e);
			if (v == NULL)
				goto fail;
			if (strcmp(name, "format") == 0 &&
			    (!json_is_string(v) ||
			     strcmp(json_string_value(v), FORMAT_NAME) != 0)) {
				err_set(e, "%s:%ld: $.format: expected \"%s\"",
					source, line, FORMAT_NAME);
				json_decref(v);
				goto fail;
			}
			json_decref(v);
		} else {
			if (seen[idx]++) {
				err_set(e, "%s:%ld: $.%s: section given twice",
					source, line_at(&r, r.pos), name);
				goto fail;
			}
			if (read_section(st, &r, reg_entities[idx], &keys[idx],
					 actor, &c->n[idx], e) < 0)
				goto fail;
		}
		skip_ws(&r);
		if (r.pos < r.len && r.text[r.pos] == ',') {
			r.pos++;
			continue;
		}
		if (expect(&r, '}', "',' or '}' after a section", e) < 0)
			goto fail;
		break;
	}
done:
	skip_ws(&r);
	if (r.pos != r.len) {
		err_set(e, "%s:%ld: unexpected text after the document", source,
			line_at(&r, r.pos));
		goto fail;
	}
	{
		const struct entity *ent;
		const struct field *f;
		char key[256], target[256];
		long long idx = -1;
		int k;

		k = reg_check_refs(st, &ent, key, sizeof(key), &f, target,
				   sizeof(target), e);
		if (k < 0)
			goto fail;
		if (k > 0) {
			for (int i = 0; i < reg_nentities; i++)
				if (reg_entities[i] == ent)
					map_get(&keys[i], key, &idx);
			if (idx >= 0)
				err_set(e,
					"%s: $.%s[%lld].%s: %s '%s' is not "
					"registered",
					source, ent->plural, idx, f->name,
					f->ref, target);
			else
				err_set(e,
					"%s: %s '%s' (already stored) refers "
					"to %s '%s', which is not registered",
					source, ent->name, key, f->ref, target);
			goto fail;
		}
	}
	audit_digest(text, len, digest);
	if (audit_append(st, actor, "registry.import", source, NULL, digest,
			 e) < 0)
		goto fail;
	rc = store_commit(st, e);
	goto out;
fail:
	store_rollback(st);
out:
	for (int i = 0; i < reg_nentities; i++)
		map_cleanup(&keys[i]);
	return rc;
}

struct exporter {
	FILE *out;
	long long n;
};

static int
export_one(void *arg, json_t *obj)
{
	struct exporter *x = arg;
	char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s == NULL)
		return -1;
	fprintf(x->out, "%s\n    %s", x->n++ ? "," : "", s);
	free(s);
	return 0;
}

int
reg_export(struct store *st, FILE *out, struct err *e)
{
	fprintf(out, "{\n  \"format\": \"%s\"", FORMAT_NAME);
	for (int i = 0; i < reg_nentities; i++) {
		struct exporter x = {out, 0};

		fprintf(out, ",\n  \"%s\": [", reg_entities[i]->plural);
		if (reg_each(st, reg_entities[i], NULL, NULL, export_one, &x,
			     e) < 0)
			return -1;
		fprintf(out, "%s]", x.n ? "\n  " : "");
	}
	fprintf(out, "\n}\n");
	if (ferror(out)) {
		err_set(e, "cannot write the export");
		return -1;
	}
	return 0;
}
