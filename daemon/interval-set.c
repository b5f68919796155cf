/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "interval-set.h"
#include "util.h"

static int64_t op_apply(int64_t v, enum imap_op op, int64_t arg)
{
	switch (op) {
	case IMAP_SET:
		return arg;
	case IMAP_SET_IF_ABSENT:
		return v ? v : arg;
	case IMAP_OR:
		return v | arg;
	case IMAP_ANDNOT:
		return v & ~arg;
	case IMAP_OR_IF_PRESENT:
		return v ? v | arg : 0;
	case IMAP_CLEAR:
	default:
		return 0;
	}
}

static void push(struct imap_seg *out, size_t *n, uint64_t s, uint64_t e, int64_t v)
{
	if (s >= e || !v)
		return;
	if (*n && out[*n - 1].e == s && out[*n - 1].v == v) {
		out[*n - 1].e = e;
		return;
	}
	out[(*n)++] = (struct imap_seg){ s, e, v };
}

int imap_apply(struct imap *m, uint64_t s, uint64_t e, enum imap_op op, int64_t arg)
{
	struct imap_seg *out;
	size_t i = 0, n = 0;
	uint64_t pos = s;

	if (s >= e)
		return 0;
	out = malloc((2 * m->n + 4) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (; i < m->n && m->a[i].e <= s; i++)
		push(out, &n, m->a[i].s, m->a[i].e, m->a[i].v);
	for (; i < m->n && m->a[i].s < e; i++) {
		struct imap_seg g = m->a[i];
		uint64_t oe = g.e < e ? g.e : e;

		if (g.s < s) {
			push(out, &n, g.s, s, g.v);
			g.s = s;
		}
		if (pos < g.s)
			push(out, &n, pos, g.s, op_apply(0, op, arg));
		push(out, &n, g.s, oe, op_apply(g.v, op, arg));
		if (g.e > e)
			push(out, &n, e, g.e, g.v);
		pos = oe;
	}
	if (pos < e)
		push(out, &n, pos, e, op_apply(0, op, arg));
	for (; i < m->n; i++)
		push(out, &n, m->a[i].s, m->a[i].e, m->a[i].v);
	free(m->a);
	m->a = out;
	m->n = n;
	return 0;
}

int64_t imap_get(const struct imap *m, uint64_t x)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->a[mid].e <= x)
			lo = mid + 1;
		else if (m->a[mid].s > x)
			hi = mid;
		else
			return m->a[mid].v;
	}
	return 0;
}

void imap_free(struct imap *m)
{
	free(m->a);
	m->a = NULL;
	m->n = 0;
}

void spans_add(struct spans *v, uint64_t s, uint64_t e)
{
	if (e <= s)
		return;
	if (GROW(v->a, v->cap, v->n + 1) < 0) {
		v->oom = true;
		return;
	}
	v->a[v->n++] = (struct span){ s, e };
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->s < y->s ? -1 : x->s > y->s ? 1 : x->e < y->e ? -1 : x->e > y->e;
}

void spans_normalize(struct spans *v)
{
	size_t n = 0;

	if (!v->n)
		return;
	qsort(v->a, v->n, sizeof(*v->a), cmp_span);
	for (size_t i = 1; i < v->n; i++) {
		if (v->a[i].s <= v->a[n].e) {
			if (v->a[i].e > v->a[n].e)
				v->a[n].e = v->a[i].e;
		} else
			v->a[++n] = v->a[i];
	}
	v->n = n + 1;
}

bool spans_has(const struct spans *v, uint64_t x)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x < v->a[mid].s)
			hi = mid;
		else if (x >= v->a[mid].e)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

void spans_free(struct spans *v)
{
	free(v->a);
	*v = (struct spans){ 0 };
}

uint64_t span_end(uint64_t base, uint64_t size)
{
	uint64_t e;

	return util_add_overflows(base, size, &e) ? UINT64_MAX : e;
}
