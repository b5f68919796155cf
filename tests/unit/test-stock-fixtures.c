/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stock mode on distribution kernels as they ship: every capture under
 * tests/data/stock (tests/systemd/run --capture-stock; its README says which
 * kernel) must give a plausible, self-consistent report:
 *
 *   mode stock; at least 90% of RAM - MemTotal itemized (exact + estimated),
 *   never more than all of it; the kernel image the sum of its sections, each
 *   non-empty; each region's pages held, freed, no-map, shared, not RAM or
 *   removed adding up to the pages its reservation touches; the memmap
 *   estimate within 10% of RAM / 4096 * 64 (struct page per 4 KiB);
 *   a memblock=debug capture itemizing at least as much as the plain one.
 *
 * The figures the kernel printed are read from dmesg.txt by this test with
 * its own scanning: the Memory: line's sections, the early hash tables by
 * name, percpu's embedded pages, swiotlb, and the Freeing lines, whose sum is
 * what the image and the initrd gave back.
 *
 *   test-stock-fixtures SOURCE_ROOT
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>

#include "model.h"
#include "report.h"
#include "stock-check.h"
#include "tap.h"

#define PAGE 4096
#define MAX_BOOTS 16

struct boot {
	char name[256];
	int64_t itemized;
	uint32_t coverage_ppm;
};

static int64_t page_up(int64_t v)
{
	return (v + PAGE - 1) / PAGE * PAGE;
}

/* The JSON report's "mode". */
static bool mode_is_stock(const struct bootmem_report *r)
{
	json_error_t err;
	char *out = NULL;
	size_t len;
	json_t *j;
	bool ok;

	if (report_render(r, REPORT_JSON, &out, &len) < 0)
		return false;
	j = json_loadb(out, len, 0, &err);
	free(out);
	ok = j && json_is_string(json_object_get(j, "mode")) &&
	     !strcmp(json_string_value(json_object_get(j, "mode")), "stock");
	json_decref(j);
	return ok;
}

static void check_parents(const char *name, const struct bootmem_report *r)
{
	for (size_t i = 0; i < r->n_regions; i++) {
		const struct bm_region *p = &r->regions[i];
		int64_t res = 0, h = 0, fr = 0, nm = 0;
		size_t parts = 0;

		if (!p->is_parent)
			continue;
		for (size_t k = 0; k < r->n_regions; k++) {
			const struct bm_region *g = &r->regions[k];

			if (!g->parent || strcmp(g->parent, p->name))
				continue;
			parts++;
			res += g->reserved.value;
			h += held(g);
			fr += g->freed.known ? g->freed.value : 0;
			nm += g->nomap.known ? g->nomap.value : 0;
		}
		CHECK(parts > 0 && p->reserved.value == res && held(p) == h && p->freed.value == fr &&
		      p->nomap.value == nm, "%s: %s = its %zu parts: reserved %" PRId64 "/%" PRId64 " held %" PRId64
		      "/%" PRId64 " freed %" PRId64 "/%" PRId64, name, p->name, parts, p->reserved.value, res, held(p),
		      h, p->freed.value, fr);
	}
}

/* Where each region's pages went adds up to the pages its reservation touches. */
static void check_pages(const char *name, const struct bootmem_report *r)
{
	for (size_t i = 0; i < r->n_regions; i++) {
		const struct bm_region *g = &r->regions[i];
		int64_t fp = g->footprint.value, parts = 0, slack = PAGE * (int64_t)(g->n_ranges ? g->n_ranges : 1);
		const struct bm_figure *f[] = { &g->held, &g->freed, &g->nomap, &g->not_ram, &g->removed, &g->shared };

		if (g->is_parent)
			continue;
		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
			parts += f[k]->known ? f[k]->value : 0;
		CHECK(g->reserved.known && g->footprint.known && parts == fp && fp >= page_up(g->reserved.value) &&
		      fp <= page_up(g->reserved.value) + slack,
		      "%s: %s: held+freed+nomap+not_ram+removed+shared %" PRId64 " = footprint %" PRId64
		      " = reserved %" PRId64 " in pages", name, g->name, parts, fp, g->reserved.value);
	}
}

/* "<name> hash table entries: N (order: O, B bytes, linear)", B; -1 when not printed. */
static int64_t scan_hash_bytes(const char *dmesg, const char *table)
{
	char key[128];
	const char *p;
	unsigned long long bytes;

	snprintf(key, sizeof(key), "] %s hash table entries: ", table);
	p = strstr(dmesg, key);
	p = p ? strstr(p, "(order: ") : NULL;
	return p && sscanf(p, "(order: %*u, %llu bytes", &bytes) == 1 ? (int64_t)bytes : -1;
}

/* Σ of every "Freeing ... memory: NK" line. */
static int64_t scan_freeing_sum(const char *dmesg, unsigned *lines)
{
	int64_t sum = 0;

	*lines = 0;
	for (const char *p = dmesg; (p = strstr(p, "] Freeing ")); p++) {
		const char *eol = strchr(p, '\n'), *m = strstr(p, " memory: ");
		unsigned long kib;

		if (m && (!eol || m < eol) && sscanf(m + 9, "%luK", &kib) == 1) {
			sum += (int64_t)kib * 1024;
			(*lines)++;
		}
	}
	return sum;
}

/* What Debian's kernel printed, against the regions. */
static void check_printed(const char *name, const struct bootmem_report *r, const char *dmesg)
{
	static const char *const sections[] = { "kernel_text", "kernel_data", "kernel_rodata", "kernel_init",
						"kernel_bss" };
	static const char *const early_hashes[] = { "Dentry cache", "Inode-cache" };
	static const char *const late_hashes[] = { "Mount-cache", "TCP established", "UDP", "futex" };
	const char *mem = strstr(dmesg, "] Memory: ");
	const struct bm_region *g, *k = model_find_region(r, "kernel"), *initrd = model_find_region(r, "initrd");
	unsigned long pages, units = 0, mib, avail, phys, kib[5] = { 0 };
	unsigned long long a, b;
	unsigned nfree;
	int64_t freeing, v;
	const char *p;

	CHECK(mem && sscanf(mem, "] Memory: %luK/%luK available (%luK kernel code, %luK rwdata, %luK rodata, "
			    "%luK init, %luK bss", &avail, &phys, &kib[0], &kib[1], &kib[2], &kib[3], &kib[4]) == 7,
	      "%s: the Memory: line", name);
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		g = model_find_region(r, sections[i]);
		CHECK(g && g->reserved.value > 0 && g->parent && !strcmp(g->parent, "kernel"),
		      "%s: %s is a part of the kernel, not empty", name, sections[i]);
		/* iomem's bounds are bytes, the Memory: line's KiB: less than a page apart. */
		if (g)
			CHECK(iabs(g->reserved.value - (int64_t)kib[i] * 1024) < PAGE,
			      "%s: %s reserved %" PRId64 ", the Memory: line %luK", name, sections[i],
			      g->reserved.value, kib[i]);
	}

	/* The hash tables memblock gave: by name, to the byte; the later ones are not the boot's. */
	for (size_t i = 0; i < sizeof(early_hashes) / sizeof(early_hashes[0]); i++) {
		v = scan_hash_bytes(dmesg, early_hashes[i]);
		g = model_find_region(r, early_hashes[i]);
		CHECK(v > 0 && g && g->kind == BM_KIND_HASH && held(g) == v, "%s: %s hash table %" PRId64
		      " held, printed %" PRId64, name, early_hashes[i], held(g), v);
	}
	for (size_t i = 0; i < sizeof(late_hashes) / sizeof(late_hashes[0]); i++)
		if (scan_hash_bytes(dmesg, late_hashes[i]) > 0)
			CHECK(!model_find_region(r, late_hashes[i]), "%s: %s (after memblock) is not itemized", name,
			      late_hashes[i]);

	/* percpu: every CPU's embedded pages, at most a unit (uN) each. */
	p = strstr(dmesg, "] percpu: Embedded ");
	for (const char *q = strstr(dmesg, "] pcpu-alloc: ["); q; q = strstr(q + 1, "] pcpu-alloc: [")) {
		const char *eol = strchr(q, '\n'), *c = strchr(q + 15, ']');

		for (; c && eol && c < eol; c++)
			if (*c >= '0' && *c <= '9' && (c[-1] == ' '))
				units++;
	}
	g = model_find_region(r, "percpu");
	if (p && sscanf(p, "] percpu: Embedded %lu pages/cpu", &pages) == 1 && units) {
		const char *u = strstr(p, " u");
		unsigned long unit = 0;

		CHECK(u && sscanf(u, " u%lu", &unit) == 1, "%s: percpu unit size", name);
		CHECK(g && held(g) >= (int64_t)(pages * PAGE * units) && held(g) <= (int64_t)(unit * units),
		      "%s: percpu %" PRId64 " within %lu pages x %lu CPUs and %lu units of %lu", name, held(g), pages,
		      units, units, unit);
	} else {
		CHECK(false, "%s: percpu: Embedded and pcpu-alloc lines", name);
	}

	/* swiotlb: its own line, to the MiB; none printed, none itemized. */
	p = strstr(dmesg, "] software IO TLB: mapped [mem ");
	g = model_find_region(r, "swiotlb");
	if (p && sscanf(p, "] software IO TLB: mapped [mem %llx-%llx] (%luMB)", &a, &b, &mib) == 3)
		CHECK(g && held(g) == (int64_t)(b - a + 1) && held(g) == (int64_t)mib << 20,
		      "%s: swiotlb %" PRId64 " held, printed %lu MiB", name, held(g), mib);
	else
		CHECK(!g, "%s: no swiotlb printed, none itemized", name);

	/* The Freeing lines: init and initrd by name, and all of them what the image and initrd freed. */
	g = model_find_region(r, "kernel_init");
	v = scan_dmesg_kib(dmesg, "] Freeing unused kernel image (initmem) memory: ");
	CHECK(v > 0 && g && g->freed.value == v, "%s: kernel_init freed %" PRId64 ", printed %" PRId64, name,
	      g ? g->freed.value : -1, v);
	v = scan_dmesg_kib(dmesg, "] Freeing initrd memory: ");
	CHECK(v > 0 && initrd && initrd->freed.value == v && held(initrd) == 0,
	      "%s: initrd freed %" PRId64 ", printed %" PRId64, name, initrd ? initrd->freed.value : -1, v);
	freeing = scan_freeing_sum(dmesg, &nfree);
	CHECK(k && initrd && k->freed.value + initrd->freed.value == freeing,
	      "%s: the %u Freeing lines, %" PRId64 " in all, are the kernel's %" PRId64 " and the initrd's %" PRId64,
	      name, nfree, freeing, k ? k->freed.value : -1, initrd ? initrd->freed.value : -1);
}

static void check_boot(const char *name, const char *root, struct boot *out)
{
	struct bootmem_report *r = NULL;
	const struct bm_reconciliation *rec;
	const struct bm_region *g;
	char *dmesg = slurp(root, "dmesg.txt");
	int64_t memmap_want;

	CHECK(report_load(root, NULL, &r) == 0 && r, "%s: loads", name);
	CHECK(dmesg, "%s: dmesg.txt", name);
	if (!r || !dmesg) {
		report_free(r);
		free(dmesg);
		return;
	}
	rec = &r->rec;
	CHECK(!report_has_kernel_log(r) && mode_is_stock(r), "%s: mode stock", name);
	CHECK(report_source_present(r, BM_SRC_KCONFIG, NULL) && report_source_present(r, BM_SRC_DMI, NULL) &&
	      report_source_present(r, BM_SRC_BOOT_PARAMS, NULL), "%s: kconfig, DMI and boot_params read", name);
	CHECK(rec->gap.known && rec->has_itemized, "%s: RAM - MemTotal known, itemized", name);
	CHECK(rec->coverage_ppm >= 900000, "%s: coverage %u.%u%% >= 90%%", name, rec->coverage_ppm / 10000,
	      rec->coverage_ppm / 1000 % 10);
	CHECK(rec->not_itemized.known && rec->not_itemized.value >= 0, "%s: not itemized %" PRId64 " >= 0", name,
	      rec->not_itemized.value);
	CHECK(rec->itemized.value == rec->itemized_exact.value + rec->itemized_estimated.value &&
	      rec->gap.value == rec->itemized.value + rec->not_itemized.value,
	      "%s: RAM - MemTotal = exact + estimated + not itemized", name);
	printf("# %-32s coverage %3u.%u%%  RAM - MemTotal %" PRId64 " = exact %" PRId64 " + estimated %" PRId64
	       " + not itemized %" PRId64 "\n", name, rec->coverage_ppm / 10000, rec->coverage_ppm / 1000 % 10,
	       rec->gap.value, rec->itemized_exact.value, rec->itemized_estimated.value, rec->not_itemized.value);

	check_parents(name, r);
	check_pages(name, r);
	g = model_find_region(r, "kernel");
	CHECK(g && g->is_parent, "%s: the kernel image, the sum of its sections", name);

	memmap_want = rec->ram.value / 4096 * 64;
	g = model_find_region(r, "memmap");
	CHECK(g && iabs(held(g) - memmap_want) <= memmap_want / 10, "%s: memmap %" PRId64 " within 10%% of %" PRId64,
	      name, held(g), memmap_want);
	check_printed(name, r, dmesg);

	snprintf(out->name, sizeof(out->name), "%s", name);
	out->itemized = rec->itemized.value;
	out->coverage_ppm = rec->coverage_ppm;
	report_free(r);
	free(dmesg);
}

int main(int argc, char **argv)
{
	static const char suffix[] = "-memblock-debug";
	struct boot boots[MAX_BOOTS] = { 0 };
	char dir[4096], root[8192];
	struct dirent **de;
	int n, nb = 0, pairs = 0;

	if (argc < 2)
		return 2;
	snprintf(dir, sizeof(dir), "%s/tests/data/stock", argv[1]);
	n = scandir(dir, &de, NULL, alphasort);
	CHECK(n > 0, "captures under %s", dir);
	for (int i = 0; i < n; i++) {
		struct stat st;

		snprintf(root, sizeof(root), "%s/%s", dir, de[i]->d_name);
		/* Each directory a capture (the README beside them is not). */
		if (de[i]->d_name[0] != '.' && stat(root, &st) == 0 && S_ISDIR(st.st_mode) && nb < MAX_BOOTS)
			check_boot(de[i]->d_name, root, &boots[nb++]);
		free(de[i]);
	}
	free(de);
	CHECK(nb >= 2, "%d stock captures", nb);

	/* memblock=debug names what the plain boot estimates or leaves out: never less. */
	for (int i = 0; i < nb; i++) {
		size_t len = strlen(boots[i].name);

		if (len <= sizeof(suffix) - 1 || strcmp(boots[i].name + len - (sizeof(suffix) - 1), suffix))
			continue;
		for (int k = 0; k < nb; k++) {
			if (strlen(boots[k].name) != len - (sizeof(suffix) - 1) ||
			    strncmp(boots[k].name, boots[i].name, strlen(boots[k].name)))
				continue;
			pairs++;
			CHECK(boots[i].coverage_ppm >= boots[k].coverage_ppm && boots[i].itemized >= boots[k].itemized,
			      "%s itemizes at least as much as %s: %" PRId64 " (%u ppm) vs %" PRId64 " (%u ppm)",
			      boots[i].name, boots[k].name, boots[i].itemized, boots[i].coverage_ppm, boots[k].itemized,
			      boots[k].coverage_ppm);
		}
	}
	CHECK(pairs >= 1, "%d plain and memblock=debug pairs", pairs);
	return tap_done("test-stock-fixtures");
}
