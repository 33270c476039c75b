// The encoder-decoder transformer as a libtorch module. Torch-facing: built into the
// liblcr_torch_model.so plugin; only the plugins and torch-only tests include this (never
// together with lcr::Tokenizer: see torch_plugin.h). Everyone else uses
// lcr::TorchStepModel (step_model.h).
//
// Pre-LN layers (x + f(LN(x))), GELU feed-forward, sinusoidal positions, one embedding
// matrix shared by encoder input, decoder input and output projection (logits = h E^T + b),
// embeddings scaled by sqrt(d_model). Attention is written out by hand so the decoder can
// run one position at a time against a key/value cache (DecoderCache).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "lcr/model/options.h"

namespace lcr {

/// Inverted dropout for training (zero with probability p, scale the rest by 1 / (1 - p)).
/// On the CPU the mask comes from a counter-based generator filled in parallel, seeded by one
/// draw from torch's generator (so torch::manual_seed fixes it): torch's own CPU dropout
/// draws one mt19937 number per element on one thread, a quarter of a training step on 2
/// cores. Elsewhere, and for other dtypes, it is torch's dropout.
torch::Tensor train_dropout(const torch::Tensor& x, double p);

/// Multi-head attention. Self-attention projects q, k, v from one input; cross-attention
/// projects q from the decoder and k, v from the encoder output (computed once per source).
struct AttentionImpl : torch::nn::Module {
  AttentionImpl(int d_model, int heads, double dropout, bool cross);
  /// [B, T, d] -> [B, H, T, d/H]
  torch::Tensor split(const torch::Tensor& x) const;
  /// q [B,H,T,hd], k/v [B,H,S,hd], mask broadcastable to [B,H,T,S] (true = blocked) -> [B,T,d]
  torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       const torch::Tensor& mask);
  int heads, head_dim;
  double dropout;
  torch::nn::Linear q{nullptr}, kv{nullptr}, qkv{nullptr}, out{nullptr};
};
TORCH_MODULE(Attention);

struct FeedForwardImpl : torch::nn::Module {
  FeedForwardImpl(int d_model, int ff, double dropout);
  torch::Tensor forward(const torch::Tensor& x);
  double dropout;
  torch::nn::Linear in{nullptr}, out{nullptr};
};
TORCH_MODULE(FeedForward);

struct EncoderLayerImpl : torch::nn::Module {
  explicit EncoderLayerImpl(const ModelOptions& o);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_pad);
  double dropout;
  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
  Attention attn{nullptr};
  FeedForward ffn{nullptr};
};
TORCH_MODULE(EncoderLayer);

struct DecoderLayerImpl : torch::nn::Module {
  explicit DecoderLayerImpl(const ModelOptions& o);
  double dropout;
  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr}, ln3{nullptr};
  Attention self_attn{nullptr}, cross_attn{nullptr};
  FeedForward ffn{nullptr};
};
TORCH_MODULE(DecoderLayer);

/// Decoder state between incremental steps, for `rows` hypotheses over `sources` encoded
/// sources. Per layer: self-attention keys/values of each row's prefix [rows, H, t, hd]
/// (gathered by parents at each step), and cross-attention keys/values of each source
/// [sources, H, S, hd], computed once. Cross-attention never copies them per row: the rows
/// of a step are grouped by source into [sources, H, G, hd] queries (G = most rows of one
/// source), so each source's keys are read once per step however many beams it has.
struct DecoderCache {
  std::vector<torch::Tensor> self_k, self_v;
  std::vector<torch::Tensor> cross_k, cross_v;  // per source
  torch::Tensor src_pad;                        // [sources, 1, 1, S] bool, true at padding
  std::vector<int64_t> row_source;              // source of each current row
  int64_t position = 0;                         // decoder positions consumed so far
};

struct TransformerImpl : torch::nn::Module {
  explicit TransformerImpl(const ModelOptions& options);

  /// Source ids as the encoder sees them: truncated to max_source_len - 1, then EOS.
  std::vector<int64_t> prepare_source(const std::vector<int32_t>& ids) const;
  /// Pads prepared sources into [B, S] (pad_id) on `device`.
  torch::Tensor pad_batch(const std::vector<std::vector<int64_t>>& rows,
                          torch::Device device) const;

  /// src [B, S] -> encoder output [B, S, d].
  torch::Tensor encode(const torch::Tensor& src);
  /// Full (teacher-forced) decoder pass: tgt_in [N * group, T] starting with BOS -> logits
  /// [N * group, T, V], where rows n * group .. n * group + group - 1 are targets of source n
  /// (memory [N, S, d], src [N, S]). Each source's cross-attention keys and values are
  /// computed once for its group; group 1 is one target per source.
  torch::Tensor decode(const torch::Tensor& tgt_in, const torch::Tensor& memory,
                       const torch::Tensor& src, int64_t group = 1);
  /// decode without the output projection: the hidden states [N * group, T, d] that
  /// `logits` maps to the vocabulary. Training projects only the real target positions.
  torch::Tensor decode_hidden(const torch::Tensor& tgt_in, const torch::Tensor& memory,
                              const torch::Tensor& src, int64_t group = 1);
  /// Hidden states [..., d] -> logits [..., V] (final norm, tied output projection).
  torch::Tensor logits(const torch::Tensor& h);
  /// encode + decode (each source encoded once for its `group` targets).
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& tgt_in,
                        int64_t group = 1);

  /// Charge head (options.charge_classes > 0): encoder output [B, S, d] averaged over the
  /// source's real positions -> logits [B, charge_classes]. Training only.
  torch::Tensor charge_logits(const torch::Tensor& memory, const torch::Tensor& src);

  /// Starts incremental decoding over encoded sources (src [N, S], memory [N, S, d]).
  DecoderCache start(const torch::Tensor& src, const torch::Tensor& memory);
  /// One decoder position for all rows. `parents[r]` is the previous row that row r
  /// continues (on the first step: its source); `tokens` [rows] the ids fed at this
  /// position. Returns logits [rows, V]. Throws lcr::Error past max_target_len.
  torch::Tensor step(DecoderCache& cache, const std::vector<int64_t>& parents,
                     const torch::Tensor& tokens);

  ModelOptions options;
  torch::nn::Embedding embed{nullptr};
  torch::Tensor out_bias, positions;  // positions: [max(len), d] sinusoids (a buffer)
  torch::nn::ModuleList encoder{nullptr}, decoder{nullptr};
  torch::nn::LayerNorm enc_norm{nullptr}, dec_norm{nullptr};
  torch::nn::Linear charge_head{nullptr};  // only when options.charge_classes > 0

 private:
  torch::Tensor embed_tokens(const torch::Tensor& ids, int64_t first_position);
};
TORCH_MODULE(Transformer);

/// Parameters to/from torch archive bytes (Checkpoint::model_state). Loading puts the
/// tensors on the CPU (move the module afterwards) and refuses a state whose names or shapes
/// differ with lcr::Error naming `origin`.
std::string module_to_bytes(torch::nn::Module& module);
void module_from_bytes(torch::nn::Module& module, const std::string& bytes,
                       const std::string& origin);

}  // namespace lcr
