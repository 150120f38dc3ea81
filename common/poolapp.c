/*
 * poolapp.c - a pool's applications and their metadata as one text field.
 *
 * Every edit parses the text into records, changes the records, sorts
 * them and writes them back; the text is at most a few KiB, so this stays
 * simple rather than clever.
 */
#include "poolapp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct rec {
	const char *app, *key, *val; /* key NULL: the application's own line */
	size_t al, kl, vl;
};

struct recs {
	struct rec *r;
	size_t n;
};

static bool part_ok(const char *s, size_t len, bool may_be_empty)
{
	if ((!len && !may_be_empty) || len > POOLAPP_NAME_MAX)
		return false;
	return !memchr(s, '\t', len) && !memchr(s, '\n', len);
}

static bool arg_ok(const char *s, bool may_be_empty)
{
	return s && part_ok(s, strlen(s), may_be_empty);
}

/* One line into a record.  False if malformed. */
static bool parse_line(const char *p, size_t len, struct rec *out)
{
	const char *t1 = memchr(p, '\t', len);
	*out = (struct rec){.app = p, .al = t1 ? (size_t)(t1 - p) : len};
	if (!part_ok(out->app, out->al, false))
		return false;
	if (!t1)
		return true;
	const char *k = t1 + 1, *end = p + len;
	const char *t2 = memchr(k, '\t', (size_t)(end - k));
	if (!t2)
		return false;
	out->key = k;
	out->kl = (size_t)(t2 - k);
	out->val = t2 + 1;
	out->vl = (size_t)(end - out->val);
	return part_ok(out->key, out->kl, false) && part_ok(out->val, out->vl, true);
}

static int cmp_part(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

static int cmp_rec(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;
	int c = cmp_part(a->app, a->al, b->app, b->al);
	if (c || (!a->key && !b->key))
		return c;
	if (!a->key || !b->key)
		return a->key ? 1 : -1;
	return cmp_part(a->key, a->kl, b->key, b->kl);
}

/* The index of the record (@app, @key), or -1. */
static ptrdiff_t find(const struct recs *rs, const char *app, const char *key)
{
	struct rec want = {.app = app, .al = strlen(app), .key = key, .kl = key ? strlen(key) : 0};
	for (size_t i = 0; i < rs->n; i++)
		if (cmp_rec(&rs->r[i], &want) == 0)
			return (ptrdiff_t)i;
	return -1;
}

/*
 * Parse @apps into @rs with room for one more record.  0, -EINVAL
 * (malformed, a duplicate, or metadata of an application not enabled),
 * -ENOMEM.
 */
static int parse(const char *apps, struct recs *rs)
{
	size_t lines = 1;
	for (const char *p = apps; *p; p++)
		lines += *p == '\n';
	rs->n = 0;
	rs->r = calloc(lines + 1, sizeof(*rs->r));
	if (!rs->r)
		return -ENOMEM;
	for (const char *p = apps; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (!parse_line(p, len, &rs->r[rs->n]))
			goto bad;
		rs->n++;
		p += len + (nl ? 1 : 0);
	}
	qsort(rs->r, rs->n, sizeof(*rs->r), cmp_rec);
	for (size_t i = 0; i < rs->n; i++) {
		const struct rec *r = &rs->r[i];
		if (i && cmp_rec(&rs->r[i - 1], r) == 0)
			goto bad;
		/* Sorted: an entry's application line is the nearest keyless line before it. */
		if (r->key) {
			size_t j = i;
			while (j > 0 && rs->r[j - 1].key)
				j--;
			if (j == 0 || cmp_part(rs->r[j - 1].app, rs->r[j - 1].al, r->app, r->al))
				goto bad;
		}
	}
	return 0;
bad:
	free(rs->r);
	rs->r = NULL;
	return -EINVAL;
}

static void put(char *out, size_t *at, const char *s, size_t len)
{
	memcpy(out + *at, s, len);
	*at += len;
}

/* Sort @rs and write it over @apps.  0 or -ENOSPC / -ENOMEM (then @apps is unchanged). */
static int store(const struct recs *rs, char *apps, size_t cap)
{
	qsort(rs->r, rs->n, sizeof(*rs->r), cmp_rec);
	size_t need = 1;
	for (size_t i = 0; i < rs->n; i++)
		need += rs->r[i].al + 1 + (rs->r[i].key ? rs->r[i].kl + rs->r[i].vl + 2 : 0);
	if (need > cap)
		return -ENOSPC;
	char *tmp = malloc(need);
	if (!tmp)
		return -ENOMEM;
	size_t at = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rec *r = &rs->r[i];
		put(tmp, &at, r->app, r->al);
		if (r->key) {
			put(tmp, &at, "\t", 1);
			put(tmp, &at, r->key, r->kl);
			put(tmp, &at, "\t", 1);
			put(tmp, &at, r->val, r->vl);
		}
		put(tmp, &at, "\n", 1);
	}
	tmp[at] = '\0';
	memcpy(apps, tmp, at + 1);
	free(tmp);
	return 0;
}

bool poolapp_valid(const char *apps)
{
	struct recs rs;
	if (!apps || parse(apps, &rs) != 0)
		return false;
	free(rs.r);
	return true;
}

bool poolapp_has(const char *apps, const char *app)
{
	struct recs rs;
	if (!arg_ok(app, false) || parse(apps, &rs) != 0)
		return false;
	bool has = find(&rs, app, NULL) >= 0;
	free(rs.r);
	return has;
}

size_t poolapp_count(const char *apps)
{
	struct recs rs;
	if (parse(apps, &rs) != 0)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < rs.n; i++)
		n += rs.r[i].key == NULL;
	free(rs.r);
	return n;
}

/* Parse @apps and check that @app (and @key, if given) are acceptable names. */
static int open_edit(const char *apps, const char *app, const char *key, bool need_key,
		     struct recs *rs)
{
	if (!arg_ok(app, false) || (need_key && !arg_ok(key, false)))
		return -EINVAL;
	return parse(apps, rs);
}

int poolapp_enable(char *apps, size_t cap, const char *app)
{
	struct recs rs;
	int rc = open_edit(apps, app, NULL, false, &rs);
	if (rc)
		return rc;
	if (find(&rs, app, NULL) < 0) {
		rs.r[rs.n++] = (struct rec){.app = app, .al = strlen(app)};
		rc = store(&rs, apps, cap);
	}
	free(rs.r);
	return rc;
}

int poolapp_disable(char *apps, size_t cap, const char *app)
{
	struct recs rs;
	int rc = open_edit(apps, app, NULL, false, &rs);
	if (rc)
		return rc == -EINVAL ? -ENOENT : rc;
	size_t keep = 0, al = strlen(app);
	for (size_t i = 0; i < rs.n; i++)
		if (cmp_part(rs.r[i].app, rs.r[i].al, app, al) != 0)
			rs.r[keep++] = rs.r[i];
	rc = keep == rs.n ? -ENOENT : 0;
	rs.n = keep;
	if (!rc)
		rc = store(&rs, apps, cap);
	free(rs.r);
	return rc;
}

int poolapp_set(char *apps, size_t cap, const char *app, const char *key, const char *value)
{
	struct recs rs;
	if (!arg_ok(value, true))
		return -EINVAL;
	int rc = open_edit(apps, app, key, true, &rs);
	if (rc)
		return rc;
	if (find(&rs, app, NULL) < 0) {
		free(rs.r);
		return -ENOENT;
	}
	ptrdiff_t i = find(&rs, app, key);
	struct rec nr = {app, key, value, strlen(app), strlen(key), strlen(value)};
	rs.r[i >= 0 ? (size_t)i : rs.n++] = nr;
	rc = store(&rs, apps, cap);
	free(rs.r);
	return rc;
}

int poolapp_rm(char *apps, size_t cap, const char *app, const char *key)
{
	struct recs rs;
	int rc = open_edit(apps, app, key, true, &rs);
	if (rc)
		return rc == -EINVAL ? -ENOENT : rc;
	ptrdiff_t i = find(&rs, app, key);
	if (i < 0) {
		free(rs.r);
		return -ENOENT;
	}
	rs.r[i] = rs.r[--rs.n];
	rc = store(&rs, apps, cap);
	free(rs.r);
	return rc;
}

int poolapp_each(const char *apps, const char *app, poolapp_fn fn, void *arg)
{
	struct recs rs;
	int rc = parse(apps, &rs);
	if (rc)
		return rc;
	size_t al = app ? strlen(app) : 0;
	for (size_t i = 0; i < rs.n && !rc; i++) {
		const struct rec *r = &rs.r[i];
		if (!app || cmp_part(r->app, r->al, app, al) == 0)
			rc = fn(arg, r->app, r->al, r->key, r->kl, r->val, r->vl);
	}
	free(rs.r);
	return rc;
}
