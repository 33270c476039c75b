#include "lcr/core/error.h"
#include "lcr/trainer/train.h"

namespace lcr {

void TrainOptions::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw Error("train: " + what);
  };
  require(!data_dir.empty(), "--data is required");
  require(!tokenizer_path.empty(), "--tokenizer is required");
  require(!out.empty(), "--out is required");
  require(steps >= 1, "--steps must be >= 1");
  require(warmup_steps >= 0 && warmup_steps < steps, "--warmup must lie in [0, steps)");
  require(lr > 0 && lr < 1, "--lr must lie in (0, 1)");
  require(min_lr_ratio >= 0 && min_lr_ratio <= 1, "--min-lr-ratio must lie in [0, 1]");
  require(schedule == "cosine" || schedule == "linear",
          "--schedule must be cosine or linear, not '" + schedule + "'");
  require(weight_decay >= 0, "--weight-decay must be >= 0");
  require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam betas must lie in [0, 1)");
  require(adam_eps > 0, "Adam epsilon must be > 0");
  require(clip_norm >= 0, "--clip must be >= 0 (0 = off)");
  require(label_smoothing >= 0 && label_smoothing < 1, "--label-smoothing must lie in [0, 1)");
  require(charge_loss >= 0 && charge_loss <= 100, "--charge-loss must lie in [0, 100]");
  require(batch_tokens >= 16, "--batch-tokens must be >= 16");
  require(batch_by == "source" || batch_by == "pair",
          "--batch-by must be source or pair, not '" + batch_by + "'");
  require(valid_every >= 0 && save_every >= 0 && log_every >= 1,
          "--valid-every and --save-every must be >= 0, --log-every >= 1");
  require(valid_pairs >= 0, "--valid-pairs must be >= 0 (0 = all)");
  require(max_minutes >= 0, "--max-minutes must be >= 0 (0 = no budget)");
  require(stop_after >= 0, "--stop-after must be >= 0");
  require(threads >= 0, "--threads must be >= 0 (0 = all cores)");
  require(amp == "auto" || amp == "on" || amp == "off",
          "--amp must be auto, on or off, not '" + amp + "'");
  require(device == "auto" || device == "cpu" || device == "cuda",
          "--device must be auto, cpu or cuda, not '" + device + "'");
}

}  // namespace lcr
