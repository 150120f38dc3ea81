/*
 * daemon.c - daemon start-up helpers.  See daemon.h.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "log.h"

int daemon_config(enum ent_type type, int *argc, char **argv, struct cfg **out, char *err,
		  size_t errlen)
{
	struct ent_name name;
	ent_name_make(type, type == ENT_TYPE_OSD ? "0" : type == ENT_TYPE_CLIENT ? "admin" : "a",
		      &name);
	struct cfg *c = cfg_create(&name);
	if (!c)
		return -ENOMEM;
	int rc = cfg_parse_argv(c, argc, argv, err, errlen);
	if (!rc)
		rc = cfg_parse_env(c, err, errlen);
	struct ent_name got;
	cfg_get_entity(c, &got);
	if (!rc && got.type != type) {
		snprintf(err, errlen, "this program runs the %s daemon, not %s.%s", ent_type_name(type),
			 ent_type_name(got.type), got.id);
		rc = -EINVAL;
	}
	char *path = rc ? NULL : cfg_conf_path(c);
	if (!rc && !path)
		rc = -ENOMEM;
	if (!rc) {
		/* Only a file the user named (-c, CEPH_CONF) must exist. */
		rc = cfg_parse_file(c, path, err, errlen);
		if (rc == -ENOENT && !cfg_conf_path_explicit(c))
			rc = 0;
	}
	free(path);
	if (!rc)
		rc = cfg_apply_logging(c);
	if (rc) {
		cfg_destroy(c);
		return rc;
	}
	*out = c;
	return 0;
}

int daemon_pidfile_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int rc = errno == EWOULDBLOCK ? -EEXIST : -errno;
		close(fd);
		return rc;
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

void daemon_pidfile_close(int fd, const char *path)
{
	if (fd < 0)
		return;
	if (path)
		unlink(path);
	close(fd); /* releases the lock */
}

int daemon_detach_begin(void)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int rc = -errno;
		close(p[0]);
		close(p[1]);
		return rc;
	}
	if (pid == 0) {
		close(p[0]);
		return p[1];
	}
	/* Parent: wait for the child's verdict. */
	close(p[1]);
	unsigned char status = 1;
	ssize_t n;
	do
		n = read(p[0], &status, 1);
	while (n < 0 && errno == EINTR);
	_exit(n == 1 ? status : 1);
}

void daemon_detach_done(int fd, int status)
{
	if (fd < 0)
		return;
	unsigned char st = (unsigned char)(status ? 1 : 0);
	ssize_t n = write(fd, &st, 1);
	(void)n;
	close(fd);
	if (status)
		return;
	setsid();
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
}

struct daemon_signals {
	struct ev_loop *loop;
	struct ev_io io;
	int fd;
	struct cfg *cfg;
	void (*on_stop)(void *arg);
	void *arg;
};

static void signal_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct daemon_signals *s = io->data;
	struct signalfd_siginfo si;
	while (read(s->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info(LOG_CONTEXT, "received signal %u: shutting down", si.ssi_signo);
			if (s->on_stop)
				s->on_stop(s->arg);
			else
				ev_loop_stop(loop);
			break;
		case SIGHUP:
			/* Log rotation: the file option is unchanged, reopen it. */
			if (s->cfg) {
				char *path = cfg_str(s->cfg, CFG_log_file);
				if (path && *path)
					log_open(path);
				free(path);
			}
			log_info(LOG_CONTEXT, "SIGHUP: reopened the log");
			break;
		default:
			break;
		}
	}
}

int daemon_signals_start(struct ev_loop *loop, struct cfg *cfg, void (*on_stop)(void *arg),
			 void *arg, struct daemon_signals **out)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	int rc = -pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (rc)
		return rc;
	sigdelset(&set, SIGPIPE); /* blocked and never read: writes to dead peers get EPIPE */
	struct daemon_signals *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->fd < 0) {
		rc = -errno;
		free(s);
		return rc;
	}
	s->loop = loop;
	s->cfg = cfg;
	s->on_stop = on_stop;
	s->arg = arg;
	s->io.data = s;
	rc = ev_io_start(loop, &s->io, s->fd, EV_READ, signal_cb);
	if (rc) {
		close(s->fd);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void daemon_signals_stop(struct daemon_signals *s)
{
	if (!s)
		return;
	ev_io_stop(s->loop, &s->io);
	close(s->fd);
	free(s);
}
