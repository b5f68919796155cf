/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "interval-set.h"
#include "sources.h"
#include "util.h"

#define MAX_DEPTH 16

static void iomem_freep(struct iomem **io)
{
	iomem_free(*io);
}

int iomem_parse(const char *text, struct iomem **ret, struct source_diag *d)
{
	_cleanup_(iomem_freep) struct iomem *io = NULL;
	int stack[MAX_DEPTH];
	const char *line, *next;
	bool nonzero = false;
	size_t cap = 0;

	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	for (line = text; line && *line; line = next) {
		const char *nl = strchr(line, '\n'), *s = line, *end = nl ? nl : line + strlen(line);
		struct iomem_entry *e;
		uint64_t a, b;
		int depth;

		next = nl ? nl + 1 : NULL;
		while (*s == ' ')
			s++;
		depth = (int)(s - line) / 2;
		if (depth >= MAX_DEPTH || !util_parse_u64(&s, 16, &a) || *s != '-')
			continue;
		s++;
		if (!util_parse_u64(&s, 16, &b) || strncmp(s, " : ", 3) != 0 || b < a)
			continue;
		s += 3;
		/* The indentation jumps: ignore the line. */
		if (depth > 0 && (io->n == 0 || io->e[io->n - 1].depth < depth - 1))
			continue;
		if (GROW(io->e, cap, io->n + 1) < 0)
			return -ENOMEM;
		e = &io->e[io->n];
		e->start = a;
		e->end = b;
		e->depth = depth;
		e->parent = depth > 0 ? stack[depth - 1] : -1;
		e->name = strndup(s, (size_t)(end - s));
		if (!e->name)
			return -ENOMEM;
		util_sanitize_text(e->name);
		stack[depth] = (int)io->n;
		io->n++;
		if (a || b)
			nonzero = true;
	}
	io->zeroed = io->n > 0 && !nonzero;
	*ret = TAKE_PTR(io);
	return 0;
}

void iomem_free(struct iomem *io)
{
	if (!io)
		return;
	for (size_t i = 0; i < io->n; i++)
		free(io->e[i].name);
	free(io->e);
	free(io);
}

/*
 * The kernel's top level is sorted and never overlaps; a file that says
 * otherwise is merged, so that no byte is counted twice.
 */
uint64_t iomem_sum_top(const struct iomem *io, const char *name)
{
	struct spans v = {};
	uint64_t sum = 0;

	for (size_t i = 0; i < io->n; i++)
		if (io->e[i].depth == 0 && strcmp(io->e[i].name, name) == 0)
			spans_add(&v, io->e[i].start, span_end(io->e[i].end, 1));
	spans_normalize(&v);
	for (size_t i = 0; i < v.n && !v.oom; i++)
		sum += v.a[i].e - v.a[i].s;	/* disjoint spans: the sum fits */
	sum = v.oom ? 0 : sum;	/* out of memory: unknown rather than wrong */
	spans_free(&v);
	return sum;
}

const struct iomem_entry *iomem_find(const struct iomem *io, const char *name)
{
	for (size_t i = 0; i < io->n; i++)
		if (strcmp(io->e[i].name, name) == 0)
			return &io->e[i];
	return NULL;
}

int iomem_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d)
{
	int r = iomem_parse(buf, &in->iomem, d);

	if (r < 0)
		return r;
	if (in->iomem->zeroed)
		return source_fail(d, -EPERM, "addresses are hidden (read without CAP_SYS_ADMIN)");
	if (in->iomem->n == 0)
		return source_fail(d, -ENODATA, "no entries");
	return 0;
}

void iomem_unload(struct bm_inputs *in)
{
	iomem_free(in->iomem);
	in->iomem = NULL;
}
