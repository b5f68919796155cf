/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sources.h"
#include "util.h"

int version_parse(const char *text, char *release, size_t n, struct source_diag *d)
{
	const char *s;
	size_t len;

	if (strncmp(text, "Linux version ", 14) != 0)
		return source_fail(d, -EINVAL, "not a \"Linux version\" line");
	s = text + 14;
	len = strcspn(s, " \n");
	if (len == 0 || len >= n)
		return source_fail(d, -EINVAL, "not a \"Linux version\" line");
	memcpy(release, s, len);
	release[len] = '\0';
	return 0;
}

const char *version_guess_arch(const char *v)
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

int version_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d)
{
	int r;

	free(in->version);
	in->version = strdup(buf);
	if (!in->version)
		return -ENOMEM;
	r = version_parse(in->version, in->release, sizeof(in->release), d);
	/* The release becomes a metric label and a line of the report: valid UTF-8, no escapes. */
	util_sanitize_text(in->release);
	util_sanitize_text(in->version);
	return r;
}

void version_unload(struct bm_inputs *in)
{
	free(in->version);
	in->version = NULL;
}
