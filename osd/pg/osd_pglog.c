/*
 * osd_pglog.c - PG versions, the PG log, PG info, the missing set and their
 * encodings (see osd_pglog.h; byte layouts in doc/peering.md).
 *
 * Threading: none of this is shared; a PG's shard loop owns its log.
 */
#include "osd_pglog.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "enc.h"

const char *osd_ev_format(struct osd_ev v, char buf[OSD_EV_STRLEN])
{
	snprintf(buf, OSD_EV_STRLEN, "%" PRIu32 "'%" PRIu64, v.epoch, v.version);
	return buf;
}

int osd_pg_oid_cmp(const struct osd_pg_oid *a, const struct osd_pg_oid *b)
{
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	int c = strcmp(a->name, b->name);
	if (c)
		return c < 0 ? -1 : 1;
	c = strcmp(a->nspace, b->nspace);
	return c < 0 ? -1 : c > 0;
}

/* ---- object ids ------------------------------------------------------------ */

static bool oid_valid(const struct osd_pg_oid *oid)
{
	if (!oid || !oid->name || !oid->nspace)
		return false;
	size_t nl = strnlen(oid->name, OSD_PG_NAME_MAX + 1);
	return nl > 0 && nl <= OSD_PG_NAME_MAX &&
	       strnlen(oid->nspace, OSD_PG_NSPACE_MAX + 1) <= OSD_PG_NSPACE_MAX;
}

static int oid_copy(struct osd_pg_oid *dst, const struct osd_pg_oid *src)
{
	char *name = strdup(src->name);
	char *ns = strdup(src->nspace);

	if (!name || !ns) {
		free(name);
		free(ns);
		return -ENOMEM;
	}
	dst->hash = src->hash;
	dst->name = name;
	dst->nspace = ns;
	return 0;
}

static void oid_fini(struct osd_pg_oid *oid)
{
	free((void *)oid->name);
	free((void *)oid->nspace);
	oid->name = NULL;
	oid->nspace = NULL;
}

/* ---- entries --------------------------------------------------------------- */

static bool op_valid(uint8_t op)
{
	return op == OSD_PGLOG_MODIFY || op == OSD_PGLOG_DELETE;
}

int osd_pglog_entry_init(struct osd_pglog_entry *e, uint8_t op, struct osd_ev version,
			 struct osd_ev prior, const struct osd_pg_oid *oid, struct osd_reqid reqid)
{
	struct osd_pglog_entry n;

	if (!op_valid(op) || !oid_valid(oid) || osd_ev_cmp(prior, version) >= 0)
		return -EINVAL;
	n.version = version;
	n.prior = prior;
	n.op = op;
	n.reqid = reqid;
	if (oid_copy(&n.oid, oid))
		return -ENOMEM;
	*e = n;
	return 0;
}

int osd_pglog_entry_copy(struct osd_pglog_entry *dst, const struct osd_pglog_entry *src)
{
	struct osd_pglog_entry n = *src;

	if (oid_copy(&n.oid, &src->oid))
		return -ENOMEM;
	*dst = n;
	return 0;
}

void osd_pglog_entry_fini(struct osd_pglog_entry *e)
{
	if (e)
		oid_fini(&e->oid);
}

bool osd_pglog_entry_equal(const struct osd_pglog_entry *a, const struct osd_pglog_entry *b)
{
	return osd_ev_eq(a->version, b->version) && osd_ev_eq(a->prior, b->prior) &&
	       a->op == b->op && osd_pg_oid_cmp(&a->oid, &b->oid) == 0 &&
	       osd_reqid_eq(a->reqid, b->reqid);
}

/* ---- the log --------------------------------------------------------------- */

void osd_pglog_init(struct osd_pglog *log)
{
	memset(log, 0, sizeof(*log));
}

static void drop_range(struct osd_pglog *log, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		osd_pglog_entry_fini(&log->slots[log->start + i]);
}

void osd_pglog_fini(struct osd_pglog *log)
{
	if (!log)
		return;
	drop_range(log, 0, log->n);
	free(log->slots);
	osd_pglog_init(log);
}

void osd_pglog_reset(struct osd_pglog *log, struct osd_ev at)
{
	drop_range(log, 0, log->n);
	log->start = 0;
	log->n = 0;
	log->tail = at;
	log->head = at;
}

int osd_pglog_copy(struct osd_pglog *dst, const struct osd_pglog *src)
{
	struct osd_pglog n;
	int rc;

	osd_pglog_init(&n);
	n.tail = src->tail;
	n.head = src->tail;
	for (size_t i = 0; i < src->n; i++) {
		rc = osd_pglog_append(&n, osd_pglog_at(src, i));
		if (rc) {
			osd_pglog_fini(&n);
			return rc;
		}
	}
	assert(osd_ev_eq(n.head, src->head));
	osd_pglog_fini(dst);
	*dst = n;
	return 0;
}

/*
 * Make room for one more entry at the end.  Trimming advances start, so
 * the free space collects at the front; slide the entries down when the
 * back is full, but grow instead when the array is more than half used so
 * that each slide is paid for by at least cap/2 appends.
 */
static int make_room(struct osd_pglog *log)
{
	if (log->start + log->n < log->cap)
		return 0;
	if (log->n > log->cap / 2 || log->cap == 0) {
		size_t ncap = log->cap ? log->cap * 2 : 16;
		struct osd_pglog_entry *s = realloc(log->slots, ncap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		log->slots = s;
		log->cap = ncap;
	}
	if (log->start) {
		memmove(log->slots, log->slots + log->start, log->n * sizeof(*log->slots));
		log->start = 0;
	}
	return 0;
}

int osd_pglog_append(struct osd_pglog *log, const struct osd_pglog_entry *e)
{
	int rc;

	if (osd_ev_cmp(e->version, log->head) <= 0 || !op_valid(e->op) ||
	    osd_ev_cmp(e->prior, e->version) >= 0 || !oid_valid(&e->oid))
		return -EINVAL;
	rc = make_room(log);
	if (rc)
		return rc;
	rc = osd_pglog_entry_copy(&log->slots[log->start + log->n], e);
	if (rc)
		return rc;
	log->n++;
	log->head = e->version;
	return 0;
}

long osd_pglog_find(const struct osd_pglog *log, struct osd_ev v)
{
	size_t lo = 0, hi = log->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = osd_ev_cmp(osd_pglog_at(log, mid)->version, v);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

bool osd_pglog_has(const struct osd_pglog *log, struct osd_ev v)
{
	return osd_ev_eq(v, log->tail) || osd_pglog_find(log, v) >= 0;
}

void osd_pglog_trim(struct osd_pglog *log, struct osd_ev to)
{
	size_t k = 0;

	while (k < log->n && osd_ev_cmp(osd_pglog_at(log, k)->version, to) <= 0)
		k++;
	if (!k)
		return;
	log->tail = osd_pglog_at(log, k - 1)->version;
	drop_range(log, 0, k);
	log->start += k;
	log->n -= k;
	if (!log->n)
		log->start = 0;
}

int osd_pglog_rollback(struct osd_pglog *log, struct osd_ev to)
{
	size_t keep;

	if (osd_ev_eq(to, log->tail)) {
		keep = 0;
	} else {
		long i = osd_pglog_find(log, to);

		if (i < 0)
			return -EINVAL;
		keep = (size_t)i + 1;
	}
	drop_range(log, keep, log->n);
	log->n = keep;
	log->head = to;
	return 0;
}

struct osd_ev osd_pglog_trim_bound(const struct osd_pglog *log, struct osd_ev min_last_complete,
				   size_t min_entries, size_t max_entries)
{
	size_t k = 0;

	if (min_entries > max_entries)
		min_entries = max_entries;
	/* Entries everyone has completed may go ... */
	while (k < log->n && osd_ev_cmp(osd_pglog_at(log, k)->version, min_last_complete) <= 0)
		k++;
	/* ... but keep the newest min_entries for peers briefly away ... */
	if (log->n - k < min_entries)
		k = log->n > min_entries ? log->n - min_entries : 0;
	/* ... and never more than max_entries, even for a laggard. */
	if (log->n - k > max_entries)
		k = log->n - max_entries;
	return k ? osd_pglog_at(log, k - 1)->version : log->tail;
}

const struct osd_pglog_entry *osd_pglog_find_reqid(const struct osd_pglog *log,
						   struct osd_reqid reqid)
{
	if (!reqid.client)
		return NULL;
	for (size_t i = log->n; i-- > 0;) {
		const struct osd_pglog_entry *e = osd_pglog_at(log, i);

		if (osd_reqid_eq(e->reqid, reqid))
			return e;
	}
	return NULL;
}

const struct osd_pglog_entry *osd_pglog_latest(const struct osd_pglog *log,
					       const struct osd_pg_oid *oid)
{
	for (size_t i = log->n; i-- > 0;) {
		const struct osd_pglog_entry *e = osd_pglog_at(log, i);

		if (osd_pg_oid_cmp(&e->oid, oid) == 0)
			return e;
	}
	return NULL;
}

int osd_pglog_validate(const struct osd_pglog *log)
{
	struct osd_ev prev = log->tail;

	for (size_t i = 0; i < log->n; i++) {
		const struct osd_pglog_entry *e = osd_pglog_at(log, i);

		if (osd_ev_cmp(e->version, prev) <= 0 || !op_valid(e->op) ||
		    osd_ev_cmp(e->prior, e->version) >= 0 || !oid_valid(&e->oid))
			return -EINVAL;
		prev = e->version;
	}
	return osd_ev_eq(prev, log->head) ? 0 : -EINVAL;
}

/* ---- missing set ----------------------------------------------------------- */

void osd_missing_init(struct osd_missing *m)
{
	memset(m, 0, sizeof(*m));
}

void osd_missing_clear(struct osd_missing *m)
{
	for (size_t i = 0; i < m->n; i++)
		oid_fini(&m->items[i].oid);
	m->n = 0;
}

void osd_missing_fini(struct osd_missing *m)
{
	if (!m)
		return;
	osd_missing_clear(m);
	free(m->items);
	osd_missing_init(m);
}

/* Index of @oid, or of where it would go (with *found false). */
static size_t missing_search(const struct osd_missing *m, const struct osd_pg_oid *oid,
			     bool *found)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = osd_pg_oid_cmp(&m->items[mid].oid, oid);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static int missing_insert_at(struct osd_missing *m, size_t at, const struct osd_missing_item *it)
{
	struct osd_missing_item n = *it;

	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 8;
		struct osd_missing_item *v = realloc(m->items, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->items = v;
		m->cap = ncap;
	}
	if (oid_copy(&n.oid, &it->oid))
		return -ENOMEM;
	memmove(m->items + at + 1, m->items + at, (m->n - at) * sizeof(*m->items));
	m->items[at] = n;
	m->n++;
	return 0;
}

int osd_missing_copy(struct osd_missing *dst, const struct osd_missing *src)
{
	struct osd_missing n;

	osd_missing_init(&n);
	for (size_t i = 0; i < src->n; i++) {
		if (missing_insert_at(&n, i, &src->items[i])) {
			osd_missing_fini(&n);
			return -ENOMEM;
		}
	}
	osd_missing_fini(dst);
	*dst = n;
	return 0;
}

int osd_missing_add(struct osd_missing *m, const struct osd_pg_oid *oid, struct osd_ev need,
		    struct osd_ev have, uint8_t flags)
{
	bool found;
	size_t at;

	if (!oid_valid(oid) || (flags & ~OSD_MISSING_DELETE))
		return -EINVAL;
	at = missing_search(m, oid, &found);
	if (found) {
		m->items[at].need = need;
		m->items[at].flags = flags;
		return 0;
	}
	struct osd_missing_item it = {.oid = *oid, .need = need, .have = have, .flags = flags};
	return missing_insert_at(m, at, &it);
}

int osd_missing_remove(struct osd_missing *m, const struct osd_pg_oid *oid)
{
	bool found;
	size_t at = missing_search(m, oid, &found);

	if (!found)
		return -ENOENT;
	oid_fini(&m->items[at].oid);
	memmove(m->items + at, m->items + at + 1, (m->n - at - 1) * sizeof(*m->items));
	m->n--;
	return 0;
}

const struct osd_missing_item *osd_missing_find(const struct osd_missing *m,
						const struct osd_pg_oid *oid)
{
	bool found;
	size_t at = missing_search(m, oid, &found);

	return found ? &m->items[at] : NULL;
}

bool osd_missing_equal(const struct osd_missing *a, const struct osd_missing *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct osd_missing_item *x = &a->items[i], *y = &b->items[i];

		if (osd_pg_oid_cmp(&x->oid, &y->oid) || !osd_ev_eq(x->need, y->need) ||
		    !osd_ev_eq(x->have, y->have) || x->flags != y->flags)
			return false;
	}
	return true;
}

/* ---- encoding: framing ----------------------------------------------------- */

#define HDR_LEN 7 /* type, struct_v, compat_v, le32 payload length */
#define CRC_LEN 4
#define STRUCT_V 1
#define COMPAT_V 1

/*
 * Encoders write through a sticky-error writer: after the first failure
 * every put is a no-op and the error comes out at the end, which keeps the
 * field lists readable.
 */
struct wr {
	struct buf *b;
	int rc;
};

static void put(struct wr *w, const void *p, size_t n)
{
	if (!w->rc)
		w->rc = buf_append(w->b, p, n);
}

static void put_u8(struct wr *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_le16(struct wr *w, uint16_t v)
{
	uint8_t t[2];

	enc_put_le16(t, v);
	put(w, t, sizeof(t));
}

static void put_le32(struct wr *w, uint32_t v)
{
	uint8_t t[4];

	enc_put_le32(t, v);
	put(w, t, sizeof(t));
}

static void put_le64(struct wr *w, uint64_t v)
{
	uint8_t t[8];

	enc_put_le64(t, v);
	put(w, t, sizeof(t));
}

static void put_ev(struct wr *w, struct osd_ev v)
{
	put_le32(w, v.epoch);
	put_le64(w, v.version);
}

static void put_str(struct wr *w, const char *s)
{
	size_t n = strlen(s);

	assert(n <= UINT16_MAX);
	put_le16(w, (uint16_t)n);
	put(w, s, n);
}

static void put_oid(struct wr *w, const struct osd_pg_oid *oid)
{
	put_le32(w, oid->hash);
	put_str(w, oid->nspace);
	put_str(w, oid->name);
}

/* Start a value: the header, with a length enc_end() patches. */
static void enc_begin(struct wr *w, uint8_t type, size_t *out_start)
{
	*out_start = w->b->len;
	put_u8(w, type);
	put_u8(w, STRUCT_V);
	put_u8(w, COMPAT_V);
	put_le32(w, 0);
}

static int enc_end(struct wr *w, size_t start)
{
	if (w->rc)
		return w->rc;
	size_t plen = w->b->len - start - HDR_LEN;

	assert(plen <= UINT32_MAX);
	enc_put_le32(w->b->data + start + 3, (uint32_t)plen);
	put_le32(w, crc32c(0, w->b->data + start, w->b->len - start));
	return w->rc;
}

/*
 * Check the frame of a value of @type and hand back a reader over its
 * payload and the struct version (newer versions may carry trailing fields
 * the caller skips).
 */
static int dec_open(const void *data, size_t len, uint8_t type, struct enc_rd *out,
		    uint8_t *out_v)
{
	const uint8_t *p = data;

	if (!data || len < HDR_LEN + CRC_LEN)
		return -EINVAL;
	if (crc32c(0, p, len - CRC_LEN) != enc_get_le32(p + len - CRC_LEN))
		return -EINVAL;
	if (p[0] != type || p[1] < 1 || p[2] < 1 || p[2] > p[1])
		return -EINVAL;
	if (p[2] > COMPAT_V)
		return -EOPNOTSUPP;
	if (enc_get_le32(p + 3) != len - HDR_LEN - CRC_LEN)
		return -EINVAL;
	enc_rd_init(out, p + HDR_LEN, len - HDR_LEN - CRC_LEN);
	*out_v = p[1];
	return 0;
}

/* The payload must be used up, unless a newer writer appended fields. */
static int dec_close(const struct enc_rd *r, uint8_t v)
{
	return v == STRUCT_V && enc_rd_left(r) ? -EINVAL : 0;
}

static int get_ev(struct enc_rd *r, struct osd_ev *out)
{
	if (enc_rd_le32(r, &out->epoch) || enc_rd_le64(r, &out->version))
		return -EINVAL;
	return 0;
}

/* A length-prefixed string of at most @max bytes without NULs, copied. */
static int get_str(struct enc_rd *r, size_t max, bool nonempty, char **out)
{
	uint16_t n;
	const uint8_t *p;
	char *s;

	if (enc_rd_le16(r, &n) || n > max || (nonempty && !n) || enc_rd_ref(r, n, &p) ||
	    memchr(p, 0, n))
		return -EINVAL;
	s = malloc((size_t)n + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, p, n);
	s[n] = 0;
	*out = s;
	return 0;
}

static int get_oid(struct enc_rd *r, struct osd_pg_oid *out)
{
	char *ns = NULL, *name = NULL;
	int rc;

	rc = enc_rd_le32(r, &out->hash);
	if (rc)
		return rc;
	rc = get_str(r, OSD_PG_NSPACE_MAX, false, &ns);
	if (rc)
		return rc;
	rc = get_str(r, OSD_PG_NAME_MAX, true, &name);
	if (rc) {
		free(ns);
		return rc;
	}
	out->nspace = ns;
	out->name = name;
	return 0;
}

/* ---- encoding: entries ----------------------------------------------------- */

static void entry_payload(struct wr *w, const struct osd_pglog_entry *e)
{
	put_ev(w, e->version);
	put_ev(w, e->prior);
	put_u8(w, e->op);
	put_oid(w, &e->oid);
	put_le64(w, e->reqid.client);
	put_le64(w, e->reqid.tid);
}

int osd_pglog_entry_encode(const struct osd_pglog_entry *e, struct buf *out)
{
	struct wr w = {out, 0};
	size_t start;

	enc_begin(&w, OSD_ENC_ENTRY, &start);
	entry_payload(&w, e);
	return enc_end(&w, start);
}

static int entry_fields(struct enc_rd *r, struct osd_pglog_entry *out)
{
	struct osd_pglog_entry e;
	int rc;

	memset(&e, 0, sizeof(e));
	if (get_ev(r, &e.version) || get_ev(r, &e.prior) || enc_rd_u8(r, &e.op) || !op_valid(e.op) ||
	    osd_ev_cmp(e.prior, e.version) >= 0)
		return -EINVAL;
	rc = get_oid(r, &e.oid);
	if (rc)
		return rc;
	if (enc_rd_le64(r, &e.reqid.client) || enc_rd_le64(r, &e.reqid.tid)) {
		oid_fini(&e.oid);
		return -EINVAL;
	}
	*out = e;
	return 0;
}

int osd_pglog_entry_decode(const void *data, size_t len, struct osd_pglog_entry *out)
{
	struct osd_pglog_entry e;
	struct enc_rd r;
	uint8_t v;
	int rc;

	rc = dec_open(data, len, OSD_ENC_ENTRY, &r, &v);
	if (rc)
		return rc;
	rc = entry_fields(&r, &e);
	if (rc)
		return rc;
	rc = dec_close(&r, v);
	if (rc) {
		osd_pglog_entry_fini(&e);
		return rc;
	}
	*out = e;
	return 0;
}

/* ---- encoding: info -------------------------------------------------------- */

#define INFO_F_NEEDS_BACKFILL 0x1

int osd_pg_info_encode(const struct osd_pg_info *info, struct buf *out)
{
	struct wr w = {out, 0};
	size_t start;

	enc_begin(&w, OSD_ENC_INFO, &start);
	put_le64(&w, (uint64_t)info->pgid.pool);
	put_le32(&w, info->pgid.seed);
	put_ev(&w, info->last_update);
	put_ev(&w, info->last_complete);
	put_ev(&w, info->log_tail);
	put_le32(&w, info->last_epoch_started);
	put_le32(&w, info->same_interval_since);
	put_le32(&w, info->last_epoch_clean);
	put_u8(&w, info->needs_backfill ? INFO_F_NEEDS_BACKFILL : 0);
	return enc_end(&w, start);
}

int osd_pg_info_decode(const void *data, size_t len, struct osd_pg_info *out)
{
	struct osd_pg_info i;
	struct enc_rd r;
	uint64_t pool;
	uint8_t v, flags;
	int rc;

	rc = dec_open(data, len, OSD_ENC_INFO, &r, &v);
	if (rc)
		return rc;
	memset(&i, 0, sizeof(i));
	if (enc_rd_le64(&r, &pool) || enc_rd_le32(&r, &i.pgid.seed) || get_ev(&r, &i.last_update) ||
	    get_ev(&r, &i.last_complete) || get_ev(&r, &i.log_tail) ||
	    enc_rd_le32(&r, &i.last_epoch_started) || enc_rd_le32(&r, &i.same_interval_since) ||
	    enc_rd_le32(&r, &i.last_epoch_clean) || enc_rd_u8(&r, &flags))
		return -EINVAL;
	i.pgid.pool = (int64_t)pool;
	i.needs_backfill = flags & INFO_F_NEEDS_BACKFILL;
	/* Unknown flags or versions out of order mean garbage, not news. */
	if (i.pgid.pool < 0 || (flags & ~INFO_F_NEEDS_BACKFILL) ||
	    osd_ev_cmp(i.log_tail, i.last_update) > 0 ||
	    osd_ev_cmp(i.last_complete, i.last_update) > 0)
		return -EINVAL;
	rc = dec_close(&r, v);
	if (rc)
		return rc;
	*out = i;
	return 0;
}

/* ---- encoding: missing ----------------------------------------------------- */

/* Smallest encoded item: hash, two empty-ish strings, need, have, flags. */
#define ITEM_MIN_LEN (4 + 2 + 2 + 1 + 12 + 12 + 1)

static void item_payload(struct wr *w, const struct osd_missing_item *it)
{
	put_oid(w, &it->oid);
	put_ev(w, it->need);
	put_ev(w, it->have);
	put_u8(w, it->flags);
}

static int item_fields(struct enc_rd *r, struct osd_missing_item *out)
{
	struct osd_missing_item it;
	int rc;

	memset(&it, 0, sizeof(it));
	rc = get_oid(r, &it.oid);
	if (rc)
		return rc;
	if (get_ev(r, &it.need) || get_ev(r, &it.have) || enc_rd_u8(r, &it.flags) ||
	    (it.flags & ~OSD_MISSING_DELETE)) {
		oid_fini(&it.oid);
		return -EINVAL;
	}
	*out = it;
	return 0;
}

int osd_missing_item_encode(const struct osd_missing_item *it, struct buf *out)
{
	struct wr w = {out, 0};
	size_t start;

	enc_begin(&w, OSD_ENC_MISSING_ITEM, &start);
	item_payload(&w, it);
	return enc_end(&w, start);
}

int osd_missing_item_decode(const void *data, size_t len, struct osd_missing_item *out)
{
	struct osd_missing_item it;
	struct enc_rd r;
	uint8_t v;
	int rc;

	rc = dec_open(data, len, OSD_ENC_MISSING_ITEM, &r, &v);
	if (rc)
		return rc;
	rc = item_fields(&r, &it);
	if (rc)
		return rc;
	rc = dec_close(&r, v);
	if (rc) {
		oid_fini(&it.oid);
		return rc;
	}
	*out = it;
	return 0;
}

int osd_missing_encode(const struct osd_missing *m, struct buf *out)
{
	struct wr w = {out, 0};
	size_t start;

	assert(m->n <= UINT32_MAX);
	enc_begin(&w, OSD_ENC_MISSING, &start);
	put_le32(&w, (uint32_t)m->n);
	for (size_t i = 0; i < m->n; i++)
		item_payload(&w, &m->items[i]);
	return enc_end(&w, start);
}

int osd_missing_decode(const void *data, size_t len, struct osd_missing *out)
{
	struct osd_missing m;
	struct enc_rd r;
	uint32_t count;
	uint8_t v;
	int rc;

	rc = dec_open(data, len, OSD_ENC_MISSING, &r, &v);
	if (rc)
		return rc;
	/* The count is checked against the bytes present before anything is
	 * allocated for it. */
	if (enc_rd_le32(&r, &count) || count > enc_rd_left(&r) / ITEM_MIN_LEN)
		return -EINVAL;
	osd_missing_init(&m);
	if (count) {
		m.items = calloc(count, sizeof(*m.items));
		if (!m.items)
			return -ENOMEM;
		m.cap = count;
	}
	for (uint32_t i = 0; i < count; i++) {
		rc = item_fields(&r, &m.items[i]);
		if (rc)
			goto out_free_items;
		m.n++;
		/* Strictly sorted: a duplicate or misordered set is corrupt. */
		if (i && osd_pg_oid_cmp(&m.items[i - 1].oid, &m.items[i].oid) >= 0) {
			rc = -EINVAL;
			goto out_free_items;
		}
	}
	rc = dec_close(&r, v);
	if (rc)
		goto out_free_items;
	*out = m;
	return 0;

out_free_items:
	osd_missing_fini(&m);
	return rc;
}

/* ---- encoding: whole log --------------------------------------------------- */

int osd_pglog_encode(const struct osd_pglog *log, struct buf *out)
{
	struct wr w = {out, 0};
	size_t start;

	assert(log->n <= UINT32_MAX);
	enc_begin(&w, OSD_ENC_LOG, &start);
	put_ev(&w, log->tail);
	put_ev(&w, log->head);
	put_le32(&w, (uint32_t)log->n);
	for (size_t i = 0; i < log->n; i++)
		entry_payload(&w, osd_pglog_at(log, i));
	return enc_end(&w, start);
}

/* Smallest encoded entry: two versions, op, hash, strings, reqid. */
#define ENTRY_MIN_LEN (12 + 12 + 1 + 4 + 2 + 2 + 1 + 16)

int osd_pglog_decode(const void *data, size_t len, struct osd_pglog *out)
{
	struct osd_pglog log;
	struct osd_pglog_entry e;
	struct osd_ev tail, head;
	struct enc_rd r;
	uint32_t count;
	uint8_t v;
	int rc;

	rc = dec_open(data, len, OSD_ENC_LOG, &r, &v);
	if (rc)
		return rc;
	if (get_ev(&r, &tail) || get_ev(&r, &head) || enc_rd_le32(&r, &count) ||
	    count > enc_rd_left(&r) / ENTRY_MIN_LEN)
		return -EINVAL;
	osd_pglog_init(&log);
	osd_pglog_reset(&log, tail);
	for (uint32_t i = 0; i < count; i++) {
		rc = entry_fields(&r, &e);
		if (rc)
			goto out_free_log;
		/* append refuses out-of-order versions: that is corruption here */
		rc = osd_pglog_append(&log, &e);
		osd_pglog_entry_fini(&e);
		if (rc)
			goto out_free_log;
	}
	rc = -EINVAL;
	if (!osd_ev_eq(log.head, head))
		goto out_free_log;
	rc = dec_close(&r, v);
	if (rc)
		goto out_free_log;
	*out = log;
	return 0;

out_free_log:
	osd_pglog_fini(&log);
	return rc;
}

/* ---- omap keys ------------------------------------------------------------- */

void osd_pglog_key(struct osd_ev v, uint8_t out[OSD_PGLOG_KEY_LEN])
{
	out[0] = 'L';
	enc_put_be32(out + 1, v.epoch);
	enc_put_be64(out + 5, v.version);
}

int osd_pglog_key_parse(const void *key, size_t len, struct osd_ev *out)
{
	const uint8_t *k = key;

	if (!key || len != OSD_PGLOG_KEY_LEN || k[0] != 'L')
		return -EINVAL;
	out->epoch = enc_get_be32(k + 1);
	out->version = enc_get_be64(k + 5);
	return 0;
}

int osd_missing_key(const struct osd_pg_oid *oid, struct buf *out)
{
	struct wr w = {out, 0};
	uint8_t h[5];

	h[0] = 'M';
	enc_put_be32(h + 1, oid->hash);
	put(&w, h, sizeof(h));
	put(&w, oid->name, strlen(oid->name));
	put_u8(&w, 0);
	put(&w, oid->nspace, strlen(oid->nspace));
	return w.rc;
}
