/*
 * test_addr.c: the SSRF guard (src/inspect/addr.c): every special-purpose
 * range, each IPv6 form that embeds an IPv4 address, with a private and a
 * public IPv4 inside, and public addresses next to the refused ranges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "inspect/inspect.h"

static const struct {
	const char *addr;
	int refused;
} cases[] = {
    /* IPv4 special-purpose ranges, and public neighbours */
    {"0.0.0.0", 1},
    {"0.1.2.3", 1},
    {"10.1.2.3", 1},
    {"100.64.0.1", 1},
    {"100.127.255.254", 1},
    {"100.128.0.1", 0},
    {"100.63.255.255", 0},
    {"127.0.0.1", 1},
    {"127.255.255.254", 1},
    {"169.254.169.254", 1},
    {"172.16.0.1", 1},
    {"172.31.255.255", 1},
    {"172.32.0.1", 0},
    {"192.0.0.8", 1},
    {"192.0.2.1", 1},
    {"192.0.3.1", 0},
    {"192.88.99.1", 1},
    {"192.168.1.1", 1},
    {"198.18.0.1", 1},
    {"198.19.255.255", 1},
    {"198.20.0.1", 0},
    {"198.51.100.7", 1},
    {"198.51.101.7", 0},
    {"203.0.113.9", 1},
    {"203.0.114.9", 0},
    {"224.0.0.1", 1},
    {"239.255.255.250", 1},
    {"240.0.0.1", 1},
    {"255.255.255.255", 1},
    {"202.96.128.86", 0},
    {"8.8.8.8", 0},
    {"223.255.255.255", 0},
    /* IPv6 special-purpose ranges */
    {"::", 1},
    {"::1", 1},
    {"fe80::1", 1},
    {"febf::1", 1},
    {"fec0::1", 1},
    {"fc00::1", 1},
    {"fd00::1", 1},
    {"ff02::1", 1},
    {"ff0e::1", 1},
    {"100::1", 1},
    {"2001:2::1", 1},
    {"2001:10::1", 1},
    {"2001:20::1", 1},
    {"2001:db8::1", 1},
    {"2001:db8:ffff::1", 1},
    {"3fff::1", 1},
    {"3fff:fff::1", 1},
    {"64:ff9b:1::1", 1},
    {"64:ff9b:1:ffff::808:808", 1},
    {"2400:3200::1", 0},
    {"2001:4860:4860::8888", 0},
    {"2001:db9::1", 0},
    {"2001:3::1", 0},
    /* IPv4-mapped ::ffff:a.b.c.d */
    {"::ffff:127.0.0.1", 1},
    {"::ffff:10.0.0.1", 1},
    {"::ffff:192.0.2.1", 1},
    {"::ffff:8.8.8.8", 0},
    /* IPv4-translated ::ffff:0:a.b.c.d */
    {"::ffff:0:192.168.0.1", 1},
    {"::ffff:0:8.8.8.8", 0},
    /* IPv4-compatible ::a.b.c.d */
    {"::10.0.0.1", 1},
    {"::127.0.0.1", 1},
    {"::169.254.169.254", 1},
    {"::8.8.8.8", 0},
    /* NAT64 64:ff9b::/96 */
    {"64:ff9b::10.0.0.1", 1},
    {"64:ff9b::127.0.0.1", 1},
    {"64:ff9b::169.254.169.254", 1},
    {"64:ff9b::198.51.100.1", 1},
    {"64:ff9b::8.8.8.8", 0},
    /* 6to4 2002:AABB:CCDD::/48 */
    {"2002:a00:1::1", 1},     /* 10.0.0.1 */
    {"2002:7f00:1::1", 1},    /* 127.0.0.1 */
    {"2002:c0a8:101::1", 1},  /* 192.168.1.1 */
    {"2002:a9fe:a9fe::1", 1}, /* 169.254.169.254 */
    {"2002:cb00:7101::1", 1}, /* 203.0.113.1 */
    {"2002:808:808::1", 0},   /* 8.8.8.8 */
    /* Teredo 2001:0:SERVER:flags:port:~CLIENT */
    {"2001:0:4136:e378:8000:63bf:f5ff:fffe", 1}, /* client 10.0.0.1 */
    {"2001:0:4136:e378:8000:63bf:80ff:fffe", 1}, /* client 127.0.0.1 */
    {"2001:0:4136:e378:8000:63bf:3f57:fe7f", 1}, /* 192.168.1.128 */
    {"2001:0:4136:e378:8000:63bf:5601:5601", 1}, /* 169.254.169.254 */
    {"2001:0:a00:1:8000:63bf:f7f7:f7f7", 1},	 /* server 10.0.0.1 */
    {"2001:0:4136:e378:8000:63bf:f7f7:f7f7", 0}, /* client 8.8.8.8 */
};

static void
test_addr_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		int got = -1;

		memset(&in, 0, sizeof(in));
		memset(&in6, 0, sizeof(in6));
		in.sin_family = AF_INET;
		in6.sin6_family = AF_INET6;
		if (inet_pton(AF_INET, cases[i].addr, &in.sin_addr) == 1)
			got = addr_private(&in);
		else if (inet_pton(AF_INET6, cases[i].addr, &in6.sin6_addr) ==
			 1)
			got = addr_private(&in6);
		else
			fail_msg("'%s': not an address", cases[i].addr);
		if (got != cases[i].refused)
			fail_msg("'%s': %s, expected %s", cases[i].addr,
				 got ? "refused" : "public",
				 cases[i].refused ? "refused" : "public");
	}
}

/* Another family than IPv4 and IPv6 is never reached. */
static void
test_addr_family(void **state)
{
	struct sockaddr_un un;

	(void)state;
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	assert_true(addr_private(&un));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_table),
	    cmocka_unit_test(test_addr_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
