#!/bin/sh
# vstart.sh - install what is missing, build, and start a local Cairn
# cluster on 127.0.0.1 (3 monitors and 3 OSDs by default), then show it
# working.  Everything lives under the run directory (default ./run).
#
#   tools/vstart.sh               MON=3 OSD=3
#   MON=1 OSD=2 tools/vstart.sh   other counts
#   CAIRN_RUN=/tmp/c tools/vstart.sh
#
# tools/vstop.sh stops exactly the processes this script started.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUN=${CAIRN_RUN:-$ROOT/run}
BUILD=${CAIRN_BUILD:-$ROOT/build}
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
	echo "vstart: built in $BUILD.  The daemons are not written yet (see doc/status.md),"
	echo "vstart: so there is no cluster to start.  What works today:"
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

echo "vstart: the cluster start-up is not written yet; see doc/status.md" >&2
exit 1
