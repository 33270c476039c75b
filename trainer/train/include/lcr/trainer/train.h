// The training loop behind `lcr train`: teacher-forced cross-entropy on (source, element)
// pairs from a directory written by `lcr train data`, AdamW with warm-up and decay,
// checkpoints that resume exactly. No libtorch types here.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "lcr/model/options.h"

namespace lcr {

struct TrainOptions {
  std::string data_dir;        // pairs.jsonl, first_tokens.json, manifest.json
  std::string tokenizer_path;  // sentencepiece .model the data was made with
  std::string out;             // checkpoint path (rewritten atomically at each save)
  /// Model sizes; vocab_size, pad_id, bos_id and eos_id are taken from the tokenizer.
  ModelOptions model;

  int64_t steps = 20000;            // optimizer steps the schedule spans
  int64_t warmup_steps = 1000;      // linear warm-up from 0 to lr
  double lr = 5e-4;                 // peak learning rate
  double min_lr_ratio = 0.0;        // decay ends at lr * min_lr_ratio
  std::string schedule = "cosine";  // decay after warm-up: cosine | linear
  double weight_decay = 0.01;       // AdamW (decoupled)
  double beta1 = 0.9, beta2 = 0.98, adam_eps = 1e-8;
  double clip_norm = 1.0;        // global gradient-norm clip; 0 = off
  double label_smoothing = 0.1;  // 0 = plain cross-entropy
  // Weight of the auxiliary charge loss: a head on the mean-pooled encoder output learns the
  // source case's charges (pairs.jsonl "charges"; cross-entropy against its charges, equal
  // shares), added to the element loss times this. It teaches the encoder what decides the
  // charge, the thing the elements must follow; decoding never reads the head. 0 = off.
  double charge_loss = 0;
  int64_t batch_tokens = 4096;   // padded (source + target) tokens per batch
  /// "source": a batch holds every pair of its sources and encodes each source once (a case
  /// has up to 20 pairs with its facts as source); "pair": pairs batched one by one, each
  /// with its own copy of the source (checkpoints from before the option resume this way).
  std::string batch_by = "source";
  uint64_t seed = 1;             // initialisation, dropout, data order

  int64_t valid_every = 500;    // valid-split loss every N steps (0 = only at the end)
  int64_t valid_pairs = 500;    // valid pairs scored, evenly spaced over the split; 0 = all
  int64_t save_every = 1000;    // checkpoint every N steps (0 = only at the end)
  int64_t log_every = 100;      // a log line every N steps when stderr is not a terminal
  // Wall-clock budget in minutes, model set-up included; 0 = none. Saves, then stops.
  double max_minutes = 0;
  int64_t stop_after = 0;       // stop (and save) after this step; 0 = run the schedule
  std::string device = "auto";  // auto | cpu | cuda
  // bf16 autocast of the forward pass (parameters, optimizer and loss stay fp32): "auto" on
  // CUDA and on CPUs with native bf16 arithmetic (AVX512-BF16 or AMX; twice the tokens/s of
  // fp32 on 2 EPYC cores), "on" on any device (a CPU without it emulates bf16, slowly),
  // "off" for fp32 everywhere.
  std::string amp = "auto";
  int threads = 0;              // intra-op threads; 0 = all hardware cores
  bool resume = false;          // continue from `out`: model, optimizer, schedule, data
  bool quiet = false;           // no progress or log output (tests)

  /// Throws lcr::Error naming the first bad option (model sizes are checked too, once the
  /// tokenizer has filled in the vocabulary).
  void validate() const;
};

struct TrainResult {
  int64_t first_step = 0;      // steps already done when this run started (resume)
  int64_t last_step = 0;       // steps done when it stopped
  std::vector<double> losses;  // training objective of each step this run took
  double valid_loss = std::numeric_limits<double>::quiet_NaN();  // last valid NLL/token
  // Charge head only: share of the valid sources with charges whose top predicted charge is
  // one of theirs, at the last valid pass (NaN without a head).
  double valid_charge_accuracy = std::numeric_limits<double>::quiet_NaN();
  double tokens_per_second = 0;  // real tokens read per second (a shared source counts once)
  double pairs_per_second = 0;   // (source, target) pairs per second of training
  std::string stop_reason;       // "schedule done" | "time budget" | "stop_after"
  std::string device;            // "cpu" | "cuda"
};

/// Trains (or resumes, with options.resume) and writes checkpoints to options.out.
/// On resume the model sizes and the schedule come from the checkpoint; only the run
/// controls (device, amp, threads, budget, stop_after, logging) follow `options`. Throws
/// lcr::Error for bad options or data, a tokenizer mismatch, or a checkpoint trained on
/// other data.
TrainResult train(const TrainOptions& options);

}  // namespace lcr
