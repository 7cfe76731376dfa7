/* SPDX-License-Identifier: MIT */
/*
 * A small JSON reader for the replies of icmsgd's control socket
 * (docs/icmsgd.md): it parses one datagram into a tree and lets the
 * commands pick the fields they know, ignoring the others. The input comes
 * from another process, so every malformed input is an error, never a
 * crash, and nesting is bounded.
 */
#ifndef ICMSG_CLI_JSON_H
#define ICMSG_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deeper documents are refused: the parser recurses once per level. */
#define CLI_JSON_MAX_DEPTH 64

enum cli_json_type {
	CLI_JSON_NULL,
	CLI_JSON_FALSE,
	CLI_JSON_TRUE,
	CLI_JSON_NUMBER,
	CLI_JSON_STRING,
	CLI_JSON_ARRAY,
	CLI_JSON_OBJECT,
};

/**
 * struct cli_json - one value of a parsed document.
 * @type:  what it is.
 * @key:   its member name when it sits in an object (decoded, NUL-terminated),
 *         else NULL.
 * @str:   STRING: the decoded text (UTF-8, NUL-terminated, may hold a NUL
 *         from \u0000, see @len); NUMBER: the literal as written. Else NULL.
 * @len:   length of @str in bytes.
 * @num:   NUMBER: its value as a double.
 * @child: ARRAY, OBJECT: the first element or member, NULL if empty.
 * @next:  the next element or member of the parent, NULL after the last.
 */
struct cli_json {
	enum cli_json_type type;
	char *key;
	char *str;
	size_t len;
	double num;
	struct cli_json *child;
	struct cli_json *next;
};

/**
 * cli_json_parse() - parse @len bytes of @text (need not be NUL-terminated)
 * as exactly one JSON value, blanks around it allowed.
 * @ret must be freed by the caller using cli_json_free().
 * @return 0, -EBADMSG (malformed; *@ret_why says what and *@ret_offset
 *         where, in bytes) or -ENOMEM.
 */
int cli_json_parse(const char *text, size_t len, struct cli_json **ret, const char **ret_why,
		   size_t *ret_offset);

/** cli_json_free() - free a tree from cli_json_parse(); NULL is fine. Returns NULL. */
struct cli_json *cli_json_free(struct cli_json *v);

/**
 * cli_json_get() - the member @key of object @obj (the first, if repeated).
 * @return the member, or NULL if @obj is NULL, not an object, or lacks @key.
 *         Valid for the lifetime of the tree.
 */
const struct cli_json *cli_json_get(const struct cli_json *obj, const char *key);

/**
 * cli_json_string() - the text of a string value.
 * @return the text, or NULL if @v is NULL, not a string, or holds a NUL
 *         (which C strings cannot carry). Valid for the lifetime of the tree.
 */
const char *cli_json_string(const struct cli_json *v);

/**
 * cli_json_u64() - the value of a non-negative integer number, exactly
 * (counters may exceed what a double holds).
 * @return true and *@ret, or false if @v is not such a number or overflows.
 */
bool cli_json_u64(const struct cli_json *v, uint64_t *ret);

/** cli_json_number() - a number's value. @return true and *@ret, or false. */
bool cli_json_number(const struct cli_json *v, double *ret);

/** cli_json_is(v, type) - true if @v is not NULL and of @type. */
bool cli_json_is(const struct cli_json *v, enum cli_json_type type);

/** cli_json_count() - elements of an array or members of an object, else 0. */
size_t cli_json_count(const struct cli_json *v);

#endif /* ICMSG_CLI_JSON_H */
