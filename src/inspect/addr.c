/*
 * addr.c: the SSRF guard of the crawler and the probe: is an address that
 * a connection is about to be opened to one that the public Internet
 * cannot mean? Judges addresses from DNS answers (untrusted: a hostile
 * name may resolve to anything), including IPv6 forms that carry an IPv4
 * address inside them (mapped, compatible, NAT64, 6to4, Teredo), whose
 * IPv4 is extracted and judged in turn.
 */
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "inspect/inspect.h"

/* A prefix of an address family's space, in host order for IPv4. */
struct v4net {
	uint32_t net;
	int len;
};

/* Not public unicast (RFC 6890 and the IANA special-purpose registry). */
static const struct v4net v4_refused[] = {
    {0x00000000, 8},  /* 0/8 "this network" */
    {0x0a000000, 8},  /* 10/8 private */
    {0x64400000, 10}, /* 100.64/10 shared (CGNAT) */
    {0x7f000000, 8},  /* 127/8 loopback */
    {0xa9fe0000, 16}, /* 169.254/16 link-local, metadata services */
    {0xac100000, 12}, /* 172.16/12 private */
    {0xc0000000, 24}, /* 192.0.0/24 protocol assignments */
    {0xc0000200, 24}, /* 192.0.2/24 documentation (TEST-NET-1) */
    {0xc0586300, 24}, /* 192.88.99/24 6to4 relay anycast */
    {0xc0a80000, 16}, /* 192.168/16 private */
    {0xc6120000, 15}, /* 198.18/15 benchmarking */
    {0xc6336400, 24}, /* 198.51.100/24 documentation (TEST-NET-2) */
    {0xcb007100, 24}, /* 203.0.113/24 documentation (TEST-NET-3) */
    {0xe0000000, 4},  /* 224/4 multicast */
    {0xf0000000, 4},  /* 240/4 reserved, and 255.255.255.255 */
};

static int
v4_refused_addr(uint32_t a)
{
	for (size_t i = 0; i < ARRAY_SIZE(v4_refused); i++) {
		uint32_t mask = 0xffffffffu << (32 - v4_refused[i].len);

		if ((a & mask) == v4_refused[i].net)
			return 1;
	}
	return 0;
}

/* The IPv4 address in the four bytes at b. */
static uint32_t
v4_at(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

/* 1 if the first bits bits of a and p agree. */
static int
v6_in(const unsigned char *a, const unsigned char *p, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, p, (size_t)whole) != 0)
		return 0;
	return rest == 0 ||
	       ((a[whole] ^ p[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* Refused outright: no public host lives there (the prefix, its bits). */
static const struct {
	unsigned char p[16];
	int len;
} v6_refused[] = {
    /* :: unspecified, ::1 loopback */
    {{0}, 128},
    {{[15] = 1}, 128},
    /* 64:ff9b:1::/48 NAT64 for local use (RFC 8215) */
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48},
    /* 100::/64 discard */
    {{0x01, 0x00}, 64},
    /* 2001:2::/48 benchmarking, 2001:10::/28 ORCHID, 2001:20::/28
     * ORCHIDv2 */
    {{0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48},
    {{0x20, 0x01, 0x00, 0x10}, 28},
    {{0x20, 0x01, 0x00, 0x20}, 28},
    /* 2001:db8::/32 and 3fff::/20 documentation */
    {{0x20, 0x01, 0x0d, 0xb8}, 32},
    {{0x3f, 0xff, 0x00}, 20},
    /* fc00::/7 unique local, fe80::/10 link-local, fec0::/10 site-local,
     * ff00::/8 multicast */
    {{0xfc}, 7},
    {{0xfe, 0x80}, 10},
    {{0xfe, 0xc0}, 10},
    {{0xff}, 8},
};

static int
v6_refused_addr(const unsigned char *b)
{
	static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
	static const unsigned char translated[12] = {[8] = 0xff, [9] = 0xff};
	static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b};
	static const unsigned char zero[12] = {0};

	for (size_t i = 0; i < ARRAY_SIZE(v6_refused); i++)
		if (v6_in(b, v6_refused[i].p, v6_refused[i].len))
			return 1;
	/* ::ffff:a.b.c.d mapped, ::ffff:0:a.b.c.d translated (RFC 2765),
	 * 64:ff9b::a.b.c.d NAT64 (RFC 6052), ::a.b.c.d compatible
	 * (deprecated, RFC 4291): the IPv4 address is the last 32 bits */
	if (!memcmp(b, mapped, 12) || !memcmp(b, translated, 12) ||
	    !memcmp(b, nat64, 12) || !memcmp(b, zero, 12))
		return v4_refused_addr(v4_at(b + 12));
	/* 2002:AABB:CCDD::/48 6to4 (RFC 3056): the IPv4 is bits 16-47 */
	if (b[0] == 0x20 && b[1] == 0x02)
		return v4_refused_addr(v4_at(b + 2));
	/* 2001:0:SSSS:SSSS::/32 Teredo (RFC 4380): the server's IPv4 in
	 * bits 32-63, the client's in the last 32 bits, inverted */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)
		return v4_refused_addr(v4_at(b + 4)) ||
		       v4_refused_addr(~v4_at(b + 12));
	return 0;
}

int
addr_private(const void *sa)
{
	const struct sockaddr *s = sa;

	if (s->sa_family == AF_INET) {
		const struct sockaddr_in *in = sa;

		return v4_refused_addr(ntohl(in->sin_addr.s_addr));
	}
	if (s->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = sa;

		return v6_refused_addr(in6->sin6_addr.s6_addr);
	}
	return 1; /* anything else is refused */
}
