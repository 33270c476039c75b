// The torch-free facade: checks and bookkeeping here, tensors in the plugin.
#include "lcr/model/step_model.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "lcr/core/error.h"
#include "lcr/core/tokenizer.h"
#include "lcr/model/torch_plugin.h"

namespace lcr {

std::string resolve_device(const std::string& requested) {
  if (requested == "cpu") return "cpu";
  if (requested == "cuda") {
    if (!torch_model_api().cuda_available())
      throw Error("--device cuda: no CUDA device is visible to libtorch (use --device cpu)");
    return "cuda";
  }
  if (requested == "auto") return torch_model_api().cuda_available() ? "cuda" : "cpu";
  throw Error("--device must be auto, cpu or cuda, not '" + requested + "'");
}

void set_torch_threads(int threads) {
  if (threads < 0) throw Error("--threads must be >= 0 (0 = all cores)");
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch_model_api().set_threads(threads);
}

Checkpoint random_checkpoint(const ModelOptions& options, uint64_t seed, uint64_t tokenizer_hash) {
  options.validate();
  Checkpoint c;
  c.options = options;
  c.tokenizer_hash = tokenizer_hash;
  c.model_state = torch_model_api().random_state(options, seed);
  return c;
}

struct TorchStepModel::Impl {
  std::unique_ptr<StepModel> backend;  // lives in the plugin
  ModelOptions options;
  std::vector<int32_t> first_tokens;
  std::string data_manifest;
  std::string device;
  std::vector<std::string> charge_names;
};

TorchStepModel::TorchStepModel(const Checkpoint& c, const std::string& device,
                               const std::string& origin)
    : impl_(std::make_unique<Impl>()) {
  c.options.validate();
  impl_->device = resolve_device(device);
  impl_->options = c.options;
  impl_->first_tokens = c.first_tokens;
  impl_->data_manifest = c.data_manifest;
  if (c.options.charge_classes > 0) {
    const auto state = nlohmann::json::parse(c.trainer_state, nullptr, false);
    if (state.is_object() && state.contains("charge_names") && state["charge_names"].is_array())
      for (const auto& n : state["charge_names"])
        if (n.is_string()) impl_->charge_names.push_back(n.get<std::string>());
    if (impl_->charge_names.size() != static_cast<size_t>(c.options.charge_classes))
      throw Error(origin + ": the model has a charge head of " +
                  std::to_string(c.options.charge_classes) +
                  " classes but its trainer state names " +
                  std::to_string(impl_->charge_names.size()) + " charges (charge_names)");
  }
  impl_->backend = torch_model_api().make_step_model(c, impl_->device, origin);
}

std::unique_ptr<TorchStepModel> TorchStepModel::load(const std::string& path,
                                                     const Tokenizer& tokenizer,
                                                     const std::string& tokenizer_path,
                                                     const std::string& device) {
  Checkpoint c = load_checkpoint(path);
  check_tokenizer(c, path, tokenizer, tokenizer_path);
  return std::make_unique<TorchStepModel>(c, device, path);
}

TorchStepModel::~TorchStepModel() = default;

int TorchStepModel::vocab_size() const { return impl_->options.vocab_size; }
int TorchStepModel::bos_id() const { return impl_->options.bos_id; }
int TorchStepModel::eos_id() const { return impl_->options.eos_id; }
int TorchStepModel::max_steps() const { return impl_->options.max_target_len; }
const std::vector<int32_t>& TorchStepModel::first_tokens() const { return impl_->first_tokens; }
const std::string& TorchStepModel::data_manifest() const { return impl_->data_manifest; }
bool TorchStepModel::anonymised_sources() const {
  // {"manifest": {"options": {"anonymise_sources": true}}} as train.cc records it; a
  // manifest without the field (older data) means verbatim sources.
  const auto m = nlohmann::json::parse(impl_->data_manifest, nullptr, false);
  const nlohmann::json* j = &m;
  for (const char* key : {"manifest", "options", "anonymise_sources"}) {
    if (!j->is_object() || !j->contains(key)) return false;
    j = &(*j)[key];
  }
  return j->is_boolean() && j->get<bool>();
}
const ModelOptions& TorchStepModel::options() const { return impl_->options; }
const std::string& TorchStepModel::device() const { return impl_->device; }

void TorchStepModel::start(const std::vector<std::vector<int32_t>>& sources) {
  impl_->backend->start(sources);
}

std::vector<std::vector<float>> TorchStepModel::source_charges() const {
  return impl_->backend->source_charges();
}
const std::vector<std::string>& TorchStepModel::charge_names() const {
  return impl_->charge_names;
}

void TorchStepModel::step(const std::vector<int32_t>& parents, const std::vector<int32_t>& tokens,
                          std::vector<float>* log_probs) {
  impl_->backend->step(parents, tokens, log_probs);
}

}  // namespace lcr
