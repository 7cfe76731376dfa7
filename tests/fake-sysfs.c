// SPDX-License-Identifier: MIT
/* A fake sysfs/dev tree for the UIO and /dev/mem backends, see fake-sysfs.h. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <dirent.h>

#include <cmocka.h>

#include "fake-sysfs.h"
#include "test-util.h"

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

char *fake_sysfs_path(const struct fake_sysfs *fs, char *buf, size_t cap, const char *rel)
{
	int n = snprintf(buf, cap, "%s/%s", fs->root, rel);

	if (n < 0 || (size_t)n >= cap)
		fail_msg("fake-sysfs: path too long: %s/%s", fs->root, rel);
	return buf;
}

/* mkdir -p of root/@rel. */
static void mkdirs(const struct fake_sysfs *fs, const char *rel)
{
	char path[768];
	size_t len;

	fake_sysfs_path(fs, path, sizeof(path), rel);
	len = strlen(fs->root) + 1;
	for (char *p = path + len; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fail_msg("fake-sysfs: mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		fail_msg("fake-sysfs: mkdir %s: %s", path, strerror(errno));
}

/* The directory part of @rel made, for a file to be created in it. */
static void mkparents(const struct fake_sysfs *fs, const char *rel)
{
	char dir[512];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		mkdirs(fs, dir);
	}
}

void fake_sysfs_init(struct fake_sysfs *fs)
{
	char *dir = tu_mkdtemp();
	long page = sysconf(_SC_PAGESIZE);

	memset(fs, 0, sizeof(*fs));
	snprintf(fs->root, sizeof(fs->root), "%s", dir);
	free(dir);
	fs->page = page > 0 ? (size_t)page : 4096;
	mkdirs(fs, "sys/class");
	mkdirs(fs, "dev");
	if (setenv("ICMSG_SYSROOT", fs->root, 1) < 0)
		fail_msg("setenv: %s", strerror(errno));
}

/* rm -rf that first gives back the permissions a test may have taken away. */
static void rm_rf(const char *path)
{
	struct dirent *de;
	struct stat st;
	char sub[1024];
	DIR *d;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		(void)chmod(path, 0700);
		d = opendir(path);
		if (d) {
			while ((de = readdir(d))) {
				if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
					continue;
				snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
				rm_rf(sub);
			}
			closedir(d);
		}
		rmdir(path);
		return;
	}
	unlink(path);
}

void fake_sysfs_cleanup(struct fake_sysfs *fs)
{
	fake_sysfs_restore_modes();
	unsetenv("ICMSG_SYSROOT");
	if (!fs->root[0])
		return;
	rm_rf(fs->root);
	fs->root[0] = '\0';
}

void fake_sysfs_write_attr(struct fake_sysfs *fs, const char *rel, const char *text)
{
	char path[768];
	size_t len = strlen(text);
	int fd;

	mkparents(fs, rel);
	fake_sysfs_path(fs, path, sizeof(path), rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fail_msg("fake-sysfs: %s: %s", path, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len)
		fail_msg("fake-sysfs: write %s: %s", path, strerror(errno));
	close(fd);
}

static void write_u64_attr(struct fake_sysfs *fs, const char *rel, uint64_t v)
{
	char text[32];

	snprintf(text, sizeof(text), "0x%llx\n", (unsigned long long)v);
	fake_sysfs_write_attr(fs, rel, text);
}

void fake_sysfs_add_uio_class(struct fake_sysfs *fs)
{
	mkdirs(fs, "sys/class/uio");
}

/* Make @rel a regular file of at least @size bytes (never shrunk). */
static void grow_file(struct fake_sysfs *fs, const char *rel, uint64_t size)
{
	char path[768];
	struct stat st;
	int fd;

	mkparents(fs, rel);
	fake_sysfs_path(fs, path, sizeof(path), rel);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		fail_msg("fake-sysfs: %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		fail_msg("fake-sysfs: fstat %s: %s", path, strerror(errno));
	if ((uint64_t)st.st_size < size && ftruncate(fd, (off_t)size) < 0)
		fail_msg("fake-sysfs: ftruncate %s: %s", path, strerror(errno));
	close(fd);
}

void fake_sysfs_add_uio(struct fake_sysfs *fs, unsigned int n, const char *name)
{
	char rel[128], text[128];

	snprintf(rel, sizeof(rel), "sys/class/uio/uio%u", n);
	mkdirs(fs, rel);
	if (name) {
		snprintf(rel, sizeof(rel), "sys/class/uio/uio%u/name", n);
		snprintf(text, sizeof(text), "%s\n", name);
		fake_sysfs_write_attr(fs, rel, text);
	}
	snprintf(rel, sizeof(rel), "dev/uio%u", n);
	grow_file(fs, rel, 0);
}

void fake_sysfs_add_map(struct fake_sysfs *fs, unsigned int n, unsigned int m, const char *name,
			uint64_t addr, uint64_t size, uint64_t offset)
{
	uint64_t start = (uint64_t)m * fs->page, end = start + round_up(size, fs->page);
	char rel[160], text[128];

	if (fs->n_maps == FAKE_SYSFS_MAX_MAPS)
		fail_msg("fake-sysfs: too many maps");
	for (size_t i = 0; i < fs->n_maps; i++) {
		const struct fake_sysfs_map *o = &fs->maps[i];
		uint64_t o_start = (uint64_t)o->index * fs->page;
		uint64_t o_end = o_start + round_up(o->size, fs->page);

		if (o->dev != n)
			continue;
		if (o->index == m)
			fail_msg("fake-sysfs: uio%u already has map %u", n, m);
		if (start < o_end && o_start < end)
			fail_msg("fake-sysfs: the bytes of map %u and map %u of uio%u would overlap "
				 "in dev/uio%u",
				 m, o->index, n, n);
	}
	fs->maps[fs->n_maps++] = (struct fake_sysfs_map){
		.dev = n, .index = m, .size = size, .offset = offset,
	};

	snprintf(rel, sizeof(rel), "sys/class/uio/uio%u/maps/map%u", n, m);
	mkdirs(fs, rel);
	if (name) {
		snprintf(rel, sizeof(rel), "sys/class/uio/uio%u/maps/map%u/name", n, m);
		snprintf(text, sizeof(text), "%s\n", name);
		fake_sysfs_write_attr(fs, rel, text);
	}
	snprintf(rel, sizeof(rel), "sys/class/uio/uio%u/maps/map%u/addr", n, m);
	write_u64_attr(fs, rel, addr);
	snprintf(rel, sizeof(rel), "sys/class/uio/uio%u/maps/map%u/size", n, m);
	write_u64_attr(fs, rel, size);
	snprintf(rel, sizeof(rel), "sys/class/uio/uio%u/maps/map%u/offset", n, m);
	write_u64_attr(fs, rel, offset);
	snprintf(rel, sizeof(rel), "dev/uio%u", n);
	grow_file(fs, rel, end);
}

uint64_t fake_sysfs_map_file_offset(const struct fake_sysfs *fs, unsigned int m,
				    uint64_t map_offset, uint64_t off)
{
	return (uint64_t)m * fs->page + map_offset + off;
}

void fake_sysfs_add_devmem(struct fake_sysfs *fs, uint64_t size)
{
	grow_file(fs, "dev/mem", size);
}

void fake_sysfs_make_file(struct fake_sysfs *fs, const char *rel, uint64_t size)
{
	grow_file(fs, rel, size);
}

void fake_sysfs_make_fifo(struct fake_sysfs *fs, const char *rel)
{
	char path[768];

	mkparents(fs, rel);
	fake_sysfs_path(fs, path, sizeof(path), rel);
	if (unlink(path) < 0 && errno != ENOENT)
		fail_msg("fake-sysfs: unlink %s: %s", path, strerror(errno));
	if (mkfifo(path, 0600) < 0)
		fail_msg("fake-sysfs: mkfifo %s: %s", path, strerror(errno));
}

void fake_sysfs_write(struct fake_sysfs *fs, const char *rel, uint64_t off, const void *buf,
		      size_t n)
{
	char path[768];
	int fd;

	fake_sysfs_path(fs, path, sizeof(path), rel);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("fake-sysfs: %s: %s", path, strerror(errno));
	if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
		fail_msg("fake-sysfs: pwrite %s: %s", path, strerror(errno));
	close(fd);
}

void fake_sysfs_read(const struct fake_sysfs *fs, const char *rel, uint64_t off, void *buf,
		     size_t n)
{
	char path[768];
	ssize_t got;
	int fd;

	fake_sysfs_path(fs, path, sizeof(path), rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("fake-sysfs: %s: %s", path, strerror(errno));
	got = pread(fd, buf, n, (off_t)off);
	if (got != (ssize_t)n)
		fail_msg("fake-sysfs: pread %s at 0x%llx: %zd of %zu bytes", path,
			 (unsigned long long)off, got, n);
	close(fd);
}

void fake_sysfs_fill(struct fake_sysfs *fs, const char *rel, uint64_t off, uint8_t byte,
		     size_t n)
{
	uint8_t *buf = malloc(n ? n : 1);

	if (!buf) {
		fail_msg("fake-sysfs: out of memory");
		return; /* not reached: cmocka's _fail() is not declared noreturn */
	}
	memset(buf, byte, n);
	fake_sysfs_write(fs, rel, off, buf, n);
	free(buf);
}

void fake_sysfs_chmod(struct fake_sysfs *fs, const char *rel, mode_t mode)
{
	char path[768];

	fake_sysfs_path(fs, path, sizeof(path), rel);
	if (chmod(path, mode) < 0)
		fail_msg("fake-sysfs: chmod %s: %s", path, strerror(errno));
}

void fake_sysfs_remove(struct fake_sysfs *fs, const char *rel)
{
	char path[768];

	fake_sysfs_path(fs, path, sizeof(path), rel);
	rm_rf(path);
}

/* Whether a mode 000 file now stays closed to us. */
static bool denial_works(void)
{
	char *dir = tu_mkdtemp(), path[512];
	bool denied;
	int fd;

	snprintf(path, sizeof(path), "%s/probe", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0000);
	if (fd < 0)
		fail_msg("fake-sysfs: %s: %s", path, strerror(errno));
	close(fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	denied = fd < 0;
	if (fd >= 0)
		close(fd);
	tu_rmtree(dir);
	free(dir);
	return denied;
}

/* The capabilities that let root ignore file modes. */
#define DAC_CAPS ((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH))

static bool caps_lowered;

static int dac_caps(bool on)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	/* Effective only: the permitted set keeps them, so they come back. */
	if (on)
		data[0].effective |= data[0].permitted & DAC_CAPS;
	else
		data[0].effective &= ~DAC_CAPS;
	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

bool fake_sysfs_enforce_modes(void)
{
	if (denial_works())
		return true;
	if (dac_caps(false) < 0)
		return false;
	caps_lowered = true;
	return denial_works();
}

void fake_sysfs_restore_modes(void)
{
	if (caps_lowered && dac_caps(true) == 0)
		caps_lowered = false;
}
