#!/bin/sh
# vstart.sh - install what is missing, build, and start a local Cairn
# cluster on 127.0.0.1 (3 monitors and 3 OSDs by default), then show it
# working.  Everything lives under the run directory.
#
#   tools/vstart.sh                        MON=3 OSD=3, run dir build/run
#   MON=1 OSD=0 tools/vstart.sh --run-dir /tmp/c
#
# The conf is DIR/cairn.conf; each daemon runs as `<daemon> -i ID -c
# DIR/cairn.conf`, so re-running that command line from the repository
# root brings a stopped daemon back.  tools/vstop.sh stops exactly the
# daemons of DIR.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${CAIRN_BUILD:-$ROOT/build}
RUN=$BUILD/run
while [ $# -gt 0 ]; do
	case "$1" in
	--run-dir) RUN=$2; shift 2 ;;
	-h|--help) sed -n '2,14p' "$0"; exit 0 ;;
	*) echo "vstart: unknown argument $1" >&2; exit 2 ;;
	esac
done
MON=${MON:-3}
OSD=${OSD:-3}

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

if [ -d "$RUN" ] && ls "$RUN"/*.pid >/dev/null 2>&1; then
	echo "vstart: $RUN has running daemons; stopping them first"
	tools/vstop.sh --run-dir "$RUN"
fi
rm -rf "$RUN"
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)
CONF=$RUN/cairn.conf

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
cat >"$CONF" <<CONF
[global]
fsid = $fsid
mon_host = $hosts
run_dir = $RUN
admin_socket = $RUN/\$name.asok
log_file = $RUN/\$name.log
pid_file = $RUN/\$name.pid
osd_crush_chooseleaf_type = 0
osd_pool_default_size = $size
osd_pool_default_pg_num = 16

[mon]
mon_data = $RUN/\$name

[osd]
osd_data = $RUN/\$name
CONF

for n in $names; do
	"$BUILD/mon/cairn-mon" --mkfs -i "$n" -c "$CONF"
	"$BUILD/mon/cairn-mon" -i "$n" -c "$CONF"
done

# Wait (by asking, not by sleeping a fixed time) for the quorum to form.
want=$(echo $names | wc -w)
deadline=$(($(date +%s) + 60))
while :; do
	q=$("$BUILD/tools/cairn" --admin-daemon "$RUN/mon.a.asok" status 2>/dev/null |
		python3 -c 'import json,sys
try:
    d = json.load(sys.stdin); print(len(d.get("quorum", [])) if d.get("readable") else 0)
except Exception:
    print(0)')
	[ "$q" -ge "$want" ] && break
	if [ "$(date +%s)" -ge "$deadline" ]; then
		echo "vstart: no quorum after 60 s; see $RUN/*.log" >&2
		exit 1
	fi
	sleep 0.2
done

if [ "$OSD" -gt 0 ]; then
	# cairn-osd so far only creates and checks stores (--mkfs, --fsck); the
	# OSD daemon proper comes with the OSD issue (see doc/status.md).
	echo "vstart: the OSD daemon is not written yet: started monitors only"
	OSD=0
fi

echo "vstart: $want monitors in quorum ($hosts); run dir $RUN"
echo
echo "  \$ $BUILD/tools/cairn -c $CONF status"
"$BUILD/tools/cairn" -c "$CONF" status
echo
echo "Use it:   export CEPH_CONF=$CONF; $BUILD/tools/cairn status"
echo "Stop it:  tools/vstop.sh --run-dir $RUN"
