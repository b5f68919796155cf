/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "sources.h"
#include "util.h"

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int meminfo_parse(const char *text, struct meminfo *out, struct source_diag *d)
{
	const char *line = text, *memtotal_line = NULL;
	bool memtotal_overflow = false;

	memset(out, 0, sizeof(*out));
	while (line && *line) {
		const char *colon = strchr(line, ':'), *nl = strchr(line, '\n');
		const char *s;
		uint64_t v;

		if (colon && (!nl || colon < nl)) {
			size_t klen = (size_t)(colon - line);
			bool *has = NULL;
			uint64_t *dst = NULL;

			if (klen == 8 && memcmp(line, "MemTotal", 8) == 0) {
				has = &out->has_memtotal, dst = &out->memtotal;
				memtotal_line = line;
			} else if (klen == 8 && memcmp(line, "CmaTotal", 8) == 0)
				has = &out->has_cma_total, dst = &out->cma_total;
			else if (klen == 7 && memcmp(line, "MemFree", 7) == 0)
				has = &out->has_memfree, dst = &out->memfree;
			s = skip_ws(colon + 1);
			if (dst && util_parse_u64(&s, 10, &v)) {
				s = skip_ws(s);
				if (strncmp(s, "kB", 2) == 0) {
					if (!__builtin_mul_overflow(v, 1024, dst))
						*has = true;
					else if (has == &out->has_memtotal)
						memtotal_overflow = true;
				} else {
					*dst = v;
					*has = true;
				}
			} else if (dst == &out->memtotal)
				memtotal_overflow = isdigit((unsigned char)*s);
		}
		line = nl ? nl + 1 : NULL;
	}
	if (out->has_memtotal)
		return 0;
	if (memtotal_overflow)
		return source_fail(d, -ERANGE, "MemTotal does not fit in 64 bits of bytes");
	if (memtotal_line)
		return source_fail(d, -EINVAL, "the MemTotal line has no number");
	return source_fail(d, -ENODATA, "no MemTotal line");
}

int meminfo_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d)
{
	int r = meminfo_parse(buf, &in->meminfo, d);

	in->has_meminfo = r >= 0;
	return r;
}
