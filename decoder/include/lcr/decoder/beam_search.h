// Beam search for legal elements, constrained by the FM-index: a hypothesis may only be
// extended by a token that follows its prefix somewhere in the corpus, so every element it
// returns occurs verbatim in at least one case.
//
// The constraint is applied lazily (GENERATIVE.md): per hypothesis, the model's tokens are
// walked from most to least probable and each is tested with one FM-index extension, until
// enough allowed tokens are found; when the walk runs out, the allowed set is listed from the
// index. Both give exactly what masking the whole vocabulary would.
//
// All live hypotheses of all queries go to the model in one StepModel::step() per step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lcr/decoder/step_model.h"
#include "lcr/fmindex/sharded.h"

namespace lcr {

struct BeamSearchOptions {
  int beam_size = 10;           // live hypotheses per query
  int max_length = 12;          // tokens per element (an element is cut there)
  int min_length = 2;           // end-of-sequence is allowed from this length on
  int num_elements = 20;        // finished elements returned per query
  float length_penalty = 0.0f;  // final score = logprob / length^length_penalty
  int max_per_first_token = 0;  // diversity: live hypotheses sharing a first token (0 = any)
  bool constrained = true;      // false: plain beam search (for comparison)
  /// Throws lcr::Error naming the first bad option.
  void validate() const;
};

struct Element {
  std::vector<int32_t> tokens;  // without end-of-sequence
  float logprob = 0;            // model log-probability of the tokens (and of EOS if it ended so)
  float score = 0;              // logprob after the length penalty: the beam's ranking key
  uint64_t corpus_count = 0;    // occurrences of `tokens` in the corpus (0 when unconstrained)
  fm::State state;              // its FM-index interval (empty when unconstrained)
};

struct SearchTimings {
  double model_seconds = 0;
  double index_seconds = 0;  // FM-index work of the constraint
  double other_seconds = 0;  // candidate selection and bookkeeping
  uint64_t steps = 0;        // model calls
  uint64_t rows = 0;         // hypotheses scored over all steps
  // The constraint's index calls by kind (for bench decode): tests of one token, states of
  // the continuations the beam keeps, and successor listings of rare prefixes.
  uint64_t follow_calls = 0, extend_calls = 0, list_calls = 0;
  double follow_seconds = 0, extend_seconds = 0, list_seconds = 0;
};

class BeamSearch {
 public:
  /// `index` may be null only when options.constrained is false. `first_tokens` restricts
  /// step one (core first-token set); empty means any token.
  BeamSearch(StepModel& model, const fm::ShardedFm* index, BeamSearchOptions options,
             std::vector<int32_t> first_tokens = {});

  /// Elements for each source, best first.
  std::vector<std::vector<Element>> run(const std::vector<std::vector<int32_t>>& sources);
  const SearchTimings& timings() const { return timings_; }

 private:
  StepModel& model_;
  const fm::ShardedFm* index_;
  BeamSearchOptions options_;
  std::vector<int32_t> first_tokens_;
  SearchTimings timings_;
};

}  // namespace lcr
