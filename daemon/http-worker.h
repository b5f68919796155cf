/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTTP server's worker: one thread for what must not run where requests
 * are served, a bcrypt check or a render that no response was made for in
 * advance.  The server suspends the connection (MHD_suspend_connection()),
 * hands the job here, and the job resumes it when it is done; MHD's threads
 * never wait.
 *
 * The queue is bounded: a full one refuses the job, and the server answers
 * 503 at once.  The same thread runs a periodic tick (the server's
 * connection deadlines).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct http_job {
	struct http_job *next;
	/* Runs on the worker thread; @cancelled when the worker stops with the job still queued. */
	void (*run)(struct http_job *job, bool cancelled);
};

struct http_worker;

int http_worker_new(unsigned max_queued, uint64_t tick_usec, void (*tick)(void *userdata), void *userdata,
		    struct http_worker **ret);

/*
 * Queues @job, calling @before(@userdata) first under the queue's lock (the server suspends the
 * connection there, so that the job cannot resume it before it is suspended).  -EBUSY when the
 * queue is full, -ESHUTDOWN when the worker stops; @before is not called then.
 */
int http_worker_submit(struct http_worker *w, struct http_job *job, void (*before)(void *userdata), void *userdata);

/* Stops the thread: the job that runs finishes, the queued ones run with cancelled set; submit fails after. */
void http_worker_stop(struct http_worker *w);
/* Stops it if need be, and frees it. */
void http_worker_free(struct http_worker *w);
