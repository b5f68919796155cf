/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The facts a stock kernel prints while booting, from dmesg(1)-style text
 * ("<6>[    0.000000] msg" or "[    0.000000] msg", a captured boot's
 * dmesg.txt) or /dev/kmsg records ("6,12,345,-;msg").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bm_inputs;
struct source_diag;
struct stat;

struct dmesg_free {
	char label[64];		/* e.g. "initrd", "unused kernel image (initmem)" */
	uint64_t bytes;
};

struct dmesg_rmem {
	uint64_t base;
	uint64_t end;		/* inclusive, as printed */
	uint64_t kib;
	bool nomap;
	bool reusable;
	char name[64];
};

/* "<name> hash table entries: N (order: O, B bytes, linear|vmalloc)" */
struct dmesg_hash {
	char name[48];
	uint64_t entries, bytes;
	unsigned order;
	bool vmalloc;
	bool after_memory;	/* printed after the Memory: line */
};

/* A reservation the kernel printed with its place: swiotlb, crashkernel, cma. */
struct dmesg_resv {
	char name[48];
	uint64_t base, size;	/* size 0: place unknown */
};

/* memblock=debug: what one caller reserved, allocated and freed (bytes, as printed). */
struct dmesg_mb_caller {
	char name[48];		/* the caller's symbol, without "+off/len" */
	uint64_t alloc;		/* memblock_alloc*, memblock_phys_alloc*: "N bytes" */
	uint64_t reserve;	/* memblock_reserve: [a-b] */
	uint32_t lines;
};

enum dmesg_mb_op {
	DMESG_MB_RESERVE,
	DMESG_MB_FREE,		/* memblock_phys_free, memblock_free: before the page allocator */
	DMESG_MB_FREE_LATE,	/* memblock_free_late: after it */
};

/* memblock=debug: a line that prints its range. */
struct dmesg_mb_range {
	uint64_t base, size;
	uint16_t caller;	/* index into mb_callers */
	uint8_t op;		/* enum dmesg_mb_op */
};

/* efi=debug: an EFI boot services code or data range of the memory map it prints. */
struct dmesg_efi_boot {
	uint64_t base, size;
	/*
	 * Not the kernel's to free: EFI_MEMORY_RUNTIME as printed first, or
	 * set by efi_reserve_boot_services() on a range someone else had
	 * already reserved (it shows in a later print of the map).
	 */
	bool not_freeable;
};

struct dmesg_facts {
	size_t lines;
	/* "Linux version ...": the ring buffer still holds this boot's start */
	bool has_linux_version;
	/* "Memory: %luK/%luK available (...)", in bytes */
	bool has_memory_line;
	uint64_t mem_available, mem_physpages, mem_code, mem_rwdata, mem_rodata, mem_init,
		 mem_bss, mem_reserved, mem_cma_reserved;
	bool has_highmem;
	uint64_t mem_highmem;
	/* "Freeing %s memory: %ldK" */
	struct dmesg_free frees[16];
	size_t n_frees;
	/* "OF: reserved mem: %pa..%pa (%lu KiB) ..." */
	struct dmesg_rmem rmem[32];
	size_t n_rmem;
	/* arm "INITRD: 0x..+0x.. is not a memory region|overlaps in-use memory region" */
	bool initrd_rejected;
	char initrd_reject_reason[64];
	/* x86 "RAMDISK: [mem 0x...-0x...]" */
	bool has_ramdisk;
	uint64_t ramdisk_start, ramdisk_end;	/* end inclusive */
	/* alloc_large_system_hash() tables, each by name */
	struct dmesg_hash hashes[32];
	size_t n_hashes;
	/* "percpu: Embedded N pages/cpu ...", "pcpu-alloc: s r d uU alloc=..", "pcpu-alloc: [g] 0 1 .." */
	uint64_t pcpu_embedded_pages, pcpu_unit_size;
	unsigned pcpu_units;		/* CPUs listed in the pcpu-alloc group lines */
	unsigned nr_cpu_ids;		/* "nr_cpu_ids:N" or "nr_cpu_ids=N", 0 when not printed */
	/* "software IO TLB: mapped [mem A-B] (NMB)", "crashkernel reserved: A - B (N MB)", "cma: Reserved N MiB at A" */
	struct dmesg_resv resv[8];
	size_t n_resv;
	/* "kfence: initialized - using N bytes for M objects" */
	uint64_t kfence_bytes, kfence_objects;
	/* "Built N zonelists, mobility grouping on.  Total pages: N" */
	uint64_t total_pages;
	/* memblock=debug lines: callers, and each reserve and free with its range */
	size_t mb_lines;		/* every memblock_* debug line */
	/*
	 * The allocation line before, whose reservation Linux 6.1 also prints
	 * ("memblock_reserve: [A-B] memblock_alloc_range_nid"): caller + 1, or 0.
	 */
	size_t mb_pending_caller;
	uint64_t mb_pending_bytes;
	size_t mb_dropped;		/* lines past the bounds below */
	struct dmesg_mb_caller mb_callers[128];
	size_t n_mb_callers;
	struct dmesg_mb_range mb_ranges[512];
	size_t n_mb_ranges;
	/* efi=debug's "efi: memNN: [Boot Code|...] range=[A-B] (NMB)", first print; later prints mark */
	struct dmesg_efi_boot efi_boot[256];
	size_t n_efi_boot;
	size_t efi_boot_dropped;	/* entries past the bound */
	unsigned efi_map_prints;	/* how many times the map was printed (mem00 lines) */
	/* "Kernel command line: ..." */
	char cmdline[512];
};

/* One message, or a whole text of them; lines that say nothing known are counted only. */
void kmsg_parse_line(const char *line, size_t len, struct dmesg_facts *f);
/* One message's own text, without a dmesg or /dev/kmsg prefix (a journal MESSAGE). */
void kmsg_parse_msg(const char *msg, size_t len, struct dmesg_facts *f);
/* Journal entries as text, one MESSAGE a line, through the same parser. */
void kmsg_parse_messages(const char *text, size_t len, struct dmesg_facts *f);
/*
 * This boot's _TRANSPORT=kernel entries from the journal (sd-journal), at
 * most @max bytes of messages, into @f (source-journal.c).  0 or -errno.
 */
int journal_read_boot(size_t max, struct dmesg_facts *f);
void kmsg_parse(const char *text, size_t len, struct dmesg_facts *f);
/* Reads an open /dev/kmsg (O_NONBLOCK) until EAGAIN, at most @max bytes. */
int kmsg_read_fd(int fd, size_t max, struct dmesg_facts *f);
/* Sum of frees whose label matches @label exactly, or -1 when none was seen. */
int64_t dmesg_freed(const struct dmesg_facts *f, const char *label);

/* Text (dmesg.txt). */
int kmsg_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d);
/* /dev/kmsg itself, and no other device. */
int kmsg_read(int fd, const struct stat *st, size_t max, struct bm_inputs *in, struct source_diag *d);
