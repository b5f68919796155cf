/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootmemd: reads where boot memory went (report.h), then either prints one
 * report (--once) or serves it over HTTP until stopped (http-server.h), talking to
 * the service manager through sd_notify(3) on the way.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "config.h"
#include "auth.h"
#include "conf.h"
#include "http-content.h"
#include "http-listen.h"
#include "http-routes.h"
#include "http-server.h"
#include "log.h"
#include "privilege.h"
#include "report.h"
#include "util.h"

/* Exit codes, as --help and bootmemd(8) document them. */
#define EXIT_USAGE 2

#define DEFAULT_CONFIG_FILE BOOTMEMD_CONFIG_FILE	/* config.h: sysconfdir/bootmemd/bootmemd.conf */

static const char *arg_root = "/";
static bool arg_root_set = false;
static const char **arg_sources = NULL;	/* --source NAME=PATH, applied over the file's [Sources] */
static size_t arg_n_sources = 0, arg_sources_cap = 0;
static struct config arg_cfg;		/* the configuration file, then --source */
static struct auth *arg_auth = NULL;
static bool arg_once = false;
static bool arg_check_config = false;	/* validate the configuration and exit (configuration management) */
static enum report_format arg_format = REPORT_TEXT;
static bool arg_format_set = false;
static struct listen_arg {
	struct listen_address address;
	const char *name;		/* as given */
} *arg_listen = NULL;
static size_t arg_n_listen = 0, arg_listen_cap = 0;
static const char *arg_config = NULL;
static const char *arg_user = NULL;	/* --user, over the file's User= */
static bool arg_dropped = false;	/* we were root and dropped it ourselves */
static struct http_options arg_http;
/* The daemon's self-metrics: what the last (re)load did. */
static struct report_exporter exporter;

static void free_args(void)
{
	free(arg_listen);
	free(arg_sources);
	config_done(&arg_cfg);
	auth_free(arg_auth);
}

/* One line per route, from the table: the path (with its query), what it serves and its [Endpoints] key. */
static void help_endpoints(void)
{
	for (size_t i = 0; i < http_n_routes; i++) {
		const struct http_route *r = &http_routes[i];
		char path[128];
		size_t n;

		n = (size_t) snprintf(path, sizeof(path), "%s", r->path);
		for (size_t k = 0; k < HTTP_MAX_PARAMS && r->params[k] && n < sizeof(path); k++) {
			n += (size_t) snprintf(path + n, sizeof(path) - n, "%c%s=", k == 0 ? '?' : '&', r->params[k]);
			for (const char *c = r->params[k]; *c && n + 1 < sizeof(path); c++)
				path[n++] = (char) toupper((unsigned char) *c);
			path[n < sizeof(path) ? n : sizeof(path) - 1] = '\0';
		}
		if (strlen(path) > 17)
			printf("  %s\n  %-17s %s (%s=)\n", path, "", r->help, r->key);
		else
			printf("  %-17s %s (%s=)\n", path, r->help, r->key);
	}
}

static void help(void)
{
	printf("%s [OPTIONS...]\n"
	       "\n"
	       "Tells where the memory reserved at boot went, and serves the answer over HTTP\n"
	       "to Prometheus and to people.\n"
	       "\n"
	       "  -h --help               Show this help and exit\n"
	       "     --version            Show the version and exit\n"
	       "     --root=DIR           Read the system, or a captured boot, under DIR\n"
	       "                          (default: /)\n"
	       "     --once               Print one report to standard output and exit\n"
	       "     --format=FORMAT      Format of the --once report: text (default), json,\n"
	       "                          prometheus, openmetrics, svg (the memory map)\n"
	       "     --listen=ADDR:PORT   Serve HTTP on IPv4:PORT, [IPv6]:PORT or :PORT (every\n"
	       "                          address); repeatable (default: %s).\n"
	       "                          Sockets passed by the service manager take precedence\n"
	       "     --config=FILE        Read settings from FILE (default:\n"
	       "                          %s, if it exists);\n"
	       "                          the command line wins over the file\n"
	       "     --check-config       Check the configuration (and the options) and exit:\n"
	       "                          0 if it is good, 2 with the error if not\n"
	       "     --source=NAME=PATH   Read one input from PATH instead of its usual place\n"
	       "                          (a relative PATH is under --root, an absolute one is\n"
	       "                          read as it is); NAME is one of the sources below;\n"
	       "                          %%d in PATH stands for $CREDENTIALS_DIRECTORY;\n"
	       "                          repeatable\n"
	       "     --user=USER          Started as root, serve as USER once the inputs are\n"
	       "                          read (default: User= in the file, else %s)\n"
	       "\n",
	       program_invocation_short_name, HTTP_DEFAULT_LISTEN, DEFAULT_CONFIG_FILE,
	       PRIVILEGE_DEFAULT_USER);

	printf("Sources: the --source NAME, the [Sources] key of the configuration file and\n"
	       "the default path under --root:\n");
	for (enum bm_src id = 0; id < _BM_SRC_MAX; id++) {
		const struct source_desc *d = source_get(id);

		if (d->option)
			printf("  %-12s %-14s %s%s%s\n", d->option, d->key, d->path, d->help ? " " : "",
			       d->help ?: "");
	}

	printf("\n"
	       "HTTP endpoints, each switched off by its key in bootmemd.conf's [Endpoints]:\n");
	help_endpoints();
	printf("\n"
	       "Signals: SIGHUP re-reads the sources and swaps the responses (the old ones stay\n"
	       "if that fails; after dropping root, only the configuration is re-read);\n"
	       "SIGTERM and SIGINT stop the server.\n"
	       "\n"
	       "Exit status:\n"
	       "  0  success: the report was printed, or the server stopped on SIGTERM/SIGINT\n"
	       "  1  runtime failure: the sources could not be read, a socket could not be\n"
	       "     bound, the output could not be written, out of memory\n"
	       "  2  usage or configuration error: an unknown option, a bad value, an unusable\n"
	       "     --root or --config\n"
	       "\n"
	       "See bootmemd(8) for details.\n");
}

static int parse_format(const char *s, enum report_format *ret)
{
	static const struct {
		const char *name;
		enum report_format format;
	} formats[] = {
		{ "text",		REPORT_TEXT },
		{ "json",		REPORT_JSON },
		{ "prometheus",		REPORT_PROMETHEUS },
		{ "openmetrics",	REPORT_OPENMETRICS },
		{ "svg",		REPORT_SVG },
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(s, formats[i].name) == 0) {
			*ret = formats[i].format;
			return 0;
		}
	return -EINVAL;
}

static int add_listen(const char *s)
{
	struct listen_address a;

	if (listen_address_parse(s, &a) < 0)
		return log_error_errno(EINVAL, "Invalid --listen address \"%s\": expected IPv4:PORT, [IPv6]:PORT "
				       "or :PORT.", s);
	if (GROW(arg_listen, arg_listen_cap, arg_n_listen + 1) < 0)
		return log_oom();
	arg_listen[arg_n_listen++] = (struct listen_arg) { a, s };
	return 0;
}

/* Applies one --source NAME=PATH to @c. */
static int apply_source(struct config *c, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char name[32];

	if (!eq || eq == arg || (size_t) (eq - arg) >= sizeof(name))
		return -EINVAL;
	memcpy(name, arg, eq - arg);
	name[eq - arg] = '\0';
	return config_set_source(c, name, eq + 1);
}

static int check_source(const char *arg)
{
	struct config c;
	int r;

	config_init(&c);
	r = apply_source(&c, arg);
	config_done(&c);
	if (r == -ENOMEM)
		return log_oom();
	if (r < 0) {
		char names[256] = "";

		for (enum bm_src id = 0; id < _BM_SRC_MAX; id++)
			if (source_get(id)->option)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", *names ? ", " : "",
					 source_get(id)->option);
		return log_error_errno(r, "Invalid --source \"%s\": expected NAME=PATH, NAME one of %s "
				       "(%%d needs $CREDENTIALS_DIRECTORY).", arg, names);
	}
	return 0;
}

/* Returns 1 to go on, 0 to exit successfully (--help, --version), <0 on a usage error. */
static int parse_argv(int argc, char *argv[])
{
	enum {
		ARG_VERSION = 0x100,
		ARG_ROOT,
		ARG_ONCE,
		ARG_FORMAT,
		ARG_LISTEN,
		ARG_CONFIG,
		ARG_SOURCE,
		ARG_USER,
		ARG_CHECK_CONFIG,
	};
	static const struct option options[] = {
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, ARG_VERSION },
		{ "root",	required_argument,	NULL, ARG_ROOT },
		{ "once",	no_argument,		NULL, ARG_ONCE },
		{ "format",	required_argument,	NULL, ARG_FORMAT },
		{ "listen",	required_argument,	NULL, ARG_LISTEN },
		{ "config",	required_argument,	NULL, ARG_CONFIG },
		{ "source",	required_argument,	NULL, ARG_SOURCE },
		{ "user",	required_argument,	NULL, ARG_USER },
		{ "check-config", no_argument,		NULL, ARG_CHECK_CONFIG },
		{}
	};
	int c, r;

	/* getopt_long() prints its own diagnostics for unknown options and missing arguments. */
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (c) {
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("bootmemd %s\n", PACKAGE_VERSION);
			return 0;
		case ARG_ROOT:
			if (!*optarg)
				return log_error_errno(EINVAL, "--root needs a directory.");
			arg_root = optarg;
			arg_root_set = true;
			break;
		case ARG_ONCE:
			arg_once = true;
			break;
		case ARG_FORMAT:
			if (parse_format(optarg, &arg_format) < 0)
				return log_error_errno(EINVAL, "Unknown --format \"%s\": expected text, json, prometheus, "
						       "openmetrics or svg.", optarg);
			arg_format_set = true;
			break;
		case ARG_LISTEN:
			r = add_listen(optarg);
			if (r < 0)
				return r;
			break;
		case ARG_CONFIG:
			if (!*optarg)
				return log_error_errno(EINVAL, "--config needs a file name.");
			arg_config = optarg;
			break;
		case ARG_SOURCE:
			r = check_source(optarg);
			if (r < 0)
				return r;
			if (GROW(arg_sources, arg_sources_cap, arg_n_sources + 1) < 0)
				return log_oom();
			arg_sources[arg_n_sources++] = optarg;
			break;
		case ARG_CHECK_CONFIG:
			arg_check_config = true;
			break;
		case ARG_USER:
			if (!*optarg)
				return log_error_errno(EINVAL, "--user needs a user name.");
			arg_user = optarg;
			break;
		case '?':
			return -EINVAL;
		default:
			return log_error_errno(EINVAL, "Unhandled option %d.", c);
		}

	if (optind < argc)
		return log_error_errno(EINVAL, "Unexpected argument \"%s\"; see --help.", argv[optind]);
	if (arg_format_set && !arg_once)
		return log_error_errno(EINVAL, "--format applies to --once only; the HTTP server offers every format.");
	if (arg_once && arg_n_listen > 0)
		return log_error_errno(EINVAL, "--listen and --once exclude each other.");
	if (arg_check_config && arg_once)
		return log_error_errno(EINVAL, "--check-config and --once exclude each other.");
	return 1;
}

/*
 * Defaults, then the configuration file (bootmemd.conf(5)), then the command line.  A missing
 * default file is no error; an explicit --config must exist.  Every error names file, line and key.
 */
static int load_config(struct config *c)
{
	const char *path = arg_config ?: DEFAULT_CONFIG_FILE;
	struct config_error err;
	int r;

	config_init(c);
	/* Once root is dropped the TLS files may be unreadable; they apply at a restart only. */
	r = config_load_file(c, path, arg_dropped ? CONFIG_NO_FILES : 0, &err);
	if (r == -ENOENT && !arg_config && err.line == 0)
		log_debug("No %s, using the defaults.", path);
	else if (r == -ENOMEM)
		return log_oom();
	else if (r < 0)
		return log_error_errno(r, "Bad configuration: %s", err.message);
	for (size_t i = 0; i < arg_n_sources; i++)
		if (apply_source(c, arg_sources[i]) < 0)
			return log_oom();	/* checked by parse_argv() */
	return 0;
}

static void config_to_http_options(const struct config *c, struct http_options *o)
{
	o->connection_limit = c->connection_limit;
	o->per_ip_connection_limit = c->per_ip_connection_limit;
	o->header_timeout_sec = c->header_timeout_sec;
	o->connection_timeout_sec = c->connection_timeout_sec;
	o->connection_memory_limit = c->connection_memory_limit;
	o->tls_cert_pem = c->tls_certificate_pem;
	o->tls_key_pem = c->tls_key_pem;
	o->auth = arg_auth;
}

static int parse_config(void)
{
	int r;

	r = load_config(&arg_cfg);
	if (r < 0)
		return r;
	if (!arg_root_set && arg_cfg.root)
		arg_root = arg_cfg.root;
	/* The file's Listen= only when the command line has none (read once, at startup). */
	if (arg_n_listen == 0 && !arg_once)
		for (size_t i = 0; i < arg_cfg.n_listen; i++) {
			r = add_listen(arg_cfg.listen[i]);
			if (r < 0)
				return r;
		}
	r = auth_new(arg_cfg.users, arg_cfg.n_users, &arg_auth);
	if (r < 0)
		return log_oom();
	config_to_http_options(&arg_cfg, &arg_http);
	return 0;
}

static int check_root(void)
{
	struct stat st;

	if (stat(arg_root, &st) < 0)
		return log_error_errno(errno, "Cannot use --root %s: %m", arg_root);
	if (!S_ISDIR(st.st_mode))
		return log_error_errno(ENOTDIR, "Cannot use --root %s: %m", arg_root);
	return 0;
}

static int load_report(struct bootmem_report **ret)
{
	struct report_paths paths;
	int r;

	config_report_paths(&arg_cfg, &paths);	/* NULL: the input's usual place under the root */

	r = report_load(arg_root, &paths, ret);
	if (r < 0)
		return log_error_errno(r, "Failed to read the sources under %s: %m", arg_root);
	if (!report_has_kernel_log(*ret)) {
		const char *why;

		if (report_source_present(*ret, BM_SRC_LOG, &why) && why)
			log_warning("The bootmem_fate log under %s is not used: %s. Figures come from the stock "
				    "kernel's interfaces only.", arg_root, why);
		else
			log_notice("No bootmem_fate log under %s: figures come from the stock kernel's interfaces "
				   "only.", arg_root);
	}
	return 0;
}

static int write_all(FILE *f, const char *buf, size_t len)
{
	if (fwrite(buf, 1, len, f) != len || fflush(f) != 0)
		return -errno ?: -EIO;
	return 0;
}

static int run_once(void)
{
	struct bootmem_report *report = NULL;
	char *out = NULL;
	size_t len = 0;
	int r;

	r = load_report(&report);
	if (r < 0)
		return r;
	r = report_render(report, arg_format, &out, &len);
	report_free(report);
	if (r < 0)
		return log_error_errno(r, "Failed to render the report: %m");

	r = write_all(stdout, out, len);
	free(out);
	if (r < 0)
		return log_error_errno(r, "Failed to write the report: %m");
	return 0;
}

static int build_content(struct http_content **ret)
{
	struct bootmem_report *report = NULL;
	uint64_t start = util_now_usec();
	struct report_exporter before = exporter;
	int r;

	r = load_report(&report);
	if (r < 0)
		return r;
	exporter.reload_successful = true;
	exporter.reload_success_time = (int64_t) time(NULL);
	r = http_content_new(report, arg_cfg.endpoints, &exporter, ret);
	if (r < 0) {
		exporter = before;
		report_free(report);
		return r;
	}
	/* Reading and rendering freed far more than the responses keep: give it back. */
	malloc_trim(0);
	log_info("Read %s and rendered the responses in %.1f ms: %s", arg_root,
		 (double) (util_now_usec() - start) / 1000, http_content_summary(*ret));
	return 0;
}

/* The listening sockets not yet handed to the server. */
struct sockets {
	int *fds;
	size_t n;
};

static void sockets_done(struct sockets *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->fds[i] >= 0)
			close(s->fds[i]);
	free(s->fds);
	*s = (struct sockets) {};
}

/* Sockets from the service manager (socket activation), else our own from --listen. */
static int open_sockets(struct sockets *ret)
{
	_cleanup_(sockets_done) struct sockets s = {};
	struct listen_arg def = { .name = HTTP_DEFAULT_LISTEN };
	const struct listen_arg *l = arg_listen;
	size_t n = arg_n_listen;
	int k, r;

	k = sd_listen_fds(true);
	if (k < 0)
		return log_error_errno(k, "Failed to get the sockets passed by the service manager: %m");
	if (k > 0) {
		s.fds = calloc(k, sizeof(int));
		if (!s.fds)
			return log_oom();
		for (int i = 0; i < k; i++) {
			int fd = SD_LISTEN_FDS_START + i;

			r = sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1);
			if (r <= 0)
				return log_error_errno(r < 0 ? r : EINVAL, "File descriptor %d passed by the service manager "
						       "is not a listening stream socket.", fd);
			s.fds[s.n++] = fd;
		}
		if (arg_n_listen > 0)
			log_notice("Serving on the %d socket(s) passed by the service manager; ignoring --listen.", k);
		*ret = s;
		s = (struct sockets) {};
		return 0;
	}

	if (n == 0) {
		if (listen_address_parse(def.name, &def.address) < 0)
			abort();
		l = &def;
		n = 1;
	}
	s.fds = calloc(n, sizeof(int));
	if (!s.fds)
		return log_oom();
	for (size_t i = 0; i < n; i++) {
		r = listen_address_bind(&l[i].address, &s.fds[i]);
		if (r < 0)
			return log_error_errno(r, "Failed to listen on %s: %m", l[i].name);
		s.n++;
	}
	*ret = s;
	s = (struct sockets) {};
	return 0;
}

static bool streq_ptr(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

/* The sockets and MHD's daemons are set up once: these settings wait for a restart. */
static void log_restart_only(const struct config *old, const struct config *new)
{
	bool changed = old->n_listen != new->n_listen ||
		old->connection_limit != new->connection_limit ||
		old->per_ip_connection_limit != new->per_ip_connection_limit ||
		old->header_timeout_sec != new->header_timeout_sec ||
		old->connection_timeout_sec != new->connection_timeout_sec ||
		old->connection_memory_limit != new->connection_memory_limit ||
		!streq_ptr(old->tls_certificate_pem, new->tls_certificate_pem) ||
		!streq_ptr(old->tls_key_pem, new->tls_key_pem);

	for (size_t i = 0; !changed && i < old->n_listen; i++)
		changed = strcmp(old->listen[i], new->listen[i]) != 0;
	if (changed)
		log_notice("Reload: changes to [Server] and [TLS] take effect at the next restart.");
}

/* The responses from before, with bootmemd_config_last_reload_successful 0. */
static void reload_failed(struct http_server *server, struct http_content **content)
{
	struct http_content *c = NULL;

	exporter.reload_successful = false;
	if (http_content_with_routes(*content, http_content_routes(*content), &exporter, &c) < 0)
		return;
	http_server_set_content(server, c);
	http_content_unref(*content);
	*content = c;
}

/*
 * Re-reads the configuration file and the sources.  A configuration with an error is refused as a
 * whole, and so is one whose sources cannot be read: the server keeps what it serves.  Sources,
 * [Endpoints] and [BasicAuth] apply at once.
 */
static void reload(struct http_server *server, struct http_content **content)
{
	struct http_content *c = NULL;
	struct config cfg, old;
	const char *old_root = arg_root;
	int r;

	sd_notifyf(false, "RELOADING=1\nSTATUS=Reloading\nMONOTONIC_USEC=%" PRIu64, util_now_usec());

	r = load_config(&cfg);
	if (r < 0) {
		config_done(&cfg);
		log_warning("Reload refused: the configuration has errors; still serving with the one from before.");
		reload_failed(server, content);
		sd_notifyf(false, "READY=1\nSTATUS=Reload refused (bad configuration); %s",
			   http_content_summary(*content));
		return;
	}
	old = arg_cfg;
	arg_cfg = cfg;
	if (!arg_root_set)
		arg_root = arg_cfg.root ?: "/";
	if (arg_dropped) {
		/* The kernel's files need root to open: a re-read would lose them. */
		log_notice("Reloading the configuration; the sources were read as root at start and are "
			   "kept (restart to read them again, or run under systemd, whose unit copies them).");
		exporter.reload_successful = true;
		exporter.reload_success_time = (int64_t) time(NULL);
		r = http_content_with_routes(*content, arg_cfg.endpoints, &exporter, &c);
	} else {
		log_info("Reloading: reading %s again.", arg_root);
		r = build_content(&c);
	}
	if (r < 0) {
		config_done(&arg_cfg);
		arg_cfg = old;
		arg_root = old_root;
		log_warning("Reload failed; still serving the responses from before.");
		reload_failed(server, content);
	} else {
		/* The content carries which routes answer: [Endpoints] changes with it, atomically. */
		http_server_set_content(server, c);
		http_content_unref(*content);
		*content = c;
		if (!config_users_equal(&old, &arg_cfg) && auth_set_users(arg_auth, arg_cfg.users, arg_cfg.n_users) < 0)
			log_oom();
		log_restart_only(&old, &arg_cfg);

		/* MHD's daemons keep the TLS material they started with: it must live on. */
		free(arg_cfg.tls_certificate_pem);
		if (arg_cfg.tls_key_pem)
			explicit_bzero(arg_cfg.tls_key_pem, strlen(arg_cfg.tls_key_pem));
		free(arg_cfg.tls_key_pem);
		arg_cfg.tls_certificate_pem = old.tls_certificate_pem;
		arg_cfg.tls_key_pem = old.tls_key_pem;
		old.tls_certificate_pem = old.tls_key_pem = NULL;
		config_done(&old);
	}
	sd_notifyf(false, "READY=1\nSTATUS=%s", http_content_summary(*content));
}

/*
 * Before the first request is parsed: started as root, become the configured user without a
 * capability; in every case, NoNewPrivs and the seccomp filter (privilege.h).
 */
static int drop_privileges(void)
{
	const char *user = arg_user ?: arg_cfg.user ?: PRIVILEGE_DEFAULT_USER;
	struct privilege_user u;
	char err[256];
	int r;

	if (geteuid() == 0) {
		r = privilege_lookup(user, &u, err, sizeof(err));
		if (r >= 0)
			r = privilege_drop(&u, err, sizeof(err));
		if (r < 0)
			return log_error_errno(r, "Cannot drop root privileges: %s.", err);
		arg_dropped = true;
		log_info("Serving as user %s (uid %u, gid %u), without capabilities.", u.name, (unsigned)u.uid,
			 (unsigned)u.gid);
	}
	r = privilege_confine(err, sizeof(err));
	if (r < 0)
		return log_error_errno(r, "Cannot confine the server: %s.", err);
	if (r > 0)
		log_info("Seccomp: %s.", err);
	return 0;
}

static int serve(void)
{
	/* Cleaned up in reverse: the server stops before its content goes. */
	_cleanup_(sockets_done) struct sockets sockets = {};
	_cleanup_(http_content_unrefp) struct http_content *content = NULL;
	_cleanup_(http_server_freep) struct http_server *server = NULL;
	uint64_t watchdog_usec = 0, next_ping = 0;
	sigset_t mask;
	int r;

	/* Blocked before MHD starts its threads, which inherit the mask: only sigtimedwait() below sees them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return log_error_errno(errno, "Failed to block signals: %m");
	signal(SIGPIPE, SIG_IGN);

	/* Bind first: a port in use fails fast, before the sources are read. */
	r = open_sockets(&sockets);
	if (r < 0)
		return r;

	r = build_content(&content);
	if (r < 0)
		return r;

	r = drop_privileges();
	if (r < 0)
		return r;

	r = http_server_new(&arg_http, content, &server);
	if (r < 0)
		return log_error_errno(r, "Failed to set up the HTTP server: %m");
	for (size_t i = 0; i < sockets.n; i++) {
		/* The server owns the socket now, also when this fails. */
		r = http_server_add_listener(server, TAKE_FD(sockets.fds[i]));
		if (r < 0)
			return r;
	}

	if (sd_watchdog_enabled(false, &watchdog_usec) > 0 && watchdog_usec > 0) {
		log_debug("Watchdog every %" PRIu64 " ms.", watchdog_usec / 1000);
		next_ping = util_now_usec();
	} else
		watchdog_usec = 0;

	sd_notifyf(false, "READY=1\nSTATUS=%s", http_content_summary(content));

	for (;;) {
		struct timespec ts, *timeout = NULL;
		siginfo_t si;
		int sig;

		if (watchdog_usec > 0) {
			uint64_t now = util_now_usec(), left = next_ping > now ? next_ping - now : 0;

			ts = (struct timespec) { .tv_sec = left / 1000000, .tv_nsec = (left % 1000000) * 1000 };
			timeout = &ts;
		}

		sig = sigtimedwait(&mask, &si, timeout);
		if (sig < 0 && errno == EINTR)
			continue;
		if (sig < 0 && errno == EAGAIN) {
			/*
			 * Feed the watchdog only when every HTTP thread just answered a request: a hung
			 * server thread must get us restarted, not kept alive by a healthy main thread.
			 */
			uint64_t probe = watchdog_usec / 4 < 5000000 ? watchdog_usec / 4 : 5000000;

			if (http_server_check_alive(server, probe) >= 0)
				sd_notify(false, "WATCHDOG=1");
			next_ping = util_now_usec() + watchdog_usec / 2;
			continue;
		}
		if (sig < 0)
			return log_error_errno(errno, "Failed to wait for signals: %m");

		if (sig == SIGHUP) {
			reload(server, &content);
			continue;
		}
		log_info("Received %s, stopping.", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
		return 0;
	}
}

/* Returns an exit status (0, EXIT_USAGE) or a negative errno for a runtime failure. */
static int run(int argc, char *argv[])
{
	int r;

	log_setup();
	arg_http = HTTP_OPTIONS_DEFAULTS;

	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
	if (parse_config() < 0 || check_root() < 0)
		return EXIT_USAGE;
	if (arg_check_config)
		return EXIT_SUCCESS;	/* nothing said: a configuration manager's validate: step wants the status */

	return arg_once ? run_once() : serve();
}

int main(int argc, char *argv[])
{
	int r;

	exporter.start_time = (int64_t) time(NULL);
	r = run(argc, argv);
	free_args();
	return r < 0 ? EXIT_FAILURE : r;
}
