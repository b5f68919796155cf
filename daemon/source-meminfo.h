/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/meminfo: MemTotal, MemFree and CmaTotal, in bytes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bm_inputs;
struct source_diag;

struct meminfo {
	bool has_memtotal;
	uint64_t memtotal;
	bool has_cma_total;
	uint64_t cma_total;
	bool has_memfree;
	uint64_t memfree;
};

/* -ENODATA without a usable MemTotal line. */
int meminfo_parse(const char *text, struct meminfo *out, struct source_diag *d);
int meminfo_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d);
