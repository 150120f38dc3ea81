#!/usr/bin/env python3
"""spread.py MAPTEXT MAPPINGS: per-OSD actual/expected from --show-mappings
output and the map's weights; prints min max stddev, failure-domain
violations (two replicas on one host) and short mappings."""
import re, sys, statistics

text = open(sys.argv[1]).read()
weights, host_of = {}, {}
cur = None
for line in text.splitlines():
    m = re.match(r"\s*host\s+(\S+)\s*\{", line)
    if m:
        cur = m.group(1)
        continue
    if re.match(r"\s*(rack|root)\s+\S+\s*\{", line):
        cur = None
    m = re.match(r"\s*item\s+osd\.(\d+)\s+weight\s+([\d.]+)", line)
    if m and cur:
        weights[int(m.group(1))] = float(m.group(2))
        host_of[int(m.group(1))] = cur
numrep = int(sys.argv[3]) if len(sys.argv) > 3 else 3
counts = {d: 0 for d in weights}
total = viol = short = n = 0
for line in open(sys.argv[2]):
    m = re.match(r"CRUSH rule \d+ x \d+ \[(.*)\]", line)
    if not m:
        continue
    n += 1
    osds = [int(v) for v in m.group(1).split(",") if v and int(v) != 2147483647]
    if len(osds) < numrep:
        short += 1
    hs = [host_of[o] for o in osds]
    if len(set(hs)) != len(hs):
        viol += 1
    for o in osds:
        counts[o] += 1
        total += 1
W = sum(w for w in weights.values() if w > 0)
ratios = [counts[d] / (total * weights[d] / W) for d in weights if weights[d] > 0]
print("mappings=%d min=%.3f max=%.3f stddev=%.4f violations=%d short=%d" % (
    n, min(ratios), max(ratios), statistics.pstdev(ratios), viol, short))
