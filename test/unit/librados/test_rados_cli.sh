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

# Omap: values as Ceph's hexdump; the expected texts are what Ceph 16.2.15's
# rados printed for the same commands.
# same_out WANT-FILE ARGS...: stdout exactly the file, exit 0.
same_out() {
	local want=$1
	shift
	R "$@" >"$tmp/out" 2>"$tmp/err" || fail "rados $*: exit $? ($(cat "$tmp/err"))"
	cmp -s "$want" "$tmp/out" || fail "rados $*: stdout differs: $(diff "$want" "$tmp/out")"
}
expect 0 '' '' -- -p rbd setomapval om k1 v1
printf 'value (2 bytes) :\n00000000  76 31                                             |v1|\n00000002\n\n' >"$tmp/want"
same_out "$tmp/want" -p rbd getomapval om k1
expect 1 '^No such key: rbd/om/nokey$' '' -- -p rbd getomapval om nokey
expect 1 '' '^error getting omap value rbd/nope/k1: \(2\) No such file or directory$' -- -p rbd getomapval nope k1
expect 0 '' '^Writing to '"$tmp"'/val$' -- -p rbd getomapval om k1 "$tmp/val"
[ "$(cat "$tmp/val")" = v1 ] || fail "getomapval to a file: $(cat "$tmp/val")"
expect 0 '^v1$' '^Writing to -$' -- -p rbd getomapval om k1 -
expect 1 '' '^failed to open file: \(2\) No such file or directory$' -- -p rbd getomapval om k1 "$tmp/no/such/dir"
printf 'from\nstdin' | R -p rbd setomapval om k2 || fail "setomapval from stdin"
R -p rbd getomapval om k2 - 2>/dev/null >"$tmp/val"
[ "$(cat "$tmp/val")" = "$(printf 'from\nstdin')" ] || fail "setomapval from stdin stored '$(cat "$tmp/val")'"
printf 'filedata\n' >"$tmp/in.txt"
expect 0 '' '' -- -p rbd setomapval om k3 ignored --input-file "$tmp/in.txt"
[ "$(R -p rbd getomapval om k3 - 2>/dev/null)" = filedata ] || fail "setomapval --input-file"
expect 1 '' "^error reading file $tmp/nofile: can't open $tmp/nofile: \\(2\\) No such file" -- \
	-p rbd --input-file="$tmp/nofile" setomapval om k3
expect 0 '' '' -- -p rbd rmomapkey om k3
[ "$(R -p rbd listomapkeys om | tr '\n' ' ')" = "k1 k2 " ] || fail "listomapkeys: $(R -p rbd listomapkeys om)"
expect 1 '' '^error getting omap key set rbd/nope: \(2\) No such file or directory$' -- -p rbd listomapkeys nope
expect 1 '' '^error getting omap keys rbd/nope: \(2\) No such file or directory$' -- -p rbd listomapvals nope
# Folding of repeated rows, as Pacific's bufferlist::hexdump does it.
R -p rbd setomapval fold a32 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
R -p rbd setomapval fold a48 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
R -p rbd setomapval fold mix "aaaaaaaaaaaaaaaa$(printf 'b%.0s' $(seq 48))a$(printf 'b%.0s' $(seq 97))"
cat >"$tmp/want" <<'EOF_FOLD'
a32
value (32 bytes) :
00000000  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|
00000010  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|
00000020

a48
value (48 bytes) :
00000000  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|
*
00000020  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|
00000030

mix
value (162 bytes) :
00000000  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|
00000010  62 62 62 62 62 62 62 62  62 62 62 62 62 62 62 62  |bbbbbbbbbbbbbbbb|
*
00000040  61 62 62 62 62 62 62 62  62 62 62 62 62 62 62 62  |abbbbbbbbbbbbbbb|
00000050  62 62 62 62 62 62 62 62  62 62 62 62 62 62 62 62  |bbbbbbbbbbbbbbbb|
*
000000a0  62 62                                             |bb|
000000a2

EOF_FOLD
same_out "$tmp/want" -p rbd listomapvals fold
# Unprintable keys are hexdumped too; --omap-key-file names a binary key.
printf 'bin\001key' >"$tmp/key"
R -p rbd --omap-key-file "$tmp/key" setomapval bin val2 || fail "setomapval --omap-key-file"
R -p rbd setomapval bin "$(printf '\303\251')" x
R -p rbd setomapval bin empty ""
R -p rbd setomapval bin nl "$(printf 'line1\nline2\ttab')"
cat >"$tmp/want" <<'EOF_BIN'
key (7 bytes):
00000000  62 69 6e 01 6b 65 79                              |bin.key|
00000007

value (4 bytes) :
00000000  76 61 6c 32                                       |val2|
00000004

empty
value (0 bytes) :

nl
value (15 bytes) :
00000000  6c 69 6e 65 31 0a 6c 69  6e 65 32 09 74 61 62     |line1.line2.tab|
0000000f

key (2 bytes):
00000000  c3 a9                                             |..|
00000002

value (1 bytes) :
00000000  78                                                |x|
00000001

EOF_BIN
same_out "$tmp/want" -p rbd listomapvals bin
R -p rbd listomapkeys bin | head -1 | cmp -s - <(printf 'bin\001key\n') || fail "listomapkeys: binary key"
expect 0 '^00000000  76 61 6c 32 ' '' -- -p rbd --omap-key-file "$tmp/key" getomapval bin
expect 1 '^No such key: rbd/om/\(binary key\)$' '' -- -p rbd --omap-key-file "$tmp/key" getomapval om
expect 1 '' '^error getting omap value rbd/nope/\(binary key\): \(2\) No such' -- -p rbd --omap-key-file "$tmp/key" getomapval nope
expect 1 '' "^can't open $tmp/nokey: \\(2\\) No such file or directory$" -- -p rbd --omap-key-file "$tmp/nokey" getomapval om
expect 0 '' '' -- -p rbd --omap-key-file "$tmp/key" rmomapkey bin
[ "$(R -p rbd listomapkeys bin | head -1)" = empty ] || fail "rmomapkey --omap-key-file"
expect 0 '' '' -- -p rbd rmomapkey om k1
expect 0 '' '' -- -p rbd rmomapkey om k1
[ "$(R -p rbd listomapkeys om)" = k2 ] || fail "rmomapkey: $(R -p rbd listomapkeys om)"
expect 1 '' '^error removing omap key rbd/nope/k1: \(2\) No such file or directory$' -- -p rbd rmomapkey nope k1
expect 1 '' '^error clearing omap keys rbd/nope/\(2\) No such file or directory$' -- -p rbd clearomap om nope bin
[ -z "$(R -p rbd listomapkeys om)" ] || fail "clearomap left keys in om"
[ -n "$(R -p rbd listomapkeys bin)" ] || fail "clearomap went on after a failure"
expect 0 '' '' -- -p rbd clearomap bin fold
[ -z "$(R -p rbd listomapkeys bin)$(R -p rbd listomapkeys fold)" ] || fail "clearomap of two objects"
# Wrong word counts print the usage; the namespace applies.
expect 1 '' '^usage: rados' -- -p rbd setomapval om
expect 1 '' '^usage: rados' -- -p rbd getomapval om k1 "$tmp/x" extra
expect 1 '' '^usage: rados' -- -p rbd rmomapkey om k1 extra
expect 1 '' '^usage: rados' -- -p rbd --omap-key-file "$tmp/key" rmomapkey om k1
expect 1 '' '^usage: rados' -- -p rbd clearomap
expect 1 '' 'pool name was not specified' -- listomapkeys om
expect 1 '' '^pool name must be specified with --namespace$' -- -N ns1 lspools
expect 1 '' '^pool name must be specified with --object-locator$' -- --object-locator k ls
expect 0 '' '' -- -p rbd -N ns1 setomapval nsobj k v
expect 1 '' '^error getting omap key set rbd/nsobj: \(2\) No such' -- -p rbd listomapkeys nsobj
expect 0 '^k$' '' -- -p rbd --namespace=ns1 listomapkeys nsobj
expect 0 '^v$' '' -- -p rbd -N ns1 getomapval nsobj k -
expect 0 '' '' -- -p rbd -N ns1 rmomapkey nsobj k
expect 0 '' '' -- -p rbd -N ns1 clearomap nsobj
expect 0 '' '' -- -p rbd -N ns1 rm nsobj

# df: Ceph's table and totals, or JSON; pools by name.
expect 0 '^successfully created pool aaa$' '' -- mkpool aaa
expect 0 '' '' -- df
head -1 "$tmp/out" | grep -Eq '^POOL_NAME +USED  OBJECTS  CLONES  COPIES  MISSING_ON_PRIMARY  UNFOUND  DEGRADED  RD_OPS   RD  WR_OPS   WR  USED COMPR  UNDER COMPR$' ||
	fail "df header: $(head -1 "$tmp/out")"
[ "$(sed -n '2s/ .*//p;3s/ .*//p' "$tmp/out" | tr '\n' ' ')" = "aaa rbd " ] || fail "df rows: $(cat "$tmp/out")"
grep -Eq '^aaa +0 B +0 +0 +0 +0 +0 +0 +0 +0 B +0 +0 B +0 B +0 B$' "$tmp/out" ||
	fail "df empty pool row: $(cat "$tmp/out")"
[ "$(head -3 "$tmp/out" | awk '{ print length }' | sort -u | wc -l)" = 1 ] ||
	fail "df columns not aligned: $(cat "$tmp/out")"
grep -Eq '^rbd  +[0-9.]+ [KMG]?i?B +[1-9][0-9]* +0 +[1-9][0-9]* +0 +0 +0 ' "$tmp/out" || fail "df rbd row: $(cat "$tmp/out")"
sed -n '4,$p' "$tmp/out" >"$tmp/tail"
printf '\ntotal_objects    N\ntotal_used       X\ntotal_avail      X\ntotal_space      3 GiB\n' >"$tmp/want"
sed -E 's/^(total_objects +)[0-9]+$/\1N/; s/^(total_(used|avail) +)[0-9.]+ [KMG]?i?B$/\1X/' "$tmp/tail" |
	cmp -s "$tmp/want" - || fail "df totals: $(cat "$tmp/tail")"
expect 0 '' '' -- -p rbd df
[ "$(sed -n '2s/ .*//p' "$tmp/out")$(sed -n 3p "$tmp/out")" = rbd ] || fail "df -p rbd: $(cat "$tmp/out")"
expect 1 '' '^error opening pool nosuch: \(2\) No such file or directory$' -- -p nosuch df
expect 0 '^\{"pools":\[\{"name":"aaa","id":[0-9]+,"size_bytes":0,"size_kb":0,"num_objects":0,"num_object_clones":0,"num_object_copies":0,"num_objects_missing_on_primary":0,"num_objects_unfound":0,"num_objects_degraded":0,"read_ops":0,"read_bytes":0,"write_ops":0,"write_bytes":0,"compress_bytes_used":0,"compress_under_bytes":0\},\{"name":"rbd","id":1,"size_bytes":[1-9][0-9]*,.*\}\],"total_objects":[1-9][0-9]*,"total_used":[0-9]+,"total_avail":[0-9]+,"total_space":3145728\}$' '' -- df -f json
[ "$(tail -c 1 "$tmp/out")" = "}" ] || fail "df -f json ends with a newline (Ceph's does not)"
expect 0 '"total_space": 3145728' '' -- --format=json-pretty df
expect 0 '"name":"rbd"' '' -- --format json -p rbd df
expect 1 '' '^unrecognized format: xml$' -- --format xml df
expect 0 '^successfully deleted pool aaa$' '' -- rmpool aaa aaa --yes-i-really-really-mean-it

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
# Hunting among monitors that all refuse backs off instead of spinning: 3 s
# of trying costs a small fraction of 3 s of CPU (it used to cost all of it).
printf '[global]\nmon_host = 127.0.0.1:1\nclient_mount_timeout = 3\n' >"$tmp/bad3.conf"
# (The child's CPU ticks, user + system, as its waiting shell counts them.)
cpu=$(sh -c '"$0" -c "$1" lspools >/dev/null 2>&1; awk "{print \$16 + \$17}" /proc/$$/stat' \
	"$RADOS" "$tmp/bad3.conf")
[ -n "$cpu" ] && [ "$cpu" -lt 100 ] || fail "3 s of refused monitors cost $cpu ticks of CPU"
"$RADOS" -c "$tmp/missing.conf" lspools >/dev/null 2>"$tmp/err"
[ $? = 1 ] || fail "a missing -c file did not fail"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "rados CLI: all checks passed"
