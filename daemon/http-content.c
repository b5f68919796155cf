/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <zlib.h>

#include "http-content.h"
#include "log.h"
#include "report.h"
#include "util.h"

/* The report, shared by every content rendered from it (http_content_with_routes()). */
struct report_ref {
	atomic_int n_ref;
	struct bootmem_report *report;
};

/* A view that a query selected, rendered on the worker the first time it was asked for. */
struct query_view {
	struct query_view *next;
	const struct http_route *route;
	char *values[HTTP_MAX_PARAMS];
	struct MHD_Response *responses[2];	/* plain, gzip-compressed */
};

/* What the query views may take at least, when the unfiltered bodies are tiny. */
#define VIEWS_BUDGET_MIN (256u << 10)
/* What a view costs beside its bodies: itself, two MHD responses with their headers, its values. */
#define VIEW_OVERHEAD 1024

struct http_content {
	atomic_int n_ref;
	struct report_ref *report;
	uint32_t routes;
	/* [route][variant][gzip-compressed] */
	struct MHD_Response *responses[HTTP_MAX_ROUTES][HTTP_MAX_VARIANTS][2];

	/*
	 * The query views: the sets of values are finite (event kinds and tags), so every view is
	 * rendered once and kept, within a budget of a few times the unfiltered bodies (every
	 * event is in one view per kind, one per tag and one per pair); past it, views are
	 * rendered per request.
	 */
	pthread_mutex_t views_lock;
	struct query_view *views;
	size_t views_bytes, views_budget;
};

static int gzip_compress(const char *in, size_t len, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *out = NULL;
	z_stream z = {};
	uLong bound;
	int r;

	/*
	 * windowBits 15 + 16: a gzip header and trailer around the deflate stream.  Level 6: on
	 * the largest fixture it is 2-3 times faster than 9, and within half a percent of it.
	 */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	bound = deflateBound(&z, len);
	out = malloc(bound);
	if (!out) {
		deflateEnd(&z);
		return -ENOMEM;
	}

	z.next_in = (Bytef *) in;
	z.avail_in = len;
	z.next_out = (Bytef *) out;
	z.avail_out = bound;
	r = deflate(&z, Z_FINISH);
	*ret_len = z.total_out;
	deflateEnd(&z);
	if (r != Z_STREAM_END)
		return -EIO;
	*ret = TAKE_PTR(out);
	return 0;
}

/*
 * The body's ownership moves to the response (MHD_RESPMEM_MUST_FREE): MHD frees it when the last
 * connection that queued it is done.  That is what lets a reload drop old content while a slow
 * client still reads the old bytes.  Nothing is copied, neither here nor per request.
 */
int http_response_new(char *body, size_t len, const char *content_type, const char *vary, bool gzip,
		      struct MHD_Response **ret)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return -ENOMEM;
	}
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES ||
	    (vary && MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, vary) != MHD_YES) ||
	    (gzip && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip") != MHD_YES)) {
		MHD_destroy_response(resp);
		return -ENOMEM;
	}
	*ret = resp;
	return 0;
}

/* A body and, if the route keeps one, its gzip-compressed copy, as responses; takes @body. */
static int responses_new(const struct http_route *route, const char *content_type, char *body, size_t len,
			 struct MHD_Response *ret[2], size_t *ret_bytes)
{
	_cleanup_free_ char *b = body, *gz = NULL;
	size_t gz_len = 0;
	int r;

	if (route->gzip) {
		r = gzip_compress(b, len, &gz, &gz_len);
		if (r < 0)
			return r;
	}
	r = http_response_new(TAKE_PTR(b), len, content_type, route->vary, false, &ret[0]);
	if (r < 0)
		return r;
	if (gz) {
		r = http_response_new(TAKE_PTR(gz), gz_len, content_type, route->vary, true, &ret[1]);
		if (r < 0)
			return r;
	}
	if (ret_bytes)
		*ret_bytes = len + gz_len;
	return 0;
}

/* One variant of a route: its body, and the gzip-compressed body if the route keeps one. */
static int render_variant(const struct http_render_input *in, const struct http_route *route,
			  const struct http_variant *v, struct MHD_Response *ret[2], size_t *ret_bytes)
{
	char *body = NULL;
	size_t len = 0;
	int r;

	r = v->render(in, v->arg, &body, &len);
	if (r < 0)
		return log_error_errno(r, "Failed to render %s (%s): %m", route->path, v->content_type);
	r = responses_new(route, v->content_type, body, len, ret, ret_bytes);
	if (r < 0)
		return log_error_errno(r, "Failed to prepare the responses of %s (%s): %m", route->path,
				       v->content_type);
	return 0;
}

static void report_unref(struct report_ref *r)
{
	if (!r || atomic_fetch_sub_explicit(&r->n_ref, 1, memory_order_acq_rel) != 1)
		return;
	report_free(r->report);
	free(r);
}

/* Renders @routes from @report, which the caller keeps on failure. */
static int content_render(struct report_ref *report, uint32_t routes, const struct report_exporter *x,
			  struct http_content **ret)
{
	_cleanup_(http_content_unrefp) struct http_content *c = NULL;
	const struct http_render_input in = { .report = report->report, .exporter = x,
					      .routes = routes & http_routes_all };
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return log_oom();
	atomic_init(&c->n_ref, 1);
	pthread_mutex_init(&c->views_lock, NULL);
	c->routes = in.routes;

	for (size_t i = 0; i < http_n_routes; i++) {
		const struct http_route *route = &http_routes[i];

		if (!(c->routes & http_route_bit(route)))
			continue;	/* switched off: not worth its memory */
		for (size_t v = 0; v < HTTP_MAX_VARIANTS && route->variants[v].render; v++) {
			size_t bytes = 0;

			r = render_variant(&in, route, &route->variants[v], c->responses[i][v], &bytes);
			if (r < 0)
				return r;	/* c->report is still NULL: the caller keeps @report */
			if (route->render_query && v == 0)
				c->views_budget += 4 * bytes;
		}
	}
	c->views_budget += VIEWS_BUDGET_MIN;

	c->report = report;
	*ret = TAKE_PTR(c);
	return 0;
}

int http_content_new(struct bootmem_report *report, uint32_t routes, const struct report_exporter *x,
		     struct http_content **ret)
{
	struct report_ref *ref;
	int r;

	ref = malloc(sizeof(*ref));
	if (!ref)
		return log_oom();
	atomic_init(&ref->n_ref, 1);
	ref->report = report;
	r = content_render(ref, routes, x, ret);
	if (r < 0)
		free(ref);		/* the caller keeps @report */
	return r;
}

int http_content_with_routes(const struct http_content *c, uint32_t routes, const struct report_exporter *x,
			     struct http_content **ret)
{
	int r;

	atomic_fetch_add_explicit(&c->report->n_ref, 1, memory_order_relaxed);
	r = content_render(c->report, routes, x, ret);
	if (r < 0)
		report_unref(c->report);
	return r;
}

static void view_free(struct query_view *q)
{
	for (size_t i = 0; i < 2; i++)
		if (q->responses[i])
			MHD_destroy_response(q->responses[i]);
	for (size_t i = 0; i < HTTP_MAX_PARAMS; i++)
		free(q->values[i]);
	free(q);
}

struct http_content *http_content_ref(struct http_content *c)
{
	atomic_fetch_add_explicit(&c->n_ref, 1, memory_order_relaxed);
	return c;
}

void http_content_unref(struct http_content *c)
{
	if (!c || atomic_fetch_sub_explicit(&c->n_ref, 1, memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; i < HTTP_MAX_ROUTES; i++)
		for (size_t v = 0; v < HTTP_MAX_VARIANTS; v++)
			for (size_t z = 0; z < 2; z++)
				if (c->responses[i][v][z])
					MHD_destroy_response(c->responses[i][v][z]);
	while (c->views) {
		struct query_view *q = c->views;

		c->views = q->next;
		view_free(q);
	}
	pthread_mutex_destroy(&c->views_lock);
	report_unref(c->report);
	free(c);
}

const char *http_content_summary(const struct http_content *c)
{
	return report_summary(c->report->report);
}

uint32_t http_content_routes(const struct http_content *c)
{
	return c->routes;
}

struct MHD_Response *http_content_get(const struct http_content *c, const struct http_route *route,
				      unsigned variant, bool gzip)
{
	struct MHD_Response *const (*rs)[2] = c->responses[route - http_routes];

	if (variant >= HTTP_MAX_VARIANTS || !rs[variant][0])
		variant = 0;
	return gzip && rs[variant][1] ? rs[variant][1] : rs[variant][0];
}

static bool values_equal(const char *const a[HTTP_MAX_PARAMS], const char *const b[HTTP_MAX_PARAMS])
{
	for (size_t i = 0; i < HTTP_MAX_PARAMS; i++)
		if (!!a[i] != !!b[i] || (a[i] && strcmp(a[i], b[i]) != 0))
			return false;
	return true;
}

static struct query_view *view_find(const struct http_content *c, const struct http_route *route,
				    const char *const values[HTTP_MAX_PARAMS])
{
	for (struct query_view *q = c->views; q; q = q->next)
		if (q->route == route && values_equal((const char *const *) q->values, values))
			return q;
	return NULL;
}

static struct MHD_Response *view_response(const struct query_view *q, bool gzip)
{
	return gzip && q->responses[1] ? q->responses[1] : q->responses[0];
}

int http_content_query_cached(struct http_content *c, const struct http_route *route,
			      const char *const values[HTTP_MAX_PARAMS], bool gzip, struct MHD_Response **ret)
{
	struct query_view *q;

	pthread_mutex_lock(&c->views_lock);
	q = view_find(c, route, values);
	*ret = q ? view_response(q, gzip) : NULL;
	pthread_mutex_unlock(&c->views_lock);
	return q ? 0 : -ENOENT;
}

int http_content_query(struct http_content *c, const struct http_route *route,
		       const char *const values[HTTP_MAX_PARAMS], bool gzip, struct MHD_Response **ret,
		       bool *ret_owned)
{
	const struct http_render_input in = { .report = c->report->report, .routes = c->routes };
	struct query_view *q;
	char *body = NULL;
	size_t len = 0, bytes = 0;
	int r;

	if (http_content_query_cached(c, route, values, gzip, ret) == 0) {
		*ret_owned = false;
		return 0;
	}

	r = route->render_query(&in, values, &body, &len);
	if (r < 0)
		return r;
	q = calloc(1, sizeof(*q));
	if (!q) {
		free(body);
		return -ENOMEM;
	}
	q->route = route;
	r = responses_new(route, route->variants[0].content_type, body, len, q->responses, &bytes);
	bytes += VIEW_OVERHEAD;
	for (size_t i = 0; r >= 0 && i < HTTP_MAX_PARAMS; i++)
		if (values[i] && !(q->values[i] = strdup(values[i])))
			r = -ENOMEM;
	if (r < 0) {
		view_free(q);
		return r;
	}

	pthread_mutex_lock(&c->views_lock);
	if (view_find(c, route, values) || c->views_bytes + bytes > c->views_budget) {
		/* Rendered twice at once, or over the budget: this one serves its request and goes. */
		pthread_mutex_unlock(&c->views_lock);
		*ret = view_response(q, gzip);
		/* The response lives on in MHD's hands; the view's other copy goes now. */
		for (size_t i = 0; i < 2; i++)
			if (q->responses[i] && q->responses[i] != *ret)
				MHD_destroy_response(q->responses[i]);
		q->responses[0] = q->responses[1] = NULL;
		view_free(q);
		*ret_owned = true;
		return 0;
	}
	q->next = c->views;
	c->views = q;
	c->views_bytes += bytes;
	*ret = view_response(q, gzip);
	pthread_mutex_unlock(&c->views_lock);
	*ret_owned = false;
	return 0;
}

size_t http_content_views_bytes(struct http_content *c)
{
	size_t n;

	pthread_mutex_lock(&c->views_lock);
	n = c->views_bytes;
	pthread_mutex_unlock(&c->views_lock);
	return n;
}
