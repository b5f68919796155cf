/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check-snapshot DIR [--expect-initrd=freed|retained|rejected] [--expect-fdt]
 *
 * Without options, the expectations follow from the snapshot: the initrd
 * is expected retained or rejected when the snapshot's path names such a
 * scenario ("...retain...", "...rejected..."), freed otherwise, and an FDT on
 * every arch but x86.
 *
 * Checks one snapshot captured by tests/vm/run against the kernel's own
 * account of the same boot:
 *   - the log parses with the documented format and dropped is 0;
 *   - the kernel sections, initrd and FDT are tagged where the arch has them;
 *   - sizes agree with dmesg: every "Freeing ... memory: NK" line, the
 *     "Memory:" line's sections, and the FDT header's totalsize;
 *   - a rejected initrd is logged with its reason;
 *   - MemTotal rebuilt from the log equals /proc/meminfo exactly.
 * Each failed check prints one line; the exit status is the number of
 * failures (capped), 0 when all pass.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmf-log.h"

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL: " __VA_ARGS__);				\
		putchar('\n');						\
	}								\
} while (0)

static char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	do {
		if (n + 65536 + 1 > cap) {
			cap = (n + 65536 + 1) * 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static const struct bmf_event *find_identity(const struct bmf_log *log, unsigned tag)
{
	for (size_t i = 0; i < log->n_events; i++)
		if (log->events[i].kind == BMF_IDENTITY && log->events[i].tag == tag)
			return &log->events[i];
	return NULL;
}

static bool has_kind(const struct bmf_log *log, unsigned kind)
{
	for (size_t i = 0; i < log->n_events; i++)
		if (log->events[i].kind == kind)
			return true;
	return false;
}

/* Sum of FREE_AREA pages with @label, in KiB as free_reserved_area() prints. */
static uint64_t freed_kib(const struct bmf_log *log, const char *label)
{
	int64_t pages = 0;

	for (size_t i = 0; i < log->n_events; i++)
		if (log->events[i].kind == BMF_FREE_AREA && !strcmp(log->events[i].label, label))
			pages += log->events[i].pages;
	return (uint64_t)pages * log->page_size / 1024;
}

/* Every "Freeing <label> memory: <N>K" line must match the log. */
static void check_freeing_lines(const struct bmf_log *log, const char *dmesg)
{
	const char *p = dmesg;
	int lines = 0;

	while ((p = strstr(p, "Freeing "))) {
		const char *label = p + strlen("Freeing ");
		const char *end = strstr(label, " memory: ");
		const char *eol = strchr(label, '\n');
		char name[128];
		unsigned long kib;

		p = label;
		if (!end || (eol && end > eol) || (size_t)(end - label) >= sizeof(name))
			continue;
		memcpy(name, label, end - label);
		name[end - label] = '\0';
		if (sscanf(end + strlen(" memory: "), "%luK", &kib) != 1)
			continue;
		lines++;
		CHECK(freed_kib(log, name) == kib,
		      "dmesg frees %luK of \"%s\", the log %" PRIu64 "K", kib, name,
		      freed_kib(log, name));
	}
	printf("  %d \"Freeing ... memory\" lines compared\n", lines);
}

static uint64_t kib_of(const struct bmf_log *log, unsigned tag)
{
	const struct bmf_event *e = find_identity(log, tag);

	return e ? e->size / 1024 : UINT64_MAX;
}

/* "Memory: 1K/2K available (3K kernel code, 4K rwdata, 5K rodata, 6K init, 7K bss, ..." */
static void check_memory_line(const struct bmf_log *log, const char *dmesg)
{
	const char *p = strstr(dmesg, "] Memory: ");
	unsigned long avail, total, code, rw, ro, init, bss;

	CHECK(p, "no \"Memory:\" line in dmesg");
	if (!p)
		return;
	if (sscanf(p, "] Memory: %luK/%luK available (%luK kernel code, %luK rwdata, "
		   "%luK rodata, %luK init, %luK bss", &avail, &total, &code, &rw, &ro,
		   &init, &bss) != 7) {
		CHECK(false, "cannot parse the \"Memory:\" line");
		return;
	}
	CHECK(kib_of(log, BMF_TAG_KERNEL_TEXT) == code, "kernel code %luK, log %" PRIu64 "K",
	      code, kib_of(log, BMF_TAG_KERNEL_TEXT));
	CHECK(kib_of(log, BMF_TAG_KERNEL_DATA) == rw, "rwdata %luK, log %" PRIu64 "K",
	      rw, kib_of(log, BMF_TAG_KERNEL_DATA));
	CHECK(kib_of(log, BMF_TAG_KERNEL_RODATA) == ro, "rodata %luK, log %" PRIu64 "K",
	      ro, kib_of(log, BMF_TAG_KERNEL_RODATA));
	CHECK(kib_of(log, BMF_TAG_KERNEL_INIT) == init, "init %luK, log %" PRIu64 "K",
	      init, kib_of(log, BMF_TAG_KERNEL_INIT));
	CHECK(kib_of(log, BMF_TAG_KERNEL_BSS) == bss, "bss %luK, log %" PRIu64 "K",
	      bss, kib_of(log, BMF_TAG_KERNEL_BSS));
}

static void check_memtotal(const struct bmf_log *log, const char *meminfo)
{
	const char *p = meminfo ? strstr(meminfo, "MemTotal:") : NULL;
	unsigned long kib = 0;
	int64_t pages = 0;

	for (size_t i = 0; i < log->n_events; i++)
		if (bmf_kind_counts_pages(log->events[i].kind))
			pages += log->events[i].pages;
	CHECK(p && sscanf(p, "MemTotal: %lu kB", &kib) == 1, "no MemTotal in proc/meminfo");
	CHECK((uint64_t)pages * log->page_size / 1024 == kib,
	      "MemTotal %lu kB, rebuilt from the log %" PRIu64 " kB", kib,
	      (uint64_t)pages * log->page_size / 1024);
	CHECK((uint64_t)pages == log->totalram_pages,
	      "log header totalram_pages %" PRIu64 ", sum of page events %" PRId64,
	      log->totalram_pages, pages);
	printf("  MemTotal %lu kB = %" PRId64 " pages from the log\n", kib, pages);
}

static void check_fdt(const struct bmf_log *log, const char *dir)
{
	size_t len = 0;
	unsigned char *fdt = (unsigned char *)slurp(dir, "sys/firmware/fdt", &len);
	const struct bmf_event *e = find_identity(log, BMF_TAG_FDT);
	uint32_t totalsize;

	CHECK(fdt && len >= 8, "no sys/firmware/fdt");
	CHECK(e, "no FDT identity in the log");
	if (fdt && len >= 8 && e) {
		totalsize = (uint32_t)fdt[4] << 24 | fdt[5] << 16 | fdt[6] << 8 | fdt[7];
		CHECK(e->size == totalsize, "FDT totalsize %u, log %" PRIu64, totalsize, e->size);
	}
	free(fdt);
}

static void check_initrd(const struct bmf_log *log, const char *expect)
{
	const struct bmf_event *id = find_identity(log, BMF_TAG_INITRD);

	if (!strcmp(expect, "rejected")) {
		const struct bmf_event *rej = NULL;

		for (size_t i = 0; i < log->n_events; i++)
			if (log->events[i].kind == BMF_REJECT && log->events[i].tag == BMF_TAG_INITRD)
				rej = &log->events[i];
		CHECK(rej && rej->label[0], "no initrd rejection with a reason");
		if (rej)
			printf("  initrd rejected: %s\n", rej->label);
		CHECK(!has_kind(log, BMF_INITRD_FREED), "rejected initrd logged as freed");
		return;
	}
	CHECK(id, "no initrd identity in the log");
	CHECK(has_kind(log, BMF_INITRD_UNPACKED), "initrd never logged as unpacked");
	if (!strcmp(expect, "freed")) {
		CHECK(has_kind(log, BMF_INITRD_FREED), "initrd not logged as freed");
		CHECK(freed_kib(log, "initrd") > 0, "no initrd pages released");
	} else if (!strcmp(expect, "retained")) {
		CHECK(has_kind(log, BMF_INITRD_RETAINED), "initrd not logged as retained");
		CHECK(freed_kib(log, "initrd") == 0, "retained initrd had pages released");
	}
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *expect_initrd = NULL;
	int expect_fdt = -1;
	struct bmf_log_diag diag = { 0 };
	struct bmf_log *log = NULL;
	char *raw, *dmesg, *meminfo;
	size_t len = 0;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--expect-initrd=", 16))
			expect_initrd = argv[i] + 16;
		else if (!strcmp(argv[i], "--expect-fdt"))
			expect_fdt = 1;
		else
			dir = argv[i];
	}
	if (!dir) {
		fprintf(stderr, "usage: %s DIR [--expect-initrd=freed|retained|rejected] [--expect-fdt]\n",
			argv[0]);
		return 2;
	}

	raw = slurp(dir, "sys/kernel/bootmem_fate/log", &len);
	if (!raw) {
		printf("FAIL: %s/sys/kernel/bootmem_fate/log: %s\n", dir, strerror(errno));
		return 1;
	}
	r = bmf_log_parse(raw, len, &log, &diag);
	free(raw);
	if (r < 0) {
		printf("FAIL: log does not parse: %s\n", diag.message);
		return 1;
	}
	/* The scenario's name is a component of the path, not always the last. */
	if (!expect_initrd)
		expect_initrd = strstr(dir, "rejected") ? "rejected" :
				strstr(dir, "retain") ? "retained" : "freed";
	if (expect_fdt < 0)
		expect_fdt = strcmp(log->machine, "x86_64") != 0;
	printf("  initrd expected %s, FDT %sexpected\n", expect_initrd, expect_fdt ? "" : "not ");
	printf("  %zu records, %" PRIu64 " dropped, capacity %u, %s %s\n", log->n_events, log->dropped_events,
	       log->capacity, log->machine, log->release);
	CHECK(log->dropped_events == 0, "%" PRIu64 " events dropped", log->dropped_events);
	CHECK(log->unknown_kinds == 0 && log->unknown_tags == 0, "unknown kinds or tags");
	for (unsigned t = BMF_TAG_KERNEL; t <= BMF_TAG_KERNEL_INIT; t++)
		CHECK(find_identity(log, t), "no identity for tag %s", bmf_tag_name(t));
	CHECK(has_kind(log, BMF_FREE_ALL_DONE), "no memblock_free_all milestone");
	CHECK(has_kind(log, BMF_INITMEM_DONE), "no free_initmem milestone");

	dmesg = slurp(dir, "dmesg.txt", NULL);
	meminfo = slurp(dir, "proc/meminfo", NULL);
	CHECK(dmesg, "no dmesg.txt");
	if (dmesg) {
		check_freeing_lines(log, dmesg);
		check_memory_line(log, dmesg);
	}
	check_memtotal(log, meminfo);
	check_initrd(log, expect_initrd);
	if (expect_fdt)
		check_fdt(log, dir);

	free(dmesg);
	free(meminfo);
	bmf_log_free(log);
	printf("%s: %s\n", dir, failures ? "FAIL" : "PASS");
	return failures > 100 ? 100 : failures;
}
