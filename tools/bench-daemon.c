// SPDX-License-Identifier: MIT
/*
 * icmsg-cli bench: the real icmsgd in the path,
 *
 *   client -> icmsgd socket -> daemon -> ring -> simulated remote core
 *
 * The daemon runs in the foreground on a simulation configuration written
 * into a directory of the case; the remote core is a forked child with
 * libicmsg links on the swapped view of the same instances (as
 * icmsg-cli sim does), which counts or echoes what arrives. The parent is
 * the client. Measuring starts once the control socket reports every
 * instance bound. Also: the daemon's memory with BENCH_RSS_INSTANCES
 * instances bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"
#include "cli-json.h"

#define RSS_REGION 4096u   /* bytes per region of the memory measurement */
#define ROW_REGION 65536u  /* and of the measured rows */
/* The daemon starts, opens its links and bonds within this, even under
 * strace. */
#define BIND_TIMEOUT_MS 15000
#define POLL_PAUSE_NS 5000000 /* between two looks at the control socket */
#define STOP_MS 3000          /* SIGTERM to SIGKILL */

/*
 * One icmsgd of a case: its directory and configuration, its process and
 * the remote core's. Set before the forks: the children read their copy.
 */
static struct daemon_run {
	char dir[192];
	char yaml[256];
	char control[256];
	char socket[256];
	char log[256];
	unsigned int n;  /* instances, ipc0 .. ipc<n-1> */
	int report[2];   /* the counting remote core's pipe */
	pid_t daemon, peer;
} dr;

bool bench_find_icmsgd(char *buf, size_t cap)
{
	char self[PATH_MAX], *slash, *real;
	static const char *const rel[] = { "../daemon/icmsgd", "icmsgd" };

	if (bench_self(self, sizeof(self)) == 0 && (slash = strrchr(self, '/'))) {
		*slash = '\0';
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			if ((size_t)snprintf(buf, cap, "%s/%s", self, rel[i]) >= cap ||
			    access(buf, X_OK) != 0)
				continue;
			real = realpath(buf, NULL);
			if (real && strlen(real) < cap)
				strcpy(buf, real);
			free(real);
			return true;
		}
	}
	return bench_which("icmsgd", buf, cap);
}

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */

static int write_instance(FILE *f, unsigned int i, uint32_t region, uint32_t peer_rx)
{
	return fprintf(f,
		       "  - name: ipc%u\n"
		       "    rx-region: { path: ipc%u.bin, offset: 0, size: %u }\n"
		       "    tx-region: { path: ipc%u.bin, offset: %u, size: %u }\n"
		       "    mboxes: { rx: ipc%u.rx.fifo, tx: ipc%u.tx.fifo }\n"
		       "    peer-rx-buf-size: %u\n"
		       "    lazy-signal: true\n"
		       "    socket: { mode: 0600 }\n",
		       i, i, region, i, region, region, i, i, peer_rx);
}

/* @n instances of @region bytes per region in a new directory under
 * c->dir; the paths of the case in dr. */
static int write_config(const struct bench_case *c, unsigned int n, uint32_t region,
			uint32_t peer_rx)
{
	FILE *f;
	int err = 0;

	memset(&dr, 0, sizeof(dr));
	dr.n = n;
	dr.report[0] = dr.report[1] = -1;
	snprintf(dr.dir, sizeof(dr.dir), "%s/icmsgd", c->dir);
	snprintf(dr.yaml, sizeof(dr.yaml), "%s/icmsgd.yaml", dr.dir);
	snprintf(dr.log, sizeof(dr.log), "%s/icmsgd.log", dr.dir);
	snprintf(dr.control, sizeof(dr.control), "%s/run/control.sock", dr.dir);
	snprintf(dr.socket, sizeof(dr.socket), "%s/run/ipc0.sock", dr.dir);
	if (mkdir(dr.dir, 0700) < 0)
		return -errno;
	f = fopen(dr.yaml, "we");
	if (!f)
		return -errno;
	/* Relative paths: regions and FIFOs beside the file, sockets in run/. */
	fprintf(f, "daemon:\n  runtime-dir: %s/run\ninstances:\n", dr.dir);
	for (unsigned int i = 0; i < n; i++)
		if (write_instance(f, i, region, peer_rx < 128 ? 128 : peer_rx) < 0)
			err = -EIO;
	if (fclose(f) != 0 && err == 0)
		err = -errno;
	return err;
}

/* ------------------------------------------------------------------------ */
/* The simulated remote core                                                */

static int peer_open(struct icmsg_link **links)
{
	char name[16];
	struct cli_link_opts o = { .config = dr.yaml, .instance = name };

	for (unsigned int i = 0; i < dr.n; i++) {
		snprintf(name, sizeof(name), "ipc%u", i);
		if (cli_link_open(&o, true, NULL, NULL, &links[i]) != CLI_EXIT_OK)
			return -1;
	}
	return 0;
}

/* Sleep until one of @links has an event; process the ones that have.
 * @return 0, or -1 when a link failed. */
static int peer_wait(struct icmsg_link **links)
{
	struct pollfd p[BENCH_RSS_INSTANCES];
	int n;

	for (unsigned int i = 0; i < dr.n; i++)
		p[i] = (struct pollfd){ .fd = icmsg_link_get_fd(links[i]), .events = POLLIN };
	n = poll(p, dr.n, -1);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (unsigned int i = 0; i < dr.n; i++)
		if (p[i].revents && icmsg_link_process(links[i]) < 0)
			return -1;
	return 0;
}

/* The next message of *@link, sleeping while there is none.
 * @return its length, or a negative errno. */
static int peer_next(struct icmsg_link **link, uint8_t *buf, size_t cap)
{
	int n;

	while ((n = icmsg_link_try_recv(*link, buf, cap)) == -EAGAIN || n == -EBUSY)
		if (peer_wait(link) < 0)
			return -EIO;
	return n;
}

/* Count the stream on ipc0; report once done, then drain until killed. */
static int peer_sink(const struct bench_case *c)
{
	struct icmsg_link *link;
	struct bench_result r = { 0 };
	uint8_t *buf = malloc(c->size);
	bool reported = false;
	int n, got;

	if (!buf || peer_open(&link) < 0) {
		free(buf);
		return 1;
	}
	for (;;) {
		n = peer_next(&link, buf, c->size);
		if (n < 0)
			break;
		if (reported)
			continue;
		got = bench_stream_got(c, &r, "icmsgd", buf, (size_t)n);
		if (got < 0)
			break;
		if (got > 0) {
			if (bench_report(dr.report[1], &r) < 0)
				break;
			reported = true;
		}
	}
	free(buf);
	return 1;
}

/* Send every message on ipc0 back. */
static int peer_echo(const struct bench_case *c)
{
	struct icmsg_link *link;
	uint8_t *buf = malloc(c->size);
	int n;

	if (!buf || peer_open(&link) < 0) {
		free(buf);
		return 1;
	}
	for (;;) {
		n = peer_next(&link, buf, c->size);
		if (n < 0 || icmsg_link_send_timeout(link, buf, (size_t)n, BENCH_STALL_MS) < 0)
			break;
	}
	free(buf);
	return 1;
}

/* Keep every instance bound, nothing more. */
static int peer_idle(const struct bench_case *c)
{
	struct icmsg_link *links[BENCH_RSS_INSTANCES];

	(void)c;
	if (peer_open(links) < 0)
		return 1;
	for (;;)
		if (peer_wait(links) < 0)
			return 1;
}

/* ------------------------------------------------------------------------ */
/* The daemon                                                               */

static pid_t start_icmsgd(const char *icmsgd)
{
	char confd[256];
	pid_t pid;

	/* No drop-ins: the machine's conf.d must not add instances. */
	snprintf(confd, sizeof(confd), "%s/conf.d", dr.dir);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(dr.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Not the service manager's daemon: no READY=1 to it. */
		unsetenv("NOTIFY_SOCKET");
		execl(icmsgd, icmsgd, "-q", "-c", dr.yaml, "-d", confd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* How many instances the control socket reports bound, or a negative errno. */
static int count_bound(void)
{
	const struct cli_json *list, *inst;
	struct cli_buf buf = { 0 };
	struct cli_json *reply = NULL;
	uint64_t deadline = cli_deadline(BENCH_STALL_MS);
	const char *why, *state;
	size_t off;
	ssize_t len;
	int fd, err, bound = 0;

	err = cli_seq_connect(dr.control, BENCH_STALL_MS, &fd);
	if (err < 0)
		return err;
	err = cli_seq_send(fd, "status", 6, deadline);
	len = err < 0 ? err : cli_seq_recv(fd, &buf, deadline);
	close(fd);
	if (len > 0)
		err = cli_json_parse(buf.data, (size_t)len, &reply, &why, &off);
	else
		err = len < 0 ? (int)len : -EPIPE;
	free(buf.data);
	list = cli_json_get(reply, "instances");
	for (inst = list ? list->child : NULL; inst; inst = inst->next) {
		state = cli_json_string(cli_json_get(inst, "state"));
		bound += state && strcmp(state, "bound") == 0;
	}
	cli_json_free(reply);
	return err < 0 ? err : bound;
}

/* Print what icmsgd logged, for a daemon that failed. */
static void show_log(void)
{
	char line[512];
	FILE *f = fopen(dr.log, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		cli_errf("bench: icmsgd: %s", line);
	}
	fclose(f);
}

/* Wait until the daemon reports every instance bound; *@why says what
 * went wrong. */
static int wait_bound(const char **why)
{
	struct timespec pause = { .tv_nsec = POLL_PAUSE_NS };
	uint64_t end = bench_now_ns() + (uint64_t)BIND_TIMEOUT_MS * 1000000u;
	int status, bound = 0;

	while (bench_now_ns() < end) {
		if (waitpid(dr.daemon, &status, WNOHANG) == dr.daemon) {
			dr.daemon = -1;
			cli_errf("bench: icmsgd exited (status %d)",
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			show_log();
			*why = "icmsgd exited";
			return -ECHILD;
		}
		bound = count_bound();
		if (bound == (int)dr.n)
			return 0;
		nanosleep(&pause, NULL);
	}
	cli_errf("bench: icmsgd: %d of %u instances bound after %d ms", bound < 0 ? 0 : bound,
		 dr.n, BIND_TIMEOUT_MS);
	show_log();
	*why = "icmsgd did not bind";
	return -ETIMEDOUT;
}

/* The daemon and the remote core (@peer) up and bound. */
static int daemon_start(const struct bench_case *c, int (*peer)(const struct bench_case *c),
			const char **why)
{
	dr.daemon = start_icmsgd(c->icmsgd);
	if (dr.daemon < 0)
		return (int)dr.daemon;
	dr.peer = bench_fork(peer, c);
	if (dr.peer < 0)
		return (int)dr.peer;
	return wait_bound(why);
}

/* Stop and collect both, remove every file of the case. */
static void daemon_end(void)
{
	/* The daemon first: what it still holds reaches a remote core
	 * that is still reading. */
	bench_stop(dr.daemon, STOP_MS);
	bench_reap(dr.peer);
	for (int i = 0; i < 2; i++)
		if (dr.report[i] >= 0)
			close(dr.report[i]);
	bench_rmtree(dr.dir);
}

static int client_connect(int *ret_fd)
{
	int err = cli_seq_connect(dr.socket, BENCH_STALL_MS, ret_fd);

	if (err < 0) {
		cli_errf("bench: cannot connect to %s: %s", dr.socket, strerror(-err));
		return err;
	}
	/* Blocking from here on, bounded by timeouts: one system call per
	 * message, as a plain client makes. */
	fcntl(*ret_fd, F_SETFL, 0);
	bench_sock_timeouts(*ret_fd);
	return 0;
}

int bench_daemon_stream(const struct bench_case *c, struct bench_result *r)
{
	int fd = -1, err = write_config(c, 1, ROW_REGION, c->size);

	if (err == 0 && pipe2(dr.report, O_CLOEXEC) < 0)
		err = -errno;
	if (err == 0)
		err = daemon_start(c, peer_sink, &r->why);
	if (err == 0) {
		close(dr.report[1]);
		dr.report[1] = -1;
		fcntl(dr.report[0], F_SETFL, O_NONBLOCK);
		err = client_connect(&fd);
	}
	if (err == 0)
		err = bench_send_stream(c, fd, dr.report[0], "icmsgd", r);
	if (fd >= 0)
		close(fd);
	daemon_end();
	return err;
}

int bench_daemon_rtt(const struct bench_case *c, struct bench_result *r)
{
	uint8_t *buf = malloc(c->size), *back = malloc(c->size);
	uint32_t seq = 0;
	uint64_t t;
	int fd = -1, err = buf && back ? write_config(c, 1, ROW_REGION, c->size) : -ENOMEM;

	if (err == 0)
		err = daemon_start(c, peer_echo, &r->why);
	if (err == 0)
		err = client_connect(&fd);
	if (err == 0) {
		bench_rtt_start(c, r);
		while (err == 0 && bench_rtt_next(r, &t)) {
			bench_fill(buf, c->size, seq++);
			err = bench_sock_round_trip(fd, "icmsgd", buf, back, c->size);
			if (err == 0)
				err = bench_add_rtt(r, t);
		}
		bench_rtt_done(r);
	}
	if (err == -ETIMEDOUT)
		cli_errf("bench: icmsgd: no echo within %d ms", BENCH_STALL_MS);
	if (fd >= 0)
		close(fd);
	if (buf && back)
		daemon_end();
	free(buf);
	free(back);
	return err;
}

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */

/* How long the bound instances sit idle while their CPU time is read:
 * one clock tick is 10 ms, so 1 s shows a 1 % load. */
#define IDLE_MS 1000

/* VmRSS and VmHWM of @pid in KiB. */
static int read_rss(pid_t pid, struct bench_rss *ret)
{
	char path[64], line[256];
	unsigned long long kib;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	memset(ret, 0, sizeof(*ret));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmRSS: %llu kB", &kib) == 1)
			ret->rss_kib = kib;
		else if (sscanf(line, "VmHWM: %llu kB", &kib) == 1)
			ret->hwm_kib = kib;
	}
	fclose(f);
	return ret->rss_kib ? 0 : -ENODATA;
}

/* User plus system CPU seconds @pid has used so far, or -1. */
static double cpu_used_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long utime, stime;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The name in parentheses may hold spaces: fields start after it. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* Idle means no CPU: measure it over @ms with every instance bound. */
static int measure_idle(struct bench_rss *ret, int ms)
{
	double d0 = cpu_used_s(dr.daemon), p0 = cpu_used_s(dr.peer), d1, p1;
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	d1 = cpu_used_s(dr.daemon);
	p1 = cpu_used_s(dr.peer);
	if (d0 < 0 || p0 < 0 || d1 < 0 || p1 < 0)
		return -ENODATA;
	ret->idle_s = ms / 1000.0;
	ret->idle_cpu_daemon_s = d1 - d0;
	ret->idle_cpu_peer_s = p1 - p0;
	return 0;
}

int bench_daemon_rss(const struct bench_case *c, struct bench_rss *ret)
{
	int err = write_config(c, BENCH_RSS_INSTANCES, RSS_REGION, 0);

	ret->why = NULL;
	if (err < 0)
		cli_errf("bench: cannot write %s: %s", dr.yaml, strerror(-err));
	if (err == 0)
		err = daemon_start(c, peer_idle, &ret->why);
	if (err == 0) {
		err = read_rss(dr.daemon, ret);
		if (err < 0)
			cli_errf("bench: /proc/%d/status: %s", (int)dr.daemon, strerror(-err));
	}
	if (err == 0) {
		err = measure_idle(ret, IDLE_MS);
		if (err < 0)
			cli_errf("bench: /proc/%d/stat: %s", (int)dr.daemon, strerror(-err));
	}
	daemon_end();
	return err;
}
