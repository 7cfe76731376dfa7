// SPDX-License-Identifier: MIT
/*
 * libevent - an ICMsg link in a libevent loop. The loop watches the link's
 * file descriptor and calls icmsg_link_process(), which calls back bound,
 * received and unbound. Sends each argument as one message, the next one
 * once the reply to the last has come, prints the replies and exits; a
 * timer event gives up after 5 s.
 *
 *   cc libevent.c $(pkg-config --cflags --libs libicmsg libevent_core) -o libevent
 *   ./libevent CONFIG.yaml INSTANCE MESSAGE...
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <icmsg/icmsg.h>

#define TIMEOUT_S 5

struct app {
	struct event_base *base;
	struct icmsg_link *link;
	char **msgs;      /* the messages to send */
	int n_msgs, next; /* how many, and the one awaiting its reply */
	bool done;
	int status;       /* exit status once done */
};

static void stop(struct app *app, int status)
{
	app->done = true;
	app->status = status;
	event_base_loopbreak(app->base);
}

/* Send the message whose reply we wait for. */
static void send_next(struct icmsg_link *link, struct app *app)
{
	const char *msg = app->msgs[app->next];
	int ret = icmsg_link_send(link, msg, strlen(msg));

	if (ret < 0) {
		fprintf(stderr, "cannot send '%s': %s\n", msg, strerror(-ret));
		stop(app, 1);
	}
}

static void on_bound(struct icmsg_link *link, void *userdata)
{
	struct app *app = userdata;

	/* Done: the loop ends, but this batch of callbacks may go on. */
	if (app->done)
		return;
	/* Also after a remote core restart: send again what lacks a reply. */
	fprintf(stderr, "bound\n");
	send_next(link, app);
}

static void on_unbound(struct icmsg_link *link, int reason, void *userdata)
{
	(void)link;
	(void)userdata;
	/* The library bonds again by itself; on_bound follows. */
	fprintf(stderr, "unbound: %s\n", strerror(-reason));
}

static void on_received(struct icmsg_link *link, const void *data, size_t len, void *userdata)
{
	struct app *app = userdata;

	/* One icmsg_link_process() may deliver several messages: after the
	 * last reply, ignore the rest (a chatty peer sends more than replies). */
	if (app->done)
		return;
	/* @data is valid only during the call. */
	fwrite(data, 1, len, stdout);
	putchar('\n');
	if (++app->next >= app->n_msgs)
		stop(app, 0);
	else
		send_next(link, app);
}

/* The timer event: no bond or no reply in time. */
static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fprintf(stderr, "timed out after %d s\n", TIMEOUT_S);
	stop(arg, 1);
}

/* The link's fd is readable (a doorbell or a timer): let the link work. */
static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct app *app = arg;
	int ret;

	(void)fd;
	(void)what;
	ret = icmsg_link_process(app->link);
	if (ret < 0) {
		fprintf(stderr, "link failed: %s\n", strerror(-ret));
		stop(app, 1);
	}
}

int main(int argc, char **argv)
{
	static const struct icmsg_link_callbacks callbacks = {
		.bound = on_bound,
		.unbound = on_unbound,
		.received = on_received,
	};
	struct app app = { .status = 1 };
	struct icmsg_link_options opts = { .callbacks = &callbacks, .userdata = &app };
	const struct timeval timeout = { .tv_sec = TIMEOUT_S };
	const struct icmsg_link_config *lc;
	struct icmsg_config *cfg = NULL;
	struct event *ev = NULL, *timer = NULL;
	char *error = NULL;
	int ret;

	if (argc < 4) {
		fprintf(stderr, "usage: %s CONFIG.yaml INSTANCE MESSAGE...\n", argv[0]);
		return 2;
	}
	app.msgs = argv + 3;
	app.n_msgs = argc - 3;
	ret = icmsg_config_load(argv[1], &cfg, &error);
	if (ret < 0) {
		fprintf(stderr, "%s\n", error ? error : strerror(-ret));
		free(error);
		return 1;
	}
	lc = icmsg_config_find(cfg, argv[2]);
	app.base = event_base_new();
	if (!lc || !app.base) {
		fprintf(stderr, "%s\n", lc ? "out of memory" : "no such instance");
		goto out;
	}
	/* Callbacks may run already here, if the remote core is up. */
	ret = icmsg_link_open(lc, &opts, &app.link);
	if (ret < 0) {
		fprintf(stderr, "cannot open '%s': %s\n", argv[2], strerror(-ret));
		goto out;
	}
	ev = event_new(app.base, icmsg_link_get_fd(app.link), EV_READ | EV_PERSIST, on_readable,
		       &app);
	/* A timer is an event without an fd: once, after the timeout. */
	timer = evtimer_new(app.base, on_timeout, &app);
	if (!ev || event_add(ev, NULL) < 0 || !timer || evtimer_add(timer, &timeout) < 0) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	/* A loop break before the loop runs would be forgotten: check first. */
	if (!app.done)
		event_base_dispatch(app.base);
out:
	if (timer)
		event_free(timer);
	if (ev)
		event_free(ev);
	icmsg_link_close(app.link);
	if (app.base)
		event_base_free(app.base);
	icmsg_config_free(cfg);
	return app.status;
}
