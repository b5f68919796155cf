/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sources.h"

int boot_id_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d)
{
	char id[37];

	if (len < 36 || (len > 36 && buf[36] != '\n'))
		return source_fail(d, -EINVAL, "not a boot id (8-4-4-4-12 hexadecimal digits)");
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? buf[i] != '-' : !isxdigit((unsigned char)buf[i]))
			return source_fail(d, -EINVAL, "not a boot id (8-4-4-4-12 hexadecimal digits)");
		id[i] = (char)tolower((unsigned char)buf[i]);
	}
	id[36] = '\0';
	memcpy(in->boot_id, id, sizeof(id));
	return 0;
}

int stat_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d)
{
	(void)len;
	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *end;
		uint64_t v;

		if (strncmp(p, "btime ", 6) != 0)
			continue;
		errno = 0;
		v = strtoull(p + 6, &end, 10);
		if (errno || end == p + 6 || (*end && *end != '\n') || v > INT64_MAX)
			return source_fail(d, -EINVAL, "a btime line that is not a number of seconds");
		in->boot_time = (int64_t)v;
		in->has_boot_time = true;
		return 0;
	}
	return source_fail(d, -ENODATA, "no btime line");
}
