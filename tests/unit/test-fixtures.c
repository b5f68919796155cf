/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fate engine on every boot captured under tests/data/vm (patched
 * kernels).  Expected values are derived here, independently of the
 * engine, from what the same boot says elsewhere: dmesg's "Freeing ...
 * memory" and "OF: reserved mem:" lines, the FDT (libfdt directly),
 * boot_params, /proc/meminfo, /proc/iomem and /proc/cmdline.
 *
 *   test-fixtures SOURCE_ROOT
 */
#include <dirent.h>
#include <fcntl.h>
#include <libfdt.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "report.h"
#include "tap.h"
#include "util.h"

static char *slurp(const char *dir, const char *rel, size_t *len)
{
	char path[8192], *buf = NULL;
	size_t l;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (util_read_file_at(AT_FDCWD, path, UTIL_MAX_FILE, &buf, &l) < 0)
		return NULL;
	if (len)
		*len = l;
	return buf;
}

/* "Freeing <label> memory: <N>K", summed; -1 when absent. */
static int64_t dmesg_freeing(const char *dmesg, const char *label)
{
	char pat[160];
	int64_t sum = -1;

	snprintf(pat, sizeof(pat), "] Freeing %s memory: ", label);
	for (const char *p = dmesg; (p = strstr(p, pat)); p += strlen(pat)) {
		unsigned long k;

		if (sscanf(p + strlen(pat), "%luK", &k) == 1)
			sum = (sum < 0 ? 0 : sum) + (int64_t)k * 1024;
	}
	return sum;
}

/*
 * The EFI memory map as efi=debug prints it: the bytes of the cacheable
 * (WB, WT or WC) descriptors that are RAM (@ram) or MMIO (!@ram).
 */
static int64_t efi_map_bytes(const char *dmesg, bool ram)
{
	int64_t sum = 0;

	for (const char *p = dmesg; (p = strstr(p, "efi:   0x")); p++) {
		unsigned long long a, b;
		const char *t = strchr(p, '['), *eol = strchr(p, '\n'), *end;
		bool mmio, cacheable;

		if (sscanf(p, "efi: 0x%llx-0x%llx", &a, &b) != 2 || !t || (eol && t > eol))
			continue;
		end = strchr(t, ']');
		if (!end || (eol && end > eol))
			continue;
		mmio = !strncmp(t + 1, "MMIO", 4);
		cacheable = false;
		for (const char *q = t; q < end; q++)
			cacheable |= !strncmp(q, "|WB|", 4) || !strncmp(q, "|WT|", 4) ||
				     !strncmp(q, "|WC|", 4);
		if (cacheable && mmio != ram)
			sum += (int64_t)(b - a + 1);
	}
	return sum;
}

static uint64_t fdt_cells(const fdt32_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 32 | fdt32_to_cpu(p[i]);
	return v;
}

static uint64_t page_down(uint64_t v, uint64_t ps) { return v / ps * ps; }
static uint64_t page_up(uint64_t v, uint64_t ps) { return (v + ps - 1) / ps * ps; }

static const struct bm_region *need(const struct bootmem_report *r, const char *dir, const char *name)
{
	const struct bm_region *g = model_find_region(r, name);

	CHECK(g, "%s: no region %s", dir, name);
	return g;
}

#define EXPECT(what, got, want) do {							\
	int64_t _g = (int64_t)(got), _w = (int64_t)(want);				\
	CHECK(_g == _w, "%s: %s = %" PRId64 ", expected %" PRId64, name, what, _g, _w);	\
	printf("  %-44s %" PRId64 "%s\n", what, _g, _g == _w ? "" : "  MISMATCH");	\
} while (0)

static void check_fixture(const char *src, const char *name)
{
	char dir[4096];
	struct bootmem_report *r = NULL;
	char *dmesg, *meminfo, *cmdline, *iomem, *fdt;
	size_t fdt_len = 0;
	uint64_t ps;
	const struct bm_region *g;
	unsigned long long memtotal_kib = 0;
	int64_t fw_removed = 0;
	int rc;

	snprintf(dir, sizeof(dir), "%s/tests/data/vm/%s", src, name);
	rc = report_load(dir, NULL, &r);
	CHECK(rc == 0, "%s: report_load %d", name, rc);
	if (rc < 0)
		return;
	printf("%s: %s\n", name, report_summary(r));
	dmesg = slurp(dir, "dmesg.txt", NULL);
	meminfo = slurp(dir, "proc/meminfo", NULL);
	cmdline = slurp(dir, "proc/cmdline", NULL);
	iomem = slurp(dir, "proc/iomem", NULL);
	fdt = slurp(dir, "sys/firmware/fdt", &fdt_len);
	CHECK(report_has_kernel_log(r) && dmesg && meminfo && cmdline, "%s: log, dmesg, meminfo, cmdline", name);
	if (!report_has_kernel_log(r) || !dmesg || !meminfo || !cmdline)
		goto out;
	ps = r->page_size;

	/* The identity and MemTotal */
	EXPECT("unexplained_bytes", r->rec.unexplained.value, 0);
	CHECK(r->rec.consistent_known && r->rec.memtotal_consistent, "%s: memtotal_consistent", name);
	sscanf(strstr(meminfo, "MemTotal:"), "MemTotal: %llu kB", &memtotal_kib);
	EXPECT("memtotal_log_bytes (= meminfo)", r->rec.memtotal_log.value, (int64_t)memtotal_kib * 1024);
	CHECK(r->rec.ram.value == r->rec.memtotal.value + r->rec.held.value + r->rec.nomap.value +
	      r->rec.removed.value + r->rec.runtime.value + r->rec.unexplained.value, "%s: identity", name);
	/* A fresh boot: the list held every event and the records add up to the totals */
	EXPECT("dropped events (totals)", r->dropped_events, 0);
	CHECK(r->log_totals_consistent, "%s: records + dropped = totals", name);
	EXPECT("memtotal_log_bytes (totals.managed_pages)", r->rec.memtotal_log.value,
	       (r->in.log->totals.managed_pages + (r->in.runtime ? (int64_t)(r->in.runtime->pages_in -
									      r->in.runtime->pages_out) : 0)) *
	       (int64_t)ps);
	{
		int64_t delta = 0;

		for (int k = 0; k < _BM_RT_MAX; k++)
			delta += r->rec.terms[k].ram_delta;
		EXPECT("ram_bytes (boot RAM + runtime RAM)", r->rec.ram.value, r->rec.boot_ram.value + delta);
	}
	/* Firmware regions that are not RAM: the cacheable MMIO of the EFI map (UEFI arm64) */
	EXPECT("firmware_not_ram_bytes (EFI cacheable MMIO)", r->rec.not_ram.value,
	       efi_map_bytes(dmesg, false));
	for (size_t i = 0; i < r->n_findings; i++)
		printf("  finding %s: %s\n", r->findings[i].code, r->findings[i].message);

	/*
	 * RAM at boot: the FDT's /memory nodes, or x86's firmware memory map
	 * (sys/firmware/memmap System RAM) in whole pages; what the kernel kept
	 * of it (iomem System RAM) tells what was removed.
	 */
	if (fdt) {
		int root_ac = fdt_address_cells(fdt, 0), root_sc = fdt_size_cells(fdt, 0), node;
		uint64_t ram = 0;

		fdt_for_each_subnode(node, fdt, 0) {
			const char *t = fdt_getprop(fdt, node, "device_type", NULL);
			const fdt32_t *reg;
			int len;

			if (!t || strcmp(t, "memory"))
				continue;
			reg = fdt_getprop(fdt, node, "reg", &len);
			for (int k = 0; reg && k + (root_ac + root_sc) * 4 <= len; k += (root_ac + root_sc) * 4)
				ram += fdt_cells(reg + k / 4 + root_ac, root_sc);
		}
		if (ram)
			EXPECT("boot_ram_bytes (FDT /memory)", r->rec.boot_ram.value, ram);
		else	/* UEFI: the stub's DT has no /memory, the EFI map says */
			EXPECT("boot_ram_bytes (EFI memory map, efi=debug)", r->rec.boot_ram.value,
			       efi_map_bytes(dmesg, true));
	} else if (iomem && r->in.memmap) {
		uint64_t ram = 0, kept = 0;

		for (size_t i = 0; i < r->in.memmap->n; i++) {
			const struct memmap_entry *e = &r->in.memmap->e[i];

			if (!strcmp(e->type, "System RAM") && page_down(e->end + 1, ps) > page_up(e->start, ps))
				ram += page_down(e->end + 1, ps) - page_up(e->start, ps);
		}
		/* iomem splits RAM at setup_data: join adjacent lines before rounding */
		unsigned long long rs = 0, re = 0;

		for (const char *l = iomem; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			unsigned long long a, b;
			char nm[32] = "";

			if (*l == ' ' || sscanf(l, "%llx-%llx : %31[^\n]", &a, &b, nm) != 3 ||
			    strcmp(nm, "System RAM"))
				continue;
			if (re && a == re) {
				re = b + 1;
				continue;
			}
			if (re && page_down(re, ps) > page_up(rs, ps))
				kept += page_down(re, ps) - page_up(rs, ps);
			rs = a;
			re = b + 1;
		}
		if (re && page_down(re, ps) > page_up(rs, ps))
			kept += page_down(re, ps) - page_up(rs, ps);
		EXPECT("boot_ram_bytes (memmap System RAM, whole pages)", r->rec.boot_ram.value, ram);
		fw_removed = (int64_t)(ram - kept);
	} else
		CHECK(false, "%s: no FDT and no x86 memmap + iomem to tell RAM", name);
	{
		const char *m = strstr(cmdline, "mem=");
		unsigned long long v;
		char unit = 0;

		if (m && (m == cmdline || m[-1] == ' ') && !r->in.memmap &&
		    sscanf(m + 4, "%llu%c", &v, &unit) >= 1) {
			v <<= unit == 'G' ? 30 : unit == 'M' ? 20 : unit == 'K' ? 10 : 0;
			EXPECT("removed_bytes (RAM - mem=)", r->rec.removed.value, r->rec.ram.value - (int64_t)v);
		} else
			EXPECT("removed_bytes (firmware RAM the kernel did not keep)", r->rec.removed.value,
			       fw_removed);
	}

	/* The initrd: where the bootloader put it (FDT or boot_params) and what dmesg says came back */
	{
		uint64_t start = 0, end = 0;
		int64_t freed = dmesg_freeing(dmesg, "initrd");
		const char *rej = strstr(dmesg, "INITRD: ");

		if (fdt && fdt_path_offset(fdt, "/chosen") >= 0) {
			int ch = fdt_path_offset(fdt, "/chosen"), l1, l2;
			const fdt32_t *s = fdt_getprop(fdt, ch, "linux,initrd-start", &l1);
			const fdt32_t *e = fdt_getprop(fdt, ch, "linux,initrd-end", &l2);

			if (s && e) {
				start = fdt_cells(s, l1 / 4);
				end = fdt_cells(e, l2 / 4);
			}
		} else if (r->in.has_boot_params) {
			start = r->in.boot_params.ramdisk_image;
			end = start + r->in.boot_params.ramdisk_size;
		}
		g = need(r, name, "initrd");
		if (end <= start && strstr(dmesg, "] efi: ")) {
			/* EFI's LoadFile2 initrd: no DT property says where it was put */
			CHECK(freed > 0, "%s: dmesg frees the initrd", name);
			if (g)
				EXPECT("initrd freed_bytes (dmesg)", g->freed.value, freed);
		} else
			CHECK(end > start, "%s: the bootloader passed an initrd", name);
		if (end <= start) {
			/* checked above */
		} else if (g && strstr(name, "rejected")) {
			EXPECT("initrd fate rejected", g->fate, BM_FATE_REJECTED);
			EXPECT("initrd reserved_bytes", g->reserved.value, 0);
			EXPECT("initrd held_bytes", g->held.value, 0);
			EXPECT("initrd freed_bytes", g->freed.value, 0);
			CHECK(g->reason && rej && strstr(rej, g->reason), "%s: reason \"%s\" is dmesg's", name,
			      g->reason ? g->reason : "");
			printf("  initrd rejected: %s\n", g->reason ? g->reason : "");
		} else if (g && strstr(name, "retain")) {
			uint64_t reserved = page_up(end, ps) - page_down(start, ps);

			EXPECT("initrd fate retained", g->fate, BM_FATE_RETAINED);
			EXPECT("initrd reserved_bytes (FDT, page-rounded)", g->reserved.value, reserved);
			EXPECT("initrd held_bytes", g->held.value, reserved);
			EXPECT("initrd freed_bytes", g->freed.value, 0);
			CHECK(freed < 0, "%s: no Freeing initrd line", name);
		} else if (g) {
			uint64_t copy = page_up(end, ps) - page_down(start, ps);
			/*
			 * x86 moves an initrd out of reach (above mem=, say) to a new copy:
			 * both were reserved, the old one went back to memblock at once.
			 */
			bool moved = strstr(dmesg, "] Move RAMDISK from ") != NULL;
			int64_t reserved = (int64_t)copy * (moved ? 2 : 1);
			int64_t held = (int64_t)copy - freed;

			CHECK(freed > 0, "%s: dmesg frees the initrd", name);
			EXPECT(moved ? "initrd reserved_bytes (two page-rounded copies)" :
			       "initrd reserved_bytes (page-rounded)", g->reserved.value, reserved);
			EXPECT("initrd freed_bytes (dmesg)", g->freed.value, freed);
			EXPECT("initrd held_bytes (a copy - freed)", g->held.value, held);
			EXPECT("initrd fate", g->fate, held > 0 ? BM_FATE_PARTIALLY_FREED : BM_FATE_FREED);
		}
	}

	/* Init memory: the arch's "Freeing unused kernel ..." line */
	{
		int64_t freed = dmesg_freeing(dmesg, "unused kernel");

		if (freed < 0)
			freed = dmesg_freeing(dmesg, "unused kernel image (initmem)");
		g = need(r, name, "kernel_init");
		CHECK(freed > 0, "%s: dmesg frees init memory", name);
		if (g) {
			EXPECT("kernel_init freed_bytes (dmesg)", g->freed.value, freed);
			EXPECT("kernel_init held_bytes", g->held.value, 0);
			EXPECT("kernel_init fate freed", g->fate, BM_FATE_FREED);
		}
	}

	/* Kernel sections against the Memory: line (KiB, rounded down as the kernel prints) */
	{
		const char *m = strstr(dmesg, "] Memory: ");
		unsigned long av, tot, code, rw, ro, init, bss;

		if (m && sscanf(m, "] Memory: %luK/%luK available (%luK kernel code, %luK rwdata, %luK rodata, "
				"%luK init, %luK bss", &av, &tot, &code, &rw, &ro, &init, &bss) == 7) {
			g = need(r, name, "kernel_text");
			if (g)
				EXPECT("kernel_text reserved KiB (Memory: line)", g->reserved.value / 1024, code);
			g = need(r, name, "kernel_bss");
			if (g) {
				EXPECT("kernel_bss reserved KiB (Memory: line)", g->reserved.value / 1024, bss);
				EXPECT("kernel_bss fate held", g->fate, BM_FATE_HELD);
			}
		}
	}

	/* The FDT blob: reserved at its header's totalsize, held for good */
	if (fdt) {
		g = need(r, name, "fdt");
		if (g) {
			EXPECT("fdt reserved_bytes (FDT totalsize)", g->reserved.value, fdt_totalsize(fdt));
			EXPECT("fdt held_bytes (totalsize, page-rounded)", g->held.value,
			       page_up(fdt_totalsize(fdt), ps));
			EXPECT("fdt freed_bytes", g->freed.value, 0);
			EXPECT("fdt fate held", g->fate, BM_FATE_HELD);
		}
	}

	/* Every reserved-memory node of the FDT, placed where dmesg says */
	if (fdt && fdt_path_offset(fdt, "/reserved-memory") >= 0) {
		int parent = fdt_path_offset(fdt, "/reserved-memory"), node;
		int ac = fdt_address_cells(fdt, parent), sc = fdt_size_cells(fdt, parent);

		fdt_for_each_subnode(node, fdt, parent) {
			const char *nn = fdt_get_name(fdt, node, NULL), *st = fdt_getprop(fdt, node, "status", NULL);
			const fdt32_t *reg, *size;
			uint64_t want_size = 0, want_base = 0, dm_base = 0, dm_end = 0;
			bool nomap = fdt_getprop(fdt, node, "no-map", NULL) != NULL;
			bool reusable = fdt_getprop(fdt, node, "reusable", NULL) != NULL;
			char what[160], pat[160];
			const char *line;
			int len;

			if (st && strcmp(st, "okay") && strcmp(st, "ok"))
				continue;
			reg = fdt_getprop(fdt, node, "reg", &len);
			if (reg && len >= (ac + sc) * 4) {
				want_base = fdt_cells(reg, ac);
				want_size = fdt_cells(reg + ac, sc);
			} else if ((size = fdt_getprop(fdt, node, "size", &len)))
				want_size = fdt_cells(size, sc);
			/* "OF: reserved mem: 0x..0x.. (N KiB) map|nomap reusable|non-reusable NAME" */
			snprintf(pat, sizeof(pat), " %s\n", nn);
			for (line = dmesg; (line = strstr(line, "OF: reserved mem: ")); line++) {
				const char *eol = strchr(line, '\n');
				unsigned long long a, b;

				if (eol && (size_t)(eol - line) > strlen(pat) - 1 &&
				    !strncmp(eol - strlen(pat) + 1, pat, strlen(pat)) &&
				    sscanf(line, "OF: reserved mem: %llx..%llx", &a, &b) == 2) {
					dm_base = a;
					dm_end = b;
					break;
				}
			}
			g = need(r, name, nn);
			if (!g)
				continue;
			snprintf(what, sizeof(what), "%s reserved_bytes (FDT)", nn);
			EXPECT(what, g->reserved.value, want_size);
			CHECK(dm_end > dm_base, "%s: dmesg places %s", name, nn);
			snprintf(what, sizeof(what), "%s base (dmesg)", nn);
			EXPECT(what, g->n_ranges ? g->ranges[0].base : 0, dm_base);
			if (reg) {
				snprintf(what, sizeof(what), "%s base (FDT reg)", nn);
				EXPECT(what, g->n_ranges ? g->ranges[0].base : 0, want_base);
			}
			snprintf(what, sizeof(what), "%s fate", nn);
			EXPECT(what, g->fate, nomap ? BM_FATE_NOMAP : reusable ? BM_FATE_REUSABLE : BM_FATE_HELD);
			if (nomap) {
				snprintf(what, sizeof(what), "%s nomap_bytes", nn);
				EXPECT(what, g->nomap.value, page_up(want_size, ps));
			} else if (reusable) {
				snprintf(what, sizeof(what), "%s freed_bytes (CMA pages released)", nn);
				EXPECT(what, g->freed.value, page_up(want_size, ps));
			} else {
				snprintf(what, sizeof(what), "%s held_bytes", nn);
				EXPECT(what, g->held.value, page_up(want_size, ps));
			}
		}
	}
out:
	free(dmesg);
	free(meminfo);
	free(cmdline);
	free(iomem);
	free(fdt);
	report_free(r);
}

int main(int argc, char **argv)
{
	char dir[4096], log[8192];
	struct dirent **list;
	int n, done = 0;

	if (argc < 2)
		return 2;
	snprintf(dir, sizeof(dir), "%s/tests/data/vm", argv[1]);
	n = scandir(dir, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.') {
			snprintf(log, sizeof(log), "%s/%s/sys/kernel/bootmem_fate/log", dir, list[i]->d_name);
			if (access(log, R_OK) == 0) {
				check_fixture(argv[1], list[i]->d_name);
				done++;
			} else
				printf("%s: no kernel log (stock capture), covered by test-stock\n", list[i]->d_name);
		}
		free(list[i]);
	}
	if (n > 0)
		free(list);
	printf("%d patched fixtures checked\n", done);
	return tap_done("test-fixtures");
}
