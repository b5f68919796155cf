/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the kernel log parser, the runtime file parser and,
 * behind them, the fate engine and every renderer, SVG included; also built
 * as a corpus replayer.
 *
 * The input is a log, optionally followed by a runtime file: it is split at
 * the last BMF_RT_MAGIC, so that a plain log (the kept corpus) is read as
 * it always was and the fuzzer finds the runtime half by itself.  The whole
 * input also goes through the runtime parser alone.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "render.h"
#include "report.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t split_at(const uint8_t *data, size_t size)
{
	for (size_t i = size >= BMF_MAGIC_LEN ? size - BMF_MAGIC_LEN + 1 : 0; i-- > 0;)
		if (memcmp(data + i, BMF_RT_MAGIC, BMF_MAGIC_LEN) == 0)
			return i;
	return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source_diag diag;
	struct bootmem_report *r;
	struct bmf_log *log = NULL;
	struct bmf_runtime *rt = NULL;
	size_t cut = split_at(data, size);
	char *out;
	size_t len;

	if (bmf_runtime_parse(data, size, &rt, &diag) == 0)
		bmf_runtime_free(rt);
	rt = NULL;
	if (bmf_log_parse(data, cut, &log, &diag) < 0)
		return 0;
	if (cut < size && bmf_runtime_parse(data + cut, size - cut, &rt, &diag) < 0)
		rt = NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		bmf_log_free(log);
		bmf_runtime_free(rt);
		return 0;
	}
	r->in.log = log;
	r->in.runtime = rt;
	r->src[BM_SRC_LOG].present = r->src[BM_SRC_LOG].available = true;
	r->src[BM_SRC_RUNTIME].present = r->src[BM_SRC_RUNTIME].available = rt != NULL;
	/* MemTotal as the totals (and runtime) say, so the consistency path runs too */
	r->in.has_meminfo = true;
	r->in.meminfo.has_memtotal = true;
	r->in.meminfo.memtotal = (uint64_t)util_wmul(util_wadd(log->totals.managed_pages,
							       rt ? (int64_t)(rt->pages_in - rt->pages_out) : 0),
						     log->page_size);
	if (model_build(r) == 0) {
		for (int f = REPORT_TEXT; f <= REPORT_SVG; f++)
			if (report_render(r, (enum report_format)f, &out, &len) == 0)
				free(out);
		if (report_render_events(r, "alloc", "initrd", &out, &len) == 0)
			free(out);
	}
	report_free(r);
	return 0;
}
