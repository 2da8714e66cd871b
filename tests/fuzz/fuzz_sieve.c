/*
 * fuzz_sieve.c: libFuzzer harness for the Sieve parser (src/mail/sieve.c),
 * which reads users' scripts in `govsec mail audit`. Any bytes: a script
 * either parses into a tree whose every string is NUL-terminated and
 * whose nesting respects the limits, or is refused with "LINE:COL: what".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/sieve.h"

#include "fuzz.h"

static size_t
depth(const struct sieve_node *v, size_t n, size_t d)
{
	size_t max = d;

	for (size_t i = 0; i < n; i++) {
		const struct sieve_node *c = &v[i];
		size_t k;

		CHECK(c->name != NULL && c->name[0] != '\0');
		CHECK(c->line >= 1 && c->col >= 1);
		for (size_t j = 0; j < c->nargs; j++) {
			const struct sieve_arg *a = &c->args[j];

			if (a->type == SIEVE_TAG)
				CHECK(a->tag != NULL);
			for (size_t s = 0; a->type == SIEVE_STRINGS &&
					   s < a->nstrs;
			     s++)
				CHECK(strlen(a->strs[s].s) <= SIEVE_MAX_STRING);
		}
		k = depth(c->tests, c->ntests, d + 1);
		max = k > max ? k : max;
		k = depth(c->block, c->nblock, d + 1);
		max = k > max ? k : max;
	}
	return max;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sieve_script s;
	struct err e;

	if (sieve_parse(&s, (const char *)data, size, &e) == 0) {
		CHECK(depth(s.cmds, s.ncmds, 0) <= 2 * SIEVE_MAX_DEPTH + 2);
	} else {
		char *colon = strchr(e.msg, ':');

		/* "LINE:COL: what", or the size limit */
		CHECK((colon != NULL && e.msg[0] >= '1' && e.msg[0] <= '9') ||
		      strstr(e.msg, "larger than") != NULL);
	}
	sieve_free(&s);
	return 0;
}
