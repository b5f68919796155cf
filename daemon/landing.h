/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct landing_info {
	const char *summary;		/* report_summary() */
	bool has_kernel_log;		/* report_has_kernel_log() */
	bool has_map;			/* an SVG memory map is served at /map.svg */
};

/* The HTML page served at "/": what bootmemd is, the report's summary and links to every endpoint. */
int landing_render(const struct landing_info *info, char **ret, size_t *ret_len);
