// The transformer's incremental decoding (key/value cache, row reordering through parents)
// against full teacher-forced forward passes over each row's prefix.
#include <gtest/gtest.h>

#include <random>

#include "lcr/core/error.h"
#include "lcr/model/step_model.h"
#include "lcr/model/transformer.h"

namespace lcr {
namespace {

ModelOptions small_options() {
  ModelOptions o;
  o.vocab_size = 40;
  o.d_model = 32;
  o.heads = 4;
  o.ff = 64;
  o.encoder_layers = 2;
  o.decoder_layers = 2;
  o.dropout = 0.1;  // must be inactive at inference
  o.max_source_len = 12;
  o.max_target_len = 8;
  return o;
}

// log-softmax of the last position of a full forward pass over BOS + prefix for one source.
std::vector<float> full_forward(Transformer& m, const std::vector<int32_t>& source,
                                const std::vector<int32_t>& prefix) {
  torch::NoGradGuard g;
  auto src = m->pad_batch({m->prepare_source(source)}, torch::kCPU);
  std::vector<int64_t> in = {m->options.bos_id};
  in.insert(in.end(), prefix.begin(), prefix.end());
  auto tgt = m->pad_batch({in}, torch::kCPU);
  auto lp = torch::log_softmax(m->forward(src, tgt), -1)[0][static_cast<long>(in.size()) - 1];
  lp = lp.contiguous();
  return std::vector<float>(lp.data_ptr<float>(), lp.data_ptr<float>() + lp.numel());
}

TEST(ModelStep, IncrementalMatchesFullForwardWithReordering) {
  const ModelOptions o = small_options();
  Checkpoint ck = random_checkpoint(o, 7);
  TorchStepModel step_model(ck, "cpu");
  Transformer full(o);
  module_from_bytes(*full, ck.model_state, "test");
  full->eval();

  // Sources of different lengths (padding in the batch) and one longer than max_source_len.
  std::vector<std::vector<int32_t>> sources = {
      {5, 6, 7},
      {8, 9, 10, 11, 12, 13, 14},
      {15},
      {20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33}};
  step_model.start(sources);
  std::mt19937 rng(3);
  // Rows: several hypotheses per source, not grouped, one source without any row.
  std::vector<int32_t> parents = {1, 0, 3, 1, 0, 1};
  std::vector<int32_t> tokens(parents.size(), o.bos_id);
  std::vector<int> row_source(parents.begin(), parents.end());
  std::vector<std::vector<int32_t>> prefix(parents.size());
  std::vector<float> lp;
  const int V = o.vocab_size;
  for (int t = 0; t < o.max_target_len; ++t) {
    step_model.step(parents, tokens, &lp);
    ASSERT_EQ(lp.size(), parents.size() * static_cast<size_t>(V));
    for (size_t r = 0; r < parents.size(); ++r) {
      auto ref = full_forward(full, sources[static_cast<size_t>(row_source[r])], prefix[r]);
      for (int v = 0; v < V; ++v)
        ASSERT_NEAR(lp[r * static_cast<size_t>(V) + static_cast<size_t>(v)],
                    ref[static_cast<size_t>(v)], 1e-4)
            << "step " << t << " row " << r << " token " << v;
    }
    // Next rows: random parents (reordered, duplicated, some dropped), random tokens; the
    // row count changes too.
    const size_t rows = 3 + rng() % 5;
    std::vector<int32_t> np(rows), nt(rows);
    std::vector<int> ns(rows);
    std::vector<std::vector<int32_t>> npre(rows);
    for (size_t r = 0; r < rows; ++r) {
      np[r] = static_cast<int32_t>(rng() % parents.size());
      nt[r] = static_cast<int32_t>(3 + rng() % (V - 3));
      ns[r] = row_source[static_cast<size_t>(np[r])];
      npre[r] = prefix[static_cast<size_t>(np[r])];
      npre[r].push_back(nt[r]);
    }
    parents = np;
    tokens = nt;
    row_source = ns;
    prefix = npre;
  }
  // All positions used: one more step goes past max_target_len.
  EXPECT_THROW(step_model.step(parents, tokens, &lp), Error);
}

TEST(ModelStep, StableRowsMatchFullForward) {
  // Rows keep their places (parents = identity), two of them on one source: the grouped
  // cross-attention (two query slots for source 0, one padded slot for source 1) matches.
  const ModelOptions o = small_options();
  Checkpoint ck = random_checkpoint(o, 11);
  TorchStepModel sm(ck, "cpu");
  Transformer full(o);
  module_from_bytes(*full, ck.model_state, "test");
  full->eval();
  std::vector<std::vector<int32_t>> sources = {{5, 6}, {7, 8, 9, 10}};
  sm.start(sources);
  std::vector<int32_t> parents = {0, 0, 1}, tokens(3, o.bos_id);
  std::vector<std::vector<int32_t>> prefix(3);
  std::vector<float> lp;
  for (int t = 0; t < 4; ++t) {
    sm.step(parents, tokens, &lp);
    for (size_t r = 0; r < 3; ++r) {
      auto ref = full_forward(full, sources[r < 2 ? 0 : 1], prefix[r]);
      for (size_t v = 0; v < ref.size(); ++v) ASSERT_NEAR(lp[r * ref.size() + v], ref[v], 1e-4);
    }
    parents = {0, 1, 2};
    tokens = {static_cast<int32_t>(4 + t), static_cast<int32_t>(9 + t),
              static_cast<int32_t>(20 + t)};
    for (size_t r = 0; r < 3; ++r) prefix[r].push_back(tokens[r]);
  }
}

TEST(ModelStep, RefusesBadCalls) {
  const ModelOptions o = small_options();
  TorchStepModel sm(random_checkpoint(o, 1), "cpu");
  std::vector<float> lp;
  EXPECT_THROW(sm.step({0}, {o.bos_id}, &lp), Error);  // before start
  sm.start({{5, 6}});
  EXPECT_THROW(sm.step({1}, {o.bos_id}, &lp), Error);  // no source 1
  EXPECT_THROW(sm.step({0}, {7}, &lp), Error);         // first token must be BOS
  EXPECT_THROW(sm.step({0}, {o.vocab_size}, &lp), Error);
  sm.step({0, 0}, {o.bos_id, o.bos_id}, &lp);
  EXPECT_THROW(sm.step({2}, {5}, &lp), Error);  // only rows 0 and 1 exist
  EXPECT_THROW(sm.start({}), Error);
}

// Search anonymises queries exactly when the model's training data said its sources were;
// data from before the option, or no manifest at all, means verbatim sources.
TEST(ModelStep, AnonymisedSourcesComeFromTheTrainingDataManifest) {
  Checkpoint ck = random_checkpoint(small_options(), 1);
  auto flag = [&](const std::string& manifest) {
    ck.data_manifest = manifest;
    return TorchStepModel(ck, "cpu").anonymised_sources();
  };
  EXPECT_TRUE(flag(R"({"manifest": {"options": {"anonymise_sources": true}}})"));
  EXPECT_FALSE(flag(R"({"manifest": {"options": {"anonymise_sources": false}}})"));
  EXPECT_FALSE(flag(R"({"manifest": {"options": {"max_source_chars": 1024}}})"));
  EXPECT_FALSE(flag("{}"));
  EXPECT_FALSE(flag("not json"));
  EXPECT_FALSE(flag(R"({"manifest": 3})"));
}

TEST(ModelStep, StateOfOtherSizesIsRefused) {
  ModelOptions o = small_options();
  Checkpoint ck = random_checkpoint(o, 1);
  o.ff = 96;
  Transformer other(o);
  try {
    module_from_bytes(*other, ck.model_state, "ck.lcr");
    FAIL() << "expected lcr::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ck.lcr: model parameter"), std::string::npos) << e.what();
  }
}

// Training by source: a source row with `group` target rows gives the logits and gradients of
// one copy of the source per target (the by-pair layout), padding rows included.
TEST(ModelForward, GroupedTargetsMatchOneSourceRowPerTarget) {
  ModelOptions o = small_options();
  o.dropout = 0;
  Checkpoint ck = random_checkpoint(o, 5);
  Transformer grouped(o), copied(o);
  module_from_bytes(*grouped, ck.model_state, "test");
  module_from_bytes(*copied, ck.model_state, "test");
  const int64_t G = 3;
  const std::vector<std::vector<int32_t>> sources = {{5, 6, 7}, {8, 9, 10, 11, 12, 13, 14}, {15}};
  // Targets per source (BOS first), of different lengths; source 2 has one: two padding rows.
  const std::vector<std::vector<std::vector<int64_t>>> targets = {
      {{o.bos_id, 20, 21}, {o.bos_id, 22}, {o.bos_id, 23, 24, 25, 26}},
      {{o.bos_id, 27, 28, 29}, {o.bos_id, 30, 31}, {o.bos_id}},
      {{o.bos_id, 32, 33}}};
  std::vector<std::vector<int64_t>> src_rows, src_copies, tgt_rows, tgt_real;
  for (size_t s = 0; s < sources.size(); ++s) {
    src_rows.push_back(grouped->prepare_source(sources[s]));
    for (int64_t g = 0; g < G; ++g) {
      const bool real = g < static_cast<int64_t>(targets[s].size());
      tgt_rows.push_back(real ? targets[s][static_cast<size_t>(g)] : std::vector<int64_t>{});
      if (real) tgt_real.push_back(tgt_rows.back()), src_copies.push_back(src_rows.back());
    }
  }
  auto lg = grouped->forward(grouped->pad_batch(src_rows, torch::kCPU),
                             grouped->pad_batch(tgt_rows, torch::kCPU), G);
  auto lc = copied->forward(copied->pad_batch(src_copies, torch::kCPU),
                            copied->pad_batch(tgt_real, torch::kCPU));
  // The grouped rows that hold a target, in order, and a loss over each one's real positions.
  std::vector<int64_t> keep;
  for (size_t r = 0; r < tgt_rows.size(); ++r)
    if (!tgt_rows[r].empty()) keep.push_back(static_cast<int64_t>(r));
  lg = lg.index_select(0, torch::tensor(keep));
  ASSERT_EQ(lg.sizes(), lc.sizes());
  auto mask = copied->pad_batch(tgt_real, torch::kCPU).ne(o.pad_id).unsqueeze(-1);
  EXPECT_TRUE(torch::allclose(lg.masked_select(mask), lc.masked_select(mask), 1e-4, 1e-5));
  (torch::log_softmax(lg, -1).select(-1, 3) * mask.squeeze(-1)).sum().backward();
  (torch::log_softmax(lc, -1).select(-1, 3) * mask.squeeze(-1)).sum().backward();
  auto pg = grouped->named_parameters(), pc = copied->named_parameters();
  for (const auto& kv : pg) {
    SCOPED_TRACE(kv.key());
    ASSERT_TRUE(kv.value().grad().defined());
    EXPECT_TRUE(torch::allclose(kv.value().grad(), pc[kv.key()].grad(), 1e-4, 1e-5));
  }
  // Target rows must be sources x group.
  EXPECT_THROW(grouped->forward(grouped->pad_batch(src_rows, torch::kCPU),
                                grouped->pad_batch(tgt_rows, torch::kCPU), 2),
               Error);
}

TEST(ModelStep, ParameterCountMatchesModule) {
  const ModelOptions o = small_options();
  Transformer m(o);
  int64_t n = 0;
  for (const auto& p : m->parameters()) n += p.numel();
  EXPECT_EQ(n, o.parameter_count());
}

// Training dropout: zeroes a share p of the values and scales the rest by 1 / (1 - p) (the
// oracle: counting), the same mask for the same torch seed whatever the thread count, a
// fresh mask on the next call, and a gradient that is the mask itself.
TEST(ModelDropout, ZeroesShareAndScalesRestReproducibly) {
  const int threads = torch::get_num_threads();
  for (auto type : {torch::kFloat, torch::kBFloat16}) {
    for (double p : {0.1, 0.5}) {
      SCOPED_TRACE(std::string(c10::toString(type)) + " p=" + std::to_string(p));
      auto x = torch::full({1000, 999}, 3.0, torch::dtype(type));  // odd size: a partial block
      torch::manual_seed(7);
      torch::set_num_threads(1);
      auto a = train_dropout(x, p);
      torch::manual_seed(7);
      torch::set_num_threads(2);
      auto b = train_dropout(x, p);
      auto c = train_dropout(x, p);
      torch::set_num_threads(threads);
      ASSERT_EQ(a.sizes(), x.sizes());
      ASSERT_EQ(a.scalar_type(), type);
      EXPECT_TRUE(torch::equal(a, b));
      EXPECT_FALSE(torch::equal(b, c));
      auto af = a.to(torch::kFloat);
      const double zeros = af.eq(0).sum().item<double>() / double(x.numel());
      EXPECT_NEAR(zeros, p, 0.003);  // about 6 standard deviations at p = 0.5
      // Kept values: x times 1 / (1 - p) as the dtype holds it.
      const float kept = (torch::full({1}, 3.0, torch::dtype(type)) *
                          torch::full({1}, 1.0 / (1.0 - p), torch::dtype(type)))
                             .to(torch::kFloat)
                             .item<float>();
      EXPECT_NEAR(kept, 3.0 / (1.0 - p), 0.03);
      EXPECT_TRUE(af.masked_select(af.ne(0)).eq(kept).all().item<bool>());
      // Each row and column keeps about 1 - p: no stripes from the 16-bit draws.
      auto row_share = af.ne(0).to(torch::kFloat).mean(1);
      EXPECT_LT((row_share - (1 - p)).abs().max().item<double>(), 0.08);
      auto col_share = af.ne(0).to(torch::kFloat).mean(0);
      EXPECT_LT((col_share - (1 - p)).abs().max().item<double>(), 0.08);
    }
  }
  auto w = torch::ones({64, 64}, torch::requires_grad());
  auto y = train_dropout(w, 0.25);
  y.sum().backward();
  EXPECT_TRUE(torch::equal(w.grad(), y.detach()));  // d(x * mask)/dx = mask = y at x = 1
  EXPECT_TRUE(torch::equal(train_dropout(w, 0), w));
}

}  // namespace
}  // namespace lcr
