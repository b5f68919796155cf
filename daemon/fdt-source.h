/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What firmware and the bootloader intended, read from a flattened device
 * tree blob (/sys/firmware/fdt) with libfdt: RAM, /memreserve/ entries,
 * /reserved-memory carve-outs and the /chosen initrd and kdump properties.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fdt_range {
	uint64_t base;
	uint64_t size;
};

struct fdt_rmem_node {
	char *name;		/* node name, e.g. "ramoops@48000000" */
	char *compatible;	/* first compatible string, or NULL */
	bool disabled;		/* status is neither "okay" nor "ok" */
	struct fdt_range *reg;	/* static placement; NULL when dynamic */
	size_t n_reg;
	bool has_size;		/* dynamic placement: "size" */
	uint64_t size;
	bool has_alignment;
	uint64_t alignment;
	struct fdt_range *alloc_ranges;
	size_t n_alloc_ranges;
	bool no_map;
	bool reusable;
	bool bad;		/* a property had the wrong length; the kernel skips such nodes */
};

struct fdt_info {
	uint32_t totalsize;	/* header totalsize: what the kernel reserves */
	struct fdt_range *memory;	/* /memory nodes' reg, in order */
	size_t n_memory;
	struct fdt_range *memreserve;	/* the /memreserve/ table */
	size_t n_memreserve;
	struct fdt_rmem_node *rmem;	/* /reserved-memory children */
	size_t n_rmem;

	bool has_initrd;	/* /chosen linux,initrd-start and -end */
	uint64_t initrd_start, initrd_end;
	bool has_elfcorehdr;
	struct fdt_range elfcorehdr;
	struct fdt_range *usable_memory;	/* linux,usable-memory-range */
	size_t n_usable_memory;
};

/*
 * Parses the blob.  The blob is checked with fdt_check_full() first; -EINVAL
 * for a malformed blob, -ENOMEM.  Properties with a wrong length are not
 * fatal: the node or property is marked and skipped, as the kernel does.
 */
int fdt_source_parse(const void *blob, size_t len, struct fdt_info **ret);
void fdt_info_free(struct fdt_info *info);
/* libfdt's message for the last -EINVAL of this thread's fdt_source_parse(). */
const char *fdt_source_last_error(void);
