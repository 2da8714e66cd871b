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
/* Puts a parse made elsewhere (the import's scanner thread) into this
 * thread's cache: name (a valid domain) parses as di. */
void reg_domain_remember(const char *name, const struct domain_info *di);

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
#define REG_VALIDATED  4u  /* obj has passed reg_parse already */
#define REG_RULES_DONE 8u  /* reg_validate has passed obj already */
#define REG_NEW	       16u /* no record of obj's key was stored before */
int reg_put(struct store *st, const struct entity *ent, json_t *obj,
	    const char *path, const char *actor, unsigned flags, int *created,
	    struct err *e);
/*
 * A record's row as reg_put binds it: each field's value (lists as JSON
 * text in lists, strings pointing into obj, which must outlive the row) and the
 * time written. reg_row_make needs no store, so another thread (the
 * import's scanner) can make it; reg_put_row writes it as reg_put would
 * (obj must have passed reg_parse). updated is filled on the write if
 * empty. reg_row_make returns 0, or -1 with e set (lists too long to
 * store).
 */
#define REG_FIELDS_MAX 64
struct reg_row {
	struct store_val v[REG_FIELDS_MAX];
	char *lists; /* the lists' JSON text, one heap block */
	char updated[32];
};
int reg_row_make(const struct entity *ent, json_t *obj, struct reg_row *row,
		 const char *path, struct err *e);
/* reg_parse, then reg_row_make, looking each field up once. */
int reg_parse_row(const struct entity *ent, json_t *obj, const char *path,
		  struct reg_row *row, struct err *e);
void reg_row_free(struct reg_row *row);
int reg_put_row(struct store *st, const struct entity *ent, json_t *obj,
		struct reg_row *row, const char *path, const char *actor,
		unsigned flags, int *created, struct err *e);
/* The cross-field rules of ent on obj without a store (so flags must hold
 * REG_DEFER_REFS); e as reg_put would set it. 0 or -1. */
int reg_validate(const struct entity *ent, json_t *obj, const char *path,
		 unsigned flags, struct err *e);
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
/* reg_each restricted by scope_where (sc NULL or SCOPE_ALL: all). */
struct scope;
int reg_each_in(struct store *st, const struct entity *ent,
		const struct scope *sc, const char *where_col,
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

/* scope.c */
/*
 * What a console account may see and change (docs/api.md, "Scopes"): all
 * units, one unit and its subordinates (the units.parent tree), or the
 * units of a region (a GB/T 2260 code prefix of units.region). A record
 * belongs to a unit: a unit to itself; an outsourcer, an application and a
 * person to their unit field; a grant to its person's unit.
 */
enum scope_kind { SCOPE_ALL, SCOPE_UNIT, SCOPE_REGION };
#define SCOPE_REGION_DIGITS 6
struct scope {
	enum scope_kind kind;
	char code[USCC_LEN + 1]; /* the unit's credit code or region prefix */
	struct map units;	 /* credit codes in scope, after scope_load */
	struct map objects;	 /* "kind:key" in scope, after scope_objects */
};
/*
 * Sets sc (scope_init'ed) from an account's scope: unit (a credit code),
 * region (2, 4 or 6 digits; trailing "00" pairs of a 6-digit code are
 * dropped, so "440700" is the prefix "4407") or neither (all units). Both
 * untrusted. Returns 0, or -1 with e set.
 */
void scope_init(struct scope *sc);
void scope_cleanup(struct scope *sc);
int scope_set(struct scope *sc, const char *unit, const char *region,
	      struct err *e);
/* Loads the credit codes in scope (nothing for SCOPE_ALL); 0 or -1. The
 * checks below judge by what it found: load it once per request. */
int scope_load(struct store *st, struct scope *sc, struct err *e);
/* Loads the "kind:key" names (as audit records name objects) of every
 * registry record in scope; 0 or -1 with e set. */
int scope_objects(struct store *st, struct scope *sc, struct err *e);
/* 1 if the unit uscc is in scope (always for SCOPE_ALL), else 0. */
int scope_has(const struct scope *sc, const char *uscc);
/* 1 if an audit record's object ("unit:USCC", "app:ID", "finding:RULE@ID")
 * is a record in scope (needs scope_objects); always 1 for SCOPE_ALL. */
int scope_audit_object(const struct scope *sc, const char *object);
/* "all", "unit" or "region". */
const char *scope_kind_name(enum scope_kind k);
/*
 * Appends to sql an SQL condition that keeps only ent's rows in scope and
 * sets *v to its one parameter; returns the number of parameters (0 for
 * SCOPE_ALL: nothing is appended).
 */
int scope_where(const struct scope *sc, const struct entity *ent,
		struct buf *sql, struct store_val *v);
/* 1 if the stored record obj of ent belongs to a unit in scope, else 0. */
int scope_record(struct store *st, const struct scope *sc,
		 const struct entity *ent, json_t *obj);
/* 1 if the registry record named key of any kind (a credit code or an id,
 * as findings name their objects) exists and is in scope, else 0. */
int scope_object(struct store *st, const struct scope *sc, const char *key);
/* 1 if host is a domain of an application of a unit in scope. */
int scope_host(struct store *st, const struct scope *sc, const char *host);
/*
 * reg_get, reg_put and reg_rm within a scope: a record out of scope is not
 * there for scope_get (NULL); scope_put and scope_rm refuse (-1, e says
 * "outside the scope") to change a record that is, or would be, out of
 * scope, or that refers to one. A unit keeps the parent it has, which may
 * be outside (the scope's own unit hangs there); a new parent must be in
 * scope and not below the unit. The check and the write share one
 * transaction.
 */
json_t *scope_get(struct store *st, const struct scope *sc,
		  const struct entity *ent, const char *key);
int scope_put(struct store *st, const struct scope *sc,
	      const struct entity *ent, json_t *obj, const char *path,
	      const char *actor, int *created, struct err *e);
int scope_rm(struct store *st, const struct scope *sc, const struct entity *ent,
	     const char *key, const char *actor, struct err *e);
/* The number of ent's records in scope, or -1 on error. */
long long scope_count(struct store *st, const struct scope *sc,
		      const struct entity *ent);

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
