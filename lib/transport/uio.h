/* SPDX-License-Identifier: MIT */
/*
 * uio - finding UIO devices and their maps in sysfs.
 *
 * A device is named by its sysfs name (/sys/class/uio/uioN/name), "uioN"
 * or "/dev/uioN"; a map by index or by its sysfs name. The kernel mmaps
 * map M of /dev/uioN at file offset M * page size, starting at the page
 * that holds the map's memory; the map's sysfs "offset" says where in that
 * page the memory starts.
 */
#ifndef ICMSG_UIO_H
#define ICMSG_UIO_H

#include <stddef.h>
#include <stdint.h>

#include "../internal.h"

/* Longest device or map name we compare; longer ones never match. */
#define UIO_NAME_MAX 256

/** struct uio_map_info - sysfs facts about one map of one device. */
struct uio_map_info {
	unsigned int dev;   /* N of uioN */
	unsigned int index; /* M of mapM */
	uint64_t size;      /* bytes from the start of the mapping */
	uint64_t offset;    /* in-page offset of the memory in the mapping */
	char name[UIO_NAME_MAX];
};

/**
 * uio_find_device() - resolve @device to N of /dev/uioN.
 * Return: 0, -ENODEV (no /sys/class/uio on this machine), -ENOENT (no
 * such device), -ENOTUNIQ (several devices carry that name); logged.
 */
int uio_find_device(const char *device, unsigned int *ret, const struct logger *log);

/**
 * uio_find_map() - the map of device @dev selected by @cfg (map_name, else
 * map index). Return: 0, -ENOENT or -EINVAL (unreadable attributes); logged.
 */
int uio_find_map(unsigned int dev, const struct icmsg_uio_config *cfg,
		 struct uio_map_info *ret, const struct logger *log);

/**
 * uio_probe_dev() - check we may read and write /dev/uio@dev (logged).
 * Return: 0 or a negative errno.
 */
int uio_probe_dev(unsigned int dev, const struct logger *log);

/** uio_dev_path() - "/dev/uioN" below the system root. Return: 0 or -ENAMETOOLONG. */
int uio_dev_path(unsigned int dev, char *buf, size_t cap);

#endif
