#!/bin/sh
# Five monitors keep working with two down and refuse updates with three
# down (no majority: the request times out and no map moves); with the
# majority back, updates work again.
. "$(dirname "$0")/../lib.sh"

write_conf 5 <<'X'
[client]
rados_mon_op_timeout = 5
X
for i in 0 1 2 3 4; do mkfs_mon "$(mon_name $i)"; done
for i in 0 1 2 3 4; do start_mon "$(mon_name $i)"; done
wait_for 30 "quorum of 5" has_quorum a 5

kill_mon d
kill_mon e
"$CAIRN" osd pool create two-down 8 || die "update with 2 of 5 down"
log "committed with two monitors down"

kill_mon c
e=$(epoch_of a)
if "$CAIRN" osd pool create three-down 8 2>"$T/err"; then
	die "an update committed without a majority"
fi
log "refused with three down: $(cat "$T/err")"
[ "$(epoch_of a)" = "$e" ] || die "mon.a's map moved without a majority"
[ "$(epoch_of b)" = "$e" ] || die "mon.b's map moved without a majority"

start_mon c
wait_for 30 "quorum of 3" has_quorum a 3
"$CAIRN" osd pool create back 8 || die "update after the majority returned"
"$CAIRN" osd pool ls >"$T/pools"
grep -qx two-down "$T/pools" || die "two-down lost"
grep -qx back "$T/pools" || die "back missing"
# (three-down may or may not exist now: a timed-out request can still be
# applied once a majority returns, as with Ceph.)
pass
