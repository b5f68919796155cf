/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Boot memory fate log: the binary formats of /sys/kernel/bootmem_fate/log
 * and /sys/kernel/bootmem_fate/runtime.
 *
 * log is a struct bmf_header, a struct bmf_totals at header.totals_offset,
 * header.record_count records of header.record_size bytes each at
 * header.records_offset, then a string table of header.strtab_size bytes at
 * header.strtab_offset.  Strings are NUL-terminated; offset 0 is always the
 * empty string.  Once the boot is over (phase BMF_PHASE_RUNNING) the file
 * never changes again.
 *
 * runtime is a struct bmf_rt_header followed by header.count entries of
 * header.entry_size bytes: the managed page count changes after boot,
 * aggregated by caller.  It is small enough to be read in one read(2),
 * which returns a consistent snapshot.
 *
 * All integers are in the kernel's native byte order.  Readers must check
 * magic and version, and must use the sizes and offsets in the headers
 * rather than sizeof(), so that fields can be appended without a version
 * change.
 */
#ifndef _UAPI_LINUX_BOOTMEM_FATE_H
#define _UAPI_LINUX_BOOTMEM_FATE_H

#include <linux/types.h>

#define BMF_MAGIC		"BMEMFATE"
#define BMF_RT_MAGIC		"BMEMFRUN"
#define BMF_MAGIC_LEN		8
#define BMF_VERSION		2

/* Sizes of the per-kind and per-tag tables in struct bmf_totals. */
#define BMF_NR_KINDS		64
#define BMF_NR_TAGS		32

enum bmf_phase {
	BMF_PHASE_SETUP		= 0,	/* memblock era, before memblock_free_all() */
	BMF_PHASE_BUDDY		= 1,	/* page allocator up, before init memory is freed */
	BMF_PHASE_LATE		= 2,	/* free_initmem() and what follows it */
	BMF_PHASE_RUNNING	= 3,	/* boot over: the event list is frozen */
};

struct bmf_header {
	__u8	magic[BMF_MAGIC_LEN];	/* BMF_MAGIC, not NUL-terminated */
	__u32	version;		/* BMF_VERSION */
	__u32	header_size;		/* bytes of this struct */
	__u32	flags;			/* BMF_HDR_* */
	__u32	page_size;		/* PAGE_SIZE of the kernel */
	__u32	phase;			/* enum bmf_phase when the file was built */
	__u32	machine;		/* strtab offset: utsname machine */
	__u32	release;		/* strtab offset: utsname release */
	__u32	totals_offset;		/* struct bmf_totals, from the start of the file */
	__u32	totals_size;
	__u32	records_offset;
	__u32	record_size;		/* bytes per record */
	__u32	record_count;		/* records in this file */
	__u32	capacity;		/* records the kernel can hold at boot */
	__u32	reserved_slots;		/* of capacity, kept for the events that close the boot */
	__u32	strtab_offset;
	__u32	strtab_size;		/* bytes, including the leading NUL */
	__u64	totalram_pages;		/* totalram_pages() when the file was built */
};

/* header flags */
#define BMF_HDR_FROZEN		0x0001	/* built at BMF_PHASE_RUNNING: final */
#define BMF_HDR_KALLSYMS	0x0002	/* callers are resolved to symbol names */

/*
 * Running sums over every boot event, updated even when the event list is
 * full, so that a full list never loses the figures that make the
 * accounting exact.  Indexes are enum bmf_kind and enum bmf_tag values.
 * kind_events counts every boot event that was not zero-sized, before
 * coalescing; late_events is the part of it recorded after the list left
 * init memory (phase BMF_PHASE_LATE).  Events after the freeze are only in
 * the runtime file.
 */
struct bmf_totals {
	__s64	managed_pages;			/* sum of @pages over the page-count kinds */
	__u64	labels_truncated;		/* labels cut to fit */
	__u64	labels_lost;			/* labels that could not be kept at all */
	__u64	late_events;			/* non-page events after the freeze (runtime) */
	__s64	kind_pages[BMF_NR_KINDS];	/* page-count kinds: sum of @pages */
	__u64	kind_events[BMF_NR_KINDS];	/* events seen, before coalescing */
	__u64	kind_bytes[BMF_NR_KINDS];	/* sum of @size */
	__u64	dropped_events[BMF_NR_KINDS];	/* not in the list: it was full */
	__u64	dropped_bytes[BMF_NR_KINDS];
	__s64	dropped_pages[BMF_NR_KINDS];
	__u64	tag_reserved[BMF_NR_TAGS];	/* BMF_RESERVE bytes by tag */
	__u64	tag_allocated[BMF_NR_TAGS];	/* BMF_ALLOC bytes by tag */
	__u64	tag_freed[BMF_NR_TAGS];		/* BMF_FREE bytes by tag */
};

struct bmf_record {
	__u64	base;		/* physical address */
	__u64	size;		/* bytes; base + size never overflows */
	__s64	pages;		/* see "Page counts" below */
	__u64	time_ns;	/* local_clock() at the first event; 0 before the clock runs */
	__u32	seq;		/* position in the log, from 0 */
	__u32	count;		/* events coalesced into this record, >= 1 (see below) */
	__u32	caller;		/* strtab offset: caller's symbol name, "?" if unknown */
	__u32	caller_offset;	/* offset of the call site in that symbol */
	__u32	module;		/* strtab offset: the caller's module, "" for vmlinux */
	__u32	label;		/* strtab offset: label, reason or name */
	__u16	kind;		/* enum bmf_kind */
	__u16	tag;		/* enum bmf_tag */
	__u16	phase;		/* enum bmf_phase at the first event */
	__u16	flags;		/* BMF_F_* */
};

/*
 * Coalescing: an event extends the record just before it, in either
 * direction, when it has the same kind, tag, caller, phase, flags and
 * label, the ranges touch and @pages has the same sign; only a firmware
 * identity (BMF_TAG_FIRMWARE) between the two may be passed over.  So the
 * order of records is the order of the events that changed state, and a
 * record's time_ns is that of its first event.
 *
 * Page counts: the sum of @pages over the records whose kind is
 * BMF_FREE_ALL, BMF_FREE_AREA, BMF_FREE_PAGE, BMF_FREE_LATE or BMF_PAGES is
 * the managed page count at the end of boot (totals.managed_pages, which
 * holds even when events were dropped).  Adding the runtime file's
 * pages_in - pages_out gives MemTotal in pages.  Milestone records carry
 * totalram_pages() at that moment in @pages.  Every other kind has
 * @pages = 0.
 */
enum bmf_kind {
	/* memblock.memory layout */
	BMF_MEM_ADD		= 1,	/* memblock_add(), memblock_add_node() */
	BMF_MEM_REMOVE		= 2,	/* memblock_remove() */
	BMF_MEM_CAP		= 3,	/* mem= and friends: only [base, base+size) is kept */
	BMF_NOMAP_MARK		= 4,	/* memblock_mark_nomap() */
	BMF_NOMAP_CLEAR		= 5,	/* memblock_clear_nomap() */
	BMF_FW_RAM		= 6,	/* firmware says this is RAM (e820, EFI) */

	/* memblock.reserved */
	BMF_RESERVE		= 10,	/* memblock_reserve() */
	BMF_ALLOC		= 11,	/* one per successful memblock allocation */
	BMF_FREE		= 12,	/* memblock_free(), memblock_phys_free() */

	/* managed page count changes, see "Page counts" */
	BMF_FREE_ALL		= 20,	/* one free range of memblock_free_all() */
	BMF_FREE_AREA		= 21,	/* free_reserved_area(), label = its name */
	BMF_FREE_PAGE		= 22,	/* free_reserved_page() */
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
	BMF_BOOT_DONE		= 46,	/* SYSTEM_RUNNING: the list is frozen */
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
	BMF_TAG_CRASHKERNEL	= 12,	/* label "crashkernel", "crashkernel low", "elfcorehdr" */
	BMF_TAG_PGTABLE		= 13,	/* early page tables */
	BMF_TAG_MEMMAP		= 14,	/* struct page arrays */
	BMF_TAG_PERCPU		= 15,	/* percpu first chunk */
	BMF_TAG_FIRMWARE	= 16,	/* firmware tables and services: EFI, ACPI; label = what */
	BMF_TAG_HASH		= 17,	/* alloc_large_system_hash(), label = table */
	BMF_TAG_SWIOTLB		= 18,	/* the swiotlb bounce buffer */
	BMF_TAG_KFENCE		= 19,	/* the KFENCE pool */
	BMF_TAG_KASAN		= 20,	/* KASAN shadow */
	BMF_TAG_RESERVE_MEM	= 21,	/* reserve_mem=, label = its name */
	BMF_TAG_VECTORS		= 22,	/* ARM vector pages and zero page, label = which */
};

/* record flags */
#define BMF_F_NOMAP		0x0001	/* reserved-memory node has no-map */
#define BMF_F_REUSABLE		0x0002	/* reserved-memory node is reusable */
#define BMF_F_DYNAMIC		0x0004	/* placed by the kernel, not by reg */
#define BMF_F_MERGED		0x0008	/* several adjacent events coalesced */
#define BMF_F_NOT_RAM		0x0010	/* identity: firmware region outside DRAM */
#define BMF_F_LABEL_CUT		0x0020	/* label truncated */

/* /sys/kernel/bootmem_fate/runtime */
struct bmf_rt_header {
	__u8	magic[BMF_MAGIC_LEN];	/* BMF_RT_MAGIC */
	__u32	version;		/* BMF_VERSION */
	__u32	header_size;
	__u32	entry_size;
	__u32	count;			/* entries in use */
	__u32	capacity;		/* the last entry collects callers beyond it */
	__u32	page_size;
	__s64	managed_pages;		/* boot total plus every runtime change */
	__u64	totalram_pages;		/* totalram_pages(), same snapshot */
	__u64	pages_in;		/* sums over the entries */
	__u64	pages_out;
};

#define BMF_RT_NAME_LEN		64
#define BMF_RT_MODULE_LEN	32

/*
 * One caller of a managed page count change after boot: a balloon driver,
 * virtio-mem, memory hotplug, hugetlb's vmemmap optimisation...
 */
struct bmf_rt_entry {
	char	caller[BMF_RT_NAME_LEN];	/* symbol, "?" if unknown, "other" for overflow */
	char	module[BMF_RT_MODULE_LEN];	/* "" for vmlinux */
	__u64	pages_in;			/* pages added to the managed count */
	__u64	pages_out;			/* pages taken from it */
	__u64	events;
	__u64	bytes_added;			/* memblock_add() after boot (hotplug) */
	__u64	bytes_removed;			/* memblock_remove() after boot */
	__u32	caller_offset;
	__u16	kind;				/* enum bmf_kind of the first event */
	__u16	flags;				/* BMF_RT_* */
};

#define BMF_RT_SATURATED	0x0001	/* a counter reached U64_MAX and stopped */

#endif /* _UAPI_LINUX_BOOTMEM_FATE_H */
