/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the bootmemd.conf(5) parser.  The TLS files a
 * configuration names are not read (CONFIG_NO_FILES): the fuzzer must not
 * wander the file system.  Corpus: tests/fuzz/fuzz-config/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_error err;
	struct config c;
	struct report_paths paths;

	config_init(&c);
	if (config_parse(&c, (const char *) data, size, "fuzz.conf", CONFIG_NO_FILES, &err) < 0) {
		/* Every error names its line, inside the input. */
		if (err.line < 0 || !memchr(err.message, '\0', sizeof(err.message)) || !err.message[0])
			abort();
	} else
		config_report_paths(&c, &paths);
	config_done(&c);
	return 0;
}
