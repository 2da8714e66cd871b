/* testutil.h: what the unit tests share: scratch directories. */
#ifndef GOVSEC_TESTUTIL_H
#define GOVSEC_TESTUTIL_H

#include <stddef.h>

/* Makes a fresh directory $GOVSEC_TEST_TMP/<name>.XXXXXX (else under /tmp)
 * and writes its path into dir (n bytes). Returns 0 or -1. */
int tu_mkdtemp(char *dir, size_t n, const char *name);
/* Removes dir and the files in it (tests make no subdirectories). */
void tu_rmdir(const char *dir);

#endif
