// Sizes of the encoder-decoder transformer. One struct, validated once; stored in every
// checkpoint (as JSON) so a checkpoint rebuilds its model without outside knowledge.
#pragma once

#include <cstdint>
#include <string>

namespace lcr {

struct ModelOptions {
  int vocab_size = 0;  // = the tokenizer's vocab_size(); shared embedding rows
  int pad_id = 3;      // padding id (never attended to, never predicted in loss)
  int bos_id = 1;      // first decoder input
  int eos_id = 2;      // ends a target
  int d_model = 256;   // hidden size
  int heads = 4;       // attention heads; must divide d_model
  int ff = 1024;       // feed-forward inner size
  int encoder_layers = 3;
  int decoder_layers = 3;
  double dropout = 0.1;      // residual, attention and feed-forward dropout while training
  int max_source_len = 512;  // sources are truncated to this many tokens
  int max_target_len = 64;   // decoder positions, BOS included
  // Classes of the training-only charge head (`lcr train --charge-loss`): a linear layer on
  // the mean of the encoder's output that predicts the source case's charges. 0: no head
  // (checkpoints from before it read as 0). Decoding never uses it.
  int charge_classes = 0;

  /// Throws lcr::Error naming the first bad field ("model: heads (3) must divide d_model").
  void validate() const;
  /// JSON object with every field; from_json() refuses missing or mistyped fields.
  std::string to_json() const;
  static ModelOptions from_json(const std::string& json);
  /// Number of trainable parameters these sizes give (embedding counted once).
  int64_t parameter_count() const;
};

}  // namespace lcr
