/*
 * monmap.c - the monitor map.  See monmap.h.
 */
#include "monmap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "compiler.h"
#include "crc32c.h"
#include "enc.h"

#define MONMAP_MAGIC 0x50414d4du /* "MMAP" little-endian */
#define MONMAP_V 1

static void set_err(char *err, size_t errlen, const char *fmt, ...) CAIRN_PRINTF(3, 4);
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int monmap_rank_by_name(const struct monmap *m, const char *name)
{
	for (uint32_t i = 0; i < m->n; i++)
		if (strcmp(m->mons[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

int monmap_rank_by_addr(const struct monmap *m, const struct net_addr *addr)
{
	for (uint32_t i = 0; i < m->n; i++)
		if (addr_equal(&m->mons[i].addr, addr))
			return (int)i;
	return -ENOENT;
}

/* Names and weights from the [mon.X] sections; section order. */
struct named {
	char name[ENT_ID_MAX + 1];
	bool has_addr;
	struct net_addr addr;
	uint32_t weight;
	bool used;
};

static int read_sections(const struct cfg *c, struct named *out, size_t *out_n, char *err,
			 size_t errlen)
{
	char **secs;
	size_t n;
	int rc = cfg_file_sections(c, "mon", &secs, &n);
	if (rc)
		return rc;
	size_t o = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (o == MONMAP_MAX_MONS) {
			set_err(err, errlen, "more than %d [mon.X] sections", MONMAP_MAX_MONS);
			rc = -EINVAL;
			break;
		}
		struct named *nm = &out[o];
		memset(nm, 0, sizeof(*nm));
		snprintf(nm->name, sizeof(nm->name), "%s", secs[i] + 4);
		char val[256];
		if (cfg_file_value(c, secs[i], "mon_addr", val, sizeof(val)) >= 0) {
			if (addr_parse(val, MONMAP_DEFAULT_PORT, &nm->addr) != 0) {
				set_err(err, errlen, "[%s] mon_addr '%s' is not an ip:port address",
					secs[i], val);
				rc = -EINVAL;
				break;
			}
			nm->has_addr = true;
		}
		if (cfg_file_value(c, secs[i], "mon_weight", val, sizeof(val)) >= 0) {
			char *end;
			unsigned long w = strtoul(val, &end, 10);
			if (end == val || *end || w > 65535) {
				set_err(err, errlen, "[%s] mon_weight '%s' is not 0..65535", secs[i],
					val);
				rc = -EINVAL;
				break;
			}
			nm->weight = (uint32_t)w;
		}
		o++;
	}
	for (size_t i = 0; i < n; i++)
		free(secs[i]);
	free(secs);
	*out_n = o;
	return rc;
}

/* The next name in a, b, ..., z, a1, b1, ... not used in @m. */
static void next_free_name(const struct monmap *m, char *out, size_t size)
{
	char name[16];
	for (unsigned k = 0;; k++) {
		if (k < 26)
			snprintf(name, sizeof(name), "%c", 'a' + k);
		else
			snprintf(name, sizeof(name), "%c%u", 'a' + k % 26, k / 26);
		if (monmap_rank_by_name(m, name) < 0) {
			snprintf(out, size, "%s", name);
			return;
		}
	}
}

static int check_unique(const struct monmap *m, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < m->n; i++) {
		for (uint32_t j = 0; j < i; j++) {
			if (strcmp(m->mons[i].name, m->mons[j].name) == 0) {
				set_err(err, errlen, "two monitors are named %s", m->mons[i].name);
				return -EINVAL;
			}
			if (addr_equal(&m->mons[i].addr, &m->mons[j].addr)) {
				char a[NET_ADDR_STRLEN];
				addr_format(&m->mons[i].addr, a, sizeof(a));
				set_err(err, errlen, "two monitors have the address %s", a);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int monmap_from_cfg(const struct cfg *c, const uint8_t fsid[16], struct monmap *out, char *err,
		    size_t errlen)
{
	struct monmap m;
	memset(&m, 0, sizeof(m));
	memcpy(m.fsid, fsid, 16);
	m.epoch = 1;

	struct named named[MONMAP_MAX_MONS];
	size_t nnamed = 0;
	int rc = read_sections(c, named, &nnamed, err, errlen);
	if (rc)
		return rc;
	struct net_addr *hosts;
	size_t nhosts;
	rc = cfg_addrs(c, CFG_mon_host, &hosts, &nhosts);
	if (rc)
		return rc;
	if (nhosts > MONMAP_MAX_MONS) {
		set_err(err, errlen, "mon_host lists %zu monitors; at most %d", nhosts,
			MONMAP_MAX_MONS);
		free(hosts);
		return -EINVAL;
	}
	for (size_t i = 0; i < nhosts; i++) {
		struct monmap_mon *mon = &m.mons[m.n++];
		mon->addr = hosts[i];
		if (addr_port(&mon->addr) == 0)
			addr_set_port(&mon->addr, MONMAP_DEFAULT_PORT);
		for (size_t k = 0; k < nnamed; k++) {
			if (named[k].has_addr && !named[k].used &&
			    addr_equal(&named[k].addr, &mon->addr)) {
				named[k].used = true;
				memcpy(mon->name, named[k].name, sizeof(mon->name));
				mon->weight = named[k].weight;
				break;
			}
		}
	}
	free(hosts);
	if (m.n == 0) {
		/* No mon_host: the sections with addresses are the map. */
		for (size_t k = 0; k < nnamed; k++) {
			if (!named[k].has_addr)
				continue;
			struct monmap_mon *mon = &m.mons[m.n++];
			mon->addr = named[k].addr;
			mon->weight = named[k].weight;
			memcpy(mon->name, named[k].name, sizeof(mon->name));
		}
	}
	if (m.n == 0) {
		set_err(err, errlen, "no monitors: set mon_host (or [mon.X] sections with mon_addr)");
		return -EINVAL;
	}
	for (size_t k = 0; k < nnamed; k++) {
		if (named[k].has_addr && nhosts > 0 && !named[k].used) {
			set_err(err, errlen, "[mon.%s] mon_addr is not listed in mon_host",
				named[k].name);
			return -EINVAL;
		}
	}
	for (uint32_t i = 0; i < m.n; i++)
		if (m.mons[i].name[0] == '\0')
			next_free_name(&m, m.mons[i].name, sizeof(m.mons[i].name));
	rc = check_unique(&m, err, errlen);
	if (rc)
		return rc;
	*out = m;
	return 0;
}

/* ---- encoding ------------------------------------------------------------ */

int monmap_encode(const struct monmap *m, struct buf *out)
{
	struct buf b = BUF_INIT;
	uint8_t tmp[8];
	int rc = 0;
#define PUT(p, n)                                                                                  \
	do {                                                                                       \
		if (!rc)                                                                           \
			rc = buf_append(&b, (p), (n));                                             \
	} while (0)
	enc_put_le32(tmp, MONMAP_MAGIC);
	PUT(tmp, 4);
	tmp[0] = MONMAP_V;
	tmp[1] = MONMAP_V; /* compat */
	PUT(tmp, 2);
	PUT(m->fsid, 16);
	enc_put_le32(tmp, m->epoch);
	PUT(tmp, 4);
	enc_put_le64(tmp, m->created);
	PUT(tmp, 8);
	enc_put_le64(tmp, m->modified);
	PUT(tmp, 8);
	enc_put_le32(tmp, m->n);
	PUT(tmp, 4);
	for (uint32_t i = 0; i < m->n && i < MONMAP_MAX_MONS; i++) {
		const struct monmap_mon *mon = &m->mons[i];
		char addr[NET_ADDR_STRLEN];
		size_t nlen = strlen(mon->name);
		tmp[0] = (uint8_t)nlen;
		PUT(tmp, 1);
		PUT(mon->name, nlen);
		addr_format(&mon->addr, addr, sizeof(addr));
		tmp[0] = (uint8_t)strlen(addr);
		PUT(tmp, 1);
		PUT(addr, strlen(addr));
		enc_put_le32(tmp, mon->weight);
		PUT(tmp, 4);
	}
	enc_put_le32(tmp, rc ? 0 : crc32c(0, b.data, b.len));
	PUT(tmp, 4);
#undef PUT
	if (!rc)
		rc = buf_append(out, b.data, b.len);
	buf_fini(&b);
	return rc;
}

static int read_short_str(struct enc_rd *r, char *out, size_t size)
{
	uint8_t n;
	const uint8_t *p;
	if (enc_rd_u8(r, &n) || n >= size || enc_rd_ref(r, n, &p))
		return -EINVAL;
	memcpy(out, p, n);
	out[n] = '\0';
	return memchr(out, '\0', n) ? -EINVAL : 0;
}

int monmap_decode(const uint8_t *data, size_t len, struct monmap *out, char *err, size_t errlen)
{
	struct monmap m;
	struct enc_rd r;
	uint32_t magic, n;
	uint8_t v, compat;
	memset(&m, 0, sizeof(m));
	if (len < 4 + 4 || crc32c(0, data, len - 4) != enc_get_le32(data + len - 4)) {
		set_err(err, errlen, "monmap: truncated or checksum mismatch");
		return -EINVAL;
	}
	enc_rd_init(&r, data, len - 4);
	if (enc_rd_le32(&r, &magic) || magic != MONMAP_MAGIC || enc_rd_u8(&r, &v) ||
	    enc_rd_u8(&r, &compat) || compat > MONMAP_V) {
		set_err(err, errlen, "monmap: bad magic or unsupported version");
		return -EINVAL;
	}
	if (enc_rd_bytes(&r, m.fsid, 16) || enc_rd_le32(&r, &m.epoch) ||
	    enc_rd_le64(&r, &m.created) || enc_rd_le64(&r, &m.modified) || enc_rd_le32(&r, &n) ||
	    n == 0 || n > MONMAP_MAX_MONS) {
		set_err(err, errlen, "monmap: bad header");
		return -EINVAL;
	}
	m.n = n;
	for (uint32_t i = 0; i < n; i++) {
		char addr[NET_ADDR_STRLEN];
		if (read_short_str(&r, m.mons[i].name, sizeof(m.mons[i].name)) ||
		    read_short_str(&r, addr, sizeof(addr)) ||
		    addr_parse(addr, MONMAP_DEFAULT_PORT, &m.mons[i].addr) ||
		    enc_rd_le32(&r, &m.mons[i].weight) || m.mons[i].name[0] == '\0') {
			set_err(err, errlen, "monmap: bad entry for rank %u", i);
			return -EINVAL;
		}
	}
	int rc = check_unique(&m, err, errlen);
	if (rc)
		return rc;
	*out = m;
	return 0;
}
