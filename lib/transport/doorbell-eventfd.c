// SPDX-License-Identifier: MIT
/*
 * Doorbell backend: an eventfd handed to us by the application (a VM
 * monitor's irqfd/ioeventfd, an ivshmem server, a test). Ring adds 1;
 * drain reads and resets the counter.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "transport.h"

static int eventfd_ring(struct doorbell *db)
{
	uint64_t one = 1;

	for (;;) {
		if (write(db->fd, &one, sizeof(one)) == (ssize_t)sizeof(one))
			return 0;
		/* Counter at its maximum: the peer has plenty unread. */
		if (errno == EAGAIN)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static int eventfd_drain(struct doorbell *db)
{
	struct pollfd pfd = { .fd = db->fd, .events = POLLIN };
	uint64_t count;
	ssize_t n;

	/* The descriptor is shared with the application, so its O_NONBLOCK
	 * flag is not ours to set: look before reading. We are its only
	 * reader, so a readable eventfd stays readable until we read. */
	for (;;) {
		n = poll(&pfd, 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0 || !(pfd.revents & POLLIN))
			return 0;
		n = read(db->fd, &count, sizeof(count));
		if (n == (ssize_t)sizeof(count))
			return count > INT_MAX ? INT_MAX : (int)count;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		return n < 0 ? -errno : -EIO;
	}
}

static const struct doorbell_ops eventfd_ops = {
	.name = "eventfd",
	.ring = eventfd_ring,
	.drain = eventfd_drain,
};

/* -EBADF if @fd is not open, -EINVAL if it is known not to be an eventfd. */
static int eventfd_check(int fd, const struct logger *log)
{
	char link[64], target[64];
	ssize_t n;

	if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
		log_msg(log, LOG_ERR, "eventfd %d: not an open file descriptor", fd);
		return -EBADF;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return 0; /* no /proc: trust the caller */
	target[n] = '\0';
	if (strcmp(target, "anon_inode:[eventfd]") != 0) {
		log_msg(log, LOG_ERR, "file descriptor %d is not an eventfd (%s)", fd, target);
		return -EINVAL;
	}
	return 0;
}

int doorbell_eventfd_open(struct doorbell *db, const struct icmsg_mbox_config *cfg,
			  const struct logger *log)
{
	int err, fd;

	err = eventfd_check(cfg->fd, log);
	if (err < 0)
		return err;
	/* Our own descriptor: the caller may close theirs after open. */
	fd = fcntl(cfg->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		err = -errno;
		log_msg(log, LOG_ERR, "eventfd %d: dup: %s", cfg->fd, strerror(-err));
		return err;
	}
	db->fd = fd;
	db->ops = &eventfd_ops;
	return 0;
}

int doorbell_eventfd_probe(const struct icmsg_mbox_config *cfg, const struct logger *log)
{
	int err = eventfd_check(cfg->fd, log);

	/* A descriptor is inherited by the process that opens the link; a
	 * checker process (icmsgd --check-config) may well not have it. */
	return err == -EBADF ? -EOPNOTSUPP : err;
}
