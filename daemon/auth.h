/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HTTP basic auth against bcrypt hashes ([BasicAuth] in bootmemd.conf(5)),
 * checked with libcrypt (crypt_rn(): crypt_r() with a buffer size) as
 * node_exporter's web config checks them.
 *
 * A check costs one bcrypt whether the user exists or not, and compares in
 * constant time, so that neither the answer's timing nor its content tells
 * which user names exist.  bcrypt is slow on purpose (tens of ms at cost 10),
 * and a scrape every 15 s should not pay it every time: a successful check is
 * remembered as the SHA-256 of user and password (never the password), for
 * the life of the user set, as exporter-toolkit does.
 *
 * A check is split so that the HTTP server never runs bcrypt where it serves:
 * auth_remembered() answers from the cache at the cost of one SHA-256, and only
 * what it does not know goes to auth_authorize() on the server's worker.
 * Failures from one client address back off (auth_source_begin()), so that
 * guessing costs the guesser time and the server little.
 *
 * struct auth holds the current user set; a reload swaps it atomically while
 * MHD's threads keep checking.  Library style: no printing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct auth;

/* An empty set (@n == 0) lets every request through. */
int auth_new(const struct config_user *users, size_t n, struct auth **ret);
void auth_free(struct auth *a);

/* Replaces the user set; the old one is freed once no check uses it. */
int auth_set_users(struct auth *a, const struct config_user *users, size_t n);

/* No users: every request is let in. */
bool auth_open(struct auth *a);

/*
 * The full check, one bcrypt (tens of ms): @userdata is a struct auth.  @user
 * and @password are NULL when the request had no (valid) Authorization header.
 * A success is remembered.
 */
bool auth_authorize(void *userdata, const char *user, const char *password);

/* The cheap half: true when there are no users or this user and password succeeded before. */
bool auth_remembered(struct auth *a, const char *user, const char *password);

/*
 * Before a full check for a client, @source (its address, at most 16 bytes): 0 to go on, or
 * -EAGAIN and how long it has to wait, while it backs off after failures or has a check
 * running.  auth_source_end() reports the check's outcome.
 */
int auth_source_begin(struct auth *a, const void *source, size_t len, uint64_t now_usec, uint64_t *ret_wait_usec);
void auth_source_end(struct auth *a, const void *source, size_t len, bool ok, uint64_t now_usec);
/* No check happened after all (the server could not run it). */
void auth_source_cancel(struct auth *a, const void *source, size_t len);

/* True when @password matches @hash (one crypt_rn(), constant-time compare). */
bool auth_check_password(const char *password, const char *hash);
