/* SPDX-License-Identifier: MIT */
/*
 * What the icmsg-cli subcommands share: exit codes, error printing, number
 * and hex parsing, the common link options, signal handling and the loops
 * that wait on a link.
 */
#ifndef ICMSG_CLI_H
#define ICMSG_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "icmsg/icmsg.h"

#define CLI_PROG "icmsg-cli"

/* Exit codes, the same for every command (see icmsg-cli --help). */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_ERROR = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_TIMEOUT = 3,
};

/* Codes of long-only options; above any char so they never clash. */
enum {
	CLI_OPT_PEER_RX_BUF_SIZE = 0x100,
	CLI_OPT_UNBOUND,
	CLI_OPT_CMD_BASE, /* first code free for a command's own options */
};

/* The options every link command (sim, send, recv) takes. */
#define CLI_LINK_SHORTOPTS "c:i:v"
#define CLI_LINK_LONGOPTS                                                           \
	{ "config", required_argument, NULL, 'c' },                                 \
	{ "instance", required_argument, NULL, 'i' },                               \
	{ "verbose", no_argument, NULL, 'v' },                                      \
	{ "peer-rx-buf-size", required_argument, NULL, CLI_OPT_PEER_RX_BUF_SIZE },  \
	{ "unbound", required_argument, NULL, CLI_OPT_UNBOUND }

/* Help lines of CLI_LINK_LONGOPTS, aligned with the commands' own lines. */
#define CLI_LINK_HELP                                                               \
	"  -c, --config FILE          YAML configuration (default: $ICMSG_CONFIG)\n"  \
	"  -i, --instance NAME        instance to use (optional if the file has one)\n" \
	"  -v, --verbose              log library events to stderr, debug included\n" \
	"      --peer-rx-buf-size N   override the instance's peer-rx-buf-size\n"     \
	"      --unbound MODE         override the instance's unbound mode:\n"        \
	"                             disable, enable or detect\n"

/** struct cli_link_opts - the parsed common link options. */
struct cli_link_opts {
	const char *config;
	const char *instance;
	bool verbose;
	bool set_peer_rx_buf_size;
	uint32_t peer_rx_buf_size;
	bool set_unbound;
	enum icmsg_unbound_mode unbound;
};

/* One subcommand: (argc, argv) start at the command name. */
int cmd_sim(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_recv(int argc, char **argv);
int cmd_dump(int argc, char **argv);

/* ---- messages ---- */

/** cli_err() - print "icmsg-cli: @what -- '@arg'" (or without arg) to stderr. */
void cli_err(const char *what, const char *arg);

/** cli_errf() - print "icmsg-cli: " and a formatted line to stderr. */
void cli_errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * cli_bad_option() - report what getopt_long() refused and return
 * CLI_EXIT_USAGE. @ret is getopt's result ('?' or ':'), @argv and
 * @longopts the ones just given to getopt_long().
 */
int cli_bad_option(int ret, char **argv, const struct option *longopts);

/* ---- argument parsing ---- */

/**
 * cli_parse_u64() - parse a whole decimal or 0x-hex string within [min, max].
 * On failure print "icmsg-cli: invalid @what -- 's'" and return -EINVAL.
 */
int cli_parse_u64(const char *s, const char *what, uint64_t min, uint64_t max, uint64_t *ret);

/** cli_parse_u32() - cli_parse_u64() for a 32-bit result. */
int cli_parse_u32(const char *s, const char *what, uint32_t min, uint32_t max, uint32_t *ret);

/** cli_parse_ms() - a time in milliseconds, 0 .. INT_MAX. */
int cli_parse_ms(const char *s, const char *what, int *ret);

/**
 * cli_parse_hex() - decode "01 02 ff", "01:02:ff" or "0102ff" into bytes.
 * @ret is malloc'd and must be freed by the caller using free().
 * @return 0, -EINVAL (not hex, odd digits, empty; @ret_why says why) or
 *         -ENOMEM.
 */
int cli_parse_hex(const char *s, uint8_t **ret, size_t *ret_len, const char **ret_why);

/** cli_parse_unbound() - "disable", "enable" or "detect". @return 0 or -EINVAL. */
int cli_parse_unbound(const char *s, enum icmsg_unbound_mode *ret);

/* ---- printing ---- */

/** cli_print_text() - @data as text: printable ASCII as is, others as \xNN. */
void cli_print_text(FILE *f, const void *data, size_t len);

/** cli_print_hex() - @data as lowercase hex, @sep (may be "") between bytes. */
void cli_print_hex(FILE *f, const void *data, size_t len, const char *sep);

/** cli_crc32() - CRC-32/IEEE (reflected 0xEDB88320, init and xorout ~0). */
uint32_t cli_crc32(const void *data, size_t len);

/** cli_unbound_name() - "disable", "enable" or "detect". */
const char *cli_unbound_name(enum icmsg_unbound_mode mode);

/** cli_unbound_reason() - short text for the reason of an unbound callback. */
const char *cli_unbound_reason(int reason);

/* ---- configuration and links ---- */

/**
 * cli_link_option() - handle one of CLI_LINK_LONGOPTS.
 * @return 1 if @opt was a common option, 0 if not, CLI_EXIT_USAGE (after
 *         printing why) if its argument is invalid.
 */
int cli_link_option(struct cli_link_opts *o, int opt, const char *arg);

/**
 * cli_load_instance() - load @path (or $ICMSG_CONFIG when NULL) and pick
 * instance @name (NULL: the only one). @ret_cfg points into *@ret_file,
 * which must be freed by the caller using icmsg_config_free().
 * @return CLI_EXIT_OK or the exit code after printing the error.
 */
int cli_load_instance(const char *path, const char *name, struct icmsg_config **ret_file,
		      const struct icmsg_link_config **ret_cfg);

/**
 * cli_link_open() - load the instance of @o, apply its overrides, swap the
 * tx and rx sides if @remote (to act as the other core), and open it.
 * @ret must be freed by the caller using icmsg_link_close().
 * @return CLI_EXIT_OK or the exit code after printing the error.
 */
int cli_link_open(const struct cli_link_opts *o, bool remote,
		  const struct icmsg_link_callbacks *cb, void *userdata,
		  struct icmsg_link **ret);

/* ---- signals and waiting ---- */

/**
 * cli_signals_init() - route SIGINT and SIGTERM to a self-pipe so that the
 * poll loops see them; ignore SIGPIPE (write errors are reported instead).
 * @return 0 or a negative errno.
 */
int cli_signals_init(void);

/** cli_signalled() - true once SIGINT or SIGTERM has arrived. */
bool cli_signalled(void);

/** cli_now_ms() - CLOCK_MONOTONIC in milliseconds. */
uint64_t cli_now_ms(void);

/** cli_deadline() - now + @timeout_ms, or UINT64_MAX if @timeout_ms < 0. */
uint64_t cli_deadline(int timeout_ms);

/** cli_left_ms() - milliseconds until @deadline for poll(): -1 = forever. */
int cli_left_ms(uint64_t deadline);

/* Results of cli_wait(). */
enum {
	CLI_WAIT_TIMEOUT = 0,
	CLI_WAIT_LINK = 1,
	CLI_WAIT_SIGNAL = 2,
};

/**
 * cli_wait() - poll the link fd and the signal pipe for at most
 * @timeout_ms (-1: forever). When the link fd is readable it is processed.
 * @return CLI_WAIT_*, or a negative errno (poll or processing failed).
 */
int cli_wait(struct icmsg_link *link, int timeout_ms);

/**
 * cli_keep_alive() - bring a link that left the bound state back to
 * bonding: re-open a DISCONNECTED link (the instance may have auto-reopen
 * off), and try the same for FAULT.
 * @return 0, or a negative errno if the link cannot recover.
 */
int cli_keep_alive(struct icmsg_link *link);

/**
 * cli_wait_bound() - wait until @link is bound, processing it.
 * @return 0, -ETIMEDOUT, -EINTR (signal), or a negative errno.
 */
int cli_wait_bound(struct icmsg_link *link, int timeout_ms);

#endif /* ICMSG_CLI_H */
