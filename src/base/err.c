/* err.c: the error message carrier; formats into a fixed buffer. */
#include <stdio.h>
#include <string.h>

#include "base/base.h"

void
err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	if (vsnprintf(e->msg, sizeof(e->msg), fmt, ap) >= (int)sizeof(e->msg))
		str_utf8_trim(e->msg, sizeof(e->msg) - 1);
	va_end(ap);
}

void
err_prefix(struct err *e, const char *fmt, ...)
{
	char prefix[256], old[sizeof(e->msg)], both[1024];
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	snprintf(both, sizeof(both), "%s: %s", prefix, old);
	str_copy(e->msg, both, sizeof(e->msg)); /* truncation is acceptable */
}
