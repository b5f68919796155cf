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
 * struct auth holds the current user set; a reload swaps it atomically while
 * MHD's threads keep checking.  Library style: no printing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

struct auth;

/* An empty set (@n == 0) lets every request through. */
int auth_new(const struct config_user *users, size_t n, struct auth **ret);
void auth_free(struct auth *a);

/* Replaces the user set; the old one is freed once no check uses it. */
int auth_set_users(struct auth *a, const struct config_user *users, size_t n);

/*
 * The http_options.authorize callback: @userdata is a struct auth.  @user and
 * @password are NULL when the request had no (valid) Authorization header.
 */
bool auth_authorize(void *userdata, const char *user, const char *password);

/* True when @password matches @hash (one crypt_rn(), constant-time compare). */
bool auth_check_password(const char *password, const char *hash);
