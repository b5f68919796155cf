/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTTP server: one libmicrohttpd daemon per listening socket, all
 * serving the same content (http-content.h), dispatched by the route table
 * (http-routes.h).
 */
#pragma once

#include <stdint.h>

#include "http-options.h"
#include "util.h"

struct http_content;
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

/* Atomically replaces the content, and with it which routes answer; requests in flight finish with the old. */
void http_server_set_content(struct http_server *s, struct http_content *content);

/*
 * Checks that every MHD thread still serves: hands each daemon one end of a socket pair with
 * MHD_add_connection(), sends a request and waits up to @timeout_usec for the answer.  Only
 * that daemon's thread can answer, so a stuck thread fails the check (-ETIMEDOUT) and the
 * watchdog is not fed.
 */
int http_server_check_alive(struct http_server *s, uint64_t timeout_usec);

void http_server_free(struct http_server *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct http_server *, http_server_free);
