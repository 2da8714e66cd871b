/*
 * fuzz_cf_app.c: libFuzzer harness for the counterfeit feed of kind
 * app (src/counterfeit/feed.c) and the matcher behind it: the harness of
 * fuzz_cf_domain.c with CF_APP.
 */
#define CF_FUZZ_KIND CF_APP
#include "fuzz_cf_domain.c"
