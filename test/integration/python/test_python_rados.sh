#!/bin/sh
# Debian's python3-rados (the binding of Ceph Pacific 16.2.15) against a real
# Cairn cluster: 3 monitors and 3 OSDs on free 127.0.0.1 ports in a temporary
# directory, pool "rbd", every PG active+clean; then test_rados.py under
# /usr/bin/python3 -m pytest, with LD_LIBRARY_PATH pointing at the build's
# librados (so `import rados` binds Cairn's librados.so.2, not Debian's) and
# CEPH_CONF at the cluster's conf file.  lib.sh stops the daemons and removes
# the directory on exit, pass or fail (printing the daemons' logs on failure;
# KEEP=1 keeps the directory).
#
# Exits 77 (meson's "skipped") when Debian's python3 has no rados binding
# (package python3-rados) or no pytest (python3-pytest).  That the binding is
# installed but cannot load Cairn's library is a failure, not a skip.
#
# Extra pytest arguments may be given in PYTEST_ARGS (e.g. PYTEST_ARGS='-k aio -v').
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
LIBDIR=${CAIRN_BUILD_ROOT:?run me through meson test (CAIRN_BUILD_ROOT)}/librados

if [ ! -x "$PY" ]; then
	echo "SKIP: $PY does not exist"
	exit 77
fi
# find_spec locates the module without loading it (and so without librados).
if ! "$PY" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("rados") is None)'; then
	echo "SKIP: $PY has no rados module (install python3-rados)"
	exit 77
fi
if ! "$PY" -c 'import pytest' 2>/dev/null; then
	echo "SKIP: $PY has no pytest (install python3-pytest)"
	exit 77
fi
# Without it the binding would quietly load Debian's librados2 instead.
if [ ! -e "$LIBDIR/librados.so.2" ]; then
	echo "FAIL: no $LIBDIR/librados.so.2"
	exit 1
fi
if ! out=$(LD_LIBRARY_PATH=$LIBDIR "$PY" -c 'import rados' 2>&1); then
	echo "FAIL: python3-rados cannot load Cairn's library ($LIBDIR):"
	echo "$out"
	exit 1
fi

. "$HERE/../lib.sh"
. "$HERE/../cluster/cluster_lib.sh"
# A signal (meson's timeout, ^C) still runs lib.sh's cleanup through exit.
trap 'exit 1' INT TERM HUP

start_cluster 3 16
log "cluster up: pool rbd ($POOL_ID), every PG active+clean"

# No .pytest_cache or __pycache__ in the source tree; no ini file from above.
# `timeout` keeps a hung completion from outliving meson's timeout, so the
# daemons' logs are still printed.
# shellcheck disable=SC2086 # PYTEST_ARGS is split on purpose
LD_LIBRARY_PATH=$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
	CAIRN_LIBRADOS_DIR=$LIBDIR PYTHONDONTWRITEBYTECODE=1 \
	timeout 240 "$PY" -m pytest -q -p no:cacheprovider -c /dev/null --rootdir "$HERE" -rxX \
	${PYTEST_ARGS:-} "$HERE/test_rados.py" || die "python3-rados tests failed (see above)"
pass
