// SPDX-License-Identifier: MIT
/*
 * icmsg-cli config - check icmsgd configuration files as `icmsgd
 * --check-config` does (same loader, same probes, same messages), and list
 * their instance names for scripts and shell completion.
 *
 * The checks mirror daemon/main.c's check_config(): the daemon is not a
 * library, and its pieces (the probe note, the socket and account checks)
 * are icmsgd policy rather than libicmsg API, so they are repeated here in
 * a form that collects lines for --json. Keep the wording of both in step.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static void print_help(void)
{
	printf("Usage: %s config check [OPTIONS]... FILE...\n", CLI_PROG);
	printf("       %s config instances FILE...\n", CLI_PROG);
	printf("\nLoad FILE (the main configuration) and the other FILEs (drop-ins, as\n"
	       "icmsgd's conf.d/*.yaml) as one configuration, the way icmsgd does.\n");
	printf("\ncheck: validate it as 'icmsgd --check-config' does: print every error,\n"
	       "then check that what each instance names exists on this machine (region\n"
	       "files, FIFOs, UIO devices and maps, /dev/mem, sockets, users, groups;\n"
	       "nothing is created). On a machine without UIO or /dev/mem that is a\n"
	       "note, not an error. Prints \"configuration OK: N instances\" and exits 0\n"
	       "if valid, exits 1 if not.\n");
	printf("\ninstances: print the name of each instance, one per line.\n");
	printf("\nOptions:\n");
	printf("  -q, --quiet                check: print nothing, only set the exit status\n");
	printf("  -j, --json                 check: print one JSON object: ok, instances\n"
	       "                             (name, ok, socket), errors and notes (the lines,\n"
	       "                             without \"%s: \")\n",
	       CLI_PROG);
	printf("  -h, --help                 display this help and exit\n");
}

/* ------------------------------------------------------------------------ */
/* What a check found                                                       */

/** struct lines - a growable list of malloc'd lines. */
struct lines {
	char **v;
	size_t n, cap;
};

/**
 * struct report - the outcome of a check, printed at once (text) or at the
 * end (JSON).
 * @json:   collect the lines for the JSON object instead of printing them.
 * @quiet:  print nothing.
 * @oom:    a line was lost for want of memory (the check then fails).
 */
struct report {
	bool json, quiet, oom;
	struct lines errors, notes;
};

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct lines){ 0 };
}

static bool lines_push(struct lines *l, char *line)
{
	char **grown;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;

		grown = reallocarray(l->v, cap, sizeof(*grown));
		if (!grown)
			return false;
		l->v = grown;
		l->cap = cap;
	}
	l->v[l->n++] = line;
	return true;
}

/*
 * One problem or note. @raw lines come from the library ("file:line: key:
 * message") and are printed as they are, as icmsgd prints them; ours get
 * the program name in front, as icmsgd's own do.
 */
static void report_line(struct report *r, bool note, bool raw, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report_line(struct report *r, bool note, bool raw, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0) {
		r->oom = true;
		return;
	}
	if (r->json) {
		if (!lines_push(note ? &r->notes : &r->errors, line)) {
			free(line);
			r->oom = true;
		}
		return;
	}
	if (!r->quiet)
		fprintf(stderr, "%s%s%s\n", raw ? "" : CLI_PROG, raw ? "" : ": ", line);
	free(line);
}

/* Each line of the library's error text. */
static void report_text(struct report *r, const char *text)
{
	const char *p = text, *nl;

	while (p && *p) {
		nl = strchr(p, '\n');
		report_line(r, false, true, "%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
		p = nl ? nl + 1 : NULL;
	}
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */

/*
 * Load @paths (main file first) as one configuration.
 * Return: 0, or a negative errno with the errors reported to @r.
 */
static int load(char **paths, size_t n, struct report *r, struct icmsg_config **ret)
{
	char *error = NULL;
	int err;

	err = icmsg_config_load_files((const char *const *)paths, n, ret, &error);
	if (err < 0) {
		/* icmsgd's fallback line when the library has no text. */
		if (error)
			report_text(r, error);
		else
			report_line(r, false, true, "%s: cannot load the configuration: %s",
				    paths[0], strerror(-err));
	}
	free(error);
	return err;
}

/* ------------------------------------------------------------------------ */
/* The machine checks of icmsgd --check-config                              */

/* A user or group name, or a number (as icmsgd accepts them). */
static bool is_id_number(const char *s)
{
	unsigned long v;
	char *end;

	if (!(s[0] >= '0' && s[0] <= '9'))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	return !errno && *end == '\0' && v < UINT_MAX;
}

static bool user_exists(const char *name)
{
	return getpwnam(name) || is_id_number(name);
}

static bool group_exists(const char *name)
{
	return getgrnam(name) || is_id_number(name);
}

/*
 * What the library finds of the instance's files, FIFOs and devices on this
 * machine. Without UIO or /dev/mem (a build host) it cannot tell: a note.
 * Return: true if the instance passed.
 */
static bool probe_instance(struct report *r, const struct icmsg_link_config *lc)
{
	char *msg = NULL;
	int err = icmsg_link_config_probe(lc, &msg);

	if (err == -EOPNOTSUPP)
		report_line(r, true, false, "instance '%s': note: not checked: %s", lc->name,
			    msg ? msg : "this machine has no UIO or /dev/mem");
	else if (err < 0)
		report_line(r, false, false, "instance '%s': %s", lc->name,
			    msg ? msg : strerror(-err));
	free(msg);
	return err >= 0 || err == -EOPNOTSUPP;
}

/* The instance socket's path, owner and group. Return: true if they pass. */
static bool check_socket(struct report *r, const char *inst, const struct icmsg_relay_config *rc)
{
	static const char fmt[] = "instance '%s': %s -- '%s': %s";
	struct stat st;
	bool good = true;

	if (rc->socket_path && lstat(rc->socket_path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		report_line(r, false, false, fmt, inst, "socket.path", rc->socket_path,
			    "exists and is not a socket");
		good = false;
	}
	if (rc->socket_owner && !user_exists(rc->socket_owner)) {
		report_line(r, false, false, fmt, inst, "socket.owner", rc->socket_owner,
			    "no such user");
		good = false;
	}
	if (rc->socket_group && !group_exists(rc->socket_group)) {
		report_line(r, false, false, fmt, inst, "socket.group", rc->socket_group,
			    "no such group");
		good = false;
	}
	return good;
}

/* ------------------------------------------------------------------------ */
/* JSON output                                                              */

/* @s as a JSON string, or null. */
static void put_string(const char *s)
{
	if (s)
		cli_json_write_string(stdout, s);
	else
		fputs("null", stdout);
}

static void put_strings(const struct lines *l)
{
	putchar('[');
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			putchar(',');
		put_string(l->v[i]);
	}
	putchar(']');
}

/*
 * What a client needs of an instance (cf. client.py): its name and socket.
 * The regions and doorbells are `icmsg-cli dump --json`'s business.
 */
static void put_instance(const struct icmsg_link_config *lc, const struct icmsg_relay_config *rc,
			 bool ok)
{
	fputs("{\"name\":", stdout);
	put_string(lc->name);
	printf(",\"ok\":%s,\"socket\":", ok ? "true" : "false");
	put_string(rc ? rc->socket_path : NULL);
	putchar('}');
}

/* ------------------------------------------------------------------------ */
/* Actions                                                                  */

static int config_check(char **paths, size_t n_paths, bool quiet, bool json)
{
	struct report r = { .json = json, .quiet = quiet };
	const struct icmsg_daemon_config *dc;
	const struct icmsg_link_config *lc;
	const struct icmsg_relay_config *rc;
	struct icmsg_config *cfg = NULL;
	bool *passed = NULL, good;
	size_t i, n = 0;

	good = load(paths, n_paths, &r, &cfg) == 0;
	if (good) {
		n = icmsg_config_count(cfg);
		passed = calloc(n ? n : 1, sizeof(*passed));
		if (!passed)
			r.oom = true;
	}
	for (i = 0; passed && i < n; i++) {
		lc = icmsg_config_get(cfg, i);
		rc = icmsg_config_get_relay(cfg, i);
		/* Both run: each reports its own problems. */
		passed[i] = probe_instance(&r, lc);
		if (rc && !check_socket(&r, lc->name, rc))
			passed[i] = false;
		good = good && passed[i];
	}
	if (cfg) {
		dc = icmsg_config_get_daemon(cfg);
		if (dc->control_group && !group_exists(dc->control_group)) {
			report_line(&r, false, false, "daemon.control-group: no such group -- '%s'",
				    dc->control_group);
			good = false;
		}
	}
	if (r.oom) {
		good = false;
		if (!quiet)
			cli_err("out of memory", NULL);
	}
	if (json) {
		printf("{\"ok\":%s,\"instances\":[", good ? "true" : "false");
		for (i = 0; passed && i < n; i++) {
			if (i)
				putchar(',');
			put_instance(icmsg_config_get(cfg, i), icmsg_config_get_relay(cfg, i),
				     passed[i]);
		}
		fputs("],\"errors\":", stdout);
		put_strings(&r.errors);
		fputs(",\"notes\":", stdout);
		put_strings(&r.notes);
		fputs("}\n", stdout);
	} else if (good && !quiet) {
		printf("configuration OK: %zu instances\n", n);
	}
	free(passed);
	icmsg_config_free(cfg);
	lines_free(&r.errors);
	lines_free(&r.notes);
	return good ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

static int config_instances(char **paths, size_t n_paths)
{
	struct report r = { 0 };
	struct icmsg_config *cfg = NULL;
	const struct icmsg_link_config *lc;

	if (load(paths, n_paths, &r, &cfg) < 0)
		return CLI_EXIT_ERROR;
	for (size_t i = 0; (lc = icmsg_config_get(cfg, i)); i++)
		printf("%s\n", lc->name);
	icmsg_config_free(cfg);
	return CLI_EXIT_OK;
}

int cmd_config(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *action = NULL;
	bool quiet = false, json = false;
	int opt;

	/* The action may come before or after the options. */
	while ((opt = getopt_long(argc, argv, ":qjh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quiet = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			print_help();
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(opt, argv, longopts);
		}
	}
	if (optind < argc)
		action = argv[optind++];
	if (!action) {
		cli_err("no action given (check or instances), see --help", NULL);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(action, "check") != 0 && strcmp(action, "instances") != 0) {
		cli_err("unknown action (expected check or instances)", action);
		return CLI_EXIT_USAGE;
	}
	if (optind >= argc) {
		cli_err("no configuration file given, see --help", NULL);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(action, "instances") == 0) {
		if (quiet || json) {
			cli_err("instances takes no --quiet or --json", NULL);
			return CLI_EXIT_USAGE;
		}
		return config_instances(argv + optind, (size_t)(argc - optind));
	}
	if (quiet && json) {
		cli_err("--quiet and --json exclude each other", NULL);
		return CLI_EXIT_USAGE;
	}
	return config_check(argv + optind, (size_t)(argc - optind), quiet, json);
}
