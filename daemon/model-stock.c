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

#include "interval-set.h"
#include "model-priv.h"
#include "util.h"

/* ---- stock mode: what an unpatched kernel lets us know ------------------ */

/*
 * Every stock region follows the patched model's rule: held + freed + nomap
 * is what it reserved, rounded out to whole pages; a parent (the kernel
 * image) is the sum of its parts.  Each region says where its figures come
 * from (src) and whether they are read (exact) or estimated.
 */
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
	(*out)->footprint = bm_unknown_fig;
	return 0;
}

static uint64_t round_pages(uint64_t bytes, uint32_t ps)
{
	return bytes > UINT64_MAX - ps ? bytes : (bytes + ps - 1) / ps * ps;
}

/* Whole pages [base, base + size) touches, in bytes. */
static uint64_t pages_touched(uint64_t base, uint64_t size, uint32_t ps)
{
	uint64_t a, b;

	if (!size)
		return 0;
	if (base > UINT64_MAX - size)
		return round_pages(size, ps);
	pages_out(base, size, page_shift(ps), &a, &b);
	return (b - a) << page_shift(ps);
}

/* Sets a region's four figures from one source: held = reserved rounded out - freed - nomap. */
static void stock_figures(struct bm_region *g, enum bm_src src, uint64_t reserved, uint64_t rounded,
			  uint64_t freed, uint64_t nomap)
{
	uint64_t held = rounded > freed + nomap ? rounded - freed - nomap : 0;

	g->reserved = bm_fig((int64_t)reserved, src);
	g->held = bm_fig((int64_t)held, src);
	g->freed = bm_fig((int64_t)freed, src);
	g->nomap = bm_fig((int64_t)nomap, src);
	/* Stock mode sees no page two owners share, no removal and no firmware hole inside a region. */
	g->footprint = bm_fig((int64_t)(held + freed + nomap), src);
	g->not_ram = bm_fig(0, src);
	g->removed = bm_fig(0, src);
	g->shared = bm_fig(0, src);
	g->unowned = bm_fig(0, src);
	g->fate = nomap ? BM_FATE_NOMAP : !freed ? BM_FATE_HELD : held ? BM_FATE_PARTIALLY_FREED : BM_FATE_FREED;
}

static bool arch_is(const struct bootmem_report *r, const char *a)
{
	return strcmp(r->in.arch, a) == 0;
}

static bool arch_is_arm32(const struct bootmem_report *r)
{
	return strncmp(r->in.arch, "arm", 3) == 0 && !arch_is(r, "arm64");
}

static bool arch_is_x86(const struct bootmem_report *r)
{
	return arch_is(r, "x86_64") || (!r->in.arch[0] && r->in.has_boot_params);
}

/*
 * The page size a stock kernel used: the Memory: line's RAM over the
 * zonelist's page count, a power of two; 4 KiB when it did not print both.
 */
static uint32_t stock_page_size(const struct dmesg_facts *d)
{
	uint64_t q;
	uint32_t ps = 4096;

	if (!d || !d->has_memory_line || !d->total_pages || d->mem_physpages < d->total_pages)
		return ps;
	q = d->mem_physpages / d->total_pages;
	for (uint32_t p = 4096; p <= 65536; p <<= 1)
		if (q >= p - p / 4 && q <= p + p / 4)
			ps = p;
	return ps;
}

static int64_t freed_or_zero(const struct dmesg_facts *d, const char *label)
{
	int64_t v = d ? dmesg_freed(d, label) : -1;

	return v > 0 ? v : 0;
}

/*
 * The kernel image: its sections from iomem (x86 names all four) or the
 * Memory: line, init freed as dmesg says, and kernel_rest for what lies
 * between them (x86's text/rodata and rodata/data gaps, SMP alternatives,
 * the unused decrypted bss, section alignment), whose frees dmesg also prints.  The span of the
 * image comes from iomem where its start is the reservation's start.
 */
static int stock_kernel(struct bootmem_report *r, uint32_t ps)
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
	const struct iomem_entry *e[4] = { 0 };
	struct bm_region *g = NULL, *parts[6] = { 0 };
	uint64_t span = 0, span_start = 0, sum_rounded = 0, rest_freed;
	bool from_iomem, span_estimated = false;
	int64_t init_freed;
	size_t np = 0;
	int rc;

	for (size_t i = 0; io && i < 4; i++)
		e[i] = iomem_find(io, sect[i].iomem);
	/* Only x86 prints the four sections apart; elsewhere "Kernel code" spans rodata too. */
	from_iomem = e[0] && e[1] && e[2] && e[3];
	if (!from_iomem && !(d && d->has_memory_line))
		return 0;

	for (size_t i = 0; i < 4; i++) {
		uint64_t v, rounded;
		enum bm_src src = from_iomem ? BM_SRC_IOMEM : BM_SRC_DMESG;

		if (from_iomem) {
			v = e[i]->end - e[i]->start + 1;
			rounded = pages_touched(e[i]->start, v, ps);
		} else {
			v = i == 0 ? d->mem_code : i == 1 ? d->mem_rodata : i == 2 ? d->mem_rwdata : d->mem_bss;
			rounded = round_pages(v, ps);
		}
		rc = stock_region(r, sect[i].name, sect[i].kind, src, &g);
		if (rc < 0)
			return rc;
		/* The sections stay for the life of the kernel, unlike init. */
		stock_figures(g, src, v, rounded, 0, 0);
		if (from_iomem) {
			rc = model_region_add_range(g, e[i]->start, v);
			if (rc < 0)
				return rc;
		}
		sum_rounded += rounded;
		parts[np++] = g;
	}

	init_freed = d ? dmesg_freed(d, "unused kernel image (initmem)") : -1;
	if (init_freed < 0 && d)
		init_freed = dmesg_freed(d, "unused kernel");
	if (d && (d->has_memory_line || init_freed >= 0)) {
		uint64_t v = d->has_memory_line ? d->mem_init : (uint64_t)init_freed;
		uint64_t rounded = round_pages(v, ps);

		rc = stock_region(r, "kernel_init", BM_KIND_KERNEL_INIT, BM_SRC_DMESG, &g);
		if (rc < 0)
			return rc;
		/* Init is page-aligned; what the kernel freed is what it had. */
		if (init_freed > (int64_t)rounded)
			rounded = (uint64_t)init_freed;
		stock_figures(g, BM_SRC_DMESG, v, rounded, init_freed > 0 ? (uint64_t)init_freed : 0, 0);
		if (init_freed < 0)
			g->freed = bm_unknown_fig;
		sum_rounded += rounded;
		parts[np++] = g;
	}

	/* The span the image reserved: [start, end of data or bss]. */
	if (io) {
		const struct iomem_entry *c = iomem_find(io, "Kernel code");
		uint64_t end = 0;

		for (size_t i = 0; i < io->n; i++)
			if (!strncmp(io->e[i].name, "Kernel ", 7) && io->e[i].end + 1 > end)
				end = io->e[i].end + 1;
		if (c && end > c->start) {
			span_start = c->start;
			/*
			 * arm reserves from _stext, which follows the head at the
			 * next section boundary (2 MiB with LPAE, else 1 MiB).
			 */
			if (arch_is_arm32(r) && d && d->has_memory_line) {
				uint64_t need = d->mem_code + d->mem_rodata + d->mem_init;
				uint64_t a2 = (c->start + (2u << 20) - 1) & ~(uint64_t)((2u << 20) - 1);
				uint64_t a1 = (c->start + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);

				span_start = a2 < end && end - a2 >= need ? a2 : a1;
				span_estimated = true;
			}
			if (end > span_start)
				span = pages_touched(span_start, end - span_start, ps);
		}
	}

	rest_freed = (uint64_t)freed_or_zero(d, "unused kernel image (text/rodata gap)") +
		     (uint64_t)freed_or_zero(d, "unused kernel image (rodata/data gap)") +
		     (uint64_t)freed_or_zero(d, "SMP alternatives") +
		     /* x86 with AMD SME (Debian's kernel): the unused part of .bss..decrypted. */
		     (uint64_t)freed_or_zero(d, "unused decrypted");
	if (span > sum_rounded || rest_freed) {
		uint64_t rest = span > sum_rounded ? span - sum_rounded : 0;

		if (rest < rest_freed)
			rest = rest_freed;
		rc = stock_region(r, "kernel_rest", BM_KIND_KERNEL_REST, span ? BM_SRC_IOMEM : BM_SRC_DMESG, &g);
		if (rc < 0)
			return rc;
		stock_figures(g, span ? BM_SRC_IOMEM : BM_SRC_DMESG, rest, rest, rest_freed, 0);
		g->estimate = span_estimated;
		parts[np++] = g;
	}

	/* The image is the sum of its parts, in every output. */
	{
		int64_t res = 0, held = 0, freed = 0, fp = 0;

		rc = stock_region(r, "kernel", BM_KIND_KERNEL, from_iomem ? BM_SRC_IOMEM : BM_SRC_DMESG, &g);
		if (rc < 0)
			return rc;
		for (size_t i = 0; i < np; i++) {
			res += parts[i]->reserved.value;
			held += parts[i]->held.known ? parts[i]->held.value : 0;
			freed += parts[i]->freed.known ? parts[i]->freed.value : 0;
			fp += parts[i]->footprint.known ? parts[i]->footprint.value : 0;
			g->estimate |= parts[i]->estimate;
			parts[i]->parent = "kernel";
		}
		g->reserved = bm_fig(res, BM_SRC_DERIVED);
		g->held = bm_fig(held, BM_SRC_DERIVED);
		g->freed = bm_fig(freed, BM_SRC_DERIVED);
		g->nomap = bm_fig(0, BM_SRC_DERIVED);
		g->footprint = bm_fig(fp, BM_SRC_DERIVED);
		g->not_ram = bm_fig(0, BM_SRC_DERIVED);
		g->removed = bm_fig(0, BM_SRC_DERIVED);
		g->shared = bm_fig(0, BM_SRC_DERIVED);
		g->unowned = bm_fig(0, BM_SRC_DERIVED);
		g->is_parent = true;
		g->fate = !freed ? BM_FATE_HELD : held ? BM_FATE_PARTIALLY_FREED : BM_FATE_FREED;
		if (span_start && span) {
			rc = model_region_add_range(g, span_start, span);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static int stock_initrd(struct bootmem_report *r, uint32_t ps)
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
		g->nomap = bm_fig(0, BM_SRC_DMESG);
		rc = model_region_set_reason(g, d->initrd_reject_reason);
		if (rc >= 0)
			rc = model_add_finding(r, "initrd_rejected", BM_WARNING, BM_SRC_DMESG, g->name,
					 "the kernel rejected the initrd: %s", d->initrd_reject_reason);
		return rc;
	}
	if (r->in.initrd_sysfs) {
		if (size)
			stock_figures(g, src, size, pages_touched(base, size, ps), 0, 0);
		g->fate = BM_FATE_RETAINED;
		g->freed = bm_fig(0, BM_SRC_DERIVED);
		return model_region_set_reason(g, "retain_initrd (sys/firmware/initrd exists)");
	}
	if (freed >= 0) {
		/* The kernel frees the pages wholly inside; a page it shares stays held. */
		if (size)
			stock_figures(g, src, size, pages_touched(base, size, ps), (uint64_t)freed, 0);
		g->freed = bm_fig(freed, BM_SRC_DMESG);
		g->fate = g->held.known && g->held.value ? BM_FATE_PARTIALLY_FREED : BM_FATE_FREED;
		if (!size) {
			g->reserved = bm_fig(freed, BM_SRC_DMESG);
			g->held = bm_fig(0, BM_SRC_DMESG);
			g->nomap = bm_fig(0, BM_SRC_DMESG);
		}
	} else if (size)
		stock_figures(g, src, size, pages_touched(base, size, ps), 0, 0);
	return 0;
}

/* A dynamic node's size is in its "size" property, or only in the boot messages. */
static uint64_t rmem_size(const struct dt_rmem_node *n, const struct dmesg_facts *d, uint64_t size)
{
	for (size_t k = 0; !size && d && k < d->n_rmem; k++)
		if (strcmp(d->rmem[k].name, n->name) == 0)
			size = d->rmem[k].end >= d->rmem[k].base ? d->rmem[k].end - d->rmem[k].base + 1 : 0;
	return size;
}

static int stock_fdt(struct bootmem_report *r, uint32_t ps)
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
	/* The kernel keeps the blob it booted with reserved (it unflattens a copy). */
	stock_figures(g, BM_SRC_FDT, fdt->totalsize, round_pages(fdt->totalsize, ps), 0, 0);

	for (size_t i = 0; i < fdt->n_memreserve; i++) {
		/* Named as in patched mode: in the order the kernel reserves them (the blob's), not by address. */
		snprintf(name, sizeof(name), "memreserve_%zu", i);
		rc = stock_region(r, name, BM_KIND_MEMRESERVE, BM_SRC_FDT, &g);
		if (rc < 0)
			return rc;
		stock_figures(g, BM_SRC_FDT, fdt->memreserve[i].size,
			      pages_touched(fdt->memreserve[i].base, fdt->memreserve[i].size, ps), 0, 0);
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
		size = rmem_size(n, d, size);
		/* no-map is out of the linear map; reusable (CMA) goes back to the page allocator. */
		stock_figures(g, BM_SRC_FDT, size, round_pages(size, ps), n->reusable ? round_pages(size, ps) : 0,
			      n->no_map ? round_pages(size, ps) : 0);
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

/* Without an FDT to read, the "OF: reserved mem:" lines name the carve-outs. */
static int stock_rmem_dmesg(struct bootmem_report *r, uint32_t ps)
{
	const struct dmesg_facts *d = &r->in.dmesg;
	struct bm_region *g = NULL;
	int rc;

	for (size_t i = 0; i < d->n_rmem; i++) {
		const struct dmesg_rmem *m = &d->rmem[i];
		uint64_t size = m->end >= m->base ? m->end - m->base + 1 : 0, rounded;

		if (!size || model_find_region(r, m->name))
			continue;
		rc = stock_region(r, m->name, BM_KIND_RESERVED_MEMORY, BM_SRC_DMESG, &g);
		if (rc < 0)
			return rc;
		rounded = pages_touched(m->base, size, ps);
		stock_figures(g, BM_SRC_DMESG, size, rounded, m->reusable ? rounded : 0, m->nomap ? rounded : 0);
		if (m->reusable)
			g->fate = BM_FATE_REUSABLE;
		g->flags |= (m->nomap ? BMF_F_NOMAP : 0) | (m->reusable ? BMF_F_REUSABLE : 0);
		rc = model_region_add_range(g, m->base, size);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * Hash tables: only the ones made before the page allocator are boot
 * reservations (HASH_EARLY: the dentry and inode caches, unless hashdist
 * puts them in vmalloc space).  The others come out of MemTotal like any
 * allocation: listed, never counted in the boot cost.
 */
bool model_stock_hash_is_early(const struct dmesg_hash *h)
{
	return !h->vmalloc && (!strcmp(h->name, "Dentry cache") || !strcmp(h->name, "Inode-cache"));
}

static int stock_hashes(struct bootmem_report *r, uint32_t ps)
{
	const struct dmesg_facts *d = &r->in.dmesg;
	struct bm_region *g = NULL;
	int rc;

	for (size_t i = 0; i < d->n_hashes; i++) {
		if (!model_stock_hash_is_early(&d->hashes[i]) || model_find_region(r, d->hashes[i].name))
			continue;
		rc = stock_region(r, d->hashes[i].name, BM_KIND_HASH, BM_SRC_DMESG, &g);
		if (rc < 0)
			return rc;
		stock_figures(g, BM_SRC_DMESG, d->hashes[i].bytes, round_pages(d->hashes[i].bytes, ps), 0, 0);
	}
	return 0;
}

/*
 * The first percpu chunk: a unit per possible CPU, of which the kernel keeps
 * "Embedded N pages/cpu" and frees the rest; a UP kernel keeps one whole
 * unit.  Its small metadata allocations are not printed: an estimate.
 */
static int stock_percpu(struct bootmem_report *r, uint32_t ps)
{
	const struct dmesg_facts *d = &r->in.dmesg;
	unsigned units = d->pcpu_units ? d->pcpu_units : d->nr_cpu_ids ? d->nr_cpu_ids : 1;
	struct bm_region *g = NULL;
	uint64_t per, total;
	int rc;

	if (d->pcpu_embedded_pages)
		per = d->pcpu_embedded_pages * ps;
	else if (d->pcpu_unit_size)
		per = round_pages(d->pcpu_unit_size, ps);
	else
		return 0;
	if (__builtin_mul_overflow(per, (uint64_t)units, &total))
		return 0;
	rc = stock_region(r, "percpu", BM_KIND_PERCPU, BM_SRC_DMESG, &g);
	if (rc < 0)
		return rc;
	stock_figures(g, BM_SRC_DMESG, total, total, 0, 0);
	g->estimate = true;
	return 0;
}

/* swiotlb, crashkernel and cma= areas: printed with their place and size. */
static int stock_resv(struct bootmem_report *r, uint32_t ps)
{
	const struct dmesg_facts *d = &r->in.dmesg;
	struct bm_region *g = NULL;
	int rc;

	for (size_t i = 0; i < d->n_resv; i++) {
		const struct dmesg_resv *v = &d->resv[i];
		bool cma = !strcmp(v->name, "cma");
		enum bm_kind kind = cma ? BM_KIND_CMA : !strcmp(v->name, "swiotlb") ? BM_KIND_SWIOTLB :
				    BM_KIND_CRASHKERNEL;
		uint64_t rounded = pages_touched(v->base, v->size, ps);

		if (model_find_region(r, v->name))
			continue;
		rc = stock_region(r, v->name, kind, BM_SRC_DMESG, &g);
		if (rc < 0)
			return rc;
		/* CMA pages go to the page allocator (MIGRATE_CMA) and count in MemTotal. */
		stock_figures(g, BM_SRC_DMESG, v->size, rounded, cma ? rounded : 0, 0);
		if (cma) {
			g->fate = BM_FATE_REUSABLE;
			g->flags |= BMF_F_REUSABLE;
		}
		rc = model_region_add_range(g, v->base, v->size);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* KFENCE: the pool it prints, and its metadata (about 1152 bytes an object, 384 on 32-bit): an estimate. */
static int stock_kfence(struct bootmem_report *r, uint32_t ps)
{
	const struct dmesg_facts *d = &r->in.dmesg;
	struct bm_region *g = NULL;
	uint64_t meta, total;
	int rc;

	if (!d->kfence_bytes)
		return 0;
	meta = round_pages(d->kfence_objects * (arch_is_arm32(r) ? 384 : 1152), ps);
	total = round_pages(d->kfence_bytes, ps) + meta;
	rc = stock_region(r, "kfence", BM_KIND_KFENCE, BM_SRC_DMESG, &g);
	if (rc < 0)
		return rc;
	stock_figures(g, BM_SRC_DMESG, total, total, 0, 0);
	g->estimate = true;
	return 0;
}

/* "log_buf_len=N[KMG]" on @cmdline, in bytes, or 0. */
static uint64_t cmdline_log_buf_len(const char *cmdline)
{
	uint64_t v = 0;

	for (const char *p = cmdline; p && (p = strstr(p, "log_buf_len=")); p++) {
		const char *q = p + 12;

		if (p != cmdline && p[-1] != ' ')
			continue;
		if (!util_parse_u64(&q, 10, &v) || v > (1ull << 40))
			return 0;
		v <<= *q == 'K' || *q == 'k' ? 10 : *q == 'M' || *q == 'm' ? 20 : *q == 'G' || *q == 'g' ? 30 : 0;
	}
	return v;
}

/*
 * printk's buffer, when log_buf_len= asks for more than the static one: the
 * text (a power of two) plus a descriptor and an info record per 32 bytes
 * of it (24 + 88 bytes on 64-bit, 12 + 88 on 32-bit).  An estimate: the
 * static buffer's size (CONFIG_LOG_BUF_SHIFT) is not printed, so requests
 * under 1 MiB are left out.
 */
static int stock_log_buf(struct bootmem_report *r, uint32_t ps)
{
	const char *cmdline = r->in.cmdline ? r->in.cmdline : r->in.has_dmesg ? r->in.dmesg.cmdline : NULL;
	uint64_t len = cmdline_log_buf_len(cmdline), text = 1, total;
	struct bm_region *g = NULL;
	int rc;

	if (len < (1u << 20))
		return 0;
	while (text < len)
		text <<= 1;
	total = text + (text / 32) * (arch_is_arm32(r) ? 100 : 112);
	rc = stock_region(r, "log_buf", BM_KIND_OWNER, r->in.cmdline ? BM_SRC_CMDLINE : BM_SRC_DMESG, &g);
	if (rc < 0)
		return rc;
	stock_figures(g, g->src, total, round_pages(total, ps), 0, 0);
	g->estimate = true;
	return 0;
}

/* Top-level RAM ranges, from iomem or the firmware's memmap; calls @fn for each. */
static void for_each_ram(const struct bootmem_report *r, void (*fn)(uint64_t start, uint64_t end, void *arg),
			 void *arg)
{
	const struct iomem *io = r->in.iomem && !r->in.iomem->zeroed ? r->in.iomem : NULL;

	if (io) {
		for (size_t i = 0; i < io->n; i++)
			if (io->e[i].depth == 0 && !strcmp(io->e[i].name, "System RAM"))
				fn(io->e[i].start, io->e[i].end + 1, arg);
	} else if (r->in.memmap)
		for (size_t i = 0; i < r->in.memmap->n; i++)
			if (!strcmp(r->in.memmap->e[i].type, "System RAM"))
				fn(r->in.memmap->e[i].start, r->in.memmap->e[i].end + 1, arg);
}

struct ram_walk {
	uint32_t ps;
	uint64_t low;		/* whole RAM pages below 1 MiB */
	uint64_t pages;		/* whole RAM pages */
	uint64_t first, last;	/* lowest and highest RAM address */
	uint64_t sect[64];	/* 128 MiB sections with RAM, as a small set */
	size_t n_sect;
	bool sect_full;
};

/* The 128 MiB sections [start, end) touches, into the walk's small set. */
static void walk_sections(struct ram_walk *w, uint64_t start, uint64_t end)
{
	for (uint64_t s = start >> 27; s <= (end - 1) >> 27 && !w->sect_full; s++) {
		bool seen = false;

		for (size_t i = 0; i < w->n_sect; i++)
			seen |= w->sect[i] == s;
		if (seen)
			continue;
		if (w->n_sect == sizeof(w->sect) / sizeof(w->sect[0]))
			w->sect_full = true;
		else
			w->sect[w->n_sect++] = s;
	}
}

static void ram_walk_fn(uint64_t start, uint64_t end, void *arg)
{
	struct ram_walk *w = arg;
	unsigned sh = page_shift(w->ps);
	uint64_t a, b;

	if (end <= start)
		return;
	pages_in(start, end - start, sh, &a, &b);
	w->pages += b - a;
	if (start < (1u << 20)) {
		uint64_t e = end < (1u << 20) ? end : (1u << 20);

		pages_in(start, e - start, sh, &a, &b);
		w->low += (b - a) << sh;
	}
	if (!w->first || start < w->first)
		w->first = start;
	if (end > w->last)
		w->last = end;
	walk_sections(w, start, end);
}

/*
 * The sections memblock memory spans beyond RAM: memblock's own list where
 * debugfs shows it; else, on arm64, the no-map memory (firmware's, the
 * kernel's carve-outs) that iomem lists as top-level "reserved": not RAM,
 * but its sections get a memmap all the same.
 */
static void walk_memory_sections(const struct bootmem_report *r, struct ram_walk *w)
{
	const struct iomem *io = r->in.iomem;
	const struct memblock_set *mem = r->in.memblock_memory;

	/* memblock's own list of memory, where debugfs shows it, is the very set sparse_init() walks. */
	if (mem && mem->n) {
		w->n_sect = 0;
		w->sect_full = false;
		for (size_t i = 0; i < mem->n; i++)
			walk_sections(w, mem->r[i].base, span_end(mem->r[i].base, mem->r[i].size));
		return;
	}
	if (!io || io->zeroed || !arch_is(r, "aarch64"))
		return;
	for (size_t i = 0; i < io->n; i++)
		if (io->e[i].depth == 0 && !strcmp(io->e[i].name, "reserved") && io->e[i].end < UINT64_MAX &&
		    io->e[i].end >= io->e[i].start)
			walk_sections(w, io->e[i].start, io->e[i].end + 1);
}

/*
 * x86 reserves the whole first MiB (setup_arch(), since 5.13: BIOS data,
 * the real-mode trampoline), so every RAM page below 1 MiB is held.
 */
static int stock_low_mib(struct bootmem_report *r, const struct ram_walk *w)
{
	struct bm_region *g = NULL;
	int rc;

	if (!arch_is_x86(r) || !w->low)
		return 0;
	rc = stock_region(r, "first_mib", BM_KIND_FIRMWARE, r->in.iomem ? BM_SRC_IOMEM : BM_SRC_MEMMAP, &g);
	if (rc < 0)
		return rc;
	stock_figures(g, g->src, w->low, w->low, 0, 0);
	return model_region_add_range(g, 0, 1u << 20);
}

/* Bytes of [s, e) that no span of @v (normalised) covers. */
static uint64_t spans_uncovered(const struct spans *v, uint64_t s, uint64_t e)
{
	uint64_t covered = 0;

	for (size_t i = 0; i < v->n && v->a[i].s < e; i++) {
		uint64_t a = v->a[i].s > s ? v->a[i].s : s, b = v->a[i].e < e ? v->a[i].e : e;

		if (b > a)
			covered += b - a;
	}
	return e - s - covered;
}

/* Whether @cmdline's efi= list (the last one given) holds "debug". */
static bool cmdline_efi_debug(const char *cmdline)
{
	bool on = false;

	for (const char *p = cmdline; p && (p = strstr(p, "efi=")); p++) {
		const char *q = p + 4, *end;

		if (p != cmdline && p[-1] != ' ')
			continue;
		end = q + strcspn(q, " ");
		on = false;
		while (q < end) {
			size_t n = strcspn(q, ", ");

			if (n == 5 && !strncmp(q, "debug", 5))
				on = true;
			q += n + (q[n] == ',');
		}
	}
	return on;
}

/*
 * x86 EFI boot services code and data, as efi=debug prints the memory map.
 * efi_reserve_boot_services() reserved each range nobody had reserved yet;
 * with efi=debug the kernel keeps them all (for /sys/kernel/debug/efi),
 * else it frees them at arch_initcall and says "Freeing EFI boot services
 * memory".  Below 1 MiB they are the first MiB's, and a range another item
 * holds (the image, the initrd) is that item's.  Exact: the map is printed.
 */
static int stock_efi_boot(struct bootmem_report *r, uint32_t ps)
{
	const struct dmesg_facts *d = &r->in.dmesg;
	const char *cmdline = r->in.cmdline ? r->in.cmdline : d->cmdline;
	int64_t freed = dmesg_freed(d, "EFI boot services");
	struct spans items = { 0 };
	struct bm_region *g = NULL;
	uint64_t held = 0;
	int rc;

	if (!arch_is_x86(r) || (freed < 0 && (!d->n_efi_boot || !cmdline_efi_debug(cmdline))))
		return 0;
	rc = stock_region(r, "EFI boot services", BM_KIND_FIRMWARE, BM_SRC_DMESG, &g);
	if (rc < 0)
		return rc;
	if (freed >= 0) {
		stock_figures(g, BM_SRC_DMESG, (uint64_t)freed, round_pages((uint64_t)freed, ps), (uint64_t)freed, 0);
		return 0;
	}
	for (size_t i = 0; i < r->n_regions; i++)
		for (size_t k = 0; k < r->regions[i].n_ranges; k++)
			spans_add(&items, r->regions[i].ranges[k].base,
				  span_end(r->regions[i].ranges[k].base, r->regions[i].ranges[k].size));
	spans_normalize(&items);
	if (items.oom) {
		spans_free(&items);
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->n_efi_boot && rc >= 0; i++) {
		const struct dmesg_efi_boot *m = &d->efi_boot[i];
		uint64_t a = m->base > (1u << 20) ? m->base : 1u << 20, b = span_end(m->base, m->size);

		if (m->not_freeable || b <= a || spans_uncovered(&items, a, b) != b - a)
			continue;
		held += b - a;
		rc = model_region_add_range(g, a, b - a);
	}
	spans_free(&items);
	stock_figures(g, BM_SRC_DMESG, held, round_pages(held, ps), 0, 0);
	return rc;
}

/* The value of the last @key (e.g. "rodata=") on @cmdline, into @buf; NULL when absent. */
static const char *cmdline_value(const char *cmdline, const char *key, char *buf, size_t n)
{
	const char *found = NULL;
	size_t kl = strlen(key);

	for (const char *p = cmdline; p && (p = strstr(p, key)); p++) {
		if (p != cmdline && p[-1] != ' ')
			continue;
		snprintf(buf, n, "%.*s", (int)strcspn(p + kl, " \n"), p + kl);
		found = buf;
	}
	return found;
}

/*
 * Whether arm64 maps RAM page by page (can_set_direct_map()): rodata=full,
 * the default with CONFIG_RODATA_FULL_DEFAULT_ENABLED, or debug_pagealloc.
 * Unknown without the command line's word or the kernel's config.
 */
static enum kconfig_tristate arm64_linear_map_pages(const struct bootmem_report *r, const char *cmdline,
						    enum bm_src *src)
{
	const struct kconfig_facts *k = r->in.has_kconfig ? &r->in.kconfig : NULL;
	char v[16];

	*src = BM_SRC_CMDLINE;
	if (cmdline_value(cmdline, "debug_pagealloc=", v, sizeof(v)) && !strcmp(v, "on"))
		return KCONFIG_YES;
	if (!cmdline_value(cmdline, "debug_pagealloc=", v, sizeof(v)) && k &&
	    k->debug_pagealloc_default == KCONFIG_YES) {
		*src = BM_SRC_KCONFIG;
		return KCONFIG_YES;
	}
	if (cmdline_value(cmdline, "rodata=", v, sizeof(v)))
		return !strcmp(v, "full") ? KCONFIG_YES : KCONFIG_NO;
	*src = BM_SRC_KCONFIG;
	return k ? k->rodata_full_default : KCONFIG_UNKNOWN;
}

struct pgtable_walk {
	uint32_t ps;
	uint64_t span[2];	/* what a PTE table and a PMD table map */
	uint64_t last[2];	/* the last block counted at each level, + 1 */
	uint64_t tables[2];
};

static void pgtable_fn(uint64_t start, uint64_t end, void *arg)
{
	struct pgtable_walk *w = arg;

	if (end <= start)
		return;
	for (int l = 0; l < 2; l++) {
		uint64_t a = start / w->span[l], b = (end - 1) / w->span[l] + 1;

		/* Ranges come sorted: a block the previous range touched is counted once. */
		if (a < w->last[l])
			a = w->last[l];
		if (b > a)
			w->tables[l] += b - a;
		if (b > w->last[l])
			w->last[l] = b;
	}
}

/*
 * arm64's linear map, when it is made of pages: a PTE table for every
 * block of RAM one maps, a PMD table for every block of those, each a page.
 * The kernel prints none of it; an estimate from the RAM ranges.  With
 * block mappings the tables are a few pages, left in the residual.
 */
static int stock_pgtable(struct bootmem_report *r, uint32_t ps)
{
	const char *cmdline = r->in.cmdline ? r->in.cmdline : r->in.has_dmesg ? r->in.dmesg.cmdline : NULL;
	struct pgtable_walk w = { .ps = ps };
	struct bm_region *g = NULL;
	enum bm_src src;
	uint64_t bytes;
	int rc;

	if (!arch_is(r, "aarch64") || arm64_linear_map_pages(r, cmdline, &src) != KCONFIG_YES)
		return 0;
	/* The command line as the kernel's messages gave it, when proc/cmdline was not read. */
	if (src == BM_SRC_CMDLINE && !r->in.cmdline)
		src = BM_SRC_DMESG;
	w.span[0] = (uint64_t)ps * (ps / 8);
	w.span[1] = w.span[0] * (ps / 8);
	for_each_ram(r, pgtable_fn, &w);
	bytes = (w.tables[0] + w.tables[1]) * ps;
	if (!bytes)
		return 0;
	rc = stock_region(r, "pgtable", BM_KIND_PGTABLE, src, &g);
	if (rc < 0)
		return rc;
	stock_figures(g, g->src, bytes, bytes, 0, 0);
	g->estimate = true;
	return 0;
}

/*
 * The struct page array: 64 bytes per page on 64-bit kernels, allocated a
 * 128 MiB section at a time (SPARSEMEM_VMEMMAP); 32 bytes a page over the
 * RAM span on 32-bit arm (FLATMEM).  An estimate, labelled as one.
 */
static int stock_memmap(struct bootmem_report *r, const struct ram_walk *w)
{
	struct bm_region *g = NULL;
	uint64_t bytes;
	int rc;

	if (!w->pages)
		return 0;
	if (arch_is_arm32(r))
		bytes = ((w->last - w->first) >> page_shift(w->ps)) * 32;
	else if (!w->sect_full)
		bytes = (uint64_t)w->n_sect * ((128ull << 20) >> page_shift(w->ps)) * 64;
	else
		bytes = w->pages * 64;
	rc = stock_region(r, "memmap", BM_KIND_MEMMAP, BM_SRC_DERIVED, &g);
	if (rc < 0)
		return rc;
	stock_figures(g, BM_SRC_DERIVED, bytes, round_pages(bytes, w->ps), 0, 0);
	g->estimate = true;
	return 0;
}

/*
 * memblock=debug: the callers' reservations, allocations and frees.  A
 * caller whose memory another item already counts (from its own line or
 * an estimate) is folded into it, never counted twice:
 *  - a reserve or free whose range an item's ranges cover is that item's;
 *  - a class of callers (percpu, the hash tables, swiotlb, ...) belongs to
 *    its item: an estimate becomes the exact sum, an exact item keeps its
 *    figure and only what the class holds beyond it is listed, under the
 *    caller's name;
 *  - any other caller is an item of its own, exact, named as in the log.
 * A free is subtracted from the caller whose reserved range holds it, or
 * from its own caller; memblock_free_late (after the page allocator took
 * over) shows as freed, an earlier free only lowers what was reserved.
 */
static const struct mb_class {
	const char *prefix;	/* of the caller's symbol; exact when it ends in '$' */
	const char *region;	/* the item it belongs to, or NULL: the kind's dynamic items */
	enum bm_kind kind;
} mb_classes[] = {
	{ "pcpu_", "percpu", BM_KIND_PERCPU },
	{ "alloc_large_system_hash$", NULL, BM_KIND_HASH },
	{ "swiotlb_", "swiotlb", BM_KIND_SWIOTLB },
	{ "kfence_", "kfence", BM_KIND_KFENCE },
	{ "paging_init$", "kfence", BM_KIND_KFENCE },	/* arm64: arm64_kfence_alloc_pool() inlined */
	{ "setup_log_buf$", "log_buf", BM_KIND_OWNER },
	{ "memmap_alloc$", "memmap", BM_KIND_MEMMAP },
	{ "vmemmap_", "memmap", BM_KIND_MEMMAP },
	{ "__earlyonly_bootmem_alloc$", "memmap", BM_KIND_MEMMAP },
	{ "sparse_", "memmap", BM_KIND_MEMMAP },
	{ "alloc_node_mem_map", "memmap", BM_KIND_MEMMAP },
	{ "early_pgtable_alloc$", "pgtable", BM_KIND_PGTABLE },
	{ "reserve_crashkernel", "crashkernel", BM_KIND_CRASHKERNEL },
	{ "cma_", "cma", BM_KIND_CMA },
	{ "reserve_real_mode$", "first_mib", BM_KIND_FIRMWARE },
	{ "early_init_dt_alloc_reserved_memory_arch$", NULL, BM_KIND_RESERVED_MEMORY },
};
#define N_MB_CLASSES (sizeof(mb_classes) / sizeof(mb_classes[0]))

static int mb_class_of(const char *sym)
{
	for (size_t i = 0; i < N_MB_CLASSES; i++) {
		size_t n = strlen(mb_classes[i].prefix);

		if (mb_classes[i].prefix[n - 1] == '$' ? strlen(sym) == n - 1 && !strncmp(sym, mb_classes[i].prefix, n - 1) :
		    !strncmp(sym, mb_classes[i].prefix, n))
			return (int)i;
	}
	return -1;
}

/* What the items of a class count already: their footprint. */
static uint64_t mb_class_counted(const struct bootmem_report *r, const struct mb_class *c)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < r->n_regions; i++) {
		const struct bm_region *g = &r->regions[i];

		if (c->region ? strcmp(g->name, c->region) != 0 :
		    g->kind != c->kind || (c->kind == BM_KIND_RESERVED_MEMORY && !(g->flags & BMF_F_DYNAMIC)))
			continue;
		if (g->footprint.known && g->footprint.value > 0)
			sum += (uint64_t)g->footprint.value;
	}
	return sum;
}

static struct bm_region *mb_find(struct bootmem_report *r, const char *name)
{
	for (size_t i = 0; name && i < r->n_regions; i++)
		if (!strcmp(r->regions[i].name, name))
			return &r->regions[i];
	return NULL;
}

struct mb_net {
	uint64_t add;		/* allocated + reserved outside other items */
	uint64_t sub;		/* freed back to memblock before the page allocator */
	uint64_t late;		/* freed with memblock_free_late */
};

static void mb_net_sub(struct mb_net *n, const struct dmesg_mb_range *m)
{
	if (m->op == DMESG_MB_FREE_LATE)
		n->late = util_sat_add(n->late, m->size);
	else
		n->sub = util_sat_add(n->sub, m->size);
}

static void mb_net_add(struct mb_net *dst, const struct mb_net *n)
{
	dst->add = util_sat_add(dst->add, n->add);
	dst->sub = util_sat_add(dst->sub, n->sub);
	dst->late = util_sat_add(dst->late, n->late);
}

/*
 * Sets @g from a net: reserved what is left, freed what went to the page
 * allocator late.  An allocation line has no address: less than a page is
 * taken to share its page with its neighbours (as the log shows such
 * callers), so it is shared, not held.
 */
static void mb_figures(struct bm_region *g, const struct mb_net *n, uint32_t ps)
{
	/* Bounded far below what the signed sums of every region can carry, for a hostile log. */
	uint64_t res = n->add > n->sub ? n->add - n->sub : 0;
	uint64_t rounded, late;

	res = res < (1ull << 56) ? res : 1ull << 56;
	rounded = round_pages(res, ps);
	late = round_pages(n->late < res ? n->late : res, ps);

	stock_figures(g, BM_SRC_DMESG, res, rounded, late < rounded ? late : rounded, 0);
	if (res < ps && !late) {
		g->held = bm_fig(0, BM_SRC_DMESG);
		g->shared = bm_fig((int64_t)rounded, BM_SRC_DMESG);
		g->fate = BM_FATE_SHARED;
	}
	g->estimate = false;
	g->src = BM_SRC_DMESG;
}

static void ram_spans_fn(uint64_t start, uint64_t end, void *arg)
{
	spans_add(arg, start, end);
}

static int stock_memblock(struct bootmem_report *r, uint32_t ps)
{
	const struct dmesg_facts *d = &r->in.dmesg;
	struct mb_net callers[sizeof(d->mb_callers) / sizeof(d->mb_callers[0])] = { 0 };
	struct mb_net classes[N_MB_CLASSES] = { 0 };
	int cls[sizeof(d->mb_callers) / sizeof(d->mb_callers[0])];
	struct spans items = { 0 }, ram = { 0 };
	struct bm_region *g = NULL;
	int rc = 0;

	if (!d->n_mb_callers)
		return 0;
	/* A reservation counts where it is RAM: not firmware tables, not what mem= removed. */
	for_each_ram(r, ram_spans_fn, &ram);
	spans_normalize(&ram);
	/* The places other items hold, before any memblock item is added. */
	for (size_t i = 0; i < r->n_regions; i++)
		for (size_t k = 0; k < r->regions[i].n_ranges; k++)
			spans_add(&items, r->regions[i].ranges[k].base,
				  span_end(r->regions[i].ranges[k].base, r->regions[i].ranges[k].size));
	spans_normalize(&items);
	if (items.oom || ram.oom) {
		spans_free(&items);
		spans_free(&ram);
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->n_mb_callers; i++) {
		cls[i] = mb_class_of(d->mb_callers[i].name);
		callers[i].add = d->mb_callers[i].alloc;
	}
	for (size_t i = 0; i < d->n_mb_ranges; i++) {
		const struct dmesg_mb_range *m = &d->mb_ranges[i];
		uint64_t e = span_end(m->base, m->size);
		size_t owner = m->caller;

		if (m->caller >= d->n_mb_callers)
			continue;
		if (m->op == DMESG_MB_RESERVE) {
			uint64_t v = spans_uncovered(&items, m->base, e);

			/* Less what lies outside RAM, when RAM is known. */
			if (ram.n)
				v -= v < spans_uncovered(&ram, m->base, e) ? v : spans_uncovered(&ram, m->base, e);
			callers[owner].add = util_sat_add(callers[owner].add, v);
			continue;
		}
		/*
		 * A caller that allocated gives back its own (x86's relocated
		 * initrd, the percpu chunk's tail); else the caller whose
		 * reserved range holds it; else, inside another item's range,
		 * it is that item's own free (initrd, init), which it counts.
		 */
		if (!d->mb_callers[owner].alloc && !d->mb_callers[owner].reserve) {
			bool found = false;

			for (size_t k = 0; k < d->n_mb_ranges && !found; k++)
				if (d->mb_ranges[k].op == DMESG_MB_RESERVE && d->mb_ranges[k].base <= m->base &&
				    span_end(d->mb_ranges[k].base, d->mb_ranges[k].size) >= e) {
					owner = d->mb_ranges[k].caller;
					found = true;
				}
			if (!found)
				continue;
		}
		mb_net_sub(&callers[owner], m);
	}
	for (size_t i = 0; i < d->n_mb_callers; i++) {
		if (cls[i] < 0)
			continue;
		mb_net_add(&classes[cls[i]], &callers[i]);
	}

	/* Classes: an estimate becomes exact; an exact item keeps its figure. */
	for (size_t c = 0; c < N_MB_CLASSES && rc >= 0; c++) {
		const struct mb_class *mc = &mb_classes[c];
		struct bm_region *have = mb_find(r, mc->region);
		uint64_t counted;

		if (!classes[c].add)
			continue;
		if (have && have->estimate) {
			/* Two classes may share one item (memmap): sum them first. */
			for (size_t k = c + 1; k < N_MB_CLASSES; k++)
				if (mb_classes[k].region && !strcmp(mb_classes[k].region, mc->region)) {
					mb_net_add(&classes[c], &classes[k]);
					classes[k] = (struct mb_net){ 0 };
				}
			/* kfence's pool is in its own line; an arm64 kernel may allocate it unseen. */
			if (have->kind == BM_KIND_KFENCE && (classes[c].add < classes[c].sub ||
								     classes[c].add - classes[c].sub < d->kfence_bytes))
				classes[c].add = util_sat_add(classes[c].add, d->kfence_bytes);
			/*
			 * The page tables the trace shows are a lower bound (the early
			 * printk buffer may have lost lines): below the estimate from
			 * the RAM it maps, the estimate stays.
			 */
			if (have->kind != BM_KIND_PGTABLE || (classes[c].add > classes[c].sub &&
			     classes[c].add - classes[c].sub >= (uint64_t)(have->held.known ? have->held.value : 0)))
				mb_figures(have, &classes[c], ps);
			for (size_t i = 0; i < d->n_mb_callers; i++)
				if (cls[i] >= 0 && mb_classes[cls[i]].region &&
				    !strcmp(mb_classes[cls[i]].region, mc->region))
					callers[i] = (struct mb_net){ 0 };
			continue;
		}
		counted = mb_class_counted(r, mc);
		if (!counted && mc->region && !have) {
			/* Nothing else names it: the class is the item (pgtable, or percpu unprinted). */
			rc = stock_region(r, mc->region, mc->kind, BM_SRC_DMESG, &g);
			if (rc >= 0)
				mb_figures(g, &classes[c], ps);
			for (size_t i = 0; i < d->n_mb_callers; i++)
				if (cls[i] == (int)c)
					callers[i] = (struct mb_net){ 0 };
			continue;
		}
		/* Beyond what the item counts, each caller's share, in the order they printed. */
		for (size_t i = 0; i < d->n_mb_callers; i++) {
			uint64_t net;

			if (cls[i] != (int)c)
				continue;
			net = callers[i].add > callers[i].sub ? callers[i].add - callers[i].sub : 0;
			if (net <= counted) {
				counted -= net;
				callers[i] = (struct mb_net){ 0 };
			} else {
				callers[i].add = net - counted;
				callers[i].sub = 0;
				counted = 0;
				cls[i] = -1;	/* listed under its own name below */
			}
		}
	}

	/* Every other caller: an item of its own. */
	for (size_t i = 0; i < d->n_mb_callers && rc >= 0; i++) {
		const char *name = d->mb_callers[i].name;
		struct bm_region *have;

		if (cls[i] >= 0 || !callers[i].add || callers[i].add <= callers[i].sub)
			continue;
		have = mb_find(r, name);
		if (have && have->src != BM_SRC_DMESG)
			continue;	/* an item of another source has this name: it counts itself */
		rc = stock_region(r, name, BM_KIND_OWNER, BM_SRC_DMESG, &g);
		if (rc >= 0)
			mb_figures(g, &callers[i], ps);
	}
	spans_free(&items);
	spans_free(&ram);
	return rc;
}

struct overlap {
	const struct bm_region *g;
	uint64_t bytes;
};

static void overlap_fn(uint64_t start, uint64_t end, void *arg)
{
	struct overlap *o = arg;

	for (size_t i = 0; i < o->g->n_ranges; i++) {
		uint64_t a = o->g->ranges[i].base, b = a + o->g->ranges[i].size;

		a = a > start ? a : start;
		b = b < end ? b : end;
		if (b > a)
			o->bytes += b - a;
	}
}

/*
 * Itemized = Σ held + nomap over the leaf regions (the image counts through
 * its parts).  No-map memory counts only where it is inside the RAM figure:
 * iomem leaves it out of System RAM on arm64, and so out of the boot cost.
 */
static void stock_coverage(struct bootmem_report *r)
{
	struct bm_reconciliation *rec = &r->rec;
	int64_t exact = 0, est = 0;

	for (size_t i = 0; i < r->n_regions; i++) {
		const struct bm_region *g = &r->regions[i];
		int64_t v = g->held.known ? g->held.value : 0;

		if (g->nomap.known && g->nomap.value > 0) {
			struct overlap o = { .g = g };

			for_each_ram(r, overlap_fn, &o);
			v += (int64_t)o.bytes < g->nomap.value ? (int64_t)o.bytes : g->nomap.value;
		}

		if (g->is_parent)
			continue;
		/* Wrapping, as every sum of figures a hostile input sets: never undefined. */
		if (g->estimate)
			est = util_wadd(est, v);
		else
			exact = util_wadd(exact, v);
	}
	rec->has_itemized = true;
	rec->itemized = bm_fig(util_wadd(exact, est), BM_SRC_DERIVED);
	rec->itemized_exact = bm_fig(exact, BM_SRC_DERIVED);
	rec->itemized_estimated = bm_fig(est, BM_SRC_DERIVED);
	if (rec->gap.known) {
		double ppm = rec->gap.value > 0 ? (double)rec->itemized.value * 1e6 / (double)rec->gap.value + 0.5 : 0;

		rec->not_itemized = bm_fig(util_wsub(rec->gap.value, rec->itemized.value), BM_SRC_DERIVED);
		rec->coverage_ppm = ppm > 0 && ppm < 4e9 ? (uint32_t)ppm : 0;
	} else
		rec->not_itemized = bm_unknown_fig;
}

struct resv_walk {
	const struct memblock_set *set;
	uint32_t ps;
	uint64_t bytes;
};

static void resv_ram_fn(uint64_t start, uint64_t end, void *arg)
{
	struct resv_walk *w = arg;

	for (size_t i = 0; i < w->set->n; i++) {
		uint64_t a = w->set->r[i].base, b = span_end(a, w->set->r[i].size), pa, pb;

		a = a > start ? a : start;
		b = b < end ? b : end;
		if (b <= a)
			continue;
		/* Whole pages, as the page allocator never got them. */
		pages_out(a, b - a, page_shift(w->ps), &pa, &pb);
		w->bytes = util_sat_add(w->bytes, (pb - pa) << page_shift(w->ps));
	}
}

/*
 * memblock's final reserved set bounds the residual: what it holds in RAM
 * beyond every item is reserved, but by no one stock mode can name.
 */
static void stock_unattributed(struct bootmem_report *r, uint32_t ps)
{
	struct bm_reconciliation *rec = &r->rec;
	struct resv_walk w = { .set = r->in.memblock_reserved, .ps = ps };
	int64_t v;

	rec->unattributed_reserved = bm_unknown_fig;
	if (!w.set || !rec->not_itemized.known)
		return;
	for_each_ram(r, resv_ram_fn, &w);
	v = w.bytes > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)w.bytes;
	v = v > rec->itemized.value ? util_wsub(v, rec->itemized.value) : 0;
	if (v > rec->not_itemized.value)
		v = rec->not_itemized.value > 0 ? rec->not_itemized.value : 0;
	rec->unattributed_reserved = bm_fig(v, BM_SRC_MEMBLOCK);
}

int model_build_stock(struct bootmem_report *r)
{
	struct bm_reconciliation *rec = &r->rec;
	const struct dmesg_facts *d = r->in.has_dmesg ? &r->in.dmesg : NULL;
	struct ram_walk walk = { 0 };
	uint32_t ps;
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

	ps = stock_page_size(d);
	walk.ps = ps;
	for_each_ram(r, ram_walk_fn, &walk);
	walk_memory_sections(r, &walk);
	rc = stock_kernel(r, ps);
	if (rc >= 0)
		rc = stock_initrd(r, ps);
	if (rc >= 0)
		rc = stock_fdt(r, ps);
	if (rc >= 0 && d && !r->in.fdt)
		rc = stock_rmem_dmesg(r, ps);
	if (rc >= 0 && d)
		rc = stock_hashes(r, ps);
	if (rc >= 0 && d)
		rc = stock_percpu(r, ps);
	if (rc >= 0 && d)
		rc = stock_resv(r, ps);
	if (rc >= 0 && d)
		rc = stock_kfence(r, ps);
	if (rc >= 0)
		rc = stock_log_buf(r, ps);
	if (rc >= 0)
		rc = stock_low_mib(r, &walk);
	if (rc >= 0 && d)
		rc = stock_efi_boot(r, ps);
	if (rc >= 0)
		rc = stock_pgtable(r, ps);
	if (rc >= 0)
		rc = stock_memmap(r, &walk);
	if (rc >= 0 && d)
		rc = stock_memblock(r, ps);
	if (rc < 0)
		return rc;
	stock_coverage(r);
	stock_unattributed(r, ps);
	if (!model_find_kind(r, BM_KIND_KERNEL_TEXT))
		model_add_missing(r, "kernel_sections");
	if (!model_find_kind(r, BM_KIND_INITRD))
		model_add_missing(r, "initrd");
	if (!r->in.fdt)
		model_add_missing(r, "fdt");
	return 0;
}

