/*
 * ahoc.c: many literal patterns searched for in one pass over untrusted
 * text (Aho-Corasick, as a DFA over the bytes the patterns use, ASCII
 * case ignored if asked). The patterns are the program's own; the text
 * is only read. Work is linear in the text; the automaton is at most
 * AHOC_STATES states.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

#define AHOC_STATES 2048

struct ahoc {
	unsigned char cls[256]; /* byte -> class, 0: in no pattern */
	int nclass;
	int nstates;
	uint16_t *next;	 /* [state * nclass + class] */
	unsigned *flags; /* flags of the patterns ending here, or in a
			  * state its failure chain reaches */
	int *out;	 /* the pattern ending here, -1 */
	int *dict;	 /* the next state on the failure chain with an
			  * out, -1 */
	size_t *len;	 /* pattern lengths */
};

static int
fold(int c, int icase)
{
	return icase && c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

struct ahoc *
ahoc_new(const char *const *pats, const unsigned *flags, size_t n, int icase)
{
	struct ahoc *a = xcalloc(1, sizeof(*a));
	size_t total = 1;
	int *fail, *queue, *go;
	int qh = 0, qt = 0;

	for (size_t i = 0; i < n; i++)
		total += strlen(pats[i]);
	/* the program's own patterns: a bound, not an input check */
	assert(total <= AHOC_STATES);
	/* classes: each byte a pattern uses (folded) */
	a->nclass = 1;
	for (size_t i = 0; i < n; i++)
		for (const char *p = pats[i]; *p != '\0'; p++) {
			int c = fold((unsigned char)*p, icase);

			if (a->cls[c] == 0) {
				a->cls[c] = (unsigned char)a->nclass++;
				if (icase && c >= 'a' && c <= 'z')
					a->cls[c & ~0x20] = a->cls[c];
			}
		}
	go = xcalloc(total * (size_t)a->nclass, sizeof(*go));
	a->flags = xcalloc(total, sizeof(*a->flags));
	a->out = xmalloc(total * sizeof(*a->out));
	a->dict = xmalloc(total * sizeof(*a->dict));
	a->len = xcalloc(n + 1, sizeof(*a->len));
	fail = xcalloc(total, sizeof(*fail));
	queue = xmalloc(total * sizeof(*queue));
	for (size_t s = 0; s < total; s++) {
		a->out[s] = -1;
		a->dict[s] = -1;
	}
	/* the trie; go[] 0 is "none" but for the root's own moves */
	a->nstates = 1;
	for (size_t i = 0; i < n; i++) {
		int s = 0;

		a->len[i] = strlen(pats[i]);
		for (const char *p = pats[i]; *p != '\0'; p++) {
			int c = a->cls[fold((unsigned char)*p, icase)];
			int *t = &go[s * a->nclass + c];

			if (*t == 0)
				*t = a->nstates++;
			s = *t;
		}
		if (a->out[s] < 0)
			a->out[s] = (int)i;
		a->flags[s] |= flags[i];
	}
	/* failure links breadth first, making the DFA */
	for (int c = 0; c < a->nclass; c++)
		if (go[c] != 0) {
			fail[go[c]] = 0;
			queue[qt++] = go[c];
		}
	while (qh < qt) {
		int s = queue[qh++];

		a->flags[s] |= a->flags[fail[s]];
		a->dict[s] = a->out[fail[s]] >= 0 ? fail[s] : a->dict[fail[s]];
		for (int c = 0; c < a->nclass; c++) {
			int *t = &go[s * a->nclass + c];

			if (*t != 0) {
				fail[*t] = go[fail[s] * a->nclass + c];
				queue[qt++] = *t;
			} else {
				*t = go[fail[s] * a->nclass + c];
			}
		}
	}
	a->next =
	    xmalloc((size_t)a->nstates * (size_t)a->nclass * sizeof(*a->next));
	for (int i = 0; i < a->nstates * a->nclass; i++)
		a->next[i] = (uint16_t)go[i];
	free(go);
	free(fail);
	free(queue);
	return a;
}

void
ahoc_free(struct ahoc *a)
{
	if (a == NULL)
		return;
	free(a->next);
	free(a->flags);
	free(a->out);
	free(a->dict);
	free(a->len);
	free(a);
}

unsigned
ahoc_flags(const struct ahoc *a, const char *s, size_t n, unsigned all)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned f = 0;
	int st = 0;

	for (size_t i = 0; i < n; i++) {
		st = a->next[st * a->nclass + a->cls[u[i]]];
		if (a->flags[st] != 0) {
			f |= a->flags[st];
			if ((f & all) == all)
				break;
		}
	}
	return f;
}

void
ahoc_each(const struct ahoc *a, const char *s, size_t n,
	  void (*hit)(void *arg, size_t pat, size_t at), void *arg)
{
	const unsigned char *u = (const unsigned char *)s;
	int st = 0;

	for (size_t i = 0; i < n; i++) {
		st = a->next[st * a->nclass + a->cls[u[i]]];
		if (a->flags[st] == 0 && a->out[st] < 0 && a->dict[st] < 0)
			continue;
		for (int o = a->out[st] >= 0 ? st : a->dict[st]; o >= 0;
		     o = a->dict[o]) {
			size_t p = (size_t)a->out[o];

			hit(arg, p, i + 1 - a->len[p]);
		}
	}
}
