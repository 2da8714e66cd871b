/*
 * frag.c: fragments of links (#id): after the crawl, a link whose target
 * page was parsed is broken when the page has no element with that id or
 * anchor name. Fragments come from untrusted pages.
 */
#include <stdlib.h>
#include <string.h>

#include "inspect/crawl_int.h"

void
frag_check(struct crawler *c)
{
	for (size_t i = 0; i < c->r->nlinks; i++) {
		struct insp_link *l = &c->r->links[i];
		struct target *t;
		char *frag;
		long long v;

		if (c->lfrag[i] < 0 || c->ltarget[i] < 0)
			continue;
		t = &c->t[c->ltarget[i]];
		frag = l->url + c->lfrag[i] + 1;
		if (t->ids == NULL || t->status != INSP_OK || *frag == '\0' ||
		    !strcmp(frag, "top"))
			continue;
		{
			char *dec = url_query_param("?f=", "f");
			struct buf q = BUF_INIT(16384);

			free(dec);
			buf_addstr(&q, "?f=");
			buf_addstr(&q, frag);
			dec = url_query_param(q.data ? q.data : "?f=", "f");
			buf_cleanup(&q);
			if (map_get(t->ids, dec ? dec : frag, &v) < 0 &&
			    map_get(t->ids, frag, &v) < 0) {
				l->status = INSP_BROKEN;
				l->reason = "fragment_missing";
				free(l->detail);
				l->detail = xstrdup("no element with this id "
						    "or anchor name");
			}
			free(dec);
		}
	}
}
