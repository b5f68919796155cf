/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The model's core: names, the region and finding lists, and model_build(). */
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

/* ---- names ------------------------------------------------------------ */

static const char *const fate_names[_BM_FATE_MAX] = {
	[BM_FATE_HELD] = "held",
	[BM_FATE_FREED] = "freed",
	[BM_FATE_PARTIALLY_FREED] = "partially_freed",
	[BM_FATE_RETAINED] = "retained",
	[BM_FATE_REJECTED] = "rejected",
	[BM_FATE_NOMAP] = "nomap",
	[BM_FATE_REUSABLE] = "reusable",
	[BM_FATE_NOT_RAM] = "not_ram",
	[BM_FATE_SHARED] = "shared",
	[BM_FATE_UNKNOWN] = "unknown",
};

const char *bm_fate_name(enum bm_fate f)
{
	return (unsigned)f < _BM_FATE_MAX ? fate_names[f] : "unknown";
}

static const char *const kind_names[_BM_KIND_MAX] = {
	[BM_KIND_KERNEL] = "kernel",
	[BM_KIND_KERNEL_TEXT] = "kernel_text",
	[BM_KIND_KERNEL_RODATA] = "kernel_rodata",
	[BM_KIND_KERNEL_DATA] = "kernel_data",
	[BM_KIND_KERNEL_BSS] = "kernel_bss",
	[BM_KIND_KERNEL_INIT] = "kernel_init",
	[BM_KIND_KERNEL_REST] = "kernel_rest",
	[BM_KIND_INITRD] = "initrd",
	[BM_KIND_FDT] = "fdt",
	[BM_KIND_MEMRESERVE] = "memreserve",
	[BM_KIND_RESERVED_MEMORY] = "reserved_memory",
	[BM_KIND_CMA] = "cma",
	[BM_KIND_CRASHKERNEL] = "crashkernel",
	[BM_KIND_PGTABLE] = "pgtable",
	[BM_KIND_MEMMAP] = "memmap",
	[BM_KIND_PERCPU] = "percpu",
	[BM_KIND_FIRMWARE] = "firmware",
	[BM_KIND_HASH] = "hash",
	[BM_KIND_SWIOTLB] = "swiotlb",
	[BM_KIND_KFENCE] = "kfence",
	[BM_KIND_KASAN] = "kasan",
	[BM_KIND_RESERVE_MEM] = "reserve_mem",
	[BM_KIND_VECTORS] = "vectors",
	[BM_KIND_OWNER] = "owner",
};

const char *bm_kind_name(enum bm_kind k)
{
	return (unsigned)k < _BM_KIND_MAX ? kind_names[k] : "unknown";
}

static const char *const rt_class_names[_BM_RT_MAX][2] = {
	[BM_RT_BALLOONED] = { "ballooned", "ballooned" },
	[BM_RT_VIRTIO_MEM] = { "virtio_mem", "virtio-mem" },
	[BM_RT_HOT_ADDED] = { "hot_added", "hot-added" },
	[BM_RT_HUGETLB_VMEMMAP] = { "hugetlb_vmemmap", "hugetlb vmemmap" },
	[BM_RT_OTHER] = { "other", "other runtime" },
};

const char *bm_rt_class_name(enum bm_rt_class c)
{
	return (unsigned)c < _BM_RT_MAX ? rt_class_names[c][0] : "unknown";
}

const char *bm_rt_class_title(enum bm_rt_class c)
{
	return (unsigned)c < _BM_RT_MAX ? rt_class_names[c][1] : "unknown";
}

bool bm_kind_is_protagonist(enum bm_kind k)
{
	return k <= BM_KIND_FDT;	/* the image, its parts, the initrd, the FDT */
}


/* ---- report building helpers ------------------------------------------- */

int model_add_finding(struct bootmem_report *r, const char *code, enum bm_severity sev,
		       enum bm_src src, const char *region, const char *fmt, ...)
{
	struct bm_finding *f;
	va_list ap;
	int n;

	if (GROW(r->findings, r->cap_findings, r->n_findings + 1) < 0)
		return -ENOMEM;
	f = &r->findings[r->n_findings];
	memset(f, 0, sizeof(*f));
	snprintf(f->code, sizeof(f->code), "%s", code);
	f->severity = sev;
	f->src = src;
	va_start(ap, fmt);
	n = vasprintf(&f->message, fmt, ap);
	va_end(ap);
	if (n < 0) {
		f->message = NULL;
		return -ENOMEM;
	}
	if (region) {
		f->region = strdup(region);
		if (!f->region) {
			free(f->message);
			return -ENOMEM;
		}
	}
	r->n_findings++;
	return 0;
}

void model_add_missing(struct bootmem_report *r, const char *name)
{
	for (size_t i = 0; i < r->n_missing; i++)
		if (strcmp(r->missing[i], name) == 0)
			return;
	if (r->n_missing < sizeof(r->missing) / sizeof(r->missing[0]))
		r->missing[r->n_missing++] = name;
}

static struct bm_region *find_region(struct bootmem_report *r, const char *name)
{
	for (size_t i = 0; i < r->n_regions; i++)
		if (strcmp(r->regions[i].name, name) == 0)
			return &r->regions[i];
	return NULL;
}

const struct bm_region *model_find_region(const struct bootmem_report *r, const char *name)
{
	return find_region((struct bootmem_report *)r, name);
}

const struct bm_region *model_find_kind(const struct bootmem_report *r, enum bm_kind k)
{
	for (size_t i = 0; i < r->n_regions; i++)
		if (r->regions[i].kind == k)
			return &r->regions[i];
	return NULL;
}

/* Returns the index of the region called @name, creating it; -ENOMEM. */
ssize_t model_get_region(struct bootmem_report *r, const char *name, enum bm_kind kind, enum bm_src src)
{
	struct bm_region *g;

	for (size_t i = 0; i < r->n_regions; i++)
		if (strcmp(r->regions[i].name, name) == 0)
			return (ssize_t)i;
	if (GROW(r->regions, r->cap_regions, r->n_regions + 1) < 0)
		return -ENOMEM;
	g = &r->regions[r->n_regions];
	memset(g, 0, sizeof(*g));
	g->name = strdup(name);
	if (!g->name)
		return -ENOMEM;
	g->kind = kind;
	g->src = src;
	g->fate = BM_FATE_UNKNOWN;
	return (ssize_t)r->n_regions++;
}

int model_region_add_event(struct bm_region *g, size_t ev)
{
	if (g->n_events && g->events[g->n_events - 1] == ev)
		return 0;
	if (GROW(g->events, g->cap_events, g->n_events + 1) < 0)
		return -ENOMEM;
	g->events[g->n_events++] = ev;
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

void model_region_sort_events(struct bm_region *g)
{
	size_t n = 0;

	if (!g->n_events)
		return;
	qsort(g->events, g->n_events, sizeof(*g->events), cmp_size);
	for (size_t i = 0; i < g->n_events; i++)
		if (!n || g->events[n - 1] != g->events[i])
			g->events[n++] = g->events[i];
	g->n_events = n;
}

int model_region_set_reason(struct bm_region *g, const char *reason)
{
	char *s = strdup(reason);

	if (!s)
		return -ENOMEM;
	free(g->reason);
	g->reason = s;
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct bm_range *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* Sorts and merges the region's ranges; reserved = their union's size. */
void model_region_merge_ranges(struct bm_region *g)
{
	size_t n = 0;

	if (!g->n_ranges)
		return;
	qsort(g->ranges, g->n_ranges, sizeof(*g->ranges), cmp_range);
	for (size_t i = 0; i < g->n_ranges; i++) {
		struct bm_range *c = &g->ranges[i];

		if (n && g->ranges[n - 1].base + g->ranges[n - 1].size >= c->base) {
			uint64_t end = c->base + c->size, pend = g->ranges[n - 1].base + g->ranges[n - 1].size;

			if (end > pend)
				g->ranges[n - 1].size = end - g->ranges[n - 1].base;
		} else
			g->ranges[n++] = *c;
	}
	g->n_ranges = n;
}

int model_region_add_range(struct bm_region *g, uint64_t base, uint64_t size)
{
	if (!size)
		return 0;
	if (GROW(g->ranges, g->cap_ranges, g->n_ranges + 1) < 0)
		return -ENOMEM;
	g->ranges[g->n_ranges++] = (struct bm_range){ base, size };
	return 0;
}

uint64_t model_region_range_bytes(const struct bm_region *g)
{
	uint64_t t = 0;

	for (size_t i = 0; i < g->n_ranges; i++)
		t += g->ranges[i].size;
	return t;
}

bool model_region_overlaps(const struct bm_region *g, uint64_t base, uint64_t size)
{
	for (size_t i = 0; i < g->n_ranges; i++)
		if (base < g->ranges[i].base + g->ranges[i].size && g->ranges[i].base < base + size)
			return true;
	return false;
}

/* ---- entry points ------------------------------------------------------- */

static int cmp_region(const void *a, const void *b)
{
	const struct bm_region *x = a, *y = b;
	int64_t hx = x->held.known ? x->held.value : -1, hy = y->held.known ? y->held.value : -1;
	int64_t rx = x->reserved.known ? x->reserved.value : -1;
	int64_t ry = y->reserved.known ? y->reserved.value : -1;

	/* Protagonists first in kind order, then the biggest holders. */
	if (bm_kind_is_protagonist(x->kind) || bm_kind_is_protagonist(y->kind)) {
		if (!bm_kind_is_protagonist(y->kind))
			return -1;
		if (!bm_kind_is_protagonist(x->kind))
			return 1;
		if (x->kind != y->kind)
			return x->kind < y->kind ? -1 : 1;
	}
	if (hx != hy)
		return hx > hy ? -1 : 1;
	if (rx != ry)
		return rx > ry ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Past the bound, anonymous owners are folded: the order above ranks them. */
static void fold_owners(struct bootmem_report *r)
{
	size_t owners = 0;

	for (size_t i = 0; i < r->n_regions; i++)
		if (r->regions[i].kind == BM_KIND_OWNER)
			r->regions[i].folded = ++owners > MODEL_MAX_OWNER_SERIES;
}

static void make_summary(struct bootmem_report *r)
{
	const struct bm_reconciliation *rec = &r->rec;
	char a[32], b[32], c[32];

	/* Signed: absurd inputs give negative figures, never a wrapped 16 EiB. */
	if (r->patched)
		snprintf(r->summary, sizeof(r->summary), "RAM %s, MemTotal %s, held %s, unexplained %s%s",
			 util_format_sbytes(rec->ram.value, a, sizeof(a)),
			 util_format_sbytes(rec->memtotal.value, b, sizeof(b)),
			 util_format_sbytes(rec->held.value, c, sizeof(c)),
			 rec->unexplained.value == 0 ? "0 B" : "NONZERO",
			 rec->consistent_known && !rec->memtotal_consistent ? ", MemTotal inconsistent" : "");
	else if (rec->gap.known && rec->has_itemized && rec->itemized.value)
		snprintf(r->summary, sizeof(r->summary),
			 "stock kernel: RAM %s, MemTotal %s, boot cost %s, %u.%u%% itemized",
			 util_format_sbytes(rec->ram.value, a, sizeof(a)),
			 util_format_sbytes(rec->memtotal.value, b, sizeof(b)),
			 util_format_sbytes(rec->gap.value, c, sizeof(c)),
			 rec->coverage_ppm / 10000, rec->coverage_ppm / 1000 % 10);
	else if (rec->gap.known)
		snprintf(r->summary, sizeof(r->summary),
			 "stock kernel: RAM %s, MemTotal %s, boot cost %s (not itemized)",
			 util_format_sbytes(rec->ram.value, a, sizeof(a)),
			 util_format_sbytes(rec->memtotal.value, b, sizeof(b)),
			 util_format_sbytes(rec->gap.value, c, sizeof(c)));
	else if (rec->ram.known && rec->memtotal.known)
		snprintf(r->summary, sizeof(r->summary), "stock kernel: RAM %s is less than MemTotal %s",
			 util_format_sbytes(rec->ram.value, a, sizeof(a)),
			 util_format_sbytes(rec->memtotal.value, b, sizeof(b)));
	else
		snprintf(r->summary, sizeof(r->summary), "stock kernel: RAM or MemTotal unknown");
}

int model_build(struct bootmem_report *r)
{
	int rc;

	/*
	 * The replay is quadratic in the worst case; the kernel keeps 1024
	 * records by default.  A log far beyond that is read as absent rather
	 * than stalling the daemon.
	 */
	if (r->in.log && r->in.log->n_events > MODEL_MAX_EVENTS) {
		snprintf(r->src[BM_SRC_LOG].error, sizeof(r->src[BM_SRC_LOG].error),
			 "%zu records: more than the %u this reader models", r->in.log->n_events,
			 MODEL_MAX_EVENTS);
		r->src[BM_SRC_LOG].available = false;
		bmf_log_free(r->in.log);
		r->in.log = NULL;
	}

	r->patched = r->in.log != NULL;
	if (r->patched && r->in.runtime && r->in.runtime->n) {
		r->runtime_class = calloc(r->in.runtime->n, sizeof(*r->runtime_class));
		if (!r->runtime_class)
			return -ENOMEM;
		for (size_t i = 0; i < r->in.runtime->n; i++)
			r->runtime_class[i] = model_rt_classify(&r->in.runtime->e[i]);
	}
	if (r->patched) {
		rc = model_build_patched(r);
		if (rc >= 0)
			rc = model_initrd_findings(r);
		if (rc >= 0)
			rc = model_rmem_findings(r);
		if (rc >= 0)
			rc = model_log_findings(r);
	} else
		rc = model_build_stock(r);
	if (rc >= 0)
		rc = model_ram_map(r);
	if (rc < 0)
		return rc;
	if (r->n_regions > 1)
		qsort(r->regions, r->n_regions, sizeof(*r->regions), cmp_region);
	fold_owners(r);
	make_summary(r);
	return 0;
}

void model_free(struct bootmem_report *r)
{
	for (size_t i = 0; i < r->n_regions; i++) {
		free(r->regions[i].name);
		free(r->regions[i].ranges);
		free(r->regions[i].reason);
		free(r->regions[i].events);
	}
	free(r->regions);
	r->regions = NULL;
	r->n_regions = 0;
	for (size_t i = 0; i < r->n_findings; i++) {
		free(r->findings[i].message);
		free(r->findings[i].region);
	}
	free(r->findings);
	r->findings = NULL;
	r->n_findings = 0;
	free(r->rec.unexplained_ranges);
	r->rec.unexplained_ranges = NULL;
	free(r->runtime_class);
	r->runtime_class = NULL;
	spans_free(&r->ram_map.ram);
	spans_free(&r->ram_map.removed);
	r->ram_map.src = NULL;
	r->rec.n_unexplained_ranges = 0;
}
