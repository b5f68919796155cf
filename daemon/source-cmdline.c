/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sources.h"

int cmdline_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d)
{
	free(in->cmdline);
	in->cmdline = strndup(buf, strcspn(buf, "\n"));
	return in->cmdline ? 0 : -ENOMEM;
}

void cmdline_unload(struct bm_inputs *in)
{
	free(in->cmdline);
	in->cmdline = NULL;
}
