/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The human report: the three protagonists (kernel image, initrd, FDT)
 * first, then the top holders, then the reconciliation, findings and
 * sources.  Sizes are binary units; exact byte counts are in the JSON.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "render.h"
#include "util.h"

#define TOP_HOLDERS 10

static const char *fb(const struct bm_figure *f, char *buf, size_t n)
{
	if (!f->known)
		return "?";
	if (f->value < 0) {
		char tmp[32];

		snprintf(buf, n, "-%s", util_format_bytes(0 - (uint64_t)f->value, tmp, sizeof(tmp)));
		return buf;
	}
	return util_format_bytes((uint64_t)f->value, buf, n);
}

/* The columns past FREED that any region fills: shown only then. */
struct cols {
	bool nomap, not_ram, removed, shared;
	bool stock;	/* each line says its source, and whether it is an estimate */
};

static void region_line(struct strbuf *sb, const struct cols *c, const struct bm_region *g)
{
	const char *indent = g->parent ? "  " : "";
	char a[32], b[32], d[32], name[64];

	snprintf(name, sizeof(name), "%s%s", indent, g->name);
	sb_printf(sb, "  %-32.32s %10s %10s %10s", name, fb(&g->reserved, a, sizeof(a)),
		  fb(&g->held, b, sizeof(b)), fb(&g->freed, d, sizeof(d)));
	if (c->nomap)
		sb_printf(sb, " %10s", fb(&g->nomap, a, sizeof(a)));
	if (c->not_ram)
		sb_printf(sb, " %10s", fb(&g->not_ram, a, sizeof(a)));
	if (c->removed)
		sb_printf(sb, " %10s", fb(&g->removed, a, sizeof(a)));
	if (c->shared)
		sb_printf(sb, " %10s", fb(&g->shared, a, sizeof(a)));
	sb_printf(sb, "  %s", bm_fate_name(g->fate));
	if (g->reason)
		sb_printf(sb, " (%s)", g->reason);
	/* Stock mode: where each figure comes from, and whether it is read or estimated. */
	if (c->stock)
		sb_printf(sb, "  [%s%s]", g->estimate ? "estimate, " : "", bm_src_name(g->src));
	sb_puts(sb, "\n");
}

static void rec_line(struct strbuf *sb, const char *op, const char *what, const struct bm_figure *f)
{
	char a[32];

	if (!f->known) {
		sb_printf(sb, "  %s %-22s %12s\n", op, what, "unknown");
		return;
	}
	sb_printf(sb, "  %s %-22s %12s  %" PRId64 " B  (%s)\n", op, what, fb(f, a, sizeof(a)), f->value,
		  bm_src_name(f->src));
}

int render_text(const struct bootmem_report *r, char **out, size_t *len)
{
	const struct bm_reconciliation *rec = &r->rec;
	struct strbuf sb;
	struct cols c = { 0 };
	size_t shown = 0, rest = 0;
	int64_t rest_held = 0;
	char a[32];

	sb_init(&sb);
	sb_printf(&sb, "bootmemd %s: Linux %s %s, %s\n", PACKAGE_VERSION,
		  r->in.release[0] ? r->in.release : "(unknown release)",
		  r->in.arch[0] ? r->in.arch : "(unknown arch)",
		  r->patched ? "bootmem_fate log" : "stock kernel (no bootmem_fate log): partial figures");
	sb_printf(&sb, "%s\n\n", r->summary);

	c.stock = !r->patched;
	for (size_t i = 0; i < r->n_regions; i++) {
		const struct bm_region *g = &r->regions[i];

		c.nomap |= g->nomap.known && g->nomap.value;
		c.not_ram |= g->not_ram.known && g->not_ram.value;
		c.removed |= g->removed.known && g->removed.value;
		c.shared |= g->shared.known && g->shared.value;
	}
	sb_printf(&sb, "  %-32s %10s %10s %10s", "REGION", "RESERVED", "HELD", "FREED");
	if (c.nomap)
		sb_printf(&sb, " %10s", "NO-MAP");
	if (c.not_ram)
		sb_printf(&sb, " %10s", "NOT RAM");
	if (c.removed)
		sb_printf(&sb, " %10s", "REMOVED");
	if (c.shared)
		sb_printf(&sb, " %10s", "SHARED");
	sb_puts(&sb, "  FATE\n");
	for (size_t i = 0; i < r->n_regions; i++)
		if (bm_kind_is_protagonist(r->regions[i].kind))
			region_line(&sb, &c, &r->regions[i]);
	sb_puts(&sb, "\n  top holders\n");
	for (size_t i = 0; i < r->n_regions; i++) {
		const struct bm_region *g = &r->regions[i];

		if (bm_kind_is_protagonist(g->kind))
			continue;
		if (shown < TOP_HOLDERS) {
			region_line(&sb, &c, g);
			shown++;
		} else {
			rest++;
			rest_held = util_wadd(rest_held, g->held.known ? g->held.value : 0);
		}
	}
	if (!shown)
		sb_puts(&sb, "  (none known)\n");
	if (c.shared)
		sb_puts(&sb, "  (a page two regions touch is counted once, under its owner, and is SHARED for the other)\n");
	if (rest)
		sb_printf(&sb, "  %zu more regions holding %s\n", rest,
			  util_format_bytes((uint64_t)rest_held, a, sizeof(a)));

	sb_puts(&sb, "\nreconciliation (RAM = MemTotal + held + no-map + removed + runtime + unexplained)\n");
	rec_line(&sb, " ", "RAM", &rec->ram);
	if (rec->has_runtime && rec->boot_ram.known && rec->boot_ram.value != rec->ram.value)
		rec_line(&sb, " ", "  of which at boot", &rec->boot_ram);
	rec_line(&sb, "=", "MemTotal", &rec->memtotal);
	rec_line(&sb, "+", "held by reservations", &rec->held);
	rec_line(&sb, "+", "no-map", &rec->nomap);
	rec_line(&sb, "+", "removed", &rec->removed);
	for (int k = 0; rec->has_runtime && k < _BM_RT_MAX; k++)
		if (rec->terms[k].n_callers) {
			char what[40];

			snprintf(what, sizeof(what), "%s", bm_rt_class_title((enum bm_rt_class)k));
			rec_line(&sb, "+", what, &rec->terms[k].bytes);
		}
	rec_line(&sb, "+", "unexplained", &rec->unexplained);
	if (rec->not_ram.known && rec->not_ram.value)
		sb_printf(&sb, "  not in RAM: %s of firmware regions memblock knew (firmware, not RAM)\n",
			  fb(&rec->not_ram, a, sizeof(a)));
	if (!r->patched)
		rec_line(&sb, " ", "RAM - MemTotal", &rec->gap);
	if (!r->patched && rec->has_itemized) {
		sb_puts(&sb, "\nboot cost itemized from the kernel's messages (RAM - MemTotal = itemized + not itemized)\n");
		rec_line(&sb, " ", "RAM - MemTotal", &rec->gap);
		rec_line(&sb, "=", "itemized, exact", &rec->itemized_exact);
		rec_line(&sb, "+", "itemized, estimated", &rec->itemized_estimated);
		rec_line(&sb, "+", "not itemized", &rec->not_itemized);
		if (rec->unattributed_reserved.known)
			rec_line(&sb, " ", "  of which reserved, unattributed", &rec->unattributed_reserved);
		if (rec->gap.known)
			sb_printf(&sb, "  coverage %u.%u%% of RAM - MemTotal\n", rec->coverage_ppm / 10000,
				  rec->coverage_ppm / 1000 % 10);
	}
	if (rec->consistent_known)
		sb_printf(&sb, "  MemTotal rebuilt from the log %s /proc/meminfo (%s)\n",
			  rec->memtotal_consistent ? "matches" : "DIFFERS FROM",
			  fb(&rec->memtotal_log, a, sizeof(a)));
	for (size_t i = 0; i < rec->n_unexplained_ranges && i < 8; i++)
		sb_printf(&sb, "  unexplained [0x%" PRIx64 "-0x%" PRIx64 ")\n", rec->unexplained_ranges[i].base,
			  rec->unexplained_ranges[i].base + rec->unexplained_ranges[i].size);

	if (r->in.log) {
		const struct bmf_log *l = r->in.log;

		sb_printf(&sb, "\nkernel log: %zu records of %u (%u reserved), %" PRIu64 " events dropped, totals %s\n",
			  l->n_events, l->capacity, l->reserved_slots, r->dropped_events,
			  r->log_totals_consistent ? "consistent" : "INCONSISTENT");
		for (unsigned k = 0; k < BMF_NR_KINDS; k++)
			if (l->totals.dropped_events[k])
				sb_printf(&sb, "  dropped %-16s %8" PRIu64 " events %12s %8" PRId64 " pages\n",
					  bmf_kind_name(k), l->totals.dropped_events[k],
					  util_format_bytes(l->totals.dropped_bytes[k], a, sizeof(a)),
					  l->totals.dropped_pages[k]);
	}
	if (r->n_findings) {
		sb_puts(&sb, "\nfindings\n");
		for (size_t i = 0; i < r->n_findings; i++)
			sb_printf(&sb, "  %-7s %s: %s\n",
				  r->findings[i].severity == BM_WARNING ? "warning" : "info",
				  r->findings[i].code, r->findings[i].message);
	}
	if (r->n_missing) {
		sb_puts(&sb, "\nunknown without the kernel log:");
		for (size_t i = 0; i < r->n_missing; i++)
			sb_printf(&sb, "%s %s", i ? "," : "", r->missing[i]);
		sb_puts(&sb, "\n");
	}
	sb_puts(&sb, "\nsources:");
	for (int i = 0; i < _BM_SRC_MAX; i++) {
		if (i == BM_SRC_DERIVED)
			continue;
		sb_printf(&sb, " %s=%s", bm_src_name((enum bm_src)i),
			  r->src[i].available ? "ok" : r->src[i].present ? "bad" : "absent");
		/* Which one a live root's boot messages came from. */
		if (i == BM_SRC_DMESG && r->src[i].available && r->in.dmesg_via)
			sb_printf(&sb, " (%s)", r->in.dmesg_via);
	}
	sb_puts(&sb, "\n");
	for (int i = 0; i < _BM_SRC_MAX; i++)
		if (r->src[i].present && !r->src[i].available && r->src[i].error[0])
			sb_printf(&sb, "  %s: %s\n", bm_src_name((enum bm_src)i), r->src[i].error);
	return sb_steal(&sb, out, len);
}
