/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs a libFuzzer target's LLVMFuzzerTestOneInput() over every file of its
 * kept corpus, so that normal (and sanitizer) builds catch regressions
 * without clang.  Usage: replay-<target> DIR...
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	size_t n = 0;

	for (int i = 1; i < argc; i++) {
		struct dirent *de;
		DIR *d = opendir(argv[i]);

		if (!d) {
			perror(argv[i]);
			return 1;
		}
		while ((de = readdir(d))) {
			char path[4096], *buf;
			size_t len;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			if (util_read_file_at(AT_FDCWD, path, UTIL_MAX_FILE, &buf, &len) < 0)
				continue;
			LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
			free(buf);
			n++;
		}
		closedir(d);
	}
	printf("%zu inputs replayed\n", n);
	/* An empty corpus means the seeds went missing: fail rather than pass silently. */
	return n ? 0 : 1;
}
