/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for a whole root: the kernel log and runtime file, the
 * FDT and every /proc and sysfs source (see fuzz-source.h for the input)
 * through the model and every renderer, SVG included.  Also built as a
 * corpus replayer.
 */
#include "fuzz-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_root(data, size, true);
}
