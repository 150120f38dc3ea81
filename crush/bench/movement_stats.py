#!/usr/bin/env python3
"""movement_stats.py - repeated, paired movement trials: Cairn vs Ceph straw2.

Run:      movement_stats.py run --cairn CRUSHTOOL --ceph CRUSHTOOL --out DIR
                                [--trials N] [--nx N] [--x0 X] [--seed S]
                                [--maps medium,large] [--changes double,zero,add]
                                [--pin "taskset -c 0"]
Summary:  movement_stats.py summary DIR/trials.tsv

For each map (the host/rack maps with mixed weights that bench.sh uses:
"medium" = 4 racks x 5 hosts x 5 OSDs = 100 OSDs, "large" = 10 x 10 x 10 =
1000 OSDs) and each change, N targets are drawn at random (seeded):
  double: one OSD's CRUSH weight x2       (N distinct random OSDs)
  zero:   one OSD's CRUSH weight set to 0 (the same random OSDs)
  add:    one new host in a random rack, with a random host index, which
          sets its bucket id and its OSDs' weight pattern (N distinct)
Each trial rewrites the map text with gen_map.py, compiles that same text
with both tools and maps NX inputs with rule 0 (chooseleaf firstn over
hosts) and 3 replicas, before and after.  Trial k maps its own inputs,
x = X0 + k*NX .. X0 + (k+1)*NX - 1, so that trials are independent samples
(with one shared input range, every trial would share the same baseline
draws and the confidence intervals would be too narrow); the three changes
of trial k share its inputs and its baseline.  Per tool and trial:
  moved   = replicas on an OSD that did not hold them before
  minimum = the target's gain (double), its old count (zero), or what the
            new host's OSDs receive (add)     -- as movement.py counts
  ratio   = moved / minimum
The trials are paired: both tools see the same target on the same map text.
Reported per (map, change): mean, median and pooled (sum moved / sum
minimum) ratio for each tool; the per-trial difference Cairn - Ceph with
its mean, median and a 95% Student-t confidence interval of the mean; a
paired-bootstrap 95% interval of the difference of pooled ratios; and how
many trials Cairn moved more than Ceph.
Results are deterministic (both mappers are); only run time depends on load.
"""
import argparse
import math
import os
import random
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MAPS = {"medium": (4, 5, 5), "large": (10, 10, 10)}
CHANGES = ("double", "zero", "add")


# ---- statistics (standard library only) --------------------------------

# two-sided 95% Student t quantiles t(0.975, df), df = 1..30
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t975(df):
    if df <= 30:
        return T975[df - 1]
    z = 1.959964  # Cornish-Fisher expansion, error < 1e-3 for df > 30
    return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)


def mean_ci(d):
    m = statistics.fmean(d)
    if len(d) < 2:
        return m, float("nan"), float("nan")
    h = t975(len(d) - 1) * statistics.stdev(d) / math.sqrt(len(d))
    return m, m - h, m + h


def pooled_diff_boot(rows, nboot=10000, seed=12345):
    """Paired bootstrap over trials of pooled(Cairn) - pooled(Ceph)."""
    rng = random.Random(seed)
    n = len(rows)
    out = []
    for _ in range(nboot):
        s = [rows[rng.randrange(n)] for _ in range(n)]
        pk = sum(r["cairn"][0] for r in s) / max(1, sum(r["cairn"][1] for r in s))
        pc = sum(r["ceph"][0] for r in s) / max(1, sum(r["ceph"][1] for r in s))
        out.append(pk - pc)
    out.sort()
    return out[int(0.025 * nboot)], out[int(0.975 * nboot) - 1]


# ---- mappings ------------------------------------------------------------

def gen(dims, extra, path):
    r, h, o = dims
    txt = subprocess.run([sys.executable, os.path.join(HERE, "gen_map.py"), str(r), str(h),
                          str(o), "--mixed"] + extra, check=True, capture_output=True,
                         text=True).stdout
    with open(path, "w") as f:
        f.write(txt)


def compile_map(tool, txt, binp):
    subprocess.run([tool, "-c", txt, "-o", binp], check=True, stdout=subprocess.DEVNULL)


def mappings(pin, tool, binp, nx, x0=0):
    """List of the bracket contents ('3,7,11') for x = x0..x0+nx-1."""
    cmd = pin + [tool, "-i", binp, "--test", "--rule", "0", "--num-rep", "3",
                 "--min-x", str(x0), "--max-x", str(x0 + nx - 1), "--show-mappings"]
    p = subprocess.run(cmd, check=True, capture_output=True, text=True)
    res = []
    for line in p.stdout.splitlines():
        if not line.startswith("CRUSH rule"):
            continue
        i = line.index("[")
        x = int(line[line.index(" x ") + 3:i - 1])
        if x != x0 + len(res):
            raise SystemExit("%s: unexpected x %d at line %d" % (tool, x, len(res)))
        res.append(line[i + 1:line.index("]", i)])
    if len(res) != nx:
        raise SystemExit("%s: %d mappings, expected %d" % (tool, len(res), nx))
    return res


def ids(s):
    return [int(v) for v in s.split(",") if v]


def movement(before, after, change, targets, old_counts):
    """moved, minimum (see the module comment) using only differing lines."""
    moved = 0
    old_in = new_in = 0  # target replicas in the differing lines
    for s, t in zip(before, after):
        if s == t:
            continue
        a, b = ids(s), ids(t)
        moved += len(set(b) - set(a))
        old_in += sum(1 for v in a if v in targets)
        new_in += sum(1 for v in b if v in targets)
    old_t = sum(old_counts.get(v, 0) for v in targets)
    new_t = old_t - old_in + new_in
    if change == "zero":
        minimum = old_t
    elif change == "double":
        minimum = new_t - old_t
    else:
        minimum = new_t
    return moved, minimum


def run(a):
    os.makedirs(a.out, exist_ok=True)
    pin = a.pin.split() if a.pin else []
    tools = {"ceph": a.ceph, "cairn": a.cairn}
    ext = {"ceph": "ceph", "cairn": "cairn"}
    tsv = open(os.path.join(a.out, "trials.tsv"), "w")
    tsv.write("map\tchange\ttarget\ttool\tmoved\tminimum\tratio\n")
    for mname in a.maps.split(","):
        dims = MAPS[mname]
        racks, hosts, osds = dims
        total = racks * hosts * osds
        base = os.path.join(a.out, mname + ".txt")
        gen(dims, [], base)
        for t, tool in tools.items():
            compile_map(tool, base, "%s.%s" % (base[:-4], ext[t]))
        rng = random.Random("%d-%s" % (a.seed, mname))
        osd_targets = rng.sample(range(total), a.trials)
        host_slots = [(r, h) for r in range(racks) for h in range(hosts, hosts + 60)]
        host_targets = rng.sample(host_slots, a.trials)
        for k in range(a.trials):
            # trial k maps its own inputs, so trials are independent samples
            x0 = a.x0 + k * a.nx
            basemap, counts = {}, {}
            for t, tool in tools.items():
                basemap[t] = mappings(pin, tool, "%s.%s" % (base[:-4], ext[t]), a.nx, x0)
                c = {}
                for s in basemap[t]:
                    for v in ids(s):
                        c[v] = c.get(v, 0) + 1
                counts[t] = c
            for change in a.changes.split(","):
                if change == "add":
                    r, h = host_targets[k]
                    extra = ["--add-host", "--add-rack", str(r), "--add-index", str(h)]
                    label = "host%d-%d" % (r, h)
                    targets = set(range(total, total + osds))
                else:
                    o = osd_targets[k]
                    extra = ["--" + change, str(o)]
                    label = "osd.%d" % o
                    targets = {o}
                txt = os.path.join(a.out, "%s.trial.txt" % mname)
                gen(dims, extra, txt)
                for t, tool in tools.items():
                    binp = "%s.trial.%s" % (txt[:-10], ext[t])
                    compile_map(tool, txt, binp)
                    after = mappings(pin, tool, binp, a.nx, x0)
                    mv, mn = movement(basemap[t], after, change, targets, counts[t])
                    tsv.write("%s\t%s\t%s\t%s\t%d\t%d\t%.4f\n" % (mname, change, label, t, mv, mn,
                                                                  mv / mn if mn else float("nan")))
                    tsv.flush()
                print("%s trial %d %s %s done" % (mname, k, change, label), file=sys.stderr)
    tsv.close()
    summary(os.path.join(a.out, "trials.tsv"))


# ---- report --------------------------------------------------------------

def summary(path):
    trials = {}  # (map, change) -> {target: {tool: (moved, min)}}
    order = []
    with open(path) as f:
        next(f)
        for line in f:
            m, c, tgt, tool, mv, mn, _ = line.rstrip("\n").split("\t")
            key = (m, c)
            if key not in trials:
                trials[key] = {}
                order.append(key)
            trials[key].setdefault(tgt, {})[tool] = (int(mv), int(mn))
    names = {"medium": "100 OSDs", "large": "1000 OSDs"}
    chg = {"double": "weight x2", "zero": "weight 0", "add": "host added"}
    print("| map | change | n | min. moves/trial | Ceph mean / median / pooled "
          "| Cairn mean / median / pooled | diff mean [95% CI] | diff median "
          "| pooled diff [95% boot. CI] | Cairn > Ceph |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    alld = []
    order.sort(key=lambda k: (list(MAPS).index(k[0]) if k[0] in MAPS else 9,
                              CHANGES.index(k[1]) if k[1] in CHANGES else 9))
    for key in order:
        rows = [v for v in trials[key].values()
                if "ceph" in v and "cairn" in v and v["ceph"][1] and v["cairn"][1]]
        n = len(rows)
        rc = [r["ceph"][0] / r["ceph"][1] for r in rows]
        rk = [r["cairn"][0] / r["cairn"][1] for r in rows]
        d = [k - c for k, c in zip(rk, rc)]
        alld += d
        pc = sum(r["ceph"][0] for r in rows) / sum(r["ceph"][1] for r in rows)
        pk = sum(r["cairn"][0] for r in rows) / sum(r["cairn"][1] for r in rows)
        mins = [r[t][1] for r in rows for t in ("ceph", "cairn")]
        m, lo, hi = mean_ci(d)
        blo, bhi = pooled_diff_boot(rows)
        print("| %s | %s | %d | %d-%d | %.3f / %.3f / %.3f | %.3f / %.3f / %.3f "
              "| %+.3f [%+.3f, %+.3f] | %+.3f | %+.3f [%+.3f, %+.3f] | %d/%d |" % (
                  names.get(key[0], key[0]), chg.get(key[1], key[1]), n, min(mins), max(mins),
                  statistics.fmean(rc), statistics.median(rc), pc,
                  statistics.fmean(rk), statistics.median(rk), pk,
                  m, lo, hi, statistics.median(d), pk - pc, blo, bhi,
                  sum(1 for x in d if x > 0), n))
    if len(order) > 1:
        m, lo, hi = mean_ci(alld)
        print("\nall %d paired trials: diff mean %+.3f [95%% CI %+.3f, %+.3f], median %+.3f, "
              "Cairn > Ceph in %d" % (len(alld), m, lo, hi, statistics.median(alld),
                                      sum(1 for x in alld if x > 0)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--cairn", required=True)
    r.add_argument("--ceph", default="/usr/bin/crushtool")
    r.add_argument("--out", default="/tmp/crush-movement")
    r.add_argument("--trials", type=int, default=20)
    r.add_argument("--nx", type=int, default=100000)
    r.add_argument("--x0", type=int, default=0)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--maps", default="medium,large")
    r.add_argument("--changes", default=",".join(CHANGES))
    r.add_argument("--pin", default="")
    s = sub.add_parser("summary")
    s.add_argument("tsv")
    a = p.parse_args()
    if a.cmd == "run":
        run(a)
    else:
        summary(a.tsv)


if __name__ == "__main__":
    main()
