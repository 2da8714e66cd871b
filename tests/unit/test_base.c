/*
 * test_base.c: unit tests of src/base: bounded buffers (STYLE 7), string
 * and number helpers, UTF-8 validation, strict time parsing (RFC 3339 and
 * dates, leap years, offsets), the map, the arena, SM3 (GMCRYPTO-1),
 * constant-time comparison and argon2id passwords. Files go to a temporary
 * directory under $GOVSEC_TEST_TMP (or /tmp), removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

static char tmpdir[4096];

static int
make_tmpdir(void **state)
{
	(void)state;
	if (tu_mkdtemp(tmpdir, sizeof(tmpdir), "test_base") < 0)
		return -1;
	return 0;
}

static int
remove_tmpdir(void **state)
{
	(void)state;
	tu_rmdir(tmpdir);
	return 0;
}

static void
write_file(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* buf.c */

static void
test_buf_limit(void **state)
{
	struct buf b = BUF_INIT(8);

	(void)state;
	assert_int_equal(buf_add(&b, "abcd", 4), 0);
	assert_int_equal(buf_addstr(&b, "efgh"), 0);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "abcdefgh");
	/* One byte past the maximum fails and leaves the contents alone. */
	assert_int_equal(buf_addch(&b, 'i'), -1);
	assert_int_equal(buf_add(&b, "ij", 2), -1);
	assert_int_equal(buf_printf(&b, "%d", 1), -1);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "abcdefgh");
	/* Adding nothing at the limit is fine. */
	assert_int_equal(buf_add(&b, "", 0), 0);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(buf_printf(&b, "%s-%d", "ab", 12345), 0);
	assert_string_equal(b.data, "ab-12345");
	/* A formatted string that would not fit is refused whole. */
	assert_int_equal(buf_printf(&b, "%s", "x"), -1);
	assert_string_equal(b.data, "ab-12345");
	buf_cleanup(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void
test_buf_huge_request(void **state)
{
	struct buf b = BUF_INIT(16);

	(void)state;
	assert_int_equal(buf_addstr(&b, "0123456789"), 0);
	/* Lengths that would overflow size_t arithmetic are refused. */
	assert_int_equal(buf_add(&b, "x", SIZE_MAX), -1);
	assert_int_equal(buf_add(&b, "x", SIZE_MAX - 5), -1);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456789");
	buf_cleanup(&b);
}

static void
test_buf_grows(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 20);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_printf(&b, "%04d", i % 10000), 0);
	assert_int_equal(b.len, 40000);
	assert_int_equal(strlen(b.data), 40000);
	assert_memory_equal(b.data + 39996, "9999", 4);
	buf_cleanup(&b);
}

static void
test_buf_html(void **state)
{
	struct buf b = BUF_INIT(1024);

	(void)state;
	assert_int_equal(buf_add_html(&b, "<a href=\"x\">Tom & 'Jerry'</a>"),
			 0);
	assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;Tom &amp; "
				    "&#39;Jerry&#39;&lt;/a&gt;");
	buf_cleanup(&b);

	/* Escaping past the maximum fails. */
	struct buf small = BUF_INIT(4);

	assert_int_equal(buf_add_html(&small, "<<"), -1);
	buf_cleanup(&small);
}

static void
test_json_put(void **state)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);

	(void)state;
	assert_non_null(f);
	str_json_put(f, "a\"b\\c\n\x01政");
	fputc(' ', f);
	str_json_put(f, "bad \xff byte");
	fputc(' ', f);
	str_json_put(f, NULL);
	fclose(f);
	/* a C0 control makes the text invalid: it is replaced, not escaped */
	assert_string_equal(text, "\"a\\\"b\\\\c\\u000a\xef\xbf\xbd政\" "
				  "\"bad \xef\xbf\xbd byte\" null");
	free(text);
}

static void
test_buf_pct(void **state)
{
	struct buf b = BUF_INIT(1024), small = BUF_INIT(4);

	(void)state;
	assert_int_equal(buf_add_pct(&b, "https://a.gov.cn/x?y=1&z=政 ~-._"),
			 0);
	assert_string_equal(b.data, "https%3A%2F%2Fa.gov.cn%2Fx%3Fy%3D1%26z%3D"
				    "%E6%94%BF%20~-._");
	buf_cleanup(&b);
	assert_int_equal(buf_add_pct(&small, "//"), -1);
	buf_cleanup(&small);
}

static void
test_buf_detach(void **state)
{
	struct buf b = BUF_INIT(64);
	size_t len = 99;
	char *s;

	(void)state;
	s = buf_detach(&b, &len);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	assert_int_equal(buf_addstr(&b, "hello"), 0);
	s = buf_detach(&b, &len);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 64);
	free(s);
	/* The buffer is usable again. */
	assert_int_equal(buf_addstr(&b, "again"), 0);
	assert_string_equal(b.data, "again");
	buf_cleanup(&b);
}

static void
test_buf_read_file(void **state)
{
	char path[8192], empty[8192], msg[9000];
	struct buf b = BUF_INIT(10);
	struct err e;

	(void)state;
	assert_true(str_fmt(path, sizeof(path), "%s/ten", tmpdir) > 0);
	write_file(path, "0123456789", 10);
	assert_int_equal(buf_read_file(&b, path, &e), 0);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456789");
	buf_cleanup(&b);

	/* One byte over the maximum. */
	write_file(path, "0123456789A", 11);
	assert_int_equal(buf_read_file(&b, path, &e), -1);
	assert_true(str_fmt(msg, sizeof(msg),
			    "'%s' is larger than the limit of 10 bytes",
			    path) > 0);
	assert_string_equal(e.msg, msg);
	buf_cleanup(&b);

	/* An empty file gives an empty string, not NULL. */
	assert_true(str_fmt(empty, sizeof(empty), "%s/empty", tmpdir) > 0);
	write_file(empty, "", 0);
	assert_int_equal(buf_read_file(&b, empty, &e), 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	buf_cleanup(&b);

	assert_true(str_fmt(path, sizeof(path), "%s/missing", tmpdir) > 0);
	assert_int_equal(buf_read_file(&b, path, &e), -1);
	assert_true(str_fmt(msg, sizeof(msg),
			    "cannot open '%s': No such file or directory",
			    path) > 0);
	assert_string_equal(e.msg, msg);
	buf_cleanup(&b);
}

/* str.c */

static void
test_str_copy_fmt(void **state)
{
	char d[6];

	(void)state;
	assert_int_equal(str_copy(d, "abcde", sizeof(d)), 0);
	assert_string_equal(d, "abcde");
	assert_int_equal(str_copy(d, "abcdef", sizeof(d)), -1);
	assert_string_equal(d, "abcde");
	assert_int_equal(str_copy(d, "", sizeof(d)), 0);
	assert_string_equal(d, "");
	assert_int_equal(str_copy(d, "x", 0), -1);

	assert_int_equal(str_fmt(d, sizeof(d), "%d-%s", 12, "ab"), 5);
	assert_string_equal(d, "12-ab");
	assert_int_equal(str_fmt(d, sizeof(d), "%d-%s", 12, "abc"), -1);
	assert_string_equal(d, "12-ab"); /* truncated, still terminated */
}

static void
test_str_starts_ends(void **state)
{
	(void)state;
	assert_true(str_starts("sqlite:x", "sqlite:"));
	assert_true(str_starts("abc", ""));
	assert_false(str_starts("sql", "sqlite:"));
	assert_true(str_ends("www.gov.cn", ".gov.cn"));
	assert_true(str_ends("abc", ""));
	assert_false(str_ends("gov.cn", ".gov.cn"));
	assert_false(str_ends("", "a"));
}

/* str_to_ll on a string expected to be refused; out stays untouched. */
static void
ll_bad(const char *s, long long min, long long max)
{
	long long out = 4242;

	if (str_to_ll(s, min, max, &out) != -1)
		fail_msg("str_to_ll accepted \"%s\" as %lld", s, out);
	assert_int_equal(out, 4242);
}

static void
test_str_to_ll(void **state)
{
	long long v;

	(void)state;
	assert_int_equal(str_to_ll("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(str_to_ll("-7", -10, 10, &v), 0);
	assert_int_equal(v, -7);
	assert_int_equal(str_to_ll("0", 0, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(str_to_ll("100", 0, 100, &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(str_to_ll("007", 0, 100, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(
	    str_to_ll("9223372036854775807", LLONG_MIN, LLONG_MAX, &v), 0);
	assert_true(v == LLONG_MAX);
	assert_int_equal(
	    str_to_ll("-9223372036854775808", LLONG_MIN, LLONG_MAX, &v), 0);
	assert_true(v == LLONG_MIN);

	ll_bad("101", 0, 100);
	ll_bad("-1", 0, 100);
	ll_bad("9223372036854775808", LLONG_MIN, LLONG_MAX);
	ll_bad("-9223372036854775809", LLONG_MIN, LLONG_MAX);
	ll_bad(NULL, 0, 100);
	ll_bad("", 0, 100);
	ll_bad("-", 0, 100);
	ll_bad("+1", 0, 100);
	ll_bad(" 1", 0, 100);
	ll_bad("1 ", 0, 100);
	ll_bad("1x", 0, 100);
	ll_bad("0x10", 0, 100);
	ll_bad("1.0", 0, 100);
	ll_bad("1e2", 0, 100);
	/* "a whole decimal integer": no leading white space of any kind. */
	ll_bad("\t1", 0, 100);
	ll_bad("\n1", 0, 100);
	ll_bad("\v1", 0, 100);
	ll_bad("\r1", 0, 100);
}

static void
test_utf8_valid(void **state)
{
	(void)state;
	assert_true(str_utf8_valid("", 0));
	assert_true(str_utf8_valid("plain ascii", 11));
	assert_true(str_utf8_valid("tab\tlf\ncr\r", 10));
	assert_true(str_utf8_valid("江门市", strlen("江门市")));
	assert_true(str_utf8_valid("\xc2\xa0", 2));	    /* U+00A0 */
	assert_true(str_utf8_valid("\xef\xbf\xbf", 3));	    /* U+FFFF */
	assert_true(str_utf8_valid("\xf0\x9f\x98\x80", 4)); /* U+1F600 */
	assert_true(str_utf8_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF */
	assert_true(str_utf8_valid("\xed\x9f\xbf", 3));	    /* U+D7FF */
	assert_true(str_utf8_valid("\xee\x80\x80", 3));	    /* U+E000 */

	/* Control characters and NUL. */
	assert_false(str_utf8_valid("a\x01", 2));
	assert_false(str_utf8_valid("\x1b[0m", 4));
	assert_false(str_utf8_valid("\x7f", 1));
	assert_false(str_utf8_valid("a\0b", 3));
	/* Overlong forms, surrogates, beyond U+10FFFF, bad lead bytes. */
	assert_false(str_utf8_valid("\xc0\x80", 2));
	assert_false(str_utf8_valid("\xc1\xbf", 2));
	assert_false(str_utf8_valid("\xe0\x80\x80", 3));
	assert_false(str_utf8_valid("\xe0\x9f\xbf", 3));
	assert_false(str_utf8_valid("\xf0\x8f\xbf\xbf", 4));
	assert_false(str_utf8_valid("\xed\xa0\x80", 3)); /* U+D800 */
	assert_false(str_utf8_valid("\xed\xbf\xbf", 3)); /* U+DFFF */
	assert_false(str_utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(str_utf8_valid("\xf5\x80\x80\x80", 4));
	assert_false(str_utf8_valid("\xff", 1));
	assert_false(str_utf8_valid("\x80", 1));
	assert_false(str_utf8_valid("a\xbf", 2));
	/* Truncated sequences, including one cut by n. */
	assert_false(str_utf8_valid("\xe6\xb1", 2));
	assert_false(str_utf8_valid("\xe6\xb1\x9f", 2));
	assert_false(str_utf8_valid("\xf0\x9f\x98", 3));
	assert_false(str_utf8_valid("\xe6\x41\x9f", 3));
	/* n bounds the check: bytes after it are not looked at. */
	assert_true(str_utf8_valid("ab\x01", 2));

	assert_int_equal(str_utf8_len(""), 0);
	assert_int_equal(str_utf8_len("abc"), 3);
	assert_int_equal(str_utf8_len("江门市a"), 4);
	assert_int_equal(str_utf8_len("\xf0\x9f\x98\x80"), 1);
}

static void
sanitized(const char *in, const char *want)
{
	char *got = str_utf8_sanitize(in);

	if (strcmp(got, want) != 0)
		fail_msg("str_utf8_sanitize(\"%s\") = \"%s\", expected \"%s\"",
			 in, got, want);
	assert_true(str_utf8_valid(got, strlen(got)));
	free(got);
}

#define FFFD "\xef\xbf\xbd"

static void
test_utf8_sanitize(void **state)
{
	(void)state;
	sanitized("", "");
	sanitized("plain", "plain");
	sanitized("江门市 tab\tlf\n", "江门市 tab\tlf\n");
	sanitized("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	sanitized("\xff", FFFD);
	sanitized("a\xff"
		  "b",
		  "a" FFFD "b");
	sanitized("a\x01"
		  "b\x7f",
		  "a" FFFD "b" FFFD);
	sanitized("\x1b[31m", FFFD "[31m");
	/* Each bad byte of a broken sequence. */
	sanitized("a\xe6\xb1", "a" FFFD FFFD);
	sanitized("\xe6\xb1x\x9f", FFFD FFFD "x" FFFD);
	sanitized("\xc0\x80", FFFD FFFD);
	sanitized("\xed\xa0\x80", FFFD FFFD FFFD);
	sanitized("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);
	/* A good sequence right after a bad byte survives. */
	sanitized("\xe6江", FFFD "江");
}

/* timeutil.c */

#define T_2024_07_01 1719792000LL /* 2024-07-01T00:00:00Z */

static long long
parse_ok(const char *s)
{
	time_t t = 0;

	if (time_parse(s, &t) != 0)
		fail_msg("time_parse refused \"%s\"", s);
	return (long long)t;
}

static void
parse_bad(const char *s)
{
	time_t t = 777;

	if (time_parse(s, &t) != -1)
		fail_msg("time_parse accepted \"%s\" as %lld", s, (long long)t);
	assert_int_equal(t, 777);
}

static void
test_time_parse_dates(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1970-01-01"), 0);
	assert_int_equal(parse_ok("2024-07-01"), T_2024_07_01);
	assert_int_equal(parse_ok("2024-12-31"), 1735603200LL);
	/* Leap years: divisible by 4, not by 100 unless by 400. */
	assert_int_equal(parse_ok("2024-02-29"), 1709164800LL);
	assert_int_equal(parse_ok("2000-02-29"), 951782400LL);
	parse_bad("2023-02-29");
	parse_bad("2100-02-29");
	parse_bad("2024-02-30");
	parse_bad("2024-04-31");
	parse_bad("2024-06-31");
	parse_bad("2024-09-31");
	parse_bad("2024-11-31");
	assert_int_equal(parse_ok("2024-01-31"), 1706659200LL);
	parse_bad("2024-00-10");
	parse_bad("2024-13-01");
	parse_bad("2024-07-00");
	parse_bad("2024-07-32");
	/* Shape: four digit year, two digit month and day, dashes. */
	parse_bad("");
	parse_bad("2024-7-01");
	parse_bad("2024-07-1");
	parse_bad("24-07-01");
	parse_bad("2024/07/01");
	parse_bad("20240701");
	parse_bad("2024-07-01x");
	parse_bad(" 2024-07-01");
	parse_bad("2024-07-01 ");
	parse_bad("2024-07-0a");
	parse_bad("+024-07-01");
	parse_bad("-2024-07-01");

	assert_true(time_is_date("2024-07-01"));
	assert_true(time_is_date("2024-02-29"));
	assert_false(time_is_date("2023-02-29"));
	assert_false(time_is_date("2024-07-01T00:00:00Z"));
	assert_false(time_is_date("2024-07-1"));
	assert_false(time_is_date(""));
}

static void
test_time_parse_rfc3339(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2024-07-01T00:00:00Z"), T_2024_07_01);
	assert_int_equal(parse_ok("2024-07-01T12:34:56Z"),
			 T_2024_07_01 + 12 * 3600 + 34 * 60 + 56);
	assert_int_equal(parse_ok("2024-07-01T23:59:59Z"),
			 T_2024_07_01 + 86399);
	/* Offsets: local time minus the offset is UTC. */
	assert_int_equal(parse_ok("2024-07-01T08:00:00+08:00"), T_2024_07_01);
	assert_int_equal(parse_ok("2024-06-30T19:00:00-05:00"), T_2024_07_01);
	assert_int_equal(parse_ok("2024-07-01T05:30:00+05:30"), T_2024_07_01);
	assert_int_equal(parse_ok("2024-07-01T00:00:00+00:00"), T_2024_07_01);
	assert_int_equal(parse_ok("2024-07-01T00:00:00-00:00"), T_2024_07_01);
	assert_int_equal(parse_ok("2024-07-01T00:00:00+23:59"),
			 T_2024_07_01 - (23 * 3600 + 59 * 60));
	/* A fraction is allowed and ignored; 't', 'z' and ' ' as RFC 3339
	 * permits. */
	assert_int_equal(parse_ok("2024-07-01T00:00:00.5Z"), T_2024_07_01);
	assert_int_equal(parse_ok("2024-07-01T00:00:00.123456789+00:00"),
			 T_2024_07_01);
	assert_int_equal(parse_ok("2024-07-01t00:00:00z"), T_2024_07_01);
	assert_int_equal(parse_ok("2024-07-01 00:00:00Z"), T_2024_07_01);
	/* Leap second (:60) is valid RFC 3339. */
	assert_int_equal(parse_ok("2016-12-31T23:59:60Z"), 1483228800LL);
	/* A leap day with a time. */
	assert_int_equal(parse_ok("2024-02-29T12:00:00+08:00"),
			 1709164800LL + 4 * 3600);

	parse_bad("2024-07-01T00:00:00");
	parse_bad("2024-07-01T00:00Z");
	parse_bad("2024-07-01T0:00:00Z");
	parse_bad("2024-07-01T24:00:00Z");
	parse_bad("2024-07-01T23:60:00Z");
	parse_bad("2024-07-01T23:59:61Z");
	parse_bad("2024-07-01T00:00:00.Z");
	parse_bad("2024-07-01T00:00:00,5Z");
	parse_bad("2024-07-01T00:00:00+0800");
	parse_bad("2024-07-01T00:00:00+08");
	parse_bad("2024-07-01T00:00:00+24:00");
	parse_bad("2024-07-01T00:00:00+08:60");
	parse_bad("2024-07-01T00:00:00+08:00 ");
	parse_bad("2024-07-01T00:00:00ZZ");
	parse_bad("2024-07-01T00:00:00UTC");
	parse_bad("2024-07-01X00:00:00Z");
	parse_bad("2024-07-01T");
	parse_bad("2024-02-30T00:00:00Z");
	parse_bad("2023-02-29T00:00:00Z");
}

static void
test_time_fmt(void **state)
{
	char out[32], date[11], small[5];
	time_t t;

	(void)state;
	time_fmt((time_t)T_2024_07_01, out, sizeof(out));
	assert_string_equal(out, "2024-07-01T00:00:00Z");
	time_fmt((time_t)1709164800LL + 3723, out, sizeof(out));
	assert_string_equal(out, "2024-02-29T01:02:03Z");
	time_fmt_date((time_t)T_2024_07_01 + 86399, date, sizeof(date));
	assert_string_equal(date, "2024-07-01");
	/* Too small a buffer gives "", never a partial string. */
	time_fmt((time_t)T_2024_07_01, small, sizeof(small));
	assert_string_equal(small, "");
	/* Round trip. */
	assert_int_equal(time_parse("2031-05-17T09:08:07Z", &t), 0);
	time_fmt(t, out, sizeof(out));
	assert_string_equal(out, "2031-05-17T09:08:07Z");
}

static void
test_time_now_override(void **state)
{
	(void)state;
	assert_int_equal(setenv("GOVSEC_NOW", "2024-07-01T08:00:00+08:00", 1),
			 0);
	assert_int_equal((long long)time_now(), T_2024_07_01);
	assert_int_equal(setenv("GOVSEC_NOW", "2024-02-29", 1), 0);
	assert_int_equal((long long)time_now(), 1709164800LL);
	/* An invalid override is ignored: the real clock (after 2024). */
	assert_int_equal(setenv("GOVSEC_NOW", "yesterday", 1), 0);
	assert_true((long long)time_now() > T_2024_07_01);
	assert_int_equal(unsetenv("GOVSEC_NOW"), 0);
	assert_true((long long)time_now() > T_2024_07_01);
}

/* map.c */

static void
test_map(void **state)
{
	struct map m;
	long long v = -1, old = -1;
	char key[32];

	(void)state;
	map_init(&m);
	assert_int_equal(map_get(&m, "absent", &v), -1);
	assert_int_equal(map_put(&m, "a", 1, &old), 0);
	assert_int_equal(map_put(&m, "", 7, NULL), 0);
	assert_int_equal(map_get(&m, "a", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(map_get(&m, "", &v), 0);
	assert_int_equal(v, 7);
	/* A second put keeps the first value and reports it. */
	assert_int_equal(map_put(&m, "a", 2, &old), 1);
	assert_int_equal(old, 1);
	assert_int_equal(map_put(&m, "a", 3, NULL), 1);
	assert_int_equal(map_get(&m, "a", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(map_get(&m, "A", &v), -1);
	assert_int_equal(m.len, 2);

	/* Keys are copied. */
	assert_true(str_fmt(key, sizeof(key), "copied") > 0);
	assert_int_equal(map_put(&m, key, 9, NULL), 0);
	key[0] = 'X';
	assert_int_equal(map_get(&m, "copied", &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(map_get(&m, key, &v), -1);

	/* Growth keeps every entry. */
	for (int i = 0; i < 5000; i++) {
		assert_true(str_fmt(key, sizeof(key), "key-%d", i) > 0);
		assert_int_equal(map_put(&m, key, i * 3, NULL), 0);
	}
	assert_int_equal(m.len, 5003);
	for (int i = 0; i < 5000; i++) {
		assert_true(str_fmt(key, sizeof(key), "key-%d", i) > 0);
		assert_int_equal(map_get(&m, key, &v), 0);
		assert_int_equal(v, i * 3);
	}
	assert_int_equal(map_get(&m, "key-5000", &v), -1);
	map_cleanup(&m);
	assert_int_equal(m.len, 0);
	assert_int_equal(map_get(&m, "a", &v), -1);
	map_cleanup(&m); /* twice is harmless */
}

/* sidx.c and big.c */

struct keyed {
	int v;
	const char *key;
};

static void
test_sidx_big(void **state)
{
	struct keyed *r = big_alloc(3000 * sizeof(*r));
	char(*keys)[16] = xmalloc(3000 * sizeof(*keys));
	struct sidx x;
	char k[16];

	(void)state;
	for (int i = 0; i < 3000; i++) {
		assert_int_equal(r[i].v, 0); /* zeroed */
		str_fmt(keys[i], sizeof(keys[i]), "k%d", i % 2500);
		r[i].v = i;
		r[i].key = i == 7 ? NULL : keys[i];
	}
	sidx_build(&x, r, 3000, sizeof(*r), offsetof(struct keyed, key));
	for (int i = 0; i < 2500; i++) {
		str_fmt(k, sizeof(k), "k%d", i);
		/* of equal keys the first; a NULL key is not indexed */
		assert_int_equal(sidx_find(&x, k), i == 7 ? 2507 : i);
	}
	assert_int_equal(sidx_find(&x, "k2500"), -1);
	assert_int_equal(sidx_find(&x, ""), -1);
	assert_int_equal(sidx_find(&x, NULL), -1);
	sidx_cleanup(&x);
	sidx_build(&x, r, 0, sizeof(*r), offsetof(struct keyed, key));
	assert_int_equal(sidx_find(&x, "k1"), -1);
	sidx_cleanup(&x);
	/* grown past its first mapping, the contents stay */
	r = big_realloc(r, 3000 * sizeof(*r), 300000 * sizeof(*r));
	for (int i = 0; i < 3000; i++)
		assert_int_equal(r[i].v, i);
	assert_int_equal(r[299999].v, 0);
	big_free(r, 300000 * sizeof(*r));
	free(keys);
}

/* arena.c */

static void
test_arena(void **state)
{
	struct arena a;
	char *big, *s;
	void *p[2000];

	(void)state;
	arena_init(&a);
	for (int i = 0; i < 2000; i++) {
		size_t n = (size_t)(i % 97) + 1;
		unsigned char *q = arena_alloc(&a, n);

		p[i] = q;
		assert_int_equal((uintptr_t)q % _Alignof(max_align_t), 0);
		for (size_t k = 0; k < n; k++)
			assert_int_equal(q[k], 0);
		memset(q, 0xa5, n);
	}
	/* Earlier allocations are not overwritten by later ones. */
	for (int i = 0; i < 2000; i++) {
		unsigned char *q = p[i];

		assert_int_equal(q[0], 0xa5);
		assert_int_equal(q[(i % 97)], 0xa5);
	}
	/* Larger than a block. */
	big = arena_alloc(&a, 200000);
	assert_non_null(big);
	assert_int_equal(big[0], 0);
	assert_int_equal(big[199999], 0);
	memset(big, 'x', 200000);
	s = arena_strdup(&a, "江门市");
	assert_string_equal(s, "江门市");
	s = arena_printf(&a, "%s\t%d", "rule", 42);
	assert_string_equal(s, "rule\t42");
	s = arena_alloc(&a, 0);
	assert_non_null(s);
	arena_cleanup(&a);
	assert_null(a.head);
	arena_cleanup(&a);
}

/* crypto.c */

static void
test_sm3(void **state)
{
	unsigned char md[SM3_LEN];
	char hex[2 * SM3_LEN + 1];
	const char *abcd16 = "abcdabcdabcdabcdabcdabcdabcdabcd"
			     "abcdabcdabcdabcdabcdabcdabcdabcd";

	(void)state;
	/* GB/T 32905-2016 appendix A examples. */
	assert_int_equal(sm3_digest("abc", 3, md), 0);
	hex_encode(md, SM3_LEN, hex);
	assert_string_equal(hex, "66c7f0f462eeedd9d1f2d46bdc10e4e2"
				 "4167c4875cf2f7a2297da02b8f4ba8e0");
	assert_int_equal(sm3_digest(abcd16, 64, md), 0);
	hex_encode(md, SM3_LEN, hex);
	assert_string_equal(hex, "debe9ff92275b8a138604889c18e5a4d"
				 "6fdb70e5387e5765293dcba39c0c5732");
	assert_int_equal(sm3_digest("", 0, md), 0);
	hex_encode(md, SM3_LEN, hex);
	assert_string_equal(hex, "1ab21d8355cfa17f8e61194831e81a8f"
				 "22bec8c728fefb747ed035eb5082aa2b");

	hex_encode("\x00\x0f\xf0\xff", 4, hex);
	assert_string_equal(hex, "000ff0ff");
	hex_encode("", 0, hex);
	assert_string_equal(hex, "");
}

static void
test_ct_equal_rand(void **state)
{
	unsigned char a[32], b[32];

	(void)state;
	assert_true(ct_equal("abcdef", "abcdef", 6));
	assert_false(ct_equal("abcdef", "abcdeF", 6));
	assert_false(ct_equal("Abcdef", "abcdef", 6));
	assert_true(ct_equal("abcX", "abcY", 3));
	assert_true(ct_equal("a", "b", 0));
	assert_int_equal(rand_bytes(a, sizeof(a)), 0);
	assert_int_equal(rand_bytes(b, sizeof(b)), 0);
	assert_false(ct_equal(a, b, sizeof(a)));
}

static void
test_password(void **state)
{
	char *h1, *h2;

	(void)state;
	h1 = password_hash("correct horse 电池");
	h2 = password_hash("correct horse 电池");
	assert_non_null(h1);
	assert_non_null(h2);
	assert_true(str_starts(h1, "$argon2id$v=19$m=19456,t=2,p=1$"));
	/* A fresh salt each time. */
	assert_string_not_equal(h1, h2);
	assert_int_equal(password_verify(h1, "correct horse 电池"), 1);
	assert_int_equal(password_verify(h2, "correct horse 电池"), 1);
	assert_int_equal(password_verify(h1, "correct horse 电"), 0);
	assert_int_equal(password_verify(h1, "correct horse 电池 "), 0);
	assert_int_equal(password_verify(h1, ""), 0);
	assert_int_equal(password_verify(NULL, "x"), 0);
	assert_int_equal(password_verify("", "x"), 0);
	assert_int_equal(password_verify("plaintext", "plaintext"), 0);
	/* Other argon2 variants are not accepted. */
	assert_int_equal(password_verify(h1 + 1, "correct horse 电池"), 0);
	{
		char *i = xstrdup(h1);

		memcpy(i, "$argon2i$", 9);
		memmove(i + 9, i + 10, strlen(i + 10) + 1);
		assert_int_equal(password_verify(i, "correct horse 电池"), 0);
		free(i);
	}
	/* A changed hash does not verify. */
	h1[strlen(h1) - 2] = h1[strlen(h1) - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(password_verify(h1, "correct horse 电池"), 0);
	free(h1);
	free(h2);

	/* The empty password hashes and verifies too. */
	h1 = password_hash("");
	assert_non_null(h1);
	assert_int_equal(password_verify(h1, ""), 1);
	assert_int_equal(password_verify(h1, " "), 0);
	free(h1);
}

/* err.c */

static void
test_err(void **state)
{
	struct err e;
	char longer[600];

	(void)state;
	err_set(&e, "unit '%s' is not registered", "x");
	assert_string_equal(e.msg, "unit 'x' is not registered");
	err_prefix(&e, "%s:%d", "t.json", 3);
	assert_string_equal(e.msg, "t.json:3: unit 'x' is not registered");
	err_set(NULL, "ignored %d", 1);
	err_prefix(NULL, "ignored");
	/* Long messages are cut to the buffer, still terminated. */
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	err_set(&e, "%s", longer);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	err_prefix(&e, "p");
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	assert_true(str_starts(e.msg, "p: aaa"));
}

/* Writes s to dir/name with mode; the path into out. */
static void
write_mode(char *out, size_t n, const char *dir, const char *name,
	   const char *s, mode_t mode)
{
	FILE *f;

	assert_true(str_fmt(out, n, "%s/%s", dir, name) > 0);
	f = fopen(out, "w");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
	assert_int_equal(chmod(out, mode), 0);
}

static void
test_secret(void **state)
{
	char dir[512], path[600], other[600], link[600];
	struct secret_key k, k2;
	struct buf out = BUF_INIT(4096);
	struct err e = {0};
	char *sealed, *p;

	(void)state;
	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "secret"), 0);
	/* a created key loads; an existing file is never overwritten */
	assert_true(str_fmt(path, sizeof(path), "%s/k", dir) > 0);
	assert_int_equal(secret_key_create(path, &e), 0);
	assert_int_equal(secret_key_create(path, &e), -1);
	assert_int_equal(secret_key_load(&k, path, &e), 0);
	assert_true(k.set);
	/* modes that let others read or write, a link, short keys: refused */
	write_mode(other, sizeof(other), dir, "g",
		   "0123456789abcdef0123456789abcdef\n", 0640);
	assert_int_equal(secret_key_load(&k2, other, &e), -1);
	assert_non_null(strstr(e.msg, "0640"));
	assert_false(k2.set);
	assert_int_equal(chmod(other, 0600), 0);
	assert_int_equal(secret_key_load(&k2, other, &e), 0);
	assert_int_equal(chmod(other, 0604), 0);
	assert_int_equal(secret_key_load(&k2, other, &e), -1);
	assert_true(str_fmt(link, sizeof(link), "%s/l", dir) > 0);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(secret_key_load(&k2, link, &e), -1);
	assert_non_null(strstr(e.msg, "link"));
	write_mode(other, sizeof(other), dir, "short", "0123456789\n", 0600);
	assert_int_equal(secret_key_load(&k2, other, &e), -1);
	assert_non_null(strstr(e.msg, "at least"));
	write_mode(other, sizeof(other), dir, "k2",
		   "another key of enough length, 32 bytes or more", 0600);
	assert_int_equal(secret_key_load(&k2, other, &e), 0);

	/* seal and open round trip; context, key and every byte matter */
	sealed = secret_seal(&k, "t.c:li", "JBSWY3DPEHPK3PXP", 16);
	assert_non_null(sealed);
	assert_true(secret_is_sealed(sealed));
	assert_null(strstr(sealed, "JBSWY3DP"));
	assert_int_equal(secret_open(&k, "t.c:li", sealed, &out, &e), 0);
	assert_int_equal(out.len, 16);
	assert_memory_equal(out.data, "JBSWY3DPEHPK3PXP", 16);
	assert_int_equal(secret_open(&k, "t.c:lu", sealed, &out, &e), -1);
	assert_int_equal(secret_open(&k2, "t.c:li", sealed, &out, &e), -1);
	for (p = sealed + 4; *p != '\0'; p++) {
		char c = *p;

		*p = c == 'A' ? 'B' : 'A';
		assert_int_equal(secret_open(&k, "t.c:li", sealed, &out, &e),
				 -1);
		*p = c;
	}
	assert_int_equal(secret_open(&k, "t.c:li", "sm4$", &out, &e), -1);
	assert_int_equal(secret_open(&k, "t.c:li", "plain", &out, &e), -1);
	sealed[strlen(sealed) - 3] = '\0';
	assert_int_equal(secret_open(&k, "t.c:li", sealed, &out, &e), -1);
	free(sealed);
	/* an empty secret and the largest one */
	sealed = secret_seal(&k, "x", "", 0);
	assert_non_null(sealed);
	assert_int_equal(secret_open(&k, "x", sealed, &out, &e), 0);
	assert_int_equal(out.len, 0);
	free(sealed);
	{
		char big[SECRET_PLAIN_MAX + 1];

		memset(big, 'z', sizeof(big));
		assert_null(secret_seal(&k, "x", big, sizeof(big)));
		sealed = secret_seal(&k, "x", big, SECRET_PLAIN_MAX);
		assert_non_null(sealed);
		assert_true(strlen(sealed) < SECRET_SEAL_MAX);
		assert_int_equal(secret_open(&k, "x", sealed, &out, &e), 0);
		assert_int_equal(out.len, SECRET_PLAIN_MAX);
		free(sealed);
	}
	/* an unset key seals nothing */
	secret_key_wipe(&k2);
	assert_null(secret_seal(&k2, "x", "a", 1));
	buf_cleanup(&out);
	secret_key_wipe(&k);
	tu_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf_limit),
	    cmocka_unit_test(test_buf_huge_request),
	    cmocka_unit_test(test_buf_grows),
	    cmocka_unit_test(test_buf_html),
	    cmocka_unit_test(test_buf_pct),
	    cmocka_unit_test(test_json_put),
	    cmocka_unit_test(test_buf_detach),
	    cmocka_unit_test(test_buf_read_file),
	    cmocka_unit_test(test_str_copy_fmt),
	    cmocka_unit_test(test_str_starts_ends),
	    cmocka_unit_test(test_str_to_ll),
	    cmocka_unit_test(test_utf8_valid),
	    cmocka_unit_test(test_utf8_sanitize),
	    cmocka_unit_test(test_time_parse_dates),
	    cmocka_unit_test(test_time_parse_rfc3339),
	    cmocka_unit_test(test_time_fmt),
	    cmocka_unit_test(test_time_now_override),
	    cmocka_unit_test(test_map),
	    cmocka_unit_test(test_arena),
	    cmocka_unit_test(test_sm3),
	    cmocka_unit_test(test_ct_equal_rand),
	    cmocka_unit_test(test_password),
	    cmocka_unit_test(test_err),
	    cmocka_unit_test(test_secret),
	    cmocka_unit_test(test_sidx_big),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
