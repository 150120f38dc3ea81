#!/bin/sh
# cairn-osd --mkfs / --fsck: exit codes and refusal to overwrite.
set -u
osd=${CAIRN_BUILD_ROOT:?}/osd/cairn-osd
d=$(mktemp -d "${TMPDIR:-/tmp}/cairn-cli.XXXXXX")
trap 'rm -rf "$d"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
printf '[osd]\nbluestore block size = 32M\n' >"$d/ceph.conf"
"$osd" --mkfs -i 4 --osd-data "$d/osd" -c "$d/ceph.conf" || fail "mkfs"
[ "$(stat -c %s "$d/osd/block")" = 33554432 ] || fail "block size from conf"
"$osd" --fsck --osd-data "$d/osd" -c "$d/ceph.conf" || fail "fsck of a new store"
"$osd" --fsck --deep --osd-data "$d/osd" -c "$d/ceph.conf" || fail "deep fsck"
"$osd" --mkfs -i 4 --osd-data "$d/osd" -c "$d/ceph.conf" 2>/dev/null && fail "mkfs over a store"
"$osd" --fsck --osd-data "$d/empty" -c "$d/ceph.conf" 2>/dev/null && fail "fsck of nothing"
truncate -s 1M "$d/osd/block"
"$osd" --fsck --osd-data "$d/osd" -c "$d/ceph.conf" 2>/dev/null && fail "fsck of a truncated store"
"$osd" --bogus 2>/dev/null && fail "unknown argument accepted"
echo ok
