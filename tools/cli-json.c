// SPDX-License-Identifier: MIT
/*
 * A recursive-descent JSON reader (RFC 8259) for the control replies of
 * icmsgd. It builds a tree of struct cli_json; see cli-json.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli-json.h"

struct parser {
	const char *p;    /* next byte */
	const char *end;  /* one past the last byte */
	const char *start;
	const char *why;  /* first error, NULL while all is well */
	const char *at;   /* where it was found */
	bool nomem;
};

static bool fail(struct parser *ps, const char *why)
{
	if (!ps->why) {
		ps->why = why;
		ps->at = ps->p;
	}
	return false;
}

static void skip_blanks(struct parser *ps)
{
	/* Only the four blanks JSON allows, not isspace()'s \v and \f. */
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail(ps, "unexpected character");
	ps->p += n;
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool parse_number(struct parser *ps, struct cli_json *v)
{
	const char *s = ps->p, *p = ps->p;
	char *end;

	/* The JSON grammar, stricter than strtod(): no '+', no leading
	 * zeros, no hex, no "inf" or "nan", digits on both sides of '.'. */
	if (p < ps->end && *p == '-')
		p++;
	if (p >= ps->end || !is_digit(*p))
		goto err;
	if (*p == '0')
		p++;
	else
		while (p < ps->end && is_digit(*p))
			p++;
	if (p < ps->end && *p == '.') {
		p++;
		if (p >= ps->end || !is_digit(*p))
			goto err;
		while (p < ps->end && is_digit(*p))
			p++;
	}
	if (p < ps->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < ps->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= ps->end || !is_digit(*p))
			goto err;
		while (p < ps->end && is_digit(*p))
			p++;
	}
	v->type = CLI_JSON_NUMBER;
	v->len = (size_t)(p - s);
	v->str = strndup(s, v->len);
	if (!v->str) {
		ps->nomem = true;
		return fail(ps, "out of memory");
	}
	/* Checked above, so strtod() reads the whole literal; out of range
	 * gives HUGE_VAL or 0, which is fine for a display value. */
	v->num = strtod(v->str, &end);
	ps->p = p;
	return true;
err:
	ps->p = p;
	return fail(ps, "malformed number");
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A \uXXXX escape at ps->p (after the backslash and 'u'), surrogate pairs
 * joined. Lone surrogates become U+FFFD: valid JSON, but not UTF-8.
 * @return the code point, or -1 (failed). */
static int parse_unicode(struct parser *ps)
{
	int hi, lo;

	if (ps->end - ps->p < 4 || (hi = hex4(ps->p)) < 0) {
		fail(ps, "malformed \\u escape");
		return -1;
	}
	ps->p += 4;
	if (hi < 0xd800 || hi > 0xdfff)
		return hi;
	if (hi <= 0xdbff && ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u' &&
	    (lo = hex4(ps->p + 2)) >= 0xdc00 && lo <= 0xdfff) {
		ps->p += 6;
		return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	}
	return 0xfffd;
}

/* A string at ps->p (on the opening quote), decoded into *ret / *ret_len. */
static bool parse_string(struct parser *ps, char **ret, size_t *ret_len)
{
	const char *q;
	size_t n = 0;
	char *out;
	int cp;

	ps->p++;
	/* Escapes only shrink (\uXXXX is 6 bytes for at most 3, a pair 12
	 * for 4), so the raw span up to the closing quote bounds the text. */
	for (q = ps->p; q < ps->end && *q != '"'; q++)
		if (*q == '\\' && q + 1 < ps->end)
			q++;
	if (q >= ps->end)
		return fail(ps, "unterminated string");
	out = malloc((size_t)(q - ps->p) + 1);
	if (!out) {
		ps->nomem = true;
		return fail(ps, "out of memory");
	}
	while (*ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;

		if (c < 0x20) {
			fail(ps, "control character in string");
			goto err;
		}
		if (c != '\\') {
			out[n++] = (char)c;
			ps->p++;
			continue;
		}
		ps->p++;
		switch (*ps->p++) {
		case '"':
			out[n++] = '"';
			break;
		case '\\':
			out[n++] = '\\';
			break;
		case '/':
			out[n++] = '/';
			break;
		case 'b':
			out[n++] = '\b';
			break;
		case 'f':
			out[n++] = '\f';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'u':
			cp = parse_unicode(ps);
			if (cp < 0)
				goto err;
			n += put_utf8(out + n, (uint32_t)cp);
			break;
		default:
			ps->p--;
			fail(ps, "unknown escape in string");
			goto err;
		}
	}
	ps->p++;
	out[n] = '\0';
	*ret = out;
	*ret_len = n;
	return true;
err:
	free(out);
	return false;
}

static bool parse_value(struct parser *ps, struct cli_json *v, int depth);

/* The elements of an array or the members of an object, after the '['
 * or '{' at ps->p. Each child is linked in as soon as it exists, so that
 * cli_json_free() of @v releases a partial tree on error. */
static bool parse_container(struct parser *ps, struct cli_json *v, int depth)
{
	bool object = *ps->p == '{';
	char close = object ? '}' : ']';
	struct cli_json **link = &v->child, *c;

	if (depth >= CLI_JSON_MAX_DEPTH)
		return fail(ps, "nested too deeply");
	v->type = object ? CLI_JSON_OBJECT : CLI_JSON_ARRAY;
	ps->p++;
	skip_blanks(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return true;
	}
	for (;;) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			ps->nomem = true;
			return fail(ps, "out of memory");
		}
		*link = c;
		link = &c->next;
		skip_blanks(ps);
		if (object) {
			size_t klen;

			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, "expected a member name");
			if (!parse_string(ps, &c->key, &klen))
				return false;
			skip_blanks(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return fail(ps, "expected ':'");
			ps->p++;
		}
		if (!parse_value(ps, c, depth + 1))
			return false;
		skip_blanks(ps);
		if (ps->p >= ps->end)
			return fail(ps, object ? "unterminated object" : "unterminated array");
		if (*ps->p == close) {
			ps->p++;
			return true;
		}
		if (*ps->p != ',')
			return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
		ps->p++;
	}
}

static bool parse_value(struct parser *ps, struct cli_json *v, int depth)
{
	skip_blanks(ps);
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end");
	switch (*ps->p) {
	case '{':
	case '[':
		return parse_container(ps, v, depth);
	case '"':
		v->type = CLI_JSON_STRING;
		return parse_string(ps, &v->str, &v->len);
	case 'n':
		v->type = CLI_JSON_NULL;
		return literal(ps, "null");
	case 't':
		v->type = CLI_JSON_TRUE;
		return literal(ps, "true");
	case 'f':
		v->type = CLI_JSON_FALSE;
		return literal(ps, "false");
	default:
		if (*ps->p == '-' || is_digit(*ps->p))
			return parse_number(ps, v);
		return fail(ps, "unexpected character");
	}
}

int cli_json_parse(const char *text, size_t len, struct cli_json **ret, const char **ret_why,
		   size_t *ret_offset)
{
	struct parser ps = { .p = text, .end = text + len, .start = text };
	struct cli_json *root;

	root = calloc(1, sizeof(*root));
	if (!root)
		return -ENOMEM;
	if (parse_value(&ps, root, 0)) {
		skip_blanks(&ps);
		if (ps.p != ps.end)
			fail(&ps, "trailing data after the value");
	}
	if (ps.why) {
		cli_json_free(root);
		if (ps.nomem)
			return -ENOMEM;
		*ret_why = ps.why;
		*ret_offset = (size_t)(ps.at - ps.start);
		return -EBADMSG;
	}
	*ret = root;
	return 0;
}

struct cli_json *cli_json_free(struct cli_json *v)
{
	struct cli_json *next;

	/* Siblings in a loop, children by recursion: the depth is bounded
	 * by CLI_JSON_MAX_DEPTH, the length of a list is not. */
	for (; v; v = next) {
		next = v->next;
		cli_json_free(v->child);
		free(v->key);
		free(v->str);
		free(v);
	}
	return NULL;
}

const struct cli_json *cli_json_get(const struct cli_json *obj, const char *key)
{
	if (!obj || obj->type != CLI_JSON_OBJECT || !key)
		return NULL;
	for (const struct cli_json *m = obj->child; m; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

const char *cli_json_string(const struct cli_json *v)
{
	if (!v || v->type != CLI_JSON_STRING || strlen(v->str) != v->len)
		return NULL;
	return v->str;
}

bool cli_json_u64(const struct cli_json *v, uint64_t *ret)
{
	uint64_t n = 0;

	if (!v || v->type != CLI_JSON_NUMBER || v->len == 0)
		return false;
	/* Digits only: "1.0", "1e3" and "-0" are not counters. */
	for (size_t i = 0; i < v->len; i++) {
		unsigned d = (unsigned)(v->str[i] - '0');

		if (d > 9 || n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*ret = n;
	return true;
}

bool cli_json_number(const struct cli_json *v, double *ret)
{
	if (!v || v->type != CLI_JSON_NUMBER)
		return false;
	*ret = v->num;
	return true;
}

bool cli_json_is(const struct cli_json *v, enum cli_json_type type)
{
	return v && v->type == type;
}

size_t cli_json_count(const struct cli_json *v)
{
	size_t n = 0;

	if (!v || (v->type != CLI_JSON_ARRAY && v->type != CLI_JSON_OBJECT))
		return 0;
	for (const struct cli_json *c = v->child; c; c = c->next)
		n++;
	return n;
}
