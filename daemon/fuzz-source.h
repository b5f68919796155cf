/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the libFuzzer targets of the sources (fuzz-<source>.c) and of
 * the model (fuzz-stock.c, fuzz-root.c).  Every target feeds its bytes the
 * way report_load() does, through the source table (source_parse()), and
 * checks the error contract: a source that is not available says why.
 *
 * A "root" input is a captured root in one file: sections, each a marker
 * line "@@BMSRC <name>\n" followed by the bytes of the source of that name
 * (bm_src_name(): kernel_log, fdt, meminfo, ...) up to the next marker.
 * The memmap section is text, one "START END TYPE" line per entry, as the
 * start, end and type files of sys/firmware/memmap/N say it; a section
 * named "initrd" stands for sys/firmware/initrd.  tests/fuzz/seed makes
 * such inputs from the captured boots.
 */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "render.h"
#include "report.h"
#include "sources.h"
#include "util.h"

#define FUZZ_MARKER "@@BMSRC "

/* A copy with a NUL after it, as util_read_fd() hands a file over; libFuzzer's buffer has none. */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);

	if (buf) {
		memcpy(buf, data, size);
		buf[size] = '\0';
	}
	return buf;
}

static inline void fuzz_check_status(const struct bm_source_status *st)
{
	/* The contract: unavailable always comes with a reason. */
	if (st->present && !st->available && !st->error[0])
		abort();
	if (!memchr(st->error, '\0', sizeof(st->error)))
		abort();
}

/* Parses @len bytes as source @id into @in, as a file of the root would be; -ENOMEM only. */
static inline int fuzz_parse(enum bm_src id, const uint8_t *data, size_t size, struct bm_inputs *in,
			     struct bm_source_status *st)
{
	char *buf = fuzz_copy(data, size);
	int r;

	if (!buf)
		return -ENOMEM;
	r = source_parse(id, buf, size, in, st);
	free(buf);
	fuzz_check_status(st);
	return r;
}

/* One source alone: its parser and its unload, nothing else. */
static inline int fuzz_one_source(enum bm_src id, const uint8_t *data, size_t size)
{
	struct bm_inputs in = { 0 };
	struct bm_source_status st = { 0 };

	fuzz_parse(id, data, size, &in, &st);
	sources_unload(&in);
	return 0;
}

/* sys/firmware/memmap as "START END TYPE" lines, through the same entry parser as the directory. */
static inline int fuzz_memmap(const char *text, struct memmap **ret, struct source_diag *d)
{
	struct memmap *m = calloc(1, sizeof(*m));
	int r = 0;

	if (!m)
		return -ENOMEM;
	for (const char *line = text, *next; line && *line && r >= 0; line = next) {
		const char *nl = strchr(line, '\n');
		char *l = nl ? strndup(line, (size_t)(nl - line)) : strdup(line), *end, *type;
		struct memmap_entry e;

		next = nl ? nl + 1 : NULL;
		if (!l) {
			r = -ENOMEM;
			break;
		}
		end = strchr(l, ' ');
		type = end ? strchr(end + 1, ' ') : NULL;
		if (type) {
			*end++ = '\0';
			*type++ = '\0';
			if (memmap_parse_entry(l, end, type, &e) == 0)
				r = memmap_add(m, &e);
		}
		free(l);
	}
	if (r >= 0)
		r = memmap_finish(m, d);
	if (r < 0) {
		memmap_free(m);
		return r;
	}
	*ret = m;
	return 0;
}

/* The section named @name of a root input, or NULL. */
static inline const uint8_t *fuzz_section(const uint8_t *data, size_t size, const char *name, size_t *len)
{
	const size_t ml = strlen(FUZZ_MARKER), nl = strlen(name);

	for (size_t off = 0; off + ml + nl < size;) {
		const uint8_t *m = memmem(data + off, size - off, FUZZ_MARKER, ml), *body, *next;

		if (!m)
			break;
		off = (size_t)(m - data) + ml;
		if (off + nl >= size || memcmp(data + off, name, nl) != 0 || data[off + nl] != '\n')
			continue;
		body = data + off + nl + 1;
		next = memmem(body, size - (size_t)(body - data), FUZZ_MARKER, ml);
		*len = (size_t)((next ? next : data + size) - body);
		return body;
	}
	return NULL;
}

/*
 * A whole root through the model and every renderer.  @patched: the log
 * and the runtime sections are read too (else a stock kernel's root).
 */
static inline int fuzz_root(const uint8_t *data, size_t size, bool patched)
{
	struct bootmem_report *r = calloc(1, sizeof(*r));
	const uint8_t *s;
	char *out;
	size_t len;

	if (!r)
		return 0;
	for (enum bm_src id = 0; id < _BM_SRC_MAX; id++) {
		if (!source_get(id)->path || (!patched && (id == BM_SRC_LOG || id == BM_SRC_RUNTIME)))
			continue;
		s = fuzz_section(data, size, bm_src_name(id), &len);
		if (!s)
			continue;
		if (id == BM_SRC_MEMMAP) {
			struct source_diag d;
			char *text = fuzz_copy(s, len);

			r->src[id].present = true;
			if (text && fuzz_memmap(text, &r->in.memmap, &d) == 0)
				r->src[id].available = true;
			else
				snprintf(r->src[id].error, sizeof(r->src[id].error), "%s", text ? d.message : "oom");
			free(text);
		} else if (fuzz_parse(id, s, len, &r->in, &r->src[id]) < 0)
			goto out;
	}
	r->in.initrd_sysfs = fuzz_section(data, size, "initrd", &len) != NULL;
	sources_finish(&r->in, false);
	if (model_build(r) == 0) {
		for (int f = REPORT_TEXT; f <= REPORT_SVG; f++)
			if (report_render(r, (enum report_format)f, &out, &len) == 0)
				free(out);
		if (report_render_events(r, NULL, NULL, &out, &len) == 0)
			free(out);
		if (report_render_events(r, "alloc", "initrd", &out, &len) == 0)
			free(out);
	}
out:
	report_free(r);
	return 0;
}
