#!/bin/sh
# A monitor that was down while the others committed (and trimmed) more
# versions than their Paxos logs keep copies a peer's whole store, rejoins
# and then counts towards the majority.  The others are restarted before
# it comes back, so no session still holds the commits it missed.
. "$(dirname "$0")/../lib.sh"

write_conf 3 <<'X'
[mon]
paxos_max_log = 16
paxos_min = 8
X
for i in 0 1 2; do mkfs_mon "$(mon_name $i)"; done
for i in 0 1 2; do start_mon "$(mon_name $i)"; done
wait_for 30 "quorum of 3" has_quorum a 3
kill_mon c
for i in $(seq 1 40); do "$CAIRN" osd pool create "t$i" 1 >/dev/null 2>"$T/err" || die "t$i: $(cat "$T/err")"; done
want=$(epoch_of a)
log "committed up to e$want with mon.c down"
kill_mon a TERM
kill_mon b TERM
start_mon a
start_mon b
wait_for 30 "quorum of 2" has_quorum a 2

start_mon c
wait_for 60 "mon.c back in quorum" has_quorum c 3
wait_for 30 "mon.c caught up to e$want" epoch_at_least c "$want"
grep -q "syncing the store" "$T/mon.c.log" || die "mon.c caught up without a store sync (trim did not happen?)"
log "mon.c synced its store up to e$(epoch_of c)"

kill_mon a
"$CAIRN" osd pool create after 1 >/dev/null 2>&1 || die "no commit with the synced monitor in the majority"
"$CAIRN" osd pool ls | grep -qx t40 || die "t40 lost"
pass
