/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct landing_info {
	const char *summary;		/* report_summary() */
	bool has_kernel_log;		/* report_has_kernel_log() */
	bool has_map;			/* an SVG memory map is served at /map.svg */
	uint32_t routes;		/* the routes that answer (http-routes.h): the links */
};

/* The HTML page served at "/": what bootmemd is, the report's summary and links to the endpoints that answer. */
int landing_render(const struct landing_info *info, char **ret, size_t *ret_len);
