/*
 * fuzz_gate_header.c: libFuzzer harness for the gate's request parsers:
 * cookies, X-Original-URL, X-Forwarded-For and login form bodies. The
 * input is split at the first three newlines into a Cookie header, a URL,
 * an X-Forwarded-For value and a form body. Accepted values must keep the
 * promises of gate.h (no dot segments, also with ";" parameters, no
 * backslash, hosts judged alike by gate_host_same, numeric addresses,
 * cookie octets).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate.h"

#include "fuzz.h"

static struct gate_trie *proxies;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *part[4] = {"", "", "", ""}, out[128], addr[64];
	struct gate_url *u;
	unsigned char a[16];
	int n = 0;
	struct err e;

	if (proxies == NULL) {
		proxies = gate_trie_new();
		gate_trie_add(proxies, "127.0.0.0/8", 1, &e);
		gate_trie_add(proxies, "::1", 1, &e);
	}
	buf = malloc(size + 1);
	CHECK(buf != NULL);
	memcpy(buf, data, size);
	buf[size] = '\0';
	part[n++] = buf;
	for (char *p = buf; *p && n < 4; p++)
		if (*p == '\n') {
			*p = '\0';
			part[n++] = p + 1;
		}
	if (gate_cookie_get(part[0], "__Host-govsec", out, sizeof(out)) == 0) {
		CHECK(strlen(out) < sizeof(out));
		for (const char *p = out; *p; p++)
			CHECK(*p > 0x20 && *p < 0x7f && *p != ';' && *p != '"');
	}
	u = calloc(1, sizeof(*u));
	CHECK(u != NULL);
	if (gate_url_parse(part[1], u) == 0) {
		CHECK(u->path[0] == '/' && u->host[0] != '\0');
		CHECK(strstr(u->path, "/../") == NULL);
		CHECK(strstr(u->path, "/./") == NULL);
		CHECK(strstr(u->path, "//") == NULL);
		CHECK(strstr(u->path, "/..;") == NULL);
		CHECK(strstr(u->path, "/.;") == NULL);
		CHECK(strchr(u->path, '\\') == NULL);
		for (const char *p = u->path; *p; p++)
			CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
		for (const char *p = u->host; *p; p++)
			CHECK(!(*p >= 'A' && *p <= 'Z'));
		CHECK(u->host[strlen(u->host) - 1] != '.');
		/* the authority names its own host, and the host is itself */
		CHECK(gate_host_same(u->hostport, u->host));
		CHECK(gate_host_same(u->host, u->hostport));
	}
	free(u);
	/* the same host is a symmetric judgement */
	CHECK(gate_host_same(part[0], part[2]) ==
	      gate_host_same(part[2], part[0]));
	if (gate_client_addr(proxies, "127.0.0.1", part[2], addr,
			     sizeof(addr)) == 0)
		CHECK(gate_addr_parse(addr, a) == 0);
	if (gate_client_addr(proxies, "8.8.8.8", part[2], addr, sizeof(addr)) ==
	    0)
		CHECK(strcmp(addr, "8.8.8.8") == 0);
	/* a unix: peer: only an address named in the header, or an error */
	if (gate_client_addr(proxies, GATE_PEER_UNIX, part[2], addr,
			     sizeof(addr)) == 0)
		CHECK(gate_addr_parse(addr, a) == 0);
	if (gate_form_get(part[3], "username", out, sizeof(out)) == 0)
		CHECK(strlen(out) < sizeof(out));
	free(buf);
	return 0;
}
