// SPDX-License-Identifier: MIT
/*
 * The sd_notify protocol: a datagram of "KEY=value" lines to the AF_UNIX
 * socket named by $NOTIFY_SOCKET; a leading '@' names the abstract
 * namespace (the address then starts with a NUL byte and is not
 * NUL-terminated).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

static int notify_fd = -1;

int notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t sa_len;
	size_t len;

	if (!path || !path[0])
		return 0;
	len = strlen(path);
	/* Only absolute paths and abstract names are valid (sd_notify(3)). */
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@') {
		sa.sun_path[0] = '\0';
		sa_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	} else {
		sa_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	}
	if (notify_fd < 0) {
		notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (notify_fd < 0)
			return -errno;
	}
	if (sendto(notify_fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   sa_len) < 0)
		return -errno;
	return 1;
}

void notify_close(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}
