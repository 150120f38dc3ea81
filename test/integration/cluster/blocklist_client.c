/*
 * blocklist_client.c - client fencing through librados on a real cluster
 * (test_cluster_blocklist.sh starts the cluster):
 *
 *   blocklist_client CONF POOL NOSD
 *
 * Client A writes; client B blocklists A's address as rados_getaddrs
 * printed it; A's next op fails with -108 (EBLOCKLISTED) while B and a new
 * client go on; after `osd blocklist rm` the same handle A works again, as
 * in Ceph (the OSDs check every op against their current map; librados
 * keeps no "fenced" state).  Then an entry with a short expiry stops
 * matching once it expires, before the monitors drop it.
 *
 * "The OSDs have the map" is made certain two ways, as fencing is used:
 * B's own op to the object carries B's newer epoch, so the primary of that
 * PG catches up before it answers A again (Ceph's fencing argument); and,
 * for ops elsewhere, B waits until every OSD reports the epoch.
 *
 * Prints progress; exits 0 on success, 1 with a message otherwise.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rados/librados.h>

#define EBLOCKLISTED ESHUTDOWN /* Ceph's value: 108 */

static const char *conf;
static const char *pool;
static int nosd;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stdout, "FAIL: ");
	vfprintf(stdout, fmt, ap);
	fprintf(stdout, "\n");
	va_end(ap);
	fflush(stdout);
	exit(1);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	fprintf(stdout, "\n");
	va_end(ap);
	fflush(stdout);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct client {
	const char *name;
	rados_t c;
	rados_ioctx_t io;
};

static void connect_client(struct client *cl, const char *name)
{
	cl->name = name;
	if (rados_create2(&cl->c, "ceph", "client.admin", 0) || rados_conf_read_file(cl->c, conf) ||
	    rados_conf_set(cl->c, "rados_osd_op_timeout", "60") || rados_connect(cl->c))
		fail("client %s cannot connect", name);
	int rc = rados_ioctx_create(cl->c, pool, &cl->io);
	if (rc)
		fail("client %s: ioctx for %s: %d", name, pool, rc);
}

static void shutdown_client(struct client *cl)
{
	rados_ioctx_destroy(cl->io);
	rados_shutdown(cl->c);
}

static int put(struct client *cl, const char *oid, const char *data)
{
	return rados_write_full(cl->io, oid, data, strlen(data));
}

static void put_ok(struct client *cl, const char *oid, const char *data)
{
	int rc = put(cl, oid, data);
	if (rc)
		fail("client %s: write of %s: %d (%s)", cl->name, oid, rc, strerror(-rc));
}

static void get_is(struct client *cl, const char *oid, const char *want)
{
	char buf[256];
	int rc = rados_read(cl->io, oid, buf, sizeof(buf) - 1, 0);
	if (rc < 0)
		fail("client %s: read of %s: %d (%s)", cl->name, oid, rc, strerror(-rc));
	buf[rc] = '\0';
	if (strcmp(buf, want) != 0)
		fail("client %s: %s holds '%s', not '%s'", cl->name, oid, buf, want);
}

static void fenced(struct client *cl, const char *oid)
{
	int rc = put(cl, oid, "from a fenced client");
	if (rc != -EBLOCKLISTED)
		fail("client %s: write of %s gave %d, not -%d", cl->name, oid, rc, EBLOCKLISTED);
	char buf[16];
	rc = rados_read(cl->io, oid, buf, sizeof(buf), 0);
	if (rc != -EBLOCKLISTED)
		fail("client %s: read of %s gave %d, not -%d", cl->name, oid, rc, EBLOCKLISTED);
}

/* A monitor command; its status line into @outs (may be NULL).  Returns rc. */
static int mon(struct client *cl, const char *cmd, char **out, char **outs)
{
	const char *v[1] = {cmd};
	char *o = NULL, *s = NULL;
	size_t ol = 0, sl = 0;
	int rc = rados_mon_command(cl->c, v, 1, "", 0, &o, &ol, &s, &sl);
	if (out)
		*out = o ? strndup(o, ol) : strdup("");
	if (outs)
		*outs = s ? strndup(s, sl) : strdup("");
	rados_buffer_free(o);
	rados_buffer_free(s);
	return rc;
}

/* A number after "KEY": in a JSON text, or -1. */
static long json_num(const char *text, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(text, pat);
	return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* Wait until every OSD holds the monitors' current map. */
static void wait_osds_current(struct client *cl)
{
	char *out;
	if (mon(cl, "{\"prefix\":\"osd stat\",\"format\":\"json\"}", &out, NULL))
		fail("osd stat");
	long epoch = json_num(out, "epoch");
	free(out);
	double end = now_s() + 60;
	for (int i = 0; i < nosd; i++) {
		for (;;) {
			const char *v[1] = {"{\"prefix\":\"status\"}"};
			char *o = NULL;
			size_t ol = 0;
			int rc = rados_osd_command(cl->c, i, v, 1, "", 0, &o, &ol, NULL, NULL);
			char *text = o ? strndup(o, ol) : NULL;
			rados_buffer_free(o);
			long have = rc == 0 && text ? json_num(text, "newest_map") : -1;
			free(text);
			if (have >= epoch)
				break;
			if (now_s() > end)
				fail("osd.%d still at epoch %ld, not %ld", i, have, epoch);
			usleep(50000);
		}
	}
	say("every OSD holds epoch %ld", epoch);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: blocklist_client CONF POOL NOSD\n");
		return 2;
	}
	conf = argv[1];
	pool = argv[2];
	nosd = atoi(argv[3]);
	struct client a, b, c, d;
	connect_client(&a, "A");
	connect_client(&b, "B");
	put_ok(&a, "fence", "A before");
	get_is(&b, "fence", "A before");

	/* A's address, as Ceph prints a client's: the nonce is the instance id. */
	char *addrs = NULL;
	if (rados_getaddrs(a.c, &addrs) || !addrs)
		fail("rados_getaddrs");
	char want[64];
	snprintf(want, sizeof(want), "v2:0.0.0.0:0/%" PRIu64, rados_get_instance_id(a.c));
	if (strcmp(addrs, want) != 0)
		fail("rados_getaddrs says '%s', not '%s'", addrs, want);
	say("A is %s", addrs);

	char bad[] = "not-an-address";
	int rc = rados_blocklist_add(b.c, bad, 0);
	if (rc != -EINVAL)
		fail("blocklisting '%s' gave %d, not -EINVAL", bad, rc);

	/* B fences A (default expiry: an hour). */
	rc = rados_blocklist_add(b.c, addrs, 0);
	if (rc)
		fail("rados_blocklist_add(%s): %d", addrs, rc);
	char *out, *outs;
	if (mon(&b, "{\"prefix\":\"osd blocklist ls\",\"format\":\"json\"}", &out, &outs))
		fail("osd blocklist ls");
	char entry[96];
	snprintf(entry, sizeof(entry), "\"addr\":\"0.0.0.0:0/%" PRIu64 "\"",
		 rados_get_instance_id(a.c));
	if (!strstr(out, entry) || !strstr(outs, "listed"))
		fail("osd blocklist ls: '%s' / '%s' lacks %s", out, outs, entry);
	free(out);
	free(outs);
	/* B's write carries the new epoch: that PG's primary has the entry before A is served. */
	put_ok(&b, "fence", "B took over");
	fenced(&a, "fence");
	say("A fenced on the object B took over: -%d", EBLOCKLISTED);
	wait_osds_current(&b);
	for (int i = 0; i < 12; i++) {
		char oid[32];
		snprintf(oid, sizeof(oid), "fence.%d", i);
		fenced(&a, oid);
	}
	say("A fenced on every OSD (12 objects)");

	/* B and a new client work; A's fencing did not touch the data. */
	get_is(&b, "fence", "B took over");
	put_ok(&b, "other", "B still works");
	connect_client(&c, "C");
	put_ok(&c, "fresh", "C works");
	get_is(&c, "other", "B still works");
	get_is(&c, "fence", "B took over");
	shutdown_client(&c);
	say("B and a new client C work");

	/* Un-blocklisted, the same handle works again (Ceph keeps no fenced state in librados). */
	char cmd[256];
	snprintf(cmd, sizeof(cmd),
		 "{\"prefix\":\"osd blocklist\",\"blocklistop\":\"rm\",\"addr\":\"%s\"}", addrs);
	rc = mon(&b, cmd, NULL, &outs);
	if (rc || strncmp(outs, "un-blocklisting 0.0.0.0:0/", 26) != 0)
		fail("osd blocklist rm: %d '%s'", rc, outs);
	free(outs);
	rc = mon(&b, cmd, NULL, &outs);
	if (rc || !strstr(outs, "isn't blocklisted"))
		fail("second osd blocklist rm: %d '%s'", rc, outs);
	free(outs);
	if (rados_wait_for_latest_osdmap(b.c))
		fail("wait_for_latest_osdmap");
	put_ok(&b, "fence", "B again");
	wait_osds_current(&b);
	put_ok(&a, "fence", "A is back");
	get_is(&a, "fence", "A is back");
	put_ok(&a, "fence.0", "A everywhere");
	say("after rm, A works again with the same handle");

	/* An entry stops matching when it expires, whether or not the monitors dropped it. */
	connect_client(&d, "D");
	put_ok(&d, "dee", "D before");
	free(addrs);
	if (rados_getaddrs(d.c, &addrs))
		fail("rados_getaddrs D");
	double t0 = now_s();
	rc = rados_blocklist_add(b.c, addrs, 6);
	if (rc)
		fail("rados_blocklist_add(%s, 6): %d", addrs, rc);
	put_ok(&b, "dee", "B over D");
	rc = put(&d, "dee", "D fenced?");
	double took = now_s() - t0;
	if (took < 5 && rc != -EBLOCKLISTED)
		fail("D's write %.1f s after a 6 s blocklisting gave %d", took, rc);
	if (took < 5)
		say("D fenced for 6 s (%.1f s in)", took);
	else
		say("(the cluster took %.1f s to fence D; the fenced write was not checked)", took);
	while (now_s() < t0 + 7)
		usleep(100000);
	put_ok(&d, "dee", "D after expiry");
	get_is(&d, "dee", "D after expiry");
	say("D works once its entry expired");
	shutdown_client(&d);
	free(addrs);
	shutdown_client(&a);
	shutdown_client(&b);
	say("OK");
	return 0;
}
