#!/bin/sh
# vstop.sh - stop the daemons of a run directory made by tools/vstart.sh:
# every process whose command line names DIR/cairn.conf (including ones
# restarted by hand), and nothing else.
#
#   tools/vstop.sh [--run-dir DIR]      (default build/run)
set -eu
cd "$(dirname "$0")/.."
RUN=${CAIRN_BUILD:-$(pwd)/build}/run
while [ $# -gt 0 ]; do
	case "$1" in
	--run-dir) RUN=$2; shift 2 ;;
	*) echo "vstop: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -d "$RUN" ] || exit 0
CONF=$(cd "$RUN" && pwd)/cairn.conf

pids=""
for d in /proc/[0-9]*; do
	cmd=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null) || continue
	case "$cmd" in
	*cairn-*" -c $CONF"*) pids="$pids ${d#/proc/}" ;;
	esac
done
[ -n "$pids" ] || exit 0
kill $pids 2>/dev/null || true
# Wait for them to exit; escalate after 10 s.
i=0
while [ $i -lt 100 ]; do
	alive=""
	for p in $pids; do
		[ -d "/proc/$p" ] && alive="$alive $p"
	done
	[ -z "$alive" ] && exit 0
	sleep 0.1
	i=$((i + 1))
done
kill -9 $alive 2>/dev/null || true
