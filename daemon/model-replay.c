/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Patched mode: replays the kernel log into page maps, attributes every page
 * of RAM, and builds the regions and the reconciliation from them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "model-priv.h"
#include "interval-set.h"
#include "util.h"

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
	size_t n_claims, cap_claims;
	int64_t log_pages;	/* Σ pages over the page-count kinds */
	struct anon { uint16_t tag; uint64_t base; unsigned idx; } *anon;	/* unnamed tagged regions */
	size_t n_anon, cap_anon;
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
/*
 * An unnamed region under a tag is numbered by the order in which the log
 * first shows its base, per tag: stable for a kernel and a board, where
 * its address may not be (arm's vectors page sits at the top of lowmem).
 */
static ssize_t anon_index(struct engine *en, uint16_t tag, uint64_t base)
{
	unsigned n = 0;

	for (size_t i = 0; i < en->n_anon; i++) {
		if (en->anon[i].tag != tag)
			continue;
		if (en->anon[i].base == base)
			return en->anon[i].idx;
		n++;
	}
	if (GROW(en->anon, en->cap_anon, en->n_anon + 1) < 0)
		return -ENOMEM;
	en->anon[en->n_anon++] = (struct anon){ tag, base, n };
	return n;
}

static ssize_t region_for_event(struct engine *en, const struct bmf_event *e)
{
	char name[160];
	enum bm_kind kind;
	unsigned idx = 0;

	if (!bmf_tag_known(e->tag) || e->tag >= N_TAG_MAP)
		return -EINVAL;
	kind = tag_map[e->tag].kind;
	if (!tag_map[e->tag].name && !*e->label) {
		ssize_t a = anon_index(en, e->tag, e->base);

		if (a < 0)
			return a;
		idx = (unsigned)a;
	}
	if (tag_map[e->tag].name)
		snprintf(name, sizeof(name), "%s", tag_map[e->tag].name);
	else if (e->tag == BMF_TAG_MEMRESERVE)
		snprintf(name, sizeof(name), "memreserve_%u", idx);
	else if (e->tag == BMF_TAG_RESERVED_MEM && *e->label)
		snprintf(name, sizeof(name), "%s", e->label);
	else if (e->tag == BMF_TAG_RESERVED_MEM)
		snprintf(name, sizeof(name), "reserved_memory_%u", idx);
	else if (e->tag == BMF_TAG_CMA)
		/*
		 * cma->name: "reserved" for the default area, the node name for a
		 * reserved-memory CMA pool, which then shares the node's region.
		 */
		snprintf(name, sizeof(name), "%s",
			 !*e->label || strcmp(e->label, "reserved") == 0 ? "cma" : e->label);
	else if (e->kind == BMF_IDENTITY && *e->label)
		snprintf(name, sizeof(name), "%s", e->label);	/* reserve_mem=...:name, firmware, hash */
	else if (e->tag == BMF_TAG_VECTORS && idx < 2)
		/* arm: the vectors page is allocated first, the zero page after it */
		snprintf(name, sizeof(name), "%s", idx ? "zero_page" : "vectors");
	else if (e->tag == BMF_TAG_FIRMWARE || e->tag == BMF_TAG_VECTORS || e->tag == BMF_TAG_HASH ||
		 e->tag == BMF_TAG_RESERVE_MEM)
		snprintf(name, sizeof(name), "%s_%u", bmf_tag_name(e->tag), idx);
	else
		/* the kernel writes "?" for a caller it could not resolve */
		snprintf(name, sizeof(name), "%s", *e->caller && strcmp(e->caller, "?") ? e->caller : "unknown");
	return model_get_region(en->r, name, kind, BM_SRC_LOG);
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

	if (GROW(en->claims, en->cap_claims, en->n_claims + 1) < 0)
		return -ENOMEM;
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
			r = imap_apply(&en->ram, e->base, end, IMAP_OR, 1);
			if (r >= 0)
				r = imap_apply(&en->mem, e->base, end, IMAP_OR, MEM_PRESENT);
			break;
		case BMF_MEM_REMOVE:
			r = imap_apply(&en->mem, e->base, end, IMAP_CLEAR, 0);
			break;
		case BMF_MEM_CAP:
			/* memblock_cap_memory_range() also truncates memblock.reserved */
			r = imap_apply(&en->mem, 0, e->base, IMAP_CLEAR, 0);
			if (r >= 0 && end)
				r = imap_apply(&en->mem, end, UINT64_MAX, IMAP_CLEAR, 0);
			pages_in(e->base, e->size, en->sh, &ps, &pe);
			if (r >= 0)
				r = imap_apply(&en->live, 0, ps, IMAP_CLEAR, 0);
			if (r >= 0)
				r = imap_apply(&en->live, pe, maxp, IMAP_CLEAR, 0);
			break;
		case BMF_NOMAP_MARK:
			r = imap_apply(&en->mem, e->base, end, IMAP_OR_IF_PRESENT, MEM_NOMAP);
			break;
		case BMF_NOMAP_CLEAR:
			r = imap_apply(&en->mem, e->base, end, IMAP_ANDNOT, MEM_NOMAP);
			break;
		case BMF_FW_RAM:
			en->has_fwram = true;
			r = imap_apply(&en->fwram, e->base, end, IMAP_OR, 1);
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
			r = imap_apply(&en->live, ps, pe, IMAP_SET_IF_ABSENT, (int64_t)en->n_claims);
			if (r >= 0)
				r = imap_apply(&en->ever, ps, pe, IMAP_SET_IF_ABSENT, (int64_t)en->n_claims);
			break;
		case BMF_IDENTITY:
			if (e->flags & BMF_F_NOT_RAM) {
				/* flash and the like: memblock knows it, but it is not RAM */
				g = bmf_tag_known(e->tag) && e->tag != BMF_TAG_NONE ? region_for_event(en, e) :
				    model_get_region(en->r, "firmware_not_ram", BM_KIND_FIRMWARE, BM_SRC_LOG);
				if (g < 0) {
					r = (int)g;
					break;
				}
				en->r->regions[g].kind = BM_KIND_FIRMWARE;
				pages_out(e->base, e->size, en->sh, &ps, &pe);
				r = imap_apply(&en->notram, ps, pe, IMAP_SET_IF_ABSENT, (int64_t)g + 1);
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
			r = model_region_set_reason(&en->r->regions[g],
					      e->tag == BMF_TAG_RESERVED_MEM ? "the kernel could not reserve it" :
					      *e->label ? e->label : "rejected");
			if (r >= 0)
				r = model_region_add_event(&en->r->regions[g], i);
			break;
		case BMF_FREE:
			pages_in(e->base, e->size, en->sh, &ps, &pe);
			r = imap_apply(&en->live, ps, pe, IMAP_CLEAR, 0);
			break;
		case BMF_FREE_LATE:
		case BMF_FREE_ALL:
		case BMF_FREE_AREA:
		case BMF_FREE_PAGE:
		case BMF_PAGES:
			pages_in(e->base, e->size, en->sh, &ps, &pe);
			if (e->kind == BMF_FREE_LATE) {
				r = imap_apply(&en->live, ps, pe, IMAP_CLEAR, 0);
				if (r < 0)
					break;
			}
			if (e->pages < 0)
				r = imap_apply(&en->rel, ps, pe, IMAP_CLEAR, 0);
			else
				r = imap_apply(&en->rel, ps, pe, IMAP_SET, (int64_t)i + 1);
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
		r = imap_apply(out, ps, pe, IMAP_SET, 1);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_bounds(uint64_t **b, size_t *n, size_t *cap, const struct imap *m)
{
	if (util_grow((void **)b, cap, *n + 2 * m->n, sizeof(**b)) < 0)
		return -ENOMEM;
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
	if (rec->n_unexplained_ranges) {
		struct bm_range *l = &rec->unexplained_ranges[rec->n_unexplained_ranges - 1];

		if (l->base + l->size == base) {
			l->size += size;
			return 0;
		}
	}
	if (GROW(rec->unexplained_ranges, rec->cap_unexplained_ranges, rec->n_unexplained_ranges + 1) < 0)
		return -ENOMEM;
	rec->unexplained_ranges[rec->n_unexplained_ranges++] = (struct bm_range){ base, size };
	return 0;
}

struct tally {
	uint64_t held, freed, nomap;
	uint64_t not_ram;	/* its pages that are firmware, not RAM */
	uint64_t shadowed;	/* its pages, held but attributed to a more specific identity */
	uint64_t live;		/* held pages whose live memblock reservation is its own */
	uint64_t removed;	/* its pages removed from memblock.memory (mem=) */
	uint64_t shared;	/* its pages counted under another region (their owner) */
	uint64_t lost;		/* its pages nobody owns (unattributed): 0 on a sound log */
	size_t seen;		/* the last interval counted for it, + 1 */
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

enum bm_rt_class model_rt_classify(const struct bmf_rt_caller *c)
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
		enum bm_rt_class k = r->runtime_class ? r->runtime_class[i] : model_rt_classify(c);
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
		t->bytes = rt ? bm_fig(util_wsub(t->ram_delta, net), BM_SRC_RUNTIME) : bm_unknown_fig;
		total = util_wadd(total, util_wsub(t->ram_delta, net));
	}
	rec->runtime = bm_fig(total, rt ? BM_SRC_RUNTIME : BM_SRC_DERIVED);
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
	uint64_t not_ram = 0, freed = 0, nomap_unowned = 0;
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
	if (GROW(b, cap, nb + 2 * en->n_claims + 1) < 0) {
		rc = -ENOMEM;
		goto out;
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

		enum { PC_NOT_RAM, PC_REMOVED, PC_NOMAP, PC_FREED, PC_HELD } cat;

		/* Firmware regions memblock knows that are not RAM stay out of the identity. */
		if (fw || (!imap_get(&ram_p, p) && imap_get(&added_p, p))) {
			not_ram += n;
			if (relv)
				released_elsewhere += n;
			owner = fw ? (ssize_t)fw - 1 : en->fw_region;
			cat = PC_NOT_RAM;
		} else if (!imap_get(&ram_p, p)) {
			/* a hole: never RAM (x86's legacy area under the first MiB) */
			if (relv)
				released_elsewhere += n;
			cat = PC_NOT_RAM;
		} else {
			ram += n;
			if (!imap_get(&mem_p, p)) {
				removed += n;
				if (relv)
					released_elsewhere += n;
				cat = PC_REMOVED;
			} else if (imap_get(&nomap_p, p)) {
				nomap += n;
				if (relv)
					released_elsewhere += n;
				cat = PC_NOMAP;
			} else if (relv) {
				released += n;
				cat = PC_FREED;
			} else
				cat = PC_HELD;
		}
		/*
		 * Each page has one owner: the most specific identity that covers
		 * it, else the reservation that holds it (held) or first took it.
		 */
		if (owner < 0)
			owner = id ? (ssize_t)id->region :
				cat == PC_HELD ? (live ? (ssize_t)en->claims[live - 1].region : -1) :
				ever ? (ssize_t)en->claims[ever - 1].region : -1;
		switch (cat) {
		case PC_NOT_RAM:
			if (owner >= 0)
				t[owner].not_ram += n;
			break;
		case PC_REMOVED:
			if (owner >= 0)
				t[owner].removed += n;
			break;
		case PC_NOMAP:
			if (owner >= 0)
				t[owner].nomap += n;
			else
				nomap_unowned += n;
			break;
		case PC_FREED:
			if (owner >= 0) {
				t[owner].freed += n;
				freed += n;
				rc = model_region_add_event(&r->regions[owner], (size_t)(relv - 1));
				if (rc < 0)
					goto out;
			}
			break;
		case PC_HELD:
			if (live && (size_t)owner != en->claims[live - 1].region)
				t[en->claims[live - 1].region].shadowed += n;
			if (live)
				t[en->claims[live - 1].region].live += n;
			if (owner >= 0) {
				t[owner].held += n;
				held += n;
			} else {
				unattributed += n;
				rc = add_unexplained(&r->rec, p * ps, n * ps);
				if (rc < 0)
					goto out;
			}
			break;
		}
		/*
		 * Every other region whose ranges touch these pages shares them:
		 * counted once, under the owner, and as "shared" here.
		 */
		for (size_t c = 0; c < en->n_claims; c++) {
			const struct claim *cl = &en->claims[c];

			if (cl->ps > p || p >= cl->pe || cl->region == DEFERRED || (ssize_t)cl->region == owner ||
			    t[cl->region].seen == i + 1)
				continue;
			t[cl->region].seen = i + 1;
			if (owner >= 0)
				t[cl->region].shared += n;
			else
				t[cl->region].lost += n;
			if (!cl->identity && cat == PC_HELD)
				t[cl->region].shares_held = true;
		}
	}

	{
		struct bm_reconciliation *rec = &r->rec;
		int64_t memtotal_log;

		runtime_terms(r, (int64_t)ps);
		/* The totals hold even when the event list was full. */
		memtotal_log = util_wmul(util_wadd(r->in.log->totals.managed_pages, runtime_net_pages(r)),
					 (int64_t)ps);
		rec->boot_ram = bm_fig((int64_t)(ram * ps), BM_SRC_LOG);
		rec->not_ram = bm_fig((int64_t)(not_ram * ps), BM_SRC_LOG);
		rec->ram = bm_fig(util_wadd(rec->boot_ram.value, runtime_ram_delta(r)), BM_SRC_LOG);
		rec->removed = bm_fig((int64_t)(removed * ps), BM_SRC_LOG);
		rec->nomap = bm_fig((int64_t)(nomap * ps), BM_SRC_LOG);
		rec->held = bm_fig((int64_t)(held * ps), BM_SRC_LOG);
		rec->unattributed = bm_fig((int64_t)(unattributed * ps), BM_SRC_LOG);
		rec->freed = bm_fig((int64_t)(freed * ps), BM_SRC_LOG);
		rec->nomap_unowned = bm_fig((int64_t)(nomap_unowned * ps), BM_SRC_LOG);
		rec->released = bm_fig((int64_t)(released * ps), BM_SRC_LOG);
		rec->memtotal_log = bm_fig(memtotal_log, BM_SRC_LOG);
		if (r->in.has_meminfo) {
			rec->memtotal = bm_fig((int64_t)r->in.meminfo.memtotal, BM_SRC_MEMINFO);
			rec->consistent_known = true;
			rec->memtotal_consistent = (uint64_t)memtotal_log == r->in.meminfo.memtotal;
		} else {
			rec->memtotal = bm_fig(memtotal_log, BM_SRC_LOG);
			model_add_missing(r, "memtotal_consistent");
		}
		rec->gap = bm_fig(util_wsub(rec->ram.value, rec->memtotal.value), BM_SRC_DERIVED);
		rec->unexplained = bm_fig(util_wsub(util_wsub(util_wsub(util_wsub(util_wsub(rec->ram.value,
											   rec->memtotal.value),
									 rec->held.value), rec->nomap.value),
						       rec->removed.value), rec->runtime.value), BM_SRC_DERIVED);
		if (released_elsewhere) {
			rc = model_add_finding(r, "released_outside_ram", BM_WARNING, BM_SRC_LOG, NULL,
					 "the log releases %" PRIu64 " pages that are not usable RAM "
					 "(removed, no-map or never added)", released_elsewhere);
			if (rc < 0)
				goto out;
		}
		/* The released ranges are the records': compare them with the records' page counts. */
		if (released != (uint64_t)en->log_pages) {
			rc = model_add_finding(r, "page_count_mismatch", BM_WARNING, BM_SRC_LOG, NULL,
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
		rc = imap_apply(&rest, en->ram.a[i].s, en->ram.a[i].e, IMAP_SET, 1);
	for (size_t i = 0; i < en->fwram.n && rc >= 0; i++)
		rc = imap_apply(&rest, en->fwram.a[i].s, en->fwram.a[i].e, IMAP_CLEAR, 0);
	/* named NOT_RAM identities have their own regions */
	for (size_t i = 0; i < en->notram.n && rc >= 0; i++)
		rc = imap_apply(&rest, en->notram.a[i].s << en->sh,
				en->notram.a[i].e > (UINT64_MAX >> en->sh) ? UINT64_MAX : en->notram.a[i].e << en->sh,
				IMAP_CLEAR, 0);
	if (rc >= 0 && rest.n) {
		g = model_get_region(en->r, "firmware_not_ram", BM_KIND_FIRMWARE, BM_SRC_LOG);
		if (g < 0)
			rc = (int)g;
		for (size_t i = 0; rc >= 0 && i < rest.n; i++)
			rc = model_region_add_range(&en->r->regions[g], rest.a[i].s, rest.a[i].e - rest.a[i].s);
		if (rc >= 0)
			en->fw_region = g;
	}
	imap_free(&rest);
	return rc;
}

/* Whole pages touched by sorted, merged byte ranges, each page once. */
static uint64_t spans_pages(const struct bm_range *a, size_t n, unsigned sh)
{
	uint64_t pages = 0, last = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t ps, pe;

		pages_out(a[i].base, a[i].size, sh, &ps, &pe);
		if (ps < last)
			ps = last;
		if (pe > ps)
			pages += pe - ps;
		if (pe > last)
			last = pe;
	}
	return pages;
}

static bool kind_is_image_part(enum bm_kind k)
{
	return k >= BM_KIND_KERNEL_TEXT && k <= BM_KIND_KERNEL_REST;
}

static int set_fate(struct bm_region *g, const struct engine *en);

static void fig_add(struct bm_figure *a, const struct bm_figure *b)
{
	a->value = util_wadd(a->value, b->value);
}

/*
 * The kernel image as a parent: its pages outside the named sections
 * become the part "kernel_rest", and "kernel" holds the sums of its parts
 * (text, rodata, data, bss, init, rest), so that the parent is the sum of
 * its parts in every output.  Its footprint is the image's pages once; what
 * of them other regions own is its shared figure.
 */
static int split_image(struct engine *en)
{
	struct bootmem_report *r = en->r;
	struct imap rest = { 0 }, whole = { 0 };
	struct bm_region *k, *g;
	ssize_t ki = -1, ri;
	uint64_t ps = 1ull << en->sh, pages = 0, last = 0;
	int64_t owned;
	int rc = 0;

	size_t sections = 0;

	for (size_t i = 0; i < r->n_regions; i++) {
		if (r->regions[i].kind == BM_KIND_KERNEL)
			ki = (ssize_t)i;
		sections += kind_is_image_part(r->regions[i].kind);
	}
	if (ki < 0 || !sections)
		return 0;	/* no sections named: the image is one region */
	k = &r->regions[ki];
	for (size_t i = 0; i < k->n_ranges && rc >= 0; i++) {
		rc = imap_apply(&rest, k->ranges[i].base, span_end(k->ranges[i].base, k->ranges[i].size), IMAP_SET, 1);
		if (rc >= 0)
			rc = imap_apply(&whole, k->ranges[i].base, span_end(k->ranges[i].base, k->ranges[i].size),
					IMAP_SET, 1);
	}
	for (size_t j = 0; j < r->n_regions && rc >= 0; j++) {
		const struct bm_region *s = &r->regions[j];

		if (!kind_is_image_part(s->kind) || s->kind == BM_KIND_KERNEL_REST)
			continue;
		for (size_t i = 0; i < s->n_ranges && rc >= 0; i++) {
			uint64_t e = span_end(s->ranges[i].base, s->ranges[i].size);

			rc = imap_apply(&rest, s->ranges[i].base, e, IMAP_CLEAR, 0);
			if (rc >= 0)
				rc = imap_apply(&whole, s->ranges[i].base, e, IMAP_SET, 1);
		}
	}
	if (rc < 0)
		goto out;
	owned = k->held.value + k->freed.value + k->nomap.value + k->not_ram.value + k->removed.value +
		k->unowned.value;
	if (!rest.n && !owned)
		goto parent;	/* the sections are the whole image */
	ri = model_get_region(r, "kernel_rest", BM_KIND_KERNEL_REST, BM_SRC_LOG);
	if (ri < 0) {
		rc = (int)ri;
		goto out;
	}
	k = &r->regions[ki];
	g = &r->regions[ri];
	for (size_t i = 0; i < rest.n && rc >= 0; i++)
		rc = model_region_add_range(g, rest.a[i].s, rest.a[i].e - rest.a[i].s);
	if (rc < 0)
		goto out;
	model_region_merge_ranges(g);

	/* The rest: the pages the "kernel" region owned. */
	g->flags = k->flags;
	g->reserved = bm_fig((int64_t)model_region_range_bytes(g), BM_SRC_LOG);
	g->held = k->held;
	g->freed = k->freed;
	g->nomap = k->nomap;
	g->not_ram = k->not_ram;
	g->removed = k->removed;
	g->unowned = k->unowned;
	g->footprint = bm_fig((int64_t)(spans_pages(g->ranges, g->n_ranges, en->sh) * ps), BM_SRC_LOG);
	owned = g->held.value + g->freed.value + g->nomap.value + g->not_ram.value + g->removed.value +
		g->unowned.value;
	g->shared = bm_fig(g->footprint.value > owned ? g->footprint.value - owned : 0, BM_SRC_LOG);
	g->parent = "kernel";
	rc = set_fate(g, en);
	if (rc < 0)
		goto out;
	if (g->fate == BM_FATE_UNKNOWN && g->shared.value)
		g->fate = BM_FATE_SHARED;

parent:
	/* The parent: sums of its parts. */
	k->reserved = bm_fig(0, BM_SRC_LOG);
	k->held = k->freed = k->nomap = k->not_ram = k->removed = k->unowned = k->reserved;
	for (size_t j = 0; j < r->n_regions; j++) {
		const struct bm_region *s = &r->regions[j];

		if (!kind_is_image_part(s->kind))
			continue;
		r->regions[j].parent = "kernel";
		fig_add(&k->reserved, &s->reserved);
		fig_add(&k->held, &s->held);
		fig_add(&k->freed, &s->freed);
		fig_add(&k->nomap, &s->nomap);
		fig_add(&k->not_ram, &s->not_ram);
		fig_add(&k->removed, &s->removed);
		fig_add(&k->unowned, &s->unowned);
	}
	for (size_t i = 0; i < whole.n; i++) {
		uint64_t s, e;

		pages_out(whole.a[i].s, whole.a[i].e - whole.a[i].s, en->sh, &s, &e);
		if (s < last)
			s = last;
		if (e > s)
			pages += e - s;
		if (e > last)
			last = e;
	}
	k->footprint = bm_fig((int64_t)(pages * ps), BM_SRC_LOG);
	owned = k->held.value + k->freed.value + k->nomap.value + k->not_ram.value + k->removed.value +
		k->unowned.value;
	k->shared = bm_fig(k->footprint.value > owned ? k->footprint.value - owned : 0, BM_SRC_LOG);
	k->is_parent = true;
	rc = set_fate(k, en);
out:
	imap_free(&rest);
	imap_free(&whole);
	return rc;
}

/* Sets @g's fate from its figures; 0 or -ENOMEM (its reason could not be kept). */
static int set_fate(struct bm_region *g, const struct engine *en)
{
	int64_t held = g->held.value, freed = g->freed.value;

	if (g->kind == BM_KIND_INITRD && (en->initrd_retained || en->initrd_kept) && held > 0) {
		g->fate = BM_FATE_RETAINED;
		if (!g->reason)
			return model_region_set_reason(g, en->initrd_kept ? "overlaps the crashkernel" :
						       "retain_initrd");
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
	return 0;
}

int model_build_patched(struct bootmem_report *r)
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
		rc = model_region_add_range(g, e->base, e->size);
		if (rc >= 0)
			rc = model_region_add_event(g, c->event);
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
				hit = model_region_overlaps(g, e->base, e->size);
			if (hit && (e->kind == BMF_FREE || e->kind == BMF_FREE_LATE))
				t[k].memblock_freed = true;
			else if (e->kind >= BMF_INITRD_UNPACKED && e->kind <= BMF_INITRD_KEPT)
				hit = g->kind == BM_KIND_INITRD;
			else if (e->kind == BMF_INITMEM_DONE)
				hit = g->kind == BM_KIND_KERNEL_INIT;
			if (hit) {
				rc = model_region_add_event(g, i);
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

		model_region_merge_ranges(g);
		model_region_sort_events(g);
		g->reserved = bm_fig((int64_t)model_region_range_bytes(g), BM_SRC_LOG);
		g->held = bm_fig((int64_t)(t[k].held * ps), BM_SRC_LOG);
		g->freed = bm_fig((int64_t)(t[k].freed * ps), BM_SRC_LOG);
		g->nomap = bm_fig((int64_t)(t[k].nomap * ps), BM_SRC_LOG);
		g->not_ram = bm_fig((int64_t)(t[k].not_ram * ps), BM_SRC_LOG);
		g->removed = bm_fig((int64_t)(t[k].removed * ps), BM_SRC_LOG);
		g->shared = bm_fig((int64_t)(t[k].shared * ps), BM_SRC_LOG);
		g->unowned = bm_fig((int64_t)(t[k].lost * ps), BM_SRC_LOG);
		g->footprint = bm_fig((int64_t)(spans_pages(g->ranges, g->n_ranges, en.sh) * ps), BM_SRC_LOG);
		rc = set_fate(g, &en);
		if (rc < 0)
			goto out;
		if (t[k].not_ram && !t[k].held && !t[k].freed) {
			g->fate = BM_FATE_NOT_RAM;
			if (!g->reason && model_region_set_reason(g, "firmware, not RAM") < 0) {
				rc = -ENOMEM;
				goto out;
			}
		}
		/*
		 * Given back with memblock_free() before the page allocator ran:
		 * its pages were released or reused under other owners.
		 */
		if (g->fate == BM_FATE_UNKNOWN && t[k].memblock_freed && !t[k].live)
			g->fate = BM_FATE_FREED;
		/*
		 * Every page it touched is counted under another region (x86's
		 * early page tables in the kernel image's brk, a 64-byte
		 * allocation in a page its neighbour owns): shared, not held.
		 */
		else if (g->fate == BM_FATE_UNKNOWN && t[k].shared)
			g->fate = BM_FATE_SHARED;
	}
	rc = split_image(&en);
	if (rc < 0)
		goto out;
	rc = 0;
out:
	free(t);
	free(en.claims);
	free(en.anon);
	imap_free(&en.ram);
	imap_free(&en.mem);
	imap_free(&en.live);
	imap_free(&en.ever);
	imap_free(&en.rel);
	imap_free(&en.fwram);
	imap_free(&en.notram);
	return rc;
}

