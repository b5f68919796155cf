/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "http-listen.h"
#include "util.h"

static int parse_port(const char *s, uint16_t *ret)
{
	unsigned long v;
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end || v > 65535)
		return -EINVAL;
	*ret = (uint16_t) v;
	return 0;
}

int listen_address_parse(const char *s, struct listen_address *ret)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST | AI_PASSIVE,
		.ai_socktype = SOCK_STREAM,
	}, *ai = NULL;
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	const char *port_str, *colon;
	struct listen_address a = {};
	uint16_t port;
	size_t n;

	if (s[0] == ':') {
		/* Every address: one dual-stack IPv6 socket; listen_address_bind() falls back to IPv4. */
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &a.sa;

		if (parse_port(s + 1, &port) < 0)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		sin6->sin6_port = htons(port);
		a.len = sizeof(*sin6);
		a.any = true;
		*ret = a;
		return 0;
	}

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		n = close - s - 1;
		if (n == 0 || n >= sizeof(host) || !memchr(s + 1, ':', n))
			return -EINVAL;
		memcpy(host, s + 1, n);
		port_str = close + 2;
		hints.ai_family = AF_INET6;
	} else {
		colon = strchr(s, ':');
		if (!colon || strchr(colon + 1, ':'))
			return -EINVAL;		/* an IPv6 address needs brackets */
		n = colon - s;
		if (n == 0 || n >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, n);
		port_str = colon + 1;
		hints.ai_family = AF_INET;
	}
	host[n] = '\0';

	if (parse_port(port_str, &port) < 0)
		return -EINVAL;
	if (getaddrinfo(host, NULL, &hints, &ai) != 0 || !ai)
		return -EINVAL;
	if (ai->ai_addrlen > sizeof(a.sa)) {
		freeaddrinfo(ai);
		return -EINVAL;
	}
	memcpy(&a.sa, ai->ai_addr, ai->ai_addrlen);
	a.len = ai->ai_addrlen;
	freeaddrinfo(ai);

	if (a.sa.ss_family == AF_INET)
		((struct sockaddr_in *) &a.sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *) &a.sa)->sin6_port = htons(port);
	*ret = a;
	return 0;
}

char *listen_address_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *) sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *sun = (const struct sockaddr_un *) sa;
		size_t n = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;

		if (n > 0 && sun->sun_path[0] == '\0')
			snprintf(buf, size, "@%.*s", (int) n - 1, sun->sun_path + 1);
		else
			snprintf(buf, size, "%.*s", (int) strnlen(sun->sun_path, n), sun->sun_path);
	} else
		snprintf(buf, size, "(address family %d)", sa->sa_family);
	return buf;
}

static int bind_one(const struct listen_address *a, bool v6only, int *ret_fd)
{
	_cleanup_close_ int fd = -1;
	int one = 1;

	fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -errno;
	if (a->sa.ss_family == AF_INET6) {
		int v = v6only;

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)) < 0)
			return -errno;
	}
	if (bind(fd, (const struct sockaddr *) &a->sa, a->len) < 0 || listen(fd, SOMAXCONN) < 0)
		return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int listen_address_bind(const struct listen_address *a, int *ret_fd)
{
	int r;

	r = bind_one(a, !a->any, ret_fd);
	if (r == -EAFNOSUPPORT && a->any) {
		/* No IPv6 in this kernel or namespace: every IPv4 address then. */
		struct listen_address v4 = { .len = sizeof(struct sockaddr_in) };
		struct sockaddr_in *sin = (struct sockaddr_in *) &v4.sa;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		sin->sin_port = ((const struct sockaddr_in6 *) &a->sa)->sin6_port;
		r = bind_one(&v4, false, ret_fd);
	}
	return r;
}
