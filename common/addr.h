/*
 * addr.h - entity names ("osd.3", "mon.a", "client.admin") and network
 * addresses ("127.0.0.1:6789", "[::1]:6789").
 *
 * Both are small value types, defined here so they can live on the stack
 * and inside other structs.
 */
#ifndef CAIRN_ADDR_H
#define CAIRN_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Entity types.  The values match Ceph's CEPH_ENTITY_TYPE_* bits. */
enum ent_type {
	ENT_TYPE_MON = 0x01,
	ENT_TYPE_MDS = 0x02,
	ENT_TYPE_OSD = 0x04,
	ENT_TYPE_CLIENT = 0x08,
	ENT_TYPE_MGR = 0x10,
};

#define ENT_ID_MAX 63

struct ent_name {
	enum ent_type type;
	char id[ENT_ID_MAX + 1]; /* "a", "3", "admin"; never empty */
};

/* Longest formatted name: "client." + id + NUL. */
#define ENT_NAME_STRLEN (7 + ENT_ID_MAX + 1)

/* "mon", "osd", ... or NULL for an unknown value. */
const char *ent_type_name(enum ent_type type);
/* Parse "mon", "osd", "client", "mgr", "mds".  0 or -EINVAL. */
int ent_type_parse(const char *s, size_t len, enum ent_type *out);

/*
 * Parse "TYPE.ID".  The id is 1..ENT_ID_MAX printable, non-space
 * characters (it may itself contain dots, as in "client.rgw.gw1"); an OSD
 * id must be a decimal number without leading zeros.  0 or -EINVAL.
 */
int ent_name_parse(const char *s, struct ent_name *out);
/* Build a name from parts; -EINVAL if @id is not valid for @type. */
int ent_name_make(enum ent_type type, const char *id, struct ent_name *out);
/* Write "TYPE.ID" into @buf.  Returns the length or -ERANGE. */
int ent_name_format(const struct ent_name *n, char *buf, size_t size);
bool ent_name_equal(const struct ent_name *a, const struct ent_name *b);
/* The OSD number of an "osd.N" name, or -EINVAL. */
int ent_name_osd_id(const struct ent_name *n);

/* An IPv4 or IPv6 socket address. */
struct net_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_storage ss;
	} u;
};

/* Longest formatted address: "[" + INET6_ADDRSTRLEN + "]:65535". */
#define NET_ADDR_STRLEN 64

/*
 * Parse one address: "1.2.3.4:6789", "1.2.3.4", "[::1]:6789", "[::1]",
 * "::1" (a bare IPv6 address takes no port).  Ceph's "v1:"/"v2:" prefixes
 * and a trailing "/NONCE" are accepted and ignored.  A missing port becomes
 * @default_port.  Only numeric addresses: no name lookups.  0 or -EINVAL.
 */
int addr_parse(const char *s, uint16_t default_port, struct net_addr *out);
/*
 * Parse a list separated by commas, semicolons or whitespace, as mon_host
 * is written.  A bracketed group of one monitor's addresses
 * ("[v2:1.2.3.4:3300,v1:1.2.3.4:6789]") counts as one entry: its v1 address
 * when it has one (Cairn speaks one protocol on one port), else its first.
 * Writes at most @max entries; returns the number of entries found (which
 * may exceed @max: the caller then retries with room), or -EINVAL.
 */
int addr_list_parse(const char *s, uint16_t default_port, struct net_addr *out, size_t max);
/* "1.2.3.4:6789" or "[::1]:6789".  Returns the length or -ERANGE. */
int addr_format(const struct net_addr *a, char *buf, size_t size);
uint16_t addr_port(const struct net_addr *a);
void addr_set_port(struct net_addr *a, uint16_t port);
socklen_t addr_len(const struct net_addr *a);
int addr_family(const struct net_addr *a);
bool addr_equal(const struct net_addr *a, const struct net_addr *b);
/* Fill @out from a sockaddr (as returned by accept/getsockname).  0 or -EINVAL. */
int addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct net_addr *out);

#endif
