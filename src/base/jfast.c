/*
 * jfast.c: a fast path in front of jansson's parser for JSON text that is
 * read in bulk (registry import records, inspection findings in the
 * store). jansson reads its input one byte at a time through a callback
 * and costs some 150 instructions a byte; this scanner builds the same
 * jansson values in one pass over the bytes. It reads untrusted text and
 * takes only what it is sure jansson takes too, building the same values
 * in the same order: anything else (any syntax error, reals, integers of
 * more than 18 digits, "\u0000", lone surrogates, duplicate keys, nesting
 * deeper than JFAST_DEPTH) is declined, and the caller parses that text
 * with jansson, which decides and reports the error.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/base.h"

#define JFAST_DEPTH 64

struct jf {
	const unsigned char *t;
	size_t len, pos;
	char *tmp; /* unescaped strings */
	size_t tmpcap;
};

static json_t *value(struct jf *p, int depth);

static void
ws(struct jf *p)
{
	while (p->pos < p->len &&
	       (p->t[p->pos] == ' ' || p->t[p->pos] == '\n' ||
		p->t[p->pos] == '\r' || p->t[p->pos] == '\t'))
		p->pos++;
}

static int
hex4(const unsigned char *s, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned c = s[i];

		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return -1;
		v = v << 4 | c;
	}
	*out = v;
	return 0;
}

static int
tmp_reserve(struct jf *p, size_t n)
{
	if (n <= p->tmpcap)
		return 0;
	if (p->tmpcap == 0)
		p->tmpcap = 256;
	while (p->tmpcap < n)
		p->tmpcap *= 2;
	p->tmp = xrealloc(p->tmp, p->tmpcap);
	return 0;
}

/*
 * The string at pos (its opening quote): *s and *n its bytes (in the text
 * itself, or unescaped in p->tmp). 0, or -1 to decline.
 */
static int
string(struct jf *p, const char **s, size_t *n)
{
	size_t start = ++p->pos, i = start, o = 0;
	int high = 0;

	/* the common case: no escapes */
	while (i < p->len && p->t[i] != '"' && p->t[i] != '\\') {
		if (p->t[i] < 0x20)
			return -1;
		high |= p->t[i] & 0x80;
		i++;
	}
	if (i >= p->len)
		return -1;
	if (p->t[i] == '"') {
		if (high && !str_utf8_wellformed(p->t + start, i - start))
			return -1;
		*s = (const char *)p->t + start;
		*n = i - start;
		p->pos = i + 1;
		return 0;
	}
	/* escapes: unescaped into tmp (never longer than the text) */
	tmp_reserve(p, i - start + 64);
	memcpy(p->tmp, p->t + start, i - start);
	o = i - start;
	while (i < p->len && p->t[i] != '"') {
		unsigned c = p->t[i], cp;

		if (c < 0x20)
			return -1;
		tmp_reserve(p, o + 8);
		if (c != '\\') {
			high |= c & 0x80;
			p->tmp[o++] = (char)c;
			i++;
			continue;
		}
		if (i + 1 >= p->len)
			return -1;
		switch (p->t[i + 1]) {
		case '"':
		case '\\':
		case '/':
			p->tmp[o++] = (char)p->t[i + 1];
			i += 2;
			continue;
		case 'b':
			p->tmp[o++] = '\b';
			i += 2;
			continue;
		case 'f':
			p->tmp[o++] = '\f';
			i += 2;
			continue;
		case 'n':
			p->tmp[o++] = '\n';
			i += 2;
			continue;
		case 'r':
			p->tmp[o++] = '\r';
			i += 2;
			continue;
		case 't':
			p->tmp[o++] = '\t';
			i += 2;
			continue;
		case 'u':
			break;
		default:
			return -1;
		}
		if (i + 6 > p->len || hex4(p->t + i + 2, &cp) < 0 || cp == 0)
			return -1;
		i += 6;
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return -1; /* a lone low surrogate */
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			unsigned lo;

			if (i + 6 > p->len || p->t[i] != '\\' ||
			    p->t[i + 1] != 'u' || hex4(p->t + i + 2, &lo) < 0 ||
			    lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			i += 6;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		}
		if (cp < 0x80) {
			p->tmp[o++] = (char)cp;
		} else if (cp < 0x800) {
			p->tmp[o++] = (char)(0xC0 | cp >> 6);
			p->tmp[o++] = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			p->tmp[o++] = (char)(0xE0 | cp >> 12);
			p->tmp[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			p->tmp[o++] = (char)(0x80 | (cp & 0x3F));
		} else {
			p->tmp[o++] = (char)(0xF0 | cp >> 18);
			p->tmp[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
			p->tmp[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			p->tmp[o++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	if (i >= p->len)
		return -1;
	/* raw bytes and the escapes' encodings alike */
	if (high && !str_utf8_wellformed(p->tmp, o))
		return -1;
	*s = p->tmp;
	*n = o;
	p->pos = i + 1;
	return 0;
}

static json_t *
number(struct jf *p)
{
	size_t i = p->pos, digits;
	int neg = 0;
	long long v = 0;

	if (p->t[i] == '-') {
		neg = 1;
		i++;
	}
	if (i >= p->len || p->t[i] < '0' || p->t[i] > '9')
		return NULL;
	if (p->t[i] == '0' && i + 1 < p->len && p->t[i + 1] >= '0' &&
	    p->t[i + 1] <= '9')
		return NULL;
	for (digits = 0; i < p->len && p->t[i] >= '0' && p->t[i] <= '9';
	     i++, digits++)
		v = v * 10 + (p->t[i] - '0');
	/* reals, exponents, long integers and whatever follows a number
	 * directly: jansson's to read */
	if (digits > 18 || (i < p->len && (p->t[i] == '.' || p->t[i] == '-' ||
					   p->t[i] == '+' ||
					   (p->t[i] >= 'a' && p->t[i] <= 'z') ||
					   (p->t[i] >= 'A' && p->t[i] <= 'Z'))))
		return NULL;
	p->pos = i;
	return json_integer(neg ? -v : v);
}

static json_t *
word(struct jf *p, const char *w, size_t n, json_t *v)
{
	if (p->len - p->pos < n || memcmp(p->t + p->pos, w, n) != 0 ||
	    (p->len - p->pos > n &&
	     ((p->t[p->pos + n] >= 'a' && p->t[p->pos + n] <= 'z') ||
	      (p->t[p->pos + n] >= 'A' && p->t[p->pos + n] <= 'Z') ||
	      (p->t[p->pos + n] >= '0' && p->t[p->pos + n] <= '9'))))
		return NULL;
	p->pos += n;
	return v;
}

/*
 * The elements of the array or object at pos (its opening bracket): each
 * reads one (for an object, a member from its key); 0 past the closing
 * bracket, -1 to decline.
 */
static int
elements(struct jf *p, char close, int (*each)(struct jf *p, void *arg),
	 void *arg)
{
	p->pos++;
	ws(p);
	if (p->pos < p->len && p->t[p->pos] == close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		if (each(p, arg) < 0)
			return -1;
		ws(p);
		if (p->pos < p->len && p->t[p->pos] == ',') {
			p->pos++;
			ws(p);
			continue;
		}
		if (p->pos < p->len && p->t[p->pos] == close) {
			p->pos++;
			return 0;
		}
		return -1;
	}
}

/* A member at pos: its key (kept: the value may reuse tmp), the colon,
 * then fn reads the value. 0, or -1 to decline. */
static int
member(struct jf *p,
       int (*fn)(struct jf *p, void *arg, const char *key, size_t kn),
       void *arg)
{
	const char *k;
	size_t kn;
	char kbuf[256], *key;
	int rc = -1;

	if (p->pos >= p->len || p->t[p->pos] != '"' || string(p, &k, &kn) < 0)
		return -1;
	key = kn < sizeof(kbuf) ? kbuf : xmalloc(kn + 1);
	memcpy(key, k, kn);
	key[kn] = '\0';
	ws(p);
	if (p->pos < p->len && p->t[p->pos] == ':') {
		p->pos++;
		ws(p);
		rc = fn(p, arg, key, kn);
	}
	if (key != kbuf)
		free(key);
	return rc;
}

struct build {
	json_t *v; /* the object or array being built */
	int depth;
};

static int
object_value(struct jf *p, void *arg, const char *key, size_t kn)
{
	struct build *b = arg;
	json_t *v = value(p, b->depth + 1);
	size_t n = json_object_size(b->v);

	/* a duplicate key replaces a member: the object did not grow */
	return v == NULL ||
		       json_object_setn_new_nocheck(b->v, key, kn, v) < 0 ||
		       json_object_size(b->v) != n + 1
		   ? -1
		   : 0;
}

static int
object_member(struct jf *p, void *arg)
{
	return member(p, object_value, arg);
}

static int
array_element(struct jf *p, void *arg)
{
	struct build *b = arg;
	json_t *v = value(p, b->depth + 1);

	return v == NULL || json_array_append_new(b->v, v) < 0 ? -1 : 0;
}

static json_t *
object(struct jf *p, int depth)
{
	struct build b = {json_object(), depth};

	if (elements(p, '}', object_member, &b) == 0)
		return b.v;
	json_decref(b.v);
	return NULL;
}

static json_t *
array(struct jf *p, int depth)
{
	struct build b = {json_array(), depth};

	if (elements(p, ']', array_element, &b) == 0)
		return b.v;
	json_decref(b.v);
	return NULL;
}

static json_t *
value(struct jf *p, int depth)
{
	const char *s;
	size_t n;

	if (p->pos >= p->len || depth > JFAST_DEPTH)
		return NULL;
	switch (p->t[p->pos]) {
	case '{':
		return object(p, depth);
	case '[':
		return array(p, depth);
	case '"':
		if (string(p, &s, &n) < 0)
			return NULL;
		return json_stringn_nocheck(s, n);
	case 't':
		return word(p, "true", 4, json_true());
	case 'f':
		return word(p, "false", 5, json_false());
	case 'n':
		return word(p, "null", 4, json_null());
	default:
		return number(p);
	}
}

json_t *
jfast_loadb(const char *text, size_t len, size_t *end)
{
	struct jf p = {(const unsigned char *)text, len, 0, NULL, 0};
	json_t *v = NULL;

	if (len > 0 && (text[0] == '{' || text[0] == '['))
		v = value(&p, 0);
	free(p.tmp);
	if (v != NULL)
		*end = p.pos;
	return v;
}

json_t *
jfast_loads(const char *text)
{
	size_t len, start = 0, end;
	json_t *v;

	if (text == NULL)
		return NULL;
	len = strlen(text);
	while (start < len && (text[start] == ' ' || text[start] == '\n' ||
			       text[start] == '\r' || text[start] == '\t'))
		start++;
	v = jfast_loadb(text + start, len - start, &end);
	if (v != NULL) {
		end += start;
		while (end < len && (text[end] == ' ' || text[end] == '\n' ||
				     text[end] == '\r' || text[end] == '\t'))
			end++;
		if (end == len)
			return v;
		json_decref(v);
	}
	return json_loads(text, 0, NULL);
}

/* jfast_rows: the named members of each object of an array. */
struct rows {
	const char *const *fields;
	size_t n;
	char **val;	  /* per field: its string value, NUL-terminated */
	size_t *cap;	  /* per field: bytes allocated */
	const char **out; /* per field: val[i] or NULL */
	void (*fn)(void *arg, const char *const *vals);
	void *arg;
};

static int
row_value(struct jf *p, void *arg, const char *key, size_t kn)
{
	struct rows *r = arg;
	const char *s;
	size_t n, f;

	for (f = 0; f < r->n; f++)
		if (strlen(r->fields[f]) == kn &&
		    memcmp(r->fields[f], key, kn) == 0)
			break;
	if (p->pos < p->len && p->t[p->pos] == '"') {
		if (string(p, &s, &n) < 0)
			return -1;
		if (f < r->n) { /* a later duplicate wins, as jansson's */
			if (n + 1 > r->cap[f]) {
				r->val[f] = xrealloc(r->val[f], n + 1);
				r->cap[f] = n + 1;
			}
			memcpy(r->val[f], s, n);
			r->val[f][n] = '\0';
			r->out[f] = r->val[f];
		}
	} else {
		json_t *v = value(p, 2);

		if (v == NULL)
			return -1;
		json_decref(v);
		if (f < r->n)
			r->out[f] = NULL;
	}
	return 0;
}

static int
row_member(struct jf *p, void *arg)
{
	return member(p, row_value, arg);
}

/* One element of the array: an object, its fields handed to fn. */
static int
row(struct jf *p, void *arg)
{
	struct rows *r = arg;

	if (p->pos >= p->len || p->t[p->pos] != '{')
		return -1;
	for (size_t i = 0; i < r->n; i++)
		r->out[i] = NULL;
	if (elements(p, '}', row_member, r) < 0)
		return -1;
	r->fn(r->arg, r->out);
	return 0;
}

int
jfast_rows(const char *text, const char *const *fields, size_t nfields,
	   void (*fn)(void *arg, const char *const *vals), void *arg)
{
	struct jf p = {(const unsigned char *)text, 0, 0, NULL, 0};
	struct rows r = {fields, nfields, NULL, NULL, NULL, fn, arg};
	int rc = -1;

	if (text == NULL)
		return -1;
	p.len = strlen(text);
	r.val = xcalloc(nfields + 1, sizeof(*r.val));
	r.cap = xcalloc(nfields + 1, sizeof(*r.cap));
	r.out = xcalloc(nfields + 1, sizeof(*r.out));
	ws(&p);
	if (p.pos < p.len && p.t[p.pos] == '[' &&
	    elements(&p, ']', row, &r) == 0) {
		ws(&p);
		rc = p.pos == p.len ? 0 : -1;
	}
	for (size_t i = 0; i < nfields; i++)
		free(r.val[i]);
	free(r.val);
	free(r.cap);
	free(r.out);
	free(p.tmp);
	return rc;
}
