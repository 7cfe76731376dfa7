/* SPDX-License-Identifier: MIT */
/*
 * config - what the rules of one instance (config-check.c) and the YAML
 * loader (config.c) share: the fields of an instance, their keys, sets of
 * fields, and the checker's entry point. Never installed.
 *
 * The loader reports each mistake once, at the key that holds it, so the
 * checker works on fields rather than on struct members. Cascades are
 * avoided by tracking, per instance, which fields are known to be bad
 * (unparsable, missing, or already reported): every rule names the fields
 * it reads and is skipped when one of them is bad.
 */
#ifndef ICMSG_CONFIG_H
#define ICMSG_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

/* Names become socket file names (one per instance) in a daemon directory. */
#define NAME_MAX_LEN 64

/*
 * Fields of one instance, in the order icmsg_link_config_check() checks them.
 * Every key that can be at fault has a field, so that each message names
 * the full key. Nested mappings are blocks of fields at fixed distances from
 * their own entry: a region or register window (REG_*), a register access
 * (ACC_*) and a doorbell (MB_*), so the same code serves every copy.
 */
enum {
	REG_PATH = 1,
	REG_UIO,
	REG_MAP,
	REG_MAP_NAME,
	REG_ADDRESS,
	REG_OFFSET,
	REG_SIZE,
	REG_COUNT
};

enum { ACC_OFFSET = 1, ACC_VALUE, ACC_WIDTH, ACC_OP, ACC_COUNT };

enum {
	MB_FIFO = 1,
	MB_EVENTFD,
	MB_UIO,
	MB_REARM,
	MB_REGS,
	MB_WRITE = MB_REGS + REG_COUNT,
	MB_STATUS = MB_WRITE + ACC_COUNT,
	MB_ACK = MB_STATUS + ACC_COUNT,
	MB_ENABLE = MB_ACK + ACC_COUNT, /* the sequence; its items follow */
	MB_ENABLE_0,
	MB_COUNT = MB_ENABLE_0 + ICMSG_MBOX_ENABLE_MAX * ACC_COUNT
};

/* The field of item @k of a doorbell's enable sequence, from the doorbell. */
#define MB_ENABLE_ITEM(k) (MB_ENABLE_0 + (k) * ACC_COUNT)

enum cfg_field {
	F_NAME,
	F_COMPATIBLE,
	F_DCACHE,
	F_UNBOUND,
	F_TX_REGION,
	F_RX_REGION = F_TX_REGION + REG_COUNT,
	F_MBOXES = F_RX_REGION + REG_COUNT,
	F_MBOX_TX,
	F_MBOX_RX = F_MBOX_TX + MB_COUNT,
	F_PEER_RX = F_MBOX_RX + MB_COUNT,
	F_RX_BUF,
	F_REPEAT,
	F_TIMEOUT,
	F_MAX,
	F_GRACE,
	F_AUTO_REOPEN,
	F_SPIN,
	F_LAZY_SIGNAL,
	/* icmsgd's keys: icmsg_link_config_check() never reads them. */
	F_SOCKET,
	F_SOCK_PATH,
	F_SOCK_MODE,
	F_SOCK_OWNER,
	F_SOCK_GROUP,
	F_POLICY,
	F_QUEUE_LIMIT,
	F_DISC_UNBOUND,
	F_COUNT
};

/* The blocks of mboxes and socket: the mapping and everything in it. */
#define MBOXES_FIELDS (F_PEER_RX - F_MBOXES)
#define SOCKET_FIELDS (F_SOCK_GROUP + 1 - F_SOCKET)

#define FSET_WORDS ((F_COUNT + 63) / 64)

/** struct fset - a set of fields, e.g. those known to be bad. */
struct fset {
	uint64_t w[FSET_WORDS];
};

/** fset_add() - add field @f to @s. */
static inline void fset_add(struct fset *s, int f)
{
	s->w[f / 64] |= UINT64_C(1) << (f % 64);
}

/** fset_add_block() - add fields @first to @first + @n - 1: a whole block. */
static inline void fset_add_block(struct fset *s, int first, int n)
{
	int i;

	for (i = first; i < first + n; i++)
		fset_add(s, i);
}

/** fset_fill() - add every field to @s: nothing of the instance is usable. */
static inline void fset_fill(struct fset *s)
{
	memset(s, 0xff, sizeof(*s));
}

/** fset_has() - whether field @f is in @s. */
static inline bool fset_has(const struct fset *s, int f)
{
	return s->w[f / 64] & (UINT64_C(1) << (f % 64));
}

/** fset_block_clear() - whether fields @first to @first + @n - 1 are all outside @s. */
static inline bool fset_block_clear(const struct fset *s, int first, int n)
{
	int i;

	for (i = first; i < first + n; i++)
		if (fset_has(s, i))
			return false;
	return true;
}

/**
 * config_field_keys - the YAML key of each field, relative to the instance:
 * "tx-region.size". Messages name the key at fault with it.
 */
extern const char *const config_field_keys[F_COUNT];

/**
 * config_report_fn - called by config_check() for each rule that fails:
 * @field is the field at fault and @msg (static) says why.
 */
typedef void (*config_report_fn)(void *userdata, enum cfg_field field, const char *msg);

/**
 * config_check() - run every rule of instance @cfg, in the order
 * icmsg_link_config_check() reports them.
 * @bad: the fields known to be bad on entry (the loader's parse failures):
 * rules that read one are skipped. It gains every field a rule fails on.
 * @report: called with @userdata for each failure.
 */
void config_check(const struct icmsg_link_config *cfg, struct fset *bad,
		  config_report_fn report, void *userdata);

/**
 * config_name_char() - whether @c may appear in an instance name, or in a
 * user or group name: the portable file name characters.
 */
bool config_name_char(char c);

/**
 * config_path_equal() - whether @a and @b name the same path, comparing
 * components without touching the file system: "run//./x" is "run/x".
 * NULL equals nothing.
 */
bool config_path_equal(const char *a, const char *b);

/**
 * config_regions_overlap() - whether regions @a and @b share a byte: same
 * type, same file, UIO map or physical memory, and intersecting ranges.
 * Both ranges must be free of overflow, which config_check() checks.
 */
bool config_regions_overlap(const struct icmsg_region_config *a,
			    const struct icmsg_region_config *b);

/**
 * config_overlap_where() - where two regions of type @type (a known one)
 * overlap, as the end of a message: " in the same file (spec 6.1)".
 */
const char *config_overlap_where(enum icmsg_region_type type);

#endif
