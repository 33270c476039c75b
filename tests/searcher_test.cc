// The query pipeline: plain messages for bad queries, splitting of long ones, and an
// end-to-end search with a fake model whose every element and match is checked against the
// case texts.
#include "lcr/decoder/searcher.h"

#include <gtest/gtest.h>

#include <cmath>

#include "fake_step_model.h"
#include "lcr/core/error.h"
#include "test_util.h"

namespace lcr {
namespace {

// A model that copies from its source: the tokens that continue the prefix somewhere in the
// source share most of the mass, end-of-sequence gets some after three tokens.
class CopyModel : public test::PrefixStepModel {
 public:
  using PrefixStepModel::PrefixStepModel;
  std::vector<float> log_probs(int s, const std::vector<int32_t>& p) const override {
    const auto& src = source(s);
    std::vector<float> row(static_cast<size_t>(V_), std::log(1e-6f));
    std::vector<int32_t> follow;
    for (size_t i = 0; i + p.size() < src.size(); ++i)
      if (std::equal(p.begin(), p.end(), src.begin() + static_cast<long>(i)))
        follow.push_back(src[i + p.size()]);
    for (int32_t t : follow)
      row[static_cast<size_t>(t)] = std::log(0.8f / static_cast<float>(follow.size()));
    if (p.size() >= 3) row[static_cast<size_t>(eos_)] = std::log(0.15f);
    return row;
  }
};

// A CopyModel that keeps the sources of its last start(): what the search gave the model.
class Recorder : public CopyModel {
 public:
  using CopyModel::CopyModel;
  void start(const std::vector<std::vector<int32_t>>& sources) override {
    seen = sources;
    CopyModel::start(sources);
  }
  std::vector<std::vector<int32_t>> seen;
};

// Writes `corpus` (JSONL) into `dir`, indexes it with a 400-piece tokenizer and opens it.
fm::Index build_small_index(const test::TempDir& dir, const std::string& corpus) {
  test::write_text(dir.file("c.jsonl"), corpus);
  fm::IndexBuildOptions bo;
  bo.corpus = dir.file("c.jsonl");
  bo.out = dir.file("idx");
  bo.tokenizer_options.vocab_size = 400;
  bo.tokenizer_options.quiet = true;
  fm::build_index(bo);
  return fm::Index::open(dir.file("idx"));
}

std::string error_of(const std::string& q) {
  return test::error_of([&] { validate_query(q, 100); });
}

TEST(Searcher, BadQueriesGetPlainMessages) {
  EXPECT_EQ(error_of(""), "the query is empty");
  EXPECT_EQ(error_of(" \n\t "), "the query holds only whitespace");
  EXPECT_EQ(error_of("盗\xff窃"), "the query is not valid UTF-8 (bad byte at offset 3)");
  EXPECT_EQ(error_of(std::string(101, 'x')),
            "the query is 101 bytes; the limit is 100 (--max-query-bytes)");
  EXPECT_EQ(error_of("被告人盗窃"), "(no error)");
}

TEST(Searcher, SplitsLongQueriesAtSentenceEnds) {
  EXPECT_EQ(split_query("短。", 30, 4).size(), 1u);
  std::string q;
  for (int i = 0; i < 10; ++i) q += "被告人实施了第" + std::to_string(i) + "次行为。";
  auto parts = split_query(q, 30, 4);
  EXPECT_EQ(parts.size(), 4u);
  std::string joined;
  for (const auto& p : parts) joined += p;
  EXPECT_EQ(joined, q);
}

TEST(Searcher, EveryElementAndMatchOccursInTheCorpus) {
  test::TempDir dir;
  std::string corpus;
  const char* acts[] = {"秘密窃取他人财物价值人民币三千元", "持刀故意伤害他人致轻伤二级",
                        "醉酒驾驶机动车血液酒精含量超标", "虚构事实骗取他人钱款两万元"};
  for (int i = 0; i < 24; ++i)
    corpus += "{\"id\":\"c" + std::to_string(i) + "\",\"title\":\"案" + std::to_string(i) +
              "\",\"text\":\"经审理查明，被告人某" + std::to_string(i) + acts[i % 4] +
              "。本院认为其行为构成犯罪。\"}\n";
  auto index = build_small_index(dir, corpus);
  CopyModel model(index.tokenizer().vocab_size(), index.tokenizer().bos_id(),
                  index.tokenizer().eos_id());
  SearchOptions so;
  so.beam.beam_size = 8;
  so.beam.max_length = 6;
  so.rank.top_k = 5;
  so.part_chars = 20;
  Searcher searcher(index, &model, {}, so);
  auto res = searcher.search("被告人秘密窃取他人财物。后又持刀故意伤害他人，致人轻伤。");
  EXPECT_GT(res.parts, 1);
  ASSERT_FALSE(res.elements.empty());
  std::vector<std::string> texts;
  for (uint32_t d = 0; d < index.num_cases(); ++d) texts.push_back(index.get_case(d).text);
  for (const auto& e : res.elements) {
    bool found = false;
    for (const auto& t : texts) found = found || t.find(e.text) != std::string::npos;
    EXPECT_TRUE(found) << "generated element '" << e.text << "' is not in the corpus";
  }
  ASSERT_FALSE(res.hits.empty()) << res.note;
  for (const auto& h : res.hits) {
    const auto text = index.get_case(h.case_index).text;
    ASSERT_FALSE(h.matches.empty());
    for (const auto& m : h.matches) EXPECT_NE(text.find(m.text), std::string::npos);
    EXPECT_NE(h.snippet.find("【" + h.matches[0].text + "】"), std::string::npos) << h.snippet;
  }
  // The query describes a theft and an injury: the best cases are of those two kinds.
  for (size_t i = 0; i < std::min<size_t>(2, res.hits.size()); ++i)
    EXPECT_LT(res.hits[i].case_index % 4, 2u) << res.hits[i].id;
  EXPECT_THROW(searcher.search("   "), Error);

  // Given elements (the extractor-only baseline) go through the same locate-and-rank path;
  // one absent from the corpus is dropped.
  auto given = searcher.search_with_elements(
      {"醉酒驾驶"}, {{{"醉酒驾驶机动车", std::log(0.5)}, {"醉酒驾驶机动车撞人", std::log(0.5)},
                      {"龘龘", std::log(0.5)}}});
  // The second is cut to its corpus prefix, a duplicate of the first; the third has none.
  ASSERT_EQ(given[0].elements.size(), 1u);
  ASSERT_EQ(given[0].hits.size(), 5u);
  for (const auto& h : given[0].hits) EXPECT_EQ(h.case_index % 4, 2u) << h.id;
}

// The model reads each source as SearchOptions::source_text makes it (lcr search sets
// traindata::anonymise for a model trained on anonymised sources); parts are split from the
// query as written, then each is transformed, knowing the whole query it came from.
TEST(Searcher, TheModelReadsEverySourceThroughSourceText) {
  test::TempDir dir;
  std::string corpus;
  for (int i = 0; i < 8; ++i)
    corpus += "{\"id\":\"c" + std::to_string(i) + "\",\"text\":\"被告人秘密窃取他人财物。醉酒驾驶机动车。\"}\n";
  auto index = build_small_index(dir, corpus);
  const auto& tok = index.tokenizer();
  Recorder model(tok.vocab_size(), tok.bos_id(), tok.eos_id());
  SearchOptions so;
  so.beam.max_length = 4;
  so.part_chars = 20;
  so.source_text = [](const std::string& t, const std::string& whole) {
    return "【" + t + "】" + std::to_string(whole.size());
  };
  Searcher searcher(index, &model, {}, so);
  const std::string q = "被告人秘密窃取他人财物，价值三千元。后又醉酒驾驶机动车，被民警查获。";
  searcher.search(q);
  const auto parts = split_query(q, so.part_chars, so.max_parts);
  ASSERT_EQ(parts.size(), 2u);
  ASSERT_EQ(model.seen.size(), 3u);
  const std::string n = std::to_string(q.size());
  EXPECT_EQ(model.seen[0], tok.encode("【" + q + "】" + n));
  for (size_t p = 0; p < parts.size(); ++p)
    EXPECT_EQ(model.seen[p + 1], tok.encode("【" + parts[p] + "】" + n)) << p;
  // Without it the model reads the query as written.
  Searcher plain(index, &model, {}, [&] { auto o = so; o.source_text = nullptr; return o; }());
  plain.search(q);
  EXPECT_EQ(model.seen[0], tok.encode(q));
}

// With source_window set, a part is searched on its own only when the whole query's window
// does not read all of it: the window's reach is worked out here from the token counts of
// the query's first parts, and the sources the model is given are checked one by one.
TEST(Searcher, PartsTheWindowReadsAreNotSearchedAgain) {
  test::TempDir dir;
  std::string corpus;
  for (int i = 0; i < 8; ++i)
    corpus += "{\"id\":\"c" + std::to_string(i) +
              "\",\"text\":\"被告人秘密窃取他人财物。醉酒驾驶机动车。持刀伤害他人。\"}\n";
  auto index = build_small_index(dir, corpus);
  const auto& tok = index.tokenizer();
  Recorder model(tok.vocab_size(), tok.bos_id(), tok.eos_id());
  const std::string q =
      "被告人秘密窃取他人财物，价值三千元。后又醉酒驾驶机动车，被民警查获。次日持刀伤害他人，致人轻伤。";
  SearchOptions so;
  so.beam.max_length = 4;
  so.part_chars = 20;
  const auto parts = split_query(q, so.part_chars, so.max_parts);
  ASSERT_EQ(parts.size(), 3u);
  const size_t first = tok.encode(parts[0]).size(), two = tok.encode(parts[0] + parts[1]).size();
  ASSERT_LT(first, two);
  auto run = [&](size_t window) {
    auto o = so;
    o.source_window = window;
    return Searcher(index, &model, {}, o).search(q);
  };
  // 0: every part, after the whole query.
  auto r = run(0);
  EXPECT_EQ(r.parts, 3);
  ASSERT_EQ(model.seen.size(), 4u);
  // The window reads the first two parts: only the third is searched on its own.
  r = run(two);
  EXPECT_EQ(r.parts, 1);
  ASSERT_EQ(model.seen.size(), 2u);
  EXPECT_EQ(model.seen[0], tok.encode(q));
  EXPECT_EQ(model.seen[1], tok.encode(parts[2]));
  for (const auto& e : r.elements) EXPECT_TRUE(e.part == -1 || e.part == 2) << e.text;
  // One token short of the first part: all three are.
  r = run(first - 1);
  EXPECT_EQ(r.parts, 3);
  EXPECT_EQ(model.seen.size(), 4u);
  // The whole query fits: one source.
  r = run(tok.encode(q).size());
  EXPECT_EQ(r.parts, 0);
  EXPECT_EQ(model.seen.size(), 1u);
}

// A model with a charge head: the search reports the head's reading of the whole query
// (not of its parts), its most probable charges first, under the names it was given.
TEST(Searcher, ReportsTheModelsChargeReadingOfTheWholeQuery) {
  class HeadModel : public Recorder {
   public:
    using Recorder::Recorder;
    std::vector<std::vector<float>> source_charges() const override {
      std::vector<std::vector<float>> out;
      for (size_t i = 0; i < seen.size(); ++i)  // the whole query is source 0; parts read otherwise
        out.push_back(i == 0 ? std::vector<float>{0.1f, 0.7f, 0.2f}
                             : std::vector<float>{0.9f, 0.05f, 0.05f});
      return out;
    }
  };
  test::TempDir dir;
  std::string corpus;
  for (int i = 0; i < 4; ++i)
    corpus += "{\"id\":\"c" + std::to_string(i) + "\",\"text\":\"被告人秘密窃取他人财物。醉酒驾驶机动车。\"}\n";
  auto index = build_small_index(dir, corpus);
  const auto& tok = index.tokenizer();
  HeadModel model(tok.vocab_size(), tok.bos_id(), tok.eos_id());
  SearchOptions so;
  so.beam.max_length = 4;
  so.part_chars = 20;
  so.charge_names = {"盗窃罪", "危险驾驶罪", "诈骗罪"};
  const std::string q = "被告人秘密窃取他人财物，价值三千元。后又醉酒驾驶机动车，被民警查获。";
  auto r = Searcher(index, &model, {}, so).search(q);
  ASSERT_GT(r.parts, 0);
  ASSERT_EQ(r.model_charges.size(), 3u);
  EXPECT_EQ(r.model_charges[0].charge, "危险驾驶罪");
  EXPECT_FLOAT_EQ(static_cast<float>(r.model_charges[0].share), 0.7f);
  EXPECT_EQ(r.model_charges[1].charge, "诈骗罪");
  EXPECT_EQ(r.model_charges[2].charge, "盗窃罪");
  // Names that do not match the head's classes: nothing is reported, nothing breaks.
  so.charge_names = {"盗窃罪"};
  EXPECT_TRUE(Searcher(index, &model, {}, so).search(q).model_charges.empty());
}

// Charge feedback against hand-worked scores: one rare element points to a fraud case, one
// commoner element to three theft cases. The likely charges are the best cases' charges
// weighted by score; with feedback each case gains lambda times the share its charges cover.
TEST(Searcher, ChargeFeedbackFollowsTheHandWorkedScores) {
  test::TempDir dir;
  std::string corpus;
  auto add = [&](const std::string& id, const std::string& charge, const std::string& text) {
    corpus += "{\"id\":\"" + id + "\",\"title\":\"" + id + "\",\"charges\":[\"" + charge +
              "\"],\"text\":\"" + text + "\"}\n";
  };
  add("t0", "盗窃罪", "经审理查明，被告人甲秘密窃取他人财物。");
  add("t1", "盗窃罪", "经审理查明，被告人乙秘密窃取他人财物。");
  add("t2", "盗窃罪", "经审理查明，被告人丙秘密窃取他人财物。");
  add("f0", "诈骗罪", "经审理查明，被告人丁在超市门口相遇后虚构事实骗取钱款。");
  for (int i = 0; i < 20; ++i)
    add("d" + std::to_string(i), "危险驾驶罪",
        "经审理查明，被告人醉酒驾驶机动车，血液酒精含量" + std::to_string(100 + i) + "毫克。");
  auto index = build_small_index(dir, corpus);
  const double lp = std::log(0.3);
  const std::vector<std::vector<std::pair<std::string, double>>> elements = {
      {{"秘密窃取他人财物", lp}, {"超市门口相遇", lp}}};

  // The hand-worked figures: weights from the ranker's formula with the corpus counts 3 and 1.
  const uint64_t N = index.fm().num_tokens();
  const double w_theft = element_weight(lp, 3, N, 2.0), w_fraud = element_weight(lp, 1, N, 2.0);
  ASSERT_GT(w_fraud, w_theft);
  const double r = w_theft / w_fraud;                // theft cases' score over the best one
  const double theft_share = 3 * r / (1 + 3 * r), fraud_share = 1 / (1 + 3 * r);

  SearchOptions so;
  so.rank.top_k = 4;
  so.feedback_cases = 4;
  for (double lambda : {0.0, 1.0, 10.0}) {
    so.charge_feedback = lambda;
    Searcher searcher(index, nullptr, {}, so);
    auto res = searcher.search_with_elements({"盗窃"}, elements)[0];
    ASSERT_EQ(res.hits.size(), 4u);
    // The likely charges do not depend on lambda.
    ASSERT_EQ(res.likely_charges.size(), 2u);
    const bool theft_first = theft_share > fraud_share;
    EXPECT_EQ(res.likely_charges[0].charge, theft_first ? "盗窃罪" : "诈骗罪");
    EXPECT_NEAR(res.likely_charges[0].share, std::max(theft_share, fraud_share), 1e-6);
    EXPECT_NEAR(res.likely_charges[1].share, std::min(theft_share, fraud_share), 1e-6);
    const double fraud_score = 1 + lambda * fraud_share, theft_score = r + lambda * theft_share;
    const size_t fraud_rank = fraud_score > theft_score ? 0 : 3;
    EXPECT_EQ(res.hits[fraud_rank].id, "f0") << "lambda " << lambda;
    // Element log-probabilities are floats in the pipeline: 1e-6 relative is exact enough.
    EXPECT_NEAR(res.hits[fraud_rank].score, fraud_score, 1e-6 * fraud_score);
    for (size_t i = 0; i < 4; ++i)
      if (i != fraud_rank) {
        EXPECT_EQ(res.hits[i].charges, std::vector<std::string>{"盗窃罪"});
        EXPECT_NEAR(res.hits[i].score, theft_score, 1e-6 * theft_score);
      }
    if (lambda == 0.0) {
      EXPECT_EQ(fraud_rank, 0u);  // the rare element wins alone
    }
    if (lambda == 10.0) {
      EXPECT_EQ(fraud_rank, 3u);  // feedback puts the theft cases first
    }
  }
}

}  // namespace
}  // namespace lcr
