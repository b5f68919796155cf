/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc-source.h"
#include "util.h"

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Parses an unsigned number in @base; false on no digits or overflow. */
static bool parse_u64(const char **sp, int base, uint64_t *v)
{
	const char *s = *sp;
	uint64_t x = 0;
	bool any = false;

	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (;; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (__builtin_mul_overflow(x, (uint64_t)base, &x) ||
		    __builtin_add_overflow(x, d, &x))
			return false;
		any = true;
	}
	if (!any)
		return false;
	*sp = s;
	*v = x;
	return true;
}

int proc_parse_meminfo(const char *text, struct meminfo *out)
{
	const char *line = text;

	memset(out, 0, sizeof(*out));
	while (line && *line) {
		const char *colon = strchr(line, ':'), *nl = strchr(line, '\n');
		const char *s;
		uint64_t v;

		if (colon && (!nl || colon < nl)) {
			size_t klen = (size_t)(colon - line);
			bool *has = NULL;
			uint64_t *dst = NULL;

			if (klen == 8 && memcmp(line, "MemTotal", 8) == 0)
				has = &out->has_memtotal, dst = &out->memtotal;
			else if (klen == 8 && memcmp(line, "CmaTotal", 8) == 0)
				has = &out->has_cma_total, dst = &out->cma_total;
			else if (klen == 7 && memcmp(line, "MemFree", 7) == 0)
				has = &out->has_memfree, dst = &out->memfree;
			s = skip_ws(colon + 1);
			if (dst && parse_u64(&s, 10, &v)) {
				s = skip_ws(s);
				if (strncmp(s, "kB", 2) == 0) {
					if (!__builtin_mul_overflow(v, 1024, dst))
						*has = true;
				} else {
					*dst = v;
					*has = true;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return out->has_memtotal ? 0 : -ENODATA;
}

int proc_parse_iomem(const char *text, struct iomem **ret)
{
	struct iomem *io;
	int stack[16];
	const char *line = text;
	bool nonzero = false;

	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	while (line && *line) {
		const char *nl = strchr(line, '\n'), *s = line, *end = nl ? nl : line + strlen(line);
		struct iomem_entry *e, *ne;
		uint64_t a, b;
		int depth;

		while (*s == ' ')
			s++;
		depth = (int)(s - line) / 2;
		if (depth >= 16 || !parse_u64(&s, 16, &a) || *s != '-')
			goto next;
		s++;
		if (!parse_u64(&s, 16, &b) || strncmp(s, " : ", 3) != 0 || b < a)
			goto next;
		s += 3;
		ne = realloc(io->e, (io->n + 1) * sizeof(*io->e));
		if (!ne) {
			iomem_free(io);
			return -ENOMEM;
		}
		io->e = ne;
		e = &io->e[io->n];
		e->start = a;
		e->end = b;
		if (depth > 0 && (io->n == 0 || io->e[io->n - 1].depth < depth - 1))
			goto next;	/* indentation jumps: ignore the line */
		e->depth = depth;
		e->parent = depth > 0 ? stack[depth - 1] : -1;
		e->name = strndup(s, (size_t)(end - s));
		if (!e->name) {
			iomem_free(io);
			return -ENOMEM;
		}
		stack[depth] = (int)io->n;
		io->n++;
		if (a || b)
			nonzero = true;
next:
		line = nl ? nl + 1 : NULL;
	}
	io->zeroed = io->n > 0 && !nonzero;
	*ret = io;
	return 0;
}

void iomem_free(struct iomem *io)
{
	if (!io)
		return;
	for (size_t i = 0; i < io->n; i++)
		free(io->e[i].name);
	free(io->e);
	free(io);
}

uint64_t iomem_sum_top(const struct iomem *io, const char *name)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < io->n; i++)
		if (io->e[i].depth == 0 && strcmp(io->e[i].name, name) == 0)
			sum += io->e[i].end - io->e[i].start + 1;
	return sum;
}

const struct iomem_entry *iomem_find(const struct iomem *io, const char *name)
{
	for (size_t i = 0; i < io->n; i++)
		if (strcmp(io->e[i].name, name) == 0)
			return &io->e[i];
	return NULL;
}


int proc_parse_boot_params(const void *buf, size_t len, struct boot_params_info *out)
{
	const unsigned char *p = buf;
	unsigned n;

	memset(out, 0, sizeof(*out));
	if (len < BOOT_PARAMS_SIZE)
		return -EINVAL;
	out->has_header = memcmp(p + BP_HDR_HEADER, "HdrS", 4) == 0;
	out->ramdisk_image = util_ld32(p + BP_RAMDISK_IMAGE) | (uint64_t)util_ld32(p + BP_EXT_RAMDISK_IMAGE) << 32;
	out->ramdisk_size = util_ld32(p + BP_RAMDISK_SIZE) | (uint64_t)util_ld32(p + BP_EXT_RAMDISK_SIZE) << 32;
	n = p[BP_E820_ENTRIES];
	if (n > BP_E820_MAX)
		n = BP_E820_MAX;
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *e = p + BP_E820_TABLE + i * 20;

		out->e820[i].addr = util_ld64(e);
		out->e820[i].size = util_ld64(e + 8);
		out->e820[i].type = util_ld32(e + 16);
	}
	out->n_e820 = n;
	return 0;
}

static int read_hex_file(int dirfd, const char *path, uint64_t *v)
{
	char *buf;
	const char *s;
	size_t len;
	int r;

	r = util_read_file_at(dirfd, path, 256, &buf, &len);
	if (r < 0)
		return r;
	s = skip_ws(buf);
	r = parse_u64(&s, 16, v) ? 0 : -EINVAL;
	free(buf);
	return r;
}

static int cmp_memmap(const void *a, const void *b)
{
	const struct memmap_entry *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int proc_read_memmap(int dirfd, struct memmap **ret)
{
	struct memmap *m;
	struct dirent *de;
	DIR *d;
	int fd;

	fd = dup(dirfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		struct memmap_entry e = { 0 }, *ne;
		char path[300], *type;
		size_t len;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/start", de->d_name);
		if (read_hex_file(dirfd, path, &e.start) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/end", de->d_name);
		if (read_hex_file(dirfd, path, &e.end) < 0 || e.end < e.start)
			continue;
		snprintf(path, sizeof(path), "%s/type", de->d_name);
		if (util_read_file_at(dirfd, path, 256, &type, &len) < 0)
			continue;
		type[strcspn(type, "\n")] = '\0';
		snprintf(e.type, sizeof(e.type), "%s", type);
		free(type);
		ne = realloc(m->e, (m->n + 1) * sizeof(*m->e));
		if (!ne) {
			closedir(d);
			memmap_free(m);
			return -ENOMEM;
		}
		m->e = ne;
		m->e[m->n++] = e;
	}
	closedir(d);
	if (m->n == 0) {
		memmap_free(m);
		return -ENOENT;
	}
	qsort(m->e, m->n, sizeof(*m->e), cmp_memmap);
	*ret = m;
	return 0;
}

void memmap_free(struct memmap *m)
{
	if (!m)
		return;
	free(m->e);
	free(m);
}

uint64_t memmap_sum(const struct memmap *m, const char *type)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].type, type) == 0)
			sum += m->e[i].end - m->e[i].start + 1;
	return sum;
}

/* "<num>K" → bytes; advances *sp. */
static bool parse_kib(const char **sp, uint64_t *bytes)
{
	uint64_t v;

	if (!parse_u64(sp, 10, &v) || **sp != 'K' || __builtin_mul_overflow(v, 1024, bytes))
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
	if (!parse_u64(&s, 16, &r.base) || !expect(&s, "..") || !parse_u64(&s, 16, &r.end) ||
	    !expect(&s, " (") || !parse_u64(&s, 10, &r.kib) || !expect(&s, " KiB) "))
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

void proc_parse_dmesg_line(const char *line, size_t len, struct dmesg_facts *f)
{
	const char *s = line, *end = line + len;
	char msg[600];
	size_t n;

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
	n = (size_t)(end - s);
	if (n >= sizeof(msg))
		n = sizeof(msg) - 1;
	memcpy(msg, s, n);
	msg[n] = '\0';
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	f->lines++;

	if (strncmp(msg, "Memory: ", 8) == 0)
		parse_memory_line(msg + 8, f);
	else if (strncmp(msg, "Freeing ", 8) == 0)
		parse_freeing(msg + 8, n - 8, f);
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

		if (parse_u64(&p, 16, &a) && expect(&p, "-") && parse_u64(&p, 16, &b)) {
			f->has_ramdisk = true;
			f->ramdisk_start = a;
			f->ramdisk_end = b;
		}
	} else if (strncmp(msg, "Kernel command line: ", 21) == 0)
		snprintf(f->cmdline, sizeof(f->cmdline), "%.*s", (int)sizeof(f->cmdline) - 1, msg + 21);
}

void proc_parse_dmesg(const char *text, size_t len, struct dmesg_facts *f)
{
	const char *s = text, *end = text + len;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		/* kmsg continuation lines (" KEY=value") carry no message text */
		if (n && *s != ' ')
			proc_parse_dmesg_line(s, n, f);
		s += n + 1;
	}
}

int proc_read_kmsg(const char *path, struct dmesg_facts *f)
{
	char buf[8192];
	int fd;

	fd = open(path ? path : "/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		if (n < 0) {
			if (errno == EINTR || errno == EPIPE)	/* EPIPE: records overwritten */
				continue;
			if (errno == EAGAIN)
				break;
			close(fd);
			return -errno;
		}
		if (n == 0)
			break;
		buf[n] = '\0';
		proc_parse_dmesg(buf, (size_t)n, f);
	}
	close(fd);
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

int proc_parse_version(const char *text, char *release, size_t n)
{
	const char *s;
	size_t len;

	if (strncmp(text, "Linux version ", 14) != 0)
		return -EINVAL;
	s = text + 14;
	len = strcspn(s, " \n");
	if (len == 0 || len >= n)
		return -EINVAL;
	memcpy(release, s, len);
	release[len] = '\0';
	return 0;
}

const char *proc_guess_arch(const char *v)
{
	if (!v)
		return NULL;
	if (strstr(v, "aarch64") || strstr(v, "arm64"))
		return "aarch64";
	if (strstr(v, "arm-linux") || strstr(v, "armv7") || strstr(v, "gnueabi"))
		return "armv7l";
	if (strstr(v, "x86_64") || strstr(v, "x86-64") || strstr(v, "amd64"))
		return "x86_64";
	return NULL;
}
