/*
 * entity.c: the field tables of the registry's records and their
 * cross-field rules. One table per record kind drives validation, storage,
 * export, the CLI flags and the JSON Schema in docs/registry.schema.json.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"

static const char *const unit_kinds[] = {
    "party",	"npc",		 "administrative", "cppcc",	  "supervisory",
    "judicial", "procuratorial", "mass",	   "institution", NULL};
static const char *const unit_levels[] = {"central", "provincial", "prefecture",
					  "county",  "township",   NULL};
static const char *const app_types[] = {"portal",  "app",   "miniprogram",
					"account", "email", NULL};
static const char *const app_statuses[] = {"live", "planned", "closed", NULL};
static const char *const langs[] = {"zh", "en", NULL};
static const char *const person_kinds[] = {"staff", "outsourced", NULL};
static const char *const privileges[] = {"read", "operate", "admin",
					 "highest_admin", NULL};

static int
check_uscc(const char *s, struct err *e)
{
	struct err why;

	if (uscc_check(s, &why, NULL) < 0) {
		err_set(e, "credit code '%s' is not valid: %s", s, why.msg);
		return -1;
	}
	return 0;
}

static int
check_region(const char *s, struct err *e)
{
	if (strlen(s) != 6 || strspn(s, "0123456789") != 6) {
		err_set(e, "region code '%s' is not 6 digits", s);
		return -1;
	}
	return 0;
}

static int
check_id(const char *s, struct err *e)
{
	size_t n = strlen(s);

	if (n == 0 || n > REG_ID_MAX ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._-") != n) {
		err_set(e,
			"id '%s' must be 1 to %d characters from A-Z a-z 0-9 "
			"'.' '_' '-'",
			s, REG_ID_MAX);
		return -1;
	}
	return 0;
}

/*
 * A record's domains are parsed by the field check, the cross-field rules
 * and after the write; a small per-thread cache keeps that to one parse.
 */
#define DOMAIN_CACHE 8
struct domain_memo {
	char name[DOMAIN_MAX * 4];
	struct domain_info di;
	int ok;
};
static _Thread_local struct domain_memo memo[DOMAIN_CACHE];
static _Thread_local unsigned memo_next;

int
reg_domain_parse(const char *name, struct domain_info *out, struct err *e)
{
	struct domain_memo *m;

	for (int i = 0; i < DOMAIN_CACHE; i++) {
		if (memo[i].ok && strcmp(memo[i].name, name) == 0) {
			*out = memo[i].di;
			return 0;
		}
	}
	if (domain_parse(name, out, e) < 0)
		return -1;
	m = &memo[memo_next++ % DOMAIN_CACHE];
	m->ok = str_copy(m->name, name, sizeof(m->name)) == 0;
	m->di = *out;
	return 0;
}

void
reg_domain_remember(const char *name, const struct domain_info *di)
{
	struct domain_memo *m = &memo[memo_next++ % DOMAIN_CACHE];

	m->ok = str_copy(m->name, name, sizeof(m->name)) == 0;
	m->di = *di;
}

static int
check_domain(const char *s, struct err *e)
{
	struct domain_info di;
	struct err why;

	if (reg_domain_parse(s, &di, &why) < 0) {
		err_set(e, "domain '%s' is not valid: %s", s, why.msg);
		return -1;
	}
	return 0;
}

static int
check_cidr(const char *s, struct err *e)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	unsigned char bin[16];
	long long bits;
	int v6;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(addr))
		goto bad;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	v6 = strchr(addr, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1 ||
	    str_to_ll(slash + 1, 0, v6 ? 128 : 32, &bits) < 0)
		goto bad;
	return 0;
bad:
	err_set(e, "'%s' is not an IP segment in CIDR form (e.g. 10.1.0.0/16)",
		s);
	return -1;
}

#define FIELD(n, c, t, fl)                                                     \
	{                                                                      \
		(n), (c), (t), (fl), NULL, 0, REG_STRING_MAX, NULL, NULL, NULL \
	}
#define STR(n, c, fl, chk)                                                     \
	{                                                                      \
		(n), (c), F_STRING, (fl), NULL, 0, REG_STRING_MAX, (chk),      \
		    NULL, NULL                                                 \
	}
#define REF(n, c, fl, chk, to)                                                 \
	{                                                                      \
		(n), (c), F_STRING, (fl), NULL, 0, REG_STRING_MAX, (chk),      \
		    NULL, (to)                                                 \
	}
#define ENUM(n, c, fl, ch)                                                     \
	{                                                                      \
		(n), (c), F_ENUM, (fl), (ch), 0, 0, NULL, NULL, NULL           \
	}
#define INT(n, c, lo, hi)                                                      \
	{                                                                      \
		(n), (c), F_INT, 0, NULL, (lo), (hi), NULL, NULL, NULL         \
	}
#define LIST(n, c, chk)                                                        \
	{                                                                      \
		(n), (c), F_STRLIST, 0, NULL, 0, REG_STRING_MAX, (chk), NULL,  \
		    NULL                                                       \
	}
#define OBJS(n, c, sub)                                                        \
	{                                                                      \
		(n), (c), F_OBJLIST, 0, NULL, 0, 0, NULL, (sub), NULL          \
	}

/* units */
static const struct field unit_fields[] = {
    STR("uscc", "uscc", F_KEY | F_REQUIRED, check_uscc),
    STR("name", "name", F_REQUIRED, NULL),
    STR("short_name", "short_name", 0, NULL),
    ENUM("kind", "kind", F_REQUIRED, unit_kinds),
    ENUM("level", "level", F_REQUIRED, unit_levels),
    STR("region", "region", F_REQUIRED, check_region),
    STR("region_name", "region_name", 0, NULL),
    REF("parent", "parent", 0, check_uscc, "unit"),
    FIELD("establishment", "establishment", F_BOOL, 0),
    FIELD("ecert_pilot", "ecert_pilot", F_BOOL, 0),
};

static int
unit_validate(struct store *st, json_t *o, unsigned flags, struct err *e)
{
	const char *code = json_string_value(json_object_get(o, "uscc"));
	const char *kind = json_string_value(json_object_get(o, "kind"));
	const char *parent = json_string_value(json_object_get(o, "parent"));
	enum uscc_class c = uscc_class(code);

	if (parent != NULL && strcmp(parent, code) == 0) {
		err_set(e, ".parent: unit '%s' cannot be its own parent", code);
		return -1;
	}
	/* SCOPE-1: organs carry "11", institutions "12" (GOVWEB-4). */
	if (c == USCC_INSTITUTION && strcmp(kind, "institution") != 0) {
		err_set(e,
			".kind: credit code '%s' is a public institution's "
			"(starts with 12) but kind is '%s'",
			code, kind);
		return -1;
	}
	if (c == USCC_ORGAN && strcmp(kind, "institution") == 0) {
		err_set(e,
			".kind: credit code '%s' is an organ's (starts with "
			"11) but kind is 'institution'",
			code);
		return -1;
	}
	return 0;
}

static const struct entity unit_entity = {
    "unit",	   "units", "units", unit_fields, (int)ARRAY_SIZE(unit_fields),
    unit_validate, NULL};

/* outsourcing units */
static const struct field outsourcer_fields[] = {
    STR("id", "id", F_KEY | F_REQUIRED, check_id),
    STR("name", "name", F_REQUIRED, NULL),
    STR("uscc", "uscc", 0, check_uscc),
    REF("unit", "unit", F_REQUIRED, check_uscc, "unit"),
    FIELD("security_duties", "security_duties", F_BOOL, 0),
    FIELD("subcontract_consent", "subcontract_consent", F_BOOL, 0),
};

static const struct entity outsourcer_entity = {
    "outsourcer",
    "outsourcers",
    "outsourcers",
    outsourcer_fields,
    (int)ARRAY_SIZE(outsourcer_fields),
    NULL,
    NULL};

/* applications: sub-shapes first */
static const struct field domain_fields[] = {
    STR("name", NULL, F_REQUIRED, check_domain),
    ENUM("lang", NULL, 0, langs),
    FIELD("main", NULL, F_BOOL, 0),
    /* LINK-4: the registration lapses after this day unless renewed */
    FIELD("registered_until", NULL, F_DATE, 0),
    /* LINK-4: the day the registration was cancelled (注销) */
    FIELD("cancelled", NULL, F_DATE, 0),
};
static const struct entity domain_shape = {
    "domain", NULL, NULL, domain_fields, (int)ARRAY_SIZE(domain_fields),
    NULL,     NULL};

static const struct field window_fields[] = {
    STR("account", NULL, 0, NULL),
    STR("device", NULL, 0, NULL),
    FIELD("from", NULL, F_TIME, F_REQUIRED),
    FIELD("until", NULL, F_TIME, F_REQUIRED),
    STR("reason", NULL, 0, NULL),
};
static const struct entity window_shape = {
    "overseas whitelist entry",	    NULL, NULL, window_fields,
    (int)ARRAY_SIZE(window_fields), NULL, NULL};

static const struct field app_fields[] = {
    STR("id", "id", F_KEY | F_REQUIRED, check_id),
    REF("unit", "unit", F_REQUIRED, check_uscc, "unit"),
    ENUM("type", "type", F_REQUIRED, app_types),
    STR("name", "name", F_REQUIRED, NULL),
    ENUM("status", "status", 0, app_statuses),
    FIELD("opened", "opened", F_DATE, 0),
    FIELD("filed", "filed", F_BOOL, 0),
    OBJS("domains", "domains", &domain_shape),
    LIST("platforms", "platforms", NULL),
    LIST("login_channels", "login_channels", NULL),
    INT("mlps_level", "mlps_level", 1, 5),
    FIELD("critical_infrastructure", "critical", F_BOOL, 0),
    FIELD("important_business", "important_business", F_BOOL, 0),
    FIELD("last_assessment", "last_assessment", F_DATE, 0),
    FIELD("last_upgrade", "last_upgrade", F_DATE, 0),
    FIELD("staff_functions", "staff_functions", F_BOOL, 0),
    FIELD("personal_safety", "personal_safety", F_BOOL, 0),
    REF("outsourcer", "outsourcer", 0, check_id, "outsourcer"),
    FIELD("security.mfa", "mfa", F_BOOL, 0),
    INT("security.idle_timeout_minutes", "idle_timeout", 0, 10080),
    INT("security.lockout_threshold", "lockout_threshold", 0, 1000),
    FIELD("security.device_binding", "device_binding", F_BOOL, 0),
    LIST("security.ip_segments", "ip_segments", check_cidr),
    FIELD("security.device_restriction", "device_restriction", F_BOOL, 0),
    FIELD("security.overseas_access", "overseas_access", F_BOOL, 0),
    OBJS("security.overseas_whitelist", "overseas_whitelist", &window_shape),
    INT("security.log_retention_days", "log_retention_days", 0, 36500),
    FIELD("security.log_backup", "log_backup", F_BOOL, 0),
    FIELD("mail.auto_forward", "auto_forward", F_BOOL, 0),
    FIELD("mail.attachment_autodownload", "attachment_autodownload", F_BOOL, 0),
};

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int
app_validate(struct store *st, json_t *o, unsigned flags, struct err *e)
{
	const char *id = jstr(o, "id");
	json_t *doms = json_object_get(o, "domains"), *d;
	size_t i;

	/* Two live portals of a unit (SITE-1) or two main domains (SITE-2)
	 * are recorded as they are: the self-examination reports them. */
	json_array_foreach(doms, i, d)
	{
		struct domain_info di;
		struct store_val v[2];
		char *other;

		if (reg_domain_parse(jstr(d, "name"), &di, e) < 0) {
			err_prefix(e, ".domains[%zu]", i);
			return -1;
		}
		v[0] = SV_TEXT(di.alabel);
		v[1] = SV_TEXT(id);
		/* An import may move a domain between two of its records:
		 * reg_import checks the end state instead. */
		other = flags & REG_DEFER_REFS
			    ? NULL
			    : store_query_text(st,
					       "SELECT app FROM domains WHERE "
					       "name = ? AND app <> ?",
					       v, 2);
		if (other != NULL) {
			err_set(e,
				".domains[%zu]: '%s' is already registered to "
				"application '%s'",
				i, jstr(d, "name"), other);
			free(other);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			struct domain_info dj;

			if (reg_domain_parse(
				jstr(json_array_get(doms, j), "name"), &dj,
				NULL) == 0 &&
			    strcmp(dj.alabel, di.alabel) == 0) {
				err_set(e,
					".domains[%zu]: '%s' is listed twice",
					i, jstr(d, "name"));
				return -1;
			}
		}
	}
	return 0;
}

static int
app_after_put(struct store *st, json_t *o, unsigned flags, struct err *e)
{
	const char *id = jstr(o, "id");
	json_t *doms = json_object_get(o, "domains"), *d;
	struct store_val v[8];
	size_t i;

	v[0] = SV_TEXT(id);
	/* A new application has no domains to replace. */
	if (!(flags & REG_NEW) &&
	    store_exec(st, "DELETE FROM domains WHERE app = ?", v, 1, e) < 0)
		return -1;
	json_array_foreach(doms, i, d)
	{
		struct domain_info di;
		const char *lang = jstr(d, "lang");

		if (reg_domain_parse(jstr(d, "name"), &di, e) < 0)
			return -1;
		if (lang == NULL)
			lang = di.is_idn ? "zh" : "en";
		v[0] = SV_TEXT(di.alabel);
		v[1] = SV_TEXT(id);
		v[2] = SV_TEXT(di.ulabel);
		v[3] = SV_TEXT(lang);
		v[4] = SV_INT(json_is_true(json_object_get(d, "main")));
		v[5] = SV_INT(di.suffix);
		v[6] = SV_TEXT(jstr(d, "registered_until"));
		v[7] = SV_TEXT(jstr(d, "cancelled"));
		if (store_exec(
			st,
			"INSERT INTO domains(name, app, unicode, lang, "
			"main, suffix, registered_until, cancelled) VALUES "
			"(?,?,?,?,?,?,?,?) ON "
			"CONFLICT(name) DO UPDATE SET app = excluded.app, "
			"unicode = excluded.unicode, lang = excluded.lang, "
			"main = excluded.main, suffix = excluded.suffix, "
			"registered_until = excluded.registered_until, "
			"cancelled = excluded.cancelled",
			v, 8, e) < 0)
			return -1;
	}
	return 0;
}

static const struct entity app_entity = {"app",
					 "applications",
					 "apps",
					 app_fields,
					 (int)ARRAY_SIZE(app_fields),
					 app_validate,
					 app_after_put};

/* people */
static const struct field person_fields[] = {
    STR("id", "id", F_KEY | F_REQUIRED, check_id),
    STR("name", "name", F_REQUIRED, NULL),
    REF("unit", "unit", F_REQUIRED, check_uscc, "unit"),
    ENUM("kind", "kind", F_REQUIRED, person_kinds),
    REF("outsourcer", "outsourcer", 0, check_id, "outsourcer"),
};

static int
person_validate(struct store *st, json_t *o, unsigned flags, struct err *e)
{
	const char *kind = jstr(o, "kind"), *os = jstr(o, "outsourcer");

	if (strcmp(kind, "outsourced") == 0 && os == NULL) {
		err_set(e, ".outsourcer: an outsourced person needs the id of "
			   "the outsourcing unit");
		return -1;
	}
	if (strcmp(kind, "staff") == 0 && os != NULL) {
		err_set(e,
			".outsourcer: in-house staff cannot belong to "
			"outsourcing unit '%s'",
			os);
		return -1;
	}
	return 0;
}

static const struct entity person_entity = {"person",
					    "people",
					    "people",
					    person_fields,
					    (int)ARRAY_SIZE(person_fields),
					    person_validate,
					    NULL};

/* grants */
static const struct field grant_fields[] = {
    STR("id", "id", F_KEY | F_REQUIRED, check_id),
    REF("person", "person", F_REQUIRED, check_id, "person"),
    REF("app", "app", 0, check_id, "app"),
    STR("scope", "scope", F_REQUIRED, NULL),
    ENUM("privilege", "privilege", F_REQUIRED, privileges),
    FIELD("expires", "expires", F_DATE, 0),
    FIELD("active", "active", F_BOOL, 0),
    STR("authorized_by", "authorized_by", 0, NULL),
    REF("authorizer", "authorizer", 0, check_id, "person"),
    ENUM("needed_privilege", "needed_privilege", 0, privileges),
};

static const struct entity grant_entity = {
    "grant", "grants", "grants", grant_fields, (int)ARRAY_SIZE(grant_fields),
    NULL,    NULL};

const struct entity *const reg_entities[] = {
    &unit_entity,   &outsourcer_entity, &app_entity,
    &person_entity, &grant_entity,
};
const int reg_nentities = (int)ARRAY_SIZE(reg_entities);

const struct entity *
reg_entity(const char *name)
{
	for (int i = 0; i < reg_nentities; i++)
		if (strcmp(reg_entities[i]->name, name) == 0 ||
		    strcmp(reg_entities[i]->plural, name) == 0)
			return reg_entities[i];
	return NULL;
}

const struct field *
reg_field(const struct entity *ent, const char *name)
{
	for (int i = 0; i < ent->nfields; i++)
		if (ent->fields[i].name[0] == name[0] &&
		    strcmp(ent->fields[i].name, name) == 0)
			return &ent->fields[i];
	return NULL;
}

const char *
reg_key(const struct entity *ent, json_t *obj)
{
	for (int i = 0; i < ent->nfields; i++)
		if (ent->fields[i].flags & F_KEY)
			return json_string_value(
			    json_object_get(obj, ent->fields[i].name));
	return NULL;
}
