/*
 * css.c: the small part of CSS the inspector needs: url() and @import
 * targets (links to check) and the centring facts of rules and style
 * attributes (LOGO-1). Reads untrusted CSS; never allocates per byte and
 * stops at the documented limits.
 */
#include <ctype.h>
#include <string.h>

#include "inspect/inspect.h"

#define CSS_MAX	     (4u << 20)
#define CSS_MAXCALLS 10000
#define CSS_URLMAX   4096
#define CSS_RULESMAX 20000

static int
ieq(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	if (n < k)
		return 0;
	for (size_t i = 0; i < k; i++)
		if (tolower((unsigned char)s[i]) != lit[i])
			return 0;
	return 1;
}

/* Emits s[0..n) trimmed and unquoted. */
static void
emit(const char *s, size_t n, css_url_fn fn, void *arg, int *calls)
{
	char out[CSS_URLMAX + 1];

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		s++;
		n -= 2;
	}
	if (n == 0 || n > CSS_URLMAX || memchr(s, '\0', n) != NULL)
		return;
	memcpy(out, s, n);
	out[n] = '\0';
	(*calls)++;
	fn(arg, out);
}

void
css_scan_urls(const char *css, size_t n, css_url_fn fn, void *arg)
{
	int calls = 0;

	if (n > CSS_MAX)
		n = CSS_MAX;
	for (size_t i = 0; i < n && calls < CSS_MAXCALLS; i++) {
		/* only "/", "u", "U" and "@" begin what is looked for */
		if ((i = htok_find4(css, i, n, '/', 'u', 'U', '@')) >= n)
			break;
		if (css[i] == '/' && i + 1 < n && css[i + 1] == '*') {
			const char *end = NULL;

			for (size_t k = i + 2; k + 1 < n; k++)
				if (css[k] == '*' && css[k + 1] == '/') {
					end = css + k;
					break;
				}
			if (end == NULL)
				return;
			i = (size_t)(end - css) + 1;
			continue;
		}
		if ((css[i] == 'u' || css[i] == 'U') &&
		    ieq(css + i, n - i, "url(") &&
		    (i == 0 || !isalnum((unsigned char)css[i - 1]))) {
			size_t start = i + 4, k = start;
			char q = 0;

			while (k < n && isspace((unsigned char)css[k]))
				k++;
			if (k < n && (css[k] == '"' || css[k] == '\''))
				q = css[k++];
			if (q) {
				while (k < n && css[k] != q && css[k] != '\n')
					k++;
				if (k >= n || css[k] != q)
					return;
				k++;
				while (k < n && css[k] != ')')
					k++;
			} else {
				while (k < n && css[k] != ')')
					k++;
			}
			if (k >= n)
				return;
			emit(css + start, k - start, fn, arg, &calls);
			i = k;
			continue;
		}
		if (css[i] == '@' && ieq(css + i, n - i, "@import")) {
			size_t k = i + 7;

			while (k < n && isspace((unsigned char)css[k]))
				k++;
			if (k < n && (css[k] == '"' || css[k] == '\'')) {
				char q = css[k];
				size_t s = k;

				k++;
				while (k < n && css[k] != q && css[k] != '\n')
					k++;
				if (k >= n || css[k] != q)
					return;
				emit(css + s, k - s + 1, fn, arg, &calls);
				i = k;
			}
		}
	}
}

/* The value of property prop in decls (lower-cased, trimmed) into v. */
static int
prop(const char *d, size_t n, const char *name, char *v, size_t vn)
{
	size_t ln = strlen(name);
	int found = 0;

	for (size_t i = 0; i + ln < n; i++) {
		size_t k, o = 0;

		if ((i > 0 && d[i - 1] != ';' && d[i - 1] != '{' &&
		     !isspace((unsigned char)d[i - 1])) ||
		    !ieq(d + i, n - i, name))
			continue;
		k = i + ln;
		while (k < n && isspace((unsigned char)d[k]))
			k++;
		if (k >= n || d[k] != ':')
			continue;
		k++;
		while (k < n && isspace((unsigned char)d[k]))
			k++;
		while (k < n && d[k] != ';' && d[k] != '}' && o + 1 < vn)
			v[o++] = (char)tolower((unsigned char)d[k++]);
		while (o > 0 && isspace((unsigned char)v[o - 1]))
			o--;
		v[o] = '\0';
		found = 1; /* the last declaration wins */
	}
	return found;
}

unsigned
css_decl_flags(const char *d, size_t n)
{
	char v[128];
	unsigned f = 0;

	if (n > CSS_MAX)
		n = CSS_MAX;
	if (prop(d, n, "text-align", v, sizeof(v))) {
		if (str_starts(v, "center") || str_starts(v, "-webkit-center"))
			f |= CSS_CENTER;
		else if (str_starts(v, "left") || str_starts(v, "right"))
			f |= CSS_LEFTRIGHT;
	}
	if (prop(d, n, "float", v, sizeof(v)) &&
	    (str_starts(v, "left") || str_starts(v, "right")))
		f |= CSS_LEFTRIGHT;
	if (prop(d, n, "justify-content", v, sizeof(v)) &&
	    str_starts(v, "center"))
		f |= CSS_FLEXCENTER;
	if (prop(d, n, "margin", v, sizeof(v))) {
		/* "0 auto", "10px auto 0", "auto" */
		char *sp = strchr(v, ' ');

		if (strcmp(v, "auto") == 0 ||
		    (sp != NULL && str_starts(sp + 1, "auto")))
			f |= CSS_AUTOMARGIN;
	}
	{
		char l[64], r[64];

		if (prop(d, n, "margin-left", l, sizeof(l)) &&
		    prop(d, n, "margin-right", r, sizeof(r)) &&
		    strcmp(l, "auto") == 0 && strcmp(r, "auto") == 0)
			f |= CSS_AUTOMARGIN;
	}
	return f;
}

/* Records the class or id of the last simple selector of sel[0..n). */
static void
add_selector(const char *sel, size_t n, unsigned flags, struct map *m)
{
	char key[128];
	size_t start, k;
	long long old;

	while (n > 0 && isspace((unsigned char)sel[n - 1]))
		n--;
	start = n;
	while (start > 0 && !isspace((unsigned char)sel[start - 1]) &&
	       sel[start - 1] != '>' && sel[start - 1] != '+' &&
	       sel[start - 1] != '~')
		start--;
	/* the last '.' or '#' part of the compound selector */
	for (k = n; k > start; k--)
		if (sel[k - 1] == '.' || sel[k - 1] == '#')
			break;
	if (k == start)
		return;
	{
		size_t e = k, o = 0;

		key[o++] = sel[k - 1];
		while (e < n &&
		       (isalnum((unsigned char)sel[e]) || sel[e] == '-' ||
			sel[e] == '_') &&
		       o + 1 < sizeof(key))
			key[o++] = sel[e++];
		key[o] = '\0';
		if (o < 2)
			return;
	}
	if (map_put(m, key, flags, &old) == 1) {
		/* map values cannot be updated in place: keep the first
		 * unless the new rule says more */
		(void)old;
	}
}

void
css_collect_rules(const char *css, size_t n, struct map *m)
{
	size_t i = 0, rules = 0, sel = 0;

	if (n > CSS_MAX)
		n = CSS_MAX;
	while (i < n && rules < CSS_RULESMAX) {
		size_t open, close;

		if (css[i] == '/' && i + 1 < n && css[i + 1] == '*') {
			const char *e = NULL;

			for (size_t k = i + 2; k + 1 < n; k++)
				if (css[k] == '*' && css[k + 1] == '/') {
					e = css + k;
					break;
				}
			if (e == NULL)
				return;
			i = (size_t)(e - css) + 2;
			sel = i;
			continue;
		}
		if (css[i] == '}' || css[i] == ';') {
			i++;
			sel = i;
			continue;
		}
		if (css[i] != '{') {
			i++;
			continue;
		}
		open = i;
		close = open + 1;
		while (close < n && css[close] != '}' && css[close] != '{')
			close++;
		if (close >= n)
			return;
		if (css[close] == '{') {
			/* an at-rule block (@media): look inside */
			i = open + 1;
			sel = i;
			continue;
		}
		rules++;
		{
			unsigned f =
			    css_decl_flags(css + open + 1, close - open - 1);
			size_t s = sel;

			if (f != 0)
				for (size_t k = sel; k <= open; k++)
					if (k == open || css[k] == ',') {
						add_selector(css + s, k - s, f,
							     m);
						s = k + 1;
					}
		}
		i = close + 1;
		sel = i;
	}
}
