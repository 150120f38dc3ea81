#!/bin/sh
# test.sh - install what is missing, build, and run every test.
#
#   tools/test.sh                 everything: warnings-as-errors release build,
#                                 sanitizer build, brief fuzzing
#   tools/test.sh --suite crush   pass arguments on to `meson test`
#   CAIRN_QUICK=1 tools/test.sh   only the release build's tests
#   CAIRN_FUZZ_SECONDS=N          seconds per fuzz target (default 20)
#
# Build directories: build-ci (release, --werror), build-ci-asan
# (address+undefined sanitizers, --werror), build-ci-fuzz (clang libFuzzer).
# A plain `meson setup build` is left alone for people's own use.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
start=$(date +%s)

step() { echo "==> $* ($(($(date +%s) - start))s)"; }

step "dependencies"
tools/deps.sh

setup() { # dir, then meson options
	dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

JOBS=$(nproc 2>/dev/null || echo 2)

step "release build with warnings as errors (build-ci)"
setup build-ci --werror -Dbuildtype=release
ninja -C build-ci -j "$JOBS"
step "tests (build-ci)"
meson test -C build-ci --no-rebuild --print-errorlogs --num-processes "$JOBS" "$@"

if [ "${CAIRN_QUICK:-0}" = 1 ]; then
	step "CAIRN_QUICK=1: skipping sanitizer and fuzz runs"
	exit 0
fi

step "sanitizer build (build-ci-asan)"
setup build-ci-asan --werror -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-ci-asan -j "$JOBS"
step "tests under ASan+UBSan (build-ci-asan)"
meson test -C build-ci-asan --no-rebuild --print-errorlogs --num-processes "$JOBS" \
	--timeout-multiplier 3 "$@"

if [ "$#" -eq 0 ]; then
	step "fuzz build (build-ci-fuzz, clang libFuzzer)"
	CC=clang setup build-ci-fuzz -Dfuzz=true -Dbuildtype=debugoptimized \
		-Db_sanitize=address,undefined -Db_lundef=false
	targets=$(meson introspect build-ci-fuzz --targets | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["name"].startswith("fuzz_") and t["type"] == "executable":
        print(t["filename"][0])')
	if [ -n "$targets" ]; then
		ninja -C build-ci-fuzz -j "$JOBS" $(for t in $targets; do
			realpath --relative-to="$ROOT/build-ci-fuzz" "$t"; done)
	fi
	secs=${CAIRN_FUZZ_SECONDS:-20}
	for t in $targets; do
		name=$(basename "$t")
		corpus=$(find test/fuzz -type d -path "*/corpus/${name#fuzz_}" | head -n 1)
		work=$(mktemp -d)
		step "fuzzing $name for ${secs}s"
		# New inputs go to a scratch directory; the saved corpus is read only.
		"$t" -max_total_time="$secs" -print_final_stats=1 "$work" ${corpus:+"$corpus"} \
			>"$work.log" 2>&1 || { tail -n 60 "$work.log"; rm -rf "$work"; exit 1; }
		grep -E "stat::number_of_executed_units" "$work.log" || true
		rm -rf "$work" "$work.log"
	done
fi

step "all tests passed"
