/*
 * report.c: writers that stream findings as text, JSON, SARIF 2.1.0 or a
 * standalone HTML page. Finding text comes from the registry (untrusted
 * for HTML): it is escaped by jansson for JSON and by buf_add_html here.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rules/rules.h"

struct report {
	enum report_format format;
	FILE *out;
	unsigned statuses;
	int zh;
	long long written;
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
	const char *keys[] = {"rule",	     "requirement", "title",
			      "title_zh",    "status",	    "object",
			      "object_type", "unit",	    "evidence",
			      "fix",	     "judged_by"};
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
			      f->judged_by};

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

static void
emit_html(struct report *r, const struct finding *f)
{
	struct buf b = BUF_INIT(1 << 20);
	const char *st = check_status_str(f->status);

	buf_printf(&b, "<tr class=\"%s\"><td>%s</td><td>", st, st);
	buf_add_html(&b, f->requirement);
	buf_addstr(&b, "</td><td>");
	buf_add_html(&b, r->zh ? f->title_zh : f->title);
	buf_addstr(&b, "</td><td>");
	buf_add_html(&b, f->object_type);
	buf_addstr(&b, " ");
	buf_add_html(&b, f->object);
	buf_addstr(&b, "</td><td>");
	buf_add_html(&b, f->evidence);
	buf_addstr(&b, "</td><td>");
	buf_add_html(&b, f->fix);
	if (f->owner != NULL) {
		buf_addstr(&b, r->zh ? "<br>责任人: " : "<br>owner: ");
		buf_add_html(&b, f->owner);
		buf_addstr(&b, r->zh ? "，期限: " : ", due: ");
		buf_add_html(&b, f->due);
		if (f->overdue)
			buf_addstr(&b, r->zh ? "（已逾期）" : " (overdue)");
	}
	buf_addstr(&b, "</td></tr>\n");
	fputs(b.data, r->out);
	buf_cleanup(&b);
}

static void
emit(void *arg, const struct finding *f)
{
	struct report *r = arg;

	if (!(r->statuses & (1u << f->status)))
		return;
	switch (r->format) {
	case REPORT_TEXT: {
		static const char *tags[] = {"PASS", "FAIL", "N/A ", "UNKN"};

		fprintf(r->out, "%s  %-8s %-26s %s %s\n      %s\n",
			tags[f->status], f->requirement, f->rule,
			f->object_type, f->object, f->evidence);
		if (*f->fix != '\0')
			fprintf(r->out, "      fix: %s\n", f->fix);
		if (f->owner != NULL)
			fprintf(
			    r->out, "      acknowledged: owner %s, due %s%s\n",
			    f->owner, f->due, f->overdue ? " (OVERDUE)" : "");
		break;
	}
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
	case REPORT_HTML:
		emit_html(r, f);
		break;
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
	switch (f) {
	case REPORT_JSON:
		fputs("{\"findings\":[", out);
		break;
	case REPORT_SARIF:
		sarif_head(r);
		break;
	case REPORT_HTML:
		fprintf(out,
			"<!DOCTYPE html>\n<html lang=\"%s\"><head><meta "
			"charset=\"utf-8\"><title>%s</title><style>body{font:"
			"14px sans-serif;margin:2em}table{border-collapse:"
			"collapse;width:100%%}td,th{border:1px solid #ccc;"
			"padding:4px;vertical-align:top}tr.fail td:first-child"
			"{color:#a00;font-weight:bold}tr.unknown td:first-child"
			"{color:#a60}</style></head><body><h1>%s</h1>\n"
			"<table><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
			"<th>%s</th><th>%s</th><th>%s</th></tr></thead>"
			"<tbody>\n",
			r->zh ? "zh-CN" : "en",
			r->zh ? "govsec 自查报告" : "govsec self-examination",
			r->zh ? "互联网政务应用安全自查报告"
			      : "Internet government applications: "
				"self-examination",
			r->zh ? "状态" : "status",
			r->zh ? "要求" : "requirement",
			r->zh ? "检查项" : "check", r->zh ? "对象" : "object",
			r->zh ? "证据" : "evidence", r->zh ? "整改" : "fix");
		break;
	case REPORT_TEXT:
		break;
	}
	return r;
}

struct check_sink
report_sink(struct report *r)
{
	struct check_sink s = {emit, r, r->statuses};

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

int
report_finish(struct report *r, const struct check_summary *sum)
{
	FILE *out = r->out;
	const char *verdict = check_verdict_str(check_verdict(sum));

	switch (r->format) {
	case REPORT_TEXT:
		text_requirements(r, sum);
		fprintf(out,
			"summary: %lld pass, %lld fail, %lld not applicable, "
			"%lld unknown",
			sum->count[ST_PASS], sum->count[ST_FAIL],
			sum->count[ST_NA], sum->count[ST_UNKNOWN]);
		if (sum->overdue)
			fprintf(out, " (%lld overdue)", sum->overdue);
		fputc('\n', out);
		if (!(r->statuses & (1u << ST_UNKNOWN)) &&
		    sum->count[ST_UNKNOWN] > 0)
			fprintf(out,
				"(%lld checks could not be decided: see "
				"--status unknown)\n",
				sum->count[ST_UNKNOWN]);
		fprintf(out, "verdict: %s", verdict);
		if (sum->not_judged > 0)
			fprintf(out, " (%lld requirements not judged)",
				sum->not_judged);
		fputc('\n', out);
		break;
	case REPORT_JSON:
		fputs("\n],\"summary\":", out);
		put_json(out, report_summary_json(sum));
		fprintf(out, ",\"verdict\":\"%s\",\"requirements\":", verdict);
		put_json(out, report_requirements_json(sum));
		fputs("}\n", out);
		break;
	case REPORT_SARIF:
		fputs("\n],\"properties\":{\"summary\":", out);
		put_json(out, report_summary_json(sum));
		fprintf(out, ",\"verdict\":\"%s\",\"requirements\":", verdict);
		put_json(out, report_requirements_json(sum));
		fputs("}}]}\n", out);
		break;
	case REPORT_HTML:
		fputs("</tbody></table>\n", out);
		html_requirements(r, sum);
		fprintf(out,
			"<p>%s: %lld %s, %lld %s, %lld %s, "
			"%lld %s</p>\n<p class=\"verdict\">%s: %s</p>"
			"</body></html>\n",
			r->zh ? "合计" : "summary", sum->count[ST_PASS],
			r->zh ? "通过" : "pass", sum->count[ST_FAIL],
			r->zh ? "不通过" : "fail", sum->count[ST_NA],
			r->zh ? "不适用" : "not applicable",
			sum->count[ST_UNKNOWN], r->zh ? "待核实" : "unknown",
			r->zh ? "结论" : "verdict", verdict);
		break;
	}
	free(r);
	return ferror(out) ? -1 : 0;
}
