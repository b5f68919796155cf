/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Content negotiation for /metrics (RFC 9110 §12.5): which exposition format
 * an Accept header prefers, and whether Accept-Encoding allows gzip.  Pure
 * string code, no allocation, safe on any input.
 */
#pragma once

#include <stdbool.h>

enum metrics_format {
	METRICS_FORMAT_TEXT,		/* text/plain; version=0.0.4 */
	METRICS_FORMAT_OPENMETRICS,	/* application/openmetrics-text; version=1.0.0 */
	METRICS_FORMAT_OPENMETRICS_0_0_1, /* the same, asked for and labelled as 0.0.1 (Prometheus before 2.5x) */
};

/*
 * Each of the two offers gets the q-value of the most specific media range
 * that matches it (a range with a version parameter only matches a version we
 * serve).  The higher q wins; on a tie the more specific match wins; then
 * text.  No header, or nothing acceptable, gives text: Prometheus requires
 * targets to fall back to 0.0.4.
 */
enum metrics_format http_negotiate_metrics(const char *accept);

/* True if gzip's q-value is above 0 and not below identity's, when identity has one. */
bool http_accepts_gzip(const char *accept_encoding);
