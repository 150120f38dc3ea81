/*
 * perf.c - performance counters.  See perf.h.
 */
#include "perf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct perf_group {
	struct perf_group *next;
	const char *name;
	const char *const *names;
	unsigned n;
	_Atomic uint64_t v[];
};

static pthread_mutex_t groups_lock = PTHREAD_MUTEX_INITIALIZER;
static struct perf_group *groups;

struct perf_group *perf_group_create(const char *name, const char *const *names, unsigned n)
{
	struct perf_group *g = calloc(1, sizeof(*g) + n * sizeof(g->v[0]));
	if (!g)
		return NULL;
	g->name = name;
	g->names = names;
	g->n = n;
	pthread_mutex_lock(&groups_lock);
	g->next = groups;
	groups = g;
	pthread_mutex_unlock(&groups_lock);
	return g;
}

void perf_group_destroy(struct perf_group *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&groups_lock);
	for (struct perf_group **pp = &groups; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	pthread_mutex_unlock(&groups_lock);
	free(g);
}

void perf_inc(struct perf_group *g, unsigned idx, uint64_t by)
{
	if (g && idx < g->n)
		atomic_fetch_add_explicit(&g->v[idx], by, memory_order_relaxed);
}

void perf_set(struct perf_group *g, unsigned idx, uint64_t v)
{
	if (g && idx < g->n)
		atomic_store_explicit(&g->v[idx], v, memory_order_relaxed);
}

uint64_t perf_get(const struct perf_group *g, unsigned idx)
{
	if (!g || idx >= g->n)
		return 0;
	return atomic_load_explicit(&((struct perf_group *)g)->v[idx], memory_order_relaxed);
}

void perf_dump(struct json_w *w)
{
	json_w_obj_begin(w);
	pthread_mutex_lock(&groups_lock);
	for (struct perf_group *g = groups; g; g = g->next) {
		json_w_key(w, g->name);
		json_w_obj_begin(w);
		for (unsigned i = 0; i < g->n; i++)
			json_w_kv_uint(w, g->names[i], perf_get(g, i));
		json_w_obj_end(w);
	}
	pthread_mutex_unlock(&groups_lock);
	json_w_obj_end(w);
}
