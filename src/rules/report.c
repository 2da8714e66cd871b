/*
 * report.c: writers of the self-examination's findings as text, JSON,
 * SARIF 2.1.0 or a standalone HTML page. JSON and SARIF stream findings
 * in rule order; text and HTML are for the units that must act: the
 * summary (verdict, counts, date and scope) at the top, then one section
 * per unit with findings written (most failures first) with its failures,
 * then its undecided findings, then its passes. Those are rendered as they
 * come into files of their own (an anonymous memory file up to HOLD_MEM
 * bytes, then a temporary file; up to REPORT_MAX bytes), with a list per
 * unit and status of where each is, and copied out in section order at
 * the end: the process's memory grows by a few bytes per finding, not by
 * its text. Other threads of the check render theirs into branches of the
 * report, joined in their order at the end (report_sink). The counts by
 * unit (report_units_*) are shared with the HTTP API so that the console
 * shows the same groups in the same order. Finding text comes
 * from the registry (untrusted for HTML): it is escaped by jansson for
 * JSON and by buf_add_html here.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/uio.h>

#include <jansson.h>

#include "rules/rules.h"

/* Most bytes of text or HTML findings held for grouping, and of one
 * finding; past them the report says how many findings it leaves out. */
#define REPORT_MAX	   (4LL << 30)
#define REPORT_FINDING_MAX (1 << 20)
/* Findings are written to their file HOLD_STAGE bytes at a time; a
 * branch holds at most HOLD_MEM bytes in memory, the rest in a temporary
 * file on disk. */
#define HOLD_STAGE ((size_t)1 << 20)
#define HOLD_MEM   (256LL << 20)
/* A span's place: its file's index in the bits from HOLD_FILE_SHIFT up,
 * the offset in that file below. */
#define HOLD_FILE_SHIFT 48
#define HOLD_OFF_MASK	((1ULL << HOLD_FILE_SHIFT) - 1)

/* Where a status goes in a unit's section: failures first. */
static const int rank_of[ST__COUNT] = {
    [ST_FAIL] = 0, [ST_UNKNOWN] = 1, [ST_PASS] = 2, [ST_NA] = 3};

struct unit_group {
	char *uscc, *name; /* uscc NULL: findings of no unit */
	long ix;	   /* the unit's place (struct finding), -1: none */
	long long n[ST__COUNT];
	/* rendered findings by rank: first and last span, index + 1 */
	unsigned head[ST__COUNT], tail[ST__COUNT];
};

/* Where one rendered finding is (HOLD_FILE_SHIFT). */
struct span {
	unsigned long long off;
	unsigned len;
	unsigned next; /* the next of its unit and rank, index + 1; 0: none */
};

/* A file of held findings, mapped once to copy them out. */
struct spill {
	int fd;
	int mem; /* an anonymous memory file */
	long long len;
	char *map; /* MAP_FAILED: read with pread */
};

/* The groups of the units seen: by the unit's place in the run where it
 * has one (by_ix, index + 1), else by its text (idx). */
struct report_units {
	struct unit_group *g;
	size_t n, cap;
	unsigned *by_ix;
	size_t nby;
	struct map idx; /* uscc -> index, of units with no place */
	long long none; /* index + 1 of the no-unit group, 0: none */
	int sorted;
	struct arena strs; /* the groups' uscc and name */
};

struct report {
	enum report_format format;
	FILE *out;
	unsigned statuses;
	int zh;
	long long written;
	struct report_units units;
	int tallied; /* report_opts was called: units counts all */
	/* text and HTML: the findings rendered, until report_finish; the
	 * files of this report and of the branches joined */
	struct spill *files;
	size_t nfiles;
	long long own;	  /* files' index + 1 of this branch's own file */
	int spill_failed; /* a write to it failed: nothing more is held */
	long long held;	  /* bytes held */
	long long memcap; /* HOLD_MEM (report_hold_sizes) */
	char *stage;	  /* what goes to the own file next */
	size_t staged, stagecap; /* stagecap: HOLD_STAGE (report_hold_sizes) */
	struct span *spans;
	size_t nspans, capspans;
	/* the sections of held findings being written (report_finish):
	 * runs of what is held written straight from where it is (writev,
	 * out flushed first), the text between them copied into ovbuf;
	 * fwrite where out has no descriptor */
	int ovfd, ovfailed;
	struct iovec ov[512]; /* Linux takes 1,024 a call */
	int nov, novmax;
	char ovbuf[1 << 16];
	size_t ovused;
	struct buf one;	   /* one finding */
	long long dropped; /* findings left out */
};

int
report_format_parse(const char *s)
{
	static const char *names[] = {"text", "json", "sarif", "html"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

/* A JSON string of s; text that is not UTF-8 (a store edited behind
 * govsec's back) is cleaned rather than dropped; NULL gives null. */
static json_t *
jtext(const char *s)
{
	json_t *v;
	char *clean;

	if (s == NULL)
		return json_null();
	v = json_string(s);
	if (v != NULL)
		return v;
	clean = str_utf8_sanitize(s);
	v = json_string(clean);
	free(clean);
	return v;
}

static void
units_init(struct report_units *u)
{
	memset(u, 0, sizeof(*u));
	map_init(&u->idx);
	arena_init(&u->strs);
}

struct report_units *
report_units_new(void)
{
	struct report_units *u = xmalloc(sizeof(*u));

	units_init(u);
	return u;
}

static void
units_cleanup(struct report_units *u)
{
	big_grow_free(u->g, u->cap * sizeof(*u->g));
	big_grow_free(u->by_ix, u->nby * sizeof(*u->by_ix));
	map_cleanup(&u->idx);
	arena_cleanup(&u->strs);
}

void
report_units_free(struct report_units *u)
{
	if (u == NULL)
		return;
	units_cleanup(u);
	free(u);
}

/* Records that group i is the unit at place ix. */
static void
units_place(struct report_units *u, long ix, size_t i)
{
	if ((size_t)ix >= u->nby) {
		size_t n = u->nby ? u->nby : 1024;

		while (n <= (size_t)ix)
			n *= 2;
		u->by_ix = big_grow(u->by_ix, u->nby * sizeof(*u->by_ix),
				    n * sizeof(*u->by_ix));
		memset(u->by_ix + u->nby, 0, (n - u->nby) * sizeof(*u->by_ix));
		u->nby = n;
	}
	u->by_ix[ix] = (unsigned)i + 1;
}

/* The group of unit (NULL: of no unit) at place ix (-1: none), added if
 * new. */
static struct unit_group *
group_of(struct report_units *u, long ix, const char *unit, const char *name)
{
	struct unit_group *g;
	long long i;

	if (unit == NULL) {
		if (u->none > 0)
			return &u->g[u->none - 1];
		ix = -1;
	} else if (ix >= 0) {
		if ((size_t)ix < u->nby && u->by_ix[ix] != 0)
			return &u->g[u->by_ix[ix] - 1];
	} else if (map_get(&u->idx, unit, &i) == 0) {
		return &u->g[i];
	}
	if (u->n == u->cap) {
		size_t old = u->cap * sizeof(*u->g);

		u->cap = u->cap ? 2 * u->cap : 16;
		u->g = big_grow(u->g, old, u->cap * sizeof(*u->g));
	}
	g = &u->g[u->n];
	memset(g, 0, sizeof(*g));
	g->ix = ix;
	if (unit == NULL)
		u->none = (long long)u->n + 1;
	else {
		g->uscc = arena_strdup(&u->strs, unit);
		if (ix >= 0)
			units_place(u, ix, u->n);
		else
			map_put(&u->idx, g->uscc, (long long)u->n, NULL);
	}
	g->name = name != NULL ? arena_strdup(&u->strs, name) : NULL;
	u->sorted = 0;
	return &u->g[u->n++];
}

void
report_units_count(void *arg, long unit_ix, const char *unit, const char *name,
		   enum fstatus st)
{
	struct report_units *u = arg;

	if (st < ST__COUNT)
		group_of(u, unit_ix, unit, name)->n[st]++;
}

static void
report_units_count_n(void *arg, long unit_ix, const char *unit,
		     const char *name, enum fstatus st, long long n)
{
	struct report_units *u = arg;

	if (st < ST__COUNT)
		group_of(u, unit_ix, unit, name)->n[st] += n;
}

void
report_units_opts(struct report_units *u, struct check_opts *o)
{
	o->tally = report_units_count;
	o->tally_n = report_units_count_n;
	o->tally_arg = u;
}

/* Most failures first, then most undecided, then by name and code; the
 * findings of no unit last. */
static int
group_cmp(const void *a, const void *b)
{
	const struct unit_group *x = a, *y = b;
	int c;

	if ((x->uscc == NULL) != (y->uscc == NULL))
		return x->uscc == NULL ? 1 : -1;
	if (x->n[ST_FAIL] != y->n[ST_FAIL])
		return x->n[ST_FAIL] > y->n[ST_FAIL] ? -1 : 1;
	if (x->n[ST_UNKNOWN] != y->n[ST_UNKNOWN])
		return x->n[ST_UNKNOWN] > y->n[ST_UNKNOWN] ? -1 : 1;
	c = strcmp(x->name != NULL ? x->name : "",
		   y->name != NULL ? y->name : "");
	if (c != 0)
		return c;
	return x->uscc != NULL ? strcmp(x->uscc, y->uscc) : 0;
}

static void
units_sort(struct report_units *u)
{
	if (u->sorted)
		return;
	qsort(u->g, u->n, sizeof(*u->g), group_cmp);
	/* the groups moved */
	if (u->idx.len > 0) {
		map_cleanup(&u->idx);
		map_init(&u->idx);
	}
	u->none = 0;
	for (size_t i = 0; i < u->n; i++) {
		if (u->g[i].uscc == NULL)
			u->none = (long long)i + 1;
		else if (u->g[i].ix >= 0)
			u->by_ix[u->g[i].ix] = (unsigned)i + 1;
		else
			map_put(&u->idx, u->g[i].uscc, (long long)i, NULL);
	}
	u->sorted = 1;
}

json_t *
report_units_json(struct report_units *u)
{
	json_t *a = json_array();

	units_sort(u);
	for (size_t i = 0; i < u->n; i++) {
		const struct unit_group *g = &u->g[i];
		json_t *o = json_object();

		json_object_set_new(o, "unit", jtext(g->uscc));
		json_object_set_new(o, "name", jtext(g->name));
		for (int k = 0; k < ST__COUNT; k++)
			json_object_set_new(o,
					    check_status_str((enum fstatus)k),
					    json_integer(g->n[k]));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
report_scope_json(const struct check_summary *sum)
{
	const struct check_scope *sc = &sum->scope;
	json_t *o = json_object();

	json_object_set_new(o, "date", jtext(sc->date));
	json_object_set_new(o, "at", jtext(sc->at));
	json_object_set_new(o, "unit",
			    *sc->unit ? jtext(sc->unit) : json_null());
	json_object_set_new(o, "scoped", json_boolean(sc->scoped));
	json_object_set_new(o, "units", json_integer(sc->units));
	json_object_set_new(o, "applications", json_integer(sc->apps));
	json_object_set_new(o, "rules", json_integer((json_int_t)sc->rules));
	json_object_set_new(o, "requirements",
			    json_integer((json_int_t)sum->nreq));
	return o;
}

json_t *
report_finding_json(const struct finding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "rule", jtext(f->rule));
	json_object_set_new(o, "requirement", jtext(f->requirement));
	json_object_set_new(o, "title", jtext(f->title));
	json_object_set_new(o, "title_zh", jtext(f->title_zh));
	json_object_set_new(o, "status", jtext(check_status_str(f->status)));
	json_object_set_new(o, "object", jtext(f->object));
	json_object_set_new(o, "object_type", jtext(f->object_type));
	json_object_set_new(o, "unit", jtext(f->unit));
	json_object_set_new(o, "evidence", jtext(f->evidence));
	json_object_set_new(o, "fix", jtext(f->fix));
	json_object_set_new(o, "judged_by", jtext(f->judged_by));
	json_object_set_new(o, "unit_name", jtext(f->unit_name));
	json_object_set_new(o, "evidence_zh", jtext(f->evidence_zh));
	json_object_set_new(o, "fix_zh", jtext(f->fix_zh));
	if (f->observed != NULL)
		json_object_set_new(o, "observed", jtext(f->observed));
	if (f->reviewer != NULL) {
		json_object_set_new(o, "reviewer", jtext(f->reviewer));
		json_object_set_new(o, "attested", jtext(f->attested));
		json_object_set_new(o, "expires", jtext(f->expires));
	}
	if (f->owner != NULL) {
		json_object_set_new(o, "owner", jtext(f->owner));
		json_object_set_new(o, "due", jtext(f->due));
		json_object_set_new(o, "overdue", json_boolean(f->overdue));
		if (f->note != NULL)
			json_object_set_new(o, "note", jtext(f->note));
	}
	return o;
}

/* Findings are written with str_json_put: jansson has no streaming
 * writer, and building an object per finding costs more than the whole
 * check on a large registry. */
/* The same fields as finding_json(), in the same order. */
static void
put_finding(FILE *out, const struct finding *f)
{
	const char *keys[] = {
	    "rule",	 "requirement", "title",       "title_zh", "status",
	    "object",	 "object_type", "unit",	       "evidence", "fix",
	    "judged_by", "unit_name",	"evidence_zh", "fix_zh"};
	const char *vals[] = {f->rule,
			      f->requirement,
			      f->title,
			      f->title_zh,
			      check_status_str(f->status),
			      f->object,
			      f->object_type,
			      f->unit,
			      f->evidence,
			      f->fix,
			      f->judged_by,
			      f->unit_name,
			      f->evidence_zh,
			      f->fix_zh};

	putc('{', out);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		fprintf(out, "%s\"%s\":", i ? "," : "", keys[i]);
		str_json_put(out, vals[i]);
	}
	if (f->observed != NULL) {
		fputs(",\"observed\":", out);
		str_json_put(out, f->observed);
	}
	if (f->reviewer != NULL) {
		fputs(",\"reviewer\":", out);
		str_json_put(out, f->reviewer);
		fputs(",\"attested\":", out);
		str_json_put(out, f->attested);
		fputs(",\"expires\":", out);
		str_json_put(out, f->expires);
	}
	if (f->owner != NULL) {
		fputs(",\"owner\":", out);
		str_json_put(out, f->owner);
		fputs(",\"due\":", out);
		str_json_put(out, f->due);
		fprintf(out, ",\"overdue\":%s", f->overdue ? "true" : "false");
		if (f->note != NULL) {
			fputs(",\"note\":", out);
			str_json_put(out, f->note);
		}
	}
	putc('}', out);
}

static void
put_json(FILE *out, json_t *o)
{
	json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
}

/* SARIF 2.1.0 3.27.10: only kind "fail" may have a level other than
 * "none". */
static const char *
level_of(enum fstatus s)
{
	return s == ST_FAIL ? "error" : "none";
}

/* The finding's evidence and fix in the report's language. */
static const char *
evidence_of(const struct report *r, const struct finding *f)
{
	return r->zh && f->evidence_zh != NULL ? f->evidence_zh : f->evidence;
}

static const char *
fix_of(const struct report *r, const struct finding *f)
{
	return r->zh && f->fix_zh != NULL ? f->fix_zh : f->fix;
}

/* Chinese names of statuses, verdicts and object types; else s. */
static const char *
word(const struct report *r, const char *s)
{
	static const char *const zh[][2] = {{"pass", "通过"},
					    {"fail", "不通过"},
					    {"not_applicable", "不适用"},
					    {"unknown", "待核实"},
					    {"compliant", "合规"},
					    {"failing", "不合规"},
					    {"incomplete", "未完成"},
					    {"application", "应用"},
					    {"unit", "单位"},
					    {"grant", "授权"},
					    {"outsourcer", "外包单位"}};

	for (size_t i = 0; r->zh && s != NULL && i < ARRAY_SIZE(zh); i++)
		if (strcmp(s, zh[i][0]) == 0)
			return zh[i][1];
	return s;
}

static void
render_html(struct report *r, struct buf *b, const struct finding *f)
{
	const char *st = check_status_str(f->status);

	buf_printf(b, "<tr class=\"%s\"><td>%s</td><td>", st, word(r, st));
	buf_add_html(b, f->requirement);
	buf_addstr(b, "</td><td>");
	buf_add_html(b, r->zh ? f->title_zh : f->title);
	buf_addstr(b, "</td><td>");
	buf_add_html(b, word(r, f->object_type));
	buf_addstr(b, " ");
	buf_add_html(b, f->object);
	buf_addstr(b, "</td><td>");
	buf_add_html(b, evidence_of(r, f));
	buf_addstr(b, "</td><td>");
	buf_add_html(b, fix_of(r, f));
	if (f->owner != NULL) {
		buf_addstr(b, r->zh ? "<br>责任人: " : "<br>owner: ");
		buf_add_html(b, f->owner);
		buf_addstr(b, r->zh ? "，期限: " : ", due: ");
		buf_add_html(b, f->due);
		if (f->overdue)
			buf_addstr(b, r->zh ? "（已逾期）" : " (overdue)");
	}
	buf_addstr(b, "</td></tr>\n");
}

static void
render_text(struct report *r, struct buf *b, const struct finding *f)
{
	static const char *tags[] = {"PASS", "FAIL", "N/A ", "UNKN"};
	const char *fix = fix_of(r, f);

	buf_printf(b, "%s  %-8s %-26s %s %s\n      %s\n", tags[f->status],
		   f->requirement, f->rule, f->object_type, f->object,
		   evidence_of(r, f));
	if (*fix != '\0')
		buf_printf(b, r->zh ? "      整改：%s\n" : "      fix: %s\n",
			   fix);
	if (f->owner != NULL)
		buf_printf(b,
			   r->zh ? "      已确认：责任人 %s，期限 %s%s\n"
				 : "      acknowledged: owner %s, due %s%s\n",
			   f->owner, f->due,
			   f->overdue ? (r->zh ? "（已逾期）" : " (OVERDUE)")
				      : "");
}

/* A new own file for r's held findings: an anonymous memory file (no
 * disk, no page zeroed before it is written) if mem, else (or where that
 * is refused) a temporary file; 0, or -1 if none. */
static int
hold_open(struct report *r, int mem)
{
	int fd = mem ? memfd_create("govsec-report", MFD_CLOEXEC) : -1;
	FILE *f;

	if (fd < 0) {
		mem = 0;
		if ((f = tmpfile()) == NULL)
			return -1;
		fd = dup(fileno(f));
		fclose(f); /* unlinked already: the descriptor keeps it */
		if (fd < 0)
			return -1;
	}
	r->files = xrealloc(r->files, (r->nfiles + 1) * sizeof(*r->files));
	r->files[r->nfiles++] = (struct spill){fd, mem, 0, NULL};
	r->own = (long long)r->nfiles;
	return 0;
}

/* Writes what r staged to its own file: 0, or -1 (then nothing more is
 * held). */
static int
hold_flush(struct report *r)
{
	struct spill *sp;
	size_t done = 0;

	if (r->staged == 0)
		return 0;
	sp = &r->files[r->own - 1];
	while (done < r->staged) {
		ssize_t w = pwrite(sp->fd, r->stage + done, r->staged - done,
				   (off_t)(sp->len + (long long)done));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r->spill_failed = 1;
			return -1;
		}
		done += (size_t)w;
	}
	sp->len += (long long)r->staged;
	r->staged = 0;
	return 0;
}

/* Holds len bytes of text: their place in *off; 0, or -1 if they cannot
 * be held (the report is too large, or its file cannot be written). */
static int
hold_text(struct report *r, const char *data, size_t len,
	  unsigned long long *off)
{
	if (r->spill_failed || r->held + (long long)len > REPORT_MAX)
		return -1;
	if (r->own == 0) {
		if (hold_open(r, 1) < 0) {
			r->spill_failed = 1;
			return -1;
		}
		r->stage = xmalloc(r->stagecap);
	}
	if (r->staged + len > r->stagecap && hold_flush(r) < 0)
		return -1;
	/* past memcap in memory, the next findings go to a file on disk */
	if (r->files[r->own - 1].mem &&
	    r->files[r->own - 1].len + (long long)(r->staged + len) >
		r->memcap) {
		if (hold_flush(r) < 0)
			return -1;
		if (hold_open(r, 0) < 0) {
			r->spill_failed = 1;
			return -1;
		}
	}
	if (len > r->stagecap) { /* a finding larger than the stage */
		r->stage = xrealloc(r->stage, len);
		r->stagecap = len;
	}
	*off = (unsigned long long)(r->own - 1) << HOLD_FILE_SHIFT |
	       (unsigned long long)(r->files[r->own - 1].len +
				    (long long)r->staged);
	memcpy(r->stage + r->staged, data, len);
	r->staged += len;
	r->held += (long long)len;
	return 0;
}

/* Text and HTML: the finding rendered and held, listed under its unit and
 * status. */
static void
hold(struct report *r, const struct finding *f)
{
	struct unit_group *g =
	    group_of(&r->units, f->unit_ix, f->unit, f->unit_name);
	int rank = rank_of[f->status];
	unsigned long long off;
	struct span *sp;

	if (!r->tallied)
		g->n[f->status]++;
	buf_reset(&r->one);
	if (r->format == REPORT_HTML)
		render_html(r, &r->one, f);
	else
		render_text(r, &r->one, f);
	if (r->one.len == 0 || r->nspans >= UINT_MAX - 1 ||
	    hold_text(r, r->one.data, r->one.len, &off) < 0) {
		r->dropped++;
		return;
	}
	if (r->nspans == r->capspans) {
		size_t old = r->capspans * sizeof(*r->spans);

		r->capspans = r->capspans ? 2 * r->capspans : 1024;
		r->spans =
		    big_grow(r->spans, old, r->capspans * sizeof(*r->spans));
	}
	sp = &r->spans[r->nspans++];
	sp->off = off;
	sp->len = (unsigned)r->one.len;
	sp->next = 0;
	if (g->tail[rank] != 0)
		r->spans[g->tail[rank] - 1].next = (unsigned)r->nspans;
	else
		g->head[rank] = (unsigned)r->nspans;
	g->tail[rank] = (unsigned)r->nspans;
}

/* Starts writing sections to r->out. */
static void
ov_begin(struct report *r)
{
	hold_flush(r); /* if it fails, no finding is read back */
	r->ovfd = fflush(r->out) == 0 ? fileno(r->out) : -1;
	r->nov = 0;
	r->ovused = 0;
}

/* Writes what is queued; r->ovfailed if it cannot. */
static void
ov_flush(struct report *r)
{
	struct iovec *v = r->ov;
	int n = r->nov;

	while (n > 0 && !r->ovfailed) {
		ssize_t w = writev(r->ovfd, v, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r->ovfailed = 1;
			break;
		}
		while (n > 0 && (size_t)w >= v->iov_len) {
			w -= (ssize_t)v->iov_len;
			v++;
			n--;
		}
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + w;
			v->iov_len -= (size_t)w;
		}
	}
	r->nov = 0;
	r->ovused = 0;
}

/* Queues len bytes at p, which stay where they are until ov_end. */
static void
ov_held(struct report *r, const char *p, size_t len)
{
	struct iovec *last = r->nov > 0 ? &r->ov[r->nov - 1] : NULL;

	if (r->ovfd < 0) {
		fwrite(p, 1, len, r->out);
		return;
	}
	if (last != NULL && (const char *)last->iov_base + last->iov_len == p) {
		last->iov_len += len; /* the next finding of the same run */
		return;
	}
	if (r->nov == r->novmax)
		ov_flush(r);
	r->ov[r->nov++] = (struct iovec){(void *)(uintptr_t)p, len};
}

/* Queues a copy of len bytes at p. */
static void
ov_text(struct report *r, const char *p, size_t len)
{
	if (r->ovfd < 0) {
		fwrite(p, 1, len, r->out);
		return;
	}
	/* room for the text and its entry (a flush empties the buffer) */
	if (len > sizeof(r->ovbuf) - r->ovused || r->nov == r->novmax)
		ov_flush(r);
	if (len > sizeof(r->ovbuf)) {
		ov_held(r, p, len);
		ov_flush(r);
		return;
	}
	memcpy(r->ovbuf + r->ovused, p, len);
	ov_held(r, r->ovbuf + r->ovused, len);
	r->ovused += len;
}

/* Ends writing sections: what is queued is written. */
static void
ov_end(struct report *r)
{
	if (r->ovfd >= 0)
		ov_flush(r);
}

/* Queues the held text of sp (from its file mapped once, else read with
 * pread); 0, or -1 if it could not be read back. */
static int
put_span(struct report *r, const struct span *sp)
{
	struct spill *f = &r->files[sp->off >> HOLD_FILE_SHIFT];
	long long at = (long long)(sp->off & HOLD_OFF_MASK);
	size_t done = 0;
	char buf[16384];

	if (r->spill_failed)
		return -1;
	if (f->map == NULL)
		f->map = f->len > 0 && (unsigned long long)f->len <= SIZE_MAX
			     ? mmap(NULL, (size_t)f->len, PROT_READ,
				    MAP_PRIVATE, f->fd, 0)
			     : MAP_FAILED;
	if (f->map != MAP_FAILED && at + sp->len <= f->len) {
		ov_held(r, f->map + at, sp->len);
		return 0;
	}
	while (done < sp->len) {
		size_t n =
		    sp->len - done < sizeof(buf) ? sp->len - done : sizeof(buf);
		ssize_t got =
		    pread(f->fd, buf, n, (off_t)(at + (long long)done));

		if (got <= 0)
			return -1;
		ov_text(r, buf, (size_t)got);
		done += (size_t)got;
	}
	return 0;
}

/* Queues the findings of g held, failures first. */
static void
put_group(struct report *r, const struct unit_group *g)
{
	for (int k = 0; k < ST__COUNT; k++)
		for (unsigned i = g->head[k]; i != 0; i = r->spans[i - 1].next)
			if (put_span(r, &r->spans[i - 1]) < 0)
				r->dropped++;
}

static void
emit(void *arg, const struct finding *f)
{
	struct report *r = arg;

	if (!(r->statuses & (1u << f->status)))
		return;
	switch (r->format) {
	case REPORT_TEXT:
	case REPORT_HTML:
		hold(r, f);
		break;
	case REPORT_JSON:
		fputs(r->written ? ",\n" : "\n", r->out);
		put_finding(r->out, f);
		break;
	case REPORT_SARIF: {
		json_t *res = json_object(), *loc = json_object(),
		       *props = report_finding_json(f);

		json_object_set_new(res, "ruleId", json_string(f->rule));
		json_object_set_new(res, "level",
				    json_string(level_of(f->status)));
		json_object_set_new(
		    res, "kind",
		    json_string(f->status == ST_PASS	  ? "pass"
				: f->status == ST_NA	  ? "notApplicable"
				: f->status == ST_UNKNOWN ? "review"
							  : "fail"));
		json_object_set_new(res, "message",
				    json_pack("{s:s}", "text", f->evidence));
		json_object_set_new(loc, "logicalLocations",
				    json_pack("[{s:s,s:s}]", "name", f->object,
					      "kind", f->object_type));
		json_object_set_new(res, "locations", json_pack("[o]", loc));
		json_object_set_new(res, "properties", props);
		fputs(r->written ? ",\n" : "\n", r->out);
		put_json(r->out, res);
		break;
	}
	}
	r->written++;
}

static void
sarif_head(struct report *r)
{
	json_t *rules = json_array();
	const struct rule_info *ri;
	size_t n;
	char *s;

	ri = check_rules(&n);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    rules,
		    json_pack("{s:s,s:s,s:{s:s},s:{s:s,s:s}}", "id", ri[i].id,
			      "name", ri[i].id, "shortDescription", "text",
			      ri[i].title, "properties", "requirement",
			      ri[i].requirement, "title_zh", ri[i].title_zh));
	s = json_dumps(rules, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fprintf(r->out,
		"{\"$schema\":\"https://json.schemastore.org/"
		"sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{"
		"\"tool\":{\"driver\":{\"name\":\"govsec\",\"version\":\"%s\","
		"\"rules\":%s}},\"results\":[",
		GOVSEC_VERSION, s);
	free(s);
	json_decref(rules);
}

struct report *
report_new(enum report_format f, FILE *out, unsigned statuses, const char *lang)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->format = f;
	r->out = out;
	r->statuses = statuses;
	r->zh = lang != NULL && strncmp(lang, "zh", 2) == 0;
	units_init(&r->units);
	buf_init(&r->one, REPORT_FINDING_MAX);
	r->stagecap = HOLD_STAGE;
	r->memcap = HOLD_MEM;
	r->novmax = (int)ARRAY_SIZE(r->ov);
	switch (f) {
	case REPORT_JSON:
		fputs("{\"findings\":[", out);
		break;
	case REPORT_SARIF:
		sarif_head(r);
		break;
	case REPORT_HTML: /* all at report_finish: the summary first */
	case REPORT_TEXT:
		break;
	}
	return r;
}

void
report_hold_sizes(struct report *r, size_t stage, long long mem, int pieces)
{
	if (r->own == 0 && stage > 0) {
		r->stagecap = stage;
		r->memcap = mem;
	}
	if (pieces > 0 && pieces <= (int)ARRAY_SIZE(r->ov))
		r->novmax = pieces;
}

void
report_opts(struct report *r, struct check_opts *o)
{
	report_units_opts(&r->units, o);
	r->tallied = 1;
	/* text and HTML in English show no Chinese */
	o->no_zh =
	    !r->zh && (r->format == REPORT_TEXT || r->format == REPORT_HTML);
}

/* A branch of the report: its own groups and held findings (text and
 * HTML), or its findings written to a temporary file of its own (JSON and
 * SARIF, each with the separator before it). NULL if that file cannot be
 * made (then the check runs on one thread). */
static void *
report_branch(void *arg)
{
	const struct report *r = arg;
	struct report *b = xcalloc(1, sizeof(*b));

	if (r->format == REPORT_JSON || r->format == REPORT_SARIF) {
		if ((b->out = tmpfile()) == NULL) {
			free(b);
			return NULL;
		}
		b->written = 1; /* a comma before each */
	}
	b->format = r->format;
	b->statuses = r->statuses;
	b->zh = r->zh;
	b->tallied = r->tallied;
	b->stagecap = r->stagecap;
	b->memcap = r->memcap;
	units_init(&b->units);
	buf_init(&b->one, REPORT_FINDING_MAX);
	return b;
}

/* Frees what r holds (not r). */
static void
held_free(struct report *r)
{
	for (size_t i = 0; i < r->nfiles; i++) {
		if (r->files[i].map != NULL && r->files[i].map != MAP_FAILED)
			munmap(r->files[i].map, (size_t)r->files[i].len);
		close(r->files[i].fd);
	}
	free(r->files);
	free(r->stage);
	big_grow_free(r->spans, r->capspans * sizeof(*r->spans));
	units_cleanup(&r->units);
	buf_cleanup(&r->one);
}

/* JSON and SARIF: writes what b wrote after what r wrote (without the
 * comma before the first if r wrote none). */
static void
join_written(struct report *r, struct report *b)
{
	char buf[1 << 16];
	size_t n;
	int first = 1;

	if (fflush(b->out) != 0 || fseek(b->out, 0, SEEK_SET) != 0) {
		r->ovfailed = 1;
		return;
	}
	while ((n = fread(buf, 1, sizeof(buf), b->out)) > 0) {
		size_t skip = first && r->written == 0 && buf[0] == ',';

		fwrite(buf + skip, 1, n - skip, r->out);
		first = 0;
	}
	if (ferror(b->out))
		r->ovfailed = 1;
	r->written += b->written - 1;
}

/* Puts the findings b holds after those r holds, each in its unit's lists
 * after r's (text and HTML; JSON and SARIF: after what r wrote), and frees
 * b. */
static void
report_join(void *arg, void *branch)
{
	struct report *r = arg, *b = branch;
	size_t first = r->nspans;
	unsigned long long base = (unsigned long long)r->nfiles
				  << HOLD_FILE_SHIFT;

	hold_flush(b); /* if it fails, b's findings are not read back */
	if (b->nspans > UINT_MAX - 1 - r->nspans) {
		r->dropped += (long long)b->nspans; /* cannot be listed */
		b->nspans = 0;
	}
	r->files =
	    xrealloc(r->files, (r->nfiles + b->nfiles + 1) * sizeof(*r->files));
	if (b->nfiles > 0)
		memcpy(r->files + r->nfiles, b->files,
		       b->nfiles * sizeof(*b->files));
	r->nfiles += b->nfiles;
	b->nfiles = 0;
	if (r->nspans + b->nspans > r->capspans) {
		size_t old = r->capspans * sizeof(*r->spans);

		r->capspans = r->nspans + b->nspans + 1024;
		r->spans =
		    big_grow(r->spans, old, r->capspans * sizeof(*r->spans));
	}
	for (size_t i = 0; i < b->nspans; i++) {
		struct span *sp = &r->spans[r->nspans++];

		*sp = b->spans[i];
		sp->off += base;
		if (sp->next != 0)
			sp->next += (unsigned)first;
	}
	for (size_t i = 0; i < b->units.n; i++) {
		const struct unit_group *bg = &b->units.g[i];
		struct unit_group *g =
		    group_of(&r->units, bg->ix, bg->uscc, bg->name);

		for (int k = 0; k < ST__COUNT; k++) {
			if (!r->tallied)
				g->n[k] += bg->n[k];
			if (bg->head[k] == 0 || b->nspans == 0)
				continue;
			if (g->tail[k] != 0)
				r->spans[g->tail[k] - 1].next =
				    bg->head[k] + (unsigned)first;
			else
				g->head[k] = bg->head[k] + (unsigned)first;
			g->tail[k] = bg->tail[k] + (unsigned)first;
		}
	}
	r->held += b->held;
	r->dropped += b->dropped;
	r->spill_failed |= b->spill_failed;
	if (b->out != NULL) {
		join_written(r, b);
		fclose(b->out);
	}
	held_free(b);
	free(b);
}

struct check_sink
report_sink(struct report *r)
{
	/* other threads render their findings into branches meanwhile */
	struct check_sink s = {emit, r, r->statuses, report_branch,
			       report_join};

	return s;
}

json_t *
report_summary_json(const struct check_summary *sum)
{
	json_t *o = json_object();

	for (int i = 0; i < ST__COUNT; i++)
		json_object_set_new(o, check_status_str((enum fstatus)i),
				    json_integer(sum->count[i]));
	json_object_set_new(o, "overdue", json_integer(sum->overdue));
	json_object_set_new(o, "not_judged", json_integer(sum->not_judged));
	json_object_set_new(o, "verdict",
			    json_string(check_verdict_str(check_verdict(sum))));
	return o;
}

json_t *
report_requirements_json(const struct check_summary *sum)
{
	json_t *a = json_array();

	for (size_t i = 0; i < sum->nreq; i++) {
		const struct check_req *q = &sum->req[i];
		json_t *o = json_object();

		json_object_set_new(o, "id", jtext(q->id));
		json_object_set_new(o, "title", jtext(q->title));
		json_object_set_new(o, "title_zh", jtext(q->title_zh));
		json_object_set_new(o, "verdict", jtext(q->verdict));
		json_object_set_new(o, "judged_by", jtext(q->judged_by));
		json_object_set_new(o, "observed",
				    *q->observed ? jtext(q->observed)
						 : json_null());
		json_object_set_new(o, "attested", json_integer(q->attested));
		json_object_set_new(o, "unjudged_units",
				    json_integer(q->unjudged_units));
		for (int s = 0; s < ST__COUNT; s++)
			json_object_set_new(o,
					    check_status_str((enum fstatus)s),
					    json_integer(q->count[s]));
		if (q->note != NULL)
			json_object_set_new(o, "note", jtext(q->note));
		json_array_append_new(a, o);
	}
	return a;
}

/* "by observation of 2026-11-20", "by attestation", "not at all". */
static void
judged_text(struct buf *b, const struct check_req *q, int zh)
{
	if (strcmp(q->judged_by, "observation") == 0)
		buf_printf(b, zh ? "观测（%s）" : "by observation (%s)",
			   q->observed);
	else if (strcmp(q->judged_by, "rule") == 0)
		buf_addstr(b, zh ? "规则" : "by rule");
	else if (strcmp(q->judged_by, "attestation") == 0)
		buf_addstr(b, zh ? "人工核实" : "by attestation");
	else
		buf_addstr(b, zh ? "未评判" : "not at all");
	if (strcmp(q->verdict, "not_applicable") == 0 && q->note == NULL &&
	    q->count[ST_NA] == 0)
		buf_addstr(b, zh ? "（无适用对象）" : " (nothing in scope)");
	if (q->attested > 0 && strcmp(q->judged_by, "attestation") != 0)
		buf_printf(b, zh ? "，人工核实 %lld 项" : ", %lld attested",
			   q->attested);
	if (q->unjudged_units > 0 && q->attested > 0)
		buf_printf(
		    b, zh ? "，%lld 个单位未核实" : ", %lld units not attested",
		    q->unjudged_units);
	if (q->note != NULL && !zh)
		buf_printf(b, "; %s", q->note);
}

static void
text_requirements(struct report *r, const struct check_summary *sum)
{
	struct buf b = BUF_INIT(4096);

	fputs(r->zh ? "requirements (要求):\n" : "requirements:\n", r->out);
	for (size_t i = 0; i < sum->nreq; i++) {
		const struct check_req *q = &sum->req[i];

		buf_reset(&b);
		judged_text(&b, q, r->zh);
		fprintf(r->out, "  %-10s %-14s %s\n", q->id, q->verdict,
			b.data ? b.data : "");
	}
	buf_cleanup(&b);
}

static void
html_requirements(struct report *r, const struct check_summary *sum)
{
	struct buf b = BUF_INIT(1 << 16), j = BUF_INIT(4096);

	buf_printf(&b,
		   "<h2>%s</h2>\n<table class=\"requirements\"><thead><tr>"
		   "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>"
		   "</thead><tbody>\n",
		   r->zh ? "各项要求" : "requirements",
		   r->zh ? "要求" : "requirement", r->zh ? "检查项" : "title",
		   r->zh ? "结论" : "verdict", r->zh ? "评判方式" : "judged");
	for (size_t i = 0; i < sum->nreq; i++) {
		const struct check_req *q = &sum->req[i];

		buf_reset(&j);
		judged_text(&j, q, r->zh);
		buf_printf(&b, "<tr class=\"%s\"><td>", q->verdict);
		buf_add_html(&b, q->id);
		buf_addstr(&b, "</td><td>");
		buf_add_html(&b, r->zh ? q->title_zh : q->title);
		buf_addstr(&b, "</td><td>");
		buf_add_html(&b, q->verdict);
		buf_addstr(&b, "</td><td>");
		buf_add_html(&b, j.data ? j.data : "");
		buf_addstr(&b, "</td></tr>\n");
	}
	buf_addstr(&b, "</tbody></table>\n");
	fputs(b.data, r->out);
	buf_cleanup(&b);
	buf_cleanup(&j);
}

/* 1 if findings of g are written (the others are only counted): a unit
 * without any has no section, the summary counts it. */
static int
group_shown(const struct unit_group *g)
{
	for (int k = 0; k < ST__COUNT; k++)
		if (g->head[k] != 0)
			return 1;
	return 0;
}

/* "2 fail, 1 unknown, 5 pass, 0 not applicable" */
static void
counts_text(struct buf *b, const long long n[ST__COUNT], int zh)
{
	buf_printf(b,
		   zh ? "不通过 %lld 项，待核实 %lld 项，通过 %lld 项，"
			"不适用 %lld 项"
		      : "%lld fail, %lld unknown, %lld pass, %lld not "
			"applicable",
		   n[ST_FAIL], n[ST_UNKNOWN], n[ST_PASS], n[ST_NA]);
}

/* "all units: 5 units, 12 applications; 32 rules, 49 requirements" */
static void
scope_text(struct buf *b, const struct check_summary *sum, int zh)
{
	const struct check_scope *sc = &sum->scope;

	if (*sc->unit != '\0')
		buf_printf(b, zh ? "单位 %s" : "unit %s", sc->unit);
	else if (sc->scoped)
		buf_addstr(b, zh ? "本账号管辖的单位" : "the account's units");
	else
		buf_addstr(b, zh ? "全部单位" : "all units");
	buf_printf(b,
		   zh ? "：%lld 个单位，%lld 个应用；%zu 条规则，%zu 项要求"
		      : ": %lld units, %lld applications; %zu rules, %zu "
			"requirements",
		   sc->units, sc->apps, sc->rules, sum->nreq);
}

/* A unit's name and credit code, or what stands for findings of none. */
static void
unit_title(struct buf *b, const struct unit_group *g, int zh, int html)
{
	const char *name = g->name != NULL ? g->name : g->uscc;

	if (g->uscc == NULL)
		name = zh ? "（无所属单位）" : "(no unit)";
	if (html)
		buf_add_html(b, name);
	else
		buf_addstr(b, name);
	if (g->uscc != NULL && g->name != NULL) {
		buf_addstr(b, html ? " <span class=\"uscc\">(" : " (");
		if (html)
			buf_add_html(b, g->uscc);
		else
			buf_addstr(b, g->uscc);
		buf_addstr(b, html ? ")</span>" : ")");
	}
}

static void
text_finish(struct report *r, const struct check_summary *sum,
	    const char *verdict)
{
	FILE *out = r->out;
	struct buf b = BUF_INIT(1 << 16);
	int zh = r->zh;

	fputs(zh ? "互联网政务应用安全自查报告\n"
		 : "govsec self-examination: Internet government "
		   "applications\n",
	      out);
	fprintf(out,
		zh ? "日期：%s（评估时间 %s）\n" : "date: %s (evaluated %s)\n",
		sum->scope.date, sum->scope.at);
	scope_text(&b, sum, zh);
	fprintf(out, zh ? "范围：%s\n" : "scope: %s\n", b.data);
	fprintf(out,
		zh ? "合计：通过 %lld 项，不通过 %lld 项，不适用 %lld 项，"
		     "待核实 %lld 项"
		   : "summary: %lld pass, %lld fail, %lld not applicable, "
		     "%lld unknown",
		sum->count[ST_PASS], sum->count[ST_FAIL], sum->count[ST_NA],
		sum->count[ST_UNKNOWN]);
	if (sum->overdue)
		fprintf(out, zh ? "（逾期 %lld 项）" : " (%lld overdue)",
			sum->overdue);
	fputc('\n', out);
	if (!(r->statuses & (1u << ST_UNKNOWN)) && sum->count[ST_UNKNOWN] > 0)
		fprintf(out,
			zh ? "（%lld 项检查无法判定：见 --status unknown）\n"
			   : "(%lld checks could not be decided: see "
			     "--status unknown)\n",
			sum->count[ST_UNKNOWN]);
	fprintf(out, zh ? "结论：%s（%s）" : "verdict: %s%s", word(r, verdict),
		zh ? verdict : "");
	if (sum->not_judged > 0)
		fprintf(out,
			zh ? "（%lld 项要求未评判）"
			   : " (%lld requirements not judged)",
			sum->not_judged);
	fputc('\n', out);
	units_sort(&r->units);
	ov_begin(r);
	for (size_t i = 0; i < r->units.n; i++) {
		const struct unit_group *g = &r->units.g[i];

		if (!group_shown(g))
			continue;
		buf_reset(&b);
		buf_addstr(&b, "\n== ");
		unit_title(&b, g, zh, 0);
		buf_addstr(&b, zh ? "：" : ": ");
		counts_text(&b, g->n, zh);
		buf_addstr(&b, "\n");
		ov_text(r, b.data, b.len);
		put_group(r, g);
	}
	ov_end(r);
	if (r->dropped > 0)
		fprintf(out,
			zh ? "\n（报告过大，另有 %lld 项未列出：请使用 --unit "
			     "或 --format json）\n"
			   : "\n(%lld more findings not shown: the report is "
			     "too large; use --unit or --format json)\n",
			r->dropped);
	fputc('\n', out);
	text_requirements(r, sum);
	buf_cleanup(&b);
}

static void
html_finish(struct report *r, const struct check_summary *sum,
	    const char *verdict)
{
	static const char *const en[ST__COUNT] = {"pass", "fail",
						  "not applicable", "unknown"};
	static const char *const zhs[ST__COUNT] = {"通过", "不通过", "不适用",
						   "待核实"};
	static const enum fstatus order[] = {ST_FAIL, ST_UNKNOWN, ST_PASS,
					     ST_NA};
	FILE *out = r->out;
	struct buf b = BUF_INIT(1 << 16);
	int zh = r->zh;

	fprintf(out,
		"<!DOCTYPE html>\n<html lang=\"%s\"><head><meta "
		"charset=\"utf-8\"><title>%s</title><style>body{font:"
		"14px sans-serif;margin:2em}table{border-collapse:"
		"collapse;width:100%%}td,th{border:1px solid #ccc;"
		"padding:4px;vertical-align:top}tr.fail td:first-child"
		"{color:#a00;font-weight:bold}tr.unknown td:first-child"
		"{color:#a60}.verdict{font-weight:bold}.uscc{color:#666;"
		"font-weight:normal}</style></head><body><h1>%s</h1>\n",
		zh ? "zh-CN" : "en",
		zh ? "govsec 自查报告" : "govsec self-examination",
		zh ? "互联网政务应用安全自查报告"
		   : "Internet government applications: self-examination");
	/* the summary first: verdict, counts, date and scope */
	fprintf(out,
		"<section class=\"summary\" id=\"summary\" "
		"data-verdict=\"%s\">\n<p class=\"verdict\">%s: %s</p>\n",
		verdict, zh ? "结论" : "verdict", word(r, verdict));
	fprintf(out, "<p class=\"date\" data-date=\"%s\">%s: %s (%s)</p>\n",
		sum->scope.date, zh ? "自查日期" : "date", sum->scope.date,
		sum->scope.at);
	{
		struct buf e = BUF_INIT(1 << 16);

		scope_text(&e, sum, zh);
		buf_add_html(&b, e.data);
		fprintf(out, "<p class=\"scope\">%s: %s</p>\n",
			zh ? "范围" : "scope", b.data);
		buf_cleanup(&e);
	}
	fputs("<table class=\"counts\"><tbody>\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		fprintf(out,
			"<tr><th>%s</th><td data-status=\"%s\">%lld</td>"
			"</tr>\n",
			zh ? zhs[order[i]] : en[order[i]],
			check_status_str(order[i]), sum->count[order[i]]);
	fprintf(out,
		"<tr><th>%s</th><td data-status=\"overdue\">%lld</td></tr>\n"
		"<tr><th>%s</th><td data-status=\"not_judged\">%lld</td>"
		"</tr>\n</tbody></table>\n</section>\n",
		zh ? "逾期" : "overdue", sum->overdue,
		zh ? "未评判的要求" : "requirements not judged",
		sum->not_judged);
	fprintf(out, "<h2>%s</h2>\n", zh ? "各单位情况" : "by unit");
	units_sort(&r->units);
	ov_begin(r);
	for (size_t i = 0; i < r->units.n; i++) {
		const struct unit_group *g = &r->units.g[i];

		if (!group_shown(g))
			continue;
		buf_reset(&b);
		buf_addstr(&b, "<section class=\"unit\" data-unit=\"");
		buf_add_html(&b, g->uscc != NULL ? g->uscc : "");
		buf_addstr(&b, "\"");
		for (int k = 0; k < ST__COUNT; k++)
			buf_printf(&b, " data-%s=\"%lld\"",
				   check_status_str((enum fstatus)k), g->n[k]);
		buf_addstr(&b, "><h3>");
		unit_title(&b, g, zh, 1);
		buf_addstr(&b, "</h3>\n<p class=\"unit-counts\">");
		counts_text(&b, g->n, zh);
		buf_addstr(&b, "</p>\n");
		buf_printf(&b,
			   "<table><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
			   "<th>%s</th><th>%s</th><th>%s</th></tr></thead>"
			   "<tbody>\n",
			   zh ? "状态" : "status", zh ? "要求" : "requirement",
			   zh ? "检查项" : "check", zh ? "对象" : "object",
			   zh ? "证据" : "evidence", zh ? "整改" : "fix");
		ov_text(r, b.data, b.len);
		put_group(r, g);
		ov_text(r, "</tbody></table>\n</section>\n",
			strlen("</tbody></table>\n</section>\n"));
	}
	ov_end(r);
	if (r->dropped > 0)
		fprintf(out,
			zh ? "<p class=\"dropped\">报告过大，另有 %lld "
			     "项未列出：请使用 --unit 或 --format json</p>\n"
			   : "<p class=\"dropped\">%lld more findings not "
			     "shown: the report is too large; use --unit or "
			     "--format json</p>\n",
			r->dropped);
	html_requirements(r, sum);
	fputs("</body></html>\n", out);
	buf_cleanup(&b);
}
int
report_finish(struct report *r, const struct check_summary *sum)
{
	FILE *out = r->out;
	const char *verdict = check_verdict_str(check_verdict(sum));
	int rc;

	switch (r->format) {
	case REPORT_TEXT:
		text_finish(r, sum, verdict);
		break;
	case REPORT_HTML:
		html_finish(r, sum, verdict);
		break;
	case REPORT_JSON:
		fputs("\n],\"summary\":", out);
		put_json(out, report_summary_json(sum));
		fprintf(out, ",\"verdict\":\"%s\",\"requirements\":", verdict);
		put_json(out, report_requirements_json(sum));
		fputs(",\"examination\":", out);
		put_json(out, report_scope_json(sum));
		fputs(",\"units\":", out);
		put_json(out, report_units_json(&r->units));
		fputs("}\n", out);
		break;
	case REPORT_SARIF:
		fputs("\n],\"properties\":{\"summary\":", out);
		put_json(out, report_summary_json(sum));
		fprintf(out, ",\"verdict\":\"%s\",\"requirements\":", verdict);
		put_json(out, report_requirements_json(sum));
		fputs(",\"examination\":", out);
		put_json(out, report_scope_json(sum));
		fputs(",\"units\":", out);
		put_json(out, report_units_json(&r->units));
		fputs("}}]}\n", out);
		break;
	}
	held_free(r);
	rc = ferror(out) || r->ovfailed ? -1 : 0;
	free(r);
	return rc;
}
