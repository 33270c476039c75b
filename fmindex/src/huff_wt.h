// The wavelet tree over the BWT and the rank-pair walk that backward search uses (internal
// to lcr_fmindex; tests/fmindex_test.cc includes it too).
#pragma once

#include <cstdint>
#include <sdsl/wavelet_trees.hpp>
#include <utility>

namespace lcr::fm {

// Huffman-shaped wavelet tree over the integer alphabet with plain bit vectors and the
// light rank_support_v5 (6.25% over the bits); select is never used by the search, so the
// scan variants, which cost no space, stand in for it.
using HuffWt = sdsl::wt_huff_int<sdsl::bit_vector, sdsl::rank_support_v5<>,
                                 sdsl::select_support_scan<1>, sdsl::select_support_scan<0>>;

/// {rank(i, c), rank(j, c)} for i <= j <= wt.size(), when c occurs in [i, j). Otherwise
/// some {r, r}: the walk stops at the first level where the interval becomes empty, so r is
/// then not a rank (extend and can_follow only need to know that the interval is empty).
///
/// Why not two wt.rank() calls: each is a root-to-leaf walk, so the same path is walked
/// twice, one walk after the other, and every level's cache misses are paid twice in
/// sequence. Here each level reads the lo and hi rank words together, so their misses
/// overlap, and for a narrow interval (the common case when decoding) the hi side mostly
/// hits the lines the lo side just loaded. A token that does not follow usually empties
/// the interval near the root, where the walk then stops. Written against sdsl's public
/// node interface (wt_pc's members are private, so a subclass could not reach them): the
/// wavelet tree type, and so the serialized index, stay as they were.
template <class Wt>
std::pair<uint64_t, uint64_t> interval_rank(const Wt& wt, uint64_t i, uint64_t j, uint64_t c) {
  if (i >= j) return {i, i};
  auto root = wt.root();
  if (wt.is_leaf(root)) return wt.sym(root) == c ? std::make_pair(i, j) : std::make_pair(i, i);
  // symbol_gte also guards path(): for an absent symbol it would shift by 64.
  if (wt.symbol_gte(c) != std::pair<bool, typename Wt::value_type>{true, c}) return {i, i};
  // `depth` turns, the root's in the highest bit; 1 = right.
  const auto [depth, path] = wt.path(c);
  auto v = root;
  for (uint64_t l = depth; l-- > 0;) {
    const int b = static_cast<int>((path >> l) & 1);
    // Both children's ranges from one pair of rank reads (expand takes [s, e] inclusive).
    const auto ranges = wt.expand(v, sdsl::range_type{{i, j - 1}});
    i = ranges[b][0];
    j = ranges[b][1] + 1;
    if (i == j) return {i, i};
    v = wt.expand(v)[b];
  }
  return {i, j};
}

/// interval_rank for one symbol in several trees at once (the shards of one index): the
/// walks advance a level at a time together, so each round's cache misses, one chain per
/// tree, are in flight at the same time instead of one chain after another. in[k] = {i, j}
/// for tree k; out[k] as interval_rank would return it. n <= 64.
template <class Wt>
void interval_rank_many(const Wt* const* wts, const std::pair<uint64_t, uint64_t>* in,
                        std::pair<uint64_t, uint64_t>* out, size_t n, uint64_t c) {
  struct Walk {
    typename Wt::node_type v;
    uint64_t level;  // turns left
    uint64_t path;
  };
  Walk w[64];
  uint64_t active = 0;  // bit k: walk k still descending
  for (size_t k = 0; k < n; ++k) {
    const Wt& wt = *wts[k];
    uint64_t i = in[k].first, j = in[k].second;
    out[k] = {i, i};
    if (i >= j) continue;
    auto root = wt.root();
    if (wt.is_leaf(root)) {
      if (wt.sym(root) == c) out[k] = {i, j};
      continue;
    }
    if (wt.symbol_gte(c) != std::pair<bool, typename Wt::value_type>{true, c}) continue;
    const auto [depth, path] = wt.path(c);
    w[k] = {root, depth, path};
    out[k] = {i, j};
    active |= uint64_t{1} << k;
  }
  while (active) {
    for (uint64_t a = active; a; a &= a - 1) {
      const size_t k = static_cast<size_t>(__builtin_ctzll(a));
      const Wt& wt = *wts[k];
      Walk& x = w[k];
      auto& [i, j] = out[k];
      const int b = static_cast<int>((x.path >> --x.level) & 1);
      const auto ranges = wt.expand(x.v, sdsl::range_type{{i, j - 1}});
      i = ranges[b][0];
      j = ranges[b][1] + 1;
      if (i == j) {
        active &= ~(uint64_t{1} << k);
        continue;
      }
      if (x.level == 0) {
        active &= ~(uint64_t{1} << k);
        continue;
      }
      x.v = wt.expand(x.v)[b];
    }
  }
}

}  // namespace lcr::fm
