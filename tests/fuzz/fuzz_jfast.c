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

/* jfast_rows' calls, written down: per row, each value or "-" */
static void
note_row(void *arg, const char *const *vals)
{
	struct buf *b = arg;

	for (int i = 0; i < 2; i++)
		if (vals[i] == NULL)
			buf_addstr(b, "-|");
		else
			buf_printf(b, "%zu:%s|", strlen(vals[i]), vals[i]);
	buf_addch(b, '\n');
}

/* jfast_rows takes only arrays of objects that json_loads takes, with the
 * values json_object_get gives. */
static void
check_rows(const char *text)
{
	static const char *const fields[] = {"a", "b"};
	struct buf fast = BUF_INIT(1 << 24), slow = BUF_INIT(1 << 24);
	json_t *j, *o;
	size_t i;

	if (jfast_rows(text, fields, 2, note_row, &fast) == 0) {
		j = json_loads(text, 0, NULL);
		CHECK(json_is_array(j));
		json_array_foreach(j, i, o)
		{
			const char *v[2];

			CHECK(json_is_object(o));
			for (int k = 0; k < 2; k++)
				v[k] = json_string_value(
				    json_object_get(o, fields[k]));
			note_row(&slow, v);
		}
		CHECK(fast.len == slow.len &&
		      (fast.len == 0 ||
		       memcmp(fast.data, slow.data, fast.len) == 0));
		json_decref(j);
	}
	buf_cleanup(&fast);
	buf_cleanup(&slow);
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
	check_rows(text);
	free(text);
	return 0;
}
