/*
 * crush_builder.c - editing operations on a crush map (crush_builder.h).
 *
 * Strategy: each edit changes the one place it names, then re-derives
 * everything derived (bucket weight sums bottom-up, the per-class shadow
 * trees) with whole-map passes.  Those passes are linear in the map size,
 * which is cheap next to the cost of a bug where a parent's weight
 * disagrees with its children: the derived state is always recomputed,
 * never patched.
 *
 * Threading: callers hold the map exclusively.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crush_builder.h"
#include "crush_int.h"

static int add_name(struct crush_name **tab, uint32_t *n, int32_t id, const char *name)
{
	struct crush_name *t = realloc(*tab, (*n + 1) * sizeof(**tab));
	if (!t)
		return -ENOMEM;
	*tab = t;
	char *dup = crush__strdup(name);
	if (!dup)
		return -ENOMEM;
	t[*n].id = id;
	t[*n].name = dup;
	(*n)++;
	return 0;
}

/* Re-derive weights and shadow trees after an edit. */
static int refresh(struct crush_map *map)
{
	int rc = crush__reweight_all(map);
	if (rc)
		return rc;
	return crush__rebuild_shadows(map);
}

int crush_add_type(struct crush_map *map, int32_t type, const char *name)
{
	int32_t other;
	if (type < 0 || type >= CRUSH_MAX_TYPES || !name || !crush__name_valid(name))
		return -EINVAL;
	if (crush_map_type_name(map, type) || crush_map_type_by_name(map, name, &other) == 0)
		return -EEXIST;
	return add_name(&map->types, &map->ntypes, type, name);
}

int crush_add_class(struct crush_map *map, const char *name, int32_t *out_cls)
{
	int32_t cls;
	if (!name || !crush__name_valid(name) || strchr(name, '~'))
		return -EINVAL;
	if (crush_map_class_by_name(map, name, &cls) == 0) {
		*out_cls = cls;
		return 0;
	}
	if (map->nclasses >= CRUSH_MAX_CLASSES)
		return -ERANGE;
	for (cls = 0; crush_map_class_name(map, cls); cls++)
		;
	int rc = add_name(&map->classes, &map->nclasses, cls, name);
	if (!rc)
		*out_cls = cls;
	return rc;
}

int crush_add_device(struct crush_map *map, int32_t id, const char *name, const char *cls)
{
	int32_t other, c = -1;
	if (id < 0 || id >= CRUSH_MAX_DEVICES || !name || !crush__name_valid(name))
		return -EINVAL;
	if (crush__device_ok(map, id) || crush_map_item_by_name(map, name, &other) == 0)
		return -EEXIST;
	int rc = crush__grow_devices(map, id + 1);
	if (rc)
		return rc;
	if (cls && (rc = crush_add_class(map, cls, &c)))
		return rc;
	if (!(map->device_names[id] = crush__strdup(name)))
		return -ENOMEM;
	map->device_class[id] = c;
	return c >= 0 ? crush__rebuild_shadows(map) : 0;
}

int crush_set_device_class(struct crush_map *map, int32_t id, const char *cls)
{
	int32_t c = -1;
	if (!crush__device_ok(map, id))
		return -ENOENT;
	if (cls) {
		int rc = crush_add_class(map, cls, &c);
		if (rc)
			return rc;
	}
	map->device_class[id] = c;
	return crush__rebuild_shadows(map);
}

int crush_add_bucket(struct crush_map *map, int32_t id, const char *name, int32_t type,
		     uint32_t alg, int32_t *out_id)
{
	int32_t other;
	if (!name || !crush__name_valid(name) || strchr(name, '~') || id > 0)
		return -EINVAL;
	if (type <= 0 || !crush_map_type_name(map, type))
		return -ENOENT;
	if ((alg != CRUSH_BUCKET_STRAW2 && alg != CRUSH_BUCKET_UNIFORM &&
	     alg != CRUSH_BUCKET_LIST) ||
	    !(map->tun.allowed_bucket_algs & (1u << alg)))
		return -EINVAL;
	if (crush_map_item_by_name(map, name, &other) == 0)
		return -EEXIST;
	if (id == 0) {
		/* skip ids reserved for shadow buckets that do not exist yet */
		for (int32_t i = 0;; i++) {
			int reserved = 0;
			for (uint32_t j = 0; j < map->nclass_ids && !reserved; j++)
				reserved = map->class_ids[j].shadow == -1 - i;
			if (!reserved && (i >= map->max_buckets || !map->buckets[i])) {
				id = -1 - i;
				break;
			}
		}
	}
	if (id == INT32_MIN || -1 - id >= CRUSH_MAX_BUCKETS)
		return -ERANGE;
	if (crush__bucket(map, id))
		return -EEXIST;
	int rc = crush__grow_buckets(map, -id);
	if (rc)
		return rc;
	struct crush_bucket *b = crush__bucket_new(id, type, alg, 0);
	if (!b)
		return -ENOMEM;
	if (!(b->name = crush__strdup(name))) {
		crush__bucket_free(b);
		return -ENOMEM;
	}
	map->buckets[-1 - id] = b;
	if ((rc = crush__rebuild_shadows(map))) {
		map->buckets[-1 - id] = NULL;
		crush__bucket_free(b);
		return rc;
	}
	if (out_id)
		*out_id = id;
	return 0;
}

static void drop_choose_arg(struct crush_map *map, int32_t bucket)
{
	uint32_t idx = (uint32_t)(-1 - bucket);
	for (uint32_t i = 0; i < map->nchoose_args; i++) {
		struct crush_choose_args *ca = &map->choose_args[i];
		if (idx < ca->nargs) {
			free(ca->args[idx].ids);
			free(ca->args[idx].weights);
			memset(&ca->args[idx], 0, sizeof(ca->args[idx]));
		}
	}
}

/* Is `anc` an ancestor of (or equal to) `item`? */
static int is_ancestor(const struct crush_map *map, int32_t anc, int32_t item, int depth)
{
	if (anc == item)
		return 1;
	const struct crush_bucket *b = crush__bucket(map, anc);
	if (!b || depth > CRUSH_MAX_DEPTH)
		return 0;
	for (uint32_t i = 0; i < b->size; i++)
		if (b->items[i] < 0 && is_ancestor(map, b->items[i], item, depth + 1))
			return 1;
	return 0;
}

int crush_link(struct crush_map *map, int32_t parent, int32_t item, uint32_t weight)
{
	struct crush_bucket *p = crush__bucket(map, parent);
	if (!p || p->shadow_of)
		return -ENOENT;
	if (item >= 0 ? !crush__device_ok(map, item) : !crush__bucket(map, item))
		return -ENOENT;
	if (item < 0 && crush__bucket(map, item)->shadow_of)
		return -EINVAL;
	for (uint32_t i = 0; i < p->size; i++)
		if (p->items[i] == item)
			return -EEXIST;
	if (item < 0 && is_ancestor(map, item, parent, 0))
		return -ELOOP;
	if (p->size >= CRUSH_MAX_BUCKET_SIZE)
		return -ERANGE;
	if (item < 0)
		weight = crush__bucket(map, item)->weight;
	if ((uint64_t)p->weight + weight > UINT32_MAX)
		return -ERANGE;
	if (p->alg == CRUSH_BUCKET_UNIFORM && p->size && p->item_weights[0] != weight)
		return -EINVAL;
	uint32_t n = p->size + 2;
	int32_t *items = realloc(p->items, n * sizeof(*items));
	if (!items)
		return -ENOMEM;
	p->items = items;
	uint32_t *iw = realloc(p->item_weights, n * sizeof(*iw));
	if (!iw)
		return -ENOMEM;
	p->item_weights = iw;
	uint64_t *sw = realloc(p->sum_weights, n * sizeof(*sw));
	if (!sw)
		return -ENOMEM;
	p->sum_weights = sw;
	items[p->size] = item;
	iw[p->size] = weight;
	p->size++;
	drop_choose_arg(map, parent);
	int rc = refresh(map);
	if (rc == -ERANGE) {
		/* an ancestor overflowed: undo */
		p->size--;
		refresh(map);
	}
	return rc;
}

int crush_unlink(struct crush_map *map, int32_t parent, int32_t item)
{
	struct crush_bucket *p = crush__bucket(map, parent);
	if (!p || p->shadow_of)
		return -ENOENT;
	for (uint32_t i = 0; i < p->size; i++) {
		if (p->items[i] != item)
			continue;
		memmove(&p->items[i], &p->items[i + 1], (p->size - i - 1) * sizeof(*p->items));
		memmove(&p->item_weights[i], &p->item_weights[i + 1],
			(p->size - i - 1) * sizeof(*p->item_weights));
		p->size--;
		drop_choose_arg(map, parent);
		return refresh(map);
	}
	return -ENOENT;
}

static int unlink_everywhere(struct crush_map *map, int32_t item, uint32_t *out_weight)
{
	int rc = 0;
	for (int32_t i = 0; i < map->max_buckets && !rc; i++) {
		const struct crush_bucket *b = map->buckets[i];
		if (!b || b->shadow_of)
			continue;
		for (uint32_t j = 0; j < b->size; j++)
			if (b->items[j] == item) {
				if (out_weight)
					*out_weight = b->item_weights[j];
				rc = crush_unlink(map, b->id, item);
				break;
			}
	}
	return rc;
}

int crush_move(struct crush_map *map, int32_t item, int32_t new_parent)
{
	uint32_t w = 0;
	if (!crush__bucket(map, new_parent))
		return -ENOENT;
	if (item >= 0 ? !crush__device_ok(map, item) : !crush__bucket(map, item))
		return -ENOENT;
	if (item < 0 && is_ancestor(map, item, new_parent, 0))
		return -ELOOP;
	int rc = unlink_everywhere(map, item, &w);
	if (rc)
		return rc;
	return crush_link(map, new_parent, item, w);
}

static int rule_references(const struct crush_map *map, int32_t item)
{
	for (uint32_t i = 0; i < map->max_rules; i++) {
		const struct crush_rule *r = map->rules[i];
		if (!r)
			continue;
		for (uint32_t j = 0; j < r->len; j++) {
			if (r->steps[j].op != CRUSH_RULE_TAKE)
				continue;
			int32_t t = r->steps[j].arg1;
			const struct crush_bucket *b = crush__bucket(map, t);
			if (t == item || (b && b->shadow_of && b->shadow_of == item))
				return 1;
		}
	}
	return 0;
}

int crush_remove_item(struct crush_map *map, int32_t item)
{
	const struct crush_bucket *b = crush__bucket(map, item);
	if (item >= 0 ? !crush__device_ok(map, item) : !b)
		return -ENOENT;
	if (b && b->shadow_of)
		return -EINVAL;
	if (b && b->size)
		return -ENOTEMPTY;
	if (rule_references(map, item))
		return -EBUSY;
	int rc = unlink_everywhere(map, item, NULL);
	if (rc)
		return rc;
	if (item >= 0) {
		free(map->device_names[item]);
		map->device_names[item] = NULL;
		map->device_class[item] = -1;
		while (map->max_devices > 0 && !map->device_names[map->max_devices - 1])
			map->max_devices--;
	} else {
		drop_choose_arg(map, item);
		crush__bucket_free(map->buckets[-1 - item]);
		map->buckets[-1 - item] = NULL;
	}
	return refresh(map);
}

int crush_reweight_device(struct crush_map *map, int32_t dev, uint32_t weight)
{
	if (!crush__device_ok(map, dev))
		return -ENOENT;
	int found = 0;
	for (int32_t i = 0; i < map->max_buckets; i++) {
		struct crush_bucket *b = map->buckets[i];
		if (!b || b->shadow_of)
			continue;
		for (uint32_t j = 0; j < b->size; j++)
			if (b->items[j] == dev) {
				if (b->alg == CRUSH_BUCKET_UNIFORM && b->size > 1)
					return -EINVAL;
				b->item_weights[j] = weight;
				found = 1;
			}
	}
	if (!found)
		return -ENOENT;
	return refresh(map);
}

int crush_reweight_all(struct crush_map *map)
{
	return refresh(map);
}

int crush_add_rule(struct crush_map *map, int32_t id, const char *name, int32_t type,
		   const struct crush_rule_step *steps, uint32_t nsteps, uint32_t *out_id)
{
	uint32_t other;
	if (!name || !crush__name_valid(name) || nsteps > CRUSH_MAX_RULE_STEPS ||
	    id >= CRUSH_MAX_RULES)
		return -EINVAL;
	if (crush_map_rule_by_name(map, name, &other) == 0)
		return -EEXIST;
	if (id < 0) {
		for (id = 0; (uint32_t)id < map->max_rules && map->rules[id]; id++)
			;
		if (id >= CRUSH_MAX_RULES)
			return -ERANGE;
	} else if (crush_map_rule_exists(map, (uint32_t)id)) {
		return -EEXIST;
	}
	struct crush_rule *r = calloc(1, sizeof(*r) + nsteps * sizeof(r->steps[0]));
	if (!r)
		return -ENOMEM;
	r->id = (uint32_t)id;
	r->type = type;
	r->min_size = 1;
	r->max_size = 10;
	r->len = nsteps;
	if (nsteps)
		memcpy(r->steps, steps, nsteps * sizeof(*steps));
	int rc = -ENOMEM;
	if (!(r->name = crush__strdup(name)))
		goto out_free;
	if ((rc = crush__grow_rules(map, (uint32_t)id + 1)))
		goto out_free;
	map->rules[id] = r;
	char err[128];
	if (crush_map_validate(map, err, sizeof(err))) {
		map->rules[id] = NULL;
		rc = -EINVAL;
		goto out_free;
	}
	if (out_id)
		*out_id = (uint32_t)id;
	return 0;

out_free:
	free(r->name);
	free(r);
	return rc;
}

int crush_add_simple_rule(struct crush_map *map, const char *name, const char *root,
			  const char *domain_type, const char *cls, int32_t rule_type,
			  uint32_t *out_id)
{
	int32_t take, type, c;
	struct crush_rule_step steps[5];
	uint32_t n = 0;
	if (crush_map_item_by_name(map, root, &take) || take >= 0)
		return -ENOENT;
	if (crush_map_type_by_name(map, domain_type, &type))
		return -ENOENT;
	if (cls) {
		if (crush_map_class_by_name(map, cls, &c))
			return -ENOENT;
		int32_t shadow = 0;
		for (uint32_t i = 0; i < map->nclass_ids; i++)
			if (map->class_ids[i].orig == take && map->class_ids[i].cls == c)
				shadow = map->class_ids[i].shadow;
		if (!shadow)
			return -ENOENT;
		take = shadow;
	}
	int leaf = type != 0;
	if (rule_type == CRUSH_RULE_TYPE_ERASURE) {
		/* erasure sets are wide: give each position plenty of tries */
		steps[n++] = (struct crush_rule_step){ CRUSH_RULE_SET_CHOOSELEAF_TRIES, 5, 0 };
		steps[n++] = (struct crush_rule_step){ CRUSH_RULE_SET_CHOOSE_TRIES, 100, 0 };
	} else if (rule_type != CRUSH_RULE_TYPE_REPLICATED) {
		return -EINVAL;
	}
	steps[n++] = (struct crush_rule_step){ CRUSH_RULE_TAKE, take, 0 };
	uint32_t op;
	if (rule_type == CRUSH_RULE_TYPE_ERASURE)
		op = leaf ? CRUSH_RULE_CHOOSELEAF_INDEP : CRUSH_RULE_CHOOSE_INDEP;
	else
		op = leaf ? CRUSH_RULE_CHOOSELEAF_FIRSTN : CRUSH_RULE_CHOOSE_FIRSTN;
	steps[n++] = (struct crush_rule_step){ op, 0, type };
	steps[n++] = (struct crush_rule_step){ CRUSH_RULE_EMIT, 0, 0 };
	return crush_add_rule(map, -1, name, rule_type, steps, n, out_id);
}

int crush_remove_rule(struct crush_map *map, uint32_t id)
{
	if (!crush_map_rule_exists(map, id))
		return -ENOENT;
	free(map->rules[id]->name);
	free(map->rules[id]);
	map->rules[id] = NULL;
	return 0;
}

int crush_set_tunables(struct crush_map *map, const struct crush_tunables *t)
{
	if (t->choose_total_tries < 1 || t->choose_total_tries > 1000 ||
	    t->choose_local_tries > 1000 || t->choose_local_fallback_tries > 1000 ||
	    t->chooseleaf_descend_once > 1 || t->chooseleaf_vary_r > 32 ||
	    t->chooseleaf_stable > 1)
		return -EINVAL;
	/* every bucket in the map must stay allowed */
	for (int32_t i = 0; i < map->max_buckets; i++)
		if (map->buckets[i] && !(t->allowed_bucket_algs & (1u << map->buckets[i]->alg)))
			return -EINVAL;
	map->tun = *t;
	return 0;
}

int crush_set_tunables_profile(struct crush_map *map, const char *profile)
{
	struct crush_tunables t;
	if (!strcmp(profile, "optimal") || !strcmp(profile, "default"))
		crush_tunables_optimal(&t);
	else if (!strcmp(profile, "legacy"))
		crush_tunables_legacy(&t);
	else
		return -EINVAL;
	return crush_set_tunables(map, &t);
}

static struct crush_choose_args *choose_args_get(struct crush_map *map, int64_t id)
{
	for (uint32_t i = 0; i < map->nchoose_args; i++)
		if (map->choose_args[i].id == id)
			return &map->choose_args[i];
	struct crush_choose_args *t =
		realloc(map->choose_args, (map->nchoose_args + 1) * sizeof(*t));
	if (!t)
		return NULL;
	map->choose_args = t;
	struct crush_choose_args *ca = &t[map->nchoose_args++];
	memset(ca, 0, sizeof(*ca));
	ca->id = id;
	return ca;
}

int crush_choose_args_set(struct crush_map *map, int64_t id, int32_t bucket, uint32_t positions,
			  const uint32_t *weights, const int32_t *ids)
{
	const struct crush_bucket *b = crush__bucket(map, bucket);
	if (!b)
		return -ENOENT;
	if (positions > CRUSH_MAX_POSITIONS || (positions && !weights))
		return -EINVAL;
	struct crush_choose_args *ca = choose_args_get(map, id);
	if (!ca)
		return -ENOMEM;
	uint32_t idx = (uint32_t)(-1 - bucket);
	if (idx >= ca->nargs) {
		struct crush_choose_arg *a = realloc(ca->args, (idx + 1) * sizeof(*a));
		if (!a)
			return -ENOMEM;
		memset(a + ca->nargs, 0, (idx + 1 - ca->nargs) * sizeof(*a));
		ca->args = a;
		ca->nargs = idx + 1;
	}
	struct crush_choose_arg na = { 0 };
	if (positions && b->size) {
		size_t n = (size_t)positions * b->size;
		if (!(na.weights = malloc(n * sizeof(*na.weights))))
			return -ENOMEM;
		memcpy(na.weights, weights, n * sizeof(*na.weights));
		na.positions = positions;
		na.weight_size = b->size;
	}
	if (ids && b->size) {
		if (!(na.ids = malloc(b->size * sizeof(*na.ids)))) {
			free(na.weights);
			return -ENOMEM;
		}
		memcpy(na.ids, ids, b->size * sizeof(*na.ids));
		na.ids_size = b->size;
	}
	free(ca->args[idx].ids);
	free(ca->args[idx].weights);
	ca->args[idx] = na;
	return 0;
}

int crush_choose_args_remove(struct crush_map *map, int64_t id)
{
	for (uint32_t i = 0; i < map->nchoose_args; i++)
		if (map->choose_args[i].id == id) {
			crush__choose_args_free(&map->choose_args[i]);
			map->choose_args[i] = map->choose_args[--map->nchoose_args];
			return 0;
		}
	return -ENOENT;
}
