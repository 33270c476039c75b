// The seam between beam search and the neural model. The decoder drives any StepModel: the
// libtorch transformer (model/), or a fake in tests that makes exhaustive checks possible.
// No libtorch types cross this header.
#pragma once

#include <cstdint>
#include <vector>

namespace lcr {

class StepModel {
 public:
  virtual ~StepModel() = default;

  /// Size of the output distribution: sentencepiece ids [0, vocab_size()).
  virtual int vocab_size() const = 0;
  virtual int bos_id() const = 0;
  virtual int eos_id() const = 0;

  /// Encodes a batch of sources (sentencepiece ids, already truncated or not: the model
  /// truncates to its max source length) and clears the decoder's key/value cache.
  virtual void start(const std::vector<std::vector<int32_t>>& sources) = 0;

  /// One decoder step for `parents.size()` rows (hypotheses), batched in one model call.
  /// On the first call after start(): row r starts a hypothesis for source `parents[r]` and
  /// `tokens[r]` must be bos_id(). On later calls: row r continues row `parents[r]` of the
  /// previous call, which it extends with `tokens[r]`; the cache is gathered accordingly,
  /// so a step costs one position, not the whole prefix.
  /// Writes rows × vocab_size() log-probabilities (row-major) into `log_probs`.
  virtual void step(const std::vector<int32_t>& parents, const std::vector<int32_t>& tokens,
                    std::vector<float>* log_probs) = 0;

  /// After start(): per source, the probability of each charge class of the model's charge
  /// head (`lcr train --charge-loss`), from the same encoder pass. Empty when it has none.
  virtual std::vector<std::vector<float>> source_charges() const { return {}; }
};

}  // namespace lcr
