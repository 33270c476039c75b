// Unconstrained beam search (greedy with beam 1) over any StepModel, for inspecting a
// trained model with `lcr generate` and for tests. The FM-index-constrained search lives in
// decoder/; this one knows nothing of the corpus.
#pragma once

#include <cstdint>
#include <vector>

#include "lcr/decoder/step_model.h"

namespace lcr {

struct PlainSearchOptions {
  int beam = 4;      // hypotheses kept per step; 1 = greedy
  int max_len = 64;  // tokens generated at most (EOS included)
  int top = 0;       // hypotheses returned; 0 = beam
  /// When non-empty, the first generated token must be one of these ids.
  std::vector<int32_t> first_tokens;
  void validate() const;  // throws lcr::Error naming the bad field
};

struct PlainHypothesis {
  std::vector<int32_t> tokens;  // generated ids, EOS excluded
  double log_prob = 0;          // sum of token log-probabilities (EOS included if finished)
  bool finished = false;        // ended with EOS (otherwise cut at max_len)
};

/// Best hypotheses for one source, highest log_prob first. A finished hypothesis is final;
/// the search stops once no live one can beat the beam-th finished (scores only fall).
/// Cost: at most max_len StepModel steps of <= beam rows.
std::vector<PlainHypothesis> plain_beam_search(StepModel& model, const std::vector<int32_t>& source,
                                               const PlainSearchOptions& options);

}  // namespace lcr
