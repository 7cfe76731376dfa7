// SPDX-License-Identifier: MIT
/*
 * icmsgd: giving up root, see privilege.h.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privilege.h"
#include "util.h"

/* The passwd entry of @uid, or NULL (a numeric id need not have one). */
static const struct passwd *entry_of(uid_t uid)
{
	errno = 0;
	return getpwuid(uid);
}

/* Supplementary groups: the user's own (device access often comes from a
 * group such as "uio"), or just @gid for an id without a passwd entry. */
static int set_groups(const struct passwd *pw, gid_t gid)
{
	if (pw)
		return initgroups(pw->pw_name, gid) < 0 ? -errno : 0;
	return setgroups(1, &gid) < 0 ? -errno : 0;
}

int privilege_drop(const char *user, const char *group, char *why, size_t cap)
{
	const struct passwd *pw;
	uid_t uid;
	gid_t gid;
	int err;

	if (!user)
		return 0;
	if (lookup_user(user, &uid) < 0) {
		snprintf(why, cap, "daemon.user: no user '%s'", user);
		return -ENOENT;
	}
	pw = entry_of(uid);
	if (group) {
		if (lookup_group(group, &gid) < 0) {
			snprintf(why, cap, "daemon.group: no group '%s'", group);
			return -ENOENT;
		}
	} else if (pw) {
		gid = pw->pw_gid;
	} else {
		snprintf(why, cap, "daemon.group: user %s has no passwd entry to take its group "
			 "from: name one", user);
		return -EINVAL;
	}
	if (geteuid() != 0) {
		if (uid == geteuid() && gid == getegid())
			return 0;
		snprintf(why, cap, "cannot become user %s: not running as root", user);
		return -EPERM;
	}
	/* Groups first: once the user id changes, they cannot. */
	err = set_groups(pw, gid);
	if (err == 0 && setresgid(gid, gid, gid) < 0)
		err = -errno;
	if (err == 0 && setresuid(uid, uid, uid) < 0)
		err = -errno;
	if (err < 0) {
		snprintf(why, cap, "cannot become user %s, group %u: %s", user, (unsigned int)gid,
			 strerror(-err));
		return err;
	}
	/* A kernel or a seccomp filter that let part of it pass silently
	 * must not leave a way back. */
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(why, cap, "root could be regained after becoming user %s", user);
		return -EPERM;
	}
	return 0;
}
