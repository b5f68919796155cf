/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

static enum log_target log_target = LOG_TARGET_STDERR;
static int log_max_level = LOG_INFO;

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit", [LOG_ERR] = "err",
	[LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

int log_level_from_string(const char *s)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	for (int i = 0; i <= LOG_DEBUG; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return i;
	if (strcasecmp(s, "error") == 0)
		return LOG_ERR;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end || v < LOG_EMERG || v > LOG_DEBUG)
		return -EINVAL;
	return (int) v;
}

/* systemd.exec(5): $JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected stdout/stderr to. */
static int stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return st.st_dev == (dev_t) dev && st.st_ino == (ino_t) ino;
}

void log_setup(void)
{
	const char *e;

	/*
	 * sd_journal_send() drops messages silently when the journal's socket is missing (journald
	 * stopped, another mount namespace): then the "<N>" prefixes carry the priority through the
	 * stream instead.
	 */
	if (stderr_is_journal() && access(JOURNAL_SOCKET, F_OK) == 0)
		log_target = LOG_TARGET_JOURNAL;
	else if (stderr_is_journal() || (getenv("INVOCATION_ID") && !isatty(STDERR_FILENO)))
		log_target = LOG_TARGET_STDERR_PREFIXED;
	else
		log_target = LOG_TARGET_STDERR;

	e = getenv("BOOTMEMD_LOG_LEVEL");
	if (e) {
		int l = log_level_from_string(e);

		if (l < 0)
			log_warning("Ignoring invalid $BOOTMEMD_LOG_LEVEL=%s.", e);
		else
			log_max_level = l;
	}
}

enum log_target log_get_target(void)
{
	return log_target;
}

void log_set_max_level(int level)
{
	log_max_level = level;
}

int log_get_max_level(void)
{
	return log_max_level;
}

static void write_stderr(int level, const char *msg)
{
	/*
	 * One fprintf() per message: stdio locks the stream, so lines from MHD's threads do not interleave.
	 * Under systemd (and when falling back from the journal socket to the journal stream), "<N>" carries
	 * the priority.
	 */
	if (log_target != LOG_TARGET_STDERR)
		fprintf(stderr, "<%d>%s\n", level, msg);
	else
		fprintf(stderr, "%s\n", msg);
}

int log_internal(int level, int error, const char *file, int line, const char *func,
		 const char *format, ...)
{
	char buf[2048];
	va_list ap;

	error = abs(error);
	if (level > log_max_level)
		return -error;

	/* Lets "%m" print @error. */
	errno = error;
	va_start(ap, format);
	vsnprintf(buf, sizeof(buf), format, ap);
	va_end(ap);

	if (log_target == LOG_TARGET_JOURNAL) {
		int r;

		if (error != 0)
			r = sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%i", level, "ERRNO=%i", error,
					    "CODE_FILE=%s", file, "CODE_LINE=%i", line, "CODE_FUNC=%s", func,
					    NULL);
		else
			r = sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%i", level,
					    "CODE_FILE=%s", file, "CODE_LINE=%i", line, "CODE_FUNC=%s", func,
					    NULL);
		if (r >= 0)
			return -error;
		/* The journal socket is gone; stderr still reaches the journal stream. */
	}

	write_stderr(level, buf);
	return -error;
}
