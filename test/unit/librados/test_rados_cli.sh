#!/bin/bash
# test_rados_cli.sh FAKE_CLUSTER RADOS - the `rados` CLI against the fake
# cluster (fake_cluster_main.c): every command, Ceph's output lines, error
# messages and exit codes.
set -u
FAKE=$1
RADOS=$2
tmp=$(mktemp -d)
coproc FC { exec "$FAKE" 3 8; }
fc_pid=$FC_PID
fc_in=${FC[1]}
cleanup() {
	exec {fc_in}>&- 2>/dev/null
	wait "$fc_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
read -r MON <&"${FC[0]}" || { echo "FAIL: fake cluster did not start" >&2; exit 1; }
conf=$tmp/ceph.conf
printf '[global]\nmon_host = %s\n' "$MON" >"$conf"

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
R() { "$RADOS" -c "$conf" "$@"; }

# expect STATUS STDOUT-REGEX STDERR-REGEX -- ARGS...
expect() {
	local want=$1 out_re=$2 err_re=$3
	shift 4
	R "$@" >"$tmp/out" 2>"$tmp/err"
	local st=$?
	[ "$st" = "$want" ] || fail "rados $*: exit $st, wanted $want ($(cat "$tmp/err"))"
	[ -z "$out_re" ] || grep -Eq -- "$out_re" "$tmp/out" ||
		fail "rados $*: stdout '$(cat "$tmp/out")' !~ /$out_re/"
	[ -z "$err_re" ] || grep -Eq -- "$err_re" "$tmp/err" ||
		fail "rados $*: stderr '$(cat "$tmp/err")' !~ /$err_re/"
}

# Pools.
expect 0 '^rbd$' '' -- lspools
expect 0 '^successfully created pool p2$' '' -- mkpool p2
expect 1 '' '^error creating pool p2: \(17\) File exists$' -- mkpool p2
expect 0 '^p2$' '' -- lspools
expect 1 '' 'WARNING' -- rmpool p2
expect 1 '' 'To confirm, pass the pool to remove twice' -- rmpool p2 p3 --yes-i-really-really-mean-it
expect 0 '^successfully deleted pool p2$' '' -- rmpool p2 p2 --yes-i-really-really-mean-it
expect 1 '' '^pool p2 does not exist$' -- rmpool p2 p2 --yes-i-really-really-mean-it
expect 1 '' '^error opening pool nosuch: \(2\) No such file or directory$' -- -p nosuch ls
expect 1 '' 'pool name was not specified' -- ls
expect 1 '' 'unrecognized command' -- -p rbd frobnicate

# Objects: put/get through files and pipes, in several chunks.
head -c 200000 /dev/urandom >"$tmp/in"
expect 0 '' '' -- -p rbd -b 65536 put big "$tmp/in"
expect 0 '' '' -- -p rbd -b 65536 get big "$tmp/got"
cmp -s "$tmp/in" "$tmp/got" || fail "get returned different bytes"
echo hello | R -p rbd put small - || fail "put from stdin"
[ "$(R -p rbd get small -)" = hello ] || fail "get to stdout"
: >"$tmp/empty"
expect 0 '' '' -- -p rbd put empty "$tmp/empty"
expect 0 '^rbd/empty mtime [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.000000[-+][0-9]{4}, size 0$' '' -- -p rbd stat empty
expect 0 '^rbd/big mtime .*, size 200000$' '' -- -p rbd stat big
expect 1 '' '^ error stat-ing rbd/nope: \(2\) No such file or directory$' -- -p rbd stat nope
expect 1 '' '^error getting rbd/nope: \(2\) No such file or directory$' -- -p rbd get nope "$tmp/x"
[ -e "$tmp/x" ] && fail "get of a missing object created the output file"
expect 0 '' '' -- -p rbd append small "$tmp/in"
expect 0 'size 200006$' '' -- -p rbd stat small
expect 0 '' '' -- -p rbd truncate small 3
expect 0 'size 3$' '' -- -p rbd stat small
expect 0 '' '' -- -p rbd create made
expect 1 '' '^error creating rbd/made: \(17\) File exists$' -- -p rbd create made

# Listing, namespaces, locators.
[ "$(R -p rbd ls | sort | tr '\n' ' ')" = "big empty made small " ] || fail "ls: $(R -p rbd ls | tr '\n' ' ')"
echo ns | R -p rbd -N ns1 put inns - || fail "put in a namespace"
[ "$(R -p rbd -N ns1 ls)" = inns ] || fail "ls -N"
[ "$(R -p rbd --namespace=ns1 get inns -)" = ns ] || fail "get --namespace="
R -p rbd --all ls | grep -q "^ns1	inns$" || fail "ls --all"
echo k | R -p rbd --object-locator key1 put located - || fail "put --object-locator"
[ "$(R -p rbd --object-locator key1 get located -)" = k ] || fail "get --object-locator"
R -p rbd ls | grep -q "^located	key1$" || fail "ls shows the locator"

# Xattrs.
expect 0 '' '' -- -p rbd setxattr small color blue
printf 'from stdin' | R -p rbd setxattr small note || fail "setxattr from stdin"
[ "$(R -p rbd getxattr small color)" = blue ] || fail "getxattr"
[ "$(R -p rbd getxattr small note)" = "from stdin" ] || fail "getxattr (stdin value)"
[ "$(R -p rbd listxattr small | tr '\n' ' ')" = "color note " ] || fail "listxattr"
expect 1 '' '^error getting xattr rbd/small/nope: \(61\) No data available$' -- -p rbd getxattr small nope
expect 0 '' '' -- -p rbd rmxattr small color
[ "$(R -p rbd listxattr small)" = note ] || fail "rmxattr"

# Removing.
expect 0 '' '' -- -p rbd rm big empty
expect 1 '' '^error removing rbd>big: \(2\) No such file or directory$' -- -p rbd rm big
expect 1 '' '^error removing rbd>ns1/nope: \(2\) No such file or directory$' -- -p rbd -N ns1 rm nope

# Bench: write (kept), seq, rand, cleanup.
expect 0 'Total writes made: +[1-9]' '' -- -p rbd bench 1 write -b 4096 -t 4 --no-cleanup
for line in 'Total time run:' 'Bandwidth \(MB/sec\):' 'Average IOPS:' 'Average Latency\(s\):' \
	'Object prefix: benchmark_data_' 'sec Cur ops'; do
	grep -Eq "$line" "$tmp/out" || fail "bench write output lacks $line"
done
expect 0 'Total reads made: +[1-9]' '' -- -p rbd bench 1 seq -t 4
expect 0 'Average Latency\(s\):' '' -- -p rbd bench 1 rand -t 2
expect 0 '^Removed [1-9][0-9]* objects?$' '' -- -p rbd cleanup
expect 1 '' 'Must write data before running a read benchmark' -- -p rbd bench 1 seq
expect 0 'Clean up completed' '' -- -p rbd bench 1 write -b 1024 -t 2
[ "$(R -p rbd ls | grep -c benchmark)" = 0 ] || fail "bench left objects behind"
expect 1 '' 'Invalid benchmark type' -- -p rbd bench 1 sideways

# Connection errors.
printf '[global]\nmon_host = 127.0.0.1:1\nclient_mount_timeout = 1\n' >"$tmp/bad.conf"
"$RADOS" -c "$tmp/bad.conf" lspools >/dev/null 2>"$tmp/err"
[ $? = 1 ] || fail "connect to nothing did not fail"
grep -q "^couldn't connect to cluster: (110) Connection timed out$" "$tmp/err" ||
	fail "connect error: $(cat "$tmp/err")"
"$RADOS" -c "$tmp/missing.conf" lspools >/dev/null 2>"$tmp/err"
[ $? = 1 ] || fail "a missing -c file did not fail"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "rados CLI: all checks passed"
