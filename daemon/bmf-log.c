/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmf-log.h"
#include "util.h"

/* Sizes of the structures this reader knows (version 1). */
#define KNOWN_HEADER_SIZE sizeof(struct bmf_header)
#define KNOWN_RECORD_SIZE sizeof(struct bmf_record)

_Static_assert(sizeof(struct bmf_header) == 64, "bmf_header layout");
_Static_assert(sizeof(struct bmf_record) == 56, "bmf_record layout");

static const char *const kind_names[] = {
	[BMF_MEM_ADD] = "mem_add",
	[BMF_MEM_REMOVE] = "mem_remove",
	[BMF_MEM_CAP] = "mem_cap",
	[BMF_NOMAP_MARK] = "nomap_mark",
	[BMF_NOMAP_CLEAR] = "nomap_clear",
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
	[BMF_LOG_STRTAB_RANGE] = "string table lies outside the file or overlaps the records",
	[BMF_LOG_STRTAB_EMPTY] = "string table is empty or does not start with the empty string",
	[BMF_LOG_STRTAB_UNTERMINATED] = "string table is not NUL-terminated",
	[BMF_LOG_STRING_RANGE] = "string offset outside the string table",
	[BMF_LOG_BAD_PAGE_SIZE] = "page_size is not a power of two between 1 KiB and 1 MiB",
	[BMF_LOG_BAD_SEQ] = "record sequence number does not match its position",
	[BMF_LOG_BAD_PAGES] = "page count set on a record kind that must not carry one",
	[BMF_LOG_BAD_RANGE] = "record base + size overflows",
};

const char *bmf_log_strerror(enum bmf_log_error e)
{
	if ((unsigned)e >= _BMF_LOG_ERROR_MAX)
		return "unknown error";
	return error_messages[e];
}

__attribute__((format(printf, 4, 5)))
static int fail(struct bmf_log_diag *diag, enum bmf_log_error e, size_t record, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!diag)
		return -EINVAL;
	diag->error = e;
	diag->record = record;
	n = snprintf(diag->message, sizeof(diag->message), "%s", bmf_log_strerror(e));
	if (fmt && n >= 0 && (size_t)n < sizeof(diag->message)) {
		va_start(ap, fmt);
		vsnprintf(diag->message + n, sizeof(diag->message) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Unaligned, native-endian loads: the input buffer has no alignment guarantee. */
static uint16_t ld16(const unsigned char *p) { uint16_t v; memcpy(&v, p, sizeof(v)); return v; }
static uint32_t ld32(const unsigned char *p) { uint32_t v; memcpy(&v, p, sizeof(v)); return v; }
static uint64_t ld64(const unsigned char *p) { uint64_t v; memcpy(&v, p, sizeof(v)); return v; }

#define H(field) (p + offsetof(struct bmf_header, field))
#define R(field) (rec + offsetof(struct bmf_record, field))

int bmf_log_parse(const void *buf, size_t len, struct bmf_log **ret, struct bmf_log_diag *diag)
{
	const unsigned char *p = buf;
	struct bmf_log *log = NULL;
	uint32_t header_size, record_size, count, strtab_offset, strtab_size, page_size;
	uint32_t machine, release;
	uint64_t records_end, strtab_end;
	int r;

	if (diag) {
		diag->error = BMF_LOG_OK;
		diag->record = SIZE_MAX;
		diag->message[0] = '\0';
	}

	/* Magic first, so that a random file says "bad magic" rather than "short". */
	if (len < BMF_MAGIC_LEN)
		return fail(diag, BMF_LOG_TRUNCATED_HEADER, SIZE_MAX, ": %zu bytes", len);
	if (memcmp(p, BMF_MAGIC, BMF_MAGIC_LEN) != 0)
		return fail(diag, BMF_LOG_BAD_MAGIC, SIZE_MAX, NULL);
	if (len < offsetof(struct bmf_header, header_size))
		return fail(diag, BMF_LOG_TRUNCATED_HEADER, SIZE_MAX, ": %zu bytes", len);
	if (ld32(H(version)) != BMF_VERSION)
		return fail(diag, BMF_LOG_BAD_VERSION, SIZE_MAX, ": %u (this reader knows %u)",
			    ld32(H(version)), BMF_VERSION);
	if (len < KNOWN_HEADER_SIZE)
		return fail(diag, BMF_LOG_TRUNCATED_HEADER, SIZE_MAX, ": %zu of %zu bytes",
			    len, KNOWN_HEADER_SIZE);

	header_size = ld32(H(header_size));
	record_size = ld32(H(record_size));
	count = ld32(H(record_count));
	strtab_offset = ld32(H(strtab_offset));
	strtab_size = ld32(H(strtab_size));
	page_size = ld32(H(page_size));
	machine = ld32(H(machine));
	release = ld32(H(release));

	if (header_size < KNOWN_HEADER_SIZE || header_size > len)
		return fail(diag, BMF_LOG_BAD_HEADER_SIZE, SIZE_MAX, ": %u (file %zu bytes)",
			    header_size, len);
	if (record_size < KNOWN_RECORD_SIZE)
		return fail(diag, BMF_LOG_BAD_RECORD_SIZE, SIZE_MAX, ": %u < %zu",
			    record_size, KNOWN_RECORD_SIZE);
	/* Both factors are 32-bit, so the product fits; the sum is checked. */
	if (util_mul_add(count, record_size, header_size, &records_end) || records_end > len)
		return fail(diag, BMF_LOG_TRUNCATED_RECORDS, SIZE_MAX,
			    ": %u records of %u bytes at %u need %llu bytes, file has %zu",
			    count, record_size, header_size,
			    (unsigned long long)count * record_size + header_size, len);
	strtab_end = (uint64_t)strtab_offset + strtab_size;
	if (strtab_end > len || strtab_offset < records_end)
		return fail(diag, BMF_LOG_STRTAB_RANGE, SIZE_MAX,
			    ": [%u, +%u) with records ending at %llu in %zu bytes",
			    strtab_offset, strtab_size, (unsigned long long)records_end, len);
	if (strtab_size == 0 || p[strtab_offset] != '\0')
		return fail(diag, BMF_LOG_STRTAB_EMPTY, SIZE_MAX, NULL);
	if (p[strtab_end - 1] != '\0')
		return fail(diag, BMF_LOG_STRTAB_UNTERMINATED, SIZE_MAX, NULL);
	if (page_size < 1024 || page_size > (1u << 20) || (page_size & (page_size - 1)))
		return fail(diag, BMF_LOG_BAD_PAGE_SIZE, SIZE_MAX, ": %u", page_size);
	if (machine >= strtab_size || release >= strtab_size)
		return fail(diag, BMF_LOG_STRING_RANGE, SIZE_MAX,
			    ": header machine %u / release %u, table %u bytes",
			    machine, release, strtab_size);

	log = calloc(1, sizeof(*log));
	if (!log)
		return -ENOMEM;
	log->version = BMF_VERSION;
	log->header_size = header_size;
	log->record_size = record_size;
	log->dropped = ld32(H(dropped));
	log->capacity = ld32(H(capacity));
	log->page_size = page_size;
	log->flags = ld32(H(flags));
	log->totalram_pages = ld64(H(totalram_pages));
	log->strtab_size = strtab_size;
	log->strtab = malloc(strtab_size);
	if (!log->strtab) {
		r = -ENOMEM;
		goto fail;
	}
	memcpy(log->strtab, p + strtab_offset, strtab_size);
	/* The table ends with a NUL (checked above), so each string is bounded. */
	for (size_t off = 0; off < strtab_size; off += strlen(log->strtab + off) + 1)
		util_sanitize_text(log->strtab + off);
	log->machine = log->strtab + machine;
	log->release = log->strtab + release;

	if (count) {
		log->events = calloc(count, sizeof(*log->events));
		if (!log->events) {
			r = -ENOMEM;
			goto fail;
		}
	}
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *rec = p + header_size + (size_t)i * record_size;
		struct bmf_event *e = &log->events[i];
		uint32_t caller = ld32(R(caller)), label = ld32(R(label));
		uint64_t end;

		e->base = ld64(R(base));
		e->size = ld64(R(size));
		e->pages = (int64_t)ld64(R(pages));
		e->time_ns = ld64(R(time_ns));
		e->seq = ld32(R(seq));
		e->caller_offset = ld32(R(caller_offset));
		e->kind = ld16(R(kind));
		e->tag = ld16(R(tag));
		e->phase = ld16(R(phase));
		e->flags = ld16(R(flags));

		if (caller >= strtab_size || label >= strtab_size) {
			r = fail(diag, BMF_LOG_STRING_RANGE, i,
				 ": record %u caller %u / label %u, table %u bytes",
				 i, caller, label, strtab_size);
			goto fail;
		}
		e->caller = log->strtab + caller;
		e->label = log->strtab + label;
		if (e->seq != i) {
			r = fail(diag, BMF_LOG_BAD_SEQ, i, ": record %u has seq %u", i, e->seq);
			goto fail;
		}
		if (__builtin_add_overflow(e->base, e->size, &end)) {
			r = fail(diag, BMF_LOG_BAD_RANGE, i, ": record %u [0x%llx +0x%llx]", i,
				 (unsigned long long)e->base, (unsigned long long)e->size);
			goto fail;
		}
		if (!bmf_kind_known(e->kind))
			log->unknown_kinds++;
		else if (e->pages != 0 && !bmf_kind_counts_pages(e->kind) &&
			 !bmf_kind_is_milestone(e->kind)) {
			r = fail(diag, BMF_LOG_BAD_PAGES, i, ": record %u (%s) has pages %lld", i,
				 bmf_kind_name(e->kind), (long long)e->pages);
			goto fail;
		}
		if (!bmf_tag_known(e->tag))
			log->unknown_tags++;
	}
	log->n_events = count;
	*ret = log;
	return 0;
fail:
	bmf_log_free(log);
	return r;
}

void bmf_log_free(struct bmf_log *log)
{
	if (!log)
		return;
	free(log->events);
	free(log->strtab);
	free(log);
}
