/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sources.h"
#include "util.h"

/* "<num>K" → bytes; advances *sp. */
static bool parse_kib(const char **sp, uint64_t *bytes)
{
	uint64_t v;

	if (!util_parse_u64(sp, 10, &v) || **sp != 'K' || __builtin_mul_overflow(v, 1024, bytes))
		return false;
	(*sp)++;
	return true;
}

static bool expect(const char **sp, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*sp, lit, n) != 0)
		return false;
	*sp += n;
	return true;
}

static void parse_memory_line(const char *s, struct dmesg_facts *f)
{
	static const char *const labels[] = {
		" kernel code, ", " rwdata, ", " rodata, ", " init, ", " bss, ", " reserved, ",
		" cma-reserved",
	};
	uint64_t *dst[] = { &f->mem_code, &f->mem_rwdata, &f->mem_rodata, &f->mem_init,
			    &f->mem_bss, &f->mem_reserved, &f->mem_cma_reserved };
	uint64_t v[7], avail, phys;

	if (!parse_kib(&s, &avail) || !expect(&s, "/") || !parse_kib(&s, &phys) ||
	    !expect(&s, " available ("))
		return;
	for (unsigned i = 0; i < 7; i++)
		if (!parse_kib(&s, &v[i]) || !expect(&s, labels[i]))
			return;
	f->mem_available = avail;
	f->mem_physpages = phys;
	for (unsigned i = 0; i < 7; i++)
		*dst[i] = v[i];
	if (expect(&s, ", ") && parse_kib(&s, &f->mem_highmem) && expect(&s, " highmem"))
		f->has_highmem = true;
	f->has_memory_line = true;
}

static void parse_freeing(const char *s, size_t len, struct dmesg_facts *f)
{
	const char *end = s + len, *m;
	uint64_t bytes;
	size_t llen;

	/* "Freeing <label> memory: <N>K"; the label may itself contain "memory". */
	for (m = end - 1; m > s; m--)
		if (strncmp(m, " memory: ", 9) == 0)
			break;
	if (m <= s)
		return;
	llen = (size_t)(m - s);
	m += 9;
	if (!parse_kib(&m, &bytes) || f->n_frees >= sizeof(f->frees) / sizeof(f->frees[0]))
		return;
	snprintf(f->frees[f->n_frees].label, sizeof(f->frees[0].label), "%.*s", (int)llen, s);
	f->frees[f->n_frees].bytes = bytes;
	f->n_frees++;
}

static void parse_rmem_line(const char *s, struct dmesg_facts *f)
{
	struct dmesg_rmem r = { 0 };
	const char *w;

	if (f->n_rmem >= sizeof(f->rmem) / sizeof(f->rmem[0]))
		return;
	if (!util_parse_u64(&s, 16, &r.base) || !expect(&s, "..") || !util_parse_u64(&s, 16, &r.end) ||
	    !expect(&s, " (") || !util_parse_u64(&s, 10, &r.kib) || !expect(&s, " KiB) "))
		return;
	if (expect(&s, "nomap "))
		r.nomap = true;
	else if (!expect(&s, "map "))
		return;
	if (expect(&s, "reusable "))
		r.reusable = true;
	else if (!expect(&s, "non-reusable "))
		return;
	w = s;
	snprintf(r.name, sizeof(r.name), "%.*s", (int)strcspn(w, "\n"), w);
	f->rmem[f->n_rmem++] = r;
}

static void add_resv(struct dmesg_facts *f, const char *name, uint64_t base, uint64_t size)
{
	if (f->n_resv >= sizeof(f->resv) / sizeof(f->resv[0]) || !size || base + size < base)
		return;
	snprintf(f->resv[f->n_resv].name, sizeof(f->resv[0].name), "%s", name);
	f->resv[f->n_resv].base = base;
	f->resv[f->n_resv].size = size;
	f->n_resv++;
}

/* "<name> hash table entries: N (order: O, B bytes, linear|vmalloc)" */
static void parse_hash_line(const char *msg, const char *tail, struct dmesg_facts *f)
{
	struct dmesg_hash h = { 0 };
	const char *s = tail + strlen(" hash table entries: ");
	uint64_t order;

	if (f->n_hashes >= sizeof(f->hashes) / sizeof(f->hashes[0]) || tail == msg ||
	    !util_parse_u64(&s, 10, &h.entries) || !expect(&s, " (order: ") || !util_parse_u64(&s, 10, &order) ||
	    order > 64 || !expect(&s, ", ") || !util_parse_u64(&s, 10, &h.bytes) || !expect(&s, " bytes, "))
		return;
	if (expect(&s, "vmalloc"))
		h.vmalloc = true;
	else if (!expect(&s, "linear"))
		return;
	h.order = (unsigned)order;
	h.after_memory = f->has_memory_line;
	snprintf(h.name, sizeof(h.name), "%.*s", (int)(tail - msg), msg);
	f->hashes[f->n_hashes++] = h;
}

/*
 * efi=debug prints the memory map at efi_init() and again once the kernel
 * rebuilt it: "mem%02u: [%-12s|%3s|...] range=[0x%016llx-0x%016llx] (%lluMB)",
 * the second column "RUN" for EFI_MEMORY_RUNTIME.  Only boot services
 * entries are kept, from the first print; a later print tells which of
 * them efi_reserve_boot_services() found already reserved (it marks them
 * RUN, and so they are not its to keep or free).
 */
static void parse_efi_md(const char *s, struct dmesg_facts *f)
{
	const char *p = s, *bar;
	uint64_t idx, a, b;
	bool runtime;

	if (!util_parse_u64(&p, 10, &idx) || !expect(&p, ": ["))
		return;
	if (idx == 0)
		f->efi_map_prints++;
	if (strncmp(p, "Boot Code ", 10) != 0 && strncmp(p, "Boot Data ", 10) != 0)
		return;
	bar = strchr(p, '|');
	if (!bar)
		return;
	runtime = strncmp(bar + 1, "RUN|", 4) == 0;
	p = strstr(bar, "] range=[0x");
	if (!p)
		return;
	p += 11;
	if (!util_parse_u64(&p, 16, &a) || !expect(&p, "-0x") || !util_parse_u64(&p, 16, &b) || b < a ||
	    !expect(&p, "]"))
		return;
	if (f->efi_map_prints > 1) {
		for (size_t i = 0; i < f->n_efi_boot; i++)
			if (f->efi_boot[i].base == a && f->efi_boot[i].size == b - a + 1 && runtime)
				f->efi_boot[i].not_freeable = true;
		return;
	}
	if (f->n_efi_boot >= sizeof(f->efi_boot) / sizeof(f->efi_boot[0]) || b == UINT64_MAX) {
		f->efi_boot_dropped++;
		return;
	}
	f->efi_boot[f->n_efi_boot++] = (struct dmesg_efi_boot){ .base = a, .size = b - a + 1,
								 .not_freeable = runtime };
}

/* "[mem 0xA-0xB]": B exclusive for swiotlb, as it prints start and end. */
static void parse_swiotlb(const char *s, struct dmesg_facts *f)
{
	uint64_t a, b;

	if (util_parse_u64(&s, 16, &a) && expect(&s, "-") && util_parse_u64(&s, 16, &b) && b > a)
		add_resv(f, "swiotlb", a, b - a);
}

/* kernel/crash_reserve.c: "crashkernel reserved: 0xA - 0xB (N MB)", B exclusive. */
static void parse_crashkernel(const char *s, const char *name, struct dmesg_facts *f)
{
	uint64_t a, b;

	if (util_parse_u64(&s, 16, &a) && expect(&s, " - ") && util_parse_u64(&s, 16, &b) && b > a)
		add_resv(f, name, a, b - a);
}

/* mm/cma.c: "cma: Reserved N MiB at 0xA on node M" (the size in whole MiB, as printed). */
static void parse_cma(const char *s, struct dmesg_facts *f)
{
	uint64_t mib, a;

	if (util_parse_u64(&s, 10, &mib) && mib < (1ull << 40) && expect(&s, " MiB at ") &&
	    util_parse_u64(&s, 16, &a))
		add_resv(f, "cma", a, mib << 20);
}

/* "pcpu-alloc: s36128 r0 d29408 u65536 alloc=16*4096" or "pcpu-alloc: [0] 0 1 2 3 " */
static void parse_pcpu_alloc(const char *s, struct dmesg_facts *f)
{
	uint64_t v;

	if (*s == '[') {
		const char *rb = strchr(s, ']');

		for (s = rb ? rb + 1 : s + strlen(s); *s; ) {
			while (*s == ' ')
				s++;
			if (isdigit((unsigned char)*s) && util_parse_u64(&s, 10, &v))
				f->pcpu_units++;
			else if (*s)
				s++;	/* "-": an empty unit */
		}
		return;
	}
	for (const char *u = strstr(s, " u"); u; u = strstr(u + 1, " u")) {
		const char *p = u + 2;

		if (util_parse_u64(&p, 10, &v) && *p == ' ') {
			f->pcpu_unit_size = v;
			return;
		}
	}
}

static void parse_nr_cpu_ids(const char *msg, struct dmesg_facts *f)
{
	const char *p = strstr(msg, "nr_cpu_ids");
	uint64_t v;

	if (!p || f->nr_cpu_ids)
		return;
	p += 10;
	if ((*p == ':' || *p == '=') && (p++, util_parse_u64(&p, 10, &v)) && v && v < 65536)
		f->nr_cpu_ids = (unsigned)v;
}

/* The caller's slot, by its symbol ("setup_arch+0x741/0xa8b" → "setup_arch"), or -1 when full. */
static int mb_caller(const char *sym, struct dmesg_facts *f)
{
	size_t n = strcspn(sym, "+ ");

	if (!n)
		return -1;
	if (n >= sizeof(f->mb_callers[0].name))
		n = sizeof(f->mb_callers[0].name) - 1;
	for (size_t i = 0; i < f->n_mb_callers; i++)
		if (!strncmp(f->mb_callers[i].name, sym, n) && !f->mb_callers[i].name[n])
			return (int)i;
	if (f->n_mb_callers >= sizeof(f->mb_callers) / sizeof(f->mb_callers[0]))
		return -1;
	memset(&f->mb_callers[f->n_mb_callers], 0, sizeof(f->mb_callers[0]));
	snprintf(f->mb_callers[f->n_mb_callers].name, sizeof(f->mb_callers[0].name), "%.*s", (int)n, sym);
	return (int)f->n_mb_callers++;
}

/*
 * mm/memblock.c with memblock=debug:
 *   "memblock_reserve: [0xA-0xB] caller+0x../0x.."           (B inclusive)
 *   "memblock_phys_free: [0xA-0xB] caller", memblock_free_late the same
 *   "memblock_alloc_try_nid: N bytes align=0x.. nid=N from=0x.. max_addr=0x.. caller"
 *   (and memblock_alloc_exact_nid_raw, _try_nid_raw, memblock_phys_alloc_range, _try_nid)
 * memblock_add, memblock_remove and the like say nothing about who holds what.
 * Linux 6.1 follows an allocation line with the reservation it makes, by
 * memblock's own function ("memblock_reserve: [A-B] memblock_alloc_range_nid+.."):
 * that range is the allocation's, counted once, under the caller that asked.
 */
static void parse_memblock(const char *msg, struct dmesg_facts *f)
{
	const char *colon = strstr(msg, ": "), *s, *sym;
	size_t fn, pending;
	uint64_t a, b, pending_bytes;
	int c;

	if (!colon)
		return;
	fn = (size_t)(colon - msg);
	s = colon + 2;
	sym = strrchr(s, ' ');
	sym = sym ? sym + 1 : s;
	f->mb_lines++;
	pending = f->mb_pending_caller;
	pending_bytes = f->mb_pending_bytes;
	f->mb_pending_caller = 0;
	if (!strncmp(msg, "memblock_alloc", 14) || !strncmp(msg, "memblock_phys_alloc", 19)) {
		if (!util_parse_u64(&s, 10, &a) || !expect(&s, " bytes ") || sym <= s)
			return;
		c = mb_caller(sym, f);
		if (c < 0 || __builtin_add_overflow(f->mb_callers[c].alloc, a, &b)) {
			f->mb_dropped++;
			return;
		}
		f->mb_callers[c].alloc = b;
		f->mb_callers[c].lines++;
		f->mb_pending_caller = (size_t)c + 1;
		f->mb_pending_bytes = a;
		return;
	}
	{
		enum dmesg_mb_op op;
		bool own;

		if (!strncmp(msg, "memblock_reserve", 16))
			op = DMESG_MB_RESERVE;
		else if (fn == 18 && !strncmp(msg, "memblock_free_late", 18))
			op = DMESG_MB_FREE_LATE;
		else if ((fn == 18 && !strncmp(msg, "memblock_phys_free", 18)) ||
			 (fn == 13 && !strncmp(msg, "memblock_free", 13)))
			op = DMESG_MB_FREE;
		else
			return;
		if (!expect(&s, "[") || !util_parse_u64(&s, 16, &a) || !expect(&s, "-") ||
		    !util_parse_u64(&s, 16, &b) || !expect(&s, "] ") || b < a || b - a == UINT64_MAX)
			return;
		own = op == DMESG_MB_RESERVE && !strncmp(sym, "memblock_alloc", 14);
		if (own && (!pending || pending > f->n_mb_callers || f->mb_callers[pending - 1].alloc < pending_bytes))
			return;	/* no allocation line before it to be the range of */
		c = own ? (int)pending - 1 : mb_caller(sym, f);
		if (c < 0 || f->n_mb_ranges >= sizeof(f->mb_ranges) / sizeof(f->mb_ranges[0])) {
			f->mb_dropped++;
			return;
		}
		/* The allocation's own range: its bytes move from its line to the range. */
		if (own)
			f->mb_callers[c].alloc -= pending_bytes;
		f->mb_ranges[f->n_mb_ranges++] = (struct dmesg_mb_range){
			.base = a, .size = b - a + 1, .caller = (uint16_t)c, .op = (uint8_t)op,
		};
		if (op == DMESG_MB_RESERVE && __builtin_add_overflow(f->mb_callers[c].reserve, b - a + 1,
								      &f->mb_callers[c].reserve))
			f->mb_callers[c].reserve = UINT64_MAX;
		f->mb_callers[c].lines++;
	}
}

void kmsg_parse_line(const char *line, size_t len, struct dmesg_facts *f)
{
	const char *s = line, *end = line + len;

	/* /dev/kmsg: "prio,seq,ts,flags;msg" */
	if (len && isdigit((unsigned char)*s)) {
		const char *semi = memchr(s, ';', len);
		const char *comma = memchr(s, ',', len);

		if (semi && comma && comma < semi)
			s = semi + 1;
	}
	if (s < end && *s == '<') {
		const char *gt = memchr(s, '>', (size_t)(end - s));

		if (gt)
			s = gt + 1;
	}
	if (s < end && *s == '[') {
		const char *rb = memchr(s, ']', (size_t)(end - s));

		if (rb)
			s = rb + 1;
		if (s < end && *s == ' ')
			s++;
	}
	kmsg_parse_msg(s, (size_t)(end - s), f);
}

void kmsg_parse_msg(const char *s, size_t len, struct dmesg_facts *f)
{
	const char *tail;
	char msg[600];
	size_t n = len;

	if (n >= sizeof(msg))
		n = sizeof(msg) - 1;
	memcpy(msg, s, n);
	msg[n] = '\0';
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	/* Every fact below is a copy of the message's text: sanitised once, here. */
	util_sanitize_text(msg);
	n = strlen(msg);
	f->lines++;
	parse_nr_cpu_ids(msg, f);

	if (strncmp(msg, "memblock_", 9) == 0)
		parse_memblock(msg, f);
	else if (strncmp(msg, "Memory: ", 8) == 0)
		parse_memory_line(msg + 8, f);
	else if (strncmp(msg, "Freeing ", 8) == 0)
		parse_freeing(msg + 8, n - 8, f);
	else if (strncmp(msg, "efi: Freeing ", 13) == 0)	/* x86's boot services, at arch_initcall */
		parse_freeing(msg + 13, n - 13, f);
	else if (strncmp(msg, "OF: reserved mem: ", 18) == 0)
		parse_rmem_line(msg + 18, f);
	else if (strncmp(msg, "INITRD: ", 8) == 0) {
		const char *why = strstr(msg, " is not a memory region") ? "not a memory region" :
				  strstr(msg, " overlaps in-use memory region") ?
				  "overlaps in-use memory region" : NULL;

		if (why) {
			f->initrd_rejected = true;
			snprintf(f->initrd_reject_reason, sizeof(f->initrd_reject_reason), "%s", why);
		}
	} else if (strncmp(msg, "RAMDISK: [mem ", 14) == 0) {
		const char *p = msg + 14;
		uint64_t a, b;

		if (util_parse_u64(&p, 16, &a) && expect(&p, "-") && util_parse_u64(&p, 16, &b)) {
			f->has_ramdisk = true;
			f->ramdisk_start = a;
			f->ramdisk_end = b;
		}
	} else if (strncmp(msg, "Linux version ", 14) == 0)
		f->has_linux_version = true;
	else if ((tail = strstr(msg, " hash table entries: ")))
		parse_hash_line(msg, tail, f);
	else if (strncmp(msg, "percpu: Embedded ", 17) == 0) {
		const char *p = msg + 17;
		uint64_t v;

		if (util_parse_u64(&p, 10, &v) && expect(&p, " pages/cpu"))
			f->pcpu_embedded_pages = v;
	} else if (strncmp(msg, "pcpu-alloc: ", 12) == 0)
		parse_pcpu_alloc(msg + 12, f);
	else if (strncmp(msg, "software IO TLB: mapped [mem ", 29) == 0)
		parse_swiotlb(msg + 29, f);
	else if (strncmp(msg, "crashkernel reserved: ", 22) == 0)
		parse_crashkernel(msg + 22, "crashkernel", f);
	else if (strncmp(msg, "crashkernel low memory reserved: ", 33) == 0)
		parse_crashkernel(msg + 33, "crashkernel_low", f);
	else if (strncmp(msg, "kfence: initialized - using ", 28) == 0) {
		const char *p = msg + 28;
		uint64_t b, o;

		if (util_parse_u64(&p, 10, &b) && expect(&p, " bytes for ") && util_parse_u64(&p, 10, &o) &&
		    o < (1u << 24)) {
			f->kfence_bytes = b;
			f->kfence_objects = o;
		}
	} else if (strncmp(msg, "cma: Reserved ", 14) == 0)
		parse_cma(msg + 14, f);
	else if (strncmp(msg, "Built ", 6) == 0 && (tail = strstr(msg, "Total pages: "))) {
		const char *p = tail + 13;
		uint64_t v;

		if (util_parse_u64(&p, 10, &v))
			f->total_pages = v;
	} else if (strncmp(msg, "efi: mem", 8) == 0)
		parse_efi_md(msg + 8, f);
	else if (strncmp(msg, "Kernel command line: ", 21) == 0)
		snprintf(f->cmdline, sizeof(f->cmdline), "%.*s", (int)sizeof(f->cmdline) - 1, msg + 21);
}

void kmsg_parse(const char *text, size_t len, struct dmesg_facts *f)
{
	const char *s = text, *end = text + len;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		/* kmsg continuation lines (" KEY=value") carry no message text */
		if (n && *s != ' ')
			kmsg_parse_line(s, n, f);
		s += n + 1;
	}
}

void kmsg_parse_messages(const char *text, size_t len, struct dmesg_facts *f)
{
	const char *s = text, *end = text + len;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		if (n)
			kmsg_parse_msg(s, n, f);
		s += n + 1;
	}
}

int kmsg_read_fd(int fd, size_t max, struct dmesg_facts *f)
{
	char buf[8192];
	size_t total = 0;

	/* The ring buffer is bounded, but a kernel that keeps printing is not. */
	while (total < max) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		if (n < 0) {
			if (errno == EINTR || errno == EPIPE)	/* EPIPE: records overwritten */
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		if (n == 0)
			break;
		buf[n] = '\0';
		kmsg_parse(buf, (size_t)n, f);
		total += (size_t)n;
	}
	return 0;
}

int64_t dmesg_freed(const struct dmesg_facts *f, const char *label)
{
	int64_t sum = -1;

	for (size_t i = 0; i < f->n_frees; i++)
		if (strcmp(f->frees[i].label, label) == 0)
			sum = (sum < 0 ? 0 : sum) + (int64_t)f->frees[i].bytes;
	return sum;
}

int kmsg_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d)
{
	kmsg_parse(buf, len, &in->dmesg);
	in->has_dmesg = true;
	return 0;
}

/* /dev/kmsg is character device 1:11 (Documentation/admin-guide/devices.txt). */
int kmsg_read(int fd, const struct stat *st, size_t max, struct bm_inputs *in, struct source_diag *d)
{
	int r;

	if (!S_ISCHR(st->st_mode) || major(st->st_rdev) != 1 || minor(st->st_rdev) != 11)
		return source_fail(d, S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL,
				   "%s, neither a regular file nor /dev/kmsg", util_file_kind(st->st_mode));
	r = kmsg_read_fd(fd, max, &in->dmesg);
	if (r < 0)
		return source_fail(d, r, "/dev/kmsg: %s", strerror(-r));
	in->has_dmesg = true;
	in->dmesg_via = "/dev/kmsg";
	/* The ring buffer wrapped since boot: the journal may still hold the start. */
	if (!in->dmesg.has_linux_version) {
		struct dmesg_facts *j = calloc(1, sizeof(*j));

		if (!j)
			return -ENOMEM;
		if (journal_read_boot(max, j) == 0 && j->has_linux_version) {
			in->dmesg = *j;
			in->dmesg_via = "journal";
		}
		free(j);
	}
	return 0;
}
