/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the model's parts (model.c, model-replay.c, model-findings.c,
 * model-stock.c) share; not for renderers or front ends.
 */
#pragma once

#include <sys/types.h>

#include "model.h"

static inline struct bm_figure bm_fig(int64_t v, enum bm_src s)
{
	return (struct bm_figure){ .known = true, .value = v, .src = s };
}

static const struct bm_figure bm_unknown_fig = { .known = false };

static inline unsigned page_shift(uint32_t ps)
{
	return (unsigned)__builtin_ctz(ps);
}

/* Pages touched by [base, base + size). */
static inline void pages_out(uint64_t base, uint64_t size, unsigned sh, uint64_t *ps, uint64_t *pe)
{
	uint64_t end = base + size;	/* the parser checked this does not overflow */

	*ps = base >> sh;
	*pe = (end >> sh) + ((end & ((1ull << sh) - 1)) ? 1 : 0);
}

/* Whole pages inside [base, base + size). */
static inline void pages_in(uint64_t base, uint64_t size, unsigned sh, uint64_t *ps, uint64_t *pe)
{
	uint64_t end = base + size;

	*ps = (base >> sh) + ((base & ((1ull << sh) - 1)) ? 1 : 0);
	*pe = end >> sh;
	if (*pe < *ps)
		*pe = *ps;
}

/* Regions and findings.  All return 0 (or an index) or -ENOMEM. */
int model_add_finding(struct bootmem_report *r, const char *code, enum bm_severity sev,
		      enum bm_src src, const char *region, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Records that figure @name cannot be known (a stock kernel, a missing source). */
void model_add_missing(struct bootmem_report *r, const char *name);
/* The index of the region called @name, created with @kind and @src when new. */
ssize_t model_get_region(struct bootmem_report *r, const char *name, enum bm_kind kind, enum bm_src src);
int model_region_add_event(struct bm_region *g, size_t ev);
void model_region_sort_events(struct bm_region *g);
int model_region_set_reason(struct bm_region *g, const char *reason);
/* Sorts and merges the region's ranges; reserved = their union's size. */
void model_region_merge_ranges(struct bm_region *g);
int model_region_add_range(struct bm_region *g, uint64_t base, uint64_t size);
uint64_t model_region_range_bytes(const struct bm_region *g);
bool model_region_overlaps(const struct bm_region *g, uint64_t base, uint64_t size);

/* The parts of model_build(). */
int model_build_patched(struct bootmem_report *r);	/* model-replay.c */
enum bm_rt_class model_rt_classify(const struct bmf_rt_caller *c);
int model_initrd_findings(struct bootmem_report *r);	/* model-findings.c */
int model_rmem_findings(struct bootmem_report *r);
int model_log_findings(struct bootmem_report *r);
int model_build_stock(struct bootmem_report *r);	/* model-stock.c */
int model_ram_map(struct bootmem_report *r);		/* model-ram.c */
