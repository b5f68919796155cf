/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The board's identity from SMBIOS (x86, arm64 with UEFI): the directory
 * sys/class/dmi/id, of which sys_vendor and product_name are read.  With
 * the FDT's /model and /compatible it makes bootmemd_machine_info.
 */
#pragma once

#include <stddef.h>

struct bm_inputs;
struct source_diag;
struct stat;

/* Values are one line each, at most this long; longer ones are cut. */
#define DMI_VALUE_MAX 128

int dmi_load(int fd, const struct stat *st, size_t max, struct bm_inputs *in, struct source_diag *d);
/* One value, as a file of the directory holds it: the first line, sanitised (fuzz target). */
void dmi_value(const char *buf, size_t len, char out[DMI_VALUE_MAX]);
