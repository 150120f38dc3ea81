#!/usr/bin/env python3
"""Generate a crush map text (Ceph syntax) for benchmarks.

gen_map.py RACKS HOSTS_PER_RACK OSDS_PER_HOST [--mixed] [--double OSD]
           [--zero OSD] [--add-host [--add-rack R] [--add-index H]]

--add-host puts one more host (OSDS_PER_HOST devices, which get the highest
ids) in rack R (default 0) as host R-H (default H = HOSTS_PER_RACK); its
bucket id and its weight pattern follow from (R, H) like every other host's.

Weights are deterministic: with --mixed, OSD weights cycle through
1, 2, 4, 8 TB-like values shifted by host so racks differ too.
"""
import argparse

p = argparse.ArgumentParser()
p.add_argument("racks", type=int)
p.add_argument("hosts", type=int)
p.add_argument("osds", type=int)
p.add_argument("--mixed", action="store_true")
p.add_argument("--double", type=int, default=-1)
p.add_argument("--zero", type=int, default=-1)
p.add_argument("--add-host", action="store_true")
p.add_argument("--add-rack", type=int, default=0)
p.add_argument("--add-index", type=int, default=-1)
p.add_argument("--alg", default="straw2")
a = p.parse_args()
if a.add_index < 0:
    a.add_index = a.hosts
assert 0 <= a.add_rack < a.racks and a.hosts <= a.add_index < 900

W = [1.0, 2.0, 4.0, 8.0, 3.0, 6.0]
out = []
out.append("""tunable choose_local_tries 0
tunable choose_local_fallback_tries 0
tunable choose_total_tries 50
tunable chooseleaf_descend_once 1
tunable chooseleaf_vary_r 1
tunable chooseleaf_stable 1
tunable straw_calc_version 1
tunable allowed_bucket_algs 54
""")
hosts = []  # (rack, hostname, [(osd, weight)])
osd = 0
for r in range(a.racks):
    hs = list(range(a.hosts))
    if a.add_host and r == a.add_rack:
        hs.append(a.add_index)
    for h in hs:
        items = []
        for o in range(a.osds):
            w = W[(o + h + 2 * r) % len(W)] if a.mixed else 1.0
            items.append([osd, w])
            osd += 1
        hosts.append((r, "host%d-%d" % (r, h), items))
# the added host gets the highest OSD ids so other ids are unchanged
if a.add_host:
    total = osd
    # renumber: hosts other than the added one keep ids as without add
    osd = 0
    added = None
    for (r, name, items) in hosts:
        if r == a.add_rack and name == "host%d-%d" % (a.add_rack, a.add_index):
            added = items
            continue
        for it in items:
            it[0] = osd
            osd += 1
    for it in added:
        it[0] = osd
        osd += 1
for (r, name, items) in hosts:
    for it in items:
        if it[0] == a.double:
            it[1] *= 2
        if it[0] == a.zero:
            it[1] = 0.0
for d in sorted(it[0] for (_, _, items) in hosts for it in items):
    out.append("device %d osd.%d" % (d, d))
out.append("type 0 osd\ntype 1 host\ntype 3 rack\ntype 11 root")
rack_items = {r: [] for r in range(a.racks)}
for (r, name, items) in hosts:
    # ids from (rack, host) so an added host leaves every other id alone
    h = int(name.split("-")[1])
    hw = sum(w for _, w in items)
    out.append("host %s {\n\tid %d\n\talg %s\n\thash 0" % (name, -(100 + 1000 * r + h), a.alg))
    for d, w in items:
        out.append("\titem osd.%d weight %.3f" % (d, w))
    out.append("}")
    rack_items[r].append((name, hw))
root_items = []
for r in range(a.racks):
    w = sum(x for _, x in rack_items[r])
    out.append("rack rack%d {\n\tid %d\n\talg straw2\n\thash 0" % (r, -2 - r))
    for n, x in rack_items[r]:
        out.append("\titem %s weight %.3f" % (n, x))
    out.append("}")
    root_items.append(("rack%d" % r, w))
out.append("root default {\n\tid -1\n\talg straw2\n\thash 0")
for n, x in root_items:
    out.append("\titem %s weight %.3f" % (n, x))
out.append("}")
out.append("""rule replicated_rule {
	id 0
	type replicated
	min_size 1
	max_size 10
	step take default
	step chooseleaf firstn 0 type host
	step emit
}
rule ec_rule {
	id 1
	type erasure
	min_size 3
	max_size 20
	step set_chooseleaf_tries 5
	step set_choose_tries 100
	step take default
	step chooseleaf indep 0 type host
	step emit
}""")
print("\n".join(out))
