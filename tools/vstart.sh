#!/bin/sh
# vstart.sh - install what is missing, build, and start a local Cairn
# cluster on 127.0.0.1 (3 monitors and 3 OSDs by default), then show it
# working.  Everything lives under the run directory.
#
#   tools/vstart.sh                        MON=3 OSD=3, run dir build/run
#   MON=1 OSD=0 tools/vstart.sh --run-dir /tmp/c
#   OSD_BLOCK_SIZE=2G TIMEOUT=300 tools/vstart.sh
#
# The conf is DIR/cairn.conf (keyring DIR/keyring); monitors run as
# `cairn-mon -i ID -c DIR/cairn.conf`, OSDs as `cairn-osd -i N -c
# DIR/cairn.conf --osd-data DIR/osd.N`, so re-running that command line
# from the repository root brings a stopped daemon back.  vstart creates
# pool "rbd", waits until every PG is active+clean, and writes and reads
# an object.  tools/vstop.sh stops exactly the daemons of DIR.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${CAIRN_BUILD:-$ROOT/build}
RUN=$BUILD/run
while [ $# -gt 0 ]; do
	case "$1" in
	--run-dir) RUN=$2; shift 2 ;;
	-h|--help) sed -n '2,15p' "$0"; exit 0 ;;
	*) echo "vstart: unknown argument $1" >&2; exit 2 ;;
	esac
done
MON=${MON:-3}
OSD=${OSD:-3}
OSD_BLOCK_SIZE=${OSD_BLOCK_SIZE:-12G}
TIMEOUT=${TIMEOUT:-180}

tools/deps.sh
if [ ! -f "$BUILD/build.ninja" ]; then
	echo "vstart: configuring $BUILD"
	meson setup "$BUILD" >/dev/null
fi
echo "vstart: building"
ninja -C "$BUILD" >/dev/null

if [ ! -x "$BUILD/mon/cairn-mon" ]; then
	echo "vstart: built in $BUILD.  The monitor daemon is not written yet (see"
	echo "vstart: doc/status.md), so there is no cluster to start.  What works today:"
	if [ -x "$BUILD/crush/crushtool" ]; then
		tmp=$(mktemp -d)
		trap 'rm -rf "$tmp"' EXIT
		echo
		echo "  \$ crushtool --build --num_osds 12 host straw2 4 root straw2 0 -o map.bin"
		"$BUILD/crush/crushtool" --build --num_osds 12 host straw2 4 root straw2 0 \
			-o "$tmp/map.bin" >/dev/null
		echo "  \$ crushtool -i map.bin --test --rule 0 --num-rep 3 --min-x 0 --max-x 4 --show-mappings"
		"$BUILD/crush/crushtool" -i "$tmp/map.bin" --test --rule 0 --num-rep 3 \
			--min-x 0 --max-x 4 --show-mappings | sed 's/^/  /'
	fi
	exit 0
fi
if [ "$OSD" -gt 0 ] && [ ! -x "$BUILD/osd/cairn-osd" ]; then
	echo "vstart: $BUILD/osd/cairn-osd is not built: starting monitors only"
	OSD=0
fi

# The run directory: new, empty, or one of ours (it has our conf).
if [ -d "$RUN" ] && [ -n "$(ls -A "$RUN")" ]; then
	if [ ! -f "$RUN/cairn.conf" ]; then
		echo "vstart: $RUN is not empty and holds no cairn.conf: not touching it" >&2
		exit 2
	fi
	echo "vstart: reusing $RUN: stopping its daemons and wiping it"
	tools/vstop.sh --run-dir "$RUN"
	rm -rf "$RUN"
fi
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)
CONF=$RUN/cairn.conf
# Every poll is bounded: a client keeps hunting for a quorum otherwise.
CAIRN="timeout 20 $BUILD/tools/cairn -c $CONF"

# Free loopback ports for the monitors (they bind exactly these).
ports=$(python3 - "$MON" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)
names=""
hosts=""
i=0
for p in $ports; do
	n=$(printf "\\$(printf '%03o' $((97 + i)))")
	names="$names $n"
	hosts="$hosts${hosts:+,}127.0.0.1:$p"
	i=$((i + 1))
done
fsid=$(python3 -c 'import uuid; print(uuid.uuid4())')
size=3
[ "$OSD" -lt 3 ] && size=$OSD
[ "$size" -lt 1 ] && size=1
min_size=2
[ "$size" -eq 1 ] && min_size=1
cat >"$CONF" <<CONF
[global]
fsid = $fsid
mon_host = $hosts
run_dir = $RUN
admin_socket = $RUN/\$name.asok
log_file = $RUN/\$name.log
pid_file = $RUN/\$name.pid
keyring = $RUN/keyring
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
osd_crush_chooseleaf_type = 0
osd_pool_default_size = $size
osd_pool_default_min_size = $min_size
osd_pool_default_pg_num = 16
mon_allow_pool_delete = true

[mon]
mon_data = $RUN/\$name

[osd]
osd_data = $RUN/\$name
bluestore_block_size = $OSD_BLOCK_SIZE
# Sparse block files: a development cluster takes disk space as it is written.
bluestore_block_preallocate = false
CONF

# Ceph's keyring format: a key is base64 of (type 1 = AES, created sec and
# nsec, length 16, 16 random bytes).
key=$(python3 -c '
import base64, os, struct, time
t = time.time()
print(base64.b64encode(struct.pack("<HIIH", 1, int(t), int(t % 1 * 1e9), 16) + os.urandom(16)).decode())')
cat >"$RUN/keyring" <<KEYRING
# Not used yet: authentication is "none" until cephx lands (DESIGN.md §6).
[client.admin]
	key = $key
	caps mon = "allow *"
	caps osd = "allow *"
	caps mgr = "allow *"
	caps mds = "allow *"
KEYRING
chmod 600 "$RUN/keyring"

for n in $names; do
	"$BUILD/mon/cairn-mon" --mkfs -i "$n" -c "$CONF"
	"$BUILD/mon/cairn-mon" -i "$n" -c "$CONF"
done

# Poll until $1 (a python condition on the status JSON `d`) holds; on timeout,
# print $2 (a python expression naming what is missing) and fail.
wait_status() {
	deadline=$(($(date +%s) + TIMEOUT))
	while :; do
		r=$($CAIRN status -f json 2>/dev/null | python3 -c "
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    print('no answer from the monitors'); sys.exit(1)
if $1:
    sys.exit(0)
print($2)
sys.exit(1)") && return 0
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "vstart: timed out after $TIMEOUT s: $r; see $RUN/*.log" >&2
			exit 1
		fi
		sleep 0.2
	done
}

# Quorum first (OSDs register with the monitors at mkfs), from mon.a's
# admin socket: it answers before there is a quorum to ask.
want=$(echo $names | wc -w)
deadline=$(($(date +%s) + TIMEOUT))
while :; do
	q=$("$BUILD/tools/cairn" --admin-daemon "$RUN/mon.a.asok" status 2>/dev/null |
		python3 -c 'import json,sys
try:
    d = json.load(sys.stdin); print(len(d.get("quorum", [])) if d.get("readable") else 0)
except Exception:
    print(0)')
	[ "$q" -ge "$want" ] && break
	if [ "$(date +%s)" -ge "$deadline" ]; then
		echo "vstart: timed out after $TIMEOUT s: $q of $want monitors in quorum; see $RUN/*.log" >&2
		exit 1
	fi
	sleep 0.2
done

i=0
while [ "$i" -lt "$OSD" ]; do
	"$BUILD/osd/cairn-osd" --mkfs -i "$i" -c "$CONF" --osd-data "$RUN/osd.$i" >/dev/null
	"$BUILD/osd/cairn-osd" -i "$i" -c "$CONF" --osd-data "$RUN/osd.$i"
	i=$((i + 1))
done

if [ "$OSD" -gt 0 ]; then
	wait_status "d['osdmap']['num_up_osds'] == $OSD and d['osdmap']['num_in_osds'] == $OSD" \
		"'%d of $OSD OSDs up, %d in' % (d['osdmap']['num_up_osds'], d['osdmap']['num_in_osds'])"
	$CAIRN osd pool create rbd >/dev/null 2>&1
	$CAIRN osd pool application enable rbd rbd >/dev/null 2>&1
	wait_status "[(s['state_name'], s['count']) for s in d['pgmap']['pgs_by_state']] == [('active+clean', d['pgmap']['num_pgs'])] and d['pgmap']['num_pgs'] > 0 and d['osdmap']['num_up_osds'] == $OSD" \
		"'PGs not all active+clean: ' + (', '.join('%d %s' % (s['count'], s['state_name']) for s in d['pgmap']['pgs_by_state']) or 'none') + ' of %d; %d of $OSD OSDs up' % (d['pgmap']['num_pgs'], d['osdmap']['num_up_osds'])"
	echo "vstart: $want monitors in quorum ($hosts), $OSD OSDs up and in, pool rbd active+clean"
else
	echo "vstart: $want monitors in quorum ($hosts); run dir $RUN"
fi

RADOS=$BUILD/tools/rados
if [ "$OSD" -gt 0 ] && [ -x "$RADOS" ]; then
	echo "vstart: hello from vstart, $(date)" >"$RUN/vstart-object.in"
	CEPH_CONF=$CONF "$RADOS" -p rbd put vstart-object "$RUN/vstart-object.in"
	CEPH_CONF=$CONF "$RADOS" -p rbd get vstart-object "$RUN/vstart-object.out"
	if ! cmp -s "$RUN/vstart-object.in" "$RUN/vstart-object.out"; then
		echo "vstart: the object read back differs from what was written" >&2
		exit 1
	fi
	rm -f "$RUN/vstart-object.in" "$RUN/vstart-object.out"
	echo "vstart: wrote object vstart-object to pool rbd and read it back"
	# The next PG stats reports (every osd_pg_stats_interval) count it.
	wait_status "d['pgmap']['num_objects'] >= 1" "'the PG stats do not count the object yet'"
elif [ "$OSD" -gt 0 ]; then
	echo "vstart: $RADOS is not built yet: skipped writing an object"
fi

echo
echo "  \$ $BUILD/tools/cairn -c $CONF status"
$CAIRN status
echo
echo "Use it:   export CEPH_CONF=$CONF"
echo "          $BUILD/tools/cairn status        (also: health, osd tree, pg stat, df, --help)"
if [ "$OSD" -gt 0 ]; then
	echo "          $BUILD/tools/rados -p rbd put NAME FILE; rados -p rbd get NAME FILE; rados -p rbd ls"
	echo "Restart:  $BUILD/osd/cairn-osd -i 0 -c $CONF --osd-data $RUN/osd.0"
fi
echo "Stop it:  tools/vstop.sh --run-dir $RUN"
