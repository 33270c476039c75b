// Query-by-case search: validate the query, split a long one into parts, generate legal
// elements for every part under the FM-index constraint (all parts of all queries in one
// beam search), rank cases per part and aggregate, and explain each hit with its matched
// elements and a highlighted snippet.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "lcr/decoder/beam_search.h"
#include "lcr/decoder/ranker.h"
#include "lcr/decoder/step_model.h"
#include "lcr/fmindex/index.h"

namespace lcr {

struct SearchOptions {
  BeamSearchOptions beam;
  RankOptions rank;
  size_t part_chars = 400;         // a query longer than this is also searched per part
  size_t max_parts = 4;            // parts beyond this are merged into the last
  // When > 0, the tokens of a source the model reads (its max source length less EOS): a
  // part whose text the whole query's window already reads (it and every part before it fit
  // in the window) is then not searched again on its own, and a query the window reads
  // whole is one source however long it is. 0: every part is searched.
  // `lcr search` sets it from the checkpoint unless given --all-parts.
  size_t source_window = 0;
  size_t max_query_bytes = 65536;  // longer queries are refused
  std::string principle;           // a stated legal principle added to the query
  // How a source becomes the model's text: source_text(source, query), where the source is
  // the whole query or one of its parts; the identity when empty. `lcr search` sets
  // traindata::anonymise(source, query) here when the model was trained on anonymised
  // sources, so queries read as its training sources did and a part loses the names the
  // whole query introduces. Ranking never sees it.
  std::function<std::string(const std::string& source, const std::string& query)> source_text;
  size_t snippet_context = 40;     // bytes of context each side of a highlighted match
  // Charge feedback: the charges of the best `feedback_cases` cases, weighted by score, give
  // the query's likely charges; every candidate then gains `charge_feedback` times the share
  // of that distribution its own charges cover. 0 turns it off (the charges are still
  // estimated and reported).
  double charge_feedback = 0;
  size_t feedback_cases = 10;
  // The classes of the model's charge head (StepModel::source_charges), when it has one:
  // the head's reading of the whole query is then reported (SearchResult::model_charges).
  std::vector<std::string> charge_names;
  void validate() const;
};

struct MatchedElement {
  std::string text;
  double weight;
  uint64_t corpus_count;
  uint32_t offset;  // token offset in the case
};

struct SearchHit {
  uint32_t case_index;
  std::string id, title;
  std::vector<std::string> charges;
  double score;
  std::vector<MatchedElement> matches;  // heaviest first
  std::string snippet;                  // around the heaviest match, match in 【】
};

struct GeneratedElement {
  std::string text;
  double logprob, weight;
  uint64_t corpus_count;
  int part;
};

struct LikelyCharge {
  std::string charge;
  double share;  // of the score-weighted charges of the best cases
};

struct SearchResult {
  std::vector<SearchHit> hits;
  std::vector<LikelyCharge> likely_charges;  // from the best cases, largest share first
  std::vector<LikelyCharge> model_charges;   // the model's charge head on the whole query
  std::vector<GeneratedElement> elements;  // what the model generated, all parts
  int parts = 0;  // parts of a long query searched on their own, besides the whole query
  std::string note;  // a plain sentence when nothing was found
  SearchTimings timings;
  double rank_seconds = 0;
};

/// Throws lcr::Error with a plain message for an empty, whitespace-only, over-long or
/// invalid-UTF-8 query.
void validate_query(const std::string& query, size_t max_bytes);

/// Splits a query into parts of about `part_chars` characters at sentence ends; one part
/// when it is short.
std::vector<std::string> split_query(const std::string& query, size_t part_chars,
                                     size_t max_parts);

class Searcher {
 public:
  /// `first_tokens`: the core first-token set saved with the model. `model` may be null for
  /// a searcher that only ranks given elements (search_with_elements).
  Searcher(const fm::Index& index, StepModel* model, std::vector<int32_t> first_tokens,
           SearchOptions options);
  SearchResult search(const std::string& query);
  /// Several queries in one batched beam search.
  std::vector<SearchResult> search_batch(const std::vector<std::string>& queries);
  /// Ranks with elements given from elsewhere instead of generated ones (one list per query,
  /// each element's text and log-probability; an element absent from the corpus is cut to
  /// its longest prefix that occurs, and dropped when that is shorter than two tokens).
  /// The extractor-only baseline uses this: same locate-and-rank path, no model.
  std::vector<SearchResult> search_with_elements(
      const std::vector<std::string>& queries,
      const std::vector<std::vector<std::pair<std::string, double>>>& elements);

 private:
  struct Source {
    size_t query;
    int part;  // -1: the whole query
  };
  std::vector<SearchResult> rank(const std::vector<std::string>& queries,
                                 const std::vector<Source>& sources,
                                 const std::vector<std::vector<Element>>& generated,
                                 std::vector<SearchResult> results, const SearchTimings& t);

  const std::vector<std::string>& charges_of(uint32_t case_index);

  const fm::Index& index_;
  StepModel* model_;
  std::unordered_map<uint32_t, std::vector<std::string>> charge_cache_;
  std::vector<int32_t> first_tokens_;
  SearchOptions options_;
};

}  // namespace lcr
