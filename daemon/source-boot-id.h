/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who this boot is: proc/sys/kernel/random/boot_id (a UUID the kernel makes
 * at boot) and the "btime" line of proc/stat (when it booted, in seconds
 * since the epoch).  Both become metrics (bootmemd_boot_info's boot_id,
 * bootmemd_boot_time_seconds), so that a fleet can tell boots apart.
 */
#pragma once

#include <stddef.h>

struct bm_inputs;
struct source_diag;

/* 36 characters: 8-4-4-4-12 hexadecimal digits, lower case. */
int boot_id_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d);
/* proc/stat: -ENODATA without a usable btime line. */
int stat_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d);
