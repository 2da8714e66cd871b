/*
 * fuzz_cf_account.c: libFuzzer harness for the counterfeit feed of kind
 * account (src/counterfeit/feed.c) and the matcher behind it: the harness of
 * fuzz_cf_domain.c with CF_ACCOUNT.
 */
#define CF_FUZZ_KIND CF_ACCOUNT
#include "fuzz_cf_domain.c"
