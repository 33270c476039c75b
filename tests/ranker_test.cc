// Ranking on a hand-made corpus, against scores worked out by hand.
#include "lcr/decoder/ranker.h"

#include <gtest/gtest.h>

#include <cmath>

#include "fm_util.h"
#include "lcr/core/error.h"

namespace lcr {
namespace {

// N = 15 tokens.
//   case 0: 10 11 12 13 10 11
//   case 1: 10 11 20 21
//   case 2: 12 13 30
//   case 3: 40 41
const std::vector<std::vector<int32_t>> kCases = {
    {10, 11, 12, 13, 10, 11}, {10, 11, 20, 21}, {12, 13, 30}, {40, 41}};

RankElement element(const fm::ShardedFm& fm, std::vector<int32_t> t, double p) {
  RankElement e;
  e.state = fm.find(t);
  e.tokens = std::move(t);
  e.logprob = std::log(p);
  return e;
}

TEST(Ranker, WeightsMatchHandWorkedValues) {
  // [10 11]: F=3, P(n)=8/20=.4, P(n|q)=.5: ln(.5*.6/(.4*.5)) = ln 1.5, squared = 0.164402
  EXPECT_NEAR(element_weight(std::log(0.5), 3, 15, 2.0), 0.164402, 1e-6);
  // [12 13]: F=2, P(n)=7/20=.35: ln(.5*.65/(.35*.5)) = ln 1.857143, squared = 0.383210
  EXPECT_NEAR(element_weight(std::log(0.5), 2, 15, 2.0), 0.383210, 1e-6);
  // [11 12]: F=1, P(n)=.3, P(n|q)=.9: ln(.9*.7/(.3*.1)) = ln 21, squared = 9.269117
  EXPECT_NEAR(element_weight(std::log(0.9), 1, 15, 2.0), 9.269117, 1e-6);
  // More frequent than probable: no weight.
  EXPECT_EQ(element_weight(std::log(0.1), 10, 15, 2.0), 0.0);
}

TEST(Ranker, OrdersCasesByHandComputedScores) {
  // The same scores whether the corpus is one index or cut into shards (global case ids).
  for (size_t parts : {1u, 2u, 4u}) {
    SCOPED_TRACE("shards: " + std::to_string(parts));
    auto fm = test::sharded_index(kCases, parts, 2);
    std::vector<RankElement> es = {element(fm, {10, 11}, 0.5), element(fm, {12, 13}, 0.5),
                                   element(fm, {11, 12}, 0.9)};
    RankOptions o;
    auto ranked = rank_cases(fm, es, o);
    // case 0: [11 12]@1 (9.269117), then [10 11] only at @4 (its @0 overlaps @1..2) 0.164402;
    //         [12 13]@2 overlaps [11 12]@1..2 and is not credited. Total 9.433519.
    // case 2: [12 13]@0 = 0.383210.  case 1: [10 11]@0 = 0.164402.  case 3: nothing.
    ASSERT_EQ(ranked.size(), 3u);
    EXPECT_EQ(ranked[0].case_index, 0u);
    EXPECT_NEAR(ranked[0].score, 9.433519, 1e-5);
    ASSERT_EQ(ranked[0].matches.size(), 2u);
    EXPECT_EQ(ranked[0].matches[0].element, 2u);
    EXPECT_EQ(ranked[0].matches[0].offset, 1u);
    EXPECT_EQ(ranked[0].matches[1].element, 0u);
    EXPECT_EQ(ranked[0].matches[1].offset, 4u);
    EXPECT_EQ(ranked[1].case_index, 2u);
    EXPECT_NEAR(ranked[1].score, 0.383210, 1e-5);
    EXPECT_EQ(ranked[2].case_index, 1u);
    EXPECT_NEAR(ranked[2].score, 0.164402, 1e-5);
    EXPECT_EQ(es[0].located, 3u);

    // Elements above max_count are not located: [10 11] (F=3) drops out.
    o.max_count = 2;
    ranked = rank_cases(fm, es, o);
    ASSERT_EQ(ranked.size(), 2u);
    EXPECT_NEAR(ranked[0].score, 9.269117 + 0.0, 1e-5);  // [12 13] still overlaps in case 0
    EXPECT_EQ(ranked[1].case_index, 2u);
    // top_k cuts the list.
    o = {};
    o.top_k = 1;
    EXPECT_EQ(rank_cases(fm, es, o).size(), 1u);
  }
}

// A shared locate cache (the sources of one query) changes no score, match or count: the
// second call, with elements in another order and one new, gives what a call without the
// cache gives, and the cache holds each located element once.
TEST(Ranker, ALocateCacheSharedBySourcesChangesNothing) {
  auto fm = test::sharded_index(kCases, 2, 2);
  auto run = [&](std::vector<RankElement> es, LocateCache* cache) {
    auto r = rank_cases(fm, es, {}, cache);
    std::vector<uint64_t> located;
    for (const auto& e : es) located.push_back(e.located);
    return std::make_pair(r, located);
  };
  auto same = [](const auto& a, const auto& b) {
    ASSERT_EQ(a.first.size(), b.first.size());
    for (size_t i = 0; i < a.first.size(); ++i) {
      EXPECT_EQ(a.first[i].case_index, b.first[i].case_index);
      EXPECT_DOUBLE_EQ(a.first[i].score, b.first[i].score);
      ASSERT_EQ(a.first[i].matches.size(), b.first[i].matches.size());
      for (size_t j = 0; j < a.first[i].matches.size(); ++j) {
        EXPECT_EQ(a.first[i].matches[j].element, b.first[i].matches[j].element);
        EXPECT_EQ(a.first[i].matches[j].offset, b.first[i].matches[j].offset);
      }
    }
    EXPECT_EQ(a.second, b.second);
  };
  const std::vector<RankElement> whole = {element(fm, {10, 11}, 0.5), element(fm, {12, 13}, 0.5)};
  const std::vector<RankElement> part = {element(fm, {12, 13}, 0.6), element(fm, {11, 12}, 0.9),
                                         element(fm, {10, 11}, 0.5)};
  LocateCache cache;
  same(run(whole, &cache), run(whole, nullptr));
  EXPECT_EQ(cache.size(), 2u);
  same(run(part, &cache), run(part, nullptr));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.at({10, 11}).size(), 3u);  // case 0 twice, case 1 once
}

TEST(Ranker, NothingLocatesGivesNoCases) {
  auto fm = test::sharded_index(kCases, 1, 2);
  std::vector<RankElement> es = {element(fm, {10, 40}, 0.9), element(fm, {10}, 0.01)};
  EXPECT_TRUE(rank_cases(fm, es, {}).empty());
}

TEST(Ranker, OptionsAreValidated) {
  auto fm = test::sharded_index(kCases, 1, 2);
  std::vector<RankElement> es;
  RankOptions o;
  o.top_k = 0;
  EXPECT_THROW(rank_cases(fm, es, o), Error);
}

}  // namespace
}  // namespace lcr
