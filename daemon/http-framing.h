/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Strict framing: whether a request's head is one that every reader parses
 * the same way.  A proxy in front of us and libmicrohttpd must agree on where
 * a request ends, or a second request hides in the first one's body
 * (request smuggling); RFC 9112 says a server must reject these with 400.
 *
 * libmicrohttpd 0.9.75 lets through a repeated Host, repeated or conflicting
 * Content-Length, Transfer-Encoding with Content-Length, whitespace before a
 * colon (its check for that only runs at strictness -1), line folding, bare
 * CR, control characters and NUL (it cuts the value at the NUL with strlen()).
 * Most of that shows in the header list it hands over.  A NUL does not: the
 * list holds the value up to the NUL.  But MHD parses in place, in its read
 * buffer, one line after the other, so every name must start right after the
 * previous line's end; where a NUL cut a value, the rest of the line sits in
 * between.  That is checked when the head is laid out that way (0.9.75 and
 * later), and skipped when it is not.
 *
 * Pure code over what MHD hands over: no allocation, safe on any input.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct http_header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

struct http_request_head {
	/* MHD's request line, in place: the start of the head (the method) and the version. */
	const char *start;
	size_t size;			/* MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE; 0 when unknown */
	const char *version;
	/* The request target as the URI log callback saw it, before MHD decoded it, and its strlen(). */
	const char *target;
	size_t target_len;
	const struct http_header *headers;	/* in the order of the request */
	size_t n_headers;
	bool bodyless;			/* GET or HEAD: a body is an error */
};

/* NULL when the head is sound, else what is wrong with it ("a repeated Host header"). */
const char *http_framing_check(const struct http_request_head *h);
