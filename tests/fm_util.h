// Test helpers: brute-force answers and random token corpora (the FM-index oracles), and a corpus
// (token ids per case) indexed as `parts` shards of consecutive cases, as `lcr index build
// --shard-tokens` cuts a large one.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "lcr/fmindex/sharded.h"

namespace lcr::test {

inline fm::ShardedFm sharded_index(const std::vector<std::vector<int32_t>>& cases, size_t parts,
                                   uint32_t sample_rate = 32) {
  fm::ShardedFm s;
  if (parts < 1) parts = 1;
  if (parts > cases.size()) parts = cases.size();
  size_t begin = 0;
  for (size_t p = 0; p < parts; ++p) {
    size_t end = cases.size() * (p + 1) / parts;
    s.add_shard(fm::FmIndex::build({cases.begin() + static_cast<std::ptrdiff_t>(begin),
                                    cases.begin() + static_cast<std::ptrdiff_t>(end)},
                                   sample_rate));
    begin = end;
  }
  return s;
}

// Every (case, offset) where `p` occurs.
inline std::vector<fm::Occurrence> brute_occurrences(const std::vector<std::vector<int32_t>>& cases,
                                                     const std::vector<int32_t>& p) {
  std::vector<fm::Occurrence> out;
  for (uint32_t d = 0; d < cases.size(); ++d) {
    const auto& c = cases[d];
    for (size_t i = 0; i + p.size() <= c.size(); ++i)
      if (std::equal(p.begin(), p.end(), c.begin() + static_cast<long>(i)))
        out.push_back({d, static_cast<uint32_t>(i)});
  }
  return out;
}

inline std::vector<fm::TokenCount> brute_next(const std::vector<std::vector<int32_t>>& cases,
                                              const std::vector<int32_t>& p) {
  std::map<int32_t, uint64_t> m;
  for (const auto& c : cases)
    for (size_t i = 0; i + p.size() < c.size(); ++i)
      if (std::equal(p.begin(), p.end(), c.begin() + static_cast<long>(i))) ++m[c[i + p.size()]];
  std::vector<fm::TokenCount> out;
  for (auto [t, n] : m) out.push_back({t, n});
  return out;
}

// Random texts with a skewed alphabet so that long repeats exist.
inline std::vector<std::vector<int32_t>> random_cases(std::mt19937& rng, int n_cases, int max_len,
                                                      int sigma) {
  std::vector<std::vector<int32_t>> cases(static_cast<size_t>(n_cases));
  std::geometric_distribution<int> geo(0.25);
  for (auto& c : cases) {
    int len = std::uniform_int_distribution<int>(0, max_len)(rng);
    for (int i = 0; i < len; ++i) c.push_back(std::min(geo(rng), sigma - 1) + 4);
  }
  return cases;
}

// A pattern drawn from the text (so that most have hits), sometimes mutated.
inline std::vector<int32_t> random_pattern(std::mt19937& rng,
                                           const std::vector<std::vector<int32_t>>& cases,
                                           size_t len) {
  std::vector<int32_t> p;
  const auto& c = cases[std::uniform_int_distribution<size_t>(0, cases.size() - 1)(rng)];
  if (c.size() < len) return {4};
  size_t at = std::uniform_int_distribution<size_t>(0, c.size() - len)(rng);
  p.assign(c.begin() + static_cast<long>(at), c.begin() + static_cast<long>(at + len));
  if (rng() % 5 == 0) p.back() = static_cast<int32_t>(rng() % 12) + 3;
  return p;
}

}  // namespace lcr::test
