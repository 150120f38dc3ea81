#!/bin/sh
# Objects through librados (the rados CLI) on 3 monitors and 3 OSDs:
# sizes from 0 B to 64 MiB, identical copies on every replica, concurrent
# writers to one object, listing, a map change under a stream of writes,
# and bad input.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cluster_lib.sh"

start_cluster 3 16
log "cluster up: pool rbd ($POOL_ID), every PG active+clean"

# Sizes, read back and compared on every replica.
for size in 0 1 4096 4194304 67108864; do
	head -c "$size" /dev/urandom >"$T/in.$size"
	"$RADOS" -p rbd put "obj.$size" "$T/in.$size" || die "put of $size bytes"
	"$RADOS" -p rbd get "obj.$size" "$T/out.$size" || die "get of $size bytes"
	cmp "$T/in.$size" "$T/out.$size" || die "object of $size bytes read back different"
	replicas_agree "obj.$size" 3 || die "replicas of obj.$size differ"
	st=$("$RADOS" -p rbd stat "obj.$size") || die "stat of obj.$size"
	case "$st" in *"size $size") ;; *) die "stat says '$st' for $size bytes" ;; esac
done
log "sizes 0 B .. 64 MiB: identical on all three replicas"

# Concurrent writers to one object serialize: the result is one of the inputs, whole.
pids=""
for w in 1 2 3 4 5 6 7 8; do
	head -c 100000 /dev/urandom >"$T/w.$w"
	"$RADOS" -p rbd put shared "$T/w.$w" &
	pids="$pids $!"
done
for p in $pids; do wait "$p" || die "a concurrent writer failed"; done
"$RADOS" -p rbd get shared "$T/shared" || die "get shared"
match=0
for w in 1 2 3 4 5 6 7 8; do cmp -s "$T/shared" "$T/w.$w" && match=1; done
[ "$match" = 1 ] || die "the shared object is not any one writer's data"
replicas_agree shared 3 || die "replicas of the shared object differ"
log "8 concurrent writers to one object: one whole result on every replica"

# Listing returns each object exactly once across the PGs.
i=0
while [ "$i" -lt 60 ]; do
	echo "x$i" | "$RADOS" -p rbd put "list.$i" - || die "put list.$i"
	i=$((i + 1))
done
"$RADOS" -p rbd ls >"$T/ls" || die "ls"
n=$(grep -c '^list\.' "$T/ls")
u=$(grep '^list\.' "$T/ls" | sort -u | wc -l)
[ "$n" -eq 60 ] && [ "$u" -eq 60 ] || die "ls returned $n entries ($u distinct) for 60 objects"
log "listing: 60 objects, each exactly once"

# A map change (a new pool, an OSD out and in) under a stream of writes.
(
	i=0
	while [ "$i" -lt 80 ]; do
		echo "stream $i" | "$RADOS" -p rbd put "stream.$i" - || exit 1
		i=$((i + 1))
	done
) &
writer=$!
"$CAIRN" osd pool create other 8 >/dev/null || die "pool create under load"
"$CAIRN" osd out 2 >/dev/null || die "osd out"
"$CAIRN" osd in 2 >/dev/null || die "osd in"
wait "$writer" || die "a write failed across the map changes"
i=0
while [ "$i" -lt 80 ]; do
	[ "$("$RADOS" -p rbd get "stream.$i" -)" = "stream $i" ] || die "stream.$i reads back wrong"
	i=$((i + 1))
done
log "80 writes across pool create / osd out / osd in: each applied, all readable"

# Bad input gets the right errors.
out=$("$RADOS" -p nosuchpool put x "$T/in.1" 2>&1) && die "put into a missing pool succeeded"
case "$out" in *"No such file or directory"*) ;; *) die "missing pool: '$out'" ;; esac
out=$("$RADOS" -p rbd get nosuchobject "$T/none" 2>&1) && die "get of a missing object succeeded"
case "$out" in *"No such file or directory"*) ;; *) die "missing object: '$out'" ;; esac
long=$(python3 -c 'print("n" * 3000)')
out=$("$RADOS" -p rbd put "$long" "$T/in.1" 2>&1) && die "an oversize name was accepted"
case "$out" in *"File name too long"*) ;; *) die "oversize name: '$out'" ;; esac
big=$(python3 -c 'print("v" * 70000)')
out=$("$RADOS" -p rbd setxattr obj.1 big "$big" 2>&1) && die "an oversize xattr was accepted"
case "$out" in *"Argument list too long"*) ;; *) die "oversize xattr: '$out'" ;; esac
log "bad input: missing pool / object, oversize name and xattr refused with the right errors"
pass
