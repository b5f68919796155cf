/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The /proc, boot_params, memmap and dmesg parsers, and stock mode (no
 * kernel log) on a captured root and on this machine's "/": figures that
 * can be derived are exact, the others are unknown and listed, none is
 * invented.  Expected values are read from the snapshot by this test with
 * its own scanning, never taken from the engine.
 *
 *   test-stock SOURCE_ROOT
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <zlib.h>

#include "fakeroot.h"
#include "model.h"
#include "report.h"
#include "stock-check.h"
#include "tap.h"
#include "util.h"

static void test_meminfo(void)
{
	struct meminfo m;

	CHECK(meminfo_parse("MemTotal:        1018048 kB\nMemFree:  5 kB\nCmaTotal:  65536 kB\n", &m, NULL) == 0,
	      "meminfo parses");
	CHECK_EQ(m.memtotal, 1018048ull * 1024, "MemTotal bytes");
	CHECK_EQ(m.cma_total, 65536ull * 1024, "CmaTotal bytes");
	CHECK(meminfo_parse("MemFree: 5 kB\n", &m, NULL) < 0, "no MemTotal is an error");
	CHECK(meminfo_parse("", &m, NULL) < 0, "empty meminfo");
	CHECK(meminfo_parse("MemTotal: 99999999999999999999 kB\n", &m, NULL) < 0, "overflow");
	{
		struct source_diag d;

		/* Say what happened: an overflow is not a missing line. */
		CHECK(meminfo_parse("MemTotal: 99999999999999999999 kB\n", &m, &d) == -ERANGE &&
		      strstr(d.message, "64 bits"), "digits past 64 bits: %s", d.message);
		CHECK(meminfo_parse("MemTotal: 18014398509481984 kB\n", &m, &d) == -ERANGE &&
		      strstr(d.message, "64 bits"), "kB * 1024 past 64 bits: %s", d.message);
		CHECK(meminfo_parse("MemTotal: lots kB\n", &m, &d) == -EINVAL && strstr(d.message, "no number"),
		      "not a number: %s", d.message);
		CHECK(meminfo_parse("MemFree: 5 kB\n", &m, &d) == -ENODATA && !strcmp(d.message, "no MemTotal line"),
		      "no line: %s", d.message);
	}
}

static void test_iomem(void)
{
	static const char text[] =
		"00000000-00000fff : Reserved\n"
		"00001000-0009fbff : System RAM\n"
		"00100000-3ffdffff : System RAM\n"
		"  01000000-01e00000 : Kernel code\n"
		"  01e00000-0220ffff : Kernel rodata\n"
		"    02000000-02000fff : nested deeper\n"
		"  02400000-0263ffff : Kernel data\n"
		"fee00000-fee00fff : Local APIC\n"
		"garbage line\n";
	struct iomem *io = NULL;
	const struct iomem_entry *e;

	CHECK(iomem_parse(text, &io, NULL) == 0, "iomem parses");
	if (!io)
		return;
	CHECK_EQ(io->n, 8, "entries");
	CHECK_EQ(iomem_sum_top(io, "System RAM"), 0x9ec00 + 0x3fee0000, "System RAM");
	e = iomem_find(io, "Kernel code");
	CHECK(e && e->depth == 1 && e->end - e->start + 1 == 0xe00001, "Kernel code nested");
	e = iomem_find(io, "nested deeper");
	CHECK(e && e->depth == 2 && io->e[e->parent].start == 0x01e00000, "parent link");
	CHECK(!io->zeroed, "addresses visible");
	iomem_free(io);

	CHECK(iomem_parse("00000000-00000000 : System RAM\n  00000000-00000000 : Kernel code\n", &io, NULL) == 0,
	      "zeroed iomem parses");
	if (io) {
		CHECK(io->zeroed, "zeroed addresses detected");
		iomem_free(io);
	}
}

/* Overlapping top-level System RAM (a hostile or broken file) counts once, never twice. */
static void test_iomem_overlap(void)
{
	struct iomem *io = NULL;

	CHECK(iomem_parse("00000000-0fffffff : System RAM\n"
			  "08000000-17ffffff : System RAM\n"
			  "00100000-001fffff : System RAM\n"
			  "20000000-2fffffff : Reserved\n", &io, NULL) == 0, "overlapping iomem parses");
	if (io) {
		CHECK_EQ(iomem_sum_top(io, "System RAM"), 0x18000000, "overlaps merged");
		iomem_free(io);
	}
	CHECK(iomem_parse("0000000000000000-ffffffffffffffff : System RAM\n"
			  "0000000000000000-ffffffffffffffff : System RAM\n", &io, NULL) == 0, "all of it, twice");
	if (io) {
		CHECK(iomem_sum_top(io, "System RAM") >= UINT64_MAX - 1, "no wrap: %" PRIu64,
		      iomem_sum_top(io, "System RAM"));
		iomem_free(io);
	}
}

static json_t *render_json(const struct bootmem_report *r);

/* Text from /proc and dmesg is valid UTF-8 without control characters once read. */
static void test_sanitised(void)
{
	struct bm_inputs in = { 0 };
	struct source_diag d;
	static const char version[] = "Linux version 6.12\x1b[31m-\xff (gcc) #1\n";
	static const char cmdline[] = "console=ttyS0 \x1b]0;owned\x07 \xc3\x28\n";
	static const char dmesg[] = "<6>[    0.0] Freeing in\x1bitrd memory: 4K\n"
				    "<5>[    0.0] Kernel command line: a\x9b=b\n";

	CHECK(version_load(version, sizeof(version) - 1, &in, &d) == 0, "hostile version parses: %s", d.message);
	CHECK(!strcmp(in.release, "6.12?[31m-?"), "release sanitised: %s", in.release);
	CHECK(!strchr(in.version, '\x1b') && !strchr(in.version, '\n'), "version text sanitised");
	CHECK(cmdline_load(cmdline, sizeof(cmdline) - 1, &in, &d) == 0 &&
	      !strcmp(in.cmdline, "console=ttyS0 ?]0;owned? ?("), "cmdline sanitised: %s", in.cmdline);
	CHECK(kmsg_load(dmesg, sizeof(dmesg) - 1, &in, &d) == 0 && in.dmesg.n_frees == 1 &&
	      !strcmp(in.dmesg.frees[0].label, "in?itrd") && !strcmp(in.dmesg.cmdline, "a?=b"),
	      "dmesg sanitised: %s / %s", in.dmesg.frees[0].label, in.dmesg.cmdline);
	sources_unload(&in);

	/* End to end: strings in the JSON (not null), a label Prometheus accepts. */
	{
		char *root = fr_mkroot(), *out = NULL;
		struct bootmem_report *r = NULL;
		size_t len;
		json_t *j, *k;

		fr_write(root, "proc/version", version, sizeof(version) - 1);
		fr_write(root, "proc/cmdline", cmdline, sizeof(cmdline) - 1);
		fr_write(root, "proc/meminfo", "MemTotal: 4 kB\n", 15);
		CHECK(report_load(root, NULL, &r) == 0, "hostile text root loads");
		if (r) {
			j = render_json(r);
			k = json_object_get(j, "kernel");
			CHECK(json_is_string(json_object_get(k, "release")) && json_is_string(json_object_get(k, "cmdline")),
			      "release and cmdline are JSON strings");
			json_decref(j);
			CHECK(report_render(r, REPORT_PROMETHEUS, &out, &len) == 0 &&
			      strstr(out, "release=\"6.12?[31m-?\"") && !strchr(out, '\x1b'), "boot_info label sanitised");
			free(out);
			report_free(r);
		}
		fr_rmroot(root);
		free(root);
	}
}

/* RAM below MemTotal: a finding and no boot cost, never a wrapped 16 EiB. */
static void test_ram_below_memtotal(void)
{
	char *root = fr_mkroot();
	struct bootmem_report *r = NULL;
	static const char iomem[] = "00100000-001fffff : System RAM\n";
	static const char meminfo[] = "MemTotal:        2097152 kB\n";
	bool found = false;

	fr_write(root, "proc/iomem", iomem, strlen(iomem));
	fr_write(root, "proc/meminfo", meminfo, strlen(meminfo));
	CHECK(report_load(root, NULL, &r) == 0, "RAM < MemTotal: loads");
	if (r) {
		for (size_t i = 0; i < r->n_findings; i++)
			found |= !strcmp(r->findings[i].code, "ram_below_memtotal");
		CHECK(found, "RAM < MemTotal: a finding");
		CHECK(!r->rec.gap.known, "RAM < MemTotal: no boot cost");
		CHECK(strstr(report_summary(r), "less than MemTotal") && !strstr(report_summary(r), "TiB") &&
		      !strstr(report_summary(r), "EiB"), "summary: %s", report_summary(r));
		report_free(r);
	}
	fr_rmroot(root);
	free(root);
}

static void test_dmesg(void)
{
	struct dmesg_facts f;

	memset(&f, 0, sizeof(f));
	kmsg_parse_line("<6>[    0.000000] Memory: 3218112K/25165432K available (18907K kernel code, "
			      "2544K rwdata, 10292K rodata, 3732K init, 1168K bss, 496600K reserved, "
			      "0K cma-reserved)", strlen("<6>[    0.000000] Memory: 3218112K/25165432K available "
			      "(18907K kernel code, 2544K rwdata, 10292K rodata, 3732K init, 1168K bss, 496600K "
			      "reserved, 0K cma-reserved)"), &f);
	CHECK(f.has_memory_line, "Memory: line");
	CHECK_EQ(f.mem_physpages, 25165432ull * 1024, "physpages");
	CHECK_EQ(f.mem_code, 18907ull * 1024, "code");
	CHECK_EQ(f.mem_rwdata, 2544ull * 1024, "rwdata");
	CHECK_EQ(f.mem_rodata, 10292ull * 1024, "rodata");
	CHECK_EQ(f.mem_init, 3732ull * 1024, "init");
	CHECK_EQ(f.mem_bss, 1168ull * 1024, "bss");
	CHECK_EQ(f.mem_reserved, 496600ull * 1024, "reserved");
	CHECK(!f.has_highmem, "no highmem");

	memset(&f, 0, sizeof(f));
	{
		static const char text[] =
			"6,300,1000,-;Memory: 100K/200K available (1K kernel code, 2K rwdata, 3K rodata, 4K init, "
			"5K bss, 6K reserved, 7K cma-reserved, 8K highmem)\n"
			" SUBSYSTEM=ignored\n"
			"[    1.0] Freeing initrd memory: 1024K\n"
			"<6>[    2.0] Freeing unused kernel image (initmem) memory: 512K\n"
			"<6>[    2.1] Freeing unused kernel memory: 256K\n"
			"<6>[    2.2] Freeing unused kernel image (text/rodata gap) memory: 12K\n"
			"<6>[    0.0] OF: reserved mem: 0x000000004f000000..0x000000004f0fffff (1024 KiB) nomap non-reusable secmon@4f000000\n"
			"<6>[    0.0] OF: reserved mem: 0x000000005c000000..0x000000005fffffff (65536 KiB) map reusable linux,cma\n"
			"<3>[    0.0] INITRD: 0x48000000+0x00200000 is not a memory region - disabling initrd\n"
			"<6>[    0.0] RAMDISK: [mem 0xbf8b0000-0xbfffffff]\n"
			"<5>[    0.0] Kernel command line: console=ttyAMA0 mem=256M\n";

		kmsg_parse(text, sizeof(text) - 1, &f);
	}
	CHECK(f.has_memory_line && f.has_highmem && f.mem_highmem == 8 * 1024 && f.mem_cma_reserved == 7 * 1024,
	      "kmsg record with highmem");
	CHECK_EQ(dmesg_freed(&f, "initrd"), 1024 * 1024, "initrd freed");
	CHECK_EQ(dmesg_freed(&f, "unused kernel image (initmem)"), 512 * 1024, "initmem freed");
	CHECK_EQ(dmesg_freed(&f, "unused kernel"), 256 * 1024, "arm64 label");
	CHECK_EQ(dmesg_freed(&f, "unused kernel image (text/rodata gap)"), 12 * 1024, "x86 gap label");
	CHECK_EQ(dmesg_freed(&f, "nothing"), -1, "absent label");
	CHECK_EQ(f.n_rmem, 2, "OF: reserved mem lines");
	CHECK(f.rmem[0].nomap && !f.rmem[0].reusable && f.rmem[0].base == 0x4f000000 &&
	      f.rmem[0].end == 0x4f0fffff && strcmp(f.rmem[0].name, "secmon@4f000000") == 0, "nomap node");
	CHECK(!f.rmem[1].nomap && f.rmem[1].reusable && f.rmem[1].kib == 65536 &&
	      strcmp(f.rmem[1].name, "linux,cma") == 0, "cma node");
	CHECK(f.initrd_rejected && strcmp(f.initrd_reject_reason, "not a memory region") == 0, "arm reject");
	CHECK(f.has_ramdisk && f.ramdisk_start == 0xbf8b0000 && f.ramdisk_end == 0xbfffffff, "RAMDISK");
	CHECK(strcmp(f.cmdline, "console=ttyAMA0 mem=256M") == 0, "cmdline %s", f.cmdline);
}

/*
 * efi=debug's memory map (as x86_64-ovmf printed it): boot services entries
 * of the first print; a later print marks those the kernel found reserved.
 */
static void test_dmesg_efi_map(void)
{
	static const char text[] =
		"<6>[    0.0] efi: mem00: [Boot Code   |   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000000000-0x0000000000000fff] (0MB)\n"
		"<6>[    0.0] efi: mem01: [Conventional|   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000001000-0x0000000000086fff] (0MB)\n"
		"<6>[    0.0] efi: mem10: [Boot Data   |   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000900000-0x00000000014fffff] (12MB)\n"
		"<6>[    0.0] efi: mem17: [Boot Data   |   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x000000007e0f8000-0x000000007e0f9fff] (0MB)\n"
		"<6>[    0.0] efi: mem18: [Boot Data   |RUN|  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x000000007e0fa000-0x000000007e0fafff] (0MB)\n"
		"<6>[    0.0] efi: mem19: [Boot Data   |   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x000000007e0fb000-0x000000007e0fa000] (0MB)\n"
		"<6>[    0.0] efi: mem20: [Boot Code   |   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x000000007e0fb000-0x000000007e0f\n"
		"<6>[    0.7] efi: mem00: [Conventional|   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000000000-0x0000000000000fff] (0MB)\n"
		"<6>[    0.7] efi: mem07: [Boot Data   |RUN|  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x000000007e0f8000-0x000000007e0f9fff] (0MB)\n"
		"<6>[    0.7] efi: mem08: [Boot Data   |RUN|  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000900000-0x00000000014ffffe] (0MB)\n"
		"<6>[    1.2] efi: Freeing EFI boot services memory: 38812K\n";
	struct dmesg_facts f;

	memset(&f, 0, sizeof(f));
	kmsg_parse(text, sizeof(text) - 1, &f);
	CHECK_EQ(f.efi_map_prints, 2, "two prints of the map");
	CHECK_EQ(f.n_efi_boot, 4, "boot services entries of the first print (a reversed and a cut one left out)");
	CHECK(f.efi_boot[1].base == 0x900000 && f.efi_boot[1].size == 12ull << 20 && !f.efi_boot[1].not_freeable,
	      "a 12 MiB entry, the kernel's to keep or free");
	CHECK(f.efi_boot[2].not_freeable, "marked RUN by the second print: reserved by someone else");
	CHECK(f.efi_boot[3].not_freeable, "RUN in the first print");
	CHECK(!f.efi_boot[0].not_freeable, "the second print's mem00 is another range");
	CHECK_EQ(dmesg_freed(&f, "EFI boot services"), 38812ll * 1024, "efi: Freeing ... memory");
}

/* gzip of @text into @out (at most @cap bytes); its length. */
static size_t gzip_text(const char *text, size_t len, unsigned char *out, size_t cap)
{
	z_stream z = { 0 };
	size_t n;

	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)(uintptr_t)text;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	n = deflate(&z, Z_FINISH) == Z_STREAM_END ? z.total_out : 0;
	deflateEnd(&z);
	return n;
}

/* The kernel config: text and gzip, set, unset and absent options, and what is not a config. */
static void test_kconfig(void)
{
	static const char text[] =
		"#\n# Automatically generated file; DO NOT EDIT.\n#\nCONFIG_ARM64=y\n"
		"CONFIG_RODATA_FULL_DEFAULT_ENABLED=y\n# CONFIG_DEBUG_PAGEALLOC_ENABLE_DEFAULT is not set\n"
		"CONFIG_RODATA_FULL_DEFAULT_ENABLED_NOT=n\n";
	static unsigned char gz[4096], big[1 << 16];
	struct bm_source_status st;
	struct bm_inputs in;
	size_t n;

	memset(&in, 0, sizeof(in));
	memset(&st, 0, sizeof(st));
	source_parse(BM_SRC_KCONFIG, text, sizeof(text) - 1, &in, &st);
	CHECK(st.available && in.has_kconfig && in.kconfig.options == 4, "text: %zu options", in.kconfig.options);
	CHECK(in.kconfig.rodata_full_default == KCONFIG_YES && in.kconfig.debug_pagealloc_default == KCONFIG_NO,
	      "text: RODATA_FULL y (a longer name is another option), DEBUG_PAGEALLOC not set");

	n = gzip_text(text, sizeof(text) - 1, gz, sizeof(gz));
	memset(&in, 0, sizeof(in));
	memset(&st, 0, sizeof(st));
	source_parse(BM_SRC_KCONFIG, (const char *)gz, n, &in, &st);
	CHECK(n && st.available && in.kconfig.rodata_full_default == KCONFIG_YES, "gzip, as proc/config.gz");

	memset(&in, 0, sizeof(in));
	memset(&st, 0, sizeof(st));
	source_parse(BM_SRC_KCONFIG, (const char *)gz, n / 2, &in, &st);
	CHECK(!st.available && strstr(st.error, "gzip"), "a cut gzip stream: %s", st.error);

	memset(&in, 0, sizeof(in));
	memset(&st, 0, sizeof(st));
	source_parse(BM_SRC_KCONFIG, "hello\n", 6, &in, &st);
	CHECK(!st.available && !in.has_kconfig && strstr(st.error, "CONFIG_"), "not a config: %s", st.error);

	{
		/* 16 MiB of '#' in 16 KiB of gzip: refused past 8 MiB, not inflated without end. */
		size_t blen = 16u << 20;
		char *bomb = malloc(blen);

		memset(bomb, '#', blen);
		n = gzip_text(bomb, blen, big, sizeof(big));
		free(bomb);
		memset(&in, 0, sizeof(in));
		memset(&st, 0, sizeof(st));
		source_parse(BM_SRC_KCONFIG, (const char *)big, n, &in, &st);
		CHECK(n && !st.available && strstr(st.error, "inflated"), "a gzip bomb: %s", st.error);
	}
	{
		char path[64];

		memset(&in, 0, sizeof(in));
		snprintf(in.release, sizeof(in.release), "6.12.117");
		CHECK(kconfig_default_path(&in, path, sizeof(path)) && !strcmp(path, "boot/config-6.12.117"),
		      "the default path names the release");
		in.release[0] = '\0';
		CHECK(!kconfig_default_path(&in, path, sizeof(path)), "no path without a release");
		snprintf(in.release, sizeof(in.release), "../x");
		CHECK(!kconfig_default_path(&in, path, sizeof(path)),
		      "no path with a slash in the release");
	}
}

/* memblock=debug lines: good, truncated and hostile. */
static void test_dmesg_memblock(void)
{
	static const char good[] =
		"<6>[    0.01] memblock_reserve: [0x0000000000000000-0x00000000000fffff] setup_arch+0x741/0xa8b\n"
		"<6>[    0.02] memblock_alloc_try_nid: 8388608 bytes align=0x8 nid=-1 from=0x0000000000000000 "
		"max_addr=0x0000000000000000 setup_log_buf+0x10f/0x2fa\n"
		"<6>[    0.03] memblock_phys_alloc_range: 2097152 bytes align=0x200000 from=0x0000000000100000 "
		"max_addr=0x0000000040000000 init_mem_mapping+0x188/0x299\n"
		"<6>[    0.04] memblock_phys_free: [0x000000003fe00000-0x000000003fffffff] init_mem_mapping+0x1c8/0x299\n"
		"<6>[    0.05] memblock_alloc_exact_nid_raw: 16777216 bytes align=0x200000 nid=0 "
		"from=0x0000000001000000 max_addr=0x0000000000000000 memmap_alloc+0x43/0x65\n"
		"<6>[    0.06] memblock_free_late: [0x0000000010000000-0x0000000010000fff] efi_free_boot_services+0x1/0x2\n"
		"<6>[    0.07] memblock_add: [0x0000000000001000-0x000000000009fbff] e820__memblock_setup+0xa6/0xbe\n"
		"<6>[    0.08] memblock_alloc_try_nid: 73 bytes align=0x40 nid=-1 from=0x0 max_addr=0x0 setup_log_buf+0x1/0x2\n";
	static const char *const hostile[] = {
		"memblock_reserve: [0x2000-0x1000] backwards+0x0/0x1",		/* end before start */
		"memblock_reserve: [0x0-0xffffffffffffffff] everything+0x0/0x1",	/* 2^64 bytes */
		"memblock_reserve: [0x1000-0x1fff]",					/* no caller */
		"memblock_reserve: [0x1000-",						/* truncated */
		"memblock_alloc_try_nid: 18446744073709551615 bytes align=0x8 big+0/1",
		"memblock_alloc_try_nid: 18446744073709551615 bytes align=0x8 big+0/1",	/* the sum overflows */
		"memblock_alloc_try_nid: bytes align=0x8 nothing+0/1",
		"memblock_alloc_try_nid: 12",
		"memblock_: ",
		"memblock_reserve",
	};
	struct dmesg_facts *f = calloc(1, sizeof(*f));
	char line[128];

	CHECK(f, "facts");
	if (!f)
		return;
	kmsg_parse(good, sizeof(good) - 1, f);
	CHECK_EQ(f->mb_lines, 8, "memblock lines");
	CHECK_EQ(f->n_mb_callers, 5, "callers: setup_arch, setup_log_buf, init_mem_mapping, memmap_alloc, efi");
	CHECK(!strcmp(f->mb_callers[0].name, "setup_arch") && f->mb_callers[0].reserve == 1u << 20,
	      "reserve by caller, end inclusive");
	CHECK(!strcmp(f->mb_callers[1].name, "setup_log_buf") && f->mb_callers[1].alloc == 8388608 + 73 &&
	      f->mb_callers[1].lines == 2, "allocations summed by caller");
	CHECK(f->mb_callers[2].alloc == 2u << 20 && f->mb_callers[3].alloc == 16u << 20, "phys_alloc and _raw forms");
	CHECK_EQ(f->n_mb_ranges, 3, "ranges: reserve, free, free_late");
	CHECK(f->mb_ranges[1].op == DMESG_MB_FREE && f->mb_ranges[1].size == 2u << 20 && f->mb_ranges[1].caller == 2,
	      "phys_free range and caller");
	CHECK(f->mb_ranges[2].op == DMESG_MB_FREE_LATE && f->mb_ranges[2].size == 4096, "free_late");

	/* Linux 6.1 (Debian 12) prints the allocation's reservation too, by memblock's own function. */
	memset(f, 0, sizeof(*f));
	{
		static const char v61[] =
			"<6>[    0.01] memblock_reserve: [0x0000000000001000-0x0000000000001fff] memblock_alloc_range_nid+0xb0/0x13d\n"
			"<6>[    0.02] memblock_alloc_try_nid: 8388608 bytes align=0x8 nid=-1 from=0x0000000000000000 "
			"max_addr=0x0000000000000000 setup_log_buf+0x112/0x337\n"
			"<6>[    0.03] memblock_reserve: [0x000000003f6ba000-0x000000003feb9fff] memblock_alloc_range_nid+0xb0/0x13d\n"
			"<6>[    0.04] memblock_alloc_try_nid: 448 bytes align=0x40 nid=0 from=0x0000000038000000 "
			"max_addr=0x0000000040000000 sparse_init_nid+0x8d/0x34d\n"
			"<6>[    0.05] memblock_reserve: [0x000000003ffd3e40-0x000000003ffd3fff] memblock_alloc_range_nid+0xb0/0x13d\n"
			"<6>[    0.06] memblock_reserve: [0x000000003ffd3000-0x000000003ffd3fff] memblock_alloc_range_nid+0xb0/0x13d\n";

		kmsg_parse(v61, sizeof(v61) - 1, f);
	}
	CHECK(f->n_mb_callers == 2 && !strcmp(f->mb_callers[0].name, "setup_log_buf") &&
	      !strcmp(f->mb_callers[1].name, "sparse_init_nid"),
	      "6.1: no caller named memblock_alloc_range_nid (%zu callers)", f->n_mb_callers);
	CHECK(f->mb_callers[0].alloc == 0 && f->mb_callers[0].reserve == 8388608 && f->mb_callers[1].alloc == 0 &&
	      f->mb_callers[1].reserve == 448, "6.1: each allocation counted once, as the range it got");
	CHECK(f->n_mb_ranges == 2 && f->mb_ranges[0].base == 0x3f6ba000 && f->mb_ranges[0].caller == 0 &&
	      f->mb_ranges[1].caller == 1, "6.1: the ranges are the callers' (%zu)", f->n_mb_ranges);
	CHECK_EQ(f->mb_lines, 6, "6.1: memblock lines");

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		kmsg_parse_line(hostile[i], strlen(hostile[i]), f);
	CHECK_EQ(f->n_mb_ranges, 0, "no range from a hostile line");
	CHECK(f->n_mb_callers <= 1 && (!f->n_mb_callers || f->mb_callers[0].alloc == UINT64_MAX),
	      "a hostile allocation line: %zu callers", f->n_mb_callers);
	CHECK_EQ(f->mb_dropped, 1, "the overflowing sum is dropped, not wrapped");

	/* Bounded: more callers and ranges than fit are counted as dropped. */
	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "memblock_reserve: [0x%x000-0x%xfff] caller%u+0x0/0x1", i, i, i % 200);
		kmsg_parse_line(line, strlen(line), f);
	}
	CHECK(f->n_mb_callers == sizeof(f->mb_callers) / sizeof(f->mb_callers[0]) &&
	      f->n_mb_ranges == sizeof(f->mb_ranges) / sizeof(f->mb_ranges[0]) && f->mb_dropped == 1000 - f->n_mb_ranges,
	      "bounded: %zu callers, %zu ranges, %zu dropped", f->n_mb_callers, f->n_mb_ranges, f->mb_dropped);
	free(f);
}

/* memblock's debugfs reserved set: good, old, truncated and hostile files. */
static void test_memblock_parse(void)
{
	static const struct {
		const char *text;
		int ret;
		size_t n;
		uint64_t bytes;
	} cases[] = {
		{ "   0: 0x0000000040000000..0x000000004fffffff    0 NONE\n"
		  "   1: 0x0000000050000000..0x0000000050000fff    x NOMAP\n", 0, 2, (256u << 20) + 4096 },
		{ "   0: 0x0000000040000000..0x0000000040000fff\n", 0, 1, 4096 },	/* before nid and flags */
		{ "", 0, 0, 0 },
		{ "   0: 0x0000000040000000..0x0000000040000fff\n   1: 0x00000000500", -EINVAL, 0, 0 },
		{ "   0: 0x0000000040000000..", -EINVAL, 0, 0 },
		{ "   0: 0x2000..0x1000\n", -EINVAL, 0, 0 },			/* backwards */
		{ "   0: 0x0..0xffffffffffffffff\n", -EINVAL, 0, 0 },		/* 2^64 bytes */
		{ "   0: 0x10000000000000000..0x1\n", -EINVAL, 0, 0 },		/* past 64 bits */
		{ "0x40000000..0x40000fff\n", -EINVAL, 0, 0 },			/* no index */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct memblock_set *set = NULL;
		struct source_diag d = { 0 };
		size_t len = strlen(cases[i].text);
		int r = memblock_parse(cases[i].text, len, &set, &d);

		CHECK(r == cases[i].ret, "memblock case %zu: %d (%s)", i, r, d.message);
		if (r == 0 && set)
			CHECK(set->n == cases[i].n && set->bytes == cases[i].bytes, "memblock case %zu: %zu regions, %" PRIu64
			      " bytes", i, set->n, set->bytes);
		if (r < 0)
			CHECK(!set && d.message[0], "memblock case %zu: nothing kept, a message", i);
		if (i == 0 && set)
			CHECK(!set->r[0].nomap && set->r[1].nomap, "NOMAP flag");
		memblock_set_free(set);
	}
	{
		/* A long hostile line is refused, not overrun. */
		char big[4096];
		struct memblock_set *set = NULL;

		memset(big, '0', sizeof(big));
		memcpy(big, "   0: 0x", 8);
		CHECK(memblock_parse(big, sizeof(big), &set, NULL) == -EINVAL && !set, "a 4 KiB line");
	}
}

/*
 * The reserved set bounds the residual: on a captured arm64 boot in stock
 * mode, a reserved set of what the items hold plus five pages leaves five
 * pages unattributed; a larger one is capped at what is not itemized; a
 * broken file leaves the figure unknown.
 */
static void test_memblock_unattributed(const char *src)
{
	char root[4096], *tmp = fr_mkroot(), file[4200], text[256];
	struct report_paths p = { 0 };
	struct bootmem_report *r = NULL;
	int64_t itemized, not_itemized;
	uint64_t ram_start = 0;

	snprintf(root, sizeof(root), "%s/tests/data/vm/arm64-virt", src);
	snprintf(file, sizeof(file), "%s/reserved", tmp);
	p.path[BM_SRC_LOG] = "/nonexistent/bootmem_fate/log";
	p.path[BM_SRC_MEMBLOCK] = file;
	if (report_load(root, &p, &r) < 0 || !r->in.iomem) {
		CHECK(0, "arm64-virt loads in stock mode");
		report_free(r);
		fr_rmroot(tmp);
		free(tmp);
		return;
	}
	CHECK(!r->rec.unattributed_reserved.known, "no reserved set: unattributed unknown");
	itemized = r->rec.itemized.value;
	not_itemized = r->rec.not_itemized.value;
	for (size_t i = 0; i < r->in.iomem->n; i++)
		if (!strcmp(r->in.iomem->e[i].name, "System RAM") && !ram_start)
			ram_start = r->in.iomem->e[i].start;
	report_free(r);
	r = NULL;
	CHECK(not_itemized > 5 * 4096 && ram_start && !(ram_start & 4095), "arm64-virt: %" PRId64 " not itemized",
	      not_itemized);

	snprintf(text, sizeof(text), "   0: 0x%016" PRIx64 "..0x%016" PRIx64 "    0 NONE\n", ram_start,
		 ram_start + (uint64_t)itemized + 5 * 4096 - 1);
	fr_write(tmp, "reserved", text, strlen(text));
	CHECK(report_load(root, &p, &r) == 0 && r->rec.unattributed_reserved.known &&
	      r->rec.unattributed_reserved.value == 5 * 4096 && r->rec.unattributed_reserved.src == BM_SRC_MEMBLOCK,
	      "five pages unattributed: %" PRId64, r ? r->rec.unattributed_reserved.value : -1);
	if (r) {
		char *out = NULL;
		size_t len;

		CHECK(report_render(r, REPORT_JSON, &out, &len) == 0 && out &&
		      strstr(out, "\"unattributed_reserved_bytes\": 20480"), "the JSON carries it");
		free(out);
		out = NULL;
		CHECK(report_render(r, REPORT_PROMETHEUS, &out, &len) == 0 && out &&
		      strstr(out, "\nbootmemd_unattributed_reserved_bytes 20480\n") &&
		      strstr(out, "\nbootmemd_boot_messages_info{via=\"file\"} 1\n"),
		      "the metrics carry it, and where the boot messages came from");
		free(out);
	}
	report_free(r);
	r = NULL;

	snprintf(text, sizeof(text), "   0: 0x%016" PRIx64 "..0x%016" PRIx64 "\n", ram_start, ram_start + (1u << 30) - 1);
	fr_write(tmp, "reserved", text, strlen(text));
	CHECK(report_load(root, &p, &r) == 0 && r->rec.unattributed_reserved.value == not_itemized,
	      "capped at not itemized: %" PRId64, r ? r->rec.unattributed_reserved.value : -1);
	report_free(r);
	r = NULL;

	fr_write(tmp, "reserved", "   0: 0x4000", 12);
	{
		const char *err = NULL;

		CHECK(report_load(root, &p, &r) == 0 && !r->rec.unattributed_reserved.known &&
		      report_source_present(r, BM_SRC_MEMBLOCK, &err) && err,
		      "a truncated file: unknown, and the source says why (%s)", err ? err : "");
	}
	report_free(r);
	fr_rmroot(tmp);
	free(tmp);
}

/*
 * Journal entries as text (one MESSAGE a line, as source-journal.c hands
 * them over) say what the same boot's dmesg.txt says: every captured boot's
 * messages, their prefixes cut, through kmsg_parse_messages().
 */

static void test_journal_text(const char *src)
{
	char dir[4096], path[8192];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/tests/data/vm", src);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		struct dmesg_facts *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
		char *text, *msgs, *o;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		text = de->d_name[0] == '.' ? NULL : slurp(path, "dmesg.txt");
		if (!text || !a || !b) {
			free(text);
			free(a);
			free(b);
			continue;
		}
		msgs = o = malloc(strlen(text) + 1);
		for (char *l = text, *nl; msgs && l && *l; l = nl ? nl + 1 : NULL) {
			char *s = l, *e;

			nl = strchr(l, '\n');
			e = nl ? nl : l + strlen(l);
			if (*s == ' ')
				continue;	/* a record's KEY=value continuation */
			if (*s == '<' && memchr(s, '>', (size_t)(e - s)))
				s = memchr(s, '>', (size_t)(e - s)) + 1;
			if (*s == '[' && memchr(s, ']', (size_t)(e - s))) {
				s = (char *)memchr(s, ']', (size_t)(e - s)) + 1;
				s += *s == ' ';
			}
			memcpy(o, s, (size_t)(e - s));
			o += e - s;
			*o++ = '\n';
		}
		if (msgs) {
			kmsg_parse(text, strlen(text), a);
			kmsg_parse_messages(msgs, (size_t)(o - msgs), b);
			CHECK(a->lines == b->lines && a->has_linux_version == b->has_linux_version &&
			      a->has_memory_line == b->has_memory_line && a->mem_reserved == b->mem_reserved &&
			      a->n_frees == b->n_frees && a->n_hashes == b->n_hashes && a->n_rmem == b->n_rmem &&
			      a->n_resv == b->n_resv && a->mb_lines == b->mb_lines && a->n_mb_callers == b->n_mb_callers &&
			      a->n_mb_ranges == b->n_mb_ranges && a->pcpu_units == b->pcpu_units &&
			      a->kfence_bytes == b->kfence_bytes && a->total_pages == b->total_pages &&
			      !strcmp(a->cmdline, b->cmdline),
			      "%s: journal text says what dmesg.txt says (%zu lines, %zu memblock)", de->d_name, b->lines,
			      b->mb_lines);
			n++;
		}
		free(msgs);
		free(text);
		free(a);
		free(b);
	}
	if (d)
		closedir(d);
	CHECK(n >= 10, "%d boots read as journal text", n);
}

static void test_version(void)
{
	char rel[64];

	CHECK(version_parse("Linux version 6.12.117 (gcc) #1 SMP\n", rel, sizeof(rel), NULL) == 0 &&
	      strcmp(rel, "6.12.117") == 0, "release");
	CHECK(version_parse("Hello", rel, sizeof(rel), NULL) < 0, "not a version line");
	CHECK(strcmp(version_guess_arch("Linux version 6.12 (aarch64-linux-gnu-gcc-12 ...)"), "aarch64") == 0, "arm64");
	CHECK(strcmp(version_guess_arch("Linux version 6.12 (arm-linux-gnueabihf-gcc-12 ...)"), "armv7l") == 0, "arm");
}

/* Independent scans of a snapshot, for expected values. */
static uint64_t scan_iomem_top(const char *text, const char *name)
{
	uint64_t sum = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long long a, b;
		char n[64];

		if (*l != ' ' && sscanf(l, "%llx-%llx : %63[^\n]", &a, &b, n) == 3 && !strcmp(n, name))
			sum += b - a + 1;
	}
	return sum;
}

static uint64_t scan_iomem_any(const char *text, const char *name)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long long a, b;
		char n[64];

		if (sscanf(l, " %llx-%llx : %63[^\n]", &a, &b, n) == 3 && !strcmp(n, name))
			return b - a + 1;
	}
	return 0;
}

static json_t *render_json(const struct bootmem_report *r)
{
	json_error_t err;
	char *out;
	size_t len;
	json_t *j;

	if (report_render(r, REPORT_JSON, &out, &len) < 0)
		return NULL;
	j = json_loadb(out, len, 0, &err);
	free(out);
	return j;
}

static bool json_has_string(json_t *a, const char *s)
{
	for (size_t i = 0; i < json_array_size(a); i++)
		if (json_is_string(json_array_get(a, i)) && !strcmp(json_string_value(json_array_get(a, i)), s))
			return true;
	return false;
}

/* What every stock report must say, wherever it comes from. */
static void common_stock(const char *what, struct bootmem_report *r)
{
	json_t *j = render_json(r), *rec;
	char *out;
	size_t len;

	CHECK(!report_has_kernel_log(r), "%s: no kernel log", what);
	CHECK(r->rec.ram.known && r->rec.memtotal.known, "%s: RAM and MemTotal known", what);
	CHECK(r->rec.ram.value >= r->rec.memtotal.value, "%s: RAM %" PRId64 " >= MemTotal %" PRId64, what,
	      r->rec.ram.value, r->rec.memtotal.value);
	CHECK(!r->rec.unexplained.known && !r->rec.held.known && !r->rec.consistent_known,
	      "%s: unexplained, held and consistency unknown", what);
	CHECK(j, "%s: JSON renders", what);
	rec = json_object_get(j, "reconciliation");
	CHECK(json_is_null(json_object_get(rec, "unexplained_bytes")), "%s: unexplained_bytes null", what);
	CHECK(json_is_null(json_object_get(rec, "memtotal_consistent")), "%s: memtotal_consistent null", what);
	CHECK(json_is_null(json_object_get(rec, "held_bytes")), "%s: held_bytes null", what);
	CHECK(json_is_integer(json_object_get(rec, "ram_bytes")), "%s: ram_bytes known", what);
	CHECK(json_has_string(json_object_get(j, "missing"), "unexplained_bytes") &&
	      json_has_string(json_object_get(j, "missing"), "held_bytes"), "%s: missing figures listed", what);
	CHECK(!strcmp(json_string_value(json_object_get(j, "mode")), "stock"), "%s: mode stock", what);
	json_decref(j);

	CHECK(report_render(r, REPORT_PROMETHEUS, &out, &len) == 0, "%s: metrics render", what);
	CHECK(!strstr(out, "bootmemd_unexplained_bytes "), "%s: unknown unexplained is not a sample", what);
	CHECK(strstr(out, "bootmemd_source_info{source=\"kernel_log\",available=\"0\"} 1\n"),
	      "%s: kernel_log unavailable", what);
	CHECK(strstr(out, "bootmemd_source_info{source=\"meminfo\",available=\"1\"} 1\n"),
	      "%s: meminfo available", what);
	CHECK(strstr(out, "mode=\"stock\""), "%s: boot info mode", what);
	free(out);
	CHECK(report_render(r, REPORT_TEXT, &out, &len) == 0 && strstr(out, "unknown"), "%s: text", what);
	free(out);
}

static void test_fake_stock(const char *src)
{
	char root[4096];
	struct bootmem_report *r = NULL;
	char *iomem, *dmesg, *meminfo;
	const struct bm_region *g;
	unsigned long long memtotal_kib = 0;
	int rc;

	snprintf(root, sizeof(root), "%s/tests/data/fake-stock", src);
	rc = report_load(root, NULL, &r);
	CHECK(rc == 0, "fake-stock loads: %d", rc);
	if (rc < 0)
		return;
	iomem = slurp(root, "proc/iomem");
	dmesg = slurp(root, "dmesg.txt");
	meminfo = slurp(root, "proc/meminfo");
	CHECK(iomem && dmesg && meminfo, "fake-stock files");
	if (!iomem || !dmesg || !meminfo)
		goto out;
	common_stock("fake-stock", r);
	sscanf(strstr(meminfo, "MemTotal:"), "MemTotal: %llu kB", &memtotal_kib);
	CHECK_EQ(r->rec.ram.value, scan_iomem_top(iomem, "System RAM"), "fake-stock RAM from iomem");
	CHECK(r->rec.ram.src == BM_SRC_IOMEM, "RAM source iomem");
	CHECK_EQ(r->rec.memtotal.value, memtotal_kib * 1024, "fake-stock MemTotal");
	CHECK_EQ(r->rec.gap.value, r->rec.ram.value - (int64_t)memtotal_kib * 1024, "gap");

	g = model_find_region(r, "kernel_text");
	CHECK(g && g->reserved.value == (int64_t)scan_iomem_any(iomem, "Kernel code") &&
	      g->reserved.src == BM_SRC_IOMEM, "kernel_text from iomem");
	g = model_find_region(r, "kernel_init");
	CHECK(g && g->freed.value == scan_dmesg_kib(dmesg, "Freeing unused kernel image (initmem) memory: ") &&
	      g->reserved.value == scan_dmesg_kib(dmesg, "K rodata, ") &&
	      g->held.known && g->held.value == 0 && g->fate == BM_FATE_FREED, "kernel_init freed from dmesg");
	g = model_find_region(r, "initrd");
	CHECK(g && g->fate == BM_FATE_FREED && g->freed.value == scan_dmesg_kib(dmesg, "Freeing initrd memory: ") &&
	      g->held.known && g->held.value == 0, "initrd freed from dmesg");
	/* boot_params: where the bootloader put the initrd, checked against the kernel's RAMDISK line */
	/* Firecracker leaves hdr.header ("HdrS") zero, so only the values are checked. */
	CHECK(r->in.has_boot_params, "boot_params parsed");
	{
		unsigned long long a = 0, b = 0;
		const char *p = strstr(dmesg, "RAMDISK: [mem ");

		CHECK(p && sscanf(p, "RAMDISK: [mem %llx-%llx]", &a, &b) == 2, "RAMDISK line");
		CHECK(r->in.boot_params.ramdisk_image == a, "ramdisk_image 0x%" PRIx64 " vs 0x%llx",
		      r->in.boot_params.ramdisk_image, a);
		/* the kernel prints the page-rounded end */
		CHECK((r->in.boot_params.ramdisk_image + r->in.boot_params.ramdisk_size + 4095) / 4096 * 4096 == b + 1,
		      "ramdisk_size %" PRIu64, r->in.boot_params.ramdisk_size);
		CHECK(g && g->reserved.value == (int64_t)r->in.boot_params.ramdisk_size &&
		      g->reserved.src == BM_SRC_BOOT_PARAMS, "initrd size from boot_params");
	}
	CHECK(r->in.memmap && r->in.memmap->n == 5, "memmap entries");
	CHECK(r->in.boot_params.n_e820 >= 1, "e820 table in boot_params");
	CHECK(!strcmp(r->in.arch, "x86_64"), "arch %s", r->in.arch);
out:
	free(iomem);
	free(dmesg);
	free(meminfo);
	report_free(r);
}

static void test_live_root(void)
{
	struct bootmem_report *r = NULL;
	int rc = report_load("/", NULL, &r);

	CHECK(rc == 0, "/ loads: %d", rc);
	if (rc < 0)
		return;
	if (report_has_kernel_log(r)) {
		printf("this machine runs a patched kernel: stock checks do not apply\n");
	} else {
		common_stock("/", r);
		CHECK(r->in.release[0], "live release known");
		CHECK(r->in.arch[0], "live arch known");
	}
	printf("/: %s\n", report_summary(r));
	report_free(r);
}

static void test_unusable_root(void)
{
	struct bootmem_report *r = NULL;

	CHECK(report_load("/nonexistent/bootmemd", NULL, &r) == -ENOENT, "missing root is -ENOENT");
	CHECK(report_load("/etc/hostname", NULL, &r) == -ENOTDIR, "file root is -ENOTDIR");
}

/* An empty root is a stock machine with nothing known: all figures unknown, nothing crashes. */
static void test_empty_root(void)
{
	char tmpl[] = "/tmp/bootmemd-empty.XXXXXX";
	struct bootmem_report *r = NULL;
	char *out;
	size_t len;

	if (!mkdtemp(tmpl))
		return;
	CHECK(report_load(tmpl, NULL, &r) == 0, "empty root loads");
	if (r) {
		CHECK(!r->rec.ram.known && !r->rec.memtotal.known, "nothing known");
		for (int f = REPORT_TEXT; f <= REPORT_OPENMETRICS; f++) {
			CHECK(report_render(r, (enum report_format)f, &out, &len) == 0, "render %d", f);
			free(out);
		}
		report_free(r);
	}
	rmdir(tmpl);
}

/* Captures of unpatched boots under tests/data/vm: stock mode, with FDT facts. */
static void test_vm_stock(const char *src)
{
	char dir[4096], path[8192];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/tests/data/vm", src);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		struct bootmem_report *r = NULL;
		char *dmesg;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/sys/kernel/bootmem_fate/log", dir, de->d_name);
		if (access(path, F_OK) == 0)
			continue;	/* patched: test-fixtures */
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (report_load(path, NULL, &r) < 0) {
			CHECK(0, "%s loads", de->d_name);
			continue;
		}
		common_stock(de->d_name, r);
		dmesg = slurp(path, "dmesg.txt");
		if (dmesg && strstr(dmesg, "Freeing initrd memory: ")) {
			const struct bm_region *g = model_find_region(r, "initrd");

			CHECK(g && g->freed.value == scan_dmesg_kib(dmesg, "Freeing initrd memory: "),
			      "%s: initrd freed from dmesg", de->d_name);
		}
		if (r->in.fdt)
			CHECK(model_find_region(r, "fdt") && model_find_region(r, "fdt")->reserved.value ==
			      (int64_t)r->in.fdt->totalsize, "%s: FDT size", de->d_name);
		free(dmesg);
		report_free(r);
		n++;
	}
	if (d)
		closedir(d);
	printf("%d stock VM captures checked\n", n);
}

int main(int argc, char **argv)
{
	test_meminfo();
	test_iomem();
	test_iomem_overlap();
	test_sanitised();
	test_ram_below_memtotal();
	test_dmesg();
	test_dmesg_efi_map();
	test_kconfig();
	test_dmesg_memblock();
	test_memblock_parse();
	test_version();
	test_unusable_root();
	test_empty_root();
	if (argc > 1) {
		test_fake_stock(argv[1]);
		test_vm_stock(argv[1]);
		test_memblock_unattributed(argv[1]);
		test_journal_text(argv[1]);
	}
	test_live_root();
	return tap_done("test-stock");
}
