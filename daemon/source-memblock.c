/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sources.h"
#include "util.h"

/* memblock's static arrays hold 128 regions and double as needed; a million is absurd. */
#define MAX_REGIONS (1u << 20)

static void memblock_set_freep(struct memblock_set **s)
{
	memblock_set_free(*s);
}

static bool skip(const char **sp, const char *end, char c)
{
	bool any = false;

	while (*sp < end && **sp == c) {
		(*sp)++;
		any = true;
	}
	return any;
}

int memblock_parse(const char *text, size_t len, struct memblock_set **ret, struct source_diag *d)
{
	_cleanup_(memblock_set_freep) struct memblock_set *s = NULL;
	const char *p = text, *end = text + len;
	size_t cap = 0, line = 0;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *q = p, *le = nl ? nl : end;
		uint64_t idx, a, b;
		char lbuf[160];
		size_t n = (size_t)(le - p);

		p = nl ? nl + 1 : end;
		if (!n)
			continue;
		/* Bounded copy: util_parse_u64 reads to a NUL, and a region line is short. */
		if (n >= sizeof(lbuf))
			return source_fail(d, -EINVAL, "line %zu: longer than a memblock region line", line + 1);
		memcpy(lbuf, q, n);
		lbuf[n] = '\0';
		q = lbuf;
		le = lbuf + n;
		skip(&q, le, ' ');
		if (!util_parse_u64(&q, 10, &idx) || q >= le || *q++ != ':' || !skip(&q, le, ' ') ||
		    !util_parse_u64(&q, 16, &a) || le - q < 2 || q[0] != '.' || q[1] != '.' ||
		    (q += 2, !util_parse_u64(&q, 16, &b)) || b < a)
			return source_fail(d, -EINVAL, "line %zu: not \"N: 0xSTART..0xEND\"", line + 1);
		if (b - a == UINT64_MAX)
			return source_fail(d, -EINVAL, "line %zu: a region of 2^64 bytes", line + 1);
		if (s->n >= MAX_REGIONS)
			return source_fail(d, -E2BIG, "more than %u regions", MAX_REGIONS);
		if (GROW(s->r, cap, s->n + 1) < 0)
			return -ENOMEM;
		s->r[s->n] = (struct memblock_region){ .base = a, .size = b - a + 1 };
		/* Then, on newer kernels, the node (or "x") and one flag name. */
		if (strstr(q, " NOMAP"))
			s->r[s->n].nomap = true;
		s->bytes = util_sat_add(s->bytes, b - a + 1);
		s->n++;
	}
	*ret = TAKE_PTR(s);
	return 0;
}

void memblock_set_free(struct memblock_set *s)
{
	if (!s)
		return;
	free(s->r);
	free(s);
}

int memblock_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d)
{
	return memblock_parse(buf, len, &in->memblock_reserved, d);
}

void memblock_unload(struct bm_inputs *in)
{
	memblock_set_free(in->memblock_reserved);
	in->memblock_reserved = NULL;
}

int memblock_memory_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d)
{
	return memblock_parse(buf, len, &in->memblock_memory, d);
}

void memblock_memory_unload(struct bm_inputs *in)
{
	memblock_set_free(in->memblock_memory);
	in->memblock_memory = NULL;
}
