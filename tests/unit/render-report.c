/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * render-report ROOT FORMAT      prints one rendering of ROOT's report
 * render-report --synth DIR      writes the synthetic boot (bmf-synth.h) as a root
 *
 * FORMAT is text, json, regions, prometheus, openmetrics, svg or events (the
 * unfiltered /api/v1/events body).  Used by the metrics lint and golden output
 * tests; independent of the bootmemd executable.
 */
#include <stdio.h>
#include <string.h>

#include "bmf-synth.h"
#include "fakeroot.h"
#include "report.h"

int main(int argc, char **argv)
{
	static const char *const names[] = { "text", "json", "regions", "prometheus", "openmetrics",
					       "svg", "events" };
	struct bootmem_report *r;
	char *out;
	size_t len;
	int fmt = -1, rc;

	if (argc == 3 && !strcmp(argv[1], "--synth")) {
		struct synth s;
		int64_t pages = synth_boot(&s);
		unsigned char *buf = synth_write(&s, &len);
		char meminfo[128];

		fr_mkdirs(argv[2]);
		fr_write(argv[2], "sys/kernel/bootmem_fate/log", buf, len);
		snprintf(meminfo, sizeof(meminfo), "MemTotal:       %lld kB\n", (long long)pages * 4);
		fr_write(argv[2], "proc/meminfo", meminfo, strlen(meminfo));
		free(buf);
		return 0;
	}
	for (int i = 0; argc == 3 && i < 7; i++)
		if (!strcmp(argv[2], names[i]))
			fmt = i;
	if (fmt < 0) {
		fprintf(stderr, "usage: %s ROOT text|json|regions|prometheus|openmetrics|svg|events\n"
				"       %s --synth DIR\n", argv[0], argv[0]);
		return 2;
	}
	rc = report_load(argv[1], NULL, &r);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	if (fmt == 6)
		rc = report_render_events(r, NULL, NULL, &out, &len);
	else
		rc = report_render(r, (enum report_format)fmt, &out, &len);
	report_free(r);
	if (rc < 0) {
		fprintf(stderr, "render: %s\n", strerror(-rc));
		return 1;
	}
	fwrite(out, 1, len, stdout);
	free(out);
	return 0;
}
