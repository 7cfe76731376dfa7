// SPDX-License-Identifier: MIT
/* Doorbell backend: a named FIFO, one byte per signal (spec 6.2). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transport.h"

static int fifo_ring(struct doorbell *db)
{
	static const uint8_t one = 1;

	for (;;) {
		if (write(db->fd, &one, 1) == 1)
			return 0;
		/* A full FIFO means the peer has unread signals and is due
		 * to wake anyway. */
		if (errno == EAGAIN)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static int fifo_drain(struct doorbell *db)
{
	uint8_t buf[256];
	int got = 0;
	ssize_t n;

	/* Read until a short read: any signal raised after this leaves a
	 * byte behind and makes the fd readable again (spec 6.2). */
	for (;;) {
		n = read(db->fd, buf, sizeof(buf));
		if (n > 0) {
			if (got < INT32_MAX - (int)sizeof(buf))
				got += (int)n;
			if ((size_t)n < sizeof(buf))
				return got;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		return got;
	}
}

static const struct doorbell_ops fifo_ops = {
	.name = "fifo",
	.ring = fifo_ring,
	.drain = fifo_drain,
};

int doorbell_fifo_open(struct doorbell *db, const struct icmsg_mbox_config *cfg, bool create,
		       const struct logger *log)
{
	struct stat st;
	int fd, err;

	if (!cfg->path || !cfg->path[0])
		return -EINVAL;
	if (create && mkfifo(cfg->path, 0600) < 0 && errno != EEXIST) {
		err = -errno;
		log_msg(log, LOG_ERR, "doorbell %s: mkfifo: %s", cfg->path, strerror(-err));
		return err;
	}
	/* O_RDWR: open never blocks and the FIFO keeps bytes written while
	 * the other side is not running (Linux behaviour, spec 6.2). */
	fd = open(cfg->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		log_msg(log, LOG_ERR, "doorbell %s: cannot open: %s", cfg->path, strerror(-err));
		return err;
	}
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		log_msg(log, LOG_ERR, "doorbell %s: not a FIFO", cfg->path);
		close(fd);
		return -EINVAL;
	}
	db->fd = fd;
	db->ops = &fifo_ops;
	return 0;
}

int doorbell_fifo_probe(const struct icmsg_mbox_config *cfg, bool create,
			const struct logger *log)
{
	if (!cfg->path || !cfg->path[0])
		return -EINVAL;
	return transport_probe_file(cfg->path, true, create, 0, log);
}
