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
echo "| batch by | steps | tokens/s | pairs/s | valid loss |"
echo "|---|---|---|---|---|"
# shellcheck source=bench/train_common.sh
. bench/train_common.sh
for mode in pair source; do
  timed_train "$W/$mode.log" "$W/$mode.ckpt" --max-source-len 160 --batch-tokens 4096 \
    --batch-by $mode
  echo "| $mode | $(train_cells "$W/$mode.log") |"
done
