/* testutil.c: scratch directories and stores for the unit tests
 * (testutil.h). */
#include <dirent.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "store/store.h"
#include "testutil.h"

int
tu_mkdtemp(char *dir, size_t n, const char *name)
{
	const char *base = getenv("GOVSEC_TEST_TMP");

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (mkdir(base, 0700) < 0 && errno != EEXIST)
		return -1;
	if (str_fmt(dir, n, "%s/%s.XXXXXX", base, name) < 0 ||
	    mkdtemp(dir) == NULL)
		return -1;
	return 0;
}

void
tu_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[8192];

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (str_fmt(path, sizeof(path), "%s/%s", dir, de->d_name) >= 0)
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int
tu_store_pg(void)
{
	const char *pg = getenv("GOVSEC_TEST_STORE");

	return pg != NULL && *pg != '\0';
}

const char *
tu_store(const char *path)
{
	static char ring[8][4096];
	static int next;
	const char *base = getenv("GOVSEC_TEST_STORE");
	char *out = ring[next++ % 8], sql[128], schema[32];
	unsigned long long h = 14695981039346656037ULL;
	struct store *st;
	struct err e;

	if (!tu_store_pg())
		return path;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	str_fmt(schema, sizeof(schema), "t%016llx", h);
	st = store_open(base, &e);
	if (st == NULL) {
		fprintf(stderr, "GOVSEC_TEST_STORE: %s\n", e.msg);
		abort();
	}
	str_fmt(sql, sizeof(sql), "CREATE SCHEMA IF NOT EXISTS %s", schema);
	if (store_exec(st, sql, NULL, 0, &e) < 0) {
		fprintf(stderr, "GOVSEC_TEST_STORE: %s\n", e.msg);
		abort();
	}
	store_free(st);
	if (str_fmt(out, 4096, "%s%soptions=-csearch_path%%3D%s", base,
		    strchr(base, '?') != NULL ? "&" : "?", schema) < 0)
		abort();
	return out;
}
