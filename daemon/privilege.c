/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <linux/capability.h>
#include <seccomp.h>

#include "privilege.h"
#include "util.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
/* LeakSanitizer stops the world with ptrace at exit; only a sanitizer build lets it. */
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define SANITIZER_BUILD 1
#else
#define SANITIZER_BUILD 0
#endif

static int fail(int r, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, strerror(-r));
	return r;
}

int privilege_lookup(const char *name, struct privilege_user *u, char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	char buf[4096], *end;
	unsigned long id;
	int r;

	errno = 0;
	id = strtoul(name, &end, 10);
	if (*name && !*end && errno == 0 && id < (uid_t)-1)
		r = getpwuid_r((uid_t)id, &pw, buf, sizeof(buf), &res);
	else
		r = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	if (r) {
		snprintf(err, errlen, "cannot look up user \"%s\": %s", name, strerror(r));
		return -r;
	}
	if (!res) {
		snprintf(err, errlen, "no such user \"%s\"", name);
		return -ESRCH;
	}
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", pw.pw_name);
	return 0;
}

/* The highest capability this kernel knows, which may be past the headers'. */
static unsigned long cap_last(void)
{
	_cleanup_free_ char *s = NULL;
	size_t len;

	if (util_read_file_at(-1, "/proc/sys/kernel/cap_last_cap", 32, &s, &len) == 0)
		return strtoul(s, NULL, 10);
	return CAP_LAST_CAP;
}

int privilege_drop(const struct privilege_user *u, char *err, size_t errlen)
{
	unsigned long last;

	if (geteuid() != 0)
		return 0;
	if (u->uid == 0) {
		snprintf(err, errlen, "user \"%s\" is root: refusing to serve with every privilege", u->name);
		return -EPERM;
	}
	/* While CAP_SETPCAP is still ours: nothing can come back through exec or ambient caps. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return fail(-errno, err, errlen, "clearing the ambient capabilities");
	last = cap_last();
	for (unsigned long c = 0; c <= last; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return fail(-errno, err, errlen, "emptying the capability bounding set");
	if (setgroups(0, NULL) < 0)
		return fail(-errno, err, errlen, "dropping the supplementary groups");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return fail(-errno, err, errlen, "setting the group ids");
	/* From uid 0 to another with no SECBIT_KEEP_CAPS: permitted and effective sets are cleared. */
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return fail(-errno, err, errlen, "setting the user ids");
	if (setuid(0) == 0 || seteuid(0) == 0) {
		snprintf(err, errlen, "root could be regained after the drop");
		return -EPERM;
	}
	/* The kernel made us undumpable, which keeps the TLS key from other "nobody" processes. */
	if (SANITIZER_BUILD)
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return 0;
}

/*
 * What serving needs, and reloading: reading files, sockets and the event
 * loop, threads, memory, time, signals, sd_notify.  No exec, no new
 * privileges, no mounts, no tracing, no module or kernel interfaces.
 */
static const int allowed[] = {
	/* files (a reload reads the sources and the configuration again) */
	SCMP_SYS(read), SCMP_SYS(pread64), SCMP_SYS(readv), SCMP_SYS(write), SCMP_SYS(writev),
	SCMP_SYS(pwrite64), SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(close), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(lseek),
	SCMP_SYS(getdents64), SCMP_SYS(readlink), SCMP_SYS(readlinkat), SCMP_SYS(access),
	SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(fcntl), SCMP_SYS(ioctl), SCMP_SYS(dup),
	SCMP_SYS(dup2), SCMP_SYS(dup3), SCMP_SYS(pipe2), SCMP_SYS(eventfd2), SCMP_SYS(getcwd),
	/* sd-journal, when a reload reads this boot's kernel messages from the journal (it mmaps them) */
	SCMP_SYS(fstatfs), SCMP_SYS(statfs),
	/* sockets and the event loop (MHD, sd_notify) */
	SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(recvfrom), SCMP_SYS(recvmsg), SCMP_SYS(sendto),
	SCMP_SYS(sendmsg), SCMP_SYS(sendfile), SCMP_SYS(shutdown), SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(listen),
	SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(socketpair), SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(select), SCMP_SYS(pselect6),
	SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_pwait2),
	/* threads and memory */
	SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(futex), SCMP_SYS(set_robust_list),
	SCMP_SYS(get_robust_list), SCMP_SYS(rseq), SCMP_SYS(set_tid_address), SCMP_SYS(gettid),
	SCMP_SYS(getpid), SCMP_SYS(getppid), SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(mprotect), SCMP_SYS(madvise),
	SCMP_SYS(brk), SCMP_SYS(prlimit64), SCMP_SYS(getrlimit), SCMP_SYS(exit), SCMP_SYS(exit_group),
	/* time, signals, identity, randomness (TLS) */
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigtimedwait), SCMP_SYS(sigaltstack), SCMP_SYS(tgkill),
	SCMP_SYS(kill), SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
	SCMP_SYS(getresuid), SCMP_SYS(getresgid), SCMP_SYS(getgroups), SCMP_SYS(uname),
	SCMP_SYS(sysinfo), SCMP_SYS(getrandom), SCMP_SYS(prctl), SCMP_SYS(restart_syscall),
};

static const int allowed_sanitizer[] = {
	SCMP_SYS(ptrace), SCMP_SYS(wait4), SCMP_SYS(waitid), SCMP_SYS(getdents), SCMP_SYS(sched_getparam),
};

int privilege_confine(char *err, size_t errlen)
{
	/* A service manager's filter (systemd's SystemCallFilter=) may forbid adding ours. */
	bool filtered = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2;
	scmp_filter_ctx ctx;
	int r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(-errno, err, errlen, "setting NoNewPrivs");
	/* A call outside the list fails with EPERM rather than killing the server. */
	ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx)
		return fail(-ENOMEM, err, errlen, "seccomp_init");
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; r == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		/* A call this architecture does not have is negative: nothing to allow. */
		if (allowed[i] >= 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; SANITIZER_BUILD && r == 0 && i < sizeof(allowed_sanitizer) / sizeof(int); i++)
		if (allowed_sanitizer[i] >= 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_sanitizer[i], 0);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0 && filtered) {
		snprintf(err, errlen, "already under the service manager's seccomp filter, which refuses another");
		return 1;
	}
	if (r < 0)
		return fail(r, err, errlen, "loading the seccomp filter");
	return 0;
}
