/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Strict parser of the kernel's boot memory fate log
 * (/sys/kernel/bootmem_fate/log, format in bootmem_fate.h).
 *
 * Every size, count and offset is checked before use, with overflow-safe
 * arithmetic.  A log that fails a check is rejected as a whole, with one
 * error code and a message; nothing is guessed.
 *
 * Policy for values this reader does not know:
 *   - an unknown record kind or tag is NOT an error: the record is kept
 *     (kind/tag names print as "unknown") and counted in unknown_kinds /
 *     unknown_tags, so a newer kernel can still be read.  The model ignores
 *     such records, and the reconciliation shows any effect they had.
 *   - a header, totals or record larger than this reader knows is fine;
 *     smaller is an error.  Sections must lie inside the file and must not
 *     overlap.
 *   - a different version is an error (version 1 files are not read).
 *
 * A record may stand for several coalesced events (@count); figures that
 * need every event come from the totals, which the kernel keeps even when
 * its event list is full.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bootmem_fate.h"

struct bm_inputs;
struct source_diag;

enum bmf_log_error {
	BMF_LOG_OK = 0,
	BMF_LOG_TRUNCATED_HEADER,	/* shorter than the known header */
	BMF_LOG_BAD_MAGIC,
	BMF_LOG_BAD_VERSION,
	BMF_LOG_BAD_HEADER_SIZE,	/* < known header, or past the end of the file */
	BMF_LOG_BAD_RECORD_SIZE,	/* < known record */
	BMF_LOG_TRUNCATED_RECORDS,	/* the records run past the file */
	BMF_LOG_STRTAB_RANGE,		/* string table outside the file */
	BMF_LOG_STRTAB_EMPTY,		/* size 0, or offset 0 is not the empty string */
	BMF_LOG_STRTAB_UNTERMINATED,	/* last byte of the table is not NUL */
	BMF_LOG_STRING_RANGE,		/* a string offset past the table */
	BMF_LOG_BAD_PAGE_SIZE,		/* not a power of two in [1 KiB, 1 MiB] */
	BMF_LOG_BAD_SEQ,		/* record i does not carry seq i */
	BMF_LOG_BAD_PAGES,		/* @pages set on a kind that must have 0 */
	BMF_LOG_BAD_RANGE,		/* base + size overflows */
	/* version 2 */
	BMF_LOG_BAD_TOTALS_SIZE,	/* totals_size < known totals */
	BMF_LOG_TOTALS_RANGE,		/* totals outside the file */
	BMF_LOG_OVERLAP,		/* two sections (header, totals, records, strings) overlap */
	BMF_LOG_BAD_CAPACITY,		/* record_count or reserved_slots > capacity */
	BMF_LOG_BAD_COUNT,		/* a record coalesces 0 events */
	/* the runtime file */
	BMF_LOG_BAD_ENTRY_SIZE,		/* runtime entry_size < known entry */
	BMF_LOG_TRUNCATED_ENTRIES,	/* runtime entries run past the file */
	BMF_LOG_BAD_ENTRY_COUNT,	/* runtime count > capacity */
	BMF_LOG_ENTRY_STRING,		/* runtime caller or module not NUL-terminated */
	BMF_LOG_BAD_SUMS,		/* runtime header sums differ from the entries' */
	/* limits of this reader */
	BMF_LOG_TOO_MANY_RECORDS,	/* record_count > BMF_LOG_MAX_RECORDS */
	BMF_LOG_TOO_LARGE,		/* the header describes more bytes than the file may have */
	_BMF_LOG_ERROR_MAX,
};

struct bmf_event {
	uint64_t base;
	uint64_t size;
	int64_t pages;
	uint64_t time_ns;
	uint32_t seq;
	uint32_t count;		/* events coalesced into this record, >= 1 */
	uint32_t caller_offset;
	const char *caller;	/* points into the log's string table; "?" when unresolved */
	const char *module;	/* "" for vmlinux */
	const char *label;
	uint16_t kind;
	uint16_t tag;
	uint16_t phase;		/* enum bmf_phase at the first event */
	uint16_t flags;
};

/* struct bmf_totals in host types; indexes are enum bmf_kind / enum bmf_tag. */
struct bmf_log_totals {
	int64_t managed_pages;
	uint64_t labels_truncated;
	uint64_t labels_lost;
	uint64_t late_events;
	int64_t kind_pages[BMF_NR_KINDS];
	uint64_t kind_events[BMF_NR_KINDS];
	uint64_t kind_bytes[BMF_NR_KINDS];
	uint64_t dropped_events[BMF_NR_KINDS];
	uint64_t dropped_bytes[BMF_NR_KINDS];
	int64_t dropped_pages[BMF_NR_KINDS];
	uint64_t tag_reserved[BMF_NR_TAGS];
	uint64_t tag_allocated[BMF_NR_TAGS];
	uint64_t tag_freed[BMF_NR_TAGS];
};

struct bmf_log {
	uint32_t version;
	uint32_t header_size;
	uint32_t flags;		/* BMF_HDR_* */
	uint32_t page_size;
	uint32_t phase;		/* enum bmf_phase when the file was built */
	uint32_t record_size;
	uint32_t capacity;
	uint32_t reserved_slots;
	uint64_t totalram_pages;
	const char *machine;
	const char *release;

	struct bmf_log_totals totals;
	uint64_t dropped_events;	/* Σ totals.dropped_events, saturating */

	size_t n_events;
	struct bmf_event *events;

	size_t unknown_kinds;	/* records with a kind this reader does not know */
	size_t unknown_tags;

	char *strtab;		/* owned copy */
	size_t strtab_size;
};

/* One caller of /sys/kernel/bootmem_fate/runtime, strings NUL-terminated. */
struct bmf_rt_caller {
	char caller[BMF_RT_NAME_LEN];
	char module[BMF_RT_MODULE_LEN];
	uint64_t pages_in;
	uint64_t pages_out;
	uint64_t events;
	uint64_t bytes_added;
	uint64_t bytes_removed;
	uint32_t caller_offset;
	uint16_t kind;
	uint16_t flags;		/* BMF_RT_* */
};

struct bmf_runtime {
	uint32_t version;
	uint32_t header_size;
	uint32_t entry_size;
	uint32_t capacity;
	uint32_t page_size;
	int64_t managed_pages;
	uint64_t totalram_pages;
	uint64_t pages_in;
	uint64_t pages_out;
	bool saturated;		/* some entry has BMF_RT_SATURATED: sums are lower bounds */
	size_t n;
	struct bmf_rt_caller *e;
};

/*
 * Parses @len bytes at @buf.  On success *ret owns its own copy of the
 * strings (the input may be freed).  Returns 0, -EINVAL for a malformed log
 * (details in *diag when not NULL: the message,
 * code = enum bmf_log_error, where = the record), or -ENOMEM.
 */
int bmf_log_parse(const void *buf, size_t len, struct bmf_log **ret, struct source_diag *diag);
void bmf_log_free(struct bmf_log *log);

/*
 * Parses /sys/kernel/bootmem_fate/runtime, with the same strictness and the
 * same diagnostics (where is the entry index).  Returns 0, -EINVAL or -ENOMEM.
 */
int bmf_runtime_parse(const void *buf, size_t len, struct bmf_runtime **ret, struct source_diag *diag);
void bmf_runtime_free(struct bmf_runtime *rt);

const char *bmf_log_strerror(enum bmf_log_error e);

/*
 * The replay is quadratic in the worst case, and the kernel keeps 1024
 * records by default: a log with more than this is refused.
 */
#define BMF_LOG_MAX_RECORDS 32768u

/*
 * The checks that need only the first bytes (the log's or the runtime
 * file's header, BMF_*_HEAD of them): a file whose header asks for more than
 * @max bytes or too many records is refused before it is read in full.
 */
#define BMF_LOG_HEAD sizeof(struct bmf_header)
#define BMF_RUNTIME_HEAD sizeof(struct bmf_rt_header)
int bmf_log_check_head(const char *buf, size_t len, size_t max, struct source_diag *diag);
int bmf_runtime_check_head(const char *buf, size_t len, size_t max, struct source_diag *diag);

int bmf_log_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *diag);
void bmf_log_unload(struct bm_inputs *in);
int bmf_runtime_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *diag);
void bmf_runtime_unload(struct bm_inputs *in);

/* Names used in JSON and for the events filter.  Unknown values give "unknown". */
const char *bmf_kind_name(unsigned kind);
const char *bmf_tag_name(unsigned tag);
/* Reverse lookups: the value, or -1 for an unknown name. */
int bmf_kind_from_name(const char *name);
int bmf_tag_from_name(const char *name);

bool bmf_kind_known(unsigned kind);
bool bmf_tag_known(unsigned tag);
/* Kinds whose @pages sum to the managed page count. */
bool bmf_kind_counts_pages(unsigned kind);
/* Milestones carry totalram_pages() in @pages. */
bool bmf_kind_is_milestone(unsigned kind);
