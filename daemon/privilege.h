/* SPDX-License-Identifier: MIT */
/*
 * icmsgd: giving up root once everything that needs it is open.
 */
#ifndef ICMSGD_PRIVILEGE_H
#define ICMSGD_PRIVILEGE_H

#include <stddef.h>

/**
 * privilege_drop() - become @user (a name or a number) and @group (NULL:
 * the user's primary group), with only the user's supplementary groups,
 * for good: real, effective and saved ids all change, and getting root
 * back is checked to fail. With @user NULL nothing changes. Not running as
 * root is fine if the ids asked for are already ours.
 * @why: on failure, what went wrong (@cap bytes)
 * @return 0, or a negative errno.
 */
int privilege_drop(const char *user, const char *group, char *why, size_t cap);

#endif /* ICMSGD_PRIVILEGE_H */
