/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memblock's debugfs files (sys/kernel/debug/memblock/reserved and memory, on
 * arm64 and the other arches that keep memblock after boot): the final
 * reserved set, and the memory memblock knew (no-map regions flagged), one
 * region a line,
 *   "   0: 0x0000000040000000..0x000000004fffffff"            (older kernels)
 *   "   0: 0x0000000040000000..0x000000004fffffff    0 NONE"  (nid, flag)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bm_inputs;
struct source_diag;

struct memblock_region {
	uint64_t base, size;
	bool nomap;		/* flag NOMAP */
};

struct memblock_set {
	struct memblock_region *r;	/* in file order */
	size_t n;
	uint64_t bytes;			/* Σ size, saturated */
};

/* Lines that are not "N: 0xA..0xB ..." are an error: the file is the kernel's. 0, -EINVAL or -ENOMEM. */
int memblock_parse(const char *text, size_t len, struct memblock_set **ret, struct source_diag *d);
void memblock_set_free(struct memblock_set *s);

int memblock_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d);
void memblock_unload(struct bm_inputs *in);
/* The same format, for the memory file. */
int memblock_memory_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d);
void memblock_memory_unload(struct bm_inputs *in);
