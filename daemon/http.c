/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <zlib.h>

#include "http-accept.h"
#include "http.h"
#include "landing.h"
#include "log.h"
#include "util.h"

#define CT_METRICS_TEXT		"text/plain; version=0.0.4; charset=utf-8"
#define CT_METRICS_OM		"application/openmetrics-text; version=1.0.0; charset=utf-8"
#define CT_JSON			"application/json"
#define CT_HTML			"text/html; charset=utf-8"
#define CT_TEXT			"text/plain; charset=utf-8"
#define CT_SVG			"image/svg+xml"

#define ALLOWED_METHODS		"GET, HEAD"

/* ---- listen addresses ---- */

static int parse_port(const char *s, uint16_t *ret)
{
	unsigned long v;
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end || v > 65535)
		return -EINVAL;
	*ret = (uint16_t) v;
	return 0;
}

int listen_address_parse(const char *s, struct listen_address *ret)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST | AI_PASSIVE,
		.ai_socktype = SOCK_STREAM,
	}, *ai = NULL;
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	const char *port_str, *colon;
	struct listen_address a = {};
	uint16_t port;
	size_t n;

	if (s[0] == ':') {
		/* Every address: one dual-stack IPv6 socket; listen_address_bind() falls back to IPv4. */
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &a.sa;

		if (parse_port(s + 1, &port) < 0)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		sin6->sin6_port = htons(port);
		a.len = sizeof(*sin6);
		a.any = true;
		*ret = a;
		return 0;
	}

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		n = close - s - 1;
		if (n == 0 || n >= sizeof(host) || !memchr(s + 1, ':', n))
			return -EINVAL;
		memcpy(host, s + 1, n);
		port_str = close + 2;
		hints.ai_family = AF_INET6;
	} else {
		colon = strchr(s, ':');
		if (!colon || strchr(colon + 1, ':'))
			return -EINVAL;		/* an IPv6 address needs brackets */
		n = colon - s;
		if (n == 0 || n >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, n);
		port_str = colon + 1;
		hints.ai_family = AF_INET;
	}
	host[n] = '\0';

	if (parse_port(port_str, &port) < 0)
		return -EINVAL;
	if (getaddrinfo(host, NULL, &hints, &ai) != 0 || !ai)
		return -EINVAL;
	if (ai->ai_addrlen > sizeof(a.sa)) {
		freeaddrinfo(ai);
		return -EINVAL;
	}
	memcpy(&a.sa, ai->ai_addr, ai->ai_addrlen);
	a.len = ai->ai_addrlen;
	freeaddrinfo(ai);

	if (a.sa.ss_family == AF_INET)
		((struct sockaddr_in *) &a.sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *) &a.sa)->sin6_port = htons(port);
	*ret = a;
	return 0;
}

char *listen_address_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *) sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *sun = (const struct sockaddr_un *) sa;
		size_t n = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;

		if (n > 0 && sun->sun_path[0] == '\0')
			snprintf(buf, size, "@%.*s", (int) n - 1, sun->sun_path + 1);
		else
			snprintf(buf, size, "%.*s", (int) strnlen(sun->sun_path, n), sun->sun_path);
	} else
		snprintf(buf, size, "(address family %d)", sa->sa_family);
	return buf;
}

static int bind_one(const struct listen_address *a, bool v6only, int *ret_fd)
{
	int fd, one = 1;

	fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	if (a->sa.ss_family == AF_INET6) {
		int v = v6only;

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)) < 0)
			goto fail;
	}
	if (bind(fd, (const struct sockaddr *) &a->sa, a->len) < 0 || listen(fd, SOMAXCONN) < 0)
		goto fail;
	*ret_fd = fd;
	return 0;
fail:;
	int r = -errno;

	close(fd);
	return r;
}

int listen_address_bind(const struct listen_address *a, int *ret_fd)
{
	int r;

	r = bind_one(a, !a->any, ret_fd);
	if (r == -EAFNOSUPPORT && a->any) {
		/* No IPv6 in this kernel or namespace: every IPv4 address then. */
		struct listen_address v4 = { .len = sizeof(struct sockaddr_in) };
		struct sockaddr_in *sin = (struct sockaddr_in *) &v4.sa;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		sin->sin_port = ((const struct sockaddr_in6 *) &a->sa)->sin6_port;
		r = bind_one(&v4, false, ret_fd);
	}
	return r;
}

/* ---- content: every response, rendered once ---- */

enum variant {
	V_LANDING,
	V_HEALTHZ,
	V_METRICS_TEXT,
	V_METRICS_TEXT_GZ,
	V_METRICS_OM,
	V_METRICS_OM_GZ,
	V_REPORT,
	V_REPORT_GZ,
	V_REGIONS,
	V_REGIONS_GZ,
	V_EVENTS,
	V_EVENTS_GZ,
	V_MAP,
	V_MAP_GZ,
	_V_MAX,
};

struct http_content {
	atomic_int n_ref;
	struct bootmem_report *report;
	struct MHD_Response *responses[_V_MAX];
};

static int gzip_compress(const char *in, size_t len, char **ret, size_t *ret_len)
{
	z_stream z = {};
	uLong bound;
	char *out;
	int r;

	/* windowBits 15 + 16: a gzip header and trailer around the deflate stream. */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
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
	if (r != Z_STREAM_END) {
		free(out);
		return -EIO;
	}
	*ret = out;
	return 0;
}

/*
 * The body's ownership moves to the response (MHD_RESPMEM_MUST_FREE): MHD frees it when the last
 * connection that queued it is done.  That is what lets a reload drop old content while a slow
 * client still reads the old bytes.  Nothing is copied, neither here nor per request.
 */
static int response_new(char *body, size_t len, const char *content_type, const char *vary, bool gzip,
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

/* A body and its gzip variant; takes @body. */
static int responses_new(char *body, size_t len, const char *content_type, const char *vary,
			 struct MHD_Response **ret_plain, struct MHD_Response **ret_gz)
{
	char *gz;
	size_t gz_len;
	int r;

	r = gzip_compress(body, len, &gz, &gz_len);
	if (r < 0) {
		free(body);
		return r;
	}
	r = response_new(body, len, content_type, vary, false, ret_plain);
	if (r < 0) {
		free(gz);
		return r;
	}
	return response_new(gz, gz_len, content_type, vary, true, ret_gz);
}

static const char *render_step_name(enum report_format fmt)
{
	switch (fmt) {
	case REPORT_TEXT: return "text";
	case REPORT_JSON: return "JSON report";
	case REPORT_JSON_REGIONS: return "JSON regions";
	case REPORT_PROMETHEUS: return "Prometheus text";
	case REPORT_OPENMETRICS: return "OpenMetrics";
	case REPORT_SVG: return "SVG map";
	}
	return "?";
}

static int render_pair(const struct bootmem_report *report, enum report_format fmt, const char *content_type,
		       const char *vary, struct MHD_Response **ret_plain, struct MHD_Response **ret_gz)
{
	char *body = NULL;
	size_t len = 0;
	int r;

	r = report_render(report, fmt, &body, &len);
	if (r < 0)
		return log_error_errno(r, "Failed to render the %s output: %m", render_step_name(fmt));
	r = responses_new(body, len, content_type, vary, ret_plain, ret_gz);
	if (r < 0)
		return log_error_errno(r, "Failed to prepare the %s responses: %m", render_step_name(fmt));
	return 0;
}

int http_content_new(struct bootmem_report *report, struct http_content **ret)
{
	struct landing_info li = {
		.summary = report_summary(report),
		.has_kernel_log = report_has_kernel_log(report),
		.has_map = true,
	};
	struct http_content *c;
	char *body = NULL;
	size_t len = 0;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return log_oom();
	atomic_init(&c->n_ref, 1);

	r = render_pair(report, REPORT_PROMETHEUS, CT_METRICS_TEXT, "Accept, Accept-Encoding",
			&c->responses[V_METRICS_TEXT], &c->responses[V_METRICS_TEXT_GZ]);
	if (r < 0)
		goto fail;
	r = render_pair(report, REPORT_OPENMETRICS, CT_METRICS_OM, "Accept, Accept-Encoding",
			&c->responses[V_METRICS_OM], &c->responses[V_METRICS_OM_GZ]);
	if (r < 0)
		goto fail;
	r = render_pair(report, REPORT_JSON, CT_JSON, "Accept-Encoding",
			&c->responses[V_REPORT], &c->responses[V_REPORT_GZ]);
	if (r < 0)
		goto fail;
	r = render_pair(report, REPORT_JSON_REGIONS, CT_JSON, "Accept-Encoding",
			&c->responses[V_REGIONS], &c->responses[V_REGIONS_GZ]);
	if (r < 0)
		goto fail;
	r = render_pair(report, REPORT_SVG, CT_SVG, "Accept-Encoding",
			&c->responses[V_MAP], &c->responses[V_MAP_GZ]);
	if (r < 0)
		goto fail;

	r = report_render_events(report, NULL, NULL, &body, &len);
	if (r < 0) {
		log_error_errno(r, "Failed to render the events: %m");
		goto fail;
	}
	r = responses_new(body, len, CT_JSON, "Accept-Encoding", &c->responses[V_EVENTS], &c->responses[V_EVENTS_GZ]);
	if (r < 0) {
		log_error_errno(r, "Failed to prepare the events responses: %m");
		goto fail;
	}

	r = landing_render(&li, &body, &len);
	if (r < 0) {
		log_error_errno(r, "Failed to render the landing page: %m");
		goto fail;
	}
	r = response_new(body, len, CT_HTML, NULL, false, &c->responses[V_LANDING]);
	if (r < 0) {
		log_oom();
		goto fail;
	}

	body = strdup("ok\n");
	if (!body) {
		r = log_oom();
		goto fail;
	}
	r = response_new(body, strlen(body), CT_TEXT, NULL, false, &c->responses[V_HEALTHZ]);
	if (r < 0) {
		log_oom();
		goto fail;
	}

	c->report = report;
	*ret = c;
	return 0;

fail:
	http_content_unref(c);		/* c->report is still NULL: the caller keeps @report */
	return r;
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
	for (size_t i = 0; i < _V_MAX; i++)
		if (c->responses[i])
			MHD_destroy_response(c->responses[i]);
	report_free(c->report);
	free(c);
}

const char *http_content_summary(const struct http_content *c)
{
	return report_summary(c->report);
}

/* ---- the server ---- */

struct listener {
	struct MHD_Daemon *daemon;
	char name[128];
};

struct http_server {
	struct http_options opts;

	pthread_mutex_t lock;		/* guards content */
	struct http_content *content;

	/* Static bodies, shared by every daemon. */
	struct MHD_Response *not_found, *method_not_allowed, *unauthorized, *internal_error;

	struct listener *listeners;
	size_t n_listeners;

	atomic_bool starting;		/* MHD's messages are errors while a daemon starts, debug after */
	atomic_uint endpoints;		/* HTTP_ENDPOINT_*: the others answer 404 */
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

void http_server_set_endpoints(struct http_server *s, unsigned endpoints)
{
	atomic_store(&s->endpoints, endpoints & HTTP_ENDPOINTS_ALL);
}

static enum MHD_Result queue(struct MHD_Connection *conn, const char *method, const char *url,
			     unsigned status, struct MHD_Response *resp)
{
	log_debug("%s %s: %u", method, url, status);
	return MHD_queue_response(conn, status, resp);
}

/* A JSON error body for the API endpoints: {"error": "...", "kind": ..., "tag": ...}. */
static enum MHD_Result queue_api_error(struct MHD_Connection *conn, const char *method, const char *url,
				       unsigned status, const char *message, const char *kind, const char *tag)
{
	struct MHD_Response *resp = NULL;
	enum MHD_Result ret;
	json_t *j;
	char *body;

	/* json_pack() refuses invalid UTF-8; then the error goes without the client's values. */
	j = json_pack("{s:s, s:s?, s:s?}", "error", message, "kind", kind, "tag", tag);
	if (!j)
		j = json_pack("{s:s}", "error", message);
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body || response_new(body, strlen(body), CT_JSON, NULL, false, &resp) < 0)
		return MHD_NO;		/* out of memory: MHD closes the connection */

	ret = queue(conn, method, url, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve_events(struct MHD_Connection *conn, const char *method, const char *url,
				    struct http_content *c, bool gzip)
{
	const char *kind = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "kind");
	const char *tag = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "tag");
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *body = NULL;
	size_t len = 0;
	int r;

	/* "?kind=" is no filter, as an empty form field would send it. */
	if (kind && !*kind)
		kind = NULL;
	if (tag && !*tag)
		tag = NULL;
	if (!kind && !tag)
		return queue(conn, method, url, MHD_HTTP_OK, c->responses[gzip ? V_EVENTS_GZ : V_EVENTS]);

	/* Filtered views are the one thing rendered per request: the API is not what gets scraped. */
	r = report_render_events(c->report, kind, tag, &body, &len);
	if (r == -EINVAL)
		return queue_api_error(conn, method, url, MHD_HTTP_BAD_REQUEST, "unknown event kind or tag",
				       kind, tag);
	if (r < 0) {
		log_warning_errno(r, "Failed to render events (kind=%s, tag=%s): %m", kind ?: "*", tag ?: "*");
		return queue_api_error(conn, method, url, MHD_HTTP_INTERNAL_SERVER_ERROR, "failed to render events",
				       NULL, NULL);
	}
	if (response_new(body, len, CT_JSON, NULL, false, &resp) < 0)
		return MHD_NO;
	ret = queue(conn, method, url, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum endpoint {
	EP_LANDING,
	EP_HEALTHZ,
	EP_METRICS,
	EP_REPORT,
	EP_REGIONS,
	EP_EVENTS,
	EP_MAP,
};

static const struct route {
	const char *path;
	enum endpoint endpoint;
	unsigned bit;			/* HTTP_ENDPOINT_* */
} routes[] = {
	{ "/",			EP_LANDING,	HTTP_ENDPOINT_LANDING },
	{ "/metrics",		EP_METRICS,	HTTP_ENDPOINT_METRICS },
	{ "/api/v1/report",	EP_REPORT,	HTTP_ENDPOINT_REPORT },
	{ "/api/v1/regions",	EP_REGIONS,	HTTP_ENDPOINT_REGIONS },
	{ "/api/v1/events",	EP_EVENTS,	HTTP_ENDPOINT_EVENTS },
	{ "/healthz",		EP_HEALTHZ,	HTTP_ENDPOINT_HEALTH },
	{ "/map.svg",		EP_MAP,		HTTP_ENDPOINT_LANDING },	/* the picture on the landing page */
};

static bool authorized(struct http_server *s, struct MHD_Connection *conn)
{
	char *user, *password = NULL;
	bool ok;

	if (!s->opts.authorize)
		return true;
	user = MHD_basic_auth_get_username_password(conn, &password);
	ok = s->opts.authorize(s->opts.authorize_userdata, user, password);
	if (password)
		memset(password, 0, strlen(password));
	MHD_free(user);
	MHD_free(password);
	return ok;
}

static enum MHD_Result handle_request(void *userdata, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version, const char *upload_data,
				      size_t *upload_data_size, void **req_cls)
{
	struct http_server *s = userdata;
	const struct route *route = NULL;
	struct http_content *c;
	enum MHD_Result ret;
	bool gzip;

	bool get_or_head = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(url, routes[i].path) == 0) {
			route = &routes[i];
			break;
		}
	if (route && !(atomic_load(&s->endpoints) & route->bit))
		route = NULL;		/* switched off in the configuration */

	/*
	 * MHD calls us once when the headers are in, then for the body, then once more at its end.
	 * Another method may come with a body none of our endpoints takes: answer at once, and MHD
	 * closes the connection instead of reading the body.  GET and HEAD are answered at the last
	 * call, after MHD has seen the whole request, which keeps the connection alive for the next
	 * scrape (answering at the first call makes MHD 0.9.75 close it).
	 */
	if (!*req_cls) {
		*req_cls = (void *) 1;
		if (!get_or_head)
			return route ? queue(conn, method, url, MHD_HTTP_METHOD_NOT_ALLOWED, s->method_not_allowed)
				     : queue(conn, method, url, MHD_HTTP_NOT_FOUND, s->not_found);
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		*upload_data_size = 0;		/* a GET with a body: ignored */
		return MHD_YES;
	}
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

	/* HEAD: MHD sends the same headers, Content-Length included, and no body. */
	c = server_get_content(s);
	gzip = http_accepts_gzip(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));

	switch (route->endpoint) {
	case EP_METRICS:
		if (http_negotiate_metrics(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT))
		    == METRICS_FORMAT_OPENMETRICS)
			ret = queue(conn, method, url, MHD_HTTP_OK, c->responses[gzip ? V_METRICS_OM_GZ : V_METRICS_OM]);
		else
			ret = queue(conn, method, url, MHD_HTTP_OK, c->responses[gzip ? V_METRICS_TEXT_GZ : V_METRICS_TEXT]);
		break;
	case EP_REPORT:
		ret = queue(conn, method, url, MHD_HTTP_OK, c->responses[gzip ? V_REPORT_GZ : V_REPORT]);
		break;
	case EP_REGIONS:
		ret = queue(conn, method, url, MHD_HTTP_OK, c->responses[gzip ? V_REGIONS_GZ : V_REGIONS]);
		break;
	case EP_EVENTS:
		ret = serve_events(conn, method, url, c, gzip);
		break;
	case EP_LANDING:
		ret = queue(conn, method, url, MHD_HTTP_OK, c->responses[V_LANDING]);
		break;
	case EP_MAP:
		ret = queue(conn, method, url, MHD_HTTP_OK, c->responses[gzip ? V_MAP_GZ : V_MAP]);
		break;
	case EP_HEALTHZ:
		ret = queue(conn, method, url, MHD_HTTP_OK, c->responses[V_HEALTHZ]);
		break;
	default:
		ret = queue(conn, method, url, MHD_HTTP_INTERNAL_SERVER_ERROR, s->internal_error);
	}

	http_content_unref(c);
	return ret;
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
	struct http_server *s;

	if (!!opts->tls_cert_pem != !!opts->tls_key_pem)
		return -EINVAL;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->opts = *opts;
	pthread_mutex_init(&s->lock, NULL);
	s->content = http_content_ref(content);
	atomic_init(&s->endpoints, HTTP_ENDPOINTS_ALL);

	if (static_response("404 Not Found\n", CT_TEXT, NULL, NULL, &s->not_found) < 0 ||
	    static_response("405 Method Not Allowed\n", CT_TEXT, MHD_HTTP_HEADER_ALLOW, ALLOWED_METHODS,
			    &s->method_not_allowed) < 0 ||
	    static_response("401 Unauthorized\n", CT_TEXT, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
			    "Basic realm=\"bootmemd\", charset=\"UTF-8\"", &s->unauthorized) < 0 ||
	    static_response("500 Internal Server Error\n", CT_TEXT, NULL, NULL, &s->internal_error) < 0) {
		http_server_free(s);
		return -ENOMEM;
	}

	*ret = s;
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

	l = realloc(s->listeners, (s->n_listeners + 1) * sizeof(*l));
	if (!l) {
		close(fd);
		return -ENOMEM;
	}
	s->listeners = l;
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
	int sv[2], r = 0;
	char buf[64];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* MHD owns sv[1] from here on, also when it refuses it. */
	if (MHD_add_connection(l->daemon, sv[1], (const struct sockaddr *) &sa, sizeof(sa)) != MHD_YES) {
		r = errno > 0 ? -errno : -EIO;
		goto out;
	}
	/*
	 * A TLS listener answers the plain request with an alert or by closing: either proves that
	 * its thread runs, and so does any HTTP status.
	 */
	if (send(sv[0], request, sizeof(request) - 1, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET) {
		r = -errno;
		goto out;
	}
	for (;;) {
		struct pollfd p = { .fd = sv[0], .events = POLLIN };
		uint64_t now = util_now_usec();
		ssize_t n;

		if (now >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		n = poll(&p, 1, (int) ((deadline - now + 999) / 1000));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			continue;
		n = recv(sv[0], buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		break;		/* bytes, EOF or a reset: the thread is there */
	}
out:
	close(sv[0]);
	return r;
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
	if (s->internal_error)
		MHD_destroy_response(s->internal_error);

	http_content_unref(s->content);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
