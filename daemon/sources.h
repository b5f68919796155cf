/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The input sources, as one table (sources.c): each row names a source for
 * the outputs, the command line (--source NAME=PATH) and the configuration
 * file ([Sources] KEY=PATH), gives its default place under the root and its
 * size limit, and points at its parser (source-*.c).  report_load() is a
 * loop over the rows, and conf.c and main.c take their names from it, so a
 * new source is its parser plus one row (and its field in struct bm_inputs
 * and its id below).
 *
 * The error contract of every source: a loader returns 0, or a negative
 * errno and a message in struct source_diag that it wrote itself; -ENOMEM
 * is the only error that stops the report.  Nothing here prints.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source-boot-id.h"
#include "source-boot-params.h"
#include "source-cmdline.h"
#include "source-dmi.h"
#include "source-fdt.h"
#include "source-iomem.h"
#include "source-kmsg.h"
#include "source-log.h"
#include "source-memblock.h"
#include "source-meminfo.h"
#include "source-kconfig.h"
#include "source-memmap.h"
#include "source-version.h"

struct stat;

/* Where a figure comes from: a source, or a computation over others. */
enum bm_src {
	BM_SRC_LOG,		/* sys/kernel/bootmem_fate/log */
	BM_SRC_RUNTIME,		/* sys/kernel/bootmem_fate/runtime */
	BM_SRC_FDT,		/* sys/firmware/fdt */
	BM_SRC_MEMINFO,		/* proc/meminfo */
	BM_SRC_IOMEM,		/* proc/iomem */
	BM_SRC_CMDLINE,		/* proc/cmdline */
	BM_SRC_VERSION,		/* proc/version */
	BM_SRC_BOOT_PARAMS,	/* sys/kernel/boot_params/data (x86) */
	BM_SRC_MEMMAP,		/* sys/firmware/memmap (x86) */
	BM_SRC_DMESG,		/* dmesg.txt or /dev/kmsg */
	BM_SRC_BOOT_ID,		/* proc/sys/kernel/random/boot_id */
	BM_SRC_STAT,		/* proc/stat: the boot time */
	BM_SRC_DMI,		/* sys/class/dmi/id: the board */
	BM_SRC_MEMBLOCK,	/* sys/kernel/debug/memblock/reserved */
	BM_SRC_KCONFIG,		/* boot/config-RELEASE or proc/config.gz */
	BM_SRC_MEMBLOCK_MEMORY,	/* sys/kernel/debug/memblock/memory */
	BM_SRC_DERIVED,		/* computed from other figures: no row is read */
	_BM_SRC_MAX,
};
/* "kernel_log", "meminfo", ...: the name in JSON and metric labels. */
const char *bm_src_name(enum bm_src s);

/* Why a source could not be used, written by its own parser. */
struct source_diag {
	int code;		/* the parser's own detail (enum bmf_log_error), or 0 */
	size_t where;		/* the record or entry at fault, or SIZE_MAX */
	char message[192];
};

/* Fills @d (may be NULL) and returns @err, a negative errno. */
__attribute__((format(printf, 3, 4)))
int source_fail(struct source_diag *d, int err, const char *fmt, ...);
void source_diag_init(struct source_diag *d);

/* Parsed inputs; NULL / false when a source is missing or unusable. */
struct bm_inputs {
	struct bmf_log *log;
	struct bmf_runtime *runtime;	/* NULL: no runtime file, no runtime terms */
	struct dt_info *fdt;
	bool has_meminfo;
	struct meminfo meminfo;
	struct iomem *iomem;
	bool has_boot_params;
	struct boot_params_info boot_params;
	struct memmap *memmap;
	bool has_dmesg;
	struct dmesg_facts dmesg;
	const char *dmesg_via;	/* "/dev/kmsg" or "journal" on a live root; NULL: a file */
	struct memblock_set *memblock_reserved;	/* NULL: no debugfs (x86 discards memblock) */
	struct memblock_set *memblock_memory;	/* the same, memblock.memory */
	bool has_kconfig;
	struct kconfig_facts kconfig;
	char *cmdline;
	char *version;
	bool initrd_sysfs;	/* sys/firmware/initrd exists: the initrd was retained */
	char boot_id[37];	/* "" when unknown */
	bool has_boot_time;
	int64_t boot_time;	/* seconds since the epoch */
	char dmi_vendor[DMI_VALUE_MAX], dmi_product[DMI_VALUE_MAX];	/* "" when unknown */
	char release[128];	/* from the log or proc/version */
	char arch[32];		/* from the log, uname (live root) or a guess from proc/version */
};

struct bm_source_status {
	bool present;		/* the file existed */
	bool available;		/* and parsed */
	char error[192];	/* why not, when !available */
};

struct source_desc {
	const char *name;	/* bm_src_name() */
	const char *option;	/* --source NAME=PATH; NULL when it cannot be moved */
	const char *key;	/* [Sources] KEY=PATH */
	const char *path;	/* default, relative to the root; NULL: not read */
	/* Optional: the default path from what the sources before it gave (into @buf); NULL: none. */
	const char *(*default_path)(const struct bm_inputs *in, char *buf, size_t n);
	const char *live_path;	/* default when the root is the running system, if another */
	const char *help;	/* --help, after the default path */
	size_t max;		/* bytes read at most */
	/*
	 * Optional: the first @head bytes are checked before the file is read
	 * in full, so that a header that promises too much is refused at once.
	 */
	size_t head;
	int (*check_head)(const char *buf, size_t len, size_t max, struct source_diag *d);
	/* A regular file's bytes, NUL-terminated at @len. */
	int (*parse)(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d);
	/* Anything else at the path (a directory, a device): the source decides. */
	int (*read)(int fd, const struct stat *st, size_t max, struct bm_inputs *in, struct source_diag *d);
	/* Frees what parse or read stored, success or not. */
	void (*unload)(struct bm_inputs *in);
};

/* The row of @id; every id below _BM_SRC_MAX has one. */
const struct source_desc *source_get(enum bm_src id);
/* The source with this --source NAME or [Sources] KEY, or NULL. */
const struct source_desc *source_by_option(const char *name);
const struct source_desc *source_by_key(const char *key);
enum bm_src source_id(const struct source_desc *d);

/*
 * Reads source @id from @path (relative to @rootfd, or absolute) into @in,
 * recording in @st whether it was there and why it is not usable.  Returns
 * 0, or -ENOMEM: a missing or bad source is not an error.
 */
int source_load(enum bm_src id, int rootfd, const char *path, struct bm_inputs *in,
		struct bm_source_status *st);
/* The same for bytes already read (the fuzzers): parse, then status. */
int source_parse(enum bm_src id, const char *buf, size_t len, struct bm_inputs *in,
		 struct bm_source_status *st);

/* What every source together says: the release and the architecture. */
void sources_finish(struct bm_inputs *in, bool live);
void sources_unload(struct bm_inputs *in);
