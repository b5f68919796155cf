/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stock mode against the truth on the same boot: every captured harness boot
 * with a bootmem_fate log is read twice, with the log (the truth) and with
 * the log hidden (stock mode), and each itemized figure is compared with what
 * the log says for the same owner.
 *
 * Tolerances (stated here and in METRICS.md):
 *   exact items: equal, to the page at each end of a range (held within two
 *     pages: the log gives a page two owners share to one of them);
 *   the kernel image as a whole: 128 KiB (x86's brk lies past the end iomem shows);
 *   x86's first MiB against setup_arch + reserve_real_mode: 64 KiB;
 *   estimates: memmap 5% + 256 KiB, log_buf and kfence 5%, pgtable 5% + 64 KiB, percpu 50% + 64 KiB
 *     (its metadata and per-group rounding are not printed).
 * Coverage: itemized / (RAM - MemTotal) >= 95% on each boot.
 *
 *   test-stock-vs-log SOURCE_ROOT
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "report.h"
#include "stock-check.h"
#include "tap.h"

#define PAGE 4096

/* Σ held of the log's regions named in @names (NULL-terminated). */
static int64_t log_held(const struct bootmem_report *t, const char *const *names)
{
	int64_t sum = 0;

	for (; *names; names++)
		sum += held(model_find_region(t, *names));
	return sum;
}


static void compare(const char *name, const struct bootmem_report *t, const struct bootmem_report *s)
{
	static const char *const exact_same[] = {
		"kernel_text", "kernel_rodata", "kernel_data", "kernel_bss", "kernel_init", "initrd", "fdt",
		"swiotlb", "EFI boot services", NULL,
	};
	const struct bm_region *g, *k;
	const unsigned floor = 95;

	for (size_t i = 0; exact_same[i]; i++) {
		g = model_find_region(s, exact_same[i]);
		k = model_find_region(t, exact_same[i]);
		if (!g || !k)
			continue;
		CHECK(iabs(held(g) - held(k)) <= 2 * PAGE, "%s: %s held %" PRId64 " (stock) vs %" PRId64 " (log)",
		      name, exact_same[i], held(g), held(k));
		if (g->freed.known && k->freed.known && (g->kind == BM_KIND_KERNEL_INIT || g->kind == BM_KIND_INITRD ||
						       g->kind == BM_KIND_FIRMWARE))
			CHECK(iabs(g->freed.value - k->freed.value) <= PAGE,
			      "%s: %s freed %" PRId64 " vs %" PRId64, name, exact_same[i], g->freed.value,
			      k->freed.value);
	}
	/* The image as a whole: the log's image against the sum of the stock parts. */
	g = model_find_region(s, "kernel");
	k = model_find_region(t, "kernel");
	if (g && k)
		CHECK(g->is_parent && k->is_parent && iabs(held(g) - held(k)) <= 128 * 1024,
		      "%s: kernel image held %" PRId64 " vs %" PRId64, name, held(g), held(k));
	/* The two early hash tables: the pair exactly, each to a page. */
	{
		static const char *const h[] = { "Dentry cache", "Inode-cache", NULL };
		int64_t a = log_held(s, h), b = log_held(t, h);

		CHECK(iabs(a - b) <= PAGE, "%s: early hash tables %" PRId64 " vs %" PRId64, name, a, b);
	}
	/*
	 * x86's first MiB is setup_arch's reservation and the real-mode
	 * trampoline in it; setup_arch's other small reserves (EBDA, BIOS
	 * areas) may lie elsewhere under OVMF: 64 KiB.
	 */
	g = model_find_region(s, "first_mib");
	if (g) {
		static const char *const o[] = { "setup_arch", "reserve_real_mode", NULL };

		CHECK(iabs(held(g) - log_held(t, o)) <= 64 * 1024, "%s: first MiB %" PRId64 " vs %" PRId64,
		      name, held(g), log_held(t, o));
	}
	/* Carve-outs by name (FDT nodes, memreserve, cma): the same bytes. */
	for (size_t i = 0; i < s->n_regions; i++) {
		g = &s->regions[i];
		if (g->kind != BM_KIND_RESERVED_MEMORY && g->kind != BM_KIND_MEMRESERVE && g->kind != BM_KIND_CMA)
			continue;
		k = model_find_region(t, g->name);
		if (g->kind == BM_KIND_CMA && !k)
			k = model_find_kind(t, BM_KIND_CMA);
		CHECK(k, "%s: %s is in the log", name, g->name);
		if (k)
			CHECK(iabs(held(g) - held(k)) <= 2 * PAGE && g->reserved.value == k->reserved.value,
			      "%s: %s reserved %" PRId64 "/%" PRId64 " held %" PRId64 "/%" PRId64, name, g->name,
			      g->reserved.value, k->reserved.value, held(g), held(k));
	}
	/* Estimates. */
	g = model_find_region(s, "memmap");
	k = model_find_region(t, "memmap");
	if (g && k)
		CHECK(iabs(held(g) - held(k)) <= held(k) / 20 + 256 * 1024, "%s: memmap estimate %" PRId64
		      " vs %" PRId64, name, held(g), held(k));
	g = model_find_region(s, "percpu");
	k = model_find_region(t, "percpu");
	if (g && k)
		CHECK(iabs(held(g) - held(k)) <= held(k) / 2 + 64 * 1024, "%s: percpu estimate %" PRId64
		      " vs %" PRId64, name, held(g), held(k));
	g = model_find_region(s, "log_buf");
	if (g)
		CHECK(iabs(held(g) - held(model_find_region(t, "setup_log_buf"))) <= held(g) / 20,
		      "%s: log_buf estimate %" PRId64 " vs %" PRId64, name, held(g),
		      held(model_find_region(t, "setup_log_buf")));
	g = model_find_region(s, "pgtable");
	k = model_find_region(t, "pgtable");
	if (g && g->estimate)
		CHECK(k && iabs(held(g) - held(k)) <= held(k) / 20 + 64 * 1024, "%s: pgtable estimate %" PRId64
		      " vs %" PRId64, name, held(g), held(k));
	g = model_find_region(s, "kfence");
	if (g)
		CHECK(iabs(held(g) - held(model_find_region(t, "kfence"))) <= held(g) / 20,
		      "%s: kfence estimate %" PRId64 " vs %" PRId64, name, held(g),
		      held(model_find_region(t, "kfence")));

	/*
	 * memblock=debug: each caller stock mode lists is a region of the log
	 * by the same name, never holding more than the log gives it (held
	 * and shared: a page it shares goes to one owner in the log); the
	 * ones the log does not hold are below a page.  The estimates it
	 * makes exact are then within two pages.
	 */
	if (s->in.has_dmesg && s->in.dmesg.mb_lines) {
		const struct dmesg_facts *d = &s->in.dmesg;
		size_t listed = 0;

		for (size_t i = 0; i < d->n_mb_callers; i++) {
			g = model_find_region(s, d->mb_callers[i].name);
			if (!g || g->src != BM_SRC_DMESG || g->kind != BM_KIND_OWNER)
				continue;
			listed++;
			k = model_find_region(t, g->name);
			CHECK(k, "%s: memblock caller %s is a region of the log", name, g->name);
			if (k)
				CHECK(held(g) <= held(k) + k->shared.value + 2 * PAGE,
				      "%s: memblock caller %s held %" PRId64 " vs %" PRId64 " + %" PRId64 " shared",
				      name, g->name, held(g), held(k), k->shared.value);
		}
		CHECK(listed > 0, "%s: %zu memblock callers listed", name, listed);
		/* Nothing counted twice: past RAM - MemTotal by no more than page rounding. */
		CHECK(s->rec.not_itemized.known && s->rec.not_itemized.value >= -4 * PAGE,
		      "%s: not itemized %" PRId64 " >= -4 pages", name, s->rec.not_itemized.value);
		/*
		 * Page tables made before memblock=debug took effect, or whose lines the
		 * early buffer lost, are not printed: at most the log's, or the estimate
		 * stays (and is checked as one above).
		 */
		g = model_find_region(s, "pgtable");
		k = model_find_region(t, "pgtable");
		if (g && k && !g->estimate)
			CHECK(held(g) > 0 && held(g) <= held(k), "%s: pgtable from memblock %" PRId64
			      " <= %" PRId64, name, held(g), held(k));
		for (const char *const *e = (const char *const[]){ "memmap", "kfence", NULL }; *e; e++) {
			g = model_find_region(s, *e);
			k = model_find_region(t, *e);
			if (g && k)
				CHECK(!g->estimate && iabs(held(g) - held(k)) <= 2 * PAGE,
				      "%s: %s from memblock %" PRId64 " vs %" PRId64, name, *e, held(g), held(k));
		}
		g = model_find_region(s, "log_buf");
		if (g)
			CHECK(!g->estimate && held(g) == held(model_find_region(t, "setup_log_buf")),
			      "%s: log_buf from memblock %" PRId64 " vs %" PRId64, name, held(g),
			      held(model_find_region(t, "setup_log_buf")));
	}

	/* Coverage: 95% on every boot. */
	CHECK(s->rec.has_itemized && s->rec.coverage_ppm >= floor * 10000u, "%s: coverage %u.%u%% >= %u%%",
	      name, s->rec.coverage_ppm / 10000, s->rec.coverage_ppm / 1000 % 10, floor);
	printf("# %-24s coverage %3u.%u%%  itemized %" PRId64 " (estimated %" PRId64 ") of %" PRId64 "\n", name,
	       s->rec.coverage_ppm / 10000, s->rec.coverage_ppm / 1000 % 10, s->rec.itemized.value,
	       s->rec.itemized_estimated.value, s->rec.gap.value);
}

/*
 * The same boot's coverage without its memblock=debug lines (dmesg.txt
 * copied without them), in ppm; memblock=debug must add to it.
 */
static uint32_t coverage_without_memblock(const char *root)
{
	char in_path[8300], out_path[] = "/tmp/stock-vs-log-XXXXXX", line[4096];
	struct report_paths p = { 0 };
	struct bootmem_report *r = NULL;
	uint32_t ppm = 0;
	FILE *in, *out;
	int fd;

	snprintf(in_path, sizeof(in_path), "%s/dmesg.txt", root);
	in = fopen(in_path, "re");
	fd = mkstemp(out_path);
	out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!in || !out) {
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		return 0;
	}
	while (fgets(line, sizeof(line), in))
		if (!strstr(line, "] memblock_"))
			fputs(line, out);
	fclose(in);
	fclose(out);
	p.path[BM_SRC_LOG] = "/nonexistent/bootmem_fate/log";
	p.path[BM_SRC_DMESG] = out_path;
	if (report_load(root, &p, &r) == 0 && r->rec.has_itemized)
		ppm = r->rec.coverage_ppm;
	report_free(r);
	unlink(out_path);
	return ppm;
}

int main(int argc, char **argv)
{
	char dir[4096], root[8192];
	struct dirent **de;
	int n, boots = 0, memblock_boots = 0;

	if (argc < 2)
		return 2;
	snprintf(dir, sizeof(dir), "%s/tests/data/vm", argv[1]);
	n = scandir(dir, &de, NULL, alphasort);
	CHECK(n > 0, "harness boots under %s", dir);
	for (int i = 0; i < n; i++) {
		struct report_paths hide = { 0 };
		struct bootmem_report *t = NULL, *s = NULL;

		snprintf(root, sizeof(root), "%s/%s", dir, de[i]->d_name);
		if (de[i]->d_name[0] == '.' || report_load(root, NULL, &t) < 0 || !report_has_kernel_log(t)) {
			report_free(t);
			free(de[i]);
			continue;
		}
		hide.path[BM_SRC_LOG] = "/nonexistent/bootmem_fate/log";
		CHECK(report_load(root, &hide, &s) == 0 && !report_has_kernel_log(s), "%s: loads stock",
		      de[i]->d_name);
		/* A balloon boot's RAM grew after boot: stock mode cannot know, and says so. */
		if (s && !s->rec.gap.known)
			printf("# %s: RAM - MemTotal unknown in stock mode (%s)\n", de[i]->d_name, report_summary(s));
		else if (s)
			compare(de[i]->d_name, t, s);
		if (s && s->in.has_dmesg && s->in.dmesg.mb_lines) {
			uint32_t before = coverage_without_memblock(root);

			/*
			 * It turns estimates into figures read: the residual, either sign,
			 * shrinks or stays (to 0.1%: an overshooting estimate made exact).
			 */
			CHECK(before && labs(1000000L - (long)s->rec.coverage_ppm) <= labs(1000000L - (long)before) + 1000,
			      "%s: memblock=debug brings itemized as close to RAM - MemTotal or closer: %u.%u%% without"
			      " its lines, %u.%u%% with", de[i]->d_name, before / 10000, before / 1000 % 10,
			      s->rec.coverage_ppm / 10000, s->rec.coverage_ppm / 1000 % 10);
			printf("# %-24s memblock=debug: coverage %u.%u%% without its lines, %u.%u%% with\n",
			       de[i]->d_name, before / 10000, before / 1000 % 10, s->rec.coverage_ppm / 10000,
			       s->rec.coverage_ppm / 1000 % 10);
			memblock_boots++;
		}
		boots++;
		report_free(t);
		report_free(s);
		free(de[i]);
	}
	free(de);
	CHECK(boots >= 10, "%d harness boots compared", boots);
	CHECK(memblock_boots >= 3, "%d harness boots with memblock=debug", memblock_boots);
	return tap_done("test-stock-vs-log");
}
