/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the Accept and Accept-Encoding parsers see whatever a client sends. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http-accept.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	/* MHD hands us NUL-terminated header values; a NUL inside just ends them. */
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void) http_negotiate_metrics(s);
	(void) http_accepts_gzip(s);
	free(s);
	return 0;
}
