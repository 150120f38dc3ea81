#!/bin/sh
# deps.sh - install every package Cairn needs to build and test, from
# Debian's archive, when it is missing.  Idempotent; silent when nothing is
# missing.  Works on a minimal Debian bookworm (debootstrap --variant=minbase):
# it installs the compiler and Python too.  Needs root (or sudo) only when
# something is missing.
set -eu

PACKAGES="
gcc libc6-dev make pkg-config git ca-certificates
meson ninja-build
librocksdb-dev libprotobuf-c-dev protobuf-c-compiler libsodium-dev
check
libibverbs-dev librdmacm-dev
clang libclang-rt-14-dev
python3 python3-rados python3-pytest
iproute2 procps psmisc util-linux
"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "deps.sh: these packages are missing and I am not root:$missing" >&2
		echo "deps.sh: run me as root, or install them with apt-get" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
# A fresh or minimal system may have no package lists yet.
if ! $SUDO apt-get install -y -q --no-install-recommends $missing >/tmp/cairn-deps.log 2>&1; then
	$SUDO apt-get update -q >>/tmp/cairn-deps.log 2>&1 || true
	if ! $SUDO apt-get install -y -q --no-install-recommends $missing >>/tmp/cairn-deps.log 2>&1; then
		tail -n 30 /tmp/cairn-deps.log >&2
		echo "deps.sh: apt-get failed; full log in /tmp/cairn-deps.log" >&2
		exit 1
	fi
fi
echo "deps.sh: done"
