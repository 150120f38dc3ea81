/*
 * cfg.c - configuration.  See cfg.h.
 *
 * Every option has one slot holding its text (as given, trimmed), its
 * parsed value, the level it was set at and, for file values, the
 * specificity of the section it came from.  A source is first parsed and
 * validated in full into a staging list, then applied under the lock, so a
 * file with an error on line 90 changes nothing.
 */
#include "cfg.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compiler.h"

#define CFG_LINE_MAX (64 * 1024)
#define CFG_NAME_MAX 128
#define CFG_EXPAND_DEPTH 8

struct opt_def {
	const char *name;
	enum cfg_type type;
	const char *def;
	double lo, hi;
	const char *desc;
};

static const struct opt_def opt_defs[CFG__COUNT] = {
#define CFG_OPT(name, type, def, lo, hi, desc) [CFG_##name] = {#name, CFG_T_##type, def, lo, hi, desc},
#include "opts/global.def"
#include "opts/ms.def"
#include "opts/mon.def"
#include "opts/osd.def"
#include "opts/store.def"
#include "opts/client.def"
#undef CFG_OPT
#define CFG_X_DEBUG(up, low, def)                                                                  \
	[CFG_debug_##low] = {"debug_" #low, CFG_T_STR, def, 0, 0,                                  \
			     "log level of subsystem " #low " (N or N/M)"},
	LOG_SUBSYS_LIST(CFG_X_DEBUG)
#undef CFG_X_DEBUG
};

struct opt_val {
	enum cfg_level level;
	int file_spec; /* section specificity, when level == CFG_LVL_FILE */
	char *text;
	union {
		int64_t i;
		uint64_t u;
		double f;
		bool b;
	} v;
	struct net_addr *addrs;
	size_t naddrs;
};

/* One "key = value" line of a conf file, whatever section it was in. */
struct raw_entry {
	char *section;
	char *key; /* normalised */
	char *value;
};

struct observer {
	struct observer *next;
	enum cfg_id id;
	cfg_observer_fn cb;
	void *arg;
};

struct cfg {
	pthread_mutex_t lock; /* guards everything below */
	struct ent_name name;
	char *conf_path; /* from -c/--conf */
	struct opt_val vals[CFG__COUNT];
	struct observer *observers;
	struct raw_entry *raw; /* every file assignment, for other entities' sections */
	size_t nraw;
};

/* ---- errors ------------------------------------------------------------ */

static void set_err(char *err, size_t errlen, const char *fmt, ...) CAIRN_PRINTF(3, 4);
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- names ------------------------------------------------------------- */

/*
 * Canonical option name: trimmed, lower case, runs of ' ', '_' and '-'
 * folded to one '_'.  -EINVAL if empty or too long.
 */
static int normalize_name(const char *s, size_t len, char *out, size_t size)
{
	size_t o = 0;
	bool sep = false;

	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == ' ' || c == '_' || c == '-' || c == '\t') {
			sep = true;
			continue;
		}
		if (sep && o > 0) {
			if (o + 1 >= size)
				return -EINVAL;
			out[o++] = '_';
		}
		sep = false;
		if (o + 1 >= size)
			return -EINVAL;
		out[o++] = (char)tolower((unsigned char)c);
	}
	if (o == 0)
		return -EINVAL;
	out[o] = '\0';
	return 0;
}

int cfg_lookup(const char *name)
{
	char norm[CFG_NAME_MAX];
	if (normalize_name(name, strlen(name), norm, sizeof(norm)) != 0)
		return -ENOENT;
	for (int i = 0; i < CFG__COUNT; i++)
		if (strcmp(opt_defs[i].name, norm) == 0)
			return i;
	return -ENOENT;
}

const char *cfg_name(enum cfg_id id)
{
	return opt_defs[id].name;
}

const char *cfg_desc(enum cfg_id id)
{
	return opt_defs[id].desc;
}

enum cfg_type cfg_type_of(enum cfg_id id)
{
	return opt_defs[id].type;
}

/* ---- value parsers ----------------------------------------------------- */

static const char *skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static bool only_space(const char *s)
{
	return *skip_space(s) == '\0';
}

int cfg_parse_int(const char *s, int64_t *out)
{
	char *end;
	s = skip_space(s);
	if (*s == '\0')
		return -EINVAL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || !only_space(end))
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

static int suffix_is(const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcasecmp(s, names[i]) == 0)
			return 1;
	return 0;
}

int cfg_parse_size(const char *s, uint64_t *out)
{
	char *end;
	s = skip_space(s);
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	end = (char *)skip_space(end);
	size_t n = strlen(end);
	while (n > 0 && isspace((unsigned char)end[n - 1]))
		n--;
	char suf[8];
	if (n >= sizeof(suf))
		return -EINVAL;
	memcpy(suf, end, n);
	suf[n] = '\0';

	static const char *const units = "KMGTPE";
	unsigned shift = 0;
	if (n > 0 && !(n == 1 && (suf[0] == 'B' || suf[0] == 'b'))) {
		const char *u = strchr(units, toupper((unsigned char)suf[0]));
		if (!u)
			return -EINVAL;
		const char *rest = suf + 1;
		static const char *const tails[] = {"", "B", "i", "iB", NULL};
		if (!suffix_is(rest, tails))
			return -EINVAL;
		shift = 10 * (unsigned)(u - units + 1);
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

int cfg_parse_dur(const char *s, uint64_t *out_ns)
{
	static const struct {
		const char *names[5];
		double ns;
	} units[] = {
		{{"ns", NULL}, 1},
		{{"us", NULL}, 1e3},
		{{"ms", NULL}, 1e6},
		{{"", "s", "sec", "secs", NULL}, 1e9},
		{{"m", "min", "mins", NULL}, 60e9},
		{{"h", "hr", "hour", "hours", NULL}, 3600e9},
		{{"d", "day", "days", NULL}, 86400e9},
	};
	char *end;
	s = skip_space(s);
	if (!isdigit((unsigned char)*s) && *s != '.')
		return -EINVAL;
	double v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	end = (char *)skip_space(end);
	size_t n = strlen(end);
	while (n > 0 && isspace((unsigned char)end[n - 1]))
		n--;
	char suf[8];
	if (n >= sizeof(suf))
		return -EINVAL;
	memcpy(suf, end, n);
	suf[n] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (suffix_is(suf, units[i].names)) {
			double ns = v * units[i].ns;
			if (ns >= 1.8e19)
				return -ERANGE;
			*out_ns = (uint64_t)(ns + 0.5);
			return 0;
		}
	}
	return -EINVAL;
}

int cfg_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1", NULL};
	static const char *const no[] = {"false", "no", "off", "0", NULL};
	char word[8];
	s = skip_space(s);
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= sizeof(word))
		return -EINVAL;
	memcpy(word, s, n);
	word[n] = '\0';
	if (suffix_is(word, yes)) {
		*out = true;
		return 0;
	}
	if (suffix_is(word, no)) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

int cfg_parse_float(const char *s, double *out)
{
	char *end;
	s = skip_space(s);
	if (*s == '\0')
		return -EINVAL;
	double v = strtod(s, &end);
	if (end == s || !only_space(end) || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

/* min bounds the value when min or max is non-zero; max when it is non-zero. */
static bool out_of_range(const struct opt_def *d, double v)
{
	if ((d->lo != 0 || d->hi != 0) && v < d->lo)
		return true;
	return d->hi != 0 && v > d->hi;
}

/* Parse @text for option @id into @out (text not copied).  0 or -EINVAL with @why filled. */
static int parse_value(enum cfg_id id, const char *text, struct opt_val *out, char *why,
		       size_t whylen)
{
	const struct opt_def *d = &opt_defs[id];
	int rc = 0;

	switch (d->type) {
	case CFG_T_INT:
		rc = cfg_parse_int(text, &out->v.i);
		if (rc) {
			set_err(why, whylen, "'%s' is not an integer", text);
			return -EINVAL;
		}
		if (out_of_range(d, (double)out->v.i)) {
			set_err(why, whylen, "%lld is out of range [%.0f, %.0f]",
				(long long)out->v.i, d->lo, d->hi);
			return -EINVAL;
		}
		return 0;
	case CFG_T_SIZE:
		rc = cfg_parse_size(text, &out->v.u);
		if (rc) {
			set_err(why, whylen, "'%s' is not a size (a number with optional K/M/G/T)",
				text);
			return -EINVAL;
		}
		if (out_of_range(d, (double)out->v.u)) {
			set_err(why, whylen, "%s is out of range [%.0f, %.0f] bytes", text, d->lo,
				d->hi);
			return -EINVAL;
		}
		return 0;
	case CFG_T_DUR:
		rc = cfg_parse_dur(text, &out->v.u);
		if (rc) {
			set_err(why, whylen,
				"'%s' is not a duration (seconds, or a number with ns/us/ms/s/m/h/d)",
				text);
			return -EINVAL;
		}
		if (out_of_range(d, (double)out->v.u / 1e9)) {
			set_err(why, whylen, "%s is out of range [%g, %g] seconds", text, d->lo, d->hi);
			return -EINVAL;
		}
		return 0;
	case CFG_T_BOOL:
		if (cfg_parse_bool(text, &out->v.b) != 0) {
			set_err(why, whylen, "'%s' is not a boolean (true/false/yes/no/on/off/1/0)",
				text);
			return -EINVAL;
		}
		return 0;
	case CFG_T_FLOAT:
		if (cfg_parse_float(text, &out->v.f) != 0) {
			set_err(why, whylen, "'%s' is not a number", text);
			return -EINVAL;
		}
		if (out_of_range(d, out->v.f)) {
			set_err(why, whylen, "%g is out of range [%g, %g]", out->v.f, d->lo, d->hi);
			return -EINVAL;
		}
		return 0;
	case CFG_T_STR:
		if (id >= CFG_debug_none && id < CFG__COUNT) {
			/* Validate the "N/M" form without touching the live level. */
			int saved = log_get_level(LOG_NONE);
			rc = log_set_level_str(LOG_NONE, text);
			log_set_level(LOG_NONE, saved);
			if (rc) {
				set_err(why, whylen, "'%s' is not a log level (N or N/M, -1..99)",
					text);
				return -EINVAL;
			}
		}
		return 0;
	case CFG_T_ADDRS: {
		int n = addr_list_parse(text, 0, NULL, 0);
		if (n < 0) {
			set_err(why, whylen, "'%s' is not a list of ip:port addresses", text);
			return -EINVAL;
		}
		out->naddrs = (size_t)n;
		out->addrs = NULL;
		if (n > 0) {
			out->addrs = calloc((size_t)n, sizeof(*out->addrs));
			if (!out->addrs) {
				set_err(why, whylen, "out of memory");
				return -ENOMEM;
			}
			addr_list_parse(text, 0, out->addrs, (size_t)n);
		}
		return 0;
	}
	}
	return -EINVAL;
}

/* ---- the cfg object ---------------------------------------------------- */

static void raw_free(struct raw_entry *raw, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(raw[i].section);
		free(raw[i].key);
		free(raw[i].value);
	}
	free(raw);
}

static void val_clear(struct opt_val *v)
{
	free(v->text);
	free(v->addrs);
	memset(v, 0, sizeof(*v));
}

struct cfg *cfg_create(const struct ent_name *name)
{
	struct cfg *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	if (name)
		c->name = *name;
	else
		ent_name_make(ENT_TYPE_CLIENT, "admin", &c->name);
	for (int i = 0; i < CFG__COUNT; i++) {
		struct opt_val *v = &c->vals[i];
		char why[128];
		int rc = parse_value((enum cfg_id)i, opt_defs[i].def, v, why, sizeof(why));
		v->text = strdup(opt_defs[i].def);
		if (rc == -ENOMEM || !v->text) {
			cfg_destroy(c);
			return NULL;
		}
		/* A default that does not parse is a bug in the option table. */
		if (rc != 0) {
			fprintf(stderr, "cfg: bad default for %s: %s\n", opt_defs[i].name, why);
			abort();
		}
		v->level = CFG_LVL_DEFAULT;
	}
	return c;
}

void cfg_destroy(struct cfg *c)
{
	if (!c)
		return;
	for (int i = 0; i < CFG__COUNT; i++)
		val_clear(&c->vals[i]);
	struct observer *o = c->observers;
	while (o) {
		struct observer *next = o->next;
		free(o);
		o = next;
	}
	free(c->conf_path);
	raw_free(c->raw, c->nraw);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void cfg_set_entity(struct cfg *c, const struct ent_name *name)
{
	pthread_mutex_lock(&c->lock);
	c->name = *name;
	pthread_mutex_unlock(&c->lock);
}

void cfg_get_entity(const struct cfg *c, struct ent_name *out)
{
	struct cfg *mc = (struct cfg *)c;
	pthread_mutex_lock(&mc->lock);
	*out = c->name;
	pthread_mutex_unlock(&mc->lock);
}

static void notify(struct cfg *c, const bool *changed)
{
	/* Observers are only added, never removed, so walking unlocked is safe. */
	for (struct observer *o = c->observers; o; o = o->next)
		if (changed[o->id])
			o->cb(o->arg, o->id);
}

int cfg_observe(struct cfg *c, enum cfg_id id, cfg_observer_fn cb, void *arg)
{
	struct observer *o = malloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->id = id;
	o->cb = cb;
	o->arg = arg;
	pthread_mutex_lock(&c->lock);
	o->next = c->observers;
	c->observers = o;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/* One parsed assignment waiting to be applied. */
struct staged {
	enum cfg_id id;
	int spec;
	struct opt_val val;
};

struct stage {
	struct staged *items;
	size_t n, cap;
};

static void stage_fini(struct stage *st)
{
	for (size_t i = 0; i < st->n; i++)
		val_clear(&st->items[i].val);
	free(st->items);
	st->items = NULL;
	st->n = st->cap = 0;
}

/* Parse and stage one assignment.  0, -EINVAL (why filled) or -ENOMEM. */
static int stage_add(struct stage *st, enum cfg_id id, int spec, const char *text, char *why,
		     size_t whylen)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		struct staged *p = realloc(st->items, cap * sizeof(*p));
		if (!p) {
			set_err(why, whylen, "out of memory");
			return -ENOMEM;
		}
		st->items = p;
		st->cap = cap;
	}
	struct staged *s = &st->items[st->n];
	memset(s, 0, sizeof(*s));
	int rc = parse_value(id, text, &s->val, why, whylen);
	if (rc)
		return rc;
	s->val.text = strdup(text);
	if (!s->val.text) {
		val_clear(&s->val);
		set_err(why, whylen, "out of memory");
		return -ENOMEM;
	}
	s->id = id;
	s->spec = spec;
	st->n++;
	return 0;
}

/* Apply staged values at @level; values move out of the stage. */
static void stage_apply(struct cfg *c, struct stage *st, enum cfg_level level)
{
	bool changed[CFG__COUNT] = {false};

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < st->n; i++) {
		struct staged *s = &st->items[i];
		struct opt_val *cur = &c->vals[s->id];
		if (level < cur->level)
			continue;
		if (level == CFG_LVL_FILE && cur->level == CFG_LVL_FILE && s->spec < cur->file_spec)
			continue;
		val_clear(cur);
		*cur = s->val;
		cur->level = level;
		cur->file_spec = s->spec;
		memset(&s->val, 0, sizeof(s->val));
		changed[s->id] = true;
	}
	pthread_mutex_unlock(&c->lock);
	notify(c, changed);
}

int cfg_set(struct cfg *c, const char *name, const char *value, enum cfg_level level, char *err,
	    size_t errlen)
{
	int id = cfg_lookup(name);
	if (id < 0) {
		set_err(err, errlen, "unknown option '%s'", name);
		return -ENOENT;
	}
	struct stage st = {0};
	char why[256];
	int rc = stage_add(&st, (enum cfg_id)id, 0, value, why, sizeof(why));
	if (rc) {
		set_err(err, errlen, "option '%s': %s", opt_defs[id].name, why);
		stage_fini(&st);
		return rc;
	}
	stage_apply(c, &st, level);
	stage_fini(&st);
	return 0;
}

enum cfg_level cfg_level_of(const struct cfg *c, enum cfg_id id)
{
	struct cfg *mc = (struct cfg *)c;
	pthread_mutex_lock(&mc->lock);
	enum cfg_level l = c->vals[id].level;
	pthread_mutex_unlock(&mc->lock);
	return l;
}

/* ---- typed getters ----------------------------------------------------- */

#define CFG_GETTER(fn, rtype, field, expect)                                                       \
	rtype fn(const struct cfg *c, enum cfg_id id)                                              \
	{                                                                                          \
		struct cfg *mc = (struct cfg *)c;                                                  \
		assert_type(id, expect);                                                           \
		pthread_mutex_lock(&mc->lock);                                                     \
		rtype v = (rtype)c->vals[id].v.field;                                              \
		pthread_mutex_unlock(&mc->lock);                                                   \
		return v;                                                                          \
	}

static void assert_type(enum cfg_id id, enum cfg_type t)
{
	if (opt_defs[id].type != t) {
		/* Reading an option as the wrong type is a programming error. */
		fprintf(stderr, "cfg: option %s read with the wrong type\n", opt_defs[id].name);
		abort();
	}
}

CFG_GETTER(cfg_int, int64_t, i, CFG_T_INT)
CFG_GETTER(cfg_size, uint64_t, u, CFG_T_SIZE)
CFG_GETTER(cfg_dur_ns, uint64_t, u, CFG_T_DUR)
CFG_GETTER(cfg_bool, bool, b, CFG_T_BOOL)
CFG_GETTER(cfg_float, double, f, CFG_T_FLOAT)

/*
 * Expand $var and ${var} in @in, appending to @out.  Called with the lock
 * held.  Unknown variables stay as written; recursion stops at a depth
 * limit so "a = $b", "b = $a" terminates.
 */
static int expand_locked(const struct cfg *c, const char *in, struct buf *out, int depth)
{
	const char *p = in;
	while (*p) {
		const char *dollar = strchr(p, '$');
		if (!dollar)
			return buf_append_str(out, p);
		int rc = buf_append(out, p, (size_t)(dollar - p));
		if (rc)
			return rc;
		const char *q = dollar + 1;
		bool braced = *q == '{';
		if (braced)
			q++;
		const char *start = q;
		while (isalnum((unsigned char)*q) || *q == '_')
			q++;
		size_t len = (size_t)(q - start);
		if (len == 0 || len >= CFG_NAME_MAX || (braced && *q != '}')) {
			rc = buf_append_byte(out, '$');
			p = dollar + 1;
			if (rc)
				return rc;
			continue;
		}
		char var[CFG_NAME_MAX];
		memcpy(var, start, len);
		var[len] = '\0';
		const char *end = braced ? q + 1 : q;
		char tmp[256];
		const char *val = NULL;
		if (strcmp(var, "type") == 0) {
			val = ent_type_name(c->name.type);
		} else if (strcmp(var, "id") == 0) {
			val = c->name.id;
		} else if (strcmp(var, "name") == 0) {
			ent_name_format(&c->name, tmp, sizeof(tmp));
			val = tmp;
		} else if (strcmp(var, "host") == 0) {
			if (gethostname(tmp, sizeof(tmp)) == 0) {
				tmp[sizeof(tmp) - 1] = '\0';
				char *dot = strchr(tmp, '.');
				if (dot)
					*dot = '\0';
				val = tmp;
			}
		} else if (strcmp(var, "pid") == 0) {
			snprintf(tmp, sizeof(tmp), "%d", (int)getpid());
			val = tmp;
		} else {
			int id = cfg_lookup(var);
			if (id >= 0 && opt_defs[id].type == CFG_T_STR && depth < CFG_EXPAND_DEPTH) {
				rc = expand_locked(c, c->vals[id].text, out, depth + 1);
				if (rc)
					return rc;
				p = end;
				continue;
			}
		}
		if (val)
			rc = buf_append_str(out, val);
		else
			rc = buf_append(out, dollar, (size_t)(end - dollar));
		if (rc)
			return rc;
		p = end;
	}
	return 0;
}

static char *expanded_text(const struct cfg *c, enum cfg_id id)
{
	struct cfg *mc = (struct cfg *)c;
	struct buf b = BUF_INIT;
	pthread_mutex_lock(&mc->lock);
	int rc = expand_locked(c, c->vals[id].text, &b, 0);
	pthread_mutex_unlock(&mc->lock);
	if (rc == 0 && buf_cstr(&b))
		return (char *)buf_steal(&b, NULL);
	buf_fini(&b);
	return NULL;
}

char *cfg_str(const struct cfg *c, enum cfg_id id)
{
	assert_type(id, CFG_T_STR);
	return expanded_text(c, id);
}

int cfg_addrs(const struct cfg *c, enum cfg_id id, struct net_addr **out, size_t *out_n)
{
	struct cfg *mc = (struct cfg *)c;
	assert_type(id, CFG_T_ADDRS);
	pthread_mutex_lock(&mc->lock);
	const struct opt_val *v = &c->vals[id];
	struct net_addr *copy = NULL;
	if (v->naddrs) {
		copy = malloc(v->naddrs * sizeof(*copy));
		if (!copy) {
			pthread_mutex_unlock(&mc->lock);
			return -ENOMEM;
		}
		memcpy(copy, v->addrs, v->naddrs * sizeof(*copy));
	}
	*out = copy;
	*out_n = v->naddrs;
	pthread_mutex_unlock(&mc->lock);
	return 0;
}

int cfg_get(const struct cfg *c, const char *name, char *buf, size_t size)
{
	int id = cfg_lookup(name);
	if (id < 0)
		return -ENOENT;
	char *text = expanded_text(c, (enum cfg_id)id);
	if (!text)
		return -ENOMEM;
	size_t len = strlen(text);
	int rc = (int)len;
	if (len >= size)
		rc = -ENAMETOOLONG;
	else
		memcpy(buf, text, len + 1);
	free(text);
	return rc;
}

int cfg_dump(const struct cfg *c, struct buf *out)
{
	for (int i = 0; i < CFG__COUNT; i++) {
		char *text = expanded_text(c, (enum cfg_id)i);
		if (!text)
			return -ENOMEM;
		int rc = buf_printf(out, "%s = %s\n", opt_defs[i].name, text);
		free(text);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- conf files -------------------------------------------------------- */

/* Length of the valid UTF-8 prefix of s[0..len); len when all valid. */
static size_t utf8_valid_prefix(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 4;
			cp = c & 0x07;
		} else {
			return i;
		}
		if (i + n > len)
			return i;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n;
	}
	return len;
}

struct conf_parser {
	struct cfg *c;
	const char *source;
	int line;
	int spec; /* specificity of the current section, -1: does not apply */
	char section[CFG_NAME_MAX];
	struct stage st;
	struct raw_entry *raw;
	size_t nraw;
	char *err;
	size_t errlen;
};

/* Specificity of [name] for our entity: 0 global, 1 type, 2 type.id, -1 other. */
static int section_spec(const struct cfg *c, const char *name, char *why, size_t whylen)
{
	if (strcmp(name, "global") == 0)
		return 0;
	const char *dot = strchr(name, '.');
	size_t tlen = dot ? (size_t)(dot - name) : strlen(name);
	enum ent_type type;
	if (ent_type_parse(name, tlen, &type) != 0) {
		set_err(why, whylen,
			"unknown section [%s] (expected global, mon, osd, mgr, mds, client or TYPE.ID)",
			name);
		return -EINVAL;
	}
	struct ent_name n;
	if (dot && ent_name_parse(name, &n) != 0) {
		set_err(why, whylen, "bad section name [%s]", name);
		return -EINVAL;
	}
	if (type != c->name.type)
		return -1;
	if (!dot)
		return 1;
	return strcmp(n.id, c->name.id) == 0 ? 2 : -1;
}

static int conf_error(struct conf_parser *p, const char *fmt, ...) CAIRN_PRINTF(2, 3);
static int conf_error(struct conf_parser *p, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_err(p->err, p->errlen, "%s:%d: %s", p->source, p->line, msg);
	return -EINVAL;
}

static int conf_section(struct conf_parser *p, char *s)
{
	char *close = strchr(s, ']');
	if (!close)
		return conf_error(p, "section header without closing ']'");
	char *rest = close + 1;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest && *rest != '#' && *rest != ';')
		return conf_error(p, "unexpected text after section header");
	*close = '\0';
	char *name = s + 1;
	while (isspace((unsigned char)*name))
		name++;
	size_t n = strlen(name);
	while (n > 0 && isspace((unsigned char)name[n - 1]))
		name[--n] = '\0';
	if (n == 0)
		return conf_error(p, "empty section name");
	char why[256];
	int spec = section_spec(p->c, name, why, sizeof(why));
	if (spec == -EINVAL)
		return conf_error(p, "%s", why);
	if (n >= sizeof(p->section))
		return conf_error(p, "section name too long");
	memcpy(p->section, name, n + 1);
	p->spec = spec;
	return 0;
}

/*
 * Extract the value after '=': a quoted string with backslash escapes, or
 * bare text up to a comment, trimmed.  Writes in place.
 */
static int conf_value(struct conf_parser *p, char *s, char **out)
{
	while (isspace((unsigned char)*s))
		s++;
	char *w = s;
	if (*s == '"') {
		char *r = s + 1;
		for (;;) {
			if (*r == '\0')
				return conf_error(p, "unterminated quoted value");
			if (*r == '"')
				break;
			if (*r == '\\' && r[1])
				r++;
			*w++ = *r++;
		}
		r++;
		while (isspace((unsigned char)*r))
			r++;
		if (*r && *r != '#' && *r != ';')
			return conf_error(p, "unexpected text after quoted value");
		*w = '\0';
		*out = s;
		return 0;
	}
	char *r = s;
	while (*r && *r != '#' && *r != ';') {
		if (*r == '\\' && (r[1] == '#' || r[1] == ';' || r[1] == '\\'))
			r++;
		*w++ = *r++;
	}
	*w = '\0';
	while (w > s && isspace((unsigned char)w[-1]))
		*--w = '\0';
	*out = s;
	return 0;
}

static int raw_add(struct conf_parser *p, const char *key, const char *value)
{
	struct raw_entry *r = realloc(p->raw, (p->nraw + 1) * sizeof(*r));
	if (!r)
		return conf_error(p, "out of memory");
	p->raw = r;
	r = &p->raw[p->nraw];
	r->section = strdup(p->section);
	r->key = strdup(key);
	r->value = strdup(value);
	p->nraw++;
	if (!r->section || !r->key || !r->value)
		return conf_error(p, "out of memory");
	return 0;
}

/* Move the parsed raw entries into the cfg (after a successful parse). */
static void raw_commit(struct cfg *c, struct conf_parser *p)
{
	if (p->nraw == 0)
		return;
	pthread_mutex_lock(&c->lock);
	struct raw_entry *r = realloc(c->raw, (c->nraw + p->nraw) * sizeof(*r));
	if (r) {
		memcpy(r + c->nraw, p->raw, p->nraw * sizeof(*r));
		c->raw = r;
		c->nraw += p->nraw;
		free(p->raw);
	} else {
		raw_free(p->raw, p->nraw);
	}
	p->raw = NULL;
	p->nraw = 0;
	pthread_mutex_unlock(&c->lock);
}

int cfg_file_sections(const struct cfg *c, const char *type, char ***out, size_t *out_n)
{
	struct cfg *mc = (struct cfg *)c;
	size_t tlen = strlen(type);
	char **names = NULL;
	size_t n = 0;
	int rc = 0;
	pthread_mutex_lock(&mc->lock);
	for (size_t i = 0; i < c->nraw && !rc; i++) {
		const char *sec = c->raw[i].section;
		if (strncmp(sec, type, tlen) != 0 || sec[tlen] != '.')
			continue;
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = strcmp(names[k], sec) == 0;
		if (seen)
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn || !(nn[n] = strdup(sec))) {
			names = nn ? nn : names;
			rc = -ENOMEM;
			break;
		}
		names = nn;
		n++;
	}
	pthread_mutex_unlock(&mc->lock);
	if (rc) {
		for (size_t k = 0; k < n; k++)
			free(names[k]);
		free(names);
		return rc;
	}
	*out = names;
	*out_n = n;
	return 0;
}

int cfg_file_value(const struct cfg *c, const char *section, const char *key, char *buf,
		   size_t size)
{
	struct cfg *mc = (struct cfg *)c;
	char norm[CFG_NAME_MAX];
	if (normalize_name(key, strlen(key), norm, sizeof(norm)) != 0)
		return -ENOENT;
	int rc = -ENOENT;
	pthread_mutex_lock(&mc->lock);
	for (size_t i = c->nraw; i-- > 0;) {
		if (strcmp(c->raw[i].section, section) || strcmp(c->raw[i].key, norm))
			continue;
		size_t len = strlen(c->raw[i].value);
		if (len >= size) {
			rc = -ENAMETOOLONG;
		} else {
			memcpy(buf, c->raw[i].value, len + 1);
			rc = (int)len;
		}
		break;
	}
	pthread_mutex_unlock(&mc->lock);
	return rc;
}

static int conf_assignment(struct conf_parser *p, char *s)
{
	char *eq = strchr(s, '=');
	if (!eq)
		return conf_error(p, "expected 'key = value'");
	char norm[CFG_NAME_MAX];
	if (normalize_name(s, (size_t)(eq - s), norm, sizeof(norm)) != 0)
		return conf_error(p, "missing or overlong option name before '='");
	char *value = NULL;
	int rc = conf_value(p, eq + 1, &value);
	if (rc)
		return rc;
	rc = raw_add(p, norm, value);
	if (rc)
		return rc;
	int id = cfg_lookup(norm);
	if (id < 0) {
		log_warn(LOG_CFG, "%s:%d: unknown option '%s' ignored", p->source, p->line, norm);
		return 0;
	}
	char why[256];
	/* Values of sections for other entities are validated, then dropped. */
	struct stage scratch = {0};
	struct stage *st = p->spec >= 0 ? &p->st : &scratch;
	rc = stage_add(st, (enum cfg_id)id, p->spec, value, why, sizeof(why));
	stage_fini(&scratch);
	if (rc == -ENOMEM)
		return conf_error(p, "out of memory");
	if (rc)
		return conf_error(p, "option '%s': %s", norm, why);
	return 0;
}

static int conf_line(struct conf_parser *p, char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return conf_section(p, s);
	return conf_assignment(p, s);
}

int cfg_parse_text(struct cfg *c, const char *text, size_t len, const char *source, char *err,
		   size_t errlen)
{
	struct conf_parser p = {.c = c, .source = source, .err = err, .errlen = errlen,
				.section = "global"};
	struct buf line = BUF_INIT;
	size_t pos = 0;
	int rc = 0;

	/* Ceph accepts key = value lines before any section header, as [global]. */
	p.spec = 0;
	while (pos < len && rc == 0) {
		int first_line = p.line + 1;
		buf_reset(&line);
		/* Gather one logical line, joining backslash continuations. */
		for (;;) {
			p.line++;
			const char *nl = memchr(text + pos, '\n', len - pos);
			size_t end = nl ? (size_t)(nl - text) : len;
			size_t l = end - pos;
			if (l > 0 && text[pos + l - 1] == '\r')
				l--;
			if (memchr(text + pos, '\0', l)) {
				rc = conf_error(&p, "NUL byte in line");
				break;
			}
			size_t ok = utf8_valid_prefix((const unsigned char *)text + pos, l);
			if (ok != l) {
				rc = conf_error(&p, "invalid UTF-8 at column %zu", ok + 1);
				break;
			}
			if (line.len + l > CFG_LINE_MAX) {
				rc = conf_error(&p, "line longer than %d bytes", CFG_LINE_MAX);
				break;
			}
			bool cont = l > 0 && text[pos + l - 1] == '\\';
			if (buf_append(&line, text + pos, cont ? l - 1 : l) != 0) {
				rc = conf_error(&p, "out of memory");
				break;
			}
			pos = nl ? end + 1 : len;
			if (!cont || pos >= len)
				break;
		}
		if (rc)
			break;
		int last_line = p.line;
		p.line = first_line;
		char *s = buf_cstr(&line);
		rc = s ? conf_line(&p, s) : conf_error(&p, "out of memory");
		p.line = last_line;
	}
	buf_fini(&line);
	if (rc == 0) {
		stage_apply(c, &p.st, CFG_LVL_FILE);
		raw_commit(c, &p);
	}
	raw_free(p.raw, p.nraw);
	stage_fini(&p.st);
	return rc;
}

int cfg_parse_file(struct cfg *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int rc = -errno;
		set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return rc;
	}
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(&b, chunk, n) != 0) {
			rc = -ENOMEM;
			set_err(err, errlen, "%s: out of memory", path);
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		rc = -EIO;
		set_err(err, errlen, "cannot read %s", path);
	}
	fclose(f);
	if (rc == 0)
		rc = cfg_parse_text(c, (const char *)b.data, b.len, path, err, errlen);
	buf_fini(&b);
	return rc;
}

/* ---- command line and CEPH_ARGS --------------------------------------- */

static bool looks_like_flag(const char *s)
{
	return s[0] == '-' && !isdigit((unsigned char)s[1]) && s[1] != '.';
}

/* Handle -i/--id, -n/--name, -c/--conf, --cluster.  1 if taken, 0 if not ours, <0 error. */
static int special_arg(struct cfg *c, const char *key, const char *value, struct stage *st,
		       enum cfg_level level, char *err, size_t errlen)
{
	struct ent_name n;
	if (strcmp(key, "id") == 0 || strcmp(key, "i") == 0) {
		if (ent_name_make(c->name.type, value, &n) != 0) {
			set_err(err, errlen, "bad id '%s' for a %s", value,
				ent_type_name(c->name.type));
			return -EINVAL;
		}
		cfg_set_entity(c, &n);
		return 1;
	}
	if (strcmp(key, "name") == 0 || strcmp(key, "n") == 0) {
		if (ent_name_parse(value, &n) != 0) {
			set_err(err, errlen, "bad entity name '%s' (expected TYPE.ID)", value);
			return -EINVAL;
		}
		cfg_set_entity(c, &n);
		return 1;
	}
	if (strcmp(key, "conf") == 0 || strcmp(key, "c") == 0) {
		char *dup = strdup(value);
		if (!dup)
			return -ENOMEM;
		pthread_mutex_lock(&c->lock);
		free(c->conf_path);
		c->conf_path = dup;
		pthread_mutex_unlock(&c->lock);
		return 1;
	}
	(void)st;
	(void)level;
	return 0;
}

/*
 * Walk @args, staging known options and compacting the rest into
 * args[0..*io_n).  @first is the index of the first argument to look at.
 */
static int parse_args(struct cfg *c, int *io_n, char **args, int first, enum cfg_level level,
		      const char *what, char *err, size_t errlen)
{
	struct stage st = {0};
	int n = *io_n, out = first, rc = 0;

	for (int i = first; i < n; i++) {
		char *a = args[i];
		const char *key = NULL;
		bool short_opt = false;
		if (a[0] == '-' && a[1] == '-' && a[2]) {
			key = a + 2;
		} else if (a[0] == '-' && strchr("icn", a[1]) && a[1] && a[2] == '\0') {
			key = a + 1;
			short_opt = true;
		}
		if (!key) {
			args[out++] = a;
			continue;
		}
		char name[CFG_NAME_MAX];
		const char *eq = short_opt ? NULL : strchr(key, '=');
		size_t klen = eq ? (size_t)(eq - key) : strlen(key);
		if (normalize_name(key, klen, name, sizeof(name)) != 0) {
			args[out++] = a;
			continue;
		}
		int id = cfg_lookup(name);
		bool special = short_opt || strcmp(name, "id") == 0 || strcmp(name, "name") == 0 ||
			       strcmp(name, "conf") == 0;
		if (id < 0 && !special) {
			args[out++] = a; /* not ours: the program's own flag */
			continue;
		}
		const char *value = eq ? eq + 1 : NULL;
		if (!value) {
			bool is_bool = id >= 0 && opt_defs[id].type == CFG_T_BOOL;
			if (i + 1 < n && !(is_bool && looks_like_flag(args[i + 1]))) {
				value = args[++i];
			} else if (is_bool) {
				value = "true";
			} else {
				set_err(err, errlen, "%s: option '%s' needs a value", what, a);
				rc = -EINVAL;
				goto out_fini;
			}
		}
		if (special) {
			rc = special_arg(c, name, value, &st, level, err, errlen);
			if (rc < 0)
				goto out_fini;
			continue;
		}
		char why[256];
		rc = stage_add(&st, (enum cfg_id)id, 0, value, why, sizeof(why));
		if (rc) {
			set_err(err, errlen, "%s: option '%s': %s", what, opt_defs[id].name, why);
			goto out_fini;
		}
	}
	stage_apply(c, &st, level);
	*io_n = out;
	rc = 0;
out_fini:
	stage_fini(&st);
	return rc;
}

int cfg_parse_argv(struct cfg *c, int *io_argc, char **argv, char *err, size_t errlen)
{
	return parse_args(c, io_argc, argv, 1, CFG_LVL_ARGV, "command line", err, errlen);
}

int cfg_parse_env(struct cfg *c, char *err, size_t errlen)
{
	const char *env = getenv("CEPH_ARGS");
	if (!env || !*env)
		return 0;
	char *copy = strdup(env);
	if (!copy)
		return -ENOMEM;
	size_t cap = strlen(copy) / 2 + 2;
	char **words = calloc(cap, sizeof(*words));
	if (!words) {
		free(copy);
		return -ENOMEM;
	}
	int n = 0;
	char *save = NULL;
	for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		words[n++] = w;
	int rc = parse_args(c, &n, words, 0, CFG_LVL_ENV, "CEPH_ARGS", err, errlen);
	for (int i = 0; rc == 0 && i < n; i++)
		log_warn(LOG_CFG, "CEPH_ARGS: ignoring '%s'", words[i]);
	free(words);
	free(copy);
	return rc;
}

char *cfg_conf_path(const struct cfg *c)
{
	struct cfg *mc = (struct cfg *)c;
	pthread_mutex_lock(&mc->lock);
	char *path = c->conf_path ? strdup(c->conf_path) : NULL;
	bool given = c->conf_path != NULL;
	pthread_mutex_unlock(&mc->lock);
	if (given)
		return path;
	const char *env = getenv("CEPH_CONF");
	if (env && *env)
		return strdup(env);
	struct buf b = BUF_INIT;
	pthread_mutex_lock(&mc->lock);
	int rc = expand_locked(c, "/etc/ceph/$cluster.conf", &b, 0);
	pthread_mutex_unlock(&mc->lock);
	if (rc == 0 && buf_cstr(&b))
		return (char *)buf_steal(&b, NULL);
	buf_fini(&b);
	return NULL;
}

bool cfg_conf_path_explicit(const struct cfg *c)
{
	struct cfg *mc = (struct cfg *)c;
	pthread_mutex_lock(&mc->lock);
	bool given = c->conf_path != NULL;
	pthread_mutex_unlock(&mc->lock);
	const char *env = getenv("CEPH_CONF");
	return given || (env && *env);
}

/* ---- logging options --------------------------------------------------- */

static int apply_log_file(struct cfg *c)
{
	char *path = cfg_str(c, CFG_log_file);
	if (!path)
		return -ENOMEM;
	int rc = log_open(path);
	if (rc)
		log_err(LOG_CFG, "cannot open log file %s: %s", path, strerror(-rc));
	free(path);
	log_set_stderr_copy(cfg_bool(c, CFG_log_to_stderr));
	return rc;
}

static void on_log_change(void *arg, enum cfg_id id)
{
	struct cfg *c = arg;
	if (id == CFG_log_file || id == CFG_log_to_stderr) {
		apply_log_file(c);
		return;
	}
	char *spec = expanded_text(c, id);
	if (spec) {
		log_set_level_str((enum log_subsys)(id - CFG_debug_none), spec);
		free(spec);
	}
}

int cfg_apply_logging(struct cfg *c)
{
	for (int id = CFG_debug_none; id < CFG__COUNT; id++) {
		on_log_change(c, (enum cfg_id)id);
		if (cfg_observe(c, (enum cfg_id)id, on_log_change, c) != 0)
			return -ENOMEM;
	}
	if (cfg_observe(c, CFG_log_file, on_log_change, c) != 0 ||
	    cfg_observe(c, CFG_log_to_stderr, on_log_change, c) != 0)
		return -ENOMEM;
	return apply_log_file(c);
}
