/*
 * json.c - JSON writer and parser.  See json.h.
 *
 * The parser is a recursive descent over a bounded cursor.  Recursion is
 * capped at JSON_MAX_DEPTH, so hostile nesting cannot exhaust the stack;
 * every allocation failure unwinds cleanly and frees what was built.
 */
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

/* ---- writer ------------------------------------------------------------ */

void json_w_init(struct json_w *w, struct buf *out, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->pretty = pretty;
	w->first[0] = true;
}

static void put(struct json_w *w, const char *s, size_t len)
{
	if (!w->err && buf_append(w->out, s, len) != 0)
		w->err = -ENOMEM;
}

static void puts_(struct json_w *w, const char *s)
{
	put(w, s, strlen(s));
}

static void newline(struct json_w *w)
{
	if (!w->pretty)
		return;
	put(w, "\n", 1);
	for (int i = 0; i < w->depth; i++)
		put(w, "  ", 2);
}

/* Separator and indentation before a value or key. */
static void before_item(struct json_w *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0) {
		if (!w->first[0])
			w->err = w->err ? w->err : -EINVAL; /* two top-level values */
		w->first[0] = false;
		return;
	}
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = false;
	newline(w);
}

static void open_(struct json_w *w, char c)
{
	before_item(w);
	put(w, &c, 1);
	if (w->depth >= JSON_MAX_DEPTH) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct json_w *w, char c)
{
	if (w->depth == 0) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	bool empty = w->first[w->depth];
	w->depth--;
	if (!empty)
		newline(w);
	put(w, &c, 1);
}

void json_w_obj_begin(struct json_w *w)
{
	open_(w, '{');
}

void json_w_obj_end(struct json_w *w)
{
	close_(w, '}');
}

void json_w_arr_begin(struct json_w *w)
{
	open_(w, '[');
}

void json_w_arr_end(struct json_w *w)
{
	close_(w, ']');
}

static void put_escaped(struct json_w *w, const char *s, size_t len)
{
	put(w, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char tmp[8];
		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			if (c < 0x20) {
				snprintf(tmp, sizeof(tmp), "\\u%04x", c);
				esc = tmp;
			}
		}
		if (esc) {
			put(w, s + run, i - run);
			puts_(w, esc);
			run = i + 1;
		}
	}
	put(w, s + run, len - run);
	put(w, "\"", 1);
}

void json_w_key(struct json_w *w, const char *key)
{
	before_item(w);
	put_escaped(w, key, strlen(key));
	put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
	w->after_key = true;
}

void json_w_strn(struct json_w *w, const char *s, size_t len)
{
	before_item(w);
	put_escaped(w, s, len);
}

void json_w_str(struct json_w *w, const char *s)
{
	json_w_strn(w, s ? s : "", s ? strlen(s) : 0);
}

void json_w_int(struct json_w *w, int64_t v)
{
	char tmp[32];
	before_item(w);
	snprintf(tmp, sizeof(tmp), "%" PRId64, v);
	puts_(w, tmp);
}

void json_w_uint(struct json_w *w, uint64_t v)
{
	char tmp[32];
	before_item(w);
	snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	puts_(w, tmp);
}

void json_w_double(struct json_w *w, double v)
{
	char tmp[40];
	before_item(w);
	if (!isfinite(v)) {
		puts_(w, "null"); /* JSON has no NaN or infinity */
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.17g", v);
	puts_(w, tmp);
}

void json_w_bool(struct json_w *w, bool v)
{
	before_item(w);
	puts_(w, v ? "true" : "false");
}

void json_w_null(struct json_w *w)
{
	before_item(w);
	puts_(w, "null");
}

void json_w_kv_str(struct json_w *w, const char *key, const char *v)
{
	json_w_key(w, key);
	json_w_str(w, v);
}

void json_w_kv_int(struct json_w *w, const char *key, int64_t v)
{
	json_w_key(w, key);
	json_w_int(w, v);
}

void json_w_kv_uint(struct json_w *w, const char *key, uint64_t v)
{
	json_w_key(w, key);
	json_w_uint(w, v);
}

void json_w_kv_double(struct json_w *w, const char *key, double v)
{
	json_w_key(w, key);
	json_w_double(w, v);
}

void json_w_kv_bool(struct json_w *w, const char *key, bool v)
{
	json_w_key(w, key);
	json_w_bool(w, v);
}

/* ---- tree -------------------------------------------------------------- */

struct json_val {
	enum json_type type;
	union {
		bool b;
		struct {
			double d;
			int64_t i;
			bool is_int;
		} num;
		struct {
			char *s;
			size_t len;
		} str;
		struct {
			struct json_val **items;
			char **keys; /* objects only */
			size_t n;
			size_t cap;
		} list;
	} u;
};

void json_free(struct json_val *v)
{
	if (!v)
		return;
	if (v->type == JSON_STRING) {
		free(v->u.str.s);
	} else if (v->type == JSON_ARRAY || v->type == JSON_OBJECT) {
		for (size_t i = 0; i < v->u.list.n; i++) {
			json_free(v->u.list.items[i]);
			if (v->u.list.keys)
				free(v->u.list.keys[i]);
		}
		free(v->u.list.items);
		free(v->u.list.keys);
	}
	free(v);
}

enum json_type json_type(const struct json_val *v)
{
	return v->type;
}

bool json_bool(const struct json_val *v)
{
	return v->type == JSON_BOOL && v->u.b;
}

double json_number(const struct json_val *v)
{
	return v->type == JSON_NUMBER ? v->u.num.d : 0;
}

bool json_int(const struct json_val *v, int64_t *out)
{
	if (v->type != JSON_NUMBER || !v->u.num.is_int)
		return false;
	*out = v->u.num.i;
	return true;
}

const char *json_string(const struct json_val *v, size_t *out_len)
{
	if (v->type != JSON_STRING)
		return NULL;
	if (out_len)
		*out_len = v->u.str.len;
	return v->u.str.s;
}

size_t json_len(const struct json_val *v)
{
	return (v->type == JSON_ARRAY || v->type == JSON_OBJECT) ? v->u.list.n : 0;
}

const struct json_val *json_at(const struct json_val *v, size_t i)
{
	if ((v->type != JSON_ARRAY && v->type != JSON_OBJECT) || i >= v->u.list.n)
		return NULL;
	return v->u.list.items[i];
}

const char *json_key_at(const struct json_val *v, size_t i)
{
	if (v->type != JSON_OBJECT || i >= v->u.list.n)
		return NULL;
	return v->u.list.keys[i];
}

const struct json_val *json_get(const struct json_val *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = obj->u.list.n; i-- > 0;)
		if (strcmp(obj->u.list.keys[i], key) == 0)
			return obj->u.list.items[i];
	return NULL;
}

int json_get_str(const struct json_val *obj, const char *key, const char **out)
{
	const struct json_val *v = json_get(obj, key);
	if (!v)
		return -ENOENT;
	if (v->type != JSON_STRING)
		return -EINVAL;
	*out = v->u.str.s;
	return 0;
}

int json_get_int(const struct json_val *obj, const char *key, int64_t *out)
{
	const struct json_val *v = json_get(obj, key);
	if (!v)
		return -ENOENT;
	if (v->type == JSON_STRING) {
		/* Ceph's CLI sends many numbers as strings ("pg_num": "32"). */
		char *end;
		errno = 0;
		long long n = strtoll(v->u.str.s, &end, 10);
		if (end == v->u.str.s || *end || errno)
			return -EINVAL;
		*out = n;
		return 0;
	}
	return json_int(v, out) ? 0 : -EINVAL;
}

int json_get_bool(const struct json_val *obj, const char *key, bool *out)
{
	const struct json_val *v = json_get(obj, key);
	if (!v)
		return -ENOENT;
	if (v->type == JSON_BOOL) {
		*out = v->u.b;
		return 0;
	}
	if (v->type == JSON_STRING) {
		if (strcmp(v->u.str.s, "true") == 0 || strcmp(v->u.str.s, "false") == 0) {
			*out = v->u.str.s[0] == 't';
			return 0;
		}
	}
	return -EINVAL;
}

void json_w_value(struct json_w *w, const struct json_val *v)
{
	switch (v->type) {
	case JSON_NULL:
		json_w_null(w);
		break;
	case JSON_BOOL:
		json_w_bool(w, v->u.b);
		break;
	case JSON_NUMBER:
		if (v->u.num.is_int)
			json_w_int(w, v->u.num.i);
		else
			json_w_double(w, v->u.num.d);
		break;
	case JSON_STRING:
		json_w_strn(w, v->u.str.s, v->u.str.len);
		break;
	case JSON_ARRAY:
		json_w_arr_begin(w);
		for (size_t i = 0; i < v->u.list.n; i++)
			json_w_value(w, v->u.list.items[i]);
		json_w_arr_end(w);
		break;
	case JSON_OBJECT:
		json_w_obj_begin(w);
		for (size_t i = 0; i < v->u.list.n; i++) {
			json_w_key(w, v->u.list.keys[i]);
			json_w_value(w, v->u.list.items[i]);
		}
		json_w_obj_end(w);
		break;
	}
}

/* ---- parser ------------------------------------------------------------ */

struct parser {
	const char *s;
	size_t pos, len;
	int depth;
	char *err;
	size_t errlen;
	int rc;
};

static int fail(struct parser *p, const char *fmt, ...) CAIRN_PRINTF(2, 3);
static int fail(struct parser *p, const char *fmt, ...)
{
	if (p->rc)
		return p->rc;
	p->rc = -EINVAL;
	if (p->err && p->errlen) {
		int n = snprintf(p->err, p->errlen, "offset %zu: ", p->pos);
		if (n > 0 && (size_t)n < p->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return p->rc;
}

static int oom(struct parser *p)
{
	if (!p->rc) {
		p->rc = -ENOMEM;
		if (p->err && p->errlen)
			snprintf(p->err, p->errlen, "out of memory");
	}
	return p->rc;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static struct json_val *new_val(struct parser *p, enum json_type t)
{
	struct json_val *v = calloc(1, sizeof(*v));
	if (!v) {
		oom(p);
		return NULL;
	}
	v->type = t;
	return v;
}

static int hex4(struct parser *p, uint32_t *out)
{
	uint32_t v = 0;
	if (p->len - p->pos < 4)
		return fail(p, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return fail(p, "bad hex digit in \\u escape");
	}
	*out = v;
	return 0;
}

static int put_utf8(struct buf *b, uint32_t cp)
{
	uint8_t o[4];
	size_t n;
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | (cp >> 6));
		o[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | (cp >> 12));
		o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		o[0] = (uint8_t)(0xf0 | (cp >> 18));
		o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_append(b, o, n);
}

static int parse_escape(struct parser *p, struct buf *b)
{
	if (p->pos >= p->len)
		return fail(p, "unterminated string");
	char c = p->s[p->pos++];
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k = strchr(from, c);
	if (c && k)
		return buf_append_byte(b, (uint8_t)to[k - from]) ? oom(p) : 0;
	if (c != 'u')
		return fail(p, "bad escape '\\%c'", c);
	uint32_t cp;
	if (hex4(p, &cp))
		return p->rc;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(p, "lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		uint32_t lo;
		if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
			return fail(p, "high surrogate without its pair");
		p->pos += 2;
		if (hex4(p, &lo))
			return p->rc;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(p, "bad surrogate pair");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return fail(p, "NUL in string");
	return put_utf8(b, cp) ? oom(p) : 0;
}

/* One UTF-8 sequence starting at p->pos, copied to @b. */
static int copy_utf8(struct parser *p, struct buf *b)
{
	const unsigned char *s = (const unsigned char *)p->s + p->pos;
	size_t left = p->len - p->pos, n;
	uint32_t cp;
	if (s[0] < 0x80) {
		n = 1;
		cp = s[0];
	} else if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return fail(p, "invalid UTF-8");
	}
	if (n > left)
		return fail(p, "truncated UTF-8");
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return fail(p, "invalid UTF-8");
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(p, "invalid UTF-8");
	p->pos += n;
	return buf_append(b, s, n) ? oom(p) : 0;
}

/* Parse a string at p->pos (on the opening quote) into a malloc'd NUL-terminated copy. */
static int parse_string_raw(struct parser *p, char **out, size_t *out_len)
{
	struct buf b = BUF_INIT;
	p->pos++; /* opening quote */
	for (;;) {
		if (p->pos >= p->len) {
			fail(p, "unterminated string");
			break;
		}
		unsigned char c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			p->pos++;
			if (!buf_cstr(&b)) {
				oom(p);
				break;
			}
			*out_len = b.len;
			*out = (char *)buf_steal(&b, NULL);
			return 0;
		}
		if (c < 0x20) {
			fail(p, "control character in string");
			break;
		}
		int rc;
		if (c == '\\') {
			p->pos++;
			rc = parse_escape(p, &b);
		} else {
			rc = copy_utf8(p, &b);
		}
		if (rc)
			break;
	}
	buf_fini(&b);
	return p->rc;
}

static struct json_val *parse_value(struct parser *p);

static int list_push(struct parser *p, struct json_val *list, char *key, struct json_val *item)
{
	if (list->u.list.n == list->u.list.cap) {
		size_t cap = list->u.list.cap ? list->u.list.cap * 2 : 4;
		struct json_val **items = realloc(list->u.list.items, cap * sizeof(*items));
		if (!items)
			return oom(p);
		list->u.list.items = items;
		if (list->type == JSON_OBJECT) {
			char **keys = realloc(list->u.list.keys, cap * sizeof(*keys));
			if (!keys)
				return oom(p);
			list->u.list.keys = keys;
		}
		list->u.list.cap = cap;
	}
	list->u.list.items[list->u.list.n] = item;
	if (list->type == JSON_OBJECT)
		list->u.list.keys[list->u.list.n] = key;
	list->u.list.n++;
	return 0;
}

static struct json_val *parse_list(struct parser *p, enum json_type t)
{
	char close = t == JSON_ARRAY ? ']' : '}';
	if (++p->depth > JSON_MAX_DEPTH) {
		fail(p, "nesting deeper than %d", JSON_MAX_DEPTH);
		return NULL;
	}
	struct json_val *v = new_val(p, t);
	if (!v)
		return NULL;
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		p->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		size_t klen;
		skip_ws(p);
		if (t == JSON_OBJECT) {
			if (p->pos >= p->len || p->s[p->pos] != '"') {
				fail(p, "expected a string key");
				goto out_free;
			}
			if (parse_string_raw(p, &key, &klen))
				goto out_free;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				free(key);
				fail(p, "expected ':'");
				goto out_free;
			}
			p->pos++;
		}
		struct json_val *item = parse_value(p);
		if (!item || list_push(p, v, key, item)) {
			free(key);
			json_free(item);
			goto out_free;
		}
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			p->depth--;
			return v;
		}
		fail(p, "expected ',' or '%c'", close);
		goto out_free;
	}
out_free:
	json_free(v);
	return NULL;
}

static size_t digits(struct parser *p)
{
	size_t n = 0;
	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		p->pos++;
		n++;
	}
	return n;
}

/* JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static struct json_val *parse_number(struct parser *p)
{
	size_t start = p->pos;
	bool is_int = true;
	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	size_t int_start = p->pos;
	size_t nint = digits(p);
	if (nint == 0) {
		fail(p, "bad number");
		return NULL;
	}
	if (nint > 1 && p->s[int_start] == '0') {
		fail(p, "leading zero in number");
		return NULL;
	}
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		is_int = false;
		if (digits(p) == 0) {
			fail(p, "digits expected after '.'");
			return NULL;
		}
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		is_int = false;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (digits(p) == 0) {
			fail(p, "digits expected in exponent");
			return NULL;
		}
	}
	char tmp[64];
	size_t n = p->pos - start;
	if (n >= sizeof(tmp)) {
		fail(p, "number too long");
		return NULL;
	}
	memcpy(tmp, p->s + start, n);
	tmp[n] = '\0';
	char *end;
	double d = strtod(tmp, &end);
	if (*end || !isfinite(d)) {
		fail(p, "bad number");
		return NULL;
	}
	struct json_val *v = new_val(p, JSON_NUMBER);
	if (!v)
		return NULL;
	v->u.num.d = d;
	if (is_int) {
		errno = 0;
		long long i = strtoll(tmp, &end, 10);
		if (errno == 0 && !*end) {
			v->u.num.i = i;
			v->u.num.is_int = true;
		}
	}
	return v;
}

static struct json_val *parse_word(struct parser *p, const char *word, enum json_type t, bool b)
{
	size_t n = strlen(word);
	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) {
		fail(p, "unexpected character");
		return NULL;
	}
	p->pos += n;
	struct json_val *v = new_val(p, t);
	if (v)
		v->u.b = b;
	return v;
}

static struct json_val *parse_value(struct parser *p)
{
	skip_ws(p);
	if (p->pos >= p->len) {
		fail(p, "unexpected end of input");
		return NULL;
	}
	switch (p->s[p->pos]) {
	case '{':
		return parse_list(p, JSON_OBJECT);
	case '[':
		return parse_list(p, JSON_ARRAY);
	case '"': {
		struct json_val *v = new_val(p, JSON_STRING);
		if (v && parse_string_raw(p, &v->u.str.s, &v->u.str.len)) {
			free(v);
			return NULL;
		}
		return v;
	}
	case 't':
		return parse_word(p, "true", JSON_BOOL, true);
	case 'f':
		return parse_word(p, "false", JSON_BOOL, false);
	case 'n':
		return parse_word(p, "null", JSON_NULL, false);
	default:
		return parse_number(p);
	}
}

int json_parse(const char *text, size_t len, struct json_val **out, char *err, size_t errlen)
{
	struct parser p = {.s = text, .len = len, .err = err, .errlen = errlen};
	if (len > JSON_MAX_INPUT) {
		if (err && errlen)
			snprintf(err, errlen, "input larger than %u bytes", JSON_MAX_INPUT);
		return -EINVAL;
	}
	struct json_val *v = parse_value(&p);
	if (!v)
		return p.rc ? p.rc : -EINVAL;
	skip_ws(&p);
	if (p.pos != p.len) {
		json_free(v);
		return fail(&p, "trailing data after the document");
	}
	*out = v;
	return 0;
}
