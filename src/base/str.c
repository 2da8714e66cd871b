/* str.c: bounded string and number helpers; no unsafe libc string calls. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"

void
str_utf8_trim(char *s, size_t len)
{
	size_t n = len;

	/* Back up over a cut multi-byte character. */
	while (n > 0 && ((unsigned char)s[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0 && ((unsigned char)s[n - 1] & 0xc0) == 0xc0)
		n--;
	else if (n < len)
		n = len; /* the continuation bytes were complete */
	s[n] = '\0';
}

int
str_copy(char *dst, const char *src, size_t n)
{
	size_t len = strlen(src);

	if (n == 0)
		return -1;
	if (len >= n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		str_utf8_trim(dst, n - 1);
		return -1;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

int
str_fmt(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vsnprintf(dst, n, fmt, ap);
	va_end(ap);
	if (rc < 0 || (size_t)rc >= n)
		return -1;
	return rc;
}

int
str_to_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	/* strtoll would skip leading white space and take a '+': refuse. */
	if (s == NULL || !((*s >= '0' && *s <= '9') || *s == '-'))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
str_ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

/* Well-formed UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF); with text, also no NUL or controls but tab, LF and CR. */
static int
utf8_scan(const unsigned char *s, size_t n, int text)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned cp;

		if (c < 0x80) {
			if (text && ((c < 0x20 && c != '\t' && c != '\n' &&
				      c != '\r') ||
				     c == 0x7f))
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + k >= n)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

int
str_utf8_valid(const char *s, size_t n)
{
	return utf8_scan((const unsigned char *)s, n, 1);
}

int
str_utf8_wellformed(const void *s, size_t n)
{
	return utf8_scan(s, n, 0);
}

size_t
str_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		fatal("out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

const char *
str_quote(const char *s, char *out, size_t max)
{
	size_t n = strlen(s);

	if (n <= max) {
		memcpy(out, s, n + 1);
		return out;
	}
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, s, n);
	memcpy(out + n, "...", 4);
	return out;
}

int
str_to_bool(const char *s, int *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

char *
str_utf8_sanitize(const char *s)
{
	struct buf b = BUF_INIT((size_t)-1 / 4);
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t k = 1;

		/* Longest valid sequence here: 1 to 4 bytes. */
		while (k <= 4 && i + k <= n && !str_utf8_valid(s + i, k))
			k++;
		if (k <= 4 && i + k <= n) {
			buf_add(&b, s + i, k);
			i += k;
		} else {
			buf_addstr(&b, "\xef\xbf\xbd"); /* U+FFFD */
			i++;
		}
	}
	return buf_detach(&b, NULL);
}

void
str_json_put(FILE *out, const char *s)
{
	static const char special[] = "\"\\\x01\x02\x03\x04\x05\x06\x07"
				      "\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
				      "\x11\x12\x13\x14\x15\x16\x17\x18\x19"
				      "\x1a\x1b\x1c\x1d\x1e\x1f";
	char *clean = NULL;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	if (!str_utf8_valid(s, strlen(s)))
		s = clean = str_utf8_sanitize(s);
	putc('"', out);
	/* runs of plain bytes in one call: with a second thread in the
	 * process, putc locks the stream every time */
	while (*s != '\0') {
		size_t n = strcspn(s, special);

		fwrite(s, 1, n, out);
		s += n;
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s++);
		else if (*s != '\0')
			fprintf(out, "\\u%04x", (unsigned char)*s++);
	}
	putc('"', out);
	free(clean);
}
