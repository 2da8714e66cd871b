/*
 * cidr.c: a binary trie of IP prefixes for longest-prefix lookups (named
 * network sets, trusted proxies, CSV country ranges). Nodes live in one
 * array indexed by 32-bit numbers. Prefix strings are untrusted. Also the
 * coverage of prefix lists (what they add up to, SEC-3) as sorted ranges.
 */
#include <arpa/inet.h>
#include <pthread.h>
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

/* gate_trie_add; with loose, bits past the length are cleared instead. */
static int
add_prefix(struct gate_trie *t, const char *cidr, int value, int loose,
	   struct err *e)
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
		if (bit_of(a, i) && loose)
			a[i / 8] &= (unsigned char)~(1 << (7 - i % 8));
		else if (bit_of(a, i)) {
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

int
gate_trie_add(struct gate_trie *t, const char *cidr, int value, struct err *e)
{
	return add_prefix(t, cidr, value, 0, e);
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

/* ---- coverage (SEC-3: segments judged by what they cover) --------------- */

struct range {
	unsigned char lo[16], hi[16];
};

struct gate_addrs {
	struct range *r; /* sorted, disjoint, not adjacent */
	size_t n, cap;
};

struct gate_addrs *
gate_addrs_new(void)
{
	return xcalloc(1, sizeof(struct gate_addrs));
}

void
gate_addrs_free(struct gate_addrs *a)
{
	if (a == NULL)
		return;
	free(a->r);
	free(a);
}

/* Appends [lo, hi] after every range of a, merged with an adjacent one. */
static void
addrs_push(struct gate_addrs *a, const unsigned char lo[16],
	   const unsigned char hi[16])
{
	if (a->n > 0) {
		unsigned char next[16];
		struct range *last = &a->r[a->n - 1];

		memcpy(next, last->hi, 16);
		if (memcmp(lo, last->hi, 16) <= 0 ||
		    (!addr_inc(next) && !memcmp(next, lo, 16))) {
			if (memcmp(hi, last->hi, 16) > 0)
				memcpy(last->hi, hi, 16);
			return;
		}
	}
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->r = xrealloc(a->r, a->cap * sizeof(*a->r));
	}
	memcpy(a->r[a->n].lo, lo, 16);
	memcpy(a->r[a->n].hi, hi, 16);
	a->n++;
}

/* The covered blocks under node i at depth d (prefix in p), in order. */
static void
trie_walk(const struct gate_trie *t, uint32_t i, int d, unsigned char p[16],
	  int inherited, struct gate_addrs *a)
{
	int v = t->n[i].value != 0 ? t->n[i].value : inherited;

	if (d == 128) {
		if (v > 0)
			addrs_push(a, p, p);
		return;
	}
	for (int b = 0; b < 2; b++) {
		uint32_t c = t->n[i].child[b];

		if (b)
			p[d / 8] |= (unsigned char)(1 << (7 - d % 8));
		if (c != 0)
			trie_walk(t, c, d + 1, p, v, a);
		else if (v > 0) {
			unsigned char hi[16];

			memcpy(hi, p, 16);
			for (int k = d + 1; k < 128; k++)
				hi[k / 8] |= (unsigned char)(1 << (7 - k % 8));
			addrs_push(a, p, hi);
		}
		if (b)
			p[d / 8] &= (unsigned char)~(1 << (7 - d % 8));
	}
}

/* r = a op b over sorted range lists: 0 union, 1 a minus b. */
static void
addrs_merge(struct gate_addrs *a, const struct gate_addrs *b, int minus)
{
	struct gate_addrs out = {NULL, 0, 0};
	size_t i = 0, j = 0;

	if (!minus) {
		while (i < a->n || j < b->n) {
			const struct range *x =
			    j >= b->n ||
				    (i < a->n &&
				     memcmp(a->r[i].lo, b->r[j].lo, 16) <= 0)
				? &a->r[i++]
				: &b->r[j++];

			addrs_push(&out, x->lo, x->hi);
		}
	} else {
		for (; i < a->n; i++) {
			unsigned char lo[16];

			memcpy(lo, a->r[i].lo, 16);
			while (j < b->n && memcmp(b->r[j].hi, lo, 16) < 0)
				j++;
			for (size_t k = j; k < b->n; k++) {
				unsigned char end[16];

				if (memcmp(b->r[k].lo, a->r[i].hi, 16) > 0)
					break;
				if (memcmp(b->r[k].lo, lo, 16) > 0) {
					/* [lo, b.lo - 1] survives */
					memcpy(end, b->r[k].lo, 16);
					for (int m = 15; m >= 0; m--)
						if (end[m]-- != 0)
							break;
					addrs_push(&out, lo, end);
				}
				memcpy(lo, b->r[k].hi, 16);
				if (memcmp(lo, a->r[i].hi, 16) >= 0 ||
				    addr_inc(lo))
					goto next;
			}
			addrs_push(&out, lo, a->r[i].hi);
		next:;
		}
	}
	free(a->r);
	*a = out;
}

void
gate_addrs_add_trie(struct gate_addrs *a, const struct gate_trie *t)
{
	struct gate_addrs w = {NULL, 0, 0};
	unsigned char p[16] = {0};

	trie_walk(t, 0, 0, p, 0, &w);
	addrs_merge(a, &w, 0);
	free(w.r);
}

void
gate_addrs_union(struct gate_addrs *a, const struct gate_addrs *b)
{
	addrs_merge(a, b, 0);
}

void
gate_addrs_minus(struct gate_addrs *a, const struct gate_addrs *b)
{
	addrs_merge(a, b, 1);
}

int
gate_addrs_within(const struct gate_addrs *a, const struct gate_addrs *b)
{
	size_t j = 0;

	/* b's ranges are disjoint and not adjacent: each of a's ranges
	 * must lie inside one of them */
	for (size_t i = 0; i < a->n; i++) {
		while (j < b->n && memcmp(b->r[j].hi, a->r[i].lo, 16) < 0)
			j++;
		if (j == b->n || memcmp(b->r[j].lo, a->r[i].lo, 16) > 0 ||
		    memcmp(b->r[j].hi, a->r[i].hi, 16) < 0)
			return 0;
	}
	return 1;
}

/* 128-bit counts as two halves. */
struct u128 {
	uint64_t hi, lo;
};

static void
u128_add(struct u128 *s, struct u128 x)
{
	s->lo += x.lo;
	s->hi += x.hi + (s->lo < x.lo);
}

/* hi - lo + 1 (addresses as numbers); 2^128 saturates at 2^128 - 1. */
static struct u128
span(const unsigned char lo[16], const unsigned char hi[16])
{
	struct u128 a = {0, 0}, b = {0, 0}, d;

	for (int i = 0; i < 8; i++) {
		a.hi = a.hi << 8 | lo[i];
		a.lo = a.lo << 8 | lo[8 + i];
		b.hi = b.hi << 8 | hi[i];
		b.lo = b.lo << 8 | hi[8 + i];
	}
	d.lo = b.lo - a.lo;
	d.hi = b.hi - a.hi - (b.lo < a.lo);
	/* + 1; the whole space (2^128) saturates at 2^128 - 1 */
	if (d.lo != UINT64_MAX)
		d.lo++;
	else if (d.hi != UINT64_MAX) {
		d.lo = 0;
		d.hi++;
	}
	return d;
}

/* bits - ceil(log2(n)); n > 0. A saturated 2^128 - 1 counts as 2^128. */
static int
prefix_of(struct u128 n, int bits)
{
	int lg = 0, pow2;

	if (n.hi == UINT64_MAX && n.lo == UINT64_MAX)
		return 0;
	if (n.hi != 0) {
		while (lg < 64 && (n.hi >> lg) > 1)
			lg++;
		lg += 64;
		pow2 = n.lo == 0 && (n.hi & (n.hi - 1)) == 0;
	} else {
		while (lg < 64 && (n.lo >> lg) > 1)
			lg++;
		pow2 = (n.lo & (n.lo - 1)) == 0;
	}
	return bits - (lg + !pow2);
}

/* The part of r inside the /96 at base, as [lo, hi] there; 0 if none. */
static int
clip96(const struct range *r, const unsigned char base[12],
       unsigned char lo[16], unsigned char hi[16])
{
	unsigned char b0[16], b1[16];

	memcpy(b0, base, 12);
	memset(b0 + 12, 0, 4);
	memcpy(b1, base, 12);
	memset(b1 + 12, 0xff, 4);
	if (memcmp(r->hi, b0, 16) < 0 || memcmp(r->lo, b1, 16) > 0)
		return 0;
	memcpy(lo, memcmp(r->lo, b0, 16) > 0 ? r->lo : b0, 16);
	memcpy(hi, memcmp(r->hi, b1, 16) < 0 ? r->hi : b1, 16);
	return 1;
}

void
gate_addrs_cover(const struct gate_addrs *a, struct gate_cover *c)
{
	/* IPv4 is reached as ::ffff:a.b.c.d and through NAT64's
	 * 64:ff9b::a.b.c.d (RFC 6052): both count as IPv4 */
	static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b};
	struct gate_addrs v4 = {NULL, 0, 0}, v6 = {NULL, 0, 0};
	struct gate_addrs both = {NULL, 0, 0};
	struct u128 n4 = {0, 0}, n6 = {0, 0};
	unsigned char lo[16], hi[16];

	for (int pass = 0; pass < 2; pass++) {
		const unsigned char *base = pass == 0 ? v4mapped : nat64;
		struct gate_addrs w = {NULL, 0, 0};

		for (size_t i = 0; i < a->n; i++)
			if (clip96(&a->r[i], base, lo, hi)) {
				memcpy(lo, v4mapped, 12);
				memcpy(hi, v4mapped, 12);
				addrs_push(&w, lo, hi);
			}
		addrs_merge(&v4, &w, 0);
		free(w.r);
		memcpy(lo, base, 12);
		memset(lo + 12, 0, 4);
		memcpy(hi, base, 12);
		memset(hi + 12, 0xff, 4);
		addrs_push(&both, lo, hi); /* ::ffff:0:0/96 sorts first */
	}
	addrs_merge(&v6, a, 0);
	addrs_merge(&v6, &both, 1);
	for (size_t i = 0; i < v4.n; i++)
		u128_add(&n4, span(v4.r[i].lo, v4.r[i].hi));
	for (size_t i = 0; i < v6.n; i++)
		u128_add(&n6, span(v6.r[i].lo, v6.r[i].hi));
	c->v4 = v4.n > 0 ? prefix_of(n4, 32) : -1;
	c->v6 = v6.n > 0 ? prefix_of(n6, 128) : -1;
	free(v4.r);
	free(v6.r);
	free(both.r);
}

struct gate_addrs *
gate_addrs_internal(void)
{
	static const char *const nets[] = {
	    "10.0.0.0/8",     "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
	    "169.254.0.0/16", "fc00::/7",      "fe80::/10",	 "::1"};
	struct gate_trie *t = gate_trie_new();
	struct gate_addrs *a = gate_addrs_new();

	for (size_t i = 0; i < ARRAY_SIZE(nets); i++)
		add_prefix(t, nets[i], 1, 0, NULL); /* constants: no error */
	gate_addrs_add_trie(a, t);
	gate_trie_free(t);
	return a;
}

/* The internal set, built once: cover lists are judged by the thousand. */
static struct gate_addrs *internal_set;

static void
internal_init(void)
{
	internal_set = gate_addrs_internal();
}

int
gate_cover_list(const char *const *prefixes, size_t n, int flags,
		struct gate_cover *c, struct err *e)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	struct gate_trie *t = gate_trie_new();
	struct gate_addrs *a = gate_addrs_new();
	int rc = -1;

	for (size_t i = 0; i < n; i++) {
		int neg = prefixes[i][0] == '!';

		if (add_prefix(t, prefixes[i] + neg, neg ? -1 : 1,
			       flags & GATE_COVER_LOOSE, e) < 0)
			goto out;
	}
	gate_addrs_add_trie(a, t);
	if (flags & GATE_COVER_PUBLIC) {
		pthread_once(&once, internal_init);
		gate_addrs_minus(a, internal_set);
	}
	gate_addrs_cover(a, c);
	rc = 0;
out:
	gate_addrs_free(a);
	gate_trie_free(t);
	return rc;
}
