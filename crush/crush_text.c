/*
 * crush_text.c - compiler and decompiler of the crush map text format.
 *
 * The compiler is a hand-written recursive-descent parser over a tiny
 * lexer (words, braces, brackets; `#` comments).  Every token remembers
 * its line and column so errors point at the offending spot and say what
 * was expected there.  Semantic checks (unknown names, duplicate ids) are
 * reported at the token that introduced the problem; whole-map checks run
 * at the end through crush_map_validate().
 *
 * Decimal weights are converted with integer arithmetic only, so the same
 * text gives the same map everywhere.
 *
 * Threading: no shared state.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crush_builder.h"
#include "crush_int.h"
#include "crush_text.h"

enum tok_kind { T_EOF, T_WORD, T_LBRACE, T_RBRACE, T_LBRACK, T_RBRACK };

struct tok {
	enum tok_kind kind;
	const char *s;
	size_t len;
	int line, col;
};

struct parser {
	const char *p, *end;
	int line, col;
	struct tok cur;
	int have;
	struct crush_map *map;
	char *err;
	size_t errlen;
	int shadows_dirty;
};

/* --- lexer ------------------------------------------------------------ */

static void advance(struct parser *ps)
{
	if (*ps->p == '\n') {
		ps->line++;
		ps->col = 1;
	} else {
		ps->col++;
	}
	ps->p++;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_special(char c)
{
	return c == '{' || c == '}' || c == '[' || c == ']' || c == '#';
}

static void lex(struct parser *ps, struct tok *t)
{
	for (;;) {
		while (ps->p < ps->end && is_space(*ps->p))
			advance(ps);
		if (ps->p < ps->end && *ps->p == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				advance(ps);
			continue;
		}
		break;
	}
	t->line = ps->line;
	t->col = ps->col;
	t->s = ps->p;
	t->len = 0;
	if (ps->p >= ps->end) {
		t->kind = T_EOF;
		return;
	}
	switch (*ps->p) {
	case '{':
		t->kind = T_LBRACE;
		break;
	case '}':
		t->kind = T_RBRACE;
		break;
	case '[':
		t->kind = T_LBRACK;
		break;
	case ']':
		t->kind = T_RBRACK;
		break;
	default:
		t->kind = T_WORD;
		while (ps->p < ps->end && !is_space(*ps->p) && !is_special(*ps->p)) {
			advance(ps);
			t->len++;
		}
		return;
	}
	advance(ps);
	t->len = 1;
}

static struct tok *peek(struct parser *ps)
{
	if (!ps->have) {
		lex(ps, &ps->cur);
		ps->have = 1;
	}
	return &ps->cur;
}

static struct tok next(struct parser *ps)
{
	struct tok t = *peek(ps);
	ps->have = 0;
	return t;
}

static const char *kind_name(enum tok_kind k)
{
	switch (k) {
	case T_EOF:
		return "end of input";
	case T_LBRACE:
		return "'{'";
	case T_RBRACE:
		return "'}'";
	case T_LBRACK:
		return "'['";
	case T_RBRACK:
		return "']'";
	default:
		return "word";
	}
}

__attribute__((format(printf, 3, 4))) static int error_at(struct parser *ps, const struct tok *t,
							   const char *fmt, ...)
{
	if (ps->err && ps->errlen) {
		int n = snprintf(ps->err, ps->errlen, "line %d, column %d: ", t->line, t->col);
		if (n >= 0 && (size_t)n < ps->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

static int expected(struct parser *ps, const struct tok *t, const char *what)
{
	if (t->kind == T_WORD)
		return error_at(ps, t, "expected %s, got '%.*s'", what, (int)(t->len > 64 ? 64 : t->len),
				t->s);
	return error_at(ps, t, "expected %s, got %s", what, kind_name(t->kind));
}

static int tok_is(const struct tok *t, const char *w)
{
	return t->kind == T_WORD && strlen(w) == t->len && !memcmp(t->s, w, t->len);
}

static int expect_kind(struct parser *ps, enum tok_kind k)
{
	struct tok t = next(ps);
	if (t.kind != k)
		return expected(ps, &t, kind_name(k));
	return 0;
}

static int expect_word(struct parser *ps, const char *w)
{
	struct tok t = next(ps);
	if (!tok_is(&t, w)) {
		char what[64];
		snprintf(what, sizeof(what), "'%s'", w);
		return expected(ps, &t, what);
	}
	return 0;
}

/* A name token copied into buf (NUL-terminated). */
static int get_name(struct parser *ps, char *buf, struct tok *out_t, const char *what)
{
	struct tok t = next(ps);
	if (t.kind != T_WORD || t.len >= CRUSH_MAX_NAME)
		return expected(ps, &t, what);
	memcpy(buf, t.s, t.len);
	buf[t.len] = 0;
	if (out_t)
		*out_t = t;
	if (!crush__name_valid(buf))
		return error_at(ps, &t, "invalid %s '%s'", what, buf);
	return 0;
}

static int parse_i64_tok(const struct tok *t, int64_t lo, int64_t hi, int64_t *out)
{
	if (t->kind != T_WORD || t->len == 0 || t->len > 24)
		return -EINVAL;
	size_t i = 0;
	int neg = 0;
	if (t->s[0] == '-' || t->s[0] == '+') {
		neg = t->s[0] == '-';
		i = 1;
	}
	if (i == t->len)
		return -EINVAL;
	uint64_t v = 0;
	for (; i < t->len; i++) {
		char c = t->s[i];
		if (c < '0' || c > '9')
			return -EINVAL;
		uint64_t d = (uint64_t)(c - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	int64_t r;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else if (v > (uint64_t)INT64_MAX) {
		/* choose_args ids are printed unsigned: 2^64-1 is -1 */
		if (hi != INT64_MAX)
			return -ERANGE;
		r = (int64_t)(v - (uint64_t)INT64_MAX - 1) + INT64_MIN;
	} else {
		r = (int64_t)v;
	}
	if (r < lo || r > hi)
		return -ERANGE;
	*out = r;
	return 0;
}

static int get_int(struct parser *ps, int64_t lo, int64_t hi, int64_t *out, const char *what)
{
	struct tok t = next(ps);
	int rc = parse_i64_tok(&t, lo, hi, out);
	if (rc == -ERANGE)
		return error_at(ps, &t, "%s out of range [%" PRId64 ", %" PRId64 "]", what, lo, hi);
	if (rc)
		return expected(ps, &t, what);
	return 0;
}

/* Decimal "12.345" to 16.16, rounded to nearest, integers only. */
static int parse_weight_tok(const struct tok *t, uint32_t *out)
{
	uint64_t ip = 0, fp = 0, scale = 1;
	size_t i = 0;
	int digits = 0;
	if (t->kind != T_WORD)
		return -EINVAL;
	for (; i < t->len && t->s[i] >= '0' && t->s[i] <= '9'; i++, digits++) {
		ip = ip * 10 + (uint64_t)(t->s[i] - '0');
		if (ip > 65535)
			return -ERANGE;
	}
	if (i < t->len && t->s[i] == '.') {
		for (i++; i < t->len && t->s[i] >= '0' && t->s[i] <= '9'; i++, digits++) {
			if (scale < 1000000000ull) {
				fp = fp * 10 + (uint64_t)(t->s[i] - '0');
				scale *= 10;
			}
		}
	}
	if (i != t->len || !digits)
		return -EINVAL;
	uint64_t w = (ip << 16) + (fp * 65536 + scale / 2) / scale;
	if (w > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)w;
	return 0;
}

static int get_weight(struct parser *ps, uint32_t *out)
{
	struct tok t = next(ps);
	int rc = parse_weight_tok(&t, out);
	if (rc == -ERANGE)
		return error_at(ps, &t, "weight out of range (max 65535.99998)");
	if (rc)
		return expected(ps, &t, "a non-negative decimal weight");
	return 0;
}

static int oom(struct parser *ps, int rc)
{
	if (rc == -ENOMEM && ps->err && ps->errlen)
		snprintf(ps->err, ps->errlen, "out of memory");
	return rc;
}

/* --- top-level items -------------------------------------------------- */

static const struct {
	const char *name;
	size_t off;
} tunable_names[] = {
	{ "choose_local_tries", offsetof(struct crush_tunables, choose_local_tries) },
	{ "choose_local_fallback_tries",
	  offsetof(struct crush_tunables, choose_local_fallback_tries) },
	{ "choose_total_tries", offsetof(struct crush_tunables, choose_total_tries) },
	{ "chooseleaf_descend_once", offsetof(struct crush_tunables, chooseleaf_descend_once) },
	{ "chooseleaf_vary_r", offsetof(struct crush_tunables, chooseleaf_vary_r) },
	{ "chooseleaf_stable", offsetof(struct crush_tunables, chooseleaf_stable) },
	{ "straw_calc_version", offsetof(struct crush_tunables, straw_calc_version) },
	{ "allowed_bucket_algs", offsetof(struct crush_tunables, allowed_bucket_algs) },
};

static int parse_tunable(struct parser *ps)
{
	struct tok t = next(ps);
	int64_t v;
	int rc = get_int(ps, 0, UINT32_MAX, &v, "a tunable value");
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(tunable_names) / sizeof(tunable_names[0]); i++)
		if (tok_is(&t, tunable_names[i].name)) {
			*(uint32_t *)((char *)&ps->map->tun + tunable_names[i].off) = (uint32_t)v;
			return 0;
		}
	/* Newer Ceph releases print tunables for algorithms Cairn does not
	 * have (msr_*); they do not affect straw2/firstn/indep, so skip them. */
	if (tok_is(&t, "msr_descents") || tok_is(&t, "msr_collision_tries"))
		return 0;
	return expected(ps, &t, "a tunable name");
}

static int parse_device(struct parser *ps)
{
	int64_t id;
	char name[CRUSH_MAX_NAME], cls[CRUSH_MAX_NAME];
	struct tok nt;
	int rc = get_int(ps, 0, CRUSH_MAX_DEVICES - 1, &id, "a device id");
	if (rc || (rc = get_name(ps, name, &nt, "a device name")))
		return rc;
	const char *c = NULL;
	if (tok_is(peek(ps), "class")) {
		next(ps);
		if ((rc = get_name(ps, cls, NULL, "a class name")))
			return rc;
		c = cls;
	}
	int32_t other, cid = -1;
	if (crush__device_ok(ps->map, (int32_t)id) ||
	    crush_map_item_by_name(ps->map, name, &other) == 0)
		return error_at(ps, &nt, "device id %" PRId64 " or name '%s' already defined", id,
				name);
	if (c && (rc = crush_add_class(ps->map, c, &cid)))
		return rc == -ENOMEM ? oom(ps, rc) : error_at(ps, &nt, "bad class '%s'", c);
	if ((rc = crush__grow_devices(ps->map, (int32_t)id + 1)))
		return oom(ps, rc);
	if (!(ps->map->device_names[id] = crush__strdup(name)))
		return oom(ps, -ENOMEM);
	ps->map->device_class[id] = cid;
	ps->shadows_dirty = 1;
	return 0;
}

static int parse_type(struct parser *ps)
{
	int64_t id;
	char name[CRUSH_MAX_NAME];
	struct tok nt;
	int rc = get_int(ps, 0, CRUSH_MAX_TYPES - 1, &id, "a type id");
	if (rc || (rc = get_name(ps, name, &nt, "a type name")))
		return rc;
	rc = crush_add_type(ps->map, (int32_t)id, name);
	if (rc == -EEXIST)
		return error_at(ps, &nt, "type %" PRId64 " or '%s' already defined", id, name);
	return oom(ps, rc);
}

/* Make sure the shadow trees exist before something refers to them. */
static int ensure_shadows(struct parser *ps, const struct tok *t)
{
	if (!ps->shadows_dirty)
		return 0;
	int rc = crush__rebuild_shadows(ps->map);
	if (rc == -ENOMEM)
		return oom(ps, rc);
	if (rc)
		return error_at(ps, t, "cannot build device-class trees (%s)", strerror(-rc));
	ps->shadows_dirty = 0;
	return 0;
}

struct pending_class_id {
	int32_t cls;
	int32_t shadow;
	struct tok t;
};

static int parse_bucket(struct parser *ps, const struct tok *type_tok, int32_t type)
{
	struct crush_map *map = ps->map;
	char name[CRUSH_MAX_NAME], buf[CRUSH_MAX_NAME];
	struct tok nt;
	int64_t id = 0, v;
	uint32_t alg = CRUSH_BUCKET_STRAW2, cap = 0, n = 0;
	int32_t *items = NULL;
	uint32_t *weights = NULL;
	struct pending_class_id *cids = NULL;
	uint32_t ncids = 0;
	int rc;

	(void)type_tok;
	if ((rc = get_name(ps, name, &nt, "a bucket name")))
		return rc;
	if (strchr(name, '~'))
		return error_at(ps, &nt, "'~' is reserved for device-class trees");
	int32_t other;
	if (crush_map_item_by_name(map, name, &other) == 0)
		return error_at(ps, &nt, "item '%s' already defined", name);
	if ((rc = expect_kind(ps, T_LBRACE)))
		return rc;
	for (;;) {
		struct tok t = next(ps);
		if (t.kind == T_RBRACE)
			break;
		if (tok_is(&t, "id")) {
			struct tok it = *peek(ps);
			if ((rc = get_int(ps, -CRUSH_MAX_BUCKETS, -1, &v, "a negative bucket id")))
				goto out_free;
			if (tok_is(peek(ps), "class")) {
				next(ps);
				struct tok ct;
				if ((rc = get_name(ps, buf, &ct, "a class name")))
					goto out_free;
				int32_t cls;
				if ((rc = crush_add_class(map, buf, &cls))) {
					rc = error_at(ps, &ct, "bad class name '%s'", buf);
					goto out_free;
				}
				struct pending_class_id *p =
					realloc(cids, (ncids + 1) * sizeof(*cids));
				if (!p) {
					rc = oom(ps, -ENOMEM);
					goto out_free;
				}
				cids = p;
				cids[ncids++] = (struct pending_class_id){ cls, (int32_t)v, it };
			} else {
				if (crush__bucket(map, (int32_t)v)) {
					rc = error_at(ps, &it, "bucket id %" PRId64 " already in use",
						      v);
					goto out_free;
				}
				id = v;
			}
		} else if (tok_is(&t, "alg")) {
			struct tok at = next(ps);
			if (tok_is(&at, "straw2"))
				alg = CRUSH_BUCKET_STRAW2;
			else if (tok_is(&at, "uniform"))
				alg = CRUSH_BUCKET_UNIFORM;
			else if (tok_is(&at, "list"))
				alg = CRUSH_BUCKET_LIST;
			else if (tok_is(&at, "straw") || tok_is(&at, "tree")) {
				rc = error_at(ps, &at,
					      "bucket algorithm '%.*s' is not supported; use straw2",
					      (int)at.len, at.s);
				goto out_free;
			} else {
				rc = expected(ps, &at, "straw2, uniform or list");
				goto out_free;
			}
		} else if (tok_is(&t, "hash")) {
			struct tok ht = next(ps);
			if (!tok_is(&ht, "0") && !tok_is(&ht, "rjenkins1")) {
				rc = expected(ps, &ht, "hash 0");
				goto out_free;
			}
		} else if (tok_is(&t, "item")) {
			struct tok itok;
			uint32_t w = CRUSH_WEIGHT_ONE;
			int32_t item;
			if ((rc = get_name(ps, buf, &itok, "an item name")))
				goto out_free;
			if (crush_map_item_by_name(map, buf, &item)) {
				rc = error_at(ps, &itok, "item '%s' is not defined (define it first)",
					      buf);
				goto out_free;
			}
			if (item < 0)
				w = crush__bucket(map, item)->weight;
			for (uint32_t i = 0; i < n; i++)
				if (items[i] == item) {
					rc = error_at(ps, &itok, "item '%s' listed twice", buf);
					goto out_free;
				}
			for (;;) {
				struct tok *pk = peek(ps);
				if (tok_is(pk, "weight")) {
					next(ps);
					if ((rc = get_weight(ps, &w)))
						goto out_free;
				} else if (tok_is(pk, "pos")) {
					next(ps);
					struct tok pt = *peek(ps);
					if ((rc = get_int(ps, 0, CRUSH_MAX_BUCKET_SIZE, &v,
							  "a position")))
						goto out_free;
					if (v != n) {
						rc = error_at(ps, &pt,
							      "items must be listed in position order");
						goto out_free;
					}
				} else {
					break;
				}
			}
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				if (cap > CRUSH_MAX_BUCKET_SIZE) {
					rc = error_at(ps, &itok, "too many items");
					goto out_free;
				}
				int32_t *ni = realloc(items, cap * sizeof(*ni));
				if (ni)
					items = ni;
				uint32_t *nw = realloc(weights, cap * sizeof(*nw));
				if (nw)
					weights = nw;
				if (!ni || !nw) {
					rc = oom(ps, -ENOMEM);
					goto out_free;
				}
			}
			items[n] = item;
			weights[n++] = w;
		} else {
			rc = expected(ps, &t, "id, alg, hash, item or '}'");
			goto out_free;
		}
	}
	if (!(map->tun.allowed_bucket_algs & (1u << alg))) {
		rc = error_at(ps, &nt, "bucket '%s': algorithm not allowed by allowed_bucket_algs",
			      name);
		goto out_free;
	}
	/* Insert directly rather than through crush_add_bucket(): the shadow
	 * trees are built once at the end, after every `id N class C` line has
	 * reserved its id. */
	if (id == 0) {
		for (int32_t i = 0; !id; i++) {
			int taken = i < map->max_buckets && map->buckets[i];
			for (uint32_t j = 0; j < map->nclass_ids && !taken; j++)
				taken = map->class_ids[j].shadow == -1 - i;
			for (uint32_t j = 0; j < ncids && !taken; j++)
				taken = cids[j].shadow == -1 - i;
			if (!taken)
				id = -1 - i;
		}
	}
	for (uint32_t j = 0; j < map->nclass_ids; j++)
		if (map->class_ids[j].shadow == id) {
			rc = error_at(ps, &nt, "bucket id %" PRId64 " is already a class id", id);
			goto out_free;
		}
	int32_t bid = (int32_t)id;
	if ((rc = crush__grow_buckets(map, -bid))) {
		rc = oom(ps, rc);
		goto out_free;
	}
	struct crush_bucket *b = crush__bucket_new(bid, type, alg, n);
	if (!b || !(b->name = crush__strdup(name))) {
		crush__bucket_free(b);
		rc = oom(ps, -ENOMEM);
		goto out_free;
	}
	map->buckets[-1 - bid] = b;
	if (n) {
		memcpy(b->items, items, n * sizeof(*items));
		memcpy(b->item_weights, weights, n * sizeof(*weights));
	}
	b->size = n;
	if (crush__bucket_finish(b)) {
		rc = error_at(ps, &nt, "bucket '%s': total weight overflows", name);
		goto out_free;
	}
	if (alg == CRUSH_BUCKET_UNIFORM)
		for (uint32_t i = 1; i < n; i++)
			if (weights[i] != weights[0]) {
				rc = error_at(ps, &nt,
					      "uniform bucket '%s': all items need the same weight",
					      name);
				goto out_free;
			}
	for (uint32_t i = 0; i < ncids; i++) {
		for (uint32_t j = 0; j < map->nclass_ids; j++)
			if (map->class_ids[j].shadow == cids[i].shadow) {
				rc = error_at(ps, &cids[i].t, "class id %d already in use",
					      cids[i].shadow);
				goto out_free;
			}
		if (crush__bucket(map, cids[i].shadow) && cids[i].shadow != bid) {
			const struct crush_bucket *sb = crush__bucket(map, cids[i].shadow);
			if (!sb->shadow_of) {
				rc = error_at(ps, &cids[i].t, "class id %d is a bucket id",
					      cids[i].shadow);
				goto out_free;
			}
		}
		if (cids[i].shadow == bid) {
			rc = error_at(ps, &cids[i].t, "class id equals the bucket id");
			goto out_free;
		}
		struct crush_class_id *p =
			realloc(map->class_ids, (map->nclass_ids + 1) * sizeof(*p));
		if (!p) {
			rc = oom(ps, -ENOMEM);
			goto out_free;
		}
		map->class_ids = p;
		p[map->nclass_ids++] = (struct crush_class_id){ bid, cids[i].cls, cids[i].shadow };
	}
	ps->shadows_dirty = 1;
	rc = 0;

out_free:
	free(items);
	free(weights);
	free(cids);
	return rc;
}

static int parse_step(struct parser *ps, struct crush_rule_step *st)
{
	struct crush_map *map = ps->map;
	struct tok t = next(ps);
	char buf[CRUSH_MAX_NAME];
	int64_t v;
	int rc;
	static const struct {
		const char *name;
		uint32_t op;
	} sets[] = {
		{ "set_choose_tries", CRUSH_RULE_SET_CHOOSE_TRIES },
		{ "set_chooseleaf_tries", CRUSH_RULE_SET_CHOOSELEAF_TRIES },
		{ "set_choose_local_tries", CRUSH_RULE_SET_CHOOSE_LOCAL_TRIES },
		{ "set_choose_local_fallback_tries", CRUSH_RULE_SET_CHOOSE_LOCAL_FALLBACK_TRIES },
		{ "set_chooseleaf_vary_r", CRUSH_RULE_SET_CHOOSELEAF_VARY_R },
		{ "set_chooseleaf_stable", CRUSH_RULE_SET_CHOOSELEAF_STABLE },
	};

	memset(st, 0, sizeof(*st));
	if (tok_is(&t, "take")) {
		struct tok it;
		int32_t item;
		if ((rc = get_name(ps, buf, &it, "an item name")))
			return rc;
		if (crush_map_item_by_name(map, buf, &item))
			return error_at(ps, &it, "item '%s' is not defined", buf);
		if (tok_is(peek(ps), "class")) {
			struct tok ct;
			next(ps);
			if ((rc = get_name(ps, buf, &ct, "a class name")))
				return rc;
			int32_t cls;
			if (crush_map_class_by_name(map, buf, &cls))
				return error_at(ps, &ct, "device class '%s' is not defined", buf);
			if (item >= 0)
				return error_at(ps, &it, "'take ... class' needs a bucket");
			if ((rc = ensure_shadows(ps, &ct)))
				return rc;
			int32_t shadow = 0;
			for (uint32_t i = 0; i < map->nclass_ids; i++)
				if (map->class_ids[i].orig == item && map->class_ids[i].cls == cls)
					shadow = map->class_ids[i].shadow;
			if (!shadow)
				return error_at(ps, &ct, "no class tree for '%s'", buf);
			item = shadow;
		}
		st->op = CRUSH_RULE_TAKE;
		st->arg1 = item;
		return 0;
	}
	if (tok_is(&t, "emit")) {
		st->op = CRUSH_RULE_EMIT;
		return 0;
	}
	if (tok_is(&t, "choose") || tok_is(&t, "chooseleaf")) {
		int leaf = tok_is(&t, "chooseleaf");
		struct tok m = next(ps);
		if (tok_is(&m, "firstn"))
			st->op = leaf ? CRUSH_RULE_CHOOSELEAF_FIRSTN : CRUSH_RULE_CHOOSE_FIRSTN;
		else if (tok_is(&m, "indep"))
			st->op = leaf ? CRUSH_RULE_CHOOSELEAF_INDEP : CRUSH_RULE_CHOOSE_INDEP;
		else
			return expected(ps, &m, "firstn or indep");
		if ((rc = get_int(ps, -CRUSH_MAX_DEVICES, CRUSH_MAX_DEVICES, &v, "a count")))
			return rc;
		st->arg1 = (int32_t)v;
		if ((rc = expect_word(ps, "type")))
			return rc;
		struct tok tt;
		int32_t type;
		if ((rc = get_name(ps, buf, &tt, "a type name")))
			return rc;
		if (crush_map_type_by_name(map, buf, &type))
			return error_at(ps, &tt, "type '%s' is not defined", buf);
		st->arg2 = type;
		return 0;
	}
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		if (tok_is(&t, sets[i].name)) {
			if ((rc = get_int(ps, 0, 1000, &v, "a value")))
				return rc;
			st->op = sets[i].op;
			st->arg1 = (int32_t)v;
			return 0;
		}
	return expected(ps, &t, "take, choose, chooseleaf, emit or set_*");
}

static int parse_rule(struct parser *ps)
{
	struct crush_map *map = ps->map;
	char name[CRUSH_MAX_NAME];
	struct tok nt, idt = { 0 };
	struct crush_rule_step steps[CRUSH_MAX_RULE_STEPS];
	uint32_t n = 0, min_size = 1, max_size = 10;
	int64_t id = -1, v;
	int32_t type = CRUSH_RULE_TYPE_REPLICATED;
	uint32_t other;
	int rc;

	if ((rc = get_name(ps, name, &nt, "a rule name")))
		return rc;
	if (crush_map_rule_by_name(map, name, &other) == 0)
		return error_at(ps, &nt, "rule '%s' already defined", name);
	if ((rc = expect_kind(ps, T_LBRACE)))
		return rc;
	for (;;) {
		struct tok t = next(ps);
		if (t.kind == T_RBRACE)
			break;
		if (tok_is(&t, "id") || tok_is(&t, "ruleset")) {
			idt = *peek(ps);
			if ((rc = get_int(ps, 0, CRUSH_MAX_RULES - 1, &id, "a rule id")))
				return rc;
		} else if (tok_is(&t, "type")) {
			struct tok tt = next(ps);
			if (tok_is(&tt, "replicated"))
				type = CRUSH_RULE_TYPE_REPLICATED;
			else if (tok_is(&tt, "erasure"))
				type = CRUSH_RULE_TYPE_ERASURE;
			else if (parse_i64_tok(&tt, 0, 255, &v) == 0)
				type = (int32_t)v;
			else
				return expected(ps, &tt, "replicated or erasure");
		} else if (tok_is(&t, "min_size") || tok_is(&t, "max_size")) {
			if ((rc = get_int(ps, 0, 65535, &v, "a size")))
				return rc;
			if (tok_is(&t, "min_size"))
				min_size = (uint32_t)v;
			else
				max_size = (uint32_t)v;
		} else if (tok_is(&t, "step")) {
			if (n == CRUSH_MAX_RULE_STEPS)
				return error_at(ps, &t, "too many steps (max %d)",
						CRUSH_MAX_RULE_STEPS);
			if ((rc = parse_step(ps, &steps[n++])))
				return rc;
		} else {
			return expected(ps, &t, "id, type, min_size, max_size, step or '}'");
		}
	}
	if (id >= 0 && crush_map_rule_exists(map, (uint32_t)id))
		return error_at(ps, &idt, "rule id %" PRId64 " already in use", id);
	if ((rc = ensure_shadows(ps, &nt)))
		return rc;
	uint32_t rid;
	rc = crush_add_rule(map, (int32_t)id, name, type, steps, n, &rid);
	if (rc)
		return rc == -ENOMEM ? oom(ps, rc) : error_at(ps, &nt, "invalid rule '%s'", name);
	map->rules[rid]->min_size = min_size;
	map->rules[rid]->max_size = max_size;
	return 0;
}

/* `[ w w w ]`, at most `cap` entries. */
static int parse_vector(struct parser *ps, int weights, void *out, uint32_t cap,
			uint32_t *out_n)
{
	int rc = expect_kind(ps, T_LBRACK);
	uint32_t n = 0;
	if (rc)
		return rc;
	for (;;) {
		struct tok *pk = peek(ps);
		if (pk->kind == T_RBRACK) {
			next(ps);
			break;
		}
		if (n == cap)
			return error_at(ps, pk, "more values than the bucket has items (%u)", cap);
		if (weights) {
			if ((rc = get_weight(ps, &((uint32_t *)out)[n])))
				return rc;
		} else {
			int64_t v;
			if ((rc = get_int(ps, INT32_MIN, INT32_MAX, &v, "an id")))
				return rc;
			((int32_t *)out)[n] = (int32_t)v;
		}
		n++;
	}
	*out_n = n;
	return 0;
}

static int parse_choose_arg(struct parser *ps, int64_t set_id)
{
	struct crush_map *map = ps->map;
	int64_t bid = 0;
	struct tok bt = { 0 };
	uint32_t *w = NULL, positions = 0;
	int32_t *ids = NULL;
	int have_ids = 0, rc;
	const struct crush_bucket *b = NULL;

	for (;;) {
		struct tok t = next(ps);
		if (t.kind == T_RBRACE)
			break;
		if (tok_is(&t, "bucket_id")) {
			bt = *peek(ps);
			if ((rc = get_int(ps, -CRUSH_MAX_BUCKETS, -1, &bid, "a bucket id")))
				goto out_free;
			if ((rc = ensure_shadows(ps, &bt)))
				goto out_free;
			if (!(b = crush__bucket(map, (int32_t)bid))) {
				rc = error_at(ps, &bt, "bucket %" PRId64 " does not exist", bid);
				goto out_free;
			}
			free(w);
			free(ids);
			w = calloc((size_t)(b->size + 1) * CRUSH_MAX_POSITIONS, sizeof(*w));
			ids = calloc(b->size + 1, sizeof(*ids));
			if (!w || !ids) {
				rc = oom(ps, -ENOMEM);
				goto out_free;
			}
		} else if (!b && (tok_is(&t, "weight_set") || tok_is(&t, "ids"))) {
			rc = error_at(ps, &t, "bucket_id must come first");
			goto out_free;
		} else if (tok_is(&t, "weight_set")) {
			if ((rc = expect_kind(ps, T_LBRACK)))
				goto out_free;
			for (;;) {
				struct tok *pk = peek(ps);
				if (pk->kind == T_RBRACK) {
					next(ps);
					break;
				}
				if (positions == CRUSH_MAX_POSITIONS) {
					rc = error_at(ps, pk, "too many positions (max %d)",
						      CRUSH_MAX_POSITIONS);
					goto out_free;
				}
				struct tok vt = *pk;
				uint32_t got = 0;
				if ((rc = parse_vector(ps, 1, w + (size_t)positions * b->size,
						       b->size, &got)))
					goto out_free;
				if (got != b->size) {
					rc = error_at(ps, &vt, "weight vector has %u values, bucket has %u items",
						      got, b->size);
					goto out_free;
				}
				positions++;
			}
		} else if (tok_is(&t, "ids")) {
			struct tok vt = *peek(ps);
			uint32_t got = 0;
			if ((rc = parse_vector(ps, 0, ids, b->size, &got)))
				goto out_free;
			if (got != b->size) {
				rc = error_at(ps, &vt, "ids has %u values, bucket has %u items", got,
					      b->size);
				goto out_free;
			}
			have_ids = 1;
		} else {
			rc = expected(ps, &t, "bucket_id, weight_set, ids or '}'");
			goto out_free;
		}
	}
	if (!b) {
		rc = error_at(ps, &bt, "choose_args entry without bucket_id");
		goto out_free;
	}
	rc = crush_choose_args_set(map, set_id, (int32_t)bid, positions, w, have_ids ? ids : NULL);
	if (rc)
		rc = oom(ps, rc);

out_free:
	free(w);
	free(ids);
	return rc;
}

static int parse_choose_args(struct parser *ps)
{
	int64_t id;
	struct tok it = *peek(ps);
	int rc = get_int(ps, INT64_MIN, INT64_MAX, &id, "a choose_args id");
	if (rc)
		return rc;
	if (crush_map_choose_args(ps->map, id))
		return error_at(ps, &it, "choose_args %" PRId64 " already defined", id);
	if ((rc = expect_kind(ps, T_LBRACE)))
		return rc;
	/* an empty set still exists */
	if (!crush_map_choose_args(ps->map, id)) {
		struct crush_choose_args *t = realloc(ps->map->choose_args,
						      (ps->map->nchoose_args + 1) * sizeof(*t));
		if (!t)
			return oom(ps, -ENOMEM);
		ps->map->choose_args = t;
		memset(&t[ps->map->nchoose_args], 0, sizeof(*t));
		t[ps->map->nchoose_args++].id = id;
	}
	for (;;) {
		struct tok t = next(ps);
		if (t.kind == T_RBRACE)
			return 0;
		if (t.kind != T_LBRACE)
			return expected(ps, &t, "'{' or '}'");
		if ((rc = parse_choose_arg(ps, id)))
			return rc;
	}
}

int crush_text_compile(const char *text, size_t len, struct crush_map **out_map, char *errbuf,
		       size_t errlen)
{
	struct parser ps = {
		.p = text, .end = text + len, .line = 1, .col = 1, .err = errbuf, .errlen = errlen,
	};
	int rc = 0;

	if (errbuf && errlen)
		errbuf[0] = 0;
	ps.map = crush_map_create();
	if (!ps.map)
		return oom(&ps, -ENOMEM);
	for (;;) {
		struct tok t = next(&ps);
		int32_t type;
		char w[CRUSH_MAX_NAME];
		if (t.kind == T_EOF)
			break;
		if (tok_is(&t, "tunable"))
			rc = parse_tunable(&ps);
		else if (tok_is(&t, "device"))
			rc = parse_device(&ps);
		else if (tok_is(&t, "type"))
			rc = parse_type(&ps);
		else if (tok_is(&t, "rule"))
			rc = parse_rule(&ps);
		else if (tok_is(&t, "choose_args"))
			rc = parse_choose_args(&ps);
		else if (t.kind == T_WORD && t.len < sizeof(w) &&
			 (memcpy(w, t.s, t.len), w[t.len] = 0,
			  crush_map_type_by_name(ps.map, w, &type) == 0) && type > 0)
			rc = parse_bucket(&ps, &t, type);
		else
			rc = expected(&ps, &t,
				      "tunable, device, type, a bucket type, rule or choose_args");
		if (rc)
			goto out_destroy;
	}
	struct tok end = { .line = ps.line, .col = ps.col };
	/* canonical class numbering, then one final shadow rebuild so the
	 * class id table is in canonical order too (ids are preserved) */
	if ((rc = crush__canonical_classes(ps.map)))
		goto out_destroy;
	ps.shadows_dirty = 1;
	if ((rc = ensure_shadows(&ps, &end)))
		goto out_destroy;
	char verr[200];
	if ((rc = crush_map_validate(ps.map, verr, sizeof(verr)))) {
		if (rc == -ENOMEM)
			oom(&ps, rc);
		else
			rc = error_at(&ps, &end, "%s", verr);
		goto out_destroy;
	}
	*out_map = ps.map;
	return 0;

out_destroy:
	crush_map_destroy(ps.map);
	return rc;
}

/* --- decompiler ------------------------------------------------------- */

void crush_text_format_weight(uint32_t w, char *buf, size_t len)
{
	uint64_t milli = ((uint64_t)w * 1000 + 32768) >> 16;
	uint64_t back = ((milli << 16) + 500) / 1000;
	if (back == w) {
		snprintf(buf, len, "%" PRIu64 ".%03" PRIu64, milli / 1000, milli % 1000);
		return;
	}
	/* 5 decimals always round-trip: their error (5e-6) is under half a
	 * 16.16 step (7.6e-6) */
	uint64_t v = ((uint64_t)w * 100000 + 32768) >> 16;
	snprintf(buf, len, "%" PRIu64 ".%05" PRIu64, v / 100000, v % 100000);
}

static const char *alg_name(uint32_t alg)
{
	switch (alg) {
	case CRUSH_BUCKET_UNIFORM:
		return "uniform";
	case CRUSH_BUCKET_LIST:
		return "list";
	default:
		return "straw2";
	}
}

static void print_bucket(const struct crush_map *map, const struct crush_bucket *b, FILE *out)
{
	char wb[32];
	fprintf(out, "%s %s {\n", crush_map_type_name(map, b->type), b->name);
	fprintf(out, "\tid %d\t\t# do not change unnecessarily\n", b->id);
	for (uint32_t i = 0; i < map->nclass_ids; i++)
		if (map->class_ids[i].orig == b->id)
			fprintf(out, "\tid %d class %s\t\t# do not change unnecessarily\n",
				map->class_ids[i].shadow,
				crush_map_class_name(map, map->class_ids[i].cls));
	crush_text_format_weight(b->weight, wb, sizeof(wb));
	fprintf(out, "\t# weight %s\n", wb);
	fprintf(out, "\talg %s\n", alg_name(b->alg));
	fprintf(out, "\thash 0\t# cairn hash\n");
	for (uint32_t i = 0; i < b->size; i++) {
		crush_text_format_weight(b->item_weights[i], wb, sizeof(wb));
		fprintf(out, "\titem %s weight %s\n", crush_map_item_name(map, b->items[i]), wb);
	}
	fprintf(out, "}\n");
}

/* Children before parents, as the compiler needs. */
static void print_tree(const struct crush_map *map, int32_t id, uint8_t *done, FILE *out,
		       int depth)
{
	const struct crush_bucket *b = crush__bucket(map, id);
	if (!b || done[-1 - id] || depth > CRUSH_MAX_DEPTH)
		return;
	done[-1 - id] = 1;
	for (uint32_t i = 0; i < b->size; i++)
		if (b->items[i] < 0)
			print_tree(map, b->items[i], done, out, depth + 1);
	print_bucket(map, b, out);
}

static void print_step(const struct crush_map *map, const struct crush_rule_step *s, FILE *out)
{
	switch (s->op) {
	case CRUSH_RULE_TAKE: {
		const struct crush_bucket *b = crush__bucket(map, s->arg1);
		if (b && b->shadow_of)
			fprintf(out, "\tstep take %s class %s\n",
				crush_map_item_name(map, b->shadow_of),
				crush_map_class_name(map, b->shadow_class));
		else
			fprintf(out, "\tstep take %s\n", crush_map_item_name(map, s->arg1));
		break;
	}
	case CRUSH_RULE_EMIT:
		fprintf(out, "\tstep emit\n");
		break;
	case CRUSH_RULE_CHOOSE_FIRSTN:
	case CRUSH_RULE_CHOOSE_INDEP:
	case CRUSH_RULE_CHOOSELEAF_FIRSTN:
	case CRUSH_RULE_CHOOSELEAF_INDEP:
		fprintf(out, "\tstep %s %s %d type %s\n",
			(s->op == CRUSH_RULE_CHOOSELEAF_FIRSTN || s->op == CRUSH_RULE_CHOOSELEAF_INDEP)
				? "chooseleaf"
				: "choose",
			(s->op == CRUSH_RULE_CHOOSE_FIRSTN || s->op == CRUSH_RULE_CHOOSELEAF_FIRSTN)
				? "firstn"
				: "indep",
			s->arg1, crush_map_type_name(map, s->arg2));
		break;
	case CRUSH_RULE_SET_CHOOSE_TRIES:
		fprintf(out, "\tstep set_choose_tries %d\n", s->arg1);
		break;
	case CRUSH_RULE_SET_CHOOSELEAF_TRIES:
		fprintf(out, "\tstep set_chooseleaf_tries %d\n", s->arg1);
		break;
	case CRUSH_RULE_SET_CHOOSE_LOCAL_TRIES:
		fprintf(out, "\tstep set_choose_local_tries %d\n", s->arg1);
		break;
	case CRUSH_RULE_SET_CHOOSE_LOCAL_FALLBACK_TRIES:
		fprintf(out, "\tstep set_choose_local_fallback_tries %d\n", s->arg1);
		break;
	case CRUSH_RULE_SET_CHOOSELEAF_VARY_R:
		fprintf(out, "\tstep set_chooseleaf_vary_r %d\n", s->arg1);
		break;
	case CRUSH_RULE_SET_CHOOSELEAF_STABLE:
		fprintf(out, "\tstep set_chooseleaf_stable %d\n", s->arg1);
		break;
	default:
		break;
	}
}

static void print_choose_args(const struct crush_map *map, const struct crush_choose_args *ca,
			      FILE *out)
{
	char wb[32];
	fprintf(out, "choose_args %" PRIu64 " {\n", (uint64_t)ca->id);
	for (uint32_t i = 0; i < ca->nargs; i++) {
		const struct crush_choose_arg *a = &ca->args[i];
		if (!a->weight_size && !a->ids_size)
			continue;
		fprintf(out, "  {\n    bucket_id %d\n", -1 - (int32_t)i);
		if (a->weight_size) {
			fprintf(out, "    weight_set [\n");
			for (uint32_t p = 0; p < a->positions; p++) {
				fprintf(out, "      [");
				for (uint32_t j = 0; j < a->weight_size; j++) {
					crush_text_format_weight(
						a->weights[(size_t)p * a->weight_size + j], wb,
						sizeof(wb));
					fprintf(out, " %s", wb);
				}
				fprintf(out, " ]\n");
			}
			fprintf(out, "    ]\n");
		}
		if (a->ids_size) {
			fprintf(out, "    ids [");
			for (uint32_t j = 0; j < a->ids_size; j++)
				fprintf(out, " %d", a->ids[j]);
			fprintf(out, " ]\n");
		}
		fprintf(out, "  }\n");
	}
	fprintf(out, "}\n");
	(void)map;
}

int crush_text_decompile(const struct crush_map *map, FILE *out)
{
	fprintf(out, "# begin crush map\n");
	for (size_t i = 0; i < sizeof(tunable_names) / sizeof(tunable_names[0]); i++)
		fprintf(out, "tunable %s %" PRIu32 "\n", tunable_names[i].name,
			*(const uint32_t *)((const char *)&map->tun + tunable_names[i].off));
	fprintf(out, "\n# devices\n");
	for (int32_t i = 0; i < map->max_devices; i++) {
		if (!map->device_names[i])
			continue;
		fprintf(out, "device %d %s", i, map->device_names[i]);
		if (map->device_class[i] >= 0)
			fprintf(out, " class %s", crush_map_class_name(map, map->device_class[i]));
		fprintf(out, "\n");
	}
	fprintf(out, "\n# types\n");
	/* ascending type ids, whatever order they were defined in */
	for (int32_t t = 0; t < CRUSH_MAX_TYPES; t++) {
		const char *n = crush_map_type_name(map, t);
		if (n)
			fprintf(out, "type %d %s\n", t, n);
	}
	fprintf(out, "\n# buckets\n");
	uint8_t *done = calloc((size_t)map->max_buckets + 1, 1);
	if (!done)
		return -ENOMEM;
	for (int32_t i = 0; i < map->max_buckets; i++) {
		const struct crush_bucket *b = map->buckets[i];
		if (b && !b->shadow_of)
			print_tree(map, b->id, done, out, 0);
	}
	free(done);
	fprintf(out, "\n# rules\n");
	for (uint32_t i = 0; i < map->max_rules; i++) {
		const struct crush_rule *r = map->rules[i];
		if (!r)
			continue;
		fprintf(out, "rule %s {\n\tid %u\n", r->name, r->id);
		if (r->type == CRUSH_RULE_TYPE_REPLICATED)
			fprintf(out, "\ttype replicated\n");
		else if (r->type == CRUSH_RULE_TYPE_ERASURE)
			fprintf(out, "\ttype erasure\n");
		else
			fprintf(out, "\ttype %d\n", r->type);
		fprintf(out, "\tmin_size %u\n\tmax_size %u\n", r->min_size, r->max_size);
		for (uint32_t j = 0; j < r->len; j++)
			print_step(map, &r->steps[j], out);
		fprintf(out, "}\n");
	}
	if (map->nchoose_args) {
		fprintf(out, "\n# choose_args\n");
		for (uint32_t i = 0; i < map->nchoose_args; i++)
			print_choose_args(map, &map->choose_args[i], out);
	}
	fprintf(out, "\n# end crush map\n");
	return ferror(out) ? -EIO : 0;
}
