/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "model.h"
#include "util.h"

/* ---- names ------------------------------------------------------------ */

static const char *const src_names[_BM_SRC_MAX] = {
	[BM_SRC_LOG] = "kernel_log",
	[BM_SRC_RUNTIME] = "kernel_runtime",
	[BM_SRC_FDT] = "fdt",
	[BM_SRC_MEMINFO] = "meminfo",
	[BM_SRC_IOMEM] = "iomem",
	[BM_SRC_CMDLINE] = "cmdline",
	[BM_SRC_VERSION] = "version",
	[BM_SRC_BOOT_PARAMS] = "boot_params",
	[BM_SRC_MEMMAP] = "memmap",
	[BM_SRC_DMESG] = "dmesg",
	[BM_SRC_DERIVED] = "derived",
};

const char *bm_src_name(enum bm_src s)
{
	return (unsigned)s < _BM_SRC_MAX ? src_names[s] : "unknown";
}

static const char *const fate_names[_BM_FATE_MAX] = {
	[BM_FATE_HELD] = "held",
	[BM_FATE_FREED] = "freed",
	[BM_FATE_PARTIALLY_FREED] = "partially_freed",
	[BM_FATE_RETAINED] = "retained",
	[BM_FATE_REJECTED] = "rejected",
	[BM_FATE_NOMAP] = "nomap",
	[BM_FATE_REUSABLE] = "reusable",
	[BM_FATE_NOT_RAM] = "not_ram",
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
	return k <= BM_KIND_FDT;
}

static struct bm_figure fig(int64_t v, enum bm_src s)
{
	return (struct bm_figure){ .known = true, .value = v, .src = s };
}

static const struct bm_figure unknown_fig = { .known = false };

/* ---- interval maps ------------------------------------------------------ */

/*
 * A sorted list of disjoint [s, e) segments, each with a non-zero value;
 * 0 means "absent".  Sizes are small (hundreds of segments), so every
 * update rebuilds the array.
 */
struct seg {
	uint64_t s, e;
	int64_t v;
};

struct imap {
	struct seg *a;
	size_t n;
};

enum imap_op {
	OP_SET,			/* v = arg */
	OP_SET_IF_ABSENT,	/* v = v ? v : arg */
	OP_OR,			/* v |= arg */
	OP_ANDNOT,		/* v &= ~arg */
	OP_OR_IF_PRESENT,	/* v = v ? v | arg : 0 */
	OP_CLEAR,		/* v = 0 */
};

static int64_t op_apply(int64_t v, enum imap_op op, int64_t arg)
{
	switch (op) {
	case OP_SET:
		return arg;
	case OP_SET_IF_ABSENT:
		return v ? v : arg;
	case OP_OR:
		return v | arg;
	case OP_ANDNOT:
		return v & ~arg;
	case OP_OR_IF_PRESENT:
		return v ? v | arg : 0;
	case OP_CLEAR:
	default:
		return 0;
	}
}

static void push(struct seg *out, size_t *n, uint64_t s, uint64_t e, int64_t v)
{
	if (s >= e || !v)
		return;
	if (*n && out[*n - 1].e == s && out[*n - 1].v == v) {
		out[*n - 1].e = e;
		return;
	}
	out[(*n)++] = (struct seg){ s, e, v };
}

static int imap_apply(struct imap *m, uint64_t s, uint64_t e, enum imap_op op, int64_t arg)
{
	struct seg *out;
	size_t i = 0, n = 0;
	uint64_t pos = s;

	if (s >= e)
		return 0;
	out = malloc((2 * m->n + 4) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (; i < m->n && m->a[i].e <= s; i++)
		push(out, &n, m->a[i].s, m->a[i].e, m->a[i].v);
	for (; i < m->n && m->a[i].s < e; i++) {
		struct seg g = m->a[i];
		uint64_t oe = g.e < e ? g.e : e;

		if (g.s < s) {
			push(out, &n, g.s, s, g.v);
			g.s = s;
		}
		if (pos < g.s)
			push(out, &n, pos, g.s, op_apply(0, op, arg));
		push(out, &n, g.s, oe, op_apply(g.v, op, arg));
		if (g.e > e)
			push(out, &n, e, g.e, g.v);
		pos = oe;
	}
	if (pos < e)
		push(out, &n, pos, e, op_apply(0, op, arg));
	for (; i < m->n; i++)
		push(out, &n, m->a[i].s, m->a[i].e, m->a[i].v);
	free(m->a);
	m->a = out;
	m->n = n;
	return 0;
}

static int64_t imap_get(const struct imap *m, uint64_t x)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->a[mid].e <= x)
			lo = mid + 1;
		else if (m->a[mid].s > x)
			hi = mid;
		else
			return m->a[mid].v;
	}
	return 0;
}

static void imap_free(struct imap *m)
{
	free(m->a);
	m->a = NULL;
	m->n = 0;
}

/* ---- page arithmetic ---------------------------------------------------- */

static unsigned page_shift(uint32_t ps)
{
	return (unsigned)__builtin_ctz(ps);
}

/* Pages touched by [base, base + size). */
static void pages_out(uint64_t base, uint64_t size, unsigned sh, uint64_t *ps, uint64_t *pe)
{
	uint64_t end = base + size;	/* the parser checked this does not overflow */

	*ps = base >> sh;
	*pe = (end >> sh) + ((end & ((1ull << sh) - 1)) ? 1 : 0);
}

/* Whole pages inside [base, base + size). */
static void pages_in(uint64_t base, uint64_t size, unsigned sh, uint64_t *ps, uint64_t *pe)
{
	uint64_t end = base + size;

	*ps = (base >> sh) + ((base & ((1ull << sh) - 1)) ? 1 : 0);
	*pe = end >> sh;
	if (*pe < *ps)
		*pe = *ps;
}

/* ---- report building helpers ------------------------------------------- */

static int add_finding(struct bootmem_report *r, const char *code, enum bm_severity sev,
		       enum bm_src src, const char *region, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int add_finding(struct bootmem_report *r, const char *code, enum bm_severity sev,
		       enum bm_src src, const char *region, const char *fmt, ...)
{
	struct bm_finding *nf, *f;
	va_list ap;
	int n;

	nf = realloc(r->findings, (r->n_findings + 1) * sizeof(*r->findings));
	if (!nf)
		return -ENOMEM;
	r->findings = nf;
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

static void add_missing(struct bootmem_report *r, const char *name)
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
static ssize_t get_region(struct bootmem_report *r, const char *name, enum bm_kind kind, enum bm_src src)
{
	struct bm_region *nr, *g;

	for (size_t i = 0; i < r->n_regions; i++)
		if (strcmp(r->regions[i].name, name) == 0)
			return (ssize_t)i;
	nr = realloc(r->regions, (r->n_regions + 1) * sizeof(*r->regions));
	if (!nr)
		return -ENOMEM;
	r->regions = nr;
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

static int region_add_event(struct bm_region *g, size_t ev)
{
	size_t *ne;

	if (g->n_events && g->events[g->n_events - 1] == ev)
		return 0;
	ne = realloc(g->events, (g->n_events + 1) * sizeof(*g->events));
	if (!ne)
		return -ENOMEM;
	g->events = ne;
	g->events[g->n_events++] = ev;
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static void region_sort_events(struct bm_region *g)
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

static int region_set_reason(struct bm_region *g, const char *reason)
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
static void region_merge_ranges(struct bm_region *g)
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

static int region_add_range(struct bm_region *g, uint64_t base, uint64_t size)
{
	struct bm_range *nr;

	if (!size)
		return 0;
	nr = realloc(g->ranges, (g->n_ranges + 1) * sizeof(*g->ranges));
	if (!nr)
		return -ENOMEM;
	g->ranges = nr;
	g->ranges[g->n_ranges++] = (struct bm_range){ base, size };
	return 0;
}

static uint64_t region_range_bytes(const struct bm_region *g)
{
	uint64_t t = 0;

	for (size_t i = 0; i < g->n_ranges; i++)
		t += g->ranges[i].size;
	return t;
}

static bool region_overlaps(const struct bm_region *g, uint64_t base, uint64_t size)
{
	for (size_t i = 0; i < g->n_ranges; i++)
		if (base < g->ranges[i].base + g->ranges[i].size && g->ranges[i].base < base + size)
			return true;
	return false;
}

/* ---- patched mode: the kernel log --------------------------------------- */

struct claim {
	uint64_t ps, pe;	/* pages touched */
	uint64_t size;		/* bytes, to rank identities: the smallest wins */
	size_t region;
	size_t event;
	bool identity;		/* carries a tag: names what it covers */
	bool named;		/* an IDENTITY record, preferred over a reservation of the same size */
	uint16_t tag;
};

#define DEFERRED ((size_t)SSIZE_MAX)

struct engine {
	struct bootmem_report *r;
	const struct bmf_log *log;
	unsigned sh;
	struct imap ram;	/* bytes: ever added (1) */
	struct imap mem;	/* bytes: memblock.memory, MEM_PRESENT | MEM_NOMAP */
	struct imap live;	/* pages: memblock.reserved now, claim index + 1 */
	struct imap ever;	/* pages: first reservation ever, claim index + 1 */
	struct imap rel;	/* pages: released, releasing event index + 1 */
	struct imap fwram;	/* bytes: firmware says RAM (BMF_FW_RAM) (1) */
	struct imap notram;	/* pages: identities flagged BMF_F_NOT_RAM, region index + 1 */
	bool has_fwram;
	ssize_t fw_region;	/* memblock memory outside the firmware's RAM, or -1 */
	struct claim *claims;
	size_t n_claims;
	int64_t log_pages;	/* Σ pages over the page-count kinds */
	bool initrd_retained, initrd_kept, initrd_freed_milestone;
};

#define MEM_PRESENT 1
#define MEM_NOMAP 2

static const struct {
	enum bm_kind kind;
	const char *name;	/* NULL: named from the label */
} tag_map[] = {
	[BMF_TAG_NONE] = { BM_KIND_OWNER, NULL },
	[BMF_TAG_KERNEL] = { BM_KIND_KERNEL, "kernel" },
	[BMF_TAG_KERNEL_TEXT] = { BM_KIND_KERNEL_TEXT, "kernel_text" },
	[BMF_TAG_KERNEL_RODATA] = { BM_KIND_KERNEL_RODATA, "kernel_rodata" },
	[BMF_TAG_KERNEL_DATA] = { BM_KIND_KERNEL_DATA, "kernel_data" },
	[BMF_TAG_KERNEL_BSS] = { BM_KIND_KERNEL_BSS, "kernel_bss" },
	[BMF_TAG_KERNEL_INIT] = { BM_KIND_KERNEL_INIT, "kernel_init" },
	[BMF_TAG_INITRD] = { BM_KIND_INITRD, "initrd" },
	[BMF_TAG_FDT] = { BM_KIND_FDT, "fdt" },
	[BMF_TAG_MEMRESERVE] = { BM_KIND_MEMRESERVE, NULL },
	[BMF_TAG_RESERVED_MEM] = { BM_KIND_RESERVED_MEMORY, NULL },
	[BMF_TAG_CMA] = { BM_KIND_CMA, NULL },
	[BMF_TAG_CRASHKERNEL] = { BM_KIND_CRASHKERNEL, "crashkernel" },
	[BMF_TAG_PGTABLE] = { BM_KIND_PGTABLE, "pgtable" },
	[BMF_TAG_MEMMAP] = { BM_KIND_MEMMAP, "memmap" },
	[BMF_TAG_PERCPU] = { BM_KIND_PERCPU, "percpu" },
	[BMF_TAG_FIRMWARE] = { BM_KIND_FIRMWARE, NULL },
	[BMF_TAG_HASH] = { BM_KIND_HASH, NULL },
	[BMF_TAG_SWIOTLB] = { BM_KIND_SWIOTLB, "swiotlb" },
	[BMF_TAG_KFENCE] = { BM_KIND_KFENCE, "kfence" },
	[BMF_TAG_KASAN] = { BM_KIND_KASAN, "kasan" },
	[BMF_TAG_RESERVE_MEM] = { BM_KIND_RESERVE_MEM, NULL },
	[BMF_TAG_VECTORS] = { BM_KIND_VECTORS, NULL },
};

/* The parser's known tags must all have a region kind here. */
#define N_TAG_MAP (sizeof(tag_map) / sizeof(tag_map[0]))

/* The region an event with a tag (or, untagged, its caller) belongs to. */
static ssize_t region_for_event(struct engine *en, const struct bmf_event *e)
{
	char name[160];
	enum bm_kind kind;

	if (!bmf_tag_known(e->tag) || e->tag >= N_TAG_MAP)
		return -EINVAL;
	kind = tag_map[e->tag].kind;
	if (tag_map[e->tag].name)
		snprintf(name, sizeof(name), "%s", tag_map[e->tag].name);
	else if (e->tag == BMF_TAG_MEMRESERVE)
		snprintf(name, sizeof(name), "memreserve@0x%" PRIx64, e->base);
	else if (e->tag == BMF_TAG_RESERVED_MEM && *e->label)
		snprintf(name, sizeof(name), "%s", e->label);
	else if (e->tag == BMF_TAG_RESERVED_MEM)
		snprintf(name, sizeof(name), "reserved-memory@0x%" PRIx64, e->base);
	else if (e->tag == BMF_TAG_CMA)
		/*
		 * cma->name: "reserved" for the default area, the node name for a
		 * reserved-memory CMA pool, which then shares the node's region.
		 */
		snprintf(name, sizeof(name), "%s",
			 !*e->label || strcmp(e->label, "reserved") == 0 ? "cma" : e->label);
	else if (e->kind == BMF_IDENTITY && *e->label)
		snprintf(name, sizeof(name), "%s", e->label);	/* reserve_mem=...:name, firmware, hash */
	else if (e->tag == BMF_TAG_FIRMWARE || e->tag == BMF_TAG_VECTORS || e->tag == BMF_TAG_HASH ||
		 e->tag == BMF_TAG_RESERVE_MEM)
		snprintf(name, sizeof(name), "%s@0x%" PRIx64, bmf_tag_name(e->tag), e->base);
	else
		/* the kernel writes "?" for a caller it could not resolve */
		snprintf(name, sizeof(name), "%s", *e->caller && strcmp(e->caller, "?") ? e->caller : "unknown");
	return get_region(en->r, name, kind, BM_SRC_LOG);
}

/*
 * A reservation made under a tag that names regions by label (a
 * reserved-memory node, a CMA area, a memreserve entry, a hash table, a
 * firmware region, a reserve_mem= region) carries no label
 * itself: the IDENTITY record that follows names it.  Such claims are
 * resolved after the replay, to the identity that overlaps them.
 */
static bool deferred_tag(const struct bmf_event *e)
{
	return (e->kind == BMF_RESERVE || e->kind == BMF_ALLOC) && !*e->label &&
	       (e->tag == BMF_TAG_RESERVED_MEM || e->tag == BMF_TAG_CMA ||
		e->tag == BMF_TAG_MEMRESERVE || e->tag == BMF_TAG_HASH ||
		e->tag == BMF_TAG_FIRMWARE || e->tag == BMF_TAG_RESERVE_MEM ||
		e->tag == BMF_TAG_VECTORS);
}

static int add_claim(struct engine *en, const struct bmf_event *e, size_t ev, size_t region,
		     bool identity)
{
	struct claim *nc;

	nc = realloc(en->claims, (en->n_claims + 1) * sizeof(*en->claims));
	if (!nc)
		return -ENOMEM;
	en->claims = nc;
	nc = &en->claims[en->n_claims++];
	pages_out(e->base, e->size, en->sh, &nc->ps, &nc->pe);
	nc->size = e->size;
	nc->region = region;
	nc->event = ev;
	nc->identity = identity;
	nc->named = e->kind == BMF_IDENTITY;
	nc->tag = e->tag;
	return 0;
}

static int replay(struct engine *en)
{
	const struct bmf_log *log = en->log;
	uint64_t maxp = (UINT64_MAX >> en->sh) + 1;
	int r;

	for (size_t i = 0; i < log->n_events; i++) {
		const struct bmf_event *e = &log->events[i];
		uint64_t end = e->base + e->size, ps, pe;
		ssize_t g;

		if (!bmf_kind_known(e->kind))
			continue;	/* counted by the parser, reported as a finding */
		if (bmf_kind_counts_pages(e->kind))
			en->log_pages = util_wadd(en->log_pages, e->pages);

		switch (e->kind) {
		case BMF_MEM_ADD:
			r = imap_apply(&en->ram, e->base, end, OP_OR, 1);
			if (r >= 0)
				r = imap_apply(&en->mem, e->base, end, OP_OR, MEM_PRESENT);
			break;
		case BMF_MEM_REMOVE:
			r = imap_apply(&en->mem, e->base, end, OP_CLEAR, 0);
			break;
		case BMF_MEM_CAP:
			/* memblock_cap_memory_range() also truncates memblock.reserved */
			r = imap_apply(&en->mem, 0, e->base, OP_CLEAR, 0);
			if (r >= 0 && end)
				r = imap_apply(&en->mem, end, UINT64_MAX, OP_CLEAR, 0);
			pages_in(e->base, e->size, en->sh, &ps, &pe);
			if (r >= 0)
				r = imap_apply(&en->live, 0, ps, OP_CLEAR, 0);
			if (r >= 0)
				r = imap_apply(&en->live, pe, maxp, OP_CLEAR, 0);
			break;
		case BMF_NOMAP_MARK:
			r = imap_apply(&en->mem, e->base, end, OP_OR_IF_PRESENT, MEM_NOMAP);
			break;
		case BMF_NOMAP_CLEAR:
			r = imap_apply(&en->mem, e->base, end, OP_ANDNOT, MEM_NOMAP);
			break;
		case BMF_FW_RAM:
			en->has_fwram = true;
			r = imap_apply(&en->fwram, e->base, end, OP_OR, 1);
			break;
		case BMF_RESERVE:
		case BMF_ALLOC:
			g = deferred_tag(e) ? (ssize_t)DEFERRED : region_for_event(en, e);
			if (g < 0) {
				r = (int)g == -EINVAL ? 0 : (int)g;
				break;
			}
			r = add_claim(en, e, i, (size_t)g, e->tag != BMF_TAG_NONE);
			if (r < 0)
				break;
			pages_out(e->base, e->size, en->sh, &ps, &pe);
			r = imap_apply(&en->live, ps, pe, OP_SET_IF_ABSENT, (int64_t)en->n_claims);
			if (r >= 0)
				r = imap_apply(&en->ever, ps, pe, OP_SET_IF_ABSENT, (int64_t)en->n_claims);
			break;
		case BMF_IDENTITY:
			if (e->flags & BMF_F_NOT_RAM) {
				/* flash and the like: memblock knows it, but it is not RAM */
				g = bmf_tag_known(e->tag) && e->tag != BMF_TAG_NONE ? region_for_event(en, e) :
				    get_region(en->r, "firmware_not_ram", BM_KIND_FIRMWARE, BM_SRC_LOG);
				if (g < 0) {
					r = (int)g;
					break;
				}
				en->r->regions[g].kind = BM_KIND_FIRMWARE;
				pages_out(e->base, e->size, en->sh, &ps, &pe);
				r = imap_apply(&en->notram, ps, pe, OP_SET_IF_ABSENT, (int64_t)g + 1);
				if (r >= 0)
					r = add_claim(en, e, i, (size_t)g, true);
				break;
			}
			if ((e->tag == BMF_TAG_NONE && !*e->label) || !bmf_tag_known(e->tag)) {
				r = 0;
				break;
			}
			g = region_for_event(en, e);
			r = g < 0 ? (int)g : add_claim(en, e, i, (size_t)g, true);
			break;
		case BMF_REJECT:
			g = region_for_event(en, e);
			if (g < 0) {
				r = (int)g == -EINVAL ? 0 : (int)g;
				break;
			}
			en->r->regions[g].fate = BM_FATE_REJECTED;	/* provisional, see finish */
			/* reserved-memory rejections carry the node name, the others a reason */
			r = region_set_reason(&en->r->regions[g],
					      e->tag == BMF_TAG_RESERVED_MEM ? "the kernel could not reserve it" :
					      *e->label ? e->label : "rejected");
			if (r >= 0)
				r = region_add_event(&en->r->regions[g], i);
			break;
		case BMF_FREE:
			pages_in(e->base, e->size, en->sh, &ps, &pe);
			r = imap_apply(&en->live, ps, pe, OP_CLEAR, 0);
			break;
		case BMF_FREE_LATE:
		case BMF_FREE_ALL:
		case BMF_FREE_AREA:
		case BMF_FREE_PAGE:
		case BMF_PAGES:
			pages_in(e->base, e->size, en->sh, &ps, &pe);
			if (e->kind == BMF_FREE_LATE) {
				r = imap_apply(&en->live, ps, pe, OP_CLEAR, 0);
				if (r < 0)
					break;
			}
			if (e->pages < 0)
				r = imap_apply(&en->rel, ps, pe, OP_CLEAR, 0);
			else
				r = imap_apply(&en->rel, ps, pe, OP_SET, (int64_t)i + 1);
			break;
		case BMF_INITRD_RETAINED:
			en->initrd_retained = true;
			r = 0;
			break;
		case BMF_INITRD_KEPT:
			en->initrd_kept = true;
			r = 0;
			break;
		case BMF_INITRD_FREED:
			en->initrd_freed_milestone = true;
			r = 0;
			break;
		default:
			r = 0;
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int resolve_deferred(struct engine *en)
{
	for (size_t i = 0; i < en->n_claims; i++) {
		struct claim *c = &en->claims[i];
		ssize_t g = -1;

		if (c->region != DEFERRED)
			continue;
		for (size_t k = 0; k < en->n_claims && g < 0; k++) {
			const struct claim *id = &en->claims[k];

			if (id->named && id->tag == c->tag && id->ps < c->pe && c->ps < id->pe)
				g = (ssize_t)id->region;
		}
		if (g < 0)
			g = region_for_event(en, &en->log->events[c->event]);
		if (g < 0)
			return (int)g;
		c->region = (size_t)g;
	}
	return 0;
}

/* Converts the byte map @m into pages: whole pages of each run of @bit (inward). */
static int pages_of_runs(const struct imap *m, int64_t bit, unsigned sh, bool outward, struct imap *out)
{
	size_t i = 0;
	int r;

	while (i < m->n) {
		uint64_t s, e, ps, pe;

		if (!(m->a[i].v & bit)) {
			i++;
			continue;
		}
		s = m->a[i].s;
		e = m->a[i].e;
		for (i++; i < m->n && m->a[i].s == e && (m->a[i].v & bit); i++)
			e = m->a[i].e;
		if (outward)
			pages_out(s, e - s, sh, &ps, &pe);
		else
			pages_in(s, e - s, sh, &ps, &pe);
		r = imap_apply(out, ps, pe, OP_SET, 1);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_bounds(uint64_t **b, size_t *n, size_t *cap, const struct imap *m)
{
	if (*n + 2 * m->n > *cap) {
		size_t nc = (*n + 2 * m->n) * 2 + 16;
		uint64_t *nb = realloc(*b, nc * sizeof(**b));

		if (!nb)
			return -ENOMEM;
		*b = nb;
		*cap = nc;
	}
	for (size_t i = 0; i < m->n; i++) {
		(*b)[(*n)++] = m->a[i].s;
		(*b)[(*n)++] = m->a[i].e;
	}
	return 0;
}

/* The identity claim (tagged) that covers page @p most specifically, or NULL. */
static const struct claim *identity_at(const struct engine *en, uint64_t p)
{
	const struct claim *best = NULL;

	for (size_t i = 0; i < en->n_claims; i++) {
		const struct claim *c = &en->claims[i];

		if (!c->identity || p < c->ps || p >= c->pe)
			continue;
		if (!best || c->size < best->size || (c->size == best->size && c->named && !best->named))
			best = c;
	}
	return best;
}

static int add_unexplained(struct bm_reconciliation *rec, uint64_t base, uint64_t size)
{
	struct bm_range *nr;

	if (rec->n_unexplained_ranges) {
		struct bm_range *l = &rec->unexplained_ranges[rec->n_unexplained_ranges - 1];

		if (l->base + l->size == base) {
			l->size += size;
			return 0;
		}
	}
	nr = realloc(rec->unexplained_ranges, (rec->n_unexplained_ranges + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	rec->unexplained_ranges = nr;
	nr[rec->n_unexplained_ranges++] = (struct bm_range){ base, size };
	return 0;
}

struct tally {
	uint64_t held, freed, nomap;
	uint64_t not_ram;	/* its pages that are firmware, not RAM */
	uint64_t shadowed;	/* its pages, held but attributed to a more specific identity */
	uint64_t live;		/* held pages whose live memblock reservation is its own */
	bool memblock_freed;	/* a memblock free touched its ranges */
	bool shares_held;	/* some of its pages are held under another owner (sub-page allocations) */
};

/* ---- runtime terms: page count changes after boot ----------------------- */

/*
 * The one table that classifies runtime callers.  A module name matches
 * exactly, a symbol by prefix; the first match wins, so modules come first
 * (a driver built as a module is known by name, built in by its symbols).
 */
static const struct {
	bool module;
	const char *match;
	enum bm_rt_class class;
} rt_table[] = {
	{ true, "virtio_balloon", BM_RT_BALLOONED },
	{ true, "hv_balloon", BM_RT_BALLOONED },
	{ true, "xen_balloon", BM_RT_BALLOONED },
	{ true, "vmw_balloon", BM_RT_BALLOONED },
	{ true, "cmm", BM_RT_BALLOONED },		/* powerpc pseries */
	{ true, "virtio_mem", BM_RT_VIRTIO_MEM },
	{ false, "virtballoon_", BM_RT_BALLOONED },
	/* virtio_balloon built in: fill_balloon() is inlined into its worker */
	{ false, "update_balloon_size_func", BM_RT_BALLOONED },
	{ false, "virtio_balloon", BM_RT_BALLOONED },
	{ false, "fill_balloon", BM_RT_BALLOONED },
	{ false, "leak_balloon", BM_RT_BALLOONED },
	{ false, "balloon_", BM_RT_BALLOONED },		/* xen: balloon_process, balloon_append... */
	{ false, "decrease_reservation", BM_RT_BALLOONED },
	{ false, "increase_reservation", BM_RT_BALLOONED },
	{ false, "free_balloon_pages", BM_RT_BALLOONED },
	{ false, "alloc_balloon_pages", BM_RT_BALLOONED },	/* hv_balloon */
	{ false, "hv_page_online_one", BM_RT_HOT_ADDED },	/* hv_balloon's hot-add */
	{ false, "vmballoon_", BM_RT_BALLOONED },
	{ false, "virtio_mem_", BM_RT_VIRTIO_MEM },
	{ false, "online_pages", BM_RT_HOT_ADDED },
	{ false, "offline_pages", BM_RT_HOT_ADDED },
	{ false, "__offline_pages", BM_RT_HOT_ADDED },
	{ false, "generic_online_page", BM_RT_HOT_ADDED },
	{ false, "__free_pages_core", BM_RT_HOT_ADDED },
	{ false, "adjust_present_page_count", BM_RT_HOT_ADDED },
	{ false, "online_memory_block", BM_RT_HOT_ADDED },
	{ false, "memory_block_", BM_RT_HOT_ADDED },
	{ false, "add_memory", BM_RT_HOT_ADDED },
	{ false, "__add_memory", BM_RT_HOT_ADDED },
	{ false, "remove_memory", BM_RT_HOT_ADDED },
	{ false, "try_remove_memory", BM_RT_HOT_ADDED },
	{ false, "arch_add_memory", BM_RT_HOT_ADDED },
	{ false, "arch_remove_memory", BM_RT_HOT_ADDED },
	{ false, "mhp_", BM_RT_HOT_ADDED },
	{ false, "free_bootmem_page", BM_RT_HUGETLB_VMEMMAP },
	{ false, "hugetlb_vmemmap_", BM_RT_HUGETLB_VMEMMAP },
	{ false, "vmemmap_remap_", BM_RT_HUGETLB_VMEMMAP },
	{ false, "free_vmemmap_page", BM_RT_HUGETLB_VMEMMAP },
};

static enum bm_rt_class rt_classify(const struct bmf_rt_caller *c)
{
	for (size_t i = 0; i < sizeof(rt_table) / sizeof(rt_table[0]); i++) {
		if (rt_table[i].module ? strcmp(c->module, rt_table[i].match) == 0 :
		    strncmp(c->caller, rt_table[i].match, strlen(rt_table[i].match)) == 0)
			return rt_table[i].class;
	}
	return BM_RT_OTHER;
}

/* Plugged memory is RAM; a balloon or a vmemmap free moves pages, not RAM. */
static bool rt_class_moves_ram(enum bm_rt_class c)
{
	return c == BM_RT_VIRTIO_MEM || c == BM_RT_HOT_ADDED;
}

/*
 * Each class adds ram_delta to RAM and (in - out) pages to MemTotal; its
 * term is the difference, so that the identity stays exact:
 *   balloon:          ram_delta 0, term = pages the balloon holds;
 *   hotplug:          ram_delta = memblock bytes added - removed when memblock
 *                     saw them, else the pages onlined; term = what was added
 *                     but is not online;
 *   hugetlb vmemmap:  ram_delta 0, term = -(pages returned): they were held
 *                     at boot and are in MemTotal now.
 */
static void runtime_terms(struct bootmem_report *r, int64_t ps)
{
	struct bm_reconciliation *rec = &r->rec;
	const struct bmf_runtime *rt = r->in.runtime;
	int64_t total = 0;

	rec->has_runtime = rt != NULL;
	for (size_t i = 0; rt && i < rt->n; i++) {
		const struct bmf_rt_caller *c = &rt->e[i];
		enum bm_rt_class k = r->runtime_class ? r->runtime_class[i] : rt_classify(c);
		struct bm_runtime_term *t = &rec->terms[k];

		t->pages_in = util_sat_add(t->pages_in, c->pages_in);
		t->pages_out = util_sat_add(t->pages_out, c->pages_out);
		t->events = util_sat_add(t->events, c->events);
		t->bytes_added = util_sat_add(t->bytes_added, c->bytes_added);
		t->bytes_removed = util_sat_add(t->bytes_removed, c->bytes_removed);
		t->n_callers++;
	}
	for (int k = 0; k < _BM_RT_MAX; k++) {
		struct bm_runtime_term *t = &rec->terms[k];
		int64_t net = util_wmul(util_wsub((int64_t)t->pages_in, (int64_t)t->pages_out), ps);
		int64_t bytes = util_wsub((int64_t)t->bytes_added, (int64_t)t->bytes_removed);

		if (rt_class_moves_ram((enum bm_rt_class)k))
			t->ram_delta = t->bytes_added || t->bytes_removed ? bytes : net;
		else
			t->ram_delta = bytes;
		t->bytes = rt ? fig(util_wsub(t->ram_delta, net), BM_SRC_RUNTIME) : unknown_fig;
		total = util_wadd(total, util_wsub(t->ram_delta, net));
	}
	rec->runtime = fig(total, rt ? BM_SRC_RUNTIME : BM_SRC_DERIVED);
}

static int64_t runtime_net_pages(const struct bootmem_report *r)
{
	int64_t n = 0;

	for (int k = 0; k < _BM_RT_MAX; k++)
		n = util_wadd(n, util_wsub((int64_t)r->rec.terms[k].pages_in, (int64_t)r->rec.terms[k].pages_out));
	return n;
}

static int64_t runtime_ram_delta(const struct bootmem_report *r)
{
	int64_t n = 0;

	for (int k = 0; k < _BM_RT_MAX; k++)
		n = util_wadd(n, r->rec.terms[k].ram_delta);
	return n;
}

static int evaluate(struct engine *en, struct tally *t)
{
	struct bootmem_report *r = en->r;
	struct imap ram_p = { 0 }, mem_p = { 0 }, nomap_p = { 0 }, added_p = { 0 };
	uint64_t *b = NULL, ram = 0, removed = 0, nomap = 0, released = 0, held = 0, unattributed = 0;
	uint64_t not_ram = 0;
	uint64_t released_elsewhere = 0, ps = 1ull << en->sh;
	size_t nb = 0, cap = 0, nu = 0;
	int rc;

	/* RAM is what firmware reported when the log says; else what memblock was given. */
	rc = pages_of_runs(en->has_fwram ? &en->fwram : &en->ram, 1, en->sh, false, &ram_p);
	if (rc >= 0)
		rc = pages_of_runs(&en->ram, 1, en->sh, false, &added_p);
	if (rc >= 0)
		rc = pages_of_runs(&en->mem, MEM_PRESENT, en->sh, false, &mem_p);
	if (rc >= 0)
		rc = pages_of_runs(&en->mem, MEM_NOMAP, en->sh, true, &nomap_p);
	if (rc < 0)
		goto out;

	rc = add_bounds(&b, &nb, &cap, &ram_p);
	if (rc >= 0)
		rc = add_bounds(&b, &nb, &cap, &mem_p);
	if (rc >= 0)
		rc = add_bounds(&b, &nb, &cap, &nomap_p);
	if (rc >= 0)
		rc = add_bounds(&b, &nb, &cap, &en->live);
	if (rc >= 0)
		rc = add_bounds(&b, &nb, &cap, &en->ever);
	if (rc >= 0)
		rc = add_bounds(&b, &nb, &cap, &en->rel);
	if (rc >= 0)
		rc = add_bounds(&b, &nb, &cap, &added_p);
	if (rc >= 0)
		rc = add_bounds(&b, &nb, &cap, &en->notram);
	if (rc < 0)
		goto out;
	if (nb + 2 * en->n_claims > cap) {
		uint64_t *n2 = realloc(b, (nb + 2 * en->n_claims + 1) * sizeof(*b));

		if (!n2) {
			rc = -ENOMEM;
			goto out;
		}
		b = n2;
	}
	for (size_t i = 0; i < en->n_claims; i++) {
		b[nb++] = en->claims[i].ps;
		b[nb++] = en->claims[i].pe;
	}
	if (nb)
		qsort(b, nb, sizeof(*b), util_cmp_u64);
	for (size_t i = 0; i < nb; i++)
		if (!nu || b[nu - 1] != b[i])
			b[nu++] = b[i];

	for (size_t i = 0; i + 1 < nu; i++) {
		uint64_t p = b[i], n = b[i + 1] - b[i];
		int64_t relv = imap_get(&en->rel, p), live = imap_get(&en->live, p);
		int64_t ever = imap_get(&en->ever, p);
		const struct claim *id = identity_at(en, p);
		int64_t fw = imap_get(&en->notram, p);
		ssize_t owner = -1;

		/* Firmware regions memblock knows that are not RAM stay out of the identity. */
		if (fw || (!imap_get(&ram_p, p) && imap_get(&added_p, p))) {
			not_ram += n;
			if (relv)
				released_elsewhere += n;
			owner = fw ? (ssize_t)fw - 1 : en->fw_region;
			if (owner >= 0)
				t[owner].not_ram += n;
			continue;
		}
		if (!imap_get(&ram_p, p)) {
			if (relv)
				released_elsewhere += n;
			continue;
		}
		ram += n;
		if (!imap_get(&mem_p, p)) {
			removed += n;
			if (relv)
				released_elsewhere += n;
			continue;
		}
		if (imap_get(&nomap_p, p)) {
			nomap += n;
			if (relv)
				released_elsewhere += n;
			owner = id ? (ssize_t)id->region : ever ? (ssize_t)en->claims[ever - 1].region : -1;
			if (owner >= 0)
				t[owner].nomap += n;
			continue;
		}
		if (relv) {
			released += n;
			owner = id ? (ssize_t)id->region : ever ? (ssize_t)en->claims[ever - 1].region : -1;
			if (owner >= 0) {
				t[owner].freed += n;
				rc = region_add_event(&r->regions[owner], (size_t)(relv - 1));
				if (rc < 0)
					goto out;
			}
			continue;
		}
		owner = id ? (ssize_t)id->region : live ? (ssize_t)en->claims[live - 1].region : -1;
		if (live && (size_t)owner != en->claims[live - 1].region)
			t[en->claims[live - 1].region].shadowed += n;
		if (live)
			t[en->claims[live - 1].region].live += n;
		for (size_t c = 0; c < en->n_claims; c++)
			if (!en->claims[c].identity && en->claims[c].ps <= p && p < en->claims[c].pe &&
			    en->claims[c].region != DEFERRED)
				t[en->claims[c].region].shares_held = true;
		if (owner >= 0) {
			t[owner].held += n;
			held += n;
		} else {
			unattributed += n;
			rc = add_unexplained(&r->rec, p * ps, n * ps);
			if (rc < 0)
				goto out;
		}
	}

	{
		struct bm_reconciliation *rec = &r->rec;
		int64_t memtotal_log;

		runtime_terms(r, (int64_t)ps);
		/* The totals hold even when the event list was full. */
		memtotal_log = util_wmul(util_wadd(r->in.log->totals.managed_pages, runtime_net_pages(r)),
					 (int64_t)ps);
		rec->boot_ram = fig((int64_t)(ram * ps), BM_SRC_LOG);
		rec->not_ram = fig((int64_t)(not_ram * ps), BM_SRC_LOG);
		rec->ram = fig(util_wadd(rec->boot_ram.value, runtime_ram_delta(r)), BM_SRC_LOG);
		rec->removed = fig((int64_t)(removed * ps), BM_SRC_LOG);
		rec->nomap = fig((int64_t)(nomap * ps), BM_SRC_LOG);
		rec->held = fig((int64_t)(held * ps), BM_SRC_LOG);
		rec->unattributed = fig((int64_t)(unattributed * ps), BM_SRC_LOG);
		rec->released = fig((int64_t)(released * ps), BM_SRC_LOG);
		rec->memtotal_log = fig(memtotal_log, BM_SRC_LOG);
		if (r->in.has_meminfo) {
			rec->memtotal = fig((int64_t)r->in.meminfo.memtotal, BM_SRC_MEMINFO);
			rec->consistent_known = true;
			rec->memtotal_consistent = (uint64_t)memtotal_log == r->in.meminfo.memtotal;
		} else {
			rec->memtotal = fig(memtotal_log, BM_SRC_LOG);
			add_missing(r, "memtotal_consistent");
		}
		rec->gap = fig(util_wsub(rec->ram.value, rec->memtotal.value), BM_SRC_DERIVED);
		rec->unexplained = fig(util_wsub(util_wsub(util_wsub(util_wsub(util_wsub(rec->ram.value,
											   rec->memtotal.value),
									 rec->held.value), rec->nomap.value),
						       rec->removed.value), rec->runtime.value), BM_SRC_DERIVED);
		if (released_elsewhere) {
			rc = add_finding(r, "released_outside_ram", BM_WARNING, BM_SRC_LOG, NULL,
					 "the log releases %" PRIu64 " pages that are not usable RAM "
					 "(removed, no-map or never added)", released_elsewhere);
			if (rc < 0)
				goto out;
		}
		/* The released ranges are the records': compare them with the records' page counts. */
		if (released != (uint64_t)en->log_pages) {
			rc = add_finding(r, "page_count_mismatch", BM_WARNING, BM_SRC_LOG, NULL,
					 "the released ranges cover %" PRIu64 " pages but the page "
					 "counts add up to %" PRId64, released, en->log_pages);
			if (rc < 0)
				goto out;
		}
	}
	rc = 0;
out:
	free(b);
	imap_free(&ram_p);
	imap_free(&mem_p);
	imap_free(&nomap_p);
	imap_free(&added_p);
	return rc;
}

/*
 * memblock memory outside every BMF_FW_RAM range (x86: a cacheable region
 * e820 does not call RAM) is one named region, "firmware_not_ram".
 */
static int firmware_not_ram(struct engine *en)
{
	struct imap rest = { 0 };
	ssize_t g;
	int rc = 0;

	for (size_t i = 0; i < en->ram.n && rc >= 0; i++)
		rc = imap_apply(&rest, en->ram.a[i].s, en->ram.a[i].e, OP_SET, 1);
	for (size_t i = 0; i < en->fwram.n && rc >= 0; i++)
		rc = imap_apply(&rest, en->fwram.a[i].s, en->fwram.a[i].e, OP_CLEAR, 0);
	/* named NOT_RAM identities have their own regions */
	for (size_t i = 0; i < en->notram.n && rc >= 0; i++)
		rc = imap_apply(&rest, en->notram.a[i].s << en->sh,
				en->notram.a[i].e > (UINT64_MAX >> en->sh) ? UINT64_MAX : en->notram.a[i].e << en->sh,
				OP_CLEAR, 0);
	if (rc >= 0 && rest.n) {
		g = get_region(en->r, "firmware_not_ram", BM_KIND_FIRMWARE, BM_SRC_LOG);
		if (g < 0)
			rc = (int)g;
		for (size_t i = 0; rc >= 0 && i < rest.n; i++)
			rc = region_add_range(&en->r->regions[g], rest.a[i].s, rest.a[i].e - rest.a[i].s);
		if (rc >= 0)
			en->fw_region = g;
	}
	imap_free(&rest);
	return rc;
}

static void set_fate(struct bm_region *g, const struct engine *en)
{
	int64_t held = g->held.value, freed = g->freed.value;

	if (g->kind == BM_KIND_INITRD && (en->initrd_retained || en->initrd_kept) && held > 0) {
		g->fate = BM_FATE_RETAINED;
		if (!g->reason)
			region_set_reason(g, en->initrd_kept ? "overlaps the crashkernel" : "retain_initrd");
	} else if (g->fate == BM_FATE_REJECTED && held == 0 && freed == 0)
		g->fate = BM_FATE_REJECTED;
	else if (g->flags & BMF_F_NOMAP || (g->nomap.value > 0 && held == 0 && freed == 0))
		g->fate = BM_FATE_NOMAP;
	else if (g->flags & BMF_F_REUSABLE || g->kind == BM_KIND_CMA)
		g->fate = BM_FATE_REUSABLE;
	else if (held > 0 && freed > 0)
		g->fate = BM_FATE_PARTIALLY_FREED;
	else if (freed > 0)
		g->fate = BM_FATE_FREED;
	else if (held > 0)
		g->fate = BM_FATE_HELD;
	else
		g->fate = BM_FATE_UNKNOWN;
}

static int build_patched(struct bootmem_report *r)
{
	const struct bmf_log *log = r->in.log;
	struct engine en = { .r = r, .log = log, .fw_region = -1 };
	struct tally *t = NULL;
	uint64_t ps;
	int rc;

	r->page_size = log->page_size;
	en.sh = page_shift(log->page_size);
	ps = log->page_size;

	rc = replay(&en);
	if (rc >= 0)
		rc = resolve_deferred(&en);
	if (rc >= 0 && en.has_fwram)
		rc = firmware_not_ram(&en);
	if (rc < 0)
		goto out;

	/* Claims give regions their ranges, flags and lifecycle. */
	for (size_t i = 0; i < en.n_claims; i++) {
		const struct claim *c = &en.claims[i];
		const struct bmf_event *e = &log->events[c->event];
		struct bm_region *g = &r->regions[c->region];

		g->flags |= e->flags;
		g->n_claims += e->count;	/* a record may coalesce several events */
		rc = region_add_range(g, e->base, e->size);
		if (rc >= 0)
			rc = region_add_event(g, c->event);
		if (rc < 0)
			goto out;
	}
	t = calloc(r->n_regions ? r->n_regions : 1, sizeof(*t));
	if (!t) {
		rc = -ENOMEM;
		goto out;
	}
	/* memblock frees and milestones belong to the regions they touch. */
	for (size_t i = 0; i < log->n_events; i++) {
		const struct bmf_event *e = &log->events[i];

		for (size_t k = 0; k < r->n_regions; k++) {
			struct bm_region *g = &r->regions[k];
			bool hit = false;

			if (e->kind == BMF_FREE || e->kind == BMF_FREE_LATE || e->kind == BMF_FREE_AREA ||
			    e->kind == BMF_FREE_PAGE || e->kind == BMF_NOMAP_MARK)
				hit = region_overlaps(g, e->base, e->size);
			if (hit && (e->kind == BMF_FREE || e->kind == BMF_FREE_LATE))
				t[k].memblock_freed = true;
			else if (e->kind >= BMF_INITRD_UNPACKED && e->kind <= BMF_INITRD_KEPT)
				hit = g->kind == BM_KIND_INITRD;
			else if (e->kind == BMF_INITMEM_DONE)
				hit = g->kind == BM_KIND_KERNEL_INIT;
			if (hit) {
				rc = region_add_event(g, i);
				if (rc < 0)
					goto out;
			}
		}
	}

	rc = evaluate(&en, t);
	if (rc < 0)
		goto out;

	for (size_t k = 0; k < r->n_regions; k++) {
		struct bm_region *g = &r->regions[k];
		region_merge_ranges(g);
		region_sort_events(g);
		g->reserved = fig((int64_t)region_range_bytes(g), BM_SRC_LOG);
		g->held = fig((int64_t)(t[k].held * ps), BM_SRC_LOG);
		g->freed = fig((int64_t)(t[k].freed * ps), BM_SRC_LOG);
		g->nomap = fig((int64_t)(t[k].nomap * ps), BM_SRC_LOG);
		set_fate(g, &en);
		if (t[k].not_ram && !t[k].held && !t[k].freed) {
			g->fate = BM_FATE_NOT_RAM;
			if (!g->reason && region_set_reason(g, "firmware, not RAM") < 0) {
				rc = -ENOMEM;
				goto out;
			}
		}
		/*
		 * A reservation inside a named region (x86's early page tables in
		 * the kernel image's brk) has its pages counted there; it is still
		 * held, not unknown.
		 */
		if (g->fate == BM_FATE_UNKNOWN && (t[k].shadowed || t[k].live ||
						    (t[k].shares_held && !t[k].memblock_freed)))
			g->fate = BM_FATE_HELD;
		/*
		 * Given back with memblock_free() before the page allocator ran:
		 * its pages were released or reused under other owners.
		 */
		else if (g->fate == BM_FATE_UNKNOWN && t[k].memblock_freed)
			g->fate = BM_FATE_FREED;
	}
	/*
	 * The "kernel" region holds the image's pages outside its named
	 * sections; its fate is the whole image's.
	 */
	for (size_t k = 0; k < r->n_regions; k++) {
		struct bm_region *g = &r->regions[k], whole = *g;

		if (g->kind != BM_KIND_KERNEL)
			continue;
		whole.reason = NULL;
		for (size_t j = 0; j < r->n_regions; j++)
			if (j != k && r->regions[j].kind >= BM_KIND_KERNEL_TEXT &&
			    r->regions[j].kind <= BM_KIND_KERNEL_INIT) {
				whole.held.value = util_wadd(whole.held.value, r->regions[j].held.value);
				whole.freed.value = util_wadd(whole.freed.value, r->regions[j].freed.value);
			}
		set_fate(&whole, &en);
		g->fate = whole.fate;
	}
	rc = 0;
out:
	free(t);
	free(en.claims);
	imap_free(&en.ram);
	imap_free(&en.mem);
	imap_free(&en.live);
	imap_free(&en.ever);
	imap_free(&en.rel);
	imap_free(&en.fwram);
	imap_free(&en.notram);
	return rc;
}

/* ---- intent (FDT, boot_params) against action (the log) ---------------- */

static bool ranges_cover(const struct bm_region *g, uint64_t base, uint64_t size)
{
	for (size_t i = 0; i < g->n_ranges; i++)
		if (g->ranges[i].base <= base && base + size <= g->ranges[i].base + g->ranges[i].size)
			return true;
	return false;
}

static const struct bm_region *find_rmem_region(const struct bootmem_report *r, const char *node)
{
	size_t unit = strcspn(node, "@");

	for (size_t i = 0; i < r->n_regions; i++) {
		const struct bm_region *g = &r->regions[i];
		const char *name = g->name;

		if (g->kind != BM_KIND_RESERVED_MEMORY && g->kind != BM_KIND_CMA)
			continue;
		if (g->kind == BM_KIND_CMA && strncmp(name, "cma:", 4) == 0)
			name += 4;
		if (strcmp(name, node) == 0 ||
		    (strlen(name) == unit && strncmp(name, node, unit) == 0))
			return g;
	}
	return NULL;
}

static void fmt_ranges(const struct bm_region *g, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < g->n_ranges && used < n; i++) {
		int k = snprintf(buf + used, n - used, "%s[0x%" PRIx64 "-0x%" PRIx64 ")",
				 i ? ", " : "", g->ranges[i].base, g->ranges[i].base + g->ranges[i].size);
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

static int initrd_findings(struct bootmem_report *r)
{
	const struct bm_region *g = model_find_kind(r, BM_KIND_INITRD);
	uint64_t s = 0, e = 0;
	enum bm_src src = BM_SRC_FDT;
	char where[256];
	bool intent = false;

	if (r->in.fdt && r->in.fdt->has_initrd && r->in.fdt->initrd_end > r->in.fdt->initrd_start) {
		intent = true;
		s = r->in.fdt->initrd_start;
		e = r->in.fdt->initrd_end;
	} else if (r->in.has_boot_params && r->in.boot_params.ramdisk_size) {
		intent = true;
		src = BM_SRC_BOOT_PARAMS;
		s = r->in.boot_params.ramdisk_image;
		e = s + r->in.boot_params.ramdisk_size;
	}
	if (g && g->fate == BM_FATE_REJECTED) {
		const struct bmf_event *rej = NULL;

		for (size_t i = 0; i < g->n_events; i++)
			if (r->in.log->events[g->events[i]].kind == BMF_REJECT)
				rej = &r->in.log->events[g->events[i]];
		if (rej && intent && (rej->base != s || rej->base + rej->size != e))
			return add_finding(r, "initrd_rejected", BM_WARNING, BM_SRC_LOG, g->name,
					   "the kernel rejected the initrd at [0x%" PRIx64 "-0x%" PRIx64 "): %s "
					   "(%s placed one at [0x%" PRIx64 "-0x%" PRIx64 "); the command line "
					   "overrode it)", rej->base, rej->base + rej->size,
					   g->reason ? g->reason : "no reason given", bm_src_name(src), s, e);
		if (rej)
			return add_finding(r, "initrd_rejected", BM_WARNING, intent ? src : BM_SRC_LOG, g->name,
					   "the kernel rejected the initrd at [0x%" PRIx64 "-0x%" PRIx64 "): %s",
					   rej->base, rej->base + rej->size, g->reason ? g->reason : "no reason given");
		return add_finding(r, "initrd_rejected", BM_WARNING, BM_SRC_LOG, g->name,
				   "the kernel rejected the initrd: %s", g->reason ? g->reason : "no reason given");
	}
	if (intent && !g)
		return add_finding(r, "initrd_ignored", BM_WARNING, src, NULL,
				   "%s places an initrd at [0x%" PRIx64 "-0x%" PRIx64 ") but the kernel "
				   "log never reserved one", bm_src_name(src), s, e);
	if (!g)
		return 0;
	fmt_ranges(g, where, sizeof(where));
	if (intent && !ranges_cover(g, s, e - s)) {
		int rc = add_finding(r, "initrd_moved", BM_INFO, src, g->name,
				     "%s places the initrd at [0x%" PRIx64 "-0x%" PRIx64 "); the kernel "
				     "reserved %s", bm_src_name(src), s, e, where);
		if (rc < 0)
			return rc;
	}
	if (g->fate == BM_FATE_PARTIALLY_FREED)
		return add_finding(r, "initrd_partially_freed", BM_INFO, BM_SRC_LOG, g->name,
				   "%" PRId64 " bytes of the initrd's pages were never released "
				   "(partial pages at its ends)", g->held.value);
	return 0;
}

static int rmem_findings(struct bootmem_report *r)
{
	const struct fdt_info *fdt = r->in.fdt;
	int rc;

	if (!fdt)
		return 0;
	for (size_t i = 0; i < fdt->n_rmem; i++) {
		const struct fdt_rmem_node *n = &fdt->rmem[i];
		const struct bm_region *g;
		char where[256];

		if (n->disabled)
			continue;
		g = find_rmem_region(r, n->name);
		if (!g) {
			rc = add_finding(r, "rmem_not_reserved", BM_WARNING, BM_SRC_FDT, n->name,
					 "reserved-memory node %s%s is in the device tree but the kernel "
					 "log never reserved it", n->name, n->bad ? " (malformed)" : "");
			if (rc < 0)
				return rc;
			continue;
		}
		if (g->fate == BM_FATE_REJECTED) {
			rc = add_finding(r, "rmem_rejected", BM_WARNING, BM_SRC_LOG, g->name,
					 "the kernel could not reserve reserved-memory node %s", n->name);
			if (rc < 0)
				return rc;
			continue;
		}
		fmt_ranges(g, where, sizeof(where));
		if (!n->n_reg && n->has_size) {
			rc = add_finding(r, "rmem_dynamic", BM_INFO, BM_SRC_LOG, g->name,
					 "reserved-memory node %s asks for %" PRIu64 " bytes anywhere; "
					 "the kernel placed it at %s", n->name, n->size, where);
			if (rc < 0)
				return rc;
			continue;
		}
		for (size_t k = 0; k < n->n_reg; k++) {
			if (n->reg[k].size && !ranges_cover(g, n->reg[k].base, n->reg[k].size)) {
				rc = add_finding(r, "rmem_mismatch", BM_WARNING, BM_SRC_FDT, g->name,
						 "reserved-memory node %s asks for [0x%" PRIx64 "-0x%" PRIx64
						 ") but the kernel recorded %s", n->name, n->reg[k].base,
						 n->reg[k].base + n->reg[k].size, where[0] ? where : "nothing");
				if (rc < 0)
					return rc;
			}
		}
	}
	for (size_t i = 0; i < fdt->n_memreserve; i++) {
		const struct fdt_range *m = &fdt->memreserve[i];
		bool found = false;

		for (size_t k = 0; k < r->n_regions && !found; k++)
			found = ranges_cover(&r->regions[k], m->base, m->size);
		if (!found && m->size) {
			rc = add_finding(r, "memreserve_not_reserved", BM_WARNING, BM_SRC_FDT, NULL,
					 "/memreserve/ entry [0x%" PRIx64 "-0x%" PRIx64 ") has no "
					 "reservation in the kernel log", m->base, m->base + m->size);
			if (rc < 0)
				return rc;
		}
	}
	{
		const struct bm_region *g = model_find_kind(r, BM_KIND_FDT);

		if (g && (uint64_t)g->reserved.value < fdt->totalsize) {
			rc = add_finding(r, "fdt_size_mismatch", BM_WARNING, BM_SRC_FDT, g->name,
					 "the FDT blob is %u bytes but the kernel reserved %" PRId64,
					 fdt->totalsize, g->reserved.value);
			if (rc < 0)
				return rc;
		} else if (!g) {
			rc = add_finding(r, "fdt_not_reserved", BM_WARNING, BM_SRC_FDT, NULL,
					 "a %u-byte FDT was passed but the kernel log has no FDT "
					 "reservation", fdt->totalsize);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* printf into @buf at *used, never past @n. */
__attribute__((format(printf, 4, 5)))
static void catf(char *buf, size_t n, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*used >= n)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *used, n - *used, fmt, ap);
	va_end(ap);
	if (k > 0)
		*used = *used + (size_t)k < n ? *used + (size_t)k : n;
}

/*
 * The records against the kernel's running totals: per page-count kind,
 * records + dropped must equal the totals, and a full list says exactly
 * what it cost.
 */
static int totals_findings(struct bootmem_report *r)
{
	const struct bmf_log *log = r->in.log;
	const struct bmf_log_totals *t = &log->totals;
	char what[768], a[32];
	size_t used = 0;
	int64_t managed = 0;
	int rc = 0;

	memset(r->record_pages, 0, sizeof(r->record_pages));
	r->dropped_events = r->dropped_bytes = 0;
	r->dropped_pages = 0;
	for (size_t i = 0; i < log->n_events; i++) {
		const struct bmf_event *e = &log->events[i];

		if (e->kind < BMF_NR_KINDS && bmf_kind_counts_pages(e->kind))
			r->record_pages[e->kind] = util_wadd(r->record_pages[e->kind], e->pages);
	}
	r->log_totals_consistent = true;
	for (unsigned k = 0; k < BMF_NR_KINDS; k++) {
		r->dropped_events = util_sat_add(r->dropped_events, t->dropped_events[k]);
		r->dropped_bytes = util_sat_add(r->dropped_bytes, t->dropped_bytes[k]);
		r->dropped_pages = util_wadd(r->dropped_pages, t->dropped_pages[k]);
		if (!bmf_kind_counts_pages(k))
			continue;
		managed = util_wadd(managed, t->kind_pages[k]);
		if (util_wadd(r->record_pages[k], t->dropped_pages[k]) != t->kind_pages[k]) {
			r->log_totals_consistent = false;
			catf(what, sizeof(what), &used, "%s%s: records %" PRId64 " + dropped %" PRId64
			     " pages, totals %" PRId64, used ? "; " : "", bmf_kind_name(k), r->record_pages[k],
			     t->dropped_pages[k], t->kind_pages[k]);
		}
	}
	if (managed != t->managed_pages) {
		r->log_totals_consistent = false;
		catf(what, sizeof(what), &used, "%smanaged_pages %" PRId64 " but the kinds add up to %" PRId64,
		     used ? "; " : "", t->managed_pages, managed);
	}
	if (!r->log_totals_consistent)
		rc = add_finding(r, "log_totals_mismatch", BM_WARNING, BM_SRC_LOG, NULL,
				 "the log's records do not add up to its own totals: %s", what);
	if (rc >= 0 && (t->labels_truncated || t->labels_lost))
		rc = add_finding(r, "log_labels", BM_INFO, BM_SRC_LOG, NULL,
				 "the kernel cut %" PRIu64 " labels to fit and could not keep %" PRIu64
				 ": some region names are shortened or missing", t->labels_truncated, t->labels_lost);
	if (rc < 0 || !r->dropped_events)
		return rc;
	used = 0;
	for (unsigned k = 0; k < BMF_NR_KINDS; k++)
		if (t->dropped_events[k])
			catf(what, sizeof(what), &used, "%s%s %" PRIu64 " events, %s, %" PRId64 " pages",
			     used ? "; " : "", bmf_kind_name(k), t->dropped_events[k],
			     util_format_bytes(t->dropped_bytes[k], a, sizeof(a)), t->dropped_pages[k]);
	return add_finding(r, "log_dropped", BM_WARNING, BM_SRC_LOG, NULL,
			   "the kernel's event list was full (capacity %u, %u reserved) and lost %" PRIu64
			   " events (%" PRIu64 " bytes, %" PRId64 " pages): %s; MemTotal from the totals is "
			   "still exact, regions and lifecycles miss these events", log->capacity,
			   log->reserved_slots, r->dropped_events, r->dropped_bytes, r->dropped_pages, what);
}

static int runtime_findings(struct bootmem_report *r)
{
	const struct bmf_runtime *rt = r->in.runtime;
	const struct bmf_log *log = r->in.log;
	char who[512];
	size_t used = 0;
	int rc = 0;

	if (!rt)
		return 0;
	if (rt->page_size != log->page_size)
		rc = add_finding(r, "runtime_page_size", BM_WARNING, BM_SRC_RUNTIME, NULL,
				 "the runtime file's page size %u differs from the log's %u", rt->page_size,
				 log->page_size);
	if (rc >= 0 && rt->saturated)
		rc = add_finding(r, "runtime_saturated", BM_WARNING, BM_SRC_RUNTIME, NULL,
				 "a runtime counter reached its maximum and stopped: runtime terms are "
				 "lower bounds");
	else if (rc >= 0 && rt->managed_pages != util_wadd(log->totals.managed_pages,
							      util_wsub((int64_t)rt->pages_in,
									(int64_t)rt->pages_out)))
		rc = add_finding(r, "runtime_inconsistent", BM_WARNING, BM_SRC_RUNTIME, NULL,
				 "the runtime file's managed pages (%" PRId64 ") are not the log's %" PRId64
				 " plus %" PRIu64 " in minus %" PRIu64 " out", rt->managed_pages,
				 log->totals.managed_pages, rt->pages_in, rt->pages_out);
	for (size_t i = 0; i < rt->n; i++)
		if (r->runtime_class[i] == BM_RT_OTHER)
			catf(who, sizeof(who), &used, "%s%s%s%s", used ? ", " : "", rt->e[i].caller,
			     rt->e[i].module[0] ? " " : "", rt->e[i].module);
	if (rc >= 0 && used)
		rc = add_finding(r, "runtime_other", BM_INFO, BM_SRC_RUNTIME, NULL,
				 "page count changes after boot by callers bootmemd does not classify: %s", who);
	return rc;
}

static int log_findings(struct bootmem_report *r)
{
	const struct bmf_log *log = r->in.log;
	const struct bm_reconciliation *rec = &r->rec;
	int rc = 0;

	rc = totals_findings(r);
	if (rc >= 0)
		rc = runtime_findings(r);
	if (rc >= 0 && (log->unknown_kinds || log->unknown_tags))
		rc = add_finding(r, "log_unknown_records", BM_WARNING, BM_SRC_LOG, NULL,
				 "%zu records of an unknown kind and %zu with an unknown tag were "
				 "ignored (a newer kernel?)", log->unknown_kinds, log->unknown_tags);
	if (rc >= 0 && rec->unexplained.value != 0) {
		char ranges[512] = "";
		size_t used = 0;

		for (size_t i = 0; i < rec->n_unexplained_ranges && used < sizeof(ranges) - 64; i++) {
			int k = snprintf(ranges + used, sizeof(ranges) - used, "%s[0x%" PRIx64 "-0x%" PRIx64 ")",
					 i ? ", " : "", rec->unexplained_ranges[i].base,
					 rec->unexplained_ranges[i].base + rec->unexplained_ranges[i].size);
			if (k < 0)
				break;
			used += (size_t)k;
		}
		rc = add_finding(r, "unexplained", BM_WARNING, BM_SRC_LOG, NULL,
				 "%" PRId64 " bytes are unexplained (%" PRId64 " held with no reservation"
				 "%s%s%s)", rec->unexplained.value, rec->unattributed.value,
				 used ? ": " : "", ranges,
				 rec->released.value != rec->memtotal.value ? "; released pages differ from MemTotal" : "");
	}
	if (rc >= 0 && rec->consistent_known && !rec->memtotal_consistent)
		rc = add_finding(r, "memtotal_inconsistent", BM_WARNING, BM_SRC_MEMINFO, NULL,
				 "MemTotal rebuilt from the log is %" PRId64 " bytes, /proc/meminfo "
				 "says %" PRIu64, rec->memtotal_log.value, r->in.meminfo.memtotal);
	if (rc >= 0 && r->in.has_meminfo && !r->in.runtime &&
	    log->totalram_pages * log->page_size != r->in.meminfo.memtotal)
		rc = add_finding(r, "totalram_changed", BM_INFO, BM_SRC_LOG, NULL,
				 "totalram_pages when the log was read (%" PRIu64 " pages) differs "
				 "from /proc/meminfo MemTotal", log->totalram_pages);
	return rc;
}

/* ---- stock mode: what an unpatched kernel lets us know ------------------ */

static int stock_region(struct bootmem_report *r, const char *name, enum bm_kind kind,
			enum bm_src src, struct bm_region **out)
{
	ssize_t g = get_region(r, name, kind, src);

	if (g < 0)
		return (int)g;
	*out = &r->regions[g];
	(*out)->reserved = unknown_fig;
	(*out)->held = unknown_fig;
	(*out)->freed = unknown_fig;
	(*out)->nomap = unknown_fig;
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
		g->reserved = fig((int64_t)v, src);
		if (e) {
			rc = region_add_range(g, e->start, v);
			if (rc < 0)
				return rc;
		}
		/* The sections stay for the life of the kernel, unlike init. */
		g->held = fig((int64_t)v, src);
		g->freed = fig(0, src);
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
		g->freed = fig((a > 0 ? a : 0) + (b > 0 ? b : 0), BM_SRC_DMESG);
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
			g->reserved = fig((int64_t)d->mem_init, BM_SRC_DMESG);
		if (freed >= 0) {
			g->freed = fig(freed, BM_SRC_DMESG);
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
		g->reserved = fig((int64_t)size, src);
		rc = region_add_range(g, base, size);
		if (rc < 0)
			return rc;
	}
	if (d && d->initrd_rejected) {
		g->fate = BM_FATE_REJECTED;
		g->reserved = fig(0, BM_SRC_DMESG);
		g->held = fig(0, BM_SRC_DMESG);
		g->freed = fig(0, BM_SRC_DMESG);
		rc = region_set_reason(g, d->initrd_reject_reason);
		if (rc >= 0)
			rc = add_finding(r, "initrd_rejected", BM_WARNING, BM_SRC_DMESG, g->name,
					 "the kernel rejected the initrd: %s", d->initrd_reject_reason);
		return rc;
	}
	if (r->in.initrd_sysfs) {
		g->fate = BM_FATE_RETAINED;
		g->freed = fig(0, BM_SRC_DERIVED);
		return region_set_reason(g, "retain_initrd (sys/firmware/initrd exists)");
	}
	if (freed >= 0) {
		g->freed = fig(freed, BM_SRC_DMESG);
		g->fate = BM_FATE_FREED;
	}
	return 0;
}

static int stock_fdt(struct bootmem_report *r)
{
	const struct fdt_info *fdt = r->in.fdt;
	const struct dmesg_facts *d = r->in.has_dmesg ? &r->in.dmesg : NULL;
	struct bm_region *g = NULL;
	char name[96];
	int rc;

	if (!fdt)
		return 0;
	rc = stock_region(r, "fdt", BM_KIND_FDT, BM_SRC_FDT, &g);
	if (rc < 0)
		return rc;
	g->reserved = fig(fdt->totalsize, BM_SRC_FDT);

	for (size_t i = 0; i < fdt->n_memreserve; i++) {
		snprintf(name, sizeof(name), "memreserve@0x%" PRIx64, fdt->memreserve[i].base);
		rc = stock_region(r, name, BM_KIND_MEMRESERVE, BM_SRC_FDT, &g);
		if (rc < 0)
			return rc;
		g->reserved = fig((int64_t)fdt->memreserve[i].size, BM_SRC_FDT);
		rc = region_add_range(g, fdt->memreserve[i].base, fdt->memreserve[i].size);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < fdt->n_rmem; i++) {
		const struct fdt_rmem_node *n = &fdt->rmem[i];
		uint64_t size = 0;

		if (n->disabled)
			continue;
		rc = stock_region(r, n->name, BM_KIND_RESERVED_MEMORY, BM_SRC_FDT, &g);
		if (rc < 0)
			return rc;
		for (size_t k = 0; k < n->n_reg; k++) {
			size += n->reg[k].size;
			rc = region_add_range(g, n->reg[k].base, n->reg[k].size);
			if (rc < 0)
				return rc;
		}
		if (!n->n_reg && n->has_size)
			size = n->size;
		/* A dynamic node's placement is only in the boot messages. */
		for (size_t k = 0; d && k < d->n_rmem; k++)
			if (strcmp(d->rmem[k].name, n->name) == 0 && !n->n_reg) {
				rc = region_add_range(g, d->rmem[k].base, d->rmem[k].end - d->rmem[k].base + 1);
				if (rc < 0)
					return rc;
			}
		g->reserved = fig((int64_t)size, BM_SRC_FDT);
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

static int build_stock(struct bootmem_report *r)
{
	struct bm_reconciliation *rec = &r->rec;
	const struct dmesg_facts *d = r->in.has_dmesg ? &r->in.dmesg : NULL;
	int rc;

	/* RAM: the kernel's own view first (iomem), then firmware's, then the Memory: line. */
	if (r->in.iomem && !r->in.iomem->zeroed && iomem_sum_top(r->in.iomem, "System RAM"))
		rec->ram = fig((int64_t)iomem_sum_top(r->in.iomem, "System RAM"), BM_SRC_IOMEM);
	else if (r->in.memmap && memmap_sum(r->in.memmap, "System RAM"))
		rec->ram = fig((int64_t)memmap_sum(r->in.memmap, "System RAM"), BM_SRC_MEMMAP);
	else if (d && d->has_memory_line)
		rec->ram = fig((int64_t)d->mem_physpages, BM_SRC_DMESG);
	else
		add_missing(r, "ram_bytes");

	if (r->in.has_meminfo)
		rec->memtotal = fig((int64_t)r->in.meminfo.memtotal, BM_SRC_MEMINFO);
	else
		add_missing(r, "memtotal_bytes");
	if (rec->ram.known && rec->memtotal.known)
		rec->gap = fig(util_wsub(rec->ram.value, rec->memtotal.value), BM_SRC_DERIVED);
	else
		add_missing(r, "gap_bytes");

	add_missing(r, "memtotal_log_bytes");
	add_missing(r, "held_bytes");
	add_missing(r, "nomap_bytes");
	add_missing(r, "removed_bytes");
	add_missing(r, "unexplained_bytes");
	add_missing(r, "memtotal_consistent");
	add_missing(r, "region_held_bytes");
	add_missing(r, "events");

	rc = stock_kernel(r);
	if (rc >= 0)
		rc = stock_initrd(r);
	if (rc >= 0)
		rc = stock_fdt(r);
	if (rc < 0)
		return rc;
	if (!model_find_kind(r, BM_KIND_KERNEL_TEXT))
		add_missing(r, "kernel_sections");
	if (!model_find_kind(r, BM_KIND_INITRD))
		add_missing(r, "initrd");
	if (!r->in.fdt)
		add_missing(r, "fdt");
	return 0;
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

static void make_summary(struct bootmem_report *r)
{
	const struct bm_reconciliation *rec = &r->rec;
	char a[32], b[32], c[32];

	if (r->patched)
		snprintf(r->summary, sizeof(r->summary), "RAM %s, MemTotal %s, held %s, unexplained %s%s",
			 util_format_bytes((uint64_t)rec->ram.value, a, sizeof(a)),
			 util_format_bytes((uint64_t)rec->memtotal.value, b, sizeof(b)),
			 util_format_bytes((uint64_t)rec->held.value, c, sizeof(c)),
			 rec->unexplained.value == 0 ? "0 B" : "NONZERO",
			 rec->consistent_known && !rec->memtotal_consistent ? ", MemTotal inconsistent" : "");
	else if (rec->gap.known)
		snprintf(r->summary, sizeof(r->summary),
			 "stock kernel: RAM %s, MemTotal %s, boot cost %s (not itemized)",
			 util_format_bytes((uint64_t)rec->ram.value, a, sizeof(a)),
			 util_format_bytes((uint64_t)rec->memtotal.value, b, sizeof(b)),
			 util_format_bytes((uint64_t)rec->gap.value, c, sizeof(c)));
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
			r->runtime_class[i] = rt_classify(&r->in.runtime->e[i]);
	}
	if (r->patched) {
		rc = build_patched(r);
		if (rc >= 0)
			rc = initrd_findings(r);
		if (rc >= 0)
			rc = rmem_findings(r);
		if (rc >= 0)
			rc = log_findings(r);
	} else
		rc = build_stock(r);
	if (rc < 0)
		return rc;
	if (r->n_regions > 1)
		qsort(r->regions, r->n_regions, sizeof(*r->regions), cmp_region);
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
	r->rec.n_unexplained_ranges = 0;
}
