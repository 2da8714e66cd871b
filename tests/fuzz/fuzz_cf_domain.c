/*
 * fuzz_cf_domain.c: libFuzzer harness for the counterfeit feeds
 * (src/counterfeit/feed.c) and the matcher behind them. The input is a
 * feed file of the kind CF_FUZZ_KIND (domain lists and zone files here;
 * fuzz_cf_ct.c, fuzz_cf_app.c and fuzz_cf_account.c include this file
 * with their kind). Every line is parsed; every record is matched
 * against a small protected set. Checks: a refusal names "fuzz:LINE",
 * hits have a protected thing, a class, a reason and a score in 0-100,
 * and a domain's normal form is lower-case ASCII.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "counterfeit/counterfeit.h"

#include "fuzz.h"

#ifndef CF_FUZZ_KIND
#define CF_FUZZ_KIND CF_DOMAIN
#endif

static struct cf_set *set;

static void
build(void)
{
	struct err e;

	set = cf_set_new();
	CHECK(cf_regions_load(set, NULL, &e) == 0);
	CHECK(cf_set_add_domain(set, "www.jiangmen.gov.cn", "U1", "a", &e) ==
	      0);
	CHECK(cf_set_add_domain(set, "江门市人民政府.政务", "U1", "a", &e) ==
	      0);
	CHECK(cf_set_add_name(set, "江门发布", "account", "U1", "w",
			      "微信公众平台", &e) == 0);
	CHECK(cf_set_add_app(set, "江门易办事", "cn.gov.jm", NULL, "U1", "m",
			     &e) == 0);
	CHECK(cf_set_add_region(set, "440700", "U1", &e) == 0);
	CHECK(cf_set_seal(set, &e) == 0);
}

static void
check_hits(const struct cf_hit *h, int n)
{
	CHECK(n >= -1 && n <= CF_HITS_MAX);
	for (int i = 0; i < n; i++) {
		CHECK(h[i].p != NULL && h[i].p->text != NULL);
		CHECK(h[i].cls[0] != '\0' && h[i].reason[0] != '\0');
		CHECK(h[i].score >= 0 && h[i].score <= 100);
		CHECK(str_utf8_valid(h[i].reason, strlen(h[i].reason)));
	}
}

static int
on_record(void *arg, const struct cf_record *r, struct err *e)
{
	struct cf_hit h[CF_HITS_MAX];
	char norm[512];
	int n;

	(void)arg;
	(void)e;
	CHECK(r->kind == CF_FUZZ_KIND);
	if (r->kind == CF_DOMAIN || r->kind == CF_CT) {
		CHECK(r->domain != NULL);
		norm[0] = '\0';
		n = cf_match_domain(set, r->domain, h, CF_HITS_MAX, norm,
				    sizeof(norm));
		if (n >= 0)
			for (const char *p = norm; *p; p++)
				CHECK((unsigned char)*p < 0x80 &&
				      !(*p >= 'A' && *p <= 'Z'));
	} else if (r->kind == CF_APP) {
		n = cf_match_app(set, &r->item, h, CF_HITS_MAX);
	} else {
		CHECK(r->item.platform != NULL && r->item.name != NULL);
		n = cf_match_account(set, &r->item, h, CF_HITS_MAX);
	}
	check_hits(h, n);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_feed f;
	struct err e;
	size_t start = 0;

	if (set == NULL)
		build();
	if (size > 1 << 20)
		return 0;
	cf_feed_init(&f, CF_FUZZ_KIND, "fuzz");
	while (start <= size) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t end = nl != NULL ? (size_t)(nl - data) : size;

		e.msg[0] = '\0';
		if (cf_feed_line(&f, (const char *)data + start, end - start,
				 on_record, NULL, &e) < 0) {
			CHECK(str_starts(e.msg, "fuzz:"));
			CHECK(strchr(e.msg, '\n') == NULL);
			break;
		}
		if (nl == NULL)
			break;
		start = end + 1;
	}
	return 0;
}
