/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a hostile or broken root puts where an input should be, at every
 * source of the table: a FIFO (which would block a reader), a directory, a
 * symbolic link to /dev/zero (which never ends) and a symbolic link loop.
 * report_load() must come back within a second, say what it found in the
 * source's status, and still use the rest of the root.  Also: a log whose
 * header promises a million records is refused from its header, and a file
 * larger than its source may be is refused from its size, neither read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fakeroot.h"
#include "model.h"
#include "report.h"
#include "tap.h"

static const char meminfo[] = "MemTotal:        1024 kB\n";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum hostile { FIFO, DIRECTORY, DEV_ZERO, LOOP, _HOSTILE_MAX };

static const struct {
	const char *name;
	const char *says;	/* in the source's error */
} hostile[] = {
	[FIFO] = { "a FIFO", "FIFO" },
	[DIRECTORY] = { "a directory", "directory" },
	[DEV_ZERO] = { "a link to /dev/zero", "character device" },
	[LOOP] = { "a symbolic link loop", "symbolic links" },
};

static void plant(const char *root, const char *rel, enum hostile h)
{
	char path[4096], dir[4096];
	int r = 0;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	fr_mkdirs(dir);
	switch (h) {
	case FIFO:
		r = mkfifo(path, 0600);
		break;
	case DIRECTORY:
		r = mkdir(path, 0700);
		break;
	case DEV_ZERO:
		r = symlink("/dev/zero", path);
		break;
	case LOOP:
		r = symlink(strrchr(path, '/') + 1, path);
		break;
	default:
		break;
	}
	if (r < 0) {
		perror(path);
		abort();
	}
}

static void test_source(enum bm_src id, enum hostile h)
{
	const struct source_desc *d = source_get(id);
	struct bootmem_report *r = NULL;
	char *root = fr_mkroot();
	double t0;
	int rc;

	const char *path = d->path;

	/* kconfig's path names the release that proc/version gives. */
	if (id == BM_SRC_KCONFIG) {
		static const char version[] = "Linux version 6.12.0 (builder@host) (gcc) #1 SMP\n";

		fr_write(root, "proc/version", version, strlen(version));
		path = "boot/config-6.12.0";
	}
	/* memmap and dmi are directories: a directory there is no fault, a regular file is. */
	if ((id == BM_SRC_MEMMAP || id == BM_SRC_DMI) && h == DIRECTORY) {
		fr_write(root, path, "x", 1);
	} else
		plant(root, path, h);
	if (id != BM_SRC_MEMINFO)
		fr_write(root, "proc/meminfo", meminfo, strlen(meminfo));

	t0 = now();
	rc = report_load(root, NULL, &r);
	CHECK(rc == 0, "%s as %s: report_load() = %d", d->name, hostile[h].name, rc);
	CHECK(now() - t0 < 1.0, "%s as %s: took %.2f s", d->name, hostile[h].name, now() - t0);
	if (r) {
		const struct bm_source_status *st = &r->src[id];
		const char *says = (id == BM_SRC_MEMMAP || id == BM_SRC_DMI) && h == DIRECTORY ? "regular file" :
				   hostile[h].says;

		CHECK(st->present && !st->available, "%s as %s: present %d, available %d", d->name,
		      hostile[h].name, st->present, st->available);
		CHECK(strstr(st->error, says), "%s as %s: the error \"%s\" does not say \"%s\"", d->name,
		      hostile[h].name, st->error, says);
		if (id != BM_SRC_MEMINFO)
			CHECK(r->src[BM_SRC_MEMINFO].available && r->rec.memtotal.known &&
			      r->rec.memtotal.value == 1024 * 1024, "%s as %s: the rest of the root is read",
			      d->name, hostile[h].name);
		report_free(r);
	}
	fr_rmroot(root);
	free(root);
}

static void put32(unsigned char *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

/* A log header that asks for a million records (64 MiB of them): refused from the header alone. */
static void test_million_records(void)
{
	struct bootmem_report *r = NULL;
	char *root = fr_mkroot();
	unsigned char h[sizeof(struct bmf_header)] = { 0 };

	memcpy(h, BMF_MAGIC, BMF_MAGIC_LEN);
	put32(h, offsetof(struct bmf_header, version), BMF_VERSION);
	put32(h, offsetof(struct bmf_header, header_size), sizeof(h));
	put32(h, offsetof(struct bmf_header, record_size), sizeof(struct bmf_record));
	put32(h, offsetof(struct bmf_header, records_offset), sizeof(h));
	put32(h, offsetof(struct bmf_header, record_count), 1000000);
	put32(h, offsetof(struct bmf_header, capacity), 1000000);
	fr_write(root, "sys/kernel/bootmem_fate/log", h, sizeof(h));
	CHECK(report_load(root, NULL, &r) == 0, "million-record log: loads");
	if (r) {
		CHECK(r->src[BM_SRC_LOG].present && !r->src[BM_SRC_LOG].available &&
		      strstr(r->src[BM_SRC_LOG].error, "more records than this reader models"),
		      "million-record log refused from its header: \"%s\"", r->src[BM_SRC_LOG].error);
		CHECK(!report_has_kernel_log(r), "million-record log: stock mode");
		report_free(r);
	}
	fr_rmroot(root);
	free(root);
}

/* An FDT header that says 2 GiB: refused from the header, whatever the file holds. */
static void test_fdt_totalsize(void)
{
	struct bootmem_report *r = NULL;
	char *root = fr_mkroot();
	static const unsigned char h[40] = { 0xd0, 0x0d, 0xfe, 0xed, 0x80, 0x00, 0x00, 0x00 };

	fr_write(root, "sys/firmware/fdt", h, sizeof(h));
	CHECK(report_load(root, NULL, &r) == 0, "2 GiB FDT: loads");
	if (r) {
		CHECK(!r->src[BM_SRC_FDT].available && strstr(r->src[BM_SRC_FDT].error, "totalsize 2147483648"),
		      "2 GiB FDT refused from its header: \"%s\"", r->src[BM_SRC_FDT].error);
		report_free(r);
	}
	fr_rmroot(root);
	free(root);
}

/* A sparse 100 MiB log: refused from its size, without reading 100 MiB. */
static void test_huge_file(void)
{
	struct bootmem_report *r = NULL;
	char *root = fr_mkroot(), path[4096];
	double t0;
	int fd;

	fr_write(root, "sys/kernel/bootmem_fate/log", BMF_MAGIC, BMF_MAGIC_LEN);
	snprintf(path, sizeof(path), "%s/sys/kernel/bootmem_fate/log", root);
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && ftruncate(fd, 100 << 20) == 0, "sparse 100 MiB log");
	if (fd >= 0)
		close(fd);
	t0 = now();
	CHECK(report_load(root, NULL, &r) == 0, "huge log: loads");
	CHECK(now() - t0 < 1.0, "huge log: took %.2f s", now() - t0);
	if (r) {
		CHECK(!r->src[BM_SRC_LOG].available && strstr(r->src[BM_SRC_LOG].error, "more than the"),
		      "huge log refused from its size: \"%s\"", r->src[BM_SRC_LOG].error);
		report_free(r);
	}
	fr_rmroot(root);
	free(root);
}

int main(void)
{
	size_t n = 0;

	for (enum bm_src id = 0; id < _BM_SRC_MAX; id++) {
		if (!source_get(id)->path)
			continue;
		for (enum hostile h = 0; h < _HOSTILE_MAX; h++)
			test_source(id, h);
		n++;
	}
	CHECK(n >= 10, "%zu sources tried", n);
	test_million_records();
	test_huge_file();
	test_fdt_totalsize();
	return tap_done("test-hostile");
}
