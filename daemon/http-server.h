/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTTP server: one libmicrohttpd daemon per listening socket, all
 * serving the same content (http-content.h), dispatched by the route table
 * (http-routes.h).  Requests are served on MHD's threads from bytes rendered
 * in advance; what takes time (a bcrypt check, a query view rendered the
 * first time) goes to a worker thread while the connection is suspended
 * (http-worker.h).  Which connections may stay, and for how long, is the
 * server's own account (http-connections.h); malformed framing is refused
 * before a body is read (http-framing.h).
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
 * Checks that every MHD thread still serves.  Each listener keeps a connection of its own, one
 * end of a socket pair handed to MHD at start, whose request stays suspended; the check resumes
 * it and waits up to @timeout_usec for the access handler to run again on it.  Only that
 * daemon's thread can run it, so a stuck thread fails the check (-ETIMEDOUT) and the watchdog is
 * not fed; a full connection table does not, since no new connection is needed.
 */
int http_server_check_alive(struct http_server *s, uint64_t timeout_usec);

void http_server_free(struct http_server *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct http_server *, http_server_free);
