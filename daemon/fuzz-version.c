/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for /proc/version (source-version.c); also built as a corpus replayer. */
#include "fuzz-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_inputs in = { 0 };
	struct bm_source_status st = { 0 };

	fuzz_parse(BM_SRC_VERSION, data, size, &in, &st);
	(void)version_guess_arch(in.version);
	/* What reaches a metric label: valid UTF-8, no control characters. */
	for (const unsigned char *p = (const unsigned char *)in.release; *p; p += util_utf8_len(p))
		if (*p < 0x20 || *p == 0x7f || !util_utf8_len(p))
			abort();
	sources_unload(&in);
	return 0;
}
