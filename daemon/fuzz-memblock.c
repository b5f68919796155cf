/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for memblock's debugfs files, reserved and memory (source-memblock.c); also a corpus replayer. */
#include "fuzz-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every region is non-empty and ends where it says; the total saturates, never wraps. */
static void check_set(const struct memblock_set *s, const struct bm_source_status *st)
{
	uint64_t sum = 0;

	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (!s->r[i].size)
			abort();
		sum = util_sat_add(sum, s->r[i].size);
	}
	if (sum != s->bytes || st->available != true)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_inputs in = { 0 };
	struct bm_source_status st = { 0 }, mst = { 0 };

	fuzz_parse(BM_SRC_MEMBLOCK, data, size, &in, &st);
	check_set(in.memblock_reserved, &st);
	fuzz_parse(BM_SRC_MEMBLOCK_MEMORY, data, size, &in, &mst);
	check_set(in.memblock_memory, &mst);
	if (!in.memblock_reserved != !in.memblock_memory)
		abort();	/* one parser: the same verdict */
	sources_unload(&in);
	return 0;
}
