#!/bin/sh
# A monitor whose store was wiped (and re-created with --mkfs) catches up
# from its peers, rejoins the quorum, and then counts towards the majority.
. "$(dirname "$0")/../lib.sh"

write_conf 3 </dev/null
for i in 0 1 2; do mkfs_mon "$(mon_name $i)"; done
for i in 0 1 2; do start_mon "$(mon_name $i)"; done
wait_for 30 "quorum of 3" has_quorum a 3
for i in 1 2 3 4 5; do "$CAIRN" osd pool create "w$i" 8 || die "w$i"; done
want=$(epoch_of a)

kill_mon c
rm -rf "$T/mon.c"
mkfs_mon c
start_mon c
wait_for 30 "mon.c back in quorum" has_quorum c 3
wait_for 30 "mon.c caught up to e$want" epoch_at_least c "$want"
log "mon.c rebuilt its maps up to e$(epoch_of c)"

# Now c is needed for a majority: stop a and commit one more change.
kill_mon a
"$CAIRN" osd pool create after 8 || die "no commit with the resynced monitor in the majority"
"$CAIRN" osd pool ls | grep -qx w5 || die "w5 lost"
pass
