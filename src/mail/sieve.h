/*
 * sieve.h: an RFC 5228 Sieve parser for auditing users' mail filters
 * (govsec mail audit, REQUIREMENTS.md MAIL-1). It reads a script into a
 * tree of commands and tests; it does not run anything. Comments, quoted
 * strings with their escapes, `text:` blocks with dot-stuffing, numbers
 * with K/M/G, tags, string lists and test lists are read as RFC 5228 says;
 * with `require "encoded-character"` the ${hex:...} and ${unicode:...}
 * forms are decoded (RFC 5228 2.4.2.4), and with `require "variables"` a
 * string that names a variable (${name}) is flagged dynamic: its value is
 * known only when the script runs (RFC 5229).
 */
#ifndef GOVSEC_SIEVE_H
#define GOVSEC_SIEVE_H

#include "base/base.h"

#define SIEVE_MAX_SCRIPT (1024 * 1024) /* Pigeonhole's default size limit */
#define SIEVE_MAX_DEPTH	 32	       /* nesting of blocks and tests */
#define SIEVE_MAX_STRING (64 * 1024)
#define SIEVE_MAX_ITEMS	 1024 /* arguments, list items, commands a block */

enum sieve_arg_type { SIEVE_STRINGS, SIEVE_NUMBER, SIEVE_TAG };

struct sieve_string {
	const char *s; /* decoded, NUL-terminated (a NUL inside ends it) */
	int dynamic;   /* names a variable: its value is known at run time */
};

struct sieve_arg {
	enum sieve_arg_type type;
	int list;		   /* SIEVE_STRINGS: written as [ ... ] */
	struct sieve_string *strs; /* SIEVE_STRINGS */
	size_t nstrs;
	unsigned long long num; /* SIEVE_NUMBER, K/M/G applied */
	const char *tag;	/* SIEVE_TAG, without the ':' */
};

/* A command (with its block) or a test (with its tests). */
struct sieve_node {
	const char *name; /* identifier, lower-cased */
	int line, col;
	struct sieve_arg *args;
	size_t nargs;
	struct sieve_node *tests; /* the test of if/elsif, or anyof(...) */
	size_t ntests;
	struct sieve_node *block; /* { commands } */
	size_t nblock;
	int has_block;
};

struct sieve_script {
	struct arena arena; /* everything below lives here */
	struct sieve_node *cmds;
	size_t ncmds;
	const char **requires; /* every capability named by require */
	size_t nrequires;
};

/*
 * Parses src (n bytes, UTF-8) into s. Returns 0, or -1 with e set to
 * "LINE:COL: what" for the first error (the caller prefixes the file
 * name). sieve_free releases s either way.
 */
int sieve_parse(struct sieve_script *s, const char *src, size_t n,
		struct err *e);
void sieve_free(struct sieve_script *s);
/* 1 if the script requires capability cap. */
int sieve_requires(const struct sieve_script *s, const char *cap);

/* Calls fn for every command of the script, nested ones included, in
 * order; fn returns 0 to go on, anything else to stop (returned). */
typedef int (*sieve_visit_fn)(void *arg, const struct sieve_node *cmd);
int sieve_walk(const struct sieve_script *s, sieve_visit_fn fn, void *arg);

#endif
