/*
 * fake_cluster_main.c - run the fake cluster (fake_cluster.c) as a process
 * for CLI tests: prints the monitor address on stdout, then serves until
 * its standard input closes.
 *
 *   fake_cluster [N_OSDS [PG_NUM]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fake_cluster.h"

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	int pgs = argc > 2 ? atoi(argv[2]) : 8;
	struct fake_cluster *fc = fc_start(n, (uint32_t)pgs);
	printf("%s\n", fc_mon_host(fc));
	fflush(stdout);
	char buf[64];
	while (read(0, buf, sizeof(buf)) > 0)
		;
	fc_stop(fc);
	return 0;
}
