/*
 * replay.c: runs a libFuzzer harness over every file of a corpus directory
 * (or over single files), so `make test` replays the committed seed corpora
 * without clang. Exit 0 when every input ran; the harness aborts on a bug.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"

#include "fuzz.h"

static int
run_file(const char *path)
{
	struct buf b = BUF_INIT(16 << 20);
	struct err e;

	if (buf_read_file(&b, path, &e) < 0) {
		fprintf(stderr, "replay: %s\n", e.msg);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)b.data, b.len);
	buf_cleanup(&b);
	return 0;
}

int
main(int argc, char **argv)
{
	int count = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *de;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: cannot stat '%s'\n", argv[i]);
			return 2;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) < 0)
				return 2;
			count++;
			continue;
		}
		d = opendir(argv[i]);
		if (d == NULL)
			return 2;
		while ((de = readdir(d)) != NULL) {
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			if (str_fmt(path, sizeof(path), "%s/%s", argv[i],
				    de->d_name) < 0 ||
			    run_file(path) < 0) {
				closedir(d);
				return 2;
			}
			count++;
		}
		closedir(d);
	}
	if (count == 0) {
		fprintf(stderr, "replay: no corpus inputs found\n");
		return 2;
	}
	printf("%d passed, 0 failed\n", count);
	return 0;
}
