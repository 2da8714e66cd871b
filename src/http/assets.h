/* assets.h: console files compiled into the daemon (cmake/embed.cmake). */
#ifndef GOVSEC_ASSETS_H
#define GOVSEC_ASSETS_H

#include <stddef.h>

struct asset {
	const char *path; /* "/app.js" */
	const unsigned char *data;
	size_t len;
};
/* Terminated by an entry with path NULL. */
extern const struct asset assets[];

#endif
