# Sourced by bench/train_throughput.sh and bench/train_precision.sh: one timed `lcr train`
# run at the LeCaRD recipe's sizes, and the table cells of its figures.
# Needs LCR, DATA, TOK, MIN set; THREADS (2) and TRAIN_ARGS (extra options) from the env.

# timed_train LOG OUT [lcr train options]: trains for MIN minutes, no valid or save before
# the end, writing everything to LOG.
timed_train() {
  local log=$1 out=$2; shift 2
  # shellcheck disable=SC2086
  "$LCR" train --data "$DATA" --tokenizer "$TOK" --out "$out" --d-model 192 --heads 4 \
    --ff 768 --encoder-layers 2 --decoder-layers 2 --max-target-len 24 --steps 5000 \
    --warmup 150 --lr 1e-3 --threads "${THREADS:-2}" --valid-every 0 --save-every 0 \
    --max-minutes "$MIN" "$@" ${TRAIN_ARGS:-} > "$log" 2>&1
}

# train_cells LOG: "steps | tokens/s | pairs/s | valid loss" of a finished run.
train_cells() {
  local line steps tps pps vl
  line=$(grep -E "^stopped at step" "$1")
  steps=$(sed -E 's/^stopped at step ([0-9]+).*/\1/' <<< "$line")
  tps=$(sed -E 's/.* ([0-9]+) tokens\/s.*/\1/' <<< "$line")
  pps=$(sed -E 's/.* ([0-9]+) pairs\/s.*/\1/' <<< "$line")
  vl=$(grep -oE "valid loss [0-9.]+" "$1" | tail -1 | cut -d' ' -f3)
  echo "$steps | $tps | $pps | $vl"
}
