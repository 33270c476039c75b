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
# shellcheck source=bench/train_common.sh
. bench/train_common.sh
for bt in ${BATCHES:-4096 16384}; do
  for amp in off on; do
    timed_train "$W/$bt-$amp.log" "$W/$bt-$amp.ckpt" --max-source-len 384 --batch-tokens "$bt" \
      --amp $amp
    name=fp32; [ "$amp" = on ] && name="bf16 autocast"
    echo "| $bt | $name | $(train_cells "$W/$bt-$amp.log") |"
  done
done
