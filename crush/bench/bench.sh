#!/bin/sh
# bench.sh - Cairn crushtool versus Ceph's crushtool on the same maps.
#
# Usage: crush/bench/bench.sh [BUILD_DIR] [OUT_DIR]
#   BUILD_DIR: a release build (default build-crush); needs Ceph's
#   crushtool at /usr/bin/crushtool (Debian: ceph-base / ceph-common).
#
# For each map (8, 100 and 1000 OSDs in a host/rack hierarchy, mixed
# weights for the larger two, plus a 1024-OSD map from `crushtool --build`)
# it reports, for both tools on rule 0 (chooseleaf firstn over hosts, 3
# replicas): spread of per-OSD placements relative to weight share,
# failure-domain violations and short mappings, data movement against the
# minimum for an OSD out, a weight doubled, a weight set to zero and a host
# added, and mappings per second on one core (median of 3 runs).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build-crush}
OUT=${2:-/tmp/crush-bench}
CAIRN=$BUILD/crush/crushtool
CEPH=${CEPH_CRUSHTOOL:-/usr/bin/crushtool}
NX=${NX:-100000}
NSPEED=${NSPEED:-500000}
mkdir -p "$OUT"
cd "$OUT"
PIN="taskset -c 0"
command -v taskset >/dev/null || PIN=""

gen() { python3 "$HERE/gen_map.py" "$@"; }

compile_both() { # name
	$CEPH -c "$1.txt" -o "$1.ceph" >/dev/null
	$CAIRN -c "$1.txt" -o "$1.cairn"
}

mappings() { # tool mapfile out [extra args]
	tool=$1 map=$2 out=$3
	shift 3
	$tool -i "$map" --test --rule 0 --num-rep 3 --min-x 0 --max-x $((NX - 1)) \
		--show-mappings "$@" 2>/dev/null | grep '^CRUSH rule' >"$out"
}

speed() { # tool mapfile -> mappings/s, median of 3
	for i in 1 2 3; do
		s=$(date +%s.%N)
		$PIN $1 -i "$2" --test --rule 0 --num-rep 3 --min-x 0 --max-x $((NSPEED - 1)) \
			--show-statistics >/dev/null 2>&1
		e=$(date +%s.%N)
		echo "$s $e"
	done | awk -v n=$NSPEED '{print n / ($2 - $1)}' | sort -g | sed -n 2p
}

run_map() { # name racks hosts osds [--mixed]; the changed OSD is 5
	name=$1
	shift
	gen "$@" >"$name.txt"
	gen "$@" --double 5 >"$name.double.txt"
	gen "$@" --zero 5 >"$name.zero.txt"
	gen "$@" --add-host >"$name.add.txt"
	nhost_osds=$3
	total=$(grep -c '^device' "$name.txt")
	added=$(seq -s, "$total" $((total + nhost_osds - 1)))
	for v in "$name" "$name.double" "$name.zero" "$name.add"; do compile_both "$v"; done
	echo "== $name: $(grep -c '^device' "$name.txt") OSDs, $NX inputs, 3 replicas"
	for t in ceph cairn; do
		tool=$CEPH
		[ $t = cairn ] && tool=$CAIRN
		mappings $tool "$name.$t" "$name.$t.map"
		mappings $tool "$name.$t" "$name.$t.out.map" --weight 5 0
		mappings $tool "$name.double.$t" "$name.$t.double.map"
		mappings $tool "$name.zero.$t" "$name.$t.zero.map"
		mappings $tool "$name.add.$t" "$name.$t.add.map"
		echo "  $t spread: $(python3 "$HERE/spread.py" "$name.txt" "$name.$t.map")"
		echo "  $t out:    $(python3 "$HERE/movement.py" "$name.$t.map" "$name.$t.out.map" out 5)"
		echo "  $t double: $(python3 "$HERE/movement.py" "$name.$t.map" "$name.$t.double.map" double 5)"
		echo "  $t zero:   $(python3 "$HERE/movement.py" "$name.$t.map" "$name.$t.zero.map" zero 5)"
		echo "  $t add:    $(python3 "$HERE/movement.py" "$name.$t.map" "$name.$t.add.map" add "$added")"
	done
	sc=$(speed $CEPH "$name.ceph")
	sk=$(speed $CAIRN "$name.cairn")
	echo "  speed: ceph $(printf %.0f "$sc")/s cairn $(printf %.0f "$sk")/s ratio $(echo "$sk $sc" | awk '{printf "%.2f", $1 / $2}')"
}

run_map small 2 2 2
run_map medium 4 5 5 --mixed
run_map large 10 10 10 --mixed

# A map Ceph itself generated: 1024 OSDs, 8 per host, 16 hosts per rack.
$CEPH -o built.ceph --build --num_osds 1024 host straw2 8 rack straw2 16 root straw2 0 >/dev/null
$CEPH -d built.ceph -o built.txt
$CAIRN -c built.txt -o built.cairn
echo "== built: 1024 OSDs from crushtool --build (uniform weights)"
for t in ceph cairn; do
	tool=$CEPH
	[ $t = cairn ] && tool=$CAIRN
	mappings $tool "built.$t" "built.$t.map"
	echo "  $t spread: $(python3 "$HERE/spread.py" built.txt "built.$t.map")"
done
sc=$(speed $CEPH built.ceph)
sk=$(speed $CAIRN built.cairn)
echo "  speed: ceph $(printf %.0f "$sc")/s cairn $(printf %.0f "$sk")/s ratio $(echo "$sk $sc" | awk '{printf "%.2f", $1 / $2}')"
