/*
 * os_store.c - the object store's life cycle (mkfs, mount, umount), its
 * superblock and block label, and the commit pipeline.
 *
 * Commit pipeline.  os_queue_transaction() appends to a queue; one commit
 * thread takes everything queued (up to group_max transactions) and, in
 * queue order, applies each into a shared RocksDB write batch with index
 * (so later transactions see earlier ones' pending changes).  The data
 * of large writes was already handed to the writer pool when they were
 * queued (os_prewrite.c); applying such a write waits for it and claims
 * its reserved units.  After each transaction the commit thread waits
 * for any of its early writes still running and returns unused units.
 * Then it makes the block device durable (fdatasync), adds the changed
 * allocator chunks and commits the whole batch with one synced RocksDB
 * write.  Only then are units freed by the group returned to the
 * allocator and the callbacks run.  Transactions queued while a group is
 * being synced wait and form the next group: that is the group commit,
 * and it is why many small synced writers cost about one fdatasync per
 * group instead of one each.
 *
 * Threading: the commit thread owns s->wb, s->next_nid and all allocator
 * changes except reservations, which os_queue_transaction makes under
 * s->qlock (lock order: qlock, then the allocator's lock; s->pw_lock is a
 * leaf); the queue is guarded by s->qlock.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "crc32c.h"
#include "enc.h"
#include "log.h"
#include "os_int.h"
#include "uuid.h"
#include "wq.h"

#define SUPER_LEN (8 + 4 + 16 + 4 + 4 + 8 + 4)
#define LABEL_LEN (8 + 4 + 16 + 8 + 4)

static const char super_key[] = "Ssuper";
static const char nid_key[] = "Nnid";

void os_opts_default(struct os_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->block_size = 1ULL << 30;
	o->min_alloc_size = 4096;
	o->inline_max = 65536;
	o->group_max = 128;
	o->writer_threads = 4;
	o->preallocate = true;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int copy_str(char *dst, size_t size, const char *src)
{
	if (!src)
		return -ENOMEM;
	if (strlen(src) >= size)
		return -ENAMETOOLONG;
	strcpy(dst, src);
	return 0;
}

int os_opts_from_cfg(struct os_opts *o, const struct cfg *c)
{
	char *path, *bpath;
	struct ent_name en;
	int r;

	os_opts_default(o);
	path = cfg_str(c, CFG_osd_data);
	bpath = cfg_str(c, CFG_bluestore_block_path);
	if ((r = copy_str(o->path, sizeof(o->path), path)) ||
	    (r = copy_str(o->block_path, sizeof(o->block_path), bpath)))
		goto out_free;
	o->block_size = cfg_size(c, CFG_bluestore_block_size);
	o->preallocate = cfg_bool(c, CFG_bluestore_block_preallocate);
	o->min_alloc_size = (uint32_t)cfg_size(c, CFG_bluestore_min_alloc_size);
	o->inline_max = (uint32_t)cfg_size(c, CFG_bluestore_inline_max_size);
	{
		char *ro = cfg_str(c, CFG_bluestore_rocksdb_options);
		r = copy_str(o->rocksdb_options, sizeof(o->rocksdb_options), ro);
		free(ro);
		if (r) {
			log_err(LOG_STORE, "bluestore_rocksdb_options: %s",
				r == -ENAMETOOLONG ? "longer than 1023 bytes" : strerror(-r));
			goto out_free;
		}
	}
	o->group_max = (unsigned)cfg_int(c, CFG_bluestore_group_commit_max);
	cfg_get_entity(c, &en);
	o->osd_id = ent_name_osd_id(&en);
	if (!is_pow2(o->min_alloc_size)) {
		log_err(LOG_STORE, "bluestore_min_alloc_size %u is not a power of two",
			o->min_alloc_size);
		r = -EINVAL;
	}
out_free:
	free(path);
	free(bpath);
	return r;
}

static void block_path(const struct os_opts *o, char *out, size_t size)
{
	if (o->block_path[0])
		snprintf(out, size, "%s", o->block_path);
	else
		snprintf(out, size, "%s/block", o->path);
}

/* ---- superblock and label ------------------------------------------------ */

static void super_encode(const struct os_super *sb, uint8_t out[SUPER_LEN])
{
	memcpy(out, OS_SUPER_MAGIC, 8);
	enc_put_le32(out + 8, sb->version);
	memcpy(out + 12, sb->fsid, 16);
	enc_put_le32(out + 28, (uint32_t)sb->osd_id);
	enc_put_le32(out + 32, sb->min_alloc_size);
	enc_put_le64(out + 36, sb->block_size);
	enc_put_le32(out + 44, crc32c(0, out, 44));
}

int os_super_decode(const uint8_t *p, size_t len, struct os_super *out)
{
	if (len != SUPER_LEN || crc32c(0, p, 44) != enc_get_le32(p + 44)) {
		log_err(LOG_STORE, "superblock is corrupt (%zu bytes, checksum %s)", len,
			len == SUPER_LEN ? "mismatch" : "n/a");
		return -EIO;
	}
	if (memcmp(p, OS_SUPER_MAGIC, 8)) {
		log_err(LOG_STORE, "superblock magic is wrong: not a Cairn object store");
		return -EINVAL;
	}
	out->version = enc_get_le32(p + 8);
	if (out->version != OS_FORMAT_VERSION) {
		log_err(LOG_STORE, "store format version %u is not supported (this build reads %u)",
			out->version, OS_FORMAT_VERSION);
		return -EINVAL;
	}
	memcpy(out->fsid, p + 12, 16);
	out->osd_id = (int32_t)enc_get_le32(p + 28);
	out->min_alloc_size = enc_get_le32(p + 32);
	out->block_size = enc_get_le64(p + 36);
	if (!is_pow2(out->min_alloc_size) || out->min_alloc_size < 4096 ||
	    out->block_size / out->min_alloc_size < 2) {
		log_err(LOG_STORE, "superblock has impossible geometry (unit %u, size %llu)",
			out->min_alloc_size, (unsigned long long)out->block_size);
		return -EIO;
	}
	return 0;
}

/*
 * Write zeros over [from, to) of a new block file.  fallocate leaves
 * "unwritten" extents, and on ext4 and XFS the first write into one makes
 * the data flush also commit the filesystem journal (converting the
 * extent); on a file written once, a flush writes only data.  Measured
 * on ext4 here: fdatasync of a 4 MiB sequential write took 2.2-2.6 ms in
 * fallocated space and 1.1-1.5 ms in written space.  The price is writing
 * the whole file once at mkfs, so it is an option (os_opts.prezero).
 */
static int zero_fill(struct os_bdev *b, uint64_t from, uint64_t to)
{
	const size_t chunk = 1u << 20;
	void *z = calloc(1, chunk);
	int r = 0;

	if (!z)
		return -ENOMEM;
	for (uint64_t off = from; off < to && !r; off += chunk) {
		struct iovec v = {z, to - off < chunk ? (size_t)(to - off) : chunk};
		r = b->ops->pwritev(b, &v, 1, off);
	}
	free(z);
	return r;
}

static int label_write(struct os_bdev *b, const uint8_t fsid[16], uint64_t size)
{
	uint8_t l[OS_LABEL_SIZE] = {0};
	struct iovec v = {l, sizeof(l)};
	int r;

	memcpy(l, OS_LABEL_MAGIC, 8);
	enc_put_le32(l + 8, OS_FORMAT_VERSION);
	memcpy(l + 12, fsid, 16);
	enc_put_le64(l + 28, size);
	enc_put_le32(l + 36, crc32c(0, l, 36));
	if ((r = b->ops->pwritev(b, &v, 1, 0)))
		return r;
	return b->ops->flush(b);
}

static int label_check(struct os_bdev *b, const char *path, const uint8_t fsid[16])
{
	uint8_t l[LABEL_LEN];
	char want[UUID_STRLEN], got[UUID_STRLEN];
	int r;

	if ((r = b->ops->pread(b, l, sizeof(l), 0))) {
		log_err(LOG_STORE, "%s: cannot read the block label: %s", path, strerror(-r));
		return -EIO;
	}
	if (memcmp(l, OS_LABEL_MAGIC, 8) || crc32c(0, l, 36) != enc_get_le32(l + 36)) {
		log_err(LOG_STORE, "%s: block label is missing or corrupt", path);
		return -EIO;
	}
	if (memcmp(l + 12, fsid, 16)) {
		uuid_format(fsid, want);
		uuid_format(l + 12, got);
		log_err(LOG_STORE, "%s belongs to store %s, but the RocksDB superblock says %s",
			path, got, want);
		return -EXDEV;
	}
	return 0;
}

/* ---- RocksDB ------------------------------------------------------------- */

static int rdb_error(const char *what, char *err)
{
	int r = strstr(err, "lock") || strstr(err, "Lock") ? -EBUSY : -EIO;

	log_err(LOG_ROCKSDB, "%s: %s", what, err);
	rocksdb_free(err);
	return r;
}

/*
 * The RocksDB options of a store: ours, then @oo->rocksdb_options over them
 * ("name=value" pairs separated by ',' as in Ceph's bluestore_rocksdb_options,
 * or by ';' as RocksDB writes them).  NULL with *@rc set on failure: -EINVAL
 * names the bad option in the log.
 */
static rocksdb_options_t *db_options(const struct os_opts *oo, bool create, int *rc)
{
	rocksdb_options_t *o = rocksdb_options_create();
	rocksdb_block_based_table_options_t *t;
	char *err = NULL;

	*rc = -ENOMEM;
	if (!o)
		return NULL;
	rocksdb_options_set_create_if_missing(o, create);
	rocksdb_options_set_error_if_exists(o, create);
	rocksdb_options_set_paranoid_checks(o, 1);
	rocksdb_options_set_keep_log_file_num(o, 2);
	rocksdb_options_set_max_background_jobs(o, 2);
	/*
	 * Reuse old WAL files: a synced append to a recycled file changes no
	 * file size or extent, so fdatasync writes only the data (a fresh WAL
	 * also costs an inode write per sync).  Needs point-in-time recovery,
	 * RocksDB's default WAL recovery mode.
	 */
	rocksdb_options_set_recycle_log_file_num(o, 4);
	/* Values are onodes, small data units and logs: not worth compressing. */
	rocksdb_options_set_compression(o, rocksdb_no_compression);
	/*
	 * Most onode look-ups of a new object miss: let bloom filters say so,
	 * in the tables and in the memtable (whose skiplist search is
	 * otherwise a visible part of a small write's CPU).
	 */
	rocksdb_options_set_memtable_prefix_bloom_size_ratio(o, 0.1);
	rocksdb_options_set_memtable_whole_key_filtering(o, 1);
	t = rocksdb_block_based_options_create();
	if (!t) {
		rocksdb_options_destroy(o);
		return NULL;
	}
	rocksdb_block_based_options_set_filter_policy(t, rocksdb_filterpolicy_create_bloom(10));
	rocksdb_options_set_block_based_table_factory(o, t);
	rocksdb_block_based_options_destroy(t);
	if (oo->rocksdb_options[0]) {
		rocksdb_options_t *n = rocksdb_options_create();
		char spec[sizeof(oo->rocksdb_options)];
		int depth = 0;
		if (!n) {
			rocksdb_options_destroy(o);
			return NULL;
		}
		/* RocksDB separates with ';': commas outside {...} become that. */
		for (size_t i = 0; (spec[i] = oo->rocksdb_options[i]); i++) {
			depth += spec[i] == '{' ? 1 : spec[i] == '}' ? -1 : 0;
			if (spec[i] == ',' && depth == 0)
				spec[i] = ';';
		}
		rocksdb_get_options_from_string(o, spec, n, &err);
		rocksdb_options_destroy(o);
		if (err) {
			log_err(LOG_STORE, "bluestore_rocksdb_options \"%s\": %s",
				oo->rocksdb_options, err);
			rocksdb_free(err);
			rocksdb_options_destroy(n);
			*rc = -EINVAL;
			return NULL;
		}
		o = n;
	}
	*rc = 0;
	return o;
}

/* ---- open / close (shared by mount and fsck) ----------------------------- */

void os_close(struct os_store *s)
{
	if (!s)
		return;
	if (s->wb)
		rocksdb_writebatch_wi_destroy(s->wb);
	os_alloc_destroy(s->alloc);
	os_bdev_close(s->bdev);
	if (s->db)
		rocksdb_close(s->db);
	if (s->dbopts)
		rocksdb_options_destroy(s->dbopts);
	if (s->wsync)
		rocksdb_writeoptions_destroy(s->wsync);
	if (s->ropts)
		rocksdb_readoptions_destroy(s->ropts);
	pthread_rwlock_destroy(&s->extent_lock);
	pthread_mutex_destroy(&s->pw_lock);
	pthread_cond_destroy(&s->pw_cond);
	pthread_mutex_destroy(&s->qlock);
	pthread_cond_destroy(&s->qcond);
	free(s);
}

static int load_bitmap(struct os_store *s)
{
	rocksdb_iterator_t *it = rocksdb_create_iterator(s->db, s->ropts);
	char pfx = OS_PFX_BITMAP;
	int r = 0;

	if (!it)
		return -ENOMEM;
	for (rocksdb_iter_seek(it, &pfx, 1); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
		size_t kl, vl;
		const char *k = rocksdb_iter_key(it, &kl);
		const char *v = rocksdb_iter_value(it, &vl);
		if (kl < 1 || k[0] != OS_PFX_BITMAP)
			break;
		if (kl != 9 || os_alloc_load_chunk(s->alloc, enc_get_be64(k + 1),
						   (const uint8_t *)v, vl)) {
			log_err(LOG_STORE, "allocator bitmap key is corrupt");
			r = -EIO;
			break;
		}
	}
	rocksdb_iter_destroy(it);
	return r;
}

int os_open(const struct os_opts *o, struct os_store **out)
{
	char dbpath[PATH_MAX], bpath[PATH_MAX];
	struct os_super sb;
	struct os_store *s;
	struct stat st;
	char *err = NULL, *v;
	size_t vl;
	int r;

	snprintf(dbpath, sizeof(dbpath), "%s/db", o->path);
	block_path(o, bpath, sizeof(bpath));
	if (stat(dbpath, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_err(LOG_STORE, "%s: no RocksDB directory: not an object store", dbpath);
		return -ENOENT;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->opts = *o;
	pthread_mutex_init(&s->qlock, NULL);
	pthread_cond_init(&s->qcond, NULL);
	pthread_mutex_init(&s->pw_lock, NULL);
	pthread_cond_init(&s->pw_cond, NULL);
	{
		pthread_rwlockattr_t ra;
		pthread_rwlockattr_init(&ra);
		/* Readers are many and the releaser is one: don't starve it. */
		pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&s->extent_lock, &ra);
		pthread_rwlockattr_destroy(&ra);
	}
	s->dbopts = db_options(o, false, &r);
	if (!s->dbopts)
		goto out_close;
	s->wsync = rocksdb_writeoptions_create();
	s->ropts = rocksdb_readoptions_create();
	if (!s->wsync || !s->ropts) {
		r = -ENOMEM;
		goto out_close;
	}
	/* Every commit that acknowledges a transaction is synced.  No knob. */
	rocksdb_writeoptions_set_sync(s->wsync, 1);
	s->db = rocksdb_open(s->dbopts, dbpath, &err);
	if (err) {
		r = rdb_error(dbpath, err);
		goto out_close;
	}
	v = rocksdb_get(s->db, s->ropts, super_key, sizeof(super_key) - 1, &vl, &err);
	if (err) {
		r = rdb_error("reading the superblock", err);
		goto out_close;
	}
	if (!v) {
		log_err(LOG_STORE, "%s: RocksDB has no superblock: not a Cairn object store",
			dbpath);
		r = -EINVAL;
		goto out_close;
	}
	r = os_super_decode((const uint8_t *)v, vl, &sb);
	rocksdb_free(v);
	if (r)
		goto out_close;
	memcpy(s->fsid, sb.fsid, 16);
	s->osd_id = sb.osd_id;
	s->au = sb.min_alloc_size;
	s->nunits = sb.block_size / sb.min_alloc_size;

	if ((r = os_bdev_file_open(bpath, 0, &s->bdev, NULL))) {
		log_err(LOG_STORE, "%s: cannot open the block file: %s", bpath, strerror(-r));
		goto out_close;
	}
	if (s->bdev->size < sb.block_size) {
		log_err(LOG_STORE, "%s is %llu bytes but the store needs %llu: truncated", bpath,
			(unsigned long long)s->bdev->size, (unsigned long long)sb.block_size);
		r = -EIO;
		goto out_close;
	}
	if ((r = label_check(s->bdev, bpath, sb.fsid)))
		goto out_close;
	if (o->bdev_wrap) {
		struct os_bdev *w;
		if ((r = o->bdev_wrap(o->bdev_wrap_arg, s->bdev, &w)))
			goto out_close;
		s->bdev = w;
	}
	r = os_alloc_create(s->nunits, (OS_LABEL_SIZE + s->au - 1) / s->au, &s->alloc);
	if (r || (r = load_bitmap(s)))
		goto out_close;
	v = rocksdb_get(s->db, s->ropts, nid_key, sizeof(nid_key) - 1, &vl, &err);
	if (err) {
		r = rdb_error("reading the nid counter", err);
		goto out_close;
	}
	if (v && vl == 8)
		s->next_nid = enc_get_le64(v);
	rocksdb_free(v);
	if (!(s->wb = rocksdb_writebatch_wi_create(0, 1))) {
		r = -ENOMEM;
		goto out_close;
	}
	*out = s;
	return 0;

out_close:
	os_close(s);
	return r;
}

/* ---- mkfs ---------------------------------------------------------------- */

int os_mkfs(const struct os_opts *o)
{
	char dbpath[PATH_MAX], bpath[PATH_MAX];
	struct os_super sb = {0};
	uint8_t sbuf[SUPER_LEN];
	rocksdb_options_t *dbo = NULL;
	rocksdb_writeoptions_t *wo = NULL;
	rocksdb_t *db = NULL;
	struct os_bdev *b = NULL;
	struct stat st;
	char *err = NULL;
	int is_dev = 0, r;

	if (!is_pow2(o->min_alloc_size) || o->min_alloc_size < 4096 ||
	    o->min_alloc_size > (1u << 24)) {
		log_err(LOG_STORE, "mkfs: min_alloc_size %u must be a power of two >= 4096",
			o->min_alloc_size);
		return -EINVAL;
	}
	snprintf(dbpath, sizeof(dbpath), "%s/db", o->path);
	block_path(o, bpath, sizeof(bpath));
	if (mkdir(o->path, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		log_err(LOG_STORE, "mkfs: mkdir %s: %s", o->path, strerror(-r));
		return r;
	}
	if (stat(dbpath, &st) == 0) {
		log_err(LOG_STORE, "mkfs: %s exists: refusing to overwrite a store", dbpath);
		return -EEXIST;
	}
	/* A raw device is used as it is; a path that does not exist becomes a file. */
	if (stat(bpath, &st) == 0 && S_ISBLK(st.st_mode))
		r = os_bdev_file_open(bpath, 0, &b, &is_dev);
	else if (stat(bpath, &st) == 0)
		r = -EEXIST;
	else
		r = os_bdev_file_open_ex(bpath, o->block_size, !o->preallocate, &b, &is_dev);
	if (r) {
		log_err(LOG_STORE, "mkfs: block file %s: %s", bpath, strerror(-r));
		return r;
	}
	sb.version = OS_FORMAT_VERSION;
	sb.osd_id = o->osd_id;
	sb.min_alloc_size = o->min_alloc_size;
	sb.block_size = b->size / o->min_alloc_size * o->min_alloc_size;
	if (sb.block_size / o->min_alloc_size < 2) {
		log_err(LOG_STORE, "mkfs: %s is too small", bpath);
		r = -EINVAL;
		goto out_rm_block;
	}
	memcpy(sb.fsid, o->fsid, 16);
	if (uuid_is_zero(sb.fsid) && (r = uuid_generate(sb.fsid)))
		goto out_rm_block;
	/* Flushed with the label, just below. */
	if (!is_dev && o->prezero && (r = zero_fill(b, OS_LABEL_SIZE, sb.block_size))) {
		log_err(LOG_STORE, "mkfs: writing zeros over %s: %s", bpath, strerror(-r));
		goto out_rm_block;
	}
	if ((r = label_write(b, sb.fsid, sb.block_size))) {
		log_err(LOG_STORE, "mkfs: writing the block label: %s", strerror(-r));
		goto out_rm_block;
	}
	dbo = db_options(o, true, &r);
	if (!dbo)
		goto out_rm_db;
	wo = rocksdb_writeoptions_create();
	if (!wo) {
		r = -ENOMEM;
		goto out_rm_db;
	}
	rocksdb_writeoptions_set_sync(wo, 1);
	db = rocksdb_open(dbo, dbpath, &err);
	if (err) {
		r = rdb_error(dbpath, err);
		goto out_rm_db;
	}
	/* The superblock goes last: a store without one is not a store. */
	super_encode(&sb, sbuf);
	rocksdb_put(db, wo, super_key, sizeof(super_key) - 1, (const char *)sbuf, sizeof(sbuf),
		    &err);
	if (err) {
		r = rdb_error("mkfs: writing the superblock", err);
		goto out_rm_db;
	}
	rocksdb_close(db);
	rocksdb_options_destroy(dbo);
	rocksdb_writeoptions_destroy(wo);
	os_bdev_close(b);
	{
		char fs[UUID_STRLEN];
		uuid_format(sb.fsid, fs);
		log_info(LOG_STORE, "mkfs: created store %s for osd.%d at %s (%llu bytes, unit %u)",
			 fs, sb.osd_id, o->path, (unsigned long long)sb.block_size,
			 sb.min_alloc_size);
	}
	return 0;

out_rm_db:
	if (db)
		rocksdb_close(db);
	if (dbo) {
		rocksdb_destroy_db(dbo, dbpath, &err);
		rocksdb_free(err);
		rocksdb_options_destroy(dbo);
	}
	if (wo)
		rocksdb_writeoptions_destroy(wo);
out_rm_block:
	os_bdev_close(b);
	if (!is_dev)
		unlink(bpath);
	return r;
}

/* ---- commit pipeline ----------------------------------------------------- */

/*
 * Undo a failed transaction's allocator changes, frees first: a unit it
 * allocated and then freed again (a second write over the first) must end
 * up free, so "free -> used" must not be the last word on it.  (A unit
 * freed first is never allocated in the same transaction: it stays busy.)
 */
static void txn_undo(struct os_store *s, struct os_txn *t)
{
	for (size_t i = 0; i < t->nfreed; i++)
		os_alloc_release_undo(s->alloc, t->freed[i].pau, t->freed[i].n);
	for (size_t i = 0; i < t->nalloc; i++)
		os_alloc_unallocate(s->alloc, t->alloc[i].pau, t->alloc[i].n);
	t->nalloc = t->nfreed = 0;
}

static int commit_group(struct os_store *s, struct os_txn *head)
{
	uint8_t nidv[8];
	char *err = NULL;
	unsigned ok = 0;
	int r = 0;

	s->wrote_data = false;
	for (struct os_txn *t = head; t; t = t->next) {
		if (s->failed) {
			t->status = -EIO;
			os_pw_finish(s, t);
			continue;
		}
		rocksdb_writebatch_wi_set_save_point(s->wb);
		t->status = os_apply_txn(s, t);
		if (t->status) {
			rocksdb_writebatch_wi_rollback_to_save_point(s->wb, &err);
			if (err) {
				/* Cannot happen with a save point just set; the batch is suspect. */
				log_err(LOG_ROCKSDB, "rollback: %s", err);
				rocksdb_free(err);
				s->failed = true;
			}
			txn_undo(s, t);
		} else {
			ok++;
		}
		/*
		 * Every early write of @t has finished before the flush below;
		 * units it reserved but did not use are returned now.
		 */
		os_pw_finish(s, t);
	}
	if (!ok || s->failed)
		goto out_clear;
	/* Data first: the batch below makes onodes point at it. */
	if (s->wrote_data) {
		r = s->bdev->ops->flush(s->bdev);
		atomic_fetch_add(&s->n_flushes, 1);
		if (r) {
			log_err(LOG_STORE, "block device flush failed: %s; store is now failed",
				strerror(-r));
			goto out_fail;
		}
	}
	enc_put_le64(nidv, s->next_nid);
	rocksdb_writebatch_wi_put(s->wb, nid_key, sizeof(nid_key) - 1, (const char *)nidv, 8);
	os_alloc_flush_dirty(s->alloc, s->wb);
	rocksdb_write_writebatch_wi(s->db, s->wsync, s->wb, &err);
	if (err) {
		rdb_error("commit", err);
		goto out_fail;
	}
	atomic_fetch_add(&s->n_commits, 1);
	atomic_fetch_add(&s->n_txns, ok);
	/* Durable: the freed units may be reused once no reader is in them. */
	pthread_rwlock_wrlock(&s->extent_lock);
	for (struct os_txn *t = head; t; t = t->next)
		for (size_t i = 0; i < t->nfreed; i++)
			os_alloc_release_commit(s->alloc, t->freed[i].pau, t->freed[i].n);
	pthread_rwlock_unlock(&s->extent_lock);
	goto out_clear;

out_fail:
	/*
	 * Whether the commit reached the disk is unknown, so nothing may be
	 * reused or acknowledged.  Fail this and every later transaction.
	 */
	s->failed = true;
	for (struct os_txn *t = head; t; t = t->next)
		if (!t->status)
			t->status = -EIO;
out_clear:
	rocksdb_writebatch_wi_clear(s->wb);
	return r;
}

static void *kv_main(void *arg)
{
	struct os_store *s = arg;

	for (;;) {
		struct os_txn *head, *t;
		unsigned n = 1;

		pthread_mutex_lock(&s->qlock);
		while (!s->qhead && !s->stopping)
			pthread_cond_wait(&s->qcond, &s->qlock);
		if (!s->qhead) {
			pthread_mutex_unlock(&s->qlock);
			break;
		}
		head = t = s->qhead;
		while (t->next && n < s->opts.group_max) {
			t = t->next;
			n++;
		}
		s->qhead = t->next;
		if (!s->qhead)
			s->qtail = NULL;
		t->next = NULL;
		pthread_mutex_unlock(&s->qlock);

		commit_group(s, head);
		while (head) {
			t = head;
			head = t->next;
			if (t->on_applied)
				t->on_applied(t->arg, t->status);
			if (t->on_commit)
				t->on_commit(t->arg, t->status);
			os_txn_destroy(t);
		}
	}
	return NULL;
}

int os_mount(const struct os_opts *o, struct os_store **out)
{
	struct os_store *s;
	int r;

	if ((r = os_open(o, &s)))
		return r;
	if (s->opts.group_max == 0)
		s->opts.group_max = 128;
	if (s->opts.writer_threads &&
	    (r = wq_pool_create("os-wr", s->opts.writer_threads, &s->writers))) {
		os_close(s);
		return r;
	}
	if ((r = -pthread_create(&s->kv_thread, NULL, kv_main, s))) {
		wq_pool_destroy(s->writers, WQ_DRAIN);
		os_close(s);
		return r;
	}
	s->kv_started = true;
	log_info(LOG_STORE, "mounted %s (osd.%d, %llu units of %u bytes)", o->path, s->osd_id,
		 (unsigned long long)s->nunits, s->au);
	*out = s;
	return 0;
}

void os_umount(struct os_store *s)
{
	if (!s)
		return;
	if (s->kv_started) {
		pthread_mutex_lock(&s->qlock);
		s->stopping = true;
		pthread_cond_signal(&s->qcond);
		pthread_mutex_unlock(&s->qlock);
		pthread_join(s->kv_thread, NULL);
	}
	/* The commit thread waited for every early write: the pool is idle. */
	wq_pool_destroy(s->writers, WQ_DRAIN);
	os_close(s);
}

int os_queue_transaction(struct os_store *s, struct os_txn *t, os_done_fn on_applied,
			 os_done_fn on_commit, void *arg)
{
	bool early;

	t->on_applied = on_applied;
	t->on_commit = on_commit;
	t->arg = arg;
	t->next = NULL;
	os_pw_prepare(s, t);
	pthread_mutex_lock(&s->qlock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->qlock);
		os_txn_destroy(t);
		return -ESHUTDOWN;
	}
	/* Reserved here, under qlock, so units are handed out in queue order. */
	early = os_pw_reserve_locked(s, t) && t->pws;
	if (s->qtail)
		s->qtail->next = t;
	else
		s->qhead = t;
	s->qtail = t;
	pthread_cond_signal(&s->qcond);
	pthread_mutex_unlock(&s->qlock);
	/*
	 * @t may already be in the commit thread's hands: it waits for these
	 * writes (os_pw_prepare counted them, plus one that os_pw_submit
	 * drops last) and does not free @t before they are done.  Without
	 * early writes @t must not be touched any more.
	 */
	if (early)
		os_pw_submit(s, t);
	return 0;
}

struct sync_wait {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	int status;
};

static void sync_done(void *arg, int status)
{
	struct sync_wait *w = arg;

	pthread_mutex_lock(&w->lock);
	w->done = true;
	w->status = status;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

int os_apply_transaction(struct os_store *s, struct os_txn *t)
{
	struct sync_wait w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0};
	int r = os_queue_transaction(s, t, NULL, sync_done, &w);

	if (r)
		return r;
	pthread_mutex_lock(&w.lock);
	while (!w.done)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);
	return w.status;
}

void os_get_fsid(const struct os_store *s, uint8_t out[16])
{
	memcpy(out, s->fsid, 16);
}

int os_get_osd_id(const struct os_store *s)
{
	return s->osd_id;
}

void os_statfs(struct os_store *s, struct os_statfs *out)
{
	os_alloc_statfs(s->alloc, s->au, true, out);
}

void os_usage(struct os_store *s, struct os_statfs *out)
{
	os_alloc_statfs(s->alloc, s->au, false, out);
}

void os_perf(struct os_store *s, struct os_perf *out)
{
	out->txns = atomic_load(&s->n_txns);
	out->commits = atomic_load(&s->n_commits);
	out->bdev_flushes = atomic_load(&s->n_flushes);
	out->csum_errors = atomic_load(&s->n_csum_errors);
	out->early_writes = atomic_load(&s->n_prewrites);
	out->early_fallbacks = atomic_load(&s->n_pw_fallbacks);
}
