/*
 * domain.c: parses host names typed by users (UTF-8 or A-labels) into their
 * IDNA2008 A-label and U-label forms (libidn2, UTS 46 non-transitional),
 * finds the registrable domain (libpsl built-in list) and classes the
 * suffix for SITE-3. The name is untrusted input; libidn2 and libpsl are
 * trusted. Nothing is kept between calls.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>
#include <libpsl.h>

#include "registry/registry.h"

#define INPUT_MAX  1024 /* longest input accepted, bytes */
#define LABEL_MAX  63	/* longest A-label, bytes */
#define DNAME_MAX  253	/* longest A-label name without the root dot */
#define QUOTE_MAX  64	/* bytes of untrusted text quoted in messages */
#define IDN_FLAGS  (IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT)
#define TLD_ORGAN  "xn--zfr164b" /* 政务 */
#define TLD_PUBLIC "xn--55qw42g" /* 公益 */

/* A label in both forms, as parse_label() returns it. */
struct label {
	char a[LABEL_MAX + 1];
	char u[LABEL_MAX * 4 + 1];
};

/*
 * Copies in to out (at least strlen(in) + 1 bytes), turning the
 * ideographic, full-width and half-width full stops into '.', which UTS 46
 * makes label separators.
 */
static void
map_dots(const char *in, char *out)
{
	static const char *const dots[] = {
	    "\xe3\x80\x82", /* U+3002 IDEOGRAPHIC FULL STOP */
	    "\xef\xbc\x8e", /* U+FF0E FULLWIDTH FULL STOP */
	    "\xef\xbd\xa1", /* U+FF61 HALFWIDTH IDEOGRAPHIC FULL STOP */
	};
	size_t o = 0;

	while (*in != '\0') {
		size_t i;

		/* Short-circuit tests never read past the terminator. */
		for (i = 0; i < ARRAY_SIZE(dots); i++)
			if (in[0] == dots[i][0] && in[1] == dots[i][1] &&
			    in[2] == dots[i][2])
				break;
		if (i < ARRAY_SIZE(dots)) {
			out[o++] = '.';
			in += 3;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = '\0';
}

/* 1 if s is an IPv4 or IPv6 address literal (IPv6 maybe in brackets). */
static int
is_ip_literal(const char *s)
{
	unsigned char addr[16];
	char inner[INPUT_MAX + 1];
	size_t n = strlen(s);

	if (inet_pton(AF_INET, s, addr) == 1)
		return 1;
	if (n >= 2 && n <= INPUT_MAX && s[0] == '[' && s[n - 1] == ']') {
		memcpy(inner, s + 1, n - 2);
		inner[n - 2] = '\0';
		s = inner;
	}
	return strchr(s, ':') != NULL && inet_pton(AF_INET6, s, addr) == 1;
}

/* 1 if the n bytes at s are all decimal digits (n > 0). */
static int
all_digits(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* 1 if the label of n bytes is a number as IPv4 parsers read it. */
static int
numeric_label(const char *s, size_t n)
{
	if (n >= 2 && s[0] == '0' && s[1] == 'x') {
		for (size_t i = 2; i < n; i++)
			if (strchr("0123456789abcdef", s[i]) == NULL)
				return 0;
		return 1;
	}
	return all_digits(s, n);
}

/*
 * Refuses a lower-case A-label name that URL parsers would take for an
 * IPv4 address (all labels numeric) or whose top-level label is a number.
 */
static int
check_numeric(const char *alabel, const char *name, struct err *why)
{
	const char *p = alabel, *dot, *tld = alabel;
	int numeric = 1;
	char q[QUOTE_MAX + 4];

	for (;;) {
		dot = strchr(p, '.');
		if (!numeric_label(p, dot ? (size_t)(dot - p) : strlen(p)))
			numeric = 0;
		if (dot == NULL)
			break;
		p = dot + 1;
		tld = p;
	}
	if (numeric) {
		err_set(why, "'%s' is an IP address, not a domain name",
			str_quote(name, q, QUOTE_MAX));
		return -1;
	}
	if (all_digits(tld, strlen(tld))) {
		err_set(why, "top-level label '%s' of '%s' is all digits", tld,
			str_quote(name, q, QUOTE_MAX));
		return -1;
	}
	return 0;
}

/*
 * Converts one label (UTF-8, no dots, not empty) to its A-label and
 * U-label forms. Returns 0, or -1 with why set naming the label.
 */
static int
ascii_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int
parse_label(const char *in, struct label *out, struct err *why)
{
	char *a = NULL, *u = NULL, *again = NULL, q[QUOTE_MAX + 4];
	size_t n = strlen(in);
	int rc;

	/*
	 * Fast path: a plain LDH label that is no A-label maps to its lower
	 * case under UTS 46; anything else (hyphens at the edges or in
	 * positions 3-4, non-ASCII) takes libidn2's path and its messages.
	 */
	if (n > 0 && n <= LABEL_MAX && strncasecmp(in, "xn--", 4) != 0 &&
	    ascii_alnum(in[0]) && ascii_alnum(in[n - 1]) &&
	    !(n >= 4 && in[2] == '-' && in[3] == '-')) {
		size_t i;

		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)in[i];

			if (!ascii_alnum((char)c) && c != '-')
				break;
			out->a[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		if (i == n) {
			out->a[n] = '\0';
			memcpy(out->u, out->a, n + 1);
			return 0;
		}
	}
	rc = idn2_to_ascii_8z(in, &a, IDN_FLAGS);
	/* libidn2 encodes into a 63-byte buffer: too big means too long. */
	if (rc == IDN2_TOO_BIG_LABEL || rc == IDN2_TOO_BIG_DOMAIN ||
	    rc == IDN2_PUNYCODE_BIG_OUTPUT) {
		err_set(why, "label '%s' is longer than 63 bytes",
			str_quote(in, q, QUOTE_MAX));
		goto fail;
	}
	if (rc != IDN2_OK) {
		err_set(why, "label '%s' is not %s: %s",
			str_quote(in, q, QUOTE_MAX),
			strncasecmp(in, "xn--", 4) == 0 ? "a valid A-label"
							: "valid",
			idn2_strerror(rc));
		goto fail;
	}
	n = strlen(a);
	if (n == 0) {
		err_set(why, "label '%s' is empty after mapping",
			str_quote(in, q, QUOTE_MAX));
		goto fail;
	}
	if (strchr(a, '.') != NULL) {
		err_set(why, "label '%s' maps to more than one label",
			str_quote(in, q, QUOTE_MAX));
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-')
			continue;
		if (c >= 0x20 && c < 0x7f)
			err_set(why, "label '%s' has invalid character '%c'",
				str_quote(in, q, QUOTE_MAX), c);
		else
			err_set(why, "label '%s' has invalid byte 0x%02x",
				str_quote(in, q, QUOTE_MAX), c);
		goto fail;
	}
	if (a[0] == '-' || a[n - 1] == '-') {
		err_set(why, "label '%s' starts or ends with a hyphen",
			str_quote(in, q, QUOTE_MAX));
		goto fail;
	}
	if (n > LABEL_MAX) {
		err_set(why, "label '%s' is longer than 63 bytes",
			str_quote(in, q, QUOTE_MAX));
		goto fail;
	}
	memcpy(out->a, a, n + 1);
	if (strncmp(a, "xn--", 4) != 0) {
		memcpy(out->u, a, n + 1);
		idn2_free(a);
		return 0;
	}
	/* An A-label must decode, and encode back to itself. */
	rc = idn2_to_unicode_8z8z(a, &u, 0);
	if (rc == IDN2_OK)
		rc = idn2_to_ascii_8z(u, &again, IDN_FLAGS);
	if (rc != IDN2_OK || strcmp(again, a) != 0 ||
	    str_copy(out->u, u, sizeof(out->u)) < 0) {
		err_set(why, "label '%s' is not a valid A-label",
			str_quote(in, q, QUOTE_MAX));
		goto fail;
	}
	idn2_free(a);
	idn2_free(u);
	idn2_free(again);
	return 0;
fail:
	idn2_free(a);
	idn2_free(u);
	idn2_free(again);
	return -1;
}

/* Appends label s to name (size n) after a dot unless name is empty. */
static int
join(char *name, size_t n, const char *s)
{
	size_t len = strlen(name);
	const char *sep = len > 0 ? "." : "";

	if (str_fmt(name + len, n - len, "%s%s", sep, s) < 0)
		return -1;
	return 0;
}

/*
 * Sets d->registrable from d->alabel: the last two labels under the
 * 政务 and 公益 TLDs (whatever libpsl knows of them), libpsl otherwise.
 */
static int
find_registrable(struct domain_info *d, const char *name, struct err *why)
{
	const psl_ctx_t *psl = psl_builtin();
	const char *reg = NULL, *p;
	char q[QUOTE_MAX + 4];
	size_t n = strlen(d->alabel);
	int dots = 0;

	if (str_ends(d->alabel, "." TLD_ORGAN) ||
	    str_ends(d->alabel, "." TLD_PUBLIC) || psl == NULL) {
		/* Last two labels, if there are two; also without libpsl. */
		for (p = d->alabel + n; p > d->alabel; p--) {
			if (p[-1] == '.' && ++dots == 2)
				break;
		}
		if (dots >= 1)
			reg = p;
	} else {
		reg = psl_registrable_domain(psl, d->alabel);
	}
	if (reg == NULL) {
		err_set(why, "'%s' is a public suffix, not a registrable name",
			str_quote(name, q, QUOTE_MAX));
		return -1;
	}
	str_copy(d->registrable, reg, sizeof(d->registrable));
	return 0;
}

static enum domain_suffix
classify(const char *alabel)
{
	if (str_ends(alabel, ".gov.cn") || strcmp(alabel, TLD_ORGAN) == 0 ||
	    str_ends(alabel, "." TLD_ORGAN))
		return DOMAIN_ORGAN;
	if (str_ends(alabel, ".cn") || strcmp(alabel, TLD_PUBLIC) == 0 ||
	    str_ends(alabel, "." TLD_PUBLIC))
		return DOMAIN_INSTITUTION;
	return DOMAIN_OTHER;
}

int
domain_parse(const char *name, struct domain_info *out, struct err *why)
{
	char norm[INPUT_MAX + 1], q[QUOTE_MAX + 4];
	struct domain_info d;
	struct label lab;
	size_t len;
	char *p, *dot;

	if (name == NULL) {
		err_set(why, "no domain name given");
		return -1;
	}
	len = strnlen(name, INPUT_MAX + 1);
	if (len > INPUT_MAX) {
		err_set(why, "domain name is longer than %d bytes", INPUT_MAX);
		return -1;
	}
	if (len == 0) {
		err_set(why, "domain name is empty");
		return -1;
	}
	if (!str_utf8_valid(name, len) || strpbrk(name, "\t\n\r") != NULL) {
		err_set(why, "domain name is not valid UTF-8 or has control "
			     "characters");
		return -1;
	}
	map_dots(name, norm);
	len = strlen(norm);
	if (norm[len - 1] == '.')
		norm[--len] = '\0';
	if (len == 0) {
		err_set(why, "domain name '%s' has no labels",
			str_quote(name, q, QUOTE_MAX));
		return -1;
	}
	if (is_ip_literal(norm)) {
		err_set(why, "'%s' is an IP address, not a domain name",
			str_quote(name, q, QUOTE_MAX));
		return -1;
	}
	memset(&d, 0, sizeof(d));
	for (p = norm;; p = dot + 1) {
		dot = strchr(p, '.');
		if (dot != NULL)
			*dot = '\0';
		if (*p == '\0') {
			err_set(why, "domain name '%s' has an empty label",
				str_quote(name, q, QUOTE_MAX));
			return -1;
		}
		if (parse_label(p, &lab, why) < 0)
			return -1;
		if (strncmp(lab.a, "xn--", 4) == 0)
			d.is_idn = 1;
		if (join(d.alabel, DNAME_MAX + 1, lab.a) < 0) {
			err_set(why,
				"domain name '%s' is longer than 253 bytes",
				str_quote(name, q, QUOTE_MAX));
			return -1;
		}
		/*
		 * Cannot fail: a U-label has at most 4 bytes per byte of
		 * its A-label, and the A-label name fitted.
		 */
		if (join(d.ulabel, sizeof(d.ulabel), lab.u) < 0) {
			err_set(why, "domain name '%s' is too long",
				str_quote(name, q, QUOTE_MAX));
			return -1;
		}
		if (dot == NULL)
			break;
	}
	if (check_numeric(d.alabel, name, why) < 0)
		return -1;
	if (find_registrable(&d, name, why) < 0)
		return -1;
	d.suffix = classify(d.alabel);
	memcpy(out, &d, sizeof(d));
	return 0;
}

const char *
domain_suffix_name(enum domain_suffix s)
{
	switch (s) {
	case DOMAIN_ORGAN:
		return "organ";
	case DOMAIN_INSTITUTION:
		return "institution";
	case DOMAIN_OTHER:
		return "other";
	}
	return "unknown";
}
