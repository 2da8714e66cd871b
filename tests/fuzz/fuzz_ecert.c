/*
 * fuzz_ecert.c: libFuzzer harness for what the verification service reads
 * from outside: a presented certificate (ecert_verify, PEM or DER) and an
 * Authorization header (ecert_key_auth). One store with a CA, a unit, one
 * certificate issued to it and one operator key is made once in a
 * temporary directory (removed at exit). The promises checked: any bytes
 * get a verdict among the known ones and never `valid` unless they are
 * exactly the issued certificate; a header that is not the key never
 * authenticates.
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

#define INPUT_MAX (64 * 1024)

static struct store *st;
static struct ecert_ca ca;
static struct ecert_rec issued;
static char dir[4096], key[ECERT_KEY_MAX];

static void
cleanup(void)
{
	char cmd[4200];

	ecert_ca_free(&ca);
	ecert_rec_cleanup(&issued);
	store_free(st);
	if (str_fmt(cmd, sizeof(cmd), "rm -rf '%s'", dir) >= 0)
		CHECK(system(cmd) == 0);
}

static void
init(void)
{
	const char *base = getenv("GOVSEC_TEST_TMP");
	char path[4200], kek[4200], pass[33];
	struct store_val v[1] = {SV_TEXT("11440000MB2C92290G")};
	struct ecert_issue in = {"11440000MB2C92290G", NULL, 0, NULL, 0};
	struct secret_key k = {0};
	struct err e;

	if (st != NULL)
		return;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (mkdir(base, 0700) < 0 && errno != EEXIST)
		base = "/tmp";
	CHECK(str_fmt(dir, sizeof(dir), "%s/fuzz_ecert.XXXXXX", base) >= 0);
	CHECK(mkdtemp(dir) != NULL);
	CHECK(str_fmt(path, sizeof(path), "%s/s.db", dir) >= 0);
	CHECK(str_fmt(kek, sizeof(kek), "%s/kek", dir) >= 0);
	CHECK((st = store_open(path, &e)) != NULL);
	atexit(cleanup);
	CHECK(store_migrate(st, &e) == 0);
	CHECK(store_exec(st,
			 "INSERT INTO units (uscc, name, kind, level, region, "
			 "updated) VALUES (?, '测试单位', 'administrative', "
			 "'county', '440000', '2026-01-01')",
			 v, 1, &e) == 0);
	CHECK(secret_key_create(kek, &e) == 0);
	CHECK(secret_key_load(&k, kek, &e) == 0);
	CHECK(ecert_ca_init(st, &k, "测试编办", "fuzz", &e) == 0);
	CHECK(ecert_ca_load(st, &k, &ca, &e) == 0);
	CHECK(str_fmt(path, sizeof(path), "%s/unit.key", dir) >= 0);
	in.key_out = path;
	CHECK(ecert_issue(st, &ca, &in, "fuzz", &issued, pass, &e) == 0);
	CHECK(ecert_operator_add(st, "测试平台", 60, "fuzz", &e) == 0);
	CHECK(ecert_operator_key(st, "测试平台", "fuzz", key, &e) == 0);
	secret_key_wipe(&k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ecert_verdict v;
	struct ecert_caller who;
	char hdr[ECERT_KEY_MAX + 16];
	struct err e;
	int rc;

	if (size > INPUT_MAX)
		return 0;
	init();
	ecert_verify(st, &ca, data, size, time_now(), &v);
	CHECK((unsigned)v.status <= ECERT_MALFORMED);
	CHECK(strcmp(ecert_status_str(v.status), "?") != 0);
	if (v.status == ECERT_VALID) {
		/* only the issued certificate itself, in PEM or DER */
		CHECK(!strcmp(v.serial, issued.serial));
		CHECK(!strcmp(v.unit, issued.unit));
	}
	/* the same bytes as an Authorization header */
	if (size < sizeof(hdr)) {
		memcpy(hdr, data, size);
		hdr[size] = '\0';
		rc = ecert_key_auth(st, hdr, &who, &e);
		CHECK(rc == 0 || (rc == 1 && str_starts(hdr + 7, key)));
	}
	return 0;
}
