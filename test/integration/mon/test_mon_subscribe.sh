#!/bin/sh
# A subscriber receives every osdmap epoch exactly once and in order while
# the leader is killed and changes keep coming.
. "$(dirname "$0")/../lib.sh"

write_conf 3 </dev/null
for i in 0 1 2; do mkfs_mon "$(mon_name $i)"; done
for i in 0 1 2; do start_mon "$(mon_name $i)"; done
wait_for 30 "quorum of 3" has_quorum a 3

"$CAIRN" osd pool create s0 8 || die "pool create"
start=$(epoch_of a)
target=$((start + 6))
"$B/test/integration/mon/sub_watch" "$CONF" "$target" 60 >"$T/epochs" 2>"$T/watch.err" &
watcher=$!
"$CAIRN" osd pool create s1 8 || die "s1"
"$CAIRN" osd pool create s2 8 || die "s2"
L=$(leader_of a)
log "killing the leader mon.$L"
kill_mon "$L"
for i in 3 4 5 6; do "$CAIRN" osd pool create "s$i" 8 || die "s$i"; done
wait $watcher || { cat "$T/watch.err"; die "the subscriber failed"; }
seq 1 "$target" | diff - "$T/epochs" || die "epochs not received exactly once in order"
log "received epochs 1..$target exactly once, in order"
pass
