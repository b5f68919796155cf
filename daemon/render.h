/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Renderers behind report_render(); each returns 0 or a negative errno. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

int render_text(const struct bootmem_report *r, char **out, size_t *len);
int render_json(const struct bootmem_report *r, bool regions_only, char **out, size_t *len);
struct report_exporter;
int render_metrics(const struct bootmem_report *r, bool openmetrics, const struct report_exporter *x,
		   char **out, size_t *len);
int render_svg(const struct bootmem_report *r, char **out, size_t *len);
int render_events(const struct bootmem_report *r, const char *kind, const char *tag,
		  char **out, size_t *len);

