#!/usr/bin/env bash
# Training throughput on the CPU by precision and batch size: the 384-token LeCaRD recipe
# (2.8M parameters) trained for the same wall time with --amp off (fp32) and --amp on (bf16
# autocast), at 4,096- and 16,384-token batches; prints steps, tokens/s, pairs/s and the
# valid loss reached. bf16 pays only on CPUs with native bf16 (AVX512-BF16 or AMX): see
# `grep -o -m1 'avx512_bf16\|amx_bf16' /proc/cpuinfo`, which `--amp auto` also checks.
#
#   bench/train_precision.sh DATA_DIR TOKENIZER [MINUTES]     (default 2 minutes a run)
#   env: BUILD_DIR (build), THREADS (2), BATCHES ("4096 16384"), extra options in TRAIN_ARGS
# Run on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:?DATA_DIR}; TOK=${2:?TOKENIZER}; MIN=${3:-2}
LCR=${BUILD_DIR:-build}/cli/lcr
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
echo "| batch tokens | precision | steps | tokens/s | pairs/s | valid loss |"
echo "|---|---|---|---|---|---|"
for bt in ${BATCHES:-4096 16384}; do
  for amp in off on; do
    # shellcheck disable=SC2086
    "$LCR" train --data "$DATA" --tokenizer "$TOK" --out "$W/$bt-$amp.ckpt" --d-model 192 \
      --heads 4 --ff 768 --encoder-layers 2 --decoder-layers 2 --max-source-len 384 \
      --max-target-len 24 --steps 5000 --warmup 150 --lr 1e-3 --batch-tokens "$bt" \
      --threads "${THREADS:-2}" --valid-every 0 --save-every 0 --max-minutes "$MIN" \
      --amp $amp ${TRAIN_ARGS:-} > "$W/$bt-$amp.log" 2>&1
    line=$(grep -E "^stopped at step" "$W/$bt-$amp.log")
    steps=$(sed -E 's/^stopped at step ([0-9]+).*/\1/' <<< "$line")
    tps=$(sed -E 's/.* ([0-9]+) tokens\/s.*/\1/' <<< "$line")
    pps=$(sed -E 's/.* ([0-9]+) pairs\/s.*/\1/' <<< "$line")
    vl=$(grep -oE "valid loss [0-9.]+" "$W/$bt-$amp.log" | tail -1 | cut -d' ' -f3)
    name=fp32; [ "$amp" = on ] && name="bf16 autocast"
    echo "| $bt | $name | $steps | $tps | $pps | $vl |"
  done
done
