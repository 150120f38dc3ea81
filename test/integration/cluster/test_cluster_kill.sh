#!/bin/sh
# Many rounds of SIGKILL at random moments while writers overwrite a small
# set of objects, checked against a model of what was acknowledged.
#
# Two writers (separate client processes) write whole objects k.0 .. k.15
# with `rados put`, recording each attempt before it starts and each
# acknowledgement after it succeeded.  Each round kills one OSD chosen at
# random after a random delay, restarts it after another random delay and
# waits until it is up again (so at most one OSD is down at a time: the
# pool is size 3, min_size 2, and writes keep going).  At the end, when
# every PG is active+clean, each object must hold the content of its last
# acknowledged write or of a write not known to be older than it, and all
# three replicas must agree.  The two writers can race on one object, and a
# write delayed by a kill can be applied after a later one that started when
# it was still in flight, so "older" means: it ended (acknowledged or failed)
# before an acknowledged write of that object started.  The writers log
# start / ack / fail events in one file, in the order they happen.
#
#   KILL_ROUNDS=6 KILL_SEED=1234 test_cluster_kill.sh    (replay a run)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cluster_lib.sh"

ROUNDS=${KILL_ROUNDS:-5}
SEED=${KILL_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
log "seed $SEED, $ROUNDS rounds (replay: KILL_SEED=$SEED KILL_ROUNDS=$ROUNDS $0)"
start_cluster 3 8

# rnd N: RND = the next number in [0, N) of the sequence seeded by SEED
# (a variable, not output: a $(...) subshell would lose the position).
awk -v s="$SEED" 'BEGIN { srand(s); for (i = 0; i < 1000; i++) print int(rand() * 1000000) }' \
	>"$T/random"
rnd_i=0
rnd() {
	rnd_i=$((rnd_i + 1))
	RND=$(($(sed -n "${rnd_i}p" "$T/random") % $1))
}

# writer ID: writes until $T/stop exists.  Attempt/ack lines: "OBJ FILE".
writer() {
	w=$1
	i=0
	# (the test directory vanishing also stops it, should the test die early)
	while [ -d "$T" ] && [ ! -e "$T/stop" ]; do
		obj="k.$(((i * 7 + w * 3) % 16))"
		f="$T/d.$w.$i"
		head -c $((512 + (i * 131 + w * 977) % 9000)) /dev/urandom >"$f"
		echo "$obj $f" >>"$T/attempts"
		echo "S $obj $f" >>"$T/events"
		if "$RADOS" -p rbd put "$obj" "$f" 2>>"$T/writer.$w.err"; then
			echo "$obj $f" >>"$T/acked"
			echo "A $obj $f" >>"$T/events"
		else
			echo "F $obj $f" >>"$T/events"
		fi
		i=$((i + 1))
	done
}
: >"$T/attempts"
: >"$T/acked"
: >"$T/events"
writer 0 &
w0=$!
writer 1 &
w1=$!

r=0
while [ "$r" -lt "$ROUNDS" ]; do
	rnd 3
	victim=$RND
	rnd 2000
	pause=$RND
	sleep "$((pause / 1000)).$(printf '%03d' $((pause % 1000)))"
	before=$(wc -l <"$T/acked")
	log "round $r: SIGKILL osd.$victim ($before writes acknowledged so far)"
	kill_osd "$victim"
	rnd 3000
	down=$RND
	sleep "$((down / 1000)).$(printf '%03d' $((down % 1000)))"
	start_osd "$victim"
	wait_for 90 "osd.$victim up again" osds_up 3
	r=$((r + 1))
done
n=$(wc -l <"$T/acked")
wait_for 120 "writes continuing after the last restart" \
	sh -c "[ \$(wc -l <'$T/acked') -ge $((n + 5)) ]"
touch "$T/stop"
wait "$w0" "$w1" || true
wait_for 240 "every PG active+clean" all_clean 3 8

acked=$(wc -l <"$T/acked")
[ "$acked" -ge 40 ] || die "only $acked writes were acknowledged"
# For each object with an acknowledged write: every file it may hold - those
# not ended before some acknowledged write of the object started.
python3 - "$T/events" >"$T/allowed" <<'PY'
import sys
start, end, obj_of, acked = {}, {}, {}, set()
for i, line in enumerate(open(sys.argv[1])):
    p = line.split()
    if len(p) != 3:
        continue
    ev, obj, f = p
    obj_of[f] = obj
    if ev == "S":
        start[f] = i
    else:
        end[f] = i
        if ev == "A":
            acked.add(f)
inf = float("inf")
for obj in sorted({obj_of[f] for f in acked}):
    last_ack_start = max(start[f] for f in acked if obj_of[f] == obj)
    ok = [f for f in start if obj_of[f] == obj and end.get(f, inf) > last_ack_start]
    # First the last-started acknowledged write: anything held that started
    # before it won a race (reported, allowed).
    last = max((f for f in acked if obj_of[f] == obj), key=lambda f: start[f])
    print(obj, last, " ".join(sorted(ok, key=lambda f: start[f])))
PY
checked=0
raced=0
while read -r obj last files; do
	"$RADOS" -p rbd get "$obj" "$T/back" || die "$obj (acknowledged) cannot be read"
	ok=""
	for f in $files; do
		cmp -s "$T/back" "$f" && ok=$f && break
	done
	if [ -z "$ok" ]; then
		# Which write it holds, if any, for the report.
		held=none
		for f in $(awk -v o="$obj" '$1 == o { print $2 }' "$T/attempts"); do
			cmp -s "$T/back" "$f" && held=$f
		done
		grep " $obj " "$T/events" | tail -20 >&2
		die "$obj holds $held, not a write it may hold ($files)"
	fi
	if [ "$ok" != "$last" ] &&
		[ "$(grep -n " $ok\$" "$T/attempts" | cut -d: -f1)" -lt \
			"$(grep -n " $last\$" "$T/attempts" | cut -d: -f1)" ]; then
		raced=$((raced + 1))
	fi
	replicas_agree "$obj" 3 || die "replicas of $obj differ after the kills"
	checked=$((checked + 1))
done <"$T/allowed"
log "$acked writes acknowledged through $ROUNDS kills; all $checked objects as acknowledged," \
	"identical on the three replicas ($raced hold a write that started before, and was" \
	"applied after, the last acknowledged one)"
pass
