/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/iomem: the kernel's resource tree, flattened in file order. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bm_inputs;
struct source_diag;

/* @parent is an index or -1. */
struct iomem_entry {
	uint64_t start;
	uint64_t end;		/* inclusive, as printed */
	int depth;
	int parent;
	char *name;
};

struct iomem {
	struct iomem_entry *e;
	size_t n;
	bool zeroed;		/* every address is 0: the reader lacked CAP_SYS_ADMIN */
};

/* Lines that are not "START-END : NAME" are skipped.  0 or -ENOMEM. */
int iomem_parse(const char *text, struct iomem **ret, struct source_diag *d);
void iomem_free(struct iomem *io);
/* Bytes covered by the top-level entries named @name (e.g. "System RAM"), overlaps once. */
uint64_t iomem_sum_top(const struct iomem *io, const char *name);
/* First entry named @name at any depth, or NULL. */
const struct iomem_entry *iomem_find(const struct iomem *io, const char *name);

/* Keeps the parse even when it is unusable (hidden addresses, no entries). */
int iomem_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d);
void iomem_unload(struct bm_inputs *in);
