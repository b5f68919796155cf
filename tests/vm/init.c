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
 * Console protocol (one item per line; the host strips '\r'):
 *   @@BMF-BEGIN 1@@
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

int main(void)
{
	static const char *const files[] = {
		"sys/kernel/bootmem_fate/log",
		"sys/firmware/fdt",
		"sys/kernel/boot_params/data",
		"proc/meminfo",
		"proc/iomem",
		"proc/cmdline",
		"proc/version",
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
	/* Keep the kernel's console output from interleaving with the frames (dmesg still has it). */
	klogctl(SYSLOG_ACTION_CONSOLE_OFF, NULL, 0);

	out("\n@@BMF-BEGIN 1@@\n");
	info_initrd();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (i == 3)
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
