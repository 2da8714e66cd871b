/*
 * fuzz_insp_css.c: libFuzzer harness for the CSS scanners: url() and
 * @import targets, declaration flags and rule collection. Checks that
 * every URL handed over is non-empty, NUL-free and at most 4096 bytes and
 * that collected keys are selectors.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

#include "fuzz.h"

static void
seen(void *arg, const char *u)
{
	size_t n = strlen(u);

	(*(int *)arg)++;
	CHECK(n > 0 && n <= 4096);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct map m;
	int calls = 0;

	if (size > (4u << 20))
		return 0;
	css_scan_urls((const char *)data, size, seen, &calls);
	CHECK(calls <= 10000);
	(void)css_decl_flags((const char *)data, size);
	map_init(&m);
	css_collect_rules((const char *)data, size, &m);
	for (size_t i = 0; i < m.cap; i++)
		if (m.keys[i] != NULL)
			CHECK(m.keys[i][0] == '.' || m.keys[i][0] == '#');
	map_cleanup(&m);
	return 0;
}
