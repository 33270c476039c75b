// Training data for the loop: reads the directory `lcr train data` writes, tokenizes it, and
// packs examples into length-bucketed batches under a token budget. No libtorch here.
//
// DIR/pairs.jsonl      {"src": "...", "tgt": "...", "kind": "...", "case": "<id>",
//                       "charges": ["..."] (optional), "split": "train|valid"} one a line
// DIR/first_tokens.json {"tokenizer_hash": "<16 hex>", "ids": [...], "pieces": [...]}
// DIR/manifest.json    {"tokenizer_hash": "<16 hex>", ...}
#pragma once

#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace lcr {

class Tokenizer;

namespace train_detail {

struct Example {
  uint32_t source = 0;          // index into TrainingData::sources (shared by many pairs)
  std::vector<int32_t> target;  // tokens (truncated to max_target_len - 1) + EOS
};

struct TrainingData {
  std::vector<std::vector<int32_t>> sources;  // tokenized, truncated to max_source_len - 1
  // The charge labels pairs.jsonl gives ("charges", optional): every name seen, sorted (the
  // classes of --charge-loss), and per source the indices of its case's charges (empty when
  // it has none; a source text shared by cases of other charges gets the union).
  std::vector<std::string> charge_names;
  std::vector<std::vector<int32_t>> source_charges;
  std::vector<Example> train, valid;
  std::vector<int32_t> first_tokens;
  std::string manifest_json;  // data manifest stored in checkpoints
  uint64_t pairs_xxh64 = 0;   // identity of pairs.jsonl (resume refuses other data)
  uint64_t truncated_sources = 0, truncated_targets = 0;
};

/// Reads and tokenizes `dir`. Throws lcr::Error naming the file (and line) for a missing
/// file, malformed JSON, a bad field, an unknown split, or data made with another tokenizer.
TrainingData load_training_data(const std::string& dir, const Tokenizer& tokenizer,
                                int max_source_len, int max_target_len);

/// Example indices per batch. By pair: examples are sorted by (source length, target length)
/// and cut so that rows x (longest source + 1 + longest target) <= batch_tokens (a single
/// longer example forms its own batch). By source: all examples of a source are consecutive
/// in one batch (the loop encodes the source once for them), groups sorted by (source
/// length, targets, longest target) and cut so that sources x (longest source + 1 + most
/// targets x longest target) <= batch_tokens. Deterministic.
std::vector<std::vector<uint32_t>> make_batches(const TrainingData& data,
                                                const std::vector<Example>& examples,
                                                int64_t batch_tokens, bool by_source);

/// The order batches are visited in during `epoch`: a permutation of [0, n) seeded by
/// (seed, epoch), so a resumed run replays the same order. Fisher-Yates with our own draws
/// (std::shuffle's are not specified), so every build gives the same order.
inline std::vector<uint32_t> epoch_order(size_t n, uint64_t seed, int64_t epoch) {
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch) + 1);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[static_cast<size_t>(rng() % i)]);
  return order;
}

}  // namespace train_detail
}  // namespace lcr
