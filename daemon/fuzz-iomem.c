/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for /proc/iomem (source-iomem.c); also built as a corpus replayer. */
#include "fuzz-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_inputs in = { 0 };
	struct bm_source_status st = { 0 };

	fuzz_parse(BM_SRC_IOMEM, data, size, &in, &st);
	if (in.iomem) {
		uint64_t naive = 0;

		/* Overlaps count once: never more than the entries one by one. */
		for (size_t i = 0; i < in.iomem->n; i++)
			if (in.iomem->e[i].depth == 0 && !strcmp(in.iomem->e[i].name, "System RAM"))
				naive = util_sat_add(naive, util_sat_add(in.iomem->e[i].end - in.iomem->e[i].start, 1));
		if (iomem_sum_top(in.iomem, "System RAM") > naive)
			abort();
		(void)iomem_find(in.iomem, "Kernel code");
	}
	sources_unload(&in);
	return 0;
}
