#include "lcr/decoder/beam_search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <queue>
#include <set>

#include "lcr/core/error.h"

namespace lcr {

void BeamSearchOptions::validate() const {
  auto need = [](bool ok, const std::string& msg) {
    if (!ok) throw Error(msg);
  };
  need(beam_size >= 1 && beam_size <= 1024,
       "beam size must be in [1, 1024] (got " + std::to_string(beam_size) + ")");
  need(max_length >= 1 && max_length <= 256,
       "max length must be in [1, 256] (got " + std::to_string(max_length) + ")");
  need(min_length >= 1 && min_length <= max_length,
       "min length must be in [1, max length] (got " + std::to_string(min_length) + ")");
  need(num_elements >= 1, "number of elements must be at least 1");
  need(length_penalty >= 0 && length_penalty <= 4, "length penalty must be in [0, 4]");
  need(max_per_first_token >= 0, "max hypotheses per first token must be >= 0");
}

namespace {

using Clock = std::chrono::steady_clock;

// Prefixes seen at most this often have their successors listed rather than tested one by
// one: they have few, and most of the model's best tokens would not follow them.
constexpr uint64_t kListBelow = 16;

struct Hyp {
  std::vector<int32_t> tokens;
  float logprob = 0;
  fm::State state;
};

// A continuation of row `row` by `token`. Its FM-index state is computed only if the beam
// takes it: the walk below needs just "does it follow" (can_follow, which stops early), and
// at most M candidates per query survive out of up to M per row.
struct Cand {
  float score;
  int row;
  int32_t token;
};

// Candidates in the order the beam takes them: higher score first, then earlier row, then
// smaller token. A strict total order, so results do not depend on sort stability.
bool before(const Cand& a, const Cand& b) {
  if (a.score != b.score) return a.score > b.score;
  if (a.row != b.row) return a.row < b.row;
  return a.token < b.token;
}

float final_score(float logprob, size_t length, float penalty) {
  return penalty == 0
             ? logprob
             : logprob / std::pow(static_cast<float>(std::max<size_t>(1, length)), penalty);
}

}  // namespace

BeamSearch::BeamSearch(StepModel& model, const fm::ShardedFm* index, BeamSearchOptions options,
                       std::vector<int32_t> first_tokens)
    : model_(model), index_(index), options_(options), first_tokens_(std::move(first_tokens)) {
  options_.validate();
  if (options_.constrained && !index_) throw Error("constrained beam search needs an FM-index");
  std::sort(first_tokens_.begin(), first_tokens_.end());
  first_tokens_.erase(std::unique(first_tokens_.begin(), first_tokens_.end()), first_tokens_.end());
}

std::vector<std::vector<Element>> BeamSearch::run(
    const std::vector<std::vector<int32_t>>& sources) {
  const int V = model_.vocab_size();
  const int32_t eos = model_.eos_id(), bos = model_.bos_id();
  const size_t Q = sources.size();
  const size_t M = static_cast<size_t>(options_.beam_size);
  std::vector<std::vector<Element>> finished(Q);
  if (Q == 0) return finished;
  const bool constrained = options_.constrained;

  // Step-one candidates: the first-token set (or every token), present in the corpus.
  std::vector<int32_t> first;
  {
    auto t0 = Clock::now();
    if (constrained) {
      std::vector<fm::TokenCount> all;
      index_->next_tokens(index_->root(), &all);
      for (const auto& tc : all)
        if (first_tokens_.empty() ||
            std::binary_search(first_tokens_.begin(), first_tokens_.end(), tc.token))
          first.push_back(tc.token);
    } else {
      for (int32_t t = 0; t < V; ++t)
        if (t != eos && t != bos &&
            (first_tokens_.empty() ||
             std::binary_search(first_tokens_.begin(), first_tokens_.end(), t)))
          first.push_back(t);
    }
    timings_.index_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  }

  auto t_model = Clock::now();
  model_.start(sources);
  timings_.model_seconds += std::chrono::duration<double>(Clock::now() - t_model).count();

  // Row r of the current step belongs to query row_query[r] and extends hyps[r] (empty at
  // step one).
  std::vector<int32_t> parents(Q), tokens(Q, bos);
  std::iota(parents.begin(), parents.end(), 0);
  std::vector<int> row_query(Q);
  std::iota(row_query.begin(), row_query.end(), 0);
  std::vector<Hyp> hyps(Q);
  for (auto& h : hyps) h.state = constrained ? index_->root() : fm::State{};
  std::vector<float> lp;
  std::vector<int32_t> order(static_cast<size_t>(V));
  std::vector<fm::TokenCount> listed;

  for (int len = 0; len < options_.max_length && !parents.empty(); ++len) {
    auto t0 = Clock::now();
    model_.step(parents, tokens, &lp);
    auto t1 = Clock::now();
    timings_.model_seconds += std::chrono::duration<double>(t1 - t0).count();
    ++timings_.steps;
    timings_.rows += parents.size();
    double index_s = 0;

    // Candidates per query: EOS of each row when allowed, and the allowed non-EOS
    // continuations that can still enter the beam. A query's beam takes at most M non-EOS
    // candidates, so they are found best first over all of the query's rows at once (a
    // heap over each row's next-best token), testing each with can_follow, until the next
    // score falls below the M-th best found: no continuation that cannot enter is ever
    // tested, and none that can is missed (ties included). Rows whose prefix occurs at most
    // kListBelow times list their few successors instead (one walk per shard). With the
    // diversity cap a rejected candidate frees a slot, so there every row yields its own
    // best M, as a per-row beam would.
    std::vector<std::vector<Cand>> per_query(Q);
    const bool prune = options_.max_per_first_token == 0;
    std::vector<std::priority_queue<float, std::vector<float>, std::greater<float>>> best(Q);
    auto threshold = [&](size_t q) {
      return prune && best[q].size() == M ? best[q].top() : -INFINITY;
    };
    auto note = [&](size_t q, float score) {
      best[q].push(score);
      if (best[q].size() > M) best[q].pop();
    };
    auto timed = [&](double* seconds, uint64_t* calls, auto&& f) {
      auto ti = Clock::now();
      auto result = f();
      const double d = std::chrono::duration<double>(Clock::now() - ti).count();
      index_s += d;
      *seconds += d;
      ++*calls;
      return result;
    };
    const size_t R = parents.size();
    const size_t K = std::min<size_t>(static_cast<size_t>(V), 4 * M + 8);
    // Lists every allowed successor of row r not yet tested (`tested` marks those) and adds
    // the best of them, up to `room`.
    std::vector<char> tested(static_cast<size_t>(V), 0);
    auto list_row = [&](size_t r, size_t room) {
      const float* row = lp.data() + r * static_cast<size_t>(V);
      const Hyp& h = hyps[r];
      const size_t q = static_cast<size_t>(row_query[r]);
      timed(&timings_.list_seconds, &timings_.list_calls, [&] {
        index_->next_tokens(h.state, &listed);
        return 0;
      });
      std::vector<Cand> all;
      for (const auto& tc : listed)
        if (tc.token != eos && tc.token != bos && !tested[static_cast<size_t>(tc.token)])
          all.push_back({h.logprob + row[tc.token], static_cast<int>(r), tc.token});
      std::sort(all.begin(), all.end(), before);
      if (all.size() > room) all.resize(room);
      const float th = threshold(q);
      while (!all.empty() && all.back().score < th) all.pop_back();
      for (const auto& c : all) note(q, c.score);
      per_query[q].insert(per_query[q].end(), all.begin(), all.end());
    };
    if (len == 0) {
      for (size_t r = 0; r < R; ++r) {
        const float* row = lp.data() + r * static_cast<size_t>(V);
        auto& out = per_query[static_cast<size_t>(row_query[r])];
        if (len >= options_.min_length)
          out.push_back({hyps[r].logprob + row[eos], static_cast<int>(r), eos});
        for (int32_t t : first) out.push_back({hyps[r].logprob + row[t], static_cast<int>(r), t});
      }
    } else {
      // Each lazy row's K best tokens by the model, and how far its walk has gone.
      std::vector<int32_t> orders(R * K);
      std::vector<size_t> found(R, 0);
      struct Next {
        float score;
        int row;
        int32_t token;
        size_t i;  // position in the row's order
      };
      auto worse = [](const Next& a, const Next& b) {
        return before(Cand{b.score, b.row, b.token}, Cand{a.score, a.row, a.token});
      };
      std::vector<std::priority_queue<Next, std::vector<Next>, decltype(worse)>> heaps(
          Q, std::priority_queue<Next, std::vector<Next>, decltype(worse)>(worse));
      for (size_t r = 0; r < R; ++r) {
        const float* row = lp.data() + r * static_cast<size_t>(V);
        const Hyp& h = hyps[r];
        const size_t q = static_cast<size_t>(row_query[r]);
        if (len >= options_.min_length)
          per_query[q].push_back({h.logprob + row[eos], static_cast<int>(r), eos});
        if (constrained && h.state.count() <= kListBelow) {
          list_row(r, M);
          continue;
        }
        std::iota(order.begin(), order.end(), 0);
        auto by_lp = [row](int32_t a, int32_t b) {
          return row[a] != row[b] ? row[a] > row[b] : a < b;
        };
        std::partial_sort(order.begin(), order.begin() + static_cast<long>(K), order.end(), by_lp);
        std::copy(order.begin(), order.begin() + static_cast<long>(K),
                  orders.begin() + static_cast<long>(r * K));
        const int32_t t = orders[r * K];
        heaps[q].push({h.logprob + row[t], static_cast<int>(r), t, 0});
      }
      for (size_t q = 0; q < Q; ++q) {
        auto& heap = heaps[q];
        while (!heap.empty()) {
          const Next n = heap.top();
          heap.pop();
          if (n.score < threshold(q)) break;  // nothing left can enter the beam
          const size_t r = static_cast<size_t>(n.row);
          const Hyp& h = hyps[r];
          const float* row = lp.data() + r * static_cast<size_t>(V);
          bool take = n.token != eos && n.token != bos;
          if (take && constrained)
            take = timed(&timings_.follow_seconds, &timings_.follow_calls,
                         [&] { return index_->can_follow(h.state, n.token); });
          if (take) {
            per_query[q].push_back({n.score, n.row, n.token});
            note(q, n.score);
            if (++found[r] == M) continue;  // the row can add nothing the beam would take
          }
          if (n.i + 1 < K) {
            const int32_t t = orders[r * K + n.i + 1];
            heap.push({h.logprob + row[t], n.row, t, n.i + 1});
          } else if (constrained && K < static_cast<size_t>(V)) {
            // The model's K best held fewer than M that follow: list the rest the corpus
            // allows (all scored at most as high as the K-th).
            for (size_t i = 0; i < K; ++i) tested[static_cast<size_t>(orders[r * K + i])] = 1;
            list_row(r, M - found[r]);
            for (size_t i = 0; i < K; ++i) tested[static_cast<size_t>(orders[r * K + i])] = 0;
          }
        }
      }
    }

    // Select the next beam per query.
    std::vector<Hyp> next_hyps;
    std::vector<int32_t> next_parents, next_tokens;
    std::vector<int> next_query;
    for (size_t q = 0; q < Q; ++q) {
      auto& cands = per_query[q];
      std::sort(cands.begin(), cands.end(), before);
      size_t live = 0;
      std::vector<std::pair<int32_t, int>> per_first;  // first token -> live count
      for (const auto& c : cands) {
        const Hyp& h = hyps[static_cast<size_t>(c.row)];
        if (c.token == eos) {
          finished[q].push_back({h.tokens, c.score, c.score, 0, h.state});
          continue;
        }
        const int32_t f = h.tokens.empty() ? c.token : h.tokens[0];
        if (options_.max_per_first_token > 0) {
          auto it = std::find_if(per_first.begin(), per_first.end(),
                                 [f](const auto& p) { return p.first == f; });
          if (it == per_first.end()) it = per_first.insert(per_first.end(), {f, 0});
          if (it->second >= options_.max_per_first_token) continue;
          ++it->second;
        }
        Hyp n{h.tokens, c.score, {}};
        if (constrained) {
          auto ti = Clock::now();
          n.state = index_->extend(h.state, c.token);
          const double d = std::chrono::duration<double>(Clock::now() - ti).count();
          index_s += d;
          timings_.extend_seconds += d;
          ++timings_.extend_calls;
        }
        n.tokens.push_back(c.token);
        if (static_cast<int>(n.tokens.size()) == options_.max_length) {
          finished[q].push_back({n.tokens, n.logprob, n.logprob, 0, n.state});
        } else {
          next_hyps.push_back(std::move(n));
          next_parents.push_back(c.row);
          next_tokens.push_back(c.token);
          next_query.push_back(static_cast<int>(q));
        }
        // The beam is full: every lower candidate, end-of-sequence included, is dropped.
        // (This is what makes keeping only each row's best M continuations exact.)
        if (++live == M) break;
      }
    }
    // Early stop per query (scores only fall when there is no length penalty): once the
    // best live hypothesis cannot enter the top num_elements, drop the query's beam.
    if (options_.length_penalty == 0) {
      std::vector<float> best_live(Q, -INFINITY);
      for (size_t i = 0; i < next_hyps.size(); ++i) {
        auto& b = best_live[static_cast<size_t>(next_query[i])];
        b = std::max(b, next_hyps[i].logprob);
      }
      std::vector<bool> done(Q, false);
      for (size_t q = 0; q < Q; ++q) {
        auto& f = finished[q];
        if (f.size() < static_cast<size_t>(options_.num_elements)) continue;
        std::vector<float> s;
        for (const auto& e : f) s.push_back(e.score);
        std::nth_element(s.begin(), s.begin() + options_.num_elements - 1, s.end(),
                         std::greater<float>());
        done[q] = best_live[q] < s[static_cast<size_t>(options_.num_elements - 1)];
      }
      size_t k = 0;
      for (size_t i = 0; i < next_hyps.size(); ++i) {
        if (done[static_cast<size_t>(next_query[i])]) continue;
        if (k != i) next_hyps[k] = std::move(next_hyps[i]);
        next_parents[k] = next_parents[i];
        next_tokens[k] = next_tokens[i];
        next_query[k] = next_query[i];
        ++k;
      }
      next_hyps.resize(k);
      next_parents.resize(k);
      next_tokens.resize(k);
      next_query.resize(k);
    }
    hyps = std::move(next_hyps);
    parents = std::move(next_parents);
    tokens = std::move(next_tokens);
    row_query = std::move(next_query);
    timings_.index_seconds += index_s;
    timings_.other_seconds += std::chrono::duration<double>(Clock::now() - t1).count() - index_s;
  }

  for (auto& f : finished) {
    for (auto& e : f) {
      e.score = final_score(e.logprob, e.tokens.size(), options_.length_penalty);
      e.corpus_count = e.state.count();
    }
    std::sort(f.begin(), f.end(), [](const Element& a, const Element& b) {
      return a.score != b.score ? a.score > b.score : a.tokens < b.tokens;
    });
    if (f.size() > static_cast<size_t>(options_.num_elements))
      f.resize(static_cast<size_t>(options_.num_elements));
  }
  return finished;
}

}  // namespace lcr
