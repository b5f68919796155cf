/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "sources.h"
#include "util.h"

/*
 * This boot's kernel messages from the journal: the entries of this boot ID
 * with _TRANSPORT=kernel, oldest first, each MESSAGE through the dmesg
 * parser.  sd-journal opens, fstats, mmaps and reads the journal files; it
 * makes no inotify watch unless asked for its fd, which this never does.
 */
int journal_read_boot(size_t max, struct dmesg_facts *f)
{
	sd_journal *j = NULL;
	sd_id128_t boot;
	char match[64];
	size_t total = 0;
	int r;

	r = sd_id128_get_boot(&boot);
	if (r < 0)
		return r;
	r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
	if (r < 0)
		return r;
	snprintf(match, sizeof(match), "_BOOT_ID=" SD_ID128_FORMAT_STR, SD_ID128_FORMAT_VAL(boot));
	r = sd_journal_add_match(j, match, 0);
	if (r >= 0)
		r = sd_journal_add_match(j, "_TRANSPORT=kernel", 0);
	if (r >= 0)
		r = sd_journal_seek_head(j);
	/* Bounded as /dev/kmsg is: a journal that holds more is cut, not read to its end. */
	while (r >= 0 && total < max && (r = sd_journal_next(j)) > 0) {
		const void *data;
		size_t len;

		r = sd_journal_get_data(j, "MESSAGE", &data, &len);
		if (r < 0 || len < 8) {
			r = 0;		/* an entry without a (text) message: skipped */
			continue;
		}
		kmsg_parse_msg((const char *)data + 8, len - 8, f);
		total += len;
	}
	sd_journal_close(j);
	return r < 0 ? r : 0;
}
