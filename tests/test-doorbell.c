// SPDX-License-Identifier: MIT
/* doorbell: named FIFOs of the simulation transport (spec 6.2). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "doorbell.h"
#include "test-util.h"

static char *dir;
static char path[512];

static int setup(void **state)
{
	dir = tu_mkdtemp();
	snprintf(path, sizeof(path), "%s/db.fifo", dir);
	return 0;
}

static int teardown(void **state)
{
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static bool readable(const struct doorbell *db)
{
	struct pollfd pfd = { .fd = doorbell_fd(db), .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}

static void test_doorbell_ring_and_drain(void **state)
{
	struct icmsg_mbox_config c = { .type = ICMSG_MBOX_FIFO, .path = path };
	struct doorbell tx, rx;
	struct stat st;

	assert_int_equal(doorbell_open(&tx, &c, true, NULL), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(doorbell_open(&rx, &c, true, NULL), 0); /* EEXIST is fine */
	assert_false(readable(&rx));
	assert_int_equal(doorbell_drain(&rx), 0);

	/* Many rings, one drain that counts them all, quiet again. */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(doorbell_ring(&tx), 0);
	assert_true(readable(&rx));
	assert_int_equal(doorbell_drain(&rx), 1000);
	assert_false(readable(&rx));
	assert_int_equal(doorbell_drain(&rx), 0);
	doorbell_close(&tx);
	doorbell_close(&rx);
}

static void test_doorbell_kept_while_receiver_away(void **state)
{
	struct icmsg_mbox_config c = { .type = ICMSG_MBOX_FIFO, .path = path };
	struct doorbell tx, rx;

	/* The ringer's O_RDWR descriptor keeps the byte for a receiver that
	 * opens later (spec 6.2). */
	assert_int_equal(doorbell_open(&tx, &c, true, NULL), 0);
	assert_int_equal(doorbell_ring(&tx), 0);
	assert_int_equal(doorbell_open(&rx, &c, false, NULL), 0);
	assert_true(readable(&rx));
	assert_int_equal(doorbell_drain(&rx), 1);
	doorbell_close(&tx);
	doorbell_close(&rx);
}

static void test_doorbell_full_fifo_is_not_an_error(void **state)
{
	struct icmsg_mbox_config c = { .type = ICMSG_MBOX_FIFO, .path = path };
	struct doorbell tx, rx;

	assert_int_equal(doorbell_open(&tx, &c, true, NULL), 0);
	assert_int_equal(doorbell_open(&rx, &c, false, NULL), 0);
	/* Far beyond the pipe capacity: EAGAIN means already signalled. */
	for (int i = 0; i < 200000; i++)
		assert_int_equal(doorbell_ring(&tx), 0);
	/* What the pipe held: at least one page, at most its capacity. */
	int got = doorbell_drain(&rx);
	assert_true(got >= 4096 && got < 200000);
	assert_false(readable(&rx));
	doorbell_close(&tx);
	doorbell_close(&rx);
}

static void test_doorbell_errors(void **state)
{
	struct icmsg_mbox_config c = { .type = ICMSG_MBOX_FIFO, .path = path };
	struct doorbell db;
	int fd;

	assert_int_equal(doorbell_open(&db, &c, false, NULL), -ENOENT);
	fd = open(path, O_CREAT | O_RDWR, 0600); /* a regular file, not a FIFO */
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(doorbell_open(&db, &c, true, NULL), -EINVAL);
	assert_int_equal(db.fd, -1);
	c.path = "";
	assert_int_equal(doorbell_open(&db, &c, true, NULL), -EINVAL);
	c.path = path;
	c.type = (enum icmsg_mbox_type)9;
	assert_int_equal(doorbell_open(&db, &c, true, NULL), -EINVAL);
	doorbell_close(&db); /* safe on a never-opened doorbell */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_doorbell_ring_and_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doorbell_kept_while_receiver_away, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_doorbell_full_fifo_is_not_an_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_doorbell_errors, setup, teardown),
	};

	return cmocka_run_group_tests_name("doorbell", tests, NULL, NULL);
}
