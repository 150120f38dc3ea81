#!/bin/sh
# vstop.sh - stop the daemons of a run directory made by tools/vstart.sh:
# every cairn-osd and cairn-mon whose command line names DIR/cairn.conf
# (including ones restarted by hand), and nothing else.  OSDs go first,
# while the monitors can still take their goodbyes.
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

# daemons NAME -> pids of the NAME processes (cairn-osd, cairn-mon) of $CONF
daemons() {
	for d in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") || continue
		case "$cmd" in
		*/"$1 "*" -c $CONF "* | "$1 "*" -c $CONF "* | */"$1 "*" -c $CONF" | "$1 "*" -c $CONF")
			echo "${d#/proc/}" ;;
		esac
	done
}

# stop PIDS...: SIGTERM, wait for them to exit; SIGKILL after 10 s.
stop() {
	[ $# -gt 0 ] || return 0
	kill "$@" 2>/dev/null || true
	i=0
	while [ $i -lt 100 ]; do
		alive=""
		for p in "$@"; do
			[ -d "/proc/$p" ] && alive="$alive $p"
		done
		[ -z "$alive" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "vstop: still running after 10 s, killing:$alive" >&2
	kill -9 $alive 2>/dev/null || true
}

stop $(daemons cairn-osd)
stop $(daemons cairn-mon)
