// Constrained beam search against independent oracles on small corpora: an exhaustive
// enumeration of every corpus n-gram (when the beam holds everything), and a naive beam
// search that masks the whole vocabulary with allowed sets found by brute-force scanning.
#include "lcr/decoder/beam_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "fake_step_model.h"
#include "fm_util.h"
#include "lcr/core/error.h"

namespace lcr {
namespace {

using Cases = std::vector<std::vector<int32_t>>;
using Seq = std::vector<int32_t>;

bool occurs(const Cases& cases, const Seq& p) {
  for (const auto& c : cases)
    if (std::search(c.begin(), c.end(), p.begin(), p.end()) != c.end()) return true;
  return false;
}

struct Out {
  Seq tokens;
  float score;
  bool operator==(const Out& o) const { return tokens == o.tokens && score == o.score; }
};

void PrintTo(const Out& o, std::ostream* os) {
  *os << "[";
  for (auto t : o.tokens) *os << t << " ";
  *os << "] " << o.score;
}

std::vector<Out> top(std::vector<Out> v, size_t n) {
  std::sort(v.begin(), v.end(), [](const Out& a, const Out& b) {
    return a.score != b.score ? a.score > b.score : a.tokens < b.tokens;
  });
  if (v.size() > n) v.resize(n);
  return v;
}

// Every corpus n-gram of length 1..max_length starting with an allowed first token, ended by
// EOS (lengths min_length..max_length-1) or cut at max_length.
std::vector<Out> exhaustive(const test::FakeStepModel& m, int source, const Cases& cases,
                            const BeamSearchOptions& o, const std::set<int32_t>& first) {
  std::set<Seq> grams;
  for (const auto& c : cases)
    for (size_t i = 0; i < c.size(); ++i)
      for (size_t L = 1; L <= static_cast<size_t>(o.max_length) && i + L <= c.size(); ++L)
        grams.insert(Seq(c.begin() + static_cast<long>(i), c.begin() + static_cast<long>(i + L)));
  std::vector<Out> out;
  for (const auto& g : grams) {
    if (!first.empty() && !first.count(g[0])) continue;
    float lp = 0;
    Seq prefix;
    for (int32_t t : g) {
      lp += m.log_probs(source, prefix)[static_cast<size_t>(t)];
      prefix.push_back(t);
    }
    if (static_cast<int>(g.size()) >= o.min_length && static_cast<int>(g.size()) < o.max_length)
      out.push_back({g, lp + m.log_probs(source, g)[static_cast<size_t>(m.eos_id())]});
    if (static_cast<int>(g.size()) == o.max_length) out.push_back({g, lp});
  }
  return top(out, static_cast<size_t>(o.num_elements));
}

// A plain beam search that scores every allowed token of every hypothesis.
std::vector<Out> naive_beam(const test::FakeStepModel& m, int source, const Cases* cases,
                            const BeamSearchOptions& o, const std::set<int32_t>& first) {
  struct H {
    Seq t;
    float lp;
  };
  struct C {
    float s;
    int row;
    int32_t tok;
  };
  std::vector<H> beam = {{{}, 0.f}};
  std::vector<Out> fin;
  for (int len = 0; len < o.max_length && !beam.empty(); ++len) {
    std::vector<C> cands;
    for (size_t r = 0; r < beam.size(); ++r) {
      auto lp = m.log_probs(source, beam[r].t);
      if (len >= o.min_length)
        cands.push_back({beam[r].lp + lp[static_cast<size_t>(m.eos_id())], static_cast<int>(r),
                         m.eos_id()});
      for (int32_t t = 0; t < m.vocab_size(); ++t) {
        if (t == m.eos_id() || t == m.bos_id()) continue;
        if (len == 0 && !first.empty() && !first.count(t)) continue;
        if (cases) {
          Seq p = beam[r].t;
          p.push_back(t);
          if (!occurs(*cases, p)) continue;
        }
        cands.push_back({beam[r].lp + lp[static_cast<size_t>(t)], static_cast<int>(r), t});
      }
    }
    std::sort(cands.begin(), cands.end(), [](const C& a, const C& b) {
      if (a.s != b.s) return a.s > b.s;
      if (a.row != b.row) return a.row < b.row;
      return a.tok < b.tok;
    });
    std::vector<H> next;
    int taken = 0;  // beam slots used, by live hypotheses and by those cut at max_length
    for (const auto& c : cands) {
      const auto& h = beam[static_cast<size_t>(c.row)];
      if (c.tok == m.eos_id()) {
        fin.push_back({h.t, c.s});
        continue;
      }
      H n{h.t, c.s};
      n.t.push_back(c.tok);
      if (static_cast<int>(n.t.size()) == o.max_length)
        fin.push_back({n.t, n.lp});
      else
        next.push_back(n);
      if (++taken == o.beam_size) break;  // the beam is full: lower candidates are dropped
    }
    beam = std::move(next);
  }
  return top(fin, static_cast<size_t>(o.num_elements));
}

Cases random_corpus(std::mt19937& rng, int vocab) {
  Cases cases(12);
  for (auto& c : cases) {
    int len = 5 + static_cast<int>(rng() % 25);
    for (int i = 0; i < len; ++i) c.push_back(3 + static_cast<int32_t>(rng() % (vocab - 3)));
  }
  return cases;
}

std::vector<Out> as_out(const std::vector<Element>& es) {
  std::vector<Out> v;
  for (const auto& e : es) v.push_back({e.tokens, e.score});
  return v;
}

TEST(BeamSearch, HugeBeamEqualsExhaustiveSearch) {
  for (unsigned seed = 0; seed < 6; ++seed) {
    std::mt19937 rng(seed);
    const int V = 10;
    Cases cases = random_corpus(rng, V);
    // Seeds alternate between one index and the same corpus cut into 2 or 3 shards.
    auto fm = test::sharded_index(cases, 1 + seed % 3);
    test::FakeStepModel model(V);
    BeamSearchOptions o;
    o.beam_size = 1000;
    o.max_length = 4;
    o.min_length = 1 + static_cast<int>(seed % 2);
    o.num_elements = 25;
    std::set<int32_t> first = seed % 3 == 0 ? std::set<int32_t>{} : std::set<int32_t>{3, 5, 7};
    BeamSearch bs(model, &fm, o, {first.begin(), first.end()});
    auto got = bs.run({{1, 2}, {3}});
    for (int q = 0; q < 2; ++q)
      EXPECT_EQ(as_out(got[static_cast<size_t>(q)]), exhaustive(model, q, cases, o, first))
          << "seed " << seed << " query " << q;
  }
}

TEST(BeamSearch, SmallBeamEqualsNaiveMaskedBeam) {
  for (unsigned seed = 0; seed < 20; ++seed) {
    std::mt19937 rng(100 + seed);
    const int V = 40 + static_cast<int>(seed) * 7;
    Cases cases = random_corpus(rng, V);
    auto fm = test::sharded_index(cases, 1 + seed % 3);
    test::FakeStepModel model(V);
    BeamSearchOptions o;
    o.beam_size = 1 + static_cast<int>(seed % 6);
    o.max_length = 2 + static_cast<int>(seed % 7);
    o.min_length = 1 + static_cast<int>(seed % 2);
    o.num_elements = 8;
    std::set<int32_t> first;
    if (seed % 2)
      for (int t = 3; t < V; t += 3) first.insert(t);
    BeamSearch bs(model, &fm, o, {first.begin(), first.end()});
    auto got = bs.run({{4}, {5, 6}, {7}});
    for (int q = 0; q < 3; ++q) {
      const auto& es = got[static_cast<size_t>(q)];
      EXPECT_EQ(as_out(es), naive_beam(model, q, &cases, o, first)) << "seed " << seed;
      for (const auto& e : es) {
        EXPECT_TRUE(occurs(cases, e.tokens)) << "element not in the corpus";
        EXPECT_EQ(e.corpus_count, fm.find(e.tokens).count());
      }
    }
  }
}

TEST(BeamSearch, UnconstrainedEqualsNaiveBeam) {
  test::FakeStepModel model(30);
  BeamSearchOptions o;
  o.beam_size = 4;
  o.max_length = 5;
  o.num_elements = 6;
  o.constrained = false;
  BeamSearch bs(model, nullptr, o);
  auto got = bs.run({{1}});
  EXPECT_EQ(as_out(got[0]), naive_beam(model, 0, nullptr, o, {}));
}

TEST(BeamSearch, FirstTokenDiversityCapsHypothesesPerFirstToken) {
  std::mt19937 rng(9);
  Cases cases = random_corpus(rng, 12);
  auto fm = test::sharded_index(cases, 1);
  test::FakeStepModel model(12);
  BeamSearchOptions o;
  o.beam_size = 6;
  o.max_length = 3;
  o.min_length = 3;  // no EOS: every element reaches the last step
  o.num_elements = 100;
  o.max_per_first_token = 1;
  BeamSearch bs(model, &fm, o);
  auto got = bs.run({{3}});
  std::set<int32_t> firsts;
  for (const auto& e : got[0]) EXPECT_TRUE(firsts.insert(e.tokens[0]).second);
}

TEST(BeamSearch, OptionsAreValidated) {
  test::FakeStepModel model(12);
  BeamSearchOptions o;
  o.beam_size = 0;
  try {
    BeamSearch(model, nullptr, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "beam size must be in [1, 1024] (got 0)");
  }
  o = {};
  EXPECT_THROW(BeamSearch(model, nullptr, o), Error);  // constrained without an index
}

}  // namespace
}  // namespace lcr
