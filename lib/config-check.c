// SPDX-License-Identifier: MIT
/*
 * config-check - the rules of one instance's configuration (spec 2.2, 5.3,
 * 6.1): icmsg_link_config_init(), icmsg_link_config_check(), and
 * config_check(), the same rules for the YAML loader (config.c), which
 * reports every failure at the key and line that hold it rather than only
 * the first one.
 *
 * Only the struct is looked at, never the file system or a device: path
 * and device checks compare names, and what only the machine can tell is
 * left to icmsg_link_config_probe().
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "internal.h"
#include "pbuf.h"

#define DCACHE_MAX 4096
#define PACKET_LEN_MAX 65535
/* The kernel's MAX_UIO_MAPS. */
#define UIO_MAPS_MAX 5

/* The YAML key of each field, relative to the instance. */
#define REGION_KEYS(base, pre) \
	[base] = pre, [(base) + REG_PATH] = pre ".path", [(base) + REG_UIO] = pre ".uio", \
	[(base) + REG_MAP] = pre ".map", [(base) + REG_MAP_NAME] = pre ".map-name", \
	[(base) + REG_ADDRESS] = pre ".address", [(base) + REG_OFFSET] = pre ".offset", \
	[(base) + REG_SIZE] = pre ".size"
#define ACCESS_KEYS(base, pre, value) \
	[base] = pre, [(base) + ACC_OFFSET] = pre ".offset", [(base) + ACC_VALUE] = pre value, \
	[(base) + ACC_WIDTH] = pre ".width", [(base) + ACC_OP] = pre ".op"
#define MBOX_KEYS(base, pre) \
	[base] = pre, [(base) + MB_FIFO] = pre ".fifo", [(base) + MB_EVENTFD] = pre ".eventfd", \
	[(base) + MB_UIO] = pre ".uio", [(base) + MB_REARM] = pre ".rearm", \
	REGION_KEYS((base) + MB_REGS, pre ".registers"), \
	ACCESS_KEYS((base) + MB_WRITE, pre ".write", ".value"), \
	ACCESS_KEYS((base) + MB_STATUS, pre ".status", ".mask"), \
	ACCESS_KEYS((base) + MB_ACK, pre ".ack", ".value"), [(base) + MB_ENABLE] = pre ".enable", \
	ACCESS_KEYS((base) + MB_ENABLE_ITEM(0), pre ".enable[0]", ".value"), \
	ACCESS_KEYS((base) + MB_ENABLE_ITEM(1), pre ".enable[1]", ".value"), \
	ACCESS_KEYS((base) + MB_ENABLE_ITEM(2), pre ".enable[2]", ".value"), \
	ACCESS_KEYS((base) + MB_ENABLE_ITEM(3), pre ".enable[3]", ".value")

_Static_assert(ICMSG_MBOX_ENABLE_MAX == 4, "MBOX_KEYS names every enable item");

const char *const config_field_keys[F_COUNT] = {
	[F_NAME] = "name",
	[F_COMPATIBLE] = "compatible",
	[F_DCACHE] = "dcache-alignment",
	[F_UNBOUND] = "unbound",
	REGION_KEYS(F_TX_REGION, "tx-region"),
	REGION_KEYS(F_RX_REGION, "rx-region"),
	[F_MBOXES] = "mboxes",
	MBOX_KEYS(F_MBOX_TX, "mboxes.tx"),
	MBOX_KEYS(F_MBOX_RX, "mboxes.rx"),
	[F_PEER_RX] = "peer-rx-buf-size",
	[F_RX_BUF] = "rx-buf-size",
	[F_REPEAT] = "bond-notify-repeat-ms",
	[F_TIMEOUT] = "bond-timeout-ms",
	[F_MAX] = "bond-notify-max-ms",
	[F_GRACE] = "detect-grace-ms",
	[F_AUTO_REOPEN] = "auto-reopen",
	[F_SPIN] = "spin-us",
	[F_LAZY_SIGNAL] = "lazy-signal",
	[F_SOCKET] = "socket",
	[F_SOCK_PATH] = "socket.path",
	[F_SOCK_MODE] = "socket.mode",
	[F_SOCK_OWNER] = "socket.owner",
	[F_SOCK_GROUP] = "socket.group",
	[F_POLICY] = "client-policy",
	[F_QUEUE_LIMIT] = "client-queue-limit",
	[F_DISC_UNBOUND] = "disconnect-on-unbound",
};

static void mbox_config_init(struct icmsg_mbox_config *m)
{
	m->irq_rearm = true;
	m->fd = -1;
	m->regs.type = ICMSG_REGION_FILE;
	m->write.width = 32;
	m->status.width = 32;
	m->ack.width = 32;
	for (size_t i = 0; i < ICMSG_MBOX_ENABLE_MAX; i++)
		m->enable[i].width = 32;
}

ICMSG_EXPORT void icmsg_link_config_init(struct icmsg_link_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->tx_region.type = ICMSG_REGION_FILE;
	cfg->rx_region.type = ICMSG_REGION_FILE;
	cfg->tx_mbox.type = ICMSG_MBOX_FIFO;
	cfg->rx_mbox.type = ICMSG_MBOX_FIFO;
	mbox_config_init(&cfg->tx_mbox);
	mbox_config_init(&cfg->rx_mbox);
	cfg->dcache_alignment = 0;
	cfg->unbound = ICMSG_UNBOUND_DISABLE;
	cfg->bond_notify_repeat_ms = 1;
	cfg->bond_timeout_ms = 5000;
	cfg->bond_notify_max_ms = 100;
	cfg->detect_grace_ms = 50;
	cfg->peer_rx_buf_size = 128;
	cfg->rx_buf_size = 0;
	cfg->auto_reopen = true;
	cfg->create = true;
	cfg->spin_us = 0;
	cfg->lazy_signal = false;
}

/* ------------------------------------------------------------------------ */
/* Checking one instance                                                    */

/*
 * Return the next path component of *p, skipping empty and "." ones, and
 * advance *p past it; 0 at the end. This makes "run//./x" equal "run/x" for
 * the overlap and FIFO checks without touching the file system. ".." is
 * left alone: "a/../b" is "b" only if "a" is not a symlink.
 */
static size_t next_component(const char **p, const char **ret)
{
	const char *s = *p;
	size_t n;

	for (;;) {
		while (*s == '/')
			s++;
		n = strcspn(s, "/");
		if (n == 0 || !(n == 1 && s[0] == '.')) {
			*ret = s;
			*p = s + n;
			return n;
		}
		s += n;
	}
}

bool config_path_equal(const char *a, const char *b)
{
	const char *ca, *cb;
	size_t na, nb;

	if (!a || !b || (a[0] == '/') != (b[0] == '/'))
		return false;
	do {
		na = next_component(&a, &ca);
		nb = next_component(&b, &cb);
		if (na != nb || memcmp(ca, cb, na) != 0)
			return false;
	} while (na);
	return true;
}

/* "/dev/uioN" names the same device as "uioN". */
static const char *uio_short_name(const char *dev)
{
	return strncmp(dev, "/dev/", 5) == 0 ? dev + 5 : dev;
}

/*
 * Whether @a and @b are the same map of the same UIO device. A map given
 * by index and one given by name (or a device by name and by number) may
 * be the same too, but only the machine can tell, and nothing checks that:
 * give a device and its maps one way throughout a configuration.
 */
static bool uio_same_map(const struct icmsg_uio_config *a, const struct icmsg_uio_config *b)
{
	if (!a->device || !b->device ||
	    strcmp(uio_short_name(a->device), uio_short_name(b->device)) != 0)
		return false;
	if (a->map_name || b->map_name)
		return a->map_name && b->map_name && strcmp(a->map_name, b->map_name) == 0;
	return a->map == b->map;
}

/* Both ranges must be free of overflow (checked before). */
bool config_regions_overlap(const struct icmsg_region_config *a,
			    const struct icmsg_region_config *b)
{
	if (a->type != b->type || a->offset >= b->offset + b->size ||
	    b->offset >= a->offset + a->size)
		return false;
	switch (a->type) {
	case ICMSG_REGION_FILE:
		return config_path_equal(a->path, b->path);
	case ICMSG_REGION_UIO:
		return uio_same_map(&a->uio, &b->uio);
	case ICMSG_REGION_DEVMEM:
		return true;
	}
	return false;
}

bool config_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static bool dcache_valid(uint32_t d)
{
	return d == 0 || (d >= 4 && d <= DCACHE_MAX && (d & (d - 1)) == 0);
}

/*
 * A UIO device as a sysfs name, "uioN" or "/dev/uioN". A name holds no '/'
 * (it is a file name in sysfs); a path must be /dev/uioN, since that is
 * what the device is looked up by.
 */
static bool uio_device_valid(const char *dev)
{
	const char *digits;

	if (!strchr(dev, '/'))
		return true;
	if (strncmp(dev, "/dev/uio", 8) != 0)
		return false;
	digits = dev + 8;
	return digits[0] && strspn(digits, "0123456789") == strlen(digits);
}

/*
 * struct checker - one pass over an instance. @bad holds the fields known
 * to be bad on entry (the loader's parse failures) and gains every field a
 * rule fails on, so that rules reading a bad field are skipped.
 */
struct checker {
	const struct icmsg_link_config *cfg;
	struct fset bad;
	config_report_fn report;
	void *userdata;
};

/* Whether none of the fields listed after @c is bad. */
#define usable(c, ...) usable_list(c, (const int[]){ __VA_ARGS__, -1 })

static bool usable_list(const struct checker *c, const int *fields)
{
	for (; *fields >= 0; fields++)
		if (fset_has(&c->bad, *fields))
			return false;
	return true;
}

/* Whether no field of the region or register window at @base is bad. */
static bool region_usable(const struct checker *c, int base)
{
	return fset_block_clear(&c->bad, base, REG_COUNT);
}

static void fail(struct checker *c, int field, const char *msg)
{
	fset_add(&c->bad, field);
	c->report(c->userdata, (enum cfg_field)field, msg);
}

static void check_name(struct checker *c)
{
	const char *name = c->cfg->name;
	size_t i;

	if (!usable(c, F_NAME))
		return;
	if (!name || !name[0]) {
		fail(c, F_NAME, "must not be empty");
		return;
	}
	if (strlen(name) > NAME_MAX_LEN) {
		fail(c, F_NAME, "must be at most 64 characters long");
		return;
	}
	/* Also rules out "." and "..", which would escape the directory. */
	if (name[0] == '.') {
		fail(c, F_NAME, "must not start with '.': names become socket file names");
		return;
	}
	for (i = 0; name[i]; i++) {
		if (!config_name_char(name[i])) {
			fail(c, F_NAME, "may contain only A-Z, a-z, 0-9, '_', '.' and '-': "
					"names become socket file names");
			return;
		}
	}
}

static void check_modes(struct checker *c)
{
	const struct icmsg_link_config *cfg = c->cfg;

	if (usable(c, F_DCACHE) && !dcache_valid(cfg->dcache_alignment))
		fail(c, F_DCACHE, "must be 0 or a power of two from 4 to 4096");

	if (!usable(c, F_UNBOUND))
		return;
	switch (cfg->unbound) {
	case ICMSG_UNBOUND_DISABLE:
		break;
	case ICMSG_UNBOUND_ENABLE:
	case ICMSG_UNBOUND_DETECT:
		if (usable(c, F_DCACHE) && cfg->dcache_alignment < 8)
			fail(c, F_UNBOUND, "enable and detect need dcache-alignment >= 8: "
					   "Zephyr refuses the handshake layout below 8 "
					   "(spec 2.2)");
		break;
	default:
		fail(c, F_UNBOUND, "must be disable, enable or detect");
		break;
	}
}

static void check_uio_device(struct checker *c, const char *dev, int field)
{
	if (!usable(c, field))
		return;
	if (!dev || !dev[0])
		fail(c, field, "must not be empty");
	else if (!uio_device_valid(dev))
		fail(c, field, "must be a UIO device name, uioN or /dev/uioN");
}

/* The field that holds a region's first byte: its offset, or its address. */
static int origin_field(const struct icmsg_region_config *r, int base)
{
	return base + (r->type == ICMSG_REGION_DEVMEM ? REG_ADDRESS : REG_OFFSET);
}

/*
 * check_reach() - the rules of how a region or register window at @base
 * is reached: its type and what that type needs, and a range that mmap's
 * signed offset can express. The fields of other types are ignored.
 * Return: false if the type is unknown (every field is then bad).
 */
static bool check_reach(struct checker *c, const struct icmsg_region_config *r, int base)
{
	const struct icmsg_uio_config *u = &r->uio;
	int f_origin = origin_field(r, base), f_size = base + REG_SIZE;

	switch (r->type) {
	case ICMSG_REGION_FILE:
		if (usable(c, base + REG_PATH) && (!r->path || !r->path[0]))
			fail(c, base + REG_PATH, "must not be empty");
		break;
	case ICMSG_REGION_UIO:
		check_uio_device(c, u->device, base + REG_UIO);
		if (u->map_name) {
			if (usable(c, base + REG_MAP_NAME) && !u->map_name[0])
				fail(c, base + REG_MAP_NAME, "must not be empty");
		} else if (usable(c, base + REG_MAP) && (u->map < 0 || u->map > UIO_MAPS_MAX - 1)) {
			fail(c, base + REG_MAP, "must be from 0 to 4: a UIO device has at most "
						"5 maps");
		}
		break;
	case ICMSG_REGION_DEVMEM:
		break;
	default:
		fail(c, base, "unsupported region type");
		fset_add_block(&c->bad, base, REG_COUNT);
		return false;
	}
	/* mmap takes a signed off_t: the range must end below 2^63. */
	if (usable(c, f_origin, f_size) &&
	    (r->offset > (uint64_t)INT64_MAX || r->size > (uint64_t)INT64_MAX - r->offset))
		fail(c, f_origin,
		     r->type == ICMSG_REGION_DEVMEM
			     ? "address + size is beyond the largest offset of /dev/mem"
			     : "offset + size is beyond the largest file offset");
	return true;
}

/* The smallest data area a magic bonds in: its 4-byte header, 13 bytes
 * padded to 16, and the 4 bytes a full ring always keeps free (2.6). */
#define MAGIC_RING_MIN 24u

static void check_region(struct checker *c, const struct icmsg_region_config *r,
			 enum cfg_field base)
{
	const struct icmsg_link_config *cfg = c->cfg;
	int f_origin = origin_field(r, base), f_size = base + REG_SIZE;
	bool handshake = cfg->unbound != ICMSG_UNBOUND_DISABLE;
	struct pbuf_layout layout;
	uint64_t align;

	if (!usable(c, base) || !check_reach(c, r, base))
		return;
	if (usable(c, f_size)) {
		if (r->size == 0)
			fail(c, f_size, "must be greater than 0");
		else if (r->size % 4)
			fail(c, f_size, "must be a multiple of 4 (spec 2.2)");
		else if (r->size > UINT32_MAX)
			fail(c, f_size, "must be less than 4 GiB: ring indices are 32-bit "
					"(spec 2.1)");
	}
	if (usable(c, f_origin, F_DCACHE)) {
		align = cfg->dcache_alignment > 4 ? cfg->dcache_alignment : 4;
		if (r->offset % align)
			fail(c, f_origin, "must be a multiple of max(dcache-alignment, 4) "
					  "(spec 2.2)");
	}

	/* The other layout rules passed above, so the pbuf module refusing
	 * the layout now means only that the data area is too small. */
	if (usable(c, f_size, F_DCACHE, F_UNBOUND) &&
	    pbuf_layout_init(&layout, r->size, cfg->dcache_alignment, handshake, NULL) < 0)
		fail(c, f_size, "too small: the data area after the ring header "
				"(rd_idx, handshake, wr_idx) must be at least 12 bytes (spec 2.2)");
	/* Zephyr takes such a ring, but no bond by magic ever happens in it. */
	else if (usable(c, f_size, F_DCACHE, F_UNBOUND) && cfg->unbound != ICMSG_UNBOUND_ENABLE &&
		 layout.len < MAGIC_RING_MIN)
		fail(c, f_size, "too small for the bonding magic: unbound disable and detect "
				"need a data area of at least 24 bytes (spec 3.1)");
}

/* Where two regions of each type overlap, for messages. */
#define IN_FILE " in the same file (spec 6.1)"
#define IN_UIO_MAP " in the same UIO map (spec 6.1)"
#define IN_MEMORY " in physical memory (spec 6.1)"

static const char *const overlap_where[] = {
	[ICMSG_REGION_FILE] = IN_FILE,
	[ICMSG_REGION_UIO] = IN_UIO_MAP,
	[ICMSG_REGION_DEVMEM] = IN_MEMORY,
};

static const char *const overlaps_tx[] = {
	[ICMSG_REGION_FILE] = "overlaps tx-region" IN_FILE,
	[ICMSG_REGION_UIO] = "overlaps tx-region" IN_UIO_MAP,
	[ICMSG_REGION_DEVMEM] = "overlaps tx-region" IN_MEMORY,
};

const char *config_overlap_where(enum icmsg_region_type type)
{
	return overlap_where[type];
}

static void check_regions(struct checker *c)
{
	const struct icmsg_link_config *cfg = c->cfg;

	check_region(c, &cfg->tx_region, F_TX_REGION);
	check_region(c, &cfg->rx_region, F_RX_REGION);
	/* Regions of different types never overlap: the type is known. */
	if (region_usable(c, F_TX_REGION) && region_usable(c, F_RX_REGION) &&
	    config_regions_overlap(&cfg->tx_region, &cfg->rx_region))
		fail(c, F_RX_REGION, overlaps_tx[cfg->rx_region.type]);
}

/*
 * check_access() - one register access at @base in a window of @window
 * bytes (0: unknown, the window itself is bad). @has_op: false for status,
 * whose op is ignored.
 */
static void check_access(struct checker *c, const struct icmsg_mbox_reg *a, int base,
			 uint64_t window, bool has_op)
{
	static const char *const fit[] = { "must fit in 8 bits", "must fit in 16 bits" };
	static const char *const multiple[] = {
		"", "must be a multiple of 2: the access is 16 bits wide",
		"must be a multiple of 4: the access is 32 bits wide",
	};
	int f_off = base + ACC_OFFSET, f_value = base + ACC_VALUE, f_width = base + ACC_WIDTH;
	unsigned int bytes, order;

	if (!a->enabled || !usable(c, base))
		return;
	if (has_op && usable(c, base + ACC_OP) && a->op != ICMSG_REG_WRITE &&
	    a->op != ICMSG_REG_SET && a->op != ICMSG_REG_CLEAR)
		fail(c, base + ACC_OP, "must be write, set or clear");
	if (!usable(c, f_width))
		return;
	if (a->width != 8 && a->width != 16 && a->width != 32) {
		fail(c, f_width, "must be 8, 16 or 32");
		return;
	}
	bytes = a->width / 8u;
	order = bytes == 1 ? 0 : bytes == 2 ? 1 : 2;
	if (usable(c, f_value) && a->width < 32 && a->value >> a->width)
		fail(c, f_value, fit[order]);
	if (!usable(c, f_off))
		return;
	if (a->offset % bytes)
		fail(c, f_off, multiple[order]);
	else if (window && (uint64_t)a->offset + bytes > window)
		fail(c, f_off, "the access ends beyond the end of registers (registers.size)");
}

/*
 * check_window() - the register window of doorbell @f, if it has one.
 * Return: its size, or 0 if it has none or it is bad (no access is then
 * checked against its end).
 */
static uint64_t check_window(struct checker *c, const struct icmsg_mbox_config *m, int f)
{
	int w = f + MB_REGS;

	if (m->regs.size == 0 || !usable(c, w) || !check_reach(c, &m->regs, w))
		return 0;
	return region_usable(c, w) ? m->regs.size : 0;
}

/* No window at all: size 0 and nothing bad (the loader refuses a size 0). */
static bool window_absent(const struct checker *c, const struct icmsg_mbox_config *m, int f)
{
	return m->regs.size == 0 && region_usable(c, f + MB_REGS);
}

/* status, ack, and the enable accesses, in the order of their fields. */
static void check_uio_irq(struct checker *c, const struct icmsg_mbox_config *m, int f)
{
	const struct icmsg_mbox_reg *regs[2 + ICMSG_MBOX_ENABLE_MAX] = { &m->status, &m->ack };
	int blocks[2 + ICMSG_MBOX_ENABLE_MAX] = { MB_STATUS, MB_ACK };
	uint64_t window;
	int i;

	for (i = 0; i < ICMSG_MBOX_ENABLE_MAX; i++) {
		regs[2 + i] = &m->enable[i];
		blocks[2 + i] = MB_ENABLE_ITEM(i);
	}
	check_uio_device(c, m->uio_device, f + MB_UIO);
	window = check_window(c, m, f);
	for (i = 0; i < 2 + ICMSG_MBOX_ENABLE_MAX; i++) {
		if (regs[i]->enabled && usable(c, f + blocks[i]) && window_absent(c, m, f))
			fail(c, f + blocks[i], "needs registers: the window that holds the "
					       "register");
		/* status tests a mask: no op. */
		check_access(c, regs[i], f + blocks[i], window, blocks[i] != MB_STATUS);
	}
}

static void check_mmio(struct checker *c, const struct icmsg_mbox_config *m, int f)
{
	uint64_t window = check_window(c, m, f);

	if (window_absent(c, m, f))
		fail(c, f + MB_REGS, "a register doorbell needs registers: the window that holds "
				     "its register");
	if (m->write.enabled)
		check_access(c, &m->write, f + MB_WRITE, window, true);
	else if (usable(c, f + MB_WRITE))
		fail(c, f + MB_WRITE, "a register doorbell needs write: the access that rings "
				      "the peer");
}

/* Direction rules first: a type in the wrong direction says it all. */
static void check_mbox(struct checker *c, const struct icmsg_mbox_config *m, enum cfg_field f)
{
	bool tx = f == F_MBOX_TX;

	if (!usable(c, f))
		return;
	switch (m->type) {
	case ICMSG_MBOX_FIFO:
		if (!m->path || !m->path[0])
			fail(c, f, "must not be empty");
		break;
	case ICMSG_MBOX_EVENTFD:
		if (usable(c, f + MB_EVENTFD) && m->fd < 0)
			fail(c, f + MB_EVENTFD, "must be a file descriptor number (0 or more)");
		break;
	case ICMSG_MBOX_UIO_IRQ:
		if (tx)
			fail(c, f, "a UIO interrupt can only receive: use it for mboxes.rx");
		else
			check_uio_irq(c, m, f);
		break;
	case ICMSG_MBOX_MMIO:
		if (tx)
			check_mmio(c, m, f);
		else
			fail(c, f, "a register write only rings the peer: use it for mboxes.tx");
		break;
	default:
		fail(c, f, "unsupported doorbell type");
		break;
	}
}

static void check_mboxes(struct checker *c)
{
	const struct icmsg_mbox_config *tx = &c->cfg->tx_mbox, *rx = &c->cfg->rx_mbox;

	if (!usable(c, F_MBOXES))
		return;
	check_mbox(c, tx, F_MBOX_TX);
	check_mbox(c, rx, F_MBOX_RX);
	if (!usable(c, F_MBOX_TX, F_MBOX_RX) || tx->type != rx->type)
		return;
	if (tx->type == ICMSG_MBOX_FIFO && config_path_equal(tx->path, rx->path))
		fail(c, F_MBOX_RX, "must differ from mboxes.tx: each direction needs its own FIFO");
	else if (tx->type == ICMSG_MBOX_EVENTFD &&
		 usable(c, F_MBOX_TX + MB_EVENTFD, F_MBOX_RX + MB_EVENTFD) && tx->fd == rx->fd)
		fail(c, F_MBOX_RX + MB_EVENTFD, "must differ from mboxes.tx: each direction "
						"needs its own eventfd");
}

/* Longer spinning is a misconfiguration, not a latency trade. */
#define SPIN_US_MAX 1000000u

static void check_limits(struct checker *c)
{
	const struct icmsg_link_config *cfg = c->cfg;

	if (usable(c, F_PEER_RX) &&
	    (cfg->peer_rx_buf_size < 1 || cfg->peer_rx_buf_size > PACKET_LEN_MAX))
		fail(c, F_PEER_RX, "must be from 1 to 65535: packet lengths are 16-bit (spec 2.3)");
	/* The 13-byte magic announces a restarted peer: a cap below it would
	 * drop it unseen (spec 3.2). */
	if (usable(c, F_RX_BUF, F_UNBOUND) && cfg->unbound != ICMSG_UNBOUND_ENABLE &&
	    cfg->rx_buf_size && cfg->rx_buf_size < 13)
		fail(c, F_RX_BUF, "must be 0 or at least 13 with unbound disable or detect: the "
				  "bonding magic is 13 bytes (spec 3.1)");
	if (usable(c, F_RX_BUF) && cfg->rx_buf_size > PACKET_LEN_MAX)
		fail(c, F_RX_BUF, "must be from 0 (no limit) to 65535: packet lengths are 16-bit "
				  "(spec 2.3)");
	if (usable(c, F_REPEAT, F_MAX) && cfg->bond_notify_repeat_ms > 0 &&
	    cfg->bond_notify_max_ms < cfg->bond_notify_repeat_ms)
		fail(c, F_MAX, "must not be less than bond-notify-repeat-ms");
	if (usable(c, F_SPIN) && cfg->spin_us > SPIN_US_MAX)
		fail(c, F_SPIN, "must be from 0 to 1000000 (one second of busy-waiting at most)");
}

void config_check(const struct icmsg_link_config *cfg, struct fset *bad,
		  config_report_fn report, void *userdata)
{
	struct checker c = {
		.cfg = cfg,
		.bad = *bad,
		.report = report,
		.userdata = userdata,
	};

	/* icmsg_link_config_check() reports the first failure: this order picks it. */
	check_name(&c);
	check_modes(&c);
	check_regions(&c);
	check_mboxes(&c);
	check_limits(&c);
	*bad = c.bad;
}

struct first_error {
	enum cfg_field field;
	const char *msg;
};

static void keep_first(void *userdata, enum cfg_field field, const char *msg)
{
	struct first_error *first = userdata;

	if (!first->msg) {
		first->field = field;
		first->msg = msg;
	}
}

ICMSG_EXPORT int icmsg_link_config_check(const struct icmsg_link_config *cfg,
					 const char **ret_field, const char **ret_msg)
{
	struct first_error first = { .msg = NULL };
	struct fset bad = { { 0 } };

	if (!cfg) {
		first.msg = "no configuration";
	} else {
		config_check(cfg, &bad, keep_first, &first);
		if (!first.msg)
			return 0;
	}
	if (ret_field)
		*ret_field = cfg ? config_field_keys[first.field] : "";
	if (ret_msg)
		*ret_msg = first.msg;
	return -EINVAL;
}
