/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sources.h"
#include "util.h"

void dmi_value(const char *buf, size_t len, char out[DMI_VALUE_MAX])
{
	size_t n = strcspn(buf, "\n");

	if (n > len)
		n = len;
	if (n >= DMI_VALUE_MAX)
		n = DMI_VALUE_MAX - 1;
	memcpy(out, buf, n);
	out[n] = '\0';
	/* trailing blanks: firmware pads its strings */
	while (n && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		out[--n] = '\0';
	util_sanitize_text(out);
}

/* A file of the directory: regular, small, read without blocking. */
static int read_value(int dirfd, const char *name, char out[DMI_VALUE_MAX])
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	struct stat sb;
	size_t len;
	int r;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0)
		return -errno;
	if (!S_ISREG(sb.st_mode))
		return -EINVAL;
	r = util_read_fd(fd, 4096, &buf, &len);
	if (r < 0)
		return r;
	dmi_value(buf, len, out);
	return 0;
}

int dmi_load(int fd, const struct stat *st, size_t max, struct bm_inputs *in, struct source_diag *d)
{
	int a, b;

	(void)max;
	if (!S_ISDIR(st->st_mode))
		return source_fail(d, -ENOTDIR, "%s, not the sys/class/dmi/id directory", util_file_kind(st->st_mode));
	a = read_value(fd, "sys_vendor", in->dmi_vendor);
	if (a == -ENOMEM)
		return a;
	b = read_value(fd, "product_name", in->dmi_product);
	if (b == -ENOMEM)
		return b;
	if (a < 0 && b < 0)
		return source_fail(d, -ENODATA, "neither sys_vendor nor product_name could be read");
	return 0;
}
