/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the kernel log parser; also built as a corpus replayer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "bmf-log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bmf_log_diag diag;
	struct bmf_log *log = NULL;
	int64_t sum = 0;

	if (bmf_log_parse(data, size, &log, &diag) < 0)
		return 0;
	/* Touch what a consumer touches: every string and number. */
	for (size_t i = 0; i < log->n_events; i++) {
		const struct bmf_event *e = &log->events[i];

		sum += (int64_t)(e->caller[0] + e->label[0]) + e->pages;
		(void)bmf_kind_name(e->kind);
		(void)bmf_tag_name(e->tag);
	}
	sum += log->machine[0] + log->release[0];
	(void)sum;
	bmf_log_free(log);
	return 0;
}
