/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "sources.h"
#include "util.h"

int boot_params_parse(const void *buf, size_t len, struct boot_params_info *out, struct source_diag *d)
{
	const unsigned char *p = buf;
	unsigned n;

	memset(out, 0, sizeof(*out));
	if (len < BOOT_PARAMS_SIZE)
		return source_fail(d, -EINVAL, "shorter than struct boot_params");
	out->has_header = memcmp(p + BP_HDR_HEADER, "HdrS", 4) == 0;
	out->ramdisk_image = util_ld32(p + BP_RAMDISK_IMAGE) | (uint64_t)util_ld32(p + BP_EXT_RAMDISK_IMAGE) << 32;
	out->ramdisk_size = util_ld32(p + BP_RAMDISK_SIZE) | (uint64_t)util_ld32(p + BP_EXT_RAMDISK_SIZE) << 32;
	n = p[BP_E820_ENTRIES];
	if (n > BP_E820_MAX)
		n = BP_E820_MAX;
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *e = p + BP_E820_TABLE + i * 20;

		out->e820[i].addr = util_ld64(e);
		out->e820[i].size = util_ld64(e + 8);
		out->e820[i].type = util_ld32(e + 16);
	}
	out->n_e820 = n;
	return 0;
}

int boot_params_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d)
{
	int r = boot_params_parse(buf, len, &in->boot_params, d);

	in->has_boot_params = r >= 0;
	return r;
}
