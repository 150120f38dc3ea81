#!/bin/sh
# mon_bench.sh BUILD_DIR - monitor benchmarks (not a test):
#  1. committed map changes per second with 3 monitors on loopback
#     (CLIENTS parallel clients, each creating pools as fast as answered);
#  2. time from SIGKILL of the leader to the next committed epoch (RUNS runs);
#  3. monitor RSS after that.
# Uses the integration-test helpers, so it cleans up after itself.
set -eu
CAIRN_BUILD_ROOT=$(cd "${1:?usage: mon_bench.sh BUILD_DIR}" && pwd)
export CAIRN_BUILD_ROOT
CLIENTS=${CLIENTS:-8}
PER=${PER:-40}
RUNS=${RUNS:-10}
. "$(dirname "$0")/../../test/integration/lib.sh"

write_conf 3 </dev/null
for i in 0 1 2; do mkfs_mon "$(mon_name $i)"; done
for i in 0 1 2; do start_mon "$(mon_name $i)"; done
wait_for 30 "quorum of 3" has_quorum a 3

e0=$(epoch_of a)
t0=$(date +%s%N)
for c in $(seq 1 "$CLIENTS"); do
	"$B/test/integration/mon/mon_cmd" "$CONF" \
		"{\"prefix\":\"osd pool create\",\"pool\":\"c${c}p%d\",\"pg_num\":1}" "$PER" \
		>"$T/client$c.out" &
done
wait
t1=$(date +%s%N)
e1=$(epoch_of a)
total=$((CLIENTS * PER))
python3 -c "
dt = ($t1 - $t0) / 1e9
print('changes: %d in %.2f s = %.0f changes/s; %d epochs = %.1f epochs/s, %.1f changes per epoch'
      % ($total, dt, $total / dt, $e1 - $e0, ($e1 - $e0) / dt, $total / max(1, $e1 - $e0)))"

: >"$T/failover"
for r in $(seq 1 "$RUNS"); do
	L=$(leader_of a 2>/dev/null || leader_of b 2>/dev/null || leader_of c)
	before=$(date +%s%N)
	kill_mon "$L"
	"$CAIRN" osd pool create "fo$r" 1 >/dev/null 2>&1 || die "no commit after killing mon.$L"
	after=$(date +%s%N)
	echo $(( (after - before) / 1000000 )) >>"$T/failover"
	start_mon "$L"
	wait_for 60 "quorum of 3" has_quorum "$L" 3
done
python3 -c "
import statistics
v = [int(x) for x in open('$T/failover')]
print('leader SIGKILL -> next committed epoch: median %d ms, min %d, max %d (n=%d)'
      % (statistics.median(v), min(v), max(v), len(v)))"
for n in a b c; do
	pid=$(cat "$T/mon.$n.pid")
	echo "mon.$n RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status), peak $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
done
pass
