#include "lcr/trainer/plain_search.h"

#include <algorithm>
#include <string>

#include "lcr/core/error.h"

namespace lcr {

void PlainSearchOptions::validate() const {
  if (beam < 1 || beam > 1024) throw Error("plain search: beam must lie in [1, 1024]");
  if (max_len < 1) throw Error("plain search: max_len must be >= 1");
  if (top < 0) throw Error("plain search: top must be >= 0 (0 = beam)");
}

std::vector<PlainHypothesis> plain_beam_search(StepModel& model, const std::vector<int32_t>& source,
                                               const PlainSearchOptions& o) {
  o.validate();
  const int V = model.vocab_size();
  const size_t beam = static_cast<size_t>(o.beam);
  const size_t want = o.top > 0 ? static_cast<size_t>(o.top) : beam;
  std::vector<char> allowed_first;
  if (!o.first_tokens.empty()) {
    allowed_first.assign(static_cast<size_t>(V), 0);
    for (int32_t id : o.first_tokens)
      if (id >= 0 && id < V) allowed_first[static_cast<size_t>(id)] = 1;
  }
  model.start({source});
  std::vector<PlainHypothesis> live(1), done;
  std::vector<int32_t> parents = {0}, tokens = {model.bos_id()};
  std::vector<float> lp;
  struct Cand {
    double score;
    size_t row;
    int32_t token;
  };
  std::vector<Cand> cands;
  for (int t = 0; t < o.max_len && !live.empty(); ++t) {
    model.step(parents, tokens, &lp);
    cands.clear();
    for (size_t r = 0; r < live.size(); ++r) {
      const float* row = lp.data() + r * static_cast<size_t>(V);
      for (int32_t id = 0; id < V; ++id) {
        if (id == model.bos_id()) continue;  // never generated
        if (t == 0 && !allowed_first.empty() && !allowed_first[static_cast<size_t>(id)]) continue;
        cands.push_back({live[r].log_prob + row[id], r, id});
      }
    }
    const size_t keep = std::min(cands.size(), 2 * beam);
    std::partial_sort(cands.begin(), cands.begin() + static_cast<long>(keep), cands.end(),
                      [](const Cand& a, const Cand& b) { return a.score > b.score; });
    std::vector<PlainHypothesis> next;
    parents.clear();
    tokens.clear();
    for (size_t i = 0; i < keep && next.size() < beam; ++i) {
      const Cand& c = cands[i];
      PlainHypothesis h{live[c.row].tokens, c.score, false};
      if (c.token == model.eos_id()) {
        h.finished = true;
        done.push_back(std::move(h));
        continue;
      }
      h.tokens.push_back(c.token);
      next.push_back(std::move(h));
      parents.push_back(static_cast<int32_t>(c.row));
      tokens.push_back(c.token);
    }
    live = std::move(next);
    std::sort(done.begin(), done.end(), [](const PlainHypothesis& a, const PlainHypothesis& b) {
      return a.log_prob > b.log_prob;
    });
    if (done.size() >= want && !live.empty() && done[want - 1].log_prob >= live.front().log_prob)
      break;
  }
  for (auto& h : live) done.push_back(std::move(h));  // cut at max_len: unfinished
  std::stable_sort(done.begin(), done.end(),
                   [](const PlainHypothesis& a, const PlainHypothesis& b) {
                     if (a.finished != b.finished) return a.finished;
                     return a.log_prob > b.log_prob;
                   });
  if (done.size() > want) done.resize(want);
  return done;
}

}  // namespace lcr
