/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Least privilege for the serving process: once the inputs are read and the
 * sockets bound, nothing bootmemd does needs root.  Started as root, it
 * becomes an unprivileged user with no capabilities; in every case it sets
 * NoNewPrivs and confines itself to the system calls serving needs.
 * Functions return 0 or a negative errno, and fill @err when they fail.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#define PRIVILEGE_DEFAULT_USER "nobody"

struct privilege_user {
	uid_t uid;
	gid_t gid;		/* the user's primary group */
	char name[64];
};

/* Looks up @name (a user name or a numeric uid) in the user database. */
int privilege_lookup(const char *name, struct privilege_user *u, char *err, size_t errlen);

/*
 * Becomes @u: no supplementary groups, real, effective and saved ids set, so
 * that the kernel clears every capability; the bounding and ambient sets are
 * emptied first.  Does nothing when the process is not root.
 */
int privilege_drop(const struct privilege_user *u, char *err, size_t errlen);

/*
 * Sets NoNewPrivs and loads the seccomp filter, for every thread (libseccomp).
 * Returns 1, with a note in @err, when a filter the service manager installed
 * refuses to let another be added: the process is confined already.
 */
int privilege_confine(char *err, size_t errlen);
