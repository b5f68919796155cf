/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTTP endpoints, one row each (http_routes[] in http-routes.c).  Every
 * fact about an endpoint is in its row, and every part of the front end
 * reads it from there:
 *
 *   - http-content.c renders each variant of each row once per report, and
 *     gzips it when the row says so;
 *   - http-server.c dispatches a URL to its row, negotiates the variant and
 *     sends the row's headers;
 *   - conf.c takes bootmemd.conf(5)'s [Endpoints] keys from the rows;
 *   - the landing page links, and --help lists, the rows that answer.
 *
 * Adding an endpoint is a row, plus its renderer if none of the existing ones
 * fits.  No libmicrohttpd here: the configuration parser reads the table too.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bootmem_report;

/* A set of routes is a mask, bit i for http_routes[i] (struct config's endpoints). */
#define HTTP_MAX_ROUTES 32
#define HTTP_MAX_VARIANTS 3
#define HTTP_MAX_PARAMS 2

/* What every response is made from. */
struct http_render_input {
	const struct bootmem_report *report;
	const struct report_exporter *exporter;	/* the daemon's self-metrics, or NULL */
	uint32_t routes;		/* the routes that answer: the landing page links these */
};

/* Renders one body into a malloc()ed, NUL-terminated buffer; 0 or a negative errno. */
typedef int (*http_render_t)(const struct http_render_input *in, int arg, char **ret, size_t *ret_len);

/* One representation of an endpoint. */
struct http_variant {
	const char *content_type;
	http_render_t render;		/* NULL: no such variant */
	int arg;			/* for @render: the report_format of report_render() */
};

struct http_route {
	const char *path;		/* matched exactly */
	const char *key;		/* the [Endpoints] key that switches it; rows may share one */
	struct http_variant variants[HTTP_MAX_VARIANTS];	/* [0] unless @negotiate picks another */
	unsigned (*negotiate)(const char *accept);		/* Accept header -> variant; NULL: [0] */
	const char *vary;		/* the Vary header, NULL for none */
	bool gzip;			/* kept gzip-compressed too, sent when Accept-Encoding allows it */

	/*
	 * Query parameters that select a view (?kind=&tag=), rendered by @render_query from their
	 * values (NULL when absent or empty; all NULL is variant [0]).  An unknown value gives
	 * -EINVAL: 400 with {"error": @query_error, PARAM: VALUE, ...}.  No parameters: the query
	 * string is ignored.
	 */
	const char *params[HTTP_MAX_PARAMS];
	int (*render_query)(const struct http_render_input *in, const char *const values[HTTP_MAX_PARAMS],
			    char **ret, size_t *ret_len);
	const char *query_error;
	/* Any other query parameter is a 400 with a JSON error (the API); else it is ignored. */
	bool strict_query;

	const char *help;		/* --help: what it serves, plain text, at most 40 characters */
	const char *landing;		/* the landing page's line after the link, HTML; NULL: not listed */
};

extern const struct http_route http_routes[];
extern const size_t http_n_routes;
extern const uint32_t http_routes_all;	/* every route */

static inline uint32_t http_route_bit(const struct http_route *r)
{
	return UINT32_C(1) << (r - http_routes);
}

/* The row of @path, or NULL. */
const struct http_route *http_route_find(const char *path);

/* The routes that the [Endpoints] key @key switches; 0 when there is no such key. */
uint32_t http_routes_by_key(const char *key);
