/*
 * asok.c - admin socket server and client.  See asok.h.
 *
 * Each connection reads up to ASOK_MAX_REQUEST bytes until a NUL or a
 * newline, runs the command, queues the length-prefixed answer and keeps
 * writing it as the socket allows.  A connection that sends garbage gets
 * an error answer; one that sends too much is closed.  Nothing a client
 * sends can take the daemon down.
 */
#include "asok.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cfg.h"
#include "clk.h"
#include "enc.h"
#include "ev.h"
#include "log.h"
#include "perf.h"

#define ASOK_MAX_REQUEST (64 * 1024)
#define ASOK_MAX_REPLY (256u << 20)

struct asok_cmd {
	struct asok_cmd *next;
	char *prefix;
	char *help;
	asok_handler_fn fn;
	void *arg;
};

struct asok_conn {
	struct asok_conn *next, *prev;
	struct asok *a;
	struct ev_io io;
	int fd;
	struct buf in;
	struct buf out;
	size_t out_off;
};

struct asok {
	struct ev_loop *loop;
	struct ev_io io;
	int fd;
	char *path;
	struct asok_cmd *cmds;
	struct asok_conn *conns;
};

static int make_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

/* ---- commands ---------------------------------------------------------- */

static struct asok_cmd *find_cmd(struct asok *a, const char *prefix)
{
	for (struct asok_cmd *c = a->cmds; c; c = c->next)
		if (strcmp(c->prefix, prefix) == 0)
			return c;
	return NULL;
}

int asok_register(struct asok *a, const char *prefix, const char *help, asok_handler_fn fn,
		  void *arg)
{
	if (find_cmd(a, prefix))
		return -EEXIST;
	struct asok_cmd *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->prefix = strdup(prefix);
	c->help = strdup(help ? help : "");
	if (!c->prefix || !c->help) {
		free(c->prefix);
		free(c->help);
		free(c);
		return -ENOMEM;
	}
	c->fn = fn;
	c->arg = arg;
	/* Keep registration order for "help". */
	struct asok_cmd **tail = &a->cmds;
	while (*tail)
		tail = &(*tail)->next;
	*tail = c;
	return 0;
}

static int cmd_help(void *arg, const struct json_val *cmd, struct json_w *out, struct buf *errmsg)
{
	struct asok *a = arg;
	json_w_obj_begin(out);
	for (struct asok_cmd *c = a->cmds; c; c = c->next)
		json_w_kv_str(out, c->prefix, c->help);
	json_w_obj_end(out);
	return 0;
}

static int cmd_version(void *arg, const struct json_val *cmd, struct json_w *out,
		       struct buf *errmsg)
{
	json_w_obj_begin(out);
	json_w_kv_str(out, "version", "0.1.0");
	json_w_kv_str(out, "release", "cairn");
	json_w_obj_end(out);
	return 0;
}

static int cmd_config_show(void *arg, const struct json_val *cmd, struct json_w *out,
			   struct buf *errmsg)
{
	struct cfg *c = arg;
	json_w_obj_begin(out);
	for (int i = 0; i < CFG__COUNT; i++) {
		char val[4096];
		int rc = cfg_get(c, cfg_name((enum cfg_id)i), val, sizeof(val));
		json_w_kv_str(out, cfg_name((enum cfg_id)i), rc >= 0 ? val : "");
	}
	json_w_obj_end(out);
	return 0;
}

static int cmd_config_get(void *arg, const struct json_val *cmd, struct json_w *out,
			  struct buf *errmsg)
{
	struct cfg *c = arg;
	const char *var;
	if (json_get_str(cmd, "var", &var) != 0) {
		buf_append_str(errmsg, "config get needs \"var\"");
		return -EINVAL;
	}
	char val[4096];
	int rc = cfg_get(c, var, val, sizeof(val));
	if (rc < 0) {
		buf_printf(errmsg, "cannot get '%s': %s", var, strerror(-rc));
		return rc;
	}
	json_w_obj_begin(out);
	json_w_kv_str(out, var, val);
	json_w_obj_end(out);
	return 0;
}

static int cmd_config_set(void *arg, const struct json_val *cmd, struct json_w *out,
			  struct buf *errmsg)
{
	struct cfg *c = arg;
	const char *var, *val;
	if (json_get_str(cmd, "var", &var) != 0 || json_get_str(cmd, "val", &val) != 0) {
		buf_append_str(errmsg, "config set needs \"var\" and \"val\"");
		return -EINVAL;
	}
	char err[256];
	int rc = cfg_set(c, var, val, CFG_LVL_RUNTIME, err, sizeof(err));
	if (rc) {
		buf_append_str(errmsg, err);
		return rc;
	}
	json_w_obj_begin(out);
	json_w_kv_str(out, "success", "");
	json_w_obj_end(out);
	return 0;
}

int asok_register_config(struct asok *a, struct cfg *c)
{
	int rc = asok_register(a, "config show", "show every option", cmd_config_show, c);
	if (!rc)
		rc = asok_register(a, "config get", "config get <var>: show one option",
				   cmd_config_get, c);
	if (!rc)
		rc = asok_register(a, "config set", "config set <var> <val>: change an option",
				   cmd_config_set, c);
	return rc;
}

/*
 * Turn a request into a command object.  JSON objects are taken as they
 * are; anything else is a list of words whose longest registered prefix
 * names the command ("config get debug_ms" -> prefix "config get", and the
 * rest becomes "var"/"val" for the config commands).
 */
static int parse_request(struct asok *a, const char *req, struct json_val **out,
			 struct buf *errmsg)
{
	char err[128];
	while (*req == ' ' || *req == '\t')
		req++;
	if (*req == '{') {
		int rc = json_parse(req, strlen(req), out, err, sizeof(err));
		if (rc)
			buf_printf(errmsg, "bad command JSON: %s", err);
		return rc;
	}
	struct buf b = BUF_INIT;
	struct json_w w;
	const char *best = NULL;
	size_t best_len = 0;
	for (struct asok_cmd *c = a->cmds; c; c = c->next) {
		size_t n = strlen(c->prefix);
		if (n > best_len && strncmp(req, c->prefix, n) == 0 &&
		    (req[n] == '\0' || req[n] == ' ')) {
			best = c->prefix;
			best_len = n;
		}
	}
	json_w_init(&w, &b, false);
	json_w_obj_begin(&w);
	json_w_kv_str(&w, "prefix", best ? best : req);
	if (best) {
		static const char *const argnames[] = {"var", "val"};
		const char *p = req + best_len;
		for (int i = 0; i < 2; i++) {
			while (*p == ' ')
				p++;
			if (!*p)
				break;
			const char *q = i == 1 ? p + strlen(p) : strchr(p, ' ');
			if (!q)
				q = p + strlen(p);
			json_w_key(&w, argnames[i]);
			json_w_strn(&w, p, (size_t)(q - p));
			p = q;
		}
	}
	json_w_obj_end(&w);
	int rc = json_w_error(&w);
	if (!rc)
		rc = json_parse((char *)b.data, b.len, out, err, sizeof(err));
	if (rc)
		buf_printf(errmsg, "bad command: %s", err);
	buf_fini(&b);
	return rc;
}

int asok_run(struct asok *a, const char *command, struct buf *out, struct buf *errmsg)
{
	struct json_val *cmd = NULL;
	struct json_w w;
	int rc = parse_request(a, command, &cmd, errmsg);
	const char *prefix = NULL;
	if (!rc && json_get_str(cmd, "prefix", &prefix) != 0) {
		buf_append_str(errmsg, "command has no \"prefix\"");
		rc = -EINVAL;
	}
	struct asok_cmd *c = rc ? NULL : find_cmd(a, prefix);
	if (!rc && !c) {
		buf_printf(errmsg, "unknown command '%s' (try 'help')", prefix);
		rc = -ENOSYS;
	}
	size_t mark = out->len;
	if (c) {
		json_w_init(&w, out, true);
		rc = c->fn(c->arg, cmd, &w, errmsg);
		if (!rc && json_w_error(&w))
			rc = json_w_error(&w);
	}
	if (rc)
		out->len = mark; /* no half answers */
	json_free(cmd);
	return rc;
}

/* Run one request; the answer (length-prefixed) is appended to @reply. */
static void run_request(struct asok *a, const char *req, struct buf *reply)
{
	struct buf body = BUF_INIT, errmsg = BUF_INIT;
	struct json_w w;
	int rc = asok_run(a, req, &body, &errmsg);
	if (rc) {
		buf_reset(&body);
		json_w_init(&w, &body, true);
		json_w_obj_begin(&w);
		json_w_kv_str(&w, "error", errmsg.len ? buf_cstr(&errmsg) : strerror(-rc));
		json_w_kv_int(&w, "errno", rc);
		json_w_obj_end(&w);
	}
	uint8_t len[4];
	enc_put_be32(len, (uint32_t)MIN(body.len, ASOK_MAX_REPLY));
	buf_append(reply, len, 4);
	buf_append(reply, body.data ? body.data : (uint8_t *)"", MIN(body.len, ASOK_MAX_REPLY));
	buf_fini(&body);
	buf_fini(&errmsg);
}

/* ---- connections ------------------------------------------------------- */

static void conn_close(struct asok_conn *cn)
{
	struct asok *a = cn->a;
	ev_io_stop(a->loop, &cn->io);
	close(cn->fd);
	if (cn->prev)
		cn->prev->next = cn->next;
	else
		a->conns = cn->next;
	if (cn->next)
		cn->next->prev = cn->prev;
	buf_fini(&cn->in);
	buf_fini(&cn->out);
	free(cn);
}

/* Run every complete request in the input buffer. */
static void conn_process(struct asok_conn *cn)
{
	size_t start = 0;
	for (size_t i = 0; i < cn->in.len; i++) {
		if (cn->in.data[i] != '\0' && cn->in.data[i] != '\n')
			continue;
		cn->in.data[i] = '\0';
		if (i > start)
			run_request(cn->a, (char *)cn->in.data + start, &cn->out);
		start = i + 1;
	}
	if (start) {
		memmove(cn->in.data, cn->in.data + start, cn->in.len - start);
		cn->in.len -= start;
	}
}

static void conn_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct asok_conn *cn = container_of(io, struct asok_conn, io);
	if (events & EV_READ) {
		char tmp[4096];
		ssize_t n = read(cn->fd, tmp, sizeof(tmp));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(cn);
			return;
		}
		if (n > 0) {
			if (cn->in.len + (size_t)n > ASOK_MAX_REQUEST ||
			    buf_append(&cn->in, tmp, (size_t)n) != 0) {
				log_warn(LOG_ASOK, "admin socket: request too large, closing");
				conn_close(cn);
				return;
			}
			conn_process(cn);
		}
	}
	while (cn->out_off < cn->out.len) {
		ssize_t n = send(cn->fd, cn->out.data + cn->out_off, cn->out.len - cn->out_off,
				 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_close(cn);
			return;
		}
		cn->out_off += (size_t)n;
	}
	if (cn->out_off == cn->out.len) {
		buf_reset(&cn->out);
		cn->out_off = 0;
	}
	ev_io_set(loop, io, EV_READ | (cn->out.len ? EV_WRITE : 0));
}

static void listen_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct asok *a = container_of(io, struct asok, io);
	int fd = accept4(a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct asok_conn *cn = calloc(1, sizeof(*cn));
	if (!cn) {
		close(fd);
		return;
	}
	cn->a = a;
	cn->fd = fd;
	if (ev_io_start(loop, &cn->io, fd, EV_READ, conn_cb) != 0) {
		close(fd);
		free(cn);
		return;
	}
	cn->next = a->conns;
	if (a->conns)
		a->conns->prev = cn;
	a->conns = cn;
}

/* Is something answering on @path?  Used to tell a stale file from a live daemon. */
static bool socket_alive(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return alive;
}

static int cmd_perf_dump(void *arg, const struct json_val *cmd, struct json_w *out,
			 struct buf *errmsg)
{
	perf_dump(out);
	return 0;
}

/* "log level": show every subsystem's level; with var/val, set one ("10" or "10/5"). */
static int cmd_log_level(void *arg, const struct json_val *cmd, struct json_w *out,
			 struct buf *errmsg)
{
	const char *var, *val;
	if (json_get_str(cmd, "var", &var) == 0) {
		int sub = log_subsys_lookup(strncmp(var, "debug_", 6) == 0 ? var + 6 : var);
		if (sub < 0) {
			buf_printf(errmsg, "unknown log subsystem '%s'", var);
			return -ENOENT;
		}
		if (json_get_str(cmd, "val", &val) == 0 &&
		    log_set_level_str((enum log_subsys)sub, val) != 0) {
			buf_printf(errmsg, "bad level '%s' (N or N/M, -1..99)", val);
			return -EINVAL;
		}
	}
	json_w_obj_begin(out);
	for (int i = 0; i < LOG__SUBSYS_COUNT; i++)
		json_w_kv_int(out, log_subsys_name((enum log_subsys)i),
			      log_get_level((enum log_subsys)i));
	json_w_obj_end(out);
	return 0;
}

int asok_create(struct ev_loop *loop, const char *path, struct asok **out)
{
	struct sockaddr_un sun;
	int rc = make_addr(path, &sun);
	if (rc)
		return rc;
	struct asok *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->loop = loop;
	a->path = strdup(path);
	if (!a->path) {
		rc = -ENOMEM;
		goto out_free;
	}
	if (socket_alive(&sun)) {
		rc = -EADDRINUSE;
		goto out_free;
	}
	unlink(path); /* stale */
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		rc = -errno;
		goto out_free;
	}
	if (bind(a->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 || listen(a->fd, 16) != 0) {
		rc = -errno;
		goto out_close;
	}
	rc = ev_io_start(loop, &a->io, a->fd, EV_READ, listen_cb);
	if (rc)
		goto out_unlink;
	if ((rc = asok_register(a, "help", "list available commands", cmd_help, a)) != 0 ||
	    (rc = asok_register(a, "version", "show the version", cmd_version, a)) != 0 ||
	    (rc = asok_register(a, "perf dump", "dump performance counters", cmd_perf_dump,
				a)) != 0 ||
	    (rc = asok_register(a, "log level", "log level [<subsys> [<level>]]: show or set",
				cmd_log_level, a)) != 0) {
		asok_destroy(a);
		return rc;
	}
	*out = a;
	return 0;

out_unlink:
	unlink(path);
out_close:
	close(a->fd);
out_free:
	free(a->path);
	free(a);
	return rc;
}

void asok_destroy(struct asok *a)
{
	if (!a)
		return;
	while (a->conns)
		conn_close(a->conns);
	ev_io_stop(a->loop, &a->io);
	close(a->fd);
	unlink(a->path);
	while (a->cmds) {
		struct asok_cmd *c = a->cmds;
		a->cmds = c->next;
		free(c->prefix);
		free(c->help);
		free(c);
	}
	free(a->path);
	free(a);
}

/* ---- client ------------------------------------------------------------ */

/* Wait for @fd to become ready for @events before @deadline. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = clk_mono_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd pfd = {fd, events, 0};
		int ms = (int)((deadline - now + CLK_NS_PER_MS - 1) / CLK_NS_PER_MS);
		int n = poll(&pfd, 1, ms);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int read_exact(int fd, void *p, size_t len, uint64_t deadline)
{
	uint8_t *b = p;
	while (len > 0) {
		int rc = wait_fd(fd, POLLIN, deadline);
		if (rc)
			return rc;
		ssize_t n = read(fd, b, len);
		if (n == 0)
			return -EPROTO;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

int asok_command(const char *path, const char *command, struct buf *out, int timeout_ms)
{
	struct sockaddr_un sun;
	int rc = make_addr(path, &sun);
	if (rc)
		return rc;
	uint64_t deadline = clk_mono_ns() + (uint64_t)timeout_ms * CLK_NS_PER_MS;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		rc = -errno;
		goto out_close;
	}
	size_t len = strlen(command) + 1; /* with the NUL */
	const char *p = command;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out_close;
		}
		p += n;
		len -= (size_t)n;
	}
	uint8_t hdr[4];
	rc = read_exact(fd, hdr, 4, deadline);
	if (rc)
		goto out_close;
	uint32_t blen = enc_get_be32(hdr);
	if (blen > ASOK_MAX_REPLY) {
		rc = -EPROTO;
		goto out_close;
	}
	rc = buf_reserve(out, blen);
	if (rc)
		goto out_close;
	rc = read_exact(fd, out->data + out->len, blen, deadline);
	if (rc)
		goto out_close;
	out->len += blen;
	buf_cstr(out);
out_close:
	close(fd);
	return rc;
}
