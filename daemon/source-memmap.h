/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /sys/firmware/memmap/N/{start,end,type}: the firmware memory map (x86
 * e820 or EFI) as the kernel was handed it, before any mem= or memmap=.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct bm_inputs;
struct source_diag;
struct stat;

/* end is inclusive, as sysfs prints it. */
struct memmap_entry {
	uint64_t start;
	uint64_t end;
	char type[32];
};

struct memmap {
	struct memmap_entry *e;
	size_t n, cap;
};

/* One entry from the text of its three files; -EINVAL when it is not one. */
int memmap_parse_entry(const char *start, const char *end, const char *type, struct memmap_entry *e);
/* Appends an entry (0 or -ENOMEM); memmap_finish() sorts, and is -ENOENT for no entries. */
int memmap_add(struct memmap *m, const struct memmap_entry *e);
int memmap_finish(struct memmap *m, struct source_diag *d);
/* @dirfd is the memmap directory.  -ENOENT when it has no usable entries. */
int memmap_read(int dirfd, struct memmap **ret, struct source_diag *d);
void memmap_free(struct memmap *m);
/* Bytes covered by the entries of @type, overlaps once. */
uint64_t memmap_sum(const struct memmap *m, const char *type);

int memmap_load(int fd, const struct stat *st, size_t max, struct bm_inputs *in, struct source_diag *d);
void memmap_unload(struct bm_inputs *in);
