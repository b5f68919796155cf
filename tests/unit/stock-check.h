/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers of the stock-mode tests: a region's figures, and a captured root's files scanned. */
#pragma once

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "util.h"

static inline int64_t held(const struct bm_region *g)
{
	return g && g->held.known ? g->held.value : 0;
}

static inline int64_t iabs(int64_t v)
{
	return v < 0 ? -v : v;
}

/* The first "<prefix>NK" in @text, in bytes; -1 when it is not there. */
static inline int64_t scan_dmesg_kib(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);
	unsigned long kib;

	return p && sscanf(p + strlen(prefix), "%luK", &kib) == 1 ? (int64_t)kib * 1024 : -1;
}

/* @root/@rel whole, NUL-terminated (free() it), or NULL. */
static inline char *slurp(const char *root, const char *rel)
{
	char path[12288], *buf = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (util_read_file_at(AT_FDCWD, path, UTIL_MAX_FILE, &buf, &len) < 0)
		return NULL;
	return buf;
}
