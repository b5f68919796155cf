/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for stock mode: a root without the kernel log (FDT,
 * /proc, boot_params, memmap, boot messages; see fuzz-source.h for the
 * input) through the stock model and every renderer, SVG included.  Also
 * built as a corpus replayer.
 */
#include "fuzz-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_root(data, size, false);
}
