/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "conf.h"
#include "http-listen.h"
#include "http-options.h"
#include "http-routes.h"
#include "util.h"

void config_init(struct config *c)
{
	const struct http_options d = HTTP_OPTIONS_DEFAULTS;

	*c = (struct config) {
		.connection_limit = d.connection_limit,
		.per_ip_connection_limit = d.per_ip_connection_limit,
		.header_timeout_sec = d.header_timeout_sec,
		.connection_timeout_sec = d.connection_timeout_sec,
		.connection_memory_limit = d.connection_memory_limit,
		.endpoints = http_routes_all,
	};
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static void free_users(struct config_user *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(u[i].name);
		free(u[i].hash);
	}
	free(u);
}

/* Key material: cleared before it goes back to the allocator. */
static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void config_done(struct config *c)
{
	free_list(c->listen, c->n_listen);
	free(c->root);
	free(c->user);
	for (size_t i = 0; i < _BM_SRC_MAX; i++)
		free(c->source[i]);
	free(c->tls_certificate_file);
	free(c->tls_key_file);
	free(c->tls_certificate_pem);
	free_secret(c->tls_key_pem);
	free_users(c->users, c->n_users);
	*c = (struct config) {};
}

void config_report_paths(const struct config *c, struct report_paths *ret)
{
	*ret = (struct report_paths) {};
	for (size_t i = 0; i < _BM_SRC_MAX; i++)
		ret->path[i] = c->source[i];
}

/* ---- value parsers: 0 or a negative errno, and a reason for the message ---- */

/* chrony's parse_int(): decimal, no sign, no spaces, inside [min, max]. */
static int parse_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *ret,
		      const char **why)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char) s[0])) {
		*why = "not a number";
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end) {
		*why = "not a number";
		return -EINVAL;
	}
	if (errno == ERANGE || v < min || v > max) {
		*why = "out of range";
		return -ERANGE;
	}
	*ret = v;
	return 0;
}

/* A byte count with an optional binary suffix: 32768, 32K, 1M. */
static int parse_size(const char *s, unsigned long long min, unsigned long long max, unsigned long long *ret,
		      const char **why)
{
	char buf[32];
	size_t n = strlen(s);
	unsigned long long mult = 1, v;
	int r;

	if (n > 0 && strchr("KkMm", s[n - 1])) {
		mult = s[n - 1] == 'K' || s[n - 1] == 'k' ? 1024 : 1024 * 1024;
		n--;
	}
	if (n == 0 || n >= sizeof(buf)) {
		*why = n == 0 ? "not a number" : "out of range";
		return n == 0 ? -EINVAL : -ERANGE;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	r = parse_uint(buf, 0, ULLONG_MAX / (1024 * 1024), &v, why);
	if (r < 0)
		return r;
	v *= mult;
	if (v < min || v > max) {
		*why = "out of range";
		return -ERANGE;
	}
	*ret = v;
	return 0;
}

/* systemd's parse_boolean(). */
static int parse_boolean(const char *s)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -EINVAL;
}

/* Expands %d ($CREDENTIALS_DIRECTORY) and %% in a path; anything else after % is an error. */
static int expand_path(const char *s, char **ret, const char **why)
{
	const char *creds = getenv("CREDENTIALS_DIRECTORY");
	size_t cap = strlen(s) + 1, n = 0;
	_cleanup_free_ char *out = NULL;

	for (const char *p = s; *p; p++)
		if (p[0] == '%' && p[1] == 'd')
			cap += creds ? strlen(creds) : 0;
	out = malloc(cap);
	if (!out)
		return -ENOMEM;
	for (const char *p = s; *p; p++) {
		if (*p != '%') {
			out[n++] = *p;
			continue;
		}
		p++;
		if (*p == '%')
			out[n++] = '%';
		else if (*p == 'd') {
			if (!creds || !*creds) {
				*why = "%d needs $CREDENTIALS_DIRECTORY, which is not set";
				return -EINVAL;
			}
			memcpy(out + n, creds, strlen(creds));
			n += strlen(creds);
		} else {
			*why = "unknown specifier: only %d and %% are expanded";
			return -EINVAL;
		}
	}
	out[n] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

static const char *const bcrypt_alphabet =
	"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

bool config_bcrypt_hash_valid(const char *h)
{
	/* "$2b$" cost "$" 22 characters of salt, 31 of hash: 60 in all (crypt(5)). */
	if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || (h[2] != 'y' && h[2] != 'b') || h[3] != '$' ||
	    !isdigit((unsigned char) h[4]) || !isdigit((unsigned char) h[5]) || h[6] != '$')
		return false;
	int cost = (h[4] - '0') * 10 + (h[5] - '0');
	/*
	 * crypt(5) allows up to 31, about 30 hours a check at 31; every check
	 * runs while a request waits, so cap it where one stays well under 2 s.
	 */
	if (cost < 4 || cost > 14)
		return false;
	return strspn(h + 7, bcrypt_alphabet) == 53;
}

/* ---- the keys ---- */

struct parser;
typedef int (*handler_t)(struct parser *p, struct config *c, const char *value);

struct key {
	const char *section;
	const char *name;
	handler_t handler;
	size_t offset;			/* of the field the generic handlers set */
	unsigned long long min, max;	/* numbers */
	uint32_t routes;		/* [Endpoints]: the routes the key switches */
};

struct parser {
	const char *filename;
	int line;
	const struct key *key;
	const char *value;
	struct config_error *err;
	unsigned flags;
	int tls_cert_line, tls_key_line;	/* where [TLS] was set, for the check at the end */
	struct key source_key;		/* the [Sources] key being set, from the source table */
	struct key endpoint_key;		/* the [Endpoints] key being set, from the route table */
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	p->err->line = p->line;
	if (p->key && strcmp(p->key->name, "User") == 0) {
		/* Not the hash: it has no business in a log. */
		size_t n = strcspn(p->value, ":");

		snprintf(p->err->message, sizeof(p->err->message), "%s:%d: [%s] User=%.*s:...: %s", p->filename,
			 p->line, p->key->section, (int) (n > 64 ? 64 : n), p->value, what);
	} else if (p->key)
		snprintf(p->err->message, sizeof(p->err->message), "%s:%d: [%s] %s=%.128s%s: %s", p->filename,
			 p->line, p->key->section, p->key->name, p->value, strlen(p->value) > 128 ? "..." : "", what);
	else
		snprintf(p->err->message, sizeof(p->err->message), "%s:%d: %s", p->filename, p->line, what);
	return -EINVAL;
}

#define FIELD(c, type, off) ((type *) ((char *) (c) + (off)))

static int set_uint(struct parser *p, struct config *c, const char *value)
{
	unsigned long long v;
	const char *why;

	if (parse_uint(value, p->key->min, p->key->max, &v, &why) < 0)
		return fail(p, "%s, expected an integer in %llu...%llu", why, p->key->min, p->key->max);
	*FIELD(c, unsigned, p->key->offset) = (unsigned) v;
	return 0;
}

static int set_size(struct parser *p, struct config *c, const char *value)
{
	unsigned long long v;
	const char *why;

	if (parse_size(value, p->key->min, p->key->max, &v, &why) < 0)
		return fail(p, "%s, expected bytes (K and M suffixes allowed) in %llu...%llu", why, p->key->min,
			    p->key->max);
	*FIELD(c, size_t, p->key->offset) = (size_t) v;
	return 0;
}

static int set_endpoint(struct parser *p, struct config *c, const char *value)
{
	int b = parse_boolean(value);

	if (b < 0)
		return fail(p, "not a boolean, expected yes or no");
	if (b)
		c->endpoints |= p->key->routes;
	else
		c->endpoints &= ~p->key->routes;
	return 0;
}

/* A string field; an empty value restores the default. */
static int set_path(struct parser *p, struct config *c, const char *value)
{
	char **field = FIELD(c, char *, p->key->offset), *v = NULL;
	const char *why;
	int r;

	if (*value) {
		r = expand_path(value, &v, &why);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return fail(p, "%s", why);
	}
	free(*field);
	*field = v;
	return 0;
}

/* User=: a user name or a uid, looked up when the server drops root; empty = the default. */
static int set_user(struct parser *p, struct config *c, const char *value)
{
	char *v = NULL;

	if (strlen(value) > 32 || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789_.-") != strlen(value) || *value == '-')
		return fail(p, "not a user name or uid");
	if (*value && !(v = strdup(value)))
		return -ENOMEM;
	free(c->user);
	c->user = v;
	return 0;
}

static int set_root(struct parser *p, struct config *c, const char *value)
{
	int r;

	if (*value && value[0] != '/' && value[0] != '%')
		return fail(p, "not an absolute path");
	r = set_path(p, c, value);
	if (r < 0)
		return r;
	if (c->root)
		c->set |= CONFIG_SET_ROOT;
	else
		c->set &= ~CONFIG_SET_ROOT;
	return 0;
}

static int set_tls_file(struct parser *p, struct config *c, const char *value)
{
	int r = set_path(p, c, value);

	if (r < 0)
		return r;
	if (p->key->offset == offsetof(struct config, tls_certificate_file))
		p->tls_cert_line = *value ? p->line : 0;
	else
		p->tls_key_line = *value ? p->line : 0;
	return 0;
}

static int add_listen(struct parser *p, struct config *c, const char *value)
{
	struct listen_address a;
	char *s;

	if (!*value) {
		free_list(c->listen, c->n_listen);
		c->listen = NULL;
		c->n_listen = c->listen_cap = 0;
		c->set &= ~CONFIG_SET_LISTEN;
		return 0;
	}
	if (listen_address_parse(value, &a) < 0)
		return fail(p, "not an address, expected IPv4:PORT, [IPv6]:PORT or :PORT");
	if (c->n_listen >= 64)
		return fail(p, "more than 64 addresses");
	if (GROW(c->listen, c->listen_cap, c->n_listen + 1) < 0)
		return -ENOMEM;
	s = strdup(value);
	if (!s)
		return -ENOMEM;
	c->listen[c->n_listen++] = s;
	c->set |= CONFIG_SET_LISTEN;
	return 0;
}

static int add_user(struct parser *p, struct config *c, const char *value)
{
	const char *colon = strchr(value, ':'), *hash;
	_cleanup_free_ char *name = NULL;
	size_t n, i;

	if (!*value) {
		free_users(c->users, c->n_users);
		c->users = NULL;
		c->n_users = c->users_cap = 0;
		return 0;
	}
	if (!colon)
		return fail(p, "expected NAME:BCRYPT-HASH");
	n = colon - value;
	if (n == 0 || n > 64)
		return fail(p, "the user name must have 1 to 64 characters");
	for (i = 0; i < n; i++)
		if ((unsigned char) value[i] <= ' ' || value[i] == 0x7f)
			return fail(p, "the user name must not contain spaces or control characters");
	hash = colon + 1;
	if (!config_bcrypt_hash_valid(hash))
		return fail(p, "malformed bcrypt hash, expected $2y$ or $2b$, a cost of 04 to 14 and 53 characters "
			    "(htpasswd -nbBC 10 NAME PASSWORD makes one)");
	if (c->n_users >= 1024)
		return fail(p, "more than 1024 users");

	name = strndup(value, n);
	if (!name)
		return -ENOMEM;
	/* A later line for the same user wins, as for any other key. */
	for (i = 0; i < c->n_users; i++)
		if (strcmp(c->users[i].name, name) == 0)
			break;
	if (i == c->n_users) {
		if (GROW(c->users, c->users_cap, c->n_users + 1) < 0)
			return -ENOMEM;
		c->users[c->n_users++] = (struct config_user) {};
	}
	free(c->users[i].name);
	free(c->users[i].hash);
	c->users[i].name = TAKE_PTR(name);
	c->users[i].hash = strdup(hash);
	if (!c->users[i].hash)
		return -ENOMEM;
	return 0;
}

#define K_UINT(sec, key, field, lo, hi) \
	{ sec, key, set_uint, offsetof(struct config, field), lo, hi, 0 }
#define K_SIZE(sec, key, field, lo, hi) \
	{ sec, key, set_size, offsetof(struct config, field), lo, hi, 0 }

static const struct key keys[] = {
	{ "Server", "Listen", add_listen, 0, 0, 0, 0 },
	K_UINT("Server", "ConnectionLimit", connection_limit, 1, 65536),
	K_UINT("Server", "PerIPConnectionLimit", per_ip_connection_limit, 0, 65536),
	K_UINT("Server", "HeaderTimeoutSec", header_timeout_sec, 0, 3600),
	K_UINT("Server", "ConnectionTimeoutSec", connection_timeout_sec, 0, 86400),
	K_SIZE("Server", "ConnectionMemoryLimit", connection_memory_limit, 4096, 16u << 20),
	{ "Server", "User", set_user, 0, 0, 0, 0 },

	{ "Sources", "Root", set_root, offsetof(struct config, root), 0, 0, 0 },
	/* and one KEY=PATH per source, from the source table (parse_line()) */

	/* [Endpoints]: each route's key, from the route table (http-routes.c). */

	{ "TLS", "CertificateFile", set_tls_file, offsetof(struct config, tls_certificate_file), 0, 0, 0 },
	{ "TLS", "KeyFile", set_tls_file, offsetof(struct config, tls_key_file), 0, 0, 0 },

	{ "BasicAuth", "User", add_user, 0, 0, 0, 0 },
};

static const char *const sections[] = { "Server", "Sources", "Endpoints", "TLS", "BasicAuth" };

int config_set_source(struct config *c, const char *name, const char *path)
{
	const struct source_desc *d = source_by_option(name);
	const char *why;
	char *v;
	int r;

	if (!d || !*path)
		return -EINVAL;
	r = expand_path(path, &v, &why);
	if (r < 0)
		return r;
	free(c->source[source_id(d)]);
	c->source[source_id(d)] = v;
	return 0;
}

/* Strips leading and trailing whitespace in place. */
static char *strip(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int read_small_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	return util_read_file_at(AT_FDCWD, path, max, ret, ret_len);
}

static int load_pem(struct parser *p, const struct key *key, const char *path, int line, const char *what,
		    char **ret)
{
	char *buf = NULL;
	size_t len;
	int r;

	p->line = line;
	p->key = key;
	p->value = path;
	r = read_small_file(path, CONFIG_MAX_PEM, &buf, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		fail(p, "cannot read the %s: %s", what, r == -EFBIG ? "larger than 1 MiB" : util_read_strerror(r));
		return r;
	}
	if (strlen(buf) != len || !strstr(buf, "-----BEGIN ")) {
		explicit_bzero(buf, len);
		free(buf);
		return fail(p, "the %s is not in PEM format", what);
	}
	*ret = buf;
	return 0;
}

static const struct key *find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/*
 * What MHD will do with the PEM text at startup, done now: a key that does not belong to the
 * certificate, or a file GnuTLS cannot parse, is a configuration error with a line, not a server
 * that fails to start (or a reload that half applies).
 */
static int check_key_pair(struct parser *p, struct config *c)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert = { (unsigned char *) c->tls_certificate_pem, strlen(c->tls_certificate_pem) };
	gnutls_datum_t key = { (unsigned char *) c->tls_key_pem, strlen(c->tls_key_pem) };
	int g;

	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return -ENOMEM;
	g = gnutls_certificate_set_x509_key_mem(cred, &cert, &key, GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (g >= 0)
		return 0;
	p->line = p->tls_key_line;
	p->key = find_key("TLS", "KeyFile");
	p->value = c->tls_key_file;
	return fail(p, "the certificate and key are not a usable pair: %s", gnutls_strerror(g));
}


static int parse_line(struct parser *p, struct config *c, char *line, const char **section, bool *ignore)
{
	char *key, *value, *eq;

	line = strip(line);
	if (!*line || *line == '#' || *line == ';')
		return 0;

	if (*line == '[') {
		size_t n = strlen(line);

		if (line[n - 1] != ']' || n < 3)
			return fail(p, "invalid section header \"%.64s\", expected [Name]", line);
		line[n - 1] = '\0';
		line++;
		*ignore = strncmp(line, "X-", 2) == 0;
		*section = NULL;
		if (*ignore)
			return 0;
		for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
			if (strcmp(line, sections[i]) == 0)
				*section = sections[i];
		if (!*section)
			return fail(p, "unknown section [%.64s], expected [Server], [Sources], [Endpoints], [TLS] or "
				    "[BasicAuth]", line);
		return 0;
	}

	eq = strchr(line, '=');
	if (!eq)
		return fail(p, "\"%.64s\": missing '=', expected Key=value", line);
	*eq = '\0';
	key = strip(line);
	value = strip(eq + 1);
	if (!*key)
		return fail(p, "missing key name before '='");
	if (*ignore)
		return 0;
	if (!*section)
		return fail(p, "%.64s= outside of a section", key);

	p->key = find_key(*section, key);
	if (!p->key && strcmp(*section, "Sources") == 0) {
		const struct source_desc *d = source_by_key(key);

		/* One KEY=PATH per source, from the table: a string field set like any path. */
		if (d) {
			p->source_key = (struct key) { "Sources", d->key, set_path,
						       offsetof(struct config, source) + source_id(d) * sizeof(char *) };
			p->key = &p->source_key;
		}
	}
	if (!p->key && strcmp(*section, "Endpoints") == 0 && http_routes_by_key(key)) {
		/* One switch per route key, from the route table: several routes may share it. */
		p->endpoint_key = (struct key) { "Endpoints", key, set_endpoint, .routes = http_routes_by_key(key) };
		p->key = &p->endpoint_key;
	}
	p->value = value;
	if (!p->key) {
		p->value = "";
		return fail(p, "unknown key %.64s in section [%s]", key, *section);
	}
	return p->key->handler(p, c, value);
}

int config_parse(struct config *c, const char *text, size_t len, const char *filename, unsigned flags,
		 struct config_error *err)
{
	struct parser p = { .filename = filename ?: "(config)", .err = err, .flags = flags };
	const char *section = NULL, *pos = text, *end = text + len;
	bool ignore = false;
	_cleanup_free_ char *buf = NULL;
	int r;

	*err = (struct config_error) {};
	buf = malloc(CONFIG_MAX_LINE + 1);
	if (!buf)
		return -ENOMEM;

	while (pos < end) {
		const char *nl = memchr(pos, '\n', end - pos);
		size_t n = nl ? (size_t) (nl - pos) : (size_t) (end - pos);

		p.line++;
		p.key = NULL;
		p.value = "";
		if (n > CONFIG_MAX_LINE)
			return fail(&p, "line longer than %u bytes", CONFIG_MAX_LINE);
		if (memchr(pos, '\0', n))
			return fail(&p, "NUL byte in the line");
		memcpy(buf, pos, n);
		buf[n] = '\0';
		r = parse_line(&p, c, buf, &section, &ignore);
		if (r < 0)
			return r;
		pos = nl ? nl + 1 : end;
	}

	/* TLS needs both files. */
	p.key = NULL;
	if (!!c->tls_certificate_file != !!c->tls_key_file) {
		p.line = c->tls_certificate_file ? p.tls_cert_line : p.tls_key_line;
		p.key = find_key("TLS", c->tls_certificate_file ? "CertificateFile" : "KeyFile");
		p.value = c->tls_certificate_file ?: c->tls_key_file;
		return fail(&p, "[TLS] needs both CertificateFile= and KeyFile=");
	}
	if (c->tls_certificate_file && !(flags & CONFIG_NO_FILES)) {
		free(c->tls_certificate_pem);
		c->tls_certificate_pem = NULL;
		free_secret(c->tls_key_pem);
		c->tls_key_pem = NULL;
		r = load_pem(&p, find_key("TLS", "CertificateFile"), c->tls_certificate_file, p.tls_cert_line,
			     "certificate", &c->tls_certificate_pem);
		if (r >= 0)
			r = load_pem(&p, find_key("TLS", "KeyFile"), c->tls_key_file, p.tls_key_line, "key",
				     &c->tls_key_pem);
		if (r >= 0)
			r = check_key_pair(&p, c);
		if (r < 0)
			return r;
	}
	return 0;
}

int config_load_file(struct config *c, const char *path, unsigned flags, struct config_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	*err = (struct config_error) {};
	r = read_small_file(path, CONFIG_MAX_FILE, &text, &len);
	if (r < 0) {
		snprintf(err->message, sizeof(err->message), "%s: %s", path,
			 r == -EFBIG ? "larger than 1 MiB" : util_read_strerror(r));
		return r;
	}
	return config_parse(c, text, len, path, flags, err);
}

bool config_users_equal(const struct config *a, const struct config *b)
{
	if (a->n_users != b->n_users)
		return false;
	for (size_t i = 0; i < a->n_users; i++)
		if (strcmp(a->users[i].name, b->users[i].name) != 0 || strcmp(a->users[i].hash, b->users[i].hash) != 0)
			return false;
	return true;
}
