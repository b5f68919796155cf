/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /init of the systemd test guest's initramfs: loads the few modules Debian's
 * kernel needs to reach its root file system (virtio disk, ext4), mounts
 * /dev/vda and hands over to systemd.
 *
 * Why not initramfs-tools: building its initramfs inside the rootfs takes
 * minutes on a loaded 2-core machine (twice, during debootstrap), and
 * everything it does for this guest fits here.  Statically linked; the
 * modules, in load order, are listed in /modules (one path per line).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "bootmemd-test init: %s: %s\n", what, strerror(errno));
	/* PID 1 exiting panics the kernel, and panic=-1 ends QEMU: the host sees it at once. */
	exit(1);
}

static void load_modules(void)
{
	char line[512];
	FILE *f = fopen("/modules", "re");

	if (!f)
		die("/modules");
	while (fgets(line, sizeof(line), f)) {
		int fd;

		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(line);
		if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
			die(line);
		close(fd);
	}
	fclose(f);
}

int main(int argc, char *argv[])
{
	char *const init_argv[] = { "/sbin/init", NULL };
	struct stat st;
	int i;

	(void) argc;
	(void) argv;
	mkdir("/dev", 0755);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0 && errno != EBUSY)
		die("mount /dev");
	if (!freopen("/dev/console", "w", stderr))
		die("/dev/console");

	load_modules();

	/*
	 * virtio_blk probes asynchronously, and the two disks (root, payload) may come in either
	 * order: wait for both, 30 s at most, and take the one with /sbin/init.
	 */
	for (i = 0; i < 300 && (stat("/dev/vda", &st) < 0 || stat("/dev/vdb", &st) < 0); i++)
		nanosleep(&(struct timespec) { .tv_nsec = 100 * 1000 * 1000 }, NULL);
	mkdir("/root", 0755);
	for (i = 0;; i++) {
		const char *disk = i == 0 ? "/dev/vda" : "/dev/vdb";

		if (i == 2) {
			errno = ENOENT;
			die("no disk with /sbin/init");
		}
		if (mount(disk, "/root", "ext4", 0, NULL) < 0)
			continue;
		if (lstat("/root/sbin/init", &st) == 0)
			break;
		umount("/root");
	}
	if (mount("/dev", "/root/dev", NULL, MS_MOVE, NULL) < 0)
		die("move /dev");

	/* switch_root without deleting: the initramfs is a few MiB. */
	if (chdir("/root") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
		die("switch to /dev/vda");
	execv(init_argv[0], init_argv);
	die("exec /sbin/init");
	return 1;
}
