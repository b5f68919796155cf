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
 *   - the log parses with the documented format (v2), no event was dropped
 *     (Σ totals.dropped_events is 0), the list is frozen, and no caller is a
 *     raw address;
 *   - the kernel sections, initrd and FDT are tagged where the arch has them;
 *   - sizes agree with dmesg: every "Freeing ... memory: NK" line, the
 *     "Memory:" line's sections, and the FDT header's totalsize;
 *   - a rejected initrd is logged with its reason;
 *   - the records' pages add up to totals.managed_pages, and MemTotal
 *     rebuilt from the totals (plus the runtime file when there is one)
 *     equals /proc/meminfo exactly;
 *   - RAM in the log (its BMF_FW_RAM ranges, else memblock_add) is exactly
 *     the firmware's: x86 sys/firmware/memmap System RAM; arm and arm64 the
 *     FDT /memory nodes, or without any the EFI memory map's RAM descriptors
 *     as efi=debug prints them;
 *   - with memblock=debug, every memblock_reserve / memblock_phys_free range
 *     dmesg prints lies inside a reserve (resp. free) record;
 *   - the model (report.h) leaves 0 bytes unexplained.
 * Each failed check prints one line; the exit status is the number of
 * failures (capped), 0 when all pass.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include "sources.h"
#include "report.h"

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

/* Whether [base, base + size) lies inside an identity named @label. */
static bool in_named(const struct bmf_log *log, const char *label, uint64_t base, uint64_t size)
{
	for (size_t i = 0; i < log->n_events; i++) {
		const struct bmf_event *e = &log->events[i];

		if (e->kind == BMF_IDENTITY && !strcmp(e->label, label) && e->base <= base &&
		    base + size <= e->base + e->size)
			return true;
	}
	return false;
}

/*
 * Sum of FREE_AREA pages with @label, in KiB as free_reserved_area() prints.
 * A release without a label of its own (x86's EFI boot services) counts
 * when it lies inside an identity of that name.
 */
static uint64_t freed_kib(const struct bmf_log *log, const char *label)
{
	int64_t pages = 0;

	for (size_t i = 0; i < log->n_events; i++) {
		const struct bmf_event *e = &log->events[i];

		if (e->kind != BMF_FREE_AREA)
			continue;
		if (!strcmp(e->label, label) ||
		    (!e->label[0] && in_named(log, label, e->base, e->size)))
			pages += e->pages;
	}
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

/* MemTotal from the totals, plus the runtime file's changes when the snapshot has it. */
static void check_memtotal(const struct bmf_log *log, const char *dir, const char *meminfo)
{
	const char *p = meminfo ? strstr(meminfo, "MemTotal:") : NULL;
	unsigned long kib = 0;
	int64_t records = 0, pages = log->totals.managed_pages;
	size_t len = 0;
	char *raw = slurp(dir, "sys/kernel/bootmem_fate/runtime", &len);

	for (size_t i = 0; i < log->n_events; i++)
		if (bmf_kind_counts_pages(log->events[i].kind))
			records += log->events[i].pages;
	CHECK(records == log->totals.managed_pages,
	      "the records' pages add up to %" PRId64 ", totals.managed_pages is %" PRId64,
	      records, log->totals.managed_pages);
	if (raw) {
		struct bmf_runtime *rt = NULL;
		struct source_diag diag;

		if (bmf_runtime_parse(raw, len, &rt, &diag) < 0)
			CHECK(false, "runtime file does not parse: %s", diag.message);
		else {
			CHECK(!rt->saturated, "a runtime counter saturated");
			pages += (int64_t)(rt->pages_in - rt->pages_out);
			CHECK(rt->managed_pages == pages, "runtime managed_pages %" PRId64 ", log + runtime %" PRId64,
			      rt->managed_pages, pages);
			printf("  runtime: %zu callers, %" PRIu64 " pages in, %" PRIu64 " out\n", rt->n,
			       rt->pages_in, rt->pages_out);
			bmf_runtime_free(rt);
		}
		free(raw);
	}
	CHECK(p && sscanf(p, "MemTotal: %lu kB", &kib) == 1, "no MemTotal in proc/meminfo");
	CHECK((uint64_t)pages * log->page_size / 1024 == kib,
	      "MemTotal %lu kB, rebuilt from the log %" PRIu64 " kB", kib,
	      (uint64_t)pages * log->page_size / 1024);
	printf("  MemTotal %lu kB = %" PRId64 " pages from the log's totals%s\n", kib, pages,
	       raw ? " and the runtime file" : "");
}

/* ---- RAM: the log against the firmware ---------------------------------- */

struct rset {
	struct dt_range r[512];
	size_t n;
};

static void rset_add(struct rset *s, uint64_t base, uint64_t size)
{
	if (size && s->n < sizeof(s->r) / sizeof(s->r[0]))
		s->r[s->n++] = (struct dt_range){ base, size };
}

static int cmp_range(const void *a, const void *b)
{
	const struct dt_range *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* Sorts and merges overlapping or adjacent ranges: the union. */
static void rset_union(struct rset *s)
{
	size_t n = 0;

	qsort(s->r, s->n, sizeof(s->r[0]), cmp_range);
	for (size_t i = 0; i < s->n; i++) {
		if (n && s->r[n - 1].base + s->r[n - 1].size >= s->r[i].base) {
			uint64_t e = s->r[i].base + s->r[i].size;

			if (e > s->r[n - 1].base + s->r[n - 1].size)
				s->r[n - 1].size = e - s->r[n - 1].base;
		} else
			s->r[n++] = s->r[i];
	}
	s->n = n;
}

static uint64_t rset_bytes(const struct rset *s)
{
	uint64_t t = 0;

	for (size_t i = 0; i < s->n; i++)
		t += s->r[i].size;
	return t;
}

/* x86: /sys/firmware/memmap/N/{start,end,type}, end inclusive. */
static bool memmap_ram(const char *dir, struct rset *fw)
{
	char path[4096];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/sys/firmware/memmap", dir);
	d = opendir(path);
	if (!d)
		return false;
	while ((de = readdir(d))) {
		char name[600], *type, *start, *end;
		unsigned long long s = 0, e = 0;

		if (de->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "sys/firmware/memmap/%s/type", de->d_name);
		type = slurp(dir, name, NULL);
		snprintf(name, sizeof(name), "sys/firmware/memmap/%s/start", de->d_name);
		start = slurp(dir, name, NULL);
		snprintf(name, sizeof(name), "sys/firmware/memmap/%s/end", de->d_name);
		end = slurp(dir, name, NULL);
		if (type && start && end && strncmp(type, "System RAM", 10) == 0 &&
		    sscanf(start, "%llx", &s) == 1 && sscanf(end, "%llx", &e) == 1 && e >= s)
			rset_add(fw, s, e - s + 1);
		free(type);
		free(start);
		free(end);
	}
	closedir(d);
	return fw->n > 0;
}

/* arm, arm64: the FDT's /memory nodes. */
static bool fdt_ram(const char *dir, struct rset *fw)
{
	size_t len = 0;
	char *blob = slurp(dir, "sys/firmware/fdt", &len);
	struct dt_info *info = NULL;

	if (blob && dt_parse(blob, len, &info, NULL) == 0) {
		for (size_t i = 0; i < info->n_memory; i++)
			rset_add(fw, info->memory[i].base, info->memory[i].size);
		dt_info_free(info);
	}
	free(blob);
	return fw->n > 0;
}

/*
 * UEFI boots: efi=debug prints each descriptor as
 *   "efi:   0x000040000000-0x0000403fffff [Conventional|...]*"
 * (end inclusive), its attributes after the type ("|RUN|...|WB|WT|WC|UC]").
 * RAM is what reserve_regions() gives memblock, less MMIO: every cacheable
 * descriptor (WB, WT or WC) but MMIO and MMIO Port ones, and soft-reserved
 * (SP) ones, which the kernel leaves out.  That is the set the kernel logs
 * as BMF_FW_RAM; the MMIO ones it names as firmware that is not RAM.
 */
static bool efi_attr(const char *t, const char *eol, const char *attr)
{
	char pat[8];
	const char *a;

	snprintf(pat, sizeof(pat), "|%s", attr);
	a = strstr(t, pat);
	return a && (!eol || a < eol) && (a[strlen(pat)] == '|' || a[strlen(pat)] == ']');
}

static bool efi_ram(const char *dmesg, struct rset *fw, size_t *descriptors)
{
	*descriptors = 0;
	for (const char *p = dmesg; p && (p = strstr(p, "efi:   0x")); p++) {
		unsigned long long s, e;
		const char *t = strchr(p, '[');
		const char *eol = strchr(p, '\n');
		size_t tl;

		if (sscanf(p, "efi: 0x%llx-0x%llx", &s, &e) != 2 || !t || (eol && t > eol) || e < s)
			continue;
		(*descriptors)++;
		t++;
		tl = strcspn(t, "|]");
		while (tl && t[tl - 1] == ' ')
			tl--;
		if ((tl == 4 && !strncmp(t, "MMIO", 4)) || (tl == 9 && !strncmp(t, "MMIO Port", 9)))
			continue;
		if (efi_attr(t, eol, "SP"))
			continue;
		if (efi_attr(t, eol, "WB") || efi_attr(t, eol, "WT") || efi_attr(t, eol, "WC"))
			rset_add(fw, s, e - s + 1);
	}
	return fw->n > 0;
}

static void print_diff(const char *what, const struct rset *a, const struct rset *b)
{
	for (size_t i = 0; i < a->n; i++) {
		bool same = false;

		for (size_t k = 0; k < b->n && !same; k++)
			same = a->r[i].base == b->r[k].base && a->r[i].size == b->r[k].size;
		if (!same)
			printf("    %s only: [0x%" PRIx64 "-0x%" PRIx64 ")\n", what, a->r[i].base,
			       a->r[i].base + a->r[i].size);
	}
}

static void check_ram(const struct bmf_log *log, const char *dir, const char *dmesg)
{
	struct rset *lg = calloc(1, sizeof(*lg)), *fw = calloc(1, sizeof(*fw));
	const char *src;
	bool fwram = false, same;
	size_t desc = 0;

	if (!lg || !fw)
		abort();
	for (size_t i = 0; i < log->n_events; i++)
		fwram |= log->events[i].kind == BMF_FW_RAM;
	for (size_t i = 0; i < log->n_events; i++)
		if (log->events[i].kind == (fwram ? BMF_FW_RAM : BMF_MEM_ADD))
			rset_add(lg, log->events[i].base, log->events[i].size);
	if (!strcmp(log->machine, "x86_64") || !strcmp(log->machine, "i686")) {
		src = "sys/firmware/memmap System RAM";
		memmap_ram(dir, fw);
	} else if (fdt_ram(dir, fw))
		src = "FDT /memory";
	else {
		src = "EFI memory map (efi=debug)";
		if (dmesg)
			efi_ram(dmesg, fw, &desc);
		CHECK(desc, "no FDT /memory node and no efi=debug memory map in dmesg");
	}
	rset_union(lg);
	rset_union(fw);
	same = lg->n == fw->n;
	for (size_t i = 0; same && i < lg->n; i++)
		same = lg->r[i].base == fw->r[i].base && lg->r[i].size == fw->r[i].size;
	CHECK(fw->n, "no RAM from %s", src);
	CHECK(same, "RAM in the log (%s, %" PRIu64 " bytes in %zu ranges) differs from %s (%" PRIu64
	      " bytes in %zu ranges)", fwram ? "fw_ram" : "mem_add", rset_bytes(lg), lg->n, src,
	      rset_bytes(fw), fw->n);
	if (!same) {
		print_diff("log", lg, fw);
		print_diff("firmware", fw, lg);
	}
	printf("  RAM %" PRIu64 " bytes in %zu ranges: log (%s) vs %s\n", rset_bytes(lg), lg->n,
	       fwram ? "fw_ram" : "mem_add", src);
	free(lg);
	free(fw);
}

/* ---- memblock=debug: what memblock itself printed ------------------------ */

static bool inside(const struct bmf_log *log, unsigned kind, unsigned alt, uint64_t s, uint64_t e)
{
	for (size_t i = 0; i < log->n_events; i++) {
		const struct bmf_event *r = &log->events[i];

		if ((r->kind == kind || r->kind == alt) && r->base <= s && e <= r->base + r->size)
			return true;
	}
	return false;
}

/*
 * "memblock_reserve: [0xS-0xE] caller" and "memblock_phys_free: [0xS-0xE]
 * caller", E inclusive.  Records coalesce, so each range must lie inside
 * one record.  memblock's allocator reserves through memblock_reserve()
 * too: those lines (caller memblock_alloc* or memblock_phys_alloc*, or
 * __memblock_reserve) may lie in an alloc record.
 */
static void check_memblock_debug(const struct bmf_log *log, const char *dmesg)
{
	static const struct {
		const char *prefix;
		unsigned kind;
	} ops[] = {
		{ "memblock_reserve: [", BMF_RESERVE },
		{ "memblock_phys_free: [", BMF_FREE },
	};
	size_t checked = 0, misses = 0;

	for (size_t o = 0; o < 2; o++)
		for (const char *p = dmesg; (p = strstr(p, ops[o].prefix)); p++) {
			unsigned long long s, e;
			char caller[128] = "";
			unsigned alt = 0;

			if (sscanf(p + strlen(ops[o].prefix), "0x%llx-0x%llx] %127s", &s, &e, caller) < 2)
				continue;
			if (e < s || e == UINT64_MAX)
				continue;	/* size 0: not logged */
			/* __memblock_reserve (newer kernels) is the allocator's path too */
			if (ops[o].kind == BMF_RESERVE && (!strncmp(caller, "memblock_alloc", 14) ||
							   !strncmp(caller, "memblock_phys_alloc", 19) ||
							   (p > dmesg && p[-1] == '_')))
				alt = BMF_ALLOC;
			checked++;
			if (!inside(log, ops[o].kind, alt, s, e + 1)) {
				misses++;
				printf("  memblock=debug: %.*s: [0x%llx-0x%llx] %s is in no %s record\n",
				       (int)strlen(ops[o].prefix) - 3, ops[o].prefix, s, e, caller,
				       bmf_kind_name(ops[o].kind));
			}
		}
	CHECK(!misses, "%zu of %zu memblock=debug ranges are not in the log", misses, checked);
	printf("  %zu memblock=debug ranges checked, %zu missing\n", checked, misses);
}

/* Callers are symbol names or "?": never a raw address. */
static void check_callers(const struct bmf_log *log)
{
	size_t bad = 0;

	for (size_t i = 0; i < log->n_events; i++) {
		const char *c = log->events[i].caller;

		if (c[0] == '0' && c[1] == 'x' && c[2] && strspn(c + 2, "0123456789abcdef") == strlen(c + 2)) {
			if (bad++ < 10)
				printf("  record %zu: caller %s\n", i, c);
		}
	}
	CHECK(!bad, "%zu records have a raw address as their caller", bad);
}

/* The model's reconciliation, as every front end sees it. */
static void check_unexplained(const char *dir)
{
	struct bootmem_report *r = NULL;
	long long u = 0;
	int rc = report_load(dir, NULL, &r);

	CHECK(rc == 0, "report_load: %s", strerror(-rc));
	if (rc < 0)
		return;
	rc = report_unexplained(r, &u);
	CHECK(rc == 0, "the model knows no unexplained figure (log not read?)");
	CHECK(rc < 0 || u == 0, "the model leaves %lld bytes unexplained: %s", u, report_summary(r));
	if (rc == 0 && u) {
		char *out;
		size_t len;

		if (report_render(r, REPORT_TEXT, &out, &len) == 0) {
			printf("%s", out);
			free(out);
		}
	}
	printf("  model: %s\n", report_summary(r));
	report_free(r);
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
	struct source_diag diag = { 0 };
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
	printf("  %zu records, %" PRIu64 " dropped, capacity %u (%u reserved), %s %s\n", log->n_events,
	       log->dropped_events, log->capacity, log->reserved_slots, log->machine, log->release);
	CHECK(log->dropped_events == 0, "%" PRIu64 " events dropped (totals)", log->dropped_events);
	for (unsigned k = 0; k < BMF_NR_KINDS; k++)
		if (log->totals.dropped_events[k])
			printf("  dropped %s: %" PRIu64 " events, %" PRIu64 " bytes, %" PRId64 " pages\n",
			       bmf_kind_name(k), log->totals.dropped_events[k], log->totals.dropped_bytes[k],
			       log->totals.dropped_pages[k]);
	CHECK(log->phase == BMF_PHASE_RUNNING && (log->flags & BMF_HDR_FROZEN), "log not frozen (phase %u)",
	      log->phase);
	CHECK(has_kind(log, BMF_BOOT_DONE), "no boot_done milestone");
	check_callers(log);
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
		check_memblock_debug(log, dmesg);
	}
	check_memtotal(log, dir, meminfo);
	check_ram(log, dir, dmesg);
	check_initrd(log, expect_initrd);
	if (expect_fdt)
		check_fdt(log, dir);
	check_unexplained(dir);

	free(dmesg);
	free(meminfo);
	bmf_log_free(log);
	printf("%s: %s\n", dir, failures ? "FAIL" : "PASS");
	return failures > 100 ? 100 : failures;
}
