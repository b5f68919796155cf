/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "http-worker.h"
#include "util.h"

struct http_worker {
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* CLOCK_MONOTONIC */
	struct http_job *head, *tail;
	unsigned n_queued, max_queued;
	bool stop;

	uint64_t tick_usec;
	void (*tick)(void *userdata);
	void *userdata;

	pthread_t thread;
	bool started;
};

static struct timespec deadline_ts(uint64_t usec)
{
	return (struct timespec) { .tv_sec = usec / 1000000, .tv_nsec = (usec % 1000000) * 1000 };
}

static void *worker_main(void *userdata)
{
	struct http_worker *w = userdata;
	uint64_t next_tick = util_now_usec() + w->tick_usec;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct http_job *job = w->head;
		uint64_t now;

		if (job) {
			w->head = job->next;
			if (!w->head)
				w->tail = NULL;
			w->n_queued--;
			pthread_mutex_unlock(&w->lock);
			job->run(job, false);
			pthread_mutex_lock(&w->lock);
		} else if (w->stop)
			break;

		now = util_now_usec();
		if (w->tick && now >= next_tick) {
			pthread_mutex_unlock(&w->lock);
			w->tick(w->userdata);
			pthread_mutex_lock(&w->lock);
			next_tick = now + w->tick_usec;
		}
		if (!w->head && !w->stop) {
			struct timespec ts = deadline_ts(next_tick);

			pthread_cond_timedwait(&w->wake, &w->lock, &ts);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int http_worker_new(unsigned max_queued, uint64_t tick_usec, void (*tick)(void *userdata), void *userdata,
		    struct http_worker **ret)
{
	struct http_worker *w;
	pthread_condattr_t ca;
	pthread_attr_t attr;
	int r;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	w->max_queued = max_queued;
	w->tick_usec = tick_usec;
	w->tick = tick;
	w->userdata = userdata;

	/* bcrypt keeps its state on the heap (struct crypt_data): a small stack does. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	r = pthread_create(&w->thread, &attr, worker_main, w);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		http_worker_free(w);
		return -r;
	}
	w->started = true;
	*ret = w;
	return 0;
}

int http_worker_submit(struct http_worker *w, struct http_job *job, void (*before)(void *userdata), void *userdata)
{
	int r = 0;

	pthread_mutex_lock(&w->lock);
	if (w->stop)
		r = -ESHUTDOWN;
	else if (w->n_queued >= w->max_queued)
		r = -EBUSY;
	else {
		if (before)
			before(userdata);
		job->next = NULL;
		if (w->tail)
			w->tail->next = job;
		else
			w->head = job;
		w->tail = job;
		w->n_queued++;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

void http_worker_stop(struct http_worker *w)
{
	struct http_job *job;

	pthread_mutex_lock(&w->lock);
	if (w->stop) {
		pthread_mutex_unlock(&w->lock);
		return;
	}
	w->stop = true;
	/* What is still queued is cancelled here, and the thread only finishes the job it runs. */
	job = w->head;
	w->head = w->tail = NULL;
	w->n_queued = 0;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	while (job) {
		struct http_job *next = job->next;

		job->run(job, true);
		job = next;
	}
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = false;
}

void http_worker_free(struct http_worker *w)
{
	if (!w)
		return;
	http_worker_stop(w);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
