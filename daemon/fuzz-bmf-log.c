/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the kernel log parser and, behind it, the fate
 * engine and every renderer; also built as a corpus replayer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bmf-log.h"
#include "model.h"
#include "render.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bmf_log_diag diag;
	struct bootmem_report *r;
	struct bmf_log *log = NULL;
	char *out;
	size_t len;

	if (bmf_log_parse(data, size, &log, &diag) < 0)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r) {
		bmf_log_free(log);
		return 0;
	}
	r->in.log = log;
	r->src[BM_SRC_LOG].present = r->src[BM_SRC_LOG].available = true;
	/* MemTotal as the header says, so the consistency path runs too */
	r->in.has_meminfo = true;
	r->in.meminfo.has_memtotal = true;
	r->in.meminfo.memtotal = log->totalram_pages * log->page_size;
	if (model_build(r) == 0) {
		for (int f = REPORT_TEXT; f <= REPORT_OPENMETRICS; f++)
			if (report_render(r, (enum report_format)f, &out, &len) == 0)
				free(out);
		if (report_render_events(r, "alloc", "initrd", &out, &len) == 0)
			free(out);
	}
	report_free(r);
	return 0;
}
