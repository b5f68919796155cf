/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for /proc/meminfo (source-meminfo.c); also built as a corpus replayer. */
#include "fuzz-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_inputs in = { 0 };
	struct bm_source_status st = { 0 };

	fuzz_parse(BM_SRC_MEMINFO, data, size, &in, &st);
	if (st.available != in.has_meminfo || (in.has_meminfo && !in.meminfo.has_memtotal))
		abort();
	sources_unload(&in);
	return 0;
}
