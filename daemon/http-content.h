/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pre-rendered responses ("content"): every variant of every route that
 * answers (http-routes.h), rendered from one report, and gzip-compressed where
 * the route says so, once.  Boot memory does not change after boot, so a
 * request only picks a response and MHD copies its bytes to the socket.
 *
 * Content is reference-counted and immutable: a reload builds new content
 * and the server swaps it in, while requests in flight finish with the old.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "http-routes.h"
#include "util.h"

struct bootmem_report;
struct MHD_Response;
struct http_content;

/*
 * Renders the responses of @routes (a route mask) from @report; the other routes answer 404.
 * On success the content owns @report.  Logs what failed.
 */
struct report_exporter;
int http_content_new(struct bootmem_report *report, uint32_t routes, const struct report_exporter *x,
		     struct http_content **ret);
/*
 * New content with other @routes and self-metrics @x, from the report @c was rendered from (a
 * reload that keeps the sources, or one that failed).
 */
int http_content_with_routes(const struct http_content *c, uint32_t routes, const struct report_exporter *x,
			     struct http_content **ret);
struct http_content *http_content_ref(struct http_content *c);
void http_content_unref(struct http_content *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct http_content *, http_content_unref);

const char *http_content_summary(const struct http_content *c);
/* The routes that answer. */
uint32_t http_content_routes(const struct http_content *c);

/* The response of @route's @variant, gzip-compressed if @gzip and the route keeps one; NULL if it is off. */
struct MHD_Response *http_content_get(const struct http_content *c, const struct http_route *route,
				      unsigned variant, bool gzip);

/*
 * The view of @route that the query @values select (see struct http_route), if it was rendered
 * before: 0 and a response the content keeps (queue it while holding a reference on @c), or
 * -ENOENT.  Cheap: for the threads that serve.
 */
int http_content_query_cached(struct http_content *c, const struct http_route *route,
			      const char *const values[HTTP_MAX_PARAMS], bool gzip, struct MHD_Response **ret);
/*
 * Renders the view (on the worker: this takes as long as the report is large) and keeps it,
 * within the content's budget for views.  *@ret_owned says whether the caller must destroy *@ret
 * after queueing it.  -EINVAL for a value the route does not know.
 */
int http_content_query(struct http_content *c, const struct http_route *route,
		       const char *const values[HTTP_MAX_PARAMS], bool gzip, struct MHD_Response **ret,
		       bool *ret_owned);
/* What the kept views take, in bytes. */
size_t http_content_views_bytes(struct http_content *c);

/* A response that owns @body (MHD frees it), with the route's headers. */
int http_response_new(char *body, size_t len, const char *content_type, const char *vary, bool gzip,
		      struct MHD_Response **ret);
