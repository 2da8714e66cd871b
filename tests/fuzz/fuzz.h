/*
 * fuzz.h: what every libFuzzer harness of tests/fuzz shares: the entry
 * point libFuzzer (or replay.c, for `make test`) calls, and CHECK, an
 * invariant kept under NDEBUG too that names the failed condition.
 */
#ifndef GOVSEC_FUZZ_H
#define GOVSEC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,     \
				#cond);                                        \
			abort();                                               \
		}                                                              \
	} while (0)

#endif
