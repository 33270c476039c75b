// Google Benchmark micro-benchmarks of the FM-index query API on a random Zipf-like token
// text (self-contained; the corpus-scale latency table is fmindex_latency on a real index).
#include <benchmark/benchmark.h>

#include <random>

#include "lcr/fmindex/fm_index.h"

namespace {

using lcr::fm::FmIndex;

struct Data {
  std::vector<std::vector<int32_t>> cases;
  FmIndex fm;
  std::vector<std::vector<int32_t>> prefixes;  // length 4, drawn from the text
};

const Data& data() {
  static Data* d = [] {
    auto* d = new Data;
    std::mt19937 rng(1);
    std::vector<double> w(4000);
    for (size_t i = 0; i < w.size(); ++i) w[i] = 1.0 / static_cast<double>(i + 1);
    std::discrete_distribution<int> zipf(w.begin(), w.end());
    for (int c = 0; c < 2000; ++c) {
      std::vector<int32_t> t(1000);
      for (auto& x : t) x = zipf(rng) + 4;
      d->cases.push_back(std::move(t));
    }
    d->fm = FmIndex::build(d->cases, 32);
    for (int i = 0; i < 4096; ++i) {
      const auto& c = d->cases[rng() % d->cases.size()];
      size_t at = rng() % (c.size() - 5);
      d->prefixes.emplace_back(c.begin() + static_cast<long>(at),
                               c.begin() + static_cast<long>(at + 5));
    }
    return d;
  }();
  return *d;
}

void BM_Extend(benchmark::State& st) {
  const auto& d = data();
  const size_t len = static_cast<size_t>(st.range(0));
  std::vector<lcr::fm::PrefixState> states;
  for (const auto& p : d.prefixes)
    states.push_back(d.fm.find(std::vector<int32_t>(p.begin(), p.begin() + static_cast<long>(len))));
  size_t i = 0;
  for (auto _ : st) {
    auto s = d.fm.extend(states[i % states.size()], d.prefixes[i % states.size()][len]);
    benchmark::DoNotOptimize(s);
    ++i;
  }
}
BENCHMARK(BM_Extend)->Arg(0)->Arg(1)->Arg(2)->Arg(4);

void BM_NextTokens(benchmark::State& st) {
  const auto& d = data();
  const size_t len = static_cast<size_t>(st.range(0));
  std::vector<lcr::fm::PrefixState> states;
  for (const auto& p : d.prefixes)
    states.push_back(d.fm.find(std::vector<int32_t>(p.begin(), p.begin() + static_cast<long>(len))));
  std::vector<lcr::fm::TokenCount> out;
  size_t i = 0;
  for (auto _ : st) {
    d.fm.next_tokens(states[i++ % states.size()], &out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_NextTokens)->Arg(1)->Arg(2)->Arg(3)->Arg(4);

void BM_Locate(benchmark::State& st) {
  const auto& d = data();
  std::vector<lcr::fm::PrefixState> states;
  for (const auto& p : d.prefixes)
    states.push_back(d.fm.find(std::vector<int32_t>(p.begin(), p.begin() + 3)));
  std::vector<lcr::fm::Occurrence> out;
  size_t i = 0, occ = 0;
  for (auto _ : st) {
    d.fm.locate(states[i++ % states.size()], 10, &out);
    occ += out.size();
  }
  st.counters["occ/s"] = benchmark::Counter(static_cast<double>(occ), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Locate);

}  // namespace

BENCHMARK_MAIN();
