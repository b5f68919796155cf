/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging for the daemon's front end.  The target is picked once, from the
 * environment, by log_setup():
 *
 *   - the journal (sd_journal_send(), with priority, errno and code location)
 *     when stderr is the journal stream systemd handed us ($JOURNAL_STREAM
 *     names stderr's device and inode, see systemd.exec(5));
 *   - stderr with "<N>" priority prefixes when run by systemd otherwise
 *     ($INVOCATION_ID set, stderr not a terminal): the journal and syslog
 *     readers of StandardError= understand them;
 *   - plain stderr otherwise.
 *
 * The library half (report.h) never prints; only the front end logs.  All
 * functions are thread-safe: MHD's threads log through here too.
 */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <syslog.h>

enum log_target {
	LOG_TARGET_STDERR,
	LOG_TARGET_STDERR_PREFIXED,
	LOG_TARGET_JOURNAL,
};

/* Reads $JOURNAL_STREAM, $INVOCATION_ID and $BOOTMEMD_LOG_LEVEL. */
void log_setup(void);

enum log_target log_get_target(void);
void log_set_max_level(int level);
int log_get_max_level(void);

/* "debug", "info", ... or a number 0..7; returns the level or -EINVAL. */
int log_level_from_string(const char *s);

/*
 * Logs one message at @level (LOG_ERR ...).  If @error is non-zero, errno is
 * set to it for "%m" and it is recorded as ERRNO= in the journal.  Returns
 * -abs(error), so that "return log_error_errno(r, ...)" works.
 */
int log_internal(int level, int error, const char *file, int line, const char *func,
		 const char *format, ...) __attribute__((format(printf, 6, 7)));

#define log_full_errno(level, error, ...)					\
	({									\
		int _level = (level), _e = (error);				\
		log_get_max_level() >= _level					\
			? log_internal(_level, _e, __FILE__, __LINE__, __func__, __VA_ARGS__) \
			: -abs(_e);						\
	})

#define log_full(level, ...) (void) log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...)		log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)		log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...)		log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...)	log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...)		log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(error, ...)	log_full_errno(LOG_DEBUG, error, __VA_ARGS__)
#define log_info_errno(error, ...)	log_full_errno(LOG_INFO, error, __VA_ARGS__)
#define log_notice_errno(error, ...)	log_full_errno(LOG_NOTICE, error, __VA_ARGS__)
#define log_warning_errno(error, ...)	log_full_errno(LOG_WARNING, error, __VA_ARGS__)
#define log_error_errno(error, ...)	log_full_errno(LOG_ERR, error, __VA_ARGS__)

/* For "Out of memory." at the place it happened. */
#define log_oom() log_full_errno(LOG_ERR, ENOMEM, "Out of memory.")
