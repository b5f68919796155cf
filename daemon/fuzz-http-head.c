/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for what a client or a configuration can put in front of
 * the HTTP server: a listen address (Listen=, --listen), and a request head
 * laid out in one buffer the way libmicrohttpd leaves it (NULs where the
 * separators were), checked by the strict framing rules.
 * Corpus: tests/fuzz/fuzz-http-head/.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http-framing.h"
#include "http-listen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADERS 64

static size_t line_end(const char *b, size_t at, size_t n)
{
	while (at < n && b[at] != '\n')
		at++;
	return at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_header h[MAX_HEADERS];
	struct listen_address a;
	const char *method, *target = "", *version = "";
	size_t n_h = 0, at, end, target_len = 0;
	char *b;

	b = malloc(size + 1);
	if (!b)
		return 0;
	memcpy(b, data, size);
	b[size] = '\0';
	(void) listen_address_parse(b, &a);

	/* The request line: METHOD SP TARGET SP VERSION, each ended by a NUL in place. */
	end = line_end(b, 0, size);
	method = b;
	for (size_t i = 0, field = 0; i < end; i++)
		if (b[i] == ' ' && field < 2) {
			b[i] = '\0';
			if (field++ == 0) {
				target = b + i + 1;
			} else
				version = b + i + 1;
		}
	target_len = strlen(target);
	if (end < size)
		b[end] = '\0';
	at = end + 1;
	/* Header lines up to an empty one: NAME ':' OWS VALUE OWS. */
	while (at < size && n_h < MAX_HEADERS) {
		size_t colon, v, ve;

		end = line_end(b, at, size);
		if (end == at || (end == at + 1 && b[at] == '\r')) {
			at = end + 1;
			break;
		}
		for (colon = at; colon < end && b[colon] != ':'; colon++)
			;
		if (colon == end)
			break;
		b[colon] = '\0';
		for (v = colon + 1; v < end && (b[v] == ' ' || b[v] == '\t'); v++)
			;
		for (ve = end; ve > v && (b[ve - 1] == ' ' || b[ve - 1] == '\t' || b[ve - 1] == '\r'); ve--)
			;
		b[end < size ? end : size] = '\0';
		h[n_h++] = (struct http_header) { b + at, colon - at, b + v, ve - v };
		at = end + 1;
	}
	(void) http_framing_check(&(struct http_request_head) {
		.start = method,
		.size = at < size ? at : size,
		.version = version,
		.target = target,
		.target_len = target_len,
		.headers = h,
		.n_headers = n_h,
		.bodyless = size & 1,
	});
	free(b);
	return 0;
}
