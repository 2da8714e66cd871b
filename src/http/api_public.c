/*
 * api_public.c: the pages of the public listener: the leave-site prompt
 * (LINK-3) behind signed /leave?to=URL&sig=MAC links. The query is
 * untrusted; a link whose signature does not match gets a page that links
 * nowhere, so the listener is never an open redirect.
 */
#include <stdlib.h>

#include "http/http.h"
#include "inspect/inspect.h"

int
http_leave(struct http_req *r)
{
	struct buf page = BUF_INIT(64 * 1024);
	int status;

	status = leave_render(http_query(r, "to"), http_query(r, "sig"),
			      (const unsigned char *)r->ctx->leave_key.data,
			      r->ctx->leave_key.len, &page);
	free(r->out);
	r->out = buf_detach(&page, &r->out_len);
	r->ctype = "text/html; charset=utf-8";
	r->status = status; /* the server adds no-store for public pages */
	return 0;
}
