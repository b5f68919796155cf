/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the kernel config, text or gzip (source-kconfig.c); also a corpus replayer. */
#include "fuzz-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_inputs in = { 0 };
	struct bm_source_status st = { 0 };

	fuzz_parse(BM_SRC_KCONFIG, data, size, &in, &st);
	if (in.has_kconfig && (in.kconfig.rodata_full_default > KCONFIG_YES || !in.kconfig.options))
		abort();
	sources_unload(&in);
	return 0;
}
