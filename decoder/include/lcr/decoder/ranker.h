// Ranking cases from generated elements (SEAL's scoring, with LegalSearchLM's elements).
//
// Each element n with model log-probability log P(n|q) and corpus count F(n) over N tokens
// gets the weight
//     w(n) = max(0, log[P(n|q)(1 - P(n))] - log[P(n)(1 - P(n|q))])^alpha,
//     P(n) = (F(n) + 5) / (N + 5),
// so frequent spans weigh little and rare, probable ones a lot. Elements occurring at most
// `max_count` times are located (at most `max_occurrences` occurrences each); a case's score
// is the sum of the weights of its distinct matched elements, each counted once per case and
// only where it does not overlap a span already credited in that case (heaviest first).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "lcr/fmindex/sharded.h"

namespace lcr {

struct RankOptions {
  double alpha = 2.0;
  uint64_t max_count = 1500;       // elements more frequent than this are not located
  size_t max_occurrences = 1000;   // occurrences located per element
  size_t top_k = 10;               // cases returned
  void validate() const;           // throws lcr::Error naming the bad option
};

struct RankElement {
  std::vector<int32_t> tokens;
  double logprob = 0;
  fm::State state;   // its interval in the index (count = corpus frequency)
  double weight = 0;       // filled by rank()
  uint64_t located = 0;    // occurrences located, filled by rank()
};

struct CaseMatch {
  size_t element;   // index into the elements given to rank()
  uint32_t offset;  // token offset of the credited occurrence in the case
};

struct RankedCase {
  uint32_t case_index;
  double score;
  std::vector<CaseMatch> matches;  // heaviest element first
};

/// The weight above; `corpus_tokens` is N.
double element_weight(double logprob, uint64_t count, uint64_t corpus_tokens, double alpha);

/// Occurrences located so far, sorted, by element tokens. Locating is most of ranking's time,
/// and the sources of one query (the whole query and its parts) generate many of the same
/// elements: rank_cases calls that share a cache (same index, same max_occurrences) locate
/// each of them once.
using LocateCache = std::map<std::vector<int32_t>, std::vector<fm::Occurrence>>;

/// Scores the cases the elements locate to and returns the best `top_k` (score descending,
/// then case index). Fills each element's weight and located count. Empty when nothing
/// locates. With a `cache`, occurrences are taken from it and added to it; the result is
/// the same as without.
std::vector<RankedCase> rank_cases(const fm::ShardedFm& index, std::vector<RankElement>& elements,
                                   const RankOptions& options, LocateCache* cache = nullptr);

}  // namespace lcr
