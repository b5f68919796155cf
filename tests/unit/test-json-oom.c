/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A failed allocation anywhere in the JSON tree fails the whole render: the
 * output is either the complete document or -ENOMEM, never a document with
 * a null where data was.  jansson's allocator is made to fail at the Nth
 * allocation, for every N until the render succeeds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report.h"
#include "tap.h"

static long budget = -1;	/* allocations left; -1: unlimited */

static void *failing_malloc(size_t n)
{
	if (budget == 0)
		return NULL;
	if (budget > 0)
		budget--;
	return malloc(n);
}

int main(int argc, char **argv)
{
	static const enum report_format fmts[] = { REPORT_JSON, REPORT_JSON_REGIONS };
	char root[4096];
	struct bootmem_report *r;

	snprintf(root, sizeof(root), "%s/tests/data/vm/arm64-dt-reserved", argc > 1 ? argv[1] : ".");
	CHECK(report_load(root, NULL, &r) == 0, "load %s", root);
	if (tap_failures)
		return tap_done("test-json-oom");
	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
		char *want = NULL, *out;
		size_t want_len = 0, len, failures = 0;
		int rc = -ENOMEM;

		CHECK(report_render(r, fmts[f], &want, &want_len) == 0, "render without limits");
		json_set_alloc_funcs(failing_malloc, free);
		for (long n = 0; rc == -ENOMEM && n < 1000000; n++) {
			budget = n;
			out = NULL;
			rc = report_render(r, fmts[f], &out, &len);
			if (rc == -ENOMEM) {
				failures++;
				continue;
			}
			CHECK(rc == 0 && len == want_len && !memcmp(out, want, len),
			      "format %d, allocation %ld failing: rc %d, %zu bytes, want all %zu",
			      (int)fmts[f], n, rc, len, want_len);
			free(out);
		}
		budget = -1;
		json_set_alloc_funcs(malloc, free);
		CHECK(failures > 100, "format %d: %zu failing renders tried", (int)fmts[f], failures);
		free(want);
	}
	report_free(r);
	return tap_done("test-json-oom");
}
