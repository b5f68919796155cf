/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootmemd.conf(5) parser and basic-auth checks: good files give the values
 * they say, and every kind of bad value is refused with a message naming the
 * file, the line and the key.
 *
 * usage: test-config SHIPPED-CONF   (etc/bootmemd.conf of the source tree)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "conf.h"
#include "http-listen.h"
#include "http-routes.h"
#include "tap.h"

/* "secret", cost 04 (python3 crypt.crypt("secret", "$2b$04$abcdefghijklmnopqrstuu")). */
#define HASH_SECRET "$2b$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW"

static char tmpdir[] = "/tmp/test-config.XXXXXX";

static int parse(const char *text, struct config *c, struct config_error *err)
{
	config_init(c);
	return config_parse(c, text, strlen(text), "test.conf", 0, err);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* A good file must parse; prints the error if not. */
#define GOOD(text, c) do {							\
	struct config_error _e;							\
	int _r = parse((text), (c), &_e);					\
	CHECK(_r == 0, "good file refused (%d): %s", _r, _e.message);		\
} while (0)

/* A bad file must be refused with a message that contains each of the strings given. */
static void bad(const char *what, const char *text, int line, const char *const *needles)
{
	struct config_error err;
	struct config c;
	char prefix[64];
	int r;

	r = parse(text, &c, &err);
	CHECK(r < 0, "%s: accepted", what);
	if (r < 0) {
		snprintf(prefix, sizeof(prefix), "test.conf:%d: ", line);
		CHECK(err.line == line, "%s: error on line %d, want %d (%s)", what, err.line, line, err.message);
		CHECK(strncmp(err.message, prefix, strlen(prefix)) == 0, "%s: message \"%s\" does not start with \"%s\"",
		      what, err.message, prefix);
		for (; needles && *needles; needles++)
			CHECK(strstr(err.message, *needles), "%s: message \"%s\" lacks \"%s\"", what, err.message, *needles);
	}
	config_done(&c);
}

#define BAD(what, text, line, ...) bad((what), (text), (line), (const char *const[]) { __VA_ARGS__, NULL })

static void test_defaults(const char *shipped)
{
	struct config_error err;
	struct config c, d;
	struct report_paths p;
	int r;

	config_init(&d);
	CHECK_EQ(d.connection_limit, 256, "default ConnectionLimit");
	CHECK_EQ(d.per_ip_connection_limit, 0, "default PerIPConnectionLimit");
	CHECK_EQ(d.header_timeout_sec, 10, "default HeaderTimeoutSec");
	CHECK_EQ(d.connection_timeout_sec, 30, "default ConnectionTimeoutSec");
	CHECK_EQ(d.connection_memory_limit, 32 * 1024, "default ConnectionMemoryLimit");
	CHECK_EQ(d.endpoints, http_routes_all, "default endpoints");

	/* The shipped file has every default commented out: it must parse to the defaults exactly. */
	config_init(&c);
	r = config_load_file(&c, shipped, 0, &err);
	CHECK(r == 0, "shipped %s: %s", shipped, err.message);
	CHECK(c.connection_limit == d.connection_limit && c.per_ip_connection_limit == d.per_ip_connection_limit &&
	      c.header_timeout_sec == d.header_timeout_sec && c.connection_timeout_sec == d.connection_timeout_sec &&
	      c.connection_memory_limit == d.connection_memory_limit && c.endpoints == d.endpoints &&
	      c.n_listen == 0 && c.n_users == 0 && !c.root && !c.tls_certificate_file && c.set == 0,
	      "the shipped file sets something");
	config_report_paths(&c, &p);
	for (size_t i = 0; i < _BM_SRC_MAX; i++)
		CHECK(!p.path[i], "the shipped file sets source %s", bm_src_name(i));
	config_done(&c);

	/* Uncommenting every "#Key=value" line of the shipped file must give the defaults too. */
	{
		FILE *f = fopen(shipped, "re");
		char line[1024], *text = calloc(1, 65536);
		size_t n = 0;

		while (f && text && fgets(line, sizeof(line), f)) {
			const char *l = line;

			if (line[0] == '#' && line[1] >= 'A' && line[1] <= 'Z' && strchr(line, '='))
				l = line + 1;
			n += snprintf(text + n, 65536 - n, "%s", l);
		}
		if (f)
			fclose(f);
		GOOD(text, &c);
		CHECK(c.connection_limit == d.connection_limit && c.per_ip_connection_limit == d.per_ip_connection_limit &&
		      c.header_timeout_sec == d.header_timeout_sec && c.connection_timeout_sec == d.connection_timeout_sec &&
		      c.connection_memory_limit == d.connection_memory_limit && c.endpoints == d.endpoints,
		      "the shipped file's commented values are not the defaults");
		CHECK(c.n_listen == 1 && c.listen && strcmp(c.listen[0], HTTP_DEFAULT_LISTEN) == 0,
		      "the shipped Listen= is not the default " HTTP_DEFAULT_LISTEN);
		CHECK(c.root && strcmp(c.root, "/") == 0, "shipped Root=");
		CHECK(c.source[BM_SRC_LOG] && strcmp(c.source[BM_SRC_LOG], "sys/kernel/bootmem_fate/log") == 0, "shipped KernelLog=");
		CHECK(c.source[BM_SRC_FDT] && strcmp(c.source[BM_SRC_FDT], "sys/firmware/fdt") == 0, "shipped DeviceTree=");
		CHECK(c.source[BM_SRC_MEMMAP] && strcmp(c.source[BM_SRC_MEMMAP], "sys/firmware/memmap") == 0, "shipped MemoryMap=");
		CHECK(!c.source[BM_SRC_DMESG] && !c.tls_certificate_file && c.n_users == 0, "shipped empty values");
		config_done(&c);
		free(text);
	}
	config_done(&d);
}

static void test_good(void)
{
	struct config c;
	struct report_paths p;

	GOOD("", &c);
	config_done(&c);
	GOOD("# only a comment\n; and another\n\n   \n", &c);
	config_done(&c);

	GOOD("[Server]\r\n"
	     "  Listen = 127.0.0.1:9000  \r\n"
	     "Listen=[::1]:9000\n"
	     "Listen=:9001\n"
	     "ConnectionLimit=1\n"
	     "ConnectionLimit=65536\n"		/* a later assignment wins */
	     "PerIPConnectionLimit=0\n"
	     "HeaderTimeoutSec=3600\n"
	     "ConnectionTimeoutSec=86400\n"
	     "ConnectionMemoryLimit=1M\n"
	     "User=bootmemd\n"
	     "[Sources]\n"
	     "Root=/srv/boot\n"
	     "KernelLog=log.bin\n"
	     "KernelRuntime=rt.bin\n"
	     "DeviceTree=/fdt\n"
	     "MemInfo=m\nIOMem=i\nCommandLine=c\nBootParams=b\nMemoryMap=mm\nBootMessages=dmesg.txt\n"
	     "[X-Vendor]\n"
	     "Anything=goes here\n"
	     "[Endpoints]\n"
	     "Events=no\n"
	     "Regions=off\n"
	     "Regions=1\n"
	     "LandingPage=false\n"
	     "[BasicAuth]\n"
	     "User=alice:" HASH_SECRET "\n"
	     "User=bob:$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW\n"
	     "User=alice:$2b$05$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW\n", &c);
	CHECK_EQ(c.n_listen, 3, "Listen= entries");
	CHECK(c.n_listen == 3 && strcmp(c.listen[0], "127.0.0.1:9000") == 0 && strcmp(c.listen[2], ":9001") == 0,
	      "Listen= values");
	CHECK(c.set & CONFIG_SET_LISTEN, "CONFIG_SET_LISTEN");
	CHECK_EQ(c.connection_limit, 65536, "ConnectionLimit: the later one");
	CHECK_EQ(c.per_ip_connection_limit, 0, "PerIPConnectionLimit");
	CHECK_EQ(c.header_timeout_sec, 3600, "HeaderTimeoutSec");
	CHECK_EQ(c.connection_timeout_sec, 86400, "ConnectionTimeoutSec");
	CHECK_EQ(c.connection_memory_limit, 1 << 20, "ConnectionMemoryLimit=1M");
	CHECK(c.user && strcmp(c.user, "bootmemd") == 0, "User=");
	CHECK(c.root && strcmp(c.root, "/srv/boot") == 0 && (c.set & CONFIG_SET_ROOT), "Root=");
	config_report_paths(&c, &p);
	CHECK(p.path[BM_SRC_LOG] && strcmp(p.path[BM_SRC_LOG], "log.bin") == 0, "KernelLog=");
	CHECK(p.path[BM_SRC_RUNTIME] && strcmp(p.path[BM_SRC_RUNTIME], "rt.bin") == 0, "KernelRuntime=");
	CHECK(p.path[BM_SRC_FDT] && strcmp(p.path[BM_SRC_FDT], "/fdt") == 0, "DeviceTree=");
	CHECK(p.path[BM_SRC_MEMINFO] && p.path[BM_SRC_IOMEM] && p.path[BM_SRC_CMDLINE] && p.path[BM_SRC_BOOT_PARAMS] && p.path[BM_SRC_MEMMAP] && strcmp(p.path[BM_SRC_MEMMAP], "mm") == 0, "sources");
	CHECK(p.path[BM_SRC_DMESG] && strcmp(p.path[BM_SRC_DMESG], "dmesg.txt") == 0, "BootMessages=");
	CHECK_EQ(c.endpoints, http_routes_all & ~http_route_bit(http_route_find("/api/v1/events")) &
		 ~http_route_bit(http_route_find("/")) & ~http_route_bit(http_route_find("/map.svg")),
		 "endpoints: Events=no, LandingPage=false (the map with it), Regions=1 after Regions=off");
	CHECK_EQ(c.n_users, 2, "users: a later line for alice replaces hers");
	CHECK(c.n_users == 2 && strcmp(c.users[0].name, "alice") == 0 && strncmp(c.users[0].hash, "$2b$05$", 7) == 0,
	      "alice's later hash");
	config_done(&c);

	/* Empty assignments reset lists and restore defaults. */
	GOOD("[Server]\nListen=127.0.0.1:1\nListen=\nListen=127.0.0.1:2\n"
	     "[Sources]\nRoot=/x\nRoot=\nKernelLog=k\nKernelLog=\n"
	     "[BasicAuth]\nUser=a:" HASH_SECRET "\nUser=\n", &c);
	CHECK(c.n_listen == 1 && strcmp(c.listen[0], "127.0.0.1:2") == 0, "Listen= reset");
	CHECK(!c.root && !(c.set & CONFIG_SET_ROOT), "Root= reset");
	CHECK(!c.source[BM_SRC_LOG], "KernelLog= reset");
	CHECK_EQ(c.n_users, 0, "User= reset");
	config_done(&c);

	/* %d: the credentials directory; %%: a percent sign. */
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/bootmemd.service", 1);
	GOOD("[Sources]\nDeviceTree=%d/fdt\nKernelLog=100%%\n", &c);
	CHECK(c.source[BM_SRC_FDT] && strcmp(c.source[BM_SRC_FDT], "/run/credentials/bootmemd.service/fdt") == 0, "%%d expansion");
	CHECK(c.source[BM_SRC_LOG] && strcmp(c.source[BM_SRC_LOG], "100%") == 0, "%%%% expansion");
	config_done(&c);

	/* Every source the table lets move has a [Sources] key and a --source name, and they agree. */
	for (enum bm_src id = 0; id < _BM_SRC_MAX; id++) {
		const struct source_desc *d = source_get(id);
		char text[128], want[64];

		if (!d->option)
			continue;
		snprintf(text, sizeof(text), "[Sources]\n%s=in/%s\n", d->key, d->option);
		snprintf(want, sizeof(want), "in/%s", d->option);
		GOOD(text, &c);
		CHECK(c.source[id] && strcmp(c.source[id], want) == 0, "[Sources] %s= sets source %s", d->key, d->name);
		CHECK(config_set_source(&c, d->option, "x") == 0 && strcmp(c.source[id], "x") == 0,
		      "--source %s= sets source %s", d->option, d->name);
		config_done(&c);
	}

	/* --source */
	config_init(&c);
	CHECK(config_set_source(&c, "fdt", "%d/fdt") == 0, "--source fdt");
	CHECK(c.source[BM_SRC_FDT] && strcmp(c.source[BM_SRC_FDT], "/run/credentials/bootmemd.service/fdt") == 0, "--source %%d");
	CHECK(config_set_source(&c, "boot-params", "bp") == 0 && strcmp(c.source[BM_SRC_BOOT_PARAMS], "bp") == 0,
	      "--source boot-params");
	CHECK(config_set_source(&c, "dmesg", "d") == 0 && config_set_source(&c, "log", "l") == 0 &&
	      config_set_source(&c, "meminfo", "m") == 0 && config_set_source(&c, "iomem", "i") == 0 &&
	      config_set_source(&c, "cmdline", "c") == 0 && config_set_source(&c, "memmap", "mm") == 0,
	      "--source names");
	CHECK(config_set_source(&c, "runtime", "r") == 0 && strcmp(c.source[BM_SRC_RUNTIME], "r") == 0, "--source runtime");
	CHECK(config_set_source(&c, "kernel-log", "x") == -EINVAL, "--source unknown name");
	CHECK(config_set_source(&c, "fdt", "") == -EINVAL, "--source empty path");
	CHECK(config_set_source(&c, "fdt", "%x") == -EINVAL, "--source bad specifier");
	config_done(&c);
	unsetenv("CREDENTIALS_DIRECTORY");
}

static void test_bad(void)
{
	char long_line[CONFIG_MAX_LINE + 64];

	BAD("unknown key", "[Server]\nListen=127.0.0.1:1\nMaxConnections=5\n", 3, "MaxConnections", "unknown key");
	BAD("unknown key in the wrong section", "[Sources]\nListen=127.0.0.1:1\n", 2, "Listen", "[Sources]");
	BAD("unknown section", "[Server]\n[Global]\n", 2, "unknown section", "Global");
	BAD("lowercase section", "[server]\n", 1, "unknown section");
	BAD("bad section header", "[Server\n", 1, "section header");
	BAD("missing '='", "[Server]\nListen 127.0.0.1:1\n", 2, "missing '='");
	BAD("missing key", "[Server]\n=1\n", 2, "missing key");
	BAD("assignment before any section", "Listen=127.0.0.1:1\n", 1, "outside of a section");

	BAD("out of range: ConnectionLimit=0", "[Server]\nConnectionLimit=0\n", 2, "[Server] ConnectionLimit=0",
	    "out of range", "1...65536");
	BAD("out of range: ConnectionLimit=65537", "[Server]\nConnectionLimit=65537\n", 2, "ConnectionLimit=65537",
	    "out of range");
	BAD("out of range: huge", "[Server]\nPerIPConnectionLimit=99999999999999999999999\n", 2,
	    "PerIPConnectionLimit=", "out of range");
	BAD("out of range: HeaderTimeoutSec", "[Server]\nHeaderTimeoutSec=3601\n", 2, "HeaderTimeoutSec",
	    "out of range");
	BAD("out of range: ConnectionTimeoutSec", "[Server]\nConnectionTimeoutSec=86401\n", 2, "ConnectionTimeoutSec",
	    "out of range");
	BAD("out of range: memory", "[Server]\nConnectionMemoryLimit=1K\n", 2, "ConnectionMemoryLimit=1K",
	    "out of range");
	BAD("out of range: memory 17M", "[Server]\nConnectionMemoryLimit=17M\n", 2, "out of range");
	BAD("negative number", "[Server]\nPerIPConnectionLimit=-1\n", 2, "PerIPConnectionLimit=-1", "not a number");
	BAD("not a number", "[Server]\nConnectionLimit=ten\n", 2, "ConnectionLimit=ten", "not a number");
	BAD("trailing junk", "[Server]\nConnectionLimit=10x\n", 2, "not a number");
	BAD("hex", "[Server]\nConnectionLimit=0x10\n", 2, "not a number");
	BAD("space inside a number", "[Server]\nConnectionLimit=1 0\n", 2, "not a number");
	BAD("empty number", "[Server]\nConnectionLimit=\n", 2, "not a number");

	BAD("bad address: host name", "[Server]\nListen=localhost:8467\n", 2, "Listen=localhost:8467",
	    "not an address");
	BAD("bad address: port", "[Server]\nListen=127.0.0.1:65536\n", 2, "not an address");
	BAD("bad address: no port", "[Server]\nListen=127.0.0.1\n", 2, "not an address");
	BAD("bad address: IPv6 without brackets", "[Server]\nListen=::1:8467\n", 2, "not an address");
	BAD("bad address: 300.1.1.1", "[Server]\nListen=300.1.1.1:80\n", 2, "not an address");

	BAD("bad boolean", "[Endpoints]\nMetrics=maybe\n", 2, "[Endpoints] Metrics=maybe", "not a boolean");
	BAD("relative root", "[Sources]\nRoot=srv\n", 2, "Root=srv", "absolute");
	BAD("unknown specifier", "[Sources]\nKernelLog=%h/log\n", 2, "KernelLog=%h/log", "specifier");
	unsetenv("CREDENTIALS_DIRECTORY");
	BAD("%d without $CREDENTIALS_DIRECTORY", "[Sources]\nDeviceTree=%d/fdt\n", 2, "CREDENTIALS_DIRECTORY");

	BAD("malformed bcrypt: $2a$", "[BasicAuth]\nUser=alice:$2a$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW\n",
	    2, "[BasicAuth] User=alice:...", "malformed bcrypt hash");
	BAD("malformed bcrypt: truncated", "[BasicAuth]\nUser=alice:$2b$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIr\n",
	    2, "malformed bcrypt hash");
	BAD("malformed bcrypt: cost 03", "[BasicAuth]\nUser=alice:$2b$03$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW\n",
	    2, "malformed bcrypt hash");
	BAD("malformed bcrypt: cost 32", "[BasicAuth]\nUser=alice:$2b$32$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW\n",
	    2, "malformed bcrypt hash");
	/* crypt(5) takes 15 to 31, but a check would stall requests for seconds to hours */
	BAD("bcrypt cost 15", "[BasicAuth]\nUser=alice:$2b$15$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW\n",
	    2, "a cost of 04 to 14");
	BAD("malformed bcrypt: bad character", "[BasicAuth]\nUser=alice:$2b$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WI!W\n",
	    2, "malformed bcrypt hash");
	BAD("malformed bcrypt: plain text", "[BasicAuth]\nUser=alice:secret\n", 2, "malformed bcrypt hash");
	BAD("malformed bcrypt: SHA-512 crypt", "[BasicAuth]\nUser=alice:$6$salt$abc\n", 2, "malformed bcrypt hash");
	BAD("user without a hash", "[BasicAuth]\nUser=alice\n", 2, "NAME:BCRYPT-HASH");
	BAD("user with an empty name", "[BasicAuth]\nUser=:" HASH_SECRET "\n", 2, "user name");
	BAD("user name with a space", "[BasicAuth]\nUser=al ice:" HASH_SECRET "\n", 2, "user name");
	{
		struct config_error err;
		struct config c;

		/* The hash never goes into the message. */
		parse("[BasicAuth]\nUser=alice:$2b$03$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW\n", &c, &err);
		CHECK(!strstr(err.message, "abcdefghij"), "the hash is in the message: %s", err.message);
		config_done(&c);
	}

	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	memcpy(long_line, "[Sources]\nRoot=/", 16);
	BAD("line too long", long_line, 2, "line longer than");
	{
		struct config_error err;
		struct config c;
		static const char nul[] = "[Server]\nListen=127.0.0.1:1\0\n";

		config_init(&c);
		CHECK(config_parse(&c, nul, sizeof(nul) - 1, "test.conf", 0, &err) == -EINVAL && err.line == 2 &&
		      strstr(err.message, "NUL"), "NUL byte: %s", err.message);
		config_done(&c);
	}
}

static void test_files(void)
{
	char path[256], cert[256], text[1024];
	struct config_error err;
	struct config c;
	int r;

	/* A missing file: -ENOENT without a line (main.c then uses the defaults, unless --config named it). */
	config_init(&c);
	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	r = config_load_file(&c, path, 0, &err);
	CHECK(r == -ENOENT && err.line == 0 && strstr(err.message, "missing.conf"), "missing file: %d %s", r,
	      err.message);
	config_done(&c);

	/* A directory. */
	config_init(&c);
	r = config_load_file(&c, tmpdir, 0, &err);
	CHECK(r == -EISDIR, "directory: %d %s", r, err.message);
	config_done(&c);

	/* Errors carry the real file name. */
	snprintf(path, sizeof(path), "%s/bad.conf", tmpdir);
	write_file(path, "# comment\n[Server]\nConnectionLimit=0\n");
	config_init(&c);
	r = config_load_file(&c, path, 0, &err);
	snprintf(text, sizeof(text), "%s:3: [Server] ConnectionLimit=0:", path);
	CHECK(r == -EINVAL && strncmp(err.message, text, strlen(text)) == 0, "file name in the message: %s",
	      err.message);
	config_done(&c);

	/* Unreadable certificate: a missing one, a directory, and a file that is not PEM. */
	snprintf(text, sizeof(text), "[TLS]\nCertificateFile=%s/missing.pem\nKeyFile=%s/missing.key\n", tmpdir, tmpdir);
	config_init(&c);
	r = config_parse(&c, text, strlen(text), "test.conf", 0, &err);
	CHECK(r == -ENOENT && err.line == 2 && strstr(err.message, "test.conf:2: [TLS] CertificateFile=") &&
	      strstr(err.message, "cannot read the certificate"), "unreadable certificate: %d %s", r, err.message);
	config_done(&c);

	snprintf(text, sizeof(text), "[TLS]\nKeyFile=/etc/hostname\nCertificateFile=%s\n", tmpdir);
	config_init(&c);
	r = config_parse(&c, text, strlen(text), "test.conf", 0, &err);
	CHECK(r == -EISDIR && err.line == 3 && strstr(err.message, "cannot read the certificate"),
	      "certificate is a directory: %d %s", r, err.message);
	config_done(&c);

	snprintf(cert, sizeof(cert), "%s/not.pem", tmpdir);
	write_file(cert, "this is not a certificate\n");
	snprintf(text, sizeof(text), "[TLS]\nCertificateFile=%s\nKeyFile=%s\n", cert, cert);
	config_init(&c);
	r = config_parse(&c, text, strlen(text), "test.conf", 0, &err);
	CHECK(r == -EINVAL && err.line == 2 && strstr(err.message, "not in PEM format"), "not PEM: %d %s", r,
	      err.message);
	config_done(&c);

	/* Only one of the pair. */
	BAD("certificate without key", "[TLS]\nCertificateFile=/x.pem\n", 2, "needs both");
	BAD("key without certificate", "[Server]\n[TLS]\nKeyFile=/x.key\n", 3, "needs both");

	/* CONFIG_NO_FILES (the fuzzer): the names are kept, nothing is read. */
	config_init(&c);
	r = config_parse(&c, text, strlen(text), "test.conf", CONFIG_NO_FILES, &err);
	CHECK(r == 0 && c.tls_certificate_file && !c.tls_certificate_pem, "CONFIG_NO_FILES: %d %s", r, err.message);
	config_done(&c);
}

static void test_auth(void)
{
	struct config_user users[] = {
		{ "alice", (char *) HASH_SECRET },
		{ "bob", (char *) "$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW" },
	};
	struct config_user carol[] = { { "carol", (char *) HASH_SECRET } };
	struct auth *a;

	CHECK(config_bcrypt_hash_valid(HASH_SECRET), "valid hash");
	CHECK(auth_check_password("secret", HASH_SECRET), "right password");
	CHECK(!auth_check_password("Secret", HASH_SECRET), "wrong password");
	CHECK(!auth_check_password("", HASH_SECRET), "empty password");
	CHECK(auth_check_password("secret", users[1].hash), "$2y$ is $2b$");

	CHECK(auth_new(NULL, 0, &a) == 0, "auth_new, no users");
	CHECK(auth_authorize(a, NULL, NULL), "no users: everyone is let in");
	CHECK(auth_authorize(a, "x", "y"), "no users: any credentials are let in");
	CHECK(auth_set_users(a, users, 2) == 0, "auth_set_users");
	CHECK(!auth_authorize(a, NULL, NULL), "users: no credentials, no entry");
	CHECK(auth_authorize(a, "alice", "secret"), "alice, right password");
	CHECK(auth_authorize(a, "alice", "secret"), "alice again (cached)");
	CHECK(!auth_authorize(a, "alice", "wrong"), "alice, wrong password");
	CHECK(!auth_authorize(a, "alice", "secret\n"), "alice, password with a newline");
	CHECK(auth_authorize(a, "bob", "secret"), "bob, right password");
	CHECK(!auth_authorize(a, "carol", "secret"), "an unknown user with a known password");
	CHECK(!auth_authorize(a, "alic", "secret"), "a prefix of a user name");
	CHECK(!auth_authorize(a, "alicex", "secret"), "a user name with a suffix");
	CHECK(!auth_authorize(a, "", ""), "empty credentials");

	/* The cheap half answers from the cache only. */
	CHECK(auth_remembered(a, "alice", "secret"), "alice is remembered");
	CHECK(!auth_remembered(a, "alice", "wrong"), "a wrong password is not");
	CHECK(!auth_remembered(a, NULL, NULL), "no credentials are not");
	CHECK(!auth_open(a), "users: not open");

	/* A reload keeps the logins of users whose name and hash stay, and drops the others. */
	{
		struct config_user kept[] = { users[0], { "bob", (char *) HASH_SECRET } };

		CHECK(auth_set_users(a, kept, 2) == 0, "auth_set_users, alice kept, bob's hash changed");
		CHECK(auth_remembered(a, "alice", "secret"), "alice's login survives a reload that keeps her");
		CHECK(!auth_remembered(a, "bob", "secret"), "bob's login goes with his old hash");
	}

	/* A reload drops the old users and their cached logins. */
	CHECK(auth_set_users(a, carol, 1) == 0, "auth_set_users carol");
	CHECK(!auth_authorize(a, "alice", "secret"), "alice after the reload (was cached)");
	CHECK(!auth_remembered(a, "alice", "secret"), "alice is forgotten");
	CHECK(auth_authorize(a, "carol", "secret"), "carol after the reload");
	auth_free(a);
}

/* Failures from one address back off; one check at a time per address; a success forgets. */
static void test_backoff(void)
{
	const uint8_t src[4] = { 127, 0, 0, 1 }, other[4] = { 127, 0, 0, 2 };
	uint64_t now = 1000000000, wait = 0;
	struct auth *a;

	CHECK(auth_new(NULL, 0, &a) == 0, "auth_new");
	CHECK(auth_open(a), "no users: open");
	CHECK(auth_source_begin(a, src, 4, now, &wait) == 0 && wait == 0, "a first check goes");
	CHECK(auth_source_begin(a, src, 4, now, &wait) == -EAGAIN && wait > 0, "a second one at once waits");
	CHECK(auth_source_begin(a, other, 4, now, &wait) == 0, "another address goes");
	auth_source_end(a, other, 4, true, now);
	auth_source_end(a, src, 4, false, now);
	for (int i = 0; i < 2; i++) {
		CHECK(auth_source_begin(a, src, 4, now, &wait) == 0, "failure %d is free", i + 2);
		auth_source_end(a, src, 4, false, now);
	}
	CHECK(auth_source_begin(a, src, 4, now, &wait) == -EAGAIN && wait == 500000, "after 3 failures: 0.5 s (%llu)",
	      (unsigned long long) wait);
	CHECK(auth_source_begin(a, src, 4, now + 500000, &wait) == 0, "... then it goes");
	auth_source_end(a, src, 4, false, now + 500000);
	CHECK(auth_source_begin(a, src, 4, now + 600000, &wait) == -EAGAIN && wait == 900000,
	      "after 4 failures: 1 s (%llu)", (unsigned long long) wait);
	for (int i = 0; i < 20; i++) {
		now += 60000000;
		CHECK(auth_source_begin(a, src, 4, now, &wait) == 0, "a minute later it goes");
		auth_source_end(a, src, 4, false, now);
	}
	CHECK(auth_source_begin(a, src, 4, now, &wait) == -EAGAIN && wait == 30000000, "capped at 30 s (%llu)",
	      (unsigned long long) wait);
	CHECK(auth_source_begin(a, src, 4, now + 30000000, &wait) == 0, "after 30 s it goes");
	auth_source_cancel(a, src, 4);
	CHECK(auth_source_begin(a, src, 4, now + 30000000, &wait) == 0, "a cancelled check counts for nothing");
	auth_source_end(a, src, 4, true, now + 30000000);
	CHECK(auth_source_begin(a, src, 4, now + 30000000, &wait) == 0, "a success forgets the failures");
	auth_source_end(a, src, 4, true, now + 30000000);
	auth_free(a);
}

int main(int argc, char *argv[])
{
	char cmd[128];

	if (argc != 2) {
		fprintf(stderr, "usage: %s SHIPPED-CONF\n", argv[0]);
		return 2;
	}
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_defaults(argv[1]);
	test_good();
	test_bad();
	test_files();
	test_auth();
	test_backoff();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return tap_done("test-config");
}
