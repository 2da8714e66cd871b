/*
 * complaint.c: complaints from the public (CF-1): the strict parser of a
 * complaint's JSON, the proof-of-work challenges (issued here, single
 * use, expiring: SHA-256 of challenge ":" nonce must start with so many
 * zero bits), the complaint kept with its contact sealed and only the
 * digest of its tracking code, what the tracking code shows (state and
 * dates, nothing private), and the bilingual form and tracking pages with
 * the script that solves the challenge. Everything a complainant sends is
 * untrusted.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "audit/audit.h"
#include "counterfeit/cases.h"

#define SHA256_LEN 32

static void
sha256_hex(const void *data, size_t n, char out[2 * SHA256_LEN + 1])
{
	unsigned char d[SHA256_LEN];
	unsigned int len = 0;

	if (EVP_Digest(data, n, d, &len, EVP_sha256(), NULL) != 1 ||
	    len != SHA256_LEN)
		memset(d, 0, sizeof(d)); /* never matches a real digest */
	hex_encode(d, SHA256_LEN, out);
}

/* One string member: absent is "" unless required; -1 with e set. */
static int
member(json_t *o, const char *name, int required, int lines, char *out,
       size_t n, struct err *e)
{
	json_t *v = json_object_get(o, name);
	const char *s;
	size_t len;

	out[0] = '\0';
	if (v == NULL || json_is_null(v)) {
		if (required) {
			err_set(e, "$.%s: missing required field", name);
			return -1;
		}
		return 0;
	}
	if (!json_is_string(v)) {
		err_set(e, "$.%s: expected a string", name);
		return -1;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len >= n) {
		err_set(e, "$.%s: longer than %zu bytes", name, n - 1);
		return -1;
	}
	if (strlen(s) != len || !str_utf8_valid(s, len) ||
	    (!lines && strpbrk(s, "\t\r\n") != NULL)) {
		err_set(e, "$.%s: not text (control characters)", name);
		return -1;
	}
	if (required && len == 0) {
		err_set(e, "$.%s: empty", name);
		return -1;
	}
	memcpy(out, s, len + 1);
	return 0;
}

int
cf_complaint_parse(const char *body, size_t n, struct cf_complaint_in *out,
		   struct err *e)
{
	static const char *const known[] = {
	    "kind",    "target", "platform",  "description",
	    "contact", "lang",	 "challenge", "nonce"};
	json_error_t je;
	const char *key;
	json_t *o, *v;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (n > CF_COMPLAINT_MAX) {
		err_set(e, "the complaint is over %d bytes", CF_COMPLAINT_MAX);
		return -1;
	}
	o = json_loadb(body, n, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		/* jansson's text may quote the bad bytes themselves: it is
		 * shown only if it is one line of UTF-8 */
		int show = str_utf8_valid(je.text, strlen(je.text)) &&
			   strpbrk(je.text, "\t\r\n") == NULL;

		err_set(e, "malformed JSON at line %d column %d%s%s", je.line,
			je.column, show ? ": " : "", show ? je.text : "");
		return -1;
	}
	if (!json_is_object(o)) {
		err_set(e, "expected a JSON object");
		goto done;
	}
	json_object_foreach(o, key, v)
	{
		size_t i;

		for (i = 0; i < ARRAY_SIZE(known); i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i == ARRAY_SIZE(known)) {
			char q[68];

			/* named only if it is printable text */
			if (str_utf8_valid(key, strlen(key)) &&
			    strpbrk(key, "\t\r\n") == NULL)
				err_set(e, "$.%s: unknown field",
					str_quote(key, q, 64));
			else
				err_set(e, "unknown field (a name with "
					   "control characters)");
			goto done;
		}
	}
	if (member(o, "kind", 1, 0, out->kind, sizeof(out->kind), e) < 0 ||
	    member(o, "target", 1, 0, out->target, sizeof(out->target), e) <
		0 ||
	    member(o, "platform", 0, 0, out->platform, sizeof(out->platform),
		   e) < 0 ||
	    member(o, "description", 0, 1, out->description,
		   sizeof(out->description), e) < 0 ||
	    member(o, "contact", 0, 0, out->contact, sizeof(out->contact), e) <
		0 ||
	    member(o, "lang", 0, 0, out->lang, sizeof(out->lang), e) < 0 ||
	    member(o, "challenge", 1, 0, out->challenge, sizeof(out->challenge),
		   e) < 0 ||
	    member(o, "nonce", 1, 0, out->nonce, sizeof(out->nonce), e) < 0)
		goto done;
	if (strcmp(out->kind, "domain") != 0 && strcmp(out->kind, "app") != 0 &&
	    strcmp(out->kind, "account") != 0) {
		err_set(e, "$.kind: must be domain, app or account");
		goto done;
	}
	if (strcmp(out->kind, "account") == 0 && out->platform[0] == '\0') {
		err_set(e, "$.platform: an account needs its platform");
		goto done;
	}
	if (out->lang[0] != '\0' && strcmp(out->lang, "zh") != 0 &&
	    strcmp(out->lang, "en") != 0) {
		err_set(e, "$.lang: must be zh or en");
		goto done;
	}
	if (out->lang[0] == '\0')
		str_copy(out->lang, "zh", sizeof(out->lang));
	if (strspn(out->nonce, "0123456789abcdefABCDEF") !=
	    strlen(out->nonce)) {
		err_set(e, "$.nonce: hex digits only");
		goto done;
	}
	rc = 0;
done:
	json_decref(o);
	if (rc < 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- proof of work ------------------------------------------------------ */

int
cf_pow_issue(struct store *st, int bits, int seconds,
	     char challenge[CF_CHALLENGE_MAX], time_t *expires, struct err *e)
{
	unsigned char r[18];
	char b64[32];
	struct store_val v[3];
	time_t now = time_now();

	if (bits < 8 || bits > 32 || seconds < 10 || seconds > 86400) {
		err_set(e, "proof of work of %d bits for %d s is out of range",
			bits, seconds);
		return -1;
	}
	if (rand_bytes(r, sizeof(r)) < 0 ||
	    b64url_encode(r, sizeof(r), b64, sizeof(b64)) < 0) {
		err_set(e, "no random bytes");
		return -1;
	}
	str_fmt(challenge, CF_CHALLENGE_MAX, "%d.%s", bits, b64);
	*expires = now + seconds;
	v[0] = SV_INT(now);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_exec(st, "DELETE FROM cf_pow WHERE expires < ?", v, 1, e) < 0)
		goto fail;
	v[0] = SV_TEXT(challenge);
	v[1] = SV_INT(bits);
	v[2] = SV_INT(*expires);
	if (store_exec(st,
		       "INSERT INTO cf_pow(challenge, bits, expires) VALUES "
		       "(?,?,?)",
		       v, 3, e) < 0)
		goto fail;
	return store_commit(st, e);
fail:
	store_rollback(st);
	return -1;
}

int
cf_pow_solved(const char *challenge, const char *nonce, int bits)
{
	unsigned char d[SHA256_LEN];
	unsigned int len = 0;
	struct buf b = BUF_INIT(CF_CHALLENGE_MAX + CF_NONCE_MAX + 2);
	int ok;

	if (bits < 0 || bits > 8 * SHA256_LEN ||
	    buf_printf(&b, "%s:%s", challenge, nonce) < 0) {
		buf_cleanup(&b);
		return 0;
	}
	ok = EVP_Digest(b.data, b.len, d, &len, EVP_sha256(), NULL) == 1;
	buf_cleanup(&b);
	for (int i = 0; ok && i < bits; i++)
		if (d[i / 8] & (0x80 >> (i % 8)))
			ok = 0;
	return ok;
}

int
cf_pow_redeem(struct store *st, const char *challenge, const char *nonce,
	      struct err *e)
{
	struct store_val v[2];
	long long bits;

	v[0] = SV_TEXT(challenge);
	v[1] = SV_INT(time_now());
	bits = store_query_int(
	    st, "SELECT bits FROM cf_pow WHERE challenge = ? AND expires >= ?",
	    v, 2, -1);
	if (bits < 0) {
		err_set(e, "the challenge was not issued here, has been used "
			   "or has expired; ask for a new one");
		return 0;
	}
	if (!cf_pow_solved(challenge, nonce, (int)bits)) {
		err_set(e,
			"the nonce does not solve the challenge (%lld zero "
			"bits)",
			bits);
		return 0;
	}
	/* single use: only the request that deletes it goes on */
	if (store_exec(st, "DELETE FROM cf_pow WHERE challenge = ?", v, 1, e) <
	    0)
		return -1;
	if (store_changes(st) != 1) {
		err_set(e, "the challenge has been used");
		return 0;
	}
	return 1;
}

/* ---- complaints ---------------------------------------------------------- */

int
cf_complaint_submit(struct store *st, const struct secret_key *k,
		    const struct cf_complaint_in *in,
		    char tracking[CF_TRACKING_MAX], struct err *e)
{
	unsigned char r[16];
	char code[32], digest[2 * SHA256_LEN + 1], id[CF_ID_MAX],
	    case_id[CF_ID_MAX], ctx[96], obj[64], hex[9], date[11];
	char *sealed = NULL;
	struct cf_subject s;
	struct store_val v[10];
	int created;

	if (in->contact[0] != '\0' && (k == NULL || !k->set)) {
		err_set(e, "no key to keep the contact sealed");
		return -1;
	}
	if (rand_bytes(r, sizeof(r)) < 0 ||
	    b64url_encode(r, sizeof(r), code, sizeof(code)) < 0 ||
	    rand_bytes(r, 4) < 0) {
		err_set(e, "no random bytes");
		return -1;
	}
	hex_encode(r, 4, hex);
	time_fmt_date(time_now(), date, sizeof(date));
	str_fmt(id, sizeof(id), "cc-%.4s%.2s%.2s-%s", date, date + 5, date + 8,
		hex);
	str_fmt(tracking, CF_TRACKING_MAX, "T%s", code);
	sha256_hex(tracking, strlen(tracking), digest);
	memset(&s, 0, sizeof(s));
	s.kind = in->kind;
	s.candidate = in->target;
	s.platform = in->platform[0] != '\0' ? in->platform : NULL;
	s.source = "complaint";
	s.note = "complaint from the public";
	if (store_begin(st, e) < 0)
		return -1;
	if (cf_case_open(st, &s, "public", case_id, &created, e) < 0)
		goto fail;
	if (in->contact[0] != '\0') {
		str_fmt(ctx, sizeof(ctx), "cf_complaints.contact:%s", id);
		sealed = secret_seal(k, ctx, in->contact, strlen(in->contact));
		if (sealed == NULL) {
			err_set(e, "cannot seal the contact");
			goto fail;
		}
	}
	v[0] = SV_TEXT(id);
	v[1] = SV_TEXT(digest);
	v[2] = SV_TEXT(case_id);
	v[3] = SV_TEXT(in->kind);
	v[4] = SV_TEXT(in->target);
	v[5] = SV_TEXT(in->platform[0] != '\0' ? in->platform : NULL);
	v[6] = SV_TEXT(in->description[0] != '\0' ? in->description : NULL);
	v[7] = SV_TEXT(sealed);
	v[8] = SV_TEXT(in->lang);
	v[9] = SV_INT(time_now());
	str_fmt(obj, sizeof(obj), "cf_complaint:%s", id);
	if (store_exec(st,
		       "INSERT INTO cf_complaints(id, tracking, case_id, kind, "
		       "target, platform, description, contact, lang, "
		       "received) VALUES (?,?,?,?,?,?,?,?,?,?)",
		       v, 10, e) < 0 ||
	    audit_append(st, "public", "cf.complaint", obj, NULL, digest, e) <
		0)
		goto fail;
	free(sealed);
	return store_commit(st, e);
fail:
	free(sealed);
	store_rollback(st);
	memset(tracking, 0, CF_TRACKING_MAX);
	return -1;
}

/* 1 if code looks like a tracking code ("T" and 22 base64url). */
static int
tracking_ok(const char *code)
{
	return code != NULL && code[0] == 'T' && strlen(code) == 23 &&
	       strspn(code + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
				"tuvwxyz0123456789-_") == 22;
}

/* What a complainant may be told of a state. */
static const struct {
	const char *state, *en, *zh;
} public_states[] = {
    {"new", "received, waiting to be examined", "已受理，等待核查"},
    {"confirming", "being confirmed with the registry of government units",
     "正在核实是否为已登记的政务机构"},
    {"counterfeit", "confirmed counterfeit; it is being stopped",
     "经核实为仿冒，正在处置"},
    {"genuine", "it belongs to a registered government unit",
     "经核实属于已登记的政务机构"},
    {"not_government", "it is not a government application",
     "经核实不是互联网政务应用"},
    {"takedown_requested", "confirmed counterfeit; takedown requested",
     "经核实为仿冒，已要求关停"},
    {"taken_down", "confirmed counterfeit; taken down", "经核实为仿冒，已关停"},
    {"referred",
     "confirmed counterfeit; taken down and referred to public security",
     "经核实为仿冒，已关停并移送公安机关"},
};

static void
public_state(const char *state, const char **en, const char **zh)
{
	*en = *zh = state;
	for (size_t i = 0; i < ARRAY_SIZE(public_states); i++)
		if (strcmp(public_states[i].state, state) == 0) {
			*en = public_states[i].en;
			*zh = public_states[i].zh;
		}
}

struct track {
	json_t *o;
};

static int
track_row(void *arg, struct store_row *r)
{
	struct track *t = arg;
	const char *en, *zh;
	char rec[32], upd[32];

	time_fmt((time_t)store_row_int(r, 3), rec, sizeof(rec));
	time_fmt((time_t)store_row_int(r, 5), upd, sizeof(upd));
	public_state(store_row_text(r, 4), &en, &zh);
	t->o = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:s}", "kind",
			 store_row_text(r, 0), "target", store_row_text(r, 1),
			 "platform", store_row_text(r, 2), "received", rec,
			 "state", store_row_text(r, 4), "state_en", en,
			 "state_zh", zh, "updated", upd);
	return 1;
}

json_t *
cf_complaint_track(struct store *st, const char *tracking)
{
	char digest[2 * SHA256_LEN + 1];
	struct store_val v[1];
	struct track t = {NULL};

	if (!tracking_ok(tracking))
		return NULL;
	/* looked up by its digest: the store never holds the code */
	sha256_hex(tracking, strlen(tracking), digest);
	v[0] = SV_TEXT(digest);
	if (store_query(st,
			"SELECT p.kind, p.target, p.platform, p.received, "
			"c.state, c.updated FROM cf_complaints p JOIN cf_cases "
			"c ON c.id = p.case_id WHERE p.tracking = ?",
			v, 1, track_row, &t, NULL) < 0)
		return NULL;
	return t.o;
}

struct clist {
	const struct secret_key *k;
	json_t *arr;
};

static int
complaint_row(void *arg, struct store_row *r)
{
	struct clist *l = arg;
	const char *id = store_row_text(r, 0), *sealed = store_row_text(r, 6);
	char rec[32];
	json_t *o;

	time_fmt((time_t)store_row_int(r, 8), rec, sizeof(rec));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:b}", "id",
		      id, "case_id", store_row_text(r, 1), "kind",
		      store_row_text(r, 2), "target", store_row_text(r, 3),
		      "platform", store_row_text(r, 4), "description",
		      store_row_text(r, 5), "lang", store_row_text(r, 7),
		      "received", rec, "has_contact", sealed != NULL);
	if (o == NULL)
		return 0;
	if (l->k != NULL && l->k->set && sealed != NULL) {
		struct buf b = BUF_INIT(SECRET_PLAIN_MAX + 1);
		char ctx[96];
		struct err e;

		str_fmt(ctx, sizeof(ctx), "cf_complaints.contact:%s", id);
		if (secret_open(l->k, ctx, sealed, &b, &e) == 0 &&
		    b.data != NULL)
			json_object_set_new(o, "contact", json_string(b.data));
		else
			json_object_set_new(o, "contact", json_null());
		if (b.data != NULL)
			memset(b.data, 0, b.len);
		buf_cleanup(&b);
	}
	json_array_append_new(l->arr, o);
	return 0;
}

#define COMPLAINT_SELECT                                                       \
	"SELECT id, case_id, kind, target, platform, description, contact, "   \
	"lang, received FROM cf_complaints "

json_t *
cf_complaint_list(struct store *st, const struct secret_key *k, long long limit,
		  struct err *e)
{
	struct clist l = {k, json_array()};
	struct store_val v[1] = {
	    SV_INT(limit <= 0 || limit > CF_LIST_MAX ? CF_LIST_MAX : limit)};

	if (store_query(st,
			COMPLAINT_SELECT "ORDER BY received DESC, id LIMIT ?",
			v, 1, complaint_row, &l, e) < 0) {
		json_decref(l.arr);
		return NULL;
	}
	return l.arr;
}

json_t *
cf_complaint_list_of(struct store *st, const char *id,
		     const struct secret_key *k, struct err *e)
{
	struct clist l = {k, json_array()};
	struct store_val v[1] = {SV_TEXT(id)};

	if (store_query(st,
			COMPLAINT_SELECT "WHERE case_id = ? ORDER BY received, "
					 "id",
			v, 1, complaint_row, &l, e) < 0) {
		json_decref(l.arr);
		return NULL;
	}
	return l.arr;
}

/* ---- the pages ------------------------------------------------------------
 */

/* The texts of the pages, English and Chinese. */
enum txt {
	T_TITLE,
	T_INTRO,
	T_KIND,
	T_DOMAIN,
	T_APP,
	T_ACCOUNT,
	T_TARGET,
	T_PLATFORM,
	T_DESC,
	T_CONTACT,
	T_CONTACT_NOTE,
	T_SUBMIT,
	T_WORKING,
	T_DONE,
	T_KEEP,
	T_TRACK,
	T_TRACK_TITLE,
	T_CODE,
	T_SHOW,
	T_UNKNOWN,
	T_STATE,
	T_RECEIVED,
	T_UPDATED,
	T_FAILED,
	T_OTHER_LANG,
	T__COUNT
};

static const char *const texts[T__COUNT][2] = {
    {"Report a counterfeit government website, app or account",
     "举报仿冒政务网站、移动应用或公众账号"},
    {"Tell us about a website, app or account that pretends to be a "
     "government unit. We check it against the registry of government "
     "units and stop confirmed counterfeits.",
     "如发现冒充党政机关、事业单位的网站、移动应用或公众账号，请在此举报。"
     "我们将对照政务机构登记信息核实，经确认的仿冒应用将被处置。"},
    {"What is it?", "举报对象类型"},
    {"Website (domain or address)", "网站（域名或网址）"},
    {"Mobile app", "移动应用"},
    {"Public account", "公众账号"},
    {"Domain, web address, app or account name", "域名、网址、应用或账号名称"},
    {"Platform or app store (for apps and accounts)",
     "平台或应用商店（移动应用和公众账号填写）"},
    {"What did you see?", "情况说明"},
    {"Your contact (optional)", "联系方式（选填）"},
    {"Only the staff handling the report see it; it is never shown "
     "publicly.",
     "仅供处理人员联系您，不会公开。"},
    {"Submit", "提交"},
    {"Working (a small computation protects this form from floods)...",
     "正在提交（为防止恶意刷单，浏览器需要完成少量计算）……"},
    {"Received. Your tracking code:", "已受理。您的查询码："},
    {"Keep it: it is the only way to follow your report.",
     "请妥善保存，凭此码查询办理进度。"},
    {"Follow a report", "查询办理进度"},
    {"Report status", "举报办理进度"},
    {"Tracking code", "查询码"},
    {"Show", "查询"},
    {"No report has this tracking code.", "没有与该查询码对应的举报。"},
    {"State", "办理状态"},
    {"Received", "受理时间"},
    {"Last change", "最近更新"},
    {"The report could not be sent:", "提交失败："},
    {"English", "中文"},
};

static const char *
tx(enum txt t, int en)
{
	return texts[t][en ? 0 : 1];
}

static const char page_style[] =
    "<style>body{font-family:sans-serif;max-width:44em;margin:2em auto;"
    "padding:0 1em;line-height:1.5;color:#222}h1{font-size:1.4em;"
    "border-bottom:3px solid #b00;padding-bottom:.3em}label{display:block;"
    "margin-top:1em;font-weight:bold}input,select,textarea{width:100%;"
    "box-sizing:border-box;padding:.4em;font-size:1em}button{margin-top:"
    "1em;padding:.5em 2em;font-size:1em}.note{color:#555;font-size:.9em}"
    "#result{margin-top:1.5em;padding:1em;background:#f4f4f4}"
    "code{font-size:1.2em;word-break:break-all}table{border-collapse:"
    "collapse}td,th{text-align:left;padding:.3em 1em .3em 0}</style>";

static void
page_head(struct buf *b, const char *title, int en, const char *self)
{
	buf_printf(b,
		   "<!doctype html>\n<html lang=\"%s\"><head><meta "
		   "charset=\"utf-8\"><meta name=\"viewport\" content=\""
		   "width=device-width\"><title>",
		   en ? "en" : "zh-CN");
	buf_add_html(b, title);
	buf_printf(b,
		   "</title>%s</head><body><p style=\"text-align:right\">"
		   "<a href=\"%s?lang=%s\">%s</a></p><h1>",
		   page_style, self, en ? "zh" : "en", tx(T_OTHER_LANG, en));
	buf_add_html(b, title);
	buf_addstr(b, "</h1>");
}

static void
label(struct buf *b, const char *for_id, const char *text)
{
	buf_printf(b, "<label for=\"%s\">", for_id);
	buf_add_html(b, text);
	buf_addstr(b, "</label>");
}

int
cf_complaint_page(struct buf *b, const char *lang)
{
	int en = lang != NULL && strcmp(lang, "en") == 0;

	page_head(b, tx(T_TITLE, en), en, "/complaint");
	buf_addstr(b, "<p>");
	buf_add_html(b, tx(T_INTRO, en));
	/* the script's messages, in the page's language */
	buf_printf(b, "</p><form id=\"cf\" data-lang=\"%s\" data-working=\"",
		   en ? "en" : "zh");
	buf_add_html(b, tx(T_WORKING, en));
	buf_addstr(b, "\" data-done=\"");
	buf_add_html(b, tx(T_DONE, en));
	buf_addstr(b, "\" data-keep=\"");
	buf_add_html(b, tx(T_KEEP, en));
	buf_addstr(b, "\" data-track=\"");
	buf_add_html(b, tx(T_TRACK, en));
	buf_addstr(b, "\" data-failed=\"");
	buf_add_html(b, tx(T_FAILED, en));
	buf_addstr(b, "\">");
	label(b, "kind", tx(T_KIND, en));
	buf_printf(b,
		   "<select id=\"kind\" name=\"kind\">"
		   "<option value=\"domain\">%s</option>"
		   "<option value=\"app\">%s</option>"
		   "<option value=\"account\">%s</option></select>",
		   tx(T_DOMAIN, en), tx(T_APP, en), tx(T_ACCOUNT, en));
	label(b, "target", tx(T_TARGET, en));
	buf_addstr(b, "<input id=\"target\" name=\"target\" required "
		      "maxlength=\"500\">");
	label(b, "platform", tx(T_PLATFORM, en));
	buf_addstr(b, "<input id=\"platform\" name=\"platform\" "
		      "maxlength=\"120\">");
	label(b, "description", tx(T_DESC, en));
	buf_addstr(b, "<textarea id=\"description\" name=\"description\" "
		      "rows=\"5\" maxlength=\"4000\"></textarea>");
	label(b, "contact", tx(T_CONTACT, en));
	buf_addstr(b, "<input id=\"contact\" name=\"contact\" "
		      "maxlength=\"200\"><div class=\"note\">");
	buf_add_html(b, tx(T_CONTACT_NOTE, en));
	buf_printf(b,
		   "</div><button id=\"submit\" type=\"submit\">%s</button>"
		   "</form><div id=\"result\" hidden></div><p><a href=\""
		   "/complaint/track?lang=%s\">%s</a></p>"
		   "<script src=\"/complaint.js\"></script></body></html>\n",
		   tx(T_SUBMIT, en), en ? "en" : "zh", tx(T_TRACK, en));
	return 200;
}

int
cf_track_page(struct store *st, const char *code, const char *lang,
	      struct buf *b)
{
	int en = lang != NULL && strcmp(lang, "en") == 0;
	json_t *t = NULL;
	int status = 200;

	if (code != NULL && *code != '\0') {
		t = cf_complaint_track(st, code);
		if (t == NULL)
			status = 404;
	}
	page_head(b, tx(T_TRACK_TITLE, en), en, "/complaint/track");
	buf_printf(b,
		   "<form method=\"get\" action=\"/complaint/track\">"
		   "<input type=\"hidden\" name=\"lang\" value=\"%s\">",
		   en ? "en" : "zh");
	label(b, "code", tx(T_CODE, en));
	buf_addstr(b, "<input id=\"code\" name=\"code\" maxlength=\"40\" "
		      "autocomplete=\"off\"><button type=\"submit\">");
	buf_add_html(b, tx(T_SHOW, en));
	buf_addstr(b, "</button></form><div id=\"status\">");
	if (status == 404) {
		buf_addstr(b, "<p>");
		buf_add_html(b, tx(T_UNKNOWN, en));
		buf_addstr(b, "</p>");
	} else if (t != NULL) {
		static const struct {
			enum txt label;
			const char *key;
		} rows[] = {{T_TARGET, "target"},
			    {T_PLATFORM, "platform"},
			    {T_RECEIVED, "received"},
			    {T_STATE, NULL},
			    {T_UPDATED, "updated"}};

		buf_addstr(b, "<table>");
		for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
			const char *v =
			    rows[i].key != NULL
				? json_string_value(
				      json_object_get(t, rows[i].key))
				: json_string_value(json_object_get(
				      t, en ? "state_en" : "state_zh"));

			if (v == NULL)
				continue;
			buf_addstr(b, "<tr><th>");
			buf_add_html(b, tx(rows[i].label, en));
			buf_printf(b, "</th><td%s>",
				   rows[i].key == NULL ? " id=\"state\"" : "");
			buf_add_html(b, v);
			buf_addstr(b, "</td></tr>");
		}
		buf_addstr(b, "</table>");
	}
	buf_printf(b,
		   "</div><p><a href=\"/complaint?lang=%s\">%s</a></p>"
		   "</body></html>\n",
		   en ? "en" : "zh", tx(T_TITLE, en));
	json_decref(t);
	return status;
}

/*
 * The form's script: asks for a challenge, finds a nonce whose SHA-256
 * (with the challenge) starts with the zero bits asked for, in slices so
 * the page stays responsive, and sends the complaint. SHA-256 is written
 * out here: crypto.subtle exists only on secure origins and is slow per
 * call.
 */
static const char complaint_js[] =
    "'use strict';\n"
    "(function () {\n"
    "var K = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,"
    "0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,"
    "0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,"
    "0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,"
    "0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,"
    "0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,"
    "0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,"
    "0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,"
    "0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,"
    "0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,"
    "0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2];\n"
    "var W = new Int32Array(64);\n"
    "/* SHA-256 of an ASCII string: the first 32 bits of the digest and the\n"
    " * second (enough for the leading zero bits asked for, at most 32) */\n"
    "function sha256(s) {\n"
    "  var n = s.length, nb = ((n + 9 + 63) >> 6) << 6, m = new "
    "Uint8Array(nb), i, j;\n"
    "  for (i = 0; i < n; i++) m[i] = s.charCodeAt(i);\n"
    "  m[n] = 0x80; var bits = n * 8;\n"
    "  m[nb - 4] = bits >>> 24; m[nb - 3] = bits >>> 16; m[nb - 2] = bits >>> "
    "8; m[nb - 1] = bits;\n"
    "  var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = "
    "0xa54ff53a,\n"
    "      h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = "
    "0x5be0cd19;\n"
    "  for (j = 0; j < nb; j += 64) {\n"
    "    for (i = 0; i < 16; i++) W[i] = (m[j+4*i] << 24) | (m[j+4*i+1] << 16) "
    "| (m[j+4*i+2] << 8) | m[j+4*i+3];\n"
    "    for (i = 16; i < 64; i++) {\n"
    "      var x = W[i-15], y = W[i-2];\n"
    "      var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x "
    ">>> 3);\n"
    "      var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y "
    ">>> 10);\n"
    "      W[i] = (W[i-16] + s0 + W[i-7] + s1) | 0;\n"
    "    }\n"
    "    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;\n"
    "    for (i = 0; i < 64; i++) {\n"
    "      var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e "
    ">>> 25) | (e << 7));\n"
    "      var t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;\n"
    "      var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a "
    ">>> 22) | (a << 10));\n"
    "      var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;\n"
    "      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 "
    "+ t2) | 0;\n"
    "    }\n"
    "    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + "
    "d) | 0;\n"
    "    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + "
    "h) | 0;\n"
    "  }\n"
    "  return h0 >>> 0;\n"
    "}\n"
    "function zeros(word, bits) { return bits >= 32 ? word === 0 : (word >>> "
    "(32 - bits)) === 0; }\n"
    "function solve(challenge, bits, done) {\n"
    "  var nonce = 0;\n"
    "  (function slice() {\n"
    "    for (var k = 0; k < 20000; k++, nonce++) {\n"
    "      var hex = nonce.toString(16);\n"
    "      if (zeros(sha256(challenge + ':' + hex), bits)) return done(hex);\n"
    "    }\n"
    "    setTimeout(slice, 0);\n"
    "  })();\n"
    "}\n"
    "function post(url, body) {\n"
    "  return fetch(url, {method: 'POST', headers: {'Content-Type': "
    "'application/json'},\n"
    "    body: JSON.stringify(body)}).then(function (r) {\n"
    "      return r.json().then(function (j) { if (!r.ok) throw new "
    "Error(j.error ? j.error.message : r.status); return j; });\n"
    "  });\n"
    "}\n"
    "var form = document.getElementById('cf'), out = "
    "document.getElementById('result');\n"
    "if (!form) return;\n"
    "function show(parts) {\n"
    "  out.hidden = false; out.textContent = '';\n"
    "  parts.forEach(function (p) { var el = document.createElement(p[0]); "
    "el.textContent = p[1];\n"
    "    if (p[2]) el.id = p[2]; if (p[3]) el.href = p[3]; "
    "out.appendChild(el); });\n"
    "}\n"
    "form.addEventListener('submit', function (ev) {\n"
    "  ev.preventDefault();\n"
    "  var d = form.dataset, btn = document.getElementById('submit');\n"
    "  var body = {kind: form.kind.value, target: form.target.value.trim(), "
    "lang: d.lang};\n"
    "  ['platform', 'description', 'contact'].forEach(function (k) { var v = "
    "form[k].value.trim(); if (v) body[k] = v; });\n"
    "  btn.disabled = true; show([['p', d.working]]);\n"
    "  post('/v1/complaints/challenge', {}).then(function (c) {\n"
    "    return new Promise(function (ok) { solve(c.challenge, c.bits, "
    "function (n) {\n"
    "      body.challenge = c.challenge; body.nonce = n; ok(); }); });\n"
    "  }).then(function () { return post('/v1/complaints', body); "
    "}).then(function (r) {\n"
    "    form.reset();\n"
    "    show([['p', d.done], ['code', r.tracking, 'tracking'], ['p', "
    "d.keep],\n"
    "      ['a', d.track, 'track-link', '/complaint/track?lang=' + d.lang + "
    "'&code=' + encodeURIComponent(r.tracking)]]);\n"
    "  }).catch(function (e) { show([['p', d.failed + ' ' + e.message, "
    "'error']]); })\n"
    "    .then(function () { btn.disabled = false; });\n"
    "});\n"
    "})();\n";

const char *
cf_complaint_js(void)
{
	return complaint_js;
}
