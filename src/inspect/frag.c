/*
 * frag.c: fragments of links (#id): after the crawl, a link whose target
 * page was parsed (the site's pages, and other sites' pages fetched to
 * check outbound links) is broken when the page has no element with that
 * id or anchor name. Routes of single-page applications ("#/path",
 * "#!path") and an empty fragment name no element and are never broken.
 * Fragments and ids come from untrusted pages.
 */
#include <stdlib.h>
#include <string.h>

#include "inspect/crawl_int.h"

void
frag_ids(struct crawler *c, struct job *j, struct target *t)
{
	struct xpage *p = extract_finish(j->x);

	(void)c;
	if (t->ids != NULL)
		return;
	t->ids = xcalloc(1, sizeof(*t->ids));
	*t->ids = p->ids; /* handed over */
	map_init(&p->ids);
	t->ids_cut = j->cut != 0;
}

/* 1 if the target page t has an element named frag (as written or
 * percent-decoded). */
static int
frag_found(const struct target *t, const char *frag)
{
	struct buf q = BUF_INIT(16384);
	char *dec;
	long long v;
	int found;

	if (map_get(t->ids, frag, &v) == 0)
		return 1;
	buf_addstr(&q, "?f=");
	buf_addstr(&q, frag);
	dec = url_query_param(q.data ? q.data : "?f=", "f");
	buf_cleanup(&q);
	found = dec != NULL && map_get(t->ids, dec, &v) == 0;
	free(dec);
	return found;
}

void
frag_check(struct crawler *c)
{
	for (size_t i = 0; i < c->r->nlinks; i++) {
		struct insp_link *l = &c->r->links[i];
		struct target *t;
		const char *frag;

		if (c->lfrag[i] < 0 || c->ltarget[i] < 0)
			continue;
		t = &c->t[c->ltarget[i]];
		frag = l->url + c->lfrag[i] + 1;
		if (t->ids == NULL || t->status != INSP_OK ||
		    url_frag_route(frag) || !strcmp(frag, "top") ||
		    frag_found(t, frag))
			continue;
		if (t->ids_cut)
			continue; /* the rest of the page was not read */
		l->status = INSP_BROKEN;
		l->reason = "fragment_missing";
		free(l->detail);
		l->detail = xstrdup("no element with this id or anchor name");
	}
}
