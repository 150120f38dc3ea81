/*
 * rados.c - the `rados` object CLI, on librados.
 *
 *   rados [-c CONF] [--id NAME | -n TYPE.NAME] [-p POOL] [-N NAMESPACE | --all]
 *         [--object-locator KEY] [-f json|json-pretty] [--omap-key-file FILE]
 *         [--input-file FILE] [-b SIZE] [-t N] [--no-cleanup] [--run-name NAME]
 *         [--OPTION VALUE ...] COMMAND ARGS...
 *
 * Commands, arguments, output lines and error messages are Ceph's (`rados
 * -p rbd put obj file`, "error opening pool foo: (2) No such file or
 * directory"); every failure exits with status 1, as Ceph's does.  Other
 * "--option value" pairs are configuration options (--mon-host,
 * --rados-osd-op-timeout, ...).
 *
 * Omap values are printed as Ceph's bufferlist hexdump (the layout of
 * `hexdump -C`); `df` prints Ceph's per-pool table (or JSON with -f) and the
 * cluster totals.  `mkpool` and `rmpool` are kept although Ceph 14 dropped
 * them from its rados tool, with the messages its older versions printed.
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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rados/librados.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/unitfmt.h"

#define OP_SIZE_DEFAULT (4u << 20)
#define BENCH_META	"benchmark_last_metadata"
#define OMAP_PAGE	1024 /* entries asked for per omap listing round trip, as Ceph */

enum out_format { FMT_PLAIN, FMT_JSON, FMT_JSON_PRETTY };

struct opts {
	const char *conf, *id, *name, *pool, *nspace, *locator, *run_name;
	const char *format, *omap_key_file, *input_file, *op_size_arg, *concurrency_arg;
	const char *obj_size_arg, *max_objects_arg;
	bool all_ns, no_cleanup;
	enum out_format fmt;
	char *omap_key; /* --omap-key-file's bytes (NUL added), owned */
	size_t omap_key_len;
	const char *omap_key_pretty; /* the key in messages: itself or "(binary key)" */
	uint64_t op_size;
	uint64_t max_objects; /* bench write: stop after this many (0: no limit) */
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

/* "error VERB POOL/OBJ[/WHAT]: (N) message", Ceph's report of a failed object command. */
static int obj_err(int rc, const char *verb, const char *pool, const char *obj, const char *what)
{
	fprintf(stderr, "error %s %s/%s%s%s: %s\n", verb, pool, obj, what ? "/" : "",
		what ? what : "", errstr(rc));
	return rc;
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
		"   df                               show per-pool and total usage\n"
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
		"                                    [-O object_size] [--max-objects N]\n"
		"                                    default is 16 concurrent IOs and 4 MB ops\n"
		"   cleanup [--run-name run_name]    clean up a previous benchmark operation\n"
		"   listomapkeys <obj-name>          list the keys in the object map\n"
		"   listomapvals <obj-name>          list the keys and vals in the object map \n"
		"   getomapval <obj-name> <key> [file] show the value for the specified key\n"
		"                                    in the object's object map\n"
		"   setomapval <obj-name> <key> <val | --input-file file>\n"
		"   rmomapkey <obj-name> <key>\n"
		"   clearomap <obj-name> [obj-name2 obj-name3...] clear all the omap keys "
		"for the specified objects\n"
		"\n"
		"GLOBAL OPTIONS:\n"
		"   -c FILE, --conf FILE             read this configuration file\n"
		"   --id ID, -n TYPE.ID              the client's name (default client.admin)\n"
		"   -p pool, --pool pool             select given pool by name\n"
		"   -N namespace, --namespace namespace\n"
		"                                    specify the namespace to use for the object\n"
		"   --all                            with ls, list objects in all namespaces\n"
		"   --object-locator object_locator  set object_locator for operation\n"
		"   -f [--format json|json-pretty]   output format (df)\n"
		"   --input-file file                use the content of the specified file "
		"in place of <val>\n"
		"   -b op_size                       block size for put/get and benchmarking\n"
		"   -t N, --concurrent-ios N         concurrent I/O operations for bench\n"
		"   --OPTION VALUE                   set a configuration option\n"
		"OMAP OPTIONS:\n"
		"    --omap-key-file file            read the omap key from a file\n");
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

/* All of @f; the buffer gets a NUL after the @out_len bytes.  free() it. */
static int read_all(FILE *f, char **out, size_t *out_len)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);
	while (buf) {
		len += fread(buf + len, 1, cap - len, f);
		if (len < cap)
			break;
		cap *= 2;
		char *n = realloc(buf, cap + 1);
		if (!n)
			free(buf);
		buf = n;
	}
	if (!buf)
		return -ENOMEM;
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

/* Ceph's test for a key it may print as is: ASCII 0x20..0x7e only. */
static bool printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* ---- options ------------------------------------------------------------------------------ */

/* Options taking a value, as "-x VALUE", "--long VALUE" or "--long=VALUE". */
static const struct value_opt {
	const char *names[3];
	size_t off; /* of the const char * in struct opts */
} value_opts[] = {
    {{"-c", "--conf"}, offsetof(struct opts, conf)},
    {{"--id", "--user", "-i"}, offsetof(struct opts, id)},
    {{"-n", "--name"}, offsetof(struct opts, name)},
    {{"-p", "--pool"}, offsetof(struct opts, pool)},
    {{"-N", "--namespace"}, offsetof(struct opts, nspace)},
    {{"--object-locator"}, offsetof(struct opts, locator)},
    {{"--run-name"}, offsetof(struct opts, run_name)},
    {{"-f", "--format"}, offsetof(struct opts, format)},
    {{"--omap-key-file"}, offsetof(struct opts, omap_key_file)},
    {{"--input-file"}, offsetof(struct opts, input_file)},
    {{"-b"}, offsetof(struct opts, op_size_arg)},
    {{"-O", "--object-size"}, offsetof(struct opts, obj_size_arg)},
    {{"--max-objects"}, offsetof(struct opts, max_objects_arg)},
    {{"-t", "--concurrent-ios"}, offsetof(struct opts, concurrency_arg)},
};

/*
 * If argv[*i] is one of value_opts, store its value (taking the next word
 * unless given "=VALUE") and return 1; 0 if it is not; -EINVAL if the value
 * is missing.
 */
static int take_value_opt(int argc, const char **argv, int *i, struct opts *o)
{
	const char *a = argv[*i];
	for (size_t k = 0; k < sizeof(value_opts) / sizeof(value_opts[0]); k++) {
		for (size_t j = 0; j < 3 && value_opts[k].names[j]; j++) {
			const char *name = value_opts[k].names[j];
			size_t len = strlen(name);
			const char **slot = (const char **)((char *)o + value_opts[k].off);
			if (name[1] == '-' && !strncmp(a, name, len) && a[len] == '=') {
				*slot = a + len + 1;
				return 1;
			}
			if (strcmp(a, name) != 0)
				continue;
			if (*i + 1 >= argc) {
				fprintf(stderr, "rados: %s needs a value\n", a);
				return -EINVAL;
			}
			*slot = argv[++*i];
			return 1;
		}
	}
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
		int r;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (!strcmp(a, "--all"))
			o->all_ns = true;
		else if (!strcmp(a, "--no-cleanup"))
			o->no_cleanup = true;
		else if ((r = take_value_opt(argc, argv, &i, o)) < 0)
			return r;
		else if (r == 0)
			o->args[o->nargs++] = a;
	}
	return 0;
}

static int parse_number(const char *opt, const char *v, uint64_t max, uint64_t *out)
{
	if (parse_size(v, out) != 0 || *out > max) {
		fprintf(stderr, "rados: bad value for %s: '%s'\n", opt, v);
		return -EINVAL;
	}
	return 0;
}

/* The omap key from --omap-key-file, named "(binary key)" in messages if not printable. */
static int read_omap_key(struct opts *o)
{
	FILE *f = fopen(o->omap_key_file, "rb");
	int rc = f ? read_all(f, &o->omap_key, &o->omap_key_len) : -errno;
	if (f)
		fclose(f);
	if (rc) {
		fprintf(stderr, "can't open %s: %s\n", o->omap_key_file, errstr(rc));
		return rc;
	}
	o->omap_key_pretty = printable(o->omap_key, o->omap_key_len) ? o->omap_key : "(binary key)";
	return 0;
}

/* Check and convert the option values parse_opts collected. */
static int finish_opts(struct opts *o)
{
	uint64_t v;
	if (o->op_size_arg) {
		if (parse_number("-b", o->op_size_arg, 1u << 30, &v))
			return -EINVAL;
		o->op_size = v;
	}
	if (o->concurrency_arg) {
		if (parse_number("-t", o->concurrency_arg, 65536, &v))
			return -EINVAL;
		o->concurrency = (int)v;
	}
	if (o->max_objects_arg && parse_number("--max-objects", o->max_objects_arg, UINT64_MAX,
					       &o->max_objects))
		return -EINVAL;
	/* Objects are written whole: an object size must equal the op size. */
	if (o->obj_size_arg && (parse_number("-O", o->obj_size_arg, 1u << 30, &v) ||
				v != o->op_size)) {
		fprintf(stderr, "rados: -O (object size) must equal -b (op size) here\n");
		return -EINVAL;
	}
	if (o->format && !strcmp(o->format, "json")) {
		o->fmt = FMT_JSON;
	} else if (o->format && !strcmp(o->format, "json-pretty")) {
		o->fmt = FMT_JSON_PRETTY;
	} else if (o->format) {
		fprintf(stderr, "unrecognized format: %s\n", o->format);
		return -EINVAL;
	}
	return o->omap_key_file ? read_omap_key(o) : 0;
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

/* @path for writing, "-" being standard output; failures are reported. */
static int open_out(const char *path, FILE **out)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
	if (!f) {
		int rc = -errno;
		fprintf(stderr, "failed to open file: %s\n", errstr(rc));
		return rc;
	}
	*out = f;
	return 0;
}

/* Flush or close what open_out returned: 0 or -errno. */
static int close_out(FILE *f)
{
	if (f == stdout)
		return fflush(stdout) ? -errno : 0;
	return fclose(f) ? -errno : 0;
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
		/* Open the output only once the object proved to exist. */
		int orc = f ? 0 : open_out(path, &f);
		if (orc) {
			rc = orc;
			break;
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
	int crc = f ? close_out(f) : 0;
	return rc ? rc : crc;
}

/* ---- pools and listing ------------------------------------------------------------------ */

/* The pool names, each NUL-terminated, then an empty one; free() it. */
static int pool_names(rados_t c, char **out)
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
		free(buf);
		return rc;
	}
	*out = buf;
	return 0;
}

static int cmd_lspools(rados_t c)
{
	char *names;
	int rc = pool_names(c, &names);
	if (rc)
		return rc;
	for (const char *p = names; *p; p += strlen(p) + 1)
		printf("%s\n", p);
	free(names);
	return 0;
}

static int cmd_mkpool(rados_t c, const char *pool)
{
	int rc = rados_pool_create(c, pool);
	if (rc < 0)
		fprintf(stderr, "error creating pool %s: %s\n", pool, errstr(rc));
	else
		printf("successfully created pool %s\n", pool);
	return rc;
}

static int cmd_rmpool(rados_t c, int n, const char **a)
{
	if (n < 4 || strcmp(a[1], a[2]) != 0 || strcmp(a[3], "--yes-i-really-really-mean-it")) {
		fprintf(stderr, "WARNING:\n"
				"  This will PERMANENTLY DESTROY an entire pool of objects "
				"with no way back.\n"
				"  To confirm, pass the pool to remove twice, followed by\n"
				"  --yes-i-really-really-mean-it\n");
		return -EPERM;
	}
	int rc = rados_pool_delete(c, a[1]);
	if (rc == -ENOENT)
		fprintf(stderr, "pool %s does not exist\n", a[1]);
	else if (rc < 0)
		fprintf(stderr, "error deleting pool %s: %s\n", a[1], errstr(rc));
	else
		printf("successfully deleted pool %s\n", a[1]);
	return rc;
}

static int list_objects(rados_ioctx_t io, bool all)
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

/* ---- df ------------------------------------------------------------------------------------ */

#define DF_COLS 14
#define DF_CELL 256 /* a pool name, or a number */

/*
 * Ceph's TextTable: each column as wide as its widest cell, two spaces
 * apart, the first left-aligned (and padded), the others right-aligned.
 */
static void print_table(const char *const *heads, char (*cells)[DF_COLS][DF_CELL], size_t nrows)
{
	size_t w[DF_COLS];
	for (size_t c = 0; c < DF_COLS; c++) {
		w[c] = strlen(heads[c]);
		for (size_t r = 0; r < nrows; r++)
			if (strlen(cells[r][c]) > w[c])
				w[c] = strlen(cells[r][c]);
	}
	for (size_t r = 0; r <= nrows; r++) {
		for (size_t c = 0; c < DF_COLS; c++) {
			const char *s = r ? cells[r - 1][c] : heads[c];
			printf(c ? "  %*s" : "%-*s", (int)w[c], s);
		}
		printf("\n");
	}
}

struct df_pool {
	char name[DF_CELL];
	struct rados_pool_stat_t st;
};

static int df_text(const struct df_pool *p, size_t n)
{
	static const char *const heads[DF_COLS] = {
	    "POOL_NAME",  "USED",	"OBJECTS", "CLONES", "COPIES", "MISSING_ON_PRIMARY",
	    "UNFOUND",	  "DEGRADED",	"RD_OPS",  "RD",     "WR_OPS", "WR",
	    "USED COMPR", "UNDER COMPR"};
	char(*cells)[DF_COLS][DF_CELL] = calloc(n ? n : 1, sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct rados_pool_stat_t *s = &p[i].st;
		const uint64_t counts[] = {
		    s->num_objects,	    s->num_object_clones,
		    s->num_object_copies,   s->num_objects_missing_on_primary,
		    s->num_objects_unfound, s->num_objects_degraded};
		char(*row)[DF_CELL] = cells[i];
		snprintf(row[0], DF_CELL, "%s", p[i].name);
		unitfmt_bytes(s->num_bytes, row[1], DF_CELL);
		for (size_t k = 0; k < 6; k++)
			snprintf(row[2 + k], DF_CELL, "%" PRIu64, counts[k]);
		snprintf(row[8], DF_CELL, "%" PRIu64, s->num_rd);
		unitfmt_bytes(s->num_rd_kb << 10, row[9], DF_CELL);
		snprintf(row[10], DF_CELL, "%" PRIu64, s->num_wr);
		unitfmt_bytes(s->num_wr_kb << 10, row[11], DF_CELL);
		unitfmt_bytes(s->compressed_bytes_alloc, row[12], DF_CELL);
		unitfmt_bytes(s->compressed_bytes_orig, row[13], DF_CELL);
	}
	print_table(heads, cells, n);
	free(cells);
	return 0;
}

static void df_totals_text(const struct rados_cluster_stat_t *t)
{
	char a[32], b[32], c[32];
	printf("\ntotal_objects    %" PRIu64 "\n", t->num_objects);
	printf("total_used       %s\n", unitfmt_bytes(t->kb_used << 10, a, sizeof(a)));
	printf("total_avail      %s\n", unitfmt_bytes(t->kb_avail << 10, b, sizeof(b)));
	printf("total_space      %s\n", unitfmt_bytes(t->kb << 10, c, sizeof(c)));
}

/* Ceph's field names; its formatter prints these unsigned counters as int64. */
static void df_json_pool(struct json_w *w, rados_t c, const struct df_pool *p)
{
	const struct rados_pool_stat_t *s = &p->st;
	json_w_obj_begin(w);
	json_w_kv_str(w, "name", p->name);
	int64_t id = rados_pool_lookup(c, p->name);
	if (id >= 0)
		json_w_kv_int(w, "id", id);
	json_w_kv_int(w, "size_bytes", (int64_t)s->num_bytes);
	json_w_kv_int(w, "size_kb", (int64_t)s->num_kb);
	json_w_kv_int(w, "num_objects", (int64_t)s->num_objects);
	json_w_kv_int(w, "num_object_clones", (int64_t)s->num_object_clones);
	json_w_kv_int(w, "num_object_copies", (int64_t)s->num_object_copies);
	json_w_kv_int(w, "num_objects_missing_on_primary",
		      (int64_t)s->num_objects_missing_on_primary);
	json_w_kv_int(w, "num_objects_unfound", (int64_t)s->num_objects_unfound);
	json_w_kv_int(w, "num_objects_degraded", (int64_t)s->num_objects_degraded);
	json_w_kv_int(w, "read_ops", (int64_t)s->num_rd);
	json_w_kv_int(w, "read_bytes", (int64_t)(s->num_rd_kb * 1024));
	json_w_kv_int(w, "write_ops", (int64_t)s->num_wr);
	json_w_kv_int(w, "write_bytes", (int64_t)(s->num_wr_kb * 1024));
	json_w_kv_int(w, "compress_bytes_used", (int64_t)s->compressed_bytes_alloc);
	json_w_kv_int(w, "compress_under_bytes", (int64_t)s->compressed_bytes_orig);
	json_w_obj_end(w);
}

/* {"pools":[...],"total_objects":..}: compact without a final newline, as Ceph. */
static int df_json(rados_t c, const struct df_pool *p, size_t n,
		   const struct rados_cluster_stat_t *t, bool pretty)
{
	struct buf out = BUF_INIT;
	struct json_w w;
	json_w_init(&w, &out, pretty);
	json_w_obj_begin(&w);
	json_w_key(&w, "pools");
	json_w_arr_begin(&w);
	for (size_t i = 0; i < n; i++)
		df_json_pool(&w, c, &p[i]);
	json_w_arr_end(&w);
	json_w_kv_int(&w, "total_objects", (int64_t)t->num_objects);
	json_w_kv_int(&w, "total_used", (int64_t)t->kb_used);
	json_w_kv_int(&w, "total_avail", (int64_t)t->kb_avail);
	json_w_kv_int(&w, "total_space", (int64_t)t->kb);
	json_w_obj_end(&w);
	int rc = json_w_error(&w);
	if (!rc)
		printf("%.*s%s", (int)out.len, (const char *)out.data, pretty ? "\n" : "");
	buf_fini(&out);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct df_pool *)a)->name, ((const struct df_pool *)b)->name);
}

/* -p POOL alone, else every pool, by name (Ceph keeps them in a std::map). */
static int df_collect(rados_t c, const char *only, struct df_pool **out, size_t *out_n)
{
	char *names = NULL;
	int rc = only ? 0 : pool_names(c, &names);
	if (rc)
		return rc;
	size_t n = 0;
	for (const char *s = names; s && *s; s += strlen(s) + 1)
		n++;
	struct df_pool *p = calloc(only ? 1 : n + 1, sizeof(*p));
	if (!p) {
		free(names);
		return -ENOMEM;
	}
	if (only)
		snprintf(p[n++].name, sizeof(p->name), "%s", only);
	for (size_t i = 0, k = 0; names && names[k]; i++, k += strlen(names + k) + 1)
		snprintf(p[i].name, sizeof(p->name), "%s", names + k);
	free(names);
	qsort(p, n, sizeof(*p), name_cmp);
	*out = p;
	*out_n = n;
	return 0;
}

static int pool_stat(rados_t c, struct df_pool *p)
{
	rados_ioctx_t io;
	int rc = rados_ioctx_create(c, p->name, &io);
	if (rc)
		return rc;
	rc = rados_ioctx_pool_stat(io, &p->st);
	rados_ioctx_destroy(io);
	return rc;
}

static int cmd_df(rados_t c, const struct opts *o)
{
	struct df_pool *p;
	size_t n;
	struct rados_cluster_stat_t t;
	int rc = df_collect(c, o->pool, &p, &n);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < n; i++)
		rc = pool_stat(c, &p[i]);
	if (rc == -ENOENT && o->pool) {
		fprintf(stderr, "error opening pool %s: %s\n", o->pool, errstr(rc));
		goto out_free;
	}
	if (rc) {
		fprintf(stderr, "error fetching pool stats: %s\n", errstr(rc));
		goto out_free;
	}
	if (o->fmt == FMT_PLAIN && (rc = df_text(p, n)) != 0)
		goto out_free;
	rc = rados_cluster_stat(c, &t);
	if (rc) {
		fprintf(stderr, "error getting total cluster usage: %s\n", errstr(rc));
		goto out_free;
	}
	if (o->fmt == FMT_PLAIN)
		df_totals_text(&t);
	else
		rc = df_json(c, p, n, &t, o->fmt == FMT_JSON_PRETTY);
out_free:
	free(p);
	return rc;
}

/* ---- bench -------------------------------------------------------------------------------- */

struct bench {
	rados_ioctx_t io;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int finished_slots; /* slots signalled (done), not yet harvested */
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
	bool done; /* its callback ran (under b->lock) */
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
	s->done = true;
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
	int *ready = calloc((size_t)b->conc, sizeof(*ready));
	if (!slots || !ready) {
		free(slots);
		free(ready);
		return -ENOMEM;
	}
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
		/* Take the signalled slots; nothing here polls the completions. */
		int ndone = 0;
		for (int i = 0; i < b->conc; i++) {
			if (slots[i].done) {
				slots[i].done = false;
				ready[ndone++] = i;
			}
		}
		b->finished_slots -= ndone;
		pthread_mutex_unlock(&b->lock);
		double now = now_s();
		for (int k = 0; k < ndone; k++) {
			struct slot *s = &slots[ready[k]];
			/* Its callback is returning: wait (briefly) before releasing. */
			rados_aio_wait_for_complete_and_cb(s->comp);
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
	free(ready);
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
		       " bytes to objects of size %" PRIu64 " for up to %d seconds or %" PRIu64
		       " objects\n",
		       b.conc, b.op_size, b.op_size, secs, o->max_objects);
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
	uint64_t limit = mode == BENCH_SEQ ? num_objects : mode == BENCH_WRITE ? o->max_objects : 0;
	rc = bench_run(&b, mode, secs, limit, num_objects, &t);
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

/* ---- omap ---------------------------------------------------------------------------------- */

/* One row of hexdump(): offset, 16 bytes in two groups of 8, the printable ones. */
static void hexdump_row(const unsigned char *p, size_t off, size_t len)
{
	printf("%08zx ", off);
	for (size_t i = 0; i < 16; i++) {
		if (i == 8)
			printf(" ");
		if (off + i < len)
			printf(" %02x", p[off + i]);
		else
			printf("   ");
	}
	printf("  |");
	for (size_t i = 0; i < 16 && off + i < len; i++)
		putchar(p[off + i] >= 0x20 && p[off + i] < 0x7f ? p[off + i] : '.');
	printf("|");
}

/*
 * Ceph's bufferlist::hexdump (Pacific): `hexdump -C`'s layout, then the
 * length, nothing at all for no bytes.  A row of one repeated byte that
 * repeats the row before it is folded into a single "*"; the last row is
 * always shown.  "Repeated byte" follows Ceph's bookkeeping: the byte is
 * the first one of the last row that started with a different byte.
 */
static void hexdump(const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned char last = len ? p[0] : 0;
	bool was_same = false, did_star = false;
	for (size_t off = 0; off < len; off += 16) {
		if (off + 16 < len) {
			bool same = true;
			for (size_t i = 0; i < 16; i++) {
				if (p[off + i] == last)
					continue;
				if (i > 0) {
					same = false;
					continue;
				}
				last = p[off];
				was_same = did_star = false;
			}
			if (same && was_same) {
				if (!did_star)
					printf("\n*");
				did_star = true;
				continue;
			}
			was_same = same;
			did_star &= same;
		}
		if (off)
			printf("\n");
		hexdump_row(p, off, len);
	}
	if (len)
		printf("\n%08zx\n", len);
}

/* "value (N bytes) :", the hexdump and an empty line, as getomapval and listomapvals print. */
static void print_value(const char *v, size_t len)
{
	printf("value (%zu bytes) :\n", len);
	hexdump(v, len);
	printf("\n");
}

/* The key an omap command names: from --omap-key-file, else the word after the object. */
struct omap_key {
	const char *key, *pretty; /* pretty: how messages show it */
	size_t len;
	int next; /* index of the word after the key */
};

static struct omap_key omap_key_of(const struct opts *o, const char **a)
{
	if (o->omap_key)
		return (struct omap_key){o->omap_key, o->omap_key_pretty, o->omap_key_len, 2};
	return (struct omap_key){a[2], a[2], strlen(a[2]), 3};
}

/* Run @w (NULL: allocation failed) on @obj, then release it. */
static int write_op_run(rados_write_op_t w, rados_ioctx_t io, const char *obj)
{
	if (!w)
		return -ENOMEM;
	int rc = rados_write_op_operate(w, io, obj, NULL, 0);
	rados_release_write_op(w);
	return rc;
}

typedef void (*omap_visit_fn)(const char *key, size_t klen, const char *val, size_t vlen);

/*
 * Walk @obj's omap in key order, OMAP_PAGE entries a round trip (keys only
 * with @keys_only), calling @visit for each.  A page resumes after the last
 * key seen as a C string, as librados' C API takes it.
 */
static int omap_walk(rados_ioctx_t io, const char *obj, bool keys_only, omap_visit_fn visit)
{
	char *after = NULL;
	unsigned char more = 1;
	int rc = 0;
	while (!rc && more) {
		rados_read_op_t r = rados_create_read_op();
		rados_omap_iter_t it = NULL;
		int prval = 0;
		if (!r) {
			rc = -ENOMEM;
			break;
		}
		if (keys_only)
			rados_read_op_omap_get_keys2(r, after, OMAP_PAGE, &it, &more, &prval);
		else
			rados_read_op_omap_get_vals2(r, after, NULL, OMAP_PAGE, &it, &more, &prval);
		rc = rados_read_op_operate(r, io, obj, 0);
		if (!rc)
			rc = prval;
		char *k, *v;
		size_t kl, vl, got = 0;
		while (!rc && rados_omap_get_next2(it, &k, &v, &kl, &vl) == 0 && k) {
			visit(k, kl, v, vl);
			got++;
			free(after);
			if (!(after = strndup(k, kl)))
				rc = -ENOMEM;
		}
		more &= got > 0;
		rados_omap_get_end(it);
		rados_release_read_op(r);
	}
	free(after);
	return rc;
}

static void print_key(const char *key, size_t klen, const char *val, size_t vlen)
{
	(void)val;
	(void)vlen;
	fwrite(key, 1, klen, stdout);
	printf("\n");
}

/* Ceph hexdumps a key with an unprintable byte, under "key (N bytes):". */
static void print_entry(const char *key, size_t klen, const char *val, size_t vlen)
{
	if (printable(key, klen)) {
		fwrite(key, 1, klen, stdout);
	} else {
		printf("key (%zu bytes):\n", klen);
		hexdump(key, klen);
	}
	printf("\n");
	print_value(val, vlen);
}

static int cmd_listomapkeys(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)n;
	int rc = omap_walk(io, a[1], true, print_key);
	return rc ? obj_err(rc, "getting omap key set", o->pool, a[1], NULL) : 0;
}

static int cmd_listomapvals(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)n;
	int rc = omap_walk(io, a[1], false, print_entry);
	return rc ? obj_err(rc, "getting omap keys", o->pool, a[1], NULL) : 0;
}

/* The value of --input-file, else @arg, else all of standard input; free() *out. */
static int omap_value(const struct opts *o, const char *arg, char **out, size_t *out_len)
{
	if (!o->input_file && arg) {
		*out_len = strlen(arg);
		return (*out = strdup(arg)) ? 0 : -ENOMEM;
	}
	if (!o->input_file)
		return read_all(stdin, out, out_len);
	FILE *f = fopen(o->input_file, "rb");
	int rc = f ? read_all(f, out, out_len) : -errno;
	if (f)
		fclose(f);
	if (rc)
		fprintf(stderr, "error reading file %s: can't open %s: %s\n", o->input_file,
			o->input_file, errstr(rc));
	return rc;
}

static int cmd_setomapval(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	struct omap_key k = omap_key_of(o, a);
	char *v;
	size_t vlen;
	int rc = omap_value(o, k.next < n ? a[k.next] : NULL, &v, &vlen);
	if (rc)
		return rc;
	rados_write_op_t w = rados_create_write_op();
	if (w)
		rados_write_op_omap_set2(w, &k.key, (const char *const *)&v, &k.len, &vlen, 1);
	rc = write_op_run(w, io, a[1]);
	free(v);
	return rc ? obj_err(rc, "setting omap value", o->pool, a[1], k.pretty) : 0;
}

/* Fetch one value: 1 and *out_val (valid until rados_omap_get_end(*out_it)) or 0 if absent. */
static int omap_get_one(rados_ioctx_t io, const char *obj, const struct omap_key *k,
			rados_omap_iter_t *out_it, char **out_val, size_t *out_len)
{
	rados_read_op_t r = rados_create_read_op();
	if (!r)
		return -ENOMEM;
	int prval = 0;
	rados_read_op_omap_get_vals_by_keys2(r, &k->key, 1, &k->len, out_it, &prval);
	int rc = rados_read_op_operate(r, io, obj, 0);
	rados_release_read_op(r);
	if (!rc)
		rc = prval;
	if (rc)
		return rc;
	char *key;
	size_t klen;
	if (rados_omap_get_next2(*out_it, &key, out_val, &klen, out_len) == 0 && key &&
	    klen == k->len && !memcmp(key, k->key, klen))
		return 1;
	return 0;
}

/* With an output file ("-": standard output) the raw value, else a hexdump. */
static int cmd_getomapval(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	struct omap_key k = omap_key_of(o, a);
	rados_omap_iter_t it = NULL;
	char *val;
	size_t len;
	int rc = omap_get_one(io, a[1], &k, &it, &val, &len);
	if (rc < 0) {
		obj_err(rc, "getting omap value", o->pool, a[1], k.pretty);
	} else if (rc == 0) {
		printf("No such key: %s/%s/%s\n", o->pool, a[1], k.pretty);
		rc = -ENOENT;
	} else if (k.next < n) {
		FILE *f = NULL;
		fprintf(stderr, "Writing to %s\n", a[k.next]);
		rc = open_out(a[k.next], &f);
		if (!rc && fwrite(val, 1, len, f) != len)
			rc = -EIO;
		if (f && close_out(f) && !rc)
			rc = -EIO;
	} else {
		print_value(val, len);
		rc = 0;
	}
	rados_omap_get_end(it);
	return rc;
}

static int cmd_rmomapkey(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)n;
	struct omap_key k = omap_key_of(o, a);
	rados_write_op_t w = rados_create_write_op();
	if (w)
		rados_write_op_omap_rm_keys2(w, &k.key, &k.len, 1);
	int rc = write_op_run(w, io, a[1]);
	return rc ? obj_err(rc, "removing omap key", o->pool, a[1], k.pretty) : 0;
}

/* Stops at the first failure; Ceph's message has "/" where others have ": ". */
static int cmd_clearomap(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	for (int i = 1; i < n; i++) {
		rados_write_op_t w = rados_create_write_op();
		if (w)
			rados_write_op_omap_clear(w);
		int rc = write_op_run(w, io, a[i]);
		if (rc) {
			fprintf(stderr, "error clearing omap keys %s/%s/%s\n", o->pool, a[i],
				errstr(rc));
			return rc;
		}
	}
	return 0;
}

/* ---- object commands ------------------------------------------------------------------------ */

static int cmd_ls(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)n;
	(void)a;
	return list_objects(io, o->all_ns && !o->nspace);
}

static int cmd_stat(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)n;
	uint64_t size;
	time_t mtime;
	int rc = rados_stat(io, a[1], &size, &mtime);
	if (rc < 0) {
		fprintf(stderr, " error stat-ing %s/%s: %s\n", o->pool, a[1], errstr(rc));
		return rc;
	}
	char t[64];
	format_time(mtime, t, sizeof(t));
	printf("%s/%s mtime %s, size %" PRIu64 "\n", o->pool, a[1], t, size);
	return 0;
}

static int cmd_get(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)n;
	int rc = do_get(io, a[1], a[2], o->op_size);
	return rc < 0 ? obj_err(rc, "getting", o->pool, a[1], NULL) : 0;
}

static int cmd_put(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)n;
	bool append = !strcmp(a[0], "append");
	int rc = do_put(io, a[1], a[2], o->op_size, append);
	return rc < 0 ? obj_err(rc, append ? "appending" : "putting", o->pool, a[1], NULL) : 0;
}

static int cmd_rm(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	for (int i = 1; i < n; i++) {
		int rc = rados_remove(io, a[i]);
		if (rc < 0) {
			fprintf(stderr, "error removing %s>%s%s%s: %s\n", o->pool,
				o->nspace ? o->nspace : "", o->nspace ? "/" : "", a[i], errstr(rc));
			return rc;
		}
	}
	return 0;
}

static int cmd_create(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)n;
	rados_write_op_t w = rados_create_write_op();
	if (w)
		rados_write_op_create(w, LIBRADOS_CREATE_EXCLUSIVE, NULL);
	int rc = write_op_run(w, io, a[1]);
	return rc < 0 ? obj_err(rc, "creating", o->pool, a[1], NULL) : 0;
}

static int cmd_truncate(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)o;
	(void)n;
	char *end;
	long long size = strtoll(a[2], &end, 10);
	if (*end || size < 0) {
		fprintf(stderr, "Invalid value for size: '%s'\n", a[2]);
		return -EINVAL;
	}
	int rc = rados_trunc(io, a[1], (uint64_t)size);
	if (rc < 0)
		fprintf(stderr, "error truncating oid %s to %lld: %s\n", a[1], size, errstr(rc));
	return rc;
}

static int cmd_listxattr(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)n;
	rados_xattrs_iter_t it;
	int rc = rados_getxattrs(io, a[1], &it);
	if (rc)
		return obj_err(rc, "getting xattr set", o->pool, a[1], NULL);
	const char *name, *val;
	size_t len;
	while (rados_getxattrs_next(it, &name, &val, &len) == 0 && name)
		printf("%s\n", name);
	rados_getxattrs_end(it);
	return 0;
}

static int cmd_getxattr(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)n;
	char *buf = NULL;
	int rc;
	for (size_t len = 4096;; len *= 2) {
		char *nb = realloc(buf, len);
		if (!nb) {
			rc = -ENOMEM;
			break;
		}
		buf = nb;
		rc = rados_getxattr(io, a[1], a[2], buf, len);
		if (rc != -ERANGE || len > (1u << 24))
			break;
	}
	if (rc < 0)
		obj_err(rc, "getting xattr", o->pool, a[1], a[2]);
	else
		fwrite(buf, 1, (size_t)rc, stdout);
	free(buf);
	return rc < 0 ? rc : 0;
}

/* The value from the command line, else all of standard input. */
static int cmd_setxattr(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	char *in = NULL;
	size_t len = n == 4 ? strlen(a[3]) : 0;
	int rc = n == 4 ? 0 : read_all(stdin, &in, &len);
	if (rc)
		return rc;
	rc = rados_setxattr(io, a[1], a[2], n == 4 ? a[3] : in, len);
	free(in);
	return rc < 0 ? obj_err(rc, "setting xattr", o->pool, a[1], a[2]) : 0;
}

static int cmd_rmxattr(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)n;
	int rc = rados_rmxattr(io, a[1], a[2]);
	return rc < 0 ? obj_err(rc, "removing xattr", o->pool, a[1], a[2]) : 0;
}

static int cmd_bench_words(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)n;
	int secs = atoi(a[1]);
	if (secs <= 0) {
		fprintf(stderr, "Invalid value for seconds: '%s'\n", a[1]);
		return -EINVAL;
	}
	return cmd_bench(io, o, secs, a[2]);
}

static int cmd_cleanup(rados_ioctx_t io, const struct opts *o, int n, const char **a)
{
	(void)n;
	(void)a;
	int rc = bench_cleanup(io, o->run_name ? o->run_name : BENCH_META);
	if (rc)
		fprintf(stderr, "error during cleanup: %s\n", errstr(rc));
	return rc;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

/*
 * Commands on one pool's objects.  min/max count the words including the
 * command (max 0: no limit); with --omap-key-file, commands that name an
 * omap key take one word less.
 */
static const struct pool_cmd {
	const char *name;
	int min, max;
	bool omap_key;
	int (*fn)(rados_ioctx_t io, const struct opts *o, int n, const char **a);
} pool_cmds[] = {
    {"ls", 1, 0, false, cmd_ls},
    {"stat", 2, 0, false, cmd_stat},
    {"get", 3, 0, false, cmd_get},
    {"put", 3, 0, false, cmd_put},
    {"append", 3, 0, false, cmd_put},
    {"rm", 2, 0, false, cmd_rm},
    {"create", 2, 0, false, cmd_create},
    {"truncate", 3, 0, false, cmd_truncate},
    {"listxattr", 2, 0, false, cmd_listxattr},
    {"getxattr", 3, 0, false, cmd_getxattr},
    {"setxattr", 3, 4, false, cmd_setxattr},
    {"rmxattr", 3, 0, false, cmd_rmxattr},
    {"bench", 3, 0, false, cmd_bench_words},
    {"cleanup", 1, 0, false, cmd_cleanup},
    {"listomapkeys", 2, 0, false, cmd_listomapkeys},
    {"listomapvals", 2, 0, false, cmd_listomapvals},
    {"getomapval", 3, 4, true, cmd_getomapval},
    {"setomapval", 3, 4, true, cmd_setomapval},
    {"rmomapkey", 3, 3, true, cmd_rmomapkey},
    {"clearomap", 2, 0, false, cmd_clearomap},
};

static const struct pool_cmd *find_pool_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(pool_cmds) / sizeof(pool_cmds[0]); i++)
		if (!strcmp(pool_cmds[i].name, name))
			return &pool_cmds[i];
	return NULL;
}

/* Check the word count, open the pool (with -N / --object-locator / --all) and run. */
static int run_pool_cmd(rados_t c, const struct opts *o, const struct pool_cmd *pc, int n,
			const char **a)
{
	int shift = pc->omap_key && o->omap_key ? 1 : 0;
	if (n < pc->min - shift || (pc->max && n > pc->max - shift)) {
		usage(stderr);
		return -EINVAL;
	}
	if (!o->pool) {
		fprintf(stderr, "pool name was not specified\n");
		return -EINVAL;
	}
	rados_ioctx_t io;
	int rc = rados_ioctx_create(c, o->pool, &io);
	if (rc < 0) {
		fprintf(stderr, "error opening pool %s: %s\n", o->pool, errstr(rc));
		return rc;
	}
	if (o->locator)
		rados_ioctx_locator_set_key(io, o->locator);
	if (o->nspace)
		rados_ioctx_set_namespace(io, o->nspace);
	else if (o->all_ns && pc->fn == cmd_ls)
		rados_ioctx_set_namespace(io, LIBRADOS_ALL_NSPACES);
	rc = pc->fn(io, o, n, a);
	rados_ioctx_destroy(io);
	return rc;
}

static int run(rados_t c, const struct opts *o, int n, const char **a)
{
	const char *cmd = a[0];
	/* Ceph refuses these without a pool whatever the command. */
	if (o->locator && !o->pool) {
		fprintf(stderr, "pool name must be specified with --object-locator\n");
		return -EINVAL;
	}
	if (o->nspace && !o->pool) {
		fprintf(stderr, "pool name must be specified with --namespace\n");
		return -EINVAL;
	}
	if (!strcmp(cmd, "lspools"))
		return cmd_lspools(c);
	if (!strcmp(cmd, "df"))
		return cmd_df(c, o);
	if (!strcmp(cmd, "mkpool") && n >= 2)
		return cmd_mkpool(c, a[1]);
	if (!strcmp(cmd, "rmpool") && n >= 2)
		return cmd_rmpool(c, n, a);
	const struct pool_cmd *pc = find_pool_cmd(cmd);
	if (pc)
		return run_pool_cmd(c, o, pc, n, a);
	if (!strcmp(cmd, "mkpool") || !strcmp(cmd, "rmpool")) {
		usage(stderr);
		return -EINVAL;
	}
	fprintf(stderr, "unrecognized command %s; -h or --help for usage\n", cmd);
	return -EINVAL;
}

int main(int argc, const char **argv)
{
	struct opts o = {0};
	rados_t c;
	int rc = parse_opts(argc, argv, &o);
	if (rc) {
		usage(rc > 0 ? stdout : stderr);
		goto out;
	}
	rc = finish_opts(&o);
	if (rc || (rc = connect_cluster(&o, &c)))
		goto out;
	if (o.nargs < 2) {
		usage(stderr);
		rc = -EINVAL;
	} else {
		rc = run(c, &o, o.nargs - 1, o.args + 1);
	}
	rados_shutdown(c);
out:
	free(o.args);
	free(o.omap_key);
	return rc < 0 ? 1 : 0;
}
