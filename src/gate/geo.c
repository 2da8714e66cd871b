/*
 * geo.c: the country of a client address, from a MaxMind DB
 * (libmaxminddb, country.iso_code) and/or CSV range lists
 * ("first,last,CC"). The files are the operator's; addresses are
 * untrusted and only ever parsed as numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <maxminddb.h>

#include "gate/gate.h"

#define CSV_MAX (256LL << 20)
#define CC_MAX	1024

struct gate_geo {
	MMDB_s mmdb;
	int have_mmdb;
	struct gate_trie *csv;
	char cc[CC_MAX][3]; /* trie values are indexes + 1 */
	int ncc;
};

static int
cc_index(struct gate_geo *g, const char *cc)
{
	for (int i = 0; i < g->ncc; i++)
		if (!strcmp(g->cc[i], cc))
			return i + 1;
	if (g->ncc == CC_MAX)
		return -1;
	str_copy(g->cc[g->ncc], cc, 3);
	return ++g->ncc;
}

static int
load_csv(struct gate_geo *g, const char *path, struct err *e)
{
	struct buf b = BUF_INIT(CSV_MAX);
	char *line, *next;
	int lineno = 0;

	if (buf_read_file(&b, path, e) < 0)
		return -1;
	g->csv = gate_trie_new();
	for (line = b.data; line != NULL && *line; line = next) {
		char *f[3], *p;
		unsigned char lo[16], hi[16];
		int n = 0, v;

		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		p = strchr(line, '\r');
		if (p != NULL)
			*p = '\0';
		while (*line == ' ')
			line++;
		if (*line == '#' || *line == '\0')
			continue;
		f[n++] = line;
		for (p = line; *p && n < 3; p++)
			if (*p == ',') {
				*p = '\0';
				f[n++] = p + 1;
			}
		if (n != 3 || strchr(f[2], ',') != NULL ||
		    gate_addr_parse(f[0], lo) < 0 ||
		    gate_addr_parse(f[1], hi) < 0 || strlen(f[2]) != 2 ||
		    (strchr(f[0], ':') == NULL) != (strchr(f[1], ':') == NULL))
			goto bad;
		for (p = f[2]; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
			else if (*p < 'A' || *p > 'Z')
				goto bad;
		v = cc_index(g, f[2]);
		if (v < 0 || gate_trie_add_range(g->csv, lo, hi, v, e) < 0)
			goto bad;
	}
	buf_cleanup(&b);
	return 0;
bad:
	err_set(e, "'%s' line %d: not FIRST,LAST,CC with one address family",
		path, lineno);
	buf_cleanup(&b);
	return -1;
}

struct gate_geo *
gate_geo_open(const char *mmdb, const char *csv, struct err *e)
{
	struct gate_geo *g = xcalloc(1, sizeof(*g));

	if (mmdb != NULL && *mmdb != '\0') {
		int rc = MMDB_open(mmdb, MMDB_MODE_MMAP, &g->mmdb);

		if (rc != MMDB_SUCCESS) {
			err_set(e, "cannot open GeoIP database '%s': %s", mmdb,
				MMDB_strerror(rc));
			goto fail;
		}
		g->have_mmdb = 1;
	}
	if (csv != NULL && *csv != '\0' && load_csv(g, csv, e) < 0)
		goto fail;
	return g;
fail:
	gate_geo_free(g);
	return NULL;
}

void
gate_geo_free(struct gate_geo *g)
{
	if (g == NULL)
		return;
	if (g->have_mmdb)
		MMDB_close(&g->mmdb);
	gate_trie_free(g->csv);
	free(g);
}

void
gate_geo_country(const struct gate_geo *g, const char *ip, char cc[3])
{
	unsigned char a[16];
	MMDB_lookup_result_s res;
	MMDB_entry_data_s data;
	int gai, merr;

	cc[0] = '\0';
	if (g == NULL || ip == NULL || gate_addr_parse(ip, a) < 0)
		return;
	if (g->csv != NULL) {
		int v = gate_trie_lookup(g->csv, a);

		if (v > 0) {
			memcpy(cc, g->cc[v - 1], 3);
			return;
		}
	}
	if (!g->have_mmdb)
		return;
	/* MMDB_lookup_string only reads g->mmdb (mmap'ed), safe in threads */
	res =
	    MMDB_lookup_string((MMDB_s *)(uintptr_t)&g->mmdb, ip, &gai, &merr);
	if (gai != 0 || merr != MMDB_SUCCESS || !res.found_entry)
		return;
	if (MMDB_get_value(&res.entry, &data, "country", "iso_code", NULL) !=
		MMDB_SUCCESS ||
	    !data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING ||
	    data.data_size != 2)
		return;
	memcpy(cc, data.utf8_string, 2);
	cc[2] = '\0';
}
