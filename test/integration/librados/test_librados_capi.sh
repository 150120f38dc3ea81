#!/bin/sh
# The librados C API test suite (test_capi, Check) against a real cluster:
# 3 monitors and 3 OSDs on free 127.0.0.1 ports in a temporary directory,
# pool "rbd", every PG active+clean.  The conf file's path reaches the tests
# in CAIRN_TEST_CONF.  lib.sh stops the daemons and removes the directory
# on exit, pass or fail (printing the daemons' logs on failure; KEEP=1
# keeps the directory).
#
# Usage (meson test does this): test_librados_capi.sh PATH/TO/test_capi
# Extra environment passes through to test_capi: CK_RUN_CASE=aio narrows
# the run, CK_FORK=no runs the tests in one process.
CAPI=${1:?usage: $0 PATH/TO/test_capi}
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../cluster/cluster_lib.sh"
# A signal (meson's timeout, ^C) still runs lib.sh's cleanup through exit.
trap 'exit 1' INT TERM HUP

start_cluster 3 16
log "cluster up: pool rbd ($POOL_ID), every PG active+clean"
CAIRN_TEST_CONF=$CONF CAIRN_TEST_DIR=$T "$CAPI" || die "test_capi failed (see above)"
pass
