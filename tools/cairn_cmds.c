/*
 * cairn_cmds.c - the `cairn` CLI's command table.  See cairn_cmds.h.
 *
 * Each entry is a prefix and a signature: a space-separated list of
 * arguments, each NAME:TYPE with a trailing '?' when optional.  Types:
 *   s      a word                      i   an integer
 *   f      a number                    a|b one of the listed words
 *   s*     all remaining words (array)
 * Arguments are positional, in order.  The longest matching prefix wins.
 */
#include "cairn_cmds.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/compiler.h"
#include "common/json.h"

struct cmd_sig {
	const char *prefix;
	const char *args;
};

static const struct cmd_sig cmds[] = {
	{"status", ""},
	{"health", "detail:detail?"},
	{"df", ""},
	{"mon stat", ""},
	{"mon dump", ""},
	{"quorum_status", ""},
	{"osd tree", ""},
	{"osd dump", ""},
	{"osd stat", ""},
	{"osd ls", ""},
	{"osd getmaxosd", ""},
	{"osd create", "uuid:s? id:i?"},
	{"osd in", "ids:s*"},
	{"osd out", "ids:s*"},
	{"osd down", "ids:s*"},
	{"osd rm", "ids:s*"},
	{"osd set", "key:s"},
	{"osd unset", "key:s"},
	{"osd map", "pool:s object:s nspace:s?"},
	{"osd getcrushmap", ""},
	{"osd setcrushmap", ""},
	{"osd lspools", ""},
	{"osd pool ls", "detail:detail?"},
	{"osd pool create", "pool:s pg_num:i? pgp_num:i? pool_type:replicated|erasure?"},
	{"osd pool delete", "pool:s pool2:s?"},
	{"osd pool rm", "pool:s pool2:s?"},
	{"osd pool get", "pool:s var:s"},
	{"osd pool set", "pool:s var:s val:s"},
	{"osd pool rename", "srcpool:s destpool:s"},
	{"osd pool set-quota", "pool:s field:max_objects|max_bytes val:i"},
	{"osd pool application enable", "pool:s app:s"},
	{"osd pool application disable", "pool:s app:s"},
	{"osd pool application set", "pool:s app:s key:s value:s"},
	{"osd pool application rm", "pool:s app:s key:s"},
	{"osd pool application get", "pool:s? app:s? key:s?"},
	{"osd crush add-bucket", "name:s type:s args:s*?"},
	{"osd crush move", "name:s args:s*"},
	{"osd crush rm", "name:s ancestor:s?"},
	{"osd crush remove", "name:s ancestor:s?"},
	{"osd crush reweight", "name:s weight:f"},
	{"osd crush rule create-replicated", "name:s root:s type:s class:s?"},
	{"osd crush rule ls", ""},
	{"osd crush rule rm", "name:s"},
	{"osd crush set-device-class", "class:s ids:s*"},
	{"osd crush tunables", "profile:s"},
	{"osd pg-upmap-items", "pgid:s id:s*"},
	{"osd rm-pg-upmap-items", "pgid:s"},
	{"osd blocklist", "blocklistop:add|rm addr:s expire:f?"},
	{"osd blocklist ls", ""},
	{"osd blocklist clear", ""},
	{"osd blacklist", "blacklistop:add|rm addr:s expire:f?"},
	{"osd blacklist ls", ""},
	{"osd blacklist clear", ""},
	{"pg map", "pgid:s"},
	{"pg dump", "dumpcontents:s*?"},
	{"pg stat", ""},
	{"pg ls", "pool:s? states:s*?"},
	{"pg ls-by-pool", "poolstr:s states:s*?"},
	{"pg ls-by-osd", "osd:s states:s*?"},
	{"pg ls-by-primary", "osd:s states:s*?"},
};

/* Words of @prefix matched by words[0..]; 0 if it does not match. */
static int match_prefix(const char *prefix, int nwords, char **words)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", prefix);
	int n = 0;
	char *save;
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (n >= nwords || strcmp(words[n], w) != 0)
			return 0;
		n++;
	}
	return n;
}

static void usage_line(const struct cmd_sig *c, struct buf *out)
{
	buf_printf(out, "%s", c->prefix);
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", c->args);
	char *save;
	for (char *a = strtok_r(buf, " ", &save); a; a = strtok_r(NULL, " ", &save)) {
		char *colon = strchr(a, ':');
		size_t len = strlen(a);
		bool opt = a[len - 1] == '?';
		if (opt)
			a[--len] = '\0';
		*colon = '\0';
		const char *type = colon + 1;
		const char *shown = strchr(type, '|') ? type : a;
		buf_printf(out, " %s<%s%s>%s", opt ? "[" : "", shown,
			   strcmp(type, "s*") == 0 ? "..." : "", opt ? "]" : "");
	}
	buf_printf(out, "\n");
}

void cairn_cmd_usage(struct buf *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		usage_line(&cmds[i], out);
}

static int bad(char *err, size_t errlen, const struct cmd_sig *c, const char *fmt, ...)
	CAIRN_PRINTF(4, 5);
static int bad(char *err, size_t errlen, const struct cmd_sig *c, const char *fmt, ...)
{
	struct buf u = BUF_INIT;
	usage_line(c, &u);
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s; usage: %s", msg, buf_cstr(&u));
	size_t n = strlen(err);
	if (n && err[n - 1] == '\n')
		err[n - 1] = '\0';
	buf_fini(&u);
	return -EINVAL;
}

static bool is_int(const char *s)
{
	char *end;
	if (!*s)
		return false;
	strtoll(s, &end, 10);
	return *end == '\0';
}

static bool is_num(const char *s)
{
	char *end;
	if (!*s)
		return false;
	strtod(s, &end);
	return *end == '\0';
}

static bool in_choices(const char *choices, const char *w)
{
	size_t n = strlen(w);
	const char *p = choices;
	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, w, n) == 0)
			return true;
		if (!bar)
			break;
		p = bar + 1;
	}
	return false;
}

/* Emit the positional arguments of @c from @words. */
static int emit_args(const struct cmd_sig *c, int nwords, char **words, struct json_w *w,
		     char *err, size_t errlen)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", c->args);
	int i = 0;
	char *save;
	const char *skipped_word = NULL, *skipped_type = NULL;
	for (char *a = strtok_r(buf, " ", &save); a; a = strtok_r(NULL, " ", &save)) {
		size_t len = strlen(a);
		bool opt = a[len - 1] == '?';
		if (opt)
			a[--len] = '\0';
		char *colon = strchr(a, ':');
		*colon = '\0';
		const char *name = a, *type = colon + 1;
		if (strcmp(type, "s*") == 0) {
			if (i >= nwords && !opt)
				return bad(err, errlen, c, "missing <%s>", name);
			if (i >= nwords)
				continue;
			json_w_key(w, name);
			json_w_arr_begin(w);
			for (; i < nwords; i++)
				json_w_str(w, words[i]);
			json_w_arr_end(w);
			continue;
		}
		if (i >= nwords) {
			if (opt)
				continue;
			return bad(err, errlen, c, "missing <%s>", name);
		}
		const char *word = words[i++];
		bool fits = strcmp(type, "i") == 0 ? is_int(word)
			    : strcmp(type, "f") == 0 ? is_num(word)
			    : strcmp(type, "s") == 0 ? true
						     : in_choices(type, word);
		if (!fits && opt) {
			i--; /* not this optional argument; maybe a later one */
			if (!skipped_word) {
				skipped_word = word;
				skipped_type = type;
			}
			continue;
		}
		if (strcmp(type, "i") == 0) {
			if (!is_int(word))
				return bad(err, errlen, c, "'%s' is not an integer", word);
			json_w_kv_int(w, name, strtoll(word, NULL, 10));
		} else if (strcmp(type, "f") == 0) {
			if (!is_num(word))
				return bad(err, errlen, c, "'%s' is not a number", word);
			json_w_kv_double(w, name, strtod(word, NULL));
		} else if (strcmp(type, "s") == 0) {
			json_w_kv_str(w, name, word);
		} else if (!in_choices(type, word)) {
			return bad(err, errlen, c, "'%s' is not one of the allowed words", word);
		} else {
			json_w_kv_str(w, name, word);
		}
	}
	if (i < nwords && skipped_word == words[i])
		return bad(err, errlen, c, "'%s' is not %s", words[i],
			   strcmp(skipped_type, "i") == 0   ? "an integer"
			   : strcmp(skipped_type, "f") == 0 ? "a number"
							    : "one of the allowed words");
	if (i < nwords)
		return bad(err, errlen, c, "unexpected argument '%s'", words[i]);
	return 0;
}

int cairn_cmd_to_json(int nwords, char **words, const char *format, struct buf *out, char *err,
		      size_t errlen)
{
	const struct cmd_sig *best = NULL;
	int best_n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		int n = match_prefix(cmds[i].prefix, nwords, words);
		if (n > best_n) {
			best = &cmds[i];
			best_n = n;
		}
	}
	if (!best) {
		snprintf(err, errlen, "unknown command '%s' (try --help)", nwords ? words[0] : "");
		return -EINVAL;
	}
	/* Pull out the flags the table does not describe. */
	char **rest = calloc((size_t)nwords + 1, sizeof(*rest));
	if (!rest)
		return -ENOMEM;
	int nrest = 0;
	bool sure = false, sure1 = false;
	const char *size = NULL;
	for (int i = best_n; i < nwords; i++) {
		if (strcmp(words[i], "--yes-i-really-really-mean-it") == 0)
			sure = true;
		else if (strcmp(words[i], "--yes-i-really-mean-it") == 0)
			sure1 = true;
		else if (strcmp(words[i], "--size") == 0 && i + 1 < nwords)
			size = words[++i];
		else
			rest[nrest++] = words[i];
	}
	struct json_w w;
	json_w_init(&w, out, false);
	json_w_obj_begin(&w);
	json_w_kv_str(&w, "prefix", best->prefix);
	int rc = emit_args(best, nrest, rest, &w, err, errlen);
	if (!rc && size) {
		if (!is_int(size))
			rc = bad(err, errlen, best, "--size '%s' is not an integer", size);
		else
			json_w_kv_int(&w, "size", strtoll(size, NULL, 10));
	}
	if (sure)
		json_w_kv_bool(&w, "yes_i_really_really_mean_it", true);
	if (sure1)
		json_w_kv_bool(&w, "yes_i_really_mean_it", true);
	if (format && *format)
		json_w_kv_str(&w, "format", format);
	json_w_obj_end(&w);
	free(rest);
	if (!rc && json_w_error(&w))
		rc = json_w_error(&w);
	return rc;
}
