/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for x86 boot_params (sys/kernel/boot_params/data) (source-boot-params.c); also built as a corpus replayer. */
#include "fuzz-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_inputs in = { 0 };
	struct bm_source_status st = { 0 };

	fuzz_parse(BM_SRC_BOOT_PARAMS, data, size, &in, &st);
	if (in.boot_params.n_e820 > BP_E820_MAX)
		abort();
	sources_unload(&in);
	return 0;
}
