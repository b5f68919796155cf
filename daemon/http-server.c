/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <jansson.h>
#include <microhttpd.h>

#include "auth.h"
#include "http-accept.h"
#include "http-connections.h"
#include "http-content.h"
#include "http-framing.h"
#include "http-listen.h"
#include "http-routes.h"
#include "http-server.h"
#include "http-worker.h"
#include "log.h"
#include "util.h"

#define CT_JSON			"application/json"
#define CT_TEXT			"text/plain; charset=utf-8"
#define ALLOWED_METHODS		"GET, HEAD"

/*
 * MHD refuses connections past its own limit before we hear of them: it gets ours plus room for
 * the ones being closed to make space (MHD accepts at most 11 in one turn of its loop, and
 * closes them at the end of it) and the watchdog's.
 */
#define MHD_LIMIT_HEADROOM 32
/* Jobs waiting for the worker: bcrypt checks (one per client address at a time) and renders. */
#define WORKER_QUEUE 32
/* How often the worker closes the connections past their deadlines. */
#define SWEEP_USEC 250000ULL
/* The watchdog's own connection: what it sends, and how long setting it up may take. */
#define WATCHDOG_REQUEST "GET /.watchdog HTTP/1.1\r\nHost: localhost\r\n\r\n"
#define WATCHDOG_SETUP_USEC (5 * 1000000ULL)

#define container_of(ptr, type, member) ((type *) ((char *) (ptr) - offsetof(type, member)))

struct http_server;

/*
 * One listening socket, one MHD daemon and its thread.  The watchdog owns one connection of it
 * (a socket pair): a request that stays suspended, which http_server_check_alive() resumes; only
 * this daemon's thread can answer, and it needs no free connection slot to.
 */
struct listener {
	struct http_server *server;
	struct MHD_Daemon *daemon;
	struct http_conns *conns;
	char name[128];
	bool tls;

	pthread_mutex_t wd_lock;
	pthread_cond_t wd_cond;		/* CLOCK_MONOTONIC */
	int wd_fd, wd_mhd_fd;		/* our end of the pair, and MHD's */
	gnutls_session_t wd_tls;
	gnutls_certificate_credentials_t wd_cred;
	struct MHD_Connection *wd_conn;
	bool wd_suspended, wd_stopping;
	uint64_t wd_beats;
};

enum request_state {
	REQ_NONE,		/* between requests */
	REQ_HEADERS,		/* the headers are in and checked */
	REQ_AUTH,		/* suspended: the worker checks the password */
	REQ_VIEW,		/* suspended: the worker renders a query view */
};

/* Per connection (MHD's socket context), and the request in progress on it (its request context). */
struct conn {
	struct http_conn tracked;	/* in the listener's table */
	struct listener *l;
	struct MHD_Connection *mhd;
	bool internal;			/* the watchdog's */

	enum request_state state;
	const char *target;		/* the raw request target, from the URI log callback */
	size_t target_len;
	struct http_content *content;	/* what the request is answered from */
	const struct http_route *route;
	const char *values[HTTP_MAX_PARAMS];
	char value_buf[HTTP_MAX_PARAMS][256];	/* a repeated parameter's values, joined with commas */
	bool gzip;

	struct http_job job;
	char *user, *password;		/* for the worker's check, wiped after */
	bool auth_ok, cancelled;
	int view_error;
	struct MHD_Response *view;
	bool view_owned;
};

struct http_server {
	struct http_options opts;

	pthread_mutex_t lock;		/* guards content and the list of listeners */
	struct http_content *content;

	/* Static bodies, shared by every daemon. */
	struct MHD_Response *not_found, *method_not_allowed, *unauthorized, *bad_request, *unavailable;

	struct listener **listeners;
	size_t n_listeners, n_listeners_cap;

	struct http_worker *worker;
	atomic_bool starting;		/* MHD's messages are errors while a daemon starts, debug after */
};

static struct http_content *server_get_content(struct http_server *s)
{
	struct http_content *c;

	pthread_mutex_lock(&s->lock);
	c = http_content_ref(s->content);
	pthread_mutex_unlock(&s->lock);
	return c;
}

void http_server_set_content(struct http_server *s, struct http_content *content)
{
	struct http_content *old;

	http_content_ref(content);
	pthread_mutex_lock(&s->lock);
	old = s->content;
	s->content = content;
	pthread_mutex_unlock(&s->lock);
	http_content_unref(old);
}

/* The route of @url if it answers in @c (switched on in the configuration), else NULL. */
static const struct http_route *route_of(const struct http_content *c, const char *url)
{
	const struct http_route *route = http_route_find(url);

	return route && (http_content_routes(c) & http_route_bit(route)) ? route : NULL;
}

static enum MHD_Result queue(struct MHD_Connection *conn, const char *method, const char *url,
			     unsigned status, struct MHD_Response *resp)
{
	log_debug("%s %s: %u", method, url, status);
	return MHD_queue_response(conn, status, resp);
}

/* 429 or 503 with Retry-After: come back in @usec. */
static enum MHD_Result queue_retry(struct MHD_Connection *conn, const char *method, const char *url,
				   unsigned status, uint64_t usec)
{
	static const char too_many[] = "429 Too Many Requests\n", unavailable[] = "503 Service Unavailable\n";
	const char *body = status == MHD_HTTP_TOO_MANY_REQUESTS ? too_many : unavailable;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char after[32];

	snprintf(after, sizeof(after), "%llu", (unsigned long long) ((usec + 999999) / 1000000));
	resp = MHD_create_response_from_buffer(strlen(body), (void *) body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, CT_TEXT) != MHD_YES ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, after) != MHD_YES) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = queue(conn, method, url, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * A JSON error body for the API endpoints: {"error": "...", PARAM: VALUE or null, ...}, or
 * {"error": "...", "parameter": NAME} for a parameter the route does not take.
 */
static enum MHD_Result queue_api_error_for(struct MHD_Connection *conn, const char *method, const char *url,
					   unsigned status, const char *message, const struct http_route *route,
					   const char *const *values, const char *parameter)
{
	json_auto_t *j = NULL;		/* jansson's own cleanup attribute */
	struct MHD_Response *resp = NULL;
	enum MHD_Result ret;
	char *body;

	j = json_pack("{s:s}", "error", message);
	/* json_string() refuses invalid UTF-8: then the error goes without the client's values. */
	for (size_t i = 0; j && i < HTTP_MAX_PARAMS && route->params[i]; i++)
		if (json_object_set_new(j, route->params[i],
					values && values[i] ? json_string(values[i]) : json_null()) < 0) {
			json_decref(j);
			j = json_pack("{s:s}", "error", message);
			break;
		}
	if (j && parameter && json_object_set_new(j, "parameter", json_string(parameter)) < 0) {
		json_decref(j);
		j = json_pack("{s:s}", "error", message);
	}
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!body || http_response_new(body, strlen(body), CT_JSON, NULL, false, &resp) < 0)
		return MHD_NO;		/* out of memory: MHD closes the connection */

	ret = queue(conn, method, url, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result queue_api_error(struct MHD_Connection *conn, const char *method, const char *url,
				       unsigned status, const char *message, const struct http_route *route,
				       const char *const *values)
{
	return queue_api_error_for(conn, method, url, status, message, route, values, NULL);
}

/* ---- the request's state, from its request line to its completion ---- */

static void request_reset(struct conn *c)
{
	if (c->password) {
		explicit_bzero(c->password, strlen(c->password));
		free(c->password);
	}
	free(c->user);
	if (c->view && c->view_owned)
		MHD_destroy_response(c->view);
	http_content_unref(c->content);
	c->user = c->password = NULL;
	c->view = NULL;
	c->content = NULL;
	c->route = NULL;
	c->state = REQ_NONE;
	c->target = NULL;
	c->cancelled = c->auth_ok = false;
}

static void notify_connection(void *userdata, struct MHD_Connection *mc, void **socket_context,
			      enum MHD_ConnectionNotificationCode code)
{
	struct listener *l = userdata;
	struct conn *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *sa = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		socklen_t len = 0;

		c = calloc(1, sizeof(*c));
		if (!c) {
			/* No state, no service: end it the way a refusal does. */
			if (fd)
				(void) shutdown(fd->connect_fd, SHUT_RDWR);
			return;
		}
		c->l = l;
		c->mhd = mc;
		*socket_context = c;
		if (fd && fd->connect_fd == l->wd_mhd_fd) {
			c->internal = true;
			return;
		}
		if (sa && sa->client_addr)
			len = sa->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								      : sizeof(struct sockaddr_in);
		if (!http_conns_add(l->conns, &c->tracked, fd ? fd->connect_fd : -1, sa ? sa->client_addr : NULL,
				    len, util_now_usec()))
			log_debug("%s: no room for a new connection, and none to make room with.", l->name);
		return;
	}

	/* MHD_CONNECTION_NOTIFY_CLOSED: MHD closes the descriptor right after. */
	if (!c)
		return;
	if (!c->internal)
		http_conns_remove(l->conns, &c->tracked);
	request_reset(c);
	free(c);
	*socket_context = NULL;
}

/* The request line is in: the request's context is the connection's, and the raw target is noted. */
static void *uri_logger(void *userdata, const char *uri, struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *c = info ? info->socket_context : NULL;

	if (c) {
		c->target = uri;
		c->target_len = strlen(uri);
	}
	return c;
}

static void request_completed(void *userdata, struct MHD_Connection *mc, void **req_cls,
			      enum MHD_RequestTerminationCode code)
{
	struct conn *c = *req_cls;

	if (!c)
		return;
	request_reset(c);
	if (!c->internal)
		http_conns_done(c->l->conns, &c->tracked, util_now_usec());
}

/* ---- strict framing (http-framing.h) ---- */

struct header_list {
	struct http_header *v;
	size_t n, cap;
	bool oom;
};

static enum MHD_Result collect_header(void *userdata, enum MHD_ValueKind kind, const char *key, size_t key_size,
				      const char *value, size_t value_size)
{
	struct header_list *l = userdata;

	if (GROW(l->v, l->cap, l->n + 1) < 0) {
		l->oom = true;
		return MHD_NO;
	}
	l->v[l->n++] = (struct http_header) { key, key_size, value ?: "", value ? value_size : 0 };
	return MHD_YES;
}

/* NULL when the head is sound, else what is wrong with it. */
static const char *check_framing(struct conn *c, const char *method, const char *version, bool bodyless)
{
	const union MHD_ConnectionInfo *size = MHD_get_connection_info(c->mhd, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	_cleanup_free_ struct http_header *v = NULL;
	struct header_list l = {};
	const char *why;

	MHD_get_connection_values_n(c->mhd, MHD_HEADER_KIND, collect_header, &l);
	v = l.v;
	if (l.oom)
		return "out of memory";
	why = http_framing_check(&(struct http_request_head) {
		.start = method,
		.size = size ? size->header_size : 0,
		.version = version,
		.target = c->target,
		.target_len = c->target_len,
		.headers = l.v,
		.n_headers = l.n,
		.bodyless = bodyless,
	});
	return why;
}

/* ---- the worker's jobs: password checks and query views ---- */

static void suspend_conn(void *userdata)
{
	struct conn *c = userdata;

	MHD_suspend_connection(c->mhd);
	http_conns_suspended(c->l->conns, &c->tracked, true);
}

/* The client's address as the backoff knows sources: its bytes. */
static const void *source_of(const struct conn *c, size_t *len)
{
	*len = c->tracked.addr_len;
	return c->tracked.addr;
}

static void run_job(struct http_job *job, bool cancelled)
{
	struct conn *c = container_of(job, struct conn, job);
	struct http_server *s = c->l->server;
	size_t len;
	const void *src = source_of(c, &len);

	c->cancelled = cancelled;
	if (c->state == REQ_AUTH) {
		if (cancelled)
			auth_source_cancel(s->opts.auth, src, len);
		else {
			c->auth_ok = auth_authorize(s->opts.auth, c->user, c->password);
			auth_source_end(s->opts.auth, src, len, c->auth_ok, util_now_usec());
		}
		explicit_bzero(c->password, strlen(c->password));
	} else if (c->state == REQ_VIEW && !cancelled)
		c->view_error = http_content_query(c->content, c->route, c->values, c->gzip, &c->view, &c->view_owned);

	http_conns_suspended(c->l->conns, &c->tracked, false);
	MHD_resume_connection(c->mhd);
}

/* Hands the request to the worker and suspends it; false when the worker cannot take it. */
static bool submit(struct conn *c, enum request_state state)
{
	enum request_state old = c->state;
	int r;

	c->state = state;
	c->job.run = run_job;
	r = http_worker_submit(c->l->server->worker, &c->job, suspend_conn, c);
	if (r < 0) {
		c->state = old;
		log_debug("The worker takes no job now: %s", strerror(-r));
		return false;
	}
	return true;
}

/* ---- dispatch ---- */

/*
 * The query string, parameter by parameter: a repeated parameter's values are joined with
 * commas (?kind=free&kind=reserve is kind=free,reserve: any of them); "?kind=" is no filter, as
 * an empty form field would send it.
 */
struct query {
	struct conn *c;
	const char *unknown;	/* the first parameter the route does not take */
	bool too_long;
};

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct query *q = cls;
	const struct http_route *route = q->c->route;
	char *buf;
	size_t i, n;

	for (i = 0; i < HTTP_MAX_PARAMS && route->params[i]; i++)
		if (strcmp(key, route->params[i]) == 0)
			break;
	if (i == HTTP_MAX_PARAMS || !route->params[i]) {
		if (!q->unknown)
			q->unknown = key;
		return MHD_YES;
	}
	if (!value || !*value)
		return MHD_YES;
	buf = q->c->value_buf[i];
	n = strlen(buf);
	if (n + !!n + strlen(value) >= sizeof(q->c->value_buf[i])) {
		q->too_long = true;
		return MHD_YES;
	}
	if (n)
		buf[n++] = ',';
	strcpy(buf + n, value);
	return MHD_YES;
}

/* Reads the query into c->values; false when it selects no view. */
static bool query_values(struct conn *c, struct query *q)
{
	bool any = false;

	*q = (struct query){ .c = c };
	memset(c->value_buf, 0, sizeof(c->value_buf));
	MHD_get_connection_values(c->mhd, MHD_GET_ARGUMENT_KIND, query_arg, q);
	for (size_t i = 0; i < HTTP_MAX_PARAMS; i++) {
		c->values[i] = c->route->params[i] && c->value_buf[i][0] ? c->value_buf[i] : NULL;
		any |= !!c->values[i];
	}
	return any;
}

static enum MHD_Result serve_view(struct conn *c, const char *method, const char *url)
{
	const struct http_route *route = c->route;
	enum MHD_Result ret;

	if (c->cancelled)
		return queue(c->mhd, method, url, MHD_HTTP_SERVICE_UNAVAILABLE, c->l->server->unavailable);
	if (c->view_error == -EINVAL)
		return queue_api_error(c->mhd, method, url, MHD_HTTP_BAD_REQUEST, route->query_error, route, c->values);
	if (c->view_error < 0) {
		log_warning_errno(c->view_error, "Failed to render %s: %m", url);
		return queue_api_error(c->mhd, method, url, MHD_HTTP_INTERNAL_SERVER_ERROR, "failed to render", route,
				       NULL);
	}
	ret = queue(c->mhd, method, url, MHD_HTTP_OK, c->view);
	/* An owned view goes when the request does (request_reset()), after MHD took its reference. */
	return ret;
}

/* Dispatch: the route's row says everything (http-routes.h). */
static enum MHD_Result serve(struct conn *c, const char *method, const char *url)
{
	const struct http_route *route = c->route;
	struct MHD_Response *resp;
	struct query q = { .c = c };
	unsigned variant = 0;
	bool view = false;

	c->gzip = route->gzip &&
		http_accepts_gzip(MHD_lookup_connection_value(c->mhd, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
	if (route->strict_query || route->render_query)
		view = query_values(c, &q) && route->render_query;
	if (route->strict_query && q.unknown)
		return queue_api_error_for(c->mhd, method, url, MHD_HTTP_BAD_REQUEST, "unknown query parameter", route,
					   NULL, q.unknown);
	if (q.too_long)
		return queue_api_error(c->mhd, method, url, MHD_HTTP_BAD_REQUEST, "query too long", route, NULL);
	if (view) {
		/* A view rendered before is served here; a new one is rendered on the worker. */
		if (http_content_query_cached(c->content, route, c->values, c->gzip, &resp) == 0)
			return queue(c->mhd, method, url, MHD_HTTP_OK, resp);
		if (submit(c, REQ_VIEW))
			return MHD_YES;
		return queue_retry(c->mhd, method, url, MHD_HTTP_SERVICE_UNAVAILABLE, 1000000);
	}
	if (route->negotiate)
		variant = route->negotiate(MHD_lookup_connection_value(c->mhd, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT));
	/* HEAD: MHD sends the same headers, Content-Length included, and no body. */
	return queue(c->mhd, method, url, MHD_HTTP_OK, http_content_get(c->content, route, variant, c->gzip));
}

static enum MHD_Result unauthorized(struct conn *c, const char *method, const char *url)
{
	log_debug("%s %s: 401", method, url);
	/*
	 * Not MHD_queue_basic_auth_fail_response(): it adds WWW-Authenticate to the response it is
	 * given, and this one is shared by every thread and request (the header piled up).
	 */
	return MHD_queue_response(c->mhd, MHD_HTTP_UNAUTHORIZED, c->l->server->unauthorized);
}

/*
 * Basic auth without bcrypt where requests are served: a remembered login is answered here, a new
 * one goes to the worker (one at a time per client address, and not at all while the address
 * backs off after failures).
 */
static enum MHD_Result authorize_and_serve(struct conn *c, const char *method, const char *url)
{
	struct auth *a = c->l->server->opts.auth;
	char *user, *password = NULL;
	uint64_t wait;
	size_t len;
	const void *src;

	if (!a || auth_open(a))
		return serve(c, method, url);
	user = MHD_basic_auth_get_username_password(c->mhd, &password);
	if (!user || !password) {
		MHD_free(user);
		MHD_free(password);
		return unauthorized(c, method, url);
	}
	if (auth_remembered(a, user, password)) {
		explicit_bzero(password, strlen(password));
		MHD_free(user);
		MHD_free(password);
		return serve(c, method, url);
	}

	src = source_of(c, &len);
	if (auth_source_begin(a, src, len, util_now_usec(), &wait) < 0) {
		explicit_bzero(password, strlen(password));
		MHD_free(user);
		MHD_free(password);
		return queue_retry(c->mhd, method, url, MHD_HTTP_TOO_MANY_REQUESTS, wait);
	}
	c->user = strdup(user);
	c->password = strdup(password);
	explicit_bzero(password, strlen(password));
	MHD_free(user);
	MHD_free(password);
	if (c->user && c->password && submit(c, REQ_AUTH))
		return MHD_YES;
	auth_source_cancel(a, src, len);
	return queue_retry(c->mhd, method, url, MHD_HTTP_SERVICE_UNAVAILABLE, 1000000);
}

/* The watchdog's request: each call is a heartbeat, then it waits, suspended, for the next check. */
static enum MHD_Result watchdog_beat(struct conn *c, size_t *upload_data_size)
{
	struct listener *l = c->l;

	if (c->state == REQ_NONE || *upload_data_size > 0) {
		c->state = REQ_HEADERS;
		*upload_data_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&l->wd_lock);
	if (l->wd_stopping) {
		pthread_mutex_unlock(&l->wd_lock);
		return MHD_NO;		/* closes it: the server stops */
	}
	l->wd_conn = c->mhd;
	MHD_suspend_connection(c->mhd);
	l->wd_suspended = true;
	l->wd_beats++;
	pthread_cond_broadcast(&l->wd_cond);
	pthread_mutex_unlock(&l->wd_lock);
	return MHD_YES;
}

static enum MHD_Result handle_request(void *userdata, struct MHD_Connection *mc, const char *url,
				      const char *method, const char *version, const char *upload_data,
				      size_t *upload_data_size, void **req_cls)
{
	struct listener *l = userdata;
	struct http_server *s = l->server;
	struct conn *c = *req_cls;
	bool get_or_head = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	const char *why;

	if (!c)
		return MHD_NO;		/* no state (out of memory at its start): close */
	if (c->internal)
		return watchdog_beat(c, upload_data_size);

	switch (c->state) {
	case REQ_NONE:
		/*
		 * MHD calls us once when the headers are in, then for the body, then once more at its
		 * end.  Everything that can be refused from the headers is refused now, before a byte
		 * of a body is read: MHD then closes the connection instead of reading it.  GET and HEAD
		 * are answered at the last call, after MHD has seen the whole request, which keeps the
		 * connection alive for the next scrape (answering at the first call makes MHD 0.9.75
		 * close it).
		 */
		c->state = REQ_HEADERS;
		http_conns_busy(l->conns, &c->tracked, util_now_usec());
		why = check_framing(c, method, version, get_or_head);
		if (why) {
			log_debug("%s %s: 400, %s", method, url, why);
			return MHD_queue_response(mc, MHD_HTTP_BAD_REQUEST, s->bad_request);
		}
		c->content = server_get_content(s);
		if (!get_or_head)
			return route_of(c->content, url) ? queue(mc, method, url, MHD_HTTP_METHOD_NOT_ALLOWED,
								  s->method_not_allowed)
							  : queue(mc, method, url, MHD_HTTP_NOT_FOUND, s->not_found);
		return MHD_YES;

	case REQ_HEADERS:
		if (*upload_data_size > 0) {
			*upload_data_size = 0;	/* cannot happen: a body was refused above */
			return MHD_YES;
		}
		c->route = route_of(c->content, url);
		if (!c->route)
			return queue(mc, method, url, MHD_HTTP_NOT_FOUND, s->not_found);
		return authorize_and_serve(c, method, url);

	case REQ_AUTH:			/* resumed: the worker checked the password */
		if (c->cancelled)
			return queue(mc, method, url, MHD_HTTP_SERVICE_UNAVAILABLE, s->unavailable);
		c->state = REQ_HEADERS;
		if (!c->auth_ok)
			return unauthorized(c, method, url);
		return serve(c, method, url);

	case REQ_VIEW:			/* resumed: the worker rendered the view */
		c->state = REQ_HEADERS;
		return serve_view(c, method, url);
	}
	return MHD_NO;
}

__attribute__((format(printf, 2, 0)))
static void mhd_logger(void *userdata, const char *fmt, va_list ap)
{
	struct http_server *s = userdata;
	char buf[512];
	size_t n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';

	/*
	 * Once running, MHD reports per-connection trouble (a client's bad request, a connection over
	 * the limit): a client can cause any amount of it, so it is debug output.
	 */
	log_full(atomic_load(&s->starting) ? LOG_ERR : LOG_DEBUG, "libmicrohttpd: %s", buf);
}

static int static_response(const char *body, const char *content_type, const char *header, const char *value,
			   struct MHD_Response **ret)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(strlen(body), (void *) body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return -ENOMEM;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES ||
	    (header && MHD_add_response_header(resp, header, value) != MHD_YES)) {
		MHD_destroy_response(resp);
		return -ENOMEM;
	}
	*ret = resp;
	return 0;
}

/* The worker's tick: the deadlines of every listener's connections. */
static void sweep(void *userdata)
{
	struct http_server *s = userdata;
	uint64_t now = util_now_usec();

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_listeners; i++)
		http_conns_sweep(s->listeners[i]->conns, now);
	pthread_mutex_unlock(&s->lock);
}

int http_server_new(const struct http_options *opts, struct http_content *content, struct http_server **ret)
{
	_cleanup_(http_server_freep) struct http_server *s = NULL;
	int r;

	if (!!opts->tls_cert_pem != !!opts->tls_key_pem)
		return -EINVAL;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->opts = *opts;
	pthread_mutex_init(&s->lock, NULL);
	s->content = http_content_ref(content);

	if (static_response("404 Not Found\n", CT_TEXT, NULL, NULL, &s->not_found) < 0 ||
	    static_response("405 Method Not Allowed\n", CT_TEXT, MHD_HTTP_HEADER_ALLOW, ALLOWED_METHODS,
			    &s->method_not_allowed) < 0 ||
	    static_response("401 Unauthorized\n", CT_TEXT, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
			    "Basic realm=\"bootmemd\", charset=\"UTF-8\"", &s->unauthorized) < 0 ||
	    /* "Connection: close": nothing after a malformed head can be trusted to be a request. */
	    static_response("400 Bad Request\n", CT_TEXT, MHD_HTTP_HEADER_CONNECTION, "close", &s->bad_request) < 0 ||
	    static_response("503 Service Unavailable\n", CT_TEXT, MHD_HTTP_HEADER_RETRY_AFTER, "1",
			    &s->unavailable) < 0)
		return -ENOMEM;

	r = http_worker_new(WORKER_QUEUE, SWEEP_USEC, sweep, s, &s->worker);
	if (r < 0)
		return r;

	*ret = TAKE_PTR(s);
	return 0;
}

/* ---- the watchdog's connection ---- */

static int wait_cond(struct listener *l, uint64_t deadline)
{
	struct timespec ts = { .tv_sec = deadline / 1000000, .tv_nsec = (deadline % 1000000) * 1000 };

	return pthread_cond_timedwait(&l->wd_cond, &l->wd_lock, &ts);
}

/* A TLS listener's watchdog connection speaks TLS too: we are its client, with no need to verify. */
static int watchdog_tls(struct listener *l, uint64_t timeout_usec)
{
	int g;

	if (gnutls_certificate_allocate_credentials(&l->wd_cred) < 0)
		return -ENOMEM;
	if (gnutls_init(&l->wd_tls, GNUTLS_CLIENT) < 0) {
		l->wd_tls = NULL;
		return -ENOMEM;
	}
	if (gnutls_set_default_priority(l->wd_tls) < 0 ||
	    gnutls_credentials_set(l->wd_tls, GNUTLS_CRD_CERTIFICATE, l->wd_cred) < 0)
		return -EIO;
	gnutls_transport_set_int(l->wd_tls, l->wd_fd);
	gnutls_handshake_set_timeout(l->wd_tls, (unsigned) (timeout_usec / 1000));
	do
		g = gnutls_handshake(l->wd_tls);
	while (g < 0 && !gnutls_error_is_fatal(g));
	if (g < 0) {
		log_debug("Watchdog connection to %s: TLS handshake failed: %s", l->name, gnutls_strerror(g));
		return -EPROTO;
	}
	do
		g = (int) gnutls_record_send(l->wd_tls, WATCHDOG_REQUEST, strlen(WATCHDOG_REQUEST));
	while (g == GNUTLS_E_AGAIN || g == GNUTLS_E_INTERRUPTED);
	return g < 0 ? -EIO : 0;
}

static int watchdog_open(struct listener *l)
{
	const struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t deadline = util_now_usec() + WATCHDOG_SETUP_USEC;
	struct timeval tv = { .tv_sec = WATCHDOG_SETUP_USEC / 1000000 };
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	l->wd_fd = sv[0];
	l->wd_mhd_fd = sv[1];
	(void) setsockopt(l->wd_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void) setsockopt(l->wd_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* MHD owns sv[1] from here on, also when it refuses it. */
	if (MHD_add_connection(l->daemon, sv[1], (const struct sockaddr *) &sa, sizeof(sa)) != MHD_YES)
		return errno > 0 ? -errno : -EIO;
	if (l->tls)
		r = watchdog_tls(l, WATCHDOG_SETUP_USEC);
	else
		r = send(l->wd_fd, WATCHDOG_REQUEST, strlen(WATCHDOG_REQUEST), MSG_NOSIGNAL) < 0 ? -errno : 0;
	if (r < 0)
		return r;

	pthread_mutex_lock(&l->wd_lock);
	while (!l->wd_suspended && util_now_usec() < deadline)
		wait_cond(l, deadline);
	r = l->wd_suspended ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&l->wd_lock);
	return r;
}

/* Lets the watchdog's request go, so that MHD can stop: it must not stop with a suspended connection. */
static void watchdog_release(struct listener *l)
{
	pthread_mutex_lock(&l->wd_lock);
	l->wd_stopping = true;
	if (l->wd_suspended) {
		l->wd_suspended = false;
		MHD_resume_connection(l->wd_conn);
	}
	pthread_mutex_unlock(&l->wd_lock);
}

static void listener_free(struct listener *l)
{
	if (!l)
		return;
	if (l->daemon) {
		watchdog_release(l);
		MHD_stop_daemon(l->daemon);
	}
	if (l->wd_tls)
		gnutls_deinit(l->wd_tls);
	if (l->wd_cred)
		gnutls_certificate_free_credentials(l->wd_cred);
	if (l->wd_fd >= 0)
		close(l->wd_fd);
	http_conns_free(l->conns);
	pthread_cond_destroy(&l->wd_cond);
	pthread_mutex_destroy(&l->wd_lock);
	free(l);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct listener *, listener_free);

static int listener_new(struct http_server *s, int fd, struct listener **ret)
{
	_cleanup_(listener_freep) struct listener *l = NULL;
	const struct http_conns_limits limits = {
		.limit = s->opts.connection_limit,
		.per_address = s->opts.per_ip_connection_limit,
		.header_usec = s->opts.header_timeout_sec * 1000000ULL,
		.idle_usec = s->opts.connection_timeout_sec * 1000000ULL,
	};
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	pthread_condattr_t ca;
	int r;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->server = s;
	l->wd_fd = l->wd_mhd_fd = -1;
	l->tls = !!s->opts.tls_cert_pem;
	pthread_mutex_init(&l->wd_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->wd_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (getsockname(fd, (struct sockaddr *) &sa, &len) < 0)
		snprintf(l->name, sizeof(l->name), "fd %d", fd);
	else
		listen_address_format((struct sockaddr *) &sa, len, l->name, sizeof(l->name));
	r = http_conns_new(&limits, &l->conns);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(l);
	return 0;
}

int http_server_add_listener(struct http_server *s, int fd)
{
	_cleanup_(listener_freep) struct listener *l = NULL;
	struct MHD_OptionItem options[20];
	unsigned flags;
	size_t n = 0;
	int r;

	r = listener_new(s, fd, &l);
	if (r < 0) {
		close(fd);
		return r;
	}

	/*
	 * One polling thread per socket, epoll.  MHD_USE_ITC: MHD wakes its thread through its own
	 * pipe, never by shutdown() of the listening socket, which the service manager may share
	 * (systemd's journal-gatewayd does the same).  Suspend and resume: for the worker's jobs and
	 * the watchdog's connection.
	 */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ERROR_LOG;

	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_LISTEN_SOCKET, fd, NULL };
	/* The limits are ours (http-connections.h): MHD's only catch what gets past them. */
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_LIMIT,
						 s->opts.connection_limit + MHD_LIMIT_HEADROOM + 1, NULL };
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_TIMEOUT, s->opts.connection_timeout_sec, NULL };
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_MEMORY_LIMIT,
						 (intptr_t) s->opts.connection_memory_limit, NULL };
	/* What MHD refuses itself (a missing Host, spaces in the target); http-framing.c does the rest. */
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL };
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_NOTIFY_CONNECTION, (intptr_t) notify_connection, l };
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) request_completed, l };
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_URI_LOG_CALLBACK, (intptr_t) uri_logger, l };
	if (s->opts.tls_cert_pem) {
		flags |= MHD_USE_TLS;
		options[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_CERT, 0, (void *) s->opts.tls_cert_pem };
		options[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_KEY, 0, (void *) s->opts.tls_key_pem };
	}
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_END, 0, NULL };

	atomic_store(&s->starting, true);
	l->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle_request, l,
				      /* the logger must come first to catch the messages about the options */
				      MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,
				      MHD_OPTION_ARRAY, options, MHD_OPTION_END);
	atomic_store(&s->starting, false);
	if (!l->daemon) {
		close(fd);
		return log_error_errno(EIO, "Failed to start the HTTP server on %s.", l->name);
	}
	r = watchdog_open(l);
	if (r < 0)
		return log_error_errno(r, "Failed to set up the watchdog's connection to %s: %m", l->name);

	pthread_mutex_lock(&s->lock);
	r = GROW(s->listeners, s->n_listeners_cap, s->n_listeners + 1);
	if (r >= 0)
		s->listeners[s->n_listeners++] = l;
	pthread_mutex_unlock(&s->lock);
	if (r < 0)
		return log_oom();
	log_info("Listening on %s%s.", l->name, l->tls ? " (TLS)" : "");
	TAKE_PTR(l);
	return 0;
}

/* Resumes the watchdog's request and waits for the heartbeat that only this listener's thread can give. */
static int check_listener(struct listener *l, uint64_t timeout_usec)
{
	uint64_t deadline = util_now_usec() + timeout_usec, want;
	int r;

	pthread_mutex_lock(&l->wd_lock);
	while (!l->wd_suspended && util_now_usec() < deadline)
		wait_cond(l, deadline);
	if (!l->wd_suspended) {
		pthread_mutex_unlock(&l->wd_lock);
		return -ETIMEDOUT;
	}
	want = l->wd_beats + 1;
	l->wd_suspended = false;
	MHD_resume_connection(l->wd_conn);
	while (l->wd_beats < want && util_now_usec() < deadline)
		wait_cond(l, deadline);
	r = l->wd_beats >= want ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&l->wd_lock);
	return r;
}

int http_server_check_alive(struct http_server *s, uint64_t timeout_usec)
{
	for (size_t i = 0; i < s->n_listeners; i++) {
		struct listener *l = s->listeners[i];
		struct http_conns_stats st;
		int r = check_listener(l, timeout_usec);

		if (r < 0)
			return log_warning_errno(r, "HTTP server on %s does not answer: %m", l->name);
		http_conns_get_stats(l->conns, &st);
		log_debug("%s: %u connections; %" PRIu64 " closed to make room, %" PRIu64 " at a deadline, %" PRIu64
			  " refused.", l->name, st.live, st.evicted, st.expired, st.refused);
	}
	return 0;
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	/* First the worker: it resumes what it holds, and new jobs are refused from here on. */
	if (s->worker)
		http_worker_stop(s->worker);
	for (size_t i = 0; i < s->n_listeners; i++)
		listener_free(s->listeners[i]);
	free(s->listeners);
	http_worker_free(s->worker);

	if (s->not_found)
		MHD_destroy_response(s->not_found);
	if (s->method_not_allowed)
		MHD_destroy_response(s->method_not_allowed);
	if (s->unauthorized)
		MHD_destroy_response(s->unauthorized);
	if (s->bad_request)
		MHD_destroy_response(s->bad_request);
	if (s->unavailable)
		MHD_destroy_response(s->unavailable);

	http_content_unref(s->content);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
