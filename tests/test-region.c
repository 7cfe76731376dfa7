// SPDX-License-Identifier: MIT
/* region: the file backend of the simulation transport (spec 6.1). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "region.h"
#include "test-util.h"

static char *dir;
static char path[512];

static int setup(void **state)
{
	dir = tu_mkdtemp();
	snprintf(path, sizeof(path), "%s/shm.bin", dir);
	return 0;
}

static int teardown(void **state)
{
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static struct icmsg_region_config file_cfg(uint64_t offset, uint64_t size)
{
	struct icmsg_region_config c = {
		.type = ICMSG_REGION_FILE, .path = path, .offset = offset, .size = size,
	};
	return c;
}

static off_t file_size(void)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void test_region_create_extends_zeroed(void **state)
{
	struct icmsg_region_config c = file_cfg(0x1000, 0x800);
	struct region r;

	assert_int_equal(region_open(&r, &c, true, false, NULL), 0);
	assert_int_equal(file_size(), 0x1800);
	assert_int_equal(r.size, 0x800);
	for (size_t i = 0; i < r.size; i++)
		assert_int_equal(r.base[i], 0);
	region_close(&r);
}

static void test_region_never_shrinks_or_zeroes(void **state)
{
	struct icmsg_region_config c = file_cfg(0, 256);
	uint8_t b[4];
	struct region r;
	int fd;

	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 8192), 0);
	assert_int_equal(pwrite(fd, "\x11\x22\x33\x44", 4, 8), 4);
	close(fd);
	assert_int_equal(region_open(&r, &c, true, false, NULL), 0);
	assert_int_equal(file_size(), 8192);
	assert_int_equal(region_load32(&r, 8), 0x44332211); /* little-endian */
	region_store32(&r, 4, 0xA1B2C3D4);
	tu_read_at(path, 4, b, 4);
	assert_memory_equal(b, "\xD4\xC3\xB2\xA1", 4);
	region_close(&r);
}

static void test_region_unaligned_offset(void **state)
{
	struct icmsg_region_config c = file_cfg(0x1804, 64);
	struct region r;
	uint8_t b[4];

	/* Mapped from the page below; base points at the exact byte. */
	assert_int_equal(region_open(&r, &c, true, false, NULL), 0);
	region_store32(&r, 0, 0x01020304);
	tu_read_at(path, 0x1804, b, 4);
	assert_memory_equal(b, "\x04\x03\x02\x01", 4);
	region_close(&r);
}

static void test_region_shared_between_mappings(void **state)
{
	struct icmsg_region_config c = file_cfg(0, 128);
	struct region a, b;
	uint8_t buf[5];

	assert_int_equal(region_open(&a, &c, true, false, NULL), 0);
	assert_int_equal(region_open(&b, &c, false, true, NULL), 0);
	region_write(&a, 100, "hello", 5);
	region_read(&b, 100, buf, 5);
	assert_memory_equal(buf, "hello", 5);
	region_close(&a);
	region_close(&b);
}

static void test_region_errors(void **state)
{
	struct icmsg_region_config c = file_cfg(0, 256);
	struct region r;

	assert_int_equal(region_open(&r, &c, false, false, NULL), -ENOENT);
	assert_int_equal(region_open(&r, &c, true, true, NULL), -ENOENT); /* never creates */
	assert_int_equal(region_open(&r, &c, true, false, NULL), 0);
	region_close(&r);
	c.size = 512; /* the file is 256 bytes */
	assert_int_equal(region_open(&r, &c, false, false, NULL), -ERANGE);
	assert_int_equal(region_open(&r, &c, false, true, NULL), -ERANGE);
	c.offset = UINT64_MAX - 8; /* overflow */
	assert_int_equal(region_open(&r, &c, true, false, NULL), -EINVAL);
	c = file_cfg(0, 0);
	assert_int_equal(region_open(&r, &c, true, false, NULL), -EINVAL);
	c = file_cfg(0, 64);
	c.path = dir; /* a directory */
	assert_int_equal(region_open(&r, &c, false, true, NULL), -EINVAL);
	c.type = (enum icmsg_region_type)77;
	assert_int_equal(region_open(&r, &c, false, true, NULL), -EINVAL);
	c = file_cfg(0, 64);
	assert_int_equal(chmod(path, 0), 0);
	if (geteuid() != 0) /* root ignores file modes */
		assert_int_equal(region_open(&r, &c, false, false, NULL), -EACCES);
	region_close(&r); /* safe on a closed region */
}

static void test_region_bounds(void **state)
{
	uint8_t mem[16] = { 0 }, buf[8];
	struct region r;

	region_init_mem(&r, mem, sizeof(mem));
	region_store32(&r, 12, 7);
	assert_false(r.bad_access);
	assert_int_equal(region_load32(&r, 12), 7);
	/* Out of range: no access, flagged, reads yield zeroes. */
	region_store32(&r, 16, 0xFFFFFFFF);
	assert_true(r.bad_access);
	r.bad_access = false;
	assert_int_equal(region_load32(&r, 14), 0);
	assert_true(r.bad_access);
	memset(buf, 0xAA, sizeof(buf));
	region_read(&r, 12, buf, 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(buf[i], 0);
	region_write(&r, SIZE_MAX - 2, "xyz", 3);
	for (size_t i = 0; i < 12; i++)
		assert_int_equal(mem[i], 0);
	/* Misaligned words are refused too. */
	region_store32(&r, 2, 1);
	assert_int_equal(mem[2], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_region_create_extends_zeroed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_never_shrinks_or_zeroes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_region_unaligned_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_shared_between_mappings, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_region_errors, setup, teardown),
		cmocka_unit_test(test_region_bounds),
	};

	return cmocka_run_group_tests_name("region", tests, NULL, NULL);
}
