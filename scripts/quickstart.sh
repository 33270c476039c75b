#!/usr/bin/env bash
# The main job on the bundled corpus, from a fresh clone: install the Debian packages, build,
# index the 400 bundled judgments, build the self-supervised training data, train a small
# model for a few minutes on the CPU, search one query case, and score all bundled queries.
# Everything lands in out/bundled/. Training is a fixed schedule of TRAIN_STEPS (default 1500,
# about 7 minutes on 2 cores), not a time budget, so a slower machine trains the same model;
# TRAIN_MINUTES (default 15) only caps it on a very slow one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=build scripts/build.sh -DLCR_BUILD_TESTS=OFF -DLCR_BUILD_BENCH=OFF
L=build/cli/lcr
C=corpora/bundled
O=out/bundled
mkdir -p "$O"
step() { printf '\n== %s\n' "$*"; }

step "index: tokenizer + FM-index + document store"
$L index build --corpus $C/cases.jsonl --out $O/index
$L index info $O/index
step "what follows 秘密窃取 in the corpus, and where it occurs"
$L index next --index $O/index --top 5 秘密窃取
$L index locate --index $O/index --limit 2 秘密窃取

step "training data: legal elements of each case"
$L train data --corpus $C/cases.jsonl --tokenizer $O/index/tokenizer.model --out $O/data

step "train a small model (${TRAIN_STEPS:-1500} steps, ${TRAIN_MINUTES:-15} minutes at most)"
rm -f $O/model.ckpt
$L train --data $O/data --tokenizer $O/index/tokenizer.model --out $O/model.ckpt \
  --d-model 128 --heads 4 --ff 512 --encoder-layers 2 --decoder-layers 2 \
  --max-source-len 128 --max-target-len 24 --steps "${TRAIN_STEPS:-1500}" --warmup 100 --lr 1e-3 \
  --batch-tokens 4096 --max-minutes "${TRAIN_MINUTES:-15}" --valid-every 250 --log-every 100

step "search one query case"
QUERY=$(head -1 $C/queries.jsonl | python3 -c 'import json,sys; print(json.load(sys.stdin)["text"])' 2>/dev/null \
        || sed -n 's/.*"text": *"\([^"]*\)".*/\1/p' $C/queries.jsonl | head -1)
echo "query: $QUERY"
$L search --index $O/index --model $O/model.ckpt --top-k 5 "$QUERY"

step "all bundled queries: a TREC run, scored on charge labels"
$L search --index $O/index --model $O/model.ckpt --top-k 100 --queries $C/queries.jsonl --run $O/run.trec
$L eval --qrels $C/qrels_charge.trec --run $O/run.trec
