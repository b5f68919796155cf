/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/version: "Linux version 6.12.0 (...) ...", the release and a hint of the architecture. */
#pragma once

#include <stddef.h>

struct bm_inputs;
struct source_diag;

/* The release ("6.12.0") into @release. */
int version_parse(const char *text, char *release, size_t n, struct source_diag *d);
/* Best-effort architecture from the toolchain triple; NULL if unsure or @text is NULL. */
const char *version_guess_arch(const char *text);

/* Keeps the whole text (for the guess) even when it is not a version line. */
int version_load(const char *buf, size_t len, struct bm_inputs *in, struct source_diag *d);
void version_unload(struct bm_inputs *in);
