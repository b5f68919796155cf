/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for proc/stat's btime (source-boot-id.c), and a DMI value; also a corpus replayer. */
#include "fuzz-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_inputs in = { 0 };
	struct bm_source_status st = { 0 };
	char *buf = fuzz_copy(data, size);
	char v[DMI_VALUE_MAX];

	fuzz_parse(BM_SRC_STAT, data, size, &in, &st);
	if (in.has_boot_time && in.boot_time < 0)
		abort();
	/* the same bytes as a sys/class/dmi/id file: one line of valid UTF-8, no control characters */
	if (buf) {
		dmi_value(buf, size, v);
		for (const unsigned char *p = (const unsigned char *)v; *p; p += util_utf8_len(p))
			if (*p < 0x20 || *p == 0x7f || !util_utf8_len(p))
				abort();
		free(buf);
	}
	sources_unload(&in);
	return 0;
}
