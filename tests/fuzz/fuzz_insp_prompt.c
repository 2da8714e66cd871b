/*
 * fuzz_insp_prompt.c: libFuzzer harness for the leave-site prompt
 * detector: script text, onclick attributes and script names. Checks that
 * flags stay within the defined bits and that a global prompt needs a
 * handler, a host check and a confirm or wording.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned f;
	char *s;

	if (size > (1u << 20))
		return 0;
	f = prompt_scan_script((const char *)data, size);
	CHECK((f & ~15u) == 0);
	if (prompt_global(f))
		CHECK((f & PROMPT_HANDLER) && (f & PROMPT_HOST) &&
		      (f & (PROMPT_CONFIRM | PROMPT_WORDING)));
	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	f = (unsigned)prompt_onclick(s);
	CHECK(f == 0 || f == 1);
	f = (unsigned)prompt_known_script(s);
	CHECK(f == 0 || f == 1);
	free(s);
	return 0;
}
