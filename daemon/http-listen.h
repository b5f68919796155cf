/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Listening addresses, as --listen and bootmemd.conf(5)'s Listen= spell them:
 * "IPv4:PORT", "[IPv6]:PORT" or ":PORT" (every address, IPv4 and IPv6).
 * Library style: negative errno, no printing.  No libmicrohttpd here, so that
 * the configuration parser can check addresses without linking the server.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Outside 9100-9999, which the Prometheus default-port list has all but used up. */
#define HTTP_DEFAULT_PORT 8467
#define HTTP_DEFAULT_LISTEN "127.0.0.1:8467"

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
