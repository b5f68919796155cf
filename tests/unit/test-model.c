/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fate engine tests on synthetic boots whose every figure is known by
 * construction (bmf-synth.h): regions, fates, the reconciliation, findings,
 * and the JSON and metrics contracts.
 */
#include <jansson.h>

#include "bmf-synth.h"
#include "fakeroot.h"
#include "model.h"
#include "report.h"
#include "tap.h"

#define MiB (1ll << 20)
#define KiB (1ll << 10)

static struct bootmem_report *load_synth_rt(struct synth *s, int64_t memtotal_pages, const char *extra_meminfo,
					    struct synth_rt *rt);

static struct bootmem_report *load_synth(struct synth *s, int64_t memtotal_pages, const char *extra_meminfo)
{
	return load_synth_rt(s, memtotal_pages, extra_meminfo, NULL);
}

static struct bootmem_report *load_synth_rt(struct synth *s, int64_t memtotal_pages, const char *extra_meminfo,
					    struct synth_rt *rt)
{
	struct bootmem_report *r = NULL;
	char meminfo[256], *root = fr_mkroot();
	unsigned char *buf;
	size_t len;
	int rc;

	buf = synth_write(s, &len);
	fr_write(root, "sys/kernel/bootmem_fate/log", buf, len);
	free(buf);
	if (rt) {
		buf = synth_rt_write(rt, s->page_size, &len);
		fr_write(root, "sys/kernel/bootmem_fate/runtime", buf, len);
		free(buf);
	}
	snprintf(meminfo, sizeof(meminfo), "MemTotal:       %lld kB\nMemFree:        1 kB\n%s",
		 (long long)memtotal_pages * 4, extra_meminfo ? extra_meminfo : "");
	fr_write(root, "proc/meminfo", meminfo, strlen(meminfo));
	fr_write(root, "proc/version", "Linux version 6.12.117-synth (gcc) #1\n", 38);
	rc = report_load(root, NULL, &r);
	CHECK(rc == 0, "report_load: %d", rc);
	fr_rmroot(root);
	free(root);
	return r;
}

static const struct bm_region *region(const struct bootmem_report *r, const char *name)
{
	const struct bm_region *g = model_find_region(r, name);

	CHECK(g, "no region %s", name);
	return g;
}

static void check_region(const struct bootmem_report *r, const char *name, const char *fate,
			 int64_t reserved, int64_t held, int64_t freed)
{
	const struct bm_region *g = region(r, name);
	char what[128];

	if (!g)
		return;
	CHECK(strcmp(bm_fate_name(g->fate), fate) == 0, "%s: fate %s, want %s", name,
	      bm_fate_name(g->fate), fate);
	snprintf(what, sizeof(what), "%s reserved", name);
	if (reserved >= 0)
		CHECK_EQ(g->reserved.value, reserved, what);
	snprintf(what, sizeof(what), "%s held", name);
	CHECK_EQ(g->held.value, held, what);
	snprintf(what, sizeof(what), "%s freed", name);
	CHECK_EQ(g->freed.value, freed, what);
}

static bool has_finding(const struct bootmem_report *r, const char *code)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].code, code) == 0)
			return true;
	return false;
}

static void test_synthetic_boot(void)
{
	struct synth s;
	int64_t pages = synth_boot(&s);
	struct bootmem_report *r = load_synth(&s, pages, NULL);
	const struct bm_reconciliation *rec;
	/* held by construction: kernel minus init, initrd's partial page, node data, memmap, pgtable, FDT */
	int64_t held = 7 * MiB + 4 * KiB + 8 * KiB + 2 * MiB + 64 * KiB + 1 * MiB;

	if (!r)
		return;
	rec = &r->rec;
	CHECK(report_has_kernel_log(r), "patched");
	CHECK_EQ(rec->ram.value, 256 * MiB, "RAM");
	CHECK_EQ(rec->nomap.value, 1 * MiB, "nomap");
	CHECK_EQ(rec->removed.value, 0, "removed");
	CHECK_EQ(rec->held.value, held, "held");
	CHECK_EQ(rec->memtotal.value, pages * 4096, "MemTotal");
	CHECK_EQ(rec->memtotal.value, 256 * MiB - 1 * MiB - held, "MemTotal by construction");
	CHECK_EQ(rec->unexplained.value, 0, "unexplained");
	CHECK(rec->consistent_known && rec->memtotal_consistent, "memtotal consistent");
	CHECK_EQ(rec->n_unexplained_ranges, 0, "unexplained ranges");

	check_region(r, "kernel_text", "held", 4 * MiB, 4 * MiB, 0);
	check_region(r, "kernel_rodata", "held", 1 * MiB, 1 * MiB, 0);
	check_region(r, "kernel_data", "held", 1 * MiB, 1 * MiB, 0);
	check_region(r, "kernel_bss", "held", 1 * MiB, 1 * MiB, 0);
	check_region(r, "kernel_init", "freed", 1 * MiB, 0, 1 * MiB);
	check_region(r, "initrd", "partially_freed", 0x181000, 0x1000, 0x180000);
	check_region(r, "fdt", "held", 1 * MiB, 1 * MiB, 0);
	check_region(r, "secmon@4f000000", "nomap", 1 * MiB, 0, 0);
	check_region(r, "linux,cma", "reusable", 4 * MiB, 0, 4 * MiB);
	check_region(r, "memmap", "held", 2 * MiB, 2 * MiB, 0);
	check_region(r, "pgtable", "held", 64 * KiB, 64 * KiB, 0);
	check_region(r, "alloc_node_data", "held", 8 * KiB, 8 * KiB, 0);
	check_region(r, "setup_log_buf", "freed", 128 * KiB, 0, 128 * KiB);
	CHECK(model_find_region(r, "cma") == NULL, "the DT CMA pool shares the node's region");
	{
		const struct bm_region *g = region(r, "secmon@4f000000");

		if (g)
			CHECK_EQ(g->nomap.value, 1 * MiB, "secmon nomap bytes");
		g = region(r, "linux,cma");
		if (g)
			CHECK(g->flags & BMF_F_DYNAMIC, "linux,cma dynamic");
		g = region(r, "initrd");
		if (g)
			CHECK(g->n_events >= 5, "initrd lifecycle has %zu events", g->n_events);
	}
	CHECK(bm_kind_is_protagonist(r->regions[0].kind), "protagonists first");
	CHECK(has_finding(r, "initrd_partially_freed"), "initrd partial page finding");
	CHECK(!has_finding(r, "unexplained"), "no unexplained finding");
	report_free(r);
}

/* An allocation freed from memblock but never released: the page is held by nobody. */
static void test_unexplained(void)
{
	struct synth s;
	int64_t pages = synth_boot(&s);
	struct bootmem_report *r;
	struct bmf_record *rec;

	/* memblock_free_all() skips the freed log buffer: its pages are held by nobody. */
	for (unsigned i = 0; i < s.n; i++) {
		rec = &s.rec[i];
		if (rec->kind == BMF_FREE_ALL && rec->base < SYN_LOGBUF && SYN_LOGBUF < rec->base + rec->size) {
			uint64_t end = rec->base + rec->size, tail = SYN_LOGBUF + 128 * KiB;

			rec->size = SYN_LOGBUF - rec->base;
			rec->pages = (int64_t)(rec->size / 4096);
			synth_add(&s, BMF_FREE_ALL, 0, 0, tail, end - tail, (int64_t)((end - tail) / 4096),
				  "memblock_free_all", NULL);
			pages -= 32;
			break;
		}
	}
	r = load_synth(&s, pages, NULL);
	if (!r)
		return;
	CHECK_EQ(r->rec.unexplained.value, 128 * KiB, "unexplained");
	CHECK(r->rec.n_unexplained_ranges >= 1 && r->rec.unexplained_ranges[0].base == SYN_LOGBUF,
	      "unexplained range at the log buffer");
	CHECK(r->rec.memtotal_consistent, "memtotal still consistent");
	CHECK(has_finding(r, "unexplained"), "unexplained finding");
	report_free(r);
}

static void test_memtotal_mismatch(void)
{
	struct synth s;
	int64_t pages = synth_boot(&s);
	struct bootmem_report *r = load_synth(&s, pages - 1, NULL);

	if (!r)
		return;
	CHECK(r->rec.consistent_known && !r->rec.memtotal_consistent, "memtotal inconsistent");
	CHECK_EQ(r->rec.unexplained.value, 4096, "unexplained is the missing page");
	CHECK(has_finding(r, "memtotal_inconsistent"), "memtotal finding");
	report_free(r);
}

static void test_rejected_initrd(void)
{
	struct synth s;
	struct bootmem_report *r;
	int64_t pages;

	synth_init(&s, 4096);
	synth_add(&s, BMF_MEM_ADD, 0, 0, SYN_RAM_BASE, 64 * MiB, 0, "early_init_dt_add_memory_arch", NULL);
	synth_add(&s, BMF_RESERVE, BMF_TAG_KERNEL, 0, SYN_KERNEL, 4 * MiB, 0, "arm_memblock_init", NULL);
	synth_add(&s, BMF_IDENTITY, BMF_TAG_KERNEL, 0, SYN_KERNEL, 4 * MiB, 0, "arm_memblock_init", NULL);
	synth_add(&s, BMF_REJECT, BMF_TAG_INITRD, 0, 0x80000000ull, 0x100000, 0, "reserve_initrd_mem",
		  "not a memory region");
	pages = (int64_t)((64 * MiB - 4 * MiB) / 4096);
	synth_add(&s, BMF_FREE_ALL, 0, 0, SYN_RAM_BASE, SYN_KERNEL - SYN_RAM_BASE,
		  (int64_t)((SYN_KERNEL - SYN_RAM_BASE) / 4096), "memblock_free_all", NULL);
	synth_add(&s, BMF_FREE_ALL, 0, 0, SYN_KERNEL + 4 * MiB, SYN_RAM_BASE + 64 * MiB - SYN_KERNEL - 4 * MiB,
		  pages - (int64_t)((SYN_KERNEL - SYN_RAM_BASE) / 4096), "memblock_free_all", NULL);
	r = load_synth(&s, pages, NULL);
	if (!r)
		return;
	check_region(r, "initrd", "rejected", 0, 0, 0);
	{
		const struct bm_region *g = region(r, "initrd");

		if (g)
			CHECK(g->reason && strcmp(g->reason, "not a memory region") == 0, "reason %s",
			      g->reason ? g->reason : "(none)");
	}
	CHECK(has_finding(r, "initrd_rejected"), "rejected finding");
	CHECK_EQ(r->rec.unexplained.value, 0, "unexplained");
	report_free(r);
}

static void test_json_and_metrics(void)
{
	struct synth s;
	int64_t pages = synth_boot(&s);
	struct bootmem_report *r = load_synth(&s, pages, NULL);
	json_error_t err;
	json_t *j, *rec, *regions;
	char *out;
	size_t len;

	if (!r)
		return;
	CHECK(report_render(r, REPORT_JSON, &out, &len) == 0, "render json");
	j = json_loadb(out, len, 0, &err);
	free(out);
	CHECK(j, "json parses: %s", err.text);
	rec = json_object_get(j, "reconciliation");
	CHECK(json_is_integer(json_object_get(rec, "unexplained_bytes")), "unexplained_bytes integer");
	CHECK(json_integer_value(json_object_get(rec, "unexplained_bytes")) == 0, "unexplained 0");
	CHECK(json_is_true(json_object_get(rec, "memtotal_consistent")), "memtotal_consistent true");
	regions = json_object_get(j, "regions");
	CHECK(json_is_array(regions) && json_array_size(regions) == r->n_regions, "regions array");
	for (size_t i = 0; i < json_array_size(regions); i++) {
		json_t *g = json_array_get(regions, i);

		CHECK(json_is_string(json_object_get(g, "name")) && json_is_string(json_object_get(g, "kind")) &&
		      json_is_string(json_object_get(g, "fate")) &&
		      json_is_integer(json_object_get(g, "reserved_bytes")) &&
		      json_is_integer(json_object_get(g, "held_bytes")) &&
		      json_is_integer(json_object_get(g, "freed_bytes")), "region %zu fields", i);
	}
	CHECK(json_is_array(json_object_get(j, "sources")) && json_is_array(json_object_get(j, "findings")) &&
	      json_is_object(json_object_get(j, "summary")), "sources, findings, summary");
	json_decref(j);

	CHECK(report_render(r, REPORT_JSON_REGIONS, &out, &len) == 0, "render regions");
	j = json_loadb(out, len, 0, &err);
	CHECK(json_is_array(j), "regions alone is an array");
	json_decref(j);
	free(out);

	CHECK(report_render_events(r, "free_area", "none", &out, &len) == 0, "events filter");
	j = json_loadb(out, len, 0, &err);
	CHECK(json_is_array(j) && json_array_size(j) == 2, "two free_area events, got %zu", json_array_size(j));
	json_decref(j);
	free(out);
	CHECK(report_render_events(r, NULL, NULL, &out, &len) == 0, "all events");
	j = json_loadb(out, len, 0, &err);
	CHECK(json_is_array(j) && json_array_size(j) == s.n, "all events");
	json_decref(j);
	free(out);
	CHECK(report_render_events(r, "bogus", NULL, &out, &len) == -EINVAL, "unknown kind is -EINVAL");
	CHECK(report_render_events(r, NULL, "bogus", &out, &len) == -EINVAL, "unknown tag is -EINVAL");

	CHECK(report_render(r, REPORT_PROMETHEUS, &out, &len) == 0, "render prometheus");
	CHECK(strstr(out, "\nbootmemd_unexplained_bytes 0\n"), "unexplained metric");
	CHECK(strstr(out, "bootmemd_build_info{version=\""), "build info");
	CHECK(strstr(out, "\nbootmemd_memtotal_consistent 1\n"), "consistent metric");
	CHECK(strstr(out, "bootmemd_region_held_bytes{region=\"fdt\",kind=\"fdt\"} 1048576\n"), "fdt held");
	CHECK(strstr(out, "bootmemd_initrd_fate{fate=\"partially_freed\"} 1\n"), "initrd fate");
	CHECK(strstr(out, "bootmemd_source_info{source=\"kernel_log\",available=\"1\"} 1\n"), "source info");
	CHECK(len && out[len - 1] == '\n' && !strstr(out, "# EOF"), "0.0.4 ends with a newline");
	free(out);
	CHECK(report_render(r, REPORT_OPENMETRICS, &out, &len) == 0, "render openmetrics");
	CHECK(len > 6 && strcmp(out + len - 6, "# EOF\n") == 0, "openmetrics ends with # EOF");
	CHECK(strstr(out, "# TYPE bootmemd_build info\n"), "info family");
	free(out);
	CHECK(report_render(r, REPORT_TEXT, &out, &len) == 0, "render text");
	CHECK(strstr(out, "initrd") && strstr(out, "unexplained"), "text mentions initrd and unexplained");
	free(out);
	CHECK(strstr(report_summary(r), "unexplained 0 B") != NULL, "summary: %s", report_summary(r));
	report_free(r);
}

/* More anonymous owners than the bound: the smallest are summed as region="other". */
static void test_bounded_labels(void)
{
	struct synth s;
	struct bootmem_report *r;
	int64_t pages = 0;
	char *out, name[32];
	size_t len, n_labels = 0;
	uint64_t base = SYN_RAM_BASE;

	synth_init(&s, 4096);
	synth_add(&s, BMF_MEM_ADD, 0, 0, SYN_RAM_BASE, 64 * MiB, 0, "x", NULL);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "owner_%02d", i);
		synth_add(&s, BMF_ALLOC, 0, 0, base, 4096, 0, name, NULL);
		base += 4096;
	}
	synth_add(&s, BMF_FREE_ALL, 0, 0, base, SYN_RAM_BASE + 64 * MiB - base,
		  (int64_t)((SYN_RAM_BASE + 64 * MiB - base) / 4096), "memblock_free_all", NULL);
	pages = (int64_t)((SYN_RAM_BASE + 64 * MiB - base) / 4096);
	r = load_synth(&s, pages, NULL);
	if (!r)
		return;
	CHECK_EQ(r->rec.unexplained.value, 0, "unexplained");
	CHECK(report_render(r, REPORT_PROMETHEUS, &out, &len) == 0, "render");
	for (const char *p = out; (p = strstr(p, "\nbootmemd_region_held_bytes{")); p++)
		n_labels++;
	CHECK(n_labels == MODEL_MAX_OWNER_SERIES + 1, "%zu region label sets", n_labels);
	CHECK(strstr(out, "bootmemd_region_held_bytes{region=\"other\",kind=\"owner\"} 131072\n"),
	      "other sums the 32 folded owners' pages");
	free(out);
	report_free(r);
}


/*
 * A full event list: the kernel kept counting in its totals.  MemTotal from
 * the totals stays exact; what the list lost is reported by kind.
 */
static void test_dropped(void)
{
	struct synth s;
	int64_t pages = synth_boot(&s);
	struct bootmem_report *r;
	json_t *j, *log, *d;
	json_error_t err;
	char *out;
	size_t len;

	/* an 8 KiB allocation the list had no room for: free_all skipped it */
	for (unsigned i = 0; i < s.n; i++) {
		struct bmf_record *rec = &s.rec[i];

		if (rec->kind == BMF_FREE_ALL && rec->size > 64 * KiB) {
			rec->size -= 8 * KiB;
			rec->pages -= 2;
			pages -= 2;
			break;
		}
	}
	synth_drop(&s, BMF_ALLOC, 1, 8 * KiB, 0);
	/* and three freed pages, taken from what the model thinks memmap holds */
	synth_drop(&s, BMF_FREE_PAGE, 3, 12 * KiB, 3);
	pages += 3;
	s.capacity = s.n;
	s.reserved_slots = 4;
	r = load_synth(&s, pages, NULL);
	if (!r)
		return;
	CHECK_EQ(r->rec.memtotal_log.value, pages * 4096, "MemTotal from the totals");
	CHECK(r->rec.memtotal_consistent, "memtotal consistent despite the drops");
	CHECK(r->log_totals_consistent, "records + dropped = totals");
	CHECK_EQ(r->dropped_events, 4, "dropped events");
	CHECK_EQ(r->dropped_bytes, 20 * KiB, "dropped bytes");
	CHECK_EQ(r->dropped_pages, 3, "dropped pages");
	/* the cost on the identity: the allocation's pages, minus the freed ones */
	CHECK_EQ(r->rec.unexplained.value, 8 * KiB - 12 * KiB, "unexplained is what the drops hide");
	CHECK(has_finding(r, "log_dropped"), "log_dropped finding");
	for (size_t i = 0; i < r->n_findings; i++)
		if (!strcmp(r->findings[i].code, "log_dropped"))
			CHECK(strstr(r->findings[i].message, "alloc 1 events, 8.0 KiB, 0 pages") &&
			      strstr(r->findings[i].message, "free_page 3 events, 12.0 KiB, 3 pages"),
			      "cost by kind: %s", r->findings[i].message);
	CHECK(report_render(r, REPORT_JSON, &out, &len) == 0, "render json");
	j = json_loadb(out, len, 0, &err);
	free(out);
	log = json_object_get(j, "log");
	CHECK_EQ(json_integer_value(json_object_get(log, "capacity")), s.n, "json capacity");
	CHECK_EQ(json_integer_value(json_object_get(log, "reserved_slots")), 4, "json reserved slots");
	CHECK_EQ(json_integer_value(json_object_get(log, "dropped_events")), 4, "json dropped events");
	d = json_object_get(log, "dropped_by_kind");
	CHECK(json_array_size(d) == 2, "two kinds dropped");
	CHECK(!strcmp(json_string_value(json_object_get(json_array_get(d, 0), "kind")), "alloc") &&
	      json_integer_value(json_object_get(json_array_get(d, 0), "bytes")) == 8 * KiB, "alloc dropped");
	json_decref(j);
	CHECK(report_render(r, REPORT_PROMETHEUS, &out, &len) == 0, "render prometheus");
	CHECK(strstr(out, "\nbootmemd_log_dropped_events{kind=\"alloc\"} 1\n"), "dropped alloc metric");
	CHECK(strstr(out, "\nbootmemd_log_dropped_pages{kind=\"free_page\"} 3\n"), "dropped pages metric");
	CHECK(strstr(out, "\nbootmemd_log_dropped_events{kind=\"reserve\"} 0\n"), "a kind with no drops reads 0");
	CHECK(strstr(out, "\nbootmemd_log_capacity_records "), "capacity metric");
	free(out);
	report_free(r);

	/* records that do not add up to the totals are a finding */
	synth_boot(&s);
	s.dropped.dropped_pages[BMF_FREE_ALL] = 0;
	r = load_synth(&s, (int64_t)s.totalram_pages, NULL);
	if (r) {
		CHECK(r->log_totals_consistent && !has_finding(r, "log_totals_mismatch"), "consistent boot");
		report_free(r);
	}
}

static const struct bm_runtime_term *term(const struct bootmem_report *r, enum bm_rt_class k)
{
	return &r->rec.terms[k];
}

/* A ballooned VM: pages the balloon holds are a term, not unexplained. */
static void test_runtime_balloon(void)
{
	struct synth s;
	int64_t pages = synth_boot(&s);
	struct synth_rt rt = { .boot_pages = pages };
	struct bootmem_report *r;
	char *out;
	size_t len;

	synth_rt_add(&rt, "fill_balloon", "virtio_balloon", 100, 1000, 0, 0);
	r = load_synth_rt(&s, pages - 900, NULL, &rt);
	if (!r)
		return;
	CHECK(r->rec.has_runtime, "runtime read");
	CHECK_EQ(r->rec.ram.value, 256 * MiB, "RAM does not move with a balloon");
	CHECK_EQ(term(r, BM_RT_BALLOONED)->bytes.value, 900 * 4096, "ballooned term");
	CHECK_EQ(r->rec.runtime.value, 900 * 4096, "runtime total");
	CHECK_EQ(r->rec.memtotal_log.value, (pages - 900) * 4096, "MemTotal with the runtime changes");
	CHECK(r->rec.memtotal_consistent, "consistent");
	CHECK_EQ(r->rec.unexplained.value, 0, "unexplained");
	CHECK(!has_finding(r, "runtime_inconsistent") && !has_finding(r, "runtime_other"), "no runtime findings");
	CHECK(report_render(r, REPORT_PROMETHEUS, &out, &len) == 0, "render");
	CHECK(strstr(out, "\nbootmemd_runtime_pages{class=\"ballooned\",direction=\"out\"} 1000\n"), "pages out");
	CHECK(strstr(out, "\nbootmemd_runtime_bytes{class=\"ballooned\"} 3686400\n"), "term metric");
	free(out);
	CHECK(report_render(r, REPORT_TEXT, &out, &len) == 0, "render text");
	CHECK(strstr(out, "+ ballooned"), "text names the term");
	free(out);
	{
		json_error_t err;
		json_t *j, *e, *t;

		CHECK(report_render(r, REPORT_JSON, &out, &len) == 0, "render json");
		j = json_loadb(out, len, 0, &err);
		free(out);
		e = json_array_get(json_object_get(json_object_get(j, "runtime"), "entries"), 0);
		CHECK(e && !strcmp(json_string_value(json_object_get(e, "class")), "ballooned") &&
		      !strcmp(json_string_value(json_object_get(e, "module")), "virtio_balloon"), "runtime entry");
		t = json_array_get(json_object_get(json_object_get(j, "reconciliation"), "runtime_terms"), 0);
		CHECK(t && !strcmp(json_string_value(json_object_get(t, "class")), "ballooned") &&
		      json_integer_value(json_object_get(t, "bytes")) == 900 * 4096, "runtime term in JSON");
		CHECK(json_integer_value(json_object_get(json_object_get(j, "reconciliation"), "runtime_bytes")) ==
		      900 * 4096, "runtime_bytes");
		json_decref(j);
	}
	report_free(r);

	/* without the runtime file the balloon's pages are unexplained: no term is invented */
	r = load_synth(&s, pages - 900, NULL);
	if (r) {
		CHECK(!r->rec.has_runtime, "no runtime");
		CHECK_EQ(r->rec.unexplained.value, 900 * 4096, "unexplained without the runtime file");
		report_free(r);
	}
}

/* Hot-added memory: RAM follows it; memory added but not online is its term. */
static void test_runtime_hotplug(void)
{
	struct synth s;
	int64_t pages = synth_boot(&s);
	struct synth_rt rt = { .boot_pages = pages };
	struct bootmem_report *r;

	/* arm64 keeps memblock: 128 MiB added, 2 MiB of it hold its own memmap */
	synth_rt_add(&rt, "add_memory_resource", "", 0, 0, 128 * MiB, 0);
	synth_rt_add(&rt, "online_pages", "", 32768 - 512, 0, 0, 0);
	synth_rt_add(&rt, "free_bootmem_page", "", 64, 0, 0, 0);
	synth_rt_add(&rt, "virtio_mem_fake_offline", "", 0, 256, 0, 0);
	synth_rt_add(&rt, "mystery_driver", "foo", 0, 16, 0, 0);
	pages += 32768 - 512 + 64 - 256 - 16;
	r = load_synth_rt(&s, pages, NULL, &rt);
	if (!r)
		return;
	CHECK_EQ(r->rec.boot_ram.value, 256 * MiB, "boot RAM");
	CHECK_EQ(r->rec.ram.value, 256 * MiB + 128 * MiB - 1 * MiB, "RAM follows hotplug and virtio-mem");
	CHECK_EQ(term(r, BM_RT_HOT_ADDED)->bytes.value, 2 * MiB, "hot-added, not online");
	CHECK_EQ(term(r, BM_RT_HOT_ADDED)->ram_delta, 128 * MiB, "hot-added RAM");
	CHECK_EQ(term(r, BM_RT_HUGETLB_VMEMMAP)->bytes.value, -64 * 4096, "vmemmap pages returned");
	CHECK_EQ(term(r, BM_RT_VIRTIO_MEM)->bytes.value, 0, "virtio-mem unplug moves RAM");
	CHECK_EQ(term(r, BM_RT_OTHER)->bytes.value, 16 * 4096, "other");
	CHECK_EQ(r->rec.unexplained.value, 0, "unexplained");
	CHECK(r->rec.memtotal_consistent, "consistent");
	CHECK(has_finding(r, "runtime_other"), "unclassified caller named");
	report_free(r);

	/* x86 drops memblock after boot: the onlined pages are the RAM added */
	synth_boot(&s);
	rt.n = 0;
	synth_rt_add(&rt, "online_pages", "", 32768, 0, 0, 0);
	r = load_synth_rt(&s, rt.boot_pages + 32768, NULL, &rt);
	if (r) {
		CHECK_EQ(r->rec.ram.value, 384 * MiB, "RAM from the onlined pages");
		CHECK_EQ(r->rec.unexplained.value, 0, "unexplained");
		report_free(r);
	}
}

/*
 * Firmware's RAM: 1 MiB at the top that memblock never got (mem=) is
 * removed; a flash window memblock knew is a firmware region, not RAM.
 */
static void test_fw_ram(void)
{
	struct synth s;
	int64_t pages = synth_boot(&s);
	struct bootmem_report *r;
	const struct bm_region *g;

	synth_add(&s, BMF_FW_RAM, 0, 0, SYN_RAM_BASE, SYN_RAM_SIZE + 1 * MiB, 0, "e820__memblock_setup", NULL);
	synth_add(&s, BMF_MEM_ADD, 0, 0, 0x10000000ull, 64 * MiB, 0, "early_init_dt_add_memory_arch", NULL);
	synth_add(&s, BMF_RESERVE, BMF_TAG_FIRMWARE, 0, 0x10000000ull, 64 * MiB, 0, "efi_reserve", NULL);
	synth_add(&s, BMF_IDENTITY, BMF_TAG_FIRMWARE, BMF_F_NOT_RAM, 0x10000000ull, 64 * MiB, 0, "efi_reserve",
		  "flash");
	synth_add(&s, BMF_MEM_ADD, 0, 0, 0x20000000ull, 4 * MiB, 0, "early_init_dt_add_memory_arch", NULL);
	synth_add(&s, BMF_RESERVE, BMF_TAG_NONE, 0, 0x20000000ull, 4 * MiB, 0, "sram_reserve", NULL);
	r = load_synth(&s, pages, NULL);
	if (!r)
		return;
	CHECK_EQ(r->rec.ram.value, 257 * MiB, "RAM is firmware's");
	CHECK_EQ(r->rec.removed.value, 1 * MiB, "RAM memblock never got is removed");
	CHECK_EQ(r->rec.not_ram.value, 68 * MiB, "firmware, not RAM");
	CHECK_EQ(r->rec.unexplained.value, 0, "unexplained");
	g = region(r, "flash");
	if (g) {
		CHECK(g->kind == BM_KIND_FIRMWARE && g->fate == BM_FATE_NOT_RAM, "flash is firmware, not RAM: %s",
		      bm_fate_name(g->fate));
		CHECK_EQ(g->held.value, 0, "flash holds no RAM");
	}
	g = region(r, "firmware_not_ram");
	if (g)
		CHECK(g->fate == BM_FATE_NOT_RAM && g->reserved.value == 4 * MiB, "memblock memory outside e820");
	report_free(r);
}

/* Every enum value has its name: a hole in a table would print NULL. */
static void test_names(void)
{
	for (int f = 0; f < _BM_FATE_MAX; f++)
		CHECK(bm_fate_name((enum bm_fate)f) && (f == BM_FATE_UNKNOWN ||
		      strcmp(bm_fate_name((enum bm_fate)f), "unknown")), "fate %d has a name", f);
	for (int k = 0; k < _BM_KIND_MAX; k++)
		CHECK(bm_kind_name((enum bm_kind)k) && strcmp(bm_kind_name((enum bm_kind)k), "unknown"),
		      "kind %d has a name", k);
	for (int s = 0; s < _BM_SRC_MAX; s++)
		CHECK(bm_src_name((enum bm_src)s) && strcmp(bm_src_name((enum bm_src)s), "unknown"),
		      "source %d has a name", s);
	for (int c = 0; c < _BM_RT_MAX; c++)
		CHECK(bm_rt_class_name((enum bm_rt_class)c) && bm_rt_class_title((enum bm_rt_class)c),
		      "runtime class %d has a name", c);
}

int main(void)
{
	test_names();
	test_synthetic_boot();
	test_unexplained();
	test_memtotal_mismatch();
	test_rejected_initrd();
	test_json_and_metrics();
	test_bounded_labels();
	test_dropped();
	test_runtime_balloon();
	test_runtime_hotplug();
	test_fw_ram();
	return tap_done("test-model");
}
