/* SPDX-License-Identifier: MIT */
/*
 * fake-sysfs - a stand-in for /sys/class/uio and /dev below a temporary
 * root, for tests of the UIO and /dev/mem backends. The library prefixes
 * every sysfs and /dev path with $ICMSG_SYSROOT (transport_path()), which
 * fake_sysfs_init() sets and fake_sysfs_cleanup() unsets.
 *
 * Layout, as the kernel presents it:
 *   sys/class/uio/uioN/name                      "name\n"
 *   sys/class/uio/uioN/maps/mapM/{name,addr,size,offset}
 *                                                 numbers as "0x%llx\n"
 *   dev/uioN   a regular file standing in for the device: map M's memory
 *              is at file offset M * page size, so that an mmap of
 *              /dev/uioN at M * page (how the kernel selects map M) maps
 *              it; its in-page "offset" bytes in.
 *   dev/mem    a sparse regular file: physical address A is file offset A.
 *
 * Map sizes count from the start of the mapping (the page that holds the
 * memory), as uio_pdrv_genirq sets them. A map larger than a page runs into
 * the file bytes of map M + 1; fake_sysfs_add_map() refuses maps of one
 * device whose bytes would overlap (give a large map the highest index).
 *
 * Every helper fails the running cmocka test on error.
 */
#ifndef ICMSG_FAKE_SYSFS_H
#define ICMSG_FAKE_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FAKE_SYSFS_MAX_MAPS 16

struct fake_sysfs_map {
	unsigned int dev, index;
	uint64_t size, offset;
};

struct fake_sysfs {
	char root[256];
	size_t page;
	struct fake_sysfs_map maps[FAKE_SYSFS_MAX_MAPS];
	size_t n_maps;
};

/** fake_sysfs_init() - a fresh empty root (sys/class and dev, no uio class); sets ICMSG_SYSROOT. */
void fake_sysfs_init(struct fake_sysfs *fs);

/** fake_sysfs_cleanup() - rm -rf the root and unset ICMSG_SYSROOT; safe twice. */
void fake_sysfs_cleanup(struct fake_sysfs *fs);

/**
 * fake_sysfs_path() - root + @rel (relative, e.g. "dev/uio0") into @buf.
 * Return: @buf.
 */
char *fake_sysfs_path(const struct fake_sysfs *fs, char *buf, size_t cap, const char *rel);

/** fake_sysfs_add_uio_class() - sys/class/uio, empty: the uio module is loaded. */
void fake_sysfs_add_uio_class(struct fake_sysfs *fs);

/**
 * fake_sysfs_add_uio() - device uio@n named @name (NULL: no name file),
 * with an empty dev/uio@n stand-in file.
 */
void fake_sysfs_add_uio(struct fake_sysfs *fs, unsigned int n, const char *name);

/**
 * fake_sysfs_add_map() - map @m of uio@n: its attributes, and dev/uio@n
 * extended (zero-filled, sparse) to hold the map's bytes.
 * @name: the map's name (NULL: no name file).
 * @size: bytes from the start of the mapping (offset included).
 * @offset: in-page offset of the memory.
 */
void fake_sysfs_add_map(struct fake_sysfs *fs, unsigned int n, unsigned int m, const char *name,
			uint64_t addr, uint64_t size, uint64_t offset);

/** fake_sysfs_map_file_offset() - where byte @off of map @m's memory is in dev/uioN. */
uint64_t fake_sysfs_map_file_offset(const struct fake_sysfs *fs, unsigned int m,
				    uint64_t map_offset, uint64_t off);

/** fake_sysfs_write_attr() - (over)write the file @rel with exactly @text. */
void fake_sysfs_write_attr(struct fake_sysfs *fs, const char *rel, const char *text);

/** fake_sysfs_add_devmem() - dev/mem as a sparse regular file of @size bytes. */
void fake_sysfs_add_devmem(struct fake_sysfs *fs, uint64_t size);

/** fake_sysfs_make_file() - a regular file @rel of @size zero bytes (parents created). */
void fake_sysfs_make_file(struct fake_sysfs *fs, const char *rel, uint64_t size);

/** fake_sysfs_make_fifo() - replace @rel (e.g. "dev/uio1") by a FIFO. */
void fake_sysfs_make_fifo(struct fake_sysfs *fs, const char *rel);

/** fake_sysfs_write() - pwrite @n bytes at @off of the stand-in file @rel. */
void fake_sysfs_write(struct fake_sysfs *fs, const char *rel, uint64_t off, const void *buf,
		      size_t n);

/** fake_sysfs_read() - pread @n bytes at @off of @rel (asserts they all exist). */
void fake_sysfs_read(const struct fake_sysfs *fs, const char *rel, uint64_t off, void *buf,
		     size_t n);

/** fake_sysfs_fill() - @n bytes of @byte at @off of @rel. */
void fake_sysfs_fill(struct fake_sysfs *fs, const char *rel, uint64_t off, uint8_t byte,
		     size_t n);

/** fake_sysfs_chmod() - chmod @rel (root ignores modes: see fake_sysfs_enforce_modes()). */
void fake_sysfs_chmod(struct fake_sysfs *fs, const char *rel, mode_t mode);

/** fake_sysfs_remove() - rm -rf @rel. */
void fake_sysfs_remove(struct fake_sysfs *fs, const char *rel);

/**
 * fake_sysfs_enforce_modes() - make file modes deny us, as they would an
 * unprivileged daemon: as root, drop CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH from the effective set until
 * fake_sysfs_restore_modes() (fake_sysfs_cleanup() calls it).
 * Return: whether a mode 000 file is now refused.
 */
bool fake_sysfs_enforce_modes(void);

/** fake_sysfs_restore_modes() - give back what fake_sysfs_enforce_modes() dropped. */
void fake_sysfs_restore_modes(void);

#endif
