/*
 * asok.h - the admin socket: a Unix-domain socket on which a daemon
 * answers local commands (status dumps, config get/set, debug knobs).
 * Tests use it to wait for a daemon's state instead of sleeping.
 *
 * Protocol (the one Ceph's `ceph daemon` / `ceph --admin-daemon` speak):
 * the client writes one command and a NUL (or newline); the command is a
 * JSON object {"prefix": "status", ...} or a bare word list ("perf dump").
 * The server answers with a 4-byte big-endian length and that many bytes
 * of output (JSON), then waits for the next command on the connection.
 * Failed commands answer {"error": "...", "errno": N}.
 *
 * Threading: the server lives on one event loop; handlers run there.
 * asok_command() is a blocking client for tools and tests.
 */
#ifndef CAIRN_ASOK_H
#define CAIRN_ASOK_H

#include <stddef.h>

#include "buf.h"
#include "json.h"

struct ev_loop;
struct asok;
struct cfg;

/*
 * A command handler: write the answer to @out (one JSON value).  Return
 * 0, or a negative errno with a message in @errmsg (out is then ignored).
 * @cmd is the parsed command object, borrowed for the call.
 */
typedef int (*asok_handler_fn)(void *arg, const struct json_val *cmd, struct json_w *out,
			       struct buf *errmsg);

/*
 * Listen on @path.  A stale socket file left by a dead process is
 * replaced; a live one is -EADDRINUSE.  Registers "help" and "version".
 * Must be called on @loop's thread.  0 or -errno.
 */
int asok_create(struct ev_loop *loop, const char *path, struct asok **out);
/* Close the socket, drop connections, unlink the path.  NULL is ok.  Loop thread. */
void asok_destroy(struct asok *a);

/*
 * Register @prefix (e.g. "pg dump").  @help is shown by "help".  Loop
 * thread.  0, -EEXIST or -ENOMEM.
 */
int asok_register(struct asok *a, const char *prefix, const char *help, asok_handler_fn fn,
		  void *arg);

/* Register "config show", "config get", "config set" for @c (borrowed; must outlive @a). */
int asok_register_config(struct asok *a, struct cfg *c);

/*
 * Run @command (JSON or a word list, as on the socket) here, as if it had
 * come on the socket: its answer is appended to @out, a message on failure
 * to @errmsg.  0 or the handler's -errno (-ENOSYS: unknown command).  Loop
 * thread.  Daemons use it to answer the same commands over the messenger.
 */
int asok_run(struct asok *a, const char *command, struct buf *out, struct buf *errmsg);

/*
 * Send @command to the admin socket at @path and read the answer into
 * @out.  Blocking, with a timeout.  0; -ENOENT/-ECONNREFUSED when nothing
 * listens; -ETIMEDOUT; -EPROTO on a malformed answer.
 */
int asok_command(const char *path, const char *command, struct buf *out, int timeout_ms);

#endif
