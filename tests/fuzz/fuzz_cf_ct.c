/*
 * fuzz_cf_ct.c: libFuzzer harness for the counterfeit feed of kind
 * ct (src/counterfeit/feed.c) and the matcher behind it: the harness of
 * fuzz_cf_domain.c with CF_CT.
 */
#define CF_FUZZ_KIND CF_CT
#include "fuzz_cf_domain.c"
