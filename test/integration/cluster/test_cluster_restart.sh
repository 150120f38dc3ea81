#!/bin/sh
# SIGKILL one OSD in the middle of a stream of writes, keep writing on the
# other two, restart it: every acknowledged object reads back identical
# from every replica, and every PG returns to active+clean.  Then kill and
# restart all three OSDs at once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cluster_lib.sh"

start_cluster 3 8
ROUNDS=${ROUNDS:-120}
: >"$T/acked"
(
	i=0
	while [ "$i" -lt "$ROUNDS" ]; do
		head -c $((4096 + i * 997)) /dev/urandom >"$T/data.$i"
		"$RADOS" -p rbd put "w.$i" "$T/data.$i" && echo "$i" >>"$T/acked"
		i=$((i + 1))
	done
) &
writer=$!
wait_for 60 "20 acknowledged writes" sh -c "[ \$(wc -l <'$T/acked') -ge 20 ]"
log "killing osd.1 after $(wc -l <"$T/acked") acknowledged writes"
kill_osd 1
wait_for 60 "osd.1 marked down" osd_is_down 1
n=$(wc -l <"$T/acked")
wait_for 120 "writes continuing on two OSDs" sh -c "[ \$(wc -l <'$T/acked') -ge $((n + 20)) ]"
log "restarting osd.1 with $(wc -l <"$T/acked") writes acknowledged"
start_osd 1
wait "$writer" || true
wait_for 60 "osd.1 up again" osds_up 3
wait_for 180 "every PG active+clean again" all_clean 3 8
acked=$(wc -l <"$T/acked")
[ "$acked" -ge 40 ] || die "only $acked writes were acknowledged"
for i in $(cat "$T/acked"); do
	"$RADOS" -p rbd get "w.$i" "$T/back" || die "acknowledged w.$i cannot be read"
	cmp -s "$T/back" "$T/data.$i" || die "acknowledged w.$i reads back different"
	replicas_agree "w.$i" 3 || die "replicas of w.$i differ after recovery"
done
log "$acked acknowledged objects identical on all three replicas after the restart"

# Every OSD killed and restarted at once, before any failure report: each
# boots while the map still has its old instance up.  The monitors must
# mark it down first (a new interval for its PGs) or peering waits forever
# on the dead instance.
for i in 0 1 2; do kill_osd "$i"; done
for i in 0 1 2; do start_osd "$i"; done
wait_for 60 "three OSDs up again" osds_up 3
wait_for 180 "every PG active+clean after a full restart" all_clean 3 8
for i in $(cat "$T/acked"); do
	"$RADOS" -p rbd get "w.$i" "$T/back" || die "acknowledged w.$i cannot be read after a full restart"
	cmp -s "$T/back" "$T/data.$i" || die "acknowledged w.$i reads back different after a full restart"
done
log "every acknowledged object reads back after all OSDs restarted at once"
pass
