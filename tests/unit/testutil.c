/* testutil.c: scratch directories for the unit tests (testutil.h). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
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
