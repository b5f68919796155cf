/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Builds bootmem_fate logs in memory for the tests: a writer for the binary
 * format (version 2: the totals are computed from the records plus the
 * events synth_drop() says the list lost), a writer for the runtime file,
 * and synth_boot(), a small arm64-like boot whose every figure is
 * known by construction (see the numbers in synth_boot()).
 */
#pragma once

#include <stdint.h>
#include <stdio.h>
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
	uint32_t capacity;	/* 0: 1024 */
	uint32_t reserved_slots;
	/* events the kernel counted in the totals but could not keep in the list */
	struct bmf_totals dropped;
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
	r->count = 1;
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

/* Events that happened but did not fit in the list: they count in the totals only. */
static inline void synth_drop(struct synth *s, uint16_t kind, uint64_t events, uint64_t bytes, int64_t pages)
{
	s->dropped.dropped_events[kind] += events;
	s->dropped.dropped_bytes[kind] += bytes;
	s->dropped.dropped_pages[kind] += pages;
}

static inline int synth_counts_pages(unsigned kind)
{
	return kind == BMF_FREE_ALL || kind == BMF_FREE_AREA || kind == BMF_FREE_PAGE ||
	       kind == BMF_FREE_LATE || kind == BMF_PAGES;
}

/* The totals the kernel would keep for the records plus the dropped events. */
static inline void synth_totals(const struct synth *s, struct bmf_totals *t)
{
	*t = s->dropped;
	for (unsigned i = 0; i < s->n; i++) {
		const struct bmf_record *r = &s->rec[i];

		if (r->kind >= BMF_NR_KINDS)
			continue;
		t->kind_events[r->kind] += r->count;
		t->kind_bytes[r->kind] += r->size;
		if (synth_counts_pages(r->kind))
			t->kind_pages[r->kind] += r->pages;
		if (r->tag < BMF_NR_TAGS && r->kind == BMF_RESERVE)
			t->tag_reserved[r->tag] += r->size;
		if (r->tag < BMF_NR_TAGS && r->kind == BMF_ALLOC)
			t->tag_allocated[r->tag] += r->size;
		if (r->tag < BMF_NR_TAGS && r->kind == BMF_FREE)
			t->tag_freed[r->tag] += r->size;
	}
	for (unsigned k = 0; k < BMF_NR_KINDS; k++) {
		t->kind_events[k] += s->dropped.dropped_events[k];
		t->kind_bytes[k] += s->dropped.dropped_bytes[k];
		if (synth_counts_pages(k)) {
			t->kind_pages[k] += s->dropped.dropped_pages[k];
			t->managed_pages += t->kind_pages[k];
		}
	}
}

/* Serializes into a malloc()ed buffer: header, totals, records, string table. */
static inline unsigned char *synth_write(struct synth *s, size_t *len)
{
	struct bmf_header h;
	struct bmf_totals t;
	size_t rec_bytes = s->n * sizeof(struct bmf_record);
	size_t to = sizeof(h), ro = to + sizeof(t), so;
	unsigned char *buf;

	memset(&h, 0, sizeof(h));
	synth_totals(s, &t);
	memcpy(h.magic, BMF_MAGIC, BMF_MAGIC_LEN);
	h.version = BMF_VERSION;
	h.header_size = sizeof(h);
	h.flags = BMF_HDR_FROZEN | BMF_HDR_KALLSYMS;
	h.phase = BMF_PHASE_RUNNING;
	h.totals_offset = (uint32_t)to;
	h.totals_size = sizeof(t);
	h.records_offset = (uint32_t)ro;
	h.record_size = sizeof(struct bmf_record);
	h.record_count = s->n;
	h.capacity = s->capacity ? s->capacity : 1024;
	h.reserved_slots = s->reserved_slots;
	h.page_size = s->page_size;
	h.machine = synth_str(s, "aarch64");
	h.release = synth_str(s, "6.12.117-synth");
	so = ro + rec_bytes;
	h.strtab_offset = (uint32_t)so;
	h.strtab_size = s->strtab_len;
	h.totalram_pages = s->totalram_pages;
	*len = so + s->strtab_len;
	buf = malloc(*len);
	if (!buf)
		abort();
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + to, &t, sizeof(t));
	memcpy(buf + ro, s->rec, rec_bytes);
	memcpy(buf + so, s->strtab, s->strtab_len);
	return buf;
}

/* The runtime file: up to 16 callers. */
struct synth_rt {
	struct bmf_rt_entry e[16];
	unsigned n;
	int64_t boot_pages;	/* totals.managed_pages of the log */
};

static inline void synth_rt_add(struct synth_rt *rt, const char *caller, const char *module,
				uint64_t in, uint64_t out, uint64_t added, uint64_t removed)
{
	struct bmf_rt_entry *e = &rt->e[rt->n++];

	memset(e, 0, sizeof(*e));
	snprintf(e->caller, sizeof(e->caller), "%s", caller);
	snprintf(e->module, sizeof(e->module), "%s", module);
	e->pages_in = in;
	e->pages_out = out;
	e->events = 1;
	e->bytes_added = added;
	e->bytes_removed = removed;
	e->kind = BMF_PAGES;
}

static inline unsigned char *synth_rt_write(const struct synth_rt *rt, uint32_t page_size, size_t *len)
{
	struct bmf_rt_header h;
	unsigned char *buf;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, BMF_RT_MAGIC, BMF_MAGIC_LEN);
	h.version = BMF_VERSION;
	h.header_size = sizeof(h);
	h.entry_size = sizeof(struct bmf_rt_entry);
	h.count = rt->n;
	h.capacity = 16;
	h.page_size = page_size;
	for (unsigned i = 0; i < rt->n; i++) {
		h.pages_in += rt->e[i].pages_in;
		h.pages_out += rt->e[i].pages_out;
	}
	h.managed_pages = rt->boot_pages + (int64_t)h.pages_in - (int64_t)h.pages_out;
	h.totalram_pages = (uint64_t)h.managed_pages;
	*len = sizeof(h) + rt->n * sizeof(struct bmf_rt_entry);
	buf = malloc(*len);
	if (!buf)
		abort();
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), rt->e, rt->n * sizeof(struct bmf_rt_entry));
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
	synth_add(s, BMF_BOOT_DONE, 0, 0, 0, 0, pages, "kernel_init", NULL);
	s->totalram_pages = (uint64_t)pages;
	return pages;
}
