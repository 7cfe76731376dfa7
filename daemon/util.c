// SPDX-License-Identifier: MIT
/*
 * icmsgd helpers, see util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

void listener_init(struct listener *l)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}

int mkdir_p(const char *dir, mode_t mode)
{
	char *copy, *s, c;
	int ret = 0;

	if (dir[0] == '\0' || strcmp(dir, "/") == 0)
		return 0;
	copy = strdup(dir);
	if (!copy)
		return -ENOMEM;
	for (s = copy + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(copy, mode) == 0) {
			/* The mode promised, whatever the umask: clients must be
			 * able to reach the sockets inside. */
			if (chmod(copy, mode) < 0) {
				ret = -errno;
				break;
			}
		} else if (errno != EEXIST) {
			ret = -errno;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return ret;
}

/* The directory part of @path, malloc'd; NULL without a slash. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return NULL;
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* A user or group given by number: digits only, below the (uid_t)-1 sentinel. */
static bool numeric_id(const char *name, unsigned long *ret)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(name, &end, 10);
	if (name[0] >= '0' && name[0] <= '9' && !errno && *end == '\0' && v < UINT_MAX) {
		*ret = v;
		return true;
	}
	return false;
}

int lookup_user(const char *name, uid_t *ret)
{
	struct passwd *pw = getpwnam(name);
	unsigned long v;

	if (pw) {
		*ret = pw->pw_uid;
		return 0;
	}
	if (!numeric_id(name, &v))
		return -ENOENT;
	*ret = (uid_t)v;
	return 0;
}

int lookup_group(const char *name, gid_t *ret)
{
	struct group *gr = getgrnam(name);
	unsigned long v;

	if (gr) {
		*ret = gr->gr_gid;
		return 0;
	}
	if (!numeric_id(name, &v))
		return -ENOENT;
	*ret = (gid_t)v;
	return 0;
}

/*
 * Remove @path if it is a socket nobody listens on (left by a daemon that
 * was killed). Anything else there is not ours to delete.
 */
static int remove_stale(const struct sockaddr_un *sa, char *why, size_t why_len)
{
	struct stat st;
	int fd, ret;

	if (lstat(sa->sun_path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		snprintf(why, why_len, "cannot stat %s: %s", sa->sun_path, strerror(errno));
		return ret;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(why, why_len, "%s exists and is not a socket", sa->sun_path);
		return -EEXIST;
	}
	/* Non-blocking: a live listener with a full backlog must not stall
	 * the event loop. */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, why_len, "socket: %s", strerror(errno));
		return ret;
	}
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ? errno : 0;
	close(fd);
	/* Only "nobody listens" makes it stale: a listener of another type
	 * (EPROTOTYPE) or a busy one (EAGAIN) belongs to someone. */
	if (ret != ECONNREFUSED) {
		snprintf(why, why_len, "%s is in use by another process%s%s", sa->sun_path,
			 ret ? ": " : "", ret ? strerror(ret) : "");
		return -EADDRINUSE;
	}
	if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
		ret = -errno;
		snprintf(why, why_len, "cannot remove stale socket %s: %s", sa->sun_path,
			 strerror(errno));
		return ret;
	}
	return 0;
}

int listener_open(struct listener *l, const char *path, uint32_t mode, const char *owner,
		  const char *group, char *why, size_t why_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	struct stat st;
	mode_t old_umask;
	char *dir;
	int fd, ret;

	listener_init(l);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, why_len, "socket path too long (max %zu bytes): %s",
			 sizeof(sa.sun_path) - 1, path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	if (owner && lookup_user(owner, &uid) < 0) {
		snprintf(why, why_len, "unknown user '%s' for %s", owner, path);
		return -ENOENT;
	}
	if (group && lookup_group(group, &gid) < 0) {
		snprintf(why, why_len, "unknown group '%s' for %s", group, path);
		return -ENOENT;
	}
	dir = dir_of(path);
	if (dir) {
		ret = mkdir_p(dir, 0755);
		if (ret < 0)
			snprintf(why, why_len, "cannot create directory %s: %s", dir,
				 strerror(-ret));
		free(dir);
		if (ret < 0)
			return ret;
	}
	ret = remove_stale(&sa, why, why_len);
	if (ret < 0)
		return ret;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, why_len, "socket: %s", strerror(errno));
		return ret;
	}
	/* Create the file with no permissions at all and open it up only
	 * after chmod/chown, so that nobody can connect through a mode the
	 * umask left too wide. The daemon is single-threaded, so changing the
	 * process umask for the call is safe. */
	old_umask = umask(0777);
	ret = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old_umask);
	if (ret < 0) {
		ret = -errno;
		snprintf(why, why_len, "cannot bind %s: %s", path, strerror(errno));
		goto err_close;
	}
	/* chmod before chown: once the owner changes, root without
	 * CAP_FOWNER (the unit's bounding set) may no longer chmod. */
	/* NOFOLLOW: should the path be swapped for a symlink meanwhile, we
	 * must not change the file it points to. */
	if (fchmodat(AT_FDCWD, path, mode & 07777, AT_SYMLINK_NOFOLLOW) < 0) {
		ret = -errno;
		snprintf(why, why_len, "cannot chmod %s: %s", path, strerror(errno));
		goto err_unlink;
	}
	if ((owner || group) && lchown(path, uid, gid) < 0) {
		ret = -errno;
		snprintf(why, why_len, "cannot chown %s to %s:%s: %s", path, owner ? owner : "",
			 group ? group : "", strerror(errno));
		goto err_unlink;
	}
	if (stat(path, &st) < 0) {
		ret = -errno;
		snprintf(why, why_len, "cannot stat %s: %s", path, strerror(errno));
		goto err_unlink;
	}
	if (listen(fd, LISTEN_BACKLOG) < 0) {
		ret = -errno;
		snprintf(why, why_len, "cannot listen on %s: %s", path, strerror(errno));
		goto err_unlink;
	}
	l->path = strdup(path);
	if (!l->path) {
		ret = -ENOMEM;
		snprintf(why, why_len, "out of memory");
		goto err_unlink;
	}
	l->fd = fd;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return 0;

err_unlink:
	unlink(path);
err_close:
	close(fd);
	return ret;
}

int listener_chmod(struct listener *l, uint32_t mode, const char *group, char *why,
		   size_t why_len)
{
	gid_t gid = getegid();
	struct stat st;
	int ret;

	if (group && lookup_group(group, &gid) < 0) {
		snprintf(why, why_len, "unknown group '%s' for %s", group, l->path);
		return -ENOENT;
	}
	if (stat(l->path, &st) < 0 || st.st_dev != l->dev || st.st_ino != l->ino) {
		snprintf(why, why_len, "%s is no longer our socket", l->path);
		return -ESTALE;
	}
	if (lchown(l->path, (uid_t)-1, gid) < 0 ||
	    fchmodat(AT_FDCWD, l->path, mode & 07777, AT_SYMLINK_NOFOLLOW) < 0) {
		ret = -errno;
		snprintf(why, why_len, "cannot change %s: %s", l->path, strerror(errno));
		return ret;
	}
	return 0;
}

void listener_close(struct listener *l)
{
	struct stat st;

	if (l->fd >= 0) {
		/* A newer daemon may have replaced the file: leave that one. */
		if (l->path && stat(l->path, &st) == 0 && st.st_dev == l->dev &&
		    st.st_ino == l->ino)
			unlink(l->path);
		close(l->fd);
	}
	free(l->path);
	listener_init(l);
}

const char *errno_name(int err)
{
	static char buf[16];
	const char *name;

	if (err < 0)
		err = -err;
#ifdef HAVE_STRERRORNAME_NP
	name = strerrorname_np(err);
	if (name)
		return name;
#else
	switch (err) {
	case ECONNRESET:
		return "ECONNRESET";
	case ESHUTDOWN:
		return "ESHUTDOWN";
	case EBADMSG:
		return "EBADMSG";
	case ECONNABORTED:
		return "ECONNABORTED";
	case EMSGSIZE:
		return "EMSGSIZE";
	case EPROTONOSUPPORT:
		return "EPROTONOSUPPORT";
	case EIO:
		return "EIO";
	default:
		break;
	}
	(void)name;
#endif
	/* Only ever called from the event-loop thread. */
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

struct timespec realtime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

uint64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int accept_next(int fd)
{
	int cfd;

	for (;;) {
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd >= 0)
			return cfd;
		/* A signal, or a client that left before we took it: next. */
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -EAGAIN;
		return -errno;
	}
}
