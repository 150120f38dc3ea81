# lib.sh - helpers for integration tests that run real daemons on
# 127.0.0.1.  Source it from a test script; it creates a private run
# directory, picks free ports, and on exit (success or not) stops every
# daemon it started and removes the directory (kept with KEEP=1, or its
# logs printed when the test failed).
#
# Needs CAIRN_BUILD_ROOT (set by meson test).
set -eu

B=${CAIRN_BUILD_ROOT:?run me through meson test (CAIRN_BUILD_ROOT)}
T=$(mktemp -d "${TMPDIR:-/tmp}/cairn-it.XXXXXX")
CONF=$T/cairn.conf
export CEPH_CONF=$CONF
MON_BIN=$B/mon/cairn-mon
OSD_BIN=$B/osd/cairn-osd
CAIRN=$B/tools/cairn
FAILED=1

log() { echo "[$(date +%T)] $*"; }
die() { log "FAIL: $*"; exit 1; }

cleanup() {
	for d in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null) || continue
		case "$cmd" in *" -c $CONF"*) kill -9 "${d#/proc/}" 2>/dev/null || true ;; esac
	done
	if [ "$FAILED" = 1 ]; then
		for f in "$T"/*.stderr; do
			[ -s "$f" ] || continue
			echo "===== $f"
			tail -n 60 "$f"
		done
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "===== $f (last 40 lines)"
			tail -n 40 "$f"
		done
	fi
	[ "${KEEP:-0}" = 1 ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT

free_ports() { # N
	python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

mon_name() { printf "\\$(printf '%03o' $((97 + $1)))"; }

# write_conf NMON [extra conf lines on stdin]
write_conf() {
	n=$1
	hosts=""
	for p in $(free_ports "$n"); do hosts="$hosts${hosts:+,}127.0.0.1:$p"; done
	cat >"$CONF" <<CONF
[global]
fsid = $(python3 -c 'import uuid; print(uuid.uuid4())')
mon_host = $hosts
run_dir = $T
admin_socket = $T/\$name.asok
log_file = $T/\$name.log
pid_file = $T/\$name.pid
osd_crush_chooseleaf_type = 0
rados_mon_op_timeout = 20
client_mount_timeout = 20
debug_mon = 5
[mon]
mon_data = $T/\$name
CONF
	cat >>"$CONF"
}

mkfs_mon() { "$MON_BIN" --mkfs -i "$1" -c "$CONF"; }
# Daemons run in the foreground (in the background of this shell) so that
# what they print on stderr (sanitizer reports) lands in $T/<name>.stderr.
start_mon() {
	"$MON_BIN" -i "$1" -c "$CONF" -f 2>>"$T/mon.$1.stderr" &
	# The pid file appears once the store is open and the port bound.
	while [ ! -s "$T/mon.$1.pid" ]; do
		kill -0 $! 2>/dev/null || die "mon.$1 exited at start-up: $(cat "$T/mon.$1.stderr")"
		sleep 0.05
	done
}
kill_mon() { # name [signal]
	pid=$(cat "$T/mon.$1.pid" 2>/dev/null) || die "no pid file for mon.$1"
	kill "-${2:-KILL}" "$pid"
	while [ -d "/proc/$pid" ]; do sleep 0.05; done
}

asok() { # name command... -> JSON on stdout
	n=$1
	shift
	"$CAIRN" --admin-daemon "$T/mon.$n.asok" "$@"
}

jget() { # field (python expression on d) <json
	python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}

# wait_for TIMEOUT_S DESCRIPTION COMMAND...: poll a condition (checked, not slept for)
wait_for() {
	t=$1
	what=$2
	shift 2
	end=$(($(date +%s) + t))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || die "timed out after ${t}s waiting for $what"
		sleep 0.1
	done
}

# quorum_of NAME -> number of monitors in NAME's quorum while it is readable
quorum_of() {
	asok "$1" status 2>/dev/null | jget 'len(d["quorum"]) if d["readable"] else 0'
}
has_quorum() { # NAME N
	[ "$(quorum_of "$1")" -ge "$2" ]
}
leader_of() { asok "$1" status | jget 'd["quorum_leader_name"]'; }
epoch_of() { asok "$1" status | jget 'd["osdmap_epoch"]'; }
epoch_at_least() { [ "$(epoch_of "$1")" -ge "$2" ]; }

# ---- OSDs ----------------------------------------------------------------------

# mkfs_osd N: a store under $T/osd.N (small block file), registered as osd.N.
mkfs_osd() {
	"$OSD_BIN" --mkfs -i "$1" -c "$CONF" --osd-data "$T/osd.$1" >/dev/null
}
start_osd() { # N
	"$OSD_BIN" -i "$1" -c "$CONF" --osd-data "$T/osd.$1" -f 2>>"$T/osd.$1.stderr" &
	while [ ! -s "$T/osd.$1.pid" ]; do
		kill -0 $! 2>/dev/null || die "osd.$1 exited at start-up: $(cat "$T/osd.$1.stderr")"
		sleep 0.05
	done
}
kill_osd() { # N [signal]
	pid=$(cat "$T/osd.$1.pid" 2>/dev/null) || die "no pid file for osd.$1"
	kill "-${2:-KILL}" "$pid"
	while [ -d "/proc/$pid" ]; do sleep 0.05; done
	rm -f "$T/osd.$1.pid"
}
osd_asok() { # N command...
	n=$1
	shift
	"$CAIRN" --admin-daemon "$T/osd.$n.asok" "$@"
}
# Every PG of the cluster active+clean (from the primaries' admin sockets), N OSDs given.
all_clean() { # NOSD EXPECTED_PGS
	total=0
	i=0
	while [ "$i" -lt "$1" ]; do
		c=$(osd_asok "$i" status 2>/dev/null | jget 'd["num_active_clean"] if d["state"] == "active" else -100000') || return 1
		total=$((total + c))
		i=$((i + 1))
	done
	[ "$total" -eq "$2" ]
}

pass() {
	FAILED=0
	log "PASS"
}
