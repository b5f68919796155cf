/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the HTTP server is told at start: limits, TLS and basic auth.  Shared
 * by the configuration (bootmemd.conf(5) [Server], [TLS]) and the server;
 * plain types only, so that the configuration parser links no server.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct auth;

struct http_options {
	unsigned connection_limit;		/* at once; past it the longest idle one is closed */
	unsigned per_ip_connection_limit;	/* from one address at once, the same way; 0 = none */
	unsigned header_timeout_sec;		/* a new connection's request headers, bytes do not extend it; 0 = none */
	unsigned connection_timeout_sec;	/* idle: no bytes, or no next request after a response; 0 = none */
	size_t connection_memory_limit;		/* per-connection pool, MHD_OPTION_CONNECTION_MEMORY_LIMIT */

	/* TLS through MHD's GnuTLS support: PEM text, both NULL for plain HTTP. */
	const char *tls_cert_pem;
	const char *tls_key_pem;

	/* HTTP basic auth (auth.h); NULL, or no users, lets every request through. */
	struct auth *auth;
};

/*
 * A Prometheus server scrapes with one keep-alive connection per target, and sends a request as
 * soon as it connects; the limits are there for everything else.  No limit per address by
 * default: on the loopback-only default every client, Prometheus and any proxy included, is
 * 127.0.0.1, and closing idle connections to make room is what keeps one client from locking
 * the others out.  The memory limit bounds the request headers a client can make us hold.
 */
#define HTTP_OPTIONS_DEFAULTS ((struct http_options) {	\
	.connection_limit = 256,			\
	.per_ip_connection_limit = 0,			\
	.header_timeout_sec = 10,			\
	.connection_timeout_sec = 30,			\
	.connection_memory_limit = 32 * 1024,		\
})
