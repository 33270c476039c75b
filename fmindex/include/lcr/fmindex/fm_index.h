// FM-index over the token ids of all cases of a corpus.
//
// Text layout: every case's token ids, shifted by 2 (0 is sdsl's end marker, 1 separates
// cases), are written *reversed*, each case followed by the separator. Backward search on
// this text extends a pattern to the right in reading order, so a PrefixState is extended
// one token at a time and the BWT symbols inside its interval are exactly the tokens that
// follow the prefix in the corpus. Patterns never contain the separator, so no match
// crosses two cases.
//
// Structures (docs/fmindex.md has the measured sizes): a Huffman-shaped wavelet tree with
// plain bit vectors and rank_support_v5 over the BWT (about H0 + 6% bits per token), the C
// array, suffix-array samples at every `sample_rate`-th text position (a sparse marker
// vector and the sampled positions), and the start of every case (sparse vector) to map a
// text position to a case id.
//
// All public ids are tokenizer (sentencepiece) ids. Thread-safety: a loaded index is
// immutable; all const members may be called concurrently.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace lcr::fm {

/// The index interval [lo, hi) of a token sequence: 24 bytes, copied freely by beams.
struct PrefixState {
  uint64_t lo = 0;
  uint64_t hi = 0;
  uint32_t length = 0;  // tokens in the prefix
  bool empty() const { return hi <= lo; }
  uint64_t count() const { return hi > lo ? hi - lo : 0; }
};

struct TokenCount {
  int32_t token;
  uint64_t count;
  bool operator==(const TokenCount& o) const { return token == o.token && count == o.count; }
};

struct Occurrence {
  uint32_t case_index;  // 0-based position of the case in the corpus
  uint32_t offset;      // token offset of the match's first token within the case
  bool operator==(const Occurrence& o) const {
    return case_index == o.case_index && offset == o.offset;
  }
  bool operator<(const Occurrence& o) const {
    return case_index != o.case_index ? case_index < o.case_index : offset < o.offset;
  }
};

struct DocFreq {
  uint64_t value;  // exact distinct cases, or an upper bound when !exact
  bool exact;
};

/// Sizes in bytes of each part, as serialized.
struct SpaceBreakdown {
  uint64_t wavelet_tree = 0, c_array = 0, sample_marks = 0, samples = 0, case_starts = 0;
  uint64_t total() const { return wavelet_tree + c_array + sample_marks + samples + case_starts; }
};

class FmIndex {
 public:
  /// Builds from per-case token ids (sentencepiece ids in [0, 65533]). `sample_rate` is the
  /// text-order SA sampling step (locate costs at most sample_rate-1 LF steps).
  static FmIndex build(const std::vector<std::vector<int32_t>>& cases, uint32_t sample_rate = 32);
  /// Builds from the already laid-out text (see the file comment; no trailing 0) and case
  /// starts; the builder uses this to avoid a copy. `text` is consumed.
  static FmIndex build_from_text(std::vector<uint16_t>&& text, std::vector<uint64_t> case_starts,
                                 uint32_t sample_rate);

  FmIndex();
  FmIndex(FmIndex&&) noexcept;
  FmIndex& operator=(FmIndex&&) noexcept;
  ~FmIndex();

  /// Serializes the structures; returns bytes written.
  uint64_t serialize(std::ostream& out) const;
  /// Loads what serialize() wrote; throws lcr::Error("<what>: ...") on malformed input.
  void load(std::istream& in, const std::string& what);

  /// Number of indexed tokens (case tokens only, without separators).
  uint64_t num_tokens() const;
  uint32_t num_cases() const;
  uint32_t case_length(uint32_t case_index) const;
  uint32_t sample_rate() const;
  SpaceBreakdown space() const;

  /// The empty prefix: every position; count() is num_tokens().
  PrefixState root() const;
  /// Appends `token` to the prefix: one wavelet-tree walk computing both ranks, O(H0).
  /// Empty result if it never follows.
  PrefixState extend(const PrefixState& s, int32_t token) const;
  /// Whether `token` follows the prefix somewhere: extend's walk, which stops at the first
  /// level where the interval is empty.
  bool can_follow(const PrefixState& s, int32_t token) const;
  /// extend() of one token in several indexes (the shards of one corpus) at once: their
  /// wavelet-tree walks advance together, so the memory latencies overlap. n <= 64.
  static void extend_many(const FmIndex* const* indexes, const PrefixState* in, PrefixState* out,
                          size_t n, int32_t token);
  /// Backward search of a whole sequence from root().
  PrefixState find(const std::vector<int32_t>& tokens) const;
  uint64_t count(const PrefixState& s) const { return s.count(); }

  /// Every distinct token that follows the prefix, with its count, in token order.
  /// O(k log sigma) for k distinct successors.
  void next_tokens(const PrefixState& s, std::vector<TokenCount>* out) const;
  /// The `k` most frequent successors, most frequent first (ties: smaller token first is not
  /// guaranteed; compare as multisets). Best-first walk of the wavelet tree: it touches only
  /// the nodes whose interval can still hold a top-k token.
  void next_tokens_topk(const PrefixState& s, size_t k, std::vector<TokenCount>* out) const;

  /// Up to `limit` occurrences (all when limit == 0) of the prefix, in BWT order (not
  /// sorted). Each costs at most sample_rate-1 LF steps.
  void locate(const PrefixState& s, size_t limit, std::vector<Occurrence>* out) const;
  /// Distinct cases holding the prefix: exact when count() <= exact_limit (by locating every
  /// occurrence), otherwise min(count, num_cases) as an upper bound.
  DocFreq doc_freq(const PrefixState& s, uint64_t exact_limit = 4096) const;

  /// The token ids of one case in reading order (LF walk; for tests and tools).
  std::vector<int32_t> extract_case(uint32_t case_index) const;

  struct Impl;  // opaque: keeps sdsl out of this header

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lcr::fm
