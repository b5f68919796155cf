/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The picture: an SVG map of physical memory.
 *
 *   1. Each range of RAM as a bar, to scale, with the regions on it.
 *   2. The address map, low to high, one row per region, free run or hole.
 *      Boot regions are often one page in a GiB of RAM, so row heights grow
 *      with log2 of the size (stated in the picture); every label has room.
 *   3. The lifecycle of the kernel image, the initrd and the FDT against the
 *      order of the kernel log's events, with the boot phases (enum bmf_phase) and
 *      the milestones (initrd unpacked, init memory freed...).
 *
 * Colors follow the fate, as in the Grafana dashboard.  Every string that
 * comes from the inputs (region names, reasons, release) is escaped for XML,
 * and bytes that are not valid UTF-8 or not allowed in XML become '?'.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "render.h"
#include "util.h"

#define WIDTH 1200
#define MARGIN 20
#define MAX_BANKS 8		/* to-scale bars drawn; the rest are named */
#define MILESTONE_LANES 4	/* rows of milestone labels above the timeline */
#define MAX_ROWS 120		/* address map rows before small reservations are grouped */
#define ROW_MIN 16		/* px for one 4 KiB page or less */
#define ROW_PER_DOUBLING 4	/* px more per doubling of the size */
#define FONT "DejaVu Sans, Verdana, Arial, sans-serif"
#define MONO "DejaVu Sans Mono, Menlo, Consolas, monospace"

static const char *const fate_colors[_BM_FATE_MAX] = {
	[BM_FATE_HELD] = "#e15759",
	[BM_FATE_FREED] = "#59a14f",
	[BM_FATE_PARTIALLY_FREED] = "#f28e2b",
	[BM_FATE_RETAINED] = "#4e79a7",
	[BM_FATE_REJECTED] = "#b07aa1",
	[BM_FATE_NOMAP] = "#79706e",
	[BM_FATE_REUSABLE] = "#76b7b2",
	[BM_FATE_NOT_RAM] = "#9c755f",
	[BM_FATE_SHARED] = "#d4a6c8",
	[BM_FATE_UNKNOWN] = "#bab0ac",
};
#define COLOR_FREE "#eef1f4"
#define COLOR_CLUSTER "#c9a26b"

static const char *fate_color(enum bm_fate f)
{
	/* A fate added without a colour is drawn as unknown, never as "(null)". */
	return (unsigned)f < _BM_FATE_MAX && fate_colors[f] ? fate_colors[f] : fate_colors[BM_FATE_UNKNOWN];
}

/* ---- XML text ----------------------------------------------------------- */

static void xml_text(struct strbuf *sb, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	while (*s) {
		size_t n;

		switch (*s) {
		case '&': sb_puts(sb, "&amp;"); s++; continue;
		case '<': sb_puts(sb, "&lt;"); s++; continue;
		case '>': sb_puts(sb, "&gt;"); s++; continue;
		case '"': sb_puts(sb, "&quot;"); s++; continue;
		case '\'': sb_puts(sb, "&#39;"); s++; continue;
		default: break;
		}
		if (*s < 0x20 && *s != '\t' && *s != '\n') {
			sb_puts(sb, "?");
			s++;
			continue;
		}
		n = util_utf8_len(s);
		if (!n) {
			sb_puts(sb, "?");
			s++;
			continue;
		}
		sb_putn(sb, (const char *)s, n);
		s += n;
	}
}

__attribute__((format(printf, 2, 3)))
static void xml_textf(struct strbuf *sb, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	xml_text(sb, buf);
}

/* <text> with escaped content; @attrs is a literal attribute list. */
static void text(struct strbuf *sb, double x, double y, const char *attrs, const char *s)
{
	sb_printf(sb, "<text x=\"%.1f\" y=\"%.1f\" %s>", x, y, attrs);
	xml_text(sb, s);
	sb_puts(sb, "</text>\n");
}

static const char *bytes(uint64_t v, char *buf, size_t n)
{
	return util_format_bytes(v, buf, n);
}

/* ---- what is where ------------------------------------------------------ */

enum seg_type {
	SEG_REGION,
	SEG_FREE,		/* RAM the page allocator got */
	SEG_REMOVED,		/* RAM taken out: mem=, memblock_remove */
	SEG_HOLE,		/* not RAM */
	SEG_CLUSTER,		/* several small reservations drawn as one row */
	SEG_UNEXPLAINED,	/* RAM neither MemTotal nor a reservation explains */
};

struct seg {
	uint64_t s, e;
	enum seg_type type;
	size_t region;		/* SEG_REGION */
	bool in_ram;
	size_t n_regions;	/* SEG_CLUSTER */
};

struct segs {
	struct seg *a;
	size_t n, cap;
	bool oom;
};

static void segs_add(struct segs *v, struct seg g)
{
	if (v->n && v->a[v->n - 1].e == g.s && v->a[v->n - 1].type == g.type && v->a[v->n - 1].in_ram == g.in_ram &&
	    (g.type != SEG_REGION || v->a[v->n - 1].region == g.region)) {
		v->a[v->n - 1].e = g.e;
		return;
	}
	if (GROW(v->a, v->cap, v->n + 1) < 0) {
		v->oom = true;
		return;
	}
	v->a[v->n++] = g;
}

struct map {
	const struct bootmem_report *r;
	const struct spans *ram;	/* the model's: RAM the kernel was given, before removals */
	const struct spans *removed;
	struct spans unexplained;
	const char *ram_src;	/* where the RAM ranges come from */
	struct segs segs;
	size_t n_unplaced;	/* regions without an address */
};

/* The index of @x in the sorted, unique @b[0..n). */
static size_t bsearch_u64(const uint64_t *b, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Is region @a a better owner of a span than @b: the more specific (smaller) one wins. */
static bool better_owner(const struct bootmem_report *r, size_t a, size_t b)
{
	const struct bm_region *x = &r->regions[a], *y = &r->regions[b];
	uint64_t xs = x->reserved.known ? (uint64_t)x->reserved.value : UINT64_MAX;
	uint64_t ys = y->reserved.known ? (uint64_t)y->reserved.value : UINT64_MAX;

	return xs < ys;
}

/*
 * Cuts the address space at every region, RAM and removal boundary, gives
 * each piece its most specific region, and merges neighbours that match.
 */
static int build_segments(struct map *m)
{
	const struct bootmem_report *r = m->r;
	uint64_t *b = NULL;
	size_t nb = 0, cap = 0, *owner = NULL;
	int rc = -ENOMEM;

#define PUSH(x) do {					\
		if (GROW(b, cap, nb + 1) < 0)		\
			goto out;			\
		b[nb++] = (x);				\
	} while (0)

	for (size_t i = 0; i < m->ram->n; i++) {
		PUSH(m->ram->a[i].s);
		PUSH(m->ram->a[i].e);
	}
	for (size_t i = 0; i < m->removed->n; i++) {
		PUSH(m->removed->a[i].s);
		PUSH(m->removed->a[i].e);
	}
	for (size_t i = 0; i < m->unexplained.n; i++) {
		PUSH(m->unexplained.a[i].s);
		PUSH(m->unexplained.a[i].e);
	}
	for (size_t k = 0; k < r->n_regions; k++) {
		if (!r->regions[k].n_ranges)
			m->n_unplaced++;
		for (size_t i = 0; i < r->regions[k].n_ranges; i++) {
			PUSH(r->regions[k].ranges[i].base);
			PUSH(span_end(r->regions[k].ranges[i].base, r->regions[k].ranges[i].size));
		}
	}
#undef PUSH
	if (nb < 2) {
		rc = 0;
		goto out;
	}
	qsort(b, nb, sizeof(*b), util_cmp_u64);
	{
		size_t u = 0;

		for (size_t i = 1; i < nb; i++)
			if (b[i] != b[u])
				b[++u] = b[i];
		nb = u + 1;
	}

	owner = malloc(nb * sizeof(*owner));
	if (!owner)
		goto out;
	for (size_t i = 0; i < nb; i++)
		owner[i] = SIZE_MAX;
	for (size_t k = 0; k < r->n_regions; k++)
		for (size_t i = 0; i < r->regions[k].n_ranges; i++) {
			const struct bm_range *g = &r->regions[k].ranges[i];
			uint64_t e = span_end(g->base, g->size);

			for (size_t j = bsearch_u64(b, nb, g->base); j + 1 < nb && b[j] < e; j++)
				if (owner[j] == SIZE_MAX || better_owner(r, k, owner[j]))
					owner[j] = k;
		}

	for (size_t j = 0; j + 1 < nb; j++) {
		struct seg g = { .s = b[j], .e = b[j + 1], .region = owner[j] };

		g.in_ram = spans_has(m->ram, g.s);
		if (owner[j] != SIZE_MAX)
			g.type = SEG_REGION;
		else if (spans_has(&m->unexplained, g.s))
			g.type = SEG_UNEXPLAINED;
		else if (spans_has(m->removed, g.s))
			g.type = SEG_REMOVED;
		else if (g.in_ram)
			g.type = SEG_FREE;
		else
			g.type = SEG_HOLE;
		segs_add(&m->segs, g);
	}
	rc = m->segs.oom ? -ENOMEM : 0;
out:
	free(b);
	free(owner);
	return rc;
}

/* Reservations that have no identity of their own: the first to be grouped. */
static bool minor_segment(const struct bootmem_report *r, const struct seg *g, uint64_t small)
{
	if (g->type == SEG_CLUSTER)
		return true;
	if (g->type == SEG_FREE)
		return g->e - g->s < small;
	if (g->type != SEG_REGION)
		return false;
	switch (r->regions[g->region].kind) {
	case BM_KIND_OWNER:
	case BM_KIND_PGTABLE:
	case BM_KIND_MEMMAP:
	case BM_KIND_PERCPU:
		return g->e - g->s < small;
	default:
		return false;
	}
}

/* Too many rows: runs of small reservations (and the free gaps between them) become one row each. */
static void group_small(struct map *m)
{
	for (uint64_t small = 1ull << 16; m->segs.n > MAX_ROWS && small <= (1ull << 40); small <<= 2) {
		size_t n = 0;

		for (size_t i = 0; i < m->segs.n;) {
			size_t j = i, regions = 0;

			while (j < m->segs.n && minor_segment(m->r, &m->segs.a[j], small) &&
			       m->segs.a[j].in_ram == m->segs.a[i].in_ram) {
				regions += m->segs.a[j].type == SEG_CLUSTER ? m->segs.a[j].n_regions :
					   m->segs.a[j].type == SEG_REGION;
				j++;
			}
			if (j - i >= 2 && regions >= 2) {
				struct seg c = { .s = m->segs.a[i].s, .e = m->segs.a[j - 1].e, .type = SEG_CLUSTER,
						 .in_ram = m->segs.a[i].in_ram, .n_regions = regions };

				m->segs.a[n++] = c;
				i = j;
			} else
				m->segs.a[n++] = m->segs.a[i++];
		}
		m->segs.n = n;
	}
}

/* log2(@v), linear between powers of two: enough for a row height, and no libm. */
static double approx_log2(uint64_t v)
{
	int k = 63 - __builtin_clzll(v | 1);

	return k + ((double)v / (double)(1ull << k) - 1.0);
}

static double row_height(uint64_t size)
{
	double l = size > 4096 ? approx_log2(size) - 12.0 : 0.0;

	return ROW_MIN + ROW_PER_DOUBLING * l;
}

/* ---- drawing ------------------------------------------------------------ */

static void rect(struct strbuf *sb, double x, double y, double w, double h, const char *fill, const char *extra)
{
	sb_printf(sb, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" %s/>\n",
		  x, y, w, h, fill, extra ? extra : "");
}

static const char *seg_fill(const struct map *m, const struct seg *g)
{
	switch (g->type) {
	case SEG_REGION: return fate_color(m->r->regions[g->region].fate);
	case SEG_FREE: return COLOR_FREE;
	case SEG_REMOVED: return "url(#removed)";
	case SEG_CLUSTER: return COLOR_CLUSTER;
	case SEG_HOLE: return "url(#hole)";
	case SEG_UNEXPLAINED: return "url(#unexplained)";
	}
	return "#fff";
}

/* Does [s, e) contain a whole page? */
static bool whole_page(uint64_t s, uint64_t e, uint64_t ps)
{
	uint64_t first = (s + ps - 1) / ps * ps;

	return first >= s && first + ps > first && first + ps <= e;
}

/* The label, or with @full the tooltip: what is in [s, e). */
static void seg_describe(const struct map *m, const struct seg *g, bool full, struct strbuf *sb)
{
	char a[32];

	switch (g->type) {
	case SEG_REGION: {
		const struct bm_region *rg = &m->r->regions[g->region];

		xml_text(sb, rg->name);
		xml_textf(sb, " \xe2\x80\x94 %s, %s", bm_fate_name(rg->fate), bytes(g->e - g->s, a, sizeof(a)));
		/* the region's split, once: on its first piece */
		if (rg->held.known && rg->freed.known && rg->held.value > 0 && rg->freed.value > 0 &&
		    rg->n_ranges && rg->ranges[0].base == g->s) {
			char h[32];
			bool whole = rg->n_ranges == 1 && rg->ranges[0].base == g->s &&
				     span_end(rg->ranges[0].base, rg->ranges[0].size) == g->e;

			xml_textf(sb, " (%sheld %s, freed %s)", whole ? "" : "whole region: ",
				  bytes((uint64_t)rg->held.value, h, sizeof(h)), bytes((uint64_t)rg->freed.value, a, sizeof(a)));
		}
		if (rg->reason) {
			xml_text(sb, " (");
			xml_text(sb, rg->reason);
			xml_text(sb, ")");
		}
		if (!g->in_ram)
			xml_text(sb, " [outside RAM]");
		break;
	}
	case SEG_FREE:
		if (m->r->patched && m->r->page_size && !whole_page(g->s, g->e, m->r->page_size))
			xml_textf(sb, "not reserved, %s, but in a page its neighbours hold", bytes(g->e - g->s, a, sizeof(a)));
		else if (m->r->patched)
			xml_textf(sb, "free RAM (page allocator), %s", bytes(g->e - g->s, a, sizeof(a)));
		else
			xml_textf(sb, "RAM, %s (a stock kernel does not itemize its reservations)",
				  bytes(g->e - g->s, a, sizeof(a)));
		break;
	case SEG_UNEXPLAINED:
		xml_textf(sb, "UNEXPLAINED: %s neither MemTotal nor a reservation accounts for",
			  bytes(g->e - g->s, a, sizeof(a)));
		break;
	case SEG_REMOVED:
		xml_textf(sb, "removed from the memory map (mem=, memblock_remove), %s", bytes(g->e - g->s, a, sizeof(a)));
		break;
	case SEG_HOLE:
		xml_textf(sb, "not RAM, %s", bytes(g->e - g->s, a, sizeof(a)));
		break;
	case SEG_CLUSTER:
		xml_textf(sb, "%zu small reservations and the free RAM between them, %s", g->n_regions,
			  bytes(g->e - g->s, a, sizeof(a)));
		if (full) {
			bool first = true;

			/* the names, so that every region is in the picture */
			for (size_t k = 0; k < m->r->n_regions; k++) {
				const struct bm_region *rg = &m->r->regions[k];

				for (size_t i = 0; i < rg->n_ranges; i++)
					if (rg->ranges[i].base < g->e && span_end(rg->ranges[i].base, rg->ranges[i].size) > g->s) {
						xml_text(sb, first ? ": " : ", ");
						xml_text(sb, rg->name);
						first = false;
						break;
					}
			}
		}
		break;
	}
}

static void defs(struct strbuf *sb)
{
	sb_puts(sb, "<defs>\n"
		"<pattern id=\"removed\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
		"patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#d9d9d9\"/>"
		"<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#8c8c8c\" stroke-width=\"2\"/></pattern>\n"
		"<pattern id=\"hole\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\">"
		"<rect width=\"8\" height=\"8\" fill=\"#ffffff\"/>"
		"<circle cx=\"4\" cy=\"4\" r=\"1\" fill=\"#b0b0b0\"/></pattern>\n"
		"<pattern id=\"unexplained\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
		"patternTransform=\"rotate(-45)\"><rect width=\"6\" height=\"6\" fill=\"#fde0e0\"/>"
		"<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#d00\" stroke-width=\"2\"/></pattern>\n"
		"</defs>\n");
}

static double header(struct strbuf *sb, const struct bootmem_report *r, double y)
{
	char t[256];

	snprintf(t, sizeof(t), "Boot memory map \xe2\x80\x94 Linux %s %s", r->in.release[0] ? r->in.release : "(unknown release)",
		 r->in.arch[0] ? r->in.arch : "(unknown arch)");
	text(sb, MARGIN, y + 22, "font-size=\"20\" font-weight=\"bold\"", t);
	text(sb, MARGIN, y + 44, "font-size=\"13\"", r->summary);
	text(sb, MARGIN, y + 62, "font-size=\"12\" fill=\"#555\"",
	     r->patched ? "source: the kernel's bootmem_fate log, joined with the device tree and /proc"
			: "stock kernel (no bootmem_fate log): regions from /proc/iomem and the boot messages; "
			  "figures the kernel does not tell are left out");
	return y + 76;
}

static double legend(struct strbuf *sb, const struct bootmem_report *r, double y)
{
	const struct {
		const char *fill, *label;
	} extra[] = {
		{ COLOR_FREE, r->patched ? "free RAM" : "RAM, not itemized" },
		{ "url(#removed)", "removed (mem=)" },
		{ "url(#unexplained)", "unexplained" },
		{ "url(#hole)", "not RAM" },
		{ COLOR_CLUSTER, "group of small reservations" },
	};
	double x = MARGIN;

	text(sb, x, y + 12, "font-size=\"12\" font-weight=\"bold\"", "fate:");
	x += 40;
	for (int f = 0; f < _BM_FATE_MAX; f++) {
		const char *name = bm_fate_name((enum bm_fate)f);

		rect(sb, x, y + 2, 14, 12, fate_color((enum bm_fate)f), "stroke=\"#333\" stroke-width=\"0.5\"");
		text(sb, x + 18, y + 12, "font-size=\"12\"", name);
		x += 30 + 7.6 * (double)strlen(name);
	}
	y += 20;
	x = MARGIN + 40;
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		rect(sb, x, y + 2, 14, 12, extra[i].fill, "stroke=\"#333\" stroke-width=\"0.5\"");
		text(sb, x + 18, y + 12, "font-size=\"12\"", extra[i].label);
		x += 30 + 7.6 * (double)strlen(extra[i].label);
	}
	return y + 26;
}

/* Section 1: each contiguous range of RAM (with its removed parts) as one bar, to scale. */
static double banks(struct strbuf *sb, const struct map *m, double y)
{
	struct spans ext = { 0 };
	const double x0 = MARGIN, w = WIDTH - 2 * MARGIN, h = 26;
	char a[32], px[32], t[160];

	for (size_t i = 0; i < m->ram->n; i++)
		spans_add(&ext, m->ram->a[i].s, m->ram->a[i].e);
	for (size_t i = 0; i < m->removed->n; i++)
		spans_add(&ext, m->removed->a[i].s, m->removed->a[i].e);
	spans_normalize(&ext);

	text(sb, MARGIN, y + 16, "font-size=\"15\" font-weight=\"bold\"", "RAM, to scale");
	if (!ext.n) {
		text(sb, MARGIN, y + 36, "font-size=\"12\" fill=\"#555\"", "RAM ranges unknown: no source gave them");
		spans_free(&ext);
		return y + 48;
	}
	snprintf(t, sizeof(t), "one bar per contiguous range of RAM (from %s), each to its own linear scale; "
		 "regions narrower than a pixel are drawn 1 px wide", m->ram_src);
	text(sb, MARGIN, y + 34, "font-size=\"12\" fill=\"#555\"", t);
	y += 44;

	for (size_t i = 0; i < ext.n && i < MAX_BANKS; i++) {
		uint64_t bs = ext.a[i].s, be = ext.a[i].e, size = be - bs;
		uint64_t per_px = (uint64_t)((double)size / w);
		double scale = w / (double)size;

		snprintf(t, sizeof(t), "0x%" PRIx64 "\xe2\x80\x93" "0x%" PRIx64 "  %s  (1 px = %s)", bs, be - 1,
			 bytes(size, a, sizeof(a)), bytes(per_px ? per_px : 1, px, sizeof(px)));
		text(sb, x0, y + 11, "font-size=\"11\" font-family=\"" MONO "\"", t);
		y += 15;
		rect(sb, x0, y, w, h, COLOR_FREE, "stroke=\"#444\" stroke-width=\"1\"");
		/* big first, so small regions inside them stay on top */
		for (int pass = 0; pass < 2; pass++)
			for (size_t k = 0; k < m->segs.n; k++) {
				const struct seg *g = &m->segs.a[k];
				uint64_t s = g->s > bs ? g->s : bs, e = g->e < be ? g->e : be;
				double gx, gw;

				if (e <= s || g->type == SEG_FREE || g->type == SEG_HOLE)
					continue;
				if ((pass == 0) != ((e - s) * scale >= 3.0))
					continue;
				gx = x0 + (double)(s - bs) * scale;
				gw = (double)(e - s) * scale;
				if (gw < 1.0)
					gw = 1.0;
				sb_printf(sb, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">"
					  "<title>", gx, y, gw, h, seg_fill(m, g));
				seg_describe(m, g, true, sb);
				sb_puts(sb, "</title></rect>\n");
			}
		y += h + 10;
	}
	if (ext.n > MAX_BANKS) {
		snprintf(t, sizeof(t), "%zu more ranges of RAM are not drawn here; the address map below has them all",
			 ext.n - MAX_BANKS);
		text(sb, MARGIN, y + 10, "font-size=\"12\" fill=\"#555\"", t);
		y += 18;
	}
	free(ext.a);
	return y + 6;
}

/* Section 2: the address map, one row per segment, heights log-scaled. */
static double address_map(struct strbuf *sb, const struct map *m, double y)
{
	const double xa = MARGIN, xb = MARGIN + 190, wb = 150, xl = xb + wb + 14;
	size_t drawn = 0;

	text(sb, MARGIN, y + 16, "font-size=\"15\" font-weight=\"bold\"", "Address map, low to high");
	text(sb, MARGIN, y + 34, "font-size=\"12\" fill=\"#555\"",
	     "row heights are log-scaled, not to scale: 16 px for a 4 KiB page and 4 px more for every doubling, "
	     "so that page-sized regions stay visible next to GiB of RAM");
	y += 46;
	if (!m->segs.n) {
		text(sb, MARGIN, y + 12, "font-size=\"12\" fill=\"#555\"", "no addresses known");
		return y + 24;
	}
	for (size_t k = 0; k < m->segs.n; k++) {
		const struct seg *g = &m->segs.a[k];
		double h = g->type == SEG_HOLE ? ROW_MIN + 4 : row_height(g->e - g->s);
		char addr[48];
		bool bold = g->type == SEG_REGION && bm_kind_is_protagonist(m->r->regions[g->region].kind);

		snprintf(addr, sizeof(addr), "0x%012" PRIx64, g->s);
		text(sb, xa, y + 12, "font-size=\"11\" font-family=\"" MONO "\" fill=\"#333\"", addr);
		sb_printf(sb, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
			  "stroke=\"#fff\" stroke-width=\"1\"><title>", xb, y, wb, h, seg_fill(m, g));
		seg_describe(m, g, true, sb);
		sb_puts(sb, "</title></rect>\n");
		sb_printf(sb, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\"%s%s>", xl, y + 12,
			  bold ? " font-weight=\"bold\"" : "",
			  g->type == SEG_REGION || g->type == SEG_CLUSTER ? "" :
			  g->type == SEG_UNEXPLAINED ? " fill=\"#c00\" font-weight=\"bold\"" : " fill=\"#666\"");
		seg_describe(m, g, false, sb);
		sb_puts(sb, "</text>\n");
		y += h;
		drawn++;
	}
	{
		char addr[48];

		snprintf(addr, sizeof(addr), "0x%012" PRIx64, m->segs.a[m->segs.n - 1].e);
		text(sb, xa, y + 10, "font-size=\"11\" font-family=\"" MONO "\" fill=\"#333\"", addr);
		y += 16;
	}
	if (m->n_unplaced) {
		char t[160];
		size_t listed = 0;

		/* all of them, a line each: every region is named in the picture */
		snprintf(t, sizeof(t), "no address known for %zu region%s:", m->n_unplaced, m->n_unplaced == 1 ? "" : "s");
		text(sb, MARGIN, y + 12, "font-size=\"12\" fill=\"#555\"", t);
		y += 18;
		for (size_t i = 0; i < m->r->n_regions; i++) {
			const struct bm_region *rg = &m->r->regions[i];

			if (rg->n_ranges)
				continue;
			sb_printf(sb, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"#555\">",
				  (double)MARGIN + 16 + (double)(listed % 3) * 380, y + 12);
			xml_text(sb, rg->name);
			xml_textf(sb, " \xe2\x80\x94 %s", bm_fate_name(rg->fate));
			sb_puts(sb, "</text>\n");
			if (++listed % 3 == 0)
				y += 16;
		}
		if (listed % 3)
			y += 16;
	}
	return y + 8;
}

/* ---- the timeline ------------------------------------------------------- */

/* enum bmf_phase */
static const char *const phase_names[] = { "memblock", "page allocator", "late boot", "running" };

static const char *phase_name(unsigned p)
{
	return p < sizeof(phase_names) / sizeof(phase_names[0]) ? phase_names[p] : "unknown";
}

enum mark {
	MARK_NONE,
	MARK_RESERVE,
	MARK_RELEASE,		/* to the page allocator */
	MARK_UNRESERVE,		/* memblock_free: back to memblock */
	MARK_REJECT,
	MARK_NOMAP,
	MARK_MILESTONE,
};

static enum mark mark_of(unsigned kind)
{
	switch (kind) {
	case BMF_RESERVE:
	case BMF_ALLOC:
		return MARK_RESERVE;
	case BMF_FREE_ALL:
	case BMF_FREE_AREA:
	case BMF_FREE_PAGE:
	case BMF_FREE_LATE:
	case BMF_PAGES:
		return MARK_RELEASE;
	case BMF_FREE:
		return MARK_UNRESERVE;
	case BMF_REJECT:
		return MARK_REJECT;
	case BMF_NOMAP_MARK:
		return MARK_NOMAP;
	default:
		return bmf_kind_is_milestone(kind) ? MARK_MILESTONE : MARK_NONE;
	}
}

static void event_title(struct strbuf *sb, const struct bmf_event *e)
{
	char a[32];

	sb_puts(sb, "<title>");
	xml_textf(sb, "seq %" PRIu32 ", ", e->seq);
	if (e->time_ns)
		xml_textf(sb, "%.6f s, ", (double)e->time_ns / 1e9);
	else
		xml_text(sb, "before the clock ran, ");
	xml_textf(sb, "%s: %s", phase_name(e->phase), bmf_kind_name(e->kind));
	if (e->size)
		xml_textf(sb, " [0x%" PRIx64 ", +%s)", e->base, bytes(e->size, a, sizeof(a)));
	if (e->caller && *e->caller) {
		xml_text(sb, " by ");
		xml_text(sb, e->caller);
	}
	if (e->label && *e->label) {
		xml_text(sb, " \xe2\x80\x9c");
		xml_text(sb, e->label);
		xml_text(sb, "\xe2\x80\x9d");
	}
	sb_puts(sb, "</title>");
}

static void draw_mark(struct strbuf *sb, enum mark k, double x, double y, const struct bmf_event *e)
{
	switch (k) {
	case MARK_RESERVE:
		sb_printf(sb, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#333\">", x, y);
		event_title(sb, e);
		sb_puts(sb, "</circle>\n");
		break;
	case MARK_RELEASE:
		sb_printf(sb, "<path d=\"M%.1f %.1f l-7 -6 l0 12 z\" fill=\"%s\" stroke=\"#1e4d1a\">", x + 4, y,
			  fate_colors[BM_FATE_FREED]);
		event_title(sb, e);
		sb_puts(sb, "</path>\n");
		break;
	case MARK_UNRESERVE:
		sb_printf(sb, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#fff\" stroke=\"#333\" "
			  "stroke-width=\"1.5\">", x, y);
		event_title(sb, e);
		sb_puts(sb, "</circle>\n");
		break;
	case MARK_REJECT:
		sb_printf(sb, "<path d=\"M%.1f %.1f l10 10 m0 -10 l-10 10\" stroke=\"%s\" stroke-width=\"3\">",
			  x - 5, y - 5, fate_colors[BM_FATE_REJECTED]);
		event_title(sb, e);
		sb_puts(sb, "</path>\n");
		break;
	case MARK_NOMAP:
		sb_printf(sb, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" fill=\"%s\">", x - 4.5, y - 4.5,
			  fate_colors[BM_FATE_NOMAP]);
		event_title(sb, e);
		sb_puts(sb, "</rect>\n");
		break;
	case MARK_MILESTONE:
		sb_printf(sb, "<path d=\"M%.1f %.1f l5 5 l-5 5 l-5 -5 z\" fill=\"#fff\" stroke=\"#333\">", x, y - 5);
		event_title(sb, e);
		sb_puts(sb, "</path>\n");
		break;
	case MARK_NONE:
		sb_printf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\">", x, y - 5, x,
			  y + 5);
		event_title(sb, e);
		sb_puts(sb, "</line>\n");
		break;
	}
}

static const char *milestone_label(unsigned kind)
{
	switch (kind) {
	case BMF_FREE_ALL_DONE: return "memblock_free_all done";
	case BMF_INITRD_UNPACKED: return "initrd unpacked";
	case BMF_INITRD_FREED: return "initrd freed";
	case BMF_INITRD_RETAINED: return "initrd retained";
	case BMF_INITRD_KEPT: return "initrd kept (crashkernel)";
	case BMF_INITMEM_DONE: return "init memory freed";
	default: return NULL;
	}
}

/* Section 3: when the kernel image, the initrd and the FDT were reserved and released. */
static double timeline(struct strbuf *sb, const struct bootmem_report *r, double y)
{
	const struct bmf_log *log = r->in.log;
	const double xl = MARGIN, x0 = MARGIN + 150, x1 = WIDTH - MARGIN - 10, row = 26;
	size_t rows = 0, n;
	double top, bottom, span;
	uint32_t last_seq;
	char t[200];

	text(sb, MARGIN, y + 16, "font-size=\"15\" font-weight=\"bold\"", "Lifecycle of the kernel image, initrd and FDT");
	if (!log || !log->n_events) {
		text(sb, MARGIN, y + 36, "font-size=\"12\" fill=\"#555\"",
		     r->patched ? "the kernel log has no events" :
		     "no timeline: this kernel has no bootmem_fate log, so when things happened is unknown");
		return y + 50;
	}
	n = log->n_events;
	last_seq = log->events[n - 1].seq;
	span = last_seq ? (double)last_seq : 1.0;
	text(sb, MARGIN, y + 34, "font-size=\"12\" fill=\"#555\"",
	     "x: order of the events in the kernel log (seq), not time; hover a mark for its time; "
	     "the shaded bands are the phases of the boot");
	text(sb, MARGIN, y + 50, "font-size=\"12\" fill=\"#555\"",
	     "\xe2\x97\x8f reserved   \xe2\x97\x8b given back to memblock   \xe2\x96\xb6 released to the page allocator   "
	     "\xe2\x9c\x95 rejected   \xe2\x97\x87 milestone   bar: held, colored by the region's fate");
	y += 64;

	for (size_t k = 0; k < r->n_regions; k++)
		rows += bm_kind_is_protagonist(r->regions[k].kind) && r->regions[k].n_events;
	top = y + 14 + 13 * MILESTONE_LANES;	/* room for the milestone labels */
	bottom = top + (double)rows * row;

#define XOF(seq) (x0 + (x1 - x0) * (double)(seq) / span)

	/* boot phases as background bands */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		double bx0, bx1;

		while (j < n && log->events[j].phase == log->events[i].phase)
			j++;
		bx0 = XOF(log->events[i].seq);
		bx1 = j < n ? XOF(log->events[j].seq) : x1;
		sb_printf(sb, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
			  bx0, top - 4, bx1 - bx0 > 0 ? bx1 - bx0 : 1, bottom - top + 8,
			  log->events[i].phase % 2 ? "#eef2fa" : "#faf8ee");
		xml_textf(sb, "phase: %s", phase_name(log->events[i].phase));
		sb_puts(sb, "</title></rect>\n");
		if (bx1 - bx0 >= 6.5 * (double)strlen(phase_name(log->events[i].phase)) + 6)
			text(sb, bx0 + 3, bottom + 16, "font-size=\"11\" fill=\"#777\"", phase_name(log->events[i].phase));
		i = j;
	}

	/* milestones: dashed lines, labels in the first lane where they do not overlap */
	{
		double lane_end[MILESTONE_LANES];

		for (int l = 0; l < MILESTONE_LANES; l++)
			lane_end[l] = -1e9;
		for (size_t i = 0; i < n; i++) {
			const char *label = milestone_label(log->events[i].kind);
			double mx = XOF(log->events[i].seq), w, lx0;
			bool right;
			int lane = 0;

			if (!label)
				continue;
			w = 6.3 * (double)strlen(label);
			right = mx + w > x1 + 10;	/* would run off the picture: end the label at the line */
			lx0 = right ? mx - w : mx;
			while (lane < MILESTONE_LANES - 1 && lx0 < lane_end[lane] + 8)
				lane++;
			lane_end[lane] = lx0 + w;
			sb_printf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" "
				  "stroke-dasharray=\"3 3\"/>\n", mx, top - 10 - 13 * lane, mx, bottom + 4);
			sb_printf(sb, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#444\" text-anchor=\"%s\">",
				  right ? mx - 2 : mx + 2, top - 13 - 13 * lane, right ? "end" : "start");
			xml_text(sb, label);
			sb_puts(sb, "</text>\n");
		}
	}

	y = top;
	for (size_t k = 0; k < r->n_regions; k++) {
		const struct bm_region *g = &r->regions[k];
		double cy = y + row / 2, bar_from = -1, bar_to = -1;

		if (!bm_kind_is_protagonist(g->kind) || !g->n_events)
			continue;
		sb_printf(sb, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" font-weight=\"bold\">", xl, cy + 4);
		xml_text(sb, g->name);
		sb_puts(sb, "</text>\n");
		sb_printf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x0, cy, x1, cy);

		/* the bar: from the first reservation to the last release, or to the end if still held */
		for (size_t i = 0; i < g->n_events; i++) {
			const struct bmf_event *e = &log->events[g->events[i]];
			enum mark mk = mark_of(e->kind);

			if ((mk == MARK_RESERVE || mk == MARK_REJECT || mk == MARK_NOMAP) && bar_from < 0)
				bar_from = XOF(e->seq);
			if (mk == MARK_RELEASE || mk == MARK_UNRESERVE)
				bar_to = XOF(e->seq);
		}
		if (bar_from < 0 && g->n_events)
			bar_from = XOF(log->events[g->events[0]].seq);
		if (g->held.known && g->held.value > 0)
			bar_to = x1;
		if (bar_to < bar_from)
			bar_to = bar_from + 2;
		sb_printf(sb, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"8\" rx=\"3\" fill=\"%s\" "
			  "opacity=\"0.85\"><title>", bar_from, cy - 4, bar_to - bar_from, fate_color(g->fate));
		xml_text(sb, g->name);
		xml_textf(sb, ": %s", bm_fate_name(g->fate));
		sb_puts(sb, "</title></rect>\n");
		if (bar_to >= x1 - 0.5 && g->held.known && g->held.value > 0)
			sb_printf(sb, "<path d=\"M%.1f %.1f l8 6 l-8 6 z\" fill=\"%s\"/>\n", x1, cy - 6,
				  fate_color(g->fate));

		for (size_t i = 0; i < g->n_events; i++) {
			const struct bmf_event *e = &log->events[g->events[i]];

			draw_mark(sb, mark_of(e->kind), XOF(e->seq), cy, e);
		}
		y += row;
	}

	/* the axis: seq, with the time where the clock ran */
	y = bottom + 24;
	sb_printf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", x0, y, x1, y);
	for (int i = 0; i <= 5; i++) {
		size_t idx = (size_t)((double)(n - 1) * i / 5.0);
		const struct bmf_event *e = &log->events[idx];
		double tx = XOF(e->seq);

		sb_printf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", tx, y, tx, y + 5);
		if (e->time_ns)
			snprintf(t, sizeof(t), "seq %" PRIu32 " (%.3f s)", e->seq, (double)e->time_ns / 1e9);
		else
			snprintf(t, sizeof(t), "seq %" PRIu32, e->seq);
		sb_printf(sb, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"%s\">", tx, y + 18,
			  i == 0 ? "start" : i == 5 ? "end" : "middle");
		xml_text(sb, t);
		sb_puts(sb, "</text>\n");
	}
#undef XOF
	if (log->dropped_events) {
		snprintf(t, sizeof(t), "the kernel log dropped %" PRIu64 " events: this timeline is incomplete",
			 log->dropped_events);
		text(sb, MARGIN, y + 38, "font-size=\"12\" fill=\"#b00\"", t);
		y += 18;
	}
	return y + 34;
}

int render_svg(const struct bootmem_report *r, char **out, size_t *len)
{
	struct map m = { .r = r };
	struct strbuf body, sb;
	double y = 0;
	int rc, height;

	m.ram = &r->ram_map.ram;
	m.removed = &r->ram_map.removed;
	m.ram_src = r->ram_map.src;
	for (size_t i = 0; i < r->rec.n_unexplained_ranges; i++)
		spans_add(&m.unexplained, r->rec.unexplained_ranges[i].base,
			  span_end(r->rec.unexplained_ranges[i].base, r->rec.unexplained_ranges[i].size));
	spans_normalize(&m.unexplained);
	rc = m.unexplained.oom ? -ENOMEM : build_segments(&m);
	if (rc < 0)
		goto out;
	group_small(&m);

	sb_init(&body);
	y = header(&body, r, 6);
	y = legend(&body, r, y);
	y = banks(&body, &m, y + 6);
	y = address_map(&body, &m, y + 6);
	y = timeline(&body, r, y + 6);

	sb_init(&sb);
	height = (int)y + 1;
	sb_printf(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		  "font-family=\"" FONT "\">\n", WIDTH, height, WIDTH, height);
	sb_puts(&sb, "<title>");
	xml_textf(&sb, "bootmemd memory map: Linux %s %s", r->in.release, r->in.arch);
	sb_puts(&sb, "</title>\n");
	sb_printf(&sb, "<desc>Generated by bootmemd %s.</desc>\n", PACKAGE_VERSION);
	defs(&sb);
	rect(&sb, 0, 0, WIDTH, height, "#ffffff", NULL);
	if (body.oom)
		sb.oom = true;
	else
		sb_putn(&sb, body.buf, body.len);
	sb_free(&body);
	sb_puts(&sb, "</svg>\n");
	rc = sb_steal(&sb, out, len);
out:
	spans_free(&m.unexplained);
	free(m.segs.a);
	return rc;
}
