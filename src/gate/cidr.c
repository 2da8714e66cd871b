/*
 * cidr.c: a binary trie of IP prefixes for longest-prefix lookups (named
 * network sets, trusted proxies, CSV country ranges). Nodes live in one
 * array indexed by 32-bit numbers. Prefix strings are untrusted.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate.h"

#define NODES_MAX (1u << 24)

struct node {
	uint32_t child[2]; /* 0: none (node 0 is the root) */
	int value;	   /* 0: no prefix ends here */
};

struct gate_trie {
	struct node *n;
	size_t len, cap;
	/* IPv4 lookups start at the end of ::ffff:0:0/96 (set by insert) */
	uint32_t v4node; /* that node, 0 if the path stops early */
	int v4best;	 /* the longest prefix value on the way there */
};

/* ::ffff:0.0.0.0, of which the first 96 bits are compared */
static const unsigned char v4mapped[16] = {[10] = 0xff, [11] = 0xff};

struct gate_trie *
gate_trie_new(void)
{
	struct gate_trie *t = xcalloc(1, sizeof(*t));

	t->cap = 64;
	t->n = xcalloc(t->cap, sizeof(*t->n));
	t->len = 1;
	return t;
}

void
gate_trie_free(struct gate_trie *t)
{
	if (t == NULL)
		return;
	free(t->n);
	free(t);
}

size_t
gate_trie_nodes(const struct gate_trie *t)
{
	return t->len;
}

int
gate_addr_parse(const char *s, unsigned char out[16])
{
	unsigned char v4[4];

	if (s == NULL || strlen(s) > 45)
		return -1;
	if (inet_pton(AF_INET, s, v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, v4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1)
		return 0;
	return -1;
}

static int
bit_of(const unsigned char a[16], int i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

/* Inserts the first len bits of a with value. */
static int
insert(struct gate_trie *t, const unsigned char a[16], int len, int value,
       struct err *e)
{
	uint32_t cur = 0;

	for (int i = 0; i < len; i++) {
		int b = bit_of(a, i);

		if (t->n[cur].child[b] == 0) {
			if (t->len >= NODES_MAX) {
				err_set(e, "prefix trie is full (%u nodes)",
					NODES_MAX);
				return -1;
			}
			if (t->len == t->cap) {
				t->cap *= 2;
				t->n = xrealloc(t->n, t->cap * sizeof(*t->n));
			}
			memset(&t->n[t->len], 0, sizeof(t->n[0]));
			t->n[cur].child[b] = (uint32_t)t->len++;
		}
		cur = t->n[cur].child[b];
	}
	t->n[cur].value = value;
	/* refresh the IPv4 shortcut */
	cur = 0;
	t->v4best = t->n[0].value;
	for (int i = 0; i < 96 && (i == 0 || cur != 0); i++) {
		cur = t->n[cur].child[bit_of(v4mapped, i)];
		if (cur != 0 && t->n[cur].value != 0)
			t->v4best = t->n[cur].value;
	}
	t->v4node = cur;
	return 0;
}

int
gate_trie_add(struct gate_trie *t, const char *cidr, int value, struct err *e)
{
	char host[64];
	const char *slash;
	unsigned char a[16];
	long long len;
	int v4, max;

	slash = strchr(cidr, '/');
	if (slash == NULL) {
		if (str_copy(host, cidr, sizeof(host)) < 0)
			goto bad;
	} else {
		if ((size_t)(slash - cidr) >= sizeof(host))
			goto bad;
		memcpy(host, cidr, (size_t)(slash - cidr));
		host[slash - cidr] = '\0';
	}
	v4 = strchr(host, ':') == NULL;
	if (gate_addr_parse(host, a) < 0)
		goto bad;
	max = v4 ? 32 : 128;
	len = max;
	if (slash != NULL && str_to_ll(slash + 1, 0, max, &len) < 0)
		goto bad;
	if (v4)
		len += 96;
	for (int i = (int)len; i < 128; i++)
		if (bit_of(a, i)) {
			err_set(e, "prefix '%s' has bits set past its length",
				cidr);
			return -1;
		}
	if (value == 0) {
		err_set(e, "prefix '%s' needs a value", cidr);
		return -1;
	}
	return insert(t, a, (int)len, value, e);
bad:
	err_set(e, "'%.80s' is not an IP address or ADDRESS/LENGTH prefix",
		cidr);
	return -1;
}

/* a += 1 over 128 bits; 1 on overflow. */
static int
addr_inc(unsigned char a[16])
{
	for (int i = 15; i >= 0; i--)
		if (++a[i] != 0)
			return 0;
	return 1;
}

int
gate_trie_add_range(struct gate_trie *t, const unsigned char lo[16],
		    const unsigned char hi[16], int value, struct err *e)
{
	unsigned char cur[16];

	if (memcmp(lo, hi, 16) > 0) {
		err_set(e, "range ends before it starts");
		return -1;
	}
	memcpy(cur, lo, 16);
	for (;;) {
		/* The largest aligned block at cur that stays within hi. */
		int len = 128;

		while (len > 0) {
			int b = len - 1; /* bit index to clear/set */
			unsigned char end[16];

			if (bit_of(cur, b))
				break; /* not aligned to a bigger block */
			memcpy(end, cur, 16);
			for (int i = b; i < 128; i++)
				end[i / 8] |= (unsigned char)(1 << (7 - i % 8));
			if (memcmp(end, hi, 16) > 0)
				break;
			len--;
		}
		if (insert(t, cur, len, value, e) < 0)
			return -1;
		/* cur = end of this block + 1 */
		for (int i = len; i < 128; i++)
			cur[i / 8] |= (unsigned char)(1 << (7 - i % 8));
		if (memcmp(cur, hi, 16) >= 0 || addr_inc(cur))
			return 0;
	}
}

int
gate_trie_lookup(const struct gate_trie *t, const unsigned char addr[16])
{
	uint32_t cur = 0;
	int best = t->n[0].value, i = 0;

	if (memcmp(addr, v4mapped, 12) == 0) {
		if (t->v4node == 0)
			return t->v4best;
		cur = t->v4node;
		best = t->v4best;
		i = 96;
	}
	for (; i < 128; i++) {
		cur = t->n[cur].child[bit_of(addr, i)];
		if (cur == 0)
			break;
		if (t->n[cur].value != 0)
			best = t->n[cur].value;
	}
	return best;
}
