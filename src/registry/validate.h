/*
 * validate.h: stand-alone validators of the registry part (unified social
 * credit codes, domain names, online names). A temporary home: the lead
 * folds this content verbatim into registry/registry.h. Every function here
 * treats its string input as untrusted.
 */
#ifndef GOVSEC_REGISTRY_VALIDATE_H
#define GOVSEC_REGISTRY_VALIDATE_H

#include "base/base.h"

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

#endif
