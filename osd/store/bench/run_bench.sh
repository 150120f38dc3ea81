#!/bin/sh
# Store microbenchmark next to fio, on the same filesystem, in one run.
#   osd/store/bench/run_bench.sh BUILD_DIR [WORK_DIR] [REPEATS]
# Use a release build (meson setup build-rel -Dbuildtype=release).  Each
# configuration runs REPEATS (default 3) times; the median is reported,
# with os_bench / fio ratios.  fio does the equivalent synced writes:
# --fdatasync=1 after every block (4 KiB and 4 MiB), 1 and 16 jobs.
# OS_BENCH_ARGS passes options to os_bench (e.g. "--prezero", "--writers 0").
set -eu
build=${1:?build dir}
work=${2:-${TMPDIR:-/tmp}/cairn-bench.$$}
reps=${3:-3}
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT INT TERM
out="$work/results"
: >"$out"

fio_run() { # name bs jobs size rw
	rm -f "$work"/fio.*
	fio --name=fio --directory="$work" --filename_format='fio.$jobnum' --rw="$5" \
	    --bs="$2" --numjobs="$3" --size="$4" --fdatasync=1 --ioengine=psync \
	    --group_reporting --output-format=terse --terse-version=3 2>/dev/null |
	awk -F';' -v n="$1" -v rw="$5" '{ if (rw ~ /read/) { bw=$7; io=$8 } else { bw=$48; io=$49 }
		printf "%s %.1f %.1f\n", n, io, bw/1024 }' >>"$out"
}

for r in $(seq "$reps"); do
	rm -rf "$work/store"
	# shellcheck disable=SC2086 # OS_BENCH_ARGS is a list of words
	"$build/osd/os_bench" "$work/store" ${OS_BENCH_ARGS:-} | awk 'NR>1 { printf "os-%s %.1f %.1f\n", $1, $4, $5 }' >>"$out"
	rm -rf "$work/store"
	fio_run fio-write-4k-1 4k 1 8m write
	fio_run fio-write-4k-16 4k 16 2m write
	fio_run fio-write-4m-1 4m 1 256m write
	fio_run fio-write-4m-16 4m 16 32m write
done

echo "median of $reps runs (ops/s, MiB/s):"
sort "$out" | awk '{ k=$1; v[k]=v[k] " " $2 ":" $3 } END { for (k in v) print k, v[k] }' |
while read -r name vals; do
	med=$(echo "$vals" | tr ' ' '\n' | grep . | sort -t: -k1,1n | awk '{ a[NR]=$0 } END { print a[int((NR+1)/2)] }')
	echo "$name ${med%%:*} ${med##*:}"
done | sort | tee "$work/medians"
echo
echo "ratios (store / fio):"
awk '{ ops[$1]=$2; mb[$1]=$3 }
END {
	printf "4k synced writes, 1 writer:   %.2fx fio ops/s\n", ops["os-write-4k-1"]/ops["fio-write-4k-1"]
	printf "4k synced writes, 16 writers: %.2fx fio ops/s (vs fio 1 job: %.2fx)\n", ops["os-write-4k-16"]/ops["fio-write-4k-16"], ops["os-write-4k-16"]/ops["fio-write-4k-1"]
	printf "4m synced writes, 1 writer:   %.0f%% of fio MiB/s\n", 100*mb["os-write-4m-1"]/mb["fio-write-4m-1"]
	printf "4m synced writes, 16 writers: %.0f%% of fio MiB/s\n", 100*mb["os-write-4m-16"]/mb["fio-write-4m-16"]
}' "$work/medians"
