/*
 * os_bdev.h - the block-device seam under the object store.
 *
 * The store reaches its block file or raw device only through this ops
 * table, so a test can put something in between.  The one the store
 * opens itself is os_bdev_file (pread/pwritev/fdatasync on a file
 * descriptor).  os_bdev_powerloss wraps another device and keeps every
 * write in memory until flush(): a process killed with SIGKILL then loses
 * exactly the writes that a power cut could lose, which is what the
 * power-loss crash test relies on.  It may also push a random subset of
 * unflushed writes through early, because a real disk may have written
 * some of them before the power went.
 *
 * Threads: pread may be called concurrently with anything.  pwritev may
 * be called by several threads at once (the store's writer pool and the
 * commit thread), always for disjoint ranges; flush is called by the
 * commit thread, possibly while writes of other ranges are in progress,
 * and must make durable at least every write that completed before it
 * was called.
 */
#ifndef CAIRN_OS_BDEV_H
#define CAIRN_OS_BDEV_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct os_bdev;

/*
 * Transfers at least OS_BDEV_DIRECT_MIN long, with offset, buffers and
 * lengths multiples of OS_BDEV_DIRECT_ALIGN, may bypass the page cache
 * (O_DIRECT); callers that can should allocate their buffers so.
 */
#define OS_BDEV_DIRECT_MIN   (64u << 10)
#define OS_BDEV_DIRECT_ALIGN 4096u

struct os_bdev_ops {
	/* Write all of @iov at @off.  0 or -errno. */
	int (*pwritev)(struct os_bdev *b, const struct iovec *iov, int iovcnt, uint64_t off);
	/* Read exactly @len bytes at @off.  0, -EIO on a short read, or -errno. */
	int (*pread)(struct os_bdev *b, void *buf, size_t len, uint64_t off);
	/* Make every completed write durable.  0 or -errno. */
	int (*flush)(struct os_bdev *b);
	/* Release everything, including a wrapped device.  Flushes nothing. */
	void (*close)(struct os_bdev *b);
};

/* The common head of every device; implementations embed it first. */
struct os_bdev {
	const struct os_bdev_ops *ops;
	uint64_t size; /* bytes */
};

/*
 * Open @path (a regular file or a block device) read-write.  With
 * @create_size non-zero, create a new regular file of that size and
 * preallocate it with fallocate (-EEXIST if it exists).  @out_is_dev says
 * whether it is a raw device.  0 or -errno.
 */
int os_bdev_file_open(const char *path, uint64_t create_size, struct os_bdev **out,
		      int *out_is_dev);
/*
 * As os_bdev_file_open; with @sparse a new file is only sized (ftruncate),
 * not preallocated: it takes disk space as it is written (for test and
 * development clusters; a full disk then fails writes with -ENOSPC).
 */
int os_bdev_file_open_ex(const char *path, uint64_t create_size, bool sparse,
			 struct os_bdev **out, int *out_is_dev);

/*
 * Wrap @inner (takes ownership) so that writes stay in memory until
 * flush.  Each write goes straight through with probability
 * @through_pct/100 (a seeded PRNG decides), to model a disk that wrote
 * some of its cache before the power went.  0 or -ENOMEM (then @inner is
 * still the caller's).
 */
int os_bdev_powerloss_wrap(struct os_bdev *inner, uint64_t seed, unsigned through_pct,
			   struct os_bdev **out);
/* Bytes of writes held back, not yet flushed. */
uint64_t os_bdev_powerloss_pending(struct os_bdev *b);

static inline void os_bdev_close(struct os_bdev *b)
{
	if (b)
		b->ops->close(b);
}

#endif
