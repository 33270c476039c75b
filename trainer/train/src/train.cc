// The torch-free half of `lcr train`: tokenizer, data, resume checks and checkpoint files.
// The optimizer steps run in the libtorch plugin (trainer_plugin.h).
#include "lcr/trainer/train.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "data.h"
#include "lcr/core/error.h"
#include "lcr/core/hash.h"
#include "lcr/core/tokenizer.h"
#include "lcr/model/step_model.h"
#include "lcr/model/torch_plugin.h"
#include "trainer_plugin.h"

namespace lcr {

using json = nlohmann::json;
using namespace train_detail;

namespace {

json schedule_json(const TrainOptions& o) {
  return {{"steps", o.steps},
          {"warmup_steps", o.warmup_steps},
          {"lr", o.lr},
          {"min_lr_ratio", o.min_lr_ratio},
          {"schedule", o.schedule},
          {"weight_decay", o.weight_decay},
          {"beta1", o.beta1},
          {"beta2", o.beta2},
          {"adam_eps", o.adam_eps},
          {"clip_norm", o.clip_norm},
          {"label_smoothing", o.label_smoothing},
          {"charge_loss", o.charge_loss},
          {"batch_tokens", o.batch_tokens},
          {"batch_by", o.batch_by},
          {"seed", o.seed}};
}

void apply_schedule_json(TrainOptions& o, const json& s) {
  o.steps = s.at("steps");
  o.warmup_steps = s.at("warmup_steps");
  o.lr = s.at("lr");
  o.min_lr_ratio = s.at("min_lr_ratio");
  o.schedule = s.at("schedule");
  o.weight_decay = s.at("weight_decay");
  o.beta1 = s.at("beta1");
  o.beta2 = s.at("beta2");
  o.adam_eps = s.at("adam_eps");
  o.clip_norm = s.at("clip_norm");
  o.label_smoothing = s.at("label_smoothing");
  o.charge_loss = s.value("charge_loss", 0.0);  // checkpoints from before the option
  o.batch_tokens = s.at("batch_tokens");
  o.batch_by = s.value("batch_by", "pair");  // checkpoints from before the option
  o.seed = s.at("seed");
}

const TorchTrainerApi& torch_trainer_api() {
  static const TorchTrainerApi* api = [] {
    using Fn = const TorchTrainerApi* (*)();
    torch_model_api();  // the trainer plugin links the model plugin: load that one first
    auto fn = reinterpret_cast<Fn>(load_plugin_symbol(
        "liblcr_torch_trainer.so", LCR_TORCH_TRAINER_PLUGIN, "lcr_torch_trainer_api"));
    const TorchTrainerApi* a = fn();
    if (a->version != kTorchTrainerApiVersion)
      throw Error("liblcr_torch_trainer.so: interface version " + std::to_string(a->version) +
                  ", expected " + std::to_string(kTorchTrainerApiVersion) + " (rebuild)");
    return a;
  }();
  return *api;
}

}  // namespace

TrainResult train(const TrainOptions& options) {
  options.validate();
  TrainJob job;
  TrainOptions& o = job.options;
  o = options;
  Tokenizer tok = Tokenizer::load(o.tokenizer_path);
  Checkpoint ck;
  json state;
  if (o.resume) {
    if (!std::filesystem::exists(o.out))
      throw Error(o.out + ": --resume given but there is no checkpoint to resume");
    ck = load_checkpoint(o.out);
    check_tokenizer(ck, o.out, tok, o.tokenizer_path);
    if (ck.optimizer_state.empty())
      throw Error(o.out + ": holds no optimizer state (a serving copy from lcr train export), "
                  "so it cannot resume exactly; resume the checkpoint lcr train wrote");
    try {
      state = json::parse(ck.trainer_state);
      apply_schedule_json(o, state.at("schedule"));
      job.epoch = state.at("epoch").get<int64_t>();
      job.next_batch = state.at("batch").get<uint64_t>();
    } catch (const json::exception& e) {
      throw Error(o.out + ": checkpoint has no usable trainer state to resume (" + e.what() + ")");
    }
    o.model = ck.options;
    job.resume = &ck;
  } else {
    if (std::filesystem::exists(o.out))
      throw Error(o.out + ": exists; pass --resume to continue it, or choose another --out");
    o.model.vocab_size = tok.vocab_size();
    o.model.pad_id = tok.pad_id();
    o.model.bos_id = tok.bos_id();
    o.model.eos_id = tok.eos_id();
    o.model.validate();
  }
  const auto t0 = std::chrono::steady_clock::now();
  TrainingData data =
      load_training_data(o.data_dir, tok, o.model.max_source_len, o.model.max_target_len);
  const size_t valid_all = data.valid.size();
  if (o.valid_pairs > 0 && data.valid.size() > static_cast<size_t>(o.valid_pairs)) {
    std::vector<Example> kept;  // evenly spaced, so every part of the split is represented
    for (int64_t i = 0; i < o.valid_pairs; ++i)
      kept.push_back(std::move(
          data.valid[static_cast<size_t>(i) * valid_all / static_cast<size_t>(o.valid_pairs)]));
    data.valid = std::move(kept);
  }
  if (!o.quiet)
    std::fprintf(stderr,
                 "read %s: %zu train pairs, %zu valid (%zu scored), %zu distinct "
                 "sources (%llu truncated), %llu targets truncated, in %.1f s\n",
                 o.data_dir.c_str(), data.train.size(), valid_all, data.valid.size(),
                 data.sources.size(), static_cast<unsigned long long>(data.truncated_sources),
                 static_cast<unsigned long long>(data.truncated_targets),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (o.charge_loss > 0 && !o.resume) {
    if (data.charge_names.empty())
      throw Error(o.data_dir + "/pairs.jsonl: --charge-loss needs the cases' charges, and no pair "
                  "has a \"charges\" label (a corpus without charges, or data written before "
                  "`lcr train data` wrote them: rebuild it)");
    o.model.charge_classes = static_cast<int>(data.charge_names.size());
    o.model.validate();
  }
  if (o.resume && o.charge_loss > 0 &&
      state.value("charge_names", json::array()) != json(data.charge_names))
    throw Error(o.out + ": its charge head was trained on other charge labels than " +
                o.data_dir + "/pairs.jsonl holds; resume with the same --data");
  if (o.resume && state.value("pairs_xxh64", "") != hex64(data.pairs_xxh64))
    throw Error(o.out + ": was trained on other data (pairs.jsonl hash " +
                state.value("pairs_xxh64", "?") + ", " + o.data_dir + " has " +
                hex64(data.pairs_xxh64) + "); resume with the same --data");
  job.data = &data;
  const bool by_source = o.batch_by == "source";
  job.batches = make_batches(data, data.train, o.batch_tokens, by_source);
  job.valid_batches = make_batches(data, data.valid, o.batch_tokens, by_source);
  set_torch_threads(o.threads);
  job.device = resolve_device(o.device);
  job.save = [&](Checkpoint& c) {
    c.tokenizer_hash = tok.hash();
    c.data_manifest = data.manifest_json;
    c.first_tokens = data.first_tokens;
    json s = json::parse(c.trainer_state);
    s["schedule"] = schedule_json(o);
    s["pairs_xxh64"] = hex64(data.pairs_xxh64);
    if (o.model.charge_classes > 0) s["charge_names"] = data.charge_names;  // the head's classes
    c.trainer_state = s.dump();
    save_checkpoint(o.out, c);
  };
  return torch_trainer_api().train(job);
}

}  // namespace lcr
