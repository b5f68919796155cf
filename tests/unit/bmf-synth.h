/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Builds bootmem_fate logs in memory for the tests: a writer for the binary
 * format, and synth_boot(), a small arm64-like boot whose every figure is
 * known by construction (see the numbers in synth_boot()).
 */
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bootmem_fate.h"

struct synth {
	struct bmf_record rec[512];
	unsigned n;
	char strtab[8192];
	unsigned strtab_len;
	uint32_t page_size;
	uint64_t totalram_pages;
};

static inline uint32_t synth_str(struct synth *s, const char *str)
{
	unsigned len;

	if (!str || !*str)
		return 0;
	for (unsigned off = 1; off < s->strtab_len; off += (unsigned)strlen(s->strtab + off) + 1)
		if (strcmp(s->strtab + off, str) == 0)
			return off;
	len = (unsigned)strlen(str) + 1;
	memcpy(s->strtab + s->strtab_len, str, len);
	s->strtab_len += len;
	return s->strtab_len - len;
}

static inline void synth_init(struct synth *s, uint32_t page_size)
{
	memset(s, 0, sizeof(*s));
	s->strtab_len = 1;
	s->page_size = page_size;
}

static inline struct bmf_record *synth_add(struct synth *s, uint16_t kind, uint16_t tag, uint16_t flags,
					   uint64_t base, uint64_t size, int64_t pages,
					   const char *caller, const char *label)
{
	struct bmf_record *r = &s->rec[s->n];

	memset(r, 0, sizeof(*r));
	r->base = base;
	r->size = size;
	r->pages = pages;
	r->seq = s->n;
	r->time_ns = s->n * 1000;
	r->caller = synth_str(s, caller);
	r->caller_offset = 0x10;
	r->label = synth_str(s, label);
	r->kind = kind;
	r->tag = tag;
	r->flags = flags;
	s->n++;
	return r;
}

/* Serializes into a malloc()ed buffer: header, records, string table. */
static inline unsigned char *synth_write(struct synth *s, size_t *len)
{
	struct bmf_header h;
	size_t rec_bytes = s->n * sizeof(struct bmf_record);
	unsigned char *buf;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, BMF_MAGIC, BMF_MAGIC_LEN);
	h.version = BMF_VERSION;
	h.header_size = sizeof(h);
	h.record_size = sizeof(struct bmf_record);
	h.record_count = s->n;
	h.capacity = 1024;
	h.page_size = s->page_size;
	h.machine = synth_str(s, "aarch64");
	h.release = synth_str(s, "6.12.117-synth");
	h.strtab_offset = (uint32_t)(sizeof(h) + rec_bytes);
	h.strtab_size = s->strtab_len;
	h.totalram_pages = s->totalram_pages;
	*len = sizeof(h) + rec_bytes + s->strtab_len;
	buf = malloc(*len);
	if (!buf)
		abort();
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), s->rec, rec_bytes);
	memcpy(buf + sizeof(h) + rec_bytes, s->strtab, s->strtab_len);
	return buf;
}

/*
 * A boot on 256 MiB at 0x40000000, 4 KiB pages:
 *   kernel image [0x40200000, +8 MiB): text 4 MiB, rodata 1 MiB, init 1 MiB
 *     (freed), data 1 MiB, bss 1 MiB;
 *   initrd at 0x44000000, 0x180800 bytes (not a page multiple): reserved
 *     0x181000, released 0x180000, so one partial page stays held;
 *   FDT 0x48000000, 0x100000 bytes, held;
 *   reserved-memory "secmon@4f000000" no-map, 1 MiB;
 *   reserved-memory "linux,cma" reusable dynamic, 4 MiB at 0x4e000000,
 *     activated (its pages are counted in MemTotal);
 *   allocations: pgtable 64 KiB, memmap 2 MiB, "alloc_node_data" 8 KiB,
 *     "setup_log_buf" 128 KiB freed with memblock_free before free_all.
 */
#define SYN_RAM_BASE 0x40000000ull
#define SYN_RAM_SIZE (256ull << 20)
#define SYN_KERNEL 0x40200000ull
#define SYN_INITRD 0x44000000ull
#define SYN_INITRD_SIZE 0x180800ull
#define SYN_FDT 0x48000000ull
#define SYN_FDT_SIZE 0x100000ull
#define SYN_SECMON 0x4f000000ull
#define SYN_CMA 0x4e000000ull
#define SYN_PGTABLE 0x47ff0000ull
#define SYN_MEMMAP 0x47c00000ull
#define SYN_NODE 0x47bfe000ull
#define SYN_LOGBUF 0x47b00000ull

struct synth_range {
	uint64_t b, e;
};

/* memory minus reserved minus nomap, as memblock_free_all() would free it */
static inline void synth_free_all(struct synth *s, const struct synth_range *busy, unsigned n,
				  uint64_t lo, uint64_t hi, int64_t *pages)
{
	uint64_t pos = lo;

	for (unsigned i = 0; i <= n; i++) {
		uint64_t e = i < n ? busy[i].b : hi;

		if (e > pos) {
			synth_add(s, BMF_FREE_ALL, BMF_TAG_NONE, 0, pos, e - pos,
				  (int64_t)((e - pos) / s->page_size), "memblock_free_all", NULL);
			*pages += (int64_t)((e - pos) / s->page_size);
		}
		if (i < n)
			pos = busy[i].e;
	}
}

static inline int64_t synth_boot(struct synth *s)
{
	const uint64_t mib = 1ull << 20;
	int64_t pages = 0;
	uint64_t initrd_rb = SYN_INITRD, initrd_re = SYN_INITRD + 0x181000;
	/* sorted busy ranges at memblock_free_all() time */
	const struct synth_range busy[] = {
		{ SYN_KERNEL, SYN_KERNEL + 8 * mib },
		{ initrd_rb, initrd_re },
		{ SYN_NODE, SYN_NODE + 0x2000 },
		{ SYN_MEMMAP, SYN_MEMMAP + 2 * mib },
		{ SYN_PGTABLE, SYN_PGTABLE + 0x10000 },
		{ SYN_FDT, SYN_FDT + SYN_FDT_SIZE },
		{ SYN_CMA, SYN_CMA + 4 * mib },
		{ SYN_SECMON, SYN_SECMON + mib },
	};

	synth_init(s, 4096);
	synth_add(s, BMF_MEM_ADD, 0, 0, SYN_RAM_BASE, SYN_RAM_SIZE, 0, "early_init_dt_add_memory_arch", NULL);
	synth_add(s, BMF_RESERVE, BMF_TAG_FDT, 0, SYN_FDT, SYN_FDT_SIZE, 0, "setup_machine_fdt", NULL);
	synth_add(s, BMF_IDENTITY, BMF_TAG_FDT, 0, SYN_FDT, SYN_FDT_SIZE, 0, "setup_machine_fdt", NULL);
	synth_add(s, BMF_RESERVE, BMF_TAG_KERNEL, 0, SYN_KERNEL, 8 * mib, 0, "arm64_memblock_init", NULL);
	synth_add(s, BMF_IDENTITY, BMF_TAG_KERNEL, 0, SYN_KERNEL, 8 * mib, 0, "arm64_memblock_init", NULL);
	synth_add(s, BMF_IDENTITY, BMF_TAG_KERNEL_TEXT, 0, SYN_KERNEL, 4 * mib, 0, "arm64_memblock_init", NULL);
	synth_add(s, BMF_IDENTITY, BMF_TAG_KERNEL_RODATA, 0, SYN_KERNEL + 4 * mib, mib, 0, "arm64_memblock_init", NULL);
	synth_add(s, BMF_IDENTITY, BMF_TAG_KERNEL_INIT, 0, SYN_KERNEL + 5 * mib, mib, 0, "arm64_memblock_init", NULL);
	synth_add(s, BMF_IDENTITY, BMF_TAG_KERNEL_DATA, 0, SYN_KERNEL + 6 * mib, mib, 0, "arm64_memblock_init", NULL);
	synth_add(s, BMF_IDENTITY, BMF_TAG_KERNEL_BSS, 0, SYN_KERNEL + 7 * mib, mib, 0, "arm64_memblock_init", NULL);
	synth_add(s, BMF_RESERVE, BMF_TAG_INITRD, 0, initrd_rb, initrd_re - initrd_rb, 0, "reserve_initrd_mem", NULL);
	synth_add(s, BMF_IDENTITY, BMF_TAG_INITRD, 0, SYN_INITRD, SYN_INITRD_SIZE, 0, "reserve_initrd_mem", NULL);
	synth_add(s, BMF_NOMAP_MARK, BMF_TAG_RESERVED_MEM, 0, SYN_SECMON, mib, 0, "early_init_dt_reserve_memory", NULL);
	synth_add(s, BMF_IDENTITY, BMF_TAG_RESERVED_MEM, BMF_F_NOMAP, SYN_SECMON, mib, 0,
		  "__reserved_mem_reserve_reg", "secmon@4f000000");
	synth_add(s, BMF_ALLOC, BMF_TAG_RESERVED_MEM, 0, SYN_CMA, 4 * mib, 0,
		  "early_init_dt_alloc_reserved_memory_arch", NULL);
	synth_add(s, BMF_IDENTITY, BMF_TAG_RESERVED_MEM, BMF_F_REUSABLE | BMF_F_DYNAMIC, SYN_CMA, 4 * mib, 0,
		  "__reserved_mem_alloc_size", "linux,cma");
	synth_add(s, BMF_IDENTITY, BMF_TAG_CMA, BMF_F_REUSABLE, SYN_CMA, 4 * mib, 0,
		  "cma_init_reserved_mem", "linux,cma");
	synth_add(s, BMF_ALLOC, BMF_TAG_PGTABLE, 0, SYN_PGTABLE, 0x10000, 0, "early_pgtable_alloc", NULL);
	synth_add(s, BMF_ALLOC, BMF_TAG_MEMMAP, 0, SYN_MEMMAP, 2 * mib, 0, "sparse_init_nid", NULL);
	synth_add(s, BMF_ALLOC, BMF_TAG_NONE, 0, SYN_NODE, 0x2000, 0, "alloc_node_data", NULL);
	synth_add(s, BMF_ALLOC, BMF_TAG_NONE, 0, SYN_LOGBUF, 128 * 1024, 0, "setup_log_buf", NULL);
	synth_add(s, BMF_FREE, BMF_TAG_NONE, 0, SYN_LOGBUF, 128 * 1024, 0, "setup_log_buf", NULL);

	synth_free_all(s, busy, sizeof(busy) / sizeof(busy[0]), SYN_RAM_BASE, SYN_RAM_BASE + SYN_RAM_SIZE, &pages);
	synth_add(s, BMF_FREE_ALL_DONE, 0, 0, 0, 0, pages, "memblock_free_all", NULL);
	/* CMA activation: the pool's pages join MemTotal */
	synth_add(s, BMF_PAGES, BMF_TAG_NONE, 0, SYN_CMA, 4 * mib, (int64_t)(4 * mib / 4096),
		  "init_cma_reserved_pageblock", NULL);
	pages += (int64_t)(4 * mib / 4096);
	synth_add(s, BMF_INITRD_UNPACKED, BMF_TAG_INITRD, 0, SYN_INITRD, SYN_INITRD_SIZE, pages,
		  "do_populate_rootfs", NULL);
	/* free_reserved_area() rounds inward: 0x180000 bytes come back */
	synth_add(s, BMF_FREE, BMF_TAG_NONE, 0, initrd_rb, initrd_re - initrd_rb, 0, "free_initrd_mem", NULL);
	synth_add(s, BMF_FREE_AREA, BMF_TAG_NONE, 0, SYN_INITRD, 0x180000, 0x180, "free_initrd_mem", "initrd");
	pages += 0x180;
	synth_add(s, BMF_INITRD_FREED, BMF_TAG_INITRD, 0, SYN_INITRD, SYN_INITRD_SIZE, pages,
		  "do_populate_rootfs", NULL);
	synth_add(s, BMF_FREE, BMF_TAG_NONE, 0, SYN_KERNEL + 5 * mib, mib, 0, "free_initmem", NULL);
	synth_add(s, BMF_FREE_AREA, BMF_TAG_NONE, 0, SYN_KERNEL + 5 * mib, mib, 256, "free_initmem", "unused kernel");
	pages += 256;
	synth_add(s, BMF_INITMEM_DONE, 0, 0, 0, 0, pages, "kernel_init", NULL);
	s->totalram_pages = (uint64_t)pages;
	return pages;
}
