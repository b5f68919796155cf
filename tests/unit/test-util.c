/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util_read_file_at() on what a hostile or broken root puts where an input
 * should be: a FIFO (which would block), a device (which never ends), a
 * directory and a symlink loop all fail at once with a clear errno; a
 * regular file reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "util.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void expect(int root, const char *name, int want)
{
	char *buf = NULL;
	size_t len = 0;
	double t0 = now();
	int r = util_read_file_at(root, name, UTIL_MAX_FILE, &buf, &len);

	CHECK(r == want, "%s: util_read_file_at = %d (%s), want %d", name, r, strerror(-r), want);
	CHECK(now() - t0 < 1.0, "%s: took %.2f s", name, now() - t0);
	free(buf);
}

int main(void)
{
	char dir[] = "/tmp/bootmemd-test-util.XXXXXX";
	char path[256];
	char *buf = NULL;
	size_t len = 0;
	int root;

	if (!mkdtemp(dir))
		return 2;
	root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(root >= 0, "open %s", dir);

	snprintf(path, sizeof(path), "%s/meminfo", dir);
	FILE *f = fopen(path, "w");

	CHECK(f && fputs("MemTotal:        1024 kB\n", f) >= 0 && fclose(f) == 0, "write %s", path);
	CHECK(util_read_file_at(root, "meminfo", UTIL_MAX_FILE, &buf, &len) == 0 && len == 25,
	      "a regular file reads (%zu bytes)", len);
	free(buf);

	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0, "mkfifo");
	expect(root, "fifo", -EINVAL);

	snprintf(path, sizeof(path), "%s/zero", dir);
	CHECK(symlink("/dev/zero", path) == 0, "symlink /dev/zero");
	expect(root, "zero", -EINVAL);

	snprintf(path, sizeof(path), "%s/sub", dir);
	CHECK(mkdir(path, 0700) == 0, "mkdir");
	expect(root, "sub", -EISDIR);

	snprintf(path, sizeof(path), "%s/loop", dir);
	CHECK(symlink("loop", path) == 0, "symlink loop");
	expect(root, "loop", -ELOOP);

	expect(root, "absent", -ENOENT);

	for (const char *n = "meminfo\0fifo\0zero\0loop\0"; *n; n += strlen(n) + 1) {
		snprintf(path, sizeof(path), "%s/%s", dir, n);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	close(root);
	rmdir(dir);
	return tap_done("test-util");
}
