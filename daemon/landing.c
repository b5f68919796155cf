/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "http-routes.h"
#include "landing.h"

static void put_escaped(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
}

int landing_render(const struct landing_info *info, char **ret, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;

	fputs("<!DOCTYPE html>\n"
	      "<html lang=\"en\">\n"
	      "<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>bootmemd</title>\n"
	      "<style>\n"
	      "body { font-family: sans-serif; max-width: 50em; margin: 2em auto; padding: 0 1em; line-height: 1.4; }\n"
	      "code, .summary { font-family: monospace; }\n"
	      ".summary { background: #f4f4f4; padding: .5em 1em; border-left: 3px solid #888; }\n"
	      "img { max-width: 100%; border: 1px solid #ddd; }\n"
	      "</style>\n"
	      "</head>\n"
	      "<body>\n"
	      "<h1>bootmemd</h1>\n"
	      "<p>Where the memory that firmware, the bootloader and the kernel reserved at boot went: "
	      "who took it, when, and whether it came back.</p>\n", f);

	fputs("<p class=\"summary\">", f);
	put_escaped(f, info->summary ? info->summary : "no summary");
	fputs("</p>\n", f);
	if (!info->has_kernel_log)
		fputs("<p>This kernel does not export <code>/sys/kernel/bootmem_fate/log</code>: the figures come from "
		      "the stock kernel's interfaces only, and the report says which ones are unavailable.</p>\n", f);

	fputs("<h2>Endpoints</h2>\n"
	      "<ul>\n", f);
	for (size_t i = 0; i < http_n_routes; i++) {
		const struct http_route *r = &http_routes[i];

		/* Links relative to the page, so that they work behind a proxy's path prefix too. */
		if (r->landing && (info->routes & http_route_bit(r)))
			fprintf(f, "<li><a href=\"%s\">%s</a>: %s</li>\n", r->path + 1, r->path, r->landing);
	}
	fputs("</ul>\n", f);

	/* After the links: the map is tall, and a scraper's operator comes for the links first. */
	if (info->has_map)
		fputs("<h2>Memory map</h2>\n"
		      "<p><a href=\"map.svg\"><img src=\"map.svg\" alt=\"memory map\"></a></p>\n", f);

	fputs("<p><small>bootmemd " PACKAGE_VERSION "</small></p>\n"
	      "</body>\n"
	      "</html>\n", f);

	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}
