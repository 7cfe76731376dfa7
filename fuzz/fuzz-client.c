// SPDX-License-Identifier: MIT
/*
 * fuzz-client: what icmsgd's clients can send it. The daemon is not a
 * library, so its modules (all but main.c) are compiled into this target
 * and one instance runs here for real: relay.c serving an instance socket,
 * client.c reading its clients with recvmmsg(), control.c answering on a
 * control socket, and a libicmsg link over a file region with eventfd
 * doorbells. The remote core is a struct proto of the library's on the
 * other side of the same file, run in-process. The input is a program
 * over all of it: clients connect, send datagrams of any size (empty, up
 * to max_send, past it, past what one read slot holds), half-close, read
 * or not, disconnect with data in flight; control clients send any
 * request, subscribe, read or not; the remote core sends, stops reading,
 * restarts or corrupts its ring. The libevent loop runs between steps.
 *
 * This seam (real sockets, the daemon's own event callbacks) rather than
 * client_read() alone: the datagram path is only meaningful with the
 * relay's policy around it (oversize refusal, ring-full back-pressure,
 * end of file while not reading), and it costs a few system calls a step.
 *
 * What must hold beyond ASan/UBSan and no leaks: the remote core receives
 * only datagrams a client sent (intact, 1..max_send bytes, in each client's
 * order) and, unless the core restarted or its ring was corrupted, all of
 * them; clients receive only what the core sent, intact and in order;
 * every control reply and event is one JSON object (valid UTF-8).
 *
 * Input: [region size, mode, which side opens first][peer-rx-buf-size,
 * rx-buf-size, lazy-signal][client policy, queue limit,
 * disconnect-on-unbound, timers] then operations, each an opcode
 * (connection << 5 | operation) and its arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "control.h"
#include "fuzz.h"
#include "log.h"
#include "protocol.h"
#include "relay.h"

#define MAX_OPS 96
#define N_CLIENTS 6
#define N_CTRL 3
#define RECV_MAX 70000 /* more than any message */
#define CLIENT_HDR 5   /* id, then sequence number */
#define PEER_HDR 8     /* sequence number and its complement */
/* Room for a message of 65535 bytes (spec 2.3) and the indices. */
#define SIZE_MAX_REGION (65552u + 8u)

enum op {
	OP_CONNECT,
	OP_CLOSE,
	OP_SHUTDOWN,
	OP_SEND,
	OP_SEND_BIG,
	OP_RECV,
	OP_CTRL_CONNECT,
	OP_CTRL_SEND,
	OP_CTRL_RECV,
	OP_CTRL_CLOSE,
	OP_PEER_SEND,
	OP_PEER_FLOOD,
	OP_PEER_FREEZE,
	OP_PEER_RESTART,
	OP_PEER_CORRUPT,
	OP_LOOP,
	OP_SLEEP,
	OP_COUNT
};

/* A client slot; each connection made in it has its own number. */
struct cl {
	int fd;
	uint8_t conn;     /* 1, 2, ...: order is per connection */
	uint32_t last_rx; /* last message of the core it received */
};

struct world {
	struct relay_env env;
	struct relay *relay;
	struct control *ctl;
	int efd_daemon, efd_peer; /* the daemon's rx and tx doorbells */
	uint8_t *map;
	uint32_t size; /* of each region */
	struct region ptx, prx;
	struct pbuf_layout l;
	struct proto peer;
	uint8_t *pbuf;
	bool frozen;
	uint32_t max_send;
	uint32_t peer_seq;      /* next message of the core */
	unsigned int n_conns;
	uint32_t next_seq[MAX_OPS + 1];  /* per connection: of its next datagram */
	uint32_t last_from[MAX_OPS + 1]; /* per connection: last one at the core */
	uint64_t sent, received; /* datagrams a client sent that must arrive, and did */
	bool lossy;              /* the core restarted, or its ring was corrupted */
	bool tampered;           /* its ring was corrupted */
	bool timers;             /* the input may wait for the daemon's timers */
	unsigned int sleeps;
	struct cl c[N_CLIENTS];
	int ctrl[N_CTRL];
};

static struct event_base *base;
static char dir[64], shm_path[96], sock_path[96], ctl_path[96];
static int shm_fd = -1;
static bool verbose;

static void cleanup(void)
{
	unlink(sock_path);
	unlink(ctl_path);
	unlink(shm_path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	/* The daemon logs each client; only FUZZ_VERBOSE=1 wants that. */
	log_max_priority = verbose ? LOG_DEBUG : -1;
	signal(SIGPIPE, SIG_IGN);
	/* tmpfs if there is one: the region file is rewritten for every input. */
	snprintf(dir, sizeof(dir), "/dev/shm/icmsg-fuzz-XXXXXX");
	if (!mkdtemp(dir)) {
		snprintf(dir, sizeof(dir), "/tmp/icmsg-fuzz-XXXXXX");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			abort();
		}
	}
	snprintf(shm_path, sizeof(shm_path), "%s/shm.bin", dir);
	snprintf(sock_path, sizeof(sock_path), "%s/i.sock", dir);
	snprintf(ctl_path, sizeof(ctl_path), "%s/c.sock", dir);
	shm_fd = open(shm_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	base = event_base_new();
	if (shm_fd < 0 || !base || ftruncate(shm_fd, 2 * (off_t)SIZE_MAX_REGION) < 0)
		abort();
	atexit(cleanup);
	return 0;
}

/* ---- payloads ---- */

static uint8_t pattern(uint32_t seq, uint32_t i, uint8_t salt)
{
	return (uint8_t)(seq * 3u + i * 29u + salt);
}

/* Connection @id's datagram number @seq: [id][seq][pattern], or a pattern alone. */
static void client_fill(uint8_t *buf, uint32_t len, uint8_t id, uint32_t seq)
{
	uint32_t i = 0;

	if (len >= CLIENT_HDR) {
		buf[0] = id;
		memcpy(buf + 1, &seq, 4);
		i = CLIENT_HDR;
	} else {
		seq = 0;
		id = 0x77;
	}
	for (; i < len; i++)
		buf[i] = pattern(seq, i, id);
}

static void peer_fill(uint8_t *buf, uint32_t len, uint32_t seq)
{
	uint32_t i = 0, h[2] = { seq, ~seq };

	if (len >= PEER_HDR) {
		memcpy(buf, h, sizeof(h));
		i = PEER_HDR;
	} else {
		seq = 0;
	}
	for (; i < len; i++)
		buf[i] = pattern(seq, i, 0xa5);
}

/* A message at the core: a client's datagram, whole, in its connection's order. */
static void peer_check(struct world *w, const uint8_t *buf, uint32_t len)
{
	uint32_t seq = 0, i = 0;
	uint8_t id = 0x77;

	fz_assert(len >= 1 && len <= w->max_send);
	if (w->tampered)
		return;
	if (len >= CLIENT_HDR) {
		id = buf[0];
		memcpy(&seq, buf + 1, 4);
		fz_assert(id >= 1 && id <= w->n_conns);
		fz_assert(seq > w->last_from[id] && seq < w->next_seq[id]);
		w->last_from[id] = seq;
		i = CLIENT_HDR;
	}
	for (; i < len; i++)
		fz_assert(buf[i] == pattern(seq, i, id));
	w->received++;
}

/* A datagram at a client: a message of the core, whole, in order. */
static void client_check(struct world *w, struct cl *c, const uint8_t *buf, size_t len)
{
	uint32_t h[2], i = 0, seq = 0;

	fz_assert(len >= 1 && len <= pbuf_max_payload(&w->l));
	if (w->tampered)
		return;
	if (len >= PEER_HDR) {
		memcpy(h, buf, sizeof(h));
		seq = h[0];
		fz_assert(h[1] == ~seq && seq > c->last_rx && seq < w->peer_seq);
		c->last_rx = seq;
		i = PEER_HDR;
	}
	for (; i < len; i++)
		fz_assert(buf[i] == pattern(seq, i, 0xa5));
}

/* ---- JSON, as much as it takes to tell a reply parses ---- */

static bool json_value(const uint8_t **p, const uint8_t *end, int depth);

static void skip_ws(const uint8_t **p, const uint8_t *end)
{
	while (*p < end && (**p == ' ' || **p == '\n' || **p == '\t' || **p == '\r'))
		(*p)++;
}

static bool json_string(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *s = *p;
	int more, i;

	if (s >= end || *s++ != '"')
		return false;
	while (s < end && *s != '"') {
		if (*s < 0x20)
			return false;
		if (*s == '\\') {
			if (++s >= end)
				return false;
			if (*s == 'u') {
				for (i = 1; i <= 4; i++)
					if (s + i >= end || !s[i] ||
					    !strchr("0123456789abcdefABCDEF", s[i]))
						return false;
				s += 5;
			} else if (strchr("\"\\/bfnrt", *s) && *s) {
				s++;
			} else {
				return false;
			}
			continue;
		}
		/* UTF-8: a lead byte and its continuation bytes, shortest form. */
		more = *s < 0x80 ? 0 : (*s & 0xe0) == 0xc0 ? 1 : (*s & 0xf0) == 0xe0 ? 2
			: (*s & 0xf8) == 0xf0 ? 3 : -1;
		if (more < 0 || (*s & 0xfe) == 0xc0 || *s > 0xf4)
			return false;
		if (more == 2 && s + 1 < end &&
		    ((*s == 0xe0 && s[1] < 0xa0) || (*s == 0xed && s[1] >= 0xa0)))
			return false;
		if (more == 3 && s + 1 < end &&
		    ((*s == 0xf0 && s[1] < 0x90) || (*s == 0xf4 && s[1] >= 0x90)))
			return false;
		for (s++; more > 0; more--, s++)
			if (s >= end || (*s & 0xc0) != 0x80)
				return false;
	}
	if (s >= end)
		return false;
	*p = s + 1;
	return true;
}

static bool json_number(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *s = *p;

	if (s < end && *s == '-')
		s++;
	if (s >= end || *s < '0' || *s > '9')
		return false;
	while (s < end && ((*s >= '0' && *s <= '9') || *s == '.' || *s == 'e' || *s == 'E' ||
			   *s == '+' || *s == '-'))
		s++;
	*p = s;
	return true;
}

static bool json_word(const uint8_t **p, const uint8_t *end, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(end - *p) < n || memcmp(*p, w, n) != 0)
		return false;
	*p += n;
	return true;
}

static bool json_container(const uint8_t **p, const uint8_t *end, int depth, bool object)
{
	uint8_t close = object ? '}' : ']';

	(*p)++;
	skip_ws(p, end);
	if (*p < end && **p == close) {
		(*p)++;
		return true;
	}
	for (;;) {
		if (object) {
			if (!json_string(p, end))
				return false;
			skip_ws(p, end);
			if (*p >= end || *(*p)++ != ':')
				return false;
		}
		if (!json_value(p, end, depth + 1))
			return false;
		skip_ws(p, end);
		if (*p >= end)
			return false;
		if (**p == close) {
			(*p)++;
			return true;
		}
		if (*(*p)++ != ',')
			return false;
		skip_ws(p, end);
	}
}

static bool json_value(const uint8_t **p, const uint8_t *end, int depth)
{
	skip_ws(p, end);
	if (*p >= end || depth > 32)
		return false;
	switch (**p) {
	case '{':
		return json_container(p, end, depth, true);
	case '[':
		return json_container(p, end, depth, false);
	case '"':
		return json_string(p, end);
	case 't':
		return json_word(p, end, "true");
	case 'f':
		return json_word(p, end, "false");
	case 'n':
		return json_word(p, end, "null");
	default:
		return json_number(p, end);
	}
}

static void check_json(const uint8_t *buf, size_t len)
{
	const uint8_t *p = buf, *end = buf + len;

	fz_assert(len > 0 && buf[0] == '{');
	fz_assert(json_value(&p, end, 0));
	skip_ws(&p, end);
	fz_assert(p == end);
}

/* ---- the remote core ---- */

static void ring_daemon(struct world *w)
{
	if (eventfd_write(w->efd_daemon, 1) < 0)
		abort();
}

/* What a libicmsg link does when signalled: step, read everything, signal back. */
static void peer_process(struct world *w)
{
	struct proto_event ev[PROTO_MAX_EVENTS];
	eventfd_t v;
	bool notify;
	int n, i;

	eventfd_read(w->efd_peer, &v);
	if (w->frozen)
		return;
	proto_step(&w->peer, now_ns());
	for (i = 0; i < 4096; i++) {
		n = proto_recv(&w->peer, w->pbuf, pbuf_max_payload(&w->l), true);
		if (n > 0)
			peer_check(w, w->pbuf, (uint32_t)n);
		else if (n == -EAGAIN)
			break;
	}
	proto_take_events(&w->peer, ev, &notify);
	if (w->peer.state == PROTO_DISCONNECTED) {
		proto_open(&w->peer);
		notify = true;
	}
	if (notify)
		ring_daemon(w);
}

/* Send @n messages of @len bytes (0: various); Return: how many went. */
static unsigned int peer_send(struct world *w, unsigned int n, uint32_t len)
{
	uint32_t max = pbuf_max_payload(&w->l), l;
	unsigned int i, sent = 0;
	bool signal, any = false;
	int ret;

	for (i = 0; i < n; i++) {
		l = len ? len : (w->peer_seq * 37u) % max + 1;
		if (l > max)
			l = max;
		peer_fill(w->pbuf, l, w->peer_seq);
		/* A batch, published with one signal (ICMSG_SEND_MORE). */
		ret = proto_send(&w->peer, w->pbuf, l, max, i + 1 < n, false, &signal);
		if (ret > 0) {
			w->peer_seq++;
			sent++;
		}
		any |= signal;
		if (ret < 0)
			break;
	}
	if (proto_tx_unpublished(&w->peer))
		proto_kick(&w->peer, false, &signal);
	if (any || sent)
		ring_daemon(w);
	return sent;
}

/* ---- the daemon's side: the event loop ---- */

static void pump(struct world *w, unsigned int rounds)
{
	while (rounds--) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		peer_process(w);
	}
}

/* ---- clients ---- */

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void client_send(struct world *w, unsigned int k, uint32_t len)
{
	struct cl *c = &w->c[k];
	uint8_t *buf;
	ssize_t n;

	if (c->fd < 0)
		return;
	buf = malloc(len ? len : 1);
	if (!buf)
		return;
	client_fill(buf, len, c->conn, w->next_seq[c->conn]);
	n = send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n >= 0) {
		fz_assert((size_t)n == len);
		w->next_seq[c->conn]++;
		/* Empty and oversized datagrams are refused, the rest delivered. */
		if (len >= 1 && len <= w->max_send)
			w->sent++;
	}
	free(buf);
}

/* Read what is there; the daemon's end of file means it dropped us. */
static void client_recv(struct world *w, unsigned int k, unsigned int max)
{
	struct cl *c = &w->c[k];
	ssize_t n;

	while (c->fd >= 0 && max--) {
		n = recv(c->fd, w->pbuf, RECV_MAX, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			break;
		fz_assert(n <= RECV_MAX);
		if (n == 0) {
			close(c->fd);
			c->fd = -1;
			break;
		}
		client_check(w, c, w->pbuf, (size_t)n);
	}
}

static void ctrl_send(struct world *w, unsigned int k, struct fz *f)
{
	static const char *const fixed[] = {
		"status", "status ipc0", "subscribe", "status\n", "status nope", "",
		"status \xff\xfe\x01\"\\", "subscribe \r\n",
	};
	char buf[700];
	const uint8_t *raw;
	size_t len;
	uint8_t sel = fz_u8(f);

	if (w->ctrl[k] < 0)
		return;
	if (sel < 0x80) {
		len = strlen(fixed[sel % 8]);
		memcpy(buf, fixed[sel % 8], len);
	} else if (sel < 0xc0) {
		/* "status " and any bytes: names that are not, or are not text. */
		memcpy(buf, "status ", 7);
		raw = fz_bytes(f, fz_u8(f), &len);
		memcpy(buf + 7, raw, len);
		len += 7;
	} else if (sel < 0xe0) {
		raw = fz_bytes(f, fz_u8(f), &len);
		memcpy(buf, raw, len);
	} else {
		/* Longer than any request may be. */
		len = 500u + fz_u8(f) % 200;
		memset(buf, 's', len);
	}
	send(w->ctrl[k], buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void ctrl_recv(struct world *w, unsigned int k)
{
	ssize_t n;
	int i;

	for (i = 0; i < 16 && w->ctrl[k] >= 0; i++) {
		n = recv(w->ctrl[k], w->pbuf, RECV_MAX, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			break;
		if (n == 0) {
			/* Dropped: it did not read its events. */
			close(w->ctrl[k]);
			w->ctrl[k] = -1;
			break;
		}
		fz_assert(n < RECV_MAX);
		check_json(w->pbuf, (size_t)n);
	}
}

/* ---- one instance, set up and torn down per input ---- */

static int status_of(struct jbuf *out, const char *name, void *userdata)
{
	struct world *w = userdata;

	if (name && strcmp(name, relay_name(w->relay)) != 0)
		return -ENOENT;
	relay_status(w->relay, out);
	return 0;
}

static const uint32_t sizes[8] = { 256, 512, 1024, 4096, 128, 68, 2048, SIZE_MAX_REGION };
static const uint32_t peer_bufs[8] = { 128, 1, 7, 16, 100, 1000, 65535, 5 };
static const uint32_t limits[4] = { 1, 2, 8, 1024 };

static bool setup(struct world *w, struct fz *f)
{
	uint8_t b0 = fz_u8(f), b1 = fz_u8(f), b2 = fz_u8(f);
	struct icmsg_link_config cfg;
	struct icmsg_relay_config rcfg = { 0 };
	struct proto_config pc = { .auto_reopen = true };
	enum icmsg_unbound_mode mode = (enum icmsg_unbound_mode)(b0 >> 3 & 3) % 3;
	uint32_t dcache = mode == ICMSG_UNBOUND_DISABLE ? 0 : 8;
	char why[256];
	unsigned int i;

	memset(w, 0, sizeof(*w));
	w->efd_daemon = w->efd_peer = -1;
	for (i = 0; i < N_CLIENTS; i++)
		w->c[i].fd = -1;
	w->peer_seq = 1;
	for (i = 0; i < N_CTRL; i++)
		w->ctrl[i] = -1;
	w->size = sizes[b0 & 7];
	if (pbuf_layout_init(&w->l, w->size, dcache, mode != ICMSG_UNBOUND_DISABLE, NULL) < 0)
		return false;

	w->map = mmap(NULL, 2 * (size_t)w->size, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	w->pbuf = malloc(RECV_MAX);
	w->efd_daemon = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->efd_peer = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->map == MAP_FAILED || !w->pbuf || w->efd_daemon < 0 || w->efd_peer < 0)
		abort();
	/* Zeroed regions, as the launcher of a simulation makes them (spec 3.6). */
	memset(w->map, 0, 2 * (size_t)w->size);

	/* The core: its tx region is the daemon's rx region, at the file's second half. */
	region_init_mem(&w->ptx, w->map + w->size, w->size);
	region_init_mem(&w->prx, w->map, w->size);
	pc.mode = mode;
	pc.detect_grace_ns = 1000000;
	if (proto_init(&w->peer, &pc, &w->ptx, &w->prx, &w->l, &w->l, NULL) < 0)
		abort();

	icmsg_link_config_init(&cfg);
	cfg.name = "ipc0";
	cfg.tx_region.type = cfg.rx_region.type = ICMSG_REGION_FILE;
	cfg.tx_region.path = cfg.rx_region.path = shm_path;
	cfg.tx_region.size = cfg.rx_region.size = w->size;
	cfg.rx_region.offset = w->size;
	cfg.tx_mbox.type = cfg.rx_mbox.type = ICMSG_MBOX_EVENTFD;
	cfg.tx_mbox.fd = w->efd_peer;
	cfg.rx_mbox.fd = w->efd_daemon;
	cfg.dcache_alignment = dcache;
	cfg.unbound = mode;
	cfg.peer_rx_buf_size = peer_bufs[b1 & 7];
	cfg.rx_buf_size = b1 & 0x80 ? (uint32_t)(b1 & 0x38) : 0;
	cfg.lazy_signal = b1 & 0x40;
	cfg.bond_notify_repeat_ms = 1;
	rcfg.socket_path = sock_path;
	rcfg.socket_mode = 0600;
	rcfg.client_policy = b2 & 1 ? ICMSG_CLIENT_DISCONNECT : ICMSG_CLIENT_WAIT;
	rcfg.client_queue_limit = limits[b2 >> 1 & 3];
	rcfg.disconnect_on_unbound = b2 & 8;
	w->timers = b2 & 0x10;
	w->max_send = pbuf_max_payload(&w->l);
	if (cfg.peer_rx_buf_size < w->max_send)
		w->max_send = cfg.peer_rx_buf_size;

	w->ctl = control_new(base, status_of, w);
	if (!w->ctl || control_listen(w->ctl, ctl_path, 0600, NULL, why, sizeof(why)) < 0) {
		fprintf(stderr, "control: %s\n", why);
		abort();
	}
	w->env.base = base;
	w->env.control = w->ctl;
	w->relay = relay_new(&w->env, &cfg, &rcfg);
	if (!w->relay)
		abort();
	relay_start(w->relay);
	/* The core opens first or second (b0 bit 6), and both bond. */
	if (!(b0 & 0x40))
		proto_open(&w->peer);
	pump(w, 2);
	if (b0 & 0x40)
		proto_open(&w->peer);
	ring_daemon(w);
	pump(w, 4);
	if (verbose)
		fprintf(stderr, "setup: size %u, mode %d, max_send %u, bound %d\n", w->size, mode,
			w->max_send, relay_is_bound(w->relay));
	return true;
}

static void teardown(struct world *w)
{
	unsigned int i;

	for (i = 0; i < N_CLIENTS; i++)
		if (w->c[i].fd >= 0)
			close(w->c[i].fd);
	for (i = 0; i < N_CTRL; i++)
		if (w->ctrl[i] >= 0)
			close(w->ctrl[i]);
	relay_free(w->relay);
	control_free(w->ctl);
	proto_destroy(&w->peer);
	munmap(w->map, 2 * (size_t)w->size);
	close(w->efd_daemon);
	close(w->efd_peer);
	free(w->pbuf);
}

/* Whether the relay dropped a client that did not keep up (client-policy:
 * disconnect): what that client had sent is lost with it. */
static bool dropped_any(struct world *w)
{
	struct jbuf j;
	bool ret;

	jbuf_init(&j);
	relay_status(w->relay, &j);
	fz_assert(!jbuf_failed(&j));
	check_json((const uint8_t *)j.data, j.len);
	ret = !strstr(j.data, "\"clients_dropped\":0,");
	jbuf_free(&j);
	return ret;
}

/* Everything still on its way, delivered: then nothing may be missing. */
static void drain(struct world *w)
{
	uint64_t before;
	unsigned int i, idle = 0;

	w->frozen = false;
	if (w->lossy || !relay_is_bound(w->relay)) {
		pump(w, 2);
		return;
	}
	for (i = 0; i < 400 && w->received < w->sent; i++) {
		before = w->received;
		ring_daemon(w);
		pump(w, 1);
		idle = w->received == before ? idle + 1 : 0;
		/* Timers only (the ring-full retry of relay.c): a few ms at most. */
		if (idle > 4) {
			if (w->sleeps++ >= 6)
				break;
			usleep(1100);
		}
	}
	if (relay_is_bound(w->relay) && !dropped_any(w))
		fz_assert(w->received == w->sent);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world w;
	struct fz f;
	unsigned int n_ops = 0, k;
	uint8_t op;
	uint32_t v;

	fz_init(&f, data, size);
	if (!setup(&w, &f)) {
		if (w.map && w.map != MAP_FAILED)
			munmap(w.map, 2 * (size_t)w.size);
		return 0;
	}
	while (!fz_empty(&f) && n_ops++ < MAX_OPS) {
		op = fz_u8(&f);
		k = op >> 5; /* the client or control connection it is about */
		switch ((enum op)((op & 0x1f) % OP_COUNT)) {
		case OP_CONNECT:
			k %= N_CLIENTS;
			if (w.c[k].fd >= 0)
				break;
			w.c[k].fd = connect_to(sock_path);
			w.c[k].conn = (uint8_t)++w.n_conns;
			w.next_seq[w.n_conns] = 1; /* 0: none received yet */
			w.c[k].last_rx = 0;
			break;
		case OP_CLOSE:
			k %= N_CLIENTS;
			if (w.c[k].fd >= 0)
				close(w.c[k].fd);
			w.c[k].fd = -1;
			break;
		case OP_SHUTDOWN:
			k %= N_CLIENTS;
			if (w.c[k].fd >= 0)
				shutdown(w.c[k].fd, SHUT_WR);
			break;
		case OP_SEND:
			/* Around max_send: 0 .. max_send + 2. */
			client_send(&w, k % N_CLIENTS, fz_u16(&f) % (w.max_send + 3));
			break;
		case OP_SEND_BIG:
			/* Beyond, up to what a read slot of the largest max_send holds. */
			client_send(&w, k % N_CLIENTS, w.max_send + fz_u16(&f) % 4096);
			break;
		case OP_RECV:
			client_recv(&w, k % N_CLIENTS, fz_u8(&f));
			break;
		case OP_CTRL_CONNECT:
			k %= N_CTRL;
			if (w.ctrl[k] < 0)
				w.ctrl[k] = connect_to(ctl_path);
			break;
		case OP_CTRL_SEND:
			ctrl_send(&w, k % N_CTRL, &f);
			break;
		case OP_CTRL_RECV:
			ctrl_recv(&w, k % N_CTRL);
			break;
		case OP_CTRL_CLOSE:
			k %= N_CTRL;
			if (w.ctrl[k] >= 0)
				close(w.ctrl[k]);
			w.ctrl[k] = -1;
			break;
		case OP_PEER_SEND:
			v = fz_u16(&f);
			peer_send(&w, k + 1, v % (pbuf_max_payload(&w.l) + 1));
			break;
		case OP_PEER_FLOOD:
			/* Enough to fill a client's socket buffer: its queue grows. */
			for (v = 0; v < 40 && peer_send(&w, 64, 16); v++)
				pump(&w, 1);
			break;
		case OP_PEER_FREEZE:
			w.frozen = !w.frozen;
			break;
		case OP_PEER_RESTART:
			/* The core reboots: what was in flight may be lost. */
			proto_close(&w.peer);
			proto_open(&w.peer);
			ring_daemon(&w);
			w.lossy = true;
			break;
		case OP_PEER_CORRUPT:
			v = fz_u32(&f);
			memcpy(w.map + (fz_u16(&f) * 4u) % (2 * w.size), &v, 4);
			ring_daemon(&w);
			w.lossy = w.tampered = true;
			break;
		case OP_LOOP:
			pump(&w, k + 1);
			break;
		case OP_SLEEP:
			/* Timers: the ring-full retry, bond repeats. Once, and only
			 * when the input says so up front: it costs a millisecond. */
			if (w.timers && w.sleeps++ < 1)
				usleep(1100);
			pump(&w, 2);
			break;
		case OP_COUNT:
			break;
		}
		pump(&w, 1);
	}
	for (k = 0; k < N_CLIENTS; k++)
		client_recv(&w, k, 1000);
	for (k = 0; k < N_CTRL; k++)
		ctrl_recv(&w, k);
	drain(&w);
	teardown(&w);
	return 0;
}
