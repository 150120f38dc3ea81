/*
 * rados.c - the `rados` object CLI, on librados.
 *
 *   rados [-c CONF] [--id NAME | -n TYPE.NAME] [-p POOL] [-N NAMESPACE | --all]
 *         [--object-locator KEY] [-b SIZE] [-t N] [--no-cleanup] [--run-name NAME]
 *         [--OPTION VALUE ...] COMMAND ARGS...
 *
 * Commands, arguments, output lines and error messages are Ceph's (`rados
 * -p rbd put obj file`, "error opening pool foo: (2) No such file or
 * directory"); every failure exits with status 1, as Ceph's does.  Other
 * "--option value" pairs are configuration options (--mon-host,
 * --rados-osd-op-timeout, ...).
 *
 * `bench SECONDS write|seq|rand` keeps -t asynchronous ops in flight on
 * -b-byte objects and prints Ceph's per-second table and summary; a write
 * run records what it wrote in the object "benchmark_last_metadata" (or
 * --run-name) for later seq/rand runs, and removes everything afterwards
 * unless --no-cleanup.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rados/librados.h>

#define OP_SIZE_DEFAULT (4u << 20)
#define BENCH_META	"benchmark_last_metadata"

struct opts {
	const char *conf, *id, *name, *pool, *nspace, *locator, *run_name;
	bool all_ns, no_cleanup;
	uint64_t op_size;
	int concurrency;
	int nargs;
	const char **args;
};

/* Ceph's cpp_strerror: "(2) No such file or directory". */
static const char *errstr(int rc)
{
	static __thread char b[128];
	snprintf(b, sizeof(b), "(%d) %s", -rc, strerror(-rc));
	return b;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rados [options] [commands]\n"
		"POOL COMMANDS\n"
		"   lspools                          list pools\n"
		"   mkpool <pool-name>               create pool <pool-name>\n"
		"   rmpool <pool-name> [<pool-name> --yes-i-really-really-mean-it]\n"
		"                                    remove pool <pool-name>\n"
		"   ls                               list objects in pool\n"
		"\n"
		"OBJECT COMMANDS\n"
		"   get <obj-name> <outfile>         fetch object\n"
		"   put <obj-name> <infile>          write object\n"
		"   append <obj-name> <infile>       append object\n"
		"   truncate <obj-name> length       truncate object\n"
		"   create <obj-name>                create object\n"
		"   rm <obj-name> ...                remove object(s)\n"
		"   listxattr <obj-name>\n"
		"   getxattr <obj-name> attr\n"
		"   setxattr <obj-name> attr [val]   (val from stdin when omitted)\n"
		"   rmxattr <obj-name> attr\n"
		"   stat <obj-name>                  stat the named object\n"
		"   bench <seconds> write|seq|rand [-t concurrent_operations] [--no-cleanup] "
		"[--run-name run_name]\n"
		"                                    default is 16 concurrent IOs and 4 MB ops\n"
		"   cleanup [--run-name run_name]    clean up a previous benchmark operation\n"
		"\n"
		"GLOBAL OPTIONS:\n"
		"   -c FILE, --conf FILE             read this configuration file\n"
		"   --id ID, -n TYPE.ID              the client's name (default client.admin)\n"
		"   -p pool, --pool pool             select given pool by name\n"
		"   -N namespace, --namespace namespace\n"
		"                                    specify the namespace to use for the object\n"
		"   --all                            with ls, list objects in all namespaces\n"
		"   --object-locator object_locator  set object_locator for operation\n"
		"   -b op_size                       block size for put/get and benchmarking\n"
		"   -t N, --concurrent-ios N         concurrent I/O operations for bench\n"
		"   --OPTION VALUE                   set a configuration option\n");
}

/* "4M", "4096", "64K" -> bytes. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * Take our own options out of argv; the rest (words and --option value
 * pairs for the configuration) stay in o->args.  Returns 1 for --help.
 */
static int parse_opts(int argc, const char **argv, struct opts *o)
{
	o->args = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->args)
		return -ENOMEM;
	o->op_size = OP_SIZE_DEFAULT;
	o->concurrency = 16;
	o->args[o->nargs++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (!strcmp(a, "-c") || !strcmp(a, "--conf"))
			slot = &o->conf;
		else if (!strcmp(a, "--id") || !strcmp(a, "--user") || !strcmp(a, "-i"))
			slot = &o->id;
		else if (!strcmp(a, "-n") || !strcmp(a, "--name"))
			slot = &o->name;
		else if (!strcmp(a, "-p") || !strcmp(a, "--pool"))
			slot = &o->pool;
		else if (!strcmp(a, "-N") || !strcmp(a, "--namespace"))
			slot = &o->nspace;
		else if (!strcmp(a, "--object-locator"))
			slot = &o->locator;
		else if (!strcmp(a, "--run-name"))
			slot = &o->run_name;
		else if (!strncmp(a, "--pool=", 7))
			o->pool = a + 7;
		else if (!strncmp(a, "--namespace=", 12))
			o->nspace = a + 12;
		else if (!strcmp(a, "--all"))
			o->all_ns = true;
		else if (!strcmp(a, "--no-cleanup"))
			o->no_cleanup = true;
		else if (!strcmp(a, "-b") || !strcmp(a, "-t") || !strcmp(a, "--concurrent-ios")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "rados: %s needs a value\n", a);
				return -EINVAL;
			}
			const char *v = argv[++i];
			uint64_t n;
			bool is_b = !strcmp(a, "-b");
			if (parse_size(v, &n) != 0 || n > (is_b ? (1u << 30) : 65536u)) {
				fprintf(stderr, "rados: bad value for %s: '%s'\n", a, v);
				return -EINVAL;
			}
			if (is_b)
				o->op_size = n;
			else
				o->concurrency = (int)n;
		} else {
			o->args[o->nargs++] = a;
		}
		if (slot) {
			if (i + 1 >= argc) {
				fprintf(stderr, "rados: %s needs a value\n", a);
				return -EINVAL;
			}
			*slot = argv[++i];
		}
	}
	return 0;
}

/* Create, configure and connect; the leftover words end up in o->args. */
static int connect_cluster(struct opts *o, rados_t *out)
{
	rados_t c;
	int rc = o->name ? rados_create2(&c, NULL, o->name, 0) : rados_create(&c, o->id);
	if (rc) {
		fprintf(stderr, "couldn't initialize rados: %s\n", errstr(rc));
		return rc;
	}
	rc = rados_conf_read_file(c, o->conf);
	if (rc && (o->conf || rc != -ENOENT)) {
		fprintf(stderr, "error reading config file %s: %s\n", o->conf ? o->conf : "",
			errstr(rc));
		goto fail;
	}
	rc = rados_conf_parse_env(c, NULL);
	const char **rem = calloc((size_t)o->nargs + 1, sizeof(char *));
	if (!rc && !rem)
		rc = -ENOMEM;
	if (!rc)
		rc = rados_conf_parse_argv_remainder(c, o->nargs, o->args, rem);
	if (rc) {
		free(rem);
		fprintf(stderr, "error parsing options: %s\n", errstr(rc));
		goto fail;
	}
	/* Keep what the configuration did not take, in order. */
	int n = 0;
	for (int i = 0; i < o->nargs; i++)
		if (rem[i])
			o->args[n++] = rem[i];
	o->nargs = n;
	free(rem);
	rc = rados_connect(c);
	if (rc) {
		fprintf(stderr, "couldn't connect to cluster: %s\n", errstr(rc));
		goto fail;
	}
	*out = c;
	return 0;
fail:
	rados_shutdown(c);
	return rc;
}

/* ---- files ------------------------------------------------------------------------------- */

static int read_fd_all(FILE *f, char *buf, size_t len, size_t *got)
{
	size_t n = 0;
	while (n < len) {
		size_t r = fread(buf + n, 1, len - n, f);
		if (r == 0)
			break;
		n += r;
	}
	*got = n;
	return ferror(f) ? -EIO : 0;
}

static int do_put(rados_ioctx_t io, const char *obj, const char *path, uint64_t op_size,
		  bool append)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		int e = errno;
		fprintf(stderr, "error reading input file %s: %s\n", path, errstr(-e));
		return -e;
	}
	char *buf = malloc(op_size);
	int rc = buf ? 0 : -ENOMEM;
	uint64_t off = 0;
	for (bool first = true; !rc; first = false) {
		size_t got;
		rc = read_fd_all(f, buf, op_size, &got);
		if (rc || (!got && !first))
			break;
		if (append)
			rc = rados_append(io, obj, buf, got);
		else if (first)
			rc = rados_write_full(io, obj, buf, got); /* replaces any old content */
		else
			rc = rados_write(io, obj, buf, got, off);
		off += got;
		if (got < op_size)
			break;
	}
	free(buf);
	if (f != stdin)
		fclose(f);
	return rc;
}

static int do_get(rados_ioctx_t io, const char *obj, const char *path, uint64_t op_size)
{
	char *buf = malloc(op_size);
	if (!buf)
		return -ENOMEM;
	FILE *f = NULL;
	uint64_t off = 0;
	int rc;
	for (;;) {
		rc = rados_read(io, obj, buf, op_size, off);
		if (rc < 0)
			break;
		if (!f) {
			/* Only once the object proved to exist. */
			f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
			if (!f) {
				int e = errno;
				fprintf(stderr, "failed to open file: %s\n", errstr(-e));
				rc = -e;
				break;
			}
		}
		if (rc && fwrite(buf, 1, (size_t)rc, f) != (size_t)rc) {
			rc = -EIO;
			break;
		}
		off += (uint64_t)rc;
		if ((uint64_t)rc < op_size) {
			rc = 0;
			break;
		}
	}
	free(buf);
	if (f && f != stdout && fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (f == stdout)
		fflush(stdout);
	return rc;
}

/* ---- pools and listing ------------------------------------------------------------------ */

static int cmd_lspools(rados_t c)
{
	char *buf = NULL;
	int rc;
	for (size_t len = 512;; len *= 2) {
		char *n = realloc(buf, len);
		if (!n) {
			rc = -ENOMEM;
			break;
		}
		buf = n;
		rc = rados_pool_list(c, buf, len);
		if (rc < 0 || (size_t)rc <= len)
			break;
	}
	if (rc < 0) {
		fprintf(stderr, "error listing pools: %s\n", errstr(rc));
	} else {
		for (const char *p = buf; *p; p += strlen(p) + 1)
			printf("%s\n", p);
		rc = 0;
	}
	free(buf);
	return rc;
}

static int cmd_ls(rados_ioctx_t io, bool all)
{
	rados_list_ctx_t ctx = NULL;
	int rc = rados_nobjects_list_open(io, &ctx);
	const char *name, *key, *ns;
	while (rc == 0 && (rc = rados_nobjects_list_next(ctx, &name, &key, &ns)) == 0) {
		if (all)
			printf("%s\t", ns);
		printf("%s", name);
		if (key && *key)
			printf("\t%s", key);
		printf("\n");
	}
	if (rc == -ENOENT)
		rc = 0;
	rados_nobjects_list_close(ctx);
	if (rc)
		fprintf(stderr, "error listing objects: %s\n", errstr(rc));
	return rc;
}

/* Ceph prints a time_t as local time "2026-11-22T07:00:00.000000+0000". */
static void format_time(time_t t, char *out, size_t size)
{
	struct tm tm;
	char a[32], z[8];
	localtime_r(&t, &tm);
	strftime(a, sizeof(a), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof(z), "%z", &tm);
	snprintf(out, size, "%s.000000%s", a, z);
}

static int cmd_listxattr(rados_ioctx_t io, const char *pool, const char *obj)
{
	rados_xattrs_iter_t it;
	int rc = rados_getxattrs(io, obj, &it);
	if (rc) {
		fprintf(stderr, "error getting xattr set %s/%s: %s\n", pool, obj, errstr(rc));
		return rc;
	}
	const char *name, *val;
	size_t len;
	while (rados_getxattrs_next(it, &name, &val, &len) == 0 && name)
		printf("%s\n", name);
	rados_getxattrs_end(it);
	return 0;
}

static int cmd_getxattr(rados_ioctx_t io, const char *pool, const char *obj, const char *attr)
{
	char *buf = NULL;
	int rc;
	for (size_t len = 4096;; len *= 2) {
		char *n = realloc(buf, len);
		if (!n) {
			rc = -ENOMEM;
			break;
		}
		buf = n;
		rc = rados_getxattr(io, obj, attr, buf, len);
		if (rc != -ERANGE || len > (1u << 24))
			break;
	}
	if (rc < 0)
		fprintf(stderr, "error getting xattr %s/%s/%s: %s\n", pool, obj, attr, errstr(rc));
	else
		fwrite(buf, 1, (size_t)rc, stdout);
	free(buf);
	return rc < 0 ? rc : 0;
}

static int cmd_setxattr(rados_ioctx_t io, const char *pool, const char *obj, const char *attr,
			const char *val)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = 0;
	if (!val) {
		/* The value from standard input. */
		size_t cap = 0, r;
		char tmp[4096];
		while ((r = fread(tmp, 1, sizeof(tmp), stdin)) > 0) {
			if (len + r > cap) {
				cap = (len + r) * 2;
				char *n = realloc(buf, cap);
				if (!n) {
					free(buf);
					return -ENOMEM;
				}
				buf = n;
			}
			memcpy(buf + len, tmp, r);
			len += r;
		}
	}
	rc = rados_setxattr(io, obj, attr, val ? val : buf, val ? strlen(val) : len);
	free(buf);
	if (rc < 0)
		fprintf(stderr, "error setting xattr %s/%s/%s: %s\n", pool, obj, attr, errstr(rc));
	return rc;
}

/* ---- bench -------------------------------------------------------------------------------- */

struct bench {
	rados_ioctx_t io;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int finished_slots; /* completions signalled, not yet harvested */
	char prefix[128];
	uint64_t op_size;
	int conc;
	/* statistics */
	uint64_t started, finished;
	double lat_sum, lat_sq, lat_min, lat_max, last_lat;
	/* per second */
	double bw_sum, bw_sq, bw_min, bw_max;
	double iops_sum, iops_sq, iops_min, iops_max;
	int secs;
};

struct slot {
	rados_completion_t comp;
	struct bench *b;
	double start;
	bool busy;
	char *buf;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_cb(rados_completion_t c, void *arg)
{
	(void)c;
	struct slot *s = arg;
	pthread_mutex_lock(&s->b->lock);
	s->b->finished_slots++;
	pthread_cond_signal(&s->b->cond);
	pthread_mutex_unlock(&s->b->lock);
}

static void obj_name(const struct bench *b, uint64_t i, char *out, size_t size)
{
	snprintf(out, size, "%s_object%" PRIu64, b->prefix, i);
}

static void stat_add(double v, double *sum, double *sq, double *mn, double *mx, uint64_t n)
{
	*sum += v;
	*sq += v * v;
	if (n == 1 || v < *mn)
		*mn = v;
	if (n == 1 || v > *mx)
		*mx = v;
}

static double stddev(double sum, double sq, uint64_t n)
{
	if (n < 2)
		return 0;
	double var = (sq - sum * sum / (double)n) / (double)(n - 1);
	return var > 0 ? sqrt(var) : 0;
}

static void print_header(void)
{
	printf("  sec Cur ops   started  finished  avg MB/s  cur MB/s last lat(s)  avg lat(s)\n");
}

/* One line of the per-second table; @fin_sec: ops finished in that second. */
static void print_second(struct bench *b, int sec, uint64_t fin_sec, double elapsed)
{
	double mb = (double)b->op_size / (1024.0 * 1024.0);
	double cur_bw = (double)fin_sec * mb;
	double avg_bw = elapsed > 0 ? (double)b->finished * mb / elapsed : 0;
	if (sec > 0) {
		b->secs++;
		stat_add(cur_bw, &b->bw_sum, &b->bw_sq, &b->bw_min, &b->bw_max, (uint64_t)b->secs);
		stat_add((double)fin_sec, &b->iops_sum, &b->iops_sq, &b->iops_min, &b->iops_max,
			 (uint64_t)b->secs);
	}
	char last[32];
	if (b->finished)
		snprintf(last, sizeof(last), "%g", b->last_lat);
	else
		snprintf(last, sizeof(last), "-");
	printf("%5d %7" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9.6g %9.6g %11s %11.6g\n", sec,
	       b->started - b->finished, b->started, b->finished, avg_bw, cur_bw, last,
	       b->finished ? b->lat_sum / (double)b->finished : 0);
	fflush(stdout);
}

enum bench_mode { BENCH_WRITE, BENCH_SEQ, BENCH_RAND };

/* Queue op number @n in @s. */
static int bench_issue(struct bench *b, struct slot *s, enum bench_mode mode, uint64_t n,
		       uint64_t num_objects)
{
	char name[192];
	uint64_t idx = mode == BENCH_RAND ? (uint64_t)rand() % num_objects : n;
	obj_name(b, idx, name, sizeof(name));
	int rc = rados_aio_create_completion2(s, bench_cb, &s->comp);
	if (rc)
		return rc;
	s->start = now_s();
	s->busy = true;
	if (mode == BENCH_WRITE) {
		snprintf(s->buf, b->op_size, "I'm the %16" PRIu64 "th op!", n);
		rc = rados_aio_write_full(b->io, name, s->comp, s->buf, b->op_size);
	} else {
		rc = rados_aio_read(b->io, name, s->comp, s->buf, b->op_size, 0);
	}
	if (rc) {
		rados_aio_release(s->comp);
		s->busy = false;
		return rc;
	}
	b->started++;
	return 0;
}

/*
 * Run ops for @secs seconds (and, with @limit, at most that many); reads
 * pick among @nobj objects.  Returns 0 or the first error.
 */
static int bench_run(struct bench *b, enum bench_mode mode, int secs, uint64_t limit, uint64_t nobj,
		     double *out_elapsed)
{
	struct slot *slots = calloc((size_t)b->conc, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	int rc = 0;
	for (int i = 0; i < b->conc; i++) {
		slots[i].b = b;
		slots[i].buf = calloc(1, b->op_size);
		if (!slots[i].buf)
			rc = -ENOMEM;
	}
	print_header();
	double t0 = now_s(), next_print = t0 + 1, stop = t0 + secs;
	uint64_t fin_at_print = 0;
	print_second(b, 0, 0, 0);
	for (int i = 0; !rc && i < b->conc && (!limit || b->started < limit); i++)
		rc = bench_issue(b, &slots[i], mode, b->started, nobj);
	while (!rc || b->finished < b->started) {
		pthread_mutex_lock(&b->lock);
		while (b->finished_slots == 0) {
			double wake = next_print;
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			double d = wake - now_s();
			if (d <= 0)
				break;
			ts.tv_sec += (time_t)d;
			ts.tv_nsec += (long)((d - (double)(time_t)d) * 1e9);
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&b->cond, &b->lock, &ts);
		}
		pthread_mutex_unlock(&b->lock);
		double now = now_s();
		for (int i = 0; i < b->conc; i++) {
			struct slot *s = &slots[i];
			if (!s->busy || !rados_aio_is_complete_and_cb(s->comp))
				continue;
			pthread_mutex_lock(&b->lock);
			b->finished_slots--;
			pthread_mutex_unlock(&b->lock);
			int r = rados_aio_get_return_value(s->comp);
			rados_aio_release(s->comp);
			s->busy = false;
			if (r < 0 && !rc)
				rc = r;
			b->finished++;
			b->last_lat = now - s->start;
			stat_add(b->last_lat, &b->lat_sum, &b->lat_sq, &b->lat_min, &b->lat_max,
				 b->finished);
			bool more = now < stop && (!limit || b->started < limit);
			if (!rc && more)
				rc = bench_issue(b, s, mode, b->started, nobj);
		}
		if (now >= next_print) {
			int sec = (int)(next_print - t0 + 0.5);
			print_second(b, sec, b->finished - fin_at_print, now - t0);
			fin_at_print = b->finished;
			next_print += 1;
		}
		bool idle = true;
		for (int i = 0; i < b->conc; i++)
			idle &= !slots[i].busy;
		if (idle)
			break;
	}
	*out_elapsed = now_s() - t0;
	for (int i = 0; i < b->conc; i++)
		free(slots[i].buf);
	free(slots);
	return rc;
}

static void bench_write_summary(const struct bench *b, double t)
{
	double bw = (double)b->finished * (double)b->op_size / t / (1024.0 * 1024.0);
	printf("Total time run:         %g\n", t);
	printf("Total writes made:      %" PRIu64 "\n", b->finished);
	printf("Write size:             %" PRIu64 "\n", b->op_size);
	printf("Object size:            %" PRIu64 "\n", b->op_size);
	printf("Bandwidth (MB/sec):     %.6g\n", bw);
	printf("Stddev Bandwidth:       %g\n", stddev(b->bw_sum, b->bw_sq, (uint64_t)b->secs));
	printf("Max bandwidth (MB/sec): %g\n", b->bw_max);
	printf("Min bandwidth (MB/sec): %g\n", b->bw_min);
	printf("Average IOPS:           %d\n", (int)((double)b->finished / t));
	printf("Stddev IOPS:            %g\n", stddev(b->iops_sum, b->iops_sq, (uint64_t)b->secs));
	printf("Max IOPS:               %g\n", b->iops_max);
	printf("Min IOPS:               %g\n", b->iops_min);
	printf("Average Latency(s):     %g\n", b->finished ? b->lat_sum / (double)b->finished : 0);
	printf("Stddev Latency(s):      %g\n", stddev(b->lat_sum, b->lat_sq, b->finished));
	printf("Max latency(s):         %g\n", b->lat_max);
	printf("Min latency(s):         %g\n", b->lat_min);
}

static void bench_read_summary(const struct bench *b, double t)
{
	double bw = (double)b->finished * (double)b->op_size / t / (1024.0 * 1024.0);
	printf("Total time run:       %g\n", t);
	printf("Total reads made:     %" PRIu64 "\n", b->finished);
	printf("Read size:            %" PRIu64 "\n", b->op_size);
	printf("Object size:          %" PRIu64 "\n", b->op_size);
	printf("Bandwidth (MB/sec):   %.6g\n", bw);
	printf("Average IOPS:         %d\n", (int)((double)b->finished / t));
	printf("Stddev IOPS:          %g\n", stddev(b->iops_sum, b->iops_sq, (uint64_t)b->secs));
	printf("Max IOPS:             %g\n", b->iops_max);
	printf("Min IOPS:             %g\n", b->iops_min);
	printf("Average Latency(s):   %g\n", b->finished ? b->lat_sum / (double)b->finished : 0);
	printf("Max latency(s):       %g\n", b->lat_max);
	printf("Min latency(s):       %g\n", b->lat_min);
}

/* The run's metadata object: "object_size num_objects pid op_size prefix". */
static int meta_write(rados_ioctx_t io, const char *meta, const struct bench *b, uint64_t n)
{
	char text[256];
	int len = snprintf(text, sizeof(text), "%" PRIu64 " %" PRIu64 " %d %" PRIu64 " %s\n",
			   b->op_size, n, (int)getpid(), b->op_size, b->prefix);
	return rados_write_full(io, meta, text, (size_t)len);
}

static int meta_read(rados_ioctx_t io, const char *meta, struct bench *b, uint64_t *n)
{
	char text[256];
	int rc = rados_read(io, meta, text, sizeof(text) - 1, 0);
	if (rc == 0)
		rc = -ENOENT;
	if (rc < 0)
		return rc;
	text[rc] = '\0';
	uint64_t osize, opsize;
	int pid;
	if (sscanf(text, "%" SCNu64 " %" SCNu64 " %d %" SCNu64 " %127s", &osize, n, &pid, &opsize,
		   b->prefix) != 5 ||
	    opsize == 0)
		return -EINVAL;
	b->op_size = opsize;
	return 0;
}

static int bench_cleanup(rados_ioctx_t io, const char *meta)
{
	struct bench b = {0};
	uint64_t n;
	int rc = meta_read(io, meta, &b, &n);
	if (rc)
		return rc;
	double t0 = now_s();
	uint64_t removed = 0;
	for (uint64_t i = 0; i < n; i++) {
		char name[192];
		obj_name(&b, i, name, sizeof(name));
		if (rados_remove(io, name) == 0)
			removed++;
	}
	rados_remove(io, meta);
	printf("Removed %" PRIu64 " object%s\n", removed, removed == 1 ? "" : "s");
	printf("Clean up completed and total clean up time :%g\n", now_s() - t0);
	return 0;
}

static int cmd_bench(rados_ioctx_t io, const struct opts *o, int secs, const char *what)
{
	enum bench_mode mode;
	if (!strcmp(what, "write"))
		mode = BENCH_WRITE;
	else if (!strcmp(what, "seq"))
		mode = BENCH_SEQ;
	else if (!strcmp(what, "rand"))
		mode = BENCH_RAND;
	else {
		fprintf(stderr, "Invalid benchmark type '%s'\n", what);
		return -EINVAL;
	}
	const char *meta = o->run_name ? o->run_name : BENCH_META;
	struct bench b = {.io = io, .op_size = o->op_size, .conc = o->concurrency};
	pthread_mutex_init(&b.lock, NULL);
	pthread_cond_init(&b.cond, NULL);
	uint64_t num_objects = 0;
	int rc = 0;
	if (mode == BENCH_WRITE) {
		char host[64] = "localhost";
		gethostname(host, sizeof(host) - 1);
		snprintf(b.prefix, sizeof(b.prefix), "benchmark_data_%s_%d", host, (int)getpid());
		printf("hints = 1\n");
		printf("Maintaining %d concurrent writes of %" PRIu64
		       " bytes to objects of size %" PRIu64 " for up to %d seconds or 0 objects\n",
		       b.conc, b.op_size, b.op_size, secs);
		printf("Object prefix: %s\n", b.prefix);
	} else {
		rc = meta_read(io, meta, &b, &num_objects);
		if (rc == 0 && num_objects == 0)
			rc = -ENOENT;
		if (rc == -ENOENT)
			fprintf(stderr, "Must write data before running a read benchmark!\n");
		if (rc)
			goto out;
		srand((unsigned)time(NULL));
	}
	double t;
	rc = bench_run(&b, mode, secs, mode == BENCH_SEQ ? num_objects : 0, num_objects, &t);
	if (rc) {
		fprintf(stderr, "benchmark failed: %s\n", errstr(rc));
		goto out;
	}
	if (mode == BENCH_WRITE) {
		bench_write_summary(&b, t);
		rc = meta_write(io, meta, &b, b.finished);
		if (!rc && !o->no_cleanup) {
			printf("Cleaning up (deleting benchmark objects)\n");
			rc = bench_cleanup(io, meta);
		}
	} else {
		bench_read_summary(&b, t);
	}
out:
	pthread_cond_destroy(&b.cond);
	pthread_mutex_destroy(&b.lock);
	return rc;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

/* Run a command that needs an io context. */
static int run_pool_cmd(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	const char *pool = o->pool, *cmd = a[0];
	int rc;
	if (!strcmp(cmd, "ls"))
		return cmd_ls(io, o->all_ns && !o->nspace);
	if (!strcmp(cmd, "bench") && n >= 3) {
		int secs = atoi(a[1]);
		if (secs <= 0) {
			fprintf(stderr, "Invalid value for seconds: '%s'\n", a[1]);
			return -EINVAL;
		}
		return cmd_bench(io, o, secs, a[2]);
	}
	if (!strcmp(cmd, "cleanup")) {
		rc = bench_cleanup(io, o->run_name ? o->run_name : BENCH_META);
		if (rc)
			fprintf(stderr, "error during cleanup: %s\n", errstr(rc));
		return rc;
	}
	if (!strcmp(cmd, "rm") && n >= 2) {
		for (int i = 1; i < n; i++) {
			rc = rados_remove(io, a[i]);
			if (rc < 0) {
				fprintf(stderr, "error removing %s>%s%s%s: %s\n", pool,
					o->nspace ? o->nspace : "", o->nspace ? "/" : "", a[i],
					errstr(rc));
				return rc;
			}
		}
		return 0;
	}
	if (n < 2)
		return -EINVAL;
	const char *obj = a[1];
	if (!strcmp(cmd, "stat")) {
		uint64_t size;
		time_t mtime;
		rc = rados_stat(io, obj, &size, &mtime);
		if (rc < 0) {
			fprintf(stderr, " error stat-ing %s/%s: %s\n", pool, obj, errstr(rc));
			return rc;
		}
		char t[64];
		format_time(mtime, t, sizeof(t));
		printf("%s/%s mtime %s, size %" PRIu64 "\n", pool, obj, t, size);
		return 0;
	}
	if (!strcmp(cmd, "create")) {
		rados_write_op_t w = rados_create_write_op();
		if (!w)
			return -ENOMEM;
		rados_write_op_create(w, LIBRADOS_CREATE_EXCLUSIVE, NULL);
		rc = rados_write_op_operate(w, io, obj, NULL, 0);
		rados_release_write_op(w);
		if (rc < 0)
			fprintf(stderr, "error creating %s/%s: %s\n", pool, obj, errstr(rc));
		return rc;
	}
	if (!strcmp(cmd, "listxattr"))
		return cmd_listxattr(io, pool, obj);
	if (n < 3)
		return -EINVAL;
	if (!strcmp(cmd, "put") || !strcmp(cmd, "append")) {
		bool append = cmd[0] == 'a';
		rc = do_put(io, obj, a[2], o->op_size, append);
		if (rc < 0)
			fprintf(stderr, "error %s %s/%s: %s\n", append ? "appending" : "putting",
				pool, obj, errstr(rc));
		return rc;
	}
	if (!strcmp(cmd, "get")) {
		rc = do_get(io, obj, a[2], o->op_size);
		if (rc < 0)
			fprintf(stderr, "error getting %s/%s: %s\n", pool, obj, errstr(rc));
		return rc;
	}
	if (!strcmp(cmd, "truncate")) {
		char *end;
		long long size = strtoll(a[2], &end, 10);
		if (*end || size < 0) {
			fprintf(stderr, "Invalid value for size: '%s'\n", a[2]);
			return -EINVAL;
		}
		rc = rados_trunc(io, obj, (uint64_t)size);
		if (rc < 0)
			fprintf(stderr, "error truncating oid %s to %lld: %s\n", obj, size,
				errstr(rc));
		return rc;
	}
	if (!strcmp(cmd, "getxattr"))
		return cmd_getxattr(io, pool, obj, a[2]);
	if (!strcmp(cmd, "setxattr") && n <= 4)
		return cmd_setxattr(io, pool, obj, a[2], n == 4 ? a[3] : NULL);
	if (!strcmp(cmd, "rmxattr")) {
		rc = rados_rmxattr(io, obj, a[2]);
		if (rc < 0)
			fprintf(stderr, "error removing xattr %s/%s/%s: %s\n", pool, obj, a[2],
				errstr(rc));
		return rc;
	}
	return -EINVAL;
}

static int run(rados_t c, const struct opts *o, int n, const char **a)
{
	const char *cmd = a[0];
	int rc;
	if (!strcmp(cmd, "lspools"))
		return cmd_lspools(c);
	if (!strcmp(cmd, "mkpool") && n >= 2) {
		rc = rados_pool_create(c, a[1]);
		if (rc < 0)
			fprintf(stderr, "error creating pool %s: %s\n", a[1], errstr(rc));
		else
			printf("successfully created pool %s\n", a[1]);
		return rc;
	}
	if (!strcmp(cmd, "rmpool") && n >= 2) {
		if (n < 4 || strcmp(a[1], a[2]) != 0 ||
		    strcmp(a[3], "--yes-i-really-really-mean-it") != 0) {
			fprintf(stderr, "WARNING:\n"
					"  This will PERMANENTLY DESTROY an entire pool of objects "
					"with no way back.\n"
					"  To confirm, pass the pool to remove twice, followed by\n"
					"  --yes-i-really-really-mean-it\n");
			return -EPERM;
		}
		rc = rados_pool_delete(c, a[1]);
		if (rc == -ENOENT)
			fprintf(stderr, "pool %s does not exist\n", a[1]);
		else if (rc < 0)
			fprintf(stderr, "error deleting pool %s: %s\n", a[1], errstr(rc));
		else
			printf("successfully deleted pool %s\n", a[1]);
		return rc;
	}
	static const char *const pool_cmds[] = {
	    "ls",	"stat",	    "get",	"put",	   "append",	"rm",	 "create",
	    "truncate", "setxattr", "getxattr", "rmxattr", "listxattr", "bench", "cleanup"};
	bool known = false;
	for (size_t i = 0; i < sizeof(pool_cmds) / sizeof(pool_cmds[0]); i++)
		known |= !strcmp(cmd, pool_cmds[i]);
	if (!known) {
		fprintf(stderr, "unrecognized command %s; -h or --help for usage\n", cmd);
		return -EINVAL;
	}
	if (!o->pool) {
		fprintf(stderr, "pool name was not specified\n");
		return -EINVAL;
	}
	rados_ioctx_t io;
	rc = rados_ioctx_create(c, o->pool, &io);
	if (rc < 0) {
		fprintf(stderr, "error opening pool %s: %s\n", o->pool, errstr(rc));
		return rc;
	}
	if (o->locator)
		rados_ioctx_locator_set_key(io, o->locator);
	if (o->nspace)
		rados_ioctx_set_namespace(io, o->nspace);
	else if (o->all_ns && !strcmp(cmd, "ls"))
		rados_ioctx_set_namespace(io, LIBRADOS_ALL_NSPACES);
	rc = run_pool_cmd(io, o, n, a);
	if (rc == -EINVAL && n < 3 && strcmp(cmd, "ls") && strcmp(cmd, "cleanup"))
		usage(stderr);
	rados_ioctx_destroy(io);
	return rc;
}

int main(int argc, const char **argv)
{
	struct opts o = {0};
	int rc = parse_opts(argc, argv, &o);
	if (rc) {
		usage(rc > 0 ? stdout : stderr);
		free(o.args);
		return rc > 0 ? 0 : 1;
	}
	rados_t c;
	rc = connect_cluster(&o, &c);
	if (rc) {
		free(o.args);
		return 1;
	}
	if (o.nargs < 2) {
		usage(stderr);
		rc = -EINVAL;
	} else {
		rc = run(c, &o, o.nargs - 1, o.args + 1);
	}
	rados_shutdown(c);
	free(o.args);
	return rc < 0 ? 1 : 0;
}
