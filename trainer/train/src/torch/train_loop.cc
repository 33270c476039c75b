// liblcr_torch_trainer.so: the optimizer steps. Exact resume rests on three things saved in
// every checkpoint: the parameters and AdamW state, the data position (epoch, next batch;
// batch order is a pure function of seed and epoch), and per-step dropout seeding
// (seed, step).
#include <ATen/autocast_mode.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../progress_line.h"
#include "../trainer_plugin.h"
#include "lcr/core/error.h"
#include "lcr/model/transformer.h"

namespace lcr::train_detail {
namespace {

// Whether this CPU does bf16 arithmetic natively (oneDNN then runs bf16 matrix products at
// several times the fp32 rate); without it bf16 is emulated and slower than fp32.
bool cpu_has_native_bf16() {
#if defined(__x86_64__) && defined(__GNUC__)
  return __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16");
#else
  return false;
#endif
}

// bf16 autocast for the forward pass, on CUDA or the CPU (no loss scaling needed with bf16).
class Autocast {
 public:
  Autocast(bool on, bool cuda) : on_(on), cuda_(cuda) {
    if (on_) set(true);
  }
  ~Autocast() {
    if (!on_) return;
    set(false);
    at::autocast::clear_cache();
  }

 private:
  void set(bool on) const {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    const auto type = cuda_ ? at::kCUDA : at::kCPU;
    at::autocast::set_autocast_dtype(type, at::kBFloat16);
    at::autocast::set_autocast_enabled(type, on);
#else
    if (cuda_) {
      at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
      at::autocast::set_enabled(on);
    } else {
      at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
      at::autocast::set_cpu_enabled(on);
    }
#endif
  }
  bool on_, cuda_;
};

double learning_rate(const TrainOptions& o, int64_t step) {  // step: 0-based, being taken
  if (step < o.warmup_steps) return o.lr * double(step + 1) / double(o.warmup_steps);
  const double p = std::min(
      1.0, double(step - o.warmup_steps) / double(std::max<int64_t>(1, o.steps - o.warmup_steps)));
  const double f = o.schedule == "cosine" ? 0.5 * (1 + std::cos(M_PI * p)) : 1 - p;
  return o.lr * (o.min_lr_ratio + (1 - o.min_lr_ratio) * f);
}

struct Batch {
  torch::Tensor src, tgt_in, tgt_out;  // tgt rows: `group` per source row
  // With a charge head: per source row its charges as equal shares [rows, classes], and which
  // rows have any [rows] (float 0/1).
  torch::Tensor charge_target, charged;
  int64_t group = 1;
  int64_t tokens = 0;  // real tokens the model reads: each source row once, every target
  int64_t pairs = 0;
};

// By pair, every example is a source row with one target. By source, consecutive examples
// of one source (make_batches keeps them together) share a source row; each source row gets
// `group` target rows (the most any source has here), all-padding rows filling the rest.
Batch make_batch(const TrainingData& d, const std::vector<Example>& ex,
                 const std::vector<uint32_t>& idx, bool by_source, TransformerImpl& m,
                 torch::Device dev) {
  std::vector<std::vector<std::vector<int64_t>>> in_of, out_of;  // per source row
  std::vector<std::vector<int64_t>> src;
  std::vector<uint32_t> src_ids;
  Batch b;
  for (size_t k = 0; k < idx.size(); ++k) {
    const Example& e = ex[idx[k]];
    if (!by_source || k == 0 || ex[idx[k - 1]].source != e.source) {
      src.push_back(m.prepare_source(d.sources[e.source]));
      src_ids.push_back(e.source);
      b.tokens += static_cast<int64_t>(src.back().size());
      in_of.emplace_back();
      out_of.emplace_back();
    }
    out_of.back().emplace_back(e.target.begin(), e.target.end());
    in_of.back().push_back({m.options.bos_id});
    in_of.back().back().insert(in_of.back().back().end(), e.target.begin(), e.target.end() - 1);
    b.tokens += static_cast<int64_t>(e.target.size());
    b.group = std::max<int64_t>(b.group, static_cast<int64_t>(out_of.back().size()));
  }
  std::vector<std::vector<int64_t>> in, out;
  for (size_t s = 0; s < src.size(); ++s) {
    in_of[s].resize(static_cast<size_t>(b.group));
    out_of[s].resize(static_cast<size_t>(b.group));
    for (auto& r : in_of[s]) in.push_back(std::move(r));
    for (auto& r : out_of[s]) out.push_back(std::move(r));
  }
  b.pairs = static_cast<int64_t>(idx.size());
  b.src = m.pad_batch(src, dev);
  b.tgt_in = m.pad_batch(in, dev);
  b.tgt_out = m.pad_batch(out, dev);
  if (const int64_t classes = m.options.charge_classes; classes > 0) {
    const int64_t rows = static_cast<int64_t>(src_ids.size());
    auto target = torch::zeros({rows, classes});
    auto t = target.accessor<float, 2>();
    for (int64_t r = 0; r < rows; ++r) {
      const auto& cs = d.source_charges[src_ids[static_cast<size_t>(r)]];
      for (int32_t c : cs)
        if (c < classes) t[r][c] = 1.0f / static_cast<float>(cs.size());
    }
    b.charge_target = target.to(dev);
    b.charged = b.charge_target.sum(-1).gt(0).to(torch::kFloat);
  }
  return b;
}

struct Loss {
  torch::Tensor objective;     // what the step minimises
  torch::Tensor nll_sum;       // plain element NLL summed over real target tokens
  int64_t targets = 0;         // real target tokens (those nll_sum sums over)
  double charge_rows = 0;      // source rows with charges (charge head only)
  double charge_correct = 0;   // of them, rows whose top predicted charge is one of theirs
};

// Token-mean (label-smoothed) cross-entropy on the elements, plus charge_weight times the
// charge head's cross-entropy against the rows' charges (mean over rows that have any).
Loss loss_of(Transformer& model, const Batch& b, double smoothing, double charge_weight,
             bool amp) {
  // Only the real target positions are projected onto the vocabulary: padding (short
  // targets, and the empty rows that fill a source's group) never reaches the output layer.
  const auto real = b.tgt_out.ne(model->options.pad_id);  // [rows, T]
  torch::Tensor logits, charge_logits;
  {
    Autocast ac(amp, b.src.is_cuda());
    auto memory = model->encode(b.src);
    logits = model->logits(model->decode_hidden(b.tgt_in, memory, b.src, b.group).index({real}));
    if (b.charge_target.defined()) charge_logits = model->charge_logits(memory, b.src);
  }
  auto logp = torch::log_softmax(logits.to(torch::kFloat), -1);  // [real positions, V]
  auto gold = b.tgt_out.masked_select(real);
  auto nll = -logp.gather(-1, gold.unsqueeze(-1)).squeeze(-1);
  auto per = smoothing > 0 ? (1 - smoothing) * nll - smoothing * logp.mean(-1) : nll;
  Loss l{per.sum() / static_cast<double>(std::max<int64_t>(1, gold.numel())), nll.sum(),
         gold.numel()};
  if (charge_logits.defined()) {
    auto clogp = torch::log_softmax(charge_logits.to(torch::kFloat), -1);
    auto ce = -(b.charge_target * clogp).sum(-1);  // [rows]
    if (charge_weight > 0)
      l.objective = l.objective + charge_weight * (ce * b.charged).sum() / b.charged.sum().clamp_min(1);
    if (!model->is_training()) {  // valid passes count hits; training steps never sync for them
      l.charge_rows = b.charged.sum().item<double>();
      auto top = clogp.argmax(-1, true);  // [rows, 1]
      auto hit = b.charge_target.gather(-1, top).squeeze(-1).gt(0).to(torch::kFloat);
      l.charge_correct = (hit * b.charged).sum().item<double>();
    }
  }
  return l;
}

// Valid element NLL per token; `charge_accuracy` gets the share of charged valid sources
// whose top predicted charge is theirs (NaN without a charge head).
double validate_loss(Transformer& model, const TrainJob& job, torch::Device dev, bool amp,
                     double& charge_accuracy) {
  charge_accuracy = std::numeric_limits<double>::quiet_NaN();
  if (job.valid_batches.empty()) return std::numeric_limits<double>::quiet_NaN();
  torch::NoGradGuard no_grad;
  model->eval();
  double nll = 0, n = 0, rows = 0, correct = 0;
  for (const auto& idx : job.valid_batches) {
    Batch b = make_batch(*job.data, job.data->valid, idx, job.options.batch_by == "source",
                         *model, dev);
    Loss l = loss_of(model, b, 0, 0, amp);
    nll += l.nll_sum.item<double>();
    n += static_cast<double>(l.targets);
    rows += l.charge_rows;
    correct += l.charge_correct;
  }
  model->train();
  if (rows > 0) charge_accuracy = correct / rows;
  return nll / std::max(1.0, n);
}

std::string optimizer_to_bytes(torch::optim::Optimizer& opt) {
  torch::serialize::OutputArchive ar;
  opt.save(ar);
  std::ostringstream os;
  ar.save_to(os);
  return os.str();
}

void optimizer_from_bytes(torch::optim::Optimizer& opt, const std::string& bytes, torch::Device dev,
                          const std::string& origin) {
  try {
    std::istringstream is(bytes);
    torch::serialize::InputArchive ar;
    ar.load_from(is, dev);
    opt.load(ar);
  } catch (const std::exception& e) {  // c10::Error, torch::jit::ErrorReport, ...
    throw Error(origin + ": cannot load the optimizer state (" +
                std::string(e.what()).substr(0, 300) + ")");
  }
}

std::unique_ptr<torch::optim::AdamW> make_optimizer(Transformer& model, const TrainOptions& o) {
  // Decoupled weight decay on matrices only; biases and LayerNorm gains are not decayed.
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : model->parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  auto base = torch::optim::AdamWOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.adam_eps);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                 torch::optim::AdamWOptions(base).weight_decay(o.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(
                                    torch::optim::AdamWOptions(base).weight_decay(0)));
  return std::make_unique<torch::optim::AdamW>(std::move(groups), base);
}

TrainResult run(const TrainJob& job) {
  // The time budget counts from here: model set-up and the optimizer are part of the run.
  const auto budget_start = std::chrono::steady_clock::now();
  const TrainOptions& o = job.options;
  const TrainingData& data = *job.data;
  TrainResult result;
  result.device = job.device;
  const torch::Device dev(job.device);
  const bool amp = o.amp == "on" || (o.amp == "auto" && (dev.is_cuda() || cpu_has_native_bf16()));
  const bool by_source = o.batch_by == "source";
  torch::manual_seed(o.seed);
  Transformer model(o.model);
  if (job.resume) module_from_bytes(*model, job.resume->model_state, o.out);
  model->to(dev);
  model->train();
  auto opt = make_optimizer(model, o);
  if (job.resume && !job.resume->optimizer_state.empty())
    optimizer_from_bytes(*opt, job.resume->optimizer_state, dev, o.out);

  int64_t step = job.resume ? job.resume->step : 0;
  int64_t epoch = job.epoch;
  size_t next = job.next_batch;
  auto order = epoch_order(job.batches.size(), o.seed, epoch);
  result.first_step = step;

  ProgressLine progress(o.quiet, o.log_every);
  auto save = [&] {
    Checkpoint c;
    c.options = o.model;
    c.step = step;
    c.trainer_state = nlohmann::json{{"epoch", epoch}, {"batch", next}}.dump();
    c.model_state = module_to_bytes(*model);
    c.optimizer_state = optimizer_to_bytes(*opt);
    job.save(c);
    progress.note("saved " + o.out + " at step " + std::to_string(step));
  };
  auto run_valid = [&] {
    double charge_accuracy;
    result.valid_loss = validate_loss(model, job, dev, amp, charge_accuracy);
    result.valid_charge_accuracy = charge_accuracy;
    if (!job.valid_batches.empty())
      progress.note("step " + std::to_string(step) + ": valid loss " +
                    std::to_string(result.valid_loss) + " (ppl " +
                    std::to_string(std::exp(result.valid_loss)) + ")" +
                    (std::isnan(charge_accuracy)
                         ? std::string()
                         : ", charge head top-1 " + std::to_string(charge_accuracy)));
  };
  progress.note(
      "training " + std::to_string(o.model.parameter_count()) + " parameters on " + job.device +
      (amp ? " (bf16 autocast)" : "") + ": " + std::to_string(data.train.size()) + " pairs in " +
      std::to_string(job.batches.size()) + " batches, " + std::to_string(data.valid.size()) +
      " valid pairs" + (job.resume ? ", resuming at step " + std::to_string(step) : ""));

  const auto t0 = std::chrono::steady_clock::now();
  int64_t tokens = 0, pairs = 0, last_valid = -1, last_save = -1;
  const int64_t target = o.stop_after > 0 ? std::min(o.steps, o.stop_after) : o.steps;
  result.stop_reason = "schedule done";
  while (step < o.steps) {
    if (o.stop_after > 0 && step >= o.stop_after) {
      result.stop_reason = "stop_after";
      break;
    }
    const double minutes =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - budget_start).count() / 60;
    if (o.max_minutes > 0 && minutes >= o.max_minutes) {
      result.stop_reason = "time budget";
      break;
    }
    if (next >= job.batches.size()) {
      ++epoch;
      next = 0;
      order = epoch_order(job.batches.size(), o.seed, epoch);
    }
    Batch b = make_batch(data, data.train, job.batches[order[next++]], by_source, *model, dev);
    torch::manual_seed(o.seed * 1000003ull + static_cast<uint64_t>(step));  // dropout draws
    const double lr = learning_rate(o, step);
    for (auto& g : opt->param_groups())
      static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
    opt->zero_grad();
    auto loss = loss_of(model, b, o.label_smoothing, o.charge_loss, amp).objective;
    loss.backward();
    if (o.clip_norm > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), o.clip_norm);
    opt->step();
    ++step;
    tokens += b.tokens;
    pairs += b.pairs;
    result.losses.push_back(loss.item<double>());
    progress.update(step, target, result.losses.back(), lr, tokens);
    if (o.valid_every > 0 && step % o.valid_every == 0) run_valid(), last_valid = step;
    if (o.save_every > 0 && step % o.save_every == 0) save(), last_save = step;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.tokens_per_second = secs > 0 ? double(tokens) / secs : 0;
  result.pairs_per_second = secs > 0 ? double(pairs) / secs : 0;
  result.last_step = step;
  if (last_valid != step) run_valid();
  if (last_save != step) save();
  progress.note("stopped at step " + std::to_string(step) + " (" + result.stop_reason + "), " +
                std::to_string(static_cast<int64_t>(result.tokens_per_second)) + " tokens/s, " +
                std::to_string(static_cast<int64_t>(result.pairs_per_second)) + " pairs/s");
  return result;
}

const TorchTrainerApi kApi = {kTorchTrainerApiVersion, run};

}  // namespace
}  // namespace lcr::train_detail

extern "C" __attribute__((visibility("default"))) const lcr::train_detail::TorchTrainerApi*
lcr_torch_trainer_api() {
  return &lcr::train_detail::kApi;
}
