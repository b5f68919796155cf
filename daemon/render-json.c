/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "render.h"

/* enum bmf_phase */
static const char *const phase_names[] = { "setup", "buddy", "late", "running" };

static const char *phase_name(unsigned p)
{
	return p < sizeof(phase_names) / sizeof(phase_names[0]) ? phase_names[p] : "unknown";
}

/*
 * Builders that take NULL (a failed allocation) for a child, so that the
 * tree builds without a check at every step; the failure is sticky for the
 * render in this thread, and dump() turns it into -ENOMEM instead of a
 * document with a null where data was.  A JSON null is json_null().
 */
static _Thread_local bool json_oom;

static void set(json_t *o, const char *k, json_t *v)
{
	if (!o || !v || json_object_set_new(o, k, v) < 0) {
		json_oom = true;
		if (!o)
			json_decref(v);
	}
}

static void append(json_t *a, json_t *v)
{
	if (!a || !v || json_array_append_new(a, v) < 0) {
		json_oom = true;
		if (!a)
			json_decref(v);
	}
}

static json_t *jint(int64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *jfig(const struct bm_figure *f)
{
	return f->known ? jint(f->value) : json_null();
}

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *flags_json(unsigned flags)
{
	json_t *a = json_array();

	if (flags & BMF_F_NOMAP)
		append(a, json_string("nomap"));
	if (flags & BMF_F_REUSABLE)
		append(a, json_string("reusable"));
	if (flags & BMF_F_DYNAMIC)
		append(a, json_string("dynamic"));
	if (flags & BMF_F_MERGED)
		append(a, json_string("merged"));
	if (flags & BMF_F_NOT_RAM)
		append(a, json_string("not_ram"));
	if (flags & BMF_F_LABEL_CUT)
		append(a, json_string("label_cut"));
	return a;
}

static json_t *range_json(uint64_t base, uint64_t size)
{
	json_t *o = json_object();

	set(o, "base", jint((int64_t)base));
	set(o, "size", jint((int64_t)size));
	return o;
}

static json_t *event_json(const struct bmf_event *e)
{
	json_t *o = json_object();

	set(o, "seq", jint(e->seq));
	set(o, "kind", json_string(bmf_kind_name(e->kind)));
	set(o, "tag", json_string(bmf_tag_name(e->tag)));
	set(o, "phase", json_string(phase_name(e->phase)));
	set(o, "count", jint(e->count));
	set(o, "time_ns", jint((int64_t)e->time_ns));
	set(o, "base", jint((int64_t)e->base));
	set(o, "size", jint((int64_t)e->size));
	set(o, "pages", jint(e->pages));
	set(o, "caller", json_string(e->caller));
	set(o, "caller_offset", jint(e->caller_offset));
	set(o, "module", json_string(e->module));
	set(o, "label", json_string(e->label));
	set(o, "flags", flags_json(e->flags));
	return o;
}

static json_t *region_json(const struct bootmem_report *r, const struct bm_region *g)
{
	json_t *o = json_object(), *src = json_object(), *ranges = json_array(), *ev = json_array();

	set(o, "name", json_string(g->name));
	set(o, "kind", json_string(bm_kind_name(g->kind)));
	set(o, "fate", json_string(bm_fate_name(g->fate)));
	set(o, "reserved_bytes", jfig(&g->reserved));
	set(o, "held_bytes", jfig(&g->held));
	set(o, "freed_bytes", jfig(&g->freed));
	set(o, "nomap_bytes", jfig(&g->nomap));
	set(o, "not_ram_bytes", jfig(&g->not_ram));
	set(o, "removed_bytes", jfig(&g->removed));
	set(o, "shared_bytes", jfig(&g->shared));
	set(o, "unowned_bytes", jfig(&g->unowned));
	set(o, "footprint_bytes", jfig(&g->footprint));
	set(o, "parent", jstr_or_null(g->parent));
	set(o, "is_parent", json_boolean(g->is_parent));
	set(o, "folded", json_boolean(g->folded));
	set(o, "source", json_string(bm_src_name(g->src)));
	set(o, "exact", json_boolean(!g->estimate));
	set(src, "reserved_bytes", g->reserved.known ? json_string(bm_src_name(g->reserved.src)) : json_null());
	set(src, "held_bytes", g->held.known ? json_string(bm_src_name(g->held.src)) : json_null());
	set(src, "freed_bytes", g->freed.known ? json_string(bm_src_name(g->freed.src)) : json_null());
	set(o, "figure_sources", src);
	set(o, "flags", flags_json(g->flags));
	set(o, "reason", jstr_or_null(g->reason));
	for (size_t i = 0; i < g->n_ranges; i++)
		append(ranges, range_json(g->ranges[i].base, g->ranges[i].size));
	set(o, "ranges", ranges);
	if (r->in.log) {
		for (size_t i = 0; i < g->n_events; i++)
			append(ev, event_json(&r->in.log->events[g->events[i]]));
		set(o, "lifecycle", ev);
	} else {
		json_decref(ev);
		set(o, "lifecycle", json_null());
	}
	return o;
}

static json_t *regions_json(const struct bootmem_report *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->n_regions; i++)
		append(a, region_json(r, &r->regions[i]));
	return a;
}

static json_t *reconciliation_json(const struct bootmem_report *r)
{
	const struct bm_reconciliation *rec = &r->rec;
	static const char *const names[] = {
		"ram_bytes", "memtotal_bytes", "memtotal_log_bytes", "held_bytes", "nomap_bytes",
		"removed_bytes", "runtime_bytes", "unexplained_bytes", "unattributed_bytes", "released_bytes",
		"gap_bytes", "boot_ram_bytes", "firmware_not_ram_bytes", "reserved_freed_bytes",
		"nomap_unreserved_bytes",
	};
	const struct bm_figure *figs[] = {
		&rec->ram, &rec->memtotal, &rec->memtotal_log, &rec->held, &rec->nomap,
		&rec->removed, &rec->runtime, &rec->unexplained, &rec->unattributed, &rec->released,
		&rec->gap, &rec->boot_ram, &rec->not_ram, &rec->freed,
		&rec->nomap_unowned,
	};
	json_t *o = json_object(), *src = json_object(), *ur = json_array(), *terms = json_array();

	set(o, "identity", json_string("ram_bytes = memtotal_bytes + held_bytes + nomap_bytes + "
				       "removed_bytes + runtime_bytes + unexplained_bytes"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		set(o, names[i], jfig(figs[i]));
		set(src, names[i], figs[i]->known ? json_string(bm_src_name(figs[i]->src)) : json_null());
	}
	set(o, "memtotal_consistent", rec->consistent_known ? json_boolean(rec->memtotal_consistent) : json_null());
	set(o, "page_size", r->page_size ? jint(r->page_size) : json_null());
	for (size_t i = 0; i < rec->n_unexplained_ranges; i++)
		append(ur, range_json(rec->unexplained_ranges[i].base, rec->unexplained_ranges[i].size));
	set(o, "unexplained_ranges", ur);
	/* One term per class, whether or not it moved: the set of keys is stable. */
	for (int k = 0; rec->has_runtime && k < _BM_RT_MAX; k++) {
		const struct bm_runtime_term *t = &rec->terms[k];
		json_t *x = json_object();

		set(x, "class", json_string(bm_rt_class_name((enum bm_rt_class)k)));
		set(x, "title", json_string(bm_rt_class_title((enum bm_rt_class)k)));
		set(x, "bytes", jfig(&t->bytes));
		set(x, "ram_bytes", jint(t->ram_delta));
		set(x, "pages_in", jint((int64_t)t->pages_in));
		set(x, "pages_out", jint((int64_t)t->pages_out));
		set(x, "events", jint((int64_t)t->events));
		set(x, "bytes_added", jint((int64_t)t->bytes_added));
		set(x, "bytes_removed", jint((int64_t)t->bytes_removed));
		set(x, "callers", jint((int64_t)t->n_callers));
		append(terms, x);
	}
	set(o, "runtime_terms", terms);
	set(o, "figure_sources", src);
	/* Stock mode: the boot cost itemized from the kernel's messages. */
	if (rec->has_itemized) {
		json_t *it = json_object();

		set(it, "itemized_bytes", jfig(&rec->itemized));
		set(it, "exact_bytes", jfig(&rec->itemized_exact));
		set(it, "estimated_bytes", jfig(&rec->itemized_estimated));
		set(it, "not_itemized_bytes", jfig(&rec->not_itemized));
		set(it, "unattributed_reserved_bytes", jfig(&rec->unattributed_reserved));
		set(it, "coverage", rec->gap.known ? json_real((double)rec->coverage_ppm / 1e6) : json_null());
		set(o, "itemized", it);
	} else
		set(o, "itemized", json_null());
	return o;
}

static json_t *ranges_json(const struct dt_range *rg, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		append(a, range_json(rg[i].base, rg[i].size));
	return a;
}

static json_t *fdt_json(const struct dt_info *f)
{
	json_t *o, *rm;

	if (!f)
		return json_null();
	o = json_object();
	set(o, "totalsize", jint(f->totalsize));
	set(o, "memory", ranges_json(f->memory, f->n_memory));
	set(o, "memreserve", ranges_json(f->memreserve, f->n_memreserve));
	if (f->has_initrd) {
		json_t *i = json_object();

		set(i, "start", jint((int64_t)f->initrd_start));
		set(i, "end", jint((int64_t)f->initrd_end));
		set(o, "initrd", i);
	} else
		set(o, "initrd", json_null());
	set(o, "elfcorehdr", f->has_elfcorehdr ? range_json(f->elfcorehdr.base, f->elfcorehdr.size) : json_null());
	set(o, "usable_memory_range", ranges_json(f->usable_memory, f->n_usable_memory));
	rm = json_array();
	for (size_t i = 0; i < f->n_rmem; i++) {
		const struct dt_rmem_node *n = &f->rmem[i];
		json_t *x = json_object();

		set(x, "name", json_string(n->name));
		set(x, "compatible", jstr_or_null(n->compatible));
		set(x, "reg", ranges_json(n->reg, n->n_reg));
		set(x, "size", n->has_size ? jint((int64_t)n->size) : json_null());
		set(x, "alignment", n->has_alignment ? jint((int64_t)n->alignment) : json_null());
		set(x, "alloc_ranges", ranges_json(n->alloc_ranges, n->n_alloc_ranges));
		set(x, "no_map", json_boolean(n->no_map));
		set(x, "reusable", json_boolean(n->reusable));
		set(x, "disabled", json_boolean(n->disabled));
		set(x, "malformed", json_boolean(n->bad));
		append(rm, x);
	}
	set(o, "reserved_memory", rm);
	return o;
}

static json_t *runtime_json(const struct bootmem_report *r)
{
	const struct bmf_runtime *rt = r->in.runtime;
	json_t *o, *a;

	if (!rt || !r->patched)
		return json_null();
	o = json_object();
	a = json_array();
	set(o, "managed_pages", jint(rt->managed_pages));
	set(o, "totalram_pages", jint((int64_t)rt->totalram_pages));
	set(o, "pages_in", jint((int64_t)rt->pages_in));
	set(o, "pages_out", jint((int64_t)rt->pages_out));
	set(o, "capacity", jint(rt->capacity));
	set(o, "saturated", json_boolean(rt->saturated));
	for (size_t i = 0; i < rt->n; i++) {
		const struct bmf_rt_caller *c = &rt->e[i];
		json_t *x = json_object();

		set(x, "caller", json_string(c->caller));
		set(x, "module", json_string(c->module));
		set(x, "class", json_string(bm_rt_class_name(r->runtime_class[i])));
		set(x, "kind", json_string(bmf_kind_name(c->kind)));
		set(x, "pages_in", jint((int64_t)c->pages_in));
		set(x, "pages_out", jint((int64_t)c->pages_out));
		set(x, "events", jint((int64_t)c->events));
		set(x, "bytes_added", jint((int64_t)c->bytes_added));
		set(x, "bytes_removed", jint((int64_t)c->bytes_removed));
		set(x, "caller_offset", jint(c->caller_offset));
		set(x, "saturated", json_boolean(c->flags & BMF_RT_SATURATED));
		append(a, x);
	}
	set(o, "entries", a);
	return o;
}

static json_t *report_json(const struct bootmem_report *r)
{
	json_t *o = json_object(), *k = json_object(), *s = json_array(), *f = json_array();
	json_t *m = json_array(), *sum = json_object();
	size_t warnings = 0;

	set(o, "bootmemd_version", json_string(PACKAGE_VERSION));
	set(o, "mode", json_string(r->patched ? "patched" : "stock"));
	set(k, "release", r->in.release[0] ? json_string(r->in.release) : json_null());
	set(k, "arch", r->in.arch[0] ? json_string(r->in.arch) : json_null());
	set(k, "page_size", r->page_size ? jint(r->page_size) : json_null());
	set(k, "cmdline", jstr_or_null(r->in.cmdline));
	set(o, "kernel", k);

	for (int i = 0; i < _BM_SRC_MAX; i++) {
		json_t *x;

		if (i == BM_SRC_DERIVED)
			continue;
		x = json_object();
		set(x, "name", json_string(bm_src_name((enum bm_src)i)));
		set(x, "present", json_boolean(r->src[i].present));
		set(x, "available", json_boolean(r->src[i].available));
		set(x, "error", r->src[i].available || !r->src[i].error[0] ? json_null() : json_string(r->src[i].error));
		/* The boot messages on a live root: /dev/kmsg, or the journal once the ring buffer wrapped. */
		set(x, "via", i == BM_SRC_DMESG && r->src[i].available ? jstr_or_null(r->in.dmesg_via) : json_null());
		append(s, x);
	}
	set(o, "sources", s);

	for (size_t i = 0; i < r->n_findings; i++) {
		const struct bm_finding *fi = &r->findings[i];
		json_t *x = json_object();

		set(x, "code", json_string(fi->code));
		set(x, "severity", json_string(fi->severity == BM_WARNING ? "warning" : "info"));
		set(x, "source", json_string(bm_src_name(fi->src)));
		set(x, "region", jstr_or_null(fi->region));
		set(x, "message", json_string(fi->message));
		append(f, x);
		warnings += fi->severity == BM_WARNING;
	}
	for (size_t i = 0; i < r->n_missing; i++)
		append(m, json_string(r->missing[i]));

	set(sum, "text", json_string(r->summary));
	set(sum, "regions", jint((int64_t)r->n_regions));
	set(sum, "findings", jint((int64_t)r->n_findings));
	set(sum, "warnings", jint((int64_t)warnings));
	set(sum, "ram_bytes", jfig(&r->rec.ram));
	set(sum, "memtotal_bytes", jfig(&r->rec.memtotal));
	set(sum, "held_bytes", jfig(&r->rec.held));
	set(sum, "unexplained_bytes", jfig(&r->rec.unexplained));
	set(o, "summary", sum);
	set(o, "reconciliation", reconciliation_json(r));
	set(o, "regions", regions_json(r));
	set(o, "findings", f);
	set(o, "missing", m);
	if (r->in.log) {
		const struct bmf_log *l = r->in.log;
		json_t *x = json_object(), *dr = json_array();

		set(x, "version", jint(l->version));
		set(x, "page_size", jint(l->page_size));
		set(x, "phase", json_string(phase_name(l->phase)));
		set(x, "frozen", json_boolean(l->flags & BMF_HDR_FROZEN));
		set(x, "kallsyms", json_boolean(l->flags & BMF_HDR_KALLSYMS));
		set(x, "records", jint((int64_t)l->n_events));
		set(x, "capacity", jint(l->capacity));
		set(x, "reserved_slots", jint(l->reserved_slots));
		set(x, "managed_pages", jint(l->totals.managed_pages));
		set(x, "totals_consistent", json_boolean(r->log_totals_consistent));
		set(x, "dropped_events", jint((int64_t)r->dropped_events));
		set(x, "dropped_bytes", jint((int64_t)r->dropped_bytes));
		set(x, "dropped_pages", jint(r->dropped_pages));
		for (unsigned kd = 0; kd < BMF_NR_KINDS; kd++) {
			json_t *d;

			if (!l->totals.dropped_events[kd])
				continue;
			d = json_object();
			set(d, "kind", json_string(bmf_kind_name(kd)));
			set(d, "kind_value", jint(kd));
			set(d, "events", jint((int64_t)l->totals.dropped_events[kd]));
			set(d, "bytes", jint((int64_t)l->totals.dropped_bytes[kd]));
			set(d, "pages", jint(l->totals.dropped_pages[kd]));
			append(dr, d);
		}
		set(x, "dropped", jint((int64_t)r->dropped_events));
		set(x, "dropped_by_kind", dr);
		set(x, "labels_truncated", jint((int64_t)l->totals.labels_truncated));
		set(x, "labels_lost", jint((int64_t)l->totals.labels_lost));
		set(x, "late_events", jint((int64_t)l->totals.late_events));
		set(x, "unknown_kinds", jint((int64_t)l->unknown_kinds));
		set(x, "unknown_tags", jint((int64_t)l->unknown_tags));
		set(x, "totalram_pages", jint((int64_t)l->totalram_pages));
		set(o, "log", x);
	} else
		set(o, "log", json_null());
	set(o, "runtime", runtime_json(r));
	set(o, "fdt", fdt_json(r->in.fdt));
	return o;
}

static int dump(json_t *j, char **out, size_t *len)
{
	char *s, *ns;

	if (!j || json_oom) {
		json_decref(j);
		return -ENOMEM;
	}
	s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!s)
		return -ENOMEM;
	/* A text file ends its last line, as the other formats do. */
	*len = strlen(s);
	ns = realloc(s, *len + 2);
	if (!ns) {
		free(s);
		return -ENOMEM;
	}
	ns[(*len)++] = '\n';
	ns[*len] = '\0';
	*out = ns;
	return 0;
}

int render_json(const struct bootmem_report *r, bool regions_only, char **out, size_t *len)
{
	json_oom = false;
	return dump(regions_only ? regions_json(r) : report_json(r), out, len);
}

/*
 * A filter: NULL for none, else names separated by commas (a repeated
 * parameter arrives joined so), any of which matches.  @set has a bit per
 * value; -EINVAL for a name @from_name does not know.
 */
static int parse_filter(const char *list, int (*from_name)(const char *), uint64_t set[4])
{
	char name[64];

	memset(set, 0, 4 * sizeof(*set));
	if (!list)
		return 0;
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");
		int v;

		if (n >= sizeof(name))
			return -EINVAL;
		memcpy(name, p, n);
		name[n] = '\0';
		if (n) {
			v = from_name(name);
			if (v < 0 || v >= 256)
				return -EINVAL;
			set[v / 64] |= UINT64_C(1) << (v % 64);
		}
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

static bool filter_has(const char *list, const uint64_t set[4], unsigned v)
{
	return !list || (v < 256 && (set[v / 64] >> (v % 64) & 1));
}

int render_events(const struct bootmem_report *r, const char *kind, const char *tag,
		  char **out, size_t *len)
{
	uint64_t ks[4], ts[4];
	json_t *a;

	if (parse_filter(kind, bmf_kind_from_name, ks) < 0 || parse_filter(tag, bmf_tag_from_name, ts) < 0)
		return -EINVAL;
	json_oom = false;
	a = json_array();
	if (r->in.log)
		for (size_t i = 0; i < r->in.log->n_events; i++) {
			const struct bmf_event *e = &r->in.log->events[i];

			if (!filter_has(kind, ks, e->kind) || !filter_has(tag, ts, e->tag))
				continue;
			append(a, event_json(e));
		}
	return dump(a, out, len);
}
