// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tests/vm/init.c: PID 1 of the bootmemd VM harness.
 *
 * Built static (-Os) for each guest architecture and linked into the kernel's
 * builtin initramfs. By the time it runs, the kernel has unpacked (and freed or
 * retained) the external initrd and freed its init memory, so there is nothing
 * to wait for. It mounts proc and sysfs, dumps the snapshot files to the
 * console as framed base64, and reboots (QEMU runs with -no-reboot, so it exits).
 *
 * Before the dump it runs two guest-side tests of /sys/kernel/bootmem_fate/log and reports
 * them as INFO lines: two concurrent readers must read byte-identical files
 * (concurrent-readers identical <n>/<rounds>), and a process without CAP_SYS_ADMIN (bounding and
 * effective sets dropped, still uid 0) must not be able to open the log
 * (cap-sys-admin-required yes|no|n/a). It also reports the log's version, its record count and
 * how many records have a caller that looks like a raw address (raw-address-callers <n>).
 *
 * With "bmf.wait" on the kernel command line it prints @@BMF-READY@@ and waits for a line "go"
 * on the console (the host changes the VM's memory through QMP meanwhile, then writes the line to
 * QEMU's stdin), running reader rounds and sampling MemTotal as it waits. Every boot then waits
 * until MemTotal has not changed for 1 s before it dumps.
 *
 * Console protocol (one item per line; the host strips '\r'):
 *   @@BMF-BEGIN 1@@
 *   @@BMF-READY@@           (bmf.wait only: the host may now act, then send "go")
 *   @@BMF-INFO <key> <value>@@
 *   @@BMF-FILE <relative/path> <size>@@
 *   <base64, 76 characters per line>
 *   @@BMF-REPEAT <n>@@      (inside a file: the previous base64 line, n more times)
 *   @@BMF-END <crc32 as 8 hex digits>@@
 *   @@BMF-SKIP <relative/path> <errno name>@@      (file absent or unreadable)
 *   @@BMF-DONE <number of files>@@
 * crc32 is the IEEE/zlib one over the decoded bytes.
 */
#include <dirent.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_CONSOLE_OFF 6
#define SYSLOG_ACTION_SIZE_BUFFER 10

static int out_fd = 1;
static unsigned int nfiles;

static void out_raw(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(out_fd, p, n);

		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void __attribute__((format(printf, 1, 2))) out(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	out_raw(line, (size_t)n);
}

static uint32_t crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return c ^ 0xffffffffu;
}

static void emit(const char *relpath, const unsigned char *data, size_t size)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	/* 57 input bytes -> one 76-character line; batch many lines per write(). */
	static char buf[77 * 256];
	char line[77], prev[77] = "";
	size_t used = 0, repeat = 0;

	out("@@BMF-FILE %s %zu@@\n", relpath, size);
	for (size_t i = 0; i < size; i += 57) {
		size_t n = size - i < 57 ? size - i : 57, len = 0;

		for (size_t j = 0; j < n; j += 3) {
			uint32_t v = (uint32_t)data[i + j] << 16;

			if (j + 1 < n)
				v |= (uint32_t)data[i + j + 1] << 8;
			if (j + 2 < n)
				v |= data[i + j + 2];
			line[len++] = b64[(v >> 18) & 63];
			line[len++] = b64[(v >> 12) & 63];
			line[len++] = j + 1 < n ? b64[(v >> 6) & 63] : '=';
			line[len++] = j + 2 < n ? b64[v & 63] : '=';
		}
		line[len] = '\0';
		/* Runs of identical lines (the FDT's zero padding) cross the UART as one count. */
		if (!strcmp(line, prev)) {
			repeat++;
			continue;
		}
		if (repeat) {
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "@@BMF-REPEAT %zu@@\n", repeat);
			repeat = 0;
		}
		memcpy(buf + used, line, len);
		used += len;
		buf[used++] = '\n';
		memcpy(prev, line, len + 1);
		if (used > sizeof(buf) - 2 * 77) {
			out_raw(buf, used);
			used = 0;
		}
	}
	if (repeat)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "@@BMF-REPEAT %zu@@\n", repeat);
	out_raw(buf, used);
	out("@@BMF-END %08x@@\n", crc32(data, size));
	nfiles++;
}

/* Reads a whole file (sysfs binary files report no useful size: read to EOF). */
static unsigned char *slurp(const char *path, size_t *size, int *err)
{
	size_t cap = 65536, len = 0;
	unsigned char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	buf = malloc(cap);
	for (;;) {
		ssize_t r;

		if (!buf) {
			*err = ENOMEM;
			close(fd);
			return NULL;
		}
		if (len == cap) {
			unsigned char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				continue;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*err = errno;
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	*size = len;
	return buf;
}

/* relpath is relative to / (the snapshot's layout). */
static void dump(const char *relpath)
{
	char path[512];
	unsigned char *data;
	size_t size = 0;
	int err = 0;

	snprintf(path, sizeof(path), "/%s", relpath);
	data = slurp(path, &size, &err);
	if (!data) {
		out("@@BMF-SKIP %s %s@@\n", relpath, strerrorname_np(err) ? strerrorname_np(err) : "?");
		return;
	}
	emit(relpath, data, size);
	free(data);
}

static int cmp_num(const void *a, const void *b)
{
	long x = strtol(*(char *const *)a, NULL, 10), y = strtol(*(char *const *)b, NULL, 10);

	return (x > y) - (x < y);
}

/* x86: /sys/firmware/memmap/<n>/{start,end,type}, in numeric order. */
static void dump_memmap(void)
{
	static const char *const attrs[] = { "start", "end", "type" };
	DIR *d = opendir("/sys/firmware/memmap");
	char *names[1024];
	size_t n = 0;
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) && n < sizeof(names) / sizeof(names[0]))
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_num);
	for (size_t i = 0; i < n; i++) {
		for (size_t a = 0; a < 3; a++) {
			char rel[128];

			snprintf(rel, sizeof(rel), "sys/firmware/memmap/%s/%s", names[i], attrs[a]);
			dump(rel);
		}
		free(names[i]);
	}
}

static void dump_dmesg(void)
{
	int cap = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	char *buf;
	int n;

	if (cap <= 0)
		cap = 1 << 20;
	buf = malloc((size_t)cap);
	if (!buf)
		return;
	n = klogctl(SYSLOG_ACTION_READ_ALL, buf, cap);
	if (n < 0) {
		out("@@BMF-SKIP dmesg.txt %s@@\n", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	} else {
		emit("dmesg.txt", (unsigned char *)buf, (size_t)n);
	}
	free(buf);
}

static void info_initrd(void)
{
	unsigned char *data;
	size_t size = 0;
	struct stat st;
	int err = 0;

	data = slurp("/bmf-initrd/marker", &size, &err);
	if (data) {
		/* The marker is one line of text. */
		while (size && (data[size - 1] == '\n' || data[size - 1] == '\r'))
			size--;
		out("@@BMF-INFO initrd-marker %.*s@@\n", (int)size, (char *)data);
		free(data);
	} else {
		out("@@BMF-INFO initrd-marker absent@@\n");
	}
	if (stat("/bmf-initrd/payload.bin", &st) == 0)
		out("@@BMF-INFO initrd-payload %lld@@\n", (long long)st.st_size);
	out("@@BMF-INFO sys-firmware-initrd %s@@\n",
	    stat("/sys/firmware/initrd", &st) == 0 ? "present" : "absent");
}

#define FATE_LOG "/sys/kernel/bootmem_fate/log"

static long meminfo_kb(const char *key)
{
	unsigned char *data;
	size_t size = 0, klen = strlen(key);
	int err = 0;
	long v = -1;

	data = slurp("/proc/meminfo", &size, &err);
	if (!data)
		return -1;
	for (size_t i = 0; i + klen < size; i++) {
		if ((i == 0 || data[i - 1] == '\n') && !memcmp(data + i, key, klen) && data[i + klen] == ':') {
			v = strtol((char *)data + i + klen + 1, NULL, 10);
			break;
		}
	}
	free(data);
	return v;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Reads FATE_LOG from 0 to EOF in 512-byte chunks, yielding between them, into path. */
static int chunked_copy(int start_fd, const char *path)
{
	char buf[512], c;
	int in, out_f;
	ssize_t r;

	if (read(start_fd, &c, 1) < 0) /* the barrier: returns when the parent closes its end */
		return 2;
	in = open(FATE_LOG, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return 3;
	out_f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out_f < 0)
		return 4;
	while ((r = read(in, buf, sizeof(buf))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return 5;
		}
		if (write(out_f, buf, (size_t)r) != r)
			return 6;
		sched_yield();
	}
	close(in);
	close(out_f);
	return 0;
}

static unsigned int rounds_run, rounds_same, rounds_failed;
static size_t rounds_min_size = (size_t)-1, rounds_max_size;

/* One round: two children start together and each copy the log; 1 if the copies are identical. */
static void reader_round(void)
{
	static const char *const paths[2] = { "/bmf-reader-0", "/bmf-reader-1" };
	int barrier[2], ok = 1;
	pid_t pid[2];

	if (pipe(barrier) != 0) {
		rounds_failed++;
		return;
	}
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			close(barrier[1]);
			_exit(chunked_copy(barrier[0], paths[i]));
		}
	}
	close(barrier[0]);
	close(barrier[1]); /* both readers go */
	for (int i = 0; i < 2; i++) {
		int st = 0;

		if (pid[i] < 0 || waitpid(pid[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			ok = 0;
	}
	rounds_run++;
	if (ok) {
		unsigned char *a, *b;
		size_t na = 0, nb = 0;
		int err = 0;

		a = slurp(paths[0], &na, &err);
		b = slurp(paths[1], &nb, &err);
		if (a && b && na == nb && !memcmp(a, b, na))
			rounds_same++;
		if (a) {
			if (na < rounds_min_size)
				rounds_min_size = na;
			if (na > rounds_max_size)
				rounds_max_size = na;
		}
		free(a);
		free(b);
	} else {
		rounds_failed++;
	}
	unlink(paths[0]);
	unlink(paths[1]);
}

static void report_readers(void)
{
	struct stat st;

	if (stat(FATE_LOG, &st) != 0) {
		out("@@BMF-INFO concurrent-readers n/a (no log)@@\n");
		return;
	}
	out("@@BMF-INFO concurrent-readers %s %u/%u@@\n",
	    rounds_same == rounds_run && rounds_run ? "identical" : "differ", rounds_same, rounds_run);
	out("@@BMF-INFO concurrent-readers-detail failed %u size %zu..%zu@@\n", rounds_failed,
	    rounds_run ? rounds_min_size : 0, rounds_max_size);
}

/* Child: CAP_SYS_ADMIN out of the bounding, effective, permitted and inheritable sets, uid 0. */
static void test_capability(void)
{
	struct stat st;
	int pfd[2];
	pid_t pid;
	char res[64] = "";

	if (stat(FATE_LOG, &st) != 0) {
		out("@@BMF-INFO cap-sys-admin-required n/a (no log)@@\n");
		return;
	}
	if (pipe(pfd) != 0)
		return;
	pid = fork();
	if (pid == 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		int fd, e;

		close(pfd[0]);
		if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) != 0) {
			dprintf(pfd[1], "n/a (PR_CAPBSET_DROP: %s)", strerrorname_np(errno));
			_exit(0);
		}
		if (syscall(SYS_capget, &h, d) != 0) {
			dprintf(pfd[1], "n/a (capget: %s)", strerrorname_np(errno));
			_exit(0);
		}
		for (int i = 0; i < 2; i++) {
			unsigned int bit = i == CAP_TO_INDEX(CAP_SYS_ADMIN) ? CAP_TO_MASK(CAP_SYS_ADMIN) : 0;

			d[i].effective &= ~bit;
			d[i].permitted &= ~bit;
			d[i].inheritable &= ~bit;
		}
		if (syscall(SYS_capset, &h, d) != 0) {
			dprintf(pfd[1], "n/a (capset: %s)", strerrorname_np(errno));
			_exit(0);
		}
		fd = open(FATE_LOG, O_RDONLY | O_CLOEXEC);
		e = errno;
		if (fd >= 0)
			dprintf(pfd[1], "no (opened)");
		else if (e == EPERM || e == EACCES)
			dprintf(pfd[1], "yes (%s)", strerrorname_np(e));
		else
			dprintf(pfd[1], "no (open: %s)", strerrorname_np(e));
		_exit(0);
	}
	close(pfd[1]);
	if (pid > 0) {
		ssize_t n = read(pfd[0], res, sizeof(res) - 1);

		res[n > 0 ? n : 0] = '\0';
		waitpid(pid, NULL, 0);
	}
	close(pfd[0]);
	out("@@BMF-INFO cap-sys-admin-required %s@@\n", res[0] ? res : "n/a (fork)");
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Log version, record count and callers that look like raw addresses ("0x...", bare hex). */
static void report_log(void)
{
	unsigned char *d;
	size_t size = 0;
	int err = 0;
	uint32_t ver, rec_off, rec_size, count, str_off, str_size, caller_at;
	unsigned int raw = 0, unknown = 0;
	char first[80] = "";

	d = slurp(FATE_LOG, &size, &err);
	if (!d)
		return;
	if (size < 72 || memcmp(d, "BMEMFATE", 8)) {
		out("@@BMF-INFO log-format unknown@@\n");
		free(d);
		return;
	}
	ver = get32(d + 8);
	if (ver == 1) {
		rec_off = get32(d + 12), rec_size = get32(d + 16), count = get32(d + 20);
		str_off = get32(d + 32), str_size = get32(d + 36), caller_at = 36;
	} else {
		rec_off = get32(d + 44), rec_size = get32(d + 48), count = get32(d + 52);
		str_off = get32(d + 64), str_size = get32(d + 68), caller_at = 40;
	}
	out("@@BMF-INFO log-version %u@@\n", ver);
	out("@@BMF-INFO log-records %u@@\n", count);
	if ((uint64_t)rec_off + (uint64_t)rec_size * count > size || (uint64_t)str_off + str_size > size ||
	    rec_size < caller_at + 4) {
		out("@@BMF-INFO log-format inconsistent@@\n");
		free(d);
		return;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint32_t c = get32(d + rec_off + (size_t)i * rec_size + caller_at);
		const char *name;
		size_t n, hex = 0;

		if (c >= str_size)
			continue;
		name = (const char *)d + str_off + c;
		n = strnlen(name, str_size - c);
		if (n == 1 && name[0] == '?') {
			unknown++;
			continue;
		}
		for (size_t j = (n > 2 && name[0] == '0' && name[1] == 'x') ? 2 : 0; j < n; j++)
			if ((name[j] >= '0' && name[j] <= '9') || (name[j] >= 'a' && name[j] <= 'f') ||
			    (name[j] >= 'A' && name[j] <= 'F'))
				hex++;
		if (n && ((n > 2 && name[0] == '0' && name[1] == 'x' && hex == n - 2) || (hex == n && n >= 8))) {
			if (!raw++)
				snprintf(first, sizeof(first), "%.*s", (int)(n < 40 ? n : 40), name);
		}
	}
	out("@@BMF-INFO raw-address-callers %u%s%s@@\n", raw, raw ? " e.g. " : "", first);
	out("@@BMF-INFO unknown-callers %u@@\n", unknown);
	free(d);
}

/* bmf.wait: READY, then reader rounds and MemTotal samples until "go" arrives on the console. */
static void wait_for_host(void)
{
	long t0 = now_ms(), lo, hi, m;
	char line[64];
	size_t used = 0;
	int go = 0;

	lo = hi = meminfo_kb("MemTotal");
	out("@@BMF-INFO memtotal-ready %ld@@\n", lo);
	out("@@BMF-READY@@\n");
	while (!go && now_ms() - t0 < 600000) {
		struct pollfd p = { .fd = 0, .events = POLLIN };

		if (rounds_run < 2000 && stat(FATE_LOG, &(struct stat){ 0 }) == 0)
			reader_round();
		m = meminfo_kb("MemTotal");
		if (m >= 0 && m < lo)
			lo = m;
		if (m > hi)
			hi = m;
		while (poll(&p, 1, 100) > 0) {
			ssize_t r = read(0, line + used, sizeof(line) - 1 - used);

			if (r <= 0)
				break;
			used += (size_t)r;
			line[used] = '\0';
			if (strstr(line, "go")) {
				go = 1;
				break;
			}
			if (used >= sizeof(line) - 8)
				used = 0;
		}
	}
	out("@@BMF-INFO host-go %s after %ld ms@@\n", go ? "received" : "timeout", now_ms() - t0);
	out("@@BMF-INFO reader-rounds-while-waiting %u@@\n", rounds_run);
	while (rounds_run < 20 && stat(FATE_LOG, &(struct stat){ 0 }) == 0)
		reader_round();
	out("@@BMF-INFO memtotal-min %ld@@\n", lo);
	out("@@BMF-INFO memtotal-max %ld@@\n", hi);
}

/*
 * The tinyconfig-derived arm kernels have no nanosleep that 32-bit glibc can use (usleep() fails
 * with ENOSYS): then spin on the clock, yielding.
 */
static void sleep_ms(long ms)
{
	long end = now_ms() + ms;

	if (usleep((useconds_t)ms * 1000) == 0)
		return;
	while (now_ms() < end)
		sched_yield();
}

/* MemTotal unchanged for 1 s (10 samples), at most 60 s. */
static void settle(void)
{
	long t0 = now_ms(), last = meminfo_kb("MemTotal"), m;
	int same = 0;

	while (same < 10 && now_ms() - t0 < 60000) {
		sleep_ms(100);
		m = meminfo_kb("MemTotal");
		same = m == last ? same + 1 : 0;
		last = m;
	}
	out("@@BMF-INFO memtotal-settled %ld after %ld ms%s@@\n", last, now_ms() - t0,
	    same < 10 ? " (still changing)" : "");
}

static int cmdline_has(const char *word)
{
	unsigned char *d;
	size_t size = 0, n = strlen(word);
	int err = 0, found = 0;

	d = slurp("/proc/cmdline", &size, &err);
	if (!d)
		return 0;
	for (size_t i = 0; i + n <= size; i++)
		if ((i == 0 || d[i - 1] == ' ') && !memcmp(d + i, word, n) &&
		    (i + n == size || d[i + n] == ' ' || d[i + n] == '\n' || d[i + n] == '='))
			found = 1;
	free(d);
	return found;
}

int main(void)
{
	static const char *const files[] = {
		"sys/kernel/bootmem_fate/log",
		"sys/firmware/fdt",
		"sys/kernel/boot_params/data",
		"sys/kernel/bootmem_fate/runtime",
		"proc/meminfo",
		"proc/iomem",
		"proc/cmdline",
		"proc/version",
		"sys/kernel/debug/memblock/memory",
		"sys/kernel/debug/memblock/reserved",
	};

	if (fcntl(1, F_GETFD) < 0) {
		out_fd = open("/dev/console", O_WRONLY | O_NOCTTY);
		if (out_fd < 0)
			out_fd = 1;
	}
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	if (mount("proc", "/proc", "proc", 0, NULL) != 0)
		out("@@BMF-INFO mount-proc %s@@\n", strerrorname_np(errno));
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) != 0)
		out("@@BMF-INFO mount-sysfs %s@@\n", strerrorname_np(errno));
	/* memblock's debugfs files, where the kernel has debugfs and keeps memblock (arm64, arm). */
	if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) != 0 && errno != ENOENT && errno != ENODEV)
		out("@@BMF-INFO mount-debugfs %s@@\n", strerrorname_np(errno));
	/* Keep the kernel's console output from interleaving with the frames (dmesg still has it). */
	klogctl(SYSLOG_ACTION_CONSOLE_OFF, NULL, 0);

	out("\n@@BMF-BEGIN 1@@\n");
	info_initrd();
	if (cmdline_has("bmf.wait")) {
		wait_for_host();
	} else {
		for (int r = 0; r < 20 && stat(FATE_LOG, &(struct stat){ 0 }) == 0; r++)
			reader_round();
	}
	settle();
	report_readers();
	test_capability();
	report_log();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (i == 4)
			dump_memmap();
		dump(files[i]);
	}
	dump_dmesg();
	out("@@BMF-DONE %u@@\n", nfiles);
	sync();
	reboot(RB_AUTOBOOT);
	/* reboot() only returns on failure: let the kernel panic (panic=-1 restarts). */
	return 1;
}
