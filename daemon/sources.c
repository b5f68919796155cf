/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sources.h"
#include "util.h"

/* Text files from /proc: a few KiB; 16 MiB is absurd already. */
#define TEXT_MAX (16u << 20)

static const struct source_desc sources[_BM_SRC_MAX] = {
	[BM_SRC_LOG] = {
		.name = "kernel_log", .option = "log", .key = "KernelLog",
		.path = "sys/kernel/bootmem_fate/log", .max = UTIL_MAX_FILE,
		.head = BMF_LOG_HEAD, .check_head = bmf_log_check_head,
		.parse = bmf_log_load, .unload = bmf_log_unload,
	},
	[BM_SRC_RUNTIME] = {
		/* Small: one read gives a consistent snapshot.  Absent is fine. */
		.name = "kernel_runtime", .option = "runtime", .key = "KernelRuntime",
		.path = "sys/kernel/bootmem_fate/runtime", .max = 1u << 20,
		.head = BMF_RUNTIME_HEAD, .check_head = bmf_runtime_check_head,
		.parse = bmf_runtime_load, .unload = bmf_runtime_unload,
	},
	[BM_SRC_FDT] = {
		.name = "fdt", .option = "fdt", .key = "DeviceTree",
		.path = "sys/firmware/fdt", .max = UTIL_MAX_FILE,
		.head = DT_HEAD, .check_head = dt_check_head,
		.parse = dt_load, .unload = dt_unload,
	},
	[BM_SRC_MEMINFO] = {
		.name = "meminfo", .option = "meminfo", .key = "MemInfo",
		.path = "proc/meminfo", .max = TEXT_MAX,
		.parse = meminfo_load,
	},
	[BM_SRC_IOMEM] = {
		.name = "iomem", .option = "iomem", .key = "IOMem",
		.path = "proc/iomem", .max = TEXT_MAX,
		.parse = iomem_load, .unload = iomem_unload,
	},
	[BM_SRC_CMDLINE] = {
		.name = "cmdline", .option = "cmdline", .key = "CommandLine",
		.path = "proc/cmdline", .max = TEXT_MAX,
		.parse = cmdline_load, .unload = cmdline_unload,
	},
	[BM_SRC_VERSION] = {
		.name = "version",
		.path = "proc/version", .max = TEXT_MAX,
		.parse = version_load, .unload = version_unload,
	},
	[BM_SRC_BOOT_PARAMS] = {
		.name = "boot_params", .option = "boot-params", .key = "BootParams",
		.path = "sys/kernel/boot_params/data", .max = 1u << 16,
		.parse = boot_params_load,
	},
	[BM_SRC_MEMMAP] = {
		.name = "memmap", .option = "memmap", .key = "MemoryMap",
		.path = "sys/firmware/memmap", .help = "(a directory)", .max = 0,
		.read = memmap_load, .unload = memmap_unload,
	},
	[BM_SRC_DMESG] = {
		.name = "dmesg", .option = "dmesg", .key = "BootMessages",
		.path = "dmesg.txt", .live_path = "/dev/kmsg", .help = "(/dev/kmsg when the root is /)",
		.max = UTIL_MAX_FILE,
		.parse = kmsg_load, .read = kmsg_read,
	},
	[BM_SRC_BOOT_ID] = {
		.name = "boot_id", .option = "boot-id", .key = "BootId",
		.path = "proc/sys/kernel/random/boot_id", .max = 4096,
		.parse = boot_id_load,
	},
	[BM_SRC_STAT] = {
		.name = "stat", .option = "stat", .key = "Stat",
		.path = "proc/stat", .max = TEXT_MAX,
		.parse = stat_load,
	},
	[BM_SRC_DMI] = {
		.name = "dmi", .option = "dmi", .key = "DMI",
		.path = "sys/class/dmi/id", .help = "(a directory)", .max = 0,
		.read = dmi_load,
	},
	[BM_SRC_MEMBLOCK] = {
		/* debugfs, root only; on arches that keep memblock after boot (not x86). */
		.name = "memblock", .option = "memblock", .key = "MemblockReserved",
		.path = "sys/kernel/debug/memblock/reserved", .max = TEXT_MAX,
		.parse = memblock_load, .unload = memblock_unload,
	},
	[BM_SRC_KCONFIG] = {
		/* The path names the release, from proc/version (read before it). */
		.name = "kconfig", .option = "kconfig", .key = "KernelConfig",
		.path = "boot/config-RELEASE", .help = "(gzip too)", .max = TEXT_MAX,
		.default_path = kconfig_default_path, .parse = kconfig_load,
	},
	[BM_SRC_MEMBLOCK_MEMORY] = {
		.name = "memblock_memory", .option = "memblock-memory", .key = "MemblockMemory",
		.path = "sys/kernel/debug/memblock/memory", .max = TEXT_MAX,
		.parse = memblock_memory_load, .unload = memblock_memory_unload,
	},
	[BM_SRC_DERIVED] = {
		.name = "derived",
	},
};

const char *bm_src_name(enum bm_src s)
{
	return (unsigned)s < _BM_SRC_MAX ? sources[s].name : "unknown";
}

const struct source_desc *source_get(enum bm_src id)
{
	return (unsigned)id < _BM_SRC_MAX ? &sources[id] : NULL;
}

enum bm_src source_id(const struct source_desc *d)
{
	return (enum bm_src)(d - sources);
}

const struct source_desc *source_by_option(const char *name)
{
	for (size_t i = 0; i < _BM_SRC_MAX; i++)
		if (sources[i].option && strcmp(sources[i].option, name) == 0)
			return &sources[i];
	return NULL;
}

const struct source_desc *source_by_key(const char *key)
{
	for (size_t i = 0; i < _BM_SRC_MAX; i++)
		if (sources[i].key && strcmp(sources[i].key, key) == 0)
			return &sources[i];
	return NULL;
}

void source_diag_init(struct source_diag *d)
{
	if (d) {
		d->code = 0;
		d->where = SIZE_MAX;
		d->message[0] = '\0';
	}
}

int source_fail(struct source_diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (d) {
		va_start(ap, fmt);
		vsnprintf(d->message, sizeof(d->message), fmt, ap);
		va_end(ap);
	}
	return err;
}

/* Copies the parser's message, or says what the file system said; an absolute path is named. */
static int finish(int r, const struct source_diag *diag, const char *path, struct bm_source_status *st)
{
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (diag->message[0])
			snprintf(st->error, sizeof(st->error), "%s", diag->message);
		else if (path && *path == '/')
			snprintf(st->error, sizeof(st->error), "%s: %s", path, strerror(-r));
		else
			snprintf(st->error, sizeof(st->error), "%s", strerror(-r));
		return 0;
	}
	st->available = true;
	return 0;
}

int source_parse(enum bm_src id, const char *buf, size_t len, struct bm_inputs *in, struct bm_source_status *st)
{
	const struct source_desc *d = source_get(id);
	struct source_diag diag;
	int r;

	source_diag_init(&diag);
	st->present = true;
	r = d && d->parse ? d->parse(buf, len, in, &diag) : -EINVAL;
	return finish(r, &diag, NULL, st);
}

/* A regular file, at most d->max bytes, its header checked first when the source has a check. */
static int read_regular(const struct source_desc *d, int fd, const struct stat *sb, char **buf, size_t *len,
			struct source_diag *diag)
{
	int r;

	if ((uint64_t)sb->st_size > d->max)
		return source_fail(diag, -EFBIG, "%llu bytes, more than the %zu this source may have",
				   (unsigned long long)sb->st_size, d->max);
	if (d->check_head) {
		char head[512] __attribute__((aligned(8)));
		ssize_t n;

		/* pread() leaves the offset alone: the full read starts at 0 again. */
		do
			n = pread(fd, head, d->head < sizeof(head) ? d->head : sizeof(head), 0);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
		r = d->check_head(head, (size_t)n, d->max, diag);
		if (r < 0)
			return r;
	}
	r = util_read_fd(fd, d->max, buf, len);
	if (r == -EFBIG)
		return source_fail(diag, r, "more than the %zu bytes this source may have", d->max);
	return r;
}

int source_load(enum bm_src id, int rootfd, const char *path, struct bm_inputs *in, struct bm_source_status *st)
{
	const struct source_desc *d = source_get(id);
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	struct source_diag diag;
	struct stat sb;
	size_t len;
	int r;

	source_diag_init(&diag);
	if (!d || !d->path)
		return -EINVAL;
	/* Never wait: a FIFO opens at once, and only the source's own kinds of file are read. */
	fd = openat(rootfd, *path ? path : ".", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		st->present = r != -ENOENT && r != -ENOTDIR;
		return finish(r, &diag, path, st);
	}
	st->present = true;
	if (fstat(fd, &sb) < 0)
		return finish(-errno, &diag, path, st);
	if (S_ISREG(sb.st_mode) && d->parse) {
		r = read_regular(d, fd, &sb, &buf, &len, &diag);
		if (r >= 0)
			r = d->parse(buf, len, in, &diag);
	} else if (d->read)
		r = d->read(fd, &sb, d->max, in, &diag);
	else
		r = source_fail(&diag, S_ISDIR(sb.st_mode) ? -EISDIR : -EINVAL, "%s, not a regular file",
				util_file_kind(sb.st_mode));
	return finish(r, &diag, path, st);
}

void sources_finish(struct bm_inputs *in, bool live)
{
	if (in->log) {
		if (*in->log->release)
			snprintf(in->release, sizeof(in->release), "%s", in->log->release);
		snprintf(in->arch, sizeof(in->arch), "%s", in->log->machine);
	}
	if (!in->arch[0]) {
		struct utsname u;
		const char *guess = version_guess_arch(in->version);

		if (live && uname(&u) == 0)
			snprintf(in->arch, sizeof(in->arch), "%.31s", u.machine);
		else if (guess)
			snprintf(in->arch, sizeof(in->arch), "%s", guess);
		else if (in->has_boot_params)
			snprintf(in->arch, sizeof(in->arch), "x86_64");
	}
}

void sources_unload(struct bm_inputs *in)
{
	for (size_t i = 0; i < _BM_SRC_MAX; i++)
		if (sources[i].unload)
			sources[i].unload(in);
}
