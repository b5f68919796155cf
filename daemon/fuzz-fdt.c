/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the FDT reader; also built as a corpus replayer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dt_info *info = NULL;
	void *copy;
	size_t n = 0;

	/* libfdt wants an aligned blob; the fuzzer's buffer need not be. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (dt_parse(copy, size, &info, NULL) == 0) {
		for (size_t i = 0; i < info->n_rmem; i++)
			n += strlen(info->rmem[i].name) + info->rmem[i].n_reg;
		(void)n;
		dt_info_free(info);
	}
	free(copy);
	return 0;
}
