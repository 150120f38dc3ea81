/*
 * msg_transport.h - the transport interface under the messenger (private
 * to common/msg).
 *
 * Session logic (msg_conn.c) sees a transport only through these
 * operations, so RDMA (librdmacm + libibverbs) can plug in later beside
 * TCP.  Every socket is non-blocking and exposes one file descriptor that
 * the event loop polls for readiness; read and write report -EAGAIN when
 * they would block.  All functions return 0/a byte count or -errno and
 * log nothing (the caller knows which connection it is).
 */
#ifndef CAIRN_MSG_TRANSPORT_H
#define CAIRN_MSG_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "addr.h"

struct msg_sock;

struct msg_sock_opts {
	bool nodelay;	 /* disable Nagle */
	bool keepalive;	 /* kernel keepalives as a backstop to ours */
	uint64_t rcvbuf; /* 0: kernel default */
	int backlog;	 /* listen only */
};

struct msg_transport_ops {
	const char *name;
	/* Listen on @addr (port 0: ephemeral). */
	int (*listen)(const struct net_addr *addr, const struct msg_sock_opts *opts,
		      struct msg_sock **out);
	/* The address a socket is bound to. */
	int (*local_addr)(struct msg_sock *s, struct net_addr *out);
	/* Accept one pending connection; -EAGAIN when none. */
	int (*accept)(struct msg_sock *ls, const struct msg_sock_opts *opts, struct msg_sock **out,
		      struct net_addr *out_peer);
	/* Start connecting; completion is signalled by writability. */
	int (*connect)(const struct net_addr *addr, const struct msg_sock_opts *opts,
		       struct msg_sock **out);
	/* After writability: 0 if connected, else the connect error. */
	int (*connect_result)(struct msg_sock *s);
	/* Bytes read (> 0), 0 at end of stream, -EAGAIN or -errno. */
	ssize_t (*readv)(struct msg_sock *s, const struct iovec *iov, int iovcnt);
	/* Bytes written (>= 0), -EAGAIN or -errno. */
	ssize_t (*writev)(struct msg_sock *s, const struct iovec *iov, int iovcnt);
	/* The descriptor to poll. */
	int (*fd)(const struct msg_sock *s);
	/* Close and free.  NULL is ok. */
	void (*close)(struct msg_sock *s);
};

extern const struct msg_transport_ops msg_tcp_transport;

#endif
