/*
 * names.c: online names (NAME-1, NAME-2; seed Q5): a unit applies for the
 * online name of itself or of an application; govsec judges it by NAME-1
 * and searches it against every approved name, not only for equality but
 * for names a reader would take for it: full-width and half-width forms
 * (NFKC), traditional and simplified characters (OpenCC t2s), Unicode
 * confusables (ICU's uspoof skeleton, UTS 39) and Han characters that
 * look alike but that ICU does not list (the table below). The
 * establishment department approves or rejects with a reason; approved
 * names are the protected set.
 *
 * A name's key is computed once, on application, and stored: the search
 * is an index lookup of that key (and of the key without spaces and
 * punctuation), never a loop over all names.
 *
 * The domains of e-mail systems are online names too (seed Q5): applying
 * for the name of an e-mail system (or for the unit's own name) checks
 * each of its domains: NAME-1 on a Chinese registrable label, and the
 * domain's key against the keys of every domain an approved name of
 * another unit protects (ecert_name_domains, filled on approval).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <opencc.h>
#include <pthread.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#include "audit/audit.h"
#include "ecert/ecert.h"
#include "registry/registry.h"

#define NAME_MAX_CHARS 64
#define KEY_MAX	       1024

/*
 * Han characters that look alike and that UTS 39's confusables do not map
 * to each other: each maps to one representative. Pairs from proofreading
 * practice (形近字): 人/入/八, 己/已/巳, 未/末, 天/夭, 士/土, 戍/戌/戊/戎,
 * 日/曰, 刀/刁/力, 千/干/于, 大/丈/太/犬, 王/玉/壬, 木/本/术, 白/自,
 * 免/兔, 史/吏, 采/釆, 拔/拨, 侯/候, 己/巳 ... The representative is the
 * first of each group.
 */
static const char *const lookalike[][2] = {
    {"入", "人"}, {"八", "人"}, {"已", "己"}, {"巳", "己"}, {"末", "未"},
    {"夭", "天"}, {"土", "士"}, {"戌", "戍"}, {"戊", "戍"}, {"戎", "戍"},
    {"曰", "日"}, {"刁", "刀"}, {"力", "刀"}, {"干", "千"}, {"于", "千"},
    {"丈", "大"}, {"太", "大"}, {"犬", "大"}, {"玉", "王"}, {"壬", "王"},
    {"本", "木"}, {"术", "木"}, {"自", "白"}, {"兔", "免"}, {"吏", "史"},
    {"釆", "采"}, {"拨", "拔"}, {"候", "侯"}, {"汩", "汨"}, {"怠", "殆"},
    {"0", "O"},	  {"〇", "O"},
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static opencc_t t2s = (opencc_t)-1;
static USpoofChecker *spoof;
static const UNormalizer2 *nfkc;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void
init(void)
{
	UErrorCode ue = U_ZERO_ERROR;

	t2s = opencc_open("t2s.json");
	spoof = uspoof_open(&ue);
	if (U_FAILURE(ue))
		spoof = NULL;
	ue = U_ZERO_ERROR;
	nfkc = unorm2_getNFKCCasefoldInstance(&ue);
	if (U_FAILURE(ue))
		nfkc = NULL;
}

/* Replaces each look-alike Han character of s (UTF-8) by its group's
 * representative into out. */
static void
fold_lookalikes(const char *s, char *out, size_t n)
{
	size_t o = 0;

	while (*s != '\0' && o + 5 < n) {
		size_t len = 1, i;
		unsigned char c = (unsigned char)*s;

		if (c >= 0xf0)
			len = 4;
		else if (c >= 0xe0)
			len = 3;
		else if (c >= 0xc0)
			len = 2;
		for (i = 0; i < ARRAY_SIZE(lookalike); i++)
			if (strlen(lookalike[i][0]) == len &&
			    !memcmp(s, lookalike[i][0], len))
				break;
		if (i < ARRAY_SIZE(lookalike)) {
			size_t m = strlen(lookalike[i][1]);

			memcpy(out + o, lookalike[i][1], m);
			o += m;
		} else {
			memcpy(out + o, s, len);
			o += len;
		}
		s += len;
	}
	out[o] = '\0';
}

/* Drops white space and punctuation (ASCII and CJK) from s in place. */
static void
strip_marks(char *s)
{
	static const char *const marks[] = {"·",  "・", "（", "）", "【",
					    "】", "《", "》", "—",  "－",
					    "　", "、", "“",  "”"};
	char *w = s;

	while (*s != '\0') {
		size_t i;

		/* ASCII only: a byte of a multi-byte character never
		 * matches (· is in marks[]) */
		if ((unsigned char)*s < 0x80 &&
		    strchr(" \t-_.()[]<>\"'/", *s) != NULL) {
			s++;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(marks); i++)
			if (str_starts(s, marks[i]))
				break;
		if (i < ARRAY_SIZE(marks)) {
			s += strlen(marks[i]);
			continue;
		}
		*w++ = *s++;
	}
	*w = '\0';
}

int
ecert_name_key(const char *name, char *key, size_t n, struct err *e)
{
	UChar u[512], f[1024], sk[2048];
	UErrorCode ue = U_ZERO_ERROR;
	int32_t ul, fl, skl;
	char *simp = NULL, buf[KEY_MAX];

	pthread_once(&once, init);
	if (t2s == (opencc_t)-1 || spoof == NULL || nfkc == NULL) {
		err_set(e, "the name checks cannot start (OpenCC t2s.json or "
			   "ICU's data is missing)");
		return -1;
	}
	if (!str_utf8_valid(name, strlen(name)) ||
	    str_utf8_len(name) > NAME_MAX_CHARS || name[0] == '\0') {
		err_set(e, "an online name is 1 to %d characters of UTF-8",
			NAME_MAX_CHARS);
		return -1;
	}
	/* 1. width and case: NFKC with case folding */
	u_strFromUTF8(u, (int32_t)ARRAY_SIZE(u), &ul, name, -1, &ue);
	fl = unorm2_normalize(nfkc, u, ul, f, (int32_t)ARRAY_SIZE(f), &ue);
	u_strToUTF8(buf, sizeof(buf), NULL, f, fl, &ue);
	if (U_FAILURE(ue)) {
		err_set(e, "the name cannot be normalised (%s)",
			u_errorName(ue));
		return -1;
	}
	/* 2. traditional to simplified (OpenCC keeps no state per call, but
	 * its handle is shared: one call at a time) */
	pthread_mutex_lock(&lock);
	simp = opencc_convert_utf8(t2s, buf, strlen(buf));
	pthread_mutex_unlock(&lock);
	if (simp == NULL) {
		err_set(e, "the name cannot be converted (OpenCC)");
		return -1;
	}
	/* 3. look-alike Han characters, then 4. UTS 39's skeleton */
	fold_lookalikes(simp, buf, sizeof(buf));
	opencc_convert_utf8_free(simp);
	ue = U_ZERO_ERROR;
	skl = uspoof_getSkeletonUTF8(spoof, 0, buf, -1, (char *)sk,
				     (int32_t)sizeof(sk), &ue);
	if (U_FAILURE(ue) || (size_t)skl >= n) {
		err_set(e, "the name's skeleton cannot be made (%s)",
			u_errorName(ue));
		return -1;
	}
	memcpy(key, sk, (size_t)skl);
	key[skl] = '\0';
	strip_marks(key);
	return 0;
}

int
ecert_name_mixed(const char *name)
{
	UErrorCode ue = U_ZERO_ERROR;
	USpoofChecker *sc = uspoof_open(&ue);
	int32_t r;

	if (U_FAILURE(ue))
		return 0;
	/* UTS 39 "highly restrictive": Han with Latin, kana, bopomofo or
	 * hangul, never Han with Cyrillic or Greek; no invisible marks */
	uspoof_setRestrictionLevel(sc, USPOOF_HIGHLY_RESTRICTIVE);
	uspoof_setChecks(sc,
			 USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE |
			     USPOOF_MIXED_NUMBERS,
			 &ue);
	r = uspoof_checkUTF8(sc, name, -1, NULL, &ue);
	uspoof_close(sc);
	return U_SUCCESS(ue) && r != 0;
}

static int
conflict_row(void *arg, struct store_row *r)
{
	struct ecert_name_conflict *c = arg;

	c->id = store_row_int(r, 0);
	str_copy(c->name, store_row_text(r, 1), sizeof(c->name));
	str_copy(c->unit, store_row_text(r, 2), sizeof(c->unit));
	return 1;
}

/* Why two names with the same key are the same to a reader. */
static void
conflict_why(const char *a, const char *b, char *why, size_t n)
{
	if (!strcmp(a, b))
		str_copy(why, "the same name", n);
	else
		str_copy(why,
			 "the same once full-width and half-width forms, "
			 "traditional and simplified characters, look-alike "
			 "characters and punctuation are set aside",
			 n);
}

/* ---- e-mail domains (seed Q5: "domain names of e-mail systems") ------- */

/*
 * A domain's key, as a name's: its Unicode form (libidn2 through
 * reg_domain_parse) under ecert_name_key, so that jiangrnen.gov.cn and
 * jiangmen.gov.cn, or a full-width or traditional twin, are equal.
 */
static int
domain_key(const char *domain, char *key, size_t n, struct err *e)
{
	struct domain_info d;

	if (reg_domain_parse(domain, &d, e) < 0)
		return -1;
	return ecert_name_key(d.ulabel, key, n, e);
}

struct mail_ctx {
	struct store *st;
	const char *unit;
	const struct name_unit *nu;
	struct ecert_name_conflict *c;
	struct err *e;
	int refused, failed;
};

/*
 * One e-mail domain of the applicant: NAME-1 on its registrable label
 * when it is a Chinese (IDN) name (an ASCII label is pinyin or letters
 * the machine cannot judge), then the search against every domain of an
 * approved name of another unit.
 */
static int
mail_row(void *arg, struct store_row *r)
{
	struct mail_ctx *m = arg;
	const char *dom = store_row_text(r, 0);
	char key[KEY_MAX], label[DOMAIN_MAX * 4];
	struct domain_info d, reg;
	struct store_val q[2];
	struct err why;

	if (dom == NULL || reg_domain_parse(dom, &d, m->e) < 0 ||
	    reg_domain_parse(d.registrable, &reg, m->e) < 0) {
		m->failed = 1;
		return -1;
	}
	str_copy(label, reg.ulabel, sizeof(label));
	label[strcspn(label, ".")] = '\0';
	why.msg[0] = '\0';
	if (reg.is_idn && name_check(label, m->nu, &why) == NAME_FAIL) {
		str_fmt(m->c->why, sizeof(m->c->why),
			"e-mail domain '%s' (NAME-1): %s", d.ulabel, why.msg);
		m->refused = 1;
		return 1;
	}
	if (domain_key(dom, key, sizeof(key), m->e) < 0) {
		m->failed = 1;
		return -1;
	}
	q[0] = SV_TEXT(key);
	q[1] = SV_TEXT(m->unit);
	if (store_query(m->st,
			"SELECT name_id, domain, unit FROM ecert_name_domains "
			"WHERE key = ? AND unit <> ? LIMIT 1",
			q, 2, conflict_row, m->c, m->e) < 0) {
		m->failed = 1;
		return -1;
	}
	if (m->c->id != 0) {
		str_fmt(m->c->why, sizeof(m->c->why),
			"e-mail domain '%s' is confusable with '%s', a domain "
			"of an approved name of unit %s",
			d.ulabel, m->c->name, m->c->unit);
		/* not a conflict of the name itself: why says it all */
		m->c->id = 0;
		m->c->name[0] = m->c->unit[0] = '\0';
		m->refused = 1;
		return 1;
	}
	return 0;
}

/*
 * The e-mail domains a name application covers: those of app when it is
 * an e-mail system, or of every e-mail system of the unit when the name
 * is the unit's own. 0 (none refused), 1 (c says why) or -1 with e.
 */
static int
mail_domains_check(struct store *st, const char *unit, const char *app,
		   const struct name_unit *nu, struct ecert_name_conflict *c,
		   struct err *e)
{
	struct mail_ctx m = {st, unit, nu, c, e, 0, 0};
	struct store_val q[3] = {SV_TEXT(unit), SV_TEXT(app), SV_TEXT(app)};

	if (store_query(st,
			"SELECT d.name FROM domains d JOIN apps a ON a.id = "
			"d.app WHERE a.unit = ? AND a.type = 'email' AND (? "
			"IS NULL OR a.id = ?) ORDER BY d.name",
			q, 3, mail_row, &m, e) < 0 &&
	    !m.refused)
		return -1;
	return m.refused ? 1 : 0;
}

struct protect_ctx {
	struct store *st;
	const char *unit;
	long long id;
	struct err *e;
};

static int
protect_row(void *arg, struct store_row *r)
{
	struct protect_ctx *p = arg;
	const char *dom = store_row_text(r, 0);
	char key[KEY_MAX];
	struct store_val q[4];
	struct err skip;

	/* a domain the keys cannot take (too long a name) is not protected
	 * by look-alikes; it still is by the registry's uniqueness */
	if (dom == NULL || domain_key(dom, key, sizeof(key), &skip) < 0)
		return 0;
	q[0] = SV_TEXT(dom);
	q[1] = SV_TEXT(p->unit);
	q[2] = SV_INT(p->id);
	q[3] = SV_TEXT(key);
	return store_exec(p->st,
			  "INSERT INTO ecert_name_domains (domain, unit, "
			  "name_id, key) VALUES (?, ?, ?, ?) ON CONFLICT "
			  "(domain) DO NOTHING",
			  q, 4, p->e) < 0
		   ? -1
		   : 0;
}

/* An approved name protects the domains of its application (every
 * application of the unit for the unit's own name). */
static int
protect_domains(struct store *st, long long id, const char *unit, struct err *e)
{
	struct protect_ctx p = {st, unit, id, e};
	struct store_val q[3] = {SV_TEXT(unit), SV_INT(id), SV_INT(id)};

	return store_query(st,
			   "SELECT d.name FROM domains d JOIN apps a ON a.id "
			   "= d.app WHERE a.unit = ? AND (a.id = (SELECT app "
			   "FROM ecert_names WHERE id = ?) OR (SELECT app FROM "
			   "ecert_names WHERE id = ?) IS NULL) ORDER BY d.name",
			   q, 3, protect_row, &p, e);
}

int
ecert_name_apply(struct store *st, const char *unit, const char *app,
		 const char *name, const char *actor, long long *id,
		 struct ecert_name_conflict *c, struct err *e)
{
	struct name_unit nu;
	struct err why;
	enum name_verdict v;
	char key[KEY_MAX], at[32], obj[64], dig[AUDIT_HASH_HEX];
	struct store_val q[8];
	json_t *u;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	*id = 0;
	if (ecert_name_key(name, key, sizeof(key), e) < 0)
		return -1;
	if ((u = reg_get(st, reg_entity("unit"), unit)) == NULL) {
		err_set(e, "unit '%s' is not registered", unit);
		return -1;
	}
	if (app != NULL) {
		struct store_val a[2] = {SV_TEXT(app), SV_TEXT(unit)};

		if (store_query_int(st,
				    "SELECT COUNT(*) FROM apps WHERE id = ? "
				    "AND unit = ?",
				    a, 2, 0) == 0) {
			json_decref(u);
			err_set(e, "application '%s' is not one of unit '%s'",
				app, unit);
			return -1;
		}
	}
	nu.name = json_string_value(json_object_get(u, "name"));
	nu.short_name = json_string_value(json_object_get(u, "short_name"));
	nu.region_name = json_string_value(json_object_get(u, "region_name"));
	why.msg[0] = '\0';
	v = name_check(name, &nu, &why);
	str_copy(c->name1, name_verdict_str(v), sizeof(c->name1));
	str_copy(c->name1_why, why.msg, sizeof(c->name1_why));
	/* the unit's e-mail domains, by NAME-1 and against the domains of
	 * approved names (nu points into u) */
	if (v != NAME_FAIL) {
		rc = mail_domains_check(st, unit, app, &nu, c, e);
		json_decref(u);
		if (rc != 0)
			return rc;
		rc = -1;
	} else {
		json_decref(u);
	}
	/* the index lookup: an approved or pending name of another with
	 * the same key (a unit renaming its own name is not a conflict) */
	q[0] = SV_TEXT(key);
	q[1] = SV_TEXT(unit);
	if (store_query(st,
			"SELECT id, name, unit FROM ecert_names WHERE "
			"name_key = ? AND state = 'approved' AND unit <> ? "
			"LIMIT 1",
			q, 2, conflict_row, c, e) < 0)
		return -1;
	if (c->id != 0) {
		conflict_why(name, c->name, c->why, sizeof(c->why));
		return 1;
	}
	if (ecert_name_mixed(name)) {
		str_copy(c->why, "it mixes scripts that can be confused",
			 sizeof(c->why));
		return 1;
	}
	if (v == NAME_FAIL)
		return 1;
	if (store_begin(st, e) < 0)
		return -1;
	time_fmt(time_now(), at, sizeof(at));
	q[0] = SV_TEXT(unit);
	q[1] = SV_TEXT(app);
	q[2] = SV_TEXT(name);
	q[3] = SV_TEXT(key);
	q[4] = SV_TEXT(at);
	q[5] = SV_TEXT(actor);
	q[6] = SV_TEXT(c->name1);
	if (store_insert(st,
			 "INSERT INTO ecert_names (unit, app, name, name_key, "
			 "state, applied, applied_by, name1) VALUES (?, ?, ?, "
			 "?, 'pending', ?, ?, ?)",
			 q, 7, id, e) < 0)
		goto fail;
	str_fmt(obj, sizeof(obj), "unit:%s", unit);
	audit_digest(key, strlen(key), dig);
	if (audit_append(st, actor, "ecert.name_apply", obj, NULL, dig, e) < 0)
		goto fail;
	rc = store_commit(st, e) < 0 ? -1 : 0;
	return rc;
fail:
	store_rollback(st);
	return -1;
}

int
ecert_name_decide(struct store *st, long long id, int approve,
		  const char *reason, const char *actor, struct err *e)
{
	struct store_val q[5];
	struct ecert_name_conflict c;
	char at[32], obj[64], *unit, *key, *name, *entry, dig[AUDIT_HASH_HEX];
	int rc = -1;

	if (!approve && (reason == NULL || reason[0] == '\0')) {
		err_set(e, "a rejection needs --reason");
		return -1;
	}
	if (store_begin(st, e) < 0)
		return -1;
	q[0] = SV_INT(id);
	unit = store_query_text(st,
				"SELECT unit FROM ecert_names WHERE id = ? AND "
				"state = 'pending'",
				q, 1);
	key = store_query_text(st,
			       "SELECT name_key FROM ecert_names WHERE id "
			       "= ?",
			       q, 1);
	name = store_query_text(st, "SELECT name FROM ecert_names WHERE id = ?",
				q, 1);
	if (unit == NULL) {
		err_set(e, "no pending name application %lld", id);
		goto fail;
	}
	/* approved meanwhile by another: decided against it */
	memset(&c, 0, sizeof(c));
	q[0] = SV_TEXT(key);
	q[1] = SV_TEXT(unit);
	if (approve &&
	    store_query(st,
			"SELECT id, name, unit FROM ecert_names WHERE "
			"name_key = ? AND state = 'approved' AND unit <> ? "
			"LIMIT 1",
			q, 2, conflict_row, &c, e) < 0)
		goto fail;
	if (c.id != 0) {
		err_set(e,
			"'%s' of unit %s was approved meanwhile and is "
			"confusable with it: reject this one",
			c.name, c.unit);
		goto fail;
	}
	time_fmt(time_now(), at, sizeof(at));
	q[0] = SV_TEXT(approve ? "approved" : "rejected");
	q[1] = SV_TEXT(at);
	q[2] = SV_TEXT(actor);
	q[3] = SV_TEXT(reason);
	q[4] = SV_INT(id);
	if (store_exec(st,
		       "UPDATE ecert_names SET state = ?, decided = ?, "
		       "decided_by = ?, reason = ? WHERE id = ?",
		       q, 5, e) < 0 ||
	    (approve && protect_domains(st, id, unit, e) < 0))
		goto fail;
	{
		json_t *o =
		    json_pack("{s:s, s:I, s:s, s:s, s:s, s:s?, s:s}", "type",
			      approve ? "name.approve" : "name.reject", "id",
			      (json_int_t)id, "uscc", unit, "name", name, "key",
			      key, "reason", reason, "at", at);

		entry = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(o);
	}
	str_fmt(obj, sizeof(obj), "unit:%s", unit);
	if (entry == NULL)
		err_set(e, "cannot encode the log entry of application %lld",
			id);
	if (entry == NULL ||
	    tlog_append(st, approve ? "name.approve" : "name.reject", entry,
			e) < 0 ||
	    (audit_digest(key, strlen(key), dig),
	     audit_append(st, actor,
			  approve ? "ecert.name_approve" : "ecert.name_reject",
			  obj, NULL, dig, e)) < 0) {
		free(entry);
		goto fail;
	}
	free(entry);
	rc = store_commit(st, e) < 0 ? -1 : 0;
	goto done;
fail:
	store_rollback(st);
done:
	free(unit);
	free(key);
	free(name);
	return rc;
}

static int
rival_row(void *arg, struct store_row *r)
{
	char why[256];

	conflict_why(store_row_text(r, 4), store_row_text(r, 1), why,
		     sizeof(why));
	json_array_append_new(
	    arg, json_pack("{s:I, s:s, s:s, s:s, s:s}", "id",
			   (json_int_t)store_row_int(r, 0), "name",
			   store_row_text(r, 1), "unit", store_row_text(r, 2),
			   "state", store_row_text(r, 3), "why", why));
	return 0;
}

json_t *
ecert_name_rivals(struct store *st, long long id, struct err *e)
{
	json_t *a = json_array();
	struct store_val q[1] = {SV_INT(id)};

	/* the same index lookup as an application's, of both states */
	if (store_query(st,
			"SELECT r.id, r.name, r.unit, r.state, a.name FROM "
			"ecert_names a JOIN ecert_names r ON r.name_key = "
			"a.name_key AND r.unit <> a.unit WHERE a.id = ? AND "
			"r.state IN ('approved', 'pending') ORDER BY CASE "
			"r.state WHEN 'approved' THEN 0 ELSE 1 END, r.id "
			"LIMIT 20",
			q, 1, rival_row, a, e) < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static int
name_row(void *arg, struct store_row *r)
{
	json_array_append_new(
	    arg,
	    json_pack("{s:I, s:s, s:s?, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "id",
		      (json_int_t)store_row_int(r, 0), "unit",
		      store_row_text(r, 1), "app", store_row_text(r, 2), "name",
		      store_row_text(r, 3), "state", store_row_text(r, 4),
		      "applied", store_row_text(r, 5), "decided",
		      store_row_text(r, 6), "reason", store_row_text(r, 7),
		      "name1", store_row_text(r, 8)));
	return 0;
}

json_t *
ecert_names_json(struct store *st, const char *unit, const char *state,
		 struct err *e)
{
	json_t *a = json_array();
	struct store_val q[2] = {SV_TEXT(unit), SV_TEXT(unit)};

	if (store_query(st,
			"SELECT id, unit, app, name, state, applied, decided, "
			"reason, name1 FROM ecert_names WHERE (? IS NULL OR "
			"unit = ?) ORDER BY id",
			q, 2, name_row, a, e) < 0) {
		json_decref(a);
		return NULL;
	}
	if (state != NULL) {
		json_t *f = json_array(), *v;
		size_t i;

		json_array_foreach(
		    a, i,
		    v) if (!strcmp(json_string_value(json_object_get(v,
								     "state")),
				   state)) json_array_append(f, v);
		json_decref(a);
		a = f;
	}
	return a;
}
