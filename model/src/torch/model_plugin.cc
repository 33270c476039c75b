// liblcr_torch_model.so's entry point: the StepModel over the transformer (torch_plugin.h).
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

#include "lcr/core/error.h"
#include "lcr/model/torch_plugin.h"
#include "lcr/model/transformer.h"

namespace lcr {
namespace {

// InferenceMode (libtorch >= 1.9) skips autograd bookkeeping entirely; NoGradGuard before.
#if TORCH_VERSION_MAJOR > 1 || (TORCH_VERSION_MAJOR == 1 && TORCH_VERSION_MINOR >= 9)
using InferenceGuard = c10::InferenceMode;
#else
using InferenceGuard = torch::NoGradGuard;
#endif

class TransformerStepModel : public StepModel {
 public:
  TransformerStepModel(const Checkpoint& c, const std::string& device, const std::string& origin)
      : device_(device), model_(c.options) {
    module_from_bytes(*model_, c.model_state, origin);
    model_->to(device_);
    model_->eval();
  }
  int vocab_size() const override { return model_->options.vocab_size; }
  int bos_id() const override { return model_->options.bos_id; }
  int eos_id() const override { return model_->options.eos_id; }

  void start(const std::vector<std::vector<int32_t>>& sources) override {
    if (sources.empty()) throw Error("model: start() needs at least one source");
    InferenceGuard guard;
    std::vector<std::vector<int64_t>> rows;
    rows.reserve(sources.size());
    for (const auto& s : sources) rows.push_back(model_->prepare_source(s));
    auto src = model_->pad_batch(rows, device_);
    auto memory = model_->encode(src);
    cache_ = model_->start(src, memory);
    charges_.clear();
    if (model_->charge_head) {
      auto p = torch::softmax(model_->charge_logits(memory, src).to(torch::kFloat), -1)
                   .to(torch::kCPU)
                   .contiguous();
      const int64_t n = p.size(0), k = p.size(1);
      const float* d = p.data_ptr<float>();
      for (int64_t i = 0; i < n; ++i) charges_.emplace_back(d + i * k, d + (i + 1) * k);
    }
    started_ = true;
  }

  std::vector<std::vector<float>> source_charges() const override { return charges_; }

  void step(const std::vector<int32_t>& parents, const std::vector<int32_t>& tokens,
            std::vector<float>* log_probs) override {
    if (!started_) throw Error("model: step() before start()");
    if (parents.size() != tokens.size() || parents.empty())
      throw Error("model: step() needs as many tokens as parents, and at least one row");
    const auto& o = model_->options;
    const bool first = cache_.position == 0;
    for (int32_t id : tokens) {
      if (id < 0 || id >= o.vocab_size)
        throw Error("model: step token " + std::to_string(id) + " outside the vocabulary");
      if (first && id != o.bos_id)
        throw Error("model: the first step must feed bos_id (" + std::to_string(o.bos_id) +
                    "), got " + std::to_string(id));
    }
    InferenceGuard guard;
    std::vector<int64_t> p(parents.begin(), parents.end()), t(tokens.begin(), tokens.end());
    auto tok = torch::tensor(t, torch::kLong).to(device_);
    auto lp = torch::log_softmax(model_->step(cache_, p, tok).to(torch::kFloat), -1)
                  .to(torch::kCPU)
                  .contiguous();
    log_probs->resize(static_cast<size_t>(lp.numel()));
    std::memcpy(log_probs->data(), lp.data_ptr<float>(), log_probs->size() * sizeof(float));
  }

 private:
  torch::Device device_;
  Transformer model_;
  DecoderCache cache_;
  std::vector<std::vector<float>> charges_;  // per source of the last start(), when a head
  bool started_ = false;
};

std::unique_ptr<StepModel> make_step_model(const Checkpoint& c, const std::string& device,
                                           const std::string& origin) {
  return std::make_unique<TransformerStepModel>(c, device, origin);
}

std::string random_state(const ModelOptions& options, uint64_t seed) {
  torch::manual_seed(seed);
  Transformer model(options);
  return module_to_bytes(*model);
}

bool cuda_available() { return torch::cuda::is_available(); }
// Debian's libtorch runs its GEMMs in OpenBLAS (pthread build), whose thread pool is apart
// from libtorch's OpenMP one: size both, unless OPENBLAS_NUM_THREADS says otherwise.
void set_threads(int threads) {
  torch::set_num_threads(threads);
  if (std::getenv("OPENBLAS_NUM_THREADS")) return;
  if (void* h = ::dlopen("libopenblas.so.0", RTLD_NOW | RTLD_NOLOAD)) {
    if (auto* f = reinterpret_cast<void (*)(int)>(::dlsym(h, "openblas_set_num_threads")))
      f(threads);
    ::dlclose(h);
  }
}

const TorchModelApi kApi = {kTorchModelApiVersion, make_step_model, random_state, cuda_available,
                            set_threads};

}  // namespace
}  // namespace lcr

extern "C" __attribute__((visibility("default"))) const lcr::TorchModelApi* lcr_torch_model_api() {
  return &lcr::kApi;
}
