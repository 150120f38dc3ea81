/*
 * os_alloc.c - the block allocator: which allocation units (min_alloc_size
 * bytes each) of the block file are in use.
 *
 * Two bitmaps.  `used` is the truth that is persisted: a unit is set when
 * an onode (committed, or in the commit being prepared) references it.
 * `busy` is what allocation consults: used, plus units freed by a commit
 * that is not yet durable or that a reader may still be reading.  A freed
 * unit clears `used` at once (so the very batch that drops the reference
 * also records the unit free: no leak at a crash) but stays `busy` until
 * os_alloc_release_commit(): reusing it earlier could overwrite data that
 * the last durable onode still points to.
 *
 * `used` is persisted as 'B' keys of OS_BITMAP_CHUNK bits; chunks changed
 * since the last flush are rewritten whole into the commit's batch.
 *
 * Allocation is fragmentation-aware: it first looks for one free run that
 * holds the whole request (next fit from a cursor, so consecutive writes
 * land next to each other and the file is filled sequentially), and only
 * when none exists splits the request over the largest free runs.
 *
 * Reservations (os_alloc_reserve) are busy but not used: units that
 * os_queue_transaction() set aside for a large write's data, written
 * before the transaction is applied.  Because `used` is untouched, a
 * commit flushing dirty chunks meanwhile persists nothing about them; the
 * commit thread later claims them (used, in the batch whose onode
 * references them) or unreserves them (the transaction failed).
 *
 * Threading: reservations come from any thread (under the store's queue
 * lock); every other change from the commit thread; statfs from any
 * thread.  A mutex guards everything.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "enc.h"
#include "log.h"
#include "os_int.h"

struct os_alloc {
	pthread_mutex_t lock;
	uint64_t nunits;
	uint64_t reserved;
	uint64_t nwords;
	uint64_t *used;
	uint64_t *busy;
	uint64_t nused; /* popcount of used */
	uint64_t nbusy;
	uint64_t cursor;
	uint64_t nchunks;
	uint8_t *dirty; /* one byte per chunk */
	uint64_t *dirty_list;
	size_t ndirty;
};

static bool bit_get(const uint64_t *m, uint64_t i)
{
	return (m[i / 64] >> (i % 64)) & 1;
}

static void bit_set(uint64_t *m, uint64_t i)
{
	m[i / 64] |= 1ULL << (i % 64);
}

static void bit_clear(uint64_t *m, uint64_t i)
{
	m[i / 64] &= ~(1ULL << (i % 64));
}

int os_alloc_create(uint64_t nunits, uint64_t reserved, struct os_alloc **out)
{
	struct os_alloc *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->nunits = nunits;
	a->reserved = reserved;
	a->nwords = (nunits + 63) / 64;
	a->nchunks = (nunits + OS_BITMAP_CHUNK - 1) / OS_BITMAP_CHUNK;
	a->used = calloc(a->nwords + 1, 8);
	a->busy = calloc(a->nwords + 1, 8);
	a->dirty = calloc(a->nchunks + 1, 1);
	a->dirty_list = calloc(a->nchunks + 1, 8);
	if (!a->used || !a->busy || !a->dirty || !a->dirty_list) {
		os_alloc_destroy(a);
		return -ENOMEM;
	}
	pthread_mutex_init(&a->lock, NULL);
	/* The label units and the tail past the device look busy forever. */
	for (uint64_t i = 0; i < reserved && i < nunits; i++)
		bit_set(a->busy, i);
	for (uint64_t i = nunits; i < a->nwords * 64; i++)
		bit_set(a->busy, i);
	a->nbusy = reserved;
	a->cursor = reserved;
	*out = a;
	return 0;
}

void os_alloc_destroy(struct os_alloc *a)
{
	if (!a)
		return;
	if (a->used && a->busy && a->dirty)
		pthread_mutex_destroy(&a->lock);
	free(a->used);
	free(a->busy);
	free(a->dirty);
	free(a->dirty_list);
	free(a);
}

uint64_t os_alloc_units(const struct os_alloc *a)
{
	return a->nunits;
}

int os_alloc_load_chunk(struct os_alloc *a, uint64_t chunk, const uint8_t *v, size_t vlen)
{
	if (chunk >= a->nchunks || vlen != OS_BITMAP_CHUNK / 8)
		return -EIO;
	for (uint64_t i = 0; i < OS_BITMAP_CHUNK; i++) {
		uint64_t u = chunk * OS_BITMAP_CHUNK + i;
		if (!((v[i / 8] >> (i % 8)) & 1))
			continue;
		if (u >= a->nunits || u < a->reserved)
			return -EIO;
		if (!bit_get(a->used, u)) {
			bit_set(a->used, u);
			bit_set(a->busy, u);
			a->nused++;
			a->nbusy++;
		}
	}
	return 0;
}

static void mark_dirty(struct os_alloc *a, uint64_t u)
{
	uint64_t c = u / OS_BITMAP_CHUNK;

	if (!a->dirty[c]) {
		a->dirty[c] = 1;
		a->dirty_list[a->ndirty++] = c;
	}
}

static void set_range(struct os_alloc *a, uint64_t pau, uint64_t n, bool used, bool busy)
{
	for (uint64_t u = pau; u < pau + n; u++) {
		if (used != bit_get(a->used, u)) {
			if (used) {
				bit_set(a->used, u);
				a->nused++;
			} else {
				bit_clear(a->used, u);
				a->nused--;
			}
			mark_dirty(a, u);
		}
		if (busy != bit_get(a->busy, u)) {
			if (busy) {
				bit_set(a->busy, u);
				a->nbusy++;
			} else {
				bit_clear(a->busy, u);
				a->nbusy--;
			}
		}
	}
}

/* The first free run at or after @from: 0 and its start/length, or -ENOENT. */
static int next_free(const struct os_alloc *a, uint64_t from, uint64_t *out_s, uint64_t *out_n)
{
	uint64_t u = from;

	while (u < a->nunits) {
		uint64_t w = a->busy[u / 64];
		if ((u % 64) == 0 && w == ~0ULL) {
			u += 64;
			continue;
		}
		if (!bit_get(a->busy, u))
			break;
		u++;
	}
	if (u >= a->nunits)
		return -ENOENT;
	uint64_t s = u;
	while (u < a->nunits) {
		if ((u % 64) == 0 && a->busy[u / 64] == 0) {
			u += 64;
			continue;
		}
		if (bit_get(a->busy, u))
			break;
		u++;
	}
	if (u > a->nunits)
		u = a->nunits;
	*out_s = s;
	*out_n = u - s;
	return 0;
}

static int alloc_fragmented(struct os_alloc *a, uint64_t want, struct os_pext *out, unsigned max,
			    bool used)
{
	unsigned n = 0;
	uint64_t got = 0;

	/*
	 * Repeatedly take the largest free run.  Quadratic in the number of
	 * runs taken, which is bounded by @max; only used when no single run
	 * fits, i.e. when the device is nearly full or badly fragmented.
	 */
	while (got < want && n < max) {
		uint64_t best_s = 0, best_n = 0, s, len, u = 0;
		while (next_free(a, u, &s, &len) == 0) {
			if (len > best_n) {
				best_s = s;
				best_n = len;
			}
			u = s + len;
		}
		if (!best_n)
			break;
		if (best_n > want - got)
			best_n = want - got;
		set_range(a, best_s, best_n, used, true);
		out[n++] = (struct os_pext){best_s, best_n};
		got += best_n;
	}
	if (got < want) {
		for (unsigned i = 0; i < n; i++)
			set_range(a, out[i].pau, out[i].n, false, false);
		return -ENOSPC;
	}
	return (int)n;
}

/* Allocate (@used) or reserve (busy only) @want units; see os_int.h. */
static int alloc_units(struct os_alloc *a, uint64_t want, struct os_pext *out, unsigned max,
		       bool used)
{
	uint64_t s, len, u;
	int r;

	if (want == 0 || max == 0)
		return -EINVAL;
	pthread_mutex_lock(&a->lock);
	if (a->nunits - a->nbusy < want) {
		r = -ENOSPC;
		goto out_unlock;
	}
	/* Next fit: from the cursor to the end, then from the start. */
	for (int pass = 0; pass < 2; pass++) {
		u = pass == 0 ? a->cursor : a->reserved;
		while (next_free(a, u, &s, &len) == 0) {
			if (pass == 1 && s >= a->cursor)
				break;
			if (len >= want) {
				set_range(a, s, want, used, true);
				out[0] = (struct os_pext){s, want};
				a->cursor = s + want;
				r = 1;
				goto out_unlock;
			}
			u = s + len;
		}
	}
	r = alloc_fragmented(a, want, out, max, used);
out_unlock:
	pthread_mutex_unlock(&a->lock);
	return r;
}

int os_alloc_allocate(struct os_alloc *a, uint64_t want, struct os_pext *out, unsigned max)
{
	return alloc_units(a, want, out, max, true);
}

int os_alloc_reserve(struct os_alloc *a, uint64_t want, struct os_pext *out, unsigned max)
{
	return alloc_units(a, want, out, max, false);
}

/*
 * Always on, also in release builds: a reservation that is not busy, or
 * already used, means two owners for one unit - silent data corruption.
 */
static void check_reserved(const struct os_alloc *a, const char *what, uint64_t pau, uint64_t n)
{
	for (uint64_t u = pau; u < pau + n; u++) {
		if (u < a->nunits && bit_get(a->busy, u) && !bit_get(a->used, u))
			continue;
		log_err(LOG_STORE,
			"allocator: %s of unit %llu that is not reserved (busy %d used %d)", what,
			(unsigned long long)u, u < a->nunits && bit_get(a->busy, u),
			u < a->nunits && bit_get(a->used, u));
		abort();
	}
}

void os_alloc_claim(struct os_alloc *a, uint64_t pau, uint64_t n)
{
	pthread_mutex_lock(&a->lock);
	check_reserved(a, "claim", pau, n);
	set_range(a, pau, n, true, true);
	pthread_mutex_unlock(&a->lock);
}

void os_alloc_unreserve(struct os_alloc *a, uint64_t pau, uint64_t n)
{
	pthread_mutex_lock(&a->lock);
	check_reserved(a, "unreserve", pau, n);
	set_range(a, pau, n, false, false);
	pthread_mutex_unlock(&a->lock);
}

void os_alloc_unallocate(struct os_alloc *a, uint64_t pau, uint64_t n)
{
	pthread_mutex_lock(&a->lock);
	set_range(a, pau, n, false, false);
	pthread_mutex_unlock(&a->lock);
}

void os_alloc_release_prepare(struct os_alloc *a, uint64_t pau, uint64_t n)
{
	pthread_mutex_lock(&a->lock);
	set_range(a, pau, n, false, true);
	pthread_mutex_unlock(&a->lock);
}

void os_alloc_release_undo(struct os_alloc *a, uint64_t pau, uint64_t n)
{
	pthread_mutex_lock(&a->lock);
	set_range(a, pau, n, true, true);
	pthread_mutex_unlock(&a->lock);
}

void os_alloc_release_commit(struct os_alloc *a, uint64_t pau, uint64_t n)
{
	pthread_mutex_lock(&a->lock);
	for (uint64_t u = pau; u < pau + n; u++) {
		/* Reallocated in the meantime is impossible: it was busy. */
		if (!bit_get(a->used, u))
			set_range(a, u, 1, false, false);
	}
	pthread_mutex_unlock(&a->lock);
}

void os_alloc_flush_dirty(struct os_alloc *a, rocksdb_writebatch_wi_t *wb)
{
	uint8_t key[9], val[OS_BITMAP_CHUNK / 8];

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->ndirty; i++) {
		uint64_t c = a->dirty_list[i];
		bool any = false;
		memset(val, 0, sizeof(val));
		for (uint64_t j = 0; j < OS_BITMAP_CHUNK; j++) {
			uint64_t u = c * OS_BITMAP_CHUNK + j;
			if (u < a->nunits && bit_get(a->used, u)) {
				val[j / 8] |= (uint8_t)(1u << (j % 8));
				any = true;
			}
		}
		os_key_nid(key, OS_PFX_BITMAP, c);
		/* An all-free chunk is simply absent. */
		if (any)
			rocksdb_writebatch_wi_put(wb, (const char *)key, 9, (const char *)val,
						  sizeof(val));
		else
			rocksdb_writebatch_wi_delete(wb, (const char *)key, 9);
		a->dirty[c] = 0;
	}
	a->ndirty = 0;
	pthread_mutex_unlock(&a->lock);
}

bool os_alloc_is_used(const struct os_alloc *a, uint64_t pau)
{
	return pau < a->nunits && bit_get(a->used, pau);
}

void os_alloc_statfs(struct os_alloc *a, uint64_t au, bool runs, struct os_statfs *out)
{
	uint64_t s, len, u;

	pthread_mutex_lock(&a->lock);
	memset(out, 0, sizeof(*out));
	out->total = (a->nunits - a->reserved) * au;
	/* Units waiting for release count as allocated until they are reusable. */
	out->allocated = (a->nbusy - a->reserved) * au;
	out->available = out->total - out->allocated;
	u = a->reserved;
	while (runs && next_free(a, u, &s, &len) == 0) {
		out->free_extents++;
		if (len * au > out->largest_free)
			out->largest_free = len * au;
		u = s + len;
	}
	pthread_mutex_unlock(&a->lock);
}
