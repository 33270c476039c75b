#include "lcr/model/transformer.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>

#include "lcr/core/error.h"

namespace F = torch::nn::functional;

namespace lcr {

namespace {
torch::nn::LayerNorm layer_norm(int d) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}));
}

uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Fills `n` values with 0 (probability p) or 1 / (1 - p): four 16-bit draws from each
// splitmix64(seed + block), so any thread count fills the same mask.
template <typename T>
void fill_keep_mask(T* out, int64_t n, uint64_t seed, double p) {
  const uint32_t drop_below = static_cast<uint32_t>(std::lround(p * 65536.0));
  const T keep = static_cast<T>(1.0 / (1.0 - p)), zero = static_cast<T>(0.0f);
  at::parallel_for(0, (n + 3) / 4, 2048, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      uint64_t r = splitmix64(seed + static_cast<uint64_t>(b));
      const int64_t last = std::min<int64_t>(n, 4 * b + 4);
      for (int64_t i = 4 * b; i < last; ++i, r >>= 16)
        out[i] = (r & 0xFFFF) < drop_below ? zero : keep;
    }
  });
}
}  // namespace

torch::Tensor train_dropout(const torch::Tensor& x, double p) {
  const auto type = x.scalar_type();
  if (p <= 0) return x;
  if (!x.device().is_cpu() || (type != torch::kFloat && type != torch::kBFloat16) || p >= 1)
    return F::dropout(x, F::DropoutFuncOptions().p(p).training(true));
  // The seed comes from torch's generator, so torch::manual_seed still fixes every mask.
  const auto seed = static_cast<uint64_t>(
      torch::randint(std::numeric_limits<int64_t>::max(), {1}, torch::kLong).item<int64_t>());
  auto mask = torch::empty(x.sizes(), x.options().requires_grad(false));
  if (type == torch::kFloat)
    fill_keep_mask(mask.data_ptr<float>(), mask.numel(), seed, p);
  else
    fill_keep_mask(mask.data_ptr<c10::BFloat16>(), mask.numel(), seed, p);
  return x * mask;
}

AttentionImpl::AttentionImpl(int d_model, int h, double p, bool cross)
    : heads(h), head_dim(d_model / h), dropout(p) {
  if (cross) {
    q = register_module("q", torch::nn::Linear(d_model, d_model));
    kv = register_module("kv", torch::nn::Linear(d_model, 2 * d_model));
  } else {
    qkv = register_module("qkv", torch::nn::Linear(d_model, 3 * d_model));
  }
  out = register_module("out", torch::nn::Linear(d_model, d_model));
}

torch::Tensor AttentionImpl::split(const torch::Tensor& x) const {
  return x.view({x.size(0), x.size(1), heads, head_dim}).transpose(1, 2);
}

torch::Tensor AttentionImpl::attend(const torch::Tensor& qh, const torch::Tensor& k,
                                    const torch::Tensor& v, const torch::Tensor& mask) {
  // Scaling q rather than the scores, and masking the fresh scores in place, saves two passes
  // over the [B, H, T, S] scores (matmul's backward needs its inputs, not its output).
  auto scores = torch::matmul(qh * (1.0 / std::sqrt(double(head_dim))), k.transpose(-2, -1));
  if (mask.defined()) scores.masked_fill_(mask, -std::numeric_limits<float>::infinity());
  auto probs = torch::softmax(scores, -1);
  if (dropout > 0 && is_training()) probs = train_dropout(probs, dropout);
  auto ctx = torch::matmul(probs.to(v.scalar_type()), v);  // [B, H, T, hd]
  ctx = ctx.transpose(1, 2).contiguous().view({qh.size(0), qh.size(2), heads * head_dim});
  return out(ctx);
}

FeedForwardImpl::FeedForwardImpl(int d_model, int ff, double p) : dropout(p) {
  in = register_module("fc1", torch::nn::Linear(d_model, ff));
  out = register_module("fc2", torch::nn::Linear(ff, d_model));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
  auto h = torch::gelu(in(x));
  if (dropout > 0 && is_training()) h = train_dropout(h, dropout);
  return out(h);
}

EncoderLayerImpl::EncoderLayerImpl(const ModelOptions& o) : dropout(o.dropout) {
  ln1 = register_module("ln1", layer_norm(o.d_model));
  ln2 = register_module("ln2", layer_norm(o.d_model));
  attn = register_module("attn", Attention(o.d_model, o.heads, o.dropout, false));
  ffn = register_module("ffn", FeedForward(o.d_model, o.ff, o.dropout));
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& key_pad) {
  auto drop = [&](const torch::Tensor& t) {
    return dropout > 0 && is_training() ? train_dropout(t, dropout) : t;
  };
  auto qkv = attn->qkv(ln1(x)).chunk(3, -1);
  auto h = x + drop(attn->attend(attn->split(qkv[0]), attn->split(qkv[1]), attn->split(qkv[2]),
                                 key_pad));
  return h + drop(ffn(ln2(h)));
}

DecoderLayerImpl::DecoderLayerImpl(const ModelOptions& o) : dropout(o.dropout) {
  ln1 = register_module("ln1", layer_norm(o.d_model));
  ln2 = register_module("ln2", layer_norm(o.d_model));
  ln3 = register_module("ln3", layer_norm(o.d_model));
  self_attn = register_module("self_attn", Attention(o.d_model, o.heads, o.dropout, false));
  cross_attn = register_module("cross_attn", Attention(o.d_model, o.heads, o.dropout, true));
  ffn = register_module("ffn", FeedForward(o.d_model, o.ff, o.dropout));
}

TransformerImpl::TransformerImpl(const ModelOptions& o) : options(o) {
  options.validate();
  const int d = o.d_model;
  embed = register_module("embed", torch::nn::Embedding(o.vocab_size, d));
  torch::nn::init::normal_(embed->weight, 0.0, 1.0 / std::sqrt(double(d)));
  out_bias = register_parameter("out_bias", torch::zeros({o.vocab_size}));
  const int64_t len = std::max(o.max_source_len, o.max_target_len);
  auto pos = torch::arange(len, torch::kFloat).unsqueeze(1);
  auto freq = torch::exp(torch::arange(0, d, 2, torch::kFloat) * (-std::log(10000.0) / d));
  auto pe = torch::zeros({len, d});
  pe.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, d, 2)},
                torch::sin(pos * freq));
  pe.index_put_({torch::indexing::Slice(), torch::indexing::Slice(1, d, 2)},
                torch::cos(pos * freq).narrow(1, 0, d / 2));
  positions = register_buffer("positions", pe);
  encoder = register_module("encoder", torch::nn::ModuleList());
  for (int i = 0; i < o.encoder_layers; ++i) encoder->push_back(EncoderLayer(o));
  decoder = register_module("decoder", torch::nn::ModuleList());
  for (int i = 0; i < o.decoder_layers; ++i) decoder->push_back(DecoderLayer(o));
  enc_norm = register_module("enc_norm", layer_norm(d));
  dec_norm = register_module("dec_norm", layer_norm(d));
  if (o.charge_classes > 0)
    charge_head = register_module("charge_head", torch::nn::Linear(d, o.charge_classes));
}

std::vector<int64_t> TransformerImpl::prepare_source(const std::vector<int32_t>& ids) const {
  const size_t n = std::min(ids.size(), static_cast<size_t>(options.max_source_len - 1));
  std::vector<int64_t> out(ids.begin(), ids.begin() + static_cast<long>(n));
  for (int64_t id : out)
    if (id < 0 || id >= options.vocab_size)
      throw Error("model: source token id " + std::to_string(id) + " outside the vocabulary (" +
                  std::to_string(options.vocab_size) + ")");
  out.push_back(options.eos_id);
  return out;
}

torch::Tensor TransformerImpl::pad_batch(const std::vector<std::vector<int64_t>>& rows,
                                         torch::Device device) const {
  size_t width = 1;
  for (const auto& r : rows) width = std::max(width, r.size());
  auto t = torch::full({static_cast<int64_t>(rows.size()), static_cast<int64_t>(width)},
                       options.pad_id, torch::kLong);
  auto a = t.accessor<int64_t, 2>();
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) a[long(i)][long(j)] = rows[i][j];
  return t.to(device);
}

torch::Tensor TransformerImpl::embed_tokens(const torch::Tensor& ids, int64_t first) {
  auto x = embed(ids) * std::sqrt(double(options.d_model));
  x = x + positions.narrow(0, first, ids.size(1)).to(x.scalar_type());
  if (options.dropout > 0 && is_training()) x = train_dropout(x, options.dropout);
  return x;
}

torch::Tensor TransformerImpl::logits(const torch::Tensor& h) {
  return torch::matmul(dec_norm(h), embed->weight.t().to(h.scalar_type())) + out_bias;
}

torch::Tensor TransformerImpl::encode(const torch::Tensor& src) {
  auto key_pad = src.eq(options.pad_id).unsqueeze(1).unsqueeze(1);  // [B, 1, 1, S]
  auto x = embed_tokens(src, 0);
  for (const auto& m : *encoder) x = m->as<EncoderLayer>()->forward(x, key_pad);
  return enc_norm(x);
}

torch::Tensor TransformerImpl::decode(const torch::Tensor& tgt_in, const torch::Tensor& memory,
                                      const torch::Tensor& src, int64_t group) {
  return logits(decode_hidden(tgt_in, memory, src, group));
}

torch::Tensor TransformerImpl::decode_hidden(const torch::Tensor& tgt_in,
                                             const torch::Tensor& memory, const torch::Tensor& src,
                                             int64_t group) {
  const int64_t T = tgt_in.size(1), N = memory.size(0), d = options.d_model;
  if (group < 1 || tgt_in.size(0) != N * group)
    throw Error("model: " + std::to_string(tgt_in.size(0)) + " target rows for " +
                std::to_string(N) + " sources in groups of " + std::to_string(group));
  if (T > options.max_target_len)
    throw Error("model: target of " + std::to_string(T) + " positions exceeds max_target_len " +
                std::to_string(options.max_target_len));
  auto causal =
      torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool).device(tgt_in.device()))
          .triu(1);
  auto src_pad = src.eq(options.pad_id).unsqueeze(1).unsqueeze(1);
  auto x = embed_tokens(tgt_in, 0);
  for (const auto& m : *decoder) {
    auto* l = m->as<DecoderLayer>();
    auto drop = [&](const torch::Tensor& t) {
      return l->dropout > 0 && is_training() ? train_dropout(t, l->dropout) : t;
    };
    auto& sa = l->self_attn;
    auto qkv = sa->qkv(l->ln1(x)).chunk(3, -1);
    x = x + drop(sa->attend(sa->split(qkv[0]), sa->split(qkv[1]), sa->split(qkv[2]), causal));
    auto& ca = l->cross_attn;
    // Each source's keys and values once; its `group` targets are one query sequence of
    // group * T positions (no mask between them: cross-attention queries are independent).
    auto kv = ca->kv(memory).chunk(2, -1);
    auto q = ca->q(l->ln2(x)).reshape({N, group * T, d});
    auto ctx = ca->attend(ca->split(q), ca->split(kv[0]), ca->split(kv[1]), src_pad);
    x = x + drop(ctx.reshape({N * group, T, d}));
    x = x + drop(l->ffn(l->ln3(x)));
  }
  return x;
}

torch::Tensor TransformerImpl::charge_logits(const torch::Tensor& memory, const torch::Tensor& src) {
  if (!charge_head) throw Error("model: no charge head (charge_classes is 0)");
  auto keep = src.ne(options.pad_id).unsqueeze(-1).to(memory.scalar_type());  // [B, S, 1]
  auto pooled = (memory * keep).sum(1) / keep.sum(1).clamp_min(1);
  return charge_head(pooled);
}

torch::Tensor TransformerImpl::forward(const torch::Tensor& src, const torch::Tensor& tgt_in,
                                       int64_t group) {
  return decode(tgt_in, encode(src), src, group);
}

DecoderCache TransformerImpl::start(const torch::Tensor& src, const torch::Tensor& memory) {
  DecoderCache c;
  c.src_pad = src.eq(options.pad_id).unsqueeze(1).unsqueeze(1);
  for (const auto& m : *decoder) {
    auto* l = m->as<DecoderLayer>();
    auto kv = l->cross_attn->kv(memory).chunk(2, -1);
    c.cross_k.push_back(l->cross_attn->split(kv[0]).contiguous());
    c.cross_v.push_back(l->cross_attn->split(kv[1]).contiguous());
  }
  return c;
}

torch::Tensor TransformerImpl::step(DecoderCache& c, const std::vector<int64_t>& parents,
                                    const torch::Tensor& tokens) {
  if (c.position >= options.max_target_len)
    throw Error("model: decoder step " + std::to_string(c.position + 1) +
                " exceeds max_target_len " + std::to_string(options.max_target_len));
  const auto dev = tokens.device();
  const bool first = c.position == 0;
  const int64_t sources = c.src_pad.size(0), rows = static_cast<int64_t>(parents.size());
  // Row -> source, and each row's slot among the rows of its source.
  std::vector<int64_t> row_source(parents.size()), slot(parents.size()), used(sources, 0);
  for (size_t r = 0; r < parents.size(); ++r) {
    const int64_t p = parents[r];
    const int64_t limit = first ? sources : static_cast<int64_t>(c.row_source.size());
    if (p < 0 || p >= limit)
      throw Error("model: step parent " + std::to_string(p) + " outside [0, " +
                  std::to_string(limit) + ")");
    row_source[r] = first ? p : c.row_source[static_cast<size_t>(p)];
    slot[r] = used[static_cast<size_t>(row_source[r])]++;
  }
  const int64_t G = *std::max_element(used.begin(), used.end());
  std::vector<int64_t> flat(parents.size());
  for (size_t r = 0; r < parents.size(); ++r) flat[r] = row_source[r] * G + slot[r];
  c.row_source = std::move(row_source);
  auto parent_idx = torch::tensor(parents, torch::kLong).to(dev);
  auto flat_idx = torch::tensor(flat, torch::kLong).to(dev);
  c.self_k.resize(decoder->size());
  c.self_v.resize(decoder->size());

  auto x = embed_tokens(tokens.view({-1, 1}), c.position);  // [rows, 1, d]
  const int64_t d = options.d_model;
  for (size_t i = 0; i < decoder->size(); ++i) {
    auto* l = decoder[i]->as<DecoderLayer>();
    auto& sa = l->self_attn;
    auto qkv = sa->qkv(l->ln1(x)).chunk(3, -1);
    auto k = sa->split(qkv[1]), v = sa->split(qkv[2]);
    if (!first) {
      k = torch::cat({c.self_k[i].index_select(0, parent_idx), k}, 2);
      v = torch::cat({c.self_v[i].index_select(0, parent_idx), v}, 2);
    }
    c.self_k[i] = k;
    c.self_v[i] = v;
    x = x + sa->attend(sa->split(qkv[0]), k, v, torch::Tensor());
    // Cross-attention grouped by source: [sources * G, d] queries, zeros in unused slots.
    auto& ca = l->cross_attn;
    auto q = ca->q(l->ln2(x)).view({rows, d});
    auto grouped = torch::zeros({sources * G, d}, q.options()).index_copy(0, flat_idx, q);
    auto ctx = ca->attend(ca->split(grouped.view({sources, G, d})), c.cross_k[i], c.cross_v[i],
                          c.src_pad);  // [sources, G, d]
    x = x + ctx.reshape({sources * G, d}).index_select(0, flat_idx).view({rows, 1, d});
    x = x + l->ffn(l->ln3(x));
  }
  ++c.position;
  return logits(x).squeeze(1);
}

std::string module_to_bytes(torch::nn::Module& module) {
  torch::serialize::OutputArchive ar;
  module.save(ar);
  std::ostringstream os;
  ar.save_to(os);
  return os.str();
}

void module_from_bytes(torch::nn::Module& module, const std::string& bytes,
                       const std::string& origin) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
  for (const auto& p : module.named_parameters())
    shapes.emplace_back(p.key(), p.value().sizes().vec());
  try {
    std::istringstream is(bytes);
    torch::serialize::InputArchive ar;
    ar.load_from(is, torch::Device(torch::kCPU));  // a CUDA-trained model loads anywhere
    module.load(ar);
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    throw Error(origin + ": cannot load the model parameters (" + what.substr(0, 300) + ")");
  } catch (const std::exception& e) {  // torch::jit::ErrorReport and kin: not c10::Error
    throw Error(origin + ": cannot load the model parameters (" +
                std::string(e.what()).substr(0, 300) + ")");
  }
  auto params = module.named_parameters();
  for (const auto& [name, shape] : shapes)
    if (!params.contains(name) || params[name].sizes().vec() != shape)
      throw Error(origin + ": model parameter '" + name + "' does not match the model options");
}

}  // namespace lcr
