/*
 * crushtool.c - compile, decompile, build and test crush maps.
 *
 * Option names follow Ceph's crushtool for the common jobs, so scripts
 * written for it work:
 *
 *   crushtool -c map.txt -o map.bin          compile text
 *   crushtool -d map.bin [-o map.txt]        decompile (binary or text input)
 *   crushtool -o map.bin --build --num_osds N TYPE ALG SIZE [TYPE ALG SIZE...]
 *   crushtool -i MAP --test [--rule R] [--num-rep N | --min-rep A --max-rep B]
 *             [--min-x A] [--max-x B] [--x X] [--weight ID W]...
 *             [--choose-args ID] [--show-mappings] [--show-bad-mappings]
 *             [--show-utilization] [--show-utilization-all] [--show-statistics]
 *   crushtool -i MAP --tree                  print the hierarchy
 *
 * --test computes every mapping even when nothing is shown, which is how
 * mapping speed is measured.  Single-threaded.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crush.h"
#include "crush_builder.h"
#include "crush_codec.h"
#include "crush_mapper.h"
#include "crush_text.h"

#define MAX_WEIGHT_ARGS 1024
#define MAX_LAYERS 16
#define MAX_REP 64

struct opts {
	const char *compile, *decompile, *input, *output;
	int test, build, tree;
	int num_osds;
	int rule; /* -1 = all */
	int min_rep, max_rep;
	uint32_t min_x, max_x;
	int show_mappings, show_bad, show_util, show_util_all, show_stats;
	int nweights;
	int32_t weight_ids[MAX_WEIGHT_ARGS];
	uint32_t weight_vals[MAX_WEIGHT_ARGS];
	int have_choose_args;
	int64_t choose_args_id;
	int nlayers;
	const char *layer_type[MAX_LAYERS], *layer_alg[MAX_LAYERS];
	int layer_size[MAX_LAYERS];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: crushtool -c map.txt -o map.bin\n"
		"       crushtool -d map [-o map.txt]\n"
		"       crushtool -o map.bin --build --num_osds N TYPE ALG SIZE [...]\n"
		"       crushtool -i map --test [--rule R] [--num-rep N] [--min-x A] [--max-x B]\n"
		"                 [--weight ID W]... [--choose-args ID] [--show-mappings]\n"
		"                 [--show-bad-mappings] [--show-utilization] [--show-statistics]\n"
		"       crushtool -i map --tree\n");
}

static int read_file(const char *path, uint8_t **out_buf, size_t *out_len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "crushtool: cannot open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	size_t cap = 1 << 16, len = 0, n;
	uint8_t *buf = malloc(cap);
	int rc = 0;
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			uint8_t *b = realloc(buf, cap * 2);
			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
	}
	if (!buf)
		rc = -ENOMEM;
	else if (ferror(f))
		rc = -EIO;
	if (f != stdin)
		fclose(f);
	if (rc) {
		free(buf);
		fprintf(stderr, "crushtool: cannot read %s\n", path);
		return rc;
	}
	*out_buf = buf;
	*out_len = len;
	return 0;
}

/* Binary or text, whichever the file holds. */
static int load_map(const char *path, int want_text, struct crush_map **out_map)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char err[512];
	int rc = read_file(path, &buf, &len);
	if (rc)
		return rc;
	if (!want_text && crush_codec_is_binary(buf, len))
		rc = crush_decode(buf, len, out_map, err, sizeof(err));
	else
		rc = crush_text_compile((const char *)buf, len, out_map, err, sizeof(err));
	free(buf);
	if (rc)
		fprintf(stderr, "crushtool: %s: %s\n", path, err);
	return rc;
}

static int save_binary(const struct crush_map *map, const char *path)
{
	uint8_t *buf;
	size_t len;
	int rc = crush_encode(map, &buf, &len);
	if (rc) {
		fprintf(stderr, "crushtool: encode failed: %s\n", strerror(-rc));
		return rc;
	}
	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "crushtool: cannot create %s: %s\n", path, strerror(errno));
		free(buf);
		return -errno;
	}
	if (fwrite(buf, 1, len, f) != len)
		rc = -EIO;
	if (fclose(f))
		rc = -EIO;
	free(buf);
	if (rc)
		fprintf(stderr, "crushtool: write to %s failed\n", path);
	return rc;
}

static int parse_alg(const char *s, uint32_t *out)
{
	if (!strcmp(s, "straw2"))
		*out = CRUSH_BUCKET_STRAW2;
	else if (!strcmp(s, "uniform"))
		*out = CRUSH_BUCKET_UNIFORM;
	else if (!strcmp(s, "list"))
		*out = CRUSH_BUCKET_LIST;
	else
		return -EINVAL;
	return 0;
}

/*
 * --build: osd.0 .. osd.N-1 of weight 1, then each layer groups the items
 * of the layer below into buckets of SIZE (0: one bucket holding all,
 * named after its type), and a replicated rule over the first layer.
 */
static int build_map(const struct opts *o, struct crush_map **out_map)
{
	struct crush_map *map = crush_map_create();
	int32_t *cur = NULL, *next = NULL;
	int rc = -ENOMEM;
	if (!map)
		goto out_free;
	if ((rc = crush_add_type(map, 0, "osd")))
		goto out_free;
	for (int l = 0; l < o->nlayers; l++)
		if ((rc = crush_add_type(map, l + 1, o->layer_type[l]))) {
			fprintf(stderr, "crushtool: bad layer type '%s'\n", o->layer_type[l]);
			goto out_free;
		}
	cur = calloc((size_t)o->num_osds + 1, sizeof(*cur));
	next = calloc((size_t)o->num_osds + 1, sizeof(*next));
	if (!cur || !next) {
		rc = -ENOMEM;
		goto out_free;
	}
	int ncur = o->num_osds;
	for (int i = 0; i < o->num_osds; i++) {
		char name[32];
		snprintf(name, sizeof(name), "osd.%d", i);
		if ((rc = crush_add_device(map, i, name, NULL)))
			goto out_free;
		cur[i] = i;
	}
	for (int l = 0; l < o->nlayers; l++) {
		uint32_t alg;
		if (parse_alg(o->layer_alg[l], &alg)) {
			fprintf(stderr, "crushtool: unknown bucket algorithm '%s'\n",
				o->layer_alg[l]);
			rc = -EINVAL;
			goto out_free;
		}
		int size = o->layer_size[l] > 0 ? o->layer_size[l] : ncur;
		int nnext = 0;
		for (int i = 0; i < ncur; i += size, nnext++) {
			char name[300];
			int32_t id;
			if (o->layer_size[l] > 0)
				snprintf(name, sizeof(name), "%s%d", o->layer_type[l], nnext);
			else
				snprintf(name, sizeof(name), "%s", o->layer_type[l]);
			if ((rc = crush_add_bucket(map, 0, name, l + 1, alg, &id)))
				goto out_free;
			for (int j = i; j < i + size && j < ncur; j++)
				if ((rc = crush_link(map, id, cur[j], CRUSH_WEIGHT_ONE)))
					goto out_free;
			next[nnext] = id;
		}
		int32_t *t = cur;
		cur = next;
		next = t;
		ncur = nnext;
	}
	if (o->nlayers > 0 && ncur == 1) {
		rc = crush_add_simple_rule(map, "replicated_rule", crush_map_item_name(map, cur[0]),
					   o->layer_type[0], NULL, CRUSH_RULE_TYPE_REPLICATED,
					   NULL);
		if (rc)
			goto out_free;
	}
	*out_map = map;
	map = NULL;
	rc = 0;

out_free:
	if (rc)
		fprintf(stderr, "crushtool: --build failed: %s\n", strerror(-rc));
	free(cur);
	free(next);
	crush_map_destroy(map);
	return rc;
}

static void print_list(FILE *f, const int32_t *v, int n)
{
	fputc('[', f);
	for (int i = 0; i < n; i++)
		fprintf(f, i ? ",%d" : "%d", v[i]);
	fputc(']', f);
}

static int test_rule(const struct crush_map *map, const struct opts *o, uint32_t rule,
		     const uint32_t *weights, int weight_max,
		     const struct crush_choose_args *ca)
{
	int32_t result[MAX_REP];
	int32_t ndev = crush_map_max_devices(map);
	uint64_t *stored = calloc((size_t)ndev + 1, sizeof(*stored));
	void *work = malloc(crush_work_size(map, MAX_REP));
	const char *rname = crush_map_rule_name(map, rule);
	int min_rep = o->min_rep, max_rep = o->max_rep;
	if (!stored || !work) {
		free(stored);
		free(work);
		return -ENOMEM;
	}
	if (min_rep < 1 || max_rep < 1) {
		min_rep = 1;
		max_rep = 10;
	}
	if (max_rep > MAX_REP)
		max_rep = MAX_REP;
	if (o->show_stats)
		printf("rule %u (%s), x = %" PRIu32 "..%" PRIu32 ", numrep = %d..%d\n", rule,
		       rname, o->min_x, o->max_x, min_rep, max_rep);
	for (int nr = min_rep; nr <= max_rep; nr++) {
		uint64_t total = 0, num_x = 0;
		uint64_t *sizes = calloc((size_t)nr + 1, sizeof(*sizes));
		if (!sizes) {
			free(stored);
			free(work);
			return -ENOMEM;
		}
		memset(stored, 0, ((size_t)ndev + 1) * sizeof(*stored));
		for (uint64_t x = o->min_x; x <= o->max_x; x++) {
			int n = crush_do_rule(map, rule, (uint32_t)x, result, nr, weights, weight_max,
					      ca, work);
			if (n < 0)
				n = 0;
			int good = 0;
			for (int i = 0; i < n; i++)
				if (result[i] >= 0 && result[i] < ndev) {
					stored[result[i]]++;
					good++;
				}
			sizes[good <= nr ? good : nr]++;
			total += (uint64_t)good;
			num_x++;
			if (o->show_mappings) {
				printf("CRUSH rule %u x %" PRIu64 " ", rule, x);
				print_list(stdout, result, n);
				putchar('\n');
			}
			if (o->show_bad && good != nr) {
				printf("bad mapping rule %u x %" PRIu64 " num_rep %d result ", rule, x,
				       nr);
				print_list(stdout, result, n);
				putchar('\n');
			}
		}
		if (o->show_stats)
			for (int s = 0; s <= nr; s++)
				if (sizes[s] || s == nr)
					printf("rule %u (%s) num_rep %d result size == %d:\t%" PRIu64
					       "/%" PRIu64 "\n",
					       rule, rname, nr, s, sizes[s], num_x);
		if (o->show_util || o->show_util_all) {
			/* expected share: crush weight times reweight, over the sum */
			uint64_t wsum = 0;
			for (int32_t d = 0; d < ndev; d++) {
				uint32_t w = 0;
				if (crush_map_device_weight(map, d, &w) == 0)
					wsum += (uint64_t)w * (d < weight_max ? weights[d] : 0) >> 16;
			}
			for (int32_t d = 0; d < ndev; d++) {
				uint32_t w = 0;
				if (crush_map_device_weight(map, d, &w))
					continue;
				uint64_t ew = (uint64_t)w * (d < weight_max ? weights[d] : 0) >> 16;
				if (!stored[d] && !o->show_util_all)
					continue;
				double expected = wsum ? (double)total * (double)ew / (double)wsum : 0;
				printf("  device %d:\t\t stored : %" PRIu64 "\t expected : %g\n", d,
				       stored[d], expected);
			}
		}
		free(sizes);
	}
	free(stored);
	free(work);
	return 0;
}

static int run_test(const struct crush_map *map, const struct opts *o)
{
	int32_t ndev = crush_map_max_devices(map);
	uint32_t *weights = calloc((size_t)ndev + 1, sizeof(*weights));
	const struct crush_choose_args *ca = NULL;
	int rc = 0;
	if (!weights)
		return -ENOMEM;
	for (int32_t d = 0; d < ndev; d++)
		weights[d] = CRUSH_WEIGHT_ONE;
	for (int i = 0; i < o->nweights; i++)
		if (o->weight_ids[i] >= 0 && o->weight_ids[i] < ndev)
			weights[o->weight_ids[i]] = o->weight_vals[i];
	if (o->have_choose_args) {
		ca = crush_map_choose_args(map, o->choose_args_id);
		if (!ca) {
			fprintf(stderr, "crushtool: no choose_args %" PRId64 "\n",
				o->choose_args_id);
			free(weights);
			return -ENOENT;
		}
	}
	if (o->rule >= 0 && !crush_map_rule_exists(map, (uint32_t)o->rule)) {
		fprintf(stderr, "crushtool: rule %d does not exist\n", o->rule);
		free(weights);
		return -ENOENT;
	}
	for (uint32_t r = 0; r < crush_map_max_rules(map) && !rc; r++) {
		if (!crush_map_rule_exists(map, r) || (o->rule >= 0 && (uint32_t)o->rule != r))
			continue;
		rc = test_rule(map, o, r, weights, ndev, ca);
	}
	free(weights);
	return rc;
}

static void print_tree(const struct crush_map *map, int32_t id, int depth)
{
	uint32_t w = 0;
	int32_t type = 0;
	uint32_t size = 0;
	char wb[32];
	if (id < 0)
		crush_map_bucket_info(map, id, &type, NULL, &w, &size);
	crush_text_format_weight(w, wb, sizeof(wb));
	if (id >= 0) {
		int32_t parent;
		(void)parent;
		printf("%4d %10s %*s%s\n", id, "", depth * 4, "", crush_map_item_name(map, id));
		return;
	}
	printf("%4d %10s %*s%s %s\n", id, wb, depth * 4, "", crush_map_type_name(map, type),
	       crush_map_item_name(map, id));
	for (uint32_t i = 0; i < size; i++) {
		int32_t it;
		uint32_t iw;
		crush_map_bucket_item(map, id, i, &it, &iw);
		if (it >= 0) {
			crush_text_format_weight(iw, wb, sizeof(wb));
			printf("%4d %10s %*s%s\n", it, wb, (depth + 1) * 4, "",
			       crush_map_item_name(map, it));
		} else {
			print_tree(map, it, depth + 1);
		}
	}
}

static void run_tree(const struct crush_map *map)
{
	printf("  ID     WEIGHT TYPE NAME\n");
	for (int32_t i = 0; i < crush_map_max_buckets(map); i++) {
		int32_t id = -1 - i, parent;
		if (!crush_map_bucket_exists(map, id) || crush_map_bucket_is_shadow(map, id) ||
		    crush_map_item_parent(map, id, &parent) == 0)
			continue;
		print_tree(map, id, 0);
	}
}

static int parse_reweight(const char *s, uint32_t *out)
{
	char *end;
	double v = strtod(s, &end);
	if (*end || v < 0 || v > 1)
		return -EINVAL;
	*out = (uint32_t)(v * 65536.0 + 0.5);
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	o->rule = -1;
	o->min_x = 0;
	o->max_x = 1023;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV()                                                                        \
	do {                                                                           \
		if (!v) {                                                              \
			fprintf(stderr, "crushtool: %s needs a value\n", a);           \
			return -EINVAL;                                                \
		}                                                                      \
		i++;                                                                   \
	} while (0)
		if (!strcmp(a, "-c") || !strcmp(a, "--compile")) {
			NEEDV();
			o->compile = v;
		} else if (!strcmp(a, "-d") || !strcmp(a, "--decompile")) {
			NEEDV();
			o->decompile = v;
		} else if (!strcmp(a, "-i") || !strcmp(a, "--infn")) {
			NEEDV();
			o->input = v;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--outfn")) {
			NEEDV();
			o->output = v;
		} else if (!strcmp(a, "--test")) {
			o->test = 1;
		} else if (!strcmp(a, "--tree")) {
			o->tree = 1;
		} else if (!strcmp(a, "--build")) {
			o->build = 1;
		} else if (!strcmp(a, "--num_osds") || !strcmp(a, "--num-osds")) {
			NEEDV();
			o->num_osds = atoi(v);
		} else if (!strcmp(a, "--rule") || !strcmp(a, "--ruleset")) {
			NEEDV();
			o->rule = atoi(v);
		} else if (!strcmp(a, "--num-rep") || !strcmp(a, "--num_rep")) {
			NEEDV();
			o->min_rep = o->max_rep = atoi(v);
		} else if (!strcmp(a, "--min-rep") || !strcmp(a, "--min_rep")) {
			NEEDV();
			o->min_rep = atoi(v);
		} else if (!strcmp(a, "--max-rep") || !strcmp(a, "--max_rep")) {
			NEEDV();
			o->max_rep = atoi(v);
		} else if (!strcmp(a, "--min-x") || !strcmp(a, "--min_x")) {
			NEEDV();
			o->min_x = (uint32_t)strtoul(v, NULL, 0);
		} else if (!strcmp(a, "--max-x") || !strcmp(a, "--max_x")) {
			NEEDV();
			o->max_x = (uint32_t)strtoul(v, NULL, 0);
		} else if (!strcmp(a, "--x")) {
			NEEDV();
			o->min_x = o->max_x = (uint32_t)strtoul(v, NULL, 0);
		} else if (!strcmp(a, "--show-mappings") || !strcmp(a, "--show_mappings")) {
			o->show_mappings = 1;
		} else if (!strcmp(a, "--show-bad-mappings") ||
			   !strcmp(a, "--show_bad_mappings")) {
			o->show_bad = 1;
		} else if (!strcmp(a, "--show-utilization") || !strcmp(a, "--show_utilization")) {
			o->show_util = 1;
		} else if (!strcmp(a, "--show-utilization-all") ||
			   !strcmp(a, "--show_utilization_all")) {
			o->show_util_all = 1;
		} else if (!strcmp(a, "--show-statistics") || !strcmp(a, "--show_statistics")) {
			o->show_stats = 1;
		} else if (!strcmp(a, "--choose-args") || !strcmp(a, "--choose_args")) {
			NEEDV();
			o->have_choose_args = 1;
			o->choose_args_id = strtoll(v, NULL, 0);
		} else if (!strcmp(a, "--weight")) {
			if (i + 2 >= argc || o->nweights == MAX_WEIGHT_ARGS) {
				fprintf(stderr, "crushtool: --weight needs ID and W\n");
				return -EINVAL;
			}
			o->weight_ids[o->nweights] = atoi(argv[i + 1]);
			if (parse_reweight(argv[i + 2], &o->weight_vals[o->nweights])) {
				fprintf(stderr, "crushtool: --weight W must be in [0, 1]\n");
				return -EINVAL;
			}
			o->nweights++;
			i += 2;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (o->build && a[0] != '-') {
			if (i + 2 >= argc || o->nlayers == MAX_LAYERS) {
				fprintf(stderr, "crushtool: layers are TYPE ALG SIZE\n");
				return -EINVAL;
			}
			o->layer_type[o->nlayers] = a;
			o->layer_alg[o->nlayers] = argv[i + 1];
			o->layer_size[o->nlayers] = atoi(argv[i + 2]);
			o->nlayers++;
			i += 2;
		} else {
			fprintf(stderr, "crushtool: unknown argument '%s'\n", a);
			return -EINVAL;
		}
#undef NEEDV
	}
	if (o->max_x < o->min_x) {
		fprintf(stderr, "crushtool: --max-x is below --min-x\n");
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct opts o;
	struct crush_map *map = NULL;
	int rc = parse_args(argc, argv, &o);
	if (rc) {
		usage(stderr);
		return 1;
	}
	if (o.compile) {
		if ((rc = load_map(o.compile, 1, &map)))
			goto out;
		if (!o.output) {
			fprintf(stderr, "crushtool: -c needs -o\n");
			rc = -EINVAL;
			goto out;
		}
		rc = save_binary(map, o.output);
		goto out;
	}
	if (o.decompile) {
		if ((rc = load_map(o.decompile, 0, &map)))
			goto out;
		FILE *f = o.output ? fopen(o.output, "w") : stdout;
		if (!f) {
			fprintf(stderr, "crushtool: cannot create %s\n", o.output);
			rc = -errno;
			goto out;
		}
		rc = crush_text_decompile(map, f);
		if (f != stdout && fclose(f))
			rc = -EIO;
		goto out;
	}
	if (o.build) {
		if (o.num_osds <= 0 || o.num_osds > CRUSH_MAX_DEVICES) {
			fprintf(stderr, "crushtool: --build needs --num_osds N\n");
			rc = -EINVAL;
			goto out;
		}
		if ((rc = build_map(&o, &map)))
			goto out;
		if (o.output && (rc = save_binary(map, o.output)))
			goto out;
	} else if (o.input) {
		if ((rc = load_map(o.input, 0, &map)))
			goto out;
	} else {
		usage(stderr);
		rc = -EINVAL;
		goto out;
	}
	if (o.tree)
		run_tree(map);
	if (o.test)
		rc = run_test(map, &o);
	else if (o.output && !o.build)
		rc = save_binary(map, o.output);

out:
	crush_map_destroy(map);
	return rc ? 1 : 0;
}
