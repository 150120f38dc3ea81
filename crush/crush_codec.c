/*
 * crush_codec.c - binary encoding of a crush map (layout in doc/crush.md).
 *
 * Everything is little-endian fixed width, written byte by byte so the
 * host's endianness and struct padding never leak into the format.  The
 * decoder treats its input as hostile: each count is checked against the
 * bytes that remain before anything is allocated, ids are range-checked
 * before they index a table, and the finished map goes through
 * crush_map_validate() so the mapper can trust it.
 *
 * Threading: no shared state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crush_codec.h"
#include "crush_int.h"

uint32_t crush_crc32c(uint32_t crc, const uint8_t *buf, size_t len)
{
	/* Table built per call: 2 KiB of work, no global state to race on. */
	uint32_t table[256];
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
		table[i] = c;
	}
	crc = ~crc;
	for (size_t i = 0; i < len; i++)
		crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* --- encoder ---------------------------------------------------------- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static void put(struct wbuf *w, const void *src, size_t n)
{
	if (w->err)
		return;
	if (w->len + n > CRUSH_CODEC_MAX_SIZE) {
		w->err = -E2BIG;
		return;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		while (cap < w->len + n)
			cap *= 2;
		uint8_t *p = realloc(w->p, cap);
		if (!p) {
			w->err = -ENOMEM;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void put_u8(struct wbuf *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	put(w, b, 2);
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	put(w, b, 4);
}

static void put_i32(struct wbuf *w, int32_t v)
{
	put_u32(w, (uint32_t)v);
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	put_u32(w, (uint32_t)v);
	put_u32(w, (uint32_t)(v >> 32));
}

static void put_str(struct wbuf *w, const char *s)
{
	size_t n = strlen(s);
	put_u16(w, (uint16_t)n);
	put(w, s, n);
}

static void encode_payload(const struct crush_map *map, struct wbuf *w)
{
	const struct crush_tunables *t = &map->tun;
	put_u32(w, t->choose_local_tries);
	put_u32(w, t->choose_local_fallback_tries);
	put_u32(w, t->choose_total_tries);
	put_u32(w, t->chooseleaf_descend_once);
	put_u32(w, t->chooseleaf_vary_r);
	put_u32(w, t->chooseleaf_stable);
	put_u32(w, t->straw_calc_version);
	put_u32(w, t->allowed_bucket_algs);

	put_u32(w, map->ntypes);
	for (uint32_t i = 0; i < map->ntypes; i++) {
		put_i32(w, map->types[i].id);
		put_str(w, map->types[i].name);
	}
	put_u32(w, map->nclasses);
	for (uint32_t i = 0; i < map->nclasses; i++) {
		put_i32(w, map->classes[i].id);
		put_str(w, map->classes[i].name);
	}
	uint32_t n = 0;
	for (int32_t i = 0; i < map->max_devices; i++)
		n += map->device_names[i] != NULL;
	put_u32(w, n);
	for (int32_t i = 0; i < map->max_devices; i++) {
		if (!map->device_names[i])
			continue;
		put_i32(w, i);
		put_i32(w, map->device_class[i]);
		put_str(w, map->device_names[i]);
	}
	n = 0;
	for (int32_t i = 0; i < map->max_buckets; i++)
		n += map->buckets[i] != NULL;
	put_u32(w, n);
	for (int32_t i = 0; i < map->max_buckets; i++) {
		const struct crush_bucket *b = map->buckets[i];
		if (!b)
			continue;
		put_i32(w, b->id);
		put_i32(w, b->type);
		put_u8(w, (uint8_t)b->alg);
		put_u8(w, (uint8_t)b->hash);
		put_u16(w, 0);
		put_i32(w, b->shadow_of);
		put_i32(w, b->shadow_class);
		put_str(w, b->name);
		put_u32(w, b->size);
		for (uint32_t j = 0; j < b->size; j++) {
			put_i32(w, b->items[j]);
			put_u32(w, b->item_weights[j]);
		}
	}
	put_u32(w, map->nclass_ids);
	for (uint32_t i = 0; i < map->nclass_ids; i++) {
		put_i32(w, map->class_ids[i].orig);
		put_i32(w, map->class_ids[i].cls);
		put_i32(w, map->class_ids[i].shadow);
	}
	n = 0;
	for (uint32_t i = 0; i < map->max_rules; i++)
		n += map->rules[i] != NULL;
	put_u32(w, n);
	for (uint32_t i = 0; i < map->max_rules; i++) {
		const struct crush_rule *r = map->rules[i];
		if (!r)
			continue;
		put_u32(w, r->id);
		put_i32(w, r->type);
		put_u32(w, r->min_size);
		put_u32(w, r->max_size);
		put_str(w, r->name);
		put_u32(w, r->len);
		for (uint32_t j = 0; j < r->len; j++) {
			put_u32(w, r->steps[j].op);
			put_i32(w, r->steps[j].arg1);
			put_i32(w, r->steps[j].arg2);
		}
	}
	put_u32(w, map->nchoose_args);
	for (uint32_t i = 0; i < map->nchoose_args; i++) {
		const struct crush_choose_args *ca = &map->choose_args[i];
		put_u64(w, (uint64_t)ca->id);
		n = 0;
		for (uint32_t j = 0; j < ca->nargs; j++)
			n += ca->args[j].weight_size || ca->args[j].ids_size;
		put_u32(w, n);
		for (uint32_t j = 0; j < ca->nargs; j++) {
			const struct crush_choose_arg *a = &ca->args[j];
			if (!a->weight_size && !a->ids_size)
				continue;
			put_i32(w, -1 - (int32_t)j);
			put_u32(w, a->weight_size ? a->positions : 0);
			put_u32(w, a->weight_size);
			put_u32(w, a->ids_size);
			for (size_t k = 0; k < (size_t)a->weight_size * a->positions; k++)
				put_u32(w, a->weights[k]);
			for (uint32_t k = 0; k < a->ids_size; k++)
				put_i32(w, a->ids[k]);
		}
	}
}

int crush_encode(const struct crush_map *map, uint8_t **out_buf, size_t *out_len)
{
	struct wbuf w = { 0 };
	uint8_t hdr[CRUSH_CODEC_HEADER_SIZE] = { 0 };
	put(&w, hdr, sizeof(hdr)); /* placeholder, filled below */
	encode_payload(map, &w);
	if (w.err) {
		free(w.p);
		return w.err;
	}
	uint32_t plen = (uint32_t)(w.len - CRUSH_CODEC_HEADER_SIZE);
	uint32_t crc = crush_crc32c(0, w.p + CRUSH_CODEC_HEADER_SIZE, plen);
	struct wbuf h = { .p = w.p, .cap = w.cap };
	put_u32(&h, CRUSH_CODEC_MAGIC);
	put_u16(&h, CRUSH_CODEC_VERSION);
	put_u16(&h, 0);
	put_u32(&h, plen);
	put_u32(&h, crc);
	*out_buf = w.p;
	*out_len = w.len;
	return 0;
}

/* --- decoder ---------------------------------------------------------- */

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	int err;
	const char *what; /* the field being read when data ran out */
};

static int need(struct rbuf *r, size_t n)
{
	if (r->err)
		return 0;
	if (r->len - r->off < n) {
		r->err = -EBADMSG;
		return 0;
	}
	return 1;
}

static uint8_t get_u8(struct rbuf *r)
{
	if (!need(r, 1))
		return 0;
	return r->p[r->off++];
}

static uint16_t get_u16(struct rbuf *r)
{
	if (!need(r, 2))
		return 0;
	uint16_t v = (uint16_t)(r->p[r->off] | r->p[r->off + 1] << 8);
	r->off += 2;
	return v;
}

static uint32_t get_u32(struct rbuf *r)
{
	if (!need(r, 4))
		return 0;
	const uint8_t *b = r->p + r->off;
	r->off += 4;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static int32_t get_i32(struct rbuf *r)
{
	return (int32_t)get_u32(r);
}

static uint64_t get_u64(struct rbuf *r)
{
	uint64_t lo = get_u32(r);
	return lo | (uint64_t)get_u32(r) << 32;
}

/* A count of entries at least `min_size` bytes each: refuse counts the
 * remaining input cannot possibly hold, before allocating for them. */
static uint32_t get_count(struct rbuf *r, size_t min_size, uint32_t max, const char *what)
{
	uint32_t n = get_u32(r);
	r->what = what;
	if (r->err)
		return 0;
	if (n > max || (size_t)n * min_size > r->len - r->off) {
		r->err = -EBADMSG;
		return 0;
	}
	return n;
}

static char *get_str(struct rbuf *r)
{
	uint16_t n = get_u16(r);
	if (r->err)
		return NULL;
	if (n == 0 || n >= CRUSH_MAX_NAME || !need(r, n)) {
		r->err = -EBADMSG;
		return NULL;
	}
	char *s = malloc((size_t)n + 1);
	if (!s) {
		r->err = -ENOMEM;
		return NULL;
	}
	memcpy(s, r->p + r->off, n);
	s[n] = 0;
	r->off += n;
	if (strlen(s) != n || !crush__name_valid(s)) {
		free(s);
		r->err = -EBADMSG;
		return NULL;
	}
	return s;
}

static void set_err(struct rbuf *r, int err, const char *what)
{
	if (!r->err) {
		r->err = err;
		r->what = what;
	}
}

static void decode_names(struct rbuf *r, struct crush_name **tab, uint32_t *n, int32_t max,
			 const char *what)
{
	uint32_t cnt = get_count(r, 7, (uint32_t)max, what);
	if (r->err)
		return;
	*tab = calloc(cnt + 1, sizeof(**tab));
	if (!*tab) {
		set_err(r, -ENOMEM, what);
		return;
	}
	for (uint32_t i = 0; i < cnt && !r->err; i++) {
		int32_t id = get_i32(r);
		char *s = get_str(r);
		if (!s)
			break;
		(*tab)[i].id = id;
		(*tab)[i].name = s;
		*n = i + 1;
		if (id < 0 || id >= max)
			set_err(r, -EBADMSG, what);
	}
}

static void decode_devices(struct rbuf *r, struct crush_map *map)
{
	uint32_t n = get_count(r, 11, CRUSH_MAX_DEVICES, "devices");
	for (uint32_t i = 0; i < n && !r->err; i++) {
		int32_t id = get_i32(r);
		int32_t cls = get_i32(r);
		if (r->err)
			break;
		if (id < 0 || id >= CRUSH_MAX_DEVICES || cls < -1 || cls >= CRUSH_MAX_CLASSES) {
			set_err(r, -EBADMSG, "device id");
			break;
		}
		int rc = crush__grow_devices(map, id + 1);
		if (rc) {
			set_err(r, rc == -ENOMEM ? rc : -EBADMSG, "devices");
			break;
		}
		if (map->device_names[id]) {
			set_err(r, -EBADMSG, "duplicate device");
			break;
		}
		map->device_names[id] = get_str(r);
		map->device_class[id] = cls;
	}
}

static void decode_buckets(struct rbuf *r, struct crush_map *map)
{
	uint32_t n = get_count(r, 31, CRUSH_MAX_BUCKETS, "buckets");
	for (uint32_t i = 0; i < n && !r->err; i++) {
		int32_t id = get_i32(r);
		int32_t type = get_i32(r);
		uint8_t alg = get_u8(r);
		uint8_t hash = get_u8(r);
		get_u16(r);
		int32_t shadow_of = get_i32(r);
		int32_t shadow_class = get_i32(r);
		r->what = "bucket";
		if (r->err)
			break;
		if (id >= 0 || id < -CRUSH_MAX_BUCKETS || shadow_of > 0 ||
		    shadow_of < -CRUSH_MAX_BUCKETS) {
			set_err(r, -EBADMSG, "bucket id");
			break;
		}
		int rc = crush__grow_buckets(map, -id);
		if (rc) {
			set_err(r, rc, "buckets");
			break;
		}
		if (map->buckets[-1 - id]) {
			set_err(r, -EBADMSG, "duplicate bucket");
			break;
		}
		char *name = get_str(r);
		uint32_t size = get_count(r, 8, CRUSH_MAX_BUCKET_SIZE, "bucket items");
		if (r->err) {
			free(name);
			break;
		}
		struct crush_bucket *b = crush__bucket_new(id, type, alg, size);
		if (!b) {
			free(name);
			set_err(r, -ENOMEM, "bucket");
			break;
		}
		b->hash = hash;
		b->name = name;
		b->shadow_of = shadow_of;
		b->shadow_class = shadow_class;
		map->buckets[-1 - id] = b;
		for (uint32_t j = 0; j < size; j++) {
			b->items[j] = get_i32(r);
			b->item_weights[j] = get_u32(r);
		}
		if (!r->err && crush__bucket_finish(b))
			set_err(r, -EBADMSG, "bucket weight");
	}
}

static void decode_rules(struct rbuf *r, struct crush_map *map)
{
	uint32_t n = get_count(r, 23, CRUSH_MAX_RULES, "rules");
	for (uint32_t i = 0; i < n && !r->err; i++) {
		uint32_t id = get_u32(r);
		int32_t type = get_i32(r);
		uint32_t min_size = get_u32(r);
		uint32_t max_size = get_u32(r);
		char *name = get_str(r);
		uint32_t len = get_count(r, 12, CRUSH_MAX_RULE_STEPS, "rule steps");
		int rc;
		if (r->err || id >= CRUSH_MAX_RULES || (rc = crush__grow_rules(map, id + 1)) ||
		    map->rules[id]) {
			free(name);
			set_err(r, -EBADMSG, "rule");
			break;
		}
		struct crush_rule *rule = calloc(1, sizeof(*rule) + len * sizeof(rule->steps[0]));
		if (!rule) {
			free(name);
			set_err(r, -ENOMEM, "rule");
			break;
		}
		rule->id = id;
		rule->type = type;
		rule->min_size = min_size;
		rule->max_size = max_size;
		rule->name = name;
		rule->len = len;
		map->rules[id] = rule;
		for (uint32_t j = 0; j < len; j++) {
			rule->steps[j].op = get_u32(r);
			rule->steps[j].arg1 = get_i32(r);
			rule->steps[j].arg2 = get_i32(r);
		}
	}
}

static void decode_choose_args(struct rbuf *r, struct crush_map *map)
{
	uint32_t n = get_count(r, 12, 1u << 16, "choose_args");
	if (r->err)
		return;
	map->choose_args = calloc(n + 1, sizeof(*map->choose_args));
	if (!map->choose_args) {
		set_err(r, -ENOMEM, "choose_args");
		return;
	}
	for (uint32_t i = 0; i < n && !r->err; i++) {
		struct crush_choose_args *ca = &map->choose_args[i];
		map->nchoose_args = i + 1;
		ca->id = (int64_t)get_u64(r);
		uint32_t m = get_count(r, 16, (uint32_t)map->max_buckets, "choose_args entries");
		if (r->err)
			break;
		ca->args = calloc((size_t)map->max_buckets + 1, sizeof(*ca->args));
		if (!ca->args) {
			set_err(r, -ENOMEM, "choose_args");
			break;
		}
		ca->nargs = (uint32_t)map->max_buckets;
		for (uint32_t j = 0; j < m && !r->err; j++) {
			int32_t bid = get_i32(r);
			uint32_t positions = get_u32(r);
			uint32_t wsize = get_u32(r);
			uint32_t isize = get_u32(r);
			r->what = "choose_args entry";
			if (r->err)
				break;
			if (bid >= 0 || -1 - bid >= map->max_buckets || positions > CRUSH_MAX_POSITIONS ||
			    wsize > CRUSH_MAX_BUCKET_SIZE || isize > CRUSH_MAX_BUCKET_SIZE ||
			    (wsize && !positions) || (!wsize && positions)) {
				set_err(r, -EBADMSG, "choose_args entry");
				break;
			}
			struct crush_choose_arg *a = &ca->args[-1 - bid];
			if (a->weight_size || a->ids_size ||
			    !need(r, ((size_t)wsize * positions + isize) * 4)) {
				set_err(r, -EBADMSG, "choose_args entry");
				break;
			}
			if (wsize) {
				a->weights = malloc((size_t)wsize * positions * sizeof(*a->weights));
				if (!a->weights) {
					set_err(r, -ENOMEM, "choose_args");
					break;
				}
				a->weight_size = wsize;
				a->positions = positions;
				for (size_t k = 0; k < (size_t)wsize * positions; k++)
					a->weights[k] = get_u32(r);
			}
			if (isize) {
				a->ids = malloc(isize * sizeof(*a->ids));
				if (!a->ids) {
					set_err(r, -ENOMEM, "choose_args");
					break;
				}
				a->ids_size = isize;
				for (uint32_t k = 0; k < isize; k++)
					a->ids[k] = get_i32(r);
			}
		}
	}
}

static void decode_class_ids(struct rbuf *r, struct crush_map *map)
{
	uint32_t n = get_count(r, 12, CRUSH_MAX_BUCKETS, "class ids");
	if (r->err)
		return;
	map->class_ids = calloc(n + 1, sizeof(*map->class_ids));
	if (!map->class_ids) {
		set_err(r, -ENOMEM, "class ids");
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		map->class_ids[i].orig = get_i32(r);
		map->class_ids[i].cls = get_i32(r);
		map->class_ids[i].shadow = get_i32(r);
	}
	if (!r->err)
		map->nclass_ids = n;
}

int crush_codec_is_binary(const uint8_t *buf, size_t len)
{
	return len >= 4 && buf[0] == 'C' && buf[1] == 'R' && buf[2] == 'S' && buf[3] == 'H';
}

int crush_decode(const uint8_t *buf, size_t len, struct crush_map **out_map, char *errbuf,
		 size_t errlen)
{
	struct rbuf r = { .p = buf, .len = len };
	if (len < CRUSH_CODEC_HEADER_SIZE || len > CRUSH_CODEC_MAX_SIZE)
		return crush__fmt_err(errbuf, errlen, "bad length %zu", len), -EBADMSG;
	uint32_t magic = get_u32(&r);
	uint16_t version = get_u16(&r);
	uint16_t flags = get_u16(&r);
	uint32_t plen = get_u32(&r);
	uint32_t crc = get_u32(&r);
	if (magic != CRUSH_CODEC_MAGIC)
		return crush__fmt_err(errbuf, errlen, "not a crush map (bad magic)"), -EBADMSG;
	if (version != CRUSH_CODEC_VERSION || flags != 0)
		return crush__fmt_err(errbuf, errlen, "unsupported version %u flags %#x",
				      version, flags),
		       -EPROTONOSUPPORT;
	if (plen != len - CRUSH_CODEC_HEADER_SIZE)
		return crush__fmt_err(errbuf, errlen, "payload length %u but %zu bytes present",
				      plen, len - CRUSH_CODEC_HEADER_SIZE),
		       -EBADMSG;
	if (crush_crc32c(0, buf + CRUSH_CODEC_HEADER_SIZE, plen) != crc)
		return crush__fmt_err(errbuf, errlen, "checksum mismatch"), -EILSEQ;

	struct crush_map *map = crush_map_create();
	if (!map)
		return -ENOMEM;
	struct crush_tunables *t = &map->tun;
	r.what = "tunables";
	t->choose_local_tries = get_u32(&r);
	t->choose_local_fallback_tries = get_u32(&r);
	t->choose_total_tries = get_u32(&r);
	t->chooseleaf_descend_once = get_u32(&r);
	t->chooseleaf_vary_r = get_u32(&r);
	t->chooseleaf_stable = get_u32(&r);
	t->straw_calc_version = get_u32(&r);
	t->allowed_bucket_algs = get_u32(&r);
	decode_names(&r, &map->types, &map->ntypes, CRUSH_MAX_TYPES, "types");
	decode_names(&r, &map->classes, &map->nclasses, CRUSH_MAX_CLASSES, "classes");
	decode_devices(&r, map);
	decode_buckets(&r, map);
	decode_class_ids(&r, map);
	decode_rules(&r, map);
	decode_choose_args(&r, map);
	if (!r.err && r.off != r.len)
		set_err(&r, -EBADMSG, "trailing bytes");
	int rc = r.err;
	if (rc) {
		if (rc != -ENOMEM)
			crush__fmt_err(errbuf, errlen, "malformed map near byte %zu (%s)", r.off,
				       r.what ? r.what : "header");
		goto out_destroy;
	}
	/* semantic checks the mapper relies on */
	struct crush_tunables tv = *t;
	if (tv.choose_total_tries < 1 || tv.choose_total_tries > 1000 ||
	    tv.choose_local_tries > 1000 || tv.choose_local_fallback_tries > 1000 ||
	    tv.chooseleaf_vary_r > 32) {
		rc = crush__fmt_err(errbuf, errlen, "tunables out of range");
		goto out_destroy;
	}
	if ((rc = crush_map_validate(map, errbuf, errlen)))
		goto out_destroy;
	*out_map = map;
	return 0;

out_destroy:
	crush_map_destroy(map);
	return rc;
}
