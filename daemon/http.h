/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTTP front end: pre-rendered responses ("content") served by one
 * libmicrohttpd daemon per listening socket.
 *
 * Boot memory does not change after boot, so every response is rendered (and
 * gzip-compressed) once, when the content is built; a request only picks a
 * response and MHD copies its bytes to the socket.  A reload builds new
 * content and swaps it in atomically; requests in flight finish with the old
 * bytes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "report.h"

/* Outside 9100-9999, which the Prometheus default-port list has all but used up. */
#define HTTP_DEFAULT_PORT 8467
#define HTTP_DEFAULT_LISTEN "127.0.0.1:8467"

struct http_options {
	unsigned connection_limit;		/* MHD_OPTION_CONNECTION_LIMIT */
	unsigned per_ip_connection_limit;	/* MHD_OPTION_PER_IP_CONNECTION_LIMIT, 0 = none */
	unsigned connection_timeout_sec;	/* idle timeout, MHD_OPTION_CONNECTION_TIMEOUT */
	size_t connection_memory_limit;		/* per-connection pool, MHD_OPTION_CONNECTION_MEMORY_LIMIT */

	/* TLS through MHD's GnuTLS support: PEM text, both NULL for plain HTTP. */
	const char *tls_cert_pem;
	const char *tls_key_pem;

	/*
	 * HTTP basic auth: NULL lets every request through.  Called on MHD's threads with the decoded
	 * credentials (either may be NULL when the client sent none); returns true to let the request in.
	 */
	bool (*authorize)(void *userdata, const char *user, const char *password);
	void *authorize_userdata;
};

/*
 * A Prometheus server scrapes with one keep-alive connection per target; the limits are there
 * for everything else.  The timeout closes idle connections, the memory limit bounds the
 * request headers a client can make us hold.
 */
#define HTTP_OPTIONS_DEFAULTS ((struct http_options) {	\
	.connection_limit = 256,			\
	.per_ip_connection_limit = 64,			\
	.connection_timeout_sec = 30,			\
	.connection_memory_limit = 32 * 1024,		\
})

/* A listening address: "IPv4:PORT", "[IPv6]:PORT" or ":PORT" (every address, IPv4 and IPv6). */
struct listen_address {
	struct sockaddr_storage sa;
	socklen_t len;
	bool any;				/* ":PORT" */
};

int listen_address_parse(const char *s, struct listen_address *ret);
/* "127.0.0.1:8467", "[::1]:8467"; returns @buf. */
char *listen_address_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);
/* A bound, listening, non-blocking socket. */
int listen_address_bind(const struct listen_address *a, int *ret_fd);

/* Endpoints that can be switched off (bootmemd.conf(5) [Endpoints]); a disabled one answers 404. */
enum {
	HTTP_ENDPOINT_LANDING = 1u << 0,	/* / */
	HTTP_ENDPOINT_METRICS = 1u << 1,	/* /metrics */
	HTTP_ENDPOINT_REPORT = 1u << 2,		/* /api/v1/report */
	HTTP_ENDPOINT_REGIONS = 1u << 3,	/* /api/v1/regions */
	HTTP_ENDPOINT_EVENTS = 1u << 4,		/* /api/v1/events */
	HTTP_ENDPOINT_HEALTH = 1u << 5,		/* /healthz */
	HTTP_ENDPOINTS_ALL = (1u << 6) - 1,
};

struct http_content;

/* Renders every response from @report.  On success the content owns @report. */
int http_content_new(struct bootmem_report *report, struct http_content **ret);
struct http_content *http_content_ref(struct http_content *c);
void http_content_unref(struct http_content *c);
const char *http_content_summary(const struct http_content *c);

struct http_server;

/* The server takes a reference on @content.  No socket yet. */
int http_server_new(const struct http_options *opts, struct http_content *content,
		    struct http_server **ret);

/*
 * Serves on @fd, a listening stream socket, from a new internal MHD thread.  The server owns
 * @fd from then on, also on failure.  Sockets from the service manager are fine: MHD is told
 * to wake its thread through its own pipe (MHD_USE_ITC), not by shutdown() of the socket,
 * which would break the socket for the manager as well.
 */
int http_server_add_listener(struct http_server *s, int fd);

/* Atomically replaces the content; requests in flight finish with the old one. */
void http_server_set_content(struct http_server *s, struct http_content *content);

/* Which endpoints answer (HTTP_ENDPOINT_*); every one until this is called.  Takes effect at once. */
void http_server_set_endpoints(struct http_server *s, unsigned endpoints);

/*
 * Checks that every MHD thread still serves: hands each daemon one end of a socket pair with
 * MHD_add_connection(), sends a request and waits up to @timeout_usec for the answer.  Only
 * that daemon's thread can answer, so a stuck thread fails the check (-ETIMEDOUT) and the
 * watchdog is not fed.
 */
int http_server_check_alive(struct http_server *s, uint64_t timeout_usec);

void http_server_free(struct http_server *s);
