/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the relays and the control socket: listening Unix
 * sockets with a mode and an owner, directories, names of errno values.
 */
#ifndef ICMSGD_UTIL_H
#define ICMSGD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/** Listen backlog of every socket: bursts of clients at boot. */
#define LISTEN_BACKLOG 64

/**
 * struct listener - a bound, listening SOCK_SEQPACKET socket file.
 * @fd:   the socket, -1 when closed
 * @path: malloc'd socket path
 * @dev:  device of the socket file we created
 * @ino:  inode of it, so that close never unlinks somebody else's file
 */
struct listener {
	int fd;
	char *path;
	dev_t dev;
	ino_t ino;
};

/** listener_init() - a closed listener. */
void listener_init(struct listener *l);

/**
 * listener_open() - create the socket file @path (mode @mode, owner and
 * group by name or NULL) and listen on it, non-blocking. A stale socket file
 * (nobody listening) is replaced; any other file is left alone.
 * @why: on failure, what went wrong, for the log and the status
 * @return 0 or a negative errno.
 */
int listener_open(struct listener *l, const char *path, uint32_t mode, const char *owner,
		  const char *group, char *why, size_t why_len);

/**
 * listener_chmod() - give the socket file of an open listener @mode and
 * @group (NULL: the daemon's own group), in place: connected clients and
 * the listening socket stay.
 * @return 0 or a negative errno (@why says what failed).
 */
int listener_chmod(struct listener *l, uint32_t mode, const char *group, char *why,
		   size_t why_len);

/** listener_close() - close the socket and unlink its file if it is still ours. */
void listener_close(struct listener *l);

/**
 * mkdir_p() - create @dir and its missing parents with @mode (not masked by
 * the umask); existing directories are left as they are.
 * @return 0 (also if it exists) or a negative errno.
 */
int mkdir_p(const char *dir, mode_t mode);

/** errno_name() - "ECONNRESET" for ECONNRESET (positive or negative). */
const char *errno_name(int err);

/** realtime_now() - CLOCK_REALTIME, for times shown to users. */
struct timespec realtime_now(void);

/** monotonic_us() - CLOCK_MONOTONIC in microseconds. */
uint64_t monotonic_us(void);

/**
 * lookup_user() / lookup_group() - resolve a user or group name (or a
 * number). @return 0 or -ENOENT.
 */
int lookup_user(const char *name, uid_t *ret);
int lookup_group(const char *name, gid_t *ret);

/**
 * accept_next() - take the next pending connection of listener @fd
 * (non-blocking, close-on-exec), skipping interruptions and connections
 * aborted before they were taken. @return the new fd, -EAGAIN if none is
 * pending, or another negative errno (e.g. -EMFILE).
 */
int accept_next(int fd);

#endif /* ICMSGD_UTIL_H */
