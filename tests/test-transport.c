// SPDX-License-Identifier: MIT
/*
 * transport: the UIO, /dev/mem, MMIO and eventfd backends against a fake
 * sysfs/dev tree (tests/fake-sysfs.h), the UIO interrupt doorbell through
 * a socketpair, the config probe, and two links over UIO maps.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "doorbell.h"
#include "fake-sysfs.h"
#include "region.h"
#include "test-util.h"

static struct fake_sysfs fs;
static size_t page;

/* ---- log capture ---- */

#define LOG_LINES 64

static struct {
	char line[LOG_LINES][512];
	int prio[LOG_LINES];
	int n;
} logs;

static void capture(int priority, const char *msg, void *userdata)
{
	(void)userdata;
	if (getenv("ICMSG_TEST_VERBOSE"))
		fprintf(stderr, "<%d> %s\n", priority, msg);
	if (logs.n < LOG_LINES) {
		snprintf(logs.line[logs.n], sizeof(logs.line[0]), "%s", msg);
		logs.prio[logs.n++] = priority;
	}
}

static const struct logger tlog = { .fn = capture };

static void logs_clear(void)
{
	memset(&logs, 0, sizeof(logs));
}

/* The first captured line that contains every one of the NULL-terminated needles. */
static const char *find_log(const char *needle, ...)
{
	for (int i = 0; i < logs.n; i++) {
		const char *s = needle;
		bool all = true;
		va_list ap;

		va_start(ap, needle);
		for (; s; s = va_arg(ap, const char *))
			if (!strstr(logs.line[i], s))
				all = false;
		va_end(ap);
		if (all)
			return logs.line[i];
	}
	return NULL;
}

#define expect_log(...)                                                                   \
	do {                                                                              \
		if (!find_log(__VA_ARGS__, (const char *)NULL)) {                         \
			for (int i_ = 0; i_ < logs.n; i_++)                               \
				print_message("log[%d]: %s\n", i_, logs.line[i_]);        \
			fail_msg("no log line contains all of: %s", #__VA_ARGS__);        \
		}                                                                         \
	} while (0)

/* ---- fixtures ---- */

static int setup(void **state)
{
	(void)state;
	fake_sysfs_init(&fs);
	page = fs.page;
	logs_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_sysfs_cleanup(&fs);
	return 0;
}

static struct icmsg_region_config uio_region(const char *device, int map, const char *map_name,
					     uint64_t offset, uint64_t size)
{
	struct icmsg_region_config c = {
		.type = ICMSG_REGION_UIO,
		.uio = { .device = device, .map = map, .map_name = map_name },
		.offset = offset,
		.size = size,
	};
	return c;
}

static struct icmsg_region_config devmem_region(uint64_t address, uint64_t size)
{
	struct icmsg_region_config c = {
		.type = ICMSG_REGION_DEVMEM, .offset = address, .size = size,
	};
	return c;
}

/* A FILE region onto @rel of the fake root; @buf keeps the path alive. */
static struct icmsg_region_config file_region(char *buf, size_t cap, const char *rel,
					      uint64_t offset, uint64_t size)
{
	struct icmsg_region_config c = {
		.type = ICMSG_REGION_FILE,
		.path = fake_sysfs_path(&fs, buf, cap, rel),
		.offset = offset,
		.size = size,
	};
	return c;
}

static void pattern(uint8_t *buf, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(seed + i * 7 + (i >> 8));
}

/* The device the tests of one map use: uio1 "shm", map 1 at in-page offset 0x80. */
static void add_shm_device(void)
{
	fake_sysfs_add_uio(&fs, 0, "other");
	fake_sysfs_add_map(&fs, 0, 0, "other-regs", 0x10000000, page, 0);
	fake_sysfs_add_uio(&fs, 1, "shm");
	fake_sysfs_add_map(&fs, 1, 0, "regs", 0x2a000000, page, 0);
	fake_sysfs_add_map(&fs, 1, 1, "mem", 0x20070000, page, 0x80);
}

/* ---- UIO regions ---- */

/* Open @c and check it sees @n bytes at file offset @file_off of dev/uio1. */
static void check_sees(const struct icmsg_region_config *c, const char *dev_rel,
		       uint64_t file_off, size_t n, uint8_t seed)
{
	uint8_t want[512], got[512];
	struct region r;

	assert_true(n <= sizeof(want));
	pattern(want, n, seed);
	fake_sysfs_write(&fs, dev_rel, file_off, want, n);
	assert_int_equal(region_open(&r, c, false, false, &tlog), 0);
	assert_int_equal(r.size, c->size);
	assert_true(r.io);
	region_read(&r, 0, got, n);
	assert_memory_equal(got, want, n);
	assert_false(r.bad_access);
	region_close(&r);
}

static void test_transport_uio_region_by_name(void **state)
{
	struct icmsg_region_config c = uio_region("shm", 1, NULL, 0x40, 0x200);

	add_shm_device();
	check_sees(&c, "dev/uio1", fake_sysfs_map_file_offset(&fs, 1, 0x80, 0x40), 0x200, 1);
	assert_int_equal(region_probe(&c, false, &tlog), 0);
	assert_int_equal(logs.n, 0);
}

static void test_transport_uio_region_by_uio_n(void **state)
{
	struct icmsg_region_config c = uio_region("uio1", 1, NULL, 0x40, 0x100);
	uint64_t off = fake_sysfs_map_file_offset(&fs, 1, 0x80, 0x40);

	add_shm_device();
	check_sees(&c, "dev/uio1", off, 0x100, 2);
	c.uio.device = "/dev/uio1";
	check_sees(&c, "dev/uio1", off, 0x100, 3);
	assert_int_equal(region_probe(&c, false, &tlog), 0);
	/* uio0 is named "other": the same map index there is another file. */
	c.uio.device = "uio0";
	c.uio.map = 0;
	check_sees(&c, "dev/uio0", 0x40, 0x100, 4);
}

static void test_transport_uio_region_map_by_index_and_name(void **state)
{
	struct icmsg_region_config by_index = uio_region("shm", 0, NULL, 0x10, 0x40);
	struct icmsg_region_config by_name = uio_region("shm", 0, "mem", 0x10, 0x40);

	add_shm_device();
	/* Map 0 ("regs", offset 0) and map 1 ("mem", offset 0x80) differ. */
	check_sees(&by_index, "dev/uio1", fake_sysfs_map_file_offset(&fs, 0, 0, 0x10), 0x40, 5);
	check_sees(&by_name, "dev/uio1", fake_sysfs_map_file_offset(&fs, 1, 0x80, 0x10), 0x40, 6);
	/* A map name wins over the index. */
	by_name.uio.map = 0;
	check_sees(&by_name, "dev/uio1", fake_sysfs_map_file_offset(&fs, 1, 0x80, 0x10), 0x40, 7);
	by_index.uio.map = 1;
	check_sees(&by_index, "dev/uio1", fake_sysfs_map_file_offset(&fs, 1, 0x80, 0x10), 0x40, 8);
	by_name.uio.map_name = "regs";
	check_sees(&by_name, "dev/uio1", fake_sysfs_map_file_offset(&fs, 0, 0, 0x10), 0x40, 9);
}

static void test_transport_uio_region_in_page_offset(void **state)
{
	struct icmsg_region_config c = uio_region("shm", 0, "mem", 0x40, 0x100);
	uint64_t base = (uint64_t)1 * page + 0x80 + 0x40;
	uint8_t want[0x100], got[0x100], before, after;
	struct region r;

	add_shm_device();
	/* The bytes just outside the region must stay as they are. */
	fake_sysfs_fill(&fs, "dev/uio1", base - 1, 0xEE, 0x102);
	pattern(want, sizeof(want), 10);
	fake_sysfs_write(&fs, "dev/uio1", base, want, sizeof(want));
	assert_int_equal(region_open(&r, &c, false, false, &tlog), 0);
	region_read(&r, 0, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(got));
	assert_int_equal(region_load32(&r, 8), (uint32_t)want[8] | (uint32_t)want[9] << 8 |
							(uint32_t)want[10] << 16 |
							(uint32_t)want[11] << 24);

	/* Writes land at the same place of the stand-in file. */
	pattern(want, sizeof(want), 99);
	region_write(&r, 0, want, sizeof(want));
	region_store32(&r, 0x20, 0xA1B2C3D4);
	want[0x20] = 0xD4;
	want[0x21] = 0xC3;
	want[0x22] = 0xB2;
	want[0x23] = 0xA1;
	fake_sysfs_read(&fs, "dev/uio1", base, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(got));
	fake_sysfs_read(&fs, "dev/uio1", base - 1, &before, 1);
	fake_sysfs_read(&fs, "dev/uio1", base + sizeof(want), &after, 1);
	assert_int_equal(before, 0xEE);
	assert_int_equal(after, 0xEE);

	/* An accessor out of range touches nothing and says so. */
	region_write(&r, 0xFF, want, 2);
	assert_true(r.bad_access);
	fake_sysfs_read(&fs, "dev/uio1", base + sizeof(want), &after, 1);
	assert_int_equal(after, 0xEE);
	region_close(&r);
}

static void test_transport_uio_region_public_read(void **state)
{
	struct icmsg_region_config c = uio_region("/dev/uio1", 1, NULL, 0x100, 0x80);
	uint8_t want[0x80], got[0x80];

	add_shm_device();
	pattern(want, sizeof(want), 11);
	fake_sysfs_write(&fs, "dev/uio1", fake_sysfs_map_file_offset(&fs, 1, 0x80, 0x100), want,
			 sizeof(want));
	assert_int_equal(icmsg_region_read(&c, got, sizeof(got)), (int)sizeof(got));
	assert_memory_equal(got, want, sizeof(got));
}

static void test_transport_uio_region_beyond_map(void **state)
{
	/* Map 1: page bytes from the start of the mapping, memory from 0x80. */
	uint64_t room = page - 0x80;
	struct icmsg_region_config c = uio_region("shm", 1, NULL, room - 0x100, 0x100);
	struct region r;

	add_shm_device();
	/* Exactly up to the end of the map fits. */
	assert_int_equal(region_open(&r, &c, false, false, &tlog), 0);
	region_close(&r);
	assert_int_equal(region_probe(&c, false, &tlog), 0);

	/* Four bytes more does not, by offset or by size. */
	c.offset += 4;
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ERANGE);
	expect_log("does not fit map 1 of /dev/uio1");
	assert_int_equal(region_probe(&c, false, &tlog), -ERANGE);
	c.offset -= 4;
	c.size += 4;
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ERANGE);
	/* The in-page offset counts: room + 4 bytes from offset 0 are too many. */
	c.offset = 0;
	c.size = room + 4;
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ERANGE);
	/* Overflowing offsets are out of range too, not wrapped around. */
	c.offset = UINT64_MAX - 0x40;
	c.size = 0x100;
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ERANGE);
	assert_int_equal(region_probe(&c, false, &tlog), -ERANGE);
}

static void test_transport_uio_region_missing_device(void **state)
{
	struct icmsg_region_config c = uio_region("nosuch", 0, NULL, 0, 0x100);
	struct region r;

	fake_sysfs_add_uio(&fs, 0, "alpha");
	fake_sysfs_add_map(&fs, 0, 0, "m", 0, page, 0);
	fake_sysfs_add_uio(&fs, 3, "beta");
	fake_sysfs_add_map(&fs, 3, 0, "m", 0, page, 0);
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENOENT);
	/* The message lists what is there. */
	expect_log("no UIO device named 'nosuch'", "uio0 'alpha'", "uio3 'beta'");
	assert_int_equal(region_probe(&c, false, &tlog), -ENOENT);

	logs_clear();
	c.uio.device = "uio7";
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENOENT);
	expect_log("uio7");
	c.uio.device = "/dev/uio7";
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENOENT);
	assert_int_equal(region_probe(&c, false, &tlog), -ENOENT);
}

static void test_transport_uio_region_no_devices(void **state)
{
	struct icmsg_region_config c = uio_region("shm", 0, NULL, 0, 0x100);
	struct region r;

	/* The uio module is loaded but nothing bound to it. */
	fake_sysfs_add_uio_class(&fs);
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENOENT);
	expect_log("no UIO device named 'shm'", "there are none");
	assert_int_equal(region_probe(&c, false, &tlog), -ENOENT);
}

static void test_transport_uio_region_sysfs_without_dev_node(void **state)
{
	struct icmsg_region_config c = uio_region("shm", 1, NULL, 0, 0x100);
	struct region r;

	add_shm_device();
	fake_sysfs_remove(&fs, "dev/uio1");
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENOENT);
	expect_log("dev/uio1", "cannot open");
	assert_int_equal(region_probe(&c, false, &tlog), -ENOENT);
}

static void test_transport_uio_region_duplicate_name(void **state)
{
	struct icmsg_region_config c = uio_region("shm", 0, NULL, 0, 0x100);
	struct region r;

	fake_sysfs_add_uio(&fs, 0, "shm");
	fake_sysfs_add_map(&fs, 0, 0, "m", 0, page, 0);
	fake_sysfs_add_uio(&fs, 1, "other");
	fake_sysfs_add_uio(&fs, 2, "shm");
	fake_sysfs_add_map(&fs, 2, 0, "m", 0, page, 0);
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENOTUNIQ);
	expect_log("several UIO devices are named 'shm'", "/dev/uio0", "/dev/uio2");
	assert_int_equal(region_probe(&c, false, &tlog), -ENOTUNIQ);
	/* Naming one by number resolves it. */
	c.uio.device = "uio2";
	assert_int_equal(region_open(&r, &c, false, false, &tlog), 0);
	region_close(&r);
}

static void test_transport_uio_region_missing_map(void **state)
{
	struct icmsg_region_config c = uio_region("shm", 3, NULL, 0, 0x100);
	struct region r;

	add_shm_device();
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENOENT);
	expect_log("/dev/uio1 has no map 3");
	assert_int_equal(region_probe(&c, false, &tlog), -ENOENT);

	logs_clear();
	c.uio.map_name = "nosuch";
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENOENT);
	expect_log("/dev/uio1 has no map named 'nosuch'");
	assert_int_equal(region_probe(&c, false, &tlog), -ENOENT);

	/* A device without any maps directory. */
	fake_sysfs_add_uio(&fs, 4, "bare");
	c.uio.device = "bare";
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENOENT);
	c.uio.map_name = NULL;
	c.uio.map = 0;
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENOENT);
	/* A negative index is refused. */
	c.uio.device = "shm";
	c.uio.map = -1;
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -EINVAL);
}

static void test_transport_uio_region_no_uio_class(void **state)
{
	struct icmsg_region_config c = uio_region("shm", 0, NULL, 0, 0x100);
	struct region r;

	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENODEV);
	expect_log("this machine has no UIO devices");
	assert_int_equal(region_probe(&c, false, &tlog), -EOPNOTSUPP);
	c.uio.device = "/dev/uio0";
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENODEV);
	assert_int_equal(region_probe(&c, false, &tlog), -EOPNOTSUPP);
}

static void test_transport_uio_region_bad_size_attr(void **state)
{
	const char *size_attr = "sys/class/uio/uio1/maps/map1/size";
	struct icmsg_region_config c = uio_region("shm", 1, NULL, 0, 0x100);
	const char *garbage[] = { "banana\n", "\n", "0x1000 bytes\n", "-\n", "0x\n",
				  "99999999999999999999999\n" };
	char path[768];
	struct region r;

	add_shm_device();
	for (size_t i = 0; i < ARRAY_SIZE(garbage); i++) {
		logs_clear();
		fake_sysfs_write_attr(&fs, size_attr, garbage[i]);
		assert_int_equal(region_open(&r, &c, false, false, &tlog), -EINVAL);
		expect_log("cannot read", "map1/size");
		assert_int_equal(region_probe(&c, false, &tlog), -EINVAL);
	}
	/* Unreadable, in a way that stops root too: a directory. */
	fake_sysfs_remove(&fs, size_attr);
	assert_int_equal(mkdir(fake_sysfs_path(&fs, path, sizeof(path), size_attr), 0755), 0);
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -EINVAL);
	assert_int_equal(region_probe(&c, false, &tlog), -EINVAL);
	/* Missing. */
	fake_sysfs_remove(&fs, size_attr);
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENOENT);
	/* Back to a good value: it opens again. */
	fake_sysfs_write_attr(&fs, size_attr, "0x1000\n");
	assert_int_equal(region_open(&r, &c, false, false, &tlog), 0);
	region_close(&r);
}

/* A map shorter than the pages it spans cannot be mmapped by the kernel. */
static void test_transport_uio_region_sub_page_map(void **state)
{
	struct icmsg_region_config c = uio_region("bar", 0, NULL, 0, 0x100);
	struct region r;

	fake_sysfs_add_uio(&fs, 0, "bar");
	fake_sysfs_add_map(&fs, 0, 0, "regs", 0xfebd1000, 0x100, 0);
	assert_int_equal(region_probe(&c, false, &tlog), -EINVAL);
	expect_log("map 0 of /dev/uio0 is 0x100 bytes", "cannot mmap");
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -EINVAL);
}

static void test_transport_uio_region_unreadable_size_attr(void **state)
{
	struct icmsg_region_config c = uio_region("shm", 1, NULL, 0, 0x100);
	struct region r;

	if (!fake_sysfs_enforce_modes())
		skip();
	add_shm_device();
	fake_sysfs_chmod(&fs, "sys/class/uio/uio1/maps/map1/size", 0);
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -EINVAL);
	expect_log("cannot read", "Permission denied");
	assert_int_equal(region_probe(&c, false, &tlog), -EINVAL);
}

static void test_transport_uio_region_bad_offset_attr(void **state)
{
	const char *offset_attr = "sys/class/uio/uio1/maps/map1/offset";
	struct icmsg_region_config c = uio_region("shm", 1, NULL, 0, 0x100);
	struct region r;

	add_shm_device();
	fake_sysfs_write_attr(&fs, offset_attr, "0x80x\n");
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -EINVAL);
	/* An offset outside the map. */
	fake_sysfs_write_attr(&fs, offset_attr, "0x1000000\n");
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -EINVAL);
	expect_log("is not inside the map");
	assert_int_equal(region_probe(&c, false, &tlog), -EINVAL);
	/* No offset attribute (before Linux 3.x): page aligned. */
	fake_sysfs_remove(&fs, offset_attr);
	c.size = 0x10;
	check_sees(&c, "dev/uio1", fake_sysfs_map_file_offset(&fs, 1, 0, 0), 0x10, 12);
}

static void test_transport_uio_region_bad_device_string(void **state)
{
	const char *bad[] = { "/dev/uiox", "/dev/uio", "/dev/uio1x", "/dev/shm", "/dev/uio-1" };
	struct icmsg_region_config c = uio_region(NULL, 0, NULL, 0, 0x100);
	struct region r;

	add_shm_device();
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		logs_clear();
		c.uio.device = bad[i];
		assert_int_equal(region_open(&r, &c, false, false, &tlog), -EINVAL);
		expect_log("not a /dev/uioN path");
		assert_int_equal(region_probe(&c, false, &tlog), -EINVAL);
	}
	/* Without /dev/ it is just a sysfs name nobody has. */
	c.uio.device = "uiox";
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENOENT);
	c.uio.device = "";
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -EINVAL);
	c.uio.device = NULL;
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -EINVAL);
}

static void test_transport_uio_region_io_flag(void **state)
{
	struct icmsg_region_config c = uio_region("shm", 1, NULL, 0, 0x100);
	char path[768];
	struct region r;

	add_shm_device();
	assert_int_equal(region_open(&r, &c, false, false, &tlog), 0);
	assert_true(r.io);
	assert_string_equal(r.ops->name, "uio");
	region_close(&r);
	assert_int_equal(region_open(&r, &c, false, true, &tlog), 0); /* read-only too */
	assert_true(r.io);
	region_close(&r);
	/* The same bytes as a plain file are normal memory. */
	c = file_region(path, sizeof(path), "dev/uio1", page, 0x100);
	assert_int_equal(region_open(&r, &c, false, false, &tlog), 0);
	assert_false(r.io);
	region_close(&r);
}

static void test_transport_uio_region_permission_denied(void **state)
{
	struct icmsg_region_config c = uio_region("shm", 1, NULL, 0, 0x100);
	struct region r;

	if (!fake_sysfs_enforce_modes())
		skip();
	add_shm_device();
	fake_sysfs_chmod(&fs, "dev/uio1", 0);
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -EACCES);
	assert_int_equal(region_probe(&c, false, &tlog), -EACCES);
	/* Read-only is enough for read-only use. */
	fake_sysfs_chmod(&fs, "dev/uio1", 0400);
	assert_int_equal(region_open(&r, &c, false, true, &tlog), 0);
	region_close(&r);
}

static void test_transport_uio_region_long_device_name(void **state)
{
	/* sysfs names are not limited to 63 characters, nor are config names. */
	const char *name = "reserved-memory-shared-with-the-cortex-m33-network-core-ipc-buffer0";
	struct icmsg_region_config c = uio_region(name, 0, NULL, 0x10, 0x40);

	struct region r;
	int err;

	assert_true(strlen(name) > 64);
	fake_sysfs_add_uio(&fs, 0, "other");
	fake_sysfs_add_uio(&fs, 1, name);
	fake_sysfs_add_map(&fs, 1, 0, "mem", 0x20070000, page, 0);
	err = region_open(&r, &c, false, false, &tlog);
	if (err) {
		for (int i = 0; i < logs.n; i++)
			print_message("log[%d]: %s\n", i, logs.line[i]);
		fail_msg("a UIO device named by its %zu-character sysfs name: %d (%s)",
			 strlen(name), err, strerror(-err));
	}
	region_close(&r);
	check_sees(&c, "dev/uio1", 0x10, 0x40, 15);
}

static void test_transport_uio_region_long_map_name(void **state)
{
	/* Map names come from reg-names/resource names: no 63-character limit either. */
	const char *map_name = "shared-memory-for-the-inter-processor-communication-with-cpunet-0";
	struct icmsg_region_config c = uio_region("shm", 0, map_name, 0x10, 0x40);
	struct region r;
	int err;

	assert_true(strlen(map_name) > 64);
	fake_sysfs_add_uio(&fs, 1, "shm");
	fake_sysfs_add_map(&fs, 1, 0, "regs", 0x2a000000, page, 0);
	fake_sysfs_add_map(&fs, 1, 1, map_name, 0x20070000, page, 0x80);
	err = region_open(&r, &c, false, false, &tlog);
	if (err) {
		for (int i = 0; i < logs.n; i++)
			print_message("log[%d]: %s\n", i, logs.line[i]);
		fail_msg("a UIO map named by its %zu-character sysfs name: %d (%s)",
			 strlen(map_name), err, strerror(-err));
	}
	region_close(&r);
	check_sees(&c, "dev/uio1", fake_sysfs_map_file_offset(&fs, 1, 0x80, 0x10), 0x40, 17);
}

static void test_transport_sysroot_forms(void **state)
{
	struct icmsg_region_config c = uio_region("shm", 1, NULL, 0, 0x40);
	char root[1024];
	struct region r;

	add_shm_device();
	/* A trailing slash on the root does not matter. */
	snprintf(root, sizeof(root), "%s/", fs.root);
	assert_int_equal(setenv("ICMSG_SYSROOT", root, 1), 0);
	check_sees(&c, "dev/uio1", fake_sysfs_map_file_offset(&fs, 1, 0x80, 0), 0x40, 16);
	/* A root too long for any path is refused, not truncated. */
	memset(root, 'x', sizeof(root) - 1);
	root[0] = '/';
	root[sizeof(root) - 1] = '\0';
	assert_int_equal(setenv("ICMSG_SYSROOT", root, 1), 0);
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENAMETOOLONG);
	c = devmem_region(0x1000, 0x1000);
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENAMETOOLONG);
	assert_int_equal(setenv("ICMSG_SYSROOT", fs.root, 1), 0);
}

/* ---- /dev/mem regions ---- */

#define DEVMEM_SIZE 0x30000000ULL

static void test_transport_devmem_in_page_offset(void **state)
{
	struct icmsg_region_config c = devmem_region(0x20070010, 0x800);
	uint8_t want[0x800], got[0x800], edge[2];
	struct region r;

	fake_sysfs_add_devmem(&fs, DEVMEM_SIZE);
	fake_sysfs_fill(&fs, "dev/mem", 0x20070000, 0xEE, 0x1000);
	pattern(want, sizeof(want), 13);
	fake_sysfs_write(&fs, "dev/mem", 0x20070010, want, sizeof(want));
	assert_int_equal(region_open(&r, &c, false, false, &tlog), 0);
	assert_true(r.io);
	assert_string_equal(r.ops->name, "devmem");
	assert_int_equal(r.size, 0x800);
	region_read(&r, 0, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(got));

	pattern(want, sizeof(want), 14);
	region_write(&r, 0, want, sizeof(want));
	fake_sysfs_read(&fs, "dev/mem", 0x20070010, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(got));
	fake_sysfs_read(&fs, "dev/mem", 0x2007000F, &edge[0], 1);
	fake_sysfs_read(&fs, "dev/mem", 0x20070810, &edge[1], 1);
	assert_int_equal(edge[0], 0xEE);
	assert_int_equal(edge[1], 0xEE);
	region_close(&r);
	assert_int_equal(region_probe(&c, false, &tlog), 0);
}

static void test_transport_devmem_overflow(void **state)
{
	const struct {
		uint64_t address, size;
	} bad[] = {
		{ UINT64_MAX - 0xF, 0x100 },           /* wraps around */
		{ (uint64_t)INT64_MAX - 0xF, 0x100 }, /* beyond a signed off_t */
		{ (uint64_t)INT64_MAX + 1, 0x100 },
		{ 0x1000, (uint64_t)SIZE_MAX / 2 + 1 },
	};
	struct icmsg_region_config c;
	struct region r;

	fake_sysfs_add_devmem(&fs, DEVMEM_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		logs_clear();
		c = devmem_region(bad[i].address, bad[i].size);
		assert_int_equal(region_open(&r, &c, false, false, &tlog), -EINVAL);
		expect_log("cannot be mapped through /dev/mem");
		assert_int_equal(region_probe(&c, false, &tlog), -EINVAL);
	}
	/* Up to the last address a signed off_t reaches is fine to probe. */
	c = devmem_region((uint64_t)INT64_MAX - 0x100, 0x100);
	assert_int_equal(region_probe(&c, false, &tlog), 0);
}

static void test_transport_devmem_missing(void **state)
{
	struct icmsg_region_config c = devmem_region(0x20070000, 0x1000);
	struct region r;

	assert_int_equal(region_open(&r, &c, false, false, &tlog), -ENOENT);
	expect_log("dev/mem", "cannot open");
	assert_int_equal(region_probe(&c, false, &tlog), -EOPNOTSUPP);
}

static void test_transport_devmem_permission_denied(void **state)
{
	struct icmsg_region_config c = devmem_region(0x20070000, 0x1000);
	struct region r;

	if (!fake_sysfs_enforce_modes())
		skip();
	fake_sysfs_add_devmem(&fs, DEVMEM_SIZE);
	fake_sysfs_chmod(&fs, "dev/mem", 0);
	assert_int_equal(region_open(&r, &c, false, false, &tlog), -EACCES);
	expect_log("needs CAP_SYS_RAWIO");
	assert_int_equal(region_probe(&c, false, &tlog), -EACCES);
}

/* ---- MMIO doorbells ---- */

static struct icmsg_mbox_reg reg(uint32_t offset, uint8_t width, uint32_t value,
				 enum icmsg_reg_op op)
{
	struct icmsg_mbox_reg r = {
		.enabled = true, .offset = offset, .width = width, .value = value, .op = op,
	};
	return r;
}

static struct icmsg_mbox_config mmio_cfg(struct icmsg_region_config window,
					 struct icmsg_mbox_reg write)
{
	struct icmsg_mbox_config c = {
		.type = ICMSG_MBOX_MMIO, .fd = -1, .regs = window, .write = write,
	};
	return c;
}

/* Ring once with @write into a window at @file_off of @rel; check the bytes. */
static void ring_and_check(const struct icmsg_region_config *window, const char *rel,
			   uint64_t file_off, struct icmsg_mbox_reg write, const uint8_t *before,
			   const uint8_t *after, size_t n)
{
	struct icmsg_mbox_config c = mmio_cfg(*window, write);
	struct doorbell db;
	uint8_t got[64];

	assert_true(n <= sizeof(got));
	fake_sysfs_write(&fs, rel, file_off, before, n);
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), 0);
	assert_int_equal(doorbell_drain(&db), 0); /* nothing to receive */
	assert_int_equal(doorbell_ring(&db), 0);
	fake_sysfs_read(&fs, rel, file_off, got, n);
	assert_memory_equal(got, after, n);
	assert_false(db.regs.bad_access);
	doorbell_close(&db);
}

static void test_transport_mmio_ring_widths(void **state)
{
	/* 16 bytes around the register, all 0xAA before the ring. */
	static const uint8_t aa[16] = { 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA,
					0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA };
	uint8_t want[16];
	char path[768];
	struct icmsg_region_config w;

	fake_sysfs_make_file(&fs, "regs.bin", 0x100);
	w = file_region(path, sizeof(path), "regs.bin", 0, 0x100);

	/* 8 bits at 0x45: one byte. */
	memcpy(want, aa, 16);
	want[5] = 0x5A;
	ring_and_check(&w, "regs.bin", 0x40, reg(0x45, 8, 0x5A, ICMSG_REG_WRITE), aa, want, 16);
	/* 16 bits at 0x46: two bytes, little-endian. */
	memcpy(want, aa, 16);
	want[6] = 0x34;
	want[7] = 0x12;
	ring_and_check(&w, "regs.bin", 0x40, reg(0x46, 16, 0x1234, ICMSG_REG_WRITE), aa, want,
		       16);
	/* 32 bits at 0x48. */
	memcpy(want, aa, 16);
	want[8] = 0x44;
	want[9] = 0x33;
	want[10] = 0x22;
	want[11] = 0x11;
	ring_and_check(&w, "regs.bin", 0x40, reg(0x48, 32, 0x11223344, ICMSG_REG_WRITE), aa,
		       want, 16);
	/* The last word of the window. */
	memcpy(want, aa, 16);
	want[12] = 0x01;
	want[13] = want[14] = want[15] = 0x00;
	ring_and_check(&w, "regs.bin", 0xF0, reg(0xFC, 32, 1, ICMSG_REG_WRITE), aa, want, 16);
	/* A window at an offset of the file: register offsets are relative to it. */
	w = file_region(path, sizeof(path), "regs.bin", 0x80, 0x20);
	memcpy(want, aa, 16);
	want[4] = 0x78;
	want[5] = 0x56;
	ring_and_check(&w, "regs.bin", 0x80, reg(0x4, 16, 0x5678, ICMSG_REG_WRITE), aa, want,
		       16);
}

static void test_transport_mmio_set_and_clear(void **state)
{
	static const uint8_t before[8] = { 0x0F, 0xF0, 0x00, 0x80, 0x3C, 0xC3, 0x00, 0x00 };
	uint8_t want[8];
	char path[768];
	struct icmsg_region_config w;

	fake_sysfs_make_file(&fs, "regs.bin", 0x100);
	w = file_region(path, sizeof(path), "regs.bin", 0, 0x100);

	/* 32-bit set: 0x8000F00F | 0x00000330. */
	memcpy(want, before, 8);
	want[0] = 0x3F;
	want[1] = 0xF3;
	ring_and_check(&w, "regs.bin", 0x20, reg(0x20, 32, 0x0330, ICMSG_REG_SET), before, want,
		       8);
	/* 32-bit clear: 0x8000F00F & ~0x80000F00. */
	memcpy(want, before, 8);
	want[1] = 0xF0 & ~0x0F;
	want[3] = 0x00;
	ring_and_check(&w, "regs.bin", 0x20, reg(0x20, 32, 0x80000F00, ICMSG_REG_CLEAR), before,
		       want, 8);
	/* 16-bit set at +4: 0xC33C | 0x0101; bytes 0..3 and 6..7 untouched. */
	memcpy(want, before, 8);
	want[4] = 0x3D;
	want[5] = 0xC3;
	ring_and_check(&w, "regs.bin", 0x20, reg(0x24, 16, 0x0101, ICMSG_REG_SET), before, want,
		       8);
	/* 8-bit clear at +5: 0xC3 & ~0x81. */
	memcpy(want, before, 8);
	want[5] = 0x42;
	ring_and_check(&w, "regs.bin", 0x20, reg(0x25, 8, 0x81, ICMSG_REG_CLEAR), before, want,
		       8);
}

static void test_transport_mmio_window_uio_map(void **state)
{
	static const uint8_t zero[8];
	const uint8_t want[8] = { 0, 0, 0, 0, 0xEF, 0xBE, 0xAD, 0xDE };
	struct icmsg_region_config w = uio_region("mbox", 0, "regs", 0x10, 0x40);
	/* Map 0 memory starts at in-page offset 0x200; the window 0x10 into it. */
	uint64_t file_off = fake_sysfs_map_file_offset(&fs, 0, 0x200, 0x10);

	fake_sysfs_add_uio(&fs, 0, "mbox");
	fake_sysfs_add_map(&fs, 0, 0, "regs", 0x2a000200, page, 0x200);
	ring_and_check(&w, "dev/uio0", file_off + 8, reg(0xC, 32, 0xDEADBEEF, ICMSG_REG_WRITE),
		       zero, want, 8);
	/* And by index and device number. */
	w = uio_region("/dev/uio0", 0, NULL, 0x10, 0x40);
	ring_and_check(&w, "dev/uio0", file_off + 8, reg(0xC, 32, 0xDEADBEEF, ICMSG_REG_WRITE),
		       zero, want, 8);
	assert_int_equal(doorbell_probe(&(struct icmsg_mbox_config){ .type = ICMSG_MBOX_MMIO,
								     .regs = w,
								     .write = reg(0xC, 32, 1, 0) },
					false, &tlog),
			 0);
}

static void test_transport_mmio_window_devmem(void **state)
{
	static const uint8_t zero[8];
	const uint8_t want[8] = { 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x00 };
	struct icmsg_region_config w = devmem_region(0x2A000100, 0x100);

	fake_sysfs_add_devmem(&fs, DEVMEM_SIZE);
	ring_and_check(&w, "dev/mem", 0x2A000100, reg(0x4, 32, 1, ICMSG_REG_WRITE), zero, want,
		       8);
}

static void test_transport_mmio_register_outside_window(void **state)
{
	const struct icmsg_mbox_reg bad[] = {
		reg(0x10, 8, 1, ICMSG_REG_WRITE),  /* just past the end */
		reg(0x0E, 32, 1, ICMSG_REG_WRITE), /* runs past it (and misaligned) */
		reg(0x0F, 16, 1, ICMSG_REG_WRITE),
		reg(0x02, 32, 1, ICMSG_REG_WRITE), /* misaligned */
		reg(0x00, 24, 1, ICMSG_REG_WRITE), /* no such width */
		reg(UINT32_MAX - 3, 32, 1, ICMSG_REG_WRITE),
	};
	struct icmsg_region_config w;
	struct icmsg_mbox_config c;
	struct doorbell db;
	char path[768];

	fake_sysfs_make_file(&fs, "regs.bin", 0x100);
	w = file_region(path, sizeof(path), "regs.bin", 0x40, 0x10);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		logs_clear();
		c = mmio_cfg(w, bad[i]);
		assert_int_equal(doorbell_open(&db, &c, false, &tlog), -EINVAL);
		expect_log("write register", "outside the window");
		assert_null(db.regs.map); /* unmapped again */
		doorbell_close(&db);
	}
	/* The last word fits. */
	c = mmio_cfg(w, reg(0x0C, 32, 1, ICMSG_REG_WRITE));
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), 0);
	doorbell_close(&db);
}

static void test_transport_mmio_needs_write_and_window(void **state)
{
	struct icmsg_region_config w;
	struct icmsg_mbox_config c;
	struct doorbell db;
	char path[768];

	fake_sysfs_make_file(&fs, "regs.bin", 0x100);
	w = file_region(path, sizeof(path), "regs.bin", 0, 0x100);
	c = mmio_cfg(w, reg(0, 32, 1, ICMSG_REG_WRITE));
	c.write.enabled = false;
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), -EINVAL);
	assert_int_equal(doorbell_probe(&c, false, &tlog), -EINVAL);
	c = mmio_cfg(w, reg(0, 32, 1, ICMSG_REG_WRITE));
	c.regs.size = 0;
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), -EINVAL);
	assert_int_equal(doorbell_probe(&c, false, &tlog), -EINVAL);
	/* A window file too short for the window: not created, not extended. */
	c = mmio_cfg(w, reg(0, 32, 1, ICMSG_REG_WRITE));
	c.regs.size = 0x200;
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), -ERANGE);
	assert_int_equal(doorbell_probe(&c, false, &tlog), -ERANGE);
}

/* ---- UIO interrupt doorbells ---- */

static void feed(int fd, uint32_t count)
{
	assert_int_equal(write(fd, &count, 4), 4);
}

static bool readable_fd(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

/* How many 4-byte re-arms (each a 1) the library wrote to @fd. */
static int rearms(int fd)
{
	uint32_t v;
	int n = 0;

	while (readable_fd(fd)) {
		assert_int_equal(read(fd, &v, 4), 4);
		assert_int_equal(v, 1);
		n++;
	}
	return n;
}

static struct icmsg_mbox_config irq_cfg(bool rearm)
{
	struct icmsg_mbox_config c = {
		.type = ICMSG_MBOX_UIO_IRQ, .uio_device = "irq", .irq_rearm = rearm, .fd = -1,
	};
	return c;
}

static void attach_pair(struct doorbell *db, const struct icmsg_mbox_config *c, int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	memset(db, 0, sizeof(*db));
	db->fd = -1;
	assert_int_equal(doorbell_uio_attach(db, sv[0], c, &tlog), 0);
	assert_int_equal(doorbell_fd(db), sv[0]);
}

static void test_transport_uio_irq_open_rearms(void **state)
{
	struct icmsg_mbox_config c = irq_cfg(true);
	struct doorbell db;
	uint32_t v;
	int sv[2];

	attach_pair(&db, &c, sv);
	/* Exactly one 4-byte 1, native order like the kernel's s32. */
	assert_true(readable_fd(sv[1]));
	assert_int_equal(read(sv[1], &v, 4), 4);
	assert_int_equal(v, 1);
	assert_false(readable_fd(sv[1]));
	/* An interrupt only receives. */
	assert_int_equal(doorbell_ring(&db), -EOPNOTSUPP);
	doorbell_close(&db);
	assert_int_equal(db.fd, -1);
	close(sv[1]);
}

static void test_transport_uio_irq_counts_interrupts(void **state)
{
	struct icmsg_mbox_config c = irq_cfg(true);
	struct doorbell db;
	int sv[2];

	attach_pair(&db, &c, sv);
	assert_int_equal(rearms(sv[1]), 1);

	/* Nothing pending: 0, and no re-arm. */
	assert_int_equal(doorbell_drain(&db), 0);
	assert_int_equal(rearms(sv[1]), 0);
	/* The first count after open has no base: one interrupt. */
	feed(sv[1], 5);
	assert_true(readable_fd(sv[0]));
	assert_int_equal(doorbell_drain(&db), 1);
	assert_int_equal(rearms(sv[1]), 1);
	assert_false(readable_fd(sv[0]));
	/* Then deltas of the cumulative count. */
	feed(sv[1], 7);
	assert_int_equal(doorbell_drain(&db), 2);
	assert_int_equal(rearms(sv[1]), 1);
	/* Two reads in one drain: 7 -> 9 -> 10, one re-arm. */
	feed(sv[1], 9);
	feed(sv[1], 10);
	assert_int_equal(doorbell_drain(&db), 3);
	assert_int_equal(rearms(sv[1]), 1);
	assert_int_equal(doorbell_drain(&db), 0);
	assert_int_equal(rearms(sv[1]), 0);
	/* The 32-bit count wraps. */
	feed(sv[1], 0x7FFFFFF0);
	assert_int_equal(doorbell_drain(&db), 0x7FFFFFF0 - 10);
	/* More than INT_MAX at once is reported as INT_MAX. */
	feed(sv[1], 0xFFFFFFFE);
	assert_int_equal(doorbell_drain(&db), INT_MAX);
	feed(sv[1], 1);
	assert_int_equal(doorbell_drain(&db), 3);
	assert_int_equal(rearms(sv[1]), 3);
	doorbell_close(&db);
	close(sv[1]);
}

static void test_transport_uio_irq_no_rearm(void **state)
{
	struct icmsg_mbox_config c = irq_cfg(false);
	struct doorbell db;
	int sv[2];

	attach_pair(&db, &c, sv);
	assert_false(readable_fd(sv[1]));
	feed(sv[1], 5);
	assert_int_equal(doorbell_drain(&db), 1);
	feed(sv[1], 8);
	assert_int_equal(doorbell_drain(&db), 3);
	assert_false(readable_fd(sv[1]));
	doorbell_close(&db);
	close(sv[1]);
}

static uint32_t read_u32(const char *rel, uint64_t off)
{
	uint8_t b[4];

	fake_sysfs_read(&fs, rel, off, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void write_u32(const char *rel, uint64_t off, uint32_t v)
{
	const uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			       (uint8_t)(v >> 24) };

	fake_sysfs_write(&fs, rel, off, b, 4);
}

/* A shared interrupt: status at 0x4 (mask 0x2), ack at 0x8, window a file. */
static struct icmsg_mbox_config shared_irq_cfg(char *path, size_t cap,
					       struct icmsg_mbox_reg ack)
{
	struct icmsg_mbox_config c = irq_cfg(true);

	fake_sysfs_make_file(&fs, "mbox.bin", 0x100);
	c.regs = file_region(path, cap, "mbox.bin", 0x40, 0x40);
	c.status = reg(0x4, 32, 0x2, ICMSG_REG_WRITE);
	c.ack = ack;
	return c;
}

static void test_transport_uio_irq_status_not_ours(void **state)
{
	char path[768];
	struct icmsg_mbox_config c =
		shared_irq_cfg(path, sizeof(path), reg(0x8, 32, 0x2, ICMSG_REG_WRITE));
	struct doorbell db;
	int sv[2];

	write_u32("mbox.bin", 0x44, 0x5); /* another channel's bits */
	write_u32("mbox.bin", 0x48, 0xCAFE0000);
	attach_pair(&db, &c, sv);
	assert_int_equal(rearms(sv[1]), 1);
	feed(sv[1], 1);
	assert_int_equal(doorbell_drain(&db), 0);
	assert_int_equal(read_u32("mbox.bin", 0x48), 0xCAFE0000); /* no ack */
	/* Not re-armed at once (its owner does that), but later. */
	assert_int_equal(rearms(sv[1]), 0);
	assert_true(doorbell_deadline(&db) > 0);
	assert_int_equal(doorbell_tick(&db, doorbell_deadline(&db) - 1), 0);
	assert_int_equal(rearms(sv[1]), 0);
	assert_int_equal(doorbell_tick(&db, doorbell_deadline(&db)), 0);
	assert_int_equal(rearms(sv[1]), 1);
	assert_int_equal(doorbell_deadline(&db), 0);
	assert_false(readable_fd(sv[0]));

	/* Our bit: counted, acked. */
	write_u32("mbox.bin", 0x44, 0x7);
	feed(sv[1], 3);
	assert_int_equal(doorbell_drain(&db), 2);
	assert_int_equal(read_u32("mbox.bin", 0x48), 0x2);
	assert_int_equal(rearms(sv[1]), 1);
	assert_false(db.regs.bad_access);
	doorbell_close(&db);
	close(sv[1]);
}

struct ack_watch {
	int fd;
	uint64_t off;
	uint32_t seen; /* the ack word when the re-arm arrived */
	uint32_t rearm;
};

/* Wait for the re-arm (5 s at most), then look at the ack register at once. */
static void *watch_rearm(void *arg)
{
	struct ack_watch *w = arg;
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };

	if (poll(&pfd, 1, 5000) == 1 && read(w->fd, &w->rearm, 4) == 4)
		w->seen = read_u32("mbox.bin", w->off);
	return NULL;
}

static void test_transport_uio_irq_ack_before_rearm(void **state)
{
	char path[768];
	struct icmsg_mbox_config c =
		shared_irq_cfg(path, sizeof(path), reg(0x8, 32, 0x2, ICMSG_REG_WRITE));
	struct ack_watch w = { .off = 0x48, .seen = 0xFFFFFFFF };
	struct doorbell db;
	pthread_t th;
	int sv[2];

	write_u32("mbox.bin", 0x44, 0x2);
	write_u32("mbox.bin", 0x48, 0);
	attach_pair(&db, &c, sv);
	assert_int_equal(rearms(sv[1]), 1);
	w.fd = sv[1];
	assert_int_equal(pthread_create(&th, NULL, watch_rearm, &w), 0);
	feed(sv[1], 9);
	assert_int_equal(doorbell_drain(&db), 1);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.rearm, 1);
	assert_int_equal(w.seen, 0x2);
	doorbell_close(&db);
	close(sv[1]);
}

static void test_transport_uio_irq_ack_width_and_op(void **state)
{
	char path[768];
	struct icmsg_mbox_config c;
	struct doorbell db;
	uint8_t b[8];
	int sv[2];

	/* 16-bit set at 0xA: 0x0011 | 0x0100; the neighbours stay. */
	c = shared_irq_cfg(path, sizeof(path), reg(0xA, 16, 0x0100, ICMSG_REG_SET));
	write_u32("mbox.bin", 0x44, 0x2);
	fake_sysfs_write(&fs, "mbox.bin", 0x48, "\x77\x66\x11\x00\x55\x44\x33\x22", 8);
	attach_pair(&db, &c, sv);
	feed(sv[1], 1);
	assert_int_equal(doorbell_drain(&db), 1);
	fake_sysfs_read(&fs, "mbox.bin", 0x48, b, 8);
	assert_memory_equal(b, "\x77\x66\x11\x01\x55\x44\x33\x22", 8);
	doorbell_close(&db);
	close(sv[1]);

	/* 8-bit clear at 0xC: 0x55 & ~0x05. */
	c = shared_irq_cfg(path, sizeof(path), reg(0xC, 8, 0x05, ICMSG_REG_CLEAR));
	attach_pair(&db, &c, sv);
	feed(sv[1], 1);
	assert_int_equal(doorbell_drain(&db), 1);
	fake_sysfs_read(&fs, "mbox.bin", 0x48, b, 8);
	assert_memory_equal(b, "\x77\x66\x11\x01\x50\x44\x33\x22", 8);
	/* Each event acks again. */
	fake_sysfs_write(&fs, "mbox.bin", 0x4C, "\xFF", 1);
	feed(sv[1], 2);
	assert_int_equal(doorbell_drain(&db), 1);
	fake_sysfs_read(&fs, "mbox.bin", 0x4C, b, 1);
	assert_int_equal(b[0], 0xFA);
	doorbell_close(&db);
	close(sv[1]);
}

static void test_transport_uio_irq_peer_closed(void **state)
{
	struct icmsg_mbox_config c = irq_cfg(true);
	struct doorbell db;
	int sv[2];

	attach_pair(&db, &c, sv);
	assert_int_equal(rearms(sv[1]), 1);
	close(sv[1]);
	assert_true(doorbell_drain(&db) < 0);
	doorbell_close(&db);

	/* With a count still queued before the end. */
	attach_pair(&db, &c, sv);
	assert_int_equal(rearms(sv[1]), 1);
	feed(sv[1], 4);
	close(sv[1]);
	assert_true(doorbell_drain(&db) < 0);
	doorbell_close(&db);
}

static void test_transport_uio_irq_attach_failure_closes_fd(void **state)
{
	char path[768];
	struct icmsg_mbox_config c;
	struct doorbell db;
	int sv[2];
	char b;

	/* The ack register lies outside the window. */
	c = shared_irq_cfg(path, sizeof(path), reg(0x40, 32, 0x2, ICMSG_REG_WRITE));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	memset(&db, 0, sizeof(db));
	assert_int_equal(doorbell_uio_attach(&db, sv[0], &c, &tlog), -EINVAL);
	expect_log("ack register", "outside the window");
	assert_int_equal(db.fd, -1);
	/* Our end was closed (the peer reads EOF) and nothing was written. */
	assert_int_equal(read(sv[1], &b, 1), 0);
	close(sv[1]);
	doorbell_close(&db);
}

static void test_transport_uio_irq_open_fifo(void **state)
{
	struct icmsg_mbox_config c = irq_cfg(true);
	struct doorbell db;
	char path[768];
	uint32_t v;
	int fifo;

	fake_sysfs_add_uio(&fs, 0, "other");
	fake_sysfs_add_uio(&fs, 1, "irq");
	fake_sysfs_add_uio(&fs, 2, "third");
	fake_sysfs_make_fifo(&fs, "dev/uio1");
	fifo = open(fake_sysfs_path(&fs, path, sizeof(path), "dev/uio1"),
		    O_RDWR | O_NONBLOCK | O_CLOEXEC);
	assert_true(fifo >= 0);

	assert_int_equal(doorbell_probe(&c, false, &tlog), 0);
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), 0);
	/* The re-arm went into the FIFO of uio1. */
	assert_int_equal(read(fifo, &v, 4), 4);
	assert_int_equal(v, 1);
	assert_false(readable_fd(fifo));
	/* A count through it wakes the doorbell's fd. */
	feed(fifo, 42);
	assert_true(readable_fd(doorbell_fd(&db)));
	assert_int_equal(doorbell_drain(&db), 1);
	assert_int_equal(read(fifo, &v, 4), 4);
	assert_int_equal(v, 1);
	doorbell_close(&db);
	close(fifo);
}

static void test_transport_uio_irq_open_regular_file(void **state)
{
	struct icmsg_mbox_config c = irq_cfg(true);
	struct doorbell db;

	/* Found, opened, but reads end at once: not an interrupt source,
	 * refused at open rather than spinning on a readable fd later. */
	fake_sysfs_add_uio(&fs, 0, "other");
	fake_sysfs_add_uio(&fs, 2, "irq");
	fake_sysfs_make_file(&fs, "dev/uio2", 0);
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), -EIO);
	expect_log("cannot read the UIO interrupt count", "no interrupt");
}

/*
 * An interrupt that keeps firing for another channel, which nobody
 * acknowledges: re-arms back off (1, 2, 4 ... ms up to 128 ms, logged
 * once), and our own event puts things back to normal.
 */
static void test_transport_uio_irq_foreign_backoff(void **state)
{
	char path[768];
	struct icmsg_mbox_config c =
		shared_irq_cfg(path, sizeof(path), reg(0x8, 32, 0x2, ICMSG_REG_WRITE));
	uint64_t expect = 1000000ull;
	struct doorbell db;
	int sv[2];

	write_u32("mbox.bin", 0x44, 0x5); /* another channel's bits */
	attach_pair(&db, &c, sv);
	assert_int_equal(rearms(sv[1]), 1);
	for (uint32_t i = 1; i <= 10; i++) {
		uint64_t before = now_ns();

		feed(sv[1], i);
		assert_int_equal(doorbell_drain(&db), 0);
		assert_int_equal(db.foreign_backoff, expect);
		assert_true(doorbell_deadline(&db) >= before + expect);
		assert_int_equal(rearms(sv[1]), 0);
		assert_int_equal(doorbell_tick(&db, doorbell_deadline(&db)), 0);
		assert_int_equal(rearms(sv[1]), 1);
		expect = expect * 2 > 128000000ull ? 128000000ull : expect * 2;
	}
	expect_log("keeps firing for another channel");
	/* Ours again: acked, re-armed at once, back-off forgotten. */
	write_u32("mbox.bin", 0x44, 0x7);
	feed(sv[1], 11);
	assert_int_equal(doorbell_drain(&db), 1);
	assert_int_equal(rearms(sv[1]), 1);
	assert_int_equal(doorbell_deadline(&db), 0);
	doorbell_close(&db);
	close(sv[1]);
}

static void test_transport_uio_irq_open_missing(void **state)
{
	struct icmsg_mbox_config c = irq_cfg(true);
	struct doorbell db;

	/* No UIO at all. */
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), -ENODEV);
	assert_int_equal(doorbell_probe(&c, false, &tlog), -EOPNOTSUPP);
	/* UIO, but no such device. */
	fake_sysfs_add_uio(&fs, 0, "other");
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), -ENOENT);
	expect_log("no UIO device named 'irq'", "uio0 'other'");
	assert_int_equal(doorbell_probe(&c, false, &tlog), -ENOENT);
	c.uio_device = "/dev/uio5";
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), -ENOENT);
	assert_int_equal(doorbell_probe(&c, false, &tlog), -ENOENT);
	/* In sysfs, without a device node. */
	fake_sysfs_add_uio(&fs, 5, "irq");
	fake_sysfs_remove(&fs, "dev/uio5");
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), -ENOENT);
	assert_int_equal(doorbell_probe(&c, false, &tlog), -ENOENT);
	/* The status window's own problems come through the probe. */
	fake_sysfs_make_file(&fs, "dev/uio5", 0);
	c.regs = uio_region("irq", 3, NULL, 0, 0x10);
	assert_int_equal(doorbell_probe(&c, false, &tlog), -ENOENT);
}

/* ---- eventfd doorbells ---- */

static uint64_t read_counter(int fd)
{
	uint64_t v = 0;

	if (!readable_fd(fd))
		return 0;
	assert_int_equal(read(fd, &v, 8), 8);
	return v;
}

static void test_transport_eventfd_dup_and_ring(void **state)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), other;
	struct icmsg_mbox_config c = { .type = ICMSG_MBOX_EVENTFD, .fd = efd };
	struct doorbell db;

	assert_true(efd >= 0);
	other = dup(efd);
	assert_true(other >= 0);
	assert_int_equal(doorbell_probe(&c, false, &tlog), 0);
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), 0);
	/* The doorbell has its own descriptor: the caller closes theirs. */
	assert_true(doorbell_fd(&db) >= 0);
	assert_int_not_equal(doorbell_fd(&db), efd);
	assert_true(fcntl(doorbell_fd(&db), F_GETFD) & FD_CLOEXEC);
	close(efd);
	assert_int_equal(doorbell_ring(&db), 0);
	assert_int_equal(read_counter(other), 1);
	for (int i = 0; i < 5; i++)
		assert_int_equal(doorbell_ring(&db), 0);
	assert_int_equal(read_counter(other), 5);
	doorbell_close(&db);
	assert_int_equal(db.fd, -1);
	/* The other copy is still the caller's. */
	assert_true(fcntl(other, F_GETFD) >= 0);
	close(other);
}

static void test_transport_eventfd_drain(void **state)
{
	/* A blocking eventfd: drain must never block on it. */
	int efd = eventfd(0, EFD_CLOEXEC), other;
	struct icmsg_mbox_config c = { .type = ICMSG_MBOX_EVENTFD, .fd = efd };
	uint64_t v = 5;
	struct doorbell db;

	assert_true(efd >= 0);
	other = dup(efd);
	assert_true(other >= 0);
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), 0);
	close(efd);
	assert_int_equal(doorbell_drain(&db), 0);
	assert_int_equal(write(other, &v, 8), 8);
	assert_true(readable_fd(doorbell_fd(&db)));
	assert_int_equal(doorbell_drain(&db), 5);
	assert_false(readable_fd(doorbell_fd(&db)));
	assert_int_equal(doorbell_drain(&db), 0);
	/* Ring and drain on one eventfd: each ring counts. */
	assert_int_equal(doorbell_ring(&db), 0);
	assert_int_equal(doorbell_ring(&db), 0);
	assert_int_equal(doorbell_drain(&db), 2);
	doorbell_close(&db);
	close(other);
}

static void test_transport_eventfd_not_eventfd(void **state)
{
	struct icmsg_mbox_config c = { .type = ICMSG_MBOX_EVENTFD };
	struct doorbell db;
	int p[2];

	assert_int_equal(pipe(p), 0);
	c.fd = p[0];
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), -EINVAL);
	expect_log("is not an eventfd");
	assert_int_equal(doorbell_probe(&c, false, &tlog), -EINVAL);
	assert_int_equal(db.fd, -1);
	close(p[0]);
	close(p[1]);
}

static void test_transport_eventfd_closed_fd(void **state)
{
	struct icmsg_mbox_config c = { .type = ICMSG_MBOX_EVENTFD };
	struct doorbell db;
	int fd = eventfd(0, EFD_CLOEXEC);

	assert_true(fd >= 0);
	close(fd);
	c.fd = fd;
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), -EBADF);
	expect_log("not an open file descriptor");
	/* A checker process need not have inherited it: not checked. */
	assert_int_equal(doorbell_probe(&c, false, &tlog), -EOPNOTSUPP);
	c.fd = -1;
	assert_int_equal(doorbell_open(&db, &c, false, &tlog), -EBADF);
	assert_int_equal(doorbell_probe(&c, false, &tlog), -EOPNOTSUPP);
}

/* ---- probes ---- */

/*
 * A hardware-shaped instance on the fake tree: regions in map 1 of "shm",
 * rx doorbell the interrupt of "irq", tx doorbell a register of map 0 of
 * "shm".
 */
static void hw_config(struct icmsg_link_config *cfg)
{
	icmsg_link_config_init(cfg);
	cfg->name = "hw";
	cfg->tx_region = uio_region("shm", 0, "mem", 0, 0x400);
	cfg->rx_region = uio_region("shm", 0, "mem", 0x400, 0x400);
	cfg->rx_mbox.type = ICMSG_MBOX_UIO_IRQ;
	cfg->rx_mbox.uio_device = "irq";
	cfg->tx_mbox.type = ICMSG_MBOX_MMIO;
	cfg->tx_mbox.regs = uio_region("shm", 0, "regs", 0, 0x100);
	cfg->tx_mbox.write = reg(0x10, 32, 1, ICMSG_REG_WRITE);
}

static void add_hw_devices(void)
{
	add_shm_device();
	fake_sysfs_add_uio(&fs, 2, "irq");
}

static void test_transport_probe_fine(void **state)
{
	struct icmsg_link_config cfg;
	char *msg = (char *)"untouched";
	int efd;

	add_hw_devices();
	hw_config(&cfg);
	assert_int_equal(icmsg_link_config_check(&cfg, NULL, NULL), 0);
	assert_int_equal(region_probe(&cfg.tx_region, false, &tlog), 0);
	assert_int_equal(region_probe(&cfg.rx_region, false, &tlog), 0);
	assert_int_equal(doorbell_probe(&cfg.tx_mbox, false, &tlog), 0);
	assert_int_equal(doorbell_probe(&cfg.rx_mbox, false, &tlog), 0);
	assert_int_equal(icmsg_link_config_probe(&cfg, &msg), 0);
	assert_null(msg);
	assert_int_equal(icmsg_link_config_probe(&cfg, NULL), 0);
	assert_int_equal(logs.n, 0);

	/* /dev/mem regions and an eventfd doorbell. */
	fake_sysfs_add_devmem(&fs, DEVMEM_SIZE);
	cfg.tx_region = devmem_region(0x20070000, 0x400);
	cfg.rx_region = devmem_region(0x20070400, 0x400);
	efd = eventfd(0, EFD_CLOEXEC);
	assert_true(efd >= 0);
	cfg.rx_mbox = (struct icmsg_mbox_config){ .type = ICMSG_MBOX_EVENTFD, .fd = efd };
	assert_int_equal(icmsg_link_config_probe(&cfg, &msg), 0);
	assert_null(msg);
	close(efd);
}

static void test_transport_probe_missing_uio_names_key(void **state)
{
	struct icmsg_link_config cfg;
	char *msg = NULL;

	add_hw_devices();
	hw_config(&cfg);
	cfg.tx_region.uio.device = "nosuch";
	assert_int_equal(icmsg_link_config_probe(&cfg, &msg), -ENOENT);
	assert_non_null(msg);
	assert_true(strncmp(msg, "tx-region: ", 11) == 0);
	assert_non_null(strstr(msg, "no UIO device named 'nosuch'"));
	free(msg);

	hw_config(&cfg);
	cfg.rx_region.size = 0x2000; /* larger than the map */
	assert_int_equal(icmsg_link_config_probe(&cfg, &msg), -ERANGE);
	assert_true(strncmp(msg, "rx-region: ", 11) == 0);
	assert_non_null(strstr(msg, "does not fit map 1"));
	free(msg);

	hw_config(&cfg);
	cfg.tx_mbox.regs.uio.map_name = "nosuch";
	assert_int_equal(icmsg_link_config_probe(&cfg, &msg), -ENOENT);
	assert_true(strncmp(msg, "mboxes.tx: ", 11) == 0);
	free(msg);

	hw_config(&cfg);
	cfg.rx_mbox.uio_device = "uio9";
	assert_int_equal(icmsg_link_config_probe(&cfg, &msg), -ENOENT);
	assert_true(strncmp(msg, "mboxes.rx: ", 11) == 0);
	assert_non_null(strstr(msg, "uio9"));
	free(msg);
}

static void test_transport_probe_no_uio_is_unsupported(void **state)
{
	struct icmsg_link_config cfg;
	char *msg = NULL;

	/* Nothing at all below the root: no UIO, no /dev/mem. */
	hw_config(&cfg);
	assert_int_equal(icmsg_link_config_probe(&cfg, &msg), -EOPNOTSUPP);
	assert_non_null(msg);
	/* The first key that could not be checked. */
	assert_true(strncmp(msg, "tx-region: ", 11) == 0);
	assert_non_null(strstr(msg, "no UIO devices"));
	free(msg);

	cfg.tx_region = devmem_region(0x20070000, 0x400);
	cfg.rx_region = devmem_region(0x20070400, 0x400);
	assert_int_equal(icmsg_link_config_probe(&cfg, &msg), -EOPNOTSUPP);
	assert_true(strncmp(msg, "tx-region: ", 11) == 0);
	assert_non_null(strstr(msg, "dev/mem"));
	free(msg);
	assert_int_equal(icmsg_link_config_probe(&cfg, NULL), -EOPNOTSUPP);
}

static void test_transport_probe_real_error_outranks_unsupported(void **state)
{
	struct icmsg_link_config cfg;
	char *msg = NULL;
	char path[768];
	int pfd[2];

	/* No UIO here; rx-region is a file that does not exist. */
	hw_config(&cfg);
	cfg.create = false;
	cfg.rx_region = file_region(path, sizeof(path), "nosuch.bin", 0, 0x400);
	assert_int_equal(icmsg_link_config_probe(&cfg, &msg), -ENOENT);
	assert_non_null(msg);
	assert_true(strncmp(msg, "rx-region: ", 11) == 0);
	free(msg);

	/* ... or an fd that is not an eventfd after them. */
	hw_config(&cfg);
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	cfg.tx_mbox = (struct icmsg_mbox_config){ .type = ICMSG_MBOX_EVENTFD, .fd = pfd[0] };
	assert_int_equal(icmsg_link_config_probe(&cfg, &msg), -EINVAL);
	assert_true(strncmp(msg, "mboxes.tx: ", 11) == 0);
	free(msg);
	close(pfd[0]);
	close(pfd[1]);


	/* A bad /dev/mem range is wrong on any machine. */
	hw_config(&cfg);
	cfg.rx_region = devmem_region(UINT64_MAX - 0xFF, 0x100);
	assert_int_equal(icmsg_link_config_probe(&cfg, &msg), -EINVAL);
	assert_true(strncmp(msg, "rx-region: ", 11) == 0);
	free(msg);
}

/*
 * In a child: a sanitizer halting on the library's code must fail this
 * test, not end the whole program. Exit status: 0 as documented, 10 wrong
 * return, 11 *ret_msg left as the caller had it.
 */
static void probe_null_child(void)
{
	char *msg = (char *)"stale";

	if (icmsg_link_config_probe(NULL, &msg) != -EINVAL ||
	    icmsg_link_config_probe(NULL, NULL) != -EINVAL)
		_exit(10);
	/* A failure leaves a message to free() or NULL, never the caller's old value. */
	_exit(msg == NULL ? 0 : 11);
}

static void test_transport_probe_null_config(void **state)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		probe_null_child();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("icmsg_link_config_probe(NULL, &msg): %s %d (10: not -EINVAL, 11: msg "
			 "not set, else a sanitizer report above)",
			 WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* ---- device-safe copies ---- */

static void test_transport_io_copy_alignments(void **state)
{
	uint8_t src[64 + 16], ref[64 + 16], dst[64 + 16];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 37 + 11);
	for (size_t so = 0; so < 8; so++)
		for (size_t d_o = 0; d_o < 8; d_o++)
			for (size_t n = 0; n <= 40; n++) {
				memset(ref, 0xCC, sizeof(ref));
				memset(dst, 0xCC, sizeof(dst));
				memcpy(ref + d_o, src + so, n);
				io_copy_from(dst + d_o, src + so, n);
				assert_memory_equal(dst, ref, sizeof(ref));
				memset(dst, 0xCC, sizeof(dst));
				io_copy_to(dst + d_o, src + so, n);
				assert_memory_equal(dst, ref, sizeof(ref));
			}
}

/* ---- two links over the fake tree ---- */

struct peer {
	struct icmsg_link *link;
	unsigned bound;
	unsigned got;
	uint8_t last[64];
	size_t last_len;
};

static void on_bound(struct icmsg_link *l, void *ud)
{
	((struct peer *)ud)->bound++;
}

static void on_received(struct icmsg_link *l, const void *data, size_t len, void *ud)
{
	struct peer *p = ud;

	p->got++;
	p->last_len = len < sizeof(p->last) ? len : sizeof(p->last);
	memcpy(p->last, data, p->last_len);
}

static const struct icmsg_link_callbacks peer_cbs = {
	.bound = on_bound,
	.received = on_received,
};

static struct peer *pair_a, *pair_b;

static bool both_bound(void *arg)
{
	return pair_a->bound && pair_b->bound;
}

static bool got_all(void *arg)
{
	unsigned want = *(unsigned *)arg;

	return pair_a->got >= want && pair_b->got >= want;
}

static void open_peer(struct peer *p, const struct icmsg_link_config *cfg)
{
	struct icmsg_link_options o = {
		.callbacks = &peer_cbs, .userdata = p, .log = capture,
	};

	memset(p, 0, sizeof(*p));
	assert_int_equal(icmsg_link_open(cfg, &o, &p->link), 0);
}

static void exchange(struct icmsg_link_config *a, struct icmsg_link_config *b)
{
	struct peer pa, pb;
	struct icmsg_link *links[2];
	struct icmsg_link_info ia, ib;
	unsigned want = 0;
	char msg[32];
	int i;

	pair_a = &pa;
	pair_b = &pb;
	open_peer(&pa, a);
	open_peer(&pb, b);
	links[0] = pa.link;
	links[1] = pb.link;
	assert_true(tu_pump(links, 2, 5000, both_bound, NULL));

	for (i = 0; i < 5; i++) {
		int n = snprintf(msg, sizeof(msg), "a->b %d", i);

		assert_int_equal(icmsg_link_send(pa.link, msg, (size_t)n), n);
		n = snprintf(msg, sizeof(msg), "b->a %d", i);
		assert_int_equal(icmsg_link_send(pb.link, msg, (size_t)n), n);
		want++;
		assert_true(tu_pump(links, 2, 5000, got_all, &want));
		snprintf(msg, sizeof(msg), "a->b %d", i);
		assert_int_equal(pb.last_len, strlen(msg));
		assert_memory_equal(pb.last, msg, pb.last_len);
		snprintf(msg, sizeof(msg), "b->a %d", i);
		assert_int_equal(pa.last_len, strlen(msg));
		assert_memory_equal(pa.last, msg, pa.last_len);
	}

	/* Every ring of one side is a signal the other side saw, once both
	 * have drained what is pending. */
	for (i = 0; i < 100; i++) {
		tu_process_all(links, 2);
		assert_int_equal(icmsg_link_get_info(pa.link, &ia), 0);
		assert_int_equal(icmsg_link_get_info(pb.link, &ib), 0);
		if (ia.doorbells_rung == ib.doorbells_received &&
		    ib.doorbells_rung == ia.doorbells_received)
			break;
	}
	assert_int_equal(ia.state, ICMSG_LINK_BOUND);
	assert_int_equal(ib.state, ICMSG_LINK_BOUND);
	assert_int_equal(ia.rx_msgs, 5);
	assert_int_equal(ib.rx_msgs, 5);
	assert_true(ia.doorbells_rung >= 5);
	assert_true(ib.doorbells_rung >= 5);
	assert_true(ia.doorbells_received > 0);
	assert_true(ib.doorbells_received > 0);
	assert_int_equal(ia.doorbells_rung, ib.doorbells_received);
	assert_int_equal(ib.doorbells_rung, ia.doorbells_received);
	icmsg_link_close(pa.link);
	icmsg_link_close(pb.link);
}

/* Two maps of "shm": "ab" (A's tx) and "ba" (B's tx), in-page offsets 0x40, 0x100. */
static void add_link_device(void)
{
	fake_sysfs_add_uio(&fs, 0, "shm");
	fake_sysfs_add_map(&fs, 0, 0, "ab", 0x20000040, page, 0x40);
	fake_sysfs_add_map(&fs, 0, 1, "ba", 0x20001100, page, 0x100);
}

static void eventfd_pair(struct icmsg_link_config *a, struct icmsg_link_config *b, int e[2])
{
	e[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(e[0] >= 0 && e[1] >= 0);
	a->tx_mbox = (struct icmsg_mbox_config){ .type = ICMSG_MBOX_EVENTFD, .fd = e[0] };
	a->rx_mbox = (struct icmsg_mbox_config){ .type = ICMSG_MBOX_EVENTFD, .fd = e[1] };
	b->tx_mbox = a->rx_mbox;
	b->rx_mbox = a->tx_mbox;
}

static void check_config(const struct icmsg_link_config *c)
{
	const char *field = NULL, *msg = NULL;

	if (icmsg_link_config_check(c, &field, &msg) < 0)
		fail_msg("config check refuses %s: %s: %s", c->name, field, msg);
}

static void test_transport_link_uio_and_file(void **state)
{
	struct icmsg_link_config a, b;
	char file[768];
	int e[2];

	add_link_device();
	icmsg_link_config_init(&a);
	a.name = "A";
	a.tx_region = uio_region("shm", 0, "ab", 0, 0x400);
	a.rx_region = uio_region("shm", 0, "ba", 0x10, 0x400);
	icmsg_link_config_init(&b);
	b.name = "B";
	b.create = false;
	/* B sees the same bytes as a plain file: the stand-in of /dev/uio0. */
	fake_sysfs_path(&fs, file, sizeof(file), "dev/uio0");
	b.tx_region = (struct icmsg_region_config){
		.type = ICMSG_REGION_FILE,
		.path = file,
		.offset = fake_sysfs_map_file_offset(&fs, 1, 0x100, 0x10),
		.size = 0x400,
	};
	b.rx_region = (struct icmsg_region_config){
		.type = ICMSG_REGION_FILE,
		.path = file,
		.offset = fake_sysfs_map_file_offset(&fs, 0, 0x40, 0),
		.size = 0x400,
	};
	eventfd_pair(&a, &b, e);
	check_config(&a);
	check_config(&b);
	exchange(&a, &b);
	close(e[0]);
	close(e[1]);
}

static void test_transport_link_both_uio(void **state)
{
	struct icmsg_link_config a, b;
	int e[2];

	add_link_device();
	icmsg_link_config_init(&a);
	a.name = "A";
	a.unbound = ICMSG_UNBOUND_ENABLE;
	a.dcache_alignment = 32; /* the session layout needs >= 8 */
	a.tx_region = uio_region("shm", 0, "ab", 0, 0x400);
	a.rx_region = uio_region("/dev/uio0", 1, NULL, 0, 0x400);
	icmsg_link_config_init(&b);
	b.name = "B";
	b.unbound = ICMSG_UNBOUND_ENABLE;
	b.dcache_alignment = 32;
	b.tx_region = a.rx_region;
	b.rx_region = a.tx_region;
	eventfd_pair(&a, &b, e);
	check_config(&a);
	check_config(&b);
	exchange(&a, &b);
	close(e[0]);
	close(e[1]);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_transport_uio_region_by_name),
		T(test_transport_uio_region_by_uio_n),
		T(test_transport_uio_region_map_by_index_and_name),
		T(test_transport_uio_region_in_page_offset),
		T(test_transport_uio_region_public_read),
		T(test_transport_uio_region_beyond_map),
		T(test_transport_uio_region_missing_device),
		T(test_transport_uio_region_no_devices),
		T(test_transport_uio_region_sysfs_without_dev_node),
		T(test_transport_uio_region_duplicate_name),
		T(test_transport_uio_region_missing_map),
		T(test_transport_uio_region_no_uio_class),
		T(test_transport_uio_region_bad_size_attr),
		T(test_transport_uio_region_sub_page_map),
		T(test_transport_uio_region_unreadable_size_attr),
		T(test_transport_uio_region_bad_offset_attr),
		T(test_transport_uio_region_bad_device_string),
		T(test_transport_uio_region_io_flag),
		T(test_transport_uio_region_permission_denied),
		T(test_transport_uio_region_long_device_name),
		T(test_transport_uio_region_long_map_name),
		T(test_transport_sysroot_forms),
		T(test_transport_devmem_in_page_offset),
		T(test_transport_devmem_overflow),
		T(test_transport_devmem_missing),
		T(test_transport_devmem_permission_denied),
		T(test_transport_mmio_ring_widths),
		T(test_transport_mmio_set_and_clear),
		T(test_transport_mmio_window_uio_map),
		T(test_transport_mmio_window_devmem),
		T(test_transport_mmio_register_outside_window),
		T(test_transport_mmio_needs_write_and_window),
		T(test_transport_uio_irq_open_rearms),
		T(test_transport_uio_irq_counts_interrupts),
		T(test_transport_uio_irq_no_rearm),
		T(test_transport_uio_irq_status_not_ours),
		T(test_transport_uio_irq_foreign_backoff),
		T(test_transport_uio_irq_ack_before_rearm),
		T(test_transport_uio_irq_ack_width_and_op),
		T(test_transport_uio_irq_peer_closed),
		T(test_transport_uio_irq_attach_failure_closes_fd),
		T(test_transport_uio_irq_open_fifo),
		T(test_transport_uio_irq_open_regular_file),
		T(test_transport_uio_irq_open_missing),
		T(test_transport_eventfd_dup_and_ring),
		T(test_transport_eventfd_drain),
		T(test_transport_eventfd_not_eventfd),
		T(test_transport_eventfd_closed_fd),
		T(test_transport_probe_fine),
		T(test_transport_probe_missing_uio_names_key),
		T(test_transport_probe_no_uio_is_unsupported),
		T(test_transport_probe_real_error_outranks_unsupported),
		T(test_transport_probe_null_config),
		T(test_transport_io_copy_alignments),
		T(test_transport_link_uio_and_file),
		T(test_transport_link_both_uio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
