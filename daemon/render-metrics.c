/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Prometheus text format 0.0.4 and OpenMetrics 1.0.0.  The metric names are
 * listed in METRICS.md; keep the two in step.  Byte counts are printed as
 * exact integers.  A figure that is unknown (stock kernel) is left out
 * rather than invented; bootmemd_source_info says which sources were read.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "render.h"
#include "report.h"
#include "util.h"

struct out {
	struct strbuf sb;
	bool om;
};

static void esc(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			sb_puts(sb, "\\\\");
		else if (*s == '"')
			sb_puts(sb, "\\\"");
		else if (*s == '\n')
			sb_puts(sb, "\\n");
		else
			sb_putn(sb, s, 1);
	}
}

/*
 * Family header.  @name is the sample name; for OpenMetrics an info metric's
 * family drops the "_info" suffix, and byte gauges get a UNIT line.
 */
static void family(struct out *o, const char *name, const char *type, const char *help)
{
	size_t n = strlen(name);
	bool info = strcmp(type, "info") == 0;

	if (o->om && info && n > 5)
		n -= 5;
	sb_printf(&o->sb, "# HELP %.*s %s\n", (int)n, name, help);
	sb_printf(&o->sb, "# TYPE %.*s %s\n", (int)n, name, o->om ? type : info ? "gauge" : type);
	if (o->om && n > 6 && strcmp(name + n - 6, "_bytes") == 0)
		sb_printf(&o->sb, "# UNIT %.*s bytes\n", (int)n, name);
}

/* A sample; @labels are name/value pairs ending with NULL. */
static void sample(struct out *o, const char *name, int64_t v, ...)
{
	va_list ap;
	const char *k;
	bool first = true;

	sb_puts(&o->sb, name);
	va_start(ap, v);
	while ((k = va_arg(ap, const char *))) {
		const char *val = va_arg(ap, const char *);

		sb_puts(&o->sb, first ? "{" : ",");
		sb_printf(&o->sb, "%s=\"", k);
		esc(&o->sb, val ? val : "");
		sb_puts(&o->sb, "\"");
		first = false;
	}
	va_end(ap);
	sb_printf(&o->sb, "%s %" PRId64 "\n", first ? "" : "}", v);
}

static void gauge(struct out *o, const char *name, const char *help, const struct bm_figure *f)
{
	if (!f->known)
		return;
	family(o, name, "gauge", help);
	sample(o, name, f->value, NULL);
}

/*
 * One series per region the model did not fold, with parent="kernel" on
 * the image's parts; the parent itself is left out (it is their sum), and
 * folded owners are summed into region="other".  So sum() over a metric
 * counts every page once.
 */
static void region_metric(struct out *o, const struct bootmem_report *r, const char *name,
			  const char *help, size_t field)
{
	struct bm_figure other = { .known = false };
	bool any = false, other_any = false;

	for (size_t i = 0; i < r->n_regions; i++) {
		const struct bm_region *g = &r->regions[i];
		const struct bm_figure *f = (const void *)((const char *)g + field);

		if (!f->known || g->is_parent)
			continue;
		if (!any)
			family(o, name, "gauge", help);
		any = true;
		if (g->folded) {
			other.value = util_wadd(other.value, f->value);
			other_any = true;
		} else if (g->parent)
			sample(o, name, f->value, "region", g->name, "kind", bm_kind_name(g->kind),
			       "parent", g->parent, NULL);
		else
			sample(o, name, f->value, "region", g->name, "kind", bm_kind_name(g->kind), NULL);
	}
	if (other_any)
		sample(o, name, other.value, "region", "other", "kind", "owner", NULL);
}

static void region_fate_metric(struct out *o, const struct bootmem_report *r)
{
	bool any = false;

	for (size_t i = 0; i < r->n_regions; i++) {
		const struct bm_region *g = &r->regions[i];

		if (g->folded)
			continue;
		if (!any)
			family(o, "bootmemd_region_fate", "gauge",
			       "1 with the region's fate as a label (the image's is the whole image's).");
		any = true;
		sample(o, "bootmemd_region_fate", 1, "region", g->name, "fate", bm_fate_name(g->fate), NULL);
	}
}

/*
 * One sample per kind the log saw (records or totals), so that a kind with
 * no drops reads 0 rather than absent.  @what: 0 events, 1 bytes, 2 pages.
 */
static void dropped_metric(struct out *o, const struct bootmem_report *r, const char *name,
			   const char *help, int what)
{
	const struct bmf_log_totals *t = &r->in.log->totals;
	bool any = false;

	for (unsigned k = 0; k < BMF_NR_KINDS; k++) {
		char kind[16];
		int64_t v = what == 0 ? (int64_t)t->dropped_events[k] :
			    what == 1 ? (int64_t)t->dropped_bytes[k] : t->dropped_pages[k];

		if (!t->kind_events[k] && !t->dropped_events[k])
			continue;
		if (!any)
			family(o, name, "gauge", help);
		any = true;
		if (bmf_kind_known(k))
			snprintf(kind, sizeof(kind), "%s", bmf_kind_name(k));
		else
			snprintf(kind, sizeof(kind), "kind_%u", k);
		sample(o, name, v, "kind", kind, NULL);
	}
}

/* Stock mode: how much of RAM - MemTotal the kernel's messages itemize, and from where. */
static void stock_metrics(struct out *o, const struct bootmem_report *r)
{
	const struct bm_reconciliation *rec = &r->rec;

	family(o, "bootmemd_itemized_bytes", "gauge",
	       "Stock kernel: bytes of RAM - MemTotal itemized from the kernel's messages, read or estimated.");
	sample(o, "bootmemd_itemized_bytes", rec->itemized_exact.value, "exact", "true", NULL);
	sample(o, "bootmemd_itemized_bytes", rec->itemized_estimated.value, "exact", "false", NULL);
	gauge(o, "bootmemd_not_itemized_bytes", "Stock kernel: RAM - MemTotal that no message itemizes.",
	      &rec->not_itemized);
	gauge(o, "bootmemd_unattributed_reserved_bytes",
	      "Stock kernel: of not itemized, what memblock's debugfs shows reserved in RAM, by no one named.",
	      &rec->unattributed_reserved);
	if (rec->gap.known) {
		family(o, "bootmemd_itemized_coverage_ratio", "gauge",
		       "Stock kernel: itemized bytes over RAM - MemTotal.");
		sb_printf(&o->sb, "bootmemd_itemized_coverage_ratio %u.%06u\n", rec->coverage_ppm / 1000000,
			  rec->coverage_ppm % 1000000);
	}
	family(o, "bootmemd_region_source_info", "info",
	       "Stock kernel: where a region's figures come from, and whether they are read (exact) or estimated.");
	for (size_t i = 0; i < r->n_regions; i++)
		if (!r->regions[i].folded)
			sample(o, "bootmemd_region_source_info", 1, "region", r->regions[i].name,
			       "kind", bm_kind_name(r->regions[i].kind), "source", bm_src_name(r->regions[i].src),
			       "exact", r->regions[i].estimate ? "false" : "true", NULL);
}

/* The daemon's own: the last reload, and its start as node_exporter's process collector names it. */
static void exporter_metrics(struct out *o, const struct report_exporter *x)
{
	family(o, "bootmemd_config_last_reload_successful", "gauge",
	       "1 if the last reload of the configuration and the sources worked.");
	sample(o, "bootmemd_config_last_reload_successful", x->reload_successful, NULL);
	family(o, "bootmemd_config_last_reload_success_timestamp_seconds", "gauge",
	       "When the configuration and the sources last loaded, in seconds since the epoch.");
	sample(o, "bootmemd_config_last_reload_success_timestamp_seconds", x->reload_success_time, NULL);
	family(o, "process_start_time_seconds", "gauge", "Start time of the process since the epoch in seconds.");
	sample(o, "process_start_time_seconds", x->start_time, NULL);
}

int render_metrics(const struct bootmem_report *r, bool openmetrics, const struct report_exporter *x,
		   char **outp, size_t *len)
{
	struct out o = { .om = openmetrics };
	const struct bm_reconciliation *rec = &r->rec;
	const struct bm_region *initrd = model_find_kind(r, BM_KIND_INITRD);
	size_t warnings = 0;

	sb_init(&o.sb);

	family(&o, "bootmemd_build_info", "info", "bootmemd build information.");
	sample(&o, "bootmemd_build_info", 1, "version", PACKAGE_VERSION, NULL);
	family(&o, "bootmemd_boot_info", "info",
	       "The booted kernel; mode is patched with a bootmem_fate log, stock without.");
	if (r->in.boot_id[0])
		sample(&o, "bootmemd_boot_info", 1, "release", r->in.release[0] ? r->in.release : "unknown",
		       "arch", r->in.arch[0] ? r->in.arch : "unknown", "mode", r->patched ? "patched" : "stock",
		       "boot_id", r->in.boot_id, NULL);
	else
		sample(&o, "bootmemd_boot_info", 1, "release", r->in.release[0] ? r->in.release : "unknown",
		       "arch", r->in.arch[0] ? r->in.arch : "unknown", "mode", r->patched ? "patched" : "stock",
		       NULL);
	if (r->in.has_boot_time) {
		family(&o, "bootmemd_boot_time_seconds", "gauge",
		       "When the machine booted, in seconds since the epoch (proc/stat btime).");
		sample(&o, "bootmemd_boot_time_seconds", r->in.boot_time, NULL);
	}
	if ((r->in.fdt && (r->in.fdt->model || r->in.fdt->compatible)) || r->in.dmi_vendor[0] ||
	    r->in.dmi_product[0]) {
		family(&o, "bootmemd_machine_info", "info",
		       "The board: the device tree's /model and /compatible, SMBIOS vendor and product.");
		sample(&o, "bootmemd_machine_info", 1,
		       "model", r->in.fdt && r->in.fdt->model ? r->in.fdt->model : "",
		       "compatible", r->in.fdt && r->in.fdt->compatible ? r->in.fdt->compatible : "",
		       "dmi_vendor", r->in.dmi_vendor, "dmi_product", r->in.dmi_product, NULL);
	}
	family(&o, "bootmemd_source_info", "info", "Each input source and whether it could be read.");
	for (int i = 0; i < _BM_SRC_MAX; i++)
		if (i != BM_SRC_DERIVED)
			sample(&o, "bootmemd_source_info", 1, "source", bm_src_name((enum bm_src)i),
			       "available", r->src[i].available ? "1" : "0", NULL);
	if (r->src[BM_SRC_DMESG].available) {
		family(&o, "bootmemd_boot_messages_info", "info",
		       "Where the boot messages were read: a file, /dev/kmsg, or the journal once the ring buffer wrapped.");
		sample(&o, "bootmemd_boot_messages_info", 1, "via",
		       !r->in.dmesg_via ? "file" : !strcmp(r->in.dmesg_via, "journal") ? "journal" : "kmsg", NULL);
	}
	family(&o, "bootmemd_source_success", "gauge",
	       "1 if the source was read and parsed, 0 if it is missing or unusable (the reason is in the JSON).");
	for (int i = 0; i < _BM_SRC_MAX; i++)
		if (i != BM_SRC_DERIVED)
			sample(&o, "bootmemd_source_success", r->src[i].available, "source",
			       bm_src_name((enum bm_src)i), NULL);

	if (r->page_size) {
		family(&o, "bootmemd_page_size_bytes", "gauge", "Kernel page size.");
		sample(&o, "bootmemd_page_size_bytes", r->page_size, NULL);
	}
	gauge(&o, "bootmemd_ram_bytes", "RAM the kernel was given (whole pages).", &rec->ram);
	gauge(&o, "bootmemd_memtotal_bytes", "MemTotal as /proc/meminfo reports it.", &rec->memtotal);
	gauge(&o, "bootmemd_log_memtotal_bytes", "MemTotal rebuilt from the kernel log's page counts.",
	      &rec->memtotal_log);
	gauge(&o, "bootmemd_gap_bytes", "RAM minus MemTotal: what boot kept, in total.", &rec->gap);
	gauge(&o, "bootmemd_held_bytes", "RAM still held by boot reservations the log explains.",
	      &rec->held);
	gauge(&o, "bootmemd_reserved_freed_bytes",
	      "Bytes of boot reservations released to the page allocator.", &rec->freed);
	gauge(&o, "bootmemd_nomap_bytes", "RAM marked no-map.", &rec->nomap);
	gauge(&o, "bootmemd_nomap_unreserved_bytes", "No-map RAM that no boot reservation covers.",
	      &rec->nomap_unowned);
	gauge(&o, "bootmemd_removed_bytes", "RAM removed from the memory map (mem=, memblock_remove).",
	      &rec->removed);
	gauge(&o, "bootmemd_boot_ram_bytes", "RAM at boot: firmware's when the log has it, else memblock's.",
	      &rec->boot_ram);
	gauge(&o, "bootmemd_firmware_not_ram_bytes",
	      "Memory memblock knew that is a firmware region, not RAM (outside the identity).", &rec->not_ram);
	gauge(&o, "bootmemd_runtime_terms_bytes",
	      "Sum of the runtime terms of the identity (balloon, hotplug, ... after boot).", &rec->runtime);
	gauge(&o, "bootmemd_unexplained_bytes",
	      "RAM minus MemTotal, held, no-map, removed and the runtime terms; 0 when every byte is explained.",
	      &rec->unexplained);
	if (rec->has_runtime) {
		family(&o, "bootmemd_runtime_bytes", "gauge",
		       "Runtime term of the identity by class: RAM it moved minus the pages it moved.");
		for (int k = 0; k < _BM_RT_MAX; k++)
			sample(&o, "bootmemd_runtime_bytes", rec->terms[k].bytes.value,
			       "class", bm_rt_class_name((enum bm_rt_class)k), NULL);
		family(&o, "bootmemd_runtime_ram_bytes", "gauge",
		       "RAM added (or removed, negative) after boot, by class.");
		for (int k = 0; k < _BM_RT_MAX; k++)
			sample(&o, "bootmemd_runtime_ram_bytes", rec->terms[k].ram_delta,
			       "class", bm_rt_class_name((enum bm_rt_class)k), NULL);
		family(&o, "bootmemd_runtime_pages", "gauge",
		       "Managed pages added (in) or taken (out) after boot, by class.");
		for (int k = 0; k < _BM_RT_MAX; k++) {
			sample(&o, "bootmemd_runtime_pages", (int64_t)rec->terms[k].pages_in,
			       "class", bm_rt_class_name((enum bm_rt_class)k), "direction", "in", NULL);
			sample(&o, "bootmemd_runtime_pages", (int64_t)rec->terms[k].pages_out,
			       "class", bm_rt_class_name((enum bm_rt_class)k), "direction", "out", NULL);
		}
	}
	if (rec->consistent_known) {
		family(&o, "bootmemd_memtotal_consistent", "gauge",
		       "1 if MemTotal rebuilt from the kernel log equals /proc/meminfo.");
		sample(&o, "bootmemd_memtotal_consistent", rec->memtotal_consistent, NULL);
	}

	region_metric(&o, r, "bootmemd_region_reserved_bytes", "Bytes a boot region reserved (exact).",
		      offsetof(struct bm_region, reserved));
	region_metric(&o, r, "bootmemd_region_footprint_bytes",
		      "Whole pages a boot region's ranges touch: held + freed + nomap + not_ram + removed + shared.",
		      offsetof(struct bm_region, footprint));
	region_metric(&o, r, "bootmemd_region_held_bytes", "Bytes a boot region still holds.",
		      offsetof(struct bm_region, held));
	region_metric(&o, r, "bootmemd_region_freed_bytes",
		      "Bytes a boot region released to the page allocator.",
		      offsetof(struct bm_region, freed));
	region_metric(&o, r, "bootmemd_region_nomap_bytes", "Bytes of a boot region marked no-map.",
		      offsetof(struct bm_region, nomap));
	region_metric(&o, r, "bootmemd_region_not_ram_bytes",
		      "Bytes of a boot region that are not RAM (firmware regions, holes).",
		      offsetof(struct bm_region, not_ram));
	region_metric(&o, r, "bootmemd_region_removed_bytes",
		      "Bytes of a boot region taken out of the memory map (mem=).",
		      offsetof(struct bm_region, removed));
	region_metric(&o, r, "bootmemd_region_shared_bytes",
		      "Bytes of a boot region in pages another region owns, counted there.",
		      offsetof(struct bm_region, shared));
	region_fate_metric(&o, r);

	if (rec->has_itemized)
		stock_metrics(&o, r);

	if (initrd) {
		family(&o, "bootmemd_initrd_fate", "gauge", "1 for the initrd's fate, 0 for the others.");
		for (int f = 0; f < _BM_FATE_MAX; f++)
			sample(&o, "bootmemd_initrd_fate", initrd->fate == (enum bm_fate)f,
			       "fate", bm_fate_name((enum bm_fate)f), NULL);
	}

	if (r->in.log) {
		family(&o, "bootmemd_log_records", "gauge", "Records in the kernel's bootmem_fate log.");
		sample(&o, "bootmemd_log_records", (int64_t)r->in.log->n_events, NULL);
		family(&o, "bootmemd_log_capacity_records", "gauge", "Records the kernel's log can hold at boot.");
		sample(&o, "bootmemd_log_capacity_records", r->in.log->capacity, NULL);
		family(&o, "bootmemd_log_reserved_slots_records", "gauge",
		       "Of the capacity, records kept for the events that close the boot.");
		sample(&o, "bootmemd_log_reserved_slots_records", r->in.log->reserved_slots, NULL);
		family(&o, "bootmemd_log_totals_consistent", "gauge",
		       "1 if the records plus the dropped events add up to the log's own totals.");
		sample(&o, "bootmemd_log_totals_consistent", r->log_totals_consistent, NULL);
		dropped_metric(&o, r, "bootmemd_log_dropped_events",
			       "Events the kernel counted but could not keep because its list was full, by kind.", 0);
		dropped_metric(&o, r, "bootmemd_log_dropped_bytes", "Bytes of the dropped events, by kind.", 1);
		dropped_metric(&o, r, "bootmemd_log_dropped_pages",
			       "Managed pages of the dropped events, by kind (in the totals all the same).", 2);
	}

	for (size_t i = 0; i < r->n_findings; i++)
		warnings += r->findings[i].severity == BM_WARNING;
	family(&o, "bootmemd_findings", "gauge", "Findings where intent and action disagree, by severity.");
	sample(&o, "bootmemd_findings", (int64_t)(r->n_findings - warnings), "severity", "info", NULL);
	sample(&o, "bootmemd_findings", (int64_t)warnings, "severity", "warning", NULL);

	if (x)
		exporter_metrics(&o, x);
	if (o.om)
		sb_puts(&o.sb, "# EOF\n");
	return sb_steal(&o.sb, outp, len);
}
