/*
 * log.c: leveled logging to stderr with UTC timestamps. Callers must never
 * pass secrets (passwords, tokens, keys); messages are written as given.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/base.h"

static enum log_level min_level = LOG_INFO;

void
log_set_level(enum log_level lvl)
{
	min_level = lvl;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	char ts[32];
	va_list ap;

	if (lvl < min_level)
		return;
	time_fmt(time(NULL), ts, sizeof(ts));
	fprintf(stderr, "%s %s: ", ts, names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("govsec: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}
