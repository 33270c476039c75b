#!/usr/bin/env bash
# Restart timing for the sharded build (issue: scale to a million cases): build again from
# nothing, kill -9 as soon as the first shard is in place, run the same command again under
# /usr/bin/time -v, and compare every shard with the uninterrupted build's.
#
#   bench/scale_restart.sh [WORK_DIR]     (default out/scale; run bench/scale_build.sh first:
#                                          it leaves WORK_DIR/cases.jsonl.zst and WORK_DIR/index)
#   env: TOKENIZER (as for scale_build.sh), BUILD_DIR (build)
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-out/scale}
LCR=${BUILD_DIR:-build}/cli/lcr
CORPUS=$W/cases.jsonl.zst
REF=$W/index
TOKENIZER=${TOKENIZER:-out/lecard/index/tokenizer.model}
OUT=$W/index-restart
[ -f "$CORPUS" ] && [ -d "$REF" ] || { echo "run bench/scale_build.sh $W first" >&2; exit 2; }
rm -rf "$OUT" "$OUT.building"
t0=$(date +%s.%N)
"$LCR" index build --corpus "$CORPUS" --out "$OUT" --tokenizer "$TOKENIZER" > "$W/restart-1.log" 2>&1 &
PID=$!
while [ ! -f "$OUT.building/shard-0000/shard.json" ]; do
  sleep 2
  kill -0 $PID 2>/dev/null || { echo "the build ended before its first shard was done" >&2; exit 1; }
done
kill -9 $PID; wait $PID 2>/dev/null || true
t1=$(date +%s.%N)
echo "first run killed after $(echo "$t1 - $t0" | bc) s; left: $(ls "$OUT.building" | tr '\n' ' ')$(du -sb "$OUT.building" | cut -f1) bytes"
/usr/bin/time -v "$LCR" index build --corpus "$CORPUS" --out "$OUT" --tokenizer "$TOKENIZER" \
  2> "$W/restart-2.time" | tee "$W/restart-2.log"
grep -E "Elapsed|Maximum resident|User time" "$W/restart-2.time"
status=0
for f in "$REF"/shard-*/fm.bin; do
  k=$(basename "$(dirname "$f")")
  if cmp -s "$f" "$OUT/$k/fm.bin"; then echo "$k: fm.bin identical to the uninterrupted build"
  else echo "$k: fm.bin DIFFERS from the uninterrupted build"; status=1; fi
done
exit $status
