/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes a synthetic captured boot (a valid bootmemd --root) for the SVG
 * tests, built with tests/unit/bmf-synth.h:
 *
 *   mkroot-synth hostile DIR   region names with XML specials, control
 *                              characters, non-ASCII and invalid UTF-8
 *   mkroot-synth crowded DIR   150 small reservations by 150 owners, to
 *                              make the map group them
 *
 * Both are complete boots on 256 MiB: every page is either reserved or
 * released by memblock_free_all, and MemTotal matches the log.
 */
#include <stdio.h>

#include "bmf-synth.h"
#include "fakeroot.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (256ull << 20)

struct busy {
	uint64_t base, size;
	uint16_t kind, tag, flags;
	const char *caller, *label;
};

static int cmp_busy(const void *a, const void *b)
{
	const struct busy *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

static void write_root(const char *dir, struct synth *s, int64_t pages)
{
	unsigned char *buf;
	size_t len;
	char meminfo[128];

	s->totalram_pages = (uint64_t)pages;
	buf = synth_write(s, &len);
	fr_write(dir, "sys/kernel/bootmem_fate/log", buf, len);
	free(buf);
	snprintf(meminfo, sizeof(meminfo), "MemTotal:       %lld kB\nMemFree:        1 kB\n", (long long)pages * 4);
	fr_write(dir, "proc/meminfo", meminfo, strlen(meminfo));
	fr_write(dir, "proc/version", "Linux version 6.12.117-synth (gcc) #1\n", 38);
}

/* Reserves every @b (sorted), frees the rest with memblock_free_all. */
static int64_t boot(struct synth *s, struct busy *b, unsigned n)
{
	struct synth_range r[512];
	int64_t pages = 0;

	synth_init(s, 4096);
	synth_add(s, BMF_MEM_ADD, 0, 0, RAM_BASE, RAM_SIZE, 0, "early_init_dt_add_memory_arch", NULL);
	qsort(b, n, sizeof(*b), cmp_busy);
	for (unsigned i = 0; i < n; i++) {
		synth_add(s, b[i].kind, b[i].tag, 0, b[i].base, b[i].size, 0, b[i].caller, NULL);
		if (b[i].tag != BMF_TAG_NONE)
			synth_add(s, BMF_IDENTITY, b[i].tag, b[i].flags, b[i].base, b[i].size, 0, b[i].caller,
				  b[i].label);
		r[i] = (struct synth_range){ b[i].base, b[i].base + b[i].size };
	}
	synth_free_all(s, r, n, RAM_BASE, RAM_BASE + RAM_SIZE, &pages);
	synth_add(s, BMF_FREE_ALL_DONE, 0, 0, 0, 0, pages, "memblock_free_all", NULL);
	return pages;
}

static int hostile(const char *dir)
{
	static struct synth s;
	struct busy b[] = {
		{ 0x40200000, 8 << 20, BMF_RESERVE, BMF_TAG_KERNEL, 0, "arm64_memblock_init", NULL },
		{ 0x48000000, 1 << 20, BMF_RESERVE, BMF_TAG_FDT, 0, "setup_machine_fdt", NULL },
		{ 0x4f000000, 1 << 20, BMF_RESERVE, BMF_TAG_RESERVED_MEM, 0, "__reserved_mem_reserve_reg",
		  "<script>alert(\"x\")</script>&amp;@4f000000" },
		{ 0x4e000000, 1 << 20, BMF_RESERVE, BMF_TAG_RESERVED_MEM, 0, "__reserved_mem_reserve_reg",
		  "ctl\x01\x1b[31m]]>@4e000000" },
		{ 0x4d000000, 1 << 20, BMF_RESERVE, BMF_TAG_RESERVED_MEM, 0, "__reserved_mem_reserve_reg",
		  "gr\xc3\xbc\xc3\x9f-\xe2\x82\xac@4d000000" },
		{ 0x47f00000, 0x4000, BMF_ALLOC, BMF_TAG_NONE, 0, "evil<&\"'>_fn", NULL },
		{ 0x47e00000, 0x2000, BMF_ALLOC, BMF_TAG_NONE, 0, "latin1-\xe9t\xe9-\xff\xfe", NULL },
	};

	write_root(dir, &s, boot(&s, b, sizeof(b) / sizeof(b[0])));
	return 0;
}

static int crowded(const char *dir)
{
	static struct synth s;
	static struct busy b[152];
	static char names[150][24];
	unsigned n = 0;

	b[n++] = (struct busy){ 0x40200000, 8 << 20, BMF_RESERVE, BMF_TAG_KERNEL, 0, "arm64_memblock_init", NULL };
	b[n++] = (struct busy){ 0x48000000, 1 << 20, BMF_RESERVE, BMF_TAG_FDT, 0, "setup_machine_fdt", NULL };
	for (unsigned i = 0; i < 150; i++) {
		snprintf(names[i], sizeof(names[i]), "owner_%03u", i);
		b[n++] = (struct busy){ 0x49000000 + i * 0x10000ull, 0x1000, BMF_ALLOC, BMF_TAG_NONE, 0, names[i], NULL };
	}
	write_root(dir, &s, boot(&s, b, n));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s hostile|crowded DIR\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "hostile") == 0)
		return hostile(argv[2]);
	if (strcmp(argv[1], "crowded") == 0)
		return crowded(argv[2]);
	fprintf(stderr, "unknown kind %s\n", argv[1]);
	return 2;
}
