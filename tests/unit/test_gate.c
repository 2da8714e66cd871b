/*
 * test_gate.c: unit tests of src/gate's pure parts: HOTP/TOTP against the
 * RFC 4226 and RFC 6238 test vectors, base32 (RFC 4648 vectors), TOTP
 * acceptance (one step either way, each code once), the CIDR trie
 * (longest prefix, IPv4 in IPv6, ranges), time windows (zones with and
 * without daylight saving time, over midnight, date ranges, concurrent
 * zone lookups), the policy engine (order, default deny, subjects,
 * devices, whitelist expiry to the second) and the request parsers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gate/gate.h"

static time_t
at(const char *s)
{
	time_t t = 0;

	assert_int_equal(time_parse(s, &t), 0);
	return t;
}

/* ---- TOTP ---------------------------------------------------------------- */

static void
test_hotp_rfc4226(void **state)
{
	static const int want[] = {755224, 287082, 359152, 969429, 338314,
				   254676, 287922, 162583, 399871, 520489};
	const unsigned char *key =
	    (const unsigned char *)"12345678901234567890";

	(void)state;
	for (int i = 0; i < 10; i++)
		assert_int_equal(gate_hotp(key, 20, (uint64_t)i, 6, "SHA1"),
				 want[i]);
	assert_int_equal(gate_hotp(key, 20, 0, 5, "SHA1"), -1);
	assert_int_equal(gate_hotp(key, 20, 0, 9, "SHA1"), -1);
}

static void
test_totp_rfc6238(void **state)
{
	static const struct {
		long long t;
		int sha1, sha256, sha512;
	} v[] = {
	    {59, 94287082, 46119246, 90693936},
	    {1111111109, 7081804, 68084774, 25091201},
	    {1111111111, 14050471, 67062674, 99943326},
	    {1234567890, 89005924, 91819424, 93441116},
	    {2000000000, 69279037, 90698825, 38618901},
	    {20000000000LL, 65353130, 77737706, 47863826},
	};
	const unsigned char *k1 = (const unsigned char *)"12345678901234567890";
	const unsigned char *k256 =
	    (const unsigned char *)"12345678901234567890123456789012";
	const unsigned char *k512 =
	    (const unsigned char *)"1234567890123456789012345678901234567890"
				   "123456789012345678901234";

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		uint64_t c = (uint64_t)(v[i].t / 30);

		assert_int_equal(gate_hotp(k1, 20, c, 8, "SHA1"), v[i].sha1);
		assert_int_equal(gate_hotp(k256, 32, c, 8, "SHA256"),
				 v[i].sha256);
		assert_int_equal(gate_hotp(k512, 64, c, 8, "SHA512"),
				 v[i].sha512);
	}
}

static void
test_base32(void **state)
{
	static const char *const plain[] = {"",	    "f",     "fo",    "foo",
					    "foob", "fooba", "foobar"};
	static const char *const enc[] = {
	    "", "MY", "MZXQ", "MZXW6", "MZXW6YQ", "MZXW6YTB", "MZXW6YTBOI"};
	char out[32];
	unsigned char dec[32];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(plain); i++) {
		assert_int_equal(
		    gate_base32_encode((const unsigned char *)plain[i],
				       strlen(plain[i]), out, sizeof(out)),
		    (int)strlen(enc[i]));
		assert_string_equal(out, enc[i]);
		assert_int_equal(gate_base32_decode(enc[i], dec, sizeof(dec)),
				 (int)strlen(plain[i]));
		assert_memory_equal(dec, plain[i], strlen(plain[i]));
	}
	assert_int_equal(gate_base32_decode("mzxw6===", dec, sizeof(dec)), 3);
	assert_int_equal(gate_base32_decode("MZ1W", dec, sizeof(dec)), -1);
	assert_int_equal(gate_base32_decode("MZXW6YTBOI", dec, 3), -1);
	assert_int_equal(
	    gate_base32_encode((const unsigned char *)"foobar", 6, out, 5), -1);
}

static void
test_totp_check(void **state)
{
	/* "12345678901234567890" in base32 */
	const char *secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
	const unsigned char *key =
	    (const unsigned char *)"12345678901234567890";
	time_t t = 1111111111;
	long long last = 0;
	char code[8];

	(void)state;
	for (int d = -1; d <= 1; d++) {
		last = 0;
		str_fmt(code, sizeof(code), "%06d",
			gate_hotp(key, 20, (uint64_t)(t / 30 + d), 6, "SHA1"));
		assert_int_equal(gate_totp_check(secret, code, t, &last), 1);
		assert_int_equal(last, t / 30 + d);
		/* the same code again: refused */
		assert_int_equal(gate_totp_check(secret, code, t, &last), 0);
	}
	for (int d = -2; d <= 2; d += 4) {
		last = 0;
		str_fmt(code, sizeof(code), "%06d",
			gate_hotp(key, 20, (uint64_t)(t / 30 + d), 6, "SHA1"));
		assert_int_equal(gate_totp_check(secret, code, t, &last), 0);
	}
	/* a newer code is fine after an older one, not the other way */
	last = 0;
	str_fmt(code, sizeof(code), "%06d",
		gate_hotp(key, 20, (uint64_t)(t / 30), 6, "SHA1"));
	assert_int_equal(gate_totp_check(secret, code, t, &last), 1);
	str_fmt(code, sizeof(code), "%06d",
		gate_hotp(key, 20, (uint64_t)(t / 30 - 1), 6, "SHA1"));
	assert_int_equal(gate_totp_check(secret, code, t, &last), 0);
	last = 0;
	assert_int_equal(gate_totp_check(secret, "12345", t, &last), 0);
	assert_int_equal(gate_totp_check(secret, "1234567", t, &last), 0);
	assert_int_equal(gate_totp_check(secret, "12a456", t, &last), 0);
	assert_int_equal(gate_totp_check(secret, "-12345", t, &last), 0);
	assert_int_equal(gate_totp_check("!!", "123456", t, &last), 0);
}

static void
test_totp_uri(void **state)
{
	struct buf b = BUF_INIT(1024), q = BUF_INIT(65536);

	(void)state;
	assert_int_equal(gate_totp_uri(&b, "govsec", "li lei@x", "ABC"), 0);
	assert_string_equal(b.data, "otpauth://totp/govsec:li%20lei%40x?"
				    "secret=ABC&issuer=govsec&algorithm=SHA1&"
				    "digits=6&period=30");
	assert_int_equal(gate_qr_text(&q, b.data), 0);
	assert_true(q.len > 100);
	buf_cleanup(&b);
	buf_cleanup(&q);
}

/* ---- CIDR trie ----------------------------------------------------------- */

static int
look(struct gate_trie *t, const char *ip)
{
	unsigned char a[16];

	assert_int_equal(gate_addr_parse(ip, a), 0);
	return gate_trie_lookup(t, a);
}

static void
test_trie(void **state)
{
	struct gate_trie *t = gate_trie_new();
	struct err e;

	(void)state;
	assert_int_equal(gate_trie_add(t, "10.0.0.0/8", 1, &e), 0);
	assert_int_equal(gate_trie_add(t, "10.1.0.0/16", 2, &e), 0);
	assert_int_equal(gate_trie_add(t, "10.1.2.3", 3, &e), 0);
	assert_int_equal(gate_trie_add(t, "2001:db8::/32", 4, &e), 0);
	assert_int_equal(gate_trie_add(t, "2001:db8:1::/48", -1, &e), 0);
	assert_int_equal(look(t, "10.9.9.9"), 1);
	assert_int_equal(look(t, "10.1.9.9"), 2);
	assert_int_equal(look(t, "10.1.2.3"), 3);
	assert_int_equal(look(t, "10.1.2.4"), 2);
	assert_int_equal(look(t, "11.0.0.0"), 0);
	assert_int_equal(look(t, "::ffff:10.1.2.3"), 3);
	assert_int_equal(look(t, "2001:db8:2::1"), 4);
	assert_int_equal(look(t, "2001:db8:1::1"), -1);
	assert_int_equal(look(t, "2001:db9::1"), 0);
	/* a prefix added again keeps the last value */
	assert_int_equal(gate_trie_add(t, "10.0.0.0/8", 5, &e), 0);
	assert_int_equal(look(t, "10.9.9.9"), 5);
	/* refusals */
	assert_int_equal(gate_trie_add(t, "10.0.0.1/8", 1, &e), -1);
	assert_non_null(strstr(e.msg, "bits set past"));
	assert_int_equal(gate_trie_add(t, "10.0.0.0/33", 1, &e), -1);
	assert_int_equal(gate_trie_add(t, "10.0.0.0/", 1, &e), -1);
	assert_int_equal(gate_trie_add(t, "10.0.0/8", 1, &e), -1);
	assert_int_equal(gate_trie_add(t, "::/129", 1, &e), -1);
	assert_int_equal(gate_trie_add(t, "fe80::1%eth0", 1, &e), -1);
	assert_int_equal(gate_trie_add(t, " 10.0.0.0/8", 1, &e), -1);
	assert_int_equal(gate_trie_add(t, "10.0.0.0/+8", 1, &e), -1);
	assert_int_equal(gate_trie_add(t, "1.2.3.4", 0, &e), -1);
	gate_trie_free(t);
	/* a /0 holds everything */
	t = gate_trie_new();
	assert_int_equal(gate_trie_add(t, "::/0", 7, &e), 0);
	assert_int_equal(look(t, "1.2.3.4"), 7);
	/* IPv4 lookups start at ::ffff:0:0/96: prefixes above it count,
	 * also when added after the IPv4 ones */
	assert_int_equal(gate_trie_add(t, "10.0.0.0/8", 1, &e), 0);
	assert_int_equal(look(t, "10.2.3.4"), 1);
	assert_int_equal(look(t, "11.2.3.4"), 7);
	assert_int_equal(gate_trie_add(t, "::/8", 8, &e), 0);
	assert_int_equal(look(t, "11.2.3.4"), 8);
	assert_int_equal(gate_trie_add(t, "::ffff:0:0/96", 9, &e), 0);
	assert_int_equal(look(t, "11.2.3.4"), 9);
	assert_int_equal(look(t, "10.2.3.4"), 1);
	assert_int_equal(look(t, "::1"), 8);
	gate_trie_free(t);
}

/* The trie against a linear scan of random prefixes, IPv4 and IPv6 (many
 * of them near ::ffff:0:0/96, where IPv4 lookups take a shortcut). */
static void
test_trie_random(void **state)
{
	enum { NPFX = 300, NLOOK = 20000 };
	static unsigned char pfx[NPFX][16];
	static int plen[NPFX], pval[NPFX];
	unsigned int seed = 12345;
	struct err e;

	(void)state;
	for (int round = 0; round < 20; round++) {
		struct gate_trie *t = gate_trie_new();
		int n = 1 + (int)(rand_r(&seed) % NPFX);

		for (int i = 0; i < n; i++) {
			char txt[INET6_ADDRSTRLEN], cidr[64];
			int len = (int)(rand_r(&seed) % 129);

			memset(pfx[i], 0, 16);
			if (rand_r(&seed) % 2) /* under ::ffff:0:0/96 */
				pfx[i][10] = pfx[i][11] = 0xff;
			for (int b = 0; b < 16; b++)
				if (rand_r(&seed) % 3 == 0)
					pfx[i][b] =
					    (unsigned char)rand_r(&seed);
			for (int b = len; b < 128; b++)
				pfx[i][b / 8] &=
				    (unsigned char)~(1 << (7 - b % 8));
			inet_ntop(AF_INET6, pfx[i], txt, sizeof(txt));
			str_fmt(cidr, sizeof(cidr), "%s/%d", txt, len);
			plen[i] = len;
			pval[i] = i + 1;
			assert_int_equal(gate_trie_add(t, cidr, i + 1, &e), 0);
		}
		for (int k = 0; k < NLOOK; k++) {
			unsigned char a[16];
			int want = 0, wantlen = -1;

			/* a random address near a random prefix */
			memcpy(a, pfx[rand_r(&seed) % (unsigned)n], 16);
			for (int b = 0; b < 16; b++)
				if (rand_r(&seed) % 4 == 0)
					a[b] = (unsigned char)rand_r(&seed);
			for (int i = 0; i < n; i++) {
				int ok = 1;

				for (int b = 0; b < plen[i] && ok; b++)
					ok = ((a[b / 8] ^ pfx[i][b / 8]) &
					      (1 << (7 - b % 8))) == 0;
				/* a later equal prefix overwrites */
				if (ok && plen[i] >= wantlen) {
					want = pval[i];
					wantlen = plen[i];
				}
			}
			assert_int_equal(gate_trie_lookup(t, a), want);
		}
		gate_trie_free(t);
	}
}

/* Coverage of prefix lists (SEC-3): by the addresses, not the spelling. */
static void
cover(const char *const *l, size_t n, int v4, int v6)
{
	struct gate_cover c;
	struct err e;

	if (gate_cover_list(l, n, 0, &c, &e) < 0)
		fail_msg("cover: %s", e.msg);
	if (c.v4 != v4 || c.v6 != v6)
		fail_msg("cover of %zu prefixes starting '%s': /%d /%d, "
			 "expected /%d /%d",
			 n, n > 0 ? l[0] : "", c.v4, c.v6, v4, v6);
}

#define COVER(v4, v6, ...)                                                     \
	do {                                                                   \
		const char *const l_[] = {__VA_ARGS__};                        \
		cover(l_, ARRAY_SIZE(l_), v4, v6);                             \
	} while (0)

static void
test_cover(void **state)
{
	struct gate_cover c;
	struct err e;

	(void)state;
	COVER(16, -1, "10.44.0.0/16");
	COVER(32, -1, "10.44.0.1");
	COVER(-1, 48, "2001:db8:4407::/48");
	/* two halves are everything; so is an overlap adding up to it */
	COVER(0, -1, "0.0.0.0/1", "128.0.0.0/1");
	COVER(0, -1, "128.0.0.0/1", "0.0.0.0/2", "64.0.0.0/2", "10.0.0.0/8");
	COVER(0, 0, "::/1", "8000::/1");
	COVER(0, 0, "::/0");
	/* IPv4 written as IPv6: mapped and NAT64 */
	COVER(0, -1, "::ffff:0.0.0.0/96");
	COVER(0, -1, "64:ff9b::/96");
	COVER(1, -1, "::ffff:0.0.0.0/97", "64:ff9b::/97");
	COVER(0, -1, "::ffff:0.0.0.0/97", "64:ff9b::8000:0/97");
	/* two small segments stay small; not adjacent: rounded up */
	COVER(15, -1, "10.44.0.0/16", "10.46.0.0/16");
	COVER(14, -1, "10.44.0.0/16", "10.46.0.0/16", "10.48.0.0/16");
	COVER(15, -1, "10.44.0.0/16", "10.44.0.0/17", "10.45.0.0/16");
	COVER(16, 47, "10.44.0.0/16", "2001:db8:4407::/48",
	      "2001:db8:4408::/48");
	/* one address more than a /8 is more than a /8 */
	COVER(7, -1, "10.0.0.0/8", "11.0.0.0/32");
	/* carved out: the longest prefix wins */
	COVER(1, -1, "0.0.0.0/0", "!0.0.0.0/1");
	COVER(16, -1, "10.44.0.0/16", "!10.44.99.0/24", "10.44.99.1");
	COVER(-1, -1, "!10.0.0.0/8");
	COVER(-1, 1, "::/0", "!::/1");
	{
		struct gate_trie *t1 = gate_trie_new(), *t2 = gate_trie_new();
		struct gate_addrs *a1 = gate_addrs_new(),
				  *a2 = gate_addrs_new();

		assert_int_equal(gate_trie_add(t1, "10.44.0.0/16", 1, &e), 0);
		assert_int_equal(gate_trie_add(t1, "10.44.9.0/24", -1, &e), 0);
		assert_int_equal(gate_trie_add(t2, "10.44.0.0/17", 1, &e), 0);
		assert_int_equal(gate_trie_add(t2, "10.44.128.0/17", 1, &e), 0);
		gate_addrs_add_trie(a1, t1);
		gate_addrs_add_trie(a2, t2);
		/* the two /17 halves are the /16, which holds a1 */
		assert_int_equal(gate_addrs_within(a1, a2), 1);
		assert_int_equal(gate_addrs_within(a2, a1), 0);
		assert_int_equal(gate_addrs_within(a1, a1), 1);
		gate_addrs_minus(a2, a1); /* the carved-out /24 is left */
		gate_addrs_cover(a2, &c);
		assert_int_equal(c.v4, 24);
		assert_int_equal(c.v6, -1);
		gate_addrs_free(a1);
		gate_addrs_free(a2);
		gate_trie_free(t1);
		gate_trie_free(t2);
	}
	assert_int_equal(gate_cover_list(NULL, 0, 0, &c, &e), 0);
	assert_int_equal(c.v4, -1);
	assert_int_equal(c.v6, -1);
	{
		const char *const bad[] = {"10.0.0.1/8"};

		assert_int_equal(gate_cover_list(bad, 1, 0, &c, &e), -1);
		assert_non_null(strstr(e.msg, "10.0.0.1/8"));
		const char *const lan[] = {"10.0.0.0/8", "192.168.0.0/16",
					   "fc00::/7", "0.0.0.0/1"};

		/* public: internal ranges left out, the rest counted */
		assert_int_equal(
		    gate_cover_list(lan, 3, GATE_COVER_PUBLIC, &c, &e), 0);
		assert_int_equal(c.v4, -1);
		assert_int_equal(c.v6, -1);
		assert_int_equal(
		    gate_cover_list(lan, 4, GATE_COVER_PUBLIC, &c, &e), 0);
		assert_int_equal(c.v4, 1);
		/* loose: the /8 it lies in */
		assert_int_equal(
		    gate_cover_list(bad, 1, GATE_COVER_LOOSE, &c, &e), 0);
		assert_int_equal(c.v4, 8);
	}
}

static void
test_trie_range(void **state)
{
	struct gate_trie *t = gate_trie_new();
	unsigned char lo[16], hi[16];
	struct err e;

	(void)state;
	assert_int_equal(gate_addr_parse("10.0.0.1", lo), 0);
	assert_int_equal(gate_addr_parse("10.0.1.6", hi), 0);
	assert_int_equal(gate_trie_add_range(t, lo, hi, 9, &e), 0);
	assert_int_equal(look(t, "10.0.0.0"), 0);
	assert_int_equal(look(t, "10.0.0.1"), 9);
	assert_int_equal(look(t, "10.0.0.255"), 9);
	assert_int_equal(look(t, "10.0.1.6"), 9);
	assert_int_equal(look(t, "10.0.1.7"), 0);
	/* few prefixes: 1/32 2/31 4/30 ... not one per address */
	assert_true(gate_trie_nodes(t) < 400);
	assert_int_equal(gate_trie_add_range(t, hi, lo, 9, &e), -1);
	/* the whole space */
	memset(lo, 0, 16);
	memset(hi, 0xff, 16);
	assert_int_equal(gate_trie_add_range(t, lo, hi, 3, &e), 0);
	assert_int_equal(look(t, "ffff::1"), 3);
	assert_int_equal(look(t, "10.0.1.5"), 9);
	gate_trie_free(t);
}

/* ---- time windows -------------------------------------------------------- */

static int
in(const char *w, const char *t)
{
	struct gate_window win;
	struct err e;

	if (gate_window_parse(&win, w, &e) < 0)
		fail_msg("'%s': %s", w, e.msg);
	return gate_window_contains(&win, at(t));
}

static void
test_window_parse(void **state)
{
	static const char *const good[] = {
	    "daily",
	    "mon-fri",
	    "sat,sun 10:00-12:00",
	    "09:00-12:00,13:30-18:00",
	    "fri-mon 22:00-06:00 UTC",
	    "2026-01-01..2026-12-31",
	    "mon 2026-02-28..2026-03-01 America/New_York 00:00-24:00",
	    "   tue   ",
	};
	static const char *const bad[] = {
	    "",
	    "   ",
	    "monday",
	    "mon-",
	    "mon,",
	    "mon mon",
	    "25:00-26:00",
	    "09:00-09:00",
	    "24:00-01:00",
	    "9:00-10:00",
	    "09:00-10:60",
	    "09:00-24:01",
	    "09:00-10:00 11:00-12:00",
	    "2026-02-29..2026-03-01",
	    "2026-03-02..2026-03-01",
	    "2026-13-01..2026-12-01",
	    "2026-01-01..",
	    "Nowhere/City",
	    "../../etc/passwd",
	    "/usr/share/zoneinfo/UTC",
	    "UTC UTC",
	    "09:00-10:00,",
	    /* one string: more ranges than a window takes */
	    ("09:00-10:00,09:00-10:00,09:00-10:00,09:00-10:00,09:00-10:00,"
	     "09:00-10:00,09:00-10:00,09:00-10:00,09:00-10:00"),
	};
	struct gate_window w;
	struct err e;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (gate_window_parse(&w, good[i], &e) < 0)
			fail_msg("'%s' refused: %s", good[i], e.msg);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (gate_window_parse(&w, bad[i], &e) == 0)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(gate_window_parse(&w, "mon", &e), 0);
	assert_string_equal(w.zone, "Asia/Shanghai");
}

static void
test_window_contains(void **state)
{
	(void)state;
	/* 2026-11-26 is a Thursday; Shanghai is UTC+8 all year */
	assert_int_equal(in("mon-fri 09:00-18:00", "2026-11-26T01:00:00Z"), 1);
	assert_int_equal(in("mon-fri 09:00-18:00", "2026-11-26T00:59:59Z"), 0);
	assert_int_equal(in("mon-fri 09:00-18:00", "2026-11-26T09:59:59Z"), 1);
	assert_int_equal(in("mon-fri 09:00-18:00", "2026-11-26T10:00:00Z"), 0);
	/* Friday 23:00 UTC is Saturday 07:00 in Shanghai */
	assert_int_equal(in("mon-fri", "2026-11-27T23:00:00Z"), 0);
	assert_int_equal(in("sat", "2026-11-27T23:00:00Z"), 1);
	assert_int_equal(in("sat UTC", "2026-11-27T23:00:00Z"), 0);
	/* over midnight */
	assert_int_equal(in("22:00-06:00 UTC", "2026-11-26T23:30:00Z"), 1);
	assert_int_equal(in("22:00-06:00 UTC", "2026-11-26T05:59:00Z"), 1);
	assert_int_equal(in("22:00-06:00 UTC", "2026-11-26T06:00:00Z"), 0);
	assert_int_equal(in("00:00-24:00 UTC", "2026-11-26T23:59:59Z"), 1);
	/* dates are local and inclusive */
	assert_int_equal(in("2026-11-26..2026-11-26", "2026-11-25T16:00:00Z"),
			 1);
	assert_int_equal(in("2026-11-26..2026-11-26", "2026-11-25T15:59:59Z"),
			 0);
	assert_int_equal(in("2026-11-26..2026-11-26", "2026-11-26T15:59:59Z"),
			 1);
	assert_int_equal(in("2026-11-26..2026-11-26", "2026-11-26T16:00:00Z"),
			 0);
	/* daylight saving time: New York moves to EDT at 2026-03-08 07:00Z */
	assert_int_equal(
	    in("America/New_York 01:00-02:00", "2026-03-08T06:59:59Z"), 1);
	assert_int_equal(
	    in("America/New_York 03:00-04:00", "2026-03-08T07:00:00Z"), 1);
	assert_int_equal(
	    in("America/New_York 09:00-17:00", "2026-07-01T13:00:00Z"), 1);
	assert_int_equal(
	    in("America/New_York 09:00-17:00", "2026-12-01T13:00:00Z"), 0);
}

struct tz_case {
	const char *zone;
	int fails;
};

static void *
tz_worker(void *arg)
{
	struct tz_case *c = arg;

	for (int i = 0; i < 2000; i++) {
		/* a different quarter hour each time: no cache hits */
		time_t t = 1780000000 + (time_t)i * 911;
		long off, want;

		if (!strcmp(c->zone, "Asia/Shanghai"))
			want = 8 * 3600;
		else if (!strcmp(c->zone, "Asia/Kolkata"))
			want = 5 * 3600 + 1800;
		else
			want = 0;
		if (gate_tz_offset(c->zone, t, &off) < 0 || off != want)
			c->fails++;
	}
	return NULL;
}

static void
test_tz_threads(void **state)
{
	struct tz_case c[4] = {{"Asia/Shanghai", 0},
			       {"Asia/Kolkata", 0},
			       {"UTC", 0},
			       {"Etc/UTC", 0}};
	pthread_t th[4];
	long off;

	(void)state;
	gate_tz_init();
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, tz_worker, &c[i]),
				 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(c[i].fails, 0);
	}
	assert_int_equal(gate_tz_offset("No/Such_Zone", 0, &off), -1);
}

/* ---- policy -------------------------------------------------------------- */

static const char policy_doc[] =
    "{\"version\": 1,"
    " \"networks\": {\"office\": [\"10.0.0.0/8\", \"!10.66.0.0/16\","
    "                            \"2001:db8::/32\"],"
    "              \"vpn\": [\"192.168.7.0/24\"]},"
    " \"rules\": ["
    "  {\"name\": \"health\", \"path\": \"^/health$\", \"methods\": [\"GET\"],"
    "   \"action\": \"bypass\"},"
    "  {\"name\": \"admin\", \"hosts\": [\"*.example.cn\"],"
    "   \"path\": \"^/admin/\", \"networks\": [\"office\", \"!vpn\"],"
    "   \"subjects\": [\"group:ops\", \"user:root\"],"
    "   \"action\": \"two_factor\"},"
    "  {\"name\": \"admin-deny\", \"path\": \"^/admin/\","
    "   \"action\": \"deny\"},"
    "  {\"name\": \"devices\", \"path\": \"^/dev/\","
    "   \"devices\": [\"approved\"], \"action\": \"one_factor\"},"
    "  {\"name\": \"abroad\", \"whitelist\": true, \"countries\": [\"!CN\"],"
    "   \"action\": \"two_factor\", \"background\": true},"
    "  {\"name\": \"office\", \"networks\": [\"office\"],"
    "   \"windows\": [\"mon-fri 08:00-20:00\"], \"action\": \"one_factor\"}"
    " ],"
    " \"whitelist\": [{\"name\": \"trip\", \"user\": \"li\","
    "   \"from\": \"2026-11-20T00:00:00Z\","
    "   \"until\": \"2026-11-27T00:00:00Z\"}]}";

static void
decide(struct gate_policy *p, const char *url, const char *ip, const char *user,
       const char *groups, const char *device, const char *when,
       const char *want_rule, enum gate_action want)
{
	struct gate_url *u = calloc(1, sizeof(*u));
	struct gate_input inp;
	struct gate_decision d;

	assert_non_null(u);
	assert_int_equal(gate_url_parse(url, u), 0);
	memset(&inp, 0, sizeof(inp));
	inp.host = u->host;
	inp.path = u->path;
	inp.method = "GET";
	inp.ip = ip;
	inp.user = user;
	inp.groups = groups;
	inp.device = device;
	inp.now = at(when);
	gate_policy_decide(p, NULL, &inp, &d);
	if (strcmp(d.rule_name, want_rule) != 0 || d.action != want)
		fail_msg("%s from %s as %s: got %s/%s (%s), want %s/%s", url,
			 ip, user ? user : "-", d.rule_name,
			 gate_action_name(d.action), d.reason, want_rule,
			 gate_action_name(want));
	free(u);
}

static void
test_policy_decide(void **state)
{
	const char *thu = "2026-11-26T03:00:00Z"; /* 11:00 in Shanghai */
	const char *night = "2026-11-26T15:00:00Z";
	struct gate_policy *p;
	struct err e;

	(void)state;
	p = gate_policy_parse(policy_doc, strlen(policy_doc), &e);
	if (p == NULL)
		fail_msg("%s", e.msg);
	assert_int_equal(gate_policy_rules(p), 6);
	decide(p, "https://a.example.cn/health", "8.8.8.8", NULL, NULL, NULL,
	       thu, "health", GATE_BYPASS);
	/* admin: subjects unknown -> log in first (need_user) */
	decide(p, "https://a.example.cn/admin/x", "10.1.1.1", NULL, NULL, NULL,
	       thu, "admin", GATE_TWO_FACTOR);
	decide(p, "https://a.example.cn/admin/x", "10.1.1.1", "li", "ops", NULL,
	       thu, "admin", GATE_TWO_FACTOR);
	decide(p, "https://a.example.cn/admin/x", "10.1.1.1", "root", "", NULL,
	       thu, "admin", GATE_TWO_FACTOR);
	decide(p, "https://a.example.cn/admin/x", "10.1.1.1", "li", "staff",
	       NULL, thu, "admin-deny", GATE_DENY);
	/* carved out of office (longest prefix), or in the excluded set */
	decide(p, "https://a.example.cn/admin/x", "10.66.1.1", "li", "ops",
	       NULL, thu, "admin-deny", GATE_DENY);
	decide(p, "https://a.example.cn/admin/x", "192.168.7.9", "li", "ops",
	       NULL, thu, "admin-deny", GATE_DENY);
	/* wrong host: the admin rule does not apply at all */
	decide(p, "https://example.cn/admin/x", "10.1.1.1", "li", "ops", NULL,
	       thu, "admin-deny", GATE_DENY);
	decide(p, "https://a.example.cn/dev/", "10.1.1.1", "li", "", "d1", thu,
	       "devices", GATE_ONE_FACTOR);
	/* not on an approved device: falls through to the office rule */
	decide(p, "https://a.example.cn/dev/", "10.1.1.1", "wang", "", NULL,
	       thu, "office", GATE_ONE_FACTOR);
	/* outside the office window: no rule left (no GeoIP: the country
	 * is unknown, which is not CN, so only the whitelisted li gets the
	 * overseas rule) */
	decide(p, "https://a.example.cn/dev/", "10.1.1.1", "wang", "", NULL,
	       night, "default", GATE_DENY);
	decide(p, "https://a.example.cn/dev/", "10.1.1.1", "li", "", NULL,
	       night, "abroad", GATE_TWO_FACTOR);
	/* whitelist: li until 2026-11-27T00:00:00Z, exclusive */
	decide(p, "https://x.cn/", "8.8.8.8", "li", "", NULL,
	       "2026-11-26T23:59:59Z", "abroad", GATE_TWO_FACTOR);
	decide(p, "https://x.cn/", "8.8.8.8", "li", "", NULL,
	       "2026-11-27T00:00:00Z", "default", GATE_DENY);
	decide(p, "https://x.cn/", "8.8.8.8", "li", "", NULL,
	       "2026-11-19T23:59:59Z", "default", GATE_DENY);
	decide(p, "https://x.cn/", "8.8.8.8", "wang", "", NULL, thu, "default",
	       GATE_DENY);
	decide(p, "https://x.cn/", "2001:db8::5", "wang", "", NULL, thu,
	       "office", GATE_ONE_FACTOR);
	gate_policy_free(p);
	/* the empty policy denies everything */
	p = gate_policy_parse("{}", 2, &e);
	assert_non_null(p);
	decide(p, "https://x.cn/", "10.0.0.1", "li", "", NULL, thu, "default",
	       GATE_DENY);
	gate_policy_free(p);
}

static void
test_policy_refusals(void **state)
{
	static const char *const bad[] = {
	    "[]",
	    "{\"rules\": {}}",
	    "{\"unknown\": 1}",
	    "{\"version\": 2}",
	    "{\"rules\": [{\"name\": \"a\"}]}",
	    "{\"rules\": [{\"name\": \"a\", \"action\": \"allow\"}]}",
	    "{\"rules\": [{\"action\": \"deny\"}]}",
	    "{\"rules\": [{\"name\": \"a b\", \"action\": \"deny\"}]}",
	    "{\"rules\": [{\"name\": \"a\", \"action\": \"deny\"},"
	    " {\"name\": \"a\", \"action\": \"deny\"}]}",
	    "{\"rules\": [{\"name\": \"a\", \"action\": \"deny\", \"x\": 1}]}",
	    "{\"rules\": [{\"name\": \"a\", \"action\": \"deny\","
	    " \"networks\": [\"none\"]}]}",
	    "{\"rules\": [{\"name\": \"a\", \"action\": \"deny\","
	    " \"countries\": [\"china\"]}]}",
	    "{\"rules\": [{\"name\": \"a\", \"action\": \"deny\","
	    " \"subjects\": [\"li\"]}]}",
	    "{\"rules\": [{\"name\": \"a\", \"action\": \"deny\","
	    " \"path\": \"[\"}]}",
	    "{\"rules\": [{\"name\": \"a\", \"action\": \"deny\","
	    " \"hosts\": []}]}",
	    "{\"rules\": [{\"name\": \"a\", \"action\": \"deny\","
	    " \"whitelist\": 1}]}",
	    "{\"networks\": {\"n\": []}}",
	    "{\"networks\": {\"n\": [\"10.0.0.1/8\"]}}",
	    "{\"networks\": {\"n\": [5]}}",
	    "{\"whitelist\": [{\"name\": \"w\", \"from\": "
	    "\"2026-01-01T00:00:00Z\", \"until\": \"2026-01-02T00:00:00Z\"}]}",
	    "{\"whitelist\": [{\"name\": \"w\", \"user\": \"li\", \"from\": "
	    "\"2026-01-02T00:00:00Z\", \"until\": \"2026-01-01T00:00:00Z\"}]}",
	    "{\"whitelist\": [{\"name\": \"w\", \"user\": \"li\", \"from\": "
	    "\"2026-01-01\", \"until\": \"2026-01-02T00:00:00Z\"}]}",
	    "{\"rules\": [], \"rules\": []}",
	    "{",
	    "",
	};
	struct err e;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct gate_policy *p =
		    gate_policy_parse(bad[i], strlen(bad[i]), &e);

		if (p != NULL)
			fail_msg("accepted: %s", bad[i]);
		assert_true(strlen(e.msg) > 0);
	}
}

static void
test_whitelist_window(void **state)
{
	static const char doc[] =
	    "{\"rules\": [{\"name\": \"wl\", \"whitelist\": true,"
	    " \"action\": \"one_factor\"}],"
	    " \"whitelist\": [{\"name\": \"dev\", \"device\": \"d7\","
	    "   \"from\": \"2026-11-01T00:00:00+08:00\","
	    "   \"until\": \"2026-12-01T00:00:00+08:00\","
	    "   \"window\": \"sat,sun 10:00-12:00\"}]}";
	struct gate_policy *p;
	struct err e;

	(void)state;
	p = gate_policy_parse(doc, strlen(doc), &e);
	if (p == NULL)
		fail_msg("%s", e.msg);
	/* Saturday 2026-11-28 10:30 in Shanghai, on device d7: any user */
	decide(p, "https://x.cn/", "1.1.1.1", "wang", "", "d7",
	       "2026-11-28T02:30:00Z", "wl", GATE_ONE_FACTOR);
	decide(p, "https://x.cn/", "1.1.1.1", "wang", "", "d8",
	       "2026-11-28T02:30:00Z", "default", GATE_DENY);
	decide(p, "https://x.cn/", "1.1.1.1", "wang", "", NULL,
	       "2026-11-28T02:30:00Z", "default", GATE_DENY);
	/* outside the window, and after 'until' (an offset of +08:00) */
	decide(p, "https://x.cn/", "1.1.1.1", "wang", "", "d7",
	       "2026-11-28T04:00:00Z", "default", GATE_DENY);
	decide(p, "https://x.cn/", "1.1.1.1", "wang", "", "d7",
	       "2026-11-30T15:59:59Z", "default", GATE_DENY);
	gate_policy_free(p);
}

static void
test_geo_csv(void **state)
{
	const char *base = getenv("GOVSEC_TEST_TMP");
	char path[4096];
	struct gate_geo *g;
	struct err e;
	char cc[3];
	FILE *f;

	(void)state;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	mkdir(base, 0700);
	str_fmt(path, sizeof(path), "%s/geo-%ld.csv", base, (long)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# first,last,country\n"
	      "1.0.1.0,1.0.3.255,cn\n"
	      "8.8.8.0,8.8.8.255,US\r\n"
	      "\n"
	      "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,DE\n",
	      f);
	fclose(f);
	g = gate_geo_open(NULL, path, &e);
	if (g == NULL)
		fail_msg("%s", e.msg);
	gate_geo_country(g, "1.0.2.77", cc);
	assert_string_equal(cc, "CN");
	gate_geo_country(g, "1.0.4.0", cc);
	assert_string_equal(cc, "");
	gate_geo_country(g, "8.8.8.8", cc);
	assert_string_equal(cc, "US");
	gate_geo_country(g, "2001:db8:1::1", cc);
	assert_string_equal(cc, "DE");
	gate_geo_country(g, "not an address", cc);
	assert_string_equal(cc, "");
	gate_geo_free(g);
	static const char *const bad[] = {
	    "1.0.1.0,1.0.3.255\n",	 "1.0.1.0,1.0.3.255,C\n",
	    "1.0.1.0,1.0.3.255,C1\n",	 "1.0.3.0,1.0.1.255,CN\n",
	    "1.0.1.0,2001:db8::,CN\n",	 "1.0.1.0,1.0.3.255,CN,x\n",
	    "1.0.1.0/24,1.0.3.255,CN\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(bad[i], f);
		fclose(f);
		g = gate_geo_open(NULL, path, &e);
		if (g != NULL)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(strstr(e.msg, "line 1"));
	}
	unlink(path);
	assert_null(gate_geo_open("/nonexistent.mmdb", NULL, &e));
}

/* ---- request parsing ----------------------------------------------------- */

static void
test_cookie(void **state)
{
	char v[80];

	(void)state;
	assert_int_equal(gate_cookie_get("a=1; __Host-govsec=abc; b=2",
					 "__Host-govsec", v, sizeof(v)),
			 0);
	assert_string_equal(v, "abc");
	assert_int_equal(
	    gate_cookie_get("__Host-govsec=x;b=2", "b", v, sizeof(v)), 0);
	assert_string_equal(v, "2");
	assert_int_equal(
	    gate_cookie_get("x__Host-govsec=1", "__Host-govsec", v, sizeof(v)),
	    -1);
	assert_int_equal(gate_cookie_get("__Host-govsec=\"q\"", "__Host-govsec",
					 v, sizeof(v)),
			 -1);
	assert_int_equal(
	    gate_cookie_get("__Host-govsec=a b", "__Host-govsec", v, sizeof(v)),
	    -1);
	assert_int_equal(
	    gate_cookie_get("__Host-govsec=0123456789", "__Host-govsec", v, 5),
	    -1);
	assert_int_equal(gate_cookie_get("", "a", v, sizeof(v)), -1);
	assert_int_equal(gate_cookie_get(";;;", "a", v, sizeof(v)), -1);
}

static void
test_url(void **state)
{
	struct gate_url u;

	(void)state;
	assert_int_equal(gate_url_parse("https://App.Example.cn:8443/a%20b/"
					"c?x=1#f",
					&u),
			 0);
	assert_string_equal(u.scheme, "https");
	assert_string_equal(u.host, "app.example.cn");
	assert_string_equal(u.hostport, "app.example.cn:8443");
	assert_string_equal(u.path, "/a b/c");
	assert_int_equal(gate_url_parse("http://[2001:db8::1]:80?q", &u), 0);
	assert_string_equal(u.host, "[2001:db8::1]");
	assert_string_equal(u.path, "/");
	assert_int_equal(gate_url_parse("http://h", &u), 0);
	assert_string_equal(u.path, "/");
	/* one trailing dot and the case do not make another host */
	assert_int_equal(gate_url_parse("http://Admin.Test.:8080/a/", &u), 0);
	assert_string_equal(u.host, "admin.test");
	assert_string_equal(u.hostport, "admin.test.:8080");
	assert_string_equal(u.path, "/a/");
	assert_int_equal(gate_url_parse("http://admin.test./", &u), 0);
	assert_string_equal(u.host, "admin.test");
	/* parameters and dots that are not dot segments stay */
	static const char *const good[][2] = {
	    {"http://h/a;jsessionid=1/b", "/a;jsessionid=1/b"},
	    {"http://h/a/..b/c...d/.e", "/a/..b/c...d/.e"},
	    {"http://h/a/b;", "/a/b;"},
	    {"http://h/a/", "/a/"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		if (gate_url_parse(good[i][0], &u) < 0)
			fail_msg("refused '%s'", good[i][0]);
		assert_string_equal(u.path, good[i][1]);
	}
	static const char *const bad[] = {
	    "ftp://h/",
	    "http:///x",
	    "http://h/../x",
	    "http://h/a/.",
	    "http://h/a/./b",
	    "http://h/%2e%2e/x",
	    "http://h/%2F",
	    "http://h/a%5cb",
	    "http://h/%0a",
	    "http://h/%zz",
	    "http://h//x",
	    "http://h_x/",
	    "http://[::1/",
	    "http://h/a%00b",
	    "http://h/a\x01",
	    /* Tomcat and Spring cut ";..." before resolving dots */
	    "http://h/public/..;/admin/",
	    "http://h/public/.;/admin/",
	    "http://h/public/..;x=1/admin/",
	    "http://h/public/%2e%2e;/admin/",
	    "http://h/public/..%3b/admin/",
	    "http://h/public/;x/admin/",
	    "http://h/public/..;",
	    "http://h/public/...",
	    /* IIS takes a backslash for '/' */
	    "http://h/public/..\\admin/",
	    "http://h/public\\x",
	    "http://h/%5C",
	    /* hosts */
	    "http://h../",
	    "http://.h/",
	    "http://a..b/",
	    "http://./",
	    "http://h:80x/",
	    "http://h:123456/",
	    "http://h:8:8/",
	    "http://[::1]x/",
	    "http://h%2e/",
	    "http://a]b/",
	    "http://a[b/",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (gate_url_parse(bad[i], &u) == 0)
			fail_msg("accepted '%s'", bad[i]);
}

static void
test_host_same(void **state)
{
	static const char *const same[][2] = {
	    {"app.test", "app.test"},	     {"App.Test", "app.test"},
	    {"app.test.", "app.test"},	     {"APP.TEST.:8443", "app.test"},
	    {"app.test:80", "app.test:443"}, {"[::1]:8080", "[::1]"},
	};
	static const char *const other[][2] = {
	    {"admin.test", "app.test"}, {"app.test..", "app.test"},
	    {"app.test", "app.test.."}, {"app.tes", "app.test"},
	    {"app.test x", "app.test"}, {"", ""},
	    {"app.test:x", "app.test"}, {"[::1", "[::1"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(same); i++)
		if (!gate_host_same(same[i][0], same[i][1]))
			fail_msg("'%s' and '%s' differ", same[i][0],
				 same[i][1]);
	for (size_t i = 0; i < ARRAY_SIZE(other); i++)
		if (gate_host_same(other[i][0], other[i][1]))
			fail_msg("'%s' and '%s' are the same", other[i][0],
				 other[i][1]);
	assert_int_equal(gate_host_same(NULL, "app.test"), 0);
	assert_int_equal(gate_host_same("app.test", NULL), 0);
}

static void
test_client_addr(void **state)
{
	struct gate_trie *px = gate_trie_new();
	char out[64];
	struct err e;

	(void)state;
	assert_int_equal(gate_trie_add(px, "127.0.0.1", 1, &e), 0);
	assert_int_equal(gate_trie_add(px, "10.0.0.0/8", 1, &e), 0);
	/* untrusted peer: the header is ignored */
	assert_int_equal(
	    gate_client_addr(px, "8.8.8.8", "1.1.1.1", out, sizeof(out)), 0);
	assert_string_equal(out, "8.8.8.8");
	/* trusted chain: the rightmost untrusted entry */
	assert_int_equal(gate_client_addr(px, "127.0.0.1",
					  "6.6.6.6, 1.2.3.4, 10.0.0.7", out,
					  sizeof(out)),
			 0);
	assert_string_equal(out, "1.2.3.4");
	assert_int_equal(
	    gate_client_addr(px, "127.0.0.1", "10.1.1.1", out, sizeof(out)), 0);
	assert_string_equal(out, "10.1.1.1");
	assert_int_equal(
	    gate_client_addr(px, "127.0.0.1", NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.1");
	assert_int_equal(
	    gate_client_addr(px, "127.0.0.1", "1.2.3.4,,", out, sizeof(out)),
	    -1);
	assert_int_equal(
	    gate_client_addr(px, "127.0.0.1", "unknown", out, sizeof(out)), -1);
	assert_int_equal(
	    gate_client_addr(px, "127.0.0.1", "", out, sizeof(out)), -1);
	assert_int_equal(gate_client_addr(px, "-", NULL, out, sizeof(out)), -1);
	/* a unix: socket peer is the local proxy: it must name the client */
	assert_true(gate_peer_trusted(px, GATE_PEER_UNIX));
	assert_true(gate_peer_trusted(px, "10.2.2.2"));
	assert_false(gate_peer_trusted(px, "8.8.8.8"));
	assert_false(gate_peer_trusted(px, "not an address"));
	assert_false(gate_peer_trusted(NULL, "127.0.0.1"));
	assert_int_equal(
	    gate_client_addr(px, GATE_PEER_UNIX, NULL, out, sizeof(out)), -1);
	assert_int_equal(gate_client_addr(px, GATE_PEER_UNIX,
					  "6.6.6.6, 1.2.3.4", out, sizeof(out)),
			 0);
	assert_string_equal(out, "1.2.3.4");
	assert_int_equal(gate_client_addr(px, GATE_PEER_UNIX,
					  "1.2.3.4, 10.0.0.9", out,
					  sizeof(out)),
			 0);
	assert_string_equal(out, "1.2.3.4");
	assert_int_equal(
	    gate_client_addr(px, GATE_PEER_UNIX, "junk", out, sizeof(out)), -1);
	gate_trie_free(px);
}

static void
test_form(void **state)
{
	char v[16];

	(void)state;
	assert_int_equal(gate_form_get("a=1&username=li+lei%21&b=", "username",
				       v, sizeof(v)),
			 0);
	assert_string_equal(v, "li lei!");
	assert_int_equal(gate_form_get("a=1&b=", "b", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(gate_form_get("ab=1", "a", v, sizeof(v)), -1);
	assert_int_equal(gate_form_get("a=%0", "a", v, sizeof(v)), -1);
	assert_int_equal(gate_form_get("a=%00", "a", v, sizeof(v)), -1);
	assert_int_equal(gate_form_get("a=0123456789abcdef", "a", v, sizeof(v)),
			 -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hotp_rfc4226),
	    cmocka_unit_test(test_totp_rfc6238),
	    cmocka_unit_test(test_base32),
	    cmocka_unit_test(test_totp_check),
	    cmocka_unit_test(test_totp_uri),
	    cmocka_unit_test(test_trie),
	    cmocka_unit_test(test_trie_random),
	    cmocka_unit_test(test_trie_range),
	    cmocka_unit_test(test_cover),
	    cmocka_unit_test(test_window_parse),
	    cmocka_unit_test(test_window_contains),
	    cmocka_unit_test(test_tz_threads),
	    cmocka_unit_test(test_policy_decide),
	    cmocka_unit_test(test_policy_refusals),
	    cmocka_unit_test(test_whitelist_window),
	    cmocka_unit_test(test_geo_csv),
	    cmocka_unit_test(test_cookie),
	    cmocka_unit_test(test_url),
	    cmocka_unit_test(test_host_same),
	    cmocka_unit_test(test_client_addr),
	    cmocka_unit_test(test_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
