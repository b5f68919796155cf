/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util_read_file_at() on what a hostile or broken root puts where an input
 * should be: a FIFO (which would block), a device (which never ends), a
 * directory and a symlink loop all fail at once with a clear errno; a
 * regular file reads.  Also the growth helper, the string builder and the
 * UTF-8 sanitiser, which every source and renderer relies on.
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

static void test_grow(void)
{
	_cleanup_free_ uint64_t *a = NULL;
	size_t cap = 0, reallocs = 0;
	void *last = NULL;

	for (size_t i = 0; i < 100000; i++) {
		CHECK(GROW(a, cap, i + 1) == 0, "grow to %zu", i + 1);
		if (a != last || i == 0)
			reallocs++;
		last = a;
		a[i] = i;
	}
	CHECK(cap >= 100000 && cap < 2 * 100000 + 8, "capacity %zu", cap);
	CHECK(a[99999] == 99999, "contents kept");
	CHECK(util_grow((void **)&a, &cap, SIZE_MAX / 2, sizeof(*a)) == -ENOMEM, "size overflow refused");
	CHECK(a[99999] == 99999 && cap >= 100000, "a refused growth leaves the array alone");
}

static void test_strbuf(void)
{
	struct strbuf sb;
	char *out = NULL;
	size_t len = 0;

	sb_init(&sb);
	for (int i = 0; i < 1000; i++)
		sb_printf(&sb, "%d,", i);
	sb_puts(&sb, "end");
	sb_putn(&sb, "xyz", 1);
	CHECK(sb_steal(&sb, &out, &len) == 0, "sb_steal");
	CHECK(out && len == strlen(out) && len == 3890 + 4, "length %zu", len);
	CHECK(out && !strncmp(out, "0,1,2,", 6) && !strcmp(out + len - 8, "999,endx"), "contents");
	free(out);

	sb_init(&sb);
	sb.oom = true;
	sb_puts(&sb, "lost");
	CHECK(sb_steal(&sb, &out, &len) == -ENOMEM, "a failed allocation is sticky");
	sb_free(&sb);
}

static void test_sanitize(void)
{
	char s1[] = "ok \xc3\xa9 \x1b[31m \xff\xfe end";
	char s2[] = "\xe2\x82";	/* a truncated sequence */
	char s3[] = "\xf0\x9f\x98\x80\x7f";

	util_sanitize_text(s1);
	CHECK(!strcmp(s1, "ok \xc3\xa9 ?[31m ?? end"), "sanitised: %s", s1);
	util_sanitize_text(s2);
	CHECK(!strcmp(s2, "??"), "truncated: %s", s2);
	util_sanitize_text(s3);
	CHECK(!strcmp(s3, "\xf0\x9f\x98\x80?"), "4-byte kept, DEL replaced: %s", s3);
	CHECK(util_utf8_len((const unsigned char *)"\xc0\x80") == 0, "overlong NUL refused");
	CHECK(util_utf8_len((const unsigned char *)"\xed\xa0\x80") == 0, "surrogate refused");
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
	test_grow();
	test_strbuf();
	test_sanitize();
	return tap_done("test-util");
}
