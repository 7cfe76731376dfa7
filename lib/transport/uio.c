// SPDX-License-Identifier: MIT
/* UIO device and map discovery through sysfs. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport.h"
#include "uio.h"

#define UIO_CLASS "/sys/class/uio"

/*
 * Read a one-line sysfs attribute without its newline. -E2BIG if it fills
 * @buf: a cut name must never match a shorter one.
 */
static int read_attr(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, cap - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -errno;
	if ((size_t)n == cap - 1)
		return -E2BIG;
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

static int read_u64_attr(const char *path, uint64_t *ret)
{
	char buf[64] = "", *end; /* never parsed uninitialised */
	unsigned long long v;
	int err;

	err = read_attr(path, buf, sizeof(buf));
	if (err < 0)
		return err;
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (errno || end == buf || *end || buf[0] == '-')
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "uio12" -> 12; anything else -> false. */
static bool parse_uio_name(const char *s, unsigned int *ret)
{
	unsigned long v;
	char *end;

	if (strncmp(s, "uio", 3) != 0 || !isdigit((unsigned char)s[3]))
		return false;
	errno = 0;
	v = strtoul(s + 3, &end, 10);
	if (errno || *end || v > UINT_MAX)
		return false;
	*ret = (unsigned int)v;
	return true;
}

int uio_dev_path(unsigned int dev, char *buf, size_t cap)
{
	return transport_path(buf, cap, "/dev/uio%u", dev);
}

int uio_probe_dev(unsigned int dev, const struct logger *log)
{
	char path[512];
	int err;

	err = uio_dev_path(dev, path, sizeof(path));
	if (err < 0)
		return err;
	/* Effective IDs and capabilities: what open() will be judged by. */
	if (faccessat(AT_FDCWD, path, R_OK | W_OK, AT_EACCESS) < 0) {
		err = -errno;
		log_msg(log, LOG_ERR, "%s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

static int class_dir(char *buf, size_t cap, const struct logger *log)
{
	if (transport_path(buf, cap, UIO_CLASS) < 0)
		return -ENAMETOOLONG;
	if (access(buf, F_OK) < 0) {
		log_msg(log, LOG_ERR,
			"this machine has no UIO devices (%s is missing: is the uio module loaded?)",
			buf);
		return -ENODEV;
	}
	return 0;
}

/* Every device's name, for a message that lists what is there. */
static void list_devices(DIR *d, const char *dir, char *out, size_t cap)
{
	char path[768], name[UIO_NAME_MAX];
	struct dirent *de;
	unsigned int n;
	size_t used = 0;

	out[0] = '\0';
	rewinddir(d);
	while ((de = readdir(d)) && used + 1 < cap) {
		if (!parse_uio_name(de->d_name, &n))
			continue;
		snprintf(path, sizeof(path), "%s/%s/name", dir, de->d_name);
		if (read_attr(path, name, sizeof(name)) < 0)
			snprintf(name, sizeof(name), "?");
		used += (size_t)snprintf(out + used, cap - used, "%s%s '%s'", used ? ", " : "",
					 de->d_name, name);
	}
	if (used >= cap)
		snprintf(out + cap - 4, 4, "...");
}

int uio_find_device(const char *device, unsigned int *ret, const struct logger *log)
{
	char dir[400], path[768], name[UIO_NAME_MAX], found[256];
	unsigned int n, match = 0, matches = 0;
	const char *s = device;
	struct dirent *de;
	DIR *d;
	int err;

	if (!device || !device[0])
		return -EINVAL;
	err = class_dir(dir, sizeof(dir), log);
	if (err < 0)
		return err;

	if (strncmp(s, "/dev/", 5) == 0)
		s += 5;
	if (parse_uio_name(s, &n)) {
		snprintf(path, sizeof(path), "%s/uio%u", dir, n);
		if (access(path, F_OK) < 0) {
			log_msg(log, LOG_ERR, "UIO device %s: %s does not exist", device, path);
			return -ENOENT;
		}
		*ret = n;
		return 0;
	}
	if (s != device) {
		log_msg(log, LOG_ERR, "UIO device %s: not a /dev/uioN path", device);
		return -EINVAL;
	}

	d = opendir(dir);
	if (!d) {
		err = -errno;
		log_msg(log, LOG_ERR, "cannot read %s: %s", dir, strerror(-err));
		return err;
	}
	found[0] = '\0';
	while ((de = readdir(d))) {
		if (!parse_uio_name(de->d_name, &n))
			continue;
		snprintf(path, sizeof(path), "%s/%s/name", dir, de->d_name);
		if (read_attr(path, name, sizeof(name)) < 0 || strcmp(name, device) != 0)
			continue;
		if (matches++)
			snprintf(found + strlen(found), sizeof(found) - strlen(found), ", ");
		snprintf(found + strlen(found), sizeof(found) - strlen(found), "/dev/uio%u", n);
		match = n;
	}
	if (matches == 1) {
		closedir(d);
		*ret = match;
		return 0;
	}
	if (matches > 1) {
		log_msg(log, LOG_ERR,
			"several UIO devices are named '%s' (%s): name one as /dev/uioN", device,
			found);
		closedir(d);
		return -ENOTUNIQ;
	}
	list_devices(d, dir, found, sizeof(found));
	closedir(d);
	log_msg(log, LOG_ERR, "no UIO device named '%s' (%s)", device,
		found[0] ? found : "there are none");
	return -ENOENT;
}

static int read_map(const char *mapdir, unsigned int dev, unsigned int index,
		    struct uio_map_info *ret, const struct logger *log)
{
	char path[768];
	int err;

	memset(ret, 0, sizeof(*ret));
	ret->dev = dev;
	ret->index = index;
	snprintf(path, sizeof(path), "%s/size", mapdir);
	err = read_u64_attr(path, &ret->size);
	if (err < 0) {
		log_msg(log, LOG_ERR, "cannot read %s: %s", path, strerror(-err));
		return err == -ENOENT ? -ENOENT : -EINVAL;
	}
	/* Kernels before "offset" existed mapped from the page of "addr" too,
	 * but could not say where in it the memory starts: assume 0. */
	snprintf(path, sizeof(path), "%s/offset", mapdir);
	err = read_u64_attr(path, &ret->offset);
	if (err == -ENOENT)
		ret->offset = 0;
	else if (err < 0) {
		log_msg(log, LOG_ERR, "cannot read %s: %s", path, strerror(-err));
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/name", mapdir);
	if (read_attr(path, ret->name, sizeof(ret->name)) < 0)
		ret->name[0] = '\0';
	if (ret->offset >= ret->size && ret->size) {
		log_msg(log, LOG_ERR, "%s: offset 0x%llx is not inside the map's 0x%llx bytes",
			mapdir, (unsigned long long)ret->offset, (unsigned long long)ret->size);
		return -EINVAL;
	}
	return 0;
}

int uio_find_map(unsigned int dev, const struct icmsg_uio_config *cfg,
		 struct uio_map_info *ret, const struct logger *log)
{
	char dir[400], mapdir[720];
	struct uio_map_info info;
	unsigned int m;
	struct dirent *de;
	DIR *d;
	int err;

	if (transport_path(dir, sizeof(dir), UIO_CLASS "/uio%u/maps", dev) < 0)
		return -ENAMETOOLONG;
	if (!cfg->map_name) {
		if (cfg->map < 0)
			return -EINVAL;
		snprintf(mapdir, sizeof(mapdir), "%s/map%d", dir, cfg->map);
		if (access(mapdir, F_OK) < 0) {
			log_msg(log, LOG_ERR, "/dev/uio%u has no map %d (%s is missing)", dev,
				cfg->map, mapdir);
			return -ENOENT;
		}
		return read_map(mapdir, dev, (unsigned int)cfg->map, ret, log);
	}

	d = opendir(dir);
	if (!d) {
		log_msg(log, LOG_ERR, "/dev/uio%u has no memory maps (%s)", dev, dir);
		return -ENOENT;
	}
	err = -ENOENT;
	while ((de = readdir(d))) {
		if (sscanf(de->d_name, "map%u", &m) != 1)
			continue;
		snprintf(mapdir, sizeof(mapdir), "%s/%s", dir, de->d_name);
		if (read_map(mapdir, dev, m, &info, NULL) < 0 || strcmp(info.name, cfg->map_name))
			continue;
		*ret = info;
		err = 0;
		break;
	}
	closedir(d);
	if (err < 0)
		log_msg(log, LOG_ERR, "/dev/uio%u has no map named '%s'", dev, cfg->map_name);
	return err;
}
