/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for memblock's debugfs reserved set (source-memblock.c); also built as a corpus replayer. */
#include "fuzz-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_inputs in = { 0 };
	struct bm_source_status st = { 0 };

	fuzz_parse(BM_SRC_MEMBLOCK, data, size, &in, &st);
	if (in.memblock_reserved) {
		uint64_t sum = 0;

		/* Every region is non-empty and ends where it says; the total saturates, never wraps. */
		for (size_t i = 0; i < in.memblock_reserved->n; i++) {
			if (!in.memblock_reserved->r[i].size)
				abort();
			sum = util_sat_add(sum, in.memblock_reserved->r[i].size);
		}
		if (sum != in.memblock_reserved->bytes || st.available != true)
			abort();
	}
	sources_unload(&in);
	return 0;
}
