/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "http-accept.h"
#include "http-content.h"
#include "http-listen.h"
#include "http-routes.h"
#include "http-server.h"
#include "log.h"
#include "util.h"

#define CT_JSON			"application/json"
#define CT_TEXT			"text/plain; charset=utf-8"
#define ALLOWED_METHODS		"GET, HEAD"

struct listener {
	struct MHD_Daemon *daemon;
	char name[128];
};

struct http_server {
	struct http_options opts;

	pthread_mutex_t lock;		/* guards content */
	struct http_content *content;

	/* Static bodies, shared by every daemon. */
	struct MHD_Response *not_found, *method_not_allowed, *unauthorized;

	struct listener *listeners;
	size_t n_listeners, n_listeners_cap;

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

/* A JSON error body for the API endpoints: {"error": "...", PARAM: VALUE or null, ...}. */
static enum MHD_Result queue_api_error(struct MHD_Connection *conn, const char *method, const char *url,
				       unsigned status, const char *message, const struct http_route *route,
				       const char *const *values)
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
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!body || http_response_new(body, strlen(body), CT_JSON, NULL, false, &resp) < 0)
		return MHD_NO;		/* out of memory: MHD closes the connection */

	ret = queue(conn, method, url, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A view that the query selects (?kind=&tag=), or false when the query selects none. */
static bool query_values(struct MHD_Connection *conn, const struct http_route *route,
			 const char *values[HTTP_MAX_PARAMS])
{
	bool any = false;

	for (size_t i = 0; i < HTTP_MAX_PARAMS; i++) {
		values[i] = route->params[i] ? MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, route->params[i])
					     : NULL;
		/* "?kind=" is no filter, as an empty form field would send it. */
		if (values[i] && !*values[i])
			values[i] = NULL;
		any |= !!values[i];
	}
	return any;
}

static enum MHD_Result serve_query(struct MHD_Connection *conn, const char *method, const char *url,
				   const struct http_content *c, const struct http_route *route,
				   const char *const values[HTTP_MAX_PARAMS])
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int r;

	r = http_content_query(c, route, values, &resp);
	if (r == -EINVAL)
		return queue_api_error(conn, method, url, MHD_HTTP_BAD_REQUEST, route->query_error, route, values);
	if (r < 0) {
		log_warning_errno(r, "Failed to render %s: %m", url);
		return queue_api_error(conn, method, url, MHD_HTTP_INTERNAL_SERVER_ERROR, "failed to render", route,
				       NULL);
	}
	ret = queue(conn, method, url, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Dispatch: the route's row says everything (http-routes.h). */
static enum MHD_Result serve(struct MHD_Connection *conn, const char *method, const char *url,
			     const struct http_content *c, const struct http_route *route)
{
	const char *values[HTTP_MAX_PARAMS];
	unsigned variant = 0;
	bool gzip;

	if (route->render_query && query_values(conn, route, values))
		return serve_query(conn, method, url, c, route, values);
	if (route->negotiate)
		variant = route->negotiate(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT));
	gzip = route->gzip &&
		http_accepts_gzip(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
	/* HEAD: MHD sends the same headers, Content-Length included, and no body. */
	return queue(conn, method, url, MHD_HTTP_OK, http_content_get(c, route, variant, gzip));
}

static bool authorized(struct http_server *s, struct MHD_Connection *conn)
{
	char *user, *password = NULL;
	bool ok;

	if (!s->opts.authorize)
		return true;
	user = MHD_basic_auth_get_username_password(conn, &password);
	ok = s->opts.authorize(s->opts.authorize_userdata, user, password);
	if (password)
		explicit_bzero(password, strlen(password));
	MHD_free(user);
	MHD_free(password);
	return ok;
}

static enum MHD_Result handle_request(void *userdata, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version, const char *upload_data,
				      size_t *upload_data_size, void **req_cls)
{
	struct http_server *s = userdata;
	_cleanup_(http_content_unrefp) struct http_content *c = NULL;
	const struct http_route *route;

	bool get_or_head = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

	/*
	 * MHD calls us once when the headers are in, then for the body, then once more at its end.
	 * Another method may come with a body none of our endpoints takes: answer at once, and MHD
	 * closes the connection instead of reading the body.  GET and HEAD are answered at the last
	 * call, after MHD has seen the whole request, which keeps the connection alive for the next
	 * scrape (answering at the first call makes MHD 0.9.75 close it).
	 */
	if (!*req_cls) {
		*req_cls = (void *) 1;
		if (get_or_head)
			return MHD_YES;
		c = server_get_content(s);
		return route_of(c, url) ? queue(conn, method, url, MHD_HTTP_METHOD_NOT_ALLOWED, s->method_not_allowed)
					: queue(conn, method, url, MHD_HTTP_NOT_FOUND, s->not_found);
	}
	if (*upload_data_size > 0) {
		*upload_data_size = 0;		/* a GET with a body: ignored */
		return MHD_YES;
	}

	c = server_get_content(s);
	route = route_of(c, url);
	if (!route)
		return queue(conn, method, url, MHD_HTTP_NOT_FOUND, s->not_found);
	if (!authorized(s, conn)) {
		log_debug("%s %s: 401", method, url);
		/*
		 * Not MHD_queue_basic_auth_fail_response(): it adds WWW-Authenticate to the response it
		 * is given, and this one is shared by every thread and request (the header piled up).
		 */
		return MHD_queue_response(conn, MHD_HTTP_UNAUTHORIZED, s->unauthorized);
	}
	return serve(conn, method, url, c, route);
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

int http_server_new(const struct http_options *opts, struct http_content *content, struct http_server **ret)
{
	_cleanup_(http_server_freep) struct http_server *s = NULL;

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
			    "Basic realm=\"bootmemd\", charset=\"UTF-8\"", &s->unauthorized) < 0)
		return -ENOMEM;

	*ret = TAKE_PTR(s);
	return 0;
}

int http_server_add_listener(struct http_server *s, int fd)
{
	struct MHD_OptionItem options[16];
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	struct listener *l;
	unsigned flags;
	size_t n = 0;

	if (GROW(s->listeners, s->n_listeners_cap, s->n_listeners + 1) < 0) {
		close(fd);
		return -ENOMEM;
	}
	l = &s->listeners[s->n_listeners];
	*l = (struct listener) {};

	if (getsockname(fd, (struct sockaddr *) &sa, &len) < 0)
		snprintf(l->name, sizeof(l->name), "fd %d", fd);
	else
		listen_address_format((struct sockaddr *) &sa, len, l->name, sizeof(l->name));

	/*
	 * One polling thread per socket, epoll.  MHD_USE_ITC: MHD wakes its thread through its own
	 * pipe, never by shutdown() of the listening socket, which the service manager may share
	 * (systemd's journal-gatewayd does the same).
	 */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;

	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_LISTEN_SOCKET, fd, NULL };
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_LIMIT, s->opts.connection_limit, NULL };
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_PER_IP_CONNECTION_LIMIT,
						 s->opts.per_ip_connection_limit, NULL };
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_TIMEOUT, s->opts.connection_timeout_sec, NULL };
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_MEMORY_LIMIT,
						 (intptr_t) s->opts.connection_memory_limit, NULL };
	/* Refuse what RFC 9112 says a server must refuse (a missing Host, whitespace before a colon, ...). */
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL };
	if (s->opts.tls_cert_pem) {
		flags |= MHD_USE_TLS;
		options[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_CERT, 0, (void *) s->opts.tls_cert_pem };
		options[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_KEY, 0, (void *) s->opts.tls_key_pem };
	}
	options[n++] = (struct MHD_OptionItem) { MHD_OPTION_END, 0, NULL };

	atomic_store(&s->starting, true);
	l->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle_request, s,
				      /* the logger must come first to catch the messages about the options */
				      MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,
				      MHD_OPTION_ARRAY, options, MHD_OPTION_END);
	atomic_store(&s->starting, false);
	if (!l->daemon) {
		close(fd);
		return log_error_errno(EIO, "Failed to start the HTTP server on %s.", l->name);
	}
	s->n_listeners++;
	log_info("Listening on %s%s.", l->name, s->opts.tls_cert_pem ? " (TLS)" : "");
	return 0;
}

static int check_listener(struct listener *l, uint64_t timeout_usec)
{
	static const char request[] = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
	const struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t deadline = util_now_usec() + timeout_usec;
	_cleanup_close_ int fd = -1;
	int sv[2];
	char buf[64];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fd = sv[0];
	/* MHD owns sv[1] from here on, also when it refuses it. */
	if (MHD_add_connection(l->daemon, sv[1], (const struct sockaddr *) &sa, sizeof(sa)) != MHD_YES)
		return errno > 0 ? -errno : -EIO;
	/*
	 * A TLS listener answers the plain request with an alert or by closing: either proves that
	 * its thread runs, and so does any HTTP status.
	 */
	if (send(fd, request, sizeof(request) - 1, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET)
		return -errno;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = util_now_usec();
		ssize_t n;

		if (now >= deadline)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int) ((deadline - now + 999) / 1000));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		return 0;	/* bytes, EOF or a reset: the thread is there */
	}
}

int http_server_check_alive(struct http_server *s, uint64_t timeout_usec)
{
	for (size_t i = 0; i < s->n_listeners; i++) {
		int r = check_listener(&s->listeners[i], timeout_usec);

		if (r < 0)
			return log_warning_errno(r, "HTTP server on %s does not answer: %m", s->listeners[i].name);
	}
	return 0;
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_listeners; i++)
		MHD_stop_daemon(s->listeners[i].daemon);
	free(s->listeners);

	if (s->not_found)
		MHD_destroy_response(s->not_found);
	if (s->method_not_allowed)
		MHD_destroy_response(s->method_not_allowed);
	if (s->unauthorized)
		MHD_destroy_response(s->unauthorized);

	http_content_unref(s->content);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
