/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Content negotiation for /metrics: Accept q-values and Accept-Encoding. */
#include <stdio.h>
#include <stdlib.h>

#include "http-accept.h"

static int failed;

#define T METRICS_FORMAT_TEXT
#define OM METRICS_FORMAT_OPENMETRICS
#define OM001 METRICS_FORMAT_OPENMETRICS_0_0_1

static void check_format(const char *accept, enum metrics_format want)
{
	enum metrics_format got = http_negotiate_metrics(accept);

	if (got != want) {
		printf("FAIL: Accept: %s -> %s, want %s\n", accept ? accept : "(none)",
		       got == OM ? "openmetrics" : got == OM001 ? "openmetrics 0.0.1" : "text",
		       want == OM ? "openmetrics" : want == OM001 ? "openmetrics 0.0.1" : "text");
		failed++;
	}
}

static void check_gzip(const char *accept_encoding, bool want)
{
	bool got = http_accepts_gzip(accept_encoding);

	if (got != want) {
		printf("FAIL: Accept-Encoding: %s -> %s, want %s\n", accept_encoding ? accept_encoding : "(none)",
		       got ? "gzip" : "identity", want ? "gzip" : "identity");
		failed++;
	}
}

int main(void)
{
	/* What Prometheus sends: 2.x, 2.49+/3.x, and with scrape_protocols set to text only. */
	check_format("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
		     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", OM);
	check_format("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
		     "application/openmetrics-text;version=0.0.1;q=0.4,"
		     "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1", OM);
	check_format("text/plain;version=0.0.4;q=1,*/*;q=0.1", T);

	check_format(NULL, T);
	check_format("", T);
	check_format("*/*", T);
	check_format("text/plain", T);
	check_format("text/*", T);
	check_format("application/openmetrics-text", OM);
	check_format("application/*", OM);
	check_format("Application/OpenMetrics-Text; Version=1.0.0", OM);
	check_format("application/openmetrics-text; version=\"1.0.0\"", OM);
	check_format("application/openmetrics-text;version=0.0.1", OM001);
	check_format("application/openmetrics-text;version=0.0.1,application/openmetrics-text;version=1.0.0;q=0.5", OM001);
	check_format("application/openmetrics-text;version=0.0.1;q=0.5,application/openmetrics-text;version=1.0.0", OM);
	check_format("application/openmetrics-text;version=0.0.1,application/openmetrics-text", OM001);
	check_format("application/openmetrics-text;version=0.0.1;q=0.3,text/plain;version=0.0.4;q=0.2", OM001);
	check_format("application/openmetrics-text;version=2.0.0", T);
	check_format("application/openmetrics-text;version=2.0.0,*/*;q=0.1", T);
	check_format("application/openmetrics-text;q=0", T);
	check_format("application/openmetrics-text;q=0.000", T);
	check_format("application/openmetrics-text;q=0.001", OM);
	check_format("application/openmetrics-text;q=0.5,text/plain;q=0.6", T);
	check_format("application/openmetrics-text;q=0.6,text/plain;q=0.5", OM);
	/* Equal q: the more specific match wins, then text. */
	check_format("application/openmetrics-text,*/*", OM);
	check_format("application/openmetrics-text,text/plain", T);
	/* The most specific range decides, even with a lower q. */
	check_format("application/openmetrics-text;q=0.1,*/*;q=1", T);
	/* 1.0.0 refused, any other version welcome: 0.0.1, which we also serve. */
	check_format("application/openmetrics-text;version=1.0.0;q=0,application/openmetrics-text;q=1", OM001);
	check_format("application/openmetrics-text;version=1.0.0;q=0,application/openmetrics-text;version=0.0.1;q=0,"
		     "application/openmetrics-text;q=1", T);
	/* Malformed elements are skipped, the rest still counts. */
	check_format("application/openmetrics-text;q=abc,text/plain;q=0.5", T);
	check_format("application/openmetrics-text;q=1.5", T);
	check_format("garbage,application/openmetrics-text", OM);
	check_format("*/openmetrics-text", T);
	check_format("/,;;,=,;q=,,,", T);
	check_format("application/openmetrics-text;foo=\"a,b;q=0\";q=0.9,text/plain;q=0.8", OM);
	check_format("image/png", T);

	check_gzip(NULL, false);
	check_gzip("", false);
	check_gzip("gzip", true);
	check_gzip("x-gzip", true);
	check_gzip("GZIP", true);
	check_gzip("gzip, deflate, br", true);
	check_gzip("deflate, br", false);
	check_gzip("identity", false);
	check_gzip("*", true);
	check_gzip("*;q=0", false);
	check_gzip("gzip;q=0", false);
	check_gzip("gzip;q=0, *", false);
	check_gzip("gzip;q=0.5, identity;q=1", false);
	check_gzip("gzip;q=1, identity;q=0.5", true);
	check_gzip("gzip;q=0.5, identity;q=0.5", true);
	check_gzip("identity;q=0, *;q=0.1", true);
	check_gzip("gzip;q=bogus", false);
	check_gzip("  gzip  ;  q=0.8 ", true);

	if (failed)
		printf("%d check(s) failed\n", failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
