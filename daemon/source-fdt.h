/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What firmware and the bootloader intended, read from a flattened device
 * tree blob (/sys/firmware/fdt) with libfdt: RAM, /memreserve/ entries,
 * /reserved-memory carve-outs and the /chosen initrd and kdump properties.
 * The types are dt_*, so as not to take libfdt's fdt_* names.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bm_inputs;
struct source_diag;

struct dt_range {
	uint64_t base;
	uint64_t size;
};

struct dt_rmem_node {
	char *name;		/* node name, e.g. "ramoops@48000000" */
	char *compatible;	/* first compatible string, or NULL */
	bool disabled;		/* status is neither "okay" nor "ok" */
	struct dt_range *reg;	/* static placement; NULL when dynamic */
	size_t n_reg;
	bool has_size;		/* dynamic placement: "size" */
	uint64_t size;
	bool has_alignment;
	uint64_t alignment;
	struct dt_range *alloc_ranges;
	size_t n_alloc_ranges;
	bool no_map;
	bool reusable;
	bool bad;		/* a property had the wrong length; the kernel skips such nodes */
};

struct dt_info {
	uint32_t totalsize;	/* header totalsize: what the kernel reserves */
	struct dt_range *memory;	/* /memory nodes' reg, in order */
	size_t n_memory;
	struct dt_range *memreserve;	/* the /memreserve/ table */
	size_t n_memreserve;
	struct dt_rmem_node *rmem;	/* /reserved-memory children */
	size_t n_rmem;

	bool has_initrd;	/* /chosen linux,initrd-start and -end */
	uint64_t initrd_start, initrd_end;
	bool has_elfcorehdr;
	struct dt_range elfcorehdr;
	char *model;		/* the root's "model", or NULL */
	char *compatible;	/* the root's "compatible" strings, joined with ",", or NULL */
	struct dt_range *usable_memory;	/* linux,usable-memory-range */
	size_t n_usable_memory;
};

/*
 * Parses the blob, which must be 8-byte aligned.  It is checked with
 * fdt_check_full() first; -EINVAL for a malformed blob, with libfdt's
 * message in @d, or -ENOMEM.  Properties with a wrong length are not fatal:
 * the node or property is marked and skipped, as the kernel does.
 */
int dt_parse(const void *blob, size_t len, struct dt_info **ret, struct source_diag *d);
void dt_info_free(struct dt_info *info);

/* From the header alone: a blob whose totalsize is more than @max bytes is refused unread. */
#define DT_HEAD 8
int dt_check_head(const char *buf, size_t len, size_t max, struct source_diag *d);

int dt_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d);
void dt_unload(struct bm_inputs *in);
