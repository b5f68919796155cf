/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "sources.h"
#include "util.h"

/* A distribution's config is 200-300 KiB of text. */
#define KCONFIG_MAX (8u << 20)

const char *kconfig_default_path(const struct bm_inputs *in, char *buf, size_t n)
{
	const char *release = in->release;

	if (!*release || strchr(release, '/') || snprintf(buf, n, "boot/config-%s", release) >= (int)n)
		return NULL;
	return buf;
}

/* gzip (proc/config.gz) into a NUL-terminated text of at most KCONFIG_MAX bytes. */
static int inflate_text(const char *buf, size_t len, char **out, size_t *outlen, struct source_diag *d)
{
	_cleanup_free_ char *text = NULL;
	size_t cap = 256u << 10;
	z_stream z = { 0 };
	int zr;

	if (len > UINT32_MAX)
		return source_fail(d, -EFBIG, "a compressed config of more than 4 GiB");
	text = malloc(cap + 1);
	if (!text)
		return -ENOMEM;
	/* 15 + 16: a gzip header, nothing else. */
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)buf;
	z.avail_in = (uInt)len;
	do {
		if (z.total_out == cap) {
			char *t;

			if (cap >= KCONFIG_MAX) {
				inflateEnd(&z);
				return source_fail(d, -EFBIG, "more than %u bytes once inflated", KCONFIG_MAX);
			}
			cap *= 2;
			t = realloc(text, cap + 1);
			if (!t) {
				inflateEnd(&z);
				return -ENOMEM;
			}
			text = t;
		}
		z.next_out = (Bytef *)text + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		zr = inflate(&z, Z_NO_FLUSH);
	} while (zr == Z_OK);
	*outlen = z.total_out;
	inflateEnd(&z);
	if (zr != Z_STREAM_END)
		return source_fail(d, -EINVAL, "not a whole gzip stream (zlib: %d)", zr);
	text[*outlen] = '\0';
	*out = TAKE_PTR(text);
	return 0;
}

static const struct {
	const char *name;
	size_t off;
} kconfig_options[] = {
	{ "RODATA_FULL_DEFAULT_ENABLED", offsetof(struct kconfig_facts, rodata_full_default) },
	{ "DEBUG_PAGEALLOC_ENABLE_DEFAULT", offsetof(struct kconfig_facts, debug_pagealloc_default) },
};

/* "CONFIG_X=y|m|..." or "# CONFIG_X is not set": the options above; others only counted. */
static void parse_line(const char *s, size_t n, struct kconfig_facts *k)
{
	bool unset = false;

	if (n > 2 && s[0] == '#' && s[1] == ' ') {
		s += 2;
		n -= 2;
		unset = n > 11 && !memcmp(s + n - 11, " is not set", 11);
		if (!unset)
			return;
		n -= 11;
	}
	if (n < 8 || memcmp(s, "CONFIG_", 7) != 0)
		return;
	s += 7;
	n -= 7;
	k->options++;
	for (size_t i = 0; i < sizeof(kconfig_options) / sizeof(kconfig_options[0]); i++) {
		size_t l = strlen(kconfig_options[i].name);
		enum kconfig_tristate *v = (enum kconfig_tristate *)((char *)k + kconfig_options[i].off);

		if (n < l || memcmp(s, kconfig_options[i].name, l) != 0)
			continue;
		if (unset && n == l)
			*v = KCONFIG_NO;
		else if (!unset && n == l + 2 && s[l] == '=')
			*v = s[l + 1] == 'y' ? KCONFIG_YES : KCONFIG_NO;
	}
}

int kconfig_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d)
{
	_cleanup_free_ char *text = NULL;
	struct kconfig_facts k = { 0 };
	const char *s, *end;
	int r;

	if (len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b) {
		r = inflate_text(buf, len, &text, &len, d);
		if (r < 0)
			return r;
		buf = text;
	}
	for (s = buf, end = buf + len; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		parse_line(s, n, &k);
		s += n + 1;
	}
	if (!k.options)
		return source_fail(d, -EINVAL, "not a kernel configuration (no CONFIG_ line)");
	in->kconfig = k;
	in->has_kconfig = true;
	return 0;
}
