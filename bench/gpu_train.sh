#!/usr/bin/env bash
# Training on a lent GPU machine (docs/model.md, "On the GPU"). That machine has CUDA and
# PyTorch but none of lcr's Debian libraries, and nothing can be fetched there, so the
# libraries and the training data travel with the working tree in two git-ignored folders.
#
# Here (a Debian machine with apt):
#   bench/gpu_train.sh pack DATA_DIR TOKENIZER   .deps/*.deb and .gpu/data.tar.gz
# There (each device call starts in the repository root; carry .deps and .gpu):
#   bench/gpu_train.sh build                     build-gpu/ against the machine's libtorch
#   bench/gpu_train.sh probe                     tokens/s of short runs, a table
#   bench/gpu_train.sh infer                     CUDA against CPU inference on the bundled corpus
#   bench/gpu_train.sh train NAME [lcr train options]
#       trains into build-gpu/runs/NAME.ckpt (so a later call on the same machine can
#       --resume it), logs to $OUT/NAME.log, and leaves the serving copy (lcr train export)
#       in $OUT, split into 15 MiB parts when larger (cat NAME.ckpt.part-* > NAME.ckpt).
set -euo pipefail
cd "$(dirname "$0")/.."
DEPS_DIR=/tmp/deps
DATA=/tmp/lecard
LCR=${LCR:-build-gpu/cli/lcr}
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
export LD_LIBRARY_PATH="$DEPS_DIR/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# The recipe's model (docs/model.md) and the short-run settings of the probe.
RECIPE=(--d-model 192 --heads 4 --ff 768 --encoder-layers 2 --decoder-layers 2
        --max-source-len 384 --max-target-len 24 --warmup 150 --lr 1e-3)

unpack() {
  if [ ! -d "$DEPS_DIR/usr" ]; then
    mkdir -p "$DEPS_DIR"
    for f in .deps/*.deb; do dpkg -x "$f" "$DEPS_DIR"; done
  fi
  if [ ! -f "$DATA/tokenizer.model" ]; then
    mkdir -p "$DATA"
    tar -xzf .gpu/data.tar.gz -C "$DATA"
  fi
}

case "${1:-}" in
  pack)
    data=${2:?DATA_DIR}; tok=${3:?TOKENIZER}
    mkdir -p .deps .gpu
    (cd .deps && apt-get download libsdsl-dev libsdsl3 libdivsufsort-dev libdivsufsort3 \
      libsentencepiece-dev libsentencepiece0 libboost-program-options-dev \
      libboost-program-options1.74-dev libboost-program-options1.74.0 libboost1.74-dev \
      libzstd-dev libzstd1 libxxhash-dev libxxhash0 nlohmann-json3-dev)
    w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
    mkdir "$w/data"
    cp "$data"/pairs.jsonl "$data"/first_tokens.json "$data"/manifest.json "$w/data/"
    cp "$tok" "$w/tokenizer.model"
    tar -C "$w" -cf - data tokenizer.model | gzip -6 > .gpu/data.tar.gz
    du -sh .deps .gpu
    ;;
  build)
    unpack
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
    python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
    cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DLCR_BUILD_TESTS=OFF \
      -DLCR_BUILD_BENCH=OFF -DCMAKE_PREFIX_PATH="$torch_prefix;$DEPS_DIR/usr" \
      > "$OUT/cmake.log" 2>&1 || { tail -40 "$OUT/cmake.log"; exit 1; }
    start=$(date +%s)
    grep "lcr:" "$OUT/cmake.log" || true
    cmake --build build-gpu -j "$(nproc)" > "$OUT/build.log" 2>&1 ||
      { grep -B2 -A8 -m5 "error" "$OUT/build.log"; exit 1; }
    echo "built in $(( $(date +%s) - start )) s"
    ;;
  probe)
    unpack
    echo "| device | precision | model | batch tokens | steps | tokens/s | ms/step |"
    echo "|---|---|---|---|---|---|---|"
    probe() {  # label precision batch steps [lcr train options]
      local label=$1 prec=$2 batch=$3 steps=$4; shift 4
      rm -f /tmp/probe.ckpt
      local t0 t1 line
      t0=$(date +%s.%N)
      line=$("$LCR" train --data "$DATA/data" --tokenizer "$DATA/tokenizer.model" \
        --out /tmp/probe.ckpt --steps 5000 --stop-after "$steps" --valid-every 0 \
        --save-every 0 --batch-tokens "$batch" "$@" 2>/dev/null | grep '^steps' || true)
      t1=$(date +%s.%N)
      local tps; tps=$(sed -E 's/.* ([0-9]+) tokens\/s.*/\1/' <<< "$line")
      local dev; dev=$(sed -E 's/.* on ([a-z]+),.*/\1/' <<< "$line")
      echo "| $dev | $prec | $label | $batch | $steps | $tps | $(python3 -c "print(round(1000*($t1-$t0)/$steps, 1))") |"
    }
    probe "recipe (2.8M)" bf16 4096 400 "${RECIPE[@]}" --device cuda
    probe "recipe (2.8M)" fp32 4096 400 "${RECIPE[@]}" --device cuda --no-amp
    probe "recipe (2.8M)" bf16 16384 200 "${RECIPE[@]}" --device cuda
    probe "default (6.5M, 512 src)" bf16 16384 200 --max-target-len 24 --device cuda
    ;;
  infer)
    # A small model trained on the GPU from the bundled corpus (the quickstart's sizes); the
    # bundled queries searched on both devices, their ranked lists compared; decode rates.
    unpack
    C=corpora/bundled; W=/tmp/bundled
    rm -rf "$W"; mkdir -p "$W"
    "$LCR" index build --corpus $C/cases.jsonl --out $W/index > $W/index.log 2>&1
    "$LCR" train data --corpus $C/cases.jsonl --tokenizer $W/index/tokenizer.model \
      --out $W/data > $W/data.log 2>&1
    "$LCR" train --data $W/data --tokenizer $W/index/tokenizer.model --out $W/model.ckpt \
      --d-model 128 --heads 4 --ff 512 --encoder-layers 2 --decoder-layers 2 \
      --max-source-len 128 --max-target-len 24 --steps 1500 --warmup 100 --lr 1e-3 \
      --batch-tokens 4096 --device cuda 2>&1 | tail -2
    for d in cpu cuda; do
      "$LCR" search --index $W/index --model $W/model.ckpt --top-k 100 --threads 2 \
        --queries $C/queries.jsonl --run $W/run-$d.trec --device $d 2> $W/search-$d.log
      echo "search on $d: $(tail -1 $W/search-$d.log)"
      "$LCR" eval --qrels $C/qrels_charge.trec --run $W/run-$d.trec | grep -E "P@5|MAP" || true
    done
    python3 - $W/run-cpu.trec $W/run-cuda.trec <<'PY'
import sys
from collections import defaultdict
def read(p):
    r = defaultdict(list)
    for line in open(p):
        q, _, d, _, score, _ = line.split()
        r[q].append((d, float(score)))
    return r
a, b = read(sys.argv[1]), read(sys.argv[2])
same = sum([d for d, _ in a[q]] == [d for d, _ in b.get(q, [])] for q in a)
diff = max(abs(x[1] - y[1]) for q in a if q in b for x, y in zip(a[q], b[q]))
print(f"cpu vs cuda: {len(a)} queries ({len(b)} on cuda), identical ranked lists {same}, "
      f"largest score difference {diff:.2g}")
PY
    "$LCR" bench decode --index $W/index --model $W/model.ckpt --queries $C/queries.jsonl \
      --device cuda --beams 5,15,30 --batches 1,8 --repeat 2
    cp $W/*.log $W/run-*.trec "$OUT/" 2>/dev/null || true
    ;;
  train)
    unpack
    name=${2:?NAME}; shift 2
    mkdir -p build-gpu/runs
    resume=()
    [ -f "build-gpu/runs/$name.ckpt" ] && resume=(--resume)
    "$LCR" train --data "$DATA/data" --tokenizer "$DATA/tokenizer.model" \
      --out "build-gpu/runs/$name.ckpt" "${resume[@]}" --device cuda "$@" > "$OUT/$name.log" 2>&1
    rm -f "/tmp/$name-serve.ckpt"
    "$LCR" train export --checkpoint "build-gpu/runs/$name.ckpt" --out "/tmp/$name-serve.ckpt"
    if [ "$(stat -c %s "/tmp/$name-serve.ckpt")" -gt $((15 << 20)) ]; then
      split -b 15M "/tmp/$name-serve.ckpt" "$OUT/$name.ckpt.part-"
    else
      cp "/tmp/$name-serve.ckpt" "$OUT/$name.ckpt"
    fi
    tail -2 "$OUT/$name.log"
    ;;
  *)
    sed -n '2,16p' "$0"; exit 2 ;;
esac
