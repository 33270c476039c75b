// ShardedFm (a corpus cut into shards, queried as one) against a brute-force scan of the whole
// corpus: the answers must not depend on how it was cut.
#include "lcr/fmindex/sharded.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "fm_util.h"
#include "lcr/core/error.h"

namespace lcr::fm {
namespace {

using Cases = std::vector<std::vector<int32_t>>;
using test::brute_next;
using test::brute_occurrences;
using test::random_cases;
using test::random_pattern;

TEST(ShardedFm, AnswersEqualBruteForceOverTheWholeCorpus) {
  for (unsigned seed = 0; seed < 12; ++seed) {
    std::mt19937 rng(seed);
    Cases cases = random_cases(rng, 5 + static_cast<int>(seed) * 3, 40, 8);
    const size_t parts = 1 + seed % 5;
    SCOPED_TRACE("seed " + std::to_string(seed) + ", shards " + std::to_string(parts));
    ShardedFm fm = test::sharded_index(cases, parts, 1 + seed % 7);
    ASSERT_EQ(fm.num_shards(), std::min(parts, cases.size()));
    uint64_t tokens = 0;
    for (const auto& c : cases) tokens += c.size();
    EXPECT_EQ(fm.num_tokens(), tokens);
    EXPECT_EQ(fm.num_cases(), cases.size());
    EXPECT_EQ(fm.root().count(), tokens);
    for (uint32_t d = 0; d < cases.size(); ++d) {
      EXPECT_EQ(fm.extract_case(d), cases[d]);
      EXPECT_EQ(fm.case_length(d), cases[d].size());
    }
    for (int q = 0; q < 60; ++q) {
      auto p = random_pattern(rng, cases, 1 + rng() % 4);
      auto all = brute_occurrences(cases, p);
      // One token at a time from the root equals find().
      State s = fm.root();
      for (int32_t t : p) {
        EXPECT_EQ(fm.can_follow(s, t), !fm.extend(s, t).empty());
        s = fm.extend(s, t);
      }
      EXPECT_EQ(s.count(), all.size());
      EXPECT_EQ(fm.find(p).count(), all.size());
      std::vector<TokenCount> next;
      fm.next_tokens(s, &next);
      EXPECT_EQ(next, brute_next(cases, p));
      // Top-k: the k largest counts (ties may pick either token).
      std::vector<TokenCount> top;
      fm.next_tokens_topk(s, 3, &top);
      auto want = brute_next(cases, p);
      std::sort(want.begin(), want.end(),
                [](const auto& a, const auto& b) { return a.count > b.count; });
      ASSERT_EQ(top.size(), std::min<size_t>(3, want.size()));
      for (size_t i = 0; i < top.size(); ++i) EXPECT_EQ(top[i].count, want[i].count);
      std::vector<Occurrence> occ;
      fm.locate(s, 0, &occ);
      std::sort(occ.begin(), occ.end());
      EXPECT_EQ(occ, all);
      // A limit: that many, all genuine, each shard with hits given its share.
      if (all.size() > 2) {
        fm.locate(s, 2, &occ);
        ASSERT_EQ(occ.size(), 2u);
        for (const auto& o : occ) EXPECT_TRUE(std::binary_search(all.begin(), all.end(), o));
      }
      std::set<uint32_t> docs;
      for (const auto& o : all) docs.insert(o.case_index);
      EXPECT_EQ(fm.locate_cases(s, 0), std::vector<uint32_t>(docs.begin(), docs.end()));
      auto df = fm.doc_freq(s);
      EXPECT_TRUE(df.exact);
      EXPECT_EQ(df.value, docs.size());
    }
  }
}

TEST(ShardedFm, LocateLimitIsSharedAmongShards) {
  // Token 5 occurs 10 times in each of four shards; a limit of 8 takes 2 from each.
  Cases cases(8, std::vector<int32_t>(5, 5));
  ShardedFm fm = test::sharded_index(cases, 4);
  std::vector<Occurrence> occ;
  fm.locate(fm.find({5}), 8, &occ);
  std::map<uint32_t, int> per_shard;
  for (const auto& o : occ) ++per_shard[o.case_index / 2];
  EXPECT_EQ(per_shard, (std::map<uint32_t, int>{{0, 2}, {1, 2}, {2, 2}, {3, 2}}));
}

TEST(ShardedFm, LimitsAreEnforced) {
  ShardedFm fm;
  for (uint32_t i = 0; i < kMaxShards; ++i) fm.add_shard(FmIndex::build({{3, 4}}));
  try {
    fm.add_shard(FmIndex::build({{3}}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "fmindex: more than 32 shards; rebuild with a larger --shard-tokens");
  }
  EXPECT_THROW(fm.extract_case(kMaxShards), Error);
}

}  // namespace
}  // namespace lcr::fm
