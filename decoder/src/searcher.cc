#include "lcr/decoder/searcher.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "lcr/core/corpus.h"
#include "lcr/core/error.h"
#include "lcr/core/tokenizer.h"

namespace lcr {

void SearchOptions::validate() const {
  beam.validate();
  rank.validate();
  if (part_chars < 20) throw Error("--part-chars must be at least 20");
  if (max_parts < 1) throw Error("--max-parts must be at least 1");
  if (max_query_bytes < 16) throw Error("--max-query-bytes must be at least 16");
  if (!(charge_feedback >= 0 && charge_feedback <= 100))
    throw Error("--charge-feedback must be in [0, 100]");
  if (feedback_cases < 1) throw Error("--feedback-cases must be at least 1");
}

void validate_query(const std::string& q, size_t max_bytes) {
  size_t bad = first_invalid_utf8(q);
  if (bad != std::string::npos)
    throw Error("the query is not valid UTF-8 (bad byte at offset " + std::to_string(bad) + ")");
  if (q.find_first_not_of(" \t\r\n\f\v") == std::string::npos)
    throw Error(q.empty() ? "the query is empty" : "the query holds only whitespace");
  if (q.size() > max_bytes)
    throw Error("the query is " + std::to_string(q.size()) + " bytes; the limit is " +
                std::to_string(max_bytes) + " (--max-query-bytes)");
}

namespace {
size_t utf8_chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
}  // namespace

std::vector<std::string> split_query(const std::string& q, size_t part_chars, size_t max_parts) {
  if (utf8_chars(q) <= part_chars) return {q};
  std::vector<std::string> parts;
  std::string cur;
  for (const auto& s : split_sentences(q, 4 * part_chars)) {
    if (!cur.empty() && utf8_chars(cur) + utf8_chars(s) > part_chars) {
      parts.push_back(cur);
      cur.clear();
    }
    cur += s;
  }
  if (!cur.empty()) parts.push_back(cur);
  while (parts.size() > max_parts) {
    parts[parts.size() - 2] += parts.back();
    parts.pop_back();
  }
  return parts;
}

Searcher::Searcher(const fm::Index& index, StepModel* model, std::vector<int32_t> first_tokens,
                   SearchOptions options)
    : index_(index), model_(model), first_tokens_(std::move(first_tokens)),
      options_(std::move(options)) {
  options_.validate();
}

SearchResult Searcher::search(const std::string& query) { return search_batch({query})[0]; }

std::vector<SearchResult> Searcher::search_batch(const std::vector<std::string>& queries) {
  const auto& tok = index_.tokenizer();
  // Sources: the whole query (with the principle, if any), plus its parts when it is long.
  std::vector<std::vector<int32_t>> encoded;
  std::vector<Source> sources;
  std::vector<SearchResult> results(queries.size());
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    validate_query(queries[qi], options_.max_query_bytes);
    const std::string prefix = options_.principle.empty() ? "" : options_.principle + "\n";
    auto source = [&](const std::string& text) {
      return tok.encode(prefix +
                        (options_.source_text ? options_.source_text(text, queries[qi]) : text));
    };
    const size_t first_source = sources.size();
    encoded.push_back(source(queries[qi]));
    sources.push_back({qi, -1});
    auto parts = split_query(queries[qi], options_.part_chars, options_.max_parts);
    if (parts.size() > 1) {
      std::string read;  // parts[0..p]: the whole query's window reads them all when they fit
      for (size_t p = 0; p < parts.size(); ++p) {
        read += parts[p];
        if (options_.source_window > 0 && source(read).size() <= options_.source_window)
          continue;
        encoded.push_back(source(parts[p]));
        sources.push_back({qi, static_cast<int>(p)});
      }
    }
    results[qi].parts = static_cast<int>(sources.size() - first_source - 1);
  }
  if (!model_) throw Error("this searcher has no model; it can only rank given elements");
  BeamSearch bs(*model_, &index_.fm(), options_.beam, first_tokens_);
  auto generated = bs.run(encoded);
  const auto head = model_->source_charges();
  if (head.size() == sources.size())
    for (size_t si = 0; si < sources.size(); ++si) {
      if (sources[si].part != -1 || head[si].size() != options_.charge_names.size()) continue;
      auto& mc = results[sources[si].query].model_charges;
      for (size_t k = 0; k < head[si].size(); ++k)
        mc.push_back({options_.charge_names[k], head[si][k]});
      std::stable_sort(mc.begin(), mc.end(),
                       [](const auto& a, const auto& b) { return a.share > b.share; });
      if (mc.size() > 5) mc.resize(5);
    }
  return rank(queries, sources, generated, std::move(results), bs.timings());
}

std::vector<SearchResult> Searcher::search_with_elements(
    const std::vector<std::string>& queries,
    const std::vector<std::vector<std::pair<std::string, double>>>& elements) {
  if (elements.size() != queries.size())
    throw Error("search_with_elements: one element list per query is needed");
  std::vector<Source> sources;
  std::vector<std::vector<Element>> given(queries.size());
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    validate_query(queries[qi], options_.max_query_bytes);
    sources.push_back({qi, -1});
    for (const auto& [text, logprob] : elements[qi]) {
      // An element that does not occur verbatim is cut to its longest prefix that does
      // (at least two tokens): what the constraint would have let a model write.
      Element e;
      const auto tokens = index_.encode(text);
      fm::State s = index_.fm().root();
      for (int32_t t : tokens) {
        auto next = index_.fm().extend(s, t);
        if (next.empty()) break;
        s = next;
        e.tokens.push_back(t);
      }
      e.state = s;
      e.logprob = e.score = static_cast<float>(logprob);
      const bool dup = std::any_of(given[qi].begin(), given[qi].end(),
                                   [&](const Element& x) { return x.tokens == e.tokens; });
      if (e.tokens.size() >= 2 && !dup) given[qi].push_back(std::move(e));
    }
  }
  return rank(queries, sources, given, std::vector<SearchResult>(queries.size()), {});
}

const std::vector<std::string>& Searcher::charges_of(uint32_t case_index) {
  auto it = charge_cache_.find(case_index);
  if (it != charge_cache_.end()) return it->second;
  if (charge_cache_.size() >= 200000) charge_cache_.clear();  // bounded in long sessions
  return charge_cache_.emplace(case_index, index_.get_case(case_index).charges).first->second;
}

std::vector<SearchResult> Searcher::rank(const std::vector<std::string>& queries,
                                         const std::vector<Source>& sources,
                                         const std::vector<std::vector<Element>>& generated,
                                         std::vector<SearchResult> results,
                                         const SearchTimings& timings) {
  using Clock = std::chrono::steady_clock;
  const auto& tok = index_.tokenizer();
  auto t0 = Clock::now();
  // Rank per source, normalise each source's scores by its best, and sum per case: a query
  // with several acts is not dominated by the one with the most striking elements.
  std::vector<std::map<uint32_t, double>> totals(queries.size());
  std::vector<std::map<uint32_t, std::vector<MatchedElement>>> matches(queries.size());
  RankOptions per_source = options_.rank;
  per_source.top_k = std::max<size_t>(options_.rank.top_k * 10, 100);
  LocateCache located;  // the whole query and its parts share many elements: locate them once
  for (size_t si = 0; si < sources.size(); ++si) {
    const size_t qi = sources[si].query;
    const int part = sources[si].part;
    std::vector<RankElement> elems;
    for (const auto& e : generated[si]) {
      RankElement r;
      r.tokens = e.tokens;
      r.logprob = e.logprob;
      r.state = e.state;
      elems.push_back(std::move(r));
    }
    auto ranked = rank_cases(index_.fm(), elems, per_source, &located);
    for (const auto& e : elems)
      results[qi].elements.push_back({tok.decode(e.tokens), e.logprob, e.weight,
                                      e.state.count(), part});
    if (ranked.empty()) continue;
    const double best = ranked[0].score;
    for (const auto& rc : ranked) {
      totals[qi][rc.case_index] += rc.score / best;
      auto& ms = matches[qi][rc.case_index];
      for (const auto& m : rc.matches) {
        const auto& e = elems[m.element];
        std::string text = tok.decode(e.tokens);
        bool dup = std::any_of(ms.begin(), ms.end(),
                               [&](const MatchedElement& x) { return x.text == text; });
        if (!dup) ms.push_back({text, e.weight, e.state.count(), m.offset});
      }
    }
  }
  auto by_score = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    auto& res = results[qi];
    res.timings = timings;
    std::vector<std::pair<uint32_t, double>> order(totals[qi].begin(), totals[qi].end());
    std::sort(order.begin(), order.end(), by_score);
    if (!order.empty()) {
      // The query's likely charges: the best cases' charges, each case weighted by its score.
      std::map<std::string, double> dist;
      double mass = 0;
      const double top = order[0].second;
      for (size_t i = 0; i < order.size() && i < options_.feedback_cases; ++i) {
        const auto& cs = charges_of(order[i].first);
        for (const auto& c : cs) dist[c] += order[i].second / top / static_cast<double>(cs.size());
        if (!cs.empty()) mass += order[i].second / top;
      }
      if (mass > 0)
        for (auto& [c, w] : dist) res.likely_charges.push_back({c, w / mass});
      std::stable_sort(res.likely_charges.begin(), res.likely_charges.end(),
                       [](const auto& a, const auto& b) { return a.share > b.share; });
      if (options_.charge_feedback > 0 && mass > 0) {
        // Re-score the head of the ranking: the base score over the best one, plus the share
        // of the likely charges each case's own charges cover.
        const size_t window = std::min(order.size(), std::max<size_t>(options_.rank.top_k, 200));
        for (size_t i = 0; i < window; ++i) {
          double cover = 0;
          for (const auto& c : charges_of(order[i].first)) {
            auto it = dist.find(c);
            if (it != dist.end()) cover += it->second / mass;
          }
          order[i].second = order[i].second / top + options_.charge_feedback * std::min(cover, 1.0);
        }
        for (size_t i = window; i < order.size(); ++i) order[i].second /= top;
        std::sort(order.begin(), order.begin() + static_cast<long>(window), by_score);
      }
      if (res.likely_charges.size() > 5) res.likely_charges.resize(5);
    }
    if (order.size() > options_.rank.top_k) order.resize(options_.rank.top_k);
    for (const auto& [d, score] : order) {
      auto c = index_.get_case(d);
      SearchHit h{d, c.id, c.title, c.charges, score, std::move(matches[qi][d]), ""};
      std::sort(h.matches.begin(), h.matches.end(),
                [](const auto& a, const auto& b) { return a.weight > b.weight; });
      if (!h.matches.empty()) {
        const auto& m = h.matches[0];
        const auto len = static_cast<uint32_t>(tok.encode(m.text).size());
        h.snippet = index_.snippet(c.text, m.offset, len, options_.snippet_context, "【", "】");
      }
      res.hits.push_back(std::move(h));
    }
    if (res.hits.empty())
      res.note = res.elements.empty()
                     ? "the model generated no element that occurs in the corpus"
                     : "none of the " + std::to_string(res.elements.size()) +
                           " generated elements is rare and probable enough to point to a case";
  }
  const double rank_s = std::chrono::duration<double>(Clock::now() - t0).count();
  for (auto& r : results) r.rank_seconds = rank_s / static_cast<double>(results.size());
  return results;
}

}  // namespace lcr
