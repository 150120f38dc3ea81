/*
 * msg_tcp.c - the TCP transport (see msg_transport.h).
 *
 * Thin wrappers over non-blocking sockets.  Nothing here keeps state
 * beyond the descriptor, so the functions are safe on any thread that
 * owns the socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "msg_transport.h"

struct msg_sock {
	int fd;
};

static int sock_new(int fd, struct msg_sock **out)
{
	struct msg_sock *s = malloc(sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->fd = fd;
	*out = s;
	return 0;
}

static void apply_opts(int fd, const struct msg_sock_opts *o)
{
	/* Best effort: a socket without these options still works, only slower. */
	int one = 1;
	if (o->nodelay)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (o->keepalive)
		(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	if (o->rcvbuf) {
		int v = o->rcvbuf > (1u << 30) ? (1 << 30) : (int)o->rcvbuf;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	}
}

static int tcp_listen(const struct net_addr *addr, const struct msg_sock_opts *opts,
		      struct msg_sock **out)
{
	int fd = socket(addr_family(addr), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, &addr->u.sa, addr_len(addr)) != 0 || listen(fd, opts->backlog) != 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return sock_new(fd, out);
}

static int tcp_local_addr(struct msg_sock *s, struct net_addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(s->fd, (struct sockaddr *)&ss, &len) != 0)
		return -errno;
	return addr_from_sockaddr((struct sockaddr *)&ss, len, out);
}

static int tcp_accept(struct msg_sock *ls, const struct msg_sock_opts *opts, struct msg_sock **out,
		      struct net_addr *out_peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = accept4(ls->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	apply_opts(fd, opts);
	if (addr_from_sockaddr((struct sockaddr *)&ss, len, out_peer) != 0) {
		close(fd);
		return -EINVAL;
	}
	return sock_new(fd, out);
}

static int tcp_connect(const struct net_addr *addr, const struct msg_sock_opts *opts,
		       struct msg_sock **out)
{
	int fd = socket(addr_family(addr), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	apply_opts(fd, opts);
	if (connect(fd, &addr->u.sa, addr_len(addr)) != 0 && errno != EINPROGRESS) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return sock_new(fd, out);
}

static int tcp_connect_result(struct msg_sock *s)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		return -errno;
	return -err;
}

static ssize_t tcp_readv(struct msg_sock *s, const struct iovec *iov, int iovcnt)
{
	ssize_t n = readv(s->fd, iov, iovcnt);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

static ssize_t tcp_writev(struct msg_sock *s, const struct iovec *iov, int iovcnt)
{
	/* sendmsg rather than writev: MSG_NOSIGNAL instead of a process-wide SIGPIPE policy. */
	struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
	ssize_t n = sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

static int tcp_fd(const struct msg_sock *s)
{
	return s->fd;
}

static void tcp_close(struct msg_sock *s)
{
	if (!s)
		return;
	close(s->fd);
	free(s);
}

const struct msg_transport_ops msg_tcp_transport = {
    .name = "tcp",
    .listen = tcp_listen,
    .local_addr = tcp_local_addr,
    .accept = tcp_accept,
    .connect = tcp_connect,
    .connect_result = tcp_connect_result,
    .readv = tcp_readv,
    .writev = tcp_writev,
    .fd = tcp_fd,
    .close = tcp_close,
};
