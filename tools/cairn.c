/*
 * cairn.c - the admin CLI.
 *
 *   cairn [-c CONF] [--id NAME | -n TYPE.NAME] [-f json|json-pretty|plain]
 *         [-i INFILE] [-o OUTFILE] COMMAND WORDS...
 *   cairn -s                          same as `cairn status`
 *   cairn --admin-daemon SOCK CMD...  talk to a daemon's admin socket
 *
 * Commands and their arguments are Ceph's (`cairn osd pool create rbd
 * 64`); `cairn --help` lists them.  The command goes to a monitor through
 * librados' rados_mon_command.  Output goes to stdout (or -o), the
 * status line to stderr; a failure prints "Error ENAME: message" and
 * exits with the errno value, as Ceph's CLI does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rados/librados.h>

#include "common/asok.h"
#include "common/buf.h"
#include "tools/cairn_cmds.h"

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{EPERM, "EPERM"},   {ENOENT, "ENOENT"},	  {EIO, "EIO"},	      {EAGAIN, "EAGAIN"},
	{ENOMEM, "ENOMEM"}, {EACCES, "EACCES"},	  {EBUSY, "EBUSY"},   {EEXIST, "EEXIST"},
	{EINVAL, "EINVAL"}, {ENOSPC, "ENOSPC"},	  {ERANGE, "ERANGE"}, {ENOTSUP, "EOPNOTSUPP"},
	{ETIMEDOUT, "ETIMEDOUT"}, {ENOTEMPTY, "ENOTEMPTY"}, {ENOTCONN, "ENOTCONN"},
	{ESHUTDOWN, "ESHUTDOWN"}, {ECANCELED, "ECANCELED"},
};

static const char *errname(int e)
{
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].err == e)
			return errnames[i].name;
	return "E?";
}

static void usage(FILE *f)
{
	struct buf b = BUF_INIT;
	cairn_cmd_usage(&b);
	fprintf(f,
		"usage: cairn [-c CONF] [--id NAME] [-f json|json-pretty|plain] [-i IN] [-o OUT] "
		"COMMAND...\n"
		"       cairn -s\n"
		"       cairn --admin-daemon SOCKET COMMAND...\n\ncommands:\n%s",
		buf_cstr(&b));
	buf_fini(&b);
}

static int read_file(const char *path, struct buf *out)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return -errno;
	char tmp[65536];
	size_t n;
	int rc = 0;
	while (!rc && (n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		rc = buf_append(out, tmp, n);
	if (f != stdin)
		fclose(f);
	return rc;
}

static int write_out(const char *path, const char *data, size_t len)
{
	FILE *f = path && strcmp(path, "-") != 0 ? fopen(path, "wb") : stdout;
	if (!f)
		return -errno;
	size_t w = len ? fwrite(data, 1, len, f) : 0;
	int rc = w == len ? 0 : -EIO;
	if (f != stdout)
		rc = fclose(f) == 0 ? rc : -errno;
	return rc;
}

static int admin_daemon(const char *sock, int n, char **words)
{
	struct buf cmd = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < n; i++)
		buf_printf(&cmd, "%s%s", i ? " " : "", words[i]);
	int rc = asok_command(sock, buf_cstr(&cmd) ? buf_cstr(&cmd) : "help", &out, 30000);
	if (rc)
		fprintf(stderr, "admin_socket: %s: %s\n", sock, strerror(-rc));
	else
		printf("%s\n", buf_cstr(&out));
	buf_fini(&cmd);
	buf_fini(&out);
	return rc ? 22 : 0;
}

struct opts {
	const char *conf, *id, *name, *format, *in, *out, *admin;
	int nwords;
	char **words;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	o->words = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->words)
		return -ENOMEM;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (!strcmp(a, "-c") || !strcmp(a, "--conf"))
			slot = &o->conf;
		else if (!strcmp(a, "--id") || !strcmp(a, "--user"))
			slot = &o->id;
		else if (!strcmp(a, "-n") || !strcmp(a, "--name"))
			slot = &o->name;
		else if (!strcmp(a, "-f") || !strcmp(a, "--format"))
			slot = &o->format;
		else if (!strcmp(a, "-i") || !strcmp(a, "--in-file"))
			slot = &o->in;
		else if (!strcmp(a, "-o") || !strcmp(a, "--out-file"))
			slot = &o->out;
		else if (!strcmp(a, "--admin-daemon"))
			slot = &o->admin;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		else if (!strcmp(a, "-s"))
			o->words[o->nwords++] = "status";
		else
			o->words[o->nwords++] = argv[i];
		if (slot) {
			if (i + 1 >= argc) {
				fprintf(stderr, "cairn: %s needs a value\n", a);
				return -EINVAL;
			}
			*slot = argv[++i];
		}
	}
	return 0;
}

static int run_command(const struct opts *o)
{
	char err[512];
	struct buf json = BUF_INIT, in = BUF_INIT;
	const char *fmt = o->format && strcmp(o->format, "plain") != 0 ? o->format : NULL;
	int rc = cairn_cmd_to_json(o->nwords, o->words, fmt, &json, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "cairn: %s\n", err);
		buf_fini(&json);
		return 22;
	}
	if (o->in && (rc = read_file(o->in, &in)) != 0) {
		fprintf(stderr, "cairn: cannot read %s: %s\n", o->in, strerror(-rc));
		buf_fini(&json);
		return 2;
	}
	rados_t cluster = NULL;
	const char *name = o->name;
	char namebuf[128];
	if (!name && o->id) {
		snprintf(namebuf, sizeof(namebuf), "client.%s", o->id);
		name = namebuf;
	}
	rc = rados_create2(&cluster, "ceph", name ? name : "client.admin", 0);
	if (!rc)
		rc = rados_conf_read_file(cluster, o->conf);
	if (!rc)
		rc = rados_conf_parse_env(cluster, NULL);
	if (!rc)
		rc = rados_connect(cluster);
	if (rc) {
		fprintf(stderr, "cairn: cannot connect to the cluster: %s\n", strerror(-rc));
		if (cluster)
			rados_shutdown(cluster);
		buf_fini(&json);
		buf_fini(&in);
		return -rc;
	}
	const char *cmds[1] = {buf_cstr(&json)};
	char *outbuf = NULL, *outs = NULL;
	size_t outlen = 0, outslen = 0;
	rc = rados_mon_command(cluster, cmds, 1, (const char *)in.data, in.len, &outbuf, &outlen,
			       &outs, &outslen);
	if (rc < 0)
		fprintf(stderr, "Error %s: %.*s\n", errname(-rc), (int)outslen, outs ? outs : "");
	else if (outslen)
		fprintf(stderr, "%.*s\n", (int)outslen, outs);
	if (rc >= 0) {
		int w = write_out(o->out, outbuf, outlen);
		if (!w && !o->out && outlen && outbuf[outlen - 1] != '\n' && fmt)
			putchar('\n');
	}
	rados_buffer_free(outbuf);
	rados_buffer_free(outs);
	rados_shutdown(cluster);
	buf_fini(&json);
	buf_fini(&in);
	return rc < 0 ? -rc : 0;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	int rc = parse_opts(argc, argv, &o);
	if (rc) {
		usage(rc > 0 ? stdout : stderr);
		free(o.words);
		return rc > 0 ? 0 : 22;
	}
	if (o.admin)
		rc = admin_daemon(o.admin, o.nwords, o.words);
	else if (o.nwords == 0) {
		usage(stderr);
		rc = 22;
	} else {
		rc = run_command(&o);
	}
	free(o.words);
	return rc;
}
