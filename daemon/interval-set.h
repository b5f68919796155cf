/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interval sets over the 64-bit address space, shared by the model and the
 * map renderer:
 *  - struct imap: disjoint [s, e) segments carrying a value, updated by
 *    operations on ranges (the log replay's page maps);
 *  - struct spans: a plain set of [s, e) ranges, normalised (sorted and
 *    merged) once it is built, then queried.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A sorted list of disjoint [s, e) segments, each with a non-zero value;
 * 0 means "absent".  Sizes are small (hundreds of segments), so every
 * update rebuilds the array.
 */
struct imap_seg {
	uint64_t s, e;
	int64_t v;
};

struct imap {
	struct imap_seg *a;
	size_t n;
};

enum imap_op {
	IMAP_SET,		/* v = arg */
	IMAP_SET_IF_ABSENT,	/* v = v ? v : arg */
	IMAP_OR,		/* v |= arg */
	IMAP_ANDNOT,		/* v &= ~arg */
	IMAP_OR_IF_PRESENT,	/* v = v ? v | arg : 0 */
	IMAP_CLEAR,		/* v = 0 */
};

/* Applies @op with @arg to every point of [s, e).  0 or -ENOMEM (the map is unchanged then). */
int imap_apply(struct imap *m, uint64_t s, uint64_t e, enum imap_op op, int64_t arg);
/* The value at @x, 0 when absent. */
int64_t imap_get(const struct imap *m, uint64_t x);
void imap_free(struct imap *m);

struct span {
	uint64_t s, e;		/* [s, e) */
};

struct spans {
	struct span *a;
	size_t n, cap;
	bool oom;		/* sticky: an allocation failed, the set is incomplete */
};

/* Appends [s, e); an empty range is ignored.  Call spans_normalize() before querying. */
void spans_add(struct spans *v, uint64_t s, uint64_t e);
/* Sorts and merges overlapping or touching spans. */
void spans_normalize(struct spans *v);
/* In a normalised set: does a span contain @x? */
bool spans_has(const struct spans *v, uint64_t x);
void spans_free(struct spans *v);

/* base + size, saturated at UINT64_MAX: the end of a range from an untrusted input. */
uint64_t span_end(uint64_t base, uint64_t size);
