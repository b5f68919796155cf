/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for sys/firmware/memmap, as "START END TYPE" lines (source-memmap.c); also built as a corpus replayer. */
#include "fuzz-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memmap *m = NULL;
	struct source_diag d;
	char *text = fuzz_copy(data, size);

	if (text && fuzz_memmap(text, &m, &d) == 0) {
		for (size_t i = 1; i < m->n; i++)
			if (m->e[i - 1].start > m->e[i].start)
				abort();
		(void)memmap_sum(m, "System RAM");
		memmap_free(m);
	}
	free(text);
	return 0;
}
