// The training loop: a tiny model learns a tiny dataset by heart, a resumed run follows the
// uninterrupted one exactly, and bad data or a mismatched tokenizer are refused.
#include "lcr/trainer/train.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "data.h"
#include "fake_step_model.h"
#include "lcr/core/error.h"
#include "lcr/model/step_model.h"
#include "lcr/trainer/plain_search.h"
#include "model_fixture.h"

namespace lcr {
namespace {

using test::TempDir;
using test::error_of;

class TrainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tok_path_ = dir_.file("tok.model");
    tok_ = std::make_unique<Tokenizer>(test::tiny_tokenizer(tok_path_));
    data_ = dir_.file("data");
    std::filesystem::create_directories(data_);
    test::write_training_data(data_, *tok_, test::tiny_pairs());
  }
  TrainOptions options(const std::string& out) const {
    TrainOptions o;
    o.data_dir = data_;
    o.tokenizer_path = tok_path_;
    o.out = dir_.file(out);
    o.model = test::tiny_model(*tok_);
    o.steps = 300;
    o.warmup_steps = 20;
    o.lr = 3e-3;
    o.label_smoothing = 0;
    o.weight_decay = 0;
    o.batch_tokens = 128;  // a few batches per epoch
    o.valid_every = 0;
    o.save_every = 0;
    o.device = "cpu";
    o.amp = "off";  // fp32 unless a test says otherwise: "auto" depends on the CPU
    o.quiet = true;
    return o;
  }
  TempDir dir_;
  std::string tok_path_, data_;
  std::unique_ptr<Tokenizer> tok_;
};

TEST_F(TrainTest, TinyModelLearnsTinyDatasetByHeart) {
  TrainOptions o = options("overfit.lcr");
  TrainResult r = train(o);
  EXPECT_EQ(r.last_step, 300);
  EXPECT_EQ(r.stop_reason, "schedule done");
  EXPECT_LT(r.losses.back(), 0.05) << "first loss " << r.losses.front();
  auto model = TorchStepModel::load(o.out, *tok_, tok_path_, "cpu");
  EXPECT_FALSE(model->first_tokens().empty());
  PlainSearchOptions s;
  s.beam = 1;  // greedy
  s.max_len = model->max_steps();
  for (const auto& [src, tgt] : test::tiny_pairs()) {
    auto h = plain_beam_search(*model, tok_->encode(src), s);
    ASSERT_EQ(h.size(), 1u);
    EXPECT_TRUE(h[0].finished);
    EXPECT_EQ(tok_->decode(h[0].tokens), tgt) << src;
  }
}

TEST_F(TrainTest, ResumeFollowsTheUninterruptedRun) {
  TrainOptions a = options("a.lcr");
  a.steps = 14;
  a.warmup_steps = 4;
  a.model.dropout = 0.1;  // dropout draws must replay too
  a.label_smoothing = 0.1;
  a.weight_decay = 0.01;
  TrainResult full = train(a);
  ASSERT_EQ(full.losses.size(), 14u);

  TrainOptions b = a;
  b.out = dir_.file("b.lcr");
  b.stop_after = 6;
  TrainResult first = train(b);
  EXPECT_EQ(first.stop_reason, "stop_after");
  ASSERT_EQ(first.losses.size(), 6u);
  b.stop_after = 0;
  b.resume = true;
  b.lr = 0.5;  // ignored on resume: the schedule comes from the checkpoint
  TrainResult second = train(b);
  EXPECT_EQ(second.first_step, 6);
  EXPECT_EQ(second.last_step, 14);
  ASSERT_EQ(second.losses.size(), 8u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(first.losses[i], full.losses[i]) << i;
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(second.losses[i], full.losses[6 + i]) << 6 + i;
  EXPECT_EQ(load_checkpoint(a.out).model_state, load_checkpoint(b.out).model_state);
}

// bf16 autocast on the CPU (--amp on; "auto" picks it where the CPU has native bf16): the
// steps follow the fp32 run's closely but not bit for bit (so autocast is really on), a
// resumed run still follows the uninterrupted one exactly, and the tiny data is learnt.
TEST_F(TrainTest, CpuBf16AutocastTrainsAndResumesExactly) {
  TrainOptions f = options("fp32.lcr");
  f.steps = 14;
  f.warmup_steps = 4;
  f.model.dropout = 0.1;
  TrainOptions a = f;
  a.out = dir_.file("bf16.lcr");
  a.amp = "on";
  TrainResult fp32 = train(f), full = train(a);
  ASSERT_EQ(full.losses.size(), 14u);
  bool differs = false;
  for (size_t i = 0; i < 14; ++i) {
    EXPECT_NEAR(full.losses[i], fp32.losses[i], 0.03 * fp32.losses[i] + 0.02) << i;
    differs |= full.losses[i] != fp32.losses[i];
  }
  EXPECT_TRUE(differs) << "bf16 autocast gave the fp32 losses bit for bit: not in effect?";

  TrainOptions b = a;
  b.out = dir_.file("bf16b.lcr");
  b.stop_after = 6;
  train(b);
  b.stop_after = 0;
  b.resume = true;
  TrainResult rest = train(b);
  ASSERT_EQ(rest.losses.size(), 8u);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(rest.losses[i], full.losses[6 + i]) << 6 + i;

  TrainOptions o = options("bf16-overfit.lcr");
  o.amp = "on";
  TrainResult r = train(o);
  EXPECT_LT(r.losses.back(), 0.1) << "first loss " << r.losses.front();
}

TEST(TrainOptionsTest, AmpMustBeAutoOnOrOff) {
  TrainOptions o;
  o.data_dir = "d";
  o.tokenizer_path = "t";
  o.out = "o";
  for (const char* ok : {"auto", "on", "off"}) {
    o.amp = ok;
    EXPECT_NO_THROW(o.validate()) << ok;
  }
  o.amp = "bf16";
  EXPECT_NE(test::error_of([&] { o.validate(); }).find("--amp must be auto, on or off"),
            std::string::npos);
}

// Several targets per source: the tiny pairs plus a second (and third) span of some sources.
test::Pairs multi_target_pairs() {
  test::Pairs p = test::tiny_pairs();
  const auto& t = test::tiny_pairs();
  p.push_back({t[0].first, "价值三千元"});
  p.push_back({t[1].first, "驾驶机动车"});
  p.push_back({t[0].first, "他人手机"});
  p.push_back({t[4].first, "海洛因五克"});
  return p;
}

// With the whole data in one batch, no dropout and no smoothing, a by-source run takes the
// steps of a by-pair run: same pairs, same token-mean loss, each source encoded once instead
// of once per target.
TEST_F(TrainTest, BySourceTakesTheStepsOfByPair) {
  test::write_training_data(data_, *tok_, multi_target_pairs());
  TrainOptions a = options("pair.lcr");
  a.steps = 8;
  a.warmup_steps = 2;
  a.batch_tokens = 1 << 20;  // one batch
  a.batch_by = "pair";
  TrainOptions b = a;
  b.out = dir_.file("source.lcr");
  b.batch_by = "source";
  TrainResult ra = train(a), rb = train(b);
  ASSERT_EQ(ra.losses.size(), 8u);
  ASSERT_EQ(rb.losses.size(), 8u);
  for (size_t i = 0; i < 8; ++i) EXPECT_NEAR(ra.losses[i], rb.losses[i], 1e-4) << i;
  EXPECT_LT(rb.losses.back(), rb.losses.front() - 0.5);
}

// A checkpoint from before --batch-by (no "batch_by" in its schedule) resumes by pair, the
// batching it was trained with, whatever the options say.
TEST_F(TrainTest, CheckpointWithoutBatchByResumesByPair) {
  test::write_training_data(data_, *tok_, multi_target_pairs());
  TrainOptions a = options("a.lcr");
  a.steps = 10;
  a.warmup_steps = 2;
  a.batch_by = "pair";
  TrainResult full = train(a);
  TrainOptions b = a;
  b.out = dir_.file("b.lcr");
  b.stop_after = 4;
  train(b);
  Checkpoint c = load_checkpoint(b.out);
  auto state = nlohmann::json::parse(c.trainer_state);
  ASSERT_EQ(state["schedule"].erase("batch_by"), 1u);
  c.trainer_state = state.dump();
  save_checkpoint(b.out, c);
  b.stop_after = 0;
  b.resume = true;
  b.batch_by = "source";  // ignored on resume
  TrainResult rest = train(b);
  ASSERT_EQ(rest.losses.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(rest.losses[i], full.losses[4 + i]) << 4 + i;
}

TEST_F(TrainTest, ValidLossAndTimeBudget) {
  test::write_training_data(data_, *tok_, test::tiny_pairs(), 2);
  TrainOptions o = options("v.lcr");
  o.steps = 5;
  o.warmup_steps = 2;
  o.valid_every = 2;
  TrainResult r = train(o);
  EXPECT_TRUE(r.valid_loss > 0 && r.valid_loss < 20) << r.valid_loss;
  EXPECT_GT(r.tokens_per_second, 0);
  TrainOptions t = options("t.lcr");
  t.max_minutes = 1e-9;
  EXPECT_EQ(train(t).stop_reason, "time budget");
  EXPECT_EQ(load_checkpoint(t.out).step, 0);
}

TEST_F(TrainTest, RefusesMismatchedTokenizerDataAndOverwrite) {
  TrainOptions o = options("r.lcr");
  o.steps = 2;
  o.warmup_steps = 1;
  train(o);
  EXPECT_EQ(error_of([&] { train(o); }),
            o.out + ": exists; pass --resume to continue it, or choose another --out");
  // Resume against other data.
  const std::string other = dir_.file("other");
  std::filesystem::create_directories(other);
  auto pairs = test::tiny_pairs();
  pairs.pop_back();
  test::write_training_data(other, *tok_, pairs);
  TrainOptions r = o;
  r.resume = true;
  r.data_dir = other;
  EXPECT_NE(error_of([&] { train(r); }).find(": was trained on other data"), std::string::npos);
  // A serving copy (no optimizer state) cannot resume exactly.
  TrainOptions s = o;
  s.out = dir_.file("r-serve.lcr");
  s.resume = true;
  export_for_serving(o.out, s.out);
  EXPECT_EQ(error_of([&] { train(s); }),
            s.out + ": holds no optimizer state (a serving copy from lcr train export), so it "
                    "cannot resume exactly; resume the checkpoint lcr train wrote");
  // Data made with another tokenizer.
  Tokenizer tok2 = test::tiny_tokenizer(dir_.file("tok2.model"), 1, "另一个分词器的句子。");
  TrainOptions t = options("t2.lcr");
  t.tokenizer_path = dir_.file("tok2.model");
  EXPECT_EQ(error_of([&] { train(t); }),
            data_ + "/manifest.json: training data was made with tokenizer " + hex64(tok_->hash()) +
                ", but the tokenizer given has hash " + hex64(tok2.hash()) +
                "; pass the same --tokenizer as `lcr train data` used, or rebuild the data");
  // A bad line names the file and line.
  test::write_text(data_ + "/pairs.jsonl", R"({"src":"a","tgt":"b","split":"train"})"
                                           "\n"
                                           R"({"src":"a","tgt":"b","split":"test"})"
                                           "\n");
  EXPECT_EQ(error_of([&] { train(options("bad.lcr")); }),
            data_ + "/pairs.jsonl:2: \"split\" must be \"train\" or \"valid\", not \"test\"");
}

// The charge head (--charge-loss): trained jointly with the elements, it learns each
// source's charges (top-1 on the valid copies of the training sources reaches 1), the
// elements are still learned by heart, and with a negligible weight the head stays at chance.
TEST_F(TrainTest, ChargeHeadLearnsTheSourcesCharges) {
  test::Pairs pairs = test::tiny_pairs();
  pairs.insert(pairs.end(), test::tiny_pairs().begin(), test::tiny_pairs().end());
  std::vector<std::vector<std::string>> charges = {
      {"盗窃罪"}, {"危险驾驶罪"}, {"故意伤害罪"}, {"诈骗罪"}, {"贩卖毒品罪"},
      {"寻衅滋事罪", "故意伤害罪"}, {"非法持有枪支罪"}, {"受贿罪"}};
  charges.insert(charges.end(), charges.begin(), charges.end());
  test::write_training_data(data_, *tok_, pairs, 8, &charges);  // valid: the same 8 sources
  TrainOptions o = options("charge.lcr");
  o.charge_loss = 1.0;
  TrainResult r = train(o);
  EXPECT_EQ(r.valid_charge_accuracy, 1.0);
  EXPECT_LT(r.valid_loss, 0.05);  // element NLL on the same pairs
  const Checkpoint ck = load_checkpoint(o.out);
  EXPECT_EQ(ck.options.charge_classes, 8);
  std::set<std::string> names;  // the head's classes: every label, sorted
  for (const auto& c : charges) names.insert(c.begin(), c.end());
  EXPECT_EQ(nlohmann::json::parse(ck.trainer_state).at("charge_names"),
            nlohmann::json(std::vector<std::string>(names.begin(), names.end())));
  auto model = TorchStepModel::load(o.out, *tok_, tok_path_, "cpu");  // the head loads too
  PlainSearchOptions s;
  s.beam = 1;
  s.max_len = model->max_steps();
  for (const auto& [src, tgt] : test::tiny_pairs())
    EXPECT_EQ(tok_->decode(plain_beam_search(*model, tok_->encode(src), s).at(0).tokens), tgt);
  // At inference the head reads each source as training scored it: a distribution over the
  // sorted labels whose most probable one is a charge of that source.
  EXPECT_EQ(model->charge_names(), std::vector<std::string>(names.begin(), names.end()));
  std::vector<std::vector<int32_t>> sources;
  for (const auto& [src, tgt] : test::tiny_pairs()) sources.push_back(tok_->encode(src));
  model->start(sources);
  const auto probs = model->source_charges();
  ASSERT_EQ(probs.size(), sources.size());
  for (size_t i = 0; i < probs.size(); ++i) {
    ASSERT_EQ(probs[i].size(), names.size());
    double sum = 0;
    for (float p : probs[i]) sum += p;
    EXPECT_NEAR(sum, 1.0, 1e-4);
    const auto best = std::max_element(probs[i].begin(), probs[i].end()) - probs[i].begin();
    const std::string& top = model->charge_names()[static_cast<size_t>(best)];
    EXPECT_NE(std::find(charges[i].begin(), charges[i].end(), top), charges[i].end()) << i;
  }
  // A head whose classes the trainer state does not name is refused.
  Checkpoint unnamed = ck;
  unnamed.trainer_state = "{}";
  EXPECT_EQ(error_of([&] { TorchStepModel m(unnamed, "cpu", "unnamed.lcr"); }),
            "unnamed.lcr: the model has a charge head of 8 classes but its trainer state names 0 "
            "charges (charge_names)");

  TrainOptions weak = options("weak.lcr");
  weak.charge_loss = 1e-9;
  EXPECT_LT(train(weak).valid_charge_accuracy, 0.5);
  TrainOptions none = options("none.lcr");
  none.steps = 2;
  none.warmup_steps = 1;
  TrainResult n = train(none);
  EXPECT_TRUE(std::isnan(n.valid_charge_accuracy));
  EXPECT_EQ(load_checkpoint(none.out).options.charge_classes, 0);
  auto headless = TorchStepModel::load(none.out, *tok_, tok_path_, "cpu");
  headless->start(sources);
  EXPECT_TRUE(headless->source_charges().empty());
  EXPECT_TRUE(headless->charge_names().empty());

  // Resuming against other charge labels is refused.
  charges[0] = charges[8] = {"抢劫罪"};
  test::write_training_data(data_, *tok_, pairs, 8, &charges);
  TrainOptions again = o;
  again.resume = true;
  EXPECT_EQ(error_of([&] { train(again); }),
            o.out + ": its charge head was trained on other charge labels than " + data_ +
                "/pairs.jsonl holds; resume with the same --data");
}

TEST_F(TrainTest, ChargeLossNeedsWellFormedCharges) {
  TrainOptions o = options("c.lcr");
  o.charge_loss = 0.5;
  EXPECT_EQ(error_of([&] { train(o); }),
            data_ + "/pairs.jsonl: --charge-loss needs the cases' charges, and no pair has a "
                    "\"charges\" label (a corpus without charges, or data written before `lcr "
                    "train data` wrote them: rebuild it)");
  test::write_text(data_ + "/pairs.jsonl",
                   R"({"src":"a","tgt":"b","split":"train","charges":["盗窃罪"]})"
                   "\n"
                   R"({"src":"c","tgt":"d","split":"train","charges":"盗窃罪"})"
                   "\n");
  EXPECT_EQ(error_of([&] { train(o); }),
            data_ + "/pairs.jsonl:2: \"charges\" must be an array of strings");
  o.charge_loss = -1;
  EXPECT_EQ(error_of([&] { train(o); }), "train: --charge-loss must lie in [0, 100]");
}

// make_batches on random data: every example once; by source, a source's examples are
// consecutive and in one batch; each batch within the token budget unless it is one unit.
TEST(TrainBatches, EveryExampleOnceSourcesWholeWithinBudget) {
  std::mt19937 rng(11);
  train_detail::TrainingData d;
  for (int s = 0; s < 60; ++s)
    d.sources.emplace_back(std::uniform_int_distribution<int>(1, 40)(rng), 7);
  for (int e = 0; e < 400; ++e) {
    train_detail::Example x;
    // Skewed: a few sources get many targets.
    x.source = static_cast<uint32_t>(std::min(
        59, static_cast<int>(std::exponential_distribution<double>(0.08)(rng))));
    x.target.assign(std::uniform_int_distribution<size_t>(1, 12)(rng), 3);
    d.train.push_back(x);
  }
  for (bool by_source : {false, true})
    for (int64_t budget : {16, 200, 1000, 5000}) {
      SCOPED_TRACE(std::string(by_source ? "source" : "pair") + " " + std::to_string(budget));
      auto batches = train_detail::make_batches(d, d.train, budget, by_source);
      std::vector<int> seen(d.train.size(), 0);
      std::set<uint32_t> done_sources;
      for (const auto& b : batches) {
        ASSERT_FALSE(b.empty());
        std::map<uint32_t, size_t> per_source;
        size_t src = 0, tgt = 0, units = 0;
        for (size_t k = 0; k < b.size(); ++k) {
          const auto& x = d.train[b[k]];
          ++seen[b[k]];
          src = std::max(src, d.sources[x.source].size() + 1);
          tgt = std::max(tgt, x.target.size());
          const bool new_unit = !by_source || k == 0 || d.train[b[k - 1]].source != x.source;
          units += new_unit;
          if (by_source && new_unit) ASSERT_TRUE(done_sources.insert(x.source).second);
          ++per_source[x.source];
        }
        size_t group = 1;
        if (by_source)
          for (const auto& [s, n] : per_source) group = std::max(group, n);
        if (units > 1) EXPECT_LE(static_cast<int64_t>(units * (src + group * tgt)), budget);
      }
      for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << i;
      if (by_source) {  // sources whole: each appeared as one unit, and all did
        std::set<uint32_t> all;
        for (const auto& x : d.train) all.insert(x.source);
        EXPECT_EQ(done_sources, all);
      }
    }
}

// With a beam that holds every sequence, beam search returns the exact best sequences.
TEST(BeamSearch, MatchesExhaustiveEnumerationOnFakeModel) {
  test::FakeStepModel m(6);  // ids 0..5, bos 1, eos 2
  const int max_len = 3;
  struct Seq {
    std::vector<int32_t> t;
    double lp;
  };
  std::vector<Seq> all, frontier = {{{}, 0.0}};
  for (int len = 0; len < max_len; ++len) {
    std::vector<Seq> next;
    for (const auto& s : frontier) {
      auto lp = m.log_probs(0, s.t);
      for (int32_t id = 0; id < 6; ++id) {
        if (id == 1) continue;
        if (id == 2) {
          all.push_back({s.t, s.lp + lp[2]});
          continue;
        }
        auto t = s.t;
        t.push_back(id);
        next.push_back({t, s.lp + lp[static_cast<size_t>(id)]});
      }
    }
    frontier = next;
  }
  std::sort(all.begin(), all.end(), [](const Seq& a, const Seq& b) { return a.lp > b.lp; });
  PlainSearchOptions o;
  o.beam = 1000;
  o.top = 5;
  o.max_len = max_len;
  auto got = plain_beam_search(m, {3, 4}, o);
  ASSERT_EQ(got.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(got[i].tokens, all[i].t) << i;
    EXPECT_NEAR(got[i].log_prob, all[i].lp, 1e-5) << i;
  }
}

}  // namespace
}  // namespace lcr
