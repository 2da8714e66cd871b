/*
 * test_jfast.c: unit tests of src/base/jfast.c, the fast path in front of
 * jansson: it builds the values jansson builds (members in order, escapes
 * and surrogate pairs decoded, the end just past the value) and declines
 * what it is not sure of (then jansson decides), and buf_vprintf's one-pass
 * formatting, which the check's reports lean on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/base.h"

/* jfast's value of text as compact text with members in order, or NULL
 * if it declines; *end past the value. */
static char *
fast(const char *text, size_t *end)
{
	json_t *v = jfast_loadb(text, strlen(text), end);
	char *s;

	if (v == NULL)
		return NULL;
	s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(v);
	return s;
}

static void
test_takes(void **state)
{
	const char *doc = "{\"b\": [1, -2, 0, true, false, null],\n"
			  " \"a\": {\"x\": \"y\"}, \"c\": 123456789012345678}"
			  ", {\"next\": 1}";
	size_t end = 0;
	char *s;

	(void)state;
	s = fast(doc, &end);
	assert_non_null(s);
	/* member order as written, not sorted */
	assert_string_equal(s, "{\"b\":[1,-2,0,true,false,null],\"a\":{\"x\":"
			       "\"y\"},\"c\":123456789012345678}");
	/* just past the closing brace, as jansson's position */
	assert_int_equal(end, (size_t)(strstr(doc, "}, {") - doc) + 1);
	free(s);
}

static void
test_escapes(void **state)
{
	size_t end;
	json_t *v;
	const char *s;

	(void)state;
	v = jfast_loadb("[\"\\u4e2d\\u6587 \\ud83d\\ude00 "
			"\\n\\t\\\"\\\\\\/\\b\\f\\r\", \"中\"]",
			strlen("[\"\\u4e2d\\u6587 \\ud83d\\ude00 "
			       "\\n\\t\\\"\\\\\\/\\b\\f\\r\", \"中\"]"),
			&end);
	assert_non_null(v);
	s = json_string_value(json_array_get(v, 0));
	assert_string_equal(s, "中文 \xF0\x9F\x98\x80 \n\t\"\\/\b\f\r");
	assert_string_equal(json_string_value(json_array_get(v, 1)), "中");
	json_decref(v);
}

static void
test_declines(void **state)
{
	static const char *const texts[] = {
	    "{\"a\":1,\"a\":2}",	   /* duplicate key */
	    "{\"a\":1.5}",		   /* real */
	    "{\"a\":1e3}",		   /* exponent */
	    "{\"a\":1234567890123456789}", /* more than 18 digits */
	    "{\"a\":01}",		   /* leading zero */
	    "{\"a\":\"\\u0000\"}",	   /* NUL */
	    "{\"a\":\"\\ud800\"}",	   /* lone high surrogate */
	    "{\"a\":\"\\udc00\"}",	   /* lone low surrogate */
	    "{\"a\":\"\xC0\xAF\"}",	   /* overlong UTF-8 */
	    "{\"a\":\"\xED\xA0\x80\"}",	   /* encoded surrogate */
	    "{\"a\":\"tab\there\"}",	   /* raw control character */
	    "{\"a\":\"\\x\"}",		   /* unknown escape */
	    "{\"a\":tru}",		   /* bad word */
	    "{\"a\":truex}",		   /* word run on */
	    "{\"a\":1",			   /* unclosed */
	    "{\"a\" 1}",		   /* no colon */
	    "{\"a\":1,}",		   /* trailing comma */
	    "[1 2]",			   /* no comma */
	    "{a:1}",			   /* bare key */
	    " {\"a\":1}",		   /* space before: the caller skips */
	    "\"a\"",			   /* not an object or array */
	    "",
	};
	char deep[200];
	size_t end;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		json_t *v = jfast_loadb(texts[i], strlen(texts[i]), &end);

		if (v != NULL)
			fail_msg("jfast took '%s'", texts[i]);
	}
	/* nesting deeper than 64 */
	memset(deep, '[', 70);
	memset(deep + 70, ']', 70);
	assert_null(jfast_loadb(deep, 140, &end));
	/* within len only: a value cut by len is declined */
	assert_null(jfast_loadb("{\"a\":1}", 6, &end));
}

static void
test_loads(void **state)
{
	json_t *v;

	(void)state;
	/* whitespace around, one value */
	v = jfast_loads(" \n[1, {\"k\": \"v\"}]\t ");
	assert_non_null(v);
	assert_int_equal(json_array_size(v), 2);
	json_decref(v);
	/* what it declines, jansson reads: a real, a duplicate (last wins) */
	v = jfast_loads("{\"a\": 1.5, \"b\": 1, \"b\": 2}");
	assert_non_null(v);
	assert_true(json_is_real(json_object_get(v, "a")));
	assert_int_equal(json_integer_value(json_object_get(v, "b")), 2);
	json_decref(v);
	/* and what neither takes is NULL */
	assert_null(jfast_loads("[1, 2] x"));
	assert_null(jfast_loads("{\"a\":"));
	assert_null(jfast_loads(NULL));
}

static void
note(void *arg, const char *const *vals)
{
	struct buf *b = arg;

	buf_printf(b, "%s,%s;", vals[0] ? vals[0] : "-",
		   vals[1] ? vals[1] : "-");
}

static void
test_rows(void **state)
{
	static const char *const fields[] = {"requirement", "status"};
	struct buf b = BUF_INIT(4096);

	(void)state;
	/* strings only (else NULL), nested values skipped, a later
	 * duplicate wins as in jansson, escapes decoded */
	assert_int_equal(
	    jfast_rows(" [{\"requirement\": \"LINK-2\", \"status\": "
		       "\"fail\", \"x\": {\"y\": [1, {}]}},\n"
		       "{\"status\": null, \"requirement\": 3},"
		       "{\"status\": \"a\", \"status\": \"p\\u00e9\"}, {}] ",
		       fields, 2, note, &b),
	    0);
	assert_string_equal(b.data, "LINK-2,fail;-,-;-,p\xC3\xA9;-,-;");
	buf_reset(&b);
	assert_int_equal(jfast_rows("[]", fields, 2, note, &b), 0);
	assert_int_equal(b.len, 0);
	/* declined: not an array of objects, bad JSON, text after it */
	assert_int_equal(jfast_rows("{}", fields, 2, note, &b), -1);
	assert_int_equal(jfast_rows("[1]", fields, 2, note, &b), -1);
	assert_int_equal(jfast_rows("[{\"a\":1.5}]", fields, 2, note, &b), -1);
	assert_int_equal(jfast_rows("[{}] x", fields, 2, note, &b), -1);
	assert_int_equal(jfast_rows("[{\"a\":", fields, 2, note, &b), -1);
	assert_int_equal(jfast_rows(NULL, fields, 2, note, &b), -1);
	buf_cleanup(&b);
}

static void
test_vprintf_once(void **state)
{
	struct buf b = BUF_INIT(16);

	(void)state;
	/* fits the room there is, then grows, then hits max */
	assert_int_equal(buf_printf(&b, "%s", "abc"), 0);
	assert_int_equal(buf_printf(&b, "%d", 12345), 0);
	assert_string_equal(b.data, "abc12345");
	assert_int_equal(buf_printf(&b, "%s", "0123456789"), -1);
	assert_string_equal(b.data, "abc12345");
	assert_int_equal(b.len, 8);
	assert_int_equal(buf_printf(&b, "%s", "01234567"), 0);
	assert_string_equal(b.data, "abc1234501234567");
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	assert_int_equal(buf_printf(&b, "x"), -1);
	assert_int_equal(b.len, 16);
	buf_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_takes),
	    cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_declines),
	    cmocka_unit_test(test_loads),
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_vprintf_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
