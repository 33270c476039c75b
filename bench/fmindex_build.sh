#!/usr/bin/env bash
# Builds the FM-index of a corpus (tokenizer training included) under /usr/bin/time -v and
# prints: build time and peak memory, index size per token and per character against the
# raw 2-byte tokens and their zstd -19 / xz -9 compression, then the query latency table.
#
#   bench/fmindex_build.sh [CORPUS] [OUT_DIR]
#   default CORPUS: ../shared/corpora/lecard/cases.jsonl.zst, OUT_DIR: out/bench-index
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${1:-../shared/corpora/lecard/cases.jsonl.zst}
OUT=${2:-out/bench-index}
BUILD=${BUILD_DIR:-build}
LCR=$BUILD/cli/lcr
mkdir -p "$(dirname "$OUT")"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

/usr/bin/time -v "$LCR" index build --corpus "$CORPUS" --out "$OUT" 2>"$TMP/time" | tee "$TMP/build"
wall=$(grep "Elapsed (wall clock)" "$TMP/time" | awk '{print $NF}')
peak_kb=$(grep "Maximum resident set size" "$TMP/time" | awk '{print $NF}')
"$LCR" index info "$OUT"

"$BUILD/bench/fmindex_latency" --index "$OUT" --samples 2000 --dump-tokens "$TMP/tokens.bin" > "$TMP/latency"
raw=$(stat -c %s "$TMP/tokens.bin")
zstd -19 -T2 -q "$TMP/tokens.bin" -o "$TMP/tokens.zst"
xz -9 -T2 -k "$TMP/tokens.bin"
python3 - "$OUT/manifest.json" "$raw" "$(stat -c %s "$TMP/tokens.zst")" "$(stat -c %s "$TMP/tokens.bin.xz")" "$wall" "$peak_kb" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); s = m["stats"]
raw, zs, xz, wall, peak = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
n = s["tokens"]
print()
print("| measure | value |")
print("|---|---|")
print(f"| cases / tokens | {m['corpus']['cases']} / {n} |")
print(f"| wall time (tokenizer training included) | {wall} |")
print(f"|   tokenizer training / tokenizing / index | {s['tokenizer_train_seconds']:.1f} s / {s['tokenize_seconds']:.1f} s / {s['index_seconds']:.1f} s |")
print(f"| peak memory | {peak/1048576:.2f} GiB |")
print(f"| FM-index | {s['fm_bytes']} B = {s['fm_bytes']/n:.3f} B/token ({8*s['fm_bytes']/n:.2f} bits) |")
print(f"|   wavelet tree / SA samples / case map | {8*s['wavelet_tree_bytes']/n:.2f} / {8*s['sample_bytes']/n:.2f} / {8*s['case_map_bytes']/n:.3f} bits/token |")
print(f"| H0 of the token stream | {s['h0_bits_per_token']:.2f} bits/token |")
print(f"| raw 2-byte tokens | {raw} B = 16 bits/token |")
print(f"| zstd -19 of the tokens | {zs} B = {8*zs/n:.2f} bits/token |")
print(f"| xz -9 of the tokens | {xz} B = {8*xz/n:.2f} bits/token |")
print(f"| document store (zstd + dictionary) | {s['docs_bytes']} B = {s['docs_bytes']/n:.3f} B/token |")
PY
echo
cat "$TMP/latency"
