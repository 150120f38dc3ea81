#!/bin/sh
# bench_like_ceph.sh - run ../shared/ceph/bench.sh, the script that measures
# Ceph, unchanged against a Cairn cluster, so both are measured by exactly
# the same phases and accounting: rados bench 4K/4M write -t 16, seq and
# rand reads, 4K write -t 1; CPU seconds per daemon; peak RSS.
#
#   BUILD=build-rel RUNS=3 SECS=10 osd/bench/bench_like_ceph.sh [RUN_DIR]
#
# Starts tools/vstart.sh in RUN_DIR (default /tmp/cairn-bench), creates pool
# "bench" (64 PGs, size 3, as start.sh does for Ceph), then gives bench.sh
# an anchor directory shaped like start.sh's: ceph.conf -> Cairn's conf,
# pids/ -> Cairn's daemons, and a PATH on which `rados` is Cairn's rados and
# `ceph` is Cairn's cairn CLI.  Extra environment (PHASES, THREADS, ...) is
# passed on to bench.sh.  Results: $RUN_DIR/anchor/bench-*/.  Not a test.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BUILD=${BUILD:-build-rel}
RUN=${1:-/tmp/cairn-bench}
SHARED=${CAIRN_SHARED:-$ROOT/../shared}
tools/vstop.sh --run-dir "$RUN" >/dev/null 2>&1 || true
rm -rf "$RUN"
CAIRN_BUILD=$ROOT/$BUILD tools/vstart.sh --run-dir "$RUN" >/dev/null
CONF=$RUN/cairn.conf
"$ROOT/$BUILD/tools/cairn" -c "$CONF" osd pool create bench 64 >/dev/null
i=0
until "$ROOT/$BUILD/tools/cairn" -c "$CONF" status -f json | python3 -c '
import json, sys
d = json.load(sys.stdin)["pgmap"]
st = {s["state_name"]: s["count"] for s in d["pgs_by_state"]}
sys.exit(0 if st.get("active+clean", 0) == d["num_pgs"] else 1)'; do
	i=$((i + 1))
	[ "$i" -lt 600 ] || { echo "bench pool never became active+clean" >&2; exit 1; }
	sleep 0.2
done
ANCHOR=$RUN/anchor
mkdir -p "$ANCHOR/pids" "$ANCHOR/bin"
ln -sf "$CONF" "$ANCHOR/ceph.conf"
for f in "$RUN"/*.pid; do ln -sf "$f" "$ANCHOR/pids/$(basename "$f")"; done
ln -sf "$ROOT/$BUILD/tools/rados" "$ANCHOR/bin/rados"
ln -sf "$ROOT/$BUILD/tools/cairn" "$ANCHOR/bin/ceph"
PATH=$ANCHOR/bin:$PATH CEPH_ANCHOR_DIR=$ANCHOR "$SHARED/ceph/bench.sh"
