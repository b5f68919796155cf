/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by the sources, the model and the renderers: bounded
 * file reading relative to a root directory and a growable string buffer.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Inputs are small (the largest is the FDT, 1 MiB on QEMU); refuse anything absurd. */
#define UTIL_MAX_FILE (64u << 20)

/*
 * Reads @path (relative to @rootfd; an absolute path is used as it is) into a malloc()ed buffer with
 * a NUL appended (not counted in *len).  Works for sysfs/procfs files whose
 * st_size is 0 or wrong.  Returns 0 or a negative errno; -EFBIG past @max.
 */
int util_read_file_at(int rootfd, const char *path, size_t max, char **out, size_t *len);
/* The same for an open regular file, from its current offset. */
int util_read_fd(int fd, size_t max, char **out, size_t *len);
/*
 * What went wrong, for a message: util_read_file_at()'s -EINVAL is "not a
 * regular file", -EFBIG "too large"; anything else is strerror().
 */
const char *util_read_strerror(int r);
/* "a directory", "a FIFO", "a character device", ...: what a file is, for a message. */
const char *util_file_kind(unsigned mode);
/* A signed byte count, e.g. "-1.5 MiB", into @buf. */
const char *util_format_sbytes(int64_t bytes, char *buf, size_t n);

/*
 * Parses an unsigned number in @base (10 or 16; a "0x" prefix is skipped in
 * 16) at *@sp and advances it.  False, with *@sp unchanged, on no digits or
 * on overflow.
 */
bool util_parse_u64(const char **sp, unsigned base, uint64_t *v);

struct strbuf {
	char *buf;
	size_t len, cap;
	bool oom;		/* sticky: an allocation failed */
};

void sb_init(struct strbuf *sb);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putn(struct strbuf *sb, const char *s, size_t n);
__attribute__((format(printf, 2, 3)))
void sb_printf(struct strbuf *sb, const char *fmt, ...);
__attribute__((format(printf, 2, 0)))
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
/* Hands the buffer over (NUL-terminated).  Returns -ENOMEM if anything failed. */
int sb_steal(struct strbuf *sb, char **out, size_t *len);
void sb_free(struct strbuf *sb);

/* Human-readable size with binary units, e.g. "17.2 MiB", into @buf. */
const char *util_format_bytes(uint64_t bytes, char *buf, size_t n);

/* Overflow-checked helpers. */
static inline bool util_add_overflows(uint64_t a, uint64_t b, uint64_t *sum)
{
	return __builtin_add_overflow(a, b, sum);
}

/* *res = a * b + c, false when it fits in 64 bits. */
static inline bool util_mul_add(uint64_t a, uint64_t b, uint64_t c, uint64_t *res)
{
	uint64_t m;

	return __builtin_mul_overflow(a, b, &m) || __builtin_add_overflow(m, c, res);
}

/* Two's-complement wrapping arithmetic: absurd inputs give absurd numbers, never UB. */
static inline int64_t util_wadd(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int64_t util_wsub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static inline int64_t util_wmul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

/* Saturating: a counter that stops at UINT64_MAX, as the kernel's do. */
static inline uint64_t util_sat_add(uint64_t a, uint64_t b)
{
	uint64_t s;

	return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

/* Length of the valid UTF-8 sequence at @s (1-4), or 0 if it is not one. */
size_t util_utf8_len(const unsigned char *s);
/*
 * Names come from the kernel log and the device tree, which promise no
 * encoding: replace control characters and bytes that are not valid UTF-8
 * with '?', in place, so that every output (JSON, metrics, SVG) can carry them.
 */
void util_sanitize_text(char *s);

/* Cleanup attributes, as in systemd: a scope's resources go with the scope. */
#define _cleanup_(f) __attribute__((cleanup(f)))
static inline void util_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(util_freep)
static inline void util_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_close_ _cleanup_(util_closep)

/* Defines funcp() for _cleanup_(funcp): func() on a pointer unless it is NULL (systemd's macro). */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)	\
	static inline void func##p(type *p)		\
	{						\
		if (*p)					\
			func(*p);			\
	}

/* Takes a descriptor out of a _cleanup_close_ variable, leaving -1 behind. */
#define TAKE_FD(fd)				\
	({					\
		int _fd_ = (fd);		\
		(fd) = -1;			\
		_fd_;				\
	})

/* Takes the value out of a _cleanup_ variable, leaving NULL behind. */
#define TAKE_PTR(p)				\
	({					\
		__typeof__(p) _ptr_ = (p);	\
		(p) = NULL;			\
		_ptr_;				\
	})

/*
 * Makes room for @need elements of @size bytes in *@arr, whose capacity is
 * *@cap, growing geometrically so that appending n elements costs O(n).
 * Returns 0 or -ENOMEM (also on size overflow); *@arr is unchanged on failure.
 */
int util_grow(void **arr, size_t *cap, size_t need, size_t size);
#define GROW(arr, cap, need) util_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* CLOCK_MONOTONIC in microseconds. */
uint64_t util_now_usec(void);

/* qsort() comparator for uint64_t. */
int util_cmp_u64(const void *a, const void *b);

/*
 * Unaligned native-endian loads: the kernel writes its log in its own byte
 * order, and inputs carry no alignment guarantee.
 */
static inline uint16_t util_ld16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t util_ld32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t util_ld64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}
