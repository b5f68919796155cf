/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report_load(): reads every source under the root, records what was there
 * and what failed, and hands the parsed inputs to the model.  Paths in
 * struct report_paths are relative to the root; an absolute one (such as a
 * file in $CREDENTIALS_DIRECTORY) is read where it is.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "model.h"
#include "render.h"
#include "report.h"
#include "util.h"

static const struct report_paths default_paths = {
	.log = "sys/kernel/bootmem_fate/log",
	.runtime = "sys/kernel/bootmem_fate/runtime",
	.fdt = "sys/firmware/fdt",
	.meminfo = "proc/meminfo",
	.iomem = "proc/iomem",
	.cmdline = "proc/cmdline",
	.boot_params = "sys/kernel/boot_params/data",
	.memmap = "sys/firmware/memmap",
	.dmesg = "dmesg.txt",
};

#define PICK(p, f) ((p) && (p)->f ? (p)->f : default_paths.f)

__attribute__((format(printf, 2, 3)))
static void set_error(struct bm_source_status *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
}

/* Reads @path; fills @st.  Returns 0, -ENOENT (absent), other negative errno. */
static int read_source(int rootfd, const char *path, size_t max, struct bm_source_status *st,
		       char **buf, size_t *len)
{
	int r = util_read_file_at(rootfd, path, max, buf, len);

	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		st->present = r != -ENOENT && r != -ENOTDIR;
		set_error(st, "%s", strerror(-r));
		return r;
	}
	st->present = true;
	return 0;
}

static int load_log(struct bootmem_report *rep, int rootfd, const char *path)
{
	struct bm_source_status *st = &rep->src[BM_SRC_LOG];
	struct bmf_log_diag diag;
	char *buf;
	size_t len;
	int r;

	r = read_source(rootfd, path, UTIL_MAX_FILE, st, &buf, &len);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	r = bmf_log_parse(buf, len, &rep->in.log, &diag);
	free(buf);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		set_error(st, "%s", diag.message);
		return 0;
	}
	st->available = true;
	return 0;
}

/* The runtime file is small (one read gives a consistent snapshot); absent is fine. */
static int load_runtime(struct bootmem_report *rep, int rootfd, const char *path)
{
	struct bm_source_status *st = &rep->src[BM_SRC_RUNTIME];
	struct bmf_log_diag diag;
	char *buf;
	size_t len;
	int r;

	r = read_source(rootfd, path, 1u << 20, st, &buf, &len);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	r = bmf_runtime_parse(buf, len, &rep->in.runtime, &diag);
	free(buf);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		set_error(st, "%s", diag.message);
		return 0;
	}
	st->available = true;
	return 0;
}

static int load_fdt(struct bootmem_report *rep, int rootfd, const char *path)
{
	struct bm_source_status *st = &rep->src[BM_SRC_FDT];
	char *buf;
	size_t len;
	int r;

	r = read_source(rootfd, path, UTIL_MAX_FILE, st, &buf, &len);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	r = fdt_source_parse(buf, len, &rep->in.fdt);
	free(buf);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		set_error(st, "invalid device tree: %s", fdt_source_last_error());
		return 0;
	}
	st->available = true;
	return 0;
}

static int load_text(struct bootmem_report *rep, int rootfd, const char *path, enum bm_src s,
		     char **out)
{
	size_t len;
	int r;

	r = read_source(rootfd, path, 16u << 20, &rep->src[s], out, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		*out = NULL;
	return 0;
}

static bool is_live_root(const char *root)
{
	struct stat a, b;

	return stat(root, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int report_load(const char *root, const struct report_paths *paths, struct bootmem_report **ret)
{
	struct bootmem_report *rep;
	char *text = NULL;
	bool live;
	int rootfd, r, fd;

	if (!root)
		root = "/";
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	live = is_live_root(root);

	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		close(rootfd);
		return -ENOMEM;
	}

	r = load_log(rep, rootfd, PICK(paths, log));
	if (r >= 0)
		r = load_runtime(rep, rootfd, PICK(paths, runtime));
	if (r >= 0)
		r = load_fdt(rep, rootfd, PICK(paths, fdt));
	if (r < 0)
		goto fail;

	r = load_text(rep, rootfd, PICK(paths, meminfo), BM_SRC_MEMINFO, &text);
	if (r < 0)
		goto fail;
	if (text) {
		if (proc_parse_meminfo(text, &rep->in.meminfo) == 0) {
			rep->in.has_meminfo = true;
			rep->src[BM_SRC_MEMINFO].available = true;
		} else
			set_error(&rep->src[BM_SRC_MEMINFO], "%s", "no MemTotal line");
		free(text);
		text = NULL;
	}

	r = load_text(rep, rootfd, PICK(paths, iomem), BM_SRC_IOMEM, &text);
	if (r < 0)
		goto fail;
	if (text) {
		r = proc_parse_iomem(text, &rep->in.iomem);
		free(text);
		text = NULL;
		if (r < 0)
			goto fail;
		if (rep->in.iomem->zeroed)
			set_error(&rep->src[BM_SRC_IOMEM], "%s", "addresses are hidden (read without CAP_SYS_ADMIN)");
		else if (rep->in.iomem->n == 0)
			set_error(&rep->src[BM_SRC_IOMEM], "%s", "no entries");
		else
			rep->src[BM_SRC_IOMEM].available = true;
	}

	r = load_text(rep, rootfd, PICK(paths, cmdline), BM_SRC_CMDLINE, &rep->in.cmdline);
	if (r < 0)
		goto fail;
	if (rep->in.cmdline) {
		rep->in.cmdline[strcspn(rep->in.cmdline, "\n")] = '\0';
		rep->src[BM_SRC_CMDLINE].available = true;
	}
	r = load_text(rep, rootfd, "proc/version", BM_SRC_VERSION, &rep->in.version);
	if (r < 0)
		goto fail;
	if (rep->in.version) {
		if (proc_parse_version(rep->in.version, rep->in.release, sizeof(rep->in.release)) == 0)
			rep->src[BM_SRC_VERSION].available = true;
		else
			set_error(&rep->src[BM_SRC_VERSION], "%s", "not a \"Linux version\" line");
	}

	{
		struct bm_source_status *st = &rep->src[BM_SRC_BOOT_PARAMS];
		size_t len;

		if (read_source(rootfd, PICK(paths, boot_params), 1u << 16, st, &text, &len) == 0) {
			if (proc_parse_boot_params(text, len, &rep->in.boot_params) == 0) {
				rep->in.has_boot_params = true;
				st->available = true;
			} else
				set_error(st, "%s", "shorter than struct boot_params");
			free(text);
			text = NULL;
		}
	}

	fd = openat(rootfd, PICK(paths, memmap), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rep->src[BM_SRC_MEMMAP].present = true;
		r = proc_read_memmap(fd, &rep->in.memmap);
		close(fd);
		if (r == -ENOMEM)
			goto fail;
		if (r < 0)
			set_error(&rep->src[BM_SRC_MEMMAP], "%s", "no usable entries");
		else
			rep->src[BM_SRC_MEMMAP].available = true;
	} else
		set_error(&rep->src[BM_SRC_MEMMAP], "%s", strerror(errno));

	/* Boot messages: a snapshot's dmesg.txt, or the live kernel's ring buffer. */
	if (live && !(paths && paths->dmesg)) {
		struct bm_source_status *st = &rep->src[BM_SRC_DMESG];

		r = proc_read_kmsg("/dev/kmsg", &rep->in.dmesg);
		st->present = r != -ENOENT;
		if (r < 0)
			set_error(st, "/dev/kmsg: %s", strerror(-r));
		else
			st->available = rep->in.has_dmesg = true;
	} else {
		struct bm_source_status *st = &rep->src[BM_SRC_DMESG];
		size_t len;

		if (read_source(rootfd, PICK(paths, dmesg), UTIL_MAX_FILE, st, &text, &len) == 0) {
			proc_parse_dmesg(text, len, &rep->in.dmesg);
			free(text);
			text = NULL;
			st->available = rep->in.has_dmesg = true;
		}
	}
	rep->in.initrd_sysfs = faccessat(rootfd, "sys/firmware/initrd", F_OK, 0) == 0;

	if (rep->in.log) {
		if (*rep->in.log->release)
			snprintf(rep->in.release, sizeof(rep->in.release), "%s", rep->in.log->release);
		snprintf(rep->in.arch, sizeof(rep->in.arch), "%s", rep->in.log->machine);
	}
	if (!rep->in.arch[0]) {
		struct utsname u;
		const char *guess = proc_guess_arch(rep->in.version);

		if (live && uname(&u) == 0)
			snprintf(rep->in.arch, sizeof(rep->in.arch), "%.31s", u.machine);
		else if (guess)
			snprintf(rep->in.arch, sizeof(rep->in.arch), "%s", guess);
		else if (rep->in.has_boot_params)
			snprintf(rep->in.arch, sizeof(rep->in.arch), "x86_64");
	}

	r = model_build(rep);
	if (r < 0)
		goto fail;
	close(rootfd);
	*ret = rep;
	return 0;
fail:
	free(text);
	close(rootfd);
	report_free(rep);
	return r;
}

void report_free(struct bootmem_report *r)
{
	if (!r)
		return;
	model_free(r);
	bmf_log_free(r->in.log);
	bmf_runtime_free(r->in.runtime);
	fdt_info_free(r->in.fdt);
	iomem_free(r->in.iomem);
	memmap_free(r->in.memmap);
	free(r->in.cmdline);
	free(r->in.version);
	free(r);
}

const char *report_summary(const struct bootmem_report *r)
{
	return r->summary;
}

bool report_has_kernel_log(const struct bootmem_report *r)
{
	return r->patched;
}

int report_unexplained(const struct bootmem_report *r, long long *bytes)
{
	if (!r->rec.unexplained.known)
		return -ENODATA;
	*bytes = r->rec.unexplained.value;
	return 0;
}

int report_render(const struct bootmem_report *r, enum report_format fmt, char **out, size_t *len)
{
	switch (fmt) {
	case REPORT_TEXT:
		return render_text(r, out, len);
	case REPORT_JSON:
		return render_json(r, false, out, len);
	case REPORT_JSON_REGIONS:
		return render_json(r, true, out, len);
	case REPORT_PROMETHEUS:
		return render_metrics(r, false, out, len);
	case REPORT_OPENMETRICS:
		return render_metrics(r, true, out, len);
	case REPORT_SVG:
		return render_svg(r, out, len);
	default:
		return -EINVAL;
	}
}

int report_render_events(const struct bootmem_report *r, const char *kind, const char *tag,
			 char **out, size_t *len)
{
	return render_events(r, kind, tag, out, len);
}
