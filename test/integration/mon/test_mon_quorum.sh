#!/bin/sh
# Three monitors form a quorum and commit changes; the leader is killed
# with SIGKILL and a new leader commits the next change within 10 s; the
# old leader restarts, rejoins and catches up.
. "$(dirname "$0")/../lib.sh"

write_conf 3 </dev/null
for i in 0 1 2; do mkfs_mon "$(mon_name $i)"; done
for i in 0 1 2; do start_mon "$(mon_name $i)"; done
wait_for 30 "quorum of 3" has_quorum a 3

"$CAIRN" osd pool create p1 8 || die "pool create"
"$CAIRN" osd pool ls | grep -qx p1 || die "p1 not listed"
for n in a b c; do
	wait_for 10 "mon.$n at epoch 2" epoch_at_least $n 2
done

L=$(leader_of a)
log "leader is mon.$L; killing it"
before=$(date +%s%N)
kill_mon "$L"
"$CAIRN" osd pool create p2 8 || die "pool create after leader kill"
after=$(date +%s%N)
ms=$(( (after - before) / 1000000 ))
log "next change committed ${ms} ms after the leader died"
[ "$ms" -lt 10000 ] || die "took ${ms} ms (limit 10 s)"

start_mon "$L"
wait_for 30 "mon.$L back in quorum" has_quorum "$L" 3
want=$(epoch_of a)
wait_for 20 "mon.$L caught up to e$want" epoch_at_least "$L" "$want"
"$CAIRN" osd pool ls | grep -qx p2 || die "p2 lost"
pass
