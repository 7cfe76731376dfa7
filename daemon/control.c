// SPDX-License-Identifier: MIT
/*
 * icmsgd control socket, see control.h. Requests are single datagrams of
 * ASCII text, replies single datagrams holding one JSON object, so that a
 * client needs no framing.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "util.h"

/* Longest request: "status " and an instance name, with room to spare. */
#define REQUEST_MAX 512

struct conn {
	struct conn *prev, *next;
	struct control *ctl;
	int fd;
	pid_t pid;
	struct event *ev;
	bool subscribed;
};

struct control {
	struct event_base *base;
	control_status_fn status;
	void *userdata;
	struct listener listener;
	struct event *ev_listen;
	struct event *ev_accept_pause;
	unsigned int n_conns;
	uint32_t mode;
	char *group;
	struct conn *conns;
};

struct control *control_new(struct event_base *base, control_status_fn status, void *userdata)
{
	struct control *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->base = base;
	c->status = status;
	c->userdata = userdata;
	listener_init(&c->listener);
	return c;
}

static void conn_free(struct conn *k)
{
	event_free(k->ev);
	close(k->fd);
	free(k);
}

static void conn_close(struct conn *k)
{
	struct control *c = k->ctl;

	if (k->prev)
		k->prev->next = k->next;
	else
		c->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	conn_free(k);
	c->n_conns--;
}

/* Send one reply datagram. Return: false if the connection was closed. */
static bool conn_send(struct conn *k, const char *data, size_t len)
{
	static const char too_large[] = "{\"error\":\"reply too large\"}";
	ssize_t n;

	n = send(k->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && errno == EMSGSIZE)
		n = send(k->fd, too_large, sizeof(too_large) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n >= 0)
		return true;
	/* A client that does not read its replies or events is not waited
	 * for: the daemon never blocks. */
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		log_printf(LOG_WARNING, "control: pid %d does not read, disconnected",
			   (int)k->pid);
	conn_close(k);
	return false;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void reply_status(struct conn *k, const char *name)
{
	struct control *c = k->ctl;
	struct jbuf j;
	int ret;

	jbuf_init(&j);
	jbuf_add(&j, "{\"version\":");
	jbuf_string(&j, ICMSG_VERSION);
	jbuf_printf(&j, ",\"pid\":%d,\"instances\":[", (int)getpid());
	ret = c->status(&j, name, c->userdata);
	jbuf_add(&j, "]}");
	if (ret == -ENOENT) {
		jbuf_free(&j);
		jbuf_add(&j, "{\"error\":\"no such instance\",\"instance\":");
		jbuf_string(&j, name);
		jbuf_add(&j, "}");
	}
	if (jbuf_failed(&j)) {
		jbuf_free(&j);
		jbuf_add(&j, "{\"error\":\"out of memory\"}");
	}
	conn_send(k, j.data, j.len);
	jbuf_free(&j);
}

static void handle_request(struct conn *k, char *req, size_t len)
{
	static const char unknown[] = "{\"error\":\"unknown request\"}";
	static const char subscribed[] = "{\"event\":\"subscribed\"}";

	/* Accept a trailing newline: `echo status | socat` is a client too. */
	while (len && (req[len - 1] == '\n' || req[len - 1] == '\r' || req[len - 1] == ' '))
		len--;
	req[len] = '\0';
	if (strcmp(req, "status") == 0) {
		reply_status(k, NULL);
	} else if (strncmp(req, "status ", 7) == 0 && req[7] != '\0') {
		reply_status(k, req + 7);
	} else if (strcmp(req, "subscribe") == 0) {
		if (conn_send(k, subscribed, sizeof(subscribed) - 1))
			k->subscribed = true;
	} else {
		conn_send(k, unknown, sizeof(unknown) - 1);
	}
}

static void on_conn(evutil_socket_t fd, short what, void *arg)
{
	struct conn *k = arg;
	char req[REQUEST_MAX + 1];
	struct pollfd pfd;
	ssize_t n;

	(void)what;
	n = recv(fd, req, REQUEST_MAX, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_close(k);
		return;
	}
	if (n == 0) {
		/* Either an empty datagram or the end: only the latter hangs up. */
		pfd.fd = fd;
		pfd.events = POLLRDHUP;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP))) {
			conn_close(k);
			return;
		}
	}
	if (n > REQUEST_MAX)
		n = 0; /* truncated: no valid request is that long */
	handle_request(k, req, (size_t)n);
}

/* Control connections at once; each holds a descriptor. */
#define CONTROL_MAX_CONNS 64
#define CONTROL_ACCEPT_PAUSE_MS 100

static void on_accept_pause(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;

	(void)fd;
	(void)what;
	if (c->ev_listen)
		event_add(c->ev_listen, NULL);
}

static void control_pause_accept(struct control *c)
{
	struct timeval pause = { 0, CONTROL_ACCEPT_PAUSE_MS * 1000 };

	if (!c->ev_accept_pause)
		c->ev_accept_pause = evtimer_new(c->base, on_accept_pause, c);
	if (c->ev_listen)
		event_del(c->ev_listen);
	if (c->ev_accept_pause)
		evtimer_add(c->ev_accept_pause, &pause);
}

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;
	struct ucred cred;
	socklen_t len;
	struct conn *k;
	int cfd;

	(void)what;
	for (;;) {
		cfd = accept_next(fd);
		if (cfd == -EAGAIN)
			return;
		if (cfd < 0) {
			/* Out of descriptors: the connection stays pending and a
			 * level-triggered listener would spin on it; pause. */
			log_printf(LOG_WARNING, "control: accept: %s", strerror(-cfd));
			control_pause_accept(c);
			return;
		}
		if (c->n_conns >= CONTROL_MAX_CONNS) {
			log_printf(LOG_WARNING, "control: refusing a connection: %u already",
				   c->n_conns);
			close(cfd);
			continue;
		}
		k = calloc(1, sizeof(*k));
		if (!k) {
			close(cfd);
			continue;
		}
		k->ctl = c;
		k->fd = cfd;
		len = sizeof(cred);
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
			k->pid = cred.pid;
		k->ev = event_new(c->base, cfd, EV_READ | EV_PERSIST, on_conn, k);
		if (!k->ev || event_add(k->ev, NULL) < 0) {
			if (k->ev)
				event_free(k->ev);
			close(cfd);
			free(k);
			continue;
		}
		k->next = c->conns;
		if (c->conns)
			c->conns->prev = k;
		c->conns = k;
		c->n_conns++;
	}
}

void control_stop_listening(struct control *c)
{
	if (c->ev_listen)
		event_free(c->ev_listen);
	c->ev_listen = NULL;
	listener_close(&c->listener);
	free(c->group);
	c->group = NULL;
}

int control_listen(struct control *c, const char *path, uint32_t mode, const char *group,
		   char *why, size_t why_len)
{
	struct listener l;
	struct event *ev;
	char *group_copy = NULL;
	int ret;

	if (group) {
		group_copy = strdup(group);
		if (!group_copy) {
			snprintf(why, why_len, "out of memory");
			return -ENOMEM;
		}
	}
	/* Same path: keep the socket (it cannot be bound twice anyway) and
	 * change its mode and group in place. */
	if (c->listener.fd >= 0 && str_eq(c->listener.path, path)) {
		if (c->mode != mode || !str_eq(c->group, group)) {
			ret = listener_chmod(&c->listener, mode, group, why, why_len);
			if (ret < 0)
				goto err_free;
		}
		free(c->group);
		c->group = group_copy;
		c->mode = mode;
		return 0;
	}
	ret = listener_open(&l, path, mode, NULL, group, why, why_len);
	if (ret < 0)
		goto err_free;
	ev = event_new(c->base, l.fd, EV_READ | EV_PERSIST, on_accept, c);
	if (!ev || event_add(ev, NULL) < 0) {
		if (ev)
			event_free(ev);
		listener_close(&l);
		snprintf(why, why_len, "cannot watch the socket");
		ret = -ENOMEM;
		goto err_free;
	}
	control_stop_listening(c);
	c->listener = l;
	c->ev_listen = ev;
	c->mode = mode;
	c->group = group_copy;
	return 0;

err_free:
	free(group_copy);
	return ret;
}

void control_event(struct control *c, const struct jbuf *j)
{
	struct conn *k, *next;

	if (!c || jbuf_failed(j) || !j->len)
		return;
	for (k = c->conns; k; k = next) {
		next = k->next;
		if (k->subscribed)
			conn_send(k, j->data, j->len);
	}
}

void control_free(struct control *c)
{
	struct conn *k, *next;

	if (!c)
		return;
	/* The whole list goes: no unlinking one by one. */
	for (k = c->conns; k; k = next) {
		next = k->next;
		conn_free(k);
	}
	c->conns = NULL;
	c->n_conns = 0;
	control_stop_listening(c);
	if (c->ev_accept_pause)
		event_free(c->ev_accept_pause);
	free(c);
}
