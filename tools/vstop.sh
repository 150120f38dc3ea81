#!/bin/sh
# vstop.sh - stop the processes tools/vstart.sh started (their pid files
# are under the run directory), and nothing else.
set -eu
cd "$(dirname "$0")/.."
RUN=${CAIRN_RUN:-$(pwd)/run}
[ -d "$RUN" ] || exit 0
for f in "$RUN"/*.pid; do
	[ -f "$f" ] || continue
	pid=$(cat "$f")
	# Only signal a process that is still one of ours.
	if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "cairn-"; then
		kill "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
done
