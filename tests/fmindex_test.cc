// FmIndex against a brute-force scan of the same token texts, and the wavelet-tree rank
// pair it is built on against plain rank and counting.
#include "lcr/fmindex/fm_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "fm_util.h"
#include "huff_wt.h"
#include "lcr/core/error.h"

namespace lcr::fm {
namespace {

using Cases = std::vector<std::vector<int32_t>>;
using test::brute_next;
using test::brute_occurrences;
using test::random_cases;
using test::random_pattern;

class FmIndexRandomTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(FmIndexRandomTest, AgreesWithBruteForce) {
  const uint32_t rate = GetParam();
  for (int round = 0; round < 4; ++round) {
    std::mt19937 rng(1000 * rate + static_cast<unsigned>(round));
    Cases cases = random_cases(rng, 30 + round * 20, 120, 40 + round * 300);
    FmIndex idx = FmIndex::build(cases, rate);
    uint64_t total = 0;
    for (const auto& c : cases) total += c.size();
    ASSERT_EQ(idx.num_tokens(), total);
    ASSERT_EQ(idx.num_cases(), cases.size());
    for (uint32_t d = 0; d < cases.size(); ++d) ASSERT_EQ(idx.case_length(d), cases[d].size());

    for (int q = 0; q < 300; ++q) {
      auto p = random_pattern(rng, cases, 1 + static_cast<size_t>(q % 8));
      // Incremental extension must equal find() of the whole pattern.
      PrefixState s = idx.root();
      for (int32_t t : p) s = idx.extend(s, t);
      PrefixState f = idx.find(p);
      ASSERT_EQ(s.count(), f.count());

      auto occ = brute_occurrences(cases, p);
      ASSERT_EQ(s.count(), occ.size());
      ASSERT_EQ(idx.can_follow(idx.find({p.begin(), p.end() - 1}), p.back()), !occ.empty());

      std::vector<Occurrence> got;
      idx.locate(s, 0, &got);
      std::sort(got.begin(), got.end());
      ASSERT_EQ(got, occ);

      std::vector<TokenCount> next;
      idx.next_tokens(s, &next);
      ASSERT_EQ(next, brute_next(cases, p));

      // Top-k: the k largest counts (as a multiset of counts; tokens may tie).
      std::vector<TokenCount> top;
      idx.next_tokens_topk(s, 3, &top);
      auto want = brute_next(cases, p);
      std::sort(want.begin(), want.end(),
                [](const TokenCount& a, const TokenCount& b) { return a.count > b.count; });
      ASSERT_EQ(top.size(), std::min<size_t>(3, want.size()));
      for (size_t i = 0; i < top.size(); ++i) {
        ASSERT_EQ(top[i].count, want[i].count);
        ASSERT_EQ(top[i].count, idx.extend(s, top[i].token).count());
      }

      std::set<uint32_t> docs;
      for (const auto& o : occ) docs.insert(o.case_index);
      auto df = idx.doc_freq(s);
      ASSERT_TRUE(df.exact);
      ASSERT_EQ(df.value, docs.size());
    }
    for (uint32_t d = 0; d < cases.size(); d += 7) ASSERT_EQ(idx.extract_case(d), cases[d]);
  }
}

INSTANTIATE_TEST_SUITE_P(SampleRates, FmIndexRandomTest, ::testing::Values(1u, 4u, 32u));

TEST(FmIndex, RootListsAllTokensWithCounts) {
  Cases cases = {{5, 6, 5}, {}, {7, 5}};
  FmIndex idx = FmIndex::build(cases);
  std::vector<TokenCount> next;
  idx.next_tokens(idx.root(), &next);
  EXPECT_EQ(next, (std::vector<TokenCount>{{5, 3}, {6, 1}, {7, 1}}));
  EXPECT_EQ(idx.root().count(), 5u);
  EXPECT_TRUE(idx.extend(idx.root(), 9).empty());
  EXPECT_TRUE(idx.extend(idx.root(), 60000).empty());
  EXPECT_EQ(idx.case_length(1), 0u);
}

TEST(FmIndex, NoMatchAcrossCaseBoundaries) {
  Cases cases = {{10, 11}, {12, 13}};
  FmIndex idx = FmIndex::build(cases);
  EXPECT_EQ(idx.find({11, 12}).count(), 0u);
  EXPECT_EQ(idx.find({10, 11}).count(), 1u);
  std::vector<TokenCount> next;
  idx.next_tokens(idx.find({11}), &next);
  EXPECT_TRUE(next.empty());
}

TEST(FmIndex, SerializeLoadRoundTrip) {
  std::mt19937 rng(5);
  Cases cases = random_cases(rng, 50, 80, 100);
  FmIndex a = FmIndex::build(cases, 8);
  std::stringstream ss;
  uint64_t written = a.serialize(ss);
  EXPECT_EQ(written, ss.str().size());
  FmIndex b;
  b.load(ss, "test");
  for (int q = 0; q < 100; ++q) {
    auto p = random_pattern(rng, cases, 3);
    std::vector<Occurrence> x, y;
    a.locate(a.find(p), 0, &x);
    b.locate(b.find(p), 0, &y);
    ASSERT_EQ(x, y);
  }
}

// interval_rank against two plain wt.rank() calls and a brute-force count, for every symbol
// (present or not) and random intervals plus the edge cases: empty (i == j, also at 0 and
// n), i = 0, j = n. Frequencies are geometric, so Huffman codes range from 1 bit to deep
// paths; sigma 1 makes the root a leaf.
TEST(HuffWt, IntervalRankMatchesPlainRankAndCounts) {
  std::mt19937 rng(11);
  for (int round = 0; round < 24; ++round) {
    const uint64_t sigma = round % 6 == 0 ? 1 : 2 + rng() % (round < 12 ? 8 : 120);
    const uint64_t n = round % 4 == 0 ? 1 + rng() % 40 : 200 + rng() % 3000;
    std::geometric_distribution<uint64_t> geo(round % 2 ? 0.3 : 0.08);
    // Odd symbols only, so that the even ones between them are absent from the tree.
    sdsl::int_vector<> text(n, 0, 16);
    for (uint64_t k = 0; k < n; ++k) text[k] = 2 * std::min<uint64_t>(geo(rng), sigma - 1) + 1;
    HuffWt wt;
    sdsl::construct_im(wt, text, 0);
    ASSERT_EQ(wt.size(), n);

    const uint64_t max_sym = 2 * sigma + 2;
    // prefix[c][k] = occurrences of c in text[0, k).
    std::vector<std::vector<uint64_t>> prefix(max_sym + 1, std::vector<uint64_t>(n + 1, 0));
    for (uint64_t c = 0; c <= max_sym; ++c)
      for (uint64_t k = 0; k < n; ++k) prefix[c][k + 1] = prefix[c][k] + (text[k] == c);

    std::vector<std::pair<uint64_t, uint64_t>> intervals = {
        {0, n}, {0, 0}, {n, n}, {0, 1}, {n - 1, n}};
    for (int q = 0; q < 60; ++q) {
      uint64_t i = rng() % (n + 1), j = rng() % (n + 1);
      if (i > j) std::swap(i, j);
      if (q % 5 == 0) j = std::min<uint64_t>(n, i + rng() % 4);  // narrow, often empty
      if (q % 7 == 0) i = j;
      intervals.push_back({i, j});
    }
    for (uint64_t c = 0; c <= max_sym; ++c) {
      for (auto [i, j] : intervals) {
        const uint64_t ri = wt.rank(i, c), rj = wt.rank(j, c);
        ASSERT_EQ(ri, prefix[c][i]);
        ASSERT_EQ(rj, prefix[c][j]);
        const auto got = interval_rank(wt, i, j, c);
        if (rj > ri) {
          ASSERT_EQ(got, std::make_pair(ri, rj))
              << "round " << round << " c " << c << " [" << i << ", " << j << ")";
        } else {
          ASSERT_EQ(got.first, got.second)
              << "round " << round << " c " << c << " [" << i << ", " << j << ")";
        }
      }
    }
  }
}

TEST(FmIndex, RejectsOutOfRangeToken) { EXPECT_THROW(FmIndex::build({{70000}}), lcr::Error); }

}  // namespace
}  // namespace lcr::fm
