/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http_framing_check() (daemon/http-framing.c) on request heads laid out as
 * libmicrohttpd 0.9.75 lays them out: parsed in place in its read buffer,
 * line ends and the colon overwritten with NUL, values cut with strlen(),
 * a folded line joined in a copy elsewhere.  tests/http/hostile.py sends the
 * same cases to the real server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http-framing.h"
#include "tap.h"

#define MAX_HEADERS 16

struct parsed {
	char buf[1024];
	char folded[256];
	struct http_header headers[MAX_HEADERS];
	struct http_request_head head;
};

/* Cuts the line at @p (CRLF or LF) in place, returns the next one; *@len is the line's length. */
static char *end_line(char *p, char *end, size_t *len)
{
	char *lf = memchr(p, '\n', (size_t) (end - p));

	if (!lf)
		abort();
	*len = (size_t) (lf - p);
	if (lf > p && lf[-1] == '\r') {
		lf[-1] = '\0';
		(*len)--;
	}
	*lf = '\0';
	return lf + 1;
}

/* MHD's parse, as far as the layout goes; @raw ends with the empty line. */
static void parse(struct parsed *x, const char *raw, size_t len, int bodyless)
{
	char *p = x->buf, *end = x->buf + len, *line, *sp, *v;
	size_t n = 0, line_len;

	memset(x, 0, sizeof(*x));
	memcpy(x->buf, raw, len);
	x->head.start = x->buf;
	x->head.size = len;
	x->head.bodyless = bodyless;

	/* Request line: "METHOD SP TARGET SP VERSION", split by length as MHD does (memchr, from the end). */
	line = p;
	p = end_line(p, end, &line_len);
	sp = memchr(line, ' ', line_len);
	*sp = '\0';
	x->head.target = sp + 1;
	for (v = line + line_len - 1; *v != ' '; v--)
		;
	*v = '\0';
	x->head.version = v + 1;
	x->head.target_len = strlen(x->head.target);

	while (*p != '\r' && *p != '\n') {
		char *colon;

		line = p;
		p = end_line(p, end, &line_len);
		if (line[0] == ' ' || line[0] == '\t') {
			/* obs-fold: joined in a copy outside the read buffer. */
			struct http_header *h = &x->headers[n - 1];

			snprintf(x->folded, sizeof(x->folded), "%.*s%s", (int) h->value_len, h->value, line + 1);
			h->value = x->folded;
			h->value_len = strlen(x->folded);
			continue;
		}
		colon = strchr(line, ':');
		if (!colon)
			abort();
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		x->headers[n++] = (struct http_header) { line, strlen(line), v, strlen(v) };
	}
	end_line(p, end, &line_len);
	x->head.headers = x->headers;
	x->head.n_headers = n;
}

static void check(const char *what, const char *raw, size_t len, int bodyless, const char *want)
{
	struct parsed *x = malloc(sizeof(*x));
	const char *why;

	parse(x, raw, len, bodyless);
	why = http_framing_check(&x->head);
	if (want)
		CHECK(why && strstr(why, want), "%s: got \"%s\", want \"%s\"", what, why ?: "(sound)", want);
	else
		CHECK(!why, "%s: refused: %s", what, why);
	free(x);
}

#define GOOD(what, raw) check(what, raw, sizeof(raw) - 1, 1, NULL)
#define BAD(what, raw, want) check(what, raw, sizeof(raw) - 1, 1, want)

int main(void)
{
	GOOD("a plain request", "GET /metrics HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n");
	GOOD("no headers", "GET / HTTP/1.0\r\n\r\n");
	GOOD("no headers, LF", "GET / HTTP/1.0\n\n");
	GOOD("LF line ends", "GET / HTTP/1.1\nHost: a\nX: b\n\n");
	GOOD("an empty value", "GET / HTTP/1.1\r\nHost: a\r\nX:\r\n\r\n");
	GOOD("no space after the colon", "GET / HTTP/1.1\r\nHost:a\r\n\r\n");
	GOOD("tabs and trailing spaces", "GET / HTTP/1.1\r\nHost: a\r\nX:\t a\tb  \r\n\r\n");
	GOOD("Content-Length: 0 on a GET", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
	GOOD("a query", "GET /api/v1/events?kind=alloc&tag=initrd HTTP/1.1\r\nHost: a\r\n\r\n");
	GOOD("obs-text", "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n");
	check("a body on a POST", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
	      sizeof("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n") - 1, 0, NULL);

	BAD("a repeated Host", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", "repeated Host");
	BAD("the same Content-Length twice", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
	    "repeated Content-Length");
	BAD("two Content-Lengths", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n",
	    "repeated Content-Length");
	BAD("Transfer-Encoding with Content-Length",
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
	    "Transfer-Encoding together with Content-Length");
	BAD("a GET with a body", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", "a body on a GET");
	BAD("a GET with chunks", "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", "a body on a GET");
	BAD("whitespace before the colon", "GET / HTTP/1.1\r\nHost: a\r\nX : b\r\n\r\n", "not a token");
	BAD("a bare CR", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", "control character");
	BAD("a bare CR at the end", "GET / HTTP/1.1\r\nHost: a\r\nX: ab\r\r\n\r\n", "control character");
	BAD("a control character", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01" "b\r\n\r\n", "control character");
	BAD("DEL", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f" "b\r\n\r\n", "control character");
	BAD("a NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\nY: c\r\n\r\n", "NUL");
	BAD("a NUL in the last value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", "NUL");
	BAD("a NUL at a value's end", "GET / HTTP/1.1\r\nHost: a\r\nX: ab\0\r\n\r\n", "NUL");
	BAD("a NUL at a value's end, LF", "GET / HTTP/1.1\nHost: a\nX: ab\0\n\n", "NUL");
	BAD("NULs at a value's end", "GET / HTTP/1.1\r\nHost: a\r\nX: ab\0\0\r\nY: c\r\n\r\n", "NUL");
	BAD("a NUL in the request target", "GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n", "request target");
	BAD("a NUL after the version", "GET / HTTP/1.1\0\r\nHost: a\r\n\r\n", "NUL");
	BAD("mixed line ends", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", "NUL");
	BAD("a folded line", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", "folded");

	/* Not in place (another MHD): the layout is not judged, the header list still is. */
	{
		struct http_header h[] = { { "Host", 4, "a", 1 }, { "X", 1, "b", 1 } };
		struct http_request_head head = { .start = NULL, .size = 0, .version = "HTTP/1.1", .headers = h,
						  .n_headers = 2, .bodyless = 1 };

		CHECK(!http_framing_check(&head), "not in place: sound");
		h[1] = (struct http_header) { "Host", 4, "b", 1 };
		CHECK(http_framing_check(&head) != NULL, "not in place: a repeated Host still refused");
	}
	return tap_done("test-framing");
}
