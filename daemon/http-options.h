/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the HTTP server is told at start: limits, TLS and basic auth.  Shared
 * by the configuration (bootmemd.conf(5) [Server], [TLS]) and the server;
 * plain types only, so that the configuration parser links no server.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

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
