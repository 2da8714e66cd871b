/*
 * naming.c: the NAME-1 check of online names (website, domain, app and
 * account names) against the unit's full name, short name and region name.
 * The online name is untrusted input; the unit's names come from the
 * registry and are checked for UTF-8 too. Nothing is allocated.
 */
#include <string.h>

#include "registry/registry.h"

#define QUOTE_MAX 96 /* bytes of a name quoted in a reason */

/* Bytes of the space at s (ASCII space or tab, U+00A0, U+3000), or 0. */
static size_t
space_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	/* Short-circuit tests never read past the terminator. */
	if (u[0] == ' ' || u[0] == '\t')
		return 1;
	if (u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

static const char *
skip_spaces(const char *s)
{
	size_t n;

	while ((n = space_len(s)) > 0)
		s += n;
	return s;
}

static char
fold(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c;
}

/* 1 if s has something other than spaces. */
static int
has_text(const char *s)
{
	return s != NULL && *skip_spaces(s) != '\0';
}

/*
 * If name starts with prefix (spaces ignored in both, ASCII case folded),
 * returns the rest of name after it; else NULL. Both are valid UTF-8, so a
 * byte-wise match ends on a character boundary.
 */
static const char *
match_prefix(const char *name, const char *prefix)
{
	for (;;) {
		name = skip_spaces(name);
		prefix = skip_spaces(prefix);
		if (*prefix == '\0')
			return name;
		if (fold(*name) != fold(*prefix))
			return NULL;
		name++;
		prefix++;
	}
}

static int
valid_text(const char *s)
{
	return s == NULL || str_utf8_valid(s, strlen(s));
}

/*
 * The region name without its administrative suffix ("江门市" -> "江门"),
 * as region + function names are usually written ("江门易办事"); "" when
 * nothing is left to strip or the stem would be under two characters.
 */
static void
region_stem(const char *region, char *out, size_t n)
{
	static const char *const suffixes[] = {
	    "特别行政区", "自治区", "自治州", "自治县", "街道",
	    "市",	  "县",	    "区",     "省",	"州",
	    "盟",	  "旗",	    "镇",     "乡",	NULL};
	size_t len = strlen(region);

	out[0] = '\0';
	for (int i = 0; suffixes[i] != NULL; i++) {
		size_t sl = strlen(suffixes[i]);

		if (len > sl && str_ends(region, suffixes[i]) && len - sl < n) {
			memcpy(out, region, len - sl);
			out[len - sl] = '\0';
			if (str_utf8_len(out) < 2)
				out[0] = '\0';
			return;
		}
	}
}

enum name_verdict
name_check(const char *online_name, const struct name_unit *unit,
	   struct err *reason)
{
	char qn[QUOTE_MAX + 4], qu[QUOTE_MAX + 4], qs[QUOTE_MAX + 4];
	const char *rest;

	if (unit == NULL || !has_text(unit->name)) {
		err_set(reason, "the unit has no name to compare with");
		return NAME_FAIL;
	}
	if (!valid_text(unit->name) || !valid_text(unit->short_name) ||
	    !valid_text(unit->region_name)) {
		err_set(reason, "the unit's names are not valid UTF-8");
		return NAME_FAIL;
	}
	if (online_name == NULL || !has_text(online_name)) {
		err_set(reason, "online name is empty");
		return NAME_FAIL;
	}
	if (!str_utf8_valid(online_name, strlen(online_name))) {
		err_set(reason, "online name is not valid UTF-8 or has control "
				"characters");
		return NAME_FAIL;
	}
	str_quote(online_name, qn, QUOTE_MAX);
	str_quote(unit->name, qu, QUOTE_MAX);
	if (match_prefix(online_name, unit->name) != NULL) {
		err_set(reason,
			"online name '%s' starts with the unit name '%s'", qn,
			qu);
		return NAME_PASS;
	}
	if (has_text(unit->short_name) &&
	    match_prefix(online_name, unit->short_name) != NULL) {
		err_set(reason,
			"online name '%s' starts with the unit short name '%s'",
			qn, str_quote(unit->short_name, qs, QUOTE_MAX));
		return NAME_PASS;
	}
	if (has_text(unit->region_name)) {
		char stem[256];

		rest = match_prefix(online_name, unit->region_name);
		region_stem(unit->region_name, stem, sizeof(stem));
		if (rest == NULL && stem[0] != '\0')
			rest = match_prefix(online_name, stem);
		if (rest != NULL && *rest != '\0') {
			err_set(reason,
				"online name '%s' is region name '%s' plus a "
				"function name: the unit name '%s' must be "
				"shown prominently",
				qn, str_quote(unit->region_name, qs, QUOTE_MAX),
				qu);
			return NAME_REVIEW;
		}
	}
	if (has_text(unit->short_name))
		err_set(reason,
			"online name '%s' starts with neither the unit name "
			"'%s' nor its short name '%s'",
			qn, qu, str_quote(unit->short_name, qs, QUOTE_MAX));
	else
		err_set(reason,
			"online name '%s' does not start with the unit name "
			"'%s'",
			qn, qu);
	return NAME_FAIL;
}

const char *
name_verdict_str(enum name_verdict v)
{
	switch (v) {
	case NAME_PASS:
		return "pass";
	case NAME_REVIEW:
		return "review";
	case NAME_FAIL:
		return "fail";
	}
	return "unknown";
}
