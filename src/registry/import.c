/*
 * import.c: the registry document, in and out. Import reads an untrusted
 * document of up to REG_IMPORT_MAX bytes as a two-stage pipeline: a scanner
 * thread splits the text into records and validates each on its own (JSON
 * syntax, fields, the document digest) while the calling thread writes them
 * in one transaction. Memory stays at the text plus a bounded queue of
 * records. Export writes the canonical form, one record per line.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "registry/registry.h"

#define FORMAT_NAME "govsec-registry/1"
#define QUEUE_CAP   1024       /* records parsed ahead of the writer */
#define QUEUE_BATCH 64	       /* wake the writer once this many wait */
#define QUEUE_BYTES (16 << 20) /* record text parsed ahead, at most */

struct reader {
	const char *text;
	size_t len, pos;
	long line;	 /* line of pos, 1-based */
	size_t line_pos; /* position up to which line is counted */
	const char *source;
};

/* One validated record on its way to the writer. */
struct item {
	json_t *obj;
	int ent;       /* index into reg_entities */
	long long idx; /* position in its section */
	long line;
	size_t bytes; /* length of its text */
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct item ring[QUEUE_CAP];
	size_t head, count;
	size_t bytes; /* text of the records queued */
	int full;     /* the scanner waits for room */
	int done;     /* the scanner has finished, well or not */
	int cancel;   /* the writer failed: the scanner should stop */
	int failed;   /* the scanner failed: err holds why */
	struct err err;
	char digest[AUDIT_HASH_HEX];
	/* Records written, handed back so the scanner frees what it
	 * allocated: freeing across threads is what malloc does worst. */
	json_t *spent[QUEUE_CAP];
	size_t nspent;
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
	/* Section names are plain words: no escapes, controls or spaces. */
	while (r->pos < r->len && r->pos - start < n - 1 &&
	       (isalnum((unsigned char)r->text[r->pos]) ||
		r->text[r->pos] == '_' || r->text[r->pos] == '$' ||
		r->text[r->pos] == '-'))
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
read_value(struct reader *r, int any, const char *path, struct err *e)
{
	json_error_t je;
	json_t *v;
	size_t limit = r->len - r->pos;
	long line;

	skip_ws(r);
	line = line_at(r, r->pos);
	if (limit > REG_RECORD_MAX)
		limit = REG_RECORD_MAX;
	v = json_loadb(r->text + r->pos, limit,
		       /* Scalars too, so a record that is none gets a clear
			* error below; objects end exactly at their '}'. */
		       JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES |
			   JSON_DECODE_ANY,
		       &je);
	if (v == NULL) {
		if (limit == REG_RECORD_MAX && je.position >= 0 &&
		    (size_t)je.position >= limit - 1)
			err_set(e, "%s:%ld: %s: record larger than %d bytes",
				r->source, line, path, REG_RECORD_MAX);
		else
			err_set(e, "%s:%ld: %s: %s", r->source,
				line + je.line - 1, path, je.text);
		return NULL;
	}
	r->pos += (size_t)je.position;
	return v;
}

/* Hands a record to the writer; -1 if the writer gave up. */
static int
push(struct queue *q, const struct item *it)
{
	json_t *spent[QUEUE_CAP];
	size_t nspent;
	int rc = 0;

	pthread_mutex_lock(&q->mu);
	nspent = q->nspent;
	memcpy(spent, q->spent, nspent * sizeof(*spent));
	q->nspent = 0;
	/* Bounded in records and in bytes (a parsed record costs about its
	 * text again), but a single record always goes. */
	while ((q->count == QUEUE_CAP ||
		(q->count > 0 && q->bytes + it->bytes > QUEUE_BYTES)) &&
	       !q->cancel) {
		q->full = 1;
		pthread_cond_wait(&q->room, &q->mu);
	}
	if (q->cancel) {
		rc = -1;
	} else {
		q->ring[(q->head + q->count) % QUEUE_CAP] = *it;
		q->bytes += it->bytes;
		/* Wake the writer per batch, not per record (done wakes it
		 * for whatever is left). */
		if (++q->count == QUEUE_BATCH)
			pthread_cond_signal(&q->more);
	}
	pthread_mutex_unlock(&q->mu);
	for (size_t i = 0; i < nspent; i++)
		json_decref(spent[i]);
	return rc;
}

/* The writer is done with obj: hand it back to the scanner to free. */
static void
give_back(struct queue *q, json_t *obj)
{
	pthread_mutex_lock(&q->mu);
	if (q->nspent < QUEUE_CAP && !q->done) {
		q->spent[q->nspent++] = obj;
		obj = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	json_decref(obj);
}

/* Takes the next record; 0 when the scanner is done and nothing is left. */
static int
pop(struct queue *q, struct item *it)
{
	int rc = 1;

	pthread_mutex_lock(&q->mu);
	while (q->count == 0 && !q->done)
		pthread_cond_wait(&q->more, &q->mu);
	if (q->count == 0) {
		rc = 0;
	} else {
		*it = q->ring[q->head];
		q->head = (q->head + 1) % QUEUE_CAP;
		q->count--;
		q->bytes -= it->bytes;
		/* The scanner waits only on a full queue: wake it at half. */
		if (q->full && (q->count <= QUEUE_CAP / 2 ||
				q->bytes <= QUEUE_BYTES / 2)) {
			q->full = 0;
			pthread_cond_signal(&q->room);
		}
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

struct scanner {
	struct reader r;
	struct queue *q;
};

/* What the writer remembers of the document while it imports. */
struct writer {
	struct store *st;
	const char *source, *actor;
	struct map keys[8];  /* per section: key -> index in the section */
	struct map lines[8]; /* per section: key -> line */
	struct map domains;  /* A-label -> index into app_ids */
	char **app_ids;	     /* ids of the applications written, in order */
	size_t napps, cap;
};

static int
scan_section(struct scanner *s, int ent_idx, struct err *e)
{
	const struct entity *ent = reg_entities[ent_idx];
	struct reader *r = &s->r;
	long long idx = 0;

	if (expect(r, '[', "'[' to open the list", e) < 0)
		return -1;
	skip_ws(r);
	if (r->pos < r->len && r->text[r->pos] == ']') {
		r->pos++;
		return 0;
	}
	for (;; idx++) {
		struct item it;
		char path[128];

		size_t start;

		skip_ws(r);
		start = r->pos;
		it.line = line_at(r, r->pos);
		str_fmt(path, sizeof(path), "$.%s[%lld]", ent->plural, idx);
		it.obj = read_value(r, 0, path, e);
		if (it.obj == NULL)
			return -1;
		it.bytes = r->pos - start;
		it.ent = ent_idx;
		it.idx = idx;
		if (reg_parse(ent, it.obj, path, e) < 0) {
			err_prefix(e, "%s:%ld", r->source, it.line);
			json_decref(it.obj);
			return -1;
		}
		if (push(s->q, &it) < 0) {
			json_decref(it.obj);
			err_set(e, "stopped");
			return -1;
		}
		skip_ws(r);
		if (r->pos < r->len && r->text[r->pos] == ',') {
			r->pos++;
			continue;
		}
		return expect(r, ']', "',' or ']' after a record", e);
	}
}

/* The other sections: "format" must name this format; "$schema" is free. */
static int
scan_other(struct reader *r, const char *name, struct err *e)
{
	long line = line_at(r, r->pos);
	json_t *v;

	if (strcmp(name, "format") != 0 && strcmp(name, "$schema") != 0) {
		err_set(e,
			"%s:%ld: $.%s: unknown section (expected units, "
			"outsourcers, applications, people or grants)",
			r->source, line, name);
		return -1;
	}
	v = read_value(r, 1, name, e);
	if (v == NULL)
		return -1;
	if (strcmp(name, "format") == 0 &&
	    (!json_is_string(v) ||
	     strcmp(json_string_value(v), FORMAT_NAME) != 0)) {
		err_set(e, "%s:%ld: $.format: expected \"%s\"", r->source, line,
			FORMAT_NAME);
		json_decref(v);
		return -1;
	}
	json_decref(v);
	return 0;
}

static int
scan_document(struct scanner *s, struct err *e)
{
	struct reader *r = &s->r;
	int seen[8] = {0};

	if (expect(r, '{', "'{' to open the document", e) < 0)
		return -1;
	skip_ws(r);
	if (r->pos < r->len && r->text[r->pos] == '}') {
		r->pos++;
		goto end;
	}
	for (;;) {
		char name[64];
		int idx = -1;

		if (read_name(r, name, sizeof(name), e) < 0 ||
		    expect(r, ':', "':' after the section name", e) < 0)
			return -1;
		for (int i = 0; i < reg_nentities; i++)
			if (strcmp(reg_entities[i]->plural, name) == 0)
				idx = i;
		if (idx < 0) {
			if (scan_other(r, name, e) < 0)
				return -1;
		} else if (seen[idx]++) {
			err_set(e, "%s:%ld: $.%s: section given twice",
				r->source, line_at(r, r->pos), name);
			return -1;
		} else if (scan_section(s, idx, e) < 0) {
			return -1;
		}
		skip_ws(r);
		if (r->pos < r->len && r->text[r->pos] == ',') {
			r->pos++;
			continue;
		}
		if (expect(r, '}', "',' or '}' after a section", e) < 0)
			return -1;
		break;
	}
end:
	skip_ws(r);
	if (r->pos != r->len) {
		err_set(e, "%s:%ld: unexpected text after the document",
			r->source, line_at(r, r->pos));
		return -1;
	}
	return 0;
}

static void *
scan_main(void *arg)
{
	struct scanner *s = arg;
	struct queue *q = s->q;
	struct err e;
	int rc;

	e.msg[0] = '\0';
	rc = scan_document(s, &e);
	if (rc == 0)
		audit_digest(s->r.text, s->r.len, q->digest);
	pthread_mutex_lock(&q->mu);
	if (rc < 0) {
		q->failed = 1;
		q->err = e;
	}
	q->done = 1;
	pthread_cond_broadcast(&q->more);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Reports a reference left dangling at the end, by its record's path. */
static int
check_refs(struct writer *w, struct err *e)
{
	struct map *keys = w->keys, *lines = w->lines;
	const char *source = w->source;
	const struct entity *ent;
	const struct field *f;
	char key[256], target[256];
	long long idx = -1, line = 0;
	int k;

	k = reg_check_refs(w->st, &ent, key, sizeof(key), &f, target,
			   sizeof(target), e);
	if (k <= 0)
		return k;
	for (int i = 0; i < reg_nentities; i++) {
		if (reg_entities[i] == ent) {
			map_get(&keys[i], key, &idx);
			map_get(&lines[i], key, &line);
		}
	}
	if (idx >= 0)
		err_set(e, "%s:%lld: $.%s[%lld].%s: %s '%s' is not registered",
			source, line, ent->plural, idx, f->name, f->ref,
			target);
	else
		err_set(e,
			"%s: %s '%s' (already stored) refers to %s '%s', which "
			"is not registered",
			source, ent->name, key, f->ref, target);
	return -1;
}

/* Sets *idx and *line if key is a record of section ent of the document. */
static int
in_document(struct writer *w, const struct entity *ent, const char *key,
	    long long *idx, long long *line)
{
	for (int i = 0; i < reg_nentities; i++)
		if (reg_entities[i] == ent &&
		    map_get(&w->keys[i], key, idx) == 0) {
			map_get(&w->lines[i], key, line);
			return 1;
		}
	return 0;
}

/* The first domain listed by application id that the domains index gives
 * to another application: its name (as listed) and holder, heap strings. */
static int
find_taken(struct store *st, const char *id, char **name, char **holder)
{
	struct store_val v[2] = {SV_TEXT(id)};
	char *list =
	    store_query_text(st, "SELECT domains FROM apps WHERE id = ?", v, 1);
	json_t *doms = list ? json_loads(list, 0, NULL) : NULL, *d;
	size_t i;

	free(list);
	*name = *holder = NULL;
	json_array_foreach(doms, i, d)
	{
		const char *n = json_string_value(json_object_get(d, "name"));
		struct domain_info di;

		if (n == NULL || domain_parse(n, &di, NULL) < 0)
			continue;
		v[0] = SV_TEXT(di.alabel);
		v[1] = SV_TEXT(id);
		*holder = store_query_text(
		    st, "SELECT app FROM domains WHERE name = ? AND app <> ?",
		    v, 2);
		if (*holder != NULL) {
			*name = xstrdup(n);
			break;
		}
	}
	json_decref(doms);
	return *holder != NULL;
}

/*
 * An import may move a domain from one application to another; what it may
 * not do is leave a domain listed by two. An application whose listed
 * domains are not all its own in the domains index lost one to a record of
 * the document, which is blamed. Returns 0, or -1 with e set.
 */
static int
check_domains(struct writer *w, struct err *e)
{
	const struct entity *apps = reg_entity("applications");
	char *loser, *name = NULL, *taker = NULL;
	long long idx = -1, line = 0;

	loser = store_query_text(
	    w->st,
	    "SELECT a.id FROM apps a WHERE "
	    "coalesce(json_array_length(a.domains), 0) <> (SELECT count(*) "
	    "FROM domains d WHERE d.app = a.id) LIMIT 1",
	    NULL, 0);
	if (loser == NULL)
		return 0;
	if (find_taken(w->st, loser, &name, &taker) &&
	    in_document(w, apps, taker, &idx, &line))
		err_set(e,
			"%s:%lld: $.applications[%lld].domains: '%s' is "
			"already registered to application '%s'",
			w->source, line, idx, name, loser);
	else
		err_set(e,
			"%s: application '%s' lists a domain that another "
			"application registers",
			w->source, loser);
	free(loser);
	free(name);
	free(taker);
	return -1;
}

/* Two applications of one document may not list the same domain. */
static int
claim_domains(struct writer *w, struct item *it, const char *path,
	      struct err *e)
{
	json_t *doms = json_object_get(it->obj, "domains"), *d;
	const char *id = json_string_value(json_object_get(it->obj, "id"));
	size_t i;

	json_array_foreach(doms, i, d)
	{
		struct domain_info di;
		long long owner;
		const char *name =
		    json_string_value(json_object_get(d, "name"));

		if (name == NULL || reg_domain_parse(name, &di, NULL) < 0)
			continue; /* reg_parse has refused it already */
		if (map_get(&w->domains, di.alabel, &owner) == 0 &&
		    strcmp(w->app_ids[owner], id) != 0) {
			err_set(e,
				"%s:%ld: %s.domains[%zu]: '%s' is already "
				"registered to application '%s'",
				w->source, it->line, path, i, name,
				w->app_ids[owner]);
			return -1;
		}
		map_put(&w->domains, di.alabel, (long long)w->napps, NULL);
	}
	if (w->napps == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 1024;
		w->app_ids = xrealloc(w->app_ids, w->cap * sizeof(char *));
	}
	w->app_ids[w->napps++] = xstrdup(id);
	return 0;
}

/* Writes one record; -1 with e set (naming source, line and path). */
static int
write_item(struct writer *w, struct item *it, struct err *e)
{
	const struct entity *ent = reg_entities[it->ent];
	const char *key = reg_key(ent, it->obj);
	char path[128];
	long long first;

	str_fmt(path, sizeof(path), "$.%s[%lld]", ent->plural, it->idx);
	if (map_put(&w->keys[it->ent], key, it->idx, &first) == 1) {
		err_set(e,
			"%s:%ld: %s: %s '%s' is listed twice (also at "
			"$.%s[%lld])",
			w->source, it->line, path, ent->name, key, ent->plural,
			first);
		return -1;
	}
	map_put(&w->lines[it->ent], key, it->line, NULL);
	if (ent == reg_entity("applications") &&
	    claim_domains(w, it, path, e) < 0)
		return -1;
	if (reg_put(w->st, ent, it->obj, path, w->actor,
		    REG_DEFER_REFS | REG_VALIDATED, NULL, e) < 0) {
		err_prefix(e, "%s:%ld", w->source, it->line);
		return -1;
	}
	return 0;
}

int
reg_import(struct store *st, const char *text, size_t len, const char *source,
	   const char *actor, struct reg_counts *c, struct err *e)
{
	struct queue *q;
	struct scanner s;
	struct writer w;
	struct item it;
	pthread_t tid;
	int rc = -1, failed = 0;

	memset(c, 0, sizeof(*c));
	if (len > REG_IMPORT_MAX) {
		err_set(e, "%s: larger than the import limit of %llu bytes",
			source, (unsigned long long)REG_IMPORT_MAX);
		return -1;
	}
	/*
	 * Every reference of the document is checked at its end (check_refs:
	 * all the store's foreign keys are registry references), so SQLite
	 * need not look each one up as rows arrive. Outside a transaction
	 * only: inside one the pragma is a no-op and keys stay deferred.
	 */
	store_exec(st, "PRAGMA foreign_keys = OFF", NULL, 0, NULL);
	if (store_begin(st, e) < 0)
		goto fk_on;
	if (store_exec(st, "PRAGMA defer_foreign_keys = ON", NULL, 0, e) < 0) {
		store_rollback(st);
		goto fk_on;
	}
	q = xcalloc(1, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->room, NULL);
	memset(&w, 0, sizeof(w));
	w.st = st;
	w.source = source;
	w.actor = actor;
	for (int i = 0; i < reg_nentities; i++) {
		map_init(&w.keys[i]);
		map_init(&w.lines[i]);
	}
	map_init(&w.domains);
	memset(&s, 0, sizeof(s));
	s.r.text = text;
	s.r.len = len;
	s.r.line = 1;
	s.r.source = source;
	s.q = q;
	if (pthread_create(&tid, NULL, scan_main, &s) != 0) {
		err_set(e, "cannot start the import scanner");
		goto out;
	}
	while (pop(q, &it)) {
		if (!failed && write_item(&w, &it, e) == 0) {
			c->n[it.ent]++;
		} else if (!failed) {
			failed = 1;
			pthread_mutex_lock(&q->mu);
			q->cancel = 1;
			pthread_cond_broadcast(&q->room);
			pthread_mutex_unlock(&q->mu);
		}
		give_back(q, it.obj);
	}
	pthread_join(tid, NULL);
	for (size_t i = 0; i < q->nspent; i++)
		json_decref(q->spent[i]);
	if (failed)
		goto out;
	if (q->failed) {
		*e = q->err;
		goto out;
	}
	/* Two live portals of a unit are recorded (SITE-1 judges them). */
	if (check_refs(&w, e) != 0 || check_domains(&w, e) < 0)
		goto out;
	if (audit_append(st, actor, "registry.import", source, NULL, q->digest,
			 e) < 0)
		goto out;
	rc = store_commit(st, e);
	goto done;
out:
	store_rollback(st);
done:
	for (int i = 0; i < reg_nentities; i++) {
		map_cleanup(&w.keys[i]);
		map_cleanup(&w.lines[i]);
	}
	map_cleanup(&w.domains);
	for (size_t i = 0; i < w.napps; i++)
		free(w.app_ids[i]);
	free(w.app_ids);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->more);
	pthread_cond_destroy(&q->room);
	free(q);
	if (rc < 0)
		memset(c, 0, sizeof(*c));
	store_exec(st, "PRAGMA foreign_keys = ON", NULL, 0, NULL);
	return rc;
fk_on:
	store_exec(st, "PRAGMA foreign_keys = ON", NULL, 0, NULL);
	return -1;
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
