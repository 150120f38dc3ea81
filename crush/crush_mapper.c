/*
 * crush_mapper.c - the CRUSH placement function.
 *
 * A rule is a tiny program: `take` a starting item, `choose`/`chooseleaf`
 * N distinct items of a type below each current item, `emit` the working
 * set.  Choosing one item of a type means descending from the bucket,
 * asking each bucket on the way for one child (bucket_choose) with the
 * replica rank r as an extra hash input, until an item of the wanted type
 * is reached.  A descent whose result collides with an earlier pick, or
 * lands on an out device, is retried with a larger r.
 *
 * Two placement disciplines exist:
 *  - firstn (replicated pools): results are packed; a failed rank is
 *    skipped and later ranks shift up.  Retries use r = rank + failures,
 *    so a rank that fails takes over the draw of the next rank, which keeps
 *    movement small when one item disappears.
 *  - indep (erasure pools): every position is a fixed shard; a retry uses
 *    r = rank + numrep * failures, which no other position ever uses, so a
 *    change at one position never moves another one.  Unfillable positions
 *    hold CRUSH_ITEM_NONE.
 *
 * All arithmetic is integer.  No allocation, no globals: thread-safe for
 * concurrent readers; the caller provides the scratch area.
 */
#include <errno.h>
#include <string.h>

#include "crush_int.h"
#include "crush_mapper.h"

struct ctx {
	const struct crush_map *map;
	const uint32_t *weights;
	int weight_max;
	const struct crush_choose_args *ca;
	uint32_t x;
	uint32_t vary_r;
	uint32_t stable;
	uint32_t local_retries;
	uint32_t local_fallback_retries;
};

/* --- buckets ---------------------------------------------------------- */

/*
 * straw2: every item draws -log2(u)/w from its own hash and the shortest
 * straw wins; see crush_ln.c for why this is exactly weight-proportional
 * and moves data only to or from an item whose weight changed.
 * q = (-log2 u in 32.32) << 16 / (w in 16.16) keeps 48 significant bits
 * and cannot overflow (-log2 u <= 32).
 */
static int32_t straw2_choose(const struct crush_bucket *b, uint32_t x, uint32_t r,
			     const struct crush_choose_arg *arg, uint32_t position)
{
	const uint32_t *w = b->item_weights;
	const int32_t *ids = b->items;
	if (arg) {
		if (arg->weight_size == b->size && arg->positions) {
			uint32_t p = position < arg->positions ? position : arg->positions - 1;
			w = arg->weights + (size_t)p * b->size;
		}
		if (arg->ids_size == b->size)
			ids = arg->ids;
	}
	uint64_t best = UINT64_MAX;
	int32_t chosen = CRUSH_ITEM_NONE;
	for (uint32_t i = 0; i < b->size; i++) {
		if (!w[i])
			continue;
		uint64_t q = (crush__neglog2(crush__hash3(x, (uint32_t)ids[i], r)) << 16) / w[i];
		if (q < best) {
			best = q;
			chosen = b->items[i];
		}
	}
	return chosen;
}

static uint32_t gcd32(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/*
 * A pseudo-random permutation of the n items, indexed by r: slot
 * (a*r + c) mod n with a coprime to n.  It needs no scratch state, and the
 * ranks 0..n-1 of one x always get n distinct items, which is what a
 * uniform bucket promises.
 */
static uint32_t perm_slot(uint32_t x, int32_t id, uint32_t r, uint32_t n)
{
	uint32_t h = crush__hash3(x, (uint32_t)id, 0x9e3779b9u);
	uint32_t a = h % n;
	if (!a)
		a = 1;
	while (gcd32(a, n) != 1)
		a = a + 1 < n ? a + 1 : 1;
	uint32_t c = crush__hash2(h, (uint32_t)id) % n;
	return (uint32_t)(((uint64_t)a * r + c) % n);
}

static int32_t uniform_choose(const struct crush_bucket *b, uint32_t x, uint32_t r)
{
	if (!b->size || !b->item_weights[0])
		return CRUSH_ITEM_NONE;
	return b->items[perm_slot(x, b->id, r, b->size)];
}

/*
 * list: walk from the newest item to the oldest; item i wins with
 * probability w_i / (w_0 + ... + w_i).  Adding an item at the tail moves
 * only what the new item takes; anything else reshuffles.
 */
static int32_t list_choose(const struct crush_bucket *b, uint32_t x, uint32_t r)
{
	for (uint32_t i = b->size; i-- > 0;) {
		if (!b->item_weights[i])
			continue;
		uint64_t h = crush__hash3(x ^ (uint32_t)b->id, (uint32_t)b->items[i], r);
		if (((h * b->sum_weights[i]) >> 32) < b->item_weights[i])
			return b->items[i];
	}
	for (uint32_t i = 0; i < b->size; i++)
		if (b->item_weights[i])
			return b->items[i];
	return CRUSH_ITEM_NONE;
}

static int32_t bucket_choose(const struct ctx *c, const struct crush_bucket *b, uint32_t r,
			     uint32_t position)
{
	switch (b->alg) {
	case CRUSH_BUCKET_STRAW2: {
		const struct crush_choose_arg *arg = NULL;
		uint32_t idx = (uint32_t)(-1 - b->id);
		if (c->ca && idx < c->ca->nargs)
			arg = &c->ca->args[idx];
		return straw2_choose(b, c->x, r, arg, position);
	}
	case CRUSH_BUCKET_UNIFORM:
		return uniform_choose(b, c->x, r);
	case CRUSH_BUCKET_LIST:
		return list_choose(b, c->x, r);
	default:
		return CRUSH_ITEM_NONE;
	}
}

/* Exhaustive fallback of the legacy local retries: walk the bucket in a
 * fixed pseudo-random order, ignoring weights. */
static int32_t bucket_perm_choose(const struct ctx *c, const struct crush_bucket *b, uint32_t r)
{
	if (!b->size)
		return CRUSH_ITEM_NONE;
	return b->items[perm_slot(c->x, b->id, r, b->size)];
}

/* A device is out with probability 1 - reweight; the draw depends only on
 * (x, device), so raising a reweight never moves data away from it. */
static int is_out(const struct ctx *c, int32_t item)
{
	if (item >= c->weight_max)
		return 1;
	uint32_t w = c->weights[item];
	if (w >= CRUSH_WEIGHT_ONE)
		return 0;
	if (w == 0)
		return 1;
	return (crush__hash2(c->x, (uint32_t)item) & 0xffff) >= w;
}

static int32_t item_type(const struct crush_map *map, int32_t item)
{
	if (item >= 0)
		return 0;
	const struct crush_bucket *b = crush__bucket(map, item);
	return b ? b->type : -1;
}

/* --- firstn ----------------------------------------------------------- */

struct firstn_args {
	int numrep;
	int32_t type;
	int32_t *out;
	int outpos;
	int out_size;
	uint32_t tries;
	uint32_t recurse_tries;
	int recurse_to_leaf;
	int32_t *out2;
	uint32_t parent_r;
};

static int choose_firstn(const struct ctx *c, const struct crush_bucket *bucket,
			 const struct firstn_args *a)
{
	int outpos = a->outpos;
	int count = a->out_size;
	/* chooseleaf_stable: the leaf recursion asks for one item at rank 0
	 * whatever the outer position, so a leaf choice does not depend on how
	 * many items were placed before it */
	int rep = c->stable ? 0 : outpos;

	for (; rep < a->numrep && count > 0; rep++) {
		uint32_t ftotal = 0;
		int skip_rep = 0, retry_descent;
		int32_t item = CRUSH_ITEM_NONE;
		do {
			const struct crush_bucket *in = bucket;
			uint32_t flocal = 0;
			int retry_bucket;
			retry_descent = 0;
			do {
				int collide = 0, reject = 0;
				uint32_t r = (uint32_t)rep + a->parent_r + ftotal;
				retry_bucket = 0;

				if (c->local_fallback_retries > 0 && flocal >= (in->size >> 1) &&
				    flocal > c->local_fallback_retries)
					item = bucket_perm_choose(c, in, r);
				else
					item = bucket_choose(c, in, r, (uint32_t)outpos);
				if (item == CRUSH_ITEM_NONE) {
					reject = 1;
					goto reject;
				}
				int32_t itype = item_type(c->map, item);
				if (itype != a->type) {
					const struct crush_bucket *sub = crush__bucket(c->map, item);
					if (!sub) {
						skip_rep = 1;
						break;
					}
					in = sub;
					retry_bucket = 1;
					continue;
				}
				for (int i = 0; i < outpos; i++)
					if (a->out[i] == item) {
						collide = 1;
						break;
					}
				if (!collide && a->recurse_to_leaf) {
					if (item < 0) {
						uint32_t sub_r =
							c->vary_r ? r >> (c->vary_r - 1) : 0;
						struct firstn_args sa = {
							.numrep = c->stable ? 1 : outpos + 1,
							.type = 0,
							.out = a->out2,
							.outpos = outpos,
							.out_size = count,
							.tries = a->recurse_tries,
							.recurse_tries = 0,
							.recurse_to_leaf = 0,
							.out2 = NULL,
							.parent_r = sub_r,
						};
						if (choose_firstn(c, crush__bucket(c->map, item), &sa) <=
						    outpos)
							reject = 1;
					} else {
						a->out2[outpos] = item;
					}
				}
				if (!reject && !collide && itype == 0)
					reject = is_out(c, item);
reject:
				if (reject || collide) {
					ftotal++;
					flocal++;
					if (collide && flocal <= c->local_retries)
						retry_bucket = 1;
					else if (c->local_fallback_retries > 0 &&
						 flocal <= in->size + c->local_fallback_retries)
						retry_bucket = 1;
					else if (ftotal < a->tries)
						retry_descent = 1;
					else
						skip_rep = 1;
				}
			} while (retry_bucket);
		} while (retry_descent);

		if (skip_rep)
			continue;
		a->out[outpos++] = item;
		count--;
	}
	return outpos;
}

/* --- indep ------------------------------------------------------------ */

struct indep_args {
	int left;
	int numrep;
	int32_t type;
	int32_t *out;
	int outpos;
	uint32_t tries;
	uint32_t recurse_tries;
	int recurse_to_leaf;
	int32_t *out2;
	uint32_t parent_r;
};

static void choose_indep(const struct ctx *c, const struct crush_bucket *bucket,
			 const struct indep_args *a)
{
	int left = a->left;
	int endpos = a->outpos + left;

	for (int rep = a->outpos; rep < endpos; rep++) {
		a->out[rep] = CRUSH_ITEM_UNDEF;
		if (a->out2)
			a->out2[rep] = CRUSH_ITEM_UNDEF;
	}
	for (uint32_t ftotal = 0; left > 0 && ftotal < a->tries; ftotal++) {
		for (int rep = a->outpos; rep < endpos; rep++) {
			if (a->out[rep] != CRUSH_ITEM_UNDEF)
				continue;
			const struct crush_bucket *in = bucket;
			for (;;) {
				uint32_t stride = (uint32_t)a->numrep;
				/* a uniform bucket's permutation repeats with period
				 * size; a stride sharing that period would revisit
				 * the same slots on every retry */
				if (in->alg == CRUSH_BUCKET_UNIFORM && in->size &&
				    in->size % stride == 0)
					stride++;
				uint32_t r = (uint32_t)rep + a->parent_r + stride * ftotal;
				int32_t item = bucket_choose(c, in, r, (uint32_t)a->outpos);
				if (item == CRUSH_ITEM_NONE)
					break; /* empty or weightless: retry later */
				int32_t itype = item_type(c->map, item);
				if (itype != a->type) {
					const struct crush_bucket *sub = crush__bucket(c->map, item);
					if (!sub) {
						a->out[rep] = CRUSH_ITEM_NONE;
						if (a->out2)
							a->out2[rep] = CRUSH_ITEM_NONE;
						left--;
						break;
					}
					in = sub;
					continue;
				}
				int collide = 0;
				for (int i = a->outpos; i < endpos; i++)
					if (a->out[i] == item) {
						collide = 1;
						break;
					}
				if (collide)
					break;
				if (a->recurse_to_leaf) {
					if (item < 0) {
						struct indep_args sa = {
							.left = 1,
							.numrep = a->numrep,
							.type = 0,
							.out = a->out2,
							.outpos = rep,
							.tries = a->recurse_tries,
							.recurse_tries = 0,
							.recurse_to_leaf = 0,
							.out2 = NULL,
							.parent_r = r,
						};
						choose_indep(c, crush__bucket(c->map, item), &sa);
						if (a->out2[rep] == CRUSH_ITEM_NONE)
							break;
					} else {
						a->out2[rep] = item;
					}
				}
				if (itype == 0 && is_out(c, item))
					break;
				a->out[rep] = item;
				left--;
				break;
			}
		}
	}
	for (int rep = a->outpos; rep < endpos; rep++) {
		if (a->out[rep] == CRUSH_ITEM_UNDEF)
			a->out[rep] = CRUSH_ITEM_NONE;
		if (a->out2 && a->out2[rep] == CRUSH_ITEM_UNDEF)
			a->out2[rep] = CRUSH_ITEM_NONE;
	}
}

/* --- rules ------------------------------------------------------------ */

size_t crush_work_size(const struct crush_map *map, int result_max)
{
	(void)map;
	if (result_max < 1)
		result_max = 1;
	return 3 * (size_t)result_max * sizeof(int32_t);
}

int crush_do_rule(const struct crush_map *map, uint32_t ruleno, uint32_t x, int32_t *result,
		  int result_max, const uint32_t *weights, int weight_max,
		  const struct crush_choose_args *choose_args, void *work)
{
	if (!map || !result || result_max < 1 || !work || (!weights && weight_max > 0))
		return -EINVAL;
	if (ruleno >= map->max_rules || !map->rules[ruleno])
		return -ENOENT;
	const struct crush_rule *rule = map->rules[ruleno];
	int32_t *w = work;		  /* the working set */
	int32_t *o = w + result_max;	  /* the next working set */
	int32_t *c2 = o + result_max;	  /* leaves found by chooseleaf */
	int wsize = 0, result_len = 0;
	uint32_t choose_tries = map->tun.choose_total_tries + 1;
	uint32_t choose_leaf_tries = 0;
	struct ctx c = {
		.map = map,
		.weights = weights,
		.weight_max = weight_max,
		.ca = choose_args,
		.x = x,
		.vary_r = map->tun.chooseleaf_vary_r,
		.stable = map->tun.chooseleaf_stable,
		.local_retries = map->tun.choose_local_tries,
		.local_fallback_retries = map->tun.choose_local_fallback_tries,
	};

	for (uint32_t step = 0; step < rule->len; step++) {
		const struct crush_rule_step *s = &rule->steps[step];
		int firstn = 0, leaf = 0;

		switch (s->op) {
		case CRUSH_RULE_TAKE:
			if ((s->arg1 >= 0 && s->arg1 < map->max_devices) ||
			    crush__bucket(map, s->arg1)) {
				w[0] = s->arg1;
				wsize = 1;
			}
			break;
		case CRUSH_RULE_SET_CHOOSE_TRIES:
			if (s->arg1 > 0)
				choose_tries = (uint32_t)s->arg1;
			break;
		case CRUSH_RULE_SET_CHOOSELEAF_TRIES:
			if (s->arg1 > 0)
				choose_leaf_tries = (uint32_t)s->arg1;
			break;
		case CRUSH_RULE_SET_CHOOSE_LOCAL_TRIES:
			if (s->arg1 >= 0)
				c.local_retries = (uint32_t)s->arg1;
			break;
		case CRUSH_RULE_SET_CHOOSE_LOCAL_FALLBACK_TRIES:
			if (s->arg1 >= 0)
				c.local_fallback_retries = (uint32_t)s->arg1;
			break;
		case CRUSH_RULE_SET_CHOOSELEAF_VARY_R:
			if (s->arg1 >= 0)
				c.vary_r = (uint32_t)s->arg1;
			break;
		case CRUSH_RULE_SET_CHOOSELEAF_STABLE:
			if (s->arg1 >= 0)
				c.stable = (uint32_t)s->arg1;
			break;
		case CRUSH_RULE_CHOOSELEAF_FIRSTN:
			leaf = 1;
			/* fall through */
		case CRUSH_RULE_CHOOSE_FIRSTN:
			firstn = 1;
			/* fall through */
		case CRUSH_RULE_CHOOSELEAF_INDEP:
		case CRUSH_RULE_CHOOSE_INDEP: {
			if (s->op == CRUSH_RULE_CHOOSELEAF_INDEP)
				leaf = 1;
			int osize = 0;
			for (int i = 0; i < wsize; i++) {
				int numrep = s->arg1;
				if (numrep <= 0) {
					numrep += result_max;
					if (numrep <= 0)
						continue;
				}
				const struct crush_bucket *b = crush__bucket(map, w[i]);
				if (!b)
					continue;
				int room = result_max - osize;
				int out_size = numrep <= room ? numrep : room;
				if (out_size <= 0)
					break;
				if (firstn) {
					uint32_t recurse_tries;
					if (choose_leaf_tries)
						recurse_tries = choose_leaf_tries;
					else if (map->tun.chooseleaf_descend_once)
						recurse_tries = 1;
					else
						recurse_tries = choose_tries;
					struct firstn_args fa = {
						.numrep = numrep,
						.type = s->arg2,
						.out = o + osize,
						.outpos = 0,
						.out_size = out_size,
						.tries = choose_tries,
						.recurse_tries = recurse_tries,
						.recurse_to_leaf = leaf,
						.out2 = c2 + osize,
						.parent_r = 0,
					};
					osize += choose_firstn(&c, b, &fa);
				} else {
					struct indep_args ia = {
						.left = out_size,
						.numrep = numrep,
						.type = s->arg2,
						.out = o + osize,
						.outpos = 0,
						.tries = choose_tries,
						.recurse_tries =
							choose_leaf_tries ? choose_leaf_tries : 1,
						.recurse_to_leaf = leaf,
						.out2 = c2 + osize,
						.parent_r = 0,
					};
					choose_indep(&c, b, &ia);
					osize += out_size;
				}
			}
			if (leaf)
				memcpy(o, c2, (size_t)osize * sizeof(*o));
			int32_t *tmp = o;
			o = w;
			w = tmp;
			wsize = osize;
			break;
		}
		case CRUSH_RULE_EMIT:
			for (int i = 0; i < wsize && result_len < result_max; i++)
				result[result_len++] = w[i];
			wsize = 0;
			break;
		default:
			break;
		}
	}
	return result_len;
}
