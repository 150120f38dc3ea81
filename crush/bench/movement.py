#!/usr/bin/env python3
"""movement.py BEFORE AFTER MODE OSDS

BEFORE/AFTER: --show-mappings outputs for the same x range.
MODE: out | double | zero | add.  OSDS: comma-separated changed OSD ids.
moved = replicas that land on an OSD that did not hold them before.
minimum = what has to move: the target's old count (out/zero), its gain
(double), or what the new OSDs receive (add)."""
import re, sys

def load(p):
    m = {}
    for line in open(p):
        r = re.match(r"CRUSH rule \d+ x (\d+) \[(.*)\]", line)
        if r:
            m[int(r.group(1))] = [int(v) for v in r.group(2).split(",") if v]
    return m

a, b = load(sys.argv[1]), load(sys.argv[2])
mode = sys.argv[3]
osds = set(int(v) for v in sys.argv[4].split(","))
moved = 0
old_t = new_t = 0
for x, s in a.items():
    t = b[x]
    moved += len(set(t) - set(s))
    old_t += sum(1 for o in s if o in osds)
    new_t += sum(1 for o in t if o in osds)
if mode in ("out", "zero"):
    minimum = old_t
elif mode == "double":
    minimum = new_t - old_t
else:
    minimum = new_t
print("moved=%d minimum=%d ratio=%.3f" % (moved, minimum, moved / minimum if minimum else 0))
