/*
 * addr.c - entity names and network addresses.  See addr.h.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

static const struct {
	enum ent_type type;
	const char *name;
} ent_types[] = {
	{ENT_TYPE_MON, "mon"}, {ENT_TYPE_MDS, "mds"},       {ENT_TYPE_OSD, "osd"},
	{ENT_TYPE_MGR, "mgr"}, {ENT_TYPE_CLIENT, "client"},
};

const char *ent_type_name(enum ent_type type)
{
	for (size_t i = 0; i < ARRAY_SIZE(ent_types); i++)
		if (ent_types[i].type == type)
			return ent_types[i].name;
	return NULL;
}

int ent_type_parse(const char *s, size_t len, enum ent_type *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(ent_types); i++) {
		if (strlen(ent_types[i].name) == len && memcmp(ent_types[i].name, s, len) == 0) {
			*out = ent_types[i].type;
			return 0;
		}
	}
	return -EINVAL;
}

static bool id_valid(enum ent_type type, const char *id)
{
	size_t len = strlen(id);
	if (len == 0 || len > ENT_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)id[i];
		if (c <= ' ' || c >= 0x7f)
			return false;
	}
	if (type == ENT_TYPE_OSD) {
		for (size_t i = 0; i < len; i++)
			if (!isdigit((unsigned char)id[i]))
				return false;
		if (len > 1 && id[0] == '0')
			return false;
		if (len > 9) /* keep it an int */
			return false;
	}
	return true;
}

int ent_name_make(enum ent_type type, const char *id, struct ent_name *out)
{
	if (!ent_type_name(type) || !id_valid(type, id))
		return -EINVAL;
	out->type = type;
	memcpy(out->id, id, strlen(id) + 1);
	return 0;
}

int ent_name_parse(const char *s, struct ent_name *out)
{
	const char *dot = strchr(s, '.');
	enum ent_type type;

	if (!dot || ent_type_parse(s, (size_t)(dot - s), &type) != 0)
		return -EINVAL;
	return ent_name_make(type, dot + 1, out);
}

int ent_name_format(const struct ent_name *n, char *buf, size_t size)
{
	const char *t = ent_type_name(n->type);
	int len = snprintf(buf, size, "%s.%s", t ? t : "unknown", n->id);
	if (len < 0 || (size_t)len >= size)
		return -ERANGE;
	return len;
}

bool ent_name_equal(const struct ent_name *a, const struct ent_name *b)
{
	return a->type == b->type && strcmp(a->id, b->id) == 0;
}

int ent_name_osd_id(const struct ent_name *n)
{
	if (n->type != ENT_TYPE_OSD || !id_valid(ENT_TYPE_OSD, n->id))
		return -EINVAL;
	return atoi(n->id);
}

/* ---- addresses -------------------------------------------------------- */

static int parse_port(const char *s, size_t len, uint16_t *out)
{
	unsigned v = 0;
	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static int parse_host(const char *s, size_t len, uint16_t port, struct net_addr *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, &out->u.in.sin_addr) == 1) {
		out->u.in.sin_family = AF_INET;
		out->u.in.sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &out->u.in6.sin6_addr) == 1) {
		out->u.in6.sin6_family = AF_INET6;
		out->u.in6.sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

/* Parse exactly @len bytes at @s as one address. */
static int parse_one(const char *s, size_t len, uint16_t default_port, struct net_addr *out)
{
	uint16_t port = default_port;

	if (len >= 3 && (memcmp(s, "v1:", 3) == 0 || memcmp(s, "v2:", 3) == 0)) {
		s += 3;
		len -= 3;
	}
	const char *slash = memchr(s, '/', len);
	if (slash) {
		for (const char *p = slash + 1; p < s + len; p++)
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
		len = (size_t)(slash - s);
	}
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (!close)
			return -EINVAL;
		size_t rest = len - (size_t)(close + 1 - s);
		if (rest > 0) {
			if (close[1] != ':' || parse_port(close + 2, rest - 1, &port) != 0)
				return -EINVAL;
		}
		int rc = parse_host(s + 1, (size_t)(close - s - 1), port, out);
		if (rc == 0 && out->u.sa.sa_family != AF_INET6)
			return -EINVAL;
		return rc;
	}
	const char *colon = memchr(s, ':', len);
	if (colon && memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)))
		return parse_host(s, len, port, out); /* bare IPv6 */
	if (colon) {
		if (parse_port(colon + 1, len - (size_t)(colon + 1 - s), &port) != 0)
			return -EINVAL;
		len = (size_t)(colon - s);
	}
	return parse_host(s, len, port, out);
}

int addr_parse(const char *s, uint16_t default_port, struct net_addr *out)
{
	return parse_one(s, strlen(s), default_port, out);
}

static bool is_sep(char c)
{
	return c == ',' || c == ';' || c == ' ' || c == '\t' || c == '\n';
}

/*
 * "[v2:...,v1:...]" is a group; "[::1]:6789" is one bracketed IPv6
 * address.  A group's brackets hold a "vN:" prefix or a comma.
 */
static bool is_group(const char *s, size_t len)
{
	if (len < 2 || s[0] != '[' || s[len - 1] != ']')
		return false;
	return memchr(s, ',', len) || (len > 4 && s[1] == 'v' && s[3] == ':');
}

static int parse_group(const char *s, size_t len, uint16_t default_port, struct net_addr *out)
{
	const char *p = s + 1, *end = s + len - 1;
	bool have = false;

	while (p < end) {
		const char *q = p;
		while (q < end && *q != ',')
			q++;
		struct net_addr a;
		if (parse_one(p, (size_t)(q - p), default_port, &a) != 0)
			return -EINVAL;
		bool v1 = (q - p) > 3 && memcmp(p, "v1:", 3) == 0;
		if (!have || v1)
			*out = a;
		have = true;
		p = q < end ? q + 1 : q;
	}
	return have ? 0 : -EINVAL;
}

int addr_list_parse(const char *s, uint16_t default_port, struct net_addr *out, size_t max)
{
	size_t n = 0;
	const char *p = s;

	for (;;) {
		while (*p && is_sep(*p))
			p++;
		if (!*p)
			break;
		const char *q = p;
		if (*p == '[') {
			/* Up to the matching ']' plus an optional ":port". */
			q = strchr(p, ']');
			if (!q)
				return -EINVAL;
			q++;
			while (*q && !is_sep(*q))
				q++;
		} else {
			while (*q && !is_sep(*q))
				q++;
		}
		struct net_addr a;
		size_t len = (size_t)(q - p);
		int rc = is_group(p, len) ? parse_group(p, len, default_port, &a)
					  : parse_one(p, len, default_port, &a);
		if (rc)
			return rc;
		if (n < max)
			out[n] = a;
		n++;
		p = q;
	}
	return n > INT32_MAX ? -EINVAL : (int)n;
}

int addr_format(const struct net_addr *a, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	int len;

	if (a->u.sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->u.in.sin_addr, host, sizeof(host));
		len = snprintf(buf, size, "%s:%u", host, ntohs(a->u.in.sin_port));
	} else if (a->u.sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->u.in6.sin6_addr, host, sizeof(host));
		len = snprintf(buf, size, "[%s]:%u", host, ntohs(a->u.in6.sin6_port));
	} else {
		len = snprintf(buf, size, "-");
	}
	if (len < 0 || (size_t)len >= size)
		return -ERANGE;
	return len;
}

uint16_t addr_port(const struct net_addr *a)
{
	if (a->u.sa.sa_family == AF_INET6)
		return ntohs(a->u.in6.sin6_port);
	return ntohs(a->u.in.sin_port);
}

void addr_set_port(struct net_addr *a, uint16_t port)
{
	if (a->u.sa.sa_family == AF_INET6)
		a->u.in6.sin6_port = htons(port);
	else
		a->u.in.sin_port = htons(port);
}

socklen_t addr_len(const struct net_addr *a)
{
	return a->u.sa.sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					     : sizeof(struct sockaddr_in);
}

int addr_family(const struct net_addr *a)
{
	return a->u.sa.sa_family;
}

bool addr_equal(const struct net_addr *a, const struct net_addr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in.sin_port == b->u.in.sin_port &&
		       a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr;
	if (a->u.sa.sa_family == AF_INET6)
		return a->u.in6.sin6_port == b->u.in6.sin6_port &&
		       memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16) == 0;
	return false;
}

int addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		memcpy(&out->u.in, sa, sizeof(struct sockaddr_in));
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		memcpy(&out->u.in6, sa, sizeof(struct sockaddr_in6));
		return 0;
	}
	return -EINVAL;
}
