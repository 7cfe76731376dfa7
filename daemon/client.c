// SPDX-License-Identifier: MIT
/*
 * icmsgd client connections, see client.h.
 */
#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "client.h"

/* Messages handed to the kernel per sendmmsg(). */
#define FLUSH_BATCH 64
/* Memory for one read batch; large max_send values get fewer slots. */
#define READ_BUDGET (256u * 1024u)

struct relay_msg *relay_msg_new(const void *data, size_t len)
{
	struct relay_msg *m = malloc(sizeof(*m) + len);

	if (!m)
		return NULL;
	m->refs = 1;
	m->len = (uint32_t)len;
	memcpy(m->data, data, len);
	return m;
}

void relay_msg_unref(struct relay_msg *m)
{
	if (m && --m->refs == 0)
		free(m);
}

struct client *client_new(int fd, struct event_base *base, event_callback_fn on_read,
			  event_callback_fn on_write)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c;

	c = calloc(1, sizeof(*c));
	if (!c)
		goto err_close;
	c->fd = fd;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		c->pid = cred.pid;
		c->uid = cred.uid;
		c->gid = cred.gid;
	} else {
		c->pid = 0;
		c->uid = (uid_t)-1;
		c->gid = (gid_t)-1;
	}
	c->ev_read = event_new(base, fd, EV_READ | EV_PERSIST, on_read, c);
	c->ev_write = event_new(base, fd, EV_WRITE | EV_PERSIST, on_write, c);
	/* While it is not read (link down, ring full), a hang-up of the
	 * client must still be seen, or closed clients pile up. */
	c->ev_hup = event_new(base, fd, EV_CLOSED | EV_PERSIST, on_read, c);
	if (!c->ev_read || !c->ev_write || !c->ev_hup)
		goto err_free;
	event_add(c->ev_hup, NULL);
	c->watching_hup = true;
	return c;

err_free:
	if (c->ev_hup)
		event_free(c->ev_hup);
	if (c->ev_read)
		event_free(c->ev_read);
	if (c->ev_write)
		event_free(c->ev_write);
	free(c);
err_close:
	close(fd);
	return NULL;
}

void client_free(struct client *c)
{
	if (!c)
		return;
	event_free(c->ev_read);
	event_free(c->ev_write);
	event_free(c->ev_hup);
	close(c->fd);
	while (c->q_len) {
		relay_msg_unref(c->q[c->q_head]);
		c->q_head = (c->q_head + 1) % c->q_cap;
		c->q_len--;
	}
	free(c->q);
	free(c->in_buf);
	free(c);
}

void client_set_reading(struct client *c, bool on)
{
	if (on == c->reading || (on && c->eof))
		return;
	if (on)
		event_add(c->ev_read, NULL);
	else
		event_del(c->ev_read);
	c->reading = on;
	client_watch_hup(c, !on && !c->eof);
}

void client_watch_hup(struct client *c, bool on)
{
	if (on == c->watching_hup)
		return;
	if (on)
		event_add(c->ev_hup, NULL);
	else
		event_del(c->ev_hup);
	c->watching_hup = on;
}

static void set_writing(struct client *c, bool on)
{
	if (on == c->writing)
		return;
	if (on)
		event_add(c->ev_write, NULL);
	else
		event_del(c->ev_write);
	c->writing = on;
}

int client_enqueue(struct client *c, struct relay_msg *m)
{
	struct relay_msg **q;
	uint32_t cap, i;

	if (c->out_dead)
		return 0;
	if (c->q_len == c->q_cap) {
		/* Grow on demand: most clients keep up, and the limit can be
		 * a million messages. */
		cap = c->q_cap ? c->q_cap * 2 : 16;
		q = malloc(cap * sizeof(*q));
		if (!q)
			return -ENOMEM;
		for (i = 0; i < c->q_len; i++)
			q[i] = c->q[(c->q_head + i) % c->q_cap];
		free(c->q);
		c->q = q;
		c->q_cap = cap;
		c->q_head = 0;
	}
	c->q[(c->q_head + c->q_len) % c->q_cap] = m;
	c->q_len++;
	m->refs++;
	return 0;
}

void client_drop_output(struct client *c)
{
	while (c->q_len) {
		relay_msg_unref(c->q[c->q_head]);
		c->q_head = (c->q_head + 1) % c->q_cap;
		c->q_len--;
	}
	if (c->writing) {
		event_del(c->ev_write);
		c->writing = false;
	}
	c->out_dead = true;
}

int client_flush(struct client *c)
{
	struct mmsghdr mm[FLUSH_BATCH];
	struct iovec iov[FLUSH_BATCH];
	struct relay_msg *m;
	unsigned int i, n;
	int sent;

	while (c->q_len) {
		n = c->q_len < FLUSH_BATCH ? c->q_len : FLUSH_BATCH;
		memset(mm, 0, n * sizeof(mm[0]));
		for (i = 0; i < n; i++) {
			m = c->q[(c->q_head + i) % c->q_cap];
			iov[i].iov_base = m->data;
			iov[i].iov_len = m->len;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		sent = sendmmsg(c->fd, mm, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				set_writing(c, true);
				return 1;
			}
			return -errno;
		}
		for (i = 0; i < (unsigned int)sent; i++) {
			relay_msg_unref(c->q[c->q_head]);
			c->q_head = (c->q_head + 1) % c->q_cap;
			c->q_len--;
		}
	}
	set_writing(c, false);
	return 0;
}

int client_send_direct(struct client *c, const struct iovec *iov, unsigned int n)
{
	struct mmsghdr mm[FLUSH_BATCH];
	unsigned int i;
	int sent;

	if (n > FLUSH_BATCH)
		n = FLUSH_BATCH;
	memset(mm, 0, n * sizeof(mm[0]));
	for (i = 0; i < n; i++) {
		/* sendmmsg() only reads the iovecs. */
		mm[i].msg_hdr.msg_iov = (struct iovec *)&iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	do {
		sent = sendmmsg(c->fd, mm, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (sent < 0 && errno == EINTR);
	if (sent < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	return sent;
}

static int ensure_in_buf(struct client *c, size_t slot)
{
	unsigned int slots;

	if (c->in_buf && c->in_slot == slot)
		return 0;
	slots = (unsigned int)(READ_BUDGET / slot);
	if (slots > CLIENT_READ_BATCH)
		slots = CLIENT_READ_BATCH;
	if (slots == 0)
		slots = 1;
	free(c->in_buf);
	c->in_buf = malloc(slots * slot);
	if (!c->in_buf) {
		c->in_slot = 0;
		return -ENOMEM;
	}
	c->in_slot = slot;
	c->in_slots = slots;
	return 0;
}

int client_read(struct client *c, size_t slot)
{
	struct mmsghdr mm[CLIENT_READ_BATCH];
	struct iovec iov[CLIENT_READ_BATCH];
	struct pollfd pfd;
	unsigned int i, last;
	int n, ret, queued, resets;

	c->in_pos = c->in_count = 0;
	if (slot == 0)
		slot = 1;
	ret = ensure_in_buf(c, slot);
	if (ret < 0)
		return ret;
	memset(mm, 0, c->in_slots * sizeof(mm[0]));
	for (i = 0; i < c->in_slots; i++) {
		iov[i].iov_base = c->in_buf + (size_t)i * slot;
		iov[i].iov_len = slot;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	/* MSG_TRUNC: msg_len is the datagram's real length, so an oversized
	 * message can be reported with its size. */
	/* ECONNRESET is reported once when the client closed with datagrams
	 * of ours unread; what it sent before closing is still queued behind
	 * that error and must reach the ring: read again. */
	resets = 0;
	do {
		n = recvmmsg(c->fd, mm, c->in_slots, MSG_DONTWAIT | MSG_TRUNC, NULL);
	} while (n < 0 && (errno == EINTR || (errno == ECONNRESET && resets++ < 2)));
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;

	/* A SOCK_SEQPACKET read returns 0 both for an empty datagram and at
	 * end of file, and recvmmsg() keeps counting at end of file. Empty
	 * entries after the last non-empty one are the end of file if the
	 * peer has shut down and nothing is left queued; an empty entry
	 * followed by data was a real (invalid) empty datagram. */
	last = 0;
	for (i = 0; i < (unsigned int)n; i++) {
		c->in_len[i] = mm[i].msg_len;
		c->in_trunc[i] = (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
		if (mm[i].msg_len)
			last = i + 1;
	}
	if (last < (unsigned int)n) {
		pfd.fd = c->fd;
		pfd.events = POLLIN | POLLRDHUP;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP)) &&
		    ioctl(c->fd, SIOCINQ, &queued) == 0 && queued == 0) {
			c->eof = true;
			n = (int)last;
		}
	}
	c->in_count = (unsigned int)n;
	return n;
}
