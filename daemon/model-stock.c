/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stock mode: what an unpatched kernel lets us know. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "model-priv.h"
#include "util.h"

/* ---- stock mode: what an unpatched kernel lets us know ------------------ */

static int stock_region(struct bootmem_report *r, const char *name, enum bm_kind kind,
			enum bm_src src, struct bm_region **out)
{
	ssize_t g = model_get_region(r, name, kind, src);

	if (g < 0)
		return (int)g;
	*out = &r->regions[g];
	(*out)->reserved = bm_unknown_fig;
	(*out)->held = bm_unknown_fig;
	(*out)->freed = bm_unknown_fig;
	(*out)->nomap = bm_unknown_fig;
	return 0;
}

static int stock_kernel(struct bootmem_report *r)
{
	static const struct {
		const char *iomem;
		enum bm_kind kind;
		const char *name;
	} sect[] = {
		{ "Kernel code", BM_KIND_KERNEL_TEXT, "kernel_text" },
		{ "Kernel rodata", BM_KIND_KERNEL_RODATA, "kernel_rodata" },
		{ "Kernel data", BM_KIND_KERNEL_DATA, "kernel_data" },
		{ "Kernel bss", BM_KIND_KERNEL_BSS, "kernel_bss" },
	};
	const struct dmesg_facts *d = r->in.has_dmesg ? &r->in.dmesg : NULL;
	const struct iomem *io = r->in.iomem && !r->in.iomem->zeroed ? r->in.iomem : NULL;
	struct bm_region *g = NULL;
	int rc;

	for (size_t i = 0; i < sizeof(sect) / sizeof(sect[0]); i++) {
		const struct iomem_entry *e = io ? iomem_find(io, sect[i].iomem) : NULL;
		uint64_t v = 0;
		enum bm_src src = BM_SRC_IOMEM;

		if (e)
			v = e->end - e->start + 1;
		else if (d && d->has_memory_line) {
			src = BM_SRC_DMESG;
			v = sect[i].kind == BM_KIND_KERNEL_TEXT ? d->mem_code :
			    sect[i].kind == BM_KIND_KERNEL_RODATA ? d->mem_rodata :
			    sect[i].kind == BM_KIND_KERNEL_DATA ? d->mem_rwdata : d->mem_bss;
		} else
			continue;
		rc = stock_region(r, sect[i].name, sect[i].kind, src, &g);
		if (rc < 0)
			return rc;
		g->reserved = bm_fig((int64_t)v, src);
		if (e) {
			rc = model_region_add_range(g, e->start, v);
			if (rc < 0)
				return rc;
		}
		/* The sections stay for the life of the kernel, unlike init. */
		g->held = bm_fig((int64_t)v, src);
		g->freed = bm_fig(0, src);
		g->fate = BM_FATE_HELD;
	}

	/* x86 frees the gaps between text, rodata and data: the image's own frees. */
	if (d && (dmesg_freed(d, "unused kernel image (text/rodata gap)") >= 0 ||
		  dmesg_freed(d, "unused kernel image (rodata/data gap)") >= 0)) {
		int64_t a = dmesg_freed(d, "unused kernel image (text/rodata gap)");
		int64_t b = dmesg_freed(d, "unused kernel image (rodata/data gap)");

		rc = stock_region(r, "kernel", BM_KIND_KERNEL, BM_SRC_DMESG, &g);
		if (rc < 0)
			return rc;
		g->freed = bm_fig((a > 0 ? a : 0) + (b > 0 ? b : 0), BM_SRC_DMESG);
		g->fate = BM_FATE_PARTIALLY_FREED;
	}

	if (d && (d->has_memory_line || dmesg_freed(d, "unused kernel") >= 0 ||
		  dmesg_freed(d, "unused kernel image (initmem)") >= 0)) {
		int64_t freed = dmesg_freed(d, "unused kernel image (initmem)");

		if (freed < 0)
			freed = dmesg_freed(d, "unused kernel");
		rc = stock_region(r, "kernel_init", BM_KIND_KERNEL_INIT, BM_SRC_DMESG, &g);
		if (rc < 0)
			return rc;
		if (d->has_memory_line)
			g->reserved = bm_fig((int64_t)d->mem_init, BM_SRC_DMESG);
		if (freed >= 0) {
			g->freed = bm_fig(freed, BM_SRC_DMESG);
			g->fate = BM_FATE_FREED;
		}
	}
	return 0;
}

static int stock_initrd(struct bootmem_report *r)
{
	const struct dmesg_facts *d = r->in.has_dmesg ? &r->in.dmesg : NULL;
	int64_t freed = d ? dmesg_freed(d, "initrd") : -1;
	struct bm_region *g = NULL;
	uint64_t base = 0, size = 0;
	enum bm_src src = BM_SRC_DERIVED;
	int rc;

	if (r->in.fdt && r->in.fdt->has_initrd) {
		base = r->in.fdt->initrd_start;
		size = r->in.fdt->initrd_end - r->in.fdt->initrd_start;
		src = BM_SRC_FDT;
	} else if (r->in.has_boot_params && r->in.boot_params.ramdisk_size) {
		base = r->in.boot_params.ramdisk_image;
		size = r->in.boot_params.ramdisk_size;
		src = BM_SRC_BOOT_PARAMS;
	} else if (d && d->has_ramdisk) {
		base = d->ramdisk_start;
		size = d->ramdisk_end - d->ramdisk_start + 1;
		src = BM_SRC_DMESG;
	}
	if (!size && freed < 0 && !(d && d->initrd_rejected) && !r->in.initrd_sysfs)
		return 0;
	rc = stock_region(r, "initrd", BM_KIND_INITRD, size ? src : BM_SRC_DMESG, &g);
	if (rc < 0)
		return rc;
	if (size) {
		g->reserved = bm_fig((int64_t)size, src);
		rc = model_region_add_range(g, base, size);
		if (rc < 0)
			return rc;
	}
	if (d && d->initrd_rejected) {
		g->fate = BM_FATE_REJECTED;
		g->reserved = bm_fig(0, BM_SRC_DMESG);
		g->held = bm_fig(0, BM_SRC_DMESG);
		g->freed = bm_fig(0, BM_SRC_DMESG);
		rc = model_region_set_reason(g, d->initrd_reject_reason);
		if (rc >= 0)
			rc = model_add_finding(r, "initrd_rejected", BM_WARNING, BM_SRC_DMESG, g->name,
					 "the kernel rejected the initrd: %s", d->initrd_reject_reason);
		return rc;
	}
	if (r->in.initrd_sysfs) {
		g->fate = BM_FATE_RETAINED;
		g->freed = bm_fig(0, BM_SRC_DERIVED);
		return model_region_set_reason(g, "retain_initrd (sys/firmware/initrd exists)");
	}
	if (freed >= 0) {
		g->freed = bm_fig(freed, BM_SRC_DMESG);
		g->fate = BM_FATE_FREED;
	}
	return 0;
}

static int stock_fdt(struct bootmem_report *r)
{
	const struct dt_info *fdt = r->in.fdt;
	const struct dmesg_facts *d = r->in.has_dmesg ? &r->in.dmesg : NULL;
	struct bm_region *g = NULL;
	char name[96];
	int rc;

	if (!fdt)
		return 0;
	rc = stock_region(r, "fdt", BM_KIND_FDT, BM_SRC_FDT, &g);
	if (rc < 0)
		return rc;
	g->reserved = bm_fig(fdt->totalsize, BM_SRC_FDT);

	for (size_t i = 0; i < fdt->n_memreserve; i++) {
		snprintf(name, sizeof(name), "memreserve@0x%" PRIx64, fdt->memreserve[i].base);
		rc = stock_region(r, name, BM_KIND_MEMRESERVE, BM_SRC_FDT, &g);
		if (rc < 0)
			return rc;
		g->reserved = bm_fig((int64_t)fdt->memreserve[i].size, BM_SRC_FDT);
		rc = model_region_add_range(g, fdt->memreserve[i].base, fdt->memreserve[i].size);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < fdt->n_rmem; i++) {
		const struct dt_rmem_node *n = &fdt->rmem[i];
		uint64_t size = 0;

		if (n->disabled)
			continue;
		rc = stock_region(r, n->name, BM_KIND_RESERVED_MEMORY, BM_SRC_FDT, &g);
		if (rc < 0)
			return rc;
		for (size_t k = 0; k < n->n_reg; k++) {
			size += n->reg[k].size;
			rc = model_region_add_range(g, n->reg[k].base, n->reg[k].size);
			if (rc < 0)
				return rc;
		}
		if (!n->n_reg && n->has_size)
			size = n->size;
		/* A dynamic node's placement is only in the boot messages. */
		for (size_t k = 0; d && k < d->n_rmem; k++)
			if (strcmp(d->rmem[k].name, n->name) == 0 && !n->n_reg) {
				rc = model_region_add_range(g, d->rmem[k].base, d->rmem[k].end - d->rmem[k].base + 1);
				if (rc < 0)
					return rc;
			}
		g->reserved = bm_fig((int64_t)size, BM_SRC_FDT);
		if (n->no_map)
			g->fate = BM_FATE_NOMAP;
		else if (n->reusable)
			g->fate = BM_FATE_REUSABLE;
		if (n->no_map)
			g->flags |= BMF_F_NOMAP;
		if (n->reusable)
			g->flags |= BMF_F_REUSABLE;
		if (!n->n_reg)
			g->flags |= BMF_F_DYNAMIC;
	}
	return 0;
}

int model_build_stock(struct bootmem_report *r)
{
	struct bm_reconciliation *rec = &r->rec;
	const struct dmesg_facts *d = r->in.has_dmesg ? &r->in.dmesg : NULL;
	int rc;

	/* RAM: the kernel's own view first (iomem), then firmware's, then the Memory: line. */
	if (r->in.iomem && !r->in.iomem->zeroed && iomem_sum_top(r->in.iomem, "System RAM"))
		rec->ram = bm_fig((int64_t)iomem_sum_top(r->in.iomem, "System RAM"), BM_SRC_IOMEM);
	else if (r->in.memmap && memmap_sum(r->in.memmap, "System RAM"))
		rec->ram = bm_fig((int64_t)memmap_sum(r->in.memmap, "System RAM"), BM_SRC_MEMMAP);
	else if (d && d->has_memory_line)
		rec->ram = bm_fig((int64_t)d->mem_physpages, BM_SRC_DMESG);
	else
		model_add_missing(r, "ram_bytes");

	if (r->in.has_meminfo)
		rec->memtotal = bm_fig((int64_t)r->in.meminfo.memtotal, BM_SRC_MEMINFO);
	else
		model_add_missing(r, "memtotal_bytes");
	if (rec->ram.known && rec->memtotal.known && rec->ram.value < rec->memtotal.value) {
		/* One of the two is wrong: no boot cost rather than a wrapped one. */
		rc = model_add_finding(r, "ram_below_memtotal", BM_WARNING, rec->ram.src, NULL,
				       "RAM from %s (%" PRId64 " bytes) is less than MemTotal (%" PRId64 " bytes)",
				       bm_src_name(rec->ram.src), rec->ram.value, rec->memtotal.value);
		if (rc < 0)
			return rc;
		model_add_missing(r, "gap_bytes");
	} else if (rec->ram.known && rec->memtotal.known)
		rec->gap = bm_fig(util_wsub(rec->ram.value, rec->memtotal.value), BM_SRC_DERIVED);
	else
		model_add_missing(r, "gap_bytes");

	model_add_missing(r, "memtotal_log_bytes");
	model_add_missing(r, "held_bytes");
	model_add_missing(r, "nomap_bytes");
	model_add_missing(r, "removed_bytes");
	model_add_missing(r, "unexplained_bytes");
	model_add_missing(r, "memtotal_consistent");
	model_add_missing(r, "region_held_bytes");
	model_add_missing(r, "events");

	rc = stock_kernel(r);
	if (rc >= 0)
		rc = stock_initrd(r);
	if (rc >= 0)
		rc = stock_fdt(r);
	if (rc < 0)
		return rc;
	if (!model_find_kind(r, BM_KIND_KERNEL_TEXT))
		model_add_missing(r, "kernel_sections");
	if (!model_find_kind(r, BM_KIND_INITRD))
		model_add_missing(r, "initrd");
	if (!r->in.fdt)
		model_add_missing(r, "fdt");
	return 0;
}

