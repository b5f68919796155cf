/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86 struct boot_params (Documentation/arch/x86/zero-page.rst), as
 * /sys/kernel/boot_params/data shows it: the initrd the bootloader placed
 * and the e820 map it was handed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bm_inputs;
struct source_diag;

#define BOOT_PARAMS_SIZE 4096
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_E820_ENTRIES 0x1e8
#define BP_HDR_HEADER 0x202	/* "HdrS" */
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE 0x21c
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128
#define E820_TYPE_RAM 1

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

struct boot_params_info {
	bool has_header;	/* "HdrS" present: the setup header is valid */
	uint64_t ramdisk_image;	/* ramdisk_image | ext_ramdisk_image << 32 */
	uint64_t ramdisk_size;
	size_t n_e820;
	struct e820_entry e820[BP_E820_MAX];
};

int boot_params_parse(const void *buf, size_t len, struct boot_params_info *out, struct source_diag *d);
int boot_params_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d);
