/* SPDX-License-Identifier: MIT */
/*
 * What the parts of icmsg-cli bench share: one measured case (forked peer
 * processes and what the parent measured), the transports' runners
 * (bench-lib.c for libicmsg, bench-base.c and bench-relay.c for the
 * baselines, bench-daemon.c for icmsgd), the measurements beside the
 * table (bench-size.c, bench-strace.c), and the table itself
 * (cmd-bench.c plans and runs it, bench-print.c prints it).
 */
#ifndef ICMSG_BENCH_H
#define ICMSG_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How long a side waits for the other before it gives up: a peer that
 * died must not hang the run. */
#define BENCH_STALL_MS 5000

/* The data area of the baseline rings: the largest message the library
 * takes from a 64 KiB region must fit them too. */
#define BENCH_RING_SIZE 65536u

/**
 * struct bench_result - what one case measured.
 * @msgs:    messages received (stream) or round trips completed (rtt)
 * @ns:      time they took
 * @rtt:     round-trip samples in ns (rtt only); free with free()
 * @n_rtt:   their count
 * @t0, @end: when measuring started and is to end
 * @limit:   rtt: stop after this many round trips (0: at @end)
 * @expect:  stream: the sequence number of the next message
 * @why:     after a failure, what happened if the errno does not say it
 */
struct bench_result {
	uint64_t msgs;
	uint64_t ns;
	uint64_t *rtt;
	size_t n_rtt;
	size_t cap_rtt;
	uint64_t t0, end;
	uint64_t limit;
	uint32_t expect;
	const char *why;
};

/**
 * struct bench_case - the shared setup of one case.
 * @dir:         the mkdtemp directory
 * @region:      the shared file of the case
 * @fifo_a, @fifo_b: the two FIFOs (a: parent to child, b: child to parent)
 * @size:        message size
 * @region_size: libicmsg: bytes per region
 * @duration_ms: how long the parent measures
 * @count:       if not 0, measure this many messages instead
 * @icmsgd:      the daemon rows: the icmsgd binary
 */
struct bench_case {
	const char *dir;
	char region[256];
	char fifo_a[256];
	char fifo_b[256];
	uint32_t size;
	uint32_t region_size;
	int duration_ms;
	uint64_t count;
	const char *icmsgd;
};

/* ---- shared helpers (bench-util.c) ---- */

/** bench_now_ns() - CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/**
 * bench_stream_got() - check and count message @buf (@len bytes) received
 * in a stream from @what; the first starts the clock and is not counted.
 * @return 0, 1 once the case's duration has passed (or its count is
 *         reached), or -EBADMSG (printed) if it is cut or out of order.
 */
int bench_stream_got(const struct bench_case *c, struct bench_result *r, const char *what,
		     const uint8_t *buf, size_t len);

/** bench_rtt_start() - start the clock of a round-trip case. */
void bench_rtt_start(const struct bench_case *c, struct bench_result *r);

/** bench_rtt_next() - false once the duration has passed or the count is
 * reached, else *@ret_t = now. */
bool bench_rtt_next(struct bench_result *r, uint64_t *ret_t);

/** bench_add_rtt() - record the round trip started at @t. @return 0 or -ENOMEM. */
int bench_add_rtt(struct bench_result *r, uint64_t t);

/** bench_rtt_done() - set @r's message count and time from its samples. */
void bench_rtt_done(struct bench_result *r);

/* Busy polling that yields now and then (the machine may have fewer free
 * CPUs than the processes that spin) and notices a peer that stopped. */
struct bench_spin {
	uint32_t n;
	uint64_t stall;
};

/** bench_spin_idle() - nothing to do yet. @return 0, or -ETIMEDOUT after
 * BENCH_STALL_MS without bench_spin_reset(). */
int bench_spin_idle(struct bench_spin *s);

/** bench_spin_reset() - progress was made: the stall clock starts anew. */
static inline void bench_spin_reset(struct bench_spin *s)
{
	s->stall = 0;
}

/** bench_fill() - a message of @len bytes: @seq as its first 4 bytes, then a pattern. */
void bench_fill(uint8_t *buf, size_t len, uint32_t seq);

/** bench_seq() - the sequence number bench_fill() wrote. */
uint32_t bench_seq(const uint8_t *buf);

/**
 * bench_fork() - fork a child that runs @fn(@c) and exits with its result.
 * The child dies with the parent, so an aborted run leaves no spinner.
 */
pid_t bench_fork(int (*fn)(const struct bench_case *c), const struct bench_case *c);

/**
 * bench_pin_begin() - for a case of two processes: run this one on one CPU
 * and the child bench_fork() starts next on another, so that two busy
 * sides never share one and cases compare alike.
 * @return the two CPUs as a * 1000 + b, or -1 with fewer than two allowed.
 */
int bench_pin_begin(void);

/** bench_pin_end() - this process back on the CPUs it had. */
void bench_pin_end(void);

/** bench_reap() - SIGKILL @pid and wait for it; nothing for @pid <= 0. */
void bench_reap(pid_t pid);

/**
 * bench_stop() - SIGTERM @pid, wait up to @ms for it to exit, then
 * SIGKILL it. @return its wait status, or -1 for @pid <= 0.
 */
int bench_stop(pid_t pid, int ms);

/*
 * Streams measured by a child (through a relay or icmsgd the parent only
 * sends): the child counts with bench_stream_got() and writes its
 * msgs and ns to a pipe once done, then goes on draining until killed.
 */

/** bench_report() - the child's side: write @r's msgs and ns to @fd. */
int bench_report(int fd, const struct bench_result *r);

/**
 * bench_send_stream() - the parent's side: send numbered messages of
 * c->size bytes on the blocking socket @sock (a send timeout set) until
 * the report arrives on the non-blocking pipe @report, and take it into @r.
 * @return 0, or a negative errno after printing why (@what names the case).
 */
int bench_send_stream(const struct bench_case *c, int sock, int report, const char *what,
		      struct bench_result *r);

/**
 * bench_sock_round_trip() - send @buf (@size bytes) on the blocking socket
 * @fd (timeouts set) and receive its echo into @back, which must match.
 * @return 0, -ETIMEDOUT, -EBADMSG (printed, @what names the case) or a
 *         negative errno.
 */
int bench_sock_round_trip(int fd, const char *what, const uint8_t *buf, uint8_t *back,
			  size_t size);

/** bench_sock_timeouts() - SO_SNDTIMEO and SO_RCVTIMEO of BENCH_STALL_MS on @fd. */
void bench_sock_timeouts(int fd);

/**
 * bench_run() - run @argv (argv[0] looked up in PATH) with stdin from
 * /dev/null, stdout to the file @out and stderr to @err (NULL:
 * /dev/null), and wait.
 * @return its exit status (0..255), 128 + signal, or a negative errno.
 */
int bench_run(char *const argv[], const char *out, const char *err);

/** bench_which() - @name's path in PATH into @buf. @return true if found. */
bool bench_which(const char *name, char *buf, size_t cap);

/** bench_self() - the path of this executable into @buf. @return 0 or a negative errno. */
int bench_self(char *buf, size_t cap);

/** bench_rmtree() - remove @path and everything under it; a missing one is fine. */
void bench_rmtree(const char *path);

/* ---- libicmsg (bench-lib.c) ---- */

/**
 * enum bench_mode - how the libicmsg rows wait.
 * @BENCH_SPIN:  the receiver busy-polls (in place, icmsg_link_rx_hold()),
 *               never sleeps
 * @BENCH_EVENT: the receiver sleeps in poll() on the link fd
 * Both batch their stream sends (ICMSG_SEND_MORE) with lazy_signal.
 */
enum bench_mode {
	BENCH_SPIN,
	BENCH_EVENT,
};

/** bench_lib_max() - max_send of a link with @region_size regions, or a negative errno. */
int bench_lib_max(const struct bench_case *c);

/* Each runner forks its peer(s), measures into @r and reaps them;
 * @return 0 or a negative errno after printing why. */
int bench_lib_stream(const struct bench_case *c, enum bench_mode mode, struct bench_result *r);
int bench_lib_rtt(const struct bench_case *c, enum bench_mode mode, struct bench_result *r);

/* ---- baselines (bench-base.c, bench-relay.c) ---- */

int bench_ring_stream(const struct bench_case *c, bool doorbell, struct bench_result *r);
int bench_ring_rtt(const struct bench_case *c, struct bench_result *r);
int bench_fifo_rtt(const struct bench_case *c, struct bench_result *r);
int bench_seqpacket_stream(const struct bench_case *c, struct bench_result *r);
int bench_seqpacket_rtt(const struct bench_case *c, struct bench_result *r);
int bench_relay_stream(const struct bench_case *c, struct bench_result *r);
int bench_relay_rtt(const struct bench_case *c, struct bench_result *r);

/* ---- icmsgd (bench-daemon.c) ---- */

/**
 * bench_find_icmsgd() - where icmsgd is: ../daemon/icmsgd from this
 * executable's directory (the build tree), else icmsgd beside it, else in
 * PATH. @return true with the path in @buf, false if none was found.
 */
bool bench_find_icmsgd(char *buf, size_t cap);

int bench_daemon_stream(const struct bench_case *c, struct bench_result *r);
int bench_daemon_rtt(const struct bench_case *c, struct bench_result *r);

/* Instances of the memory measurement. */
#define BENCH_RSS_INSTANCES 16
#define BENCH_RSS_INSTANCES_STR "16"

/** struct bench_rss - icmsgd's memory with BENCH_RSS_INSTANCES bound instances. */
struct bench_rss {
	uint64_t rss_kib; /* VmRSS */
	uint64_t hwm_kib; /* VmHWM: the peak */
	/* CPU time icmsgd and the peer (16 links of libicmsg) used while
	 * all instances sat bound and idle for idle_s seconds. */
	double idle_s, idle_cpu_daemon_s, idle_cpu_peer_s;
	const char *why;  /* as struct bench_result's */
};

/** bench_daemon_rss() - @return 0 and *@ret, or a negative errno after printing why. */
int bench_daemon_rss(const struct bench_case *c, struct bench_rss *ret);

/* ---- libicmsg's size (bench-size.c) ---- */

/**
 * struct bench_size - how large libicmsg is.
 * @path:     the shared library as loaded ("" if it is not one)
 * @text:     its executable segment as loaded, 0 if not measured
 * @file:     its file size
 * @stripped: the file after strip --strip-unneeded, 0 if not measured
 * @why:      why @stripped is 0
 */
struct bench_size {
	char path[256];
	uint64_t text;
	uint64_t file;
	uint64_t stripped;
	const char *why;
};

/** bench_size() - measure libicmsg, using @dir for the stripped copy. */
void bench_size(const char *dir, struct bench_size *ret);

/* ---- system calls per message (bench-strace.c) ---- */

#define BENCH_SYS_TOP 3

/**
 * struct bench_sys - what strace counted for one case, beyond its setup.
 * @msgs:        messages measured beyond those of the setup run
 * @calls:       system calls of every process of the case beyond those
 *               of the setup run
 * @setup_calls: the calls of the setup run (--count 1)
 * @top:         the most frequent, @top_calls their counts
 * @secs:        wall time of both runs under strace
 * @error:       0, or why it was not counted (negative errno)
 */
struct bench_sys {
	uint64_t msgs;
	uint64_t calls;
	uint64_t setup_calls;
	char top[BENCH_SYS_TOP][32];
	uint64_t top_calls[BENCH_SYS_TOP];
	double secs;
	int error;
};

/**
 * bench_syscalls() - run "@self bench --only @id --count @count", and
 * with --count 1 for the setup alone, under strace -f -c (@strace), with
 * @icmsgd for the daemon rows, files in @dir.
 * @return 0 and *@ret, or a negative errno after printing why.
 */
int bench_syscalls(const char *strace, const char *self, const char *icmsgd, const char *dir,
		   const char *id, uint64_t count, struct bench_sys *ret);

/* ---- the table (cmd-bench.c runs it, bench-print.c prints it) ---- */

/* What a row measures; the baselines first, in the table's order. */
enum bench_kind {
	BK_RING,          /* (a) */
	BK_RING_RTT,      /* (a) */
	BK_RING_BELL,     /* (b) */
	BK_FIFO,          /* (c) */
	BK_SEQ_STREAM,    /* (d) */
	BK_SEQ_RTT,       /* (d) */
	BK_RELAY_STREAM,  /* (e) */
	BK_RELAY_RTT,     /* (e) */
	BK_SPIN_STREAM,
	BK_SPIN_RTT,
	BK_EVENT_STREAM,
	BK_EVENT_RTT,
	BK_DAEMON_STREAM,
	BK_DAEMON_RTT,
	BK_COUNT,
};

/**
 * struct bench_kind_info - how a kind of row is named and compared.
 * @key:  JSON "case"
 * @id:   the stable id (--only) without the size
 * @what: the table's label
 * @tag:  how other rows name it as their baseline ("(a)"), NULL if none do
 * @mode: libicmsg rows: "spin" or "event", else NULL
 * @rtt:  round trips (else a stream)
 * @base: the kind it is compared with, itself for none
 */
struct bench_kind_info {
	const char *key;
	const char *id;
	const char *what;
	const char *tag;
	const char *mode;
	bool rtt;
	enum bench_kind base;
};

extern const struct bench_kind_info bench_kinds[BK_COUNT];

enum bench_status {
	BENCH_PLANNED,
	BENCH_DONE,
	BENCH_FAILED,
	BENCH_SKIPPED,
};

/**
 * struct bench_row - one line of the table.
 * @region: bytes per region (libicmsg, icmsgd) or of the baseline rings'
 *          data area; 0 for the sockets and FIFOs
 * @why:    BENCH_FAILED, BENCH_SKIPPED: the reason
 * @base:   the row it is compared with, NULL for none; @vs the ratio
 *          (msgs/s over the baseline's for streams, the median over the
 *          baseline's for round trips)
 */
struct bench_row {
	enum bench_kind kind;
	uint32_t region;
	uint32_t size;
	char id[48];
	enum bench_status status;
	char why[64];
	uint64_t msgs;
	double secs, msgs_per_s, mb_per_s;
	double rtt_med_us, rtt_p99_us;
	double cpu_s;
	const struct bench_row *base;
	double vs;
};

/* The cases counted under strace: (b), libicmsg in both modes, icmsgd, (e). */
#define BENCH_SYS_CASES 5

/** struct bench_sys_row - one case of the system call table. */
struct bench_sys_row {
	char id[48];
	enum bench_status status;
	char why[64];
	struct bench_sys sys;
};

#define BENCH_MAX_ROWS 64

/**
 * struct bench - one run: the options, the rows and what is measured
 * beside them.
 * @only:      --only: the one row to run, NULL for all
 * @extras:    measure icmsgd's memory and libicmsg's size (not with --only)
 * @icmsgd:    the daemon, NULL if not found
 * @rss_status, @rss_why: the memory measurement
 * @sys_on:    count system calls; @sys_budget_s: give up on the rest after
 *             this long (0: no limit); @sys_why: why they are not counted
 */
struct bench {
	int pinned; /* CPUs of two-process cases, as bench_pin_begin(); -2: none ran */
	int duration_ms;
	uint64_t count;
	bool json;
	const char *only;
	bool extras;
	const char *icmsgd;
	char icmsgd_buf[4096];
	char dir[64];
	struct bench_case c;
	uint32_t max_size;
	struct bench_row rows[BENCH_MAX_ROWS];
	size_t n_rows;
	enum bench_status rss_status;
	char rss_why[64];
	struct bench_rss rss;
	struct bench_size size;
	bool sys_on;
	double sys_budget_s;
	const char *sys_why;
	uint64_t sys_count;
	struct bench_sys_row sys[BENCH_SYS_CASES];
	size_t n_sys;
	double wall_s;
};

/* bench-print.c */
void bench_print_table(const struct bench *b);
void bench_print_json(const struct bench *b);

#endif /* ICMSG_BENCH_H */
