// SPDX-License-Identifier: MIT
/*
 * icmsg-cli - talk to, simulate and inspect ICMsg instances from a shell.
 * This file holds main(), the global options and the helpers that the
 * subcommands (cmd-*.c) share.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "send", cmd_send, "send messages through icmsgd (or --direct), read replies" },
	{ "recv", cmd_recv, "print received messages (through icmsgd or --direct)" },
	{ "status", cmd_status, "show icmsgd's instances, their state and counters" },
	{ "monitor", cmd_monitor, "print icmsgd's events as they happen" },
	{ "sim", cmd_sim, "act as the remote core: echo, sink or generate; resets, faults" },
	{ "dump", cmd_dump, "decode a region read-only (config, file, UIO map, /dev/mem)" },
	{ "config", cmd_config, "check configuration files as icmsgd does, list instances" },
	{ "bench", cmd_bench, "measure libicmsg against baselines on this machine" },
};

/* ------------------------------------------------------------------------ */
/* Messages                                                                 */

void cli_err(const char *what, const char *arg)
{
	if (arg)
		fprintf(stderr, "%s: %s -- '%s'\n", CLI_PROG, what, arg);
	else
		fprintf(stderr, "%s: %s\n", CLI_PROG, what);
}

void cli_errf(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", CLI_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * The long option that getopt_long() just refused, or NULL if it was a
 * short one. getopt reports only optopt, which is 0 for an unknown long
 * option and the option's value otherwise, so look at the word itself.
 */
static const char *refused_long_option(char **argv, const struct option *longopts)
{
	const char *word = optind > 0 ? argv[optind - 1] : NULL;
	size_t len;

	if (!word || strncmp(word, "--", 2) != 0 || word[2] == '\0')
		return NULL;
	if (optopt == 0)
		return word;
	/* A short option in a cluster can follow a long word: only take the
	 * word if it names (or abbreviates) the option getopt refused. */
	len = strcspn(word + 2, "=");
	for (; longopts && longopts->name; longopts++)
		if (longopts->val == optopt && strncmp(longopts->name, word + 2, len) == 0)
			return word;
	return NULL;
}

int cli_bad_option(int ret, char **argv, const struct option *longopts)
{
	const char *word = refused_long_option(argv, longopts);
	char shortopt[3] = { '-', (char)optopt, '\0' };

	if (!word)
		word = shortopt;
	if (ret == ':')
		cli_err("option requires an argument", word);
	else if (optopt && strchr(word, '='))
		cli_err("option takes no argument", word);
	else
		cli_err("unknown option", word);
	return CLI_EXIT_USAGE;
}

/* ------------------------------------------------------------------------ */
/* Argument parsing                                                         */

int cli_parse_u64(const char *s, const char *what, uint64_t min, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	/* strtoull accepts leading blanks and a minus sign (negating the
	 * value); a count or size must be a plain number. */
	if (!s || !(s[0] >= '0' && s[0] <= '9'))
		goto err;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end != '\0' || v < min || v > max)
		goto err;
	*ret = v;
	return 0;
err:
	fprintf(stderr, "%s: invalid %s (expected %llu..%llu) -- '%s'\n", CLI_PROG, what,
		(unsigned long long)min, (unsigned long long)max, s ? s : "");
	return -EINVAL;
}

int cli_parse_u32(const char *s, const char *what, uint32_t min, uint32_t max, uint32_t *ret)
{
	uint64_t v;
	int err = cli_parse_u64(s, what, min, max, &v);

	if (err == 0)
		*ret = (uint32_t)v;
	return err;
}

int cli_parse_ms(const char *s, const char *what, int *ret)
{
	uint64_t v;
	int err = cli_parse_u64(s, what, 0, INT_MAX, &v);

	if (err == 0)
		*ret = (int)v;
	return err;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cli_parse_hex(const char *s, uint8_t **ret, size_t *ret_len, const char **ret_why)
{
	size_t n = 0, len = strlen(s);
	uint8_t *buf;
	int hi, lo;

	/* Every byte is two digits, so the input length bounds the output. */
	buf = malloc(len / 2 + 1);
	if (!buf)
		return -ENOMEM;
	while (*s) {
		if (*s == ' ' || *s == '\t' || *s == ':') {
			s++;
			continue;
		}
		hi = hex_digit(s[0]);
		lo = hi < 0 ? -1 : hex_digit(s[1]);
		if (hi < 0 || lo < 0) {
			*ret_why = hi >= 0 && (s[1] == '\0' || s[1] == ' ' || s[1] == '\t' ||
					       s[1] == ':')
					   ? "each byte needs two hex digits"
					   : "not a hex digit";
			free(buf);
			return -EINVAL;
		}
		buf[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (n == 0) {
		*ret_why = "no bytes";
		free(buf);
		return -EINVAL;
	}
	*ret = buf;
	*ret_len = n;
	return 0;
}

static const char *const unbound_names[] = {
	[ICMSG_UNBOUND_DISABLE] = "disable",
	[ICMSG_UNBOUND_ENABLE] = "enable",
	[ICMSG_UNBOUND_DETECT] = "detect",
};

int cli_parse_unbound(const char *s, enum icmsg_unbound_mode *ret)
{
	for (size_t i = 0; i < sizeof(unbound_names) / sizeof(unbound_names[0]); i++) {
		if (strcmp(s, unbound_names[i]) == 0) {
			*ret = (enum icmsg_unbound_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *cli_unbound_name(enum icmsg_unbound_mode mode)
{
	if ((size_t)mode < sizeof(unbound_names) / sizeof(unbound_names[0]))
		return unbound_names[mode];
	return "?";
}

const char *cli_unbound_reason(int reason)
{
	switch (reason) {
	case -ECONNRESET:
		return "peer restarted";
	case -ESHUTDOWN:
		return "peer closed";
	case -EBADMSG:
		return "peer ring corrupt";
	default:
		return strerror(-reason);
	}
}

/* ------------------------------------------------------------------------ */
/* Printing                                                                 */

void cli_print_text(FILE *f, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		/* Backslash is escaped too, so that "\x41" in the output
		 * always means one byte 0x41, never four characters. */
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			fputc(p[i], f);
		else
			fprintf(f, "\\x%02x", p[i]);
	}
}

void cli_print_hex(FILE *f, const void *data, size_t len, const char *sep)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++)
		fprintf(f, "%s%02x", i ? sep : "", p[i]);
}

uint32_t cli_crc32(const void *data, size_t len)
{
	static uint32_t table[256];
	static bool ready;
	const uint8_t *p = data;
	uint32_t crc = 0xffffffffu;

	/* The tool is single-threaded, so a lazily built table is safe. */
	if (!ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
			table[i] = c;
		}
		ready = true;
	}
	for (size_t i = 0; i < len; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

/* ------------------------------------------------------------------------ */
/* Configuration and links                                                  */

int cli_link_option(struct cli_link_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		o->config = arg;
		return 1;
	case 'i':
		o->instance = arg;
		return 1;
	case 'v':
		o->verbose = true;
		return 1;
	case CLI_OPT_PEER_RX_BUF_SIZE:
		/* A message is at most 65535 bytes (16-bit length, spec 2.3);
		 * anything larger would not change the limit. */
		if (cli_parse_u32(arg, "peer-rx-buf-size", 1, 65535, &o->peer_rx_buf_size) < 0)
			return CLI_EXIT_USAGE;
		o->set_peer_rx_buf_size = true;
		return 1;
	case CLI_OPT_UNBOUND:
		if (cli_parse_unbound(arg, &o->unbound) < 0) {
			cli_err("invalid unbound mode (expected disable, enable or detect)", arg);
			return CLI_EXIT_USAGE;
		}
		o->set_unbound = true;
		return 1;
	default:
		return 0;
	}
}

int cli_load_instance(const char *path, const char *name, struct icmsg_config **ret_file,
		      const struct icmsg_link_config **ret_cfg)
{
	const struct icmsg_link_config *cfg;
	struct icmsg_config *file = NULL;
	char *error = NULL;
	size_t count;
	int err;

	if (!path)
		path = getenv("ICMSG_CONFIG");
	if (!path || !*path) {
		cli_err("no configuration: use --config FILE or set ICMSG_CONFIG", NULL);
		return CLI_EXIT_USAGE;
	}
	err = icmsg_config_load(path, &file, &error);
	if (err < 0) {
		/* The library's text already names file:line: key. */
		if (error)
			fprintf(stderr, "%s\n", error);
		else
			fprintf(stderr, "%s: cannot load configuration -- '%s': %s\n", CLI_PROG,
				path, strerror(-err));
		free(error);
		return CLI_EXIT_ERROR;
	}
	count = icmsg_config_count(file);
	if (name) {
		cfg = icmsg_config_find(file, name);
		if (!cfg) {
			cli_errf("no instance named '%s' in -- '%s'", name, path);
			goto err_free;
		}
	} else if (count == 1) {
		cfg = icmsg_config_get(file, 0);
	} else {
		cli_errf("%zu instances in the configuration, choose one with --instance -- '%s'",
			 count, path);
		goto err_free;
	}
	*ret_file = file;
	*ret_cfg = cfg;
	return CLI_EXIT_OK;

err_free:
	icmsg_config_free(file);
	return CLI_EXIT_ERROR;
}

void cli_direct_instance(struct cli_link_opts *o, int argc, char **argv, int *idx)
{
	const char *path = o->config ? o->config : getenv("ICMSG_CONFIG");
	struct icmsg_config *file = NULL;
	char *error = NULL;
	size_t count;

	if (o->instance || *idx >= argc || !path || !*path)
		return;
	if (icmsg_config_load(path, &file, &error) < 0) {
		free(error);
		return;
	}
	/* With one instance a first MESSAGE may not be a name at all; with
	 * several, a name is needed and the first argument has to be it. */
	count = icmsg_config_count(file);
	if (count > 1 || icmsg_config_find(file, argv[*idx]))
		o->instance = argv[(*idx)++];
	icmsg_config_free(file);
}

static const char *level_name(int priority)
{
	switch (priority) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void log_sink(int priority, const char *msg, void *userdata)
{
	const bool *verbose = userdata;

	if (priority > LOG_WARNING && !*verbose)
		return;
	fprintf(stderr, "%s: %s\n", level_name(priority), msg);
}

int cli_link_open(const struct cli_link_opts *o, bool remote,
		  const struct icmsg_link_callbacks *cb, void *userdata,
		  struct icmsg_link **ret)
{
	/* The log sink reads it for the lifetime of the link. */
	static bool verbose;
	struct icmsg_link_options lo = {
		.callbacks = cb,
		.userdata = userdata,
		.log = log_sink,
		.log_userdata = &verbose,
	};
	const struct icmsg_link_config *loaded;
	struct icmsg_config *file;
	struct icmsg_link_config cfg;
	struct icmsg_region_config region;
	struct icmsg_mbox_config mbox;
	const char *field, *msg;
	int err;

	verbose = o->verbose;
	err = cli_load_instance(o->config, o->instance, &file, &loaded);
	if (err)
		return err;
	/* A copy: the loaded configuration is const and shared. Its strings
	 * stay borrowed from @file until the open below has copied them. */
	cfg = *loaded;
	if (o->set_peer_rx_buf_size)
		cfg.peer_rx_buf_size = o->peer_rx_buf_size;
	if (o->set_unbound)
		cfg.unbound = o->unbound;
	if (remote) {
		/* The remote core's view of the same instance (spec 1.1). */
		region = cfg.tx_region;
		cfg.tx_region = cfg.rx_region;
		cfg.rx_region = region;
		mbox = cfg.tx_mbox;
		cfg.tx_mbox = cfg.rx_mbox;
		cfg.rx_mbox = mbox;
	}
	/* The overrides can make a valid file invalid (e.g. enable with
	 * dcache-alignment 0): say which key, as the loader would. */
	if (icmsg_link_config_check(&cfg, &field, &msg) < 0) {
		cli_errf("invalid configuration for instance '%s': %s: %s",
			 cfg.name ? cfg.name : "?", field, msg);
		icmsg_config_free(file);
		return CLI_EXIT_ERROR;
	}
	err = icmsg_link_open(&cfg, &lo, ret);
	if (err < 0) {
		cli_errf("cannot open instance '%s': %s", cfg.name ? cfg.name : "?",
			 strerror(-err));
	}
	icmsg_config_free(file);
	return err < 0 ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* Signals and waiting                                                      */

static int signal_pipe[2] = { -1, -1 };
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	got_signal = 1;
	/* Non-blocking: if the pipe is full a wake-up is pending anyway. */
	if (write(signal_pipe[1], &c, 1) < 0) {
		/* nothing to do */
	}
	errno = saved;
}

static int signals_setup(void)
{
	struct sigaction sa;

	if (pipe2(signal_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a read of stdin must return so we can stop. */
	sa.sa_flags = 0;
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
		return -errno;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -errno;
	return 0;
}

int cli_signals_init(void)
{
	int ret = signals_setup();

	if (ret < 0) {
		cli_errf("cannot set up signal handling: %s", strerror(-ret));
		return CLI_EXIT_ERROR;
	}
	return CLI_EXIT_OK;
}

bool cli_signalled(void)
{
	return got_signal != 0;
}

uint64_t cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t cli_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? UINT64_MAX : cli_now_ms() + (uint64_t)timeout_ms;
}

int cli_left_ms(uint64_t deadline)
{
	uint64_t now;

	if (deadline == UINT64_MAX)
		return -1;
	now = cli_now_ms();
	if (now >= deadline)
		return 0;
	return deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
}

int cli_wait(struct icmsg_link *link, int timeout_ms)
{
	struct pollfd fds[2] = {
		{ .fd = icmsg_link_get_fd(link), .events = POLLIN },
		{ .fd = signal_pipe[0], .events = POLLIN },
	};
	int n, err;

	if (cli_signalled())
		return CLI_WAIT_SIGNAL;
	/* Without cli_signals_init() the pipe fd is -1, which poll skips. */
	n = poll(fds, 2, timeout_ms);
	if (n < 0)
		return errno == EINTR ? (cli_signalled() ? CLI_WAIT_SIGNAL : CLI_WAIT_TIMEOUT)
				      : -errno;
	if (fds[1].revents || cli_signalled())
		return CLI_WAIT_SIGNAL;
	if (n == 0)
		return CLI_WAIT_TIMEOUT;
	err = icmsg_link_process(link);
	return err < 0 ? err : CLI_WAIT_LINK;
}

int cli_wait_fd(int fd, short events, int timeout_ms, short *ret_revents)
{
	struct pollfd fds[2] = {
		{ .fd = fd, .events = events },
		{ .fd = signal_pipe[0], .events = POLLIN },
	};
	int n;

	if (cli_signalled())
		return CLI_WAIT_SIGNAL;
	n = poll(fds, 2, timeout_ms);
	if (n < 0)
		return errno == EINTR ? (cli_signalled() ? CLI_WAIT_SIGNAL : CLI_WAIT_TIMEOUT)
				      : -errno;
	if (fds[1].revents || cli_signalled())
		return CLI_WAIT_SIGNAL;
	if (n == 0)
		return CLI_WAIT_TIMEOUT;
	*ret_revents = fds[0].revents;
	return CLI_WAIT_LINK;
}

int cli_keep_alive(struct icmsg_link *link)
{
	enum icmsg_link_state state = icmsg_link_get_state(link);

	if (state != ICMSG_LINK_DISCONNECTED && state != ICMSG_LINK_FAULT)
		return 0;
	/* In disable mode a fault cannot be cleared from our side alone
	 * (spec 2.9): reopen says -EIO, which the caller reports. */
	return icmsg_link_reopen(link);
}

int cli_wait_bound(struct icmsg_link *link, int timeout_ms)
{
	uint64_t deadline = cli_deadline(timeout_ms);
	int ret;

	for (;;) {
		if (icmsg_link_get_state(link) == ICMSG_LINK_BOUND)
			return 0;
		ret = cli_keep_alive(link);
		if (ret < 0)
			return ret;
		ret = cli_wait(link, cli_left_ms(deadline));
		if (ret < 0)
			return ret;
		if (ret == CLI_WAIT_SIGNAL)
			return -EINTR;
		if (ret == CLI_WAIT_TIMEOUT && cli_left_ms(deadline) == 0 &&
		    icmsg_link_get_state(link) != ICMSG_LINK_BOUND)
			return -ETIMEDOUT;
	}
}

/* ------------------------------------------------------------------------ */
/* main                                                                     */

static void print_help(void)
{
	printf("Usage: %s COMMAND [OPTIONS]...\n", CLI_PROG);
	printf("\nTalk to, simulate and inspect ICMsg inter-core links.\n");
	printf("\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-8s %s\n", commands[i].name, commands[i].summary);
	printf("\nOptions:\n");
	printf("  -h, --help     display this help and exit\n");
	printf("  -V, --version  display the version and exit\n");
	printf("\nsend and recv go through icmsgd's sockets unless given --direct; status,\n"
	       "monitor, send and recv find icmsgd's control socket with --control PATH,\n"
	       "else $ICMSG_CONTROL, else %s.\n", CLI_CONTROL_DEFAULT);
	printf("\nRun '%s COMMAND --help' for the options of a command.\n", CLI_PROG);
	printf("\nExit status: 0 success, 1 error, 2 usage error, 3 timeout.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	opterr = 0;
	/* '+': stop at the command name; the rest belongs to the command. */
	while ((opt = getopt_long(argc, argv, "+:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			print_help();
			return CLI_EXIT_OK;
		case 'V':
			printf("%s %s\n", CLI_PROG, icmsg_version_string());
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(opt, argv, longopts);
		}
	}
	if (optind >= argc) {
		cli_err("no command given, see --help", NULL);
		return CLI_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			char **cmd_argv = argv + optind;
			int cmd_argc = argc - optind;

			/* 0 makes GNU getopt start afresh for the command. */
			optind = 0;
			return commands[i].fn(cmd_argc, cmd_argv);
		}
	}
	cli_err("unknown command", argv[optind]);
	return CLI_EXIT_USAGE;
}
