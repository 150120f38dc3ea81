/*
 * rados_client.c - librados cluster handles: create, configure, connect,
 * monitor commands, shut down.  The API boundary: every function converts
 * its rados_t once to struct rados__client.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rados/librados.h>

#include "common/clk.h"
#include "common/log.h"
#include "common/uuid.h"
#include "rados_int.h"

static struct rados__client *client_of(rados_t cluster)
{
	return (struct rados__client *)cluster;
}

static int client_new(const struct ent_name *name, rados_t *out)
{
	struct rados__client *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->name = *name;
	c->cfg = cfg_create(name);
	if (!c->cfg) {
		free(c);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &ca);
	pthread_condattr_destroy(&ca);
	c->cur_mon = -1;
	/* Library clients log nothing to stderr unless asked. */
	cfg_set(c->cfg, "log_to_stderr", "false", CFG_LVL_DEFAULT, NULL, 0);
	*out = c;
	return 0;
}

int rados_create(rados_t *cluster, const char *const id)
{
	struct ent_name n;
	if (!cluster || ent_name_make(ENT_TYPE_CLIENT, id ? id : "admin", &n) != 0)
		return -EINVAL;
	return client_new(&n, cluster);
}

int rados_create2(rados_t *pcluster, const char *const clustername, const char *const name,
		  uint64_t flags)
{
	struct ent_name n;
	if (!pcluster)
		return -EINVAL;
	if (ent_name_parse(name ? name : "client.admin", &n) != 0)
		return -EINVAL;
	int rc = client_new(&n, pcluster);
	if (!rc && clustername && *clustername)
		cfg_set(client_of(*pcluster)->cfg, "cluster", clustername, CFG_LVL_ARGV, NULL, 0);
	return rc;
}

/* ---- configuration ------------------------------------------------------------------ */

static int read_one(struct rados__client *c, const char *path)
{
	char err[256];
	int rc = cfg_parse_file(c->cfg, path, err, sizeof(err));
	if (rc && rc != -ENOENT)
		log_err(LOG_RADOS, "%s", err);
	return rc;
}

int rados_conf_read_file(rados_t cluster, const char *path)
{
	struct rados__client *c = client_of(cluster);
	if (!c)
		return -EINVAL;
	char *list = NULL;
	if (path)
		list = strdup(path);
	else if (getenv("CEPH_CONF") && *getenv("CEPH_CONF"))
		list = strdup(getenv("CEPH_CONF"));
	else {
		/* The default search: /etc/ceph, ~/.ceph, the working directory. */
		char cl[64] = "ceph";
		cfg_get(c->cfg, "cluster", cl, sizeof(cl));
		const char *home = getenv("HOME");
		size_t n = strlen(cl) * 3 + (home ? strlen(home) : 0) + 64;
		list = malloc(n);
		if (list)
			snprintf(list, n, "/etc/ceph/%s.conf,%s/.ceph/%s.conf,./%s.conf", cl,
				 home ? home : "", cl, cl);
	}
	if (!list)
		return -ENOMEM;
	int rc = -ENOENT;
	char *save;
	for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ')
			p++;
		rc = read_one(c, p);
		if (rc != -ENOENT)
			break; /* the first readable file is the one */
	}
	free(list);
	if (!rc)
		cfg_apply_logging(c->cfg);
	return rc;
}

/* Options a connected client cannot change. */
static bool fixed_after_connect(const char *option)
{
	static const char *const fixed[] = {"mon_host", "fsid", "cluster", "keyring",
					    "auth_client_required"};
	int id = cfg_lookup(option);
	for (size_t i = 0; id >= 0 && i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (cfg_lookup(fixed[i]) == id)
			return true;
	return false;
}

int rados_conf_set(rados_t cluster, const char *option, const char *value)
{
	struct rados__client *c = client_of(cluster);
	if (!c || !option || !value)
		return -EINVAL;
	if (c->connected && fixed_after_connect(option))
		return -EPERM;
	int rc = cfg_set(c->cfg, option, value, CFG_LVL_RUNTIME, NULL, 0);
	return rc;
}

int rados_conf_get(rados_t cluster, const char *option, char *buf, size_t len)
{
	struct rados__client *c = client_of(cluster);
	if (!c || !option || !buf)
		return -EINVAL;
	int rc = cfg_get(c->cfg, option, buf, len);
	return rc < 0 ? rc : 0;
}

/*
 * Parse every element of @argv (none is taken for a program name); the
 * ones not consumed go to @remargv, in order, followed by NULLs (Ceph's
 * layout).  0 or -EINVAL.
 */
static int parse_args(struct rados__client *c, int argc, const char **argv, const char **remargv)
{
	if (argc < 0 || (argc && !argv))
		return -EINVAL;
	/* cfg_parse_argv keeps its argv[0]: give it a placeholder. */
	char **copy = calloc((size_t)argc + 2, sizeof(char *));
	if (!copy)
		return -ENOMEM;
	copy[0] = (char *)"";
	for (int i = 0; i < argc; i++)
		copy[i + 1] = (char *)argv[i];
	int n = argc + 1;
	char err[256];
	int rc = cfg_parse_argv(c->cfg, &n, copy, err, sizeof(err));
	if (rc)
		log_err(LOG_RADOS, "%s", err);
	for (int i = 0; !rc && remargv && i < argc; i++)
		remargv[i] = i + 1 < n ? copy[i + 1] : NULL;
	free(copy);
	return rc;
}

/* argv[0] is the program's name, as in main(); the rest is parsed. */
int rados_conf_parse_argv(rados_t cluster, int argc, const char **argv)
{
	struct rados__client *c = client_of(cluster);
	if (!c || argc < 0 || (argc && !argv))
		return -EINVAL;
	return argc ? parse_args(c, argc - 1, argv + 1, NULL) : 0;
}

int rados_conf_parse_argv_remainder(rados_t cluster, int argc, const char **argv,
				    const char **remargv)
{
	struct rados__client *c = client_of(cluster);
	return c ? parse_args(c, argc, argv, remargv) : -EINVAL;
}

int rados_conf_parse_env(rados_t cluster, const char *var)
{
	struct rados__client *c = client_of(cluster);
	if (!c)
		return -EINVAL;
	const char *env = getenv(var ? var : "CEPH_ARGS");
	if (!env || !*env)
		return 0;
	/* cfg_parse_env reads CEPH_ARGS; for another variable, parse it as argv. */
	char *dup = strdup(env);
	if (!dup)
		return -ENOMEM;
	const char *words[256];
	int n = 1;
	words[0] = "env";
	char *save;
	for (char *w = strtok_r(dup, " \t\n", &save); w && n < 256; w = strtok_r(NULL, " \t\n", &save))
		words[n++] = w;
	int rc = rados_conf_parse_argv(cluster, n, words);
	free(dup);
	return rc;
}

/* ---- connecting ----------------------------------------------------------------------- */

int rados_connect(rados_t cluster)
{
	struct rados__client *c = client_of(cluster);
	if (!c)
		return -EINVAL;
	if (c->connected)
		return -EISCONN;
	char fsbuf[64];
	if (cfg_get(c->cfg, "fsid", fsbuf, sizeof(fsbuf)) > 0 && uuid_parse(fsbuf, c->fsid) == 0)
		c->have_fsid = true;
	int rc = msg_messenger_create(c->cfg, &c->name, &c->ms);
	if (!rc)
		rc = rados__monc_register(c);
	if (!rc)
		rc = rados__objecter_register(c);
	if (!rc)
		rc = msg_start(c->ms);
	if (!rc)
		rc = rados__monc_start(c);
	if (!rc) {
		/* The client's global id: what OSDs recognise resent ops by. */
		uint8_t r[16];
		if (uuid_generate(r) == 0)
			memcpy(&c->instance_id, r, 8);
		c->instance_id &= INT64_MAX; /* printed as client.N: keep it positive */
		/* Never 0: blocklist nonce 0 means "every client of the IP". */
		if (c->instance_id == 0)
			c->instance_id = (clk_real_ns() ^ ((uint64_t)getpid() << 32)) & INT64_MAX;
		if (c->instance_id == 0)
			c->instance_id = 1;
		rc = rados__objecter_start(c);
	}
	if (rc) {
		if (c->ms) {
			rados__objecter_stop(c);
			rados__monc_stop(c);
			msg_stop(c->ms);
			msg_messenger_destroy(c->ms);
			c->ms = NULL;
		}
		c->shutting_down = false;
		return rc;
	}
	pthread_mutex_lock(&c->lock);
	c->connected = true;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

void rados_shutdown(rados_t cluster)
{
	struct rados__client *c = client_of(cluster);
	if (!c)
		return;
	if (c->ms) {
		/* Ops first (their completions run now, never after we return), then maps. */
		rados__objecter_stop(c);
		rados__monc_stop(c);
		msg_stop(c->ms);
		msg_messenger_destroy(c->ms);
	}
	osdmap_destroy(c->osdmap);
	free(c->mons);
	cfg_destroy(c->cfg);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

uint64_t rados_get_instance_id(rados_t cluster)
{
	struct rados__client *c = client_of(cluster);
	return c ? c->instance_id : 0;
}

void rados_version(int *major, int *minor, int *extra)
{
	/* The librados API version this library implements (Ceph Pacific's). */
	if (major)
		*major = LIBRADOS_VER_MAJOR;
	if (minor)
		*minor = LIBRADOS_VER_MINOR;
	if (extra)
		*extra = LIBRADOS_VER_EXTRA;
}

int rados_cluster_fsid(rados_t cluster, char *buf, size_t len)
{
	struct rados__client *c = client_of(cluster);
	if (!c || !buf)
		return -EINVAL;
	if (!c->connected)
		return -ENOTCONN;
	if (len < UUID_STRLEN)
		return -ERANGE;
	uuid_format(c->fsid, buf);
	return UUID_STRLEN - 1;
}

int rados_wait_for_latest_osdmap(rados_t cluster)
{
	struct rados__client *c = client_of(cluster);
	if (!c)
		return -EINVAL;
	if (!c->connected)
		return -ENOTCONN;
	/* Ask for the newest epoch and wait until we hold it. */
	struct buf out = BUF_INIT, outs = BUF_INIT;
	int rc = rados__monc_command(c, "{\"prefix\":\"osd stat\",\"format\":\"json\"}", NULL, 0,
				     &out, &outs, cfg_dur_ns(c->cfg, CFG_rados_mon_op_timeout));
	uint32_t epoch = 0;
	const char *e = rc == 0 && buf_cstr(&out) ? strstr(buf_cstr(&out), "\"epoch\":") : NULL;
	if (e)
		epoch = (uint32_t)strtoul(e + 8, NULL, 10);
	buf_fini(&out);
	buf_fini(&outs);
	if (rc)
		return rc;
	pthread_mutex_lock(&c->lock);
	rc = rados__monc_wait_osdmap(c, epoch, cfg_dur_ns(c->cfg, CFG_rados_mon_op_timeout));
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* ---- sharing a configuration, addresses, releases ------------------------------------ */

rados_config_t rados_cct(rados_t cluster)
{
	struct rados__client *c = client_of(cluster);
	return c ? c->cfg : NULL;
}

/*
 * A new handle with the identity and the options of the handle that @cct
 * came from (every option set above its default, at the same level).
 */
int rados_create_with_context(rados_t *cluster, rados_config_t cct)
{
	struct cfg *from = cct;
	if (!cluster || !from)
		return -EINVAL;
	struct ent_name name;
	cfg_get_entity(from, &name);
	rados_t nc = NULL;
	int rc = client_new(&name, &nc);
	char val[4096];
	for (int id = 0; !rc && id < CFG__COUNT; id++) {
		enum cfg_level lvl = cfg_level_of(from, (enum cfg_id)id);
		if (lvl == CFG_LVL_DEFAULT)
			continue;
		const char *opt = cfg_name((enum cfg_id)id);
		/* An option that cannot be copied fails the call rather than going missing. */
		rc = cfg_get(from, opt, val, sizeof(val));
		if (rc >= 0)
			rc = cfg_set(client_of(nc)->cfg, opt, val, lvl, NULL, 0);
	}
	if (rc) {
		if (nc)
			rados_shutdown(nc);
		return rc;
	}
	*cluster = nc;
	return 0;
}

/*
 * This client's address as Ceph prints a client's: it only connects out,
 * so the IP and port are unspecified; the nonce tells clients apart.  The
 * nonce is the whole instance id, the client id every op carries, so that
 * `osd blocklist add` of exactly this string fences this handle (an entry
 * with IP 0.0.0.0 matches the nonce from any IP: see osdmap.h).
 */
int rados_getaddrs(rados_t cluster, char **addrs)
{
	struct rados__client *c = client_of(cluster);
	if (!c || !addrs)
		return -EINVAL;
	if (!c->connected)
		return -ENOTCONN;
	char s[64];
	snprintf(s, sizeof(s), "v2:0.0.0.0:0/%" PRIu64, c->instance_id);
	*addrs = strdup(s);
	return *addrs ? 0 : -ENOMEM;
}

/* Cairn speaks its own protocol only: no feature-based release floors apply. */
int rados_get_min_compatible_osd(rados_t cluster, int8_t *require_osd_release)
{
	struct rados__client *c = client_of(cluster);
	if (!c || !require_osd_release)
		return -EINVAL;
	if (!c->connected)
		return -ENOTCONN;
	*require_osd_release = -1;
	return 0;
}

int rados_get_min_compatible_client(rados_t cluster, int8_t *min_compat_client,
				    int8_t *require_min_compat_client)
{
	struct rados__client *c = client_of(cluster);
	if (!c || !min_compat_client || !require_min_compat_client)
		return -EINVAL;
	if (!c->connected)
		return -ENOTCONN;
	*min_compat_client = *require_min_compat_client = -1;
	return 0;
}
