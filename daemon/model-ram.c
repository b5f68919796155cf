/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where RAM is, as address ranges: what the memory map draws. */
#include <errno.h>
#include <string.h>

#include "model-priv.h"
#include "util.h"

/*
 * RAM ranges from the best source at hand: the log, iomem, memmap, e820, the
 * FDT.  The order is the RAM figure's (model_build_patched(), and
 * model_build_stock()'s iomem, memmap), so that the map draws the RAM the
 * figures count; where the figure comes from a source without ranges (the
 * Memory: line), firmware's ranges are drawn and named as such.
 */
int model_ram_map(struct bootmem_report *r)
{
	struct bm_ram_map *m = &r->ram_map;
	const struct bmf_log *log = r->in.log;

	if (log) {
		unsigned ram_kind = BMF_MEM_ADD;

		/* RAM is firmware's when the log has it, as in the reconciliation */
		for (size_t i = 0; i < log->n_events; i++)
			if (log->events[i].kind == BMF_FW_RAM)
				ram_kind = BMF_FW_RAM;
		for (size_t i = 0; i < log->n_events; i++)
			if (log->events[i].kind == ram_kind)
				spans_add(&m->ram, log->events[i].base, span_end(log->events[i].base, log->events[i].size));
		spans_normalize(&m->ram);
		for (size_t i = 0; i < log->n_events; i++) {
			const struct bmf_event *e = &log->events[i];

			if (e->kind == BMF_MEM_REMOVE) {
				/* only what was RAM: arm64 removes everything above its PA range */
				uint64_t re = span_end(e->base, e->size);

				for (size_t k = 0; k < m->ram.n; k++) {
					uint64_t s0 = m->ram.a[k].s > e->base ? m->ram.a[k].s : e->base;
					uint64_t e0 = m->ram.a[k].e < re ? m->ram.a[k].e : re;

					spans_add(&m->removed, s0, e0);
				}
			} else if (e->kind == BMF_MEM_CAP)
				/* only [base, base + size) is kept */
				for (size_t k = 0; k < m->ram.n; k++) {
					uint64_t ce = span_end(e->base, e->size);

					if (m->ram.a[k].s < e->base)
						spans_add(&m->removed, m->ram.a[k].s,
							  m->ram.a[k].e < e->base ? m->ram.a[k].e : e->base);
					if (m->ram.a[k].e > ce)
						spans_add(&m->removed, m->ram.a[k].s > ce ? m->ram.a[k].s : ce,
							  m->ram.a[k].e);
				}
		}
		spans_normalize(&m->removed);
		if (m->ram.n) {
			m->src = "kernel log (memblock_add)";
			goto out;
		}
	}
	if (r->in.iomem && !r->in.iomem->zeroed) {
		for (size_t i = 0; i < r->in.iomem->n; i++) {
			const struct iomem_entry *e = &r->in.iomem->e[i];

			if (e->depth == 0 && strcmp(e->name, "System RAM") == 0)
				spans_add(&m->ram, e->start, span_end(e->end, 1));
		}
		spans_normalize(&m->ram);
		if (m->ram.n) {
			m->src = "/proc/iomem";
			goto out;
		}
	}
	if (r->in.memmap) {
		for (size_t i = 0; i < r->in.memmap->n; i++)
			if (strcmp(r->in.memmap->e[i].type, "System RAM") == 0)
				spans_add(&m->ram, r->in.memmap->e[i].start, span_end(r->in.memmap->e[i].end, 1));
		spans_normalize(&m->ram);
		if (m->ram.n) {
			m->src = "/sys/firmware/memmap";
			goto out;
		}
	}
	if (r->in.has_boot_params) {
		for (size_t i = 0; i < r->in.boot_params.n_e820; i++)
			if (r->in.boot_params.e820[i].type == E820_TYPE_RAM)
				spans_add(&m->ram, r->in.boot_params.e820[i].addr,
					  span_end(r->in.boot_params.e820[i].addr, r->in.boot_params.e820[i].size));
		spans_normalize(&m->ram);
		if (m->ram.n) {
			m->src = "boot_params e820";
			goto out;
		}
	}
	if (r->in.fdt) {
		for (size_t i = 0; i < r->in.fdt->n_memory; i++)
			spans_add(&m->ram, r->in.fdt->memory[i].base,
				  span_end(r->in.fdt->memory[i].base, r->in.fdt->memory[i].size));
		spans_normalize(&m->ram);
		if (m->ram.n) {
			m->src = "device tree /memory";
			goto out;
		}
	}
	m->src = NULL;
out:
	return m->ram.oom || m->removed.oom ? -ENOMEM : 0;
}
