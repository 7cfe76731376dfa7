/* SPDX-License-Identifier: MIT */
/*
 * libicmsg - a Linux userspace peer for Zephyr's ICMsg inter-core messaging.
 *
 * One struct icmsg_link is one ICMsg instance: two shared-memory regions
 * (tx and rx ring) and two doorbells. The library is event-loop agnostic:
 * poll icmsg_link_get_fd() for readability and call icmsg_link_process()
 * when it is readable. Blocking helpers (icmsg_link_wait_bound(),
 * icmsg_link_recv(), icmsg_link_send_timeout()) are built on the same two
 * calls.
 *
 * Threading: every call except icmsg_link_close() may be made from any
 * thread. Sends are serialised internally; so is processing (the receive
 * side, timers and callbacks), so callbacks run on whichever thread is
 * processing at the time. A sender thread blocked in
 * icmsg_link_send_timeout() or icmsg_link_flush() processes only when no
 * other thread does. Close a link only when no other thread uses it.
 *
 * Errors: every function that can fail returns a negative errno value and
 * never sets errno.
 */
#ifndef ICMSG_ICMSG_H
#define ICMSG_ICMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Library version string, e.g. "0.1.0". Valid for the process lifetime. */
const char *icmsg_version_string(void);

/* ------------------------------------------------------------------------ */
/* Logging                                                                  */

/**
 * Log sink. @p priority is a syslog level (LOG_ERR .. LOG_DEBUG), @p msg a
 * NUL-terminated line without trailing newline, valid only during the call.
 * Without a log function the library is silent. It may be called with
 * internal locks held: it must not call back into the library.
 */
typedef void (*icmsg_log_fn)(int priority, const char *msg, void *userdata);

/* ------------------------------------------------------------------------ */
/* Configuration of one instance                                            */

/** Session mode, the devicetree "unbound" property (spec section 3). */
enum icmsg_unbound_mode {
	ICMSG_UNBOUND_DISABLE = 0, /**< v1 magic bonding (default) */
	ICMSG_UNBOUND_ENABLE,      /**< v2 sessions in the handshake words */
	ICMSG_UNBOUND_DETECT,      /**< v2: sessions, or magic if the peer uses it */
};

/** How a region is reached. */
enum icmsg_region_type {
	ICMSG_REGION_FILE = 0, /**< byte range of a file (simulation, PCI sysfs resourceN) */
	ICMSG_REGION_UIO,      /**< byte range of one map of a UIO device */
	ICMSG_REGION_DEVMEM,   /**< physical address range through /dev/mem */
};

/**
 * A UIO device and one of its memory maps. Devices are looked up under
 * /sys/class/uio and opened as /dev/uioN (both below $ICMSG_SYSROOT if
 * that is set: a testing aid for fake sysfs trees).
 */
struct icmsg_uio_config {
	const char *device;   /**< the name in /sys/class/uio/uioN/name, "uioN" or "/dev/uioN" */
	int map;              /**< map index (0); ignored when map_name is set */
	const char *map_name; /**< select the map by /sys/class/uio/uioN/maps/mapM/name */
};

/** One shared-memory region (or a register window, see icmsg_mbox_config). */
struct icmsg_region_config {
	enum icmsg_region_type type;
	const char *path;            /**< ICMSG_REGION_FILE: the file */
	struct icmsg_uio_config uio; /**< ICMSG_REGION_UIO: device and map */
	/**
	 * First byte: offset in the file (FILE), offset from the start of the
	 * map's memory (UIO), physical address (DEVMEM).
	 */
	uint64_t offset;
	uint64_t size;               /**< size in bytes */
};

/** How a doorbell is rung or received. */
enum icmsg_mbox_type {
	ICMSG_MBOX_FIFO = 0, /**< named FIFO, one byte per signal (simulation); tx or rx */
	ICMSG_MBOX_UIO_IRQ,  /**< rx: the interrupt of a UIO device (read the count, re-arm) */
	ICMSG_MBOX_MMIO,     /**< tx: a write to a mailbox register */
	ICMSG_MBOX_EVENTFD,  /**< tx or rx: an eventfd (virtual machines, tests) */
};

/** What a register access does. */
enum icmsg_reg_op {
	ICMSG_REG_WRITE = 0, /**< write value */
	ICMSG_REG_SET,       /**< read, OR value in, write back (not atomic) */
	ICMSG_REG_CLEAR,     /**< read, clear the bits of value, write back (not atomic) */
};

/** One mailbox register access inside a register window. */
struct icmsg_mbox_reg {
	bool enabled;          /**< false: no such access */
	uint32_t offset;       /**< byte offset in the window, a multiple of width / 8 */
	uint32_t value;        /**< value written or bits changed; for status, the mask */
	uint8_t width;         /**< access width in bits: 8, 16 or 32 (default 32) */
	enum icmsg_reg_op op;  /**< ignored for status */
};

/** Register accesses an interrupt doorbell can make at open. */
#define ICMSG_MBOX_ENABLE_MAX 4

/**
 * One doorbell direction. Register windows are mapped like regions (a UIO
 * map, a /dev/mem page or a PCI sysfs resourceN file) and accessed with
 * single volatile loads and stores of the given width; a ring is ordered
 * after every earlier write to the rings.
 */
struct icmsg_mbox_config {
	enum icmsg_mbox_type type;
	const char *path;        /**< ICMSG_MBOX_FIFO: the FIFO */
	const char *uio_device;  /**< ICMSG_MBOX_UIO_IRQ: as icmsg_uio_config.device */
	/**
	 * UIO_IRQ: write 1 to /dev/uioN after each interrupt. true from
	 * icmsg_link_config_init(); a zeroed struct has false, which suits
	 * only drivers that never disable their interrupt.
	 */
	bool irq_rearm;
	int fd;                  /**< ICMSG_MBOX_EVENTFD: borrowed, duplicated by open (-1) */
	struct icmsg_region_config regs; /**< MMIO; UIO_IRQ status/ack (size 0: none) */
	struct icmsg_mbox_reg write;     /**< MMIO: the access that rings the peer */
	/**
	 * UIO_IRQ, for an interrupt shared by several channels: read this
	 * register and test value as a mask; clear bits mean the interrupt was
	 * another channel's (the ring is still checked).
	 */
	struct icmsg_mbox_reg status;
	struct icmsg_mbox_reg ack;    /**< UIO_IRQ: acknowledge, before re-arming */
	/**
	 * UIO_IRQ: done once at open, in order, e.g. set the channel's
	 * interrupt-enable bit and clear its mask bit
	 */
	struct icmsg_mbox_reg enable[ICMSG_MBOX_ENABLE_MAX];
};

/**
 * Configuration of one instance, the YAML keys of spec section 5.3.
 * Fill it with icmsg_link_config_init() first, which sets the defaults.
 * Strings are borrowed: they must stay valid until icmsg_link_open() returns.
 */
struct icmsg_link_config {
	const char *name;                    /**< used in log lines */
	struct icmsg_region_config tx_region; /**< the region we write */
	struct icmsg_region_config rx_region; /**< the region we read */
	struct icmsg_mbox_config tx_mbox;    /**< we signal the peer here */
	struct icmsg_mbox_config rx_mbox;    /**< the peer signals us here */
	uint32_t dcache_alignment;           /**< 0 or a power of two >= 4 */
	enum icmsg_unbound_mode unbound;
	uint32_t bond_notify_repeat_ms;      /**< 0 = no repeat (default 1) */
	uint32_t bond_timeout_ms;            /**< 0 = no diagnostic (default 5000) */
	uint32_t bond_notify_max_ms;         /**< repeat cap after timeout (100) */
	uint32_t detect_grace_ms;            /**< detect mode, spec 3.6 (50) */
	uint32_t peer_rx_buf_size;           /**< peer's receive buffer (128) */
	uint32_t rx_buf_size;                /**< our receive cap, 0 = any (0) */
	bool auto_reopen;                    /**< re-open after unbound (true) */
	bool create;                         /**< create missing files/FIFOs (true) */
	/**
	 * Poll the ring this long before sleeping, in the blocking helpers
	 * and after each icmsg_link_process() that found work (0 = never
	 * spin, the default). Trades CPU for latency; idle links still sleep.
	 */
	uint32_t spin_us;
	/**
	 * Ring the peer's doorbell only when it may have gone idle: when it
	 * had read everything we published before (false, the default, rings
	 * once per send as the spec requires). Safe with any peer that, like
	 * Zephyr and libicmsg, re-reads wr_idx after a full barrier following
	 * each packet it consumes.
	 */
	bool lazy_signal;
};

/** Set @p cfg to all defaults (no name, no regions, no doorbells). */
void icmsg_link_config_init(struct icmsg_link_config *cfg);

/**
 * Check @p cfg against the rules of spec sections 2.2 and 5.3 without
 * touching any file.
 * @param cfg       configuration to check
 * @param ret_field on failure (if not NULL) set to the YAML key at fault,
 *                  e.g. "tx-region.size"; a static string
 * @param ret_msg   on failure (if not NULL) set to a static explanation
 * @return 0 if valid, -EINVAL otherwise.
 */
int icmsg_link_config_check(const struct icmsg_link_config *cfg,
			    const char **ret_field, const char **ret_msg);

/**
 * Check that what @p cfg refers to exists on this machine, without mapping,
 * creating or changing anything: UIO devices and their maps (and that each
 * region or register window fits its map), /dev/mem, register-window files,
 * eventfds, and, unless cfg->create is set, the region files and FIFOs.
 * @param cfg     a configuration that passed icmsg_link_config_check()
 * @param ret_msg on failure (if not NULL), a malloc'd "key: message" text
 *                (e.g. "tx-region: no UIO device named 'shm' (...)"); must be
 *                freed by the caller using free()
 * @return 0, -EOPNOTSUPP if the configuration needs UIO or /dev/mem and this
 *         machine has none (nothing could be checked), -ENOENT, -ERANGE (a
 *         region does not fit its map or file), -EACCES, -EINVAL, -ENOMEM.
 */
int icmsg_link_config_probe(const struct icmsg_link_config *cfg, char **ret_msg);

/* ------------------------------------------------------------------------ */
/* YAML configuration files                                                 */

/** A loaded YAML file with one or more instances. Opaque. */
struct icmsg_config;

/**
 * Load and validate a YAML file of instances (spec section 5.3).
 * Relative region and doorbell paths in the file are resolved against the
 * file's directory; relative socket paths (icmsgd) against the daemon's
 * runtime-dir.
 * @param path      file to read
 * @param ret       on success, the loaded configuration; must be freed by
 *                  the caller using icmsg_config_free()
 * @param ret_error on failure (if not NULL), a malloc'd, NUL-terminated text
 *                  of one "file:line: key: message" line per error (joined
 *                  with '\n'); must be freed by the caller using free()
 * @return 0, -EINVAL for invalid content, or another negative errno if the
 *         file cannot be read (-ENOENT, -EACCES, -ENOMEM, ...).
 */
int icmsg_config_load(const char *path, struct icmsg_config **ret, char **ret_error);

/** Free a configuration. Accepts NULL; returns NULL. */
struct icmsg_config *icmsg_config_free(struct icmsg_config *cfg);

/** Number of instances in @p cfg. */
size_t icmsg_config_count(const struct icmsg_config *cfg);

/**
 * Instance @p index (0-based) of @p cfg, or NULL if out of range. The
 * pointer and its strings are valid for the lifetime of @p cfg.
 */
const struct icmsg_link_config *icmsg_config_get(const struct icmsg_config *cfg, size_t index);

/** Instance named @p name, or NULL. Lifetime as icmsg_config_get(). */
const struct icmsg_link_config *icmsg_config_find(const struct icmsg_config *cfg,
						  const char *name);

/**
 * Load a main file and drop-in files as one configuration, as icmsgd does:
 * instances from all files, checks across all of them (names, regions,
 * doorbells, socket paths). The "daemon" section is allowed in the first
 * file only. Arguments and results as icmsg_config_load(); each error line
 * names the file it comes from.
 */
int icmsg_config_load_files(const char *const *paths, size_t n_paths, struct icmsg_config **ret,
			    char **ret_error);

/** What icmsgd does with a client that does not keep up. */
enum icmsg_client_policy {
	ICMSG_CLIENT_WAIT = 0,   /**< stop reading the ring until it catches up */
	ICMSG_CLIENT_DISCONNECT, /**< disconnect it once its queue is full */
};

/**
 * icmsgd settings of one instance (YAML keys "socket", "client-policy",
 * "client-queue-limit", "disconnect-on-unbound"). Ignored by the library.
 */
struct icmsg_relay_config {
	const char *socket_path;  /**< absolute; default <runtime-dir>/<name>.sock */
	uint32_t socket_mode;     /**< default 0660 */
	const char *socket_owner; /**< user name or NULL (unchanged) */
	const char *socket_group; /**< group name or NULL (unchanged) */
	enum icmsg_client_policy client_policy; /**< default ICMSG_CLIENT_WAIT */
	uint32_t client_queue_limit;  /**< messages queued per client, default 1024 */
	bool disconnect_on_unbound;   /**< close clients when the link unbinds */
};

/** Relay settings of instance @p index, or NULL. Lifetime as icmsg_config_get(). */
const struct icmsg_relay_config *icmsg_config_get_relay(const struct icmsg_config *cfg,
							 size_t index);

/**
 * Daemon-wide settings (the top-level "daemon" section of the main file).
 * Relative paths in it, and the default socket paths, are under
 * runtime_dir.
 */
struct icmsg_daemon_config {
	const char *runtime_dir;      /**< default /run/icmsgd */
	const char *control_socket;   /**< default <runtime-dir>/control.sock */
	uint32_t control_mode;        /**< default 0660 */
	const char *control_group;    /**< group name or NULL */
	/** Run as this user (name or number) once every instance is open;
	 *  NULL: stay as started. */
	const char *user;
	/** ...and this group; NULL: the user's primary group. */
	const char *group;
};

/** The daemon section (defaults if the file has none). Never NULL. */
const struct icmsg_daemon_config *icmsg_config_get_daemon(const struct icmsg_config *cfg);

/* ------------------------------------------------------------------------ */
/* Links                                                                    */

/** One open ICMsg instance. Opaque. */
struct icmsg_link;

/** Link state as seen by the application (spec section 3.8). */
enum icmsg_link_state {
	ICMSG_LINK_BONDING = 0, /**< opened, waiting for the peer */
	ICMSG_LINK_BOUND,       /**< messages flow */
	ICMSG_LINK_DISCONNECTED,/**< peer ended the session (enable/detect) */
	ICMSG_LINK_FAULT,       /**< the peer's ring is corrupt */
};

/** Protocol variant actually in use on a link. */
enum icmsg_link_variant {
	ICMSG_VARIANT_UNKNOWN = 0, /**< not bound yet */
	ICMSG_VARIANT_MAGIC,       /**< v1 / v2 disable: magic bonding */
	ICMSG_VARIANT_SESSION,     /**< v2 enable/detect: session handshake */
};

/**
 * Application callbacks, all optional, all called from inside
 * icmsg_link_process() (or another call that processes) on the calling
 * thread. A callback may call icmsg_link_send(), icmsg_link_reopen() and
 * the getters; the processing calls (icmsg_link_process(),
 * icmsg_link_try_recv(), icmsg_link_recv(), icmsg_link_wait_bound())
 * return -EDEADLK from inside a callback, and it must not close the link.
 */
struct icmsg_link_callbacks {
	/** The link became bound. A send from here succeeds. */
	void (*bound)(struct icmsg_link *link, void *userdata);
	/**
	 * The link left the bound state. @p reason: -ECONNRESET (peer
	 * restarted or started a new session), -ESHUTDOWN (peer closed),
	 * -EBADMSG (peer's ring is corrupt), -ECONNABORTED (we called
	 * icmsg_link_reopen()). Messages in flight may be lost.
	 */
	void (*unbound)(struct icmsg_link *link, int reason, void *userdata);
	/**
	 * One message. @p data is valid only during the call. Without this
	 * callback, messages stay in the ring until icmsg_link_try_recv() or
	 * icmsg_link_recv() takes them.
	 */
	void (*received)(struct icmsg_link *link, const void *data, size_t len,
			 void *userdata);
	/**
	 * A problem that does not change the state by itself, e.g. a
	 * message dropped because it exceeded rx_buf_size (-EMSGSIZE), or a
	 * peer that looks like unsupported ICMsg v0 (-EPROTONOSUPPORT).
	 */
	void (*error)(struct icmsg_link *link, int err, void *userdata);
};

/** Options of icmsg_link_open() beyond the instance configuration. */
struct icmsg_link_options {
	const struct icmsg_link_callbacks *callbacks; /**< may be NULL */
	void *userdata;        /**< passed to every callback */
	icmsg_log_fn log;      /**< may be NULL: silent */
	void *log_userdata;
};

/**
 * Open an instance: map both regions, open both doorbells, start bonding
 * in the configured mode, and run one processing step at once.
 * @param cfg  checked with icmsg_link_config_check(); copied, so it may be
 *             freed after the call
 * @param opts may be NULL; copied
 * @param ret  on success, the link; must be freed by the caller using
 *             icmsg_link_close()
 * @return 0, -EINVAL (bad configuration), -ENOENT/-EACCES/... (a region or
 *         doorbell cannot be opened), -ENOMEM.
 */
int icmsg_link_open(const struct icmsg_link_config *cfg, const struct icmsg_link_options *opts,
		    struct icmsg_link **ret);

/**
 * Close the instance (in enable/detect mode write our session word 0 so the
 * peer sees the close), signal the peer, unmap and free. Accepts NULL;
 * returns NULL.
 */
struct icmsg_link *icmsg_link_close(struct icmsg_link *link);

/**
 * Restart bonding with a new session (enable/detect mode), as Zephyr's
 * icmsg_open() on an open instance. A bound link reports unbound
 * (-ECONNABORTED) first.
 * @return 0, -EALREADY in disable mode (Zephyr semantics), -EIO in disable
 *         mode after a fault (the peer must re-initialise).
 */
int icmsg_link_reopen(struct icmsg_link *link);

/**
 * File descriptor to poll for POLLIN. It becomes readable on a doorbell or
 * a timer. Never fails; owned by the link; valid until icmsg_link_close().
 */
int icmsg_link_get_fd(const struct icmsg_link *link);

/**
 * Handle what made the fd readable: drain the doorbell, run timers, advance
 * the bonding state machine and deliver received messages (to the received
 * callback, if set) until the ring is empty.
 * @return >0 if something happened, 0 if there was nothing to do, or a
 *         negative errno on a local failure (the doorbell fd failed; the
 *         rings were processed anyway), -EDEADLK from inside a callback.
 */
int icmsg_link_process(struct icmsg_link *link);

/** Current state. */
enum icmsg_link_state icmsg_link_get_state(const struct icmsg_link *link);

/** Counters and facts about a link, see icmsg_link_get_info(). */
struct icmsg_link_info {
	enum icmsg_link_state state;
	enum icmsg_link_variant variant;
	uint32_t max_send;      /**< largest message icmsg_link_send() takes */
	uint32_t max_recv;      /**< largest message we can receive */
	uint16_t local_sid;     /**< our session id (session variant) */
	uint16_t remote_sid;    /**< peer's session id (session variant) */
	uint64_t tx_msgs, tx_bytes, rx_msgs, rx_bytes;
	uint64_t bonds;         /**< times the link became bound */
	uint64_t unbinds;       /**< times it left the bound state */
	uint64_t errors;        /**< corruption and dropped messages */
	uint32_t tx_used_max;   /**< high-water mark of our tx ring, bytes */
	uint32_t rx_used_max;   /**< high-water mark of our rx ring, bytes */
	uint32_t tx_ring_size;  /**< data area of the tx ring, bytes */
	uint32_t rx_ring_size;  /**< data area of the rx ring, bytes */
	uint32_t tx_used;       /**< bytes in our tx ring now, unread by the peer */
	uint32_t rx_used;       /**< bytes in our rx ring now, not read by us yet */
	uint64_t doorbells_rung;     /**< signals we sent the peer */
	uint64_t doorbells_received; /**< signals seen: FIFO bytes, eventfd counts, interrupts */
};

/** Fill @p ret with the link's counters. @return 0 or -EINVAL. */
int icmsg_link_get_info(const struct icmsg_link *link, struct icmsg_link_info *ret);

/** Name of the link (from the configuration), never NULL. */
const char *icmsg_link_get_name(const struct icmsg_link *link);

/**
 * Send one message without blocking and ring the peer's doorbell (with
 * lazy_signal, only if the peer may be idle).
 * @return @p len on success, or
 *   -EBUSY     not bound yet,
 *   -ENOTCONN  the peer ended the session (enable/detect), call
 *              icmsg_link_reopen() or wait for auto-reopen,
 *   -EIO       the link is in the fault state,
 *   -ENODATA   @p len is 0,
 *   -EMSGSIZE  @p len exceeds max_send (peer-rx-buf-size, ring size, 65535),
 *   -ENOMEM    not enough free space in the ring now; retry later,
 *   -EINVAL    bad arguments, or the peer's rd_idx is invalid,
 *   -EINPROGRESS a reservation (icmsg_link_tx_reserve()) is open,
 *   or the doorbell's error (the message was sent).
 */
int icmsg_link_send(struct icmsg_link *link, const void *data, size_t len);

/** More messages follow at once: write this one, publish and signal later. */
#define ICMSG_SEND_MORE 0x1u

/**
 * As icmsg_link_send(), with @p flags. With ICMSG_SEND_MORE the message is
 * written into the ring but neither published nor signalled: the next send
 * without the flag, icmsg_link_kick() or icmsg_link_flush() publishes the
 * whole batch at once with one doorbell (a send without the flag does so
 * even if it fails itself). A send that finds the ring full publishes what
 * is pending first, so the peer can make room.
 * @return as icmsg_link_send().
 */
int icmsg_link_send_flags(struct icmsg_link *link, const void *data, size_t len,
			  unsigned int flags);

/**
 * Publish messages written with ICMSG_SEND_MORE and ring the peer's
 * doorbell (with nothing pending it still rings: a signal without data is
 * harmless, spec 1.3; lazy_signal may skip it as for a send).
 * @return 0, or the doorbell's error.
 */
int icmsg_link_kick(struct icmsg_link *link);

/**
 * Reserve room for a message of up to @p len bytes and get a buffer to
 * build it in: space in the tx ring itself when the region is ordinary
 * memory and the room does not wrap, else a buffer of the link that
 * icmsg_link_tx_commit() copies. Until the commit, other sends on this
 * link get -EINPROGRESS.
 * @return 0 with *@p buf set, or as icmsg_link_send().
 */
int icmsg_link_tx_reserve(struct icmsg_link *link, size_t len, void **buf);

/**
 * Send the reserved message with its final length @p len (1 to the
 * reserved length; 0 abandons the reservation), with @p flags as
 * icmsg_link_send_flags().
 * @return @p len, 0 when abandoned, -EINVAL (no reservation, or @p len
 *         above it, or bad flags: the reservation stays open), -ECONNRESET (the peer restarted and our ring was
 *         re-initialised since the reservation: nothing was sent), or as
 *         icmsg_link_send().
 */
int icmsg_link_tx_commit(struct icmsg_link *link, size_t len, unsigned int flags);

/**
 * Take one message from the ring without blocking (links opened without a
 * received callback).
 * @return the message length, or -EAGAIN if there is none, -EMSGSIZE if it
 *   is larger than @p cap (it stays in the ring), -ENOTCONN / -EIO / -EBUSY
 *   as icmsg_link_send() for a link that is not bound, -EINVAL if a
 *   received callback is set.
 */
int icmsg_link_try_recv(struct icmsg_link *link, void *buf, size_t cap);

/**
 * Look at the next message in place without taking it (links opened
 * without a received callback). Each call holds one more message; the
 * ring space of held messages is handed back by icmsg_link_rx_release().
 * *@p data points into shared memory when the region is ordinary memory
 * and the message does not wrap (else into a copy of the link): the remote
 * core can change those bytes while you read them, so copy what you parse.
 * It stays valid until icmsg_link_rx_release(), or icmsg_link_try_recv() or
 * icmsg_link_recv(), which take the held messages first; a ring the peer
 * re-initialises meanwhile voids them (the release says -ECONNRESET).
 * At most ICMSG_RX_HOLD_MAX messages are held at a time.
 * Sleep on the link fd only after -EAGAIN with nothing held: release, then
 * call again. A peer with lazy signalling does not ring a reader it sees
 * still holding messages, which may be all that is left to tell it.
 * @return the message length, -ENOBUFS when ICMSG_RX_HOLD_MAX are held,
 *         or as icmsg_link_try_recv().
 */
int icmsg_link_rx_hold(struct icmsg_link *link, const void **data);

/** Most messages icmsg_link_rx_hold() holds at once. */
#define ICMSG_RX_HOLD_MAX 64

/**
 * Take every held message: their ring space goes back to the peer.
 * @return the number released (0 if none), or -ECONNRESET if the peer
 *         re-initialised the ring meanwhile (the held data was void).
 */
int icmsg_link_rx_release(struct icmsg_link *link);

/* Blocking helpers. timeout_ms < 0 waits forever. */

/**
 * Wait until bound (a fault may heal while waiting: the peer
 * re-initialises). @return 0, -ETIMEDOUT, -ENOTCONN (the peer ended the
 * session and auto-reopen is off), or an error of process.
 */
int icmsg_link_wait_bound(struct icmsg_link *link, int timeout_ms);

/**
 * Receive one message, processing the link while waiting.
 * @return length, -ETIMEDOUT, or as icmsg_link_try_recv() (except -EAGAIN).
 */
int icmsg_link_recv(struct icmsg_link *link, void *buf, size_t cap, int timeout_ms);

/**
 * Send one message, waiting while the link is bonding (-EBUSY) or the ring
 * is full (-ENOMEM). The reader does not signal freed space (Zephyr does
 * not), so the ring is re-checked at a growing interval up to 5 ms.
 * @return as icmsg_link_send(), or -ETIMEDOUT.
 */
int icmsg_link_send_timeout(struct icmsg_link *link, const void *data, size_t len,
			    int timeout_ms);

/**
 * Wait until the peer has read every message we sent (like tcdrain()).
 * Closing a link with unread messages loses them: in enable/detect mode the
 * peer drops what it reads after our session ended, and whoever opens the
 * instance next resets the ring.
 * @return 0 once the ring is empty (even if the peer left after reading),
 *         -ETIMEDOUT, or -EBUSY/-ENOTCONN/-EIO if the link is not bound and
 *         messages are still unread (they may be lost).
 */
int icmsg_link_flush(struct icmsg_link *link, int timeout_ms);

/* ------------------------------------------------------------------------ */
/* Read-only inspection of a region (for dump tools)                        */

/** Decoded header and occupancy of a region. */
struct icmsg_region_info {
	uint32_t size;          /**< region size */
	uint32_t dcache_alignment;
	bool has_handshake;     /**< layout with a handshake word */
	uint32_t rd_idx_off, handshake_off, wr_idx_off, data_off, data_len;
	uint32_t rd_idx, wr_idx, handshake;
	uint32_t used, free;    /**< bytes, valid only when indices are valid */
	uint32_t packets;       /**< pending packets decoded */
	uint32_t pending_bytes; /**< their payload bytes */
	bool magic_first;       /**< the first pending packet is the bond magic */
	int error;              /**< 0, or negative errno of the first problem */
	char problem[160];      /**< what is wrong, "" if nothing */
};

/**
 * One pending packet, @p data (@p len bytes, already unwrapped) valid only
 * during the call. @p offset is the header's data-area offset. Return
 * non-zero to stop the walk.
 */
typedef int (*icmsg_packet_fn)(uint32_t offset, const void *data, size_t len, void *userdata);

/**
 * Decode a region image held in memory (a copy, never live shared memory)
 * as a reader starting at its rd_idx would, without changing it.
 * @param image        region bytes
 * @param size         their count (the region size)
 * @param dcache_alignment as in the configuration
 * @param handshake    true for the enable/detect layout
 * @param ret          decoded header; ret->error/problem tell what is invalid
 * @param fn           called per pending packet, may be NULL
 * @return 0 if the walk ran (check ret->error), -EINVAL if the layout
 *         itself is impossible (size, alignment).
 */
int icmsg_region_inspect(const void *image, size_t size, uint32_t dcache_alignment,
			 bool handshake, struct icmsg_region_info *ret, icmsg_packet_fn fn,
			 void *userdata);

/**
 * Copy a region's current bytes into @p buf (@p cap >= region size) through
 * a read-only mapping, without creating or changing anything.
 * @return the number of bytes copied, -ENOENT/-EACCES/..., -ERANGE if the
 *         region lies beyond the end of the file, -ENOBUFS if @p cap is
 *         too small.
 */
int icmsg_region_read(const struct icmsg_region_config *region, void *buf, size_t cap);

#ifdef __GNUC__
static inline void icmsg_link_closep(struct icmsg_link **p)
{
	icmsg_link_close(*p);
}
static inline void icmsg_config_freep(struct icmsg_config **p)
{
	icmsg_config_free(*p);
}
/** Declare a link pointer closed when it leaves scope. */
#define _icmsg_cleanup_link_ __attribute__((cleanup(icmsg_link_closep)))
/** Declare a config pointer freed when it leaves scope. */
#define _icmsg_cleanup_config_ __attribute__((cleanup(icmsg_config_freep)))
#endif

#ifdef __cplusplus
}
#endif

#endif /* ICMSG_ICMSG_H */
