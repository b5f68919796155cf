/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootmemd.conf(5): the configuration file (conf.h, not config.h: that name is meson's
 * generated header, which main.c includes), in the INI dialect of systemd's
 * own .conf files.
 *
 *   [Section]          Server, Sources, Endpoints, TLS, BasicAuth; a section
 *                      whose name starts with "X-" is ignored, any other
 *                      unknown section is an error
 *   Key=value          whitespace around key and value is dropped; a later
 *                      assignment wins; list keys (Listen=, User=) add to the
 *                      list and an empty assignment empties it
 *   # or ; comment     on a line of its own
 *
 * Library style: every function returns 0 or a negative errno and never
 * prints.  A parse error fills a struct config_error with a message that
 * names the file, the line and the key ("/etc/bootmemd/bootmemd.conf:12:
 * ConnectionLimit=0: out of range, expected 1...65535").  Every number is
 * range-checked, every address parsed as --listen parses it, every bcrypt
 * hash checked for its shape, and the TLS files are read, all at load time,
 * so that a reload can refuse a bad file before it changes anything.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"

/* Refuse larger files outright: the shipped one is a few KiB. */
#define CONFIG_MAX_FILE (1u << 20)
#define CONFIG_MAX_LINE 4096
/* A TLS certificate chain or key in PEM. */
#define CONFIG_MAX_PEM (1u << 20)

/* Which settings the file assigned, so that the command line can tell what it overrides. */
enum {
	CONFIG_SET_LISTEN = 1u << 0,
	CONFIG_SET_ROOT = 1u << 1,
};

struct config_user {
	char *name;
	char *hash;		/* "$2y$" or "$2b$" bcrypt, checked at load time */
};

struct config {
	/* [Server] */
	char **listen;			/* "IPv4:PORT", "[IPv6]:PORT", ":PORT"; none = the built-in default */
	size_t n_listen, listen_cap;
	unsigned connection_limit;
	unsigned per_ip_connection_limit;	/* 0 = none */
	unsigned header_timeout_sec;		/* 0 = none */
	unsigned connection_timeout_sec;	/* 0 = none */
	size_t connection_memory_limit;		/* bytes */
	char *user;			/* User=: who serves when started as root; NULL = PRIVILEGE_DEFAULT_USER */

	/* [Sources]: NULL = the default; paths are relative to root (an absolute one too). */
	char *root;			/* NULL = "/" */
	char *source[_BM_SRC_MAX];	/* by enum bm_src; the keys are the table's (sources.c) */

	/* [Endpoints] */
	uint32_t endpoints;		/* the routes that answer (http-routes.h); each row names its key */

	/* [TLS]: both or neither; the PEM text is read at load time. */
	char *tls_certificate_file, *tls_key_file;
	char *tls_certificate_pem, *tls_key_pem;

	/* [BasicAuth]: none = no authentication. */
	struct config_user *users;
	size_t n_users, users_cap;

	unsigned set;			/* CONFIG_SET_* */
};

struct config_error {
	int line;			/* 0 when the error is not on one line (unreadable file) */
	char message[768];		/* "FILE:LINE: KEY=VALUE: what is wrong" */
};

enum {
	/* Do not read the TLS files a configuration names (the fuzzer). */
	CONFIG_NO_FILES = 1u << 0,
};

/* Sets every default. */
void config_init(struct config *c);
void config_done(struct config *c);

/*
 * Parses @len bytes of @text (need not be NUL-terminated) into @c, which
 * config_init() prepared; @filename goes into error messages.  On error @c
 * keeps whatever was parsed so far and must still be freed with
 * config_done(); callers load into a scratch struct config and keep the old
 * one until the new one is complete.  Returns -EINVAL for a bad file,
 * -ENOMEM, or the errno of an unreadable TLS file.
 */
int config_parse(struct config *c, const char *text, size_t len, const char *filename, unsigned flags,
		 struct config_error *err);

/* Reads @path and parses it.  -ENOENT when the file does not exist. */
int config_load_file(struct config *c, const char *path, unsigned flags, struct config_error *err);

/* The input paths as report_load() takes them; points into @c. */
void config_report_paths(const struct config *c, struct report_paths *ret);

/*
 * --source NAME=PATH, NAME as in the source table (sources.c): log, runtime,
 * fdt, ...  Sets one path; -EINVAL for an unknown name or an empty path.
 * Expands %d to $CREDENTIALS_DIRECTORY and %% to %.
 */
int config_set_source(struct config *c, const char *name, const char *path);

/* The bcrypt shape check used at load time: "$2y$" or "$2b$", cost 04-31, 53 characters. */
bool config_bcrypt_hash_valid(const char *hash);

/* A user whose name and hash differ, or a different set of users. */
bool config_users_equal(const struct config *a, const struct config *b);
