// SPDX-License-Identifier: MIT
/*
 * icmsg-cli send - send messages from the command line, stdin lines or a
 * file (whole, or split at max_send with --raw), --count times, paced by
 * --interval, and optionally read as many replies. By default through
 * icmsgd: one datagram per message on the instance's socket
 * (docs/icmsgd.md). With --direct the command opens the link itself, waits
 * for the bond and returns once the peer has read everything (every
 * invocation has its own link then, so an echo can only be read by the
 * process that sent it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum {
	OPT_RAW = CLI_OPT_CMD_BASE,
	OPT_INTERVAL,
};

/* Slice of a blocked send: between slices we look at signals and read
 * replies, so that a peer blocked on its echo frees our ring (or, through
 * the daemon, our socket's queue). */
#define SEND_SLICE_MS 50

/* How often the tx ring is checked for having been read: a reader never
 * signals that it consumed a packet (spec 2.8). */
#define DRAIN_POLL_MS 5

/* The largest ICMsg message: its length is a 16-bit field (spec 2.7). The
 * bound of a whole input when max_send is not known (--socket). */
#define MSG_MAX 65535

/** struct msg - one message of the set that --count repeats. */
struct msg {
	uint8_t *data;
	size_t len;
};

struct sender {
	struct icmsg_link *link; /* --direct, else NULL */
	int fd;            /* the instance socket of icmsgd, else -1 */
	const char *label; /* the instance in messages (daemon mode) */
	bool hex;          /* arguments, stdin lines and --file are hex */
	bool raw;          /* stdin or --file is one blob, split at max_send */
	bool replies;      /* read one reply per message sent */
	const char *file;  /* --file PATH ("-": stdin), else NULL */
	uint32_t count;    /* --count: times the message set is sent */
	int interval_ms;   /* --interval: between two messages, 0: none */
	uint64_t sched;    /* when the last message was due (--interval) */
	bool paced;        /* a message has been sent: the next one waits */
	int timeout_ms;
	uint8_t *rbuf;     /* reply buffer, max_recv bytes (--direct) */
	size_t rcap;
	struct cli_buf dbuf; /* reply buffer (daemon mode) */
	uint64_t max_send; /* 0: unknown (--socket) */
	size_t sent;       /* messages sent */
	size_t received;   /* replies printed */
	/* The message set, kept for the rounds after the first. */
	struct msg *set;
	size_t set_len, set_cap;
	bool keep;         /* keep what the first round reads */
};

static void print_help(void)
{
	printf("Usage: %s send [OPTIONS]... INSTANCE [MESSAGE]...\n", CLI_PROG);
	printf("       %s send [OPTIONS]... --socket PATH [MESSAGE]...\n", CLI_PROG);
	printf("       %s send --direct [OPTIONS]... [INSTANCE] [MESSAGE]...\n", CLI_PROG);
	printf("\nSend each MESSAGE as one message (its bytes, without a NUL). Without\n"
	       "MESSAGE, send each line of stdin (newline stripped, empty lines skipped),\n"
	       "or with --file the file's whole content as one message. With --raw, stdin\n"
	       "(or --file) is one blob, sent in order as messages of the link's max_send\n"
	       "bytes (the last one shorter): 'recv --raw' on the other side writes the\n"
	       "same bytes out. Without --raw a message larger than max_send is refused\n"
	       "before it is sent (arguments: before any is sent).\n");
	printf("\nBy default the messages go through icmsgd: the control socket names the\n"
	       "instance's socket and its max_send, and each message is sent there as one\n"
	       "datagram. send returns once icmsgd has taken them all, which it does while\n"
	       "the link is bound.\n");
	printf("\nWith --direct, open the link with libicmsg instead: wait for the bond,\n"
	       "and return once the peer has read every message, since closing the link\n"
	       "earlier could lose them. A first argument that names an instance of the\n"
	       "configuration is INSTANCE (use --instance to be explicit).\n");
	printf("\nOptions:\n");
	printf("  -x, --hex                  messages are hex bytes, e.g. \"01 02 ff\" or 01:02:ff\n"
	       "                             (in --file and with --raw, newlines count as\n"
	       "                             blanks)\n");
	printf("  -f, --file PATH            send the content of PATH ('-': stdin) as one\n"
	       "                             message, or with --raw split into messages\n");
	printf("      --raw                  stdin (or --file) is one blob: split it into\n"
	       "                             messages of max_send bytes\n");
	printf("  -n, --count N              send the messages N times over (default: 1)\n");
	printf("      --interval MS          wait MS between two messages, paced on a\n"
	       "                             monotonic clock (a late message goes at once)\n");
	printf("  -r, --replies              then receive as many messages as were sent and\n"
	       "                             print them as 'recv' does\n");
	printf("  -t, --timeout MS           max wait for icmsgd, for room to send, for each\n"
	       "                             reply, for icmsgd (with --direct: the peer) to\n"
	       "                             take the last message; with --direct for the\n"
	       "                             bond (default: 5000)\n");
	printf("  -h, --help                 display this help and exit\n");
	printf("\nThrough icmsgd:\n");
	printf(CLI_DAEMON_HELP);
	printf("\nWith --direct:\n");
	printf(CLI_DIRECT_HELP);
}

/* The instance, for messages. */
static const char *name_of(const struct sender *s)
{
	return s->link ? icmsg_link_get_name(s->link) : s->label;
}

static void print_reply(const struct sender *s, const uint8_t *data, size_t len)
{
	if (s->hex)
		cli_print_hex(stdout, data, len, " ");
	else
		cli_print_text(stdout, data, len);
	fputc('\n', stdout);
	fflush(stdout);
}

/*
 * Take what is already queued for us, without waiting: the replies, to
 * print them; through icmsgd without --replies, whatever icmsgd fans out
 * to us, to drop it, so that a daemon (or a fake one) that echoes to every
 * client never stalls on our full socket while we send.
 * Return: 0 or a negative errno.
 */
static int take_replies(struct sender *s)
{
	ssize_t len;
	int n;

	while (!s->link && (!s->replies || s->received < s->sent)) {
		/* A deadline of now: take what is queued, wait for nothing. */
		len = cli_seq_recv(s->fd, &s->dbuf, cli_deadline(0));
		if (len == -ETIMEDOUT || len == -EINTR)
			return 0;
		if (len < 0)
			return (int)len;
		if (!s->replies)
			continue;
		print_reply(s, (const uint8_t *)s->dbuf.data, (size_t)len);
		s->received++;
	}
	while (s->replies && s->received < s->sent && s->link) {
		n = icmsg_link_try_recv(s->link, s->rbuf, s->rcap);
		if (n == -EAGAIN || n == -EBUSY || n == -ENOTCONN)
			return 0;
		if (n < 0)
			return n;
		print_reply(s, s->rbuf, (size_t)n);
		s->received++;
	}
	return 0;
}

/*
 * Refuse a message larger than the link takes; return an exit code. @what
 * names it ("message 2", "line 5 of stdin"), @hint (may be "") follows the
 * limit's origin. @exact is false when @len only says that reading stopped
 * past the limit, not how large the input is.
 */
static int check_size(const struct sender *s, const char *what, size_t len, bool exact,
		      const char *hint)
{
	uint64_t limit = s->max_send ? s->max_send : MSG_MAX;
	char size[48] = "larger";

	if (len <= limit)
		return CLI_EXIT_OK;
	if (exact)
		snprintf(size, sizeof(size), "%zu bytes, more", len);
	/* Through icmsgd it would be dropped and only reported as an event;
	 * directly the library would refuse it after the ones before. */
	if (s->link)
		cli_errf("%s is %s than the link's limit of %llu bytes "
			 "(peer-rx-buf-size, ring size%s) -- '%s'",
			 what, size, (unsigned long long)limit, hint, name_of(s));
	else if (s->max_send)
		cli_errf("%s is %s than the instance's limit of %llu bytes "
			 "(max_send%s) -- '%s'",
			 what, size, (unsigned long long)limit, hint, s->label);
	else
		cli_errf("%s is %s than the largest ICMsg message, %u bytes -- '%s'", what, size,
			 MSG_MAX, s->label);
	return CLI_EXIT_ERROR;
}

/* One try of at most @slice_ms; -ETIMEDOUT if there was no room (or a
 * signal came, which the caller checks). */
static int try_send(struct sender *s, const uint8_t *data, size_t len, int slice_ms)
{
	int ret;

	if (s->link)
		return icmsg_link_send_timeout(s->link, data, len, slice_ms);
	ret = cli_seq_send(s->fd, data, len, cli_deadline(slice_ms));
	return ret == -EINTR ? -ETIMEDOUT : ret;
}

/*
 * --interval: wait until the next message is due, taking replies (and,
 * with --direct, processing the link) meanwhile. The schedule runs on the
 * monotonic clock from the first message on, so that slow sends do not
 * add up; a message that is already late goes at once. Return an exit code.
 */
static int pace(struct sender *s)
{
	uint64_t due;
	short events, revents;
	int ret, left;

	if (!s->interval_ms)
		return CLI_EXIT_OK;
	if (!s->paced) {
		s->paced = true;
		s->sched = cli_now_ms();
		return CLI_EXIT_OK;
	}
	due = s->sched + (uint64_t)s->interval_ms;
	if (due < cli_now_ms())
		due = cli_now_ms();
	s->sched = due;
	while ((left = cli_left_ms(due)) > 0) {
		/* Only what take_replies() would read, or poll would not wait. */
		events = !s->replies || s->received < s->sent ? POLLIN : 0;
		revents = 0;
		if (s->link)
			ret = cli_wait(s->link, left);
		else
			ret = cli_wait_fd(s->fd, events, left, &revents);
		if (ret == CLI_WAIT_SIGNAL) {
			cli_errf("interrupted while waiting to send message %zu", s->sent);
			return CLI_EXIT_ERROR;
		}
		if (ret >= 0 && !s->link && (revents & (POLLHUP | POLLERR))) {
			cli_errf("icmsgd closed the connection before message %zu -- '%s'", s->sent,
				 s->label);
			return CLI_EXIT_ERROR;
		}
		if (ret >= 0)
			ret = take_replies(s);
		if (ret < 0) {
			cli_errf("waiting to send message %zu failed: %s -- '%s'", s->sent,
				 strerror(-ret), name_of(s));
			return CLI_EXIT_ERROR;
		}
	}
	return CLI_EXIT_OK;
}

/* Send one message (the next, s->sent) when it is due; return an exit code. */
static int send_one(struct sender *s, const uint8_t *data, size_t len)
{
	uint64_t deadline;
	size_t index = s->sent;
	int ret, left;

	ret = pace(s);
	if (ret)
		return ret;
	deadline = cli_deadline(s->timeout_ms);
	for (;;) {
		left = cli_left_ms(deadline);
		ret = try_send(s, data, len, left > SEND_SLICE_MS ? SEND_SLICE_MS : left);
		if (ret >= 0)
			break;
		if (ret != -ETIMEDOUT)
			goto err;
		if (cli_signalled()) {
			cli_errf("interrupted while sending message %zu", index);
			return CLI_EXIT_ERROR;
		}
		if (cli_left_ms(deadline) == 0) {
			cli_errf("no room for message %zu (%zu bytes) within %d ms -- '%s'", index,
				 len, s->timeout_ms, name_of(s));
			return CLI_EXIT_TIMEOUT;
		}
		ret = take_replies(s);
		if (ret < 0)
			goto err;
	}
	s->sent++;
	ret = take_replies(s);
	if (ret < 0)
		goto err;
	return CLI_EXIT_OK;

err:
	if (ret == -EMSGSIZE && s->link)
		cli_errf("message %zu is %zu bytes, more than the link's limit of %llu bytes "
			 "(peer-rx-buf-size, ring size) -- '%s'",
			 index, len, (unsigned long long)s->max_send, name_of(s));
	else if (ret == -EPIPE && !s->link)
		cli_errf("icmsgd closed the connection at message %zu -- '%s'", index,
			 name_of(s));
	else
		cli_errf("sending message %zu failed: %s -- '%s'", index, strerror(-ret),
			 name_of(s));
	return CLI_EXIT_ERROR;
}

/* Add a copy of a message to the set; return an exit code. */
static int set_add(struct sender *s, const uint8_t *data, size_t len)
{
	struct msg *m;

	if (s->set_len == s->set_cap) {
		size_t cap = s->set_cap ? s->set_cap * 2 : 16;

		m = reallocarray(s->set, cap, sizeof(*m));
		if (!m)
			goto oom;
		s->set = m;
		s->set_cap = cap;
	}
	m = &s->set[s->set_len];
	m->data = malloc(len);
	if (!m->data)
		goto oom;
	memcpy(m->data, data, len);
	m->len = len;
	s->set_len++;
	return CLI_EXIT_OK;
oom:
	cli_err("out of memory", NULL);
	return CLI_EXIT_ERROR;
}

static void set_free(struct sender *s)
{
	for (size_t i = 0; i < s->set_len; i++)
		free(s->set[i].data);
	free(s->set);
	s->set = NULL;
	s->set_len = s->set_cap = 0;
}

/* Send a message the first round reads, and keep it for the others if
 * --count asks for more rounds; return an exit code. */
static int send_kept(struct sender *s, const uint8_t *data, size_t len)
{
	int ret;

	if (s->keep) {
		ret = set_add(s, data, len);
		if (ret)
			return ret;
	}
	return send_one(s, data, len);
}

/* Decode one MESSAGE argument or stdin line; return an exit code. */
static int decode(const struct sender *s, const char *text, uint8_t **ret, size_t *ret_len,
		  int bad_exit)
{
	const char *why;
	int err;

	if (!s->hex) {
		*ret_len = strlen(text);
		if (*ret_len == 0) {
			cli_err("empty message (ICMsg has no zero-length messages)", text);
			return bad_exit;
		}
		*ret = (uint8_t *)strdup(text);
		err = *ret ? 0 : -ENOMEM;
	} else {
		err = cli_parse_hex(text, ret, ret_len, &why);
		if (err == -EINVAL) {
			cli_errf("invalid hex message (%s) -- '%s'", why, text);
			return bad_exit;
		}
	}
	if (err < 0) {
		cli_err("out of memory", NULL);
		return CLI_EXIT_ERROR;
	}
	return CLI_EXIT_OK;
}

/* The MESSAGE arguments into the set, every size checked before any is
 * sent; return an exit code. */
static int load_args(struct sender *s, char **msgs, size_t count)
{
	char what[32];
	uint8_t *data;
	size_t len;
	int ret;

	for (size_t i = 0; i < count; i++) {
		ret = decode(s, msgs[i], &data, &len, CLI_EXIT_USAGE);
		if (ret)
			return ret;
		snprintf(what, sizeof(what), "message %zu", i);
		ret = check_size(s, what, len, true, "");
		if (ret == CLI_EXIT_OK)
			ret = set_add(s, data, len);
		free(data);
		if (ret)
			return ret;
	}
	return CLI_EXIT_OK;
}

/* The name of the input (--file, or stdin without it) in messages. */
static const char *file_name(const struct sender *s)
{
	return !s->file || strcmp(s->file, "-") == 0 ? "stdin" : s->file;
}

/* Report a failed read of the input (-EINTR: a signal); return an exit code. */
static int read_error(const struct sender *s, ssize_t err)
{
	if (err == -EINTR)
		cli_errf("interrupted while reading -- '%s'", file_name(s));
	else
		cli_errf("cannot read: %s -- '%s'", strerror((int)-err), file_name(s));
	return CLI_EXIT_ERROR;
}

/* One read(2) of at most @cap bytes; a signal ends it. Return: the bytes
 * read (0 at end of file), or a negative errno (-EINTR on a signal). */
static ssize_t read_some(int fd, void *buf, size_t cap)
{
	ssize_t n;

	for (;;) {
		n = read(fd, buf, cap);
		if (n >= 0)
			return n;
		if (errno != EINTR || cli_signalled())
			return -errno;
	}
}

/*
 * Read from @fd until @cap bytes or end of file; a signal ends the read.
 * Return: the bytes read, or a negative errno (-EINTR on a signal).
 */
static ssize_t read_full(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap) {
		n = read_some(fd, buf + got, cap - got);
		if (n == 0)
			break;
		if (n < 0)
			return n;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * The input (--file, or stdin) as bytes, read a bounded piece at a time so
 * that an endless or huge input (a pipe, /dev/zero) costs no more memory
 * than one message. With --hex it is decoded as it is read: a byte's two
 * digits may straddle two reads.
 */
struct input {
	int fd;
	int nibble;       /* --hex: the first digit of a byte read, else -1 */
	bool eof;
	size_t off, end;  /* --hex: text[off..end) is read, not decoded */
	char text[4096];
};

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex_error(const struct sender *s, const char *why)
{
	cli_errf("invalid hex input (%s) -- '%s'", why, file_name(s));
	return CLI_EXIT_ERROR;
}

/* Open --file (or take stdin); return an exit code. */
static int open_input(const struct sender *s, struct input *in)
{
	*in = (struct input){ .fd = STDIN_FILENO, .nibble = -1 };
	if (!s->file || strcmp(s->file, "-") == 0)
		return CLI_EXIT_OK;
	in->fd = open(s->file, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0) {
		cli_errf("cannot open: %s -- '%s'", strerror(errno), s->file);
		return CLI_EXIT_ERROR;
	}
	return CLI_EXIT_OK;
}

static void close_input(struct input *in)
{
	if (in->fd != STDIN_FILENO)
		close(in->fd);
}

/*
 * The next @cap bytes of the input into @buf, hex decoded with --hex
 * (blanks, colons and newlines between bytes; not within one). *@got < @cap
 * only at the end of the input. Return an exit code, after printing why.
 */
static int read_input(const struct sender *s, struct input *in, uint8_t *buf, size_t cap,
		      size_t *got)
{
	size_t n = 0;
	ssize_t r;
	int d;
	char c;

	*got = 0; /* on failure too: no caller reads garbage */
	if (!s->hex) {
		r = read_full(in->fd, buf, cap);
		if (r < 0)
			return read_error(s, r);
		*got = (size_t)r;
		return CLI_EXIT_OK;
	}
	while (n < cap) {
		if (in->off == in->end) {
			if (in->eof)
				break;
			r = read_some(in->fd, in->text, sizeof(in->text));
			if (r < 0)
				return read_error(s, r);
			in->eof = r == 0;
			in->off = 0;
			in->end = (size_t)r;
			continue;
		}
		c = in->text[in->off++];
		if (c == ' ' || c == '\t' || c == ':' || c == '\n' || c == '\r') {
			if (in->nibble >= 0)
				return hex_error(s, "each byte needs two hex digits");
			continue;
		}
		d = hex_value(c);
		if (d < 0)
			return hex_error(s, c ? "not a hex digit" : "not a hex digit: a NUL byte");
		if (in->nibble < 0) {
			in->nibble = d;
			continue;
		}
		buf[n++] = (uint8_t)(in->nibble << 4 | d);
		in->nibble = -1;
	}
	if (n < cap && in->nibble >= 0)
		return hex_error(s, "each byte needs two hex digits");
	*got = n;
	return CLI_EXIT_OK;
}

/*
 * --file without --raw: the whole input as the message set, one message.
 * At most one byte past the limit is read (a file has its size, though).
 * Return an exit code.
 */
static int load_input(struct sender *s)
{
	uint64_t limit = s->max_send ? s->max_send : MSG_MAX;
	struct input in;
	struct stat st;
	bool exact;
	uint8_t *data;
	size_t len;
	char *what;
	int ret;

	data = malloc((size_t)limit + 1);
	if (!data) {
		cli_err("out of memory", NULL);
		return CLI_EXIT_ERROR;
	}
	ret = open_input(s, &in);
	if (ret == CLI_EXIT_OK) {
		ret = read_input(s, &in, data, (size_t)limit + 1, &len);
		/* Without --hex a regular file tells how large it is. */
		exact = ret || len <= limit;
		if (!exact && !s->hex && fstat(in.fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (uint64_t)st.st_size > limit) {
			len = (size_t)st.st_size;
			exact = true;
		}
		close_input(&in);
	}
	if (ret) {
		/* Printed. */
	} else if (len == 0 && s->hex) {
		ret = hex_error(s, "no bytes");
	} else if (len == 0) {
		cli_err("empty message (ICMsg has no zero-length messages)", file_name(s));
		ret = CLI_EXIT_ERROR;
	} else if (s->file && strcmp(s->file, "-") != 0 ? asprintf(&what, "file '%s'", s->file) < 0
							 : !(what = strdup("stdin"))) {
		cli_err("out of memory", NULL);
		ret = CLI_EXIT_ERROR;
	} else {
		ret = check_size(s, what, len, exact, "; --raw splits it");
		free(what);
		if (ret == CLI_EXIT_OK)
			ret = set_add(s, data, len);
	}
	free(data);
	return ret;
}

/*
 * --raw: stdin or --file in pieces of max_send bytes (decoded ones with
 * --hex), each sent as soon as it is read (a pipe may be endless); return
 * an exit code.
 */
static int send_raw(struct sender *s)
{
	struct input in;
	uint8_t *buf;
	size_t n;
	int ret;

	ret = open_input(s, &in);
	if (ret)
		return ret;
	buf = malloc(s->max_send);
	if (!buf) {
		close_input(&in);
		cli_err("out of memory", NULL);
		return CLI_EXIT_ERROR;
	}
	do {
		ret = read_input(s, &in, buf, s->max_send, &n);
		if (ret == CLI_EXIT_OK && n > 0)
			ret = send_kept(s, buf, n);
	} while (ret == CLI_EXIT_OK && n == s->max_send);
	free(buf);
	close_input(&in);
	return ret;
}

/* Each line of stdin as a message, sent as soon as it is read; return an
 * exit code. */

/*
 * The longest stdin line worth reading: 65535 bytes written as hex with a
 * separator each ("ff "), the most any --hex or text line can decode to.
 */
#define LINE_MAX_TEXT (3 * 65535)

/*
 * getline() without its unbounded growth: read one line into *@buf, but
 * stop after LINE_MAX_TEXT + 1 characters without a newline (the caller
 * refuses such a line, and an endless one must not be read to its end).
 * Return: the length read (> LINE_MAX_TEXT if the line is too long), or -1
 * at end of file or on an error (see ferror()).
 */
static ssize_t read_line(FILE *f, char **buf, size_t *cap)
{
	size_t n = 0;
	int c;

	if (!*buf || *cap < LINE_MAX_TEXT + 2) {
		char *p = realloc(*buf, LINE_MAX_TEXT + 2);

		if (!p)
			return -1;
		*buf = p;
		*cap = LINE_MAX_TEXT + 2;
	}
	while (n <= LINE_MAX_TEXT && (c = getc(f)) != EOF) {
		(*buf)[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (n == 0)
		return -1;
	(*buf)[n] = '\0';
	return (ssize_t)n;
}

static int send_lines(struct sender *s)
{
	char *line = NULL, what[48];
	size_t size = 0, index = 0, len;
	uint8_t *data;
	ssize_t n;
	int ret = CLI_EXIT_OK;

	while ((n = read_line(stdin, &line, &size)) >= 0) {
		index++;
		if (n > LINE_MAX_TEXT) {
			cli_errf("line %zu of stdin is longer than %d characters: no message "
				 "of it can fit (use --raw to split a blob)", index, LINE_MAX_TEXT);
			ret = CLI_EXIT_ERROR;
			break;
		}
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (memchr(line, '\0', (size_t)n)) {
			cli_errf("line %zu of stdin holds a NUL byte", index);
			ret = CLI_EXIT_ERROR;
			break;
		}
		ret = decode(s, line, &data, &len, CLI_EXIT_ERROR);
		if (ret)
			break;
		snprintf(what, sizeof(what), "line %zu of stdin", index);
		ret = check_size(s, what, len, true, "");
		if (ret == CLI_EXIT_OK)
			ret = send_kept(s, data, len);
		free(data);
		if (ret)
			break;
	}
	if (ret == CLI_EXIT_OK && ferror(stdin)) {
		if (cli_signalled())
			cli_err("interrupted while reading stdin", NULL);
		else
			cli_errf("cannot read stdin: %s", strerror(errno));
		ret = CLI_EXIT_ERROR;
	}
	free(line);
	return ret;
}

/*
 * Whether the message set is read as it is sent: stdin lines and --raw
 * (--hex too), which may be endless pipes. The others are read whole
 * before sending.
 */
static bool streamed(const struct sender *s, size_t count)
{
	return !count && (s->raw || !s->file);
}

/*
 * The message set that does not depend on reading a stream (the arguments,
 * --file without --raw), once the limit is known; and the
 * checks --raw needs. Before the bond or the connection, so that a refused
 * message costs no waiting. Return an exit code.
 */
static int prepare(struct sender *s, char **msgs, size_t count)
{
	if (count)
		return load_args(s, msgs, count);
	if (s->raw && !s->max_send) {
		/* Only --socket (or a daemon that has not opened the link)
		 * leaves it unknown. */
		cli_errf("--raw needs the instance's max_send, which is not known%s -- '%s'",
			 s->link ? "" : " (use INSTANCE rather than --socket, once icmsgd has "
					"opened the link)",
			 name_of(s));
		return CLI_EXIT_ERROR;
	}
	if (!streamed(s, count))
		return load_input(s);
	return CLI_EXIT_OK;
}

/*
 * Send the message set --count times: a prepared set as it is, a stream
 * (stdin lines, --raw) as it is read in the first round and from the kept
 * copy after. Return an exit code.
 */
static int transmit(struct sender *s, size_t count)
{
	uint32_t round = 0;
	int ret = CLI_EXIT_OK;

	if (streamed(s, count)) {
		s->keep = s->count > 1;
		ret = s->raw ? send_raw(s) : send_lines(s);
		round = 1;
	}
	for (; ret == CLI_EXIT_OK && round < s->count; round++)
		for (size_t i = 0; ret == CLI_EXIT_OK && i < s->set_len; i++)
			ret = send_one(s, s->set[i].data, s->set[i].len);
	return ret;
}

/*
 * Wait until the peer has read everything we sent; return an exit code.
 * Closing earlier would lose what is still in the ring: in enable/detect
 * mode the peer drops packets it reads after our session ended (spec 3.3),
 * and in disable mode the next client's tx_init erases them (3.2).
 */
static int wait_drained(struct sender *s)
{
	uint64_t deadline = cli_deadline(s->timeout_ms);
	int left, ret;

	for (;;) {
		/* Short slices, so that SIGINT is noticed. */
		left = cli_left_ms(deadline);
		ret = icmsg_link_flush(s->link, left >= 0 && left < DRAIN_POLL_MS ? left
										   : DRAIN_POLL_MS);
		if (ret == 0)
			return CLI_EXIT_OK;
		if (ret != -ETIMEDOUT) {
			cli_errf("the peer did not read all messages: %s -- '%s'", strerror(-ret),
				 name_of(s));
			return CLI_EXIT_ERROR;
		}
		if (cli_signalled()) {
			cli_err("interrupted while waiting for the peer to read", NULL);
			return CLI_EXIT_ERROR;
		}
		if (cli_left_ms(deadline) == 0) {
			cli_errf("the peer did not read all messages within %d ms -- '%s'",
				 s->timeout_ms, name_of(s));
			return CLI_EXIT_TIMEOUT;
		}
	}
}

/* Through icmsgd: wait for the replies not printed yet; return an exit code. */
static int wait_replies_daemon(struct sender *s)
{
	ssize_t len;

	while (s->received < s->sent) {
		/* Per reply, as with --direct. */
		len = cli_seq_recv(s->fd, &s->dbuf, cli_deadline(s->timeout_ms));
		if (len == -ETIMEDOUT) {
			cli_errf("no reply %zu within %d ms (%zu of %zu received) -- '%s'",
				 s->received, s->timeout_ms, s->received, s->sent, s->label);
			return CLI_EXIT_TIMEOUT;
		}
		if (len == -EINTR) {
			cli_err("interrupted while waiting for replies", NULL);
			return CLI_EXIT_ERROR;
		}
		if (len == -EPIPE) {
			cli_errf("icmsgd closed the connection before reply %zu -- '%s'",
				 s->received, s->label);
			return CLI_EXIT_ERROR;
		}
		if (len < 0) {
			cli_errf("receiving reply %zu failed: %s -- '%s'", s->received,
				 strerror((int)-len), s->label);
			return CLI_EXIT_ERROR;
		}
		print_reply(s, (const uint8_t *)s->dbuf.data, (size_t)len);
		s->received++;
	}
	return CLI_EXIT_OK;
}

/* Wait for the replies not printed yet; return an exit code. */
static int wait_replies(struct sender *s)
{
	uint64_t deadline = cli_deadline(s->timeout_ms);
	int ret;

	while (s->received < s->sent) {
		size_t before = s->received;

		ret = take_replies(s);
		if (ret < 0) {
			cli_errf("receiving reply %zu failed: %s", s->received, strerror(-ret));
			return CLI_EXIT_ERROR;
		}
		if (s->received != before)
			deadline = cli_deadline(s->timeout_ms); /* per reply */
		if (s->received == s->sent)
			break;
		if (cli_left_ms(deadline) == 0) {
			cli_errf("no reply %zu within %d ms (%zu of %zu received) -- '%s'",
				 s->received, s->timeout_ms, s->received, s->sent, name_of(s));
			return CLI_EXIT_TIMEOUT;
		}
		ret = cli_wait(s->link, cli_left_ms(deadline));
		if (ret < 0) {
			cli_errf("processing link %s failed: %s", icmsg_link_get_name(s->link),
				 strerror(-ret));
			return CLI_EXIT_ERROR;
		}
		if (ret == CLI_WAIT_SIGNAL) {
			cli_err("interrupted while waiting for replies", NULL);
			return CLI_EXIT_ERROR;
		}
	}
	return CLI_EXIT_OK;
}

/*
 * Through icmsgd: wait until the daemon has taken every message we sent;
 * return an exit code. We shut our sending side down; icmsgd reads up to
 * that end of file and then closes the connection. Meanwhile we read and
 * drop what it fans out to us: closing with datagrams unread would make
 * its next read of our socket fail with ECONNRESET, ahead of messages of
 * ours still queued, which a daemon may take for a disconnect.
 */
static int wait_taken(struct sender *s)
{
	uint64_t deadline = cli_deadline(s->timeout_ms);
	ssize_t n;

	if (shutdown(s->fd, SHUT_WR) < 0) {
		cli_errf("cannot end the connection to icmsgd: %s -- '%s'", strerror(errno),
			 s->label);
		return CLI_EXIT_ERROR;
	}
	for (;;) {
		n = cli_seq_recv(s->fd, &s->dbuf, deadline);
		if (n == -EPIPE)
			return CLI_EXIT_OK;
		if (n == -ETIMEDOUT) {
			/* Still queued in the socket: icmsgd reads them later
			 * if it reads on after our close, as it should. */
			cli_errf("icmsgd has not taken all messages within %d ms (is the link "
				 "bound?) -- '%s'",
				 s->timeout_ms, s->label);
			return CLI_EXIT_TIMEOUT;
		}
		if (n == -EINTR) {
			cli_err("interrupted while waiting for icmsgd to take the messages", NULL);
			return CLI_EXIT_ERROR;
		}
		if (n < 0) {
			cli_errf("cannot read from icmsgd: %s -- '%s'", strerror((int)-n),
				 s->label);
			return CLI_EXIT_ERROR;
		}
	}
}

/* --direct: open the link, wait for the bond, send; return an exit code. */
static int send_direct(struct sender *s, const struct cli_link_opts *lo, char **msgs,
		       size_t count)
{
	struct icmsg_link_info info;
	int ret;

	ret = cli_link_open(lo, false, NULL, NULL, &s->link);
	if (ret)
		return ret;
	if (icmsg_link_get_info(s->link, &info) < 0 || info.max_recv == 0) {
		cli_err("cannot read the link's limits", icmsg_link_get_name(s->link));
		ret = CLI_EXIT_ERROR;
		goto out;
	}
	s->max_send = info.max_send;
	ret = prepare(s, msgs, count);
	if (ret)
		goto out;
	if (s->replies) {
		s->rcap = info.max_recv;
		s->rbuf = malloc(s->rcap);
		if (!s->rbuf) {
			cli_err("out of memory", NULL);
			ret = CLI_EXIT_ERROR;
			goto out;
		}
	}

	ret = cli_wait_bound(s->link, s->timeout_ms);
	if (ret == -ETIMEDOUT) {
		cli_errf("not bound within %d ms (is the peer running, with the same unbound "
			 "mode and dcache-alignment?) -- '%s'",
			 s->timeout_ms, icmsg_link_get_name(s->link));
		ret = CLI_EXIT_TIMEOUT;
		goto out;
	}
	if (ret < 0) {
		if (ret == -EINTR)
			cli_err("interrupted while waiting for the bond", NULL);
		else
			cli_errf("waiting for the bond failed: %s -- '%s'", strerror(-ret),
				 icmsg_link_get_name(s->link));
		ret = CLI_EXIT_ERROR;
		goto out;
	}

	ret = transmit(s, count);
	if (ret == CLI_EXIT_OK && s->replies)
		ret = wait_replies(s);
	if (ret == CLI_EXIT_OK)
		ret = wait_drained(s);
out:
	icmsg_link_close(s->link);
	free(s->rbuf);
	set_free(s);
	return ret;
}

/* Through icmsgd: look the instance up, connect, send; return an exit code. */
static int send_daemon(struct sender *s, const struct cli_daemon_opts *d, bool verbose,
		       char **msgs, size_t count)
{
	struct cli_instance_addr addr;
	int ret;

	ret = cli_instance_lookup(d, s->label, s->timeout_ms, verbose, &addr);
	if (ret)
		return ret;
	s->max_send = addr.max_send;
	ret = prepare(s, msgs, count);
	if (ret == CLI_EXIT_OK)
		ret = cli_instance_connect(&addr, s->label, s->timeout_ms, &s->fd);
	free(addr.socket);
	if (ret) {
		set_free(s);
		return ret;
	}

	ret = transmit(s, count);
	if (ret == CLI_EXIT_OK && s->replies)
		ret = wait_replies_daemon(s);
	if (ret == CLI_EXIT_OK)
		ret = wait_taken(s);
	close(s->fd);
	free(s->dbuf.data);
	set_free(s);
	return ret;
}

int cmd_send(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LINK_LONGOPTS,
		CLI_DAEMON_LONGOPTS,
		{ "hex", no_argument, NULL, 'x' },
		{ "file", required_argument, NULL, 'f' },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "count", required_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "replies", no_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_link_opts lo = { 0 };
	struct cli_daemon_opts d = { 0 };
	struct sender s = { .fd = -1, .timeout_ms = 5000, .count = 1 };
	uint8_t *data;
	size_t len;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, ":" CLI_LINK_SHORTOPTS "xf:n:rt:h", longopts,
				  NULL)) != -1) {
		ret = cli_link_option(&lo, opt, optarg);
		if (ret == 1)
			continue;
		if (ret)
			return ret;
		if (cli_daemon_option(&d, opt, optarg))
			continue;
		switch (opt) {
		case 'x':
			s.hex = true;
			break;
		case 'f':
			if (!*optarg) {
				cli_err("empty file name", "");
				return CLI_EXIT_USAGE;
			}
			s.file = optarg;
			break;
		case OPT_RAW:
			s.raw = true;
			break;
		case 'n':
			if (cli_parse_u32(optarg, "count", 1, UINT32_MAX, &s.count) < 0)
				return CLI_EXIT_USAGE;
			break;
		case OPT_INTERVAL:
			if (cli_parse_ms(optarg, "interval", &s.interval_ms) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'r':
			s.replies = true;
			break;
		case 't':
			if (cli_parse_ms(optarg, "timeout", &s.timeout_ms) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			print_help();
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(opt, argv, longopts);
		}
	}
	ret = cli_daemon_check(&d, &lo);
	if (ret)
		return ret;
	if (d.direct) {
		cli_direct_instance(&lo, argc, argv, &optind);
	} else if (d.socket) {
		s.label = lo.instance ? lo.instance : d.socket;
	} else if (lo.instance) {
		s.label = lo.instance;
	} else if (optind < argc) {
		s.label = argv[optind++];
	} else {
		cli_err("missing INSTANCE (or --socket PATH), see 'icmsg-cli send --help'", NULL);
		return CLI_EXIT_USAGE;
	}
	if (s.label && !*s.label) {
		cli_err("empty instance name", "");
		return CLI_EXIT_USAGE;
	}
	/* The MESSAGE arguments are the set, or stdin or --file is. */
	if (optind < argc && (s.file || s.raw)) {
		cli_err(s.file ? "--file cannot be combined with MESSAGE arguments"
			       : "--raw splits stdin or --file, not MESSAGE arguments",
			argv[optind]);
		return CLI_EXIT_USAGE;
	}
	/* Reject a bad MESSAGE before waiting for a bond or the daemon. */
	for (int i = optind; i < argc; i++) {
		ret = decode(&s, argv[i], &data, &len, CLI_EXIT_USAGE);
		if (ret)
			return ret;
		free(data);
	}

	ret = cli_signals_init();
	if (ret)
		return ret;
	if (d.direct)
		return send_direct(&s, &lo, argv + optind, (size_t)(argc - optind));
	return send_daemon(&s, &d, lo.verbose, argv + optind, (size_t)(argc - optind));
}
