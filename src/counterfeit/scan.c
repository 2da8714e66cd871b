/*
 * scan.c: scans (issue 12, items 2 and 4): a feed file read as a stream
 * and matched against the protected set; the scan and its hits stored in
 * cf_scans and cf_hits in one transaction; what was first seen in this
 * scan reported. govsecd's scheduler scans each new file of a feed
 * directory once. Feed files are untrusted (feed.c); the store trusted.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "counterfeit/counterfeit.h"
#include "inspect/inspect.h" /* the generic scheduler thread */

struct scan {
	struct store *st;
	const struct cf_set *s;
	const char *id, *path;
	struct cf_feed *f;
	long long now;
	int all;
	struct map fresh; /* hit ids inserted by this scan */
	struct cf_scan_result *r;
};

/* A hit's id: the SM3 of kind, candidate and protected, 32 hex digits. */
static void
hit_id(const char *kind, const char *cand, const char *prot, char out[33])
{
	struct buf b;
	unsigned char d[SM3_LEN];
	char hex[2 * SM3_LEN + 1];

	buf_init(&b, 4096);
	buf_addstr(&b, kind);
	buf_addch(&b, '\n');
	buf_addstr(&b, cand);
	buf_addch(&b, '\n');
	buf_addstr(&b, prot);
	sm3_digest(b.data, b.len, d);
	buf_cleanup(&b);
	hex_encode(d, 16, hex);
	memcpy(out, hex, 32);
	out[32] = '\0';
}

static int
store_hit(struct scan *sc, const char *kind, const char *cand,
	  const struct cf_hit *h, const struct cf_record *rec, struct err *e)
{
	char id[33], *detail;
	struct store_val v[11];
	json_t *d;
	int fresh;
	long long dummy;

	hit_id(kind, cand, h->p->text, id);
	d = json_pack("{s:s, s:s, s:s?, s:s, s:I}", "class", h->cls, "what",
		      h->p->what, "app", h->p->app, "feed", sc->path, "line",
		      (json_int_t)sc->f->line);
	if (rec->kind == CF_APP || rec->kind == CF_ACCOUNT) {
		const struct cf_listing *l = &rec->item;

		json_object_set_new(d, "name", json_string(l->name));
		if (l->package)
			json_object_set_new(d, "package",
					    json_string(l->package));
		if (l->developer)
			json_object_set_new(d, "developer",
					    json_string(l->developer));
		if (l->cert)
			json_object_set_new(d, "cert_sha256",
					    json_string(l->cert));
		if (l->store)
			json_object_set_new(d, "store", json_string(l->store));
		if (l->platform)
			json_object_set_new(d, "platform",
					    json_string(l->platform));
		if (l->owner)
			json_object_set_new(d, "owner", json_string(l->owner));
	}
	detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(d);
	v[0] = SV_TEXT(id);
	v[1] = SV_TEXT(kind);
	v[2] = SV_TEXT(cand);
	v[3] = SV_TEXT(detail);
	v[4] = SV_TEXT(h->p->unit);
	v[5] = SV_TEXT(h->p->text);
	v[6] = SV_TEXT(h->reason);
	v[7] = SV_INT(h->score);
	v[8] = SV_TEXT(sc->id);
	v[9] = SV_INT(sc->now);
	v[10] = SV_INT(sc->now);
	if (store_exec(
		sc->st,
		"INSERT INTO cf_hits (id, kind, candidate, detail, unit, "
		"protected, reason, score, scan, first_seen, last_seen) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
		"(kind, candidate, protected) DO NOTHING",
		v, 11, e) < 0)
		goto fail;
	if (store_changes(sc->st) == 1) {
		map_put(&sc->fresh, id, 1, NULL);
		sc->r->hits++;
		sc->r->fresh++;
		fresh = 1;
	} else {
		struct store_val u[5] = {SV_INT(sc->now), SV_TEXT(sc->id),
					 SV_INT(h->score), SV_TEXT(h->reason),
					 SV_TEXT(id)};

		fresh = map_get(&sc->fresh, id, &dummy) == 0;
		if (fresh) /* seen twice in this scan: reported once */
			goto done;
		if (store_exec(sc->st,
			       "UPDATE cf_hits SET last_seen = ?, scan = ?, "
			       "score = ?, reason = ? WHERE id = ?",
			       u, 5, e) < 0)
			goto fail;
		map_put(&sc->fresh, id, 0, NULL);
		sc->r->hits++;
	}
	if (fresh || sc->all)
		json_array_append_new(
		    sc->r->report,
		    json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:i, s:b}",
			      "id", id, "kind", kind, "candidate", cand,
			      "protected", h->p->text, "unit", h->p->unit,
			      "class", h->cls, "reason", h->reason, "score",
			      h->score, "new", fresh));
done:
	free(detail);
	return 0;
fail:
	free(detail);
	return -1;
}

static int
on_record(void *arg, const struct cf_record *rec, struct err *e)
{
	struct scan *sc = arg;
	struct cf_hit hits[CF_HITS_MAX];
	char cand[1024];
	int n;
	const char *kind = cf_hit_kind(rec->kind);

	sc->r->candidates++;
	if (rec->kind == CF_DOMAIN || rec->kind == CF_CT) {
		n = cf_match_domain(sc->s, rec->domain, hits, CF_HITS_MAX, cand,
				    sizeof(cand));
	} else if (rec->kind == CF_APP) {
		n = cf_match_app(sc->s, &rec->item, hits, CF_HITS_MAX);
		str_copy(cand,
			 rec->item.package != NULL ? rec->item.package
						   : rec->item.name,
			 sizeof(cand));
	} else {
		n = cf_match_account(sc->s, &rec->item, hits, CF_HITS_MAX);
		str_fmt(cand, sizeof(cand), "%s:%s", rec->item.platform,
			rec->item.name);
	}
	for (int i = 0; i < n; i++)
		if (store_hit(sc, kind, cand, &hits[i], rec, e) < 0)
			return -1;
	return 0;
}

static int
scan_row(struct store *st, const char *id, const char *path, enum cf_kind kind,
	 long long started, const struct cf_scan_result *r, const char *error,
	 struct err *e)
{
	struct store_val v[8] = {
	    SV_TEXT(id),     SV_TEXT(path),	 SV_TEXT(cf_kind_name(kind)),
	    SV_INT(started), SV_INT(time_now()), SV_INT(r->candidates),
	    SV_INT(r->hits), SV_TEXT(error)};

	return store_exec(st,
			  "INSERT INTO cf_scans (id, feed, kind, started, "
			  "finished, candidates, hits, error) VALUES (?, ?, ?, "
			  "?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
			  "finished = excluded.finished, candidates = "
			  "excluded.candidates, hits = excluded.hits, error = "
			  "excluded.error",
			  v, 8, e);
}

void
cf_scan_result_cleanup(struct cf_scan_result *r)
{
	json_decref(r->report);
	r->report = NULL;
}

int
cf_scan_file(struct store *st, const struct cf_set *s, const char *path,
	     enum cf_kind kind, const char *id, int all,
	     struct cf_scan_result *r, struct err *e)
{
	struct cf_feed f;
	struct scan sc;
	FILE *in;
	int rc;
	long long started = time_now();

	memset(r, 0, sizeof(*r));
	r->report = json_array();
	if (id != NULL) {
		str_copy(r->id, id, sizeof(r->id));
	} else {
		unsigned char rnd[8];
		char hex[17];

		rand_bytes(rnd, sizeof(rnd));
		hex_encode(rnd, sizeof(rnd), hex);
		str_fmt(r->id, sizeof(r->id), "cs-%lld-%s", started, hex);
	}
	if (!strcmp(path, "-"))
		in = stdin;
	else if ((in = fopen(path, "r")) == NULL) {
		err_set(e, "cannot open feed '%s': %s", path, strerror(errno));
		return -1;
	}
	cf_feed_init(&f, kind, path);
	memset(&sc, 0, sizeof(sc));
	sc.st = st;
	sc.s = s;
	sc.id = r->id;
	sc.path = path;
	sc.f = &f;
	sc.now = started;
	sc.all = all;
	sc.r = r;
	map_init(&sc.fresh);
	if ((rc = store_begin(st, e)) == 0) {
		rc = cf_feed_read(&f, in, on_record, &sc, e);
		if (rc == 0)
			rc = scan_row(st, r->id, path,
				      f.kind == CF_AUTO ? CF_DOMAIN : f.kind,
				      started, r, NULL, e);
		if (rc == 0)
			rc = store_commit(st, e);
		else
			store_rollback(st);
	}
	if (in != stdin)
		fclose(in);
	map_cleanup(&sc.fresh);
	if (rc < 0) {
		struct err e2;

		/* nothing of the hits; the scan and its error are kept */
		json_array_clear(r->report);
		r->hits = r->fresh = 0;
		scan_row(st, r->id, path,
			 f.kind == CF_AUTO ? CF_DOMAIN : f.kind, started, r,
			 e->msg, &e2);
		return -1;
	}
	return 0;
}

int
cf_scan_done(struct store *st, const char *id)
{
	struct store_val v[1] = {SV_TEXT(id)};

	return (int)store_query_int(st,
				    "SELECT COUNT(*) FROM cf_scans WHERE "
				    "id = ? AND finished IS NOT NULL",
				    v, 1, -1) > 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
cf_scan_dir(struct store *st, const char *dir, const char *regions,
	    struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct cf_set *set = NULL;
	int done = 0;

	if (d == NULL) {
		err_set(e, "cannot read feed directory '%s': %s", dir,
			strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		/* hidden files and files still being written are left */
		if (de->d_name[0] == '.' || str_ends(de->d_name, ".tmp") ||
		    str_ends(de->d_name, ".part"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		char path[4096], key[8192], id[64], hex[2 * SM3_LEN + 1];
		unsigned char dig[SM3_LEN];
		struct stat sb;
		struct cf_scan_result r;
		struct err fe;

		if (str_fmt(path, sizeof(path), "%s/%s", dir, names[i]) < 0 ||
		    stat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
			continue;
		str_fmt(key, sizeof(key), "%s\n%lld\n%lld", path,
			(long long)sb.st_size, (long long)sb.st_mtime);
		sm3_digest(key, strlen(key), dig);
		hex_encode(dig, 12, hex);
		str_fmt(id, sizeof(id), "cf-%s", hex);
		if (cf_scan_done(st, id) != 0)
			continue;
		if (set == NULL) {
			set = cf_set_new();
			if (cf_set_load(set, st, regions, e) < 0) {
				done = -1;
				break;
			}
		}
		if (cf_scan_file(st, set, path, CF_AUTO, id, 0, &r, &fe) < 0)
			log_warn("counterfeit: scan of '%s' failed: %s", path,
				 fe.msg);
		else
			log_info("counterfeit: scanned '%s': %lld candidates, "
				 "%lld hits, %lld new",
				 path, r.candidates, r.hits, r.fresh);
		cf_scan_result_cleanup(&r);
		done++;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	cf_set_free(set);
	return done;
}

/* ---- govsecd's scheduled scans ---- */

struct cf_sched {
	struct sched *s;
	char dir[4096], regions[4096];
};

static void
round_fn(struct sched *s, struct store *st, void *arg)
{
	struct cf_sched *x = arg;
	struct err e;

	(void)s;
	if (cf_scan_dir(st, x->dir, x->regions[0] ? x->regions : NULL, &e) < 0)
		log_warn("counterfeit: %s", e.msg);
}

struct cf_sched *
cf_sched_start(const struct config *cfg, const char *store_path, struct err *e)
{
	struct cf_sched *x = xcalloc(1, sizeof(*x));

	str_copy(x->dir, cfg->cf_feed_dir, sizeof(x->dir));
	str_copy(x->regions, cfg->cf_regions, sizeof(x->regions));
	/* once a round across the instances on the store: a shared feed
	 * directory is scanned by one of them */
	x->s = sched_start_once(
	    store_path, "counterfeit.scan", 0, cfg->cf_interval * 1000.0,
	    cfg->store_lease_seconds * 1000.0, round_fn, x, e);
	if (x->s == NULL) {
		free(x);
		return NULL;
	}
	return x;
}

void
cf_sched_stop(struct cf_sched *x)
{
	if (x == NULL)
		return;
	sched_stop(x->s);
	free(x);
}
