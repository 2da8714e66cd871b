/*
 * fuzz_tlog_monitor.c: libFuzzer harness for what the transparency-log
 * monitor (src/ecert/monitor.c) reads from a log it does not control, and
 * govsecd reads on its own schedule ([ecert] monitor): the chain of
 * /v1/ca, the signed tree head, a consistency proof's path and a page of
 * entries, through tlog_monitor_read. A CA is made once in a temporary
 * directory (removed at exit) for its receipt certificate. The promises
 * checked: any bytes are read or refused, never crash; a head is never
 * accepted, its signature being by a key made in this run.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecert/ecert.h"

#include "fuzz.h"

#define INPUT_MAX (256 * 1024)

static struct store *st;
static struct ecert_ca ca;
static char dir[4096];

static void
cleanup(void)
{
	char cmd[4200];

	ecert_ca_free(&ca);
	store_free(st);
	if (str_fmt(cmd, sizeof(cmd), "rm -rf '%s'", dir) >= 0)
		CHECK(system(cmd) == 0);
}

static void
init(void)
{
	const char *base = getenv("GOVSEC_TEST_TMP");
	char path[4200], kek[4200];
	struct secret_key k = {0};
	struct err e;

	if (st != NULL)
		return;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (mkdir(base, 0700) < 0 && errno != EEXIST)
		base = "/tmp";
	CHECK(str_fmt(dir, sizeof(dir), "%s/fuzz_tlog_monitor.XXXXXX", base) >=
	      0);
	CHECK(mkdtemp(dir) != NULL);
	CHECK(str_fmt(path, sizeof(path), "%s/s.db", dir) >= 0);
	CHECK(str_fmt(kek, sizeof(kek), "%s/kek", dir) >= 0);
	CHECK((st = store_open(path, &e)) != NULL);
	atexit(cleanup);
	CHECK(store_migrate(st, &e) == 0);
	CHECK(secret_key_create(kek, &e) == 0);
	CHECK(secret_key_load(&k, kek, &e) == 0);
	CHECK(ecert_ca_init(st, &k, "测试编办", "fuzz", &e) == 0);
	CHECK(ecert_ca_load(st, &k, &ca, &e) == 0);
	CHECK(ca.receipt != NULL);
	secret_key_wipe(&k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const what[] = {"ca", "path", "entries"};
	struct err e;
	char *text;

	if (size > INPUT_MAX)
		return 0;
	init();
	/* a response body as the monitor holds it: NUL-terminated */
	text = malloc(size + 1);
	CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		int rc = tlog_monitor_read(what[i], text, ca.receipt, &e);

		CHECK(rc == 0 || rc == 1);
	}
	CHECK(tlog_monitor_read("head", text, ca.receipt, &e) == 1);
	free(text);
	return 0;
}
