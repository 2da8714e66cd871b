/*
 * fuzz_jfast.c: libFuzzer harness for jfast (src/base/jfast.c), the fast
 * path in front of jansson for untrusted JSON. Input is any bytes. The
 * promise checked is the one callers rely on: whatever jfast takes,
 * jansson takes too (with the import's flags), ending at the same byte,
 * with an equal value and the same member order; jfast_loads gives what
 * json_loads gives. Declining is always allowed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/base.h"

#include "fuzz.h"

#define INPUT_MAX (1 << 20)

/* The same value with members in the same order (json_equal ignores
 * order): compared as jansson's compact text, order preserved. */
static void
check_same(json_t *a, json_t *b)
{
	char *x, *y;

	CHECK(json_equal(a, b));
	x = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	y = json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	CHECK(x != NULL && y != NULL && strcmp(x, y) == 0);
	free(x);
	free(y);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data;
	json_error_t je;
	json_t *v, *j;
	size_t end = 0;
	char *text;

	if (size > INPUT_MAX)
		return 0;
	v = jfast_loadb(t, size, &end);
	if (v != NULL) {
		CHECK(end > 0 && end <= size);
		j = json_loadb(t, size,
			       JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES |
				   JSON_DECODE_ANY,
			       &je);
		CHECK(j != NULL);
		CHECK(je.position >= 0 && (size_t)je.position == end);
		check_same(v, j);
		json_decref(j);
		json_decref(v);
	}
	/* As a NUL-terminated text, the whole of it one value. */
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	v = jfast_loads(text);
	j = json_loads(text, 0, NULL);
	CHECK((v == NULL) == (j == NULL));
	if (v != NULL)
		check_same(v, j);
	json_decref(v);
	json_decref(j);
	free(text);
	return 0;
}
