// A deterministic StepModel for tests: the log-probabilities of the next token are a
// pseudo-random function of (source, prefix), independent of batching and row order, so a
// search can be checked against an exhaustive enumeration.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "lcr/decoder/step_model.h"

namespace lcr::test {

/// A StepModel whose next-token distribution is a function of (source, prefix) alone. It
/// follows the `parents` contract exactly, keeping each row's prefix, so subclasses only say
/// what the distribution is.
class PrefixStepModel : public StepModel {
 public:
  PrefixStepModel(int vocab, int bos, int eos) : V_(vocab), bos_(bos), eos_(eos) {}
  int vocab_size() const override { return V_; }
  int bos_id() const override { return bos_; }
  int eos_id() const override { return eos_; }

  void start(const std::vector<std::vector<int32_t>>& sources) override {
    sources_ = sources;
    rows_.clear();
    first_ = true;
  }

  void step(const std::vector<int32_t>& parents, const std::vector<int32_t>& tokens,
            std::vector<float>* out) override {
    std::vector<Row> next;
    for (size_t r = 0; r < parents.size(); ++r) {
      if (first_) {
        next.push_back({parents[r], {}});
      } else {
        Row row = rows_.at(static_cast<size_t>(parents[r]));
        row.prefix.push_back(tokens[r]);
        next.push_back(std::move(row));
      }
    }
    first_ = false;
    rows_ = std::move(next);
    out->assign(rows_.size() * static_cast<size_t>(V_), 0.f);
    for (size_t r = 0; r < rows_.size(); ++r) {
      auto lp = log_probs(rows_[r].source, rows_[r].prefix);
      std::copy(lp.begin(), lp.end(), out->begin() + static_cast<long>(r * static_cast<size_t>(V_)));
    }
  }

  /// The distribution (vocab_size() log-probabilities) after `prefix` for `source`.
  virtual std::vector<float> log_probs(int source, const std::vector<int32_t>& prefix) const = 0;

 protected:
  const std::vector<int32_t>& source(int i) const { return sources_.at(static_cast<size_t>(i)); }
  int V_, bos_, eos_;

 private:
  struct Row {
    int source;
    std::vector<int32_t> prefix;
  };
  std::vector<std::vector<int32_t>> sources_;
  std::vector<Row> rows_;
  bool first_ = true;
};

class FakeStepModel : public PrefixStepModel {
 public:
  /// `sharpness` scales the pseudo-random scores: higher makes the distribution peakier.
  explicit FakeStepModel(int vocab, int bos = 1, int eos = 2, float sharpness = 1.0f)
      : PrefixStepModel(vocab, bos, eos), sharpness_(sharpness) {}

  /// The distribution after `prefix` for `source` (what the oracle uses too).
  std::vector<float> log_probs(int source, const std::vector<int32_t>& prefix) const override {
    uint64_t h = 1469598103934665603ull ^ static_cast<uint64_t>(source + 7);
    auto mix = [&h](uint64_t v) {
      h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
      h *= 1099511628211ull;
    };
    for (int32_t t : prefix) mix(static_cast<uint64_t>(t));
    std::vector<float> s(static_cast<size_t>(V_));
    float mx = -1e30f;
    for (int t = 0; t < V_; ++t) {
      uint64_t g = h;
      g ^= static_cast<uint64_t>(t) * 0xff51afd7ed558ccdull;
      g ^= g >> 33;
      g *= 0xc4ceb9fe1a85ec53ull;
      g ^= g >> 29;
      s[static_cast<size_t>(t)] = sharpness_ * static_cast<float>(g % 100000) / 10000.f;
      mx = std::max(mx, s[static_cast<size_t>(t)]);
    }
    double z = 0;
    for (float v : s) z += std::exp(static_cast<double>(v - mx));
    const float lz = mx + static_cast<float>(std::log(z));
    for (auto& v : s) v -= lz;
    return s;
  }

 private:
  float sharpness_;
};

}  // namespace lcr::test
