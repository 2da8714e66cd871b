/*
 * htok.c: a streaming HTML tokenizer after the HTML Standard's tokenizer
 * (section 13.2.5), for untrusted pages fed in chunks cut anywhere. Every
 * state lives in struct htok, so a page gives the same tokens wherever it
 * is cut. It emits text, start tags (with the attributes its owner asks
 * for) and end tags; comments, DOCTYPEs and processing instructions are
 * read and dropped. Character references are decoded in text, RCDATA and
 * attribute values (the standard's whole named list, entities.h, and
 * numeric ones). Script data follows the standard's escaped states
 * ("<!--<script>" inside a script). Input is UTF-8 (hdec.c
 * decodes first). Bounded: tag and attribute names are kept to
 * HTOK_NAME - 1 bytes, HTOK_ATTRS attributes a tag, HTOK_VALUES bytes of
 * attribute values a tag (past it a value is cut short and htok_cut says
 * so).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

#include "inspect/entities.h"

#define HTOK_NAME   64
#define HTOK_ATTRS  64
#define HTOK_VALUES (1u << 20)
#define HTOK_REF    40 /* the longest name is 32 bytes and ";" */

enum {
	S_TAG_OPEN = HTOK_CDATA + 1,
	S_END_TAG_OPEN,
	S_TAG_NAME,
	S_RAW_LT,
	S_RAW_END_OPEN,
	S_RAW_END_NAME,
	S_BEFORE_ATTR_NAME,
	S_ATTR_NAME,
	S_AFTER_ATTR_NAME,
	S_BEFORE_VALUE,
	S_VALUE_DQ,
	S_VALUE_SQ,
	S_VALUE_UQ,
	S_AFTER_VALUE,
	S_SELF_CLOSING,
	S_BOGUS_COMMENT,
	S_MARKUP,
	S_COMMENT_START,
	S_COMMENT_START_DASH,
	S_COMMENT,
	S_COMMENT_END_DASH,
	S_COMMENT_END,
	S_COMMENT_END_BANG,
	S_CDATA_BR1,
	S_CDATA_BR2,
	S_REF,
	S_REF_NAMED,
	S_REF_NUM,
	S_REF_HEX_START,
	S_REF_HEX,
	S_REF_DEC,
	S_SESC_START, /* script data escape states: "<!--" in a script */
	S_SESC_START_DASH,
	S_SESC,
	S_SESC_DASH,
	S_SESC_DASH_DASH,
	S_SESC_LT,
	S_SDBL_START,
	S_SDBL,
	S_SDBL_DASH,
	S_SDBL_DASH_DASH,
	S_SDBL_LT,
	S_SDBL_END
};

struct htok {
	const struct htok_cb *cb;
	void *arg;
	int state;
	int raw;    /* the text state a "<" left (RCDATA, RAWTEXT, script) */
	int ret;    /* the state a character reference returns to */
	int cr;	    /* the last byte was CR: a LF after it is dropped */
	int cdata;  /* "<![CDATA[" opens a CDATA section (foreign content) */
	int endtag; /* the tag being read is an end tag */
	int selfclose;
	char name[HTOK_NAME]; /* the tag's name, lower case */
	size_t nname;
	char last[HTOK_NAME]; /* the last start tag's name (raw text ends) */
	char tmp[HTOK_NAME];  /* what follows "</" in raw text */
	size_t ntmp;
	char an[HTOK_NAME]; /* the attribute name being read */
	size_t nan;
	int keep;	 /* the attribute being read is kept */
	int inval;	 /* a kept attribute's value is open */
	struct buf vals; /* names and values of the kept attributes, NULs */
	size_t att[HTOK_ATTRS][2]; /* offsets of name and value in vals */
	int natt;
	int cut;    /* a value was cut short (HTOK_VALUES) */
	int vfull;  /* this tag's values reached HTOK_VALUES */
	char mk[8]; /* after "<!" */
	size_t nmk;
	char ref[HTOK_REF]; /* after "&" */
	size_t nref;
	unsigned long num; /* a numeric reference's value so far */
};

/* byte classes: what ends a run of name or unquoted value bytes (the
 * other runs: find4) */
#define C_UQ   0x01 /* NUL CR space & > */
#define C_NAME 0x02 /* NUL CR space / > = A-Z */
static unsigned char cls[256];
static pthread_once_t cls_once = PTHREAD_ONCE_INIT;

static void
cls_init(void)
{
	static const char uq[] = " \t\n\f\r&>";
	static const char name[] = " \t\n\f\r/>=";

	cls[0] = C_UQ | C_NAME;
	for (const char *p = uq; *p != '\0'; p++)
		cls[(unsigned char)*p] |= C_UQ;
	for (const char *p = name; *p != '\0'; p++)
		cls[(unsigned char)*p] |= C_NAME;
	for (int c = 'A'; c <= 'Z'; c++)
		cls[c] |= C_NAME;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f';
}

static int
is_alpha(int c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int
is_alnum(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

struct htok *
htok_new(const struct htok_cb *cb, void *arg)
{
	struct htok *t = xcalloc(1, sizeof(*t));

	pthread_once(&cls_once, cls_init);
	t->cb = cb;
	t->arg = arg;
	t->state = HTOK_DATA;
	buf_init(&t->vals, HTOK_VALUES);
	return t;
}

void
htok_free(struct htok *t)
{
	if (t == NULL)
		return;
	buf_cleanup(&t->vals);
	free(t);
}

void
htok_state(struct htok *t, int state, const char *last)
{
	t->state = state;
	if (last != NULL && str_copy(t->last, last, sizeof(t->last)) < 0)
		t->last[0] = '\0';
}

void
htok_cdata(struct htok *t, int on)
{
	t->cdata = on;
}

int
htok_cut(const struct htok *t)
{
	return t->cut;
}

static int
in_value(int s)
{
	return s == S_VALUE_DQ || s == S_VALUE_SQ || s == S_VALUE_UQ;
}

/* Adds s (n bytes) to a kept attribute's value. */
static void
value_add(struct htok *t, const char *s, size_t n)
{
	size_t k;

	if (!t->inval || t->vfull || buf_add(&t->vals, s, n) == 0)
		return;
	/* what fits up to a character's start, then nothing more in this
	 * tag: the same however the value came in pieces */
	k = t->vals.max - t->vals.len;
	while (k > 0 && k < n && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	(void)buf_add(&t->vals, s, k);
	t->vfull = 1;
	t->cut = 1;
}

/* Text, or a value's bytes when a reference returns to a value. */
static void
emit_to(struct htok *t, int to, const char *s, size_t n)
{
	if (in_value(to))
		value_add(t, s, n);
	else if (n > 0)
		t->cb->text(t->arg, s, n);
}

static void
text(struct htok *t, const char *s, size_t n)
{
	if (n > 0)
		t->cb->text(t->arg, s, n);
}

static void
tag_begin(struct htok *t, int end, int c)
{
	t->endtag = end;
	t->selfclose = 0;
	t->name[0] = (char)lower(c);
	t->nname = 1;
	t->natt = 0;
	t->nan = 0;
	t->keep = 0;
	t->inval = 0;
	t->vfull = 0;
	buf_reset(&t->vals);
}

static void
name_add(char *s, size_t *n, int c)
{
	/* longer names are kept cut short */
	if (*n < HTOK_NAME - 1)
		s[(*n)++] = (char)c;
}

/* The attribute name read so far is complete: keep it or not. */
static void
attr_named(struct htok *t)
{
	t->an[t->nan] = '\0';
	t->keep = 0;
	if (t->endtag || t->natt >= HTOK_ATTRS)
		return;
	if (t->cb->want != NULL && !t->cb->want(t->arg, t->an, t->nan))
		return;
	/* the first of two with one name counts */
	for (int i = 0; i < t->natt; i++)
		if (strcmp(t->vals.data + t->att[i][0], t->an) == 0)
			return;
	t->att[t->natt][0] = t->vals.len;
	if (buf_add(&t->vals, t->an, t->nan + 1) < 0) {
		t->cut = 1;
		return;
	}
	t->att[t->natt][1] = t->vals.len;
	t->natt++;
	t->keep = 1;
	t->inval = 1;
}

/* The attribute's value (if any) is complete. */
static void
attr_done(struct htok *t)
{
	if (t->inval && buf_addch(&t->vals, '\0') < 0) {
		/* make room for the NUL: cut the value short */
		t->vals.data[t->vals.len - 1] = '\0';
		t->cut = 1;
	}
	t->inval = 0;
	t->keep = 0;
}

static void
emit_tag(struct htok *t)
{
	const char *av[2 * HTOK_ATTRS + 1];
	int st;

	attr_done(t);
	t->name[t->nname] = '\0';
	if (t->endtag) {
		t->state = HTOK_DATA;
		t->cb->end(t->arg, t->name);
		return;
	}
	for (int i = 0; i < t->natt; i++) {
		av[2 * i] = t->vals.data + t->att[i][0];
		av[2 * i + 1] = t->vals.data + t->att[i][1];
	}
	av[2 * t->natt] = NULL;
	memcpy(t->last, t->name, t->nname + 1);
	t->state = HTOK_DATA;
	st = t->cb->start(t->arg, t->name, av, t->selfclose);
	t->state = st;
}

static int
ent_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct htok_entity *)e)->name);
}

static const char *
entity(const char *name)
{
	const struct htok_entity *e =
	    bsearch(name, htok_entities, ARRAY_SIZE(htok_entities),
		    sizeof(htok_entities[0]), ent_cmp);

	return e ? e->utf8 : NULL;
}

/* c as UTF-8 into out (4 bytes); the length. */
static size_t
utf8_put(unsigned long c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* A numeric reference's value, as the standard maps it. */
static void
num_ref(struct htok *t)
{
	/* 0x80..0x9f read as windows-1252 */
	static const unsigned short w1252[32] = {
	    0x20ac, 0x81,   0x201a, 0x192,  0x201e, 0x2026, 0x2020, 0x2021,
	    0x2c6,  0x2030, 0x160,  0x2039, 0x152,  0x8d,   0x17d,  0x8f,
	    0x90,   0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	    0x2dc,  0x2122, 0x161,  0x203a, 0x153,  0x9d,   0x17e,  0x178};
	unsigned long c = t->num;
	char out[4];

	if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	else if (c >= 0x80 && c <= 0x9f)
		c = w1252[c - 0x80];
	emit_to(t, t->ret, out, utf8_put(c, out));
}

/*
 * A named reference ends before c (-1: the end of the page): the longest
 * name in the list that the bytes after "&" begin with; in a value, one
 * without ";" followed by "=" or a letter or digit is text. Returns 1 if
 * c (";") was taken.
 */
static int
named_ref(struct htok *t, int c)
{
	char key[HTOK_REF + 1];
	const char *v;

	memcpy(key, t->ref, t->nref);
	if (c == ';') {
		key[t->nref] = ';';
		key[t->nref + 1] = '\0';
		if ((v = entity(key)) != NULL) {
			emit_to(t, t->ret, v, strlen(v));
			return 1;
		}
	}
	for (size_t k = t->nref; k > 0; k--) {
		int next = k < t->nref ? (unsigned char)t->ref[k] : c;

		key[k] = '\0';
		if ((v = entity(key)) == NULL)
			continue;
		if (in_value(t->ret) && (next == '=' || is_alnum(next)))
			break;
		emit_to(t, t->ret, v, strlen(v));
		emit_to(t, t->ret, t->ref + k, t->nref - k);
		return 0;
	}
	emit_to(t, t->ret, "&", 1);
	emit_to(t, t->ret, t->ref, t->nref);
	return 0;
}

static void
ref_begin(struct htok *t)
{
	t->ret = t->state;
	t->state = S_REF;
	t->nref = 0;
}

/* "</" and what followed it in raw text, as text. */
static void
raw_flush(struct htok *t)
{
	text(t, "</", 2);
	text(t, t->tmp, t->ntmp);
	t->state = t->raw;
}

/* One byte c (CR made LF) in the current state. */
static void
step(struct htok *t, int c)
{
	char ch = (char)c;

	for (;;) {
		switch (t->state) {
		case HTOK_DATA:
		case HTOK_RCDATA:
			if (c == '<') {
				t->raw = t->state;
				t->state = t->state == HTOK_DATA ? S_TAG_OPEN
								 : S_RAW_LT;
			} else if (c == '&') {
				ref_begin(t);
			} else if (c == '\0' && t->state == HTOK_RCDATA) {
				text(t, "\xef\xbf\xbd", 3);
			} else {
				text(t, &ch, 1);
			}
			return;
		case HTOK_RAWTEXT:
		case HTOK_SCRIPT:
			if (c == '<') {
				t->raw = t->state;
				t->state = S_RAW_LT;
			} else if (c == '\0') {
				text(t, "\xef\xbf\xbd", 3);
			} else {
				text(t, &ch, 1);
			}
			return;
		case HTOK_PLAINTEXT:
			if (c == '\0')
				text(t, "\xef\xbf\xbd", 3);
			else
				text(t, &ch, 1);
			return;
		case HTOK_CDATA:
			if (c == ']')
				t->state = S_CDATA_BR1;
			else
				text(t, &ch, 1);
			return;
		case S_CDATA_BR1:
			if (c == ']') {
				t->state = S_CDATA_BR2;
				return;
			}
			text(t, "]", 1);
			t->state = HTOK_CDATA;
			continue;
		case S_CDATA_BR2:
			if (c == '>') {
				t->state = HTOK_DATA;
				return;
			}
			if (c == ']') {
				text(t, "]", 1);
				return;
			}
			text(t, "]]", 2);
			t->state = HTOK_CDATA;
			continue;
		case S_TAG_OPEN:
			if (c == '!') {
				t->state = S_MARKUP;
				t->nmk = 0;
			} else if (c == '/') {
				t->state = S_END_TAG_OPEN;
			} else if (is_alpha(c)) {
				tag_begin(t, 0, c);
				t->state = S_TAG_NAME;
			} else if (c == '?') {
				t->state = S_BOGUS_COMMENT;
			} else {
				text(t, "<", 1);
				t->state = HTOK_DATA;
				continue;
			}
			return;
		case S_END_TAG_OPEN:
			if (is_alpha(c)) {
				tag_begin(t, 1, c);
				t->state = S_TAG_NAME;
			} else if (c == '>') {
				t->state = HTOK_DATA;
			} else {
				t->state = S_BOGUS_COMMENT;
				continue;
			}
			return;
		case S_TAG_NAME:
			if (is_space(c))
				t->state = S_BEFORE_ATTR_NAME;
			else if (c == '/')
				t->state = S_SELF_CLOSING;
			else if (c == '>')
				emit_tag(t);
			else if (c == '\0')
				for (int i = 0; i < 3; i++)
					name_add(t->name, &t->nname,
						 "\xef\xbf\xbd"[i]);
			else
				name_add(t->name, &t->nname, lower(c));
			return;
		case S_RAW_LT:
			if (c == '/') {
				t->state = S_RAW_END_OPEN;
				t->ntmp = 0;
				return;
			}
			if (c == '!' && t->raw == HTOK_SCRIPT) {
				text(t, "<!", 2);
				t->state = S_SESC_START;
				return;
			}
			text(t, "<", 1);
			t->state = t->raw;
			continue;
		case S_RAW_END_OPEN:
			if (is_alpha(c)) {
				tag_begin(t, 1, c);
				t->tmp[0] = ch;
				t->ntmp = 1;
				t->state = S_RAW_END_NAME;
				return;
			}
			text(t, "</", 2);
			t->state = t->raw;
			continue;
		case S_RAW_END_NAME: {
			/* an appropriate end tag: the last start tag's name */
			int fit = t->nname == strlen(t->last) &&
				  memcmp(t->name, t->last, t->nname) == 0;

			if (is_alpha(c) && t->nname < strlen(t->last)) {
				name_add(t->name, &t->nname, lower(c));
				t->tmp[t->ntmp++] = ch;
				return;
			}
			if (fit && is_space(c)) {
				t->state = S_BEFORE_ATTR_NAME;
				return;
			}
			if (fit && c == '/') {
				t->state = S_SELF_CLOSING;
				return;
			}
			if (fit && c == '>') {
				emit_tag(t);
				return;
			}
			raw_flush(t);
			continue;
		}
		case S_BEFORE_ATTR_NAME:
			if (is_space(c))
				return;
			if (c == '/' || c == '>') {
				t->state = S_AFTER_ATTR_NAME;
				continue;
			}
			attr_done(t);
			t->nan = 0;
			t->state = S_ATTR_NAME;
			if (c == '=') {
				t->an[t->nan++] = '=';
				return;
			}
			continue;
		case S_ATTR_NAME:
			if (is_space(c) || c == '/' || c == '>') {
				attr_named(t);
				t->state = S_AFTER_ATTR_NAME;
				continue;
			}
			if (c == '=') {
				attr_named(t);
				t->state = S_BEFORE_VALUE;
				return;
			}
			if (c == '\0')
				for (int i = 0; i < 3; i++)
					name_add(t->an, &t->nan,
						 "\xef\xbf\xbd"[i]);
			else
				name_add(t->an, &t->nan, lower(c));
			return;
		case S_AFTER_ATTR_NAME:
			if (is_space(c))
				return;
			if (c == '/') {
				t->state = S_SELF_CLOSING;
			} else if (c == '=') {
				t->state = S_BEFORE_VALUE;
			} else if (c == '>') {
				emit_tag(t);
			} else {
				attr_done(t);
				t->nan = 0;
				t->state = S_ATTR_NAME;
				continue;
			}
			return;
		case S_BEFORE_VALUE:
			if (is_space(c))
				return;
			if (c == '"') {
				t->state = S_VALUE_DQ;
			} else if (c == '\'') {
				t->state = S_VALUE_SQ;
			} else if (c == '>') {
				emit_tag(t);
			} else {
				t->state = S_VALUE_UQ;
				continue;
			}
			return;
		case S_VALUE_DQ:
		case S_VALUE_SQ:
			if (c == (t->state == S_VALUE_DQ ? '"' : '\'')) {
				attr_done(t);
				t->state = S_AFTER_VALUE;
			} else if (c == '&') {
				ref_begin(t);
			} else if (c == '\0') {
				value_add(t, "\xef\xbf\xbd", 3);
			} else {
				value_add(t, &ch, 1);
			}
			return;
		case S_VALUE_UQ:
			if (is_space(c)) {
				attr_done(t);
				t->state = S_BEFORE_ATTR_NAME;
			} else if (c == '&') {
				ref_begin(t);
			} else if (c == '>') {
				emit_tag(t);
			} else if (c == '\0') {
				value_add(t, "\xef\xbf\xbd", 3);
			} else {
				value_add(t, &ch, 1);
			}
			return;
		case S_AFTER_VALUE:
			if (is_space(c)) {
				t->state = S_BEFORE_ATTR_NAME;
			} else if (c == '/') {
				t->state = S_SELF_CLOSING;
			} else if (c == '>') {
				emit_tag(t);
			} else {
				t->state = S_BEFORE_ATTR_NAME;
				continue;
			}
			return;
		case S_SELF_CLOSING:
			if (c == '>') {
				t->selfclose = 1;
				emit_tag(t);
				return;
			}
			t->state = S_BEFORE_ATTR_NAME;
			continue;
		case S_BOGUS_COMMENT:
			if (c == '>')
				t->state = HTOK_DATA;
			return;
		case S_MARKUP: {
			static const char doctype[] = "doctype";
			static const char cdata[] = "[CDATA[";
			size_t k;

			t->mk[t->nmk++] = ch;
			k = t->nmk;
			if (k <= 2 && memcmp(t->mk, "--", k) == 0) {
				if (k == 2)
					t->state = S_COMMENT_START;
				return;
			}
			if (strncasecmp(t->mk, doctype, k) == 0) {
				if (k == 7)
					t->state = S_BOGUS_COMMENT;
				return;
			}
			if (memcmp(t->mk, cdata, k) == 0) {
				if (k == 7)
					t->state = t->cdata ? HTOK_CDATA
							    : S_BOGUS_COMMENT;
				return;
			}
			t->state = S_BOGUS_COMMENT;
			continue;
		}
		case S_COMMENT_START:
			if (c == '-')
				t->state = S_COMMENT_START_DASH;
			else if (c == '>')
				t->state = HTOK_DATA;
			else {
				t->state = S_COMMENT;
				continue;
			}
			return;
		case S_COMMENT_START_DASH:
			if (c == '-')
				t->state = S_COMMENT_END;
			else if (c == '>')
				t->state = HTOK_DATA;
			else {
				t->state = S_COMMENT;
				continue;
			}
			return;
		case S_COMMENT:
			if (c == '-')
				t->state = S_COMMENT_END_DASH;
			return;
		case S_COMMENT_END_DASH:
			if (c == '-') {
				t->state = S_COMMENT_END;
				return;
			}
			t->state = S_COMMENT;
			continue;
		case S_COMMENT_END:
			if (c == '>')
				t->state = HTOK_DATA;
			else if (c == '!')
				t->state = S_COMMENT_END_BANG;
			else if (c != '-') {
				t->state = S_COMMENT;
				continue;
			}
			return;
		case S_COMMENT_END_BANG:
			if (c == '-')
				t->state = S_COMMENT_END_DASH;
			else if (c == '>')
				t->state = HTOK_DATA;
			else {
				t->state = S_COMMENT;
				continue;
			}
			return;
		case S_REF:
			if (is_alnum(c)) {
				t->ref[0] = ch;
				t->nref = 1;
				t->state = S_REF_NAMED;
				return;
			}
			if (c == '#') {
				t->state = S_REF_NUM;
				t->num = 0;
				return;
			}
			emit_to(t, t->ret, "&", 1);
			t->state = t->ret;
			continue;
		case S_REF_NAMED:
			if (is_alnum(c) && t->nref < HTOK_REF - 8) {
				t->ref[t->nref++] = ch;
				return;
			}
			t->state = t->ret;
			if (named_ref(t, c))
				return;
			continue;
		case S_REF_NUM:
			if (c == 'x' || c == 'X') {
				t->ref[0] = ch;
				t->state = S_REF_HEX_START;
				return;
			}
			if (c >= '0' && c <= '9') {
				t->state = S_REF_DEC;
				continue;
			}
			emit_to(t, t->ret, "&#", 2);
			t->state = t->ret;
			continue;
		case S_REF_HEX_START:
			if ((c >= '0' && c <= '9') ||
			    ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')) {
				t->state = S_REF_HEX;
				continue;
			}
			emit_to(t, t->ret, "&#", 2);
			emit_to(t, t->ret, t->ref, 1);
			t->state = t->ret;
			continue;
		case S_REF_HEX:
		case S_REF_DEC: {
			int d = -1;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (t->state == S_REF_HEX && (c | 0x20) >= 'a' &&
				 (c | 0x20) <= 'f')
				d = (c | 0x20) - 'a' + 10;
			if (d >= 0) {
				t->num =
				    t->num * (t->state == S_REF_HEX ? 16 : 10) +
				    (unsigned long)d;
				if (t->num > 0x110000)
					t->num = 0x110000;
				return;
			}
			num_ref(t);
			t->state = t->ret;
			if (c == ';')
				return;
			continue;
		}
		case S_SESC_START:
		case S_SESC_START_DASH:
			if (c == '-') {
				text(t, "-", 1);
				t->state = t->state == S_SESC_START
					       ? S_SESC_START_DASH
					       : S_SESC_DASH_DASH;
				return;
			}
			t->state = HTOK_SCRIPT;
			continue;
		case S_SESC:
		case S_SESC_DASH:
		case S_SESC_DASH_DASH:
		case S_SDBL:
		case S_SDBL_DASH:
		case S_SDBL_DASH_DASH: {
			int dbl = t->state >= S_SDBL;

			if (c == '-') {
				text(t, "-", 1);
				if (t->state == S_SESC)
					t->state = S_SESC_DASH;
				else if (t->state == S_SESC_DASH)
					t->state = S_SESC_DASH_DASH;
				else if (t->state == S_SDBL)
					t->state = S_SDBL_DASH;
				else if (t->state == S_SDBL_DASH)
					t->state = S_SDBL_DASH_DASH;
			} else if (c == '<') {
				if (dbl)
					text(t, "<", 1);
				t->state = dbl ? S_SDBL_LT : S_SESC_LT;
			} else if (c == '>' && (t->state == S_SESC_DASH_DASH ||
						t->state == S_SDBL_DASH_DASH)) {
				text(t, ">", 1);
				t->state = HTOK_SCRIPT;
			} else {
				if (c == '\0')
					text(t, "\xef\xbf\xbd", 3);
				else
					text(t, &ch, 1);
				t->state = dbl ? S_SDBL : S_SESC;
			}
			return;
		}
		case S_SESC_LT:
			if (c == '/') {
				t->raw = S_SESC;
				t->state = S_RAW_END_OPEN;
				t->ntmp = 0;
				return;
			}
			text(t, "<", 1);
			if (is_alpha(c)) {
				t->ntmp = 0;
				t->state = S_SDBL_START;
			} else {
				t->state = S_SESC;
			}
			continue;
		case S_SDBL_START:
		case S_SDBL_END:
			if (is_space(c) || c == '/' || c == '>') {
				int script = t->ntmp == 6 &&
					     memcmp(t->tmp, "script", 6) == 0;

				if (t->state == S_SDBL_START)
					t->state = script ? S_SDBL : S_SESC;
				else
					t->state = script ? S_SESC : S_SDBL;
				text(t, &ch, 1);
				return;
			}
			if (is_alpha(c)) {
				/* only "script" matters: 7 letters are not it
				 */
				if (t->ntmp < 7)
					t->tmp[t->ntmp++] = (char)lower(c);
				text(t, &ch, 1);
				return;
			}
			t->state = t->state == S_SDBL_START ? S_SESC : S_SDBL;
			continue;
		case S_SDBL_LT:
			if (c == '/') {
				text(t, "/", 1);
				t->ntmp = 0;
				t->state = S_SDBL_END;
				return;
			}
			t->state = S_SDBL;
			continue;
		default:
			return;
		}
	}
}

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Nonzero if a byte of w is zero. */
static uint64_t
zero_byte(uint64_t w)
{
	return (w - ONES) & ~w & HIGHS;
}

size_t
htok_find4(const char *p, size_t i, size_t n, int a, int b, int c, int d)
{
	const unsigned char *s = (const unsigned char *)p;
	uint64_t ma = ONES * (unsigned char)a, mb = ONES * (unsigned char)b;
	uint64_t mc = ONES * (unsigned char)c, md = ONES * (unsigned char)d;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		if (zero_byte(w ^ ma) | zero_byte(w ^ mb) | zero_byte(w ^ mc) |
		    zero_byte(w ^ md))
			break;
	}
	for (; i < n; i++)
		if (s[i] == (unsigned char)a || s[i] == (unsigned char)b ||
		    s[i] == (unsigned char)c || s[i] == (unsigned char)d)
			break;
	return i;
}

/* The first byte from s[i] that is NUL, CR, a or b, or n. */
static size_t
find2(const unsigned char *s, size_t i, size_t n, int a, int b)
{
	return htok_find4((const char *)s, i, n, '\0', '\r', a, b);
}

/* The end of the run of plain bytes from s[i] in the current state. */
static size_t
run(struct htok *t, const char *s, size_t i, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t j = i;

	switch (t->state) {
	case HTOK_DATA:
	case HTOK_RCDATA:
		j = find2(u, i, n, '<', '&');
		break;
	case HTOK_RAWTEXT:
	case HTOK_SCRIPT:
		j = find2(u, i, n, '<', 0);
		break;
	case HTOK_PLAINTEXT:
		j = find2(u, i, n, 0, 0);
		break;
	case HTOK_CDATA:
		j = find2(u, i, n, ']', 0);
		break;
	case S_SESC:
	case S_SDBL:
		j = find2(u, i, n, '-', '<');
		break;
	case S_COMMENT:
		return find2(u, i, n, '-', 0);
	case S_BOGUS_COMMENT:
		return find2(u, i, n, '>', 0);
	case S_VALUE_DQ:
	case S_VALUE_SQ:
		j = find2(u, i, n, t->state == S_VALUE_DQ ? '"' : '\'', '&');
		value_add(t, s + i, j - i);
		return j;
	case S_VALUE_UQ:
		while (j < n && !(cls[u[j]] & C_UQ))
			j++;
		value_add(t, s + i, j - i);
		return j;
	case S_TAG_NAME:
		while (j < n && !(cls[u[j]] & C_NAME))
			name_add(t->name, &t->nname, u[j++]);
		return j;
	case S_ATTR_NAME:
		while (j < n && !(cls[u[j]] & C_NAME))
			name_add(t->an, &t->nan, u[j++]);
		return j;
	default:
		return i;
	}
	text(t, s + i, j - i);
	return j;
}

void
htok_feed(struct htok *t, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		int c = (unsigned char)s[i];
		size_t j;

		if (t->cr) {
			t->cr = 0;
			if (c == '\n') {
				i++;
				continue;
			}
		}
		if (c == '\r') {
			t->cr = 1;
			step(t, '\n');
			i++;
			continue;
		}
		if ((j = run(t, s, i, n)) > i) {
			i = j;
			continue;
		}
		step(t, c);
		i++;
	}
}

void
htok_end(struct htok *t)
{
	switch (t->state) {
	case S_TAG_OPEN:
		text(t, "<", 1);
		break;
	case S_END_TAG_OPEN:
		text(t, "</", 2);
		break;
	case S_RAW_LT:
	case S_SESC_LT:
		text(t, "<", 1);
		break;
	case S_RAW_END_OPEN:
		text(t, "</", 2);
		break;
	case S_RAW_END_NAME:
		raw_flush(t);
		break;
	case S_CDATA_BR1:
		text(t, "]", 1);
		break;
	case S_CDATA_BR2:
		text(t, "]]", 2);
		break;
	case S_REF:
		emit_to(t, t->ret, "&", 1);
		break;
	case S_REF_NAMED:
		t->state = t->ret;
		(void)named_ref(t, -1);
		break;
	case S_REF_NUM:
		emit_to(t, t->ret, "&#", 2);
		break;
	case S_REF_HEX_START:
		emit_to(t, t->ret, "&#", 2);
		emit_to(t, t->ret, t->ref, 1);
		break;
	case S_REF_HEX:
	case S_REF_DEC:
		num_ref(t);
		break;
	default:
		/* a tag or a comment cut by the end is dropped */
		break;
	}
	t->state = HTOK_DATA;
}
