// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test-util.h"

char *tu_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (asprintf(&path, "%s/icmsg-test-XXXXXX", base ? base : "/tmp") < 0)
		fail_msg("asprintf");
	if (!mkdtemp(path))
		fail_msg("mkdtemp: %s", strerror(errno));
	return path;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void tu_rmtree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void tu_pair_init(struct tu_pair *p, uint32_t region_size, uint32_t dcache,
		  enum icmsg_unbound_mode mode_a, enum icmsg_unbound_mode mode_b)
{
	char *dir = tu_mkdtemp();
	int fd;

	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	free(dir);
	snprintf(p->file, sizeof(p->file), "%s/shm.bin", p->dir);
	snprintf(p->ab_fifo, sizeof(p->ab_fifo), "%s/ab.fifo", p->dir);
	snprintf(p->ba_fifo, sizeof(p->ba_fifo), "%s/ba.fifo", p->dir);
	p->region_size = region_size;

	fd = open(p->file, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 2 * (off_t)region_size), 0);
	close(fd);
	assert_int_equal(mkfifo(p->ab_fifo, 0600), 0);
	assert_int_equal(mkfifo(p->ba_fifo, 0600), 0);

	icmsg_link_config_init(&p->a);
	p->a.name = "A";
	p->a.tx_region.path = p->file;
	p->a.tx_region.offset = 0;
	p->a.tx_region.size = region_size;
	p->a.rx_region.path = p->file;
	p->a.rx_region.offset = region_size;
	p->a.rx_region.size = region_size;
	p->a.tx_mbox.path = p->ab_fifo;
	p->a.rx_mbox.path = p->ba_fifo;
	p->a.dcache_alignment = dcache;
	p->a.unbound = mode_a;

	p->b = p->a;
	p->b.name = "B";
	p->b.tx_region = p->a.rx_region;
	p->b.rx_region = p->a.tx_region;
	p->b.tx_mbox = p->a.rx_mbox;
	p->b.rx_mbox = p->a.tx_mbox;
	p->b.unbound = mode_b;
}

void tu_pair_cleanup(struct tu_pair *p)
{
	if (p->dir[0])
		tu_rmtree(p->dir);
	p->dir[0] = '\0';
}

void tu_read_at(const char *path, uint64_t offset, void *buf, size_t size)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, size, (off_t)offset), (ssize_t)size);
	close(fd);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool tu_pump(struct icmsg_link **links, size_t n, int timeout_ms, bool (*done)(void *),
	     void *arg)
{
	uint64_t deadline = mono_ms() + (uint64_t)timeout_ms;
	struct pollfd pfd[8];
	size_t i;

	assert_true(n <= 8);
	for (;;) {
		if (done(arg))
			return true;
		uint64_t now = mono_ms();
		if (now >= deadline)
			return false;
		for (i = 0; i < n; i++) {
			pfd[i].fd = links[i] ? icmsg_link_get_fd(links[i]) : -1;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		poll(pfd, n, (int)(deadline - now));
		for (i = 0; i < n; i++)
			if (links[i] && (pfd[i].revents & POLLIN))
				assert_true(icmsg_link_process(links[i]) >= 0);
	}
}

void tu_process_all(struct icmsg_link **links, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (links[i])
			assert_true(icmsg_link_process(links[i]) >= 0);
}

uint32_t tu_crc32(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t crc = 0xFFFFFFFFu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
	}
	return ~crc;
}

static void log_stderr(int prio, const char *msg, void *ud)
{
	fprintf(stderr, "<%d> %s\n", prio, msg);
}

const struct icmsg_link_options *tu_opts(const struct icmsg_link_callbacks *cb, void *ud)
{
	static struct icmsg_link_options o;

	memset(&o, 0, sizeof(o));
	o.callbacks = cb;
	o.userdata = ud;
	if (getenv("ICMSG_TEST_VERBOSE"))
		o.log = log_stderr;
	return &o;
}

uint64_t tu_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}
