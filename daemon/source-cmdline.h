/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/cmdline: the kernel command line, one line of text. */
#pragma once

#include <stddef.h>

struct bm_inputs;
struct source_diag;

int cmdline_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d);
void cmdline_unload(struct bm_inputs *in);
