/*
 * json.h - a small JSON writer and parser.
 *
 * Monitor commands arrive as JSON documents ({"prefix": "osd pool create",
 * "pool": "rbd", ...}), answers and admin-socket dumps are JSON, so every
 * daemon and tool needs both directions.  This is deliberately small:
 * a writer that appends to a struct buf, and a parser that builds an
 * immutable tree with hard limits on depth and size, for input that
 * comes from outside.
 *
 * Not thread safe per object; distinct objects may be used concurrently.
 */
#ifndef CAIRN_JSON_H
#define CAIRN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* ---- writer ------------------------------------------------------------ */

#define JSON_MAX_DEPTH 64

struct json_w {
	struct buf *out;
	int depth;
	bool pretty;
	bool first[JSON_MAX_DEPTH + 1]; /* no member written yet at this depth */
	bool after_key;
	int err; /* first error (-ENOMEM, -EINVAL for misuse); sticky */
};

/* Write into @out (appending).  @pretty indents with 2 spaces. */
void json_w_init(struct json_w *w, struct buf *out, bool pretty);
/* 0, or the first error met while writing. */
static inline int json_w_error(const struct json_w *w)
{
	return w->err;
}

void json_w_obj_begin(struct json_w *w);
void json_w_obj_end(struct json_w *w);
void json_w_arr_begin(struct json_w *w);
void json_w_arr_end(struct json_w *w);
/* The key of the next member of the current object. */
void json_w_key(struct json_w *w, const char *key);
void json_w_str(struct json_w *w, const char *s);
void json_w_strn(struct json_w *w, const char *s, size_t len);
void json_w_int(struct json_w *w, int64_t v);
void json_w_uint(struct json_w *w, uint64_t v);
void json_w_double(struct json_w *w, double v);
void json_w_bool(struct json_w *w, bool v);
void json_w_null(struct json_w *w);

/* Shorthands for "key": value. */
void json_w_kv_str(struct json_w *w, const char *key, const char *v);
void json_w_kv_int(struct json_w *w, const char *key, int64_t v);
void json_w_kv_uint(struct json_w *w, const char *key, uint64_t v);
void json_w_kv_double(struct json_w *w, const char *key, double v);
void json_w_kv_bool(struct json_w *w, const char *key, bool v);

/* ---- parser ------------------------------------------------------------ */

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_val;

/* Limits for untrusted input. */
#define JSON_MAX_INPUT (16u << 20)

/*
 * Parse one JSON document (surrounding whitespace allowed).  Strings must
 * be valid UTF-8; \u escapes (with surrogate pairs) are decoded; a NUL
 * inside a string is rejected.  Nesting is limited to JSON_MAX_DEPTH.
 * Returns 0 and a tree to free with json_free(), -EINVAL with @err
 * ("offset 17: expected ':'") or -ENOMEM.
 */
int json_parse(const char *text, size_t len, struct json_val **out, char *err, size_t errlen);
void json_free(struct json_val *v);

enum json_type json_type(const struct json_val *v);
bool json_bool(const struct json_val *v);
double json_number(const struct json_val *v);
/* True when the number is an integer that fits int64_t; then *out is it. */
bool json_int(const struct json_val *v, int64_t *out);
/* The string's bytes (NUL-terminated) and length. */
const char *json_string(const struct json_val *v, size_t *out_len);
/* Array or object size. */
size_t json_len(const struct json_val *v);
/* Array element or object value @i. */
const struct json_val *json_at(const struct json_val *v, size_t i);
/* Object key @i. */
const char *json_key_at(const struct json_val *v, size_t i);
/* Member @key of an object (the last one if repeated), or NULL. */
const struct json_val *json_get(const struct json_val *obj, const char *key);

/*
 * Typed member access for command arguments: 0, -ENOENT when absent,
 * -EINVAL when of another type (or, for ints, not an integer).  Strings
 * are borrowed from the tree.
 */
int json_get_str(const struct json_val *obj, const char *key, const char **out);
int json_get_int(const struct json_val *obj, const char *key, int64_t *out);
int json_get_bool(const struct json_val *obj, const char *key, bool *out);

/* Re-serialise a parsed value (compact) onto @w. */
void json_w_value(struct json_w *w, const struct json_val *v);

#endif
