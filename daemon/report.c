/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report_load(): reads every source of the table (sources.c) under the
 * root, records what was there and what failed, and hands the parsed inputs
 * to the model.  Paths in struct report_paths are relative to the root; an
 * absolute one (such as a file in $CREDENTIALS_DIRECTORY) is read where it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "render.h"
#include "report.h"
#include "util.h"

static bool is_live_root(const char *root)
{
	struct stat a, b;

	return stat(root, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void report_freep(struct bootmem_report **r)
{
	report_free(*r);
}

int report_load(const char *root, const struct report_paths *paths, struct bootmem_report **ret)
{
	_cleanup_(report_freep) struct bootmem_report *rep = NULL;
	_cleanup_close_ int rootfd = -1;
	char dpath[192];
	bool live;
	int r;

	if (!root)
		root = "/";
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	live = is_live_root(root);

	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return -ENOMEM;

	for (enum bm_src id = 0; id < _BM_SRC_MAX; id++) {
		const struct source_desc *d = source_get(id);
		const char *path = paths ? paths->path[id] : NULL;

		if (!d->path)
			continue;
		if (!path)
			path = live && d->live_path ? d->live_path : d->path;
		if (d->default_path && (!paths || !paths->path[id])) {
			path = d->default_path(&rep->in, dpath, sizeof(dpath));
			if (!path)
				continue;
		}
		r = source_load(id, rootfd, path, &rep->in, &rep->src[id]);
		if (r < 0)
			return r;
	}
	rep->in.initrd_sysfs = faccessat(rootfd, "sys/firmware/initrd", F_OK, 0) == 0;
	sources_finish(&rep->in, live);

	r = model_build(rep);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(rep);
	return 0;
}

void report_free(struct bootmem_report *r)
{
	if (!r)
		return;
	model_free(r);
	sources_unload(&r->in);
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

bool report_source_present(const struct bootmem_report *r, enum bm_src id, const char **error)
{
	if ((unsigned)id >= _BM_SRC_MAX)
		return false;
	if (error)
		*error = r->src[id].present && !r->src[id].available ? r->src[id].error : NULL;
	return r->src[id].present;
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
		return render_metrics(r, false, NULL, out, len);
	case REPORT_OPENMETRICS:
		return render_metrics(r, true, NULL, out, len);
	case REPORT_SVG:
		return render_svg(r, out, len);
	default:
		return -EINVAL;
	}
}

int report_render_metrics(const struct bootmem_report *r, enum report_format fmt,
			  const struct report_exporter *x, char **out, size_t *len)
{
	if (fmt != REPORT_PROMETHEUS && fmt != REPORT_OPENMETRICS)
		return -EINVAL;
	return render_metrics(r, fmt == REPORT_OPENMETRICS, x, out, len);
}

int report_render_events(const struct bootmem_report *r, const char *kind, const char *tag,
			 char **out, size_t *len)
{
	return render_events(r, kind, tag, out, len);
}
