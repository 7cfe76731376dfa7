// SPDX-License-Identifier: MIT
/*
 * config - the YAML loader (spec 5.3) and the loaded configuration:
 * icmsg_config_load*() and the icmsg_config_*() getters. The rules of one
 * instance are config-check.c's, run on every instance read; the checks
 * between instances are here, since they work on what only the loader
 * knows: the line of each key, the fields already reported, the file.
 *
 * Error lines of icmsg_config_load() all have the form
 *
 *	FILE:LINE: KEY: message
 *
 * FILE is the path as the caller gave it and LINE is 1-based. KEY is the
 * dotted path of the key at fault from the document root, with sequence
 * indices in brackets: "instances[1].tx-region.size". Errors that belong to
 * no key (YAML syntax, a document that is not a mapping, a second document)
 * use the KEY "yaml". A missing key is reported at the line of the mapping
 * that lacks it (the line of its own key, or of its "- " item). The lines are
 * sorted by line number, ties in the order they were found.
 *
 * A region, and a doorbell written as a mapping, name their backend with
 * exactly one key (path, uio or address; fifo, eventfd, uio or registers);
 * keys that do not apply to it are refused, not ignored. The rules of the
 * resulting struct (types, directions, register accesses) are the
 * checker's, shared with icmsg_link_config_check().
 *
 * icmsg_config_load_files() loads a main file and drop-ins as one
 * configuration (docs/icmsgd.md). Each error line names its own file; the
 * lines are grouped by file in the order the caller gave them. The checks
 * between instances (names, regions, FIFOs, eventfds, socket paths) span all
 * files and report at the later instance; one in another file is named
 * "FILE:LINE" instead of "line LINE". The "daemon" section is read from the
 * main file only, before its instances, because socket paths resolve against
 * its runtime-dir: unlike region and FIFO paths, which stay relative to the
 * YAML file, sockets live in the daemon's own directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <yaml.h>

#include "config.h"
#include "internal.h"

/* A config file is a few kilobytes; refuse to slurp anything huge. */
#define FILE_MAX_SIZE (1024 * 1024)
/* Longest piece of file content quoted in a message, so lines stay short. */
#define QUOTE_MAX 40
#define KEY_BUF 192
/* Longest socket path: sun_path keeps one byte for the NUL. */
#define SOCKET_PATH_MAX (sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)
/* Quote buffer for a socket path: all of a valid one, more gets cut. */
#define PATH_QUOTE_BUF (SOCKET_PATH_MAX + 5)
/* useradd's limit, and what getpwnam() users expect. */
#define ACCOUNT_MAX_LEN 32
#define QUEUE_LIMIT_MAX 1000000
#define DEFAULT_RUNTIME_DIR "/run/icmsgd"
#define DEFAULT_MODE 0660

/* ------------------------------------------------------------------------ */
/* Loaded configurations                                                    */

/*
 * Most strings of one instance: a path, UIO device and map name for each
 * region and register window, a FIFO or UIO device for each doorbell.
 */
#define ENTRY_STRINGS 16

/*
 * struct config_entry - one instance and the strings its configs point to.
 * @sock_path is the resolved (absolute) socket path once loading succeeded;
 * @strings are the other strings of @cfg, each key's parsed at most once.
 */
struct config_entry {
	struct icmsg_link_config cfg;
	struct icmsg_relay_config relay;
	char *name;
	char *strings[ENTRY_STRINGS];
	size_t n_strings;
	char *sock_path, *sock_owner, *sock_group;
};

struct icmsg_config {
	size_t count;
	struct config_entry *entries;
	struct icmsg_daemon_config daemon; /* points to the strings below */
	char *runtime_dir, *control_socket, *control_group, *user, *group;
};

/* What icmsg_config_get_daemon() gives without a configuration. */
static const struct icmsg_daemon_config default_daemon = {
	.runtime_dir = DEFAULT_RUNTIME_DIR,
	.control_socket = DEFAULT_RUNTIME_DIR "/control.sock",
	.control_mode = DEFAULT_MODE,
	.control_group = NULL,
};

static void entries_free(struct config_entry *e, size_t n)
{
	size_t i, j;

	for (i = 0; e && i < n; i++) {
		free(e[i].name);
		for (j = 0; j < e[i].n_strings; j++)
			free(e[i].strings[j]);
		free(e[i].sock_path);
		free(e[i].sock_owner);
		free(e[i].sock_group);
	}
	free(e);
}

ICMSG_EXPORT struct icmsg_config *icmsg_config_free(struct icmsg_config *cfg)
{
	if (cfg) {
		entries_free(cfg->entries, cfg->count);
		free(cfg->runtime_dir);
		free(cfg->control_socket);
		free(cfg->control_group);
		free(cfg->user);
		free(cfg->group);
		free(cfg);
	}
	return NULL;
}

ICMSG_EXPORT size_t icmsg_config_count(const struct icmsg_config *cfg)
{
	return cfg ? cfg->count : 0;
}

ICMSG_EXPORT const struct icmsg_link_config *icmsg_config_get(const struct icmsg_config *cfg,
							      size_t index)
{
	if (!cfg || index >= cfg->count)
		return NULL;
	return &cfg->entries[index].cfg;
}

ICMSG_EXPORT const struct icmsg_link_config *icmsg_config_find(const struct icmsg_config *cfg,
							       const char *name)
{
	size_t i;

	if (!cfg || !name)
		return NULL;
	for (i = 0; i < cfg->count; i++)
		if (strcmp(cfg->entries[i].cfg.name, name) == 0)
			return &cfg->entries[i].cfg;
	return NULL;
}

ICMSG_EXPORT const struct icmsg_relay_config *icmsg_config_get_relay(
	const struct icmsg_config *cfg, size_t index)
{
	if (!cfg || index >= cfg->count)
		return NULL;
	return &cfg->entries[index].relay;
}

ICMSG_EXPORT const struct icmsg_daemon_config *icmsg_config_get_daemon(
	const struct icmsg_config *cfg)
{
	return cfg ? &cfg->daemon : &default_daemon;
}

/* ------------------------------------------------------------------------ */
/* YAML loader                                                              */

struct error_line {
	size_t file;
	unsigned int line;
	size_t seq;
	char *text;
};

/* Per-instance facts the loader needs for messages and cross checks. */
struct instance_meta {
	size_t file;                   /* index of the file it is in */
	size_t index;                  /* its index in that file's instances */
	unsigned int line;             /* line of the "- " item */
	unsigned int lines[F_COUNT];   /* line of each key present, else 0 */
	struct fset bad;               /* fields known to be bad */
	bool sock_default;             /* socket path made from the name */
};

/*
 * struct loader - state of one icmsg_config_load_files() call.
 * @cfg collects the instances of all files, @metas (same indices) their
 * facts. @rd_ok is false when cfg->runtime_dir is not the one the main
 * file asks for (it was refused, or the main file could not be read):
 * socket paths that depend on it are then not checked, since every such
 * message would be a cascade. @control_ok likewise for cfg->control_socket.
 */
struct loader {
	const char *const *files;  /* as given by the caller, for messages */
	size_t file;               /* index of the file being read */
	char *dir;                 /* prefix for relative paths, NULL: none */
	yaml_document_t doc;
	struct icmsg_config *cfg;
	struct instance_meta *metas;
	bool main_parsed;
	bool rd_ok, control_ok;
	struct error_line *errors;
	size_t n_errors, cap_errors;
	uint32_t suggested;        /* keys the last parse_mapping() suggested */
	bool oom;
};

/* Append @text (malloc'd, taken over) as an error of @file at @line. */
static void push_error(struct loader *ld, size_t file, unsigned int line, char *text)
{
	struct error_line *e;

	if (ld->n_errors == ld->cap_errors) {
		size_t cap = ld->cap_errors ? 2 * ld->cap_errors : 8;

		e = reallocarray(ld->errors, cap, sizeof(*e));
		if (!e) {
			free(text);
			ld->oom = true;
			return;
		}
		ld->errors = e;
		ld->cap_errors = cap;
	}
	e = &ld->errors[ld->n_errors];
	e->file = file;
	e->line = line;
	e->seq = ld->n_errors;
	e->text = text;
	ld->n_errors++;
}

static void add_error_v(struct loader *ld, size_t file, unsigned int line, const char *key,
			const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void add_error_v(struct loader *ld, size_t file, unsigned int line, const char *key,
			const char *fmt, va_list ap)
{
	char *msg, *text;
	int n;

	n = vasprintf(&msg, fmt, ap);
	if (n < 0) {
		ld->oom = true;
		return;
	}
	n = asprintf(&text, "%s:%u: %s: %s", ld->files[file], line, key, msg);
	free(msg);
	if (n < 0) {
		ld->oom = true;
		return;
	}
	push_error(ld, file, line, text);
}

/* An error in the file being read. */
static void add_error(struct loader *ld, unsigned int line, const char *key, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));

static void add_error(struct loader *ld, unsigned int line, const char *key, const char *fmt,
		      ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error_v(ld, ld->file, line, key, fmt, ap);
	va_end(ap);
}

/* An error of a check between instances, in the file of the later one. */
static void add_error_in(struct loader *ld, size_t file, unsigned int line, const char *key,
			 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_error_in(struct loader *ld, size_t file, unsigned int line, const char *key,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error_v(ld, file, line, key, fmt, ap);
	va_end(ap);
}

static int error_cmp(const void *a, const void *b)
{
	const struct error_line *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* Join the sorted error lines into one malloc'd text, or NULL on ENOMEM. */
static char *errors_join(struct loader *ld)
{
	size_t i, len = 0;
	char *text, *p;

	qsort(ld->errors, ld->n_errors, sizeof(*ld->errors), error_cmp);
	for (i = 0; i < ld->n_errors; i++)
		len += strlen(ld->errors[i].text) + 1;
	text = malloc(len ? len : 1);
	if (!text)
		return NULL;
	p = text;
	*p = '\0';
	for (i = 0; i < ld->n_errors; i++) {
		if (i)
			*p++ = '\n';
		p = stpcpy(p, ld->errors[i].text);
	}
	return text;
}

/*
 * Copy file content into @buf for a message: at most @cap - 4 bytes (cut
 * at a UTF-8 character boundary, "..." appended; QUOTE_MAX with the usual
 * buffer), control characters replaced by '?' so that every error stays on
 * one line.
 */
static const char *quote(char *buf, size_t cap, const void *value, size_t len)
{
	const unsigned char *s = value;
	bool cut;
	size_t i;

	if (cap < QUOTE_MAX + 4)
		return "";
	cut = len > cap - 4;
	if (cut) {
		len = cap - 4;
		while (len > 0 && (s[len] & 0xc0) == 0x80)
			len--;
	}
	for (i = 0; i < len; i++)
		buf[i] = (s[i] < 0x20 || s[i] == 0x7f) ? '?' : (char)s[i];
	strcpy(buf + len, cut ? "..." : "");
	return buf;
}

/*
 * Format a key path into @buf of KEY_BUF bytes. Key paths are bounded (an
 * index, our own key names, file content cut by quote()), so nothing is
 * ever cut; vsnprintf() keeps GCC's truncation warning quiet about that.
 */
static void key_printf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void key_printf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, KEY_BUF, fmt, ap);
	va_end(ap);
}

static void join_key(char *buf, const char *path, const char *key)
{
	key_printf(buf, "%s%s%s", path, path[0] ? "." : "", key);
}

static unsigned int node_line(const yaml_node_t *n)
{
	return (unsigned int)n->start_mark.line + 1;
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	default:
		return "a scalar";
	}
}

static bool scalar_is(const yaml_node_t *n, const char *word)
{
	size_t len = strlen(word);

	return n->data.scalar.length == len && memcmp(n->data.scalar.value, word, len) == 0;
}

/* Only unquoted "", "~" and "null" mean null in YAML; "null" quoted is text. */
static bool scalar_is_null(const yaml_node_t *n)
{
	return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (scalar_is(n, "") || scalar_is(n, "~") || scalar_is(n, "null") ||
		scalar_is(n, "Null") || scalar_is(n, "NULL"));
}

/* Levenshtein distance, for "did you mean"; SIZE_MAX for long keys. */
static size_t edit_distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), row[NAME_MAX_LEN + 1], i, j, diag, up, best;

	if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* struct key_spec - one key a mapping may hold; @field is the caller's tag. */
struct key_spec {
	const char *key;
	bool required;
	int field;
};

/**
 * parse_mapping() - sort the pairs of mapping @n by the keys in @specs.
 * @path: dotted key path of the mapping ("" for the document root)
 * @line: line to report problems of the whole mapping at (a missing key)
 * @values: set to the value node of each spec's key, or NULL if absent
 * @key_lines: set to the 1-based line of each spec's key, or 0 if absent
 *
 * Unknown and duplicate keys are reported and ignored (the first of two
 * duplicates wins, and the second value is not looked at, so it cannot add
 * errors of its own); missing required keys are reported, unless an unknown
 * key was already reported as a likely misspelling of it. @n_specs <= 32;
 * ld->suggested is set to the spec indices of the keys suggested.
 * Return: false if @n is not a mapping (reported), true otherwise.
 */
static bool parse_mapping(struct loader *ld, const yaml_node_t *n, const char *path,
			  unsigned int line, const struct key_spec *specs, size_t n_specs,
			  yaml_node_t **values, unsigned int *key_lines)
{
	char key[KEY_BUF], q[QUOTE_MAX + 4];
	const yaml_node_pair_t *pair;
	size_t i, best, d, best_d;
	uint32_t suggested = 0;

	for (i = 0; i < n_specs; i++) {
		values[i] = NULL;
		key_lines[i] = 0;
	}
	if (n->type != YAML_MAPPING_NODE) {
		add_error(ld, line, path, "must be a mapping, not %s", kind_name(n));
		return false;
	}
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&ld->doc, pair->value);
		const char *name;
		size_t len;

		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			add_error(ld, node_line(k), path[0] ? path : "yaml",
				  "keys must be strings, not %s", kind_name(k));
			continue;
		}
		name = (const char *)k->data.scalar.value;
		len = k->data.scalar.length;
		for (i = 0; i < n_specs; i++)
			if (scalar_is(k, specs[i].key))
				break;
		if (i == n_specs) {
			best = n_specs;
			best_d = 3; /* suggest only keys at most 2 edits away */
			for (i = 0; i < n_specs; i++) {
				d = edit_distance(name, len, specs[i].key);
				if (d < best_d && d < strlen(specs[i].key)) {
					best = i;
					best_d = d;
				}
			}
			join_key(key, path, quote(q, sizeof(q), name, len));
			if (best < n_specs) {
				add_error(ld, node_line(k), key, "unknown key (did you mean '%s'?)",
					  specs[best].key);
				suggested |= UINT32_C(1) << best;
			} else {
				add_error(ld, node_line(k), key, "unknown key");
			}
			continue;
		}
		if (values[i]) {
			join_key(key, path, specs[i].key);
			add_error(ld, node_line(k), key, "duplicate key (first at line %u)",
				  key_lines[i]);
			continue;
		}
		values[i] = v;
		key_lines[i] = node_line(k);
	}
	ld->suggested = suggested;
	/* A misspelt required key is one mistake: "did you mean" says it all. */
	for (i = 0; i < n_specs; i++) {
		if (specs[i].required && !values[i] && !(suggested & (UINT32_C(1) << i))) {
			join_key(key, path, specs[i].key);
			add_error(ld, line, key, "missing required key");
		}
	}
	return true;
}

/* The text of scalar @n, or NULL (reported) if @n is not a scalar. */
static const char *scalar_text(struct loader *ld, const yaml_node_t *n, const char *key,
			       unsigned int line, const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		add_error(ld, line, key, "must be %s, not %s", what, kind_name(n));
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

/*
 * A string value. A plain null reads as "" so that the instance check
 * reports it once as "must not be empty".
 */
static bool parse_string(struct loader *ld, const yaml_node_t *n, const char *key,
			 unsigned int line, char **ret)
{
	const char *s = scalar_text(ld, n, key, line, "a string");
	size_t len;

	if (!s)
		return false;
	len = n->data.scalar.length;
	if (memchr(s, '\0', len)) {
		add_error(ld, line, key, "must not contain NUL characters");
		return false;
	}
	if (scalar_is_null(n))
		len = 0;
	*ret = strndup(s, len);
	if (!*ret) {
		ld->oom = true;
		return false;
	}
	return true;
}

/* A path value; a relative one is resolved against the file's directory. */
static bool parse_path(struct loader *ld, const yaml_node_t *n, const char *key,
		       unsigned int line, char **ret)
{
	char *s, *joined;

	if (!parse_string(ld, n, key, line, &s))
		return false;
	if (s[0] && s[0] != '/' && ld->dir) {
		if (asprintf(&joined, "%s/%s", ld->dir, s) < 0) {
			free(s);
			ld->oom = true;
			return false;
		}
		free(s);
		s = joined;
	}
	*ret = s;
	return true;
}

/*
 * A non-negative integer, decimal or 0x hex, at most @max. YAML 1.1 reads
 * "010" as octal and YAML 1.2 as decimal; a leading zero is refused rather
 * than guessed, and so are signs, "_" separators and floats.
 */
static bool parse_uint(struct loader *ld, const yaml_node_t *n, const char *key,
		       unsigned int line, uint64_t max, uint64_t *ret)
{
	const char *s = scalar_text(ld, n, key, line, "an integer");
	char q[QUOTE_MAX + 4];
	unsigned int base = 10, digit;
	bool overflow = false;
	uint64_t v = 0;
	size_t len, i = 0;

	if (!s)
		return false;
	len = n->data.scalar.length;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (len == 0 || (base == 10 && len > 1 && s[0] == '0' &&
			 strspn(s, "0123456789") == len)) {
		if (len == 0)
			add_error(ld, line, key, "must be an integer, not empty");
		else
			add_error(ld, line, key, "must not have a leading zero (YAML 1.1 "
				  "would read it as octal): write decimal or 0x hex");
		return false;
	}
	for (; i < len; i++) {
		char ch = s[i];

		if (ch >= '0' && ch <= '9')
			digit = (unsigned int)(ch - '0');
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			digit = (unsigned int)(ch - 'a' + 10);
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			digit = (unsigned int)(ch - 'A' + 10);
		else
			break;
		/* Keep scanning after an overflow: a bad character wins. */
		if (v > (UINT64_MAX - digit) / base)
			overflow = true;
		else
			v = v * base + digit;
	}
	if (i < len) {
		add_error(ld, line, key, "must be a non-negative integer (decimal or 0x hex), "
			  "not '%s'", quote(q, sizeof(q), s, len));
		return false;
	}
	if (overflow || v > max) {
		add_error(ld, line, key, "is too large (at most %" PRIu64 ")", max);
		return false;
	}
	*ret = v;
	return true;
}

static bool parse_bool(struct loader *ld, const yaml_node_t *n, const char *key,
		       unsigned int line, bool *ret)
{
	static const char *const words[] = { "false", "no", "off", "true", "yes", "on" };
	const char *s = scalar_text(ld, n, key, line, "true or false");
	char q[QUOTE_MAX + 4];
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (n->data.scalar.length == strlen(words[i]) && strcasecmp(s, words[i]) == 0) {
			*ret = i >= 3;
			return true;
		}
	}
	add_error(ld, line, key, "must be true or false, not '%s'",
		  quote(q, sizeof(q), s, n->data.scalar.length));
	return false;
}

/*
 * parse_choice() - one of the @n_words words @words, as *@ret = its index
 * (each caller's enum lists them in that order); @list names them for
 * messages ("wait or disconnect").
 */
static bool parse_choice(struct loader *ld, const yaml_node_t *n, const char *key,
			 unsigned int line, const char *const *words, size_t n_words,
			 const char *list, int *ret)
{
	const char *s = scalar_text(ld, n, key, line, list);
	char q[QUOTE_MAX + 4];
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < n_words; i++) {
		if (scalar_is(n, words[i])) {
			*ret = (int)i;
			return true;
		}
	}
	add_error(ld, line, key, "must be %s, not '%s'", list,
		  quote(q, sizeof(q), s, n->data.scalar.length));
	return false;
}

static bool parse_unbound(struct loader *ld, const yaml_node_t *n, const char *key,
			  unsigned int line, enum icmsg_unbound_mode *ret)
{
	static const char *const words[] = {
		[ICMSG_UNBOUND_DISABLE] = "disable",
		[ICMSG_UNBOUND_ENABLE] = "enable",
		[ICMSG_UNBOUND_DETECT] = "detect",
	};
	int v;

	if (!parse_choice(ld, n, key, line, words, ARRAY_SIZE(words),
			  "disable, enable or detect", &v))
		return false;
	*ret = (enum icmsg_unbound_mode)v;
	return true;
}

static bool parse_compatible(struct loader *ld, const yaml_node_t *n, const char *key,
			     unsigned int line)
{
	const char *s = scalar_text(ld, n, key, line, "a string");
	char q[QUOTE_MAX + 4];

	if (!s)
		return false;
	if (!scalar_is(n, "zephyr,ipc-icmsg")) {
		add_error(ld, line, key, "only 'zephyr,ipc-icmsg' is supported, not '%s'",
			  quote(q, sizeof(q), s, n->data.scalar.length));
		return false;
	}
	return true;
}

/*
 * A file mode: octal as chmod takes it, written "0660" (YAML 1.1) or
 * "0o660" (YAML 1.2), or "0". Without the prefix the two YAML versions
 * agree on decimal, and 660 decimal is no mode anyone means: refused.
 */
static bool parse_mode(struct loader *ld, const yaml_node_t *n, const char *key,
		       unsigned int line, uint32_t *ret)
{
	const char *s = scalar_text(ld, n, key, line, "an octal mode such as 0660");
	char q[QUOTE_MAX + 4];
	uint64_t v = 0;
	size_t len, i = 1;

	if (!s)
		return false;
	len = n->data.scalar.length;
	if (len > 1 && (s[1] == 'o' || s[1] == 'O'))
		i = 2;
	if (len == 0 || s[0] != '0' || (i == 2 && len == 2) ||
	    strspn(s + i, "01234567") != len - i) {
		add_error(ld, line, key, "must be an octal mode written with a leading 0 or 0o "
			  "(e.g. 0660), not '%s'", quote(q, sizeof(q), s, len));
		return false;
	}
	/* Stop at the first digit beyond 0777: no overflow, same message. */
	for (; i < len && v <= 0777; i++)
		v = v * 8 + (uint64_t)(s[i] - '0');
	if (v > 0777) {
		add_error(ld, line, key, "must be at most 0777: only the permission bits apply");
		return false;
	}
	*ret = (uint32_t)v;
	return true;
}

/*
 * A user or group name for chown. Only the portable name characters, so
 * the value cannot smuggle anything into a log line or a lookup.
 */
static bool parse_account(struct loader *ld, const yaml_node_t *n, const char *key,
			  unsigned int line, char **ret)
{
	const char *msg = NULL;
	char *s;
	size_t i;

	if (!parse_string(ld, n, key, line, &s))
		return false;
	if (!s[0])
		msg = "must not be empty";
	else if (strlen(s) > ACCOUNT_MAX_LEN)
		msg = "must be at most 32 characters long";
	for (i = 0; !msg && s[i]; i++)
		if (!config_name_char(s[i]))
			msg = "may contain only A-Z, a-z, 0-9, '_', '.' and '-'";
	if (msg) {
		add_error(ld, line, key, "%s", msg);
		free(s);
		return false;
	}
	*ret = s;
	return true;
}

static bool parse_policy(struct loader *ld, const yaml_node_t *n, const char *key,
			 unsigned int line, enum icmsg_client_policy *ret)
{
	static const char *const words[] = {
		[ICMSG_CLIENT_WAIT] = "wait",
		[ICMSG_CLIENT_DISCONNECT] = "disconnect",
	};
	int v;

	if (!parse_choice(ld, n, key, line, words, ARRAY_SIZE(words), "wait or disconnect", &v))
		return false;
	*ret = (enum icmsg_client_policy)v;
	return true;
}

/* The limit bounds the daemon's memory per client: no 0, nothing huge. */
static bool parse_queue_limit(struct loader *ld, const yaml_node_t *n, const char *key,
			      unsigned int line, uint32_t *ret)
{
	uint64_t v;

	if (!parse_uint(ld, n, key, line, UINT64_MAX, &v))
		return false;
	if (v < 1 || v > QUEUE_LIMIT_MAX) {
		add_error(ld, line, key, "must be from 1 to 1000000");
		return false;
	}
	*ret = (uint32_t)v;
	return true;
}

/* "DIR/REL", without doubling the slash of the root directory. */
static char *join_dir(const char *dir, const char *rel)
{
	char *s;
	size_t len = strlen(dir);

	if (asprintf(&s, "%s%s%s", dir, len && dir[len - 1] == '/' ? "" : "/", rel) < 0)
		return NULL;
	return s;
}

/* True if @path has a ".." component: a relative path could leave its base. */
static bool has_dotdot(const char *path)
{
	const char *p = path;

	for (;;) {
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
			return true;
		p = strchr(p, '/');
		if (!p)
			return false;
		p++;
	}
}

/*
 * socket_path() - resolve socket path @rel (relative ones against the
 * runtime directory) into @ret and check that it fits in sun_path, else
 * report it at @key and @line.
 * Return: false if the path cannot be used: reported, or it depends on a
 * runtime directory that was refused (reported there).
 */
static bool socket_path(struct loader *ld, const char *rel, const char *key, unsigned int line,
			char **ret)
{
	char q[PATH_QUOTE_BUF];
	char *s;

	if (rel[0] != '/' && has_dotdot(rel)) {
		add_error(ld, line, key, "a relative socket path must stay under "
			  "daemon.runtime-dir: no '..' components (write an absolute path to "
			  "put it elsewhere)");
		return false;
	}
	if (rel[0] != '/' && !ld->rd_ok)
		return false;
	s = rel[0] == '/' ? strdup(rel) : join_dir(ld->cfg->runtime_dir, rel);
	if (!s) {
		ld->oom = true;
		return false;
	}
	if (strlen(s) > SOCKET_PATH_MAX) {
		add_error(ld, line, key, "socket path '%s' is %zu bytes long: a Unix socket "
			  "address holds at most %zu", quote(q, sizeof(q), s, strlen(s)),
			  strlen(s), SOCKET_PATH_MAX);
		free(s);
		return false;
	}
	*ret = s;
	return true;
}

/* Take @s (malloc'd) into @e's strings and point *@ret at it. */
static bool keep_string(struct loader *ld, struct config_entry *e, char *s, const char **ret)
{
	/* Cannot happen: each key is parsed once, and they are counted. */
	if (e->n_strings == ENTRY_STRINGS) {
		free(s);
		ld->oom = true;
		return false;
	}
	e->strings[e->n_strings++] = s;
	*ret = s;
	return true;
}

/* A string of @e: a path relative to the file (@is_path) or kept as written. */
static bool parse_kept(struct loader *ld, struct config_entry *e, const yaml_node_t *n,
		       const char *key, unsigned int line, bool is_path, const char **ret)
{
	char *s;

	if (!(is_path ? parse_path(ld, n, key, line, &s) : parse_string(ld, n, key, line, &s)))
		return false;
	return keep_string(ld, e, s, ret);
}

/*
 * pick_one() - the one key of the alternatives @alts (@n spec indices of
 * @specs) that the mapping at @path holds. None: "needs one of A, B or C"
 * at @line, unless a misspelling of one was reported (@suggested, as
 * ld->suggested); two: "A and B exclude each other" at the later one.
 * Return: the spec index of the key, or -1 (reported).
 */
static int pick_one(struct loader *ld, const char *path, unsigned int line,
		    const struct key_spec *specs, const int *alts, size_t n,
		    yaml_node_t *const *values, const unsigned int *lines, uint32_t suggested)
{
	char key[KEY_BUF], list[KEY_BUF] = "";
	size_t i, len = 0;
	int found = -1, last;

	for (i = 0; i < n; i++) {
		if (!values[alts[i]])
			continue;
		if (found >= 0) {
			/* At the one written last, the one to remove most likely. */
			last = lines[found] > lines[alts[i]] ? found : alts[i];
			join_key(key, path, specs[last].key);
			add_error(ld, lines[last], key, "%s and %s exclude each other",
				  specs[found].key, specs[alts[i]].key);
			return -1;
		}
		found = alts[i];
	}
	if (found >= 0)
		return found;
	for (i = 0; i < n; i++) {
		if (suggested & (UINT32_C(1) << alts[i]))
			return -1;
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i == 0 ? "" : i + 1 < n ? ", " : " or ",
					specs[alts[i]].key);
	}
	add_error(ld, line, path, "needs one of %s", list);
	return -1;
}

/* If @why is set, report key @key (field @f) as refused for it, and mark it bad. */
static bool refuse(struct loader *ld, struct instance_meta *m, int f, const char *key,
		   unsigned int line, const char *why)
{
	if (!why)
		return false;
	add_error(ld, line, key, "%s", why);
	fset_add(&m->bad, f);
	return true;
}

static const struct key_spec region_keys[] = {
	{ "path", false, REG_PATH },
	{ "uio", false, REG_UIO },
	{ "address", false, REG_ADDRESS },
	{ "map", false, REG_MAP },
	{ "map-name", false, REG_MAP_NAME },
	{ "offset", false, REG_OFFSET },
	{ "size", true, REG_SIZE },
};

/* Indices in region_keys. */
enum { RK_PATH, RK_UIO, RK_ADDRESS, RK_MAP, RK_MAP_NAME, RK_OFFSET, RK_SIZE };

/* Why key @k of a region of type @type is refused, or NULL. */
static const char *region_key_refused(int k, enum icmsg_region_type type,
				      yaml_node_t *const *values)
{
	if ((k == RK_MAP || k == RK_MAP_NAME) && type != ICMSG_REGION_UIO)
		return "needs uio: it selects a map of a UIO device";
	if (k == RK_MAP_NAME && values[RK_MAP])
		return "map and map-name exclude each other";
	if (k == RK_OFFSET && type == ICMSG_REGION_DEVMEM)
		return "not with address: write the physical address of the first byte "
		       "as address";
	return NULL;
}

/*
 * parse_region() - a ring region, or the register window of a doorbell
 * (@window), at @base: one of path, uio or address says how it is reached.
 * A window of size 0 is refused here, since to the checker it means none.
 */
static void parse_region(struct loader *ld, const yaml_node_t *n, const char *path,
			 struct config_entry *e, struct instance_meta *m,
			 struct icmsg_region_config *r, int base, bool window)
{
	static const int alts[] = { RK_PATH, RK_UIO, RK_ADDRESS };
	static const enum icmsg_region_type types[] = {
		[RK_PATH] = ICMSG_REGION_FILE,
		[RK_UIO] = ICMSG_REGION_UIO,
		[RK_ADDRESS] = ICMSG_REGION_DEVMEM,
	};
	yaml_node_t *values[ARRAY_SIZE(region_keys)];
	unsigned int lines[ARRAY_SIZE(region_keys)];
	char key[KEY_BUF];
	uint64_t v;
	int i, pick;

	if (!parse_mapping(ld, n, path, m->lines[base], region_keys, ARRAY_SIZE(region_keys),
			   values, lines)) {
		fset_add_block(&m->bad, base, REG_COUNT);
		return;
	}
	for (i = 0; i < (int)ARRAY_SIZE(region_keys); i++)
		m->lines[base + region_keys[i].field] = lines[i];
	pick = pick_one(ld, path, m->lines[base], region_keys, alts, ARRAY_SIZE(alts), values,
			lines, ld->suggested);
	if (pick < 0) {
		fset_add_block(&m->bad, base, REG_COUNT);
		return;
	}
	r->type = types[pick];
	for (i = 0; i < (int)ARRAY_SIZE(region_keys); i++) {
		int f = base + region_keys[i].field;
		bool ok = false;

		if (!values[i]) {
			if (region_keys[i].required)
				fset_add(&m->bad, f);
			continue;
		}
		join_key(key, path, region_keys[i].key);
		if (refuse(ld, m, f, key, lines[i], region_key_refused(i, r->type, values)))
			continue;
		switch (i) {
		case RK_PATH:
			ok = parse_kept(ld, e, values[i], key, lines[i], true, &r->path);
			break;
		case RK_UIO:
			/* A device name, never a path relative to the file. */
			ok = parse_kept(ld, e, values[i], key, lines[i], false, &r->uio.device);
			break;
		case RK_MAP_NAME:
			ok = parse_kept(ld, e, values[i], key, lines[i], false, &r->uio.map_name);
			break;
		case RK_MAP:
			/* The range is the checker's: one message for C and YAML. */
			ok = parse_uint(ld, values[i], key, lines[i], UINT64_MAX, &v);
			if (ok)
				r->uio.map = v > INT_MAX ? INT_MAX : (int)v;
			break;
		case RK_ADDRESS:
		case RK_OFFSET:
			ok = parse_uint(ld, values[i], key, lines[i], UINT64_MAX, &r->offset);
			break;
		case RK_SIZE:
			ok = parse_uint(ld, values[i], key, lines[i], UINT64_MAX, &r->size);
			if (ok && window && r->size == 0) {
				add_error(ld, lines[i], key, "must be greater than 0");
				ok = false;
			}
			break;
		}
		if (!ok)
			fset_add(&m->bad, f);
	}
}

static const struct key_spec access_keys[] = {
	{ "offset", true, ACC_OFFSET },
	{ "value", true, ACC_VALUE },
	{ "width", false, ACC_WIDTH },
	{ "op", false, ACC_OP },
};

/* status tests a mask and changes nothing: no op. */
static const struct key_spec status_keys[] = {
	{ "offset", true, ACC_OFFSET },
	{ "mask", true, ACC_VALUE },
	{ "width", false, ACC_WIDTH },
};

static bool parse_op(struct loader *ld, const yaml_node_t *n, const char *key,
		     unsigned int line, enum icmsg_reg_op *ret)
{
	static const char *const words[] = {
		[ICMSG_REG_WRITE] = "write",
		[ICMSG_REG_SET] = "set",
		[ICMSG_REG_CLEAR] = "clear",
	};
	int v;

	if (!parse_choice(ld, n, key, line, words, ARRAY_SIZE(words), "write, set or clear",
			  &v))
		return false;
	*ret = (enum icmsg_reg_op)v;
	return true;
}

/* A register access at @base: write and ack, or status (@is_status). */
static void parse_access(struct loader *ld, const yaml_node_t *n, const char *path,
			 struct instance_meta *m, struct icmsg_mbox_reg *a, int base,
			 bool is_status)
{
	const struct key_spec *specs = is_status ? status_keys : access_keys;
	size_t i, n_specs = is_status ? ARRAY_SIZE(status_keys) : ARRAY_SIZE(access_keys);
	yaml_node_t *values[ARRAY_SIZE(access_keys)];
	unsigned int lines[ARRAY_SIZE(access_keys)];
	char key[KEY_BUF];
	uint64_t v;

	if (!parse_mapping(ld, n, path, m->lines[base], specs, n_specs, values, lines)) {
		fset_add_block(&m->bad, base, ACC_COUNT);
		return;
	}
	a->enabled = true;
	for (i = 0; i < n_specs; i++) {
		int f = base + specs[i].field;
		bool ok = false;

		m->lines[f] = lines[i];
		if (!values[i]) {
			if (specs[i].required)
				fset_add(&m->bad, f);
			continue;
		}
		join_key(key, path, specs[i].key);
		switch (specs[i].field) {
		case ACC_OFFSET:
			ok = parse_uint(ld, values[i], key, lines[i], UINT32_MAX, &v);
			if (ok)
				a->offset = (uint32_t)v;
			break;
		case ACC_VALUE:
			ok = parse_uint(ld, values[i], key, lines[i], UINT32_MAX, &v);
			if (ok)
				a->value = (uint32_t)v;
			break;
		case ACC_WIDTH:
			/* Anything but 8, 16 or 32 is the checker's to refuse. */
			ok = parse_uint(ld, values[i], key, lines[i], UINT64_MAX, &v);
			if (ok)
				a->width = v > UINT8_MAX ? 0 : (uint8_t)v;
			break;
		case ACC_OP:
			ok = parse_op(ld, values[i], key, lines[i], &a->op);
			break;
		}
		if (!ok)
			fset_add(&m->bad, f);
	}
}

/*
 * enable: a sequence of at most ICMSG_MBOX_ENABLE_MAX register accesses
 * made at open, in order. Return: false if it is not one (reported).
 */
static bool parse_enable(struct loader *ld, const yaml_node_t *n, const char *path,
			 struct instance_meta *m, struct icmsg_mbox_config *mb, int f)
{
	unsigned int line = m->lines[f + MB_ENABLE];
	char key[KEY_BUF];
	size_t i, count;

	if (n->type != YAML_SEQUENCE_NODE) {
		add_error(ld, line, path, "must be a sequence of register accesses, not %s",
			  kind_name(n));
		return false;
	}
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count > ICMSG_MBOX_ENABLE_MAX) {
		add_error(ld, line, path, "has %zu register accesses: at most %d are made at "
			  "open", count, ICMSG_MBOX_ENABLE_MAX);
		return false;
	}
	for (i = 0; i < count; i++) {
		const yaml_node_t *item = yaml_document_get_node(&ld->doc,
								 n->data.sequence.items.start[i]);
		int base = f + MB_ENABLE_ITEM(i);

		if (!item)
			continue;
		key_printf(key, "%s[%zu]", path, i);
		m->lines[base] = node_line(item);
		parse_access(ld, item, key, m, &mb->enable[i], base, false);
	}
	return true;
}

static const struct key_spec mbox_keys[] = {
	{ "fifo", false, MB_FIFO },
	{ "eventfd", false, MB_EVENTFD },
	{ "uio", false, MB_UIO },
	{ "registers", false, MB_REGS },
	{ "rearm", false, MB_REARM },
	{ "write", false, MB_WRITE },
	{ "status", false, MB_STATUS },
	{ "ack", false, MB_ACK },
	{ "enable", false, MB_ENABLE },
};

/* Indices in mbox_keys. */
enum { MK_FIFO, MK_EVENTFD, MK_UIO, MK_REGS, MK_REARM, MK_WRITE, MK_STATUS, MK_ACK, MK_ENABLE };

/* Why key @k of a doorbell of type @type is refused, or NULL. */
static const char *mbox_key_refused(int k, enum icmsg_mbox_type type)
{
	if ((k == MK_REARM || k == MK_STATUS || k == MK_ACK || k == MK_ENABLE) &&
	    type != ICMSG_MBOX_UIO_IRQ)
		return "applies only to a UIO interrupt (uio)";
	if (k == MK_WRITE && type != ICMSG_MBOX_MMIO)
		return "applies only to a register doorbell (registers without uio)";
	return NULL;
}

/*
 * A doorbell written as a mapping: fifo, eventfd, uio (with registers for
 * status and ack), or registers with write. The direction rules are the
 * checker's.
 */
static void parse_mbox(struct loader *ld, const yaml_node_t *n, const char *path,
		       struct config_entry *e, struct instance_meta *m,
		       struct icmsg_mbox_config *mb, int f)
{
	static const int alts[] = { MK_FIFO, MK_EVENTFD, MK_UIO, MK_REGS };
	static const enum icmsg_mbox_type types[] = {
		[MK_FIFO] = ICMSG_MBOX_FIFO,
		[MK_EVENTFD] = ICMSG_MBOX_EVENTFD,
		[MK_UIO] = ICMSG_MBOX_UIO_IRQ,
		[MK_REGS] = ICMSG_MBOX_MMIO,
	};
	yaml_node_t *values[ARRAY_SIZE(mbox_keys)];
	unsigned int lines[ARRAY_SIZE(mbox_keys)];
	char key[KEY_BUF];
	uint64_t v;
	int i, pick;

	if (!parse_mapping(ld, n, path, m->lines[f], mbox_keys, ARRAY_SIZE(mbox_keys), values,
			   lines)) {
		fset_add_block(&m->bad, f, MB_COUNT);
		return;
	}
	for (i = 0; i < (int)ARRAY_SIZE(mbox_keys); i++)
		m->lines[f + mbox_keys[i].field] = lines[i];
	/* With uio, registers hold its status and ack: not a choice. */
	pick = pick_one(ld, path, m->lines[f], mbox_keys, alts,
			values[MK_UIO] ? ARRAY_SIZE(alts) - 1 : ARRAY_SIZE(alts), values, lines,
			ld->suggested);
	if (pick < 0) {
		fset_add_block(&m->bad, f, MB_COUNT);
		return;
	}
	mb->type = types[pick];
	for (i = 0; i < (int)ARRAY_SIZE(mbox_keys); i++) {
		int sub = f + mbox_keys[i].field;
		bool ok = true;

		if (!values[i])
			continue;
		join_key(key, path, mbox_keys[i].key);
		if (refuse(ld, m, sub, key, lines[i], mbox_key_refused(i, mb->type)))
			continue;
		switch (i) {
		case MK_FIFO:
			ok = parse_kept(ld, e, values[i], key, lines[i], true, &mb->path);
			break;
		case MK_EVENTFD:
			ok = parse_uint(ld, values[i], key, lines[i], INT_MAX, &v);
			if (ok)
				mb->fd = (int)v;
			break;
		case MK_UIO:
			ok = parse_kept(ld, e, values[i], key, lines[i], false, &mb->uio_device);
			break;
		case MK_REARM:
			ok = parse_bool(ld, values[i], key, lines[i], &mb->irq_rearm);
			break;
		case MK_REGS:
			parse_region(ld, values[i], key, e, m, &mb->regs, sub, true);
			break;
		case MK_WRITE:
			parse_access(ld, values[i], key, m, &mb->write, sub, false);
			break;
		case MK_STATUS:
			parse_access(ld, values[i], key, m, &mb->status, sub, true);
			break;
		case MK_ACK:
			parse_access(ld, values[i], key, m, &mb->ack, sub, false);
			break;
		case MK_ENABLE:
			ok = parse_enable(ld, values[i], key, m, mb, f);
			break;
		}
		if (!ok)
			fset_add(&m->bad, sub);
	}
}

static const struct key_spec mboxes_keys[] = {
	{ "tx", true, F_MBOX_TX },
	{ "rx", true, F_MBOX_RX },
};

/* mboxes: each direction a FIFO path, or a mapping (parse_mbox()). */
static void parse_mboxes(struct loader *ld, const yaml_node_t *n, const char *path,
			 struct config_entry *e, struct instance_meta *m)
{
	yaml_node_t *values[ARRAY_SIZE(mboxes_keys)];
	unsigned int lines[ARRAY_SIZE(mboxes_keys)];
	char key[KEY_BUF];
	size_t i;

	if (!parse_mapping(ld, n, path, m->lines[F_MBOXES], mboxes_keys,
			   ARRAY_SIZE(mboxes_keys), values, lines)) {
		fset_add_block(&m->bad, F_MBOXES, MBOXES_FIELDS);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(mboxes_keys); i++) {
		int f = mboxes_keys[i].field;
		struct icmsg_mbox_config *mb = f == F_MBOX_TX ? &e->cfg.tx_mbox : &e->cfg.rx_mbox;
		const yaml_node_t *v = values[i];

		m->lines[f] = lines[i];
		join_key(key, path, mboxes_keys[i].key);
		if (v && v->type == YAML_MAPPING_NODE) {
			parse_mbox(ld, v, key, e, m, mb, f);
		} else if (v && v->type == YAML_SEQUENCE_NODE) {
			add_error(ld, lines[i], key, "must be a FIFO path or a mapping, not %s",
				  kind_name(v));
			fset_add_block(&m->bad, f, MB_COUNT);
		} else if (!v || !parse_kept(ld, e, v, key, lines[i], true, &mb->path)) {
			fset_add_block(&m->bad, f, MB_COUNT);
		}
	}
}

static const struct key_spec socket_keys[] = {
	{ "path", false, F_SOCK_PATH },
	{ "mode", false, F_SOCK_MODE },
	{ "owner", false, F_SOCK_OWNER },
	{ "group", false, F_SOCK_GROUP },
};

/*
 * The socket mapping. The path is kept as written: it is resolved by
 * finish_socket() once the name is checked, since the default comes from it.
 */
static void parse_socket(struct loader *ld, const yaml_node_t *n, const char *path,
			 struct config_entry *e, struct instance_meta *m)
{
	yaml_node_t *values[ARRAY_SIZE(socket_keys)];
	unsigned int lines[ARRAY_SIZE(socket_keys)];
	char key[KEY_BUF];
	size_t i;

	if (!parse_mapping(ld, n, path, m->lines[F_SOCKET], socket_keys, ARRAY_SIZE(socket_keys),
			   values, lines)) {
		fset_add_block(&m->bad, F_SOCKET, SOCKET_FIELDS);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(socket_keys); i++) {
		enum cfg_field f = socket_keys[i].field;
		bool ok = false;

		m->lines[f] = lines[i];
		if (!values[i])
			continue;
		join_key(key, path, socket_keys[i].key);
		switch (f) {
		case F_SOCK_PATH:
			ok = parse_string(ld, values[i], key, lines[i], &e->sock_path);
			if (ok && !e->sock_path[0]) {
				add_error(ld, lines[i], key, "must not be empty");
				ok = false;
			}
			break;
		case F_SOCK_MODE:
			ok = parse_mode(ld, values[i], key, lines[i], &e->relay.socket_mode);
			break;
		case F_SOCK_OWNER:
			ok = parse_account(ld, values[i], key, lines[i], &e->sock_owner);
			e->relay.socket_owner = e->sock_owner;
			break;
		case F_SOCK_GROUP:
			ok = parse_account(ld, values[i], key, lines[i], &e->sock_group);
			e->relay.socket_group = e->sock_group;
			break;
		default:
			break;
		}
		if (!ok)
			fset_add(&m->bad, f);
	}
}

static const struct key_spec instance_keys[] = {
	{ "name", true, F_NAME },
	{ "compatible", false, F_COMPATIBLE },
	{ "tx-region", true, F_TX_REGION },
	{ "rx-region", true, F_RX_REGION },
	{ "mboxes", true, F_MBOXES },
	{ "dcache-alignment", false, F_DCACHE },
	{ "unbound", false, F_UNBOUND },
	{ "bond-notify-repeat-ms", false, F_REPEAT },
	{ "bond-timeout-ms", false, F_TIMEOUT },
	{ "bond-notify-max-ms", false, F_MAX },
	{ "detect-grace-ms", false, F_GRACE },
	{ "peer-rx-buf-size", false, F_PEER_RX },
	{ "rx-buf-size", false, F_RX_BUF },
	{ "auto-reopen", false, F_AUTO_REOPEN },
	{ "spin-us", false, F_SPIN },
	{ "lazy-signal", false, F_LAZY_SIGNAL },
	{ "socket", false, F_SOCKET },
	{ "client-policy", false, F_POLICY },
	{ "client-queue-limit", false, F_QUEUE_LIMIT },
	{ "disconnect-on-unbound", false, F_DISC_UNBOUND },
};

static uint32_t *u32_field(struct icmsg_link_config *cfg, int f)
{
	switch (f) {
	case F_DCACHE:
		return &cfg->dcache_alignment;
	case F_REPEAT:
		return &cfg->bond_notify_repeat_ms;
	case F_TIMEOUT:
		return &cfg->bond_timeout_ms;
	case F_MAX:
		return &cfg->bond_notify_max_ms;
	case F_GRACE:
		return &cfg->detect_grace_ms;
	case F_PEER_RX:
		return &cfg->peer_rx_buf_size;
	case F_RX_BUF:
		return &cfg->rx_buf_size;
	case F_SPIN:
		return &cfg->spin_us;
	default:
		return NULL;
	}
}

/* Fill @e from instance node @n (defaults already set); record in @m. */
static void parse_instance(struct loader *ld, const yaml_node_t *n, const char *path,
			   struct config_entry *e, struct instance_meta *m)
{
	yaml_node_t *values[ARRAY_SIZE(instance_keys)];
	unsigned int lines[ARRAY_SIZE(instance_keys)];
	char key[KEY_BUF];
	uint64_t v;
	size_t i;

	if (!parse_mapping(ld, n, path, m->line, instance_keys, ARRAY_SIZE(instance_keys),
			   values, lines)) {
		fset_fill(&m->bad);
		return;
	}
	/* Sub-mappings report a missing key at their own key's line. */
	for (i = 0; i < ARRAY_SIZE(instance_keys); i++)
		m->lines[instance_keys[i].field] = lines[i];

	for (i = 0; i < ARRAY_SIZE(instance_keys); i++) {
		int f = instance_keys[i].field;
		const yaml_node_t *val = values[i];
		uint32_t *u32 = u32_field(&e->cfg, f);
		bool ok = true;

		join_key(key, path, instance_keys[i].key);
		if (!val) {
			/* Absent: the default stays, unless the key is required. */
			if (f == F_TX_REGION || f == F_RX_REGION)
				fset_add_block(&m->bad, f, REG_COUNT);
			else if (f == F_MBOXES)
				fset_add_block(&m->bad, F_MBOXES, MBOXES_FIELDS);
			else if (instance_keys[i].required)
				fset_add(&m->bad, f);
			continue;
		}
		if (u32) {
			ok = parse_uint(ld, val, key, lines[i], UINT32_MAX, &v);
			if (ok)
				*u32 = (uint32_t)v;
		} else if (f == F_NAME) {
			ok = parse_string(ld, val, key, lines[i], &e->name);
			if (ok)
				e->cfg.name = e->name;
		} else if (f == F_COMPATIBLE) {
			ok = parse_compatible(ld, val, key, lines[i]);
		} else if (f == F_TX_REGION) {
			parse_region(ld, val, key, e, m, &e->cfg.tx_region, F_TX_REGION, false);
		} else if (f == F_RX_REGION) {
			parse_region(ld, val, key, e, m, &e->cfg.rx_region, F_RX_REGION, false);
		} else if (f == F_MBOXES) {
			parse_mboxes(ld, val, key, e, m);
		} else if (f == F_UNBOUND) {
			ok = parse_unbound(ld, val, key, lines[i], &e->cfg.unbound);
		} else if (f == F_AUTO_REOPEN) {
			ok = parse_bool(ld, val, key, lines[i], &e->cfg.auto_reopen);
		} else if (f == F_LAZY_SIGNAL) {
			ok = parse_bool(ld, val, key, lines[i], &e->cfg.lazy_signal);
		} else if (f == F_SOCKET) {
			parse_socket(ld, val, key, e, m);
		} else if (f == F_POLICY) {
			ok = parse_policy(ld, val, key, lines[i], &e->relay.client_policy);
		} else if (f == F_QUEUE_LIMIT) {
			ok = parse_queue_limit(ld, val, key, lines[i],
					       &e->relay.client_queue_limit);
		} else if (f == F_DISC_UNBOUND) {
			ok = parse_bool(ld, val, key, lines[i], &e->relay.disconnect_on_unbound);
		}
		if (!ok)
			fset_add(&m->bad, f);
	}
}

/* The mapping that holds field @f, or -1 for a key of the instance itself. */
static int field_parent(int f)
{
	int base, rel;

	if (f > F_TX_REGION && f < F_MBOXES)
		return f < F_RX_REGION ? F_TX_REGION : F_RX_REGION;
	if (f == F_MBOX_TX || f == F_MBOX_RX)
		return F_MBOXES;
	if (f > F_MBOX_TX && f < F_PEER_RX) {
		base = f < F_MBOX_RX ? F_MBOX_TX : F_MBOX_RX;
		rel = f - base;
		if (rel > MB_REGS && rel < MB_WRITE)
			return base + MB_REGS;
		if (rel > MB_WRITE && rel < MB_STATUS)
			return base + MB_WRITE;
		if (rel > MB_STATUS && rel < MB_ACK)
			return base + MB_STATUS;
		if (rel > MB_ACK && rel < MB_ENABLE)
			return base + MB_ACK;
		if (rel >= MB_ENABLE_0 && (rel - MB_ENABLE_0) % ACC_COUNT == 0)
			return base + MB_ENABLE;
		if (rel > MB_ENABLE_0)
			return base + MB_ENABLE_0 + (rel - MB_ENABLE_0) / ACC_COUNT * ACC_COUNT;
		return base;
	}
	if (f > F_SOCKET && f <= F_SOCK_GROUP)
		return F_SOCKET;
	return -1;
}

/*
 * Line of field @f: its key, else the key of the nearest mapping that holds
 * it (a defaulted region offset, a missing write), else the instance.
 */
static unsigned int field_line(const struct instance_meta *m, int f)
{
	for (; f >= 0; f = field_parent(f))
		if (m->lines[f])
			return m->lines[f];
	return m->line;
}

/*
 * The field to name for field @f. The checker reports a FIFO doorbell's
 * path at the doorbell, as written in the short form "tx: PATH"; written as
 * "tx: { fifo: PATH }", the key at fault is fifo.
 */
static int report_field(const struct instance_meta *m, int f)
{
	if ((f == F_MBOX_TX || f == F_MBOX_RX) && m->lines[f + MB_FIFO])
		return f + MB_FIFO;
	return f;
}

static void relay_config_init(struct icmsg_relay_config *r)
{
	memset(r, 0, sizeof(*r));
	r->socket_mode = DEFAULT_MODE;
	r->client_policy = ICMSG_CLIENT_WAIT;
	r->client_queue_limit = 1024;
	r->disconnect_on_unbound = false;
}

/*
 * Resolve the socket path of a parsed and checked instance: socket.path,
 * else "<name>.sock", under the runtime directory when relative.
 */
static void finish_socket(struct loader *ld, const char *path, struct config_entry *e,
			  struct instance_meta *m)
{
	const char *rel = e->sock_path;
	char key[KEY_BUF], *def = NULL, *abs;

	if (fset_has(&m->bad, F_SOCK_PATH))
		return;
	if (!rel) {
		/* A bad name was reported; its socket path would be a cascade. */
		if (fset_has(&m->bad, F_NAME)) {
			fset_add(&m->bad, F_SOCK_PATH);
			return;
		}
		m->sock_default = true;
		if (asprintf(&def, "%s.sock", e->name) < 0) {
			ld->oom = true;
			return;
		}
		rel = def;
	}
	join_key(key, path, config_field_keys[F_SOCK_PATH]);
	if (socket_path(ld, rel, key, field_line(m, F_SOCK_PATH), &abs)) {
		free(e->sock_path);
		e->sock_path = abs;
		e->relay.socket_path = abs;
	} else {
		fset_add(&m->bad, F_SOCK_PATH);
	}
	free(def);
}

struct instance_report {
	struct loader *ld;
	const struct instance_meta *m;
	const char *path;
};

static void report_instance(void *userdata, enum cfg_field f, const char *msg)
{
	struct instance_report *r = userdata;
	char key[KEY_BUF];

	/*
	 * bond-notify-repeat-ms above the default cap: the key at fault is the
	 * one that was written, not the defaulted bond-notify-max-ms.
	 */
	if (f == F_MAX && !r->m->lines[F_MAX] && r->m->lines[F_REPEAT]) {
		join_key(key, r->path, config_field_keys[F_REPEAT]);
		add_error(r->ld, r->m->lines[F_REPEAT], key,
			  "must not exceed bond-notify-max-ms (default 100)");
		return;
	}
	f = report_field(r->m, f);
	join_key(key, r->path, config_field_keys[f]);
	add_error(r->ld, field_line(r->m, f), key, "%s", msg);
}

/*
 * struct place - where instance @i's field is, for a message about another
 * instance: "line 7" in the same file, "FILE:7" in another one. Print with
 * "%s%s%u", pre, sep, line.
 */
struct place {
	const char *pre, *sep;
	unsigned int line;
};

static struct place place_of(const struct loader *ld, const struct instance_meta *mi, int f,
			     const struct instance_meta *mj)
{
	struct place p = { "line ", "", field_line(mi, f) };

	if (mi->file != mj->file) {
		p.pre = ld->files[mi->file];
		p.sep = ":";
	}
	return p;
}

/* Names become socket names of one daemon: they must be unique. */
static void check_names(struct loader *ld)
{
	const struct config_entry *e = ld->cfg->entries;
	struct instance_meta *m = ld->metas;
	size_t i, j, n = ld->cfg->count;
	char key[KEY_BUF];

	for (j = 0; j < n; j++) {
		if (fset_has(&m[j].bad, F_NAME))
			continue;
		for (i = 0; i < j; i++) {
			if (fset_has(&m[i].bad, F_NAME) || strcmp(e[i].name, e[j].name) != 0)
				continue;
			key_printf(key, "instances[%zu].name", m[j].index);
			/* A checked name holds only safe characters. */
			if (m[i].file == m[j].file)
				add_error_in(ld, m[j].file, field_line(&m[j], F_NAME), key,
					     "duplicate name '%s' (first at line %u)", e[j].name,
					     field_line(&m[i], F_NAME));
			else
				add_error_in(ld, m[j].file, field_line(&m[j], F_NAME), key,
					     "duplicate instance name '%s' (first defined at "
					     "%s:%u)", e[j].name, ld->files[m[i].file],
					     field_line(&m[i], F_NAME));
			/* Its default socket path is the same too: one mistake. */
			fset_add(&m[j].bad, F_NAME);
			if (m[j].sock_default)
				fset_add(&m[j].bad, F_SOCK_PATH);
			break;
		}
	}
}

static const struct icmsg_region_config *slot_region(const struct config_entry *e, size_t s)
{
	return s ? &e->cfg.rx_region : &e->cfg.tx_region;
}

static const struct icmsg_mbox_config *slot_mbox(const struct config_entry *e, size_t s)
{
	return s ? &e->cfg.rx_mbox : &e->cfg.tx_mbox;
}

/*
 * struct shared_rule - a thing of which each instance has a tx and an rx
 * one, and that two of them must not share: a region, a FIFO, an eventfd.
 * @fields: the field of the tx and the rx one; @key: the offset of the
 * field to name from it.
 * @comparable: whether slot @s (0 tx, 1 rx) of instance @e can be compared.
 * @clash: whether slot @sj of @ej and slot @si of @ei clash; if so, write
 * the start of the message into @what (WHAT_BUF bytes) and return its end.
 */
#define WHAT_BUF 48
struct shared_rule {
	int fields[2];
	int key;
	bool (*comparable)(const struct config_entry *e, const struct instance_meta *m,
			   size_t s);
	const char *(*clash)(const struct config_entry *ej, size_t sj,
			     const struct config_entry *ei, size_t si, char *what);
};

static bool region_comparable(const struct config_entry *e, const struct instance_meta *m,
			      size_t s)
{
	(void)e;
	return fset_block_clear(&m->bad, s ? F_RX_REGION : F_TX_REGION, REG_COUNT);
}

/* Spec 6.1: regions of different instances must not overlap either. */
static const char *region_clash(const struct config_entry *ej, size_t sj,
				const struct config_entry *ei, size_t si, char *what)
{
	if (!config_regions_overlap(slot_region(ej, sj), slot_region(ei, si)))
		return NULL;
	strcpy(what, "overlaps");
	return config_overlap_where(slot_region(ej, sj)->type);
}

static bool mbox_comparable(const struct instance_meta *m, size_t s, int sub)
{
	int f = s ? F_MBOX_RX : F_MBOX_TX;

	return !fset_has(&m->bad, f) && !fset_has(&m->bad, f + sub);
}

static bool fifo_comparable(const struct config_entry *e, const struct instance_meta *m,
			    size_t s)
{
	return slot_mbox(e, s)->type == ICMSG_MBOX_FIFO && mbox_comparable(m, s, MB_FIFO);
}

/* One FIFO is one doorbell direction of one instance (spec 6.2). */
static const char *fifo_clash(const struct config_entry *ej, size_t sj,
			      const struct config_entry *ei, size_t si, char *what)
{
	if (!config_path_equal(slot_mbox(ej, sj)->path, slot_mbox(ei, si)->path))
		return NULL;
	strcpy(what, "FIFO already used by");
	return "";
}

static bool eventfd_comparable(const struct config_entry *e, const struct instance_meta *m,
			       size_t s)
{
	return slot_mbox(e, s)->type == ICMSG_MBOX_EVENTFD && mbox_comparable(m, s, MB_EVENTFD);
}

/* An eventfd is one counter: two doorbells on it would eat each other's signals. */
static const char *eventfd_clash(const struct config_entry *ej, size_t sj,
				 const struct config_entry *ei, size_t si, char *what)
{
	int fd = slot_mbox(ej, sj)->fd;

	if (fd != slot_mbox(ei, si)->fd)
		return NULL;
	snprintf(what, WHAT_BUF, "eventfd %d already used by", fd);
	return "";
}

static const struct shared_rule shared_regions = {
	{ F_TX_REGION, F_RX_REGION }, 0, region_comparable, region_clash,
};
static const struct shared_rule shared_fifos = {
	{ F_MBOX_TX, F_MBOX_RX }, 0, fifo_comparable, fifo_clash,
};
static const struct shared_rule shared_eventfds = {
	{ F_MBOX_TX, F_MBOX_RX }, MB_EVENTFD, eventfd_comparable, eventfd_clash,
};

/* Report every thing of @rule an instance shares with an earlier one, once. */
static void check_shared(struct loader *ld, const struct shared_rule *rule)
{
	const struct config_entry *e = ld->cfg->entries;
	const struct instance_meta *m = ld->metas;
	size_t i, j, a, b, n = ld->cfg->count;
	char key[KEY_BUF], what[WHAT_BUF];
	const char *tail;
	struct place p;
	int fa, fb;

	for (j = 0; j < n; j++) {
		for (a = 0; a < 2; a++) {
			if (!rule->comparable(&e[j], &m[j], a))
				continue;
			for (i = 0; i < j; i++) {
				for (b = 0; b < 2; b++) {
					if (!rule->comparable(&e[i], &m[i], b))
						continue;
					tail = rule->clash(&e[j], a, &e[i], b, what);
					if (!tail)
						continue;
					fa = report_field(&m[j], rule->fields[a] + rule->key);
					fb = report_field(&m[i], rule->fields[b] + rule->key);
					key_printf(key, "instances[%zu].%s", m[j].index,
						   config_field_keys[fa]);
					p = place_of(ld, &m[i], fb, &m[j]);
					add_error_in(ld, m[j].file, field_line(&m[j], fa), key,
						     "%s instances[%zu].%s (%s%s%u)%s", what,
						     m[i].index, config_field_keys[fb], p.pre,
						     p.sep, p.line, tail);
					goto next;
				}
			}
next:
			;
		}
	}
}

/*
 * One listening socket per path: a second bind() would fail at run time,
 * or, with the daemon unlinking stale sockets first, steal the first one.
 */
static void check_shared_sockets(struct loader *ld)
{
	const struct config_entry *e = ld->cfg->entries;
	struct instance_meta *m = ld->metas;
	size_t i, j, n = ld->cfg->count;
	char key[KEY_BUF], q[PATH_QUOTE_BUF];
	struct place p;

	for (j = 0; j < n; j++) {
		const char *pj = e[j].sock_path;

		if (fset_has(&m[j].bad, F_SOCK_PATH))
			continue;
		key_printf(key, "instances[%zu].socket.path", m[j].index);
		quote(q, sizeof(q), pj, strlen(pj));
		if (ld->control_ok && config_path_equal(pj, ld->cfg->control_socket)) {
			add_error_in(ld, m[j].file, field_line(&m[j], F_SOCK_PATH), key,
				     "socket path '%s' is the control socket "
				     "(daemon.control-socket)", q);
			fset_add(&m[j].bad, F_SOCK_PATH);
			continue;
		}
		for (i = 0; i < j; i++) {
			if (fset_has(&m[i].bad, F_SOCK_PATH) ||
			    !config_path_equal(e[i].sock_path, pj))
				continue;
			p = place_of(ld, &m[i], F_SOCK_PATH, &m[j]);
			add_error_in(ld, m[j].file, field_line(&m[j], F_SOCK_PATH), key,
				     "socket path '%s' already used by instances[%zu].socket.path "
				     "(%s%s%u)", q, m[i].index, p.pre, p.sep, p.line);
			break;
		}
	}
}

enum { D_RUNTIME_DIR, D_CONTROL_SOCKET, D_CONTROL_MODE, D_CONTROL_GROUP, D_USER, D_GROUP };

static const struct key_spec daemon_keys[] = {
	{ "runtime-dir", false, D_RUNTIME_DIR },
	{ "control-socket", false, D_CONTROL_SOCKET },
	{ "control-mode", false, D_CONTROL_MODE },
	{ "control-group", false, D_CONTROL_GROUP },
	{ "user", false, D_USER },
	{ "group", false, D_GROUP },
};

/*
 * runtime-dir: absolute (the daemon may chdir, and a socket path relative to
 * wherever it was started means nothing to clients), without trailing
 * slashes, and short enough that "DIR/x" still fits in sun_path.
 */
static bool parse_runtime_dir(struct loader *ld, const yaml_node_t *n, unsigned int line,
			      char **ret)
{
	static const char key[] = "daemon.runtime-dir";
	char q[QUOTE_MAX + 4], *s;
	size_t len;

	if (!parse_string(ld, n, key, line, &s))
		return false;
	len = strlen(s);
	while (len > 1 && s[len - 1] == '/')
		s[--len] = '\0';
	if (!s[0])
		add_error(ld, line, key, "must not be empty");
	else if (s[0] != '/')
		add_error(ld, line, key, "must be an absolute path, not '%s'",
			  quote(q, sizeof(q), s, len));
	else if (len + 2 > SOCKET_PATH_MAX)
		add_error(ld, line, key, "is %zu bytes long: no socket path under it fits in a "
			  "Unix socket address (at most %zu bytes)", len, SOCKET_PATH_MAX);
	else {
		*ret = s;
		return true;
	}
	free(s);
	return false;
}

/*
 * The daemon section of the main file, @n (NULL if absent) at @line.
 * runtime-dir first: the control socket, and later the instances' sockets,
 * resolve against it.
 */
static void parse_daemon(struct loader *ld, const yaml_node_t *n, unsigned int line)
{
	yaml_node_t *values[ARRAY_SIZE(daemon_keys)];
	unsigned int lines[ARRAY_SIZE(daemon_keys)];
	struct icmsg_config *cfg = ld->cfg;
	static const char control_key[] = "daemon.control-socket";
	const char *control = "control.sock";
	char *s = NULL, *abs;

	if (!n)
		return;
	if (!parse_mapping(ld, n, "daemon", line, daemon_keys, ARRAY_SIZE(daemon_keys), values,
			   lines)) {
		ld->rd_ok = false;
		ld->control_ok = false;
		return;
	}
	if (values[D_RUNTIME_DIR]) {
		if (parse_runtime_dir(ld, values[D_RUNTIME_DIR], lines[D_RUNTIME_DIR], &s)) {
			free(cfg->runtime_dir);
			cfg->runtime_dir = s;
		} else {
			ld->rd_ok = false;
		}
	}

	s = NULL;
	if (values[D_CONTROL_SOCKET]) {
		line = lines[D_CONTROL_SOCKET];
		if (!parse_string(ld, values[D_CONTROL_SOCKET], control_key, line, &s)) {
			control = NULL;
		} else if (!s[0]) {
			add_error(ld, line, control_key, "must not be empty");
			control = NULL;
		} else {
			control = s;
		}
	}
	/* A default control socket too long is reported at the daemon key. */
	if (control && socket_path(ld, control, control_key, line, &abs)) {
		free(cfg->control_socket);
		cfg->control_socket = abs;
	} else {
		ld->control_ok = false;
	}
	free(s);

	if (values[D_CONTROL_MODE])
		parse_mode(ld, values[D_CONTROL_MODE], "daemon.control-mode",
			   lines[D_CONTROL_MODE], &cfg->daemon.control_mode);
	if (values[D_CONTROL_GROUP])
		parse_account(ld, values[D_CONTROL_GROUP], "daemon.control-group",
			      lines[D_CONTROL_GROUP], &cfg->control_group);
	if (values[D_USER])
		parse_account(ld, values[D_USER], "daemon.user", lines[D_USER], &cfg->user);
	if (values[D_GROUP])
		parse_account(ld, values[D_GROUP], "daemon.group", lines[D_GROUP], &cfg->group);
}

/* Make room for @n more instances, zeroed. */
static bool grow_instances(struct loader *ld, size_t n)
{
	struct icmsg_config *cfg = ld->cfg;
	size_t total = cfg->count + n;
	struct config_entry *e;
	struct instance_meta *m;

	if (total < n)
		return false;
	e = reallocarray(cfg->entries, total, sizeof(*e));
	if (!e)
		return false;
	cfg->entries = e;
	memset(e + cfg->count, 0, n * sizeof(*e));
	m = reallocarray(ld->metas, total, sizeof(*m));
	if (!m)
		return false;
	ld->metas = m;
	memset(m + cfg->count, 0, n * sizeof(*m));
	return true;
}

static const struct key_spec root_keys[] = {
	{ "instances", true, 0 },
	{ "daemon", false, 0 },
};

/* Parse and check the document of file ld->file, appending its instances. */
static void parse_document(struct loader *ld)
{
	yaml_node_t *root = yaml_document_get_root_node(&ld->doc), *list;
	yaml_node_t *values[ARRAY_SIZE(root_keys)];
	unsigned int lines[ARRAY_SIZE(root_keys)];
	struct icmsg_config *cfg = ld->cfg;
	struct instance_meta *metas;
	struct config_entry *e;
	char path[KEY_BUF];
	size_t i, n;

	if (ld->file == 0)
		ld->main_parsed = true;
	if (!root) {
		add_error(ld, 1, "instances", "missing required key (the file is empty)");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		add_error(ld, node_line(root), "yaml",
			  "the document must be a mapping with the key 'instances', not %s",
			  kind_name(root));
		return;
	}
	parse_mapping(ld, root, "", node_line(root), root_keys, ARRAY_SIZE(root_keys), values,
		      lines);
	/* Drop-ins add instances; daemon-wide settings in them would compete. */
	if (ld->file == 0)
		parse_daemon(ld, values[1], lines[1]);
	else if (values[1])
		add_error(ld, lines[1], "daemon", "the daemon section belongs in the main file");
	if (ld->oom)
		return;

	list = values[0];
	if (!list)
		return;
	if (list->type != YAML_SEQUENCE_NODE) {
		add_error(ld, lines[0], "instances", "must be a sequence, not %s (use [] for none)",
			  kind_name(list));
		return;
	}
	n = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
	if (n == 0)
		return;
	if (!grow_instances(ld, n)) {
		ld->oom = true;
		return;
	}
	e = cfg->entries + cfg->count;
	metas = ld->metas + cfg->count;
	cfg->count += n;

	for (i = 0; i < n; i++) {
		yaml_node_t *item = yaml_document_get_node(&ld->doc,
							   list->data.sequence.items.start[i]);
		struct instance_report rep = { .ld = ld, .m = &metas[i], .path = path };

		icmsg_link_config_init(&e[i].cfg);
		relay_config_init(&e[i].relay);
		metas[i].file = ld->file;
		metas[i].index = i;
		key_printf(path, "instances[%zu]", i);
		if (!item) {
			fset_fill(&metas[i].bad);
			continue;
		}
		metas[i].line = node_line(item);
		parse_instance(ld, item, path, &e[i], &metas[i]);
		if (ld->oom)
			break;
		config_check(&e[i].cfg, &metas[i].bad, report_instance, &rep);
		finish_socket(ld, path, &e[i], &metas[i]);
		if (ld->oom)
			break;
	}
	/* Instances the loop did not reach must not take part in the checks. */
	for (; i < n; i++)
		fset_fill(&metas[i].bad);
}

/* Report a libyaml parser error at the parser's line. */
static void report_syntax(struct loader *ld, const yaml_parser_t *p, const char *buf,
			  size_t len)
{
	const char *problem = p->problem ? p->problem : "syntax error";
	unsigned int line = (unsigned int)p->problem_mark.line + 1;
	size_t i;

	if (p->error == YAML_MEMORY_ERROR) {
		ld->oom = true;
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		/* Reader errors (bad UTF-8, control characters) carry an offset only. */
		line = 1;
		for (i = 0; i < p->problem_offset && i < len; i++)
			line += buf[i] == '\n';
		add_error(ld, line, "yaml", "%s", problem);
	} else if (p->context) {
		add_error(ld, line, "yaml", "%s (%s at line %zu)", problem, p->context,
			  p->context_mark.line + 1);
	} else {
		add_error(ld, line, "yaml", "%s", problem);
	}
}

/* Read the whole file: libyaml's own file reader loses errno. */
static int read_file(const char *path, char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	char *buf = NULL, *p;
	struct stat st;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto err_close;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto err_close;
	}
	for (;;) {
		if (!buf || len == cap) {
			if (buf)
				cap *= 2;
			if (cap > FILE_MAX_SIZE + 1)
				cap = FILE_MAX_SIZE + 1;
			if (len == cap) {
				err = -EFBIG;
				goto err_close;
			}
			p = realloc(buf, cap);
			if (!p) {
				err = -ENOMEM;
				goto err_close;
			}
			buf = p;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto err_close;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*ret = buf;
	*ret_len = len;
	return 0;

err_close:
	free(buf);
	close(fd);
	return err;
}

/* Directory part of @file, or NULL when it has none (paths stay relative to cwd). */
static int dir_of(const char *file, char **ret)
{
	const char *slash = strrchr(file, '/');

	*ret = NULL;
	if (!slash)
		return 0;
	/* "/cfg.yaml": the directory is "/", and "" + "/" + path is right. */
	*ret = strndup(file, (size_t)(slash - file));
	return *ret ? 0 : -ENOMEM;
}

/*
 * load_one() - read, parse and check file ld->file, appending its
 * instances to ld->cfg. Problems with the content are collected as errors.
 * Return: 0, or the negative errno of a file that cannot be read (also
 * collected as an error line).
 */
static int load_one(struct loader *ld)
{
	const char *file = ld->files[ld->file];
	size_t len = 0, before = ld->n_errors;
	yaml_document_t extra;
	yaml_parser_t parser;
	char *buf = NULL, *text;
	int err;

	err = read_file(file, &buf, &len);
	if (err < 0) {
		if (asprintf(&text, "%s: cannot read: %s", file, strerror(-err)) < 0)
			ld->oom = true;
		else
			push_error(ld, ld->file, 0, text);
		return err;
	}
	if (dir_of(file, &ld->dir) < 0 || !yaml_parser_initialize(&parser)) {
		ld->oom = true;
		goto out;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &ld->doc)) {
		report_syntax(ld, &parser, buf, len);
	} else {
		/* A second document would be silently ignored: refuse it. */
		if (yaml_document_get_root_node(&ld->doc)) {
			if (!yaml_parser_load(&parser, &extra)) {
				report_syntax(ld, &parser, buf, len);
			} else {
				if (yaml_document_get_root_node(&extra))
					add_error(ld, (unsigned int)extra.start_mark.line + 1,
						  "yaml", "only one document is allowed");
				yaml_document_delete(&extra);
			}
		}
		if (ld->n_errors == before && !ld->oom)
			parse_document(ld);
		yaml_document_delete(&ld->doc);
	}
	yaml_parser_delete(&parser);
out:
	free(ld->dir);
	ld->dir = NULL;
	free(buf);
	return 0;
}

/* The daemon settings before the main file changes them. */
static int daemon_defaults(struct icmsg_config *cfg)
{
	cfg->runtime_dir = strdup(default_daemon.runtime_dir);
	cfg->control_socket = strdup(default_daemon.control_socket);
	cfg->daemon.control_mode = default_daemon.control_mode;
	return cfg->runtime_dir && cfg->control_socket ? 0 : -ENOMEM;
}

ICMSG_EXPORT int icmsg_config_load_files(const char *const *paths, size_t n_paths,
					 struct icmsg_config **ret, char **ret_error)
{
	struct loader ld = { .files = paths, .rd_ok = true, .control_ok = true };
	struct icmsg_config *cfg;
	int err = 0, read_err = 0, r;
	size_t i;

	if (ret_error)
		*ret_error = NULL;
	if (!paths || n_paths == 0 || !ret)
		return -EINVAL;
	for (i = 0; i < n_paths; i++)
		if (!paths[i])
			return -EINVAL;

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg || daemon_defaults(cfg) < 0) {
		icmsg_config_free(cfg);
		return -ENOMEM;
	}
	ld.cfg = cfg;
	for (i = 0; i < n_paths && !ld.oom; i++) {
		ld.file = i;
		r = load_one(&ld);
		if (r < 0 && !read_err)
			read_err = r;
		/* Unread or unparsable: the runtime dir the main file wants is unknown. */
		if (i == 0 && !ld.main_parsed) {
			ld.rd_ok = false;
			ld.control_ok = false;
		}
	}
	if (!ld.oom) {
		check_names(&ld);
		check_shared(&ld, &shared_regions);
		check_shared(&ld, &shared_fifos);
		check_shared(&ld, &shared_eventfds);
		check_shared_sockets(&ld);
	}

	if (ld.oom) {
		err = -ENOMEM;
	} else if (ld.n_errors) {
		/* An unreadable file says more than the errors of the others. */
		err = read_err ? read_err : -EINVAL;
		if (ret_error) {
			*ret_error = errors_join(&ld);
			if (!*ret_error)
				err = -ENOMEM;
		}
	}
	for (i = 0; i < ld.n_errors; i++)
		free(ld.errors[i].text);
	free(ld.errors);
	free(ld.metas);
	if (err < 0) {
		icmsg_config_free(cfg);
		return err;
	}
	cfg->daemon.runtime_dir = cfg->runtime_dir;
	cfg->daemon.control_socket = cfg->control_socket;
	cfg->daemon.control_group = cfg->control_group;
	cfg->daemon.user = cfg->user;
	cfg->daemon.group = cfg->group;
	*ret = cfg;
	return 0;
}

ICMSG_EXPORT int icmsg_config_load(const char *path, struct icmsg_config **ret, char **ret_error)
{
	return icmsg_config_load_files(&path, 1, ret, ret_error);
}
