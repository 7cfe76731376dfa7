// SPDX-License-Identifier: MIT
/*
 * Host side of the "qemu" test suite: a one-client ivshmem server for
 * QEMU's ivshmem-doorbell device (protocol of QEMU's
 * docs/specs/ivshmem-spec.rst) that then plays the remote core of the
 * guest's ICMsg instance with libicmsg.
 *
 *   ivshmem-host -S SOCKET -m SHM_FILE [-n N] [-s SEED] [-M MAX_SIZE] [-v]
 *
 * The shared memory is SHM_FILE (created, 64 KiB). The guest gets peer id 2,
 * the host is peer 1 with one vector: the guest rings us by writing
 * (1 << 16) | 0 to its Doorbell register, which QEMU turns into a write to
 * our eventfd; we ring the guest by writing to the guest's eventfd, which
 * QEMU turns into its MSI-X interrupt. Our link: tx = the upper half of the
 * file (the guest's rx-region), rx = the lower half, eventfd doorbells.
 * Prints one RESULT line (see exchange.h); exit status 0 if the exchange
 * passed.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <icmsg/icmsg.h>

#include "exchange.h"

#define SHM_SIZE 0x10000u   /* a power of two, as the PCI BAR must be */
#define HALF (SHM_SIZE / 2)
#define HOST_ID 1
#define GUEST_ID 2
#define PROTOCOL_VERSION 0

static bool verbose;

static void log_line(int priority, const char *msg, void *userdata)
{
	if (priority <= LOG_NOTICE || verbose)
		fprintf(stderr, "host: libicmsg <%d>%s\n", priority, msg);
}

/* One protocol message: a little-endian int64, optionally with an fd. */
static int send_msg(int sock, int64_t value, int fd)
{
	uint64_t le = htole64((uint64_t)value);
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	memset(&control, 0, sizeof(control));
	if (fd >= 0) {
		struct cmsghdr *c;

		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(le)) {
		fprintf(stderr, "host: sending %" PRId64 " to QEMU: %s\n", value,
			n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

/*
 * Listen on @p path (bound under a temporary name and renamed, so the file
 * appears only once connect() works), accept QEMU, send the setup messages.
 * @return the connection, or -1.
 */
static int serve(const char *path, int shm_fd, int host_efd, int guest_efd, int timeout_ms)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char tmp[sizeof(addr.sun_path)];
	struct pollfd pfd;
	int l, conn, rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		fprintf(stderr, "host: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(addr.sun_path, tmp, sizeof(tmp));
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0) {
		perror("host: socket");
		return -1;
	}
	unlink(tmp);
	if (bind(l, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(l, 1) < 0 ||
	    rename(tmp, path) < 0) {
		fprintf(stderr, "host: listening on %s: %s\n", path, strerror(errno));
		close(l);
		return -1;
	}
	pfd = (struct pollfd){ .fd = l, .events = POLLIN };
	do {
		rc = poll(&pfd, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc <= 0) {
		fprintf(stderr, "host: QEMU did not connect to %s within %d s\n", path,
			timeout_ms / 1000);
		close(l);
		unlink(path);
		return -1;
	}
	conn = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	unlink(path);
	if (conn < 0) {
		perror("host: accept");
		return -1;
	}
	/*
	 * Version, the guest's id, the memory; then the peers the guest may
	 * interrupt (us: id 1, one eventfd per vector) and last the guest's
	 * own interrupt eventfd (its id again).
	 */
	if (send_msg(conn, PROTOCOL_VERSION, -1) < 0 || send_msg(conn, GUEST_ID, -1) < 0 ||
	    send_msg(conn, -1, shm_fd) < 0 || send_msg(conn, HOST_ID, host_efd) < 0 ||
	    send_msg(conn, GUEST_ID, guest_efd) < 0) {
		close(conn);
		return -1;
	}
	return conn;
}

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: ivshmem-host -S SOCKET -m SHM_FILE [-n N] [-s SEED] [-M MAX_SIZE]\n"
		   "                    [-a ACCEPT_TIMEOUT_S] [-v]\n");
	return status;
}

int main(int argc, char **argv)
{
	const char *sock_path = NULL, *shm_path = NULL;
	int accept_timeout_s = 60;
	struct exchange_params params;
	struct exchange_result result;
	struct icmsg_link_config cfg;
	struct icmsg_link_options opts = { .log = log_line };
	struct icmsg_link *link = NULL;
	const char *field = NULL, *msg = NULL;
	int shm_fd, host_efd, guest_efd, conn, c, err;

	exchange_params_init(&params, EXCHANGE_HOST);
	while ((c = getopt(argc, argv, "S:m:n:s:M:a:vh")) != -1) {
		switch (c) {
		case 'S':
			sock_path = optarg;
			break;
		case 'm':
			shm_path = optarg;
			break;
		case 'n':
		case 's':
		case 'M':
			exchange_params_option(&params, c, optarg);
			break;
		case 'a':
			accept_timeout_s = atoi(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (!sock_path || !shm_path || optind != argc)
		return usage(stderr, 2);

	shm_fd = open(shm_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (shm_fd < 0 || ftruncate(shm_fd, SHM_SIZE) < 0) {
		fprintf(stderr, "host: %s: %s\n", shm_path, strerror(errno));
		return 1;
	}
	host_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	guest_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (host_efd < 0 || guest_efd < 0) {
		perror("host: eventfd");
		return 1;
	}
	conn = serve(sock_path, shm_fd, host_efd, guest_efd, accept_timeout_s * 1000);
	if (conn < 0)
		return 1;
	fprintf(stderr, "host: QEMU connected; guest is peer %d, host peer %d, %u KiB shared\n",
		GUEST_ID, HOST_ID, SHM_SIZE / 1024);

	icmsg_link_config_init(&cfg);
	cfg.name = "host";
	cfg.tx_region.type = ICMSG_REGION_FILE;
	cfg.tx_region.path = shm_path;
	cfg.tx_region.offset = HALF;
	cfg.tx_region.size = HALF;
	cfg.rx_region.type = ICMSG_REGION_FILE;
	cfg.rx_region.path = shm_path;
	cfg.rx_region.offset = 0;
	cfg.rx_region.size = HALF;
	cfg.tx_mbox.type = ICMSG_MBOX_EVENTFD;
	cfg.tx_mbox.fd = guest_efd;
	cfg.rx_mbox.type = ICMSG_MBOX_EVENTFD;
	cfg.rx_mbox.fd = host_efd;
	cfg.dcache_alignment = 8;
	cfg.unbound = ICMSG_UNBOUND_ENABLE;
	cfg.peer_rx_buf_size = 0x7ff0;
	/* The guest boots for a few seconds first: no early diagnostic. */
	cfg.bond_timeout_ms = 30000;
	cfg.create = false;
	if (icmsg_link_config_check(&cfg, &field, &msg) < 0) {
		fprintf(stderr, "host: bad link configuration: %s: %s\n", field, msg);
		return 1;
	}
	err = icmsg_link_open(&cfg, &opts, &link);
	if (err < 0) {
		fprintf(stderr, "host: icmsg_link_open: %s\n", strerror(-err));
		return 1;
	}
	/* The link holds its own copies of the eventfds. */
	close(host_efd);
	close(guest_efd);

	err = exchange_run(link, &params, &result);
	exchange_print(stdout, &params, &result);
	icmsg_link_close(link);
	close(conn);
	close(shm_fd);
	return err == 0 ? 0 : 1;
}
