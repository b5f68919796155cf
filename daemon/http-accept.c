/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "http-accept.h"

/* A span of the header: never NUL-terminated, never copied. */
struct token {
	const char *p;
	size_t n;
};

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static struct token trim(const char *p, size_t n)
{
	while (n > 0 && is_ows(*p))
		p++, n--;
	while (n > 0 && is_ows(p[n - 1]))
		n--;
	return (struct token) { p, n };
}

static bool token_eq(struct token t, const char *s)
{
	return t.n == strlen(s) && strncasecmp(t.p, s, t.n) == 0;
}

/* A parameter value, with surrounding double quotes removed (no escapes in the values we compare). */
static bool value_eq(struct token t, const char *s)
{
	if (t.n >= 2 && t.p[0] == '"' && t.p[t.n - 1] == '"')
		t.p++, t.n -= 2;
	return t.n == strlen(s) && memcmp(t.p, s, t.n) == 0;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as thousandths; -1 if malformed. */
static int parse_qvalue(struct token t)
{
	int v, scale = 100;

	if (t.n == 0 || (t.p[0] != '0' && t.p[0] != '1'))
		return -1;
	v = (t.p[0] - '0') * 1000;
	if (t.n == 1)
		return v;
	if (t.p[1] != '.' || t.n > 5)
		return -1;
	for (size_t i = 2; i < t.n; i++, scale /= 10) {
		if (t.p[i] < '0' || t.p[i] > '9')
			return -1;
		v += (t.p[i] - '0') * scale;
	}
	return v <= 1000 ? v : -1;
}

/* Splits at the next @sep that is not inside a quoted string. */
static const char *next_sep(const char *p, const char *end, char sep)
{
	bool quoted = false;

	for (; p < end; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (quoted && *p == '\\' && p + 1 < end)
			p++;
		else if (!quoted && *p == sep)
			return p;
	}
	return end;
}

struct offer {
	const char *type, *subtype;
	const char *versions[2];	/* versions we can serve for this media type */
	int q, specificity;		/* best match so far; specificity -1 = none */
};

/* One element of Accept: "type/subtype *( ; name=value )". */
static void match_range(const char *p, const char *end, struct offer *offers, size_t n_offers)
{
	const char *semi = next_sep(p, end, ';');
	struct token range = trim(p, semi - p), type, subtype, version = { NULL, 0 };
	const char *slash = memchr(range.p, '/', range.n);
	bool has_version = false;
	int q = 1000;

	if (!slash)
		return;
	type = trim(range.p, slash - range.p);
	subtype = trim(slash + 1, range.p + range.n - slash - 1);
	if (type.n == 0 || subtype.n == 0)
		return;
	if (token_eq(type, "*") && !token_eq(subtype, "*"))
		return;

	for (p = semi; p < end; p = semi) {
		struct token param, name, value;
		const char *eq;

		p++;
		semi = next_sep(p, end, ';');
		param = trim(p, semi - p);
		eq = memchr(param.p, '=', param.n);
		if (!eq)
			continue;
		name = trim(param.p, eq - param.p);
		value = trim(eq + 1, param.p + param.n - eq - 1);
		if (token_eq(name, "q")) {
			q = parse_qvalue(value);
			if (q < 0)
				return;		/* malformed element: ignore it */
			break;			/* what follows q are accept-ext parameters */
		}
		if (token_eq(name, "version")) {
			has_version = true;
			version = value;
		}
	}

	for (size_t i = 0; i < n_offers; i++) {
		struct offer *o = &offers[i];
		int specificity;

		if (token_eq(type, "*"))
			specificity = 0;
		else if (!token_eq(type, o->type))
			continue;
		else if (token_eq(subtype, "*"))
			specificity = 1;
		else if (!token_eq(subtype, o->subtype))
			continue;
		else if (has_version) {
			bool ok = false;

			for (size_t v = 0; v < 2 && o->versions[v]; v++)
				ok = ok || value_eq(version, o->versions[v]);
			if (!ok)
				continue;	/* a version we do not serve */
			specificity = 3;
		} else
			specificity = 2;

		/* The most specific range decides; among equally specific ones the best q. */
		if (specificity > o->specificity || (specificity == o->specificity && q > o->q)) {
			o->specificity = specificity;
			o->q = q;
		}
	}
}

enum metrics_format http_negotiate_metrics(const char *accept)
{
	struct offer offers[] = {
		[METRICS_FORMAT_TEXT] = { "text", "plain", { "0.0.4", NULL }, 0, -1 },
		[METRICS_FORMAT_OPENMETRICS] = { "application", "openmetrics-text", { "1.0.0", NULL }, 0, -1 },
		/*
		 * 0.0.1 is what Prometheus called OpenMetrics before 1.0; the body does not differ for
		 * us, but a client that asks for 0.0.1 only is answered with that version's label.
		 */
		[METRICS_FORMAT_OPENMETRICS_0_0_1] = { "application", "openmetrics-text", { "0.0.1", NULL }, 0, -1 },
	};
	const struct offer *t = &offers[METRICS_FORMAT_TEXT], *om1 = &offers[METRICS_FORMAT_OPENMETRICS];
	const struct offer *om0 = &offers[METRICS_FORMAT_OPENMETRICS_0_0_1], *om;
	enum metrics_format f;
	const char *end;

	if (!accept)
		return METRICS_FORMAT_TEXT;

	end = accept + strlen(accept);
	for (const char *p = accept; p < end;) {
		const char *comma = next_sep(p, end, ',');

		match_range(p, comma, offers, 3);
		p = comma < end ? comma + 1 : end;
	}

	/* Of the two OpenMetrics versions the better q, then the more specific match, then 1.0.0. */
	if (om0->q > om1->q || (om0->q == om1->q && om0->specificity > om1->specificity)) {
		om = om0;
		f = METRICS_FORMAT_OPENMETRICS_0_0_1;
	} else {
		om = om1;
		f = METRICS_FORMAT_OPENMETRICS;
	}
	if (om->q > 0 && (om->q > t->q || (om->q == t->q && om->specificity > t->specificity)))
		return f;
	return METRICS_FORMAT_TEXT;
}

bool http_accepts_gzip(const char *accept_encoding)
{
	int q_gzip = -1, q_identity = -1, q_any = -1;
	const char *end;

	if (!accept_encoding)
		return false;

	end = accept_encoding + strlen(accept_encoding);
	for (const char *p = accept_encoding; p < end;) {
		const char *comma = next_sep(p, end, ','), *semi = next_sep(p, comma, ';');
		struct token coding = trim(p, semi - p);
		int q = 1000;

		for (const char *s = semi; s < comma; s = semi) {
			struct token param;
			const char *eq;

			s++;
			semi = next_sep(s, comma, ';');
			param = trim(s, semi - s);
			eq = memchr(param.p, '=', param.n);
			if (eq && token_eq(trim(param.p, eq - param.p), "q")) {
				q = parse_qvalue(trim(eq + 1, param.p + param.n - eq - 1));
				break;
			}
		}
		p = comma < end ? comma + 1 : end;
		if (q < 0)
			continue;

		if (token_eq(coding, "gzip") || token_eq(coding, "x-gzip"))
			q_gzip = q > q_gzip ? q : q_gzip;
		else if (token_eq(coding, "identity"))
			q_identity = q;
		else if (token_eq(coding, "*"))
			q_any = q;
	}

	/*
	 * RFC 9110 §12.5.3: "*" covers the codings not listed.  Identity is acceptable unless excluded,
	 * but without a q-value of its own (or from "*") it does not outrank a gzip the client asked for.
	 */
	if (q_gzip < 0)
		q_gzip = q_any < 0 ? 0 : q_any;
	if (q_identity < 0)
		q_identity = q_any;

	return q_gzip > 0 && q_gzip >= q_identity;
}
