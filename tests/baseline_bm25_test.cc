// lcr_baseline: the Xapian BM25 baseline on a small hand-made Chinese corpus.
#include "lcr/baseline/bm25.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "lcr/core/error.h"
#include "lcr/core/progress.h"
#include "lcr/eval/trec.h"

namespace lcr::baseline {
namespace {

namespace fs = std::filesystem;

// Ten short cases about different crimes; c07 holds the planted sentence verbatim.
const char* kPlanted = "被告人张某驾驶红色电动三轮车在高速公路匝道上逆行撞伤一名骑自行车的老人后逃逸";
const std::vector<std::pair<std::string, std::string>> kCases = {
    {"c01", "被告人李某在超市内趁店员不备盗窃香烟两条，价值人民币六百元。"},
    {"c02", "被告人王某酒后驾驶小型轿车，经检测血液中乙醇含量为一百八十毫克每百毫升。"},
    {"c03", "被告人赵某以投资理财为名骗取被害人钱款共计人民币十五万元。"},
    {"c04", "被告人孙某因琐事与邻居发生争执，持木棍将邻居打成轻伤。"},
    {"c05", "被告人周某在网上贩卖他人身份信息一千余条，获利三千元。"},
    {"c06", "被告人吴某驾驶货车在国道上超速行驶，与对向车辆相撞致一人死亡。"},
    {"c07", std::string("经审理查明：") + kPlanted + "。案发后被告人主动投案。"},
    {"c08", "被告人郑某在公交车上扒窃乘客手机一部，价值人民币两千元。"},
    {"c09", "被告人冯某非法持有海洛因十克，被公安机关当场查获。"},
    {"c10", "被告人陈某驾驶电动自行车与行人相撞，致行人受伤，负事故次要责任。"},
};

class Bm25Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Progress::set_enabled(0);
    dir_ = (fs::temp_directory_path() / ("lcr-bm25-test-" + std::to_string(::getpid()))).string();
    fs::create_directories(dir_);
    std::ofstream out(dir_ + "/cases.jsonl");
    for (const auto& [id, text] : kCases)
      out << "{\"id\": \"" << id << "\", \"text\": \"" << text << "\", \"facts\": \"" << text
          << "\"}\n";
    out.close();
    Bm25IndexOptions o;
    o.quiet = true;
    stats_ = build_bm25_index(dir_ + "/cases.jsonl", dir_ + "/db", o);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static std::string dir_;
  static Bm25IndexStats stats_;
};
std::string Bm25Test::dir_;
Bm25IndexStats Bm25Test::stats_;

TEST_F(Bm25Test, IndexHoldsEveryCase) {
  EXPECT_EQ(stats_.cases, 10u);
  EXPECT_GT(stats_.terms, 100u);  // CJK unigrams and bigrams
  Bm25Searcher s(dir_ + "/db");
  EXPECT_EQ(s.size(), 10u);
  EXPECT_TRUE(fs::exists(dir_ + "/db/lcr-bm25.json"));
  // No staging folder is left beside the index.
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().find(".building-"), std::string::npos) << e.path();
}

TEST_F(Bm25Test, PlantedExactMatchRanksFirst) {
  Bm25Searcher s(dir_ + "/db");
  auto ranking = s.search(kPlanted, 1000);
  ASSERT_FALSE(ranking.empty());
  EXPECT_EQ(ranking[0].docid, "c07");
  ASSERT_GE(ranking.size(), 2u);
  EXPECT_GT(ranking[0].score, ranking[1].score);
  // Other cases share characters (被告人, 驾驶, 电动...) and follow in score order.
  for (size_t i = 1; i < ranking.size(); ++i) EXPECT_GE(ranking[i - 1].score, ranking[i].score);
  // A shorter paraphrase still finds it first.
  EXPECT_EQ(s.search("电动三轮车逆行撞伤老人逃逸", 3).at(0).docid, "c07");
  EXPECT_LE(s.search("被告人", 3).size(), 3u);  // k caps the ranking
}

TEST_F(Bm25Test, QueryMatchingNothingGivesEmptyRanking) {
  Bm25Searcher s(dir_ + "/db");
  EXPECT_TRUE(s.search("龘龘靐齉", 1000).empty());
  EXPECT_TRUE(s.search("xyzzy plugh", 1000).empty());
  EXPECT_TRUE(s.search("，。！", 1000).empty());  // no term at all
  EXPECT_TRUE(s.search("", 1000).empty());
}

TEST_F(Bm25Test, ParserModeNeedsWholeSpans) {
  Bm25Searcher s(dir_ + "/db", QueryMode::parser);
  auto ranking = s.search(kPlanted, 1000);
  ASSERT_EQ(ranking.size(), 1u);  // only c07 holds every n-gram of the span
  EXPECT_EQ(ranking[0].docid, "c07");
  // "电动三轮车" is one span: only c07 holds all its n-grams; c10 (电动自行车) has 电动 but
  // not 三轮 and no longer matches, unlike in terms mode. "电动三轮车逆行" needs the bigram
  // 车逆, which no case has. Spans separated by a comma are ORed.
  EXPECT_EQ(s.search("电动三轮车", 10).size(), 1u);
  EXPECT_GE(Bm25Searcher(dir_ + "/db").search("电动三轮车", 10).size(), 2u);
  EXPECT_TRUE(s.search("电动三轮车逆行", 10).empty());
  auto two = s.search("电动三轮车，海洛因", 10);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].docid == "c07" || two[1].docid == "c07", true);
  EXPECT_TRUE(s.search("龘龘", 10).empty());
  EXPECT_EQ(parse_query_mode("parser"), QueryMode::parser);
  EXPECT_THROW(parse_query_mode("bm25"), Error);
}

TEST_F(Bm25Test, PoolSearchRanksEveryPoolCase) {
  Bm25Searcher s(dir_ + "/db");
  uint64_t missing = 0;
  // Of the pool, c07 and c10 (电动, 车, 行) share terms with the query; c09 and c03 none.
  auto ranking = s.search_pool("电动三轮车逆行", {"c07", "c10", "c09", "c03", "nope"}, &missing);
  EXPECT_EQ(missing, 1u);  // "nope" is not in the index
  ASSERT_EQ(ranking.size(), 4u);
  EXPECT_EQ(ranking[0].docid, "c07");
  EXPECT_GT(ranking[0].score, 0);
  // Unmatched pool cases follow with score 0, docid descending (trec_eval order).
  EXPECT_EQ(ranking[2].docid, "c09");
  EXPECT_EQ(ranking[2].score, 0);
  EXPECT_EQ(ranking[3].docid, "c03");
  // Nothing outside the pool.
  for (const auto& e : ranking) EXPECT_NE(e.docid, "c01");
}

TEST_F(Bm25Test, SearchToRunWritesTrecRun) {
  {
    std::ofstream q(dir_ + "/queries.jsonl");
    q << "{\"id\": \"q1\", \"text\": \"" << kPlanted << "\"}\n"
      << "{\"id\": 2, \"text\": \"龘龘\"}\n";
  }
  Bm25SearchOptions o;
  o.k = 5;
  o.quiet = true;
  auto st = search_to_run(dir_ + "/db", dir_ + "/queries.jsonl", dir_ + "/run.trec", o);
  EXPECT_EQ(st.queries, 2u);
  EXPECT_EQ(st.empty_rankings, 1u);
  auto run = eval::read_run(dir_ + "/run.trec");
  ASSERT_EQ(run.rankings.count("q1"), 1u);
  EXPECT_EQ(run.rankings.count("2"), 0u);  // no lines for a query matching nothing
  EXPECT_EQ(run.rankings["q1"].size(), 5u);
  EXPECT_EQ(run.rankings["q1"][0].docid, "c07");
  // With pools: every pool case, and queries without a pool get no lines.
  {
    std::ofstream p(dir_ + "/pools.tsv");
    p << "q1\tc01\nq1\tc07\nq1\tc09\n";
  }
  o.pools_path = dir_ + "/pools.tsv";
  st = search_to_run(dir_ + "/db", dir_ + "/queries.jsonl", dir_ + "/pool.trec", o);
  EXPECT_EQ(st.queries_without_pool, 1u);
  run = eval::read_run(dir_ + "/pool.trec");
  ASSERT_EQ(run.rankings["q1"].size(), 3u);
  EXPECT_EQ(run.rankings["q1"][0].docid, "c07");
}

TEST_F(Bm25Test, Errors) {
  EXPECT_THROW(Bm25Searcher(dir_ + "/no-such-db"), Error);
  Bm25IndexOptions bad;
  bad.field = "title";
  EXPECT_THROW(build_bm25_index(dir_ + "/cases.jsonl", dir_ + "/db2", bad), Error);
  {
    std::ofstream out(dir_ + "/bad.jsonl");
    out << "{\"id\": \"a\", \"text\": \"甲\"}\n{\"id\": \"b\"}\n";
  }
  Bm25IndexOptions o;
  o.quiet = true;
  try {
    build_bm25_index(dir_ + "/bad.jsonl", dir_ + "/db3", o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ + "/db3"));  // the failed build left nothing in place
  {
    std::ofstream out(dir_ + "/space.jsonl");
    out << "{\"id\": \"a b\", \"text\": \"甲\"}\n";
  }
  try {
    build_bm25_index(dir_ + "/space.jsonl", dir_ + "/db4", o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("space.jsonl:1: case id 'a b' contains whitespace"),
              std::string::npos)
        << e.what();
  }
  // A failed rebuild over an existing index leaves the old one untouched.
  EXPECT_THROW(build_bm25_index(dir_ + "/bad.jsonl", dir_ + "/db", o), Error);
  EXPECT_EQ(Bm25Searcher(dir_ + "/db").size(), 10u);
}

TEST_F(Bm25Test, RebuildReplacesIndex) {
  {
    std::ofstream out(dir_ + "/small.jsonl");
    out << "{\"id\": \"s1\", \"text\": \"盗窃\"}\n{\"id\": 2, \"text\": \"诈骗\", \"facts\": \"\"}\n";
  }
  Bm25IndexOptions o;
  o.quiet = true;
  build_bm25_index(dir_ + "/small.jsonl", dir_ + "/small", o);
  o.field = "facts";  // s1 and 2 have no facts: their text is indexed and counted
  auto st = build_bm25_index(dir_ + "/small.jsonl", dir_ + "/small", o);
  EXPECT_EQ(st.cases, 2u);
  EXPECT_EQ(st.empty_field, 2u);
  Bm25Searcher s(dir_ + "/small");
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.search("诈骗", 10).at(0).docid, "2");
}

}  // namespace
}  // namespace lcr::baseline

namespace lcr::baseline {
namespace {

TEST(Bm25, StripDistractorsKeepsActsAndAmountsOnly) {
  const std::string s = strip_distractors("2015年3月12日，被告人张某某在北京市朝阳区盗窃人民币3000元。");
  EXPECT_EQ(s.find("2015年3月12日"), std::string::npos) << s;
  EXPECT_EQ(s.find("张某某"), std::string::npos) << s;
  EXPECT_EQ(s.find("朝阳区"), std::string::npos) << s;
  EXPECT_NE(s.find("盗窃"), std::string::npos) << s;
  EXPECT_NE(s.find("3000元"), std::string::npos) << s;
}

}  // namespace
}  // namespace lcr::baseline
