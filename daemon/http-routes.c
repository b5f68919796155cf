/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http-accept.h"
#include "http-routes.h"
#include "landing.h"
#include "report.h"

#define CT_METRICS_TEXT		"text/plain; version=0.0.4; charset=utf-8"
#define CT_METRICS_OM		"application/openmetrics-text; version=1.0.0; charset=utf-8"
#define CT_METRICS_OM_001	"application/openmetrics-text; version=0.0.1; charset=utf-8"
#define CT_JSON			"application/json"
#define CT_HTML			"text/html; charset=utf-8"
#define CT_TEXT			"text/plain; charset=utf-8"
#define CT_SVG			"image/svg+xml"

/* ---- renderers: the report's own, and the front end's pages ---- */

static int render_report(const struct http_render_input *in, int format, char **ret, size_t *ret_len)
{
	return report_render(in->report, (enum report_format) format, ret, ret_len);
}

static int render_metrics(const struct http_render_input *in, int format, char **ret, size_t *ret_len)
{
	return report_render_metrics(in->report, (enum report_format) format, in->exporter, ret, ret_len);
}

static int render_events(const struct http_render_input *in, int arg, char **ret, size_t *ret_len)
{
	return report_render_events(in->report, NULL, NULL, ret, ret_len);
}

static int render_events_query(const struct http_render_input *in, const char *const values[HTTP_MAX_PARAMS],
			       char **ret, size_t *ret_len)
{
	return report_render_events(in->report, values[0], values[1], ret, ret_len);
}

static int render_landing(const struct http_render_input *in, int arg, char **ret, size_t *ret_len)
{
	const struct http_route *map = http_route_find("/map.svg");
	struct landing_info li = {
		.summary = report_summary(in->report),
		.has_kernel_log = report_has_kernel_log(in->report),
		.has_map = map && (in->routes & http_route_bit(map)),
		.routes = in->routes,
	};

	return landing_render(&li, ret, ret_len);
}

static int render_ok(const struct http_render_input *in, int arg, char **ret, size_t *ret_len)
{
	char *s = strdup("ok\n");

	if (!s)
		return -ENOMEM;
	*ret = s;
	*ret_len = strlen(s);
	return 0;
}

static unsigned negotiate_metrics(const char *accept)
{
	switch (http_negotiate_metrics(accept)) {
	case METRICS_FORMAT_OPENMETRICS:
		return 1;
	case METRICS_FORMAT_OPENMETRICS_0_0_1:
		return 2;
	default:
		return 0;
	}
}

/* ---- the table: in the order of the landing page and --help ---- */

const struct http_route http_routes[] = {
	{
		.path = "/",
		.key = "LandingPage",
		.variants = { { CT_HTML, render_landing } },
		.help = "the summary, links and the memory map",
	},
	{
		.path = "/metrics",
		.key = "Metrics",
		.variants = {
			{ CT_METRICS_TEXT, render_metrics, REPORT_PROMETHEUS },
			{ CT_METRICS_OM, render_metrics, REPORT_OPENMETRICS },
			{ CT_METRICS_OM_001, render_metrics, REPORT_OPENMETRICS },
		},
		.negotiate = negotiate_metrics,
		.vary = "Accept, Accept-Encoding",
		.gzip = true,
		.help = "Prometheus text 0.0.4 or OpenMetrics 1.0",
		.landing = "Prometheus text format 0.0.4, or OpenMetrics 1.0 when the <code>Accept</code> header "
			   "asks for it",
	},
	{
		.path = "/api/v1/report",
		.key = "Report",
		.variants = { { CT_JSON, render_report, REPORT_JSON } },
		.strict_query = true,
		.vary = "Accept-Encoding",
		.gzip = true,
		.help = "the whole report as JSON",
		.landing = "the whole report as JSON",
	},
	{
		.path = "/api/v1/regions",
		.key = "Regions",
		.variants = { { CT_JSON, render_report, REPORT_JSON_REGIONS } },
		.strict_query = true,
		.vary = "Accept-Encoding",
		.gzip = true,
		.help = "the regions alone, as JSON",
		.landing = "the regions alone",
	},
	{
		.path = "/api/v1/events",
		.key = "Events",
		.variants = { { CT_JSON, render_events } },
		.vary = "Accept-Encoding",
		.gzip = true,
		.params = { "kind", "tag" },
		.render_query = render_events_query,
		.query_error = "unknown event kind or tag",
		.strict_query = true,
		.help = "the kernel log's events as JSON",
		.landing = "the kernel log's events, filtered with <code>?kind=</code> and <code>?tag=</code> "
			   "(repeated or comma-separated: any of them)",
	},
	{
		/* The picture on the landing page: switched with it. */
		.path = "/map.svg",
		.key = "LandingPage",
		.variants = { { CT_SVG, render_report, REPORT_SVG } },
		.vary = "Accept-Encoding",
		.gzip = true,
		.help = "the memory map, as SVG",
		.landing = "the memory map and the lifecycle of the kernel image, initrd and FDT, as SVG",
	},
	{
		.path = "/healthz",
		.key = "Health",
		.variants = { { CT_TEXT, render_ok } },
		.help = "\"ok\" while the server runs",
		.landing = "liveness",
	},
};

const size_t http_n_routes = sizeof(http_routes) / sizeof(http_routes[0]);
static_assert(sizeof(http_routes) / sizeof(http_routes[0]) <= HTTP_MAX_ROUTES, "a route set is a uint32_t");
const uint32_t http_routes_all = (uint32_t) ((UINT64_C(1) << (sizeof(http_routes) / sizeof(http_routes[0]))) - 1);

const struct http_route *http_route_find(const char *path)
{
	for (size_t i = 0; i < http_n_routes; i++)
		if (strcmp(path, http_routes[i].path) == 0)
			return &http_routes[i];
	return NULL;
}

uint32_t http_routes_by_key(const char *key)
{
	uint32_t m = 0;

	for (size_t i = 0; i < http_n_routes; i++)
		if (strcmp(key, http_routes[i].key) == 0)
			m |= http_route_bit(&http_routes[i]);
	return m;
}
