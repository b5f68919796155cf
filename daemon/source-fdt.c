/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "sources.h"
#include "util.h"

static uint64_t read_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;

	for (int i = 0; i < cells; i++)
		v = (v << 32) | fdt32_to_cpu(p[i]);
	return v;
}

/* Valid #address-cells / #size-cells for a 64-bit reader. */
static bool cells_ok(int ac, int sc)
{
	return ac >= 1 && ac <= 2 && sc >= 0 && sc <= 2;
}

/*
 * Appends the (address, size) pairs of @prop to *ranges.  Returns 0, -EINVAL
 * when the length is not a multiple of the pair size, -ENOMEM.
 */
static int parse_pairs(const void *fdt, int node, const char *prop, int ac, int sc,
		       struct dt_range **ranges, size_t *n, size_t *cap)
{
	const fdt32_t *p;
	size_t pair, cnt;
	int len;

	p = fdt_getprop(fdt, node, prop, &len);
	if (!p)
		return len == -FDT_ERR_NOTFOUND ? 0 : -EINVAL;
	pair = (size_t)(ac + sc) * sizeof(fdt32_t);
	if (len < 0 || pair == 0 || (size_t)len % pair)
		return -EINVAL;
	cnt = (size_t)len / pair;
	if (cnt && util_grow((void **)ranges, cap, *n + cnt, sizeof(**ranges)) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		const fdt32_t *c = p + i * (size_t)(ac + sc);

		(*ranges)[*n].base = read_cells(c, ac);
		(*ranges)[*n].size = read_cells(c + ac, sc);
		(*n)++;
	}
	return 0;
}

/* A single number of @cells cells; -EINVAL on a wrong length. */
static int parse_num(const void *fdt, int node, const char *prop, int cells, bool *has, uint64_t *v)
{
	const fdt32_t *p;
	int len;

	p = fdt_getprop(fdt, node, prop, &len);
	if (!p)
		return len == -FDT_ERR_NOTFOUND ? 0 : -EINVAL;
	if (len != cells * (int)sizeof(fdt32_t))
		return -EINVAL;
	*v = read_cells(p, cells);
	*has = true;
	return 0;
}

/* linux,initrd-start/-end are 32 or 64 bits, independent of #address-cells. */
static bool parse_u32_or_u64(const void *fdt, int node, const char *prop, uint64_t *v)
{
	const fdt32_t *p;
	int len;

	p = fdt_getprop(fdt, node, prop, &len);
	if (!p || (len != 4 && len != 8))
		return false;
	*v = read_cells(p, len / 4);
	return true;
}

static bool node_disabled(const void *fdt, int node)
{
	const char *s;
	int len;

	s = fdt_getprop(fdt, node, "status", &len);
	if (!s || len <= 0)
		return false;
	return strncmp(s, "okay", (size_t)len) != 0 && strncmp(s, "ok", (size_t)len) != 0;
}

static int parse_rmem(const void *fdt, struct dt_info *info)
{
	size_t cap = 0;
	int parent, node, ac, sc, r;

	parent = fdt_path_offset(fdt, "/reserved-memory");
	if (parent < 0)
		return 0;
	ac = fdt_address_cells(fdt, parent);
	sc = fdt_size_cells(fdt, parent);
	if (!cells_ok(ac, sc))
		return 0;	/* the kernel ignores such a node too ("unsupported node format") */

	fdt_for_each_subnode(node, fdt, parent) {
		struct dt_rmem_node *n;
		const char *name, *compat;
		size_t cap_reg = 0, cap_alloc = 0;
		int len;

		if (GROW(info->rmem, cap, info->n_rmem + 1) < 0)
			return -ENOMEM;
		n = &info->rmem[info->n_rmem++];
		memset(n, 0, sizeof(*n));

		name = fdt_get_name(fdt, node, &len);
		n->name = strndup(name ? name : "", name && len > 0 ? (size_t)len : 0);
		if (!n->name)
			return -ENOMEM;
		util_sanitize_text(n->name);
		compat = fdt_getprop(fdt, node, "compatible", &len);
		if (compat && len > 0) {
			n->compatible = strndup(compat, (size_t)len);
			if (!n->compatible)
				return -ENOMEM;
			util_sanitize_text(n->compatible);
		}
		n->disabled = node_disabled(fdt, node);
		n->no_map = fdt_getprop(fdt, node, "no-map", NULL) != NULL;
		n->reusable = fdt_getprop(fdt, node, "reusable", NULL) != NULL;

		r = parse_pairs(fdt, node, "reg", ac, sc, &n->reg, &n->n_reg, &cap_reg);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			n->bad = true;
		r = parse_num(fdt, node, "size", sc, &n->has_size, &n->size);
		if (r < 0)
			n->bad = true;
		r = parse_num(fdt, node, "alignment", sc, &n->has_alignment, &n->alignment);
		if (r < 0)
			n->bad = true;
		r = parse_pairs(fdt, node, "alloc-ranges", ac, sc, &n->alloc_ranges, &n->n_alloc_ranges, &cap_alloc);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			n->bad = true;
	}
	return 0;
}

static int parse_memory(const void *fdt, struct dt_info *info, int ac, int sc)
{
	size_t cap = 0;
	int node, r;

	fdt_for_each_subnode(node, fdt, 0) {
		const char *type;
		int len;

		type = fdt_getprop(fdt, node, "device_type", &len);
		if (!type || len < 7 || strcmp(type, "memory") != 0 || node_disabled(fdt, node))
			continue;
		r = parse_pairs(fdt, node, "reg", ac, sc, &info->memory, &info->n_memory, &cap);
		if (r == -ENOMEM)
			return r;
	}
	return 0;
}

static int parse_chosen(const void *fdt, struct dt_info *info, int ac, int sc)
{
	uint64_t start, end;
	_cleanup_free_ struct dt_range *core = NULL;
	size_t n_core = 0, cap_core = 0, cap_usable = 0;
	int chosen, r;

	chosen = fdt_path_offset(fdt, "/chosen");
	if (chosen < 0)
		return 0;
	if (parse_u32_or_u64(fdt, chosen, "linux,initrd-start", &start) &&
	    parse_u32_or_u64(fdt, chosen, "linux,initrd-end", &end) && end >= start) {
		info->has_initrd = true;
		info->initrd_start = start;
		info->initrd_end = end;
	}
	r = parse_pairs(fdt, chosen, "linux,elfcorehdr", ac, sc, &core, &n_core, &cap_core);
	if (r == -ENOMEM)
		return r;
	if (r == 0 && n_core == 1) {
		info->has_elfcorehdr = true;
		info->elfcorehdr = core[0];
	}
	r = parse_pairs(fdt, chosen, "linux,usable-memory-range", ac, sc,
			&info->usable_memory, &info->n_usable_memory, &cap_usable);
	return r == -ENOMEM ? r : 0;
}

/*
 * Walks the structure block with bounds and forward progress checked on
 * every tag.  libfdt 1.6.1 (Debian 12) loops forever in fdt_check_full() on
 * a property length that makes its int offset wrap; the fuzzer found it.
 * Only a block that passes this walk is handed to libfdt.
 */
static bool struct_block_sane(const void *blob, size_t len)
{
	const unsigned char *p = blob;
	uint64_t off = fdt_off_dt_struct(blob), size = fdt_size_dt_struct(blob), end;

	/*
	 * Linux and QEMU write version 17; libfdt 1.6.1 crashes in
	 * fdt_check_full() on some old-version headers, so only 17 is read.
	 */
	if (fdt_version(blob) < 17 || fdt_last_comp_version(blob) > 17 ||
	    fdt_off_mem_rsvmap(blob) % 8 || off % 4 ||
	    (uint64_t)fdt_off_dt_strings(blob) + fdt_size_dt_strings(blob) > fdt_totalsize(blob))
		return false;
	end = off + size;
	if (end > len || end > fdt_totalsize(blob))
		return false;
	while (off + 4 <= end) {
		uint32_t tag;

		memcpy(&tag, p + off, 4);
		tag = fdt32_to_cpu(tag);
		off += 4;
		switch (tag) {
		case FDT_BEGIN_NODE: {
			const unsigned char *nul = memchr(p + off, '\0', (size_t)(end - off));

			if (!nul)
				return false;
			off = (uint64_t)(nul - p) + 1;
			off = (off + 3) & ~3ull;
			break;
		}
		case FDT_PROP: {
			uint32_t plen;

			if (off + 8 > end)
				return false;
			memcpy(&plen, p + off, 4);
			plen = fdt32_to_cpu(plen);
			off += 8;
			if (plen > end - off)
				return false;
			off = (off + plen + 3) & ~3ull;
			break;
		}
		case FDT_END_NODE:
		case FDT_NOP:
			break;
		case FDT_END:
			return true;
		default:
			return false;
		}
	}
	return false;	/* ran off the block without FDT_END */
}

static void dt_info_freep(struct dt_info **info)
{
	dt_info_free(*info);
}

/* The board: the root's model and its compatible list (NUL-separated in the blob). */
static int parse_identity(const void *fdt, struct dt_info *info)
{
	const char *p;
	int len;

	p = fdt_getprop(fdt, 0, "model", &len);
	if (p && len > 0) {
		info->model = strndup(p, (size_t)len);
		if (!info->model)
			return -ENOMEM;
		util_sanitize_text(info->model);
	}
	p = fdt_getprop(fdt, 0, "compatible", &len);
	if (p && len > 0) {
		info->compatible = malloc((size_t)len + 1);
		if (!info->compatible)
			return -ENOMEM;
		memcpy(info->compatible, p, (size_t)len);
		info->compatible[len] = '\0';
		/* "a\0b\0" -> "a,b" */
		while (len > 0 && info->compatible[len - 1] == '\0')
			len--;
		for (int i = 0; i < len; i++)
			if (info->compatible[i] == '\0')
				info->compatible[i] = ',';
		util_sanitize_text(info->compatible);
	}
	return 0;
}

int dt_parse(const void *blob, size_t len, struct dt_info **ret, struct source_diag *d)
{
	_cleanup_(dt_info_freep) struct dt_info *info = NULL;
	int err, n, ac, sc, r;

	if (len < sizeof(struct fdt_header) || len > INT32_MAX)
		return source_fail(d, -EINVAL, "invalid device tree: %s", fdt_strerror(-FDT_ERR_TRUNCATED));
	err = fdt_check_header(blob);
	if (!err && (fdt_totalsize(blob) > len || !struct_block_sane(blob, len)))
		err = -FDT_ERR_BADSTRUCTURE;
	/* fdt_check_full() checks the header, the structure block and every string. */
	if (!err)
		err = fdt_check_full(blob, len);
	if (err)
		return source_fail(d, -EINVAL, "invalid device tree: %s", fdt_strerror(err));

	info = calloc(1, sizeof(*info));
	if (!info)
		return -ENOMEM;
	info->totalsize = fdt_totalsize(blob);

	n = fdt_num_mem_rsv(blob);
	if (n < 0)
		return source_fail(d, -EINVAL, "invalid device tree: %s", fdt_strerror(n));
	if (n > 0) {
		info->memreserve = calloc((size_t)n, sizeof(*info->memreserve));
		if (!info->memreserve)
			return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		uint64_t a, s;

		if (fdt_get_mem_rsv(blob, i, &a, &s) < 0)
			break;
		info->memreserve[info->n_memreserve].base = a;
		info->memreserve[info->n_memreserve].size = s;
		info->n_memreserve++;
	}

	ac = fdt_address_cells(blob, 0);
	sc = fdt_size_cells(blob, 0);
	if (cells_ok(ac, sc)) {
		r = parse_memory(blob, info, ac, sc);
		if (r < 0)
			return r;
		r = parse_chosen(blob, info, ac, sc);
		if (r < 0)
			return r;
	}
	r = parse_rmem(blob, info);
	if (r < 0)
		return r;
	r = parse_identity(blob, info);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(info);
	return 0;
}

void dt_info_free(struct dt_info *info)
{
	if (!info)
		return;
	for (size_t i = 0; i < info->n_rmem; i++) {
		free(info->rmem[i].name);
		free(info->rmem[i].compatible);
		free(info->rmem[i].reg);
		free(info->rmem[i].alloc_ranges);
	}
	free(info->rmem);
	free(info->memory);
	free(info->memreserve);
	free(info->usable_memory);
	free(info->model);
	free(info->compatible);
	free(info);
}

int dt_check_head(const char *buf, size_t len, size_t max, struct source_diag *d)
{
	/* What fdt_check_header() would say of a short or foreign blob comes with the full read. */
	if (len < DT_HEAD || fdt_magic(buf) != FDT_MAGIC)
		return 0;
	if (fdt_totalsize(buf) > max)
		return source_fail(d, -EFBIG, "invalid device tree: totalsize %u, more than the %zu bytes it may have",
				   fdt_totalsize(buf), max);
	return 0;
}

int dt_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d)
{
	return dt_parse(buf, len, &in->fdt, d);
}

void dt_unload(struct bm_inputs *in)
{
	dt_info_free(in->fdt);
	in->fdt = NULL;
}
