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
	size_t n_cache, next_cache;
};

struct auth {
	pthread_mutex_t lock;
	struct user_set *set;
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

int auth_set_users(struct auth *a, const struct config_user *users, size_t n)
{
	struct user_set *s, *old;
	int r;

	r = set_new(users, n, &s);
	if (r < 0)
		return r;
	pthread_mutex_lock(&a->lock);
	old = a->set;
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

static bool check(struct user_set *s, const char *user, const char *password)
{
	uint8_t d[DIGEST_SIZE];
	const char *hash = NULL;
	bool have_digest, hit = false, ok;
	size_t nu = strlen(user);

	have_digest = digest(user, password, d) == 0;
	if (have_digest) {
		pthread_mutex_lock(&s->cache_lock);
		for (size_t i = 0; i < s->n_cache; i++)
			hit |= equal_ct(s->cache[i], d, DIGEST_SIZE);
		pthread_mutex_unlock(&s->cache_lock);
		if (hit)
			return true;
	}

	/*
	 * Look at every user, and run bcrypt even when none matches (against the first
	 * user's hash, so at a real cost): an unknown name takes as long as a known one.
	 */
	for (size_t i = 0; i < s->n; i++) {
		const char *name = s->users[i].name;
		bool match = strlen(name) == nu && equal_ct(name, user, nu);

		if (match && !hash)
			hash = s->users[i].hash;
	}
	ok = auth_check_password(password, hash ?: s->users[0].hash) && hash;

	if (ok && have_digest) {
		pthread_mutex_lock(&s->cache_lock);
		memcpy(s->cache[s->next_cache], d, DIGEST_SIZE);
		s->next_cache = (s->next_cache + 1) % CACHE_SIZE;
		if (s->n_cache < CACHE_SIZE)
			s->n_cache++;
		pthread_mutex_unlock(&s->cache_lock);
	}
	explicit_bzero(d, sizeof(d));
	return ok;
}

bool auth_authorize(void *userdata, const char *user, const char *password)
{
	struct auth *a = userdata;
	struct user_set *s;
	bool ok;

	pthread_mutex_lock(&a->lock);
	s = a->set;
	s->n_ref++;
	pthread_mutex_unlock(&a->lock);

	if (s->n == 0)
		ok = true;
	else if (!user || !password)
		ok = false;		/* nothing to hide: no name was tried */
	else
		ok = check(s, user, password);

	set_unref(a, s);
	return ok;
}
