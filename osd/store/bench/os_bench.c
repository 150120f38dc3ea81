/*
 * os_bench.c - object store microbenchmark (not a test).
 *
 *   os_bench DIR [--block-size BYTES] [--writers N] [--prezero]
 *
 * Creates a fresh store in DIR (which must not hold one), then for 4 KiB
 * and 4 MiB objects and 1 and 16 concurrent writers, each writer creates
 * new objects with one synced transaction apiece (os_apply_transaction:
 * it returns only after the commit is durable).  Then it reads the
 * objects back with 1 and 16 readers.  One line per case:
 *   case ops seconds ops/s MiB/s commits
 * run_bench.sh runs it next to fio and computes the ratios.  --writers
 * sets the store's writer threads (0: the commit thread writes all data,
 * as before early writes), --prezero has mkfs write the block file once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "os.h"

static struct os_store *S;
static const struct os_cid CID = {1, 0};

struct job {
	int id;
	size_t size;
	int ops;
	bool read;
	int err;
};

static struct bufraw *payload;

static void *worker(void *arg)
{
	struct job *j = arg;
	char name[64];

	for (int i = 0; i < j->ops && !j->err; i++) {
		snprintf(name, sizeof(name), "b%zu_%d_%d", j->size, j->id, i);
		struct os_oid oid = {1, (uint32_t)(i * 2654435761u + j->id), OS_NOSNAP, "", name};
		struct buflist bl = BUFLIST_INIT;
		if (j->read) {
			j->err = os_read(S, &CID, &oid, 0, 0, &bl);
			if (!j->err && bl.len != j->size)
				j->err = -1;
		} else {
			struct os_txn *t = os_txn_create();
			buflist_append_raw(&bl, payload, 0, j->size);
			os_txn_write(t, &CID, &oid, 0, &bl);
			j->err = os_apply_transaction(S, t);
		}
		buflist_fini(&bl);
	}
	return NULL;
}

static int run_case(const char *label, size_t size, int writers, int total, bool rd)
{
	pthread_t th[64];
	struct job jobs[64];
	struct os_perf p0, p1;
	uint64_t t0, t1;

	os_perf(S, &p0);
	t0 = clk_mono_ns();
	for (int i = 0; i < writers; i++) {
		jobs[i] = (struct job){i, size, total / writers, rd, 0};
		pthread_create(&th[i], NULL, worker, &jobs[i]);
	}
	for (int i = 0; i < writers; i++)
		pthread_join(th[i], NULL);
	t1 = clk_mono_ns();
	os_perf(S, &p1);
	for (int i = 0; i < writers; i++)
		if (jobs[i].err) {
			fprintf(stderr, "%s: error %d\n", label, jobs[i].err);
			return 1;
		}
	double sec = (double)(t1 - t0) / 1e9;
	int ops = total / writers * writers;
	printf("%-14s %6d %8.3f %10.1f %9.1f %7llu\n", label, ops, sec, ops / sec,
	       (double)ops * (double)size / sec / 1048576.0,
	       (unsigned long long)(p1.commits - p0.commits));
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct os_opts o;
	int r = 0;

	if (argc < 2) {
		fprintf(stderr,
			"usage: os_bench DIR [--block-size BYTES] [--writers N] [--prezero]\n");
		return 2;
	}
	os_opts_default(&o);
	snprintf(o.path, sizeof(o.path), "%s", argv[1]);
	o.block_size = 3ULL << 30;
	for (int i = 2; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--block-size"))
			o.block_size = strtoull(argv[++i], NULL, 0);
		else if (i + 1 < argc && !strcmp(argv[i], "--writers"))
			o.writer_threads = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--prezero"))
			o.prezero = true;
	}
	if (os_mkfs(&o) || os_mount(&o, &S))
		return 1;
	struct os_txn *t = os_txn_create();
	os_txn_create_collection(t, &CID, 0);
	if (os_apply_transaction(S, t))
		return 1;
	payload = bufraw_create(4 << 20);
	memset(bufraw_data(payload), 0x5a, 4 << 20);
	printf("%-14s %6s %8s %10s %9s %7s\n", "case", "ops", "sec", "ops/s", "MiB/s", "commits");
	r |= run_case("write-4k-1", 4096, 1, 2000, false);
	r |= run_case("write-4k-16", 4096, 16, 8000, false);
	r |= run_case("write-4m-1", 4 << 20, 1, 64, false);
	r |= run_case("write-4m-16", 4 << 20, 16, 128, false);
	r |= run_case("read-4k-1", 4096, 1, 2000, true);
	r |= run_case("read-4k-16", 4096, 16, 8000, true);
	r |= run_case("read-4m-1", 4 << 20, 1, 64, true);
	r |= run_case("read-4m-16", 4 << 20, 16, 128, true);
	bufraw_put(payload);
	os_umount(S);
	return r;
}
