/*
 * os_bdev.c - block devices behind the store's seam: a plain file or raw
 * device, and the power-loss simulator used by the crash test.
 *
 * Threading: see os_bdev.h.  The power-loss wrapper guards its pending
 * list and its PRNG with a mutex: reads (any thread) consult the list and
 * writes come from the store's writer threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "os_bdev.h"

/* ---- file / raw device ------------------------------------------------- */

struct bdev_file {
	struct os_bdev b;
	int fd;
	int dfd; /* the same file opened O_DIRECT, or -1 */
};

/* Writes at least this long start their writeback at once (see file_pwritev). */
#define WRITEBACK_MIN (256u << 10)

/*
 * Whether a write (or read) can go through the O_DIRECT descriptor: long
 * enough that copying it through the page cache (the larger cost of a big
 * buffered transfer) matters, and with the offset, every buffer and every
 * length aligned as O_DIRECT needs.  The messenger receives data into
 * aligned buffers, and os_read allocates aligned ones for large reads, so
 * large client transfers usually qualify; anything else stays buffered.  The
 * kernel keeps the two descriptors coherent (a direct write drops cached
 * pages of its range), and flush() covers both.
 */
static bool direct_ok(const struct bdev_file *f, const struct iovec *iov, int iovcnt,
		      uint64_t off)
{
	size_t total = 0;
	if (f->dfd < 0 || off % OS_BDEV_DIRECT_ALIGN)
		return false;
	for (int i = 0; i < iovcnt; i++) {
		if ((uintptr_t)iov[i].iov_base % OS_BDEV_DIRECT_ALIGN || iov[i].iov_len % OS_BDEV_DIRECT_ALIGN)
			return false;
		total += iov[i].iov_len;
	}
	return total >= OS_BDEV_DIRECT_MIN;
}

static int file_pwritev(struct os_bdev *b, const struct iovec *iov, int iovcnt, uint64_t off)
{
	struct bdev_file *f = (struct bdev_file *)b;
	bool direct = direct_ok(f, iov, iovcnt, off);
	int fd = direct ? f->dfd : f->fd;
	struct iovec local[64];
	int n = iovcnt < 64 ? iovcnt : 64;
	uint64_t off0 = off;

	/* pwritev may write short; keep a private, trimmable copy of the vector. */
	while (iovcnt > 0) {
		n = iovcnt < 64 ? iovcnt : 64;
		memcpy(local, iov, sizeof(*iov) * (size_t)n);
		struct iovec *v = local;
		int vn = n;
		while (vn > 0) {
			ssize_t w = pwritev(fd, v, vn, (off_t)off);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (direct && w % OS_BDEV_DIRECT_ALIGN) {
				/* A short direct write left the rest unaligned: finish buffered. */
				fd = f->fd;
				direct = false;
			}
			off += (uint64_t)w;
			while (vn > 0 && (size_t)w >= v->iov_len) {
				w -= (ssize_t)v->iov_len;
				v++;
				vn--;
			}
			if (vn > 0) {
				v->iov_base = (char *)v->iov_base + w;
				v->iov_len -= (size_t)w;
			}
		}
		iov += n;
		iovcnt -= n;
	}
	/*
	 * Start writing the pages out now, without waiting: the flush that
	 * makes them durable then finds them written or in flight instead of
	 * starting the whole group's I/O itself.  Only a hint - durability
	 * still comes from flush(), which also reports any write error - so
	 * its result is ignored.
	 */
	if (!direct && off - off0 >= WRITEBACK_MIN)
		(void)sync_file_range(f->fd, (off_t)off0, (off_t)(off - off0),
				      SYNC_FILE_RANGE_WRITE);
	return 0;
}

/*
 * Large aligned reads bypass the page cache too: the data goes straight
 * into the caller's buffer (no copy, no readahead of neighbouring blocks,
 * which a device's large read_ahead_kb turns into read amplification), and
 * the kernel first writes back any buffered pages of the range, so a read
 * always sees every write.  Anything else reads through the page cache.
 */
static int file_pread(struct os_bdev *b, void *buf, size_t len, uint64_t off)
{
	struct bdev_file *f = (struct bdev_file *)b;
	struct iovec v = {buf, len};
	bool direct = direct_ok(f, &v, 1, off);
	char *p = buf;

	while (len > 0) {
		ssize_t r = pread(direct ? f->dfd : f->fd, p, len, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO; /* past the end: the file was truncated under us */
		if (direct && r % OS_BDEV_DIRECT_ALIGN)
			direct = false; /* the rest is unaligned now */
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int file_flush(struct os_bdev *b)
{
	struct bdev_file *f = (struct bdev_file *)b;

	if (fdatasync(f->fd) < 0)
		return -errno;
	return 0;
}

static void file_close(struct os_bdev *b)
{
	struct bdev_file *f = (struct bdev_file *)b;

	close(f->fd);
	if (f->dfd >= 0)
		close(f->dfd);
	free(f);
}

static const struct os_bdev_ops file_ops = {
	.pwritev = file_pwritev,
	.pread = file_pread,
	.flush = file_flush,
	.close = file_close,
};

int os_bdev_file_open(const char *path, uint64_t create_size, struct os_bdev **out,
		      int *out_is_dev)
{
	return os_bdev_file_open_ex(path, create_size, false, out, out_is_dev);
}

int os_bdev_file_open_ex(const char *path, uint64_t create_size, bool sparse,
			 struct os_bdev **out, int *out_is_dev)
{
	struct bdev_file *f;
	struct stat st;
	int fd, r, is_dev = 0;
	uint64_t size;

	if (create_size) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		/*
		 * Preallocate: writes into the file then never need the
		 * filesystem to allocate (and journal) blocks on the data
		 * path, and the space is ours even if the disk fills.
		 */
		if (sparse)
			r = ftruncate(fd, (off_t)create_size) < 0 ? errno : 0;
		else
			r = posix_fallocate(fd, 0, (off_t)create_size);
		if (r) {
			log_err(LOG_STORE, "fallocate %s (%llu bytes): %s", path,
				(unsigned long long)create_size, strerror(r));
			close(fd);
			unlink(path);
			return -r;
		}
		if (fsync(fd) < 0) {
			r = -errno;
			close(fd);
			unlink(path);
			return r;
		}
	} else {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out_close;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
			r = -errno;
			goto out_close;
		}
		is_dev = 1;
	} else if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else {
		r = -EINVAL;
		goto out_close;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		r = -ENOMEM;
		goto out_close;
	}
	f->b.ops = &file_ops;
	f->b.size = size;
	f->fd = fd;
	/* Filesystems without O_DIRECT (tmpfs) refuse it: then every write is buffered. */
	f->dfd = open(path, O_RDWR | O_CLOEXEC | O_DIRECT);
	*out = &f->b;
	if (out_is_dev)
		*out_is_dev = is_dev;
	return 0;

out_close:
	close(fd);
	return r;
}

/* ---- power-loss simulator ---------------------------------------------- */

struct pl_write {
	struct pl_write *next;
	uint64_t off;
	size_t len;
	uint8_t data[];
};

struct bdev_pl {
	struct os_bdev b;
	struct os_bdev *inner;
	pthread_mutex_t lock; /* guards the pending list */
	struct pl_write *head, *tail; /* oldest first */
	uint64_t pending_bytes;
	uint64_t rng; /* guarded by lock too: writes come from several threads */
	unsigned through_pct;
};

static uint64_t pl_rand(struct bdev_pl *p)
{
	/* xorshift64*: deterministic per seed, good enough to pick writes. */
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 2685821657736338717ULL;
}

/* Whether [off, off+len) overlaps a pending write.  p->lock held. */
static bool pl_overlaps_locked(const struct bdev_pl *p, uint64_t off, size_t len)
{
	for (const struct pl_write *w = p->head; w; w = w->next)
		if (w->off < off + len && off < w->off + w->len)
			return true;
	return false;
}

static int pl_pwritev(struct os_bdev *b, const struct iovec *iov, int iovcnt, uint64_t off)
{
	struct bdev_pl *p = (struct bdev_pl *)b;
	size_t len = 0;
	struct pl_write *w;
	int r;

	for (int i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	w = malloc(sizeof(*w) + len);
	if (!w)
		return -ENOMEM;
	w->next = NULL;
	w->off = off;
	w->len = len;
	len = 0;
	for (int i = 0; i < iovcnt; i++) {
		memcpy(w->data + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	pthread_mutex_lock(&p->lock);
	/*
	 * A write goes through early only if no older pending write overlaps
	 * it: otherwise the flush would later put the older bytes over the
	 * newer ones, which no disk does.  Done under the lock so that a
	 * concurrent flush cannot interleave either.
	 */
	if (pl_rand(p) % 100 < p->through_pct && !pl_overlaps_locked(p, off, len)) {
		r = p->inner->ops->pwritev(p->inner, iov, iovcnt, off);
		pthread_mutex_unlock(&p->lock);
		free(w);
		return r;
	}
	if (p->tail)
		p->tail->next = w;
	else
		p->head = w;
	p->tail = w;
	p->pending_bytes += len;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static int pl_pread(struct os_bdev *b, void *buf, size_t len, uint64_t off)
{
	struct bdev_pl *p = (struct bdev_pl *)b;
	int r = p->inner->ops->pread(p->inner, buf, len, off);

	if (r < 0)
		return r;
	/* Overlay pending writes, oldest first, so later ones win. */
	pthread_mutex_lock(&p->lock);
	for (struct pl_write *w = p->head; w; w = w->next) {
		uint64_t s = w->off > off ? w->off : off;
		uint64_t e = w->off + w->len < off + len ? w->off + w->len : off + len;
		if (s < e)
			memcpy((char *)buf + (s - off), w->data + (s - w->off), e - s);
	}
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static int pl_flush(struct os_bdev *b)
{
	struct bdev_pl *p = (struct bdev_pl *)b;
	struct pl_write *w;
	int r = 0;

	pthread_mutex_lock(&p->lock);
	while ((w = p->head)) {
		struct iovec v = {w->data, w->len};
		r = p->inner->ops->pwritev(p->inner, &v, 1, w->off);
		if (r < 0)
			break;
		p->head = w->next;
		p->pending_bytes -= w->len;
		free(w);
	}
	if (!p->head)
		p->tail = NULL;
	pthread_mutex_unlock(&p->lock);
	if (r < 0)
		return r;
	return p->inner->ops->flush(p->inner);
}

static void pl_close(struct os_bdev *b)
{
	struct bdev_pl *p = (struct bdev_pl *)b;
	struct pl_write *w;

	/* Unflushed writes are dropped, as at a power cut. */
	while ((w = p->head)) {
		p->head = w->next;
		free(w);
	}
	os_bdev_close(p->inner);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static const struct os_bdev_ops pl_ops = {
	.pwritev = pl_pwritev,
	.pread = pl_pread,
	.flush = pl_flush,
	.close = pl_close,
};

int os_bdev_powerloss_wrap(struct os_bdev *inner, uint64_t seed, unsigned through_pct,
			   struct os_bdev **out)
{
	struct bdev_pl *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->b.ops = &pl_ops;
	p->b.size = inner->size;
	p->inner = inner;
	p->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
	p->through_pct = through_pct;
	pthread_mutex_init(&p->lock, NULL);
	*out = &p->b;
	return 0;
}

uint64_t os_bdev_powerloss_pending(struct os_bdev *b)
{
	struct bdev_pl *p = (struct bdev_pl *)b;
	uint64_t n;

	if (b->ops != &pl_ops)
		return 0;
	pthread_mutex_lock(&p->lock);
	n = p->pending_bytes;
	pthread_mutex_unlock(&p->lock);
	return n;
}
