/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The route table (daemon/http-routes.c) holds together: every row can be
 * served, switched and documented, bootmemd.conf(5) takes every row's key,
 * and the landing page links exactly the rows that answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "http-routes.h"
#include "landing.h"
#include "tap.h"

static void check_rows(void)
{
	for (size_t i = 0; i < http_n_routes; i++) {
		const struct http_route *r = &http_routes[i];

		CHECK(r->path && r->path[0] == '/', "route %zu: a path from /", i);
		CHECK(http_route_find(r->path) == r, "%s: found by its path, and only one row has it", r->path);
		CHECK(r->key && *r->key, "%s: an [Endpoints] key", r->path);
		CHECK(http_routes_by_key(r->key) & http_route_bit(r), "%s: its key switches it", r->path);
		CHECK(r->variants[0].render && r->variants[0].content_type, "%s: a default variant", r->path);
		CHECK(!r->variants[1].render || r->negotiate, "%s: a second variant needs negotiation", r->path);
		CHECK(!r->params[0] || (r->render_query && r->query_error), "%s: parameters need a renderer",
		      r->path);
		CHECK(r->help && strlen(r->help) <= 40, "%s: a --help line of at most 40 characters", r->path);
		CHECK(!r->landing || !strchr(r->landing, '\n'), "%s: one landing line", r->path);
	}
	CHECK(http_route_find("/nope") == NULL && http_route_find("/metrics/") == NULL, "unknown paths: no route");
	CHECK(http_routes_by_key("Nope") == 0, "an unknown key switches nothing");
	CHECK(http_routes_by_key("LandingPage") ==
	      (http_route_bit(http_route_find("/")) | http_route_bit(http_route_find("/map.svg"))),
	      "LandingPage= switches the page and its map");
}

/* Each row's key is a bootmemd.conf key that switches that row off, and on again. */
static void check_config_keys(void)
{
	for (size_t i = 0; i < http_n_routes; i++) {
		const struct http_route *r = &http_routes[i];
		struct config_error err;
		struct config c;
		char text[128];
		int n;

		n = snprintf(text, sizeof(text), "[Endpoints]\n%s=no\n", r->key);
		config_init(&c);
		CHECK(config_parse(&c, text, n, "t.conf", CONFIG_NO_FILES, &err) == 0, "%s=no parses: %s", r->key,
		      err.message);
		CHECK(!(c.endpoints & http_route_bit(r)) && (c.endpoints | http_routes_by_key(r->key)) == http_routes_all,
		      "%s=no switches off exactly its routes", r->key);
		config_done(&c);
	}
}

/* The landing page links the routes that answer, and no other. */
static void check_landing(void)
{
	for (size_t i = 0; i < http_n_routes; i++) {
		const struct http_route *off = &http_routes[i];
		struct landing_info li = { .summary = "s", .routes = http_routes_all & ~http_route_bit(off) };
		char *html = NULL, link[128];
		size_t len;

		CHECK(landing_render(&li, &html, &len) == 0 && html && strlen(html) == len, "landing without %s",
		      off->path);
		for (size_t k = 0; html && k < http_n_routes; k++) {
			const struct http_route *r = &http_routes[k];

			snprintf(link, sizeof(link), "<a href=\"%s\">", r->path + 1);
			if (!r->landing)
				continue;
			if (r == off)
				CHECK(!strstr(html, link), "landing without %s: no link to it", off->path);
			else
				CHECK(strstr(html, link), "landing without %s: links %s", off->path, r->path);
		}
		free(html);
	}
}

int main(void)
{
	check_rows();
	check_config_keys();
	check_landing();
	return tap_done("test-routes");
}
