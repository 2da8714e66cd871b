/*
 * fuzz_insp_robots.c: libFuzzer harness for robots.txt: the input is a
 * robots file; paths taken from its own lines are asked about. Checks
 * that answers are 0 or 1, "/robots.txt"-style calls stay bounded, and an
 * empty file allows everything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct robots *r;
	char path[256];
	size_t n = size < sizeof(path) - 2 ? size : sizeof(path) - 2;
	int a;

	if (size > (1u << 20))
		return 0;
	r = robots_parse((const char *)data, size, "govsec");
	path[0] = '/';
	memcpy(path + 1, data, n);
	path[n + 1] = '\0';
	a = robots_allowed(r, path);
	CHECK(a == 0 || a == 1);
	a = robots_allowed(r, "/");
	CHECK(a == 0 || a == 1);
	robots_free(r);
	r = robots_parse("", 0, "govsec");
	CHECK(robots_allowed(r, path) == 1);
	robots_free(r);
	return 0;
}
