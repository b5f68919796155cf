/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fate engine (see DESIGN.md "The fate model").
 *
 * Inputs are the parsed sources; the output is a list of regions with
 * identity, lifecycle and fate, findings where intent (FDT, boot_params)
 * and action (kernel log) disagree, and the reconciliation
 *
 *	RAM = MemTotal + Σ held + nomap + removed + Σ runtime terms + unexplained
 *
 * in bytes, computed at page granularity.  RAM is what firmware reported
 * (the log's BMF_FW_RAM records when it has them, else what memblock was
 * given), plus what was hot-added after boot; the runtime terms name the
 * page count changes after boot (sys/kernel/bootmem_fate/runtime).  Every figure carries the source
 * it came from, and a figure that cannot be known is marked unknown (never
 * guessed).  struct bootmem_report (report.h) is defined here so that the
 * renderers can read it; front ends treat it as opaque.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interval-set.h"
#include "sources.h"

/* A number with its provenance; known == false renders as JSON null. */
struct bm_figure {
	bool known;
	int64_t value;
	enum bm_src src;
};

enum bm_fate {
	BM_FATE_HELD,
	BM_FATE_FREED,
	BM_FATE_PARTIALLY_FREED,
	BM_FATE_RETAINED,
	BM_FATE_REJECTED,
	BM_FATE_NOMAP,
	BM_FATE_REUSABLE,
	BM_FATE_NOT_RAM,	/* a firmware region memblock knew that is not RAM */
	BM_FATE_SHARED,		/* every page it touched is counted under another region */
	BM_FATE_UNKNOWN,
	_BM_FATE_MAX,
};
const char *bm_fate_name(enum bm_fate f);

enum bm_kind {
	BM_KIND_KERNEL,		/* the whole image: the sum of its parts, the kinds below */
	BM_KIND_KERNEL_TEXT,
	BM_KIND_KERNEL_RODATA,
	BM_KIND_KERNEL_DATA,
	BM_KIND_KERNEL_BSS,
	BM_KIND_KERNEL_INIT,
	BM_KIND_KERNEL_REST,	/* the image outside its named sections (a part, as they are) */
	BM_KIND_INITRD,
	BM_KIND_FDT,
	BM_KIND_MEMRESERVE,
	BM_KIND_RESERVED_MEMORY,
	BM_KIND_CMA,
	BM_KIND_CRASHKERNEL,
	BM_KIND_PGTABLE,
	BM_KIND_MEMMAP,
	BM_KIND_PERCPU,
	BM_KIND_FIRMWARE,	/* EFI, ACPI, and firmware regions that are not RAM */
	BM_KIND_HASH,		/* alloc_large_system_hash() tables */
	BM_KIND_SWIOTLB,
	BM_KIND_KFENCE,
	BM_KIND_KASAN,
	BM_KIND_RESERVE_MEM,	/* reserve_mem= */
	BM_KIND_VECTORS,	/* ARM vector and zero pages */
	BM_KIND_OWNER,		/* other reservations, grouped by caller */
	_BM_KIND_MAX,
};
const char *bm_kind_name(enum bm_kind k);
/* The kernel image, its sections, the initrd and the FDT: reported first. */
bool bm_kind_is_protagonist(enum bm_kind k);

struct bm_range {
	uint64_t base;
	uint64_t size;
};

struct bm_region {
	char *name;		/* unique; also the Prometheus region label */
	enum bm_kind kind;
	enum bm_fate fate;
	enum bm_src src;	/* where its identity comes from */
	struct bm_figure reserved;	/* bytes asked for (union of its ranges, exact) */
	struct bm_figure held;	/* bytes still held at the end of boot (whole pages) */
	struct bm_figure freed;	/* bytes released to the page allocator (whole pages) */
	struct bm_figure nomap;	/* bytes marked no-map (whole pages) */
	/*
	 * The whole pages its ranges touch, and where the rest of them went:
	 * footprint = held + freed + nomap + not_ram + removed + shared.
	 */
	struct bm_figure footprint;
	struct bm_figure not_ram;	/* its pages that are not RAM (firmware regions, holes) */
	struct bm_figure removed;	/* its pages taken out of memblock.memory (mem=) */
	struct bm_figure shared;	/* its pages counted under another region that owns them */
	struct bm_figure unowned;	/* its pages nobody owns (also in unexplained); 0 on a sound log */
	const char *parent;	/* "kernel" for the image's parts; NULL otherwise */
	bool is_parent;		/* its figures are the sums of its parts' (the kernel image) */
	bool folded;		/* an anonymous owner past the bound: summed into "other" */
	struct bm_range *ranges;	/* merged, sorted */
	size_t n_ranges, cap_ranges;
	uint16_t flags;		/* BMF_F_* seen on its records */
	char *reason;		/* rejection or retention reason, or NULL */
	size_t *events;		/* indices into log->events: its lifecycle */
	size_t n_events, cap_events;
	size_t n_claims;	/* reservation events that make it up (records × count) */
	bool estimate;		/* stock mode: its figures are estimated, not read (see METRICS.md) */
};

enum bm_severity {
	BM_INFO,
	BM_WARNING,
};

struct bm_finding {
	char code[40];		/* stable identifier, e.g. "initrd_rejected" */
	enum bm_severity severity;
	enum bm_src src;	/* the source that disagrees with the kernel, or the log */
	char *region;		/* region name, or NULL */
	char *message;
};

/*
 * Managed page count changes after boot, by what made them.  One table in
 * model.c maps each runtime caller (module, symbol) to its class.
 */
enum bm_rt_class {
	BM_RT_BALLOONED,	/* balloon drivers: pages held by the host */
	BM_RT_VIRTIO_MEM,	/* virtio-mem: RAM plugged or unplugged */
	BM_RT_HOT_ADDED,	/* memory hotplug, online/offline */
	BM_RT_HUGETLB_VMEMMAP,	/* hugetlb vmemmap pages returned */
	BM_RT_OTHER,
	_BM_RT_MAX,
};
const char *bm_rt_class_name(enum bm_rt_class c);	/* "ballooned", "virtio_mem", ... */
const char *bm_rt_class_title(enum bm_rt_class c);	/* "ballooned", "virtio-mem", ... */

struct bm_runtime_term {
	struct bm_figure bytes;	/* the identity term: ram_delta - (in - out) pages */
	int64_t ram_delta;	/* bytes of RAM it added (hotplug) or removed */
	uint64_t pages_in, pages_out, events, bytes_added, bytes_removed;
	size_t n_callers;
};

struct bm_reconciliation {
	struct bm_figure ram;		/* bytes of RAM, whole pages: boot_ram + runtime RAM */
	struct bm_figure boot_ram;	/* RAM at boot: firmware's (FW_RAM) or memblock's */
	struct bm_figure not_ram;	/* memblock memory that is firmware, not RAM (outside the identity) */
	struct bm_figure runtime;	/* Σ runtime terms */
	struct bm_runtime_term terms[_BM_RT_MAX];
	bool has_runtime;		/* the runtime file was read */
	struct bm_figure memtotal;	/* /proc/meminfo MemTotal */
	struct bm_figure memtotal_log;	/* (totals.managed_pages + runtime in - out) × page_size */
	struct bm_figure held;		/* Σ held by explained reservations */
	struct bm_figure freed;		/* Σ pages of reservations released to the page allocator */
	struct bm_figure nomap_unowned;	/* no-map pages no reservation covers */
	struct bm_figure nomap;
	struct bm_figure removed;	/* RAM taken out of memblock.memory (mem=, remove) */
	struct bm_figure unexplained;	/* RAM - MemTotal - held - nomap - removed - runtime */
	struct bm_figure unattributed;	/* held pages no reservation explains */
	struct bm_figure released;	/* pages the log says were released, in bytes */
	struct bm_figure gap;		/* RAM - MemTotal: what boot cost, in total */
	bool consistent_known;
	bool memtotal_consistent;	/* memtotal_log == memtotal */
	struct bm_range *unexplained_ranges;
	size_t n_unexplained_ranges, cap_unexplained_ranges;
	/*
	 * Stock mode: the boot cost (gap) itemized from what the kernel printed.
	 * itemized = Σ held + nomap of the stock regions, each page once;
	 * not_itemized = gap - itemized; coverage = itemized / gap.
	 */
	bool has_itemized;
	struct bm_figure itemized, itemized_exact, itemized_estimated, not_itemized;
	uint32_t coverage_ppm;		/* itemized / gap, in millionths (may exceed 10^6) */
	/*
	 * With memblock's debugfs reserved set: the part of not_itemized that
	 * memblock still holds reserved in RAM and no item accounts for
	 * (0 <= it <= not_itemized); unknown without the file.
	 */
	struct bm_figure unattributed_reserved;
};

/*
 * RAM and what was taken out of it, as address ranges, for the memory map:
 * from the source the RAM figure comes from where that source has ranges.
 */
struct bm_ram_map {
	struct spans ram;	/* RAM the kernel was given, before removals */
	struct spans removed;	/* taken out: mem=, memblock_remove */
	const char *src;	/* where the ranges come from; NULL when no source gave them */
};

struct bootmem_report {
	struct bm_inputs in;
	struct bm_source_status src[_BM_SRC_MAX];
	uint32_t page_size;	/* 0 when unknown */
	bool patched;		/* the kernel log was read and parsed */

	struct bm_region *regions;
	size_t n_regions, cap_regions;
	struct bm_finding *findings;
	size_t n_findings, cap_findings;
	struct bm_reconciliation rec;
	struct bm_ram_map ram_map;
	enum bm_rt_class *runtime_class;	/* per in.runtime entry */

	/* The log against its own totals (patched only). */
	bool log_totals_consistent;	/* records + dropped = totals, per kind */
	int64_t record_pages[BMF_NR_KINDS];	/* Σ @pages of the records, per kind */
	uint64_t dropped_events, dropped_bytes;	/* Σ over kinds */
	int64_t dropped_pages;

	const char *missing[24];	/* names of figures that cannot be known */
	size_t n_missing;
	char summary[192];
};

/*
 * Anonymous owners (reservations named only by the function that made
 * them) get their own metric series up to this many, ranked by bytes held,
 * then reserved, then name; the rest are summed into region="other".  Every
 * other region (the image and its parts, the initrd, the FDT, the named
 * carve-outs and kernel tables) always has its own.
 */
#define MODEL_MAX_OWNER_SERIES 8u

/* Logs with more records than this are not modelled (the kernel default is 1024). */
#define MODEL_MAX_EVENTS 32768u

/*
 * Builds regions, findings and the reconciliation from r->in and r->src.
 * Returns 0 or -ENOMEM.  Inputs stay owned by the report.
 */
int model_build(struct bootmem_report *r);
void model_free(struct bootmem_report *r);

/* Convenience for renderers and tests. */
const struct bm_region *model_find_region(const struct bootmem_report *r, const char *name);
const struct bm_region *model_find_kind(const struct bootmem_report *r, enum bm_kind k);
/* Stock mode: a hash table the kernel made from memblock (a boot reservation), not from MemTotal. */
bool model_stock_hash_is_early(const struct dmesg_hash *h);
