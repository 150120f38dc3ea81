#!/bin/sh
# Bad input gets a clear error and never takes a monitor down: malformed
# JSON and unknown prefixes (through python3-rados on Cairn's librados),
# bad pool names, pg_num out of range, a corrupt store at start-up.
. "$(dirname "$0")/../lib.sh"

write_conf 1 </dev/null
mkfs_mon a
start_mon a
wait_for 30 "quorum of 1" has_quorum a 1

expect_fail() { # errno-name command...
	want=$1
	shift
	if "$@" >"$T/out" 2>"$T/err"; then die "'$*' succeeded"; fi
	grep -q "Error $want" "$T/err" || die "'$*': expected $want, got: $(cat "$T/err")"
	log "ok: $* -> $(cat "$T/err")"
}
expect_fail EINVAL "$CAIRN" osd pool create "bad/name" 8
expect_fail EINVAL "$CAIRN" osd pool create p 0
expect_fail EINVAL "$CAIRN" osd pool create p 9999999
expect_fail ENOENT "$CAIRN" osd pool set nopool size 2
expect_fail EINVAL "$CAIRN" osd set nonsense

# Raw text straight through rados_mon_command: malformed JSON, no prefix,
# unknown prefixes, wrong argument types.
for cmd in '{"prefix": ' '[1,2]' '{"prefix": "no such thing"}' '{"noprefix": 1}' \
	'{"prefix": "osd pool create", "pool": 7}' '{"prefix": "osd pool create", "pool": "x", "pg_num": "many"}'; do
	r=$("$B/test/integration/mon/mon_cmd" "$CONF" "$cmd") || die "mon_cmd failed for $cmd"
	log "raw $cmd -> $r"
	case "$r" in rc=-22*) ;; *) die "expected -EINVAL for $cmd, got $r" ;; esac
done
r=$("$B/test/integration/mon/mon_cmd" "$CONF" '{"prefix": "osd pool create", "pool": "raw", "pg_num": 8}')
case "$r" in rc=0*) ;; *) die "a valid raw command failed: $r" ;; esac
has_quorum a 1 || die "the monitor did not survive the bad input"

# A corrupt store is refused at start-up with a clear error, and left alone.
kill_mon a TERM
for f in "$T"/mon.a/store.db/*.sst "$T"/mon.a/store.db/*.log; do
	[ -f "$f" ] && printf 'garbage' | dd of="$f" bs=1 seek=20 conv=notrunc 2>/dev/null && break
done
before=$(cd "$T/mon.a" && find . -type f ! -name 'LOG*' -exec md5sum {} + | sort)
if "$MON_BIN" -i a -c "$CONF" 2>"$T/err"; then die "started on a corrupt store"; fi
log "corrupt store refused: $(cat "$T/err")"
after=$(cd "$T/mon.a" && find . -type f ! -name 'LOG*' -exec md5sum {} + | sort)
[ "$before" = "$after" ] || die "the corrupt store was modified"
pass
