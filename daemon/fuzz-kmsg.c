/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for boot messages (dmesg.txt, /dev/kmsg records) (source-kmsg.c); also built as a corpus replayer. */
#include "fuzz-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_inputs in = { 0 };
	struct bm_source_status st = { 0 };

	fuzz_parse(BM_SRC_DMESG, data, size, &in, &st);
	(void)dmesg_freed(&in.dmesg, "initrd");
	if (in.dmesg.n_frees > sizeof(in.dmesg.frees) / sizeof(in.dmesg.frees[0]) ||
	    in.dmesg.n_rmem > sizeof(in.dmesg.rmem) / sizeof(in.dmesg.rmem[0]))
		abort();
	sources_unload(&in);
	{
		/* The same bytes as journal MESSAGEs, one a line (source-journal.c's parser). */
		struct dmesg_facts *f = calloc(1, sizeof(*f));

		if (!f)
			return 0;
		kmsg_parse_messages((const char *)data, size, f);
		if (f->n_mb_callers > sizeof(f->mb_callers) / sizeof(f->mb_callers[0]) ||
		    f->n_mb_ranges > sizeof(f->mb_ranges) / sizeof(f->mb_ranges[0]) ||
		    f->n_hashes > sizeof(f->hashes) / sizeof(f->hashes[0]))
			abort();
		free(f);
	}
	return 0;
}
