/*
 * cfg.h - configuration: a typed option table filled from defaults, a
 * ceph.conf-style file, the CEPH_ARGS environment variable, the command
 * line and runtime changes.
 *
 * Precedence, lowest to highest:
 *   default < file < environment (CEPH_ARGS) < command line < runtime set
 * A value set at one level is only replaced from the same or a higher
 * level, so the sources may be read in any order.  Within the file, the
 * most specific section wins: [global] < [osd] < [osd.3], whatever the
 * order of the sections.
 *
 * Option names treat spaces, underscores and dashes alike ("mon host",
 * "mon_host" and "--mon-host" are one option).  String values expand
 * $cluster, $type, $id, $name, $host, $pid and $<any option> when read.
 *
 * The option list lives in common/opts/ (one .def file per area); each option has a type, a
 * default, bounds and a one-line description.  Options are addressed by
 * enum cfg_id (CFG_<name>), or by name for the API and the CLI.
 *
 * Errors name the source and the option: "ceph.conf:12: option
 * 'ms_async_op_threads': 'abc' is not an integer".  Functions that parse
 * take an error buffer @err of @errlen bytes (may be NULL).  A source with
 * any error changes nothing.  Unknown options are skipped with a warning.
 *
 * Thread safety: all functions may be called from any thread; values are
 * guarded by a lock inside the cfg.
 */
#ifndef CAIRN_CFG_H
#define CAIRN_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "log.h"

enum cfg_id {
#define CFG_OPT(name, type, def, lo, hi, desc) CFG_##name,
#include "opts/global.def"
#include "opts/ms.def"
#include "opts/mon.def"
#include "opts/osd.def"
#include "opts/store.def"
#include "opts/client.def"
#undef CFG_OPT
#define CFG_X_DEBUG(up, low, def) CFG_debug_##low,
	LOG_SUBSYS_LIST(CFG_X_DEBUG)
#undef CFG_X_DEBUG
	CFG__COUNT
};

enum cfg_type {
	CFG_T_INT,
	CFG_T_SIZE,
	CFG_T_DUR,
	CFG_T_BOOL,
	CFG_T_FLOAT,
	CFG_T_STR,
	CFG_T_ADDRS,
};

enum cfg_level {
	CFG_LVL_DEFAULT,
	CFG_LVL_FILE,
	CFG_LVL_ENV,
	CFG_LVL_ARGV,
	CFG_LVL_RUNTIME,
};

struct cfg;

/*
 * A configuration for the entity @name (its type and id choose the file
 * sections that apply and fill $type/$id/$name).  NULL on allocation
 * failure.
 */
struct cfg *cfg_create(const struct ent_name *name);
void cfg_destroy(struct cfg *c);
/* Change the entity (e.g. after `--id`); values already set stay. */
void cfg_set_entity(struct cfg *c, const struct ent_name *name);
void cfg_get_entity(const struct cfg *c, struct ent_name *out);

/* Read a conf file.  0, -errno if unreadable, -EINVAL on a syntax or value error. */
int cfg_parse_file(struct cfg *c, const char *path, char *err, size_t errlen);
/* Parse conf text held in memory; @source names it in messages. */
int cfg_parse_text(struct cfg *c, const char *text, size_t len, const char *source, char *err,
		   size_t errlen);
/*
 * Apply the CEPH_ARGS environment variable (whitespace-separated
 * "--opt value" / "--opt=value" words) at CFG_LVL_ENV.  0 when unset.
 */
int cfg_parse_env(struct cfg *c, char *err, size_t errlen);
/*
 * Take "--opt value" and "--opt=value" for known options out of @argv at
 * CFG_LVL_ARGV; "-c FILE"/"--conf FILE" records the conf path (see
 * cfg_conf_path), "-i ID"/"--id ID" and "-n NAME"/"--name NAME" set the
 * entity, "--cluster NAME" the cluster.  Everything else stays, in order,
 * in @argv[0..*io_argc) (argv[0] is kept).  A bool option given without a
 * value means true.  0 or -EINVAL.
 */
int cfg_parse_argv(struct cfg *c, int *io_argc, char **argv, char *err, size_t errlen);
/*
 * The conf file to read: the one given by -c/--conf, else $CEPH_CONF,
 * else "/etc/ceph/$cluster.conf" expanded.  Returned string is malloc'd
 * (NULL on allocation failure).
 */
char *cfg_conf_path(const struct cfg *c);
/* True when the conf file was named (-c/--conf or CEPH_CONF), so it must exist. */
bool cfg_conf_path_explicit(const struct cfg *c);

/*
 * Sections of the conf files read so far that belong to entities of type
 * @type ("mon" gives "mon.a", "mon.b", ...), in file order, each once.
 * A malloc'd array of malloc'd names (free both).  0 or -ENOMEM.
 */
int cfg_file_sections(const struct cfg *c, const char *type, char ***out, size_t *out_n);
/*
 * The raw text of @key in file section @section (the last assignment
 * wins), whatever entity the cfg is for.  Returns the length, -ENOENT, or
 * -ENAMETOOLONG if @size is too small.
 */
int cfg_file_value(const struct cfg *c, const char *section, const char *key, char *buf,
		   size_t size);

/* Set an option by name at @level.  -ENOENT for an unknown name, -EINVAL for a bad value. */
int cfg_set(struct cfg *c, const char *name, const char *value, enum cfg_level level, char *err,
	    size_t errlen);
/*
 * Copy an option's value, as text, into @buf.  Returns the length, -ENOENT
 * for an unknown name, -ENAMETOOLONG if @size is too small.
 */
int cfg_get(const struct cfg *c, const char *name, char *buf, size_t size);
/* The id of option @name, or -ENOENT. */
int cfg_lookup(const char *name);
const char *cfg_name(enum cfg_id id);
const char *cfg_desc(enum cfg_id id);
enum cfg_type cfg_type_of(enum cfg_id id);
enum cfg_level cfg_level_of(const struct cfg *c, enum cfg_id id);

int64_t cfg_int(const struct cfg *c, enum cfg_id id);
uint64_t cfg_size(const struct cfg *c, enum cfg_id id);
uint64_t cfg_dur_ns(const struct cfg *c, enum cfg_id id);
bool cfg_bool(const struct cfg *c, enum cfg_id id);
double cfg_float(const struct cfg *c, enum cfg_id id);
/* A malloc'd copy of a string option with metavariables expanded; NULL on ENOMEM. */
char *cfg_str(const struct cfg *c, enum cfg_id id);
/*
 * A malloc'd copy of an address list option; *out_n entries (possibly 0,
 * with *out NULL).  0 or -ENOMEM.
 */
int cfg_addrs(const struct cfg *c, enum cfg_id id, struct net_addr **out, size_t *out_n);

/*
 * Call @cb(@arg, id) after every change of option @id (from any source).
 * Called with no cfg lock held, on the thread that made the change.
 * 0 or -ENOMEM.
 */
typedef void (*cfg_observer_fn)(void *arg, enum cfg_id id);
int cfg_observe(struct cfg *c, enum cfg_id id, cfg_observer_fn cb, void *arg);

/*
 * Apply the logging options (debug_*, log_file, log_to_stderr) now and
 * whenever they change.  0 or -errno from opening the log file.
 */
int cfg_apply_logging(struct cfg *c);

/* Append "name = value" lines for every option (for `config show`). */
struct buf;
int cfg_dump(const struct cfg *c, struct buf *out);

/* Value parsers, exposed for tests and other tools.  0 or -EINVAL/-ERANGE. */
int cfg_parse_int(const char *s, int64_t *out);
int cfg_parse_size(const char *s, uint64_t *out);
int cfg_parse_dur(const char *s, uint64_t *out_ns);
int cfg_parse_bool(const char *s, bool *out);
int cfg_parse_float(const char *s, double *out);

#endif
