#!/usr/bin/env bash
# The 1M-case scale run (issue: scale to a million cases), end to end:
#   1. generate the corpus (corpora/gen_scale.py, recombined LeCaRD sentences; needs
#      ../shared/corpora/lecard), 1,000,000 whole judgments of >= 1,000 characters;
#   2. build the sharded index under /usr/bin/time -v, sampling the disk use of the output
#      and its work directory every 10 s;
#   3. print build time, peak memory, peak disk, sizes per token, and the FM-index latency
#      table (ShardedFm: every shard queried as one index).
# The decode table on that index is bench/decode_table.sh INDEX (it needs a model).
#
#   bench/scale_build.sh [WORK_DIR]      (default out/scale)
#   env: COUNT (1000000), MEAN_CHARS (1150), TOKENIZER (a tokenizer.model to index with;
#        default: the LeCaRD index's, so that a model trained on LeCaRD can decode on it),
#        SHARD_TOKENS (lcr's default when unset)
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-out/scale}
BUILD=${BUILD_DIR:-build}
LCR=$BUILD/cli/lcr
COUNT=${COUNT:-1000000}
mkdir -p "$W"
CORPUS=$W/cases.jsonl.zst
[ -f "$CORPUS" ] || python3 corpora/gen_scale.py --count "$COUNT" --seed 1 --min-chars 1000 \
  --target-mean-chars "${MEAN_CHARS:-1150}" --zstd --stats --out "$CORPUS"
if [ -z "${TOKENIZER:-}" ]; then
  [ -f out/lecard/index/tokenizer.model ] || "$LCR" index build \
    --corpus ../shared/corpora/lecard/cases.jsonl.zst --out out/lecard/index
  TOKENIZER=out/lecard/index/tokenizer.model
fi
OUT=$W/index
( while true; do
    du -sb "$OUT" "$OUT.building" 2>/dev/null | awk -v t="$(date +%s)" '{s+=$1} END {print t, s+0}'
    sleep 10
  done ) > "$W/du.log" &
SAMPLER=$!
trap 'kill $SAMPLER 2>/dev/null || true' EXIT
/usr/bin/time -v "$LCR" index build --corpus "$CORPUS" --out "$OUT" --tokenizer "$TOKENIZER" \
  ${SHARD_TOKENS:+--shard-tokens $SHARD_TOKENS} 2> "$W/build.time" | tee "$W/build.log"
kill $SAMPLER
"$LCR" index info "$OUT"
python3 - "$OUT/manifest.json" "$W/build.time" "$W/du.log" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); s = m["stats"]
t = {l.split(":", 1)[0].strip(): l.rsplit(" ", 1)[-1].strip() for l in open(sys.argv[2]) if ":" in l}
peak_disk = max((int(l.split()[1]) for l in open(sys.argv[3]) if l.strip()), default=0)
n = s["tokens"]
final = s["fm_bytes"] + s["docs_bytes"]
print()
print("| measure | value |")
print("|---|---|")
print(f"| cases / tokens indexed | {m['corpus']['cases']:,} / {n:,} ({n / m['corpus']['cases']:.0f} per case) |")
print(f"| shards | {s['shards']} |")
print(f"| build wall time | {t['Elapsed (wall clock) time (h']} |")
print(f"| peak memory | {int(t['Maximum resident set size (kbytes)']) / 1048576:.2f} GiB |")
print(f"| FM-index | {s['fm_bytes']:,} B = {s['fm_bytes'] / n:.3f} B/token |")
print(f"| document store | {s['docs_bytes']:,} B = {s['docs_bytes'] / n:.3f} B/token |")
print(f"| peak disk (output + work dir) | {peak_disk:,} B = {peak_disk / final:.2f}x the final index |")
PY
"$BUILD/bench/fmindex_latency" --index "$OUT" --samples 2000
