/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's build configuration: boot/config-RELEASE, as distributions
 * install it, or proc/config.gz (CONFIG_IKCONFIG_PROC), plain or gzip.
 * Only the few options whose effect on boot memory the kernel never prints.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct bm_inputs;
struct source_diag;

/* y/n of an option, or unknown: a config that does not mention it. */
enum kconfig_tristate {
	KCONFIG_UNKNOWN,
	KCONFIG_NO,
	KCONFIG_YES,
};

struct kconfig_facts {
	size_t options;				/* CONFIG_ lines seen: 0 is not a config */
	/* arm64: the linear map at page granularity unless rodata=on|off|noalias */
	enum kconfig_tristate rodata_full_default;
	/* the same, whatever rodata= says, when debug_pagealloc=on or this is y */
	enum kconfig_tristate debug_pagealloc_default;
};

/* The default path under the root, "boot/config-" and the release, into @buf; NULL without a release. */
const char *kconfig_default_path(const struct bm_inputs *in, char *buf, size_t n);
/* Text, or gzip of it (at most 8 MiB once inflated). */
int kconfig_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d);
