/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Boot memory fate log: the binary format of /sys/kernel/bootmem_fate/log.
 *
 * The file is a struct bmf_header, then header.record_count records of
 * header.record_size bytes each, starting at header.header_size, then a
 * string table of header.strtab_size bytes at header.strtab_offset.
 * Strings are NUL-terminated; offset 0 is always the empty string.
 * All integers are in the kernel's native byte order.
 *
 * Readers must check magic and version, and must use header_size and
 * record_size rather than sizeof(), so that fields can be appended
 * without a version change.
 */
#ifndef _UAPI_LINUX_BOOTMEM_FATE_H
#define _UAPI_LINUX_BOOTMEM_FATE_H

#include <linux/types.h>

#define BMF_MAGIC		"BMEMFATE"
#define BMF_MAGIC_LEN		8
#define BMF_VERSION		1

struct bmf_header {
	__u8	magic[BMF_MAGIC_LEN];	/* BMF_MAGIC, not NUL-terminated */
	__u32	version;		/* BMF_VERSION */
	__u32	header_size;		/* offset of the first record */
	__u32	record_size;		/* bytes per record */
	__u32	record_count;		/* records in this file */
	__u32	dropped;		/* events lost because the log was full */
	__u32	capacity;		/* records the kernel can hold */
	__u32	strtab_offset;		/* from the start of the file */
	__u32	strtab_size;		/* bytes, including the leading NUL */
	__u32	page_size;		/* PAGE_SIZE of the kernel */
	__u32	machine;		/* strtab offset: utsname machine */
	__u32	release;		/* strtab offset: utsname release */
	__u32	flags;			/* BMF_HDR_*, none defined yet */
	__u64	totalram_pages;		/* totalram_pages() at read time */
};

struct bmf_record {
	__u64	base;		/* physical address */
	__u64	size;		/* bytes; base + size never overflows */
	__s64	pages;		/* see "Page counts" below */
	__u64	time_ns;	/* local_clock(); 0 before the clock runs */
	__u32	seq;		/* position in the log, from 0 */
	__u32	caller;		/* strtab offset: caller's symbol name */
	__u32	caller_offset;	/* offset of the call site in that symbol */
	__u32	label;		/* strtab offset: label, reason or name */
	__u16	kind;		/* enum bmf_kind */
	__u16	tag;		/* enum bmf_tag */
	__u16	phase;		/* system_state at the event */
	__u16	flags;		/* BMF_F_* */
};

/*
 * Page counts: the sum of @pages over the records whose kind is
 * BMF_FREE_ALL, BMF_FREE_AREA, BMF_FREE_PAGE, BMF_FREE_LATE or BMF_PAGES
 * is the managed page count (MemTotal in pages), provided dropped is 0.
 * Milestone records (BMF_FREE_ALL_DONE and later) carry totalram_pages()
 * at that moment in @pages. Every other kind has @pages = 0.
 */
enum bmf_kind {
	/* memblock.memory layout */
	BMF_MEM_ADD		= 1,	/* memblock_add(), memblock_add_node() */
	BMF_MEM_REMOVE		= 2,	/* memblock_remove() */
	BMF_MEM_CAP		= 3,	/* mem= and friends: only [base, base+size) is kept */
	BMF_NOMAP_MARK		= 4,	/* memblock_mark_nomap() */
	BMF_NOMAP_CLEAR		= 5,	/* memblock_clear_nomap() */

	/* memblock.reserved */
	BMF_RESERVE		= 10,	/* memblock_reserve() */
	BMF_ALLOC		= 11,	/* one per successful memblock allocation */
	BMF_FREE		= 12,	/* memblock_free(), memblock_phys_free() */

	/* managed page count changes, see "Page counts" */
	BMF_FREE_ALL		= 20,	/* one free range of memblock_free_all() */
	BMF_FREE_AREA		= 21,	/* free_reserved_area(), label = its name */
	BMF_FREE_PAGE		= 22,	/* free_reserved_page(), merged when contiguous */
	BMF_FREE_LATE		= 23,	/* memblock_free_late() */
	BMF_PAGES		= 24,	/* adjust_managed_page_count(), e.g. CMA */

	/* identity and decisions */
	BMF_IDENTITY		= 30,	/* names [base, base+size) by tag and label */
	BMF_REJECT		= 31,	/* a reservation refused, label = reason */

	/* milestones, @pages = totalram_pages() */
	BMF_FREE_ALL_DONE	= 40,	/* memblock_free_all() returned */
	BMF_INITRD_UNPACKED	= 41,	/* initrd unpacked into rootfs */
	BMF_INITRD_FREED	= 42,	/* initrd released */
	BMF_INITRD_RETAINED	= 43,	/* retain_initrd / keepinitrd */
	BMF_INITRD_KEPT		= 44,	/* kept: overlaps the crashkernel */
	BMF_INITMEM_DONE	= 45,	/* free_initmem() returned */
};

enum bmf_tag {
	BMF_TAG_NONE		= 0,
	BMF_TAG_KERNEL		= 1,	/* the whole kernel image */
	BMF_TAG_KERNEL_TEXT	= 2,
	BMF_TAG_KERNEL_RODATA	= 3,
	BMF_TAG_KERNEL_DATA	= 4,
	BMF_TAG_KERNEL_BSS	= 5,
	BMF_TAG_KERNEL_INIT	= 6,
	BMF_TAG_INITRD		= 7,
	BMF_TAG_FDT		= 8,	/* the flattened device tree blob */
	BMF_TAG_MEMRESERVE	= 9,	/* an FDT /memreserve/ entry */
	BMF_TAG_RESERVED_MEM	= 10,	/* a /reserved-memory node, label = name */
	BMF_TAG_CMA		= 11,	/* a CMA area, label = its name */
	BMF_TAG_CRASHKERNEL	= 12,
	BMF_TAG_PGTABLE		= 13,	/* early page tables */
	BMF_TAG_MEMMAP		= 14,	/* struct page arrays */
	BMF_TAG_PERCPU		= 15,	/* percpu first chunk */
};

/* record flags */
#define BMF_F_NOMAP		0x0001	/* reserved-memory node has no-map */
#define BMF_F_REUSABLE		0x0002	/* reserved-memory node is reusable */
#define BMF_F_DYNAMIC		0x0004	/* placed by the kernel, not by reg */
#define BMF_F_MERGED		0x0008	/* several contiguous events merged */

#endif /* _UAPI_LINUX_BOOTMEM_FATE_H */
