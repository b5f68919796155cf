/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int util_read_file_at(int rootfd, const char *path, size_t max, char **out, size_t *len)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	/*
	 * A relative path is under @rootfd; an absolute one (a credential) is
	 * itself.  O_NONBLOCK, then only regular files (what /proc and /sys
	 * files are): a FIFO or a device where an input should be must not
	 * hang or flood the daemon.
	 */
	fd = openat(rootfd, *path ? path : ".", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	return util_read_fd(fd, max, out, len);
}

int util_read_fd(int fd, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	struct stat st;
	char *buf;
	int r = 0;

	/* A real file says its size: refuse a large one before reading any of it. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
		return -EFBIG;
	if (cap > max)
		cap = max;
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t k;

		if (n == cap) {
			char *nb;

			if (cap >= max) {
				/* Exactly @max bytes is fine; one more is not. */
				char c;

				k = read(fd, &c, 1);
				if (k < 0 && errno == EINTR)
					continue;
				if (k < 0) {
					r = -errno;
					goto out;
				}
				if (k == 0)
					break;
				r = -EFBIG;
				goto out;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		k = read(fd, buf + n, cap - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
out:
	/* What was read may be a private key (bootmemd.conf's [TLS]). */
	explicit_bzero(buf, n);
	free(buf);
	return r;
}

const char *util_read_strerror(int r)
{
	switch (r) {
	case -EINVAL:
		return "not a regular file (a FIFO, a device or a socket)";
	case -EFBIG:
		return "larger than this file may be";
	default:
		return strerror(-r);
	}
}

const char *util_file_kind(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	case S_IFLNK:
		return "a symbolic link";
	default:
		return "not a file";
	}
}

bool util_parse_u64(const char **sp, unsigned base, uint64_t *v)
{
	const char *s = *sp;
	uint64_t x = 0;
	bool any = false;

	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (;; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (__builtin_mul_overflow(x, (uint64_t)base, &x) ||
		    __builtin_add_overflow(x, d, &x))
			return false;
		any = true;
	}
	if (!any)
		return false;
	*sp = s;
	*v = x;
	return true;
}

void sb_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

static bool sb_grow(struct strbuf *sb, size_t more)
{
	size_t want;
	char *nb;

	if (sb->oom)
		return false;
	if (__builtin_add_overflow(sb->len, more + 1, &want)) {
		sb->oom = true;
		return false;
	}
	if (want <= sb->cap)
		return true;
	if (want < 256)
		want = 256;
	if (want < sb->cap * 2)
		want = sb->cap * 2;
	nb = realloc(sb->buf, want);
	if (!nb) {
		sb->oom = true;
		return false;
	}
	sb->buf = nb;
	sb->cap = want;
	return true;
}

void sb_putn(struct strbuf *sb, const char *s, size_t n)
{
	if (!sb_grow(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_putn(sb, s, strlen(s));
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		sb->oom = true;
		return;
	}
	if (!sb_grow(sb, (size_t)n))
		return;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

int sb_steal(struct strbuf *sb, char **out, size_t *len)
{
	if (!sb->oom && !sb_grow(sb, 0))
		sb->oom = true;
	if (sb->oom) {
		sb_free(sb);
		return -ENOMEM;
	}
	*out = sb->buf;
	*len = sb->len;
	sb_init(sb);
	return 0;
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb_init(sb);
}

const char *util_format_bytes(uint64_t bytes, char *buf, size_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	unsigned u = 0;

	if (bytes < 1024) {
		snprintf(buf, n, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, n, "%.1f %s", v, units[u]);
	return buf;
}

const char *util_format_sbytes(int64_t bytes, char *buf, size_t n)
{
	char tmp[32];

	if (bytes >= 0)
		return util_format_bytes((uint64_t)bytes, buf, n);
	snprintf(buf, n, "-%s", util_format_bytes(0 - (uint64_t)bytes, tmp, sizeof(tmp)));
	return buf;
}

/* Length of the valid UTF-8 sequence at @s (1-4), or 0 if it is not one. */
size_t util_utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode, and U+FFFE/U+FFFF are not XML characters */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff || c == 0xfffe || c == 0xffff)
		return 0;
	return n;
}

void util_sanitize_text(char *str)
{
	unsigned char *s = (unsigned char *)str;

	while (*s) {
		size_t n = *s < 0x20 || *s == 0x7f ? 0 : util_utf8_len(s);

		if (!n) {
			*s++ = '?';
			continue;
		}
		s += n;
	}
}

int util_grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap, bytes;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap < 8 ? 8 : *cap;
	while (ncap < need)
		if (__builtin_mul_overflow(ncap, 2, &ncap))
			return -ENOMEM;
	if (__builtin_mul_overflow(ncap, size, &bytes))
		return -ENOMEM;
	n = realloc(*arr, bytes);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

uint64_t util_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int util_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}
