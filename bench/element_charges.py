#!/usr/bin/env python3
"""Same-charge share of generated legal elements on the LeCaRD dev queries.

For each dev query, takes the elements the engine generates (`lcr search --model --json`: the
same FM-index-constrained beam search as a search, every query part), finds every case of the
corpus holding each element (`lcr index cases`, one run for all elements), drops the query's
own judgment (dev_self.tsv), and computes per element the fraction of those cases whose
charges intersect the query's charges. Reports, per method:

  - mean fraction over all (query, element) pairs, and over the elements the ranker uses
    (corpus count <= 1500, SEAL's cut: more frequent ones are never located for ranking);
  - share of elements with fraction > 0.5 ("mostly in cases of the same charges"), with a
    95% bootstrap interval over the queries (how much it depends on which queries the dev
    set happens to hold);
  - per-query spread (min / median / max of each query's mean) and per-charge means;

for the model at the default search options, optionally at --beam 20 --elements 40, for the
extractor-only elements (`lcr search --extractor`), for a reference (the elements DATA kept
for the query's gold cases, grade 3: what a model writing exactly the elements of the relevant
judgments would score), and for a chance baseline: the fraction of all corpus cases (minus the
query's own) sharing a charge with the query, averaged over queries. Queries without charges
are left out.

Charge names: the dev queries use the compound official names (非法持有、私藏枪支、弹药罪),
while many judgments carry one variant (非法持有枪支罪: 197 cases; 1 case has the compound
name). Figures are printed with the variants mapped onto the compound names (CHARGE_ALIASES,
"normalised") and with the names as they are ("exact").

    bench/element_charges.py --lcr build/cli/lcr --index idx --model model.ckpt \
        --extractor data --lecard ../shared/corpora/lecard [--wide] [--json out.json] \
        [--examples 1405,5156,3952,6905] [--work DIR]

The search runs use `--top-k 1 --max-locate 1`: those options act only on ranking, after
generation, so the elements are those of a default search (checked: identical JSON elements
on 4 queries, multi-part ones included).
Python 3 standard library only.
"""
import argparse
import collections
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import time

RANK_CUT = 1500  # RankOptions::max_count: elements above it are never located for ranking


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def load_corpus_charges(path):
    """id -> set of charges, from the corpus (zstd-compressed JSONL)."""
    p = subprocess.Popen(["zstd", "-dc", "--long=27", path], stdout=subprocess.PIPE)
    charges = {}
    for line in p.stdout:
        j = json.loads(line)
        charges[str(j["id"])] = set(j.get("charges") or [])
    if p.wait() != 0:
        sys.exit(f"zstd failed on {path}")
    return charges


def search_elements(args, text, extra):
    """The elements one `lcr search --json` generates (or extracts) for a query."""
    cmd = [args.lcr, "search", "--index", args.index, "--json", "--top-k", "1",
           "--max-locate", "1", "--threads", str(args.threads), "--query-file", "-"] + extra
    r = subprocess.run(cmd, input=text.encode(), capture_output=True, check=False)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: {r.stderr.decode()}")
    out = json.loads(r.stdout)
    return out["elements"], out.get("seconds", {})


def locate_all(args, texts):
    """text -> (count, [case ids]) for every text, in one `lcr index cases` run."""
    cmd = [args.lcr, "index", "cases", "--index", args.index]
    r = subprocess.run(cmd, input="\n".join(texts).encode() + b"\n", capture_output=True,
                       check=False)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: {r.stderr.decode()}")
    out = {}
    for line in r.stdout.decode().splitlines():
        j = json.loads(line)
        out[j["text"]] = (j["count"], j["cases"])
    return out


def summarise(rows):
    """rows: dicts with qid, frac, count. Returns the figures of one method."""
    fr = [r["frac"] for r in rows]
    ranked = [r["frac"] for r in rows if r["count"] <= RANK_CUT]
    per_q = collections.defaultdict(list)
    for r in rows:
        per_q[r["qid"]].append(r["frac"])
    qmeans = sorted(statistics.mean(v) for v in per_q.values())
    # How far the share could move with other queries of the same kind: resample the queries
    # (each with all its elements) 2,000 times, seeded, and keep the middle 95%.
    lo = hi = None
    if per_q:
        groups = [(sum(f > 0.5 for f in v), len(v)) for v in per_q.values()]
        rng = random.Random(0)
        boot = []
        for _ in range(2000):
            pick = [groups[rng.randrange(len(groups))] for _ in groups]
            boot.append(sum(m for m, _ in pick) / sum(n for _, n in pick))
        boot.sort()
        lo, hi = boot[49], boot[1950]
    qmost = sorted(sum(f > 0.5 for f in v) / len(v) for v in per_q.values())
    return {
        "elements": len(fr),
        "queries": len(per_q),
        "mean_frac": statistics.mean(fr) if fr else None,
        "share_mostly": sum(f > 0.5 for f in fr) / len(fr) if fr else None,
        "share_mostly_ci95": [lo, hi],
        "ranked_elements": len(ranked),
        "ranked_mean_frac": statistics.mean(ranked) if ranked else None,
        "ranked_share_mostly": sum(f > 0.5 for f in ranked) / len(ranked) if ranked else None,
        "query_mean_min": qmeans[0] if qmeans else None,
        "query_mean_median": statistics.median(qmeans) if qmeans else None,
        "query_mean_max": qmeans[-1] if qmeans else None,
        "query_mostly_min": qmost[0] if qmost else None,
        "query_mostly_median": statistics.median(qmost) if qmost else None,
        "per_query_mean": {q: statistics.mean(v) for q, v in per_q.items()},
        # Elements of the whole query (part -1) against those only a part of a long query
        # (`lcr search --part-chars`) added.
        "by_part": {k: {"elements": len(v), "share_mostly": sum(f > 0.5 for f in v) / len(v)}
                    for k, v in (("whole", [r["frac"] for r in rows if r.get("part") in (None, -1)]),
                                 ("parts", [r["frac"] for r in rows if r.get("part") not in (None, -1)]))
                    if v},
    }


# Corpus charge names that are variants of the compound official names the dev queries use
# (found by character-set inclusion, then checked by hand; 受贿罪 ⊂ 非国家工作人员受贿罪,
# 行贿罪 ⊂ 对非国家工作人员行贿罪, 侵占罪 ⊂ 职务侵占罪 and 滥伐林木罪 ⊂ 非法收购、运输盗伐、滥伐的
# 林木罪 are other charges and stay apart). With exact names, 197 非法持有枪支罪 cases do not
# count as 非法持有、私藏枪支、弹药罪 (1 case by that name).
CHARGE_ALIASES = {
    "非法持有、私藏枪支、弹药罪": [
        "非法持有枪支罪", "非法持有弹药罪", "私藏枪支罪", "私藏弹药罪", "非法持有枪支、弹药罪",
        "非法持有枪支弹药罪", "非法私藏枪支、弹药罪", "私藏枪支、弹药罪"],
    "掩饰、隐瞒犯罪所得、犯罪所得收益罪": [
        "掩饰、隐瞒犯罪所得罪", "掩饰隐瞒犯罪所得罪", "隐瞒犯罪所得罪",
        "掩饰隐瞒犯罪所得、犯罪所得收益罪", "掩饰、隐瞒犯罪所得收益罪", "掩饰隐瞒犯罪所得收益罪"],
    "走私、贩卖、运输、制造毒品罪": [
        "贩卖毒品罪", "运输毒品罪", "制造毒品罪", "走私毒品罪", "贩卖、运输毒品罪",
        "贩卖、制造毒品罪", "走私、贩卖、运输毒品罪", "制造、贩卖毒品罪", "走私、贩卖毒品罪",
        "走私、运输毒品罪", "走私、运输、贩卖毒品罪", "贩卖、运输、制造毒品罪"],
    "非法收购、运输盗伐、滥伐的林木罪": [
        "非法收购盗伐、滥伐的林木罪", "非法收购、运输盗伐的林木罪", "非法收购滥伐的林木罪",
        "非法收购滥伐林木罪", "非法运输滥伐的林木罪", "非法收购、运输滥伐的林木罪"],
}
ALIAS_OF = {v: k for k, vs in CHARGE_ALIASES.items() for v in vs}


def normalise_charge(name):
    name = name.replace("罪罪", "罪")
    return ALIAS_OF.get(name, name)


def fractions(queries, methods, gen, where, case_charges, own, gold):
    """Per-element same-charge fractions of every method, and the chance rate per query."""
    out = {"methods": {}, "rows": {}}
    chance = {}
    for q in queries:
        qc = set(q.get("charges") or [])
        if not qc:
            continue
        pool = [d for d in case_charges if d not in own[q["id"]]]
        chance[q["id"]] = sum(bool(case_charges[d] & qc) for d in pool) / len(pool)
    cv = sorted(chance.values())
    out["chance"] = {
        "queries": len(cv), "mean_frac": statistics.mean(cv),
        "queries_over_half": sum(v > 0.5 for v in cv) / len(cv),
        "min": cv[0], "median": statistics.median(cv), "max": cv[-1], "per_query": chance}
    for name, _ in methods:
        rows, empty = [], 0
        for q in queries:
            qc = set(q.get("charges") or [])
            if not qc:
                continue
            seen = set()
            for e in gen[name][q["id"]]:
                if e["text"] in seen:  # the same element from two parts counts once
                    continue
                seen.add(e["text"])
                count, cases = where[e["text"]]
                cases = [d for d in cases if d not in own[q["id"]]]
                if not cases:  # only in the query's own judgment
                    empty += 1
                    continue
                same = sum(bool(case_charges[d] & qc) for d in cases)
                in_gold = len(set(cases) & set(gold[q["id"]]))
                rows.append({"qid": q["id"], "text": e["text"], "count": count,
                             "cases": len(cases), "same": same, "frac": same / len(cases),
                             "in_gold": in_gold, "logprob": e.get("logprob"),
                             "part": e.get("part")})
        s = summarise(rows)
        s["only_in_own_case"] = empty
        out["methods"][name] = s
        out["rows"][name] = rows
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lcr", default="build/cli/lcr")
    ap.add_argument("--index", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--extractor", help="`lcr train data` directory (extractor-only row)")
    ap.add_argument("--lecard", default="../shared/corpora/lecard")
    ap.add_argument("--wide", action="store_true", help="also --beam 20 --elements 40")
    ap.add_argument("--search-args", default="",
                    help="more `lcr search` options for the model row, e.g. '--max-length 16'")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="first N queries only (0 = all)")
    ap.add_argument("--json", help="write every figure and per-element row here")
    ap.add_argument("--examples", default="", help="comma-separated qids: Markdown tables")
    ap.add_argument("--example-rows", type=int, default=8, help="elements per example")
    ap.add_argument("--work", help="cache the search outputs here (reused when present)")
    a = ap.parse_args()

    t0 = time.time()
    queries = read_jsonl(os.path.join(a.lecard, "dev_queries.jsonl"))
    if a.limit:
        queries = queries[:a.limit]
    own = collections.defaultdict(set)
    with open(os.path.join(a.lecard, "dev_self.tsv")) as f:
        for line in f:
            if line.strip():
                q, d = line.split()
                own[q].add(d)
    gold = collections.defaultdict(list)
    with open(os.path.join(a.lecard, "dev_qrels_expert.trec")) as f:
        for line in f:
            q, _, d, g = line.split()
            if int(g) == 3:
                gold[q].append(d)
    charges = load_corpus_charges(os.path.join(a.lecard, "cases.jsonl.zst"))
    log(f"{len(queries)} queries, {len(charges)} cases ({time.time() - t0:.1f} s)")

    methods = [("model (" + (a.search_args or "beam 10, 20 elements") + ")",
                ["--model", a.model] + shlex.split(a.search_args))]
    if a.wide:
        methods.append(("model (beam 20, 40 elements)",
                        ["--model", a.model, "--beam", "20", "--elements", "40"]))
    if a.extractor:
        methods.append(("extractor only", ["--extractor", a.extractor]))

    # 1. Elements per method and query (cached in --work).
    gen = {}
    for name, extra in methods:
        cache = None
        if a.work:
            os.makedirs(a.work, exist_ok=True)
            cache = os.path.join(a.work, "elements-" + "".join(
                c if c.isalnum() else "_" for c in " ".join(extra)) + ".json")  # model path included
        if cache and os.path.exists(cache):
            gen[name] = json.load(open(cache, encoding="utf-8"))
            log(f"{name}: elements from {cache}")
            continue
        t = time.time()
        gen[name] = {}
        for q in queries:
            els, _ = search_elements(a, q["text"], extra)
            gen[name][q["id"]] = els
        log(f"{name}: {len(queries)} queries in {time.time() - t:.1f} s")
        if cache:
            json.dump(gen[name], open(cache, "w", encoding="utf-8"), ensure_ascii=False)

    # Gold cases' own elements (DATA/elements.jsonl: the targets `lcr train data` kept) for the
    # examples and for a reference row: what a model writing exactly the elements of the
    # judgments experts marked relevant (grade 3) would score.
    examples = [x for x in a.examples.split(",") if x]
    case_elements = {}
    if a.extractor:
        want = {d for q in queries for d in gold[q["id"]] if d not in own[q["id"]]}
        with open(os.path.join(a.extractor, "elements.jsonl"), encoding="utf-8") as f:
            for line in f:
                j = json.loads(line)
                if str(j["id"]) in want:
                    case_elements[str(j["id"])] = j["elements"]
        name = "reference: elements of the gold cases (DATA/elements.jsonl)"
        methods.append((name, None))
        gen[name] = {q["id"]: [{"text": e} for d in gold[q["id"]] if d not in own[q["id"]]
                               for e in case_elements.get(d, [])] for q in queries}

    # 2. Cases of every distinct element, one locate run.
    texts = {e["text"] for g in gen.values() for els in g.values() for e in els}
    texts |= {e for els in case_elements.values() for e in els}
    texts = sorted(texts)
    t = time.time()
    where = locate_all(a, texts)
    log(f"located {len(texts)} distinct elements in {time.time() - t:.1f} s")

    # 3. Fractions, with the corpus's charge names as they are ("exact") and with the
    # variants of the compound official names mapped onto them ("normalised").
    report = {"modes": {}}
    for mode in ("normalised", "exact"):
        case_charges = charges if mode == "exact" else {
            d: {normalise_charge(x) for x in cs} for d, cs in charges.items()}
        report["modes"][mode] = fractions(queries, methods, gen, where, case_charges, own, gold)

    # 4. Print.
    first = methods[0][0]
    nq = report["modes"]["normalised"]["chance"]["queries"]
    print(f"\n{nq} dev queries with charges (query -743 has none); each query's own judgment "
          f"excluded.\n")
    for mode in ("normalised", "exact"):
        r = report["modes"][mode]
        print(f"Charge names {mode}:\n")
        print("| elements | n | mean same-charge fraction | share > 0.5 | n (count <= 1500) | "
              "mean | share > 0.5 | per-query mean: min / median / max | "
              "per-query share > 0.5: min / median |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, s in r["methods"].items():
            print(f"| {name} | {s['elements']} | {s['mean_frac']:.3f} | {s['share_mostly']:.3f} | "
                  f"{s['ranked_elements']} | {s['ranked_mean_frac']:.3f} | "
                  f"{s['ranked_share_mostly']:.3f} | {s['query_mean_min']:.3f} / "
                  f"{s['query_mean_median']:.3f} / {s['query_mean_max']:.3f} | "
                  f"{s['query_mostly_min']:.3f} / {s['query_mostly_median']:.3f} |")
        c = r["chance"]
        print(f"| chance: a random corpus case | {c['queries']} queries | {c['mean_frac']:.3f} | "
              f"{c['queries_over_half']:.3f} (queries whose rate > 0.5) | | | | "
              f"{c['min']:.3f} / {c['median']:.3f} / {c['max']:.3f} | |\n")
        for name, s in r["methods"].items():
            lo, hi = s["share_mostly_ci95"]
            if lo is not None:
                print(f"{name}: share > 0.5 is {s['share_mostly']:.3f}, 95% interval over the "
                      f"{s['queries']} queries {lo:.3f}-{hi:.3f} (bootstrap: queries resampled "
                      f"with their elements, 2,000 times).\n")
            if "parts" in s["by_part"]:
                w, p = s["by_part"]["whole"], s["by_part"]["parts"]
                print(f"{name}: share > 0.5 is {w['share_mostly']:.3f} over the {w['elements']} "
                      f"elements of whole queries, {p['share_mostly']:.3f} over the "
                      f"{p['elements']} that only a part of a long query added.\n")

    r = report["modes"]["normalised"]
    chance = r["chance"]["per_query"]
    by_charge = collections.defaultdict(list)
    for q in queries:
        if q["id"] in chance:
            vals = tuple(r["methods"][name]["per_query_mean"].get(q["id"]) for name, _ in methods)
            for ch in q["charges"]:
                by_charge[ch].append(vals + (chance[q["id"]],))
    print("Per charge (normalised names): queries holding it, mean of their per-query means.\n")
    print("| charge | queries | " + " | ".join(n for n, _ in methods) + " | chance |")
    print("|---|---|" + "---|" * (len(methods) + 1))

    def m(xs):
        xs = [x for x in xs if x is not None]
        return f"{statistics.mean(xs):.2f}" if xs else ""

    for ch, v in sorted(by_charge.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"| {ch} | {len(v)} | " +
              " | ".join(m(x[i] for x in v) for i in range(len(methods) + 1)) + " |")

    norm = {d: {normalise_charge(x) for x in cs} for d, cs in charges.items()}

    def frac_of(text, qid, qc):
        count, cases = where[text]
        cases = [d for d in cases if d not in own[qid]]
        same = sum(bool(norm[d] & qc) for d in cases)
        return count, len(cases), (same / len(cases) if cases else float("nan"))

    # Examples: the query's first generated elements beside the elements extracted from its
    # gold (grade 3) cases that most gold cases share (held by >= 2 cases, so not a detail of
    # one judgment).
    for qid in examples:
        q = next(x for x in queries if x["id"] == qid)
        qc = set(q["charges"])
        rows = [x for x in r["rows"][first] if x["qid"] == qid][:a.example_rows]
        g = [d for d in gold[qid] if d not in own[qid]]
        gold_els = []
        for e in sorted({e for d in g for e in case_elements.get(d, [])}):
            count, n, fr = frac_of(e, qid, qc)
            held = len(set(where[e][1]) & set(g))
            if n >= 2:
                gold_els.append((-held, -fr, e, n, fr, held))
        gold_els = sorted(gold_els)[:a.example_rows]
        print(f"\n**Query {qid}** ({'、'.join(q['charges'])}; {len(g)} gold cases; chance "
              f"{chance[qid]:.2f}): {q['text'][:80]}…\n")
        print("| generated element | cases | same-charge | in gold | | element of gold cases "
              "| cases | same-charge | in gold |")
        print("|---|---|---|---|---|---|---|---|---|")
        for i in range(max(len(rows), len(gold_els))):
            left = (f"{rows[i]['text']} | {rows[i]['cases']} | {rows[i]['frac']:.2f} | "
                    f"{rows[i]['in_gold']}/{len(g)}") if i < len(rows) else " | | | "
            right = (f"{gold_els[i][2]} | {gold_els[i][3]} | {gold_els[i][4]:.2f} | "
                     f"{gold_els[i][5]}/{len(g)}") if i < len(gold_els) else " | | | "
            print(f"| {left} | | {right} |")

    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(report, f, ensure_ascii=False, indent=1)
    log(f"done in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
