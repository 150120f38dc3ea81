/* Unit tests for common/cfg: types, sources, precedence, bad input. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test/unit/unit.h"
#include "common/buf.h"
#include "common/cfg.h"

static struct cfg *make(const char *name)
{
	struct ent_name n;
	ck_assert_int_eq(ent_name_parse(name, &n), 0);
	struct cfg *c = cfg_create(&n);
	ck_assert_ptr_nonnull(c);
	return c;
}

static int parse(struct cfg *c, const char *text, char *err, size_t errlen)
{
	return cfg_parse_text(c, text, strlen(text), "test.conf", err, errlen);
}

START_TEST(test_defaults)
{
	struct cfg *c = make("osd.3");
	ck_assert_int_eq(cfg_int(c, CFG_ms_async_op_threads), 2);
	ck_assert(cfg_size(c, CFG_ms_max_frame_size) == 100ULL << 20);
	ck_assert(cfg_dur_ns(c, CFG_osd_heartbeat_grace) == 20ULL * 1000000000ULL);
	ck_assert(cfg_bool(c, CFG_ms_tcp_nodelay));
	ck_assert(cfg_float(c, CFG_mon_osd_full_ratio) > 0.949 &&
		  cfg_float(c, CFG_mon_osd_full_ratio) < 0.951);
	char *s = cfg_str(c, CFG_cluster);
	ck_assert_str_eq(s, "ceph");
	free(s);
	ck_assert_int_eq(cfg_level_of(c, CFG_cluster), CFG_LVL_DEFAULT);
	/* Every option has a description. */
	for (int i = 0; i < CFG__COUNT; i++)
		ck_assert(cfg_desc((enum cfg_id)i) && *cfg_desc((enum cfg_id)i));
	cfg_destroy(c);
}
END_TEST

START_TEST(test_value_parsers)
{
	uint64_t u;
	int64_t i;
	bool b;
	double f;
	ck_assert_int_eq(cfg_parse_size("4K", &u), 0);
	ck_assert(u == 4096);
	ck_assert_int_eq(cfg_parse_size("1 MiB", &u), 0);
	ck_assert(u == 1 << 20);
	ck_assert_int_eq(cfg_parse_size("2G", &u), 0);
	ck_assert(u == 2ULL << 30);
	ck_assert_int_eq(cfg_parse_size("3T", &u), 0);
	ck_assert(u == 3ULL << 40);
	ck_assert_int_eq(cfg_parse_size("512", &u), 0);
	ck_assert(u == 512);
	ck_assert_int_eq(cfg_parse_size("512B", &u), 0);
	ck_assert_int_eq(cfg_parse_size("5X", &u), -EINVAL);
	ck_assert_int_eq(cfg_parse_size("-5", &u), -EINVAL);
	ck_assert_int_eq(cfg_parse_size("", &u), -EINVAL);
	ck_assert_int_eq(cfg_parse_size("99999999999E", &u), -ERANGE);

	ck_assert_int_eq(cfg_parse_dur("6", &u), 0);
	ck_assert(u == 6000000000ULL);
	ck_assert_int_eq(cfg_parse_dur("250ms", &u), 0);
	ck_assert(u == 250000000ULL);
	ck_assert_int_eq(cfg_parse_dur("1.5", &u), 0);
	ck_assert(u == 1500000000ULL);
	ck_assert_int_eq(cfg_parse_dur("2m", &u), 0);
	ck_assert(u == 120000000000ULL);
	ck_assert_int_eq(cfg_parse_dur("1 h", &u), 0);
	ck_assert(u == 3600000000000ULL);
	ck_assert_int_eq(cfg_parse_dur("10us", &u), 0);
	ck_assert(u == 10000ULL);
	ck_assert_int_eq(cfg_parse_dur("-1", &u), -EINVAL);
	ck_assert_int_eq(cfg_parse_dur("5 fortnights", &u), -EINVAL);

	ck_assert_int_eq(cfg_parse_int(" -42 ", &i), 0);
	ck_assert(i == -42);
	ck_assert_int_eq(cfg_parse_int("4x", &i), -EINVAL);
	ck_assert_int_eq(cfg_parse_int("99999999999999999999", &i), -ERANGE);

	const char *yes[] = {"true", "Yes", "ON", "1"};
	const char *no[] = {"false", "no", "off", "0"};
	for (int k = 0; k < 4; k++) {
		ck_assert_int_eq(cfg_parse_bool(yes[k], &b), 0);
		ck_assert(b);
		ck_assert_int_eq(cfg_parse_bool(no[k], &b), 0);
		ck_assert(!b);
	}
	ck_assert_int_eq(cfg_parse_bool("maybe", &b), -EINVAL);

	ck_assert_int_eq(cfg_parse_float("0.5", &f), 0);
	ck_assert(f == 0.5);
	ck_assert_int_eq(cfg_parse_float("nan", &f), -EINVAL);
	ck_assert_int_eq(cfg_parse_float("1e999", &f), -EINVAL);
}
END_TEST

/* Each type, set through the file, read back through its getter. */
START_TEST(test_every_type_from_file)
{
	struct cfg *c = make("osd.1");
	char err[256];
	const char *text = "[global]\n"
			   "ms async op threads = 3\n"
			   "ms_max_frame_size = 64M\n"
			   "osd-heartbeat-grace = 30s\n"
			   "ms_tcp_nodelay = off\n"
			   "mon_osd_full_ratio = 0.9\n"
			   "cluster = blue\n"
			   "mon_host = 127.0.0.1:6789, [::1]:6790 [v2:10.0.0.1:3300,v1:10.0.0.1:6789]\n";
	ck_assert_int_eq(parse(c, text, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg_int(c, CFG_ms_async_op_threads), 3);
	ck_assert(cfg_size(c, CFG_ms_max_frame_size) == 64ULL << 20);
	ck_assert(cfg_dur_ns(c, CFG_osd_heartbeat_grace) == 30000000000ULL);
	ck_assert(!cfg_bool(c, CFG_ms_tcp_nodelay));
	ck_assert(cfg_float(c, CFG_mon_osd_full_ratio) == 0.9);
	char *s = cfg_str(c, CFG_cluster);
	ck_assert_str_eq(s, "blue");
	free(s);
	struct net_addr *a;
	size_t n;
	ck_assert_int_eq(cfg_addrs(c, CFG_mon_host, &a, &n), 0);
	ck_assert_uint_eq(n, 3);
	char buf[NET_ADDR_STRLEN];
	addr_format(&a[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "127.0.0.1:6789");
	addr_format(&a[1], buf, sizeof(buf));
	ck_assert_str_eq(buf, "[::1]:6790");
	addr_format(&a[2], buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.0.0.1:6789");
	free(a);
	ck_assert_int_eq(cfg_level_of(c, CFG_cluster), CFG_LVL_FILE);
	cfg_destroy(c);
}
END_TEST

/* [global] < [osd] < [osd.3], whatever order the sections come in. */
START_TEST(test_section_specificity)
{
	const char *text = "[osd.3]\nms_async_op_threads = 5\n"
			   "[osd]\nms_async_op_threads = 4\nosd_heartbeat_grace = 7\n"
			   "[global]\nms_async_op_threads = 3\nosd_heartbeat_grace = 8\n"
			   "mon_osd_min_down_reporters = 9\n"
			   "[osd.4]\nmon_osd_min_down_reporters = 11\n"
			   "[mon]\nmon_osd_min_down_reporters = 12\n";
	char err[256];
	struct cfg *c = make("osd.3");
	ck_assert_int_eq(parse(c, text, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg_int(c, CFG_ms_async_op_threads), 5);
	ck_assert(cfg_dur_ns(c, CFG_osd_heartbeat_grace) == 7000000000ULL);
	ck_assert_int_eq(cfg_int(c, CFG_mon_osd_min_down_reporters), 9);
	cfg_destroy(c);

	c = make("osd.4");
	ck_assert_int_eq(parse(c, text, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg_int(c, CFG_ms_async_op_threads), 4);
	ck_assert_int_eq(cfg_int(c, CFG_mon_osd_min_down_reporters), 11);
	cfg_destroy(c);

	c = make("client.admin");
	ck_assert_int_eq(parse(c, text, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg_int(c, CFG_ms_async_op_threads), 3);
	cfg_destroy(c);
}
END_TEST

/* default < file < CEPH_ARGS < command line < runtime, in any order of reading. */
START_TEST(test_precedence)
{
	char err[256];
	struct cfg *c = make("client.admin");
	char *argv[] = {"prog", "--ms-async-op-threads", "7", "--mon_osd_min_down_reporters=4",
			"extra", NULL};
	int argc = 5;

	ck_assert_int_eq(cfg_parse_argv(c, &argc, argv, err, sizeof(err)), 0);
	ck_assert_int_eq(argc, 2);
	ck_assert_str_eq(argv[1], "extra");

	setenv("CEPH_ARGS", "--ms_async_op_threads 6 --osd_heartbeat_grace=9 --cluster=env", 1);
	ck_assert_int_eq(cfg_parse_env(c, err, sizeof(err)), 0);
	unsetenv("CEPH_ARGS");

	ck_assert_int_eq(parse(c,
			       "[global]\nms_async_op_threads = 5\nosd_heartbeat_grace = 3\n"
			       "mon_osd_min_down_reporters = 3\nmon_osd_down_out_interval = 30\n"
			       "cluster = file\n",
			       err, sizeof(err)),
			 0);
	/* The file came last but cannot override higher levels. */
	ck_assert_int_eq(cfg_int(c, CFG_ms_async_op_threads), 7);
	ck_assert_int_eq(cfg_int(c, CFG_mon_osd_min_down_reporters), 4);
	ck_assert(cfg_dur_ns(c, CFG_osd_heartbeat_grace) == 9000000000ULL);
	ck_assert(cfg_dur_ns(c, CFG_mon_osd_down_out_interval) == 30000000000ULL);
	char *s = cfg_str(c, CFG_cluster);
	ck_assert_str_eq(s, "env");
	free(s);
	ck_assert_int_eq(cfg_level_of(c, CFG_ms_async_op_threads), CFG_LVL_ARGV);

	/* Runtime beats everything; a lower level cannot undo it. */
	ck_assert_int_eq(cfg_set(c, "ms async op threads", "8", CFG_LVL_RUNTIME, err, sizeof(err)),
			 0);
	ck_assert_int_eq(cfg_set(c, "ms_async_op_threads", "9", CFG_LVL_ARGV, err, sizeof(err)),
			 0);
	ck_assert_int_eq(cfg_int(c, CFG_ms_async_op_threads), 8);
	cfg_destroy(c);
}
END_TEST

START_TEST(test_argv_special)
{
	char err[256];
	struct cfg *c = make("osd.0");
	char *argv[] = {"cairn-osd", "-i", "7",	  "--mkfs", "-c", "/tmp/x.conf", "--osd-data",
			"/d",	     "-f", "--ms-tcp-nodelay", "--foreground", NULL};
	int argc = 11;
	ck_assert_int_eq(cfg_parse_argv(c, &argc, argv, err, sizeof(err)), 0);
	ck_assert_int_eq(argc, 4);
	ck_assert_str_eq(argv[1], "--mkfs");
	ck_assert_str_eq(argv[2], "-f");
	ck_assert_str_eq(argv[3], "--foreground");
	struct ent_name n;
	cfg_get_entity(c, &n);
	ck_assert_str_eq(n.id, "7");
	char *p = cfg_conf_path(c);
	ck_assert_str_eq(p, "/tmp/x.conf");
	free(p);
	p = cfg_str(c, CFG_osd_data);
	ck_assert_str_eq(p, "/d");
	free(p);
	ck_assert(cfg_bool(c, CFG_ms_tcp_nodelay));

	char *bad[] = {"prog", "--ms-async-op-threads", NULL};
	argc = 2;
	ck_assert_int_eq(cfg_parse_argv(c, &argc, bad, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "needs a value"));
	char *bad2[] = {"prog", "--ms-async-op-threads=lots", NULL};
	argc = 2;
	ck_assert_int_eq(cfg_parse_argv(c, &argc, bad2, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "ms_async_op_threads"));
	char *bad3[] = {"prog", "-i", "x7", NULL};
	argc = 3;
	ck_assert_int_eq(cfg_parse_argv(c, &argc, bad3, err, sizeof(err)), -EINVAL);
	cfg_destroy(c);
}
END_TEST

START_TEST(test_conf_path_default)
{
	struct cfg *c = make("client.admin");
	unsetenv("CEPH_CONF");
	char *p = cfg_conf_path(c);
	ck_assert_str_eq(p, "/etc/ceph/ceph.conf");
	free(p);
	setenv("CEPH_CONF", "/tmp/env.conf", 1);
	p = cfg_conf_path(c);
	ck_assert_str_eq(p, "/tmp/env.conf");
	free(p);
	unsetenv("CEPH_CONF");
	cfg_destroy(c);
}
END_TEST

START_TEST(test_metavariables)
{
	char err[256];
	struct cfg *c = make("osd.3");
	char *s = cfg_str(c, CFG_admin_socket);
	ck_assert_str_eq(s, "/var/run/ceph/ceph-osd.3.asok");
	free(s);
	ck_assert_int_eq(parse(c,
			       "[global]\ncluster = prod\nrun_dir = /r/$cluster\n"
			       "osd_data = /data/${cluster}-$type-$id/$nosuch/$\n",
			       err, sizeof(err)),
			 0);
	s = cfg_str(c, CFG_admin_socket);
	ck_assert_str_eq(s, "/r/prod/prod-osd.3.asok");
	free(s);
	s = cfg_str(c, CFG_osd_data);
	ck_assert_str_eq(s, "/data/prod-osd-3/$nosuch/$");
	free(s);
	/* Self-reference terminates. */
	ck_assert_int_eq(cfg_set(c, "run_dir", "$run_dir/x", CFG_LVL_RUNTIME, err, sizeof(err)), 0);
	s = cfg_str(c, CFG_run_dir);
	ck_assert_ptr_nonnull(s);
	free(s);
	char buf[64];
	ck_assert_int_eq(cfg_get(c, "cluster", buf, sizeof(buf)), 4);
	ck_assert_str_eq(buf, "prod");
	ck_assert_int_eq(cfg_get(c, "cluster", buf, 3), -ENAMETOOLONG);
	ck_assert_int_eq(cfg_get(c, "no_such_option", buf, sizeof(buf)), -ENOENT);
	cfg_destroy(c);
}
END_TEST

START_TEST(test_syntax)
{
	char err[256];
	struct cfg *c = make("client.admin");
	const char *text = "# comment\n"
			   "; another\n"
			   "cluster = top   # before any section counts as global\n"
			   "[ global ]   ; trailing comment\n"
			   "  run_dir = \"/with # hash\"  # comment\n"
			   "pid_file = /a\\#b ; c\n"
			   "log_file = /very/\\\n"
			   "long/path\r\n"
			   "\n"
			   "[client]\n"
			   "fsid=abc\n";
	ck_assert_int_eq(parse(c, text, err, sizeof(err)), 0);
	char *s = cfg_str(c, CFG_run_dir);
	ck_assert_str_eq(s, "/with # hash");
	free(s);
	s = cfg_str(c, CFG_pid_file);
	ck_assert_str_eq(s, "/a#b");
	free(s);
	s = cfg_str(c, CFG_log_file);
	ck_assert_str_eq(s, "/very/long/path");
	free(s);
	s = cfg_str(c, CFG_cluster);
	ck_assert_str_eq(s, "top");
	free(s);
	s = cfg_str(c, CFG_fsid);
	ck_assert_str_eq(s, "abc");
	free(s);
	/* Unknown options are ignored (with a warning), not errors. */
	ck_assert_int_eq(parse(c, "[global]\nno_such_option = 1\n", err, sizeof(err)), 0);
	cfg_destroy(c);
}
END_TEST

struct bad_case {
	const char *text;
	const char *expect; /* substring of the error */
};

START_TEST(test_malformed)
{
	static const struct bad_case cases[] = {
		{"[global]\nms_async_op_threads 3\n", "test.conf:2: expected 'key = value'"},
		{"[global\n", "test.conf:1: section header without closing ']'"},
		{"[frobnicator]\n", "unknown section [frobnicator]"},
		{"[]\n", "empty section"},
		{"[osd.x]\n", "bad section name"},
		{"[global] junk\n", "unexpected text"},
		{"[global]\nms_async_op_threads = 1000\n", "test.conf:2: option 'ms_async_op_threads': 1000 is out of range"},
		{"[global]\nms_async_op_threads = abc\n", "'abc' is not an integer"},
		{"[global]\nms_max_frame_size = 12Q\n", "ms_max_frame_size"},
		{"[global]\nms_max_frame_size = 1\n", "out of range"},
		{"[global]\nosd_heartbeat_grace = soon\n", "not a duration"},
		{"[global]\nms_tcp_nodelay = perhaps\n", "not a boolean"},
		{"[global]\nmon_osd_full_ratio = 1.5\n", "out of range"},
		{"[global]\nmon_host = 1.2.3.4:99999\n", "mon_host"},
		{"[global]\ndebug_ms = loud\n", "not a log level"},
		{"[global]\nrun_dir = \"/unterminated\n", "unterminated quoted value"},
		{"[global]\nrun_dir = \"/x\" tail\n", "unexpected text after quoted value"},
		{"[global]\n = 3\n", "option name"},
		{"[global]\nrun_dir = \xff\xfe\n", "test.conf:2: invalid UTF-8 at column 11"},
		{"[global]\nrun_dir = \xc0\xaf\n", "invalid UTF-8"},
		{"[osd.2]\nms_async_op_threads = zero\n", "not an integer"}, /* other entity, still checked */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfg *c = make("client.admin");
		char err[256] = "";
		int rc = parse(c, cases[i].text, err, sizeof(err));
		ck_assert_msg(rc == -EINVAL, "case %zu: rc %d", i, rc);
		ck_assert_msg(strstr(err, cases[i].expect), "case %zu: got '%s'", i, err);
		cfg_destroy(c);
	}
}
END_TEST

/* A file with an error changes nothing, even options set before the error. */
START_TEST(test_error_is_atomic)
{
	char err[256];
	struct cfg *c = make("client.admin");
	ck_assert_int_eq(parse(c, "[global]\nms_async_op_threads = 4\nbroken line\n", err,
			       sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(cfg_int(c, CFG_ms_async_op_threads), 2);
	ck_assert_int_eq(cfg_level_of(c, CFG_ms_async_op_threads), CFG_LVL_DEFAULT);
	cfg_destroy(c);
}
END_TEST

START_TEST(test_nul_and_huge_lines)
{
	char err[256];
	struct cfg *c = make("client.admin");
	const char nul[] = "[global]\nrun_dir = a\0b\n";
	ck_assert_int_eq(cfg_parse_text(c, nul, sizeof(nul) - 1, "n.conf", err, sizeof(err)),
			 -EINVAL);
	ck_assert(strstr(err, "n.conf:2: NUL byte"));

	size_t len = 200000;
	char *huge = malloc(len + 32);
	strcpy(huge, "[global]\nrun_dir = ");
	size_t off = strlen(huge);
	memset(huge + off, 'x', len - off);
	huge[len] = '\0';
	ck_assert_int_eq(parse(c, huge, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "line longer than"));
	free(huge);

	/* A last line without a newline is fine. */
	ck_assert_int_eq(parse(c, "[global]\nfsid = x", err, sizeof(err)), 0);
	cfg_destroy(c);
}
END_TEST

START_TEST(test_parse_file)
{
	char err[256];
	char path[] = "/tmp/cairn-cfg-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char *text = "[global]\nfsid = 1234\n[client.admin]\nms_async_op_threads = 1\n";
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	struct cfg *c = make("client.admin");
	ck_assert_int_eq(cfg_parse_file(c, path, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg_int(c, CFG_ms_async_op_threads), 1);
	unlink(path);
	ck_assert_int_eq(cfg_parse_file(c, path, err, sizeof(err)), -ENOENT);
	ck_assert(strstr(err, path));
	cfg_destroy(c);
}
END_TEST

static int observed;
static void observer(void *arg, enum cfg_id id)
{
	ck_assert_int_eq(id, CFG_ms_async_op_threads);
	(*(int *)arg)++;
}

START_TEST(test_observers_and_logging)
{
	char err[256];
	struct cfg *c = make("client.admin");
	observed = 0;
	ck_assert_int_eq(cfg_observe(c, CFG_ms_async_op_threads, observer, &observed), 0);
	ck_assert_int_eq(cfg_set(c, "ms_async_op_threads", "3", CFG_LVL_RUNTIME, err, sizeof(err)),
			 0);
	ck_assert_int_eq(cfg_set(c, "fsid", "x", CFG_LVL_RUNTIME, err, sizeof(err)), 0);
	ck_assert_int_eq(observed, 1);

	ck_assert_int_eq(cfg_apply_logging(c), 0);
	ck_assert_int_eq(cfg_set(c, "debug ms", "15/20", CFG_LVL_RUNTIME, err, sizeof(err)), 0);
	ck_assert_int_eq(log_get_level(LOG_MS), 15);
	ck_assert_int_eq(cfg_set(c, "debug_ms", "x", CFG_LVL_RUNTIME, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(log_get_level(LOG_MS), 15);
	ck_assert_int_eq(cfg_set(c, "nope", "1", CFG_LVL_RUNTIME, err, sizeof(err)), -ENOENT);

	struct buf b = BUF_INIT;
	ck_assert_int_eq(cfg_dump(c, &b), 0);
	ck_assert(strstr(buf_cstr(&b), "ms_async_op_threads = 3\n"));
	ck_assert(strstr(buf_cstr(&b), "debug_ms = 15/20\n"));
	buf_fini(&b);
	cfg_destroy(c);
}
END_TEST

/*
 * Fuzz the parser briefly: mutate a valid file at random (byte flips,
 * insertions of syntax characters and high bytes, truncation) and check
 * the parser either accepts or reports a located error, never crashing.
 * Sanitizer builds turn any memory error into a failure.
 */
START_TEST(test_fuzz_parser)
{
	static const char base[] = "[global]\nfsid = 42\nmon_host = 127.0.0.1:6789,[::1]:1\n"
				   "[osd]\nosd heartbeat grace = 20s\n[osd.1]\n"
				   "ms_async_op_threads = 2 ; c\nrun_dir = \"/x y\"\\\n z\n";
	static const char alphabet[] = "[]=\"\\#;\n\r\t .$:{},0a\xff\xc3\x80";
	unsigned seed = 0xC0FFEE;
	char buf[512];
	int accepted = 0, rejected = 0;

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = sizeof(base) - 1;
		memcpy(buf, base, len);
		int edits = 1 + rand_r(&seed) % 6;
		for (int e = 0; e < edits; e++) {
			size_t pos = (size_t)rand_r(&seed) % (len + 1);
			switch (rand_r(&seed) % 4) {
			case 0:
				if (pos < len)
					buf[pos] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
				break;
			case 1:
				if (len + 1 < sizeof(buf)) {
					memmove(buf + pos + 1, buf + pos, len - pos);
					buf[pos] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
					len++;
				}
				break;
			case 2:
				len = pos;
				break;
			default:
				if (pos < len)
					buf[pos] = (char)rand_r(&seed);
				break;
			}
		}
		struct cfg *c = make("osd.1");
		char err[256] = "";
		int rc = cfg_parse_text(c, buf, len, "fuzz.conf", err, sizeof(err));
		if (rc == 0) {
			accepted++;
		} else {
			ck_assert_int_eq(rc, -EINVAL);
			ck_assert_msg(strncmp(err, "fuzz.conf:", 10) == 0, "unlocated error '%s'",
				      err);
			rejected++;
		}
		cfg_destroy(c);
	}
	ck_assert_int_gt(accepted, 100);
	ck_assert_int_gt(rejected, 100);
}
END_TEST

/* Other entities' sections stay readable (monitors read every [mon.X]). */
START_TEST(test_file_sections)
{
	char err[256];
	struct cfg *c = make("client.admin");
	ck_assert_int_eq(parse(c,
			       "[global]\nmon_host = 1.1.1.1:1\n[mon.b]\nmon addr = 2.2.2.2:2\n"
			       "[mon.a]\nmon_addr = 1.1.1.1:1\nmon weight = 5\n[osd.1]\nx = 1\n"
			       "[mon.b]\nmon_weight = 3\n",
			       err, sizeof(err)),
			 0);
	char **names;
	size_t n;
	ck_assert_int_eq(cfg_file_sections(c, "mon", &names, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "mon.b");
	ck_assert_str_eq(names[1], "mon.a");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	char buf[64];
	ck_assert_int_eq(cfg_file_value(c, "mon.b", "mon_addr", buf, sizeof(buf)), 9);
	ck_assert_str_eq(buf, "2.2.2.2:2");
	ck_assert_int_eq(cfg_file_value(c, "mon.b", "mon-weight", buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "3");
	ck_assert_int_eq(cfg_file_value(c, "mon.c", "mon_addr", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(cfg_file_value(c, "mon.a", "mon_addr", buf, 3), -ENAMETOOLONG);
	/* Our own values are unaffected by other entities' sections. */
	ck_assert_int_eq(cfg_int(c, CFG_mon_weight), 0);
	cfg_destroy(c);
}
END_TEST

static Suite *cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("types");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_value_parsers);
	tcase_add_test(tc, test_every_type_from_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("precedence");
	tcase_add_test(tc, test_section_specificity);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_argv_special);
	tcase_add_test(tc, test_conf_path_default);
	tcase_add_test(tc, test_metavariables);
	tcase_add_test(tc, test_observers_and_logging);
	suite_add_tcase(s, tc);
	tc = tcase_create("syntax");
	tcase_add_test(tc, test_syntax);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_error_is_atomic);
	tcase_add_test(tc, test_nul_and_huge_lines);
	tcase_add_test(tc, test_parse_file);
	tcase_add_test(tc, test_file_sections);
	suite_add_tcase(s, tc);
	tc = tcase_create("fuzz");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_fuzz_parser);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(cfg_suite)
