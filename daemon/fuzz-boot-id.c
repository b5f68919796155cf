/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for proc/sys/kernel/random/boot_id (source-boot-id.c); also a corpus replayer. */
#include "fuzz-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_inputs in = { 0 };
	struct bm_source_status st = { 0 };

	fuzz_parse(BM_SRC_BOOT_ID, data, size, &in, &st);
	/* What reaches a metric label: 36 characters of [0-9a-f-] or nothing. */
	if (in.boot_id[0] && strspn(in.boot_id, "0123456789abcdef-") != 36)
		abort();
	if (st.available != (in.boot_id[0] != '\0'))
		abort();
	sources_unload(&in);
	return 0;
}
