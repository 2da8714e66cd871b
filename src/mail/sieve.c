/*
 * sieve.c: the RFC 5228 Sieve parser of sieve.h. A hand-written lexer and
 * recursive-descent parser over the grammar of RFC 5228 section 8, with
 * every size and depth bounded (sieve.h); all memory in the script's arena.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "mail/sieve.h"

struct parser {
	const char *p, *end;
	int line, col;
	int depth;
	int encoded; /* require "encoded-character" seen */
	int vars;    /* require "variables" seen */
	struct sieve_script *s;
	struct err *e;
	int failed;
};

static int
fail(struct parser *ps, const char *what)
{
	if (!ps->failed)
		err_set(ps->e, "%d:%d: %s", ps->line, ps->col, what);
	ps->failed = 1;
	return -1;
}

static void
advance(struct parser *ps, size_t n)
{
	for (size_t i = 0; i < n && ps->p < ps->end; i++, ps->p++) {
		unsigned char c = (unsigned char)*ps->p;

		if (c == '\n') {
			ps->line++;
			ps->col = 1;
		} else if ((c & 0xC0) != 0x80) {
			ps->col++; /* columns count characters, not bytes */
		}
	}
}

static int
at(const struct parser *ps, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, lit, n) == 0;
}

/* Skips white space, hash comments and bracket comments. */
static int
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			advance(ps, 1);
		} else if (c == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				advance(ps, 1);
		} else if (at(ps, "/*")) {
			int sl = ps->line, sc = ps->col;

			advance(ps, 2);
			while (ps->p < ps->end && !at(ps, "*/"))
				advance(ps, 1);
			if (ps->p >= ps->end) {
				ps->line = sl;
				ps->col = sc;
				return fail(ps, "bracket comment not closed");
			}
			advance(ps, 2);
		} else {
			break;
		}
	}
	return 0;
}

static int
is_ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static int
is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* An identifier at ps->p, lower-cased into the arena. */
static const char *
identifier(struct parser *ps)
{
	const char *start = ps->p;
	char *id;
	size_t n;

	while (ps->p < ps->end && is_ident(*ps->p))
		advance(ps, 1);
	n = (size_t)(ps->p - start);
	if (n > 128) {
		fail(ps, "identifier longer than 128 characters");
		return NULL;
	}
	id = arena_alloc(&ps->s->arena, n + 1);
	for (size_t i = 0; i < n; i++)
		id[i] = (char)tolower((unsigned char)start[i]);
	return id;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
put_utf8(struct buf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_add(b, u, n);
}

/*
 * Decodes one "${hex:...}" or "${unicode:...}" at s (RFC 5228 2.4.2.4)
 * into b; returns the bytes consumed, 0 if s does not start a well-formed
 * one (it is then literal text), -1 for a unicode value out of range.
 */
static long
decode_encoded(const char *s, size_t n, struct buf *b)
{
	int uni;
	size_t i, items = 0;
	struct buf tmp = BUF_INIT(SIEVE_MAX_STRING);
	long rc = 0;

	if (n >= 6 && strncasecmp(s, "${hex:", 6) == 0) {
		uni = 0;
		i = 6;
	} else if (n >= 10 && strncasecmp(s, "${unicode:", 10) == 0) {
		uni = 1;
		i = 10;
	} else {
		return 0;
	}
	for (;;) {
		unsigned long v = 0;
		size_t digits = 0;

		while (i < n && is_blank(s[i]))
			i++;
		if (i < n && s[i] == '}')
			break;
		if (items > 0 && !is_blank(s[i - 1]))
			goto literal;
		while (i < n && hexval(s[i]) >= 0) {
			if (v <= 0x10FFFF)
				v = v * 16 + (unsigned long)hexval(s[i]);
			i++;
			digits++;
		}
		if (digits == 0 || (!uni && digits > 2))
			goto literal;
		if (uni && (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))) {
			rc = -1;
			goto done;
		}
		if (uni)
			put_utf8(&tmp, v);
		else
			buf_addch(&tmp, (char)v);
		items++;
	}
	if (items == 0)
		goto literal; /* "${hex:}" is not an encoding */
	buf_add(b, tmp.data, tmp.len);
	rc = (long)i + 1;
	goto done;
literal:
	rc = 0;
done:
	buf_cleanup(&tmp);
	return rc;
}

/* 1 if s holds a variable reference "${name}", "${ns.name}" or "${1}". */
static int
has_variable(const char *s)
{
	for (const char *p = strstr(s, "${"); p != NULL;
	     p = strstr(p + 1, "${")) {
		const char *q = p + 2;

		if (*q >= '0' && *q <= '9') {
			while (*q >= '0' && *q <= '9')
				q++;
		} else {
			if (!is_ident_start(*q))
				continue;
			while (is_ident(*q) ||
			       (*q == '.' && is_ident_start(q[1])))
				q++;
		}
		if (*q == '}')
			return 1;
	}
	return 0;
}

/* Turns raw string bytes into a sieve_string (encodings decoded). */
static int
finish_string(struct parser *ps, const char *raw, size_t n,
	      struct sieve_string *out)
{
	struct buf b = BUF_INIT(SIEVE_MAX_STRING + 1);
	char *s;

	for (size_t i = 0; i < n;) {
		long k = 0;

		if (ps->encoded && raw[i] == '$')
			k = decode_encoded(raw + i, n - i, &b);
		if (k < 0) {
			buf_cleanup(&b);
			return fail(ps, "${unicode:...} names a value that is "
					"not a Unicode character");
		}
		if (k > 0) {
			i += (size_t)k;
			continue;
		}
		buf_addch(&b, raw[i++]);
	}
	s = arena_alloc(&ps->s->arena, b.len + 1);
	if (b.len > 0)
		memcpy(s, b.data, b.len);
	buf_cleanup(&b);
	out->s = s;
	out->dynamic = ps->vars && has_variable(s);
	return 0;
}

static int
quoted_string(struct parser *ps, struct sieve_string *out)
{
	struct buf raw = BUF_INIT(SIEVE_MAX_STRING);
	int sl = ps->line, sc = ps->col, rc;

	advance(ps, 1); /* '"' */
	while (ps->p < ps->end && *ps->p != '"') {
		char c = *ps->p;

		if (c == '\\') {
			advance(ps, 1);
			if (ps->p >= ps->end)
				break;
			c = *ps->p; /* \" and \\; any other: the character */
		}
		if (buf_addch(&raw, c) < 0) {
			buf_cleanup(&raw);
			return fail(ps, "string longer than 65536 bytes");
		}
		advance(ps, 1);
	}
	if (ps->p >= ps->end) {
		buf_cleanup(&raw);
		ps->line = sl;
		ps->col = sc;
		return fail(ps, "string not closed (missing '\"')");
	}
	advance(ps, 1);
	rc = finish_string(ps, raw.data != NULL ? raw.data : "", raw.len, out);
	buf_cleanup(&raw);
	return rc;
}

/* "text:" already consumed: the rest of its line, then lines up to ".". */
static int
multiline(struct parser *ps, struct sieve_string *out)
{
	struct buf raw = BUF_INIT(SIEVE_MAX_STRING);
	int rc;

	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		advance(ps, 1);
	if (ps->p < ps->end && *ps->p == '#') {
		while (ps->p < ps->end && *ps->p != '\n')
			advance(ps, 1);
	} else if (at(ps, "\r\n")) {
		advance(ps, 1);
	}
	if (ps->p >= ps->end || *ps->p != '\n')
		return fail(ps, "text: must be followed by the end of the "
				"line");
	advance(ps, 1);
	for (;;) {
		const char *nl;
		size_t len;

		if (ps->p >= ps->end) {
			buf_cleanup(&raw);
			return fail(ps, "text: block not ended by a line "
					"holding only \".\"");
		}
		nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
		len = nl != NULL ? (size_t)(nl - ps->p)
				 : (size_t)(ps->end - ps->p);
		if ((len == 1 && *ps->p == '.') ||
		    (len == 2 && at(ps, ".\r"))) {
			advance(ps, len + (nl != NULL));
			break;
		}
		if (nl == NULL) {
			/* the last line has no end: not the "." line */
			advance(ps, len);
			continue;
		}
		/* dot-stuffing: a line starting with "." lost one */
		if (*ps->p == '.') {
			advance(ps, 1);
			len--;
		}
		if (buf_add(&raw, ps->p, len + 1) < 0) {
			buf_cleanup(&raw);
			return fail(ps, "text: block longer than 65536 bytes");
		}
		advance(ps, len + 1);
	}
	rc = finish_string(ps, raw.data != NULL ? raw.data : "", raw.len, out);
	buf_cleanup(&raw);
	return rc;
}

static int
string(struct parser *ps, struct sieve_string *out)
{
	if (ps->p < ps->end && *ps->p == '"')
		return quoted_string(ps, out);
	advance(ps, 5); /* "text:" */
	return multiline(ps, out);
}

static int
starts_string(const struct parser *ps)
{
	if (ps->p >= ps->end)
		return 0;
	if (*ps->p == '"')
		return 1;
	return (size_t)(ps->end - ps->p) >= 5 &&
	       strncasecmp(ps->p, "text:", 5) == 0;
}

static int
string_list(struct parser *ps, struct sieve_arg *a)
{
	struct sieve_string items[SIEVE_MAX_ITEMS];
	size_t n = 0;

	a->type = SIEVE_STRINGS;
	if (*ps->p != '[') {
		if (string(ps, &items[0]) < 0)
			return -1;
		n = 1;
	} else {
		a->list = 1;
		advance(ps, 1);
		for (;;) {
			if (skip_ws(ps) < 0)
				return -1;
			if (!starts_string(ps))
				return fail(ps, "a string expected in the "
						"string list");
			if (n == SIEVE_MAX_ITEMS)
				return fail(ps, "string list of more than "
						"1024 strings");
			if (string(ps, &items[n++]) < 0 || skip_ws(ps) < 0)
				return -1;
			if (ps->p < ps->end && *ps->p == ',') {
				advance(ps, 1);
				continue;
			}
			if (ps->p < ps->end && *ps->p == ']') {
				advance(ps, 1);
				break;
			}
			return fail(ps, "',' or ']' expected in the string "
					"list");
		}
	}
	a->strs = arena_alloc(&ps->s->arena, n * sizeof(*a->strs));
	memcpy(a->strs, items, n * sizeof(*a->strs));
	a->nstrs = n;
	return 0;
}

static int
number(struct parser *ps, struct sieve_arg *a)
{
	unsigned long long v = 0, mul = 1;

	a->type = SIEVE_NUMBER;
	while (ps->p < ps->end && isdigit((unsigned char)*ps->p)) {
		if (v > (UINT64_MAX - 9) / 10)
			return fail(ps, "number too large");
		v = v * 10 + (unsigned long long)(*ps->p - '0');
		advance(ps, 1);
	}
	if (ps->p < ps->end) {
		switch (toupper((unsigned char)*ps->p)) {
		case 'K':
			mul = 1ULL << 10;
			break;
		case 'M':
			mul = 1ULL << 20;
			break;
		case 'G':
			mul = 1ULL << 30;
			break;
		}
		if (mul > 1)
			advance(ps, 1);
	}
	if (v > UINT64_MAX / mul)
		return fail(ps, "number too large");
	a->num = v * mul;
	return 0;
}

static int parse_test(struct parser *ps, struct sieve_node *t);

/* arguments = *argument [ test / test-list ] */
static int
arguments(struct parser *ps, struct sieve_node *n, int tests_allowed)
{
	struct sieve_arg args[64];
	size_t na = 0;

	for (;;) {
		struct sieve_arg *a = &args[na];

		if (skip_ws(ps) < 0)
			return -1;
		if (ps->p >= ps->end)
			break;
		if (!starts_string(ps) && *ps->p != '[' && *ps->p != ':' &&
		    !isdigit((unsigned char)*ps->p))
			break;
		if (na == ARRAY_SIZE(args))
			return fail(ps, "more than 64 arguments");
		memset(a, 0, sizeof(*a));
		if (*ps->p == ':') {
			advance(ps, 1);
			if (ps->p >= ps->end || !is_ident_start(*ps->p))
				return fail(ps, "a tag name expected after "
						"':'");
			a->type = SIEVE_TAG;
			if ((a->tag = identifier(ps)) == NULL)
				return -1;
		} else if (isdigit((unsigned char)*ps->p)) {
			if (number(ps, a) < 0)
				return -1;
		} else if (string_list(ps, a) < 0) {
			return -1;
		}
		na++;
	}
	n->args = arena_alloc(&ps->s->arena, na * sizeof(*n->args) + 1);
	if (na > 0)
		memcpy(n->args, args, na * sizeof(*n->args));
	n->nargs = na;
	if (!tests_allowed || ps->p >= ps->end)
		return 0;
	if (*ps->p == '(') {
		struct sieve_node tests[64];
		size_t nt = 0;

		advance(ps, 1);
		for (;;) {
			if (nt == ARRAY_SIZE(tests))
				return fail(ps, "test list of more than 64 "
						"tests");
			memset(&tests[nt], 0, sizeof(tests[nt]));
			if (parse_test(ps, &tests[nt++]) < 0 || skip_ws(ps) < 0)
				return -1;
			if (ps->p < ps->end && *ps->p == ',') {
				advance(ps, 1);
				continue;
			}
			if (ps->p < ps->end && *ps->p == ')') {
				advance(ps, 1);
				break;
			}
			return fail(ps, "',' or ')' expected in the test "
					"list");
		}
		n->tests = arena_alloc(&ps->s->arena, nt * sizeof(*n->tests));
		memcpy(n->tests, tests, nt * sizeof(*n->tests));
		n->ntests = nt;
	} else if (is_ident_start(*ps->p)) {
		n->tests = arena_alloc(&ps->s->arena, sizeof(*n->tests));
		n->ntests = 1;
		return parse_test(ps, n->tests);
	}
	return 0;
}

static int
parse_test(struct parser *ps, struct sieve_node *t)
{
	int rc;

	if (skip_ws(ps) < 0)
		return -1;
	if (ps->p >= ps->end || !is_ident_start(*ps->p))
		return fail(ps, "a test expected");
	if (++ps->depth > SIEVE_MAX_DEPTH)
		return fail(ps, "tests nested more than 32 deep");
	t->line = ps->line;
	t->col = ps->col;
	if ((t->name = identifier(ps)) == NULL)
		return -1;
	rc = arguments(ps, t, 1);
	ps->depth--;
	return rc;
}

static int commands(struct parser *ps, struct sieve_node **out, size_t *nout,
		    int in_block);

static void
note_require(struct parser *ps, const struct sieve_node *n)
{
	const char **r;
	size_t k = 0;

	for (size_t i = 0; i < n->nargs; i++)
		if (n->args[i].type == SIEVE_STRINGS)
			k += n->args[i].nstrs;
	r = arena_alloc(&ps->s->arena, (ps->s->nrequires + k + 1) * sizeof(*r));
	if (ps->s->nrequires > 0)
		memcpy(r, ps->s->requires, ps->s->nrequires * sizeof(*r));
	for (size_t i = 0; i < n->nargs; i++) {
		const struct sieve_arg *a = &n->args[i];

		for (size_t j = 0; a->type == SIEVE_STRINGS && j < a->nstrs;
		     j++) {
			r[ps->s->nrequires++] = a->strs[j].s;
			if (strcasecmp(a->strs[j].s, "encoded-character") == 0)
				ps->encoded = 1;
			if (strcasecmp(a->strs[j].s, "variables") == 0)
				ps->vars = 1;
		}
	}
	ps->s->requires = r;
}

static int
command(struct parser *ps, struct sieve_node *c)
{
	c->line = ps->line;
	c->col = ps->col;
	if ((c->name = identifier(ps)) == NULL)
		return -1;
	if (arguments(ps, c, 1) < 0 || skip_ws(ps) < 0)
		return -1;
	if (ps->p < ps->end && *ps->p == ';') {
		advance(ps, 1);
	} else if (ps->p < ps->end && *ps->p == '{') {
		if (++ps->depth > SIEVE_MAX_DEPTH)
			return fail(ps, "blocks nested more than 32 deep");
		advance(ps, 1);
		c->has_block = 1;
		if (commands(ps, &c->block, &c->nblock, 1) < 0)
			return -1;
		ps->depth--;
	} else {
		return fail(ps, "';' or '{' expected after the command");
	}
	if (strcmp(c->name, "require") == 0)
		note_require(ps, c);
	return 0;
}

static int
commands(struct parser *ps, struct sieve_node **out, size_t *nout, int in_block)
{
	struct sieve_node *v = NULL;
	size_t n = 0, cap = 0;

	for (;;) {
		if (skip_ws(ps) < 0)
			return -1;
		if (ps->p >= ps->end) {
			if (in_block)
				return fail(ps, "block not closed (missing "
						"'}')");
			break;
		}
		if (in_block && *ps->p == '}') {
			advance(ps, 1);
			break;
		}
		if (!is_ident_start(*ps->p))
			return fail(ps, "a command expected");
		if (n == SIEVE_MAX_ITEMS)
			return fail(ps, "more than 1024 commands in a block");
		if (n == cap) {
			struct sieve_node *nv;

			cap = cap ? cap * 2 : 8;
			nv = arena_alloc(&ps->s->arena, cap * sizeof(*nv));
			if (n > 0)
				memcpy(nv, v, n * sizeof(*nv));
			v = nv;
		}
		if (command(ps, &v[n++]) < 0)
			return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

/* The offset of the first byte that is not well-formed UTF-8, or n. */
static size_t
utf8_bad(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		unsigned long cp;

		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			k = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return i;
		}
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if ((k == 2 &&
		     (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return i;
		i += k + 1;
	}
	return n;
}

int
sieve_parse(struct sieve_script *s, const char *src, size_t n, struct err *e)
{
	struct parser ps = {0};
	size_t bad;

	memset(s, 0, sizeof(*s));
	arena_init(&s->arena);
	ps.p = src;
	ps.end = src + n;
	ps.line = ps.col = 1;
	ps.s = s;
	ps.e = e;
	if (n > SIEVE_MAX_SCRIPT) {
		err_set(e, "script larger than %d bytes", SIEVE_MAX_SCRIPT);
		return -1;
	}
	if ((bad = utf8_bad((const unsigned char *)src, n)) < n) {
		advance(&ps, bad);
		return fail(&ps, src[bad] == '\0' ? "NUL byte in the script"
						  : "not valid UTF-8");
	}
	if (n >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
		ps.p += 3; /* a byte-order mark some editors write */
	return commands(&ps, &s->cmds, &s->ncmds, 0);
}

void
sieve_free(struct sieve_script *s)
{
	arena_cleanup(&s->arena);
	memset(s, 0, sizeof(*s));
}

int
sieve_requires(const struct sieve_script *s, const char *cap)
{
	for (size_t i = 0; i < s->nrequires; i++)
		if (strcasecmp(s->requires[i], cap) == 0)
			return 1;
	return 0;
}

static int
walk(const struct sieve_node *v, size_t n, sieve_visit_fn fn, void *arg)
{
	for (size_t i = 0; i < n; i++) {
		int rc = fn(arg, &v[i]);

		if (rc == 0 && v[i].nblock > 0)
			rc = walk(v[i].block, v[i].nblock, fn, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
sieve_walk(const struct sieve_script *s, sieve_visit_fn fn, void *arg)
{
	return walk(s->cmds, s->ncmds, fn, arg);
}
