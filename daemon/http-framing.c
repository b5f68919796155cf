/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "http-framing.h"

static bool is_name(const struct http_header *h, const char *name)
{
	return h->name_len == strlen(name) && strncasecmp(h->name, name, h->name_len) == 0;
}

/* RFC 9110 5.6.2: token = 1*tchar. */
static bool is_token(const char *s, size_t n)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c && strchr(tchar, c))))
			return false;
	}
	return true;
}

/* RFC 9110 5.5: field values are visible characters, SP, HTAB and obs-text; no CR, LF, NUL or other controls. */
static bool is_field_value(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static bool is_zero_length(const struct http_header *h)
{
	if (h->value_len == 0)
		return false;
	for (size_t i = 0; i < h->value_len; i++)
		if (h->value[i] != '0')
			return false;
	return true;
}

static bool inside(const struct http_request_head *h, const char *p, size_t n)
{
	return p >= h->start && p <= h->start + h->size && n <= (size_t) (h->start + h->size - p);
}

static bool zeros(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * The in-place layout: "NAME\0 VALUE\0\0" per line with CRLF ("\0" per LF alone), each line right
 * after the previous one, and the empty line at the end.  @eol is the line ends' length, 1 or 2,
 * from the request line; mixed line ends are refused, which leaves no doubt where a line ends.
 */
static const char *check_layout(const struct http_request_head *h)
{
	const char *end = h->start + h->size, *t;
	size_t eol;

	size_t n_inside = 0;

	if (!h->size || !h->version || !inside(h, h->version, strlen(h->version) + 1))
		return NULL;			/* not laid out in place: nothing to tell */
	for (size_t i = 0; i < h->n_headers; i++)
		n_inside += inside(h, h->headers[i].name, h->headers[i].name_len + 1) &&
			    inside(h, h->headers[i].value, h->headers[i].value_len + 1);
	if (n_inside == 0 && h->n_headers > 0)
		return NULL;
	/* MHD joins a folded line (obs-fold) in a copy outside the request's bytes. */
	if (n_inside < h->n_headers)
		return "a folded header line";

	t = h->version + strlen(h->version);	/* where the request line's end was */
	if (h->n_headers > 0) {
		eol = (size_t) (h->headers[0].name - t);
		if ((eol != 1 && eol != 2) || !zeros(t, eol))
			return "a NUL in the request line";
	} else
		eol = (size_t) (end - t) / 2;
	for (size_t i = 0; i < h->n_headers; i++) {
		const struct http_header *x = &h->headers[i];
		const char *p = x->name + x->name_len;

		if (i > 0 && (x->name != t + eol || !zeros(t, eol)))
			return "a NUL in a header";
		/* The colon, then optional whitespace, then the value. */
		if (*p != '\0' || p >= x->value)
			return "a NUL in a header";
		for (p++; p < x->value; p++)
			if (*p != ' ' && *p != '\t')
				return "a NUL in a header";
		t = x->value + x->value_len;
	}
	/* The last line's end and the empty line. */
	if (eol < 1 || eol > 2 || (size_t) (end - t) != 2 * eol || !zeros(t, 2 * eol))
		return "a NUL in a header";
	return NULL;
}

const char *http_framing_check(const struct http_request_head *h)
{
	unsigned n_host = 0, n_length = 0, n_encoding = 0;
	bool body = false;

	for (size_t i = 0; i < h->n_headers; i++) {
		const struct http_header *x = &h->headers[i];

		if (!is_token(x->name, x->name_len))
			return "a header name that is not a token (whitespace before the colon?)";
		if (!is_field_value(x->value, x->value_len))
			return "a control character in a header value (a bare CR?)";
		if (is_name(x, "Host"))
			n_host++;
		else if (is_name(x, "Content-Length")) {
			n_length++;
			body |= !is_zero_length(x);
		} else if (is_name(x, "Transfer-Encoding")) {
			n_encoding++;
			body = true;
		}
	}
	if (n_host > 1)
		return "a repeated Host header";
	if (n_length > 1)
		return "a repeated Content-Length header";
	if (n_length > 0 && n_encoding > 0)
		return "Transfer-Encoding together with Content-Length";
	if (h->bodyless && body)
		return "a body on a GET or HEAD request";
	if (h->target && h->version && inside(h, h->target, h->target_len + 1) &&
	    inside(h, h->version, 0) && h->target + h->target_len + 1 != h->version)
		return "a NUL in the request target";
	return check_layout(h);
}
