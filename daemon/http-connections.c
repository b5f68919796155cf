/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/tcp.h>		/* struct tcp_info with tcpi_bytes_acked: glibc's has none */
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http-connections.h"

/* A request that runs longer than this may be closed to make room, when there is no header deadline. */
#define BUSY_GRACE_USEC (10 * 1000000ULL)

/* How many waiting connections an address has, for picking whose to close. */
struct address_count {
	const struct http_conn *first;	/* NULL: a free slot */
	unsigned n;
};

struct http_conns {
	pthread_mutex_t lock;
	struct http_conns_limits limits;
	struct http_conn *head, *tail;	/* by the start of their phase, the oldest first */
	unsigned n, n_closing;
	struct http_conns_stats stats;

	struct address_count *counts;	/* a hash table, rebuilt for each choice */
	size_t n_counts;		/* a power of two, at least twice the connections MHD lets in */
};

int http_conns_new(const struct http_conns_limits *limits, struct http_conns **ret)
{
	struct http_conns *t;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	t->limits = *limits;
	for (t->n_counts = 64; t->n_counts < 2 * ((size_t) limits->limit + 64); t->n_counts *= 2)
		;
	t->counts = calloc(t->n_counts, sizeof(*t->counts));
	if (!t->counts) {
		http_conns_free(t);
		return -ENOMEM;
	}
	*ret = t;
	return 0;
}

void http_conns_free(struct http_conns *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->counts);
	free(t);
}

static void unlink_conn(struct http_conns *t, struct http_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		t->tail = c->prev;
	c->prev = c->next = NULL;
}

static void link_tail(struct http_conns *t, struct http_conn *c)
{
	c->prev = t->tail;
	c->next = NULL;
	if (t->tail)
		t->tail->next = c;
	else
		t->head = c;
	t->tail = c;
}

/* A new phase: it starts now, so the connection goes to the end of the list. */
static void restart(struct http_conns *t, struct http_conn *c, uint64_t now)
{
	c->since = now;
	unlink_conn(t, c);
	link_tail(t, c);
}

static void close_conn(struct http_conns *t, struct http_conn *c, uint64_t *counter)
{
	if (c->closing)
		return;
	/* MHD reads the end of the stream and closes the connection on its thread. */
	(void) shutdown(c->fd, SHUT_RDWR);
	c->closing = true;
	t->n_closing++;
	(*counter)++;
}

static bool same_address(const struct http_conn *a, const struct http_conn *b)
{
	return a->addr_len == b->addr_len && memcmp(a->addr, b->addr, a->addr_len) == 0;
}

static bool waiting(const struct http_conn *c, const struct http_conn *except)
{
	return c != except && !c->closing && !c->suspended && !c->busy;
}

static size_t address_hash(const struct http_conn *c)
{
	size_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < c->addr_len; i++)
		h = (h ^ c->addr[i]) * 1099511628211ULL;
	return h;
}

/*
 * The address with the most connections waiting for a request: a flood's, whatever its rate, and
 * not the one client that has just connected from elsewhere.  NULL when none waits.
 */
static const struct http_conn *busiest_address(struct http_conns *t, const struct http_conn *except)
{
	const struct address_count *best = NULL;
	size_t mask = t->n_counts - 1;

	memset(t->counts, 0, t->n_counts * sizeof(*t->counts));
	for (const struct http_conn *c = t->head; c; c = c->next) {
		struct address_count *a;

		if (!waiting(c, except))
			continue;
		/* There are fewer connections than half the slots: a free one is always found. */
		for (size_t i = address_hash(c) & mask;; i = (i + 1) & mask) {
			a = &t->counts[i];
			if (!a->first || same_address(a->first, c))
				break;
		}
		if (!a->first)
			a->first = c;
		a->n++;
		if (!best || a->n > best->n)
			best = a;
	}
	return best ? best->first : NULL;
}

/*
 * What to close to make room, among @like's address's connections if @by_address, else among the
 * address that has the most of them waiting: the one that has waited longest without a request
 * in progress, else the request that has run longest past the grace time.  A suspended
 * connection waits for the worker and would not notice.
 */
/*
 * Whether the server has sent @c anything (TCP_INFO): a TLS handshake under way.  A connection
 * that only connected, sent part of a request or stalled inside its ClientHello has had nothing.
 */
static bool talking(const struct http_conn *c)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked))
		return false;		/* not TCP, or a kernel that does not say: the age decides */
	return ti.tcpi_bytes_acked > 0;
}

/*
 * What to close to make room, among @like's address's connections if @by_address, else among the
 * address that has the most of them waiting.  A connection without a request in progress first,
 * the one that has waited longest, but not a new one that the server is already talking to: a
 * fresh TLS client takes several round trips to its request, and a flood that reconnects faster
 * would have turned the table over in that time.  Then those, then the request that has run
 * longest past the grace time.  A suspended connection waits for the worker and would not notice.
 */
static struct http_conn *victim(struct http_conns *t, const struct http_conn *like, bool by_address, uint64_t now)
{
	uint64_t grace = t->limits.header_usec ?: BUSY_GRACE_USEC;
	const struct http_conn *from = by_address ? like : busiest_address(t, like);
	struct http_conn *busy = NULL, *handshaking = NULL;

	for (struct http_conn *c = t->head; c; c = c->next) {
		if (c == like || c->closing || c->suspended)
			continue;
		if (!c->busy) {
			if (!from || !same_address(c, from))
				continue;
			/* The list is oldest first. */
			if (c->served || handshaking || !talking(c))
				return c;
			handshaking = c;
		} else if (!busy && now - c->since >= grace && (!by_address || same_address(c, like)))
			busy = c;
	}
	return handshaking ?: busy;
}

static void set_address(struct http_conn *c, const struct sockaddr *sa, socklen_t len)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	c->addr_len = 0;
	if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memcpy(c->addr, &((const struct sockaddr_in *) sa)->sin_addr, 4);
		c->addr_len = 4;
	} else if (sa && sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const uint8_t *a = ((const struct sockaddr_in6 *) sa)->sin6_addr.s6_addr;

		if (memcmp(a, v4mapped, sizeof(v4mapped)) == 0) {
			memcpy(c->addr, a + 12, 4);
			c->addr_len = 4;
		} else {
			memcpy(c->addr, a, 16);
			c->addr_len = 16;
		}
	}
	/* Anything else (a Unix socket from the service manager): one address for all. */
}

bool http_conns_add(struct http_conns *t, struct http_conn *c, int fd, const struct sockaddr *sa, socklen_t len,
		    uint64_t now)
{
	bool admitted = true;

	*c = (struct http_conn) { .fd = fd, .since = now };
	set_address(c, sa, len);

	pthread_mutex_lock(&t->lock);
	link_tail(t, c);
	t->n++;
	if (t->n - t->n_closing > t->limits.limit) {
		struct http_conn *v = victim(t, c, false, now);

		if (v)
			close_conn(t, v, &t->stats.evicted);
		else {
			close_conn(t, c, &t->stats.refused);
			admitted = false;
		}
	}
	if (admitted && t->limits.per_address > 0) {
		unsigned n = 0;

		for (struct http_conn *o = t->head; o; o = o->next)
			n += !o->closing && same_address(o, c);
		if (n > t->limits.per_address) {
			struct http_conn *v = victim(t, c, true, now);

			if (v)
				close_conn(t, v, &t->stats.evicted);
			else {
				close_conn(t, c, &t->stats.refused);
				admitted = false;
			}
		}
	}
	pthread_mutex_unlock(&t->lock);
	return admitted;
}

void http_conns_remove(struct http_conns *t, struct http_conn *c)
{
	pthread_mutex_lock(&t->lock);
	unlink_conn(t, c);
	t->n--;
	if (c->closing)
		t->n_closing--;
	pthread_mutex_unlock(&t->lock);
}

void http_conns_busy(struct http_conns *t, struct http_conn *c, uint64_t now)
{
	pthread_mutex_lock(&t->lock);
	c->busy = true;
	restart(t, c, now);
	pthread_mutex_unlock(&t->lock);
}

void http_conns_done(struct http_conns *t, struct http_conn *c, uint64_t now)
{
	pthread_mutex_lock(&t->lock);
	c->busy = false;
	c->served = true;
	restart(t, c, now);
	pthread_mutex_unlock(&t->lock);
}

void http_conns_suspended(struct http_conns *t, struct http_conn *c, bool suspended)
{
	pthread_mutex_lock(&t->lock);
	c->suspended = suspended;
	pthread_mutex_unlock(&t->lock);
}

void http_conns_sweep(struct http_conns *t, uint64_t now)
{
	pthread_mutex_lock(&t->lock);
	for (struct http_conn *c = t->head; c; c = c->next) {
		uint64_t limit = c->served ? t->limits.idle_usec : t->limits.header_usec;

		if (!c->busy && !c->closing && limit > 0 && now - c->since >= limit)
			close_conn(t, c, &t->stats.expired);
	}
	pthread_mutex_unlock(&t->lock);
}

void http_conns_get_stats(struct http_conns *t, struct http_conns_stats *ret)
{
	pthread_mutex_lock(&t->lock);
	*ret = t->stats;
	ret->live = t->n - t->n_closing;
	pthread_mutex_unlock(&t->lock);
}
