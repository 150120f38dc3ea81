/*
 * crush_map.c - lifetime, copying, comparison, validation and queries of
 * struct crush_map, plus the per-class shadow tree rebuild.
 *
 * Threading: functions taking a const map only read it and may run
 * concurrently; the others need exclusive access (see crush.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crush_int.h"

static const char *name_of(const struct crush_name *t, uint32_t n, int32_t id);

void crush_tunables_optimal(struct crush_tunables *out_t)
{
	out_t->choose_local_tries = 0;
	out_t->choose_local_fallback_tries = 0;
	out_t->choose_total_tries = 50;
	out_t->chooseleaf_descend_once = 1;
	out_t->chooseleaf_vary_r = 1;
	out_t->chooseleaf_stable = 1;
	out_t->straw_calc_version = 1;
	/* uniform, list, straw, straw2: the value Ceph prints (54). */
	out_t->allowed_bucket_algs = (1u << 1) | (1u << 2) | (1u << 4) | (1u << 5);
}

void crush_tunables_legacy(struct crush_tunables *out_t)
{
	out_t->choose_local_tries = 2;
	out_t->choose_local_fallback_tries = 5;
	out_t->choose_total_tries = 19;
	out_t->chooseleaf_descend_once = 0;
	out_t->chooseleaf_vary_r = 0;
	out_t->chooseleaf_stable = 0;
	out_t->straw_calc_version = 0;
	out_t->allowed_bucket_algs = (1u << 1) | (1u << 2) | (1u << 5);
}

int crush__fmt_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
	if (errbuf && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

char *crush__strdup(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

/* Names are what the text format can carry as one word. */
int crush__name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= CRUSH_MAX_NAME)
		return 0;
	if (s[0] >= '0' && s[0] <= '9')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '~'))
			return 0;
	}
	return 1;
}

struct crush_map *crush_map_create(void)
{
	struct crush_map *map = calloc(1, sizeof(*map));
	if (!map)
		return NULL;
	crush_tunables_optimal(&map->tun);
	return map;
}

struct crush_bucket *crush__bucket_new(int32_t id, int32_t type, uint32_t alg, uint32_t size)
{
	struct crush_bucket *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->id = id;
	b->type = type;
	b->alg = alg;
	b->size = size;
	b->shadow_class = -1;
	/* +1 so a zero-size bucket still has valid (unused) arrays */
	b->items = calloc(size + 1, sizeof(*b->items));
	b->item_weights = calloc(size + 1, sizeof(*b->item_weights));
	b->sum_weights = calloc(size + 1, sizeof(*b->sum_weights));
	if (!b->items || !b->item_weights || !b->sum_weights) {
		crush__bucket_free(b);
		return NULL;
	}
	return b;
}

void crush__bucket_free(struct crush_bucket *b)
{
	if (!b)
		return;
	free(b->items);
	free(b->item_weights);
	free(b->sum_weights);
	free(b->name);
	free(b);
}

int crush__bucket_finish(struct crush_bucket *b)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < b->size; i++) {
		sum += b->item_weights[i];
		b->sum_weights[i] = sum;
	}
	if (sum > UINT32_MAX)
		return -ERANGE;
	b->weight = (uint32_t)sum;
	return 0;
}

void crush__choose_args_free(struct crush_choose_args *ca)
{
	for (uint32_t i = 0; i < ca->nargs; i++) {
		free(ca->args[i].ids);
		free(ca->args[i].weights);
	}
	free(ca->args);
	ca->args = NULL;
	ca->nargs = 0;
}

void crush_map_destroy(struct crush_map *map)
{
	if (!map)
		return;
	for (int32_t i = 0; i < map->max_devices; i++)
		free(map->device_names[i]);
	free(map->device_names);
	free(map->device_class);
	for (int32_t i = 0; i < map->max_buckets; i++)
		crush__bucket_free(map->buckets[i]);
	free(map->buckets);
	for (uint32_t i = 0; i < map->max_rules; i++) {
		if (map->rules[i])
			free(map->rules[i]->name);
		free(map->rules[i]);
	}
	free(map->rules);
	for (uint32_t i = 0; i < map->ntypes; i++)
		free(map->types[i].name);
	free(map->types);
	for (uint32_t i = 0; i < map->nclasses; i++)
		free(map->classes[i].name);
	free(map->classes);
	for (uint32_t i = 0; i < map->nchoose_args; i++)
		crush__choose_args_free(&map->choose_args[i]);
	free(map->choose_args);
	free(map->class_ids);
	free(map);
}

int crush__grow_devices(struct crush_map *map, int32_t max)
{
	if (max <= map->max_devices)
		return 0;
	if (max > CRUSH_MAX_DEVICES)
		return -ERANGE;
	char **names = realloc(map->device_names, (size_t)max * sizeof(*names));
	if (!names)
		return -ENOMEM;
	map->device_names = names;
	int32_t *cls = realloc(map->device_class, (size_t)max * sizeof(*cls));
	if (!cls)
		return -ENOMEM;
	map->device_class = cls;
	for (int32_t i = map->max_devices; i < max; i++) {
		names[i] = NULL;
		cls[i] = -1;
	}
	map->max_devices = max;
	return 0;
}

int crush__grow_buckets(struct crush_map *map, int32_t max)
{
	if (max <= map->max_buckets)
		return 0;
	if (max > CRUSH_MAX_BUCKETS)
		return -ERANGE;
	struct crush_bucket **b = realloc(map->buckets, (size_t)max * sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (int32_t i = map->max_buckets; i < max; i++)
		b[i] = NULL;
	map->buckets = b;
	map->max_buckets = max;
	return 0;
}

int crush__grow_rules(struct crush_map *map, uint32_t max)
{
	if (max <= map->max_rules)
		return 0;
	if (max > CRUSH_MAX_RULES)
		return -ERANGE;
	struct crush_rule **r = realloc(map->rules, (size_t)max * sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (uint32_t i = map->max_rules; i < max; i++)
		r[i] = NULL;
	map->rules = r;
	map->max_rules = max;
	return 0;
}

/* --- clone ------------------------------------------------------------ */

static struct crush_bucket *bucket_clone(const struct crush_bucket *s)
{
	struct crush_bucket *b = crush__bucket_new(s->id, s->type, s->alg, s->size);
	if (!b)
		return NULL;
	memcpy(b->items, s->items, s->size * sizeof(*b->items));
	memcpy(b->item_weights, s->item_weights, s->size * sizeof(*b->item_weights));
	memcpy(b->sum_weights, s->sum_weights, s->size * sizeof(*b->sum_weights));
	b->weight = s->weight;
	b->hash = s->hash;
	b->shadow_of = s->shadow_of;
	b->shadow_class = s->shadow_class;
	if (s->name && !(b->name = crush__strdup(s->name))) {
		crush__bucket_free(b);
		return NULL;
	}
	return b;
}

static struct crush_rule *rule_clone(const struct crush_rule *s)
{
	size_t sz = sizeof(*s) + s->len * sizeof(s->steps[0]);
	struct crush_rule *r = malloc(sz);
	if (!r)
		return NULL;
	memcpy(r, s, sz);
	r->name = NULL;
	if (s->name && !(r->name = crush__strdup(s->name))) {
		free(r);
		return NULL;
	}
	return r;
}

static int names_clone(struct crush_name **out, const struct crush_name *src, uint32_t n)
{
	*out = calloc(n + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		(*out)[i].id = src[i].id;
		if (!((*out)[i].name = crush__strdup(src[i].name)))
			return -ENOMEM;
	}
	return 0;
}

static int choose_args_clone(struct crush_choose_args *d, const struct crush_choose_args *s)
{
	d->id = s->id;
	d->nargs = 0;
	d->args = calloc(s->nargs + 1, sizeof(*d->args));
	if (!d->args)
		return -ENOMEM;
	d->nargs = s->nargs;
	for (uint32_t i = 0; i < s->nargs; i++) {
		const struct crush_choose_arg *a = &s->args[i];
		struct crush_choose_arg *b = &d->args[i];
		if (a->ids_size) {
			b->ids = malloc(a->ids_size * sizeof(*b->ids));
			if (!b->ids)
				return -ENOMEM;
			memcpy(b->ids, a->ids, a->ids_size * sizeof(*b->ids));
			b->ids_size = a->ids_size;
		}
		if (a->weight_size && a->positions) {
			size_t n = (size_t)a->weight_size * a->positions;
			b->weights = malloc(n * sizeof(*b->weights));
			if (!b->weights)
				return -ENOMEM;
			memcpy(b->weights, a->weights, n * sizeof(*b->weights));
			b->weight_size = a->weight_size;
			b->positions = a->positions;
		}
	}
	return 0;
}

struct crush_map *crush_map_clone(const struct crush_map *s)
{
	struct crush_map *m = crush_map_create();
	if (!m)
		return NULL;
	m->tun = s->tun;
	if (crush__grow_devices(m, s->max_devices) || crush__grow_buckets(m, s->max_buckets) ||
	    crush__grow_rules(m, s->max_rules))
		goto out_free;
	for (int32_t i = 0; i < s->max_devices; i++) {
		m->device_class[i] = s->device_class[i];
		if (s->device_names[i] && !(m->device_names[i] = crush__strdup(s->device_names[i])))
			goto out_free;
	}
	for (int32_t i = 0; i < s->max_buckets; i++)
		if (s->buckets[i] && !(m->buckets[i] = bucket_clone(s->buckets[i])))
			goto out_free;
	for (uint32_t i = 0; i < s->max_rules; i++)
		if (s->rules[i] && !(m->rules[i] = rule_clone(s->rules[i])))
			goto out_free;
	m->ntypes = s->ntypes;
	if (names_clone(&m->types, s->types, s->ntypes))
		goto out_free;
	m->nclasses = s->nclasses;
	if (names_clone(&m->classes, s->classes, s->nclasses))
		goto out_free;
	m->choose_args = calloc(s->nchoose_args + 1, sizeof(*m->choose_args));
	if (!m->choose_args)
		goto out_free;
	for (uint32_t i = 0; i < s->nchoose_args; i++) {
		m->nchoose_args = i + 1;
		if (choose_args_clone(&m->choose_args[i], &s->choose_args[i]))
			goto out_free;
	}
	m->class_ids = calloc(s->nclass_ids + 1, sizeof(*m->class_ids));
	if (!m->class_ids)
		goto out_free;
	if (s->nclass_ids)
		memcpy(m->class_ids, s->class_ids, s->nclass_ids * sizeof(*m->class_ids));
	m->nclass_ids = s->nclass_ids;
	return m;

out_free:
	crush_map_destroy(m);
	return NULL;
}

/* --- equality --------------------------------------------------------- */

static int streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Same ids with the same names, in any order. */
static int names_equal(const struct crush_name *a, uint32_t na, const struct crush_name *b,
		       uint32_t nb)
{
	if (na != nb)
		return 0;
	for (uint32_t i = 0; i < na; i++)
		if (!streq(a[i].name, name_of(b, nb, a[i].id)))
			return 0;
	return 1;
}

static int bucket_equal(const struct crush_bucket *a, const struct crush_bucket *b)
{
	if (!a || !b)
		return a == b;
	if (a->id != b->id || a->type != b->type || a->alg != b->alg || a->hash != b->hash ||
	    a->weight != b->weight || a->size != b->size || !streq(a->name, b->name) ||
	    a->shadow_of != b->shadow_of)
		return 0;
	return memcmp(a->items, b->items, a->size * sizeof(*a->items)) == 0 &&
	       memcmp(a->item_weights, b->item_weights, a->size * sizeof(*a->item_weights)) == 0;
}

static int choose_args_equal(const struct crush_choose_args *a, const struct crush_choose_args *b)
{
	if (a->id != b->id)
		return 0;
	uint32_t n = a->nargs > b->nargs ? a->nargs : b->nargs;
	for (uint32_t i = 0; i < n; i++) {
		static const struct crush_choose_arg none;
		const struct crush_choose_arg *x = i < a->nargs ? &a->args[i] : &none;
		const struct crush_choose_arg *y = i < b->nargs ? &b->args[i] : &none;
		if (x->ids_size != y->ids_size || x->weight_size != y->weight_size ||
		    x->positions != y->positions)
			return 0;
		if (x->ids_size && memcmp(x->ids, y->ids, x->ids_size * sizeof(*x->ids)))
			return 0;
		if (x->weight_size &&
		    memcmp(x->weights, y->weights,
			   (size_t)x->weight_size * x->positions * sizeof(*x->weights)))
			return 0;
	}
	return 1;
}

static const char *cls_name(const struct crush_map *m, int32_t cls)
{
	return cls < 0 ? NULL : crush_map_class_name(m, cls);
}

/*
 * Class ids are an internal numbering (the text form has none), so two
 * maps are equal when their classes carry the same names in the same
 * places, whatever the numbers.
 */
static int classes_equal(const struct crush_map *a, const struct crush_map *b)
{
	if (a->nclasses != b->nclasses || a->nclass_ids != b->nclass_ids)
		return 0;
	for (uint32_t i = 0; i < a->nclasses; i++) {
		int32_t other;
		if (crush_map_class_by_name(b, a->classes[i].name, &other))
			return 0;
	}
	for (uint32_t i = 0; i < a->nclass_ids; i++) {
		const struct crush_class_id *x = &a->class_ids[i];
		int found = 0;
		for (uint32_t j = 0; j < b->nclass_ids && !found; j++) {
			const struct crush_class_id *y = &b->class_ids[j];
			found = x->orig == y->orig && x->shadow == y->shadow &&
				streq(cls_name(a, x->cls), cls_name(b, y->cls));
		}
		if (!found)
			return 0;
	}
	return 1;
}

int crush_map_equal(const struct crush_map *a, const struct crush_map *b)
{
	if (memcmp(&a->tun, &b->tun, sizeof(a->tun)))
		return 0;
	int32_t nd = a->max_devices > b->max_devices ? a->max_devices : b->max_devices;
	for (int32_t i = 0; i < nd; i++) {
		const char *na = i < a->max_devices ? a->device_names[i] : NULL;
		const char *nb = i < b->max_devices ? b->device_names[i] : NULL;
		int32_t ca = i < a->max_devices ? a->device_class[i] : -1;
		int32_t cb = i < b->max_devices ? b->device_class[i] : -1;
		if (!streq(na, nb) || (na && !streq(cls_name(a, ca), cls_name(b, cb))))
			return 0;
	}
	int32_t nbk = a->max_buckets > b->max_buckets ? a->max_buckets : b->max_buckets;
	for (int32_t i = 0; i < nbk; i++) {
		const struct crush_bucket *x = i < a->max_buckets ? a->buckets[i] : NULL;
		const struct crush_bucket *y = i < b->max_buckets ? b->buckets[i] : NULL;
		if (!bucket_equal(x, y))
			return 0;
		if (x && !streq(cls_name(a, x->shadow_class), cls_name(b, y->shadow_class)))
			return 0;
	}
	uint32_t nr = a->max_rules > b->max_rules ? a->max_rules : b->max_rules;
	for (uint32_t i = 0; i < nr; i++) {
		const struct crush_rule *x = i < a->max_rules ? a->rules[i] : NULL;
		const struct crush_rule *y = i < b->max_rules ? b->rules[i] : NULL;
		if (!x || !y) {
			if (x != y)
				return 0;
			continue;
		}
		if (x->type != y->type || x->len != y->len || !streq(x->name, y->name) ||
		    x->min_size != y->min_size || x->max_size != y->max_size ||
		    memcmp(x->steps, y->steps, x->len * sizeof(x->steps[0])))
			return 0;
	}
	if (!names_equal(a->types, a->ntypes, b->types, b->ntypes) || !classes_equal(a, b))
		return 0;
	if (a->nchoose_args != b->nchoose_args)
		return 0;
	for (uint32_t i = 0; i < a->nchoose_args; i++)
		if (!choose_args_equal(&a->choose_args[i], &b->choose_args[i]))
			return 0;
	return 1;
}

/* --- validation ------------------------------------------------------- */

static int type_exists(const struct crush_map *map, int32_t type)
{
	for (uint32_t i = 0; i < map->ntypes; i++)
		if (map->types[i].id == type)
			return 1;
	return 0;
}

/* Depth-first walk: colour 1 = on the stack, 2 = done.  A bucket met
 * while on the stack closes a cycle, which would make the mapper loop. */
static int check_acyclic(const struct crush_map *map, int32_t idx, uint8_t *colour, int depth,
			 char *errbuf, size_t errlen)
{
	if (colour[idx] == 2)
		return 0;
	if (colour[idx] == 1)
		return crush__fmt_err(errbuf, errlen, "bucket %d is its own ancestor", -1 - idx);
	if (depth > CRUSH_MAX_DEPTH)
		return crush__fmt_err(errbuf, errlen, "hierarchy deeper than %d", CRUSH_MAX_DEPTH);
	colour[idx] = 1;
	const struct crush_bucket *b = map->buckets[idx];
	for (uint32_t i = 0; i < b->size; i++) {
		if (b->items[i] >= 0)
			continue;
		int rc = check_acyclic(map, -1 - b->items[i], colour, depth + 1, errbuf, errlen);
		if (rc)
			return rc;
	}
	colour[idx] = 2;
	return 0;
}

static int validate_bucket(const struct crush_map *map, const struct crush_bucket *b, int32_t idx,
			   char *errbuf, size_t errlen)
{
	if (b->id != -1 - idx)
		return crush__fmt_err(errbuf, errlen, "bucket slot %d holds id %d", idx, b->id);
	if (!b->name || !crush__name_valid(b->name))
		return crush__fmt_err(errbuf, errlen, "bucket %d has no valid name", b->id);
	if (b->alg != CRUSH_BUCKET_UNIFORM && b->alg != CRUSH_BUCKET_LIST &&
	    b->alg != CRUSH_BUCKET_STRAW2)
		return crush__fmt_err(errbuf, errlen, "bucket %s: unsupported algorithm %u", b->name,
				      b->alg);
	if (!(map->tun.allowed_bucket_algs & (1u << b->alg)))
		return crush__fmt_err(errbuf, errlen, "bucket %s: algorithm %u not allowed",
				      b->name, b->alg);
	if (b->hash != 0)
		return crush__fmt_err(errbuf, errlen, "bucket %s: unknown hash %u", b->name,
				      b->hash);
	if (b->type <= 0 || !type_exists(map, b->type))
		return crush__fmt_err(errbuf, errlen, "bucket %s: bad type %d", b->name, b->type);
	if (b->size > CRUSH_MAX_BUCKET_SIZE)
		return crush__fmt_err(errbuf, errlen, "bucket %s: too many items", b->name);
	uint64_t sum = 0;
	for (uint32_t i = 0; i < b->size; i++) {
		int32_t it = b->items[i];
		if (it >= 0 ? !crush__device_ok(map, it) : !crush__bucket(map, it))
			return crush__fmt_err(errbuf, errlen, "bucket %s: item %d does not exist",
					      b->name, it);
		if (it == b->id)
			return crush__fmt_err(errbuf, errlen, "bucket %s contains itself", b->name);
		for (uint32_t j = 0; j < i; j++)
			if (b->items[j] == it)
				return crush__fmt_err(errbuf, errlen,
						      "bucket %s: item %d listed twice", b->name,
						      it);
		if (b->alg == CRUSH_BUCKET_UNIFORM && b->item_weights[i] != b->item_weights[0])
			return crush__fmt_err(errbuf, errlen,
					      "uniform bucket %s: items must share one weight",
					      b->name);
		sum += b->item_weights[i];
		if (sum != b->sum_weights[i])
			return crush__fmt_err(errbuf, errlen, "bucket %s: stale weight sums",
					      b->name);
	}
	if (sum != b->weight)
		return crush__fmt_err(errbuf, errlen, "bucket %s: weight %u is not the item sum",
				      b->name, b->weight);
	if (b->shadow_of) {
		const struct crush_bucket *o = crush__bucket(map, b->shadow_of);
		if (!o || o->shadow_of || b->shadow_class < 0 ||
		    (uint32_t)b->shadow_class >= CRUSH_MAX_CLASSES ||
		    !crush_map_class_name(map, b->shadow_class))
			return crush__fmt_err(errbuf, errlen, "bucket %s: bad shadow origin",
					      b->name);
	}
	return 0;
}

static int validate_rule(const struct crush_map *map, const struct crush_rule *r, uint32_t idx,
			 char *errbuf, size_t errlen)
{
	if (r->id != idx || !r->name || !crush__name_valid(r->name))
		return crush__fmt_err(errbuf, errlen, "rule %u: bad id or name", idx);
	if (r->len > CRUSH_MAX_RULE_STEPS)
		return crush__fmt_err(errbuf, errlen, "rule %s: too many steps", r->name);
	for (uint32_t i = 0; i < r->len; i++) {
		const struct crush_rule_step *s = &r->steps[i];
		switch (s->op) {
		case CRUSH_RULE_NOOP:
		case CRUSH_RULE_EMIT:
			break;
		case CRUSH_RULE_TAKE:
			if (s->arg1 >= 0 ? !crush__device_ok(map, s->arg1)
					 : !crush__bucket(map, s->arg1))
				return crush__fmt_err(errbuf, errlen,
						      "rule %s: take of missing item %d", r->name,
						      s->arg1);
			break;
		case CRUSH_RULE_CHOOSE_FIRSTN:
		case CRUSH_RULE_CHOOSE_INDEP:
		case CRUSH_RULE_CHOOSELEAF_FIRSTN:
		case CRUSH_RULE_CHOOSELEAF_INDEP:
			if (!type_exists(map, s->arg2))
				return crush__fmt_err(errbuf, errlen, "rule %s: unknown type %d",
						      r->name, s->arg2);
			if (s->arg1 < -CRUSH_MAX_DEVICES || s->arg1 > CRUSH_MAX_DEVICES)
				return crush__fmt_err(errbuf, errlen, "rule %s: bad count %d",
						      r->name, s->arg1);
			break;
		case CRUSH_RULE_SET_CHOOSE_TRIES:
		case CRUSH_RULE_SET_CHOOSELEAF_TRIES:
		case CRUSH_RULE_SET_CHOOSE_LOCAL_TRIES:
		case CRUSH_RULE_SET_CHOOSE_LOCAL_FALLBACK_TRIES:
		case CRUSH_RULE_SET_CHOOSELEAF_VARY_R:
		case CRUSH_RULE_SET_CHOOSELEAF_STABLE:
			if (s->arg1 < 0 || s->arg1 > 1000)
				return crush__fmt_err(errbuf, errlen, "rule %s: bad value %d",
						      r->name, s->arg1);
			break;
		default:
			return crush__fmt_err(errbuf, errlen, "rule %s: unknown step op %u",
					      r->name, s->op);
		}
	}
	return 0;
}

static int validate_names(const struct crush_map *map, char *errbuf, size_t errlen)
{
	for (uint32_t i = 0; i < map->ntypes; i++) {
		if (map->types[i].id < 0 || map->types[i].id >= CRUSH_MAX_TYPES ||
		    !crush__name_valid(map->types[i].name))
			return crush__fmt_err(errbuf, errlen, "bad type entry %d",
					      map->types[i].id);
		for (uint32_t j = 0; j < i; j++)
			if (map->types[j].id == map->types[i].id ||
			    !strcmp(map->types[j].name, map->types[i].name))
				return crush__fmt_err(errbuf, errlen, "duplicate type %s",
						      map->types[i].name);
	}
	for (uint32_t i = 0; i < map->nclasses; i++) {
		if (map->classes[i].id < 0 || map->classes[i].id >= CRUSH_MAX_CLASSES ||
		    !crush__name_valid(map->classes[i].name))
			return crush__fmt_err(errbuf, errlen, "bad class entry %d",
					      map->classes[i].id);
		for (uint32_t j = 0; j < i; j++)
			if (map->classes[j].id == map->classes[i].id ||
			    !strcmp(map->classes[j].name, map->classes[i].name))
				return crush__fmt_err(errbuf, errlen, "duplicate class %s",
						      map->classes[i].name);
	}
	for (int32_t i = 0; i < map->max_devices; i++) {
		if (!map->device_names[i])
			continue;
		if (!crush__name_valid(map->device_names[i]))
			return crush__fmt_err(errbuf, errlen, "device %d: bad name", i);
		if (map->device_class[i] >= 0 && !crush_map_class_name(map, map->device_class[i]))
			return crush__fmt_err(errbuf, errlen, "device %d: unknown class %d", i,
					      map->device_class[i]);
		int32_t other;
		if (crush_map_item_by_name(map, map->device_names[i], &other) == 0 && other != i)
			return crush__fmt_err(errbuf, errlen, "duplicate item name %s",
					      map->device_names[i]);
	}
	for (int32_t i = 0; i < map->max_buckets; i++) {
		const struct crush_bucket *b = map->buckets[i];
		int32_t other;
		if (b && b->name && crush_map_item_by_name(map, b->name, &other) == 0 &&
		    other != b->id)
			return crush__fmt_err(errbuf, errlen, "duplicate item name %s", b->name);
	}
	return 0;
}

int crush_map_validate(const struct crush_map *map, char *errbuf, size_t errlen)
{
	int rc = validate_names(map, errbuf, errlen);
	if (rc)
		return rc;
	for (int32_t i = 0; i < map->max_buckets; i++)
		if (map->buckets[i] &&
		    (rc = validate_bucket(map, map->buckets[i], i, errbuf, errlen)))
			return rc;
	uint8_t *colour = calloc((size_t)map->max_buckets + 1, 1);
	if (!colour)
		return -ENOMEM;
	for (int32_t i = 0; i < map->max_buckets && !rc; i++)
		if (map->buckets[i])
			rc = check_acyclic(map, i, colour, 0, errbuf, errlen);
	free(colour);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < map->max_rules; i++)
		if (map->rules[i] && (rc = validate_rule(map, map->rules[i], i, errbuf, errlen)))
			return rc;
	for (uint32_t i = 0; i < map->nclass_ids; i++) {
		const struct crush_class_id *c = &map->class_ids[i];
		const struct crush_bucket *s = crush__bucket(map, c->shadow);
		if (!s || s->shadow_of != c->orig || s->shadow_class != c->cls)
			return crush__fmt_err(errbuf, errlen, "stale class id %d", c->shadow);
	}
	for (uint32_t i = 0; i < map->nchoose_args; i++) {
		const struct crush_choose_args *ca = &map->choose_args[i];
		for (uint32_t j = 0; j < i; j++)
			if (map->choose_args[j].id == ca->id)
				return crush__fmt_err(errbuf, errlen, "duplicate choose_args %lld",
						      (long long)ca->id);
		if (ca->nargs > (uint32_t)map->max_buckets)
			return crush__fmt_err(errbuf, errlen, "choose_args %lld: too many buckets",
					      (long long)ca->id);
		for (uint32_t j = 0; j < ca->nargs; j++) {
			const struct crush_choose_arg *a = &ca->args[j];
			const struct crush_bucket *b = map->buckets[j];
			if (!a->ids_size && !a->weight_size)
				continue;
			if (!b)
				return crush__fmt_err(errbuf, errlen,
						      "choose_args %lld: missing bucket %d",
						      (long long)ca->id, -1 - (int32_t)j);
			if ((a->ids_size && a->ids_size != b->size) ||
			    (a->weight_size && a->weight_size != b->size) ||
			    a->positions > CRUSH_MAX_POSITIONS ||
			    (a->weight_size && !a->positions))
				return crush__fmt_err(errbuf, errlen,
						      "choose_args %lld: bucket %s size mismatch",
						      (long long)ca->id, b->name);
		}
	}
	return 0;
}

/* --- queries ---------------------------------------------------------- */

void crush_map_get_tunables(const struct crush_map *map, struct crush_tunables *out_t)
{
	*out_t = map->tun;
}

int32_t crush_map_max_devices(const struct crush_map *map)
{
	return map->max_devices;
}

int32_t crush_map_max_buckets(const struct crush_map *map)
{
	return map->max_buckets;
}

int crush_map_bucket_exists(const struct crush_map *map, int32_t id)
{
	return crush__bucket(map, id) != NULL;
}

int crush_map_device_exists(const struct crush_map *map, int32_t id)
{
	return crush__device_ok(map, id);
}

const char *crush_map_item_name(const struct crush_map *map, int32_t id)
{
	if (id >= 0)
		return crush__device_ok(map, id) ? map->device_names[id] : NULL;
	const struct crush_bucket *b = crush__bucket(map, id);
	return b ? b->name : NULL;
}

int crush_map_item_by_name(const struct crush_map *map, const char *name, int32_t *out_id)
{
	for (int32_t i = 0; i < map->max_devices; i++)
		if (map->device_names[i] && !strcmp(map->device_names[i], name)) {
			*out_id = i;
			return 0;
		}
	for (int32_t i = 0; i < map->max_buckets; i++)
		if (map->buckets[i] && map->buckets[i]->name &&
		    !strcmp(map->buckets[i]->name, name)) {
			*out_id = -1 - i;
			return 0;
		}
	return -ENOENT;
}

static const char *name_of(const struct crush_name *t, uint32_t n, int32_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return NULL;
}

static int id_of(const struct crush_name *t, uint32_t n, const char *name, int32_t *out_id)
{
	for (uint32_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name)) {
			*out_id = t[i].id;
			return 0;
		}
	return -ENOENT;
}

const char *crush_map_type_name(const struct crush_map *map, int32_t type)
{
	return name_of(map->types, map->ntypes, type);
}

int crush_map_type_by_name(const struct crush_map *map, const char *name, int32_t *out_type)
{
	return id_of(map->types, map->ntypes, name, out_type);
}

const char *crush_map_class_name(const struct crush_map *map, int32_t cls)
{
	return name_of(map->classes, map->nclasses, cls);
}

int crush_map_class_by_name(const struct crush_map *map, const char *name, int32_t *out_cls)
{
	return id_of(map->classes, map->nclasses, name, out_cls);
}

int crush_map_device_class(const struct crush_map *map, int32_t dev, int32_t *out_cls)
{
	if (!crush__device_ok(map, dev) || map->device_class[dev] < 0)
		return -ENOENT;
	*out_cls = map->device_class[dev];
	return 0;
}

int crush_map_bucket_info(const struct crush_map *map, int32_t id, int32_t *out_type,
			  uint32_t *out_alg, uint32_t *out_weight, uint32_t *out_size)
{
	const struct crush_bucket *b = crush__bucket(map, id);
	if (!b)
		return -ENOENT;
	if (out_type)
		*out_type = b->type;
	if (out_alg)
		*out_alg = b->alg;
	if (out_weight)
		*out_weight = b->weight;
	if (out_size)
		*out_size = b->size;
	return 0;
}

int crush_map_bucket_item(const struct crush_map *map, int32_t id, uint32_t n,
			  int32_t *out_item, uint32_t *out_weight)
{
	const struct crush_bucket *b = crush__bucket(map, id);
	if (!b)
		return -ENOENT;
	if (n >= b->size)
		return -ERANGE;
	*out_item = b->items[n];
	if (out_weight)
		*out_weight = b->item_weights[n];
	return 0;
}

int crush_map_item_parent(const struct crush_map *map, int32_t item, int32_t *out_parent)
{
	for (int32_t i = 0; i < map->max_buckets; i++) {
		const struct crush_bucket *b = map->buckets[i];
		if (!b || b->shadow_of)
			continue;
		for (uint32_t j = 0; j < b->size; j++)
			if (b->items[j] == item) {
				*out_parent = b->id;
				return 0;
			}
	}
	return -ENOENT;
}

int crush_map_bucket_is_shadow(const struct crush_map *map, int32_t id)
{
	const struct crush_bucket *b = crush__bucket(map, id);
	return b && b->shadow_of != 0;
}

int crush_map_device_weight(const struct crush_map *map, int32_t dev, uint32_t *out_weight)
{
	if (!crush__device_ok(map, dev))
		return -ENOENT;
	for (int32_t i = 0; i < map->max_buckets; i++) {
		const struct crush_bucket *b = map->buckets[i];
		if (!b || b->shadow_of)
			continue;
		for (uint32_t j = 0; j < b->size; j++)
			if (b->items[j] == dev) {
				*out_weight = b->item_weights[j];
				return 0;
			}
	}
	*out_weight = 0;
	return 0;
}

int crush_map_rule_exists(const struct crush_map *map, uint32_t rule)
{
	return rule < map->max_rules && map->rules[rule] != NULL;
}

uint32_t crush_map_max_rules(const struct crush_map *map)
{
	return map->max_rules;
}

const char *crush_map_rule_name(const struct crush_map *map, uint32_t rule)
{
	return crush_map_rule_exists(map, rule) ? map->rules[rule]->name : NULL;
}

int crush_map_rule_by_name(const struct crush_map *map, const char *name, uint32_t *out_rule)
{
	for (uint32_t i = 0; i < map->max_rules; i++)
		if (map->rules[i] && !strcmp(map->rules[i]->name, name)) {
			*out_rule = i;
			return 0;
		}
	return -ENOENT;
}

int crush_map_rule_type(const struct crush_map *map, uint32_t rule, int32_t *out_type)
{
	if (!crush_map_rule_exists(map, rule))
		return -ENOENT;
	*out_type = map->rules[rule]->type;
	return 0;
}

const struct crush_choose_args *crush_map_choose_args(const struct crush_map *map, int64_t id)
{
	for (uint32_t i = 0; i < map->nchoose_args; i++)
		if (map->choose_args[i].id == id)
			return &map->choose_args[i];
	return NULL;
}

/* --- shadow trees ----------------------------------------------------- */

/*
 * A rule `step take default class ssd` must only ever see ssd devices, yet
 * keep the shape (hosts, racks) of the real tree so failure domains still
 * mean something.  Ceph's answer, which the text format encodes, is a
 * shadow copy of every bucket per class ("host1~ssd") that holds only that
 * class's devices and the shadow copies of the child buckets.  The shadow
 * ids are stable (class_ids) because rules and weight sets refer to them.
 */

static int32_t class_id_lookup(const struct crush_map *map, int32_t orig, int32_t cls)
{
	for (uint32_t i = 0; i < map->nclass_ids; i++)
		if (map->class_ids[i].orig == orig && map->class_ids[i].cls == cls)
			return map->class_ids[i].shadow;
	return 0;
}

static int32_t free_bucket_id(const struct crush_map *map, const struct crush_class_id *ids,
			      uint32_t nids)
{
	for (int32_t i = 0;; i++) {
		if (i < map->max_buckets && map->buckets[i])
			continue;
		int32_t id = -1 - i, taken = 0;
		for (uint32_t j = 0; j < nids && !taken; j++)
			taken = ids[j].shadow == id;
		/* ids still reserved by the previous table keep their owner */
		for (uint32_t j = 0; j < map->nclass_ids && !taken; j++)
			taken = map->class_ids[j].shadow == id;
		if (!taken)
			return id;
	}
}

struct shadow_ctx {
	struct crush_map *map;
	struct crush_class_id *ids; /* the new class_ids table */
	uint32_t nids, capids;
	int32_t *memo; /* [orig index] -> shadow id of the current class, 0 = not yet */
};

static int shadow_build(struct shadow_ctx *c, int32_t orig, int32_t cls, int depth,
			int32_t *out_id)
{
	struct crush_map *map = c->map;
	int32_t oidx = -1 - orig;
	if (c->memo[oidx]) {
		*out_id = c->memo[oidx];
		return 0;
	}
	if (depth > CRUSH_MAX_DEPTH)
		return -ELOOP;
	const struct crush_bucket *o = map->buckets[oidx];
	struct crush_bucket *s = crush__bucket_new(0, o->type, o->alg, o->size);
	if (!s)
		return -ENOMEM;
	uint32_t n = 0;
	for (uint32_t i = 0; i < o->size; i++) {
		int32_t it = o->items[i];
		if (it >= 0) {
			if (map->device_class[it] != cls)
				continue;
			s->items[n] = it;
			s->item_weights[n++] = o->item_weights[i];
			continue;
		}
		int32_t sub;
		int rc = shadow_build(c, it, cls, depth + 1, &sub);
		if (rc) {
			crush__bucket_free(s);
			return rc;
		}
		s->items[n] = sub;
		s->item_weights[n++] = crush__bucket(map, sub)->weight;
	}
	s->size = n;
	if (s->alg == CRUSH_BUCKET_UNIFORM && n && s->item_weights[0] != o->item_weights[0])
		s->alg = CRUSH_BUCKET_STRAW2;
	const char *cname = crush_map_class_name(map, cls);
	size_t len = strlen(o->name) + strlen(cname) + 2;
	s->name = malloc(len);
	if (!s->name) {
		crush__bucket_free(s);
		return -ENOMEM;
	}
	snprintf(s->name, len, "%s~%s", o->name, cname);
	s->shadow_of = orig;
	s->shadow_class = cls;
	int rc = crush__bucket_finish(s);
	int32_t id = class_id_lookup(map, orig, cls);
	if (!id || crush__bucket(map, id))
		id = free_bucket_id(map, c->ids, c->nids);
	if (!rc)
		rc = crush__grow_buckets(map, -id);
	if (!rc && c->nids == c->capids) {
		uint32_t cap = c->capids ? 2 * c->capids : 16;
		struct crush_class_id *p = realloc(c->ids, cap * sizeof(*p));
		if (!p)
			rc = -ENOMEM;
		else {
			c->ids = p;
			c->capids = cap;
		}
	}
	if (rc) {
		crush__bucket_free(s);
		return rc;
	}
	s->id = id;
	map->buckets[-1 - id] = s;
	c->ids[c->nids++] = (struct crush_class_id){ orig, cls, id };
	c->memo[oidx] = id;
	*out_id = id;
	return 0;
}

int crush__rebuild_shadows(struct crush_map *map)
{
	struct shadow_ctx c = { .map = map };
	int rc = 0;

	for (int32_t i = 0; i < map->max_buckets; i++)
		if (map->buckets[i] && map->buckets[i]->shadow_of) {
			crush__bucket_free(map->buckets[i]);
			map->buckets[i] = NULL;
		}
	int32_t norig = map->max_buckets;
	c.memo = calloc((size_t)norig + 1, sizeof(*c.memo));
	if (!c.memo)
		return -ENOMEM;
	for (uint32_t k = 0; k < map->nclasses && !rc; k++) {
		int32_t cls = map->classes[k].id;
		memset(c.memo, 0, ((size_t)norig + 1) * sizeof(*c.memo));
		for (int32_t i = 0; i < norig && !rc; i++) {
			const struct crush_bucket *b = map->buckets[i];
			int32_t sid;
			if (b && !b->shadow_of)
				rc = shadow_build(&c, b->id, cls, 0, &sid);
		}
	}
	free(c.memo);
	if (rc) {
		free(c.ids);
		return rc;
	}
	free(map->class_ids);
	map->class_ids = c.ids;
	map->nclass_ids = c.nids;
	return 0;
}

static int reweight_bucket(struct crush_map *map, struct crush_bucket *b, uint8_t *done,
			   int depth)
{
	int32_t idx = -1 - b->id;
	if (done[idx])
		return 0;
	if (depth > CRUSH_MAX_DEPTH)
		return -ELOOP;
	for (uint32_t i = 0; i < b->size; i++) {
		struct crush_bucket *c = crush__bucket(map, b->items[i]);
		if (!c)
			continue;
		int rc = reweight_bucket(map, c, done, depth + 1);
		if (rc)
			return rc;
		b->item_weights[i] = c->weight;
	}
	done[idx] = 1;
	return crush__bucket_finish(b);
}

int crush__reweight_all(struct crush_map *map)
{
	uint8_t *done = calloc((size_t)map->max_buckets + 1, 1);
	int rc = 0;
	if (!done)
		return -ENOMEM;
	for (int32_t i = 0; i < map->max_buckets && !rc; i++)
		if (map->buckets[i])
			rc = reweight_bucket(map, map->buckets[i], done, 0);
	free(done);
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct crush_name *)a)->name, ((const struct crush_name *)b)->name);
}

/*
 * Renumber classes 0..n-1 in name order.  The text form carries class
 * names only, so the compiler calls this to make the numbering independent
 * of the order in which the text happened to mention the classes.
 */
int crush__canonical_classes(struct crush_map *map)
{
	uint32_t n = map->nclasses;
	int32_t *remap = calloc(CRUSH_MAX_CLASSES, sizeof(*remap));
	if (!remap)
		return -ENOMEM;
	if (n > 1)
		qsort(map->classes, n, sizeof(*map->classes), cmp_name);
	for (uint32_t i = 0; i < n; i++) {
		remap[map->classes[i].id] = (int32_t)i;
		map->classes[i].id = (int32_t)i;
	}
	for (int32_t d = 0; d < map->max_devices; d++)
		if (map->device_class[d] >= 0)
			map->device_class[d] = remap[map->device_class[d]];
	for (uint32_t i = 0; i < map->nclass_ids; i++)
		map->class_ids[i].cls = remap[map->class_ids[i].cls];
	for (int32_t i = 0; i < map->max_buckets; i++)
		if (map->buckets[i] && map->buckets[i]->shadow_of)
			map->buckets[i]->shadow_class = remap[map->buckets[i]->shadow_class];
	free(remap);
	return 0;
}
