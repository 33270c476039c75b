#!/usr/bin/env bash
# Training throughput by batching mode: the same model and data trained for the same wall
# time with --batch-by pair and --batch-by source; prints pairs/s, tokens/s (a shared source
# counts once by source, so compare pairs/s), steps and the valid loss reached.
#
#   bench/train_throughput.sh DATA_DIR TOKENIZER [MINUTES]     (default 2 minutes a mode)
#   env: BUILD_DIR (build), THREADS (2), and any extra `lcr train` options in TRAIN_ARGS
# Sizes are those of the LeCaRD models in docs/model.md. Run on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:?DATA_DIR}; TOK=${2:?TOKENIZER}; MIN=${3:-2}
LCR=${BUILD_DIR:-build}/cli/lcr
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
echo "| batch by | steps | pairs/s | tokens/s | valid loss |"
echo "|---|---|---|---|---|"
for mode in pair source; do
  # shellcheck disable=SC2086
  "$LCR" train --data "$DATA" --tokenizer "$TOK" --out "$W/$mode.ckpt" --d-model 192 --heads 4 \
    --ff 768 --encoder-layers 2 --decoder-layers 2 --max-source-len 160 --max-target-len 24 \
    --steps 5000 --warmup 150 --lr 1e-3 --batch-tokens 4096 --threads "${THREADS:-2}" \
    --valid-every 0 --save-every 0 --max-minutes "$MIN" --batch-by $mode ${TRAIN_ARGS:-} \
    > "$W/$mode.log" 2>&1
  line=$(grep -E "^stopped at step" "$W/$mode.log")
  steps=$(sed -E 's/^stopped at step ([0-9]+).*/\1/' <<< "$line")
  tps=$(sed -E 's/.* ([0-9]+) tokens\/s.*/\1/' <<< "$line")
  pps=$(sed -E 's/.* ([0-9]+) pairs\/s.*/\1/' <<< "$line")
  vl=$(grep -oE "valid loss [0-9.]+" "$W/$mode.log" | tail -1 | cut -d' ' -f3)
  echo "| $mode | $steps | $pps | $tps | $vl |"
done
