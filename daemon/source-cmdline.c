/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sources.h"
#include "util.h"

int cmdline_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d)
{
	free(in->cmdline);
	in->cmdline = strndup(buf, strcspn(buf, "\n"));
	if (!in->cmdline)
		return -ENOMEM;
	/* The kernel passes the bootloader's bytes on as they are. */
	util_sanitize_text(in->cmdline);
	return 0;
}

void cmdline_unload(struct bm_inputs *in)
{
	free(in->cmdline);
	in->cmdline = NULL;
}
