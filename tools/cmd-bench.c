// SPDX-License-Identifier: MIT
/*
 * icmsg-cli bench - measure libicmsg over the simulation transport, and
 * icmsgd in front of it, against baselines measured in the same run on
 * the same machine, and print one table (or one JSON object). The
 * transports live in bench-lib.c, bench-base.c, bench-relay.c and
 * bench-daemon.c, the measurements beside the table in bench-size.c and
 * bench-strace.c, the output in bench-print.c; this file holds the
 * options, the list of cases and running them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

/* Per case: the default keeps the whole run under 30 s; --quick is for tests. */
#define BENCH_DURATION_DEFAULT_MS 350
#define BENCH_DURATION_QUICK_MS 100
#define BENCH_DURATION_MAX_MS 600000
#define BENCH_COUNT_MAX 100000000u

/* Messages per case under strace: with --syscalls, and in a full run
 * where all the counting should take under SYS_BUDGET_S (strace stops
 * every process at each call: tens of microseconds a call on a slow
 * machine). A full run leaves out what is left once it took that long. */
#define SYS_COUNT_ASKED 20000u
#define SYS_COUNT_FULL 10000u
#define SYS_BUDGET_S 5.0

#define REGION_BIG 65536u
#define REGION_SMALL 2048u
#define SMALL_SIZE 64u
#define N_SIZES 5

enum {
	OPT_ICMSGD = CLI_OPT_CMD_BASE,
	OPT_ONLY,
	OPT_LIST,
	OPT_SYSCALLS,
	OPT_NO_SYSCALLS,
};

const struct bench_kind_info bench_kinds[BK_COUNT] = {
	[BK_RING] = { "ideal-ring", "ring-stream", "(a) ideal ring, busy-poll", "(a)", NULL,
		      false, BK_RING },
	[BK_RING_RTT] = { "ideal-ring-rtt", "ring-rtt", "(a) ideal ring rtt", "(a)", NULL, true,
			  BK_RING_RTT },
	[BK_RING_BELL] = { "doorbell-ring", "ring-bell", "(b) ring + FIFO doorbell", "(b)", NULL,
			   false, BK_RING_BELL },
	[BK_FIFO] = { "fifo-pingpong", "fifo-rtt", "(c) FIFO ping-pong rtt", "(c)", NULL, true,
		      BK_FIFO },
	[BK_SEQ_STREAM] = { "seqpacket-stream", "seqpacket-stream", "(d) SEQPACKET stream", NULL,
			    NULL, false, BK_SEQ_STREAM },
	[BK_SEQ_RTT] = { "seqpacket-rtt", "seqpacket-rtt", "(d) SEQPACKET rtt", NULL, NULL, true,
			 BK_SEQ_RTT },
	[BK_RELAY_STREAM] = { "relay-stream", "relay-stream", "(e) SEQPACKET relay stream", "(e)",
			      NULL, false, BK_RELAY_STREAM },
	[BK_RELAY_RTT] = { "relay-rtt", "relay-rtt", "(e) SEQPACKET relay rtt", "(e)", NULL, true,
			   BK_RELAY_RTT },
	[BK_SPIN_STREAM] = { "libicmsg-stream", "lib-spin-stream", "libicmsg stream, spin", NULL,
			     "spin", false, BK_RING },
	[BK_SPIN_RTT] = { "libicmsg-rtt", "lib-spin-rtt", "libicmsg rtt, spin", NULL, "spin", true,
			  BK_RING_RTT },
	[BK_EVENT_STREAM] = { "libicmsg-stream", "lib-event-stream", "libicmsg stream, event", NULL,
			      "event", false, BK_RING_BELL },
	[BK_EVENT_RTT] = { "libicmsg-rtt", "lib-event-rtt", "libicmsg rtt, event", NULL, "event",
			   true, BK_FIFO },
	[BK_DAEMON_STREAM] = { "daemon-stream", "daemon-stream", "icmsgd stream", NULL, NULL, false,
			       BK_RELAY_STREAM },
	[BK_DAEMON_RTT] = { "daemon-rtt", "daemon-rtt", "icmsgd rtt", NULL, NULL, true,
			    BK_RELAY_RTT },
};

/* Which sizes a kind is measured at. */
enum sizes {
	SIZES_ALL,       /* 16 .. max, the baseline rings' 64 KiB data area */
	SIZES_ALL_SMALL, /* and a 2 KiB region at 64 bytes: libicmsg */
	SIZES_PAIR,      /* 64 and 1024 bytes, a 64 KiB region: the daemon's streams */
	SIZES_ONE,       /* 64 bytes */
	SIZES_FIFO,      /* one byte */
};

static const struct {
	enum bench_kind kind;
	enum sizes sizes;
	uint32_t region; /* 0: not a ring */
} plan_order[] = {
	{ BK_RING, SIZES_ALL, REGION_BIG },
	{ BK_RING_RTT, SIZES_ALL, REGION_BIG },
	{ BK_RING_BELL, SIZES_ALL, REGION_BIG },
	{ BK_FIFO, SIZES_FIFO, 0 },
	{ BK_SEQ_STREAM, SIZES_ALL, 0 },
	{ BK_SEQ_RTT, SIZES_ALL, 0 },
	{ BK_RELAY_STREAM, SIZES_PAIR, 0 },
	{ BK_RELAY_RTT, SIZES_ONE, 0 },
	{ BK_SPIN_STREAM, SIZES_ALL_SMALL, REGION_BIG },
	{ BK_SPIN_RTT, SIZES_ALL_SMALL, REGION_BIG },
	{ BK_EVENT_STREAM, SIZES_ALL_SMALL, REGION_BIG },
	{ BK_EVENT_RTT, SIZES_ALL_SMALL, REGION_BIG },
	{ BK_DAEMON_STREAM, SIZES_PAIR, REGION_BIG },
	{ BK_DAEMON_RTT, SIZES_ONE, REGION_BIG },
};

/* The ids counted under strace, in the order of that table. */
static const char *const sys_ids[BENCH_SYS_CASES] = {
	"lib-spin-stream-64", "lib-event-stream-64", "ring-bell-64", "relay-stream-64",
	"daemon-stream-64",
};

static void print_help(void)
{
	printf("Usage: %s bench [OPTIONS]...\n", CLI_PROG);
	printf("\nMeasure libicmsg over the simulation transport (a region file and two\n"
	       "FIFOs in a temporary directory under /tmp, the peer a forked process with\n"
	       "its own link), in two modes: spin (the receiver busy-polls the ring and\n"
	       "reads messages in place) and event (it sleeps in poll() on the link's\n"
	       "descriptor); senders batch streams (ICMSG_SEND_MORE, a kick every 32\n"
	       "messages) with lazy signalling. Then icmsgd in front of it: a client on\n"
	       "the instance socket, the daemon (run from a generated configuration),\n"
	       "the ring, and a forked simulated remote core. In the same run, the\n"
	       "baselines: (a) an ideal ring in a shared file, busy polling, no doorbell\n"
	       "(streams, and round trips over two rings); (b) that ring with a FIFO\n"
	       "doorbell per message; (c) a one-byte FIFO ping-pong; (d) AF_UNIX\n"
	       "SOCK_SEQPACKET between two processes; (e) SOCK_SEQPACKET through a relay\n"
	       "process (epoll, recvmmsg and sendmmsg in batches of 64).\n"
	       "Sizes 16, 64, 256, 1024 bytes and the largest a 64 KiB region takes, and\n"
	       "a 2 KiB region at 64 bytes; icmsgd and (e) at 64 and 1024 bytes.\n"
	       "Below the table: icmsgd's memory with %d instances bound, libicmsg's\n"
	       "size, and system calls per message counted with strace. Prints one table\n"
	       "on stdout, a progress line per step on stderr.\n",
	       BENCH_RSS_INSTANCES);
	printf("\nOptions:\n");
	printf("  -d, --duration-ms N        measure each case for N milliseconds (default\n"
	       "                             %d: under 30 s in all)\n",
	       BENCH_DURATION_DEFAULT_MS);
	printf("  -q, --quick                measure each case for %d ms, for tests; no\n"
	       "                             system call counts unless --syscalls\n",
	       BENCH_DURATION_QUICK_MS);
	printf("  -n, --count N              measure each case for N messages (or round\n"
	       "                             trips) instead of a duration\n");
	printf("      --only ID              run only the case ID (see --list), nothing\n"
	       "                             beside it\n");
	printf("      --list                 print the case ids and exit\n");
	printf("      --icmsgd PATH          the icmsgd to measure (default: ../daemon/icmsgd\n"
	       "                             from this program's directory, else icmsgd\n"
	       "                             beside it, else in PATH)\n");
	printf("      --syscalls             count system calls per message also with\n"
	       "                             --quick or --only, and without the %.0f s limit\n"
	       "                             of a full run (which counts them by default,\n"
	       "                             %u messages per case): strace -f -c of the\n"
	       "                             streams of (b), libicmsg spin and event, (e)\n"
	       "                             and icmsgd at 64 bytes (or of the --only case),\n"
	       "                             %u messages (or --count) less a run of one\n",
	       SYS_BUDGET_S, SYS_COUNT_FULL, SYS_COUNT_ASKED);
	printf("      --no-syscalls          do not count them\n");
	printf("  -j, --json                 print one JSON object instead of the table\n");
	printf("  -h, --help                 display this help and exit\n");
	printf("\nColumns: region (bytes of each libicmsg or icmsgd region, or the data\n"
	       "area of the baseline rings), msgs/s (round trips per second for rtt\n"
	       "rows), MB/s (10^6 bytes of payload, stream rows), median and 99th\n"
	       "percentile round trip in microseconds, CPU seconds of every process of\n"
	       "the case (user + system), and the ratio to the row's baseline at the\n"
	       "same size: for streams msgs/s over the baseline's (above 1: faster),\n"
	       "for round trips the median over the baseline's (above 1: slower).\n"
	       "Baselines: spin streams (a), spin round trips (a) rtt, event streams\n"
	       "(b), event round trips (c), icmsgd (e).\n"
	       "JSON: duration_ms, count, elapsed_s, max_size, icmsgd,\n"
	       "libicmsg_text_bytes, libicmsg_file_bytes, libicmsg_stripped_bytes,\n"
	       "libicmsg_stripped_note, daemon_memory (instances, vm_rss_kib,\n"
	       "vm_hwm_kib, idle_s, idle_cpu_daemon_s, idle_cpu_peer_s, target_kib,\n"
	       "status, reason), syscalls (status, reason,\n"
	       "count, elapsed_s, note, cases: id, status, reason, msgs, calls,\n"
	       "setup_calls, per_msg, top: syscall, calls, per_msg)\n"
	       "and rows, each with id, case, mode, status (ok, failed, skipped),\n"
	       "reason, region_bytes, size, msgs, elapsed_s, msgs_per_s, mb_per_s,\n"
	       "rtt_median_us, rtt_p99_us, cpu_s, baseline (its id) and vs_baseline\n"
	       "(null where not measured).\n");
	printf("\nExit status: 0 if every case ran (or was skipped), 1 error, 2 usage.\n");
}

/* ------------------------------------------------------------------------ */
/* The plan                                                                 */

static void add_row(struct bench *b, enum bench_kind kind, uint32_t region, uint32_t size,
		    bool small)
{
	struct bench_row *row = &b->rows[b->n_rows];
	char sz[16];

	if (size == b->max_size && size > 1024)
		snprintf(sz, sizeof(sz), "-max");
	else if (size > 1)
		snprintf(sz, sizeof(sz), "-%u", size);
	else
		sz[0] = '\0';
	*row = (struct bench_row){ .kind = kind, .region = region, .size = size };
	snprintf(row->id, sizeof(row->id), "%s%s%s", bench_kinds[kind].id, sz,
		 small ? "-r2k" : "");
	if (!b->only || strcmp(b->only, row->id) == 0)
		b->n_rows++;
}

static void plan(struct bench *b)
{
	const uint32_t all[N_SIZES] = { 16, 64, 256, 1024, b->max_size };
	const uint32_t pair[2] = { 64, 1024 };

	b->n_rows = 0;
	for (size_t k = 0; k < sizeof(plan_order) / sizeof(plan_order[0]); k++) {
		enum bench_kind kind = plan_order[k].kind;
		uint32_t region = plan_order[k].region;

		switch (plan_order[k].sizes) {
		case SIZES_ALL:
		case SIZES_ALL_SMALL:
			for (size_t i = 0; i < N_SIZES; i++)
				add_row(b, kind, region, all[i], false);
			if (plan_order[k].sizes == SIZES_ALL_SMALL)
				add_row(b, kind, REGION_SMALL, SMALL_SIZE, true);
			break;
		case SIZES_PAIR:
			for (size_t i = 0; i < 2; i++)
				add_row(b, kind, region, pair[i], false);
			break;
		case SIZES_ONE:
			add_row(b, kind, region, SMALL_SIZE, false);
			break;
		case SIZES_FIFO:
			add_row(b, kind, region, 1, false);
			break;
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Running the cases                                                        */

/* Fresh files for a case: nothing left from the previous one. */
static int prepare(struct bench *b, uint32_t region)
{
	struct bench_case *c = &b->c;
	int fd;

	unlink(c->fifo_a);
	unlink(c->fifo_b);
	if (mkfifo(c->fifo_a, 0600) < 0 || mkfifo(c->fifo_b, 0600) < 0)
		return -errno;
	fd = open(c->region, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)region * 2) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	c->region_size = region;
	return 0;
}

static double cpu_now(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
			kids.ru_stime.tv_sec) +
	       (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
			kids.ru_stime.tv_usec) / 1e6;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int dispatch(const struct bench_case *c, enum bench_kind kind, struct bench_result *r)
{
	switch (kind) {
	case BK_RING:
		return bench_ring_stream(c, false, r);
	case BK_RING_RTT:
		return bench_ring_rtt(c, r);
	case BK_RING_BELL:
		return bench_ring_stream(c, true, r);
	case BK_FIFO:
		return bench_fifo_rtt(c, r);
	case BK_SEQ_STREAM:
		return bench_seqpacket_stream(c, r);
	case BK_SEQ_RTT:
		return bench_seqpacket_rtt(c, r);
	case BK_RELAY_STREAM:
		return bench_relay_stream(c, r);
	case BK_RELAY_RTT:
		return bench_relay_rtt(c, r);
	case BK_SPIN_STREAM:
		return bench_lib_stream(c, BENCH_SPIN, r);
	case BK_SPIN_RTT:
		return bench_lib_rtt(c, BENCH_SPIN, r);
	case BK_EVENT_STREAM:
		return bench_lib_stream(c, BENCH_EVENT, r);
	case BK_EVENT_RTT:
		return bench_lib_rtt(c, BENCH_EVENT, r);
	case BK_DAEMON_STREAM:
		return bench_daemon_stream(c, r);
	case BK_DAEMON_RTT:
		return bench_daemon_rtt(c, r);
	case BK_COUNT:
		break;
	}
	return -EINVAL;
}

/* What @r measured, into @row. */
static void summarize(struct bench_row *row, struct bench_result *r)
{
	row->status = BENCH_DONE;
	row->msgs = r->msgs;
	row->secs = (double)r->ns / 1e9;
	row->msgs_per_s = (double)r->msgs / row->secs;
	row->mb_per_s = row->msgs_per_s * row->size / 1e6;
	if (r->n_rtt) {
		qsort(r->rtt, r->n_rtt, sizeof(r->rtt[0]), cmp_u64);
		row->rtt_med_us = (double)r->rtt[r->n_rtt / 2] / 1e3;
		row->rtt_p99_us = (double)r->rtt[(r->n_rtt * 99) / 100] / 1e3;
	}
}

static int run_row(struct bench *b, struct bench_row *row)
{
	bool daemon = row->kind == BK_DAEMON_STREAM || row->kind == BK_DAEMON_RTT;
	struct bench_result r = { 0 };
	double cpu0;
	int err;

	if (daemon && !b->icmsgd) {
		row->status = BENCH_SKIPPED;
		snprintf(row->why, sizeof(row->why), "icmsgd not found");
		return 0;
	}
	err = prepare(b, row->region ? row->region : REGION_BIG);
	if (err < 0)
		return err;
	b->c.size = row->size;
	/* Two processes, each on its own CPU; the relay and the daemon
	 * cases have three and are left to the scheduler. */
	if (!daemon && row->kind != BK_RELAY_STREAM && row->kind != BK_RELAY_RTT)
		b->pinned = bench_pin_begin();
	cpu0 = cpu_now();
	err = dispatch(&b->c, row->kind, &r);
	row->cpu_s = cpu_now() - cpu0;
	bench_pin_end();
	if (err == 0 && (r.msgs == 0 || r.ns == 0))
		err = -ENODATA;
	if (err == 0)
		summarize(row, &r);
	else
		snprintf(row->why, sizeof(row->why), "%s", r.why ? r.why : strerror(-err));
	free(r.rtt);
	return err;
}

static const struct bench_row *find_row(const struct bench *b, enum bench_kind kind,
					uint32_t size)
{
	for (size_t i = 0; i < b->n_rows; i++)
		if (b->rows[i].kind == kind && (kind == BK_FIFO || b->rows[i].size == size) &&
		    b->rows[i].status == BENCH_DONE)
			return &b->rows[i];
	return NULL;
}

static void ratios(struct bench *b)
{
	for (size_t i = 0; i < b->n_rows; i++) {
		struct bench_row *row = &b->rows[i];
		enum bench_kind base_kind = bench_kinds[row->kind].base;
		const struct bench_row *base;

		if (row->status != BENCH_DONE || base_kind == row->kind)
			continue;
		base = find_row(b, base_kind, row->size);
		if (!base)
			continue;
		row->base = base;
		if (bench_kinds[row->kind].rtt)
			row->vs = base->rtt_med_us > 0 ? row->rtt_med_us / base->rtt_med_us : 0;
		else
			row->vs = row->msgs_per_s / base->msgs_per_s;
		if (row->vs <= 0)
			row->base = NULL;
	}
}

/* "bench: [i/n] what": one line per step on stderr. */
static void progress(size_t i, size_t n, const char *what)
{
	fprintf(stderr, "bench: [%zu/%zu] %s\n", i, n, what);
}

static int run_rows(struct bench *b, size_t steps)
{
	int ret = CLI_EXIT_OK, err;
	char what[128];

	for (size_t i = 0; i < b->n_rows && !cli_signalled(); i++) {
		struct bench_row *row = &b->rows[i];

		snprintf(what, sizeof(what), "%s, %u byte%s (%s)", bench_kinds[row->kind].what,
			 row->size, row->size == 1 ? "" : "s", row->id);
		progress(i + 1, steps, what);
		err = run_row(b, row);
		if (err < 0) {
			if (!row->why[0])
				snprintf(row->why, sizeof(row->why), "%s", strerror(-err));
			row->status = BENCH_FAILED;
			cli_errf("bench: %s: %s", row->id, row->why);
			ret = CLI_EXIT_ERROR;
		}
	}
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Beside the table                                                         */

static int measure_rss(struct bench *b, size_t step, size_t steps)
{
	int err;

	progress(step, steps, "icmsgd memory with " BENCH_RSS_INSTANCES_STR " instances bound");
	if (!b->icmsgd) {
		b->rss_status = BENCH_SKIPPED;
		snprintf(b->rss_why, sizeof(b->rss_why), "icmsgd not found");
		return CLI_EXIT_OK;
	}
	err = bench_daemon_rss(&b->c, &b->rss);
	if (err < 0) {
		b->rss_status = BENCH_FAILED;
		snprintf(b->rss_why, sizeof(b->rss_why), "%s",
			 b->rss.why ? b->rss.why : strerror(-err));
		return CLI_EXIT_ERROR;
	}
	b->rss_status = BENCH_DONE;
	return CLI_EXIT_OK;
}

/* Count one case under strace. */
static int count_case(struct bench *b, struct bench_sys_row *s, const char *strace,
		      const char *self)
{
	bool daemon = strncmp(s->id, "daemon-", 7) == 0;
	int err;

	if (daemon && !b->icmsgd) {
		s->status = BENCH_SKIPPED;
		snprintf(s->why, sizeof(s->why), "icmsgd not found");
		return CLI_EXIT_OK;
	}
	err = bench_syscalls(strace, self, b->icmsgd, b->dir, s->id, b->sys_count, &s->sys);
	if (err < 0) {
		s->status = BENCH_FAILED;
		snprintf(s->why, sizeof(s->why), "%s", strerror(-err));
		return CLI_EXIT_ERROR;
	}
	s->status = BENCH_DONE;
	return CLI_EXIT_OK;
}

static int count_syscalls(struct bench *b, size_t step, size_t steps)
{
	char strace[4096], self[4096], what[96];
	uint64_t t0 = bench_now_ns();
	int ret = CLI_EXIT_OK;

	if (!bench_which("strace", strace, sizeof(strace))) {
		b->sys_why = "strace not installed";
		return CLI_EXIT_OK;
	}
	/* A container may forbid ptrace: that is no failure of the bench. */
	if (bench_run((char *[]){ strace, "-qq", "-o", "/dev/null", "true", NULL }, NULL, NULL)) {
		b->sys_why = "strace cannot trace here";
		return CLI_EXIT_OK;
	}
	if (bench_self(self, sizeof(self)) < 0) {
		b->sys_why = "cannot find this program (/proc/self/exe)";
		return CLI_EXIT_ERROR;
	}
	for (size_t i = 0; i < b->n_sys && !cli_signalled(); i++) {
		struct bench_sys_row *s = &b->sys[i];

		snprintf(what, sizeof(what), "system calls of %s under strace", s->id);
		progress(step + i, steps, what);
		/* The limit of a default run: the rest are left out, not failed. */
		if (b->sys_budget_s > 0 && (double)(bench_now_ns() - t0) / 1e9 > b->sys_budget_s) {
			s->status = BENCH_SKIPPED;
			snprintf(s->why, sizeof(s->why), "over the %.0f s limit", b->sys_budget_s);
			continue;
		}
		if (count_case(b, s, strace, self) != CLI_EXIT_OK)
			ret = CLI_EXIT_ERROR;
	}
	return ret;
}

/* The cases to count: the fixed list, or the --only case. */
static void plan_syscalls(struct bench *b)
{
	b->n_sys = 0;
	if (!b->sys_on)
		return;
	if (b->only) {
		snprintf(b->sys[b->n_sys++].id, sizeof(b->sys[0].id), "%s", b->only);
		return;
	}
	for (size_t i = 0; i < BENCH_SYS_CASES; i++)
		snprintf(b->sys[b->n_sys++].id, sizeof(b->sys[0].id), "%s", sys_ids[i]);
}

/* ------------------------------------------------------------------------ */

static int setup(struct bench *b)
{
	struct bench_case *c = &b->c;
	int err, max;

	c->dir = b->dir;
	snprintf(c->region, sizeof(c->region), "%s/region", b->dir);
	snprintf(c->fifo_a, sizeof(c->fifo_a), "%s/fifo-a", b->dir);
	snprintf(c->fifo_b, sizeof(c->fifo_b), "%s/fifo-b", b->dir);
	c->duration_ms = b->duration_ms;
	c->count = b->count;
	c->icmsgd = b->icmsgd;

	err = prepare(b, REGION_BIG);
	max = err < 0 ? err : bench_lib_max(c);
	if (max < 0) {
		cli_errf("bench: cannot open a link in %s: %s", b->dir, strerror(-max));
		return CLI_EXIT_ERROR;
	}
	b->max_size = (uint32_t)max;
	plan(b);
	plan_syscalls(b);
	return CLI_EXIT_OK;
}

static int run(struct bench *b)
{
	uint64_t t0 = bench_now_ns();
	size_t steps;
	int ret;

	ret = setup(b);
	if (ret != CLI_EXIT_OK)
		return ret;
	steps = b->n_rows + (b->extras ? 1 : 0) + b->n_sys;
	ret = run_rows(b, steps);
	if (b->extras && !cli_signalled() &&
	    measure_rss(b, b->n_rows + 1, steps) != CLI_EXIT_OK)
		ret = CLI_EXIT_ERROR;
	if (b->extras)
		bench_size(b->dir, &b->size);
	if (b->n_sys && !cli_signalled() &&
	    count_syscalls(b, b->n_rows + (b->extras ? 2 : 1), steps) != CLI_EXIT_OK)
		ret = CLI_EXIT_ERROR;
	b->wall_s = (double)(bench_now_ns() - t0) / 1e9;
	if (cli_signalled()) {
		cli_errf("bench: interrupted");
		ret = CLI_EXIT_ERROR;
	}
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Options                                                                  */

struct opts {
	uint32_t duration_ms;
	uint64_t count;
	bool json, quick, list;
	int syscalls; /* -1 off, 0 default, 1 on */
	const char *only;
	const char *icmsgd;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "quick", no_argument, NULL, 'q' },
		{ "count", required_argument, NULL, 'n' },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "icmsgd", required_argument, NULL, OPT_ICMSGD },
		{ "syscalls", no_argument, NULL, OPT_SYSCALLS },
		{ "no-syscalls", no_argument, NULL, OPT_NO_SYSCALLS },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, ":d:qn:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (cli_parse_u32(optarg, "duration-ms", 1, BENCH_DURATION_MAX_MS,
					  &o->duration_ms) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'q':
			o->quick = true;
			o->duration_ms = BENCH_DURATION_QUICK_MS;
			break;
		case 'n':
			if (cli_parse_u64(optarg, "count", 1, BENCH_COUNT_MAX, &o->count) < 0)
				return CLI_EXIT_USAGE;
			break;
		case OPT_ONLY:
			o->only = optarg;
			break;
		case OPT_LIST:
			o->list = true;
			break;
		case OPT_ICMSGD:
			o->icmsgd = optarg;
			break;
		case OPT_SYSCALLS:
			o->syscalls = 1;
			break;
		case OPT_NO_SYSCALLS:
			o->syscalls = -1;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			print_help();
			return -1;
		default:
			return cli_bad_option(opt, argv, longopts);
		}
	}
	if (optind < argc) {
		cli_err("unexpected argument", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

/* The case ids, for --list and to check --only before anything runs. */
static bool known_id(struct bench *b, const char *id, bool print)
{
	const char *only = b->only;
	bool found = false;

	b->only = NULL;
	b->max_size = UINT32_MAX; /* named "max" whatever it is */
	plan(b);
	for (size_t i = 0; i < b->n_rows; i++) {
		if (print)
			printf("%s\n", b->rows[i].id);
		found |= id && strcmp(id, b->rows[i].id) == 0;
	}
	b->only = only;
	b->n_rows = 0;
	return found;
}

/* Options into @b. @return CLI_EXIT_OK, or an exit code to leave with. */
static int configure(struct bench *b, const struct opts *o)
{
	b->duration_ms = (int)o->duration_ms;
	b->count = o->count;
	b->json = o->json;
	b->only = o->only;
	if (o->list) {
		known_id(b, NULL, true);
		return -1;
	}
	if (o->only && !known_id(b, o->only, false)) {
		cli_err("unknown case (see --list)", o->only);
		return CLI_EXIT_USAGE;
	}
	if (o->icmsgd && access(o->icmsgd, X_OK) != 0) {
		cli_errf("bench: --icmsgd %s: %s", o->icmsgd, strerror(errno));
		return CLI_EXIT_USAGE;
	}
	if (o->icmsgd)
		b->icmsgd = o->icmsgd;
	else if (bench_find_icmsgd(b->icmsgd_buf, sizeof(b->icmsgd_buf)))
		b->icmsgd = b->icmsgd_buf;
	/* Beside the table only in a whole run: a --only run is what
	 * strace counts, and must do nothing else. */
	b->extras = !o->only;
	b->sys_on = o->syscalls > 0 || (o->syscalls == 0 && !o->quick && !o->only);
	b->sys_budget_s = o->syscalls > 0 ? 0 : SYS_BUDGET_S;
	b->sys_count = o->count ? o->count : o->syscalls > 0 ? SYS_COUNT_ASKED : SYS_COUNT_FULL;
	b->sys_why = b->sys_on ? NULL : "not asked for";
	return CLI_EXIT_OK;
}

int cmd_bench(int argc, char **argv)
{
	struct opts o = { .duration_ms = BENCH_DURATION_DEFAULT_MS };
	struct bench *b;
	int ret;

	ret = parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? CLI_EXIT_OK : ret;
	b = calloc(1, sizeof(*b));
	if (!b) {
		cli_errf("out of memory");
		return CLI_EXIT_ERROR;
	}
	b->pinned = -2; /* no two-process case run yet */
	ret = configure(b, &o);
	if (ret == CLI_EXIT_OK)
		ret = cli_signals_init();
	if (ret) {
		free(b);
		return ret < 0 ? CLI_EXIT_OK : ret;
	}
	snprintf(b->dir, sizeof(b->dir), "/tmp/icmsg-bench-XXXXXX");
	if (!mkdtemp(b->dir)) {
		cli_errf("bench: mkdtemp %s: %s", b->dir, strerror(errno));
		free(b);
		return CLI_EXIT_ERROR;
	}
	ret = run(b);
	bench_rmtree(b->dir);
	if (b->n_rows) {
		ratios(b);
		if (b->json)
			bench_print_json(b);
		else
			bench_print_table(b);
	}
	free(b);
	return ret;
}
