#!/usr/bin/env bash
# The LeCaRD dev benchmark: builds everything from ../shared/corpora/lecard, trains (on the
# CPU within TRAIN_MINUTES), runs every method on the 53 dev queries and prints one table:
# method x (protocol 1: P@5, P@10, MAP, NDCG@10 on charge labels over the full corpus;
# protocol 2: P@5, MAP, NDCG@30 on expert labels within pools) and the median time per query.
# Each query's own judgment (dev_self.tsv) is dropped before scoring.
#
#   bench/lecard_dev.sh [WORK_DIR]        (default out/lecard)
#   env: TRAIN_MINUTES (45), DEVICE (auto), STEPS (schedule length, 20000), SKIP_TRAIN=1 to
#        reuse WORK_DIR/model.ckpt, NAIVE=1 to also train the naive-identifier ablation,
#        FEEDBACK (1) the charge-feedback weight of the *-feedback rows.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-out/lecard}
D=${LECARD:-../shared/corpora/lecard}
L=${BUILD_DIR:-build}/cli/lcr
TRAIN_MINUTES=${TRAIN_MINUTES:-45}
DEVICE=${DEVICE:-auto}
STEPS=${STEPS:-20000}
mkdir -p "$W/runs"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

[ -f "$W/index/manifest.json" ] || { log "index"; $L index build --corpus "$D/cases.jsonl.zst" --out "$W/index"; }
TOK=$W/index/tokenizer.model
[ -f "$W/bm25/iamglass" ] || [ -d "$W/bm25" ] || { log "bm25 index"; $L baseline bm25 index --corpus "$D/cases.jsonl.zst" --out "$W/bm25"; }
[ -f "$W/data/manifest.json" ] || { log "training data"; $L train data --corpus "$D/cases.jsonl.zst" --tokenizer "$TOK" --out "$W/data"; }

train() {  # data_dir out
  $L train --data "$1" --tokenizer "$TOK" --out "$2" --steps "$STEPS" --max-minutes "$TRAIN_MINUTES" \
    --device "$DEVICE" --d-model 256 --heads 4 --ff 1024 --encoder-layers 3 --decoder-layers 3 \
    --max-source-len 384 --max-target-len 24
}
if [ "${SKIP_TRAIN:-0}" != 1 ]; then log "train ($TRAIN_MINUTES min)"; train "$W/data" "$W/model.ckpt"; fi
if [ "${NAIVE:-0}" = 1 ]; then
  [ -f "$W/data-naive/manifest.json" ] || $L train data --corpus "$D/cases.jsonl.zst" --tokenizer "$TOK" --out "$W/data-naive" --targets naive
  log "train naive ($TRAIN_MINUTES min)"; train "$W/data-naive" "$W/model-naive.ckpt"
fi

Q=$D/dev_queries.jsonl
timed() {  # name command...: runs it, records the median seconds per query it reports
  local name=$1; shift
  "$@" 2>&1 | tee "$W/runs/$name.log" >&2
  echo "$name $(grep -o 'median [0-9.]* s' "$W/runs/$name.log" | tail -1 | cut -d' ' -f2)" >> "$W/runs/times"
}
: > "$W/runs/times"
S="$L search --index $W/index --device $DEVICE --top-k 1000"
T="--batch 1"  # timed runs search one query at a time: the median is a query's latency
for mode in terms parser; do
  timed bm25-$mode $L baseline bm25 search --db "$W/bm25" --queries "$Q" --query-mode $mode --k 1000 --run "$W/runs/bm25-$mode.p1"
  $L baseline bm25 search --db "$W/bm25" --queries "$Q" --query-mode $mode --pool "$D/dev_pools.tsv" --run "$W/runs/bm25-$mode.p2"
done
timed extractor $S $T --extractor "$W/data" --queries "$Q" --run "$W/runs/extractor.p1"
$S --extractor "$W/data" --queries "$Q" --pools "$D/dev_pools.tsv" --run "$W/runs/extractor.p2"
for m in model model-naive; do
  [ -f "$W/$m.ckpt" ] || continue
  timed $m $S $T --model "$W/$m.ckpt" --queries "$Q" --run "$W/runs/$m.p1"
  $S --model "$W/$m.ckpt" --queries "$Q" --pools "$D/dev_pools.tsv" --run "$W/runs/$m.p2"
done
# Charge feedback (docs/search.md): in the engine for the model, by bench/charge_feedback.py
# (the same re-scoring) on the BM25 runs, so both sides get it.
FB=${FEEDBACK:-1}
if [ -f "$W/model.ckpt" ]; then
  timed model-feedback $S $T --model "$W/model.ckpt" --charge-feedback "$FB" --queries "$Q" --run "$W/runs/model-feedback.p1"
  $S --model "$W/model.ckpt" --charge-feedback "$FB" --queries "$Q" --pools "$D/dev_pools.tsv" --run "$W/runs/model-feedback.p2"
fi
for mode in terms parser; do
  for p in p1 p2; do
    python3 bench/charge_feedback.py --corpus "$D/cases.jsonl.zst" --lambda "$FB" --drop "$D/dev_self.tsv" \
      --run "$W/runs/bm25-$mode.$p" --out "$W/runs/bm25-$mode-feedback.$p"
  done
done
if [ -f "$W/model.ckpt" ]; then
  timed model-no-first-tokens $S $T --model "$W/model.ckpt" --no-first-tokens --queries "$Q" --run "$W/runs/model-no-first-tokens.p1"
  $S --model "$W/model.ckpt" --no-first-tokens --queries "$Q" --pools "$D/dev_pools.tsv" --run "$W/runs/model-no-first-tokens.p2"
fi

echo
echo "| method | P1 P@5 | P1 P@10 | P1 MAP | P1 NDCG@10 | P2 P@5 | P2 MAP | P2 NDCG@30 | median s/query |"
echo "|---|---|---|---|---|---|---|---|---|"
for p1 in "$W"/runs/*.p1; do
  name=$(basename "$p1" .p1)
  a=$($L eval --qrels "$D/dev_qrels_charge.trec" --run "$p1" --drop "$D/dev_self.tsv" --json)
  b=$($L eval --qrels "$D/dev_qrels_expert.trec" --run "$W/runs/$name.p2" --pools "$D/dev_pools.tsv" \
        --relevant-grade 3 --drop "$D/dev_self.tsv" --json)
  secs=$(awk -v n="$name" '$1==n {print $2}' "$W/runs/times")
  python3 - "$name" "$secs" "$a" "$b" <<'PY'
import json, sys
name, secs, a, b = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
m1, m2 = a["metrics"], b["metrics"]
s = f"{float(secs):.2f}" if secs else ""
print(f"| {name} | {m1['P@5']:.3f} | {m1['P@10']:.3f} | {m1['MAP']:.3f} | {m1['NDCG@10']:.3f} | {m2['P@5']:.3f} | {m2['MAP']:.3f} | {m2['NDCG@30']:.3f} | {s} |")
PY
done
