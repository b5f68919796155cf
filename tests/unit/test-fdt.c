/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The FDT reader on blobs built here with libfdt's sequential writer:
 * /memory with 2+2 and 1+1 cells, /memreserve/, /reserved-memory nodes
 * (static, dynamic, no-map, reusable, disabled, malformed) and /chosen
 * (32- and 64-bit initrd properties, elfcorehdr, usable-memory-range);
 * then corrupt and truncated blobs.
 *
 *   test-fdt [OUT.dtb]   also writes the main blob, to seed the fuzz corpus
 */
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "sources.h"
#include "tap.h"

#define FDT_BUF 8192

static void prop_cells(void *fdt, const char *name, const uint32_t *c, int n)
{
	fdt32_t v[8];

	for (int i = 0; i < n; i++)
		v[i] = cpu_to_fdt32(c[i]);
	fdt_property(fdt, name, v, n * (int)sizeof(fdt32_t));
}

static void *build(int ac, int sc)
{
	void *fdt = calloc(1, FDT_BUF);
	uint32_t c[8];

	fdt_create(fdt, FDT_BUF);
	fdt_add_reservemap_entry(fdt, 0x4f800000, 0x10000);
	fdt_add_reservemap_entry(fdt, 0x4fa00000, 0x2000);
	fdt_finish_reservemap(fdt);
	fdt_begin_node(fdt, "");
	fdt_property_u32(fdt, "#address-cells", (uint32_t)ac);
	fdt_property_u32(fdt, "#size-cells", (uint32_t)sc);

	fdt_begin_node(fdt, "memory@40000000");
	fdt_property_string(fdt, "device_type", "memory");
	if (ac == 2) {
		c[0] = 0; c[1] = 0x40000000; c[2] = 0; c[3] = 0x10000000;
		c[4] = 1; c[5] = 0; c[6] = 0; c[7] = 0x08000000;
		prop_cells(fdt, "reg", c, 8);
	} else {
		c[0] = 0x40000000; c[1] = 0x10000000;
		prop_cells(fdt, "reg", c, 2);
	}
	fdt_end_node(fdt);
	fdt_begin_node(fdt, "memory@disabled");
	fdt_property_string(fdt, "device_type", "memory");
	fdt_property_string(fdt, "status", "disabled");
	c[0] = 0x60000000; c[1] = 0x1000;
	prop_cells(fdt, "reg", c, 2);
	fdt_end_node(fdt);

	fdt_begin_node(fdt, "reserved-memory");
	fdt_property_u32(fdt, "#address-cells", (uint32_t)ac);
	fdt_property_u32(fdt, "#size-cells", (uint32_t)sc);
	fdt_property(fdt, "ranges", NULL, 0);
	fdt_begin_node(fdt, "secmon@4f000000");
	if (ac == 2) {
		c[0] = 0; c[1] = 0x4f000000; c[2] = 0; c[3] = 0x100000;
		prop_cells(fdt, "reg", c, 4);
	} else {
		c[0] = 0x4f000000; c[1] = 0x100000;
		prop_cells(fdt, "reg", c, 2);
	}
	fdt_property(fdt, "no-map", NULL, 0);
	fdt_end_node(fdt);
	fdt_begin_node(fdt, "linux,cma");
	fdt_property_string(fdt, "compatible", "shared-dma-pool");
	fdt_property(fdt, "reusable", NULL, 0);
	if (sc == 2) {
		c[0] = 0; c[1] = 0x400000;
		prop_cells(fdt, "size", c, 2);
		prop_cells(fdt, "alignment", c, 2);
		c[0] = 0; c[1] = 0x40000000; c[2] = 0; c[3] = 0x10000000;
		prop_cells(fdt, "alloc-ranges", c, 4);
	} else {
		c[0] = 0x400000;
		prop_cells(fdt, "size", c, 1);
		prop_cells(fdt, "alignment", c, 1);
		c[0] = 0x40000000; c[1] = 0x10000000;
		prop_cells(fdt, "alloc-ranges", c, 2);
	}
	fdt_end_node(fdt);
	fdt_begin_node(fdt, "off@4e000000");
	fdt_property_string(fdt, "status", "disabled");
	fdt_end_node(fdt);
	fdt_begin_node(fdt, "bad@4d000000");
	c[0] = 0x4d000000;
	prop_cells(fdt, "reg", c, 1);	/* wrong length for ac + sc */
	fdt_end_node(fdt);
	fdt_end_node(fdt);

	fdt_begin_node(fdt, "chosen");
	fdt_property_u32(fdt, "linux,initrd-start", 0x44000000);
	fdt_property_u64(fdt, "linux,initrd-end", 0x44180800);
	if (ac == 2 && sc == 2) {
		c[0] = 0; c[1] = 0x4c000000; c[2] = 0; c[3] = 0x1000;
		prop_cells(fdt, "linux,elfcorehdr", c, 4);
		c[0] = 0; c[1] = 0x48000000; c[2] = 0; c[3] = 0x4000000;
		prop_cells(fdt, "linux,usable-memory-range", c, 4);
	}
	fdt_end_node(fdt);
	fdt_end_node(fdt);
	fdt_finish(fdt);
	return fdt;
}

static void check_common(const struct dt_info *i, int ac)
{
	const struct dt_rmem_node *n;

	CHECK_EQ(i->n_memreserve, 2, "memreserve entries");
	CHECK(i->memreserve[0].base == 0x4f800000 && i->memreserve[0].size == 0x10000, "memreserve 0");
	CHECK(i->has_initrd && i->initrd_start == 0x44000000 && i->initrd_end == 0x44180800,
	      "initrd from a 32-bit start and a 64-bit end");
	CHECK_EQ(i->n_rmem, 4, "reserved-memory children");
	if (i->n_rmem != 4)
		return;
	n = &i->rmem[0];
	CHECK(!strcmp(n->name, "secmon@4f000000") && n->no_map && !n->reusable && n->n_reg == 1 &&
	      n->reg[0].base == 0x4f000000 && n->reg[0].size == 0x100000 && !n->bad, "secmon (%d cells)", ac);
	n = &i->rmem[1];
	CHECK(!strcmp(n->name, "linux,cma") && n->reusable && !n->no_map && n->n_reg == 0 && n->has_size &&
	      n->size == 0x400000 && n->has_alignment && n->alignment == 0x400000 && n->n_alloc_ranges == 1 &&
	      n->alloc_ranges[0].base == 0x40000000 && n->compatible &&
	      !strcmp(n->compatible, "shared-dma-pool"), "linux,cma dynamic (%d cells)", ac);
	CHECK(i->rmem[2].disabled, "disabled node");
	CHECK(i->rmem[3].bad, "malformed reg marked");
}

int main(int argc, char **argv)
{
	struct dt_info *info = NULL;
	struct source_diag d;
	void *fdt = build(2, 2);
	size_t len = fdt_totalsize(fdt);
	unsigned char *copy;

	if (argc > 1) {
		FILE *f = fopen(argv[1], "wb");

		if (f) {
			fwrite(fdt, 1, len, f);
			fclose(f);
		}
	}
	CHECK(dt_parse(fdt, len, &info, &d) == 0, "2+2 cells parse: %s", d.message);
	if (info) {
		CHECK_EQ(info->totalsize, len, "totalsize");
		CHECK_EQ(info->n_memory, 2, "memory ranges (disabled node skipped)");
		CHECK(info->memory[0].base == 0x40000000 && info->memory[0].size == 0x10000000 &&
		      info->memory[1].base == 0x100000000ull && info->memory[1].size == 0x08000000, "memory reg");
		check_common(info, 2);
		CHECK(info->has_elfcorehdr && info->elfcorehdr.base == 0x4c000000 && info->elfcorehdr.size == 0x1000,
		      "elfcorehdr");
		CHECK(info->n_usable_memory == 1 && info->usable_memory[0].size == 0x4000000, "usable-memory-range");
		dt_info_free(info);
		info = NULL;
	}

	/* Corruption: every byte flip of the header, truncations, garbage. */
	copy = malloc(len);
	memcpy(copy, fdt, len);
	copy[0] ^= 0xff;
	CHECK(dt_parse(copy, len, &info, &d) == -EINVAL && strcmp(d.message, "invalid device tree: FDT_ERR_BADMAGIC") == 0,
	      "bad magic: %s", d.message);
	memcpy(copy, fdt, len);
	CHECK(dt_parse(copy, len - 1, &info, &d) == -EINVAL && strstr(d.message, "FDT_ERR_"),
	      "shorter than totalsize: %s", d.message);
	CHECK(dt_parse(copy, 0, &info, &d) == -EINVAL && strcmp(d.message, "invalid device tree: FDT_ERR_TRUNCATED") == 0,
	      "empty: %s", d.message);
	CHECK(dt_parse(copy, 20, &info, NULL) == -EINVAL, "header only");
	for (size_t off = 0; off < len; off += 3) {
		memcpy(copy, fdt, len);
		copy[off] ^= 0x5a;
		if (dt_parse(copy, len, &info, &d) == 0) {
			dt_info_free(info);
			info = NULL;
		}
	}
	CHECK(1, "byte flips survive");
	free(copy);
	free(fdt);

	fdt = build(1, 1);
	CHECK(dt_parse(fdt, fdt_totalsize(fdt), &info, NULL) == 0, "1+1 cells parse");
	if (info) {
		CHECK(info->n_memory == 1 && info->memory[0].base == 0x40000000 &&
		      info->memory[0].size == 0x10000000, "32-bit memory");
		check_common(info, 1);
		CHECK(!info->has_elfcorehdr, "no elfcorehdr");
		dt_info_free(info);
	}
	free(fdt);
	return tap_done("test-fdt");
}
