/* Unit tests for common/osdmap: incrementals, encodings, placement. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test/unit/unit.h"
#include "common/crc32c.h"
#include "common/enc.h"
#include "common/osdmap.h"
#include "crush/crush.h"
#include "crush/crush_builder.h"

static const uint8_t fsid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* 4 hosts x 3 OSDs under root "default", a replicated rule by host (id 0). */
static struct crush_map *make_crush(void)
{
	struct crush_map *c = crush_map_create();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(crush_add_type(c, 0, "osd"), 0);
	ck_assert_int_eq(crush_add_type(c, 1, "host"), 0);
	ck_assert_int_eq(crush_add_type(c, 10, "root"), 0);
	int32_t root, host;
	ck_assert_int_eq(crush_add_bucket(c, 0, "default", 10, CRUSH_BUCKET_STRAW2, &root), 0);
	for (int h = 0; h < 4; h++) {
		char name[32];
		snprintf(name, sizeof(name), "host%d", h);
		ck_assert_int_eq(crush_add_bucket(c, 0, name, 1, CRUSH_BUCKET_STRAW2, &host), 0);
		for (int d = 0; d < 3; d++) {
			int id = h * 3 + d;
			snprintf(name, sizeof(name), "osd.%d", id);
			ck_assert_int_eq(crush_add_device(c, id, name, NULL), 0);
			ck_assert_int_eq(crush_link(c, host, id, 0x10000), 0);
		}
		ck_assert_int_eq(crush_link(c, root, host, 0), 0);
	}
	uint32_t rule;
	ck_assert_int_eq(crush_add_simple_rule(c, "replicated_rule", "default", "host", NULL,
					       CRUSH_RULE_TYPE_REPLICATED, &rule),
			 0);
	ck_assert_uint_eq(rule, 0);
	return c;
}

static struct osdmap_pool make_pool(int64_t id, const char *name, uint32_t pg_num)
{
	struct osdmap_pool p;
	memset(&p, 0, sizeof(p));
	p.id = id;
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.type = OSDMAP_POOL_REPLICATED;
	p.size = 3;
	p.min_size = 2;
	p.pg_num = pg_num;
	p.pgp_num = pg_num;
	p.crush_rule = 0;
	return p;
}

/* Epoch 1: 12 OSDs created, up and in, one pool; returns the map. */
static struct osdmap *make_cluster(void)
{
	struct osdmap *m0 = osdmap_create(fsid, make_crush());
	ck_assert_ptr_nonnull(m0);
	struct osdmap_inc inc;
	osdmap_inc_init(&inc, fsid, 1);
	inc.modified = 1000;
	inc.new_max_osd = 12;
	for (int i = 0; i < 12; i++) {
		struct net_addr a;
		char s[32];
		snprintf(s, sizeof(s), "127.0.0.1:%d", 6800 + i);
		ck_assert_int_eq(addr_parse(s, 0, &a), 0);
		ck_assert_int_eq(osdmap_inc_create_osd(&inc, i), 0);
		ck_assert_int_eq(osdmap_inc_mark_up(&inc, i, &a), 0);
		ck_assert_int_eq(osdmap_inc_set_weight(&inc, i, 0x10000), 0);
	}
	struct osdmap_pool p = make_pool(1, "rbd", 64);
	ck_assert_int_eq(osdmap_inc_add_pool(&inc, &p), 0);
	struct osdmap *m1;
	char err[128];
	ck_assert_int_eq(osdmap_apply(m0, &inc, &m1, err, sizeof(err)), 0);
	osdmap_inc_fini(&inc);
	osdmap_destroy(m0);
	return m1;
}

START_TEST(test_hash_golden)
{
	/* Pinned forever: these decide where every object lives. */
	ck_assert_uint_eq(osdmap_hash_name("", 0), 0u);
	ck_assert_uint_eq(osdmap_hash_name("foo", 3), osdmap_hash_name("foo", 3));
	uint32_t h1 = osdmap_hash_name("rbd_data.1234", 13);
	uint32_t h2 = osdmap_hash_name("rbd_data.1235", 13);
	ck_assert_uint_ne(h1, h2);
	/* Published Murmur3 x86_32 (seed 0) values of the same construction. */
	ck_assert_uint_eq(osdmap_hash_name("hello", 5), 0x248bfa47u);
	ck_assert_uint_eq(osdmap_hash_name("The quick brown fox jumps over the lazy dog", 43),
			  0x2e4ff723u);
	ck_assert_uint_eq(osdmap_stable_mod(13, 12, 15), 5);
	ck_assert_uint_eq(osdmap_stable_mod(11, 12, 15), 11);
	ck_assert_uint_eq(osdmap_pg_mask(64), 63);
	ck_assert_uint_eq(osdmap_pg_mask(12), 15);
	ck_assert_uint_eq(osdmap_pg_mask(1), 0);
}
END_TEST

START_TEST(test_pg_names)
{
	struct osdmap_pg pg = {1, 0x2a}, back;
	char buf[32];
	ck_assert_int_eq(osdmap_pg_format(&pg, buf, sizeof(buf)), 4);
	ck_assert_str_eq(buf, "1.2a");
	ck_assert_int_eq(osdmap_pg_parse("1.2a", &back), 0);
	ck_assert(back.pool == 1 && back.seed == 0x2a);
	ck_assert_int_eq(osdmap_pg_parse("1", &back), -EINVAL);
	ck_assert_int_eq(osdmap_pg_parse("x.1", &back), -EINVAL);
	ck_assert_int_eq(osdmap_pg_parse("1.zz", &back), -EINVAL);
	ck_assert_int_eq(osdmap_pg_parse("-1.0", &back), -EINVAL);
	ck_assert_uint_eq(osdmap_flag_parse("noout"), OSDMAP_FLAG_NOOUT);
	ck_assert_uint_eq(osdmap_flag_parse("bogus"), 0);
	struct buf b = BUF_INIT;
	osdmap_flags_format(OSDMAP_FLAG_NOOUT | OSDMAP_FLAG_NOUP, &b);
	ck_assert_str_eq(buf_cstr(&b), "noup,noout");
	buf_fini(&b);
}
END_TEST

/* Every PG maps to 3 distinct OSDs on 3 distinct hosts; every OSD gets a share. */
START_TEST(test_placement)
{
	struct osdmap *m = make_cluster();
	ck_assert_uint_eq(osdmap_epoch(m), 1);
	int count[12] = {0};
	for (uint32_t s = 0; s < 64; s++) {
		struct osdmap_pg pg = {1, s};
		struct osdmap_placement pl;
		ck_assert_int_eq(osdmap_pg_to_osds(m, &pg, &pl), 0);
		ck_assert_uint_eq(pl.up_n, 3);
		ck_assert_uint_eq(pl.acting_n, 3);
		ck_assert_int_eq(pl.up_primary, pl.up[0]);
		ck_assert_int_eq(pl.acting_primary, pl.up[0]);
		for (int i = 0; i < 3; i++) {
			count[pl.up[i]]++;
			for (int j = 0; j < i; j++)
				ck_assert_int_ne(pl.up[i] / 3, pl.up[j] / 3);
		}
	}
	for (int i = 0; i < 12; i++)
		ck_assert_int_gt(count[i], 0);
	struct osdmap_pg pg = {1, 64};
	struct osdmap_placement pl;
	ck_assert_int_eq(osdmap_pg_to_osds(m, &pg, &pl), -ENOENT);
	pg.pool = 9;
	pg.seed = 0;
	ck_assert_int_eq(osdmap_pg_to_osds(m, &pg, &pl), -ENOENT);

	/* Objects land in PGs of their pool; namespaces and locators matter. */
	struct osdmap_pg a, b, c;
	ck_assert_int_eq(osdmap_object_to_pg(m, 1, "", "obj", NULL, &a), 0);
	ck_assert_uint_lt(a.seed, 64);
	ck_assert_int_eq(osdmap_object_to_pg(m, 1, "", "other", "obj", &b), 0);
	ck_assert_uint_eq(a.seed, b.seed);
	int differ = 0;
	for (int i = 0; i < 20; i++) {
		char name[16];
		snprintf(name, sizeof(name), "o%d", i);
		osdmap_object_to_pg(m, 1, "", name, NULL, &a);
		osdmap_object_to_pg(m, 1, "ns", name, NULL, &c);
		differ += a.seed != c.seed;
	}
	ck_assert_int_gt(differ, 10);
	ck_assert_int_eq(osdmap_object_to_pg(m, 7, "", "obj", NULL, &a), -ENOENT);
	osdmap_destroy(m);
}
END_TEST

/* Down OSDs leave the up set; out OSDs are remapped by CRUSH; pg_temp and upmap apply. */
START_TEST(test_down_out_temp_upmap)
{
	struct osdmap *m1 = make_cluster();
	struct osdmap_pg pg = {1, 5};
	struct osdmap_placement before, after;
	ck_assert_int_eq(osdmap_pg_to_osds(m1, &pg, &before), 0);
	int32_t victim = before.up[0];

	struct osdmap_inc inc;
	osdmap_inc_init(&inc, fsid, 2);
	ck_assert_int_eq(osdmap_inc_mark_down(&inc, victim), 0);
	struct osdmap *m2, *m3, *m4;
	char err[128];
	ck_assert_int_eq(osdmap_apply(m1, &inc, &m2, err, sizeof(err)), 0);
	osdmap_inc_fini(&inc);
	ck_assert(!osdmap_is_up(m2, victim));
	ck_assert_uint_eq(osdmap_osd(m2, victim)->down_at, 2);
	ck_assert_int_eq(osdmap_pg_to_osds(m2, &pg, &after), 0);
	ck_assert_uint_eq(after.up_n, 2);
	ck_assert_int_eq(after.up_primary, before.up[1]);

	osdmap_inc_init(&inc, fsid, 3);
	ck_assert_int_eq(osdmap_inc_set_weight(&inc, victim, 0), 0);
	int32_t temp[2] = {before.up[2], before.up[1]};
	ck_assert_int_eq(osdmap_inc_set_pg_temp(&inc, &pg, temp, 2), 0);
	ck_assert_int_eq(osdmap_apply(m2, &inc, &m3, err, sizeof(err)), 0);
	osdmap_inc_fini(&inc);
	ck_assert_int_eq(osdmap_pg_to_osds(m3, &pg, &after), 0);
	ck_assert_uint_eq(after.up_n, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_int_ne(after.up[i], victim);
	ck_assert_uint_eq(after.acting_n, 2);
	ck_assert_int_eq(after.acting_primary, before.up[2]);

	/* An upmap to an unused in OSD replaces its source; removing pg_temp restores acting. */
	int32_t spare = -1;
	for (int32_t o = 0; o < 12 && spare < 0; o++)
		if (o != victim && o != after.up[0] && o != after.up[1] && o != after.up[2])
			spare = o;
	osdmap_inc_init(&inc, fsid, 4);
	struct osdmap_upmap_pair pair = {after.up[1], spare};
	ck_assert_int_eq(osdmap_inc_set_upmap(&inc, &pg, &pair, 1), 0);
	ck_assert_int_eq(osdmap_inc_set_pg_temp(&inc, &pg, NULL, 0), 0);
	ck_assert_int_eq(osdmap_apply(m3, &inc, &m4, err, sizeof(err)), 0);
	osdmap_inc_fini(&inc);
	struct osdmap_placement last;
	ck_assert_int_eq(osdmap_pg_to_osds(m4, &pg, &last), 0);
	ck_assert_int_eq(last.up[1], spare);
	ck_assert_uint_eq(last.acting_n, 3);
	ck_assert_int_eq(last.acting[1], spare);
	osdmap_destroy(m1);
	osdmap_destroy(m2);
	osdmap_destroy(m3);
	osdmap_destroy(m4);
}
END_TEST

START_TEST(test_apply_errors)
{
	struct osdmap *m = make_cluster();
	struct osdmap *n = NULL;
	struct osdmap_inc inc;
	char err[128];
	osdmap_inc_init(&inc, fsid, 3);
	ck_assert_int_eq(osdmap_apply(m, &inc, &n, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "cannot follow epoch 1"));
	osdmap_inc_fini(&inc);
	uint8_t other[16] = {9};
	osdmap_inc_init(&inc, other, 2);
	ck_assert_int_eq(osdmap_apply(m, &inc, &n, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "fsid"));
	osdmap_inc_fini(&inc);
	osdmap_inc_init(&inc, fsid, 2);
	osdmap_inc_mark_down(&inc, 99);
	ck_assert_int_eq(osdmap_apply(m, &inc, &n, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "osd.99"));
	osdmap_inc_fini(&inc);
	osdmap_inc_init(&inc, fsid, 2);
	struct osdmap_pool p = make_pool(2, "bad", 64);
	p.min_size = 5;
	osdmap_inc_add_pool(&inc, &p);
	ck_assert_int_eq(osdmap_apply(m, &inc, &n, err, sizeof(err)), -EINVAL);
	osdmap_inc_fini(&inc);
	ck_assert_ptr_null(n);
	osdmap_destroy(m);
}
END_TEST

/* Full maps and incrementals round-trip; applying a decoded incremental gives the same map. */
START_TEST(test_encodings)
{
	struct osdmap *m1 = make_cluster();
	struct buf b = BUF_INIT;
	ck_assert_int_eq(osdmap_encode(m1, &b), 0);
	struct osdmap *d;
	char err[128];
	ck_assert_int_eq(osdmap_decode(b.data, b.len, &d, err, sizeof(err)), 0);
	ck_assert(osdmap_equal(m1, d));

	struct osdmap_inc inc, inc2;
	osdmap_inc_init(&inc, fsid, 2);
	inc.modified = 2000;
	inc.has_flags = true;
	inc.new_flags = OSDMAP_FLAG_NOOUT;
	struct osdmap_pool p = make_pool(2, "data", 32);
	osdmap_inc_add_pool(&inc, &p);
	osdmap_inc_remove_pool(&inc, 1);
	osdmap_inc_mark_down(&inc, 3);
	osdmap_inc_set_weight(&inc, 4, 0x8000);
	uint8_t uuid[16] = {7};
	osdmap_inc_set_uuid(&inc, 5, uuid);
	struct crush_map *c = make_crush();
	ck_assert_int_eq(osdmap_inc_set_crush(&inc, c), 0);
	crush_map_destroy(c);
	struct osdmap_pg pg = {2, 1};
	int32_t temp[1] = {6};
	osdmap_inc_set_pg_temp(&inc, &pg, temp, 1);
	struct osdmap_upmap_pair pair = {1, 2};
	osdmap_inc_set_upmap(&inc, &pg, &pair, 1);
	struct buf ib = BUF_INIT;
	ck_assert_int_eq(osdmap_inc_encode(&inc, &ib), 0);
	ck_assert_int_eq(osdmap_inc_decode(ib.data, ib.len, &inc2, err, sizeof(err)), 0);
	struct osdmap *a, *b2;
	ck_assert_int_eq(osdmap_apply(m1, &inc, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(osdmap_apply(d, &inc2, &b2, err, sizeof(err)), 0);
	ck_assert(osdmap_equal(a, b2));
	ck_assert_ptr_null(osdmap_pool(a, 1));
	ck_assert_str_eq(osdmap_pool_by_name(a, "data")->name, "data");
	ck_assert_int_eq(osdmap_pool_max(a), 2);
	ck_assert_uint_eq(osdmap_flags(a), OSDMAP_FLAG_NOOUT);
	ck_assert(!osdmap_is_in(a, 12));
	ck_assert_uint_eq(osdmap_osd(a, 4)->weight, 0x8000);
	ck_assert(!osdmap_equal(a, m1));

	/* Every truncation and every single-byte corruption is refused cleanly. */
	for (size_t len = 0; len < b.len; len += 7) {
		struct osdmap *x = NULL;
		ck_assert_int_eq(osdmap_decode(b.data, len, &x, err, sizeof(err)), -EINVAL);
	}
	for (size_t i = 0; i < b.len; i += 3) {
		b.data[i] ^= 0x5a;
		struct osdmap *x = NULL;
		ck_assert_int_eq(osdmap_decode(b.data, b.len, &x, err, sizeof(err)), -EINVAL);
		b.data[i] ^= 0x5a;
	}
	for (size_t len = 0; len < ib.len; len += 5) {
		struct osdmap_inc x;
		ck_assert_int_eq(osdmap_inc_decode(ib.data, len, &x, err, sizeof(err)), -EINVAL);
	}
	osdmap_inc_fini(&inc);
	osdmap_inc_fini(&inc2);
	osdmap_destroy(a);
	osdmap_destroy(b2);
	osdmap_destroy(d);
	osdmap_destroy(m1);
	buf_fini(&b);
	buf_fini(&ib);
}
END_TEST

/* ---- blocklist -------------------------------------------------------------------- */

static struct net_addr ip(const char *s)
{
	struct net_addr a;
	ck_assert_int_eq(addr_parse(s, 0, &a), 0);
	return a;
}

/* Parse @in and print it back as Ceph's legacy form. */
static const char *bl_roundtrip(const char *in, char *buf, size_t size)
{
	struct net_addr a;
	uint64_t nonce;
	if (osdmap_blocklist_addr_parse(in, &a, &nonce) != 0)
		return NULL;
	ck_assert_int_gt(osdmap_blocklist_addr_format(&a, nonce, buf, size), 0);
	return buf;
}

START_TEST(test_blocklist_addr_parse)
{
	char b[OSDMAP_BLOCKLIST_ADDR_STRLEN];
	static const char *const good[][2] = {
	    {"127.0.0.1:0/1234", "127.0.0.1:0/1234"},
	    {"v2:127.0.0.1:6800/5", "127.0.0.1:6800/5"},
	    {"v1:127.0.0.1:6800/5", "127.0.0.1:6800/5"},
	    {"any:10.1.2.3:0/3", "10.1.2.3:0/3"},
	    {"10.1.2.3", "10.1.2.3:0/0"},
	    {"10.1.2.3/77", "10.1.2.3:0/77"},
	    {"v2:0.0.0.0:0/18446744073709551615", "0.0.0.0:0/18446744073709551615"},
	    {"[v2:127.0.0.1:0/7,v1:127.0.0.1:0/7]", "127.0.0.1:0/7"},
	    {"[v2:127.0.0.1:0/7]", "127.0.0.1:0/7"},
	    {"[::1]:0/9", "[::1]:0/9"},
	    {"v2:[::1]:6789/9", "[::1]:6789/9"},
	    {"[v2:[::1]:0/9]", "[::1]:0/9"},
	    {"[::1]", "[::1]:0/0"},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *got = bl_roundtrip(good[i][0], b, sizeof(b));
		ck_assert_msg(got, "'%s' refused", good[i][0]);
		ck_assert_str_eq(got, good[i][1]);
	}
	static const char *const bad[] = {
	    "",
	    "x",
	    "1.2.3.4:0/",
	    "1.2.3.4:0/abc",
	    "1.2.3.4:0/-1",
	    "1.2.3.4:0/+1",
	    "1.2.3.4:0/18446744073709551616",
	    "1.2.3.4:99999/1",
	    "1.2.3.4:0/1/2",
	    "v2:v2:1.2.3.4:0/1",
	    "v3:1.2.3.4:0/1",
	    " 1.2.3.4:0/1",
	    "1.2.3.4:0/1 ",
	    "host.example:0/1",
	    "[v2:]",
	    "[]",
	    "1.2.3.4.5:0/1",
	    "/5",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!bl_roundtrip(bad[i], b, sizeof(b)), "'%s' accepted", bad[i]);
	struct net_addr a = ip("1.2.3.4:5");
	ck_assert_int_eq(osdmap_blocklist_addr_format(&a, 6, b, 5), -ERANGE);
}
END_TEST

/* A map of one epoch per call: @m's successor with the blocklist edits of @inc applied. */
static struct osdmap *next_epoch(struct osdmap *m, struct osdmap_inc *inc)
{
	struct osdmap *n;
	char err[128] = "";
	ck_assert_msg(osdmap_apply(m, inc, &n, err, sizeof(err)) == 0, "apply: %s", err);
	osdmap_inc_fini(inc);
	osdmap_destroy(m);
	return n;
}

static void bl_add(struct osdmap_inc *inc, const char *addr, uint64_t expires)
{
	struct net_addr a;
	uint64_t nonce;
	ck_assert_int_eq(osdmap_blocklist_addr_parse(addr, &a, &nonce), 0);
	ck_assert_int_eq(osdmap_inc_blocklist_add(inc, &a, nonce, expires), 0);
}

static void bl_rm(struct osdmap_inc *inc, const char *addr)
{
	struct net_addr a;
	uint64_t nonce;
	ck_assert_int_eq(osdmap_blocklist_addr_parse(addr, &a, &nonce), 0);
	ck_assert_int_eq(osdmap_inc_blocklist_rm(inc, &a, nonce), 0);
}

static bool bl_has(const struct osdmap *m, const char *addr, uint64_t *out_expires)
{
	struct net_addr a;
	uint64_t nonce;
	ck_assert_int_eq(osdmap_blocklist_addr_parse(addr, &a, &nonce), 0);
	const struct osdmap_blocklist_entry *e = osdmap_blocklist_find(m, &a, nonce);
	if (e && out_expires)
		*out_expires = e->expires;
	return e != NULL;
}

/* Who an entry fences: its nonce (or all), its IP (or any), until it expires. */
START_TEST(test_blocklist_match)
{
	struct osdmap *m = make_cluster();
	struct net_addr lo = ip("127.0.0.1:41000"), lo2 = ip("127.0.0.2:41000");
	struct net_addr ten5 = ip("10.0.0.5:1"), ten6 = ip("10.0.0.6:1");
	struct net_addr v6 = ip("[::1]:41000"), mapped = ip("[::ffff:10.0.0.5]:7");
	ck_assert(!osdmap_is_blocklisted(m, &lo, 100, 0));

	struct osdmap_inc inc;
	osdmap_inc_init(&inc, fsid, 2);
	bl_add(&inc, "127.0.0.1:0/100", 1000);	/* one instance on one IP */
	bl_add(&inc, "v2:0.0.0.0:0/200", 1000); /* one instance, any IP */
	bl_add(&inc, "10.0.0.5", 1000);		/* every client of one IP */
	bl_add(&inc, "[::2]:0/300", 1000);	/* IPv6 */
	m = next_epoch(m, &inc);
	ck_assert_uint_eq(osdmap_blocklist_count(m), 4);

	ck_assert(osdmap_is_blocklisted(m, &lo, 100, 500));
	ck_assert(osdmap_is_blocklisted(m, &lo, 100, 999));
	ck_assert(!osdmap_is_blocklisted(m, &lo, 100, 1000)); /* expired */
	ck_assert(!osdmap_is_blocklisted(m, &lo, 101, 500));  /* another instance */
	ck_assert(!osdmap_is_blocklisted(m, &lo2, 100, 500)); /* same nonce, other IP */
	ck_assert(osdmap_is_blocklisted(m, &lo2, 200, 500));  /* 0.0.0.0: any IP */
	ck_assert(osdmap_is_blocklisted(m, &v6, 200, 500));
	ck_assert(!osdmap_is_blocklisted(m, &v6, 200, 2000));
	ck_assert(osdmap_is_blocklisted(m, &ten5, 1, 500)); /* nonce 0: every client */
	ck_assert(osdmap_is_blocklisted(m, &ten5, 987654321, 500));
	ck_assert(osdmap_is_blocklisted(m, &mapped, 5, 500)); /* IPv4 through IPv6 */
	ck_assert(!osdmap_is_blocklisted(m, &ten6, 1, 500));
	struct net_addr v6b = ip("[::2]:9");
	ck_assert(osdmap_is_blocklisted(m, &v6b, 300, 500));
	ck_assert(!osdmap_is_blocklisted(m, &v6, 300, 500));
	/* The port of the entry does not matter: clients use a new port per OSD. */
	struct net_addr loport = ip("127.0.0.1:6");
	ck_assert(osdmap_is_blocklisted(m, &loport, 100, 500));
	osdmap_destroy(m);
}
END_TEST

/* Incrementals add, replace and remove entries; the map keeps them sorted and unique. */
START_TEST(test_blocklist_inc)
{
	struct osdmap *m = make_cluster();
	struct osdmap_inc inc;
	uint64_t exp = 0;
	struct net_addr none;
	memset(&none, 0, sizeof(none));

	osdmap_inc_init(&inc, fsid, 2);
	ck_assert_int_eq(osdmap_inc_blocklist_add(&inc, &none, 1, 5), -EINVAL);
	ck_assert_int_eq(osdmap_inc_blocklist_rm(&inc, &none, 1), -EINVAL);
	bl_add(&inc, "10.0.0.9:0/3", 100);
	bl_add(&inc, "10.0.0.1:0/3", 100);
	bl_add(&inc, "10.0.0.1:0/2", 100);
	bl_add(&inc, "10.0.0.1:0/2", 700); /* replaces the pending one */
	bl_add(&inc, "10.0.0.1:5/2", 100); /* another port: another entry */
	bl_add(&inc, "10.0.0.7:0/1", 100);
	bl_rm(&inc, "10.0.0.7:0/1"); /* cancels the pending addition */
	ck_assert_uint_eq(inc.n_new_blocklist, 4);
	m = next_epoch(m, &inc);
	ck_assert_uint_eq(osdmap_blocklist_count(m), 4);
	static const char *const order[] = {"10.0.0.1:0/2", "10.0.0.1:0/3", "10.0.0.1:5/2",
					    "10.0.0.9:0/3"};
	for (size_t i = 0; i < 4; i++) {
		char b[OSDMAP_BLOCKLIST_ADDR_STRLEN];
		const struct osdmap_blocklist_entry *e = osdmap_blocklist_at(m, i);
		osdmap_blocklist_addr_format(&e->addr, e->nonce, b, sizeof(b));
		ck_assert_str_eq(b, order[i]);
	}
	ck_assert_ptr_null(osdmap_blocklist_at(m, 4));
	ck_assert(bl_has(m, "10.0.0.1:0/2", &exp));
	ck_assert_uint_eq(exp, 700);
	ck_assert(!bl_has(m, "10.0.0.7:0/1", NULL));

	/* Next epoch: a new expiry for one, one removed, one removed that is not there. */
	osdmap_inc_init(&inc, fsid, 3);
	bl_add(&inc, "10.0.0.9:0/3", 9000);
	bl_rm(&inc, "10.0.0.1:0/3");
	bl_rm(&inc, "10.0.0.1:0/3"); /* twice: recorded once */
	bl_rm(&inc, "10.0.0.8:0/8");
	ck_assert_uint_eq(inc.n_old_blocklist, 2);
	/* Encoded and decoded, the incremental does the same. */
	struct buf ib = BUF_INIT;
	struct osdmap_inc inc2;
	char err[128];
	ck_assert_int_eq(osdmap_inc_encode(&inc, &ib), 0);
	ck_assert_int_eq(osdmap_inc_decode(ib.data, ib.len, &inc2, err, sizeof(err)), 0);
	ck_assert_uint_eq(inc2.n_new_blocklist, 1);
	ck_assert_uint_eq(inc2.n_old_blocklist, 2);
	struct osdmap *via_wire;
	ck_assert_int_eq(osdmap_apply(m, &inc2, &via_wire, err, sizeof(err)), 0);
	osdmap_inc_fini(&inc2);
	buf_fini(&ib);
	m = next_epoch(m, &inc);
	ck_assert(osdmap_equal(m, via_wire));
	osdmap_destroy(via_wire);
	ck_assert_uint_eq(osdmap_blocklist_count(m), 3);
	ck_assert(!bl_has(m, "10.0.0.1:0/3", NULL));
	ck_assert(bl_has(m, "10.0.0.9:0/3", &exp));
	ck_assert_uint_eq(exp, 9000);

	/* A re-added entry cancels its pending removal; removal then addition in one epoch. */
	osdmap_inc_init(&inc, fsid, 4);
	bl_rm(&inc, "10.0.0.9:0/3");
	bl_add(&inc, "10.0.0.9:0/3", 42);
	ck_assert_uint_eq(inc.n_old_blocklist, 0);
	m = next_epoch(m, &inc);
	ck_assert(bl_has(m, "10.0.0.9:0/3", &exp));
	ck_assert_uint_eq(exp, 42);

	/* Clones carry the blocklist and compare equal; a changed expiry does not. */
	struct osdmap *c = osdmap_clone(m);
	ck_assert_ptr_nonnull(c);
	ck_assert(osdmap_equal(m, c));
	osdmap_inc_init(&inc, fsid, 5);
	bl_add(&inc, "10.0.0.9:0/3", 43);
	struct osdmap *d;
	ck_assert_int_eq(osdmap_apply(c, &inc, &d, err, sizeof(err)), 0);
	osdmap_inc_fini(&inc);
	osdmap_inc_init(&inc, fsid, 5);
	bl_add(&inc, "10.0.0.9:0/3", 44);
	struct osdmap *e;
	ck_assert_int_eq(osdmap_apply(c, &inc, &e, err, sizeof(err)), 0);
	osdmap_inc_fini(&inc);
	ck_assert(!osdmap_equal(d, e));
	osdmap_destroy(c);
	osdmap_destroy(d);
	osdmap_destroy(e);
	osdmap_destroy(m);
}
END_TEST

/* Re-frame @b after editing its payload: the length field and the trailing crc32c. */
static void reframe(struct buf *b)
{
	enc_put_le32(b->data + 6, (uint32_t)(b->len - 10 - 4));
	enc_put_le32(b->data + b->len - 4, crc32c(0, b->data, b->len - 4));
}

/* Drop @n payload bytes just before the crc: what version 1 wrote. */
static void cut_tail(struct buf *b, size_t n)
{
	memmove(b->data + b->len - 4 - n, b->data + b->len - 4, 4);
	b->len -= n;
	b->data[4] = 1; /* version 1 */
	reframe(b);
}

static struct osdmap *blocklisted_map(void)
{
	struct osdmap *m = make_cluster();
	struct osdmap_inc inc;
	osdmap_inc_init(&inc, fsid, 2);
	bl_add(&inc, "127.0.0.1:0/1", 1000);
	bl_add(&inc, "[::1]:0/2", 2000);
	return next_epoch(m, &inc);
}

/* Maps round-trip with the blocklist; version 1 encodings decode with none. */
START_TEST(test_blocklist_encoding)
{
	struct osdmap *m = blocklisted_map();
	struct buf b = BUF_INIT;
	char err[128];
	struct osdmap *d;
	ck_assert_int_eq(osdmap_encode(m, &b), 0);
	ck_assert_uint_eq(b.data[4], 2);
	ck_assert_int_eq(osdmap_decode(b.data, b.len, &d, err, sizeof(err)), 0);
	ck_assert(osdmap_equal(m, d));
	ck_assert_uint_eq(osdmap_blocklist_count(d), 2);
	osdmap_destroy(d);

	/* A map stored by version 1: no blocklist section at all. */
	struct osdmap *plain = make_cluster();
	struct buf old = BUF_INIT;
	ck_assert_int_eq(osdmap_encode(plain, &old), 0);
	cut_tail(&old, 4); /* the empty section is its count */
	ck_assert_int_eq(osdmap_decode(old.data, old.len, &d, err, sizeof(err)), 0);
	ck_assert_uint_eq(osdmap_blocklist_count(d), 0);
	ck_assert(osdmap_equal(plain, d));
	osdmap_destroy(d);
	buf_fini(&old);

	/* An incremental stored by version 1: no blocklist lists. */
	struct osdmap_inc inc, back;
	osdmap_inc_init(&inc, fsid, 2);
	osdmap_inc_mark_down(&inc, 3);
	ck_assert_int_eq(osdmap_inc_encode(&inc, &old), 0);
	cut_tail(&old, 8);
	ck_assert_int_eq(osdmap_inc_decode(old.data, old.len, &back, err, sizeof(err)), 0);
	ck_assert_uint_eq(back.n_new_down, 1);
	ck_assert_uint_eq(back.n_new_blocklist + back.n_old_blocklist, 0);
	osdmap_inc_fini(&back);
	/* Half a section is malformed. */
	buf_reset(&old);
	ck_assert_int_eq(osdmap_inc_encode(&inc, &old), 0);
	cut_tail(&old, 4);
	ck_assert_int_eq(osdmap_inc_decode(old.data, old.len, &back, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "blocklist"), "error '%s'", err);
	osdmap_inc_fini(&inc);
	buf_fini(&old);

	/* Newer encoders may append more: ignored. */
	struct buf more = BUF_INIT;
	buf_append(&more, b.data, b.len - 4);
	buf_append(&more, "\x01\x02\x03\x04\x05", 5);
	buf_append(&more, b.data + b.len - 4, 4);
	reframe(&more);
	ck_assert_int_eq(osdmap_decode(more.data, more.len, &d, err, sizeof(err)), 0);
	ck_assert(osdmap_equal(m, d));
	osdmap_destroy(d);
	buf_fini(&more);
	osdmap_destroy(plain);
	osdmap_destroy(m);
	buf_fini(&b);
}
END_TEST

/* Malformed blocklist sections are refused with a message naming the field. */
START_TEST(test_blocklist_malformed)
{
	struct osdmap *m = blocklisted_map();
	struct buf b = BUF_INIT;
	ck_assert_int_eq(osdmap_encode(m, &b), 0);
	/* The section: a count and two 37-byte entries, just before the crc. */
	size_t sec = b.len - 4 - (4 + 2 * 37);
	ck_assert_uint_eq(enc_get_le32(b.data + sec), 2);
	static const struct {
		const char *what;
		const char *msg;
	} cases[] = {
	    {"count", "count out of range"}, {"family 0", "not an IP address"},
	    {"family 5", "bad address"},     {"port", "bad address"},
	    {"order", "out of order"},	     {"duplicate", "out of order"},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct buf x = BUF_INIT;
		buf_append(&x, b.data, b.len);
		uint8_t *e0 = x.data + sec + 4, *e1 = e0 + 37;
		switch (k) {
		case 0:
			enc_put_le32(x.data + sec, 1000);
			break;
		case 1:
			e0[0] = 0;
			break;
		case 2:
			e0[0] = 5;
			break;
		case 3:
			enc_put_le32(e0 + 17, 70000);
			break;
		case 4: {
			uint8_t t[37];
			memcpy(t, e0, 37);
			memcpy(e0, e1, 37);
			memcpy(e1, t, 37);
			break;
		}
		default:
			memcpy(e1, e0, 37);
		}
		reframe(&x);
		struct osdmap *d = NULL;
		char err[128] = "";
		ck_assert_int_eq(osdmap_decode(x.data, x.len, &d, err, sizeof(err)), -EINVAL);
		ck_assert_ptr_null(d);
		ck_assert_msg(strstr(err, "blocklist") && strstr(err, cases[k].msg),
			      "%s: error '%s'", cases[k].what, err);
		buf_fini(&x);
	}
	osdmap_destroy(m);
	buf_fini(&b);
}
END_TEST

static Suite *osdmap_suite(void)
{
	Suite *s = suite_create("osdmap");
	TCase *tc = tcase_create("placement");
	tcase_add_test(tc, test_hash_golden);
	tcase_add_test(tc, test_pg_names);
	tcase_add_test(tc, test_placement);
	tcase_add_test(tc, test_down_out_temp_upmap);
	suite_add_tcase(s, tc);
	tc = tcase_create("incrementals");
	tcase_add_test(tc, test_apply_errors);
	tcase_add_test(tc, test_encodings);
	suite_add_tcase(s, tc);
	tc = tcase_create("blocklist");
	tcase_add_test(tc, test_blocklist_addr_parse);
	tcase_add_test(tc, test_blocklist_match);
	tcase_add_test(tc, test_blocklist_inc);
	tcase_add_test(tc, test_blocklist_encoding);
	tcase_add_test(tc, test_blocklist_malformed);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(osdmap_suite)
