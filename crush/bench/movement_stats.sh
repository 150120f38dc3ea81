#!/bin/sh
# movement_stats.sh - repeated, paired data-movement trials, Cairn versus
# Ceph's straw2, on the 100- and 1000-OSD mixed-weight host/rack maps of
# bench.sh: N random OSDs get their CRUSH weight doubled, N get it set to
# zero, N random hosts are added; 100,000 inputs, 3 replicas, rule 0.
# Reports mean / median / pooled moved-to-minimum ratios for both tools and
# confidence intervals of the paired difference (see movement_stats.py).
#
# Usage: crush/bench/movement_stats.sh [BUILD_DIR] [OUT_DIR]
#   BUILD_DIR: a release build (default build-crush) with crush/crushtool;
#   Ceph's crushtool from CEPH_CRUSHTOOL (default /usr/bin/crushtool).
#   TRIALS (default 20), NX (default 100000), X0 (first input, default 0),
#   SEED (default 1) in the environment.  One core (taskset -c 0); about 5 minutes.
#   Re-print the table from a finished run:
#     python3 crush/bench/movement_stats.py summary OUT_DIR/trials.tsv
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build-crush}
OUT=${2:-/tmp/crush-movement}
CEPH=${CEPH_CRUSHTOOL:-/usr/bin/crushtool}
PIN="taskset -c 0"
command -v taskset >/dev/null || PIN=""
[ -x "$CEPH" ] || { echo "no Ceph crushtool at $CEPH (apt-get install ceph-common)" >&2; exit 1; }
[ -x "$BUILD/crush/crushtool" ] || { echo "no $BUILD/crush/crushtool" >&2; exit 1; }
exec python3 "$HERE/movement_stats.py" run --cairn "$BUILD/crush/crushtool" --ceph "$CEPH" \
	--out "$OUT" --trials "${TRIALS:-20}" --nx "${NX:-100000}" --x0 "${X0:-0}" --seed "${SEED:-1}" --pin "$PIN"
