/*
 * test_report.c: unit tests of the self-examination's reports
 * (src/rules/report.c) and of their Chinese (src/rules/zh.c): every
 * evidence and fix text the rules in src/rules/rules_*.c pass to
 * check_emit has a Chinese entry (the sources are read at test time from
 * $GOVSEC_SRC, else the source tree this was built from), every entry has
 * the conversions of its English, and the text and HTML reports of the
 * demo registry are grouped by unit with failures first and the summary at
 * the top, in English and in Chinese.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"
#include "rules/rules.h"

/* ---------------------------------------------------------------------
 * Reading the rules' sources: the string literals of the evidence and fix
 * arguments of check_emit(c, st, type, object, unit, FIX, FMT, ...),
 * check_emit_app(c, a, st, FIX, FMT, ...) and of str_fmt(fix, n, FMT, ...).
 */

#define ARGS_MAX 32

struct lits {
	char **text, **where;
	size_t n, cap;
};

static void
lits_add(struct lits *l, const char *text, const char *file, int line)
{
	char where[512];

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->text = xrealloc(l->text, l->cap * sizeof(*l->text));
		l->where = xrealloc(l->where, l->cap * sizeof(*l->where));
	}
	str_fmt(where, sizeof(where), "%s:%d", file, line);
	l->text[l->n] = xstrdup(text);
	l->where[l->n++] = xstrdup(where);
}

static void
lits_free(struct lits *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->text[i]);
		free(l->where[i]);
	}
	free(l->text);
	free(l->where);
}

/* Skips a comment, string or character literal at p; returns the first
 * character after it, or p if there is none at p. */
static const char *
skip_lexeme(const char *p)
{
	if (p[0] == '/' && p[1] == '/')
		return p + strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		const char *e = strstr(p + 2, "*/");

		return e != NULL ? e + 2 : p + strlen(p);
	}
	if (*p == '"' || *p == '\'') {
		char q = *p++;

		while (*p != '\0' && *p != q)
			p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
		return *p != '\0' ? p + 1 : p;
	}
	return p;
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* The concatenated literals "..." "..." starting at p (up to end) in b;
 * returns the first character after them. */
static const char *
literal_group(const char *p, const char *end, struct buf *b)
{
	buf_reset(b);
	while (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p != '\\') {
				buf_addch(b, *p);
				continue;
			}
			p++;
			switch (*p) {
			case 'n':
				buf_addch(b, '\n');
				break;
			case 't':
				buf_addch(b, '\t');
				break;
			case 'x': {
				int v = 0;

				while (p + 1 < end && hexval(p[1]) >= 0)
					v = v * 16 + hexval(*++p);
				buf_addch(b, (char)v);
				break;
			}
			default:
				buf_addch(b, *p);
			}
		}
		p++; /* the closing quote */
		for (;;) {
			const char *q = p;

			while (q < end && (*q == ' ' || *q == '\t' ||
					   *q == '\n' || *q == '\r'))
				q++;
			if (q < end && q[0] == '/' &&
			    (q[1] == '*' || q[1] == '/'))
				q = skip_lexeme(q);
			if (q == p)
				break;
			p = q;
		}
	}
	return p;
}

/* Adds every literal group of the argument [p, end) to l. */
static void
arg_literals(const char *p, const char *end, const char *text, const char *file,
	     struct lits *l)
{
	struct buf b = BUF_INIT(1 << 16);

	while (p < end) {
		if (*p == '"') {
			int line = 1;

			for (const char *q = text; q < p; q++)
				line += *q == '\n';
			p = literal_group(p, end, &b);
			lits_add(l, b.data ? b.data : "", file, line);
			continue;
		}
		{
			const char *q = skip_lexeme(p);

			p = q != p ? q : p + 1;
		}
	}
	buf_cleanup(&b);
}

/* The arguments of the call whose '(' is at p: their bounds in a[] and
 * their number; returns the character after ')'. */
static const char *
call_args(const char *p, const char *a[][2], int *n)
{
	int depth = 0;

	*n = 0;
	for (;;) {
		const char *q = skip_lexeme(p);

		if (q != p) {
			p = q;
			continue;
		}
		if (*p == '\0')
			return p;
		if (*p == '(' || *p == '[' || *p == '{') {
			if (depth++ == 0 && *n < ARGS_MAX)
				a[(*n)++][0] = p + 1;
		} else if (*p == ')' || *p == ']' || *p == '}') {
			if (--depth == 0) {
				a[*n - 1][1] = p;
				return p + 1;
			}
		} else if (*p == ',' && depth == 1 && *n < ARGS_MAX) {
			a[*n - 1][1] = p;
			a[(*n)++][0] = p + 1;
		}
		p++;
	}
}

static int
is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* The evidence and fix literals of one source file. */
static void
scan_source(const char *text, const char *file, struct lits *l)
{
	static const struct {
		const char *name;
		int fix, fmt; /* argument index of each, -1: none */
	} calls[] = {
	    {"check_emit", 5, 6}, {"check_emit_app", 3, 4}, {"str_fmt", -1, 2}};
	const char *p = text;

	while (*p != '\0') {
		const char *q = skip_lexeme(p);
		size_t k;

		if (q != p) {
			p = q;
			continue;
		}
		if (!is_ident(*p) || (p > text && is_ident(p[-1]))) {
			p++;
			continue;
		}
		for (k = 0; k < sizeof(calls) / sizeof(calls[0]); k++) {
			size_t n = strlen(calls[k].name);
			const char *a[ARGS_MAX][2], *r = p + n;
			int na;

			if (strncmp(p, calls[k].name, n) != 0 || is_ident(r[0]))
				continue;
			while (*r == ' ' || *r == '\t' || *r == '\n')
				r++;
			if (*r != '(')
				continue;
			p = call_args(r, a, &na);
			/* str_fmt: only what a rule formats into its fix */
			if (k == 2) {
				const char *d = a[0][0];

				while (na > 0 && (*d == ' ' || *d == '\n'))
					d++;
				if (na < 3 || strncmp(d, "fix,", 4) != 0)
					break;
			}
			if (calls[k].fix >= 0 && na > calls[k].fix)
				arg_literals(a[calls[k].fix][0],
					     a[calls[k].fix][1], text, file, l);
			if (na > calls[k].fmt)
				arg_literals(a[calls[k].fmt][0],
					     a[calls[k].fmt][1], text, file, l);
			break;
		}
		if (k == sizeof(calls) / sizeof(calls[0]))
			while (is_ident(*p))
				p++;
	}
}

static const char *
src_dir(void)
{
	const char *s = getenv("GOVSEC_SRC");

	return s != NULL && *s != '\0' ? s : GOVSEC_DATADIR "/..";
}

/* The evidence and fix literals of every src/rules/rules_*.c. */
static void
scan_rules(struct lits *l)
{
	char dir[4096], path[8192];
	struct dirent *d;
	DIR *dp;
	int files = 0;

	str_fmt(dir, sizeof(dir), "%s/src/rules", src_dir());
	dp = opendir(dir);
	if (dp == NULL)
		fail_msg("cannot read '%s' (set GOVSEC_SRC)", dir);
	while ((d = readdir(dp)) != NULL) {
		struct buf b = BUF_INIT(1 << 22);
		struct err e;

		if (strncmp(d->d_name, "rules_", 6) != 0 ||
		    !str_ends(d->d_name, ".c"))
			continue;
		str_fmt(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (buf_read_file(&b, path, &e) < 0)
			fail_msg("%s", e.msg);
		scan_source(b.data, d->d_name, l);
		buf_cleanup(&b);
		files++;
	}
	closedir(dp);
	assert_true(files >= 5);
}

/* The scanner finds the literals of each argument, joined, with a
 * conditional's both branches, and nothing of other calls. */
static void
test_scanner(void **state)
{
	struct lits l = {0};

	(void)state;
	scan_source("check_emit_app(c, a, ST_FAIL, x ? \"one\" : \"two \"\n"
		    "\t/* c */ \"parts\", \"ev %d\" \"idence\", n);\n"
		    "check_emits(c, \"no\"); str_fmt(buf, 9, \"no\");\n"
		    "str_fmt(fix, sizeof(fix), \"fix \\\"%s\\\"\", h);\n"
		    "check_emit(c, ST_PASS, \"unit\", u, u, NULL, \"(%s)\", "
		    "f(\"x,y\"));\n",
		    "t.c", &l);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.text[0], "one");
	assert_string_equal(l.text[1], "two parts");
	assert_string_equal(l.text[2], "ev %didence");
	assert_string_equal(l.text[3], "fix \"%s\"");
	assert_string_equal(l.text[4], "(%s)");
	assert_string_equal(l.where[4], "t.c:5");
	lits_free(&l);
}

/* Every evidence and fix text of the rules has its Chinese: the failure
 * lists each text that has none, with where it is, for zh.c. */
static void
test_every_text_has_chinese(void **state)
{
	struct lits l = {0};
	struct buf miss = BUF_INIT(1 << 20);
	size_t nmiss = 0;

	(void)state;
	scan_rules(&l);
	assert_true(l.n > 100);
	for (size_t i = 0; i < l.n; i++) {
		size_t k;

		if (zh_lookup(l.text[i]) != NULL)
			continue;
		/* once per text */
		for (k = 0; k < i && strcmp(l.text[k], l.text[i]) != 0; k++)
			;
		if (k < i && zh_lookup(l.text[k]) == NULL)
			continue;
		nmiss++;
		buf_printf(&miss, "  src/rules/%s: ", l.where[i]);
		buf_addch(&miss, '"');
		for (const char *p = l.text[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_addch(&miss, '\\');
			buf_addch(&miss, *p);
		}
		buf_addstr(&miss, "\"\n");
	}
	/* cmocka cuts long messages: the list goes to stderr whole */
	if (nmiss > 0) {
		fprintf(stderr,
			"%zu evidence or fix texts of src/rules/rules_*.c have "
			"no Chinese in src/rules/zh.c (add {\"English\", "
			"\"中文\"} with the same conversions):\n%s",
			nmiss, miss.data);
		fail_msg("%zu texts without Chinese (listed above)", nmiss);
	}
	buf_cleanup(&miss);
	lits_free(&l);
}

/* Every entry has the conversions of its English, in the same order
 * (else printf would read the wrong argument), once. */
static void
test_catalogue_conversions(void **state)
{
	const struct zh_entry *t;
	size_t n, bad = 0;

	(void)state;
	t = zh_table(&n);
	assert_true(n > 100);
	for (size_t i = 0; i < n; i++) {
		char a[64], b[64];

		if (zh_conversions(t[i].en, a, sizeof(a)) < 0 ||
		    zh_conversions(t[i].zh, b, sizeof(b)) < 0 ||
		    strcmp(a, b) != 0) {
			fprintf(stderr,
				"zh.c: conversions differ: \"%s\" -> \"%s\"\n",
				t[i].en, t[i].zh);
			bad++;
		}
		if (!str_utf8_valid(t[i].zh, strlen(t[i].zh)) ||
		    *t[i].zh == '\0') {
			fprintf(stderr, "zh.c: empty or not UTF-8: \"%s\"\n",
				t[i].en);
			bad++;
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(t[i].en, t[k].en) == 0) {
				fprintf(stderr, "zh.c: twice: \"%s\"\n",
					t[i].en);
				bad++;
			}
	}
	assert_int_equal(bad, 0);
}

static int zh(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
static int
zh(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	buf_reset(b);
	va_start(ap, fmt);
	rc = zh_vformat(b, fmt, ap);
	va_end(ap);
	return rc;
}

/* The formatter: conversions as in the English, fixed phrases among the
 * arguments translated, a plural's "s" swallowed by %.0s; a text formatted
 * by a rule matched back to its format; no entry, no text. */
static void
test_zh_format(void **state)
{
	struct buf b = BUF_INIT(4096);
	char sig[64];

	(void)state;
	assert_int_equal(zh_conversions("%d %ld %lld %zu %.1f %% %-*s %.0s",
					sig, sizeof(sig)),
			 0);
	assert_string_equal(sig, "ilLzf*ss");
	assert_int_equal(zh_conversions("%n", sig, sizeof(sig)), -1);
	assert_int_equal(zh_conversions("%1$s", sig, sizeof(sig)), -1);

	assert_int_equal(zh(&b,
			    "level 3 is required because %s; no level is "
			    "declared",
			    "it is an Internet e-mail system"),
			 0);
	assert_non_null(strstr(b.data, "互联网电子邮件系统"));
	assert_null(strstr(b.data, "e-mail"));
	assert_int_equal(zh(&b, "distributed on %d unregistered platform%s: %s",
			    2, "s", "'a', 'b'"),
			 0);
	assert_non_null(strstr(b.data, "2"));
	assert_non_null(strstr(b.data, "'a', 'b'"));
	assert_null(strstr(b.data, "s:"));
	assert_int_equal(zh(&b,
			    "%ld of %ld probes failed in the last 7 days "
			    "(%.1f %%)",
			    3L, 40L, 7.5),
			 0);
	assert_non_null(strstr(b.data, "7.5 %"));
	/* another part's English sentence as an argument: by the format it
	 * matches, if long enough a start to tell; else as it is */
	assert_int_equal(zh(&b, "'%s': %s", "办事",
			    "online name '办事' does not start with the unit "
			    "name '江门市人民政府'"),
			 0);
	assert_string_equal(b.data, "“办事”：网上名称“办事”未以单位名称"
				    "“江门市人民政府”开头");
	assert_int_equal(zh(&b, "'%s': %s", "x", "forwarding is on"), 0);
	assert_string_equal(b.data, "“x”：forwarding is on");
	assert_int_equal(zh(&b, "not in the catalogue %d", 1), -1);
	assert_int_equal(b.len, 0);

	buf_reset(&b);
	assert_int_equal(zh_text(&b, "fix what the inspection lists (govsec "
				     "inspect https://x.gov.cn/), then inspect "
				     "again"),
			 0);
	assert_non_null(strstr(b.data, "govsec inspect https://x.gov.cn/"));
	assert_null(strstr(b.data, "then"));
	buf_reset(&b);
	assert_int_equal(zh_text(&b, "no such text"), -1);
	buf_cleanup(&b);
}

/* ---------------------------------------------------------------------
 * The reports of the demo registry.
 */

static char tmpdir[4096];

static int
demo_store(void **state)
{
	char path[8192];
	struct buf b = BUF_INIT(1 << 22);
	struct reg_counts c;
	struct err e;
	struct store *st;

	if (tu_mkdtemp(tmpdir, sizeof(tmpdir), "test_report") < 0)
		return -1;
	setenv("GOVSEC_NOW", "2026-11-26T04:00:00Z", 1);
	unsetenv("GOVSEC_PLATFORMS");
	str_fmt(path, sizeof(path), "%s/db.sqlite", tmpdir);
	st = store_open(tu_store(path), &e);
	if (st == NULL || store_migrate(st, &e) < 0 ||
	    buf_read_file(&b, GOVSEC_DATADIR "/demo.json", &e) < 0 ||
	    reg_import(st, b.data, b.len, "demo.json", "t", &c, &e) != 0) {
		fprintf(stderr, "demo store: %s\n", e.msg);
		store_free(st);
		buf_cleanup(&b);
		return -1;
	}
	buf_cleanup(&b);
	*state = st;
	return 0;
}

static int
demo_close(void **state)
{
	store_free(*state);
	tu_rmdir(tmpdir);
	return 0;
}

/* The report of the demo in format f (statuses: all) and lang. */
static char *
report_of(struct store *st, enum report_format f, const char *lang,
	  struct check_summary *sum)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct report *r;
	struct check_opts o;
	struct check_sink sink;
	struct err e;

	assert_non_null(out);
	r = report_new(f, out, (1u << ST__COUNT) - 1, lang);
	check_opts_init(&o);
	assert_int_equal(time_parse("2026-11-26T04:00:00Z", &o.now), 0);
	report_opts(r, &o);
	sink = report_sink(r);
	if (check_run(st, &o, &sink, sum, &e) < 0)
		fail_msg("check_run: %s", e.msg);
	assert_int_equal(report_finish(r, sum), 0);
	fclose(out);
	return text;
}

/* The count before word in line ("3 fail"), -1 if none. */
static long long
count_of(const char *line, const char *word)
{
	const char *p = strstr(line, word);
	long long n = 0, scale = 1;

	if (p == NULL || p < line + 2 || p[-1] != ' ')
		return -1;
	for (p -= 2; p >= line && *p >= '0' && *p <= '9'; p--) {
		n += (*p - '0') * scale;
		scale *= 10;
	}
	return n;
}

/* Text: the summary (verdict, counts, date, scope) first, then a section
 * per unit with its name and code, most failures first, each with its
 * failures, then unknown, then passes and what does not apply; the
 * sections' counts add up to the summary's; the requirements last. */
static void
test_text_grouped_by_unit(void **state)
{
	struct check_summary sum;
	char *text = report_of(*state, REPORT_TEXT, "en", &sum);
	char *verdict = strstr(text, "\nverdict: failing");
	char *first = strstr(text, "\n== ");
	char *reqs = strstr(text, "\nrequirements:\n");
	long long total[ST__COUNT] = {0}, prev_fail = -1;
	int sections = 0, rank = 0;
	char *line, *next, scope[128];
	size_t nrules;

	assert_non_null(verdict);
	assert_non_null(first);
	assert_non_null(reqs);
	assert_true(verdict < first && first < reqs);
	assert_non_null(strstr(text, "\ndate: 2026-11-26 (evaluated "
				     "2026-11-26T04:00:00Z)\n"));
	/* every rule of the table runs in an unscoped check */
	(void)check_rules(&nrules);
	str_fmt(scope, sizeof(scope),
		"\nscope: all units: 11 units, 12 applications; %zu rules, 49 "
		"requirements\n",
		nrules);
	assert_non_null(strstr(text, scope));
	assert_true(strncmp(text, "govsec self-examination", 23) == 0);
	/* the first section: the unit with most failures, by name (SUP-1
	 * fails jm-app and jm-mail, live and failing past 2024-12-31;
	 * link.domain-expiry: jm-mail's and jm-portal's registration
	 * expiry is not declared; the e-certificate rules are not
	 * applicable outside a pilot area: CERT-1 and AUTH-5 for the unit,
	 * NAME-2 for each open application, LOGO-1 for those but e-mail,
	 * APP-2 for those on platforms) */
	assert_non_null(strstr(text,
			       "\n== 江门市人民政府 (11440700007250010K): "
			       "10 fail, 15 unknown, 32 pass, 18 not "
			       "applicable\n"));
	reqs[1] = '\0';
	for (line = first + 1; *line != '\0'; line = next) {
		static const char *const tags[] = {"FAIL", "UNKN", "PASS",
						   "N/A "};

		next = line + strcspn(line, "\n");
		if (*next != '\0')
			*next++ = '\0';

		if (strncmp(line, "== ", 3) == 0) {
			long long f = count_of(line, "fail,");

			assert_true(f >= 0);
			assert_true(prev_fail < 0 || f <= prev_fail);
			prev_fail = f;
			total[ST_FAIL] += f;
			total[ST_UNKNOWN] += count_of(line, "unknown,");
			total[ST_PASS] += count_of(line, "pass,");
			total[ST_NA] += count_of(line, "not applicable");
			sections++;
			rank = 0;
			continue;
		}
		for (int k = 0; k < 4; k++)
			if (strncmp(line, tags[k], 4) == 0) {
				assert_true(k >= rank);
				rank = k;
			}
	}
	assert_int_equal(sections, 11);
	for (int s = 0; s < ST__COUNT; s++)
		assert_int_equal(total[s], sum.count[s]);
	free(text);
}

/* In Chinese the evidence and fixes are Chinese (a text without an entry
 * stays English), and so are the headings, the verdict and the scope. */
static void
test_text_and_html_in_chinese(void **state)
{
	struct check_summary sum;
	char *text = report_of(*state, REPORT_TEXT, "zh", &sum);
	char *html = report_of(*state, REPORT_HTML, "zh", &sum);

	assert_non_null(strstr(text, "结论：不合规（failing）"));
	assert_non_null(strstr(text, "范围：全部单位：11 个单位，12 个应用"));
	assert_non_null(strstr(text,
			       "\n      日志留存 180 天，不足一年\n"
			       "      整改：防火墙、主机、访问和数据库日志"
			       "留存不少于365天\n"));
	assert_null(strstr(text, "logs are kept 180 days"));
	assert_null(strstr(text, "fix: "));
	assert_non_null(strstr(html, "<html lang=\"zh-CN\">"));
	assert_non_null(strstr(html, "<td>日志留存 180 天，不足一年</td>"));
	assert_non_null(strstr(html, "<h3>江门市中心医院 <span class=\"uscc\">"
				     "(12440700456000017U)</span></h3>"));
	assert_null(strstr(html, "less than a year"));
	free(text);
	free(html);
	/* English stays English */
	text = report_of(*state, REPORT_TEXT, "en", &sum);
	assert_non_null(strstr(text, "logs are kept 180 days, less than a "
				     "year"));
	assert_null(strstr(text, "日志留存"));
	free(text);
}

/* HTML: the summary section first, then the unit sections in the order
 * of report_units_json, with their counts; JSON carries the same units,
 * the examination and each finding's unit name and Chinese. */
static void
test_html_and_json_agree(void **state)
{
	struct check_summary sum;
	char *html = report_of(*state, REPORT_HTML, "en", &sum);
	char *js = report_of(*state, REPORT_JSON, "en", &sum);
	json_t *doc = json_loads(js, 0, NULL), *units, *u, *f;
	const char *at = html;
	size_t i;

	assert_non_null(doc);
	assert_true(strstr(html, "<section class=\"summary\"") <
		    strstr(html, "<section class=\"unit\""));
	units = json_object_get(doc, "units");
	assert_int_equal(json_array_size(units), 11);
	json_array_foreach(units, i, u)
	{
		char want[512];

		str_fmt(
		    want, sizeof(want),
		    "<section class=\"unit\" data-unit=\"%s\" "
		    "data-pass=\"%lld\" data-fail=\"%lld\" "
		    "data-not_applicable=\"%lld\" data-unknown=\"%lld\">"
		    "<h3>%s ",
		    json_string_value(json_object_get(u, "unit")),
		    json_integer_value(json_object_get(u, "pass")),
		    json_integer_value(json_object_get(u, "fail")),
		    json_integer_value(json_object_get(u, "not_applicable")),
		    json_integer_value(json_object_get(u, "unknown")),
		    json_string_value(json_object_get(u, "name")));
		at = strstr(at, want);
		if (at == NULL)
			fail_msg("HTML lacks, in order: %s", want);
	}
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(doc, "examination"), "date")),
			    "2026-11-26");
	json_array_foreach(json_object_get(doc, "findings"), i, f)
	{
		if (strcmp(json_string_value(json_object_get(f, "object")),
			   "jmyy-portal") == 0) {
			assert_string_equal(
			    json_string_value(json_object_get(f, "unit_name")),
			    "江门市中心医院");
			assert_non_null(json_string_value(
			    json_object_get(f, "evidence_zh")));
		}
	}
	json_decref(doc);
	free(js);
	free(html);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, demo_store, demo_close)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scanner),
	    cmocka_unit_test(test_catalogue_conversions),
	    cmocka_unit_test(test_zh_format),
	    cmocka_unit_test(test_every_text_has_chinese),
	    T(test_text_grouped_by_unit),
	    T(test_text_and_html_in_chinese),
	    T(test_html_and_json_agree),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
