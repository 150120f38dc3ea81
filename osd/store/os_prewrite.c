/*
 * os_prewrite.c - writing the data of large writes early and in parallel.
 *
 * Why.  The commit thread applies transactions one after another; if it
 * also wrote every large write's data to the block device, all data of a
 * group would be copied into the device by one thread, in order, before
 * the group's fdatasync - and while it syncs, nobody writes.  With
 * sixteen 4 MiB writers that is 64 MiB per group on one thread.
 *
 * What.  A large write always goes to newly allocated units, and new
 * units are never live data: nothing durable or visible points at them.
 * So their bytes can be written as soon as the transaction is queued,
 * long before it is applied.  os_queue_transaction() therefore, for each
 * write op at or above the inline threshold that covers at least one
 * whole unit:
 *
 *   1. (caller's thread, before qlock) builds a struct os_pw;
 *   2. (under qlock, so in queue order) reserves the units for the whole
 *      write with os_alloc_reserve(): busy, not used - see os_alloc.c;
 *   3. (after qlock) hands the whole units, in chunks of about 1 MiB, to
 *      the store's writer pool, which writes them and computes their
 *      crc32c.  The caller never blocks on I/O.
 *
 * The commit thread, applying the op, waits for its chunks, claims the
 * reserved units (they become `used` in the same batch that commits the
 * onode referencing them), merges and writes the partial head and tail
 * units itself (they depend on the object's contents at that point in
 * the queue order) into the same reserved runs, and maps them.  After
 * each transaction - applied, failed or skipped - os_pw_finish() waits
 * for any chunk still running and unreserves what was not claimed.  So
 * the group's fdatasync comes after every write of every transaction it
 * commits, and a unit is never handed to anyone else while a writer may
 * still be writing it.
 *
 * Ordering and space.  Reservations are made under qlock, so they happen
 * in queue order.  When a reservation fails (no room, e.g. the space is
 * held by units a commit in flight has freed but not yet released), the
 * transaction falls back to allocating when it is applied, exactly as
 * without this file, and so does every transaction queued after it until
 * the commit thread has applied it (s->pw_fallbacks): units are thus
 * handed out in queue order, and a full device fails the same writes it
 * failed before.  (Clone copies still allocate at apply time.)
 *
 * Threads: see each function in os_int.h.  s->pw_lock guards the pending
 * counts and statuses and is a leaf lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "log.h"
#include "os_int.h"
#include "wq.h"

/* Bytes per pool work item: big enough to amortise, small enough to spread. */
#define CHUNK_BYTES (1u << 20)

struct os_pw_chunk {
	struct os_store *s;
	struct os_pw *pw;
	uint64_t u0, u1; /* units [u0, u1), counted from pw->lau0 */
};

uint32_t os_crc_range(const struct buflist *bl, size_t off, size_t len)
{
	uint32_t crc = 0;

	for (unsigned i = 0; i < bl->nsegs && len; i++) {
		const struct bufseg *sg = &bl->segs[i];
		if (off >= sg->len) {
			off -= sg->len;
			continue;
		}
		size_t n = sg->len - off < len ? sg->len - off : len;
		crc = crc32c(crc, (const uint8_t *)bufraw_data(sg->raw) + sg->off + off, n);
		len -= n;
		off = 0;
	}
	return crc;
}

int os_write_units(struct os_store *s, const struct buflist *c, size_t coff, uint64_t pau,
		   uint64_t n)
{
	struct iovec iov[64];
	uint64_t au = s->au, done = 0, total = n * au;
	int r;

	while (done < total) {
		int cnt = buflist_to_iovec(c, coff + done, iov, 64);
		uint64_t l = 0;
		for (int i = 0; i < cnt; i++) {
			if (l + iov[i].iov_len > total - done) {
				iov[i].iov_len = total - done - l;
				cnt = i + 1;
			}
			l += iov[i].iov_len;
		}
		if (cnt <= 0)
			return -EIO;
		if ((r = s->bdev->ops->pwritev(s->bdev, iov, cnt, pau * au + done))) {
			log_err(LOG_STORE, "block write failed: %s", strerror(-r));
			return -EIO;
		}
		done += l;
	}
	return 0;
}

void os_pw_free(struct os_txn *t)
{
	struct os_pw *pw;

	while ((pw = t->pws)) {
		t->pws = pw->next;
		pw->op->pw = NULL;
		free(pw->crcs);
		free(pw->chunks);
		free(pw);
	}
}

void os_pw_prepare(struct os_store *s, struct os_txn *t)
{
	uint64_t au = s->au, per = CHUNK_BYTES / au ? CHUNK_BYTES / au : 1;
	struct os_pw **tail = &t->pws;

	if (!s->writers)
		return;
	for (unsigned i = 0; i < t->n; i++) {
		struct os_op *op = &t->ops[i];
		uint64_t len = buflist_length(&op->data), end = op->off + len;
		struct os_pw *pw;

		if (op->type != OS_OP_WRITE || !os_write_is_big(s, len))
			continue;
		/* Only whole units are written early; a write with none is left alone. */
		if ((op->off + au - 1) / au >= end / au)
			continue;
		if (!(pw = calloc(1, sizeof(*pw))))
			goto out_fallback;
		*tail = pw;
		tail = &pw->next;
		pw->op = op;
		op->pw = pw;
		pw->lau0 = op->off / au;
		pw->nau = (end + au - 1) / au - pw->lau0;
		pw->full0 = (op->off + au - 1) / au - pw->lau0;
		pw->full1 = end / au - pw->lau0;
		pw->nchunks = (unsigned)((pw->full1 - pw->full0 + per - 1) / per);
		pw->crcs = malloc(pw->nau * sizeof(*pw->crcs));
		pw->chunks = calloc(pw->nchunks, sizeof(*pw->chunks));
		if (!pw->crcs || !pw->chunks)
			goto out_fallback;
		for (unsigned c = 0; c < pw->nchunks; c++) {
			uint64_t u0 = pw->full0 + c * per;
			pw->chunks[c] = (struct os_pw_chunk){
			    s, pw, u0, u0 + per < pw->full1 ? u0 + per : pw->full1};
		}
		/* One more than the chunks: held by os_pw_submit() while it submits. */
		pw->pending = pw->nchunks + 1;
	}
	return;

out_fallback:
	/* No memory: this transaction allocates at apply time instead. */
	os_pw_free(t);
	t->pw_fallback = true;
}

static void unreserve(struct os_store *s, struct os_pw *pw)
{
	for (unsigned i = 0; i < pw->next_n; i++)
		os_alloc_unreserve(s->alloc, pw->ext[i].pau, pw->ext[i].n);
	pw->reserved = false;
}

bool os_pw_reserve_locked(struct os_store *s, struct os_txn *t)
{
	struct os_pw *pw;

	if (!t->pws && !t->pw_fallback)
		return true;
	/* While an earlier transaction allocates at apply time, so do later ones. */
	if (!t->pw_fallback && atomic_load(&s->pw_fallbacks) == 0) {
		for (pw = t->pws; pw; pw = pw->next) {
			int r = os_alloc_reserve(s->alloc, pw->nau, pw->ext, OS_MAX_EXTENTS);
			if (r < 0)
				break;
			pw->next_n = (unsigned)r;
			pw->reserved = true;
		}
		if (!pw)
			return true;
		for (pw = t->pws; pw && pw->reserved; pw = pw->next)
			unreserve(s, pw);
	}
	os_pw_free(t);
	t->pw_fallback = true;
	atomic_fetch_add(&s->pw_fallbacks, 1);
	atomic_fetch_add(&s->n_pw_fallbacks, 1);
	return false;
}

static void chunk_done(struct os_store *s, struct os_pw *pw, int r)
{
	pthread_mutex_lock(&s->pw_lock);
	if (r && !pw->status)
		pw->status = r;
	if (--pw->pending == 0)
		pthread_cond_broadcast(&s->pw_cond);
	pthread_mutex_unlock(&s->pw_lock);
}

/* Writer pool: checksum and write units [u0, u1) of one early write. */
static void chunk_work(void *arg)
{
	struct os_pw_chunk *c = arg;
	struct os_pw *pw = c->pw;
	struct os_store *s = c->s;
	const struct buflist *data = &pw->op->data;
	uint64_t au = s->au, start = 0;
	/* Byte of the data where unit u starts; u >= full0, so never negative. */
	uint64_t base = pw->lau0 * au - pw->op->off;
	int r = 0;

	for (uint64_t u = c->u0; u < c->u1; u++)
		pw->crcs[u] = os_crc_range(data, (size_t)(base + u * au), au);
	for (unsigned i = 0; i < pw->next_n && !r; i++) {
		uint64_t lo = c->u0 > start ? c->u0 : start;
		uint64_t hi = c->u1 < start + pw->ext[i].n ? c->u1 : start + pw->ext[i].n;
		if (lo < hi)
			r = os_write_units(s, data, (size_t)(base + lo * au),
					   pw->ext[i].pau + (lo - start), hi - lo);
		start += pw->ext[i].n;
	}
	chunk_done(s, pw, r);
}

void os_pw_submit(struct os_store *s, struct os_txn *t)
{
	struct os_pw *pw, *next;

	for (pw = t->pws; pw; pw = pw->next)
		for (unsigned c = 0; c < pw->nchunks; c++)
			/* Out of memory for the work item: write it here, once. */
			if (wq_submit(s->writers, WQ_ANY_SHARD, chunk_work, NULL, &pw->chunks[c],
				      NULL))
				chunk_work(&pw->chunks[c]);
	/*
	 * Drop the extra counts.  The commit thread may free @t as soon as the
	 * last one is dropped, so read each link first and touch nothing after.
	 */
	for (pw = t->pws; pw; pw = next) {
		next = pw->next;
		chunk_done(s, pw, 0);
	}
}

int os_pw_wait(struct os_store *s, struct os_pw *pw)
{
	int r;

	pthread_mutex_lock(&s->pw_lock);
	while (pw->pending)
		pthread_cond_wait(&s->pw_cond, &s->pw_lock);
	r = pw->status;
	pthread_mutex_unlock(&s->pw_lock);
	return r;
}

void os_pw_finish(struct os_store *s, struct os_txn *t)
{
	for (struct os_pw *pw = t->pws; pw; pw = pw->next) {
		/* A writer may still be in these units: wait before anyone may reuse them. */
		os_pw_wait(s, pw);
		if (pw->reserved && !pw->claimed)
			unreserve(s, pw);
	}
	if (t->pw_fallback) {
		t->pw_fallback = false;
		atomic_fetch_sub(&s->pw_fallbacks, 1);
	}
}
