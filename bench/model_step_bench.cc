// Time of one incremental decoder step (all rows batched, key/value cache) and of encoding
// the sources, for the default model size (d_model 256, 3+3 layers, ff 1024, vocab 8000) with
// random weights. Arguments: rows (hypotheses per step), sources (queries those rows come
// from), threads. The step benchmark decodes positions 1..31 in turn and restarts (untimed).
#include <benchmark/benchmark.h>

#include <random>

#include "lcr/model/step_model.h"

namespace {

lcr::ModelOptions bench_options() {
  lcr::ModelOptions o;
  o.vocab_size = 8000;
  o.d_model = 256;
  o.heads = 4;
  o.ff = 1024;
  o.encoder_layers = 3;
  o.decoder_layers = 3;
  o.max_source_len = 512;
  o.max_target_len = 64;
  return o;
}

lcr::TorchStepModel& model() {
  static lcr::TorchStepModel m(lcr::random_checkpoint(bench_options(), 1), "cpu");
  return m;
}

std::vector<std::vector<int32_t>> sources(int n, int len) {
  std::mt19937 rng(5);
  std::vector<std::vector<int32_t>> out(static_cast<size_t>(n));
  for (auto& s : out)
    for (int i = 0; i < len; ++i) s.push_back(static_cast<int32_t>(4 + rng() % 7990));
  return out;
}

void BM_DecoderStep(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0)), n_src = static_cast<int>(state.range(1));
  lcr::set_torch_threads(static_cast<int>(state.range(2)));
  auto& m = model();
  const auto src = sources(n_src, 511);
  std::mt19937 rng(7);
  std::vector<int32_t> parents(static_cast<size_t>(rows)), tokens(static_cast<size_t>(rows));
  std::vector<float> lp;
  int position = 0;
  auto restart = [&] {
    m.start(src);
    for (int r = 0; r < rows; ++r) parents[static_cast<size_t>(r)] = r % n_src;
    std::fill(tokens.begin(), tokens.end(), m.bos_id());
    m.step(parents, tokens, &lp);
    position = 1;
  };
  restart();
  for (auto _ : state) {
    if (position == 32) {
      state.PauseTiming();
      restart();
      state.ResumeTiming();
    }
    // Beam-like reordering: each row continues a random row of the same source block.
    for (int r = 0; r < rows; ++r) {
      const int block = rows / n_src, base = (r / block) * block;
      parents[static_cast<size_t>(r)] =
          base + static_cast<int>(rng() % static_cast<unsigned>(block));
      tokens[static_cast<size_t>(r)] = static_cast<int32_t>(4 + rng() % 7990);
    }
    m.step(parents, tokens, &lp);
    ++position;
    benchmark::DoNotOptimize(lp.data());
  }
  state.counters["rows/s"] =
      benchmark::Counter(double(rows), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_DecoderStep)
    ->ArgNames({"rows", "sources", "threads"})
    ->Args({1, 1, 2})
    ->Args({16, 1, 1})
    ->Args({16, 1, 2})
    ->Args({64, 4, 2})
    ->Unit(benchmark::kMillisecond);

void BM_Encode(benchmark::State& state) {
  const int n_src = static_cast<int>(state.range(0));
  lcr::set_torch_threads(static_cast<int>(state.range(1)));
  auto& m = model();
  const auto src = sources(n_src, 511);
  for (auto _ : state) m.start(src);
  state.counters["sources/s"] =
      benchmark::Counter(double(n_src), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Encode)
    ->ArgNames({"sources", "threads"})
    ->Args({1, 2})
    ->Args({4, 2})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
