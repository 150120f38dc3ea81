#!/bin/sh
# cluster_bench.sh - writes per second through librados on a local 3-mon,
# 3-OSD cluster (tools/vstart.sh), as ../shared/ceph/bench.sh measures Ceph:
# `rados bench SECS write -b SIZE -t 16` per phase, CPU seconds per daemon
# (utime+stime delta) and peak RSS (VmHWM) at the end.  Not a test.
#
#   BUILD=build RUNS=3 SECS=20 osd/bench/cluster_bench.sh [RUN_DIR]
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-3}
SECS=${SECS:-20}
RUN=${1:-/tmp/cairn-bench}
CAIRN_BUILD=$(pwd)/$BUILD tools/vstart.sh --run-dir "$RUN" >/dev/null
CONF=$RUN/cairn.conf
RADOS="$BUILD/tools/rados -c $CONF"
$BUILD/tools/cairn -c "$CONF" osd pool create bench 64 >/dev/null
# wait for the new pool's PGs (the status JSON lists states)
for _ in $(seq 300); do
	$BUILD/tools/cairn -c "$CONF" status -f json | python3 -c '
import json, sys
d = json.load(sys.stdin)["pgmap"]
st = {s["state_name"]: s["count"] for s in d["pgs_by_state"]}
sys.exit(0 if st.get("active+clean", 0) == d["num_pgs"] else 1)' && break
	sleep 0.2
done
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pids=""
for f in "$RUN"/*.pid; do pids="$pids $(basename "$f" .pid)=$(cat "$f")"; done
hz=$(getconf CLK_TCK)
for phase in 4096 4194304; do
	r=1
	while [ "$r" -le "$RUNS" ]; do
		before=""
		for p in $pids; do before="$before ${p%%=*}=$(ticks "${p#*=}")"; done
		out=$($RADOS -p bench bench "$SECS" write -b "$phase" -t 16 --run-name "r$r-$phase")
		bw=$(echo "$out" | sed -n 's/^Bandwidth (MB\/sec): *//p')
		iops=$(echo "$out" | sed -n 's/^Average IOPS: *//p')
		lat=$(echo "$out" | sed -n 's/^Average Latency(s): *//p')
		cpu=""
		for b in $before; do
			n=${b%%=*}
			pid=$(echo "$pids" | tr ' ' '\n' | sed -n "s/^$n=//p")
			cpu="$cpu $n=$(echo "$(ticks "$pid") ${b#*=} $hz" | awk '{printf "%.1f", ($1 - $2) / $3}')s"
		done
		echo "size=$phase run=$r iops=$iops MB/s=$bw lat_s=$lat cpu:$cpu"
		$RADOS -p bench cleanup --run-name "r$r-$phase" >/dev/null 2>&1 || true
		r=$((r + 1))
	done
done
printf 'peak RSS:'
for p in $pids; do printf ' %s=%s' "${p%%=*}" "$(awk '/VmHWM/ {print $2 $3}' "/proc/${p#*=}/status")"; done
echo
tools/vstop.sh --run-dir "$RUN" >/dev/null
