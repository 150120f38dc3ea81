/*
 * mon_cmd.c - send one raw command string through librados'
 * rados_mon_command (no validation on our side), for tests of what the
 * monitors do with malformed input.
 *
 *   mon_cmd CONF 'TEXT' [N]   prints "rc=N outs=..." and exits 0 when the call
 *                            returned; with N, sends it N times (a "%d" in
 *                            TEXT becomes the iteration) and prints the rate
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rados/librados.h>

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: mon_cmd CONF TEXT [N]\n");
		return 2;
	}
	rados_t c;
	if (rados_create2(&c, "ceph", "client.admin", 0) || rados_conf_read_file(c, argv[1]) ||
	    rados_connect(c)) {
		fprintf(stderr, "cannot connect\n");
		return 2;
	}
	int n = argc == 4 ? atoi(argv[3]) : 1, rc = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		char text[4096];
		const char *pct = strstr(argv[2], "%d");
		if (pct)
			snprintf(text, sizeof(text), "%.*s%d%s", (int)(pct - argv[2]), argv[2], i,
				 pct + 2);
		else
			snprintf(text, sizeof(text), "%s", argv[2]);
		const char *cmd[1] = {text};
		char *out = NULL, *outs = NULL;
		size_t outlen = 0, outslen = 0;
		rc = rados_mon_command(c, cmd, 1, "", 0, &out, &outlen, &outs, &outslen);
		if (n == 1 || rc < 0)
			printf("rc=%d outs=%.*s\n", rc, (int)outslen, outs ? outs : "");
		rados_buffer_free(out);
		rados_buffer_free(outs);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (n > 1)
		printf("%d commands in %.3f s: %.1f/s\n", n, secs, n / secs);
	rados_shutdown(c);
	return 0;
}
