/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interval-set.h"
#include "sources.h"
#include "util.h"

/* Firmware maps have tens of entries; sysfs lists at most a few hundred. */
#define MAX_ENTRIES 4096

static bool parse_hex(const char *s, uint64_t *v)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return util_parse_u64(&s, 16, v);
}

int memmap_parse_entry(const char *start, const char *end, const char *type, struct memmap_entry *e)
{
	*e = (struct memmap_entry) {};
	if (!parse_hex(start, &e->start) || !parse_hex(end, &e->end) || e->end < e->start)
		return -EINVAL;
	snprintf(e->type, sizeof(e->type), "%.*s", (int)strcspn(type, "\n"), type);
	util_sanitize_text(e->type);
	return 0;
}

static int read_small(int dirfd, const char *dir, const char *name, char **ret)
{
	char path[300];
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return util_read_file_at(dirfd, path, 256, ret, &len);
}

static int read_entry(int dirfd, const char *dir, struct memmap_entry *e)
{
	_cleanup_free_ char *start = NULL, *end = NULL, *type = NULL;
	int r;

	r = read_small(dirfd, dir, "start", &start);
	if (r >= 0)
		r = read_small(dirfd, dir, "end", &end);
	if (r >= 0)
		r = read_small(dirfd, dir, "type", &type);
	if (r < 0)
		return r;
	return memmap_parse_entry(start, end, type, e);
}

static int cmp_memmap(const void *a, const void *b)
{
	const struct memmap_entry *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static void memmap_freep(struct memmap **m)
{
	memmap_free(*m);
}

int memmap_add(struct memmap *m, const struct memmap_entry *e)
{
	if (m->n >= MAX_ENTRIES)
		return 0;
	if (GROW(m->e, m->cap, m->n + 1) < 0)
		return -ENOMEM;
	m->e[m->n++] = *e;
	return 0;
}

int memmap_finish(struct memmap *m, struct source_diag *d)
{
	if (m->n == 0)
		return source_fail(d, -ENOENT, "no usable entries");
	qsort(m->e, m->n, sizeof(*m->e), cmp_memmap);
	return 0;
}

int memmap_read(int dirfd, struct memmap **ret, struct source_diag *d)
{
	_cleanup_(memmap_freep) struct memmap *m = NULL;
	_cleanup_(closedirp) DIR *dir = NULL;
	struct dirent *de;
	int fd, r;

	fd = dup(dirfd);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	while ((de = readdir(dir)) && m->n < MAX_ENTRIES) {
		struct memmap_entry e;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		r = read_entry(dirfd, de->d_name, &e);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			continue;
		r = memmap_add(m, &e);
		if (r < 0)
			return r;
	}
	r = memmap_finish(m, d);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

void memmap_free(struct memmap *m)
{
	if (!m)
		return;
	free(m->e);
	free(m);
}

/* A broken firmware map's overlapping entries count once. */
uint64_t memmap_sum(const struct memmap *m, const char *type)
{
	struct spans v = {};
	uint64_t sum = 0;

	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].type, type) == 0)
			spans_add(&v, m->e[i].start, span_end(m->e[i].end, 1));
	spans_normalize(&v);
	for (size_t i = 0; i < v.n && !v.oom; i++)
		sum += v.a[i].e - v.a[i].s;	/* disjoint spans: the sum fits */
	sum = v.oom ? 0 : sum;
	spans_free(&v);
	return sum;
}

int memmap_load(int fd, const struct stat *st, size_t max, struct bm_inputs *in, struct source_diag *d)
{
	if (!S_ISDIR(st->st_mode))
		return source_fail(d, -ENOTDIR, "%s, not a directory", util_file_kind(st->st_mode));
	return memmap_read(fd, &in->memmap, d);
}

void memmap_unload(struct bm_inputs *in)
{
	memmap_free(in->memmap);
	in->memmap = NULL;
}
