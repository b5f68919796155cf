/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The boundary between the fate engine (sources, model, renderers) and the
 * front ends (--once CLI, HTTP server, systemd glue).
 *
 * A report is computed once from one root directory and never changes, so
 * front ends render it once and serve the bytes.  All functions return 0 or
 * a negative errno and never print.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "sources.h"

struct bootmem_report;

/*
 * Input paths by source (sources.h), each relative to the root or absolute.
 * NULL means the source's default.
 */
struct report_paths {
	const char *path[_BM_SRC_MAX];
};

/*
 * Reads every source under @root and builds the model.  A missing or corrupt
 * source is not fatal: it is recorded in the report (and shows up in every
 * output); only out-of-memory and an unusable @root fail.
 */
int report_load(const char *root, const struct report_paths *paths,
		struct bootmem_report **ret);
void report_free(struct bootmem_report *r);

/* One line for sd_notify STATUS= and the log, e.g. "held 17.2 MiB, unexplained 0 B". */
const char *report_summary(const struct bootmem_report *r);

/* True when a patched kernel's log was read and parsed. */
bool report_has_kernel_log(const struct bootmem_report *r);

/*
 * Whether source @id was there (a file at its path).  When it was but is
 * not used, *error (if not NULL) says why; else it is set to NULL.
 */
bool report_source_present(const struct bootmem_report *r, enum bm_src id, const char **error);

/* The reconciliation's unexplained bytes: 0, or -ENODATA when unknown (stock kernel). */
int report_unexplained(const struct bootmem_report *r, long long *bytes);

/*
 * Renderers.  Each returns a malloc()ed, NUL-terminated buffer in *out and
 * its length (without the NUL) in *len.
 */
enum report_format {
	REPORT_TEXT,
	REPORT_JSON,		/* the whole report */
	REPORT_JSON_REGIONS,	/* the regions array alone */
	REPORT_PROMETHEUS,	/* text format 0.0.4 */
	REPORT_OPENMETRICS,	/* OpenMetrics 1.0.0 */
	REPORT_SVG,		/* a picture: the memory map and the lifecycle timeline */
};

int report_render(const struct bootmem_report *r, enum report_format fmt,
		  char **out, size_t *len);

/*
 * What the daemon knows about itself, for its self-metrics on /metrics
 * (bootmemd_config_last_reload_*, process_start_time_seconds).  --once
 * output has none: written into node_exporter's textfile directory, it
 * must not carry a process's metrics.
 */
struct report_exporter {
	bool reload_successful;		/* the last (re)load of the configuration and sources worked */
	int64_t reload_success_time;	/* when one last worked, seconds since the epoch */
	int64_t start_time;		/* when the process started, seconds since the epoch */
};

/* REPORT_PROMETHEUS or REPORT_OPENMETRICS, with @x's metrics when it is not NULL. */
int report_render_metrics(const struct bootmem_report *r, enum report_format fmt,
			  const struct report_exporter *x, char **out, size_t *len);

/*
 * The kernel log's events as a JSON array.  @kind and @tag filter by name
 * ("alloc", "initrd", ...) when not NULL; an unknown name gives -EINVAL.
 */
int report_render_events(const struct bootmem_report *r, const char *kind,
			 const char *tag, char **out, size_t *len);
