/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Findings: intent (FDT, boot_params) against action (the log), and the log against itself. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "model-priv.h"
#include "util.h"

/* ---- intent (FDT, boot_params) against action (the log) ---------------- */

static bool ranges_cover(const struct bm_region *g, uint64_t base, uint64_t size)
{
	for (size_t i = 0; i < g->n_ranges; i++)
		if (g->ranges[i].base <= base && base + size <= g->ranges[i].base + g->ranges[i].size)
			return true;
	return false;
}

static const struct bm_region *find_rmem_region(const struct bootmem_report *r, const char *node)
{
	size_t unit = strcspn(node, "@");

	for (size_t i = 0; i < r->n_regions; i++) {
		const struct bm_region *g = &r->regions[i];
		const char *name = g->name;

		if (g->kind != BM_KIND_RESERVED_MEMORY && g->kind != BM_KIND_CMA)
			continue;
		if (g->kind == BM_KIND_CMA && strncmp(name, "cma:", 4) == 0)
			name += 4;
		if (strcmp(name, node) == 0 ||
		    (strlen(name) == unit && strncmp(name, node, unit) == 0))
			return g;
	}
	return NULL;
}

static void fmt_ranges(const struct bm_region *g, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < g->n_ranges && used < n; i++) {
		int k = snprintf(buf + used, n - used, "%s[0x%" PRIx64 "-0x%" PRIx64 ")",
				 i ? ", " : "", g->ranges[i].base, g->ranges[i].base + g->ranges[i].size);
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

int model_initrd_findings(struct bootmem_report *r)
{
	const struct bm_region *g = model_find_kind(r, BM_KIND_INITRD);
	uint64_t s = 0, e = 0;
	enum bm_src src = BM_SRC_FDT;
	char where[256];
	bool intent = false;

	if (r->in.fdt && r->in.fdt->has_initrd && r->in.fdt->initrd_end > r->in.fdt->initrd_start) {
		intent = true;
		s = r->in.fdt->initrd_start;
		e = r->in.fdt->initrd_end;
	} else if (r->in.has_boot_params && r->in.boot_params.ramdisk_size) {
		intent = true;
		src = BM_SRC_BOOT_PARAMS;
		s = r->in.boot_params.ramdisk_image;
		e = s + r->in.boot_params.ramdisk_size;
	}
	if (g && g->fate == BM_FATE_REJECTED) {
		const struct bmf_event *rej = NULL;

		for (size_t i = 0; i < g->n_events; i++)
			if (r->in.log->events[g->events[i]].kind == BMF_REJECT)
				rej = &r->in.log->events[g->events[i]];
		if (rej && intent && (rej->base != s || rej->base + rej->size != e))
			return model_add_finding(r, "initrd_rejected", BM_WARNING, BM_SRC_LOG, g->name,
					   "the kernel rejected the initrd at [0x%" PRIx64 "-0x%" PRIx64 "): %s "
					   "(%s placed one at [0x%" PRIx64 "-0x%" PRIx64 "); the command line "
					   "overrode it)", rej->base, rej->base + rej->size,
					   g->reason ? g->reason : "no reason given", bm_src_name(src), s, e);
		if (rej)
			return model_add_finding(r, "initrd_rejected", BM_WARNING, intent ? src : BM_SRC_LOG, g->name,
					   "the kernel rejected the initrd at [0x%" PRIx64 "-0x%" PRIx64 "): %s",
					   rej->base, rej->base + rej->size, g->reason ? g->reason : "no reason given");
		return model_add_finding(r, "initrd_rejected", BM_WARNING, BM_SRC_LOG, g->name,
				   "the kernel rejected the initrd: %s", g->reason ? g->reason : "no reason given");
	}
	if (intent && !g)
		return model_add_finding(r, "initrd_ignored", BM_WARNING, src, NULL,
				   "%s places an initrd at [0x%" PRIx64 "-0x%" PRIx64 ") but the kernel "
				   "log never reserved one", bm_src_name(src), s, e);
	if (!g)
		return 0;
	fmt_ranges(g, where, sizeof(where));
	if (intent && !ranges_cover(g, s, e - s)) {
		int rc = model_add_finding(r, "initrd_moved", BM_INFO, src, g->name,
				     "%s places the initrd at [0x%" PRIx64 "-0x%" PRIx64 "); the kernel "
				     "reserved %s", bm_src_name(src), s, e, where);
		if (rc < 0)
			return rc;
	}
	if (g->fate == BM_FATE_PARTIALLY_FREED)
		return model_add_finding(r, "initrd_partially_freed", BM_INFO, BM_SRC_LOG, g->name,
				   "%" PRId64 " bytes of the initrd's pages were never released "
				   "(partial pages at its ends)", g->held.value);
	return 0;
}

int model_rmem_findings(struct bootmem_report *r)
{
	const struct dt_info *fdt = r->in.fdt;
	int rc;

	if (!fdt)
		return 0;
	for (size_t i = 0; i < fdt->n_rmem; i++) {
		const struct dt_rmem_node *n = &fdt->rmem[i];
		const struct bm_region *g;
		char where[256];

		if (n->disabled)
			continue;
		g = find_rmem_region(r, n->name);
		if (!g) {
			rc = model_add_finding(r, "rmem_not_reserved", BM_WARNING, BM_SRC_FDT, n->name,
					 "reserved-memory node %s%s is in the device tree but the kernel "
					 "log never reserved it", n->name, n->bad ? " (malformed)" : "");
			if (rc < 0)
				return rc;
			continue;
		}
		if (g->fate == BM_FATE_REJECTED) {
			rc = model_add_finding(r, "rmem_rejected", BM_WARNING, BM_SRC_LOG, g->name,
					 "the kernel could not reserve reserved-memory node %s", n->name);
			if (rc < 0)
				return rc;
			continue;
		}
		fmt_ranges(g, where, sizeof(where));
		if (!n->n_reg && n->has_size) {
			rc = model_add_finding(r, "rmem_dynamic", BM_INFO, BM_SRC_LOG, g->name,
					 "reserved-memory node %s asks for %" PRIu64 " bytes anywhere; "
					 "the kernel placed it at %s", n->name, n->size, where);
			if (rc < 0)
				return rc;
			continue;
		}
		for (size_t k = 0; k < n->n_reg; k++) {
			if (n->reg[k].size && !ranges_cover(g, n->reg[k].base, n->reg[k].size)) {
				rc = model_add_finding(r, "rmem_mismatch", BM_WARNING, BM_SRC_FDT, g->name,
						 "reserved-memory node %s asks for [0x%" PRIx64 "-0x%" PRIx64
						 ") but the kernel recorded %s", n->name, n->reg[k].base,
						 n->reg[k].base + n->reg[k].size, where[0] ? where : "nothing");
				if (rc < 0)
					return rc;
			}
		}
	}
	for (size_t i = 0; i < fdt->n_memreserve; i++) {
		const struct dt_range *m = &fdt->memreserve[i];
		bool found = false;

		for (size_t k = 0; k < r->n_regions && !found; k++)
			found = ranges_cover(&r->regions[k], m->base, m->size);
		if (!found && m->size) {
			rc = model_add_finding(r, "memreserve_not_reserved", BM_WARNING, BM_SRC_FDT, NULL,
					 "/memreserve/ entry [0x%" PRIx64 "-0x%" PRIx64 ") has no "
					 "reservation in the kernel log", m->base, m->base + m->size);
			if (rc < 0)
				return rc;
		}
	}
	{
		const struct bm_region *g = model_find_kind(r, BM_KIND_FDT);

		if (g && (uint64_t)g->reserved.value < fdt->totalsize) {
			rc = model_add_finding(r, "fdt_size_mismatch", BM_WARNING, BM_SRC_FDT, g->name,
					 "the FDT blob is %u bytes but the kernel reserved %" PRId64,
					 fdt->totalsize, g->reserved.value);
			if (rc < 0)
				return rc;
		} else if (!g) {
			rc = model_add_finding(r, "fdt_not_reserved", BM_WARNING, BM_SRC_FDT, NULL,
					 "a %u-byte FDT was passed but the kernel log has no FDT "
					 "reservation", fdt->totalsize);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* printf into @buf at *used, never past @n. */
__attribute__((format(printf, 4, 5)))
static void catf(char *buf, size_t n, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*used >= n)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *used, n - *used, fmt, ap);
	va_end(ap);
	if (k > 0)
		*used = *used + (size_t)k < n ? *used + (size_t)k : n;
}

/*
 * The records against the kernel's running totals: per page-count kind,
 * records + dropped must equal the totals, and a full list says exactly
 * what it cost.
 */
static int totals_findings(struct bootmem_report *r)
{
	const struct bmf_log *log = r->in.log;
	const struct bmf_log_totals *t = &log->totals;
	char what[768], a[32];
	size_t used = 0;
	int64_t managed = 0;
	int rc = 0;

	memset(r->record_pages, 0, sizeof(r->record_pages));
	r->dropped_events = r->dropped_bytes = 0;
	r->dropped_pages = 0;
	for (size_t i = 0; i < log->n_events; i++) {
		const struct bmf_event *e = &log->events[i];

		if (e->kind < BMF_NR_KINDS && bmf_kind_counts_pages(e->kind))
			r->record_pages[e->kind] = util_wadd(r->record_pages[e->kind], e->pages);
	}
	r->log_totals_consistent = true;
	for (unsigned k = 0; k < BMF_NR_KINDS; k++) {
		r->dropped_events = util_sat_add(r->dropped_events, t->dropped_events[k]);
		r->dropped_bytes = util_sat_add(r->dropped_bytes, t->dropped_bytes[k]);
		r->dropped_pages = util_wadd(r->dropped_pages, t->dropped_pages[k]);
		if (!bmf_kind_counts_pages(k))
			continue;
		managed = util_wadd(managed, t->kind_pages[k]);
		if (util_wadd(r->record_pages[k], t->dropped_pages[k]) != t->kind_pages[k]) {
			r->log_totals_consistent = false;
			catf(what, sizeof(what), &used, "%s%s: records %" PRId64 " + dropped %" PRId64
			     " pages, totals %" PRId64, used ? "; " : "", bmf_kind_name(k), r->record_pages[k],
			     t->dropped_pages[k], t->kind_pages[k]);
		}
	}
	if (managed != t->managed_pages) {
		r->log_totals_consistent = false;
		catf(what, sizeof(what), &used, "%smanaged_pages %" PRId64 " but the kinds add up to %" PRId64,
		     used ? "; " : "", t->managed_pages, managed);
	}
	if (!r->log_totals_consistent)
		rc = model_add_finding(r, "log_totals_mismatch", BM_WARNING, BM_SRC_LOG, NULL,
				 "the log's records do not add up to its own totals: %s", what);
	if (rc >= 0 && (t->labels_truncated || t->labels_lost))
		rc = model_add_finding(r, "log_labels", BM_INFO, BM_SRC_LOG, NULL,
				 "the kernel cut %" PRIu64 " labels to fit and could not keep %" PRIu64
				 ": some region names are shortened or missing", t->labels_truncated, t->labels_lost);
	if (rc < 0 || !r->dropped_events)
		return rc;
	used = 0;
	for (unsigned k = 0; k < BMF_NR_KINDS; k++)
		if (t->dropped_events[k])
			catf(what, sizeof(what), &used, "%s%s %" PRIu64 " events, %s, %" PRId64 " pages",
			     used ? "; " : "", bmf_kind_name(k), t->dropped_events[k],
			     util_format_bytes(t->dropped_bytes[k], a, sizeof(a)), t->dropped_pages[k]);
	return model_add_finding(r, "log_dropped", BM_WARNING, BM_SRC_LOG, NULL,
			   "the kernel's event list was full (capacity %u, %u reserved) and lost %" PRIu64
			   " events (%" PRIu64 " bytes, %" PRId64 " pages): %s; MemTotal from the totals is "
			   "still exact, regions and lifecycles miss these events", log->capacity,
			   log->reserved_slots, r->dropped_events, r->dropped_bytes, r->dropped_pages, what);
}

static int runtime_findings(struct bootmem_report *r)
{
	const struct bmf_runtime *rt = r->in.runtime;
	const struct bmf_log *log = r->in.log;
	char who[512];
	size_t used = 0;
	int rc = 0;

	if (!rt)
		return 0;
	if (rt->page_size != log->page_size)
		rc = model_add_finding(r, "runtime_page_size", BM_WARNING, BM_SRC_RUNTIME, NULL,
				 "the runtime file's page size %u differs from the log's %u", rt->page_size,
				 log->page_size);
	if (rc >= 0 && rt->saturated)
		rc = model_add_finding(r, "runtime_saturated", BM_WARNING, BM_SRC_RUNTIME, NULL,
				 "a runtime counter reached its maximum and stopped: runtime terms are "
				 "lower bounds");
	else if (rc >= 0 && rt->managed_pages != util_wadd(log->totals.managed_pages,
							      util_wsub((int64_t)rt->pages_in,
									(int64_t)rt->pages_out)))
		rc = model_add_finding(r, "runtime_inconsistent", BM_WARNING, BM_SRC_RUNTIME, NULL,
				 "the runtime file's managed pages (%" PRId64 ") are not the log's %" PRId64
				 " plus %" PRIu64 " in minus %" PRIu64 " out", rt->managed_pages,
				 log->totals.managed_pages, rt->pages_in, rt->pages_out);
	for (size_t i = 0; i < rt->n; i++)
		if (r->runtime_class[i] == BM_RT_OTHER)
			catf(who, sizeof(who), &used, "%s%s%s%s", used ? ", " : "", rt->e[i].caller,
			     rt->e[i].module[0] ? " " : "", rt->e[i].module);
	if (rc >= 0 && used)
		rc = model_add_finding(r, "runtime_other", BM_INFO, BM_SRC_RUNTIME, NULL,
				 "page count changes after boot by callers bootmemd does not classify: %s", who);
	return rc;
}

int model_log_findings(struct bootmem_report *r)
{
	const struct bmf_log *log = r->in.log;
	const struct bm_reconciliation *rec = &r->rec;
	int rc = 0;

	rc = totals_findings(r);
	if (rc >= 0)
		rc = runtime_findings(r);
	if (rc >= 0 && (log->unknown_kinds || log->unknown_tags))
		rc = model_add_finding(r, "log_unknown_records", BM_WARNING, BM_SRC_LOG, NULL,
				 "%zu records of an unknown kind and %zu with an unknown tag were "
				 "ignored (a newer kernel?)", log->unknown_kinds, log->unknown_tags);
	if (rc >= 0 && rec->unexplained.value != 0) {
		char ranges[512] = "";
		size_t used = 0;

		for (size_t i = 0; i < rec->n_unexplained_ranges && used < sizeof(ranges) - 64; i++) {
			int k = snprintf(ranges + used, sizeof(ranges) - used, "%s[0x%" PRIx64 "-0x%" PRIx64 ")",
					 i ? ", " : "", rec->unexplained_ranges[i].base,
					 rec->unexplained_ranges[i].base + rec->unexplained_ranges[i].size);
			if (k < 0)
				break;
			used += (size_t)k;
		}
		rc = model_add_finding(r, "unexplained", BM_WARNING, BM_SRC_LOG, NULL,
				 "%" PRId64 " bytes are unexplained (%" PRId64 " held with no reservation"
				 "%s%s%s)", rec->unexplained.value, rec->unattributed.value,
				 used ? ": " : "", ranges,
				 rec->released.value != rec->memtotal.value ? "; released pages differ from MemTotal" : "");
	}
	if (rc >= 0 && rec->consistent_known && !rec->memtotal_consistent)
		rc = model_add_finding(r, "memtotal_inconsistent", BM_WARNING, BM_SRC_MEMINFO, NULL,
				 "MemTotal rebuilt from the log is %" PRId64 " bytes, /proc/meminfo "
				 "says %" PRIu64, rec->memtotal_log.value, r->in.meminfo.memtotal);
	if (rc >= 0 && r->in.has_meminfo && !r->in.runtime &&
	    log->totalram_pages * log->page_size != r->in.meminfo.memtotal)
		rc = model_add_finding(r, "totalram_changed", BM_INFO, BM_SRC_LOG, NULL,
				 "totalram_pages when the log was read (%" PRIu64 " pages) differs "
				 "from /proc/meminfo MemTotal", log->totalram_pages);
	return rc;
}

