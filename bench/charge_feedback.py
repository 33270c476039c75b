#!/usr/bin/env python3
"""Charge feedback applied to any TREC run: the same re-scoring `lcr search --charge-feedback`
does, so a baseline's run (BM25) can be compared with it on equal terms.

Per query: the best `--cases` cases, each weighted by its score over the best score, give a
distribution over charges (a case's weight split evenly over its charges); every case of the
run then scores  score/best + lambda * (share of that distribution its own charges cover), and
the run is re-sorted (lcr search re-scores its first max(top-k, 200) cases: the whole run). Pairs listed in --drop (a query's own judgment) are
removed first.

  bench/charge_feedback.py --corpus cases.jsonl.zst --run bm25.p1 --out bm25-fb.p1 \
      [--lambda 1] [--cases 10] [--drop dev_self.tsv]
"""
import argparse
import collections
import io
import json
import os
import subprocess
import sys


def read_charges(path):
    cmd = ["zstd", "-dc", path] if path.endswith(".zst") else ["cat", path]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    charges = {}
    for no, line in enumerate(io.TextIOWrapper(proc.stdout, encoding="utf-8"), 1):
        if not line.strip():
            continue
        try:
            c = json.loads(line)
            charges[c["id"]] = list(c.get("charges", []))
        except (ValueError, KeyError) as e:
            sys.exit(f"{path}:{no}: {e}")
    if proc.wait() != 0:
        sys.exit(f"{path}: cannot decompress")
    return charges


def read_run(path):
    run = collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 6:
                sys.exit(f"{path}:{no}: a TREC run line has 6 fields, this one {len(parts)}")
            run[parts[0]].append((parts[2], float(parts[4])))
    for q in run:
        run[q].sort(key=lambda x: -x[1])
    return run


def feedback(ranked, charges, lam, cases):
    if not ranked or ranked[0][1] <= 0:
        return ranked
    top = ranked[0][1]
    dist = collections.Counter()
    mass = 0.0
    for d, s in ranked[:cases]:
        cs = charges.get(d, [])
        for c in cs:
            dist[c] += s / top / len(cs)
        if cs:
            mass += s / top
    if mass == 0:
        return ranked
    out = []
    for d, s in ranked:
        cover = sum(dist[c] for c in charges.get(d, [])) / mass
        out.append((d, s / top + lam * min(cover, 1.0)))
    out.sort(key=lambda x: (-x[1], x[0]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--lambda", dest="lam", type=float, default=1.0)
    ap.add_argument("--cases", type=int, default=10)
    ap.add_argument("--drop", help="TSV qid<TAB>docid pairs removed before re-scoring")
    ap.add_argument("--tag", default="fb")
    a = ap.parse_args()
    charges = read_charges(a.corpus)
    run = read_run(a.run)
    drop = set()
    if a.drop:
        with open(a.drop, encoding="utf-8") as f:
            drop = {tuple(l.split()[:2]) for l in f if l.strip()}
    with open(a.out + ".tmp", "w", encoding="utf-8") as out:
        for q in sorted(run):
            ranked = [x for x in run[q] if (q, x[0]) not in drop]
            for r, (d, s) in enumerate(feedback(ranked, charges, a.lam, a.cases), 1):
                out.write(f"{q} Q0 {d} {r} {s:.6f} {a.tag}\n")
    os.replace(a.out + ".tmp", a.out)


if __name__ == "__main__":
    main()
