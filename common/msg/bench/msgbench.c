/*
 * msgbench - messenger echo benchmark against a plain TCP copy.
 *
 *   msgbench [--size BYTES] [--count N] [--window W] [--reps R]
 *
 * Forks a server process holding a messenger and a raw TCP sink on
 * 127.0.0.1.  The client sends N messages of BYTES data (window W in
 * flight; each answered by a small ECHO_REPLY), then copies the same
 * N*BYTES over a plain TCP socket in 256 KiB writes.  Each is run R times
 * and the median is printed with the messenger/raw ratio.  Build it in a
 * release build directory for meaningful numbers.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "clk.h"
#include "msg.h"

#define RAW_CHUNK (256 * 1024)

/* ---- server ----------------------------------------------------------- */

static void srv_echo(void *arg, struct msg_conn *c, struct msg *m)
{
	struct msg *r = msg_create(MSG_ECHO_REPLY);
	if (r) {
		struct msg_echo_reply *rb = msg_echo_reply_body(r);
		rb->tid = msg_echo_body(m)->tid;
		rb->data_len = buflist_length(msg_data(m));
		if (msg_send(c, r) != 0)
			msg_put(r);
	}
	msg_put(m);
}

static void *raw_conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *buf = malloc(RAW_CHUNK);
	for (;;) {
		uint64_t total;
		if (!buf || recv(fd, &total, sizeof(total), MSG_WAITALL) != sizeof(total))
			break;
		uint64_t got = 0;
		while (got < total) {
			ssize_t n = recv(fd, buf, RAW_CHUNK, 0);
			if (n <= 0)
				goto out;
			got += (uint64_t)n;
		}
		char ack = 1;
		if (send(fd, &ack, 1, MSG_NOSIGNAL) != 1)
			break;
	}
out:
	free(buf);
	close(fd);
	return NULL;
}

static int raw_listen(uint16_t *out_port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		return -1;
	*out_port = ntohs(a.sin_port);
	return fd;
}

static void server_main(int report_fd)
{
	struct ent_name en;
	ent_name_parse("osd.0", &en);
	struct cfg *cfg = cfg_create(&en);
	struct msg_messenger *ms;
	struct net_addr a;
	addr_parse("127.0.0.1:0", 0, &a);
	if (!cfg || msg_messenger_create(cfg, &en, &ms) ||
	    msg_register(ms, MSG_ECHO, srv_echo, NULL, MSG_DISPATCH_LOOP) || msg_bind(ms, &a) ||
	    msg_start(ms))
		exit(1);
	msg_bound_addr(ms, &a);
	uint16_t ports[2] = {addr_port(&a), 0};
	int lfd = raw_listen(&ports[1]);
	if (lfd < 0 || write(report_fd, ports, sizeof(ports)) != sizeof(ports))
		exit(1);
	close(report_fd);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_t t;
		if (pthread_create(&t, NULL, raw_conn_main, (void *)(intptr_t)fd) == 0)
			pthread_detach(t);
		else
			close(fd);
	}
}

/* ---- client ----------------------------------------------------------- */

struct run {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct msg_conn *conn;
	struct bufraw *payload;
	size_t size;
	uint64_t count, sent, done;
	int err;
};

static int send_one(struct run *r)
{
	struct msg *m = msg_create(MSG_ECHO);
	if (!m)
		return -ENOMEM;
	msg_echo_body(m)->tid = r->sent;
	if (r->size && buflist_append_raw(msg_data(m), r->payload, 0, r->size)) {
		msg_put(m);
		return -ENOMEM;
	}
	int rc = msg_send(r->conn, m);
	if (rc) {
		msg_put(m);
		return rc;
	}
	r->sent++;
	return 0;
}

/* On the loop thread: one reply in, one more request out. */
static void cli_reply(void *arg, struct msg_conn *c, struct msg *m)
{
	struct run *r = arg;
	msg_put(m);
	pthread_mutex_lock(&r->lock);
	r->done++;
	if (r->sent < r->count) {
		int rc = send_one(r);
		if (rc && rc != -EAGAIN)
			r->err = rc;
	}
	if (r->done == r->count || r->err)
		pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static double run_msg(struct msg_messenger *ms, struct run *r, const struct net_addr *a,
		      uint64_t window)
{
	r->sent = r->done = 0;
	if (msg_connect(ms, a, MSG_POLICY_LOSSLESS, &r->conn))
		return -1;
	uint64_t t0 = clk_mono_ns();
	pthread_mutex_lock(&r->lock);
	while (r->sent < window && r->sent < r->count)
		if (send_one(r))
			break;
	while (r->done < r->count && !r->err)
		pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);
	uint64_t t1 = clk_mono_ns();
	msg_conn_close(r->conn);
	msg_conn_put(r->conn);
	r->conn = NULL;
	return r->err ? -1 : (double)(t1 - t0) / 1e9;
}

static double run_raw(uint16_t port, uint64_t total)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	char *buf = calloc(1, RAW_CHUNK);
	uint64_t t0 = clk_mono_ns();
	if (send(fd, &total, sizeof(total), 0) != sizeof(total))
		return -1;
	for (uint64_t left = total; left;) {
		ssize_t n = send(fd, buf, left < RAW_CHUNK ? left : RAW_CHUNK, 0);
		if (n <= 0)
			return -1;
		left -= (uint64_t)n;
	}
	char ack;
	if (recv(fd, &ack, 1, MSG_WAITALL) != 1)
		return -1;
	uint64_t t1 = clk_mono_ns();
	free(buf);
	close(fd);
	return (double)(t1 - t0) / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	size_t size = 4096;
	uint64_t count = 200000, window = 0;
	int reps = 3;
	static const struct option lo[] = {{"size", 1, 0, 's'},
					   {"count", 1, 0, 'n'},
					   {"window", 1, 0, 'w'},
					   {"reps", 1, 0, 'r'},
					   {0, 0, 0, 0}};
	int o;
	while ((o = getopt_long(argc, argv, "s:n:w:r:", lo, NULL)) != -1) {
		switch (o) {
		case 's':
			size = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoull(optarg, NULL, 0);
			break;
		case 'w':
			window = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: msgbench [--size B] [--count N] [--window W] [--reps R]\n");
			return 2;
		}
	}
	if (!window)
		window = size >= (1 << 20) ? 8 : 256;
	if (reps < 1 || reps > 99)
		reps = 3;

	int p[2];
	if (pipe(p))
		return 1;
	pid_t child = fork();
	if (child == 0) {
		close(p[0]);
		server_main(p[1]);
		_exit(0);
	}
	close(p[1]);
	uint16_t ports[2];
	if (read(p[0], ports, sizeof(ports)) != sizeof(ports)) {
		fprintf(stderr, "msgbench: server failed to start\n");
		return 1;
	}
	close(p[0]);

	struct ent_name en;
	ent_name_parse("osd.1", &en);
	struct cfg *cfg = cfg_create(&en);
	struct run r = {.size = size, .count = count};
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.cond, NULL);
	r.payload = bufraw_create(size ? size : 1);
	memset(bufraw_data(r.payload), 0xa5, size ? size : 1);
	struct msg_messenger *ms;
	struct net_addr a;
	char as[32];
	snprintf(as, sizeof(as), "127.0.0.1:%u", ports[0]);
	addr_parse(as, 0, &a);
	if (!cfg || msg_messenger_create(cfg, &en, &ms) ||
	    msg_register(ms, MSG_ECHO_REPLY, cli_reply, &r, MSG_DISPATCH_LOOP) || msg_start(ms)) {
		kill(child, SIGTERM);
		return 1;
	}
	double tm[99], tr[99];
	for (int i = 0; i < reps; i++) {
		tm[i] = run_msg(ms, &r, &a, window);
		tr[i] = run_raw(ports[1], (uint64_t)size * count);
		if (tm[i] < 0 || tr[i] < 0) {
			fprintf(stderr, "msgbench: run %d failed\n", i);
			kill(child, SIGTERM);
			return 1;
		}
	}
	msg_stop(ms);
	msg_messenger_destroy(ms);
	cfg_destroy(cfg);
	bufraw_put(r.payload);
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);

	qsort(tm, (size_t)reps, sizeof(double), cmp_d);
	qsort(tr, (size_t)reps, sizeof(double), cmp_d);
	double m = tm[reps / 2], w = tr[reps / 2];
	double bytes = (double)size * (double)count;
	printf("size %zu count %llu window %llu reps %d (median)\n", size,
	       (unsigned long long)count, (unsigned long long)window, reps);
	printf("messenger: %.3f s  %.0f msg/s  %.1f MiB/s\n", m, count / m, bytes / m / 1048576);
	printf("raw tcp:   %.3f s  %.0f msg/s-equivalent  %.1f MiB/s\n", w, count / w,
	       bytes / w / 1048576);
	printf("ratio messenger/raw: %.2f\n", w / m);
	return 0;
}
