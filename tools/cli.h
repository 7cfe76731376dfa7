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
#include <sys/types.h>

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
	CLI_OPT_DIRECT,
	CLI_OPT_CONTROL,
	CLI_OPT_SOCKET,
	CLI_OPT_CMD_BASE, /* first code free for a command's own options */
};

/* Where icmsgd listens for control requests unless told otherwise. */
#define CLI_CONTROL_DEFAULT "/run/icmsgd/control.sock"

/* Bound on talking to the control socket when a command has no --timeout:
 * a daemon that hangs must not hang the shell too. */
#define CLI_CONTROL_TIMEOUT_MS 5000

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

/*
 * send and recv take the link options only with --direct; without it they
 * go through icmsgd and take these. The help lines are split the same way.
 */
#define CLI_DAEMON_LONGOPTS                                                         \
	{ "direct", no_argument, NULL, CLI_OPT_DIRECT },                            \
	{ "control", required_argument, NULL, CLI_OPT_CONTROL },                    \
	{ "socket", required_argument, NULL, CLI_OPT_SOCKET }

#define CLI_DAEMON_HELP                                                             \
	"      --control PATH         icmsgd's control socket (default: $ICMSG_CONTROL,\n" \
	"                             else " CLI_CONTROL_DEFAULT ")\n"              \
	"      --socket PATH          use this instance socket, without asking the\n" \
	"                             control socket; it replaces INSTANCE\n"       \
	"  -i, --instance NAME        the instance, instead of the INSTANCE argument\n" \
	"  -v, --verbose              say which socket is used, on stderr\n"

#define CLI_DIRECT_HELP                                                             \
	"      --direct               open the link with libicmsg instead of using icmsgd\n" \
	"  -c, --config FILE          YAML configuration (default: $ICMSG_CONFIG)\n" \
	"  -i, --instance NAME        instance to use, instead of INSTANCE (optional if\n" \
	"                             the file has one)\n"                          \
	"  -v, --verbose              log library events to stderr, debug included\n" \
	"      --peer-rx-buf-size N   override the instance's peer-rx-buf-size\n"   \
	"      --unbound MODE         override the instance's unbound mode:\n"      \
	"                             disable, enable or detect\n"

/**
 * struct cli_daemon_opts - how send and recv reach an instance.
 * @direct:  --direct: open the link with libicmsg (struct cli_link_opts).
 * @control: --control PATH, NULL for $ICMSG_CONTROL or the default.
 * @socket:  --socket PATH, NULL to ask the control socket.
 */
struct cli_daemon_opts {
	bool direct;
	const char *control;
	const char *socket;
};

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
int cmd_status(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_bench(int argc, char **argv);

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

/**
 * cli_direct_instance() - with --direct, take the argument at *@idx as the
 * instance when no --instance was given and the configuration has an
 * instance of that name, or more than one instance (then it must be one).
 * Advances *@idx past it. Errors loading the file are left to
 * cli_link_open(), which reports them.
 */
void cli_direct_instance(struct cli_link_opts *o, int argc, char **argv, int *idx);

/* ---- the daemon (cli-daemon.c) ---- */

/**
 * cli_daemon_quiet_interrupts() - do not report requests cut short by a
 * signal (status --watch: the signal is how the user ends it).
 */
void cli_daemon_quiet_interrupts(bool quiet);

/**
 * cli_daemon_option() - handle one of CLI_DAEMON_LONGOPTS.
 * @return 1 if @opt was one, 0 if not.
 */
int cli_daemon_option(struct cli_daemon_opts *d, int opt, const char *arg);

/**
 * cli_daemon_check() - refuse options of the other mode: the link options
 * (but -i and -v) without --direct, --control and --socket with it.
 * @return CLI_EXIT_OK, or CLI_EXIT_USAGE after printing why.
 */
int cli_daemon_check(const struct cli_daemon_opts *d, const struct cli_link_opts *o);

/** cli_control_path() - @opt, else $ICMSG_CONTROL if set and not empty, else the default. */
const char *cli_control_path(const char *opt);

/**
 * struct cli_buf - a growable receive buffer. Free @data with free().
 */
struct cli_buf {
	char *data;
	size_t cap;
};

/**
 * cli_seq_connect() - connect a non-blocking SOCK_SEQPACKET socket to
 * @path, waiting up to @timeout_ms (-1: forever) if the listener's backlog
 * is full.
 * @return 0 and *@ret_fd (close it with close()), or a negative errno:
 *         -ENAMETOOLONG, -ETIMEDOUT, -EINTR (signal), connect()'s errors;
 *         *@ret_fd is then -1.
 */
int cli_seq_connect(const char *path, int timeout_ms, int *ret_fd);

/**
 * cli_seq_send() - send @len bytes as one datagram, waiting for room in
 * the peer's queue until @deadline (see cli_deadline()).
 * @return 0, -ETIMEDOUT, -EINTR (signal), -EPIPE (peer gone) or send()'s
 *         errors.
 */
int cli_seq_send(int fd, const void *data, size_t len, uint64_t deadline);

/**
 * cli_seq_recv() - receive one whole datagram into @buf (grown to fit),
 * waiting until @deadline.
 * @return its length, -ETIMEDOUT, -EINTR (signal), -EPIPE (the peer
 *         closed the connection), -ENOMEM or recv()'s errors.
 */
ssize_t cli_seq_recv(int fd, struct cli_buf *buf, uint64_t deadline);

struct cli_json;

/**
 * cli_control_connect() - connect to icmsgd's control socket at @path.
 * @return CLI_EXIT_OK and *@ret_fd, or the exit code after printing the
 *         error ("cannot reach icmsgd at PATH: ... (is icmsgd running?)").
 */
int cli_control_connect(const char *path, int timeout_ms, int *ret_fd);

/**
 * cli_control_parse() - parse control datagram @text (@len bytes) from @path
 * as a JSON object. With @check_error a top-level non-null "error" (an
 * error reply) is printed and fails; events are checked without it, since
 * an "error" event has that member too.
 * @ret must be freed by the caller using cli_json_free().
 * @return CLI_EXIT_OK or the exit code after printing the error.
 */
int cli_control_parse(const char *path, const char *text, size_t len, bool check_error,
		      struct cli_json **ret);

/**
 * cli_control_read() - receive one control datagram and parse it as a JSON
 * object, until @deadline (@timeout_ms names that deadline in messages).
 * On success *@ret (free with cli_json_free()), the raw text in @buf
 * (NUL-terminated) and its length in *@ret_len.
 * @return CLI_EXIT_OK or the exit code after printing the error. A reply
 *         with a top-level "error" is an error: printed, CLI_EXIT_ERROR.
 */
int cli_control_read(int fd, const char *path, int timeout_ms, uint64_t deadline,
		     struct cli_buf *buf, size_t *ret_len, struct cli_json **ret);

/**
 * cli_control_request() - connect to @path, send @request and read the
 * reply as cli_control_read() does, within @timeout_ms in all.
 * @return CLI_EXIT_OK or the exit code after printing the error.
 */
int cli_control_request(const char *path, const char *request, int timeout_ms,
			struct cli_buf *buf, size_t *ret_len, struct cli_json **ret);

/**
 * struct cli_instance_addr - what send and recv need to know of an instance.
 * @socket:   the instance socket path; free with free().
 * @max_send: the largest message the link takes, 0 if unknown.
 */
struct cli_instance_addr {
	char *socket;
	uint64_t max_send;
};

/**
 * cli_instance_lookup() - ask the control socket (@d) for instance @name,
 * or take --socket as is.
 * @return CLI_EXIT_OK and *@ret, or the exit code after printing the error.
 */
int cli_instance_lookup(const struct cli_daemon_opts *d, const char *name, int timeout_ms,
			bool verbose, struct cli_instance_addr *ret);

/**
 * cli_instance_connect() - connect to the instance socket of @addr.
 * @label names the instance in messages.
 * @return CLI_EXIT_OK and *@ret_fd, or the exit code after printing the error.
 */
int cli_instance_connect(const struct cli_instance_addr *addr, const char *label,
			 int timeout_ms, int *ret_fd);

/**
 * cli_print_safe() - @s for humans: control characters as \xNN so that a
 * reply cannot move the cursor or fake lines; the rest (UTF-8) as is.
 */
void cli_print_safe(FILE *f, const char *s);

/* ---- signals and waiting ---- */

/**
 * cli_signals_init() - route SIGINT and SIGTERM to a self-pipe so that the
 * poll loops see them; ignore SIGPIPE (write errors are reported instead).
 * @return CLI_EXIT_OK or the exit code after printing the error.
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
 * cli_wait_fd() - poll @fd for @events and the signal pipe for at most
 * @timeout_ms (-1: forever).
 * @return CLI_WAIT_LINK (@fd ready, *@ret_revents set), CLI_WAIT_TIMEOUT,
 *         CLI_WAIT_SIGNAL, or a negative errno.
 */
int cli_wait_fd(int fd, short events, int timeout_ms, short *ret_revents);

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

/* ---- timestamps, intervals and JSON output (cli-io.c) ---- */

/* What --timestamp prefixes a printed line with. */
enum cli_timestamp {
	CLI_TS_NONE = 0,
	CLI_TS_ISO,  /* local time, ISO 8601 with microseconds and zone */
	CLI_TS_MONO, /* CLOCK_MONOTONIC as seconds.microseconds */
};

/* The help lines of --timestamp, aligned with the commands' own lines. */
#define CLI_TIMESTAMP_HELP                                                          \
	"  -T, --timestamp[=FORMAT]   prefix each line with the time it arrived: iso\n" \
	"                             (default; local time, e.g.\n"                  \
	"                             2026-01-31T14:05:09.123456+01:00) or mono\n"   \
	"                             (CLOCK_MONOTONIC seconds, e.g. 8421.004211)\n"

/**
 * cli_parse_timestamp() - the argument of --timestamp: NULL or "iso", "mono".
 * @return CLI_EXIT_OK, or CLI_EXIT_USAGE after printing why.
 */
int cli_parse_timestamp(const char *arg, enum cli_timestamp *ret);

/** cli_format_timestamp() - the current time in format @ts (not NONE) into @buf. */
void cli_format_timestamp(enum cli_timestamp ts, char *buf, size_t cap);

/** cli_print_timestamp() - the current time and a blank, nothing for CLI_TS_NONE. */
void cli_print_timestamp(FILE *f, enum cli_timestamp ts);

/**
 * cli_parse_seconds() - "2", "0.5" or "1.250" seconds (at most three
 * decimals, more than 0) into milliseconds. On failure print
 * "icmsg-cli: invalid @what ..." and return -EINVAL.
 */
int cli_parse_seconds(const char *s, const char *what, int *ret_ms);

/**
 * cli_sleep_until() - wait for @deadline (see cli_deadline()) or a signal.
 * @return CLI_WAIT_TIMEOUT (the deadline passed), CLI_WAIT_SIGNAL, or a
 *         negative errno.
 */
int cli_sleep_until(uint64_t deadline);

/** cli_json_write_string() - @s as a JSON string, quotes and escapes included. */
void cli_json_write_string(FILE *f, const char *s);

#endif /* ICMSG_CLI_H */
