// Several FM-index shards queried as one index.
//
// A corpus too large to index in one piece on one machine is cut into shards of consecutive
// cases, each its own FmIndex (lcr index build --shard-tokens). ShardedFm answers every query
// of the FmIndex API over their union: a State holds the interval of the sequence in every
// shard (so a beam still extends a prefix by one token without re-searching it), counts
// and successor counts are summed, and occurrences carry global case ids (a shard's cases
// are numbered after those of the shards before it). A one-shard ShardedFm costs one
// predictable branch over a bare FmIndex, so the decoder uses this type everywhere.
//
// Limits: at most kMaxShards shards, each under 2^32 text symbols (its tokens plus one
// separator per case), 2^32 - 1 cases in all. Thread-safety: immutable after construction.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "lcr/fmindex/fm_index.h"

namespace lcr::fm {

inline constexpr uint32_t kMaxShards = 32;

/// The interval of a token sequence in every shard: what a beam hypothesis carries.
struct State {
  struct Range {
    uint32_t lo = 0, hi = 0;
  };
  uint64_t total = 0;   // occurrences over all shards
  uint32_t length = 0;  // tokens in the sequence
  uint32_t shards = 0;  // entries of `range` in use
  std::array<Range, kMaxShards> range{};
  bool empty() const { return total == 0; }
  uint64_t count() const { return total; }
};

class ShardedFm {
 public:
  ShardedFm() = default;
  /// A one-shard index.
  explicit ShardedFm(FmIndex shard);
  /// Appends a shard; its cases get the next global ids. Throws lcr::Error past the limits.
  void add_shard(FmIndex shard);

  size_t num_shards() const { return shards_.size(); }
  const FmIndex& shard(size_t i) const { return shards_[i]; }
  /// Global id of the first case of shard `i`.
  uint32_t first_case(size_t i) const { return first_case_[i]; }
  /// The shard holding global case `d`, and its id there.
  size_t shard_of(uint32_t d, uint32_t* local) const;

  uint64_t num_tokens() const { return tokens_; }
  uint32_t num_cases() const { return cases_; }
  uint32_t case_length(uint32_t d) const;
  uint32_t sample_rate() const { return shards_.empty() ? 0 : shards_[0].sample_rate(); }
  SpaceBreakdown space() const;

  State root() const;
  State extend(const State& s, int32_t token) const;
  /// Whether `token` follows the sequence in some shard; stops at the first that says yes.
  bool can_follow(const State& s, int32_t token) const;
  State find(const std::vector<int32_t>& tokens) const;

  /// Every distinct successor with its count summed over shards, in token order.
  void next_tokens(const State& s, std::vector<TokenCount>* out) const;
  /// The `k` most frequent successors, most frequent first (ties by smaller token when the
  /// index has several shards; one shard: as FmIndex::next_tokens_topk).
  void next_tokens_topk(const State& s, size_t k, std::vector<TokenCount>* out) const;
  /// Up to `limit` occurrences (all when 0) with global case ids. A limit below the count is
  /// shared among shards in proportion to their counts, so no shard is left out because of
  /// its place in the list.
  void locate(const State& s, size_t limit, std::vector<Occurrence>* out) const;
  /// The distinct cases of those occurrences (`locate` with the same limit), ascending.
  std::vector<uint32_t> locate_cases(const State& s, size_t limit) const;
  /// Distinct cases: the per-shard figures summed (shards hold disjoint cases); exact when
  /// every shard's count is at most `exact_limit`.
  DocFreq doc_freq(const State& s, uint64_t exact_limit = 4096) const;
  std::vector<int32_t> extract_case(uint32_t d) const;

 private:
  static PrefixState part(const State& s, size_t i) {
    return {s.range[i].lo, s.range[i].hi, s.length};
  }
  std::vector<FmIndex> shards_;
  std::vector<uint32_t> first_case_;
  uint64_t tokens_ = 0;
  uint32_t cases_ = 0;
};

}  // namespace lcr::fm
