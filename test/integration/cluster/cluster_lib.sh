# cluster_lib.sh - a 3-monitor, 3-OSD cluster for the tests in this
# directory (sourced after ../lib.sh).
RADOS=$B/tools/rados

# start_cluster NOSD PG_NUM: monitors, OSDs, pool "rbd", every PG active+clean.
start_cluster() {
	nosd=$1
	pgs=$2
	write_conf 3 <<CONF
[osd]
osd_data = $T/\$name
bluestore_block_size = 512M
osd_heartbeat_interval = 1
osd_heartbeat_grace = 4
debug_osd = 5
[global]
osd_pool_default_size = 3
osd_pool_default_min_size = 2
mon_allow_pool_delete = true
CONF
	for i in 0 1 2; do
		n=$(mon_name $i)
		mkfs_mon "$n"
		start_mon "$n"
	done
	wait_for 30 "quorum" has_quorum a 3
	i=0
	while [ "$i" -lt "$nosd" ]; do
		mkfs_osd "$i"
		start_osd "$i"
		i=$((i + 1))
	done
	wait_for 60 "$nosd OSDs up" osds_up "$nosd"
	"$CAIRN" osd pool create rbd "$pgs" >/dev/null
	wait_for 120 "all PGs active+clean" all_clean "$nosd" "$pgs"
	POOL_ID=$("$CAIRN" osd dump -f json | jget "[p['pool'] for p in d['pools'] if p['pool_name'] == 'rbd'][0]")
}

osds_up() { # N
	[ "$("$CAIRN" osd dump -f json | jget 'sum(1 for o in d["osds"] if o["up"] == 1)')" -eq "$1" ]
}
osd_is_down() { # ID
	[ "$("$CAIRN" osd dump -f json | jget "[o['up'] for o in d['osds'] if o['osd'] == $1][0]")" -eq 0 ]
}

# digest N OBJ -> "size crc version" of osd.N's local copy, or "absent"
digest() {
	osd_asok "$1" "{\"prefix\": \"object_digest\", \"pool\": $POOL_ID, \"name\": \"$2\"}" |
		jget '"%d %d %d" % (d["size"], d["crc32c"], d["version"]) if d["exists"] else "absent"'
}

# replicas_agree OBJ NOSD: every OSD holding a copy holds the same one, and 3 hold it
replicas_agree() {
	first=""
	held=0
	i=0
	while [ "$i" -lt "$2" ]; do
		x=$(digest "$i" "$1")
		if [ "$x" != absent ]; then
			held=$((held + 1))
			[ -z "$first" ] && first=$x
			[ "$x" = "$first" ] || { echo "osd.$i has $x, another has $first"; return 1; }
		fi
		i=$((i + 1))
	done
	[ "$held" -eq 3 ] || { echo "$1 is on $held OSDs"; return 1; }
}
