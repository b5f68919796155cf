/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a kernel reports about its memory without the bootmem_fate patch:
 * /proc/meminfo, /proc/iomem, /proc/cmdline, /proc/version, x86 boot_params,
 * /sys/firmware/memmap and the boot messages.  Parsers take text or bytes
 * already read; none of them print.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* /proc/meminfo.  Values in bytes. */
struct meminfo {
	bool has_memtotal;
	uint64_t memtotal;
	bool has_cma_total;
	uint64_t cma_total;
	bool has_memfree;
	uint64_t memfree;
};
int proc_parse_meminfo(const char *text, struct meminfo *out);

/* /proc/iomem, flattened in file order; @parent is an index or -1. */
struct iomem_entry {
	uint64_t start;
	uint64_t end;		/* inclusive, as printed */
	int depth;
	int parent;
	char *name;
};
struct iomem {
	struct iomem_entry *e;
	size_t n;
	bool zeroed;		/* every address is 0: the reader lacked CAP_SYS_ADMIN */
};
int proc_parse_iomem(const char *text, struct iomem **ret);
void iomem_free(struct iomem *io);
/* Sum of top-level entries named @name (e.g. "System RAM"), in bytes. */
uint64_t iomem_sum_top(const struct iomem *io, const char *name);
/* First entry named @name at any depth, or NULL. */
const struct iomem_entry *iomem_find(const struct iomem *io, const char *name);

/* x86 struct boot_params (Documentation/arch/x86/zero-page.rst). */
#define BOOT_PARAMS_SIZE 4096
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_E820_ENTRIES 0x1e8
#define BP_HDR_HEADER 0x202	/* "HdrS" */
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE 0x21c
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128
#define E820_TYPE_RAM 1

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};
struct boot_params_info {
	bool has_header;	/* "HdrS" present: the setup header is valid */
	uint64_t ramdisk_image;	/* ramdisk_image | ext_ramdisk_image << 32 */
	uint64_t ramdisk_size;
	size_t n_e820;
	struct e820_entry e820[BP_E820_MAX];
};
int proc_parse_boot_params(const void *buf, size_t len, struct boot_params_info *out);

/* /sys/firmware/memmap/N/{start,end,type}; end is inclusive. */
struct memmap_entry {
	uint64_t start;
	uint64_t end;
	char type[32];
};
struct memmap {
	struct memmap_entry *e;
	size_t n;
};
/* @dirfd is the memmap directory.  -ENOENT when it has no entries. */
int proc_read_memmap(int dirfd, struct memmap **ret);
void memmap_free(struct memmap *m);
uint64_t memmap_sum(const struct memmap *m, const char *type);

/* Facts a stock kernel prints while booting. */
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
struct dmesg_facts {
	size_t lines;
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
	/* "Kernel command line: ..." */
	char cmdline[512];
};

/*
 * Parses boot messages, either dmesg(1)-style text ("<6>[    0.000000] msg"
 * or "[    0.000000] msg") or /dev/kmsg records ("6,12,345,-;msg").
 */
void proc_parse_dmesg_line(const char *line, size_t len, struct dmesg_facts *f);
void proc_parse_dmesg(const char *text, size_t len, struct dmesg_facts *f);
/* Reads /dev/kmsg (or @path) without blocking, until EAGAIN. */
int proc_read_kmsg(const char *path, struct dmesg_facts *f);
/* Sum of frees whose label matches @label exactly, or -1 when none was seen. */
int64_t dmesg_freed(const struct dmesg_facts *f, const char *label);

/* "Linux version 6.12.0 (...) ..." -> "6.12.0" into @release. */
int proc_parse_version(const char *text, char *release, size_t n);
/* Best-effort architecture from /proc/version's toolchain triple; NULL if unsure. */
const char *proc_guess_arch(const char *version_text);
