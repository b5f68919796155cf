/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which connections may stay: the server's own account of every connection
 * of one listener, beside libmicrohttpd's, so that a hostile client cannot
 * keep the others out.
 *
 *   - A request's headers must be complete within the header deadline of the
 *     connection's opening, and a keep-alive connection's next request within
 *     the idle deadline of its previous response.  Bytes do not extend
 *     either: a client that sends one byte every few seconds is closed like
 *     one that sends nothing.  (MHD's own timeout, which every byte resets,
 *     still closes a connection on which nothing moves.)
 *   - When a new connection would take the table over its limit, a
 *     connection without a request in progress is closed to make room: of the
 *     address that has the most of them, the one that has waited longest.
 *     Then one whose request has run longer than the header deadline (a
 *     reader that does not read); only when there is none is the new one
 *     refused.  A per-address limit works the same way among one address's
 *     connections.
 *
 * Closing is shutdown() of the socket: MHD sees the end of the stream and
 * closes the connection itself, on its own thread.  The table's lock makes
 * that safe from another thread: MHD tells us (http_conns_remove()) before it
 * closes the descriptor.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* Embedded in the server's per-connection state. */
struct http_conn {
	struct http_conn *prev, *next;	/* the oldest phase first */
	int fd;
	uint8_t addr[16];		/* IPv4 or IPv6 (IPv4-mapped ones as IPv4), for the per-address limit */
	uint8_t addr_len;
	uint64_t since;			/* the start of its current phase */
	bool busy;			/* a request's headers are in and its response is not done */
	bool served;			/* it answered a request before: the idle deadline applies */
	bool suspended;			/* waiting for the worker: MHD would not see a shutdown() */
	bool closing;			/* shut down, MHD has yet to close it */
};

struct http_conns_limits {
	unsigned limit;			/* connections at once */
	unsigned per_address;		/* from one address at once, 0 = no limit */
	uint64_t header_usec;		/* opening to complete headers, 0 = no limit */
	uint64_t idle_usec;		/* a response to the next request's complete headers, 0 = no limit */
};

struct http_conns_stats {
	unsigned live;			/* connections, those being closed left out */
	uint64_t evicted;		/* closed to make room */
	uint64_t expired;		/* closed at a deadline */
	uint64_t refused;		/* new ones closed at once: nothing could make room */
};

struct http_conns;

int http_conns_new(const struct http_conns_limits *limits, struct http_conns **ret);
void http_conns_free(struct http_conns *t);

/* A new connection (MHD's MHD_CONNECTION_NOTIFY_STARTED).  False when it was refused (shut down). */
bool http_conns_add(struct http_conns *t, struct http_conn *c, int fd, const struct sockaddr *sa, socklen_t len,
		    uint64_t now);
/* MHD closes it (MHD_CONNECTION_NOTIFY_CLOSED): from here on the table does not touch its descriptor. */
void http_conns_remove(struct http_conns *t, struct http_conn *c);

/* A request's headers are in: no deadline, not evicted for the first header deadline. */
void http_conns_busy(struct http_conns *t, struct http_conn *c, uint64_t now);
/* Its response is done: the connection waits for the next request, under the idle deadline. */
void http_conns_done(struct http_conns *t, struct http_conn *c, uint64_t now);
void http_conns_suspended(struct http_conns *t, struct http_conn *c, bool suspended);

/* Closes the connections past their deadline; run every fraction of a second. */
void http_conns_sweep(struct http_conns *t, uint64_t now);

void http_conns_get_stats(struct http_conns *t, struct http_conns_stats *ret);
