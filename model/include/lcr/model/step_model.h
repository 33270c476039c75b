// The transformer behind the decoder's StepModel seam: encodes a batch of sources once, then
// runs one decoder position per step() for all hypotheses against a key/value cache. No
// libtorch types here (pimpl), so the decoder compiles without libtorch headers; the tensors
// live in the liblcr_torch_model.so plugin, loaded on first use (torch_plugin.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lcr/decoder/step_model.h"
#include "lcr/model/checkpoint.h"
#include "lcr/model/options.h"

namespace lcr {

class Tokenizer;

/// "auto" -> "cuda" when libtorch sees a GPU, else "cpu"; "cpu" and "cuda" as given
/// ("cuda" throws lcr::Error when no GPU is visible); anything else throws.
std::string resolve_device(const std::string& requested);

/// Sets libtorch's intra-op thread count; 0 = the number of hardware cores.
void set_torch_threads(int threads);

/// A checkpoint of a freshly initialised model (seeded; no optimizer state, step 0), for
/// benchmarks and tests that need weights but no training.
Checkpoint random_checkpoint(const ModelOptions& options, uint64_t seed,
                             uint64_t tokenizer_hash = 0);

class TorchStepModel : public StepModel {
 public:
  /// Builds the model from a verified checkpoint on `device` ("auto" | "cpu" | "cuda").
  /// The caller has checked the tokenizer (check_tokenizer). Runs in inference mode.
  explicit TorchStepModel(const Checkpoint& checkpoint, const std::string& device = "cpu",
                          const std::string& origin = "checkpoint");
  /// Loads `checkpoint_path` and refuses it unless it was trained with `tokenizer`.
  static std::unique_ptr<TorchStepModel> load(const std::string& checkpoint_path,
                                              const Tokenizer& tokenizer,
                                              const std::string& tokenizer_path,
                                              const std::string& device = "cpu");
  ~TorchStepModel() override;

  int vocab_size() const override;
  int bos_id() const override;
  int eos_id() const override;
  /// Truncates each source to max_source_len - 1 tokens and appends EOS (as in training),
  /// encodes them as one batch and clears the cache. Cost: one encoder pass.
  void start(const std::vector<std::vector<int32_t>>& sources) override;
  /// See StepModel::step. Cost: one decoder position for parents.size() rows; the
  /// cross-attention keys/values are re-gathered only when the row -> source map changes.
  /// Throws lcr::Error for a parent out of range, a token out of the vocabulary, a first
  /// token other than BOS, or a step past max_target_len.
  void step(const std::vector<int32_t>& parents, const std::vector<int32_t>& tokens,
            std::vector<float>* log_probs) override;
  /// See StepModel::source_charges; entry k is the probability of charge_names()[k].
  std::vector<std::vector<float>> source_charges() const override;
  /// The charge head's classes (the trainer state's charge_names); empty without a head.
  const std::vector<std::string>& charge_names() const;

  /// Decoder positions available per hypothesis (BOS included): max_target_len.
  int max_steps() const;
  /// The first-token set saved with the model (sentencepiece ids; may be empty).
  const std::vector<int32_t>& first_tokens() const;
  /// What the model was trained from (the checkpoint's data manifest, JSON).
  const std::string& data_manifest() const;
  /// Whether its training sources were anonymised (`lcr train data --anonymise-sources`):
  /// then queries should be too (traindata::anonymise).
  bool anonymised_sources() const;
  const ModelOptions& options() const;
  /// "cpu" or "cuda".
  const std::string& device() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lcr
