// The interface of liblcr_torch_trainer.so, the libtorch half of the training loop (why a
// plugin: lcr/model/torch_plugin.h). The torch-free half (train.cc) reads the tokenizer,
// the data and the checkpoint, and writes checkpoints; the plugin runs the optimizer steps.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data.h"
#include "lcr/model/checkpoint.h"
#include "lcr/trainer/train.h"

namespace lcr::train_detail {

inline constexpr uint32_t kTorchTrainerApiVersion = 4;  // 4: TrainOptions::amp a string

struct TrainJob {
  TrainOptions options;  // final: model sizes and schedule resolved (from the checkpoint on resume)
  std::string device;    // "cpu" | "cuda"
  const TrainingData* data = nullptr;
  std::vector<std::vector<uint32_t>> batches, valid_batches;  // example indices
  const Checkpoint* resume = nullptr;  // parameters and optimizer state to continue from
  int64_t epoch = 0;                   // data position to continue from
  uint64_t next_batch = 0;
  /// Writes a checkpoint. The plugin fills options, step, model_state, optimizer_state and
  /// trainer_state {"epoch", "batch"}; the callback adds the rest and writes atomically.
  std::function<void(Checkpoint&)> save;
};

struct TorchTrainerApi {
  uint32_t version = kTorchTrainerApiVersion;
  TrainResult (*train)(const TrainJob& job);
};

}  // namespace lcr::train_detail
