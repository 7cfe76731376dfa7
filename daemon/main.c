// SPDX-License-Identifier: MIT
/*
 * icmsgd - own the ICMsg links of a machine and relay each one to a Unix
 * domain socket (docs/icmsgd.md). This file holds the command line, the
 * configuration (main file plus conf.d drop-ins), signals, reload and the
 * service manager notifications; relay.c does the work.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "icmsg/icmsg.h"
#include "control.h"
#include "json.h"
#include "log.h"
#include "notify.h"
#include "privilege.h"
#include "relay.h"
#include "util.h"

#define PROG "icmsgd"

#ifndef ICMSGD_CONFIG_FILE
#define ICMSGD_CONFIG_FILE "/etc/icmsgd/icmsgd.yaml"
#endif
#ifndef ICMSGD_CONF_DIR
#define ICMSGD_CONF_DIR "/etc/icmsgd/conf.d"
#endif

/* How long SIGTERM waits for client messages already read to enter the rings. */
#define STOP_FLUSH_MS 1000

enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
};

struct daemon {
	struct event_base *base;
	struct relay_env env;
	struct control *control;
	struct relay **relays;
	size_t n_relays;
	const char *config_path;
	const char *conf_dir;
	struct event *ev_hup, *ev_term, *ev_int, *ev_deadline;
	bool ready;     /* READY=1 sent: STATUS= updates may follow */
	bool reloading; /* the summary is sent once the reload is done */
	bool stopping;  /* SIGTERM seen */
	bool draining;  /* every relay shut down: exit once their input is in */
	char status[80];
	char *user, *group; /* daemon.user and .group in force, NULL if none */
};

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dropin(const char *dir, const char *name)
{
	size_t len = strlen(name);
	struct stat st;
	char *path;
	bool ok;

	/* "*.yaml" as a shell glob sees it: hidden files are not matched. */
	if (name[0] == '.' || len <= 5 || strcmp(name + len - 5, ".yaml") != 0)
		return false;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return false;
	ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return ok;
}

/*
 * The drop-ins of @dir, full paths in name order (byte order, whatever the
 * locale). A missing directory has none.
 * Return: 0 or a negative errno; *@ret and its strings must be freed.
 */
static int list_dropins(const char *dir, char ***ret, size_t *ret_n)
{
	struct dirent *de;
	char **names = NULL, **grown;
	size_t n = 0, cap = 0;
	DIR *d;
	int err = 0;

	*ret = NULL;
	*ret_n = 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!is_dropin(dir, de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			grown = realloc(names, cap * sizeof(*names));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			names = grown;
		}
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (err) {
		while (n)
			free(names[--n]);
		free(names);
		return err;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	*ret = names;
	*ret_n = n;
	return 0;
}

/*
 * Load the main file and the drop-ins as one configuration.
 * Return: 0, or a negative errno with *@ret_error set to the text to show
 * (one line per error; must be freed).
 */
static int load_config(const char *main_path, const char *conf_dir, struct icmsg_config **ret,
		       char **ret_error)
{
	char **dropins = NULL;
	const char **paths;
	size_t n = 0, i;
	int err;

	*ret_error = NULL;
	err = list_dropins(conf_dir, &dropins, &n);
	if (err < 0) {
		if (asprintf(ret_error, "%s: cannot read the drop-in directory: %s", conf_dir,
			     strerror(-err)) < 0)
			*ret_error = NULL;
		return err;
	}
	paths = malloc((n + 1) * sizeof(*paths));
	if (!paths) {
		err = -ENOMEM;
		goto out;
	}
	paths[0] = main_path;
	for (i = 0; i < n; i++)
		paths[i + 1] = dropins[i];
	err = icmsg_config_load_files(paths, n + 1, ret, ret_error);
	free(paths);
out:
	if (err < 0 && !*ret_error &&
	    asprintf(ret_error, "%s: cannot load the configuration: %s", main_path,
		     strerror(-err)) < 0)
		*ret_error = NULL;
	for (i = 0; i < n; i++)
		free(dropins[i]);
	free(dropins);
	return err;
}

/* Log each line of @text at @priority. */
static void log_lines(int priority, const char *text)
{
	const char *p = text, *nl;

	while (p && *p) {
		nl = strchr(p, '\n');
		log_printf(priority, "%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
		p = nl ? nl + 1 : NULL;
	}
}

/* The control socket path: relative ones live in the runtime directory. */
static char *control_path(const struct icmsg_daemon_config *dc)
{
	const char *dir = dc->runtime_dir ? dc->runtime_dir : "/run/icmsgd";
	char *path;

	if (dc->control_socket && dc->control_socket[0] == '/')
		return strdup(dc->control_socket);
	if (asprintf(&path, "%s/%s", dir, dc->control_socket ? dc->control_socket
							       : "control.sock") < 0)
		return NULL;
	return path;
}

/* Runtime directory and control socket. Return: 0 or a negative errno. */
static int apply_daemon_section(struct daemon *d, const struct icmsg_config *cfg)
{
	const struct icmsg_daemon_config *dc = icmsg_config_get_daemon(cfg);
	char why[256], *path;
	int ret;

	if (dc->runtime_dir) {
		ret = mkdir_p(dc->runtime_dir, 0755);
		if (ret < 0)
			log_printf(LOG_ERR, "cannot create the runtime directory %s: %s",
				   dc->runtime_dir, strerror(-ret));
	}
	path = control_path(dc);
	if (!path) {
		log_printf(LOG_ERR, "out of memory");
		return -ENOMEM;
	}
	ret = control_listen(d->control, path, dc->control_mode, dc->control_group, why,
			     sizeof(why));
	if (ret < 0)
		log_printf(LOG_ERR, "control socket: %s", why);
	else
		log_printf(LOG_DEBUG, "control socket at %s", path);
	free(path);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Service manager                                                          */

static size_t count_bound(const struct daemon *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->n_relays; i++)
		if (relay_is_bound(d->relays[i]))
			n++;
	return n;
}

static void notify(const char *state)
{
	int ret = notify_send(state);

	if (ret < 0)
		log_printf(LOG_WARNING, "cannot notify the service manager: %s", strerror(-ret));
}

/* STATUS= with the summary, if it changed since the last one. */
static void update_status(struct daemon *d, bool ready)
{
	char status[sizeof(d->status)], msg[sizeof(d->status) + 16];

	snprintf(status, sizeof(status), "%zu instances, %zu bound", d->n_relays,
		 count_bound(d));
	if (!ready && (!d->ready || strcmp(status, d->status) == 0))
		return;
	snprintf(d->status, sizeof(d->status), "%s", status);
	snprintf(msg, sizeof(msg), "%sSTATUS=%s", ready ? "READY=1\n" : "", status);
	notify(msg);
	d->ready = true;
}

static bool any_pending(const struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->n_relays; i++)
		if (relay_has_pending(d->relays[i]))
			return true;
	return false;
}

static void on_relay_changed(void *userdata)
{
	struct daemon *d = userdata;

	if (d->stopping) {
		if (d->draining && !any_pending(d))
			event_base_loopbreak(d->base);
		return;
	}
	if (!d->reloading)
		update_status(d, false);
}

static int status_of(struct jbuf *out, const char *name, void *userdata)
{
	struct daemon *d = userdata;
	bool found = false;
	size_t i;

	for (i = 0; i < d->n_relays; i++) {
		if (name && strcmp(name, relay_name(d->relays[i])) != 0)
			continue;
		if (found)
			jbuf_add(out, ",");
		relay_status(d->relays[i], out);
		found = true;
	}
	return name && !found ? -ENOENT : 0;
}

/* ------------------------------------------------------------------------ */
/* Instances                                                                */

static struct relay *start_instance(struct daemon *d, const struct icmsg_config *cfg, size_t i)
{
	const struct icmsg_link_config *lc = icmsg_config_get(cfg, i);
	const struct icmsg_relay_config *rc = icmsg_config_get_relay(cfg, i);
	struct relay *r;

	if (!lc || !rc)
		return NULL;
	r = relay_new(&d->env, lc, rc);
	if (!r) {
		log_printf(LOG_ERR, "instance %s: out of memory", lc->name ? lc->name : "?");
		return NULL;
	}
	log_printf(LOG_INFO, "instance %s: socket %s", relay_name(r), rc->socket_path);
	relay_start(r);
	return r;
}

static int start_all(struct daemon *d, const struct icmsg_config *cfg)
{
	size_t i, n = icmsg_config_count(cfg);
	struct relay *r;

	d->relays = calloc(n ? n : 1, sizeof(*d->relays));
	if (!d->relays)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		r = start_instance(d, cfg, i);
		if (r)
			d->relays[d->n_relays++] = r;
	}
	return 0;
}

/* The index of instance @name in @cfg, or -1. */
static long find_instance(const struct icmsg_config *cfg, const char *name)
{
	const struct icmsg_link_config *lc;
	size_t i;

	for (i = 0; (lc = icmsg_config_get(cfg, i)); i++)
		if (lc->name && strcmp(lc->name, name) == 0)
			return (long)i;
	return -1;
}

static void reload_event(struct daemon *d, size_t n)
{
	struct timespec now = realtime_now();
	struct jbuf j;

	jbuf_init(&j);
	jbuf_printf(&j, "{\"event\":\"reload\",\"instances\":%zu,\"time\":", n);
	jbuf_time(&j, &now);
	jbuf_add(&j, "}");
	control_event(d->control, &j);
	jbuf_free(&j);
}

/*
 * Make the running instances those of @cfg: unchanged ones are left alone
 * (links and clients untouched), changed ones restart, removed ones stop,
 * added ones start. Stops come first, so that a socket path or a region
 * passed from one instance to another is free when the new one opens it.
 */
static void apply_instances(struct daemon *d, const struct icmsg_config *cfg)
{
	size_t n = icmsg_config_count(cfg), i, kept = 0, added = 0, changed = 0, removed = 0;
	struct relay **next, **keep, **old;
	size_t n_old;
	bool *was_changed;
	struct relay *r;
	long idx;

	next = calloc(n ? n : 1, sizeof(*next));
	keep = calloc(n ? n : 1, sizeof(*keep));
	was_changed = calloc(n ? n : 1, sizeof(*was_changed));
	if (!next || !keep || !was_changed) {
		log_printf(LOG_ERR, "reload failed: out of memory");
		goto out;
	}
	/* From here on d->relays only ever holds live relays. */
	old = d->relays;
	n_old = d->n_relays;
	d->relays = next;
	d->n_relays = 0;
	next = NULL;
	for (i = 0; i < n_old; i++) {
		r = old[i];
		idx = find_instance(cfg, relay_name(r));
		if (idx >= 0 && relay_config_equal(r, icmsg_config_get(cfg, (size_t)idx),
						   icmsg_config_get_relay(cfg, (size_t)idx))) {
			keep[idx] = r;
			continue;
		}
		if (idx >= 0) {
			was_changed[idx] = true;
			log_printf(LOG_NOTICE, "instance %s: configuration changed, restarting",
				   relay_name(r));
		} else {
			removed++;
			log_printf(LOG_NOTICE, "instance %s: removed", relay_name(r));
		}
		relay_free(r);
	}
	free(old);
	for (i = 0; i < n; i++) {
		if (keep[i]) {
			d->relays[d->n_relays++] = keep[i];
			kept++;
			continue;
		}
		if (was_changed[i])
			changed++;
		else
			added++;
		r = start_instance(d, cfg, i);
		if (r)
			d->relays[d->n_relays++] = r;
	}
	log_printf(LOG_NOTICE,
		   "configuration reloaded: %zu instances (%zu unchanged, %zu changed, %zu added, "
		   "%zu removed)",
		   d->n_relays, kept, changed, added, removed);
out:
	free(next);
	free(keep);
	free(was_changed);
}

/* ------------------------------------------------------------------------ */
/* Signals                                                                  */

static bool same_name(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void on_hup(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct icmsg_config *cfg = NULL;
	char *error = NULL, msg[64];
	int ret;

	(void)fd;
	(void)what;
	if (d->stopping)
		return;
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)monotonic_us());
	notify(msg);
	log_printf(LOG_NOTICE, "reloading the configuration");
	ret = load_config(d->config_path, d->conf_dir, &cfg, &error);
	if (ret < 0) {
		log_lines(LOG_ERR, error ? error : "cannot load the configuration");
		log_printf(LOG_ERR, "reload refused: the configuration has errors; "
				    "the running instances stay as they are");
		free(error);
		update_status(d, true);
		return;
	}
	/* A control socket that cannot move keeps the old one: logged. */
	apply_daemon_section(d, cfg);
	if (!same_name(icmsg_config_get_daemon(cfg)->user, d->user) ||
	    !same_name(icmsg_config_get_daemon(cfg)->group, d->group))
		log_printf(LOG_WARNING, "daemon.user and daemon.group take effect at the next "
				       "start, not at a reload");
	d->reloading = true;
	apply_instances(d, cfg);
	d->reloading = false;
	reload_event(d, d->n_relays);
	icmsg_config_free(cfg);
	update_status(d, true);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	log_printf(LOG_WARNING, "stopping: client messages not yet in the rings are dropped");
	event_base_loopbreak(d->base);
}

static void on_term(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { STOP_FLUSH_MS / 1000, (STOP_FLUSH_MS % 1000) * 1000 };
	struct daemon *d = arg;
	size_t i;

	(void)what;
	if (d->stopping) {
		event_base_loopbreak(d->base); /* a second signal: now */
		return;
	}
	log_printf(LOG_NOTICE, "signal %d: stopping", (int)fd);
	notify("STOPPING=1");
	d->stopping = true;
	control_stop_listening(d->control);
	for (i = 0; i < d->n_relays; i++)
		relay_shutdown(d->relays[i]);
	d->draining = true;
	if (!any_pending(d))
		event_base_loopbreak(d->base);
	else
		evtimer_add(d->ev_deadline, &tv);
}

/* ------------------------------------------------------------------------ */
/* --check-config                                                           */

static int problem(const char *inst, const char *what, const char *path, const char *why)
{
	fprintf(stderr, "%s: instance '%s': %s -- '%s': %s\n", PROG, inst, what, path, why);
	return 1;
}

static int check_socket(const char *inst, const char *path, const char *owner,
			const char *group)
{
	struct stat st;
	uid_t uid;
	gid_t gid;
	int bad = 0;

	if (path && lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		bad |= problem(inst, "socket.path", path, "exists and is not a socket");
	if (owner && lookup_user(owner, &uid) < 0)
		bad |= problem(inst, "socket.owner", owner, "no such user");
	if (group && lookup_group(group, &gid) < 0)
		bad |= problem(inst, "socket.group", group, "no such group");
	return bad;
}

/*
 * What the library finds of the instance's files, FIFOs and devices on this
 * machine (it never creates anything). A machine without UIO or /dev/mem (a
 * build host) cannot tell: a note, not a failure.
 */
static int probe_instance(const struct icmsg_link_config *lc)
{
	char *msg = NULL;
	int err = icmsg_link_config_probe(lc, &msg);

	if (err == -EOPNOTSUPP)
		fprintf(stderr, "%s: instance '%s': note: not checked: %s\n", PROG, lc->name,
			msg ? msg : "this machine has no UIO or /dev/mem");
	else if (err < 0)
		fprintf(stderr, "%s: instance '%s': %s\n", PROG, lc->name,
			msg ? msg : strerror(-err));
	free(msg);
	return err < 0 && err != -EOPNOTSUPP;
}

static int check_config(const char *config_path, const char *conf_dir)
{
	const struct icmsg_daemon_config *dc;
	const struct icmsg_link_config *lc;
	const struct icmsg_relay_config *rc;
	struct icmsg_config *cfg = NULL;
	char *error = NULL;
	size_t i, n;
	gid_t gid;
	int bad = 0;

	if (load_config(config_path, conf_dir, &cfg, &error) < 0) {
		fprintf(stderr, "%s\n", error ? error : "cannot load the configuration");
		free(error);
		return EXIT_ERROR;
	}
	n = icmsg_config_count(cfg);
	for (i = 0; i < n; i++) {
		lc = icmsg_config_get(cfg, i);
		rc = icmsg_config_get_relay(cfg, i);
		bad |= probe_instance(lc);
		if (rc)
			bad |= check_socket(lc->name, rc->socket_path, rc->socket_owner,
					    rc->socket_group);
	}
	dc = icmsg_config_get_daemon(cfg);
	if (dc->control_group && lookup_group(dc->control_group, &gid) < 0) {
		fprintf(stderr, "%s: daemon.control-group: no such group -- '%s'\n", PROG,
			dc->control_group);
		bad = 1;
	}
	icmsg_config_free(cfg);
	if (bad)
		return EXIT_ERROR;
	printf("configuration OK: %zu instances\n", n);
	return EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* main                                                                     */

static void print_help(void)
{
	printf("Usage: %s [OPTIONS]...\n", PROG);
	printf("\nOwn the ICMsg links of this machine and relay each one to a Unix domain\n"
	       "socket (one SOCK_SEQPACKET datagram = one message).\n");
	printf("\nOptions:\n");
	printf("  -c, --config FILE     main configuration (default: %s)\n", ICMSGD_CONFIG_FILE);
	printf("  -d, --conf-dir DIR    drop-in directory, every *.yaml in name order\n"
	       "                        (default: %s)\n", ICMSGD_CONF_DIR);
	printf("      --check-config    validate the configuration, print the result and exit\n");
	printf("  -v, --verbose         log debug messages too\n");
	printf("  -q, --quiet           log warnings and errors only\n");
	printf("  -h, --help            display this help and exit\n");
	printf("  -V, --version         display the version and exit\n");
	printf("\nSignals: SIGHUP reloads the configuration, SIGTERM and SIGINT stop.\n");
}

static void usage_error(const char *what, const char *arg)
{
	if (arg)
		fprintf(stderr, "%s: %s -- '%s'\n", PROG, what, arg);
	else
		fprintf(stderr, "%s: %s\n", PROG, what);
	fprintf(stderr, "Try '%s --help' for more information.\n", PROG);
}

static void daemon_free(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->n_relays; i++)
		relay_free(d->relays[i]);
	free(d->relays);
	d->relays = NULL;
	d->n_relays = 0;
	control_free(d->control);
	d->control = NULL;
	if (d->ev_hup)
		event_free(d->ev_hup);
	if (d->ev_term)
		event_free(d->ev_term);
	if (d->ev_int)
		event_free(d->ev_int);
	if (d->ev_deadline)
		event_free(d->ev_deadline);
	if (d->base)
		event_base_free(d->base);
	free(d->user);
	free(d->group);
	notify_close();
}

/*
 * daemon.user and daemon.group: give up root now that every socket listens
 * and every link is open. What a reload or a retried open needs later is
 * done with the user's rights (docs/security.md).
 */
static int drop_privileges(struct daemon *d, const struct icmsg_daemon_config *dc)
{
	char why[256];
	int ret;

	ret = privilege_drop(dc->user, dc->group, why, sizeof(why));
	if (ret < 0) {
		log_printf(LOG_ERR, "%s", why);
		return ret;
	}
	if (!dc->user)
		return 0;
	d->user = strdup(dc->user);
	d->group = dc->group ? strdup(dc->group) : NULL;
	if (!d->user || (dc->group && !d->group))
		return -ENOMEM;
	log_printf(LOG_NOTICE, "running as user %s (uid %u), group %u", dc->user,
		   (unsigned int)getuid(), (unsigned int)getgid());
	return 0;
}

static int run(struct daemon *d)
{
	struct icmsg_config *cfg = NULL;
	struct sigaction sa;
	char *error = NULL;
	int ret = EXIT_ERROR;

	if (load_config(d->config_path, d->conf_dir, &cfg, &error) < 0) {
		log_lines(LOG_ERR, error ? error : "cannot load the configuration");
		free(error);
		return EXIT_ERROR;
	}
	/* Writes to departed clients report EPIPE instead of killing us. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	d->base = event_base_new();
	if (!d->base)
		goto err_oom;
	d->env.base = d->base;
	d->env.changed = on_relay_changed;
	d->env.userdata = d;
	d->control = control_new(d->base, status_of, d);
	d->ev_hup = evsignal_new(d->base, SIGHUP, on_hup, d);
	d->ev_term = evsignal_new(d->base, SIGTERM, on_term, d);
	d->ev_int = evsignal_new(d->base, SIGINT, on_term, d);
	d->ev_deadline = evtimer_new(d->base, on_deadline, d);
	if (!d->control || !d->ev_hup || !d->ev_term || !d->ev_int || !d->ev_deadline)
		goto err_oom;
	if (event_add(d->ev_hup, NULL) < 0 || event_add(d->ev_term, NULL) < 0 ||
	    event_add(d->ev_int, NULL) < 0)
		goto err_oom;
	d->env.control = d->control;

	/* Without a control socket the daemon cannot be observed: refuse to
	 * start, as for any other configuration error. */
	if (apply_daemon_section(d, cfg) < 0)
		goto out;
	if (start_all(d, cfg) < 0)
		goto err_oom;
	/* Asked not to run as root: not starting beats running as root. */
	if (drop_privileges(d, icmsg_config_get_daemon(cfg)) < 0)
		goto out;
	log_printf(LOG_NOTICE, "%s %s running: %zu instances", PROG, ICMSG_VERSION, d->n_relays);
	icmsg_config_free(cfg);
	cfg = NULL;
	/* Every socket listens; every link is open or in the error state. */
	update_status(d, true);

	if (event_base_dispatch(d->base) < 0) {
		log_printf(LOG_ERR, "event loop failed");
		goto out;
	}
	log_printf(LOG_NOTICE, "stopped");
	ret = EXIT_OK;
	goto out;

err_oom:
	log_printf(LOG_ERR, "out of memory");
out:
	icmsg_config_free(cfg);
	daemon_free(d);
	return ret;
}

int main(int argc, char **argv)
{
	enum { OPT_CHECK_CONFIG = 0x100 };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "conf-dir", required_argument, NULL, 'd' },
		{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = {
		.config_path = ICMSGD_CONFIG_FILE,
		.conf_dir = ICMSGD_CONF_DIR,
	};
	bool check = false;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:d:vqhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			d.config_path = optarg;
			break;
		case 'd':
			d.conf_dir = optarg;
			break;
		case OPT_CHECK_CONFIG:
			check = true;
			break;
		case 'v':
			log_max_priority = LOG_DEBUG;
			break;
		case 'q':
			log_max_priority = LOG_WARNING;
			break;
		case 'h':
			print_help();
			return EXIT_OK;
		case 'V':
			printf("%s %s (libicmsg %s)\n", PROG, ICMSG_VERSION,
			       icmsg_version_string());
			return EXIT_OK;
		case ':':
			usage_error("option requires an argument", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			usage_error("unknown option", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage_error("unexpected argument", argv[optind]);
		return EXIT_USAGE;
	}
	if (check)
		return check_config(d.config_path, d.conf_dir);
	return run(&d);
}
