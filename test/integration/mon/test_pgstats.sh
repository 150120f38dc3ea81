#!/bin/sh
# PG states and usage from OSD reports, on 3 monitors with fake OSDs
# (pgstats_sender: boots as osd.N and reports the PGs it is the primary
# of): unknown before any report, active+clean with the right sums in
# `status` (leader and peon), `pg dump`, `pg stat`, `pg ls`; `osd map`
# against the object hash; degraded and stale states and their health
# checks; an OSD marked down moves its PGs; a down OSD's reports are
# dropped; a removed OSD is forgotten.
. "$(dirname "$0")/../lib.sh"
SENDER=$B/test/integration/mon/pgstats_sender

write_conf 3 <<CONF
[global]
mon_pg_stats_stale_after = 2
mon_tick_interval = 1
osd_pool_default_size = 3
debug_mon = 10
CONF
for i in 0 1 2; do mkfs_mon "$(mon_name $i)"; done
for i in 0 1 2; do start_mon "$(mon_name $i)"; done
wait_for 30 "quorum of 3" has_quorum a 3

status_json() { "$CAIRN" "$@" status -f json; }
# by_state [CAIRN ARGS] -> "active+clean:12 stale+active+clean:4" (sorted)
by_state() {
	status_json "$@" | jget '" ".join(sorted("%s:%d" % (s["state_name"], s["count"]) for s in d["pgmap"]["pgs_by_state"]))'
}
states_are() { [ "$(by_state)" = "$1" ]; }
# expect STATE:N... -> the by_state form of those, without the empty ones
expect() { printf '%s\n' "$@" | grep -v ':0$' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }
# count_primary N: PGs whose acting primary is osd.N (from pg dump)
count_primary() {
	"$CAIRN" pg dump -f json | jget "sum(1 for p in d['pg_map']['pg_stats'] if p['acting_primary'] == $1)"
}

"$CAIRN" osd pool create rbd 32 >/dev/null 2>&1 || die "pool create"
[ "$(by_state)" = "unknown:32" ] || die "before any report: $(by_state)"
h=$("$CAIRN" health)
case "$h" in
"HEALTH_WARN no osds; Reduced data availability: 32 pgs inactive") ;;
*) die "health before any report: $h" ;;
esac
log "pool rbd: 32 PGs unknown, HEALTH_WARN"

# Three fake OSDs, created by uuid and id, booting and reporting.
for i in 0 1 2; do
	u=$(python3 -c 'import uuid; print(uuid.uuid4())')
	echo "$u" >"$T/uuid.$i"
	[ "$("$CAIRN" osd create "$u" "$i" 2>/dev/null)" = "$i" ] || die "osd create $i"
done
start_sender() { # N [ARGS...]
	n=$1
	shift
	"$SENDER" -c "$CONF" -i "$n" --uuid "$(cat "$T/uuid.$n")" --objects 3 --bytes 4096 \
		--interval-ms 300 "$@" >>"$T/sender.$n.out" 2>>"$T/sender.$n.stderr" &
	echo $! >"$T/sender.$n.pid"
}
stop_sender() { # N
	pid=$(cat "$T/sender.$1.pid")
	kill -KILL "$pid"
	while [ -d "/proc/$pid" ]; do sleep 0.05; done
}
for i in 0 1 2; do start_sender "$i"; done
wait_for 30 "32 PGs active+clean" states_are "active+clean:32"

s=$(status_json)
check() { # python condition on d=status, description
	echo "$s" | jget "$1" | grep -qx True || die "$2: $(echo "$s" | jget "$3")"
}
check 'd["health"]["status"] == "HEALTH_OK"' "health" 'd["health"]'
check 'd["osdmap"]["num_osds"] == 3 and d["osdmap"]["num_up_osds"] == 3 and d["osdmap"]["num_in_osds"] == 3' \
	"osd counts" 'd["osdmap"]'
check 'd["pgmap"]["num_pgs"] == 32 and d["pgmap"]["num_objects"] == 96 and d["pgmap"]["data_bytes"] == 32 * 4096' \
	"pg sums" 'd["pgmap"]'
check 'd["pgmap"]["bytes_total"] == 3 * 10 * 2**30 and d["pgmap"]["bytes_used"] == 3 * 2**30' \
	"usage" 'd["pgmap"]'
"$CAIRN" status >"$T/status.txt"
for want in "health: HEALTH_OK" "pools:   1 pools, 32 pgs" "objects: 96 objects, 128 KiB" \
	"usage:   3 GiB used, 27 GiB / 30 GiB avail" "pgs:     32 active+clean"; do
	grep -qF "$want" "$T/status.txt" || { cat "$T/status.txt"; die "status lacks '$want'"; }
done
log "status: HEALTH_OK, 32 active+clean, 96 objects, 128 KiB, 3 GiB / 30 GiB"

# Every monitor keeps the reports: ask a peon alone.
L=$(leader_of a)
P=a
[ "$L" = a ] && P=b
addr=$("$CAIRN" mon dump -f json | jget "[m['addr'] for m in d['mons'] if m['name'] == '$P'][0]")
sed "s|^mon_host = .*|mon_host = $addr|" "$CONF" >"$T/peon.conf"
[ "$(by_state -c "$T/peon.conf")" = "active+clean:32" ] || die "peon mon.$P: $(by_state -c "$T/peon.conf")"
log "peon mon.$P shows the same PG states"

# pg dump / pg stat / pg ls
"$CAIRN" pg dump -f json >"$T/dump.json" || die "pg dump"
jget 'all(p["state"] == "active+clean" and p["stat_sum"]["num_objects"] == 3 and p["stat_sum"]["num_bytes"] == 4096 and p["acting_primary"] == p["acting"][0] and p["up"] == p["acting"] and len(p["acting"]) == 3 for p in d["pg_map"]["pg_stats"]) and len(d["pg_map"]["pg_stats"]) == 32' \
	<"$T/dump.json" | grep -qx True || die "pg dump: $(cat "$T/dump.json")"
[ "$("$CAIRN" pg stat)" = "32 pgs: 32 active+clean; 128 KiB data, 3 GiB used, 27 GiB / 30 GiB avail" ] ||
	die "pg stat: $("$CAIRN" pg stat)"
"$CAIRN" pg ls rbd >"$T/ls.txt" || die "pg ls"
[ "$(grep -c ' active+clean ' "$T/ls.txt")" -eq 32 ] && head -1 "$T/ls.txt" | grep -q '^PG  ' ||
	{ cat "$T/ls.txt"; die "pg ls rbd"; }
"$CAIRN" pg dump >/dev/null 2>"$T/dump.err" && grep -q "dumped all" "$T/dump.err" || die "pg dump plain"
log "pg dump, pg stat, pg ls agree"

# osd map: the raw hash, the PG it folds to, and the PG's sets from pg dump.
hash=$("$SENDER" --hash obj1)
raw=$(printf '%x' "0x$hash")
seed=$(printf '%x' $((0x$hash & 31)))
sets=$(jget "[('%s' % ','.join(map(str, p['up'])), p['up_primary'], '%s' % ','.join(map(str, p['acting'])), p['acting_primary']) for p in d['pg_map']['pg_stats'] if p['pgid'] == '1.$seed'][0]" <"$T/dump.json")
up=$(echo "$sets" | python3 -c 'import ast,sys; t=ast.literal_eval(sys.stdin.read()); print("up ([%s], p%d) acting ([%s], p%d)" % t)')
e=$(epoch_of a)
want="osdmap e$e pool 'rbd' (1) object 'obj1' -> pg 1.$raw (1.$seed) -> $up"
got=$("$CAIRN" osd map rbd obj1) || die "osd map"
[ "$got" = "$want" ] || die "osd map: '$got', want '$want'"
"$CAIRN" osd map rbd obj1 -f json | jget "d['raw_pgid'] == '1.$raw' and d['pgid'] == '1.$seed' and d['pool_id'] == 1 and d['objname'] == 'obj1' and d['epoch'] == $e and len(d['acting']) == 3" |
	grep -qx True || die "osd map -f json: $("$CAIRN" osd map rbd obj1 -f json)"
rc=0
out=$("$CAIRN" osd map nopool obj1 2>&1) || rc=$?
[ "$rc" -eq 2 ] || die "osd map of a missing pool exited $rc: $out"
case "$out" in *"Error ENOENT: pool nopool does not exist"*) ;; *) die "missing pool: '$out'" ;; esac
log "osd map: $got"

# A degraded reporter: its PGs show its state, and health says so.
n2=$(count_primary 2)
stop_sender 2
start_sender 2 --state active+undersized+degraded
wait_for 20 "osd.2's PGs degraded" states_are "$(expect "active+clean:$((32 - n2))" "active+undersized+degraded:$n2")"
pl() { [ "$1" -eq 1 ] && echo "1 pg" || echo "$1 pgs"; }
h=$("$CAIRN" health)
[ "$h" = "HEALTH_WARN Degraded data redundancy: $(pl "$n2") degraded, $(pl "$n2") undersized" ] ||
	die "health with degraded PGs: $h"
log "osd.2 reports $n2 PGs active+undersized+degraded: $h"

# A reporter that stops: its PGs go stale after mon_pg_stats_stale_after.
n0=$(count_primary 0)
stop_sender 0
stale_seen() { by_state | grep -q "stale+active+clean:$n0"; }
wait_for 20 "osd.0's PGs stale" stale_seen
h=$("$CAIRN" health)
case "$h" in *"Reduced data availability: $(pl "$n0") stale"*) ;; *) die "health with stale PGs: $h" ;; esac
log "osd.0 silent: $n0 PGs stale+active+clean: $h"

# osd.0 marked down: its PGs move to the live reporters (no stale left).
"$CAIRN" osd down 0 >/dev/null 2>&1 || die "osd down"
no_stale() {
	x=$(by_state)
	case "$x" in *stale* | *unknown*) return 1 ;; esac
	[ "$(status_json | jget 'd["osdmap"]["num_up_osds"]')" -eq 2 ]
}
wait_for 20 "PGs of osd.0 re-homed" no_stale
case "$("$CAIRN" health)" in *"1 osds down"*) ;; *) die "health after osd down: $("$CAIRN" health)" ;; esac
log "osd.0 down: $(by_state)"

# A down OSD's reports are dropped: osd.0 talks again without booting, with
# a different store size; the monitors keep its last report from before.
kb0() { "$CAIRN" pg dump osds -f json | jget "[o['kb'] for o in d['osd_stats'] if o['osd'] == 0]"; }
[ "$(kb0)" = "[10485760]" ] || die "osd.0's last report: $(kb0)"
# Each monitor logs the reports it drops (debug_mon 10): wait for new such lines.
drops() { grep -c 'PG stats of osd.0 .* dropped' "$T/mon.$1.log" || true; }
before="$(drops a) $(drops b) $(drops c)"
dropped_by_all() {
	set -- $before
	for n in a b c; do
		[ "$(drops $n)" -gt "$1" ] || return 1
		shift
	done
}
start_sender 0 --no-boot --kb-total 20971520
wait_for 20 "every monitor to drop a report of osd.0" dropped_by_all
[ "$(kb0)" = "[10485760]" ] || die "a report from down osd.0 was taken: $(kb0)"
stop_sender 0
log "reports from down osd.0 dropped"

# Removed: forgotten at the next tick.
"$CAIRN" osd rm 0 >/dev/null 2>&1 || die "osd rm 0"
forgotten() { [ "$(kb0)" = "[]" ]; }
wait_for 20 "osd.0 forgotten" forgotten
stop_sender 1
stop_sender 2
log "removed osd.0 forgotten"
pass
