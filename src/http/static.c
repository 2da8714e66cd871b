/*
 * static.c: serves the console files compiled into the daemon (assets[]
 * from web/ by cmake/embed.cmake) with their media types. The path is
 * untrusted but only ever compared with the table; nothing touches the
 * file system.
 */
#include <string.h>

#include "http/assets.h"
#include "http/http.h"

static const struct {
	const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".txt", "text/plain; charset=utf-8"},
    {".svg", "image/svg+xml; charset=utf-8"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
};

static const char *
type_of(const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (str_ends(path, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

int
http_static(struct http_req *r)
{
	const char *path = strcmp(r->path, "/") == 0 ? "/index.html" : r->path;
	char *copy;

	for (const struct asset *a = assets; a->path != NULL; a++) {
		if (strcmp(a->path, path) != 0)
			continue;
		copy = xmalloc(a->len + 1);
		memcpy(copy, a->data, a->len);
		free(r->out);
		r->out = copy;
		r->out_len = a->len;
		r->ctype = type_of(path);
		r->status = 200;
		return 0;
	}
	return http_error(r, 404, "no such resource '%s'", r->path);
}
