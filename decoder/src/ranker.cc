#include "lcr/decoder/ranker.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "lcr/core/error.h"

namespace lcr {

void RankOptions::validate() const {
  if (!(alpha > 0 && alpha <= 8)) throw Error("ranking alpha must be in (0, 8]");
  if (max_count < 1) throw Error("ranking max count must be at least 1");
  if (max_occurrences < 1) throw Error("ranking max occurrences must be at least 1");
  if (top_k < 1) throw Error("top-k must be at least 1");
}

double element_weight(double logprob, uint64_t count, uint64_t corpus_tokens, double alpha) {
  const double p_nq = std::min(std::exp(logprob), 1.0 - 1e-9);
  const double p_n = (static_cast<double>(count) + 5.0) / (static_cast<double>(corpus_tokens) + 5.0);
  const double x = std::log(p_nq) + std::log1p(-p_n) - std::log(p_n) - std::log1p(-p_nq);
  return x > 0 ? std::pow(x, alpha) : 0.0;
}

std::vector<RankedCase> rank_cases(const fm::ShardedFm& index, std::vector<RankElement>& elements,
                                   const RankOptions& o, LocateCache* cache) {
  o.validate();
  for (auto& e : elements) {
    e.weight = element_weight(e.logprob, e.state.count(), index.num_tokens(), o.alpha);
    e.located = 0;
  }
  std::vector<size_t> order(elements.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return elements[a].weight > elements[b].weight;
  });

  struct Acc {
    double score = 0;
    std::vector<CaseMatch> matches;
    std::vector<std::pair<uint32_t, uint32_t>> spans;  // credited [begin, end)
  };
  std::unordered_map<uint32_t, Acc> cases;
  std::vector<fm::Occurrence> own;
  for (size_t ei : order) {
    auto& e = elements[ei];
    if (e.weight <= 0 || e.state.empty() || e.state.count() > o.max_count) continue;
    const std::vector<fm::Occurrence>* found = nullptr;
    if (cache) {
      auto it = cache->find(e.tokens);
      if (it == cache->end()) {
        index.locate(e.state, o.max_occurrences, &own);
        std::sort(own.begin(), own.end());
        it = cache->emplace(e.tokens, std::move(own)).first;
      }
      found = &it->second;
    } else {
      index.locate(e.state, o.max_occurrences, &own);
      std::sort(own.begin(), own.end());
      found = &own;
    }
    const auto& occ = *found;
    e.located = occ.size();
    const auto len = static_cast<uint32_t>(e.tokens.size());
    for (size_t i = 0; i < occ.size(); ++i) {
      if (i > 0 && occ[i - 1].case_index == occ[i].case_index) continue;  // handled below
      // All occurrences in this case: credit the first that overlaps no credited span.
      auto& acc = cases[occ[i].case_index];
      for (size_t j = i; j < occ.size() && occ[j].case_index == occ[i].case_index; ++j) {
        const uint32_t b = occ[j].offset, end = b + len;
        bool overlaps = std::any_of(acc.spans.begin(), acc.spans.end(), [&](const auto& s) {
          return b < s.second && s.first < end;
        });
        if (overlaps) continue;
        acc.score += e.weight;
        acc.matches.push_back({ei, b});
        acc.spans.push_back({b, end});
        break;
      }
    }
  }
  std::vector<RankedCase> out;
  out.reserve(cases.size());
  for (auto& [d, acc] : cases)
    if (acc.score > 0) out.push_back({d, acc.score, std::move(acc.matches)});
  const size_t k = std::min(o.top_k, out.size());
  auto better = [](const RankedCase& a, const RankedCase& b) {
    return a.score != b.score ? a.score > b.score : a.case_index < b.case_index;
  };
  std::partial_sort(out.begin(), out.begin() + static_cast<long>(k), out.end(), better);
  out.resize(k);
  return out;
}

}  // namespace lcr
