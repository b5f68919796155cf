/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "auth.h"

#define CACHE_SIZE 16
#define DIGEST_SIZE 32		/* SHA-256 */

struct user_set {
	unsigned n_ref;		/* under auth.lock */
	struct config_user *users;
	size_t n;

	pthread_mutex_t cache_lock;
	uint8_t cache[CACHE_SIZE][DIGEST_SIZE];
	size_t cache_user[CACHE_SIZE];		/* whose: an index into users */
	size_t n_cache, next_cache;
};

/*
 * A client address that failed: after BACKOFF_FREE failures in a row it waits BACKOFF_FIRST_USEC
 * before its next check, twice as long after each further failure, up to BACKOFF_MAX_USEC; a
 * success forgets it.  One check at a time per address.
 */
#define SOURCES 256
#define BACKOFF_FREE 3
#define BACKOFF_FIRST_USEC 500000ULL
#define BACKOFF_MAX_USEC 30000000ULL

struct source {
	uint8_t key[16];	/* an IPv4 or IPv6 address */
	uint8_t len;
	bool in_flight;
	uint16_t failures;
	uint64_t last;		/* the last failure's time */
};

struct auth {
	pthread_mutex_t lock;
	struct user_set *set;

	pthread_mutex_t sources_lock;
	struct source sources[SOURCES];
};

/* Compares all of @n bytes, whatever the first difference. */
static bool equal_ct(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

static void set_free(struct user_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->users[i].name);
		free(s->users[i].hash);
	}
	free(s->users);
	explicit_bzero(s->cache, sizeof(s->cache));
	pthread_mutex_destroy(&s->cache_lock);
	free(s);
}

static int set_new(const struct config_user *users, size_t n, struct user_set **ret)
{
	struct user_set *s;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->n_ref = 1;
	pthread_mutex_init(&s->cache_lock, NULL);
	if (n > 0) {
		s->users = calloc(n, sizeof(*s->users));
		if (!s->users) {
			set_free(s);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < n; i++) {
		s->n++;
		s->users[i].name = strdup(users[i].name);
		s->users[i].hash = strdup(users[i].hash);
		if (!s->users[i].name || !s->users[i].hash) {
			set_free(s);
			return -ENOMEM;
		}
	}
	*ret = s;
	return 0;
}

int auth_new(const struct config_user *users, size_t n, struct auth **ret)
{
	struct auth *a;
	int r;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->sources_lock, NULL);
	r = set_new(users, n, &a->set);
	if (r < 0) {
		auth_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

static void set_unref(struct auth *a, struct user_set *s)
{
	bool last;

	pthread_mutex_lock(&a->lock);
	last = --s->n_ref == 0;
	pthread_mutex_unlock(&a->lock);
	if (last)
		set_free(s);
}

static void cache_add(struct user_set *s, const uint8_t d[DIGEST_SIZE], size_t user)
{
	pthread_mutex_lock(&s->cache_lock);
	memcpy(s->cache[s->next_cache], d, DIGEST_SIZE);
	s->cache_user[s->next_cache] = user;
	s->next_cache = (s->next_cache + 1) % CACHE_SIZE;
	if (s->n_cache < CACHE_SIZE)
		s->n_cache++;
	pthread_mutex_unlock(&s->cache_lock);
}

int auth_set_users(struct auth *a, const struct config_user *users, size_t n)
{
	struct user_set *s, *old;
	int r;

	r = set_new(users, n, &s);
	if (r < 0)
		return r;
	pthread_mutex_lock(&a->lock);
	old = a->set;
	/*
	 * The successes of users whose name and hash stay are still good: a reload does not make
	 * every scraper pay bcrypt again.  (Under a.lock, no check can change a new set's cache yet.)
	 */
	pthread_mutex_lock(&old->cache_lock);
	for (size_t i = 0; i < old->n_cache; i++) {
		const struct config_user *u = &old->users[old->cache_user[i]];

		for (size_t k = 0; k < s->n; k++)
			if (strcmp(s->users[k].name, u->name) == 0 && strcmp(s->users[k].hash, u->hash) == 0) {
				cache_add(s, old->cache[i], k);
				break;
			}
	}
	pthread_mutex_unlock(&old->cache_lock);
	a->set = s;
	pthread_mutex_unlock(&a->lock);
	set_unref(a, old);
	return 0;
}

void auth_free(struct auth *a)
{
	if (!a)
		return;
	if (a->set)
		set_unref(a, a->set);
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->sources_lock);
	free(a);
}

bool auth_check_password(const char *password, const char *hash)
{
	struct crypt_data *cd;
	const char *out;
	size_t n = strlen(hash);
	bool ok;

	/* struct crypt_data is 32 KiB: too much for the stack of MHD's threads. */
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return false;
	/*
	 * crypt_rn(), not crypt_r(): ASan intercepts crypt_r(), and with --as-needed libcrypt then
	 * drops out of the link and the interceptor has nothing to call.  Same function otherwise;
	 * it fails with NULL, never with a string equal to a valid hash.
	 */
	out = crypt_rn(password, hash, cd, sizeof(*cd));
	ok = out && strlen(out) == n && equal_ct(out, hash, n);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

/* SHA-256 of "user\0password": what the cache keeps. */
static int digest(const char *user, const char *password, uint8_t out[DIGEST_SIZE])
{
	size_t nu = strlen(user), np = strlen(password);
	char *buf;
	int r;

	buf = malloc(nu + 1 + np);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, user, nu + 1);
	memcpy(buf + nu + 1, password, np);
	r = gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, nu + 1 + np, out);
	explicit_bzero(buf, nu + 1 + np);
	free(buf);
	return r < 0 ? -EIO : 0;
}

/* True when @d is a remembered success. */
static bool cache_hit(struct user_set *s, const uint8_t d[DIGEST_SIZE])
{
	bool hit = false;

	pthread_mutex_lock(&s->cache_lock);
	for (size_t i = 0; i < s->n_cache; i++)
		hit |= equal_ct(s->cache[i], d, DIGEST_SIZE);
	pthread_mutex_unlock(&s->cache_lock);
	return hit;
}


/* @full: run bcrypt when the cache does not know the pair; else answer from the cache alone. */
static bool check(struct user_set *s, const char *user, const char *password, bool full)
{
	uint8_t d[DIGEST_SIZE];
	const char *hash = NULL;
	bool have_digest, ok;
	size_t nu = strlen(user), who = 0;

	have_digest = digest(user, password, d) == 0;
	if (have_digest && cache_hit(s, d)) {
		explicit_bzero(d, sizeof(d));
		return true;
	}
	if (!full) {
		explicit_bzero(d, sizeof(d));
		return false;
	}

	/*
	 * Look at every user, and run bcrypt even when none matches (against the first
	 * user's hash, so at a real cost): an unknown name takes as long as a known one.
	 */
	for (size_t i = 0; i < s->n; i++) {
		const char *name = s->users[i].name;
		bool match = strlen(name) == nu && equal_ct(name, user, nu);

		if (match && !hash) {
			hash = s->users[i].hash;
			who = i;
		}
	}
	ok = auth_check_password(password, hash ?: s->users[0].hash) && hash;

	if (ok && have_digest)
		cache_add(s, d, who);
	explicit_bzero(d, sizeof(d));
	return ok;
}

static struct user_set *set_get(struct auth *a)
{
	struct user_set *s;

	pthread_mutex_lock(&a->lock);
	s = a->set;
	s->n_ref++;
	pthread_mutex_unlock(&a->lock);
	return s;
}

static bool authorize(struct auth *a, const char *user, const char *password, bool full)
{
	struct user_set *s = set_get(a);
	bool ok;

	if (s->n == 0)
		ok = true;
	else if (!user || !password)
		ok = false;		/* nothing to hide: no name was tried */
	else
		ok = check(s, user, password, full);

	set_unref(a, s);
	return ok;
}

bool auth_authorize(void *userdata, const char *user, const char *password)
{
	return authorize(userdata, user, password, true);
}

bool auth_remembered(struct auth *a, const char *user, const char *password)
{
	return authorize(a, user, password, false);
}

bool auth_open(struct auth *a)
{
	struct user_set *s = set_get(a);
	bool open = s->n == 0;

	set_unref(a, s);
	return open;
}

/* ---- failures from a source back off ---- */

static struct source *source_find(struct auth *a, const void *key, size_t len, uint64_t now, bool create)
{
	struct source *free_slot = NULL, *oldest = NULL;

	if (len > sizeof(a->sources[0].key))
		len = sizeof(a->sources[0].key);
	for (size_t i = 0; i < SOURCES; i++) {
		struct source *e = &a->sources[i];

		if (e->len == len && memcmp(e->key, key, len) == 0 && (e->in_flight || e->failures))
			return e;
		if (!e->in_flight && !e->failures)
			free_slot = free_slot ?: e;
		else if (!e->in_flight && (!oldest || e->last < oldest->last))
			oldest = e;
	}
	if (!create)
		return NULL;
	/* Forget the source that failed longest ago, when every slot is taken. */
	free_slot = free_slot ?: oldest;
	if (!free_slot)
		return NULL;
	*free_slot = (struct source) { .len = (uint8_t) len, .last = now };
	memcpy(free_slot->key, key, len);
	return free_slot;
}

/* 0.5 s after the third failure in a row, doubling up to 30 s. */
static uint64_t backoff_usec(unsigned failures)
{
	uint64_t d;

	if (failures < BACKOFF_FREE)
		return 0;
	d = BACKOFF_FIRST_USEC << (failures - BACKOFF_FREE < 10 ? failures - BACKOFF_FREE : 10);
	return d < BACKOFF_MAX_USEC ? d : BACKOFF_MAX_USEC;
}

int auth_source_begin(struct auth *a, const void *source, size_t len, uint64_t now, uint64_t *ret_wait_usec)
{
	struct source *e;
	uint64_t wait = 0;

	pthread_mutex_lock(&a->sources_lock);
	e = source_find(a, source, len, now, true);
	if (!e)
		wait = BACKOFF_FIRST_USEC;		/* every slot is checking right now */
	else if (e->in_flight)
		wait = BACKOFF_FIRST_USEC;		/* one check at a time per source */
	else if (e->last + backoff_usec(e->failures) > now)
		wait = e->last + backoff_usec(e->failures) - now;
	else
		e->in_flight = true;
	pthread_mutex_unlock(&a->sources_lock);
	*ret_wait_usec = wait;
	return wait ? -EAGAIN : 0;
}

void auth_source_end(struct auth *a, const void *source, size_t len, bool ok, uint64_t now)
{
	struct source *e;

	pthread_mutex_lock(&a->sources_lock);
	e = source_find(a, source, len, now, false);
	if (e) {
		e->in_flight = false;
		e->last = now;
		if (ok)
			e->failures = 0;	/* the slot is free again */
		else if (e->failures < UINT16_MAX)
			e->failures++;
	}
	pthread_mutex_unlock(&a->sources_lock);
}

void auth_source_cancel(struct auth *a, const void *source, size_t len)
{
	struct source *e;

	pthread_mutex_lock(&a->sources_lock);
	e = source_find(a, source, len, 0, false);
	if (e)
		e->in_flight = false;
	pthread_mutex_unlock(&a->sources_lock);
}
