#!/bin/sh
# Client fencing (`osd blocklist`) on 3 monitors and 3 OSDs: the cairn CLI
# commands (add / ls / rm / clear, the older "blacklist" spelling, osd dump),
# then librados end to end (blocklist_client.c): a client blocklisted by
# another gets -108 (EBLOCKLISTED) from every OSD while others go on, works
# again after `rm`, and an expired entry stops matching and is dropped.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cluster_lib.sh"

start_cluster 3 8
log "cluster up: pool rbd ($POOL_ID), every PG active+clean"

# The CLI: Ceph's status lines, listing in text and JSON.
out=$("$CAIRN" osd blocklist add v2:10.1.2.3:0/99 60 2>&1) || die "blocklist add: $out"
case "$out" in
"blocklisting 10.1.2.3:0/99 until "[0-9][0-9][0-9][0-9]-*T*.??????+0000" (60 sec)") ;;
*) die "blocklist add said '$out'" ;;
esac
out=$("$CAIRN" osd blocklist add 10.1.2.4 2>&1) || die "blocklist add (default expiry): $out"
case "$out" in *"10.1.2.4:0/0 until "*"(3600 sec)") ;; *) die "default expiry: '$out'" ;; esac
out=$("$CAIRN" osd blacklist add '[::5]:0/7' 600.5 2>&1) || die "blacklist add: $out"
case "$out" in *"[::5]:0/7 until "*"(600.5 sec)") ;; *) die "blacklist add said '$out'" ;; esac
"$CAIRN" osd blocklist ls >"$T/ls" 2>"$T/ls.status" || die "blocklist ls"
grep -q '^10\.1\.2\.3:0/99 [0-9-]*T[0-9:.]*+0000$' "$T/ls" || die "ls: $(cat "$T/ls")"
grep -q '^10\.1\.2\.4:0/0 ' "$T/ls" || die "ls lacks 10.1.2.4: $(cat "$T/ls")"
grep -q '^listed 3 entries$' "$T/ls.status" || die "ls status: $(cat "$T/ls.status")"
n=$("$CAIRN" osd blacklist ls -f json 2>/dev/null | jget 'len([e for e in d if e["addr"] == "10.1.2.3:0/99" and e["until"].endswith("+0000")])')
[ "$n" = 1 ] || die "ls -f json"
n=$("$CAIRN" osd dump -f json | jget 'len(d["blocklist"])')
[ "$n" = 3 ] || die "osd dump shows $n blocklist entries"
"$CAIRN" osd dump | grep -q '^blocklist 10\.1\.2\.3:0/99 expires ' || die "plain osd dump"
out=$("$CAIRN" osd blocklist rm 10.1.2.3:0/99 2>&1) || die "blocklist rm: $out"
[ "$out" = "un-blocklisting 10.1.2.3:0/99" ] || die "rm said '$out'"
out=$("$CAIRN" osd blocklist rm 10.1.2.3:0/99 2>&1) || die "second rm failed: $out"
[ "$out" = "10.1.2.3:0/99 isn't blocklisted" ] || die "second rm said '$out'"
out=$("$CAIRN" osd blocklist add 10.1.2.300:0/1 2>&1) && die "a bad address was accepted"
case "$out" in *EINVAL*"unable to parse address 10.1.2.300:0/1"*) ;; *) die "bad address: '$out'" ;; esac
out=$("$CAIRN" osd blocklist add 0.0.0.0:0/0 2>&1) && die "fencing every client was accepted"
case "$out" in *EINVAL*"would fence every client"*) ;; *) die "0.0.0.0:0/0: '$out'" ;; esac
out=$("$CAIRN" osd blocklist add 10.1.2.5 -3 2>&1) && die "a negative expiry was accepted"
out=$("$CAIRN" osd blocklist clear 2>&1) || die "blocklist clear: $out"
"$CAIRN" osd blocklist ls 2>&1 | grep -q '^listed 0 entries$' || die "clear left entries"
log "CLI: add (expiry, default, blacklist spelling), ls (text, JSON), osd dump, rm, clear, bad input"

# librados: fence a live client, others go on, un-fence, expiry.
"$B/test/integration/cluster/blocklist_client" "$CONF" rbd 3 >"$T/client.out" 2>&1 ||
	{ cat "$T/client.out"; die "fencing through librados"; }
sed 's/^/  /' "$T/client.out"

# The monitors drop expired entries (the 6 s one) at their next tick.
no_entries() { "$CAIRN" osd blocklist ls 2>&1 | grep -q '^listed 0 entries$'; }
wait_for 30 "the expired entry to be dropped" no_entries
log "expired entries dropped by the monitors"
pass
