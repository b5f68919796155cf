/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources.h"
#include "util.h"

/* Sizes of the structures this reader knows (version 2). */
#define KNOWN_HEADER_SIZE sizeof(struct bmf_header)
#define KNOWN_TOTALS_SIZE sizeof(struct bmf_totals)
#define KNOWN_RECORD_SIZE sizeof(struct bmf_record)
#define KNOWN_RT_HEADER_SIZE sizeof(struct bmf_rt_header)
#define KNOWN_RT_ENTRY_SIZE sizeof(struct bmf_rt_entry)

/* 16 __u32 after the magic put the __u64 at 72, aligned: no padding. */
_Static_assert(sizeof(struct bmf_header) == 80, "bmf_header layout");
_Static_assert(offsetof(struct bmf_header, totalram_pages) == 72, "bmf_header layout");
_Static_assert(sizeof(struct bmf_totals) == 32 + 6 * 8 * BMF_NR_KINDS + 3 * 8 * BMF_NR_TAGS,
	       "bmf_totals layout");
_Static_assert(sizeof(struct bmf_record) == 64, "bmf_record layout");
_Static_assert(sizeof(struct bmf_rt_header) == 64, "bmf_rt_header layout");
_Static_assert(sizeof(struct bmf_rt_entry) == 144, "bmf_rt_entry layout");

static const char *const kind_names[] = {
	[BMF_MEM_ADD] = "mem_add",
	[BMF_MEM_REMOVE] = "mem_remove",
	[BMF_MEM_CAP] = "mem_cap",
	[BMF_NOMAP_MARK] = "nomap_mark",
	[BMF_NOMAP_CLEAR] = "nomap_clear",
	[BMF_FW_RAM] = "fw_ram",
	[BMF_RESERVE] = "reserve",
	[BMF_ALLOC] = "alloc",
	[BMF_FREE] = "free",
	[BMF_FREE_ALL] = "free_all",
	[BMF_FREE_AREA] = "free_area",
	[BMF_FREE_PAGE] = "free_page",
	[BMF_FREE_LATE] = "free_late",
	[BMF_PAGES] = "pages",
	[BMF_IDENTITY] = "identity",
	[BMF_REJECT] = "reject",
	[BMF_FREE_ALL_DONE] = "free_all_done",
	[BMF_INITRD_UNPACKED] = "initrd_unpacked",
	[BMF_INITRD_FREED] = "initrd_freed",
	[BMF_INITRD_RETAINED] = "initrd_retained",
	[BMF_INITRD_KEPT] = "initrd_kept",
	[BMF_INITMEM_DONE] = "initmem_done",
	[BMF_BOOT_DONE] = "boot_done",
};

static const char *const tag_names[] = {
	[BMF_TAG_NONE] = "none",
	[BMF_TAG_KERNEL] = "kernel",
	[BMF_TAG_KERNEL_TEXT] = "kernel_text",
	[BMF_TAG_KERNEL_RODATA] = "kernel_rodata",
	[BMF_TAG_KERNEL_DATA] = "kernel_data",
	[BMF_TAG_KERNEL_BSS] = "kernel_bss",
	[BMF_TAG_KERNEL_INIT] = "kernel_init",
	[BMF_TAG_INITRD] = "initrd",
	[BMF_TAG_FDT] = "fdt",
	[BMF_TAG_MEMRESERVE] = "memreserve",
	[BMF_TAG_RESERVED_MEM] = "reserved_mem",
	[BMF_TAG_CMA] = "cma",
	[BMF_TAG_CRASHKERNEL] = "crashkernel",
	[BMF_TAG_PGTABLE] = "pgtable",
	[BMF_TAG_MEMMAP] = "memmap",
	[BMF_TAG_PERCPU] = "percpu",
	[BMF_TAG_FIRMWARE] = "firmware",
	[BMF_TAG_HASH] = "hash",
	[BMF_TAG_SWIOTLB] = "swiotlb",
	[BMF_TAG_KFENCE] = "kfence",
	[BMF_TAG_KASAN] = "kasan",
	[BMF_TAG_RESERVE_MEM] = "reserve_mem",
	[BMF_TAG_VECTORS] = "vectors",
};

#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))
#define N_TAGS (sizeof(tag_names) / sizeof(tag_names[0]))

bool bmf_kind_known(unsigned kind)
{
	return kind < N_KINDS && kind_names[kind];
}

bool bmf_tag_known(unsigned tag)
{
	return tag < N_TAGS && tag_names[tag];
}

const char *bmf_kind_name(unsigned kind)
{
	return bmf_kind_known(kind) ? kind_names[kind] : "unknown";
}

const char *bmf_tag_name(unsigned tag)
{
	return bmf_tag_known(tag) ? tag_names[tag] : "unknown";
}

int bmf_kind_from_name(const char *name)
{
	for (unsigned i = 0; i < N_KINDS; i++)
		if (kind_names[i] && strcmp(kind_names[i], name) == 0)
			return (int)i;
	return -1;
}

int bmf_tag_from_name(const char *name)
{
	for (unsigned i = 0; i < N_TAGS; i++)
		if (tag_names[i] && strcmp(tag_names[i], name) == 0)
			return (int)i;
	return -1;
}

bool bmf_kind_counts_pages(unsigned kind)
{
	switch (kind) {
	case BMF_FREE_ALL:
	case BMF_FREE_AREA:
	case BMF_FREE_PAGE:
	case BMF_FREE_LATE:
	case BMF_PAGES:
		return true;
	default:
		return false;
	}
}

bool bmf_kind_is_milestone(unsigned kind)
{
	return kind >= BMF_FREE_ALL_DONE && bmf_kind_known(kind);
}

static const char *const error_messages[_BMF_LOG_ERROR_MAX] = {
	[BMF_LOG_OK] = "no error",
	[BMF_LOG_TRUNCATED_HEADER] = "file is shorter than the log header",
	[BMF_LOG_BAD_MAGIC] = "bad magic (not a bootmem_fate log)",
	[BMF_LOG_BAD_VERSION] = "unsupported log version",
	[BMF_LOG_BAD_HEADER_SIZE] = "header_size is smaller than the known header or past the end of the file",
	[BMF_LOG_BAD_RECORD_SIZE] = "record_size is smaller than the known record",
	[BMF_LOG_TRUNCATED_RECORDS] = "records run past the end of the file",
	[BMF_LOG_STRTAB_RANGE] = "string table lies outside the file",
	[BMF_LOG_STRTAB_EMPTY] = "string table is empty or does not start with the empty string",
	[BMF_LOG_STRTAB_UNTERMINATED] = "string table is not NUL-terminated",
	[BMF_LOG_STRING_RANGE] = "string offset outside the string table",
	[BMF_LOG_BAD_PAGE_SIZE] = "page_size is not a power of two between 1 KiB and 1 MiB",
	[BMF_LOG_BAD_SEQ] = "record sequence number does not match its position",
	[BMF_LOG_BAD_PAGES] = "page count set on a record kind that must not carry one",
	[BMF_LOG_BAD_RANGE] = "record base + size overflows",
	[BMF_LOG_BAD_TOTALS_SIZE] = "totals_size is smaller than the known totals",
	[BMF_LOG_TOTALS_RANGE] = "totals lie outside the file",
	[BMF_LOG_OVERLAP] = "sections overlap",
	[BMF_LOG_BAD_CAPACITY] = "more records or reserved slots than the capacity",
	[BMF_LOG_BAD_COUNT] = "record coalesces no event (count 0)",
	[BMF_LOG_BAD_ENTRY_SIZE] = "entry_size is smaller than the known runtime entry",
	[BMF_LOG_TRUNCATED_ENTRIES] = "runtime entries run past the end of the file",
	[BMF_LOG_BAD_ENTRY_COUNT] = "more runtime entries than the capacity",
	[BMF_LOG_ENTRY_STRING] = "runtime caller or module is not NUL-terminated",
	[BMF_LOG_BAD_SUMS] = "runtime header sums differ from the entries",
	[BMF_LOG_TOO_MANY_RECORDS] = "more records than this reader models",
	[BMF_LOG_TOO_LARGE] = "the header describes more bytes than the file may have",
};

const char *bmf_log_strerror(enum bmf_log_error e)
{
	if ((unsigned)e >= _BMF_LOG_ERROR_MAX)
		return "unknown error";
	return error_messages[e];
}

__attribute__((format(printf, 4, 5)))
static int fail(struct source_diag *diag, enum bmf_log_error e, size_t record, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!diag)
		return -EINVAL;
	diag->code = e;
	diag->where = record;
	n = snprintf(diag->message, sizeof(diag->message), "%s", bmf_log_strerror(e));
	if (fmt && n >= 0 && (size_t)n < sizeof(diag->message)) {
		va_start(ap, fmt);
		vsnprintf(diag->message + n, sizeof(diag->message) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}


#define H(field) (p + offsetof(struct bmf_header, field))
#define T(field) (p + totals_offset + offsetof(struct bmf_totals, field))
#define R(field) (rec + offsetof(struct bmf_record, field))

static bool page_size_ok(uint32_t ps)
{
	return ps >= 1024 && ps <= (1u << 20) && !(ps & (ps - 1));
}

struct section {
	const char *name;
	uint64_t off, end;
};

/* Magic, version and the known header; shared by the log and the runtime file. */
static int check_preamble(const unsigned char *p, size_t len, const char *magic, size_t known,
			  struct source_diag *diag)
{
	uint32_t version;

	/* Magic first, so that a random file says "bad magic" rather than "short". */
	if (len < BMF_MAGIC_LEN)
		return fail(diag, BMF_LOG_TRUNCATED_HEADER, SIZE_MAX, ": %zu bytes", len);
	if (memcmp(p, magic, BMF_MAGIC_LEN) != 0)
		return fail(diag, BMF_LOG_BAD_MAGIC, SIZE_MAX, NULL);
	if (len < BMF_MAGIC_LEN + sizeof(uint32_t))
		return fail(diag, BMF_LOG_TRUNCATED_HEADER, SIZE_MAX, ": %zu bytes", len);
	version = util_ld32(p + BMF_MAGIC_LEN);
	if (version != BMF_VERSION)
		return fail(diag, BMF_LOG_BAD_VERSION, SIZE_MAX, " %u (this reader knows %u)",
			    version, BMF_VERSION);
	if (len < known)
		return fail(diag, BMF_LOG_TRUNCATED_HEADER, SIZE_MAX, ": %zu of %zu bytes", len, known);
	return 0;
}

static void load_totals(const unsigned char *p, uint32_t totals_offset, struct bmf_log_totals *t)
{
	t->managed_pages = (int64_t)util_ld64(T(managed_pages));
	t->labels_truncated = util_ld64(T(labels_truncated));
	t->labels_lost = util_ld64(T(labels_lost));
	t->late_events = util_ld64(T(late_events));
	for (size_t k = 0; k < BMF_NR_KINDS; k++) {
		t->kind_pages[k] = (int64_t)util_ld64(T(kind_pages) + 8 * k);
		t->kind_events[k] = util_ld64(T(kind_events) + 8 * k);
		t->kind_bytes[k] = util_ld64(T(kind_bytes) + 8 * k);
		t->dropped_events[k] = util_ld64(T(dropped_events) + 8 * k);
		t->dropped_bytes[k] = util_ld64(T(dropped_bytes) + 8 * k);
		t->dropped_pages[k] = (int64_t)util_ld64(T(dropped_pages) + 8 * k);
	}
	for (size_t k = 0; k < BMF_NR_TAGS; k++) {
		t->tag_reserved[k] = util_ld64(T(tag_reserved) + 8 * k);
		t->tag_allocated[k] = util_ld64(T(tag_allocated) + 8 * k);
		t->tag_freed[k] = util_ld64(T(tag_freed) + 8 * k);
	}
}

static void bmf_log_freep(struct bmf_log **log)
{
	bmf_log_free(*log);
}

int bmf_log_parse(const void *buf, size_t len, struct bmf_log **ret, struct source_diag *diag)
{
	const unsigned char *p = buf;
	_cleanup_(bmf_log_freep) struct bmf_log *log = NULL;
	uint32_t header_size, totals_offset, totals_size, records_offset, record_size, count;
	uint32_t capacity, reserved_slots, strtab_offset, strtab_size, page_size, machine, release;
	uint64_t records_end, totals_end, strtab_end;
	int r;

	source_diag_init(diag);
	r = check_preamble(p, len, BMF_MAGIC, KNOWN_HEADER_SIZE, diag);
	if (r < 0)
		return r;

	header_size = util_ld32(H(header_size));
	totals_offset = util_ld32(H(totals_offset));
	totals_size = util_ld32(H(totals_size));
	records_offset = util_ld32(H(records_offset));
	record_size = util_ld32(H(record_size));
	count = util_ld32(H(record_count));
	capacity = util_ld32(H(capacity));
	reserved_slots = util_ld32(H(reserved_slots));
	strtab_offset = util_ld32(H(strtab_offset));
	strtab_size = util_ld32(H(strtab_size));
	page_size = util_ld32(H(page_size));
	machine = util_ld32(H(machine));
	release = util_ld32(H(release));

	if (header_size < KNOWN_HEADER_SIZE || header_size > len)
		return fail(diag, BMF_LOG_BAD_HEADER_SIZE, SIZE_MAX, ": %u (file %zu bytes)",
			    header_size, len);
	if (totals_size < KNOWN_TOTALS_SIZE)
		return fail(diag, BMF_LOG_BAD_TOTALS_SIZE, SIZE_MAX, ": %u < %zu",
			    totals_size, KNOWN_TOTALS_SIZE);
	/* Offsets and sizes are 32-bit: their sums fit in 64 bits. */
	totals_end = (uint64_t)totals_offset + totals_size;
	if (totals_end > len)
		return fail(diag, BMF_LOG_TOTALS_RANGE, SIZE_MAX, ": [%u, +%u) in %zu bytes",
			    totals_offset, totals_size, len);
	if (record_size < KNOWN_RECORD_SIZE)
		return fail(diag, BMF_LOG_BAD_RECORD_SIZE, SIZE_MAX, ": %u < %zu",
			    record_size, KNOWN_RECORD_SIZE);
	/* Both factors are 32-bit, so the product fits; the sum is checked. */
	if (util_mul_add(count, record_size, records_offset, &records_end) || records_end > len)
		return fail(diag, BMF_LOG_TRUNCATED_RECORDS, SIZE_MAX,
			    ": %u records of %u bytes at %u need %llu bytes, file has %zu",
			    count, record_size, records_offset,
			    (unsigned long long)count * record_size + records_offset, len);
	if (count > BMF_LOG_MAX_RECORDS)
		return fail(diag, BMF_LOG_TOO_MANY_RECORDS, SIZE_MAX, ": %u (at most %u)", count,
			    BMF_LOG_MAX_RECORDS);
	strtab_end = (uint64_t)strtab_offset + strtab_size;
	if (strtab_end > len)
		return fail(diag, BMF_LOG_STRTAB_RANGE, SIZE_MAX, ": [%u, +%u) in %zu bytes",
			    strtab_offset, strtab_size, len);
	{
		const struct section sec[] = {
			{ "header", 0, header_size },
			{ "totals", totals_offset, totals_end },
			{ "records", records_offset, records_end },
			{ "strings", strtab_offset, strtab_end },
		};

		/* An empty section overlaps nothing. */
		for (size_t i = 0; i < 4; i++)
			for (size_t j = i + 1; j < 4; j++)
				if (sec[i].off < sec[i].end && sec[j].off < sec[j].end &&
				    sec[i].off < sec[j].end && sec[j].off < sec[i].end)
					return fail(diag, BMF_LOG_OVERLAP, SIZE_MAX,
						    ": %s [%llu, %llu) and %s [%llu, %llu)", sec[i].name,
						    (unsigned long long)sec[i].off, (unsigned long long)sec[i].end,
						    sec[j].name, (unsigned long long)sec[j].off,
						    (unsigned long long)sec[j].end);
	}
	if (strtab_size == 0 || p[strtab_offset] != '\0')
		return fail(diag, BMF_LOG_STRTAB_EMPTY, SIZE_MAX, NULL);
	if (p[strtab_end - 1] != '\0')
		return fail(diag, BMF_LOG_STRTAB_UNTERMINATED, SIZE_MAX, NULL);
	if (!page_size_ok(page_size))
		return fail(diag, BMF_LOG_BAD_PAGE_SIZE, SIZE_MAX, ": %u", page_size);
	if (count > capacity || reserved_slots > capacity)
		return fail(diag, BMF_LOG_BAD_CAPACITY, SIZE_MAX,
			    ": %u records, %u reserved slots, capacity %u", count, reserved_slots, capacity);
	if (machine >= strtab_size || release >= strtab_size)
		return fail(diag, BMF_LOG_STRING_RANGE, SIZE_MAX,
			    ": header machine %u / release %u, table %u bytes",
			    machine, release, strtab_size);

	log = calloc(1, sizeof(*log));
	if (!log)
		return -ENOMEM;
	log->version = BMF_VERSION;
	log->header_size = header_size;
	log->flags = util_ld32(H(flags));
	log->page_size = page_size;
	log->phase = util_ld32(H(phase));
	log->record_size = record_size;
	log->capacity = capacity;
	log->reserved_slots = reserved_slots;
	log->totalram_pages = util_ld64(H(totalram_pages));
	load_totals(p, totals_offset, &log->totals);
	for (size_t k = 0; k < BMF_NR_KINDS; k++)
		if (__builtin_add_overflow(log->dropped_events, log->totals.dropped_events[k],
					   &log->dropped_events))
			log->dropped_events = UINT64_MAX;
	log->strtab_size = strtab_size;
	log->strtab = malloc(strtab_size);
	if (!log->strtab)
		return -ENOMEM;
	memcpy(log->strtab, p + strtab_offset, strtab_size);
	/* The table ends with a NUL (checked above), so each string is bounded. */
	for (size_t off = 0; off < strtab_size; off += strlen(log->strtab + off) + 1)
		util_sanitize_text(log->strtab + off);
	log->machine = log->strtab + machine;
	log->release = log->strtab + release;

	if (count) {
		log->events = calloc(count, sizeof(*log->events));
		if (!log->events)
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *rec = p + records_offset + (size_t)i * record_size;
		struct bmf_event *e = &log->events[i];
		uint32_t caller = util_ld32(R(caller)), label = util_ld32(R(label)), module = util_ld32(R(module));
		uint64_t end;

		e->base = util_ld64(R(base));
		e->size = util_ld64(R(size));
		e->pages = (int64_t)util_ld64(R(pages));
		e->time_ns = util_ld64(R(time_ns));
		e->seq = util_ld32(R(seq));
		e->count = util_ld32(R(count));
		e->caller_offset = util_ld32(R(caller_offset));
		e->kind = util_ld16(R(kind));
		e->tag = util_ld16(R(tag));
		e->phase = util_ld16(R(phase));
		e->flags = util_ld16(R(flags));

		if (caller >= strtab_size || label >= strtab_size || module >= strtab_size)
			return fail(diag, BMF_LOG_STRING_RANGE, i,
				   ": record %u caller %u / module %u / label %u, table %u bytes",
				   i, caller, module, label, strtab_size);
		e->caller = log->strtab + caller;
		e->module = log->strtab + module;
		e->label = log->strtab + label;
		if (e->seq != i)
			return fail(diag, BMF_LOG_BAD_SEQ, i, ": record %u has seq %u", i, e->seq);
		if (e->count == 0)
			return fail(diag, BMF_LOG_BAD_COUNT, i, ": record %u", i);
		if (__builtin_add_overflow(e->base, e->size, &end))
			return fail(diag, BMF_LOG_BAD_RANGE, i, ": record %u [0x%llx +0x%llx]", i,
				   (unsigned long long)e->base, (unsigned long long)e->size);
		if (!bmf_kind_known(e->kind))
			log->unknown_kinds++;
		else if (e->pages != 0 && !bmf_kind_counts_pages(e->kind) &&
			 !bmf_kind_is_milestone(e->kind))
			return fail(diag, BMF_LOG_BAD_PAGES, i, ": record %u (%s) has pages %lld", i,
				   bmf_kind_name(e->kind), (long long)e->pages);
		if (!bmf_tag_known(e->tag))
			log->unknown_tags++;
	}
	log->n_events = count;
	*ret = TAKE_PTR(log);
	return 0;
}

int bmf_log_check_head(const char *buf, size_t len, size_t max, struct source_diag *diag)
{
	const unsigned char *p = (const unsigned char *)buf;
	uint64_t end, records_end;
	uint32_t count;
	int r;

	source_diag_init(diag);
	r = check_preamble(p, len, BMF_MAGIC, KNOWN_HEADER_SIZE, diag);
	if (r < 0)
		return r;
	count = util_ld32(H(record_count));
	if (count > BMF_LOG_MAX_RECORDS)
		return fail(diag, BMF_LOG_TOO_MANY_RECORDS, SIZE_MAX, ": %u (at most %u)", count,
			    BMF_LOG_MAX_RECORDS);
	/* 32-bit offsets and sizes: every sum fits in 64 bits. */
	records_end = (uint64_t)util_ld32(H(records_offset)) + (uint64_t)count * util_ld32(H(record_size));
	end = (uint64_t)util_ld32(H(strtab_offset)) + util_ld32(H(strtab_size));
	if (records_end > end)
		end = records_end;
	if ((uint64_t)util_ld32(H(totals_offset)) + util_ld32(H(totals_size)) > end)
		end = (uint64_t)util_ld32(H(totals_offset)) + util_ld32(H(totals_size));
	if (end > max)
		return fail(diag, BMF_LOG_TOO_LARGE, SIZE_MAX, ": %llu bytes, at most %zu",
			    (unsigned long long)end, max);
	return 0;
}

void bmf_log_free(struct bmf_log *log)
{
	if (!log)
		return;
	free(log->events);
	free(log->strtab);
	free(log);
}

#define RH(field) (p + offsetof(struct bmf_rt_header, field))
#define RE(field) (ent + offsetof(struct bmf_rt_entry, field))

/* Copies a fixed-size string field that must hold its own NUL. */
static bool copy_field(char *dst, const unsigned char *src, size_t n)
{
	const void *nul = memchr(src, '\0', n);

	if (!nul)
		return false;
	memcpy(dst, src, (size_t)((const unsigned char *)nul - src) + 1);
	util_sanitize_text(dst);
	return true;
}

static void bmf_runtime_freep(struct bmf_runtime **rt)
{
	bmf_runtime_free(*rt);
}

int bmf_runtime_parse(const void *buf, size_t len, struct bmf_runtime **ret, struct source_diag *diag)
{
	const unsigned char *p = buf;
	_cleanup_(bmf_runtime_freep) struct bmf_runtime *rt = NULL;
	uint32_t header_size, entry_size, count, capacity, page_size;
	uint64_t end, in = 0, out = 0;
	bool overflow = false;
	int r;

	source_diag_init(diag);
	r = check_preamble(p, len, BMF_RT_MAGIC, KNOWN_RT_HEADER_SIZE, diag);
	if (r < 0)
		return r;
	header_size = util_ld32(RH(header_size));
	entry_size = util_ld32(RH(entry_size));
	count = util_ld32(RH(count));
	capacity = util_ld32(RH(capacity));
	page_size = util_ld32(RH(page_size));

	if (header_size < KNOWN_RT_HEADER_SIZE || header_size > len)
		return fail(diag, BMF_LOG_BAD_HEADER_SIZE, SIZE_MAX, ": %u (file %zu bytes)",
			    header_size, len);
	if (entry_size < KNOWN_RT_ENTRY_SIZE)
		return fail(diag, BMF_LOG_BAD_ENTRY_SIZE, SIZE_MAX, ": %u < %zu",
			    entry_size, KNOWN_RT_ENTRY_SIZE);
	if (util_mul_add(count, entry_size, header_size, &end) || end > len)
		return fail(diag, BMF_LOG_TRUNCATED_ENTRIES, SIZE_MAX,
			    ": %u entries of %u bytes at %u need %llu bytes, file has %zu",
			    count, entry_size, header_size,
			    (unsigned long long)count * entry_size + header_size, len);
	if (count > capacity)
		return fail(diag, BMF_LOG_BAD_ENTRY_COUNT, SIZE_MAX, ": %u > %u", count, capacity);
	if (!page_size_ok(page_size))
		return fail(diag, BMF_LOG_BAD_PAGE_SIZE, SIZE_MAX, ": %u", page_size);

	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	rt->version = BMF_VERSION;
	rt->header_size = header_size;
	rt->entry_size = entry_size;
	rt->capacity = capacity;
	rt->page_size = page_size;
	rt->managed_pages = (int64_t)util_ld64(RH(managed_pages));
	rt->totalram_pages = util_ld64(RH(totalram_pages));
	rt->pages_in = util_ld64(RH(pages_in));
	rt->pages_out = util_ld64(RH(pages_out));
	if (count) {
		rt->e = calloc(count, sizeof(*rt->e));
		if (!rt->e)
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *ent = p + header_size + (size_t)i * entry_size;
		struct bmf_rt_caller *c = &rt->e[i];

		if (!copy_field(c->caller, RE(caller), BMF_RT_NAME_LEN) ||
		    !copy_field(c->module, RE(module), BMF_RT_MODULE_LEN))
			return fail(diag, BMF_LOG_ENTRY_STRING, i, ": entry %u", i);
		c->pages_in = util_ld64(RE(pages_in));
		c->pages_out = util_ld64(RE(pages_out));
		c->events = util_ld64(RE(events));
		c->bytes_added = util_ld64(RE(bytes_added));
		c->bytes_removed = util_ld64(RE(bytes_removed));
		c->caller_offset = util_ld32(RE(caller_offset));
		c->kind = util_ld16(RE(kind));
		c->flags = util_ld16(RE(flags));
		rt->saturated |= (c->flags & BMF_RT_SATURATED) != 0;
		overflow |= __builtin_add_overflow(in, c->pages_in, &in);
		overflow |= __builtin_add_overflow(out, c->pages_out, &out);
	}
	rt->n = count;
	/* A saturated counter stopped, so its sums no longer add up. */
	if (!rt->saturated && (overflow || in != rt->pages_in || out != rt->pages_out))
		return fail(diag, BMF_LOG_BAD_SUMS, SIZE_MAX,
			    ": header in %llu / out %llu, entries in %llu / out %llu",
			    (unsigned long long)rt->pages_in, (unsigned long long)rt->pages_out,
			    (unsigned long long)in, (unsigned long long)out);
	*ret = TAKE_PTR(rt);
	return 0;
}

int bmf_runtime_check_head(const char *buf, size_t len, size_t max, struct source_diag *diag)
{
	const unsigned char *p = (const unsigned char *)buf;
	uint64_t end;
	int r;

	source_diag_init(diag);
	r = check_preamble(p, len, BMF_RT_MAGIC, KNOWN_RT_HEADER_SIZE, diag);
	if (r < 0)
		return r;
	end = (uint64_t)util_ld32(RH(header_size)) + (uint64_t)util_ld32(RH(count)) * util_ld32(RH(entry_size));
	if (end > max)
		return fail(diag, BMF_LOG_TOO_LARGE, SIZE_MAX, ": %llu bytes, at most %zu",
			    (unsigned long long)end, max);
	return 0;
}

void bmf_runtime_free(struct bmf_runtime *rt)
{
	if (!rt)
		return;
	free(rt->e);
	free(rt);
}

int bmf_log_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *diag)
{
	return bmf_log_parse(buf, len, &in->log, diag);
}

void bmf_log_unload(struct bm_inputs *in)
{
	bmf_log_free(in->log);
	in->log = NULL;
}

int bmf_runtime_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *diag)
{
	return bmf_runtime_parse(buf, len, &in->runtime, diag);
}

void bmf_runtime_unload(struct bm_inputs *in)
{
	bmf_runtime_free(in->runtime);
	in->runtime = NULL;
}
