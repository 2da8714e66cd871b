/*
 * registry.h: the public face of src/registry, the truth about units,
 * applications, outsourcing units, people and grants (SCOPE, SITE, APP,
 * NAME, OUT), plus the validators for credit codes, domains and online
 * names. Every record is JSON at the edges (CLI, API, import) and described
 * by one field table, so validation, storage and export share one path.
 * All JSON handed in is untrusted.
 */
#ifndef GOVSEC_REGISTRY_H
#define GOVSEC_REGISTRY_H

#include <stdio.h>

#include <jansson.h>

#include "base/base.h"
#include "store/store.h"

/* Limits on import (documented in docs/registry.md). */
#define REG_IMPORT_MAX (1024ULL * 1024 * 1024) /* bytes per file */
#define REG_RECORD_MAX (256 * 1024)	       /* bytes per record */
#define REG_STRING_MAX 1024		       /* bytes per string */
#define REG_LIST_MAX   256		       /* items per list */
#define REG_ID_MAX     64		       /* bytes of an id */

/* uscc.c */
/*
 * Unified social credit codes (GB 32100-2015): 18 characters from
 * 0-9A-HJ-NPQRTUWXY; [0] registration authority, [1] unit category, [2..7]
 * 6-digit administrative region code, [8..16] organization code (GB 11714),
 * [17] check character with weights 3^i mod 31.
 */
#define USCC_LEN 18
enum uscc_class {
	USCC_ORGAN, /* "11": organ (机关) registered by an establishment dept */
	USCC_INSTITUTION, /* "12": public institution (事业单位) */
	USCC_OTHER,
};
/*
 * Checks code (NUL-terminated, untrusted). Returns 0 if valid; -1 if not, with
 * why set to one line naming the problem and position, e.g. "check character
 * is 'Y', expected 'K'". warn (may be NULL) receives non-fatal remarks, e.g.
 * an organization-code check digit that does not match ("" if none).
 */
int uscc_check(const char *code, struct err *why, struct err *warn);
/* The check character for the first 17 characters, or 0 if they are not
 * all from the code alphabet. */
char uscc_check_char(const char *first17);
/* Class by the first two characters; valid codes only. */
enum uscc_class uscc_class(const char *code);

/* domain.c */
enum domain_suffix {
	DOMAIN_ORGAN,	    /* .gov.cn or .政务 (xn--zfr164b) */
	DOMAIN_INSTITUTION, /* other .cn, or .公益 (xn--55qw42g) */
	DOMAIN_OTHER,
};
#define DOMAIN_MAX 254
struct domain_info {
	char alabel[DOMAIN_MAX];      /* IDNA2008 A-label form, lower case */
	char ulabel[DOMAIN_MAX * 4];  /* Unicode (U-label) form, UTF-8 */
	char registrable[DOMAIN_MAX]; /* registrable domain (libpsl), A-label */
	enum domain_suffix suffix;
	int is_idn; /* 1 if any label is an IDN */
};
/*
 * Parses a host name given in either form (UTF-8 or A-labels, any case, one
 * trailing dot allowed) per IDNA2008/UTS 46 (libidn2). Returns 0 and fills
 * out, or -1 with why set ("label 'x' ..."). Input longer than 1024 bytes is
 * refused, and so are IP addresses and bare public suffixes ("gov.cn",
 * "政务"), which have no registrable domain.
 */
int domain_parse(const char *name, struct domain_info *out, struct err *why);
const char *domain_suffix_name(enum domain_suffix s); /* "organ", ... */

/* naming.c */
/*
 * NAME-1 verdict for an online name of a unit: it must start with the unit's
 * full name or its standard short name; else region name + function name,
 * with the unit's name shown prominently (a "review" verdict: the machine
 * cannot see prominence). Names are compared after NFC-free exact UTF-8
 * matching with ASCII case folded and spaces ignored. reason (may be NULL)
 * receives one line explaining the verdict, whatever it is.
 */
enum name_verdict { NAME_PASS, NAME_REVIEW, NAME_FAIL };
struct name_unit {
	const char *name;	 /* full name, e.g. 江门市人民政府 */
	const char *short_name;	 /* may be NULL or "" */
	const char *region_name; /* e.g. 江门市; may be NULL or "" */
};
enum name_verdict name_check(const char *online_name,
			     const struct name_unit *unit, struct err *reason);
const char *name_verdict_str(enum name_verdict v); /* "pass", ... */

/* entity.c */
enum field_type {
	F_STRING,
	F_BOOL,
	F_INT,
	F_DATE, /* "YYYY-MM-DD" */
	F_TIME, /* RFC 3339 */
	F_ENUM,
	F_STRLIST, /* array of strings, stored as JSON text */
	F_OBJLIST, /* array of objects of a sub-shape, stored as JSON text */
};
#define F_REQUIRED 1u
#define F_KEY	   2u

struct entity;
struct field {
	const char *name;   /* JSON name; "a.b" nests under "a" */
	const char *column; /* store column (NULL for sub-shapes) */
	enum field_type type;
	unsigned flags;
	const char *const *choices; /* F_ENUM: NULL-terminated */
	long long min, max;	    /* F_INT range; strings: max bytes */
	/* extra check of a string or of each list item; 0 or -1 with e set */
	int (*check)(const char *s, struct err *e);
	const struct entity *sub; /* F_OBJLIST item shape */
	const char *ref;	  /* entity this field refers to */
};

struct entity {
	const char *name;   /* "unit" */
	const char *plural; /* "units": its array in the import file */
	const char *table;  /* NULL for sub-shapes */
	const struct field *fields;
	int nfields;
	/* cross-field rules on a parsed record; 0 or -1 with e set */
	int (*validate)(struct store *st, json_t *obj, unsigned flags,
			struct err *e);
	/* after the row is written (e.g. the domains index) */
	int (*after_put)(struct store *st, json_t *obj, unsigned flags,
			 struct err *e);
};

/* domain_parse with a small per-thread cache: a record's domains are
 * checked, validated and indexed without parsing each more than once. */
int reg_domain_parse(const char *name, struct domain_info *out, struct err *e);

/* The top-level entities in dependency order (the export order). */
extern const struct entity *const reg_entities[];
extern const int reg_nentities;
const struct entity *reg_entity(const char *name); /* by name or plural */
const struct field *reg_field(const struct entity *ent, const char *name);
/* The key field's value in obj, or NULL. */
const char *reg_key(const struct entity *ent, json_t *obj);

/* record.c */
/*
 * Checks obj (untrusted) against ent's fields: unknown fields, types,
 * required fields, enums, ranges, string limits and per-field checks.
 * path is the JSON path of obj, used in messages ("$.units[3].uscc: ...").
 * Returns 0 or -1 with e set.
 */
int reg_parse(const struct entity *ent, json_t *obj, const char *path,
	      struct err *e);
/*
 * Validates obj and writes it (insert or replace by key) inside one
 * transaction (the caller's if any). With REG_AUDIT it appends the audit
 * record (before/after digests); with REG_DEFER_REFS references to records
 * not yet present are left for reg_check_refs (import). *created (may be
 * NULL) tells whether it was new. Returns 0 or -1 with e set; path names
 * obj in messages.
 */
#define REG_AUDIT      1u
#define REG_DEFER_REFS 2u
#define REG_VALIDATED  4u /* obj has passed reg_parse already */
int reg_put(struct store *st, const struct entity *ent, json_t *obj,
	    const char *path, const char *actor, unsigned flags, int *created,
	    struct err *e);
/* Finds a reference left dangling (after a deferred import): returns 1 and
 * sets *ent, key, field and target, 0 if all resolve, -1 on error. */
int reg_check_refs(struct store *st, const struct entity **ent, char *key,
		   size_t keylen, const struct field **field, char *target,
		   size_t targetlen, struct err *e);
/* The record with that key as a new JSON object, or NULL if none. */
json_t *reg_get(struct store *st, const struct entity *ent, const char *key);
/* Calls fn for each record (ordered by key) as a borrowed JSON object;
 * where_col/where_val optionally filter on one column. fn returns 0 to go
 * on, -1 to fail. */
int reg_each(struct store *st, const struct entity *ent, const char *where_col,
	     const char *where_val, int (*fn)(void *arg, json_t *obj),
	     void *arg, struct err *e);
/* Removes a record; fails with a clear message if others refer to it. */
int reg_rm(struct store *st, const struct entity *ent, const char *key,
	   const char *actor, struct err *e);
/* Sets val (reference taken) at the dotted name ("security.mfa") in obj,
 * making the inner objects as needed. */
void reg_set_path(json_t *obj, const char *name, json_t *val);
/* Canonical JSON text of a record (free()). */
char *reg_canonical(json_t *obj);

/* import.c */
struct reg_counts {
	long long n[8]; /* per reg_entities[] index */
};
/*
 * Imports a registry JSON document (untrusted, at most REG_IMPORT_MAX
 * bytes): {"units": [...], "outsourcers": [...], "applications": [...],
 * "people": [...], "grants": [...]}. Records are added or replaced by key.
 * All or nothing: one transaction. On error, e names source, line and JSON
 * path. Appends one audit record with the document's SM3 digest.
 */
int reg_import(struct store *st, const char *text, size_t len,
	       const char *source, const char *actor, struct reg_counts *c,
	       struct err *e);
/* Writes the whole registry in the import format, canonical and stable:
 * export | import | export gives the same bytes. */
int reg_export(struct store *st, FILE *out, struct err *e);

/* schema.c */
/* The JSON Schema of the import document, built from the field tables. */
json_t *reg_schema(void);

/* platforms.c */
/* Loads the registered distribution-platform list (APP-1) from a JSON file
 * of {"platforms": [{"name": ..., "aliases": [...]}]}; NULL path means the
 * shipped data/platforms.json. Returns 0 or -1 with e set. */
int platforms_load(const char *path, struct err *e);
/* Loads the shipped list unless one is in force; 0, or -1 with e set. */
int platforms_ready(struct err *e);
/* 1 if name (any alias, ASCII case folded) is a registered platform or
 * "own-website". */
int platforms_registered(const char *name);

#endif
